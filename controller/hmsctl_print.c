/*  hmsctl: printers of replies and published messages, as text or JSON. */

#include "hmsctl.h"
#include "hms_json.h"

#include <msgpack.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Tables: columns as wide as their widest cell.

#define CELL_MAX 300 //  holds any field of an entry (an image is at most 255 bytes)

typedef void(cell_fn)(const void *rows, size_t row, int column, char *cell);

static void s_print_table(const char *const *headers, int columns, const void *rows, size_t count,
                          cell_fn *cell_of)
{
    int width[16] = {0};
    assert(columns <= 16);
    char cell[CELL_MAX];
    for (int column = 0; column < columns; column++) {
        width[column] = (int)strlen(headers[column]);
        for (size_t row = 0; row < count; row++) {
            cell_of(rows, row, column, cell);
            int length = (int)strlen(hmsctl_safe(cell));
            width[column] = length > width[column] ? length : width[column];
        }
    }
    for (size_t row = 0; row <= count; row++)
        for (int column = 0; column < columns; column++) {
            if (row == 0)
                snprintf(cell, sizeof cell, "%s", headers[column]);
            else
                cell_of(rows, row - 1, column, cell);
            snprintf(cell, sizeof cell, "%s", hmsctl_safe(cell));
            if (column + 1 < columns)
                printf("%-*s  ", width[column], cell);
            else
                printf("%s\n", cell);
        }
}

static void s_container_cell(const void *rows, size_t row, int column, char *cell)
{
    const hms_container_t *entry = (const hms_container_t *)rows + row;
    bool ignored = entry->status == HMS_STATUS_IGNORED;
    switch (column) {
    case 0: snprintf(cell, CELL_MAX, "%s", *entry->name ? entry->name : "-"); break;
    case 1: snprintf(cell, CELL_MAX, "%.12s", entry->id); break;
    case 2: snprintf(cell, CELL_MAX, "%s", hms_status_name(entry->status)); break;
    case 3:
        if (isnan(entry->loss))
            snprintf(cell, CELL_MAX, "-");
        else
            snprintf(cell, CELL_MAX, "%.1f%%", entry->loss);
        break;
    case 4:
        if (isnan(entry->rtt_ms))
            snprintf(cell, CELL_MAX, "-");
        else
            snprintf(cell, CELL_MAX, "%.2f ms", entry->rtt_ms);
        break;
    case 5: snprintf(cell, CELL_MAX, "%s", *entry->ip ? entry->ip : "-"); break;
    case 6: snprintf(cell, CELL_MAX, "%s", *entry->image ? entry->image : "-"); break;
    default:
        if (ignored)
            snprintf(cell, CELL_MAX, "-");
        else
            snprintf(cell, CELL_MAX, "%" PRIu64, entry->restarts);
    }
}

//  Local time of a Unix time in ms, to the second.
void hmsctl_local_time(uint64_t ms, char *text, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&seconds, &tm) || !strftime(text, size, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(text, size, "%" PRIu64, ms);
}

static void s_host_cell(const void *rows, size_t row, int column, char *cell)
{
    const hms_host_t *host = (const hms_host_t *)rows + row;
    switch (column) {
    case 0: snprintf(cell, CELL_MAX, "%s", host->address); break;
    case 1: snprintf(cell, CELL_MAX, "%s", hms_host_status_name(host->status)); break;
    case 2:
        if (host->last_seen_ms)
            hmsctl_local_time(host->last_seen_ms, cell, CELL_MAX);
        else
            snprintf(cell, CELL_MAX, "never");
        break;
    default: snprintf(cell, CELL_MAX, "%" PRIu64, host->containers);
    }
}

//  A size in bytes as docker stats prints it: 512B, 1.5KiB, 41.2MiB, ...
static void s_size(double bytes, const char *suffix, char *cell)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        unit++;
    }
    snprintf(cell, CELL_MAX, unit ? "%.1f%s%s" : "%.0f%s%s", bytes, units[unit], suffix);
}

