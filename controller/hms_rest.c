/*  hms_rest: the controller's HTTP side (ulfius).

    Reads come from the published view; changes go to the controller loop
    over inproc and come back as [status][JSON body]. Every input is
    checked here first (addresses, container references, thresholds, JSON
    types, body size), so a bad request is answered 400 without reaching a
    manager. Static files (the web page, the OpenAPI document, the API
    explorer) are compiled into the binary: no file system path is ever
    built from a request.
*/

#include "hms_rest.h"
#include "hms_assets.h"
#include "hms_client.h"
#include "hms_json.h"
#include "hms_log.h"

#include <czmq.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <ulfius.h>

#define MAX_BODY 65536

struct _hms_rest_t {
    struct _u_instance instance; //  ulfius
    bool started;                //  ulfius_start_framework succeeded
    char *token;                 //  bearer token for changes; NULL: none
    char *api_endpoint;          //  the loop's inproc ROUTER
    hms_view_store_t *views;     //  what the loop publishes
    char (*allow)[64];           //  per route, then per file: the Allow header of a 405
};

//  Responses.

static int s_send(struct _u_response *response, int status, const char *body, size_t size)
{
    ulfius_set_binary_body_response(response, (unsigned)status, body, size);
    u_map_put(response->map_header, "Content-Type", "application/json");
    return U_CALLBACK_COMPLETE;
}

static int s_error(struct _u_response *response, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_error(struct _u_response *response, int status, const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    json_t *body = json_pack("{s:{s:i, s:s}}", "error", "code", status, "message", message);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text)
        s_send(response, status, text, strlen(text));
    else
        ulfius_set_empty_body_response(response, (unsigned)status);
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  Asks the loop: command and up to three arguments (a NULL ends them);
//  the loop's answer becomes the response.
static int s_ask(hms_rest_t *self, struct _u_response *response, const char *command,
                 const char *first, const char *second, const char *third)
{
    zsock_t *req = zsock_new_req(self->api_endpoint);
    if (!req)
        return s_error(response, 500, "cannot reach the controller loop");
    //  The loop answers by its own deadline, which PUT /config can raise up
    //  to the largest request timeout: wait for that, plus a margin.
    zsock_set_rcvtimeo(req, HMS_REQUEST_TIMEOUT_MAX + 1000);
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, command);
    if (first)
        zmsg_addstr(request, first);
    if (first && second)
        zmsg_addstr(request, second);
    if (first && second && third)
        zmsg_addstr(request, third);
    zmsg_t *reply = NULL;
    if (zmsg_send(&request, req) == 0)
        reply = zmsg_recv(req);
    zmsg_destroy(&request);
    zsock_destroy(&req);
    char *status = reply ? zmsg_popstr(reply) : NULL;
    zframe_t *body = reply ? zmsg_pop(reply) : NULL;
    int rc;
    if (!status || !body)
        rc = s_error(response, 503, "the controller did not answer");
    else if (zframe_size(body) == 0) {
        ulfius_set_empty_body_response(response, (unsigned)atoi(status));
        rc = U_CALLBACK_COMPLETE;
    } else
        rc = s_send(response, atoi(status), (const char *)zframe_data(body), zframe_size(body));
    zstr_free(&status);
    zframe_destroy(&body);
    zmsg_destroy(&reply);
    return rc;
}

//  Input checks.

static bool s_authorized(hms_rest_t *self, const struct _u_request *request)
{
    if (!self->token)
        return true;
    const char *header = u_map_get_case(request->map_header, "Authorization");
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return false;
    //  Compare in constant time: a timing leak would reveal the token.
    const char *given = header + 7;
    size_t length = strlen(self->token);
    if (strlen(given) != length)
        return false;
    unsigned char difference = 0;
    for (size_t i = 0; i < length; i++)
        difference |= (unsigned char)(given[i] ^ self->token[i]);
    return difference == 0;
}

static int s_unauthorized(struct _u_response *response)
{
    u_map_put(response->map_header, "WWW-Authenticate", "Bearer realm=\"hms\"");
    return s_error(response, 401, "this call needs 'Authorization: Bearer <token>'");
}

