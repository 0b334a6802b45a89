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

#include <stddef.h>

//  The Content-Type of the exposition.
#define HMS_PROMETHEUS_TYPE "text/plain; version=0.0.4; charset=utf-8"

//  The metrics of every host of view (malloc'ed, NUL-terminated, its length
//  in *size), or NULL when out of memory.
char *hms_prometheus_render(const hms_view_t *view, size_t *size);

#endif
