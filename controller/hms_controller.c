/*  hms_controller: follows every manager and serves one REST API for all.

    A manager ("host") is followed with two sockets: a SUB on its PUB for
    heartbeats and update notices, and a DEALER on its ROUTER for
    give_content and commands. A host is online while heartbeats arrive and
    offline after miss_count intervals without one. An update notice (or a
    heartbeat showing one we missed, or a host coming online) marks the host
    pending; when the aggregation window closes, every pending host gets
    give_content, and its answer replaces the host's cached containers.
*/

#include "hms_controller.h"
#include "hms_client.h"
#include "hms_file.h"
#include "hms_json.h"
#include "hms_log.h"
#include "hms_msg.h"
#include "hms_server.h"
#include "hms_rest.h"
#include "hms_view.h"

#include <czmq.h>
#include <inttypes.h>
#include <math.h>

#define TICK_MS         100
#define DEFAULT_HB_MS   1000 //  until a host's first heartbeat tells its interval
#define STATE_MAX_BYTES (16 << 20)

const hms_option_t hms_controller_options[] = {
    {"http-bind", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, http_bind), "0.0.0.0", 0, 0,
     "ADDRESS", "IPv4 address the REST API and web page listen on"},
    {"http-port", 'p', HMS_OPT_INT, offsetof(hms_controller_config_t, http_port), "8080", 1, 65535,
     "PORT", "port of the REST API and web page"},
    {"router", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, router_endpoint),
     "tcp://*:7600", 0, 0, "ENDPOINT", "ROUTER socket for ping and list_hosts (\"\": none)"},
    {"state-file", 's', HMS_OPT_STRING, offsetof(hms_controller_config_t, state_file),
     "/var/lib/hms/controller.state", 0, 0, "PATH",
     "hosts and settings are kept here across restarts (\"\": nowhere)"},
    {"hosts", 'H', HMS_OPT_STRING, offsetof(hms_controller_config_t, hosts), "", 0, 0,
     "ADDRESS[=ANTAGONIST],...",
     "managers to follow from the start (host or host:port; =address of its antagonist)"},
    {"aggregation", 'a', HMS_OPT_INT, offsetof(hms_controller_config_t, aggregation_ms), "100", 0,
     60000, "MS", "window between an update notice and give_content (also PUT /config)"},
    {"miss-count", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, miss_count), "3", 1, 100, "N",
     "heartbeats missed before a manager is offline"},
    {"request-timeout", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, request_timeout_ms),
     "2000", 100, 60000, "MS", "a manager that has not answered by then gives 504"},
    {"token", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, token), "", 0, 0, "TOKEN",
     "REST calls that change things need 'Authorization: Bearer TOKEN' (\"\": no check)"},
    {"log-level", 'v', HMS_OPT_LOGLEVEL, offsetof(hms_controller_config_t, log_level), "notice", 0,
     0, NULL, "error, warning, notice, info or debug"},
    {"syslog", 0, HMS_OPT_BOOL, offsetof(hms_controller_config_t, syslog), "false", 0, 0, NULL,
     "log to syslog instead of stderr"},
    {NULL}};

typedef struct _hms_controller_t hms_controller_t;

//  A manager followed.
typedef struct {
    hms_controller_t *self;
    char address[HMS_ADDRESS_MAX + 1];    //  as added
    char router[300];                     //  its ROUTER endpoint
    char pub[300];                        //  its PUB endpoint
    zsock_t *sub;                         //  heartbeats and update notices
    zsock_t *dealer;                      //  give_content and commands
    char antagonist[HMS_ADDRESS_MAX + 1]; //  its antagonist's address (the /test endpoints)
    zsock_t *antagonist_dealer;           //  antagonist commands
    hms_host_status_t status;             //  online / offline
    uint64_t status_since_ms;             //  Unix ms of the last status change
    uint64_t last_hb;                     //  monotonic ms of the last heartbeat; 0: never
    uint64_t last_seen_ms;                //  Unix ms of the same
    uint64_t interval_ms;                 //  its heartbeat interval
    uint64_t hb_seq;                      //  last heartbeat's seq
    uint64_t started_ms;                  //  the manager instance we follow
    uint64_t manager_restarts;            //  instances seen after the first
    uint64_t hb_gaps;                     //  heartbeats missed
    uint64_t update_seq;                  //  highest update_seq seen
    bool pending;                         //  give_content is due
    uint64_t fetching;                    //  corr_id of the give_content in flight; 0: none
    double threshold;                     //  from its last give_content; NAN: not yet
    hms_content_block_t *content;         //  its containers, from the same
    uint64_t msgs_in, bytes_in;           //  control-plane traffic from it
    uint64_t msgs_out, bytes_out;         //  and to it
    uint64_t bad_messages;                //  messages from it that did not decode
} host_t;

//  A REST request waiting for managers' answers.
typedef struct {
    zframe_t *identity;  //  the REST thread's REQ socket
    hms_msg_type_t type; //  the command forwarded
    bool every_host;     //  POST /containers: answer for all
    size_t outstanding;  //  answers still expected
    json_t *results;     //  one entry per host
    int status;          //  HTTP status: 200 unless a host failed
    char message[600];   //  the first failure
} api_t;

//  A request to a manager in flight.
typedef struct {
    uint64_t corr_id;
    host_t *host;
    api_t *api;        //  NULL for give_content
    uint64_t deadline; //  monotonic ms
} outstanding_t;

