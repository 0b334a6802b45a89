/*  bench_curve: what CurveZMQ costs HMS, against plaintext in the same run.

    1. give_content round trip: a simulated manager answering give_content
       of C containers on two ROUTERs, one plaintext and one CURVE (with its
       ZAP handler); one DEALER client each; R requests on each, taken in
       turn, so that both see the same machine at the same moments.
    2. Controller CPU: two real hms-controllers run at once, one following
       M simulated managers in plaintext, the other the same M managers over
       CURVE; every second each manager publishes a heartbeat and one in ten
       an update notice (so each controller fetches 0.1 x M give_content a
       second). The CPU time of each controller over S seconds, once both
       show every container.

    bench_curve CONTROLLER [MANAGERS] [CONTAINERS] [REQUESTS] [SECONDS]

    All on loopback, on ports the kernel (or czmq) picks.
*/

#include "hms_log.h"
#include "hms_msg.h"
#include "hms_transport.h"
#include "sim.h"

#include <curl/curl.h>
#include <czmq.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    int managers, containers;
    hms_transport_t *plain, *curve; //  the managers' two transports
    zsock_t **pubs, **routers;      //  2 x managers: plaintext ones first
    uint64_t *update_seq;           //  per manager (both sets publish the same)
    hms_container_t *content;       //  the same table for every manager
    uint64_t digest;                //  its digest
} sim_t;

//  Every second: a heartbeat from every manager of both sets, and an update
//  notice from one manager in ten.
static int s_sim_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    sim_t *sim = arg;
    static int turn;
    for (int i = 0; i < sim->managers; i++) {
        bool notice = i % 10 == turn % 10;
        if (notice)
            sim->update_seq[i]++;
        for (int set = 0; set < 2; set++)
            sim_publish(sim->pubs[set * sim->managers + i], sim->update_seq[i], sim->digest,
                        notice);
    }
    turn++;
    return 0;
}

//  give_content on a simulated manager's ROUTER (the round-trip server's
//  answer as manager 0).
static int s_sim_router(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    sim_t *sim = arg;
    int i = 0;
    while (i < 2 * sim->managers && sim->routers[i] != router)
        i++;
    i = i < 2 * sim->managers ? i % sim->managers : 0;
    char address[32];
    snprintf(address, sizeof address, "m%d", i);
    sim_answer(router, sim->content, (size_t)sim->containers, address, sim->update_seq[i]);
    return 0;
}

//  The simulated managers, plaintext and CURVE, in their own thread. Sends
//  back the lower port of each, plaintext ones first.
static void s_sim_actor(zsock_t *pipe, void *arg)
{
    sim_t *sim = arg;
    zloop_t *loop = zloop_new();
    for (int i = 0; i < 2 * sim->managers; i++) {
        hms_transport_t *transport = i < sim->managers ? sim->plain : sim->curve;
        int port = hms_transport_bind_pair(transport, 0, ZMQ_PUB, "tcp://127.0.0.1:*", ZMQ_ROUTER,
                                           "", &sim->pubs[i], &sim->routers[i]);
        if (port < 0) {
            fprintf(stderr, "bench_curve: cannot bind simulated manager %d\n", i);
            exit(1);
        }
        zloop_reader(loop, sim->routers[i], s_sim_router, sim);
    }
    zloop_reader(loop, pipe, sim_pipe, NULL);
    zloop_timer(loop, 1000, 0, s_sim_tick, sim);
    zsock_signal(pipe, 0);
    for (int i = 0; i < 2 * sim->managers; i++) {
        const char *endpoint = zsock_endpoint(sim->pubs[i]);
        zstr_sendf(pipe, "%s", strrchr(endpoint, ':') + 1);
    }
    zloop_start(loop);
    zloop_destroy(&loop);
    for (int i = 0; i < 2 * sim->managers; i++) {
        zsock_destroy(&sim->pubs[i]);
        zsock_destroy(&sim->routers[i]);
    }
}

