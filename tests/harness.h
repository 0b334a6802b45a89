/*  harness: what the integration tests share: the Docker CLI, daemons run
    as real processes, an HMS/1 client, and waiting for a condition with a
    deadline (never sleeping to let things settle).

    Every function fails the running cmocka test on a local error.
*/
#ifndef HARNESS_H_INCLUDED
#define HARNESS_H_INCLUDED

#include "hms_msg.h"

#include <czmq.h>
#include <stdbool.h>
#include <sys/types.h>

//  Fails the test unless a Docker engine answers and hms/testbox:1 exists.
void harness_require_docker(void);

//  Runs a shell command; returns its exit status (-1 if it did not run).
int harness_sh(const char *format, ...) __attribute__((format(printf, 1, 2)));

//  Runs a shell command and returns its standard output without the final
//  newline; the caller frees it. NULL when the command failed.
char *harness_sh_output(const char *format, ...) __attribute__((format(printf, 1, 2)));

//  A unique tag for this test run (prefix of container names, label value).
const char *harness_tag(void);

//  Starts a container of hms/testbox:1 named <tag>-<name> with the label
//  hms.test=<tag> and any extra `docker run` flags. Returns its full id
//  (caller frees).
char *harness_container(const char *name, const char *flags);

//  Docker's state (running, exited, ...) of a container, "" when unknown.
//  Returns a static buffer.
const char *harness_state(const char *id);

//  The container's IPv4 address on the default bridge (static buffer).
const char *harness_ip(const char *id);

//  Docker's StartedAt of a container (static buffer): changes at each start.
const char *harness_started_at(const char *id);

//  Removes every container of this run, and the test's iptables rules.
void harness_cleanup(void);

//  Calls cond(arg) every 20 ms until it is true or timeout_ms passed.
//  Returns true when the condition held in time.
bool harness_wait(bool (*cond)(void *arg), void *arg, int timeout_ms);

//  A TCP port nobody listens on now, on 127.0.0.1.
int harness_free_port(void);

//  Starts a program in the background, stdout and stderr appended to log.
//  argv is NULL-terminated. Returns its pid.
pid_t harness_spawn(const char *log, char *const argv[]);

//  Sends sig to pid and reaps it, waiting up to timeout_ms; SIGKILL after.
//  Returns the exit status as waitpid reports it.
int harness_stop(pid_t pid, int sig, int timeout_ms);

//  True while pid runs.
bool harness_alive(pid_t pid);

//  An HMS/1 client: a DEALER connected to endpoint.
typedef struct {
    zsock_t *dealer;
    uint64_t corr_id; //  last corr_id sent
} harness_client_t;

void harness_client_open(harness_client_t *client, const char *endpoint);
void harness_client_close(harness_client_t *client);

//  Sends request (its corr_id is set) and waits up to timeout_ms for the
//  reply with the same corr_id, decoded into reply (hms_msg_reset it, also
//  after a timeout: it is initialised first). Returns 0, or -1 on timeout.
int harness_request(harness_client_t *client, hms_msg_t *request, hms_msg_t *reply, int timeout_ms);

//  Sends raw bytes as a request body and waits for one reply (any corr_id).
int harness_request_raw(harness_client_t *client, const void *data, size_t size, hms_msg_t *reply,
                        int timeout_ms);

//  Receives one PUB message (topic, body) from sub within timeout_ms into
//  msg. Returns 0, -1 on timeout, -2 when the body did not decode.
int harness_receive(zsock_t *sub, hms_msg_t *msg, int timeout_ms);

//  One HTTP request with libcurl. body may be NULL; content_type NULL means
//  application/json when there is a body. Returns the HTTP status (0 when
//  no answer within timeout_ms) and, when response is not NULL, the body
//  (caller frees).
long harness_http(const char *method, const char *url, const char *body, const char *content_type,
                  char **response, int timeout_ms);

#endif
