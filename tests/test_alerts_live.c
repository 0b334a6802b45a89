/*  test_alerts_live: alerts from a manager's rule to real receivers (label
    docker). A container under a memory limit fills and frees memory; the
    manager's rule fires and resolves; the controller sends both to a
    webhook (the test's own HTTP receiver, which checks Alertmanager's
    version 4 body) and to a real Alertmanager (Debian's package, on
    loopback), whose own webhook reaches the same receiver. With the
    receiver down, the next alert waits in the controller's queue and is
    delivered once the receiver is back. Every port is one the kernel
    picked (the receiver's from getsockname, Alertmanager's from the
    socket table).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODIES_MAX 256

//  The test's HTTP receiver: every POST body, by path.
static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    int listener; //  -1: down
    int port;
    volatile bool stop;
    char *paths[BODIES_MAX];
    char *bodies[BODIES_MAX];
    int count;
} s_receiver = {.lock = PTHREAD_MUTEX_INITIALIZER, .listener = -1};

static struct {
    char dir[64];
    char base[64];         //  the controller's http://127.0.0.1:PORT
    char alertmanager[64]; //  http://127.0.0.1:PORT
    char name[96];         //  the container's name
    char *id;
    char victim_name[96]; //  the antagonist's target
    char *victim;
    char hosts[96];
    char host_spec[200]; //  hosts=its antagonist
    pid_t manager, controller, server, antagonist;
} s_env;

//  Reads one request on connection (headers, then Content-Length bytes),
//  keeps its path and body, answers 200.
static void s_serve_one(int connection)
{
    char buffer[65536];
    size_t used = 0;
    char *end = NULL;
    long length = -1;
    while (used < sizeof buffer - 1) {
        struct pollfd item = {connection, POLLIN, 0};
        if (poll(&item, 1, 2000) <= 0)
            break;
        ssize_t got = recv(connection, buffer + used, sizeof buffer - 1 - used, 0);
        if (got <= 0)
            break;
        used += (size_t)got;
        buffer[used] = '\0';
        end = end ? end : strstr(buffer, "\r\n\r\n");
        if (end && length < 0) {
            const char *header = strcasestr(buffer, "\r\nContent-Length:");
            length = header ? atol(header + 17) : 0;
        }
        if (end && length >= 0 && used >= (size_t)(end + 4 - buffer) + (size_t)length)
            break;
    }
    if (end && length >= 0) {
        char path[256] = "";
        sscanf(buffer, "POST %255s", path);
        pthread_mutex_lock(&s_receiver.lock);
        if (s_receiver.count < BODIES_MAX) {
            s_receiver.paths[s_receiver.count] = strdup(path);
            s_receiver.bodies[s_receiver.count] = strndup(end + 4, (size_t)length);
            s_receiver.count++;
        }
        pthread_mutex_unlock(&s_receiver.lock);
    }
    const char *answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ssize_t sent = send(connection, answer, strlen(answer), MSG_NOSIGNAL);
    (void)sent;
    close(connection);
}

static void *s_receiver_thread(void *arg)
{
    (void)arg;
    while (!s_receiver.stop) {
        struct pollfd item = {s_receiver.listener, POLLIN, 0};
        if (poll(&item, 1, 50) == 1) {
            int connection = accept4(s_receiver.listener, NULL, NULL, SOCK_CLOEXEC);
            if (connection >= 0)
                s_serve_one(connection);
        }
    }
    return NULL;
}

//  Starts the receiver on port (0: one the kernel picks).
static void s_receiver_start(int port)
{
    //  Close-on-exec: the daemons the test starts must not hold it open.
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(listener >= 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(listener, 16), 0);
    socklen_t size = sizeof address;
    getsockname(listener, (struct sockaddr *)&address, &size);
    s_receiver.port = ntohs(address.sin_port);
    s_receiver.listener = listener;
    s_receiver.stop = false;
    assert_int_equal(pthread_create(&s_receiver.thread, NULL, s_receiver_thread, NULL), 0);
}

//  Stops it: connections to its port are refused until it starts again.
static void s_receiver_stop(void)
{
    if (s_receiver.listener < 0)
        return;
    s_receiver.stop = true;
    pthread_join(s_receiver.thread, NULL);
    close(s_receiver.listener);
    s_receiver.listener = -1;
}

//  What a receiver looks for: a body on path whose status is status, of
//  an alert of rule (an Alertmanager webhook body, version 4), after the
//  first `from` bodies.
typedef struct {
    const char *path, *status, *rule;
    int from;
    json_t *found; //  the body, when found (the caller releases it)
} wanted_t;

static bool s_received(void *arg)
{
    wanted_t *wanted = arg;
    pthread_mutex_lock(&s_receiver.lock);
    for (int i = wanted->from; i < s_receiver.count && !wanted->found; i++) {
        if (strcmp(s_receiver.paths[i], wanted->path) != 0)
            continue;
        json_t *body = json_loads(s_receiver.bodies[i], 0, NULL);
        json_t *alert = json_array_get(json_object_get(body, "alerts"), 0);
        const char *rule =
            json_string_value(json_object_get(json_object_get(alert, "labels"), "alertname"));
        const char *status = json_string_value(json_object_get(body, "status"));
        if (rule && status && strcmp(rule, wanted->rule) == 0 &&
            strcmp(status, wanted->status) == 0)
            wanted->found = json_incref(body);
        json_decref(body);
    }
    pthread_mutex_unlock(&s_receiver.lock);
    return wanted->found != NULL;
}

static int s_received_count(void)
{
    pthread_mutex_lock(&s_receiver.lock);
    int count = s_receiver.count;
    pthread_mutex_unlock(&s_receiver.lock);
    return count;
}

static bool s_alertmanager_ready(void *arg)
{
    (void)arg;
    if (!harness_alive(s_env.server))
        fail_msg("prometheus-alertmanager exited: see its log in %s", s_env.dir);
    int port = harness_listening_port(s_env.server);
    if (port <= 0)
        return false;
    snprintf(s_env.alertmanager, sizeof s_env.alertmanager, "http://127.0.0.1:%d", port);
    char url[128];
    snprintf(url, sizeof url, "%s/-/ready", s_env.alertmanager);
    return harness_http("GET", url, NULL, NULL, NULL, 1000) == 200;
}

//  Alertmanager, whose one receiver is the test's, path /am, at once.
static void s_start_alertmanager(void)
{
    char config[128], data[128], log[128];
    snprintf(config, sizeof config, "%s/alertmanager.yml", s_env.dir);
    snprintf(data, sizeof data, "%s/am-data", s_env.dir);
    snprintf(log, sizeof log, "%s/alertmanager.log", s_env.dir);
    FILE *file = fopen(config, "w");
    assert_non_null(file);
    fprintf(file,
            "route:\n  receiver: test\n  group_by: [alertname]\n  group_wait: 0s\n"
            "  group_interval: 1s\n  repeat_interval: 1h\n"
            "receivers:\n  - name: test\n    webhook_configs:\n"
            "      - url: http://127.0.0.1:%d/am\n        send_resolved: true\n",
            s_receiver.port);
    fclose(file);
    char config_flag[160], data_flag[160];
    snprintf(config_flag, sizeof config_flag, "--config.file=%s", config);
    snprintf(data_flag, sizeof data_flag, "--storage.path=%s", data);
    char *program = harness_sh_output("command -v prometheus-alertmanager");
    assert_non_null(program);
    char *argv[] = {program,
                    config_flag,
                    data_flag,
                    "--web.listen-address=127.0.0.1:0",
                    "--cluster.listen-address=",
                    NULL};
    s_env.server = harness_spawn(log, argv);
    free(program);
    assert_true(harness_wait(s_alertmanager_ready, NULL, 30000));
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    if (harness_sh("command -v prometheus-alertmanager >/dev/null") != 0)
        fail_msg("prometheus-alertmanager is missing: run scripts/setup (Debian package "
                 "prometheus-alertmanager)");
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-alerts-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    s_receiver_start(0);
    s_start_alertmanager();
    snprintf(s_env.name, sizeof s_env.name, "%s-mem", harness_tag());
    s_env.id = harness_container("mem", "--memory 64m");

    //  The manager starts with a rules file; test_rules_api replaces it
    //  through the REST API with the memory rule the other tests use.
    char rules[128];
    snprintf(rules, sizeof rules, "%s/rules.json", s_env.dir);
    harness_write_file(
        rules, "{\"rules\": [{\"name\": \"cpu_busy\", \"metric\": \"cpu\", \"threshold\": 0.95, "
               "\"for_s\": 30}]}\n");
    char pub[64], log[128], ready[128];
    const char *const manager[] = {"--rules", rules, NULL};
    s_env.manager = harness_manager(s_env.dir, manager, pub, s_env.hosts);

    //  An antagonist whose only target is the victim, idle until
    //  test_events starts it.
    char target[96], flags[128], router[64];
    snprintf(target, sizeof target, "hms.antagonist=target-%s", harness_tag());
    snprintf(flags, sizeof flags, "--label %s", target);
    snprintf(s_env.victim_name, sizeof s_env.victim_name, "%s-victim", harness_tag());
    s_env.victim = harness_container("victim", flags);
    snprintf(log, sizeof log, "%s/antagonist.log", s_env.dir);
    snprintf(ready, sizeof ready, "%s/antagonist.ready", s_env.dir);
    char *antagonist[] = {HMS_BINARY_DIR "/antagonist/hms-antagonist",
                          "--router",
                          "tcp://127.0.0.1:*",
                          "--targets",
                          target,
                          NULL};
    s_env.antagonist = harness_daemon(log, ready, antagonist, 15000);
    harness_ready_value(ready, "router", router, sizeof router);
    snprintf(s_env.host_spec, sizeof s_env.host_spec, "%s=%s", s_env.hosts,
             router + strlen("tcp://"));

    char webhook[96], history[128];
    snprintf(webhook, sizeof webhook, "http://127.0.0.1:%d/hook", s_receiver.port);
    snprintf(history, sizeof history, "%s/history.db", s_env.dir);
    const char *const controller[] = {
        "--history", history, "--webhook", webhook, "--alertmanager", s_env.alertmanager, NULL};
    s_env.controller = harness_controller(s_env.dir, s_env.host_spec, controller, s_env.base);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.controller > 0)
        harness_stop(s_env.controller, SIGTERM, 5000);
    if (s_env.manager > 0)
        harness_stop(s_env.manager, SIGTERM, 5000);
    if (s_env.antagonist > 0)
        harness_stop(s_env.antagonist, SIGTERM, 5000);
    if (s_env.server > 0)
        harness_stop(s_env.server, SIGTERM, 10000);
    s_receiver_stop();
    for (int i = 0; i < s_receiver.count; i++) {
        free(s_receiver.paths[i]);
        free(s_receiver.bodies[i]);
    }
    harness_cleanup();
    harness_sh("rm -rf %s", s_env.dir);
    free(s_env.id);
    free(s_env.victim);
    return 0;
}

//  32 MB held in the container's tmpfs (50 % of its limit), or freed.
static void s_memory(bool held)
{
    assert_int_equal(harness_sh(held ? "docker exec %s sh -c 'head -c 33554432 /dev/zero "
                                       ">/dev/shm/hold'"
                                     : "docker exec %s rm -f /dev/shm/hold",
                                s_env.id),
                     0);
}

//  Waits for a body on path with status for memory_high; returns it.
static json_t *s_wait_body(const char *path, const char *status, int from, int timeout_ms)
{
    wanted_t wanted = {path, status, "memory_high", from, NULL};
    if (!harness_wait(s_received, &wanted, timeout_ms)) {
        pthread_mutex_lock(&s_receiver.lock);
        for (int i = 0; i < s_receiver.count; i++)
            print_message("received %s: %.300s\n", s_receiver.paths[i], s_receiver.bodies[i]);
        pthread_mutex_unlock(&s_receiver.lock);
        harness_sh("tail -n 20 %s/manager.log %s/controller.log >&2; curl -s %s/stats >&2",
                   s_env.dir, s_env.dir, s_env.base);
        fail_msg("no %s body for memory_high on %s within %d ms (%d bodies)", status, path,
                 timeout_ms, s_received_count());
    }
    return wanted.found;
}

//  GET /alerts lists memory_high for the container in state.
static bool s_listed(void *arg)
{
    const char *state = arg;
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/alerts?state=%s", s_env.base, state);
    bool listed = false;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) == 200) {
        json_t *json = json_loads(body, 0, NULL);
        size_t i;
        json_t *alert;
        json_array_foreach(json_object_get(json, "alerts"), i, alert)
        {
            listed |=
                strcmp(json_string_value(json_object_get(alert, "rule")), "memory_high") == 0 &&
                strcmp(json_string_value(json_object_get(alert, "container")), s_env.id) == 0;
        }
        json_decref(json);
    }
    free(body);
    return listed;
}

static bool s_unlisted(void *arg)
{
    return !s_listed(arg);
}

//  GET /rules/{address} answers with the rule names of the host's manager.
static bool s_rules_are(void *arg)
{
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "%s/rules/%s", s_env.base, s_env.hosts);
    bool same = false;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) == 200) {
        json_t *json = json_loads(body, 0, NULL);
        char names[256] = "";
        size_t i;
        json_t *rule;
        json_array_foreach(json_object_get(json, "rules"), i, rule)
        {
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "," : "",
                     json_string_value(json_object_get(rule, "name")));
        }
        same = strcmp(names, (const char *)arg) == 0;
        json_decref(json);
    }
    free(body);
    return same;
}

//  The rules file's rule, then memory above 40 % of the limit for 2 s
//  (resolved under 30 %) through PUT /rules; a wrong set is refused by the
//  controller and changes nothing.
static void test_rules_api(void **state)
{
    (void)state;
    assert_true(harness_wait(s_rules_are, "cpu_busy", 10000));
    char url[160], *body = NULL;
    snprintf(url, sizeof url, "%s/rules", s_env.base);
    assert_int_equal(harness_http("PUT", url,
                                  "{\"rules\": [{\"name\": \"m\", \"metric\": \"memory\", "
                                  "\"threshold\": 40, \"clear\": 50}]}",
                                  "application/json", &body, 5000),
                     400);
    assert_non_null(strstr(body, "rule 0: clear"));
    free(body);
    assert_int_equal(harness_http("PUT", url, "{\"rules\": {}}", "application/json", &body, 5000),
                     400);
    free(body);
    assert_true(s_rules_are("cpu_busy"));

    assert_int_equal(
        harness_http("PUT", url,
                     "{\"rules\": [{\"name\": \"memory_high\", \"metric\": \"memory\", "
                     "\"of_limit\": true, \"threshold\": 40, \"clear\": 30, \"for_s\": 2, "
                     "\"severity\": \"warning\", \"summary\": \"memory near its limit\"}]}",
                     "application/json", &body, 5000),
        200);
    json_t *answer = json_loads(body, 0, NULL);
    free(body);
    json_t *host = json_array_get(json_object_get(answer, "hosts"), 0);
    assert_string_equal(json_string_value(json_object_get(host, "address")), s_env.hosts);
    json_t *rule = json_array_get(json_object_get(host, "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule, "name")), "memory_high");
    assert_true(json_number_value(json_object_get(rule, "clear")) == 30);
    json_decref(answer);
    assert_true(s_rules_are("memory_high"));
}

static void test_fire_and_resolve(void **state)
{
    (void)state;
    int from = s_received_count();
    s_memory(true);
    json_t *hook = s_wait_body("/hook", "firing", from, 30000);
    assert_true(harness_wait(s_listed, "firing", 5000));
    //  Alertmanager's webhook body, version 4, as receivers parse it.
    assert_string_equal(json_string_value(json_object_get(hook, "version")), "4");
    assert_string_equal(json_string_value(json_object_get(hook, "receiver")), "hms");
    json_t *alert = json_array_get(json_object_get(hook, "alerts"), 0);
    json_t *labels = json_object_get(alert, "labels");
    assert_string_equal(json_string_value(json_object_get(labels, "container")), s_env.name);
    assert_string_equal(json_string_value(json_object_get(labels, "id")), s_env.id);
    assert_string_equal(json_string_value(json_object_get(labels, "host")), s_env.hosts);
    assert_string_equal(json_string_value(json_object_get(labels, "severity")), "warning");
    assert_string_equal(json_string_value(json_object_get(alert, "endsAt")),
                        "0001-01-01T00:00:00Z");
    assert_int_equal(strlen(json_string_value(json_object_get(alert, "fingerprint"))), 16);
    double value =
        atof(json_string_value(json_object_get(json_object_get(alert, "annotations"), "value")));
    print_message("fired at %.1f %% of the limit\n", value);
    assert_true(value > 40 && value <= 100);
    json_decref(hook);
    //  The same alert, through the real Alertmanager.
    json_t *am = s_wait_body("/am", "firing", from, 30000);
    assert_string_equal(json_string_value(json_object_get(am, "version")), "4");
    json_decref(am);

    s_memory(false);
    json_t *resolved = s_wait_body("/hook", "resolved", from, 30000);
    alert = json_array_get(json_object_get(resolved, "alerts"), 0);
    assert_string_not_equal(json_string_value(json_object_get(alert, "endsAt")),
                            "0001-01-01T00:00:00Z");
    json_decref(resolved);
    json_decref(s_wait_body("/am", "resolved", from, 30000));
    assert_true(harness_wait(s_unlisted, "firing", 5000));
    //  The history has each change, newest first.
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/alerts/history", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, &body, 2000), 200);
    json_t *history = json_loads(body, 0, NULL);
    free(body);
    const char *states[3] = {"resolved", "firing", "pending"};
    json_t *changes = json_object_get(history, "alerts");
    assert_true(json_array_size(changes) >= 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *change = json_array_get(changes, i);
        assert_string_equal(json_string_value(json_object_get(change, "rule")), "memory_high");
        assert_string_equal(json_string_value(json_object_get(change, "state")), states[i]);
    }
    json_decref(history);
    snprintf(url, sizeof url, "%s/alerts/history?limit=0", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, NULL, 2000), 400);
}

//  The controller has failed to deliver at least once.
static bool s_failed(void *arg)
{
    (void)arg;
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/stats", s_env.base);
    bool failed = false;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) == 200) {
        json_t *json = json_loads(body, 0, NULL);
        json_t *notifications = json_object_get(json, "notifications");
        failed = json_integer_value(json_object_get(notifications, "failures")) > 0 &&
                 json_integer_value(json_object_get(notifications, "queued")) > 0;
        json_decref(json);
    }
    free(body);
    return failed;
}

static void test_receiver_down(void **state)
{
    (void)state;
    int port = s_receiver.port;
    s_receiver_stop();
    int from = s_received_count();
    s_memory(true);
    //  The firing alert cannot be delivered: it waits in the queue.
    assert_true(harness_wait(s_failed, NULL, 30000));
    s_receiver_start(port);
    json_decref(s_wait_body("/hook", "firing", from, 60000));
    s_memory(false);
    json_decref(s_wait_body("/hook", "resolved", from, 60000));
}

static void test_test_alert(void **state)
{
    (void)state;
    int from = s_received_count();
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/alerts/test", s_env.base);
    assert_int_equal(harness_http("POST", url, NULL, NULL, &body, 5000), 200);
    json_t *json = json_loads(body, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(json, "receivers")), 2);
    json_decref(json);
    free(body);
    wanted_t wanted = {"/hook", "resolved", "hms_test", from, NULL};
    assert_true(harness_wait(s_received, &wanted, 30000));
    json_decref(wanted.found);
    //  Bad filters are refused.
    snprintf(url, sizeof url, "%s/alerts?state=sleeping", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, NULL, 2000), 400);
    snprintf(url, sizeof url, "%s/alerts?severity=page", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, NULL, 2000), 400);
}

//  A rules file with a mistake: the manager refuses to start and says
//  which rule and which field.
static void test_bad_rules(void **state)
{
    (void)state;
    char rules[128];
    snprintf(rules, sizeof rules, "%s/bad-rules.json", s_env.dir);
    harness_write_file(
        rules, "{\"rules\": [{\"name\": \"ok\", \"metric\": \"cpu\", \"threshold\": 1},"
               "{\"name\": \"bad\", \"metric\": \"memory\", \"threshold\": 90, \"clear\": 95}]}\n");
    char *output =
        harness_sh_output("timeout 20 %s --rules %s --state-file '' --pub 'tcp://127.0.0.1:*' "
                          "--router 'tcp://127.0.0.1:*' 2>&1; echo \"exit $?\"",
                          HMS_BINARY_DIR "/manager/hms-manager", rules);
    assert_non_null(output);
    print_message("%s\n", output);
    assert_non_null(strstr(output, "rule 1: clear"));
    assert_null(strstr(output, "exit 0"));
    assert_null(strstr(output, "exit 124")); //  refused at once, not timed out
    free(output);
}

//  GET /events lists an event of kind for the victim whose detail starts
//  with arg's detail.
typedef struct {
    const char *kind, *detail;
} event_t;

static bool s_event(void *arg)
{
    const event_t *wanted = arg;
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/events?limit=1000", s_env.base);
    bool found = false;
    if (harness_http("GET", url, NULL, NULL, &body, 2000) == 200) {
        json_t *json = json_loads(body, 0, NULL);
        size_t i;
        json_t *event;
        json_array_foreach(json_object_get(json, "events"), i, event)
        {
            const char *detail = json_string_value(json_object_get(event, "detail"));
            found |=
                strcmp(json_string_value(json_object_get(event, "kind")), wanted->kind) == 0 &&
                strcmp(json_string_value(json_object_get(event, "name")), s_env.victim_name) == 0 &&
                strncmp(detail, wanted->detail, strlen(wanted->detail)) == 0;
        }
        json_decref(json);
    }
    free(body);
    return found;
}

//  The timeline: the antagonist, commanded through the controller, stops
//  the victim; its attacks and the manager's heals are events, beside the
//  alerts' changes of the other tests.
static void test_events(void **state)
{
    (void)state;
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "%s/test/%s", s_env.base, s_env.hosts);
    assert_int_equal(harness_http("PUT", url,
                                  "{\"loss\": 50, \"balance\": 100, \"heavy\": 100, "
                                  "\"frequency\": 1, \"duration\": 1}",
                                  "application/json", &body, 5000),
                     200);
    free(body);
    assert_int_equal(harness_http("POST", url, NULL, NULL, &body, 5000), 200);
    free(body);
    event_t attack = {"attack", "shutdown start"}, heal = {"heal", "stopped"};
    bool attacked = harness_wait(s_event, &attack, 30000);
    bool healed = harness_wait(s_event, &heal, 30000);
    assert_int_equal(harness_http("DELETE", url, NULL, NULL, &body, 5000), 200);
    free(body);
    if (!attacked || !healed) {
        snprintf(url, sizeof url, "%s/events", s_env.base);
        harness_http("GET", url, NULL, NULL, &body, 2000);
        fail_msg("attack %d, heal %d in the timeline: %.2000s", attacked, healed, body);
    }
    //  The alerts' changes are in the same timeline.
    snprintf(url, sizeof url, "%s/events?limit=1000", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, &body, 2000), 200);
    assert_non_null(strstr(body, "\"kind\":\"alert\""));
    assert_non_null(strstr(body, "memory_high firing"));
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_api),     cmocka_unit_test(test_fire_and_resolve),
        cmocka_unit_test(test_receiver_down), cmocka_unit_test(test_test_alert),
        cmocka_unit_test(test_bad_rules),     cmocka_unit_test(test_events),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
