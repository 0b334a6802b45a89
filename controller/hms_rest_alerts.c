/*  hms_rest_alerts: the alert routes of the REST API.  */

#include "hms_rest_alerts.h"

#include "hms_history.h"
#include "hms_json.h"
#include "hms_rest_io.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int hms_rest_alerts(hms_view_store_t *views, const struct _u_request *request,
                    struct _u_response *response)
{
    const char *state = u_map_get(request->map_url, "state");
    const char *severity = u_map_get(request->map_url, "severity");
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "firing") != 0)
        return hms_rest_error(response, 400, "state: pending or firing, not '%.40s'", state);
    if (severity && hms_severity_from_name(severity) < 0)
        return hms_rest_error(response, 400, "severity: info, warning or critical, not '%.40s'",
                              severity);
    json_t *alerts = json_array();
    hms_view_t *view = hms_view_store_acquire(views);
    for (size_t h = 0; alerts && h < view->count; h++) {
        const hms_alert_block_t *block = view->hosts[h].alerts;
        for (size_t i = 0; block && i < block->count; i++) {
            const hms_alert_t *alert = &block->alerts[i];
            if ((!state || strcmp(state, hms_alert_state_name(alert->state)) == 0) &&
                (!severity || strcmp(severity, hms_severity_name(alert->severity)) == 0))
                json_array_append_new(alerts, hms_json_alert(alert));
        }
    }
    hms_view_release(&view);
    return hms_rest_json(response, 200, alerts ? json_pack("{s:o}", "alerts", alerts) : NULL);
}

//  A list read from the history file with read: ?from=&to=&limit=.
static int s_history_list(const char *history, const struct _u_request *request,
                          struct _u_response *response,
                          json_t *(*read)(const char *, uint64_t, uint64_t, size_t, char *, size_t))
{
    uint64_t from, to, limit = 1000;
    if (hms_rest_range(request, response, 86400000, &from, &to) ||
        hms_rest_ms(request, response, "limit", &limit))
        return U_CALLBACK_COMPLETE;
    if (limit < 1 || limit > 10000)
        return hms_rest_error(response, 400, "limit: 1 to 10000, not %" PRIu64, limit);
    if (!*history)
        return hms_rest_no_history(response);
    char error[512] = "";
    json_t *list = read(history, from, to, (size_t)limit, error, sizeof error);
    if (!list)
        return hms_rest_error(response, 500, "%s", *error ? error : "out of memory");
    return hms_rest_json(response, 200, list);
}

int hms_rest_alert_history(const char *history, const struct _u_request *request,
                           struct _u_response *response)
{
    return s_history_list(history, request, response, hms_history_alerts);
}

int hms_rest_events(const char *history, const struct _u_request *request,
                    struct _u_response *response)
{
    return s_history_list(history, request, response, hms_history_events);
}

//  The rules of a PUT /rules body into args. Returns 0, or -1 after
//  answering 400.
static int s_rules_body(const struct _u_request *request, struct _u_response *response,
                        hms_api_args_t *args)
{
    json_t *body;
    if (hms_rest_body(request, response, &body) != 0)
        return -1;
    if (!body)
        return hms_rest_error(response, 400, "the body must be {\"rules\": [...]}"), -1;
    char why[300];
    int count = hms_rules_parse(body, args->rules, why, sizeof why);
    json_decref(body);
    if (count < 0)
        return hms_rest_error(response, 400, "%s", why), -1;
    args->rule_count = (size_t)count;
    return 0;
}

int hms_rest_rules(hms_api_t *api, const struct _u_request *request, struct _u_response *response,
                   bool every_host)
{
    hms_api_args_t *args = calloc(1, sizeof *args); //  about 20 KB: not on the stack
    if (!args)
        return hms_rest_error(response, 500, "out of memory");
    args->kind = HMS_API_RULES;
    args->set_rules = strcmp(request->http_verb, "PUT") == 0;
    if ((every_host || hms_rest_address(request, response, args->address)) &&
        (!args->set_rules || s_rules_body(request, response, args) == 0))
        hms_rest_call(api, response, args);
    free(args);
    return U_CALLBACK_COMPLETE;
}
