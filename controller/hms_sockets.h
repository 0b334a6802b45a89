/*  hms_sockets: many ZeroMQ sockets watched by a zloop through one epoll
    descriptor.

    zloop polls every socket it reads with zmq_poll at each wake-up: with a
    SUB and a DEALER per followed host, a controller of 1,000 hosts would
    scan 2,000 sockets for each message it receives. Here each socket's
    ZMQ_FD sits in an epoll set and the zloop polls the set's descriptor
    alone: a wake-up costs what is ready, not what is watched.

    ZMQ_FD only says that the socket's state may have changed: a ready
    socket is read while ZMQ_EVENTS says POLLIN (at most BATCH messages in
    a turn, so that one busy host does not hold the others back), and a
    send may consume the signal of a message that arrived meanwhile: call
    hms_sockets_check after sending on a watched socket.
*/
#ifndef HMS_SOCKETS_H_INCLUDED
#define HMS_SOCKETS_H_INCLUDED

#include <czmq.h>

typedef struct _hms_sockets_t hms_sockets_t;

//  A set in loop; NULL when out of descriptors or memory.
hms_sockets_t *hms_sockets_new(zloop_t *loop);

//  Stops watching every socket (not destroying them) and frees.
void hms_sockets_destroy(hms_sockets_t **self_p);

//  Calls handler (loop, sock, arg) for each message sock has to read, as a
//  zloop reader would; a handler returning -1 ends the loop. Returns 0, or
//  -1 when sock cannot be watched.
int hms_sockets_add(hms_sockets_t *self, zsock_t *sock, zloop_reader_fn handler, void *arg);

//  Stops watching sock; safe from within a handler, on any socket.
void hms_sockets_remove(hms_sockets_t *self, zsock_t *sock);

//  Reads sock again at the loop's next turn, whether its descriptor
//  signals or not (after a send on it).
void hms_sockets_check(hms_sockets_t *self, zsock_t *sock);

#endif
