/*  test_config: table-driven options: defaults, values, ZPL files, the
    command line and its precedence, --help.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_config.h"
#include "hms_log.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *endpoint;
    int count;
    double threshold;
    bool verbose;
    int level;
} config_t;

static const hms_option_t s_table[] = {
    {"endpoint", 'e', HMS_OPT_STRING, offsetof(config_t, endpoint), "tcp://*:7601", 0, 0, "URL",
     "where to bind"},
    {"count", 'n', HMS_OPT_INT, offsetof(config_t, count), "20", 1, 1000, NULL, "echoes"},
    {"threshold", 0, HMS_OPT_DOUBLE, offsetof(config_t, threshold), "50", 0, 100, NULL, "loss %"},
    {"verbose", 0, HMS_OPT_BOOL, offsetof(config_t, verbose), NULL, 0, 0, NULL, "chatty"},
    {"log-level", 0, HMS_OPT_LOGLEVEL, offsetof(config_t, level), "notice", 0, 0, NULL, "level"},
    {NULL}};

static const hms_program_t s_program = {"test-program", "Tests options.", NULL, NULL};

static void test_defaults(void **state)
{
    (void)state;
    config_t config = {0};
    assert_int_equal(hms_config_defaults(s_table, &config), 0);
    assert_string_equal(config.endpoint, "tcp://*:7601");
    assert_int_equal(config.count, 20);
    assert_true(config.threshold == 50.0);
    assert_false(config.verbose);
    assert_int_equal(config.level, HMS_LOG_NOTICE);
    hms_config_free(s_table, &config);
    assert_null(config.endpoint);
}

static void test_set(void **state)
{
    (void)state;
    config_t config = {0};
    char error[256];
    hms_config_defaults(s_table, &config);
    assert_int_equal(hms_config_set(s_table, &config, "count", "7", error, sizeof error), 0);
    assert_int_equal(config.count, 7);
    assert_int_equal(hms_config_set(s_table, &config, "verbose", "yes", error, sizeof error), 0);
    assert_true(config.verbose);
    assert_int_equal(hms_config_set(s_table, &config, "log-level", "debug", error, sizeof error),
                     0);
    assert_int_equal(config.level, HMS_LOG_DEBUG);
    //  Bad values change nothing and say why.
    assert_int_equal(hms_config_set(s_table, &config, "count", "0", error, sizeof error), -1);
    assert_non_null(strstr(error, "out of range"));
    assert_int_equal(hms_config_set(s_table, &config, "count", "7x", error, sizeof error), -1);
    assert_int_equal(hms_config_set(s_table, &config, "count", "1.5", error, sizeof error), -1);
    assert_int_equal(hms_config_set(s_table, &config, "threshold", "150", error, sizeof error), -1);
    assert_int_equal(hms_config_set(s_table, &config, "threshold", "nan", error, sizeof error), -1);
    assert_int_equal(hms_config_set(s_table, &config, "verbose", "maybe", error, sizeof error), -1);
    assert_int_equal(hms_config_set(s_table, &config, "log-level", "loud", error, sizeof error),
                     -1);
    assert_int_equal(hms_config_set(s_table, &config, "nope", "1", error, sizeof error), -1);
    assert_non_null(strstr(error, "unknown option"));
    assert_int_equal(config.count, 7);
    assert_true(config.threshold == 50.0);
    hms_config_free(s_table, &config);
}

static char *s_write(const char *text)
{
    char *path = strdup("/tmp/hms-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_file(void **state)
{
    (void)state;
    config_t config = {0};
    char error[256];
    hms_config_defaults(s_table, &config);
    char *path =
        s_write("#   a comment\ncount = 33\nendpoint = \"tcp://*:9000\"\nverbose = true\n");
    assert_int_equal(hms_config_load(s_table, &config, path, error, sizeof error), 0);
    assert_int_equal(config.count, 33);
    assert_string_equal(config.endpoint, "tcp://*:9000");
    assert_true(config.verbose);
    unlink(path);
    free(path);

    path = s_write("count = 5000\n");
    assert_int_equal(hms_config_load(s_table, &config, path, error, sizeof error), -1);
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, "count"));
    unlink(path);
    free(path);

    path = s_write("colour = blue\n");
    assert_int_equal(hms_config_load(s_table, &config, path, error, sizeof error), -1);
    assert_non_null(strstr(error, "unknown option 'colour'"));
    unlink(path);
    free(path);

    path = s_write("probe\n    count = 3\n");
    assert_int_equal(hms_config_load(s_table, &config, path, error, sizeof error), -1);
    assert_non_null(strstr(error, "sections"));
    unlink(path);
    free(path);

    assert_int_equal(hms_config_load(s_table, &config, "/nonexistent/hms.cfg", error, sizeof error),
                     -1);
    assert_non_null(strstr(error, "no such file"));
    assert_int_equal(config.count, 33);
    hms_config_free(s_table, &config);
}

static void test_command_line(void **state)
{
    (void)state;
    //  The file comes first, whatever its place: the command line wins.
    char *path = s_write("count = 33\nthreshold = 10\n");
    char *argv[] = {"prog", "-n", "44", "--config", path, "--endpoint=tcp://*:1", "extra", NULL};
    config_t config = {0};
    int positional = 0;
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 7, argv, &positional), 0);
    assert_int_equal(config.count, 44);
    assert_true(config.threshold == 10.0);
    assert_string_equal(config.endpoint, "tcp://*:1");
    assert_int_equal(positional, 6);
    assert_string_equal(argv[positional], "extra");
    hms_config_free(s_table, &config);
    unlink(path);
    free(path);

    char *bad[] = {"prog", "--count", "0", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 3, bad, NULL), -1);
    hms_config_free(s_table, &config);
    char *unknown[] = {"prog", "--colour", "blue", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 3, unknown, NULL), -1);
    hms_config_free(s_table, &config);
    char *help[] = {"prog", "--help", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 2, help, NULL), 1);
    hms_config_free(s_table, &config);
    //  A boolean alone is true; followed by a boolean word, it takes it; a
    //  word that is not one stays an argument.
    char *alone[] = {"prog", "--verbose", "-n", "5", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 4, alone, NULL), 0);
    assert_true(config.verbose);
    assert_int_equal(config.count, 5);
    hms_config_free(s_table, &config);
    char *valued[] = {"prog", "--verbose", "false", "-n", "6", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 5, valued, NULL), 0);
    assert_false(config.verbose);
    assert_int_equal(config.count, 6);
    hms_config_free(s_table, &config);
    char *equals[] = {"prog", "--verbose=yes", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 2, equals, NULL), 0);
    assert_true(config.verbose);
    hms_config_free(s_table, &config);
    char *then_word[] = {"prog", "--verbose", "extra", NULL};
    positional = 0;
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 3, then_word, &positional), 0);
    assert_true(config.verbose);
    assert_int_equal(positional, 2);
    hms_config_free(s_table, &config);
    char *not_bool[] = {"prog", "--verbose=maybe", NULL};
    assert_int_equal(hms_config_parse(s_table, &config, &s_program, 2, not_bool, NULL), -1);
    hms_config_free(s_table, &config);
}

static void test_usage(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    hms_config_usage(s_table, &s_program, out);
    fclose(out);
    //  Every option, its default and its bounds are documented.
    assert_non_null(strstr(text, "Usage: test-program"));
    assert_non_null(strstr(text, "-e, --endpoint URL"));
    assert_non_null(strstr(text, "(default: tcp://*:7601)"));
    assert_non_null(strstr(text, "--count N"));
    assert_non_null(strstr(text, "[1..1000]"));
    assert_non_null(strstr(text, "--log-level LEVEL"));
    assert_non_null(strstr(text, "--config FILE"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_set),
        cmocka_unit_test(test_file),     cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
