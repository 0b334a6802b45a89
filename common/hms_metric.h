/*  hms_metric: the per-second series HMS keeps for each container.

    One catalog for the manager that measures them, the wire that carries
    them (proto/hms-protocol.md, "Metrics"), the controller that stores and
    serves them, and hmsctl: a series is named the same everywhere. Values
    are per second: a level (memory, pids), a rate (bytes per second), or
    the last probe round's figure (loss, rtt).
*/
#ifndef HMS_METRIC_H_INCLUDED
#define HMS_METRIC_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HMS_METRIC_CPU = 0,        //  CPUs used (1: one whole CPU)
    HMS_METRIC_CPU_THROTTLED,  //  share of CFS periods in which it was throttled, 0..1
    HMS_METRIC_MEMORY,         //  working set: usage minus inactive file cache, bytes
    HMS_METRIC_MEMORY_USAGE,   //  bytes charged, cache included
    HMS_METRIC_MEMORY_LIMIT,   //  bytes, 0: none
    HMS_METRIC_PIDS,           //  tasks
    HMS_METRIC_PIDS_MAX,       //  0: none
    HMS_METRIC_NET_RX,         //  bytes received per second, every interface but lo
    HMS_METRIC_NET_TX,         //  bytes sent per second
    HMS_METRIC_NET_RX_PACKETS, //  packets received per second
    HMS_METRIC_NET_TX_PACKETS, //  packets sent per second
    HMS_METRIC_IO_READ,        //  block I/O read, bytes per second
    HMS_METRIC_IO_WRITE,       //  block I/O written, bytes per second
    HMS_METRIC_OOM_KILLS,      //  processes killed by the OOM killer, per second
    HMS_METRIC_LOSS,           //  % lost in the last judging round
    HMS_METRIC_RTT,            //  mean round-trip time of that round, ms
    HMS_METRIC_COUNT
} hms_metric_t;

//  The forecasts of exhaustion a manager makes for each container
//  (manager/hms_forecast.h): seconds before memory reaches its limit and
//  tasks reach pids.max, by a regression line and by Holt's damped trend.
//  Named as the rule inputs that read them (hms_rule.h): "memory_eta", ...
typedef enum {
    HMS_FORECAST_MEMORY = 0,
    HMS_FORECAST_MEMORY_HOLT,
    HMS_FORECAST_PIDS,
    HMS_FORECAST_PIDS_HOLT,
    HMS_FORECASTS
} hms_forecast_kind_t;

//  Which groups of counters a reading holds (a controller may be missing).
enum {
    HMS_READING_CPU = 1 << 0,
    HMS_READING_MEMORY = 1 << 1,
    HMS_READING_PIDS = 1 << 2,
    HMS_READING_IO = 1 << 3,
    HMS_READING_NET = 1 << 4,
};

//  One reading of a container's counters (manager/hms_cgroup). Counters only
//  grow while the container lives (rates are differences of two readings);
//  limits are 0 when there is none.
typedef struct {
    uint64_t have;                  //  HMS_READING_* read
    uint64_t cpu_usage_ns;          //  CPU time used, every CPU
    uint64_t cpu_periods;           //  CFS enforcement periods that ran
    uint64_t cpu_throttled_periods; //  of those, periods in which it was throttled
    uint64_t cpu_throttled_ns;      //  time spent throttled
    uint64_t cpu_quota_us;          //  CPU time allowed per period, 0: no limit
    uint64_t cpu_period_us;         //  the period (quota / period: CPUs allowed)
    uint64_t memory_usage;          //  bytes charged, cache included
    uint64_t memory_working_set;    //  usage minus inactive file cache
    uint64_t memory_rss;            //  anonymous memory
    uint64_t memory_limit;          //  bytes, 0: none
    uint64_t oom_kills;             //  processes killed by the OOM killer
    uint64_t pids_current;          //  tasks
    uint64_t pids_max;              //  0: none
    uint64_t pids_limit_hits;       //  forks refused at pids_max
    uint64_t io_read_bytes;         //  block I/O read, every device
    uint64_t io_write_bytes;        //  block I/O written
    uint64_t io_reads;              //  read operations
    uint64_t io_writes;             //  write operations
    uint64_t net_rx_bytes;          //  received, every interface but lo
    uint64_t net_rx_packets;        //  packets received
    uint64_t net_rx_errors;         //  receive errors
    uint64_t net_rx_dropped;        //  received packets dropped
    uint64_t net_tx_bytes;          //  sent
    uint64_t net_tx_packets;        //  packets sent
    uint64_t net_tx_errors;         //  send errors
    uint64_t net_tx_dropped;        //  packets dropped on the way out
} hms_reading_t;

//  One series over an interval (min, mean and max of its seconds); all NAN
//  when it had no value there.
typedef struct {
    float min;
    float mean;
    float max;
} hms_rollup_t;

//  The counters of a reading in wire order (the reading tuple, proto §6.2),
//  by name: all uint64_t.
typedef struct {
    const char *name;
    size_t offset; //  in hms_reading_t
} hms_reading_field_t;
#define HMS_READING_FIELDS 27
extern const hms_reading_field_t hms_reading_fields[HMS_READING_FIELDS];

//  The series' wire and REST name ("cpu", "memory", "net_rx", ...), "" when
//  out of range.
const char *hms_metric_name(hms_metric_t metric);

//  Its unit, for people ("CPUs", "bytes", "bytes/s", "%", ...).
const char *hms_metric_unit(hms_metric_t metric);

//  The series named name, or HMS_METRIC_COUNT when there is none.
hms_metric_t hms_metric_from_name(const char *name);

#endif
