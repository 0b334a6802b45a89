/*  hms_manager: the manager of one Docker host, one zloop.

    Everything runs on one loop and nothing blocks it: Docker calls are
    curl transfers driven by the loop (hms_docker), probes are one
    non-blocking ICMP socket driven by the loop (hms_probe). The decisions
    are hms_table's; this file turns inputs into table calls and the
    table's heals into Docker calls, and speaks HMS/1.
*/

#include "hms_manager.h"
#include "hms_client.h"
#include "hms_alerts.h"
#include "hms_audit.h"
#include "hms_collector.h"
#include "hms_docker.h"
#include "hms_file.h"
#include "hms_daemon.h"
#include "hms_log.h"
#include "hms_msg.h"
#include "hms_server.h"
#include "hms_probe.h"
#include "hms_runtime.h"
#include "hms_state.h"
#include "hms_sync.h"
#include "hms_table.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100

const hms_option_t hms_manager_options[] = {
    {"pub", 0, HMS_OPT_STRING, offsetof(hms_manager_config_t, pub_endpoint), "", 0, 0, "ENDPOINT",
     "PUB socket for heartbeats and updates (default: tcp://*:7601 with a key pair, "
     "else tcp://127.0.0.1:7601; tcp://HOST:* for both picks two free ports)"},
    {"router", 0, HMS_OPT_STRING, offsetof(hms_manager_config_t, router_endpoint), "", 0, 0,
     "ENDPOINT", "ROUTER socket for commands (default: the PUB port + 1)"},
    HMS_HOST_OPTIONS(hms_manager_config_t),
    {"state-file", 's', HMS_OPT_STRING, offsetof(hms_manager_config_t, state_file),
     "/var/lib/hms/manager.state", 0, 0, "PATH",
     "threshold and ignore list are kept here across restarts (\"\": nowhere)"},
    {"label", 'l', HMS_OPT_STRING, offsetof(hms_manager_config_t, label), "", 0, 0, "KEY[=VALUE]",
     "watch only the containers with this label"},
    {"threshold", 't', HMS_OPT_DOUBLE, offsetof(hms_manager_config_t, threshold), "50",
     HMS_THRESHOLD_MIN, HMS_THRESHOLD_MAX, "PERCENT",
     "loss above which a container is restarted (a value in the state file wins)"},
    {"probe-count", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, probe_count), "20",
     HMS_PROBE_COUNT_MIN, HMS_PROBE_COUNT_MAX, "N", "echo requests per container per round"},
    {"probe-interval", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, probe_interval_ms), "10",
     HMS_PROBE_INTERVAL_MIN, HMS_PROBE_INTERVAL_MAX, "MS",
     "time between two echoes to a container"},
    {"probe-timeout", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, probe_timeout_ms), "100",
     HMS_PROBE_TIMEOUT_MIN, HMS_PROBE_TIMEOUT_MAX, "MS", "time to wait for each reply"},
    {"probe-period", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, probe_period_ms), "1000",
     HMS_PERIOD_MIN, HMS_PERIOD_MAX, "MS", "time between the starts of two probe rounds"},
    {"sync", 0, HMS_OPT_STRING, offsetof(hms_manager_config_t, sync), "delta", 0, 0, "delta|notify",
     "updates carry the changed containers (delta), or only say that something changed, as "
     "the seed's notices did (notify)"},
    {"watch", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, watch_ms), "200", 0, HMS_PERIOD_MAX,
     "MS",
     "between two watch rounds (3 echoes to each container; one lost: the container is judged "
     "at once with a full round); 0: none, judging rounds only, as the seed"},
    {"heartbeat", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, heartbeat_ms), "1000",
     HMS_PERIOD_MIN, HMS_PERIOD_MAX, "MS", "time between two heartbeats"},
    {"grace", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, grace_ms), "0", 0, HMS_GRACE_MAX, "MS",
     "no probing this long after a heal (its new address is always read first)"},
    {"backoff-max", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, backoff_max_ms), "30000", 0,
     HMS_BACKOFF_MAX, "MS",
     "longest wait before healing a container that keeps failing (0: no backoff)"},
    {"backoff-after", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, backoff_after), "3", 0, 1000,
     "N", "quick failures healed at once before backing off"},
    {"backoff-window", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, backoff_window_ms), "10000",
     0, HMS_BACKOFF_MAX, "MS", "a failure sooner than this after a heal is a quick one"},
    {"retry", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, retry_ms), "1000", 10, 600000, "MS",
     "wait before retrying a heal that the engine refused or could not take"},
    {"reconcile", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, reconcile_ms), "10000", 100,
     3600000, "MS", "time between full listings (new containers, missed events)"},
    {"stop-timeout", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, stop_timeout_s), "2", 0, 600,
     "S", "seconds a restarted container gets to stop before it is killed"},
    {"metrics-window", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, metrics_window_s), "600", 0,
     HMS_METRICS_WINDOW_MAX, "S",
     "seconds of each container's resource metrics kept at full resolution (give_metrics); 0: "
     "no metrics"},
    {"metrics-interval", 0, HMS_OPT_INT, offsetof(hms_manager_config_t, metrics_interval_ms),
     "10000", 1000, HMS_PERIOD_MAX, "MS", "between two publications of the metrics (rollups)"},
    {"rules", 0, HMS_OPT_STRING, offsetof(hms_manager_config_t, rules_file), "", 0, 0, "FILE",
     "alert rules, JSON (docs/ALERTS.md); empty: the built-in ones (a container stopped, crash "
     "looping, OOM-killed); none: no alerts"},
    HMS_TRANSPORT_OPTIONS(hms_manager_config_t, transport),
    HMS_DAEMON_OPTIONS(hms_manager_config_t, "the endpoints bound and the address"),
    {NULL}};

//  A Docker call in flight, owned by the manager's list so that shutdown
//  frees those whose callback never comes.
typedef struct {
    struct _hms_manager_t *self; //  the manager
    void *handle;                //  this record in self->requests
    uint64_t asked_at;           //  monotonic ms when asked
    char id[HMS_ID_MAX + 1];     //  container, for heals and inspects
    hms_heal_t kind;             //  for heals
} request_t;

