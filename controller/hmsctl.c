/*  hmsctl: the command-line client of HMS.

    Speaks HMS/1 (proto/hms-protocol.md) directly: one request to a
    manager's, the antagonist's or a controller's ROUTER and one reply, or a
    subscription to a PUB socket (watch). Values are checked here against
    the protocol's bounds, because the codec refuses to encode a value out
    of range: what reaches the peer is always well formed, and the peer
    judges the rest (unknown container, conflicts, ...).
*/
#include "hms_client.h"
#include "hms_json.h"
#include "hms_log.h"
#include "hms_msg.h"
#include "hms_transport.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Exit statuses.
enum {
    EXIT_PEER_ERROR = 1, //  the peer answered `error`
    EXIT_USAGE = 2,      //  bad command, argument or option
    EXIT_NO_ANSWER = 3,  //  no answer within the timeout
    EXIT_BAD_REPLY = 4   //  the reply did not decode
};

static const char s_usage[] =
    "Usage: hmsctl [OPTION]... COMMAND [ARGUMENT]...\n"
    "Talks HMS/2 to a manager, the antagonist or a controller.\n"
    "\n"
    "Manager commands (-H names the manager):\n"
    "  ping                     address, role, version and uptime of the peer\n"
    "  status                   its containers: NAME ID STATUS LOSS RTT IP IMAGE RESTARTS,\n"
    "                           then the threshold and update_seq (alias: give_content)\n"
    "  threshold PERCENT        restart a container that loses more than PERCENT % (0..100)\n"
    "  ignore CONTAINER         stop watching CONTAINER: a name, a full id or an id prefix\n"
    "                           of at least 4 characters\n"
    "  add CONTAINER            watch CONTAINER again (it is started if it is not running)\n"
    "  config                   the settings, one `key = value` a line\n"
    "  config KEY=VALUE...      change settings: threshold (0..100), probe_count (1..1000),\n"
    "                           probe_interval_ms (1..10000), probe_timeout_ms (1..60000),\n"
    "                           probe_period_ms and heartbeat_ms (10..3600000),\n"
    "                           grace_ms (0..3600000), backoff_max_ms (0..86400000)\n"
    "  watch                    print heartbeats and update notices as they come, one a\n"
    "                           line with the local time, until SIGINT or SIGTERM,\n"
    "                           --count or --duration\n"
    "\n"
    "Antagonist commands (-H names the antagonist):\n"
    "  antagonist ping          as ping\n"
    "  antagonist status        running or not, counters and configuration\n"
    "  antagonist start|stop    start or stop making attack attempts\n"
    "  antagonist conf loss=P balance=P heavy=P frequency=S duration=S\n"
    "                 [sigma=P] [seed=N] [mode=stop|kill] [name=TEXT]\n"
    "                           replace its configuration: mean loss % of loss attacks,\n"
    "                           % of attacks that are shutdowns, % chance that an attempt\n"
    "                           attacks, seconds between attempts (0.01..3600), seconds a\n"
    "                           loss attack lasts (0.01..3600), standard deviation of the\n"
    "                           loss (default 10), random seed (0: chosen by the\n"
    "                           antagonist), how shutdowns stop a container, test name\n"
    "  antagonist watch         print attack events as they come, as watch\n"
    "\n"
    "Controller commands (-H names the controller):\n"
    "  hosts                    the managers the controller follows\n"
    "\n"
    "Keys:\n"
    "  keygen NAME              write a CURVE key pair: NAME (the public certificate, to\n"
    "                           give to peers or put in an allow-list directory) and\n"
    "                           NAME_secret (mode 0600, for --curve-secret); print the\n"
    "                           public key. Refuses to overwrite either file\n"
    "\n"
    "Options (before or after the command; `--` ends them):\n"
    "  -H, --host ADDRESS       the peer: host or host:port (default 127.0.0.1). host is\n"
    "                           a name or an IPv4 address. The port is a manager's PUB\n"
    "                           port (default 7601; its ROUTER is port + 1), the\n"
    "                           antagonist's ROUTER port (default 7603; its PUB is\n"
    "                           port + 1), a controller's ROUTER port (default 7600)\n"
    "  -e, --endpoint ENDPOINT  send requests to this ROUTER instead, e.g.\n"
    "                           tcp://10.0.0.5:7602\n"
    "      --pub ENDPOINT       watch this PUB socket instead, e.g. tcp://10.0.0.5:7601\n"
    "  -k, --curve-secret FILE  speak CURVE with this key pair (hmsctl keygen; default:\n"
    "                           $HMS_CURVE_SECRET). The peer must allow its public key\n"
    "  -K, --server-key KEY     the peer's public key: 40 Z85 characters, or a\n"
    "                           certificate file (default: $HMS_SERVER_KEY). Without it,\n"
    "                           plaintext, which only loopback peers accept\n"
    "      --insecure           allow plaintext to a peer beyond loopback (lab only)\n"
    "  -t, --timeout MS         wait this long for an answer (default 2000)\n"
    "      --json               print the reply (error replies too) as JSON, as on the\n"
    "                           wire; watch prints one JSON object a line, plus\n"
    "                           received_ms: when hmsctl got it (Unix time, ms)\n"
    "  -n, --count N            watch: stop after N messages\n"
    "  -d, --duration S         watch: stop after S seconds\n"
    "  -h, --help               print this help and exit\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "Exit status: 0 ok; 1 the peer answered with an error (printed as `hmsctl: error\n"
    "CODE: MESSAGE`); 2 usage error, including a value out of the protocol's bounds;\n"
    "3 no answer within the timeout; 4 the reply did not decode.\n";

//  Which peer a command talks to: it selects the default port and the hint.
typedef enum { PEER_MANAGER, PEER_ANTAGONIST, PEER_CONTROLLER } peer_t;

