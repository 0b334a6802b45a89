/*  hms_rest_metrics: the metrics routes of the REST API.  */

#include "hms_rest_metrics.h"

#include "hms_history.h"
#include "hms_prometheus.h"
#include "hms_rest_io.h"
#include "hms_vmquery.h"

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int hms_rest_prometheus(hms_view_store_t *views, const hms_vmpush_t *push,
                        struct _u_response *response)
{
    hms_view_t *view = hms_view_store_acquire(views);
    size_t size = 0;
    char *text = hms_prometheus_render(view, &size);
    hms_view_release(&view);
    char *more = push && text ? hms_vmpush_prometheus(push) : NULL;
    char *both = more ? realloc(text, size + strlen(more) + 1) : text;
    if (!both || (push && !more)) {
        free(both);
        free(more);
        return hms_rest_error(response, 500, "out of memory");
    }
    if (more) {
        strcpy(both + size, more);
        size += strlen(more);
        free(more);
    }
    ulfius_set_binary_body_response(response, 200, both, size);
    u_map_put(response->map_header, "Content-Type", HMS_PROMETHEUS_TYPE);
    free(both);
    return U_CALLBACK_COMPLETE;
}

int hms_rest_health(hms_view_store_t *views, const hms_vmpush_t *push, struct _u_response *response)
{
    hms_view_t *view = hms_view_store_acquire(views);
    size_t online = 0;
    for (size_t i = 0; i < view->count; i++)
        online += view->hosts[i].status == HMS_HOST_ONLINE;
    json_t *body = json_pack("{s:s, s:I, s:I}", "status", "ok", "hosts", (json_int_t)view->count,
                             "online", (json_int_t)online);
    hms_view_release(&view);
    if (body && push) {
        hms_vmpush_counters_t counters;
        hms_vmpush_counters(push, &counters);
        json_object_set_new(body, "victoriametrics",
                            json_pack("{s:b, s:I, s:I}", "up", counters.up, "queued",
                                      (json_int_t)counters.queued, "dropped",
                                      (json_int_t)counters.dropped));
    }
    return hms_rest_json(response, 200, body);
}

int hms_rest_history(hms_view_store_t *views, const char *history, const char *vm_url,
                     const struct _u_request *request, struct _u_response *response)
{
    char address[HMS_ADDRESS_MAX + 1], ref[HMS_REF_MAX + 1];
    if (!hms_rest_address(request, response, address) ||
        !hms_rest_container(request, response, ref))
        return U_CALLBACK_COMPLETE;
    const char *name = u_map_get(request->map_url, "metric");
    hms_metric_t metric = hms_metric_from_name(name ? name : "cpu");
    if (metric == HMS_METRIC_COUNT)
        return hms_rest_error(response, 400,
                              "metric: one of cpu, cpu_throttled, memory, memory_usage, "
                              "memory_limit, pids, pids_max, net_rx, net_tx, net_rx_packets, "
                              "net_tx_packets, io_read, io_write, oom_kills, loss, rtt");
    uint64_t now = (uint64_t)zclock_time(), from, to, step = 0;
    if (hms_rest_range(request, response, 3600000, &from, &to) ||
        hms_rest_ms(request, response, "step", &step))
        return U_CALLBACK_COMPLETE;
    if (!*history && !*vm_url)
        return hms_rest_no_history(response);
    hms_view_t *view = hms_view_store_acquire(views);
    const hms_view_host_t *host;
    const hms_container_t *container = hms_rest_lookup(view, address, ref, response, &host);
    char id[HMS_ID_MAX + 1] = "", container_name[HMS_NAME_MAX + 1] = "";
    if (container) {
        snprintf(id, sizeof id, "%s", container->id);
        snprintf(container_name, sizeof container_name, "%s", container->name);
    }
    hms_view_release(&view);
    if (!container)
        return U_CALLBACK_COMPLETE;
    char error[512] = "";
    json_t *series = *vm_url ? hms_vmquery_series(vm_url, address, id, metric, from, to, step, now,
                                                  error, sizeof error)
                             : hms_history_query(history, address, id, metric, from, to, step, now,
                                                 error, sizeof error);
    if (!series)
        return hms_rest_error(response, *vm_url ? 502 : 500, "%s", error);
    json_t *head =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "address", address, "container", id,
                  "name", container_name, "metric", hms_metric_name(metric), "unit",
                  hms_metric_unit(metric), "from", (json_int_t)from, "to", (json_int_t)to);
    char *text = NULL;
    if (head && json_object_update(head, series) == 0)
        text = json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(head);
    json_decref(series);
    if (!text)
        return hms_rest_error(response, 500, "out of memory");
    hms_rest_send(response, 200, text, strlen(text));
    free(text);
    return U_CALLBACK_COMPLETE;
}