struct _hms_controller_t {
    zloop_t *loop;
    zsock_t *api;            //  inproc ROUTER for the REST threads
    char api_endpoint[64];   //  its name
    zsock_t *router;         //  ping and list_hosts; NULL when disabled
    zlistx_t *hosts;         //  host_t
    zlistx_t *outstanding;   //  outstanding_t
    hms_view_store_t *views; //  published for the REST threads
    hms_rest_t *rest;        //  the HTTP server
    char *state_file;        //  NULL: none
    int aggregation_ms;      //  run-time settings
    int miss_count;
    int request_timeout_ms;
    bool aggregating;      //  the aggregation timer is armed
    bool dirty;            //  the view is older than the hosts
    uint64_t corr_id;      //  last corr_id sent
    uint64_t started_mono; //  for ping's uptime
};

static uint64_t s_now(void)
{
    return (uint64_t)zclock_mono();
}

static uint64_t s_wall(void)
{
    return (uint64_t)zclock_time();
}

//  The view and the state file.

static void s_publish(hms_controller_t *self)
{
    size_t count = zlistx_size(self->hosts);
    hms_view_host_t *hosts = calloc(count ? count : 1, sizeof *hosts);
    if (!hosts)
        return;
    size_t i = 0;
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts), i++) {
        hms_view_host_t *out = &hosts[i];
        snprintf(out->address, sizeof out->address, "%s", host->address);
        out->status = host->status;
        out->status_since_ms = host->status_since_ms;
        out->last_seen_ms = host->last_seen_ms;
        out->update_seq = host->update_seq;
        out->threshold = host->threshold;
        out->started_ms = host->started_ms;
        out->manager_restarts = host->manager_restarts;
        out->hb_gaps = host->hb_gaps;
        out->content = host->content; //  referenced by hms_view_new
    }
    hms_view_t *view = hms_view_new(hosts, count);
    free(hosts);
    if (view) {
        hms_view_store_publish(self->views, view);
        self->dirty = false;
    }
}

static void s_save(hms_controller_t *self)
{
    if (!self->state_file)
        return;
    json_t *hosts = json_array();
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        json_array_append_new(hosts, json_pack("{s:s, s:s}", "address", host->address, "antagonist",
                                               host->antagonist));
    json_t *root = json_pack("{s:i, s:o, s:i, s:i, s:i}", "v", 1, "hosts", hosts, "aggregation_ms",
                             self->aggregation_ms, "miss_count", self->miss_count,
                             "request_timeout_ms", self->request_timeout_ms);
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    char error[512];
    if (!text || hms_file_replace(self->state_file, text, strlen(text), error, sizeof error))
        hms_error("state not saved: %s", text ? error : "out of memory");
    free(text);
}

//  Sending to managers.

static bool s_for_antagonist(hms_msg_type_t type)
{
    return type >= HMS_MSG_CONF_ANTAGONIST && type <= HMS_MSG_ANTAGONIST_STATUS;
}

//  Sends request to host's manager (or antagonist, for its commands);
//  registers it as outstanding for api (NULL: a give_content of ours).
//  Returns 0, or -1 when the peer is unreachable.
static int s_send(hms_controller_t *self, host_t *host, hms_msg_t *request, api_t *api)
{
    bool antagonist = s_for_antagonist(request->type);
    zsock_t *dealer = antagonist ? host->antagonist_dealer : host->dealer;
    request->corr_id = ++self->corr_id;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    int rc = hms_msg_encode(request, &buffer);
    if (rc == 0) {
        zframe_t *frame = zframe_new(buffer.data, buffer.size);
        //  ZMQ_IMMEDIATE: with no connection up this fails at once.
        rc = zframe_send(&frame, dealer, ZFRAME_DONTWAIT);
        zframe_destroy(&frame);
    }
    if (rc == 0 && !antagonist) { //  control-plane traffic: managers only
        host->msgs_out++;
        host->bytes_out += buffer.size;
    }
    if (rc == 0) {
        outstanding_t *entry = calloc(1, sizeof *entry);
        if (entry) {
            entry->corr_id = request->corr_id;
            entry->host = host;
            entry->api = api;
            entry->deadline = s_now() + (uint64_t)self->request_timeout_ms;
            zlistx_add_end(self->outstanding, entry);
        }
    }
    msgpack_sbuffer_destroy(&buffer);
    return rc == 0 ? 0 : -1;
}

static void s_fetch(hms_controller_t *self, host_t *host)
{
    hms_msg_t request;
    hms_msg_init(&request, HMS_MSG_GIVE_CONTENT);
    host->pending = false;
    if (s_send(self, host, &request, NULL) == 0)
        host->fetching = request.corr_id;
    else
        host->pending = true; //  again at the next tick (s_tick)
}

//  Aggregation timer (one shot): every pending online host gets give_content.
static int s_aggregation_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_controller_t *self = arg;
    self->aggregating = false;
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        if (host->pending && !host->fetching && host->status == HMS_HOST_ONLINE)
            s_fetch(self, host);
    return 0;
}

static void s_mark_pending(hms_controller_t *self, host_t *host)
{
    host->pending = true;
    if (!self->aggregating) {
        self->aggregating = true;
        zloop_timer(self->loop, (size_t)(self->aggregation_ms ? self->aggregation_ms : 1), 1,
                    s_aggregation_timer, self);
    }
}

//  REST requests that wait for managers.