typedef struct {
    const char *host;     //  -H: the peer's address, host[:port]
    const char *endpoint; //  -e: explicit ROUTER endpoint, or NULL
    const char *pub;      //  --pub: explicit PUB endpoint, or NULL
    int timeout_ms;       //  -t: how long to wait for an answer
    bool json;            //  --json: replies and watched messages as JSON
    long count;           //  watch: stop after this many messages; 0: never
    double duration;      //  watch: stop after this many seconds; 0: never
    bool watch_option;    //  --count or --duration was given (watch only)
    const char *secret;   //  -k: our key pair; NULL: plaintext
    const char *server;   //  -K: the peer's public key or certificate; NULL: plaintext
    bool insecure;        //  --insecure
} options_t;

//  Text from a peer, safe to print: every byte outside printable ASCII
//  (terminal controls, escape sequences) becomes '?'. Returns one of a few
//  rotating static buffers: valid for the next few calls.
static const char *s_safe(const char *text)
{
    static char buffers[8][HMS_IMAGE_MAX + 64];
    static int next = 0;
    char *out = buffers[next++ % 8];
    size_t i = 0;
    for (; text[i] && i < sizeof buffers[0] - 1; i++)
        out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    out[i] = '\0';
    return out;
}

//  Key=value fields: the settings map (§6.4) and conf_antagonist (§6.3).

typedef enum { KIND_NUMBER, KIND_UINT, KIND_TEXT, KIND_MODE } kind_t;

typedef struct {
    const char *key;      //  as on the wire
    kind_t kind;          //  how the value is parsed and printed
    size_t offset;        //  of the value in its struct
    hms_msg_type_t owner; //  the request that carries it: the codec has its bounds
    bool required;        //  must be given (conf_antagonist's required keys)
} field_t;

#define SET_CONFIG(key, kind, member)                                                              \
    {                                                                                              \
        key, kind, offsetof(hms_settings_t, member), HMS_MSG_SET_CONFIG, false                     \
    }
#define CONF(key, kind, member, required)                                                          \
    {                                                                                              \
        key, kind, offsetof(hms_antagonist_conf_t, member), HMS_MSG_CONF_ANTAGONIST, required      \
    }

//  In the order of hms_settings_t: bit i of present is s_settings[i].
static const field_t s_settings[HMS_SETTING_COUNT] = {
    SET_CONFIG("threshold", KIND_NUMBER, threshold),
    SET_CONFIG("probe_count", KIND_UINT, probe_count),
    SET_CONFIG("probe_interval_ms", KIND_UINT, probe_interval_ms),
    SET_CONFIG("probe_timeout_ms", KIND_UINT, probe_timeout_ms),
    SET_CONFIG("probe_period_ms", KIND_UINT, probe_period_ms),
    SET_CONFIG("heartbeat_ms", KIND_UINT, heartbeat_ms),
    SET_CONFIG("grace_ms", KIND_UINT, grace_ms),
    SET_CONFIG("backoff_max_ms", KIND_UINT, backoff_max_ms),
};

static const field_t s_antagonist_fields[] = {
    CONF("loss", KIND_NUMBER, loss, true),         CONF("balance", KIND_NUMBER, balance, true),
    CONF("heavy", KIND_NUMBER, heavy, true),       CONF("frequency", KIND_NUMBER, frequency, true),
    CONF("duration", KIND_NUMBER, duration, true), CONF("sigma", KIND_NUMBER, sigma, false),
    CONF("seed", KIND_UINT, seed, false),          CONF("mode", KIND_MODE, mode, false),
    CONF("name", KIND_TEXT, name, false),
};
#define ANTAGONIST_FIELDS (sizeof s_antagonist_fields / sizeof s_antagonist_fields[0])

//  Parses text into field's place in target. Returns 0, or -1 after saying why.
static int s_parse_value(const field_t *field, const char *text, void *target)
{
    void *value = (char *)target + field->offset;
    char *end;
    errno = 0;
    double min = 0, max = 0;
    hms_msg_bounds(field->owner, field->key, &min, &max);
    switch (field->kind) {
    case KIND_NUMBER: {
        double number = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(number)) {
            fprintf(stderr, "hmsctl: %s: '%s' is not a number\n", field->key, text);
            return -1;
        }
        if (number < min || number > max) {
            fprintf(stderr, "hmsctl: %s: %s is out of range [%g, %g]\n", field->key, text, min,
                    max);
            return -1;
        }
        *(double *)value = number;
        return 0;
    }
    case KIND_UINT: {
        //  strtoull takes a sign and spaces: only digits are a uint here.
        unsigned long long number = strtoull(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end) {
            fprintf(stderr, "hmsctl: %s: '%s' is not a whole number\n", field->key, text);
            return -1;
        }
        if (errno == ERANGE) {
            fprintf(stderr, "hmsctl: %s: %s is too large\n", field->key, text);
            return -1;
        }
        if (number < min || (double)number > max) {
            fprintf(stderr, "hmsctl: %s: %s is out of range [%.0f, %.0f]\n", field->key, text, min,
                    max);
            return -1;
        }
        *(uint64_t *)value = number;
        return 0;
    }
    case KIND_TEXT: //  the name of a test: HMS_TEXT_MAX, as the codec
        if (strlen(text) > HMS_TEXT_MAX) {
            fprintf(stderr, "hmsctl: %s: longer than %d bytes\n", field->key, HMS_TEXT_MAX);
            return -1;
        }
        snprintf(value, HMS_TEXT_MAX + 1, "%s", text);
        return 0;
    case KIND_MODE:
        if (strcmp(text, "stop") != 0 && strcmp(text, "kill") != 0) {
            fprintf(stderr, "hmsctl: %s: '%s' is not stop or kill\n", field->key, text);
            return -1;
        }
        *(hms_shutdown_mode_t *)value = text[0] == 's' ? HMS_MODE_STOP : HMS_MODE_KILL;
        return 0;
    }
    return -1;
}

