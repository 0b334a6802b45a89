/*  hms_httpclient: the controller's outgoing HTTP requests (libcurl).  */

#include "hms_httpclient.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CONNECT_MS 1000L //  a peer that does not accept within this is down
#define S_HEAD       200   //  bytes of an answer kept for the error text

//  Where an answer goes while it arrives.
typedef struct {
    char *data;            //  kept bytes
    size_t size;           //  of them
    size_t cap;            //  bytes kept at most (beyond: fail when strict, else drop)
    bool strict;           //  an answer over cap fails the transfer
    bool overflow;         //  it was over cap
    char head[S_HEAD + 1]; //  its first bytes, for the error text
    size_t head_size;
} s_sink_t;

static size_t s_write(char *data, size_t size, size_t count, void *arg)
{
    s_sink_t *sink = arg;
    size_t bytes = size * count;
    size_t room = S_HEAD - sink->head_size;
    memcpy(sink->head + sink->head_size, data, bytes < room ? bytes : room);
    sink->head_size += bytes < room ? bytes : room;
    if (sink->size + bytes > sink->cap) {
        sink->overflow = true;
        return sink->strict ? 0 : bytes;
    }
    char *grown = realloc(sink->data, sink->size + bytes + 1);
    if (!grown)
        return 0;
    memcpy(grown + sink->size, data, bytes);
    sink->data = grown;
    sink->size += bytes;
    sink->data[sink->size] = '\0';
    return bytes;
}

//  Runs the request set on curl; fills answer. Returns 0 on 2xx, else -1.
static int s_perform(CURL *curl, const char *url, long timeout_ms, s_sink_t *sink,
                     hms_httpclient_answer_t *answer)
{
    memset(answer, 0, sizeof *answer);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout_ms < S_CONNECT_MS ? timeout_ms : S_CONNECT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
    sink->head[sink->head_size] = '\0';
    if (rc != CURLE_OK) {
        snprintf(answer->error, sizeof answer->error, "%s",
                 sink->strict && sink->overflow ? "answer too long" : curl_easy_strerror(rc));
        answer->status = 0;
    } else if (answer->status < 200 || answer->status > 299) {
        //  The answer's first line says why (VictoriaMetrics, Alertmanager).
        sink->head[strcspn(sink->head, "\r\n")] = '\0';
        snprintf(answer->error, sizeof answer->error, "HTTP %ld: %s", answer->status, sink->head);
    }
    answer->body = sink->data;
    answer->size = sink->size;
    return rc == CURLE_OK && answer->status >= 200 && answer->status <= 299 ? 0 : -1;
}

int hms_httpclient_post(CURL *curl, const char *url, const char *type, const char *body,
                        size_t size, long timeout_ms, size_t cap, hms_httpclient_answer_t *answer)
{
    char header[128];
    snprintf(header, sizeof header, "Content-Type: %s", type);
    struct curl_slist *headers = curl_slist_append(NULL, header);
    curl_easy_reset(curl); //  keeps the connections
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
    s_sink_t sink = {.cap = cap};
    int rc = s_perform(curl, url, timeout_ms, &sink, answer);
    curl_slist_free_all(headers);
    return rc;
}

int hms_httpclient_get(CURL *curl, const char *url, long timeout_ms, size_t cap,
                       hms_httpclient_answer_t *answer)
{
    curl_easy_reset(curl);
    s_sink_t sink = {.cap = cap, .strict = true};
    return s_perform(curl, url, timeout_ms, &sink, answer);
}

void hms_httpclient_answer_free(hms_httpclient_answer_t *answer)
{
    free(answer->body);
    answer->body = NULL;
    answer->size = 0;
}
