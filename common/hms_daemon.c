/*  hms_daemon: the main() of an HMS daemon. */

#include "hms_daemon.h"
#include "hms_log.h"
#include "hms_transport.h"

#include <czmq.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

int hms_daemon_main(const hms_daemon_t *daemon, int argc, char **argv)
{
    size_t files = hms_transport_raise_limits();
    void *config = calloc(1, daemon->config_size);
    if (!config)
        return 1;
    int positional = argc;
    int rc = hms_config_parse(daemon->options, config, daemon->program, argc, argv, &positional);
    if (rc == 0 && positional < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", daemon->program->name, argv[positional]);
        rc = -1;
    }
    if (rc != 0) {
        hms_config_free(daemon->options, config);
        free(config);
        return rc > 0 ? 0 : 2;
    }
    hms_log_init(daemon->program->name, *(int *)((char *)config + daemon->log_level_offset),
                 *(bool *)((char *)config + daemon->syslog_offset));
    signal(SIGPIPE, SIG_IGN);
    if (daemon->started)
        daemon->started(config);
    void *self = daemon->create(config, files);
    hms_config_free(daemon->options, config);
    free(config);
    rc = self ? daemon->run(self) : -1;
    if (self)
        daemon->destroy(self);
    if (daemon->stopped)
        daemon->stopped();
    return rc == 0 ? 0 : 1;
}

int hms_daemon_loop(zloop_t *loop, const char *what)
{
    int rc = zloop_start(loop);
    hms_notice("%s stopping", what);
    return rc == 0 || zsys_interrupted ? 0 : -1;
}
