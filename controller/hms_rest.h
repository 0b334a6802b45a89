/*  hms_rest: the controller's HTTP side (ulfius): the REST API, its OpenAPI
    document, the API explorer and the web page.

    Callbacks run on libmicrohttpd's threads. They read the published view
    (hms_view) and send anything that changes state to the controller loop
    over inproc, one REQ socket per request: they never touch the loop's
    sockets or tables. The loop's inproc protocol is declared here.
*/
#ifndef HMS_REST_H_INCLUDED
#define HMS_REST_H_INCLUDED

#include "hms_view.h"

//  Requests on the loop's inproc ROUTER: frames [command][argument...]; the
//  loop answers [HTTP status][JSON body] (an empty body for 204).
#define HMS_API_ADD       "add"       //  address, [antagonist address]
#define HMS_API_REMOVE    "remove"    //  address
#define HMS_API_THRESHOLD "threshold" //  address ("" = every host), threshold
#define HMS_API_IGNORE    "ignore"    //  address, container reference
#define HMS_API_WATCH     "watch"     //  address, container reference
#define HMS_API_CONFIG    "config"    //  [JSON object of settings to change]
#define HMS_API_STATS     "stats"     //  -
#define HMS_API_ANTAGONIST                                                                         \
    "antagonist" //  address ("" = every host), status|conf|start|stop,
                 //  [JSON configuration, for conf]

//  The largest request timeout (--request-timeout, PUT /config), in ms.
#define HMS_REQUEST_TIMEOUT_MAX 60000

typedef struct {
    const char *bind;         //  IPv4 address to listen on
    int port;                 //  TCP port
    const char *token;        //  bearer token for changes; NULL or "": none
    const char *api_endpoint; //  the loop's inproc ROUTER
    hms_view_store_t *views;  //  where the loop publishes views
} hms_rest_config_t;

typedef struct _hms_rest_t hms_rest_t;

//  Starts serving. Returns NULL (reason logged) when the port cannot be bound.
//  The strings of config are copied; views must outlive the server.
hms_rest_t *hms_rest_new(const hms_rest_config_t *config);

//  Stops serving (waits for requests in progress) and frees; safe on NULL.
void hms_rest_destroy(hms_rest_t **self_p);

#endif
