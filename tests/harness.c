/*  harness: what the integration tests share.  */

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
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char s_tag[32];

const char *harness_tag(void)
{
    if (!s_tag[0])
        snprintf(s_tag, sizeof s_tag, "hmst%d", (int)getpid());
    return s_tag;
}

static char *s_format(const char *format, va_list args)
{
    char *text = NULL;
    if (vasprintf(&text, format, args) < 0)
        fail_msg("out of memory");
    return text;
}

int harness_sh(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *command = s_format(format, args);
    va_end(args);
    int status = system(command);
    free(command);
    return status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *harness_sh_output(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *command = s_format(format, args);
    va_end(args);
    FILE *pipe = popen(command, "r");
    free(command);
    if (!pipe)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        fwrite(buffer, 1, got, out);
    fclose(out);
    int status = pclose(pipe);
    if (status != 0) {
        free(text);
        return NULL;
    }
    while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r'))
        text[--size] = '\0';
    return text;
}

void harness_require_docker(void)
{
    if (harness_sh("timeout 10 docker info >/dev/null 2>&1") != 0)
        fail_msg("no Docker engine answers: run scripts/setup (this test needs a real engine)");
    if (harness_sh("docker image inspect hms/testbox:1 >/dev/null 2>&1") != 0)
        fail_msg("no image hms/testbox:1: run scripts/setup");
}

char *harness_container(const char *name, const char *flags)
{
    char *id = harness_sh_output("docker run -d --name %s-%s --label hms.test=%s %s hms/testbox:1",
                                 harness_tag(), name, harness_tag(), flags ? flags : "");
    if (!id || strlen(id) != 64)
        fail_msg("cannot start container %s", name);
    return id;
}

static const char *s_inspect(const char *id, const char *format)
{
    static char value[256];
    char *text = harness_sh_output("docker inspect -f '%s' %s 2>/dev/null", format, id);
    snprintf(value, sizeof value, "%s", text ? text : "");
    free(text);
    return value;
}

const char *harness_state(const char *id)
{
    return s_inspect(id, "{{.State.Status}}");
}

const char *harness_ip(const char *id)
{
    return s_inspect(id, "{{.NetworkSettings.IPAddress}}");
}

const char *harness_started_at(const char *id)
{
    return s_inspect(id, "{{.State.StartedAt}}");
}

void harness_wait_measured(zsock_t *sub, char *const *ids, int count)
{
    uint32_t seen = 0;
    int measured = 0;
    int64_t deadline = zclock_mono() + 30000;
    while (measured < count && zclock_mono() < deadline) {
        hms_msg_t msg;
        if (harness_receive(sub, &msg, 1000) != 0)
            continue;
        for (size_t i = 0; msg.type == HMS_MSG_METRICS && i < msg.metrics.count; i++) {
            int c = harness_find(ids, count, msg.metrics.entries[i].id);
            if (c >= 0 && !(seen >> c & 1)) {
                seen |= 1u << c;
                measured++;
            }
        }
        hms_msg_reset(&msg);
    }
    if (measured < count)
        fail_msg("the manager measured %d of the %d containers in 30 s", measured, count);
}

void harness_end(const char *dir, const pid_t *daemons, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (daemons[i] > 0)
            harness_stop(daemons[i], SIGTERM, 10000);
    harness_cleanup();
    if (dir && *dir)
        harness_sh("rm -rf %s", dir);
}

int harness_find(char *const *ids, int count, const char *id)
{
    for (int i = 0; i < count; i++)
        if (ids[i] && strcmp(ids[i], id) == 0)
            return i;
    return -1;
}

void harness_cleanup(void)
{
    harness_sh("docker ps -aq --filter label=hms.test=%s | xargs -r docker rm -f >/dev/null 2>&1",
               harness_tag());
    harness_sh("docker network ls -q --filter label=hms.test=%s | xargs -r docker network rm "
               ">/dev/null 2>&1",
               harness_tag());
    //  iptables rules a test added carry the comment hms-test-<tag>.
    harness_sh("iptables -S OUTPUT 2>/dev/null | grep -- '%s' | sed 's/^-A/-D/' | "
               "while read -r rule; do eval iptables $rule; done",
               harness_tag());
}

bool harness_wait(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (true) {
        if (cond(arg))
            return true;
        if (zclock_mono() >= deadline)
            return false;
        zclock_sleep(20);
    }
}

//  Binds a TCP socket of 127.0.0.1 to port (0: any); returns it, or -1.
static int s_hold(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && bind(fd, (struct sockaddr *)&address, sizeof address) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

int harness_dead_port(int count)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = s_hold(0);
        struct sockaddr_in address;
        socklen_t length = sizeof address;
        if (fd < 0 || getsockname(fd, (struct sockaddr *)&address, &length) != 0)
            fail_msg("cannot bind a socket: %s", strerror(errno));
        int port = ntohs(address.sin_port);
        if (count == 1 || (port < 65535 && s_hold(port + 1) >= 0))
            return port; //  held until the process ends
        close(fd);
    }
    fail_msg("no two consecutive ports to hold");
    return 0;
}

