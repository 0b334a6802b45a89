/*  hms_httpclient: the controller's outgoing HTTP requests (libcurl).

    What the notifications (webhooks, Alertmanager) and VictoriaMetrics
    (pushing samples, reading series) share: one easy handle per thread,
    bounded connect and total times, http and https only, no signals, and
    an answer read into memory up to a cap so that a peer sending without
    end cannot exhaust the controller. Each call reuses the handle's
    connections (keep-alive).
*/
#ifndef HMS_HTTPCLIENT_H_INCLUDED
#define HMS_HTTPCLIENT_H_INCLUDED

#include <curl/curl.h>
#include <stddef.h>

//  What a request got back.
typedef struct {
    long status;     //  HTTP status; 0: no answer
    char error[256]; //  why, when status is 0 or not 2xx: curl's error or the answer's start
    char *body;      //  the answer, NUL-terminated (caller frees); NULL when not kept
    size_t size;     //  its length
} hms_httpclient_answer_t;

//  POSTs size bytes of body with Content-Type type to url with curl,
//  waiting at most timeout_ms (connecting: at most a second of it). The
//  answer's body is kept up to cap bytes (0: only its start, for error).
//  Returns 0 when the peer answered 2xx, else -1 (answer says why).
int hms_httpclient_post(CURL *curl, const char *url, const char *type, const char *body,
                        size_t size, long timeout_ms, size_t cap, hms_httpclient_answer_t *answer);

//  GETs url the same way; an answer longer than cap bytes is an error.
int hms_httpclient_get(CURL *curl, const char *url, long timeout_ms, size_t cap,
                       hms_httpclient_answer_t *answer);

//  Frees what an answer holds; safe on a cleared one.
void hms_httpclient_answer_free(hms_httpclient_answer_t *answer);

#endif