//  The round-trip server: one simulated manager's two ROUTERs, plaintext
//  and CURVE, alone in their thread (the many managers of part 2 would
//  make every wake-up poll hundreds of sockets). Sends back both ports.
static void s_echo_actor(zsock_t *pipe, void *arg)
{
    sim_t *sim = arg;
    zsock_t *routers[2];
    hms_transport_t *transports[2] = {sim->plain, sim->curve};
    for (int i = 0; i < 2; i++)
        routers[i] = hms_transport_bind(transports[i], ZMQ_ROUTER, "tcp://127.0.0.1:*");
    zsock_signal(pipe, 0);
    for (int i = 0; i < 2; i++)
        zstr_sendf(pipe, "%s", routers[i] ? strrchr(zsock_endpoint(routers[i]), ':') + 1 : "0");
    zpoller_t *poller = zpoller_new(pipe, routers[0], routers[1], NULL);
    while (true) {
        zsock_t *ready = zpoller_wait(poller, -1);
        if (!ready || ready == pipe)
            break;
        //  s_sim_router finds no index for these: it answers as manager 0.
        s_sim_router(NULL, ready, sim);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&routers[0]);
    zsock_destroy(&routers[1]);
}

static int s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void s_row(const char *label, double *us, int n)
{
    qsort(us, (size_t)n, sizeof *us, s_compare);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += us[i];
    printf("| %s | %d | %.1f | %.1f | %.1f |\n", label, n, us[n / 2], us[(int)(n * 0.99)], sum / n);
}

//  Bytes of the last request and reply s_round_trip saw.
static size_t s_request_bytes, s_reply_bytes;

//  One give_content round trip on client; returns µs.
static double s_round_trip(zsock_t *client, uint64_t corr_id)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GIVE_CONTENT);
    request.corr_id = corr_id;
    int64_t start = zclock_usecs();
    sim_send(client, &request, NULL, NULL);
    zframe_t *frame = zframe_recv(client);
    int64_t end = zclock_usecs();
    if (!frame || hms_msg_decode(&reply, zframe_data(frame), zframe_size(frame)) != 0 ||
        reply.corr_id != corr_id) {
        fprintf(stderr, "bench_curve: bad give_content answer\n");
        exit(1);
    }
    msgpack_sbuffer sent;
    msgpack_sbuffer_init(&sent);
    hms_msg_encode(&request, &sent);
    s_request_bytes = sent.size;
    s_reply_bytes = zframe_size(frame);
    msgpack_sbuffer_destroy(&sent);
    hms_msg_reset(&reply);
    zframe_destroy(&frame);
    return (double)(end - start);
}

//  The least CURVE can add to a round trip: libsodium's crypto_box (what
//  CurveZMQ seals each message with, after the handshake) sealing and
//  opening a request and a reply of these sizes, without libzmq. µs, the
//  median of rounds.
static double s_cipher_floor(size_t request, size_t reply, int rounds)
{
    unsigned char public[crypto_box_PUBLICKEYBYTES], secret[crypto_box_SECRETKEYBYTES];
    unsigned char shared[crypto_box_BEFORENMBYTES], nonce[crypto_box_NONCEBYTES] = {0};
    if (sodium_init() < 0)
        return NAN;
    crypto_box_keypair(public, secret);
    if (crypto_box_beforenm(shared, public, secret) != 0)
        return NAN;
    size_t largest = request > reply ? request : reply;
    unsigned char *plain = calloc(1, largest), *sealed = malloc(largest + crypto_box_MACBYTES);
    double *us = calloc((size_t)rounds, sizeof *us);
    for (int i = 0; i < rounds; i++) {
        int64_t start = zclock_usecs();
        const size_t sizes[2] = {request, reply};
        for (int m = 0; m < 2; m++) {
            nonce[0]++;
            crypto_box_easy_afternm(sealed, plain, sizes[m], nonce, shared);
            if (crypto_box_open_easy_afternm(plain, sealed, sizes[m] + crypto_box_MACBYTES, nonce,
                                             shared) != 0)
                return NAN;
        }
        us[i] = (double)(zclock_usecs() - start);
    }
    qsort(us, (size_t)rounds, sizeof *us, s_compare);
    double median = us[rounds / 2];
    free(us);
    free(plain);
    free(sealed);
    return median;
}

