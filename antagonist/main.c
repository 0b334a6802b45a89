/*  hms-antagonist: injects faults (container stops, packet loss) into the
    containers of this Docker host, reproducibly, and publishes each attack.  */

#include "hms_antagonist.h"
#include "hms_daemon.h"
#include "hms_log.h"

#include <stddef.h>

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

HMS_DAEMON_MAIN(antagonist, s_program, hms_antagonist_new(config), NULL, NULL)
