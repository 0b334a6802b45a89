/*  hms_rule: alert rules. */

#include "hms_rule.h"
#include "hms_msg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

//  After the catalog's series, in hms_rule_input_t's order.
static const char *s_inputs[] = {
    "down",      "backoff",    "host_ns",         "extra_caps", "release_agent", "exec_privileged",
    "exec_root", "memory_eta", "memory_eta_holt", "pids_eta",   "pids_eta_holt"};
_Static_assert(sizeof s_inputs / sizeof *s_inputs == HMS_RULE_INPUTS - HMS_METRIC_COUNT,
               "a name per input");

const char *hms_rule_input_name(int input)
{
    if (input >= 0 && input < HMS_METRIC_COUNT)
        return hms_metric_name((hms_metric_t)input);
    if (input >= HMS_METRIC_COUNT && input < HMS_RULE_INPUTS)
        return s_inputs[input - HMS_METRIC_COUNT];
    return "";
}

int hms_rule_input_from_name(const char *name)
{
    for (int input = 0; input < HMS_RULE_INPUTS; input++)
        if (strcmp(name, hms_rule_input_name(input)) == 0)
            return input;
    return -1;
}

int hms_severity_from_name(const char *name)
{
    for (int i = HMS_SEVERITY_INFO; i <= HMS_SEVERITY_CRITICAL; i++)
        if (strcmp(name, hms_severity_name((hms_severity_t)i)) == 0)
            return i;
    return -1;
}

static const char *s_responses[] = {"none", "pause", "stop", "restart"};

const char *hms_response_name(hms_response_t response)
{
    return (unsigned)response < sizeof s_responses / sizeof *s_responses ? s_responses[response]
                                                                         : "";
}

int hms_response_from_name(const char *name)
{
    for (int i = 0; i < (int)(sizeof s_responses / sizeof *s_responses); i++)
        if (strcmp(name, s_responses[i]) == 0)
            return i;
    return -1;
}

//  A built-in rule: past threshold (above it, or below when below) for
//  for_s seconds, cleared back past clear.
typedef struct {
    const char *name;
    int input;
    bool of_limit;
    double threshold, clear;
    uint32_t for_s;
    hms_severity_t severity;
    const char *summary;
    bool below;
    double baseline;
} s_builtin_t;

static const s_builtin_t s_builtins[] = {
    {"container_exited", HMS_RULE_DOWN, false, 0, 0, 0, HMS_SEVERITY_WARNING,
     "a watched container stopped or was restarted", false, 0},
    {"container_crash_loop", HMS_RULE_BACKOFF, false, 0, 0, 0, HMS_SEVERITY_CRITICAL,
     "a container keeps failing after restarts: heals wait", false, 0},
    {"container_oom_killed", HMS_METRIC_OOM_KILLS, false, 0, 0, 0, HMS_SEVERITY_WARNING,
     "the OOM killer killed a process of the container", false, 0},
    //  Denial of service from inside a container (docs/SECURITY-MONITORING.md).
    {"dos_cpu_burn", HMS_METRIC_CPU_THROTTLED, false, 0.5, 0.1, 10, HMS_SEVERITY_CRITICAL,
     "CPU burn: the container spends its whole CPU quota (throttled in most periods)", false, 0},
    {"dos_fork_bomb", HMS_METRIC_PIDS, true, 90, 50, 0, HMS_SEVERITY_CRITICAL,
     "fork bomb: the container's tasks near its pids limit", false, 0},
    {"dos_memory_bomb", HMS_METRIC_MEMORY, true, 95, 80, 5, HMS_SEVERITY_CRITICAL,
     "memory bomb: the container's memory near its limit", false, 0},
    {"dos_network_flood", HMS_METRIC_NET_RX_PACKETS, false, 5000, 2000, 3, HMS_SEVERITY_CRITICAL,
     "network flood: packets received far above this container's usual", false, 10},
    {"dos_network_flood_out", HMS_METRIC_NET_TX_PACKETS, false, 5000, 2000, 3,
     HMS_SEVERITY_CRITICAL, "network flood: packets sent far above this container's usual", false,
     10},
    //  Escape attempts seen at run time (manager/hms_runtime.h).
    {"escape_host_namespace", HMS_RULE_HOST_NS, false, 0, 0, 0, HMS_SEVERITY_CRITICAL,
     "escape: a process of the container entered a namespace of the host", false, 0},
    {"escape_capabilities", HMS_RULE_EXTRA_CAPS, false, 0, 0, 0, HMS_SEVERITY_CRITICAL,
     "escape: a process holds capabilities the container was not given", false, 0},
    {"escape_release_agent", HMS_RULE_RELEASE_AGENT, false, 0, 0, 0, HMS_SEVERITY_CRITICAL,
     "escape: a cgroup release_agent set from the container, or the host's changed", false, 0},
    {"exec_privileged", HMS_RULE_EXEC_PRIVILEGED, false, 0, 0, 0, HMS_SEVERITY_CRITICAL,
     "a privileged exec into the container", false, 0},
    {"exec_root", HMS_RULE_EXEC_ROOT, false, 0, 0, 0, HMS_SEVERITY_WARNING,
     "an exec as root into a container that runs as a user", false, 0},
    //  Early warning (manager/hms_forecast.h): 15 minutes left for a minute.
    {"forecast_memory_exhaustion", HMS_RULE_MEMORY_ETA, false, 900, 1200, 60, HMS_SEVERITY_WARNING,
     "memory will reach its limit within 15 minutes at this rate", true, 0},
    {"forecast_pids_exhaustion", HMS_RULE_PIDS_ETA, false, 900, 1200, 60, HMS_SEVERITY_WARNING,
     "tasks will reach pids.max within 15 minutes at this rate", true, 0},
};

