/*  test_threats: the antagonist's threats (hms_threats): the kinds a
    --kinds list names, and the scripts each threat runs.
*/
#include "hms_threats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

static void test_kinds(void **state)
{
    (void)state;
    unsigned mask;
    char why[128];
    assert_int_equal(hms_kinds_parse("shutdown,loss", &mask, why, sizeof why), 0);
    assert_int_equal(mask, HMS_KINDS_SEED);
    assert_int_equal(hms_kinds_parse("cpu_burn,escape", &mask, why, sizeof why), 0);
    assert_int_equal(mask, 1u << HMS_ATTACK_CPU_BURN | 1u << HMS_ATTACK_ESCAPE);
    static const struct {
        const char *list, *why;
    } bad[] = {
        {"", "at least one"},
        {",", "at least one"},
        {"cpu_burn,cpu_burn", "given twice"},
        {"meltdown", "no attack kind"},
        {"none", "no attack kind"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(hms_kinds_parse(bad[i].list, &mask, why, sizeof why), -1);
        if (!strstr(why, bad[i].why))
            fail_msg("'%s': '%s', not '%s'", bad[i].list, why, bad[i].why);
    }
    assert_true(hms_threat_kind(HMS_ATTACK_ESCAPE) && hms_threat_kind(HMS_ATTACK_CPU_BURN));
    assert_false(hms_threat_kind(HMS_ATTACK_LOSS) || hms_threat_kind(HMS_ATTACK_SHUTDOWN));
}

static void test_scripts(void **state)
{
    (void)state;
    char script[1024];
    //  Every threat is bounded by its duration.
    assert_int_equal(hms_threat_script(HMS_ATTACK_CPU_BURN, 12, 0, NULL, script, sizeof script), 0);
    assert_non_null(strstr(script, "timeout 12 "));
    assert_int_equal(hms_threat_script(HMS_ATTACK_FORK_BOMB, 7, 0, NULL, script, sizeof script), 0);
    assert_non_null(strstr(script, "+ 7))"));
    assert_int_equal(
        hms_threat_script(HMS_ATTACK_MEMORY_LEAK, 30, 2.5, NULL, script, sizeof script), 0);
    assert_non_null(strstr(script, "-lt 30 "));
    assert_non_null(strstr(script, "head -c 2621440 "));
    assert_non_null(strstr(script, "rm -f /dev/shm/hms-leak"));
    assert_int_equal(hms_threat_script(HMS_ATTACK_ESCAPE, 9, 0, NULL, script, sizeof script), 0);
    assert_non_null(strstr(script, "-- sleep 9;"));
    assert_int_equal(
        hms_threat_script(HMS_ATTACK_NETWORK_FLOOD, 5, 0, "172.20.0.3", script, sizeof script), 0);
    assert_non_null(strstr(script, "-w 5 172.20.0.3"));
    //  A flood needs a peer that is an address, nothing else.
    assert_int_equal(hms_threat_script(HMS_ATTACK_NETWORK_FLOOD, 5, 0, NULL, script, sizeof script),
                     -1);
    assert_int_equal(
        hms_threat_script(HMS_ATTACK_NETWORK_FLOOD, 5, 0, "1.2.3.4; reboot", script, sizeof script),
        -1);
    //  A leak needs a rate; the seed's kinds have no script; short buffers fail.
    assert_int_equal(hms_threat_script(HMS_ATTACK_MEMORY_LEAK, 5, 0, NULL, script, sizeof script),
                     -1);
    assert_int_equal(hms_threat_script(HMS_ATTACK_LOSS, 5, 0, NULL, script, sizeof script), -1);
    assert_int_equal(hms_threat_script(HMS_ATTACK_ESCAPE, 5, 0, NULL, script, 40), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
