/*  hms_rule: alert rules, as the manager evaluates them and the controller
    shows them.

    A rule compares one series of a container (hms_metric_t, or one of the
    container's states: "down", "backoff") with a threshold, each second.
    It fires when the comparison has held for for_s seconds and resolves
    when the value is back past the clear threshold (hysteresis, as
    Netdata's alarms: a value that wavers about the threshold does not
    flap). With of_limit, the value is a percentage of the container's own
    limit (memory and memory_usage: its memory limit; pids: pids.max), and
    a container without that limit is not judged by the rule.

    Rules are JSON (a rules file, docs/ALERTS.md):

        {"rules": [{"name": "memory_high", "metric": "memory", "of_limit": true,
                    "op": ">", "threshold": 90, "clear": 80, "for_s": 10,
                    "severity": "warning", "summary": "memory near its limit"}]}

    Every field but name, metric and threshold has a default: op ">",
    clear = threshold, for_s 0, severity "warning", summary "", baseline 0,
    response "none".
    A rule with a baseline (an op ">" one) fires only when the value is also
    baseline times the container's own usual value: the threshold is then
    a floor (network floods: far above what this container usually sees).
*/
#ifndef HMS_RULE_H_INCLUDED
#define HMS_RULE_H_INCLUDED

#include "hms_metric.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMS_RULE_NAME_MAX    63   //  bytes of a rule's name: [A-Za-z0-9_.-]
#define HMS_RULE_SUMMARY_MAX 200  //  bytes of its summary
#define HMS_RULES_MAX        64   //  rules in one set
#define HMS_RULE_FOR_MAX     3600 //  seconds a condition may have to hold

//  What a rule reads besides the catalog's series (hms_metric_t): the
//  container's state, 1 or 0 each second; the runtime indicators of an
//  escape (manager/hms_runtime.h), counts each second; the forecasts of
//  exhaustion (manager/hms_forecast.h), seconds left, renewed every 10 s.
typedef enum {
    HMS_RULE_DOWN = HMS_METRIC_COUNT, //  not running at some moment of the second
    HMS_RULE_BACKOFF,                 //  restarts keep failing: heals wait (crash loop)
    HMS_RULE_HOST_NS,                 //  processes that entered a host namespace
    HMS_RULE_EXTRA_CAPS,              //  processes with capabilities beyond the container's
    HMS_RULE_RELEASE_AGENT,           //  cgroup v1 release_agents set in it, or the host's changed
    HMS_RULE_EXEC_PRIVILEGED,         //  privileged execs started in the second
    HMS_RULE_EXEC_ROOT,               //  execs as root into a container that runs as a user
    HMS_RULE_MEMORY_ETA,              //  seconds before memory reaches its limit, linear
    HMS_RULE_MEMORY_ETA_HOLT,         //  the same, Holt's damped trend
    HMS_RULE_PIDS_ETA,                //  seconds before the tasks reach pids.max, linear
    HMS_RULE_PIDS_ETA_HOLT,           //  the same, Holt's damped trend
    HMS_RULE_INPUTS                   //  series a rule may read
} hms_rule_input_t;
_Static_assert(HMS_RULE_PIDS_ETA_HOLT - HMS_RULE_MEMORY_ETA == HMS_FORECASTS - 1 &&
                   HMS_RULE_MEMORY_ETA_HOLT - HMS_RULE_MEMORY_ETA == HMS_FORECAST_MEMORY_HOLT,
               "the forecast inputs in hms_forecast_kind_t's order");

//  From 1: the wire's enumerations leave 0 for "none".
typedef enum { HMS_SEVERITY_INFO = 1, HMS_SEVERITY_WARNING, HMS_SEVERITY_CRITICAL } hms_severity_t;

//  What the manager does to a container when a rule starts firing for it
//  (off by default): freeze it (docker pause; an operator unpauses it),
//  stop it and stop watching it (docker stop; on the ignore list, so that
//  HMS does not start it again: `hmsctl add` watches it again), or restart
//  it through the heal path and its backoff (as for Docker's unhealthy).
typedef enum {
    HMS_RESPONSE_NONE = 0,
    HMS_RESPONSE_PAUSE,
    HMS_RESPONSE_STOP,
    HMS_RESPONSE_RESTART
} hms_response_t;

