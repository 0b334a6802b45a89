/*  hms_httpclient: the controller's outgoing HTTP requests (libcurl).  */

#include "hms_httpclient.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CONNECT_MS 1000L //  a peer that does not accept within this is down
#define S_HEAD       200   //  bytes of an answer kept for the error text

static size_t s_write(char *data, size_t size, size_t count, void *arg)
{
    hms_httpclient_t *sink = arg;
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

//  What every request sets on curl.
static void s_prepare(hms_httpclient_t *request, CURL *curl, const char *url, long timeout_ms)
{
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout_ms < S_CONNECT_MS ? timeout_ms : S_CONNECT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, request);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
}

int hms_httpclient_finish(hms_httpclient_t *request, CURL *curl, CURLcode code,
                          hms_httpclient_answer_t *answer)
{
    memset(answer, 0, sizeof *answer);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
    request->head[request->head_size] = '\0';
    if (code != CURLE_OK) {
        snprintf(answer->error, sizeof answer->error, "%s",
                 request->strict && request->overflow ? "answer too long"
                                                      : curl_easy_strerror(code));
        answer->status = 0;
    } else if (answer->status < 200 || answer->status > 299) {
        //  The answer's first line says why (VictoriaMetrics, Alertmanager).
        request->head[strcspn(request->head, "\r\n")] = '\0';
        snprintf(answer->error, sizeof answer->error, "HTTP %ld: %s", answer->status,
                 request->head);
    }
    answer->body = request->data;
    answer->size = request->size;
    curl_slist_free_all(request->headers);
    memset(request, 0, sizeof *request);
    return code == CURLE_OK && answer->status >= 200 && answer->status <= 299 ? 0 : -1;
}

int hms_httpclient_prepare_post(hms_httpclient_t *request, CURL *curl, const char *url,
                                const char *type, const char *body, size_t size, long timeout_ms,
                                size_t cap)
{
    char header[128];
    snprintf(header, sizeof header, "Content-Type: %s", type);
    *request = (hms_httpclient_t){.cap = cap, .headers = curl_slist_append(NULL, header)};
    curl_easy_reset(curl); //  keeps the connections
    s_prepare(request, curl, url, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request->headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
    return request->headers ? 0 : -1;
}

int hms_httpclient_post(CURL *curl, const char *url, const char *type, const char *body,
                        size_t size, long timeout_ms, size_t cap, hms_httpclient_answer_t *answer)
{
    hms_httpclient_t request;
    CURLcode code =
        hms_httpclient_prepare_post(&request, curl, url, type, body, size, timeout_ms, cap) == 0
            ? curl_easy_perform(curl)
            : CURLE_OUT_OF_MEMORY;
    return hms_httpclient_finish(&request, curl, code, answer);
}

int hms_httpclient_get(CURL *curl, const char *url, long timeout_ms, size_t cap,
                       hms_httpclient_answer_t *answer)
{
    hms_httpclient_t request = {.cap = cap, .strict = true};
    curl_easy_reset(curl);
    s_prepare(&request, curl, url, timeout_ms);
    return hms_httpclient_finish(&request, curl, curl_easy_perform(curl), answer);
}

void hms_httpclient_answer_free(hms_httpclient_answer_t *answer)
{
    free(answer->body);
    answer->body = NULL;
    answer->size = 0;
}
