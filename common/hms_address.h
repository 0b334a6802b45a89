/*  hms_address: the address grammar of HMS peers.

    A peer is named by its address, `host` or `host:port`
    (proto/hms-protocol.md §2.1). Its two sockets sit on two consecutive
    ports, and the port of the address names the lower one:

    * a manager: PUB at port (7601 by default), ROUTER at port + 1 (7602);
    * the antagonist: ROUTER at port (7603 by default), PUB at port + 1
      (7604): its ROUTER is the lower port;
    * a controller has a ROUTER only (7600 by default).

    host is a name or an IPv4 literal: 1 to 253 characters of [A-Za-z0-9.-].
    IPv6 literals are not accepted for now (a future `[addr]:port` form).
    port is 1..65535, and at most 65534 where port + 1 is used.
*/
#ifndef HMS_ADDRESS_H_INCLUDED
#define HMS_ADDRESS_H_INCLUDED

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

#endif
