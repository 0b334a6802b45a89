/*  hms_vmtext: a metrics message as lines of Prometheus' text format with
    timestamps, the body VictoriaMetrics takes on /api/v1/import/prometheus.

    Every sample carries the labels of GET /metrics (host, name, id, image)
    and the time of the message it came from (its t_ms, the end of the
    managers' interval), so that samples pushed late, after an outage, land
    at their true times. Per container and message:

    * the last reading under cAdvisor's names, as GET /metrics shows it
      (container_cpu_usage_seconds_total, container_memory_working_set_bytes,
      ...), and what /metrics adds from the host's table: hms_probe_loss_ratio,
      hms_probe_rtt_seconds, hms_container_heals_total{reason} and
      hms_container_exhaustion_seconds{resource,method};
    * the interval's rollup of each series (hms_metric.h) as
      hms_container_<series>{stat="min"|"mean"|"max"} (hms_container_cpu,
      hms_container_memory, hms_container_net_rx, ...): what the history
      endpoint reads back (hms_vmquery).

    A value the manager did not have (NAN) has no sample. Written by hand
    rather than with stdio: at 10,000 containers every 10 s this is about
    80,000 samples a second.
*/
#ifndef HMS_VMTEXT_H_INCLUDED
#define HMS_VMTEXT_H_INCLUDED

#include "hms_msg.h"

#include <stddef.h>
#include <stdint.h>

//  A growing text buffer.
typedef struct {
    char *data; //  NUL-terminated once anything was written; owned
    size_t size;
    size_t capacity;
} hms_vmtext_t;

//  The name of series metric's rollups: "hms_container_" and its name.
//  Writes it into out (size bytes).
void hms_vmtext_series(hms_metric_t metric, char *out, size_t size);

//  Appends the samples of entry, a container of host (address as
//  followed) in a message ending at t_ms; container is its entry in the
//  host's table (name, image, probing, heals), NULL when the table does not
//  hold it yet (name and image then empty). Returns the samples written,
//  or -1 when out of memory (text then holds whole lines only).
long hms_vmtext_entry(hms_vmtext_t *text, const char *host, const hms_container_t *container,
                      const hms_metrics_entry_t *entry, uint64_t t_ms);

//  The samples hms_vmtext_entry writes for entry and container.
size_t hms_vmtext_samples(const hms_container_t *container, const hms_metrics_entry_t *entry);

//  Empties text, keeping its memory.
void hms_vmtext_reset(hms_vmtext_t *text);

//  Frees what text holds and clears it.
void hms_vmtext_free(hms_vmtext_t *text);

#endif
