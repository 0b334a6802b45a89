/*  hms_history: the controller's metrics history, in one SQLite file.

    What the managers publish (metrics messages: each container's min, mean
    and max of every series over an interval) is kept in three tiers, each
    a bucket per step: the managers' intervals as they come (10 s by
    default) for a day, 1 min for a week and 1 h for 90 days. A rollup goes
    into its interval's row and into the 1 min and 1 h buckets it falls in
    (min of the mins, max of the maxes, mean weighted by seconds). A row
    holds every series of one container (a blob of float32 triples), so
    that a message costs three writes per container.

    Writes are queued (hms_history_add) and go to disk in one transaction
    per flush. The file is in WAL mode: a process killed mid-write loses
    at most the batch it was writing, and the database stays whole. Old
    rows leave with their tier's retention; over the size cap, the oldest
    rows of the finest tier go first. Readers (REST threads) open their own
    connection (hms_history_query): WAL lets them read while the writer
    writes.

    One writer per file, in one thread; queries from any thread.
*/
#ifndef HMS_HISTORY_H_INCLUDED
#define HMS_HISTORY_H_INCLUDED

#include "hms_msg.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_history_t hms_history_t;

#define HMS_HISTORY_TIERS 3

//  Points one query returns at most (the oldest first).
#define HMS_HISTORY_POINTS_MAX 20000

//  A tier: the length of its buckets (0: the managers' interval, as
//  received) and how long they are kept.
typedef struct {
    uint64_t step_ms;
    uint64_t keep_ms;
} hms_history_tier_t;

extern const hms_history_tier_t hms_history_tiers[HMS_HISTORY_TIERS];

//  Opens (creating it and its schema when needed) the history at path,
//  capped at size_cap bytes (0: no cap). NULL with error set when the file
//  cannot be opened or is not a history.
hms_history_t *hms_history_open(const char *path, uint64_t size_cap, char *error,
                                size_t error_size);

//  Writes what is queued, then closes; sets *self_p to NULL. Safe on NULL.
void hms_history_close(hms_history_t **self_p);

//  Queues the entries of one metrics message of host. Returns 0, or -1
//  when out of memory.
int hms_history_add(hms_history_t *self, const char *host, const hms_metrics_report_t *report);

//  Entries queued and not written yet.
size_t hms_history_queued(hms_history_t *self);

//  Writes the queue in one transaction. Returns the rows written, or -1
//  (logged; the queue is dropped: a history is not worth stopping for).
int hms_history_flush(hms_history_t *self);

//  Deletes the rows past their tier's retention at now_ms, then, over the
//  size cap, the oldest rows of the finest tier until under it. Returns
//  the rows deleted, or -1 (logged).
int hms_history_prune(hms_history_t *self, uint64_t now_ms);

//  An event of the timeline besides alerts: a heal a manager made, or an
//  antagonist's attack starting or ending.
typedef struct {
    uint64_t ts_ms;                 //  Unix ms
    char host[HMS_ADDRESS_MAX + 1]; //  the manager as followed
    char kind[8];                   //  "heal" or "attack"
    char container[HMS_ID_MAX + 1]; //  full id
    char name[HMS_NAME_MAX + 1];    //  container name
    char detail[HMS_TEXT_MAX + 1];  //  heal: why (stopped, loss, unhealthy); attack: what
} hms_event_t;

//  Records an event at once. Returns 0, or -1 (logged).
int hms_history_event(hms_history_t *self, const hms_event_t *event);

//  Reads the timeline in [from_ms, to_ms] from the file at path (its own
//  read-only connection), newest first, at most limit: the events and the
//  alerts' changes of state, {"events": [{ts_ms, kind ("heal", "attack",
//  "alert"), address, container, name, detail}, ...]} (an alert's detail:
//  its rule and state), or NULL with error.
json_t *hms_history_events(const char *path, uint64_t from_ms, uint64_t to_ms, size_t limit,
                           char *error, size_t error_size);

//  Records a change of state of an alert at once. Returns 0, or -1 (logged).
int hms_history_alert(hms_history_t *self, const hms_alert_t *alert);

//  Reads the alerts' changes of state in [from_ms, to_ms] from the file at
//  path (its own read-only connection), newest first, at most limit:
//  {"alerts": [{ts_ms, address, rule, container, name, state, severity,
//  metric, value, threshold, since_ms, summary}, ...]}, or NULL with error.
json_t *hms_history_alerts(const char *path, uint64_t from_ms, uint64_t to_ms, size_t limit,
                           char *error, size_t error_size);

//  Bytes of the database file.
uint64_t hms_history_size(hms_history_t *self);

//  The tier a query of [from_ms, ...] at step_ms reads at now_ms: the
//  coarsest whose step is at most step_ms (0: the finest) and that still
//  holds from_ms, else the finest. VictoriaMetrics' reads answer at the
//  same steps (hms_vmquery).
int hms_history_tier(uint64_t from_ms, uint64_t step_ms, uint64_t now_ms);

//  Reads series metric of container on host from the file at path (its own
//  read-only connection), over [from_ms, to_ms], from the coarsest tier
//  whose step is at most step_ms (0: the finest) and that still holds
//  from_ms, else the finest. Returns {"step_ms", "t": [...], "min": [...],
//  "mean": [...], "max": [...]} (t: each bucket's end, Unix ms; null for a
//  bucket without a value), or NULL with error set.
json_t *hms_history_query(const char *path, const char *host, const char *container,
                          hms_metric_t metric, uint64_t from_ms, uint64_t to_ms, uint64_t step_ms,
                          uint64_t now_ms, char *error, size_t error_size);

#endif
