/*  hms_notifier: the controller's notifications of alerts.

    Receivers are webhooks (each gets Alertmanager's webhook body, version
    4, for each alert that fires or resolves) and Alertmanagers (each gets
    every firing alert, sent again by the managers every minute, and every
    resolved one, on its API v2). A thread of its own queues each delivery
    in SQLite (the history file when there is one, so that a restart loses
    nothing; else in memory), sends them in order per receiver, and retries
    one that failed (no answer, or not 2xx) with a backoff from 0.5 s to
    30 s while the ones behind it wait: a receiver that is down gets every
    alert, in order, once it is back. The queue holds at most
    HMS_NOTIFY_QUEUE_MAX deliveries; past that the oldest are dropped and
    counted.
*/
#ifndef HMS_NOTIFIER_H_INCLUDED
#define HMS_NOTIFIER_H_INCLUDED

#include "hms_msg.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define HMS_NOTIFY_QUEUE_MAX 10000

typedef struct _hms_notifier_t hms_notifier_t;

typedef struct {
    const char *webhooks;      //  comma-separated URLs; "" none
    const char *alertmanagers; //  comma-separated base URLs (http://host:9093); "" none
    const char *queue;         //  SQLite file of the queue; "": in memory
    const char *external_url;  //  the controller's URL, in the bodies; "" when unknown
} hms_notifier_config_t;

//  A notifier, or NULL: no receiver configured (*error "") or a bad URL or
//  an unusable queue file (then *error says why).
hms_notifier_t *hms_notifier_new(const hms_notifier_config_t *config, char *error, size_t size);
void hms_notifier_destroy(hms_notifier_t **self_p);

//  An alert of a followed host: queued for the webhooks when it fired or
//  resolved (changed: the controller's cache changed), for the
//  Alertmanagers when it is firing (again) or resolved.
void hms_notifier_alert(hms_notifier_t *self, const hms_alert_t *alert, bool changed);

//  A test alert (rule hms_test, info) that fires and resolves at once,
//  through every receiver. Returns the number of receivers.
size_t hms_notifier_test(hms_notifier_t *self, const char *address);

//  Counters (new reference): queued, delivered, failures, dropped.
json_t *hms_notifier_stats(hms_notifier_t *self);

#endif
