/*  hms_events: the timeline's events besides alerts, sent to the history
    (hms_sinks).

    Heals: a manager counts the heals of each container (restarts, and of
    them those for loss and for Docker's unhealthy status); from one view
    to the next, a container whose count grew was healed, for the cause
    whose count grew. A new manager process starts its counts again: a
    count that went down is no heal.

    Attacks: the antagonists publish every attack's start and end. The
    controller subscribes to an antagonist's PUB once it has commanded it
    (REST /test): most hosts never meet theirs.
*/
#ifndef HMS_EVENTS_H_INCLUDED
#define HMS_EVENTS_H_INCLUDED

#include "hms_peer.h"
#include "hms_sinks.h"
#include "hms_transport.h"
#include "hms_view.h"

#include <czmq.h>

typedef struct _hms_events_t hms_events_t;

//  Events go to sinks; attacks are read in loop, through transport.
hms_events_t *hms_events_new(zloop_t *loop, hms_transport_t *transport, hms_sinks_t *sinks);
void hms_events_destroy(hms_events_t **self_p);

//  The heals between two views (before may be NULL: none), at now_ms.
//  Returns the number of heal events sent.
size_t hms_events_heals(hms_events_t *self, const hms_view_t *before, const hms_view_t *after,
                        uint64_t now_ms);

//  Follows the attacks of the antagonist of peer (its PUB, with its key).
//  Following it already is not an error. Returns 0, or -1 when the socket
//  cannot be made.
int hms_events_antagonist(hms_events_t *self, const hms_peer_t *peer);

//  The detail of an attack event: "shutdown start", "loss 57% for 2.0 s
//  start", "loss end", ... into text.
void hms_events_attack_detail(const hms_attack_t *attack, char *text, size_t size);

#endif
