/*  hms_table: the manager's containers and its healing policy.

    A container's HMS status is derived, never stored by hand: s_refresh
    recomputes it from the facts (ignored? ever seen running? heal in flight
    or waiting? running?) after every change, and records the change for
    the next update.
*/

#include "hms_table.h"

#include <czmq.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
    char id[HMS_ID_MAX + 1];       //  full id: the key
    char name[HMS_NAME_MAX + 1];   //  name without '/'
    char image[HMS_IMAGE_MAX + 1]; //  image reference
    char ip[HMS_IP_MAX + 1];       //  address probed; "" when none
    char state[HMS_STATE_MAX + 1]; //  Docker's state word
    hms_status_t status;           //  derived by s_refresh
    bool ignore_label;             //  carries hms.ignore=true
    bool watched;                  //  seen running (or added): heal it when it stops
    bool queued;                   //  in the heal queue, not yet handed out
    bool in_flight;                //  handed out; the manager reports how it ended
    bool waiting;                  //  a heal waits for due_at (backoff or retry)
    bool backing_off;              //  the wait is a backoff (else a retry)
    hms_heal_t pending;            //  the heal to do, when queued or waiting
    char reason[64];               //  why that heal, for the log
    uint64_t due_at;               //  when a waiting heal is queued
    uint64_t restarts;             //  heals that Docker accepted
    uint64_t loss_heals;           //  of which for loss
    uint64_t health_heals;         //  and for Docker's unhealthy status
    hms_heal_cause_t cause;        //  of the heal pending or in flight
    bool audited;                  //  risks is known
    uint32_t risks;                //  the escape-risk audit's findings (hms_table_docker_t)
    uint64_t failures;             //  quick failures in a row
    bool judged_well;              //  a probe round since the last heal was under the threshold
    uint64_t kill_ns;              //  the engine's kill event since the last start; 0: none
    uint64_t last_heal_at;         //  when the last accepted heal ended; 0: never, or forgotten
    uint64_t heal_done_ns;         //  the same, wall ns: older events are HMS's own
    uint64_t grace_until;          //  not probed before this
    uint64_t started_at;           //  last start (event or heal): the address may have changed
    bool address_known;            //  the address was read since started_at
    uint64_t touched_at;           //  last event or heal: a listing older than this is stale
    uint64_t asked_at;             //  the newest answer taken in was asked for then
    double loss;                   //  % of the last round; NAN: not probed since (re)start
    double rtt_ms;                 //  mean RTT of that round; NAN: none
    uint64_t since_ms;             //  wall ms of the last status change
    bool present;                  //  listed by the sync under way
} container_t;

struct _hms_table_t {
    hms_table_policy_t policy;     //  thresholds and timings
    zhashx_t *containers;          //  id -> container_t
    zhashx_t *ignore;              //  ids put on the ignore list by command
    zhashx_t *watch;               //  ids taken back from the hms.ignore label by command
    zhashx_t *buried;              //  id -> uint64_t *: when it was found gone (monotonic
                                   //  ms); answers asked for before then are not taken in
    zlistx_t *queue;               //  ids of heals to hand out, in order
    bool synced;                   //  the first (discovery) sync happened
    bool changed;                  //  something give_content shows changed
    char reason[HMS_TEXT_MAX + 1]; //  the first such change, for the log of the update
    uint64_t (*wall_ms)(void);     //  clock for since_ms
};

static const char s_flag[] = "";

static uint64_t s_wall_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

static void s_container_destroy(void **item)
{
    free(*item);
    *item = NULL;
}

