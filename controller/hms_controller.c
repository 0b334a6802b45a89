/*  hms_controller: follows every manager and serves one REST API for all.

    Each manager ("host") is an hms_follower, which keeps a copy of its
    table in step. This file owns the list of followers, the REST
    requests that wait for managers' answers, the view the REST threads
    read, the state file, and the controller's own ROUTER.
*/

#include "hms_controller.h"
#include "hms_api.h"
#include "hms_client.h"
#include "hms_daemon.h"
#include "hms_file.h"
#include "hms_follower.h"
#include "hms_forward.h"
#include "hms_json.h"
#include "hms_log.h"
#include "hms_msg.h"
#include "hms_rest.h"
#include "hms_statefile.h"
#include "hms_stats.h"
#include "hms_server.h"
#include "hms_events.h"
#include "hms_sinks.h"
#include "hms_view.h"

#include <czmq.h>
#include <inttypes.h>
#include <math.h>
#include <limits.h>
#include <sys/stat.h>

#define TICK_MS        100
#define SAMPLE_MS      250 //  the seed's availability: one sample every 250 ms
#define PUBLISH_GAP_MS 10  //  views published for changes shown at once, at most this often
//  Descriptors a followed host may hold: a SUB, a DEALER and one to its
//  antagonist, each with its mailbox and its connection.
#define FILES_PER_HOST 6
//  Descriptors kept for everything else (besides the HTTP connections).
#define FILES_RESERVED 256

typedef struct _hms_controller_t hms_controller_t;

struct _hms_controller_t {
    zloop_t *loop;
    hms_transport_t *transport;    //  keys; the ZAP handler of router
    hms_api_t *api;                //  the REST threads' requests
    zsock_t *router;               //  ping and list_hosts; NULL when disabled
    zlistx_t *hosts;               //  hms_follower_t
    hms_follower_context_t follow; //  what the followers share
    hms_forward_t *forward;        //  REST commands waiting for hosts' answers
    hms_view_store_t *views;       //  published for the REST threads
    hms_sockets_t *sockets;        //  the followers' sockets, read in loop
    hms_rest_t *rest;              //  the HTTP server
    hms_sinks_t *sinks;            //  the history and the notifications
    hms_events_t *events;          //  heals and attacks, for the history
    char history[PATH_MAX];        //  its file; "": none
    char *state_file;              //  NULL: none
    char *ready_file;              //  NULL: none
    size_t max_hosts;              //  what fits in our descriptors, at most --max-hosts
    hms_api_settings_t settings;   //  run-time settings (all present)
    bool dirty;                    //  the view is older than the hosts
    bool due;                      //  a publication is set for a change shown at once
    uint64_t published;            //  monotonic ms of the last publication
    uint64_t samples;              //  the seed's availability: samples taken
    uint64_t samples_complete;     //  of which no host was pending
    uint64_t started_mono;         //  for ping's uptime
    json_t *set_aside;             //  state file hosts not followed at start, kept in it
};

static uint64_t s_now(void)
{
    return (uint64_t)zclock_mono();
}

//  The view and the state file.

static void s_publish(hms_controller_t *self)
{
    size_t count = zlistx_size(self->hosts);
    hms_view_host_t *hosts = calloc(count ? count : 1, sizeof *hosts);
    if (!hosts)
        return;
    size_t i = 0;
    for (hms_follower_t *host = zlistx_first(self->hosts); host;
         host = zlistx_next(self->hosts), i++)
        hms_follower_view(host, &hosts[i]);
    hms_view_t *view = hms_view_new(hosts, count);
    free(hosts);
    if (view) {
        hms_view_t *before = hms_view_store_acquire(self->views);
        hms_events_heals(self->events, before, view, (uint64_t)zclock_time());
        hms_view_release(&before);
        hms_view_store_publish(self->views, view);
        self->dirty = false;
        self->published = s_now();
    }
}