//  Parses KEY=VALUE arguments into target; bit i of *given says that
//  fields[i] was. Returns 0, or -1 after saying why.
static int s_parse_assignments(const field_t *fields, size_t count, void *target, int argc,
                               char **argv, uint32_t *given)
{
    *given = 0;
    for (int arg = 0; arg < argc; arg++) {
        const char *equals = strchr(argv[arg], '=');
        size_t length = equals ? (size_t)(equals - argv[arg]) : 0;
        size_t i = 0;
        while (i < count &&
               (strlen(fields[i].key) != length || strncmp(fields[i].key, argv[arg], length) != 0))
            i++;
        if (!equals || i == count) {
            fprintf(stderr, "hmsctl: '%s' is not KEY=VALUE with one of the keys:", argv[arg]);
            for (i = 0; i < count; i++)
                fprintf(stderr, " %s", fields[i].key);
            fprintf(stderr, "\n");
            return -1;
        }
        if (*given & (1u << i)) {
            fprintf(stderr, "hmsctl: %s is given twice\n", fields[i].key);
            return -1;
        }
        if (s_parse_value(&fields[i], equals + 1, target) != 0)
            return -1;
        *given |= 1u << i;
    }
    return 0;
}

//  True when field holds a value in target, not the zero value of an
//  absent optional key (§4.4).
static bool s_has_value(const field_t *field, const void *target)
{
    const void *value = (const char *)target + field->offset;
    switch (field->kind) {
    case KIND_NUMBER: return !isnan(*(const double *)value);
    case KIND_UINT: return *(const uint64_t *)value != 0;
    case KIND_TEXT: return *(const char *)value != '\0';
    case KIND_MODE: return *(const hms_shutdown_mode_t *)value != HMS_MODE_NONE;
    }
    return false;
}

//  Prints the fields of target whose bit is set in present, `key = value`.
static void s_print_fields(const field_t *fields, size_t count, const void *target,
                           uint32_t present)
{
    for (size_t i = 0; i < count; i++) {
        if (!(present & (1u << i)))
            continue;
        const void *value = (const char *)target + fields[i].offset;
        printf("%s = ", fields[i].key);
        switch (fields[i].kind) {
        case KIND_NUMBER: printf("%g\n", *(const double *)value); break;
        case KIND_UINT: printf("%" PRIu64 "\n", *(const uint64_t *)value); break;
        case KIND_TEXT: printf("%s\n", s_safe(value)); break;
        case KIND_MODE: printf("%s\n", hms_mode_name(*(const hms_shutdown_mode_t *)value)); break;
        }
    }
}

//  Tables: columns as wide as their widest cell.

#define CELL_MAX 300 //  holds any field of an entry (an image is at most 255 bytes)

typedef void(cell_fn)(const void *rows, size_t row, int column, char *cell);

static void s_print_table(const char *const *headers, int columns, const void *rows, size_t count,
                          cell_fn *cell_of)
{
    int width[16] = {0};
    assert(columns <= 16);
    char cell[CELL_MAX];
    for (int column = 0; column < columns; column++) {
        width[column] = (int)strlen(headers[column]);
        for (size_t row = 0; row < count; row++) {
            cell_of(rows, row, column, cell);
            int length = (int)strlen(s_safe(cell));
            width[column] = length > width[column] ? length : width[column];
        }
    }
    for (size_t row = 0; row <= count; row++)
        for (int column = 0; column < columns; column++) {
            if (row == 0)
                snprintf(cell, sizeof cell, "%s", headers[column]);
            else
                cell_of(rows, row - 1, column, cell);
            snprintf(cell, sizeof cell, "%s", s_safe(cell));
            if (column + 1 < columns)
                printf("%-*s  ", width[column], cell);
            else
                printf("%s\n", cell);
        }
}

static void s_container_cell(const void *rows, size_t row, int column, char *cell)
{
    const hms_container_t *entry = (const hms_container_t *)rows + row;
    bool ignored = entry->status == HMS_STATUS_IGNORED;
    switch (column) {
    case 0: snprintf(cell, CELL_MAX, "%s", *entry->name ? entry->name : "-"); break;
    case 1: snprintf(cell, CELL_MAX, "%.12s", entry->id); break;
    case 2: snprintf(cell, CELL_MAX, "%s", hms_status_name(entry->status)); break;
    case 3:
        if (isnan(entry->loss))
            snprintf(cell, CELL_MAX, "-");
        else
            snprintf(cell, CELL_MAX, "%.1f%%", entry->loss);
        break;
    case 4:
        if (isnan(entry->rtt_ms))
            snprintf(cell, CELL_MAX, "-");
        else
            snprintf(cell, CELL_MAX, "%.2f ms", entry->rtt_ms);
        break;
    case 5: snprintf(cell, CELL_MAX, "%s", *entry->ip ? entry->ip : "-"); break;
    case 6: snprintf(cell, CELL_MAX, "%s", *entry->image ? entry->image : "-"); break;
    default:
        if (ignored)
            snprintf(cell, CELL_MAX, "-");
        else
            snprintf(cell, CELL_MAX, "%" PRIu64, entry->restarts);
    }
}

//  Local time of a Unix time in ms, to the second.
static void s_local_time(uint64_t ms, char *text, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&seconds, &tm) || !strftime(text, size, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(text, size, "%" PRIu64, ms);
}

