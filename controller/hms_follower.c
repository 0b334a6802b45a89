/*  hms_follower: one manager as a controller follows it (HMS/2). */

#include "hms_follower.h"
#include "hms_alert_cache.h"
#include "hms_monitor.h"
#include "hms_peer.h"
#include "hms_replica.h"
#include "hms_log.h"

#include <inttypes.h>
#include <math.h>

#define DEFAULT_HB_MS 1000 //  until a host's first heartbeat tells its interval
#define HELD_MAX      64   //  updates held while a snapshot is on its way
#define RETRY_MIN_MS  100  //  a failed give_content is not asked again sooner

struct _hms_follower_t {
    const hms_follower_context_t *context;
    hms_peer_t peer;            //  where its manager and antagonist are
    zsock_t *sub;               //  heartbeats and updates
    zsock_t *dealer;            //  give_content and commands
    zsock_t *antagonist_dealer; //  antagonist commands; NULL until needed
    uint64_t corr_id;           //  last corr_id sent on either DEALER

    hms_host_status_t status; //  online / offline
    uint64_t status_since_ms; //  Unix ms of the last status change
    uint64_t last_hb;         //  monotonic ms of the last heartbeat; 0: never
    uint64_t last_seen_ms;    //  Unix ms of the same
    uint64_t interval_ms;     //  its heartbeat interval

    //  The copy of the manager's table.
    uint64_t started_ms;       //  the manager process it comes from; 0: none yet
    uint64_t applied_seq;      //  the update it is at
    hms_replica_t copy;        //  its containers, threshold and digest
    uint64_t manager_restarts; //  other manager processes seen after the first
    hms_monitor_t *monitor;    //  last metrics and alerts, for the view

    //  Keeping it in step.
    bool pending;            //  an update is known and not applied yet
    uint64_t pending_since;  //  monotonic ms
    uint64_t pending_ms;     //  time spent pending, episodes that ended
    uint64_t fetching;       //  corr_id of the give_content in flight; 0: none
    uint64_t fetch_deadline; //  monotonic ms
    uint64_t fetch_after;    //  monotonic ms before which no give_content is sent
    uint64_t last_fetch;     //  monotonic ms of the last give_content sent
    int timer;               //  the next give_content's, when one is due later; -1: none
    zlistx_t *held;          //  hms_msg_t updates that came during a fetch
    bool again;              //  an update came during the fetch and was not held

    hms_follower_counters_t counts;
};

static uint64_t s_now(void)
{
    return (uint64_t)zclock_mono();
}

static uint64_t s_wall(void)
{
    return (uint64_t)zclock_time();
}

//  now: show it at once (containers, status, alerts); else at the next
//  tick (metrics).
static void s_changed(hms_follower_t *self, bool now)
{
    self->context->changed(self->context->arg, now);
}

bool hms_follower_for_antagonist(hms_msg_type_t type)
{
    return type >= HMS_MSG_CONF_ANTAGONIST && type <= HMS_MSG_ANTAGONIST_STATUS;
}

//  Monitoring.

//  An alert of the manager's rules, or of the controller's host_offline:
//  named after the host as followed, kept for the view, handed on.
static void s_on_alert(hms_follower_t *self, const hms_alert_t *alert)
{
    hms_alert_t copy = *alert;
    snprintf(copy.address, sizeof copy.address, "%s", self->peer.address);
    bool changed = hms_monitor_alert(self->monitor, &copy);
    if (changed)
        s_changed(self, true);
    self->context->alert(self->context->arg, self, &copy, changed);
}

static void s_resolved(const hms_alert_t *alert, void *arg)
{
    hms_follower_t *self = arg;
    self->context->alert(self->context->arg, self, alert, true);
}

//  The host went offline or came back: host_offline fires or resolves.
static void s_host_alert(hms_follower_t *self, bool online)
{
    hms_alert_t alert;
    hms_alert_cache_host(self->peer.address, online, self->status_since_ms, s_wall(), &alert);
    s_on_alert(self, &alert);
}

//  Sending.

//  Sends frame (kept) on dealer without waiting; a send may take the
//  signal of a reply that came meanwhile: the dealer is read again.
static int s_send(hms_follower_t *self, zsock_t *dealer, zframe_t **frame)
{
    int rc = zframe_send(frame, dealer, ZFRAME_DONTWAIT | ZFRAME_REUSE);
    hms_sockets_check(self->context->sockets, dealer);
    return rc;
}

