/*  hms_vmquery: a series of the history, read from VictoriaMetrics.  */

#include "hms_vmquery.h"

#include "hms_history.h"
#include "hms_httpclient.h"
#include "hms_vmtext.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_STATS        3    //  min, mean, max
#define S_SELECTOR_MAX 1200 //  a series name and two label values escaped
static const char *const s_stats[S_STATS] = {"min", "mean", "max"};

//  One value of one stat at one time, as read.
typedef struct {
    uint64_t t;
    int stat;
    double value;
} s_point_t;

typedef struct {
    s_point_t *points;
    size_t count, capacity;
    char *error; //  the caller's
    size_t error_size;
} s_points_t;

static int s_fail(s_points_t *points, const char *why)
{
    snprintf(points->error, points->error_size, "VictoriaMetrics: %s", why);
    return -1;
}

static int s_add(s_points_t *points, uint64_t t, int stat, double value)
{
    if (points->count == points->capacity) {
        size_t capacity = points->capacity ? points->capacity * 2 : 1024;
        s_point_t *grown = realloc(points->points, capacity * sizeof *grown);
        if (!grown)
            return s_fail(points, "out of memory");
        points->points = grown;
        points->capacity = capacity;
    }
    points->points[points->count++] = (s_point_t){t, stat, value};
    return 0;
}

//  The stat label of a series' "metric" object, or -1.
static int s_stat(json_t *metric)
{
    const char *stat = json_string_value(json_object_get(metric, "stat"));
    for (int s = 0; stat && s < S_STATS; s++)
        if (strcmp(stat, s_stats[s]) == 0)
            return s;
    return -1;
}

//  A line of /api/v1/export: {"metric": {...}, "values": [...], "timestamps": [...]}.
static int s_export_line(s_points_t *points, const char *line, size_t length)
{
    json_t *series = json_loadb(line, length, 0, NULL);
    json_t *values = json_object_get(series, "values");
    json_t *times = json_object_get(series, "timestamps");
    int stat = s_stat(json_object_get(series, "metric"));
    int rc = 0;
    if (!json_is_array(values) || !json_is_array(times) ||
        json_array_size(values) != json_array_size(times) || stat < 0)
        rc = s_fail(points, "an export line is not a series of this controller's");
    for (size_t i = 0; rc == 0 && i < json_array_size(values); i++) {
        json_t *value = json_array_get(values, i), *t = json_array_get(times, i);
        if (!json_is_number(value) || !json_is_integer(t) || json_integer_value(t) < 0)
            rc = s_fail(points, "an exported value or time is not a number");
        else
            rc = s_add(points, (uint64_t)json_integer_value(t), stat, json_number_value(value));
    }
    json_decref(series);
    return rc;
}

static int s_export(s_points_t *points, const char *body)
{
    for (const char *line = body; *line;) {
        size_t length = strcspn(line, "\n");
        if (length > 0 && s_export_line(points, line, length) != 0)
            return -1;
        line += length + (line[length] == '\n');
    }
    return 0;
}

//  One series of a query_range answer: {"metric": {...}, "values": [[t, "v"], ...]}.
static int s_range_series(s_points_t *points, json_t *series)
{
    int stat = s_stat(json_object_get(series, "metric"));
    json_t *values = json_object_get(series, "values");
    if (stat < 0 || !json_is_array(values))
        return s_fail(points, "a series of the answer is not one of this controller's");
    for (size_t i = 0; i < json_array_size(values); i++) {
        json_t *pair = json_array_get(values, i);
        json_t *t = json_array_get(pair, 0);
        const char *text = json_string_value(json_array_get(pair, 1));
        char *end = NULL;
        double value = text ? strtod(text, &end) : NAN;
        if (json_array_size(pair) != 2 || !json_is_number(t) || json_number_value(t) < 0 || !text ||
            !*text || *end)
            return s_fail(points, "a value of the answer is not [time, \"number\"]");
        uint64_t t_ms = (uint64_t)llround(json_number_value(t) * 1000);
        if (!isnan(value) && s_add(points, t_ms, stat, value) != 0)
            return -1;
    }
    return 0;
}

