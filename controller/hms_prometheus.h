/*  hms_prometheus: a view as Prometheus metrics (GET /metrics).

    The text exposition format 0.0.4, rendered by the REST thread that
    serves the scrape from the view it holds: nothing asks the loop. A
    container's resource metrics use cAdvisor's names (container_cpu_usage_
    seconds_total, container_memory_working_set_bytes, container_spec_
    memory_limit_bytes, container_network_receive_bytes_total, ...), so that
    dashboards made for cAdvisor read them, with the labels host, name, id
    and image; what only HMS knows is under hms_ (hms_probe_loss_ratio,
    hms_probe_rtt_seconds, hms_container_heals_total, hms_host_online, ...).
    The values are the last the managers published: counters as the kernel
    keeps them, gauges at their last reading.
*/
#ifndef HMS_PROMETHEUS_H_INCLUDED
#define HMS_PROMETHEUS_H_INCLUDED

#include "hms_view.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The Content-Type of the exposition.
#define HMS_PROMETHEUS_TYPE "text/plain; version=0.0.4; charset=utf-8"

//  A family read from the containers' last readings (cAdvisor's names).
typedef struct {
    const char *name;
    const char *type; //  counter or gauge
    const char *help;
    unsigned group; //  HMS_READING_*: the reading must hold it
    size_t offset;  //  of the uint64_t counter in hms_reading_t
    double scale;   //  the value is counter * scale
} hms_prometheus_reading_t;

#define HMS_PROMETHEUS_READINGS 26
extern const hms_prometheus_reading_t hms_prometheus_readings[HMS_PROMETHEUS_READINGS];

//  The counter of family in reading (before scale).
static inline uint64_t hms_prometheus_reading_value(const hms_prometheus_reading_t *family,
                                                    const hms_reading_t *reading)
{
    return *(const uint64_t *)((const char *)reading + family->offset);
}

//  hms_container_heals_total's reasons, and the heals of a container by
//  reason (the restarts that were neither for loss nor unhealthy: stopped).
#define HMS_PROMETHEUS_HEAL_REASONS 3
extern const char *const hms_prometheus_heal_reasons[HMS_PROMETHEUS_HEAL_REASONS];
void hms_prometheus_heals(const hms_container_t *container,
                          uint64_t counts[HMS_PROMETHEUS_HEAL_REASONS]);

//  hms_container_exhaustion_seconds' labels (resource, method) by
//  hms_forecast_kind_t, and whether a forecast has a sample (NAN or 1e9
//  and more: not growing towards the limit).
extern const char *const hms_prometheus_forecast_labels[HMS_FORECASTS][2];
static inline bool hms_prometheus_forecast_shown(float seconds)
{
    return !isnan(seconds) && seconds < 1e9f;
}

//  The metrics of every host of view (malloc'ed, NUL-terminated, its length
//  in *size), or NULL when out of memory.
char *hms_prometheus_render(const hms_view_t *view, size_t *size);

#endif
