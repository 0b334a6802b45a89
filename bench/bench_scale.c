/*  bench_scale: one controller following a simulated fleet.

    Plays M managers of C containers over CURVE (sim_fleet: a heartbeat a
    second each, a change of one container every CHANGE_MS each, published
    as an HMS/2 delta, give_content answered from each manager's own table,
    every container's metrics every METRICS_MS), runs a real hms-controller
    following all of them (history off: what it costs is bench_ingest's),
    and prints one row:

    - the controller's CPU (% of a core) and resident memory over SECONDS
      once every container is shown, with no REST client;
    - update-to-REST visibility: TRACES changes, one at a time, each timed
      from just before the manager publishes it to the first answer of
      GET /containers/{address}/{id} that shows it (asked every 1 ms);
    - GET /containers (every host, every container) p50 and p99 over
      REQUESTS requests, and GET /healthz p50 and p99 over 1,000, one
      client, while the fleet keeps publishing.

    bench_scale CONTROLLER MANAGERS CONTAINERS [SECONDS] [TRACES] [REQUESTS]
                [CHANGE_MS] [METRICS_MS]

    All on loopback, on ports the kernel picks.
*/

#include "hms_log.h"
#include "sim.h"

#include <curl/curl.h>
#include <czmq.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

//  GET url on curl (kept alive between calls): the body (caller frees) or
//  NULL; *us the time it took.
static char *s_get(CURL *curl, const char *url, double *us)
{
    sim_body_t body = {NULL, 0};
    int64_t start = zclock_usecs();
    long status = sim_get(curl, url, 30000, &body);
    if (us)
        *us = (double)(zclock_usecs() - start);
    if (status != 200) {
        free(body.data);
        return NULL;
    }
    return body.data;
}

static json_t *s_get_json(CURL *curl, const char *url)
{
    char *text = s_get(curl, url, NULL);
    json_t *json = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return json;
}

//  Starts the controller following hosts with the client's key; returns
//  its pid, and its HTTP base URL in base (from its ready file).
static pid_t s_controller(const char *binary, const sim_keys_t *keys, const char *hosts, char *base,
                          size_t size)
{
    char ready[160], log[160];
    snprintf(ready, sizeof ready, "%s/controller.ready", keys->dir);
    snprintf(log, sizeof log, "%s/controller.log", keys->dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        execl(binary, binary, "--http-bind", "127.0.0.1", "--http-port", "0", "--router", "none",
              "--state-file", "", "--hosts", hosts, "--log-level", "warning", "--curve-secret",
              keys->client_secret, "--ready-file", ready, (char *)NULL);
        _exit(127);
    }
    *base = '\0';
    for (int i = 0; i < 600 && !*base; i++) {
        FILE *file = fopen(ready, "r");
        char line[256];
        while (file && fgets(line, sizeof line, file))
            if (strncmp(line, "http_port=", 10) == 0)
                snprintf(base, size, "http://127.0.0.1:%d", atoi(line + 10));
        if (file)
            fclose(file);
        if (!*base)
            zclock_sleep(50);
    }
    return pid;
}

//  Containers the controller shows: those of the hosts online whose table
//  it has (a snapshot taken, no update pending), from GET /healthz and
//  GET /stats.
static size_t s_shown(CURL *curl, const char *base, size_t containers)
{
    char url[128];
    snprintf(url, sizeof url, "%s/healthz", base);
    json_t *health = s_get_json(curl, url);
    size_t online = (size_t)json_integer_value(json_object_get(health, "online"));
    json_decref(health);
    snprintf(url, sizeof url, "%s/stats", base);
    json_t *stats = s_get_json(curl, url);
    size_t ready = 0, i;
    json_t *host;
    json_array_foreach(json_object_get(stats, "hosts"), i, host) ready +=
        json_integer_value(json_object_get(host, "snapshots")) > 0 &&
        !json_is_true(json_object_get(host, "pending"));
    json_decref(stats);
    return (ready < online ? ready : online) * containers;
}

static int s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

//  p50 and p99 of count values (sorted here), in ms.
static void s_percentiles(double *us, int count, double *p50, double *p99)
{
    qsort(us, (size_t)count, sizeof *us, s_compare);
    *p50 = us[count / 2] / 1000;
    *p99 = us[(int)((count - 1) * 0.99)] / 1000;
}

//  One traced change: from just before it is published to the first GET
//  that shows it. Returns the microseconds, or -1 when not seen in 10 s.
static double s_trace(zactor_t *fleet, CURL *curl, const char *base)
{
    zstr_send(fleet, "TRACE");
    char *address = NULL, *id = NULL, *restarts = NULL, *sent = NULL;
    zstr_recvx(fleet, &address, &id, NULL);
    restarts = zstr_recv(fleet);
    sent = zstr_recv(fleet);
    int64_t sent_us = atoll(sent), want = atoll(restarts), seen_us = -1;
    char url[512];
    snprintf(url, sizeof url, "%s/containers/%s/%s", base, address, id);
    while (seen_us < 0 && zclock_usecs() - sent_us < 10000000) {
        json_t *container = s_get_json(curl, url);
        if (json_integer_value(json_object_get(container, "restarts")) == want)
            seen_us = zclock_usecs();
        json_decref(container);
        if (seen_us < 0)
            zclock_sleep(1);
    }
    zstr_free(&address);
    zstr_free(&id);
    zstr_free(&restarts);
    zstr_free(&sent);
    return seen_us < 0 ? -1 : (double)(seen_us - sent_us);
}