//  A second of give_metrics; rows is the range.
static void s_metrics_cell(const void *rows, size_t row, int column, char *cell)
{
    const hms_metrics_range_t *range = rows;
    const float *v = range->rows[row].values;
    static const int series[] = {-1,
                                 HMS_METRIC_CPU,
                                 HMS_METRIC_MEMORY,
                                 HMS_METRIC_MEMORY_LIMIT,
                                 HMS_METRIC_PIDS,
                                 HMS_METRIC_NET_RX,
                                 HMS_METRIC_NET_TX,
                                 HMS_METRIC_IO_READ,
                                 HMS_METRIC_IO_WRITE,
                                 HMS_METRIC_LOSS,
                                 HMS_METRIC_RTT};
    if (column == 0) {
        char stamp[64];
        hmsctl_local_time(range->start_ms + row * range->step_ms, stamp, sizeof stamp);
        snprintf(cell, CELL_MAX, "%s", stamp + 11); //  the time of day
        return;
    }
    int m = series[column];
    double value = v[m];
    if (isnan(value))
        snprintf(cell, CELL_MAX, "-");
    else if (m == HMS_METRIC_CPU)
        snprintf(cell, CELL_MAX, "%.1f%%", 100 * value);
    else if ((m == HMS_METRIC_MEMORY_LIMIT) && value == 0)
        snprintf(cell, CELL_MAX, "none");
    else if (m == HMS_METRIC_MEMORY || m == HMS_METRIC_MEMORY_LIMIT)
        s_size(value, "", cell);
    else if (m == HMS_METRIC_PIDS)
        snprintf(cell, CELL_MAX, "%.0f", value);
    else if (m == HMS_METRIC_LOSS)
        snprintf(cell, CELL_MAX, "%.0f%%", value);
    else if (m == HMS_METRIC_RTT)
        snprintf(cell, CELL_MAX, "%.2f ms", value);
    else
        s_size(value, "/s", cell);
}

//  Printers of ok replies.

void hmsctl_print_metrics(const hms_msg_t *reply)
{
    static const char *const headers[] = {"TIME",     "CPU",    "MEMORY",  "LIMIT",
                                          "PIDS",     "NET IN", "NET OUT", "IO READ",
                                          "IO WRITE", "LOSS",   "RTT"};
    const hms_metrics_range_t *range = &reply->range;
    printf("%.12s: %zu seconds kept\n", range->container, range->count);
    if (range->count)
        s_print_table(headers, 11, range, range->count, s_metrics_cell);
}

void hmsctl_print_pong(const hms_msg_t *reply)
{
    printf("pong from %s: role %s, version %s, uptime %.1f s\n", hmsctl_safe(reply->pong.address),
           hms_role_name(reply->pong.role), hmsctl_safe(reply->pong.version),
           (double)reply->pong.uptime_ms / 1000);
}

void hmsctl_print_content(const hms_msg_t *reply)
{
    static const char *const headers[] = {"NAME", "ID", "STATUS", "LOSS",
                                          "RTT",  "IP", "IMAGE",  "RESTARTS"};
    const hms_content_t *content = &reply->content;
    s_print_table(headers, 8, content->content, content->count, s_container_cell);
    printf("threshold %g %%, update_seq %" PRIu64 ", manager %s\n", content->threshold,
           content->update_seq, hmsctl_safe(content->address));
}

void hmsctl_print_threshold(const hms_msg_t *reply)
{
    printf("threshold = %g\n", reply->threshold);
}

void hmsctl_print_container(const hms_msg_t *reply)
{
    printf("%s %s\n", hmsctl_safe(reply->container.container),
           hms_status_name(reply->container.status));
}

void hmsctl_print_settings(const hms_msg_t *reply)
{
    hmsctl_print_fields(hmsctl_settings, HMS_SETTING_COUNT, &reply->settings,
                        reply->settings.present);
}

