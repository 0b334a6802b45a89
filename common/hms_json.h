/*  hms_json: HMS data as JSON, the same for the REST API and hmsctl --json.  */
#ifndef HMS_JSON_H_INCLUDED
#define HMS_JSON_H_INCLUDED

#include "hms_msg.h"

#include <jansson.h>

//  One container as a JSON object (new reference): every field by name,
//  null for a loss or RTT not measured. NULL when out of memory.
json_t *hms_json_container(const hms_container_t *container);

//  A reading's counters as a JSON object by name (new reference).
json_t *hms_json_reading(const hms_reading_t *reading);

//  One container of a metrics message (new reference): id, seconds, its
//  reading, and its rollups by series name ({min, mean, max}, or null for a
//  series without a value).
json_t *hms_json_metrics_entry(const hms_metrics_entry_t *entry);

//  A give_metrics answer as columns, as charts read them (new reference):
//  {container, start_ms, step_ms, series: {NAME: [value or null, ...]}}.
json_t *hms_json_metrics_range(const hms_metrics_range_t *range);

//  An alert as a JSON object (new reference): every field by name, value
//  null when none.
json_t *hms_json_alert(const hms_alert_t *alert);

//  An antagonist's configuration as a JSON object (new reference).
json_t *hms_json_antagonist_conf(const hms_antagonist_conf_t *conf);

//  An antagonist's status as a JSON object (new reference).
json_t *hms_json_antagonist_status(const hms_antagonist_status_t *status);

//  Reads an antagonist configuration from a JSON object with the seed's
//  keys: loss, balance, heavy, frequency, duration (required numbers),
//  name, sigma, seed, mode (optional). Returns 0, or -1 with a message in
//  error (a missing key, a wrong type, a value out of range): conf is then
//  unspecified.
int hms_json_parse_antagonist_conf(json_t *object, hms_antagonist_conf_t *conf, char *error,
                                   size_t error_size);

#endif