static void s_host_cell(const void *rows, size_t row, int column, char *cell)
{
    const hms_host_t *host = (const hms_host_t *)rows + row;
    switch (column) {
    case 0: snprintf(cell, CELL_MAX, "%s", host->address); break;
    case 1: snprintf(cell, CELL_MAX, "%s", hms_host_status_name(host->status)); break;
    case 2:
        if (host->last_seen_ms)
            s_local_time(host->last_seen_ms, cell, CELL_MAX);
        else
            snprintf(cell, CELL_MAX, "never");
        break;
    default: snprintf(cell, CELL_MAX, "%" PRIu64, host->containers);
    }
}

//  Printers of ok replies.

static void s_print_pong(const hms_msg_t *reply)
{
    printf("pong from %s: role %s, version %s, uptime %.1f s\n", s_safe(reply->pong.address),
           hms_role_name(reply->pong.role), s_safe(reply->pong.version),
           (double)reply->pong.uptime_ms / 1000);
}

static void s_print_content(const hms_msg_t *reply)
{
    static const char *const headers[] = {"NAME", "ID", "STATUS", "LOSS",
                                          "RTT",  "IP", "IMAGE",  "RESTARTS"};
    const hms_content_t *content = &reply->content;
    s_print_table(headers, 8, content->content, content->count, s_container_cell);
    printf("threshold %g %%, update_seq %" PRIu64 ", manager %s\n", content->threshold,
           content->update_seq, s_safe(content->address));
}

static void s_print_threshold(const hms_msg_t *reply)
{
    printf("threshold = %g\n", reply->threshold);
}

static void s_print_container(const hms_msg_t *reply)
{
    printf("%s %s\n", s_safe(reply->container.container), hms_status_name(reply->container.status));
}

static void s_print_settings(const hms_msg_t *reply)
{
    s_print_fields(s_settings, HMS_SETTING_COUNT, &reply->settings, reply->settings.present);
}

static void s_print_antagonist(const hms_msg_t *reply)
{
    const hms_antagonist_status_t *status = &reply->antagonist_status;
    printf("running = %s\nattempts = %" PRIu64 "\nshutdowns = %" PRIu64 "\nloss_attacks = %" PRIu64
           "\ntargets = %" PRIu64 "\n",
           status->running ? "yes" : "no", status->attempts, status->shutdowns,
           status->loss_attacks, status->targets);
    //  The optional keys only when they hold a value (§4.4).
    uint32_t present = 0;
    for (size_t i = 0; i < ANTAGONIST_FIELDS; i++)
        if (s_antagonist_fields[i].required ||
            s_has_value(&s_antagonist_fields[i], &status->config))
            present |= 1u << i;
    s_print_fields(s_antagonist_fields, ANTAGONIST_FIELDS, &status->config, present);
}

static void s_print_hosts(const hms_msg_t *reply)
{
    static const char *const headers[] = {"ADDRESS", "STATUS", "LAST SEEN", "CONTAINERS"};
    s_print_table(headers, 4, reply->hosts.hosts, reply->hosts.count, s_host_cell);
}

//  JSON: a message is encoded again (canonically, so exactly as on the
//  wire) and its msgpack objects are mapped to JSON ones: no printer per
//  message, and every key keeps its protocol name.

static json_t *s_json_string(const char *data, size_t size)
{
    json_t *string = json_stringn(data, size);
    if (string)
        return string;
    //  Peers SHOULD send UTF-8, not MUST: show other bytes as '?'.
    char *copy = malloc(size + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < size; i++)
        copy[i] = (unsigned char)data[i] < 0x80 ? data[i] : '?';
    string = json_stringn(copy, size);
    free(copy);
    return string;
}