int hms_follower_resend(hms_follower_t *self, zframe_t **unsent)
{
    if (!self->antagonist_dealer || s_send(self, self->antagonist_dealer, unsent) != 0)
        return -1;
    zframe_destroy(unsent);
    return 0;
}

static int s_dealer_reader(zloop_t *loop, zsock_t *dealer, void *arg);

//  A DEALER to a ROUTER peer whose public key is key ("": plaintext).
static zsock_t *s_dealer(hms_follower_t *self, const char *endpoint, const char *key)
{
    const hms_follower_context_t *context = self->context;
    zsock_t *dealer = hms_transport_client(context->transport, ZMQ_DEALER, key);
    //  Connecting to a peer that is not up yet is fine: libzmq retries.
    if (dealer && hms_transport_connect(context->transport, dealer, endpoint) != 0)
        zsock_destroy(&dealer);
    if (dealer && hms_sockets_add(context->sockets, dealer, s_dealer_reader, self) != 0)
        zsock_destroy(&dealer);
    return dealer;
}

int hms_follower_send(hms_follower_t *self, hms_msg_t *request, zframe_t **unsent)
{
    bool antagonist = hms_follower_for_antagonist(request->type);
    //  Most hosts never meet their antagonist: its DEALER is made when needed.
    if (antagonist && !self->antagonist_dealer)
        self->antagonist_dealer =
            s_dealer(self, self->peer.antagonist_router, self->peer.antagonist_key);
    zsock_t *dealer = antagonist ? self->antagonist_dealer : self->dealer;
    if (!dealer || (!antagonist && self->status != HMS_HOST_ONLINE))
        return -1; //  a manager is known to be up from its heartbeats
    request->corr_id = ++self->corr_id;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    int rc = hms_msg_encode(request, &buffer) == 0 ? 0 : -1;
    if (rc == 0) {
        zframe_t *frame = zframe_new(buffer.data, buffer.size);
        //  ZMQ_IMMEDIATE: with no connection up this fails at once.
        if (s_send(self, dealer, &frame) == 0)
            zframe_destroy(&frame);
        else if (antagonist && unsent) {
            *unsent = frame; //  the caller tries again
            rc = 1;
        } else {
            zframe_destroy(&frame);
            rc = -1;
        }
    }
    if (rc == 0 && !antagonist) { //  control-plane traffic: managers only
        self->counts.msgs_out++;
        self->counts.bytes_out += buffer.size;
    }
    if (rc < 0 && !antagonist)
        self->counts.unsent++;
    msgpack_sbuffer_destroy(&buffer);
    return rc;
}

//  Pending time.

static void s_pending(hms_follower_t *self, bool pending)
{
    if (pending == self->pending)
        return;
    uint64_t now = s_now();
    if (pending)
        self->pending_since = now;
    else
        self->pending_ms += now - self->pending_since;
    self->pending = pending;
    s_changed(self, true);
}

static uint64_t s_window(const hms_follower_t *self)
{
    return (uint64_t)self->context->settings->aggregation_ms;
}

//  A snapshot is needed: now (delta mode, unless one was asked for less
//  than a window ago) or when the window closes (notify mode).
static void s_need_snapshot(hms_follower_t *self, uint64_t now)
{
    if (!self->pending) {
        s_pending(self, true);
        if (self->context->notify)
            self->fetch_after = now + s_window(self);
    }
    if (!self->context->notify && self->last_fetch + s_window(self) > self->fetch_after)
        self->fetch_after = self->last_fetch + s_window(self);
}

static void s_fetch(hms_follower_t *self, uint64_t now);

static int s_due(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_follower_t *self = arg;
    self->timer = -1;
    s_fetch(self, s_now());
    return 0;
}

//  Asks for the table when one is due and none is in flight; one due later
//  is asked for by a timer then, to the millisecond (the window's end).
static void s_fetch(hms_follower_t *self, uint64_t now)
{
    if (!self->pending || self->fetching || self->status != HMS_HOST_ONLINE)
        return;
    if (now < self->fetch_after) {
        if (self->timer < 0)
            self->timer =
                zloop_timer(self->context->loop, (size_t)(self->fetch_after - now), 1, s_due, self);
        return;
    }
    hms_msg_t request;
    hms_msg_init(&request, HMS_MSG_GIVE_CONTENT);
    if (hms_follower_send(self, &request, NULL) != 0) {
        self->fetch_after = now + RETRY_MIN_MS; //  the command connection is not up yet
        return;
    }
    self->fetching = request.corr_id;
    self->fetch_deadline = now + (uint64_t)self->context->settings->request_timeout_ms;
    self->last_fetch = now;
    self->counts.content_bytes += 45; //  the seed's size of a give_content request
}