//  requests GETs of path: p50 and p99 in ms, and the last body's size.
static int s_latency(CURL *curl, const char *base, const char *path, int requests, double *p50,
                     double *p99, size_t *bytes)
{
    double *us = calloc((size_t)requests, sizeof *us);
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    int rc = 0;
    for (int i = 0; us && i < requests && rc == 0; i++) {
        char *body = s_get(curl, url, &us[i]);
        rc = body ? 0 : -1;
        *bytes = body ? strlen(body) : 0;
        free(body);
    }
    if (us && rc == 0)
        s_percentiles(us, requests, p50, p99);
    free(us);
    return us ? rc : -1;
}

typedef struct {
    int managers, containers, seconds, traces, requests;
    uint64_t change_ms, metrics_ms;
} s_args_t;

//  Everything measured once the controller shows every container.
static int s_measure(const s_args_t *args, zactor_t *fleet, pid_t controller, const char *base)
{
    CURL *curl = curl_easy_init();
    long rss_kb;
    double cpu0 = sim_cpu(controller, &rss_kb);
    zstr_send(fleet, "STATS");
    char *text = zstr_recv(fleet);
    uint64_t changes0 = strtoull(text, NULL, 10);
    zstr_free(&text);
    int64_t start = zclock_mono();
    zclock_sleep(args->seconds * 1000);
    double elapsed = (double)(zclock_mono() - start) / 1000;
    double cpu = (sim_cpu(controller, &rss_kb) - cpu0) / elapsed * 100;
    zstr_send(fleet, "STATS");
    text = zstr_recv(fleet);
    double rate = (double)(strtoull(text, NULL, 10) - changes0) / elapsed;
    zstr_free(&text);

    double *seen = calloc((size_t)args->traces, sizeof *seen);
    int lost = 0;
    //  Changes come at any moment, not just after a publication: a random
    //  wait of up to 50 ms before each.
    for (int i = 0; seen && i < args->traces; i++) {
        zclock_sleep(rand() % 50);
        if ((seen[i] = s_trace(fleet, curl, base)) < 0)
            lost++;
    }
    double vis50 = 0, vis99 = 0, all50 = 0, all99 = 0, hz50 = 0, hz99 = 0;
    if (seen && !lost)
        s_percentiles(seen, args->traces, &vis50, &vis99);
    free(seen);
    size_t bytes = 0, hz_bytes = 0;
    int rc = lost ? 1 : 0;
    rc |= s_latency(curl, base, "/containers", args->requests, &all50, &all99, &bytes) ? 1 : 0;
    rc |= s_latency(curl, base, "/healthz", 1000, &hz50, &hz99, &hz_bytes) ? 1 : 0;
    curl_easy_cleanup(curl);
    if (lost)
        fprintf(stderr, "bench_scale: %d of %d changes never shown\n", lost, args->traces);
    printf("| %d | %d | %.1f | %.2f | %.1f | %.2f | %.2f | %.2f | %.2f | %.1f | %.3f | %.3f |\n",
           args->managers, args->managers * args->containers, rate, cpu, (double)rss_kb / 1024,
           vis50, vis99, all50, all99, (double)bytes / 1048576, hz50, hz99);
    fflush(stdout);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_scale CONTROLLER MANAGERS CONTAINERS [SECONDS] [TRACES] "
                        "[REQUESTS] [CHANGE_MS] [METRICS_MS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    hms_transport_raise_limits();
    hms_log_init("bench_scale", HMS_LOG_WARNING, false);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s_args_t args = {atoi(argv[2]),
                     atoi(argv[3]),
                     argc > 4 ? atoi(argv[4]) : 30,
                     argc > 5 ? atoi(argv[5]) : 200,
                     argc > 6 ? atoi(argv[6]) : 200,
                     argc > 7 ? strtoull(argv[7], NULL, 10) : 10000,
                     argc > 8 ? strtoull(argv[8], NULL, 10) : 10000};
    sim_keys_t keys;
    if (sim_keys_make(&keys) != 0)
        return 1;
    hms_transport_config_t config = {keys.manager_secret, keys.allow, false};
    sim_fleet_t fleet = {.managers = args.managers,
                         .containers = args.containers,
                         .change_ms = args.change_ms,
                         .metrics_ms = args.metrics_ms,
                         .transport = hms_transport_new(&config, true)};
    zactor_t *actor = sim_fleet_start(&fleet);
    char *hosts = sim_fleet_hosts(&fleet, keys.manager_public);
    char base[64];
    pid_t controller = s_controller(argv[1], &keys, hosts, base, sizeof base);
    size_t expected = (size_t)args.managers * (size_t)args.containers, shown = 0;
    CURL *curl = curl_easy_init();
    int64_t deadline = zclock_mono() + 300000;
    while (*base && (shown = s_shown(curl, base, (size_t)args.containers)) != expected &&
           zclock_mono() < deadline)
        zclock_sleep(250);
    curl_easy_cleanup(curl);
    int rc = 1;
    if (shown == expected)
        rc = s_measure(&args, actor, controller, base);
    else
        fprintf(stderr, "bench_scale: the controller shows %zu of %zu containers (log: %s)\n",
                shown, expected, keys.dir);
    kill(controller, SIGTERM);
    waitpid(controller, NULL, 0);
    zactor_destroy(&actor);
    hms_transport_destroy(&fleet.transport);
    sim_fleet_free(&fleet);
    free(hosts);
    if (rc == 0)
        sim_keys_remove(&keys);
    curl_global_cleanup();
    return rc;
}
