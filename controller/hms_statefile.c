/*  hms_statefile: the controller's state file. */

#include "hms_statefile.h"
#include "hms_file.h"
#include "hms_log.h"

#include <stdlib.h>
#include <string.h>

#define STATE_MAX_BYTES (16 << 20)

int hms_statefile_load(const char *path, json_t **hosts, hms_api_settings_t *settings)
{
    *hosts = NULL;
    memset(settings, 0, sizeof *settings);
    char *saved, why[512];
    size_t size;
    int read = hms_file_read(path, STATE_MAX_BYTES, &saved, &size, why, sizeof why);
    if (read != 0) {
        if (read < 0)
            hms_warning("state file ignored: %s", why);
        return read < 0 ? -1 : 1;
    }
    json_error_t error;
    json_t *root = json_loadb(saved, size, JSON_REJECT_DUPLICATES, &error);
    free(saved);
    json_t *list = json_object_get(root, "hosts");
    if (!json_is_object(root) || json_integer_value(json_object_get(root, "v")) != 1 ||
        !json_is_array(list)) {
        hms_warning("state file %s ignored: not a controller state file (%s)", path,
                    root ? "wrong content" : error.text);
        json_decref(root);
        return -1;
    }
    *hosts = json_incref(list);
    //  Settings changed through PUT /config: all or nothing, checked again.
    json_object_del(root, "v");
    json_object_del(root, "hosts");
    if (hms_api_settings_parse(root, settings, why, sizeof why) != 0) {
        hms_warning("state file %s: settings ignored: %s", path, why);
        memset(settings, 0, sizeof *settings);
    }
    json_decref(root);
    return 0;
}

void hms_statefile_spec(json_t *entry, hms_follower_spec_t *spec)
{
    spec->address = json_is_string(entry) ? json_string_value(entry)
                                          : json_string_value(json_object_get(entry, "address"));
    spec->antagonist = json_string_value(json_object_get(entry, "antagonist"));
    spec->public_key = json_string_value(json_object_get(entry, "public_key"));
    spec->antagonist_key = json_string_value(json_object_get(entry, "antagonist_key"));
}

int hms_statefile_save(const char *path, json_t *hosts, const hms_api_settings_t *settings)
{
    json_t *root = json_pack("{s:i, s:O}", "v", 1, "hosts", hosts);
    if (root)
        json_object_update_new(root, hms_api_settings_json(settings));
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    char error[512];
    int rc = text ? hms_file_replace(path, text, strlen(text), error, sizeof error) : -1;
    if (rc != 0)
        hms_error("state not saved: %s", text ? error : "out of memory");
    free(text);
    return rc;
}

bool hms_statefile_drop(json_t *hosts, const char *address)
{
    size_t index;
    json_t *entry;
    json_array_foreach(hosts, index, entry)
    {
        hms_follower_spec_t spec;
        hms_statefile_spec(entry, &spec);
        if (spec.address && strcmp(spec.address, address) == 0) {
            json_array_remove(hosts, index);
            return true;
        }
    }
    return false;
}
