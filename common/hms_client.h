/*  hms_client: a small synchronous HMS/1 client (hmsctl, tests, tools).

    Addresses. A peer is named by its address, `host` or `host:port`
    (proto/hms-protocol.md §2.1). Its two sockets sit on two consecutive
    ports, and the port of the address names the lower one:

    * a manager: PUB at port (7601 by default), ROUTER at port + 1 (7602);
    * the antagonist: ROUTER at port (7603 by default), PUB at port + 1
      (7604): its ROUTER is the lower port;
    * a controller has a ROUTER only (7600 by default).

    host is a name or an IPv4 literal: 1 to 253 characters of [A-Za-z0-9.-].
    IPv6 literals are not accepted for now (a future `[addr]:port` form).
    port is 1..65535, and at most 65534 where port + 1 is used.

    Requests. A client is one DEALER connected to one ROUTER. A request is
    sent, and its reply awaited, within the client's timeout; replies to
    earlier requests that arrive late are dropped.
*/
#ifndef HMS_CLIENT_H_INCLUDED
#define HMS_CLIENT_H_INCLUDED

#include "hms_msg.h"
#include "hms_transport.h"

#include <stddef.h>

//  Default ports (§2.1).
#define HMS_CONTROLLER_PORT 7600 //  a controller's ROUTER
#define HMS_MANAGER_PORT    7601 //  a manager's PUB; its ROUTER is at + 1
#define HMS_ANTAGONIST_PORT 7603 //  the antagonist's ROUTER; its PUB is at + 1

//  Splits address (`host` or `host:port`) into host and port, default_port
//  when it has none. Returns 0, or -1 when the address is not valid or host
//  does not fit in host_size.
int hms_address_parse(const char *address, int default_port, char *host, size_t host_size,
                      int *port);

//  A manager's endpoints: pub = tcp://host:PORT, router = tcp://host:PORT+1,
//  PORT from address or default_port. Each buffer holds size bytes. Returns
//  0, or -1 when the address is not valid (or the endpoint does not fit).
int hms_address_endpoints(const char *address, int default_port, char *pub, char *router,
                          size_t size);

//  The antagonist's endpoints, whose ROUTER has the lower port: router =
//  tcp://host:PORT, pub = tcp://host:PORT+1. Same arguments and result as
//  hms_address_endpoints.
int hms_address_endpoints_antagonist(const char *address, int default_port, char *pub, char *router,
                                     size_t size);

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

//  The address a manager or antagonist announces when none is configured:
//  this host's first IPv4 address that is up, not loopback and not a Docker
//  bridge or veth; the host name when there is none.
void hms_default_address(char *address, size_t size);

#endif
