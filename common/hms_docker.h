/*  hms_docker: asynchronous Docker Engine API client.

    Talks HTTP to the engine's unix socket with libcurl's multi socket
    interface, driven by a czmq zloop: no call ever blocks the loop. Each
    request queues a transfer and returns at once; its callback runs later
    from the loop, exactly once (unless the object is destroyed first). The
    events stream follows GET /events and reconnects by itself.

    Callbacks may queue new requests and start or stop the events stream,
    but must not destroy the object whose callback is running.
*/
#ifndef HMS_DOCKER_H_INCLUDED
#define HMS_DOCKER_H_INCLUDED

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_docker_t hms_docker_t;

//  The outcome of one request, borrowed by the callback: nothing in it
//  outlives the callback (json_incref what you keep).
typedef struct {
    long status; //  HTTP status; 0 when the engine could not be reached or the transfer failed
    const char *error; //  NULL on success (2xx, and 304 from start/stop), else a message
    json_t *json;      //  parsed JSON body; NULL when there is no body or it is not JSON
} hms_docker_result_t;

typedef void(hms_docker_fn)(hms_docker_t *docker, const hms_docker_result_t *result, void *arg);

//  Creates a client on the given loop, which must outlive it. socket_path
//  NULL means /var/run/docker.sock (the string is copied). Returns NULL when
//  out of memory.
hms_docker_t *hms_docker_new(zloop_t *loop, const char *socket_path);

//  Cancels every transfer (the events stream too) without calling any
//  callback, frees the client and sets *self_p to NULL. Safe on NULL. Call it
//  outside the loop or from a reader or poller handler, not from a zloop
//  timer handler: zloop ends timers only after its pass over them.
void hms_docker_destroy(hms_docker_t **self_p);

//  Every request below returns 0 when queued (fn will be called once from the
//  loop), or -1 on a local error: an id or name that does not match
//  [A-Za-z0-9_.-]{1,128} (or is "." or ".."), a bad argument, out of memory.
//  An HTTP error is not a local error: it reaches fn with status and error.

//  GET /containers/json: running containers, or all of them when all is true.
//  label "key=value" or "key", when not NULL, keeps only containers with it.
int hms_docker_list(hms_docker_t *self, bool all, const char *label, hms_docker_fn *fn, void *arg);

//  GET /containers/{id}/json.
int hms_docker_inspect(hms_docker_t *self, const char *id, hms_docker_fn *fn, void *arg);

//  POST /containers/{id}/start. 304 (already running) counts as success.
int hms_docker_start(hms_docker_t *self, const char *id, hms_docker_fn *fn, void *arg);

//  POST /containers/{id}/restart?t=timeout_s; a negative timeout_s leaves
//  Docker's default (10 s). Docker answers after the stop and the start.
int hms_docker_restart(hms_docker_t *self, const char *id, int timeout_s, hms_docker_fn *fn,
                       void *arg);

//  POST /containers/{id}/stop?t=timeout_s (negative: Docker's default). 304
//  (already stopped) counts as success.
int hms_docker_stop(hms_docker_t *self, const char *id, int timeout_s, hms_docker_fn *fn,
                    void *arg);

//  POST /containers/{id}/pause: its processes frozen (409 when not running).
int hms_docker_pause(hms_docker_t *self, const char *id, hms_docker_fn *fn, void *arg);

//  POST /containers/{id}/kill?signal=signal; NULL means SIGKILL. signal must
//  be a name or number ([A-Za-z0-9]{1,32}). 409 when the container is not
//  running.
int hms_docker_kill(hms_docker_t *self, const char *id, const char *signal, hms_docker_fn *fn,
                    void *arg);

//  Runs argv in container id, detached (POST /containers/{id}/exec, then
//  /exec/{exec id}/start): fn is called once the engine started it (or
//  failed to create or start it). privileged: every capability.
int hms_docker_exec(hms_docker_t *self, const char *id, const char *const *argv, bool privileged,
                    hms_docker_fn *fn, void *arg);

//  GET /exec/{exec_id}/json: an exec's process (ProcessConfig: privileged,
//  user, entrypoint, arguments) and its Pid.
int hms_docker_exec_inspect(hms_docker_t *self, const char *exec_id, hms_docker_fn *fn, void *arg);

//  Returns the number of requests in flight (the events stream excluded).
size_t hms_docker_pending(hms_docker_t *self);

//  One container event, borrowed by the callback.
typedef struct {
    const char *action; //  "die", "kill", "health_status: unhealthy", ... (never NULL)
    const char *id;     //  Actor.ID, the full container id (never NULL)
    const char *name;   //  Actor.Attributes.name, or "" when absent
    json_t *attributes; //  Actor.Attributes (labels are in here); may be NULL
    uint64_t time_nano; //  timeNano: when the engine emitted the event
} hms_docker_event_t;

typedef void(hms_docker_event_fn)(hms_docker_t *docker, const hms_docker_event_t *event, void *arg);

//  Reports that the events stream is connected, or lost (error says why).
//  Called on each change only: an engine that stays away is reported once.
typedef void(hms_docker_state_fn)(hms_docker_t *docker, bool connected, const char *error,
                                  void *arg);

//  Follows GET /events for containers and the given actions (a NULL-terminated
//  array, copied; NULL means die, stop, kill, oom, start, destroy,
//  health_status, restart, create, update, exec_start; "health_status" and
//  "exec_start" match every "health_status: ..." and "exec_start: ..."
//  action). Reconnects by itself when the stream ends or
//  the engine goes away (backoff 100 ms doubling to 2 s), resuming with
//  since=<last timeNano> so that no event is lost (since= is inclusive: the
//  last event, sent again, is dropped). state_fn may be NULL. Replaces a
//  stream already followed. Returns 0, or -1 on a bad action (not UTF-8) or
//  out of memory.
int hms_docker_events(hms_docker_t *self, const char *const *actions, hms_docker_event_fn *event_fn,
                      hms_docker_state_fn *state_fn, void *arg);

//  Stops following events; no event or state callback comes after it. Safe
//  when no stream is followed.
void hms_docker_events_stop(hms_docker_t *self);

//  True when labels (a container's Labels, or an event's attributes: a
//  JSON object) carry key=value, or key when selector has no '='.
bool hms_docker_has_label(json_t *labels, const char *selector);

//  The first address among a container's NetworkSettings.Networks, by
//  network name: IPv4 only when ipv4 is true. NULL when there is none.
const char *hms_docker_ip(json_t *networks, bool ipv4);

#endif
