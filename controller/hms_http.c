/*  hms_http: the HTTP server beneath the REST API. */

#include "hms_http.h"
#include "hms_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Stack of a connection's thread: callbacks need a few KB.
#define THREAD_STACK (512 * 1024)

//  The front handler: refusal before the body is read.
//
//  ulfius 2.7 reads a request's whole body before it runs any callback, and
//  has no hook between the headers and the body: a 300 MB upload would be
//  read (and thrown away past the limit) before the guard could refuse it,
//  and a chunked body that never ends, read for ever. So HMS puts its own
//  access handler in front of ulfius's: libmicrohttpd's MHD_start_daemon,
//  which ulfius calls, is defined below (a program's own definition comes
//  first for the shared libraries it loads, as with LD_PRELOAD), and
//  starts the daemon through MHD_start_daemon_va with s_front first.
//  s_front answers 413 to a request that declares more than
//  HMS_REST_BODY_MAX bytes, and closes the connection of one that sends
//  more without declaring it (chunked): libmicrohttpd 0.9.75 queues an
//  answer only before the body or after all of it. Everything else goes to
//  ulfius unchanged. test_rest sends 300 MB both ways.

//  On every answer, errors included: no framing, no sniffing, no referrer,
//  nothing loaded from elsewhere.
const char *const hms_http_security_headers[HMS_HTTP_SECURITY_HEADERS][2] = {
    {"Content-Security-Policy", "default-src 'self'"},
    {"X-Frame-Options", "DENY"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"}};

//  Body bytes of the request under way on a connection (its socket
//  context; s_uri resets it at each request's start).
typedef struct {
    uint64_t bytes;
} upload_t;

//  ulfius's access handler (its dispatcher), which s_front hands requests
//  to with their own closure. Set before libmicrohttpd starts a thread.
static MHD_AccessHandlerCallback s_ulfius;

static void s_connection(void *cls, struct MHD_Connection *connection, void **context,
                         enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)connection;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        *context = calloc(1, sizeof(upload_t));
    else {
        free(*context);
        *context = NULL;
    }
}

static upload_t *s_upload(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

//  The start of a request (libmicrohttpd's URI logger, called once per
//  request, keep-alive and pipelining included): its body count from 0,
//  then ulfius's own logger, which creates its record of the request.
static void *s_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
    upload_t *upload = s_upload(connection);
    if (upload)
        upload->bytes = 0;
    return ulfius_uri_logger(cls, uri);
}

//  Queues 413 with the headers every answer carries.
static enum MHD_Result s_too_large(struct MHD_Connection *connection)
{
    char body[96];
    int size = snprintf(body, sizeof body,
                        "{\"error\":{\"code\":413,\"message\":\"a body is at most %d bytes\"}}",
                        HMS_REST_BODY_MAX);
    struct MHD_Response *response =
        MHD_create_response_from_buffer((size_t)size, body, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, "Content-Type", "application/json");
    for (size_t i = 0; i < HMS_HTTP_SECURITY_HEADERS; i++)
        MHD_add_response_header(response, hms_http_security_headers[i][0],
                                hms_http_security_headers[i][1]);
    MHD_add_response_header(response, "Connection", "close");
    enum MHD_Result rc = MHD_queue_response(connection, 413, response);
    MHD_destroy_response(response);
    return rc;
}

static enum MHD_Result s_front(void *cls, struct MHD_Connection *connection, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    upload_t *upload = s_upload(connection);
    if (!upload)
        return MHD_NO; //  no memory for its count: closed
    upload->bytes += *upload_data_size;
    const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > HMS_REST_BODY_MAX)
        return s_too_large(connection); //  before the body: the first call
    if (upload->bytes > HMS_REST_BODY_MAX) {
        hms_info("http: %s %s: body over %d bytes without a length, connection closed", method, url,
                 HMS_REST_BODY_MAX);
        return MHD_NO;
    }
    return s_ulfius(cls, connection, url, method, version, upload_data, upload_data_size, con_cls);
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    s_ulfius = dh;
    va_list args;
    va_start(args, dh_cls);
    struct MHD_Daemon *daemon =
        MHD_start_daemon_va(flags, port, apc, apc_cls, s_front, dh_cls, args);
    va_end(args);
    return daemon;
}

//  libmicrohttpd's messages, into the log.
static void s_mhd_log(void *arg, const char *format, va_list args)
{
    (void)arg;
    char text[512];
    vsnprintf(text, sizeof text, format, args);
    text[strcspn(text, "\n")] = '\0';
    hms_info("http: %s", text);
}

//  A listening socket on address (port 0: a free one). Returns it, or -1.
static int s_listen(const struct sockaddr_in *address)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
        bind(fd, (const struct sockaddr *)address, sizeof *address) == 0 && listen(fd, 511) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

int hms_http_start(struct _u_instance *instance, const struct sockaddr_in *address,
                   const hms_http_limits_t *limits, const char *cert, const char *key)
{
    int listener = s_listen(address);
    if (listener < 0)
        return -1;
    struct sockaddr_in bound;
    socklen_t length = sizeof bound;
    getsockname(listener, (struct sockaddr *)&bound, &length);
    bool tls = cert && key;
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)s_mhd_log, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)s_uri, NULL},
        {MHD_OPTION_LISTEN_SOCKET, listener, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)s_connection, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, limits->connections, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->per_ip, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, limits->idle_timeout_s, NULL},
        {MHD_OPTION_THREAD_STACK_SIZE, THREAD_STACK, NULL},
        //  Without TLS the list ends here.
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert},
        {MHD_OPTION_END, 0, NULL}};
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0);
    //  libmicrohttpd closes the listener when it stops, and on some of its
    //  failures: closing it here could close another file that took its
    //  number since. The process ends after a failure anyway.
    if (ulfius_start_framework_with_mhd_options(instance, flags, options) != U_OK)
        return -1;
    return ntohs(bound.sin_port);
}
