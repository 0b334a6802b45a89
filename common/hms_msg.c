/*  hms_msg: the HMS/2 wire protocol codec.

    Each message body is described once, as a table of fields (key, type,
    flags, where the value lives, bounds). One decoder and one encoder walk
    these tables, so a field is checked the same way everywhere and the
    spec's field tables (proto/hms-protocol.md) read like the tables here.
*/

#include "hms_msg.h"
#include "hms_audit.h"
#include "hms_log.h"
#include "hms_mpcheck.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  F_HEX: hex text in C, raw bytes (bin) on the wire: container ids, half the size.
typedef enum {
    F_UINT,
    F_DOUBLE,
    F_FLOAT,
    F_STR,
    F_HEX,
    F_BOOL,
    F_ENUM,
    F_MAP,
    F_ARRAY
} field_kind_t;

#define F_REQUIRED 1 //  the key must be present
#define F_NONEMPTY 2 //  a string must not be empty

typedef struct spec_t spec_t;

typedef struct {
    const char *key;
    field_kind_t kind;
    int flags;
    size_t offset;            //  from the start of the body (or array element)
    size_t size;              //  F_STR: buffer size; F_ARRAY: element size
    double min, max;          //  F_UINT, F_DOUBLE: bounds; F_ARRAY: max is the count limit
    const char *const *names; //  F_ENUM: wire names, index = value, [0] unused
    int name_count;
    const spec_t *spec;  //  F_MAP: the nested map; F_ARRAY: each element
    size_t count_offset; //  F_ARRAY: size_t count; the pointer lives at offset
} field_t;

struct spec_t {
    const char *name;
    const field_t *fields;
    int count;
    //  Offset of a uint32_t whose bit i says field i is present, or -1: then
    //  an optional field is sent unless it holds its zero value (0, "",
    //  false, NAN) and decodes to that value when absent.
    long present_offset;
    //  True: each element is an array of the values in field order (absent
    //  optional values are nil, trailing ones left out) instead of a map.
    //  For the many entries of give_content: no key is repeated per entry.
    bool tuple;
};

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))
#define STR(key, type, member, flags)                                                              \
    {                                                                                              \
        key, F_STR, flags, offsetof(type, member), sizeof(((type *)0)->member), 0, 0, NULL, 0,     \
            NULL, 0                                                                                \
    }
#define UINT(key, type, member, flags, lo, hi)                                                     \
    {                                                                                              \
        key, F_UINT, flags, offsetof(type, member), 0, lo, hi, NULL, 0, NULL, 0                    \
    }
#define DBL(key, type, member, flags, lo, hi)                                                      \
    {                                                                                              \
        key, F_DOUBLE, flags, offsetof(type, member), 0, lo, hi, NULL, 0, NULL, 0                  \
    }
#define FLT(key, type, member, flags, lo, hi)                                                      \
    {                                                                                              \
        key, F_FLOAT, flags, offsetof(type, member), 0, lo, hi, NULL, 0, NULL, 0                   \
    }
#define HEX(key, type, member, flags)                                                              \
    {                                                                                              \
        key, F_HEX, flags, offsetof(type, member), sizeof(((type *)0)->member), 0, 0, NULL, 0,     \
            NULL, 0                                                                                \
    }
#define BOOL(key, type, member, flags)                                                             \
    {                                                                                              \
        key, F_BOOL, flags, offsetof(type, member), 0, 0, 0, NULL, 0, NULL, 0                      \
    }
#define ENUM(key, type, member, flags, names)                                                      \
    {                                                                                              \
        key, F_ENUM, flags, offsetof(type, member), 0, 0, 0, names, N(names), NULL, 0              \
    }
#define MAP(key, type, member, flags, spec)                                                        \
    {                                                                                              \
        key, F_MAP, flags, offsetof(type, member), 0, 0, 0, NULL, 0, &spec, 0                      \
    }
#define ARRAY(key, type, member, count, element, flags, limit, spec)                               \
    {                                                                                              \
        key, F_ARRAY, flags, offsetof(type, member), sizeof(element), 0, limit, NULL, 0, &spec,    \
            offsetof(type, count)                                                                  \
    }

#define U64MAX 18446744073709551615.0
#define REQ    F_REQUIRED
#define REQNE  (F_REQUIRED | F_NONEMPTY)

//  Wire names. Index 0 is the "none" value and is never sent.
static const char *const s_type_names[] = {"",
                                           "hb",
                                           "update",
                                           "attack",
                                           "metrics",
                                           "alert",
                                           "ping",
                                           "give_content",
                                           "give_metrics",
                                           "container_threshold",
                                           "container_ignore",
                                           "container_add",
                                           "get_config",
                                           "set_config",
                                           "get_rules",
                                           "set_rules",
                                           "conf_antagonist",
                                           "start_antagonist",
                                           "stop_antagonist",
                                           "antagonist_status",
                                           "list_hosts",
                                           "ok",
                                           "error"};
static const char *const s_status_names[] = {"",     "active",  "ignored", "restarting",
                                             "down", "backoff", "stopped"};
static const char *const s_role_names[] = {"", "manager", "antagonist", "controller"};
static const char *const s_phase_names[] = {"", "start", "end"};
static const char *const s_kind_names[] = {
    "",          "shutdown",    "loss",          "cpu_burn",
    "fork_bomb", "memory_leak", "network_flood", "privileged_exec",
    "escape"};
_Static_assert(N(s_kind_names) == HMS_ATTACK_KINDS, "a name per attack kind");
static const char *const s_severity_names[] = {"", "info", "warning", "critical"};
//  Rules' responses: 0 (none) is absent on the wire.
static const char *const s_response_names[] = {"", "pause", "stop", "restart"};
static const char *const s_alert_state_names[] = {"", "inactive", "pending", "firing", "resolved"};
static const char *const s_mode_names[] = {"", "stop", "kill"};
static const char *const s_host_names[] = {"", "online", "offline"};
static const char *const s_decode_names[] = {"ok",
                                             "truncated",
                                             "trailing bytes",
                                             "declared length exceeds the message",
                                             "too deep",
                                             "reserved byte 0xc1",
                                             "too many objects",
                                             "too large",
                                             "not a map",
                                             "duplicate key",
                                             "missing key",
                                             "wrong type",
                                             "out of range",
                                             "unsupported version",
                                             "unknown command",
                                             "out of memory"};

//  Message bodies.

static const field_t s_hb_fields[] = {
    UINT("update_seq", hms_hb_t, update_seq, REQ, 0, U64MAX),
    UINT("digest", hms_hb_t, digest, REQ, 0, UINT32_MAX),
    UINT("interval_ms", hms_hb_t, interval_ms, REQ, HMS_PERIOD_MIN, HMS_PERIOD_MAX),
};
static const spec_t s_hb = {"hb", s_hb_fields, N(s_hb_fields), -1, true};

static const field_t s_attack_fields[] = {
    STR("address", hms_attack_t, address, REQNE),
    UINT("seq", hms_attack_t, seq, REQ, 0, U64MAX),
    UINT("attack_id", hms_attack_t, attack_id, REQ, 0, U64MAX),
    ENUM("phase", hms_attack_t, phase, REQ, s_phase_names),
    ENUM("kind", hms_attack_t, kind, REQ, s_kind_names),
    STR("container", hms_attack_t, container, REQNE),
    STR("name", hms_attack_t, name, 0),
    DBL("loss", hms_attack_t, loss, 0, 0, 100),
    UINT("duration_ms", hms_attack_t, duration_ms, 0, 0, U64MAX),
    UINT("ts_ms", hms_attack_t, ts_ms, REQ, 0, U64MAX),
};
static const spec_t s_attack = {"attack", s_attack_fields, N(s_attack_fields), -1, false};

