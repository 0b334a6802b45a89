/*  sim: what the benches' simulated managers share: a container table,
    sending HMS/2 messages, answering give_content, ending on $TERM.
*/
#ifndef SIM_H_INCLUDED
#define SIM_H_INCLUDED

#include "hms_msg.h"

#include <czmq.h>

//  A table of count running containers with plausible fields (caller frees).
hms_container_t *sim_content(int count);

//  Sends msg on sock: after topic when not NULL (PUB), after identity
//  (taken over) when not NULL (ROUTER).
void sim_send(zsock_t *sock, const hms_msg_t *msg, const char *topic, zframe_t *identity);

//  Reads one request from router and, when it decodes, answers it with
//  content as manager address's table up to update_seq.
void sim_answer(zsock_t *router, const hms_container_t *content, size_t count, const char *address,
                uint64_t update_seq);

//  The simulated managers' process start (started_ms) and threshold.
#define SIM_STARTED_MS 1795000000000ull
#define SIM_THRESHOLD  50.0

//  The digest of content (hms_content_digest, at SIM_THRESHOLD).
uint64_t sim_digest(const hms_container_t *content, size_t count);

//  Publishes on pub what a manager at update_seq publishes each second: an
//  update notice first when notice is true, then a heartbeat.
void sim_publish(zsock_t *pub, uint64_t update_seq, uint64_t digest, bool notice);

//  A zloop reader of an actor's pipe: ends the loop on $TERM.
int sim_pipe(zloop_t *loop, zsock_t *pipe, void *arg);

//  A fleet of simulated managers, in a thread of their own: manager i
//  binds a PUB and a ROUTER on 127.0.0.1 (base_port + 2 i and the next),
//  publishes a heartbeat every second (an update notice first, for one
//  manager in ten in turn), answers give_content with the same table of
//  containers (one in 50 ignored), and, with metrics_ms, publishes the
//  metrics of its containers every metrics_ms (24 a message).
typedef struct {
    int managers, containers, base_port;
    uint64_t metrics_ms; //  0: no metrics
    //  Filled by sim_fleet_start.
    zsock_t **pubs, **routers;
    uint64_t *update_seq, metrics_seq;
    hms_container_t *content; //  the same table for every manager
    uint64_t digest;          //  its digest
    hms_metrics_entry_t *entries;
    int turn;
} sim_fleet_t;

//  Starts fleet (managers, containers, base_port and metrics_ms set);
//  exits when a port is taken. Destroy the actor, then sim_fleet_free.
zactor_t *sim_fleet_start(sim_fleet_t *fleet);
void sim_fleet_free(sim_fleet_t *fleet);

//  Manager i's address (host:port) into address.
void sim_fleet_address(const sim_fleet_t *fleet, int i, char *address, size_t size);

//  Every manager's address, comma-separated, for --hosts (caller frees).
char *sim_fleet_hosts(const sim_fleet_t *fleet);

#endif
