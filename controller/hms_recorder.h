/*  hms_recorder: the thread that writes the metrics history.

    An actor (czmq zactor) that owns the history file (hms_history): the
    controller loop hands it every metrics message it receives
    (hms_recorder_record, a copy of the entries over an inproc pipe) and
    every change of state of an alert (hms_recorder_alert) or event of the
    timeline (hms_recorder_event), and never waits for the disk. The actor
    writes a batch of metrics every second, an alert or an event at once, prunes every minute, and
   writes what is left when it stops.
*/
#ifndef HMS_RECORDER_H_INCLUDED
#define HMS_RECORDER_H_INCLUDED

#include "hms_history.h"
#include "hms_msg.h"

#include <stdint.h>

typedef struct _hms_recorder_t hms_recorder_t;

//  Starts the actor on the history at path, capped at size_cap bytes.
//  NULL (reason logged) when the file cannot be opened as a history.
hms_recorder_t *hms_recorder_new(const char *path, uint64_t size_cap);

//  Writes what is queued, stops the actor and frees; safe on NULL.
void hms_recorder_destroy(hms_recorder_t **self_p);

//  Hands one host's metrics message to the actor (copied); never blocks
//  (a message beyond the pipe's high-water mark, 1,000, is dropped and
//  counted).
void hms_recorder_record(hms_recorder_t *self, const char *host,
                         const hms_metrics_report_t *report);

//  Hands an alert's change of state to the actor (copied); never blocks.
void hms_recorder_alert(hms_recorder_t *self, const hms_alert_t *alert);

//  Hands a heal or an attack to the actor (copied); never blocks.
void hms_recorder_event(hms_recorder_t *self, const hms_event_t *event);

//  Messages dropped because the writer fell behind.
uint64_t hms_recorder_dropped(hms_recorder_t *self);

#endif