size_t hms_rules_builtin(hms_rule_t *rules)
{
    size_t count = sizeof s_builtins / sizeof *s_builtins;
    for (size_t i = 0; i < count; i++) {
        const s_builtin_t *b = &s_builtins[i];
        rules[i] = (hms_rule_t){.input = b->input,
                                .above = !b->below,
                                .of_limit = b->of_limit,
                                .threshold = b->threshold,
                                .clear = b->clear,
                                .for_s = b->for_s,
                                .baseline = b->baseline,
                                .severity = b->severity};
        snprintf(rules[i].name, sizeof rules[i].name, "%s", b->name);
        snprintf(rules[i].summary, sizeof rules[i].summary, "%s", b->summary);
    }
    return count;
}

static bool s_name_ok(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length > HMS_RULE_NAME_MAX)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", name[i]))
            return false;
    return true;
}

//  Every key of object is a rule's. Returns 0, or -1 with why.
static int s_keys(json_t *object, char *why, size_t size)
{
    static const char *keys[] = {"name",  "metric",   "of_limit", "op",       "threshold", "clear",
                                 "for_s", "severity", "summary",  "baseline", "response",  NULL};
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        int known = 0;
        for (int i = 0; keys[i]; i++)
            known |= strcmp(key, keys[i]) == 0;
        if (!known) {
            snprintf(why, size, "unknown key '%.40s'", key);
            return -1;
        }
    }
    return 0;
}

//  name, metric and of_limit. Returns 0, or -1 with why.
static int s_what(json_t *object, hms_rule_t *rule, char *why, size_t size)
{
    json_t *name = json_object_get(object, "name");
    if (!json_is_string(name) || !s_name_ok(json_string_value(name))) {
        snprintf(why, size, "name: 1 to %d characters of [A-Za-z0-9_.-]", HMS_RULE_NAME_MAX);
        return -1;
    }
    snprintf(rule->name, sizeof rule->name, "%s", json_string_value(name));
    json_t *metric = json_object_get(object, "metric");
    rule->input = json_is_string(metric) ? hms_rule_input_from_name(json_string_value(metric)) : -1;
    if (rule->input < 0) {
        snprintf(why, size,
                 "metric: a series (cpu, memory, pids, net_rx, loss, ...), down, backoff, "
                 "a runtime indicator (host_ns, extra_caps, ...) or a forecast (memory_eta, ...)");
        return -1;
    }
    json_t *of_limit = json_object_get(object, "of_limit");
    if (of_limit && !json_is_boolean(of_limit)) {
        snprintf(why, size, "of_limit: true or false");
        return -1;
    }
    rule->of_limit = json_is_true(of_limit);
    if (rule->of_limit && rule->input != HMS_METRIC_MEMORY &&
        rule->input != HMS_METRIC_MEMORY_USAGE && rule->input != HMS_METRIC_PIDS) {
        snprintf(why, size, "of_limit: only for memory, memory_usage and pids");
        return -1;
    }
    return 0;
}