hms_table_t *hms_table_new(const hms_table_policy_t *policy)
{
    hms_table_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->policy = *policy;
    self->containers = zhashx_new();
    self->ignore = zhashx_new();
    self->watch = zhashx_new();
    self->buried = zhashx_new();
    self->queue = zlistx_new();
    if (!self->containers || !self->ignore || !self->watch || !self->buried || !self->queue) {
        hms_table_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->containers, s_container_destroy);
    zhashx_set_destructor(self->buried, s_container_destroy); //  a plain free too
    zlistx_set_destructor(self->queue, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_duplicator(self->queue, (zlistx_duplicator_fn *)strdup);
    self->wall_ms = s_wall_ms;
    return self;
}

void hms_table_destroy(hms_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_table_t *self = *self_p;
    zhashx_destroy(&self->containers);
    zhashx_destroy(&self->ignore);
    zhashx_destroy(&self->watch);
    zhashx_destroy(&self->buried);
    zlistx_destroy(&self->queue);
    free(self);
    *self_p = NULL;
}

void hms_table_set_wall(hms_table_t *self, uint64_t (*wall_ms)(void))
{
    self->wall_ms = wall_ms ? wall_ms : s_wall_ms;
}

__attribute__((format(printf, 2, 3))) static void s_changed(hms_table_t *self, const char *format,
                                                            ...)
{
    if (!self->changed) {
        va_list args;
        va_start(args, format);
        vsnprintf(self->reason, sizeof self->reason, format, args);
        va_end(args);
    }
    self->changed = true;
}

bool hms_table_changed(hms_table_t *self, char *reason)
{
    bool changed = self->changed;
    if (reason)
        snprintf(reason, HMS_TEXT_MAX + 1, "%s", changed ? self->reason : "");
    self->changed = false;
    self->reason[0] = '\0';
    return changed;
}

void hms_table_set_policy(hms_table_t *self, const hms_table_policy_t *policy)
{
    if (policy->threshold != self->policy.threshold)
        s_changed(self, "threshold %g%%", policy->threshold);
    self->policy = *policy;
}

const hms_table_policy_t *hms_table_policy(hms_table_t *self)
{
    return &self->policy;
}

static bool s_ignored(hms_table_t *self, const container_t *c)
{
    if (zhashx_lookup(self->ignore, c->id))
        return true;
    return c->ignore_label && !zhashx_lookup(self->watch, c->id);
}

static bool s_running(const container_t *c)
{
    return strcmp(c->state, "running") == 0;
}

static hms_status_t s_status(hms_table_t *self, const container_t *c)
{
    if (s_ignored(self, c))
        return HMS_STATUS_IGNORED;
    if (!c->watched)
        return HMS_STATUS_STOPPED;
    if (c->queued || c->in_flight)
        return HMS_STATUS_RESTARTING;
    if (c->waiting && c->backing_off)
        return HMS_STATUS_BACKOFF;
    if (c->waiting || !s_running(c))
        return HMS_STATUS_DOWN;
    return HMS_STATUS_ACTIVE;
}

//  Recomputes the status; a change is timestamped and noted.
static void s_refresh(hms_table_t *self, container_t *c)
{
    hms_status_t status = s_status(self, c);
    if (status != c->status) {
        s_changed(self, "%s %s", c->name, hms_status_name(status));
        c->status = status;
        c->since_ms = self->wall_ms();
    }
}

static void s_copy(char *target, size_t size, const char *text)
{
    snprintf(target, size, "%s", text ? text : "");
}

static void s_queue(hms_table_t *self, container_t *c, hms_heal_t kind)
{
    c->queued = true;
    c->pending = kind;
    zlistx_add_end(self->queue, c->id);
}

//  A watched container needs a heal. Counts quick failures and either
//  queues the heal at once or makes it wait (backoff). A failure that is
//  not the container's own (own false: it was stopped or killed through the
//  engine's API) is healed at once and leaves the count as it is: backoff
//  is for containers that keep failing by themselves.
static void s_need_heal(hms_table_t *self, container_t *c, hms_heal_cause_t cause, uint64_t now,
                        const char *reason, bool own)
{
    if (!c->watched || s_ignored(self, c) || c->queued || c->in_flight || c->waiting) {
        s_refresh(self, c);
        return;
    }
    hms_heal_t kind = cause == HMS_CAUSE_STOPPED ? HMS_HEAL_START : HMS_HEAL_RESTART;
    snprintf(c->reason, sizeof c->reason, "%s", reason);
    c->cause = cause;
    const hms_table_policy_t *policy = &self->policy;
    if (!own) {
        s_queue(self, c, kind);
        s_refresh(self, c);
        return;
    }
    if (c->last_heal_at && now - c->last_heal_at < policy->backoff_window_ms)
        c->failures++;
    else
        c->failures = 0;
    if (policy->backoff_max_ms && c->failures > policy->backoff_after) {
        uint64_t shift = c->failures - policy->backoff_after - 1;
        uint64_t delay = 1000ull << (shift < 30 ? shift : 30);
        c->waiting = true;
        c->backing_off = true;
        c->pending = kind;
        c->due_at = now + (delay < policy->backoff_max_ms ? delay : policy->backoff_max_ms);
    } else
        s_queue(self, c, kind);
    s_refresh(self, c);
}

//  Drops a waiting or queued heal (the container runs again, or is ignored).
static void s_cancel_heal(container_t *c)
{
    c->waiting = false;
    c->backing_off = false;
    c->queued = false; //  next_heal skips ids no longer queued
}

static container_t *s_lookup(hms_table_t *self, const char *id)
{
    return id ? zhashx_lookup(self->containers, id) : NULL;
}

//  Is an answer asked for at asked_at older than the fact known at t? A
//  listing asked for in the same millisecond may be older: those ties count
//  as older. An inspect is asked for after the event that calls for it, so
//  its ties do not.
static bool s_older(uint64_t asked_at, uint64_t t, bool listing)
{
    return listing ? asked_at <= t : asked_at < t;
}

//  Takes in what Docker says of one container; returns it (NULL: no memory).
//  asked_at is when the answer was asked for: an event seen since then
//  knows the state better, so only the descriptive fields are taken; and
//  an answer asked for before the last start has the address of an earlier
//  life (none, before the first start): it is not taken either.
static container_t *s_merge(hms_table_t *self, const hms_table_docker_t *docker, uint64_t asked_at,
                            bool listing)
{
    container_t *c = s_lookup(self, docker->id);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        s_copy(c->id, sizeof c->id, docker->id);
        c->loss = NAN;
        c->rtt_ms = NAN;
        zhashx_insert(self->containers, c->id, c);
        s_copy(c->name, sizeof c->name, docker->name);
        s_changed(self, "%s appeared", c->name);
    }
    if (asked_at > c->asked_at)
        c->asked_at = asked_at;
    bool address = !s_older(asked_at, c->started_at, listing);
    if ((address && strcmp(c->ip, docker->ip ? docker->ip : "") != 0) ||
        strcmp(c->name, docker->name ? docker->name : "") != 0 ||
        strcmp(c->image, docker->image ? docker->image : "") != 0)
        s_changed(self, "%s changed", c->name);
    s_copy(c->name, sizeof c->name, docker->name);
    s_copy(c->image, sizeof c->image, docker->image);
    if (address) {
        s_copy(c->ip, sizeof c->ip, docker->ip);
        c->address_known = true;
    }
    c->ignore_label = docker->ignore_label;
    c->present = true;
    if (docker->audited) {
        if (c->risks != docker->risks)
            s_changed(self, "%s audited", c->name);
        c->risks = docker->risks;
        c->audited = true;
    }
    if (s_older(asked_at, c->touched_at, listing))
        return c;
    s_copy(c->state, sizeof c->state, docker->state);
    if (s_running(c)) {
        c->watched = true;
        if (c->waiting && !c->in_flight)
            s_cancel_heal(c);
    }
    return c;
}

