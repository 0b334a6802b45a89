/*  test_metrics: the manager's per-second store (hms_metrics) and the
    series catalog (hms_metric): values derived from two readings, a new
    life of a container, gaps, counters that go back, rollups, ranges and
    the ring's window.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_metrics.h"

#include <math.h>
#include <string.h>

#define ID "aaaa0000bbbb1111cccc2222dddd3333eeee4444ffff5555aaaa6666bbbb7777"
#define T0 1796000000000ull //  a whole second, in ms

static hms_reading_t s_reading(uint64_t cpu_ns, uint64_t rx_bytes, uint64_t periods,
                               uint64_t throttled)
{
    hms_reading_t s = {0};
    s.have =
        HMS_READING_CPU | HMS_READING_MEMORY | HMS_READING_PIDS | HMS_READING_IO | HMS_READING_NET;
    s.cpu_usage_ns = cpu_ns;
    s.cpu_periods = periods;
    s.cpu_throttled_periods = throttled;
    s.memory_working_set = 50u << 20;
    s.memory_usage = 60u << 20;
    s.memory_limit = 128u << 20;
    s.pids_current = 7;
    s.pids_max = 100;
    s.net_rx_bytes = rx_bytes;
    return s;
}

static void test_catalog(void **state)
{
    (void)state;
    for (int m = 0; m < HMS_METRIC_COUNT; m++) {
        assert_true(*hms_metric_name(m));
        assert_true(*hms_metric_unit(m));
        assert_int_equal(hms_metric_from_name(hms_metric_name(m)), m);
    }
    assert_int_equal(hms_metric_from_name("cpu"), HMS_METRIC_CPU);
    assert_int_equal(hms_metric_from_name("CPU"), HMS_METRIC_COUNT);
    assert_int_equal(hms_metric_from_name(NULL), HMS_METRIC_COUNT);
    assert_string_equal(hms_metric_name(HMS_METRIC_COUNT), "");
}

static void test_derive(void **state)
{
    (void)state;
    assert_null(hms_metrics_new(0));
    assert_null(hms_metrics_new(HMS_METRICS_WINDOW_MAX + 1));
    hms_metrics_t *store = hms_metrics_new(60);
    assert_non_null(store);
    assert_null(hms_metrics_last(store, ID, NULL));
    //  The first reading: levels, no rates yet.
    hms_reading_t a = s_reading(5000000000ull, 1000, 100, 0);
    assert_int_equal(hms_metrics_record(store, ID, T0, &a, true, 0, 0.05), 0);
    //  One second later: half a CPU, 2,000 bytes/s in, 4 of 10 periods throttled.
    hms_reading_t b = s_reading(5500000000ull, 3000, 110, 4);
    assert_int_equal(hms_metrics_record(store, ID, T0 + 1000, &b, false, 10, 0.07), 0);
    //  A reading 50 ms later (a timer that fired twice) is dropped.
    hms_reading_t close = s_reading(5510000000ull, 3000, 110, 4);
    assert_int_equal(hms_metrics_record(store, ID, T0 + 1050, &close, false, 10, 0.07), 0);
    uint64_t at = 0;
    const hms_reading_t *last = hms_metrics_last(store, ID, &at);
    assert_non_null(last);
    assert_int_equal(at, T0 + 1000);
    assert_int_equal(last->cpu_usage_ns, 5500000000ull);
    float v[2 * HMS_METRIC_COUNT];
    uint64_t start = 0;
    assert_int_equal(hms_metrics_range(store, ID, T0, T0 + 1000, &start, v, 2), 2);
    assert_int_equal(start, T0);
    assert_true(isnan(v[HMS_METRIC_CPU]));
    assert_true(v[HMS_METRIC_MEMORY] == 50u << 20);
    assert_true(v[HMS_METRIC_MEMORY_LIMIT] == 128u << 20);
    assert_true(v[HMS_METRIC_PIDS] == 7);
    assert_true(v[HMS_METRIC_LOSS] == 0);
    const float *second = v + HMS_METRIC_COUNT;
    assert_true(fabsf(second[HMS_METRIC_CPU] - 0.5f) < 1e-6f);
    assert_true(second[HMS_METRIC_NET_RX] == 2000);
    assert_true(fabsf(second[HMS_METRIC_CPU_THROTTLED] - 0.4f) < 1e-6f);
    assert_true(second[HMS_METRIC_IO_READ] == 0);
    assert_true(second[HMS_METRIC_LOSS] == 10);
    assert_true(fabsf(second[HMS_METRIC_RTT] - 0.07f) < 1e-6f);
    //  A new life: its counters began again, no rate for its first second.
    hms_reading_t c = s_reading(100000000ull, 10, 0, 0);
    assert_int_equal(hms_metrics_record(store, ID, T0 + 2000, &c, true, NAN, NAN), 0);
    //  A counter that went back without a new life being known: no rate either.
    hms_reading_t d = s_reading(50000000ull, 20, 0, 0);
    assert_int_equal(hms_metrics_record(store, ID, T0 + 3000, &d, false, NAN, NAN), 0);
    //  Two seconds apart: rates per second all the same.
    hms_reading_t e = s_reading(450000000ull, 4020, 0, 0);
    assert_int_equal(hms_metrics_record(store, ID, T0 + 5000, &e, false, NAN, NAN), 0);
    //  20 s without a reading: a gap, no rate.
    hms_reading_t f = s_reading(950000000ull, 4020, 0, 0);
    assert_int_equal(hms_metrics_record(store, ID, T0 + 25000, &f, false, NAN, NAN), 0);
    float r[26 * HMS_METRIC_COUNT];
    assert_int_equal(hms_metrics_range(store, ID, T0, T0 + 25000, &start, r, 26), 26);
    assert_true(isnan(r[2 * HMS_METRIC_COUNT + HMS_METRIC_CPU]));
    assert_true(isnan(r[2 * HMS_METRIC_COUNT + HMS_METRIC_LOSS]));
    assert_true(isnan(r[3 * HMS_METRIC_COUNT + HMS_METRIC_CPU]));
    assert_true(isnan(r[4 * HMS_METRIC_COUNT + HMS_METRIC_MEMORY])); //  not read at T0 + 4 s
    assert_true(fabsf(r[5 * HMS_METRIC_COUNT + HMS_METRIC_CPU] - 0.2f) < 1e-6f);
    assert_true(r[5 * HMS_METRIC_COUNT + HMS_METRIC_NET_RX] == 2000);
    assert_true(isnan(r[25 * HMS_METRIC_COUNT + HMS_METRIC_CPU]));
    assert_true(r[25 * HMS_METRIC_COUNT + HMS_METRIC_MEMORY] == 50u << 20);
    //  Rollup of (T0, T0 + 5 s]: CPU 0.5 and 0.2; memory every second it was read.
    hms_rollup_t rollup[HMS_METRIC_COUNT];
    assert_int_equal(hms_metrics_rollup(store, ID, T0, T0 + 5000, rollup), 4);
    assert_true(fabsf(rollup[HMS_METRIC_CPU].min - 0.2f) < 1e-6f);
    assert_true(fabsf(rollup[HMS_METRIC_CPU].max - 0.5f) < 1e-6f);
    assert_true(fabsf(rollup[HMS_METRIC_CPU].mean - 0.35f) < 1e-6f);
    assert_true(rollup[HMS_METRIC_MEMORY].mean == 50u << 20);
    assert_true(rollup[HMS_METRIC_LOSS].mean == 10);
    //  Nothing in an interval: NAN, and no seconds.
    assert_int_equal(hms_metrics_rollup(store, ID, T0 + 6000, T0 + 20000, rollup), 0);
    assert_true(isnan(rollup[HMS_METRIC_MEMORY].mean));
    assert_int_equal(hms_metrics_rollup(store, "nosuch", T0, T0 + 5000, rollup), 0);
    assert_int_equal(hms_metrics_size(store), 1);
    hms_metrics_remove(store, ID);
    assert_int_equal(hms_metrics_size(store), 0);
    assert_null(hms_metrics_last(store, ID, NULL));
    assert_int_equal(hms_metrics_range(store, ID, T0, T0 + 25000, &start, r, 26), 0);
    hms_metrics_destroy(&store);
    assert_null(store);
    hms_metrics_destroy(&store);
}

//  A window of 4 s keeps the last 4 seconds only.
static void test_window(void **state)
{
    (void)state;
    hms_metrics_t *store = hms_metrics_new(4);
    assert_non_null(store);
    for (uint64_t i = 0; i < 10; i++) {
        hms_reading_t s = s_reading(i * 1000000000ull, 0, 0, 0);
        assert_int_equal(hms_metrics_record(store, ID, T0 + i * 1000, &s, i == 0, 0, 0), 0);
    }
    float v[10 * HMS_METRIC_COUNT];
    uint64_t start = 0;
    assert_int_equal(hms_metrics_range(store, ID, T0, T0 + 9000, &start, v, 10), 4);
    assert_int_equal(start, T0 + 6000);
    for (int i = 0; i < 4; i++)
        assert_true(v[i * HMS_METRIC_COUNT + HMS_METRIC_CPU] == 1);
    //  max caps the seconds returned.
    assert_int_equal(hms_metrics_range(store, ID, T0, T0 + 9000, &start, v, 2), 2);
    assert_int_equal(start, T0 + 6000);
    hms_rollup_t rollup[HMS_METRIC_COUNT];
    assert_int_equal(hms_metrics_rollup(store, ID, T0, T0 + 9000, rollup), 4);
    hms_metrics_destroy(&store);
}

//  A closed block gives back every second as the open block did, a series
//  that held one value all minute long is kept once, and the window ends
//  where it ends. Fifteen minutes of a container whose CPU and network
//  vary and whose memory steps every 100 s, with seconds left out.
static void test_blocks(void **state)
{
    (void)state;
    enum { SECONDS = 900, WINDOW = 600 };
    hms_metrics_t *store = hms_metrics_new(WINDOW);
    static float seen[SECONDS][HMS_METRIC_COUNT];
    static bool kept[SECONDS];
    uint64_t cpu = 0, rx = 0;
    uint32_t random = 12345;
    for (int i = 0; i < SECONDS; i++) {
        random = random * 1103515245u + 12345u;
        cpu += (random >> 8) % 1000000000u;
        rx += (random >> 4) % 5000u;
        kept[i] = i % 97 != 13;
        if (!kept[i])
            continue;
        hms_reading_t reading = s_reading(cpu, rx, 0, 0);
        reading.memory_working_set = (50u + (unsigned)i / 100) << 20;
        uint64_t now = T0 + (uint64_t)i * 1000;
        assert_int_equal(hms_metrics_record(store, ID, now, &reading, i == 0, 0, NAN), 0);
        uint64_t start = 0;
        //  Read back at once, from the open block.
        assert_int_equal(hms_metrics_range(store, ID, now, now, &start, seen[i], 1), 1);
        assert_int_equal(start, now);
    }
    static float all[SECONDS * HMS_METRIC_COUNT];
    uint64_t start = 0, last = T0 + (SECONDS - 1) * 1000ull;
    size_t count = hms_metrics_range(store, ID, T0, last, &start, all, SECONDS);
    //  The window: the last 600 seconds, whatever the blocks.
    assert_int_equal(start, last - (WINDOW - 1) * 1000ull);
    assert_int_equal(count, WINDOW);
    for (size_t k = 0; k < count; k++) {
        int i = SECONDS - WINDOW + (int)k;
        const float *v = all + k * HMS_METRIC_COUNT;
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            if (kept[i] ? memcmp(&v[m], &seen[i][m], sizeof v[m]) != 0 : !isnan(v[m]))
                fail_msg("second %d, series %s: %g, not %g", i, hms_metric_name(m), v[m],
                         kept[i] ? seen[i][m] : NAN);
    }
    //  Rollups read closed blocks as well.
    hms_rollup_t rollup[HMS_METRIC_COUNT];
    assert_int_equal(hms_metrics_rollup(store, ID, last - 200000, last, rollup), 198);
    assert_true(rollup[HMS_METRIC_MEMORY].min == 57u << 20);
    assert_true(rollup[HMS_METRIC_MEMORY].max == 58u << 20);
    //  CPU and network vary, memory and the rest hold still: less than
    //  half of a full ring of 600 s x 16 series.
    size_t full = (size_t)WINDOW * HMS_METRIC_COUNT * sizeof(float);
    size_t bytes = hms_metrics_bytes(store);
    print_message("store: %zu bytes, a full ring: %zu\n", bytes, full);
    assert_true(bytes < full / 2);
    hms_metrics_destroy(&store);

    //  An idle container costs little more than its open block.
    store = hms_metrics_new(WINDOW);
    for (int i = 0; i < SECONDS; i++) {
        hms_reading_t reading = s_reading(1000, 0, 0, 0);
        assert_int_equal(
            hms_metrics_record(store, ID, T0 + (uint64_t)i * 1000, &reading, i == 0, 0, 0.05), 0);
    }
    bytes = hms_metrics_bytes(store);
    print_message("idle: %zu bytes\n", bytes);
    assert_true(bytes < full / 6);
    hms_metrics_destroy(&store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_derive),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
