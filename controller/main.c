/*  hms-controller: follows every manager, serves the REST API and web page.  */

#include "hms_controller.h"
#include "hms_daemon.h"
#include "hms_log.h"

#include <stddef.h>
#include <yder.h>

static const hms_program_t s_program = {
    "hms-controller", "Follows HMS managers and serves one REST API and web page for all.", NULL,
    "Managers are added with PUT /containers/{address} (or --hosts) and kept in\n"
    "the state file. The API is described at /openapi.json and can be tried at\n"
    "/docs; the live page is at /. SIGINT or SIGTERM stops it."};

//  ulfius reports why it cannot start only through yder.
static void s_started(const void *config)
{
    const hms_controller_config_t *controller = config;
    y_init_logs("hms-controller", Y_LOG_MODE_CONSOLE,
                controller->log_level >= HMS_LOG_INFO ? Y_LOG_LEVEL_INFO : Y_LOG_LEVEL_ERROR, NULL,
                "ulfius logging");
}

static void s_stopped(void)
{
    y_close_logs();
}

HMS_DAEMON_MAIN(controller, s_program, hms_controller_new(config, files), s_started, s_stopped)
