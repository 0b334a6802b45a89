/*  hms_monitor: what a follower keeps of its manager's monitoring data:
    each container's last metrics (hms_metrics_cache) and the alerts
    pending or firing (hms_alert_cache), as the blocks the view references.
*/
#ifndef HMS_MONITOR_H_INCLUDED
#define HMS_MONITOR_H_INCLUDED

#include "hms_msg.h"
#include "hms_view.h"

#include <stdbool.h>

typedef struct _hms_monitor_t hms_monitor_t;

hms_monitor_t *hms_monitor_new(void);
void hms_monitor_destroy(hms_monitor_t **self_p);

//  Takes in a metrics message. Returns true when the blocks changed.
bool hms_monitor_metrics(hms_monitor_t *self, const hms_metrics_report_t *report);

//  Takes in an alert. Returns true when the blocks changed.
bool hms_monitor_alert(hms_monitor_t *self, const hms_alert_t *alert);

//  Another manager process: the metrics are forgotten and its alerts
//  resolved at now_ms, each handed to fn.
void hms_monitor_restart(hms_monitor_t *self, uint64_t now_ms,
                         void (*fn)(const hms_alert_t *alert, void *arg), void *arg);

//  The blocks (borrowed; NULL: none yet).
hms_metrics_block_t *hms_monitor_metrics_block(const hms_monitor_t *self);
hms_alert_block_t *hms_monitor_alert_block(const hms_monitor_t *self);

#endif
