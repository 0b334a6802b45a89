/*  sim: what the benches' simulated managers share.  */

#include "sim.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

//  Each manager's table: sim_content's, one container in 50 ignored; and
//  the metrics entries every manager publishes.
static void s_fleet_content(sim_fleet_t *fleet)
{
    size_t containers = (size_t)fleet->containers;
    hms_container_t *one = sim_content(fleet->containers);
    for (size_t i = 0; i < containers; i += 50) {
        hms_container_t *c = &one[i];
        c->status = HMS_STATUS_IGNORED;
        c->id[12] = '\0';
        c->image[0] = c->ip[0] = c->state[0] = '\0';
        c->loss = c->rtt_ms = NAN;
        c->restarts = c->since_ms = 0;
    }
    fleet->content = calloc((size_t)fleet->managers * containers, sizeof *fleet->content);
    uint64_t sum = 0;
    for (size_t i = 0; i < containers; i++)
        sum += hms_container_fingerprint(&one[i]);
    for (int m = 0; m < fleet->managers; m++) {
        memcpy(&fleet->content[(size_t)m * containers], one, containers * sizeof *one);
        fleet->sums[m] = sum;
    }
    free(one);
    fleet->entries = calloc(containers, sizeof *fleet->entries);
    for (size_t i = 0; i < containers; i++) {
        hms_metrics_entry_t *entry = &fleet->entries[i];
        snprintf(entry->id, sizeof entry->id, "%064zx", i * 2654435761u);
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
        for (int f = 0; f < HMS_FORECASTS; f++)
            entry->forecasts[f] = NAN;
    }
}

void sim_fleet_address(const sim_fleet_t *fleet, int i, char *address, size_t size)
{
    snprintf(address, size, "127.0.0.1:%d", fleet->ports[i]);
}

char *sim_fleet_hosts(const sim_fleet_t *fleet, const char *key)
{
    char *hosts = calloc(1, (size_t)fleet->managers * (24 + HMS_KEY_LENGTH) + 1);
    for (int i = 0; hosts && i < fleet->managers; i++) {
        char address[32];
        sim_fleet_address(fleet, i, address, sizeof address);
        strcat(hosts, i ? "," : "");
        strcat(hosts, address);
        if (key) {
            strcat(hosts, "@");
            strcat(hosts, key);
        }
    }
    return hosts;
}

static uint64_t s_digest(const sim_fleet_t *fleet, int i)
{
    return hms_content_digest(fleet->sums[i], SIM_THRESHOLD);
}

//  Changes one container of manager i (restarts set to a new value, the
//  loss moved) and publishes the change; returns the container.
static const hms_container_t *s_change(sim_fleet_t *fleet, int i, int index)
{
    hms_container_t *c = &fleet->content[(size_t)i * (size_t)fleet->containers + (size_t)index];
    if (c->status == HMS_STATUS_IGNORED) //  ignored ones do not change
        c = index + 1 < fleet->containers ? c + 1 : c - 1;
    fleet->sums[i] -= hms_container_fingerprint(c);
    c->restarts = ++fleet->restarts_next;
    c->loss = (double)(c->restarts % 21) * 5;
    c->since_ms = (uint64_t)zclock_time();
    fleet->sums[i] += hms_container_fingerprint(c);
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_UPDATE);
    msg.update.update_seq = ++fleet->update_seq[i];
    msg.update.started_ms = SIM_STARTED_MS;
    msg.update.digest = s_digest(fleet, i);
    msg.update.threshold = SIM_THRESHOLD;
    msg.update.changes = c;
    msg.update.count = 1;
    sim_send(fleet->pubs[i], &msg, "update", NULL);
    fleet->changes++;
    return c;
}

//  Manager i's metrics: every container's, 24 a message.
static void s_metrics(sim_fleet_t *fleet, int i)
{
    uint64_t now = (uint64_t)zclock_time();
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
}

