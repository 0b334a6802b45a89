/*  test_response_live: rules' responses on real containers (label
    docker), carried out by a real manager when a rule starts firing.

    - a fork bomb in a pids-limited container, under a rule with
      response pause: the container is paused (its processes frozen);
    - a privileged exec, under a rule with response stop: the container is
      stopped and ignored, and HMS does not start it again;
    - an exec as root into a container that runs as a user, under a rule
      with response restart: the container is restarted by the heal path;
    - a container under the same rules that does nothing of the kind is
      left running as it was.
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

enum { BOMB, PRIV, USER, QUIET, CONTAINERS };

static const char *const s_flags[CONTAINERS] = {
    [BOMB] = "--pids-limit 30",
    [PRIV] = "",
    [USER] = "--user 1000",
    [QUIET] = "--pids-limit 30 --user 1000",
};
static const char *const s_names[CONTAINERS] = {"bomb", "priv", "user", "quiet"};

static struct {
    char dir[64];
    char pub[64];
    char *ids[CONTAINERS];
    char started[CONTAINERS][64]; //  StartedAt before the attacks
    pid_t manager;
} s_env;

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-response-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    for (int c = 0; c < CONTAINERS; c++) {
        s_env.ids[c] = harness_container(s_names[c], s_flags[c]);
        snprintf(s_env.started[c], sizeof s_env.started[c], "%s", harness_started_at(s_env.ids[c]));
    }
    char rules[128];
    snprintf(rules, sizeof rules, "%s/rules.json", s_env.dir);
    harness_write_file(rules,
                       "{\"rules\": ["
                       "{\"name\": \"bomb\", \"metric\": \"pids\", \"of_limit\": true, "
                       "\"threshold\": 90, \"clear\": 50, \"response\": \"pause\"},"
                       "{\"name\": \"priv\", \"metric\": \"exec_privileged\", \"threshold\": 0, "
                       "\"response\": \"stop\"},"
                       "{\"name\": \"root\", \"metric\": \"exec_root\", \"threshold\": 0, "
                       "\"response\": \"restart\"}]}");
    char address[64];
    const char *extra[] = {"--metrics-interval", "1000", "--rules", rules, NULL};
    s_env.manager = harness_manager(s_env.dir, extra, s_env.pub, address);
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

static bool s_paused(void *arg)
{
    (void)arg;
    char *state = harness_sh_output("docker inspect -f '{{.State.Paused}}' %s", s_env.ids[BOMB]);
    bool paused = strcmp(state, "true") == 0;
    free(state);
    return paused;
}

static bool s_stopped(void *arg)
{
    (void)arg;
    return strcmp(harness_state(s_env.ids[PRIV]), "exited") == 0;
}

static bool s_restarted(void *arg)
{
    (void)arg;
    return strcmp(harness_started_at(s_env.ids[USER]), s_env.started[USER]) != 0 &&
           strcmp(harness_state(s_env.ids[USER]), "running") == 0;
}

static void test_responses(void **state)
{
    (void)state;
    zsock_t *sub = zsock_new_sub(s_env.pub, "metrics");
    assert_non_null(sub);
    harness_wait_measured(sub, s_env.ids, CONTAINERS);
    zsock_destroy(&sub);
    const char *const *ids = (const char *const *)s_env.ids;
    //  The quiet one does what is allowed: execs as its user, a few tasks.
    assert_int_equal(harness_sh("docker exec %s sh -c 'sleep 30 & sleep 30 & id -u'", ids[QUIET]),
                     0);
    assert_int_equal(
        harness_sh("docker exec -d %s sh -c 'while :; do sleep 600 & done'", ids[BOMB]), 0);
    harness_sh("docker exec --privileged %s id >/dev/null 2>&1", ids[PRIV]);
    assert_int_equal(harness_sh("docker exec -u 0 %s id -u", ids[USER]), 0);
    assert_true(harness_wait(s_paused, NULL, 20000));
    assert_true(harness_wait(s_stopped, NULL, 20000));
    assert_true(harness_wait(s_restarted, NULL, 20000));
    //  The stopped one is ignored: not started again.
    char *status = harness_sh_output("docker inspect -f '{{.State.Status}}' %s", ids[PRIV]);
    assert_string_equal(status, "exited");
    free(status);
    char log[128];
    snprintf(log, sizeof log, "%s/manager.log", s_env.dir);
    assert_int_equal(harness_sh("grep -q 'rule priv fired for .*: stop' %s", log), 0);
    assert_int_equal(harness_sh("grep -q 'ignored' %s", log), 0);
    //  The quiet one: untouched.
    assert_string_equal(harness_state(ids[QUIET]), "running");
    assert_string_equal(harness_started_at(ids[QUIET]), s_env.started[QUIET]);
    assert_int_equal(harness_sh("grep -q 'fired for .*quiet' %s", log), 1);
    harness_sh("docker unpause %s >/dev/null 2>&1", ids[BOMB]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_responses),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
