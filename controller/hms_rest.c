/*  hms_rest: the controller's HTTP side (ulfius).

    Every route and method goes through s_dispatch: the guard, then the
    route's callback (or 405). Reads come from the published view; changes
    go to the controller loop as typed requests (hms_api) and come back as
    a status and a JSON body. Every input is checked here first
    (addresses, keys, container references, thresholds, JSON types, body
    size), so a bad request is answered 400 without reaching a manager.
    Static files (the web page, the OpenAPI document, the API explorer) are
    compiled into the binary: no file system path is built from a request.
*/

#include "hms_rest.h"
#include "hms_rest_io.h"
#include "hms_assets.h"
#include "hms_client.h"
#include "hms_guard.h"
#include "hms_http.h"
#include "hms_json.h"
#include "hms_log.h"
#include "hms_rest_alerts.h"
#include "hms_rest_forecasts.h"
#include "hms_rest_security.h"
#include "hms_rest_metrics.h"
#include "hms_secrets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <ulfius.h>
#include <unistd.h>

typedef struct _hms_rest_t hms_rest_t;

typedef int(callback_t)(hms_rest_t *self, const struct _u_request *request,
                        struct _u_response *response, const void *arg);

//  What one route does for one method.
typedef struct {
    hms_rest_t *self;
    callback_t *callback; //  NULL: 405
    const void *arg;      //  the asset, for files
    bool change;          //  a method that changes state: token and JSON
    bool open;            //  readable without a token even with token_reads
    const char *allow;    //  the route's methods, for a 405
} handler_t;

struct _hms_rest_t {
    struct _u_instance instance; //  ulfius
    bool started;                //  ulfius_start_framework_* succeeded
    bool tls;                    //  served over TLS
    char *cert, *key;            //  PEM text, kept while serving
    char *history;               //  the metrics history file; "": none
    char *vm_url;                //  VictoriaMetrics, read for the history; "": none
    const hms_vmpush_t *push;    //  the push to it; NULL: none
    hms_guard_t *guard;          //  what every request must pass
    hms_api_t *api;              //  the loop's mailbox
    hms_view_store_t *views;     //  what the loop publishes
    handler_t *handlers;         //  one per route and method, then the default
    char (*allow)[64];           //  per route: its methods
    int port;                    //  bound
};

//  Endpoints. Each comment gives the route.

//  GET /containers
static int s_get_all(hms_rest_t *self, const struct _u_request *request,
                     struct _u_response *response, const void *arg)
{
    (void)request;
    (void)arg;
    hms_view_t *view = hms_view_store_acquire(self->views);
    size_t size;
    const char *text = hms_view_document(view, &size);
    if (text)
        hms_rest_send(response, 200, text, size); //  ulfius copies the body
    hms_view_release(&view);
    return text ? U_CALLBACK_COMPLETE : hms_rest_error(response, 500, "out of memory");
}

//  GET /metrics: Prometheus' scrape.
static int s_get_metrics(hms_rest_t *self, const struct _u_request *request,
                         struct _u_response *response, const void *arg)
{
    (void)request;
    (void)arg;
    return hms_rest_prometheus(self->views, self->push, response);
}

//  GET /alerts/history: changes of state from the history.
static int s_get_alert_history(hms_rest_t *self, const struct _u_request *request,
                               struct _u_response *response, const void *arg)
{
    (void)arg;
    return hms_rest_alert_history(self->history, request, response);
}

//  GET /healthz
static int s_get_health(hms_rest_t *self, const struct _u_request *request,
                        struct _u_response *response, const void *arg)
{
    (void)request;
    (void)arg;
    return hms_rest_health(self->views, self->push, response);
}

//  A route rendered from the view alone: /alerts (pending and
//  firing), /security and /security/{address}/{container} (the audit's
//  findings), /forecasts (time left before the limits). arg: its
//  s_view_route_t.
typedef struct {
    int (*render)(hms_view_store_t *views, const struct _u_request *request,
                  struct _u_response *response);
} s_view_route_t;
static const s_view_route_t s_alerts = {hms_rest_alerts}, s_security_all = {hms_rest_security},
                            s_security_one = {hms_rest_security_one},
                            s_forecasts = {hms_rest_forecasts};