static void s_api_reply(hms_controller_t *self, zframe_t **identity, int status, const char *body)
{
    zmsg_t *reply = zmsg_new();
    zmsg_append(reply, identity);
    zmsg_addstr(reply, "");
    zmsg_addstrf(reply, "%d", status);
    zmsg_addstr(reply, body ? body : "");
    zmsg_send(&reply, self->api);
}

static void s_api_error(hms_controller_t *self, zframe_t **identity, int status, const char *format,
                        ...) __attribute__((format(printf, 4, 5)));

static void s_api_error(hms_controller_t *self, zframe_t **identity, int status, const char *format,
                        ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    json_t *body = json_pack("{s:{s:i, s:s}}", "error", "code", status, "message", message);
    char *text = json_dumps(body, JSON_COMPACT);
    s_api_reply(self, identity, status, text);
    free(text);
    json_decref(body);
}

static void s_api_json(hms_controller_t *self, zframe_t **identity, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    s_api_reply(self, identity, status, text);
    free(text);
    json_decref(body);
}

//  One host's outcome for api: a result object, or an error.
static void s_api_result(hms_controller_t *self, api_t *api, host_t *host, const hms_msg_t *reply,
                         int status, const char *message)
{
    json_t *result = json_pack("{s:s}", "address", host->address);
    if (reply && reply->type == HMS_MSG_OK) {
        if (s_for_antagonist(api->type)) {
            json_object_set_new(result, "antagonist", json_string(host->antagonist));
            json_object_update_new(result, hms_json_antagonist_status(&reply->antagonist_status));
        } else if (api->type == HMS_MSG_CONTAINER_THRESHOLD)
            json_object_set_new(result, "threshold", json_real(reply->threshold));
        else {
            json_object_set_new(result, "id", json_string(reply->container.container));
            json_object_set_new(result, "status",
                                json_string(hms_status_name(reply->container.status)));
        }
    } else {
        if (reply) {
            status = (int)reply->error.code;
            message = reply->error.message;
        }
        json_object_set_new(result, "error",
                            json_pack("{s:i, s:s}", "code", status, "message", message));
        if (api->status == 200) {
            api->status = status;
            snprintf(api->message, sizeof api->message, "%s: %s", host->address, message);
        } else if (status == 504)
            api->status = 504; //  a timeout anywhere is the answer's status
    }
    json_array_append_new(api->results, result);
    if (--api->outstanding > 0)
        return;
    if (api->every_host) {
        json_t *body = json_pack("{s:O}", "hosts", api->results);
        if (api->status != 200)
            json_object_set_new(
                body, "error",
                json_pack("{s:i, s:s}", "code", api->status, "message", api->message));
        s_api_json(self, &api->identity, api->status, body);
    } else if (api->status != 200)
        s_api_error(self, &api->identity, api->status, "%s", api->message);
    else
        s_api_json(self, &api->identity, 200, json_incref(json_array_get(api->results, 0)));
    json_decref(api->results);
    free(api);
}

static api_t *s_api_new(zframe_t **identity, hms_msg_type_t type)
{
    api_t *api = calloc(1, sizeof *api);
    if (!api)
        return NULL;
    api->identity = *identity;
    *identity = NULL;
    api->type = type;
    api->results = json_array();
    api->status = 200;
    return api;
}

//  Forwards request to host for api, or records at once that it cannot.
static void s_forward(hms_controller_t *self, api_t *api, host_t *host, hms_msg_t *request)
{
    if (s_for_antagonist(request->type)) {
        if (s_send(self, host, request, api) != 0)
            s_api_result(self, api, host, NULL, 504, "antagonist unreachable");
    } else if (host->status != HMS_HOST_ONLINE || s_send(self, host, request, api) != 0)
        s_api_result(self, api, host, NULL, 504, "manager unreachable (offline)");
}

//  Hosts.

static host_t *s_host_find(hms_controller_t *self, const char *address)
{
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        if (strcmp(host->address, address) == 0)
            return host;
    return NULL;
}

static void s_host_mark(hms_controller_t *self, host_t *host, hms_host_status_t status)
{
    if (host->status == status)
        return;
    hms_notice("manager %s %s", host->address, hms_host_status_name(status));
    host->status = status;
    host->status_since_ms = s_wall();
    self->dirty = true;
}

//  Counts a message from host's manager (not its antagonist: the control
//  plane is managers only); returns it decoded, or -1 (dropped, counted).
static int s_host_decode(host_t *host, zframe_t *frame, hms_msg_t *msg, size_t extra, bool counted)
{
    if (counted) {
        host->msgs_in++;
        host->bytes_in += zframe_size(frame) + extra;
    }
    if (hms_msg_decode(msg, zframe_data(frame), zframe_size(frame)) != 0) {
        host->bad_messages++;
        hms_warning("manager %s: message dropped: %s", host->address, msg->decode_text);
        return -1;
    }
    return 0;
}

static void s_on_heartbeat(hms_controller_t *self, host_t *host, const hms_hb_t *hb)
{
    if (host->started_ms && hb->started_ms != host->started_ms) {
        host->manager_restarts++;
        hms_notice("manager %s restarted", host->address);
        host->update_seq = 0; //  its sequences start again
        s_mark_pending(self, host);
    } else if (host->hb_seq && hb->seq > host->hb_seq + 1)
        host->hb_gaps += hb->seq - host->hb_seq - 1;
    host->started_ms = hb->started_ms;
    host->hb_seq = hb->seq;
    host->interval_ms = hb->interval_ms;
    host->last_hb = s_now();
    host->last_seen_ms = s_wall();
    if (host->status != HMS_HOST_ONLINE) {
        s_host_mark(self, host, HMS_HOST_ONLINE);
        s_mark_pending(self, host); //  whatever changed while we did not hear it
    }
    if (hb->update_seq > host->update_seq) {
        host->update_seq = hb->update_seq; //  an update notice we missed
        s_mark_pending(self, host);
    }
    self->dirty = true;
}

