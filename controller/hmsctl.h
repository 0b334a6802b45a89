/*  hmsctl: what its files share: text safe to print, the key=value fields
    of set_config and conf_antagonist, the requests built from arguments,
    and the printers of replies and of published messages (as text or
    JSON).
*/
#ifndef HMSCTL_H_INCLUDED
#define HMSCTL_H_INCLUDED

#include "hms_client.h"
#include "hms_msg.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Text from a peer, safe to print: every byte outside printable ASCII
//  (terminal controls, escape sequences) becomes '?'. Returns one of a few
//  rotating static buffers: valid for the next few calls.
const char *hmsctl_safe(const char *text);

//  Key=value fields: the settings map (§6.4) and conf_antagonist (§6.3).
typedef enum { KIND_NUMBER, KIND_UINT, KIND_TEXT, KIND_MODE } kind_t;

typedef struct {
    const char *key;      //  as on the wire
    kind_t kind;          //  how the value is parsed and printed
    size_t offset;        //  of the value in its struct
    hms_msg_type_t owner; //  the request that carries it: the codec has its bounds
    bool required;        //  must be given (conf_antagonist's required keys)
} field_t;

//  A field of set_config, and of conf_antagonist.
#define SET_CONFIG(key, kind, member)                                                              \
    {                                                                                              \
        key, kind, offsetof(hms_settings_t, member), HMS_MSG_SET_CONFIG, false                     \
    }
#define CONF(key, kind, member, required)                                                          \
    {                                                                                              \
        key, kind, offsetof(hms_antagonist_conf_t, member), HMS_MSG_CONF_ANTAGONIST, required      \
    }

//  In the order of hms_settings_t: bit i of present is hmsctl_settings[i].
extern const field_t hmsctl_settings[HMS_SETTING_COUNT];
#define HMSCTL_ANTAGONIST_FIELDS 9
extern const field_t hmsctl_antagonist_fields[HMSCTL_ANTAGONIST_FIELDS];

//  Parses text into field's place in target. Returns 0, or -1 after saying why.
int hmsctl_parse_value(const field_t *field, const char *text, void *target);

//  Parses KEY=VALUE arguments into target; bit i of *given says that
//  fields[i] was. Returns 0, or -1 after saying why.
int hmsctl_parse_assignments(const field_t *fields, size_t count, void *target, int argc,
                             char **argv, uint32_t *given);

//  True when field holds a value in target, not the zero value of an
//  absent optional key (§4.4).
bool hmsctl_has_value(const field_t *field, const void *target);

//  Prints the fields of target whose bit is set in present, `key = value`.
void hmsctl_print_fields(const field_t *fields, size_t count, const void *target, uint32_t present);

//  Requests built from a command's arguments (argv after its name): each
//  fills request's payload and returns 0, or -1 after saying why.
int hmsctl_build_threshold(hms_msg_t *request, int argc, char **argv);       //  PERCENT
int hmsctl_build_container(hms_msg_t *request, int argc, char **argv);       //  CONTAINER
int hmsctl_build_metrics(hms_msg_t *request, int argc, char **argv);         //  CONTAINER [SECONDS]
int hmsctl_build_config(hms_msg_t *request, int argc, char **argv);          //  [KEY=VALUE]...
int hmsctl_build_rules(hms_msg_t *request, int argc, char **argv);           //  [FILE]
int hmsctl_build_antagonist_conf(hms_msg_t *request, int argc, char **argv); //  KEY=VALUE...

//  Local time of a Unix time in ms, to the second.
void hmsctl_local_time(uint64_t ms, char *text, size_t size);

//  Printers of ok replies, as text.
void hmsctl_print_pong(const hms_msg_t *reply);
void hmsctl_print_content(const hms_msg_t *reply);
void hmsctl_print_threshold(const hms_msg_t *reply);
void hmsctl_print_container(const hms_msg_t *reply);
void hmsctl_print_settings(const hms_msg_t *reply);
void hmsctl_print_antagonist(const hms_msg_t *reply);
void hmsctl_print_hosts(const hms_msg_t *reply);
void hmsctl_print_rules(const hms_msg_t *reply);
void hmsctl_print_metrics(const hms_msg_t *reply);

//  msg as a JSON object (caller owns it), or NULL.
json_t *hmsctl_json_message(const hms_msg_t *msg);

//  Prints json (taken over): indented, or on one line (watch). Returns 0 or -1.
int hmsctl_print_json(json_t *json, bool one_line);

//  top: after give_content, one give_metrics per container on client, then
//  a table of their last second (or JSON). Returns 0, or 1 when the table
//  could not be printed.
int hmsctl_top(hms_client_t *client, const hms_msg_t *content, bool json);

//  Prints a published message (hb, update, metrics, attack) on one line,
//  after the local time.
void hmsctl_print_event(const hms_msg_t *msg);

#endif
