/*  The options of hms-controller: defaults, bounds and help, in one table
    (hms_config reads it for the command line and the config file), and
    what a default that depends on another option resolves to. Bounds
    shared with the REST API and the state file are hms_api.h's.
*/

#include "hms_api.h"
#include "hms_controller.h"
#include "hms_daemon.h"
#include "hms_msg.h"
#include "hms_vmpush.h"

#include "hms_log.h"

#include <czmq.h>
#include <libgen.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

//  A constant's digits, for a default.
#define S_DIGITS(x) #x
#define S_TEXT(x)   S_DIGITS(x)

const hms_option_t hms_controller_options[] = {
    {"http-bind", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, http_bind), "", 0, 0,
     "ADDRESS",
     "IPv4 address of the REST API and web page (default: 0.0.0.0 with a token, else 127.0.0.1)"},
    {"http-port", 'p', HMS_OPT_INT, offsetof(hms_controller_config_t, http_port), "8080", 0, 65535,
     "PORT", "port of the REST API and web page (0: a free one, see --ready-file)"},
    {"http-host", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, http_hosts), "", 0, 0,
     "NAME,...",
     "names clients may give in the Host header, besides localhost and this host's addresses"},
    {"token-file", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, token_file), "", 0, 0,
     "PATH",
     "file holding the bearer token changes need (default: $CREDENTIALS_DIRECTORY/token if "
     "there is one; none otherwise)"},
    {"token-reads", 0, HMS_OPT_BOOL, offsetof(hms_controller_config_t, token_reads), "false", 0, 0,
     NULL, "reads of the API need the token too"},
    {"tls-cert", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, tls_cert), "", 0, 0, "PATH",
     "PEM certificate: serve HTTPS (with --tls-key)"},
    {"tls-key", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, tls_key), "", 0, 0, "PATH",
     "PEM private key of that certificate"},
    {"http-connections", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, http_connections), "512",
     1, 4096, "N", "HTTP connections at once"},
    {"http-per-ip", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, http_per_ip), "32", 1, 4096,
     "N", "HTTP connections at once from one client address"},
    {"http-timeout", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, http_timeout_s), "10", 1,
     3600, "S", "an idle HTTP connection is closed after this"},
    {"router", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, router_endpoint), "", 0, 0,
     "ENDPOINT",
     "ROUTER socket for ping and list_hosts (default: tcp://*:7600 with a key pair, else "
     "tcp://127.0.0.1:7600; \"none\": no ROUTER)"},
    {"state-file", 's', HMS_OPT_STRING, offsetof(hms_controller_config_t, state_file),
     "/var/lib/hms/controller.state", 0, 0, "PATH",
     "hosts and settings are kept here across restarts (\"\": nowhere)"},
    {"history", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, history_file), "", 0, 0,
     "PATH",
     "the managers' metrics are kept here, in SQLite (default: beside the state file, named "
     "after it: controller.state gives controller.history.db; none without a state file; "
     "\"none\": no history)"},
    {"history-max-mb", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, history_max_mb), "1024", 1,
     1048576, "MB", "size cap of the history: past it, the oldest rows go first"},
    {"vm-url", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, vm_url), "", 0, 0, "URL",
     "VictoriaMetrics (http://127.0.0.1:8428): every metrics message is pushed there, and the "
     "history endpoint reads from there (default: none)"},
    {"vm-queue", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, vm_queue),
     S_TEXT(HMS_VMPUSH_QUEUE_DEFAULT), HMS_VMPUSH_QUEUE_MIN, HMS_VMPUSH_QUEUE_MAX, "SAMPLES",
     "samples kept for VictoriaMetrics while it does not answer (about 7 bytes each); past it "
     "the oldest are dropped"},
    {"webhook", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, webhooks), "", 0, 0, "URLS",
     "alert webhooks, comma-separated: each gets Alertmanager's webhook body (version 4) when an "
     "alert fires or resolves"},
    {"alertmanager", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, alertmanagers), "", 0, 0,
     "URLS",
     "Alertmanagers (http://host:9093), comma-separated: each gets the firing and "
     "resolved alerts on its API v2"},
    {"hosts", 'H', HMS_OPT_STRING, offsetof(hms_controller_config_t, hosts), "", 0, 0,
     "ADDRESS[=ANTAGONIST][@KEY[@KEY]],...",
     "managers to follow from the start: host or host:port, =address of its antagonist, "
     "@public key of the manager and @ of its antagonist (default: the manager's)"},
    {"max-hosts", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, max_hosts), "4096", 1,
     HMS_HOSTS_MAX, "N", "hosts followed at most (fewer if file descriptors lack: see the log)"},
    {"aggregation", 'a', HMS_OPT_INT, offsetof(hms_controller_config_t, aggregation_ms), "100", 0,
     HMS_API_AGGREGATION_MAX, "MS",
     "aggregation window: with --sync notify, between an update and give_content; with "
     "delta, the least time between two snapshots of one manager (also PUT /config)"},
    {"sync", 0, HMS_OPT_STRING, offsetof(hms_controller_config_t, sync), "delta", 0, 0,
     "delta|notify",
     "apply the changes updates carry (delta), or fetch the whole table after each update "
     "once the window closes, as the seed did (notify)"},
    {"miss-count", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, miss_count), "3",
     HMS_API_MISS_COUNT_MIN, HMS_API_MISS_COUNT_MAX, "N",
     "heartbeats missed before a manager is offline"},
    {"request-timeout", 0, HMS_OPT_INT, offsetof(hms_controller_config_t, request_timeout_ms),
     "2000", HMS_API_TIMEOUT_MIN, HMS_API_TIMEOUT_MAX, "MS",
     "a manager that has not answered by then gives 504"},
    HMS_TRANSPORT_OPTIONS(hms_controller_config_t, transport),
    HMS_DAEMON_OPTIONS(hms_controller_config_t, "the HTTP port and endpoints"),
    {NULL}};

void hms_controller_history_path(const hms_controller_config_t *config, char *out, size_t size)
{
    const char *path = config->history_file;
    out[0] = '\0';
    if (strcmp(path, "none") == 0 || (!*path && !*config->state_file))
        return;
    if (*path)
        snprintf(out, size, "%s", path);
    else {
        //  Named after the state file: two controllers that keep their
        //  state side by side keep their histories apart.
        const char *state = config->state_file;
        const char *slash = strrchr(state, '/');
        const char *dot = strrchr(slash ? slash : state, '.');
        size_t stem =
            dot && dot != (slash ? slash + 1 : state) ? (size_t)(dot - state) : strlen(state);
        snprintf(out, size, "%.*s.history.db", (int)stem, state);
    }
    char *directory = strdup(out);
    if (directory && zsys_dir_create("%s", dirname(directory)) != 0)
        hms_warning("history: cannot create the directory of %s", out);
    free(directory);
}
