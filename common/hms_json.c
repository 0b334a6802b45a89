/*  hms_json: HMS data as JSON.  */

#include "hms_json.h"

#include <math.h>

static json_t *s_number_or_null(double value)
{
    return isnan(value) ? json_null() : json_real(value);
}

json_t *hms_json_container(const hms_container_t *c)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I}", "id", c->id, "name",
                     c->name, "image", c->image, "ip", c->ip, "status", hms_status_name(c->status),
                     "state", c->state, "loss", s_number_or_null(c->loss), "rtt_ms",
                     s_number_or_null(c->rtt_ms), "restarts", (json_int_t)c->restarts, "since_ms",
                     (json_int_t)c->since_ms);
}