//  Every 100 ms: a tenth of the managers send their heartbeat (with a
//  notice every 10 s when changes are off), those whose turn it is their
//  metrics, and the changes the rate owes are made, managers in turn.
static int s_fleet_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    sim_fleet_t *fleet = arg;
    uint64_t tick = fleet->tick++;
    uint64_t metrics_ticks = fleet->metrics_ms / 100 ? fleet->metrics_ms / 100 : 1;
    for (int i = (int)(tick % 10); i < fleet->managers; i += 10) {
        bool notice = !fleet->change_ms && (tick / 10 + (uint64_t)i / 10) % 10 == 0;
        if (notice)
            ++fleet->update_seq[i];
        sim_publish(fleet->pubs[i], fleet->update_seq[i], s_digest(fleet, i), notice);
    }
    for (int i = (int)(tick % metrics_ticks); fleet->metrics_ms && i < fleet->managers;
         i += (int)metrics_ticks)
        s_metrics(fleet, i);
    if (fleet->change_ms) {
        fleet->changes_due += (double)fleet->managers * 100.0 / (double)fleet->change_ms;
        for (; fleet->changes_due >= 1; fleet->changes_due -= 1) {
            uint64_t n = fleet->changes;
            s_change(fleet, (int)(n % (uint64_t)fleet->managers),
                     (int)((n / (uint64_t)fleet->managers * 7) % (uint64_t)fleet->containers));
        }
    }
    return 0;
}

static int s_fleet_router(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    sim_fleet_t *fleet = arg;
    //  The socket's own index: stored as its zsock_t's position.
    int i = 0;
    while (i < fleet->managers && fleet->routers[i] != router)
        i++;
    char address[32];
    sim_fleet_address(fleet, i, address, sizeof address);
    sim_answer(router, &fleet->content[(size_t)i * (size_t)fleet->containers],
               (size_t)fleet->containers, address, fleet->update_seq[i]);
    return 0;
}

//  TRACE and STATS (sim_fleet_start), $TERM.
static int s_fleet_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    sim_fleet_t *fleet = arg;
    char *command = zstr_recv(pipe);
    int rc = !command || strcmp(command, "$TERM") == 0 ? -1 : 0;
    if (command && strcmp(command, "TRACE") == 0) {
        static uint64_t traces;
        int i = (int)(traces * 7919 % (uint64_t)fleet->managers);
        int index = (int)(traces++ * 31 % (uint64_t)fleet->containers);
        char address[32];
        sim_fleet_address(fleet, i, address, sizeof address);
        int64_t sent_us = zclock_usecs(); //  the change is published right after
        const hms_container_t *c = s_change(fleet, i, index);
        zstr_sendx(pipe, address, c->id, NULL);
        zstr_sendf(pipe, "%" PRIu64, c->restarts);
        zstr_sendf(pipe, "%" PRId64, sent_us);
    } else if (command && strcmp(command, "STATS") == 0)
        zstr_sendf(pipe, "%" PRIu64, fleet->changes);
    zstr_free(&command);
    (void)loop;
    return rc;
}

static int s_fleet_bind(sim_fleet_t *fleet, int i)
{
    if (fleet->base_port) {
        char lower[64], upper[64];
        snprintf(lower, sizeof lower, "tcp://127.0.0.1:%d", fleet->base_port + 2 * i);
        snprintf(upper, sizeof upper, "tcp://127.0.0.1:%d", fleet->base_port + 2 * i + 1);
        return hms_transport_bind_pair(fleet->transport, 0, ZMQ_PUB, lower, ZMQ_ROUTER, upper,
                                       &fleet->pubs[i], &fleet->routers[i]);
    }
    return hms_transport_bind_pair(fleet->transport, 0, ZMQ_PUB, "tcp://127.0.0.1:*", ZMQ_ROUTER,
                                   "", &fleet->pubs[i], &fleet->routers[i]);
}

