/*  hms_vmtext: a metrics message as Prometheus text lines with timestamps.  */

#include "hms_vmtext.h"

#include "hms_metric.h"
#include "hms_prometheus.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  host, name, id and image escaped (each byte may double), with their keys.
#define S_LABELS_MAX (2 * (HMS_ADDRESS_MAX + HMS_NAME_MAX + HMS_ID_MAX + HMS_IMAGE_MAX) + 64)
//  A line beyond its labels: name, extra label, value, time.
#define S_LINE_EXTRA 192

//  What every line of one container shares.
typedef struct {
    char labels[S_LABELS_MAX]; //  host="..",name="..",id="..",image=".."
    size_t labels_size;
    char stamp[24]; //  " T\n": the message's time, Unix ms
    size_t stamp_size;
} s_line_t;

static char *s_put(char *at, const char *text, size_t size)
{
    memcpy(at, text, size);
    return at + size;
}

//  A label value, escaped as the format wants (backslash, quote, newline).
static char *s_escape(char *at, const char *value)
{
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"' || *c == '\n') {
            *at++ = '\\';
            *at++ = *c == '\n' ? 'n' : *c;
        } else
            *at++ = *c;
    }
    return at;
}

static char *s_u64(char *at, uint64_t value)
{
    char digits[20];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (count)
        *at++ = digits[--count];
    return at;
}

//  Nanoseconds as seconds, exactly (cAdvisor's CPU seconds).
static char *s_seconds(char *at, uint64_t ns)
{
    at = s_u64(at, ns / 1000000000u);
    uint64_t fraction = ns % 1000000000u;
    if (!fraction)
        return at;
    char digits[9];
    for (int i = 8; i >= 0; i--, fraction /= 10)
        digits[i] = (char)('0' + fraction % 10);
    size_t count = 9;
    while (digits[count - 1] == '0')
        count--;
    *at++ = '.';
    return s_put(at, digits, count);
}

