/*  hms_replica: a follower's copy of a manager's table (HMS/2), rebuilt
    from a snapshot or from an update's changes, with the digest the
    manager's heartbeats and updates are checked against.

    The copy is an immutable hms_content_block_t sorted by name, so that a
    view can reference it while the next one is built.
*/
#ifndef HMS_REPLICA_H_INCLUDED
#define HMS_REPLICA_H_INCLUDED

#include "hms_msg.h"
#include "hms_view.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    hms_content_block_t *content; //  NULL: none yet
    double threshold;             //  NAN: none yet
    uint64_t digest;              //  hms_content_digest of the copy
} hms_replica_t;

//  Takes over containers (count, malloc'ed) as the copy. Returns 0, or -1
//  when out of memory (the copy is then dropped: a snapshot must follow).
int hms_replica_take(hms_replica_t *self, hms_container_t *containers, size_t count,
                     double threshold);

//  The copy with update's changes applied (added, changed, removed: the
//  last entry of an id wins). Returns 0, or -1 when out of memory.
int hms_replica_apply(hms_replica_t *self, const hms_update_t *update);

//  Containers in the copy.
size_t hms_replica_count(const hms_replica_t *self);

//  A copy of update as a message that owns its changes (hms_msg_reset
//  frees them; then free the message), to be applied later; NULL when out
//  of memory.
hms_msg_t *hms_replica_hold(const hms_update_t *update);

//  Releases the copy.
void hms_replica_clear(hms_replica_t *self);

#endif
