/*  hms-controller: follows every manager, serves the REST API and web page.  */

#include "hms_controller.h"
#include "hms_log.h"

#include <signal.h>
#include <stdio.h>
#include <yder.h>

static const hms_program_t s_program = {
    "hms-controller", "Follows HMS managers and serves one REST API and web page for all.", NULL,
    "Managers are added with PUT /containers/{address} (or --hosts) and kept in\n"
    "the state file. The API is described at /openapi.json and can be tried at\n"
    "/docs; the live page is at /. SIGINT or SIGTERM stops it."};

int main(int argc, char **argv)
{
    size_t files = hms_transport_raise_limits();
    hms_controller_config_t config;
    int positional = argc;
    int rc = hms_config_parse(hms_controller_options, &config, &s_program, argc, argv, &positional);
    if (rc == 0 && positional < argc) {
        fprintf(stderr, "hms-controller: unexpected argument '%s'\n", argv[positional]);
        rc = -1;
    }
    if (rc != 0) {
        hms_config_free(hms_controller_options, &config);
        return rc > 0 ? 0 : 2;
    }
    hms_log_init("hms-controller", config.log_level, config.syslog);
    //  ulfius reports why it cannot start only through yder.
    y_init_logs("hms-controller", Y_LOG_MODE_CONSOLE,
                config.log_level >= HMS_LOG_INFO ? Y_LOG_LEVEL_INFO : Y_LOG_LEVEL_ERROR, NULL,
                "ulfius logging");
    signal(SIGPIPE, SIG_IGN);
    hms_controller_t *controller = hms_controller_new(&config, files);
    hms_config_free(hms_controller_options, &config);
    if (!controller) {
        y_close_logs();
        return 1;
    }
    rc = hms_controller_run(controller);
    hms_controller_destroy(&controller);
    y_close_logs();
    return rc == 0 ? 0 : 1;
}
