/*  msg_samples: one filled-in example of every HMS/2 message.  */

#include "msg_samples.h"

#include <math.h>
#include <string.h>

const msg_sample_t msg_samples[] = {
    {"hb", HMS_MSG_HB, HMS_MSG_NONE},
    {"update", HMS_MSG_UPDATE, HMS_MSG_NONE},
    {"update_notice", HMS_MSG_UPDATE, HMS_MSG_NONE},
    {"attack_start", HMS_MSG_ATTACK, HMS_MSG_NONE},
    {"attack_end", HMS_MSG_ATTACK, HMS_MSG_NONE},
    {"metrics", HMS_MSG_METRICS, HMS_MSG_NONE},
    {"alert", HMS_MSG_ALERT, HMS_MSG_NONE},
    {"ping", HMS_MSG_PING, HMS_MSG_NONE},
    {"give_content", HMS_MSG_GIVE_CONTENT, HMS_MSG_NONE},
    {"give_metrics", HMS_MSG_GIVE_METRICS, HMS_MSG_NONE},
    {"container_threshold", HMS_MSG_CONTAINER_THRESHOLD, HMS_MSG_NONE},
    {"container_ignore", HMS_MSG_CONTAINER_IGNORE, HMS_MSG_NONE},
    {"container_add", HMS_MSG_CONTAINER_ADD, HMS_MSG_NONE},
    {"get_config", HMS_MSG_GET_CONFIG, HMS_MSG_NONE},
    {"set_config", HMS_MSG_SET_CONFIG, HMS_MSG_NONE},
    {"get_rules", HMS_MSG_GET_RULES, HMS_MSG_NONE},
    {"set_rules", HMS_MSG_SET_RULES, HMS_MSG_NONE},
    {"conf_antagonist", HMS_MSG_CONF_ANTAGONIST, HMS_MSG_NONE},
    {"start_antagonist", HMS_MSG_START_ANTAGONIST, HMS_MSG_NONE},
    {"stop_antagonist", HMS_MSG_STOP_ANTAGONIST, HMS_MSG_NONE},
    {"antagonist_status", HMS_MSG_ANTAGONIST_STATUS, HMS_MSG_NONE},
    {"list_hosts", HMS_MSG_LIST_HOSTS, HMS_MSG_NONE},
    {"ok_ping", HMS_MSG_OK, HMS_MSG_PING},
    {"ok_give_content", HMS_MSG_OK, HMS_MSG_GIVE_CONTENT},
    {"ok_give_metrics", HMS_MSG_OK, HMS_MSG_GIVE_METRICS},
    {"ok_container_threshold", HMS_MSG_OK, HMS_MSG_CONTAINER_THRESHOLD},
    {"ok_container_ignore", HMS_MSG_OK, HMS_MSG_CONTAINER_IGNORE},
    {"ok_container_add", HMS_MSG_OK, HMS_MSG_CONTAINER_ADD},
    {"ok_get_config", HMS_MSG_OK, HMS_MSG_GET_CONFIG},
    {"ok_set_config", HMS_MSG_OK, HMS_MSG_SET_CONFIG},
    {"ok_get_rules", HMS_MSG_OK, HMS_MSG_GET_RULES},
    {"ok_set_rules", HMS_MSG_OK, HMS_MSG_SET_RULES},
    {"ok_conf_antagonist", HMS_MSG_OK, HMS_MSG_CONF_ANTAGONIST},
    {"ok_start_antagonist", HMS_MSG_OK, HMS_MSG_START_ANTAGONIST},
    {"ok_stop_antagonist", HMS_MSG_OK, HMS_MSG_STOP_ANTAGONIST},
    {"ok_antagonist_status", HMS_MSG_OK, HMS_MSG_ANTAGONIST_STATUS},
    {"ok_list_hosts", HMS_MSG_OK, HMS_MSG_LIST_HOSTS},
    {"error", HMS_MSG_ERROR, HMS_MSG_NONE},
    {NULL, HMS_MSG_NONE, HMS_MSG_NONE}};

static hms_container_t s_content[3];
static hms_container_t s_changes[2];
static hms_host_t s_hosts[2];
static hms_metrics_entry_t s_entries[2];
static hms_metrics_row_t s_rows[3];
static hms_rule_wire_t s_rules[2];

//  A memory rule with every field, and a crash-loop rule without a summary.
static void s_rules_sample(hms_rules_msg_t *rules)
{
    s_rules[0] = (hms_rule_wire_t){.name = "memory_high",
                                   .metric = "memory",
                                   .op = ">",
                                   .of_limit = true,
                                   .threshold = 90,
                                   .clear = 80,
                                   .for_s = 10,
                                   .severity = HMS_SEVERITY_WARNING,
                                   .summary = "memory near its limit",
                                   .response = HMS_RESPONSE_RESTART};
    s_rules[1] = (hms_rule_wire_t){.name = "crash_loop",
                                   .metric = "backoff",
                                   .op = ">",
                                   .threshold = 0.5,
                                   .clear = 0.5,
                                   .severity = HMS_SEVERITY_CRITICAL};
    rules->rules = s_rules;
    rules->count = 2;
}