static const field_t s_alert_fields[] = {
    STR("address", hms_alert_t, address, REQNE),
    UINT("seq", hms_alert_t, seq, REQ, 1, U64MAX),
    STR("rule", hms_alert_t, rule, REQNE),
    ENUM("state", hms_alert_t, state, REQ, s_alert_state_names),
    ENUM("severity", hms_alert_t, severity, REQ, s_severity_names),
    HEX("container", hms_alert_t, container, REQNE),
    STR("name", hms_alert_t, name, 0),
    STR("metric", hms_alert_t, metric, REQNE),
    DBL("value", hms_alert_t, value, 0, -1e300, 1e300),
    DBL("threshold", hms_alert_t, threshold, REQ, -1e300, 1e300),
    UINT("since_ms", hms_alert_t, since_ms, REQ, 0, U64MAX),
    UINT("ts_ms", hms_alert_t, ts_ms, REQ, 0, U64MAX),
    STR("summary", hms_alert_t, summary, 0),
};
static const spec_t s_alert = {"alert", s_alert_fields, N(s_alert_fields), -1, false};

static const spec_t s_empty = {"empty", NULL, 0, -1, false};

static const field_t s_threshold_fields[] = {
    {"threshold", F_DOUBLE, REQ, 0, 0, HMS_THRESHOLD_MIN, HMS_THRESHOLD_MAX, NULL, 0, NULL, 0},
};
static const spec_t s_threshold = {"threshold", s_threshold_fields, N(s_threshold_fields), -1,
                                   false};

static const field_t s_container_request_fields[] = {
    STR("container", hms_container_ref_t, container, REQNE),
};
static const spec_t s_container_request = {"container", s_container_request_fields,
                                           N(s_container_request_fields), -1, false};

static const field_t s_container_reply_fields[] = {
    STR("container", hms_container_ref_t, container, REQNE),
    ENUM("status", hms_container_ref_t, status, REQ, s_status_names),
};
static const spec_t s_container_reply = {"container", s_container_reply_fields,
                                         N(s_container_reply_fields), -1, false};

static const field_t s_settings_fields[] = {
    DBL("threshold", hms_settings_t, threshold, 0, HMS_THRESHOLD_MIN, HMS_THRESHOLD_MAX),
    UINT("probe_count", hms_settings_t, probe_count, 0, HMS_PROBE_COUNT_MIN, HMS_PROBE_COUNT_MAX),
    UINT("probe_interval_ms", hms_settings_t, probe_interval_ms, 0, HMS_PROBE_INTERVAL_MIN,
         HMS_PROBE_INTERVAL_MAX),
    UINT("probe_timeout_ms", hms_settings_t, probe_timeout_ms, 0, HMS_PROBE_TIMEOUT_MIN,
         HMS_PROBE_TIMEOUT_MAX),
    UINT("probe_period_ms", hms_settings_t, probe_period_ms, 0, HMS_PERIOD_MIN, HMS_PERIOD_MAX),
    UINT("heartbeat_ms", hms_settings_t, heartbeat_ms, 0, HMS_PERIOD_MIN, HMS_PERIOD_MAX),
    UINT("grace_ms", hms_settings_t, grace_ms, 0, 0, HMS_GRACE_MAX),
    UINT("backoff_max_ms", hms_settings_t, backoff_max_ms, 0, 0, HMS_BACKOFF_MAX),
};
static const spec_t s_settings = {"config", s_settings_fields, N(s_settings_fields),
                                  offsetof(hms_settings_t, present), false};

static const field_t s_config_fields[] = {
    {"config", F_MAP, REQ, 0, 0, 0, 0, NULL, 0, &s_settings, 0},
};
static const spec_t s_config = {"config", s_config_fields, N(s_config_fields), -1, false};

static const field_t s_antagonist_fields[] = {
    STR("name", hms_antagonist_conf_t, name, 0),
    DBL("loss", hms_antagonist_conf_t, loss, REQ, 0, 100),
    DBL("balance", hms_antagonist_conf_t, balance, REQ, 0, 100),
    DBL("heavy", hms_antagonist_conf_t, heavy, REQ, 0, 100),
    DBL("frequency", hms_antagonist_conf_t, frequency, REQ, HMS_FREQUENCY_MIN, HMS_FREQUENCY_MAX),
    DBL("duration", hms_antagonist_conf_t, duration, REQ, HMS_FREQUENCY_MIN, HMS_FREQUENCY_MAX),
    DBL("sigma", hms_antagonist_conf_t, sigma, 0, 0, 100),
    UINT("seed", hms_antagonist_conf_t, seed, 0, 0, (double)HMS_SEED_MAX),
    ENUM("mode", hms_antagonist_conf_t, mode, 0, s_mode_names),
};
static const spec_t s_antagonist = {"conf_antagonist", s_antagonist_fields, N(s_antagonist_fields),
                                    -1, false};

static const field_t s_pong_fields[] = {
    STR("address", hms_pong_t, address, REQNE),
    ENUM("role", hms_pong_t, role, REQ, s_role_names),
    STR("version", hms_pong_t, version, REQNE),
    UINT("uptime_ms", hms_pong_t, uptime_ms, REQ, 0, U64MAX),
};
static const spec_t s_pong = {"ping", s_pong_fields, N(s_pong_fields), -1, false};

static const field_t s_container_fields[] = {
    HEX("id", hms_container_t, id, REQNE),
    STR("name", hms_container_t, name, REQ),
    STR("image", hms_container_t, image, 0),
    STR("ip", hms_container_t, ip, 0),
    ENUM("status", hms_container_t, status, REQ, s_status_names),
    STR("state", hms_container_t, state, 0),
    DBL("loss", hms_container_t, loss, 0, 0, 100),
    DBL("rtt_ms", hms_container_t, rtt_ms, 0, 0, 3600000),
    UINT("restarts", hms_container_t, restarts, 0, 0, U64MAX),
    UINT("since_ms", hms_container_t, since_ms, 0, 0, U64MAX),
    UINT("loss_heals", hms_container_t, loss_heals, 0, 0, U64MAX),
    UINT("health_heals", hms_container_t, health_heals, 0, 0, U64MAX),
    UINT("risks", hms_container_t, risks, 0, 0, (1u << HMS_CHECK_COUNT) - 1),
};
static const spec_t s_container = {"container", s_container_fields, N(s_container_fields), -1,
                                   true};

//  An entry of an update: a container as in give_content, or only its id
//  when it was removed (then it has no status).
static const field_t s_change_fields[] = {
    HEX("id", hms_container_t, id, REQNE),
    STR("name", hms_container_t, name, 0),
    STR("image", hms_container_t, image, 0),
    STR("ip", hms_container_t, ip, 0),
    ENUM("status", hms_container_t, status, 0, s_status_names),
    STR("state", hms_container_t, state, 0),
    DBL("loss", hms_container_t, loss, 0, 0, 100),
    DBL("rtt_ms", hms_container_t, rtt_ms, 0, 0, 3600000),
    UINT("restarts", hms_container_t, restarts, 0, 0, U64MAX),
    UINT("since_ms", hms_container_t, since_ms, 0, 0, U64MAX),
    UINT("loss_heals", hms_container_t, loss_heals, 0, 0, U64MAX),
    UINT("health_heals", hms_container_t, health_heals, 0, 0, U64MAX),
    UINT("risks", hms_container_t, risks, 0, 0, (1u << HMS_CHECK_COUNT) - 1),
};
static const spec_t s_change = {"change", s_change_fields, N(s_change_fields), -1, true};

static const field_t s_update_fields[] = {
    UINT("update_seq", hms_update_t, update_seq, REQ, 1, U64MAX),
    UINT("started_ms", hms_update_t, started_ms, REQ, 0, U64MAX),
    UINT("digest", hms_update_t, digest, REQ, 0, UINT32_MAX),
    DBL("threshold", hms_update_t, threshold, 0, HMS_THRESHOLD_MIN, HMS_THRESHOLD_MAX),
    ARRAY("changes", hms_update_t, changes, count, hms_container_t, 0, HMS_CONTENT_MAX, s_change),
};
static const spec_t s_update = {"update", s_update_fields, N(s_update_fields), -1, true};