static void s_save(hms_controller_t *self)
{
    if (!self->state_file)
        return;
    json_t *hosts = json_array();
    for (hms_follower_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        json_array_append_new(hosts, hms_follower_saved(host));
    json_array_extend(hosts, self->set_aside);
    hms_statefile_save(self->state_file, hosts, &self->settings);
    json_decref(hosts);
}

//  Hosts.

static hms_follower_t *s_host_find(hms_controller_t *self, const char *address)
{
    for (hms_follower_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        if (strcmp(hms_follower_address(host), address) == 0)
            return host;
    return NULL;
}

//  Followers' callbacks.

static int s_publish_due(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_controller_t *self = arg;
    self->due = false;
    if (self->dirty)
        s_publish(self);
    return 0;
}

//  A change to show now (containers, status, alerts) is published at once,
//  or PUBLISH_GAP_MS after the last publication: a burst of changes costs
//  one view; others (metrics) wait for the tick.
static void s_on_changed(void *arg, bool now)
{
    hms_controller_t *self = arg;
    self->dirty = true;
    if (now && !self->due) {
        uint64_t at = s_now(), next = self->published + PUBLISH_GAP_MS;
        self->due = zloop_timer(self->loop, next > at ? next - at : 0, 1, s_publish_due, self) >= 0;
    }
}

static void s_on_answer(void *arg, hms_follower_t *host, const hms_msg_t *reply)
{
    hms_controller_t *self = arg;
    hms_forward_answer(self->forward, host, reply);
}

static void s_on_metrics(void *arg, hms_follower_t *host, const hms_metrics_report_t *report)
{
    hms_controller_t *self = arg;
    hms_sinks_metrics(self->sinks, host, report);
}

static void s_on_alert(void *arg, hms_follower_t *host, const hms_alert_t *alert, bool changed)
{
    (void)host;
    hms_controller_t *self = arg;
    hms_sinks_alert(self->sinks, alert, changed);
}

//  Follows the manager of spec. Returns OK, INVALID (bad address or key),
//  CONFLICT (followed already), FULL or FAILED, with why.
static hms_result_t s_host_add(hms_controller_t *self, const hms_follower_spec_t *spec, char *why,
                               size_t size)
{
    if (zlistx_size(self->hosts) >= self->max_hosts && !s_host_find(self, spec->address)) {
        snprintf(why, size, "cannot follow %.300s: this controller follows its maximum, %zu hosts",
                 spec->address, self->max_hosts);
        return HMS_RESULT_FULL;
    }
    hms_result_t result;
    hms_follower_t *host = hms_follower_new(&self->follow, spec, &result, why, size);
    if (!host)
        return result;
    for (hms_follower_t *other = zlistx_first(self->hosts); other; other = zlistx_next(self->hosts))
        if (strcmp(hms_follower_address(other), spec->address) == 0 ||
            strcmp(hms_follower_router(other), hms_follower_router(host)) == 0) {
            snprintf(why, size, "manager %.300s is followed already", spec->address);
            hms_follower_destroy(&host);
            return HMS_RESULT_CONFLICT;
        }
    zlistx_add_end(self->hosts, host);
    hms_statefile_drop(self->set_aside, spec->address);
    self->dirty = true;
    return HMS_RESULT_OK;
}

static void s_host_remove(hms_controller_t *self, hms_follower_t *host)
{
    hms_forward_end(self->forward, host, HMS_RESULT_NOT_FOUND, "manager removed");
    hms_notice("no longer following manager %s", hms_follower_address(host));
    zlistx_delete(self->hosts, zlistx_find(self->hosts, host));
    self->dirty = true;
}

//  Tick (every 100 ms): hosts silent for miss_count intervals go offline;
//  give_content that could not be sent is tried again; requests past their
//  deadline end (504 for REST ones); the view is republished when
//  heartbeats changed it.
static int s_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_controller_t *self = arg;
    uint64_t now = s_now();
    for (hms_follower_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        hms_follower_tick(host, now);
    hms_forward_tick(self->forward, now);
    if (self->dirty)
        s_publish(self);
    return 0;
}

//  The seed's availability (its test_availability): every 250 ms, a sample
//  is complete when no followed manager is pending.
static int s_sample(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_controller_t *self = arg;
    bool complete = true;
    for (hms_follower_t *host = zlistx_first(self->hosts); host && complete;
         host = zlistx_next(self->hosts))
        complete = !hms_follower_pending(host);
    self->samples++;
    self->samples_complete += complete;
    return 0;
}

//  REST requests (hms_api).

static json_t *s_stats_json(hms_controller_t *self)
{
    hms_stats_t stats = {s_now() - self->started_mono, self->max_hosts,
                         self->follow.notify ? "notify" : "delta", self->samples,
                         self->samples_complete};
    json_t *json = hms_stats_json(&stats, self->hosts, s_now());
    hms_sinks_stats(self->sinks, json);
    return json;
}

//  PUT /containers/{address}
static void s_api_add(hms_controller_t *self, hms_api_request_t **request,
                      const hms_api_args_t *args)
{
    hms_follower_spec_t spec = {args->address, args->antagonist, args->public_key,
                                args->antagonist_key};
    char why[512];
    hms_result_t result = s_host_add(self, &spec, why, sizeof why);
    if (result != HMS_RESULT_OK) {
        hms_api_fail(self->api, request, result, "%s", why);
        return;
    }
    s_save(self);
    s_publish(self);
    hms_view_t *view = hms_view_store_acquire(self->views);
    const hms_view_host_t *host = hms_view_host(view, args->address);
    hms_api_answer(self->api, request, HMS_RESULT_CREATED,
                   host ? hms_view_render_host(host, NULL) : NULL, NULL);
    hms_view_release(&view);
}

//  Commands forwarded to managers or antagonists: every host's when
//  args->address is "".
static void s_api_forward(hms_controller_t *self, hms_api_request_t **request,
                          const hms_api_args_t *args)
{
    static const hms_msg_type_t operations[] = {HMS_MSG_ANTAGONIST_STATUS, HMS_MSG_CONF_ANTAGONIST,
                                                HMS_MSG_START_ANTAGONIST, HMS_MSG_STOP_ANTAGONIST};
    hms_msg_t message;
    hms_rule_wire_t rules[HMS_RULES_MAX];
    hms_msg_type_t type = args->kind == HMS_API_THRESHOLD ? HMS_MSG_CONTAINER_THRESHOLD
                          : args->kind == HMS_API_IGNORE  ? HMS_MSG_CONTAINER_IGNORE
                          : args->kind == HMS_API_WATCH   ? HMS_MSG_CONTAINER_ADD
                          : args->kind == HMS_API_RULES
                              ? (args->set_rules ? HMS_MSG_SET_RULES : HMS_MSG_GET_RULES)
                              : operations[args->operation];
    hms_msg_init(&message, type);
    if (type == HMS_MSG_CONTAINER_THRESHOLD)
        message.threshold = args->threshold;
    else if (type == HMS_MSG_SET_RULES) {
        hms_rules_to_wire(args->rules, args->rule_count, rules);
        message.rules = (hms_rules_msg_t){rules, args->rule_count};
    } else if (type == HMS_MSG_CONF_ANTAGONIST)
        message.antagonist = args->conf;
    else if (type != HMS_MSG_GET_RULES && !hms_follower_for_antagonist(type))
        snprintf(message.container.container, sizeof message.container.container, "%s",
                 args->container);
    bool every_host = !*args->address;
    size_t count = every_host ? zlistx_size(self->hosts) : 1, i = 0;
    hms_follower_t **hosts = calloc(count + 1, sizeof *hosts);
    if (!hosts) {
        hms_api_fail(self->api, request, HMS_RESULT_FAILED, "out of memory");
        return;
    }
    if (every_host)
        for (hms_follower_t *h = zlistx_first(self->hosts); h; h = zlistx_next(self->hosts))
            hosts[i++] = h;
    else
        hosts[0] = s_host_find(self, args->address);
    for (i = 0; hms_follower_for_antagonist(type) && i < count && hosts[i]; i++)
        hms_events_antagonist(self->events, hms_follower_peer(hosts[i]));
    hms_forward_start(self->forward, request, &message, hosts, count, every_host);
    free(hosts);
}

//  Answers request with body (taken over).
static void s_api_json(hms_controller_t *self, hms_api_request_t **request, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text)
        hms_api_answer(self->api, request, HMS_RESULT_OK, text, NULL);
    else
        hms_api_fail(self->api, request, HMS_RESULT_FAILED, "out of memory");
}

//  One REST request: answered now, or when its managers answer.
static void s_api_command(hms_controller_t *self, hms_api_request_t *request)
{
    const hms_api_args_t *args = hms_api_args(request);
    switch (args->kind) {
    case HMS_API_CONFIG:
        if (args->settings.present) {
            hms_api_settings_apply(&self->settings, &args->settings);
            hms_notice("settings changed: aggregation %d ms, miss count %d, timeout %d ms",
                       self->settings.aggregation_ms, self->settings.miss_count,
                       self->settings.request_timeout_ms);
            s_save(self);
        }
        s_api_json(self, &request, hms_api_settings_json(&self->settings));
        return;
    case HMS_API_STATS: s_api_json(self, &request, s_stats_json(self)); return;
    case HMS_API_ALERT_TEST: {
        size_t receivers = hms_sinks_test(self->sinks);
        if (receivers)
            s_api_json(self, &request, json_pack("{s:I}", "receivers", (json_int_t)receivers));
        else
            hms_api_fail(self->api, &request, HMS_RESULT_NOT_SERVED,
                         "no receivers: start the controller with --webhook or --alertmanager");
        return;
    }
    case HMS_API_ADD: s_api_add(self, &request, args); return;
    default: break;
    }
    hms_follower_t *host = *args->address ? s_host_find(self, args->address) : NULL;
    if (!host && args->kind == HMS_API_REMOVE &&
        hms_statefile_drop(self->set_aside, args->address)) {
        s_save(self);
        hms_api_answer(self->api, &request, HMS_RESULT_DELETED, NULL, NULL);
    } else if (!host && (*args->address || args->kind == HMS_API_REMOVE))
        hms_api_fail(self->api, &request, HMS_RESULT_NOT_FOUND, "no manager '%s' is followed",
                     args->address);
    else if (args->kind == HMS_API_REMOVE) {
        s_host_remove(self, host);
        s_save(self);
        s_publish(self);
        hms_api_answer(self->api, &request, HMS_RESULT_DELETED, NULL, NULL);
    } else
        s_api_forward(self, &request, args);
}

//  Poller of the mailbox: every queued REST request.
static int s_api_ready(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    hms_controller_t *self = arg;
    hms_api_request_t *request;
    while ((request = hms_api_next(self->api)))
        s_api_command(self, request);
    return 0;
}

//  The controller's own ROUTER: ping and list_hosts.
static void s_serve(void *arg, const hms_msg_t *request, hms_msg_t *reply)
{
    hms_controller_t *self = arg;
    if (request->type == HMS_MSG_PING) {
        hms_server_pong(reply, request, "controller", HMS_ROLE_CONTROLLER,
                        s_now() - self->started_mono);
    } else if (request->type == HMS_MSG_LIST_HOSTS) {
        size_t count = zlistx_size(self->hosts), i = 0;
        hms_host_t *hosts = calloc(count ? count : 1, sizeof *hosts);
        if (!hosts) {
            hms_msg_error(reply, request->corr_id, HMS_CODE_INTERNAL, "out of memory");
            return;
        }
        for (hms_follower_t *host = zlistx_first(self->hosts); host;
             host = zlistx_next(self->hosts), i++)
            hms_follower_host(host, &hosts[i]);
        hms_msg_ok(reply, HMS_MSG_LIST_HOSTS, request->corr_id);
        reply->hosts.hosts = hosts;
        reply->hosts.count = count;
        reply->owned = hosts; //  freed once sent
    } else
        hms_server_not_served(reply, request, "a controller");
}

static int s_router_reader(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    hms_server_serve(router, s_serve, arg, NULL);
    return 0;
}

//  Setup.

static void s_load(hms_controller_t *self)
{
    json_t *hosts;
    hms_api_settings_t changes;
    if (!self->state_file || hms_statefile_load(self->state_file, &hosts, &changes) != 0)
        return;
    hms_api_settings_apply(&self->settings, &changes);
    size_t index;
    json_t *entry;
    json_array_foreach(hosts, index, entry)
    {
        hms_follower_spec_t spec;
        hms_statefile_spec(entry, &spec);
        char why[512];
        if (!spec.address)
            hms_warning("state file %s: host %zu ignored: no address", self->state_file, index);
        else if (s_host_add(self, &spec, why, sizeof why) != HMS_RESULT_OK) {
            //  Kept in the file: a restart with a setting fixed (a key, the
            //  host cap) follows it again; DELETE forgets it.
            hms_warning("state file %s: host %s set aside (kept in the file): %s", self->state_file,
                        spec.address, why);
            json_array_append(self->set_aside, entry);
        }
    }
    hms_notice("state loaded from %s: %zu hosts", self->state_file, zlistx_size(self->hosts));
    json_decref(hosts);
}

//  --hosts: a comma-separated list of hms_peer_parse entries.
static void s_add_hosts(hms_controller_t *self, const char *hosts)
{
    char *list = strdup(hosts);
    char *saveptr = NULL;
    for (char *entry = list ? strtok_r(list, ",", &saveptr) : NULL; entry;
         entry = strtok_r(NULL, ",", &saveptr)) {
        hms_follower_spec_t spec;
        hms_peer_parse(entry, &spec);
        char why[512];
        hms_result_t result = s_host_add(self, &spec, why, sizeof why);
        if (result != HMS_RESULT_OK && result != HMS_RESULT_CONFLICT)
            hms_warning("--hosts: %s", why);
    }
    free(list);
}

//  The metrics history and the notifications. Returns 0, or -1 (logged).
static int s_history(hms_controller_t *self, const hms_controller_config_t *config)
{
    hms_controller_history_path(config, self->history, sizeof self->history);
    self->sinks = hms_sinks_new(config, self->history);
    self->events = self->sinks ? hms_events_new(self->loop, self->transport, self->sinks) : NULL;
    return self->events ? 0 : -1;
}

//  The controller's ROUTER, unless disabled. Returns 0, or -1 (logged).
static int s_router(hms_controller_t *self, const char *endpoint)
{
    if (strcmp(endpoint, "none") == 0)
        return 0;
    char fallback[64];
    hms_transport_default(self->transport, HMS_CONTROLLER_PORT, fallback, sizeof fallback);
    self->router = hms_transport_bind(self->transport, ZMQ_ROUTER, *endpoint ? endpoint : fallback);
    if (!self->router)
        return -1;
    zloop_reader(self->loop, self->router, s_router_reader, self);
    zloop_reader_set_tolerant(self->loop, self->router);
    return 0;
}

static void s_host_free(void **item)
{
    hms_follower_destroy((hms_follower_t **)item);
}

//  Writes the ready file, if any. Returns 0, or -1 (logged).
static int s_ready(hms_controller_t *self)
{
    char error[512], port[16];
    snprintf(port, sizeof port, "%d", hms_rest_port(self->rest));
    if (self->ready_file &&
        hms_file_ready(self->ready_file, error, sizeof error, "http_port", port, "router",
                       self->router ? zsock_endpoint(self->router) : "", "public_key",
                       hms_transport_public_key(self->transport), NULL) != 0) {
        hms_error("ready file: %s", error);
        return -1;
    }
    return 0;
}

hms_controller_t *hms_controller_new(const hms_controller_config_t *config, size_t files)
{
    hms_controller_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->settings = (hms_api_settings_t){HMS_API_SETTINGS_ALL, config->aggregation_ms,
                                          config->miss_count, config->request_timeout_ms};
    self->follow.notify = strcmp(config->sync, "notify") == 0;
    if (!self->follow.notify && strcmp(config->sync, "delta") != 0) {
        hms_error("--sync %s: delta or notify", config->sync);
        free(self);
        return NULL;
    }
    self->started_mono = s_now();
    self->state_file = *config->state_file ? strdup(config->state_file) : NULL;
    self->ready_file = *config->ready_file ? strdup(config->ready_file) : NULL;
    if (self->ready_file)
        unlink(self->ready_file); //  left by an earlier run: not ours
    size_t reserved = FILES_RESERVED + (size_t)config->http_connections;
    size_t fits = files > reserved ? (files - reserved) / FILES_PER_HOST : 0;
    self->max_hosts = fits < (size_t)config->max_hosts ? fits : (size_t)config->max_hosts;
    self->loop = zloop_new();
    self->sockets = self->loop ? hms_sockets_new(self->loop) : NULL;
    self->hosts = zlistx_new();
    self->views = hms_view_store_new();
    self->api = hms_api_new();
    self->forward = self->api ? hms_forward_new(self->api, &self->settings) : NULL;
    self->set_aside = json_array();
    //  Without its ROUTER, the controller is a client only: no allow-list.
    self->transport =
        hms_transport_new(&config->transport, strcmp(config->router_endpoint, "none") != 0);
    if (!self->loop || !self->sockets || !self->hosts || !self->forward || !self->views ||
        !self->api || !self->set_aside || !self->transport || s_history(self, config) != 0 ||
        s_router(self, config->router_endpoint) != 0) {
        hms_controller_destroy(&self);
        return NULL;
    }
    zlistx_set_destructor(self->hosts, s_host_free);
    self->follow = (hms_follower_context_t){self->loop,          self->transport, &self->settings,
                                            self->follow.notify, s_on_changed,    s_on_answer,
                                            s_on_metrics,        s_on_alert,      self,
                                            self->sockets};
    zmq_pollitem_t mailbox = {NULL, hms_api_fd(self->api), ZMQ_POLLIN, 0};
    zloop_poller(self->loop, &mailbox, s_api_ready, self);
    s_load(self);
    s_add_hosts(self, config->hosts);
    s_save(self);
    zloop_timer(self->loop, TICK_MS, 0, s_tick, self);
    zloop_timer(self->loop, SAMPLE_MS, 0, s_sample, self);
    s_publish(self);
    self->rest = hms_rest_start(config, self->api, self->views, self->history,
                                hms_sinks_vmpush(self->sinks));
    if (!self->rest || s_ready(self) != 0) {
        hms_controller_destroy(&self);
        return NULL;
    }
    hms_notice("controller: ROUTER %s, %zu managers (at most %zu: %zu file descriptors), "
               "aggregation %d ms",
               self->router ? zsock_endpoint(self->router) : "none", zlistx_size(self->hosts),
               self->max_hosts, files, self->settings.aggregation_ms);
    return self;
}

int hms_controller_run(hms_controller_t *self)
{
    return hms_daemon_loop(self->loop, "controller");
}

void hms_controller_destroy(hms_controller_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_controller_t *self = *self_p;
    //  No REST thread may wait for a loop that has stopped: what is queued
    //  and what waits for managers is answered first, then the threads end.
    if (self->api)
        hms_api_close(self->api);
    hms_forward_destroy(&self->forward); //  before the hosts its requests name
    hms_rest_destroy(&self->rest);
    zlistx_destroy(&self->hosts);
    hms_sockets_destroy(&self->sockets); //  after the followers that read through it
    hms_events_destroy(&self->events);
    hms_sinks_destroy(&self->sinks); //  writes what is queued
    zsock_destroy(&self->router);
    hms_transport_destroy(&self->transport); //  after the sockets it guards
    zloop_destroy(&self->loop);
    hms_api_destroy(&self->api);
    hms_view_store_destroy(&self->views);
    json_decref(self->set_aside);
    if (self->ready_file)
        unlink(self->ready_file);
    free(self->ready_file);
    free(self->state_file);
    free(self);
    *self_p = NULL;
}
