/*  hms_rest_metrics: the metrics routes of the REST API.

    GET /metrics: Prometheus' scrape, rendered from the view the REST
    thread holds (hms_prometheus), and the push's counters. GET
    /containers/{address}/{container}/metrics: one series of one container
    from the history file (hms_history), or from VictoriaMetrics with
    --vm-url (hms_vmquery), over a time range at a step. GET /healthz: the
    hosts online, and the push's state. None asks the loop.
*/
#ifndef HMS_REST_METRICS_H_INCLUDED
#define HMS_REST_METRICS_H_INCLUDED

#include "hms_view.h"
#include "hms_vmpush.h"

#include <ulfius.h>

//  GET /metrics, with the counters of push (NULL: none). Returns
//  U_CALLBACK_COMPLETE.
int hms_rest_prometheus(hms_view_store_t *views, const hms_vmpush_t *push,
                        struct _u_response *response);

//  GET /containers/{address}/{container}/metrics?metric=NAME&from=MS&to=MS&step=MS
//  from VictoriaMetrics at vm_url when set (502 when it fails), else from
//  history ("": none kept, 501). metric defaults to cpu, to to now, from
//  to an hour before to, step to 0 (the finest kept). Returns
//  U_CALLBACK_COMPLETE.
int hms_rest_history(hms_view_store_t *views, const char *history, const char *vm_url,
                     const struct _u_request *request, struct _u_response *response);

//  GET /healthz: {"status": "ok", "hosts", "online"} and, with push,
//  "victoriametrics": {"up", "queued", "dropped"}. Returns
//  U_CALLBACK_COMPLETE.
int hms_rest_health(hms_view_store_t *views, const hms_vmpush_t *push,
                    struct _u_response *response);

#endif
