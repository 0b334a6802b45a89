/*  hms_alert_cache: the alerts of one host that are pending or firing now.

    A follower hands every alert message of its manager here, and its own
    host_offline alert (the controller's rule: a manager that misses its
    heartbeats). The cache keeps an alert from pending or firing until it
    is resolved or goes inactive, and gives the view a new block of them
    (hms_view.h) when that set changes; a firing alert sent again only
    refreshes its value.
*/
#ifndef HMS_ALERT_CACHE_H_INCLUDED
#define HMS_ALERT_CACHE_H_INCLUDED

#include "hms_msg.h"
#include "hms_view.h"

#include <stdbool.h>

//  The controller's own rule.
#define HMS_RULE_HOST_OFFLINE "host_offline"

typedef struct _hms_alert_cache_t hms_alert_cache_t;

hms_alert_cache_t *hms_alert_cache_new(void);
void hms_alert_cache_destroy(hms_alert_cache_t **self_p);

//  Takes in alert. Returns true when it changed the cache (a new block is
//  then in *block, NULL when out of memory; the caller releases it).
bool hms_alert_cache_apply(hms_alert_cache_t *self, const hms_alert_t *alert,
                           hms_alert_block_t **block);

//  The host_offline alert of the host at address, firing since since_ms or
//  (online) resolved at now_ms, into alert.
void hms_alert_cache_host(const char *address, bool online, uint64_t since_ms, uint64_t now_ms,
                          hms_alert_t *alert);

//  Resolves every alert of the manager (another manager process, a host
//  removed), through fn, at now_ms; host_offline stays. Returns true when
//  the cache changed (then *block as for apply).
bool hms_alert_cache_resolve_all(hms_alert_cache_t *self, uint64_t now_ms,
                                 void (*fn)(const hms_alert_t *alert, void *arg), void *arg,
                                 hms_alert_block_t **block);

//  Alerts kept.
size_t hms_alert_cache_size(const hms_alert_cache_t *self);

#endif
