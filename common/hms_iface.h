/*  hms_iface: this host's network interfaces: the address a daemon
    announces when none is configured, and every IPv4 address (the names
    the REST API answers for when it is bound to all of them).
*/
#ifndef HMS_IFACE_H_INCLUDED
#define HMS_IFACE_H_INCLUDED

#include <stddef.h>

//  The address a manager or antagonist announces when none is configured:
//  this host's first IPv4 address that is up, not loopback and not a Docker
//  bridge or veth; the host name when there is none.
void hms_default_address(char *address, size_t size);

//  configured when it is not "", else hms_default_address, into address.
void hms_iface_address(const char *configured, char *address, size_t size);

//  Calls each with every IPv4 address of this host, as text. Returns 0, or
//  -1 when the interfaces cannot be listed.
typedef void(hms_iface_fn)(const char *address, void *arg);
int hms_iface_ipv4(hms_iface_fn *each, void *arg);

#endif
