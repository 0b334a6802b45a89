/*  hms_rest_forecasts: the early warnings of exhaustion in the REST API.  */

#include "hms_rest_forecasts.h"

#include "hms_rest_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_NEVER 1e9 //  a forecast at or past it: not growing towards the limit

//  Seconds left as JSON: null when not growing towards the limit.
static json_t *s_seconds(float value)
{
    return value < S_NEVER ? json_real(round(value)) : json_null();
}

//  One resource: its level and limit (the last interval's), time left by
//  both methods; NULL when the container has no such limit or no
//  forecast yet.
static json_t *s_resource(const hms_metrics_entry_t *entry, hms_metric_t level, hms_metric_t limit,
                          hms_forecast_kind_t linear)
{
    float line = entry->forecasts[linear], holt = entry->forecasts[linear + 1];
    if (isnan(line) && isnan(holt))
        return NULL;
    return json_pack("{s:f, s:f, s:o, s:o}", "level", (double)entry->rollups[level].mean, "limit",
                     (double)entry->rollups[limit].max, "linear_s", s_seconds(line), "holt_s",
                     s_seconds(holt));
}

//  The least time left of an entry, by either method (S_NEVER: none).
static double s_least(const hms_metrics_entry_t *entry)
{
    double least = S_NEVER;
    for (int f = 0; f < HMS_FORECASTS; f++)
        if (!isnan(entry->forecasts[f]) && entry->forecasts[f] < least)
            least = entry->forecasts[f];
    return least;
}

typedef struct {
    double least;
    json_t *json;
} s_row_t;

static int s_by_least(const void *a, const void *b)
{
    double x = ((const s_row_t *)a)->least, y = ((const s_row_t *)b)->least;
    return x < y ? -1 : x > y;
}

//  The ?within= parameter: seconds, or INFINITY when absent (every
//  container with a forecast, growing or not). -1 when bad.
static double s_within(const struct _u_request *request)
{
    const char *text = u_map_get(request->map_url, "within");
    if (!text)
        return INFINITY;
    char *end;
    double within = strtod(text, &end);
    return *text && !*end && within >= 0 && within <= S_NEVER ? within : -1;
}

//  The rows of a view: every container with a forecast within within s.
static size_t s_rows(const hms_view_t *view, double within, s_row_t *rows, size_t max)
{
    size_t count = 0;
    for (size_t h = 0; h < view->count; h++) {
        const hms_view_host_t *host = &view->hosts[h];
        for (size_t e = 0; host->metrics && e < host->metrics->count && count < max; e++) {
            const hms_metrics_entry_t *entry = &host->metrics->entries[e];
            json_t *memory =
                s_resource(entry, HMS_METRIC_MEMORY, HMS_METRIC_MEMORY_LIMIT, HMS_FORECAST_MEMORY);
            json_t *pids =
                s_resource(entry, HMS_METRIC_PIDS, HMS_METRIC_PIDS_MAX, HMS_FORECAST_PIDS);
            double least = s_least(entry);
            if ((!memory && !pids) || least >= within) {
                json_decref(memory);
                json_decref(pids);
                continue;
            }
            int code;
            const hms_container_t *container = hms_view_container(host, entry->id, &code);
            rows[count].least = least;
            rows[count++].json =
                json_pack("{s:s, s:s, s:s, s:o, s:o}", "address", host->address, "id", entry->id,
                          "name", container ? container->name : "", "memory",
                          memory ? memory : json_null(), "pids", pids ? pids : json_null());
        }
    }
    return count;
}

int hms_rest_forecasts(hms_view_store_t *views, const struct _u_request *request,
                       struct _u_response *response)
{
    double within = s_within(request);
    if (within < 0)
        return hms_rest_error(response, 400, "within: seconds, from 0 to %g", S_NEVER);
    hms_view_t *view = hms_view_store_acquire(views);
    size_t max = 0;
    for (size_t h = 0; h < view->count; h++)
        max += view->hosts[h].metrics ? view->hosts[h].metrics->count : 0;
    s_row_t *rows = calloc(max ? max : 1, sizeof *rows);
    size_t count = rows ? s_rows(view, within, rows, max) : 0;
    hms_view_release(&view);
    if (!rows)
        return hms_rest_error(response, 500, "out of memory");
    qsort(rows, count, sizeof *rows, s_by_least);
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, rows[i].json);
    free(rows);
    return hms_rest_json(response, 200, json_pack("{s:o}", "containers", list));
}
