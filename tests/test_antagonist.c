/*  test_antagonist: hms-antagonist against a real Docker engine (label
    docker).

    Three containers of this run carry the label hms.antagonist=target-<tag>
    and the antagonist attacks only those (--targets). It runs as a real
    process with its sockets on loopback; the test commands it over ZeroMQ,
    follows its attack events with a SUB socket, and reads the outcome from
    Docker and from iptables itself (in the host and in the containers'
    network namespaces). One test adds a real hms-manager that heals what
    the antagonist breaks.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ANTAGONIST HMS_BINARY_DIR "/antagonist/hms-antagonist"
#define MANAGER    HMS_BINARY_DIR "/manager/hms-manager"
#define TARGETS    3
#define EVENTS_MAX 1024

static struct {
    char dir[64];             //  logs live here
    char router[64], pub[64]; //  the antagonist's endpoints
    char mrouter[64];         //  the manager's ROUTER
    char targets[64];         //  --targets selector
    char log[128], manager_log[128];
    pid_t pid;               //  the antagonist
    pid_t manager;           //  the manager, while one runs
    char *ids[TARGETS];      //  the targets
    char names[TARGETS][64]; //  their names, sorted
} s_env;

//  Processes.

static bool s_answers(void *arg)
{
    (void)arg;
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_PING);
    int rc = harness_request(&client, &request, &reply, 200);
    harness_client_close(&client);
    bool ok = rc == 0 && reply.type == HMS_MSG_OK && reply.pong.role == HMS_ROLE_ANTAGONIST;
    hms_msg_reset(&reply);
    return ok;
}

//  Starts an antagonist on this run's targets with the extra options (a
//  NULL-terminated list) and waits until it answers ping. Its ports are
//  two free ones, read from its ready file; or, with again, the ports of
//  the antagonist before it (a subscriber can then connect before it
//  starts).
static void s_start_antagonist_at(const char *const *extra, bool again)
{
    char router[64], pub[64];
    snprintf(router, sizeof router, "%s", again ? s_env.router : "tcp://127.0.0.1:*");
    snprintf(pub, sizeof pub, "%s", again ? s_env.pub : "");
    const char *argv[40] = {ANTAGONIST,  "--router",    router,        "--pub",
                            pub,         "--targets",   s_env.targets, "--address",
                            "test-host", "--log-level", "info"};
    size_t count = 11;
    while (extra && *extra && count < sizeof argv / sizeof argv[0] - 1)
        argv[count++] = *extra++;
    argv[count] = NULL;
    char ready[128];
    snprintf(ready, sizeof ready, "%s/antagonist.ready", s_env.dir);
    s_env.pid = harness_daemon(s_env.log, ready, (char *const *)argv, 15000);
    harness_ready_value(ready, "router", s_env.router, sizeof s_env.router);
    harness_ready_value(ready, "pub", s_env.pub, sizeof s_env.pub);
    assert_true(harness_wait(s_answers, NULL, 10000));
}

static void s_start_antagonist(const char *const *extra)
{
    s_start_antagonist_at(extra, false);
}

//  SIGTERM: the antagonist ends its attacks and exits 0.
static void s_stop_antagonist(void)
{
    int status = harness_stop(s_env.pid, SIGTERM, 10000);
    s_env.pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void s_ask(hms_msg_t *request, hms_msg_t *reply)
{
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    int rc = harness_request(&client, request, reply, 3000);
    harness_client_close(&client);
    if (rc != 0)
        fail_msg("no reply from the antagonist to %s", hms_msg_type_name(request->type));
}

//  Sends a request without payload; the reply must be ok (a status).
static hms_antagonist_status_t s_command(hms_msg_type_t type)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, type);
    s_ask(&request, &reply);
    if (reply.type != HMS_MSG_OK)
        fail_msg("%s: error %d %s", hms_msg_type_name(type), (int)reply.error.code,
                 reply.error.message);
    assert_int_equal(reply.re, type);
    hms_antagonist_status_t status = reply.antagonist_status;
    hms_msg_reset(&reply);
    return status;
}

//  Sends a request without payload; the reply must be an error with code.
static void s_command_fails(hms_msg_type_t type, uint64_t code)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, type);
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_ERROR);
    assert_int_equal(reply.error.code, code);
    hms_msg_reset(&reply);
}

static hms_antagonist_status_t s_conf(const hms_antagonist_conf_t *conf)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_CONF_ANTAGONIST);
    request.antagonist = *conf;
    s_ask(&request, &reply);
    if (reply.type != HMS_MSG_OK)
        fail_msg("conf_antagonist: error %d %s", (int)reply.error.code, reply.error.message);
    hms_antagonist_status_t status = reply.antagonist_status;
    hms_msg_reset(&reply);
    return status;
}

static hms_antagonist_conf_t s_make_conf(double heavy, double balance, double frequency,
                                         double duration, uint64_t seed)
{
    hms_antagonist_conf_t conf;
    memset(&conf, 0, sizeof conf);
    snprintf(conf.name, sizeof conf.name, "test_antagonist");
    conf.loss = 80;
    conf.balance = balance;
    conf.heavy = heavy;
    conf.frequency = frequency;
    conf.duration = duration;
    conf.sigma = 10;
    conf.seed = seed;
    conf.mode = HMS_MODE_STOP;
    return conf;
}

static zsock_t *s_subscribe(void)
{
    zsock_t *sub = zsock_new(ZMQ_SUB);
    assert_non_null(sub);
    zsock_set_reconnect_ivl(sub, 10);
    zsock_set_subscribe(sub, "attack");
    assert_int_equal(zsock_connect(sub, "%s", s_env.pub), 0);
    return sub;
}

//  Docker and iptables.

static bool s_running(void *id)
{
    return strcmp(harness_state(id), "running") == 0;
}

static bool s_all_running(void *arg)
{
    (void)arg;
    for (int i = 0; i < TARGETS; i++)
        if (!s_running(s_env.ids[i]))
            return false;
    return true;
}

//  Brings every target back up (a test without healer leaves some stopped).
static void s_start_targets(void)
{
    for (int i = 0; i < TARGETS; i++)
        if (!s_running(s_env.ids[i]))
            harness_sh("docker start %s >/dev/null", s_env.ids[i]);
    assert_true(harness_wait(s_all_running, NULL, 10000));
}

static int s_pid_of(const char *id)
{
    char *text = harness_sh_output("docker inspect -f '{{.State.Pid}}' %s", id);
    int pid = text ? atoi(text) : 0;
    free(text);
    return pid;
}

//  True when the chain exists in the container's namespace.
static bool s_chain_in(const char *id)
{
    int pid = s_pid_of(id);
    assert_true(pid > 0);
    return harness_sh("nsenter --net=/proc/%d/ns/net iptables -w 5 -S HMS-ANTAGONIST "
                      ">/dev/null 2>&1",
                      pid) == 0;
}

//  Lines that name the chain in the host's rules and in the namespace of
//  every running container of the host.
static int s_rules_left(void)
{
    char *host = harness_sh_output("iptables -w 5 -S | grep -c HMS-ANTAGONIST; true");
    char *ns = harness_sh_output(
        "for p in $(docker ps -q | xargs -r docker inspect -f '{{.State.Pid}}'); do "
        "nsenter --net=/proc/$p/ns/net iptables -w 5 -S 2>/dev/null; done | "
        "grep -c HMS-ANTAGONIST; true");
    assert_non_null(host);
    assert_non_null(ns);
    int count = atoi(host) + atoi(ns);
    if (count)
        print_message("rules left: host %s, containers %s\n", host, ns);
    free(host);
    free(ns);
    return count;
}

static int s_target_index(const char *name)
{
    for (int i = 0; i < TARGETS; i++)
        if (strcmp(s_env.names[i], name) == 0)
            return i;
    return -1;
}

//  Events.

typedef struct {
    uint64_t id;            //  attack_id
    hms_attack_kind_t kind; //  from the start
    char name[HMS_NAME_MAX + 1];
    char container[HMS_ID_MAX + 1];
    double loss;
    uint64_t duration_ms;
    bool start, end;
    uint64_t start_seq, end_seq;
} seen_t;

typedef struct {
    seen_t attacks[EVENTS_MAX];
    size_t count;
    uint64_t last_seq; //  seq of the last event
    size_t gaps;       //  events missed (seq jumps)
} log_t;

//  An empty log (one at a time: a static, so that a failed assertion
//  leaks nothing).
static log_t *s_new_log(void)
{
    static log_t log;
    memset(&log, 0, sizeof log);
    return &log;
}

static seen_t *s_seen(log_t *log, uint64_t id)
{
    for (size_t i = 0; i < log->count; i++)
        if (log->attacks[i].id == id)
            return &log->attacks[i];
    assert_true(log->count < EVENTS_MAX);
    seen_t *seen = &log->attacks[log->count++];
    memset(seen, 0, sizeof *seen);
    seen->id = id;
    return seen;
}

//  Receives one event within timeout_ms into log. Returns the attack, or
//  NULL on timeout.
static seen_t *s_receive(zsock_t *sub, log_t *log, int timeout_ms)
{
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    int rc = harness_receive(sub, &msg, timeout_ms);
    if (rc == -1)
        return NULL;
    assert_int_equal(rc, 0);
    assert_int_equal(msg.type, HMS_MSG_ATTACK);
    const hms_attack_t *event = &msg.attack;
    assert_string_equal(event->address, "test-host");
    if (log->last_seq && event->seq != log->last_seq + 1)
        log->gaps++;
    log->last_seq = event->seq;
    seen_t *seen = s_seen(log, event->attack_id);
    if (event->phase == HMS_PHASE_START) {
        assert_false(seen->start);
        seen->start = true;
        seen->start_seq = event->seq;
        seen->kind = event->kind;
        snprintf(seen->name, sizeof seen->name, "%s", event->name);
        snprintf(seen->container, sizeof seen->container, "%s", event->container);
        seen->loss = event->loss;
        seen->duration_ms = event->duration_ms;
    } else {
        assert_int_equal(event->phase, HMS_PHASE_END);
        assert_false(seen->end);
        seen->end = true;
        seen->end_seq = event->seq;
        if (seen->start) //  else it started before this log did
            assert_int_equal(event->kind, seen->kind);
    }
    //  Every attack is on one of this run's targets, by id and name.
    int index = s_target_index(event->name);
    assert_true(index >= 0);
    assert_string_equal(event->container, s_env.ids[index]);
    if (event->kind == HMS_ATTACK_LOSS) {
        assert_false(isnan(event->loss));
        assert_true(event->loss >= 0 && event->loss <= 100);
        assert_true(event->duration_ms > 0);
    } else
        assert_true(isnan(event->loss));
    hms_msg_reset(&msg);
    return seen;
}

//  Receives until attacks 1 to count have started and ended, within
//  timeout_ms. (Events published before a reply may arrive after it.)
static bool s_drain(zsock_t *sub, log_t *log, size_t count, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (true) {
        bool open = log->count < count;
        for (size_t i = 0; i < log->count; i++)
            open |= !log->attacks[i].start || !log->attacks[i].end;
        if (!open)
            return true;
        int64_t left = deadline - zclock_mono();
        if (left <= 0)
            return false;
        s_receive(sub, log, (int)left);
    }
}

//  Setup.

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-antagonist-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.log, sizeof s_env.log, "%s/antagonist.log", s_env.dir);
    snprintf(s_env.manager_log, sizeof s_env.manager_log, "%s/manager.log", s_env.dir);
    snprintf(s_env.targets, sizeof s_env.targets, "hms.antagonist=target-%s", harness_tag());
    char flags[128];
    snprintf(flags, sizeof flags, "--label %s", s_env.targets);
    const char *names[TARGETS] = {"alpha", "bravo", "charlie"};
    for (int i = 0; i < TARGETS; i++) {
        s_env.ids[i] = harness_container(names[i], flags);
        snprintf(s_env.names[i], sizeof s_env.names[i], "%s-%s", harness_tag(), names[i]);
    }
    //  A container of the run that is not a target: never attacked.
    free(harness_container("bystander", NULL));
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.pid > 0)
        harness_stop(s_env.pid, SIGTERM, 10000);
    if (s_env.manager > 0)
        harness_stop(s_env.manager, SIGTERM, 5000);
    harness_cleanup();
    //  Keep the logs of a failed run next to the test's output.
    harness_sh("cat %s >&2", s_env.log);
    harness_sh("cat %s >&2 2>/dev/null", s_env.manager_log);
    harness_sh("rm -rf %s", s_env.dir);
    for (int i = 0; i < TARGETS; i++)
        free(s_env.ids[i]);
    return 0;
}

//  Commands: bad configurations.

//  A conf_antagonist body with the five required keys (loss 80, balance
//  70, heavy 25, frequency 1, duration 5), where key (when not NULL) gets
//  the value packed by pack instead, or is left out when pack is NULL.
typedef void (*pack_fn)(msgpack_packer *pk);

static void s_raw_conf(const char *key, pack_fn pack, hms_msg_t *reply)
{
    static const char *keys[] = {"loss", "balance", "heavy", "frequency", "duration"};
    static const double values[] = {80, 70, 25, 1, 5};
    bool replaced = false;
    for (size_t i = 0; key && i < 5; i++)
        replaced |= strcmp(keys[i], key) == 0;
    size_t pairs = 3 + 5 + (key && pack && !replaced) - (key && !pack);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, pairs);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_int(&pk, HMS_PROTOCOL_VERSION);
    msgpack_pack_str_with_body(&pk, "command", 7);
    msgpack_pack_str_with_body(&pk, "conf_antagonist", 15);
    msgpack_pack_str_with_body(&pk, "corr_id", 7);
    msgpack_pack_int(&pk, 77);
    for (size_t i = 0; i < 5; i++) {
        bool this = key && strcmp(keys[i], key) == 0;
        if (this && !pack)
            continue;
        msgpack_pack_str_with_body(&pk, keys[i], strlen(keys[i]));
        if (this)
            pack(&pk);
        else
            msgpack_pack_double(&pk, values[i]);
    }
    if (key && pack && !replaced) {
        msgpack_pack_str_with_body(&pk, key, strlen(key));
        pack(&pk);
    }
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    assert_int_equal(harness_request_raw(&client, buffer.data, buffer.size, reply, 3000), 0);
    harness_client_close(&client);
    msgpack_sbuffer_destroy(&buffer);
    assert_int_equal(reply->corr_id, 77);
}

static void s_pack_minus_1(msgpack_packer *pk)
{
    msgpack_pack_int(pk, -1);
}
static void s_pack_minus_half(msgpack_packer *pk)
{
    msgpack_pack_double(pk, -0.5);
}
static void s_pack_150(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 150);
}
static void s_pack_100_5(msgpack_packer *pk)
{
    msgpack_pack_double(pk, 100.5);
}
static void s_pack_0(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 0);
}
static void s_pack_nan(msgpack_packer *pk)
{
    msgpack_pack_double(pk, NAN);
}
static void s_pack_abc(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "abc", 3);
}
static void s_pack_2p53(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, HMS_SEED_MAX + 1);
}
static void s_pack_pause(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "pause", 5);
}

static void s_same_conf(const hms_antagonist_conf_t *a, const hms_antagonist_conf_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_true(a->loss == b->loss && a->balance == b->balance && a->heavy == b->heavy);
    assert_true(a->frequency == b->frequency && a->duration == b->duration);
    assert_true(a->sigma == b->sigma);
    assert_int_equal(a->seed, b->seed);
    assert_int_equal(a->mode, b->mode);
}

static bool s_attempted(void *arg)
{
    (void)arg;
    return s_command(HMS_MSG_ANTAGONIST_STATUS).attempts >= 3;
}

static bool s_targets_are(void *count)
{
    return s_command(HMS_MSG_ANTAGONIST_STATUS).targets == (uint64_t)(uintptr_t)count;
}

//  Bad values are answered 400 and change nothing; start and stop in the
//  wrong state 409; what an antagonist does not serve 501.
static void test_commands(void **state)
{
    (void)state;
    s_start_antagonist(NULL);
    hms_antagonist_status_t before = s_command(HMS_MSG_ANTAGONIST_STATUS);
    assert_false(before.running);
    assert_int_equal(before.targets, TARGETS);
    //  The command line's configuration, with the seed it chose.
    assert_true(before.config.loss == 80 && before.config.balance == 70);
    assert_true(before.config.heavy == 25 && before.config.frequency == 1);
    assert_true(before.config.duration == 5 && before.config.sigma == 10);
    assert_int_equal(before.config.mode, HMS_MODE_STOP);
    assert_true(before.config.seed != 0);

    struct {
        const char *key;
        pack_fn pack;
    } bad[] = {
        {"loss", s_pack_minus_1},
        {"loss", s_pack_minus_half},
        {"balance", s_pack_150},
        {"heavy", s_pack_100_5},
        {"frequency", s_pack_0},
        {"duration", s_pack_0},
        {"frequency", s_pack_nan},
        {"loss", s_pack_abc},
        {"heavy", s_pack_abc},
        {"sigma", s_pack_150},
        {"seed", s_pack_minus_1},
        {"seed", s_pack_abc},
        {"seed", s_pack_2p53},
        {"mode", s_pack_pause},
        {"balance", NULL},
        {"frequency", NULL},
        {"loss", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hms_msg_t reply;
        s_raw_conf(bad[i].key, bad[i].pack, &reply);
        if (reply.type != HMS_MSG_ERROR || reply.error.code != HMS_CODE_BAD_REQUEST)
            fail_msg("bad %s #%zu: not answered 400", bad[i].key, i);
        assert_true(*reply.error.message);
        hms_msg_reset(&reply);
    }
    hms_antagonist_status_t after = s_command(HMS_MSG_ANTAGONIST_STATUS);
    s_same_conf(&before.config, &after.config);
    assert_false(after.running);

    //  A good one, without the optional keys: their defaults, a seed chosen.
    hms_msg_t reply;
    s_raw_conf(NULL, NULL, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_int_equal(reply.re, HMS_MSG_CONF_ANTAGONIST);
    assert_true(reply.antagonist_status.config.sigma == 10);
    assert_int_equal(reply.antagonist_status.config.mode, HMS_MODE_STOP);
    assert_true(reply.antagonist_status.config.seed != 0);
    assert_true(reply.antagonist_status.config.seed <= HMS_SEED_MAX);
    hms_msg_reset(&reply);

    //  No attack in this test: heavy 0.
    hms_antagonist_conf_t conf = s_make_conf(0, 50, 0.05, 1, 1234);
    conf.mode = HMS_MODE_KILL;
    conf.sigma = 5;
    hms_antagonist_status_t status = s_conf(&conf);
    s_same_conf(&conf, &status.config);

    s_command_fails(HMS_MSG_STOP_ANTAGONIST, HMS_CODE_CONFLICT);
    status = s_command(HMS_MSG_START_ANTAGONIST);
    assert_true(status.running);
    s_command_fails(HMS_MSG_START_ANTAGONIST, HMS_CODE_CONFLICT);
    //  Attempts are made (and none attacks).
    assert_true(harness_wait(s_attempted, NULL, 5000));
    status = s_command(HMS_MSG_ANTAGONIST_STATUS);
    assert_int_equal(status.shutdowns + status.loss_attacks, 0);
    status = s_command(HMS_MSG_STOP_ANTAGONIST);
    assert_false(status.running);
    s_command_fails(HMS_MSG_STOP_ANTAGONIST, HMS_CODE_CONFLICT);
    //  A restart resets the counters.
    status = s_command(HMS_MSG_START_ANTAGONIST);
    assert_true(status.attempts == 0 && status.shutdowns == 0 && status.loss_attacks == 0);
    s_command(HMS_MSG_STOP_ANTAGONIST);

    //  Not served here, unknown, other versions.
    s_command_fails(HMS_MSG_GIVE_CONTENT, HMS_CODE_NOT_IMPLEMENTED);
    s_command_fails(HMS_MSG_LIST_HOSTS, HMS_CODE_NOT_IMPLEMENTED);
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    //  {"v":2,"command":"reboot","corr_id":5}
    uint8_t unknown[] = {0x83, 0xa1, 'v',  0x02, 0xa7, 'c', 'o', 'm', 'm', 'a',
                         'n',  'd',  0xa6, 'r',  'e',  'b', 'o', 'o', 't', 0xa7,
                         'c',  'o',  'r',  'r',  '_',  'i', 'd', 0x05};
    assert_int_equal(harness_request_raw(&client, unknown, sizeof unknown, &reply, 3000), 0);
    assert_int_equal(reply.type, HMS_MSG_ERROR);
    assert_int_equal(reply.error.code, HMS_CODE_NOT_IMPLEMENTED);
    assert_int_equal(reply.corr_id, 5);
    unknown[3] = 0x03;
    assert_int_equal(harness_request_raw(&client, unknown, sizeof unknown, &reply, 3000), 0);
    assert_int_equal(reply.error.code, HMS_CODE_BAD_VERSION);
    const uint8_t garbage[] = {0xdd, 0x01, 0x00, 0x00, 0x00};
    assert_int_equal(harness_request_raw(&client, garbage, sizeof garbage, &reply, 3000), 0);
    assert_int_equal(reply.error.code, HMS_CODE_BAD_REQUEST);
    harness_client_close(&client);

    //  A REQ peer: its empty delimiter comes back.
    zsock_t *req = zsock_new_req(s_env.router);
    assert_non_null(req);
    zsock_set_rcvtimeo(req, 3000);
    hms_msg_t ping;
    hms_msg_init(&ping, HMS_MSG_PING);
    ping.corr_id = 9;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(&ping, &buffer), 0);
    zframe_t *frame = zframe_new(buffer.data, buffer.size);
    msgpack_sbuffer_destroy(&buffer);
    assert_int_equal(zframe_send(&frame, req, 0), 0);
    frame = zframe_recv(req);
    assert_non_null(frame);
    assert_int_equal(hms_msg_decode(&reply, zframe_data(frame), zframe_size(frame)), 0);
    zframe_destroy(&frame);
    zsock_destroy(&req);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_int_equal(reply.corr_id, 9);
    assert_string_equal(reply.pong.address, "test-host");
    hms_msg_reset(&reply);

    assert_true(harness_alive(s_env.pid));
    status = s_command(HMS_MSG_ANTAGONIST_STATUS);
    s_same_conf(&conf, &status.config);

    //  The targets follow Docker: a labelled container created is one
    //  more, and one less when it is removed.
    char flags[128];
    snprintf(flags, sizeof flags, "--label %s", s_env.targets);
    char *extra = harness_container("extra", flags);
    assert_true(harness_wait(s_targets_are, (void *)(TARGETS + 1), 5000));
    assert_int_equal(harness_sh("docker rm -f %s >/dev/null", extra), 0);
    free(extra);
    assert_true(harness_wait(s_targets_are, (void *)TARGETS, 5000));
    s_stop_antagonist();
}

//  Reproducibility.

#define REPLAY 12

typedef struct {
    hms_attack_kind_t kind;
    char name[HMS_NAME_MAX + 1];
    double loss;
} draw_t;

//  Collects the first REPLAY attacks (their start events) from sub; the
//  first must have attack_id first_id (nothing missed).
static void s_collect(zsock_t *sub, uint64_t first_id, draw_t *draws)
{
    log_t *log = s_new_log();
    size_t got = 0;
    while (got < REPLAY) {
        seen_t *seen = s_receive(sub, log, 10000);
        if (!seen)
            fail_msg("only %zu attacks within 10 s", got);
        if (!seen->start || seen->start_seq != log->last_seq)
            continue; //  an end
        if (got == 0)
            assert_int_equal(seen->id, first_id);
        draws[got].kind = seen->kind;
        snprintf(draws[got].name, sizeof draws[got].name, "%s", seen->name);
        draws[got].loss = seen->loss;
        got++;
    }
}

static void s_same_draws(const draw_t *a, const draw_t *b)
{
    for (int i = 0; i < REPLAY; i++) {
        assert_int_equal(a[i].kind, b[i].kind);
        assert_string_equal(a[i].name, b[i].name);
        if (a[i].kind == HMS_ATTACK_LOSS)
            assert_true(a[i].loss == b[i].loss);
    }
}

//  The same seed and targets give the same attacks: run twice in one
//  antagonist, and once in another started with the seed on its command
//  line. Attacks of both kinds on more than one target, and loss values
//  that differ, so that the comparison means something.
static void test_reproducible(void **state)
{
    (void)state;
    s_start_targets();
    draw_t first[REPLAY], second[REPLAY], third[REPLAY];
    s_start_antagonist(NULL);
    zsock_t *sub = s_subscribe();
    hms_antagonist_conf_t conf = s_make_conf(100, 50, 0.1, 0.1, 424242);
    s_conf(&conf);
    s_command(HMS_MSG_START_ANTAGONIST);
    s_collect(sub, 1, first);
    hms_antagonist_status_t status = s_command(HMS_MSG_STOP_ANTAGONIST);
    uint64_t attacks = status.shutdowns + status.loss_attacks;
    assert_true(attacks >= REPLAY);
    s_command(HMS_MSG_START_ANTAGONIST);
    s_collect(sub, attacks + 1, second);
    s_command(HMS_MSG_STOP_ANTAGONIST);
    zsock_destroy(&sub);
    s_stop_antagonist();

    //  The new one attacks from its start: subscribed before, on its ports.
    sub = s_subscribe();
    s_start_antagonist_at((const char *const[]){"--seed", "424242", "--heavy", "100", "--balance",
                                                "50", "--frequency", "0.1", "--duration", "0.1",
                                                "--start", "true", NULL},
                          true);
    s_collect(sub, 1, third);
    zsock_destroy(&sub);
    s_stop_antagonist();

    s_same_draws(first, second);
    s_same_draws(first, third);
    int kinds[3] = {0}, targets[TARGETS] = {0};
    double low = 100, high = 0;
    for (int i = 0; i < REPLAY; i++) {
        kinds[first[i].kind]++;
        targets[s_target_index(first[i].name)]++;
        if (first[i].kind == HMS_ATTACK_LOSS) {
            low = first[i].loss < low ? first[i].loss : low;
            high = first[i].loss > high ? first[i].loss : high;
        }
    }
    assert_true(kinds[HMS_ATTACK_SHUTDOWN] > 0 && kinds[HMS_ATTACK_LOSS] > 1);
    assert_true((targets[0] > 0) + (targets[1] > 0) + (targets[2] > 0) >= 2);
    assert_true(high > low);
    assert_int_equal(s_rules_left(), 0);
}

//  --timing fixed: every loss attack lasts the duration asked, exactly (no
//  draw), as HMS's antagonist did before the seed's exponential draws
//  became the default.
static void test_fixed_timing(void **state)
{
    (void)state;
    s_start_targets();
    s_start_antagonist(NULL);
    s_stop_antagonist();
    zsock_t *sub = s_subscribe();
    s_start_antagonist_at((const char *const[]){"--timing", "fixed", "--seed", "5", "--heavy",
                                                "100", "--balance", "0", "--frequency", "0.2",
                                                "--duration", "0.3", "--start", "true", NULL},
                          true);
    log_t *log = s_new_log();
    int64_t deadline = zclock_mono() + 20000;
    while (log->count < 6 && zclock_mono() < deadline)
        s_receive(sub, log, (int)(deadline - zclock_mono()));
    hms_antagonist_status_t status = s_command(HMS_MSG_STOP_ANTAGONIST);
    assert_true(s_drain(sub, log, status.shutdowns + status.loss_attacks, 15000));
    s_stop_antagonist();
    zsock_destroy(&sub);
    assert_true(log->count >= 6);
    for (size_t i = 0; i < log->count; i++) {
        assert_int_equal(log->attacks[i].kind, HMS_ATTACK_LOSS);
        assert_int_equal(log->attacks[i].duration_ms, 300);
    }
    assert_int_equal(s_rules_left(), 0);
}

//  Attacks against a healer.
//  Attacks against a healer.

static bool s_manager_answers(void *arg)
{
    (void)arg;
    harness_client_t client;
    harness_client_open(&client, s_env.mrouter);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_PING);
    int rc = harness_request(&client, &request, &reply, 200);
    harness_client_close(&client);
    hms_msg_reset(&reply);
    return rc == 0;
}

//  30 s of frequent attacks of both kinds on three containers that a real
//  hms-manager heals: every attack starts and ends, the containers are all
//  running at the end, and no rule of the antagonist is left anywhere.
static void test_attacks_healed(void **state)
{
    (void)state;
    s_start_targets();
    char label[64];
    snprintf(label, sizeof label, "hms.test=%s", harness_tag());
    char *argv[] = {MANAGER,        "--pub", "tcp://127.0.0.1:*", "--label",   label,
                    "--state-file", "",      "--address",         "test-host", "--backoff-max",
                    "2000",         NULL};
    char ready[128];
    snprintf(ready, sizeof ready, "%s/manager.ready", s_env.dir);
    s_env.manager = harness_daemon(s_env.manager_log, ready, argv, 10000);
    harness_ready_value(ready, "router", s_env.mrouter, sizeof s_env.mrouter);
    assert_true(harness_wait(s_manager_answers, NULL, 5000));

    s_start_antagonist(NULL);
    zsock_t *sub = s_subscribe();
    hms_antagonist_conf_t conf = s_make_conf(100, 50, 0.2, 2, 7);
    s_conf(&conf);
    s_command(HMS_MSG_START_ANTAGONIST);
    log_t *log = s_new_log();
    int64_t end = zclock_mono() + 30000;
    while (zclock_mono() < end)
        s_receive(sub, log, (int)(end - zclock_mono()));
    hms_antagonist_status_t status = s_command(HMS_MSG_STOP_ANTAGONIST);
    assert_false(status.running);
    assert_true(s_drain(sub, log, status.shutdowns + status.loss_attacks, 15000));
    s_stop_antagonist();
    zsock_destroy(&sub);

    //  Both kinds, each start with its end, nothing missed.
    //  Loss attacks last exponential draws of mean 2 s, as in the seed's
    //  antagonist: each its own length.
    size_t kinds[3] = {0};
    uint64_t first_length = 0;
    bool lengths_differ = false;
    for (size_t i = 0; i < log->count; i++) {
        seen_t *seen = &log->attacks[i];
        assert_true(seen->start && seen->end);
        assert_true(seen->start_seq < seen->end_seq);
        assert_int_equal(seen->id, i + 1);
        kinds[seen->kind]++;
        if (seen->kind == HMS_ATTACK_LOSS) {
            assert_true(seen->duration_ms > 0);
            if (!first_length)
                first_length = seen->duration_ms;
            lengths_differ |= seen->duration_ms != first_length;
        }
    }
    assert_true(lengths_differ);
    assert_int_equal(log->gaps, 0);
    print_message("%zu attacks: %zu shutdowns, %zu loss; status: %d attempts\n", log->count,
                  kinds[HMS_ATTACK_SHUTDOWN], kinds[HMS_ATTACK_LOSS], (int)status.attempts);
    assert_true(kinds[HMS_ATTACK_SHUTDOWN] >= 2 && kinds[HMS_ATTACK_LOSS] >= 2);
    assert_int_equal(log->count, status.shutdowns + status.loss_attacks);
    //  heavy 100: every attempt attacked.
    assert_int_equal(status.attempts, log->count);

    //  The manager healed every container the antagonist stopped.
    assert_true(harness_wait(s_all_running, NULL, 20000));
    assert_true(harness_alive(s_env.manager));
    harness_stop(s_env.manager, SIGTERM, 5000);
    s_env.manager = 0;
    assert_int_equal(s_rules_left(), 0);
}

//  A crash in the middle of a loss attack leaves its rule; the next
//  antagonist removes it before it answers.
static void test_sigkill_sweep(void **state)
{
    (void)state;
    s_start_targets();
    s_start_antagonist(NULL);
    zsock_t *sub = s_subscribe();
    hms_antagonist_conf_t conf = s_make_conf(100, 0, 0.1, 60, 99);
    s_conf(&conf);
    s_command(HMS_MSG_START_ANTAGONIST);
    log_t *log = s_new_log();
    seen_t *seen = s_receive(sub, log, 5000);
    assert_non_null(seen);
    assert_true(seen->start);
    assert_int_equal(seen->kind, HMS_ATTACK_LOSS);
    char id[HMS_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", seen->container);
    zsock_destroy(&sub);

    assert_true(s_chain_in(id));
    harness_stop(s_env.pid, SIGKILL, 1000);
    s_env.pid = 0;
    assert_true(s_chain_in(id)); //  left behind
    s_start_antagonist(NULL);    //  answers only after its sweep
    assert_false(s_chain_in(id));
    assert_int_equal(s_rules_left(), 0);
    s_stop_antagonist();
}

static bool s_host_chain(const char *ip)
{
    char *rules = harness_sh_output("iptables -w 5 -S HMS-ANTAGONIST 2>/dev/null");
    bool found = rules && strstr(rules, ip) && strstr(rules, "statistic");
    free(rules);
    return found;
}

//  --loss-scope host: the rule is in the host's table, for the target's
//  address, while the attack runs, and gone when it ends, or when the
//  antagonist is stopped by SIGTERM.
static void test_host_scope(void **state)
{
    (void)state;
    s_start_targets();
    s_start_antagonist((const char *const[]){"--loss-scope", "host", NULL});
    zsock_t *sub = s_subscribe();
    //  First attempt at 2 s, loss until 4 s, next attempt at 6 s.
    hms_antagonist_conf_t conf = s_make_conf(100, 0, 2, 2, 5);
    s_conf(&conf);
    s_command(HMS_MSG_START_ANTAGONIST);
    log_t *log = s_new_log();
    seen_t *seen = s_receive(sub, log, 5000);
    assert_non_null(seen);
    assert_true(seen->start);
    char ip[HMS_IP_MAX + 8];
    snprintf(ip, sizeof ip, "-d %s/32", harness_ip(seen->container));
    assert_true(s_host_chain(ip));
    assert_false(s_chain_in(seen->container)); //  not in the container's namespace
    seen = s_receive(sub, log, 5000);
    assert_non_null(seen);
    assert_true(seen->end);
    assert_false(s_host_chain(ip));
    assert_int_equal(s_rules_left(), 0);

    //  SIGTERM in the middle of the next one: its end is published, its
    //  rule removed.
    seen = s_receive(sub, log, 5000);
    assert_non_null(seen);
    assert_true(seen->start && !seen->end);
    assert_int_equal(seen->id, 2);
    s_stop_antagonist();
    seen = s_receive(sub, log, 3000);
    assert_non_null(seen);
    assert_true(seen->end);
    assert_int_equal(seen->id, 2);
    zsock_destroy(&sub);
    assert_int_equal(s_rules_left(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands),      cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_fixed_timing),  cmocka_unit_test(test_attacks_healed),
        cmocka_unit_test(test_sigkill_sweep), cmocka_unit_test(test_host_scope),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
