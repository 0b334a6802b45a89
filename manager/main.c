/*  hms-manager: watches, probes and heals the containers of one Docker host.  */

#include "hms_log.h"
#include "hms_manager.h"

#include <signal.h>
#include <stdio.h>

static const hms_program_t s_program = {
    "hms-manager", "Watches, probes and heals the containers of this Docker host.", NULL,
    "A container seen running is restarted when it stops or when more than\n"
    "threshold % of its ICMP echoes are lost in a round; label a container\n"
    "hms.ignore=true to leave it alone. Runs as root (raw ICMP socket, Docker\n"
    "socket). Commands arrive on the ROUTER socket (see proto/hms-protocol.md\n"
    "and hmsctl); SIGINT or SIGTERM stops it."};

int main(int argc, char **argv)
{
    hms_transport_raise_limits();
    hms_manager_config_t config;
    int positional = argc;
    int rc = hms_config_parse(hms_manager_options, &config, &s_program, argc, argv, &positional);
    if (rc == 0 && positional < argc) {
        fprintf(stderr, "hms-manager: unexpected argument '%s'\n", argv[positional]);
        rc = -1;
    }
    if (rc != 0) {
        hms_config_free(hms_manager_options, &config);
        return rc > 0 ? 0 : 2;
    }
    hms_log_init("hms-manager", config.log_level, config.syslog);
    signal(SIGPIPE, SIG_IGN);
    hms_manager_t *manager = hms_manager_new(&config);
    hms_config_free(hms_manager_options, &config);
    if (!manager)
        return 1;
    rc = hms_manager_run(manager);
    hms_manager_destroy(&manager);
    return rc == 0 ? 0 : 1;
}
