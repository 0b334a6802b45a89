/*  hms_log: one logging layer for every HMS program.

    Lines go to stderr (default) or syslog. The level is checked before the
    arguments are formatted, so a debug line costs one comparison when debug
    is off. Every byte outside printable ASCII, and the backslash, is
    written \xNN, so text from peers (names, messages, addresses) cannot
    forge a line or drive a terminal. Safe to call from any thread.
*/
#ifndef HMS_LOG_H_INCLUDED
#define HMS_LOG_H_INCLUDED

#include <stdbool.h>

typedef enum {
    HMS_LOG_ERROR = 0,
    HMS_LOG_WARNING,
    HMS_LOG_NOTICE,
    HMS_LOG_INFO,
    HMS_LOG_DEBUG
} hms_log_level_t;

//  The current level; read by the macros below, set by hms_log_init.
extern volatile int hms_log_level;

//  Sets the program name shown on each line, the level and the sink (stderr,
//  or syslog's daemon facility when use_syslog is true). May be called again.
void hms_log_init(const char *ident, hms_log_level_t level, bool use_syslog);

//  Plain lines: "ident: message" on stderr, without time or level, as a
//  command-line tool writes them.
void hms_log_plain(bool plain);

//  Parses "error", "warning", "notice", "info" or "debug". Returns the level,
//  or -1 when the name is unknown.
int hms_log_level_from_name(const char *name);

//  Writes one line at the given level. Use the macros, which skip the call
//  (and the formatting) when the level is off.
void hms_log_write(hms_log_level_t level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#define hms_log_at(level, ...)                                                                     \
    do {                                                                                           \
        if ((int)(level) <= hms_log_level)                                                         \
            hms_log_write((level), __VA_ARGS__);                                                   \
    } while (0)

#define hms_error(...)   hms_log_at(HMS_LOG_ERROR, __VA_ARGS__)
#define hms_warning(...) hms_log_at(HMS_LOG_WARNING, __VA_ARGS__)
#define hms_notice(...)  hms_log_at(HMS_LOG_NOTICE, __VA_ARGS__)
#define hms_info(...)    hms_log_at(HMS_LOG_INFO, __VA_ARGS__)
#define hms_debug(...)   hms_log_at(HMS_LOG_DEBUG, __VA_ARGS__)

#endif
