/*  hms_guard: what every request to the REST API must pass. */

#include "hms_guard.h"
#include "hms_iface.h"
#include "hms_http.h"

#include <ctype.h>
#include <czmq.h>
#include <string.h>
#include <strings.h>

struct _hms_guard_t {
    zlistx_t *hosts; //  names the Host header may give, lower case
    char *token;     //  bearer token; NULL: none
    bool token_reads;
    bool tls;
};

//  The host part of a Host header or of an origin's authority, lower case:
//  "Example.COM:8080" -> "example.com", "[::1]:80" -> "[::1]".
static void s_host_name(const char *authority, char *name, size_t size)
{
    size_t length = authority[0] == '[' ? strcspn(authority, "]") + 1 : strcspn(authority, ":");
    if (length >= size)
        length = size - 1;
    for (size_t i = 0; i < length; i++)
        name[i] = (char)tolower((unsigned char)authority[i]);
    name[length] = '\0';
}

static bool s_known_host(hms_guard_t *self, const char *authority)
{
    char name[300];
    s_host_name(authority, name, sizeof name);
    for (const char *known = zlistx_first(self->hosts); known; known = zlistx_next(self->hosts))
        if (strcmp(known, name) == 0)
            return true;
    return false;
}

static bool s_authorized(hms_guard_t *self, const struct _u_request *request)
{
    const char *header = u_map_get_case(request->map_header, "Authorization");
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    //  Compare in constant time: a timing leak would reveal the token.
    const char *given = header + 7;
    size_t length = strlen(self->token);
    if (strlen(given) != length)
        return false;
    unsigned char difference = 0;
    for (size_t i = 0; i < length; i++)
        difference |= (unsigned char)(given[i] ^ self->token[i]);
    return difference == 0;
}

//  True when the media type (before any parameter) is exactly
//  application/json: "text/plain; x=application/json" is not.
static bool s_json_type(const char *type)
{
    if (!type)
        return false;
    while (*type == ' ' || *type == '\t')
        type++;
    size_t length = strcspn(type, ";");
    while (length > 0 && (type[length - 1] == ' ' || type[length - 1] == '\t'))
        length--;
    return length == 16 && strncasecmp(type, "application/json", 16) == 0;
}

int hms_guard_check(hms_guard_t *self, const struct _u_request *request, bool change, bool open,
                    char *why, size_t size)
{
    //  Methods are case-sensitive (RFC 9110), but ulfius matches routes
    //  without case: "put" would reach PUT's route as another method.
    for (const char *c = request->http_verb; *c; c++)
        if (!isupper((unsigned char)*c)) {
            snprintf(why, size, "no method '%.20s' here", request->http_verb);
            return 501;
        }
    //  A name that is not ours: a browser led here by DNS rebinding. HTTP/1.1
    //  requires the header; ulfius drops one that is not UTF-8.
    const char *host = u_map_get_case(request->map_header, "Host");
    if (!host || !s_known_host(self, host)) {
        snprintf(why, size, "this server does not answer for '%.200s' (--http-host adds names)",
                 host ? host : "(no Host header)");
        return 421;
    }
    //  A page of another site (or a sandboxed one, "null") sending this.
    const char *origin = u_map_get_case(request->map_header, "Origin");
    if (origin) {
        const char *scheme = self->tls ? "https://" : "http://";
        size_t scheme_length = strlen(scheme);
        if (strncasecmp(origin, scheme, scheme_length) != 0 ||
            strcasecmp(origin + scheme_length, host) != 0) {
            snprintf(why, size, "requests from the origin '%.200s' are refused", origin);
            return 403;
        }
    }
    //  s_front refuses longer bodies before ulfius reads them; this stays
    //  as a backstop (ulfius keeps one byte over the limit, so that a
    //  longer body shows).
    const char *length = u_map_get_case(request->map_header, "Content-Length");
    if (request->binary_body_length > HMS_REST_BODY_MAX ||
        (length && strtoull(length, NULL, 10) > HMS_REST_BODY_MAX)) {
        snprintf(why, size, "a body is at most %d bytes", HMS_REST_BODY_MAX);
        return 413;
    }
    if (self->token && (change || (self->token_reads && !open)) && !s_authorized(self, request)) {
        snprintf(why, size, "this call needs 'Authorization: Bearer <token>'");
        return 401;
    }
    //  Changes are JSON, exactly: forms and text/plain are what a page of
    //  another site can send without asking.
    const char *type = u_map_get_case(request->map_header, "Content-Type");
    if (change && (request->binary_body_length > 0 || type) && !s_json_type(type)) {
        snprintf(why, size, "send the body as JSON, with Content-Type: application/json");
        return 415;
    }
    return 0;
}

//  The names the Host header may give: loopback, the bound address (every
//  address of this host when bound to all), and the names of --http-host.
static void s_add_host(const char *address, void *arg)
{
    zlistx_add_end(arg, (void *)address);
}

static int s_hosts(hms_guard_t *self, const char *bind, const char *extra)
{
    self->hosts = zlistx_new();
    if (!self->hosts)
        return -1;
    zlistx_set_destructor(self->hosts, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_duplicator(self->hosts, (zlistx_duplicator_fn *)strdup);
    zlistx_add_end(self->hosts, "localhost");
    zlistx_add_end(self->hosts, "127.0.0.1");
    zlistx_add_end(self->hosts, "[::1]");
    zlistx_add_end(self->hosts, (void *)bind);
    if (strcmp(bind, "0.0.0.0") == 0)
        hms_iface_ipv4(s_add_host, self->hosts);
    char *names = strdup(extra ? extra : "");
    char *saveptr = NULL;
    for (char *name = names ? strtok_r(names, ", ", &saveptr) : NULL; name;
         name = strtok_r(NULL, ", ", &saveptr)) {
        char lower[300];
        s_host_name(name, lower, sizeof lower);
        zlistx_add_end(self->hosts, lower);
    }
    free(names);
    return 0;
}

hms_guard_t *hms_guard_new(const char *bind, const char *extra_hosts, const char *token,
                           bool token_reads, bool tls)
{
    hms_guard_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->token = token && *token ? strdup(token) : NULL;
    self->token_reads = token_reads;
    self->tls = tls;
    if ((token && *token && !self->token) || s_hosts(self, bind, extra_hosts) != 0)
        hms_guard_destroy(&self);
    return self;
}

void hms_guard_destroy(hms_guard_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_guard_t *self = *self_p;
    zlistx_destroy(&self->hosts);
    if (self->token) //  secrets do not stay in freed memory
        explicit_bzero(self->token, strlen(self->token));
    free(self->token);
    free(self);
    *self_p = NULL;
}
