/*  hms_alerts: the manager's alert rules, evaluated each second. */

#include "hms_alerts.h"

#include <czmq.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  One rule's state for one container (pending or firing; others are not kept).
typedef struct {
    size_t rule;                 //  index in the rules
    char id[HMS_ID_MAX + 1];     //  the container
    char name[HMS_NAME_MAX + 1]; //  its name
    hms_alert_state_t state;     //  pending or firing
    double value;                //  last value judged
    uint64_t since_ms;           //  the condition began
    uint64_t sent_ms;            //  last emitted
    uint64_t judged_ms;          //  last judged
} s_state_t;

struct _hms_alerts_t {
    char address[HMS_ADDRESS_MAX + 1];
    hms_rule_t rules[HMS_RULES_MAX];
    size_t count;
    zhashx_t *states;    //  "rule/id" -> s_state_t
    uint64_t seq;        //  of the last alert emitted
    zhashx_t *judged;    //  ids judged in the last second (hms_alerts_run)
    zhashx_t *baselines; //  "rule/id" -> s_baseline_t, for the rules with a baseline
    uint64_t last_run_ms;
    zloop_t *loop; //  when started
    int timer;
    hms_table_t *table;
    hms_collector_t *collector;
    hms_alerts_emit_fn *emit;
    void *arg;
    hms_alerts_respond_fn *respond; //  NULL: responses are not carried out
    void *respond_arg;
};

//  A baseline rule's moving mean of one container's value.
typedef struct {
    double mean;
    uint32_t seconds;   //  values in it
    uint64_t judged_ms; //  last judged: forgotten a minute after
} s_baseline_t;

static void s_state_free(void **item)
{
    free(*item);
    *item = NULL;
}

//  A list of keys to delete after a walk of the states (zhashx's cursor
//  does not survive a deletion).
static zlistx_t *s_keys(void)
{
    zlistx_t *keys = zlistx_new();
    if (keys) {
        zlistx_set_duplicator(keys, (zlistx_duplicator_fn *)strdup);
        zlistx_set_destructor(keys, (zlistx_destructor_fn *)zstr_free);
    }
    return keys;
}

static void s_delete_keys(hms_alerts_t *self, zlistx_t **keys_p)
{
    for (const char *key = zlistx_first(*keys_p); key; key = zlistx_next(*keys_p))
        zhashx_delete(self->states, key);
    zlistx_destroy(keys_p);
}

static void s_emit(hms_alerts_t *self, s_state_t *state, hms_alert_state_t as, uint64_t now_ms)
{
    const hms_rule_t *rule = &self->rules[state->rule];
    hms_alert_t alert = {.seq = ++self->seq,
                         .state = as,
                         .severity = rule->severity,
                         .value = state->value,
                         .threshold = rule->threshold,
                         .since_ms = state->since_ms,
                         .ts_ms = now_ms};
    snprintf(alert.address, sizeof alert.address, "%s", self->address);
    snprintf(alert.rule, sizeof alert.rule, "%s", rule->name);
    snprintf(alert.container, sizeof alert.container, "%s", state->id);
    snprintf(alert.name, sizeof alert.name, "%s", state->name);
    snprintf(alert.metric, sizeof alert.metric, "%s", hms_rule_input_name(rule->input));
    snprintf(alert.summary, sizeof alert.summary, "%s", rule->summary);
    state->sent_ms = now_ms;
    self->emit(&alert, self->arg);
}

hms_alerts_t *hms_alerts_new(const char *address, const hms_rule_t *rules, size_t count,
                             hms_alerts_emit_fn *emit, void *arg)
{
    hms_alerts_t *self = calloc(1, sizeof *self);
    if (!self || count > HMS_RULES_MAX || !(self->states = zhashx_new()) ||
        !(self->judged = zhashx_new()) || !(self->baselines = zhashx_new())) {
        if (self) {
            zhashx_destroy(&self->states);
            zhashx_destroy(&self->judged);
        }
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->states, s_state_free);
    zhashx_set_destructor(self->baselines, s_state_free);
    snprintf(self->address, sizeof self->address, "%s", address);
    memcpy(self->rules, rules, count * sizeof *rules);
    self->count = count;
    self->emit = emit;
    self->arg = arg;
    return self;
}

