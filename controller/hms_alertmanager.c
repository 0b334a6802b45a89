/*  hms_alertmanager: HMS alerts in Alertmanager's formats. */

#include "hms_alertmanager.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void hms_am_time(uint64_t ms, char *text)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(text, 32, "%s.%03uZ", date, (unsigned)(ms % 1000));
}

static json_t *s_labels(const hms_alert_t *alert)
{
    json_t *labels = json_pack("{s:s, s:s, s:s}", "alertname", alert->rule, "severity",
                               hms_severity_name(alert->severity), "host", alert->address);
    if (labels && *alert->container) {
        json_object_set_new(labels, "container", json_string(alert->name));
        json_object_set_new(labels, "id", json_string(alert->container));
        json_object_set_new(labels, "metric", json_string(alert->metric));
    }
    return labels;
}

static json_t *s_annotations(const hms_alert_t *alert)
{
    char value[32] = "", threshold[32];
    if (!isnan(alert->value))
        snprintf(value, sizeof value, "%g", alert->value);
    snprintf(threshold, sizeof threshold, "%g", alert->threshold);
    return json_pack("{s:s, s:s, s:s}", "summary", alert->summary, "value", value, "threshold",
                     threshold);
}

json_t *hms_am_alert(const hms_alert_t *alert, const char *generator)
{
    char starts[32], ends[32];
    hms_am_time(alert->since_ms, starts);
    bool resolved = alert->state == HMS_ALERT_RESOLVED || alert->state == HMS_ALERT_INACTIVE;
    hms_am_time(resolved ? alert->ts_ms : alert->ts_ms + HMS_AM_VALID_MS, ends);
    return json_pack("{s:o, s:o, s:s, s:s, s:s}", "labels", s_labels(alert), "annotations",
                     s_annotations(alert), "startsAt", starts, "endsAt", ends, "generatorURL",
                     generator);
}

//  Alertmanager's fingerprint is a hash of the labels; this one is FNV-1a
//  64 over the labels sorted by name, each "name\xffvalue\xff".
static void s_fingerprint(json_t *labels, char *text)
{
    const char *keys[8];
    size_t count = 0;
    const char *key;
    json_t *value;
    json_object_foreach(labels, key, value) if (count < 8) keys[count++] = key;
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *swap = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = swap;
        }
    uint64_t hash = 14695981039346656037ull;
    for (size_t i = 0; i < count; i++) {
        const char *parts[2] = {keys[i], json_string_value(json_object_get(labels, keys[i]))};
        for (int p = 0; p < 2; p++) {
            for (const char *c = parts[p] ? parts[p] : ""; *c; c++)
                hash = (hash ^ (uint8_t)*c) * 1099511628211ull;
            hash = (hash ^ 0xff) * 1099511628211ull;
        }
    }
    snprintf(text, 17, "%016" PRIx64, hash);
}

json_t *hms_am_webhook(const hms_alert_t *alert, const char *receiver, const char *external_url)
{
    bool resolved = alert->state == HMS_ALERT_RESOLVED || alert->state == HMS_ALERT_INACTIVE;
    const char *status = resolved ? "resolved" : "firing";
    json_t *labels = s_labels(alert);
    json_t *annotations = s_annotations(alert);
    if (!labels || !annotations) {
        json_decref(labels);
        json_decref(annotations);
        return NULL;
    }
    char starts[32], ends[32] = "0001-01-01T00:00:00Z", fingerprint[17], group[128];
    hms_am_time(alert->since_ms, starts);
    if (resolved)
        hms_am_time(alert->ts_ms, ends);
    s_fingerprint(labels, fingerprint);
    snprintf(group, sizeof group, "{}:{alertname=\"%s\"}", alert->rule);
    json_t *one = json_pack("{s:s, s:O, s:O, s:s, s:s, s:s, s:s}", "status", status, "labels",
                            labels, "annotations", annotations, "startsAt", starts, "endsAt", ends,
                            "generatorURL", external_url, "fingerprint", fingerprint);
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s}, s:o, s:o, s:s, s:[o]}", "version", "4",
                     "groupKey", group, "truncatedAlerts", 0, "status", status, "receiver",
                     receiver, "groupLabels", "alertname", alert->rule, "commonLabels", labels,
                     "commonAnnotations", annotations, "externalURL", external_url, "alerts", one);
}
