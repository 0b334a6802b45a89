/*  hms_manager: the manager of one Docker host, one zloop.

    Lists the host's containers through the Docker Engine API and follows
    its events stream, probes every watched container with ICMP, heals
    (starts or restarts) the ones that stopped, became unhealthy or lose
    too many echoes, and answers HMS/2 commands on a ROUTER while
    publishing heartbeats, updates and resource metrics on a PUB socket.

    Probing is adaptive. A judging round (the probe settings: 20 echoes
    10 ms apart by default) measures each container's loss, which is
    compared with the threshold; one runs over every container each probe
    period. Between them, every --watch ms, a watch round sends
    WATCH_ECHOES echoes to each container, each waited for WATCH_TIMEOUT_MS:
    one that loses any (or answers later) is judged at once instead of at
    the next period, by a round of as many echoes sent SUSPECT_PACE times
    as fast, each waited for the probe timeout (the same measure, known
    sooner). A loss attack is thus seen within about a watch period, and
    only a judging round restarts a container, so a container whose loss
    stays under the threshold is not restarted for a run of bad luck in
    three echoes.
*/
#ifndef HMS_MANAGER_H_INCLUDED
#define HMS_MANAGER_H_INCLUDED

#include "hms_config.h"
#include "hms_transport.h"

#include <stdbool.h>

//  Echoes of a watch round, to each container, and how long a watch round
//  waits for their replies (at most the probe timeout). A reply on a
//  bridge takes well under a millisecond; one later than this only makes
//  the container a suspect, judged with the probe timeout.
#define WATCH_ECHOES     3
#define WATCH_TIMEOUT_MS 20
//  A suspect's judging round sends its echoes this many times faster than
//  the probe interval (at least 1 ms apart).
#define SUSPECT_PACE 4

typedef struct {
    char *pub_endpoint;               //  PUB: heartbeats and updates; "": the default
    char *router_endpoint;            //  ROUTER: commands; "": the default
    char *address;                    //  address reported to peers; "" picks this host's
    char *docker_socket;              //  the Docker engine's unix socket
    char *state_file;                 //  threshold and lists survive restarts here; "": none
    char *label;                      //  watch only containers with this label; "": all
    char *sync;                       //  "delta" or "notify": what updates carry
    double threshold;                 //  % loss above which a container is restarted
    int probe_count;                  //  echoes per container per round
    int probe_interval_ms;            //  between two echoes to one container
    int probe_timeout_ms;             //  wait for a reply
    int probe_period_ms;              //  between the starts of two rounds
    int watch_ms;                     //  between watch rounds; 0: none (see above)
    int heartbeat_ms;                 //  between heartbeats
    int grace_ms;                     //  no probing this long after a heal
    int backoff_max_ms;               //  longest wait before healing a failing container; 0: none
    int backoff_after;                //  quick failures healed at once before backing off
    int backoff_window_ms;            //  a failure this soon after a heal is a quick one
    int retry_ms;                     //  wait before retrying a heal that Docker refused
    int reconcile_ms;                 //  between full listings (missed events, new containers)
    int stop_timeout_s;               //  what a restart gives a container to stop
    int metrics_window_s;             //  seconds of metrics kept per container; 0: no metrics
    int metrics_interval_ms;          //  between two metrics publications
    char *rules_file;                 //  alert rules (JSON); "": the built-in ones; "none": none
    hms_transport_config_t transport; //  keys, allowed clients, --insecure
    char *ready_file; //  where the bound endpoints are written once serving; "": none
    int log_level;    //  hms_log level
    bool syslog;      //  log to syslog instead of stderr
} hms_manager_config_t;

//  The options of hms-manager: defaults, bounds and help, in one table.
extern const hms_option_t hms_manager_options[];

typedef struct _hms_manager_t hms_manager_t;

//  Creates a manager: loads the state file, loads its keys and binds its
//  sockets (CURVE with keys, else loopback only), opens the ICMP socket,
//  writes the ready file. Returns NULL (reason logged) when a key, a socket
//  or the ready file fails. The config is read, not kept.
hms_manager_t *hms_manager_new(const hms_manager_config_t *config);

//  Runs until SIGINT or SIGTERM. Returns 0, or -1 when the loop failed.
int hms_manager_run(hms_manager_t *self);

//  Stops everything and frees the manager; safe on NULL.
void hms_manager_destroy(hms_manager_t **self_p);

#endif
