/*  hms_alerts: the manager's alert rules, evaluated each second.

    For every rule and every watched container the evaluator keeps a
    state: inactive, pending (the condition holds, not yet for the rule's
    for_s), firing (it held that long) until the value is back past the
    rule's clear threshold, then resolved. Each change is emitted as an
    alert message (the manager publishes it on the alert topic), and a
    firing alert is emitted again every HMS_ALERT_RESEND_S seconds, as
    Prometheus resends to Alertmanager: a controller that joins late, or
    lost a message, has every firing alert within that time.

    Evaluation is local to the host: rules keep working while the
    controller is unreachable, and the alerts wait in its subscribers'
    queues.
*/
#ifndef HMS_ALERTS_H_INCLUDED
#define HMS_ALERTS_H_INCLUDED

#include "hms_collector.h"
#include "hms_msg.h"
#include "hms_rule.h"
#include "hms_table.h"

#include <czmq.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMS_ALERT_RESEND_S 60

typedef struct _hms_alerts_t hms_alerts_t;

//  Called for each alert message to publish (msg->alert filled, seq too).
typedef void(hms_alerts_emit_fn)(const hms_alert_t *alert, void *arg);

//  Called when an alert of a rule with a response (hms_response_t) starts
//  firing for container id (named name): once per firing, not on resends.
typedef void(hms_alerts_respond_fn)(const hms_rule_t *rule, const char *id, const char *name,
                                    void *arg);

//  An evaluator of rules (count, copied) for the manager at address.
hms_alerts_t *hms_alerts_new(const char *address, const hms_rule_t *rules, size_t count,
                             hms_alerts_emit_fn *emit, void *arg);
void hms_alerts_destroy(hms_alerts_t **self_p);

//  Replaces the rules: the alerts of a rule removed or changed are
//  resolved (emitted) at now_ms; a rule kept as it was keeps its states.
//  Returns 0, or -1 when out of memory (the rules are then unchanged).
int hms_alerts_set_rules(hms_alerts_t *self, const hms_rule_t *rules, size_t count,
                         uint64_t now_ms);

//  Who carries out the rules' responses (NULL: nobody).
void hms_alerts_on_respond(hms_alerts_t *self, hms_alerts_respond_fn *fn, void *arg);

//  The rules in force (borrowed) and their count.
const hms_rule_t *hms_alerts_rules(const hms_alerts_t *self, size_t *count);

//  Judges container id (named name) at now_ms on inputs, indexed by
//  hms_rule_input_t (the series of its last second, NAN where unknown,
//  then down and backoff as 1 or 0). A rule whose input (or limit) is NAN
//  keeps its state.
void hms_alerts_judge(hms_alerts_t *self, const char *id, const char *name,
                      const double inputs[HMS_RULE_INPUTS], uint64_t now_ms);

//  Ends the second at now_ms: the alerts of containers not judged in it
//  (gone, ignored) are resolved, and firing alerts due for a resend are
//  emitted.
void hms_alerts_sweep(hms_alerts_t *self, uint64_t now_ms);

//  Alerts pending or firing now.
size_t hms_alerts_active(const hms_alerts_t *self);

//  One second of the manager: judges every container of table (but the
//  ignored ones and those left alone) on its last second in the
//  collector's store, its runtime indicators and forecasts (collector
//  NULL: no metrics, only its state) and its state, then sweeps. A container is
//  down in a second when it is not running (down, being restarted, backing
//  off) or was not at some moment since the last second (its status
//  changed meanwhile: a stop or crash healed at once still shows).
void hms_alerts_run(hms_alerts_t *self, hms_table_t *table, hms_collector_t *collector,
                    uint64_t now_ms);

//  Runs hms_alerts_run in loop once a second, at 800 ms past each
//  wall-clock second (after the metrics' reading at 500 ms). table and
//  collector (may be NULL) must outlive the evaluator. Returns 0, or -1.
int hms_alerts_start(hms_alerts_t *self, zloop_t *loop, hms_table_t *table,
                     hms_collector_t *collector);

#endif
