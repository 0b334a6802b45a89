/*  test_audit_live: the escape-risk audit (hms_audit) on containers the
    real Docker engine creates (label docker): a fixture container per
    check, created with that one risk and otherwise as the CIS Docker
    Benchmark asks, gives that check's finding and no other; the clean
    fixture gives none. The fixtures are created, not started: the audit
    reads the engine's inspect document, which a created container has in
    full (and --privileged containers cannot start on this machine).

    Then through HMS: a real manager audits them (two created before it
    started, found by its listing; the others by the engine's create
    events) and a real controller shows the findings in GET /security and
    GET /security/{address}/{container}.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_audit.h"

#include <signal.h>
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
#define EARLY    2 //  fixtures created before the manager starts

static struct {
    char dir[64];
    char base[64];    //  the controller's http://127.0.0.1:PORT
    char address[64]; //  the manager as followed
    char ids[FIXTURES][65];
    pid_t manager, controller;
} s_env;

//  Creates fixture f; its id into s_env.ids.
static void s_create(size_t f)
{
    char *id = harness_sh_output("docker create --name %s-audit-%zu --label hms.test=%s %s "
                                 "hms/testbox:1",
                                 harness_tag(), f, harness_tag(), s_fixtures[f].flags);
    assert_non_null(id);
    id[strcspn(id, "\n")] = '\0';
    if (strlen(id) != 64)
        fail_msg("docker create %s: %s", s_fixtures[f].flags, id);
    snprintf(s_env.ids[f], sizeof s_env.ids[f], "%s", id);
    free(id);
}

static void s_start_daemons(void)
{
    char pub[64];
    s_env.manager = harness_manager(s_env.dir, NULL, pub, s_env.address);
    const char *const controller[] = {"--history", "none", NULL};
    s_env.controller = harness_controller(s_env.dir, s_env.address, controller, s_env.base);
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-audit-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    for (size_t f = 0; f < EARLY; f++)
        s_create(f);
    s_start_daemons();
    for (size_t f = EARLY; f < FIXTURES; f++)
        s_create(f);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    harness_end(s_env.dir, (pid_t[]){s_env.controller, s_env.manager}, 2);
    return 0;
}

//  The inspect document of fixture f.
static json_t *s_inspect(size_t f)
{
    char *text = harness_sh_output("docker inspect %s", s_env.ids[f]);
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
        json_t *inspect = s_inspect(f);
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

//  The names of the checks of fixture f, as GET /security lists them
//  (most severe first), comma-separated.
static void s_expected(size_t f, char *out, size_t size)
{
    out[0] = '\0';
    for (int risk = HMS_RISK_CRITICAL; risk >= HMS_RISK_LOW; risk--)
        for (size_t i = 0; s_fixtures[f].checks[i] != HMS_CHECK_COUNT; i++) {
            const hms_check_info_t *info = hms_check_info(s_fixtures[f].checks[i]);
            if ((int)info->risk == risk)
                snprintf(out + strlen(out), size - strlen(out), "%s%s", *out ? "," : "",
                         info->name);
        }
}

//  GET /security/{address}/{fixture f}: the names of its findings into out.
static bool s_findings_of(size_t f, char *out, size_t size)
{
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "%s/security/%s/%.12s", s_env.base, s_env.address, s_env.ids[f]);
    out[0] = '\0';
    if (harness_http("GET", url, NULL, NULL, &body, 2000) != 200) {
        free(body);
        return false;
    }
    json_t *json = json_loads(body, 0, NULL);
    free(body);
    size_t i;
    json_t *finding;
    json_array_foreach(json_object_get(json, "findings"), i, finding)
    {
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "",
                 json_string_value(json_object_get(finding, "check")));
    }
    json_decref(json);
    return true;
}

//  Every fixture's findings, as the manager audited them, are the
//  controller's.
static bool s_all_seen(void *arg)
{
    (void)arg;
    for (size_t f = 0; f < FIXTURES; f++) {
        char expected[256], seen[256];
        s_expected(f, expected, sizeof expected);
        if (!s_findings_of(f, seen, sizeof seen) || strcmp(seen, expected) != 0)
            return false;
    }
    return true;
}

static void test_through_hms(void **state)
{
    (void)state;
    if (!harness_wait(s_all_seen, NULL, 20000)) {
        for (size_t f = 0; f < FIXTURES; f++) {
            char expected[256], seen[256];
            s_expected(f, expected, sizeof expected);
            s_findings_of(f, seen, sizeof seen);
            print_message("%s: expected '%s', seen '%s'\n", s_fixtures[f].flags, expected, seen);
        }
        fail_msg("GET /security does not show the audit of every fixture");
    }
    //  GET /security: the privileged fixture first (critical), the clean
    //  one absent, and the counts by severity.
    char url[160], *body = NULL;
    snprintf(url, sizeof url, "%s/security", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, &body, 2000), 200);
    json_t *report = json_loads(body, 0, NULL);
    free(body);
    json_t *containers = json_object_get(report, "containers");
    assert_int_equal(json_array_size(containers), FIXTURES - 1);
    json_t *first = json_array_get(containers, 0);
    assert_string_equal(json_string_value(json_object_get(first, "risk")), "critical");
    size_t i;
    json_t *entry;
    json_array_foreach(containers, i, entry)
    {
        assert_string_not_equal(json_string_value(json_object_get(entry, "id")), s_env.ids[0]);
    }
    //  The clean fixture on its own: no finding, no risk.
    snprintf(url, sizeof url, "%s/security/%s/%.12s", s_env.base, s_env.address, s_env.ids[0]);
    assert_int_equal(harness_http("GET", url, NULL, NULL, &body, 2000), 200);
    json_t *clean = json_loads(body, 0, NULL);
    free(body);
    assert_null(json_object_get(clean, "risk"));
    assert_int_equal(json_array_size(json_object_get(clean, "findings")), 0);
    assert_string_equal(json_string_value(json_object_get(clean, "id")), s_env.ids[0]);
    json_decref(clean);
    json_t *counts = json_object_get(report, "findings");
    assert_true(json_integer_value(json_object_get(counts, "critical")) >= 4);
    assert_true(json_integer_value(json_object_get(counts, "low")) >= 5);
    json_decref(report);
    //  /metrics: one sample per finding.
    snprintf(url, sizeof url, "%s/metrics", s_env.base);
    assert_int_equal(harness_http("GET", url, NULL, NULL, &body, 2000), 200);
    char sample[256];
    snprintf(sample, sizeof sample, "name=\"%s-audit-1\"", harness_tag());
    const char *at = strstr(body, "hms_security_finding{");
    assert_non_null(at);
    assert_non_null(strstr(at, sample));
    assert_non_null(strstr(at, "check=\"privileged\",severity=\"critical\",cis=\"5.4\""));
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_through_hms),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
