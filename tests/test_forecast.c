/*  test_forecast: time left before a level reaches its limit (hms_forecast). */

#include "hms_forecast.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>

//  A leak of rate per second from start: steps of HMS_FORECAST_STEP_S.
static void s_leak(hms_forecast_t *f, double start, double rate, int steps)
{
    for (int i = 0; i < steps; i++)
        hms_forecast_add(f, start + rate * HMS_FORECAST_STEP_S * (f->count + 0.0));
}

static void test_not_enough(void **state)
{
    (void)state;
    hms_forecast_t f = {0};
    s_leak(&f, 0, 1, HMS_FORECAST_MIN_POINTS - 1);
    assert_true(isnan(hms_forecast_linear(&f, 1000)));
    assert_true(isnan(hms_forecast_holt(&f, 1000)));
    s_leak(&f, 0, 1, 1);
    assert_false(isnan(hms_forecast_linear(&f, 1000)));
}

//  A steady leak: the line gives the exact time left.
static void test_linear_leak(void **state)
{
    (void)state;
    hms_forecast_t f = {0};
    double mib = 1048576;
    s_leak(&f, 100 * mib, 2 * mib, 40); //  2 MiB/s, 400 s: last point at 100 + 780 MiB
    double left = hms_forecast_linear(&f, 2048 * mib);
    assert_float_equal(left, (2048 - 880) / 2.0, 0.01);
    //  Past the limit: nothing left.
    assert_float_equal(hms_forecast_linear(&f, 800 * mib), 0, 0);
}

//  Flat and falling levels never get there; noise about a level does not
//  make a trend.
static void test_never(void **state)
{
    (void)state;
    hms_forecast_t flat = {0}, falling = {0};
    for (int i = 0; i < 30; i++) {
        hms_forecast_add(&flat, 500 + (i % 2 ? 3 : -3));
        hms_forecast_add(&falling, 900 - 10 * i);
    }
    assert_true(hms_forecast_linear(&flat, 1000) > 1e5);
    assert_float_equal(hms_forecast_linear(&falling, 1000), HMS_FORECAST_NEVER, 0);
    assert_float_equal(hms_forecast_holt(&falling, 1000), HMS_FORECAST_NEVER, 0);
}

//  The damped trend: near the limit it agrees with the line; far from it,
//  the damped trend levels off before (never), where the line does not.
static void test_holt_damped(void **state)
{
    (void)state;
    hms_forecast_t f = {0};
    s_leak(&f, 0, 1, 60); //  1 unit/s: 10 a step
    //  Damped, the trend settles under the growth of a step: at
    //  beta * 10 / (1 - (1 - beta) * phi), 9.26.
    const double beta = HMS_FORECAST_BETA, phi = HMS_FORECAST_PHI;
    assert_float_equal(f.trend, beta * 10 / (1 - (1 - beta) * phi), 0.01);
    double level = f.level;
    //  It reaches at most trend * phi / (1 - phi), 454, more than the level.
    assert_float_equal(hms_forecast_holt(&f, level + 2000), HMS_FORECAST_NEVER, 0);
    assert_true(hms_forecast_linear(&f, level + 2000) < 2100);
    //  100 more: later than the line (damped), but it gets there.
    double holt = hms_forecast_holt(&f, level + 100);
    double line = hms_forecast_linear(&f, level + 100);
    printf("100 more: %.1f s by the line, %.1f s by the damped trend\n", line, holt);
    assert_true(holt > line && holt < 2 * line + 60);
    hms_forecast_reset(&f);
    assert_int_equal(f.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_enough),
        cmocka_unit_test(test_linear_leak),
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_holt_damped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