struct _hms_manager_t {
    hms_manager_config_t config;       //  copy; the strings below are ours
    char address[HMS_ADDRESS_MAX + 1]; //  reported in every message
    char *state_file;                  //  copy of config.state_file
    char *ready_file;                  //  copy of config.ready_file; NULL: none
    char *label;                       //  copy of config.label; NULL: all
    hms_settings_t settings;           //  run-time settings (get_config / set_config)
    zloop_t *loop;
    hms_transport_t *transport; //  keys and the ZAP handler of pub and router
    zsock_t *pub;               //  heartbeats and updates
    zsock_t *router;            //  commands
    hms_docker_t *docker;       //  engine client
    hms_probe_t *probe;         //  ICMP prober
    hms_table_t *table;         //  containers and healing policy
    hms_sync_t *sync;           //  the table as followers hold it
    hms_collector_t *collector; //  resource metrics; NULL: none (--metrics-window 0)
    hms_alerts_t *alerts;       //  alert rules; NULL: none (--rules none)
    json_t *saved_rules;        //  rules set by command ({"rules": [...]}), kept in the
                                //  state file; NULL: the --rules ones are in force
    hms_rule_wire_t rules_reply[HMS_RULES_MAX]; //  get_rules and set_rules replies
    bool notify_only;                           //  --sync notify: updates carry no content
    hms_container_t *content;                   //  the table now, for hms_sync_diff
    size_t content_capacity;
    zlistx_t *requests;  //  request_t of Docker calls in flight
    int heartbeat_timer; //  zloop timer ids
    int watch_timer;
    int probe_timer;
    bool listing; //  a full listing is in flight
    //  Probe round: targets and the ids they stand for (copied: the table
    //  may drop a container while the round runs).
    hms_probe_target_t *targets;
    char (*target_ids)[HMS_ID_MAX + 1];
    size_t target_capacity;
    uint64_t round_started; //  monotonic ms when the round under way began
    bool round_watch;       //  the round under way is a watch round (hms_manager.h)
    bool judge_due;         //  a judging round of every container waits for the prober
    zhashx_t *suspects;     //  ids a watch round saw lose echoes: judged next
    uint64_t update_seq;    //  last update's seq
    uint64_t started_ms;    //  Unix ms of our start
    uint64_t started_mono;  //  monotonic ms of our start
    uint64_t bad_requests;  //  requests answered with an error
};

static uint64_t s_wall_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static uint64_t s_now(void)
{
    return (uint64_t)zclock_mono();
}

//  Sending.

//  Sends an encoded message on PUB: the topic, then the body.
static void s_send_published(hms_manager_t *self, const char *topic, const msgpack_sbuffer *body)
{
    zframe_t *frame = zframe_new(topic, strlen(topic));
    zframe_send(&frame, self->pub, ZFRAME_MORE);
    frame = zframe_new(body->data, body->size);
    zframe_send(&frame, self->pub, 0);
}

static void s_publish(hms_manager_t *self, hms_msg_t *msg)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    if (hms_msg_encode(msg, &buffer) == 0)
        s_send_published(self, hms_msg_type_name(msg->type), &buffer);
    msgpack_sbuffer_destroy(&buffer);
}

//  Drains the table's heals into Docker calls, then publishes an update
//  notice if anything give_content shows changed. Called after every input.
static void s_after_change(hms_manager_t *self);

static void s_save_state(hms_manager_t *self)
{
    if (!self->state_file)
        return;
    const char **ignore = hms_table_ignore_list(self->table);
    const char **watch = hms_table_watch_list(self->table);
    char error[512];
    if (hms_state_save(self->state_file, self->settings.threshold, ignore, watch, self->saved_rules,
                       error, sizeof error))
        hms_error("state not saved: %s", error);
    free(ignore);
    free(watch);
}

//  Docker.

static request_t *s_request(hms_manager_t *self, const char *id)
{
    request_t *request = calloc(1, sizeof *request);
    if (!request)
        return NULL;
    request->self = self;
    request->asked_at = s_now();
    snprintf(request->id, sizeof request->id, "%s", id ? id : "");
    request->handle = zlistx_add_end(self->requests, request);
    return request;
}

static void s_request_free(void **item)
{
    free(*item);
    *item = NULL;
}

static void s_request_done(request_t *request)
{
    zlistx_delete(request->self->requests, request->handle);
}

static bool s_true(json_t *value)
{
    const char *text = json_string_value(value);
    return text && (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0 ||
                    strcasecmp(text, "yes") == 0);
}

//  Reads a container from a list entry or an inspect answer. Returns false
//  when it lacks an id or does not carry the selected label.
static bool s_view(hms_manager_t *self, json_t *json, bool inspect, hms_table_docker_t *view)
{
    json_t *config = json_object_get(json, "Config");
    json_t *labels = json_object_get(inspect ? config : json, "Labels");
    view->id = json_string_value(json_object_get(json, "Id"));
    if (inspect) {
        view->name = json_string_value(json_object_get(json, "Name"));
        view->image = json_string_value(json_object_get(config, "Image"));
        view->state = json_string_value(json_object_get(json_object_get(json, "State"), "Status"));
    } else {
        view->name = json_string_value(json_array_get(json_object_get(json, "Names"), 0));
        view->image = json_string_value(json_object_get(json, "Image"));
        view->state = json_string_value(json_object_get(json, "State"));
    }
    if (view->name && *view->name == '/')
        view->name++;
    view->ip =
        hms_docker_ip(json_object_get(json_object_get(json, "NetworkSettings"), "Networks"), false);
    if (!view->ip)
        view->ip = "";
    view->ignore_label = s_true(json_object_get(labels, "hms.ignore"));
    //  The escape-risk audit reads what only an inspect answer has.
    view->audited = inspect;
    view->risks = 0;
    hms_finding_t findings[HMS_CHECK_COUNT];
    size_t found = inspect ? hms_audit(json, findings) : 0;
    for (size_t i = 0; i < found; i++)
        view->risks |= 1u << findings[i].check;
    if (!view->id || strlen(view->id) > HMS_ID_MAX)
        return false;
    return !self->label || hms_docker_has_label(labels, self->label);
}

static void s_inspect(hms_manager_t *self, const char *id);

