/*  hms_http: the HTTP server beneath the REST API.

    ulfius runs on libmicrohttpd; this file is what HMS adds beneath it: its
    own listening socket (so that port 0 works), the limits on connections
    and idle time, TLS, the security headers of every answer, and the front
    handler that refuses a body over HMS_REST_BODY_MAX before it is read.
*/
#ifndef HMS_HTTP_H_INCLUDED
#define HMS_HTTP_H_INCLUDED

#include <netinet/in.h>
#include <ulfius.h>

//  The largest request body, in bytes.
#define HMS_REST_BODY_MAX 65536

//  On every answer, errors included.
#define HMS_HTTP_SECURITY_HEADERS 4
extern const char *const hms_http_security_headers[HMS_HTTP_SECURITY_HEADERS][2];

typedef struct {
    int connections;    //  at once
    int per_ip;         //  at once from one address
    int idle_timeout_s; //  an idle connection is closed after this
} hms_http_limits_t;

//  Starts instance on a socket bound to address (port 0: a free one), TLS
//  when cert and key (PEM text, kept by the caller while serving) are
//  given. Returns the port bound, or -1.
int hms_http_start(struct _u_instance *instance, const struct sockaddr_in *address,
                   const hms_http_limits_t *limits, const char *cert, const char *key);

#endif