//  Was the container found gone after the answer was asked for? Then the
//  answer, late, must not bring it back.
static bool s_buried(hms_table_t *self, const char *id, uint64_t asked_at, bool listing)
{
    uint64_t *gone_at = id ? zhashx_lookup(self->buried, id) : NULL;
    return gone_at && s_older(asked_at, *gone_at, listing);
}

void hms_table_update(hms_table_t *self, const hms_table_docker_t *docker, uint64_t asked_at)
{
    if (s_buried(self, docker->id, asked_at, false))
        return;
    container_t *c = s_merge(self, docker, asked_at, false);
    if (c)
        s_refresh(self, c);
}

void hms_table_sync(hms_table_t *self, const hms_table_docker_t *containers, size_t count,
                    uint64_t now)
{
    for (container_t *c = zhashx_first(self->containers); c; c = zhashx_next(self->containers))
        c->present = false;
    for (size_t i = 0; i < count; i++) {
        if (s_buried(self, containers[i].id, now, true))
            continue;
        container_t *c = s_lookup(self, containers[i].id);
        bool stale = c && s_older(now, c->touched_at, true);
        c = s_merge(self, &containers[i], now, true);
        if (!c)
            continue;
        if (self->synced && !stale && c->watched && !s_running(c))
            s_need_heal(self, c, HMS_CAUSE_STOPPED, now, "found stopped", true);
        else
            s_refresh(self, c);
    }
    //  Containers Docker no longer has, and list entries of those. One
    //  learned of since the listing was asked for (created meanwhile) stays.
    zlistx_t *gone = zlistx_new();
    for (container_t *c = zhashx_first(self->containers); c; c = zhashx_next(self->containers))
        if (!c->present && !c->in_flight && !s_older(now, c->asked_at, true) &&
            !s_older(now, c->touched_at, true))
            zlistx_add_end(gone, c->id);
    for (const char *id = zlistx_first(gone); id; id = zlistx_next(gone))
        hms_table_on_destroy(self, id, now);
    zlistx_destroy(&gone);
    //  This listing speaks for what was found gone before it was asked for.
    zlistx_t *buried = zhashx_keys(self->buried);
    for (const char *id = zlistx_first(buried); id; id = zlistx_next(buried))
        if (*(uint64_t *)zhashx_lookup(self->buried, id) < now)
            zhashx_delete(self->buried, id);
    zlistx_destroy(&buried);
    for (zhashx_t *list = self->ignore; list; list = list == self->ignore ? self->watch : NULL) {
        zlistx_t *stale = zhashx_keys(list);
        for (const char *id = zlistx_first(stale); id; id = zlistx_next(stale))
            if (!s_lookup(self, id))
                zhashx_delete(list, id);
        zlistx_destroy(&stale);
    }
    self->synced = true;
}