//  SUB reader: heartbeats and update notices of one manager.
static int s_sub_reader(zloop_t *loop, zsock_t *sub, void *arg)
{
    (void)loop;
    host_t *host = arg;
    hms_controller_t *self = host->self;
    zmsg_t *message = zmsg_recv(sub);
    if (!message)
        return 0;
    hms_msg_t msg;
    if (zmsg_size(message) != 2) {
        host->bad_messages++;
    } else {
        zframe_t *topic = zmsg_first(message);
        if (s_host_decode(host, zmsg_last(message), &msg, zframe_size(topic), true) == 0) {
            if (msg.type == HMS_MSG_HB)
                s_on_heartbeat(self, host, &msg.hb);
            else if (msg.type == HMS_MSG_UPDATE) {
                if (msg.update.update_seq > host->update_seq)
                    host->update_seq = msg.update.update_seq;
                s_mark_pending(self, host);
            }
            hms_msg_reset(&msg);
        }
    }
    zmsg_destroy(&message);
    return 0;
}

static outstanding_t *s_take_outstanding(hms_controller_t *self, host_t *host, uint64_t corr_id)
{
    for (outstanding_t *entry = zlistx_first(self->outstanding); entry;
         entry = zlistx_next(self->outstanding))
        if (entry->corr_id == corr_id && entry->host == host) {
            zlistx_detach_cur(self->outstanding);
            return entry;
        }
    return NULL;
}

//  DEALER reader: answers of one manager, or of its antagonist.
static int s_dealer_reader(zloop_t *loop, zsock_t *dealer, void *arg)
{
    (void)loop;
    host_t *host = arg;
    hms_controller_t *self = host->self;
    zframe_t *frame = zframe_recv(dealer);
    if (!frame)
        return 0;
    hms_msg_t reply;
    if (s_host_decode(host, frame, &reply, 0, dealer == host->dealer) == 0) {
        outstanding_t *entry = s_take_outstanding(self, host, reply.corr_id);
        if (!entry)
            hms_info("manager %s: late answer %" PRIu64 " dropped", host->address, reply.corr_id);
        else if (entry->api)
            s_api_result(self, entry->api, host, &reply, 0, NULL);
        else {
            host->fetching = 0;
            if (reply.type == HMS_MSG_OK && reply.re == HMS_MSG_GIVE_CONTENT) {
                hms_content_block_t *block =
                    hms_content_block_new(reply.content.content, reply.content.count);
                reply.owned = NULL; //  the block owns the array now
                if (block) {
                    hms_content_block_release(&host->content);
                    host->content = block;
                    host->threshold = reply.content.threshold;
                    if (reply.content.update_seq > host->update_seq)
                        host->update_seq = reply.content.update_seq;
                    s_publish(self);
                }
            } else
                hms_warning("manager %s: give_content failed: %s", host->address,
                            reply.type == HMS_MSG_ERROR ? reply.error.message
                                                        : "unexpected answer");
            if (host->pending)
                s_mark_pending(self, host); //  an update came while we fetched
        }
        free(entry);
        hms_msg_reset(&reply);
    }
    zframe_destroy(&frame);
    return 0;
}

static void s_outstanding_free(void **item)
{
    free(*item);
    *item = NULL;
}

static void s_host_destroy(host_t **host_p)
{
    host_t *host = *host_p;
    zsock_t *sockets[] = {host->sub, host->dealer, host->antagonist_dealer};
    for (int i = 0; i < 3; i++)
        if (sockets[i])
            zloop_reader_end(host->self->loop, sockets[i]);
    zsock_destroy(&host->sub);
    zsock_destroy(&host->dealer);
    zsock_destroy(&host->antagonist_dealer);
    hms_content_block_release(&host->content);
    free(host);
    *host_p = NULL;
}

//  A DEALER to a ROUTER peer: requests fail at once when it is not connected.
static zsock_t *s_dealer(hms_controller_t *self, host_t *host, const char *endpoint)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    if (!dealer)
        return NULL;
    zsock_set_maxmsgsize(dealer, HMS_MESSAGE_MAX);
    zsock_set_immediate(dealer, 1);
    zsock_set_sndtimeo(dealer, 0);
    zsock_set_heartbeat_ivl(dealer, 1000);
    zsock_set_heartbeat_timeout(dealer, 3000);
    //  Connecting to a peer that is not up yet is fine: libzmq retries.
    if (zsock_connect(dealer, "%s", endpoint) != 0) {
        zsock_destroy(&dealer);
        return NULL;
    }
    zloop_reader(self->loop, dealer, s_dealer_reader, host);
    zloop_reader_set_tolerant(self->loop, dealer);
    return dealer;
}

