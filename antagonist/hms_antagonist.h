/*  hms_antagonist: the fault injector of HMS, one zloop.

    The seed's kinds first (--kinds shutdown,loss, the default):
    while running, an attempt every `frequency` seconds on average (waits
    drawn from an exponential distribution, as the seed's antagonist did;
    --timing fixed: exactly `frequency`): with probability
    `heavy` % it attacks one of its targets (the containers with the target
    label, running or not, sorted by name), drawn uniformly. The attack is
    a shutdown (docker stop or kill) with probability `balance` %, else a
    loss attack: a Gaussian share of the target's packets is dropped with
    iptables for `duration` seconds on average (an exponential draw, or
    exactly that with --timing fixed), during which no attempt is made. The
    draws come from a seeded PRNG, so a seed replays the same attacks.

    With other --kinds (the threats of the security campaign,
    hms_threats.h), an attack draws its kind uniformly among them, and a
    threat is one exec in the target that lasts `duration` (drawn as a
    loss attack's), during which, as for a loss attack, no attempt is
    made. A network flood aims at the next target by name.

    Every attack is published on PUB (`attack`, phase start and end) and
    logged. Commands (conf, start, stop, status, ping) arrive on a ROUTER.
    The iptables chain HMS-ANTAGONIST is removed when an attack ends, when
    the antagonist stops or exits, and, left over by a crash, at start.
*/
#ifndef HMS_ANTAGONIST_H_INCLUDED
#define HMS_ANTAGONIST_H_INCLUDED

#include "hms_config.h"
#include "hms_transport.h"

#include <stdbool.h>

//  The iptables chain of the antagonist, in the filter table of the
//  target's network namespace (scope container) or of the host (scope host).
#define HMS_ANTAGONIST_CHAIN "HMS-ANTAGONIST"

typedef struct {
    char *router_endpoint;            //  ROUTER: commands; "": the default
    char *pub_endpoint;               //  PUB: attack events; "": the default
    char *address;                    //  address reported to peers; "" picks this host's
    char *docker_socket;              //  the Docker engine's unix socket
    char *targets;                    //  label selecting the targets; "": every container
    char *name;                       //  name of the test
    double loss;                      //  mean % of packets a loss attack drops
    double balance;                   //  % of attacks that are shutdowns
    double heavy;                     //  % chance that an attempt attacks
    double frequency;                 //  seconds between attempts
    double duration;                  //  seconds a loss attack lasts
    double sigma;                     //  standard deviation of the loss %
    char *seed;                       //  random seed as text; "0": chosen from the clock
    char *mode;                       //  "stop" or "kill"
    int stop_timeout_s;               //  what docker stop gives a container before SIGKILL
    char *loss_scope;                 //  "container" or "host"
    char *timing;                     //  "exponential" or "fixed"
    char *kinds;                      //  the kinds drawn: "shutdown,loss", "cpu_burn,escape", ...
    double leak_rate;                 //  MiB a second of memory_leak attacks
    bool start;                       //  attack from launch, without waiting for start_antagonist
    hms_transport_config_t transport; //  keys, allowed clients, --insecure
    char *ready_file; //  where the bound endpoints are written once serving; "": none
    int log_level;    //  hms_log level
    bool syslog;      //  log to syslog instead of stderr
} hms_antagonist_config_t;

//  The options of hms-antagonist: defaults, bounds and help, in one table.
extern const hms_option_t hms_antagonist_options[];

typedef struct _hms_antagonist_t hms_antagonist_t;

//  Creates an antagonist: checks the config, removes the chains a crash
//  left in the host's filter table, binds its sockets and starts the
//  sweep of the containers' namespaces (commands are served once it is
//  done). Returns NULL (reason logged) on a bad value or a socket that
//  cannot be bound. The config is read, not kept.
hms_antagonist_t *hms_antagonist_new(const hms_antagonist_config_t *config);

//  Runs until SIGINT or SIGTERM. Returns 0, or -1 when the loop failed.
int hms_antagonist_run(hms_antagonist_t *self);

//  Ends the attacks in progress (publishing their ends), removes the
//  rules, and frees the antagonist; safe on NULL.
void hms_antagonist_destroy(hms_antagonist_t **self_p);

#endif