//  Segment n of the request's path (0 is "containers"), percent-decoded,
//  into out. Route parameters are read from the path itself: ulfius mixes
//  them with the query's, so ?address=x would otherwise reach them.
static bool s_segment(const struct _u_request *request, int n, char *out, size_t size)
{
    const char *path = request->url_path;
    for (int i = 0; path && i <= n; i++) {
        while (*path == '/')
            path++;
        const char *end = path + strcspn(path, "/?");
        if (i == n && end > path) {
            char raw[1024];
            if ((size_t)(end - path) >= sizeof raw)
                return false;
            snprintf(raw, sizeof raw, "%.*s", (int)(end - path), path);
            char *decoded = ulfius_url_decode(raw);
            bool fits = decoded && strlen(decoded) < size;
            if (fits)
                snprintf(out, size, "%s", decoded);
            u_free(decoded);
            return fits;
        }
        path = *end == '/' ? end : NULL;
    }
    return false;
}

//  The address in the path into out; false after answering 400.
static bool s_address(const struct _u_request *request, struct _u_response *response,
                      char out[HMS_ADDRESS_MAX + 1])
{
    char pub[300], router[300];
    if (!s_segment(request, 1, out, HMS_ADDRESS_MAX + 1) ||
        hms_address_endpoints(out, HMS_MANAGER_PORT, pub, router, sizeof pub) != 0) {
        s_error(response, 400, "not a manager address (host or host:port, at most %d characters)",
                HMS_ADDRESS_MAX);
        return false;
    }
    return true;
}

//  The container in the path into out; false after answering 400.
static bool s_container(const struct _u_request *request, struct _u_response *response,
                        char out[HMS_REF_MAX + 1])
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789_.-";
    if (!s_segment(request, 2, out, HMS_REF_MAX + 1) || !*out ||
        out[strspn(out, allowed)] != '\0') {
        s_error(response, 400, "a container is named by its id, an id prefix or its name");
        return false;
    }
    return true;
}

//  Parses the request body as a JSON object (NULL body: *object = NULL).
//  Returns 0, or -1 after answering 400.
static int s_body(const struct _u_request *request, struct _u_response *response, json_t **object)
{
    *object = NULL;
    if (request->binary_body_length == 0)
        return 0;
    const char *type = u_map_get_case(request->map_header, "Content-Type");
    if (!type || !strstr(type, "application/json")) {
        s_error(response, 400, "send the body as JSON, with Content-Type: application/json");
        return -1;
    }
    json_error_t error;
    *object = json_loadb(request->binary_body, request->binary_body_length, JSON_REJECT_DUPLICATES,
                         &error);
    if (!json_is_object(*object)) {
        s_error(response, 400, "the body is not a JSON object: %s",
                *object ? "another JSON type" : error.text);
        json_decref(*object);
        *object = NULL;
        return -1;
    }
    return 0;
}

//  The threshold of a request: {"threshold": N} in the body, or the seed's
//  ?threshold=N. Writes it as text; returns 0, or -1 after answering 400.
static int s_threshold(const struct _u_request *request, struct _u_response *response, char *text,
                       size_t size)
{
    json_t *body;
    if (s_body(request, response, &body))
        return -1;
    double value = NAN;
    if (body) {
        json_t *field = json_object_get(body, "threshold");
        bool number = json_is_number(field);
        if (number)
            value = json_number_value(field);
        json_decref(body);
        if (!field)
            return s_error(response, 400, "threshold is missing"), -1;
        if (!number)
            return s_error(response, 400, "threshold must be a number in [0, 100]"), -1;
    } else {
        const char *query = u_map_get(request->map_url, "threshold");
        if (!query)
            return s_error(response, 400,
                           "threshold is missing ({\"threshold\": N} or "
                           "?threshold=N)"),
                   -1;
        char *end;
        value = strtod(query, &end);
        if (end == query || *end != '\0')
            return s_error(response, 400, "threshold must be a number in [0, 100]"), -1;
    }
    if (!(value >= HMS_THRESHOLD_MIN && value <= HMS_THRESHOLD_MAX))
        return s_error(response, 400, "threshold must be a number in [0, 100]"), -1;
    snprintf(text, size, "%.17g", value);
    return 0;
}

//  Endpoints. Each comment gives the route.

//  GET /containers
static int s_get_all(const struct _u_request *request, struct _u_response *response, void *arg)
{
    (void)request;
    hms_rest_t *self = arg;
    hms_view_t *view = hms_view_store_acquire(self->views);
    size_t size;
    const char *text = hms_view_document(view, &size);
    if (text)
        s_send(response, 200, text, size); //  ulfius copies the body
    hms_view_release(&view);
    return text ? U_CALLBACK_COMPLETE : s_error(response, 500, "out of memory");
}