static json_t *s_json_from(const msgpack_object *object)
{
    switch (object->type) {
    case MSGPACK_OBJECT_BOOLEAN: return json_boolean(object->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (object->via.u64 > INT64_MAX)
            return json_real((double)object->via.u64);
        return json_integer((json_int_t)object->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer(object->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return json_real(object->via.f64);
    case MSGPACK_OBJECT_STR: return s_json_string(object->via.str.ptr, object->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *array = json_array();
        for (uint32_t i = 0; array && i < object->via.array.size; i++)
            json_array_append_new(array, s_json_from(&object->via.array.ptr[i]));
        return array;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *map = json_object();
        for (uint32_t i = 0; map && i < object->via.map.size; i++) {
            const msgpack_object_kv *pair = &object->via.map.ptr[i];
            if (pair->key.type != MSGPACK_OBJECT_STR)
                continue;
            char *key = strndup(pair->key.via.str.ptr, pair->key.via.str.size);
            if (key)
                json_object_set_new(map, key, s_json_from(&pair->val));
            free(key);
        }
        return map;
    }
    default: return json_null();
    }
}

//  A heartbeat or an update (tuples on the wire) as a JSON object, by name.
static json_t *s_json_published(const hms_msg_t *msg)
{
    if (msg->type == HMS_MSG_HB)
        return json_pack("{s:i, s:s, s:I, s:I, s:I}", "v", HMS_PROTOCOL_VERSION, "command", "hb",
                         "update_seq", (json_int_t)msg->hb.update_seq, "digest",
                         (json_int_t)msg->hb.digest, "interval_ms",
                         (json_int_t)msg->hb.interval_ms);
    const hms_update_t *update = &msg->update;
    json_t *json = json_pack("{s:i, s:s, s:I, s:I, s:I}", "v", HMS_PROTOCOL_VERSION, "command",
                             "update", "update_seq", (json_int_t)update->update_seq, "started_ms",
                             (json_int_t)update->started_ms, "digest", (json_int_t)update->digest);
    if (json && !isnan(update->threshold)) {
        json_t *changes = json_array();
        for (size_t i = 0; i < update->count; i++) {
            const hms_container_t *entry = &update->changes[i];
            json_array_append_new(
                changes, entry->status ? hms_json_container(entry)
                                       : json_pack("{s:s, s:b}", "id", entry->id, "removed", true));
        }
        json_object_set_new(json, "threshold", json_real(update->threshold));
        json_object_set_new(json, "changes", changes);
    }
    return json;
}

//  msg as a JSON object (caller owns it), or NULL.
static json_t *s_json_message(const hms_msg_t *msg)
{
    if (msg->type == HMS_MSG_HB || msg->type == HMS_MSG_UPDATE)
        return s_json_published(msg);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    json_t *json = NULL;
    if (hms_msg_encode(msg, &buffer) == 0) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init(&unpacked);
        size_t offset = 0;
        if (msgpack_unpack_next(&unpacked, buffer.data, buffer.size, &offset) ==
            MSGPACK_UNPACK_SUCCESS)
            json = s_json_from(&unpacked.data);
        msgpack_unpacked_destroy(&unpacked);
    }
    msgpack_sbuffer_destroy(&buffer);
    //  Containers travel as tuples with binary ids; JSON readers get them
    //  by name, as the REST API shows them.
    if (json && msg->type == HMS_MSG_OK && msg->re == HMS_MSG_GIVE_CONTENT) {
        json_t *content = json_array();
        for (size_t i = 0; i < msg->content.count; i++)
            json_array_append_new(content, hms_json_container(&msg->content.content[i]));
        json_object_set_new(json, "content", content);
    }
    return json;
}

//  Prints msg as JSON: indented, or on one line (watch). Returns 0 or -1.
static int s_print_json(json_t *json, bool one_line)
{
    if (!json)
        return -1;
    //  ASCII only: jansson escapes control characters, and \u escapes the rest.
    size_t flags = (one_line ? JSON_COMPACT : JSON_INDENT(2)) | JSON_ENSURE_ASCII;
    int rc = json_dumpf(json, stdout, flags | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(json);
    return rc;
}

//  Commands.

typedef struct {
    const char *name;      //  as typed; "antagonist conf" is two words
    const char *arguments; //  for the usage error
    peer_t peer;           //  whom it talks to
    hms_msg_type_t type;   //  the request it sends; NONE: watch
    int min_args;          //  arguments after the name
    int max_args;          //  -1: any number
    //  Fills the request's payload from the arguments; NULL: none. Returns
    //  0, or -1 after saying why.
    int (*build)(hms_msg_t *request, int argc, char **argv);
    void (*print)(const hms_msg_t *reply); //  prints an ok reply
} command_t;

static int s_build_threshold(hms_msg_t *request, int argc, char **argv)
{
    (void)argc;
    hms_settings_t settings;
    if (s_parse_value(&s_settings[HMS_SETTING_THRESHOLD], argv[0], &settings) != 0)
        return -1;
    request->threshold = settings.threshold;
    return 0;
}

static int s_build_container(hms_msg_t *request, int argc, char **argv)
{
    (void)argc;
    size_t length = strlen(argv[0]);
    if (length == 0 || length > HMS_REF_MAX) {
        fprintf(stderr,
                "hmsctl: a container is 1 to %d characters: a name, an id or an id "
                "prefix\n",
                HMS_REF_MAX);
        return -1;
    }
    snprintf(request->container.container, sizeof request->container.container, "%s", argv[0]);
    return 0;
}

//  config alone gets the settings; config KEY=VALUE... sets them.
static int s_build_config(hms_msg_t *request, int argc, char **argv)
{
    if (argc == 0)
        return 0;
    hms_msg_init(request, HMS_MSG_SET_CONFIG);
    return s_parse_assignments(s_settings, HMS_SETTING_COUNT, &request->settings, argc, argv,
                               &request->settings.present);
}

static int s_build_antagonist_conf(hms_msg_t *request, int argc, char **argv)
{
    hms_antagonist_conf_t *config = &request->antagonist;
    uint32_t given;
    if (s_parse_assignments(s_antagonist_fields, ANTAGONIST_FIELDS, config, argc, argv, &given))
        return -1;
    int missing = 0;
    for (size_t i = 0; i < ANTAGONIST_FIELDS; i++)
        if (s_antagonist_fields[i].required && !(given & (1u << i)))
            fprintf(stderr, "%s %s=VALUE", missing++ ? "," : "hmsctl: antagonist conf needs",
                    s_antagonist_fields[i].key);
    if (missing)
        fprintf(stderr, "\n");
    return missing ? -1 : 0;
}

static const command_t s_commands[] = {
    {"ping", "", PEER_MANAGER, HMS_MSG_PING, 0, 0, NULL, s_print_pong},
    {"status", "", PEER_MANAGER, HMS_MSG_GIVE_CONTENT, 0, 0, NULL, s_print_content},
    {"give_content", "", PEER_MANAGER, HMS_MSG_GIVE_CONTENT, 0, 0, NULL, s_print_content},
    {"threshold", "PERCENT", PEER_MANAGER, HMS_MSG_CONTAINER_THRESHOLD, 1, 1, s_build_threshold,
     s_print_threshold},
    {"ignore", "CONTAINER", PEER_MANAGER, HMS_MSG_CONTAINER_IGNORE, 1, 1, s_build_container,
     s_print_container},
    {"add", "CONTAINER", PEER_MANAGER, HMS_MSG_CONTAINER_ADD, 1, 1, s_build_container,
     s_print_container},
    {"config", "[KEY=VALUE]...", PEER_MANAGER, HMS_MSG_GET_CONFIG, 0, -1, s_build_config,
     s_print_settings},
    {"watch", "", PEER_MANAGER, HMS_MSG_NONE, 0, 0, NULL, NULL},
    {"antagonist ping", "", PEER_ANTAGONIST, HMS_MSG_PING, 0, 0, NULL, s_print_pong},
    {"antagonist status", "", PEER_ANTAGONIST, HMS_MSG_ANTAGONIST_STATUS, 0, 0, NULL,
     s_print_antagonist},
    {"antagonist start", "", PEER_ANTAGONIST, HMS_MSG_START_ANTAGONIST, 0, 0, NULL,
     s_print_antagonist},
    {"antagonist stop", "", PEER_ANTAGONIST, HMS_MSG_STOP_ANTAGONIST, 0, 0, NULL,
     s_print_antagonist},
    {"antagonist conf",
     "loss=P balance=P heavy=P frequency=S duration=S [sigma=P] [seed=N] [mode=stop|kill] "
     "[name=TEXT]",
     PEER_ANTAGONIST, HMS_MSG_CONF_ANTAGONIST, 1, -1, s_build_antagonist_conf, s_print_antagonist},
    {"antagonist watch", "", PEER_ANTAGONIST, HMS_MSG_NONE, 0, 0, NULL, NULL},
    {"hosts", "", PEER_CONTROLLER, HMS_MSG_LIST_HOSTS, 0, 0, NULL, s_print_hosts},
};
#define COMMANDS (sizeof s_commands / sizeof s_commands[0])

static const char *s_peer_program(peer_t peer)
{
    return peer == PEER_MANAGER      ? "hms-manager"
           : peer == PEER_ANTAGONIST ? "hms-antagonist"
                                     : "hms-controller";
}

//  The endpoint of the peer's ROUTER (or PUB when pub), from -e / --pub or
//  from -H and the peer's port rule. Returns 0, or -1 after saying why.
static int s_endpoint(const options_t *options, peer_t peer, bool pub, char *endpoint, size_t size)
{
    const char *explicit = pub ? options->pub : options->endpoint;
    if (explicit) {
        snprintf(endpoint, size, "%s", explicit);
        return 0;
    }
    char pub_endpoint[300] = "", router_endpoint[300] = "";
    int rc;
    if (peer == PEER_MANAGER)
        rc = hms_address_endpoints(options->host, HMS_MANAGER_PORT, pub_endpoint, router_endpoint,
                                   sizeof pub_endpoint);
    else if (peer == PEER_ANTAGONIST)
        rc = hms_address_endpoints_antagonist(options->host, HMS_ANTAGONIST_PORT, pub_endpoint,
                                              router_endpoint, sizeof pub_endpoint);
    else {
        //  A controller has a ROUTER only: its port is the ROUTER's.
        char host[256];
        int port;
        rc = hms_address_parse(options->host, HMS_CONTROLLER_PORT, host, sizeof host, &port);
        if (rc == 0)
            snprintf(router_endpoint, sizeof router_endpoint, "tcp://%s:%d", host, port);
        snprintf(pub_endpoint, sizeof pub_endpoint, "%s", router_endpoint);
    }
    if (rc != 0) {
        fprintf(stderr,
                "hmsctl: '%s' is not an address: host or host:port, host a name or an "
                "IPv4 address, port 1..65534\n",
                options->host);
        return -1;
    }
    snprintf(endpoint, size, "%s", pub ? pub_endpoint : router_endpoint);
    return 0;
}

//  Our keys, and the peer's public key into server_key (""). Returns the
//  transport, or NULL after saying why.
static hms_transport_t *s_transport(const options_t *options, char *server_key)
{
    server_key[0] = '\0';
    if (options->server && hms_key_read(options->server, server_key) != 0) {
        fprintf(stderr, "hmsctl: --server-key: '%s' is neither a public key nor a certificate\n",
                options->server);
        return NULL;
    }
    hms_transport_config_t config = {(char *)(options->secret ? options->secret : ""), NULL,
                                     options->insecure};
    return hms_transport_new(&config, false);
}

//  Sends the request and prints the reply. Returns the exit status.
static int s_request(const options_t *options, const command_t *command, hms_msg_t *request)
{
    char endpoint[300], server_key[HMS_KEY_LENGTH + 1];
    if (s_endpoint(options, command->peer, false, endpoint, sizeof endpoint) != 0)
        return EXIT_USAGE;
    hms_transport_t *transport = s_transport(options, server_key);
    hms_client_t *client =
        transport ? hms_client_new(endpoint, options->timeout_ms, transport, server_key) : NULL;
    if (!client) {
        hms_transport_destroy(&transport);
        return EXIT_USAGE;
    }
    hms_msg_t reply;
    int rc = hms_client_request(client, request, &reply);
    int status = EXIT_SUCCESS;
    if (rc == -1) {
        const char *error = hms_client_error(client);
        bool no_answer = strncmp(error, "no answer", 9) == 0; //  not interrupted
        //  A peer that speaks CURVE drops a client with no key or a key it
        //  does not allow without a word: say so.
        if (no_answer)
            fprintf(stderr, "hmsctl: %s (is %s running%s)\n", error, s_peer_program(command->peer),
                    *server_key ? ", and is your key in its allow-list?"
                                : "? if it has keys, give -k and -K");
        else
            fprintf(stderr, "hmsctl: %s\n", error);
        status = EXIT_NO_ANSWER;
    } else if (rc == -2) {
        fprintf(stderr, "hmsctl: %s\n", hms_client_error(client));
        status = EXIT_BAD_REPLY;
    } else {
        if (options->json && s_print_json(s_json_message(&reply), false) != 0) {
            fprintf(stderr, "hmsctl: cannot print the reply as JSON\n");
            status = EXIT_BAD_REPLY;
        }
        if (reply.type == HMS_MSG_ERROR) {
            fprintf(stderr, "hmsctl: error %" PRIu64 ": %s\n", reply.error.code,
                    s_safe(reply.error.message));
            status = EXIT_PEER_ERROR;
        } else if (!options->json)
            command->print(&reply);
    }
    hms_msg_reset(&reply);
    hms_client_destroy(&client);
    hms_transport_destroy(&transport);
    return status;
}

//  Watch.

static void s_print_event(const hms_msg_t *msg)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char stamp[64];
    s_local_time((uint64_t)now.tv_sec * 1000, stamp, sizeof stamp);
    printf("%s.%03ld %s ", stamp, now.tv_nsec / 1000000, hms_msg_type_name(msg->type));
    if (msg->type == HMS_MSG_HB) {
        const hms_hb_t *hb = &msg->hb;
        printf("update_seq=%" PRIu64 " digest=%08" PRIx64 " interval_ms=%" PRIu64 "\n",
               hb->update_seq, hb->digest, hb->interval_ms);
    } else if (msg->type == HMS_MSG_UPDATE) {
        const hms_update_t *update = &msg->update;
        printf("update_seq=%" PRIu64 " digest=%08" PRIx64 " %s", update->update_seq, update->digest,
               isnan(update->threshold) ? "notice" : "delta");
        if (!isnan(update->threshold))
            printf(" threshold=%g", update->threshold);
        for (size_t i = 0; i < update->count; i++) {
            const hms_container_t *entry = &update->changes[i];
            printf("%s %s %s", i ? "," : ":", *entry->name ? s_safe(entry->name) : "-",
                   entry->status ? hms_status_name(entry->status) : "removed");
            if (!entry->status)
                printf(" (%.12s)", entry->id);
        }
        printf("\n");
    } else {
        const hms_attack_t *attack = &msg->attack;
        printf("%s seq=%" PRIu64 " attack_id=%" PRIu64 " %s %s %s (%.12s)", s_safe(attack->address),
               attack->seq, attack->attack_id, hms_phase_name(attack->phase),
               hms_attack_kind_name(attack->kind), *attack->name ? s_safe(attack->name) : "-",
               s_safe(attack->container));
        if (!isnan(attack->loss))
            printf(" loss=%.1f%%", attack->loss);
        if (attack->duration_ms)
            printf(" duration_ms=%" PRIu64, attack->duration_ms);
        printf("\n");
    }
}

//  Receives one PUB message into msg. Returns 0, 1 when nothing came within
//  wait_ms, -1 when interrupted, -2 for a malformed message (said on stderr).
static int s_receive(zsock_t *sub, hms_msg_t *msg, int wait_ms)
{
    zsock_set_rcvtimeo(sub, wait_ms);
    zmsg_t *message = zmsg_recv(sub);
    if (!message)
        return zmq_errno() == EAGAIN && !zsys_interrupted ? 1 : -1;
    int rc = -2;
    zframe_t *topic = zmsg_first(message);
    zframe_t *body = zmsg_next(message);
    if (zmsg_size(message) != 2)
        fprintf(stderr, "hmsctl: dropped a message of %zu frames\n", zmsg_size(message));
    else if (hms_msg_decode(msg, zframe_data(body), zframe_size(body)) != 0)
        fprintf(stderr, "hmsctl: dropped a message: %s\n", msg->decode_text);
    else if (msg->type != HMS_MSG_HB && msg->type != HMS_MSG_UPDATE && msg->type != HMS_MSG_ATTACK)
        fprintf(stderr, "hmsctl: dropped a %s: not a published message\n",
                hms_msg_type_name(msg->type));
    else if (!zframe_streq(topic, hms_msg_type_name(msg->type)))
        fprintf(stderr, "hmsctl: dropped a %s published under another topic\n",
                hms_msg_type_name(msg->type));
    else
        rc = 0;
    if (rc != 0)
        hms_msg_reset(msg);
    zmsg_destroy(&message);
    return rc;
}

//  Prints what the PUB socket publishes until interrupted, --count or
//  --duration. Returns the exit status.
static int s_watch(const options_t *options, const command_t *command)
{
    char endpoint[300], server_key[HMS_KEY_LENGTH + 1];
    if (s_endpoint(options, command->peer, true, endpoint, sizeof endpoint) != 0)
        return EXIT_USAGE;
    hms_transport_t *transport = s_transport(options, server_key);
    zsock_t *sub = transport ? hms_transport_client(transport, ZMQ_SUB, server_key) : NULL;
    if (sub) {
        zsock_set_subscribe(sub, "hb");
        zsock_set_subscribe(sub, "update");
        zsock_set_subscribe(sub, "attack");
    }
    if (!sub || hms_transport_connect(transport, sub, endpoint) != 0) {
        zsock_destroy(&sub);
        hms_transport_destroy(&transport);
        return EXIT_USAGE;
    }
    int64_t deadline =
        options->duration > 0 ? zclock_mono() + (int64_t)(options->duration * 1000) : INT64_MAX;
    long received = 0;
    while (!zsys_interrupted && (options->count == 0 || received < options->count)) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0)
            break;
        //  Wake up once a second at least to see a signal that raced the wait.
        hms_msg_t msg;
        int rc = s_receive(sub, &msg, left < 1000 ? (int)left : 1000);
        if (rc == -1)
            break;
        if (rc != 0)
            continue;
        if (options->json) {
            json_t *json = s_json_message(&msg);
            if (json)
                json_object_set_new(json, "received_ms", json_integer(zclock_time()));
            s_print_json(json, true);
        } else
            s_print_event(&msg);
        fflush(stdout);
        hms_msg_reset(&msg);
        received++;
    }
    zsock_destroy(&sub);
    hms_transport_destroy(&transport);
    return EXIT_SUCCESS;
}