static const field_t s_content_fields[] = {
    STR("address", hms_content_t, address, REQNE),
    UINT("update_seq", hms_content_t, update_seq, REQ, 0, U64MAX),
    UINT("started_ms", hms_content_t, started_ms, REQ, 0, U64MAX),
    DBL("threshold", hms_content_t, threshold, REQ, HMS_THRESHOLD_MIN, HMS_THRESHOLD_MAX),
    ARRAY("content", hms_content_t, content, count, hms_container_t, REQ, HMS_CONTENT_MAX,
          s_container),
};
static const spec_t s_content = {"give_content", s_content_fields, N(s_content_fields), -1, false};

static const field_t s_antagonist_status_fields[] = {
    BOOL("running", hms_antagonist_status_t, running, REQ),
    MAP("config", hms_antagonist_status_t, config, REQ, s_antagonist),
    UINT("attempts", hms_antagonist_status_t, attempts, REQ, 0, U64MAX),
    UINT("shutdowns", hms_antagonist_status_t, shutdowns, REQ, 0, U64MAX),
    UINT("loss_attacks", hms_antagonist_status_t, loss_attacks, REQ, 0, U64MAX),
    UINT("targets", hms_antagonist_status_t, targets, REQ, 0, U64MAX),
};
static const spec_t s_antagonist_status = {"antagonist_status", s_antagonist_status_fields,
                                           N(s_antagonist_status_fields), -1, false};

static const field_t s_host_fields[] = {
    STR("address", hms_host_t, address, REQNE),
    ENUM("status", hms_host_t, status, REQ, s_host_names),
    UINT("last_seen_ms", hms_host_t, last_seen_ms, REQ, 0, U64MAX),
    UINT("containers", hms_host_t, containers, REQ, 0, U64MAX),
};
static const spec_t s_host = {"host", s_host_fields, N(s_host_fields), -1, false};

static const field_t s_hosts_fields[] = {
    ARRAY("hosts", hms_hosts_t, hosts, count, hms_host_t, REQ, HMS_HOSTS_MAX, s_host),
};
static const spec_t s_hosts = {"list_hosts", s_hosts_fields, N(s_hosts_fields), -1, false};

static const field_t s_error_fields[] = {
    UINT("code", hms_error_t, code, REQ, 100, 599),
    STR("message", hms_error_t, message, REQ),
};
static const spec_t s_error = {"error", s_error_fields, N(s_error_fields), -1, false};

//  Metrics (proto: "Metrics"): a container's last reading, as a tuple.
#define READING(key, member) UINT(key, hms_reading_t, member, 0, 0, U64MAX)
static const field_t s_reading_fields[] = {
    UINT("have", hms_reading_t, have, REQ, 0, 31),
    READING("cpu_usage_ns", cpu_usage_ns),
    READING("cpu_periods", cpu_periods),
    READING("cpu_throttled_periods", cpu_throttled_periods),
    READING("cpu_throttled_ns", cpu_throttled_ns),
    READING("cpu_quota_us", cpu_quota_us),
    READING("cpu_period_us", cpu_period_us),
    READING("memory_usage", memory_usage),
    READING("memory_working_set", memory_working_set),
    READING("memory_rss", memory_rss),
    READING("memory_limit", memory_limit),
    READING("oom_kills", oom_kills),
    READING("pids_current", pids_current),
    READING("pids_max", pids_max),
    READING("pids_limit_hits", pids_limit_hits),
    READING("io_read_bytes", io_read_bytes),
    READING("io_write_bytes", io_write_bytes),
    READING("io_reads", io_reads),
    READING("io_writes", io_writes),
    READING("net_rx_bytes", net_rx_bytes),
    READING("net_rx_packets", net_rx_packets),
    READING("net_rx_errors", net_rx_errors),
    READING("net_rx_dropped", net_rx_dropped),
    READING("net_tx_bytes", net_tx_bytes),
    READING("net_tx_packets", net_tx_packets),
    READING("net_tx_errors", net_tx_errors),
    READING("net_tx_dropped", net_tx_dropped),
};
static const spec_t s_reading = {"reading", s_reading_fields, N(s_reading_fields), -1, true};

//  The series over an interval: min, mean and max of each, in
//  hms_metric_t order, as one flat tuple of floats.
#define ROLLUP(name, m)                                                                            \
    FLT(name ".min", hms_metrics_entry_t, rollups[m].min, 0, 0, FLT_MAX),                          \
        FLT(name ".mean", hms_metrics_entry_t, rollups[m].mean, 0, 0, FLT_MAX),                    \
        FLT(name ".max", hms_metrics_entry_t, rollups[m].max, 0, 0, FLT_MAX)
static const field_t s_rollup_fields[] = {
    ROLLUP("cpu", HMS_METRIC_CPU),
    ROLLUP("cpu_throttled", HMS_METRIC_CPU_THROTTLED),
    ROLLUP("memory", HMS_METRIC_MEMORY),
    ROLLUP("memory_usage", HMS_METRIC_MEMORY_USAGE),
    ROLLUP("memory_limit", HMS_METRIC_MEMORY_LIMIT),
    ROLLUP("pids", HMS_METRIC_PIDS),
    ROLLUP("pids_max", HMS_METRIC_PIDS_MAX),
    ROLLUP("net_rx", HMS_METRIC_NET_RX),
    ROLLUP("net_tx", HMS_METRIC_NET_TX),
    ROLLUP("net_rx_packets", HMS_METRIC_NET_RX_PACKETS),
    ROLLUP("net_tx_packets", HMS_METRIC_NET_TX_PACKETS),
    ROLLUP("io_read", HMS_METRIC_IO_READ),
    ROLLUP("io_write", HMS_METRIC_IO_WRITE),
    ROLLUP("oom_kills", HMS_METRIC_OOM_KILLS),
    ROLLUP("loss", HMS_METRIC_LOSS),
    ROLLUP("rtt", HMS_METRIC_RTT),
};
_Static_assert(N(s_rollup_fields) == 3 * HMS_METRIC_COUNT, "one rollup per series");
//  Offsets are from the entry: the nested tuple is read and written in place.
static const spec_t s_rollups = {"rollups", s_rollup_fields, N(s_rollup_fields), -1, true};

//  Seconds left before exhaustion, in hms_forecast_kind_t order.
static const field_t s_forecast_fields[] = {
    FLT("memory_eta", hms_metrics_entry_t, forecasts[HMS_FORECAST_MEMORY], 0, 0, 1e9),
    FLT("memory_eta_holt", hms_metrics_entry_t, forecasts[HMS_FORECAST_MEMORY_HOLT], 0, 0, 1e9),
    FLT("pids_eta", hms_metrics_entry_t, forecasts[HMS_FORECAST_PIDS], 0, 0, 1e9),
    FLT("pids_eta_holt", hms_metrics_entry_t, forecasts[HMS_FORECAST_PIDS_HOLT], 0, 0, 1e9),
};
_Static_assert(N(s_forecast_fields) == HMS_FORECASTS, "one field per forecast");
static const spec_t s_forecasts = {"forecasts", s_forecast_fields, N(s_forecast_fields), -1, true};

static const field_t s_metrics_entry_fields[] = {
    HEX("id", hms_metrics_entry_t, id, REQNE),
    UINT("seconds", hms_metrics_entry_t, seconds, REQ, 0, HMS_METRICS_ROWS_MAX),
    MAP("reading", hms_metrics_entry_t, reading, REQ, s_reading),
    {"rollups", F_MAP, 0, 0, 0, 0, 0, NULL, 0, &s_rollups, 0},
    {"forecasts", F_MAP, 0, 0, 0, 0, 0, NULL, 0, &s_forecasts, 0},
};
static const spec_t s_metrics_entry = {"entry", s_metrics_entry_fields, N(s_metrics_entry_fields),
                                       -1, true};

static const field_t s_metrics_fields[] = {
    UINT("seq", hms_metrics_report_t, seq, REQ, 1, U64MAX),
    UINT("t_ms", hms_metrics_report_t, t_ms, REQ, 0, U64MAX),
    UINT("interval_ms", hms_metrics_report_t, interval_ms, REQ, 1000, HMS_PERIOD_MAX),
    ARRAY("entries", hms_metrics_report_t, entries, count, hms_metrics_entry_t, 0,
          HMS_METRICS_ENTRIES_MAX, s_metrics_entry),
};
static const spec_t s_metrics = {"metrics", s_metrics_fields, N(s_metrics_fields), -1, true};

