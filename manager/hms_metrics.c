/*  hms_metrics: the manager's recent per-second series of each container.  */

#include "hms_metrics.h"

#include <czmq.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  Readings further apart than this give no rates: the container was not
//  read for a while (the manager was busy, or it was paused).
#define S_GAP_MS 10000
//  A reading this close to the last one is dropped: counters the kernel
//  updates in steps give no rate over a few milliseconds.
#define S_CLOSE_MS 200

typedef struct {
    hms_reading_t last; //  the last reading
    uint64_t last_ms;   //  its wall time; 0: none yet
    uint32_t *stamps;   //  per slot: the second (Unix) its values are of; 0: none
    float *values;      //  per slot: HMS_METRIC_COUNT values
} s_series_t;

struct _hms_metrics_t {
    uint32_t window;      //  seconds kept per container
    zhashx_t *containers; //  id -> s_series_t
};

static void s_series_destroy(void **item)
{
    s_series_t *series = *item;
    if (series) {
        free(series->stamps);
        free(series->values);
        free(series);
        *item = NULL;
    }
}

hms_metrics_t *hms_metrics_new(uint32_t window_s)
{
    if (window_s < 1 || window_s > HMS_METRICS_WINDOW_MAX)
        return NULL;
    hms_metrics_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->window = window_s;
    self->containers = zhashx_new();
    if (!self->containers) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->containers, s_series_destroy);
    return self;
}

void hms_metrics_destroy(hms_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_metrics_t *self = *self_p;
    zhashx_destroy(&self->containers);
    free(self);
    *self_p = NULL;
}

static s_series_t *s_series(hms_metrics_t *self, const char *id)
{
    s_series_t *series = zhashx_lookup(self->containers, id);
    if (series)
        return series;
    series = calloc(1, sizeof *series);
    if (!series)
        return NULL;
    series->stamps = calloc(self->window, sizeof *series->stamps);
    series->values = malloc((size_t)self->window * HMS_METRIC_COUNT * sizeof *series->values);
    if (!series->stamps || !series->values) {
        void *item = series;
        s_series_destroy(&item);
        return NULL;
    }
    zhashx_insert(self->containers, id, series);
    return series;
}

//  Per second: (b - a) / dt, NAN when the counter went back (a new life).
static float s_rate(uint64_t a, uint64_t b, double dt)
{
    return b >= a ? (float)((double)(b - a) / dt) : NAN;
}

//  The second's values from the previous reading a (NULL: none) and b.
static void s_derive(const hms_reading_t *a, const hms_reading_t *b, double dt, double loss,
                     double rtt_ms, float *v)
{
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        v[m] = NAN;
    if (b->have & HMS_READING_MEMORY) {
        v[HMS_METRIC_MEMORY] = (float)b->memory_working_set;
        v[HMS_METRIC_MEMORY_USAGE] = (float)b->memory_usage;
        v[HMS_METRIC_MEMORY_LIMIT] = (float)b->memory_limit;
    }
    if (b->have & HMS_READING_PIDS) {
        v[HMS_METRIC_PIDS] = (float)b->pids_current;
        v[HMS_METRIC_PIDS_MAX] = (float)b->pids_max;
    }
    v[HMS_METRIC_LOSS] = (float)loss;
    v[HMS_METRIC_RTT] = (float)rtt_ms;
    if (!a)
        return;
    unsigned both = a->have & b->have;
    if (both & HMS_READING_CPU) {
        v[HMS_METRIC_CPU] = s_rate(a->cpu_usage_ns, b->cpu_usage_ns, dt * 1e9);
        if (b->cpu_periods >= a->cpu_periods &&
            b->cpu_throttled_periods >= a->cpu_throttled_periods) {
            uint64_t periods = b->cpu_periods - a->cpu_periods;
            uint64_t throttled = b->cpu_throttled_periods - a->cpu_throttled_periods;
            v[HMS_METRIC_CPU_THROTTLED] = periods ? (float)throttled / (float)periods : 0;
        }
    }
    if (both & HMS_READING_MEMORY)
        v[HMS_METRIC_OOM_KILLS] = s_rate(a->oom_kills, b->oom_kills, dt);
    if (both & HMS_READING_NET) {
        v[HMS_METRIC_NET_RX] = s_rate(a->net_rx_bytes, b->net_rx_bytes, dt);
        v[HMS_METRIC_NET_TX] = s_rate(a->net_tx_bytes, b->net_tx_bytes, dt);
        v[HMS_METRIC_NET_RX_PACKETS] = s_rate(a->net_rx_packets, b->net_rx_packets, dt);
        v[HMS_METRIC_NET_TX_PACKETS] = s_rate(a->net_tx_packets, b->net_tx_packets, dt);
    }
    if (both & HMS_READING_IO) {
        v[HMS_METRIC_IO_READ] = s_rate(a->io_read_bytes, b->io_read_bytes, dt);
        v[HMS_METRIC_IO_WRITE] = s_rate(a->io_write_bytes, b->io_write_bytes, dt);
    }
}

