/*  hms_statefile: the controller's state file: the hosts it follows (and
    those it set aside) and the settings changed through PUT /config, so
    that a restart follows the same hosts the same way.

    {"v": 1, "hosts": [{"address", "antagonist", "public_key",
    "antagonist_key"} or "address", ...], "aggregation_ms", "miss_count",
    "request_timeout_ms"}, written atomically (hms_file_replace).
*/
#ifndef HMS_STATEFILE_H_INCLUDED
#define HMS_STATEFILE_H_INCLUDED

#include "hms_api.h"
#include "hms_follower.h"

#include <jansson.h>

//  Reads path: *hosts (a new reference to its array) and *settings (the
//  settings present; present 0 when they are not valid, logged). Returns
//  0, 1 when there is no file, or -1 (logged) when it is not a state file.
int hms_statefile_load(const char *path, json_t **hosts, hms_api_settings_t *settings);

//  The host an entry of hosts describes (pointers into entry); address
//  NULL when it names none.
void hms_statefile_spec(json_t *entry, hms_follower_spec_t *spec);

//  Writes hosts (an array of entries) and settings. Returns 0, or -1 (logged).
int hms_statefile_save(const char *path, json_t *hosts, const hms_api_settings_t *settings);

//  Removes the entry of address from hosts, an array of saved hosts.
//  Returns true when there was one.
bool hms_statefile_drop(json_t *hosts, const char *address);

#endif