typedef struct {
    char name[HMS_RULE_NAME_MAX + 1];
    int input;        //  hms_metric_t or hms_rule_input_t
    bool above;       //  fires above threshold (op ">"), else below (op "<")
    bool of_limit;    //  the value is a % of the container's limit
    double threshold; //  fires past it
    double clear;     //  resolves back past it (at or before threshold)
    uint32_t for_s;   //  seconds the condition must hold before firing
    double baseline;  //  > 0: the value must also pass baseline x the container's own
                      //  moving mean (HMS_RULE_BASELINE_S); 0: the threshold alone
    hms_severity_t severity;
    char summary[HMS_RULE_SUMMARY_MAX + 1];
    hms_response_t response; //  when it starts firing; none by default
} hms_rule_t;

//  The time constant of a baseline rule's moving mean, and the seconds of
//  values it needs before it counts (until then the threshold alone
//  judges). The mean follows the seconds in which the rule is neither
//  pending nor firing: an attack does not raise its own baseline.
#define HMS_RULE_BASELINE_S      300
#define HMS_RULE_BASELINE_WARMUP 30
#define HMS_RULE_BASELINE_MAX    1e6

//  The rules a manager starts with when no rules file is given
//  (docs/ALERTS.md, docs/SECURITY-MONITORING.md): a watched container that
//  stops, crashes or is restarted (warning, resolved once it runs again:
//  HMS heals it), one that crash-loops (critical: healing does not help),
//  one whose process the OOM killer killed (warning); the denial-of-service
//  rules (critical): a CPU burn (throttled in more than half its periods
//  for 10 s), a fork bomb (tasks past 90 % of pids.max), a memory bomb
//  (memory past 95 % of its limit for 5 s), a network flood in or out
//  (packets per second past 5,000 and 10 times the container's usual, for
//  3 s); the escape indicators (critical: a process in a host namespace,
//  with capabilities beyond the container's, a release_agent set; a
//  privileged exec; warning: an exec as root into a container that runs
//  as a user); the early warnings (warning: memory or tasks at their
//  limit within 15 minutes, by the regression line, for a minute).
//  Fills rules (HMS_RULES_MAX) and returns their count.
size_t hms_rules_builtin(hms_rule_t *rules);

//  Reads {"rules": [...]} into rules (HMS_RULES_MAX). Returns the count, or
//  -1 with why (the rule's index and field): an unknown series or key, a
//  wrong type, a duplicate name, a clear threshold on the wrong side, ...
int hms_rules_parse(json_t *json, hms_rule_t *rules, char *why, size_t size);

//  The same from a file. Returns the count, or -1 with why.
int hms_rules_load(const char *path, hms_rule_t *rules, char *why, size_t size);

//  rules as {"rules": [...]}, every field given (new reference).
json_t *hms_rules_json(const hms_rule_t *rules, size_t count);

//  A rule as get_rules and set_rules carry it (proto §6.3): every field
//  given, the series and the comparison by name.
typedef struct {
    char name[HMS_RULE_NAME_MAX + 1];
    char metric[HMS_RULE_NAME_MAX + 1]; //  hms_rule_input_name
    char op[2];                         //  ">" or "<"
    bool of_limit;
    double threshold;
    double clear;
    uint64_t for_s;
    hms_severity_t severity;
    char summary[HMS_RULE_SUMMARY_MAX + 1];
    double baseline;         //  0: none
    hms_response_t response; //  HMS_RESPONSE_NONE: none
} hms_rule_wire_t;

//  rules as they travel.
void hms_rules_to_wire(const hms_rule_t *rules, size_t count, hms_rule_wire_t *wire);

//  Rules from the wire, checked as a rules file is (hms_rules_parse, the
//  one judge of a rule). Returns the count, or -1 with why.
int hms_rules_from_wire(const hms_rule_wire_t *wire, size_t count, hms_rule_t *rules, char *why,
                        size_t size);

//  The name of an input ("memory", "down", ...) and the input a name
//  names (-1: none).
const char *hms_rule_input_name(int input);
int hms_rule_input_from_name(const char *name);

//  The severity named "info", "warning" or "critical" (-1: none); the
//  names are hms_severity_name's (hms_msg.h).
int hms_severity_from_name(const char *name);

//  "none", "pause", "stop", "restart"; the response named so (-1: none).
const char *hms_response_name(hms_response_t response);
int hms_response_from_name(const char *name);

//  The state of a rule for one container.
typedef enum {
    HMS_ALERT_INACTIVE = 1, //  no longer pending: the condition ended before for_s
    HMS_ALERT_PENDING,      //  the condition holds, not yet for for_s
    HMS_ALERT_FIRING,       //  it held for for_s and has not cleared
    HMS_ALERT_RESOLVED,     //  it was firing and cleared (published once)
} hms_alert_state_t;

//  Their names: hms_alert_state_name (hms_msg.h).

#endif
