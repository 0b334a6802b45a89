/*  test_state: the manager's state file: round trip, missing, corrupt and
    hostile files, atomic replacement.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_state.h"

#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ID_A "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"
#define ID_B "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef"

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/hms-test-state-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", s_dir);
    return system(command);
}

static void s_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void test_round_trip(void **state)
{
    (void)state;
    char path[128], error[256];
    //  Missing directories are created.
    snprintf(path, sizeof path, "%s/lib/hms/manager.state", s_dir);
    hms_state_t loaded;
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 1);
    const char *ignore[] = {ID_A, ID_B, NULL};
    const char *watch[] = {ID_B, NULL};
    assert_int_equal(hms_state_save(path, 72.5, ignore, watch, error, sizeof error), 0);
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 72.5);
    assert_string_equal(loaded.ignore[0], ID_A);
    assert_string_equal(loaded.ignore[1], ID_B);
    assert_null(loaded.ignore[2]);
    assert_string_equal(loaded.watch[0], ID_B);
    assert_null(loaded.watch[1]);
    hms_state_free(&loaded);
    hms_state_free(&loaded);
    //  No temporary file is left behind.
    char temporary[160];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    assert_false(zsys_file_exists(temporary));
    //  Empty lists.
    assert_int_equal(hms_state_save(path, 0, NULL, NULL, error, sizeof error), 0);
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 0);
    assert_null(loaded.ignore[0]);
    hms_state_free(&loaded);
}

static void test_corrupt(void **state)
{
    (void)state;
    char path[128], error[256];
    snprintf(path, sizeof path, "%s/bad.state", s_dir);
    const char *bad[] = {
        "",
        "{\"v\": 1, \"threshold\": 60",                     //  cut short
        "[1, 2]",                                           //  not an object
        "{\"v\": 2, \"threshold\": 60}",                    //  other version
        "{\"v\": 1, \"threshold\": 150}",                   //  out of range
        "{\"v\": 1, \"threshold\": \"60\"}",                //  wrong type
        "{\"v\": 1, \"ignore\": \"" ID_A "\"}",             //  not an array
        "{\"v\": 1, \"ignore\": [\"../../etc/passwd\"]}",   //  not an id
        "{\"v\": 1, \"ignore\": [42]}",                     //  not a string
        "{\"v\": 1, \"threshold\": 60, \"threshold\": 70}", //  duplicate key
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write(path, bad[i]);
        hms_state_t loaded;
        error[0] = '\0';
        if (hms_state_load(&loaded, path, error, sizeof error) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(error, path));
        assert_true(isnan(loaded.threshold));
        assert_null(loaded.ignore);
        hms_state_free(&loaded);
    }
}

static void test_atomic(void **state)
{
    (void)state;
    char path[128], error[256];
    snprintf(path, sizeof path, "%s/keep.state", s_dir);
    const char *ignore[] = {ID_A, NULL};
    assert_int_equal(hms_state_save(path, 40, ignore, NULL, error, sizeof error), 0);
    //  A write that cannot happen leaves the old file as it was: here the
    //  temporary file's name is taken by a directory.
    char temporary[160];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    assert_int_equal(mkdir(temporary, 0755), 0);
    assert_int_equal(hms_state_save(path, 90, NULL, NULL, error, sizeof error), -1);
    assert_non_null(strstr(error, ".tmp"));
    rmdir(temporary);
    hms_state_t loaded;
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 40);
    assert_string_equal(loaded.ignore[0], ID_A);
    hms_state_free(&loaded);
    //  A path under a regular file cannot be created.
    char under[160];
    snprintf(under, sizeof under, "%s/sub/x.state", path);
    assert_int_equal(hms_state_save(under, 10, NULL, NULL, error, sizeof error), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_atomic),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
