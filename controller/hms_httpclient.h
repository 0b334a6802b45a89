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

//  One request's state while it runs (opaque; on the caller's stack or in
//  its struct).
typedef struct {
    char *data;                 //  the answer's bytes kept
    size_t size;                //  of them
    size_t cap;                 //  bytes kept at most
    int strict;                 //  an answer over cap fails the transfer
    int overflow;               //  it was over cap
    char head[201];             //  its first bytes, for the error text (200 at most)
    size_t head_size;           //  of them
    struct curl_slist *headers; //  the request's own
} hms_httpclient_t;

//  Sets curl up to POST size bytes of body (kept by the caller until the
//  end) with Content-Type type to url, as hms_httpclient_post does, for
//  a multi handle to run. Returns 0, or -1 when out of memory.
int hms_httpclient_prepare_post(hms_httpclient_t *request, CURL *curl, const char *url,
                                const char *type, const char *body, size_t size, long timeout_ms,
                                size_t cap);

//  Once curl is done with a prepared request (code: its result): the
//  answer, as hms_httpclient_post gives it. Returns 0 on 2xx, else -1.
int hms_httpclient_finish(hms_httpclient_t *request, CURL *curl, CURLcode code,
                          hms_httpclient_answer_t *answer);

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