//  A threshold for one host, or for every host (address NULL).
static int s_threshold_for(hms_rest_t *self, const struct _u_request *request,
                           struct _u_response *response, bool every_host)
{
    if (!s_authorized(self, request))
        return s_unauthorized(response);
    char address[HMS_ADDRESS_MAX + 1] = "";
    if (!every_host && !s_address(request, response, address))
        return U_CALLBACK_COMPLETE;
    char threshold[64];
    if (s_threshold(request, response, threshold, sizeof threshold))
        return U_CALLBACK_COMPLETE;
    return s_ask(self, response, HMS_API_THRESHOLD, address, threshold, NULL);
}

//  POST /containers
static int s_post_all(const struct _u_request *request, struct _u_response *response, void *arg)
{
    return s_threshold_for(arg, request, response, true);
}

//  POST /containers/{address}
static int s_post_host(const struct _u_request *request, struct _u_response *response, void *arg)
{
    return s_threshold_for(arg, request, response, false);
}

//  GET /containers/{address}
static int s_get_host(const struct _u_request *request, struct _u_response *response, void *arg)
{
    hms_rest_t *self = arg;
    char address[HMS_ADDRESS_MAX + 1];
    if (!s_address(request, response, address))
        return U_CALLBACK_COMPLETE;
    hms_view_t *view = hms_view_store_acquire(self->views);
    const hms_view_host_t *host = hms_view_host(view, address);
    size_t size = 0;
    char *text = host ? hms_view_render_host(host, &size) : NULL;
    hms_view_release(&view);
    if (!host)
        return s_error(response, 404, "no manager '%s' is followed", address);
    if (!text)
        return s_error(response, 500, "out of memory");
    s_send(response, 200, text, size);
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  PUT and DELETE /containers/{address}
static int s_change_host(const struct _u_request *request, struct _u_response *response, void *arg)
{
    hms_rest_t *self = arg;
    if (!s_authorized(self, request))
        return s_unauthorized(response);
    char address[HMS_ADDRESS_MAX + 1];
    if (!s_address(request, response, address))
        return U_CALLBACK_COMPLETE;
    if (strcmp(request->http_verb, "PUT") != 0)
        return s_ask(self, response, HMS_API_REMOVE, address, NULL, NULL);
    //  An optional body names the host's antagonist: {"antagonist": "host:port"}.
    json_t *body;
    if (s_body(request, response, &body))
        return U_CALLBACK_COMPLETE;
    char antagonist[HMS_ADDRESS_MAX + 1] = "";
    json_t *field = json_object_get(body, "antagonist");
    const char *text = json_string_value(field);
    char pub[300], router[300];
    bool bad = field && (!text || strlen(text) > HMS_ADDRESS_MAX ||
                         hms_address_endpoints_antagonist(text, HMS_ANTAGONIST_PORT, pub, router,
                                                          sizeof pub) != 0);
    if (text && !bad)
        snprintf(antagonist, sizeof antagonist, "%s", text);
    json_decref(body);
    if (bad)
        return s_error(response, 400, "antagonist must be an address (host or host:port)");
    return s_ask(self, response, HMS_API_ADD, address, antagonist, NULL);
}

//  The /test endpoints: the antagonist of every host (GET status, PUT its
//  configuration, POST start, DELETE stop), or of one (/test/{address}).
static int s_test(const struct _u_request *request, struct _u_response *response, void *arg,
                  bool every_host)
{
    hms_rest_t *self = arg;
    const char *verb = request->http_verb;
    bool read = strcmp(verb, "GET") == 0 || strcmp(verb, "HEAD") == 0;
    if (!read && !s_authorized(self, request))
        return s_unauthorized(response);
    char address[HMS_ADDRESS_MAX + 1] = "";
    if (!every_host && !s_address(request, response, address))
        return U_CALLBACK_COMPLETE;
    const char *operation = read                        ? "status"
                            : strcmp(verb, "PUT") == 0  ? "conf"
                            : strcmp(verb, "POST") == 0 ? "start"
                                                        : "stop";
    if (strcmp(operation, "conf") != 0)
        return s_ask(self, response, HMS_API_ANTAGONIST, address, operation, NULL);
    json_t *body;
    if (s_body(request, response, &body))
        return U_CALLBACK_COMPLETE;
    hms_antagonist_conf_t conf;
    char problem[256];
    if (!body || hms_json_parse_antagonist_conf(body, &conf, problem, sizeof problem) != 0) {
        json_decref(body);
        return s_error(response, 400, "%s",
                       body ? problem
                            : "send the configuration as a JSON object: loss, "
                              "balance, heavy, frequency, duration");
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = text ? s_ask(self, response, HMS_API_ANTAGONIST, address, operation, text)
                  : s_error(response, 500, "out of memory");
    free(text);
    return rc;
}

//  GET, PUT, POST, DELETE /test
static int s_test_all(const struct _u_request *request, struct _u_response *response, void *arg)
{
    return s_test(request, response, arg, true);
}

//  GET, PUT, POST, DELETE /test/{address}
static int s_test_host(const struct _u_request *request, struct _u_response *response, void *arg)
{
    return s_test(request, response, arg, false);
}

//  GET /containers/{address}/{containerID}
static int s_get_container(const struct _u_request *request, struct _u_response *response,
                           void *arg)
{
    hms_rest_t *self = arg;
    char address[HMS_ADDRESS_MAX + 1], ref[HMS_REF_MAX + 1];
    if (!s_address(request, response, address) || !s_container(request, response, ref))
        return U_CALLBACK_COMPLETE;
    hms_view_t *view = hms_view_store_acquire(self->views);
    const hms_view_host_t *host = hms_view_host(view, address);
    int code = HMS_CODE_NOT_FOUND;
    const hms_container_t *container = host ? hms_view_container(host, ref, &code) : NULL;
    char *text = container ? hms_view_render_container(host, container) : NULL;
    hms_view_release(&view);
    if (!host)
        return s_error(response, 404, "no manager '%s' is followed", address);
    if (!container)
        return s_error(response, code,
                       code == HMS_CODE_CONFLICT ? "'%s' matches several containers"
                                                 : "no container '%s' on %s",
                       ref, address);
    if (!text)
        return s_error(response, 500, "out of memory");
    s_send(response, 200, text, strlen(text));
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  PUT and DELETE /containers/{address}/{containerID}: watch again, ignore.
static int s_change_container(const struct _u_request *request, struct _u_response *response,
                              void *arg)
{
    hms_rest_t *self = arg;
    if (!s_authorized(self, request))
        return s_unauthorized(response);
    char address[HMS_ADDRESS_MAX + 1], ref[HMS_REF_MAX + 1];
    if (!s_address(request, response, address) || !s_container(request, response, ref))
        return U_CALLBACK_COMPLETE;
    bool watch = strcmp(request->http_verb, "PUT") == 0;
    return s_ask(self, response, watch ? HMS_API_WATCH : HMS_API_IGNORE, address, ref, NULL);
}

//  GET /healthz
static int s_get_health(const struct _u_request *request, struct _u_response *response, void *arg)
{
    (void)request;
    hms_rest_t *self = arg;
    hms_view_t *view = hms_view_store_acquire(self->views);
    size_t online = 0;
    for (size_t i = 0; i < view->count; i++)
        online += view->hosts[i].status == HMS_HOST_ONLINE;
    json_t *body = json_pack("{s:s, s:I, s:I}", "status", "ok", "hosts", (json_int_t)view->count,
                             "online", (json_int_t)online);
    hms_view_release(&view);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return s_error(response, 500, "out of memory");
    s_send(response, 200, text, strlen(text));
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  GET /stats
static int s_get_stats(const struct _u_request *request, struct _u_response *response, void *arg)
{
    (void)request;
    return s_ask(arg, response, HMS_API_STATS, NULL, NULL, NULL);
}

//  GET and PUT /config
static int s_config(const struct _u_request *request, struct _u_response *response, void *arg)
{
    hms_rest_t *self = arg;
    if (strcmp(request->http_verb, "PUT") != 0) //  GET and HEAD
        return s_ask(self, response, HMS_API_CONFIG, NULL, NULL, NULL);
    if (!s_authorized(self, request))
        return s_unauthorized(response);
    json_t *body;
    if (s_body(request, response, &body))
        return U_CALLBACK_COMPLETE;
    if (!body)
        return s_error(response, 400, "send the settings to change as a JSON object");
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = s_ask(self, response, HMS_API_CONFIG, text, NULL, NULL);
    free(text);
    return rc;
}

//  GET of a compiled-in file; the asset is the endpoint's argument.
static int s_get_asset(const struct _u_request *request, struct _u_response *response, void *arg)
{
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

//  Any other path.
static int s_not_found(const struct _u_request *request, struct _u_response *response, void *arg)
{
    (void)arg;
    return s_error(response, 404, "no such resource: %s %s", request->http_verb, request->url_path);
}

//  A method a route does not serve.
static int s_not_allowed(const struct _u_request *request, struct _u_response *response, void *arg)
{
    u_map_put(response->map_header, "Allow", arg);
    return s_error(response, 405, "%s is not served on %s (allowed: %s)", request->http_verb,
                   request->url_path, (const char *)arg);
}

typedef int(callback_t)(const struct _u_request *, struct _u_response *, void *);

//  Routes: path, then the callback of each method (NULL: not served).
static const struct {
    const char *path;
    callback_t *get, *put, *post, *delete;
} s_routes[] = {
    {"/containers", s_get_all, NULL, s_post_all, NULL},
    {"/containers/:address", s_get_host, s_change_host, s_post_host, s_change_host},
    {"/containers/:address/:id", s_get_container, s_change_container, NULL, s_change_container},
    {"/healthz", s_get_health, NULL, NULL, NULL},
    {"/stats", s_get_stats, NULL, NULL, NULL},
    {"/config", s_config, s_config, NULL, NULL},
    {"/test", s_test_all, s_test_all, s_test_all, s_test_all},
    {"/test/:address", s_test_host, s_test_host, s_test_host, s_test_host},
};
#define ROUTES (sizeof s_routes / sizeof s_routes[0])

static const char *const s_methods[] = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"};
#define METHODS (sizeof s_methods / sizeof s_methods[0])

//  Registers path: each method's callback, or 405 naming the served ones.
static void s_route(hms_rest_t *self, const char *path, callback_t *const callbacks[METHODS],
                    void *arg, char *allow, size_t size)
{
    allow[0] = '\0';
    for (size_t m = 0; m < METHODS; m++)
        if (callbacks[m])
            snprintf(allow + strlen(allow), size - strlen(allow), "%s%s", *allow ? ", " : "",
                     s_methods[m]);
    for (size_t m = 0; m < METHODS; m++)
        ulfius_add_endpoint_by_val(&self->instance, s_methods[m], NULL, path, 0,
                                   callbacks[m] ? callbacks[m] : s_not_allowed,
                                   callbacks[m] ? arg : allow);
}

hms_rest_t *hms_rest_new(const hms_rest_config_t *config)
{
    hms_rest_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->token = config->token && *config->token ? strdup(config->token) : NULL;
    self->api_endpoint = strdup(config->api_endpoint);
    self->views = config->views;
    struct sockaddr_in bind_address = {.sin_family = AF_INET,
                                       .sin_port = htons((uint16_t)config->port)};
    if (inet_pton(AF_INET, config->bind, &bind_address.sin_addr) != 1) {
        hms_error("http-bind: '%s' is not an IPv4 address", config->bind);
        free(self->token);
        free(self->api_endpoint);
        free(self);
        return NULL;
    }
    if (ulfius_init_instance(&self->instance, (unsigned)config->port, &bind_address, NULL) !=
        U_OK) {
        hms_error("cannot set up the HTTP server");
        free(self->token);
        free(self->api_endpoint);
        free(self);
        return NULL;
    }
    self->instance.max_post_body_size = MAX_BODY;
    size_t files = 0;
    while (hms_assets[files].path)
        files++;
    self->allow = calloc(ROUTES + files, sizeof *self->allow);
    if (!self->allow) {
        hms_rest_destroy(&self);
        return NULL;
    }
    for (size_t r = 0; r < ROUTES; r++) {
        //  HEAD is GET without the body (libmicrohttpd drops it).
        callback_t *const callbacks[METHODS] = {s_routes[r].get,
                                                s_routes[r].put,
                                                s_routes[r].post,
                                                s_routes[r].delete,
                                                NULL,
                                                s_routes[r].get,
                                                NULL};
        s_route(self, s_routes[r].path, callbacks, self, self->allow[r], sizeof self->allow[r]);
    }
    for (size_t f = 0; f < files; f++) {
        callback_t *const callbacks[METHODS] = {s_get_asset, NULL,        NULL, NULL,
                                                NULL,        s_get_asset, NULL};
        s_route(self, hms_assets[f].path, callbacks, (void *)&hms_assets[f],
                self->allow[ROUTES + f], sizeof self->allow[ROUTES + f]);
    }
    ulfius_set_default_endpoint(&self->instance, s_not_found, NULL);
    if (ulfius_start_framework(&self->instance) != U_OK) {
        hms_error("cannot listen on %s:%d (port in use?)", config->bind, config->port);
        hms_rest_destroy(&self);
        return NULL;
    }
    self->started = true;
    return self;
}

void hms_rest_destroy(hms_rest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_rest_t *self = *self_p;
    if (self->started)
        ulfius_stop_framework(&self->instance);
    ulfius_clean_instance(&self->instance);
    free(self->allow);
    free(self->token);
    free(self->api_endpoint);
    free(self);
    *self_p = NULL;
}