void hms_alerts_destroy(hms_alerts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_alerts_t *self = *self_p;
    if (self->loop)
        zloop_timer_end(self->loop, self->timer);
    zhashx_destroy(&self->states);
    zhashx_destroy(&self->judged);
    zhashx_destroy(&self->baselines);
    free(self);
    *self_p = NULL;
}

//  Ends state: a firing alert is resolved, a pending one goes inactive.
static void s_end(hms_alerts_t *self, s_state_t *state, uint64_t now_ms)
{
    s_emit(self, state, state->state == HMS_ALERT_FIRING ? HMS_ALERT_RESOLVED : HMS_ALERT_INACTIVE,
           now_ms);
}

static bool s_same_rule(const hms_rule_t *a, const hms_rule_t *b)
{
    return strcmp(a->name, b->name) == 0 && a->input == b->input && a->above == b->above &&
           a->of_limit == b->of_limit && a->threshold == b->threshold && a->clear == b->clear &&
           a->for_s == b->for_s && a->baseline == b->baseline && a->severity == b->severity &&
           a->response == b->response && strcmp(a->summary, b->summary) == 0;
}

int hms_alerts_set_rules(hms_alerts_t *self, const hms_rule_t *rules, size_t count, uint64_t now_ms)
{
    if (count > HMS_RULES_MAX)
        return -1;
    //  Where each rule in force goes: its index among the new ones, or -1.
    long moved[HMS_RULES_MAX];
    for (size_t i = 0; i < self->count; i++) {
        moved[i] = -1;
        for (size_t j = 0; j < count; j++)
            if (s_same_rule(&self->rules[i], &rules[j]))
                moved[i] = (long)j;
    }
    zlistx_t *ended = s_keys();
    if (!ended)
        return -1;
    for (s_state_t *state = zhashx_first(self->states); state; state = zhashx_next(self->states)) {
        if (moved[state->rule] >= 0)
            continue;
        s_end(self, state, now_ms); //  with the rule it was judged by
        zlistx_add_end(ended, (void *)zhashx_cursor(self->states));
    }
    s_delete_keys(self, &ended);
    for (s_state_t *state = zhashx_first(self->states); state; state = zhashx_next(self->states))
        state->rule = (size_t)moved[state->rule];
    memcpy(self->rules, rules, count * sizeof *rules);
    self->count = count;
    return 0;
}

void hms_alerts_on_respond(hms_alerts_t *self, hms_alerts_respond_fn *fn, void *arg)
{
    self->respond = fn;
    self->respond_arg = arg;
}

const hms_rule_t *hms_alerts_rules(const hms_alerts_t *self, size_t *count)
{
    *count = self->count;
    return self->rules;
}

//  The value rule judges in inputs: NAN when unknown, or when of_limit and
//  the container has no such limit.
static double s_value(const hms_rule_t *rule, const double inputs[HMS_RULE_INPUTS])
{
    double value = inputs[rule->input];
    if (!rule->of_limit)
        return value;
    double limit =
        inputs[rule->input == HMS_METRIC_PIDS ? HMS_METRIC_PIDS_MAX : HMS_METRIC_MEMORY_LIMIT];
    return limit > 0 ? 100.0 * value / limit : NAN;
}

//  The baseline of key ("rule/id"), made when new. NULL when out of memory.
static s_baseline_t *s_baseline(hms_alerts_t *self, const char *key, uint64_t now_ms)
{
    s_baseline_t *baseline = zhashx_lookup(self->baselines, key);
    if (!baseline && (baseline = calloc(1, sizeof *baseline)))
        zhashx_insert(self->baselines, key, baseline);
    if (baseline)
        baseline->judged_ms = now_ms;
    return baseline;
}

