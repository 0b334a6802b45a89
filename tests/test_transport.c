/*  test_transport: the ZeroMQ transport's policy and its ZAP handler, in
    one process on loopback: which endpoints count as local, a daemon's
    pair of sockets on ipc, what a secret file and an allow-list directory
    must be, an allow-list file replaced in place, and a flood of refused
    keys from more addresses than the handler names.

    The clients here are bare czmq sockets with keys of their own: peers
    the transport must refuse or admit, not HMS programs.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_auth.h"
#include "hms_log.h"
#include "hms_transport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    hms_log_init("test_transport", HMS_LOG_NOTICE, false);
    hms_transport_raise_limits();
    snprintf(s_dir, sizeof s_dir, "/tmp/hms-test-transport-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    return harness_sh("rm -rf %s", s_dir);
}

//  A fresh directory under the test's, mode 0700.
static void s_subdir(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", s_dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
}

//  Which endpoints plaintext may use without --insecure.
static void test_local_endpoints(void **state)
{
    (void)state;
    const char *local[] = {"tcp://127.0.0.1:7601", "tcp://127.9.8.7:1",   "tcp://localhost:7601",
                           "tcp://[::1]:7601",     "ipc:///run/hms.sock", "inproc://x"};
    const char *remote[] = {"tcp://*:7601",        "tcp://0.0.0.0:7601",
                            "tcp://10.0.0.1:7601", "tcp://lo:7601",
                            "tcp://eth0:7601",     "tcp://127.0.0.1;10.0.0.1:1",
                            "tcp://128.0.0.1:1",   "udp://127.0.0.1:1",
                            "tcp://127.0.0.1",     ""};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (!hms_endpoint_local(local[i]))
            fail_msg("'%s' should be local", local[i]);
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
        if (hms_endpoint_local(remote[i]))
            fail_msg("'%s' should not be local", remote[i]);
    assert_false(hms_endpoint_local(NULL));
}

//  A daemon's two sockets on ipc endpoints: bound, port 0 (none).
static void test_pair_on_ipc(void **state)
{
    (void)state;
    hms_transport_config_t config = {NULL, NULL, false};
    hms_transport_t *transport = hms_transport_new(&config, true);
    assert_non_null(transport);
    char pub[128], router[128];
    snprintf(pub, sizeof pub, "ipc://%s/ipc-pub", s_dir);
    snprintf(router, sizeof router, "ipc://%s/ipc-router", s_dir);
    zsock_t *lower = NULL, *upper = NULL;
    assert_int_equal(
        hms_transport_bind_pair(transport, 7601, ZMQ_PUB, pub, ZMQ_ROUTER, router, &lower, &upper),
        0);
    assert_non_null(lower);
    assert_non_null(upper);
    assert_string_equal(zsock_endpoint(lower), pub);
    assert_string_equal(zsock_endpoint(upper), router);
    zsock_destroy(&lower);
    zsock_destroy(&upper);
    hms_transport_destroy(&transport);
}

//  A key pair NAME / NAME_secret under the test's directory; public key
//  into key (41 bytes) when not NULL.
static void s_keygen(char *path, size_t size, const char *name, char *key)
{
    snprintf(path, size, "%s/%s", s_dir, name);
    harness_keygen(path, key);
}

//  What a secret file must be: closed to others, owned by root or us; a
//  symlink to one is fine. The public key is the secret's own.
static void test_secret_file(void **state)
{
    (void)state;
    char path[128], secret[160], link[160], key[41];
    s_keygen(path, sizeof path, "daemon", key);
    snprintf(secret, sizeof secret, "%s_secret", path);
    hms_transport_config_t config = {secret, NULL, false};
    hms_transport_t *transport = hms_transport_new(&config, false);
    assert_non_null(transport);
    assert_string_equal(hms_transport_public_key(transport), key);
    hms_transport_destroy(&transport);
    //  Through a symlink.
    snprintf(link, sizeof link, "%s/link_secret", s_dir);
    assert_int_equal(symlink(secret, link), 0);
    config.curve_secret = link;
    transport = hms_transport_new(&config, false);
    assert_non_null(transport);
    assert_string_equal(hms_transport_public_key(transport), key);
    hms_transport_destroy(&transport);
    //  Readable, or writable, by the group or others: refused.
    const mode_t loose[] = {0640, 0604, 0620, 0602};
    for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
        assert_int_equal(chmod(secret, loose[i]), 0);
        transport = hms_transport_new(&config, false);
        if (transport)
            fail_msg("a secret of mode %o was taken", (unsigned)loose[i]);
    }
    assert_int_equal(chmod(secret, 0600), 0);
    //  Owned by another user: refused.
    assert_int_equal(chown(secret, 65534, 65534), 0);
    assert_null(hms_transport_new(&config, false));
    assert_int_equal(chown(secret, 0, 0), 0);
    //  A public certificate, or garbage, is no secret.
    config.curve_secret = path;
    assert_int_equal(chmod(path, 0600), 0);
    assert_null(hms_transport_new(&config, false));
}

//  What an allow-list directory must be: writable by root or us only.
static void test_allow_dir_modes(void **state)
{
    (void)state;
    char path[128], secret[160], allow[128];
    s_keygen(path, sizeof path, "server", NULL);
    snprintf(secret, sizeof secret, "%s_secret", path);
    s_subdir(allow, sizeof allow, "allow-modes");
    hms_transport_config_t config = {secret, allow, false};
    const mode_t loose[] = {0777, 0775, 0757, 01777};
    for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
        assert_int_equal(chmod(allow, loose[i]), 0);
        hms_transport_t *transport = hms_transport_new(&config, true);
        if (transport)
            fail_msg("an allow-list directory of mode %o was taken", (unsigned)loose[i]);
    }
    assert_int_equal(chmod(allow, 0755), 0);
    assert_int_equal(chown(allow, 65534, 65534), 0);
    assert_null(hms_transport_new(&config, true));
    assert_int_equal(chown(allow, 0, 0), 0);
    hms_transport_t *transport = hms_transport_new(&config, true);
    assert_non_null(transport);
    hms_transport_destroy(&transport);
}

//  A server: a CURVE ROUTER on loopback that answers every request with
//  "ok", and the transport that guards it.
typedef struct {
    hms_transport_t *transport;
    zsock_t *router;
    char endpoint[64];
    char key[41];
} server_t;

static void s_server_start(server_t *server, char *allow)
{
    char path[128], secret[160];
    s_keygen(path, sizeof path, "router", server->key);
    snprintf(secret, sizeof secret, "%s_secret", path);
    hms_transport_config_t config = {secret, allow, false};
    server->transport = hms_transport_new(&config, true);
    assert_non_null(server->transport);
    server->router = hms_transport_bind(server->transport, ZMQ_ROUTER, "tcp://127.0.0.1:*");
    assert_non_null(server->router);
    snprintf(server->endpoint, sizeof server->endpoint, "%s", zsock_endpoint(server->router));
}

static void s_server_stop(server_t *server)
{
    zsock_destroy(&server->router);
    hms_transport_destroy(&server->transport);
}

//  A client with cert's keys, connected to server (from source, a local
//  address, when not NULL).
static zsock_t *s_client(const server_t *server, zcert_t *cert, const char *source)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    assert_non_null(dealer);
    zsock_set_linger(dealer, 0);
    //  A refused client tries again after this: once is enough here.
    zsock_set_reconnect_ivl(dealer, 60000);
    zcert_apply(cert, dealer);
    zsock_set_curve_serverkey(dealer, server->key);
    const char *port = strrchr(server->endpoint, ':') + 1;
    if (source)
        assert_int_equal(zsock_connect(dealer, "tcp://%s:0;127.0.0.1:%s", source, port), 0);
    else
        assert_int_equal(zsock_connect(dealer, "%s", server->endpoint), 0);
    return dealer;
}

//  Sends "hello" from client; true when server answers it within
//  timeout_ms (the server's side is served here meanwhile).
static bool s_answered(server_t *server, zsock_t *client, int timeout_ms)
{
    zstr_send(client, "hello");
    zpoller_t *poller = zpoller_new(server->router, client, NULL);
    int64_t deadline = zclock_mono() + timeout_ms;
    bool answered = false;
    while (!answered && zclock_mono() < deadline) {
        void *ready = zpoller_wait(poller, 50);
        if (ready == server->router) {
            zmsg_t *request = zmsg_recv(server->router);
            zframe_t *identity = zmsg_pop(request);
            zmsg_destroy(&request);
            zmsg_t *reply = zmsg_new();
            zmsg_append(reply, &identity);
            zmsg_addstr(reply, "ok");
            zmsg_send(&reply, server->router);
        } else if (ready == client) {
            char *text = zstr_recv(client);
            answered = text && strcmp(text, "ok") == 0;
            zstr_free(&text);
        }
    }
    zpoller_destroy(&poller);
    return answered;
}

//  An allow-list file overwritten in place with another key, its old
//  modification time put back (as cp -p does): the old key is refused at
//  its next connection, the new one admitted.
static void test_allow_file_replaced(void **state)
{
    (void)state;
    char allow[128], file[160];
    s_subdir(allow, sizeof allow, "allow-replaced");
    snprintf(file, sizeof file, "%s/admin", allow);
    zcert_t *first = zcert_new(), *second = zcert_new();
    assert_int_equal(zcert_save_public(first, file), 0);
    server_t server;
    s_server_start(&server, allow);
    zsock_t *client = s_client(&server, first, NULL);
    assert_true(s_answered(&server, client, 5000));
    zsock_destroy(&client);
    //  Same name, same size, same inode and modification time.
    struct stat before;
    assert_int_equal(stat(file, &before), 0);
    assert_int_equal(zcert_save_public(second, file), 0);
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, file, times, 0), 0);
    struct stat after;
    assert_int_equal(stat(file, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    client = s_client(&server, first, NULL);
    assert_false(s_answered(&server, client, 1500));
    zsock_destroy(&client);
    client = s_client(&server, second, NULL);
    assert_true(s_answered(&server, client, 5000));
    zsock_destroy(&client);
    s_server_stop(&server);
    zcert_destroy(&first);
    zcert_destroy(&second);
}

//  Lines of the log file at path that contain text.
static int s_lines(const char *path, const char *text)
{
    char *count = harness_sh_output("grep -cF -- '%s' %s || true", text, path);
    int lines = count ? atoi(count) : -1;
    free(count);
    return lines;
}

typedef struct {
    const char *path;
    int lines;
} lines_t;

static bool s_lines_reached(void *arg)
{
    lines_t *wanted = arg;
    fflush(stderr);
    return s_lines(wanted->path, "refused 127.3.") >= wanted->lines &&
           s_lines(wanted->path, "refused (too many peers to name)") >= 1;
}

//  More peer addresses than the handler names, each with a key of its
//  own: one line each for the first HMS_AUTH_PEERS_MAX, one shared line
//  for the others, and the handler still admits an allowed key.
static void test_refusal_flood(void **state)
{
    (void)state;
    enum { PEERS = HMS_AUTH_PEERS_MAX + 76 };
    char allow[128], file[160], log[160];
    s_subdir(allow, sizeof allow, "allow-flood");
    snprintf(file, sizeof file, "%s/admin", allow);
    zcert_t *admin = zcert_new();
    assert_int_equal(zcert_save_public(admin, file), 0);
    //  The log, to a file.
    snprintf(log, sizeof log, "%s/flood.log", s_dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    close(fd);

    server_t server;
    s_server_start(&server, allow);
    zsock_t **clients = calloc(PEERS, sizeof *clients);
    assert_non_null(clients);
    for (int i = 0; i < PEERS; i++) {
        char source[32];
        snprintf(source, sizeof source, "127.3.%d.%d", 1 + i / 200, 1 + i % 200);
        zcert_t *intruder = zcert_new();
        clients[i] = s_client(&server, intruder, source);
        zcert_destroy(&intruder);
    }
    lines_t wanted = {log, HMS_AUTH_PEERS_MAX};
    bool reached = harness_wait(s_lines_reached, &wanted, 60000);
    for (int i = 0; i < PEERS; i++)
        zsock_destroy(&clients[i]);
    free(clients);
    zsock_t *client = s_client(&server, admin, NULL);
    bool answered = s_answered(&server, client, 5000);
    zsock_destroy(&client);
    s_server_stop(&server);
    zcert_destroy(&admin);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    int named = s_lines(log, "refused 127.3.");
    int shared = s_lines(log, "refused (too many peers to name)");
    print_message("%d refused addresses: %d lines naming one, %d shared\n", PEERS, named, shared);
    assert_true(reached);
    assert_int_equal(named, HMS_AUTH_PEERS_MAX);
    assert_int_equal(shared, 1);
    assert_true(answered);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_endpoints),     cmocka_unit_test(test_pair_on_ipc),
        cmocka_unit_test(test_secret_file),         cmocka_unit_test(test_allow_dir_modes),
        cmocka_unit_test(test_allow_file_replaced), cmocka_unit_test(test_refusal_flood),
    };
    //  Tests to skip (a cmocka pattern): the valgrind run skips the flood.
    const char *skip = getenv("HMS_TEST_SKIP");
    if (skip && *skip)
        cmocka_set_skip_filter(skip);
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
