/*  hms_msg: the HMS/2 wire protocol codec (spec: proto/hms-protocol.md).

    Every message is one msgpack map with "v": 2 and "command", except a
    manager's hb, update and metrics, which are tuples [2, command,
    fields...] so that a heartbeat costs a few tens of bytes. PUB messages
    go out as two frames, a topic (hb, update, metrics, attack) and the
    body; requests and replies
    on ROUTER/DEALER are one body frame and carry "corr_id".
    Replies are "ok" (with "re": the request answered, and that request's
    payload) or "error" (with "code" and "message").

    hms_msg_decode checks the buffer with hms_mpcheck before unpacking, then
    fills a typed struct: each field is checked for type, presence and range,
    and a failure names the field. Encoding is canonical (keys in spec order,
    integers in their shortest form, numbers that may be fractional as
    float64, measurements as float32), so a decoded message re-encodes to
    the same bytes.
*/
#ifndef HMS_MSG_H_INCLUDED
#define HMS_MSG_H_INCLUDED

#include "hms_metric.h"
#include "hms_rule.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMS_PROTOCOL_VERSION 2

//  Limits (bytes of text, without the terminating NUL).
#define HMS_ADDRESS_MAX  255                 //  a manager's address, host[:port]
#define HMS_ID_MAX       64                  //  a Docker container id (64 hex digits)
#define HMS_REF_MAX      128                 //  a container reference: id, id prefix or name
#define HMS_NAME_MAX     128                 //  a container name, without Docker's leading '/'
#define HMS_IMAGE_MAX    255                 //  an image reference
#define HMS_SEED_MAX     9007199254740991ull //  2^53 - 1: a seed stays exact in JSON
#define HMS_IP_MAX       45                  //  an IPv4 or IPv6 address in text
#define HMS_STATE_MAX    15                  //  Docker's state word: running, exited, ...
#define HMS_TEXT_MAX     255                 //  error messages, reasons, names of tests
#define HMS_VERSION_MAX  31                  //  software version string
#define HMS_CONTENT_MAX  4096                //  containers in one give_content reply
#define HMS_HOSTS_MAX    4096                //  hosts in one list_hosts reply
#define HMS_DEPTH_MAX    4                   //  nesting limit: metrics uses all four
#define HMS_REQUEST_MAX  65536               //  largest request a ROUTER accepts
#define HMS_MESSAGE_MAX  4194304             //  largest message any socket accepts
#define HMS_PUB_MAX      16384               //  largest published message
#define HMS_SUB_HWM      100                 //  messages a subscriber queues per publisher
#define HMS_ELEMENTS_MAX 65536               //  msgpack objects in one message

//  Metrics messages.
#define HMS_METRICS_ENTRIES_MAX 24   //  containers in one metrics message
#define HMS_METRICS_ROWS_MAX    3600 //  seconds in one give_metrics reply

typedef enum {
    HMS_MSG_NONE = 0,
    //  Published by managers and antagonists (topic = command).
    HMS_MSG_HB,
    HMS_MSG_UPDATE,
    HMS_MSG_ATTACK,
    HMS_MSG_METRICS,
    HMS_MSG_ALERT,
    //  Requests (DEALER -> ROUTER).
    HMS_MSG_PING,
    HMS_MSG_GIVE_CONTENT,
    HMS_MSG_GIVE_METRICS,
    HMS_MSG_CONTAINER_THRESHOLD,
    HMS_MSG_CONTAINER_IGNORE,
    HMS_MSG_CONTAINER_ADD,
    HMS_MSG_GET_CONFIG,
    HMS_MSG_SET_CONFIG,
    HMS_MSG_GET_RULES,
    HMS_MSG_SET_RULES,
    HMS_MSG_CONF_ANTAGONIST,
    HMS_MSG_START_ANTAGONIST,
    HMS_MSG_STOP_ANTAGONIST,
    HMS_MSG_ANTAGONIST_STATUS,
    HMS_MSG_LIST_HOSTS,
    //  Replies.
    HMS_MSG_OK,
    HMS_MSG_ERROR,
    HMS_MSG_COUNT
} hms_msg_type_t;

