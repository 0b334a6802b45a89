/*  hms_sinks: where the controller sends the monitoring data it follows:
    the metrics history and the alerts' changes of state (hms_recorder, in
    the history file), the timeline's heals and attacks (the same), and
    the alerts' notifications (hms_notifier, queued
    in the same file), and VictoriaMetrics (hms_vmpush) with --vm-url.
*/
#ifndef HMS_SINKS_H_INCLUDED
#define HMS_SINKS_H_INCLUDED

#include "hms_controller.h"
#include "hms_follower.h"
#include "hms_history.h"
#include "hms_msg.h"
#include "hms_vmpush.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct _hms_sinks_t hms_sinks_t;

//  The history at history ("": none), the receivers of config (none:
//  no notifications) and its VictoriaMetrics (none: no push). NULL
//  (logged) when the history file cannot be opened as one, a receiver's
//  or VictoriaMetrics' URL is not valid, or a queue fails.
hms_sinks_t *hms_sinks_new(const hms_controller_config_t *config, const char *history);

//  Writes what is queued and stops the threads; safe on NULL.
void hms_sinks_destroy(hms_sinks_t **self_p);

//  A metrics message of host, for the history and VictoriaMetrics.
void hms_sinks_metrics(hms_sinks_t *self, const hms_follower_t *host,
                       const hms_metrics_report_t *report);

//  An alert (hms_notifier_alert's changed) for the history and the receivers.
void hms_sinks_alert(hms_sinks_t *self, const hms_alert_t *alert, bool changed);

//  A heal or an attack, for the history's timeline.
void hms_sinks_event(hms_sinks_t *self, const hms_event_t *event);

//  Adds "notifications" (hms_notifier_stats) to stats when there are
//  receivers, and "victoriametrics" (hms_vmpush_json) with a push.
void hms_sinks_stats(hms_sinks_t *self, json_t *stats);

//  A test alert through every receiver; returns their number (0: none).
size_t hms_sinks_test(hms_sinks_t *self);

//  The push to VictoriaMetrics (borrowed; it lives as long as self), or
//  NULL: none.
const hms_vmpush_t *hms_sinks_vmpush(hms_sinks_t *self);

#endif
