/*  hms_metric: the per-second series HMS keeps for each container.  */

#include "hms_metric.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *name;
    const char *unit;
} s_metrics[HMS_METRIC_COUNT] = {
    [HMS_METRIC_CPU] = {"cpu", "CPUs"},
    [HMS_METRIC_CPU_THROTTLED] = {"cpu_throttled", "ratio"},
    [HMS_METRIC_MEMORY] = {"memory", "bytes"},
    [HMS_METRIC_MEMORY_USAGE] = {"memory_usage", "bytes"},
    [HMS_METRIC_MEMORY_LIMIT] = {"memory_limit", "bytes"},
    [HMS_METRIC_PIDS] = {"pids", "tasks"},
    [HMS_METRIC_PIDS_MAX] = {"pids_max", "tasks"},
    [HMS_METRIC_NET_RX] = {"net_rx", "bytes/s"},
    [HMS_METRIC_NET_TX] = {"net_tx", "bytes/s"},
    [HMS_METRIC_NET_RX_PACKETS] = {"net_rx_packets", "packets/s"},
    [HMS_METRIC_NET_TX_PACKETS] = {"net_tx_packets", "packets/s"},
    [HMS_METRIC_IO_READ] = {"io_read", "bytes/s"},
    [HMS_METRIC_IO_WRITE] = {"io_write", "bytes/s"},
    [HMS_METRIC_OOM_KILLS] = {"oom_kills", "kills/s"},
    [HMS_METRIC_LOSS] = {"loss", "%"},
    [HMS_METRIC_RTT] = {"rtt", "ms"},
};

const char *hms_metric_name(hms_metric_t metric)
{
    return (unsigned)metric < HMS_METRIC_COUNT ? s_metrics[metric].name : "";
}

const char *hms_metric_unit(hms_metric_t metric)
{
    return (unsigned)metric < HMS_METRIC_COUNT ? s_metrics[metric].unit : "";
}

hms_metric_t hms_metric_from_name(const char *name)
{
    for (int m = 0; name && m < HMS_METRIC_COUNT; m++)
        if (strcmp(s_metrics[m].name, name) == 0)
            return (hms_metric_t)m;
    return HMS_METRIC_COUNT;
}

#define FIELD(name)                                                                                \
    {                                                                                              \
#name, offsetof(hms_reading_t, name)                                                       \
    }
const hms_reading_field_t hms_reading_fields[HMS_READING_FIELDS] = {
    FIELD(have),
    FIELD(cpu_usage_ns),
    FIELD(cpu_periods),
    FIELD(cpu_throttled_periods),
    FIELD(cpu_throttled_ns),
    FIELD(cpu_quota_us),
    FIELD(cpu_period_us),
    FIELD(memory_usage),
    FIELD(memory_working_set),
    FIELD(memory_rss),
    FIELD(memory_limit),
    FIELD(oom_kills),
    FIELD(pids_current),
    FIELD(pids_max),
    FIELD(pids_limit_hits),
    FIELD(io_read_bytes),
    FIELD(io_write_bytes),
    FIELD(io_reads),
    FIELD(io_writes),
    FIELD(net_rx_bytes),
    FIELD(net_rx_packets),
    FIELD(net_rx_errors),
    FIELD(net_rx_dropped),
    FIELD(net_tx_bytes),
    FIELD(net_tx_packets),
    FIELD(net_tx_errors),
    FIELD(net_tx_dropped),
};
_Static_assert(sizeof(hms_reading_t) == HMS_READING_FIELDS * sizeof(uint64_t),
               "every counter of a reading is named once");
