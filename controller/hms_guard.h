/*  hms_guard: what every request to the REST API must pass before its
    handler runs (docs/SECURITY.md).

    * methods in upper case (RFC 9110; ulfius matches routes without case);
    * a Host header naming this server: loopback, the bound address (every
      address of the host when bound to all) or a name of --http-host, so
      that a page reached by DNS rebinding is refused;
    * no Origin, or this server's own;
    * a body of at most HMS_REST_BODY_MAX bytes;
    * the bearer token, compared in constant time, for changes (and reads
      with --token-reads);
    * changes sent as application/json, which a page of another site
      cannot send without asking.
*/
#ifndef HMS_GUARD_H_INCLUDED
#define HMS_GUARD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <ulfius.h>

typedef struct _hms_guard_t hms_guard_t;

//  A guard for a server bound to bind (an IPv4 address), which answers
//  for the names in extra_hosts too (comma-separated; NULL: none). token
//  NULL or "": none; token_reads: reads need it too; tls: origins are https.
//  NULL when out of memory.
hms_guard_t *hms_guard_new(const char *bind, const char *extra_hosts, const char *token,
                           bool token_reads, bool tls);

//  Wipes the token and frees; safe on NULL.
void hms_guard_destroy(hms_guard_t **self_p);

//  Checks request, for a method that changes state (change) or a resource
//  readable without a token even with --token-reads (open). Returns 0, or
//  the HTTP status to refuse it with (why says why; 401 wants a
//  WWW-Authenticate header).
int hms_guard_check(hms_guard_t *self, const struct _u_request *request, bool change, bool open,
                    char *why, size_t size);

#endif