static void s_on_list(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    request_t *request = arg;
    hms_manager_t *self = request->self;
    self->listing = false;
    if (result->error || !json_is_array(result->json)) {
        hms_warning("cannot list containers: %s", result->error ? result->error : "not a list");
        s_request_done(request);
        return;
    }
    size_t count = json_array_size(result->json);
    hms_table_docker_t *views = calloc(count ? count : 1, sizeof *views);
    size_t kept = 0;
    for (size_t i = 0; views && i < count; i++)
        if (s_view(self, json_array_get(result->json, i), false, &views[kept]))
            kept++;
    if (views)
        hms_table_sync(self->table, views, kept, request->asked_at);
    //  A listing has no PID nor configuration: the containers not audited
    //  yet, and the running ones not followed for metrics yet, are inspected.
    for (size_t i = 0; views && i < kept; i++)
        if (!hms_table_audited(self->table, views[i].id) ||
            (self->collector && views[i].state && strcmp(views[i].state, "running") == 0 &&
             !hms_collector_following(self->collector, views[i].id) &&
             hms_table_status(self->table, views[i].id) == HMS_STATUS_ACTIVE))
            s_inspect(self, views[i].id);
    free(views);
    s_request_done(request);
    s_after_change(self);
}

static void s_list(hms_manager_t *self)
{
    if (self->listing)
        return;
    request_t *request = s_request(self, NULL);
    if (request && hms_docker_list(self->docker, true, self->label, s_on_list, request) == 0)
        self->listing = true;
    else if (request)
        s_request_done(request);
}

//  From an inspect answer: a running, watched container's main process is
//  followed for metrics; one that is not running is not.
static void s_follow_metrics(hms_manager_t *self, const char *id, json_t *json)
{
    if (!self->collector)
        return;
    json_t *state = json_object_get(json, "State");
    json_int_t pid = json_integer_value(json_object_get(state, "Pid"));
    const char *mode =
        json_string_value(json_object_get(json_object_get(json, "HostConfig"), "NetworkMode"));
    hms_status_t status = hms_table_status(self->table, id);
    if (json_is_true(json_object_get(state, "Running")) && pid > 0 && pid <= INT32_MAX &&
        status != HMS_STATUS_IGNORED && status != HMS_STATUS_NONE)
        hms_collector_follow(self->collector, id, (int)pid, !mode || strcmp(mode, "host") != 0);
    else
        hms_collector_stop(self->collector, id);
}

//  The container is gone (destroy event, or a 404): forgotten everywhere.
static void s_gone(hms_manager_t *self, const char *id, uint64_t now)
{
    if (self->collector)
        hms_collector_forget(self->collector, id);
    hms_table_on_destroy(self->table, id, now);
}

static void s_on_inspect(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    request_t *request = arg;
    hms_manager_t *self = request->self;
    hms_table_docker_t view;
    if (result->status == 404)
        s_gone(self, request->id, s_now()); //  removed before its destroy event came
    else if (result->error)
        hms_info("cannot inspect %.12s: %s", request->id, result->error);
    else if (s_view(self, result->json, true, &view)) {
        hms_table_update(self->table, &view, request->asked_at);
        s_follow_metrics(self, view.id, result->json);
    }
    s_request_done(request);
    s_after_change(self);
}

static void s_inspect(hms_manager_t *self, const char *id)
{
    request_t *request = s_request(self, id);
    if (request && hms_docker_inspect(self->docker, id, s_on_inspect, request) != 0)
        s_request_done(request);
}

static void s_on_heal(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    request_t *request = arg;
    hms_manager_t *self = request->self;
    uint64_t now = s_now();
    const char *what = request->kind == HMS_HEAL_START ? "start" : "restart";
    if (result->error)
        hms_warning("heal %.12s: %s failed: %s", request->id, what, result->error);
    else
        hms_notice("healed %.12s: %s took %" PRIu64 " ms", request->id, what,
                   now - request->asked_at);
    hms_table_heal_done(self->table, request->id, result->error == NULL, result->status,
                        s_wall_ns(), now);
    if (!result->error)
        s_inspect(self, request->id); //  its address, before it is probed again
    s_request_done(request);
    s_after_change(self);
}

//  Publishes an update when the table differs from what followers hold:
//  the changed entries (a delta), or only the news (a notice) with --sync
//  notify or when the delta would not fit in one published message.
static void s_publish_update(hms_manager_t *self, const char *what)
{
    size_t size = hms_table_size(self->table);
    if (size > self->content_capacity) {
        hms_container_t *grown = realloc(self->content, size * sizeof *grown);
        if (!grown) {
            hms_error("update not published: out of memory");
            return;
        }
        self->content = grown;
        self->content_capacity = size;
    }
    size_t count = hms_table_content(self->table, self->content, size);
    const hms_container_t *changes;
    size_t change_count;
    if (!hms_sync_diff(self->sync, self->content, count, self->settings.threshold, &changes,
                       &change_count))
        return;
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_UPDATE);
    msg.update.update_seq = ++self->update_seq;
    msg.update.started_ms = self->started_ms;
    msg.update.digest = hms_sync_digest(self->sync);
    if (!self->notify_only) {
        msg.update.threshold = self->settings.threshold;
        msg.update.changes = (hms_container_t *)changes;
        msg.update.count = change_count;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    int rc = hms_msg_encode(&msg, &buffer);
    if (rc == 0 && buffer.size > HMS_PUB_MAX) { //  followers fetch the table instead
        msg.update.threshold = NAN;
        msg.update.count = 0;
        buffer.size = 0;
        rc = hms_msg_encode(&msg, &buffer);
    }
    if (rc == 0)
        s_send_published(self, "update", &buffer);
    msgpack_sbuffer_destroy(&buffer);
    hms_info("update %" PRIu64 " (%zu entries): %s", self->update_seq, change_count,
             *what ? what : "table checked");
}

