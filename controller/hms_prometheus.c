/*  hms_prometheus: a view as Prometheus metrics (GET /metrics).  */

#include "hms_prometheus.h"

#include "hms_audit.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READING(name, type, group, member, scale, help)                                            \
    {                                                                                              \
        name, type, help, group, offsetof(hms_reading_t, member), scale                            \
    }

const hms_prometheus_reading_t hms_prometheus_readings[HMS_PROMETHEUS_READINGS] = {
    READING("container_cpu_usage_seconds_total", "counter", HMS_READING_CPU, cpu_usage_ns, 1e-9,
            "Cumulative CPU time consumed, in seconds."),
    READING("container_cpu_cfs_periods_total", "counter", HMS_READING_CPU, cpu_periods, 1,
            "Number of elapsed enforcement period intervals."),
    READING("container_cpu_cfs_throttled_periods_total", "counter", HMS_READING_CPU,
            cpu_throttled_periods, 1, "Number of throttled period intervals."),
    READING("container_cpu_cfs_throttled_seconds_total", "counter", HMS_READING_CPU,
            cpu_throttled_ns, 1e-9, "Total time duration the container has been throttled."),
    READING("container_spec_cpu_quota", "gauge", HMS_READING_CPU, cpu_quota_us, 1,
            "CPU quota of the container, in microseconds per period (0: none)."),
    READING("container_spec_cpu_period", "gauge", HMS_READING_CPU, cpu_period_us, 1,
            "CPU period of the container, in microseconds."),
    READING("container_memory_usage_bytes", "gauge", HMS_READING_MEMORY, memory_usage, 1,
            "Current memory usage in bytes, including all memory regardless of when it was "
            "accessed."),
    READING("container_memory_working_set_bytes", "gauge", HMS_READING_MEMORY, memory_working_set,
            1, "Current working set in bytes: usage minus inactive file cache."),
    READING("container_memory_rss", "gauge", HMS_READING_MEMORY, memory_rss, 1,
            "Size of RSS (anonymous memory) in bytes."),
    READING("container_spec_memory_limit_bytes", "gauge", HMS_READING_MEMORY, memory_limit, 1,
            "Memory limit for the container, in bytes (0: none)."),
    READING("container_oom_events_total", "counter", HMS_READING_MEMORY, oom_kills, 1,
            "Count of out of memory events (processes killed) observed for the container."),
    READING("container_threads", "gauge", HMS_READING_PIDS, pids_current, 1,
            "Number of threads (tasks) running inside the container."),
    READING("container_threads_max", "gauge", HMS_READING_PIDS, pids_max, 1,
            "Maximum number of threads (tasks) allowed inside the container (0: none)."),
    READING("hms_container_pids_limit_hits_total", "counter", HMS_READING_PIDS, pids_limit_hits, 1,
            "Forks refused because the container was at its pids limit."),
    READING("container_fs_reads_bytes_total", "counter", HMS_READING_IO, io_read_bytes, 1,
            "Cumulative count of bytes read, every block device."),
    READING("container_fs_writes_bytes_total", "counter", HMS_READING_IO, io_write_bytes, 1,
            "Cumulative count of bytes written, every block device."),
    READING("container_fs_reads_total", "counter", HMS_READING_IO, io_reads, 1,
            "Cumulative count of reads completed, every block device."),
    READING("container_fs_writes_total", "counter", HMS_READING_IO, io_writes, 1,
            "Cumulative count of writes completed, every block device."),
    READING("container_network_receive_bytes_total", "counter", HMS_READING_NET, net_rx_bytes, 1,
            "Cumulative count of bytes received, every interface but lo."),
    READING("container_network_receive_packets_total", "counter", HMS_READING_NET, net_rx_packets,
            1, "Cumulative count of packets received."),
    READING("container_network_receive_errors_total", "counter", HMS_READING_NET, net_rx_errors, 1,
            "Cumulative count of errors encountered while receiving."),
    READING("container_network_receive_packets_dropped_total", "counter", HMS_READING_NET,
            net_rx_dropped, 1, "Cumulative count of packets dropped while receiving."),
    READING("container_network_transmit_bytes_total", "counter", HMS_READING_NET, net_tx_bytes, 1,
            "Cumulative count of bytes transmitted."),
    READING("container_network_transmit_packets_total", "counter", HMS_READING_NET, net_tx_packets,
            1, "Cumulative count of packets transmitted."),
    READING("container_network_transmit_errors_total", "counter", HMS_READING_NET, net_tx_errors, 1,
            "Cumulative count of errors encountered while transmitting."),
    READING("container_network_transmit_packets_dropped_total", "counter", HMS_READING_NET,
            net_tx_dropped, 1, "Cumulative count of packets dropped while transmitting."),
};

