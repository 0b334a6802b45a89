/*  hms_rest_forecasts: the early warnings of exhaustion in the REST API.

    Each manager forecasts, every 10 s, when each container's memory will
    reach its limit and its tasks pids.max (manager/hms_forecast.h), and
    sends the time left in its metrics entries. GET /forecasts renders the
    last of them from the view the REST thread holds: every container with
    a limit, the least time left first.
*/
#ifndef HMS_REST_FORECASTS_H_INCLUDED
#define HMS_REST_FORECASTS_H_INCLUDED

#include "hms_view.h"

#include <ulfius.h>

//  GET /forecasts[?within=SECONDS]: only the containers with less time
//  left than that (by either method). Returns U_CALLBACK_COMPLETE.
int hms_rest_forecasts(hms_view_store_t *views, const struct _u_request *request,
                       struct _u_response *response);

#endif
