/*  test_cgroup: hms_cgroup on fixture trees (tests/fixtures): cgroup v2
    with limits, cgroup v1 as systemd mounts it (cpu,cpuacct) without
    limits, and the errors of a process or a tree that is not there. The
    live reader against Docker is in test_cgroup_live.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_cgroup.h"

#include <string.h>

#define FIXTURES HMS_SOURCE_DIR "/tests/fixtures"

static void test_v2(void **state)
{
    (void)state;
    char error[256] = "";
    hms_cgroup_t *cgroup = hms_cgroup_open(FIXTURES "/cgroup2/proc", FIXTURES "/cgroup2/sys", 4242,
                                           true, error, sizeof error);
    assert_non_null(cgroup);
    assert_int_equal(hms_cgroup_version(cgroup), 2);
    hms_reading_t s;
    assert_int_equal(hms_cgroup_read(cgroup, &s), 0);
    assert_int_equal(s.have, HMS_READING_CPU | HMS_READING_MEMORY | HMS_READING_PIDS |
                                 HMS_READING_IO | HMS_READING_NET);
    assert_int_equal(s.cpu_usage_ns, 8417243000ull);
    assert_int_equal(s.cpu_periods, 4210);
    assert_int_equal(s.cpu_throttled_periods, 1877);
    assert_int_equal(s.cpu_throttled_ns, 93841021000ull);
    assert_int_equal(s.cpu_quota_us, 50000);
    assert_int_equal(s.cpu_period_us, 100000);
    assert_int_equal(s.memory_usage, 73453568);
    assert_int_equal(s.memory_working_set, 73453568 - 12406784); //  minus inactive_file
    assert_int_equal(s.memory_rss, 52559872);
    assert_int_equal(s.memory_limit, 134217728);
    assert_int_equal(s.oom_kills, 2);
    assert_int_equal(s.pids_current, 37);
    assert_int_equal(s.pids_max, 100);
    assert_int_equal(s.pids_limit_hits, 5);
    assert_int_equal(s.io_read_bytes, 1048576 + 2097152);
    assert_int_equal(s.io_write_bytes, 4194304);
    assert_int_equal(s.io_reads, 48);
    assert_int_equal(s.io_writes, 64);
    //  eth0 and eth1, not lo.
    assert_int_equal(s.net_rx_bytes, 5308871 + 1000);
    assert_int_equal(s.net_rx_packets, 4021 + 10);
    assert_int_equal(s.net_rx_errors, 1);
    assert_int_equal(s.net_rx_dropped, 2);
    assert_int_equal(s.net_tx_bytes, 391402 + 500);
    assert_int_equal(s.net_tx_packets, 3017 + 5);
    assert_int_equal(s.net_tx_errors, 3);
    assert_int_equal(s.net_tx_dropped, 4);
    //  Read again: the same, from the files kept open.
    hms_reading_t again;
    assert_int_equal(hms_cgroup_read(cgroup, &again), 0);
    assert_memory_equal(&s, &again, sizeof s);
    hms_cgroup_destroy(&cgroup);
    assert_null(cgroup);
    hms_cgroup_destroy(&cgroup);
}

static void test_v1_joined(void **state)
{
    (void)state;
    char error[256] = "";
    hms_cgroup_t *cgroup = hms_cgroup_open(FIXTURES "/cgroup1/proc", FIXTURES "/cgroup1/sys", 77,
                                           false, error, sizeof error);
    assert_non_null(cgroup);
    assert_int_equal(hms_cgroup_version(cgroup), 1);
    hms_reading_t s;
    assert_int_equal(hms_cgroup_read(cgroup, &s), 0);
    //  No network asked for: none read.
    assert_int_equal(s.have,
                     HMS_READING_CPU | HMS_READING_MEMORY | HMS_READING_PIDS | HMS_READING_IO);
    assert_int_equal(s.cpu_usage_ns, 123456789012ull);
    assert_int_equal(s.cpu_quota_us, 0); //  -1: none
    assert_int_equal(s.cpu_period_us, 100000);
    assert_int_equal(s.memory_usage, 209715200);
    assert_int_equal(s.memory_working_set, 209715200 - 52428800); //  minus total_inactive_file
    assert_int_equal(s.memory_rss, 94371840);
    assert_int_equal(s.memory_limit, 0); //  v1's "unlimited"
    assert_int_equal(s.oom_kills, 1);
    assert_int_equal(s.pids_current, 3);
    assert_int_equal(s.pids_max, 0); //  "max"
    assert_int_equal(s.io_read_bytes, 4096 + 1024);
    assert_int_equal(s.io_write_bytes, 8192);
    assert_int_equal(s.io_reads, 2);
    assert_int_equal(s.io_writes, 2);
    assert_int_equal(s.net_rx_bytes, 0);
    hms_cgroup_destroy(&cgroup);
}

static void test_errors(void **state)
{
    (void)state;
    char error[256] = "";
    //  No such process.
    assert_null(hms_cgroup_open(FIXTURES "/cgroup2/proc", FIXTURES "/cgroup2/sys", 999, true, error,
                                sizeof error));
    assert_non_null(strstr(error, "999/cgroup"));
    //  A process whose cgroup files are not under that root.
    *error = 0;
    assert_null(hms_cgroup_open(FIXTURES "/cgroup2/proc", FIXTURES "/nowhere", 4242, true, error,
                                sizeof error));
    assert_non_null(strstr(error, "no cgroup files of process 4242"));
    //  The v2 process read as if its files were v1's: nothing found either.
    *error = 0;
    assert_null(hms_cgroup_open(FIXTURES "/cgroup2/proc", FIXTURES "/cgroup1/sys", 4242, true,
                                error, sizeof error));
    assert_true(*error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v1_joined),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