//  A label value, escaped as the format wants (backslash, quote, newline).
static void s_label(FILE *out, const char *name, const char *value, bool first)
{
    fprintf(out, "%s%s=\"", first ? "" : ",", name);
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"')
            fprintf(out, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", out);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static void s_family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

//  name{host=...,name=...,id=...,image=...[,status=...]}
static void s_container_sample(FILE *out, const char *family, const hms_view_host_t *host,
                               const hms_container_t *container, const char *key, const char *value)
{
    fprintf(out, "%s{", family);
    s_label(out, "host", host->address, true);
    s_label(out, "name", container->name, false);
    s_label(out, "id", container->id, false);
    s_label(out, "image", container->image, false);
    if (key)
        s_label(out, key, value, false);
    fputs("} ", out);
}

//  A value in the fewest digits that read back the same.
static void s_number(FILE *out, double value)
{
    char text[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    fprintf(out, "%s\n", text);
}

//  The families of the readings: every container with a reading of that group.
static void s_readings(FILE *out, const hms_view_t *view)
{
    for (size_t f = 0; f < HMS_PROMETHEUS_READINGS; f++) {
        const hms_prometheus_reading_t *family = &hms_prometheus_readings[f];
        s_family(out, family->name, family->type, family->help);
        for (size_t h = 0; h < view->count; h++) {
            const hms_view_host_t *host = &view->hosts[h];
            for (size_t c = 0; host->content && host->metrics && c < host->content->count; c++) {
                const hms_container_t *container = &host->content->containers[c];
                const hms_metrics_entry_t *entry =
                    hms_metrics_block_find(host->metrics, container->id);
                if (!entry || !(entry->reading.have & family->group))
                    continue;
                s_container_sample(out, family->name, host, container, NULL, NULL);
                s_number(out, (double)hms_prometheus_reading_value(family, &entry->reading) *
                                  family->scale);
            }
        }
    }
}

//  What the managers say of each container: status, probing.
static void s_containers(FILE *out, const hms_view_t *view)
{
    static const struct {
        const char *name, *type, *help;
    } families[] = {
        {"hms_container_info", "gauge", "A container HMS knows of; its status as a label."},
        {"hms_probe_loss_ratio", "gauge", "Share of the echoes lost in the last judging round."},
        {"hms_probe_rtt_seconds", "gauge", "Mean round-trip time of the last judging round."},
    };
    for (size_t f = 0; f < sizeof families / sizeof *families; f++) {
        s_family(out, families[f].name, families[f].type, families[f].help);
        for (size_t h = 0; h < view->count; h++) {
            const hms_view_host_t *host = &view->hosts[h];
            for (size_t c = 0; host->content && c < host->content->count; c++) {
                const hms_container_t *container = &host->content->containers[c];
                double value = f == 0   ? 1
                               : f == 1 ? container->loss / 100
                                        : container->rtt_ms / 1000;
                if (isnan(value))
                    continue;
                s_container_sample(out, families[f].name, host, container, f == 0 ? "status" : NULL,
                                   hms_status_name(container->status));
                s_number(out, value);
            }
        }
    }
}

const char *const hms_prometheus_heal_reasons[HMS_PROMETHEUS_HEAL_REASONS] = {"stopped", "loss",
                                                                              "unhealthy"};

void hms_prometheus_heals(const hms_container_t *container,
                          uint64_t counts[HMS_PROMETHEUS_HEAL_REASONS])
{
    uint64_t loss = container->loss_heals, health = container->health_heals;
    counts[0] = container->restarts -
                (loss + health <= container->restarts ? loss + health : container->restarts);
    counts[1] = loss;
    counts[2] = health;
}

//  The heals HMS made of each watched container, by reason: it stopped
//  (a start), its probes lost too much, or Docker called it unhealthy.
static void s_heals(FILE *out, const hms_view_t *view)
{
    s_family(out, "hms_container_heals_total", "counter",
             "Starts and restarts HMS made of the container, by reason.");
    for (size_t h = 0; h < view->count; h++) {
        const hms_view_host_t *host = &view->hosts[h];
        for (size_t c = 0; host->content && c < host->content->count; c++) {
            const hms_container_t *container = &host->content->containers[c];
            if (container->status == HMS_STATUS_IGNORED)
                continue;
            uint64_t counts[HMS_PROMETHEUS_HEAL_REASONS];
            hms_prometheus_heals(container, counts);
            for (size_t r = 0; r < HMS_PROMETHEUS_HEAL_REASONS; r++) {
                s_container_sample(out, "hms_container_heals_total", host, container, "reason",
                                   hms_prometheus_heal_reasons[r]);
                fprintf(out, "%" PRIu64 "\n", counts[r]);
            }
        }
    }
}

//  The escape-risk audit's findings: one sample per container and check.
static void s_security(FILE *out, const hms_view_t *view)
{
    s_family(out, "hms_security_finding", "gauge",
             "1 for each risk the audit found in a container's configuration (check, its "
             "severity, the CIS Docker Benchmark recommendation, the ATT&CK technique).");
    for (size_t h = 0; h < view->count; h++) {
        const hms_view_host_t *host = &view->hosts[h];
        for (size_t c = 0; host->content && c < host->content->count; c++) {
            const hms_container_t *container = &host->content->containers[c];
            for (int check = 0; container->risks && check < HMS_CHECK_COUNT; check++) {
                if (!(container->risks >> check & 1))
                    continue;
                const hms_check_info_t *info = hms_check_info((hms_check_t)check);
                fputs("hms_security_finding{", out);
                s_label(out, "host", host->address, true);
                s_label(out, "name", container->name, false);
                s_label(out, "id", container->id, false);
                s_label(out, "image", container->image, false);
                s_label(out, "check", info->name, false);
                s_label(out, "severity", hms_risk_name(info->risk), false);
                s_label(out, "cis", info->cis, false);
                s_label(out, "technique", info->technique, false);
                fputs("} 1\n", out);
            }
        }
    }
}

//  The forecasts of exhaustion: seconds left, by resource and method; a
//  container not growing towards its limit has no sample.
const char *const hms_prometheus_forecast_labels[HMS_FORECASTS][2] = {
    {"memory", "linear"}, {"memory", "holt"}, {"pids", "linear"}, {"pids", "holt"}};

static void s_forecasts(FILE *out, const hms_view_t *view)
{
    s_family(out, "hms_container_exhaustion_seconds", "gauge",
             "Seconds before the container's memory reaches its limit or its tasks pids.max, "
             "at the rate of the last minutes (method linear: a regression line; holt: Holt's "
             "damped trend).");
    for (size_t h = 0; h < view->count; h++) {
        const hms_view_host_t *host = &view->hosts[h];
        for (size_t c = 0; host->content && host->metrics && c < host->content->count; c++) {
            const hms_container_t *container = &host->content->containers[c];
            const hms_metrics_entry_t *entry = hms_metrics_block_find(host->metrics, container->id);
            for (int f = 0; entry && f < HMS_FORECASTS; f++) {
                if (!hms_prometheus_forecast_shown(entry->forecasts[f]))
                    continue;
                fputs("hms_container_exhaustion_seconds{", out);
                s_label(out, "host", host->address, true);
                s_label(out, "name", container->name, false);
                s_label(out, "id", container->id, false);
                s_label(out, "image", container->image, false);
                s_label(out, "resource", hms_prometheus_forecast_labels[f][0], false);
                s_label(out, "method", hms_prometheus_forecast_labels[f][1], false);
                fputs("} ", out);
                s_number(out, entry->forecasts[f]);
            }
        }
    }
}

static void s_hosts(FILE *out, const hms_view_t *view)
{
    s_family(out, "hms_host_online", "gauge", "1 while the host's manager is heard from.");
    for (size_t h = 0; h < view->count; h++) {
        fputs("hms_host_online{", out);
        s_label(out, "host", view->hosts[h].address, true);
        fprintf(out, "} %d\n", view->hosts[h].status == HMS_HOST_ONLINE);
    }
    s_family(out, "hms_host_last_seen_timestamp_seconds", "gauge",
             "Unix time of the host's last heartbeat.");
    for (size_t h = 0; h < view->count; h++) {
        if (!view->hosts[h].last_seen_ms)
            continue;
        fputs("hms_host_last_seen_timestamp_seconds{", out);
        s_label(out, "host", view->hosts[h].address, true);
        fprintf(out, "} %.3f\n", (double)view->hosts[h].last_seen_ms / 1000);
    }
    s_family(out, "hms_control_plane_bytes_total", "counter",
             "Control-plane bytes between the controller and the host's manager (heartbeats, "
             "updates, requests, answers; not metrics nor alerts), by direction.");
    for (size_t h = 0; h < view->count; h++)
        for (int in = 1; in >= 0; in--) {
            fputs("hms_control_plane_bytes_total{", out);
            s_label(out, "host", view->hosts[h].address, true);
            s_label(out, "direction", in ? "in" : "out", false);
            fprintf(out, "} %" PRIu64 "\n",
                    in ? view->hosts[h].bytes_in : view->hosts[h].bytes_out);
        }
    s_family(out, "hms_host_snapshots_total", "counter",
             "Snapshots (give_content) the controller took of the host's table.");
    for (size_t h = 0; h < view->count; h++) {
        fputs("hms_host_snapshots_total{", out);
        s_label(out, "host", view->hosts[h].address, true);
        fprintf(out, "} %" PRIu64 "\n", view->hosts[h].snapshots);
    }
}

//  Alerts pending or firing, as Prometheus' own ALERTS series.
static void s_alerts(FILE *out, const hms_view_t *view)
{
    s_family(out, "hms_alerts", "gauge",
             "Alerts pending or firing now (1), by rule (alertname) and state (alertstate).");
    for (size_t h = 0; h < view->count; h++) {
        const hms_alert_block_t *block = view->hosts[h].alerts;
        for (size_t i = 0; block && i < block->count; i++) {
            const hms_alert_t *alert = &block->alerts[i];
            fputs("hms_alerts{", out);
            s_label(out, "alertname", alert->rule, true);
            s_label(out, "alertstate", hms_alert_state_name(alert->state), false);
            s_label(out, "severity", hms_severity_name(alert->severity), false);
            s_label(out, "host", view->hosts[h].address, false);
            s_label(out, "name", alert->name, false);
            s_label(out, "id", alert->container, false);
            fputs("} 1\n", out);
        }
    }
}

char *hms_prometheus_render(const hms_view_t *view, size_t *size)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    if (!out)
        return NULL;
    s_hosts(out, view);
    s_alerts(out, view);
    s_containers(out, view);
    s_heals(out, view);
    s_security(out, view);
    s_forecasts(out, view);
    s_readings(out, view);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    if (size)
        *size = length;
    return text;
}
