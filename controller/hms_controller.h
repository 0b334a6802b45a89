/*  hms_controller: follows every manager and serves one REST API for all.

    One zloop owns every socket and table: the followers of the managers
    (hms_follower: a SUB and a DEALER each, and one to the host's antagonist
    once the /test endpoints need it), the controller's own ROUTER (ping,
    list_hosts), and the mailbox of the REST threads (hms_api). What the REST threads read is an
   immutable view the loop publishes (hms_view).
*/
#ifndef HMS_CONTROLLER_H_INCLUDED
#define HMS_CONTROLLER_H_INCLUDED

#include "hms_config.h"
#include "hms_transport.h"

#include <stdbool.h>

typedef struct {
    char *http_bind;                  //  address the REST API listens on; "": the default
    int http_port;                    //  its port; 0: a free one
    char *http_hosts;                 //  more names clients may use in the Host header
    char *token_file;                 //  file holding the bearer token; "": none
    bool token_reads;                 //  reads need the token too
    char *tls_cert;                   //  PEM certificate file; "": plain HTTP
    char *tls_key;                    //  PEM private key file
    int http_connections;             //  HTTP connections at once
    int http_per_ip;                  //  HTTP connections at once from one address
    int http_timeout_s;               //  an idle HTTP connection is closed after this
    char *router_endpoint;            //  ROUTER for ping and list_hosts; "": the default
    char *state_file;                 //  hosts and settings survive restarts here; "": none
    char *history_file;               //  metrics history (SQLite); "": named after the state file
    int history_max_mb;               //  its size cap
    char *vm_url;                     //  VictoriaMetrics' base URL (hms_vmpush); "": none
    int vm_queue;                     //  samples queued for it at most
    char *webhooks;                   //  alert webhooks (URLs, comma-separated); "": none
    char *alertmanagers;              //  Alertmanagers' base URLs, comma-separated; "": none
    char *hosts;                      //  managers to follow from the start, comma-separated
    int max_hosts;                    //  hosts followed at most (less if descriptors lack)
    int aggregation_ms;               //  the aggregation window (hms_follower.h)
    char *sync;                       //  "delta" or "notify" (hms_follower.h)
    int miss_count;                   //  heartbeats missed before a manager is offline
    int request_timeout_ms;           //  a manager that has not answered by then: 504
    hms_transport_config_t transport; //  keys, allowed clients, --insecure
    char *ready_file;                 //  where the endpoints are written once serving; "": none
    int log_level;                    //  hms_log level
    bool syslog;                      //  log to syslog instead of stderr
} hms_controller_config_t;

//  The options of hms-controller: defaults, bounds and help, in one table.
extern const hms_option_t hms_controller_options[];

//  The history file of config into out (size bytes): --history, else the
//  state file's name with .history.db for its extension (the directory
//  made when missing), else "" (none); "none": "".
void hms_controller_history_path(const hms_controller_config_t *config, char *out, size_t size);

typedef struct _hms_controller_t hms_controller_t;

//  Creates the controller: loads its keys, token and state file, follows
//  its managers, binds its ROUTER and starts the REST API. files is the
//  number of descriptors the process may open (hms_transport_raise_limits):
//  it bounds the hosts followed. NULL (reason logged) when a key, the
//  token, a socket or the HTTP port fails, or when the configuration is
//  not safe (plaintext or no token beyond loopback without --insecure).
//  The config is read, not kept.
hms_controller_t *hms_controller_new(const hms_controller_config_t *config, size_t files);

//  Runs until SIGINT or SIGTERM. Returns 0, or -1 when the loop failed.
int hms_controller_run(hms_controller_t *self);

//  Stops the REST API, then everything else; safe on NULL.
void hms_controller_destroy(hms_controller_t **self_p);

#endif