#define WEB_ID "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"

//  Two containers over 10 s: web, busy, with every counter; db, started a
//  second before the end, with its memory and pids only.
static void s_metrics(hms_metrics_report_t *metrics)
{
    memset(s_entries, 0, sizeof s_entries);
    hms_metrics_entry_t *web = &s_entries[0], *db = &s_entries[1];
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        web->rollups[m] = db->rollups[m] = (hms_rollup_t){NAN, NAN, NAN};
    for (int f = 0; f < HMS_FORECASTS; f++)
        web->forecasts[f] = db->forecasts[f] = NAN;
    strcpy(web->id, WEB_ID);
    web->seconds = 10;
    web->reading = (hms_reading_t){.have = 31,
                                   .cpu_usage_ns = 84172430000,
                                   .cpu_periods = 4210,
                                   .cpu_throttled_periods = 1877,
                                   .cpu_throttled_ns = 93841021000,
                                   .cpu_quota_us = 50000,
                                   .cpu_period_us = 100000,
                                   .memory_usage = 73453568,
                                   .memory_working_set = 61046784,
                                   .memory_rss = 52559872,
                                   .memory_limit = 134217728,
                                   .oom_kills = 2,
                                   .pids_current = 37,
                                   .pids_max = 100,
                                   .pids_limit_hits = 5,
                                   .io_read_bytes = 3145728,
                                   .io_write_bytes = 4194304,
                                   .io_reads = 48,
                                   .io_writes = 64,
                                   .net_rx_bytes = 5309871,
                                   .net_rx_packets = 4031,
                                   .net_rx_errors = 1,
                                   .net_rx_dropped = 2,
                                   .net_tx_bytes = 391902,
                                   .net_tx_packets = 3022,
                                   .net_tx_errors = 3,
                                   .net_tx_dropped = 4};
    web->rollups[HMS_METRIC_CPU] = (hms_rollup_t){0.25f, 0.5f, 0.5f};
    web->rollups[HMS_METRIC_CPU_THROTTLED] = (hms_rollup_t){0, 0.375f, 0.5f};
    web->rollups[HMS_METRIC_MEMORY] = (hms_rollup_t){60000000, 61000000, 61046784};
    web->rollups[HMS_METRIC_MEMORY_LIMIT] = (hms_rollup_t){134217728, 134217728, 134217728};
    web->rollups[HMS_METRIC_PIDS] = (hms_rollup_t){36, 36.5f, 37};
    web->rollups[HMS_METRIC_NET_RX] = (hms_rollup_t){0, 1024, 4096};
    web->rollups[HMS_METRIC_LOSS] = (hms_rollup_t){0, 2.5f, 5};
    web->rollups[HMS_METRIC_RTT] = (hms_rollup_t){0.0625f, 0.0625f, 0.0625f};
    //  Memory grows: 2,840 s left by the line, never by the damped trend.
    web->forecasts[HMS_FORECAST_MEMORY] = 2840;
    web->forecasts[HMS_FORECAST_MEMORY_HOLT] = 1e9f;
    strcpy(db->id, "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9");
    db->seconds = 1;
    db->reading = (hms_reading_t){
        .have = 6, .memory_usage = 4194304, .memory_working_set = 4194304, .pids_current = 1};
    db->rollups[HMS_METRIC_MEMORY] = (hms_rollup_t){4194304, 4194304, 4194304};
    db->rollups[HMS_METRIC_PIDS] = (hms_rollup_t){1, 1, 1};
    metrics->seq = 4;
    metrics->t_ms = 1795000010000;
    metrics->interval_ms = 10000;
    metrics->entries = s_entries;
    metrics->count = 2;
}

//  Three seconds of web: no CPU yet at the first (its first reading).
static void s_range(hms_metrics_range_t *range)
{
    for (int i = 0; i < 3; i++)
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            s_rows[i].values[m] = NAN;
    for (int i = 0; i < 3; i++) {
        s_rows[i].values[HMS_METRIC_MEMORY] = 61046784;
        s_rows[i].values[HMS_METRIC_PIDS] = 37;
        if (i > 0) {
            s_rows[i].values[HMS_METRIC_CPU] = 0.5f;
            s_rows[i].values[HMS_METRIC_NET_RX] = 1024;
        }
    }
    s_rows[2].values[HMS_METRIC_LOSS] = 0;
    s_rows[2].values[HMS_METRIC_RTT] = 0.0625f;
    strcpy(range->container, WEB_ID);
    range->start_ms = 1795000000000;
    range->step_ms = 1000;
    range->rows = s_rows;
    range->count = 3;
}