static void s_after_change(hms_manager_t *self)
{
    char id[HMS_ID_MAX + 1], reason[HMS_TEXT_MAX + 1];
    hms_heal_t kind;
    while (hms_table_next_heal(self->table, id, &kind, reason)) {
        request_t *request = s_request(self, id);
        int rc = -1;
        if (request) {
            request->kind = kind;
            rc = kind == HMS_HEAL_START
                     ? hms_docker_start(self->docker, id, s_on_heal, request)
                     : hms_docker_restart(self->docker, id, self->config.stop_timeout_s, s_on_heal,
                                          request);
        }
        if (rc == 0)
            hms_notice("heal %.12s: %s (%s)", id, kind == HMS_HEAL_START ? "start" : "restart",
                       reason);
        else {
            if (request)
                s_request_done(request);
            hms_table_heal_done(self->table, id, false, 0, s_wall_ns(), s_now());
        }
    }
    char what[HMS_TEXT_MAX + 1];
    if (hms_table_changed(self->table, what))
        s_publish_update(self, what);
}

//  An exec's inspect: a privileged one, or one as root into a container
//  that runs as a user, counts for the alert rules. Healthcheck execs run
//  as the container's user and are never privileged: they count for none.
static void s_on_exec(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    request_t *request = arg;
    hms_manager_t *self = request->self;
    json_t *process = json_object_get(result->json, "ProcessConfig");
    const char *container = json_string_value(json_object_get(result->json, "ContainerID"));
    if (!result->error && process && container && self->collector) {
        bool privileged = json_is_true(json_object_get(process, "privileged"));
        const char *user = json_string_value(json_object_get(process, "user"));
        bool root = hms_runtime_user_is_root(user ? user : "");
        hms_collector_exec(self->collector, container, privileged, root);
        if (privileged || root)
            hms_notice("exec %.12s in %.12s: %s%s%s", request->id, container,
                       privileged ? "privileged" : "", privileged && root ? ", " : "",
                       root ? "as root" : "");
    }
    s_request_done(request);
}

static void s_on_exec_start(hms_manager_t *self, const hms_docker_event_t *event)
{
    const char *exec_id = json_string_value(json_object_get(event->attributes, "execID"));
    hms_status_t status = hms_table_status(self->table, event->id);
    //  Only the containers the manager watches: no request for the others.
    if (!exec_id || !self->collector || status == HMS_STATUS_NONE || status == HMS_STATUS_IGNORED)
        return;
    request_t *request = s_request(self, exec_id);
    if (request && hms_docker_exec_inspect(self->docker, exec_id, s_on_exec, request) != 0)
        s_request_done(request);
}

static void s_on_event(hms_docker_t *docker, const hms_docker_event_t *event, void *arg)
{
    (void)docker;
    hms_manager_t *self = arg;
    uint64_t now = s_now();
    const char *action = event->action;
    if (strcmp(action, "die") == 0) {
        if (self->collector)
            hms_collector_stop(self->collector, event->id);
        hms_table_on_die(self->table, event->id, event->time_nano, now);
        s_after_change(self);
        //  Detection time: from the engine's event to the start request
        //  handed to curl (benches read this line).
        if (hms_table_status(self->table, event->id) == HMS_STATUS_RESTARTING)
            hms_info("event die %.12s (%s): heal requested %.3f ms after the engine's event",
                     event->id, event->name, (double)(s_wall_ns() - event->time_nano) / 1e6);
        return;
    } else if (strcmp(action, "kill") == 0) {
        hms_table_on_kill(self->table, event->id, event->time_nano);
        return;
    } else if (strcmp(action, "start") == 0) {
        hms_table_on_start(self->table, event->id, now);
        s_inspect(self, event->id); //  new container, or a new address
    } else if (strcmp(action, "create") == 0 || strcmp(action, "update") == 0) {
        s_inspect(self, event->id); //  audited before it ever starts, and after a change
        return;
    } else if (strcmp(action, "oom") == 0) {
        if (self->collector)
            hms_collector_oom(self->collector, event->id);
        return;
    } else if (strncmp(action, "exec_start", 10) == 0) {
        s_on_exec_start(self, event);
        return;
    } else if (strcmp(action, "destroy") == 0) {
        s_gone(self, event->id, now);
    } else if (strcmp(action, "health_status: unhealthy") == 0)
        hms_table_on_unhealthy(self->table, event->id, event->time_nano, now);
    else
        return;
    s_after_change(self);
}

static void s_on_events_state(hms_docker_t *docker, bool connected, const char *error, void *arg)
{
    (void)docker;
    hms_manager_t *self = arg;
    if (connected) {
        hms_notice("following Docker events");
        s_list(self); //  whatever happened while we were away
    } else
        hms_warning("Docker events lost: %s", error ? error : "stream ended");
}

//  Probing.

static void s_next_round(hms_manager_t *self);

//  A round ended. A judging round gives the table each container's loss; a
//  watch round only names the containers that lost an echo, which are
//  judged at once.
static void s_on_round(hms_probe_t *probe, hms_probe_target_t *targets, size_t count, void *arg)
{
    (void)probe;
    hms_manager_t *self = arg;
    uint64_t now = s_now();
    for (size_t i = 0; i < count; i++) {
        const char *id = self->target_ids[(size_t)targets[i].arg];
        if (self->round_watch) {
            if (targets[i].loss > 0) { //  lost, or refused on the way out
                hms_debug("watch %.12s: %u of %d echoes back: judged now", id, targets[i].received,
                          WATCH_ECHOES);
                zhashx_update(self->suspects, id, (void *)1);
            }
            continue;
        }
        hms_debug("probe %.12s: loss %.0f%%, rtt %.3f ms", id, targets[i].loss, targets[i].rtt_ms);
        hms_table_on_probe(self->table, id, targets[i].loss, targets[i].rtt_ms, self->round_started,
                           now);
        //  Its last echoes lost but not enough to heal: the loss may have
        //  begun during the round. It is judged again at once.
        if (targets[i].tail_lost > 0 && hms_table_status(self->table, id) == HMS_STATUS_ACTIVE) {
            hms_debug("probe %.12s: last %u echoes lost: judged again", id, targets[i].tail_lost);
            zhashx_update(self->suspects, id, (void *)1);
        }
    }
    s_after_change(self);
    s_next_round(self);
}

static bool s_grow_targets(hms_manager_t *self, size_t count)
{
    if (count <= self->target_capacity)
        return true;
    size_t capacity = count * 2;
    hms_probe_target_t *targets = realloc(self->targets, capacity * sizeof *targets);
    if (targets)
        self->targets = targets;
    char(*ids)[HMS_ID_MAX + 1] = realloc(self->target_ids, capacity * sizeof *ids);
    if (ids)
        self->target_ids = ids;
    if (!targets || !ids)
        return false;
    self->target_capacity = capacity;
    return true;
}

