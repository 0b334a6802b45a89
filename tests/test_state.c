/*  test_state: the manager's state file: round trip, missing, corrupt and
    hostile files, atomic replacement.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_file.h"
#include "hms_state.h"

#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

//  Files beside path whose names start with path's name and a dot: the
//  temporary files of a replacement.
static int s_leftovers(const char *path)
{
    char *copy = strdup(path);
    char *slash = strrchr(copy, '/');
    *slash = '\0';
    const char *base = slash + 1;
    int count = 0;
    DIR *dir = opendir(copy);
    assert_non_null(dir);
    for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir))
        if (strncmp(entry->d_name, base, strlen(base)) == 0 && entry->d_name[strlen(base)] == '.')
            count++;
    closedir(dir);
    free(copy);
    return count;
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
    assert_int_equal(hms_state_save(path, 72.5, ignore, watch, NULL, error, sizeof error), 0);
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 72.5);
    assert_string_equal(loaded.ignore[0], ID_A);
    assert_string_equal(loaded.ignore[1], ID_B);
    assert_null(loaded.ignore[2]);
    assert_string_equal(loaded.watch[0], ID_B);
    assert_null(loaded.watch[1]);
    hms_state_free(&loaded);
    hms_state_free(&loaded);
    //  No temporary file is left behind, and the file is private.
    assert_int_equal(s_leftovers(path), 0);
    assert_int_equal(zsys_file_mode(path) & 0777, 0600);
    //  Empty lists.
    assert_int_equal(hms_state_save(path, 0, NULL, NULL, NULL, error, sizeof error), 0);
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 0);
    assert_null(loaded.ignore[0]);
    assert_null(loaded.rules);
    hms_state_free(&loaded);
    //  Rules set by command come back as they were written.
    json_t *rules = json_loads("{\"rules\": [{\"name\": \"hot\", \"metric\": \"cpu\", "
                               "\"threshold\": 0.9}]}",
                               0, NULL);
    assert_non_null(rules);
    assert_int_equal(hms_state_save(path, 50, NULL, NULL, rules, error, sizeof error), 0);
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_non_null(loaded.rules);
    assert_true(json_equal(loaded.rules, rules));
    hms_state_free(&loaded);
    assert_null(loaded.rules);
    json_decref(rules);
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
        "{\"v\": 1, \"rules\": {\"name\": \"x\"}}",         //  rules not an array
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
    assert_int_equal(hms_state_save(path, 40, ignore, NULL, NULL, error, sizeof error), 0);
    //  A write that cannot happen leaves the old file as it was: here the
    //  file size limit (which binds root too) stops it, and the temporary
    //  file goes.
    struct rlimit limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &limit), 0);
    struct rlimit small = {16, limit.rlim_max};
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = hms_state_save(path, 90, NULL, NULL, NULL, error, sizeof error);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    assert_int_equal(rc, -1);
    assert_int_equal(s_leftovers(path), 0);
    hms_state_t loaded;
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 40);
    assert_string_equal(loaded.ignore[0], ID_A);
    hms_state_free(&loaded);
    //  A path under a regular file cannot be created.
    char under[160];
    snprintf(under, sizeof under, "%s/sub/x.state", path);
    assert_int_equal(hms_state_save(under, 10, NULL, NULL, NULL, error, sizeof error), -1);
}

//  Symlinks planted where the state is written or read are not followed.
static void test_symlinks(void **state)
{
    (void)state;
    char path[128], victim[128], planted[160], error[256];
    snprintf(path, sizeof path, "%s/links.state", s_dir);
    snprintf(victim, sizeof victim, "%s/victim", s_dir);
    s_write(victim, "precious");
    //  At a temporary name (the one a fixed-name writer would use).
    snprintf(planted, sizeof planted, "%s.tmp", path);
    assert_int_equal(symlink(victim, planted), 0);
    assert_int_equal(hms_state_save(path, 33, NULL, NULL, NULL, error, sizeof error), 0);
    char *text = NULL;
    size_t size;
    assert_int_equal(hms_file_read(victim, 1024, &text, &size, error, sizeof error), 0);
    assert_string_equal(text, "precious");
    free(text);
    struct stat info;
    assert_int_equal(lstat(planted, &info), 0);
    assert_true(S_ISLNK(info.st_mode)); //  left alone, not written through
    unlink(planted);
    //  At the state file itself: replaced, not written through.
    unlink(path);
    assert_int_equal(symlink(victim, path), 0);
    hms_state_t loaded;
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), -1);
    assert_non_null(strstr(error, "symbolic link"));
    hms_state_free(&loaded);
    assert_int_equal(hms_state_save(path, 44, NULL, NULL, NULL, error, sizeof error), 0);
    assert_int_equal(lstat(path, &info), 0);
    assert_true(S_ISREG(info.st_mode));
    assert_int_equal(hms_file_read(victim, 1024, &text, &size, error, sizeof error), 0);
    assert_string_equal(text, "precious");
    free(text);
    assert_int_equal(hms_state_load(&loaded, path, error, sizeof error), 0);
    assert_true(loaded.threshold == 44);
    hms_state_free(&loaded);
    //  Not a regular file, or too large: refused.
    assert_int_equal(hms_file_read(s_dir, 1024, &text, &size, error, sizeof error), -1);
    assert_non_null(strstr(error, "not a regular file"));
    assert_int_equal(hms_file_read(path, 4, &text, &size, error, sizeof error), -1);
    assert_non_null(strstr(error, "too large"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_atomic),
        cmocka_unit_test(test_symlinks),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