static const field_t s_query_fields[] = {
    STR("container", hms_metrics_query_t, container, REQNE),
    UINT("from_ms", hms_metrics_query_t, from_ms, 0, 0, U64MAX),
    UINT("to_ms", hms_metrics_query_t, to_ms, 0, 0, U64MAX),
};
static const spec_t s_query = {"give_metrics", s_query_fields, N(s_query_fields), -1, false};

//  A second of every series: a tuple of floats, nil for no value.
#define SECOND(name, m) FLT(name, hms_metrics_row_t, values[m], 0, 0, FLT_MAX)
static const field_t s_row_fields[] = {
    SECOND("cpu", HMS_METRIC_CPU),
    SECOND("cpu_throttled", HMS_METRIC_CPU_THROTTLED),
    SECOND("memory", HMS_METRIC_MEMORY),
    SECOND("memory_usage", HMS_METRIC_MEMORY_USAGE),
    SECOND("memory_limit", HMS_METRIC_MEMORY_LIMIT),
    SECOND("pids", HMS_METRIC_PIDS),
    SECOND("pids_max", HMS_METRIC_PIDS_MAX),
    SECOND("net_rx", HMS_METRIC_NET_RX),
    SECOND("net_tx", HMS_METRIC_NET_TX),
    SECOND("net_rx_packets", HMS_METRIC_NET_RX_PACKETS),
    SECOND("net_tx_packets", HMS_METRIC_NET_TX_PACKETS),
    SECOND("io_read", HMS_METRIC_IO_READ),
    SECOND("io_write", HMS_METRIC_IO_WRITE),
    SECOND("oom_kills", HMS_METRIC_OOM_KILLS),
    SECOND("loss", HMS_METRIC_LOSS),
    SECOND("rtt", HMS_METRIC_RTT),
};
_Static_assert(N(s_row_fields) == HMS_METRIC_COUNT, "one value per series");
static const spec_t s_row = {"row", s_row_fields, N(s_row_fields), -1, true};

static const field_t s_range_fields[] = {
    HEX("container", hms_metrics_range_t, container, REQNE),
    UINT("start_ms", hms_metrics_range_t, start_ms, REQ, 0, U64MAX),
    UINT("step_ms", hms_metrics_range_t, step_ms, REQ, 1, HMS_PERIOD_MAX),
    ARRAY("rows", hms_metrics_range_t, rows, count, hms_metrics_row_t, REQ, HMS_METRICS_ROWS_MAX,
          s_row),
};
static const spec_t s_range = {"give_metrics", s_range_fields, N(s_range_fields), -1, false};

//  Alert rules (hms_rule.h), every field given.
static const field_t s_rule_fields[] = {
    STR("name", hms_rule_wire_t, name, REQNE),
    STR("metric", hms_rule_wire_t, metric, REQNE),
    STR("op", hms_rule_wire_t, op, REQNE),
    BOOL("of_limit", hms_rule_wire_t, of_limit, REQ),
    DBL("threshold", hms_rule_wire_t, threshold, REQ, -1e300, 1e300),
    DBL("clear", hms_rule_wire_t, clear, REQ, -1e300, 1e300),
    UINT("for_s", hms_rule_wire_t, for_s, REQ, 0, HMS_RULE_FOR_MAX),
    ENUM("severity", hms_rule_wire_t, severity, REQ, s_severity_names),
    STR("summary", hms_rule_wire_t, summary, 0),
    DBL("baseline", hms_rule_wire_t, baseline, 0, 0, HMS_RULE_BASELINE_MAX),
    ENUM("response", hms_rule_wire_t, response, 0, s_response_names),
};
static const spec_t s_rule = {"rule", s_rule_fields, N(s_rule_fields), -1, false};

static const field_t s_rules_fields[] = {
    ARRAY("rules", hms_rules_msg_t, rules, count, hms_rule_wire_t, REQ, HMS_RULES_MAX, s_rule),
};
static const spec_t s_rules = {"rules", s_rules_fields, N(s_rules_fields), -1, false};

//  The body of a request, or of a PUB message.
static const spec_t *s_request_spec(hms_msg_type_t type)
{
    switch (type) {
    case HMS_MSG_HB: return &s_hb;
    case HMS_MSG_UPDATE: return &s_update;
    case HMS_MSG_ATTACK: return &s_attack;
    case HMS_MSG_METRICS: return &s_metrics;
    case HMS_MSG_ALERT: return &s_alert;
    case HMS_MSG_GIVE_METRICS: return &s_query;
    case HMS_MSG_CONTAINER_THRESHOLD: return &s_threshold;
    case HMS_MSG_CONTAINER_IGNORE:
    case HMS_MSG_CONTAINER_ADD: return &s_container_request;
    case HMS_MSG_SET_CONFIG: return &s_config;
    case HMS_MSG_SET_RULES: return &s_rules;
    case HMS_MSG_CONF_ANTAGONIST: return &s_antagonist;
    case HMS_MSG_ERROR: return &s_error;
    case HMS_MSG_PING:
    case HMS_MSG_GIVE_CONTENT:
    case HMS_MSG_GET_CONFIG:
    case HMS_MSG_GET_RULES:
    case HMS_MSG_START_ANTAGONIST:
    case HMS_MSG_STOP_ANTAGONIST:
    case HMS_MSG_ANTAGONIST_STATUS:
    case HMS_MSG_LIST_HOSTS: return &s_empty;
    default: return NULL;
    }
}

//  The payload of an ok reply to request type re.
static const spec_t *s_reply_spec(hms_msg_type_t re)
{
    switch (re) {
    case HMS_MSG_PING: return &s_pong;
    case HMS_MSG_GIVE_CONTENT: return &s_content;
    case HMS_MSG_GIVE_METRICS: return &s_range;
    case HMS_MSG_CONTAINER_THRESHOLD: return &s_threshold;
    case HMS_MSG_CONTAINER_IGNORE:
    case HMS_MSG_CONTAINER_ADD: return &s_container_reply;
    case HMS_MSG_GET_CONFIG:
    case HMS_MSG_SET_CONFIG: return &s_config;
    case HMS_MSG_GET_RULES:
    case HMS_MSG_SET_RULES: return &s_rules;
    case HMS_MSG_CONF_ANTAGONIST:
    case HMS_MSG_START_ANTAGONIST:
    case HMS_MSG_STOP_ANTAGONIST:
    case HMS_MSG_ANTAGONIST_STATUS: return &s_antagonist_status;
    case HMS_MSG_LIST_HOSTS: return &s_hosts;
    default: return NULL;
    }
}

static const spec_t *s_spec(hms_msg_type_t type, hms_msg_type_t re)
{
    return type == HMS_MSG_OK ? s_reply_spec(re) : s_request_spec(type);
}

//  The numeric field key of spec, or of a map nested in it.
static const field_t *s_find_field(const spec_t *spec, const char *key)
{
    for (int i = 0; spec && i < spec->count; i++) {
        const field_t *field = &spec->fields[i];
        if (strcmp(field->key, key) == 0)
            return field->kind == F_UINT || field->kind == F_DOUBLE ? field : NULL;
        const field_t *nested = field->kind == F_MAP ? s_find_field(field->spec, key) : NULL;
        if (nested)
            return nested;
    }
    return NULL;
}

int hms_msg_bounds(hms_msg_type_t type, const char *key, double *min, double *max)
{
    const field_t *field = s_find_field(s_request_spec(type), key);
    if (!field)
        return -1;
    *min = field->min;
    *max = field->max;
    return 0;
}

bool hms_msg_is_request(hms_msg_type_t type)
{
    return type >= HMS_MSG_PING && type <= HMS_MSG_LIST_HOSTS;
}

