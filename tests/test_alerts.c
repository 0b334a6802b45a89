/*  test_alerts: alert rules (hms_rule: the JSON form, its errors, the
    built-in rules) and their evaluation in the manager (hms_alerts):
    pending for for_s then firing, hysteresis, a pending alert that ends,
    limits, resends, containers that go, rules replaced. In the
    controller: the alerts a follower keeps (hms_alert_cache, hms_monitor)
    and their Alertmanager forms (hms_alertmanager).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_alert_cache.h"
#include "hms_alertmanager.h"
#include "hms_alerts.h"
#include "hms_monitor.h"

#include <math.h>
#include <string.h>

#define ID "aaaa0000bbbb1111cccc2222dddd3333eeee4444ffff5555aaaa6666bbbb7777"
#define T0 1796000000000ull //  a whole second, in ms

//  What the evaluator emitted.
static hms_alert_t s_seen[64];
static size_t s_count;

static void s_emit(const hms_alert_t *alert, void *arg)
{
    (void)arg;
    assert_true(s_count < 64);
    s_seen[s_count++] = *alert;
}

static int s_parse(const char *text, hms_rule_t *rules, char *why)
{
    json_error_t error;
    json_t *json = json_loads(text, 0, &error);
    assert_non_null(json);
    int count = hms_rules_parse(json, rules, why, 256);
    json_decref(json);
    return count;
}

static void test_parse(void **state)
{
    (void)state;
    hms_rule_t rules[HMS_RULES_MAX];
    char why[256];
    int count = s_parse("{\"rules\": [{\"name\": \"memory_high\", \"metric\": \"memory\", "
                        "\"of_limit\": true, \"threshold\": 90, \"clear\": 80, \"for_s\": 10, "
                        "\"severity\": \"critical\", \"summary\": \"near its limit\", "
                        "\"response\": \"pause\"},"
                        "{\"name\": \"quiet\", \"metric\": \"net_rx\", \"op\": \"<\", "
                        "\"threshold\": 1}]}",
                        rules, why);
    assert_int_equal(count, 2);
    assert_string_equal(rules[0].name, "memory_high");
    assert_int_equal(rules[0].input, HMS_METRIC_MEMORY);
    assert_true(rules[0].of_limit && rules[0].above);
    assert_true(rules[0].threshold == 90 && rules[0].clear == 80);
    assert_int_equal(rules[0].for_s, 10);
    assert_int_equal(rules[0].severity, HMS_SEVERITY_CRITICAL);
    assert_int_equal(rules[0].response, HMS_RESPONSE_PAUSE);
    //  Defaults: clear = threshold, for 0 s, warning, no response.
    assert_false(rules[1].above);
    assert_true(rules[1].clear == 1);
    assert_int_equal(rules[1].for_s, 0);
    assert_int_equal(rules[1].severity, HMS_SEVERITY_WARNING);
    assert_int_equal(rules[1].response, HMS_RESPONSE_NONE);

    //  Back from JSON, the same rules.
    json_t *json = hms_rules_json(rules, 2);
    hms_rule_t again[HMS_RULES_MAX];
    assert_int_equal(hms_rules_parse(json, again, why, sizeof why), 2);
    json_decref(json);
    assert_memory_equal(&rules[0], &again[0], sizeof rules[0]);

    //  Each mistake is named, and nothing is taken.
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"[]", "rules: an object"},
        {"{\"rules\": [], \"more\": 1}", "rules: an object"},
        {"{\"rules\": [{\"metric\": \"cpu\", \"threshold\": 1}]}", "rule 0: name"},
        {"{\"rules\": [{\"name\": \"a b\", \"metric\": \"cpu\", \"threshold\": 1}]}",
         "rule 0: name"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"disk\", \"threshold\": 1}]}",
         "rule 0: metric"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\"}]}", "rule 0: threshold"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": \"1\"}]}",
         "rule 0: threshold"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"op\": \">=\"}]}",
         "rule 0: op"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"clear\": 2}]}",
         "rule 0: clear"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"for_s\": -1}]}",
         "rule 0: for_s"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, "
         "\"for_s\": 3601}]}",
         "rule 0: for_s"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"of_limit\": "
         "true}]}",
         "rule 0: of_limit"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"severity\": "
         "\"page\"}]}",
         "rule 0: severity"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"response\": "
         "\"kill\"}]}",
         "rule 0: response"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1, \"when\": 1}]}",
         "rule 0: unknown key 'when'"},
        {"{\"rules\": [{\"name\": \"a\", \"metric\": \"cpu\", \"threshold\": 1},"
         "{\"name\": \"a\", \"metric\": \"pids\", \"threshold\": 1}]}",
         "rule 1: name 'a' is taken"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_int_equal(s_parse(bad[i].text, rules, why), -1);
        if (strncmp(why, bad[i].why, strlen(bad[i].why)) != 0)
            fail_msg("%s: '%s', not '%s...'", bad[i].text, why, bad[i].why);
    }
}

//  get_rules and set_rules carry rules with every field: back from the
//  wire, the same rules; a wire rule is judged as a rules file's is.
static void test_wire(void **state)
{
    (void)state;
    hms_rule_t rules[HMS_RULES_MAX], again[HMS_RULES_MAX];
    size_t count = hms_rules_builtin(rules);
    hms_rule_wire_t wire[HMS_RULES_MAX];
    hms_rules_to_wire(rules, count, wire);
    assert_string_equal(wire[0].metric, hms_rule_input_name(rules[0].input));
    char why[300];
    assert_int_equal(hms_rules_from_wire(wire, count, again, why, sizeof why), (int)count);
    for (size_t i = 0; i < count; i++)
        assert_memory_equal(&rules[i], &again[i], sizeof rules[i]);
    //  Through the codec too.
    hms_msg_t msg, decoded;
    hms_msg_init(&msg, HMS_MSG_SET_RULES);
    msg.corr_id = 9;
    msg.rules = (hms_rules_msg_t){wire, count};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(&msg, &buffer), 0);
    assert_int_equal(hms_msg_decode(&decoded, buffer.data, buffer.size), 0);
    msgpack_sbuffer_destroy(&buffer);
    assert_int_equal(decoded.rules.count, count);
    assert_int_equal(hms_rules_from_wire(decoded.rules.rules, count, again, why, sizeof why),
                     (int)count);
    hms_msg_reset(&decoded);
    assert_memory_equal(&rules[0], &again[0], sizeof rules[0]);

    //  What the codec lets through and the rules refuse.
    static const struct {
        const char *metric, *op;
        double threshold, clear;
        const char *why;
    } bad[] = {
        {"disk", ">", 1, 1, "rule 0: metric"},
        {"cpu", "=", 1, 1, "rule 0: op"},
        {"cpu", ">", 1, 2, "rule 0: clear"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hms_rule_wire_t one = wire[0];
        snprintf(one.metric, sizeof one.metric, "%s", bad[i].metric);
        snprintf(one.op, sizeof one.op, "%s", bad[i].op);
        one.of_limit = false;
        one.threshold = bad[i].threshold;
        one.clear = bad[i].clear;
        why[0] = '\0';
        assert_int_equal(hms_rules_from_wire(&one, 1, again, why, sizeof why), -1);
        if (strncmp(why, bad[i].why, strlen(bad[i].why)) != 0)
            fail_msg("'%s', not '%s...'", why, bad[i].why);
    }
    hms_rule_wire_t none = wire[0];
    none.severity = 0;
    assert_int_equal(hms_rules_from_wire(&none, 1, again, why, sizeof why), -1);
    assert_non_null(strstr(why, "severity"));
    //  Duplicate names across the set.
    hms_rule_wire_t twice[2] = {wire[0], wire[0]};
    assert_int_equal(hms_rules_from_wire(twice, 2, again, why, sizeof why), -1);
    assert_non_null(strstr(why, "is taken"));
}

static void test_builtin(void **state)
{
    (void)state;
    hms_rule_t rules[HMS_RULES_MAX];
    size_t count = hms_rules_builtin(rules);
    assert_int_equal(count, 15);
    const char *names[] = {"container_exited",
                           "container_crash_loop",
                           "container_oom_killed",
                           "dos_cpu_burn",
                           "dos_fork_bomb",
                           "dos_memory_bomb",
                           "dos_network_flood",
                           "dos_network_flood_out",
                           "escape_host_namespace",
                           "escape_capabilities",
                           "escape_release_agent",
                           "exec_privileged",
                           "exec_root",
                           "forecast_memory_exhaustion",
                           "forecast_pids_exhaustion"};
    for (size_t i = 0; i < count; i++)
        assert_string_equal(rules[i].name, names[i]);
    assert_int_equal(rules[0].input, HMS_RULE_DOWN);
    assert_int_equal(rules[1].input, HMS_RULE_BACKOFF);
    assert_int_equal(rules[2].input, HMS_METRIC_OOM_KILLS);
    assert_int_equal(rules[3].input, HMS_METRIC_CPU_THROTTLED);
    assert_true(rules[4].of_limit && rules[4].input == HMS_METRIC_PIDS);
    assert_true(rules[5].of_limit && rules[5].input == HMS_METRIC_MEMORY && rules[5].for_s == 5);
    assert_true(rules[6].input == HMS_METRIC_NET_RX_PACKETS && rules[6].baseline == 10);
    assert_true(rules[7].input == HMS_METRIC_NET_TX_PACKETS && rules[7].baseline == 10);
    for (size_t i = 8; i <= 11; i++)
        assert_int_equal(rules[i].severity, HMS_SEVERITY_CRITICAL);
    assert_int_equal(rules[8].input, HMS_RULE_HOST_NS);
    assert_int_equal(rules[13].input, HMS_RULE_MEMORY_ETA);
    assert_true(!rules[13].above && rules[13].threshold == 900 && rules[13].for_s == 60);
    //  Their JSON is a valid rules file.
    json_t *json = hms_rules_json(rules, count);
    hms_rule_t again[HMS_RULES_MAX];
    char why[256];
    assert_int_equal(hms_rules_parse(json, again, why, sizeof why), (int)count);
    json_decref(json);
    for (size_t i = 0; i < count; i++)
        assert_true(again[i].baseline == rules[i].baseline && again[i].above == rules[i].above);
}

//  Inputs with every series unknown but memory and its limit.
static void s_inputs(double *inputs, double memory, double limit)
{
    for (int i = 0; i < HMS_RULE_INPUTS; i++)
        inputs[i] = NAN;
    inputs[HMS_METRIC_MEMORY] = memory;
    inputs[HMS_METRIC_MEMORY_LIMIT] = limit;
    inputs[HMS_RULE_DOWN] = 0;
    inputs[HMS_RULE_BACKOFF] = 0;
}

//  memory above 90 % of the limit for 3 s, cleared under 80 %.
static hms_alerts_t *s_memory_rule(void)
{
    hms_rule_t rules[HMS_RULES_MAX];
    char why[256];
    assert_int_equal(s_parse("{\"rules\": [{\"name\": \"memory_high\", \"metric\": \"memory\", "
                             "\"of_limit\": true, \"threshold\": 90, \"clear\": 80, "
                             "\"for_s\": 3}]}",
                             rules, why),
                     1);
    s_count = 0;
    hms_alerts_t *alerts = hms_alerts_new("10.0.0.1", rules, 1, s_emit, NULL);
    assert_non_null(alerts);
    return alerts;
}

//  One second: the container judged at 'memory' MB of a 100 MB limit.
static void s_second(hms_alerts_t *alerts, int second, double memory)
{
    double inputs[HMS_RULE_INPUTS];
    s_inputs(inputs, memory, 100);
    hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second * 1000);
    hms_alerts_sweep(alerts, T0 + (uint64_t)second * 1000);
}

static void test_pending_firing_resolved(void **state)
{
    (void)state;
    hms_alerts_t *alerts = s_memory_rule();
    s_second(alerts, 0, 50);
    assert_int_equal(s_count, 0);
    s_second(alerts, 1, 95); //  pending from second 1
    assert_int_equal(s_count, 1);
    assert_int_equal(s_seen[0].state, HMS_ALERT_PENDING);
    assert_int_equal(s_seen[0].since_ms, T0 + 1000);
    s_second(alerts, 2, 96);
    s_second(alerts, 3, 97);
    assert_int_equal(s_count, 1);
    s_second(alerts, 4, 97); //  held 3 s: firing
    assert_int_equal(s_count, 2);
    const hms_alert_t *firing = &s_seen[1];
    assert_int_equal(firing->state, HMS_ALERT_FIRING);
    assert_string_equal(firing->rule, "memory_high");
    assert_string_equal(firing->address, "10.0.0.1");
    assert_string_equal(firing->container, ID);
    assert_string_equal(firing->name, "web");
    assert_string_equal(firing->metric, "memory");
    assert_true(firing->value == 97 && firing->threshold == 90);
    assert_int_equal(firing->since_ms, T0 + 1000);
    assert_int_equal(firing->seq, 2);
    assert_int_equal(hms_alerts_active(alerts), 1);
    //  Between the thresholds: still firing (hysteresis).
    s_second(alerts, 5, 85);
    s_second(alerts, 6, 91);
    s_second(alerts, 7, 81);
    assert_int_equal(s_count, 2);
    s_second(alerts, 8, 79);
    assert_int_equal(s_count, 3);
    assert_int_equal(s_seen[2].state, HMS_ALERT_RESOLVED);
    assert_int_equal(s_seen[2].ts_ms, T0 + 8000);
    assert_int_equal(hms_alerts_active(alerts), 0);
    hms_alerts_destroy(&alerts);
    assert_null(alerts);
}

static void test_pending_ends(void **state)
{
    (void)state;
    hms_alerts_t *alerts = s_memory_rule();
    s_second(alerts, 0, 95);
    s_second(alerts, 1, 95);
    s_second(alerts, 2, 85); //  under 90 before 3 s: never fired
    assert_int_equal(s_count, 2);
    assert_int_equal(s_seen[0].state, HMS_ALERT_PENDING);
    assert_int_equal(s_seen[1].state, HMS_ALERT_INACTIVE);
    //  A second without a value keeps the state; a limit of 0 is no limit.
    s_second(alerts, 3, 95);
    double inputs[HMS_RULE_INPUTS];
    s_inputs(inputs, NAN, 100);
    hms_alerts_judge(alerts, ID, "web", inputs, T0 + 4000);
    hms_alerts_sweep(alerts, T0 + 4000);
    s_inputs(inputs, 95, 0);
    hms_alerts_judge(alerts, ID, "web", inputs, T0 + 5000);
    hms_alerts_sweep(alerts, T0 + 5000);
    assert_int_equal(s_count, 3);
    s_second(alerts, 6, 95); //  held since second 3
    assert_int_equal(s_count, 4);
    assert_int_equal(s_seen[3].state, HMS_ALERT_FIRING);
    assert_int_equal(s_seen[3].since_ms, T0 + 3000);
    hms_alerts_destroy(&alerts);
}

static void test_resend_and_gone(void **state)
{
    (void)state;
    hms_alerts_t *alerts = s_memory_rule();
    for (int second = 0; second <= 4 + HMS_ALERT_RESEND_S; second++)
        s_second(alerts, second, 99);
    //  pending, firing at 3, once more HMS_ALERT_RESEND_S later.
    assert_int_equal(s_count, 3);
    assert_int_equal(s_seen[2].state, HMS_ALERT_FIRING);
    assert_int_equal(s_seen[2].ts_ms, T0 + (3 + HMS_ALERT_RESEND_S) * 1000);
    assert_true(s_seen[2].seq > s_seen[1].seq);
    //  The container is not judged any more (gone, ignored): resolved.
    hms_alerts_sweep(alerts, T0 + 100000);
    assert_int_equal(s_count, 4);
    assert_int_equal(s_seen[3].state, HMS_ALERT_RESOLVED);
    assert_int_equal(hms_alerts_active(alerts), 0);
    hms_alerts_destroy(&alerts);
}

//  A baseline rule: packets received past 1,000 and 10 times the usual.
static void test_baseline(void **state)
{
    (void)state;
    hms_rule_t rules[HMS_RULES_MAX];
    char why[256];
    assert_int_equal(s_parse("{\"rules\": [{\"name\": \"flood\", \"metric\": "
                             "\"net_rx_packets\", \"threshold\": 1000, \"clear\": 500, "
                             "\"baseline\": 10, \"for_s\": 2}]}",
                             rules, why),
                     1);
    s_count = 0;
    hms_alerts_t *alerts = hms_alerts_new("10.0.0.1", rules, 1, s_emit, NULL);
    double inputs[HMS_RULE_INPUTS];
    int second = 0;
    //  A busy container: 400 packets/s as usual, for a minute.
    for (; second < 60; second++) {
        s_inputs(inputs, 0, 0);
        inputs[HMS_METRIC_NET_RX_PACKETS] = 400 + (second % 3) * 50;
        hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second * 1000);
    }
    //  3,000/s passes the floor but not 10 times its usual (4,500): nothing.
    for (int i = 0; i < 5; i++, second++) {
        inputs[HMS_METRIC_NET_RX_PACKETS] = 3000;
        hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second * 1000);
    }
    assert_int_equal(s_count, 0);
    //  Back to usual, then 50,000/s: pending, then firing after 2 s.
    for (int i = 0; i < 30; i++, second++) {
        inputs[HMS_METRIC_NET_RX_PACKETS] = 420;
        hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second * 1000);
    }
    for (int i = 0; i < 3; i++, second++) {
        inputs[HMS_METRIC_NET_RX_PACKETS] = 50000;
        hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second * 1000);
    }
    assert_int_equal(s_count, 2);
    assert_int_equal(s_seen[1].state, HMS_ALERT_FIRING);
    //  The flood did not raise the usual: 4,000/s still holds it (above
    //  the clear line, 10 x usual x 500/1000: about 2,900), 450/s resolves it.
    inputs[HMS_METRIC_NET_RX_PACKETS] = 4000;
    hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second++ * 1000);
    assert_int_equal(s_count, 2);
    inputs[HMS_METRIC_NET_RX_PACKETS] = 450;
    hms_alerts_judge(alerts, ID, "web", inputs, T0 + (uint64_t)second++ * 1000);
    assert_int_equal(s_count, 3);
    assert_int_equal(s_seen[2].state, HMS_ALERT_RESOLVED);
    //  A quiet container has the floor alone: 1,200/s fires.
    s_count = 0;
    for (int i = 0; i < 3; i++, second++) {
        inputs[HMS_METRIC_NET_RX_PACKETS] = i ? 1200 : 0;
        hms_alerts_judge(alerts, "quiet", "db", inputs, T0 + (uint64_t)second * 1000);
    }
    assert_int_equal(s_count, 1);
    assert_int_equal(s_seen[0].state, HMS_ALERT_PENDING);
    hms_alerts_destroy(&alerts);
    //  A baseline is a factor of an op ">" rule.
    assert_int_equal(s_parse("{\"rules\": [{\"name\": \"f\", \"metric\": \"net_rx\", "
                             "\"threshold\": 1, \"baseline\": 0.5}]}",
                             rules, why),
                     -1);
    assert_non_null(strstr(why, "baseline"));
    assert_int_equal(s_parse("{\"rules\": [{\"name\": \"f\", \"metric\": \"net_rx\", "
                             "\"op\": \"<\", \"threshold\": 1, \"baseline\": 2}]}",
                             rules, why),
                     -1);
}

static void test_states_and_rules_replaced(void **state)
{
    (void)state;
    hms_rule_t rules[HMS_RULES_MAX];
    size_t count = hms_rules_builtin(rules);
    s_count = 0;
    hms_alerts_t *alerts = hms_alerts_new("h", rules, count, s_emit, NULL);
    double inputs[HMS_RULE_INPUTS];
    s_inputs(inputs, 10, 100);
    inputs[HMS_RULE_BACKOFF] = 1;
    inputs[HMS_METRIC_OOM_KILLS] = 0;
    hms_alerts_judge(alerts, ID, "web", inputs, T0);
    hms_alerts_sweep(alerts, T0);
    assert_int_equal(s_count, 1); //  crash loop: firing at once
    assert_string_equal(s_seen[0].rule, "container_crash_loop");
    assert_int_equal(s_seen[0].state, HMS_ALERT_FIRING);
    assert_int_equal(s_seen[0].severity, HMS_SEVERITY_CRITICAL);

    //  The same rules again: nothing happens. Without the crash loop rule:
    //  its alert is resolved.
    assert_int_equal(hms_alerts_set_rules(alerts, rules, count, T0 + 500), 0);
    assert_int_equal(s_count, 1);
    hms_rule_t fewer[2] = {rules[0], rules[2]};
    assert_int_equal(hms_alerts_set_rules(alerts, fewer, 2, T0 + 600), 0);
    assert_int_equal(s_count, 2);
    assert_int_equal(s_seen[1].state, HMS_ALERT_RESOLVED);
    assert_string_equal(s_seen[1].rule, "container_crash_loop");
    size_t now;
    hms_alerts_rules(alerts, &now);
    assert_int_equal(now, 2);
    hms_alerts_judge(alerts, ID, "web", inputs, T0 + 1000);
    hms_alerts_sweep(alerts, T0 + 1000);
    assert_int_equal(s_count, 2);
    assert_int_equal(hms_alerts_set_rules(alerts, rules, HMS_RULES_MAX + 1, T0), -1);
    hms_alerts_destroy(&alerts);
}

static hms_alert_t s_alert(hms_alert_state_t state, uint64_t since_ms, uint64_t ts_ms)
{
    hms_alert_t alert = {.seq = 1,
                         .state = state,
                         .severity = HMS_SEVERITY_WARNING,
                         .value = 93.5,
                         .threshold = 90,
                         .since_ms = since_ms,
                         .ts_ms = ts_ms};
    strcpy(alert.address, "10.0.0.1:7601");
    strcpy(alert.rule, "memory_high");
    strcpy(alert.container, ID);
    strcpy(alert.name, "web");
    strcpy(alert.metric, "memory");
    strcpy(alert.summary, "near its limit");
    return alert;
}

static void test_alert_cache(void **state)
{
    (void)state;
    hms_alert_cache_t *cache = hms_alert_cache_new();
    hms_alert_block_t *block = NULL;
    hms_alert_t pending = s_alert(HMS_ALERT_PENDING, T0, T0);
    assert_true(hms_alert_cache_apply(cache, &pending, &block));
    assert_int_equal(block->count, 1);
    hms_alert_block_release(&block);
    hms_alert_t firing = s_alert(HMS_ALERT_FIRING, T0, T0 + 2000);
    assert_true(hms_alert_cache_apply(cache, &firing, &block));
    assert_int_equal(block->alerts[0].state, HMS_ALERT_FIRING);
    hms_alert_block_release(&block);
    //  Sent again a minute later: no change for the view.
    firing.ts_ms += 60000;
    assert_false(hms_alert_cache_apply(cache, &firing, &block));
    //  The host goes offline: host_offline joins, container-less.
    hms_alert_t offline;
    hms_alert_cache_host("10.0.0.1:7601", false, T0 + 5000, T0 + 5000, &offline);
    assert_string_equal(offline.rule, HMS_RULE_HOST_OFFLINE);
    assert_int_equal(offline.state, HMS_ALERT_FIRING);
    assert_true(hms_alert_cache_apply(cache, &offline, &block));
    assert_int_equal(block->count, 2);
    assert_string_equal(block->alerts[0].rule, "memory_high"); //  by since_ms
    hms_alert_block_release(&block);
    //  Another manager process: its alerts resolve, host_offline stays.
    s_count = 0;
    assert_true(hms_alert_cache_resolve_all(
        cache, T0 + 9000, (void (*)(const hms_alert_t *, void *))s_emit, NULL, &block));
    assert_int_equal(s_count, 1);
    assert_int_equal(s_seen[0].state, HMS_ALERT_RESOLVED);
    assert_int_equal(s_seen[0].ts_ms, T0 + 9000);
    assert_int_equal(block->count, 1);
    assert_string_equal(block->alerts[0].rule, HMS_RULE_HOST_OFFLINE);
    hms_alert_block_release(&block);
    //  Resolved alerts unknown to the cache change nothing.
    hms_alert_t resolved = s_alert(HMS_ALERT_RESOLVED, T0, T0 + 9000);
    assert_false(hms_alert_cache_apply(cache, &resolved, &block));
    assert_int_equal(hms_alert_cache_size(cache), 1);
    hms_alert_cache_destroy(&cache);
}

//  What a follower keeps: the view's block changes with the alerts' set,
//  not with a firing alert sent again.
static void test_monitor(void **state)
{
    (void)state;
    hms_monitor_t *monitor = hms_monitor_new();
    assert_null(hms_monitor_alert_block(monitor));
    hms_alert_t pending = s_alert(HMS_ALERT_PENDING, T0, T0);
    assert_true(hms_monitor_alert(monitor, &pending));
    assert_int_equal(hms_monitor_alert_block(monitor)->count, 1);
    hms_alert_t firing = s_alert(HMS_ALERT_FIRING, T0, T0 + 2000);
    assert_true(hms_monitor_alert(monitor, &firing));
    assert_int_equal(hms_monitor_alert_block(monitor)->alerts[0].state, HMS_ALERT_FIRING);
    firing.ts_ms += 60000;
    assert_false(hms_monitor_alert(monitor, &firing));
    //  Another manager process: resolved through fn, the block emptied.
    s_count = 0;
    hms_monitor_restart(monitor, T0 + 90000, (void (*)(const hms_alert_t *, void *))s_emit, NULL);
    assert_int_equal(s_count, 1);
    assert_int_equal(s_seen[0].state, HMS_ALERT_RESOLVED);
    assert_int_equal(hms_monitor_alert_block(monitor)->count, 0);
    hms_monitor_destroy(&monitor);
    assert_null(monitor);
}

static void test_alertmanager_bodies(void **state)
{
    (void)state;
    char text[32];
    hms_am_time(1796000000123ull, text);
    assert_string_equal(text, "2026-11-30T00:53:20.123Z");
    hms_alert_t firing = s_alert(HMS_ALERT_FIRING, T0, T0 + 2000);
    json_t *am = hms_am_alert(&firing, "http://controller:8080/");
    json_t *labels = json_object_get(am, "labels");
    assert_string_equal(json_string_value(json_object_get(labels, "alertname")), "memory_high");
    assert_string_equal(json_string_value(json_object_get(labels, "severity")), "warning");
    assert_string_equal(json_string_value(json_object_get(labels, "host")), "10.0.0.1:7601");
    assert_string_equal(json_string_value(json_object_get(labels, "container")), "web");
    assert_string_equal(json_string_value(json_object_get(labels, "id")), ID);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(am, "annotations"), "value")), "93.5");
    hms_am_time(T0, text);
    assert_string_equal(json_string_value(json_object_get(am, "startsAt")), text);
    hms_am_time(T0 + 2000 + HMS_AM_VALID_MS, text);
    assert_string_equal(json_string_value(json_object_get(am, "endsAt")), text);
    json_decref(am);

    json_t *hook = hms_am_webhook(&firing, "hms", "http://controller:8080/");
    assert_string_equal(json_string_value(json_object_get(hook, "version")), "4");
    assert_string_equal(json_string_value(json_object_get(hook, "status")), "firing");
    assert_string_equal(json_string_value(json_object_get(hook, "groupKey")),
                        "{}:{alertname=\"memory_high\"}");
    json_t *one = json_array_get(json_object_get(hook, "alerts"), 0);
    assert_string_equal(json_string_value(json_object_get(one, "endsAt")), "0001-01-01T00:00:00Z");
    char fingerprint[17];
    snprintf(fingerprint, sizeof fingerprint, "%s",
             json_string_value(json_object_get(one, "fingerprint")));
    assert_int_equal(strlen(fingerprint), 16);
    json_decref(hook);
    //  Resolved: the same fingerprint, an end.
    hms_alert_t resolved = s_alert(HMS_ALERT_RESOLVED, T0, T0 + 9000);
    hook = hms_am_webhook(&resolved, "hms", "");
    one = json_array_get(json_object_get(hook, "alerts"), 0);
    assert_string_equal(json_string_value(json_object_get(hook, "status")), "resolved");
    assert_string_equal(json_string_value(json_object_get(one, "fingerprint")), fingerprint);
    hms_am_time(T0 + 9000, text);
    assert_string_equal(json_string_value(json_object_get(one, "endsAt")), text);
    json_decref(hook);
    //  A host's alert has no container labels.
    hms_alert_t offline;
    hms_alert_cache_host("h", false, T0, T0, &offline);
    am = hms_am_alert(&offline, "");
    assert_null(json_object_get(json_object_get(am, "labels"), "container"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(am, "annotations"), "value")), "");
    json_decref(am);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_pending_firing_resolved),
        cmocka_unit_test(test_pending_ends),
        cmocka_unit_test(test_resend_and_gone),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_states_and_rules_replaced),
        cmocka_unit_test(test_alert_cache),
        cmocka_unit_test(test_monitor),
        cmocka_unit_test(test_alertmanager_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