void harness_ready_wait(const char *path, pid_t pid, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (!zsys_file_exists(path)) {
        if (!harness_alive(pid))
            fail_msg("the daemon that was to write %s exited", path);
        if (zclock_mono() >= deadline)
            fail_msg("no ready file %s within %d ms", path, timeout_ms);
        zclock_sleep(10);
    }
}

void harness_ready_value(const char *path, const char *key, char *out, size_t size)
{
    FILE *file = fopen(path, "r");
    if (!file)
        fail_msg("cannot read %s", path);
    char line[512];
    size_t length = strlen(key);
    bool found = false;
    while (!found && fgets(line, sizeof line, file)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, key, length) == 0 && line[length] == '=') {
            snprintf(out, size, "%s", line + length + 1);
            found = true;
        }
    }
    fclose(file);
    if (!found)
        fail_msg("%s has no %s", path, key);
}

pid_t harness_daemon(const char *log, const char *path, char *const argv[], int timeout_ms)
{
    char *args[64];
    size_t count = 0;
    while (argv[count] && count < 60) {
        args[count] = argv[count];
        count++;
    }
    args[count++] = "--ready-file";
    args[count++] = (char *)path;
    args[count] = NULL;
    unlink(path); //  a crashed daemon's file is not the news of this one
    pid_t pid = harness_spawn(log, args);
    harness_ready_wait(path, pid, timeout_ms);
    return pid;
}

//  Children not stopped yet: a test that fails between harness_spawn and
//  harness_stop leaves its daemon here, and the exit handler stops it.
#define CHILDREN_MAX 256
static pid_t s_children[CHILDREN_MAX];

static void s_children_stop(void)
{
    for (int i = 0; i < CHILDREN_MAX; i++)
        if (s_children[i] > 0)
            harness_stop(s_children[i], SIGTERM, 5000);
}

pid_t harness_spawn(const char *log, char *const argv[])
{
    static bool registered;
    if (!registered)
        registered = atexit(s_children_stop) == 0;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        //  And when the test process dies (a crash, a kill), so does this.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        //  The child must not inherit czmq's signal handlers' effects.
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < CHILDREN_MAX; i++)
        if (s_children[i] == 0) {
            s_children[i] = pid;
            break;
        }
    return pid;
}

bool harness_alive(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

int harness_stop(pid_t pid, int sig, int timeout_ms)
{
    for (int i = 0; i < CHILDREN_MAX; i++)
        if (s_children[i] == pid)
            s_children[i] = 0;
    kill(pid, sig);
    int64_t deadline = zclock_mono() + timeout_ms;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (zclock_mono() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        zclock_sleep(10);
    }
    return status;
}

void harness_keygen(const char *path, char *public_key)
{
    zcert_t *cert = zcert_new();
    assert_non_null(cert);
    assert_int_equal(zcert_save(cert, path), 0);
    if (public_key)
        snprintf(public_key, 41, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
}

void harness_client_open(harness_client_t *client, const char *endpoint)
{
    harness_client_open_curve(client, endpoint, NULL, NULL);
}

void harness_client_open_curve(harness_client_t *client, const char *endpoint, const char *secret,
                               const char *server_key)
{
    client->dealer = zsock_new(ZMQ_DEALER);
    assert_non_null(client->dealer);
    zsock_set_maxmsgsize(client->dealer, HMS_MESSAGE_MAX);
    if (secret) {
        zcert_t *cert = zcert_load(secret);
        assert_non_null(cert);
        zcert_apply(cert, client->dealer);
        zcert_destroy(&cert);
        zsock_set_curve_serverkey(client->dealer, server_key);
    }
    assert_int_equal(zsock_connect(client->dealer, "%s", endpoint), 0);
    client->corr_id = (uint64_t)getpid() * 1000;
}

void harness_client_close(harness_client_t *client)
{
    zsock_destroy(&client->dealer);
}

static int s_receive(zsock_t *sock, hms_msg_t *reply, uint64_t corr_id, bool any, int timeout_ms)
{
    hms_msg_init(reply, HMS_MSG_NONE); //  safe to reset even after a timeout
    int64_t deadline = zclock_mono() + timeout_ms;
    zpoller_t *poller = zpoller_new(sock, NULL);
    int rc = -1;
    while (rc != 0) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0 || !zpoller_wait(poller, (int)left))
            break;
        zframe_t *body = zframe_recv(sock);
        if (!body)
            break;
        if (hms_msg_decode(reply, zframe_data(body), zframe_size(body)) != 0)
            fail_msg("undecodable reply: %s", reply->decode_text);
        zframe_destroy(&body);
        if (any || reply->corr_id == corr_id)
            rc = 0;
        else
            hms_msg_reset(reply); //  a late answer to an earlier request
    }
    zpoller_destroy(&poller);
    return rc;
}

