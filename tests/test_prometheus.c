/*  test_prometheus: the controller's Prometheus exposition from a view
    (hms_prometheus), and the per-host cache of the last metrics
    (hms_metrics_cache): families grouped with their HELP and TYPE,
    cAdvisor's names and labels, values from the readings, label escaping,
    ignored containers, hosts without metrics, stale containers dropped,
    alerts.
    promtool's own check runs in test_metrics_live.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_metrics_cache.h"
#include "hms_audit.h"
#include "hms_prometheus.h"
#include "hms_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WEB "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"
#define DB  "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

static hms_metrics_entry_t s_entry(const char *id, uint64_t cpu_ns, uint64_t memory)
{
    hms_metrics_entry_t entry;
    memset(&entry, 0, sizeof entry);
    snprintf(entry.id, sizeof entry.id, "%s", id);
    entry.seconds = 10;
    entry.reading.have = HMS_READING_CPU | HMS_READING_MEMORY | HMS_READING_NET;
    entry.reading.cpu_usage_ns = cpu_ns;
    entry.reading.memory_working_set = memory;
    entry.reading.memory_limit = 134217728;
    entry.reading.net_rx_bytes = 5309871;
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        entry.rollups[m] = (hms_rollup_t){NAN, NAN, NAN};
    //  Memory grows: 840 s left by the line, not growing by the damped
    //  trend; no pids limit.
    entry.forecasts[HMS_FORECAST_MEMORY] = 840;
    entry.forecasts[HMS_FORECAST_MEMORY_HOLT] = 1e9f;
    entry.forecasts[HMS_FORECAST_PIDS] = entry.forecasts[HMS_FORECAST_PIDS_HOLT] = NAN;
    return entry;
}

static hms_metrics_report_t s_report(hms_metrics_entry_t *entries, size_t count, uint64_t t_ms)
{
    return (hms_metrics_report_t){1, t_ms, 10000, entries, count};
}

//  The cache keeps each container's last entry, and drops one not measured
//  for three intervals.
static void test_cache(void **state)
{
    (void)state;
    hms_metrics_cache_t *cache = hms_metrics_cache_new();
    assert_non_null(cache);
    hms_metrics_entry_t both[2] = {s_entry(WEB, 1, 1), s_entry(DB, 2, 2)};
    hms_metrics_report_t report = s_report(both, 2, 1000000);
    hms_metrics_block_t *block = hms_metrics_cache_apply(cache, &report);
    assert_non_null(block);
    assert_int_equal(block->count, 2);
    assert_string_equal(block->entries[0].id, DB); //  sorted by id
    assert_null(hms_metrics_block_find(block, "nosuch"));
    hms_metrics_block_release(&block);
    //  web alone, later: db stays until it is three intervals old.
    hms_metrics_entry_t web = s_entry(WEB, 3, 3);
    report = s_report(&web, 1, 1030000);
    block = hms_metrics_cache_apply(cache, &report);
    assert_int_equal(block->count, 2);
    assert_int_equal(hms_metrics_block_find(block, WEB)->reading.cpu_usage_ns, 3);
    assert_int_equal(hms_metrics_block_find(block, DB)->reading.cpu_usage_ns, 2);
    hms_metrics_block_t *held = hms_metrics_block_ref(block);
    hms_metrics_block_release(&block);
    report = s_report(&web, 1, 1040000);
    block = hms_metrics_cache_apply(cache, &report);
    assert_int_equal(block->count, 1);
    assert_null(hms_metrics_block_find(block, DB));
    //  A block held by a reader stays whole.
    assert_int_equal(held->count, 2);
    hms_metrics_block_release(&held);
    hms_metrics_block_release(&block);
    hms_metrics_cache_clear(cache);
    report = s_report(NULL, 0, 1050000);
    block = hms_metrics_cache_apply(cache, &report);
    assert_int_equal(block->count, 0);
    hms_metrics_block_release(&block);
    hms_metrics_cache_destroy(&cache);
    assert_null(cache);
}

static hms_view_t *s_view(void)
{
    hms_container_t *containers = calloc(3, sizeof *containers);
    assert_non_null(containers);
    snprintf(containers[0].id, sizeof containers[0].id, "%s", WEB);
    snprintf(containers[0].name, sizeof containers[0].name, "web-\"1\"");
    snprintf(containers[0].image, sizeof containers[0].image, "hms/testbox:1");
    containers[0].status = HMS_STATUS_ACTIVE;
    containers[0].loss = 5;
    containers[0].rtt_ms = 0.05;
    containers[0].restarts = 2;
    containers[0].loss_heals = 1;
    containers[0].risks = 1u << HMS_CHECK_PRIVILEGED | 1u << HMS_CHECK_ROOT;
    snprintf(containers[1].id, sizeof containers[1].id, "%s", DB);
    snprintf(containers[1].name, sizeof containers[1].name, "db");
    containers[1].status = HMS_STATUS_ACTIVE;
    containers[1].loss = containers[1].rtt_ms = NAN;
    snprintf(containers[2].id, sizeof containers[2].id, "0123456789ab");
    snprintf(containers[2].name, sizeof containers[2].name, "skip");
    containers[2].status = HMS_STATUS_IGNORED;
    containers[2].loss = containers[2].rtt_ms = NAN;
    hms_view_host_t hosts[2];
    memset(hosts, 0, sizeof hosts);
    snprintf(hosts[0].address, sizeof hosts[0].address, "10.0.0.5");
    hosts[0].status = HMS_HOST_ONLINE;
    hosts[0].last_seen_ms = 1795000000500;
    hosts[0].snapshots = 3;
    hosts[0].bytes_in = 1234;
    hosts[0].bytes_out = 56;
    hosts[0].content = hms_content_block_new(containers, 3);
    hms_metrics_entry_t *entries = malloc(sizeof *entries);
    entries[0] = s_entry(WEB, 84172430000, 61046784);
    hosts[0].metrics = hms_metrics_block_new(entries, 1, 1795000000000);
    snprintf(hosts[1].address, sizeof hosts[1].address, "10.0.0.6");
    hosts[1].status = HMS_HOST_OFFLINE;
    hms_alert_t *alerts = calloc(1, sizeof *alerts);
    assert_non_null(alerts);
    *alerts = (hms_alert_t){.state = HMS_ALERT_FIRING, .severity = HMS_SEVERITY_CRITICAL};
    snprintf(alerts->rule, sizeof alerts->rule, "host_offline");
    hosts[1].alerts = hms_alert_block_new(alerts, 1);
    hms_view_t *view = hms_view_new(hosts, 2);
    hms_content_block_release(&hosts[0].content);
    hms_metrics_block_release(&hosts[0].metrics);
    hms_alert_block_release(&hosts[1].alerts);
    return view;
}

static void test_render(void **state)
{
    (void)state;
    hms_view_t *view = s_view();
    size_t size = 0;
    char *text = hms_prometheus_render(view, &size);
    hms_view_release(&view);
    assert_non_null(text);
    assert_int_equal(size, strlen(text));
    const char *labels =
        "{host=\"10.0.0.5\",name=\"web-\\\"1\\\"\",id=\"" WEB "\",image=\"hms/testbox:1\"}";
    char line[512];
    snprintf(line, sizeof line, "container_cpu_usage_seconds_total%s 84.17243\n", labels);
    assert_non_null(strstr(text, "# TYPE container_cpu_usage_seconds_total counter\n"));
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "container_memory_working_set_bytes%s 61046784\n", labels);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "container_spec_memory_limit_bytes%s 134217728\n", labels);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "container_network_receive_bytes_total%s 5309871\n", labels);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "hms_probe_loss_ratio%s 0.05\n", labels);
    assert_non_null(strstr(text, line));
    //  Two heals: one after a stop, one for loss.
    const char *heal_labels =
        "{host=\"10.0.0.5\",name=\"web-\\\"1\\\"\",id=\"" WEB "\",image=\"hms/testbox:1\",reason=";
    snprintf(line, sizeof line, "hms_container_heals_total%s\"stopped\"} 1\n", heal_labels);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "hms_container_heals_total%s\"loss\"} 1\n", heal_labels);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "hms_container_heals_total%s\"unhealthy\"} 0\n", heal_labels);
    assert_non_null(strstr(text, line));
    //  The audit's findings, one sample each.
    snprintf(line, sizeof line,
             "hms_security_finding%.*s,check=\"privileged\",severity=\"critical\",cis=\"5.4\","
             "technique=\"T1611\"} 1\n",
             (int)strlen(labels) - 1, labels);
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "check=\"root\",severity=\"low\",cis=\"4.1\""));
    assert_null(strstr(text, "hms_security_finding{host=\"10.0.0.5\",name=\"db\""));
    //  Forecasts: the one that grows towards its limit.
    snprintf(line, sizeof line,
             "hms_container_exhaustion_seconds%.*s,resource=\"memory\",method=\"linear\"} 840\n",
             (int)strlen(labels) - 1, labels);
    assert_non_null(strstr(text, line));
    assert_null(strstr(text, "method=\"holt\""));
    assert_null(strstr(text, "resource=\"pids\""));
    //  No block I/O nor pids in that reading: none of their families' samples.
    assert_null(strstr(text, "container_fs_reads_bytes_total{"));
    assert_null(strstr(text, "container_threads{"));
    //  db has no metrics and no loss yet; the ignored one shows as info only.
    assert_null(strstr(text, "container_memory_working_set_bytes{host=\"10.0.0.5\",name=\"db\""));
    assert_null(strstr(text, "hms_probe_loss_ratio{host=\"10.0.0.5\",name=\"db\""));
    assert_non_null(strstr(text,
                           "hms_container_info{host=\"10.0.0.5\",name=\"skip\",id=\"0123456789ab\","
                           "image=\"\",status=\"ignored\"} 1\n"));
    assert_null(strstr(text, "hms_container_heals_total{host=\"10.0.0.5\",name=\"skip\""));
    assert_non_null(strstr(text, "hms_host_online{host=\"10.0.0.5\"} 1\n"));
    assert_non_null(strstr(text, "hms_host_online{host=\"10.0.0.6\"} 0\n"));
    assert_non_null(strstr(text,
                           "hms_control_plane_bytes_total{host=\"10.0.0.5\",direction=\"in\"} "
                           "1234\n"));
    assert_non_null(strstr(text,
                           "hms_control_plane_bytes_total{host=\"10.0.0.5\",direction=\"out\"} "
                           "56\n"));
    assert_non_null(strstr(text, "hms_alerts{alertname=\"host_offline\",alertstate=\"firing\","
                                 "severity=\"critical\",host=\"10.0.0.6\",name=\"\",id=\"\"} "
                                 "1\n"));
    assert_non_null(strstr(text, "hms_host_last_seen_timestamp_seconds{host=\"10.0.0.5\"} "
                                 "1795000000.500\n"));
    //  Each family once, its samples right after its TYPE line.
    const char *type = strstr(text, "# TYPE container_memory_working_set_bytes gauge\n");
    assert_non_null(type);
    assert_null(strstr(type + 1, "# TYPE container_memory_working_set_bytes"));
    const char *next = strstr(type, "\n# HELP");
    const char *sample = strstr(text, "container_memory_working_set_bytes{");
    assert_true(sample > type && sample < next);
    free(text);
}

//  An entry as JSON (hmsctl watch --json): its forecasts by name, the
//  ones it has only.
static void test_json_entry(void **state)
{
    (void)state;
    hms_metrics_entry_t entry = s_entry(WEB, 1, 2);
    json_t *json = hms_json_metrics_entry(&entry);
    json_t *forecasts = json_object_get(json, "forecasts");
    assert_int_equal(json_object_size(forecasts), 2);
    assert_true(json_real_value(json_object_get(forecasts, "memory_eta")) == 840);
    assert_true(json_real_value(json_object_get(forecasts, "memory_eta_holt")) == 1e9);
    assert_null(json_object_get(forecasts, "pids_eta"));
    json_decref(json);
    for (int f = 0; f < HMS_FORECASTS; f++)
        entry.forecasts[f] = NAN;
    json = hms_json_metrics_entry(&entry);
    assert_null(json_object_get(json, "forecasts"));
    json_decref(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_json_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