//  An exponentially weighted mean of time constant HMS_RULE_BASELINE_S
//  seconds; the plain mean of the values until it has that many.
static void s_baseline_add(s_baseline_t *baseline, double value)
{
    baseline->seconds++;
    double weight = baseline->seconds < HMS_RULE_BASELINE_S ? 1.0 / baseline->seconds
                                                            : 1.0 / HMS_RULE_BASELINE_S;
    baseline->mean += weight * (value - baseline->mean);
}

void hms_alerts_judge(hms_alerts_t *self, const char *id, const char *name,
                      const double inputs[HMS_RULE_INPUTS], uint64_t now_ms)
{
    for (size_t r = 0; r < self->count; r++) {
        const hms_rule_t *rule = &self->rules[r];
        char key[HMS_RULE_NAME_MAX + HMS_ID_MAX + 2];
        snprintf(key, sizeof key, "%s/%s", rule->name, id);
        s_state_t *state = zhashx_lookup(self->states, key);
        double value = s_value(rule, inputs);
        if (isnan(value)) {
            if (state)
                state->judged_ms = now_ms; //  not measured this second: kept
            continue;
        }
        s_baseline_t *baseline = rule->baseline > 0 ? s_baseline(self, key, now_ms) : NULL;
        double threshold = rule->threshold, clear = rule->clear;
        if (baseline && baseline->seconds >= HMS_RULE_BASELINE_WARMUP) {
            threshold = fmax(threshold, rule->baseline * baseline->mean);
            if (rule->threshold > 0)
                clear =
                    fmax(clear, rule->baseline * baseline->mean * rule->clear / rule->threshold);
        }
        bool holds = rule->above ? value > threshold : value < threshold;
        bool cleared = rule->above ? value <= clear : value >= clear;
        if (baseline && !state && !holds)
            s_baseline_add(baseline, value); //  the usual: not what an alert is about
        if (!state) {
            if (!holds)
                continue;
            state = calloc(1, sizeof *state);
            if (!state)
                continue;
            *state = (s_state_t){.rule = r, .state = HMS_ALERT_PENDING, .since_ms = now_ms};
            snprintf(state->id, sizeof state->id, "%s", id);
            zhashx_insert(self->states, key, state);
        }
        snprintf(state->name, sizeof state->name, "%s", name);
        state->value = value;
        state->judged_ms = now_ms;
        if (state->state == HMS_ALERT_PENDING && !holds) {
            s_emit(self, state, HMS_ALERT_INACTIVE, now_ms);
            zhashx_delete(self->states, key);
        } else if (state->state == HMS_ALERT_PENDING &&
                   now_ms - state->since_ms >= (uint64_t)rule->for_s * 1000) {
            state->state = HMS_ALERT_FIRING;
            s_emit(self, state, HMS_ALERT_FIRING, now_ms);
            if (rule->response != HMS_RESPONSE_NONE && self->respond)
                self->respond(rule, id, name, self->respond_arg);
        } else if (state->state == HMS_ALERT_PENDING && state->sent_ms == 0)
            s_emit(self, state, HMS_ALERT_PENDING, now_ms);
        else if (state->state == HMS_ALERT_FIRING && cleared) {
            s_emit(self, state, HMS_ALERT_RESOLVED, now_ms);
            zhashx_delete(self->states, key);
        }
    }
}

void hms_alerts_sweep(hms_alerts_t *self, uint64_t now_ms)
{
    zlistx_t *ended = s_keys();
    if (!ended)
        return;
    for (s_state_t *state = zhashx_first(self->states); state; state = zhashx_next(self->states)) {
        if (state->judged_ms < now_ms) {
            s_end(self, state, now_ms);
            zlistx_add_end(ended, (void *)zhashx_cursor(self->states));
        } else if (state->state == HMS_ALERT_FIRING &&
                   now_ms - state->sent_ms >= HMS_ALERT_RESEND_S * 1000)
            s_emit(self, state, HMS_ALERT_FIRING, now_ms);
    }
    s_delete_keys(self, &ended);
    //  Baselines of containers gone (or rules removed) a minute ago.
    zlistx_t *stale = s_keys();
    for (s_baseline_t *b = zhashx_first(self->baselines); stale && b;
         b = zhashx_next(self->baselines))
        if (now_ms - b->judged_ms > 60000)
            zlistx_add_end(stale, (void *)zhashx_cursor(self->baselines));
    for (const char *key = stale ? zlistx_first(stale) : NULL; key; key = zlistx_next(stale))
        zhashx_delete(self->baselines, key);
    zlistx_destroy(&stale);
}

