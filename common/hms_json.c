/*  hms_json: HMS data as JSON.  */

#include "hms_json.h"
#include "hms_rule.h"

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

static json_t *s_number_or_null(double value)
{
    return isnan(value) ? json_null() : json_real(value);
}

json_t *hms_json_container(const hms_container_t *c)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I}", "id", c->id, "name",
                     c->name, "image", c->image, "ip", c->ip, "status", hms_status_name(c->status),
                     "state", c->state, "loss", s_number_or_null(c->loss), "rtt_ms",
                     s_number_or_null(c->rtt_ms), "restarts", (json_int_t)c->restarts, "since_ms",
                     (json_int_t)c->since_ms);
}

json_t *hms_json_alert(const hms_alert_t *a)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:f, s:I, s:I, s:s}", "address",
                     a->address, "seq", (json_int_t)a->seq, "rule", a->rule, "state",
                     hms_alert_state_name(a->state), "severity", hms_severity_name(a->severity),
                     "container", a->container, "name", a->name, "metric", a->metric, "value",
                     s_number_or_null(a->value), "threshold", a->threshold, "since_ms",
                     (json_int_t)a->since_ms, "ts_ms", (json_int_t)a->ts_ms, "summary", a->summary);
}

json_t *hms_json_reading(const hms_reading_t *reading)
{
    json_t *object = json_object();
    for (int i = 0; object && i < HMS_READING_FIELDS; i++) {
        uint64_t value = *(const uint64_t *)((const char *)reading + hms_reading_fields[i].offset);
        //  JSON readers hold integers exactly up to 2^53.
        json_object_set_new(object, hms_reading_fields[i].name,
                            value > INT64_MAX ? json_real((double)value)
                                              : json_integer((json_int_t)value));
    }
    return object;
}

json_t *hms_json_metrics_entry(const hms_metrics_entry_t *entry)
{
    json_t *rollups = json_object();
    for (int m = 0; rollups && m < HMS_METRIC_COUNT; m++) {
        const hms_rollup_t *r = &entry->rollups[m];
        json_object_set_new(rollups, hms_metric_name(m),
                            isnan(r->mean)
                                ? json_null()
                                : json_pack("{s:f, s:f, s:f}", "min", (double)r->min, "mean",
                                            (double)r->mean, "max", (double)r->max));
    }
    json_t *json =
        json_pack("{s:s, s:I, s:o, s:o}", "id", entry->id, "seconds", (json_int_t)entry->seconds,
                  "reading", hms_json_reading(&entry->reading), "rollups", rollups);
    //  The forecasts, when there are any, by the names of their rule inputs.
    json_t *forecasts = json_object();
    for (int f = 0; forecasts && f < HMS_FORECASTS; f++)
        if (!isnan(entry->forecasts[f]))
            json_object_set_new(forecasts, hms_rule_input_name(HMS_RULE_MEMORY_ETA + f),
                                json_real(entry->forecasts[f]));
    if (json && json_object_size(forecasts) > 0)
        json_object_set_new(json, "forecasts", forecasts);
    else
        json_decref(forecasts);
    return json;
}

json_t *hms_json_metrics_range(const hms_metrics_range_t *range)
{
    json_t *series = json_object();
    for (int m = 0; series && m < HMS_METRIC_COUNT; m++) {
        json_t *column = json_array();
        for (size_t i = 0; column && i < range->count; i++) {
            float value = range->rows[i].values[m];
            json_array_append_new(column, isnan(value) ? json_null() : json_real(value));
        }
        json_object_set_new(series, hms_metric_name(m), column);
    }
    return json_pack("{s:s, s:I, s:I, s:o}", "container", range->container, "start_ms",
                     (json_int_t)range->start_ms, "step_ms", (json_int_t)range->step_ms, "series",
                     series);
}

