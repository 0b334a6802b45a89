/*  hms_client: a small synchronous HMS/1 client.  */

#include "hms_client.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAX 253 //  longest DNS name

struct _hms_client_t {
    zsock_t *dealer;                //  connected to the peer's ROUTER
    char *endpoint;                 //  that ROUTER, for messages
    int timeout_ms;                 //  bounds each request, sending and waiting together
    uint64_t corr_id;               //  last corr_id sent; the first request gets 1
    char error[HMS_TEXT_MAX + 128]; //  why the last request failed; "" after a success
};

//  Addresses.

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

//  Client.

hms_client_t *hms_client_new(const char *endpoint, int timeout_ms, hms_transport_t *transport,
                             const char *server_key)
{
    assert(endpoint);
    assert(timeout_ms > 0);
    assert(transport);
    hms_client_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    //  A DEALER as §2.2 wants it: immediate (a request to a peer that is
    //  down fails instead of queueing), size limit, ZMTP heartbeats.
    self->dealer = hms_transport_client(transport, ZMQ_DEALER, server_key);
    self->endpoint = strdup(endpoint);
    if (!self->dealer || !self->endpoint ||
        hms_transport_connect(transport, self->dealer, endpoint) != 0) {
        hms_client_destroy(&self);
        return NULL;
    }
    self->timeout_ms = timeout_ms;
    return self;
}

void hms_client_destroy(hms_client_t **self_p)
{
    assert(self_p);
    hms_client_t *self = *self_p;
    if (!self)
        return;
    zsock_destroy(&self->dealer);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

__attribute__((format(printf, 3, 4))) static int s_fail(hms_client_t *self, int rc,
                                                        const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(self->error, sizeof self->error, format, args);
    va_end(args);
    return rc;
}

//  The failure of a send or receive that returned nothing.
static int s_no_answer(hms_client_t *self)
{
    if (zmq_errno() == EINTR || zsys_interrupted)
        return s_fail(self, -1, "interrupted");
    return s_fail(self, -1, "no answer from %s within %d ms", self->endpoint, self->timeout_ms);
}

int hms_client_request(hms_client_t *self, hms_msg_t *request, hms_msg_t *reply)
{
    assert(self);
    assert(request);
    assert(reply);
    hms_msg_init(reply, HMS_MSG_NONE);
    self->error[0] = '\0';
    int64_t deadline = zclock_mono() + self->timeout_ms;

    request->corr_id = ++self->corr_id;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    int rc = hms_msg_encode(request, &buffer);
    if (rc == 0 && buffer.size > HMS_REQUEST_MAX)
        rc = -1; //  a ROUTER would drop the connection (§13)
    if (rc != 0) {
        msgpack_sbuffer_destroy(&buffer);
        return s_fail(self, -1, "cannot send %s: a value is out of range or too long",
                      hms_msg_type_name(request->type));
    }
    zframe_t *frame = zframe_new(buffer.data, buffer.size);
    msgpack_sbuffer_destroy(&buffer);
    zsock_set_sndtimeo(self->dealer, self->timeout_ms);
    if (zframe_send(&frame, self->dealer, 0) != 0) {
        zframe_destroy(&frame);
        return s_no_answer(self);
    }

    while (true) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0)
            return s_fail(self, -1, "no answer from %s within %d ms", self->endpoint,
                          self->timeout_ms);
        zsock_set_rcvtimeo(self->dealer, (int)left);
        zmsg_t *message = zmsg_recv(self->dealer);
        if (!message)
            return s_no_answer(self);
        size_t frames = zmsg_size(message);
        zframe_t *body = zmsg_first(message);
        rc = frames == 1 ? hms_msg_decode(reply, zframe_data(body), zframe_size(body)) : -2;
        zmsg_destroy(&message);
        if (frames != 1)
            return s_fail(self, -2, "reply from %s has %zu frames, not 1", self->endpoint, frames);
        //  A reply to an earlier request that timed out: not ours, drop it.
        //  An error with corr_id 0 answers a request whose corr_id the peer
        //  could not read: with one request outstanding, it is ours.
        bool ours = reply->corr_id == self->corr_id || reply->corr_id == 0;
        if (!ours) {
            hms_msg_reset(reply);
            continue;
        }
        if (rc != 0) {
            char text[sizeof reply->decode_text];
            memcpy(text, reply->decode_text, sizeof text);
            hms_msg_reset(reply);
            return s_fail(self, -2, "reply from %s does not decode: %s", self->endpoint, text);
        }
        if (reply->type == HMS_MSG_ERROR)
            return 0;
        if (reply->type == HMS_MSG_OK && reply->re == request->type && reply->corr_id)
            return 0;
        hms_msg_type_t type = reply->type, re = reply->re;
        hms_msg_reset(reply);
        if (type == HMS_MSG_OK)
            return s_fail(self, -2, "reply from %s answers %s, not %s", self->endpoint,
                          hms_msg_type_name(re), hms_msg_type_name(request->type));
        return s_fail(self, -2, "%s from %s is not a reply", hms_msg_type_name(type),
                      self->endpoint);
    }
}

const char *hms_client_error(hms_client_t *self)
{
    assert(self);
    return self->error;
}

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