//  HMS status of a container, as a manager sees it.
typedef enum {
    HMS_STATUS_NONE = 0,
    HMS_STATUS_ACTIVE,     //  monitored, running, probed
    HMS_STATUS_IGNORED,    //  on the ignore list: never probed nor healed
    HMS_STATUS_RESTARTING, //  a start or restart requested by HMS is under way
    HMS_STATUS_DOWN,       //  monitored but not running; healing is pending
    HMS_STATUS_BACKOFF,    //  failed repeatedly; the next heal waits
    HMS_STATUS_STOPPED,    //  stopped before HMS saw it run: left alone
    HMS_STATUS_COUNT
} hms_status_t;

typedef enum {
    HMS_ROLE_NONE = 0,
    HMS_ROLE_MANAGER,
    HMS_ROLE_ANTAGONIST,
    HMS_ROLE_CONTROLLER
} hms_role_t;
typedef enum { HMS_PHASE_NONE = 0, HMS_PHASE_START, HMS_PHASE_END } hms_phase_t;
//  The seed's faults (shutdown, loss), then the threats of the security
//  campaign (antagonist/hms_threats.h).
typedef enum {
    HMS_ATTACK_NONE = 0,
    HMS_ATTACK_SHUTDOWN,
    HMS_ATTACK_LOSS,
    HMS_ATTACK_CPU_BURN,
    HMS_ATTACK_FORK_BOMB,
    HMS_ATTACK_MEMORY_LEAK,
    HMS_ATTACK_NETWORK_FLOOD,
    HMS_ATTACK_PRIVILEGED_EXEC,
    HMS_ATTACK_ESCAPE,
    HMS_ATTACK_KINDS
} hms_attack_kind_t;
typedef enum { HMS_MODE_NONE = 0, HMS_MODE_STOP, HMS_MODE_KILL } hms_shutdown_mode_t;
typedef enum { HMS_HOST_NONE = 0, HMS_HOST_ONLINE, HMS_HOST_OFFLINE } hms_host_status_t;

//  Error codes of "error" replies (HTTP-like on purpose: the controller maps
//  them to HTTP statuses).
#define HMS_CODE_BAD_REQUEST     400 //  malformed body, wrong type, missing key, bad value
#define HMS_CODE_NOT_FOUND       404 //  unknown container
#define HMS_CODE_CONFLICT        409 //  ambiguous reference, or state forbids it
#define HMS_CODE_INTERNAL        500 //  the peer failed
#define HMS_CODE_NOT_IMPLEMENTED 501 //  unknown command, or not served by this peer
#define HMS_CODE_UNAVAILABLE     503 //  the peer's Docker engine does not answer
#define HMS_CODE_BAD_VERSION     505 //  "v" is not a version this peer speaks
//  Never on the wire: what a requester records for a peer that did not
//  answer in time, or could not be reached.
#define HMS_CODE_TIMEOUT 504

//  Why a decode failed. The first six are hms_mpcheck's results.
typedef enum {
    HMS_DECODE_OK = 0,
    HMS_DECODE_TRUNCATED,  //  the buffer ends inside the object
    HMS_DECODE_TRAILING,   //  bytes after the object
    HMS_DECODE_BAD_LENGTH, //  a declared length exceeds the message
    HMS_DECODE_TOO_DEEP,   //  nesting beyond HMS_DEPTH_MAX
    HMS_DECODE_BAD_BYTE,   //  0xc1
    HMS_DECODE_TOO_MANY,   //  more than HMS_ELEMENTS_MAX objects
    HMS_DECODE_TOO_LARGE,  //  the buffer exceeds HMS_MESSAGE_MAX
    HMS_DECODE_NOT_MAP,    //  the body (or a nested entry) is not a map
    HMS_DECODE_DUPLICATE,  //  a key appears twice in one map
    HMS_DECODE_MISSING,    //  a required key is absent
    HMS_DECODE_TYPE,       //  a value has the wrong msgpack type
    HMS_DECODE_RANGE,      //  a value is out of range, too long, or not a known name
    HMS_DECODE_VERSION,    //  "v" is not HMS_PROTOCOL_VERSION
    HMS_DECODE_UNKNOWN,    //  "command" (or "re") names no message
    HMS_DECODE_NO_MEMORY,  //  allocation failed
    HMS_DECODE_COUNT
} hms_decode_error_t;

