/*  test_manager: hms-manager against a real Docker engine (label docker).

    The manager runs as a real process, watching only this run's containers
    (label hms.test=<tag>), with its sockets on loopback. Containers are
    killed, stopped and starved of ICMP with real iptables rules; the test
    reads the outcome from Docker itself and from the manager's replies.
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

static struct {
    char dir[64];             //  state file and log live here
    char pub[64], router[64]; //  the manager's endpoints, as it bound them
    char ready[128];          //  its ready file
    char label[64];           //  --label selector
    char log[128];
    pid_t pid;                                      //  the manager
    char *web, *db, *lossy, *calm, *quiet, *tagged; //  container ids
    char *marker; //  killed to prove that earlier events were handled
} s_env;

//  Starts the manager on two free ports, and reads which they are.
static void s_start_manager(void)
{
    char state[128];
    snprintf(state, sizeof state, "%s/manager.state", s_env.dir);
    char *argv[] = {HMS_BINARY_DIR "/manager/hms-manager",
                    "--pub",
                    "tcp://127.0.0.1:*",
                    "--label",
                    s_env.label,
                    "--state-file",
                    state,
                    "--address",
                    "test-host",
                    "--log-level",
                    "info",
                    NULL};
    s_env.pid = harness_daemon(s_env.log, s_env.ready, argv, 10000);
    harness_ready_value(s_env.ready, "pub", s_env.pub, sizeof s_env.pub);
    harness_ready_value(s_env.ready, "router", s_env.router, sizeof s_env.router);
}

//  One request to the manager, failing the test on timeout.
static void s_ask(hms_msg_t *request, hms_msg_t *reply)
{
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    int rc = harness_request(&client, request, reply, 3000);
    harness_client_close(&client);
    if (rc != 0)
        fail_msg("no reply from the manager to %s", hms_msg_type_name(request->type));
}

static void s_ask_container(hms_msg_type_t type, const char *ref, hms_msg_t *reply)
{
    hms_msg_t request;
    hms_msg_init(&request, type);
    snprintf(request.container.container, sizeof request.container.container, "%s", ref);
    s_ask(&request, reply);
}

//  The manager's view of one container (copied), or status NONE.
static hms_container_t s_entry(const char *id)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GIVE_CONTENT);
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    hms_container_t entry;
    memset(&entry, 0, sizeof entry);
    for (size_t i = 0; i < reply.content.count; i++)
        if (strncmp(reply.content.content[i].id, id, strlen(reply.content.content[i].id)) == 0)
            entry = reply.content.content[i];
    hms_msg_reset(&reply);
    return entry;
}

static bool s_running(void *id)
{
    return strcmp(harness_state(id), "running") == 0;
}

static bool s_answers(void *arg)
{
    (void)arg;
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_PING);
    int rc = harness_request(&client, &request, &reply, 200);
    harness_client_close(&client);
    hms_msg_reset(&reply);
    return rc == 0;
}

static bool s_active(void *id)
{
    return s_entry(id).status == HMS_STATUS_ACTIVE;
}

typedef struct {
    const char *id;
    uint64_t restarts;
} restarts_t;

static bool s_restarts_reach(void *arg)
{
    restarts_t *want = arg;
    hms_container_t entry = s_entry(want->id);
    return entry.restarts >= want->restarts && entry.status == HMS_STATUS_ACTIVE;
}

//  Proves that the manager has handled every Docker event sent before now,
//  instead of waiting for a while: the marker is killed, and its die event,
//  which the engine sends after all of them, is seen healed.
static void s_events_handled(void)
{
    restarts_t marker = {s_env.marker, s_entry(s_env.marker).restarts + 1};
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.marker), 0);
    assert_true(harness_wait(s_restarts_reach, &marker, 5000));
}

//  Waits for the end of a probe round: calm's RTT, a mean of its echoes,
//  changes at each round.
static bool s_new_round(void *arg)
{
    double *rtt = arg;
    double now = s_entry(s_env.calm).rtt_ms;
    if (isnan(now) || now == *rtt)
        return false;
    *rtt = now;
    return true;
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-manager-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.log, sizeof s_env.log, "%s/manager.log", s_env.dir);
    snprintf(s_env.ready, sizeof s_env.ready, "%s/manager.ready", s_env.dir);
    snprintf(s_env.label, sizeof s_env.label, "hms.test=%s", harness_tag());
    s_env.web = harness_container("web", NULL);
    s_env.db = harness_container("db", NULL);
    s_env.lossy = harness_container("lossy", NULL);
    s_env.calm = harness_container("calm", NULL);
    s_env.quiet = harness_container("quiet", NULL);
    s_env.tagged = harness_container("tagged", "--label hms.ignore=true");
    s_env.marker = harness_container("marker", NULL);
    s_start_manager();
    assert_true(harness_wait(s_answers, NULL, 5000));
    assert_true(harness_wait(s_active, s_env.calm, 5000));
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.pid > 0)
        harness_stop(s_env.pid, SIGTERM, 5000);
    harness_cleanup();
    //  Keep the log of a failed run next to the test's output.
    harness_sh("cat %s >&2", s_env.log);
    harness_sh("rm -rf %s", s_env.dir);
    free(s_env.web);
    free(s_env.db);
    free(s_env.lossy);
    free(s_env.calm);
    free(s_env.quiet);
    free(s_env.tagged);
    free(s_env.marker);
    return 0;
}

//  Discovery: every container of the run is there, with its address; the
//  labelled one is ignored and shown as the seed shows it.
static void test_discovery(void **state)
{
    (void)state;
    hms_container_t web = s_entry(s_env.web);
    assert_int_equal(web.status, HMS_STATUS_ACTIVE);
    assert_string_equal(web.ip, harness_ip(s_env.web));
    assert_string_equal(web.image, "hms/testbox:1");
    hms_container_t tagged = s_entry(s_env.tagged);
    assert_int_equal(tagged.status, HMS_STATUS_IGNORED);
    assert_int_equal(strlen(tagged.id), 12);
    assert_string_equal(tagged.ip, "");
}

//  A killed and a stopped container are running again within 2 s, healed
//  once each; a subscriber sees heartbeats and an update per heal.
static void test_kill_and_stop(void **state)
{
    (void)state;
    zsock_t *sub = zsock_new_sub(s_env.pub, "");
    assert_non_null(sub);
    hms_msg_t msg;
    //  Heartbeats carry the digest of the table give_content gives: the two
    //  agree once a heartbeat and an answer are at the same update.
    bool agreed = false;
    for (int i = 0; i < 10 && !agreed; i++) {
        //  Other messages (updates, metrics, alerts) are let go.
        for (;;) {
            assert_int_equal(harness_receive(sub, &msg, 3000), 0);
            if (msg.type == HMS_MSG_HB)
                break;
            hms_msg_reset(&msg);
        }
        assert_int_equal(msg.hb.interval_ms, 1000);
        hms_hb_t hb = msg.hb;
        hms_msg_t request, reply;
        hms_msg_init(&request, HMS_MSG_GIVE_CONTENT);
        s_ask(&request, &reply);
        assert_int_equal(reply.content.count, 7);
        uint64_t sum = 0;
        for (size_t c = 0; c < reply.content.count; c++)
            sum += hms_container_fingerprint(&reply.content.content[c]);
        if (reply.content.update_seq == hb.update_seq)
            agreed = hms_content_digest(sum, reply.content.threshold) == hb.digest;
        hms_msg_reset(&reply);
    }
    assert_true(agreed);
    uint64_t update_seq = msg.hb.update_seq;
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.web), 0);
    assert_int_equal(harness_sh("docker stop %s >/dev/null", s_env.db), 0);
    assert_true(harness_wait(s_running, s_env.web, 2000));
    assert_true(harness_wait(s_running, s_env.db, 2000));

    //  Updates went out for the heals.
    //  Updates went out for the heals, in sequence, each a delta that names
    //  the containers that changed.
    bool web_seen = false;
    while (!web_seen && harness_receive(sub, &msg, 2000) == 0) {
        if (msg.type != HMS_MSG_UPDATE) {
            hms_msg_reset(&msg);
            continue;
        }
        assert_int_equal(msg.update.update_seq, update_seq + 1);
        update_seq = msg.update.update_seq;
        assert_false(isnan(msg.update.threshold));
        for (size_t c = 0; c < msg.update.count; c++)
            web_seen |= strcmp(msg.update.changes[c].id, s_env.web) == 0;
        hms_msg_reset(&msg);
    }
    assert_true(web_seen);
    zsock_destroy(&sub);

    //  Exactly once, even after the events of the heals came in.
    assert_true(harness_wait(s_active, s_env.web, 3000));
    assert_true(harness_wait(s_active, s_env.db, 3000));
    s_events_handled();
    hms_container_t web = s_entry(s_env.web), db = s_entry(s_env.db);
    assert_int_equal(web.restarts, 1);
    assert_int_equal(db.restarts, 1);
    assert_int_equal(web.status, HMS_STATUS_ACTIVE);
}

static void s_drop(const char *id, double probability)
{
    assert_int_equal(harness_sh("iptables -I OUTPUT -d %s -p icmp -m statistic --mode random "
                                "--probability %.2f -m comment --comment hms-test-%s -j DROP",
                                harness_ip(id), probability, harness_tag()),
                     0);
}

static void s_undrop(const char *id, double probability)
{
    harness_sh("iptables -D OUTPUT -d %s -p icmp -m statistic --mode random --probability %.2f "
               "-m comment --comment hms-test-%s -j DROP",
               harness_ip(id), probability, harness_tag());
}

typedef struct {
    const char *id;
    char started_at[64];
} started_t;

static bool s_restarted(void *arg)
{
    started_t *started = arg;
    return strcmp(harness_started_at(started->id), started->started_at) != 0;
}

//  80 % loss: restarted within 3 s. 10 % with threshold 50, a minute: never restarted.
static void test_loss(void **state)
{
    (void)state;
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_CONTAINER_THRESHOLD);
    request.threshold = 60;
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_true(reply.threshold == 60);
    hms_msg_init(&request, HMS_MSG_CONTAINER_THRESHOLD);

    started_t lossy = {s_env.lossy, ""};
    snprintf(lossy.started_at, sizeof lossy.started_at, "%s", harness_started_at(s_env.lossy));
    started_t calm = {s_env.calm, ""};
    snprintf(calm.started_at, sizeof calm.started_at, "%s", harness_started_at(s_env.calm));
    s_drop(s_env.lossy, 0.8);
    s_drop(s_env.calm, 0.1);
    bool restarted = harness_wait(s_restarted, &lossy, 3000);
    s_undrop(s_env.lossy, 0.8);
    assert_true(restarted);
    assert_true(harness_wait(s_active, s_env.lossy, 3000));

    //  A minute at 10 % loss with threshold 50: the watch rounds see lost
    //  echoes and have it judged again and again, the judging rounds report
    //  the loss, and it is never restarted.
    request.threshold = 50;
    s_ask(&request, &reply);
    assert_true(reply.threshold == 50);
    int rounds = 0, lossy_rounds = 0;
    double rtt = s_entry(s_env.calm).rtt_ms;
    int64_t end = zclock_mono() + 60000;
    while (zclock_mono() < end) {
        assert_true(harness_wait(s_new_round, &rtt, 3000));
        hms_container_t entry = s_entry(s_env.calm);
        rounds++;
        lossy_rounds += !isnan(entry.loss) && entry.loss > 0;
        assert_int_equal(entry.restarts, 0);
        assert_int_equal(entry.status, HMS_STATUS_ACTIVE);
    }
    s_undrop(s_env.calm, 0.1);
    print_message("10 %% loss for 60 s: %d judging rounds seen, %d with loss\n", rounds,
                  lossy_rounds);
    assert_true(rounds >= 30 && lossy_rounds >= 10);
    assert_false(s_restarted(&calm));
}

//  Ignored by command or by label: left stopped; container_add brings it back.
static void test_ignore_and_add(void **state)
{
    (void)state;
    hms_msg_t reply;
    char name[64];
    snprintf(name, sizeof name, "%s-quiet", harness_tag());
    s_ask_container(HMS_MSG_CONTAINER_IGNORE, name, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_string_equal(reply.container.container, s_env.quiet);
    assert_int_equal(reply.container.status, HMS_STATUS_IGNORED);

    assert_int_equal(harness_sh("docker stop %s >/dev/null", s_env.quiet), 0);
    assert_int_equal(harness_sh("docker stop %s >/dev/null", s_env.tagged), 0);
    s_events_handled();
    assert_string_equal(harness_state(s_env.quiet), "exited");
    assert_string_equal(harness_state(s_env.tagged), "exited");
    assert_int_equal(s_entry(s_env.quiet).status, HMS_STATUS_IGNORED);
    assert_int_equal(s_entry(s_env.tagged).status, HMS_STATUS_IGNORED);

    //  Back under watch, by id prefix and by full id: started.
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%.10s", s_env.quiet);
    s_ask_container(HMS_MSG_CONTAINER_ADD, prefix, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    s_ask_container(HMS_MSG_CONTAINER_ADD, s_env.tagged, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_true(harness_wait(s_running, s_env.quiet, 2000));
    assert_true(harness_wait(s_running, s_env.tagged, 2000));
    assert_true(harness_wait(s_active, s_env.tagged, 3000));
    //  And healed from now on.
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.tagged), 0);
    assert_true(harness_wait(s_running, s_env.tagged, 2000));
}

static double s_threshold(void)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GET_CONFIG);
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    return reply.settings.threshold;
}

//  A container_threshold request with the given threshold value packed by pack.
static void s_raw_threshold(void (*pack)(msgpack_packer *), hms_msg_t *reply)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, pack ? 4 : 3);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_int(&pk, HMS_PROTOCOL_VERSION);
    msgpack_pack_str_with_body(&pk, "command", 7);
    msgpack_pack_str_with_body(&pk, "container_threshold", 19);
    msgpack_pack_str_with_body(&pk, "corr_id", 7);
    msgpack_pack_int(&pk, 99);
    if (pack) {
        msgpack_pack_str_with_body(&pk, "threshold", 9);
        pack(&pk);
    }
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    assert_int_equal(harness_request_raw(&client, buffer.data, buffer.size, reply, 3000), 0);
    harness_client_close(&client);
    msgpack_sbuffer_destroy(&buffer);
    assert_int_equal(reply->corr_id, 99);
}

static void s_pack_150(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 150);
}
static void s_pack_minus_1(msgpack_packer *pk)
{
    msgpack_pack_int(pk, -1);
}
static void s_pack_abc(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "abc", 3);
}

static void s_expect_error(hms_msg_t *reply, uint64_t code)
{
    assert_int_equal(reply->type, HMS_MSG_ERROR);
    assert_int_equal(reply->error.code, code);
    assert_true(*reply->error.message);
}

//  Bad input gets an error and changes nothing; the manager keeps serving.
static void test_bad_requests(void **state)
{
    (void)state;
    double before = s_threshold();
    hms_msg_t reply;
    void (*bad[])(msgpack_packer *) = {s_pack_150, s_pack_minus_1, s_pack_abc, NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_raw_threshold(bad[i], &reply);
        s_expect_error(&reply, HMS_CODE_BAD_REQUEST);
    }
    assert_true(s_threshold() == before);

    harness_client_t client;
    harness_client_open(&client, s_env.router);
    //  {"v":2,"command":"reboot","corr_id":5}
    const uint8_t unknown[] = {0x83, 0xa1, 'v',  0x02, 0xa7, 'c', 'o', 'm', 'm', 'a',
                               'n',  'd',  0xa6, 'r',  'e',  'b', 'o', 'o', 't', 0xa7,
                               'c',  'o',  'r',  'r',  '_',  'i', 'd', 0x05};
    assert_int_equal(harness_request_raw(&client, unknown, sizeof unknown, &reply, 3000), 0);
    s_expect_error(&reply, HMS_CODE_NOT_IMPLEMENTED);
    assert_int_equal(reply.corr_id, 5);
    uint8_t version[sizeof unknown];
    memcpy(version, unknown, sizeof version);
    version[3] = 0x03;
    assert_int_equal(harness_request_raw(&client, version, sizeof version, &reply, 3000), 0);
    s_expect_error(&reply, HMS_CODE_BAD_VERSION);
    const uint8_t garbage[] = {0xdd, 0x01, 0x00, 0x00, 0x00};
    assert_int_equal(harness_request_raw(&client, garbage, sizeof garbage, &reply, 3000), 0);
    s_expect_error(&reply, HMS_CODE_BAD_REQUEST);
    const uint8_t not_msgpack[] = "GET / HTTP/1.0\r\n\r\n";
    assert_int_equal(harness_request_raw(&client, not_msgpack, sizeof not_msgpack, &reply, 3000),
                     0);
    s_expect_error(&reply, HMS_CODE_BAD_REQUEST);
    //  Commands of other roles, and unknown containers.
    hms_msg_t request;
    hms_msg_init(&request, HMS_MSG_START_ANTAGONIST);
    assert_int_equal(harness_request(&client, &request, &reply, 3000), 0);
    s_expect_error(&reply, HMS_CODE_NOT_IMPLEMENTED);
    hms_msg_init(&request, HMS_MSG_CONTAINER_IGNORE);
    snprintf(request.container.container, sizeof request.container.container, "no-such-thing");
    assert_int_equal(harness_request(&client, &request, &reply, 3000), 0);
    s_expect_error(&reply, HMS_CODE_NOT_FOUND);

    //  An oversized frame: libzmq drops that connection; no reply.
    size_t size = HMS_REQUEST_MAX + 1;
    uint8_t *big = calloc(1, size);
    assert_int_equal(harness_request_raw(&client, big, size, &reply, 1000), -1);
    free(big);
    harness_client_close(&client);

    //  Still serving, still the same threshold.
    assert_true(harness_alive(s_env.pid));
    assert_true(s_answers(NULL));
    assert_true(s_threshold() == before);
}

//  SIGKILL and a new manager: threshold and ignore list are kept.
//  set_rules with rules (count), answered into reply.
static void s_set_rules(const hms_rule_t *rules, size_t count, hms_msg_t *reply)
{
    hms_rule_wire_t wire[HMS_RULES_MAX];
    hms_rules_to_wire(rules, count, wire);
    hms_msg_t request;
    hms_msg_init(&request, HMS_MSG_SET_RULES);
    request.rules = (hms_rules_msg_t){wire, count};
    s_ask(&request, reply);
}

//  The names of the manager's rules, comma-separated, into out.
static void s_rule_names(char *out, size_t size)
{
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GET_RULES);
    s_ask(&request, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    out[0] = '\0';
    for (size_t i = 0; i < reply.rules.count; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "",
                 reply.rules.rules[i].name);
    hms_msg_reset(&reply);
}

//  Rules set by command are in force at once, refused whole when one is
//  wrong, and kept across a SIGKILL like the threshold and the lists.
static void test_state_survives_sigkill(void **state)
{
    (void)state;
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_CONTAINER_THRESHOLD);
    request.threshold = 42;
    s_ask(&request, &reply);
    s_ask_container(HMS_MSG_CONTAINER_IGNORE, s_env.calm, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    char names[1024];
    s_rule_names(names, sizeof names);
    assert_string_equal(names, "container_exited,container_crash_loop,container_oom_killed,"
                               "dos_cpu_burn,dos_fork_bomb,dos_memory_bomb,dos_network_flood,"
                               "dos_network_flood_out,escape_host_namespace,escape_capabilities,"
                               "escape_release_agent,exec_privileged,exec_root,"
                               "forecast_memory_exhaustion,forecast_pids_exhaustion");
    hms_rule_t rules[HMS_RULES_MAX];
    size_t builtin = hms_rules_builtin(rules);
    rules[0] = (hms_rule_t){.name = "cpu_hot",
                            .input = HMS_METRIC_CPU,
                            .above = true,
                            .threshold = 0.9,
                            .clear = 0.5,
                            .for_s = 5,
                            .severity = HMS_SEVERITY_CRITICAL};
    s_set_rules(rules, 1, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_int_equal(reply.rules.count, 1);
    assert_string_equal(reply.rules.rules[0].metric, "cpu");
    hms_msg_reset(&reply);
    //  A set with one wrong rule (clear past the threshold) changes nothing.
    rules[1] = rules[0];
    snprintf(rules[1].name, sizeof rules[1].name, "cpu_odd");
    rules[1].clear = 2;
    s_set_rules(rules, 2, &reply);
    s_expect_error(&reply, HMS_CODE_BAD_REQUEST);
    s_rule_names(names, sizeof names);
    assert_string_equal(names, "cpu_hot");

    harness_stop(s_env.pid, SIGKILL, 1000);
    s_start_manager();
    assert_true(harness_wait(s_answers, NULL, 5000));
    assert_true(s_threshold() == 42);
    assert_int_equal(s_entry(s_env.calm).status, HMS_STATUS_IGNORED);
    assert_int_equal(s_entry(s_env.web).status, HMS_STATUS_ACTIVE);
    s_rule_names(names, sizeof names);
    assert_string_equal(names, "cpu_hot");

    s_ask_container(HMS_MSG_CONTAINER_ADD, s_env.calm, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    assert_int_equal(reply.container.status, HMS_STATUS_ACTIVE);
    hms_rules_builtin(rules);
    s_set_rules(rules, builtin, &reply);
    assert_int_equal(reply.type, HMS_MSG_OK);
    hms_msg_reset(&reply);
}

static bool s_docker_answers(void *arg)
{
    (void)arg;
    return harness_sh("timeout 2 docker info >/dev/null 2>&1") == 0;
}

static bool s_dockerd_gone(void *arg)
{
    (void)arg;
    return harness_sh("pgrep -x dockerd >/dev/null") != 0;
}

//  dockerd restarted under the manager: it follows the new engine, brings
//  back the containers the restart stopped, and heals as before.
static void test_dockerd_restart(void **state)
{
    (void)state;
    assert_int_equal(harness_sh("pkill -TERM -x dockerd"), 0);
    assert_true(harness_wait(s_dockerd_gone, NULL, 60000));
    assert_int_equal(harness_sh("setsid -f dockerd >>/var/log/hms-dockerd.log 2>&1 </dev/null"), 0);
    assert_true(harness_wait(s_docker_answers, NULL, 60000));
    assert_true(harness_alive(s_env.pid));
    //  The engine stopped every container on its way down.
    assert_true(harness_wait(s_running, s_env.web, 15000));
    assert_true(harness_wait(s_running, s_env.db, 15000));
    assert_true(harness_wait(s_active, s_env.web, 5000));
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.web), 0);
    assert_true(harness_wait(s_running, s_env.web, 2000));
}

static bool s_backing_off(void *id)
{
    return s_entry(id).status == HMS_STATUS_BACKOFF;
}

//  Backoff is for a container that keeps failing by itself: one that exits
//  half a second after each start ends up in backoff, while one stopped
//  through the engine's API again and again is healed at once every time.
static void test_backoff_own_failures_only(void **state)
{
    (void)state;
    uint64_t before = s_entry(s_env.db).restarts;
    for (int i = 0; i < 6; i++) {
        assert_true(harness_wait(s_active, s_env.db, 5000));
        assert_int_equal(harness_sh("docker stop -t 1 %s >/dev/null", s_env.db), 0);
        assert_true(harness_wait(s_running, s_env.db, 2000));
        assert_int_not_equal(s_entry(s_env.db).status, HMS_STATUS_BACKOFF);
    }
    assert_int_equal(s_entry(s_env.db).restarts, before + 6);

    char *crashy = harness_sh_output("docker run -d --name %s-crashy --label hms.test=%s "
                                     "hms/testbox:1 sh -c 'sleep 0.5; exit 3'",
                                     harness_tag(), harness_tag());
    assert_non_null(crashy);
    //  The first failure and --backoff-after (3) quick ones are healed at
    //  once: about a second each.
    assert_true(harness_wait(s_backing_off, crashy, 15000));
    assert_true(s_entry(crashy).restarts >= 3);
    free(crashy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_kill_and_stop),
        cmocka_unit_test(test_loss),
        cmocka_unit_test(test_ignore_and_add),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_state_survives_sigkill),
        cmocka_unit_test(test_dockerd_restart),
        cmocka_unit_test(test_backoff_own_failures_only),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
