/*  hms_alert_cache: the alerts of one host that are pending or firing now. */

#include "hms_alert_cache.h"

#include <czmq.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _hms_alert_cache_t {
    zhashx_t *alerts; //  "rule/container" -> hms_alert_t
};

static void s_free(void **item)
{
    free(*item);
    *item = NULL;
}

hms_alert_cache_t *hms_alert_cache_new(void)
{
    hms_alert_cache_t *self = calloc(1, sizeof *self);
    if (self && !(self->alerts = zhashx_new())) {
        free(self);
        return NULL;
    }
    if (self)
        zhashx_set_destructor(self->alerts, s_free);
    return self;
}

void hms_alert_cache_destroy(hms_alert_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->alerts);
    free(*self_p);
    *self_p = NULL;
}

static hms_alert_block_t *s_block(hms_alert_cache_t *self)
{
    size_t count = zhashx_size(self->alerts);
    hms_alert_t *alerts = calloc(count ? count : 1, sizeof *alerts);
    if (!alerts)
        return NULL;
    size_t i = 0;
    for (hms_alert_t *alert = zhashx_first(self->alerts); alert; alert = zhashx_next(self->alerts))
        alerts[i++] = *alert;
    return hms_alert_block_new(alerts, count);
}

bool hms_alert_cache_apply(hms_alert_cache_t *self, const hms_alert_t *alert,
                           hms_alert_block_t **block)
{
    char key[HMS_RULE_NAME_MAX + HMS_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", alert->rule, alert->container);
    hms_alert_t *kept = zhashx_lookup(self->alerts, key);
    bool active = alert->state == HMS_ALERT_PENDING || alert->state == HMS_ALERT_FIRING;
    if (!active && !kept)
        return false;
    if (!active)
        zhashx_delete(self->alerts, key);
    else if (kept && kept->state == alert->state && kept->since_ms == alert->since_ms) {
        *kept = *alert; //  sent again: the view shows the first value
        return false;
    } else {
        hms_alert_t *copy = malloc(sizeof *copy);
        if (!copy)
            return false;
        *copy = *alert;
        zhashx_update(self->alerts, key, copy);
    }
    *block = s_block(self);
    return true;
}

void hms_alert_cache_host(const char *address, bool online, uint64_t since_ms, uint64_t now_ms,
                          hms_alert_t *alert)
{
    *alert = (hms_alert_t){.state = online ? HMS_ALERT_RESOLVED : HMS_ALERT_FIRING,
                           .severity = HMS_SEVERITY_CRITICAL,
                           .value = NAN,
                           .since_ms = since_ms,
                           .ts_ms = now_ms};
    snprintf(alert->address, sizeof alert->address, "%s", address);
    snprintf(alert->rule, sizeof alert->rule, "%s", HMS_RULE_HOST_OFFLINE);
    snprintf(alert->metric, sizeof alert->metric, "heartbeat");
    snprintf(alert->summary, sizeof alert->summary,
             "the manager misses its heartbeats: its containers are not watched from here");
}

bool hms_alert_cache_resolve_all(hms_alert_cache_t *self, uint64_t now_ms,
                                 void (*fn)(const hms_alert_t *alert, void *arg), void *arg,
                                 hms_alert_block_t **block)
{
    zlistx_t *keys = zlistx_new();
    if (!keys)
        return false;
    zlistx_set_duplicator(keys, (zlistx_duplicator_fn *)strdup);
    zlistx_set_destructor(keys, (zlistx_destructor_fn *)zstr_free);
    for (hms_alert_t *alert = zhashx_first(self->alerts); alert;
         alert = zhashx_next(self->alerts)) {
        if (strcmp(alert->rule, HMS_RULE_HOST_OFFLINE) == 0)
            continue;
        hms_alert_t resolved = *alert;
        resolved.state = alert->state == HMS_ALERT_FIRING ? HMS_ALERT_RESOLVED : HMS_ALERT_INACTIVE;
        resolved.ts_ms = now_ms;
        fn(&resolved, arg);
        zlistx_add_end(keys, (void *)zhashx_cursor(self->alerts));
    }
    bool changed = zlistx_size(keys) > 0;
    for (const char *key = zlistx_first(keys); key; key = zlistx_next(keys))
        zhashx_delete(self->alerts, key);
    zlistx_destroy(&keys);
    if (changed)
        *block = s_block(self);
    return changed;
}

size_t hms_alert_cache_size(const hms_alert_cache_t *self)
{
    return zhashx_size(self->alerts);
}
