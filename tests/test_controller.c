/*  test_controller: hms-controller with two real managers on a real Docker
    engine, driven over real HTTP (label docker).

    Each manager watches its own label-selected set of this run's
    containers, on its own loopback ports, like two hosts would.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct {
    char address[64]; //  127.0.0.1:port (its PUB port), as the controller knows it
    char router[64];  //  its ROUTER
    char group[64];   //  label value selecting its containers
    pid_t pid;
} manager_t;

static struct {
    char dir[64];
    manager_t a, b, c;
    char base[64];   //  http://127.0.0.1:port
    char router[64]; //  the controller's ROUTER
    pid_t controller;
    char *web_a, *db_b; //  one container per manager
    char web_a_name[64], db_b_name[64];
} s_env;

//  A manager on two free ports, which its address names.
static void s_start_manager(manager_t *manager, const char *name)
{
    snprintf(manager->group, sizeof manager->group, "%s-%s", harness_tag(), name);
    char label[96], state[128], log[128], ready[128];
    snprintf(label, sizeof label, "hms.group=%s", manager->group);
    snprintf(state, sizeof state, "%s/%s.state", s_env.dir, name);
    snprintf(log, sizeof log, "%s/manager-%s.log", s_env.dir, name);
    snprintf(ready, sizeof ready, "%s/manager-%s.ready", s_env.dir, name);
    char *argv[] = {HMS_BINARY_DIR "/manager/hms-manager",
                    "--pub",
                    "tcp://127.0.0.1:*",
                    "--label",
                    label,
                    "--state-file",
                    state,
                    "--log-level",
                    "info",
                    NULL};
    manager->pid = harness_daemon(log, ready, argv, 10000);
    char pub[64];
    harness_ready_value(ready, "pub", pub, sizeof pub);
    harness_ready_value(ready, "router", manager->router, sizeof manager->router);
    snprintf(manager->address, sizeof manager->address, "%s", pub + strlen("tcp://"));
}

//  The controller on a free HTTP port and ROUTER, following manager a.
static void s_start_controller(void)
{
    char state[128], log[128], hosts[64], ready[128], port[16];
    snprintf(state, sizeof state, "%s/controller.state", s_env.dir);
    snprintf(log, sizeof log, "%s/controller.log", s_env.dir);
    snprintf(ready, sizeof ready, "%s/controller.ready", s_env.dir);
    snprintf(hosts, sizeof hosts, "%s", s_env.a.address);
    char *argv[] = {HMS_BINARY_DIR "/controller/hms-controller",
                    "--http-bind",
                    "127.0.0.1",
                    "--http-port",
                    "0",
                    "--router",
                    "tcp://127.0.0.1:*",
                    "--state-file",
                    state,
                    "--hosts",
                    hosts,
                    "--aggregation",
                    "100",
                    "--miss-count",
                    "3",
                    "--log-level",
                    "info",
                    NULL};
    s_env.controller = harness_daemon(log, ready, argv, 10000);
    harness_ready_value(ready, "http_port", port, sizeof port);
    harness_ready_value(ready, "router", s_env.router, sizeof s_env.router);
    snprintf(s_env.base, sizeof s_env.base, "http://127.0.0.1:%s", port);
}

//  GET base + path as JSON (NULL unless 200).
static json_t *s_get(const char *format, ...) __attribute__((format(printf, 1, 2)));
static json_t *s_get(const char *format, ...)
{
    char path[512], url[600];
    va_list args;
    va_start(args, format);
    vsnprintf(path, sizeof path, format, args);
    va_end(args);
    snprintf(url, sizeof url, "%s%s", s_env.base, path);
    char *text = NULL;
    long status = harness_http("GET", url, NULL, NULL, &text, 3000);
    json_t *json = status == 200 ? json_loads(text ? text : "", 0, NULL) : NULL;
    free(text);
    return json;
}

//  A request; returns the status, and the parsed body when body_json is not NULL.
static long s_call(const char *method, const char *path, const char *body, json_t **body_json)
{
    char url[600];
    snprintf(url, sizeof url, "%s%s", s_env.base, path);
    char *text = NULL;
    long status = harness_http(method, url, body, NULL, &text, 5000);
    if (body_json)
        *body_json = json_loads(text ? text : "", 0, NULL);
    free(text);
    return status;
}

//  The container named name on host address, as the API shows it now.
static json_t *s_container(const char *address, const char *name)
{
    return s_get("/containers/%s/%s", address, name);
}

typedef struct {
    const char *address, *name, *status;
    long restarts; //  -1: any
} expect_t;

static bool s_shows(void *arg)
{
    expect_t *expect = arg;
    json_t *container = s_container(expect->address, expect->name);
    bool ok =
        container &&
        strcmp(json_string_value(json_object_get(container, "status")), expect->status) == 0 &&
        (expect->restarts < 0 ||
         json_integer_value(json_object_get(container, "restarts")) == expect->restarts);
    json_decref(container);
    return ok;
}

static bool s_host_status(const char *address, const char *status)
{
    json_t *host = s_get("/containers/%s", address);
    bool ok = host && strcmp(json_string_value(json_object_get(host, "status")), status) == 0;
    json_decref(host);
    return ok;
}

static bool s_online(void *arg)
{
    return s_host_status(arg, "online");
}

static bool s_offline(void *arg)
{
    return s_host_status(arg, "offline");
}

static double s_threshold(const char *address)
{
    json_t *host = s_get("/containers/%s", address);
    assert_non_null(host);
    double threshold = json_number_value(json_object_get(host, "threshold"));
    json_decref(host);
    return threshold;
}

typedef struct {
    const char *address;
    double threshold;
} threshold_t;

static bool s_threshold_is(void *arg)
{
    threshold_t *expect = arg;
    return s_threshold(expect->address) == expect->threshold;
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-controller-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    s_start_manager(&s_env.a, "a");
    s_start_manager(&s_env.b, "b");
    char flags[128];
    snprintf(flags, sizeof flags, "--label hms.group=%s", s_env.a.group);
    s_env.web_a = harness_container("web-a", flags);
    snprintf(flags, sizeof flags, "--label hms.group=%s", s_env.b.group);
    s_env.db_b = harness_container("db-b", flags);
    snprintf(s_env.web_a_name, sizeof s_env.web_a_name, "%s-web-a", harness_tag());
    snprintf(s_env.db_b_name, sizeof s_env.db_b_name, "%s-db-b", harness_tag());
    s_start_controller();
    expect_t web = {s_env.a.address, s_env.web_a_name, "active", -1};
    assert_true(harness_wait(s_shows, &web, 10000));
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    //  A clean stop is part of the contract: exit status 0 on SIGTERM.
    int status = s_env.controller > 0 ? harness_stop(s_env.controller, SIGTERM, 10000) : 0;
    manager_t *managers[] = {&s_env.a, &s_env.b, &s_env.c};
    for (int i = 0; i < 3; i++)
        if (managers[i]->pid > 0)
            harness_stop(managers[i]->pid, SIGTERM, 5000);
    harness_cleanup();
    harness_sh("cat %s/*.log >&2", s_env.dir);
    harness_sh("rm -rf %s", s_env.dir);
    free(s_env.web_a);
    free(s_env.db_b);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

//  Both hosts and their containers through GET /containers; adding twice: 409.
static void test_two_hosts(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/containers/%s", s_env.b.address);
    json_t *body;
    assert_int_equal(s_call("PUT", path, NULL, &body), 201);
    assert_string_equal(json_string_value(json_object_get(body, "address")), s_env.b.address);
    json_decref(body);
    assert_int_equal(s_call("PUT", path, NULL, &body), 409);
    assert_non_null(json_object_get(json_object_get(body, "error"), "message"));
    json_decref(body);
    assert_int_equal(s_call("PUT", "/containers/not%20an%20address", NULL, NULL), 400);

    expect_t db = {s_env.b.address, s_env.db_b_name, "active", -1};
    assert_true(harness_wait(s_shows, &db, 5000));
    json_t *all = s_get("/containers");
    assert_non_null(all);
    json_t *hosts = json_object_get(all, "hosts");
    assert_int_equal(json_array_size(hosts), 2);
    int found = 0;
    size_t i;
    json_t *host;
    json_array_foreach(hosts, i, host)
    {
        const char *address = json_string_value(json_object_get(host, "address"));
        json_t *containers = json_object_get(host, "containers");
        assert_string_equal(json_string_value(json_object_get(host, "status")), "online");
        //  Disjoint sets: each host shows only its own container.
        assert_int_equal(json_array_size(containers), 1);
        const char *name =
            json_string_value(json_object_get(json_array_get(containers, 0), "name"));
        if (strcmp(address, s_env.a.address) == 0 && strcmp(name, s_env.web_a_name) == 0)
            found++;
        if (strcmp(address, s_env.b.address) == 0 && strcmp(name, s_env.db_b_name) == 0)
            found++;
    }
    assert_int_equal(found, 2);
    json_decref(all);

    //  A container by name, by id prefix and by full id; its IP from Docker.
    json_t *container = s_container(s_env.a.address, s_env.web_a_name);
    assert_string_equal(json_string_value(json_object_get(container, "ip")),
                        harness_ip(s_env.web_a));
    json_decref(container);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%.8s", s_env.web_a);
    container = s_container(s_env.a.address, prefix);
    assert_non_null(container);
    assert_string_equal(json_string_value(json_object_get(container, "id")), s_env.web_a);
    json_decref(container);
}

//  A kill is healed by the manager and visible through the API within
//  aggregation + 2 s.
static void test_kill_visible(void **state)
{
    (void)state;
    int64_t start = zclock_mono();
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.web_a), 0);
    expect_t healed = {s_env.a.address, s_env.web_a_name, "active", 1};
    assert_true(harness_wait(s_shows, &healed, 100 + 2000));
    print_message("kill visible as healed through the API after %d ms\n",
                  (int)(zclock_mono() - start));
}

//  The threshold as the manager itself says (get_config on its ROUTER).
static double s_manager_threshold(const manager_t *manager)
{
    harness_client_t client;
    harness_client_open(&client, manager->router);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GET_CONFIG);
    assert_int_equal(harness_request(&client, &request, &reply, 3000), 0);
    harness_client_close(&client);
    double threshold = reply.settings.threshold;
    hms_msg_reset(&reply);
    return threshold;
}

static void test_thresholds(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/containers/%s", s_env.a.address);
    json_t *body;
    assert_int_equal(s_call("POST", path, "{\"threshold\": 70}", &body), 200);
    assert_true(json_number_value(json_object_get(body, "threshold")) == 70);
    json_decref(body);
    threshold_t a70 = {s_env.a.address, 70};
    assert_true(harness_wait(s_threshold_is, &a70, 2000));

    //  The seed's query parameter.
    char query[160];
    snprintf(query, sizeof query, "%s?threshold=55", path);
    assert_int_equal(s_call("POST", query, NULL, NULL), 200);
    threshold_t a55 = {s_env.a.address, 55};
    assert_true(harness_wait(s_threshold_is, &a55, 2000));

    //  Bad thresholds: 400, and nothing changed.
    const char *bad[] = {"{\"threshold\": 150}",     "{\"threshold\": -1}",
                         "{\"threshold\": \"abc\"}", "{}",
                         "{\"threshold\": ",         "[60]",
                         "{\"threshold\": null}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_call("POST", path, bad[i], &body), 400);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(body, "error"), "code")), 400);
        json_decref(body);
        assert_int_equal(s_call("POST", "/containers", bad[i], NULL), 400);
    }
    assert_int_equal(s_call("POST", path, NULL, NULL), 400); //  missing
    snprintf(query, sizeof query, "%s?threshold=abc", path);
    assert_int_equal(s_call("POST", query, NULL, NULL), 400);
    char url[600];
    snprintf(url, sizeof url, "%s%s", s_env.base, path);
    assert_int_equal(harness_http("POST", url, "threshold=60", "text/plain", NULL, 3000), 415);
    //  A refused request never reaches the manager (a valid one is answered
    //  only once the manager has): the manager itself still says 55.
    assert_true(s_manager_threshold(&s_env.a) == 55);
    assert_true(s_threshold(s_env.a.address) == 55);

    //  Every host at once.
    assert_int_equal(s_call("POST", "/containers", "{\"threshold\": 65.5}", &body), 200);
    assert_int_equal(json_array_size(json_object_get(body, "hosts")), 2);
    json_decref(body);
    threshold_t a65 = {s_env.a.address, 65.5}, b65 = {s_env.b.address, 65.5};
    assert_true(harness_wait(s_threshold_is, &a65, 2000));
    assert_true(harness_wait(s_threshold_is, &b65, 2000));
}

static void test_ignore_and_watch(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/%s", s_env.b.address, s_env.db_b_name);
    json_t *body;
    assert_int_equal(s_call("DELETE", path, NULL, &body), 200);
    assert_string_equal(json_string_value(json_object_get(body, "status")), "ignored");
    assert_string_equal(json_string_value(json_object_get(body, "id")), s_env.db_b);
    json_decref(body);
    expect_t ignored = {s_env.b.address, s_env.db_b_name, "ignored", -1};
    assert_true(harness_wait(s_shows, &ignored, 2000));
    assert_int_equal(s_call("PUT", path, NULL, &body), 200);
    assert_string_equal(json_string_value(json_object_get(body, "status")), "active");
    json_decref(body);
    expect_t active = {s_env.b.address, s_env.db_b_name, "active", -1};
    assert_true(harness_wait(s_shows, &active, 2000));

    //  Unknown host, unknown container, a reference that is no name.
    snprintf(path, sizeof path, "/containers/%s/no-such-container", s_env.b.address);
    assert_int_equal(s_call("GET", path, NULL, NULL), 404);
    assert_int_equal(s_call("DELETE", path, NULL, NULL), 404);
    assert_int_equal(s_call("PUT", path, NULL, NULL), 404);
    assert_int_equal(s_call("GET", "/containers/10.255.255.1:7601", NULL, NULL), 404);
    assert_int_equal(s_call("GET", "/containers/10.255.255.1:7601/web", NULL, NULL), 404);
    assert_int_equal(s_call("POST", "/containers/10.255.255.1:7601", "{\"threshold\": 5}", NULL),
                     404);
    assert_int_equal(s_call("DELETE", "/containers/10.255.255.1:7601", NULL, NULL), 404);
    snprintf(path, sizeof path, "/containers/%s/..%%2Fetc", s_env.b.address);
    assert_int_equal(s_call("GET", path, NULL, NULL), 400);
    assert_int_equal(s_call("PATCH", "/containers", NULL, NULL), 405);
    assert_int_equal(s_call("GET", "/nothing/here", NULL, NULL), 404);
}

//  A manager that stops: offline within miss_count heartbeats, commands 504.
static void test_manager_down(void **state)
{
    (void)state;
    s_start_manager(&s_env.c, "c");
    char path[128];
    snprintf(path, sizeof path, "/containers/%s", s_env.c.address);
    assert_int_equal(s_call("PUT", path, NULL, NULL), 201);
    assert_true(harness_wait(s_online, s_env.c.address, 15000));
    harness_stop(s_env.c.pid, SIGTERM, 5000);
    s_env.c.pid = 0;
    int64_t start = zclock_mono();
    //  3 missed heartbeats of 1 s, checked every 100 ms.
    assert_true(harness_wait(s_offline, s_env.c.address, 3000 + 500));
    print_message("offline %d ms after the manager stopped\n", (int)(zclock_mono() - start));
    json_t *body;
    assert_int_equal(s_call("POST", path, "{\"threshold\": 10}", &body), 504);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "error"), "code")),
                     504);
    json_decref(body);
    //  Every host at once: the answer says which failed.
    assert_int_equal(s_call("POST", "/containers", "{\"threshold\": 60}", &body), 504);
    assert_int_equal(json_array_size(json_object_get(body, "hosts")), 3);
    json_decref(body);
    assert_int_equal(s_call("DELETE", path, NULL, NULL), 204);
    assert_int_equal(s_call("GET", path, NULL, NULL), 404);
}

static void test_config_stats_health(void **state)
{
    (void)state;
    json_t *body = s_get("/config");
    assert_non_null(body);
    assert_int_equal(json_integer_value(json_object_get(body, "aggregation_ms")), 100);
    json_decref(body);
    assert_int_equal(s_call("PUT", "/config", "{\"aggregation_ms\": 1000}", &body), 200);
    assert_int_equal(json_integer_value(json_object_get(body, "aggregation_ms")), 1000);
    json_decref(body);
    const char *bad[] = {"{\"aggregation_ms\": -1}", "{\"aggregation_ms\": \"1\"}",
                         "{\"colour\": 1}", "{\"aggregation_ms\": 1.5}", "nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(s_call("PUT", "/config", bad[i], NULL), 400);
    assert_int_equal(s_call("PUT", "/config", "{\"aggregation_ms\": 100}", NULL), 200);
    body = s_get("/config");
    assert_int_equal(json_integer_value(json_object_get(body, "aggregation_ms")), 100);
    json_decref(body);

    body = s_get("/stats");
    assert_non_null(body);
    json_t *total = json_object_get(body, "total");
    assert_true(json_integer_value(json_object_get(total, "bytes_in")) > 0);
    assert_true(json_integer_value(json_object_get(total, "msgs_out")) > 0);
    json_decref(body);
    body = s_get("/healthz");
    assert_string_equal(json_string_value(json_object_get(body, "status")), "ok");
    assert_int_equal(json_integer_value(json_object_get(body, "online")), 2);
    json_decref(body);

    //  The controller's own ROUTER.
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_LIST_HOSTS);
    assert_int_equal(harness_request(&client, &request, &reply, 3000), 0);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_int_equal(reply.hosts.count, 2);
    hms_msg_reset(&reply);
    hms_msg_init(&request, HMS_MSG_PING);
    assert_int_equal(harness_request(&client, &request, &reply, 3000), 0);
    assert_int_equal(reply.pong.role, HMS_ROLE_CONTROLLER);
    harness_client_close(&client);
}

static bool s_running(void *id)
{
    return strcmp(harness_state(id), "running") == 0;
}

//  SIGKILL the controller; the managers go on healing; a new controller
//  follows the same hosts from its state file and serves them within 2 s.
static void test_controller_restart(void **state)
{
    (void)state;
    harness_stop(s_env.controller, SIGKILL, 1000);
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.db_b), 0);
    assert_true(harness_wait(s_running, s_env.db_b, 3000));
    int64_t start = zclock_mono();
    s_start_controller();
    expect_t db = {s_env.b.address, s_env.db_b_name, "active", 1};
    assert_true(harness_wait(s_shows, &db, 2000));
    expect_t web = {s_env.a.address, s_env.web_a_name, "active", 1};
    assert_true(harness_wait(s_shows, &web, 2000));
    print_message("serving both hosts %d ms after the restart\n", (int)(zclock_mono() - start));
    json_t *all = s_get("/containers");
    assert_int_equal(json_array_size(json_object_get(all, "hosts")), 2);
    json_decref(all);
}

static size_t s_discard(char *data, size_t size, size_t count, void *arg)
{
    (void)data;
    (void)arg;
    return size * count;
}

//  With a token, changes need it; reads do not. The token comes from a
//  file, never from the command line.
static void test_token(void **state)
{
    (void)state;
    char state_file[128], log[128], ready[128], token_file[128], port[16];
    snprintf(state_file, sizeof state_file, "%s/token.state", s_env.dir);
    snprintf(log, sizeof log, "%s/token.log", s_env.dir);
    snprintf(ready, sizeof ready, "%s/token.ready", s_env.dir);
    snprintf(token_file, sizeof token_file, "%s/token", s_env.dir);
    assert_int_equal(harness_sh("umask 077; echo s3cret-s3cret-s3cret > %s", token_file), 0);
    char *argv[] = {HMS_BINARY_DIR "/controller/hms-controller",
                    "--http-bind",
                    "127.0.0.1",
                    "--http-port",
                    "0",
                    "--router",
                    "none",
                    "--state-file",
                    state_file,
                    "--token-file",
                    token_file,
                    NULL};
    pid_t pid = harness_daemon(log, ready, argv, 10000);
    harness_ready_value(ready, "http_port", port, sizeof port);
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%s/containers/%s", port, s_env.a.address);
    assert_int_equal(harness_http("GET", url, NULL, NULL, NULL, 3000), 404);
    assert_int_equal(harness_http("PUT", url, NULL, NULL, NULL, 3000), 401);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers =
        curl_slist_append(NULL, "Authorization: Bearer s3cret-s3cret-s3cret");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_discard);
    long status = 0;
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    assert_int_equal(status, 201);
    int exit_status = harness_stop(pid, SIGTERM, 10000);
    assert_true(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_hosts),          cmocka_unit_test(test_kill_visible),
        cmocka_unit_test(test_thresholds),         cmocka_unit_test(test_ignore_and_watch),
        cmocka_unit_test(test_manager_down),       cmocka_unit_test(test_config_stats_health),
        cmocka_unit_test(test_controller_restart), cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
