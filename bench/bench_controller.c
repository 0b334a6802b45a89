/*  bench_controller: the controller under 100 managers x 100 containers.

    Simulates M managers speaking HMS/1 on loopback (PUB heartbeats every
    second, update notices, give_content answers of C containers each),
    starts a real hms-controller following them, and measures GET
    /containers: latency percentiles with one client and with several,
    against a reference in the same run: a bare ulfius server answering
    the very same bytes from memory (what HTTP alone costs). Also compares
    the size of a give_content answer in msgpack with the same data in JSON.

    bench_controller CONTROLLER_BINARY [MANAGERS] [CONTAINERS] [REQUESTS]
*/

#include "hms_log.h"
#include "hms_msg.h"
#include "sim.h"

#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ulfius.h>
#include <unistd.h>

#define HTTP_PORT 21990
#define REF_PORT  21991
#define CLIENTS   4

//  HTTP.

typedef struct {
    const char *url;
    int requests;
    double *latencies; //  ms
    size_t bytes;
} client_t;

static void *s_client(void *arg)
{
    client_t *client = arg;
    CURL *curl = curl_easy_init();
    sim_body_t body = {NULL, 0};
    for (int i = 0; i < client->requests; i++) {
        int64_t start = zclock_usecs();
        if (sim_get(curl, client->url, 0, &body) != 200) {
            fprintf(stderr, "bench_controller: GET %s failed\n", client->url);
            exit(1);
        }
        client->latencies[i] = (double)(zclock_usecs() - start) / 1000.0;
        client->bytes = body.size;
    }
    free(body.data);
    curl_easy_cleanup(curl);
    return NULL;
}

static int s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

//  Runs `clients` clients of `requests` each against url; prints a row.
static void s_measure(const char *label, const char *url, int clients, int requests)
{
    pthread_t threads[CLIENTS];
    client_t state[CLIENTS];
    double *all = calloc((size_t)(clients * requests), sizeof *all);
    for (int c = 0; c < clients; c++) {
        state[c] = (client_t){url, requests, all + c * requests, 0};
        pthread_create(&threads[c], NULL, s_client, &state[c]);
    }
    for (int c = 0; c < clients; c++)
        pthread_join(threads[c], NULL);
    size_t n = (size_t)(clients * requests);
    qsort(all, n, sizeof *all, s_compare);
    printf("| %s | %d | %zu | %.2f | %.2f | %.2f | %.0f KB |\n", label, clients, n, all[n / 2],
           all[(size_t)(n * 0.99)], all[n - 1], state[0].bytes / 1024.0);
    free(all);
}

//  The reference: ulfius answering a fixed buffer.
static sim_body_t s_reference_body;

