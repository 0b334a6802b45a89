/*  test_forecast_live: early warning of memory exhaustion with real peers
    (label docker): a container leaking about 1 MiB a second under a
    256 MiB limit and one holding a steady 20 MiB, watched by a real
    manager and a real controller.

    - GET /forecasts lists the leak with the time left the leak's rate
      gives (within a quarter), and, asked for what runs out within an
      hour (?within=3600), not the steady one;
    - a forecast rule (time left under 15 minutes, at once: the built-in
      one waits a minute more) fires for the leak and not for the steady
      one;
    - a bad ?within= is a 400.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIMIT (256.0 * 1048576)
#define S_RATE  1048576.0 //  bytes a second, at most: a MiB, then a second's sleep

static struct {
    char dir[64];
    char base[64];
    char pub[64];
    char hosts[96];
    char *leak, *steady;
    pid_t manager, controller;
} s_env;

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-forecast-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    s_env.leak = harness_container("leak", "--memory 256m --shm-size 300m");
    s_env.steady = harness_container("steady", "--memory 256m");
    assert_int_equal(harness_sh("docker exec %s sh -c 'head -c 20971520 /dev/zero >/dev/shm/hold'",
                                s_env.steady),
                     0);
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'while :; do head -c 1048576 /dev/zero "
                                ">>/dev/shm/leak; sleep 1; done'",
                                s_env.leak),
                     0);
    char rules[128];
    snprintf(rules, sizeof rules, "%s/rules.json", s_env.dir);
    harness_write_file(rules,
                       "{\"rules\": [{\"name\": \"memory_soon\", \"metric\": \"memory_eta\", "
                       "\"op\": \"<\", \"threshold\": 900, \"clear\": 1200}]}");
    const char *const manager[] = {"--metrics-interval", "1000", "--rules", rules, NULL};
    s_env.manager = harness_manager(s_env.dir, manager, s_env.pub, s_env.hosts);
    s_env.controller = harness_controller(s_env.dir, s_env.hosts, NULL, s_env.base);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    harness_end(s_env.dir, (pid_t[]){s_env.controller, s_env.manager}, 2);
    free(s_env.leak);
    free(s_env.steady);
    return 0;
}

//  GET /forecasts[?within=...]: its containers (new reference), or NULL.
static json_t *s_forecasts(const char *query)
{
    char url[160], *body = NULL;
    snprintf(url, sizeof url, "%s/forecasts%s", s_env.base, query);
    json_t *list = NULL;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) == 200 && body) {
        json_t *json = json_loads(body, 0, NULL);
        list = json_incref(json_object_get(json, "containers"));
        json_decref(json);
    }
    free(body);
    return list;
}

//  The entry of container id in a list of forecasts (borrowed), or NULL.
static json_t *s_find(json_t *list, const char *id)
{
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry)
    {
        if (strcmp(json_string_value(json_object_get(entry, "id")), id) == 0)
            return entry;
    }
    return NULL;
}

//  Both containers have a forecast.
static bool s_both(void *arg)
{
    (void)arg;
    json_t *list = s_forecasts("");
    bool both = s_find(list, s_env.leak) && s_find(list, s_env.steady);
    json_decref(list);
    return both;
}

static void test_forecasts(void **state)
{
    (void)state;
    zsock_t *sub = zsock_new_sub(s_env.pub, "alert");
    assert_non_null(sub);
    //  A minute of 10-s steps before the first forecast.
    assert_true(harness_wait(s_both, NULL, 120000));
    json_t *list = s_forecasts("?within=3600");
    assert_non_null(list);
    assert_null(s_find(list, s_env.steady));
    json_t *memory = json_object_get(s_find(list, s_env.leak), "memory");
    assert_non_null(memory);
    double level = json_number_value(json_object_get(memory, "level"));
    double limit = json_number_value(json_object_get(memory, "limit"));
    double left = json_number_value(json_object_get(memory, "linear_s"));
    double truth = (S_LIMIT - level) / S_RATE;
    print_message("leak: %.0f MiB of %.0f, %.0f s left by the line (%.0f at 1 MiB/s)\n",
                  level / 1048576, limit / 1048576, left, truth);
    assert_true(limit == S_LIMIT);
    //  The leak is a little slower than 1 MiB/s (each MiB takes its write
    //  and a second): a little more time left.
    assert_true(left > 0.9 * truth && left < 1.25 * truth);
    json_decref(list);
    //  The steady one: listed, not growing towards its limit.
    list = s_forecasts("");
    json_t *steady = json_object_get(s_find(list, s_env.steady), "memory");
    assert_true(json_is_null(json_object_get(steady, "linear_s")) ||
                json_number_value(json_object_get(steady, "linear_s")) > 3600);
    json_decref(list);
    //  The rule fires for the leak, not for the steady one.
    bool fired = false;
    int64_t deadline = zclock_mono() + 30000;
    while (!fired && zclock_mono() < deadline) {
        hms_msg_t msg;
        if (harness_receive(sub, &msg, 1000) != 0)
            continue;
        if (msg.alert.state == HMS_ALERT_FIRING || msg.alert.state == HMS_ALERT_PENDING) {
            assert_string_equal(msg.alert.container, s_env.leak);
            fired = msg.alert.state == HMS_ALERT_FIRING;
        }
        hms_msg_reset(&msg);
    }
    zsock_destroy(&sub);
    assert_true(fired);
    //  A bad parameter.
    char url[160];
    snprintf(url, sizeof url, "%s/forecasts?within=soon", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, NULL, 2000), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forecasts),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