//  Updates, heartbeats and snapshots.

//  An update in order: applied, then checked against its digest.
static void s_on_delta(hms_follower_t *self, const hms_update_t *update, uint64_t now)
{
    int rc = hms_replica_apply(&self->copy, update);
    s_changed(self, true);
    if (rc != 0 || self->copy.digest != update->digest) {
        if (self->copy.content)
            self->counts.mismatches++;
        hms_info("manager %s: digest differs after update %" PRIu64 ": snapshot",
                 self->peer.address, update->update_seq);
        s_need_snapshot(self, now);
        return;
    }
    self->applied_seq = update->update_seq;
    self->counts.deltas++;
}

static void s_on_update(hms_follower_t *self, const hms_update_t *update, uint64_t now)
{
    bool delta = !isnan(update->threshold) && !self->context->notify;
    if (self->fetching) {
        //  Held, to be applied after the snapshot if it is older.
        hms_msg_t *copy =
            delta && zlistx_size(self->held) < HELD_MAX ? hms_replica_hold(update) : NULL;
        if (copy)
            zlistx_add_end(self->held, copy);
        else
            self->again = true; //  another snapshot after this one
        return;
    }
    if (update->started_ms != self->started_ms) {
        if (self->started_ms)
            hms_notice("manager %s: another manager process", self->peer.address);
        s_need_snapshot(self, now);
    } else if (update->update_seq <= self->applied_seq)
        return; //  already in the snapshot taken
    else if (update->update_seq != self->applied_seq + 1 || !delta) {
        self->counts.gaps += delta;
        s_need_snapshot(self, now);
    } else
        s_on_delta(self, update, now);
    if (!self->pending)
        s_changed(self, true);
}

static void s_on_heartbeat(hms_follower_t *self, const hms_hb_t *hb, uint64_t now)
{
    self->interval_ms = hb->interval_ms;
    self->last_hb = now;
    self->last_seen_ms = s_wall();
    if (self->status != HMS_HOST_ONLINE) {
        hms_notice("manager %s online", self->peer.address);
        self->status = HMS_HOST_ONLINE;
        self->status_since_ms = self->last_seen_ms;
        if (self->manager_restarts || self->started_ms) //  it was online before
            s_host_alert(self, true);
        s_need_snapshot(self, now); //  whatever changed while we did not hear it
    }
    if (self->fetching || self->pending)
        return;
    if (hb->update_seq != self->applied_seq) {
        self->counts.gaps++;
        s_need_snapshot(self, now); //  an update missed, or another manager process
    } else if (hb->digest != self->copy.digest) {
        self->counts.mismatches++;
        hms_info("manager %s: digest differs at update %" PRIu64 ": snapshot", self->peer.address,
                 hb->update_seq);
        s_need_snapshot(self, now);
    }
}

//  A give_content answer: the copy, then the updates held meanwhile.
static void s_on_snapshot(hms_follower_t *self, hms_msg_t *reply, uint64_t now)
{
    self->fetching = 0;
    if (reply->type != HMS_MSG_OK || reply->re != HMS_MSG_GIVE_CONTENT) {
        hms_warning("manager %s: give_content failed: %s", self->peer.address,
                    reply->type == HMS_MSG_ERROR ? reply->error.message : "unexpected answer");
        self->fetch_after = now + RETRY_MIN_MS;
        zlistx_purge(self->held);
        return;
    }
    const hms_content_t *content = &reply->content;
    if (self->started_ms && content->started_ms != self->started_ms) {
        self->manager_restarts++;
        hms_monitor_restart(self->monitor, s_wall(), s_resolved, self); //  other lives
    }
    self->started_ms = content->started_ms;
    self->counts.snapshots++;
    hms_container_t *containers = reply->content.content;
    reply->owned = NULL; //  the copy owns the array now
    int rc = hms_replica_take(&self->copy, containers, content->count, content->threshold);
    s_changed(self, true);
    if (rc != 0) {
        self->fetch_after = now + RETRY_MIN_MS;
        zlistx_purge(self->held);
        return;
    }
    //  The seed's bandwidth counts the reply as JSON.
    self->counts.content_bytes += self->copy.content->json_size;
    self->applied_seq = content->update_seq;
    s_pending(self, false);
    if (self->again) { //  an update came that could not be held
        self->again = false;
        s_need_snapshot(self, now);
    }
    for (hms_msg_t *held = zlistx_first(self->held); held; held = zlistx_next(self->held))
        s_on_update(self, &held->update, now);
    zlistx_purge(self->held);
    s_changed(self, true);
}

