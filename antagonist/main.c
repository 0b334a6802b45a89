/*  hms-antagonist: injects faults (container stops, packet loss) into the
    containers of this Docker host, reproducibly, and publishes each attack.  */

#include "hms_antagonist.h"
#include "hms_log.h"

#include <signal.h>
#include <stdio.h>

static const hms_program_t s_program = {
    "hms-antagonist",
    "Stops containers and drops their packets at random, to measure what HMS heals.", NULL,
    "Every FREQUENCY seconds while running, an attempt attacks with probability\n"
    "HEAVY %: a shutdown (docker stop or kill) with probability BALANCE %, else a\n"
    "loss attack dropping a Gaussian(LOSS, SIGMA) % of the target's packets with\n"
    "iptables (chain HMS-ANTAGONIST) for DURATION seconds. Targets are the\n"
    "containers with the --targets label, running or not. The same seed and\n"
    "targets give the same attacks. Attacks are published on the PUB socket\n"
    "(topic attack); commands (conf_antagonist, start_antagonist,\n"
    "stop_antagonist, antagonist_status, ping) arrive on the ROUTER socket (see\n"
    "proto/hms-protocol.md and hmsctl). Runs as root (Docker socket, iptables,\n"
    "nsenter). One antagonist per Docker host: at start it removes every\n"
    "HMS-ANTAGONIST chain from the host and from every running container.\n"
    "SIGINT or SIGTERM ends the attacks in progress, removes the rules and exits."};

int main(int argc, char **argv)
{
    hms_transport_raise_limits();
    hms_antagonist_config_t config;
    int positional = argc;
    int rc = hms_config_parse(hms_antagonist_options, &config, &s_program, argc, argv, &positional);
    if (rc == 0 && positional < argc) {
        fprintf(stderr, "hms-antagonist: unexpected argument '%s'\n", argv[positional]);
        rc = -1;
    }
    if (rc != 0) {
        hms_config_free(hms_antagonist_options, &config);
        return rc > 0 ? 0 : 2;
    }
    hms_log_init("hms-antagonist", config.log_level, config.syslog);
    signal(SIGPIPE, SIG_IGN);
    hms_antagonist_t *antagonist = hms_antagonist_new(&config);
    hms_config_free(hms_antagonist_options, &config);
    if (!antagonist)
        return 1;
    rc = hms_antagonist_run(antagonist);
    hms_antagonist_destroy(&antagonist);
    return rc == 0 ? 0 : 1;
}