//  Follows the manager at address, whose antagonist is at antagonist (NULL
//  or "": the manager's host, port 7603). Returns 0, 400 (bad address), 409
//  (followed already), 507 (too many) or 500.
static int s_host_add(hms_controller_t *self, const char *address, const char *antagonist)
{
    char pub[300], router[300], antagonist_router[300], antagonist_pub[300];
    char host_name[HMS_ADDRESS_MAX + 1], default_antagonist[HMS_ADDRESS_MAX + 1];
    int port;
    if (strlen(address) > HMS_ADDRESS_MAX ||
        hms_address_endpoints(address, HMS_MANAGER_PORT, pub, router, sizeof pub) != 0 ||
        hms_address_parse(address, HMS_MANAGER_PORT, host_name, sizeof host_name, &port) != 0)
        return 400;
    if (!antagonist || !*antagonist) {
        snprintf(default_antagonist, sizeof default_antagonist, "%s", host_name);
        antagonist = default_antagonist;
    }
    if (strlen(antagonist) > HMS_ADDRESS_MAX ||
        hms_address_endpoints_antagonist(antagonist, HMS_ANTAGONIST_PORT, antagonist_pub,
                                         antagonist_router, sizeof antagonist_pub) != 0)
        return 400;
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts))
        if (strcmp(host->address, address) == 0 || strcmp(host->router, router) == 0)
            return 409;
    if (zlistx_size(self->hosts) >= HMS_HOSTS_MAX)
        return 507;
    host_t *host = calloc(1, sizeof *host);
    if (!host)
        return 500;
    host->self = self;
    snprintf(host->address, sizeof host->address, "%s", address);
    snprintf(host->antagonist, sizeof host->antagonist, "%s", antagonist);
    snprintf(host->pub, sizeof host->pub, "%s", pub);
    snprintf(host->router, sizeof host->router, "%s", router);
    host->status = HMS_HOST_OFFLINE;
    host->status_since_ms = s_wall();
    host->interval_ms = DEFAULT_HB_MS;
    host->threshold = NAN;
    host->sub = zsock_new(ZMQ_SUB);
    if (host->sub) {
        zsock_set_maxmsgsize(host->sub, HMS_MESSAGE_MAX);
        zsock_set_subscribe(host->sub, "hb");
        zsock_set_subscribe(host->sub, "update");
    }
    if (!host->sub || zsock_connect(host->sub, "%s", pub) != 0 ||
        !(host->dealer = s_dealer(self, host, router)) ||
        !(host->antagonist_dealer = s_dealer(self, host, antagonist_router))) {
        hms_warning("cannot connect to %s", address);
        s_host_destroy(&host);
        return 400;
    }
    zloop_reader(self->loop, host->sub, s_sub_reader, host);
    zloop_reader_set_tolerant(self->loop, host->sub);
    zlistx_add_end(self->hosts, host);
    hms_notice("following manager %s (%s, %s; antagonist %s)", address, pub, router,
               antagonist_router);
    self->dirty = true;
    return 0;
}

//  Ends the requests in flight to host (all of them when host is NULL),
//  answering the REST ones with status.
static void s_end_outstanding(hms_controller_t *self, host_t *host, int status, const char *why)
{
    outstanding_t *entry = zlistx_first(self->outstanding);
    while (entry) {
        if (host && entry->host != host) {
            entry = zlistx_next(self->outstanding);
            continue;
        }
        zlistx_detach_cur(self->outstanding);
        if (entry->api)
            s_api_result(self, entry->api, entry->host, NULL, status, why);
        free(entry);
        entry = zlistx_first(self->outstanding);
    }
}

static void s_host_remove(hms_controller_t *self, host_t *host)
{
    s_end_outstanding(self, host, 404, "manager removed");
    hms_notice("no longer following manager %s", host->address);
    zlistx_delete(self->hosts, zlistx_find(self->hosts, host));
    self->dirty = true;
}

//  Tick (every 100 ms): hosts silent for miss_count intervals go offline;
//  requests past their deadline end (504 for REST ones); the view is
//  republished when heartbeats changed it.
static int s_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_controller_t *self = arg;
    uint64_t now = s_now();
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts)) {
        if (host->status == HMS_HOST_ONLINE &&
            now - host->last_hb > (uint64_t)self->miss_count * host->interval_ms)
            s_host_mark(self, host, HMS_HOST_OFFLINE);
        //  A give_content that could not be sent (heartbeats are back but
        //  the command connection is not yet): another window, another try.
        if (host->pending && !host->fetching && host->status == HMS_HOST_ONLINE &&
            !self->aggregating)
            s_mark_pending(self, host);
    }
    outstanding_t *entry = zlistx_first(self->outstanding);
    while (entry) {
        if (now >= entry->deadline) {
            zlistx_detach_cur(self->outstanding);
            host_t *host = entry->host;
            if (entry->api) {
                char message[128];
                snprintf(message, sizeof message, "manager did not answer within %d ms",
                         self->request_timeout_ms);
                s_api_result(self, entry->api, host, NULL, 504, message);
            } else if (host->fetching == entry->corr_id) {
                host->fetching = 0;
                s_mark_pending(self, host); //  ask again
            }
            free(entry);
            entry = zlistx_first(self->outstanding);
        } else
            entry = zlistx_next(self->outstanding);
    }
    if (self->dirty)
        s_publish(self);
    return 0;
}

//  REST requests (inproc).

static json_t *s_config_json(hms_controller_t *self)
{
    return json_pack("{s:i, s:i, s:i}", "aggregation_ms", self->aggregation_ms, "miss_count",
                     self->miss_count, "request_timeout_ms", self->request_timeout_ms);
}