static int s_reference(const struct _u_request *request, struct _u_response *response, void *arg)
{
    (void)request;
    (void)arg;
    ulfius_set_binary_body_response(response, 200, s_reference_body.data, s_reference_body.size);
    u_map_put(response->map_header, "Content-Type", "application/json");
    return U_CALLBACK_COMPLETE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_controller CONTROLLER [MANAGERS] [CONTAINERS] [REQUESTS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    hms_transport_raise_limits(); //  2 sockets per simulated manager
    sim_fleet_t sim = {.managers = argc > 2 ? atoi(argv[2]) : 100,
                       .containers = argc > 3 ? atoi(argv[3]) : 100,
                       .base_port = 0};
    int requests = argc > 4 ? atoi(argv[4]) : 1000;
    hms_log_init("bench", HMS_LOG_WARNING, false);
    zactor_t *managers = sim_fleet_start(&sim);

    //  The controller, following every simulated manager.
    char *hosts = sim_fleet_hosts(&sim, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", HTTP_PORT);
    pid_t controller = fork();
    if (controller == 0) {
        execl(argv[1], argv[1], "--http-bind", "127.0.0.1", "--http-port", port, "--router", "none",
              "--state-file", "", "--hosts", hosts, "--log-level", "warning", (char *)NULL);
        _exit(127);
    }

    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/containers", HTTP_PORT);
    CURL *curl = curl_easy_init();
    sim_body_t body = {NULL, 0};
    int64_t deadline = zclock_mono() + 60000;
    size_t expected = (size_t)sim.managers * (size_t)sim.containers, seen = 0;
    while (zclock_mono() < deadline) {
        if (sim_get(curl, url, 0, &body) == 200) {
            json_t *all = json_loads(body.data, 0, NULL);
            json_t *list = json_object_get(all, "hosts");
            seen = 0;
            size_t i;
            json_t *host;
            json_array_foreach(list, i, host) seen +=
                json_array_size(json_object_get(host, "containers"));
            json_decref(all);
            if (seen == expected)
                break;
        }
        zclock_sleep(200);
    }
    if (seen != expected) {
        fprintf(stderr, "bench_controller: the controller shows %zu of %zu containers\n", seen,
                expected);
        kill(controller, SIGTERM);
        return 1;
    }
    s_reference_body.data = malloc(body.size);
    memcpy(s_reference_body.data, body.data, body.size);
    s_reference_body.size = body.size;
    free(body.data);
    curl_easy_cleanup(curl);

    struct _u_instance reference;
    ulfius_init_instance(&reference, REF_PORT, NULL, NULL);
    ulfius_add_endpoint_by_val(&reference, "GET", NULL, "/containers", 0, s_reference, NULL);
    ulfius_start_framework(&reference);
    char reference_url[128];
    snprintf(reference_url, sizeof reference_url, "http://127.0.0.1:%d/containers", REF_PORT);

    printf("GET /containers with %d managers x %d containers (%zu containers), %d requests per "
           "client; the controller keeps fetching give_content from %d managers a second.\n\n",
           sim.managers, sim.containers, expected, requests, sim.managers / 10);
    printf("| server | clients | requests | p50 ms | p99 ms | max ms | body |\n");
    printf("|---|---|---|---|---|---|---|\n");
    s_measure("hms-controller", url, 1, requests);
    s_measure("reference: bare ulfius, same bytes from memory", reference_url, 1, requests);
    s_measure("hms-controller", url, CLIENTS, requests / CLIENTS);
    s_measure("reference: bare ulfius, same bytes from memory", reference_url, CLIENTS,
              requests / CLIENTS);

    //  give_content of one manager: msgpack against the same data in JSON.
    hms_msg_t reply;
    hms_msg_ok(&reply, HMS_MSG_GIVE_CONTENT, 1);
    sim_fleet_address(&sim, 0, reply.content.address, sizeof reply.content.address);
    reply.content.threshold = 50;
    reply.content.update_seq = 1;
    reply.content.content = sim.content;
    reply.content.count = (size_t)sim.containers;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    hms_msg_encode(&reply, &buffer);
    json_t *containers = json_array();
    for (int i = 0; i < sim.containers; i++) {
        const hms_container_t *c = &sim.content[i];
        json_t *entry = json_pack("{s:s, s:s, s:s}", "id", c->id, "name", c->name, "status",
                                  hms_status_name(c->status));
        if (c->status != HMS_STATUS_IGNORED) {
            json_object_set_new(entry, "image", json_string(c->image));
            json_object_set_new(entry, "ip", json_string(c->ip));
            json_object_set_new(entry, "state", json_string(c->state));
            json_object_set_new(entry, "loss", json_real(c->loss));
            json_object_set_new(entry, "rtt_ms", json_real(c->rtt_ms));
            json_object_set_new(entry, "restarts", json_integer((json_int_t)c->restarts));
            json_object_set_new(entry, "since_ms", json_integer((json_int_t)c->since_ms));
        }
        json_array_append_new(containers, entry);
    }
    json_t *same = json_pack("{s:i, s:s, s:i, s:s, s:s, s:i, s:f, s:o}", "v", 1, "command", "ok",
                             "corr_id", 1, "re", "give_content", "address", reply.content.address,
                             "update_seq", 1, "threshold", 50.0, "content", containers);
    char *json = json_dumps(same, JSON_COMPACT);
    printf("\ngive_content of %d containers (the same keys and values): msgpack %zu bytes, "
           "compact JSON %zu bytes: msgpack is %.0f %% of JSON (budget: at most 60 %%).\n",
           sim.containers, buffer.size, strlen(json), 100.0 * (double)buffer.size / strlen(json));
    free(json);
    json_decref(same);
    msgpack_sbuffer_destroy(&buffer);

    ulfius_stop_framework(&reference);
    ulfius_clean_instance(&reference);
    kill(controller, SIGTERM);
    waitpid(controller, NULL, 0);
    zactor_destroy(&managers);
    free(s_reference_body.data);
    free(hosts);
    sim_fleet_free(&sim);
    return 0;
}
