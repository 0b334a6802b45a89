/*  hms_metrics_cache: the last metrics of each container of one host.  */

#include "hms_metrics_cache.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

//  Intervals without an entry after which a container is dropped.
#define S_STALE_INTERVALS 3

typedef struct {
    hms_metrics_entry_t entry;
    uint64_t t_ms; //  end of the interval it is of
} s_last_t;

struct _hms_metrics_cache_t {
    zhashx_t *last; //  id -> s_last_t
};

static void s_last_destroy(void **item)
{
    free(*item);
    *item = NULL;
}

hms_metrics_cache_t *hms_metrics_cache_new(void)
{
    hms_metrics_cache_t *self = calloc(1, sizeof *self);
    if (self)
        self->last = zhashx_new();
    if (!self || !self->last) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->last, s_last_destroy);
    return self;
}

void hms_metrics_cache_destroy(hms_metrics_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->last);
    free(*self_p);
    *self_p = NULL;
}

void hms_metrics_cache_clear(hms_metrics_cache_t *self)
{
    zhashx_purge(self->last);
}

hms_metrics_block_t *hms_metrics_cache_apply(hms_metrics_cache_t *self,
                                             const hms_metrics_report_t *report)
{
    for (size_t i = 0; i < report->count; i++) {
        s_last_t *last = zhashx_lookup(self->last, report->entries[i].id);
        if (!last) {
            last = malloc(sizeof *last);
            if (!last)
                return NULL;
            zhashx_insert(self->last, report->entries[i].id, last);
        }
        last->entry = report->entries[i];
        last->t_ms = report->t_ms;
    }
    uint64_t horizon = S_STALE_INTERVALS * report->interval_ms;
    zlistx_t *stale = zlistx_new();
    hms_metrics_entry_t *entries = malloc((zhashx_size(self->last) + 1) * sizeof *entries);
    size_t count = 0;
    for (s_last_t *last = zhashx_first(self->last); last && stale && entries;
         last = zhashx_next(self->last)) {
        if (last->t_ms + horizon < report->t_ms)
            zlistx_add_end(stale, (void *)zhashx_cursor(self->last));
        else
            entries[count++] = last->entry;
    }
    for (const char *id = stale ? zlistx_first(stale) : NULL; id; id = zlistx_next(stale))
        zhashx_delete(self->last, id);
    zlistx_destroy(&stale);
    return entries ? hms_metrics_block_new(entries, count, report->t_ms) : NULL;
}
