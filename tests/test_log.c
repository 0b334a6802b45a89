/*  test_log: the logging layer: levels, and bytes from peers escaped.  */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Runs one hms_log line with stderr sent to a file; returns what it wrote.
static char *s_logged(hms_log_level_t level, const char *text)
{
    char path[] = "/tmp/hms-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    hms_log_at(level, "peer said: %s", text);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *file = fdopen(fd, "r");
    rewind(file);
    char *line = calloc(1, 8192);
    size_t got = fread(line, 1, 8191, file);
    line[got] = '\0';
    fclose(file);
    unlink(path);
    return line;
}

static void test_escapes(void **state)
{
    (void)state;
    hms_log_init("test", HMS_LOG_INFO, false);
    //  A forged second line and a terminal escape sequence.
    char *line =
        s_logged(HMS_LOG_NOTICE, "web\n2026-01-01T00:00:00.000Z E fake line\x1b[2J\x7f\xc3\xa9");
    assert_non_null(strstr(line, " N test: peer said: web\\x0a2026-01-01T00:00:00.000Z E fake "
                                 "line\\x1b[2J\\x7f\\xc3\\xa9\n"));
    //  One line, and nothing but printable ASCII before its end.
    assert_int_equal(strchr(line, '\n') - line + 1, (long)strlen(line));
    for (const char *p = line; *p != '\n'; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    free(line);
    //  A backslash is escaped too: a peer's literal "\x0a" cannot pass for
    //  an escaped byte.
    line = s_logged(HMS_LOG_NOTICE, "a\\x0ab");
    assert_non_null(strstr(line, "peer said: a\\x5cx0ab\n"));
    free(line);
    //  Plain text is untouched; the longest message is cut, never overrun.
    line = s_logged(HMS_LOG_NOTICE, "web-1 healed");
    assert_non_null(strstr(line, "peer said: web-1 healed\n"));
    free(line);
    char *long_text = malloc(5000);
    memset(long_text, 0x01, 4999);
    long_text[4999] = '\0';
    line = s_logged(HMS_LOG_WARNING, long_text);
    assert_true(strlen(line) < 4500);
    assert_non_null(strstr(line, "\\x01\\x01\n"));
    free(line);
    free(long_text);
}

static void test_levels(void **state)
{
    (void)state;
    hms_log_init("test", HMS_LOG_NOTICE, false);
    char *line = s_logged(HMS_LOG_INFO, "quiet");
    assert_string_equal(line, "");
    free(line);
    line = s_logged(HMS_LOG_ERROR, "loud");
    assert_non_null(strstr(line, " E test: peer said: loud\n"));
    free(line);
    assert_int_equal(hms_log_level_from_name("debug"), HMS_LOG_DEBUG);
    assert_int_equal(hms_log_level_from_name("loud"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
