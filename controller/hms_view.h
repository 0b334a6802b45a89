/*  hms_view: what the REST threads read: an immutable picture of every host
    and its containers, published by the controller loop.

    The loop builds a new view whenever its cache changes and publishes it;
    a REST thread acquires the current view, reads it without any lock, and
    releases it. Nothing in a published view ever changes, so readers and
    the loop share no mutable state. A host's containers, and their JSON,
    are a separate shared block, rendered once per give_content answer and
    reused by every view until the next answer.
*/
#ifndef HMS_VIEW_H_INCLUDED
#define HMS_VIEW_H_INCLUDED

#include "hms_msg.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  A host's containers as a manager last gave them, and their JSON array.
//  The last metrics of each container of a host, shared like a content
//  block: entries sorted by id, the reading and rollups of the last
//  interval each was measured in.
typedef struct {
    atomic_int refs;
    hms_metrics_entry_t *entries; //  owned
    size_t count;
    uint64_t t_ms; //  end of the last interval received
} hms_metrics_block_t;

//  A new block of count entries (taken over; freed on failure); NULL when
//  out of memory.
hms_metrics_block_t *hms_metrics_block_new(hms_metrics_entry_t *entries, size_t count,
                                           uint64_t t_ms);
hms_metrics_block_t *hms_metrics_block_ref(hms_metrics_block_t *block);
void hms_metrics_block_release(hms_metrics_block_t **block_p);

//  The entry of container id in a block, or NULL.
const hms_metrics_entry_t *hms_metrics_block_find(const hms_metrics_block_t *block, const char *id);

//  The alerts of a host now pending or firing, shared like a metrics
//  block: sorted by since_ms, then rule and container.
typedef struct {
    atomic_int refs;
    hms_alert_t *alerts; //  owned
    size_t count;
} hms_alert_block_t;

//  A new block of count alerts (taken over; freed on failure); NULL when
//  out of memory.
hms_alert_block_t *hms_alert_block_new(hms_alert_t *alerts, size_t count);
hms_alert_block_t *hms_alert_block_ref(hms_alert_block_t *block);
void hms_alert_block_release(hms_alert_block_t **block_p);

typedef struct {
    atomic_int refs;
    hms_container_t *containers; //  owned
    size_t count;
    char *json; //  the JSON array of the containers, owned
    size_t json_size;
} hms_content_block_t;

//  Takes over containers (an array of count, malloc'ed) and renders them.
//  Returns the block with one reference, or NULL when out of memory (the
//  array is freed then too).
hms_content_block_t *hms_content_block_new(hms_container_t *containers, size_t count);
hms_content_block_t *hms_content_block_ref(hms_content_block_t *block);
void hms_content_block_release(hms_content_block_t **block_p);

//  One host in a view.
typedef struct {
    char address[HMS_ADDRESS_MAX + 1]; //  as the host was added
    char public_key[41];               //  its manager's CURVE key; "": plaintext
    hms_host_status_t status;          //  online / offline
    uint64_t status_since_ms;          //  Unix ms of the last status change
    uint64_t last_seen_ms;             //  Unix ms of the last heartbeat; 0: never
    uint64_t update_seq;               //  the manager's update the containers are at
    double threshold;                  //  the manager's threshold; NAN: not known yet
    uint64_t started_ms;               //  the manager instance's start; 0: not seen
    uint64_t manager_restarts;         //  new manager instances seen after the first
    uint64_t snapshots;                //  give_content answers taken (not updates)
    bool pending;                      //  an update is known and not applied yet
    uint64_t bytes_in, bytes_out;      //  control-plane bytes from and to the manager
    hms_content_block_t *content;      //  NULL until the first give_content answer
    hms_metrics_block_t *metrics;      //  NULL until the first metrics message
    hms_alert_block_t *alerts;         //  NULL: none yet
} hms_view_host_t;

typedef struct {
    atomic_int refs;
    size_t count;
    hms_view_host_t *hosts;   //  sorted by address
    _Atomic(char *) rendered; //  the whole document, rendered by the first reader
    size_t rendered_size;     //  its length, set before rendered is published
} hms_view_t;

//  A new view of count hosts (copied; content, metrics and alert blocks
//  are referenced).
hms_view_t *hms_view_new(const hms_view_host_t *hosts, size_t count);
void hms_view_release(hms_view_t **view_p);

//  The host with that address, or NULL.
const hms_view_host_t *hms_view_host(const hms_view_t *view, const char *address);

//  Resolves a container reference in a host's content: full id, name, unique
//  id prefix of 4 or more characters (or the full id of an ignored container,
//  shown by its short id). NULL with code 404 or 409 (ambiguous).
const hms_container_t *hms_view_container(const hms_view_host_t *host, const char *ref, int *code);

//  The whole document, {"hosts": [host...]}, borrowed from the view (valid
//  while the view is held): rendered once per view, by its first reader.
//  NULL when out of memory.
const char *hms_view_document(hms_view_t *view, size_t *size);

//  JSON renderings (malloc'ed, NUL-terminated; size may be NULL): one host,
//  and one container (with its host's address).
char *hms_view_render_host(const hms_view_host_t *host, size_t *size);
char *hms_view_render_container(const hms_view_host_t *host, const hms_container_t *container);

//  Where the loop publishes views and REST threads take them.
typedef struct _hms_view_store_t hms_view_store_t;

hms_view_store_t *hms_view_store_new(void);
void hms_view_store_destroy(hms_view_store_t **self_p);

//  Publishes view (taking over the caller's reference).
void hms_view_store_publish(hms_view_store_t *self, hms_view_t *view);

//  The current view with a new reference (release it), never NULL.
hms_view_t *hms_view_store_acquire(hms_view_store_t *self);

#endif
