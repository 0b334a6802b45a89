/*  test_audit: the escape-risk audit (hms_audit) on inspect documents:
    a container configured as the CIS Docker Benchmark asks has no
    finding; each risk added alone gives its finding alone, with what was
    seen; the checks' table (names, severities, recommendations).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_audit.h"

#include <string.h>

//  A container as the benchmark asks: a user, limits, no-new-privileges.
static const char *s_clean =
    "{\"Id\": \"aaaa\", \"AppArmorProfile\": \"docker-default\","
    " \"Config\": {\"User\": \"1000:1000\"},"
    " \"HostConfig\": {\"Privileged\": false, \"CapAdd\": null, \"PidMode\": \"\","
    "  \"NetworkMode\": \"default\", \"IpcMode\": \"private\", \"UTSMode\": \"\","
    "  \"UsernsMode\": \"\", \"Devices\": [], \"SecurityOpt\": [\"no-new-privileges\"],"
    "  \"Memory\": 67108864, \"PidsLimit\": 100, \"NanoCpus\": 500000000, \"CpuQuota\": 0,"
    "  \"CpuShares\": 0},"
    " \"Mounts\": [{\"Type\": \"volume\", \"Source\": \"/var/lib/docker/volumes/data/_data\","
    "  \"Propagation\": \"\"}, {\"Type\": \"bind\", \"Source\": \"/srv/app\","
    "  \"Propagation\": \"rprivate\"}]}";

static json_t *s_doc(void)
{
    json_t *doc = json_loads(s_clean, 0, NULL);
    assert_non_null(doc);
    return doc;
}

static size_t s_audit(json_t *doc, hms_finding_t *findings)
{
    size_t count = hms_audit(doc, findings);
    json_decref(doc);
    return count;
}

static void s_set(json_t *doc, const char *object, const char *key, json_t *value)
{
    json_object_set_new(object ? json_object_get(doc, object) : doc, key, value);
}

//  One finding, of check, whose detail holds seen.
static void s_expect_one(json_t *doc, hms_check_t check, const char *seen)
{
    hms_finding_t findings[HMS_CHECK_COUNT];
    size_t count = s_audit(doc, findings);
    if (count != 1 || findings[0].check != check)
        fail_msg("%s: %zu findings, the first %s", hms_check_info(check)->name, count,
                 count ? hms_check_info(findings[0].check)->name : "none");
    if (!strstr(findings[0].detail, seen))
        fail_msg("%s: '%s' does not name '%s'", hms_check_info(check)->name, findings[0].detail,
                 seen);
}

static void test_clean(void **state)
{
    (void)state;
    hms_finding_t findings[HMS_CHECK_COUNT];
    assert_int_equal(s_audit(s_doc(), findings), 0);
    //  Docker's defaults: root, no limits, no no-new-privileges.
    json_t *doc = s_doc();
    s_set(doc, "Config", "User", json_string(""));
    s_set(doc, "HostConfig", "SecurityOpt", json_null());
    s_set(doc, "HostConfig", "Memory", json_integer(0));
    s_set(doc, "HostConfig", "PidsLimit", json_null());
    s_set(doc, "HostConfig", "NanoCpus", json_integer(0));
    assert_int_equal(s_audit(doc, findings), 5);
    const hms_check_t expected[] = {HMS_CHECK_NEW_PRIVILEGES, HMS_CHECK_MEMORY_LIMIT,
                                    HMS_CHECK_PIDS_LIMIT, HMS_CHECK_CPU_LIMIT, HMS_CHECK_ROOT};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(findings[i].check, expected[i]);
        assert_int_equal(hms_check_info(findings[i].check)->risk, HMS_RISK_LOW);
    }
    //  Not even an object: every check that needs a setting finds it missing.
    json_t *odd = json_array();
    assert_true(hms_audit(odd, findings) >= 5);
    json_decref(odd);
}

static void test_each_risk(void **state)
{
    (void)state;
    json_t *doc = s_doc();
    s_set(doc, "HostConfig", "Privileged", json_true());
    s_expect_one(doc, HMS_CHECK_PRIVILEGED, "--privileged");
    const char *caps[] = {"CAP_SYS_ADMIN", "SYS_MODULE", "ALL", "CAP_BPF", "NET_ADMIN"};
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
        doc = s_doc();
        s_set(doc, "HostConfig", "CapAdd", json_pack("[s, s]", "CAP_CHOWN", caps[i]));
        s_expect_one(doc, HMS_CHECK_CAPABILITIES,
                     strncmp(caps[i], "CAP_", 4) ? caps[i] : caps[i] + 4);
    }
    //  A harmless capability is no finding.
    doc = s_doc();
    s_set(doc, "HostConfig", "CapAdd", json_pack("[s]", "CAP_NET_BIND_SERVICE"));
    hms_finding_t findings[HMS_CHECK_COUNT];
    assert_int_equal(s_audit(doc, findings), 0);

    static const struct {
        const char *source, *propagation;
        hms_check_t check;
        const char *seen;
    } mounts[] = {
        {"/var/run/docker.sock", "rprivate", HMS_CHECK_ENGINE_SOCKET, "/var/run/docker.sock"},
        {"/run/containerd/containerd.sock", "rprivate", HMS_CHECK_ENGINE_SOCKET, "containerd"},
        {"/etc", "rprivate", HMS_CHECK_HOST_PATH, "/etc"},
        {"/etc/shadow", "rprivate", HMS_CHECK_HOST_PATH, "/etc/shadow"},
        {"/proc/", "rprivate", HMS_CHECK_HOST_PATH, "/proc"},
        {"/", "rprivate", HMS_CHECK_HOST_PATH, "/"},
        {"/srv/data", "rshared", HMS_CHECK_PROPAGATION, "/srv/data"},
        {"/srv/data", "shared", HMS_CHECK_PROPAGATION, "/srv/data"},
    };
    for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++) {
        doc = s_doc();
        json_array_append_new(json_object_get(doc, "Mounts"),
                              json_pack("{s:s, s:s, s:s}", "Type", "bind", "Source",
                                        mounts[i].source, "Propagation", mounts[i].propagation));
        s_expect_one(doc, mounts[i].check, mounts[i].seen);
    }
    //  Below /var, or /etc-like names that are not /etc: a volume, no finding.
    const char *fine[] = {"/var/lib/app", "/etcetera", "/home/user/data"};
    for (size_t i = 0; i < 3; i++) {
        doc = s_doc();
        json_array_append_new(json_object_get(doc, "Mounts"),
                              json_pack("{s:s, s:s, s:s}", "Type", "bind", "Source", fine[i],
                                        "Propagation", "rprivate"));
        assert_int_equal(s_audit(doc, findings), 0);
    }

    static const struct {
        const char *key;
        hms_check_t check;
    } modes[] = {{"PidMode", HMS_CHECK_HOST_PID},
                 {"NetworkMode", HMS_CHECK_HOST_NETWORK},
                 {"IpcMode", HMS_CHECK_HOST_IPC},
                 {"UTSMode", HMS_CHECK_HOST_UTS},
                 {"UsernsMode", HMS_CHECK_HOST_USERNS}};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        doc = s_doc();
        s_set(doc, "HostConfig", modes[i].key, json_string("host"));
        s_expect_one(doc, modes[i].check, "host");
    }
    doc = s_doc();
    s_set(doc, "HostConfig", "Devices",
          json_pack("[{s:s, s:s}]", "PathOnHost", "/dev/sda", "PathInContainer", "/dev/sda"));
    s_expect_one(doc, HMS_CHECK_DEVICES, "/dev/sda");
    doc = s_doc();
    s_set(doc, "HostConfig", "SecurityOpt",
          json_pack("[s, s]", "no-new-privileges", "seccomp=unconfined"));
    s_expect_one(doc, HMS_CHECK_SECCOMP, "seccomp=unconfined");
    doc = s_doc();
    s_set(doc, "HostConfig", "SecurityOpt",
          json_pack("[s, s]", "no-new-privileges:true", "apparmor:unconfined"));
    s_expect_one(doc, HMS_CHECK_APPARMOR, "apparmor:unconfined");
    doc = s_doc();
    s_set(doc, NULL, "AppArmorProfile", json_string("unconfined"));
    s_expect_one(doc, HMS_CHECK_APPARMOR, "unconfined");
    doc = s_doc();
    s_set(doc, "HostConfig", "SecurityOpt", json_array());
    s_expect_one(doc, HMS_CHECK_NEW_PRIVILEGES, "not set");
    doc = s_doc();
    s_set(doc, "HostConfig", "Memory", json_integer(0));
    s_expect_one(doc, HMS_CHECK_MEMORY_LIMIT, "none");
    doc = s_doc();
    s_set(doc, "HostConfig", "PidsLimit", json_integer(-1));
    s_expect_one(doc, HMS_CHECK_PIDS_LIMIT, "none");
    doc = s_doc();
    s_set(doc, "HostConfig", "NanoCpus", json_integer(0));
    s_expect_one(doc, HMS_CHECK_CPU_LIMIT, "none");
    //  A quota, shares or a CPU set limit it too.
    const char *cpu_keys[] = {"CpuQuota", "CpuShares"};
    for (size_t i = 0; i < 2; i++) {
        doc = s_doc();
        s_set(doc, "HostConfig", "NanoCpus", json_integer(0));
        s_set(doc, "HostConfig", cpu_keys[i], json_integer(512));
        assert_int_equal(s_audit(doc, findings), 0);
    }
    const char *roots[] = {"root", "0", "0:0", "root:staff"};
    for (size_t i = 0; i < 4; i++) {
        doc = s_doc();
        s_set(doc, "Config", "User", json_string(roots[i]));
        s_expect_one(doc, HMS_CHECK_ROOT, roots[i]);
    }
}

static void test_checks(void **state)
{
    (void)state;
    for (int check = 0; check < HMS_CHECK_COUNT; check++) {
        const hms_check_info_t *info = hms_check_info((hms_check_t)check);
        assert_non_null(info->name);
        assert_int_equal(hms_check_from_name(info->name), check);
        assert_true(info->risk >= HMS_RISK_LOW && info->risk <= HMS_RISK_CRITICAL);
        assert_true(strncmp(info->cis, "5.", 2) == 0 || strcmp(info->cis, "4.1") == 0);
        assert_true(strcmp(info->technique, "T1611") == 0 ||
                    strcmp(info->technique, "T1610") == 0 || strcmp(info->technique, "T1499") == 0);
    }
    assert_null(hms_check_info(HMS_CHECK_COUNT));
    assert_int_equal(hms_check_from_name("nosuch"), HMS_CHECK_COUNT);
    assert_string_equal(hms_risk_name(HMS_RISK_CRITICAL), "critical");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_each_risk),
        cmocka_unit_test(test_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
