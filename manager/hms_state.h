/*  hms_state: the manager's state file: the threshold, the ignore and
    watch lists and the alert rules set by command, which survive a restart
    of the manager.

    The file is JSON ({"v": 1, "threshold": 60, "ignore": [...], "watch":
    [...], "rules": [...]}; "rules" only once set_rules changed them),
    written atomically: a temporary file, fsync, rename, fsync of
    the directory. A missing file means defaults; a corrupt one is reported
    and ignored, never fatal.
*/
#ifndef HMS_STATE_H_INCLUDED
#define HMS_STATE_H_INCLUDED

#include <jansson.h>
#include <stddef.h>

typedef struct {
    double threshold; //  NAN when the file has none
    char **ignore;    //  NULL-terminated ids, owned
    char **watch;     //  NULL-terminated ids, owned
    json_t *rules;    //  {"rules": [...]}, as the file holds them (not checked
                      //  here: hms_rules_parse); NULL when it has none. Owned
} hms_state_t;

//  Reads path into state (cleared first). Returns 0 when read, 1 when there
//  is no file, -1 when the file is unreadable or corrupt (error says why;
//  state is left empty).
int hms_state_load(hms_state_t *state, const char *path, char *error, size_t error_size);

//  Writes the state atomically, creating missing directories; rules is
//  {"rules": [...]} (hms_rules_json), or NULL for none. Returns 0, or -1
//  with error set (and the old file, if any, untouched).
int hms_state_save(const char *path, double threshold, const char *const *ignore,
                   const char *const *watch, json_t *rules, char *error, size_t error_size);

//  Frees the lists and the rules of state; safe to call twice.
void hms_state_free(hms_state_t *state);

#endif
