/*  hms-manager: watches, probes and heals the containers of one Docker host.  */

#include "hms_daemon.h"
#include "hms_log.h"
#include "hms_manager.h"

#include <stddef.h>

static const hms_program_t s_program = {
    "hms-manager", "Watches, probes and heals the containers of this Docker host.", NULL,
    "A container seen running is restarted when it stops or when more than\n"
    "threshold % of its ICMP echoes are lost in a round; label a container\n"
    "hms.ignore=true to leave it alone. Runs as root (raw ICMP socket, Docker\n"
    "socket). Commands arrive on the ROUTER socket (see proto/hms-protocol.md\n"
    "and hmsctl); SIGINT or SIGTERM stops it."};

HMS_DAEMON_MAIN(manager, s_program, hms_manager_new(config), NULL, NULL)
