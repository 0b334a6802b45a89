/*  test_probe: the ICMP prober on loopback. Replies, several and many
    targets, a target that cannot be sent to, a silent one, random loss,
    settings, busy, cancel, destroy, rounds chained from done, and the
    matching of replies (duplicates, late, foreign and malformed packets),
    which includes hms_probe.c to reach it.

    When it can (root), the test moves into a private network namespace: its
    iptables rules then never touch the host, and every test runs twice,
    with a raw socket and with a datagram socket (ping_group_range opened in
    that namespace only). Otherwise it runs once in the host namespace, on
    127.0.0.77-80 only, and deletes its rules at the end.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

//  glibc's net/if.h must come before the kernel's linux/if.h (via hms_probe.c).
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "hms_probe.c"

#define S_UNSENDABLE "127.0.0.77" //  OUTPUT drops what we send: sendto fails
#define S_SILENT     "127.0.0.78" //  INPUT drops its replies: sent, never answered
#define S_LOSSY      "127.0.0.79" //  INPUT drops half of its replies at random
#define S_FLAKY      "127.0.0.80" //  OUTPUT drops half of what we send at random

//  Our rules, each tagged so that only ours are ever deleted.
static const char *s_rules[] = {
    "OUTPUT -d " S_UNSENDABLE " -p icmp -j DROP",
    "INPUT -s " S_SILENT " -p icmp --icmp-type echo-reply -j DROP",
    "INPUT -s " S_LOSSY " -p icmp --icmp-type echo-reply -m statistic --mode random "
    "--probability 0.5 -j DROP",
    "OUTPUT -d " S_FLAKY " -p icmp -m statistic --mode random --probability 0.5 -j DROP",
};

static bool s_isolated;           //  in a private network namespace
static bool s_iptables;           //  our rules are in place
static const char *s_expect_kind; //  socket kind this run must use, or NULL

static int s_iptables_run(const char *action, const char *rule)
{
    char command[512];
    snprintf(command, sizeof command,
             "iptables -w -%s %s -m comment --comment hmspr-test >/dev/null 2>&1", action, rule);
    return system(command);
}

static void s_rules_delete(void)
{
    for (size_t i = 0; i < sizeof s_rules / sizeof *s_rules; i++)
        while (s_iptables_run("D", s_rules[i]) == 0)
            ;
}

static int s_group_setup(void **state)
{
    (void)state;
    s_rules_delete(); //  leftovers of a crashed run
    s_iptables = true;
    for (size_t i = 0; i < sizeof s_rules / sizeof *s_rules; i++)
        if (s_iptables_run("I", s_rules[i]) != 0)
            s_iptables = false;
    if (!s_iptables) {
        fprintf(stderr, "test_probe: iptables unusable: the loss tests are skipped\n");
        s_rules_delete();
    }
    return 0;
}

static int s_group_teardown(void **state)
{
    (void)state;
    s_rules_delete();
    s_iptables = false;
    return 0;
}

//  One test's loop and probe, and what done saw.
typedef struct {
    zloop_t *loop;                 //  the test's loop
    hms_probe_t *probe;            //  the probe under test
    int calls;                     //  times done was called
    size_t count;                  //  count given to the last call
    int64_t started;               //  when the round started (ns)
    int64_t ended;                 //  when done was called (ns)
    int chain;                     //  rounds still to start from done
    bool destroy;                  //  done destroys the probe
    hms_probe_target_t *targets;   //  targets of chained rounds
    hms_probe_settings_t settings; //  settings of chained rounds
} s_state_t;

static int s_setup(void **state)
{
    s_state_t *self = calloc(1, sizeof *self);
    assert_non_null(self);
    self->loop = zloop_new();
    assert_non_null(self->loop);
    self->probe = hms_probe_new(self->loop);
    assert_non_null(self->probe);
    if (s_expect_kind)
        assert_string_equal(hms_probe_kind(self->probe), s_expect_kind);
    *state = self;
    return 0;
}

static int s_teardown(void **state)
{
    s_state_t *self = *state;
    hms_probe_destroy(&self->probe);
    zloop_destroy(&self->loop);
    free(self);
    return 0;
}

static int s_stop(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)arg;
    return -1;
}

static void s_on_done(hms_probe_t *probe, hms_probe_target_t *targets, size_t count, void *arg)
{
    s_state_t *self = arg;
    assert_ptr_equal(probe, self->probe);
    assert_false(hms_probe_busy(probe));
    self->calls++;
    self->count = count;
    self->ended = s_now();
    if (self->destroy) {
        hms_probe_destroy(&self->probe);
        assert_null(self->probe);
    } else if (self->chain > 0) {
        self->chain--;
        assert_int_equal(
            hms_probe_round(probe, self->targets, count, &self->settings, s_on_done, self), 0);
        return;
    }
    (void)targets;
    //  Ends zloop_start at its next turn: the test goes on from there.
    zloop_timer(self->loop, 0, 1, s_stop, NULL);
}

//  Runs the loop until done ends it, or limit_ms have passed.
static void s_run(s_state_t *self, int limit_ms)
{
    int timer = zloop_timer(self->loop, (size_t)limit_ms, 1, s_stop, NULL);
    zloop_start(self->loop);
    zloop_timer_end(self->loop, timer);
}

//  Runs one round to its end (10 s at most) and checks done came once.
static void s_round(s_state_t *self, hms_probe_target_t *targets, size_t count,
                    const hms_probe_settings_t *settings)
{
    self->calls = 0;
    self->started = s_now();
    assert_int_equal(hms_probe_round(self->probe, targets, count, settings, s_on_done, self), 0);
    assert_true(hms_probe_busy(self->probe));
    s_run(self, 10000);
    assert_int_equal(self->calls, 1);
    assert_int_equal(self->count, count);
    if (self->probe)
        assert_false(hms_probe_busy(self->probe));
}

static hms_probe_target_t s_target(const char *address)
{
    hms_probe_target_t target = {0};
    assert_int_equal(inet_pton(AF_INET, address, &target.addr), 1);
    return target;
}

static void s_assert_answered(const hms_probe_target_t *target, uint32_t count)
{
    assert_int_equal(target->sent, count);
    assert_int_equal(target->received, count);
    assert_true(target->loss == 0);
    assert_true(target->rtt_ms >= 0 && target->rtt_ms < 100);
    assert_int_equal(target->tail_lost, 0);
}

static void s_assert_lost(const hms_probe_target_t *target, uint32_t sent)
{
    assert_int_equal(target->sent, sent);
    assert_int_equal(target->received, 0);
    assert_true(target->loss == 100);
    assert_true(isnan(target->rtt_ms));
}

static void test_loopback(void **state)
{
    s_state_t *self = *state;
    hms_probe_settings_t settings = HMS_PROBE_SETTINGS_DEFAULT;
    hms_probe_target_t target = s_target("127.0.0.1");
    s_round(self, &target, 1, &settings);
    s_assert_answered(&target, 20);
}

static void test_several(void **state)
{
    s_state_t *self = *state;
    hms_probe_settings_t settings = HMS_PROBE_SETTINGS_DEFAULT;
    //  The same address twice is two targets, each with its own replies.
    const char *addresses[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1"};
    hms_probe_target_t targets[4];
    for (int i = 0; i < 4; i++) {
        targets[i] = s_target(addresses[i]);
        targets[i].arg = &targets[i];
    }
    s_round(self, targets, 4, &settings);
    for (int i = 0; i < 4; i++) {
        s_assert_answered(&targets[i], 20);
        assert_ptr_equal(targets[i].arg, &targets[i]);
    }
}

//  4096 targets (127.1.0.1 .. 127.1.16.0) at once: no reply may be dropped.
static void test_many(void **state)
{
    s_state_t *self = *state;
    hms_probe_settings_t settings = {3, 10, 1000};
    size_t count = 4096;
    hms_probe_target_t *targets = calloc(count, sizeof *targets);
    assert_non_null(targets);
    for (size_t i = 0; i < count; i++)
        targets[i].addr.s_addr = htonl((127u << 24) + (1u << 16) + 1 + (uint32_t)i);
    s_round(self, targets, count, &settings);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(targets[i].sent, 3);
        assert_int_equal(targets[i].received, 3);
    }
    free(targets);
}

static void test_unsendable(void **state)
{
    if (!s_iptables)
        skip();
    s_state_t *self = *state;
    hms_probe_settings_t settings = {5, 10, 100};
    hms_probe_target_t targets[2] = {s_target(S_UNSENDABLE), s_target("127.0.0.1")};
    s_round(self, targets, 2, &settings);
    s_assert_lost(&targets[0], 0);
    s_assert_answered(&targets[1], 5);
}

//  A silent target: every echo is sent, none answered, and the round lasts
//  until the last send + timeout (4 * 10 + 100 ms).
static void test_silent(void **state)
{
    if (!s_iptables)
        skip();
    s_state_t *self = *state;
    hms_probe_settings_t settings = {5, 10, 100};
    hms_probe_target_t target = s_target(S_SILENT);
    s_round(self, &target, 1, &settings);
    s_assert_lost(&target, 5);
    assert_int_equal(target.tail_lost, 5);
    int64_t elapsed_ms = (self->ended - self->started) / S_MS;
    assert_true(elapsed_ms >= 100);
    assert_true(elapsed_ms <= 2000);
}

//  When every echo is answered, the round does not wait for the timeout.
static void test_early_end(void **state)
{
    s_state_t *self = *state;
    hms_probe_settings_t settings = {5, 10, 1000};
    hms_probe_target_t target = s_target("127.0.0.1");
    s_round(self, &target, 1, &settings);
    s_assert_answered(&target, 5);
    assert_true((self->ended - self->started) / S_MS < 900);
}

//  Half the replies lost, or half the requests not sent: both are loss.
static void test_random_loss(void **state)
{
    if (!s_iptables)
        skip();
    s_state_t *self = *state;
    hms_probe_settings_t settings = {200, 1, 100};
    hms_probe_target_t targets[2] = {s_target(S_LOSSY), s_target(S_FLAKY)};
    s_round(self, targets, 2, &settings);
    assert_int_equal(targets[0].sent, 200);
    assert_true(targets[1].sent >= 50 && targets[1].sent <= 150);
    assert_int_equal(targets[1].received, targets[1].sent);
    for (int i = 0; i < 2; i++) {
        assert_true(targets[i].loss >= 25 && targets[i].loss <= 75);
        assert_true(fabs(targets[i].loss - 100.0 * (200 - targets[i].received) / 200) < 1e-9);
        assert_true(targets[i].rtt_ms >= 0 && targets[i].rtt_ms < 100);
    }
}

static void test_invalid_settings(void **state)
{
    s_state_t *self = *state;
    hms_probe_target_t target = s_target("127.0.0.1");
    hms_probe_settings_t bad[] = {
        {0, 10, 100}, {1001, 10, 100}, {20, 0, 100}, {20, 60001, 100}, {20, 10, 0}, {20, 10, 60001},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(hms_probe_round(self->probe, &target, 1, &bad[i], s_on_done, self), -1);
    hms_probe_settings_t good = HMS_PROBE_SETTINGS_DEFAULT;
    assert_int_equal(hms_probe_round(self->probe, &target, 1, NULL, s_on_done, self), -1);
    assert_int_equal(hms_probe_round(self->probe, NULL, 1, &good, s_on_done, self), -1);
    assert_int_equal(hms_probe_round(self->probe, &target, 1, &good, NULL, self), -1);
    //  Too many echoes for one round.
    hms_probe_settings_t most = {1000, 10, 100};
    assert_int_equal(hms_probe_round(self->probe, &target, HMS_PROBE_MAX_ECHOES / 1000 + 1, &most,
                                     s_on_done, self),
                     -1);
    assert_false(hms_probe_busy(self->probe));
    assert_int_equal(self->calls, 0);
}

static void test_busy(void **state)
{
    s_state_t *self = *state;
    hms_probe_settings_t settings = {5, 10, 100};
    hms_probe_target_t target = s_target("127.0.0.1");
    hms_probe_target_t other = s_target("127.0.0.2");
    self->started = s_now();
    assert_int_equal(hms_probe_round(self->probe, &target, 1, &settings, s_on_done, self), 0);
    assert_true(hms_probe_busy(self->probe));
    assert_int_equal(hms_probe_round(self->probe, &other, 1, &settings, s_on_done, self), -1);
    s_run(self, 10000);
    assert_int_equal(self->calls, 1);
    s_assert_answered(&target, 5);
    assert_int_equal(other.sent, 0);
}

//  No targets: done comes from the loop, never from inside hms_probe_round.
static void test_empty(void **state)
{
    s_state_t *self = *state;
    hms_probe_settings_t settings = HMS_PROBE_SETTINGS_DEFAULT;
    assert_int_equal(hms_probe_round(self->probe, NULL, 0, &settings, s_on_done, self), 0);
    assert_int_equal(self->calls, 0);
    s_run(self, 10000);
    assert_int_equal(self->calls, 1);
    assert_int_equal(self->count, 0);
}

static int s_cancel(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_state_t *self = arg;
    hms_probe_cancel(self->probe);
    assert_false(hms_probe_busy(self->probe));
    return 0;
}

//  Starts a round that would end by 20 + 50 ms, interrupts it at 15 ms
//  (from a loop timer, or outside the loop when how is NULL: destroy), then
//  runs the loop past its deadline: done must never come.
static void s_interrupt(s_state_t *self, zloop_timer_fn *how)
{
    hms_probe_settings_t settings = {3, 10, 50};
    hms_probe_target_t targets[2] = {s_target("127.0.0.1"), s_target("127.0.0.2")};
    if (s_iptables)
        targets[1] = s_target(S_SILENT);
    assert_int_equal(hms_probe_round(self->probe, targets, 2, &settings, s_on_done, self), 0);
    if (how)
        zloop_timer(self->loop, 15, 1, how, self);
    else {
        s_run(self, 15);
        assert_true(hms_probe_busy(self->probe));
        hms_probe_destroy(&self->probe);
    }
    s_run(self, 300);
    assert_int_equal(self->calls, 0);
}

static void test_cancel(void **state)
{
    s_state_t *self = *state;
    s_interrupt(self, s_cancel);
    hms_probe_cancel(self->probe); //  nothing to cancel: no-op
    //  The probe still works, and replies to the cancelled round are ignored.
    hms_probe_settings_t settings = {5, 10, 100};
    hms_probe_target_t target = s_target("127.0.0.1");
    s_round(self, &target, 1, &settings);
    s_assert_answered(&target, 5);
}

static void test_destroy(void **state)
{
    s_state_t *self = *state;
    s_interrupt(self, NULL);
    assert_null(self->probe);
    hms_probe_destroy(&self->probe); //  safe on NULL
}

static void test_from_done(void **state)
{
    s_state_t *self = *state;
    hms_probe_target_t targets[2] = {s_target("127.0.0.1"), s_target("127.0.0.2")};
    self->targets = targets;
    self->settings = (hms_probe_settings_t){3, 10, 100};
    self->chain = 2;
    self->started = s_now();
    assert_int_equal(hms_probe_round(self->probe, targets, 2, &self->settings, s_on_done, self), 0);
    s_run(self, 10000);
    assert_int_equal(self->calls, 3);
    assert_int_equal(self->probe->round, 3);
    s_assert_answered(&targets[0], 3);
    s_assert_answered(&targets[1], 3);

    self->destroy = true;
    s_round(self, targets, 2, &self->settings);
    assert_null(self->probe);
}

//  Builds the packet the socket would deliver for a reply to echo e of the
//  current round, IP header included on a raw socket. Returns its size.
static size_t s_reply(hms_probe_t *probe, uint8_t *buffer, size_t e)
{
    size_t header = probe->raw ? 20 : 0;
    memset(buffer, 0, header);
    if (probe->raw)
        buffer[0] = 0x45; //  IPv4, 20-byte header
    s_packet_t packet = {.type = ICMP_ECHOREPLY,
                         .id = htons(probe->ident),
                         .seq = htons((uint16_t)(probe->seq_base + e)),
                         .round = probe->round,
                         .echo = (uint32_t)e};
    memcpy(packet.magic, S_MAGIC, 4);
    memcpy(buffer + header, &packet, sizeof packet);
    return header + sizeof packet;
}

static void test_matching(void **state)
{
    s_state_t *self = *state;
    hms_probe_t *probe = self->probe;
    hms_probe_settings_t settings = {2, 10, 100};
    hms_probe_target_t targets[2] = {s_target("127.0.0.1"), s_target("127.0.0.2")};
    struct in_addr a = targets[0].addr, b = targets[1].addr;
    assert_int_equal(hms_probe_round(probe, targets, 2, &settings, s_on_done, self), 0);
    //  As if echoes 0 (to a), 1 (to b) and 2 (to a) were sent at t; 3 was not.
    int64_t t = s_now();
    for (size_t e = 0; e < 3; e++)
        probe->echoes[e] = t;
    probe->outstanding = 3;

    uint8_t buffer[64];
    size_t size = s_reply(probe, buffer, 0);
    size_t icmp = probe->raw ? 20 : 0; //  where the ICMP message starts
    assert_true(s_match(probe, buffer, size, a, t + S_MS));
    assert_false(s_match(probe, buffer, size, a, t + 2 * S_MS)); //  duplicate
    assert_int_equal(targets[0].received, 1);

    size = s_reply(probe, buffer, 1);
    assert_false(s_match(probe, buffer, size, a, t + S_MS));     //  echo 1 went to b
    assert_false(s_match(probe, buffer, size - 1, b, t + S_MS)); //  truncated
    buffer[icmp] = ICMP_ECHO; //  our own request, seen on loopback
    assert_false(s_match(probe, buffer, size, b, t + S_MS));
    s_reply(probe, buffer, 1);
    buffer[icmp + 6] ^= 1; //  other sequence number
    assert_false(s_match(probe, buffer, size, b, t + S_MS));
    s_reply(probe, buffer, 1);
    buffer[icmp + 8] = 'X'; //  not our magic
    assert_false(s_match(probe, buffer, size, b, t + S_MS));
    s_reply(probe, buffer, 1);
    buffer[icmp + 12] ^= 1; //  another round
    assert_false(s_match(probe, buffer, size, b, t + S_MS));
    if (probe->raw) {
        s_reply(probe, buffer, 1);
        buffer[icmp + 4] ^= 1; //  another process's id
        assert_false(s_match(probe, buffer, size, b, t + S_MS));
        s_reply(probe, buffer, 1);
        buffer[0] = 0x4f; //  IP header longer than the packet
        assert_false(s_match(probe, buffer, size, b, t + S_MS));
        buffer[0] = 0x65; //  not IPv4
        assert_false(s_match(probe, buffer, size, b, t + S_MS));
        assert_false(s_match(probe, buffer, 10, b, t + S_MS));
    }
    s_reply(probe, buffer, 1);
    assert_true(s_match(probe, buffer, size, b, t + 5 * S_MS));
    assert_true(fabs(targets[1].rtt_ms - 5.0) < 1e-9);

    size = s_reply(probe, buffer, 2);
    assert_false(s_match(probe, buffer, size, a, t + 101 * S_MS)); //  too late
    size = s_reply(probe, buffer, 3);
    assert_false(s_match(probe, buffer, size, b, t + S_MS)); //  never sent
    size = s_reply(probe, buffer, 4);
    assert_false(s_match(probe, buffer, size, a, t + S_MS)); //  no such echo
    assert_int_equal(probe->outstanding, 1);
    assert_int_equal(targets[0].received, 1);
    assert_int_equal(targets[1].received, 1);

    //  Once the round is cancelled, nothing matches any more.
    size = s_reply(probe, buffer, 2);
    hms_probe_cancel(probe);
    assert_false(s_match(probe, buffer, size, a, t + S_MS));
}

//  The lost echoes at the end of a round are counted per target: the
//  manager judges again at once a container whose loss began mid-round.
static void test_tail_lost(void **state)
{
    s_state_t *self = *state;
    hms_probe_t *probe = self->probe;
    hms_probe_settings_t settings = {4, 10, 100};
    hms_probe_target_t targets[2] = {s_target("127.0.0.1"), s_target("127.0.0.2")};
    assert_int_equal(hms_probe_round(probe, targets, 2, &settings, s_on_done, self), 0);
    //  Echo k of target i is echo k * 2 + i; all eight were sent at t.
    int64_t t = s_now();
    for (size_t e = 0; e < 8; e++)
        probe->echoes[e] = t;
    probe->outstanding = 8;
    uint8_t buffer[64];
    //  a answers echoes 0, 1 and 3 (its third is lost); b answers 0 and 1.
    const size_t answered[] = {0, 2, 6, 1, 3};
    for (size_t i = 0; i < 5; i++) {
        size_t size = s_reply(probe, buffer, answered[i]);
        assert_true(s_match(probe, buffer, size, targets[answered[i] % 2].addr, t + S_MS));
    }
    self->calls = 0;
    s_finish(probe);
    assert_int_equal(self->calls, 1);
    assert_true(targets[0].loss == 25);
    assert_int_equal(targets[0].tail_lost, 0);
    assert_true(targets[1].loss == 50);
    assert_int_equal(targets[1].tail_lost, 2);
}

//  Moves the process into a new network namespace with loopback up.
static bool s_isolate(void)
{
    if (unshare(CLONE_NEWNET) == -1)
        return false;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq request = {0};
    strcpy(request.ifr_name, "lo");
    bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags |= IFF_UP;
    up = up && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    if (fd >= 0)
        close(fd);
    return up;
}

//  Sets which groups may open datagram ICMP sockets, in our namespace.
static bool s_ping_groups(const char *range)
{
    FILE *file = fopen("/proc/sys/net/ipv4/ping_group_range", "w");
    if (!file)
        return false;
    bool ok = fputs(range, file) >= 0;
    return fclose(file) == 0 && ok;
}

int main(void)
{
    hms_log_init("test_probe", HMS_LOG_WARNING, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loopback, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_several, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_many, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unsendable, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_silent, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_early_end, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_random_loss, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tail_lost, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_settings, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_busy, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cancel, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_destroy, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_from_done, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_matching, s_setup, s_teardown),
    };
    s_isolated = s_isolate();
    if (s_isolated && s_ping_groups("1 0")) {
        s_expect_kind = "raw";
        fprintf(stderr, "test_probe: private network namespace, raw socket\n");
        int failures = cmocka_run_group_tests_name("probe (raw socket)", tests, s_group_setup,
                                                   s_group_teardown);
        if (s_ping_groups("0 2147483647")) {
            s_expect_kind = "dgram";
            fprintf(stderr, "test_probe: private network namespace, datagram socket\n");
            failures += cmocka_run_group_tests_name("probe (datagram socket)", tests, s_group_setup,
                                                    s_group_teardown);
        }
        return failures;
    }
    fprintf(stderr, "test_probe: no private network namespace: testing in the host's\n");
    return cmocka_run_group_tests_name("probe", tests, s_group_setup, s_group_teardown);
}