void hmsctl_print_antagonist(const hms_msg_t *reply)
{
    const hms_antagonist_status_t *status = &reply->antagonist_status;
    printf("running = %s\nattempts = %" PRIu64 "\nshutdowns = %" PRIu64 "\nloss_attacks = %" PRIu64
           "\ntargets = %" PRIu64 "\n",
           status->running ? "yes" : "no", status->attempts, status->shutdowns,
           status->loss_attacks, status->targets);
    //  The optional keys only when they hold a value (§4.4).
    uint32_t present = 0;
    for (size_t i = 0; i < HMSCTL_ANTAGONIST_FIELDS; i++)
        if (hmsctl_antagonist_fields[i].required ||
            hmsctl_has_value(&hmsctl_antagonist_fields[i], &status->config))
            present |= 1u << i;
    hmsctl_print_fields(hmsctl_antagonist_fields, HMSCTL_ANTAGONIST_FIELDS, &status->config,
                        present);
}

void hmsctl_print_hosts(const hms_msg_t *reply)
{
    static const char *const headers[] = {"ADDRESS", "STATUS", "LAST SEEN", "CONTAINERS"};
    s_print_table(headers, 4, reply->hosts.hosts, reply->hosts.count, s_host_cell);
}

static void s_rule_cell(const void *rows, size_t row, int column, char *cell)
{
    const hms_rule_wire_t *rule = (const hms_rule_wire_t *)rows + row;
    switch (column) {
    case 0: snprintf(cell, CELL_MAX, "%s", rule->name); break;
    case 1:
        if (rule->baseline > 0)
            snprintf(cell, CELL_MAX, "%s %s %g and %g x usual (clear %g)", rule->metric, rule->op,
                     rule->threshold, rule->baseline, rule->clear);
        else
            snprintf(cell, CELL_MAX, "%s%s %s %g (clear %g)", rule->metric,
                     rule->of_limit ? " % of limit" : "", rule->op, rule->threshold, rule->clear);
        break;
    case 2: snprintf(cell, CELL_MAX, "%" PRIu64 " s", rule->for_s); break;
    case 3: snprintf(cell, CELL_MAX, "%s", hms_severity_name(rule->severity)); break;
    default: snprintf(cell, CELL_MAX, "%s", rule->summary);
    }
}

void hmsctl_print_rules(const hms_msg_t *reply)
{
    static const char *const headers[] = {"RULE", "WHEN", "FOR", "SEVERITY", "SUMMARY"};
    s_print_table(headers, 5, reply->rules.rules, reply->rules.count, s_rule_cell);
}

//  JSON: a message is encoded again (canonically, so exactly as on the
//  wire) and its msgpack objects are mapped to JSON ones: no printer per
//  message, and every key keeps its protocol name.

static json_t *s_json_string(const char *data, size_t size)
{
    json_t *string = json_stringn(data, size);
    if (string)
        return string;
    //  Peers SHOULD send UTF-8, not MUST: show other bytes as '?'.
    char *copy = malloc(size + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < size; i++)
        copy[i] = (unsigned char)data[i] < 0x80 ? data[i] : '?';
    string = json_stringn(copy, size);
    free(copy);
    return string;
}