//  Applies a JSON object of settings: all or nothing. Returns NULL, or why not.
static const char *s_config_apply(hms_controller_t *self, const char *text)
{
    json_error_t error;
    json_t *changes = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    if (!json_is_object(changes)) {
        json_decref(changes);
        return "the body must be a JSON object";
    }
    struct {
        const char *key;
        int min, max;
        int *target;
        int value;
    } settings[] = {
        {"aggregation_ms", 0, 60000, &self->aggregation_ms, 0},
        {"miss_count", 1, 100, &self->miss_count, 0},
        {"request_timeout_ms", 100, 60000, &self->request_timeout_ms, 0},
    };
    const size_t count = sizeof settings / sizeof settings[0];
    const char *key;
    json_t *value;
    const char *problem = NULL;
    json_object_foreach(changes, key, value)
    {
        size_t i = 0;
        while (i < count && strcmp(settings[i].key, key) != 0)
            i++;
        if (i == count)
            problem = "unknown setting (aggregation_ms, miss_count, request_timeout_ms)";
        else if (!json_is_integer(value) || json_integer_value(value) < settings[i].min ||
                 json_integer_value(value) > settings[i].max)
            problem = "aggregation_ms must be an integer in 0..60000, miss_count in 1..100, "
                      "request_timeout_ms in 100..60000";
    }
    if (!problem)
        for (size_t i = 0; i < count; i++)
            if ((value = json_object_get(changes, settings[i].key)))
                *settings[i].target = (int)json_integer_value(value);
    json_decref(changes);
    return problem;
}

static json_t *s_stats_json(hms_controller_t *self)
{
    json_t *hosts = json_array();
    uint64_t totals[4] = {0, 0, 0, 0};
    for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts)) {
        json_array_append_new(hosts, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "address",
                                               host->address, "msgs_in", (json_int_t)host->msgs_in,
                                               "bytes_in", (json_int_t)host->bytes_in, "msgs_out",
                                               (json_int_t)host->msgs_out, "bytes_out",
                                               (json_int_t)host->bytes_out, "bad_messages",
                                               (json_int_t)host->bad_messages));
        totals[0] += host->msgs_in;
        totals[1] += host->bytes_in;
        totals[2] += host->msgs_out;
        totals[3] += host->bytes_out;
    }
    return json_pack("{s:I, s:{s:I, s:I, s:I, s:I}, s:o}", "uptime_ms",
                     (json_int_t)(s_now() - self->started_mono), "total", "msgs_in",
                     (json_int_t)totals[0], "bytes_in", (json_int_t)totals[1], "msgs_out",
                     (json_int_t)totals[2], "bytes_out", (json_int_t)totals[3], "hosts", hosts);
}

static void s_api_host_changed(hms_controller_t *self, zframe_t **identity, const char *address,
                               int status)
{
    s_save(self);
    s_publish(self);
    hms_view_t *view = hms_view_store_acquire(self->views);
    const hms_view_host_t *host = hms_view_host(view, address);
    char *text = host ? hms_view_render_host(host, NULL) : NULL;
    s_api_reply(self, identity, status, text);
    free(text);
    hms_view_release(&view);
}

static void s_api_command(hms_controller_t *self, zframe_t **identity, const char *command,
                          const char *first, const char *second, const char *third)
{
    if (strcmp(command, HMS_API_CONFIG) == 0) {
        const char *problem = first ? s_config_apply(self, first) : NULL;
        if (problem)
            s_api_error(self, identity, 400, "%s", problem);
        else {
            if (first) {
                hms_notice("settings changed: aggregation %d ms, miss count %d, timeout %d ms",
                           self->aggregation_ms, self->miss_count, self->request_timeout_ms);
                s_save(self);
            }
            s_api_json(self, identity, 200, s_config_json(self));
        }
        return;
    }
    if (strcmp(command, HMS_API_STATS) == 0) {
        s_api_json(self, identity, 200, s_stats_json(self));
        return;
    }
    if (!first) {
        s_api_error(self, identity, 400, "missing argument");
        return;
    }
    if (strcmp(command, HMS_API_ADD) == 0) {
        int rc = s_host_add(self, first, second);
        if (rc == 0)
            s_api_host_changed(self, identity, first, 201);
        else
            s_api_error(self, identity, rc,
                        rc == 400   ? "'%s' (or its antagonist) is not an address (host or "
                                      "host:port)"
                        : rc == 409 ? "manager %s is followed already"
                        : rc == 507 ? "cannot follow %s: the controller follows its maximum"
                                    : "cannot follow %s",
                        first);
        return;
    }
    host_t *host = *first ? s_host_find(self, first) : NULL;
    bool every_host =
        (strcmp(command, HMS_API_THRESHOLD) == 0 || strcmp(command, HMS_API_ANTAGONIST) == 0) &&
        *first == '\0';
    if (!host && !every_host) {
        s_api_error(self, identity, 404, "no manager '%s' is followed", first);
        return;
    }
    if (strcmp(command, HMS_API_REMOVE) == 0) {
        s_host_remove(self, host);
        s_save(self);
        s_publish(self);
        s_api_reply(self, identity, 204, "");
        return;
    }
    hms_msg_t request;
    hms_msg_type_t type = strcmp(command, HMS_API_THRESHOLD) == 0 ? HMS_MSG_CONTAINER_THRESHOLD
                          : strcmp(command, HMS_API_IGNORE) == 0  ? HMS_MSG_CONTAINER_IGNORE
                          : strcmp(command, HMS_API_WATCH) == 0   ? HMS_MSG_CONTAINER_ADD
                                                                  : HMS_MSG_NONE;
    //  The antagonist: second is the operation, third its configuration.
    if (strcmp(command, HMS_API_ANTAGONIST) == 0 && second)
        type = strcmp(second, "status") == 0  ? HMS_MSG_ANTAGONIST_STATUS
               : strcmp(second, "conf") == 0  ? HMS_MSG_CONF_ANTAGONIST
               : strcmp(second, "start") == 0 ? HMS_MSG_START_ANTAGONIST
               : strcmp(second, "stop") == 0  ? HMS_MSG_STOP_ANTAGONIST
                                              : HMS_MSG_NONE;
    if (type == HMS_MSG_NONE || !second) {
        s_api_error(self, identity, 400, "bad request");
        return;
    }
    if (every_host && zlistx_size(self->hosts) == 0) {
        s_api_json(self, identity, 200, json_pack("{s:[]}", "hosts"));
        return;
    }
    hms_msg_init(&request, type);
    if (type == HMS_MSG_CONTAINER_THRESHOLD)
        request.threshold = strtod(second, NULL); //  checked by hms_rest
    else if (type == HMS_MSG_CONF_ANTAGONIST) {
        //  Checked by hms_rest; checked again, since it crossed a thread.
        json_t *conf = third ? json_loads(third, 0, NULL) : NULL;
        char problem[256];
        int rc = hms_json_parse_antagonist_conf(conf, &request.antagonist, problem, sizeof problem);
        json_decref(conf);
        if (rc) {
            s_api_error(self, identity, 400, "%s", problem);
            return;
        }
    } else if (!s_for_antagonist(type))
        snprintf(request.container.container, sizeof request.container.container, "%s", second);
    api_t *api = s_api_new(identity, type);
    if (!api) {
        s_api_error(self, identity, 500, "out of memory");
        return;
    }
    api->every_host = every_host;
    if (every_host) {
        //  s_forward may finish api on the last host: walk a copy of the list.
        size_t count = zlistx_size(self->hosts), i = 0;
        api->outstanding = count;
        host_t **hosts = calloc(count, sizeof *hosts);
        for (host_t *h = zlistx_first(self->hosts); hosts && h; h = zlistx_next(self->hosts))
            hosts[i++] = h;
        for (i = 0; hosts && i < count; i++)
            s_forward(self, api, hosts[i], &request);
        free(hosts);
    } else {
        api->outstanding = 1;
        s_forward(self, api, host, &request);
    }
}

