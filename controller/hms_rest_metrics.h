/*  hms_rest_metrics: the metrics routes of the REST API.

    GET /metrics: Prometheus' scrape, rendered from the view the REST
    thread holds (hms_prometheus). GET /containers/{address}/{container}/
    metrics: one series of one container from the history file
    (hms_history), over a time range at a step. Neither asks the loop.
*/
#ifndef HMS_REST_METRICS_H_INCLUDED
#define HMS_REST_METRICS_H_INCLUDED

#include "hms_view.h"

#include <ulfius.h>

//  GET /metrics. Returns U_CALLBACK_COMPLETE.
int hms_rest_prometheus(hms_view_store_t *views, struct _u_response *response);

//  GET /containers/{address}/{container}/metrics?metric=NAME&from=MS&to=MS&step=MS
//  from history ("": none kept, 501). metric defaults to cpu, to to now,
//  from to an hour before to, step to 0 (the finest kept). Returns
//  U_CALLBACK_COMPLETE.
int hms_rest_history(hms_view_store_t *views, const char *history, const struct _u_request *request,
                     struct _u_response *response);

#endif
