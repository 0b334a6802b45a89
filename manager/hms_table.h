/*  hms_table: the manager's containers and its healing policy.

    Pure logic, no I/O: the manager feeds it what Docker and the prober
    report, with the current time, and drains the heals it decides
    (hms_table_next_heal), then reports how each heal ended. This is where
    the rules live: which containers are watched, what a stop or a lossy
    round leads to, no second heal while one is in flight, the grace period
    after a heal, exponential backoff of a container that keeps failing.

    Times are milliseconds: now on a monotonic clock, wall for the Unix
    times shown to users.
*/
#ifndef HMS_TABLE_H_INCLUDED
#define HMS_TABLE_H_INCLUDED

#include "hms_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_table_t hms_table_t;

typedef struct {
    double threshold;           //  % loss above which a container is restarted
    uint64_t grace_ms;          //  no probing this long after a heal
    uint64_t backoff_max_ms;    //  longest wait before a heal; 0: never back off
    uint64_t backoff_after;     //  quick failures healed at once before backing off
    uint64_t backoff_window_ms; //  a heal needed sooner than this after the last one
                                //  is a quick failure; staying up this long resets
    uint64_t retry_ms;          //  wait before retrying a heal Docker refused
} hms_table_policy_t;

typedef enum { HMS_HEAL_START, HMS_HEAL_RESTART } hms_heal_t;

//  Why a container is healed: it stopped (a start), or it runs but its
//  probes lost too much, or Docker's healthcheck says unhealthy (restarts).
typedef enum { HMS_CAUSE_STOPPED, HMS_CAUSE_LOSS, HMS_CAUSE_UNHEALTHY } hms_heal_cause_t;

//  What Docker says of a container (from a list or an inspect).
typedef struct {
    const char *id;    //  full id
    const char *name;  //  without the leading '/'
    const char *image; //  image reference
    const char *ip;    //  address to probe; "" or NULL when none
    const char *state; //  Docker's State: running, exited, created, ...
    bool ignore_label; //  carries hms.ignore=true
    bool audited;      //  an inspect answer: risks holds its audit (a list entry has none)
    uint32_t risks;    //  bit i: check i of the escape-risk audit found a risk (hms_audit.h)
} hms_table_docker_t;

//  Creates an empty table. The policy is copied.
hms_table_t *hms_table_new(const hms_table_policy_t *policy);

//  Destroys the table; safe on NULL.
void hms_table_destroy(hms_table_t **self_p);

//  Replaces the policy (threshold, grace, backoff) for the next decisions.
void hms_table_set_policy(hms_table_t *self, const hms_table_policy_t *policy);
const hms_table_policy_t *hms_table_policy(hms_table_t *self);

//  Loads the persisted ignore list (ids put on it by command) and watch list
//  (ids taken back from the hms.ignore label by command). Call before the
//  first sync. Returns 0.
int hms_table_set_lists(hms_table_t *self, const char *const *ignore, size_t ignore_count,
                        const char *const *watch, size_t watch_count);

//  The current lists, for the state file: arrays of borrowed ids, NULL-
//  terminated, allocated; the caller frees the arrays (not the strings).
const char **hms_table_ignore_list(hms_table_t *self);
const char **hms_table_watch_list(hms_table_t *self);

//  Merges a full listing from Docker, asked for at now. The first sync is
//  discovery: containers not running then are left alone (status stopped).
//  Later syncs add new containers, update known ones, heal watched
//  containers found stopped without an event, and drop those Docker no
//  longer has. A listing may be answered long after it was asked for (a
//  busy engine): a container with an event since now (in the same
//  millisecond too) keeps its state, one started since keeps its address,
//  one learned of since is not dropped.
void hms_table_sync(hms_table_t *self, const hms_table_docker_t *containers, size_t count,
                    uint64_t now);

//  Updates one container from an inspect asked for at asked_at, adding it
//  when unknown. A container with an event since asked_at keeps its state,
//  one started since keeps its address.
void hms_table_update(hms_table_t *self, const hms_table_docker_t *container, uint64_t asked_at);

