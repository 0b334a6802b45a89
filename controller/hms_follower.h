/*  hms_follower: one manager as a controller follows it (HMS/2).

    A follower holds a SUB on the manager's PUB (heartbeats and updates) and
    a DEALER on its ROUTER (give_content and commands), both CURVE when the
    host was added with its public key, and a DEALER to the host's
    antagonist once a command needs it. It keeps a copy of the manager's
    table, the way the ZeroMQ Guide's Clone pattern does:

    * an update whose sequence number follows the one applied is applied
      at once, and the copy's digest is checked against the update's;
    * a gap (a sequence jump, a heartbeat ahead of or behind the copy, a
      digest that differs, another manager process, a host back online)
      makes the follower fetch a snapshot with give_content: at once, and
      at most once per aggregation window; updates that arrive meanwhile
      are held and applied after it;
    * with --sync notify (the seed's way) every update only marks the host
      pending, and the table is fetched when the aggregation window closes.

    "Pending" is the seed's update_present: an update is known and not
    applied yet. The follower counts the time it spends pending.
*/
#ifndef HMS_FOLLOWER_H_INCLUDED
#define HMS_FOLLOWER_H_INCLUDED

#include "hms_api.h"
#include "hms_msg.h"
#include "hms_peer.h"
#include "hms_sockets.h"
#include "hms_transport.h"
#include "hms_view.h"

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _hms_follower_t hms_follower_t;

//  What a follower counts.
typedef struct {
    uint64_t msgs_in, bytes_in;   //  control-plane traffic from the manager
    uint64_t metrics_msgs;        //  metrics and alert messages, counted apart: monitoring data
    uint64_t metrics_bytes;       //  (with their topic frames)
    uint64_t msgs_out, bytes_out; //  and to it
    uint64_t bad_messages;        //  messages from it that did not decode
    uint64_t unsent;              //  requests to it that found no connection
    uint64_t deltas;              //  updates applied
    uint64_t snapshots;           //  give_content answers taken
    uint64_t gaps;                //  updates or heartbeats that showed a missed update
    uint64_t mismatches;          //  digests that differed after applying
    uint64_t content_bytes;       //  the seed's bandwidth: 45 B per give_content + reply JSON
    uint64_t pending_ms;          //  time spent pending (hms_follower_counters only)
} hms_follower_counters_t;

//  What every follower of a controller shares.
typedef struct {
    zloop_t *loop;
    hms_transport_t *transport;
    const hms_api_settings_t *settings; //  aggregation, miss count, request timeout
    bool notify;                        //  --sync notify
    //  The follower's view changed (status, containers, counters); now:
    //  show it at once, else with the next periodic publication.
    void (*changed)(void *arg, bool now);
    //  An answer to a request of hms_follower_send (not a give_content of
    //  the follower's own); reply is decoded, or NULL when it did not decode.
    void (*answer)(void *arg, hms_follower_t *follower, const hms_msg_t *reply);
    //  A metrics message of the follower's manager.
    void (*metrics)(void *arg, hms_follower_t *follower, const hms_metrics_report_t *report);
    //  An alert: of the manager's rules, or host_offline (address: the
    //  host's as followed); changed: it changed the follower's alerts (not
    //  a firing alert sent again).
    void (*alert)(void *arg, hms_follower_t *follower, const hms_alert_t *alert, bool changed);
    void *arg;
    hms_sockets_t *sockets; //  where the followers' sockets are read, in loop
} hms_follower_context_t;

//  Follows the manager of spec. NULL with *result INVALID (a bad address
//  or key) or FAILED, and why.
hms_follower_t *hms_follower_new(const hms_follower_context_t *context,
                                 const hms_follower_spec_t *spec, hms_result_t *result, char *why,
                                 size_t size);
void hms_follower_destroy(hms_follower_t **self_p);

const char *hms_follower_address(const hms_follower_t *self);

//  Its antagonist's address.
const char *hms_follower_antagonist(const hms_follower_t *self);

//  Where its manager and antagonist are (borrowed).
const hms_peer_t *hms_follower_peer(const hms_follower_t *self);

//  Its ROUTER endpoint: two followers of one manager are one too many.
const char *hms_follower_router(const hms_follower_t *self);
hms_host_status_t hms_follower_status(const hms_follower_t *self);
bool hms_follower_pending(const hms_follower_t *self);

//  True for the requests that go to the host's antagonist.
bool hms_follower_for_antagonist(hms_msg_type_t type);

//  Sends request to the manager, or to the antagonist for its commands, and
//  sets its corr_id. Returns 0, 1 when the antagonist's connection is not up
//  yet (*unsent then holds the encoded request: hms_follower_resend it), or
//  -1 when the manager is offline or unreachable.
int hms_follower_send(hms_follower_t *self, hms_msg_t *request, zframe_t **unsent);
int hms_follower_resend(hms_follower_t *self, zframe_t **unsent);

//  Every 100 ms: marks a silent manager offline, times out a give_content,
//  and fetches a snapshot that is due. now is monotonic ms.
void hms_follower_tick(hms_follower_t *self, uint64_t now);

//  The follower as the REST threads see it (content referenced).
void hms_follower_view(const hms_follower_t *self, hms_view_host_t *out);

//  Its entry of list_hosts.
void hms_follower_host(const hms_follower_t *self, hms_host_t *out);

//  Its saved form: {"address", "antagonist", "public_key", "antagonist_key"}.
json_t *hms_follower_saved(const hms_follower_t *self);

//  Its counters at now (monotonic ms), for GET /stats.
void hms_follower_counters(const hms_follower_t *self, uint64_t now, hms_follower_counters_t *out);

#endif