static bool s_has_corr_id(hms_msg_type_t type)
{
    return hms_msg_is_request(type) || type == HMS_MSG_OK || type == HMS_MSG_ERROR;
}

//  Names.

static const char *s_name(const char *const *names, int count, int value)
{
    return value > 0 && value < count ? names[value] : "";
}

const char *hms_msg_type_name(hms_msg_type_t type)
{
    return s_name(s_type_names, N(s_type_names), type);
}
const char *hms_status_name(hms_status_t status)
{
    return s_name(s_status_names, N(s_status_names), status);
}
const char *hms_role_name(hms_role_t role)
{
    return s_name(s_role_names, N(s_role_names), role);
}
const char *hms_host_status_name(hms_host_status_t status)
{
    return s_name(s_host_names, N(s_host_names), status);
}
const char *hms_attack_kind_name(hms_attack_kind_t kind)
{
    return s_name(s_kind_names, N(s_kind_names), kind);
}
const char *hms_phase_name(hms_phase_t phase)
{
    return s_name(s_phase_names, N(s_phase_names), phase);
}

const char *hms_severity_name(hms_severity_t severity)
{
    return s_name(s_severity_names, N(s_severity_names), severity);
}

const char *hms_alert_state_name(hms_alert_state_t state)
{
    return s_name(s_alert_state_names, N(s_alert_state_names), state);
}
const char *hms_mode_name(hms_shutdown_mode_t mode)
{
    return s_name(s_mode_names, N(s_mode_names), mode);
}
const char *hms_decode_error_name(hms_decode_error_t error)
{
    return error >= 0 && error < N(s_decode_names) ? s_decode_names[error] : "";
}

hms_msg_type_t hms_msg_type_from_name(const char *name)
{
    for (int i = 1; i < N(s_type_names); i++)
        if (strcmp(name, s_type_names[i]) == 0)
            return (hms_msg_type_t)i;
    return HMS_MSG_NONE;
}

//  Construction.

//  Sets the NAN "absent" values of optional doubles in a body.
static void s_clear_body(const spec_t *spec, void *body)
{
    if (!spec)
        return;
    for (int i = 0; i < spec->count; i++) {
        const field_t *field = &spec->fields[i];
        if (field->kind == F_DOUBLE && !(field->flags & F_REQUIRED))
            *(double *)((char *)body + field->offset) = NAN;
        else if (field->kind == F_FLOAT && !(field->flags & F_REQUIRED))
            *(float *)((char *)body + field->offset) = NAN;
        else if (field->kind == F_MAP)
            s_clear_body(field->spec, (char *)body + field->offset);
    }
}

void hms_msg_init(hms_msg_t *msg, hms_msg_type_t type)
{
    memset(msg, 0, sizeof *msg);
    msg->type = type;
    s_clear_body(s_request_spec(type), &msg->hb);
}

void hms_msg_reset(hms_msg_t *msg)
{
    free(msg->owned);
    hms_msg_init(msg, HMS_MSG_NONE);
}

void hms_msg_ok(hms_msg_t *msg, hms_msg_type_t re, uint64_t corr_id)
{
    hms_msg_init(msg, HMS_MSG_OK);
    msg->re = re;
    msg->corr_id = corr_id;
    s_clear_body(s_reply_spec(re), &msg->hb);
}

void hms_msg_error(hms_msg_t *msg, uint64_t corr_id, uint64_t code, const char *format, ...)
{
    hms_msg_init(msg, HMS_MSG_ERROR);
    msg->corr_id = corr_id;
    msg->error.code = code;
    va_list args;
    va_start(args, format);
    vsnprintf(msg->error.message, sizeof msg->error.message, format, args);
    va_end(args);
}

uint64_t hms_msg_error_code(hms_decode_error_t error)
{
    switch (error) {
    case HMS_DECODE_VERSION: return HMS_CODE_BAD_VERSION;
    case HMS_DECODE_UNKNOWN: return HMS_CODE_NOT_IMPLEMENTED;
    case HMS_DECODE_NO_MEMORY: return HMS_CODE_INTERNAL;
    default: return HMS_CODE_BAD_REQUEST;
    }
}

//  Encoding.

static void s_pack_str(msgpack_packer *pk, const char *text)
{
    size_t length = strlen(text);
    msgpack_pack_str(pk, length);
    msgpack_pack_str_body(pk, text, length);
}

static bool s_present(const spec_t *spec, const void *body, int index)
{
    const field_t *field = &spec->fields[index];
    if (field->flags & F_REQUIRED)
        return true;
    if (spec->present_offset >= 0)
        return (*(const uint32_t *)((const char *)body + spec->present_offset) >> index) & 1;
    const void *value = (const char *)body + field->offset;
    switch (field->kind) {
    case F_UINT: return *(const uint64_t *)value != 0;
    case F_DOUBLE: return !isnan(*(const double *)value);
    case F_FLOAT: return !isnan(*(const float *)value);
    case F_STR:
    case F_HEX: return *(const char *)value != '\0';
    case F_BOOL: return *(const bool *)value;
    case F_ENUM: return *(const int *)value != 0;
    case F_ARRAY: return *(const size_t *)((const char *)body + field->count_offset) != 0;
    default: return true;
    }
}

static int s_encode_body(const spec_t *spec, const void *body, msgpack_packer *pk);

static int s_encode_field(const field_t *field, const void *body, msgpack_packer *pk)
{
    const void *value = (const char *)body + field->offset;
    switch (field->kind) {
    case F_UINT: {
        uint64_t number = *(const uint64_t *)value;
        if (number < field->min || (double)number > field->max)
            return -1;
        return msgpack_pack_uint64(pk, number);
    }
    case F_DOUBLE: {
        double number = *(const double *)value;
        if (!(number >= field->min && number <= field->max))
            return -1;
        return msgpack_pack_double(pk, number);
    }
    case F_FLOAT: {
        float number = *(const float *)value;
        if (!(number >= field->min && number <= field->max))
            return -1;
        return msgpack_pack_float(pk, number);
    }
    case F_STR: {
        const char *text = value;
        if (strnlen(text, field->size) >= field->size || ((field->flags & F_NONEMPTY) && !*text))
            return -1;
        s_pack_str(pk, text);
        return 0;
    }
    case F_HEX: {
        const char *text = value;
        size_t length = strnlen(text, field->size);
        if (length >= field->size || length % 2 || strspn(text, "0123456789abcdef") != length ||
            ((field->flags & F_NONEMPTY) && !length))
            return -1;
        uint8_t bytes[HMS_ID_MAX / 2];
        if (length / 2 > sizeof bytes)
            return -1;
        for (size_t i = 0; i < length / 2; i++) {
            unsigned byte;
            sscanf(text + 2 * i, "%2x", &byte);
            bytes[i] = (uint8_t)byte;
        }
        msgpack_pack_bin(pk, length / 2);
        return msgpack_pack_bin_body(pk, bytes, length / 2);
    }
    case F_BOOL: return *(const bool *)value ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case F_ENUM: {
        int index = *(const int *)value;
        if (index <= 0 || index >= field->name_count)
            return -1;
        s_pack_str(pk, field->names[index]);
        return 0;
    }
    case F_MAP: return s_encode_body(field->spec, value, pk);
    case F_ARRAY: {
        const char *items = *(const char *const *)value;
        size_t count = *(const size_t *)((const char *)body + field->count_offset);
        if (count > field->max || (count && !items))
            return -1;
        msgpack_pack_array(pk, count);
        for (size_t i = 0; i < count; i++)
            if (s_encode_body(field->spec, items + i * field->size, pk))
                return -1;
        return 0;
    }
    }
    return -1;
}

static int s_encode_fields(const spec_t *spec, const void *body, msgpack_packer *pk)
{
    for (int i = 0; i < spec->count; i++)
        if (s_present(spec, body, i)) {
            s_pack_str(pk, spec->fields[i].key);
            if (s_encode_field(&spec->fields[i], body, pk))
                return -1;
        }
    return 0;
}

static size_t s_count_present(const spec_t *spec, const void *body)
{
    size_t count = 0;
    for (int i = 0; i < spec->count; i++)
        count += s_present(spec, body, i);
    return count;
}

