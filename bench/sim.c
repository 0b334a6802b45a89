/*  sim: what the benches' simulated managers share.  */

#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hms_container_t *sim_content(int count)
{
    hms_container_t *content = calloc((size_t)count, sizeof *content);
    for (int i = 0; content && i < count; i++) {
        hms_container_t *c = &content[i];
        snprintf(c->id, sizeof c->id, "%064x", i * 2654435761u);
        snprintf(c->name, sizeof c->name, "service-%03d", i);
        snprintf(c->image, sizeof c->image, "registry.example.com/team/service-%d:1.%d", i % 7,
                 i % 13);
        snprintf(c->ip, sizeof c->ip, "172.17.%d.%d", i / 250, i % 250 + 2);
        c->status = HMS_STATUS_ACTIVE;
        snprintf(c->state, sizeof c->state, "running");
        c->loss = (double)(i % 3) * 5;
        c->rtt_ms = 0.05 + (i % 10) / 100.0;
        c->restarts = (uint64_t)(i % 4);
        c->since_ms = 1795000000000ull + (uint64_t)i;
    }
    return content;
}

void sim_send(zsock_t *sock, const hms_msg_t *msg, const char *topic, zframe_t *identity)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    hms_msg_encode(msg, &buffer);
    if (topic)
        zstr_sendm(sock, topic);
    if (identity)
        zframe_send(&identity, sock, ZFRAME_MORE);
    zframe_t *body = zframe_new(buffer.data, buffer.size);
    zframe_send(&body, sock, 0);
    msgpack_sbuffer_destroy(&buffer);
}

void sim_answer(zsock_t *router, const hms_container_t *content, size_t count, const char *address,
                uint64_t update_seq)
{
    zmsg_t *message = zmsg_recv(router);
    zframe_t *identity = message ? zmsg_pop(message) : NULL;
    zframe_t *body = message ? zmsg_pop(message) : NULL;
    hms_msg_t request, reply;
    if (body && hms_msg_decode(&request, zframe_data(body), zframe_size(body)) == 0) {
        hms_msg_ok(&reply, HMS_MSG_GIVE_CONTENT, request.corr_id);
        snprintf(reply.content.address, sizeof reply.content.address, "%s", address);
        reply.content.update_seq = update_seq;
        reply.content.started_ms = SIM_STARTED_MS;
        reply.content.threshold = SIM_THRESHOLD;
        reply.content.content = (hms_container_t *)content;
        reply.content.count = count;
        sim_send(router, &reply, NULL, identity);
        identity = NULL;
        hms_msg_reset(&request);
    }
    zframe_destroy(&identity);
    zframe_destroy(&body);
    zmsg_destroy(&message);
}

uint64_t sim_digest(const hms_container_t *content, size_t count)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++)
        sum += hms_container_fingerprint(&content[i]);
    return hms_content_digest(sum, SIM_THRESHOLD);
}

void sim_publish(zsock_t *pub, uint64_t update_seq, uint64_t digest, bool notice)
{
    hms_msg_t msg;
    if (notice) {
        hms_msg_init(&msg, HMS_MSG_UPDATE);
        msg.update.update_seq = update_seq;
        msg.update.started_ms = SIM_STARTED_MS;
        msg.update.digest = digest;
        sim_send(pub, &msg, "update", NULL);
    }
    hms_msg_init(&msg, HMS_MSG_HB);
    msg.hb.update_seq = update_seq;
    msg.hb.digest = digest;
    msg.hb.interval_ms = 1000;
    sim_send(pub, &msg, "hb", NULL);
}

int sim_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void)loop;
    (void)arg;
    char *command = zstr_recv(pipe);
    int rc = command && strcmp(command, "$TERM") == 0 ? -1 : 0;
    zstr_free(&command);
    return rc;
}
