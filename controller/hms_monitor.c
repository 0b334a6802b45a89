/*  hms_monitor: what a follower keeps of its manager's monitoring data. */

#include "hms_monitor.h"
#include "hms_alert_cache.h"
#include "hms_metrics_cache.h"

#include <stdlib.h>

struct _hms_monitor_t {
    hms_metrics_cache_t *metrics;       //  each container's last metrics
    hms_metrics_block_t *metrics_block; //  all of them, for the view; NULL: none yet
    hms_alert_cache_t *alerts;          //  alerts pending or firing
    hms_alert_block_t *alert_block;     //  the same, for the view; NULL: none yet
};

hms_monitor_t *hms_monitor_new(void)
{
    hms_monitor_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->metrics = hms_metrics_cache_new();
    self->alerts = hms_alert_cache_new();
    if (!self->metrics || !self->alerts)
        hms_monitor_destroy(&self);
    return self;
}

void hms_monitor_destroy(hms_monitor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_monitor_t *self = *self_p;
    hms_metrics_block_release(&self->metrics_block);
    hms_metrics_cache_destroy(&self->metrics);
    hms_alert_block_release(&self->alert_block);
    hms_alert_cache_destroy(&self->alerts);
    free(self);
    *self_p = NULL;
}

bool hms_monitor_metrics(hms_monitor_t *self, const hms_metrics_report_t *report)
{
    hms_metrics_block_t *block = hms_metrics_cache_apply(self->metrics, report);
    if (!block)
        return false;
    hms_metrics_block_release(&self->metrics_block);
    self->metrics_block = block;
    return true;
}

//  Takes block (NULL: out of memory) as the view's when the cache changed.
static bool s_alert_block(hms_monitor_t *self, bool changed, hms_alert_block_t *block)
{
    if (!changed || !block)
        return false;
    hms_alert_block_release(&self->alert_block);
    self->alert_block = block;
    return true;
}

bool hms_monitor_alert(hms_monitor_t *self, const hms_alert_t *alert)
{
    hms_alert_block_t *block = NULL;
    bool changed = hms_alert_cache_apply(self->alerts, alert, &block);
    return s_alert_block(self, changed, block);
}

void hms_monitor_restart(hms_monitor_t *self, uint64_t now_ms,
                         void (*fn)(const hms_alert_t *alert, void *arg), void *arg)
{
    hms_metrics_cache_clear(self->metrics);
    hms_alert_block_t *block = NULL;
    bool changed = hms_alert_cache_resolve_all(self->alerts, now_ms, fn, arg, &block);
    s_alert_block(self, changed, block);
}

hms_metrics_block_t *hms_monitor_metrics_block(const hms_monitor_t *self)
{
    return self->metrics_block;
}

hms_alert_block_t *hms_monitor_alert_block(const hms_monitor_t *self)
{
    return self->alert_block;
}
