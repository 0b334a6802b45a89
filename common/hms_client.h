/*  hms_client: a small synchronous HMS/2 client (hmsctl, tests, tools).

    Requests. A client is one DEALER connected to one ROUTER. A request is
    sent, and its reply awaited, within the client's timeout; replies to
    earlier requests that arrive late are dropped.
*/
#ifndef HMS_CLIENT_H_INCLUDED
#define HMS_CLIENT_H_INCLUDED

#include "hms_address.h"
#include "hms_iface.h"
#include "hms_msg.h"
#include "hms_transport.h"

#include <stddef.h>

typedef struct _hms_client_t hms_client_t;

//  Creates a DEALER connected to endpoint (a ROUTER, e.g. tcp://host:7602)
//  with ZMQ_IMMEDIATE, so that a request to a peer that is not there fails
//  instead of queueing. It speaks CURVE to a server whose public key is
//  server_key, plaintext when server_key is NULL or "" (hms_transport's
//  policy applies; transport must outlive the client). timeout_ms (> 0)
//  bounds each request. Returns NULL (reason logged) when the endpoint or
//  the key is not valid, or the policy refuses plaintext.
hms_client_t *hms_client_new(const char *endpoint, int timeout_ms, hms_transport_t *transport,
                             const char *server_key);

//  Closes the socket and frees the client; sets *self_p to NULL. Safe on NULL.
void hms_client_destroy(hms_client_t **self_p);

//  Sets request->corr_id (1, 2, ...), sends request and waits for the reply
//  with that corr_id, decoded into reply (overwritten, not freed: the
//  caller hms_msg_resets it after use, whatever the result). An `ok` for
//  another request, or a message that is not a reply, is a reply that does
//  not decode. Returns 0 (reply is `ok` or `error`), -1 when no reply came
//  within the timeout (peer down or unreachable, interrupted, request not
//  encodable) or -2 when the reply does not decode. hms_client_error says why.
int hms_client_request(hms_client_t *self, hms_msg_t *request, hms_msg_t *reply);

//  Why the last request failed, for people: "" after a success. Borrowed.
const char *hms_client_error(hms_client_t *self);

#endif