//  Starts a round over the active containers past their grace (the
//  suspects only when only_suspects): a watch round of WATCH_ECHOES echoes,
//  or a judging round with the probe settings. Returns true when one started.
static bool s_round(hms_manager_t *self, bool watch, bool only_suspects)
{
    size_t count = hms_table_size(self->table);
    if (count == 0 || !s_grow_targets(self, count))
        return false;
    const char **ids = calloc(count, sizeof *ids);
    const char **ips = calloc(count, sizeof *ips);
    size_t targets = 0;
    if (ids && ips)
        targets = hms_table_probe_targets(self->table, ids, ips, count, s_now());
    size_t used = 0;
    for (size_t i = 0; i < targets; i++) {
        hms_probe_target_t *target = &self->targets[used];
        memset(target, 0, sizeof *target);
        if (only_suspects && !zhashx_lookup(self->suspects, ids[i]))
            continue;
        if (inet_pton(AF_INET, ips[i], &target->addr) != 1)
            continue; //  not IPv4: not probed
        snprintf(self->target_ids[used], sizeof self->target_ids[used], "%s", ids[i]);
        target->arg = (void *)used;
        used++;
    }
    free(ids);
    free(ips);
    if (used == 0)
        return false;
    //  Suspects are judged with as many echoes, sent SUSPECT_PACE times as
    //  fast: the loss they measure is the same, known sooner. A watch round
    //  waits WATCH_TIMEOUT_MS for its replies: it only names suspects.
    uint32_t interval = (uint32_t)self->settings.probe_interval_ms;
    if (only_suspects)
        interval = interval > SUSPECT_PACE ? interval / SUSPECT_PACE : 1;
    uint32_t timeout = (uint32_t)self->settings.probe_timeout_ms;
    if (watch && timeout > WATCH_TIMEOUT_MS)
        timeout = WATCH_TIMEOUT_MS;
    hms_probe_settings_t settings = {watch ? WATCH_ECHOES : (uint32_t)self->settings.probe_count,
                                     interval, timeout};
    self->round_started = s_now();
    self->round_watch = watch;
    if (hms_probe_round(self->probe, self->targets, used, &settings, s_on_round, self) != 0) {
        hms_warning("probe round refused");
        return false;
    }
    return true;
}

//  The prober is free: the suspects are judged first, then every container
//  if its period came meanwhile. Watch rounds come from their timer.
static void s_next_round(hms_manager_t *self)
{
    if (hms_probe_busy(self->probe))
        return;
    if (zhashx_size(self->suspects) > 0) {
        bool started = s_round(self, false, true);
        zhashx_purge(self->suspects);
        if (started)
            return;
    }
    if (self->judge_due) {
        self->judge_due = false;
        s_round(self, false, false);
    }
}

//  Probe timer: every container is judged once a period.
static int s_probe_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_manager_t *self = arg;
    self->judge_due = true;
    s_next_round(self);
    return 0;
}

//  Watch timer: a short round over every container while the prober is free.
static int s_watch_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_manager_t *self = arg;
    if (!hms_probe_busy(self->probe) && !self->judge_due && zhashx_size(self->suspects) == 0)
        s_round(self, true, false);
    return 0;
}

//  Heartbeat timer: publishes hb.
static int s_heartbeat_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_manager_t *self = arg;
    //  Whatever changed without a notice (rtt aside) is published first,
    //  so that the digest below is the one followers hold.
    s_publish_update(self, "");
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_HB);
    msg.hb.update_seq = self->update_seq;
    msg.hb.digest = hms_sync_digest(self->sync);
    msg.hb.interval_ms = self->settings.heartbeat_ms;
    s_publish(self, &msg);
    return 0;
}

//  Tick (every 100 ms): fires heals whose backoff or retry time has come.
static int s_tick_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_manager_t *self = arg;
    hms_table_tick(self->table, s_now());
    s_after_change(self);
    return 0;
}

//  Reconcile timer: a full listing, for containers created since and for
//  stops whose event was missed.
static int s_reconcile_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_list(arg);
    return 0;
}

static void s_start_timers(hms_manager_t *self)
{
    if (self->heartbeat_timer >= 0)
        zloop_timer_end(self->loop, self->heartbeat_timer);
    if (self->probe_timer >= 0)
        zloop_timer_end(self->loop, self->probe_timer);
    self->heartbeat_timer =
        zloop_timer(self->loop, self->settings.heartbeat_ms, 0, s_heartbeat_timer, self);
    self->probe_timer =
        zloop_timer(self->loop, self->settings.probe_period_ms, 0, s_probe_timer, self);
    if (self->watch_timer >= 0)
        zloop_timer_end(self->loop, self->watch_timer);
    self->watch_timer =
        self->config.watch_ms > 0
            ? zloop_timer(self->loop, (size_t)self->config.watch_ms, 0, s_watch_timer, self)
            : -1;
}

//  Commands.

static void s_apply_settings(hms_manager_t *self)
{
    hms_table_policy_t policy = *hms_table_policy(self->table);
    policy.threshold = self->settings.threshold;
    policy.grace_ms = self->settings.grace_ms;
    policy.backoff_max_ms = self->settings.backoff_max_ms;
    hms_table_set_policy(self->table, &policy);
}

//  give_content: the table, as it was after update update_seq.
static void s_give_content(hms_manager_t *self, const hms_msg_t *request, hms_msg_t *reply)
{
    hms_msg_ok(reply, HMS_MSG_GIVE_CONTENT, request->corr_id);
    hms_content_t *content = &reply->content;
    snprintf(content->address, sizeof content->address, "%s", self->address);
    s_publish_update(self, ""); //  the table given is the one at update_seq
    content->update_seq = self->update_seq;
    content->started_ms = self->started_ms;
    content->threshold = self->settings.threshold;
    size_t size = hms_table_size(self->table);
    size = size < HMS_CONTENT_MAX ? size : HMS_CONTENT_MAX;
    content->content = size ? calloc(size, sizeof *content->content) : NULL;
    if (size && !content->content) {
        hms_msg_error(reply, request->corr_id, HMS_CODE_INTERNAL, "out of memory");
        return;
    }
    content->count = hms_table_content(self->table, content->content, size);
    reply->owned = content->content; //  freed with the reply
}

