/*  hms_collector: the manager's resource metrics, collected each second.  */

#include "hms_collector.h"

#include "hms_cgroup.h"
#include "hms_forecast.h"
#include "hms_log.h"
#include "hms_runtime.h"

#include <czmq.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A level forecast (memory or pids): the step under way and its forecast.
typedef struct {
    hms_forecast_t forecast;
    uint64_t step; //  wall time / HMS_FORECAST_STEP_S s of the step under way
    double sum;    //  of its seconds' levels
    size_t seconds;
    double limit; //  the last second's; 0: none
} s_level_t;

//  A container followed: its reader, whether its next reading is the
//  first of a new life, what its main process shows and what its
//  processes did (runtime indicators), its forecasts.
typedef struct {
    hms_cgroup_t *cgroup;
    int pid;
    bool fresh;
    bool main_ok;              //  main below was read
    hms_runtime_main_t main;   //  the container as its main process shows it
    hms_runtime_found_t found; //  the last scan
    s_level_t levels[2];       //  memory, pids
    float eta[HMS_FORECASTS];  //  at the last step's end
} s_followed_t;

#define S_PIDS_MAX 4096 //  processes of one container checked each second

//  What the engine told of a container since the alerts last took it: it
//  outlives the container's reader (an OOM kill may kill its main process).
typedef struct {
    uint32_t exec_privileged; //  privileged execs
    uint32_t exec_root;       //  execs as root into a container that runs as a user
    uint32_t ooms;            //  OOM kills
} s_told_t;

struct _hms_collector_t {
    hms_metrics_t *store;  //  the seconds kept
    zhashx_t *followed;    //  id -> s_followed_t
    char *proc_root;       //  "/proc"
    char *cgroup_root;     //  "/sys/fs/cgroup"
    zloop_t *loop;         //  when started: the timers below are its
    hms_table_t *table;    //  loss, rtt and who is watched
    int tick_timer;        //  one-shot, re-armed: the next second's reading
    int publish_timer;     //  one-shot, re-armed: the next interval's end
    uint64_t interval_ms;  //  of metrics messages
    uint64_t published_to; //  end of the last interval published; 0: none
    uint64_t seq;          //  of the last metrics message
    hms_collector_publish_fn *publish;
    void *publish_arg;
    hms_metrics_entry_t entries[HMS_METRICS_ENTRIES_MAX]; //  one message's worth
    hms_runtime_t *runtime;                               //  escape indicators
    zhashx_t *told;                                       //  id -> s_told_t
    bool host_agent_changed;                              //  in the last tick
    int pids[S_PIDS_MAX];
};

//  Readings are taken in the middle of a second and the interval is
//  published once its last second has been read.
#define S_READ_AT_MS    500
#define S_PUBLISH_AT_MS 700

static void s_followed_destroy(void **item)
{
    s_followed_t *followed = *item;
    if (followed) {
        hms_cgroup_destroy(&followed->cgroup);
        free(followed);
        *item = NULL;
    }
}

static void s_told_destroy(void **item)
{
    free(*item);
    *item = NULL;
}

//  What was told of id, made when new (NULL when out of memory).
static s_told_t *s_told(hms_collector_t *self, const char *id)
{
    s_told_t *told = zhashx_lookup(self->told, id);
    if (!told && (told = calloc(1, sizeof *told)))
        zhashx_insert(self->told, id, told);
    return told;
}

hms_collector_t *hms_collector_new(uint32_t window_s, const char *proc_root,
                                   const char *cgroup_root)
{
    hms_collector_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->store = hms_metrics_new(window_s);
    self->followed = zhashx_new();
    self->proc_root = strdup(proc_root);
    self->cgroup_root = strdup(cgroup_root);
    self->runtime = hms_runtime_new(proc_root);
    self->told = zhashx_new();
    if (!self->store || !self->followed || !self->proc_root || !self->cgroup_root ||
        !self->runtime || !self->told) {
        hms_collector_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->followed, s_followed_destroy);
    zhashx_set_destructor(self->told, s_told_destroy);
    return self;
}

void hms_collector_destroy(hms_collector_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_collector_t *self = *self_p;
    if (self->loop) {
        zloop_timer_end(self->loop, self->tick_timer);
        zloop_timer_end(self->loop, self->publish_timer);
    }
    zhashx_destroy(&self->followed);
    hms_metrics_destroy(&self->store);
    hms_runtime_destroy(&self->runtime);
    zhashx_destroy(&self->told);
    free(self->proc_root);
    free(self->cgroup_root);
    free(self);
    *self_p = NULL;
}