//  Inproc ROUTER reader: one REST request.
static int s_api_reader(zloop_t *loop, zsock_t *api, void *arg)
{
    (void)loop;
    (void)api;
    hms_controller_t *self = arg;
    zmsg_t *message = zmsg_recv(self->api);
    if (!message)
        return 0;
    zframe_t *identity = zmsg_pop(message);
    zframe_t *delimiter = zmsg_pop(message);
    char *command = zmsg_popstr(message);
    char *first = zmsg_popstr(message);
    char *second = zmsg_popstr(message);
    char *third = zmsg_popstr(message);
    if (identity && command)
        s_api_command(self, &identity, command, first, second, third);
    zframe_destroy(&identity);
    zframe_destroy(&delimiter);
    zstr_free(&command);
    zstr_free(&first);
    zstr_free(&second);
    zstr_free(&third);
    zmsg_destroy(&message);
    return 0;
}

//  The controller's own ROUTER: ping and list_hosts.
static void s_serve(void *arg, const hms_msg_t *request, hms_msg_t *reply)
{
    hms_controller_t *self = arg;
    if (request->type == HMS_MSG_PING) {
        hms_msg_ok(reply, HMS_MSG_PING, request->corr_id);
        snprintf(reply->pong.address, sizeof reply->pong.address, "controller");
        reply->pong.role = HMS_ROLE_CONTROLLER;
        snprintf(reply->pong.version, sizeof reply->pong.version, "%s", HMS_VERSION);
        reply->pong.uptime_ms = s_now() - self->started_mono;
    } else if (request->type == HMS_MSG_LIST_HOSTS) {
        size_t count = zlistx_size(self->hosts), i = 0;
        hms_host_t *hosts = calloc(count ? count : 1, sizeof *hosts);
        if (!hosts) {
            hms_msg_error(reply, request->corr_id, HMS_CODE_INTERNAL, "out of memory");
            return;
        }
        for (host_t *host = zlistx_first(self->hosts); host; host = zlistx_next(self->hosts), i++) {
            snprintf(hosts[i].address, sizeof hosts[i].address, "%s", host->address);
            hosts[i].status = host->status;
            hosts[i].last_seen_ms = host->last_seen_ms;
            hosts[i].containers = host->content ? host->content->count : 0;
        }
        hms_msg_ok(reply, HMS_MSG_LIST_HOSTS, request->corr_id);
        reply->hosts.hosts = hosts;
        reply->hosts.count = count;
        reply->owned = hosts; //  freed once sent
    } else
        hms_msg_error(reply, request->corr_id, HMS_CODE_NOT_IMPLEMENTED,
                      "'%s' is not served by a controller", hms_msg_type_name(request->type));
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
    if (!self->state_file)
        return;
    char *saved, why[512];
    size_t size;
    int read = hms_file_read(self->state_file, STATE_MAX_BYTES, &saved, &size, why, sizeof why);
    if (read != 0) {
        if (read < 0)
            hms_warning("state file ignored: %s", why);
        return;
    }
    json_error_t error;
    json_t *root = json_loadb(saved, size, JSON_REJECT_DUPLICATES, &error);
    free(saved);
    json_t *hosts = json_object_get(root, "hosts");
    json_t *aggregation = json_object_get(root, "aggregation_ms");
    if (!json_is_object(root) || json_integer_value(json_object_get(root, "v")) != 1 ||
        !json_is_array(hosts)) {
        hms_warning("state file %s ignored: not a controller state file (%s)", self->state_file,
                    root ? "wrong content" : error.text);
        json_decref(root);
        return;
    }
    //  Settings changed through PUT /config: all or nothing, checked again.
    json_t *settings = json_pack("{s:O*, s:O*, s:O*}", "aggregation_ms", aggregation, "miss_count",
                                 json_object_get(root, "miss_count"), "request_timeout_ms",
                                 json_object_get(root, "request_timeout_ms"));
    char *changes = settings ? json_dumps(settings, JSON_COMPACT) : NULL;
    const char *problem = changes ? s_config_apply(self, changes) : "out of memory";
    if (problem)
        hms_warning("state file %s: settings ignored: %s", self->state_file, problem);
    free(changes);
    json_decref(settings);
    size_t index;
    json_t *address;
    json_array_foreach(hosts, index, address)
    {
        //  A host is {"address", "antagonist"}; a bare string is an address.
        const char *text = json_is_string(address)
                               ? json_string_value(address)
                               : json_string_value(json_object_get(address, "address"));
        const char *antagonist = json_string_value(json_object_get(address, "antagonist"));
        if (!text || s_host_add(self, text, antagonist) == 400)
            hms_warning("state file %s: host %zu ignored", self->state_file, index);
    }
    hms_notice("state loaded from %s: %zu hosts", self->state_file, zlistx_size(self->hosts));
    json_decref(root);
}