//  keygen NAME: a key pair in NAME and NAME_secret. Returns the exit status.
static int s_keygen(const char *name)
{
    char secret[4096];
    if (snprintf(secret, sizeof secret, "%s_secret", name) >= (int)sizeof secret) {
        fprintf(stderr, "hmsctl: keygen: '%s' is too long\n", name);
        return EXIT_USAGE;
    }
    if (zsys_file_exists(name) || zsys_file_exists(secret)) {
        fprintf(stderr, "hmsctl: keygen: %s or %s exists already: not overwritten\n", name, secret);
        return EXIT_USAGE;
    }
    zcert_t *cert = zcert_new();
    //  zcert writes the secret file with mode 0600 (zsys_file_mode_private).
    int rc = cert ? zcert_save(cert, name) : -1;
    if (rc == 0)
        printf("%s\n", zcert_public_txt(cert));
    else
        fprintf(stderr, "hmsctl: keygen: cannot write %s and %s: %s\n", name, secret,
                strerror(errno));
    zcert_destroy(&cert);
    return rc == 0 ? EXIT_SUCCESS : EXIT_USAGE;
}

//  Options.

//  Parses a whole number in [min, max]. Returns 0, or -1 after saying why.
static int s_parse_long(const char *option, const char *text, long min, long max, long *value)
{
    char *end;
    errno = 0;
    long number = strtol(text, &end, 10);
    if (errno || end == text || *end || number < min || number > max) {
        fprintf(stderr, "hmsctl: %s: '%s' is not a whole number in [%ld, %ld]\n", option, text, min,
                max);
        return -1;
    }
    *value = number;
    return 0;
}