void hms_collector_follow(hms_collector_t *self, const char *id, int pid, bool net)
{
    s_followed_t *followed = zhashx_lookup(self->followed, id);
    if (followed && followed->pid == pid)
        return;
    char error[256];
    hms_cgroup_t *cgroup =
        hms_cgroup_open(self->proc_root, self->cgroup_root, pid, net, error, sizeof error);
    if (!cgroup) {
        hms_info("metrics %.12s: %s", id, error);
        zhashx_delete(self->followed, id);
        return;
    }
    if (!followed) {
        followed = calloc(1, sizeof *followed);
        if (!followed) {
            hms_cgroup_destroy(&cgroup);
            return;
        }
        zhashx_insert(self->followed, id, followed);
    }
    hms_cgroup_destroy(&followed->cgroup);
    *followed = (s_followed_t){.cgroup = cgroup, .pid = pid, .fresh = true};
    followed->main_ok = hms_runtime_main(self->runtime, pid, &followed->main) == 0;
    for (int f = 0; f < HMS_FORECASTS; f++)
        followed->eta[f] = NAN;
    hms_debug("metrics %.12s: following process %d (cgroup v%d)", id, pid,
              hms_cgroup_version(cgroup));
}

bool hms_collector_following(hms_collector_t *self, const char *id)
{
    return zhashx_lookup(self->followed, id) != NULL;
}

void hms_collector_stop(hms_collector_t *self, const char *id)
{
    zhashx_delete(self->followed, id);
}

void hms_collector_forget(hms_collector_t *self, const char *id)
{
    zhashx_delete(self->followed, id);
    zhashx_delete(self->told, id);
    hms_metrics_remove(self->store, id);
}

//  Adds the second at_ms's level to a forecast; at the end of a step,
//  its mean goes in and the time left is renewed into eta (linear, Holt).
static void s_level(s_level_t *level, uint64_t at_ms, double value, double limit, float *eta)
{
    uint64_t step = at_ms / (HMS_FORECAST_STEP_S * 1000);
    if (step != level->step && level->seconds > 0) {
        if (step != level->step + 1)
            hms_forecast_reset(&level->forecast); //  a gap: start over
        hms_forecast_add(&level->forecast, level->sum / (double)level->seconds);
        bool limited = level->limit > 0;
        eta[0] = limited ? (float)hms_forecast_linear(&level->forecast, level->limit) : NAN;
        eta[1] = limited ? (float)hms_forecast_holt(&level->forecast, level->limit) : NAN;
        level->sum = 0;
        level->seconds = 0;
    }
    level->step = step;
    level->sum += value;
    level->seconds++;
    level->limit = limit;
}

//  The runtime indicators and forecasts of a container just read.
static void s_watch(hms_collector_t *self, s_followed_t *followed, const hms_reading_t *reading,
                    uint64_t at_ms)
{
    if (followed->main_ok) {
        size_t count = hms_cgroup_procs(followed->cgroup, self->pids, S_PIDS_MAX);
        hms_runtime_scan(self->runtime, &followed->main, followed->pid, self->pids, count,
                         &followed->found);
    }
    if (reading->have & HMS_READING_MEMORY)
        s_level(&followed->levels[0], at_ms, (double)reading->memory_working_set,
                (double)reading->memory_limit, &followed->eta[HMS_FORECAST_MEMORY]);
    if (reading->have & HMS_READING_PIDS)
        s_level(&followed->levels[1], at_ms, (double)reading->pids_current,
                (double)reading->pids_max, &followed->eta[HMS_FORECAST_PIDS]);
}

size_t hms_collector_tick(hms_collector_t *self, hms_table_t *table, uint64_t now_ms)
{
    self->host_agent_changed = hms_runtime_host_changed(self->runtime);
    if (self->host_agent_changed)
        hms_warning("a cgroup v1 release_agent of the host changed");
    zlistx_t *ended = zlistx_new();
    size_t read = 0;
    for (s_followed_t *followed = zhashx_first(self->followed); followed;
         followed = zhashx_next(self->followed)) {
        const char *id = zhashx_cursor(self->followed);
        hms_status_t status = hms_table_status(table, id);
        hms_reading_t reading;
        if (status == HMS_STATUS_NONE || status == HMS_STATUS_IGNORED ||
            hms_cgroup_read(followed->cgroup, &reading) != 0) {
            if (ended)
                zlistx_add_end(ended, (void *)id);
            continue;
        }
        double loss, rtt_ms;
        hms_table_probe_result(table, id, &loss, &rtt_ms);
        //  Stamped when its files were read: a loop slowed down between
        //  two containers must not skew the rates of the later ones.
        uint64_t at = now_ms ? now_ms : (uint64_t)zclock_time();
        if (hms_metrics_record(self->store, id, at, &reading, followed->fresh, loss, rtt_ms) == 0)
            read++;
        followed->fresh = false;
        s_watch(self, followed, &reading, at);
    }
    //  Deleted after the walk: zhashx's cursor does not survive a deletion.
    for (const char *id = ended ? zlistx_first(ended) : NULL; id; id = zlistx_next(ended))
        zhashx_delete(self->followed, id);
    zlistx_destroy(&ended);
    return read;
}

