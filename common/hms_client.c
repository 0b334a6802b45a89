/*  hms_client: a small synchronous HMS/2 client.  */

#include "hms_client.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <unistd.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _hms_client_t {
    zsock_t *dealer;                //  connected to the peer's ROUTER
    char *endpoint;                 //  that ROUTER, for messages
    int timeout_ms;                 //  bounds each request, sending and waiting together
    uint64_t corr_id;               //  last corr_id sent; the first request gets 1
    char error[HMS_TEXT_MAX + 128]; //  why the last request failed; "" after a success
};

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

//  Encodes and sends request. Returns 0, or as hms_client_request.
static int s_send(hms_client_t *self, hms_msg_t *request)
{
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
    return 0;
}

//  A decoded reply (rc: its decode's result) that is ours: 0 when it
//  answers request, else -2 (reply reset).
static int s_check_reply(hms_client_t *self, const hms_msg_t *request, hms_msg_t *reply, int rc)
{
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
    return s_fail(self, -2, "%s from %s is not a reply", hms_msg_type_name(type), self->endpoint);
}

int hms_client_request(hms_client_t *self, hms_msg_t *request, hms_msg_t *reply)
{
    assert(self);
    assert(request);
    assert(reply);
    hms_msg_init(reply, HMS_MSG_NONE);
    self->error[0] = '\0';
    int64_t deadline = zclock_mono() + self->timeout_ms;
    int rc = s_send(self, request);
    if (rc != 0)
        return rc;
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
        if (reply->corr_id == self->corr_id || reply->corr_id == 0)
            return s_check_reply(self, request, reply, rc);
        hms_msg_reset(reply);
    }
}

const char *hms_client_error(hms_client_t *self)
{
    assert(self);
    return self->error;
}