void hms_table_on_die(hms_table_t *self, const char *id, uint64_t time_ns, uint64_t now)
{
    container_t *c = s_lookup(self, id);
    if (!c || time_ns <= c->heal_done_ns)
        return; //  unknown (the next sync brings it), or HMS's own restart
    c->touched_at = now;
    snprintf(c->state, sizeof c->state, "exited");
    c->loss = NAN;
    c->rtt_ms = NAN;
    bool stopped = c->kill_ns != 0;
    c->kill_ns = 0;
    s_need_heal(self, c, HMS_CAUSE_STOPPED, now, stopped ? "stopped" : "died", !stopped);
}

void hms_table_on_kill(hms_table_t *self, const char *id, uint64_t time_ns)
{
    container_t *c = s_lookup(self, id);
    if (!c || time_ns <= c->heal_done_ns || c->in_flight)
        return; //  unknown, or HMS's own restart
    c->kill_ns = time_ns;
}

void hms_table_on_start(hms_table_t *self, const char *id, uint64_t now)
{
    container_t *c = s_lookup(self, id);
    if (!c)
        return;
    c->touched_at = now;
    c->started_at = now;
    c->address_known = false;
    snprintf(c->state, sizeof c->state, "running");
    c->watched = true;
    c->kill_ns = 0;
    if (c->waiting)
        s_cancel_heal(c);
    s_refresh(self, c);
}

void hms_table_on_unhealthy(hms_table_t *self, const char *id, uint64_t time_ns, uint64_t now)
{
    container_t *c = s_lookup(self, id);
    if (!c || time_ns <= c->heal_done_ns || !s_running(c))
        return;
    c->touched_at = now;
    s_need_heal(self, c, HMS_CAUSE_UNHEALTHY, now, "unhealthy", true);
}

void hms_table_on_destroy(hms_table_t *self, const char *id, uint64_t now)
{
    uint64_t *gone_at = zhashx_lookup(self->buried, id);
    if (!gone_at) {
        gone_at = malloc(sizeof *gone_at);
        if (gone_at && zhashx_insert(self->buried, id, gone_at) != 0) {
            free(gone_at);
            gone_at = NULL;
        }
    }
    if (gone_at)
        *gone_at = now;
    container_t *c = s_lookup(self, id);
    if (!c)
        return;
    s_changed(self, "%s removed", c->name);
    zhashx_delete(self->ignore, id);
    zhashx_delete(self->watch, id);
    zhashx_delete(self->containers, id);
}

static bool s_same_percent(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return lround(a) == lround(b);
}

void hms_table_on_probe(hms_table_t *self, const char *id, double loss, double rtt_ms,
                        uint64_t started, uint64_t now)
{
    container_t *c = s_lookup(self, id);
    //  A round that began before the container's last event or heal
    //  measured another life of it: its echoes may have gone out while it
    //  was down, or to the container before a restart.
    if (!c || c->status != HMS_STATUS_ACTIVE || c->touched_at >= started)
        return;
    if (!s_same_percent(c->loss, loss))
        s_changed(self, "%s loss %.0f%%", c->name, loss);
    c->loss = loss;
    c->rtt_ms = rtt_ms;
    if (loss <= self->policy.threshold)
        c->judged_well = true;
    else {
        //  A restart that a round then showed to have worked ends a run of
        //  quick failures: this loss is a first failure, not a restart loop.
        if (c->judged_well)
            c->last_heal_at = 0;
        char reason[64];
        snprintf(reason, sizeof reason, "loss %.0f%% above %g%%", loss, self->policy.threshold);
        s_need_heal(self, c, HMS_CAUSE_LOSS, now, reason, true);
    }
}

