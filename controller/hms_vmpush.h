/*  hms_vmpush: the controller's metrics, pushed to VictoriaMetrics.

    An actor (czmq zactor) of its own: the controller loop hands it every
    metrics message it receives (hms_vmpush_metrics: the entries copied and
    the host's table referenced, over the actor's pipe) and never waits
    for the network. The actor queues them and POSTs them as Prometheus
    text with timestamps (hms_vmtext) to VictoriaMetrics'
    /api/v1/import/prometheus: a POST when HMS_VMPUSH_BATCH samples are
    queued, or once the oldest has waited HMS_VMPUSH_FLUSH_MS. One POST
    runs at a time, in the actor's own loop (hms_curlloop): the actor
    reads its pipe while VictoriaMetrics takes its time, so that the
    queue, not the pipe, is what fills during an outage.

    * While VictoriaMetrics does not answer, or answers 5xx, 408 or 429,
      the samples stay queued and the POST is tried again after 0.5 s,
      1 s, 2 s, ... up to HMS_VMPUSH_BACKOFF_MAX_MS. Since every sample
      carries its own time, what was queued during an outage lands at its
      true times once VictoriaMetrics is back: nothing is lost as long as
      the queue holds it.
    * The queue holds at most queue_max samples (--vm-queue); past it the
      oldest messages are dropped and their samples counted (dropped), as
      are messages the pipe could not take (the actor fell behind).
    * Another 4xx means VictoriaMetrics refuses that body: its samples are
      dropped and counted (rejected), and the queue moves on.
    * At exit the queue is pushed for at most HMS_VMPUSH_EXIT_MS; what is
      left is logged.

    The counters are atomics: any thread reads them (hms_vmpush_counters),
    for /stats, /healthz and /metrics.
*/
#ifndef HMS_VMPUSH_H_INCLUDED
#define HMS_VMPUSH_H_INCLUDED

#include "hms_msg.h"
#include "hms_view.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMS_VMPUSH_QUEUE_DEFAULT  10000000 //  samples queued at most, by default
#define HMS_VMPUSH_QUEUE_MIN      1000
#define HMS_VMPUSH_QUEUE_MAX      1000000000
#define HMS_VMPUSH_BATCH          10000 //  samples in one POST, about 2 MB
#define HMS_VMPUSH_FLUSH_MS       1000  //  the oldest sample waits this long at most
#define HMS_VMPUSH_BACKOFF_MAX_MS 5000  //  between two tries while it is down
#define HMS_VMPUSH_TIMEOUT_MS     10000 //  one POST, at most
#define HMS_VMPUSH_EXIT_MS        2000  //  pushing what is queued at exit, at most

typedef struct _hms_vmpush_t hms_vmpush_t;

//  What the pusher counts (samples unless said).
typedef struct {
    uint64_t queued;       //  waiting to be pushed
    uint64_t queue_max;    //  the bound of the queue
    uint64_t pushed;       //  accepted by VictoriaMetrics
    uint64_t posts;        //  POSTs it accepted
    uint64_t failures;     //  POSTs that failed and will be tried again
    uint64_t rejected;     //  refused by VictoriaMetrics (4xx): dropped
    uint64_t dropped;      //  dropped from a full queue (the oldest) or a full pipe
    bool up;               //  the last POST was accepted
    uint64_t last_push_ms; //  Unix ms of the last accepted POST; 0: none yet
} hms_vmpush_counters_t;

//  Starts pushing to the VictoriaMetrics at url (http:// or https://, its
//  base: http://127.0.0.1:8428), queueing queue_max samples at most. NULL
//  with error when the URL is not one or the actor cannot start.
hms_vmpush_t *hms_vmpush_new(const char *url, uint64_t queue_max, char *error, size_t size);

//  Pushes what is queued (HMS_VMPUSH_EXIT_MS at most), stops the actor and
//  frees; safe on NULL.
void hms_vmpush_destroy(hms_vmpush_t **self_p);

//  Hands one metrics message of host to the actor: the entries are copied,
//  content (the host's table when the message came, for names and images;
//  NULL: not known yet) gets a reference of the actor's own. Never blocks.
void hms_vmpush_metrics(hms_vmpush_t *self, const char *host, hms_content_block_t *content,
                        const hms_metrics_report_t *report);

//  The counters now; from any thread.
void hms_vmpush_counters(const hms_vmpush_t *self, hms_vmpush_counters_t *out);

//  The counters as JSON (new reference) with the URL: {"url", "up",
//  "queued", "queue_max", "pushed", "posts", "failures", "rejected",
//  "dropped", "last_push_ms"}.
json_t *hms_vmpush_json(const hms_vmpush_t *self);

//  The counters as Prometheus text (hms_vm_*), malloc'ed; NULL when out
//  of memory.
char *hms_vmpush_prometheus(const hms_vmpush_t *self);

#endif
