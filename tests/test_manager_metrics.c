/*  test_manager_metrics: a real hms-manager's resource metrics (label
    docker), against Docker's own figures.

    The manager watches this run's containers with metrics published every
    second. A container burning a CPU and one holding 40 MiB in /dev/shm:
    the metrics PUB names both with their readings and rollups, give_metrics
    returns their seconds, whose CPU and memory agree with
    `docker stats --no-stream` within 5 %; hmsctl metrics prints them; a bad
    query gets a clear error and the manager goes on.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    char dir[64];
    char pub[64], router[64], ready[128], log[128], label[64];
    pid_t pid;
    char *burn, *hold; //  container ids
} s_env;

static void s_ask(hms_msg_t *request, hms_msg_t *reply)
{
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    int rc = harness_request(&client, request, reply, 3000);
    harness_client_close(&client);
    if (rc != 0)
        fail_msg("no reply from the manager to %s", hms_msg_type_name(request->type));
}

//  The manager's seconds of container ref, from from_ms (0: all kept).
static void s_give_metrics(const char *ref, uint64_t from_ms, hms_msg_t *reply)
{
    hms_msg_t request;
    hms_msg_init(&request, HMS_MSG_GIVE_METRICS);
    snprintf(request.query.container, sizeof request.query.container, "%s", ref);
    request.query.from_ms = from_ms;
    s_ask(&request, reply);
}

//  The last second of a range with a value of series m (NAN: none).
static double s_last(const hms_msg_t *reply, hms_metric_t m)
{
    for (size_t i = reply->range.count; i > 0; i--)
        if (!isnan(reply->range.rows[i - 1].values[m]))
            return reply->range.rows[i - 1].values[m];
    return NAN;
}

typedef struct {
    const char *id;
    hms_metric_t metric;
    double at_least;
} want_t;

static bool s_measured(void *arg)
{
    want_t *want = arg;
    hms_msg_t reply;
    s_give_metrics(want->id, 0, &reply);
    bool ok = reply.type == HMS_MSG_OK && s_last(&reply, want->metric) >= want->at_least;
    hms_msg_reset(&reply);
    return ok;
}

static int s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double s_seconds_now(void)
{
    return (double)zclock_time() / 1000.0;
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-metrics-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.ready, sizeof s_env.ready, "%s/manager.ready", s_env.dir);
    snprintf(s_env.log, sizeof s_env.log, "%s/manager.log", s_env.dir);
    snprintf(s_env.label, sizeof s_env.label, "hms.test=%s", harness_tag());
    s_env.burn = harness_container("burn", "--memory 256m");
    s_env.hold = harness_container("hold", "--memory 256m --pids-limit 50");
    char *argv[] = {HMS_BINARY_DIR "/manager/hms-manager",
                    "--pub",
                    "tcp://127.0.0.1:*",
                    "--label",
                    s_env.label,
                    "--state-file",
                    "",
                    "--metrics-interval",
                    "1000",
                    "--log-level",
                    "info",
                    NULL};
    s_env.pid = harness_daemon(s_env.log, s_env.ready, argv, 10000);
    harness_ready_value(s_env.ready, "pub", s_env.pub, sizeof s_env.pub);
    harness_ready_value(s_env.ready, "router", s_env.router, sizeof s_env.router);
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'while :; do :; done'", s_env.burn), 0);
    assert_int_equal(
        harness_sh("docker exec -d %s sh -c 'head -c 41943040 /dev/zero >/dev/shm/hold'",
                   s_env.hold),
        0);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.pid > 0)
        harness_stop(s_env.pid, SIGTERM, 5000);
    harness_cleanup();
    harness_sh("rm -rf %s", s_env.dir);
    free(s_env.burn);
    free(s_env.hold);
    return 0;
}

//  The metrics PUB: each interval names both containers, with a reading
//  and rollups.
static void test_published(void **state)
{
    (void)state;
    zsock_t *sub = zsock_new_sub(s_env.pub, "metrics");
    assert_non_null(sub);
    bool seen_burn = false, seen_hold = false;
    uint64_t last_seq = 0;
    for (int i = 0; i < 10 && !(seen_burn && seen_hold); i++) {
        hms_msg_t msg;
        assert_int_equal(harness_receive(sub, &msg, 5000), 0);
        assert_int_equal(msg.type, HMS_MSG_METRICS);
        assert_true(msg.metrics.seq > last_seq);
        last_seq = msg.metrics.seq;
        assert_int_equal(msg.metrics.interval_ms, 1000);
        assert_int_equal(msg.metrics.t_ms % 1000, 0);
        for (size_t e = 0; e < msg.metrics.count; e++) {
            const hms_metrics_entry_t *entry = &msg.metrics.entries[e];
            assert_int_equal(entry->seconds, 1); //  one second an interval
            assert_true(entry->reading.have & HMS_READING_MEMORY);
            assert_int_equal(entry->reading.memory_limit, 256u << 20);
            if (strcmp(entry->id, s_env.hold) == 0) {
                seen_hold = true;
                assert_int_equal(entry->reading.pids_max, 50);
            }
            if (strcmp(entry->id, s_env.burn) == 0 && !isnan(entry->rollups[HMS_METRIC_CPU].mean))
                seen_burn = seen_burn || entry->rollups[HMS_METRIC_CPU].mean > 0.5;
        }
        hms_msg_reset(&msg);
    }
    assert_true(seen_burn);
    assert_true(seen_hold);
    zsock_destroy(&sub);
}

//  give_metrics: the CPU of the busy one and the memory of the other agree
//  with docker stats, over the span of its own measurement.
static void test_against_docker_stats(void **state)
{
    (void)state;
    want_t burning = {s_env.burn, HMS_METRIC_CPU, 0.5};
    want_t holding = {s_env.hold, HMS_METRIC_MEMORY, 40u << 20};
    assert_true(harness_wait(s_measured, &burning, 10000));
    assert_true(harness_wait(s_measured, &holding, 10000));
    double t0 = s_seconds_now();
    char *cpu =
        harness_sh_output("docker stats --no-stream --format '{{.CPUPerc}}' %s", s_env.burn);
    char *memory =
        harness_sh_output("docker stats --no-stream --format '{{.MemUsage}}' %s", s_env.hold);
    double t1 = s_seconds_now();
    assert_non_null(cpu);
    assert_non_null(memory);
    //  HMS: the median of the seconds docker stats was measuring (a second
    //  in which the machine was busy elsewhere is not the figure).
    hms_msg_t reply;
    s_give_metrics(s_env.burn, (uint64_t)(t0 * 1000) - 1000, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_string_equal(reply.range.container, s_env.burn);
    double values[16];
    size_t seconds = 0;
    char seen[256] = "";
    for (size_t i = 0; i < reply.range.count && seconds < 16; i++) {
        float second = reply.range.rows[i].values[HMS_METRIC_CPU];
        snprintf(seen + strlen(seen), sizeof seen - strlen(seen), " %.3f", second);
        if (!isnan(second))
            values[seconds++] = second;
    }
    print_message("HMS's seconds from %.3f:%s\n", (double)reply.range.start_ms / 1000, seen);
    hms_msg_reset(&reply);
    assert_true(seconds >= 1);
    qsort(values, seconds, sizeof *values, s_compare);
    double median =
        seconds % 2 ? values[seconds / 2] : (values[seconds / 2 - 1] + values[seconds / 2]) / 2;
    double hms_cpu = 100 * median, docker_cpu = strtod(cpu, NULL);
    s_give_metrics(s_env.hold, 0, &reply);
    double hms_memory = s_last(&reply, HMS_METRIC_MEMORY) / 1048576;
    hms_msg_reset(&reply);
    double docker_memory = strtod(memory, NULL); //  "40.9MiB / 256MiB"
    assert_non_null(strstr(memory, "MiB /"));
    print_message("over %.1f s: cpu hms %.1f %%, docker stats %.1f %%; memory hms %.1f MiB, "
                  "docker stats %.1f MiB\n",
                  t1 - t0, hms_cpu, docker_cpu, hms_memory, docker_memory);
    assert_true(docker_cpu > 50);
    assert_true(fabs(hms_cpu - docker_cpu) <= 0.05 * docker_cpu);
    assert_true(fabs(hms_memory - docker_memory) <= 0.05 * docker_memory);
    free(cpu);
    free(memory);
}

//  hmsctl metrics prints the seconds; a bad query is refused and the
//  manager answers on.
static void test_hmsctl_and_errors(void **state)
{
    (void)state;
    char *out = harness_sh_output(HMS_BINARY_DIR "/controller/hmsctl -e %s metrics %s-hold 5",
                                  s_env.router, harness_tag());
    assert_non_null(out);
    assert_non_null(strstr(out, "seconds kept"));
    assert_non_null(strstr(out, "MEMORY"));
    assert_non_null(strstr(out, "MiB"));
    free(out);
    out = harness_sh_output(HMS_BINARY_DIR "/controller/hmsctl --json -e %s metrics %.12s 3",
                            s_env.router, s_env.burn);
    assert_non_null(out);
    assert_non_null(strstr(out, "\"series\""));
    assert_non_null(strstr(out, "\"cpu\""));
    free(out);
    //  top: both containers, the busy one with its limit.
    out = harness_sh_output(HMS_BINARY_DIR "/controller/hmsctl -e %s top", s_env.router);
    assert_non_null(out);
    print_message("%s\n", out);
    assert_non_null(strstr(out, "MEM / LIMIT"));
    char line[128];
    snprintf(line, sizeof line, "%s-burn", harness_tag());
    const char *burn = strstr(out, line);
    assert_non_null(burn);
    assert_non_null(strstr(burn, "256.0MiB"));
    assert_non_null(strstr(out, "-hold"));
    free(out);
    out = harness_sh_output(HMS_BINARY_DIR "/controller/hmsctl --json -e %s top", s_env.router);
    assert_non_null(out);
    assert_non_null(strstr(out, "\"containers\""));
    assert_non_null(strstr(out, "\"memory_limit\""));
    free(out);
    assert_int_equal(harness_sh(HMS_BINARY_DIR
                                "/controller/hmsctl -e %s metrics nosuch 2>/dev/null",
                                s_env.router),
                     1);
    assert_int_equal(
        harness_sh(HMS_BINARY_DIR "/controller/hmsctl -e %s metrics x 0 2>/dev/null", s_env.router),
        2);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GIVE_METRICS);
    snprintf(request.query.container, sizeof request.query.container, "%s", s_env.hold);
    request.query.from_ms = 2000;
    request.query.to_ms = 1000;
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_ERROR);
    assert_int_equal(reply.error.code, HMS_CODE_BAD_REQUEST);
    hms_msg_reset(&reply);
    //  Nothing kept so long ago: no rows.
    hms_msg_init(&request, HMS_MSG_GIVE_METRICS);
    snprintf(request.query.container, sizeof request.query.container, "%s", s_env.hold);
    request.query.from_ms = 1000;
    request.query.to_ms = 2000;
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_int_equal(reply.range.count, 0);
    assert_int_equal(reply.range.start_ms, 0);
    hms_msg_reset(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published),
        cmocka_unit_test(test_against_docker_stats),
        cmocka_unit_test(test_hmsctl_and_errors),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
