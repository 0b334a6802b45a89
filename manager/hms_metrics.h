/*  hms_metrics: the manager's recent per-second series of each container.

    Each second the manager reads every running container's counters
    (hms_cgroup) and records the reading here with the prober's last
    figures. Two consecutive readings of one life of a container give the
    second's values (hms_metric.h): CPUs from the CPU time used, rates from
    the counters' differences, levels as read. The last window seconds of
    each container are kept, one slot per second of wall time, in blocks
    of a minute: a series that held one value all minute long (a limit, an
    idle counter) keeps it once.
    The store answers a range at full resolution (give_metrics) and
    rollups, the min, mean and max of each series over an interval (the
    metrics topic). A second without a value (the container was not read,
    or it had just started and its counters began again) is NAN.
*/
#ifndef HMS_METRICS_H_INCLUDED
#define HMS_METRICS_H_INCLUDED

#include "hms_metric.h"

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_metrics_t hms_metrics_t;

//  Most seconds a store keeps per container.
#define HMS_METRICS_WINDOW_MAX 3600

//  A store that keeps window_s seconds (1 .. HMS_METRICS_WINDOW_MAX) of
//  each container. Returns NULL when out of memory or window_s is out of range.
hms_metrics_t *hms_metrics_new(uint32_t window_s);

//  Frees the store; sets *self_p to NULL. Safe on NULL.
void hms_metrics_destroy(hms_metrics_t **self_p);

//  Records a reading of container id at wall time now_ms, with the last
//  judging round's loss (%) and rtt_ms (NAN: none). fresh: the first
//  reading of a new life of the container (it started since the last):
//  its rates begin at the next reading. Returns 0, or -1 when out of memory.
int hms_metrics_record(hms_metrics_t *self, const char *id, uint64_t now_ms,
                       const hms_reading_t *sample, bool fresh, double loss, double rtt_ms);

//  Forgets a container (it was removed).
void hms_metrics_remove(hms_metrics_t *self, const char *id);

//  The last reading of id (borrowed until the next record), and its time
//  in *at_ms; NULL when the store has none.
const hms_reading_t *hms_metrics_last(hms_metrics_t *self, const char *id, uint64_t *at_ms);

//  Rollups of every series over the seconds in (from_ms, to_ms]. Returns
//  the number of seconds of that interval the store has a value for.
size_t hms_metrics_rollup(hms_metrics_t *self, const char *id, uint64_t from_ms, uint64_t to_ms,
                          hms_rollup_t out[HMS_METRIC_COUNT]);

//  The values of the seconds in [from_ms, to_ms] that are still kept, in
//  order: values[i * HMS_METRIC_COUNT + m] is series m at *start_ms + i *
//  1000. Fills at most max seconds; returns how many (0: none kept).
size_t hms_metrics_range(hms_metrics_t *self, const char *id, uint64_t from_ms, uint64_t to_ms,
                         uint64_t *start_ms, float *values, size_t max);

//  Bytes the store holds (its allocations, without the allocator's own).
size_t hms_metrics_bytes(hms_metrics_t *self);

//  Containers in the store.
size_t hms_metrics_size(hms_metrics_t *self);

//  The ids of the containers in the store, sorted: a new list the caller
//  destroys (NULL when out of memory).
zlistx_t *hms_metrics_ids(hms_metrics_t *self);

#endif