static int s_get_view(hms_rest_t *self, const struct _u_request *request,
                      struct _u_response *response, const void *arg)
{
    return ((const s_view_route_t *)arg)->render(self->views, request, response);
}

//  GET /events: the timeline.
static int s_get_events(hms_rest_t *self, const struct _u_request *request,
                        struct _u_response *response, const void *arg)
{
    (void)arg;
    return hms_rest_events(self->history, request, response);
}

//  POST /alerts/test: a test alert through every receiver.
static int s_post_alert_test(hms_rest_t *self, const struct _u_request *request,
                             struct _u_response *response, const void *arg)
{
    (void)request;
    (void)arg;
    hms_api_args_t args = {.kind = HMS_API_ALERT_TEST};
    return hms_rest_call(self->api, response, &args);
}

//  GET /containers/{address}/{container}/metrics: a series from the history.
static int s_get_history(hms_rest_t *self, const struct _u_request *request,
                         struct _u_response *response, const void *arg)
{
    (void)arg;
    return hms_rest_history(self->views, self->history, self->vm_url, request, response);
}

//  POST /containers and POST /containers/{address}: a threshold.
static int s_post_threshold(hms_rest_t *self, const struct _u_request *request,
                            struct _u_response *response, const void *arg)
{
    bool every_host = arg != NULL;
    hms_api_args_t args = {.kind = HMS_API_THRESHOLD};
    if (!every_host && !hms_rest_address(request, response, args.address))
        return U_CALLBACK_COMPLETE;
    if (hms_rest_threshold(request, response, &args.threshold))
        return U_CALLBACK_COMPLETE;
    return hms_rest_call(self->api, response, &args);
}

//  GET and PUT /rules and /rules/{address}.
static int s_rules(hms_rest_t *self, const struct _u_request *request, struct _u_response *response,
                   const void *arg)
{
    return hms_rest_rules(self->api, request, response, arg != NULL);
}

