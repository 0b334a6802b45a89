/*  hmsctl: the command-line client of HMS.

    Speaks HMS/2 (proto/hms-protocol.md) directly: one request to a
    manager's, the antagonist's or a controller's ROUTER and one reply, or a
    subscription to a PUB socket (watch). Values are checked here against
    the protocol's bounds, because the codec refuses to encode a value out
    of range: what reaches the peer is always well formed, and the peer
    judges the rest (unknown container, conflicts, ...).
*/
#include "hmsctl.h"
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
    "  metrics CONTAINER [SECONDS]\n"
    "                           its resource metrics, a line a second, over the last SECONDS\n"
    "                           (1..3600, default 60) that the manager keeps\n"
    "  top                      its containers with their last second of metrics: CPU,\n"
    "                           memory against the limit, network, tasks, loss, RTT\n"
    "  config                   the settings, one `key = value` a line\n"
    "  config KEY=VALUE...      change settings: threshold (0..100), probe_count (1..1000),\n"
    "                           probe_interval_ms (1..10000), probe_timeout_ms (1..60000),\n"
    "                           probe_period_ms and heartbeat_ms (10..3600000),\n"
    "                           grace_ms (0..3600000), backoff_max_ms (0..86400000)\n"
    "  rules                    its alert rules: RULE WHEN FOR SEVERITY SUMMARY\n"
    "  rules FILE               replace them with the rules of FILE (JSON, as --rules\n"
    "                           reads; docs/ALERTS.md); the manager keeps them\n"
    "  watch                    print heartbeats, updates, metrics and alerts as they\n"
    "                           come, one a line with the local time, until SIGINT or\n"
    "                           SIGTERM, --count or --duration\n"
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
    //  Instead of print (and of --json's printing), goes on with the ok
    //  reply on the same client; returns 0 or 1 (not printed).
    int (*more)(hms_client_t *client, const hms_msg_t *reply, bool json);
} command_t;

static const command_t s_commands[] = {
    {"ping", "", PEER_MANAGER, HMS_MSG_PING, 0, 0, NULL, hmsctl_print_pong, NULL},
    {"status", "", PEER_MANAGER, HMS_MSG_GIVE_CONTENT, 0, 0, NULL, hmsctl_print_content, NULL},
    {"give_content", "", PEER_MANAGER, HMS_MSG_GIVE_CONTENT, 0, 0, NULL, hmsctl_print_content,
     NULL},
    {"threshold", "PERCENT", PEER_MANAGER, HMS_MSG_CONTAINER_THRESHOLD, 1, 1,
     hmsctl_build_threshold, hmsctl_print_threshold, NULL},
    {"ignore", "CONTAINER", PEER_MANAGER, HMS_MSG_CONTAINER_IGNORE, 1, 1, hmsctl_build_container,
     hmsctl_print_container, NULL},
    {"add", "CONTAINER", PEER_MANAGER, HMS_MSG_CONTAINER_ADD, 1, 1, hmsctl_build_container,
     hmsctl_print_container, NULL},
    {"metrics", "CONTAINER [SECONDS]", PEER_MANAGER, HMS_MSG_GIVE_METRICS, 1, 2,
     hmsctl_build_metrics, hmsctl_print_metrics, NULL},
    {"top", "", PEER_MANAGER, HMS_MSG_GIVE_CONTENT, 0, 0, NULL, NULL, hmsctl_top},
    {"config", "[KEY=VALUE]...", PEER_MANAGER, HMS_MSG_GET_CONFIG, 0, -1, hmsctl_build_config,
     hmsctl_print_settings, NULL},
    {"rules", "[FILE]", PEER_MANAGER, HMS_MSG_GET_RULES, 0, 1, hmsctl_build_rules,
     hmsctl_print_rules, NULL},
    {"watch", "", PEER_MANAGER, HMS_MSG_NONE, 0, 0, NULL, NULL, NULL},
    {"antagonist ping", "", PEER_ANTAGONIST, HMS_MSG_PING, 0, 0, NULL, hmsctl_print_pong, NULL},
    {"antagonist status", "", PEER_ANTAGONIST, HMS_MSG_ANTAGONIST_STATUS, 0, 0, NULL,
     hmsctl_print_antagonist, NULL},
    {"antagonist start", "", PEER_ANTAGONIST, HMS_MSG_START_ANTAGONIST, 0, 0, NULL,
     hmsctl_print_antagonist, NULL},
    {"antagonist stop", "", PEER_ANTAGONIST, HMS_MSG_STOP_ANTAGONIST, 0, 0, NULL,
     hmsctl_print_antagonist, NULL},
    {"antagonist conf",
     "loss=P balance=P heavy=P frequency=S duration=S [sigma=P] [seed=N] [mode=stop|kill] "
     "[name=TEXT]",
     PEER_ANTAGONIST, HMS_MSG_CONF_ANTAGONIST, 1, -1, hmsctl_build_antagonist_conf,
     hmsctl_print_antagonist, NULL},
    {"antagonist watch", "", PEER_ANTAGONIST, HMS_MSG_NONE, 0, 0, NULL, NULL, NULL},
    {"hosts", "", PEER_CONTROLLER, HMS_MSG_LIST_HOSTS, 0, 0, NULL, hmsctl_print_hosts, NULL},
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
    } else if (command->more && reply.type == HMS_MSG_OK) {
        if (command->more(client, &reply, options->json) != 0)
            status = EXIT_BAD_REPLY;
    } else {
        if (options->json && hmsctl_print_json(hmsctl_json_message(&reply), false) != 0) {
            fprintf(stderr, "hmsctl: cannot print the reply as JSON\n");
            status = EXIT_BAD_REPLY;
        }
        if (reply.type == HMS_MSG_ERROR) {
            fprintf(stderr, "hmsctl: error %" PRIu64 ": %s\n", reply.error.code,
                    hmsctl_safe(reply.error.message));
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
    else if (msg->type != HMS_MSG_HB && msg->type != HMS_MSG_UPDATE &&
             msg->type != HMS_MSG_METRICS && msg->type != HMS_MSG_ALERT &&
             msg->type != HMS_MSG_ATTACK)
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
        zsock_set_subscribe(sub, "metrics");
        zsock_set_subscribe(sub, "alert");
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
            json_t *json = hmsctl_json_message(&msg);
            if (json)
                json_object_set_new(json, "received_ms", json_integer(zclock_time()));
            hmsctl_print_json(json, true);
        } else
            hmsctl_print_event(&msg);
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

//  The command args name ("antagonist X" is one command of two words, its
//  count in *words); NULL after saying why.
static const command_t *s_command(int left, char **args, int *words)
{
    char name[64];
    *words = strcmp(args[0], "antagonist") == 0 && left > 1 ? 2 : 1;
    snprintf(name, sizeof name, "%s%s%s", args[0], *words == 2 ? " " : "",
             *words == 2 ? args[1] : "");
    for (size_t i = 0; i < COMMANDS; i++)
        if (strcmp(s_commands[i].name, name) == 0)
            return &s_commands[i];
    if (strcmp(args[0], "antagonist") == 0)
        fprintf(stderr, "hmsctl: usage: hmsctl antagonist ping|status|start|stop|conf|watch\n");
    else
        fprintf(stderr, "hmsctl: unknown command '%s'\nTry 'hmsctl --help'.\n", name);
    return NULL;
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
    int words;
    const command_t *command = s_command(left, args, &words);
    if (!command)
        return EXIT_USAGE;
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