//  One container of a give_content reply. Ignored containers carry only id
//  (short), name and status; the other fields are then empty.
typedef struct {
    char id[HMS_ID_MAX + 1];       //  full id, or the 12-digit short id when ignored
    char name[HMS_NAME_MAX + 1];   //  name without the leading '/'
    char image[HMS_IMAGE_MAX + 1]; //  image reference
    char ip[HMS_IP_MAX + 1];       //  address probed; empty when none
    hms_status_t status;           //  HMS status
    char state[HMS_STATE_MAX + 1]; //  Docker state
    double loss;                   //  % lost in the last probe round; NAN: not probed
    double rtt_ms;                 //  mean round-trip time of that round; NAN: none
    uint64_t restarts;             //  heals done by HMS
    uint64_t since_ms;             //  Unix time (ms) of the last status change
    uint64_t loss_heals;           //  of the restarts, those for loss above the threshold
    uint64_t health_heals;         //  and those for Docker's unhealthy status (the rest
                                   //  started the container after it stopped)
    uint64_t risks;                //  bit i: check i of the escape-risk audit found a risk
} hms_container_t;

//  Ranges of the settings, shared by the codec and the command-line options.
#define HMS_THRESHOLD_MIN      0.0
#define HMS_THRESHOLD_MAX      100.0
#define HMS_PROBE_COUNT_MIN    1
#define HMS_PROBE_COUNT_MAX    1000
#define HMS_PROBE_INTERVAL_MIN 1
#define HMS_PROBE_INTERVAL_MAX 10000
#define HMS_PROBE_TIMEOUT_MIN  1
#define HMS_PROBE_TIMEOUT_MAX  60000
#define HMS_PERIOD_MIN         10 //  probe period and heartbeat, ms
#define HMS_PERIOD_MAX         3600000
#define HMS_GRACE_MAX          3600000
#define HMS_BACKOFF_MAX        86400000
#define HMS_FREQUENCY_MIN      0.01 //  antagonist frequency and duration, s
#define HMS_FREQUENCY_MAX      3600.0

//  A manager's run-time settings (get_config, set_config). In set_config
//  only the keys present are applied; bit i of present is field i in the
//  order below (HMS_SETTING_*).
typedef struct {
    uint32_t present;
    double threshold;           //  % loss above which a container is restarted, 0..100
    uint64_t probe_count;       //  echo requests per container per round
    uint64_t probe_interval_ms; //  time between two echoes to one container
    uint64_t probe_timeout_ms;  //  time to wait for a reply
    uint64_t probe_period_ms;   //  time between the starts of two rounds
    uint64_t heartbeat_ms;      //  time between heartbeats
    uint64_t grace_ms;          //  no probing this long after a heal
    uint64_t backoff_max_ms;    //  longest wait between failing heals
} hms_settings_t;

enum {
    HMS_SETTING_THRESHOLD = 0,
    HMS_SETTING_PROBE_COUNT,
    HMS_SETTING_PROBE_INTERVAL_MS,
    HMS_SETTING_PROBE_TIMEOUT_MS,
    HMS_SETTING_PROBE_PERIOD_MS,
    HMS_SETTING_HEARTBEAT_MS,
    HMS_SETTING_GRACE_MS,
    HMS_SETTING_BACKOFF_MAX_MS,
    HMS_SETTING_COUNT
};
#define HMS_SETTINGS_ALL ((1u << HMS_SETTING_COUNT) - 1)

