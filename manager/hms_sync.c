/*  hms_sync: what a manager's followers hold, and what changed since. */

#include "hms_sync.h"

#include <czmq.h>
#include <math.h>

typedef struct {
    hms_container_t container; //  as published
    uint64_t fingerprint;
    uint64_t seen; //  the diff that last found it in the table
} entry_t;

struct _hms_sync_t {
    zhashx_t *entries;        //  id -> entry_t
    uint64_t fingerprint_sum; //  of every entry
    double threshold;         //  as published; NAN: not yet
    uint64_t diffs;           //  diffs made, to mark the entries seen
    hms_container_t *changes; //  the last diff's result
    size_t capacity;          //  entries changes can hold
    bool lost;                //  a diff ran out of memory: publish everything again
};

static void s_entry_free(void **item)
{
    free(*item);
    *item = NULL;
}

hms_sync_t *hms_sync_new(void)
{
    hms_sync_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->entries = zhashx_new();
    if (!self->entries) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->entries, s_entry_free);
    self->threshold = NAN;
    return self;
}

void hms_sync_destroy(hms_sync_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_sync_t *self = *self_p;
    zhashx_destroy(&self->entries);
    free(self->changes);
    free(self);
    *self_p = NULL;
}

//  Room for count changes. Returns 0, or -1 when out of memory.
static int s_reserve(hms_sync_t *self, size_t count)
{
    if (count <= self->capacity)
        return 0;
    hms_container_t *grown = realloc(self->changes, count * sizeof *grown);
    if (!grown)
        return -1;
    self->changes = grown;
    self->capacity = count;
    return 0;
}

//  Takes container as published; returns true when followers must hear of it.
static bool s_take(hms_sync_t *self, const hms_container_t *container)
{
    uint64_t fingerprint = hms_container_fingerprint(container);
    entry_t *entry = zhashx_lookup(self->entries, container->id);
    if (entry && entry->fingerprint == fingerprint) {
        entry->seen = self->diffs;
        entry->container = *container; //  rtt_ms and loss move without an update
        return false;
    }
    if (!entry) {
        entry = calloc(1, sizeof *entry);
        if (!entry || zhashx_insert(self->entries, container->id, entry) != 0) {
            free(entry);
            self->lost = true;
            return false;
        }
    } else
        self->fingerprint_sum -= entry->fingerprint;
    entry->container = *container;
    entry->fingerprint = fingerprint;
    entry->seen = self->diffs;
    self->fingerprint_sum += fingerprint;
    return true;
}

bool hms_sync_diff(hms_sync_t *self, const hms_container_t *content, size_t count, double threshold,
                   const hms_container_t **changes, size_t *change_count)
{
    *changes = NULL;
    *change_count = 0;
    self->diffs++;
    //  At most every entry now and every entry published.
    if (s_reserve(self, count + zhashx_size(self->entries) + 1) != 0) {
        self->lost = true;
        return false;
    }
    bool changed = self->lost || !(threshold == self->threshold);
    if (self->lost) { //  followers may miss anything: start again from empty
        zhashx_purge(self->entries);
        self->fingerprint_sum = 0;
        self->lost = false;
    }
    self->threshold = threshold;
    size_t used = 0;
    for (size_t i = 0; i < count; i++)
        if (s_take(self, &content[i]))
            self->changes[used++] = content[i];
    //  What was published and is no longer in the table.
    for (entry_t *entry = zhashx_first(self->entries); entry; entry = zhashx_next(self->entries))
        if (entry->seen != self->diffs) {
            hms_container_t *removed = &self->changes[used++];
            memset(removed, 0, sizeof *removed);
            snprintf(removed->id, sizeof removed->id, "%s", entry->container.id);
            removed->loss = removed->rtt_ms = NAN;
        }
    for (size_t i = 0; i < used; i++)
        if (self->changes[i].status == HMS_STATUS_NONE) {
            entry_t *entry = zhashx_lookup(self->entries, self->changes[i].id);
            if (entry) {
                self->fingerprint_sum -= entry->fingerprint;
                zhashx_delete(self->entries, self->changes[i].id);
            }
        }
    *changes = self->changes;
    *change_count = used;
    return changed || used > 0;
}

uint64_t hms_sync_digest(const hms_sync_t *self)
{
    return hms_content_digest(self->fingerprint_sum, self->threshold);
}
