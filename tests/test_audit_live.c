/*  test_audit_live: the escape-risk audit (hms_audit) on containers the
    real Docker engine creates (label docker): a fixture container per
    check, created with that one risk and otherwise as the CIS Docker
    Benchmark asks, gives that check's finding and no other; the clean
    fixture gives none. The fixtures are created, not started: the audit
    reads the engine's inspect document, which a created container has in
    full (and --privileged containers cannot start on this machine).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_audit.h"

#include <stdlib.h>
#include <string.h>

//  What the benchmark asks of every container: a user, limits, no new privileges.
#define CLEAN_USER  "--user 1000:1000"
#define CLEAN_OTHER "--memory 64m --pids-limit 100 --cpus 0.5 --security-opt no-new-privileges"
#define CLEAN       CLEAN_USER " " CLEAN_OTHER

static const struct {
    const char *flags;     //  docker create's
    hms_check_t checks[3]; //  the findings expected, HMS_CHECK_COUNT-terminated
} s_fixtures[] = {
    {CLEAN, {HMS_CHECK_COUNT}},
    //  (Privileged also means no seccomp and no AppArmor; the one finding says it.)
    {CLEAN " --privileged", {HMS_CHECK_PRIVILEGED, HMS_CHECK_COUNT}},
    {CLEAN " --cap-add SYS_ADMIN", {HMS_CHECK_CAPABILITIES, HMS_CHECK_COUNT}},
    {CLEAN " --cap-add ALL --cap-drop SYS_RESOURCE", {HMS_CHECK_CAPABILITIES, HMS_CHECK_COUNT}},
    {CLEAN " -v /var/run/docker.sock:/var/run/docker.sock",
     {HMS_CHECK_ENGINE_SOCKET, HMS_CHECK_COUNT}},
    {CLEAN " -v /etc:/host/etc:ro", {HMS_CHECK_HOST_PATH, HMS_CHECK_COUNT}},
    {CLEAN " -v /:/host", {HMS_CHECK_HOST_PATH, HMS_CHECK_COUNT}},
    {CLEAN " --pid host", {HMS_CHECK_HOST_PID, HMS_CHECK_COUNT}},
    {CLEAN " --network host", {HMS_CHECK_HOST_NETWORK, HMS_CHECK_COUNT}},
    {CLEAN " --ipc host", {HMS_CHECK_HOST_IPC, HMS_CHECK_COUNT}},
    {CLEAN " --uts host", {HMS_CHECK_HOST_UTS, HMS_CHECK_COUNT}},
    {CLEAN " --userns host", {HMS_CHECK_HOST_USERNS, HMS_CHECK_COUNT}},
    {CLEAN " --device /dev/null:/dev/hms-null", {HMS_CHECK_DEVICES, HMS_CHECK_COUNT}},
    {CLEAN " --security-opt seccomp=unconfined", {HMS_CHECK_SECCOMP, HMS_CHECK_COUNT}},
    {CLEAN " --security-opt apparmor=unconfined", {HMS_CHECK_APPARMOR, HMS_CHECK_COUNT}},
    {CLEAN_USER " --memory 64m --pids-limit 100 --cpus 0.5",
     {HMS_CHECK_NEW_PRIVILEGES, HMS_CHECK_COUNT}},
    {CLEAN " --mount type=bind,source=/tmp,target=/shared,bind-propagation=rshared",
     {HMS_CHECK_PROPAGATION, HMS_CHECK_COUNT}},
    {CLEAN_USER " --pids-limit 100 --cpus 0.5 --security-opt no-new-privileges",
     {HMS_CHECK_MEMORY_LIMIT, HMS_CHECK_COUNT}},
    {CLEAN_USER " --memory 64m --cpus 0.5 --security-opt no-new-privileges",
     {HMS_CHECK_PIDS_LIMIT, HMS_CHECK_COUNT}},
    {CLEAN_USER " --memory 64m --pids-limit 100 --security-opt no-new-privileges",
     {HMS_CHECK_CPU_LIMIT, HMS_CHECK_COUNT}},
    {CLEAN_OTHER, {HMS_CHECK_ROOT, HMS_CHECK_COUNT}},
    {CLEAN_OTHER " --user root", {HMS_CHECK_ROOT, HMS_CHECK_COUNT}},
};
#define FIXTURES (sizeof s_fixtures / sizeof s_fixtures[0])

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    harness_cleanup();
    return 0;
}

//  The inspect document of a container created with flags.
static json_t *s_inspect(const char *flags)
{
    char *id = harness_sh_output("docker create --label hms.test=%s %s hms/testbox:1",
                                 harness_tag(), flags);
    assert_non_null(id);
    id[strcspn(id, "\n")] = '\0';
    if (strlen(id) != 64)
        fail_msg("docker create %s: %s", flags, id);
    char *text = harness_sh_output("docker inspect %s", id);
    free(id);
    assert_non_null(text);
    json_t *list = json_loads(text, 0, NULL);
    free(text);
    assert_true(json_is_array(list) && json_array_size(list) == 1);
    json_t *inspect = json_incref(json_array_get(list, 0));
    json_decref(list);
    return inspect;
}

static void test_fixtures(void **state)
{
    (void)state;
    //  Every check has a fixture that finds it.
    bool covered[HMS_CHECK_COUNT] = {false};
    for (size_t f = 0; f < FIXTURES; f++) {
        json_t *inspect = s_inspect(s_fixtures[f].flags);
        hms_finding_t findings[HMS_CHECK_COUNT];
        size_t count = hms_audit(inspect, findings);
        json_decref(inspect);
        size_t expected = 0;
        while (s_fixtures[f].checks[expected] != HMS_CHECK_COUNT)
            expected++;
        bool same = count == expected;
        for (size_t i = 0; same && i < count; i++)
            same = findings[i].check == s_fixtures[f].checks[i];
        if (!same) {
            char seen[512] = "";
            for (size_t i = 0; i < count; i++)
                snprintf(seen + strlen(seen), sizeof seen - strlen(seen), " %s (%s)",
                         hms_check_info(findings[i].check)->name, findings[i].detail);
            fail_msg("docker create %s: %zu findings, %zu expected:%s", s_fixtures[f].flags, count,
                     expected, seen);
        }
        for (size_t i = 0; i < count; i++)
            covered[findings[i].check] = true;
        print_message("%zu finding(s): %s\n", count, s_fixtures[f].flags);
    }
    for (int check = 0; check < HMS_CHECK_COUNT; check++)
        if (!covered[check])
            fail_msg("no fixture finds %s", hms_check_info((hms_check_t)check)->name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
