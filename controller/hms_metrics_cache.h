/*  hms_metrics_cache: the last metrics of each container of one host.

    A follower hands every metrics message of its manager here; the cache
    keeps each container's last entry and gives the view a new block of
    them all (hms_view.h). A container not measured for three intervals
    (stopped, removed) leaves the cache.
*/
#ifndef HMS_METRICS_CACHE_H_INCLUDED
#define HMS_METRICS_CACHE_H_INCLUDED

#include "hms_msg.h"
#include "hms_view.h"

typedef struct _hms_metrics_cache_t hms_metrics_cache_t;

hms_metrics_cache_t *hms_metrics_cache_new(void);
void hms_metrics_cache_destroy(hms_metrics_cache_t **self_p);

//  Takes in a metrics message. Returns a new block of every container's
//  last entry (the caller releases it), or NULL when out of memory.
hms_metrics_block_t *hms_metrics_cache_apply(hms_metrics_cache_t *self,
                                             const hms_metrics_report_t *report);

//  Forgets everything (another manager process).
void hms_metrics_cache_clear(hms_metrics_cache_t *self);

#endif