static json_t *s_json_from(const msgpack_object *object)
{
    switch (object->type) {
    case MSGPACK_OBJECT_BOOLEAN: return json_boolean(object->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (object->via.u64 > INT64_MAX)
            return json_real((double)object->via.u64);
        return json_integer((json_int_t)object->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer(object->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return json_real(object->via.f64);
    case MSGPACK_OBJECT_STR: return s_json_string(object->via.str.ptr, object->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *array = json_array();
        for (uint32_t i = 0; array && i < object->via.array.size; i++)
            json_array_append_new(array, s_json_from(&object->via.array.ptr[i]));
        return array;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *map = json_object();
        for (uint32_t i = 0; map && i < object->via.map.size; i++) {
            const msgpack_object_kv *pair = &object->via.map.ptr[i];
            if (pair->key.type != MSGPACK_OBJECT_STR)
                continue;
            char *key = strndup(pair->key.via.str.ptr, pair->key.via.str.size);
            if (key)
                json_object_set_new(map, key, s_json_from(&pair->val));
            free(key);
        }
        return map;
    }
    default: return json_null();
    }
}

//  A heartbeat or an update (tuples on the wire) as a JSON object, by name.
static json_t *s_json_published(const hms_msg_t *msg)
{
    if (msg->type == HMS_MSG_HB)
        return json_pack("{s:i, s:s, s:I, s:I, s:I}", "v", HMS_PROTOCOL_VERSION, "command", "hb",
                         "update_seq", (json_int_t)msg->hb.update_seq, "digest",
                         (json_int_t)msg->hb.digest, "interval_ms",
                         (json_int_t)msg->hb.interval_ms);
    const hms_update_t *update = &msg->update;
    json_t *json = json_pack("{s:i, s:s, s:I, s:I, s:I}", "v", HMS_PROTOCOL_VERSION, "command",
                             "update", "update_seq", (json_int_t)update->update_seq, "started_ms",
                             (json_int_t)update->started_ms, "digest", (json_int_t)update->digest);
    if (json && !isnan(update->threshold)) {
        json_t *changes = json_array();
        for (size_t i = 0; i < update->count; i++) {
            const hms_container_t *entry = &update->changes[i];
            json_array_append_new(
                changes, entry->status ? hms_json_container(entry)
                                       : json_pack("{s:s, s:b}", "id", entry->id, "removed", true));
        }
        json_object_set_new(json, "threshold", json_real(update->threshold));
        json_object_set_new(json, "changes", changes);
    }
    return json;
}

//  msg as a JSON object (caller owns it), or NULL.
json_t *hmsctl_json_message(const hms_msg_t *msg)
{
    if (msg->type == HMS_MSG_HB || msg->type == HMS_MSG_UPDATE)
        return s_json_published(msg);
    if (msg->type == HMS_MSG_ALERT) {
        json_t *json = hms_json_alert(&msg->alert);
        json_object_set_new(json, "v", json_integer(HMS_PROTOCOL_VERSION));
        json_object_set_new(json, "command", json_string("alert"));
        return json;
    }
    if (msg->type == HMS_MSG_METRICS) {
        json_t *entries = json_array();
        for (size_t i = 0; entries && i < msg->metrics.count; i++)
            json_array_append_new(entries, hms_json_metrics_entry(&msg->metrics.entries[i]));
        return json_pack("{s:i, s:s, s:I, s:I, s:I, s:o}", "v", HMS_PROTOCOL_VERSION, "command",
                         "metrics", "seq", (json_int_t)msg->metrics.seq, "t_ms",
                         (json_int_t)msg->metrics.t_ms, "interval_ms",
                         (json_int_t)msg->metrics.interval_ms, "entries", entries);
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    json_t *json = NULL;
    if (hms_msg_encode(msg, &buffer) == 0) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init(&unpacked);
        size_t offset = 0;
        if (msgpack_unpack_next(&unpacked, buffer.data, buffer.size, &offset) ==
            MSGPACK_UNPACK_SUCCESS)
            json = s_json_from(&unpacked.data);
        msgpack_unpacked_destroy(&unpacked);
    }
    msgpack_sbuffer_destroy(&buffer);
    //  Containers travel as tuples with binary ids; JSON readers get them
    //  by name, as the REST API shows them.
    if (json && msg->type == HMS_MSG_OK && msg->re == HMS_MSG_GIVE_METRICS) {
        json_t *range = hms_json_metrics_range(&msg->range);
        json_object_del(json, "rows");
        json_object_update(json, range);
        json_decref(range);
    }
    if (json && msg->type == HMS_MSG_OK && msg->re == HMS_MSG_GIVE_CONTENT) {
        json_t *content = json_array();
        for (size_t i = 0; i < msg->content.count; i++)
            json_array_append_new(content, hms_json_container(&msg->content.content[i]));
        json_object_set_new(json, "content", content);
    }
    return json;
}

//  Prints msg as JSON: indented, or on one line (watch). Returns 0 or -1.
int hmsctl_print_json(json_t *json, bool one_line)
{
    if (!json)
        return -1;
    //  ASCII only: jansson escapes control characters, and \u escapes the rest.
    size_t flags = (one_line ? JSON_COMPACT : JSON_INDENT(2)) | JSON_ENSURE_ASCII;
    int rc = json_dumpf(json, stdout, flags | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(json);
    return rc;
}

void hmsctl_print_event(const hms_msg_t *msg)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char stamp[64];
    hmsctl_local_time((uint64_t)now.tv_sec * 1000, stamp, sizeof stamp);
    printf("%s.%03ld %s ", stamp, now.tv_nsec / 1000000, hms_msg_type_name(msg->type));
    if (msg->type == HMS_MSG_HB) {
        const hms_hb_t *hb = &msg->hb;
        printf("update_seq=%" PRIu64 " digest=%08" PRIx64 " interval_ms=%" PRIu64 "\n",
               hb->update_seq, hb->digest, hb->interval_ms);
    } else if (msg->type == HMS_MSG_UPDATE) {
        const hms_update_t *update = &msg->update;
        printf("update_seq=%" PRIu64 " digest=%08" PRIx64 " %s", update->update_seq, update->digest,
               isnan(update->threshold) ? "notice" : "delta");
        if (!isnan(update->threshold))
            printf(" threshold=%g", update->threshold);
        for (size_t i = 0; i < update->count; i++) {
            const hms_container_t *entry = &update->changes[i];
            printf("%s %s %s", i ? "," : ":", *entry->name ? hmsctl_safe(entry->name) : "-",
                   entry->status ? hms_status_name(entry->status) : "removed");
            if (!entry->status)
                printf(" (%.12s)", entry->id);
        }
        printf("\n");
    } else if (msg->type == HMS_MSG_METRICS) {
        const hms_metrics_report_t *metrics = &msg->metrics;
        printf("seq=%" PRIu64 " interval_ms=%" PRIu64, metrics->seq, metrics->interval_ms);
        for (size_t i = 0; i < metrics->count; i++) {
            const hms_metrics_entry_t *entry = &metrics->entries[i];
            char memory[CELL_MAX];
            s_size(entry->rollups[HMS_METRIC_MEMORY].mean, "", memory);
            printf("%s %.12s cpu=%.1f%% memory=%s", i ? "," : ":", entry->id,
                   100 * entry->rollups[HMS_METRIC_CPU].mean,
                   isnan(entry->rollups[HMS_METRIC_MEMORY].mean) ? "-" : memory);
        }
        printf("\n");
    } else if (msg->type == HMS_MSG_ALERT) {
        const hms_alert_t *alert = &msg->alert;
        printf("seq=%" PRIu64 " %s %s %s: %s (%.12s) %s=%g threshold=%g\n", alert->seq,
               hmsctl_safe(alert->rule), hms_alert_state_name(alert->state),
               hms_severity_name(alert->severity), *alert->name ? hmsctl_safe(alert->name) : "-",
               hmsctl_safe(alert->container), hmsctl_safe(alert->metric), alert->value,
               alert->threshold);
    } else {
        const hms_attack_t *attack = &msg->attack;
        printf("%s seq=%" PRIu64 " attack_id=%" PRIu64 " %s %s %s (%.12s)",
               hmsctl_safe(attack->address), attack->seq, attack->attack_id,
               hms_phase_name(attack->phase), hms_attack_kind_name(attack->kind),
               *attack->name ? hmsctl_safe(attack->name) : "-", hmsctl_safe(attack->container));
        if (!isnan(attack->loss))
            printf(" loss=%.1f%%", attack->loss);
        if (attack->duration_ms)
            printf(" duration_ms=%" PRIu64, attack->duration_ms);
        printf("\n");
    }
}