int hms_metrics_record(hms_metrics_t *self, const char *id, uint64_t now_ms,
                       const hms_reading_t *sample, bool fresh, double loss, double rtt_ms)
{
    s_series_t *series = s_series(self, id);
    if (!series)
        return -1;
    if (!fresh && series->last_ms && now_ms >= series->last_ms &&
        now_ms - series->last_ms < S_CLOSE_MS)
        return 0;
    bool rates = !fresh && series->last_ms && now_ms > series->last_ms &&
                 now_ms - series->last_ms <= S_GAP_MS;
    uint32_t second = (uint32_t)(now_ms / 1000);
    size_t slot = second % self->window;
    s_derive(rates ? &series->last : NULL, sample, (double)(now_ms - series->last_ms) / 1000.0,
             loss, rtt_ms, series->values + slot * HMS_METRIC_COUNT);
    series->stamps[slot] = second;
    series->last = *sample;
    series->last_ms = now_ms;
    return 0;
}

void hms_metrics_remove(hms_metrics_t *self, const char *id)
{
    zhashx_delete(self->containers, id);
}

const hms_reading_t *hms_metrics_last(hms_metrics_t *self, const char *id, uint64_t *at_ms)
{
    s_series_t *series = zhashx_lookup(self->containers, id);
    if (!series || !series->last_ms)
        return NULL;
    if (at_ms)
        *at_ms = series->last_ms;
    return &series->last;
}

//  The values of second (Unix), or NULL when that second is not kept.
static const float *s_second(hms_metrics_t *self, s_series_t *series, uint32_t second)
{
    size_t slot = second % self->window;
    return series->stamps[slot] == second ? series->values + slot * HMS_METRIC_COUNT : NULL;
}

size_t hms_metrics_rollup(hms_metrics_t *self, const char *id, uint64_t from_ms, uint64_t to_ms,
                          hms_rollup_t out[HMS_METRIC_COUNT])
{
    double sum[HMS_METRIC_COUNT] = {0};
    size_t counts[HMS_METRIC_COUNT] = {0};
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        out[m] = (hms_rollup_t){NAN, NAN, NAN};
    s_series_t *series = zhashx_lookup(self->containers, id);
    if (!series || to_ms <= from_ms)
        return 0;
    //  The seconds s with from_ms < s * 1000 <= to_ms, at most a window of them.
    uint64_t first = from_ms / 1000 + 1, last = to_ms / 1000;
    if (last >= self->window && first < last - self->window + 1)
        first = last - self->window + 1;
    size_t seconds = 0;
    for (uint64_t s = first; s <= last; s++) {
        const float *v = s_second(self, series, (uint32_t)s);
        if (!v)
            continue;
        seconds++;
        for (int m = 0; m < HMS_METRIC_COUNT; m++) {
            if (isnan(v[m]))
                continue;
            if (counts[m] == 0 || v[m] < out[m].min)
                out[m].min = v[m];
            if (counts[m] == 0 || v[m] > out[m].max)
                out[m].max = v[m];
            sum[m] += v[m];
            counts[m]++;
        }
    }
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        if (counts[m])
            out[m].mean = (float)(sum[m] / (double)counts[m]);
    return seconds;
}

size_t hms_metrics_range(hms_metrics_t *self, const char *id, uint64_t from_ms, uint64_t to_ms,
                         uint64_t *start_ms, float *values, size_t max)
{
    s_series_t *series = zhashx_lookup(self->containers, id);
    if (!series || to_ms < from_ms || max == 0)
        return 0;
    uint64_t first = (from_ms + 999) / 1000, last = to_ms / 1000;
    if (last >= self->window && first < last - self->window + 1)
        first = last - self->window + 1;
    //  Start at the first second kept: older slots hold nothing of this range.
    while (first <= last && !s_second(self, series, (uint32_t)first))
        first++;
    if (first > last)
        return 0;
    size_t count = 0;
    for (uint64_t s = first; s <= last && count < max; s++, count++) {
        const float *v = s_second(self, series, (uint32_t)s);
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            values[count * HMS_METRIC_COUNT + m] = v ? v[m] : NAN;
    }
    *start_ms = first * 1000;
    return count;
}

size_t hms_metrics_size(hms_metrics_t *self)
{
    return zhashx_size(self->containers);
}

zlistx_t *hms_metrics_ids(hms_metrics_t *self)
{
    zlistx_t *ids = zhashx_keys(self->containers);
    if (ids)
        zlistx_sort(ids);
    return ids;
}
