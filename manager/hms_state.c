/*  hms_state: the manager's state file.  */

#include "hms_state.h"
#include "hms_file.h"
#include "hms_msg.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATE_MAX_BYTES (1 << 20)
#define STATE_MAX_IDS   65536

void hms_state_free(hms_state_t *state)
{
    for (char **list = state->ignore; list && *list; list++)
        free(*list);
    for (char **list = state->watch; list && *list; list++)
        free(*list);
    free(state->ignore);
    free(state->watch);
    json_decref(state->rules);
    state->ignore = NULL;
    state->watch = NULL;
    state->rules = NULL;
}

//  Copies a JSON array of id strings; -1 when it is not one.
static int s_ids(json_t *array, char ***out)
{
    if (!array) {
        *out = calloc(1, sizeof **out);
        return *out ? 0 : -1;
    }
    if (!json_is_array(array) || json_array_size(array) > STATE_MAX_IDS)
        return -1;
    size_t count = json_array_size(array);
    char **ids = calloc(count + 1, sizeof *ids);
    if (!ids)
        return -1;
    *out = ids;
    for (size_t i = 0; i < count; i++) {
        const char *id = json_string_value(json_array_get(array, i));
        if (!id || !*id || strlen(id) > HMS_ID_MAX || strspn(id, "0123456789abcdef") != strlen(id))
            return -1;
        ids[i] = strdup(id);
        if (!ids[i])
            return -1;
    }
    return 0;
}

int hms_state_load(hms_state_t *state, const char *path, char *error, size_t error_size)
{
    memset(state, 0, sizeof *state);
    state->threshold = NAN;
    char *text;
    size_t size;
    int read = hms_file_read(path, STATE_MAX_BYTES, &text, &size, error, error_size);
    if (read != 0)
        return read;
    json_error_t json_error;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &json_error);
    free(text);
    if (!root) {
        snprintf(error, error_size, "%s:%d: %s", path, json_error.line, json_error.text);
        return -1;
    }
    int rc = 0;
    json_t *threshold = json_object_get(root, "threshold");
    if (!json_is_object(root) || json_integer_value(json_object_get(root, "v")) != 1) {
        snprintf(error, error_size, "%s: not an HMS state file (version 1)", path);
        rc = -1;
    } else if (threshold &&
               (!json_is_number(threshold) || json_number_value(threshold) < HMS_THRESHOLD_MIN ||
                json_number_value(threshold) > HMS_THRESHOLD_MAX)) {
        snprintf(error, error_size, "%s: threshold is not a number in [0, 100]", path);
        rc = -1;
    } else if (s_ids(json_object_get(root, "ignore"), &state->ignore) ||
               s_ids(json_object_get(root, "watch"), &state->watch)) {
        snprintf(error, error_size, "%s: ignore and watch must be arrays of container ids", path);
        rc = -1;
    } else if (json_object_get(root, "rules") && !json_is_array(json_object_get(root, "rules"))) {
        snprintf(error, error_size, "%s: rules must be an array of rules", path);
        rc = -1;
    } else {
        if (threshold)
            state->threshold = json_number_value(threshold);
        json_t *rules = json_object_get(root, "rules");
        if (rules)
            state->rules = json_pack("{s:O}", "rules", rules);
    }
    json_decref(root);
    if (rc) {
        hms_state_free(state);
        state->threshold = NAN;
    }
    return rc;
}

static json_t *s_array(const char *const *ids)
{
    json_t *array = json_array();
    for (; ids && *ids; ids++)
        json_array_append_new(array, json_string(*ids));
    return array;
}

int hms_state_save(const char *path, double threshold, const char *const *ignore,
                   const char *const *watch, json_t *rules, char *error, size_t error_size)
{
    json_t *root = json_pack("{s:i, s:f, s:o, s:o}", "v", 1, "threshold", threshold, "ignore",
                             s_array(ignore), "watch", s_array(watch));
    if (root && rules && json_object_set(root, "rules", json_object_get(rules, "rules")) != 0) {
        json_decref(root);
        root = NULL;
    }
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (!text) {
        snprintf(error, error_size, "%s: out of memory", path);
        return -1;
    }
    //  The file ends with a newline, written where the terminating NUL was.
    size_t length = strlen(text);
    text[length] = '\n';
    int rc = hms_file_replace(path, text, length + 1, error, error_size);
    free(text);
    return rc;
}
