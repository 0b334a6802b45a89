/*  hms_daemon: the main() of an HMS daemon, written once.

    Raises the descriptor limit, parses the command line and the config file
    from the program's option table (hms_config), starts the log, ignores
    SIGPIPE, then creates, runs and destroys the daemon. Exit status: 0 after
    a clean stop (or --help, --version), 1 when the daemon failed, 2 for a
    usage error.
*/
#ifndef HMS_DAEMON_H_INCLUDED
#define HMS_DAEMON_H_INCLUDED

#include "hms_config.h"

#include <stddef.h>

//  The options every daemon has, at the end of its table: its ready file
//  (what it writes there: ready), log level and syslog.
#define HMS_DAEMON_OPTIONS(type, ready)                                                            \
    {"ready-file",                                                                                 \
     0,                                                                                            \
     HMS_OPT_STRING,                                                                               \
     offsetof(type, ready_file),                                                                   \
     "",                                                                                           \
     0,                                                                                            \
     0,                                                                                            \
     "PATH",                                                                                       \
     "once serving, write " ready " here (key=value lines)"},                                      \
        {"log-level",                                                                              \
         'v',                                                                                      \
         HMS_OPT_LOGLEVEL,                                                                         \
         offsetof(type, log_level),                                                                \
         "notice",                                                                                 \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         "error, warning, notice, info or debug"},                                                 \
    {                                                                                              \
        "syslog", 0, HMS_OPT_BOOL, offsetof(type, syslog), "false", 0, 0, NULL,                    \
            "log to syslog instead of stderr"                                                      \
    }

//  The options of a daemon that works on a Docker host: the address it
//  announces and the engine's socket.
#define HMS_HOST_OPTIONS(type)                                                                     \
    {"address",                                                                                    \
     'a',                                                                                          \
     HMS_OPT_STRING,                                                                               \
     offsetof(type, address),                                                                      \
     "",                                                                                           \
     0,                                                                                            \
     0,                                                                                            \
     "HOST",                                                                                       \
     "address reported to peers (default: this host's first IPv4 address)"},                       \
    {                                                                                              \
        "docker", 'd', HMS_OPT_STRING, offsetof(type, docker_socket), "/var/run/docker.sock", 0,   \
            0, "PATH", "Docker engine socket"                                                      \
    }

typedef struct {
    const hms_program_t *program;
    const hms_option_t *options; //  the option table, filling a config struct of
    size_t config_size;          //  this size, whose log level (int) and syslog
    size_t log_level_offset;     //  (bool) fields are at these offsets
    size_t syslog_offset;
    //  The daemon from its config (read, not kept) and the descriptors this
    //  process may open; NULL when it cannot start (logged).
    void *(*create)(const void *config, size_t files);
    int (*run)(void *daemon); //  0 after a clean stop
    void (*destroy)(void *daemon);
    //  Optional: once the log runs, before create; and after destroy.
    void (*started)(const void *config);
    void (*stopped)(void);
} hms_daemon_t;

//  Runs a daemon's loop until SIGINT or SIGTERM, then logs that what (the
//  daemon's role) stops. Returns 0, or -1 when the loop failed.
typedef struct _zloop_t zloop_t;
int hms_daemon_loop(zloop_t *loop, const char *what);

//  Returns the process's exit status.
int hms_daemon_main(const hms_daemon_t *daemon, int argc, char **argv);

//  The main() of the daemon whose class is hms_NAME (hms_NAME_t, its
//  _config_t, _options, _run and _destroy): CREATE makes it from config
//  and files (the names of s_create's arguments); STARTED and STOPPED are
//  the optional hooks, or NULL.
#define HMS_DAEMON_MAIN(NAME, PROGRAM, CREATE, STARTED, STOPPED)                                   \
    static void *s_create(const void *config, size_t files)                                        \
    {                                                                                              \
        (void)files;                                                                               \
        return CREATE;                                                                             \
    }                                                                                              \
    static int s_run(void *self)                                                                   \
    {                                                                                              \
        return hms_##NAME##_run(self);                                                             \
    }                                                                                              \
    static void s_destroy(void *self)                                                              \
    {                                                                                              \
        hms_##NAME##_t *daemon = self;                                                             \
        hms_##NAME##_destroy(&daemon);                                                             \
    }                                                                                              \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        const hms_daemon_t daemon = {&PROGRAM,                                                     \
                                     hms_##NAME##_options,                                         \
                                     sizeof(hms_##NAME##_config_t),                                \
                                     offsetof(hms_##NAME##_config_t, log_level),                   \
                                     offsetof(hms_##NAME##_config_t, syslog),                      \
                                     s_create,                                                     \
                                     s_run,                                                        \
                                     s_destroy,                                                    \
                                     STARTED,                                                      \
                                     STOPPED};                                                     \
        return hms_daemon_main(&daemon, argc, argv);                                               \
    }

#endif