//  Readers.

//  Counts a message from the manager (not its antagonist: the control plane
//  is managers only); returns it decoded, or -1 (dropped, counted).
static int s_decode(hms_follower_t *self, zframe_t *frame, hms_msg_t *msg, size_t extra,
                    bool counted)
{
    if (counted) {
        self->counts.msgs_in++;
        self->counts.bytes_in += zframe_size(frame) + extra;
    }
    if (hms_msg_decode(msg, zframe_data(frame), zframe_size(frame)) != 0) {
        self->counts.bad_messages++;
        hms_warning("manager %s: message dropped: %s", self->peer.address, msg->decode_text);
        return -1;
    }
    return 0;
}

//  A metrics message: the view gets the containers' last metrics.
static void s_on_metrics(hms_follower_t *self, const hms_metrics_report_t *report)
{
    if (!hms_monitor_metrics(self->monitor, report))
        return;
    self->context->metrics(self->context->arg, self, report);
    s_changed(self, false);
}

//  SUB reader: heartbeats, updates and metrics of the manager.
static int s_sub_reader(zloop_t *loop, zsock_t *sub, void *arg)
{
    (void)loop;
    hms_follower_t *self = arg;
    zmsg_t *message = zmsg_recv(sub);
    if (!message)
        return 0;
    hms_msg_t msg;
    zframe_t *topic = zmsg_first(message);
    bool metrics = zframe_streq(topic, "metrics") || zframe_streq(topic, "alert");
    if (metrics) {
        self->counts.metrics_msgs++;
        self->counts.metrics_bytes += zmsg_content_size(message);
    }
    if (zmsg_size(message) != 2)
        self->counts.bad_messages++;
    else if (s_decode(self, zmsg_last(message), &msg, zframe_size(topic), !metrics) == 0) {
        uint64_t now = s_now();
        if (!zframe_streq(topic, hms_msg_type_name(msg.type)))
            self->counts.bad_messages++;
        else if (msg.type == HMS_MSG_HB)
            s_on_heartbeat(self, &msg.hb, now);
        else if (msg.type == HMS_MSG_UPDATE)
            s_on_update(self, &msg.update, now);
        else if (msg.type == HMS_MSG_METRICS)
            s_on_metrics(self, &msg.metrics);
        else if (msg.type == HMS_MSG_ALERT)
            s_on_alert(self, &msg.alert);
        s_fetch(self, now);
        hms_msg_reset(&msg);
    }
    zmsg_destroy(&message);
    return 0;
}

//  DEALER reader: answers of the manager, or of its antagonist.
static int s_dealer_reader(zloop_t *loop, zsock_t *dealer, void *arg)
{
    (void)loop;
    hms_follower_t *self = arg;
    zframe_t *frame = zframe_recv(dealer);
    if (!frame)
        return 0;
    hms_msg_t reply;
    bool manager = dealer == self->dealer;
    if (s_decode(self, frame, &reply, 0, manager) == 0) {
        uint64_t now = s_now();
        if (manager && self->fetching && reply.corr_id == self->fetching) {
            s_on_snapshot(self, &reply, now);
            s_fetch(self, now);
        } else
            self->context->answer(self->context->arg, self, &reply);
        hms_msg_reset(&reply);
    }
    zframe_destroy(&frame);
    return 0;
}

void hms_follower_tick(hms_follower_t *self, uint64_t now)
{
    if (self->status == HMS_HOST_ONLINE &&
        now - self->last_hb > (uint64_t)self->context->settings->miss_count * self->interval_ms) {
        hms_notice("manager %s offline", self->peer.address);
        self->status = HMS_HOST_OFFLINE;
        self->status_since_ms = s_wall();
        s_host_alert(self, false);
        s_changed(self, true);
    }
    if (self->fetching && now >= self->fetch_deadline) {
        self->fetching = 0; //  its answer, if it comes, is dropped
        zlistx_purge(self->held);
        self->fetch_after = now + RETRY_MIN_MS;
    }
    s_fetch(self, now);
}

//  Setup.

static void s_held_free(void **item)
{
    hms_msg_t *msg = *item;
    hms_msg_reset(msg);
    free(msg);
    *item = NULL;
}

