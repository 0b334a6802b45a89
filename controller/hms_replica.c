/*  hms_replica: a follower's copy of a manager's table. */

#include "hms_replica.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

static int s_by_name(const void *a, const void *b)
{
    const hms_container_t *x = a, *y = b;
    int order = strcmp(x->name, y->name);
    return order ? order : strcmp(x->id, y->id);
}

int hms_replica_take(hms_replica_t *self, hms_container_t *containers, size_t count,
                     double threshold)
{
    if (count)
        qsort(containers, count, sizeof *containers, s_by_name);
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++)
        sum += hms_container_fingerprint(&containers[i]);
    hms_content_block_t *block = hms_content_block_new(containers, count);
    hms_content_block_release(&self->content);
    self->content = block;
    self->threshold = threshold;
    self->digest = hms_content_digest(sum, threshold);
    return block ? 0 : -1;
}

int hms_replica_apply(hms_replica_t *self, const hms_update_t *update)
{
    size_t before = hms_replica_count(self);
    hms_container_t *next = calloc(before + update->count + 1, sizeof *next);
    zhashx_t *changed = zhashx_new();
    if (!next || !changed) {
        free(next);
        zhashx_destroy(&changed);
        return -1;
    }
    for (size_t i = 0; i < update->count; i++)
        zhashx_update(changed, update->changes[i].id, (void *)&update->changes[i]);
    size_t count = 0;
    for (size_t i = 0; i < before; i++)
        if (!zhashx_lookup(changed, self->content->containers[i].id))
            next[count++] = self->content->containers[i];
    //  The last entry of an id wins, as if the changes came one by one.
    for (const hms_container_t *entry = zhashx_first(changed); entry; entry = zhashx_next(changed))
        if (entry->status != HMS_STATUS_NONE)
            next[count++] = *entry;
    zhashx_destroy(&changed);
    return hms_replica_take(self, next, count, update->threshold);
}

size_t hms_replica_count(const hms_replica_t *self)
{
    return self->content ? self->content->count : 0;
}

hms_msg_t *hms_replica_hold(const hms_update_t *update)
{
    hms_msg_t *copy = malloc(sizeof *copy);
    size_t size = update->count * sizeof *update->changes;
    hms_container_t *changes = size ? malloc(size) : NULL;
    if (!copy || (size && !changes)) {
        free(copy);
        free(changes);
        return NULL;
    }
    hms_msg_init(copy, HMS_MSG_UPDATE);
    copy->update = *update;
    if (size)
        memcpy(changes, update->changes, size);
    copy->update.changes = changes;
    copy->owned = changes;
    return copy;
}

void hms_replica_clear(hms_replica_t *self)
{
    hms_content_block_release(&self->content);
}
