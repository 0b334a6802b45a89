/*  test_dos_live: the default denial-of-service rules against real load in
    real containers (label docker), watched by a real manager with its
    built-in rules, its alerts read on its PUB socket.

    Attacks: a CPU burn in a container with a CPU quota (a busy loop
    throttled at 0.2 CPU), a fork bomb in a pids-limited one (sleeps forked
    until pids.max), a memory bomb in a memory-limited one (its tmpfs
    filled to 97 % of the limit), one past the limit at once (the OOM
    killer kills its main process: container_oom_killed from the engine's
    oom event, the container's counters gone with it), a network flood between two containers
    of an internal network (echo requests sent as fast as the replies
    come: tens of thousands a second). Each fires its rule: the flood, the
    in rule for its target and the out rule for its source.

    Benign load at the same time: a CPU spike of 3 s at the quota (shorter
    than the rule's 10 s), a container holding half its memory, one with a
    tenth of its pids, 100 echo requests a second between two others of
    the same network. None of them fires a DoS rule.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

enum { BURN, FORK, MEMORY, OOM, SOURCE, TARGET, SPIKE, HALF, FEW, TALKER, LISTENER, CONTAINERS };

static const struct {
    const char *name;  //  after the run's tag
    const char *flags; //  docker run's; "--network": on the run's internal network
    const char *rule;  //  the rule it must fire; NULL: benign, none may fire
} s_containers[CONTAINERS] = {
    [BURN] = {"burn", "--cpus 0.2", "dos_cpu_burn"},
    [FORK] = {"fork", "--pids-limit 30", "dos_fork_bomb"},
    [MEMORY] = {"memory", "--memory 64m", "dos_memory_bomb"},
    [OOM] = {"oom", "--memory 32m --shm-size 64m", "container_oom_killed"},
    [SOURCE] = {"source", "--network", "dos_network_flood_out"},
    [TARGET] = {"target", "--network", "dos_network_flood"},
    [SPIKE] = {"spike", "--cpus 0.2", NULL},
    [HALF] = {"half", "--memory 64m", NULL},
    [FEW] = {"few", "--pids-limit 100", NULL},
    [TALKER] = {"talker", "--network", NULL},
    [LISTENER] = {"listener", "--network", NULL},
};

static struct {
    char dir[64];
    char pub[64];
    char *ids[CONTAINERS];
    pid_t manager;
} s_env;

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-dos-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    assert_int_equal(harness_sh("docker network create --internal --label hms.test=%s %s-flood "
                                ">/dev/null",
                                harness_tag(), harness_tag()),
                     0);
    for (int c = 0; c < CONTAINERS; c++) {
        char flags[128];
        if (strcmp(s_containers[c].flags, "--network") == 0)
            snprintf(flags, sizeof flags, "--network %s-flood", harness_tag());
        else
            snprintf(flags, sizeof flags, "%s", s_containers[c].flags);
        s_env.ids[c] = harness_container(s_containers[c].name, flags);
    }
    char address[64];
    s_env.manager = harness_manager(s_env.dir, NULL, s_env.pub, address);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    harness_end(s_env.dir, &s_env.manager, 1);
    for (int c = 0; c < CONTAINERS; c++)
        free(s_env.ids[c]);
    return 0;
}

static void test_dos_rules(void **state)
{
    (void)state;
    zsock_t *sub = zsock_new_sub(s_env.pub, "alert");
    assert_non_null(sub);
    //  The load, all at once.
    const char *ids[CONTAINERS];
    for (int c = 0; c < CONTAINERS; c++)
        ids[c] = s_env.ids[c];
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'while :; do :; done'", ids[BURN]), 0);
    assert_int_equal(
        harness_sh("docker exec -d %s sh -c 'while :; do sleep 600 & done'", ids[FORK]), 0);
    assert_int_equal(harness_sh("docker exec %s sh -c 'head -c 65011712 /dev/zero "
                                ">/dev/shm/bomb'",
                                ids[MEMORY]),
                     0);
    //  Past its limit at once: the OOM killer kills its main process.
    harness_sh("docker exec %s sh -c 'head -c 41943040 /dev/zero >/dev/shm/bomb'", ids[OOM]);
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'timeout 3 sh -c \"while :; do :; "
                                "done\"'",
                                ids[SPIKE]),
                     0);
    assert_int_equal(harness_sh("docker exec %s sh -c 'head -c 33554432 /dev/zero "
                                ">/dev/shm/half'",
                                ids[HALF]),
                     0);
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 600 & "
                                "done; wait'",
                                ids[FEW]),
                     0);
    char *target = harness_sh_output("docker inspect -f '{{range .NetworkSettings.Networks}}"
                                     "{{.IPAddress}}{{end}}' %s",
                                     ids[TARGET]);
    char *listener = harness_sh_output("docker inspect -f '{{range .NetworkSettings.Networks}}"
                                       "{{.IPAddress}}{{end}}' %s",
                                       ids[LISTENER]);
    assert_int_equal(harness_sh("docker exec -d %s ping -A -q -s 0 -w 40 %s", ids[SOURCE], target),
                     0);
    assert_int_equal(
        harness_sh("docker exec -d %s ping -q -i 0.01 -w 40 %s", ids[TALKER], listener), 0);
    free(target);
    free(listener);
    //  Every attack fires its rule; no benign container fires a DoS rule.
    bool fired[CONTAINERS] = {false};
    int attacks = 0;
    char benign[512] = "";
    int64_t deadline = zclock_mono() + 60000;
    while (attacks < 6 && zclock_mono() < deadline) {
        hms_msg_t msg;
        if (harness_receive(sub, &msg, 1000) != 0)
            continue;
        const hms_alert_t *alert = &msg.alert;
        int c = harness_find(s_env.ids, CONTAINERS, alert->container);
        bool watched =
            strncmp(alert->rule, "dos_", 4) == 0 ||
            (c >= 0 && s_containers[c].rule && strcmp(alert->rule, s_containers[c].rule) == 0);
        if (c >= 0 && alert->state == HMS_ALERT_FIRING && watched) {
            print_message("%s fired for %s (%g)\n", alert->rule, s_containers[c].name,
                          alert->value);
            if (!s_containers[c].rule)
                snprintf(benign + strlen(benign), sizeof benign - strlen(benign), " %s: %s",
                         s_containers[c].name, alert->rule);
            else if (strcmp(alert->rule, s_containers[c].rule) == 0 && !fired[c]) {
                fired[c] = true;
                attacks++;
            }
        }
        hms_msg_reset(&msg);
    }
    zsock_destroy(&sub);
    for (int c = 0; c < CONTAINERS; c++)
        if (s_containers[c].rule && !fired[c])
            fail_msg("%s did not fire for %s within 60 s", s_containers[c].rule,
                     s_containers[c].name);
    if (*benign)
        fail_msg("DoS rules fired for benign load:%s", benign);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dos_rules),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