//  container_ignore and container_add.
static void s_ignore_or_watch(hms_manager_t *self, const hms_msg_t *request, hms_msg_t *reply,
                              uint64_t now)
{
    int code = HMS_CODE_NOT_FOUND;
    const char *ref = request->container.container;
    const char *id = hms_table_resolve(self->table, ref, &code);
    if (!id) {
        hms_msg_error(
            reply, request->corr_id, code,
            code == HMS_CODE_CONFLICT ? "container '%s' is ambiguous" : "no container '%s'", ref);
        return;
    }
    bool ignore = request->type == HMS_MSG_CONTAINER_IGNORE;
    hms_msg_ok(reply, request->type, request->corr_id);
    snprintf(reply->container.container, sizeof reply->container.container, "%s", id);
    reply->container.status =
        ignore ? hms_table_ignore(self->table, id, now) : hms_table_watch(self->table, id, now);
    hms_notice("%.12s %s by command", id, ignore ? "ignored" : "watched");
    s_save_state(self);
}

//  set_config: the settings present in request, all at once.
static void s_set_config(hms_manager_t *self, const hms_settings_t *in)
{
    hms_settings_t *out = &self->settings;
    uint32_t present = in->present;
    //  In the order of hms_settings_t: bit i is field i (HMS_SETTING_*).
    uint64_t *const targets[] = {NULL,
                                 &out->probe_count,
                                 &out->probe_interval_ms,
                                 &out->probe_timeout_ms,
                                 &out->probe_period_ms,
                                 &out->heartbeat_ms,
                                 &out->grace_ms,
                                 &out->backoff_max_ms};
    const uint64_t sources[] = {0,
                                in->probe_count,
                                in->probe_interval_ms,
                                in->probe_timeout_ms,
                                in->probe_period_ms,
                                in->heartbeat_ms,
                                in->grace_ms,
                                in->backoff_max_ms};
    if (present & (1u << HMS_SETTING_THRESHOLD))
        out->threshold = in->threshold;
    for (int i = HMS_SETTING_PROBE_COUNT; i < HMS_SETTING_COUNT; i++)
        if (present & (1u << i))
            *targets[i] = sources[i];
    s_apply_settings(self);
    if (present & ((1u << HMS_SETTING_PROBE_PERIOD_MS) | (1u << HMS_SETTING_HEARTBEAT_MS)))
        s_start_timers(self);
    if (present & (1u << HMS_SETTING_THRESHOLD))
        s_save_state(self);
    hms_notice("settings changed by command");
}

//  The ok of get_rules and set_rules: the rules in force (none when
//  alerts are off).
static void s_rules_reply(hms_manager_t *self, const hms_msg_t *request, hms_msg_t *reply)
{
    size_t count = 0;
    const hms_rule_t *rules = self->alerts ? hms_alerts_rules(self->alerts, &count) : NULL;
    hms_rules_to_wire(rules, count, self->rules_reply);
    hms_msg_ok(reply, request->type, request->corr_id);
    reply->rules.rules = self->rules_reply;
    reply->rules.count = count;
}

//  set_rules: every rule checked as a rules file is, then all at once;
//  they are kept in the state file and win over --rules at the next start.
static void s_set_rules(hms_manager_t *self, const hms_msg_t *request, hms_msg_t *reply)
{
    hms_rule_t rules[HMS_RULES_MAX];
    char why[300];
    int count =
        hms_rules_from_wire(request->rules.rules, request->rules.count, rules, why, sizeof why);
    json_t *saved = count >= 0 ? hms_rules_json(rules, (size_t)count) : NULL;
    if (!self->alerts)
        hms_msg_error(reply, request->corr_id, HMS_CODE_CONFLICT,
                      "alerts are off on this manager (--rules none)");
    else if (count < 0)
        hms_msg_error(reply, request->corr_id, HMS_CODE_BAD_REQUEST, "%s", why);
    else if (!saved ||
             hms_alerts_set_rules(self->alerts, rules, (size_t)count, (uint64_t)zclock_time()) != 0)
        hms_msg_error(reply, request->corr_id, HMS_CODE_INTERNAL, "out of memory");
    else {
        json_decref(self->saved_rules);
        self->saved_rules = saved;
        saved = NULL;
        s_save_state(self);
        hms_notice("%d alert rules set by command", count);
        s_rules_reply(self, request, reply);
    }
    json_decref(saved);
}

//  Answers one request into reply.
static void s_handle(void *arg, const hms_msg_t *request, hms_msg_t *reply)
{
    hms_manager_t *self = arg;
    uint64_t now = s_now();
    switch (request->type) {
    case HMS_MSG_PING:
        hms_server_pong(reply, request, self->address, HMS_ROLE_MANAGER, now - self->started_mono);
        return;
    case HMS_MSG_GIVE_CONTENT: s_give_content(self, request, reply); return;
    case HMS_MSG_GIVE_METRICS:
        if (self->collector)
            hms_collector_answer(self->collector, self->table, request, reply);
        else
            hms_msg_error(reply, request->corr_id, HMS_CODE_NOT_IMPLEMENTED,
                          "metrics are off on this manager (--metrics-window 0)");
        return;
    case HMS_MSG_CONTAINER_THRESHOLD:
        self->settings.threshold = request->threshold;
        s_apply_settings(self);
        s_save_state(self);
        hms_notice("threshold set to %g%%", request->threshold);
        hms_msg_ok(reply, HMS_MSG_CONTAINER_THRESHOLD, request->corr_id);
        reply->threshold = request->threshold;
        return;
    case HMS_MSG_CONTAINER_IGNORE:
    case HMS_MSG_CONTAINER_ADD: s_ignore_or_watch(self, request, reply, now); return;
    case HMS_MSG_SET_CONFIG:
        s_set_config(self, &request->settings);
        //  The reply is the whole configuration, as for get_config.
        hms_msg_ok(reply, request->type, request->corr_id);
        reply->settings = self->settings;
        reply->settings.present = HMS_SETTINGS_ALL;
        return;
    case HMS_MSG_GET_CONFIG:
        hms_msg_ok(reply, request->type, request->corr_id);
        reply->settings = self->settings;
        reply->settings.present = HMS_SETTINGS_ALL;
        return;
    case HMS_MSG_GET_RULES: s_rules_reply(self, request, reply); return;
    case HMS_MSG_SET_RULES: s_set_rules(self, request, reply); return;
    default: hms_server_not_served(reply, request, "a manager"); return;
    }
}