hms_follower_t *hms_follower_new(const hms_follower_context_t *context,
                                 const hms_follower_spec_t *spec, hms_result_t *result, char *why,
                                 size_t size)
{
    hms_follower_t *self = calloc(1, sizeof *self);
    *result = HMS_RESULT_FAILED;
    if (!self) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    self->context = context;
    if (hms_peer_resolve(&self->peer, spec, context->transport, why, size) != 0) {
        *result = HMS_RESULT_INVALID;
        free(self);
        return NULL;
    }
    self->status = HMS_HOST_OFFLINE;
    self->status_since_ms = s_wall();
    self->interval_ms = DEFAULT_HB_MS;
    self->copy.threshold = NAN;
    self->timer = -1;
    self->held = zlistx_new();
    self->monitor = hms_monitor_new();
    self->sub = hms_transport_client(context->transport, ZMQ_SUB, self->peer.public_key);
    if (self->sub) {
        zsock_set_subscribe(self->sub, "hb");
        zsock_set_subscribe(self->sub, "update");
        zsock_set_subscribe(self->sub, "metrics");
        zsock_set_subscribe(self->sub, "alert");
    }
    if (!self->held || !self->monitor || !self->sub ||
        hms_transport_connect(context->transport, self->sub, self->peer.pub) != 0 ||
        hms_sockets_add(context->sockets, self->sub, s_sub_reader, self) != 0 ||
        !(self->dealer = s_dealer(self, self->peer.router, self->peer.public_key))) {
        snprintf(why, size, "cannot connect to %.300s", spec->address);
        hms_follower_destroy(&self);
        return NULL;
    }
    zlistx_set_destructor(self->held, s_held_free);
    hms_notice("following manager %s (%s, %s, %s; antagonist %s)", self->peer.address,
               self->peer.pub, self->peer.router, *self->peer.public_key ? "CURVE" : "plaintext",
               self->peer.antagonist_router);
    return self;
}

void hms_follower_destroy(hms_follower_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_follower_t *self = *self_p;
    if (self->timer >= 0)
        zloop_timer_end(self->context->loop, self->timer);
    zsock_t *sockets[] = {self->sub, self->dealer, self->antagonist_dealer};
    for (int i = 0; i < 3; i++)
        if (sockets[i])
            hms_sockets_remove(self->context->sockets, sockets[i]);
    zsock_destroy(&self->sub);
    zsock_destroy(&self->dealer);
    zsock_destroy(&self->antagonist_dealer);
    zlistx_destroy(&self->held);
    hms_replica_clear(&self->copy);
    hms_monitor_destroy(&self->monitor);
    free(self);
    *self_p = NULL;
}

//  Reading.

const char *hms_follower_address(const hms_follower_t *self)
{
    return self->peer.address;
}

const char *hms_follower_antagonist(const hms_follower_t *self)
{
    return self->peer.antagonist;
}

const hms_peer_t *hms_follower_peer(const hms_follower_t *self)
{
    return &self->peer;
}

const char *hms_follower_router(const hms_follower_t *self)
{
    return self->peer.router;
}

hms_host_status_t hms_follower_status(const hms_follower_t *self)
{
    return self->status;
}

bool hms_follower_pending(const hms_follower_t *self)
{
    return self->pending;
}

void hms_follower_view(const hms_follower_t *self, hms_view_host_t *out)
{
    snprintf(out->address, sizeof out->address, "%s", self->peer.address);
    snprintf(out->public_key, sizeof out->public_key, "%s", self->peer.public_key);
    out->status = self->status;
    out->status_since_ms = self->status_since_ms;
    out->last_seen_ms = self->last_seen_ms;
    out->update_seq = self->applied_seq;
    out->threshold = self->copy.threshold;
    out->started_ms = self->started_ms;
    out->manager_restarts = self->manager_restarts;
    out->snapshots = self->counts.snapshots;
    out->pending = self->pending;
    out->bytes_in = self->counts.bytes_in;
    out->bytes_out = self->counts.bytes_out;
    out->content = self->copy.content; //  referenced by hms_view_new
    out->metrics = hms_monitor_metrics_block(self->monitor);
    out->alerts = hms_monitor_alert_block(self->monitor);
}

void hms_follower_host(const hms_follower_t *self, hms_host_t *out)
{
    snprintf(out->address, sizeof out->address, "%s", self->peer.address);
    out->status = self->status;
    out->last_seen_ms = self->last_seen_ms;
    out->containers = hms_replica_count(&self->copy);
}

json_t *hms_follower_saved(const hms_follower_t *self)
{
    return hms_peer_saved(&self->peer);
}

void hms_follower_counters(const hms_follower_t *self, uint64_t now, hms_follower_counters_t *out)
{
    *out = self->counts;
    out->pending_ms = self->pending_ms + (self->pending ? now - self->pending_since : 0);
}