size_t hms_collector_entries(hms_collector_t *self, uint64_t from_ms, uint64_t to_ms,
                             hms_metrics_entry_t *entries, size_t max, size_t *cursor)
{
    zlistx_t *ids = hms_metrics_ids(self->store);
    if (!ids)
        return 0;
    size_t count = 0, index = 0;
    for (const char *id = zlistx_first(ids); id && count < max; id = zlistx_next(ids), index++) {
        if (index < *cursor)
            continue;
        *cursor = index + 1;
        hms_metrics_entry_t *entry = &entries[count];
        size_t seconds = hms_metrics_rollup(self->store, id, from_ms, to_ms, entry->rollups);
        const hms_reading_t *last = hms_metrics_last(self->store, id, NULL);
        if (seconds == 0 || !last)
            continue;
        snprintf(entry->id, sizeof entry->id, "%s", id);
        entry->seconds = seconds;
        entry->reading = *last;
        s_followed_t *followed = zhashx_lookup(self->followed, id);
        for (int f = 0; f < HMS_FORECASTS; f++)
            entry->forecasts[f] = followed ? followed->eta[f] : NAN;
        count++;
    }
    zlistx_destroy(&ids);
    return count;
}

void hms_collector_exec(hms_collector_t *self, const char *id, bool privileged, bool root_user)
{
    s_followed_t *followed = zhashx_lookup(self->followed, id);
    s_told_t *told = s_told(self, id);
    if (!told)
        return;
    told->exec_privileged += privileged;
    told->exec_root += root_user && followed && followed->main_ok && !followed->main.root;
}

void hms_collector_oom(hms_collector_t *self, const char *id)
{
    s_told_t *told = s_told(self, id);
    if (told)
        told->ooms++;
}

void hms_collector_inputs(hms_collector_t *self, const char *id, double *inputs)
{
    s_told_t *told = zhashx_lookup(self->told, id);
    inputs[HMS_RULE_EXEC_PRIVILEGED] = told ? told->exec_privileged : 0;
    inputs[HMS_RULE_EXEC_ROOT] = told ? told->exec_root : 0;
    if (told) {
        //  The engine's word when the kill took the counters with it.
        if (told->ooms && !(inputs[HMS_METRIC_OOM_KILLS] >= told->ooms))
            inputs[HMS_METRIC_OOM_KILLS] = told->ooms;
        zhashx_delete(self->told, id);
    }
    s_followed_t *followed = zhashx_lookup(self->followed, id);
    if (!followed || !followed->main_ok)
        return;
    const hms_runtime_found_t *found = &followed->found;
    inputs[HMS_RULE_HOST_NS] = found->host_ns;
    inputs[HMS_RULE_EXTRA_CAPS] = found->extra_caps;
    inputs[HMS_RULE_RELEASE_AGENT] =
        found->release_agent + (self->host_agent_changed && followed->main.can_mount);
    for (int f = 0; f < HMS_FORECASTS; f++)
        inputs[HMS_RULE_MEMORY_ETA + f] = followed->eta[f];
}

hms_metrics_t *hms_collector_store(hms_collector_t *self)
{
    return self->store;
}

//  The time from now_ms to the next wall time that is at_ms past a multiple
//  of period_ms, at least a quarter period away: a timer that fired a
//  millisecond early must not fire again for the same period.
static size_t s_until(uint64_t now_ms, uint64_t period_ms, uint64_t at_ms)
{
    uint64_t next = now_ms - now_ms % period_ms + at_ms;
    if (next < now_ms + period_ms / 4)
        next += period_ms;
    return (size_t)(next - now_ms);
}