//  A tuple: the values of spec in field order, up to the last present one,
//  nil for absent ones before it. A message's tuple (command non-NULL)
//  starts with the version and the command.
static int s_encode_tuple(const spec_t *spec, const void *body, const char *command,
                          msgpack_packer *pk)
{
    int last = spec->count - 1;
    while (last >= 0 && !s_present(spec, body, last))
        last--;
    msgpack_pack_array(pk, (size_t)(last + 1) + (command ? 2 : 0));
    if (command) {
        msgpack_pack_uint64(pk, HMS_PROTOCOL_VERSION);
        s_pack_str(pk, command);
    }
    for (int i = 0; i <= last; i++)
        if (!s_present(spec, body, i))
            msgpack_pack_nil(pk);
        else if (s_encode_field(&spec->fields[i], body, pk))
            return -1;
    return 0;
}

static int s_encode_body(const spec_t *spec, const void *body, msgpack_packer *pk)
{
    if (spec->tuple)
        return s_encode_tuple(spec, body, NULL, pk);
    msgpack_pack_map(pk, s_count_present(spec, body));
    return s_encode_fields(spec, body, pk);
}

int hms_msg_encode(const hms_msg_t *msg, msgpack_sbuffer *buffer)
{
    const spec_t *spec = s_spec(msg->type, msg->re);
    if (!spec) {
        hms_error("encode: no message '%s' (re '%s')", hms_msg_type_name(msg->type),
                  hms_msg_type_name(msg->re));
        return -1;
    }
    size_t start = buffer->size;
    msgpack_packer pk;
    msgpack_packer_init(&pk, buffer, msgpack_sbuffer_write);
    if (spec->tuple) { //  hb and update: [v, command, fields...]
        if (s_encode_tuple(spec, &msg->hb, hms_msg_type_name(msg->type), &pk) == 0)
            return 0;
        hms_error("encode: '%s' has a field out of range", hms_msg_type_name(msg->type));
        buffer->size = start;
        return -1;
    }
    size_t keys = 2 + s_count_present(spec, &msg->hb);
    if (s_has_corr_id(msg->type))
        keys++;
    if (msg->type == HMS_MSG_OK)
        keys++;
    msgpack_pack_map(&pk, keys);
    s_pack_str(&pk, "v");
    msgpack_pack_uint64(&pk, HMS_PROTOCOL_VERSION);
    s_pack_str(&pk, "command");
    s_pack_str(&pk, hms_msg_type_name(msg->type));
    if (s_has_corr_id(msg->type)) {
        s_pack_str(&pk, "corr_id");
        msgpack_pack_uint64(&pk, msg->corr_id);
    }
    if (msg->type == HMS_MSG_OK) {
        s_pack_str(&pk, "re");
        s_pack_str(&pk, hms_msg_type_name(msg->re));
    }
    if (s_encode_fields(spec, &msg->hb, &pk)) {
        hms_error("encode: '%s' has a field out of range", hms_msg_type_name(msg->type));
        buffer->size = start;
        return -1;
    }
    return 0;
}

//  Decoding.

typedef struct {
    hms_msg_t *msg;
    size_t input_size; //  bounds what arrays may allocate
} decoder_t;

__attribute__((format(printf, 3, 4))) static int s_fail(decoder_t *self, hms_decode_error_t error,
                                                        const char *format, ...)
{
    self->msg->decode_error = error;
    char detail[HMS_TEXT_MAX + 1] = "";
    if (format) {
        va_list args;
        va_start(args, format);
        vsnprintf(detail, sizeof detail, format, args);
        va_end(args);
    }
    snprintf(self->msg->decode_text, sizeof self->msg->decode_text, "%s%s%s",
             hms_decode_error_name(error), *detail ? ": " : "", detail);
    return -2;
}

static bool s_key_is(const msgpack_object *key, const char *name)
{
    size_t length = strlen(name);
    return key->type == MSGPACK_OBJECT_STR && key->via.str.size == length &&
           memcmp(key->via.str.ptr, name, length) == 0;
}

//  Smallest encoding of a value of field: a valid one, for required fields.
static size_t s_value_min(const field_t *field)
{
    switch (field->kind) {
    case F_HEX: return field->flags & F_NONEMPTY ? 3 : 2; //  bin8 header, a byte
    case F_STR: return field->flags & F_NONEMPTY ? 2 : 1;
    case F_ENUM: {
        size_t shortest = HMS_TEXT_MAX;
        for (int i = 1; i < field->name_count; i++)
            if (strlen(field->names[i]) < shortest)
                shortest = strlen(field->names[i]);
        return 1 + shortest;
    }
    default: return 1;
    }
}

//  Smallest encoding of one element of spec: a map header and, per required
//  key, the key and its smallest value (a tuple: every position up to the
//  last required one, nil where optional). Bounds the entries an array may
//  claim, so that what the decoder allocates stays proportional to the input.
static size_t s_min_size(const spec_t *spec)
{
    size_t size = 1, tuple = 1;
    for (int i = 0; i < spec->count; i++) {
        const field_t *field = &spec->fields[i];
        bool required = field->flags & F_REQUIRED;
        tuple += required ? s_value_min(field) : 1;
        if (required) {
            size += 1 + strlen(field->key) + s_value_min(field);
            if (spec->tuple)
                size = tuple;
        }
    }
    return size;
}

static int s_decode_map(decoder_t *self, const spec_t *spec, const msgpack_object *map, void *body,
                        const char *path);

