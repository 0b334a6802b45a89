/*  hms_sinks: where the controller sends the monitoring data it follows. */

#include "hms_sinks.h"

#include "hms_log.h"
#include "hms_notifier.h"
#include "hms_recorder.h"

#include <stdlib.h>

struct _hms_sinks_t {
    hms_recorder_t *recorder; //  NULL: no history
    hms_notifier_t *notifier; //  NULL: no receivers
    hms_vmpush_t *push;       //  NULL: no VictoriaMetrics
};

hms_sinks_t *hms_sinks_new(const hms_controller_config_t *config, const char *history)
{
    hms_sinks_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (*history)
        self->recorder = hms_recorder_new(history, (uint64_t)config->history_max_mb << 20);
    hms_notifier_config_t notify = {config->webhooks, config->alertmanagers, history, ""};
    char error[512] = "";
    if (!*history || self->recorder)
        self->notifier = hms_notifier_new(&notify, error, sizeof error);
    if (*error)
        hms_error("notifications: %s", error);
    else if (config->vm_url && *config->vm_url && (!*history || self->recorder) &&
             !(self->push =
                   hms_vmpush_new(config->vm_url, (uint64_t)config->vm_queue, error, sizeof error)))
        hms_error("victoriametrics: %s", error);
    if ((*history && !self->recorder) || *error)
        hms_sinks_destroy(&self);
    return self;
}

void hms_sinks_destroy(hms_sinks_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_recorder_destroy(&(*self_p)->recorder); //  writes what is queued
    hms_notifier_destroy(&(*self_p)->notifier); //  its queue stays in the file
    hms_vmpush_destroy(&(*self_p)->push);       //  pushes what is queued, for a while
    free(*self_p);
    *self_p = NULL;
}

void hms_sinks_metrics(hms_sinks_t *self, const hms_follower_t *host,
                       const hms_metrics_report_t *report)
{
    const char *address = hms_follower_address(host);
    if (self->recorder)
        hms_recorder_record(self->recorder, address, report);
    if (self->push) {
        //  The table as it is when the message comes names its containers.
        hms_view_host_t view;
        hms_follower_view(host, &view);
        hms_vmpush_metrics(self->push, address, view.content, report);
    }
}

void hms_sinks_alert(hms_sinks_t *self, const hms_alert_t *alert, bool changed)
{
    if (self->recorder && changed)
        hms_recorder_alert(self->recorder, alert);
    if (self->notifier)
        hms_notifier_alert(self->notifier, alert, changed);
}

void hms_sinks_event(hms_sinks_t *self, const hms_event_t *event)
{
    if (self->recorder)
        hms_recorder_event(self->recorder, event);
}

void hms_sinks_stats(hms_sinks_t *self, json_t *stats)
{
    if (stats && self->notifier)
        json_object_set_new(stats, "notifications", hms_notifier_stats(self->notifier));
    if (stats && self->push)
        json_object_set_new(stats, "victoriametrics", hms_vmpush_json(self->push));
}

const hms_vmpush_t *hms_sinks_vmpush(hms_sinks_t *self)
{
    return self ? self->push : NULL;
}

size_t hms_sinks_test(hms_sinks_t *self)
{
    return self->notifier ? hms_notifier_test(self->notifier, "controller") : 0;
}
