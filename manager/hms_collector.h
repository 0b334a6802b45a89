/*  hms_collector: the manager's resource metrics, collected each second.

    Follows the main process of each running container the manager
    watches (an hms_cgroup reader per container, opened when an inspect
    gives its PID), reads them all once a second and records the readings
    in a per-second store (hms_metrics) with the prober's last figures from
    the table. The manager turns what it keeps into metrics messages
    (hms_collector_entries) and give_metrics replies (hms_collector_store).
    Ignored containers are not read. Pure reads of kernel files: nothing
    here blocks.
*/
#ifndef HMS_COLLECTOR_H_INCLUDED
#define HMS_COLLECTOR_H_INCLUDED

#include "hms_metrics.h"
#include "hms_msg.h"
#include "hms_rule.h"
#include "hms_table.h"

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_collector_t hms_collector_t;

//  A collector keeping window_s seconds per container, reading proc and
//  the cgroup filesystems under proc_root and cgroup_root ("/proc",
//  "/sys/fs/cgroup"; tests give fixture trees). NULL when out of memory or
//  window_s is out of range.
hms_collector_t *hms_collector_new(uint32_t window_s, const char *proc_root,
                                   const char *cgroup_root);

//  Closes the readers and frees the collector; sets *self_p to NULL. Safe on NULL.
void hms_collector_destroy(hms_collector_t **self_p);

//  Container id runs with main process pid (net false: on the host's
//  network, no counters of its own). A new pid is a new life: the reader is
//  opened again and the rates start over.
void hms_collector_follow(hms_collector_t *self, const char *id, int pid, bool net);

//  True while a reader follows id.
bool hms_collector_following(hms_collector_t *self, const char *id);

//  The container stopped: its reader is closed; its seconds stay.
void hms_collector_stop(hms_collector_t *self, const char *id);

//  The container is gone: its seconds are forgotten too.
void hms_collector_forget(hms_collector_t *self, const char *id);

//  Reads every container followed and records the readings with the
//  table's last loss and rtt, each stamped with the wall time it was read
//  at (now_ms, when not 0, stands for all). A container the table no
//  longer watches (ignored, unknown) or whose files are gone stops being
//  followed. Returns the number of containers read.
size_t hms_collector_tick(hms_collector_t *self, hms_table_t *table, uint64_t now_ms);

//  Fills up to max entries of a metrics message for the interval (from_ms,
//  to_ms]: the containers with a reading in it, from the *cursor-th on
//  (start at 0, call again while it returns max). Returns the count.
size_t hms_collector_entries(hms_collector_t *self, uint64_t from_ms, uint64_t to_ms,
                             hms_metrics_entry_t *entries, size_t max, size_t *cursor);

//  An exec started in container id: privileged, or as root (root_user)
//  while the container runs as another user. Counted until the alerts
//  take them (hms_collector_inputs).
void hms_collector_exec(hms_collector_t *self, const char *id, bool privileged, bool root_user);

//  The engine reported an OOM kill in container id (its oom event).
//  Counted until the alerts take it: the kill may have taken the
//  container's counters with it (its main process killed, the container
//  gone before its next reading).
void hms_collector_oom(hms_collector_t *self, const char *id);

//  Fills the rule inputs of id past its metrics (hms_rule.h): the execs
//  and OOM kills the engine reported since the last call (then counted
//  again from 0: no exec is 0; the kills when more than its counters
//  show), the runtime
//  indicators of its last reading, its forecasts. Leaves what it does not
//  know as it is (NAN).
void hms_collector_inputs(hms_collector_t *self, const char *id, double *inputs);

//  The store (borrowed).
hms_metrics_t *hms_collector_store(hms_collector_t *self);

//  Publishes one encoded-to-be message (a metrics message).
typedef void(hms_collector_publish_fn)(hms_msg_t *msg, void *arg);

//  Starts collecting in loop: every container read in the middle of each
//  wall-clock second (hms_collector_tick), and at the end of each interval
//  of interval_ms (1,000 .. 3,600,000; aligned on wall time) the metrics
//  messages of the containers measured in it, through publish. The loop
//  and the table must outlive the collector. Returns 0, or -1.
int hms_collector_start(hms_collector_t *self, zloop_t *loop, hms_table_t *table,
                        uint64_t interval_ms, hms_collector_publish_fn *publish, void *arg);

//  Answers a give_metrics request into reply: an ok with the container's
//  seconds (the rows belong to reply->owned: hms_msg_reset frees them), or
//  an error (unknown or ambiguous container, from_ms after to_ms).
void hms_collector_answer(hms_collector_t *self, hms_table_t *table, const hms_msg_t *request,
                          hms_msg_t *reply);

#endif
