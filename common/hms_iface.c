/*  hms_iface: this host's network interfaces. */

#include "hms_iface.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

//  This host's first IPv4 address that is up, not loopback and not a Docker
//  bridge or veth; the host name when there is none.
void hms_default_address(char *address, size_t size)
{
    struct ifaddrs *interfaces = NULL;
    address[0] = '\0';
    if (getifaddrs(&interfaces) == 0) {
        for (struct ifaddrs *i = interfaces; i && !address[0]; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
                (i->ifa_flags & IFF_LOOPBACK) || strncmp(i->ifa_name, "docker", 6) == 0 ||
                strncmp(i->ifa_name, "br-", 3) == 0 || strncmp(i->ifa_name, "veth", 4) == 0)
                continue;
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, address,
                      (socklen_t)size);
        }
        freeifaddrs(interfaces);
    }
    if (!address[0] && gethostname(address, size) != 0)
        snprintf(address, size, "localhost");
}

int hms_iface_ipv4(hms_iface_fn *each, void *arg)
{
    struct ifaddrs *interfaces = NULL;
    if (getifaddrs(&interfaces) != 0)
        return -1;
    for (struct ifaddrs *i = interfaces; i; i = i->ifa_next) {
        char text[INET_ADDRSTRLEN];
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text, sizeof text))
            each(text, arg);
    }
    freeifaddrs(interfaces);
    return 0;
}

void hms_iface_address(const char *configured, char *address, size_t size)
{
    if (configured && *configured)
        snprintf(address, size, "%s", configured);
    else
        hms_default_address(address, size);
}