//  ROUTER reader: one request, one reply (hms_server).
static int s_router_reader(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    hms_manager_t *self = arg;
    hms_server_serve(router, s_handle, self, &self->bad_requests);
    s_after_change(self);
    return 0;
}

//  Setup.

static void s_load_state(hms_manager_t *self)
{
    if (!self->state_file)
        return;
    hms_state_t state;
    char error[512];
    int rc = hms_state_load(&state, self->state_file, error, sizeof error);
    if (rc < 0)
        hms_warning("state file ignored, using defaults: %s", error);
    else if (rc == 0) {
        if (!isnan(state.threshold)) {
            self->settings.threshold = state.threshold;
            s_apply_settings(self);
        }
        size_t ignored = 0, watched = 0;
        while (state.ignore[ignored])
            ignored++;
        while (state.watch[watched])
            watched++;
        hms_table_set_lists(self->table, (const char *const *)state.ignore, ignored,
                            (const char *const *)state.watch, watched);
        self->saved_rules = state.rules;
        state.rules = NULL;
        hms_notice("state loaded from %s: threshold %g%%, %zu ignored", self->state_file,
                   self->settings.threshold, ignored);
    }
    hms_state_free(&state);
}

//  Binds PUB and ROUTER and completes the address with the PUB port when it
//  is not the default one. Returns 0, or -1 (logged).
static int s_bind(hms_manager_t *self, const hms_manager_config_t *config)
{
    int port =
        hms_transport_bind_pair(self->transport, HMS_MANAGER_PORT, ZMQ_PUB, config->pub_endpoint,
                                ZMQ_ROUTER, config->router_endpoint, &self->pub, &self->router);
    if (port < 0)
        return -1;
    if (!*config->address && port > 0 && port != HMS_MANAGER_PORT) {
        size_t length = strlen(self->address);
        snprintf(self->address + length, sizeof self->address - length, ":%d", port);
    }
    return 0;
}

//  Writes the ready file, if any. Returns 0, or -1 (logged).
static int s_ready(hms_manager_t *self)
{
    char error[512];
    if (self->ready_file &&
        hms_file_ready(self->ready_file, error, sizeof error, "pub", zsock_endpoint(self->pub),
                       "router", zsock_endpoint(self->router), "address", self->address,
                       "public_key", hms_transport_public_key(self->transport), NULL) != 0) {
        hms_error("ready file: %s", error);
        return -1;
    }
    return 0;
}

//  The table, its policy and the run-time settings from config. Returns 0,
//  or -1 when out of memory.
static int s_tables(hms_manager_t *self, const hms_manager_config_t *config)
{
    self->settings = (hms_settings_t){HMS_SETTINGS_ALL,
                                      config->threshold,
                                      (uint64_t)config->probe_count,
                                      (uint64_t)config->probe_interval_ms,
                                      (uint64_t)config->probe_timeout_ms,
                                      (uint64_t)config->probe_period_ms,
                                      (uint64_t)config->heartbeat_ms,
                                      (uint64_t)config->grace_ms,
                                      (uint64_t)config->backoff_max_ms};
    hms_table_policy_t policy = {
        .threshold = config->threshold,
        .grace_ms = (uint64_t)config->grace_ms,
        .backoff_max_ms = (uint64_t)config->backoff_max_ms,
        .backoff_after = (uint64_t)config->backoff_after,
        .backoff_window_ms = (uint64_t)config->backoff_window_ms,
        .retry_ms = (uint64_t)config->retry_ms,
    };
    self->table = hms_table_new(&policy);
    self->sync = hms_sync_new();
    self->suspects = zhashx_new();
    self->requests = zlistx_new();
    self->loop = zloop_new();
    if (!self->table || !self->sync || !self->suspects || !self->requests || !self->loop)
        return -1;
    zlistx_set_destructor(self->requests, s_request_free);
    return 0;
}

//  Collector callback: a metrics message to publish.
static void s_publish_metrics(hms_msg_t *msg, void *arg)
{
    s_publish(arg, msg);
}

//  The resource metrics, unless --metrics-window 0. Returns 0, or -1 (logged).
static int s_start_metrics(hms_manager_t *self, const hms_manager_config_t *config)
{
    if (config->metrics_window_s == 0)
        return 0;
    self->collector =
        hms_collector_new((uint32_t)config->metrics_window_s, "/proc", "/sys/fs/cgroup");
    if (!self->collector ||
        hms_collector_start(self->collector, self->loop, self->table,
                            (uint64_t)config->metrics_interval_ms, s_publish_metrics, self) != 0) {
        hms_error("cannot start the metrics");
        return -1;
    }
    return 0;
}

//  Alerts callback: an alert to publish.
static void s_publish_alert(const hms_alert_t *alert, void *arg)
{
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_ALERT);
    msg.alert = *alert;
    hms_notice("alert %s %s: %s %s %g (threshold %g)", alert->rule,
               hms_alert_state_name(alert->state), alert->name, alert->metric, alert->value,
               alert->threshold);
    s_publish(arg, &msg);
}

static void s_on_response(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    request_t *request = arg;
    if (result->error)
        hms_warning("response to %.12s failed: %s", request->id, result->error);
    s_request_done(request);
}

//  A rule with a response started firing for container id: pause it, stop
//  it (and stop watching it, so that it is not healed), or restart it
//  through the heal path (its backoff applies), as Docker's unhealthy.
static void s_respond(const hms_rule_t *rule, const char *id, const char *name, void *arg)
{
    hms_manager_t *self = arg;
    hms_notice("rule %s fired for %s: %s", rule->name, name, hms_response_name(rule->response));
    if (rule->response == HMS_RESPONSE_RESTART) {
        hms_table_on_unhealthy(self->table, id, s_wall_ns(), s_now());
        s_after_change(self);
        return;
    }
    if (rule->response == HMS_RESPONSE_STOP) {
        hms_notice("%.12s ignored: stopped by rule %s", id, rule->name);
        hms_table_ignore(self->table, id, s_now());
        s_save_state(self);
        s_after_change(self);
    }
    request_t *request = s_request(self, id);
    int rc = !request ? -1
             : rule->response == HMS_RESPONSE_PAUSE
                 ? hms_docker_pause(self->docker, id, s_on_response, request)
                 : hms_docker_stop(self->docker, id, self->config.stop_timeout_s, s_on_response,
                                   request);
    if (rc != 0 && request)
        s_request_done(request);
}