void hms_table_tick(hms_table_t *self, uint64_t now)
{
    for (container_t *c = zhashx_first(self->containers); c; c = zhashx_next(self->containers))
        if (c->waiting && now >= c->due_at) {
            c->waiting = false;
            c->backing_off = false;
            s_queue(self, c, c->pending);
            s_refresh(self, c);
        }
}

bool hms_table_next_heal(hms_table_t *self, char *id, hms_heal_t *kind, char *reason)
{
    char *next;
    while ((next = zlistx_detach(self->queue, NULL))) {
        container_t *c = s_lookup(self, next);
        zstr_free(&next);
        if (!c || !c->queued)
            continue; //  gone, or cancelled since
        c->queued = false;
        if (s_ignored(self, c) || !c->watched) {
            s_refresh(self, c);
            continue;
        }
        c->in_flight = true;
        s_refresh(self, c);
        snprintf(id, HMS_ID_MAX + 1, "%s", c->id);
        *kind = c->pending;
        if (reason)
            snprintf(reason, HMS_TEXT_MAX + 1, "%s", c->reason);
        return true;
    }
    return false;
}

void hms_table_heal_done(hms_table_t *self, const char *id, bool ok, long status, uint64_t done_ns,
                         uint64_t now)
{
    container_t *c = s_lookup(self, id);
    if (!c)
        return;
    c->in_flight = false;
    c->touched_at = now;
    if (ok) {
        c->restarts++;
        c->loss_heals += c->cause == HMS_CAUSE_LOSS;
        c->health_heals += c->cause == HMS_CAUSE_UNHEALTHY;
        c->last_heal_at = now;
        c->judged_well = false;
        c->heal_done_ns = done_ns;
        c->grace_until = now + self->policy.grace_ms;
        c->started_at = now;
        c->address_known = false;
        c->loss = NAN;
        c->rtt_ms = NAN;
        snprintf(c->state, sizeof c->state, "running");
        s_changed(self, "%s healed (%s)", c->name,
                  c->pending == HMS_HEAL_START ? "started" : "restarted");
    } else if (status == 404) {
        hms_table_on_destroy(self, id, now);
        return;
    } else {
        //  Engine down, or it refused: try again later.
        c->waiting = true;
        c->backing_off = false;
        c->due_at = now + self->policy.retry_ms;
    }
    s_refresh(self, c);
}

size_t hms_table_probe_targets(hms_table_t *self, const char **ids, const char **ips, size_t max,
                               uint64_t now)
{
    size_t count = 0;
    for (container_t *c = zhashx_first(self->containers); c && count < max;
         c = zhashx_next(self->containers))
        if (c->status == HMS_STATUS_ACTIVE && *c->ip && c->address_known && now >= c->grace_until) {
            ids[count] = c->id;
            ips[count] = c->ip;
            count++;
        }
    return count;
}

const char *hms_table_resolve(hms_table_t *self, const char *ref, int *code)
{
    container_t *c = s_lookup(self, ref);
    if (c)
        return c->id;
    size_t length = strlen(ref);
    const char *match = NULL;
    size_t matches = 0;
    for (c = zhashx_first(self->containers); c; c = zhashx_next(self->containers)) {
        if (strcmp(c->name, ref) == 0)
            return c->id;
        if (length >= 4 && strncmp(c->id, ref, length) == 0) {
            match = c->id;
            matches++;
        }
    }
    if (matches == 1)
        return match;
    *code = matches ? HMS_CODE_CONFLICT : HMS_CODE_NOT_FOUND;
    return NULL;
}

hms_status_t hms_table_ignore(hms_table_t *self, const char *id, uint64_t now)
{
    container_t *c = s_lookup(self, id);
    if (!c)
        return HMS_STATUS_NONE;
    zhashx_update(self->ignore, c->id, (void *)s_flag);
    zhashx_delete(self->watch, c->id);
    s_cancel_heal(c);
    c->touched_at = now;
    s_refresh(self, c);
    return c->status;
}

