/*  hms_events: heals and attacks for the timeline.  */

#include "hms_events.h"

#include "hms_log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A followed antagonist's PUB socket.
typedef struct {
    hms_events_t *owner;
    char host[HMS_ADDRESS_MAX + 1];
    zsock_t *sub;
} s_antagonist_t;

struct _hms_events_t {
    zloop_t *loop;
    hms_transport_t *transport;
    hms_sinks_t *sinks;
    zhashx_t *antagonists; //  PUB endpoint -> s_antagonist_t
};

static void s_antagonist_destroy(void **item)
{
    s_antagonist_t *antagonist = *item;
    if (antagonist) {
        zloop_reader_end(antagonist->owner->loop, antagonist->sub);
        zsock_destroy(&antagonist->sub);
        free(antagonist);
        *item = NULL;
    }
}

hms_events_t *hms_events_new(zloop_t *loop, hms_transport_t *transport, hms_sinks_t *sinks)
{
    hms_events_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    *self = (hms_events_t){loop, transport, sinks, zhashx_new()};
    if (!self->antagonists) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->antagonists, s_antagonist_destroy);
    return self;
}

void hms_events_destroy(hms_events_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->antagonists);
    free(*self_p);
    *self_p = NULL;
}

//  Containers in the same order as a content block's: by name, then id.
static int s_order(const hms_container_t *a, const hms_container_t *b)
{
    int order = strcmp(a->name, b->name);
    return order ? order : strcmp(a->id, b->id);
}

//  A heal of container, between its entries was and now, if any.
static bool s_heal(const hms_container_t *was, const hms_container_t *now, char *why, size_t size)
{
    if (now->restarts <= was->restarts)
        return false;
    uint64_t heals = now->restarts - was->restarts;
    const char *cause = now->loss_heals > was->loss_heals       ? "loss"
                        : now->health_heals > was->health_heals ? "unhealthy"
                                                                : "stopped";
    if (heals > 1)
        snprintf(why, size, "%s (%llu heals)", cause, (unsigned long long)heals);
    else
        snprintf(why, size, "%s", cause);
    return true;
}

//  The heals of one host: both blocks are sorted the same way.
static size_t s_host_heals(hms_events_t *self, const char *host, const hms_content_block_t *was,
                           const hms_content_block_t *now, uint64_t now_ms)
{
    size_t events = 0, i = 0, j = 0;
    while (i < was->count && j < now->count) {
        const hms_container_t *a = &was->containers[i], *b = &now->containers[j];
        int order = s_order(a, b);
        if (order < 0)
            i++;
        else if (order > 0)
            j++;
        else {
            hms_event_t event = {.ts_ms = now_ms, .kind = "heal"};
            if (s_heal(a, b, event.detail, sizeof event.detail)) {
                snprintf(event.host, sizeof event.host, "%s", host);
                snprintf(event.container, sizeof event.container, "%s", b->id);
                snprintf(event.name, sizeof event.name, "%s", b->name);
                hms_sinks_event(self->sinks, &event);
                events++;
            }
            i++;
            j++;
        }
    }
    return events;
}

size_t hms_events_heals(hms_events_t *self, const hms_view_t *before, const hms_view_t *after,
                        uint64_t now_ms)
{
    size_t events = 0;
    for (size_t h = 0; before && h < after->count; h++) {
        const hms_view_host_t *host = &after->hosts[h];
        const hms_view_host_t *was = hms_view_host(before, host->address);
        if (was && was->content && host->content && was->content != host->content &&
            was->started_ms == host->started_ms)
            events += s_host_heals(self, host->address, was->content, host->content, now_ms);
    }
    return events;
}

void hms_events_attack_detail(const hms_attack_t *attack, char *text, size_t size)
{
    const char *phase = hms_phase_name(attack->phase);
    if (attack->kind == HMS_ATTACK_LOSS && attack->phase == HMS_PHASE_START)
        snprintf(text, size, "loss %.0f%% for %.1f s %s", attack->loss,
                 (double)attack->duration_ms / 1000, phase);
    else
        snprintf(text, size, "%s %s", hms_attack_kind_name(attack->kind), phase);
}

//  SUB reader: an attack of one antagonist.
static int s_attack_reader(zloop_t *loop, zsock_t *sub, void *arg)
{
    (void)loop;
    s_antagonist_t *antagonist = arg;
    zmsg_t *message = zmsg_recv(sub);
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    if (message && zmsg_size(message) == 2 && zframe_streq(zmsg_first(message), "attack") &&
        hms_msg_decode(&msg, zframe_data(zmsg_last(message)), zframe_size(zmsg_last(message))) ==
            0 &&
        msg.type == HMS_MSG_ATTACK) {
        hms_event_t event = {.ts_ms = msg.attack.ts_ms, .kind = "attack"};
        snprintf(event.host, sizeof event.host, "%s", antagonist->host);
        snprintf(event.container, sizeof event.container, "%s", msg.attack.container);
        snprintf(event.name, sizeof event.name, "%s", msg.attack.name);
        hms_events_attack_detail(&msg.attack, event.detail, sizeof event.detail);
        hms_sinks_event(antagonist->owner->sinks, &event);
    } else if (message)
        hms_info("antagonist of %s: a message that is not an attack", antagonist->host);
    hms_msg_reset(&msg);
    zmsg_destroy(&message);
    return 0;
}

int hms_events_antagonist(hms_events_t *self, const hms_peer_t *peer)
{
    const char *host = peer->address, *endpoint = peer->antagonist_pub;
    if (zhashx_lookup(self->antagonists, endpoint))
        return 0;
    s_antagonist_t *antagonist = calloc(1, sizeof *antagonist);
    if (!antagonist)
        return -1;
    antagonist->owner = self;
    snprintf(antagonist->host, sizeof antagonist->host, "%s", host);
    antagonist->sub = hms_transport_client(self->transport, ZMQ_SUB, peer->antagonist_key);
    if (antagonist->sub && hms_transport_connect(self->transport, antagonist->sub, endpoint) != 0)
        zsock_destroy(&antagonist->sub);
    if (!antagonist->sub) {
        free(antagonist);
        return -1;
    }
    zsock_set_subscribe(antagonist->sub, "attack");
    zloop_reader(self->loop, antagonist->sub, s_attack_reader, antagonist);
    zloop_reader_set_tolerant(self->loop, antagonist->sub);
    zhashx_insert(self->antagonists, endpoint, antagonist);
    hms_info("following the attacks of %s's antagonist (%s)", host, endpoint);
    return 0;
}