//  The alert rules, unless --rules none. Returns 0, or -1 (logged).
static int s_start_alerts(hms_manager_t *self, const hms_manager_config_t *config)
{
    if (strcmp(config->rules_file, "none") == 0)
        return 0;
    hms_rule_t rules[HMS_RULES_MAX];
    char why[512];
    int count = -1;
    const char *from = *config->rules_file ? config->rules_file : "built-in";
    if (self->saved_rules) {
        //  Set by command: they win, as the threshold of the state file does.
        count = hms_rules_parse(self->saved_rules, rules, why, sizeof why);
        if (count >= 0)
            from = "set by command, from the state file";
        else {
            hms_warning("rules of the state file ignored: %s", why);
            json_decref(self->saved_rules);
            self->saved_rules = NULL;
        }
    }
    if (count < 0)
        count = *config->rules_file ? hms_rules_load(config->rules_file, rules, why, sizeof why)
                                    : (int)hms_rules_builtin(rules);
    if (count < 0) {
        hms_error("--rules: %s", why);
        return -1;
    }
    self->alerts = hms_alerts_new(self->address, rules, (size_t)count, s_publish_alert, self);
    if (self->alerts)
        hms_alerts_on_respond(self->alerts, s_respond, self);
    if (!self->alerts ||
        hms_alerts_start(self->alerts, self->loop, self->table, self->collector) != 0) {
        hms_error("cannot start the alert rules");
        return -1;
    }
    hms_info("%d alert rules (%s)", count, from);
    return 0;
}

//  The sockets, the engine, the prober, the timers. Returns 0, or -1 (logged).
static int s_start(hms_manager_t *self, const hms_manager_config_t *config)
{
    self->transport = hms_transport_new(&config->transport, true);
    if (!self->transport || s_bind(self, config) != 0)
        return -1;
    self->docker = hms_docker_new(self->loop, config->docker_socket);
    self->probe = hms_probe_new(self->loop);
    if (!self->probe)
        hms_error("cannot open an ICMP socket: run as root or with CAP_NET_RAW");
    if (!self->docker || !self->probe || s_start_metrics(self, config) != 0 ||
        s_start_alerts(self, config) != 0)
        return -1;
    zloop_reader(self->loop, self->router, s_router_reader, self);
    zloop_reader_set_tolerant(self->loop, self->router);
    s_start_timers(self);
    zloop_timer(self->loop, TICK_MS, 0, s_tick_timer, self);
    zloop_timer(self->loop, config->reconcile_ms, 0, s_reconcile_timer, self);
    hms_docker_events(self->docker, NULL, s_on_event, s_on_events_state, self);
    s_list(self);
    return s_ready(self);
}

hms_manager_t *hms_manager_new(const hms_manager_config_t *config)
{
    hms_manager_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    self->config.pub_endpoint = self->config.router_endpoint = self->config.address = NULL;
    self->config.docker_socket = self->config.state_file = self->config.label = NULL;
    self->config.ready_file = self->config.sync = self->config.rules_file = NULL;
    self->config.transport = (hms_transport_config_t){NULL, NULL, config->transport.insecure};
    self->heartbeat_timer = self->probe_timer = self->watch_timer = -1;
    self->started_ms = (uint64_t)zclock_time();
    self->started_mono = s_now();
    hms_iface_address(config->address, self->address, sizeof self->address);
    self->state_file = *config->state_file ? strdup(config->state_file) : NULL;
    self->label = *config->label ? strdup(config->label) : NULL;
    self->notify_only = strcmp(config->sync, "notify") == 0;
    //  A ready file left by an earlier run must not announce this one.
    self->ready_file = *config->ready_file ? strdup(config->ready_file) : NULL;
    if (self->ready_file)
        unlink(self->ready_file);
    int rc = 0;
    if (!self->notify_only && strcmp(config->sync, "delta") != 0) {
        hms_error("--sync %s: delta or notify", config->sync);
        rc = -1;
    }
    if (rc == 0 && s_tables(self, config) == 0) {
        s_load_state(self);
        rc = s_start(self, config);
    } else
        rc = -1;
    if (rc != 0) {
        hms_manager_destroy(&self);
        return NULL;
    }
    hms_notice("manager %s: PUB %s, ROUTER %s (%s), Docker %s, ICMP %s, threshold %g%%",
               self->address, zsock_endpoint(self->pub), zsock_endpoint(self->router),
               hms_transport_secure(self->transport) ? "CURVE" : "plaintext", config->docker_socket,
               hms_probe_kind(self->probe), self->settings.threshold);
    return self;
}

int hms_manager_run(hms_manager_t *self)
{
    return hms_daemon_loop(self->loop, "manager");
}

void hms_manager_destroy(hms_manager_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_manager_t *self = *self_p;
    hms_docker_destroy(&self->docker); //  no callback after this
    hms_probe_destroy(&self->probe);
    hms_alerts_destroy(&self->alerts); //  before the loop that holds its timer
    json_decref(self->saved_rules);
    hms_collector_destroy(&self->collector); //  and this one's
    zlistx_destroy(&self->requests);
    zsock_destroy(&self->router);
    zsock_destroy(&self->pub);
    hms_transport_destroy(&self->transport); //  after the sockets it guards
    zloop_destroy(&self->loop);
    hms_table_destroy(&self->table);
    hms_sync_destroy(&self->sync);
    zhashx_destroy(&self->suspects);
    free(self->content);
    free(self->targets);
    free(self->target_ids);
    if (self->ready_file)
        unlink(self->ready_file);
    free(self->ready_file);
    free(self->state_file);
    free(self->label);
    free(self);
    *self_p = NULL;
}
