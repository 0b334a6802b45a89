/*  bench_ingest: what following the managers' metrics costs the controller.

    Simulates M managers of C containers each (sim_fleet: heartbeats every
    second, update notices, give_content answers) and runs a real
    hms-controller following them, with its history in a temporary file,
    twice: once with the managers publishing no metrics (the reference: the
    control plane alone), once with every container's metrics published
    every INTERVAL ms (24 containers a message, as managers do). Prints the
    controller's CPU (ms per second, from /proc), its resident memory, the
    metrics messages it took per second and the history file's size.

    Given a VictoriaMetrics binary, a third run pushes the same metrics to
    a VictoriaMetrics of its own (a temporary data directory, a port of
    127.0.0.1 it picks) with --vm-url, and prints the samples pushed per
    second, the samples dropped and VictoriaMetrics' own CPU and memory.
    Each run measures after one metrics interval, once every series
    exists (and VictoriaMetrics has taken them): the steady state.

    bench_ingest CONTROLLER [MANAGERS] [CONTAINERS] [SECONDS] [INTERVAL_MS] [VICTORIA_METRICS]
*/

#include "hms_log.h"
#include "sim.h"

#include <curl/curl.h>
#include <czmq.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

//  GET url as JSON, or NULL.
static json_t *s_get(const char *url)
{
    CURL *curl = curl_easy_init();
    sim_body_t body = {NULL, 0};
    json_t *json =
        sim_get(curl, url, 5000, &body) && body.data ? json_loads(body.data, 0, NULL) : NULL;
    curl_easy_cleanup(curl);
    free(body.data);
    return json;
}

static uint64_t s_metrics_msgs(const char *base)
{
    char url[128];
    snprintf(url, sizeof url, "%s/stats", base);
    json_t *stats = s_get(url);
    uint64_t msgs = 0;
    size_t i;
    json_t *host;
    json_array_foreach(json_object_get(stats, "hosts"), i, host) msgs +=
        (uint64_t)json_integer_value(json_object_get(host, "metrics_msgs"));
    json_decref(stats);
    return msgs;
}

//  The push's counter key in /stats (0 without a push).
static uint64_t s_pushed(const char *base, const char *key)
{
    char url[128];
    snprintf(url, sizeof url, "%s/stats", base);
    json_t *stats = s_get(url);
    uint64_t value = (uint64_t)json_integer_value(
        json_object_get(json_object_get(stats, "victoriametrics"), key));
    json_decref(stats);
    return value;
}

//  A VictoriaMetrics of the bench's own, its data in dir: its pid, its
//  base URL into url (64 bytes), or -1.
static pid_t s_victoria(const char *binary, const char *dir, char *url)
{
    char data[160], log[160], flag[200];
    snprintf(data, sizeof data, "%s/vm", dir);
    snprintf(log, sizeof log, "%s/vm.log", dir);
    snprintf(flag, sizeof flag, "-storageDataPath=%s", data);
    fflush(NULL); //  the child must not write what the parent buffered
    pid_t pid = fork();
    if (pid == 0) {
        FILE *out = freopen(log, "a", stdout);
        if (out && dup2(fileno(out), 2) >= 0)
            execl(binary, binary, flag, "-httpListenAddr=127.0.0.1:0", "-loggerLevel=ERROR",
                  (char *)NULL);
        _exit(127);
    }
    //  The port it bound, from the socket table; then its health.
    for (int64_t deadline = zclock_mono() + 30000; pid > 0 && zclock_mono() < deadline;) {
        char command[128], line[256] = "";
        snprintf(command, sizeof command, "ss -Htlnp | grep 'pid=%d,' | grep -o '127.0.0.1:[0-9]*'",
                 (int)pid);
        FILE *ss = popen(command, "r");
        if (ss && fgets(line, sizeof line, ss) && strchr(line, ':')) {
            snprintf(url, 64, "http://127.0.0.1:%d", atoi(strchr(line, ':') + 1));
            CURL *curl = curl_easy_init();
            char health[96];
            snprintf(health, sizeof health, "%s/health", url);
            long status = sim_get(curl, health, 1000, NULL);
            curl_easy_cleanup(curl);
            if (status == 200) {
                pclose(ss);
                return pid;
            }
        }
        if (ss)
            pclose(ss);
        zclock_sleep(100);
    }
    fprintf(stderr, "bench_ingest: VictoriaMetrics does not answer (see %s)\n", log);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return -1;
}

//  The rest of a row of the table: a run's figures over seconds, once the
//  fleet's first metrics are in (and pushed, with victoria).
static void s_measure(const char *base, const char *history, pid_t controller, pid_t victoria,
                      int seconds, uint64_t interval_ms)
{
    //  Past the first snapshots and the first metrics: every series
    //  exists (in the history, in VictoriaMetrics) before measuring.
    zclock_sleep(2000 + (int)interval_ms);
    //  And VictoriaMetrics has taken the first interval's burst, which
    //  creates every series (the costly part of its ingestion).
    for (int64_t until = zclock_mono() + 120000;
         victoria > 0 && s_pushed(base, "queued") > 0 && zclock_mono() < until;)
        zclock_sleep(200);
    long rss, vm_rss = 0;
    double t0, t1, v0 = 0, v1 = 0;
    uint64_t m0 = s_metrics_msgs(base), p0 = s_pushed(base, "pushed");
    t0 = sim_cpu(controller, &rss);
    if (victoria > 0)
        v0 = sim_cpu(victoria, &vm_rss);
    zclock_sleep(seconds * 1000);
    t1 = sim_cpu(controller, &rss);
    if (victoria > 0)
        v1 = sim_cpu(victoria, &vm_rss);
    uint64_t m1 = s_metrics_msgs(base), p1 = s_pushed(base, "pushed");
    struct stat db = {0}, wal = {0};
    stat(history, &db);
    char wal_path[160];
    snprintf(wal_path, sizeof wal_path, "%s-wal", history);
    stat(wal_path, &wal);
    printf("%.1f | %.1f | %.1f | %.2f | ", (t1 - t0) * 1000 / seconds, (double)rss / 1024,
           (double)(m1 - m0) / seconds, (double)(db.st_size + wal.st_size) / 1048576);
    if (victoria > 0)
        printf("%.0f | %" PRIu64 " | %.1f | %.1f |\n", (double)(p1 - p0) / seconds,
               s_pushed(base, "dropped"), (v1 - v0) * 1000 / seconds, (double)vm_rss / 1024);
    else
        printf("- | - | - | - |\n");
}

