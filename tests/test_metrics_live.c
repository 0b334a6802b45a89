/*  test_metrics_live: the controller's /metrics with real peers (label
    docker): a manager publishing metrics every second, a controller
    following it, `promtool check metrics` on what it serves, and a real
    Prometheus (Debian's package) on loopback that scrapes the controller
    and answers a PromQL query with the container's series and its labels.
    Prometheus listens on a port the kernel picks; the test reads which
    from the socket table, never assuming a port is free.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    char dir[64];
    char base[64];       //  the controller's http://127.0.0.1:PORT
    char prometheus[64]; //  Prometheus' http://127.0.0.1:PORT
    char name[96];       //  the container's name
    char *id;
    char hosts[96];    //  --hosts of the controller: the manager
    char history[128]; //  the controller's history file
    pid_t manager, controller, server;
} s_env;

//  The controller, following the manager, with its history in the test's
//  directory; its base URL into s_env.base.
static void s_start_controller(void)
{
    const char *const extra[] = {"--history", s_env.history, NULL};
    s_env.controller = harness_controller(s_env.dir, s_env.hosts, extra, s_env.base);
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    if (harness_sh("command -v promtool >/dev/null && command -v prometheus >/dev/null") != 0)
        fail_msg("promtool and prometheus are missing: run scripts/setup (Debian package "
                 "prometheus)");
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-prom-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.name, sizeof s_env.name, "%s-mem", harness_tag());
    snprintf(s_env.history, sizeof s_env.history, "%s/history.db", s_env.dir);
    s_env.id = harness_container("mem", "--memory 128m");
    assert_int_equal(
        harness_sh("docker exec %s sh -c 'head -c 20971520 /dev/zero >/dev/shm/hold'", s_env.id),
        0);
    char pub[64];
    const char *const manager[] = {"--metrics-interval", "1000", NULL};
    s_env.manager = harness_manager(s_env.dir, manager, pub, s_env.hosts);
    s_start_controller();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    harness_end(s_env.dir, (pid_t[]){s_env.server, s_env.controller, s_env.manager}, 3);
    free(s_env.id);
    return 0;
}

//  The controller serves the container's working set.
static bool s_served(void *arg)
{
    (void)arg;
    char *body = NULL;
    char url[128];
    snprintf(url, sizeof url, "%s/metrics", s_env.base);
    bool ok = harness_http("GET", url, NULL, NULL, &body, 2000) == 200 && body &&
              strstr(body, "container_memory_working_set_bytes{") && strstr(body, s_env.name);
    free(body);
    return ok;
}

static void test_promtool(void **state)
{
    (void)state;
    assert_true(harness_wait(s_served, NULL, 15000));
    char url[128];
    snprintf(url, sizeof url, "%s/metrics", s_env.base);
    char *body = NULL;
    assert_int_equal(harness_http("GET", url, NULL, NULL, &body, 2000), 200);
    char path[128];
    snprintf(path, sizeof path, "%s/metrics.txt", s_env.dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(body, file);
    fclose(file);
    free(body);
    char *lint = harness_sh_output("promtool check metrics < %s 2>&1; echo \"exit $?\"", path);
    assert_non_null(lint);
    print_message("promtool check metrics: %s\n", lint);
    assert_non_null(strstr(lint, "exit 0"));
    free(lint);
}

static bool s_prometheus_ready(void *arg)
{
    (void)arg;
    if (!harness_alive(s_env.server))
        fail_msg("prometheus exited: see its log in %s", s_env.dir);
    int port = harness_listening_port(s_env.server);
    if (port <= 0)
        return false;
    snprintf(s_env.prometheus, sizeof s_env.prometheus, "http://127.0.0.1:%d", port);
    char url[128];
    snprintf(url, sizeof url, "%s/-/ready", s_env.prometheus);
    return harness_http("GET", url, NULL, NULL, NULL, 1000) == 200;
}

//  The series as Prometheus has it: a PromQL query through its HTTP API.
static bool s_queried(void *arg)
{
    json_t **result = arg;
    char url[512];
    snprintf(url, sizeof url,
             "%s/api/v1/query?query=container_memory_working_set_bytes%%7Bname%%3D%%22%s%%22%%7D",
             s_env.prometheus, s_env.name);
    char *body = NULL;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) != 200) {
        free(body);
        return false;
    }
    json_t *json = json_loads(body, 0, NULL);
    free(body);
    json_t *series = json_object_get(json_object_get(json, "data"), "result");
    if (json_array_size(series) != 1) {
        json_decref(json);
        return false;
    }
    *result = json_incref(json_array_get(series, 0));
    json_decref(json);
    return true;
}

static void test_prometheus_scrapes(void **state)
{
    (void)state;
    assert_true(harness_wait(s_served, NULL, 15000));
    char config[128], data[128], log[128];
    snprintf(config, sizeof config, "%s/prometheus.yml", s_env.dir);
    snprintf(data, sizeof data, "%s/data", s_env.dir);
    snprintf(log, sizeof log, "%s/prometheus.log", s_env.dir);
    FILE *file = fopen(config, "w");
    assert_non_null(file);
    fprintf(file,
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: hms\n"
            "    static_configs:\n      - targets: ['%s']\n",
            s_env.base + strlen("http://"));
    fclose(file);
    char config_flag[160], data_flag[160];
    snprintf(config_flag, sizeof config_flag, "--config.file=%s", config);
    snprintf(data_flag, sizeof data_flag, "--storage.tsdb.path=%s", data);
    char *program = harness_sh_output("command -v prometheus");
    assert_non_null(program);
    char *argv[] = {program, config_flag, data_flag, "--web.listen-address=127.0.0.1:0", NULL};
    s_env.server = harness_spawn(log, argv);
    free(program);
    assert_true(harness_wait(s_prometheus_ready, NULL, 30000));
    json_t *series = NULL;
    assert_true(harness_wait(s_queried, &series, 30000));
    json_t *metric = json_object_get(series, "metric");
    assert_string_equal(json_string_value(json_object_get(metric, "id")), s_env.id);
    assert_string_equal(json_string_value(json_object_get(metric, "image")), "hms/testbox:1");
    assert_non_null(json_string_value(json_object_get(metric, "host")));
    double bytes = atof(json_string_value(json_array_get(json_object_get(series, "value"), 1)));
    print_message("Prometheus: %s working set %.1f MiB\n", s_env.name, bytes / 1048576);
    assert_true(bytes >= 20 << 20);
    json_decref(series);
}

//  The history's last bucket end, Unix ms (0: none yet), read through the
//  REST API.
static uint64_t s_history_last(void)
{
    char url[512], *body = NULL;
    snprintf(url, sizeof url, "%s/containers/%s/%s/metrics?metric=memory", s_env.base, s_env.hosts,
             s_env.name);
    uint64_t last = 0;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) == 200) {
        json_t *json = json_loads(body, 0, NULL);
        json_t *t = json_object_get(json, "t");
        if (json_array_size(t))
            last = (uint64_t)json_integer_value(json_array_get(t, json_array_size(t) - 1));
        json_decref(json);
    }
    free(body);
    return last;
}

static bool s_history_after(void *arg)
{
    return s_history_last() > *(uint64_t *)arg;
}

//  SIGKILL of the controller while it writes its history every second:
//  the file passes PRAGMA integrity_check, and a new controller goes on
//  writing into it.
static void test_history_sigkill(void **state)
{
    (void)state;
    uint64_t none = 0;
    assert_true(harness_wait(s_history_after, &none, 15000));
    uint64_t before = s_history_last();
    assert_true(harness_wait(s_history_after, &before, 15000)); //  it writes, now
    assert_int_equal(kill(s_env.controller, SIGKILL), 0);
    harness_stop(s_env.controller, SIGKILL, 5000);
    s_env.controller = 0;
    uint64_t killed_at = (uint64_t)zclock_time();
    char *check = harness_sh_output("sqlite3 %s 'PRAGMA integrity_check'", s_env.history);
    assert_non_null(check);
    assert_string_equal(check, "ok");
    free(check);
    s_start_controller();
    assert_true(harness_wait(s_history_after, &killed_at, 15000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_promtool),
        cmocka_unit_test(test_prometheus_scrapes),
        cmocka_unit_test(test_history_sigkill),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
