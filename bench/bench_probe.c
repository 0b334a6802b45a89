/*  bench_probe: times probe rounds (hms_probe) against a list of IPv4 targets.

    Runs ROUNDS rounds one after the other (20 ms apart) and prints, per
    round, its wall time (hms_probe_round to done), loss and mean RTT, then a
    summary line that bench/probe.sh parses:

        summary targets=N rounds=R kind=raw p50_ms=.. max_ms=.. loss_pct=.. rtt_ms=..

    Needs root (raw ICMP socket) unless net.ipv4.ping_group_range allows
    datagram ICMP sockets.
*/
#include "hms_log.h"
#include "hms_probe.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    zloop_t *loop;                 //  runs everything
    hms_probe_t *probe;            //  under test
    hms_probe_target_t *targets;   //  the targets, reused by every round
    size_t count;                  //  number of targets
    hms_probe_settings_t settings; //  of every round
    int rounds;                    //  rounds to run
    int done;                      //  rounds finished
    double *times_ms;              //  wall time of each round
    int64_t started;               //  start of the current round (ns)
    uint64_t due, received;        //  echoes due and replies, over all rounds
    double rtt_sum;                //  sum of the RTTs of every reply (ms)
    bool quiet;                    //  no line per round
} bench_t;

static int64_t s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int s_stop(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)arg;
    return -1;
}

static void s_on_done(hms_probe_t *probe, hms_probe_target_t *targets, size_t count, void *arg);

static int s_start(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    bench_t *self = arg;
    self->started = s_now();
    if (hms_probe_round(self->probe, self->targets, self->count, &self->settings, s_on_done,
                        self) == -1) {
        fprintf(stderr, "bench_probe: cannot start a round\n");
        return -1;
    }
    return 0;
}

static void s_on_done(hms_probe_t *probe, hms_probe_target_t *targets, size_t count, void *arg)
{
    (void)probe;
    bench_t *self = arg;
    double ms = (s_now() - self->started) / 1e6;
    self->times_ms[self->done++] = ms;
    uint64_t sent = 0, received = 0;
    double rtt_sum = 0;
    for (size_t i = 0; i < count; i++) {
        sent += targets[i].sent;
        received += targets[i].received;
        if (targets[i].received)
            rtt_sum += targets[i].rtt_ms * targets[i].received;
    }
    uint64_t due = (uint64_t)count * self->settings.count;
    self->due += due;
    self->received += received;
    self->rtt_sum += rtt_sum;
    if (!self->quiet)
        printf("round %d: %.1f ms, loss %.2f %%, rtt %.3f ms (%zu targets, %llu sent, %llu "
               "received)\n",
               self->done, ms, due ? 100.0 * (due - received) / due : 0.0,
               received ? rtt_sum / received : NAN, count, (unsigned long long)sent,
               (unsigned long long)received);
    //  Next round (or the end) from a timer, 20 ms later: stragglers of this
    //  round, if any, arrive in between and are ignored.
    zloop_timer(self->loop, 20, 1, self->done < self->rounds ? s_start : s_stop, self);
}

static int s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

//  Adds one target; returns -1 when text is not an IPv4 address.
static int s_add(bench_t *self, const char *text, size_t *capacity)
{
    if (self->count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 64;
        self->targets = realloc(self->targets, *capacity * sizeof *self->targets);
        if (!self->targets)
            return -1;
    }
    hms_probe_target_t *target = &self->targets[self->count];
    memset(target, 0, sizeof *target);
    if (inet_pton(AF_INET, text, &target->addr) != 1) {
        fprintf(stderr, "bench_probe: not an IPv4 address: %s\n", text);
        return -1;
    }
    self->count++;
    return 0;
}

static int s_load(bench_t *self, const char *path, size_t *capacity)
{
    FILE *file = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!file) {
        perror(path);
        return -1;
    }
    char line[256];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, file)) {
        char *word = strtok(line, " \t\r\n");
        if (word && *word != '#')
            rc = s_add(self, word, capacity);
    }
    if (file != stdin)
        fclose(file);
    return rc;
}

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: bench_probe [OPTION]... [IP]...\n"
                 "Times hms_probe rounds against IPv4 targets (root: raw ICMP socket).\n\n"
                 "  -c, --count=N        echoes per target per round (default 20)\n"
                 "  -i, --interval=MS    time between two echoes to a target (default 10)\n"
                 "  -t, --timeout=MS     time to wait for each reply (default 100)\n"
                 "  -r, --rounds=N       rounds to run (default 10)\n"
                 "  -f, --file=FILE      read targets from FILE, one a line (- for stdin)\n"
                 "  -q, --quiet          print the summary only\n"
                 "  -h, --help           show this help\n");
}

static long s_number(const char *text, long min, long max)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "bench_probe: bad number: %s\n", text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    hms_log_init("bench_probe", HMS_LOG_WARNING, false);
    bench_t self = {.settings = HMS_PROBE_SETTINGS_DEFAULT, .rounds = 10};
    size_t capacity = 0;
    static const struct option options[] = {
        {"count", required_argument, NULL, 'c'},   {"interval", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'}, {"rounds", required_argument, NULL, 'r'},
        {"file", required_argument, NULL, 'f'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "c:i:t:r:f:qh", options, NULL)) != -1) {
        switch (option) {
        case 'c': self.settings.count = (uint32_t)s_number(optarg, 1, 1000); break;
        case 'i': self.settings.interval_ms = (uint32_t)s_number(optarg, 1, 60000); break;
        case 't': self.settings.timeout_ms = (uint32_t)s_number(optarg, 1, 60000); break;
        case 'r': self.rounds = (int)s_number(optarg, 1, 100000); break;
        case 'f':
            if (s_load(&self, optarg, &capacity))
                return 2;
            break;
        case 'q': self.quiet = true; break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    for (int i = optind; i < argc; i++)
        if (s_add(&self, argv[i], &capacity))
            return 2;
    if (self.count == 0) {
        s_usage(stderr);
        return 2;
    }
    self.times_ms = calloc((size_t)self.rounds, sizeof *self.times_ms);
    self.loop = zloop_new();
    self.probe = self.loop ? hms_probe_new(self.loop) : NULL;
    if (!self.times_ms || !self.probe)
        return 1;
    zloop_timer(self.loop, 0, 1, s_start, &self);
    zloop_start(self.loop);
    int rc = 0;
    if (self.done < self.rounds) {
        fprintf(stderr, "bench_probe: interrupted after %d rounds\n", self.done);
        rc = 1;
    }
    if (self.done > 0) {
        double max = 0;
        for (int i = 0; i < self.done; i++)
            max = fmax(max, self.times_ms[i]);
        qsort(self.times_ms, (size_t)self.done, sizeof *self.times_ms, s_compare);
        printf("summary targets=%zu rounds=%d count=%u interval_ms=%u timeout_ms=%u kind=%s "
               "p50_ms=%.1f max_ms=%.1f loss_pct=%.2f rtt_ms=%.3f\n",
               self.count, self.done, self.settings.count, self.settings.interval_ms,
               self.settings.timeout_ms, hms_probe_kind(self.probe),
               self.times_ms[(self.done - 1) / 2], max,
               100.0 * (double)(self.due - self.received) / (double)self.due,
               self.received ? self.rtt_sum / (double)self.received : NAN);
    }
    hms_probe_destroy(&self.probe);
    zloop_destroy(&self.loop);
    free(self.times_ms);
    free(self.targets);
    return rc;
}