int harness_request(harness_client_t *client, hms_msg_t *request, hms_msg_t *reply, int timeout_ms)
{
    request->corr_id = ++client->corr_id;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(request, &buffer), 0);
    zframe_t *frame = zframe_new(buffer.data, buffer.size);
    msgpack_sbuffer_destroy(&buffer);
    assert_int_equal(zframe_send(&frame, client->dealer, 0), 0);
    return s_receive(client->dealer, reply, request->corr_id, false, timeout_ms);
}

int harness_request_raw(harness_client_t *client, const void *data, size_t size, hms_msg_t *reply,
                        int timeout_ms)
{
    zframe_t *frame = zframe_new(data, size);
    assert_int_equal(zframe_send(&frame, client->dealer, 0), 0);
    return s_receive(client->dealer, reply, 0, true, timeout_ms);
}

int harness_receive(zsock_t *sub, hms_msg_t *msg, int timeout_ms)
{
    zpoller_t *poller = zpoller_new(sub, NULL);
    void *ready = zpoller_wait(poller, timeout_ms);
    zpoller_destroy(&poller);
    if (!ready)
        return -1;
    zmsg_t *message = zmsg_recv(sub);
    if (!message || zmsg_size(message) != 2) {
        zmsg_destroy(&message);
        return -2;
    }
    zframe_t *body = zmsg_last(message);
    int rc = hms_msg_decode(msg, zframe_data(body), zframe_size(body));
    zmsg_destroy(&message);
    return rc == 0 ? 0 : -2;
}

static size_t s_collect(char *data, size_t size, size_t count, void *arg)
{
    fwrite(data, size, count, arg);
    return size * count;
}

long harness_http_raw(const char *method, const char *url, const char *body,
                      const char *const *headers, char **response, int timeout_ms)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    struct curl_slist *list = NULL;
    for (; headers && *headers; headers++)
        list = curl_slist_append(list, *headers);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    fclose(out);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (response)
        *response = text;
    else
        free(text);
    return status;
}

long harness_http(const char *method, const char *url, const char *body, const char *content_type,
                  char **response, int timeout_ms)
{
    char header[128];
    snprintf(header, sizeof header, "Content-Type: %s",
             content_type ? content_type : "application/json");
    const char *headers[] = {body ? header : NULL, NULL};
    return harness_http_raw(method, url, body, headers, response, timeout_ms);
}

int harness_listening_port(pid_t pid)
{
    char *table = harness_sh_output("ss -Htlnp 2>/dev/null | grep 'pid=%d,' || true", (int)pid);
    int port = 0;
    const char *colon = table ? strstr(table, "127.0.0.1:") : NULL;
    if (colon)
        port = atoi(colon + strlen("127.0.0.1:"));
    free(table);
    return port;
}

void harness_write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    if (!file || fputs(text, file) < 0 || fclose(file) != 0)
        fail_msg("cannot write %s", path);
}

//  argv: fixed, then extra (NULL-terminated), into out (max entries).
static void s_argv(const char *const *fixed, size_t count, const char *const *extra, char **out,
                   size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < count && n + 1 < max; i++)
        out[n++] = (char *)fixed[i];
    for (; extra && *extra && n + 1 < max; extra++)
        out[n++] = (char *)*extra;
    out[n] = NULL;
}

pid_t harness_manager(const char *dir, const char *const *extra, char *pub, char *address)
{
    char label[64], log[256], ready[256];
    snprintf(label, sizeof label, "hms.test=%s", harness_tag());
    snprintf(log, sizeof log, "%s/manager.log", dir);
    snprintf(ready, sizeof ready, "%s/manager.ready", dir);
    const char *fixed[] = {HMS_BINARY_DIR "/manager/hms-manager",
                           "--pub",
                           "tcp://127.0.0.1:*",
                           "--label",
                           label,
                           "--state-file",
                           "",
                           "--log-level",
                           "info"};
    char *argv[32];
    s_argv(fixed, sizeof fixed / sizeof *fixed, extra, argv, 32);
    pid_t pid = harness_daemon(log, ready, argv, 10000);
    harness_ready_value(ready, "pub", pub, 64);
    snprintf(address, 64, "127.0.0.1:%s", strrchr(pub, ':') + 1);
    return pid;
}

pid_t harness_controller(const char *dir, const char *hosts, const char *const *extra, char *base)
{
    char log[256], ready[256], port[16];
    snprintf(log, sizeof log, "%s/controller.log", dir);
    snprintf(ready, sizeof ready, "%s/controller.ready", dir);
    const char *fixed[] = {HMS_BINARY_DIR "/controller/hms-controller",
                           "--http-bind",
                           "127.0.0.1",
                           "--http-port",
                           "0",
                           "--router",
                           "none",
                           "--state-file",
                           "",
                           "--hosts",
                           hosts,
                           "--log-level",
                           "info"};
    char *argv[32];
    s_argv(fixed, sizeof fixed / sizeof *fixed, extra, argv, 32);
    pid_t pid = harness_daemon(log, ready, argv, 10000);
    harness_ready_value(ready, "http_port", port, sizeof port);
    snprintf(base, 64, "http://127.0.0.1:%s", port);
    return pid;
}