//  The number of containers the controller at port shows.
static size_t s_shown(int port)
{
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/containers", port);
    CURL *curl = curl_easy_init();
    sim_body_t body = {NULL, 0};
    long status = sim_get(curl, url, 5000, &body);
    curl_easy_cleanup(curl);
    size_t shown = 0;
    json_t *all = status == 200 && body.data ? json_loads(body.data, 0, NULL) : NULL;
    size_t i;
    json_t *host;
    json_array_foreach(json_object_get(all, "hosts"), i, host) shown +=
        json_array_size(json_object_get(host, "containers"));
    json_decref(all);
    free(body.data);
    return shown;
}

//  Starts a controller following hosts, with keys when secret is not NULL;
//  returns its pid and its HTTP port in *port.
static pid_t s_controller(const char *binary, const char *dir, const char *name, const char *hosts,
                          const char *secret, int *port)
{
    char ready[256], log[256];
    snprintf(ready, sizeof ready, "%s/%s.ready", dir, name);
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        if (secret)
            execl(binary, binary, "--http-bind", "127.0.0.1", "--http-port", "0", "--router",
                  "none", "--state-file", "", "--hosts", hosts, "--log-level", "warning",
                  "--curve-secret", secret, "--ready-file", ready, (char *)NULL);
        else
            execl(binary, binary, "--http-bind", "127.0.0.1", "--http-port", "0", "--router",
                  "none", "--state-file", "", "--hosts", hosts, "--log-level", "warning",
                  "--ready-file", ready, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !zsys_file_exists(ready); i++)
        zclock_sleep(50);
    FILE *file = fopen(ready, "r");
    char line[256];
    *port = 0;
    while (file && fgets(line, sizeof line, file))
        if (strncmp(line, "http_port=", 10) == 0)
            *port = atoi(line + 10);
    if (file)
        fclose(file);
    if (!*port) {
        fprintf(stderr, "bench_curve: controller %s did not start (see %s)\n", name, log);
        exit(1);
    }
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_curve CONTROLLER [MANAGERS] [CONTAINERS] [REQUESTS] "
                        "[SECONDS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    hms_transport_raise_limits();
    hms_log_init("bench_curve", HMS_LOG_WARNING, false);
    sim_t sim = {.managers = argc > 2 ? atoi(argv[2]) : 100,
                 .containers = argc > 3 ? atoi(argv[3]) : 100};
    int requests = argc > 4 ? atoi(argv[4]) : 2000;
    int seconds = argc > 5 ? atoi(argv[5]) : 20;

    //  Keys: the managers', and the clients' (the controller, this bench).
    char dir[] = "/tmp/hms-bench-curve-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char manager_key[300], client_key[300], allow[300], client_secret[320];
    snprintf(manager_key, sizeof manager_key, "%s/manager", dir);
    snprintf(client_key, sizeof client_key, "%s/client", dir);
    snprintf(client_secret, sizeof client_secret, "%s_secret", client_key);
    snprintf(allow, sizeof allow, "%s/allow", dir);
    mkdir(allow, 0700);
    zcert_t *manager_cert = zcert_new(), *client_cert = zcert_new();
    char allowed[320];
    snprintf(allowed, sizeof allowed, "%s/client", allow);
    if (zcert_save(manager_cert, manager_key) || zcert_save(client_cert, client_key) ||
        zcert_save_public(client_cert, allowed))
        return 1;
    char manager_public[41];
    snprintf(manager_public, sizeof manager_public, "%s", zcert_public_txt(manager_cert));
    char manager_secret[320];
    snprintf(manager_secret, sizeof manager_secret, "%s_secret", manager_key);
    hms_transport_config_t plain_config = {"", "", false};
    hms_transport_config_t curve_config = {manager_secret, allow, false};
    sim.plain = hms_transport_new(&plain_config, true);
    sim.curve = hms_transport_new(&curve_config, true);
    hms_transport_config_t client_config = {client_secret, "", false};
    hms_transport_t *client = hms_transport_new(&client_config, false);
    if (!sim.plain || !sim.curve || !client)
        return 1;
    sim.pubs = calloc((size_t)(2 * sim.managers), sizeof *sim.pubs);
    sim.routers = calloc((size_t)(2 * sim.managers), sizeof *sim.routers);
    sim.update_seq = calloc((size_t)sim.managers, sizeof *sim.update_seq);
    sim.content = sim_content(sim.containers);
    sim.digest = sim_digest(sim.content, (size_t)sim.containers);
    zactor_t *managers = zactor_new(s_sim_actor, &sim);
    int *ports = calloc((size_t)(2 * sim.managers), sizeof *ports);
    for (int i = 0; i < 2 * sim.managers; i++) {
        char *text = zstr_recv(managers);
        ports[i] = text ? atoi(text) : 0;
        zstr_free(&text);
    }

    //  1. give_content round trips, taken in turn, against a server alone
    //  in its thread.
    zactor_t *echo = zactor_new(s_echo_actor, &sim);
    int echo_ports[2];
    for (int i = 0; i < 2; i++) {
        char *text = zstr_recv(echo);
        echo_ports[i] = text ? atoi(text) : 0;
        zstr_free(&text);
    }
    zsock_t *plain_client = hms_transport_client(client, ZMQ_DEALER, NULL);
    zsock_t *curve_client = hms_transport_client(client, ZMQ_DEALER, manager_public);
    zsock_set_sndtimeo(plain_client, 5000);
    zsock_set_sndtimeo(curve_client, 5000);
    zsock_set_rcvtimeo(plain_client, 5000);
    zsock_set_rcvtimeo(curve_client, 5000);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", echo_ports[0]);
    hms_transport_connect(client, plain_client, endpoint);
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", echo_ports[1]);
    hms_transport_connect(client, curve_client, endpoint);
    double *plain_us = calloc((size_t)requests, sizeof *plain_us);
    double *curve_us = calloc((size_t)requests, sizeof *curve_us);
    for (int i = 0; i < 50; i++) { //  warm up: connections, handshakes, caches
        s_round_trip(plain_client, 1000000 + (uint64_t)i);
        s_round_trip(curve_client, 1000000 + (uint64_t)i);
    }
    for (int i = 0; i < requests; i++) {
        if (i % 2 == 0) {
            plain_us[i] = s_round_trip(plain_client, (uint64_t)i + 1);
            curve_us[i] = s_round_trip(curve_client, (uint64_t)i + 1);
        } else {
            curve_us[i] = s_round_trip(curve_client, (uint64_t)i + 1);
            plain_us[i] = s_round_trip(plain_client, (uint64_t)i + 1);
        }
    }
    printf("## give_content round trip\n\n%d containers a reply, %d requests on each "
           "transport, taken in turn, one DEALER each, on loopback.\n\n",
           sim.containers, requests);
    printf("| transport | requests | p50 µs | p99 µs | mean µs |\n|---|---|---|---|---|\n");
    s_row("plaintext", plain_us, requests);
    s_row("CURVE", curve_us, requests);
    double floor_us = s_cipher_floor(s_request_bytes, s_reply_bytes, requests);
    printf("\nCURVE / plaintext: p50 %.3f, p99 %.3f\n\n",
           curve_us[requests / 2] / plain_us[requests / 2],
           curve_us[(int)(requests * 0.99)] / plain_us[(int)(requests * 0.99)]);
    printf("The cipher alone (libsodium's crypto_box, without libzmq), sealing and opening the "
           "request (%zu bytes) and the reply (%zu bytes): %.1f µs a round trip, %.1f %% of the "
           "plaintext p50, of the %.1f µs CURVE adds.\n\n",
           s_request_bytes, s_reply_bytes, floor_us, 100 * floor_us / plain_us[requests / 2],
           curve_us[requests / 2] - plain_us[requests / 2]);
    zsock_destroy(&plain_client);
    zsock_destroy(&curve_client);
    zactor_destroy(&echo);

    //  2. Two controllers at once, one per transport.
    size_t size = (size_t)sim.managers * 64 + 1;
    char *plain_hosts = calloc(1, size), *curve_hosts = calloc(1, size);
    for (int i = 0; i < sim.managers; i++) {
        char entry[96];
        snprintf(entry, sizeof entry, "%s127.0.0.1:%d", i ? "," : "", ports[i]);
        strcat(plain_hosts, entry);
        snprintf(entry, sizeof entry, "%s127.0.0.1:%d@%s", i ? "," : "", ports[sim.managers + i],
                 manager_public);
        strcat(curve_hosts, entry);
    }
    int plain_port, curve_port;
    pid_t plain_pid = s_controller(argv[1], dir, "plain", plain_hosts, NULL, &plain_port);
    pid_t curve_pid = s_controller(argv[1], dir, "curve", curve_hosts, client_secret, &curve_port);
    size_t expected = (size_t)sim.managers * (size_t)sim.containers;
    int64_t deadline = zclock_mono() + 60000;
    while ((s_shown(plain_port) != expected || s_shown(curve_port) != expected) &&
           zclock_mono() < deadline)
        zclock_sleep(200);
    if (s_shown(plain_port) != expected || s_shown(curve_port) != expected) {
        fprintf(stderr, "bench_curve: the controllers do not show %zu containers\n", expected);
        return 1;
    }
    double plain0 = sim_cpu(plain_pid, NULL), curve0 = sim_cpu(curve_pid, NULL);
    int64_t start = zclock_mono();
    zclock_sleep(seconds * 1000);
    double elapsed = (double)(zclock_mono() - start) / 1000.0;
    double plain_cpu = (sim_cpu(plain_pid, NULL) - plain0) / elapsed * 100;
    double curve_cpu = (sim_cpu(curve_pid, NULL) - curve0) / elapsed * 100;
    printf("## Controller CPU\n\n%d simulated managers of %d containers followed by each of two "
           "controllers running at once, one in plaintext, one over CURVE; every second a "
           "heartbeat from each manager and an update notice from one in ten (%d give_content "
           "a second). CPU over %.0f s once both show all %zu containers:\n\n",
           sim.managers, sim.containers, sim.managers / 10, elapsed, expected);
    printf("| controller | CPU %% of a core |\n|---|---|\n| plaintext | %.2f |\n| CURVE | %.2f "
           "|\n\nCURVE / plaintext: %.3f\n",
           plain_cpu, curve_cpu, curve_cpu / plain_cpu);

    kill(plain_pid, SIGTERM);
    kill(curve_pid, SIGTERM);
    waitpid(plain_pid, NULL, 0);
    waitpid(curve_pid, NULL, 0);
    zactor_destroy(&managers);
    hms_transport_destroy(&client);
    hms_transport_destroy(&sim.plain);
    hms_transport_destroy(&sim.curve);
    zcert_destroy(&manager_cert);
    zcert_destroy(&client_cert);
    char command[400];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    if (system(command) != 0)
        fprintf(stderr, "bench_curve: %s not removed\n", dir);
    free(plain_hosts);
    free(curve_hosts);
    free(plain_us);
    free(curve_us);
    free(ports);
    free(sim.content);
    free(sim.pubs);
    free(sim.routers);
    free(sim.update_seq);
    return 0;
}
