/*  hms_controller: follows every manager and serves one REST API for all.

    One zloop owns every socket and table: a SUB and a DEALER per manager,
    the controller's own ROUTER (ping, list_hosts), and an inproc ROUTER on
    which the REST threads (hms_rest) ask for changes. What the REST threads
    read is an immutable view the loop publishes (hms_view).
*/
#ifndef HMS_CONTROLLER_H_INCLUDED
#define HMS_CONTROLLER_H_INCLUDED

#include "hms_config.h"

#include <stdbool.h>

typedef struct {
    char *http_bind;        //  address the REST API listens on
    int http_port;          //  its port
    char *router_endpoint;  //  ROUTER for ping and list_hosts
    char *state_file;       //  hosts and settings survive restarts here; "": none
    char *hosts;            //  managers to follow from the start, comma-separated
    int aggregation_ms;     //  window between an update notice and give_content
    int miss_count;         //  heartbeats missed before a manager is offline
    int request_timeout_ms; //  a manager that has not answered by then: 504
    char *token;            //  bearer token for REST calls that change things; "": none
    int log_level;          //  hms_log level
    bool syslog;            //  log to syslog instead of stderr
} hms_controller_config_t;

//  The options of hms-controller: defaults, bounds and help, in one table.
extern const hms_option_t hms_controller_options[];

typedef struct _hms_controller_t hms_controller_t;

//  Creates the controller: loads its state file, follows its managers,
//  binds its ROUTER and starts the REST API. NULL (reason logged) when a
//  socket or the HTTP port cannot be bound. The config is read, not kept.
hms_controller_t *hms_controller_new(const hms_controller_config_t *config);

//  Runs until SIGINT or SIGTERM. Returns 0, or -1 when the loop failed.
int hms_controller_run(hms_controller_t *self);

//  Stops the REST API, then everything else; safe on NULL.
void hms_controller_destroy(hms_controller_t **self_p);

#endif
