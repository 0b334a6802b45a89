/*  hms_address: the address grammar of HMS peers. */

#include "hms_address.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAX 253 //  longest DNS name

int hms_address_parse(const char *address, int default_port, char *host, size_t host_size,
                      int *port)
{
    assert(default_port > 0 && default_port <= 65535);
    if (!address)
        return -1;
    size_t length = strcspn(address, ":");
    if (length == 0 || length > HOST_MAX || length >= host_size)
        return -1;
    for (size_t i = 0; i < length; i++) {
        char c = address[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            return -1;
    }
    int number = default_port;
    if (address[length] == ':') {
        //  Digits only (no sign, no spaces), at most 5 of them, so no overflow.
        const char *digits = address + length + 1;
        size_t count = strspn(digits, "0123456789");
        if (count == 0 || count > 5 || digits[count] != '\0')
            return -1;
        number = atoi(digits);
        if (number < 1 || number > 65535)
            return -1;
    }
    memcpy(host, address, length);
    host[length] = '\0';
    *port = number;
    return 0;
}

//  Endpoints of a pair of sockets at port (the lower) and port + 1.
static int s_endpoints(const char *address, int default_port, char *lower, char *upper, size_t size)
{
    char host[HOST_MAX + 1];
    int port;
    if (hms_address_parse(address, default_port, host, sizeof host, &port) != 0 || port > 65534)
        return -1;
    int written = snprintf(lower, size, "tcp://%s:%d", host, port);
    if (written < 0 || (size_t)written >= size)
        return -1;
    written = snprintf(upper, size, "tcp://%s:%d", host, port + 1);
    return written < 0 || (size_t)written >= size ? -1 : 0;
}

int hms_address_endpoints(const char *address, int default_port, char *pub, char *router,
                          size_t size)
{
    return s_endpoints(address, default_port, pub, router, size);
}

int hms_address_endpoints_antagonist(const char *address, int default_port, char *pub, char *router,
                                     size_t size)
{
    return s_endpoints(address, default_port, router, pub, size);
}