static int s_decode_field(decoder_t *self, const field_t *field, const msgpack_object *value,
                          void *body, const char *path)
{
    void *target = (char *)body + field->offset;
    const char *key = field->key;
    switch (field->kind) {
    case F_UINT:
        if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            return s_fail(self, HMS_DECODE_RANGE, "%s%s is negative", path, key);
        if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be an unsigned integer", path, key);
        if ((double)value->via.u64 < field->min || (double)value->via.u64 > field->max)
            return s_fail(self, HMS_DECODE_RANGE, "%s%s must be in [%.0f, %.0f]", path, key,
                          field->min, field->max);
        *(uint64_t *)target = value->via.u64;
        return 0;
    case F_DOUBLE:
    case F_FLOAT: {
        double number;
        if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            number = (double)value->via.u64;
        else if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            number = (double)value->via.i64;
        else if (value->type == MSGPACK_OBJECT_FLOAT32 || value->type == MSGPACK_OBJECT_FLOAT64)
            number = value->via.f64;
        else
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be a number", path, key);
        if (!(number >= field->min && number <= field->max))
            return s_fail(self, HMS_DECODE_RANGE, "%s%s must be in [%g, %g]", path, key, field->min,
                          field->max);
        if (field->kind == F_FLOAT)
            *(float *)target = (float)number;
        else
            *(double *)target = number;
        return 0;
    }
    case F_STR:
    case F_ENUM: {
        if (value->type != MSGPACK_OBJECT_STR)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be a string", path, key);
        const char *text = value->via.str.ptr;
        size_t length = value->via.str.size;
        if (memchr(text, '\0', length))
            return s_fail(self, HMS_DECODE_RANGE, "%s%s contains a NUL byte", path, key);
        if (field->kind == F_ENUM) {
            for (int i = 1; i < field->name_count; i++)
                if (strlen(field->names[i]) == length &&
                    memcmp(field->names[i], text, length) == 0) {
                    *(int *)target = i;
                    return 0;
                }
            return s_fail(self, HMS_DECODE_RANGE, "%s%s: '%.*s' is not a known value", path, key,
                          (int)(length > 32 ? 32 : length), text);
        }
        if (length >= field->size)
            return s_fail(self, HMS_DECODE_RANGE, "%s%s is longer than %zu bytes", path, key,
                          field->size - 1);
        if (length == 0 && (field->flags & F_NONEMPTY))
            return s_fail(self, HMS_DECODE_RANGE, "%s%s is empty", path, key);
        memcpy(target, text, length);
        ((char *)target)[length] = '\0';
        hms_utf8_repair(target, length);
        return 0;
    }
    case F_HEX: {
        if (value->type != MSGPACK_OBJECT_BIN)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be bytes (bin)", path, key);
        size_t length = value->via.bin.size;
        if (2 * length >= field->size)
            return s_fail(self, HMS_DECODE_RANGE, "%s%s is longer than %zu bytes", path, key,
                          (field->size - 1) / 2);
        if (length == 0 && (field->flags & F_NONEMPTY))
            return s_fail(self, HMS_DECODE_RANGE, "%s%s is empty", path, key);
        static const char digits[] = "0123456789abcdef";
        char *text = target;
        for (size_t i = 0; i < length; i++) {
            uint8_t byte = (uint8_t)value->via.bin.ptr[i];
            text[2 * i] = digits[byte >> 4];
            text[2 * i + 1] = digits[byte & 15];
        }
        text[2 * length] = '\0';
        return 0;
    }
    case F_BOOL:
        if (value->type != MSGPACK_OBJECT_BOOLEAN)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be a boolean", path, key);
        *(bool *)target = value->via.boolean;
        return 0;
    case F_MAP: {
        if (field->spec->tuple && value->type != MSGPACK_OBJECT_ARRAY)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be an array (a tuple)", path, key);
        if (!field->spec->tuple && value->type != MSGPACK_OBJECT_MAP)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be a map", path, key);
        char inner[64];
        snprintf(inner, sizeof inner, "%s%s.", path, key);
        return s_decode_map(self, field->spec, value, target, inner);
    }
    case F_ARRAY: {
        if (value->type != MSGPACK_OBJECT_ARRAY)
            return s_fail(self, HMS_DECODE_TYPE, "%s%s must be an array", path, key);
        size_t count = value->via.array.size;
        if (count > field->max)
            return s_fail(self, HMS_DECODE_RANGE, "%s%s has more than %.0f entries", path, key,
                          field->max);
        if (count * s_min_size(field->spec) > self->input_size)
            return s_fail(self, HMS_DECODE_BAD_LENGTH, "%s%s declares %zu entries", path, key,
                          count);
        if (self->msg->owned)
            return s_fail(self, HMS_DECODE_DUPLICATE, "%s%s: a second array", path, key);
        char *items = count ? calloc(count, field->size) : NULL;
        if (count && !items)
            return s_fail(self, HMS_DECODE_NO_MEMORY, "%s%s", path, key);
        self->msg->owned = items;
        *(char **)target = items;
        *(size_t *)((char *)body + field->count_offset) = count;
        for (size_t i = 0; i < count; i++) {
            char inner[64];
            snprintf(inner, sizeof inner, "%s%s[%zu].", path, key, i);
            msgpack_object_type want =
                field->spec->tuple ? MSGPACK_OBJECT_ARRAY : MSGPACK_OBJECT_MAP;
            if (value->via.array.ptr[i].type != want)
                return s_fail(self, HMS_DECODE_TYPE, "%s%s[%zu] must be an %s", path, key, i,
                              field->spec->tuple ? "array" : "map");
            s_clear_body(field->spec, items + i * field->size);
            int rc = s_decode_map(self, field->spec, &value->via.array.ptr[i],
                                  items + i * field->size, inner);
            if (rc)
                return rc;
        }
        return 0;
    }
    }
    return s_fail(self, HMS_DECODE_TYPE, "%s%s", path, key);
}

//  A tuple: values in field order; nil or missing at the end means absent;
//  values past the known fields are ignored (added by later versions).
static int s_decode_tuple(decoder_t *self, const spec_t *spec, const msgpack_object *array,
                          void *body, const char *path)
{
    if (array->type != MSGPACK_OBJECT_ARRAY)
        return s_fail(self, HMS_DECODE_TYPE, "%s must be an array (a tuple)",
                      *path ? path : "the body");
    uint32_t size = array->via.array.size;
    for (int f = 0; f < spec->count; f++) {
        const msgpack_object *value = (uint32_t)f < size ? &array->via.array.ptr[f] : NULL;
        if (!value || value->type == MSGPACK_OBJECT_NIL) {
            if (spec->fields[f].flags & F_REQUIRED)
                return s_fail(self, HMS_DECODE_MISSING, "%s%s", path, spec->fields[f].key);
            continue;
        }
        int rc = s_decode_field(self, &spec->fields[f], value, body, path);
        if (rc)
            return rc;
    }
    return 0;
}

static int s_decode_map(decoder_t *self, const spec_t *spec, const msgpack_object *map, void *body,
                        const char *path)
{
    if (spec->tuple)
        return s_decode_tuple(self, spec, map, body, path);
    if (map->type != MSGPACK_OBJECT_MAP)
        return s_fail(self, HMS_DECODE_NOT_MAP, "%s is not a map", *path ? path : "body");
    uint64_t seen = 0;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *key = &map->via.map.ptr[i].key;
        int index = -1;
        for (int f = 0; f < spec->count && index < 0; f++)
            if (s_key_is(key, spec->fields[f].key))
                index = f;
        if (index < 0)
            continue; //  unknown keys (and the envelope's) are ignored
        if (seen & (1ull << index))
            return s_fail(self, HMS_DECODE_DUPLICATE, "%s%s", path, spec->fields[index].key);
        seen |= 1ull << index;
        int rc = s_decode_field(self, &spec->fields[index], &map->via.map.ptr[i].val, body, path);
        if (rc)
            return rc;
    }
    for (int f = 0; f < spec->count; f++)
        if ((spec->fields[f].flags & F_REQUIRED) && !(seen & (1ull << f)))
            return s_fail(self, HMS_DECODE_MISSING, "%s%s", path, spec->fields[f].key);
    if (spec->present_offset >= 0)
        *(uint32_t *)((char *)body + spec->present_offset) = (uint32_t)seen;
    return 0;
}

//  Finds key in a map; NULL when absent, and error DUPLICATE when twice.
static const msgpack_object *s_lookup(decoder_t *self, const msgpack_object *map, const char *name,
                                      int *rc)
{
    const msgpack_object *found = NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (s_key_is(&map->via.map.ptr[i].key, name)) {
            if (found) {
                *rc = s_fail(self, HMS_DECODE_DUPLICATE, "%s", name);
                return NULL;
            }
            found = &map->via.map.ptr[i].val;
        }
    return found;
}

