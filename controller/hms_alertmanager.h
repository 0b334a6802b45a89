/*  hms_alertmanager: HMS alerts in Alertmanager's formats.

    * An alert as Alertmanager's API v2 takes it (POST /api/v2/alerts, an
      array of them): labels alertname (the rule), severity, host, and for
      a container's alert container (its name), id and metric;
      annotations summary, value and threshold; startsAt; endsAt (a
      resolved alert: when it cleared; a firing one: 4 minutes after it
      was last sent, as Prometheus does, so that an alert nobody sends
      again resolves itself); generatorURL.
    * The body of Alertmanager's webhook, version 4 ("version": "4",
      groupKey, status, receiver, groupLabels, commonLabels,
      commonAnnotations, externalURL, alerts with their fingerprint), for
      one alert: what webhook receivers written for Alertmanager parse.
*/
#ifndef HMS_ALERTMANAGER_H_INCLUDED
#define HMS_ALERTMANAGER_H_INCLUDED

#include "hms_msg.h"

#include <jansson.h>

//  How long a firing alert stays firing in Alertmanager unless sent again.
#define HMS_AM_VALID_MS (4 * 60 * 1000)

//  alert (firing or resolved) for Alertmanager's API (new reference);
//  generator is the controller's URL ("" when unknown). NULL when out of
//  memory.
json_t *hms_am_alert(const hms_alert_t *alert, const char *generator);

//  The webhook body, version 4, for alert (new reference): receiver names
//  the receiver, external_url the controller. NULL when out of memory.
json_t *hms_am_webhook(const hms_alert_t *alert, const char *receiver, const char *external_url);

//  Unix ms as RFC 3339 in UTC with milliseconds ("2026-11-30T14:00:00.000Z")
//  into text (32 bytes).
void hms_am_time(uint64_t ms, char *text);

#endif