//  op, threshold, clear and for_s. Returns 0, or -1 with why.
static int s_when(json_t *object, hms_rule_t *rule, char *why, size_t size)
{
    json_t *op = json_object_get(object, "op");
    const char *op_text = op ? json_string_value(op) : ">";
    if (!op_text || (strcmp(op_text, ">") != 0 && strcmp(op_text, "<") != 0)) {
        snprintf(why, size, "op: \">\" or \"<\"");
        return -1;
    }
    rule->above = *op_text == '>';
    json_t *threshold = json_object_get(object, "threshold");
    if (!json_is_number(threshold) || !isfinite(json_number_value(threshold))) {
        snprintf(why, size, "threshold: a number");
        return -1;
    }
    rule->threshold = rule->clear = json_number_value(threshold);
    json_t *clear = json_object_get(object, "clear");
    if (clear) {
        rule->clear = json_is_number(clear) ? json_number_value(clear) : NAN;
        bool side = rule->above ? rule->clear <= rule->threshold : rule->clear >= rule->threshold;
        if (!isfinite(rule->clear) || !side) {
            snprintf(why, size, "clear: a number at or %s the threshold",
                     rule->above ? "below" : "above");
            return -1;
        }
    }
    json_t *for_s = json_object_get(object, "for_s");
    if (for_s && (!json_is_integer(for_s) || json_integer_value(for_s) < 0 ||
                  json_integer_value(for_s) > HMS_RULE_FOR_MAX)) {
        snprintf(why, size, "for_s: whole seconds in [0, %d]", HMS_RULE_FOR_MAX);
        return -1;
    }
    rule->for_s = for_s ? (uint32_t)json_integer_value(for_s) : 0;
    json_t *baseline = json_object_get(object, "baseline");
    rule->baseline = json_is_number(baseline) ? json_number_value(baseline) : baseline ? -1 : 0;
    if (!(rule->baseline == 0 ||
          (rule->baseline >= 1 && rule->baseline <= HMS_RULE_BASELINE_MAX && rule->above))) {
        snprintf(why, size, "baseline: 0, or a factor in [1, %g] of an op \">\" rule",
                 HMS_RULE_BASELINE_MAX);
        return -1;
    }
    return 0;
}

//  severity and summary. Returns 0, or -1 with why.
static int s_how(json_t *object, hms_rule_t *rule, char *why, size_t size)
{
    json_t *severity = json_object_get(object, "severity");
    int level = !severity                  ? HMS_SEVERITY_WARNING
                : json_is_string(severity) ? hms_severity_from_name(json_string_value(severity))
                                           : -1;
    if (level < 0) {
        snprintf(why, size, "severity: info, warning or critical");
        return -1;
    }
    rule->severity = (hms_severity_t)level;
    json_t *summary = json_object_get(object, "summary");
    if (summary &&
        (!json_is_string(summary) || strlen(json_string_value(summary)) > HMS_RULE_SUMMARY_MAX)) {
        snprintf(why, size, "summary: text of at most %d bytes", HMS_RULE_SUMMARY_MAX);
        return -1;
    }
    snprintf(rule->summary, sizeof rule->summary, "%s", summary ? json_string_value(summary) : "");
    json_t *response = json_object_get(object, "response");
    int kind = !response                  ? HMS_RESPONSE_NONE
               : json_is_string(response) ? hms_response_from_name(json_string_value(response))
                                          : -1;
    if (kind < 0) {
        snprintf(why, size, "response: none, pause, stop or restart");
        return -1;
    }
    rule->response = (hms_response_t)kind;
    return 0;
}

//  One rule from its JSON object. Returns 0, or -1 with why.
static int s_parse_one(json_t *object, hms_rule_t *rule, char *why, size_t size)
{
    if (!json_is_object(object)) {
        snprintf(why, size, "a rule is an object");
        return -1;
    }
    *rule = (hms_rule_t){.above = true, .severity = HMS_SEVERITY_WARNING};
    return s_keys(object, why, size) || s_what(object, rule, why, size) ||
                   s_when(object, rule, why, size) || s_how(object, rule, why, size)
               ? -1
               : 0;
}