//  GET /containers/{address}
static int s_get_host(hms_rest_t *self, const struct _u_request *request,
                      struct _u_response *response, const void *arg)
{
    (void)arg;
    char address[HMS_ADDRESS_MAX + 1];
    if (!hms_rest_address(request, response, address))
        return U_CALLBACK_COMPLETE;
    hms_view_t *view = hms_view_store_acquire(self->views);
    const hms_view_host_t *host = hms_view_host(view, address);
    size_t size = 0;
    char *text = host ? hms_view_render_host(host, &size) : NULL;
    hms_view_release(&view);
    if (!host)
        return hms_rest_error(response, 404, "no manager '%s' is followed", address);
    if (!text)
        return hms_rest_error(response, 500, "out of memory");
    hms_rest_send(response, 200, text, size);
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  PUT /containers/{address}: follow a manager. The body names its public
//  key, its antagonist and the antagonist's key, all optional.
static int s_put_host(hms_rest_t *self, const struct _u_request *request,
                      struct _u_response *response, const void *arg)
{
    (void)arg;
    static const char *const keys[] = {"public_key", "antagonist", "antagonist_key", NULL};
    hms_api_args_t args = {.kind = HMS_API_ADD};
    json_t *body;
    if (!hms_rest_address(request, response, args.address) ||
        hms_rest_body(request, response, &body))
        return U_CALLBACK_COMPLETE;
    json_t *antagonist = json_object_get(body, "antagonist");
    const char *text = json_string_value(antagonist);
    char pub[300], router[300];
    int rc = hms_rest_only_keys(body, response, keys);
    if (rc == 0 && antagonist &&
        (!text || strlen(text) > HMS_ADDRESS_MAX ||
         hms_address_endpoints_antagonist(text, HMS_ANTAGONIST_PORT, pub, router, sizeof pub))) {
        hms_rest_error(response, 400, "antagonist must be an address (host or host:port)");
        rc = -1;
    }
    if (rc == 0 && text)
        snprintf(args.antagonist, sizeof args.antagonist, "%s", text);
    if (rc == 0)
        rc = hms_rest_key(body, "public_key", response, args.public_key);
    if (rc == 0)
        rc = hms_rest_key(body, "antagonist_key", response, args.antagonist_key);
    json_decref(body);
    return rc == 0 ? hms_rest_call(self->api, response, &args) : U_CALLBACK_COMPLETE;
}

//  DELETE /containers/{address}: stop following a manager.
static int s_delete_host(hms_rest_t *self, const struct _u_request *request,
                         struct _u_response *response, const void *arg)
{
    (void)arg;
    hms_api_args_t args = {.kind = HMS_API_REMOVE};
    if (!hms_rest_address(request, response, args.address))
        return U_CALLBACK_COMPLETE;
    return hms_rest_call(self->api, response, &args);
}

//  The /test endpoints: the antagonist of every host (arg not NULL) or of
//  one (/test/{address}): GET status, PUT its configuration, POST start,
//  DELETE stop.
static int s_test(hms_rest_t *self, const struct _u_request *request, struct _u_response *response,
                  const void *arg)
{
    const char *verb = request->http_verb;
    hms_api_args_t args = {.kind = HMS_API_ANTAGONIST};
    if (!arg && !hms_rest_address(request, response, args.address))
        return U_CALLBACK_COMPLETE;
    args.operation = strcmp(verb, "PUT") == 0      ? HMS_API_CONF
                     : strcmp(verb, "POST") == 0   ? HMS_API_START
                     : strcmp(verb, "DELETE") == 0 ? HMS_API_STOP
                                                   : HMS_API_STATUS;
    if (args.operation != HMS_API_CONF)
        return hms_rest_call(self->api, response, &args);
    json_t *body;
    if (hms_rest_body(request, response, &body))
        return U_CALLBACK_COMPLETE;
    char problem[256];
    int rc = body ? hms_json_parse_antagonist_conf(body, &args.conf, problem, sizeof problem) : -1;
    json_decref(body);
    if (rc)
        return hms_rest_error(
            response, 400, "%s",
            body ? problem
                 : "send the configuration as a JSON object: loss, balance, heavy, "
                   "frequency, duration");
    return hms_rest_call(self->api, response, &args);
}

//  GET /containers/{address}/{containerID}
static int s_get_container(hms_rest_t *self, const struct _u_request *request,
                           struct _u_response *response, const void *arg)
{
    (void)arg;
    char address[HMS_ADDRESS_MAX + 1], ref[HMS_REF_MAX + 1];
    if (!hms_rest_address(request, response, address) ||
        !hms_rest_container(request, response, ref))
        return U_CALLBACK_COMPLETE;
    hms_view_t *view = hms_view_store_acquire(self->views);
    const hms_view_host_t *host;
    const hms_container_t *container = hms_rest_lookup(view, address, ref, response, &host);
    char *text = container ? hms_view_render_container(host, container) : NULL;
    hms_view_release(&view);
    if (!container)
        return U_CALLBACK_COMPLETE;
    if (!text)
        return hms_rest_error(response, 500, "out of memory");
    hms_rest_send(response, 200, text, strlen(text));
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  PUT and DELETE /containers/{address}/{containerID}: watch again, ignore.
static int s_change_container(hms_rest_t *self, const struct _u_request *request,
                              struct _u_response *response, const void *arg)
{
    (void)arg;
    bool watch = strcmp(request->http_verb, "PUT") == 0;
    hms_api_args_t args = {.kind = watch ? HMS_API_WATCH : HMS_API_IGNORE};
    if (!hms_rest_address(request, response, args.address) ||
        !hms_rest_container(request, response, args.container))
        return U_CALLBACK_COMPLETE;
    return hms_rest_call(self->api, response, &args);
}

//  GET /stats
static int s_get_stats(hms_rest_t *self, const struct _u_request *request,
                       struct _u_response *response, const void *arg)
{
    (void)request;
    (void)arg;
    hms_api_args_t args = {.kind = HMS_API_STATS};
    return hms_rest_call(self->api, response, &args);
}

//  GET and PUT /config
static int s_config(hms_rest_t *self, const struct _u_request *request,
                    struct _u_response *response, const void *arg)
{
    (void)arg;
    hms_api_args_t args = {.kind = HMS_API_CONFIG};
    if (strcmp(request->http_verb, "PUT") != 0) //  GET and HEAD
        return hms_rest_call(self->api, response, &args);
    json_t *body;
    if (hms_rest_body(request, response, &body))
        return U_CALLBACK_COMPLETE;
    char problem[256];
    int rc = body ? hms_api_settings_parse(body, &args.settings, problem, sizeof problem) : -1;
    json_decref(body);
    if (rc)
        return hms_rest_error(response, 400, "%s",
                              body ? problem : "send the settings to change as a JSON object");
    return hms_rest_call(self->api, response, &args);
}

//  GET of a compiled-in file.
static int s_get_asset(hms_rest_t *self, const struct _u_request *request,
                       struct _u_response *response, const void *arg)
{
    (void)self;
    (void)request;
    const hms_asset_t *asset = arg;
    ulfius_set_binary_body_response(response, 200, (const char *)asset->data, asset->size);
    char type[96];
    snprintf(type, sizeof type, "%s%s", asset->type,
             strncmp(asset->type, "text/", 5) == 0 ? "; charset=utf-8" : "");
    u_map_put(response->map_header, "Content-Type", type);
    u_map_put(response->map_header, "Cache-Control", "no-cache");
    return U_CALLBACK_COMPLETE;
}

//  Every request: the guard, then the handler's callback, 405 or 404.
static int s_dispatch(const struct _u_request *request, struct _u_response *response,
                      void *user_data)
{
    const handler_t *handler = user_data;
    hms_rest_t *self = handler->self;
    char why[512];
    int refused =
        hms_guard_check(self->guard, request, handler->change, handler->open, why, sizeof why);
    if (refused == 401)
        u_map_put(response->map_header, "WWW-Authenticate", "Bearer realm=\"hms\"");
    if (refused)
        return hms_rest_error(response, refused, "%s", why);
    if (handler->callback)
        return handler->callback(self, request, response, handler->arg);
    if (!handler->allow)
        return hms_rest_error(response, 404, "no such resource: %s %.200s", request->http_verb,
                              request->url_path);
    u_map_put(response->map_header, "Allow", handler->allow);
    return hms_rest_error(response, 405, "%s is not served on %.200s (allowed: %s)",
                          request->http_verb, request->url_path, handler->allow);
}

//  Routes: path, then the callback of each method (NULL: not served) and
//  its argument.
static const int s_every_host = 1;
static const struct {
    const char *path;
    callback_t *get, *put, *post, *delete;
    const void *arg;
} s_routes[] = {
    {"/containers", s_get_all, NULL, s_post_threshold, NULL, &s_every_host},
    {"/containers/:address", s_get_host, s_put_host, s_post_threshold, s_delete_host, NULL},
    {"/containers/:address/:id", s_get_container, s_change_container, NULL, s_change_container,
     NULL},
    {"/containers/:address/:id/metrics", s_get_history, NULL, NULL, NULL, NULL},
    {"/healthz", s_get_health, NULL, NULL, NULL, NULL},
    {"/stats", s_get_stats, NULL, NULL, NULL, NULL},
    {"/metrics", s_get_metrics, NULL, NULL, NULL, NULL},
    {"/alerts", s_get_view, NULL, NULL, NULL, &s_alerts},
    {"/alerts/history", s_get_alert_history, NULL, NULL, NULL, NULL},
    {"/alerts/test", NULL, NULL, s_post_alert_test, NULL, NULL},
    {"/events", s_get_events, NULL, NULL, NULL, NULL},
    {"/security", s_get_view, NULL, NULL, NULL, &s_security_all},
    {"/security/:address/:id", s_get_view, NULL, NULL, NULL, &s_security_one},
    {"/forecasts", s_get_view, NULL, NULL, NULL, &s_forecasts},
    {"/rules", s_rules, s_rules, NULL, NULL, &s_every_host},
    {"/rules/:address", s_rules, s_rules, NULL, NULL, NULL},
    {"/config", s_config, s_config, NULL, NULL, NULL},
    {"/test", s_test, s_test, s_test, s_test, &s_every_host},
    {"/test/:address", s_test, s_test, s_test, s_test, NULL},
};
#define ROUTES (sizeof s_routes / sizeof s_routes[0])

static const char *const s_methods[] = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"};
#define METHODS (sizeof s_methods / sizeof s_methods[0])

//  Registers path: each method through s_dispatch with its handler
//  (handlers holds METHODS entries); allow receives the methods served.
static void s_route(hms_rest_t *self, const char *path, callback_t *const callbacks[METHODS],
                    const void *arg, bool open, handler_t *handlers, char *allow, size_t size)
{
    allow[0] = '\0';
    for (size_t m = 0; m < METHODS; m++)
        if (callbacks[m])
            snprintf(allow + strlen(allow), size - strlen(allow), "%s%s", *allow ? ", " : "",
                     s_methods[m]);
    for (size_t m = 0; m < METHODS; m++) {
        const char *method = s_methods[m];
        handlers[m] = (handler_t){self,
                                  callbacks[m],
                                  arg,
                                  strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
                                      strcmp(method, "OPTIONS") != 0,
                                  open || strcmp(path, "/healthz") == 0,
                                  allow};
        ulfius_add_endpoint_by_val(&self->instance, method, NULL, path, 0, s_dispatch,
                                   &handlers[m]);
    }
}

//  Every route: the API's, then the compiled-in files, then the fallback.
//  Returns 0, or -1 when out of memory.
static int s_routes_all(hms_rest_t *self)
{
    size_t files = 0;
    while (hms_assets[files].path)
        files++;
    self->handlers = calloc((ROUTES + files) * METHODS + 1, sizeof *self->handlers);
    self->allow = calloc(ROUTES + files, sizeof *self->allow);
    if (!self->handlers || !self->allow)
        return -1;
    for (size_t r = 0; r < ROUTES; r++) {
        //  HEAD is GET without the body (libmicrohttpd drops it).
        callback_t *const callbacks[METHODS] = {s_routes[r].get,
                                                s_routes[r].put,
                                                s_routes[r].post,
                                                s_routes[r].delete,
                                                NULL,
                                                s_routes[r].get,
                                                NULL};
        s_route(self, s_routes[r].path, callbacks, s_routes[r].arg, false,
                &self->handlers[r * METHODS], self->allow[r], sizeof self->allow[r]);
    }
    //  The files hold no data: readable without a token, so that the page
    //  can load and ask for one.
    for (size_t f = 0; f < files; f++) {
        callback_t *const callbacks[METHODS] = {s_get_asset, NULL,        NULL, NULL,
                                                NULL,        s_get_asset, NULL};
        s_route(self, hms_assets[f].path, callbacks, &hms_assets[f], true,
                &self->handlers[(ROUTES + f) * METHODS], self->allow[ROUTES + f],
                sizeof self->allow[ROUTES + f]);
    }
    handler_t *fallback = &self->handlers[(ROUTES + files) * METHODS];
    *fallback = (handler_t){self, NULL, NULL, false, true, NULL};
    ulfius_set_default_endpoint(&self->instance, s_dispatch, fallback);
    return 0;
}

hms_rest_t *hms_rest_new(const hms_rest_config_t *config)
{
    struct sockaddr_in bind_address = {.sin_family = AF_INET,
                                       .sin_port = htons((uint16_t)config->port)};
    if (inet_pton(AF_INET, config->bind, &bind_address.sin_addr) != 1) {
        hms_error("http-bind: '%s' is not an IPv4 address", config->bind);
        return NULL;
    }
    //  ulfius wants a port from 1; s_start listens itself (port 0 picks a
    //  free one).
    hms_rest_t *self = calloc(1, sizeof *self);
    if (!self || ulfius_init_instance(&self->instance, config->port ? (unsigned)config->port : 1,
                                      &bind_address, NULL) != U_OK) {
        hms_error("cannot set up the HTTP server");
        free(self);
        return NULL;
    }
    self->api = config->api;
    self->views = config->views;
    self->history = strdup(config->history ? config->history : "");
    self->vm_url = strdup(config->vm_url ? config->vm_url : "");
    self->push = config->push;
    self->tls = config->tls_cert && config->tls_key;
    if (self->tls) {
        self->cert = strdup(config->tls_cert);
        self->key = strdup(config->tls_key);
    }
    //  No form parsing; s_front refuses a longer body before ulfius reads it
    //  (the guard checks again: one byte over the limit is kept).
    self->instance.allowed_post_processor = U_POST_PROCESS_NONE;
    self->instance.max_post_body_size = HMS_REST_BODY_MAX + 1;
    for (size_t i = 0; i < HMS_HTTP_SECURITY_HEADERS; i++)
        u_map_put(self->instance.default_headers, hms_http_security_headers[i][0],
                  hms_http_security_headers[i][1]);
    if (s_routes_all(self) != 0 ||
        !(self->guard = hms_guard_new(config->bind, config->hosts, config->token,
                                      config->token_reads, self->tls))) {
        hms_rest_destroy(&self);
        return NULL;
    }
    hms_http_limits_t limits = {config->connection_limit, config->per_ip_limit,
                                config->idle_timeout_s};
    self->port = hms_http_start(&self->instance, &bind_address, &limits,
                                self->tls ? self->cert : NULL, self->tls ? self->key : NULL);
    if (self->port < 0) {
        hms_error("cannot listen on %s:%d (port in use, or a TLS key pair that is not valid)",
                  config->bind, config->port);
        hms_rest_destroy(&self);
        return NULL;
    }
    self->started = true;
    return self;
}

int hms_rest_port(hms_rest_t *self)
{
    return self->port;
}

void hms_rest_destroy(hms_rest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_rest_t *self = *self_p;
    if (self->started)
        ulfius_stop_framework(&self->instance);
    ulfius_clean_instance(&self->instance);
    hms_guard_destroy(&self->guard);
    free(self->handlers);
    free(self->allow);
    //  Secrets do not stay in freed memory.
    if (self->key)
        explicit_bzero(self->key, strlen(self->key));
    free(self->cert);
    free(self->key);
    free(self->history);
    free(self->vm_url);
    free(self);
    *self_p = NULL;
}

hms_rest_t *hms_rest_start(const hms_controller_config_t *config, hms_api_t *api,
                           hms_view_store_t *views, const char *history, const hms_vmpush_t *push)
{
    hms_secrets_t secrets;
    if (hms_secrets_load(&secrets, config->token_file, config->tls_cert, config->tls_key) != 0)
        return NULL;
    const char *token = secrets.token;
    hms_rest_t *server = NULL;
    const char *bind = *config->http_bind ? config->http_bind : token ? "0.0.0.0" : "127.0.0.1";
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:1", bind);
    bool unguarded = !token && !hms_endpoint_local(endpoint);
    if (unguarded && config->transport.insecure)
        hms_warning("--insecure: the REST API on %s without a token: anyone who reaches it "
                    "can change everything",
                    bind);
    else if (unguarded)
        hms_error("refusing to serve the REST API on %s without a token (--token-file): use "
                  "--http-bind 127.0.0.1, or --insecure for a lab",
                  bind);
    if (!unguarded || config->transport.insecure) {
        hms_rest_config_t rest = {bind,
                                  config->http_port,
                                  token,
                                  config->token_reads,
                                  secrets.cert,
                                  secrets.key,
                                  config->http_hosts,
                                  config->http_connections,
                                  config->http_per_ip,
                                  config->http_timeout_s,
                                  api,
                                  views,
                                  history,
                                  config->vm_url,
                                  push};
        server = hms_rest_new(&rest);
    }
    if (server)
        hms_notice("REST on %s://%s:%d/%s%s", secrets.cert ? "https" : "http", bind,
                   hms_rest_port(server), token ? ", token needed for changes" : ", no token",
                   token && config->token_reads ? " and reads" : "");
    hms_secrets_wipe(&secrets);
    return server;
}