hms_status_t hms_table_watch(hms_table_t *self, const char *id, uint64_t now)
{
    container_t *c = s_lookup(self, id);
    if (!c)
        return HMS_STATUS_NONE;
    zhashx_delete(self->ignore, c->id);
    if (c->ignore_label)
        zhashx_update(self->watch, c->id, (void *)s_flag);
    c->watched = true;
    c->touched_at = now;
    if (!s_running(c)) {
        c->last_heal_at = 0; //  a command, not a failure
        c->failures = 0;
        s_need_heal(self, c, HMS_CAUSE_STOPPED, now, "added", false);
    } else
        s_refresh(self, c);
    return c->status;
}

static const char **s_keys(zhashx_t *set)
{
    const char **keys = calloc(zhashx_size(set) + 1, sizeof *keys);
    size_t count = 0;
    if (keys)
        for (void *item = zhashx_first(set); item; item = zhashx_next(set))
            keys[count++] = zhashx_cursor(set);
    return keys;
}

const char **hms_table_ignore_list(hms_table_t *self)
{
    return s_keys(self->ignore);
}

const char **hms_table_watch_list(hms_table_t *self)
{
    return s_keys(self->watch);
}

int hms_table_set_lists(hms_table_t *self, const char *const *ignore, size_t ignore_count,
                        const char *const *watch, size_t watch_count)
{
    zhashx_purge(self->ignore);
    zhashx_purge(self->watch);
    for (size_t i = 0; i < ignore_count; i++)
        zhashx_update(self->ignore, ignore[i], (void *)s_flag);
    for (size_t i = 0; i < watch_count; i++)
        zhashx_update(self->watch, watch[i], (void *)s_flag);
    for (container_t *c = zhashx_first(self->containers); c; c = zhashx_next(self->containers))
        s_refresh(self, c);
    return 0;
}

size_t hms_table_size(hms_table_t *self)
{
    return zhashx_size(self->containers);
}

size_t hms_table_monitored(hms_table_t *self)
{
    size_t count = 0;
    for (container_t *c = zhashx_first(self->containers); c; c = zhashx_next(self->containers))
        count += c->status != HMS_STATUS_IGNORED && c->status != HMS_STATUS_STOPPED;
    return count;
}

bool hms_table_audited(hms_table_t *self, const char *id)
{
    container_t *c = s_lookup(self, id);
    return c && c->audited;
}

hms_status_t hms_table_status(hms_table_t *self, const char *id)
{
    container_t *c = s_lookup(self, id);
    return c ? c->status : HMS_STATUS_NONE;
}

void hms_table_probe_result(hms_table_t *self, const char *id, double *loss, double *rtt_ms)
{
    container_t *c = s_lookup(self, id);
    *loss = c ? c->loss : NAN;
    *rtt_ms = c ? c->rtt_ms : NAN;
}

static int s_by_name(const void *a, const void *b)
{
    const hms_container_t *left = a, *right = b;
    int order = strcmp(left->name, right->name);
    return order ? order : strcmp(left->id, right->id);
}

size_t hms_table_content(hms_table_t *self, hms_container_t *out, size_t max)
{
    size_t count = 0;
    for (container_t *c = zhashx_first(self->containers); c && count < max;
         c = zhashx_next(self->containers)) {
        hms_container_t *entry = &out[count++];
        memset(entry, 0, sizeof *entry);
        entry->status = c->status;
        s_copy(entry->name, sizeof entry->name, c->name);
        if (c->status == HMS_STATUS_IGNORED) {
            //  The seed's view of an ignored container: short id and status.
            snprintf(entry->id, sizeof entry->id, "%.12s", c->id);
            entry->loss = NAN;
            entry->rtt_ms = NAN;
            continue;
        }
        s_copy(entry->id, sizeof entry->id, c->id);
        s_copy(entry->image, sizeof entry->image, c->image);
        s_copy(entry->ip, sizeof entry->ip, c->ip);
        s_copy(entry->state, sizeof entry->state, c->state);
        entry->loss = c->loss;
        entry->rtt_ms = c->rtt_ms;
        entry->restarts = c->restarts;
        entry->loss_heals = c->loss_heals;
        entry->risks = c->risks;
        entry->health_heals = c->health_heals;
        entry->since_ms = c->since_ms;
    }
    if (count) //  glibc declares the array non-null even when empty
        qsort(out, count, sizeof *out, s_by_name);
    return count;
}