static void s_antagonist_conf(hms_antagonist_conf_t *conf)
{
    strcpy(conf->name, "test_low_low");
    conf->loss = 80;
    conf->balance = 70;
    conf->heavy = 25;
    conf->frequency = 1;
    conf->duration = 5;
    conf->sigma = NAN;
    conf->seed = 42;
    conf->mode = HMS_MODE_STOP;
}

static void s_settings(hms_settings_t *settings)
{
    settings->present = HMS_SETTINGS_ALL;
    settings->threshold = 60;
    settings->probe_count = 20;
    settings->probe_interval_ms = 10;
    settings->probe_timeout_ms = 100;
    settings->probe_period_ms = 1000;
    settings->heartbeat_ms = 1000;
    settings->grace_ms = 1000;
    settings->backoff_max_ms = 60000;
}

void msg_sample_fill(const msg_sample_t *sample, hms_msg_t *msg)
{
    if (sample->type == HMS_MSG_OK)
        hms_msg_ok(msg, sample->re, 7);
    else
        hms_msg_init(msg, sample->type);
    if (hms_msg_is_request(sample->type))
        msg->corr_id = 7;

    const char *address = "10.0.0.5";
    switch (sample->type) {
    case HMS_MSG_HB:
        msg->hb.update_seq = 17;
        msg->hb.digest = 0x1234abcd;
        msg->hb.interval_ms = 1000;
        break;
    case HMS_MSG_UPDATE:
        msg->update.update_seq = 18;
        msg->update.started_ms = 1795000000000;
        msg->update.digest = 0x5678ef01;
        if (strcmp(sample->name, "update") == 0) { //  a delta: one change, one removal
            memset(s_changes, 0, sizeof s_changes);
            hms_container_t *web = &s_changes[0];
            strcpy(web->id, "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
            strcpy(web->name, "web-1");
            strcpy(web->image, "hms/testbox:1");
            strcpy(web->ip, "172.17.0.2");
            web->status = HMS_STATUS_RESTARTING;
            strcpy(web->state, "running");
            web->loss = 85;
            web->rtt_ms = 0.05;
            web->restarts = 3;
            web->since_ms = 1795000001500;
            hms_container_t *gone = &s_changes[1];
            strcpy(gone->id, "0123456789ab");
            gone->loss = gone->rtt_ms = NAN;
            msg->update.threshold = 60;
            msg->update.changes = s_changes;
            msg->update.count = 2;
        }
        break;
    case HMS_MSG_ATTACK:
        strcpy(msg->attack.address, address);
        strcpy(msg->attack.container,
               "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
        strcpy(msg->attack.name, "web-1");
        msg->attack.ts_ms = 1795000001000;
        if (strcmp(sample->name, "attack_start") == 0) {
            msg->attack.seq = 9;
            msg->attack.attack_id = 5;
            msg->attack.phase = HMS_PHASE_START;
            msg->attack.kind = HMS_ATTACK_LOSS;
            msg->attack.loss = 82.5;
            msg->attack.duration_ms = 5000;
        } else {
            msg->attack.seq = 10;
            msg->attack.attack_id = 6;
            msg->attack.phase = HMS_PHASE_END;
            msg->attack.kind = HMS_ATTACK_SHUTDOWN;
        }
        break;
    case HMS_MSG_METRICS: s_metrics(&msg->metrics); break;
    case HMS_MSG_ALERT:
        strcpy(msg->alert.address, address);
        msg->alert.seq = 4;
        strcpy(msg->alert.rule, "memory_high");
        msg->alert.state = HMS_ALERT_FIRING;
        msg->alert.severity = HMS_SEVERITY_WARNING;
        strcpy(msg->alert.container,
               "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
        strcpy(msg->alert.name, "web-1");
        strcpy(msg->alert.metric, "memory");
        msg->alert.value = 93.75;
        msg->alert.threshold = 90;
        msg->alert.since_ms = 1795000001000;
        msg->alert.ts_ms = 1795000011000;
        strcpy(msg->alert.summary, "memory near its limit");
        break;
    case HMS_MSG_GIVE_METRICS:
        strcpy(msg->query.container, "web-1");
        msg->query.from_ms = 1795000000000;
        msg->query.to_ms = 1795000003000;
        break;
    case HMS_MSG_CONTAINER_THRESHOLD: msg->threshold = 60; break;
    case HMS_MSG_CONTAINER_IGNORE:
    case HMS_MSG_CONTAINER_ADD: strcpy(msg->container.container, "web-1"); break;
    case HMS_MSG_SET_CONFIG:
        msg->settings.present = (1u << HMS_SETTING_THRESHOLD) | (1u << HMS_SETTING_PROBE_PERIOD_MS);
        msg->settings.threshold = 75;
        msg->settings.probe_period_ms = 500;
        break;
    case HMS_MSG_SET_RULES: s_rules_sample(&msg->rules); break;
    case HMS_MSG_CONF_ANTAGONIST: s_antagonist_conf(&msg->antagonist); break;
    case HMS_MSG_ERROR:
        msg->corr_id = 7;
        msg->error.code = HMS_CODE_BAD_REQUEST;
        strcpy(msg->error.message, "out of range: threshold must be in [0, 100]");
        break;
    case HMS_MSG_OK:
        switch (sample->re) {
        case HMS_MSG_PING:
            strcpy(msg->pong.address, address);
            msg->pong.role = HMS_ROLE_MANAGER;
            strcpy(msg->pong.version, "0.1.0");
            msg->pong.uptime_ms = 3600000;
            break;
        case HMS_MSG_GIVE_CONTENT: {
            memset(s_content, 0, sizeof s_content);
            hms_container_t *web = &s_content[0];
            strcpy(web->id, "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
            strcpy(web->name, "web-1");
            strcpy(web->image, "hms/testbox:1");
            strcpy(web->ip, "172.17.0.2");
            web->status = HMS_STATUS_ACTIVE;
            strcpy(web->state, "running");
            web->loss = 5;
            web->rtt_ms = 0.05;
            web->restarts = 2;
            web->loss_heals = 1;
            web->risks = 1u << 14 | 1u << 17; //  memory_limit, root
            web->since_ms = 1795000000500;
            hms_container_t *db = &s_content[1];
            strcpy(db->id, "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b");
            strcpy(db->name, "db-1");
            strcpy(db->image, "hms/testbox:1");
            strcpy(db->ip, "172.17.0.3");
            db->status = HMS_STATUS_RESTARTING;
            strcpy(db->state, "exited");
            db->loss = NAN;
            db->rtt_ms = NAN;
            db->restarts = 1;
            db->since_ms = 1795000000900;
            hms_container_t *skip = &s_content[2];
            strcpy(skip->id, "0123456789ab");
            strcpy(skip->name, "batch-1");
            skip->status = HMS_STATUS_IGNORED;
            skip->loss = NAN;
            skip->rtt_ms = NAN;
            strcpy(msg->content.address, address);
            msg->content.update_seq = 18;
            msg->content.started_ms = 1795000000000;
            msg->content.threshold = 60;
            msg->content.content = s_content;
            msg->content.count = 3;
            break;
        }
        case HMS_MSG_GIVE_METRICS: s_range(&msg->range); break;
        case HMS_MSG_CONTAINER_THRESHOLD: msg->threshold = 60; break;
        case HMS_MSG_CONTAINER_IGNORE:
        case HMS_MSG_CONTAINER_ADD:
            strcpy(msg->container.container,
                   "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
            msg->container.status =
                sample->re == HMS_MSG_CONTAINER_IGNORE ? HMS_STATUS_IGNORED : HMS_STATUS_ACTIVE;
            break;
        case HMS_MSG_GET_CONFIG:
        case HMS_MSG_SET_CONFIG: s_settings(&msg->settings); break;
        case HMS_MSG_GET_RULES:
        case HMS_MSG_SET_RULES: s_rules_sample(&msg->rules); break;
        case HMS_MSG_CONF_ANTAGONIST:
        case HMS_MSG_START_ANTAGONIST:
        case HMS_MSG_STOP_ANTAGONIST:
        case HMS_MSG_ANTAGONIST_STATUS:
            msg->antagonist_status.running = sample->re == HMS_MSG_START_ANTAGONIST;
            s_antagonist_conf(&msg->antagonist_status.config);
            msg->antagonist_status.attempts = 300;
            msg->antagonist_status.shutdowns = 52;
            msg->antagonist_status.loss_attacks = 23;
            msg->antagonist_status.targets = 3;
            break;
        case HMS_MSG_LIST_HOSTS:
            memset(s_hosts, 0, sizeof s_hosts);
            strcpy(s_hosts[0].address, "10.0.0.5");
            s_hosts[0].status = HMS_HOST_ONLINE;
            s_hosts[0].last_seen_ms = 1795000001000;
            s_hosts[0].containers = 3;
            strcpy(s_hosts[1].address, "10.0.0.6:7611");
            s_hosts[1].status = HMS_HOST_OFFLINE;
            s_hosts[1].last_seen_ms = 0;
            s_hosts[1].containers = 0;
            msg->hosts.hosts = s_hosts;
            msg->hosts.count = 2;
            break;
        default: break;
        }
        break;
    default: break;
    }
}