//  The antagonist's parameters, with the seed's names.
typedef struct {
    char name[HMS_TEXT_MAX + 1]; //  name of the test; empty: none
    double loss;                 //  mean % of packets dropped by a loss attack, 0..100
    double balance;              //  % of attacks that are shutdowns, 0..100
    double heavy;                //  % chance that an attempt attacks, 0..100
    double frequency;            //  seconds between attempts, 0.01..3600
    double duration;             //  seconds a loss attack lasts, 0.01..3600
    double sigma;                //  standard deviation of the loss %; NAN: default
    uint64_t seed;               //  random seed; 0: chosen by the antagonist
    hms_shutdown_mode_t mode;    //  stop or kill; NONE: default (stop)
} hms_antagonist_conf_t;

//  One host as a controller follows it (list_hosts).
typedef struct {
    char address[HMS_ADDRESS_MAX + 1];
    hms_host_status_t status;
    uint64_t last_seen_ms; //  Unix ms of the last heartbeat; 0: never
    uint64_t containers;   //  containers in the controller's cache
} hms_host_t;

//  A heartbeat: the manager is alive, and its table is at update_seq with
//  this digest (hms_content_digest). The subscriber knows the sender from
//  the connection (one SUB per manager), so no address is sent.
typedef struct {
    uint64_t update_seq;  //  update_seq of the last update published; 0: none
    uint64_t digest;      //  hms_content_digest of the table at update_seq
    uint64_t interval_ms; //  time until the next heartbeat
} hms_hb_t;

//  An update: what changed in the table since update_seq - 1. A delta
//  carries the threshold and the changed entries; a notice (threshold NAN,
//  no entries) only says that something changed: fetch give_content.
typedef struct {
    uint64_t update_seq;      //  +1 per update, from 1 in each manager process
    uint64_t started_ms;      //  Unix ms at which this manager process started
    uint64_t digest;          //  hms_content_digest of the table after this update
    double threshold;         //  delta: the threshold; NAN: a notice
    hms_container_t *changes; //  added or changed entries; status NONE: removed
    size_t count;             //  entries of changes
} hms_update_t;

typedef struct {
    char address[HMS_ADDRESS_MAX + 1]; //  the antagonist's address
    uint64_t seq;                      //  +1 per attack event, from 1
    uint64_t attack_id;                //  the start and end of one attack share it
    hms_phase_t phase;
    hms_attack_kind_t kind;
    char container[HMS_ID_MAX + 1]; //  target id
    char name[HMS_NAME_MAX + 1];    //  target name
    double loss;                    //  % dropped (loss attacks); NAN otherwise
    uint64_t duration_ms;           //  planned length (loss and threat attacks); 0 otherwise
    uint64_t ts_ms;                 //  Unix ms of the event
} hms_attack_t;

//  An alert of a manager's rule for one container: a change of state, or
//  a firing alert sent again (manager/hms_alerts.h).
typedef struct {
    char address[HMS_ADDRESS_MAX + 1];  //  the manager's
    uint64_t seq;                       //  +1 per alert message, from 1 in each manager process
    char rule[HMS_RULE_NAME_MAX + 1];   //  the rule's name
    hms_alert_state_t state;            //  inactive, pending, firing or resolved
    hms_severity_t severity;            //  the rule's
    char container[HMS_ID_MAX + 1];     //  full id
    char name[HMS_NAME_MAX + 1];        //  container name
    char metric[HMS_RULE_NAME_MAX + 1]; //  the input the rule reads ("memory", "down", ...)
    double value;                       //  its value (a % of the limit with of_limit); NAN: none
    double threshold;                   //  the rule's
    uint64_t since_ms;                  //  Unix ms the condition began (pending and firing)
    uint64_t ts_ms;                     //  Unix ms of this message (resolved: when it cleared)
    char summary[HMS_RULE_SUMMARY_MAX + 1]; //  the rule's
} hms_alert_t;

//  One container in a metrics message: its last reading and its series
//  over the interval.
typedef struct {
    char id[HMS_ID_MAX + 1];                //  full id
    uint64_t seconds;                       //  seconds of the interval with a reading
    hms_reading_t reading;                  //  the last reading
    hms_rollup_t rollups[HMS_METRIC_COUNT]; //  each series, in hms_metric_t order
    float forecasts[HMS_FORECASTS];         //  seconds left at the end of the interval,
                                            //  hms_forecast_kind_t order; NAN: none
} hms_metrics_entry_t;