//  One run: the fleet with metrics every interval_ms (0: none) and a
//  controller, pushing to the VictoriaMetrics binary vm when not NULL;
//  prints a row of the table. Returns 0, or 1.
static int s_run(const char *controller_bin, int managers, int containers, int seconds,
                 uint64_t interval_ms, const char *vm)
{
    sim_fleet_t fleet = {
        .managers = managers, .containers = containers, .base_port = 0, .metrics_ms = interval_ms};
    zactor_t *actor = sim_fleet_start(&fleet);
    char dir[] = "/tmp/hms-ingest-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char history[128], ready[128], vm_url[64] = "";
    snprintf(history, sizeof history, "%s/history.db", dir);
    snprintf(ready, sizeof ready, "%s/ready", dir);
    char *hosts = sim_fleet_hosts(&fleet, NULL);
    pid_t victoria = vm ? s_victoria(vm, dir, vm_url) : 0;
    pid_t controller = victoria < 0 ? -1 : fork();
    if (controller == 0) {
        execl(controller_bin, controller_bin, "--http-bind", "127.0.0.1", "--http-port", "0",
              "--router", "none", "--state-file", "", "--history", history, "--hosts", hosts,
              "--ready-file", ready, "--log-level", "warning", "--vm-url", vm_url, (char *)NULL);
        _exit(127);
    }
    //  Its port from its ready file, then every manager online.
    char base[64] = "";
    int64_t deadline = zclock_mono() + (controller > 0 ? 60000 : 0);
    json_t *health = NULL;
    while (zclock_mono() < deadline) {
        FILE *file = *base ? NULL : fopen(ready, "r");
        char line[128];
        while (file && fgets(line, sizeof line, file))
            if (strncmp(line, "http_port=", 10) == 0)
                snprintf(base, sizeof base, "http://127.0.0.1:%d", atoi(line + 10));
        if (file)
            fclose(file);
        char url[128];
        snprintf(url, sizeof url, "%s/healthz", base);
        json_decref(health);
        health = *base ? s_get(url) : NULL;
        if (json_integer_value(json_object_get(health, "online")) == managers)
            break;
        zclock_sleep(200);
    }
    int rc = json_integer_value(json_object_get(health, "online")) == managers ? 0 : 1;
    json_decref(health);
    if (rc == 0) {
        printf("| %s | %d x %d | ",
               vm            ? "metrics every interval, pushed to VictoriaMetrics"
               : interval_ms ? "metrics every interval"
                             : "no metrics (reference)",
               managers, containers);
        s_measure(base, history, controller, victoria, seconds, interval_ms);
    } else
        fprintf(stderr, "bench_ingest: the controller does not follow the %d managers\n", managers);
    if (controller > 0) {
        kill(controller, SIGTERM);
        waitpid(controller, NULL, 0);
    }
    if (victoria > 0) {
        kill(victoria, SIGTERM);
        waitpid(victoria, NULL, 0);
    }
    zactor_destroy(&actor);
    sim_fleet_free(&fleet);
    free(hosts);
    char command[160];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    if (system(command) != 0)
        fprintf(stderr, "bench_ingest: cannot remove %s\n", dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ingest CONTROLLER [MANAGERS] [CONTAINERS] [SECONDS] "
                        "[INTERVAL_MS] [VICTORIA_METRICS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    hms_transport_raise_limits(); //  2 sockets per simulated manager
    int managers = argc > 2 ? atoi(argv[2]) : 100;
    int containers = argc > 3 ? atoi(argv[3]) : 100;
    int seconds = argc > 4 ? atoi(argv[4]) : 30;
    uint64_t interval = argc > 5 ? (uint64_t)atoll(argv[5]) : 10000;
    hms_log_init("bench", HMS_LOG_WARNING, false);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    printf("The controller following %d simulated managers of %d containers (%d containers), "
           "history on, over %d s; metrics every %llu ms.\n\n",
           managers, containers, managers * containers, seconds, (unsigned long long)interval);
    const char *vm = argc > 6 ? argv[6] : NULL;
    printf("| run | managers x containers | controller CPU, ms/s | resident, MB | metrics "
           "messages/s | history file, MB | samples pushed/s | samples dropped | "
           "VictoriaMetrics CPU, ms/s | VictoriaMetrics resident, MB |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n");
    int rc = s_run(argv[1], managers, containers, seconds, 0, NULL);
    rc |= s_run(argv[1], managers, containers, seconds, interval, NULL);
    if (vm)
        rc |= s_run(argv[1], managers, containers, seconds, interval, vm);
    curl_global_cleanup();
    return rc;
}
