/*  test_runtime_live: the runtime escape indicators against real escape
    attempts in real containers (label docker), watched by a real manager
    with its built-in rules, its alerts read on its PUB socket.

    Attacks:
    - from a privileged fixture (every capability this machine grants,
      the host's pid namespace, seccomp and AppArmor unconfined), an
      escape attempt: nsenter into the namespaces of a host process (PID 1,
      or dockerd where PID 1's are closed) -> escape_host_namespace, within
      2 s of the attempt (the manager's firing time against the test's
      clock before the attempt);
    - from the same fixture, a cgroup v1 hierarchy mounted with a
      release_agent set (CVE-2022-0492) -> escape_release_agent;
    - a process of the host moved into a plain container's cgroup: every
      capability and the host's namespaces -> escape_capabilities and
      escape_host_namespace;
    - a privileged exec (it cannot start on this machine: the engine still
      announces it) -> exec_privileged;
    - an exec as root into a container that runs as uid 1000 -> exec_root.

    Benign at the same time: ordinary execs, a healthcheck every second,
    an exec as its own user into the uid 1000 container. None of them
    fires an escape or exec rule.
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

enum { PRIV, PLAIN, USER, BENIGN, CONTAINERS };

static const struct {
    const char *name;
    const char *flags;
} s_containers[CONTAINERS] = {
    [PRIV] = {"priv", "--cap-add ALL --cap-drop SYS_RESOURCE --pid host --security-opt "
                      "seccomp=unconfined --security-opt apparmor=unconfined"},
    [PLAIN] = {"plain", ""},
    [USER] = {"user", "--user 1000"},
    [BENIGN] = {"benign", "--health-cmd true --health-interval 1s"},
};

//  The rules each container must fire; the others may fire none of
//  escape_* and exec_*.
static const struct {
    int container;
    const char *rule;
} s_expected[] = {
    {PRIV, "escape_host_namespace"}, {PRIV, "escape_release_agent"},
    {PLAIN, "escape_capabilities"},  {PLAIN, "escape_host_namespace"},
    {PLAIN, "exec_privileged"},      {USER, "exec_root"},
};
#define EXPECTED (sizeof s_expected / sizeof *s_expected)

static struct {
    char dir[64];
    char pub[64];
    char *ids[CONTAINERS];
    pid_t manager;
    pid_t injected; //  the host process moved into PLAIN
} s_env;

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-runtime-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    for (int c = 0; c < CONTAINERS; c++)
        s_env.ids[c] = harness_container(s_containers[c].name, s_containers[c].flags);
    char address[64];
    const char *extra[] = {"--metrics-interval", "1000", NULL};
    s_env.manager = harness_manager(s_env.dir, extra, s_env.pub, address);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.injected > 0)
        harness_stop(s_env.injected, SIGKILL, 5000);
    harness_end(s_env.dir, &s_env.manager, 1);
    for (int c = 0; c < CONTAINERS; c++)
        free(s_env.ids[c]);
    return 0;
}

//  A sleeping process of the host, moved into container id's cgroup (the
//  one whose processes the manager lists: pids under cgroup v1).
static pid_t s_inject(const char *id)
{
    char *main = harness_sh_output("docker inspect -f '{{.State.Pid}}' %s", id);
    char *group = harness_sh_output("grep -E '^[0-9]+:(pids|):' /proc/%s/cgroup | "
                                    "sort -t: -k2,2r | head -1 | cut -d: -f3-",
                                    main);
    char procs[1024];
    snprintf(procs, sizeof procs, "/sys/fs/cgroup%s%s/cgroup.procs",
             access("/sys/fs/cgroup/pids", F_OK) == 0 ? "/pids" : "", group);
    free(main);
    free(group);
    char *const argv[] = {"/bin/sleep", "60", NULL};
    char log[128];
    snprintf(log, sizeof log, "%s/injected.log", s_env.dir);
    pid_t pid = harness_spawn(log, argv);
    char text[32];
    snprintf(text, sizeof text, "%d\n", (int)pid);
    harness_write_file(procs, text);
    return pid;
}

static void test_escape_indicators(void **state)
{
    (void)state;
    zsock_t *sub = zsock_new_sub(s_env.pub, "");
    assert_non_null(sub);
    harness_wait_measured(sub, s_env.ids, CONTAINERS);
    const char *const *ids = (const char *const *)s_env.ids;
    //  Benign first, and all along: ordinary execs, the healthcheck.
    for (int i = 0; i < 3; i++) {
        assert_int_equal(harness_sh("docker exec %s true", ids[BENIGN]), 0);
        assert_int_equal(harness_sh("docker exec %s id -u", ids[USER]), 0);
    }
    //  The escape attempt, timed.
    int64_t attempt_ms = zclock_time();
    assert_int_equal(harness_sh("docker exec -d %s sh -c 'for p in 1 $(pidof dockerd); do "
                                "nsenter -t $p -m -u -i -n -p -- sleep 30 && break; done'",
                                ids[PRIV]),
                     0);
    assert_int_equal(harness_sh("docker exec %s sh -c 'mkdir -p /tmp/cg && mount -t cgroup -o "
                                "none,name=hms%s cgroup /tmp/cg && echo /x >/tmp/cg/release_agent'",
                                ids[PRIV], harness_tag()),
                     0);
    s_env.injected = s_inject(ids[PLAIN]);
    //  Refused at its start on this machine; announced all the same.
    harness_sh("docker exec --privileged %s id >/dev/null 2>&1", ids[PLAIN]);
    assert_int_equal(harness_sh("docker exec -u 0 %s id -u", ids[USER]), 0);
    assert_int_equal(harness_sh("docker exec %s true", ids[BENIGN]), 0);

    bool fired[EXPECTED] = {false};
    size_t count = 0;
    char unexpected[1024] = "";
    int64_t escape_ms = -1;
    int64_t deadline = zclock_mono() + 30000;
    while (count < EXPECTED && zclock_mono() < deadline) {
        hms_msg_t msg;
        if (harness_receive(sub, &msg, 1000) != 0 || msg.type != HMS_MSG_ALERT) {
            hms_msg_reset(&msg);
            continue;
        }
        const hms_alert_t *alert = &msg.alert;
        int c = harness_find(s_env.ids, CONTAINERS, alert->container);
        bool watched =
            strncmp(alert->rule, "escape_", 7) == 0 || strncmp(alert->rule, "exec_", 5) == 0;
        if (c >= 0 && watched && alert->state == HMS_ALERT_FIRING) {
            print_message("%s fired for %s (%g)\n", alert->rule, s_containers[c].name,
                          alert->value);
            bool known = false;
            for (size_t e = 0; e < EXPECTED; e++)
                if (s_expected[e].container == c && strcmp(s_expected[e].rule, alert->rule) == 0) {
                    known = true;
                    count += !fired[e];
                    fired[e] = true;
                }
            if (!known)
                snprintf(unexpected + strlen(unexpected), sizeof unexpected - strlen(unexpected),
                         " %s: %s", s_containers[c].name, alert->rule);
            if (c == PRIV && strcmp(alert->rule, "escape_host_namespace") == 0 && escape_ms < 0)
                escape_ms = (int64_t)alert->ts_ms - attempt_ms;
        }
        hms_msg_reset(&msg);
    }
    zsock_destroy(&sub);
    for (size_t e = 0; e < EXPECTED; e++)
        if (!fired[e])
            fail_msg("%s did not fire for %s within 30 s", s_expected[e].rule,
                     s_containers[s_expected[e].container].name);
    if (*unexpected)
        fail_msg("escape or exec rules fired where they should not:%s", unexpected);
    print_message("escape attempt: critical alert %lld ms after it began\n", (long long)escape_ms);
    assert_true(escape_ms >= 0 && escape_ms <= 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_indicators),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