//  The version (NULL: missing): present, an unsigned integer, ours.
static int s_check_version(decoder_t *self, const msgpack_object *version)
{
    if (!version || version->type == MSGPACK_OBJECT_NIL)
        return s_fail(self, HMS_DECODE_MISSING, "v");
    if (version->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return s_fail(self, HMS_DECODE_TYPE, "v must be an unsigned integer");
    if (version->via.u64 != HMS_PROTOCOL_VERSION)
        return s_fail(self, HMS_DECODE_VERSION, "v %llu (this peer speaks %d)",
                      (unsigned long long)version->via.u64, HMS_PROTOCOL_VERSION);
    return 0;
}

//  The message named by value (key: "command" or "re") into *type: present,
//  a string, a known name without NUL.
static int s_message_name(decoder_t *self, const msgpack_object *value, const char *key,
                          hms_msg_type_t *type)
{
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        return s_fail(self, HMS_DECODE_MISSING, "%s", key);
    if (value->type != MSGPACK_OBJECT_STR)
        return s_fail(self, HMS_DECODE_TYPE, "%s must be a string", key);
    char name[40];
    size_t length = value->via.str.size < sizeof name - 1 ? value->via.str.size : sizeof name - 1;
    memcpy(name, value->via.str.ptr, length);
    name[length] = '\0';
    *type = value->via.str.size < sizeof name && !memchr(value->via.str.ptr, 0, value->via.str.size)
                ? hms_msg_type_from_name(name)
                : HMS_MSG_NONE;
    if (*type == HMS_MSG_NONE)
        return s_fail(self, HMS_DECODE_UNKNOWN, "%s '%s'", key, name);
    return 0;
}

static int s_decode_envelope(decoder_t *self, const msgpack_object *root)
{
    hms_msg_t *msg = self->msg;
    if (root->type != MSGPACK_OBJECT_MAP)
        return s_fail(self, HMS_DECODE_NOT_MAP, "the body is not a map");
    int rc = 0;
    //  corr_id first, so that any error reply can echo it.
    const msgpack_object *corr_id = s_lookup(self, root, "corr_id", &rc);
    if (rc)
        return rc;
    if (corr_id && corr_id->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        msg->corr_id = corr_id->via.u64;
    const msgpack_object *version = s_lookup(self, root, "v", &rc);
    if (rc || (rc = s_check_version(self, version)))
        return rc;
    const msgpack_object *command = s_lookup(self, root, "command", &rc);
    if (rc || (rc = s_message_name(self, command, "command", &msg->type)))
        return rc;
    if (s_has_corr_id(msg->type)) {
        if (!corr_id)
            return s_fail(self, HMS_DECODE_MISSING, "corr_id");
        if (corr_id->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_fail(self, HMS_DECODE_TYPE, "corr_id must be an unsigned integer");
    }
    if (msg->type == HMS_MSG_OK) {
        const msgpack_object *re = s_lookup(self, root, "re", &rc);
        if (rc || (rc = s_message_name(self, re, "re", &msg->re)))
            return rc;
        if (!hms_msg_is_request(msg->re)) {
            hms_msg_type_t named = msg->re;
            msg->re = HMS_MSG_NONE;
            return s_fail(self, HMS_DECODE_UNKNOWN, "re '%s'", hms_msg_type_name(named));
        }
    }
    const spec_t *spec = s_spec(msg->type, msg->re);
    s_clear_body(spec, &msg->hb);
    return s_decode_map(self, spec, root, &msg->hb, "");
}

//  A message sent as a tuple, [v, command, fields...]: hb and update.
static int s_decode_compact(decoder_t *self, const msgpack_object *root)
{
    hms_msg_t *msg = self->msg;
    uint32_t size = root->via.array.size;
    int rc = s_check_version(self, size > 0 ? &root->via.array.ptr[0] : NULL);
    if (rc || (rc = s_message_name(self, size > 1 ? &root->via.array.ptr[1] : NULL, "command",
                                   &msg->type)))
        return rc;
    const spec_t *spec = s_request_spec(msg->type);
    if (!spec || !spec->tuple)
        return s_fail(self, HMS_DECODE_NOT_MAP, "a %s body is a map", hms_msg_type_name(msg->type));
    msgpack_object fields = *root;
    fields.via.array.ptr += 2;
    fields.via.array.size -= 2;
    s_clear_body(spec, &msg->hb);
    return s_decode_tuple(self, spec, &fields, &msg->hb, "");
}

int hms_msg_decode(hms_msg_t *msg, const void *data, size_t size)
{
    hms_msg_init(msg, HMS_MSG_NONE);
    decoder_t self = {msg, size};
    if (size > HMS_MESSAGE_MAX)
        return s_fail(&self, HMS_DECODE_TOO_LARGE, "%zu bytes", size);
    hms_mpcheck_result_t check = hms_mpcheck(data, size, HMS_DEPTH_MAX, HMS_ELEMENTS_MAX);
    if (check != HMS_MPCHECK_OK)
        //  hms_mpcheck's results are the first decode errors, same numbers.
        return s_fail(&self, (hms_decode_error_t)check, NULL);

    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    int rc;
    msgpack_unpack_return ret = msgpack_unpack_next(&unpacked, data, size, &offset);
    if (ret == MSGPACK_UNPACK_NOMEM_ERROR)
        rc = s_fail(&self, HMS_DECODE_NO_MEMORY, NULL);
    else if (ret != MSGPACK_UNPACK_SUCCESS || offset != size)
        //  hms_mpcheck accepted it, so this is a disagreement with msgpack-c.
        rc = s_fail(&self, HMS_DECODE_TRUNCATED, "msgpack-c rejected the buffer");
    else if (unpacked.data.type == MSGPACK_OBJECT_ARRAY)
        rc = s_decode_compact(&self, &unpacked.data);
    else
        rc = s_decode_envelope(&self, &unpacked.data);
    msgpack_unpacked_destroy(&unpacked);
    if (rc) {
        //  Keep what the error reply needs; drop partial payloads.
        hms_decode_error_t error = msg->decode_error;
        uint64_t corr_id = msg->corr_id;
        char text[sizeof msg->decode_text];
        memcpy(text, msg->decode_text, sizeof text);
        hms_msg_reset(msg);
        msg->decode_error = error;
        msg->corr_id = corr_id;
        memcpy(msg->decode_text, text, sizeof text);
    }
    return rc;
}

//  The length of the UTF-8 sequence at text (at most left bytes), or 0 when
//  it is not one: a stray continuation byte, a truncated sequence, an
//  overlong form, a surrogate, or a code point past U+10FFFF.
static size_t s_utf8_sequence(const uint8_t *text, size_t left)
{
    uint8_t lead = text[0];
    if (lead < 0x80)
        return 1;
    size_t length = lead >= 0xc2 && lead <= 0xdf   ? 2
                    : lead >= 0xe0 && lead <= 0xef ? 3
                    : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                   : 0;
    if (length == 0 || length > left)
        return 0;
    for (size_t i = 1; i < length; i++)
        if ((text[i] & 0xc0) != 0x80)
            return 0;
    //  The second byte's range where the lead allows forms that are not
    //  valid: overlong (e0, f0), surrogates (ed), past U+10FFFF (f4).
    if ((lead == 0xe0 && text[1] < 0xa0) || (lead == 0xed && text[1] > 0x9f) ||
        (lead == 0xf0 && text[1] < 0x90) || (lead == 0xf4 && text[1] > 0x8f))
        return 0;
    return length;
}

void hms_utf8_repair(char *text, size_t length)
{
    uint8_t *bytes = (uint8_t *)text;
    for (size_t i = 0; i < length;) {
        size_t sequence = s_utf8_sequence(bytes + i, length - i);
        if (sequence == 0) {
            bytes[i] = '?';
            sequence = 1;
        }
        i += sequence;
    }
}

//  Digest.

//  FNV-1a, 64 bits.
static uint64_t s_fnv(uint64_t hash, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < size; i++) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

static uint64_t s_fnv_text(uint64_t hash, const char *text)
{
    return s_fnv(hash, text, strlen(text) + 1); //  the NUL separates fields
}

static uint64_t s_fnv_u64(uint64_t hash, uint64_t value)
{
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(value >> (8 * i));
    return s_fnv(hash, bytes, sizeof bytes);
}

//  splitmix64's finaliser: every input bit moves every output bit, so that
//  a sum of fingerprints does not cancel out.
static uint64_t s_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t hms_container_fingerprint(const hms_container_t *container)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    hash = s_fnv_text(hash, container->id);
    hash = s_fnv_text(hash, container->name);
    hash = s_fnv_text(hash, container->image);
    hash = s_fnv_text(hash, container->ip);
    hash = s_fnv_u64(hash, (uint64_t)container->status);
    hash = s_fnv_text(hash, container->state);
    //  The loss as a whole percent (what an update announces); none: 2^64-1.
    uint64_t loss = isnan(container->loss) ? UINT64_MAX : (uint64_t)lround(container->loss);
    hash = s_fnv_u64(hash, loss);
    hash = s_fnv_u64(hash, container->restarts);
    hash = s_fnv_u64(hash, container->since_ms);
    //  Only when there are some: a table without findings keeps the
    //  digests it had before the audit existed.
    if (container->risks)
        hash = s_fnv_u64(hash, container->risks);
    return s_mix(hash);
}

uint64_t hms_content_digest(uint64_t fingerprint_sum, double threshold)
{
    uint64_t bits = 0;
    if (!isnan(threshold))
        memcpy(&bits, &threshold, sizeof bits);
    uint64_t digest = s_mix(fingerprint_sum + s_mix(bits ^ 0x7468726573686f6cull));
    return (digest ^ (digest >> 32)) & 0xffffffffull;
}
