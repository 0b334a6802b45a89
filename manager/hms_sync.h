/*  hms_sync: what a manager's followers hold, and what changed since.

    HMS/2 followers keep a copy of the manager's table and apply updates in
    order. hms_sync remembers the table as last published (one fingerprint
    per container, proto/hms-protocol.md "Digest") and, given the table now,
    lists the entries that differ: added or changed ones whole, removed ones
    by id. Its digest is the one followers compute over their copy.
*/
#ifndef HMS_SYNC_H_INCLUDED
#define HMS_SYNC_H_INCLUDED

#include "hms_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_sync_t hms_sync_t;

//  An empty published table (threshold unknown). NULL when out of memory.
hms_sync_t *hms_sync_new(void);
void hms_sync_destroy(hms_sync_t **self_p);

//  Compares the table now (count entries, any order) and its threshold with
//  what was published, and takes them as published. Returns true when they
//  differ: then *changes (owned by self, valid until the next call) holds
//  *change_count entries, added or changed ones whole and removed ones with
//  only their id (status HMS_STATUS_NONE); a change of the threshold alone
//  gives no entry. Returns false when nothing changed, or when out of
//  memory (then everything is taken as changed at the next call).
bool hms_sync_diff(hms_sync_t *self, const hms_container_t *content, size_t count, double threshold,
                   const hms_container_t **changes, size_t *change_count);

//  The digest of the table as published (hms_content_digest).
uint64_t hms_sync_digest(const hms_sync_t *self);

#endif