static void s_fleet_actor(zsock_t *pipe, void *arg)
{
    sim_fleet_t *fleet = arg;
    zloop_t *loop = zloop_new();
    for (int i = 0; i < fleet->managers; i++) {
        fleet->ports[i] = s_fleet_bind(fleet, i);
        if (fleet->ports[i] <= 0) {
            fprintf(stderr, "sim: cannot bind simulated manager %d\n", i);
            exit(1);
        }
        zloop_reader(loop, fleet->routers[i], s_fleet_router, fleet);
    }
    zloop_reader(loop, pipe, s_fleet_pipe, fleet);
    zloop_timer(loop, 100, 0, s_fleet_tick, fleet);
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
    size_t managers = (size_t)fleet->managers;
    fleet->pubs = calloc(managers, sizeof *fleet->pubs);
    fleet->routers = calloc(managers, sizeof *fleet->routers);
    fleet->ports = calloc(managers, sizeof *fleet->ports);
    fleet->update_seq = calloc(managers, sizeof *fleet->update_seq);
    fleet->sums = calloc(managers, sizeof *fleet->sums);
    s_fleet_content(fleet);
    if (!fleet->transport) {
        hms_transport_config_t plain = {"", "", false};
        fleet->transport = hms_transport_new(&plain, true);
        fleet->own_transport = true;
    }
    return zactor_new(s_fleet_actor, fleet);
}

void sim_fleet_free(sim_fleet_t *fleet)
{
    if (fleet->own_transport)
        hms_transport_destroy(&fleet->transport);
    free(fleet->content);
    free(fleet->entries);
    free(fleet->pubs);
    free(fleet->routers);
    free(fleet->ports);
    free(fleet->update_seq);
    free(fleet->sums);
}

int sim_keys_make(sim_keys_t *keys)
{
    memset(keys, 0, sizeof *keys);
    snprintf(keys->dir, sizeof keys->dir, "/tmp/hms-sim-keys-XXXXXX");
    if (!mkdtemp(keys->dir))
        return -1;
    char manager[96], client[96], allowed[160];
    snprintf(manager, sizeof manager, "%s/manager", keys->dir);
    snprintf(client, sizeof client, "%s/client", keys->dir);
    snprintf(keys->manager_secret, sizeof keys->manager_secret, "%s_secret", manager);
    snprintf(keys->client_secret, sizeof keys->client_secret, "%s_secret", client);
    snprintf(keys->allow, sizeof keys->allow, "%s/allow", keys->dir);
    snprintf(allowed, sizeof allowed, "%s/client", keys->allow);
    zcert_t *manager_cert = zcert_new(), *client_cert = zcert_new();
    int rc = mkdir(keys->allow, 0700) || zcert_save(manager_cert, manager) ||
                     zcert_save(client_cert, client) || zcert_save_public(client_cert, allowed)
                 ? -1
                 : 0;
    snprintf(keys->manager_public, sizeof keys->manager_public, "%s",
             zcert_public_txt(manager_cert));
    zcert_destroy(&manager_cert);
    zcert_destroy(&client_cert);
    return rc;
}

void sim_keys_remove(const sim_keys_t *keys)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", keys->dir);
    if (*keys->dir && system(command) != 0)
        fprintf(stderr, "sim: %s not removed\n", keys->dir);
}

double sim_cpu(pid_t pid, long *rss_kb)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "r");
    const char *after = file && fgets(text, sizeof text, file) ? strrchr(text, ')') : NULL;
    unsigned long utime = 0, stime = 0;
    bool read = after && sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                &utime, &stime) == 2;
    if (file)
        fclose(file);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    file = rss_kb ? fopen(path, "r") : NULL;
    if (rss_kb)
        *rss_kb = 0;
    while (file && fgets(text, sizeof text, file))
        if (sscanf(text, "VmRSS: %ld", rss_kb) == 1)
            break;
    if (file)
        fclose(file);
    return read ? (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK) : NAN;
}

size_t sim_collect(char *data, size_t size, size_t count, void *arg)
{
    sim_body_t *body = arg;
    size_t bytes = size * count;
    char *grown = realloc(body->data, body->size + bytes + 1);
    if (!grown)
        return 0;
    memcpy(grown + body->size, data, bytes);
    body->size += bytes;
    grown[body->size] = '\0';
    body->data = grown;
    return bytes;
}

static size_t s_drop(char *data, size_t size, size_t count, void *arg)
{
    (void)data;
    (void)arg;
    return size * count;
}

long sim_get(CURL *curl, const char *url, long timeout_ms, sim_body_t *body)
{
    if (body)
        body->size = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body ? sim_collect : s_drop);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}