//  Parses the options, wherever they are: afterwards argv[optind...] are
//  the command and its arguments. Returns 0 to go on, 1 after --help or
//  --version, -1 after a usage error.
static int s_parse_options(options_t *options, int argc, char **argv)
{
    static const struct option longopts[] = {{"host", required_argument, NULL, 'H'},
                                             {"endpoint", required_argument, NULL, 'e'},
                                             {"pub", required_argument, NULL, 'P'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"count", required_argument, NULL, 'n'},
                                             {"duration", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {"curve-secret", required_argument, NULL, 'k'},
                                             {"server-key", required_argument, NULL, 'K'},
                                             {"insecure", no_argument, NULL, 'I'},
                                             {NULL, 0, NULL, 0}};
    int c;
    long number;
    while ((c = getopt_long(argc, argv, "H:e:t:n:d:k:K:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': options->secret = optarg; break;
        case 'K': options->server = optarg; break;
        case 'I': options->insecure = true; break;
        case 'H': options->host = optarg; break;
        case 'e': options->endpoint = optarg; break;
        case 'P': options->pub = optarg; break;
        case 'j': options->json = true; break;
        case 't':
            if (s_parse_long("--timeout", optarg, 1, 3600000, &number))
                return -1;
            options->timeout_ms = (int)number;
            break;
        case 'n':
            if (s_parse_long("--count", optarg, 1, LONG_MAX, &options->count))
                return -1;
            options->watch_option = true;
            break;
        case 'd': {
            char *end;
            options->duration = strtod(optarg, &end);
            if (end == optarg || *end || !(options->duration > 0 && options->duration <= 1e9)) {
                fprintf(stderr, "hmsctl: --duration: '%s' is not a number of seconds > 0\n",
                        optarg);
                return -1;
            }
            options->watch_option = true;
            break;
        }
        case 'h': fputs(s_usage, stdout); return 1;
        case 'V': printf("hmsctl %s\n", HMS_VERSION); return 1;
        default: return -1; //  getopt said why
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    hms_transport_raise_limits();
    hms_log_init("hmsctl", HMS_LOG_WARNING, false);
    hms_log_plain(true);
    options_t options = {.host = "127.0.0.1", .timeout_ms = 2000};
    options.secret = getenv("HMS_CURVE_SECRET");
    options.server = getenv("HMS_SERVER_KEY");
    if (options.secret && !*options.secret)
        options.secret = NULL;
    if (options.server && !*options.server)
        options.server = NULL;
    int rc = s_parse_options(&options, argc, argv);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "Try 'hmsctl --help'.\n");
        return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
    }
    int left = argc - optind;
    char **args = argv + optind;
    if (left == 0) {
        fprintf(stderr, "hmsctl: no command\nTry 'hmsctl --help'.\n");
        return EXIT_USAGE;
    }
    if (strcmp(args[0], "keygen") == 0) {
        if (left != 2) {
            fprintf(stderr, "hmsctl: usage: hmsctl keygen NAME\n");
            return EXIT_USAGE;
        }
        return s_keygen(args[1]);
    }
    //  "antagonist X" is one command of two words.
    char name[64];
    int words = strcmp(args[0], "antagonist") == 0 && left > 1 ? 2 : 1;
    snprintf(name, sizeof name, "%s%s%s", args[0], words == 2 ? " " : "",
             words == 2 ? args[1] : "");
    const command_t *command = NULL;
    for (size_t i = 0; i < COMMANDS && !command; i++)
        if (strcmp(s_commands[i].name, name) == 0)
            command = &s_commands[i];
    if (!command && strcmp(args[0], "antagonist") == 0) {
        fprintf(stderr, "hmsctl: usage: hmsctl antagonist ping|status|start|stop|conf|watch\n");
        return EXIT_USAGE;
    }
    if (!command) {
        fprintf(stderr, "hmsctl: unknown command '%s'\nTry 'hmsctl --help'.\n", name);
        return EXIT_USAGE;
    }
    left -= words;
    args += words;
    if (left < command->min_args || (command->max_args >= 0 && left > command->max_args)) {
        fprintf(stderr, "hmsctl: usage: hmsctl %s%s%s\n", command->name,
                *command->arguments ? " " : "", command->arguments);
        return EXIT_USAGE;
    }
    if (command->type == HMS_MSG_NONE)
        return s_watch(&options, command);
    if (options.watch_option) {
        fprintf(stderr, "hmsctl: --count and --duration are options of watch\n");
        return EXIT_USAGE;
    }
    hms_msg_t request;
    hms_msg_init(&request, command->type);
    if (command->build && command->build(&request, left, args) != 0)
        return EXIT_USAGE;
    return s_request(&options, command, &request);
}
