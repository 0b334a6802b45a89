/*  hms_rest: the controller's HTTP side (ulfius): the REST API, its OpenAPI
    document, the API explorer and the web page.

    Callbacks run on libmicrohttpd's threads (one per connection, polled
    with poll(): no descriptor limit). They read the published view
    (hms_view) and hand anything that changes state to the controller loop
    as typed requests (hms_api): they never touch the loop's sockets or
    tables.

    Every request passes one guard first: the Host header must name this
    server (else 421: DNS rebinding), an Origin must be this server's
    (else 403), a body is at most 64 KB (413), a change needs the token
    (401) and JSON, exactly (415); reads need the token too with
    token_reads. Every answer carries the security headers (a
    Content-Security-Policy of 'self' and the like). Connections are
    limited in number, per client address and in idle time.
*/
#ifndef HMS_REST_H_INCLUDED
#define HMS_REST_H_INCLUDED

#include "hms_api.h"
#include "hms_controller.h"
#include "hms_http.h"
#include "hms_view.h"
#include "hms_vmpush.h"

#include <stdbool.h>

typedef struct {
    const char *bind;         //  IPv4 address to listen on
    int port;                 //  TCP port; 0: a free one (hms_rest_port)
    const char *token;        //  bearer token; NULL or "": none
    bool token_reads;         //  reads need the token too
    const char *tls_cert;     //  PEM certificate (text, not a path); NULL: plain HTTP
    const char *tls_key;      //  PEM private key (text)
    const char *hosts;        //  more names the Host header may give, comma-separated
    int connection_limit;     //  connections at once, in all
    int per_ip_limit;         //  connections at once from one address
    int idle_timeout_s;       //  a connection idle this long is closed
    hms_api_t *api;           //  the loop's mailbox
    hms_view_store_t *views;  //  where the loop publishes views
    const char *history;      //  the metrics history file (hms_history); "": none
    const char *vm_url;       //  VictoriaMetrics, read for the history when set; "" or NULL: none
    const hms_vmpush_t *push; //  the push to it, for /healthz and /metrics; NULL: none
} hms_rest_config_t;

typedef struct _hms_rest_t hms_rest_t;

//  Starts serving. Returns NULL (reason logged) when the port cannot be
//  bound or the TLS key pair is not valid. The strings of config are
//  copied; api, views and push must outlive the server.
hms_rest_t *hms_rest_new(const hms_rest_config_t *config);

//  The server the controller's options ask for: loads the token and the
//  TLS pair, and refuses a bind beyond loopback without a token unless
//  --insecure. NULL (logged) when it cannot serve. push (NULL: none) must
//  outlive the server.
hms_rest_t *hms_rest_start(const hms_controller_config_t *config, hms_api_t *api,
                           hms_view_store_t *views, const char *history, const hms_vmpush_t *push);

//  The TCP port it listens on.
int hms_rest_port(hms_rest_t *self);

//  Stops serving (waits for requests in progress) and frees; safe on NULL.
void hms_rest_destroy(hms_rest_t **self_p);

#endif