//  Docker events. time_ns is the event's timeNano; events older than the
//  end of HMS's own last heal of that container are HMS's own and ignored.
void hms_table_on_die(hms_table_t *self, const char *id, uint64_t time_ns, uint64_t now);
//  kill: a stop, kill or restart asked through the engine's API. The die
//  that follows is then not the container's own failure: healed at once,
//  never counted for backoff.
void hms_table_on_kill(hms_table_t *self, const char *id, uint64_t time_ns);
//  start: the container runs, maybe at another address; it is not probed
//  until a view asked for at or after now (hms_table_update) gives it.
void hms_table_on_start(hms_table_t *self, const char *id, uint64_t now);
void hms_table_on_unhealthy(hms_table_t *self, const char *id, uint64_t time_ns, uint64_t now);
//  destroy, or the engine answered 404 at now: the container is gone, and
//  answers asked for before now (a late listing or inspect) do not bring it
//  back.
void hms_table_on_destroy(hms_table_t *self, const char *id, uint64_t now);

//  Result of a probe round for one container, begun at started. loss in %,
//  rtt_ms NAN if none. Ignored when the container had an event or a heal
//  since started: the round measured its previous life.
void hms_table_on_probe(hms_table_t *self, const char *id, double loss, double rtt_ms,
                        uint64_t started, uint64_t now);

//  Fires heals whose backoff or retry time has come. Call every ~100 ms.
void hms_table_tick(hms_table_t *self, uint64_t now);

//  Takes the next heal to request from Docker. Returns true and fills id
//  (HMS_ID_MAX + 1 bytes), kind and, when not NULL, reason (HMS_TEXT_MAX +
//  1 bytes: died, loss ..., unhealthy, found stopped, added), or false when
//  none is due.
bool hms_table_next_heal(hms_table_t *self, char *id, hms_heal_t *kind, char *reason);

//  How a heal ended: ok, or Docker's status (0: engine unreachable; 404:
//  container gone). done_ns is the wall time of the answer, in ns. After a
//  heal, as after a start, the address must be read again before probing.
void hms_table_heal_done(hms_table_t *self, const char *id, bool ok, long status, uint64_t done_ns,
                         uint64_t now);

//  Containers to probe now: active, with an address read since their last
//  start, past their grace.
//  Fills up to max entries of ids (pointers borrowed until the next change)
//  and ips. Returns the count.
size_t hms_table_probe_targets(hms_table_t *self, const char **ids, const char **ips, size_t max,
                               uint64_t now);

//  Resolves a container reference: full id, unique id prefix of 4 or more
//  characters, or name. Returns the full id (borrowed), or NULL with code
//  set to HMS_CODE_NOT_FOUND or HMS_CODE_CONFLICT (ambiguous prefix).
const char *hms_table_resolve(hms_table_t *self, const char *ref, int *code);

//  Puts a container on the ignore list (by command). Returns its status.
hms_status_t hms_table_ignore(hms_table_t *self, const char *id, uint64_t now);

//  Takes a container off the ignore list (and overrides hms.ignore=true):
//  it is watched again and, when not running, started. Returns its status.
hms_status_t hms_table_watch(hms_table_t *self, const char *id, uint64_t now);

//  Number of containers, and of those watched (not ignored, not stopped).
size_t hms_table_size(hms_table_t *self);
size_t hms_table_monitored(hms_table_t *self);

//  The status of one container (HMS_STATUS_NONE when unknown).
hms_status_t hms_table_status(hms_table_t *self, const char *id);

//  True when the container's inspect answer was audited (hms_table_docker_t).
bool hms_table_audited(hms_table_t *self, const char *id);

//  The last judging round of one container: its loss (%) and mean rtt_ms,
//  NAN when it has not been judged since it (re)started, or is unknown.
void hms_table_probe_result(hms_table_t *self, const char *id, double *loss, double *rtt_ms);

//  Fills out (up to max entries) with the give_content view, sorted by
//  name; ignored containers get the short id, name and status only.
//  Returns the count.
size_t hms_table_content(hms_table_t *self, hms_container_t *out, size_t max);

//  True once since the last call when anything give_content shows changed;
//  reason (when not NULL, HMS_TEXT_MAX + 1 bytes) gets the first change.
bool hms_table_changed(hms_table_t *self, char *reason);

//  Sets the wall clock source used for since_ms (tests pin it).
void hms_table_set_wall(hms_table_t *self, uint64_t (*wall_ms)(void));

#endif
