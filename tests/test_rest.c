/*  test_rest: the controller's HTTP side against hostile clients (label
    http): a real hms-controller, real sockets, no manager needed.

    Each case asserts the status and that nothing changed: DNS rebinding
    (Host), pages of other sites (Origin, forms, text/plain), media types
    that only look like JSON, bodies far over the limit (answered in time,
    without the memory), idle connections by the thousand, and hosts added
    until the controller's cap.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONTROLLER HMS_BINARY_DIR "/controller/hms-controller"

static struct {
    char dir[64];
    pid_t pid;     //  the controller
    int port;      //  its HTTP port
    char log[128]; //  its log
} s_env;

//  Starts a controller on a free port with extra options (NULL-terminated);
//  prefix (NULL: none) runs it, e.g. under prlimit. Returns its pid.
static pid_t s_start(const char *name, const char *prefix, int *port, const char *const *extra)
{
    char ready[128], log[128], text[16];
    snprintf(ready, sizeof ready, "%s/%s.ready", s_env.dir, name);
    snprintf(log, sizeof log, "%s/%s.log", s_env.dir, name);
    const char *argv[40];
    int argc = 0;
    if (prefix) {
        static char words[256];
        snprintf(words, sizeof words, "%s", prefix);
        for (char *save = NULL, *word = strtok_r(words, " ", &save); word && argc < 8;
             word = strtok_r(NULL, " ", &save))
            argv[argc++] = word;
    }
    const char *base[] = {CONTROLLER, "--http-bind", "127.0.0.1",   "--http-port",
                          "0",        "--router",    "none",        "--state-file",
                          "",         "--http-host", "hms.example", "--log-level",
                          "info"};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        argv[argc++] = base[i];
    while (extra && *extra && argc < 38)
        argv[argc++] = *extra++;
    argv[argc] = NULL;
    pid_t pid = harness_daemon(log, ready, (char *const *)argv, 15000);
    harness_ready_value(ready, "http_port", text, sizeof text);
    *port = atoi(text);
    return pid;
}

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-rest-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.log, sizeof s_env.log, "%s/controller.log", s_env.dir);
    s_env.pid = s_start("controller", NULL, &s_env.port, NULL);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    int status = s_env.pid > 0 ? harness_stop(s_env.pid, SIGTERM, 10000) : 0;
    harness_sh("cat %s/*.log >&2", s_env.dir);
    harness_sh("rm -rf %s", s_env.dir);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

//  One request with raw headers (each "Name: value", NULL-terminated).
//  Returns the status; the body into *body when not NULL (caller frees).
static long s_request(int port, const char *method, const char *path, const char *body,
                      const char *const *headers, char **answer)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    return harness_http_raw(method, url, body, headers, answer, 10000);
}

//  The controller's state that a refused request must leave alone: its
//  hosts and its settings, as JSON text (caller frees).
static char *s_state(void)
{
    char *hosts = NULL, *config = NULL, *text = NULL;
    assert_int_equal(s_request(s_env.port, "GET", "/containers", NULL, NULL, &hosts), 200);
    assert_int_equal(s_request(s_env.port, "GET", "/config", NULL, NULL, &config), 200);
    assert_true(asprintf(&text, "%s %s", hosts, config) > 0);
    free(hosts);
    free(config);
    return text;
}

//  The state is still before (which this frees).
static void s_assert_unchanged(char *before)
{
    char *after = s_state();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

//  The changes a page of another site could try, each with its body.
static const struct {
    const char *method, *path, *body;
} s_changes[] = {
    {"PUT", "/containers/127.0.0.1:1", "{}"},
    {"POST", "/containers", "{\"threshold\": 5}"},
    {"PUT", "/config", "{\"aggregation_ms\": 2500}"},
    {"POST", "/test", "{}"},
    {"DELETE", "/test", "{}"},
};
#define CHANGES (sizeof s_changes / sizeof s_changes[0])

//  DNS rebinding: a name that is not the server's gets 421, whatever the
//  method; the server's names and addresses are served.
static void test_host_header(void **state)
{
    (void)state;
    char *before = s_state();
    const char *attacker[] = {"Host: attacker.example", NULL};
    const char *attacker_port[] = {"Host: attacker.example:8080", NULL};
    assert_int_equal(s_request(s_env.port, "GET", "/healthz", NULL, attacker, NULL), 421);
    assert_int_equal(s_request(s_env.port, "GET", "/", NULL, attacker_port, NULL), 421);
    for (size_t i = 0; i < CHANGES; i++) {
        const char *headers[] = {"Host: attacker.example", "Content-Type: application/json", NULL};
        long status = s_request(s_env.port, s_changes[i].method, s_changes[i].path,
                                s_changes[i].body, headers, NULL);
        if (status != 421)
            fail_msg("%s %s with a foreign Host: %ld", s_changes[i].method, s_changes[i].path,
                     status);
    }
    const char *good[][2] = {
        {"Host: localhost", NULL}, {"Host: 127.0.0.1:80", NULL}, {"Host: HMS.example:443", NULL}};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(s_request(s_env.port, "GET", "/healthz", NULL, good[i], NULL), 200);
    s_assert_unchanged(before);
}

//  Pages of other sites: an Origin that is not ours gets 403; forms,
//  text/plain and look-alike media types get 415; nothing changes.
static void test_cross_site(void **state)
{
    (void)state;
    char *before = s_state();
    char own[64];
    snprintf(own, sizeof own, "Origin: http://127.0.0.1:%d", s_env.port);
    const char *origins[] = {"Origin: http://attacker.example", "Origin: null",
                             "Origin: https://127.0.0.1:1"};
    const char *types[] = {"Content-Type: text/plain",
                           "Content-Type: application/x-www-form-urlencoded",
                           "Content-Type: multipart/form-data; boundary=x",
                           "Content-Type: text/plain; x=application/json",
                           "Content-Type: application/jsonp",
                           "Content-Type: application/json-patch+json"};
    for (size_t i = 0; i < CHANGES; i++) {
        for (size_t o = 0; o < sizeof origins / sizeof origins[0]; o++) {
            const char *headers[] = {origins[o], "Content-Type: application/json", NULL};
            long status = s_request(s_env.port, s_changes[i].method, s_changes[i].path,
                                    s_changes[i].body, headers, NULL);
            if (status != 403)
                fail_msg("%s %s, %s: %ld, expected 403", s_changes[i].method, s_changes[i].path,
                         origins[o], status);
        }
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            const char *headers[] = {types[t], NULL};
            long status = s_request(s_env.port, s_changes[i].method, s_changes[i].path,
                                    s_changes[i].body, headers, NULL);
            if (status != 415)
                fail_msg("%s %s, %s: %ld, expected 415", s_changes[i].method, s_changes[i].path,
                         types[t], status);
        }
        //  An empty form is a form.
        const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
        assert_int_equal(
            s_request(s_env.port, s_changes[i].method, s_changes[i].path, "", form, NULL), 415);
    }
    //  Reads from another origin are refused too; our own origin is served.
    const char *foreign[] = {"Origin: http://attacker.example", NULL};
    assert_int_equal(s_request(s_env.port, "GET", "/containers", NULL, foreign, NULL), 403);
    const char *ours[] = {own, "Content-Type: application/json; charset=utf-8", NULL};
    assert_int_equal(s_request(s_env.port, "GET", "/containers", NULL, ours, NULL), 200);
    s_assert_unchanged(before);
    //  The exact type, with a parameter, is JSON.
    assert_int_equal(
        s_request(s_env.port, "PUT", "/config", "{\"aggregation_ms\": 250}", ours, NULL), 200);
    assert_int_equal(
        s_request(s_env.port, "PUT", "/config", "{\"aggregation_ms\": 100}", ours, NULL), 200);
}

//  A connected TCP socket to the controller, from the loopback address
//  source (127.0.0.x). Returns it, or -1.
static int s_connect(int port, const char *source)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in from = {.sin_family = AF_INET};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, source, &from.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

//  Peak resident memory of pid, in kB.
static long s_peak_kb(pid_t pid)
{
    char *text = harness_sh_output("awk '/VmHWM/ {print $2}' /proc/%d/status", (int)pid);
    long kb = text ? atol(text) : -1;
    free(text);
    return kb;
}

//  Sends headers then up to total bytes of body as fast as the controller
//  takes them, until it answers or closes. With chunked, the body is
//  framed in chunks of 32 KB (total is then a number of whole chunks), and
//  ends with the last chunk. Returns the status line's code (0: closed
//  without an answer, -1: neither within 30 s), and the bytes sent before
//  and the time it took (ms).
static int s_flood(int port, const char *headers, size_t total, bool chunked, size_t *sent,
                   int64_t *ms)
{
    int fd = s_connect(port, "127.0.0.1");
    assert_true(fd >= 0);
    assert_int_equal(write(fd, headers, strlen(headers)), (ssize_t)strlen(headers));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    //  The body repeats one unit: 64 KB of data, or a framed 32 KB chunk.
    static char unit[1 << 16];
    size_t unit_size = sizeof unit;
    memset(unit, 'a', sizeof unit);
    if (chunked) {
        memcpy(unit, "8000\r\n", 6);
        memcpy(unit + 6 + 0x8000, "\r\n", 2);
        unit_size = 6 + 0x8000 + 2;
    }
    int64_t start = zclock_mono();
    *sent = 0;
    char answer[256] = "";
    size_t got = 0;
    while (zclock_mono() - start < 30000) {
        bool more = *sent < total || (chunked && *sent == total);
        struct pollfd item = {fd, (short)(POLLIN | (more ? POLLOUT : 0)), 0};
        if (poll(&item, 1, 1000) <= 0)
            continue;
        if (item.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(fd, answer + got, sizeof answer - 1 - got);
            if (n > 0)
                got += (size_t)n;
            if (n <= 0 || strstr(answer, "\r\n"))
                break;
        } else if (item.revents & POLLOUT) {
            if (chunked && *sent == total) {
                if (write(fd, "0\r\n\r\n", 5) != 5)
                    break;
                *sent += 5;
                continue;
            }
            size_t offset = *sent % unit_size, left = total - *sent;
            size_t size = unit_size - offset < left ? unit_size - offset : left;
            ssize_t n = write(fd, unit + offset, size);
            if (n > 0)
                *sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN)
                break;
        }
    }
    *ms = zclock_mono() - start;
    close(fd);
    answer[got] = '\0';
    int code = 0;
    sscanf(answer, "HTTP/1.%*d %d", &code);
    return *ms >= 30000 ? -1 : code;
}

//  Bodies over 64 KB: 413 before the body is read (a few MB sit in socket
//  buffers), and none of it in memory; without a length, the connection
//  closed at the limit; 64 KB passes.
static void test_body_limit(void **state)
{
    (void)state;
    char *before = s_state();
    long peak_before = s_peak_kb(s_env.pid);
    char headers[512];
    size_t total = 300u << 20, sent;
    int64_t ms;
    snprintf(headers, sizeof headers,
             "POST /containers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
             "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n",
             total);
    int code = s_flood(s_env.port, headers, total, false, &sent, &ms);
    long peak = s_peak_kb(s_env.pid);
    print_message(
        "300 MB form body: %d after %.1f MB sent, %lld ms; peak RSS %ld kB (%ld before)\n", code,
        (double)sent / (1 << 20), (long long)ms, peak, peak_before);
    assert_int_equal(code, 413);
    assert_true(sent < total / 10);
    assert_true(peak < 50 * 1024);
    //  Without a length (chunked): closed, as early.
    snprintf(headers, sizeof headers,
             "PUT /config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n");
    total = 9600 * (6 + 0x8000 + 2);
    code = s_flood(s_env.port, headers, total, true, &sent, &ms);
    print_message("300 MB chunked body: %d (closed) after %.1f MB sent, %lld ms\n", code,
                  (double)sent / (1 << 20), (long long)ms);
    assert_int_equal(code, 0);
    assert_true(sent < total / 10);
    //  Just over, and just at, the limit.
    char *big = malloc(65537 + 1);
    memset(big, ' ', 65537);
    big[65537] = '\0';
    memcpy(big, "{\"aggregation_ms\": 100}", 23);
    const char *json[] = {"Content-Type: application/json", NULL};
    assert_int_equal(s_request(s_env.port, "PUT", "/config", big, json, NULL), 413);
    big[65536] = '\0';
    assert_int_equal(s_request(s_env.port, "PUT", "/config", big, json, NULL), 200);
    free(big);
    s_assert_unchanged(before);
}

//  1,100 connections that never finish their request, from eleven other
//  loopback addresses: the controller still answers (s_request gives up
//  after 10 s; the time it took is printed).
static void test_idle_connections(void **state)
{
    (void)state;
    int fds[1100];
    size_t open_count = 0;
    for (int i = 0; i < 1100; i++) {
        char source[32];
        snprintf(source, sizeof source, "127.0.0.%d", 2 + i / 100);
        int fd = s_connect(s_env.port, source);
        if (fd >= 0) {
            //  Half a request line, and then nothing.
            if (write(fd, "GET /healthz HT", 15) < 0)
                fail_msg("write: %s", strerror(errno));
            fds[open_count++] = fd;
        }
    }
    assert_int_equal(open_count, 1100);
    int64_t start = zclock_mono();
    assert_int_equal(s_request(s_env.port, "GET", "/healthz", NULL, NULL, NULL), 200);
    int64_t ms = zclock_mono() - start;
    print_message("/healthz with 1,100 idle connections open: %lld ms\n", (long long)ms);
    for (size_t i = 0; i < open_count; i++)
        close(fds[i]);
}

//  Hosts are added until the cap that the file descriptors allow: the
//  controller answers /healthz, one more host is 507, nothing aborts. The
//  cap is at least 1,000 hosts.
static void test_host_cap(void **state)
{
    (void)state;
    //  6,700 descriptors: (6,700 - 256 - 64) / 6 = 1,063 hosts.
    int port;
    const char *extra[] = {"--http-connections", "64", NULL};
    pid_t pid = s_start("cap", "/usr/bin/prlimit --nofile=6700:6700", &port, extra);
    char *stats = NULL;
    assert_int_equal(s_request(port, "GET", "/stats", NULL, NULL, &stats), 200);
    json_t *json = json_loads(stats, 0, NULL);
    long cap = (long)json_integer_value(json_object_get(json, "max_hosts"));
    json_decref(json);
    free(stats);
    assert_true(cap >= 1000);
    //  Addresses where no manager is: the held port of loopback addresses.
    int dead = harness_dead_port(2);
    long added = 0, status = 201;
    for (long i = 0; status == 201 && i <= cap; i++) {
        char path[96];
        snprintf(path, sizeof path, "/containers/127.1.%ld.%ld:%d", i / 250, 1 + i % 250, dead);
        status = s_request(port, "PUT", path, NULL, NULL, NULL);
        added += status == 201;
    }
    print_message("hosts followed: %ld, cap %ld; then %ld\n", added, cap, status);
    assert_int_equal(added, cap);
    assert_int_equal(status, 507);
    assert_int_equal(s_request(port, "GET", "/healthz", NULL, NULL, NULL), 200);
    assert_true(harness_alive(pid));
    int exit_status = harness_stop(pid, SIGTERM, 20000);
    assert_true(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0);
}

//  Hosts are added with their manager's public key, which the controller
//  keeps across a restart; a bad key, a key without a key pair of its own,
//  and a host beyond loopback without a key are refused (400).
static void test_host_keys(void **state)
{
    (void)state;
    char key[128], secret[160], allow[128], state_file[128], path[128];
    snprintf(key, sizeof key, "%s/controller", s_env.dir);
    snprintf(secret, sizeof secret, "%s_secret", key);
    snprintf(allow, sizeof allow, "%s/allow", s_env.dir);
    snprintf(state_file, sizeof state_file, "%s/keys.state", s_env.dir);
    harness_keygen(key, NULL);
    assert_int_equal(mkdir(allow, 0700), 0);
    char manager_key[41], manager[128];
    snprintf(manager, sizeof manager, "%s/manager", s_env.dir);
    harness_keygen(manager, manager_key);
    const char *extra[] = {"--curve-secret", secret, "--curve-allow", allow, "--state-file",
                           state_file,       NULL};
    int port;
    pid_t pid = s_start("keys", NULL, &port, extra);
    int dead = harness_dead_port(2);
    const char *json[] = {"Content-Type: application/json", NULL};
    char body[128];
    snprintf(body, sizeof body, "{\"public_key\": \"%s\"}", manager_key);
    snprintf(path, sizeof path, "/containers/127.0.0.1:%d", dead);
    char *answer = NULL;
    assert_int_equal(s_request(port, "PUT", path, body, json, &answer), 201);
    json_t *host = json_loads(answer, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(host, "public_key")), manager_key);
    json_decref(host);
    free(answer);
    //  Refused: a key that is not one, an unknown key, beyond loopback without a key.
    snprintf(path, sizeof path, "/containers/127.0.0.2:%d", dead);
    const char *bad[] = {"{\"public_key\": \"short\"}", "{\"public_key\": 42}",
                         "{\"colour\": \"blue\"}", "{\"antagonist_key\": \"x\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(s_request(port, "PUT", path, bad[i], json, NULL), 400);
    assert_int_equal(s_request(port, "PUT", "/containers/10.0.0.5", NULL, NULL, NULL), 400);
    assert_int_equal(s_request(port, "GET", "/containers/10.0.0.5", NULL, NULL, NULL), 404);
    //  A restart brings the host back with its key, from the state file.
    assert_int_equal(harness_stop(pid, SIGTERM, 10000), 0);
    pid = s_start("keys", NULL, &port, extra);
    snprintf(path, sizeof path, "/containers/127.0.0.1:%d", dead);
    answer = NULL;
    assert_int_equal(s_request(port, "GET", path, NULL, NULL, &answer), 200);
    host = json_loads(answer, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(host, "public_key")), manager_key);
    json_decref(host);
    free(answer);
    assert_int_equal(harness_stop(pid, SIGTERM, 10000), 0);
    //  A controller without a key pair cannot follow a host by its key.
    snprintf(path, sizeof path, "/containers/127.0.0.3:%d", dead);
    assert_int_equal(s_request(s_env.port, "PUT", path, body, json, NULL), 400);
    //  Nor the one of its state file: set aside, and kept in the file
    //  across a change; DELETE forgets it.
    const char *keyless[] = {"--state-file", state_file, NULL};
    pid = s_start("keyless", NULL, &port, keyless);
    snprintf(path, sizeof path, "/containers/127.0.0.1:%d", dead);
    assert_int_equal(s_request(port, "GET", path, NULL, NULL, NULL), 404);
    assert_int_equal(s_request(port, "PUT", "/config", "{\"aggregation_ms\": 200}", json, NULL),
                     200);
    assert_int_equal(harness_sh("grep -qF -- '%s' %s", manager_key, state_file), 0);
    assert_int_equal(
        harness_sh("grep -q 'host 127.0.0.1:%d set aside' %s/keyless.log", dead, s_env.dir), 0);
    assert_int_equal(s_request(port, "DELETE", path, NULL, NULL, NULL), 204);
    assert_int_equal(s_request(port, "DELETE", path, NULL, NULL, NULL), 404);
    assert_int_equal(harness_sh("grep -q '127.0.0.1:%d' %s", dead, state_file), 1);
    assert_int_equal(harness_stop(pid, SIGTERM, 10000), 0);
}

//  Runs program with args (NULL-terminated); true when it exits non-zero
//  within 10 s and its log says text.
static bool s_refuses(const char *program, const char *const *args, const char *text)
{
    char log[128];
    snprintf(log, sizeof log, "%s/refused.log", s_env.dir);
    unlink(log);
    const char *argv[16] = {program};
    size_t argc = 1;
    while (*args && argc < 15)
        argv[argc++] = *args++;
    argv[argc] = NULL;
    pid_t pid = harness_spawn(log, (char *const *)argv);
    int status = harness_stop(pid, 0, 10000);
    char *said = harness_sh_output("cat %s", log);
    bool refused = WIFEXITED(status) && WEXITSTATUS(status) != 0 && said && strstr(said, text);
    if (!refused)
        print_message("%s: status %d, said: %s\n", program, status, said ? said : "");
    free(said);
    return refused;
}

//  Without keys, nothing is served beyond loopback: each daemon asked for
//  another address stops with one line; --insecure allows it, and says so.
static void test_safe_defaults(void **state)
{
    (void)state;
    const char *manager[] = {"--pub", "tcp://*:*", "--state-file", "", NULL};
    assert_true(s_refuses(HMS_BINARY_DIR "/manager/hms-manager", manager,
                          "refusing to bind tcp://*:* in plaintext"));
    const char *antagonist[] = {"--router", "tcp://0.0.0.0:*", "--targets", "hms.test=none", NULL};
    assert_true(s_refuses(HMS_BINARY_DIR "/antagonist/hms-antagonist", antagonist,
                          "refusing to bind tcp://0.0.0.0:* in plaintext"));
    const char *router[] = {"--http-port", "0", "--state-file", "", "--router", "tcp://*:*", NULL};
    assert_true(s_refuses(CONTROLLER, router, "refusing to bind tcp://*:* in plaintext"));
    const char *http[] = {"--http-bind", "0.0.0.0", "--http-port", "0", "--state-file", "",
                          "--router",    "none",    NULL};
    assert_true(s_refuses(CONTROLLER, http,
                          "refusing to serve the REST API on 0.0.0.0 without a "
                          "token"));
    const char *keys[] = {"--curve-secret", "/nonexistent", "--http-port", "0", "--state-file", "",
                          "--router",       "none",         NULL};
    assert_true(s_refuses(CONTROLLER, keys, "curve-secret: /nonexistent"));
    //  A secret others may read is refused too.
    char secret[160];
    snprintf(secret, sizeof secret, "%s/loose", s_env.dir);
    harness_keygen(secret, NULL);
    strcat(secret, "_secret");
    assert_int_equal(chmod(secret, 0644), 0);
    const char *loose[] = {"--curve-secret",
                           secret,
                           "--curve-allow",
                           s_env.dir,
                           "--http-port",
                           "0",
                           "--state-file",
                           "",
                           NULL};
    assert_true(s_refuses(CONTROLLER, loose, "open to others (mode 644)"));
    //  --insecure: served, with a warning at start.
    char ready[128], log[128], text[64];
    snprintf(ready, sizeof ready, "%s/insecure.ready", s_env.dir);
    snprintf(log, sizeof log, "%s/insecure.log", s_env.dir);
    char *argv[] = {HMS_BINARY_DIR "/manager/hms-manager",
                    "--pub",
                    "tcp://*:*",
                    "--state-file",
                    "",
                    "--insecure",
                    NULL};
    pid_t pid = harness_daemon(log, ready, argv, 10000);
    harness_ready_value(ready, "pub", text, sizeof text);
    assert_non_null(strstr(text, "tcp://*:"));
    assert_int_equal(harness_sh("grep -q -- '--insecure: no key pair' %s", log), 0);
    harness_stop(pid, SIGTERM, 10000);
    //  --insecure does not open the REST API: still loopback by default,
    //  and beyond it only when asked, with a warning.
    snprintf(ready, sizeof ready, "%s/insecure-rest.ready", s_env.dir);
    snprintf(log, sizeof log, "%s/insecure-rest.log", s_env.dir);
    char *rest[] = {CONTROLLER, "--http-port", "0",           "--router", "none", "--state-file",
                    "",         "--insecure",  "--http-bind", "",         NULL};
    rest[8] = NULL; //  first without --http-bind
    pid = harness_daemon(log, ready, rest, 15000);
    harness_stop(pid, SIGTERM, 10000);
    assert_int_equal(harness_sh("grep -q 'REST on http://127.0.0.1:' %s", log), 0);
    assert_int_equal(harness_sh("grep -q -- '--insecure: plaintext ZeroMQ' %s", log), 0);
    rest[8] = "--http-bind";
    rest[9] = "0.0.0.0";
    pid = harness_daemon(log, ready, rest, 15000);
    harness_stop(pid, SIGTERM, 10000);
    assert_int_equal(harness_sh("grep -q 'REST on http://0.0.0.0:' %s", log), 0);
    assert_int_equal(
        harness_sh("grep -q -- '--insecure: the REST API on 0.0.0.0 without a token' %s", log), 0);
}

//  Requests on one connection (keep-alive, pipelined) each get their own
//  64 KB; methods are case-sensitive; a request without Host is refused;
//  a threshold body takes no other key. Nothing changes.
static void test_request_edges(void **state)
{
    (void)state;
    char *before = s_state();
    //  Three 40 KB bodies, pipelined on one connection: three answers of 200.
    size_t body_size = 40000;
    char *body = malloc(body_size + 1);
    memset(body, ' ', body_size);
    body[body_size] = '\0';
    memcpy(body, "{\"aggregation_ms\": 100}", 23);
    char *requests = NULL;
    size_t requests_size = 0;
    FILE *out = open_memstream(&requests, &requests_size);
    for (int i = 0; i < 3; i++)
        fprintf(out,
                "PUT /config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %zu\r\n%s\r\n%s",
                body_size, i == 2 ? "Connection: close\r\n" : "", body);
    fclose(out);
    free(body);
    int fd = s_connect(s_env.port, "127.0.0.1");
    assert_true(fd >= 0);
    size_t sent = 0;
    while (sent < requests_size) {
        ssize_t n = write(fd, requests + sent, requests_size - sent);
        assert_true(n > 0);
        sent += (size_t)n;
    }
    free(requests);
    char answers[16384];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof answers - 1 && (n = read(fd, answers + got, sizeof answers - 1 - got)) > 0)
        got += (size_t)n;
    answers[got] = '\0';
    close(fd);
    int ok = 0;
    for (const char *at = answers; (at = strstr(at, "HTTP/1.1 ")); at++)
        ok += strncmp(at, "HTTP/1.1 200", 12) == 0 ? 1 : -100;
    if (ok != 3)
        fail_msg("three pipelined 40 KB bodies:\n%s", answers);
    //  "put" is not PUT (ulfius would match it to PUT's route).
    const char *json[] = {"Content-Type: application/json", NULL};
    assert_int_equal(
        s_request(s_env.port, "put", "/config", "{\"aggregation_ms\": 2500}", json, NULL), 501);
    assert_int_equal(s_request(s_env.port, "delete", "/test", NULL, NULL, NULL), 501);
    //  No Host header (HTTP/1.0 allows it; the guard does not).
    fd = s_connect(s_env.port, "127.0.0.1");
    assert_true(fd >= 0);
    const char *bare = "GET /healthz HTTP/1.0\r\n\r\n";
    assert_int_equal(write(fd, bare, strlen(bare)), (ssize_t)strlen(bare));
    got = 0;
    while (got < sizeof answers - 1 && (n = read(fd, answers + got, sizeof answers - 1 - got)) > 0)
        got += (size_t)n;
    answers[got] = '\0';
    close(fd);
    if (strncmp(answers, "HTTP/1.0 421", 12) != 0 && strncmp(answers, "HTTP/1.1 421", 12) != 0)
        fail_msg("a request without Host: %.200s", answers);
    //  A threshold with another key beside it.
    assert_int_equal(s_request(s_env.port, "POST", "/containers",
                               "{\"threshold\": 5, \"colour\": \"blue\"}", json, NULL),
                     400);
    s_assert_unchanged(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_header),   cmocka_unit_test(test_cross_site),
        cmocka_unit_test(test_body_limit),    cmocka_unit_test(test_idle_connections),
        cmocka_unit_test(test_host_cap),      cmocka_unit_test(test_host_keys),
        cmocka_unit_test(test_safe_defaults), cmocka_unit_test(test_request_edges),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
