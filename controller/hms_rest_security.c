/*  hms_rest_security: the escape-risk audit in the REST API.  */

#include "hms_rest_security.h"

#include "hms_audit.h"
#include "hms_rest_io.h"

#include <stdlib.h>

json_t *hms_security_findings(const hms_container_t *container)
{
    json_t *findings = json_array();
    for (int risk = HMS_RISK_CRITICAL; findings && risk >= HMS_RISK_LOW; risk--)
        for (int check = 0; check < HMS_CHECK_COUNT; check++) {
            const hms_check_info_t *info = hms_check_info((hms_check_t)check);
            if (!(container->risks >> check & 1) || (int)info->risk != risk)
                continue;
            json_array_append_new(findings,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "check", info->name,
                                            "severity", hms_risk_name(info->risk), "cis", info->cis,
                                            "technique", info->technique, "title", info->title));
        }
    return findings;
}

//  The most severe risk of a container's findings; 0: none.
static int s_worst(const hms_container_t *container)
{
    int worst = 0;
    for (int check = 0; check < HMS_CHECK_COUNT; check++)
        if (container->risks >> check & 1 && (int)hms_check_info((hms_check_t)check)->risk > worst)
            worst = (int)hms_check_info((hms_check_t)check)->risk;
    return worst;
}

//  One container's entry: its host, identity, worst risk and findings.
static json_t *s_entry(const hms_view_host_t *host, const hms_container_t *container)
{
    int worst = s_worst(container);
    return json_pack("{s:s, s:s, s:s, s:s, s:s*, s:o}", "address", host->address, "id",
                     container->id, "name", container->name, "image", container->image, "risk",
                     worst ? hms_risk_name((hms_risk_t)worst) : NULL, "findings",
                     hms_security_findings(container));
}

int hms_rest_security(hms_view_store_t *views, const struct _u_request *request,
                      struct _u_response *response)
{
    (void)request;
    json_t *containers = json_array();
    size_t counts[HMS_RISK_CRITICAL + 1] = {0};
    hms_view_t *view = hms_view_store_acquire(views);
    //  The most severe first: one pass per severity.
    for (int risk = HMS_RISK_CRITICAL; containers && risk >= HMS_RISK_LOW; risk--)
        for (size_t h = 0; h < view->count; h++) {
            const hms_view_host_t *host = &view->hosts[h];
            for (size_t c = 0; host->content && c < host->content->count; c++) {
                const hms_container_t *container = &host->content->containers[c];
                for (int check = 0; check < HMS_CHECK_COUNT; check++)
                    if (container->risks >> check & 1 &&
                        (int)hms_check_info((hms_check_t)check)->risk == risk)
                        counts[risk]++;
                if (s_worst(container) == risk)
                    json_array_append_new(containers, s_entry(host, container));
            }
        }
    hms_view_release(&view);
    json_t *body = json_pack(
        "{s:o, s:{s:I, s:I, s:I, s:I}}", "containers", containers, "findings", "critical",
        (json_int_t)counts[HMS_RISK_CRITICAL], "high", (json_int_t)counts[HMS_RISK_HIGH], "medium",
        (json_int_t)counts[HMS_RISK_MEDIUM], "low", (json_int_t)counts[HMS_RISK_LOW]);
    return hms_rest_json(response, 200, body);
}

int hms_rest_security_one(hms_view_store_t *views, const struct _u_request *request,
                          struct _u_response *response)
{
    char address[HMS_ADDRESS_MAX + 1], ref[HMS_REF_MAX + 1];
    if (!hms_rest_address(request, response, address) ||
        !hms_rest_container(request, response, ref))
        return U_CALLBACK_COMPLETE;
    hms_view_t *view = hms_view_store_acquire(views);
    const hms_view_host_t *host;
    const hms_container_t *container = hms_rest_lookup(view, address, ref, response, &host);
    json_t *body = container ? s_entry(host, container) : NULL;
    hms_view_release(&view);
    return container ? hms_rest_json(response, 200, body) : U_CALLBACK_COMPLETE;
}
