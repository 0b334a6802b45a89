/*  hms_log: one logging layer for every HMS program.  */

#include "hms_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

volatile int hms_log_level = HMS_LOG_NOTICE;

//  Program name on each line; syslog keeps a pointer to it, so it is static.
static char s_ident[32] = "hms";
//  True when lines go to syslog instead of stderr.
static bool s_syslog = false;
//  True for lines without time and level.
static bool s_plain = false;

static const char *s_names[] = {"error", "warning", "notice", "info", "debug"};
static const char s_letters[] = "EWNID";
static const int s_syslog_priority[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};

void hms_log_init(const char *ident, hms_log_level_t level, bool use_syslog)
{
    if (ident)
        snprintf(s_ident, sizeof s_ident, "%s", ident);
    hms_log_level = level;
    if (s_syslog && !use_syslog)
        closelog();
    s_syslog = use_syslog;
    if (s_syslog)
        openlog(s_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void hms_log_plain(bool plain)
{
    s_plain = plain;
}

int hms_log_level_from_name(const char *name)
{
    for (int i = 0; i <= HMS_LOG_DEBUG; i++)
        if (strcmp(name, s_names[i]) == 0)
            return i;
    return -1;
}

//  Copies text into out with every byte outside printable ASCII, and the
//  backslash, written as \xNN: names, messages and addresses from peers
//  cannot forge log lines, an escape, or send escape sequences to a
//  terminal.
static void s_escape(const char *text, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && used + 5 < size; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\')
            out[used++] = (char)*p;
        else {
            out[used++] = '\\';
            out[used++] = 'x';
            out[used++] = hex[*p >> 4];
            out[used++] = hex[*p & 15];
        }
    }
    out[used] = '\0';
}

void hms_log_write(hms_log_level_t level, const char *format, ...)
{
    if (level < HMS_LOG_ERROR || level > HMS_LOG_DEBUG)
        level = HMS_LOG_ERROR;
    char raw[1024], message[4 * sizeof raw];
    va_list args;
    va_start(args, format);
    vsnprintf(raw, sizeof raw, format, args);
    va_end(args);
    s_escape(raw, message, sizeof message);

    if (s_syslog) {
        syslog(s_syslog_priority[level], "%s", message);
        return;
    }
    if (s_plain) {
        fprintf(stderr, "%s: %s\n", s_ident, message);
        return;
    }
    //  One fprintf per line: stdio's lock keeps lines from different threads
    //  whole. Millisecond UTC timestamps let benches read event times.
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %c %s: %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000,
            s_letters[level], s_ident, message);
}
