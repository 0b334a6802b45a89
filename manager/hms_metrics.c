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

//  Seconds are kept in blocks of S_BLOCK, aligned on Unix time. The block
//  being written is open: every value of every second. A block is closed
//  when a reading falls in a later one: each series that held one value
//  all block long (a limit, an idle counter, no loss) keeps that value
//  alone, the others their S_BLOCK values. An idle container costs about
//  a tenth of a full ring, a busy one what a ring costs.
#define S_BLOCK 60

typedef struct {
    uint64_t have;     //  bit i: second i of the block was recorded; 0: no block
    uint32_t block;    //  Unix second / S_BLOCK
    uint16_t constant; //  bit m: series m has one value, data's, all block long
    float *data;       //  per series in order: 1 value (constant) or S_BLOCK
} s_block_t;

typedef struct {
    hms_reading_t last; //  the last reading
    uint64_t last_ms;   //  its wall time; 0: none yet
    s_block_t open;     //  its data: S_BLOCK x HMS_METRIC_COUNT values
    s_block_t *closed;  //  ring of closed blocks, by block % rings
    uint32_t rings;     //  the store's
    float open_values[S_BLOCK * HMS_METRIC_COUNT];
} s_series_t;

_Static_assert(HMS_METRIC_COUNT <= 16, "constant is 16 bits");

struct _hms_metrics_t {
    uint32_t window;      //  seconds kept per container
    uint32_t rings;       //  closed blocks kept: enough for a window
    zhashx_t *containers; //  id -> s_series_t
};

static void s_series_destroy(void **item)
{
    s_series_t *series = *item;
    if (series) {
        for (uint32_t i = 0; series->closed && i < series->rings; i++)
            free(series->closed[i].data);
        free(series->closed);
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
    //  The window's seconds span at most window / S_BLOCK + 2 blocks, the
    //  open one among them.
    self->rings = window_s / S_BLOCK + 1;
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
    if (series)
        series->closed = calloc(self->rings, sizeof *series->closed);
    if (!series || !series->closed) {
        free(series);
        return NULL;
    }
    series->rings = self->rings;
    series->open.data = series->open_values;
    zhashx_insert(self->containers, id, series);
    return series;
}

//  Closes the open block into the ring (its values kept as they are when
//  out of memory: the block is then lost, not the store).
static void s_close(hms_metrics_t *self, s_series_t *series)
{
    const s_block_t *open = &series->open;
    if (!open->have)
        return;
    uint16_t constant = 0;
    size_t values = 0;
    int first = __builtin_ctzll(open->have);
    for (int m = 0; m < HMS_METRIC_COUNT; m++) {
        const float *v = open->data + m;
        bool same = true;
        for (int i = first + 1; same && i < S_BLOCK; i++)
            same = !(open->have >> i & 1) ||
                   memcmp(&v[i * HMS_METRIC_COUNT], &v[first * HMS_METRIC_COUNT], sizeof *v) == 0;
        constant |= (uint16_t)same << m;
        values += same ? 1 : S_BLOCK;
    }
    s_block_t *slot = &series->closed[open->block % self->rings];
    free(slot->data);
    *slot = (s_block_t){0};
    float *data = malloc(values * sizeof *data);
    if (!data)
        return;
    float *out = data;
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        if (constant >> m & 1)
            *out++ = open->data[first * HMS_METRIC_COUNT + m];
        else
            for (int i = 0; i < S_BLOCK; i++)
                *out++ = open->data[i * HMS_METRIC_COUNT + m];
    *slot = (s_block_t){open->have, open->block, constant, data};
}

//  The values of second (Unix) into v; false when that second is not kept.
static bool s_second(hms_metrics_t *self, s_series_t *series, uint32_t second,
                     float v[HMS_METRIC_COUNT])
{
    uint32_t block = second / S_BLOCK, i = second % S_BLOCK;
    if (series->open.block == block && series->open.have >> i & 1) {
        memcpy(v, series->open.data + i * HMS_METRIC_COUNT, HMS_METRIC_COUNT * sizeof *v);
        return true;
    }
    const s_block_t *closed = &series->closed[block % self->rings];
    if (closed->block != block || !(closed->have >> i & 1))
        return false;
    const float *in = closed->data;
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        if (closed->constant >> m & 1)
            v[m] = *in++;
        else {
            v[m] = in[i];
            in += S_BLOCK;
        }
    return true;
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
    uint32_t second = (uint32_t)(now_ms / 1000), block = second / S_BLOCK;
    s_block_t *open = &series->open;
    if (open->have && block < open->block)
        return 0; //  the clock went back past the open block: not kept
    if (!open->have || block != open->block) {
        s_close(self, series);
        open->have = 0;
        open->block = block;
    }
    uint32_t i = second % S_BLOCK;
    s_derive(rates ? &series->last : NULL, sample, (double)(now_ms - series->last_ms) / 1000.0,
             loss, rtt_ms, open->data + i * HMS_METRIC_COUNT);
    open->have |= 1ull << i;
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
    float v[HMS_METRIC_COUNT];
    for (uint64_t s = first; s <= last; s++) {
        if (!s_second(self, series, (uint32_t)s, v))
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
    float *v = values;
    while (first <= last && !s_second(self, series, (uint32_t)first, v))
        first++;
    if (first > last)
        return 0;
    size_t count = 1;
    for (uint64_t s = first + 1; s <= last && count < max; s++, count++) {
        v = values + count * HMS_METRIC_COUNT;
        if (!s_second(self, series, (uint32_t)s, v))
            for (int m = 0; m < HMS_METRIC_COUNT; m++)
                v[m] = NAN;
    }
    *start_ms = first * 1000;
    return count;
}

size_t hms_metrics_bytes(hms_metrics_t *self)
{
    size_t bytes = sizeof *self;
    for (s_series_t *series = zhashx_first(self->containers); series;
         series = zhashx_next(self->containers)) {
        bytes += sizeof *series + series->rings * sizeof *series->closed;
        for (uint32_t i = 0; i < series->rings; i++) {
            uint16_t constant = series->closed[i].constant;
            if (series->closed[i].data)
                bytes += sizeof(float) *
                         ((size_t)__builtin_popcount(constant) +
                          S_BLOCK * (size_t)(HMS_METRIC_COUNT - __builtin_popcount(constant)));
        }
    }
    return bytes;
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