json_t *hms_json_antagonist_conf(const hms_antagonist_conf_t *conf)
{
    json_t *object =
        json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:I, s:s}", "name", conf->name, "loss",
                  conf->loss, "balance", conf->balance, "heavy", conf->heavy, "frequency",
                  conf->frequency, "duration", conf->duration, "seed", (json_int_t)conf->seed,
                  "mode", conf->mode ? hms_mode_name(conf->mode) : "stop");
    if (object)
        json_object_set_new(object, "sigma", s_number_or_null(conf->sigma));
    return object;
}

json_t *hms_json_antagonist_status(const hms_antagonist_status_t *status)
{
    return json_pack("{s:b, s:o, s:I, s:I, s:I, s:I}", "running", status->running, "config",
                     hms_json_antagonist_conf(&status->config), "attempts",
                     (json_int_t)status->attempts, "shutdowns", (json_int_t)status->shutdowns,
                     "loss_attacks", (json_int_t)status->loss_attacks, "targets",
                     (json_int_t)status->targets);
}

//  A number field within [min, max]: 0, or -1 with a message.
static int s_number(json_t *object, const char *key, bool required, double min, double max,
                    double *value, char *error, size_t error_size)
{
    json_t *field = json_object_get(object, key);
    if (!field) {
        if (required)
            snprintf(error, error_size, "%s is missing", key);
        return required ? -1 : 0;
    }
    if (!json_is_number(field) || json_number_value(field) < min ||
        json_number_value(field) > max) {
        snprintf(error, error_size, "%s must be a number in [%g, %g]", key, min, max);
        return -1;
    }
    *value = json_number_value(field);
    return 0;
}

int hms_json_parse_antagonist_conf(json_t *object, hms_antagonist_conf_t *conf, char *error,
                                   size_t error_size)
{
    memset(conf, 0, sizeof *conf);
    conf->sigma = NAN;
    if (!json_is_object(object)) {
        snprintf(error, error_size, "the configuration must be a JSON object");
        return -1;
    }
    static const struct {
        const char *key;
        bool required;
        size_t offset;
    } numbers[] = {{"loss", true, offsetof(hms_antagonist_conf_t, loss)},
                   {"balance", true, offsetof(hms_antagonist_conf_t, balance)},
                   {"heavy", true, offsetof(hms_antagonist_conf_t, heavy)},
                   {"frequency", true, offsetof(hms_antagonist_conf_t, frequency)},
                   {"duration", true, offsetof(hms_antagonist_conf_t, duration)},
                   {"sigma", false, offsetof(hms_antagonist_conf_t, sigma)}};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        double min, max;
        hms_msg_bounds(HMS_MSG_CONF_ANTAGONIST, numbers[i].key, &min, &max);
        if (s_number(object, numbers[i].key, numbers[i].required, min, max,
                     (double *)((char *)conf + numbers[i].offset), error, error_size))
            return -1;
    }
    json_t *name = json_object_get(object, "name");
    if (name && (!json_is_string(name) || strlen(json_string_value(name)) > HMS_TEXT_MAX)) {
        snprintf(error, error_size, "name must be a string of at most %d bytes", HMS_TEXT_MAX);
        return -1;
    }
    if (name)
        snprintf(conf->name, sizeof conf->name, "%s", json_string_value(name));
    json_t *seed = json_object_get(object, "seed");
    double seed_min, seed_max;
    hms_msg_bounds(HMS_MSG_CONF_ANTAGONIST, "seed", &seed_min, &seed_max);
    if (seed && (!json_is_integer(seed) || json_integer_value(seed) < seed_min ||
                 (double)json_integer_value(seed) > seed_max)) {
        snprintf(error, error_size, "seed must be an integer in [%.0f, %.0f]", seed_min, seed_max);
        return -1;
    }
    if (seed)
        conf->seed = (uint64_t)json_integer_value(seed);
    json_t *mode = json_object_get(object, "mode");
    const char *text = json_string_value(mode);
    if (mode && (!text || (strcmp(text, "stop") != 0 && strcmp(text, "kill") != 0))) {
        snprintf(error, error_size, "mode must be \"stop\" or \"kill\"");
        return -1;
    }
    if (text)
        conf->mode = strcmp(text, "kill") == 0 ? HMS_MODE_KILL : HMS_MODE_STOP;
    return 0;
}
