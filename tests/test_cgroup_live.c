/*  test_cgroup_live: hms_cgroup against real containers (label docker).

    A container with limits: the reader finds the host's cgroup version,
    every group of counters, the limits Docker set, and the echoes sent to
    it. Under load (a busy loop, 40 MiB held in /dev/shm), its CPU and
    memory agree with `docker stats --no-stream` within 5 %. Once the
    container is gone, a read fails.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_cgroup.h"
#include "hms_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALL                                                                                        \
    (HMS_READING_CPU | HMS_READING_MEMORY | HMS_READING_PIDS | HMS_READING_IO | HMS_READING_NET)

static int s_pid(const char *id)
{
    char *text = harness_sh_output("docker inspect -f '{{.State.Pid}}' %s", id);
    int pid = text ? atoi(text) : 0;
    free(text);
    assert_true(pid > 0);
    return pid;
}

static hms_cgroup_t *s_open(const char *id)
{
    char error[256] = "";
    hms_cgroup_t *cgroup =
        hms_cgroup_open("/proc", "/sys/fs/cgroup", s_pid(id), true, error, sizeof error);
    if (!cgroup)
        fail_msg("hms_cgroup_open: %s", error);
    return cgroup;
}

static double s_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

//  A size as docker stats prints it ("41.2MiB", "1.5GiB", "512KiB", "12B").
static double s_bytes(const char *text)
{
    char *unit;
    double value = strtod(text, &unit);
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    for (int i = 0; i < 5; i++)
        if (strncmp(unit, units[i], strlen(units[i])) == 0 &&
            (unit[strlen(units[i])] == 0 || unit[strlen(units[i])] == ' '))
            return value * pow(1024, i);
    fail_msg("no size in \"%s\"", text);
    return 0;
}

static void test_limits_and_counters(void **state)
{
    (void)state;
    char *id = harness_container("limits", "--memory 96m --cpus 1.5 --pids-limit 64");
    hms_cgroup_t *cgroup = s_open(id);
    int expected = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? 2 : 1;
    assert_int_equal(hms_cgroup_version(cgroup), expected);
    hms_reading_t before, after;
    assert_int_equal(hms_cgroup_read(cgroup, &before), 0);
    assert_int_equal(before.have, ALL);
    assert_int_equal(before.memory_limit, 96u << 20);
    assert_int_equal(before.cpu_quota_us, 150000);
    assert_int_equal(before.cpu_period_us, 100000);
    assert_int_equal(before.pids_max, 64);
    assert_true(before.pids_current >= 1);
    assert_true(before.memory_usage > 0);
    assert_true(before.memory_working_set <= before.memory_usage);
    //  Five echoes in, five replies out, on its own interface.
    assert_int_equal(harness_sh("fping -q -c 5 -p 200 %s 2>/dev/null", harness_ip(id)), 0);
    assert_int_equal(hms_cgroup_read(cgroup, &after), 0);
    assert_true(after.net_rx_packets >= before.net_rx_packets + 5);
    assert_true(after.net_tx_packets >= before.net_tx_packets + 5);
    assert_true(after.net_rx_bytes >= before.net_rx_bytes + 5 * 84);
    assert_true(after.cpu_usage_ns >= before.cpu_usage_ns);
    //  Gone: its cgroup files read as errors.
    assert_int_equal(harness_sh("docker rm -f %s >/dev/null", id), 0);
    assert_int_equal(hms_cgroup_read(cgroup, &after), -1);
    hms_cgroup_destroy(&cgroup);
    free(id);
}

static bool s_holding(void *arg)
{
    hms_reading_t sample;
    return hms_cgroup_read(arg, &sample) == 0 && sample.memory_working_set >= (40u << 20) &&
           sample.pids_current >= 3;
}

static void test_against_docker_stats(void **state)
{
    (void)state;
    char *id = harness_container("load", "--memory 256m");
    hms_cgroup_t *cgroup = s_open(id);
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'while :; do :; done'", id), 0);
    assert_int_equal(
        harness_sh("docker exec -d %s sh -c 'head -c 41943040 /dev/zero >/dev/shm/hold'", id), 0);
    assert_true(harness_wait(s_holding, cgroup, 10000));
    //  HMS's CPU over the span of docker stats' own measurement.
    hms_reading_t s0, s1;
    assert_int_equal(hms_cgroup_read(cgroup, &s0), 0);
    double t0 = s_seconds();
    char *stats =
        harness_sh_output("docker stats --no-stream --format '{{.CPUPerc}} {{.MemUsage}}' %s", id);
    assert_int_equal(hms_cgroup_read(cgroup, &s1), 0);
    double t1 = s_seconds();
    assert_non_null(stats);
    double docker_cpu = strtod(stats, NULL);
    const char *usage = strchr(stats, ' ');
    assert_non_null(usage);
    double docker_memory = s_bytes(usage + 1);
    double hms_cpu = 100.0 * (double)(s1.cpu_usage_ns - s0.cpu_usage_ns) / ((t1 - t0) * 1e9);
    double hms_memory = (double)s1.memory_working_set;
    print_message("cpu: hms %.1f %%, docker stats %.1f %%; memory: hms %.1f MiB, docker stats "
                  "%.1f MiB\n",
                  hms_cpu, docker_cpu, hms_memory / 1048576, docker_memory / 1048576);
    //  A busy loop uses a whole CPU.
    assert_true(docker_cpu > 50);
    assert_true(fabs(hms_cpu - docker_cpu) <= 0.05 * docker_cpu);
    assert_true(fabs(hms_memory - docker_memory) <= 0.05 * docker_memory);
    free(stats);
    hms_cgroup_destroy(&cgroup);
    free(id);
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    harness_cleanup();
    return 0;
}

int main(void)
{
    hms_log_init("test_cgroup_live", HMS_LOG_WARNING, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_limits_and_counters, s_teardown),
        cmocka_unit_test_teardown(test_against_docker_stats, s_teardown),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
