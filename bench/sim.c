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

//  The table every manager gives: sim_content's, one container in 50 ignored.
static void s_fleet_content(sim_fleet_t *fleet)
{
    fleet->content = sim_content(fleet->containers);
    for (int i = 0; i < fleet->containers; i += 50) {
        hms_container_t *c = &fleet->content[i];
        c->status = HMS_STATUS_IGNORED;
        c->id[12] = '\0';
        c->image[0] = c->ip[0] = c->state[0] = '\0';
        c->loss = c->rtt_ms = NAN;
        c->restarts = c->since_ms = 0;
    }
    fleet->digest = sim_digest(fleet->content, (size_t)fleet->containers);
    fleet->entries = calloc((size_t)fleet->containers, sizeof *fleet->entries);
    for (int i = 0; i < fleet->containers; i++) {
        hms_metrics_entry_t *entry = &fleet->entries[i];
        snprintf(entry->id, sizeof entry->id, "%064x", i * 2654435761u);
        entry->seconds = 10;
        entry->reading.have = HMS_READING_CPU | HMS_READING_MEMORY | HMS_READING_PIDS |
                              HMS_READING_IO | HMS_READING_NET;
        entry->reading.cpu_usage_ns = 1000000000ull * (uint64_t)i;
        entry->reading.memory_working_set = 50u << 20;
        entry->reading.memory_limit = 256u << 20;
        entry->reading.pids_current = 7;
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            entry->rollups[m] = (hms_rollup_t){(float)(m + i % 7), (float)(m + i % 7) + 0.5f,
                                               (float)(m + i % 7) + 1.0f};
    }
}

void sim_fleet_address(const sim_fleet_t *fleet, int i, char *address, size_t size)
{
    snprintf(address, size, "127.0.0.1:%d", fleet->base_port + 2 * i);
}

char *sim_fleet_hosts(const sim_fleet_t *fleet)
{
    char *hosts = calloc(1, (size_t)fleet->managers * 24 + 1);
    for (int i = 0; hosts && i < fleet->managers; i++) {
        char address[32];
        sim_fleet_address(fleet, i, address, sizeof address);
        strcat(hosts, i ? "," : "");
        strcat(hosts, address);
    }
    return hosts;
}

//  Every second: a heartbeat from every manager, and an update notice from
//  one manager in ten, so that the controller keeps fetching.
static int s_fleet_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    sim_fleet_t *fleet = arg;
    for (int i = 0; i < fleet->managers; i++) {
        bool notice = i % 10 == fleet->turn % 10;
        if (notice)
            ++fleet->update_seq[i];
        sim_publish(fleet->pubs[i], fleet->update_seq[i], fleet->digest, notice);
    }
    fleet->turn++;
    return 0;
}

//  Every metrics_ms: each manager's containers' metrics.
static int s_fleet_metrics(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    sim_fleet_t *fleet = arg;
    uint64_t now = (uint64_t)zclock_time();
    for (int i = 0; i < fleet->managers; i++)
        for (int first = 0; first < fleet->containers; first += HMS_METRICS_ENTRIES_MAX) {
            hms_msg_t msg;
            hms_msg_init(&msg, HMS_MSG_METRICS);
            msg.metrics.seq = ++fleet->metrics_seq;
            msg.metrics.t_ms = now - now % 1000;
            msg.metrics.interval_ms = fleet->metrics_ms;
            msg.metrics.entries = &fleet->entries[first];
            int left = fleet->containers - first;
            msg.metrics.count =
                (size_t)(left < HMS_METRICS_ENTRIES_MAX ? left : HMS_METRICS_ENTRIES_MAX);
            sim_send(fleet->pubs[i], &msg, "metrics", NULL);
        }
    return 0;
}

static int s_fleet_router(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    sim_fleet_t *fleet = arg;
    int i = 0;
    while (i < fleet->managers && fleet->routers[i] != router)
        i++;
    char address[32];
    sim_fleet_address(fleet, i, address, sizeof address);
    sim_answer(router, fleet->content, (size_t)fleet->containers, address, fleet->update_seq[i]);
    return 0;
}

static void s_fleet_actor(zsock_t *pipe, void *arg)
{
    sim_fleet_t *fleet = arg;
    zloop_t *loop = zloop_new();
    for (int i = 0; i < fleet->managers; i++) {
        fleet->pubs[i] = zsock_new(ZMQ_PUB);
        fleet->routers[i] = zsock_new(ZMQ_ROUTER);
        int port = fleet->base_port + 2 * i;
        if (zsock_bind(fleet->pubs[i], "tcp://127.0.0.1:%d", port) < 0 ||
            zsock_bind(fleet->routers[i], "tcp://127.0.0.1:%d", port + 1) < 0) {
            fprintf(stderr, "sim: port %d or %d in use\n", port, port + 1);
            exit(1);
        }
        zloop_reader(loop, fleet->routers[i], s_fleet_router, fleet);
    }
    zloop_reader(loop, pipe, sim_pipe, NULL);
    zloop_timer(loop, 1000, 0, s_fleet_tick, fleet);
    if (fleet->metrics_ms)
        zloop_timer(loop, (size_t)fleet->metrics_ms, 0, s_fleet_metrics, fleet);
    zsock_signal(pipe, 0);
    zloop_start(loop);
    zloop_destroy(&loop);
    for (int i = 0; i < fleet->managers; i++) {
        zsock_destroy(&fleet->pubs[i]);
        zsock_destroy(&fleet->routers[i]);
    }
}

zactor_t *sim_fleet_start(sim_fleet_t *fleet)
{
    fleet->pubs = calloc((size_t)fleet->managers, sizeof *fleet->pubs);
    fleet->routers = calloc((size_t)fleet->managers, sizeof *fleet->routers);
    fleet->update_seq = calloc((size_t)fleet->managers, sizeof *fleet->update_seq);
    s_fleet_content(fleet);
    zsys_set_max_sockets(0); //  no limit: 2 sockets per simulated manager
    return zactor_new(s_fleet_actor, fleet);
}

void sim_fleet_free(sim_fleet_t *fleet)
{
    free(fleet->content);
    free(fleet->entries);
    free(fleet->pubs);
    free(fleet->routers);
    free(fleet->update_seq);
}
