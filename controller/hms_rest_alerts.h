/*  hms_rest_alerts: the alert routes of the REST API.

    GET /alerts: every alert pending or firing now, of every host (the
    managers' rules and the controller's host_offline), from the view the
    REST thread holds; ?state=firing or pending and ?severity= filter
    them. It does not ask the loop. GET /alerts/history: the alerts'
    changes of state from the history file; GET /events, the timeline of
    heals, attacks and alerts. GET and PUT /rules: the
    managers' alert rules, asked of them.
*/
#ifndef HMS_REST_ALERTS_H_INCLUDED
#define HMS_REST_ALERTS_H_INCLUDED

#include "hms_api.h"
#include "hms_view.h"

#include <stdbool.h>

#include <ulfius.h>

//  GET /alerts[?state=pending|firing][&severity=info|warning|critical].
//  Returns U_CALLBACK_COMPLETE.
int hms_rest_alerts(hms_view_store_t *views, const struct _u_request *request,
                    struct _u_response *response);

//  GET /alerts/history?from=MS&to=MS&limit=N from history ("": none kept,
//  501): newest first; to defaults to now, from to a day before to, limit
//  to 1,000 (at most 10,000). Returns U_CALLBACK_COMPLETE.
int hms_rest_alert_history(const char *history, const struct _u_request *request,
                           struct _u_response *response);

//  GET /events?from=MS&to=MS&limit=N: the timeline (hms_history_events:
//  heals, attacks and alerts' changes), newest first, with the same
//  defaults and bounds as /alerts/history. Returns U_CALLBACK_COMPLETE.
int hms_rest_events(const char *history, const struct _u_request *request,
                    struct _u_response *response);

//  GET and PUT /rules (every_host) and /rules/{address}: the alert rules of
//  every host, or of one, asked of the managers through api; PUT replaces
//  them all at once, with {"rules": [...]} as a rules file holds them,
//  checked here first (400). Returns U_CALLBACK_COMPLETE.
int hms_rest_rules(hms_api_t *api, const struct _u_request *request, struct _u_response *response,
                   bool every_host);

#endif