//  A manager's metrics over the interval (t_ms - interval_ms, t_ms]: at
//  most HMS_METRICS_ENTRIES_MAX containers (several messages per interval
//  when it has more).
typedef struct {
    uint64_t seq;                 //  +1 per metrics message, from 1 in each manager process
    uint64_t t_ms;                //  Unix ms: the end of the interval
    uint64_t interval_ms;         //  its length
    hms_metrics_entry_t *entries; //  array of count entries
    size_t count;
} hms_metrics_report_t;

//  give_metrics: the seconds of one container in [from_ms, to_ms].
typedef struct {
    char container[HMS_REF_MAX + 1]; //  id, unique id prefix (>= 4) or name
    uint64_t from_ms;                //  Unix ms; 0: the oldest second kept
    uint64_t to_ms;                  //  Unix ms; 0: now
} hms_metrics_query_t;

//  One second of every series, in hms_metric_t order; NAN: no value.
typedef struct {
    float values[HMS_METRIC_COUNT];
} hms_metrics_row_t;

//  The ok of give_metrics: row i is the second start_ms + i * step_ms.
typedef struct {
    char container[HMS_ID_MAX + 1]; //  the full id the reference resolved to
    uint64_t start_ms;              //  Unix ms of the first row; 0 when none
    uint64_t step_ms;               //  1000
    hms_metrics_row_t *rows;        //  array of count rows
    size_t count;
} hms_metrics_range_t;

typedef struct {
    char address[HMS_ADDRESS_MAX + 1];
    hms_role_t role;
    char version[HMS_VERSION_MAX + 1];
    uint64_t uptime_ms;
} hms_pong_t;

typedef struct {
    char address[HMS_ADDRESS_MAX + 1];
    uint64_t update_seq; //  the table is current up to this update
    uint64_t started_ms; //  Unix ms at which this manager process started
    double threshold;
    hms_container_t *content; //  array of count entries
    size_t count;
} hms_content_t;

typedef struct {
    char container[HMS_REF_MAX + 1]; //  request: id, unique id prefix (>= 4) or name;
                                     //  reply: the full id it resolved to
    hms_status_t status;             //  reply only: the status now
} hms_container_ref_t;

typedef struct {
    bool running;
    hms_antagonist_conf_t config;
    uint64_t attempts;     //  attack attempts since start
    uint64_t shutdowns;    //  shutdown attacks done
    uint64_t loss_attacks; //  loss attacks done
    uint64_t targets;      //  containers that may be attacked now
} hms_antagonist_status_t;

typedef struct {
    hms_host_t *hosts; //  array of count entries
    size_t count;
} hms_hosts_t;

//  set_rules, and the ok of get_rules and set_rules: a manager's alert
//  rules, all of them (at most HMS_RULES_MAX).
typedef struct {
    hms_rule_wire_t *rules; //  array of count rules
    size_t count;
} hms_rules_msg_t;

typedef struct {
    uint64_t code;                  //  HMS_CODE_*
    char message[HMS_TEXT_MAX + 1]; //  for people
} hms_error_t;

typedef struct {
    hms_msg_type_t type; //  "command"
    uint64_t corr_id;    //  requests and replies: chosen by the requester, echoed
    hms_msg_type_t re;   //  ok: the request answered, which selects the payload
    union {
        hms_hb_t hb;
        hms_update_t update;
        hms_attack_t attack;
        hms_metrics_report_t metrics;              //  metrics
        hms_alert_t alert;                         //  alert
        hms_metrics_query_t query;                 //  give_metrics
        hms_metrics_range_t range;                 //  ok of give_metrics
        double threshold;                          //  container_threshold, and its ok
        hms_container_ref_t container;             //  container_ignore / _add, and their ok
        hms_settings_t settings;                   //  set_config; ok of get_config / set_config
        hms_rules_msg_t rules;                     //  set_rules; ok of get_rules / set_rules
        hms_antagonist_conf_t antagonist;          //  conf_antagonist
        hms_pong_t pong;                           //  ok of ping
        hms_content_t content;                     //  ok of give_content
        hms_antagonist_status_t antagonist_status; //  ok of the antagonist commands
        hms_hosts_t hosts;                         //  ok of list_hosts
        hms_error_t error;                         //  error
    };
    //  Set by hms_msg_decode.
    hms_decode_error_t decode_error;    //  why the last decode failed
    char decode_text[HMS_TEXT_MAX + 1]; //  the same, with the key, for people
    void *owned;                        //  arrays the decoder allocated
} hms_msg_t;