static int s_range(s_points_t *points, const char *body)
{
    json_t *answer = json_loads(body, 0, NULL);
    json_t *data = json_object_get(answer, "data");
    json_t *result = json_object_get(data, "result");
    const char *status = json_string_value(json_object_get(answer, "status"));
    const char *type = json_string_value(json_object_get(data, "resultType"));
    int rc = 0;
    if (!answer)
        rc = s_fail(points, "the answer is not JSON");
    else if (!status || strcmp(status, "success") != 0 || !type || strcmp(type, "matrix") != 0 ||
             !json_is_array(result))
        rc = s_fail(points, "the answer is not a successful query_range matrix");
    for (size_t i = 0; rc == 0 && i < json_array_size(result); i++)
        rc = s_range_series(points, json_array_get(result, i));
    json_decref(answer);
    return rc;
}

static int s_by_time(const void *a, const void *b)
{
    const s_point_t *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t ? 1 : x->stat - y->stat;
}

//  The points merged by time into hms_history_query's arrays: a time
//  read twice (a series renamed, a POST retried after VictoriaMetrics
//  took it) keeps the lowest min, the highest max and the mean of means.
static json_t *s_arrays(s_points_t *points, uint64_t step_ms)
{
    qsort(points->points, points->count, sizeof *points->points, s_by_time);
    json_t *t = json_array(), *arrays[S_STATS] = {json_array(), json_array(), json_array()};
    for (size_t i = 0; i < points->count && json_array_size(t) < HMS_HISTORY_POINTS_MAX;) {
        uint64_t time = points->points[i].t;
        double value[S_STATS] = {NAN, NAN, NAN};
        int count[S_STATS] = {0, 0, 0};
        for (; i < points->count && points->points[i].t == time; i++) {
            const s_point_t *p = &points->points[i];
            double *v = &value[p->stat];
            *v = count[p->stat] == 0 ? p->value
                 : p->stat == 0      ? fmin(*v, p->value)
                 : p->stat == 2      ? fmax(*v, p->value)
                                     : *v + p->value;
            count[p->stat]++;
        }
        json_array_append_new(t, json_integer((json_int_t)time));
        for (int s = 0; s < S_STATS; s++)
            json_array_append_new(arrays[s], count[s] == 0 ? json_null()
                                             : s == 1      ? json_real(value[s] / count[s])
                                                           : json_real(value[s]));
    }
    return json_pack("{s:I, s:o, s:o, s:o, s:o}", "step_ms", (json_int_t)step_ms, "t", t, "min",
                     arrays[0], "mean", arrays[1], "max", arrays[2]);
}

//  The selector of the series' stat ("": every stat), values escaped.
static void s_selector(char *out, size_t size, hms_metric_t metric, const char *host,
                       const char *container, const char *stat)
{
    char name[64], labels[2][2 * 256 + 1];
    const char *values[2] = {host, container};
    for (int l = 0; l < 2; l++) {
        char *at = labels[l];
        for (const char *c = values[l]; *c && at < labels[l] + sizeof labels[l] - 2; c++) {
            if (*c == '\\' || *c == '"')
                *at++ = '\\';
            *at++ = *c == '\n' ? ' ' : *c;
        }
        *at = '\0';
    }
    hms_vmtext_series(metric, name, sizeof name);
    snprintf(out, size, "%s{host=\"%s\",id=\"%s\"%s%s%s}", name, labels[0], labels[1],
             *stat ? ",stat=\"" : "", stat, *stat ? "\"" : "");
}

//  GETs base + path + the query (its values URL-escaped by curl) and
//  reads the answer into points with parse. Returns 0, or -1 with why.
static int s_get(CURL *curl, const char *url, char *const params[][2], size_t count,
                 int (*parse)(s_points_t *, const char *), s_points_t *points)
{
    size_t length = strlen(url) + 2;
    for (size_t p = 0; p < count; p++)
        length += strlen(params[p][0]) + 3 * strlen(params[p][1]) + 2;
    char *full = malloc(length);
    int rc = full ? 0 : s_fail(points, "out of memory");
    size_t at = full ? (size_t)snprintf(full, length, "%s", url) : 0;
    for (size_t p = 0; rc == 0 && p < count; p++) {
        char *value = curl_easy_escape(curl, params[p][1], 0);
        if (!value)
            rc = s_fail(points, "out of memory");
        else
            at += (size_t)snprintf(full + at, length - at, "%c%s=%s", p ? '&' : '?', params[p][0],
                                   value);
        curl_free(value);
    }
    hms_httpclient_answer_t answer = {0};
    if (rc == 0 &&
        hms_httpclient_get(curl, full, HMS_VMQUERY_TIMEOUT_MS, HMS_VMQUERY_ANSWER_MAX, &answer))
        rc = s_fail(points, answer.error);
    if (rc == 0)
        rc = parse(points, answer.body ? answer.body : "");
    hms_httpclient_answer_free(&answer);
    free(full);
    return rc;
}

