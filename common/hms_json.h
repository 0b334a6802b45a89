/*  hms_json: HMS data as JSON, the same for the REST API and hmsctl --json.  */
#ifndef HMS_JSON_H_INCLUDED
#define HMS_JSON_H_INCLUDED

#include "hms_msg.h"

#include <jansson.h>

//  One container as a JSON object (new reference): every field by name,
//  null for a loss or RTT not measured. NULL when out of memory.
json_t *hms_json_container(const hms_container_t *container);

#endif