//  Clears msg and sets its type (and, for replies, nothing else).
void hms_msg_init(hms_msg_t *msg, hms_msg_type_t type);

//  Frees what a decode allocated and clears msg. Safe on a cleared msg.
void hms_msg_reset(hms_msg_t *msg);

//  Makes msg an "ok" reply to request type re with corr_id; fill the payload after.
void hms_msg_ok(hms_msg_t *msg, hms_msg_type_t re, uint64_t corr_id);

//  Makes msg an "error" reply.
void hms_msg_error(hms_msg_t *msg, uint64_t corr_id, uint64_t code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

//  Appends the canonical encoding of msg to buffer. Returns 0, or -1 when msg
//  is not encodable (unknown type, or a value out of its range): a
//  programming error, logged.
int hms_msg_encode(const hms_msg_t *msg, msgpack_sbuffer *buffer);

//  Decodes one message. Returns 0, or -2 when the buffer is malformed or not
//  a valid message: msg->decode_error and msg->decode_text say why, and
//  msg->corr_id holds the request's corr_id when it could be read. msg is
//  overwritten, not freed (it may be uninitialised): hms_msg_reset a msg
//  that holds a decoded message before decoding into it again, and when
//  done with it.
int hms_msg_decode(hms_msg_t *msg, const void *data, size_t size);

//  The error code to answer a request that failed to decode with.
uint64_t hms_msg_error_code(hms_decode_error_t error);

//  Names: the wire name of a command, status, role, ... ("" when out of range).
//  Replaces, in the length bytes of text, every byte that is not part of a
//  valid UTF-8 sequence with '?' (same length). The decoder applies it to
//  every string it takes, so that text from peers is valid in JSON.
void hms_utf8_repair(char *text, size_t length);

const char *hms_msg_type_name(hms_msg_type_t type);
const char *hms_status_name(hms_status_t status);
const char *hms_role_name(hms_role_t role);
const char *hms_host_status_name(hms_host_status_t status);
const char *hms_attack_kind_name(hms_attack_kind_t kind);
const char *hms_phase_name(hms_phase_t phase);
const char *hms_severity_name(hms_severity_t severity);
const char *hms_alert_state_name(hms_alert_state_t state);
const char *hms_mode_name(hms_shutdown_mode_t mode);
const char *hms_decode_error_name(hms_decode_error_t error);

//  The message type named by text, or HMS_MSG_NONE.
hms_msg_type_t hms_msg_type_from_name(const char *name);

//  The bounds of the numeric field key of a request of type (or of a map
//  in it: set_config's settings), as the decoder checks them: the one
//  declaration every reader of a setting (the command-line options, the
//  REST API, hmsctl) takes them from. Returns 0, or -1 for no such field.
int hms_msg_bounds(hms_msg_type_t type, const char *key, double *min, double *max);

//  True for request types (the ones that carry corr_id and get a reply).
bool hms_msg_is_request(hms_msg_type_t type);

//  The table digest of HMS/2 (proto/hms-protocol.md, "Digest"). A
//  container's fingerprint covers what an update announces (id, name,
//  image, ip, status, state, loss rounded to a whole percent, restarts,
//  since_ms), not rtt_ms nor the loss's fraction; the digest of a table is
//  the sum of its fingerprints (in any order) and of the threshold's, folded
//  to 32 bits. A follower that applied every update holds the digest its
//  manager's heartbeat carries.
uint64_t hms_container_fingerprint(const hms_container_t *container);
uint64_t hms_content_digest(uint64_t fingerprint_sum, double threshold);

#endif
