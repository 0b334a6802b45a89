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

#endif
