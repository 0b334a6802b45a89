/*  hms_auth: the ZAP handler of a process that serves CURVE.

    libzmq asks the handler bound at inproc://zeromq.zap.01 whether a client
    that completed the CURVE handshake may connect. hms_auth admits the
    client keys found in an allow-list directory of zcert public
    certificates and refuses every other key. The directory is read again
    at the next handshake after any of its files is added, removed,
    replaced, rewritten or touched, so a key is added or revoked by adding
    or removing its file. The directory, and each file, must be writable
    by root or this user only (a directory others may write is refused at
    start; such a file is skipped). It works like czmq's zauth with a CURVE
    directory, and also says whom it refused: one log line per peer
    address (naming the last key it tried) at most once a minute, with the
    count of refusals since.

    A client without CURVE, or with a wrong server key, fails the handshake
    before ZAP is asked. libzmq 4.3 reports such a failure on the server
    socket's monitor, but names only the socket, not the peer: those are
    logged at most once a minute per socket and reason.

    One per process (one ZAP handler can bind). While it runs, every CURVE
    server socket of the process asks it: create it before the first server
    socket binds, destroy it after the last one is closed. Without a running
    handler libzmq would admit any client that knows the server's key.
*/
#ifndef HMS_AUTH_H_INCLUDED
#define HMS_AUTH_H_INCLUDED

#include <czmq.h>

//  The ZAP domain HMS server sockets set.
#define HMS_AUTH_DOMAIN "hms"
//  Peer addresses whose refusals get lines of their own within a minute;
//  beyond them, the others share one.
#define HMS_AUTH_PEERS_MAX 1024

typedef struct _hms_auth_t hms_auth_t;

//  Starts the handler over the certificates in allow_dir. Returns NULL
//  (reason logged) when allow_dir is not a readable directory or another
//  ZAP handler is bound in this process.
hms_auth_t *hms_auth_new(const char *allow_dir);

//  Stops the handler; safe on NULL. Sets *self_p to NULL.
void hms_auth_destroy(hms_auth_t **self_p);

//  Watches sock's failed handshakes and logs them (rate-limited) as
//  failures on name (e.g. its endpoint). Call from the thread that owns
//  sock, before sock is used. Returns 0, or -1 when libzmq refuses.
int hms_auth_monitor(hms_auth_t *self, zsock_t *sock, const char *name);

#endif
