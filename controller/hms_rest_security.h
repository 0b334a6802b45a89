/*  hms_rest_security: the escape-risk audit in the REST API.

    Each manager audits its containers' configuration when they are
    created, started or updated (hms_audit) and carries the findings in
    the container's entry (risks); these routes render them from the view
    the REST thread holds, without asking the loop.

    GET /security: every container with a finding, the most severe first,
    and the count of findings by severity. GET /security/{address}/
    {container}: one container's findings (none is an empty list).
*/
#ifndef HMS_REST_SECURITY_H_INCLUDED
#define HMS_REST_SECURITY_H_INCLUDED

#include "hms_view.h"

#include <jansson.h>
#include <ulfius.h>

//  The findings of a container as JSON: [{check, severity, cis, technique,
//  title}, ...], most severe first (new reference).
json_t *hms_security_findings(const hms_container_t *container);

//  GET /security (request: unused). Returns U_CALLBACK_COMPLETE.
int hms_rest_security(hms_view_store_t *views, const struct _u_request *request,
                      struct _u_response *response);

//  GET /security/{address}/{container}. Returns U_CALLBACK_COMPLETE.
int hms_rest_security_one(hms_view_store_t *views, const struct _u_request *request,
                          struct _u_response *response);

#endif