//  A whole value in plain digits (bytes, tasks, counts: most samples),
//  else the fewest digits that read back the same double.
static char *s_double(char *at, double value)
{
    if (value >= 0 && value < 9007199254740992.0 && value == floor(value))
        return s_u64(at, (uint64_t)value);
    char text[40];
    int size = 0;
    for (int digits = 15; digits <= 17; digits++) {
        size = snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    return s_put(at, text, (size_t)size);
}

//  A rollup (float): 9 significant digits read it back exactly.
static char *s_float(char *at, float value)
{
    double wide = value;
    if (wide >= 0 && wide < 9007199254740992.0 && wide == floor(wide))
        return s_u64(at, (uint64_t)wide);
    char text[32];
    int size = snprintf(text, sizeof text, "%.9g", wide);
    return s_put(at, text, (size_t)size);
}

//  name{labels[,key="value"]} (key and value are HMS's own words: no escaping).
static char *s_begin(char *at, const s_line_t *line, const char *name, const char *key,
                     const char *value)
{
    at = s_put(at, name, strlen(name));
    *at++ = '{';
    at = s_put(at, line->labels, line->labels_size);
    if (key) {
        *at++ = ',';
        at = s_put(at, key, strlen(key));
        *at++ = '=';
        *at++ = '"';
        at = s_put(at, value, strlen(value));
        *at++ = '"';
    }
    *at++ = '}';
    *at++ = ' ';
    return at;
}

static void s_line_init(s_line_t *line, const char *host, const hms_container_t *container,
                        const hms_metrics_entry_t *entry, uint64_t t_ms)
{
    char *at = line->labels;
    at = s_escape(s_put(at, "host=\"", 6), host);
    at = s_escape(s_put(at, "\",name=\"", 8), container ? container->name : "");
    at = s_escape(s_put(at, "\",id=\"", 6), entry->id);
    at = s_escape(s_put(at, "\",image=\"", 9), container ? container->image : "");
    *at++ = '"';
    line->labels_size = (size_t)(at - line->labels);
    at = s_u64(s_put(line->stamp, " ", 1), t_ms);
    *at++ = '\n';
    line->stamp_size = (size_t)(at - line->stamp);
}

void hms_vmtext_series(hms_metric_t metric, char *out, size_t size)
{
    snprintf(out, size, "hms_container_%s", hms_metric_name(metric));
}

size_t hms_vmtext_samples(const hms_container_t *container, const hms_metrics_entry_t *entry)
{
    size_t count = 0;
    for (size_t f = 0; f < HMS_PROMETHEUS_READINGS; f++)
        count += (entry->reading.have & hms_prometheus_readings[f].group) != 0;
    if (container) {
        count += !isnan(container->loss) + !isnan(container->rtt_ms);
        if (container->status != HMS_STATUS_IGNORED)
            count += HMS_PROMETHEUS_HEAL_REASONS;
    }
    for (int f = 0; f < HMS_FORECASTS; f++)
        count += hms_prometheus_forecast_shown(entry->forecasts[f]);
    for (int m = 0; m < HMS_METRIC_COUNT; m++) {
        const hms_rollup_t *rollup = &entry->rollups[m];
        count += !isnan(rollup->min) + !isnan(rollup->mean) + !isnan(rollup->max);
    }
    return count;
}

//  The last reading, under cAdvisor's names.
static char *s_readings(char *at, const s_line_t *line, const hms_metrics_entry_t *entry)
{
    for (size_t f = 0; f < HMS_PROMETHEUS_READINGS; f++) {
        const hms_prometheus_reading_t *family = &hms_prometheus_readings[f];
        if (!(entry->reading.have & family->group))
            continue;
        uint64_t value = hms_prometheus_reading_value(family, &entry->reading);
        at = s_begin(at, line, family->name, NULL, NULL);
        if (family->scale == 1)
            at = s_u64(at, value);
        else if (family->scale == 1e-9)
            at = s_seconds(at, value);
        else
            at = s_double(at, (double)value * family->scale);
        at = s_put(at, line->stamp, line->stamp_size);
    }
    return at;
}

//  What GET /metrics adds from the host's table, and the forecasts.
static char *s_table(char *at, const s_line_t *line, const hms_container_t *container,
                     const hms_metrics_entry_t *entry)
{
    if (container && !isnan(container->loss)) {
        at = s_double(s_begin(at, line, "hms_probe_loss_ratio", NULL, NULL), container->loss / 100);
        at = s_put(at, line->stamp, line->stamp_size);
    }
    if (container && !isnan(container->rtt_ms)) {
        at = s_begin(at, line, "hms_probe_rtt_seconds", NULL, NULL);
        at = s_put(s_double(at, container->rtt_ms / 1000), line->stamp, line->stamp_size);
    }
    if (container && container->status != HMS_STATUS_IGNORED) {
        uint64_t counts[HMS_PROMETHEUS_HEAL_REASONS];
        hms_prometheus_heals(container, counts);
        for (int r = 0; r < HMS_PROMETHEUS_HEAL_REASONS; r++) {
            at = s_begin(at, line, "hms_container_heals_total", "reason",
                         hms_prometheus_heal_reasons[r]);
            at = s_put(s_u64(at, counts[r]), line->stamp, line->stamp_size);
        }
    }
    for (int f = 0; f < HMS_FORECASTS; f++) {
        if (!hms_prometheus_forecast_shown(entry->forecasts[f]))
            continue;
        //  Two extra labels: the second rides in the first's value.
        char value[40];
        snprintf(value, sizeof value, "%s\",method=\"%s", hms_prometheus_forecast_labels[f][0],
                 hms_prometheus_forecast_labels[f][1]);
        at = s_begin(at, line, "hms_container_exhaustion_seconds", "resource", value);
        at = s_put(s_float(at, entry->forecasts[f]), line->stamp, line->stamp_size);
    }
    return at;
}

//  Each series' rollup over the interval.
static char *s_rollups(char *at, const s_line_t *line, const hms_metrics_entry_t *entry)
{
    static const char *const stats[] = {"min", "mean", "max"};
    for (int m = 0; m < HMS_METRIC_COUNT; m++) {
        char name[64];
        hms_vmtext_series((hms_metric_t)m, name, sizeof name);
        const float values[] = {entry->rollups[m].min, entry->rollups[m].mean,
                                entry->rollups[m].max};
        for (int s = 0; s < 3; s++) {
            if (isnan(values[s]))
                continue;
            at = s_begin(at, line, name, "stat", stats[s]);
            at = s_put(s_float(at, values[s]), line->stamp, line->stamp_size);
        }
    }
    return at;
}

long hms_vmtext_entry(hms_vmtext_t *text, const char *host, const hms_container_t *container,
                      const hms_metrics_entry_t *entry, uint64_t t_ms)
{
    s_line_t line;
    s_line_init(&line, host, container, entry, t_ms);
    size_t samples = hms_vmtext_samples(container, entry);
    size_t need = text->size + samples * (line.labels_size + S_LINE_EXTRA) + 1;
    if (need > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 65536;
        while (capacity < need)
            capacity *= 2;
        char *grown = realloc(text->data, capacity);
        if (!grown)
            return -1;
        text->data = grown;
        text->capacity = capacity;
    }
    char *at = text->data + text->size;
    at = s_readings(at, &line, entry);
    at = s_table(at, &line, container, entry);
    at = s_rollups(at, &line, entry);
    *at = '\0';
    text->size = (size_t)(at - text->data);
    return (long)samples;
}

void hms_vmtext_reset(hms_vmtext_t *text)
{
    text->size = 0;
    if (text->data)
        text->data[0] = '\0';
}

void hms_vmtext_free(hms_vmtext_t *text)
{
    free(text->data);
    memset(text, 0, sizeof *text);
}
