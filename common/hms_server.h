/*  hms_server: the serving half of a daemon's ROUTER socket.

    Every HMS daemon answers requests the same way (proto/hms-protocol.md,
    "Request and reply"): a request is the peer's identity, an optional
    empty delimiter frame (a REQ peer), one msgpack body; the reply goes
    back with the same envelope. A malformed request gets an error reply
    with the decoder's code and text; only a valid one reaches the daemon.
*/
#ifndef HMS_SERVER_H_INCLUDED
#define HMS_SERVER_H_INCLUDED

#include <czmq.h>
#include <stdint.h>

#include "hms_msg.h"

//  Answers a valid request: fills reply (hms_msg_ok or hms_msg_error).
//  Memory the reply points into may be handed over in reply->owned; it is
//  freed once the reply is sent.
typedef void(hms_server_fn)(void *arg, const hms_msg_t *request, hms_msg_t *reply);

//  Reads one request from router, answers it through handle, sends the
//  reply (dropped if the peer is gone). A malformed one is logged and
//  counted in *bad_requests (when not NULL). Returns 0: made to be called
//  from a zloop reader.
int hms_server_serve(zsock_t *router, hms_server_fn *handle, void *arg, uint64_t *bad_requests);

//  Makes reply the pong of a peer at address, of role, up for uptime_ms.
void hms_server_pong(hms_msg_t *reply, const hms_msg_t *request, const char *address,
                     hms_role_t role, uint64_t uptime_ms);

//  Makes reply the error a peer gives to a message it does not serve (501):
//  role names the peer ("a manager").
void hms_server_not_served(hms_msg_t *reply, const hms_msg_t *request, const char *role);

#endif
