/*  fleet: plays many HMS managers at once, for a real controller to follow.

    Each simulated manager binds a PUB and a ROUTER on loopback (ports the
    kernel picks), publishes a heartbeat every second, answers give_content
    with its own table, changes one of its containers every CHANGE_MS
    (published as an HMS/2 delta) and, with METRICS_MS, publishes its
    containers' metrics (bench/sim.h, sim_fleet). With --curve, every socket
    speaks CURVE: the key pairs are made in a new directory whose path is
    printed, with the controller's secret key in it.

    Prints the --hosts value for hms-controller on its first line, then runs
    until SIGINT or SIGTERM.

    fleet [--curve] MANAGERS CONTAINERS [CHANGE_MS] [METRICS_MS]
*/

#include "hms_log.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    bool curve = argc > 1 && strcmp(argv[1], "--curve") == 0;
    argv += curve, argc -= curve;
    if (argc < 3) {
        fprintf(stderr, "usage: fleet [--curve] MANAGERS CONTAINERS [CHANGE_MS] [METRICS_MS]\n");
        return 2;
    }
    hms_transport_raise_limits();
    hms_log_init("fleet", HMS_LOG_WARNING, false);
    sim_keys_t keys;
    hms_transport_config_t config = {"", "", false};
    if (curve) {
        if (sim_keys_make(&keys) != 0)
            return 1;
        config = (hms_transport_config_t){keys.manager_secret, keys.allow, false};
    }
    sim_fleet_t fleet = {.managers = atoi(argv[1]),
                         .containers = atoi(argv[2]),
                         .change_ms = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000,
                         .metrics_ms = argc > 4 ? strtoull(argv[4], NULL, 10) : 10000,
                         .transport = hms_transport_new(&config, true)};
    if (fleet.managers < 1 || fleet.containers < 1 || !fleet.transport)
        return 2;
    zactor_t *actor = sim_fleet_start(&fleet);
    char *hosts = sim_fleet_hosts(&fleet, curve ? keys.manager_public : NULL);
    printf("%s\n", hosts);
    if (curve)
        printf("keys: %s (the controller's: --curve-secret %s)\n", keys.dir, keys.client_secret);
    fflush(stdout);
    while (!zsys_interrupted)
        zclock_sleep(200);
    zactor_destroy(&actor);
    hms_transport_destroy(&fleet.transport);
    sim_fleet_free(&fleet);
    free(hosts);
    if (curve)
        sim_keys_remove(&keys);
    return 0;
}