size_t hms_alerts_active(const hms_alerts_t *self)
{
    return zhashx_size(self->states);
}

//  The inputs of container c at now_ms: its last second in store, if it is
//  at most two seconds old, and its state.
static void s_inputs(hms_alerts_t *self, const hms_container_t *c, hms_collector_t *collector,
                     uint64_t now_ms, double *inputs)
{
    for (int i = 0; i < HMS_RULE_INPUTS; i++)
        inputs[i] = NAN;
    float values[2 * HMS_METRIC_COUNT];
    uint64_t start_ms = 0;
    hms_metrics_t *store = collector ? hms_collector_store(collector) : NULL;
    size_t seconds =
        store ? hms_metrics_range(store, c->id, now_ms - 2000, now_ms, &start_ms, values, 2) : 0;
    if (seconds > 0)
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            inputs[m] = values[(seconds - 1) * HMS_METRIC_COUNT + m];
    if (collector)
        hms_collector_inputs(collector, c->id, inputs);
    bool judged = zhashx_lookup(self->judged, c->id) != NULL;
    bool changed = judged && c->since_ms > self->last_run_ms;
    inputs[HMS_RULE_DOWN] = c->status != HMS_STATUS_ACTIVE || changed;
    inputs[HMS_RULE_BACKOFF] = c->status == HMS_STATUS_BACKOFF;
}

void hms_alerts_run(hms_alerts_t *self, hms_table_t *table, hms_collector_t *collector,
                    uint64_t now_ms)
{
    size_t size = hms_table_size(table);
    hms_container_t *content = calloc(size ? size : 1, sizeof *content);
    zhashx_t *judged = zhashx_new();
    if (!content || !judged) {
        free(content);
        zhashx_destroy(&judged);
        return;
    }
    size_t count = hms_table_content(table, content, size);
    for (size_t i = 0; i < count; i++) {
        const hms_container_t *c = &content[i];
        if (c->status == HMS_STATUS_IGNORED || c->status == HMS_STATUS_STOPPED)
            continue;
        double inputs[HMS_RULE_INPUTS];
        s_inputs(self, c, collector, now_ms, inputs);
        hms_alerts_judge(self, c->id, c->name, inputs, now_ms);
        zhashx_insert(judged, c->id, (void *)1);
    }
    hms_alerts_sweep(self, now_ms);
    zhashx_destroy(&self->judged);
    self->judged = judged;
    self->last_run_ms = now_ms;
    free(content);
}

#define S_RUN_AT_MS 800

static int s_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)timer_id;
    hms_alerts_t *self = arg;
    uint64_t now = (uint64_t)zclock_time();
    hms_alerts_run(self, self->table, self->collector, now);
    //  The next second's run, at S_RUN_AT_MS past it; a late run is caught up.
    uint64_t next = now - now % 1000 + 1000 + S_RUN_AT_MS;
    if (now % 1000 < S_RUN_AT_MS / 2)
        next -= 1000;
    self->timer = zloop_timer(loop, (size_t)(next - now), 1, s_timer, self);
    return 0;
}

int hms_alerts_start(hms_alerts_t *self, zloop_t *loop, hms_table_t *table,
                     hms_collector_t *collector)
{
    self->loop = loop;
    self->table = table;
    self->collector = collector;
    uint64_t now = (uint64_t)zclock_time();
    uint64_t next = now - now % 1000 + S_RUN_AT_MS;
    if (next <= now)
        next += 1000;
    self->timer = zloop_timer(loop, (size_t)(next - now), 1, s_timer, self);
    return self->timer >= 0 ? 0 : -1;
}
