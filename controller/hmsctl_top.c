/*  hmsctl top: every container of a manager with its last second of
    metrics, as `docker stats --no-stream` shows them: the table of
    give_content, then one give_metrics per container.
*/

#include "hmsctl.h"

#include <czmq.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A container's row: its name and id, and the last value of each series.
typedef struct {
    char name[HMS_NAME_MAX + 1];
    char id[HMS_ID_MAX + 1];
    float values[HMS_METRIC_COUNT];
} s_row_t;

//  The last value of each series over the rows of a range.
static void s_last_values(const hms_metrics_range_t *range, float *values)
{
    for (int m = 0; m < HMS_METRIC_COUNT; m++) {
        values[m] = NAN;
        for (size_t i = range->count; i > 0 && isnan(values[m]); i--)
            values[m] = range->rows[i - 1].values[m];
    }
}

static void s_size(double bytes, const char *suffix, char *out, size_t size)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        unit++;
    }
    snprintf(out, size, unit ? "%.1f%s%s" : "%.0f%s%s", bytes, units[unit], suffix);
}

static void s_print(const s_row_t *rows, size_t count)
{
    printf("%-24s %-12s %7s %21s %9s %21s %5s %6s %9s\n", "NAME", "ID", "CPU", "MEM / LIMIT",
           "MEM %", "NET IN / OUT", "PIDS", "LOSS", "RTT");
    for (size_t i = 0; i < count; i++) {
        const float *v = rows[i].values;
        char cpu[16] = "-", memory[48] = "-", share[16] = "-", net[48] = "-", pids[16] = "-",
             loss[16] = "-", rtt[16] = "-";
        if (!isnan(v[HMS_METRIC_CPU]))
            snprintf(cpu, sizeof cpu, "%.1f%%", 100 * v[HMS_METRIC_CPU]);
        if (!isnan(v[HMS_METRIC_MEMORY])) {
            char used[16], limit[16] = "none";
            s_size(v[HMS_METRIC_MEMORY], "", used, sizeof used);
            if (v[HMS_METRIC_MEMORY_LIMIT] > 0) {
                s_size(v[HMS_METRIC_MEMORY_LIMIT], "", limit, sizeof limit);
                snprintf(share, sizeof share, "%.1f%%",
                         100 * v[HMS_METRIC_MEMORY] / v[HMS_METRIC_MEMORY_LIMIT]);
            }
            snprintf(memory, sizeof memory, "%s / %s", used, limit);
        }
        if (!isnan(v[HMS_METRIC_NET_RX]) && !isnan(v[HMS_METRIC_NET_TX])) {
            char in[16], out[16];
            s_size(v[HMS_METRIC_NET_RX], "/s", in, sizeof in);
            s_size(v[HMS_METRIC_NET_TX], "/s", out, sizeof out);
            snprintf(net, sizeof net, "%s / %s", in, out);
        }
        if (!isnan(v[HMS_METRIC_PIDS]))
            snprintf(pids, sizeof pids, "%.0f", v[HMS_METRIC_PIDS]);
        if (!isnan(v[HMS_METRIC_LOSS]))
            snprintf(loss, sizeof loss, "%.0f%%", v[HMS_METRIC_LOSS]);
        if (!isnan(v[HMS_METRIC_RTT]))
            snprintf(rtt, sizeof rtt, "%.2f ms", v[HMS_METRIC_RTT]);
        printf("%-24s %-12.12s %7s %21s %9s %21s %5s %6s %9s\n", hmsctl_safe(rows[i].name),
               rows[i].id, cpu, memory, share, net, pids, loss, rtt);
    }
}

static json_t *s_json(const s_row_t *rows, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < count; i++) {
        json_t *series = json_object();
        for (int m = 0; series && m < HMS_METRIC_COUNT; m++)
            json_object_set_new(series, hms_metric_name(m),
                                isnan(rows[i].values[m]) ? json_null()
                                                         : json_real(rows[i].values[m]));
        json_array_append_new(array, json_pack("{s:s, s:s, s:o}", "name", rows[i].name, "id",
                                               rows[i].id, "metrics", series));
    }
    return json_pack("{s:o}", "containers", array);
}

int hmsctl_top(hms_client_t *client, const hms_msg_t *content, bool json)
{
    size_t count = 0;
    s_row_t *rows = calloc(content->content.count + 1, sizeof *rows);
    if (!rows)
        return 1;
    uint64_t from = (uint64_t)zclock_time() - 5000;
    for (size_t i = 0; i < content->content.count; i++) {
        const hms_container_t *container = &content->content.content[i];
        if (container->status == HMS_STATUS_IGNORED || container->status == HMS_STATUS_STOPPED)
            continue;
        hms_msg_t request, reply;
        hms_msg_init(&request, HMS_MSG_GIVE_METRICS);
        snprintf(request.query.container, sizeof request.query.container, "%s", container->id);
        request.query.from_ms = from;
        s_row_t *row = &rows[count++];
        snprintf(row->name, sizeof row->name, "%s", container->name);
        snprintf(row->id, sizeof row->id, "%s", container->id);
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            row->values[m] = NAN;
        if (hms_client_request(client, &request, &reply) == 0 && reply.type == HMS_MSG_OK)
            s_last_values(&reply.range, row->values);
        hms_msg_reset(&reply);
    }
    int rc = 0;
    if (json)
        rc = hmsctl_print_json(s_json(rows, count), false) == 0 ? 0 : 1;
    else
        s_print(rows, count);
    free(rows);
    return rc;
}
