/*  hms_transport: the ZeroMQ sockets between HMS peers, and their security.

    Every TCP socket between HMS peers speaks CurveZMQ when the process has
    a key pair (--curve-secret, a zcert secret file from `hmsctl keygen`):
    a server socket (a manager's PUB and ROUTER, the antagonist's, the
    controller's ROUTER) admits only the clients whose public keys are in
    its allow-list directory (--curve-allow, checked by hms_auth); a client
    socket (the controller's SUB and DEALERs, hmsctl) authenticates the
    server by its public key. Without a key pair a process speaks plaintext
    and binds to loopback only: a non-loopback endpoint is refused unless
    --insecure is given, which is logged as a warning at every start.

    Sockets also get the options of proto/hms-protocol.md §2.2 (message size
    limits, ZMTP heartbeats, immediate DEALERs, mandatory ROUTERs), set here
    once for every program.
*/
#ifndef HMS_TRANSPORT_H_INCLUDED
#define HMS_TRANSPORT_H_INCLUDED

#include "hms_config.h"

#include <czmq.h>
#include <stdbool.h>

//  A Z85 public key: 40 characters.
#define HMS_KEY_LENGTH 40

//  The options of a program's transport (the fields of a config struct).
typedef struct {
    char *curve_secret; //  this process's key pair; "": none (plaintext, loopback only)
    char *curve_allow;  //  directory of the public keys allowed to connect
    bool insecure;      //  lab only: plaintext on non-loopback endpoints
} hms_transport_config_t;

//  The three options, for the option table of a config struct `type` whose
//  hms_transport_config_t is `field`.
#define HMS_TRANSPORT_OPTIONS(type, field)                                                         \
    {"curve-secret",                                                                               \
     0,                                                                                            \
     HMS_OPT_STRING,                                                                               \
     offsetof(type, field.curve_secret),                                                           \
     "",                                                                                           \
     0,                                                                                            \
     0,                                                                                            \
     "FILE",                                                                                       \
     "this program's CURVE key pair (hmsctl keygen); \"\": no key, loopback only"},                \
        {"curve-allow",                                                                            \
         0,                                                                                        \
         HMS_OPT_STRING,                                                                           \
         offsetof(type, field.curve_allow),                                                        \
         "",                                                                                       \
         0,                                                                                        \
         0,                                                                                        \
         "DIR",                                                                                    \
         "public keys (zcert files) of the clients allowed to connect"},                           \
    {                                                                                              \
        "insecure", 0, HMS_OPT_BOOL, offsetof(type, field.insecure), "false", 0, 0, NULL,          \
            "lab only: plaintext ZeroMQ on endpoints other than loopback"                          \
    }

typedef struct _hms_transport_t hms_transport_t;

//  Loads the key pair, and when serves is true starts the ZAP handler over
//  curve_allow (needed then). Returns NULL (reason logged) on a missing or
//  unreadable key file, a missing allow-list, or a secret file others can
//  read.
hms_transport_t *hms_transport_new(const hms_transport_config_t *config, bool serves);

//  Stops the ZAP handler and frees; safe on NULL. Destroy it after every
//  socket it made: a CURVE server socket without its handler admits anyone.
void hms_transport_destroy(hms_transport_t **self_p);

//  True when the process has a key pair (CURVE on every TCP socket).
bool hms_transport_secure(hms_transport_t *self);

//  This process's public key (Z85), or "" without a key pair. Borrowed.
const char *hms_transport_public_key(hms_transport_t *self);

//  The endpoint a server binds by default on port: every interface
//  (tcp://*:PORT) with a key pair or --insecure, else loopback only
//  (tcp://127.0.0.1:PORT). Writes it into endpoint (size bytes).
void hms_transport_default(hms_transport_t *self, int port, char *endpoint, size_t size);

//  A server socket (ZMQ_PUB or ZMQ_ROUTER) bound to endpoint. NULL (reason
//  logged) when the endpoint is refused by the policy above or cannot be
//  bound. zsock_endpoint () gives what was bound (tcp://host:* picks a
//  port).
zsock_t *hms_transport_bind(hms_transport_t *self, int type, const char *endpoint);

//  A daemon's two server sockets, on consecutive ports as its address
//  names them (§2.1): the lower, of type lower_type, at lower_endpoint; the
//  other at upper_endpoint. An empty lower_endpoint is the default on
//  default_port (hms_transport_default); an empty upper_endpoint is the
//  lower port + 1. When both ports are `*`, a free pair is picked. Returns
//  the lower port (0 for endpoints without one: ipc://), or -1 (reason
//  logged, both sockets NULL).
int hms_transport_bind_pair(hms_transport_t *self, int default_port, int lower_type,
                            const char *lower_endpoint, int upper_type, const char *upper_endpoint,
                            zsock_t **lower, zsock_t **upper);

//  A client socket (ZMQ_DEALER or ZMQ_SUB), not connected yet, that speaks
//  CURVE to a server with public key server_key (Z85), or plaintext when
//  server_key is NULL or "". Returns NULL (reason logged) when server_key
//  is not a key, or is given while this process has no key pair.
zsock_t *hms_transport_client(hms_transport_t *self, int type, const char *server_key);

//  Connects a client socket made by hms_transport_client. Plaintext to an
//  endpoint other than loopback is refused unless --insecure. Returns 0, or
//  -1 (reason logged).
int hms_transport_connect(hms_transport_t *self, zsock_t *sock, const char *endpoint);

//  Raises this process's open file limit to its hard limit and czmq's
//  socket limit with it (czmq aborts past its limit, 1,024 by default).
//  Call first thing in main, before any socket exists. Returns the file
//  descriptors the process may open.
size_t hms_transport_raise_limits(void);

//  True when plaintext to or from endpoint is allowed: it is local, or
//  --insecure was given.
bool hms_transport_plaintext(hms_transport_t *self, const char *endpoint);

//  True when text is a Z85 public key (40 characters that decode).
bool hms_key_valid(const char *text);

//  The public key named by text: a Z85 key, or the path of a zcert
//  certificate file. Writes HMS_KEY_LENGTH + 1 bytes into key. Returns 0,
//  or -1 when text is neither.
int hms_key_read(const char *text, char *key);

//  True when the endpoint (tcp://host:port, ipc://, inproc://) is reachable
//  from this host only: loopback addresses, localhost, ipc and inproc.
bool hms_endpoint_local(const char *endpoint);

#endif
