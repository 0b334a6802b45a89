/*  sim: what the benches share: simulated managers (a container table,
    sending HMS/2 messages, answering give_content, ending on $TERM), and
    reading a process's CPU and an HTTP answer.
*/
#ifndef SIM_H_INCLUDED
#define SIM_H_INCLUDED

#include "hms_msg.h"
#include "hms_transport.h"

#include <curl/curl.h>
#include <czmq.h>
#include <sys/types.h>

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

//  A fleet of simulated managers, in a thread of their own. Manager i binds
//  a PUB and a ROUTER on 127.0.0.1: ports base_port + 2 i and the next, or
//  a free pair the kernel picks when base_port is 0. Each one publishes a
//  heartbeat every second, answers give_content with its own table (one
//  container in 50 ignored), and
//  - with change_ms 0: an update notice every 10 s instead (the controller
//    fetches a snapshot: a tenth of the managers a second);
//  - with change_ms: changes one of its containers every change_ms and
//    publishes the change (an HMS/2 delta the controller applies);
//  - with metrics_ms: publishes the metrics of its containers every
//    metrics_ms (24 a message).
//  Each manager's messages are spread over the second (a tenth of the
//  managers every 100 ms), as independent hosts would send them. With a
//  transport that has a key pair, every socket speaks CURVE.
typedef struct {
    int managers, containers, base_port;
    uint64_t metrics_ms;        //  0: no metrics
    uint64_t change_ms;         //  0: notices only
    hms_transport_t *transport; //  NULL: plaintext
    bool own_transport;         //  made by sim_fleet_start
    //  Filled by sim_fleet_start.
    zsock_t **pubs, **routers;
    int *ports;               //  each manager's PUB port
    uint64_t *update_seq;     //  each manager's
    uint64_t *sums;           //  each manager's fingerprint sum
    hms_container_t *content; //  managers x containers: each manager's table
    uint64_t metrics_seq;
    hms_metrics_entry_t *entries;
    uint64_t tick;          //  100-ms ticks so far
    double changes_due;     //  changes owed to the change rate
    uint64_t changes;       //  changes published
    uint64_t restarts_next; //  the next restarts value a change writes
} sim_fleet_t;

//  Starts fleet (managers, containers, base_port, metrics_ms, change_ms
//  and transport set); exits when it cannot bind. Destroy the actor, then
//  sim_fleet_free.
//
//  The actor answers "TRACE" on its pipe: it changes one container now
//  (restarts set to a value never used before), publishes the change, and
//  replies with four frames: the manager's address, the container id, the
//  restarts value and the Unix time in microseconds just before sending.
//  "STATS" replies with the changes published so far.
//  Call hms_transport_raise_limits first: 2 sockets per manager.
zactor_t *sim_fleet_start(sim_fleet_t *fleet);
void sim_fleet_free(sim_fleet_t *fleet);

//  Manager i's address (host:port) into address.
void sim_fleet_address(const sim_fleet_t *fleet, int i, char *address, size_t size);

//  Every manager's address, comma-separated, for --hosts, each followed by
//  @key when key is not NULL (caller frees).
char *sim_fleet_hosts(const sim_fleet_t *fleet, const char *key);

//  Key pairs for a CURVE fleet, in a new directory under /tmp: the
//  managers' (one pair for every simulated manager) and a client's, whose
//  public key is the one allow-listed entry.
typedef struct {
    char dir[64];
    char manager_secret[128]; //  the managers' secret file
    char manager_public[HMS_KEY_LENGTH + 1];
    char client_secret[128]; //  the client's (a controller's --curve-secret)
    char allow[128];         //  the managers' allow-list directory
} sim_keys_t;

//  Returns 0, or -1. sim_keys_remove removes the directory.
int sim_keys_make(sim_keys_t *keys);
void sim_keys_remove(const sim_keys_t *keys);

//  What every bench reads of a process and of HTTP answers.

//  CPU seconds (user + system) pid has used, NAN when it is gone; its
//  resident KB into *rss_kb when not NULL.
double sim_cpu(pid_t pid, long *rss_kb);

//  An HTTP answer's body, grown by sim_collect (a CURLOPT_WRITEFUNCTION
//  whose CURLOPT_WRITEDATA is a sim_body_t); data is NUL-terminated.
typedef struct {
    char *data;
    size_t size;
} sim_body_t;

size_t sim_collect(char *data, size_t size, size_t count, void *arg);

//  GET url on curl (kept alive between calls) within timeout_ms (0: no
//  limit): the HTTP status, 0 when none came. The answer replaces body's
//  data; body NULL: the answer is dropped.
long sim_get(CURL *curl, const char *url, long timeout_ms, sim_body_t *body);

#endif