static void s_host_free(void **item)
{
    host_t *host = *item;
    s_host_destroy(&host);
    *item = NULL;
}

hms_controller_t *hms_controller_new(const hms_controller_config_t *config)
{
    hms_controller_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->aggregation_ms = config->aggregation_ms;
    self->miss_count = config->miss_count;
    self->request_timeout_ms = config->request_timeout_ms;
    self->started_mono = s_now();
    self->state_file = *config->state_file ? strdup(config->state_file) : NULL;
    self->loop = zloop_new();
    self->hosts = zlistx_new();
    self->outstanding = zlistx_new();
    self->views = hms_view_store_new();
    snprintf(self->api_endpoint, sizeof self->api_endpoint, "inproc://hms-controller-%p",
             (void *)self);
    self->api = zsock_new_router(self->api_endpoint);
    if (!self->loop || !self->hosts || !self->outstanding || !self->views || !self->api) {
        hms_controller_destroy(&self);
        return NULL;
    }
    zlistx_set_destructor(self->hosts, s_host_free);
    zlistx_set_destructor(self->outstanding, s_outstanding_free);
    zloop_reader(self->loop, self->api, s_api_reader, self);
    if (*config->router_endpoint) {
        self->router = zsock_new(ZMQ_ROUTER);
        zsock_set_maxmsgsize(self->router, HMS_REQUEST_MAX);
        zsock_set_router_mandatory(self->router, 1);
        zsock_set_sndtimeo(self->router, 0);
        if (zsock_bind(self->router, "%s", config->router_endpoint) < 0) {
            hms_error("cannot bind %s: %s", config->router_endpoint, zmq_strerror(zmq_errno()));
            hms_controller_destroy(&self);
            return NULL;
        }
        zloop_reader(self->loop, self->router, s_router_reader, self);
        zloop_reader_set_tolerant(self->loop, self->router);
    }
    s_load(self);
    //  Hosts given on the command line, in addition to the state file's.
    char *list = strdup(config->hosts);
    char *saveptr = NULL;
    for (char *address = list ? strtok_r(list, ",", &saveptr) : NULL; address;
         address = strtok_r(NULL, ",", &saveptr)) {
        //  address=antagonist names where the host's antagonist listens.
        char *antagonist = strchr(address, '=');
        if (antagonist)
            *antagonist++ = '\0';
        int rc = s_host_add(self, address, antagonist);
        if (rc == 400)
            hms_warning("--hosts: '%s' is not a manager address", address);
    }
    free(list);
    s_save(self);
    zloop_timer(self->loop, TICK_MS, 0, s_tick, self);
    s_publish(self);

    hms_rest_config_t rest = {config->http_bind, config->http_port, config->token,
                              self->api_endpoint, self->views};
    self->rest = hms_rest_new(&rest);
    if (!self->rest) {
        hms_controller_destroy(&self);
        return NULL;
    }
    hms_notice("controller: REST on http://%s:%d/, ROUTER %s, %zu managers, aggregation %d ms",
               config->http_bind, config->http_port,
               *config->router_endpoint ? config->router_endpoint : "none",
               zlistx_size(self->hosts), self->aggregation_ms);
    return self;
}

int hms_controller_run(hms_controller_t *self)
{
    int rc = zloop_start(self->loop);
    hms_notice("controller stopping");
    return rc == 0 || zsys_interrupted ? 0 : -1;
}

void hms_controller_destroy(hms_controller_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_controller_t *self = *self_p;
    //  The REST threads first: they may be waiting on the loop's socket.
    hms_rest_destroy(&self->rest);
    if (self->outstanding && self->hosts)
        s_end_outstanding(self, NULL, 503, "controller stopping");
    zlistx_destroy(&self->outstanding);
    zlistx_destroy(&self->hosts);
    zsock_destroy(&self->router);
    zsock_destroy(&self->api);
    zloop_destroy(&self->loop);
    hms_view_store_destroy(&self->views);
    free(self->state_file);
    free(self);
    *self_p = NULL;
}
