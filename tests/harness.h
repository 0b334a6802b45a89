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

//  Writes text to the file at path (created or truncated), failing the
//  test when it cannot.
void harness_write_file(const char *path, const char *text);

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

//  Waits (30 s at most, else fails) until the metrics messages read on sub
//  (a SUB to a manager's PUB, subscribed to "metrics" at least) have
//  counted each of ids (count of them, at most 32): the manager follows
//  them all, and no exec or event of theirs comes before it does.
void harness_wait_measured(zsock_t *sub, char *const *ids, int count);

//  The end of a live test: each of daemons (count of them; 0 or less: none)
//  stopped with SIGTERM, in order (10 s each at most), then every
//  container and network of this run removed (harness_cleanup) and dir
//  with all in it.
void harness_end(const char *dir, const pid_t *daemons, size_t count);

//  The index of id in ids (count of them), or -1.
int harness_find(char *const *ids, int count, const char *id);

//  Removes every container and network of this run (label hms.test=<tag>),
//  and the test's iptables rules.
void harness_cleanup(void);

//  The TCP port of 127.0.0.1 the process pid listens on (0: none yet),
//  from the socket table: for peers that pick their port (":0") and do not
//  say which.
int harness_listening_port(pid_t pid);

//  Calls cond(arg) every 20 ms until it is true or timeout_ms passed.
//  Returns true when the condition held in time.
bool harness_wait(bool (*cond)(void *arg), void *arg, int timeout_ms);

//  A port of 127.0.0.1 where nothing listens, nor can: it is bound and
//  held, not listening, until the test process ends (connections to it
//  are refused). With count 2, port + 1 is held too (an address names
//  two ports).
int harness_dead_port(int count);

//  Waits up to timeout_ms for the ready file a daemon writes once it
//  serves (--ready-file path), failing the test when pid exits first or the
//  time runs out.
void harness_ready_wait(const char *path, pid_t pid, int timeout_ms);

//  The value of key in a ready file into out (size bytes); fails the test
//  when there is none.
void harness_ready_value(const char *path, const char *key, char *out, size_t size);

//  Starts a daemon (argv as harness_spawn, without --ready-file: it is
//  added, as path, after removing any file there) and waits up to
//  timeout_ms until it serves. Returns its pid.
pid_t harness_daemon(const char *log, const char *path, char *const argv[], int timeout_ms);

//  Starts hms-manager for this run's containers (label hms.test=<tag>),
//  without a state file, on loopback ports it picks, logging at info into
//  dir/manager.log, with extra options (NULL-terminated; NULL: none). Its
//  PUB endpoint into pub and the address a controller follows it at
//  (127.0.0.1:PORT) into address, 64 bytes each. Returns its pid.
pid_t harness_manager(const char *dir, const char *const *extra, char *pub, char *address);

//  Starts hms-controller following hosts (--hosts), its HTTP server on a
//  loopback port it picks, without a ROUTER nor a state file, logging at
//  info into dir/controller.log, with extra options (NULL-terminated; NULL:
//  none). Its base URL (http://127.0.0.1:PORT) into base, 64 bytes.
//  Returns its pid.
pid_t harness_controller(const char *dir, const char *hosts, const char *const *extra, char *base);

//  Starts a program in the background, stdout and stderr appended to log.
//  argv is NULL-terminated. Returns its pid. One not stopped by
//  harness_stop gets SIGTERM when the test process exits, and SIGKILL if
//  the test process dies first.
pid_t harness_spawn(const char *log, char *const argv[]);

//  Sends sig to pid and reaps it, waiting up to timeout_ms; SIGKILL after.
//  Returns the exit status as waitpid reports it.
int harness_stop(pid_t pid, int sig, int timeout_ms);

//  True while pid runs.
bool harness_alive(pid_t pid);

//  Writes a CURVE key pair as hmsctl keygen does: path (public) and
//  path_secret (0600). The public key (41 bytes with its NUL) goes to
//  public_key when not NULL.
void harness_keygen(const char *path, char *public_key);

//  An HMS/1 client: a DEALER connected to endpoint.
typedef struct {
    zsock_t *dealer;
    uint64_t corr_id; //  last corr_id sent
} harness_client_t;

//  Plaintext (the peer is on loopback), or CURVE with the key pair in the
//  secret file and the server's public key (harness_client_open_curve).
void harness_client_open(harness_client_t *client, const char *endpoint);
void harness_client_open_curve(harness_client_t *client, const char *endpoint, const char *secret,
                               const char *server_key);
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

//  The same with the request's headers as given ("Name: value",
//  NULL-terminated; headers may be NULL): libcurl adds none but its own.
long harness_http_raw(const char *method, const char *url, const char *body,
                      const char *const *headers, char **response, int timeout_ms);

#endif