//  Tick timer (once a second, in its middle): reads every container, then
//  arms itself for the next second.
static int s_tick_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)timer_id;
    hms_collector_t *self = arg;
    uint64_t now = (uint64_t)zclock_time();
    hms_collector_tick(self, self->table, 0);
    self->tick_timer = zloop_timer(loop, s_until(now, 1000, S_READ_AT_MS), 1, s_tick_timer, self);
    return 0;
}

//  Publish timer (after the last second of each interval was read): the
//  interval's metrics, HMS_METRICS_ENTRIES_MAX containers a message, then
//  it arms itself for the next interval.
static int s_publish_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)timer_id;
    hms_collector_t *self = arg;
    uint64_t now = (uint64_t)zclock_time();
    uint64_t to = now - now % self->interval_ms;
    uint64_t from = to - self->interval_ms;
    if (to <= self->published_to) //  fired early: that interval is out already
        from = to;
    //  After a pause of the loop, the interval starts where the last ended.
    if (self->published_to && self->published_to > from && self->published_to < to)
        from = self->published_to;
    size_t cursor = 0, count;
    do {
        count =
            hms_collector_entries(self, from, to, self->entries, HMS_METRICS_ENTRIES_MAX, &cursor);
        if (count == 0)
            break;
        hms_msg_t msg;
        hms_msg_init(&msg, HMS_MSG_METRICS);
        msg.metrics.seq = ++self->seq;
        msg.metrics.t_ms = to;
        msg.metrics.interval_ms = to - from;
        msg.metrics.entries = self->entries;
        msg.metrics.count = count;
        self->publish(&msg, self->publish_arg);
    } while (count == HMS_METRICS_ENTRIES_MAX);
    self->published_to = to;
    self->publish_timer = zloop_timer(loop, s_until(now, self->interval_ms, S_PUBLISH_AT_MS), 1,
                                      s_publish_timer, self);
    return 0;
}

int hms_collector_start(hms_collector_t *self, zloop_t *loop, hms_table_t *table,
                        uint64_t interval_ms, hms_collector_publish_fn *publish, void *arg)
{
    if (self->loop || interval_ms < 1000 || interval_ms > 3600000)
        return -1;
    self->loop = loop;
    self->table = table;
    self->interval_ms = interval_ms;
    self->publish = publish;
    self->publish_arg = arg;
    uint64_t now = (uint64_t)zclock_time();
    self->tick_timer = zloop_timer(loop, s_until(now, 1000, S_READ_AT_MS), 1, s_tick_timer, self);
    self->publish_timer =
        zloop_timer(loop, s_until(now, interval_ms, S_PUBLISH_AT_MS), 1, s_publish_timer, self);
    return self->tick_timer >= 0 && self->publish_timer >= 0 ? 0 : -1;
}

void hms_collector_answer(hms_collector_t *self, hms_table_t *table, const hms_msg_t *request,
                          hms_msg_t *reply)
{
    const hms_metrics_query_t *query = &request->query;
    int code = HMS_CODE_NOT_FOUND;
    const char *id = hms_table_resolve(table, query->container, &code);
    if (!id) {
        hms_msg_error(reply, request->corr_id, code,
                      code == HMS_CODE_CONFLICT ? "container '%s' is ambiguous"
                                                : "no container '%s'",
                      query->container);
        return;
    }
    uint64_t to = query->to_ms ? query->to_ms : (uint64_t)zclock_time();
    if (query->from_ms > to) {
        hms_msg_error(reply, request->corr_id, HMS_CODE_BAD_REQUEST,
                      "from_ms %" PRIu64 " is after to_ms %" PRIu64, query->from_ms, to);
        return;
    }
    float *values = malloc((size_t)HMS_METRICS_ROWS_MAX * sizeof(hms_metrics_row_t));
    if (!values) {
        hms_msg_error(reply, request->corr_id, HMS_CODE_INTERNAL, "out of memory");
        return;
    }
    uint64_t start = 0;
    size_t count = hms_metrics_range(self->store, id, query->from_ms, to, &start, values,
                                     HMS_METRICS_ROWS_MAX);
    _Static_assert(sizeof(hms_metrics_row_t) == HMS_METRIC_COUNT * sizeof(float),
                   "a row is the store's values of one second");
    hms_msg_ok(reply, HMS_MSG_GIVE_METRICS, request->corr_id);
    hms_metrics_range_t *range = &reply->range;
    snprintf(range->container, sizeof range->container, "%s", id);
    range->start_ms = count ? start : 0;
    range->step_ms = 1000;
    range->rows = (hms_metrics_row_t *)values;
    range->count = count;
    reply->owned = values;
}