//  Every sample of the three stats in [from_ms, to_ms].
static int s_read_export(CURL *curl, const char *url, const char *selector, uint64_t from_ms,
                         uint64_t to_ms, s_points_t *points)
{
    char base[1100], start[32], end[32];
    snprintf(base, sizeof base, "%s/api/v1/export", url);
    snprintf(start, sizeof start, "%" PRIu64 ".%03" PRIu64, from_ms / 1000, from_ms % 1000);
    snprintf(end, sizeof end, "%" PRIu64 ".%03" PRIu64, to_ms / 1000, to_ms % 1000);
    char *const params[][2] = {{"match[]", (char *)selector}, {"start", start}, {"end", end}};
    return s_get(curl, base, params, 3, s_export, points);
}

//  Buckets of step_ms ending in [from_ms, to_ms] (the first
//  HMS_HISTORY_POINTS_MAX at most, as the SQLite reader does).
static int s_read_range(CURL *curl, const char *url, hms_metric_t metric, const char *host,
                        const char *container, uint64_t from_ms, uint64_t to_ms, uint64_t step_ms,
                        s_points_t *points)
{
    static const char *const functions[S_STATS] = {"min_over_time", "avg_over_time",
                                                   "max_over_time"};
    uint64_t step_s = step_ms / 1000, first = (from_ms + step_ms - 1) / step_ms * step_s;
    uint64_t last = to_ms / 1000;
    if (first > last)
        return 0;
    if ((last - first) / step_s >= HMS_HISTORY_POINTS_MAX)
        last = first + (HMS_HISTORY_POINTS_MAX - 1) * step_s;
    char query[3 * (S_SELECTOR_MAX + 48)], base[1100], start[24], end[24], step[24];
    size_t at = 0;
    for (int s = 0; s < S_STATS; s++) {
        char selector[S_SELECTOR_MAX];
        s_selector(selector, sizeof selector, metric, host, container, s_stats[s]);
        at += (size_t)snprintf(query + at, sizeof query - at, "%s%s(%s[%" PRIu64 "s])",
                               s ? " or " : "", functions[s], selector, step_s);
    }
    snprintf(base, sizeof base, "%s/api/v1/query_range", url);
    snprintf(start, sizeof start, "%" PRIu64, first);
    snprintf(end, sizeof end, "%" PRIu64, last);
    snprintf(step, sizeof step, "%" PRIu64, step_s);
    char *const params[][2] = {
        {"query", query}, {"start", start}, {"end", end}, {"step", step}, {"nocache", "1"}};
    return s_get(curl, base, params, 5, s_range, points);
}

json_t *hms_vmquery_series(const char *url, const char *host, const char *container,
                           hms_metric_t metric, uint64_t from_ms, uint64_t to_ms, uint64_t step_ms,
                           uint64_t now_ms, char *error, size_t size)
{
    if ((unsigned)metric >= HMS_METRIC_COUNT || from_ms > to_ms) {
        snprintf(error, size, "no such series, or from after to");
        return NULL;
    }
    s_points_t points = {.error = error, .error_size = size};
    CURL *curl = curl_easy_init();
    uint64_t step = hms_history_tiers[hms_history_tier(from_ms, step_ms, now_ms)].step_ms;
    int rc = curl ? 0 : s_fail(&points, "cannot start libcurl");
    if (rc == 0 && step == 0) {
        char selector[S_SELECTOR_MAX];
        s_selector(selector, sizeof selector, metric, host, container, "");
        rc = s_read_export(curl, url, selector, from_ms, to_ms, &points);
    } else if (rc == 0)
        rc = s_read_range(curl, url, metric, host, container, from_ms, to_ms, step, &points);
    json_t *result = rc == 0 ? s_arrays(&points, step) : NULL;
    if (rc == 0 && !result)
        snprintf(error, size, "out of memory");
    if (curl)
        curl_easy_cleanup(curl);
    free(points.points);
    return result;
}
