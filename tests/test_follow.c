/*  test_follow: the controller keeps its copy of a manager's table in step
    (HMS/2, proto/hms-protocol.md §11).

    The manager here is scripted: a PUB and a ROUTER of the test's own, so
    that updates can be dropped, a digest can lie and a restart can come at
    a chosen moment, which no real manager does on demand. Two real
    controllers follow it: one in delta mode, one with --sync notify (the
    seed's way). The test serves their give_content while it waits.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_peer.h"
#include "hms_replica.h"
#include "hms_transport.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTAINERS 3

static struct {
    char dir[64];
    hms_transport_t *transport;
    zsock_t *pub, *router;
    char address[64]; //  127.0.0.1:PUB port
    hms_container_t table[CONTAINERS];
    bool present[CONTAINERS];
    uint64_t update_seq, started_ms;
    int served; //  give_content answered
    pid_t delta, notify;
    char delta_base[64], notify_base[64];
} s_env;

static uint64_t s_digest(void)
{
    uint64_t sum = 0;
    for (int i = 0; i < CONTAINERS; i++)
        if (s_env.present[i])
            sum += hms_container_fingerprint(&s_env.table[i]);
    return hms_content_digest(sum, 50);
}

static void s_send(const hms_msg_t *msg)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(msg, &buffer), 0);
    const char *topic = hms_msg_type_name(msg->type);
    zframe_t *frame = zframe_new(topic, strlen(topic));
    zframe_send(&frame, s_env.pub, ZFRAME_MORE);
    frame = zframe_new(buffer.data, buffer.size);
    zframe_send(&frame, s_env.pub, 0);
    msgpack_sbuffer_destroy(&buffer);
}

static void s_heartbeat(uint64_t update_seq, uint64_t digest)
{
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_HB);
    msg.hb.update_seq = update_seq;
    msg.hb.digest = digest;
    msg.hb.interval_ms = 1000;
    s_send(&msg);
}

//  Container i gets status; an update says so, unless dropped.
static void s_change(int i, hms_status_t status, bool dropped)
{
    s_env.table[i].status = status;
    s_env.table[i].since_ms++;
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_UPDATE);
    msg.update.update_seq = ++s_env.update_seq;
    msg.update.started_ms = s_env.started_ms;
    msg.update.digest = s_digest();
    msg.update.threshold = 50;
    msg.update.changes = &s_env.table[i];
    msg.update.count = 1;
    if (!dropped)
        s_send(&msg);
}

//  Answers the give_content requests waiting on the ROUTER.
static void s_serve(void)
{
    while (zsock_events(s_env.router) & ZMQ_POLLIN) {
        zmsg_t *request = zmsg_recv(s_env.router);
        zframe_t *identity = zmsg_pop(request);
        zframe_t *body = zmsg_pop(request);
        hms_msg_t in, out;
        assert_int_equal(hms_msg_decode(&in, zframe_data(body), zframe_size(body)), 0);
        assert_int_equal(in.type, HMS_MSG_GIVE_CONTENT);
        hms_msg_ok(&out, HMS_MSG_GIVE_CONTENT, in.corr_id);
        snprintf(out.content.address, sizeof out.content.address, "%s", s_env.address);
        out.content.update_seq = s_env.update_seq;
        out.content.started_ms = s_env.started_ms;
        out.content.threshold = 50;
        hms_container_t shown[CONTAINERS];
        size_t count = 0;
        for (int i = 0; i < CONTAINERS; i++)
            if (s_env.present[i])
                shown[count++] = s_env.table[i];
        out.content.content = shown;
        out.content.count = count;
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        assert_int_equal(hms_msg_encode(&out, &buffer), 0);
        zframe_send(&identity, s_env.router, ZFRAME_MORE);
        zframe_t *reply = zframe_new(buffer.data, buffer.size);
        zframe_send(&reply, s_env.router, 0);
        msgpack_sbuffer_destroy(&buffer);
        zframe_destroy(&body);
        zmsg_destroy(&request);
        s_env.served++;
    }
}

static json_t *s_get(const char *base, const char *path)
{
    char url[256], *text = NULL;
    snprintf(url, sizeof url, "%s%s", base, path);
    long status = harness_http("GET", url, NULL, NULL, &text, 3000);
    json_t *json = status == 200 ? json_loads(text ? text : "", 0, NULL) : NULL;
    free(text);
    return json;
}

//  A counter of the host in a controller's GET /stats.
static json_int_t s_stat(const char *base, const char *name)
{
    json_t *stats = s_get(base, "/stats");
    assert_non_null(stats);
    json_t *host = json_array_get(json_object_get(stats, "hosts"), 0);
    json_t *value = json_object_get(host, name);
    json_int_t number = json_is_true(value) ? 1 : json_integer_value(value);
    json_decref(stats);
    return number;
}

typedef struct {
    const char *base;
    bool heartbeat; //  also publish a heartbeat that tells the truth
} view_t;

//  True when the controller shows the scripted table exactly (serving its
//  give_content meanwhile).
static bool s_in_step(void *arg)
{
    view_t *view = arg;
    s_serve();
    if (view->heartbeat)
        s_heartbeat(s_env.update_seq, s_digest());
    char path[128];
    snprintf(path, sizeof path, "/containers/%s", s_env.address);
    json_t *host = s_get(view->base, path);
    json_t *containers = json_object_get(host, "containers");
    size_t expected = 0;
    bool same = host != NULL;
    for (int i = 0; i < CONTAINERS && same; i++) {
        if (!s_env.present[i])
            continue;
        expected++;
        bool found = false;
        size_t index;
        json_t *entry;
        json_array_foreach(containers, index, entry)
        {
            if (strcmp(json_string_value(json_object_get(entry, "id")), s_env.table[i].id) == 0)
                found = strcmp(json_string_value(json_object_get(entry, "status")),
                               hms_status_name(s_env.table[i].status)) == 0;
        }
        same = found;
    }
    same = same && json_array_size(containers) == expected &&
           json_integer_value(json_object_get(host, "update_seq")) == (json_int_t)s_env.update_seq;
    json_decref(host);
    return same;
}

static void s_start_controller(const char *name, const char *sync, pid_t *pid, char *base)
{
    char log[128], ready[128], port[16];
    snprintf(log, sizeof log, "%s/%s.log", s_env.dir, name);
    snprintf(ready, sizeof ready, "%s/%s.ready", s_env.dir, name);
    char *argv[] = {HMS_BINARY_DIR "/controller/hms-controller",
                    "--http-bind",
                    "127.0.0.1",
                    "--http-port",
                    "0",
                    "--router",
                    "none",
                    "--state-file",
                    "",
                    "--hosts",
                    s_env.address,
                    "--sync",
                    (char *)sync,
                    "--aggregation",
                    "1000",
                    "--log-level",
                    "info",
                    NULL};
    *pid = harness_daemon(log, ready, argv, 10000);
    harness_ready_value(ready, "http_port", port, sizeof port);
    snprintf(base, 64, "http://127.0.0.1:%s", port);
}

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-follow-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    hms_transport_config_t plaintext = {"", "", false};
    s_env.transport = hms_transport_new(&plaintext, false);
    assert_non_null(s_env.transport);
    int port = hms_transport_bind_pair(s_env.transport, 7601, ZMQ_PUB, "tcp://127.0.0.1:*",
                                       ZMQ_ROUTER, "", &s_env.pub, &s_env.router);
    assert_true(port > 0);
    snprintf(s_env.address, sizeof s_env.address, "127.0.0.1:%d", port);
    const char *names[CONTAINERS] = {"web", "db", "cache"};
    for (int i = 0; i < CONTAINERS; i++) {
        hms_container_t *c = &s_env.table[i];
        memset(c, 0, sizeof *c);
        for (int d = 0; d < 64; d++)
            c->id[d] = "0123456789abcdef"[(i * 7 + d) % 16];
        snprintf(c->name, sizeof c->name, "%s", names[i]);
        snprintf(c->state, sizeof c->state, "running");
        c->status = HMS_STATUS_ACTIVE;
        c->loss = c->rtt_ms = NAN;
        c->since_ms = 1000;
        s_env.present[i] = true;
    }
    s_env.started_ms = 1795000000000ull;
    s_start_controller("delta", "delta", &s_env.delta, s_env.delta_base);
    s_start_controller("notify", "notify", &s_env.notify, s_env.notify_base);
    //  Both follow: heartbeats until each has taken the table.
    view_t delta = {s_env.delta_base, true}, notify = {s_env.notify_base, true};
    assert_true(harness_wait(s_in_step, &delta, 10000));
    assert_true(harness_wait(s_in_step, &notify, 10000));
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    int delta = harness_stop(s_env.delta, SIGTERM, 5000);
    int notify = harness_stop(s_env.notify, SIGTERM, 5000);
    zsock_destroy(&s_env.pub);
    zsock_destroy(&s_env.router);
    hms_transport_destroy(&s_env.transport);
    harness_sh("cat %s/*.log >&2; rm -rf %s", s_env.dir, s_env.dir);
    assert_true(WIFEXITED(delta) && WEXITSTATUS(delta) == 0);
    assert_true(WIFEXITED(notify) && WEXITSTATUS(notify) == 0);
    return 0;
}

//  Updates in order are applied from their content: no give_content. With
//  --sync notify the same updates cost one give_content per window.
static void test_updates_in_order(void **state)
{
    (void)state;
    json_int_t snapshots = s_stat(s_env.delta_base, "snapshots");
    json_int_t deltas = s_stat(s_env.delta_base, "deltas");
    json_int_t notify_snapshots = s_stat(s_env.notify_base, "snapshots");
    json_int_t pending = s_stat(s_env.delta_base, "pending_ms");
    json_int_t notify_pending = s_stat(s_env.notify_base, "pending_ms");
    //  Five updates within one window (1 s).
    s_change(1, HMS_STATUS_DOWN, false);
    s_change(1, HMS_STATUS_RESTARTING, false);
    s_change(2, HMS_STATUS_BACKOFF, false);
    s_change(1, HMS_STATUS_ACTIVE, false);
    s_change(2, HMS_STATUS_DOWN, false);
    view_t delta = {s_env.delta_base, false}, notify = {s_env.notify_base, false};
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots);
    assert_int_equal(s_stat(s_env.delta_base, "deltas"), deltas + 5);
    assert_true(harness_wait(s_in_step, &notify, 5000));
    assert_int_equal(s_stat(s_env.notify_base, "snapshots"), notify_snapshots + 1);
    //  Notify mode was pending until its window closed; delta mode never was.
    assert_true(s_stat(s_env.notify_base, "pending_ms") > notify_pending);
    assert_int_equal(s_stat(s_env.delta_base, "pending_ms"), pending);
}

//  An update applies at once whatever the aggregation window: with a
//  window of a minute, the change shows long before the window would close.
static void test_any_window(void **state)
{
    (void)state;
    const char *windows[] = {"100", "2500", "60000", "1000"};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        char url[128], body[64];
        snprintf(url, sizeof url, "%s/config", s_env.delta_base);
        snprintf(body, sizeof body, "{\"aggregation_ms\": %s}", windows[w]);
        assert_int_equal(harness_http("PUT", url, body, NULL, NULL, 3000), 200);
        s_change(0, w % 2 ? HMS_STATUS_DOWN : HMS_STATUS_ACTIVE, false);
        view_t delta = {s_env.delta_base, false};
        assert_true(harness_wait(s_in_step, &delta, 10000));
    }
}

//  A dropped update: the next one shows the gap, and a snapshot repairs
//  the copy (the dropped change is only in the snapshot).
static void test_missed_update(void **state)
{
    (void)state;
    json_int_t snapshots = s_stat(s_env.delta_base, "snapshots");
    json_int_t gaps = s_stat(s_env.delta_base, "gaps");
    s_change(2, HMS_STATUS_STOPPED, true);
    s_change(0, HMS_STATUS_BACKOFF, false);
    view_t delta = {s_env.delta_base, false};
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots + 1);
    assert_true(s_stat(s_env.delta_base, "gaps") > gaps);

    //  The last update dropped: the heartbeat shows it.
    snapshots = s_stat(s_env.delta_base, "snapshots");
    s_change(2, HMS_STATUS_ACTIVE, true);
    delta.heartbeat = true;
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots + 1);
}

//  The table changed without an update: the heartbeat's digest differs
//  from the copy's, and a snapshot repairs it.
static void test_digest_mismatch(void **state)
{
    (void)state;
    json_int_t snapshots = s_stat(s_env.delta_base, "snapshots");
    json_int_t mismatches = s_stat(s_env.delta_base, "mismatches");
    s_env.table[1].status = HMS_STATUS_DOWN; //  no update
    view_t delta = {s_env.delta_base, true};
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots + 1);
    assert_int_equal(s_stat(s_env.delta_base, "mismatches"), mismatches + 1);

    //  An update whose digest is not what its changes give: the same.
    snapshots = s_stat(s_env.delta_base, "snapshots");
    s_env.table[0].status = HMS_STATUS_DOWN; //  not in the update below
    s_change(1, HMS_STATUS_ACTIVE, false);
    delta.heartbeat = false;
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots + 1);
}

//  The manager restarted: its sequence starts again at 1, with another
//  started_ms; the follower takes a snapshot and counts the restart.
static void test_manager_restart(void **state)
{
    (void)state;
    json_int_t snapshots = s_stat(s_env.delta_base, "snapshots");
    s_env.started_ms += 60000;
    s_env.update_seq = 0;
    s_env.present[2] = false; //  the new process sees two containers
    s_change(0, HMS_STATUS_ACTIVE, false);
    view_t delta = {s_env.delta_base, false};
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots + 1);
    char path[128];
    snprintf(path, sizeof path, "/containers/%s", s_env.address);
    json_t *host = s_get(s_env.delta_base, path);
    json_t *manager = json_object_get(host, "manager");
    assert_int_equal(json_integer_value(json_object_get(manager, "restarts")), 1);
    assert_int_equal(json_integer_value(json_object_get(manager, "started_ms")),
                     (json_int_t)s_env.started_ms);
    json_decref(host);
    //  The restarted manager's next updates apply in order again.
    snapshots = s_stat(s_env.delta_base, "snapshots");
    s_change(1, HMS_STATUS_RESTARTING, false);
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "snapshots"), snapshots);
}

typedef struct {
    json_int_t want;
} bad_t;

static bool s_bad_counted(void *arg)
{
    bad_t *bad = arg;
    s_serve();
    return s_stat(s_env.delta_base, "bad_messages") >= bad->want;
}

//  Hostile updates change nothing: an update for a container entry with a
//  bad status, one that is not a tuple. The controller drops and counts them.
static void test_bad_updates(void **state)
{
    (void)state;
    json_int_t bad = s_stat(s_env.delta_base, "bad_messages");
    //  [2, "update", 1, ...] sent as a map; and a tuple with a wrong digest type.
    const uint8_t as_map[] = {0x82, 0xa1, 'v',  0x02, 0xa7, 'c', 'o', 'm', 'm', 'a',
                              'n',  'd',  0xa6, 'u',  'p',  'd', 'a', 't', 'e'};
    const uint8_t bad_digest[] = {0x95, 0x02, 0xa6, 'u',  'p',  'd', 'a',
                                  't',  'e',  0x05, 0x01, 0xa1, 'x'};
    const uint8_t *bodies[] = {as_map, bad_digest};
    size_t sizes[] = {sizeof as_map, sizeof bad_digest};
    for (int i = 0; i < 2; i++) {
        zframe_t *frame = zframe_new("update", 6);
        zframe_send(&frame, s_env.pub, ZFRAME_MORE);
        frame = zframe_new(bodies[i], sizes[i]);
        zframe_send(&frame, s_env.pub, 0);
    }
    //  Both counted, and nothing else changed.
    bad_t counted = {bad + 2};
    assert_true(harness_wait(s_bad_counted, &counted, 5000));
    view_t delta = {s_env.delta_base, true};
    assert_true(harness_wait(s_in_step, &delta, 5000));
    assert_int_equal(s_stat(s_env.delta_base, "bad_messages"), bad + 2);
}

//  The copy itself: an update's changes (added, changed, removed, one id
//  twice) give the table, sorted by name, and the digest the manager
//  computes for it.
static hms_container_t s_entry(const char *name, hms_status_t status, uint64_t since_ms)
{
    hms_container_t entry = {0};
    snprintf(entry.id, sizeof entry.id, "%064x", (unsigned)name[0]);
    snprintf(entry.name, sizeof entry.name, "%s", name);
    entry.status = status;
    entry.since_ms = since_ms;
    return entry;
}

static uint64_t s_digest_of(const hms_container_t *entries, size_t count, double threshold)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++)
        sum += hms_container_fingerprint(&entries[i]);
    return hms_content_digest(sum, threshold);
}

static void test_replica(void **state)
{
    (void)state;
    hms_replica_t copy = {NULL, NAN, 0};
    assert_int_equal(hms_replica_count(&copy), 0);
    hms_container_t *first = calloc(3, sizeof *first);
    first[0] = s_entry("c", HMS_STATUS_ACTIVE, 1);
    first[1] = s_entry("a", HMS_STATUS_ACTIVE, 1);
    first[2] = s_entry("b", HMS_STATUS_ACTIVE, 1);
    assert_int_equal(hms_replica_take(&copy, first, 3, 50), 0);
    assert_string_equal(copy.content->containers[0].name, "a");
    assert_string_equal(copy.content->containers[2].name, "c");

    //  b stops then restarts (the last entry wins), c goes, d comes.
    hms_container_t changes[4] = {
        s_entry("b", HMS_STATUS_DOWN, 2), s_entry("c", HMS_STATUS_NONE, 2),
        s_entry("d", HMS_STATUS_ACTIVE, 2), s_entry("b", HMS_STATUS_ACTIVE, 3)};
    hms_update_t update = {.threshold = 40, .changes = changes, .count = 4};
    assert_int_equal(hms_replica_apply(&copy, &update), 0);
    hms_container_t expected[3] = {s_entry("a", HMS_STATUS_ACTIVE, 1),
                                   s_entry("b", HMS_STATUS_ACTIVE, 3),
                                   s_entry("d", HMS_STATUS_ACTIVE, 2)};
    assert_int_equal(hms_replica_count(&copy), 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(copy.content->containers[i].name, expected[i].name);
        assert_int_equal(copy.content->containers[i].since_ms, expected[i].since_ms);
    }
    assert_true(copy.threshold == 40);
    assert_true(copy.digest == s_digest_of(expected, 3, 40));
    assert_true(copy.digest != s_digest_of(expected, 3, 50));
    hms_replica_clear(&copy);
    assert_null(copy.content);
}

//  --hosts entries: keys may hold '@' and '='; the address holds neither.
static void test_peer_parse(void **state)
{
    (void)state;
    const char *key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    const char *other = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    assert_int_equal(strlen(key), HMS_KEY_LENGTH);
    char entry[256];
    hms_follower_spec_t spec;
    snprintf(entry, sizeof entry, "10.0.0.1:7600=10.0.0.2:7603@%s@%s", key, other);
    hms_peer_parse(entry, &spec);
    assert_string_equal(spec.address, "10.0.0.1:7600");
    assert_string_equal(spec.antagonist, "10.0.0.2:7603");
    assert_string_equal(spec.public_key, key);
    assert_string_equal(spec.antagonist_key, other);

    snprintf(entry, sizeof entry, "node-2@%s", key);
    hms_peer_parse(entry, &spec);
    assert_string_equal(spec.address, "node-2");
    assert_null(spec.antagonist);
    assert_string_equal(spec.public_key, key);
    assert_null(spec.antagonist_key);

    snprintf(entry, sizeof entry, "127.0.0.1");
    hms_peer_parse(entry, &spec);
    assert_string_equal(spec.address, "127.0.0.1");
    assert_null(spec.antagonist);
    assert_null(spec.public_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_updates_in_order), cmocka_unit_test(test_any_window),
        cmocka_unit_test(test_missed_update),    cmocka_unit_test(test_digest_mismatch),
        cmocka_unit_test(test_manager_restart),  cmocka_unit_test(test_bad_updates),
        cmocka_unit_test(test_replica),          cmocka_unit_test(test_peer_parse),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