int hms_rules_parse(json_t *json, hms_rule_t *rules, char *why, size_t size)
{
    json_t *list = json_is_object(json) ? json_object_get(json, "rules") : NULL;
    if (!json_is_array(list) || json_object_size(json) != 1) {
        snprintf(why, size, "rules: an object {\"rules\": [...]}");
        return -1;
    }
    if (json_array_size(list) > HMS_RULES_MAX) {
        snprintf(why, size, "rules: at most %d", HMS_RULES_MAX);
        return -1;
    }
    size_t index;
    json_t *entry;
    json_array_foreach(list, index, entry)
    {
        char reason[256];
        if (s_parse_one(entry, &rules[index], reason, sizeof reason) != 0) {
            snprintf(why, size, "rule %zu: %s", index, reason);
            return -1;
        }
        for (size_t other = 0; other < index; other++)
            if (strcmp(rules[other].name, rules[index].name) == 0) {
                snprintf(why, size, "rule %zu: name '%s' is taken by rule %zu", index,
                         rules[index].name, other);
                return -1;
            }
    }
    return (int)json_array_size(list);
}

int hms_rules_load(const char *path, hms_rule_t *rules, char *why, size_t size)
{
    json_error_t error;
    json_t *json = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!json) {
        if (error.line > 0)
            snprintf(why, size, "%s: line %d: %s", path, error.line, error.text);
        else
            snprintf(why, size, "%s", error.text);
        return -1;
    }
    char reason[300];
    int count = hms_rules_parse(json, rules, reason, sizeof reason);
    json_decref(json);
    if (count < 0)
        snprintf(why, size, "%s: %s", path, reason);
    return count;
}

json_t *hms_rules_json(const hms_rule_t *rules, size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        const hms_rule_t *rule = &rules[i];
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:b, s:s, s:f, s:f, s:i, s:f, s:s, s:s, s:s}", "name", rule->name,
                      "metric", hms_rule_input_name(rule->input), "of_limit", rule->of_limit, "op",
                      rule->above ? ">" : "<", "threshold", rule->threshold, "clear", rule->clear,
                      "for_s", (int)rule->for_s, "baseline", rule->baseline, "severity",
                      hms_severity_name(rule->severity), "summary", rule->summary, "response",
                      hms_response_name(rule->response)));
    }
    return json_pack("{s:o}", "rules", list);
}

void hms_rules_to_wire(const hms_rule_t *rules, size_t count, hms_rule_wire_t *wire)
{
    for (size_t i = 0; i < count; i++) {
        const hms_rule_t *rule = &rules[i];
        hms_rule_wire_t *out = &wire[i];
        *out = (hms_rule_wire_t){.of_limit = rule->of_limit,
                                 .threshold = rule->threshold,
                                 .clear = rule->clear,
                                 .for_s = rule->for_s,
                                 .severity = rule->severity,
                                 .baseline = rule->baseline,
                                 .response = rule->response};
        snprintf(out->name, sizeof out->name, "%s", rule->name);
        snprintf(out->metric, sizeof out->metric, "%s", hms_rule_input_name(rule->input));
        snprintf(out->op, sizeof out->op, "%s", rule->above ? ">" : "<");
        snprintf(out->summary, sizeof out->summary, "%s", rule->summary);
    }
}

int hms_rules_from_wire(const hms_rule_wire_t *wire, size_t count, hms_rule_t *rules, char *why,
                        size_t size)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < count; i++) {
        const hms_rule_wire_t *in = &wire[i];
        json_t *rule = json_pack(
            "{s:s, s:s, s:s, s:b, s:f, s:f, s:I, s:f, s:s, s:s, s:s}", "name", in->name, "metric",
            in->metric, "op", in->op, "of_limit", in->of_limit, "threshold", in->threshold, "clear",
            in->clear, "for_s", (json_int_t)(in->for_s > INT32_MAX ? INT32_MAX : in->for_s),
            "baseline", in->baseline, "severity", hms_severity_name(in->severity), "summary",
            in->summary, "response", hms_response_name(in->response));
        if (!rule || json_array_append_new(list, rule) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *json = list ? json_pack("{s:o}", "rules", list) : NULL;
    if (!json) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    int rc = hms_rules_parse(json, rules, why, size);
    json_decref(json);
    return rc;
}
