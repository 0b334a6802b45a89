/*  hms_docker: asynchronous Docker Engine API client.

    curl runs in the loop through hms_curlloop: after curl acted on a
    socket or a timeout, s_deliver delivers what arrived. User callbacks
    run only there, never inside a curl callback, because curl refuses
    curl_multi_add_handle from its own callbacks and an event callback may
    well want to restart a container.
*/

#include "hms_docker.h"
#include "hms_curlloop.h"
#include "hms_log.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HMS_DOCKER_SOCKET      "/var/run/docker.sock"
#define HMS_DOCKER_URL         "http://localhost/v1.41"
#define HMS_DOCKER_MAX_BODY    (16 * 1024 * 1024) //  longest response body
#define HMS_DOCKER_MAX_EVENT   (1024 * 1024)      //  longest line of the events stream
#define HMS_DOCKER_CONNECT_MS  2000L
#define HMS_DOCKER_TOTAL_MS    120000L
#define HMS_DOCKER_STOP_S      10 //  Docker's own stop timeout when none is given
#define HMS_DOCKER_BACKOFF_MIN 100
#define HMS_DOCKER_BACKOFF_MAX 2000

//  Bytes received so far.
typedef struct {
    char *data;  //  Bytes, or NULL
    size_t size; //  Bytes used
    size_t max;  //  Bytes allocated
} s_buffer_t;

//  One transfer: a request, or the events stream.
typedef struct {
    hms_docker_t *docker;             //  Client it belongs to
    CURL *easy;                       //  Its curl handle
    void *handle;                     //  Its place in docker->requests; NULL for the stream
    char *id;                         //  Container named in a 404 message, or NULL
    hms_docker_fn *fn;                //  Callback of a request; NULL for the stream
    void *arg;                        //  Argument for fn
    bool stream;                      //  True for the events stream
    s_buffer_t body;                  //  Response body (for the stream, only an error body)
    bool too_big;                     //  Body passed HMS_DOCKER_MAX_BODY: transfer aborted
    char *post;                       //  JSON body of a POST, or NULL
    struct curl_slist *headers;       //  its Content-Type, or NULL
    void *owned;                      //  freed with the transfer (an exec's s_exec_t)
    char curl_error[CURL_ERROR_SIZE]; //  curl's message when the transfer fails
} s_transfer_t;

struct _hms_docker_t {
    zloop_t *loop;             //  Loop that drives curl; not owned
    char *socket_path;         //  Engine's unix socket
    hms_curlloop_t *curl_loop; //  curl in the loop
    CURLM *multi;              //  its multi handle: holds every transfer
    zlistx_t *requests;        //  s_transfer_t of the requests in flight

    //  Events stream
    s_transfer_t *stream;          //  Current GET /events, or NULL
    char *filters;                 //  URL-escaped filters value; NULL when not following
    hms_docker_event_fn *event_fn; //  Called per event
    hms_docker_state_fn *state_fn; //  Called per connect and disconnect; may be NULL
    void *events_arg;              //  Argument for both
    int reconnect_id;              //  zloop timer before the next attempt, or -1
    int backoff_ms;                //  Delay before the next attempt
    int state;                     //  Last reported: -1 nothing yet, 0 down, 1 up
    s_buffer_t line;               //  Start of an event line whose '\n' has not come
    bool skipping;                 //  Dropping the rest of an overlong line
    zlistx_t *events;              //  Parsed events (json_t) waiting for s_deliver
    uint64_t since_nano;           //  Resume point: last event's timeNano; 0 before connecting
    char *last_key;                //  "id action" of the last event, to spot its replay
    unsigned generation;           //  Bumped by events_stop so a delivery loop notices
};

static void s_json_destroy(void **item)
{
    json_decref(*item);
    *item = NULL;
}

static int s_buffer_append(s_buffer_t *buffer, const char *data, size_t size)
{
    if (size == 0)
        return 0; //  memcpy with a NULL buffer is undefined even for 0 bytes
    if (buffer->size + size > buffer->max) {
        size_t max = buffer->max ? buffer->max : 4096;
        while (max < buffer->size + size)
            max *= 2;
        char *bigger = realloc(buffer->data, max);
        if (!bigger)
            return -1;
        buffer->data = bigger;
        buffer->max = max;
    }
    memcpy(buffer->data + buffer->size, data, size);
    buffer->size += size;
    return 0;
}

static uint64_t s_now_nano(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

//  Ids and names go into the URL path: only characters Docker allows in
//  them, and no "." or ".." that curl would resolve as a path segment.
static bool s_valid_id(const char *id)
{
    if (!id)
        return false;
    size_t length = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
    return length >= 1 && length <= 128 && id[length] == '\0' && strcmp(id, ".") != 0 &&
           strcmp(id, "..") != 0;
}

//  Returns text percent-encoded for a query string (caller frees), or NULL.
static char *s_escape(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    char *escaped = text ? malloc(3 * strlen(text) + 1) : NULL;
    if (!escaped)
        return NULL;
    char *out = escaped;
    for (const unsigned char *in = (const unsigned char *)text; *in; in++) {
        if ((*in >= 'A' && *in <= 'Z') || (*in >= 'a' && *in <= 'z') ||
            (*in >= '0' && *in <= '9') || (*in && strchr("-._~", *in)))
            *out++ = (char)*in;
        else {
            *out++ = '%';
            *out++ = hex[*in >> 4];
            *out++ = hex[*in & 15];
        }
    }
    *out = '\0';
    return escaped;
}

//  Returns filters as compact JSON, URL-escaped (caller frees), or NULL.
//  Takes over filters.
static char *s_filters(json_t *filters)
{
    char *text = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
    json_decref(filters);
    char *escaped = s_escape(text);
    free(text);
    return escaped;
}

//  Events stream: splits the bytes into lines and parses each. The events
//  wait in docker->events for s_deliver (see top of file). Returns 0, or -1
//  when out of memory (curl then ends the stream and we reconnect).
static int s_stream_write(hms_docker_t *self, const char *data, size_t size)
{
    while (size > 0) {
        const char *newline = memchr(data, '\n', size);
        size_t part = newline ? (size_t)(newline - data) : size;
        if (!self->skipping && self->line.size + part > HMS_DOCKER_MAX_EVENT) {
            //  Keeping it would let one absurd event eat memory
            hms_warning("Docker event longer than %d bytes dropped", HMS_DOCKER_MAX_EVENT);
            self->skipping = true;
            self->line.size = 0;
        }
        if (!self->skipping && s_buffer_append(&self->line, data, part))
            return -1;
        if (!newline)
            break;
        if (!self->skipping && self->line.size > 0) {
            json_t *json = json_loadb(self->line.data, self->line.size, 0, NULL);
            if (json)
                zlistx_add_end(self->events, json);
            else
                hms_warning("Docker event that is not JSON dropped");
        }
        self->skipping = false;
        self->line.size = 0;
        data += part + 1;
        size -= part + 1;
    }
    return 0;
}

//  curl's write callback for every transfer.
static size_t s_on_write(char *data, size_t size, size_t count, void *arg)
{
    s_transfer_t *self = arg;
    size_t bytes = size * count;
    if (self->stream) {
        long status = 0;
        curl_easy_getinfo(self->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200)
            return s_stream_write(self->docker, data, bytes) ? 0 : bytes;
    }
    if (bytes > HMS_DOCKER_MAX_BODY - self->body.size) {
        self->too_big = true;
        return 0; //  curl ends the transfer with CURLE_WRITE_ERROR
    }
    return s_buffer_append(&self->body, data, bytes) ? 0 : bytes;
}

static void s_transfer_destroy(s_transfer_t **self_p)
{
    s_transfer_t *self = *self_p;
    if (self) {
        if (self->easy) {
            curl_multi_remove_handle(self->docker->multi, self->easy); //  no-op when not added
            curl_easy_cleanup(self->easy);
        }
        free(self->body.data);
        free(self->id);
        free(self->post);
        curl_slist_free_all(self->headers);
        free(self->owned);
        free(self);
        *self_p = NULL;
    }
}

//  Prepares a transfer of path (after /v1.41). Returns it, or NULL.
static s_transfer_t *s_transfer_new(hms_docker_t *docker, const char *path, const char *id)
{
    s_transfer_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->docker = docker;
    self->easy = curl_easy_init();
    self->id = id ? strdup(id) : NULL;
    char *url = zsys_sprintf(HMS_DOCKER_URL "%s", path);
    CURL *easy = self->easy;
    if (!easy || (id && !self->id) || !url ||
        curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, docker->socket_path) != CURLE_OK) {
        zstr_free(&url);
        s_transfer_destroy(&self);
        return NULL;
    }
    zstr_free(&url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, self);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, s_on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, self);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, self->curl_error);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, HMS_DOCKER_CONNECT_MS);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    return self;
}

//  Fills result from a finished transfer; error is the buffer for its message.
static void s_result(s_transfer_t *self, CURLcode code, hms_docker_result_t *result, char *error,
                     size_t error_size)
{
    long status = 0, os_errno = 0;
    curl_easy_getinfo(self->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(self->easy, CURLINFO_OS_ERRNO, &os_errno);
    //  curl's own text speaks of "localhost port 80"; the system's error
    //  says what is wrong with the socket (missing, refused, permission)
    char reason[CURL_ERROR_SIZE + 64];
    if (os_errno)
        snprintf(reason, sizeof reason, "%s (%s)", strerror((int)os_errno),
                 curl_easy_strerror(code));
    else
        snprintf(reason, sizeof reason, "%s",
                 self->curl_error[0] ? self->curl_error : curl_easy_strerror(code));
    *result = (hms_docker_result_t){0, error, NULL};
    if (self->too_big)
        snprintf(error, error_size, "Docker engine response larger than %d MiB",
                 HMS_DOCKER_MAX_BODY >> 20);
    else if (code == CURLE_COULDNT_CONNECT)
        snprintf(error, error_size, "Docker engine unreachable at %s: %s",
                 self->docker->socket_path, reason);
    else if (code != CURLE_OK)
        snprintf(error, error_size, "Docker engine request failed at %s: %s",
                 self->docker->socket_path, reason);
    else {
        result->status = status;
        if (self->body.size > 0)
            result->json = json_loadb(self->body.data, self->body.size, 0, NULL);
        const char *message = json_string_value(json_object_get(result->json, "message"));
        if ((status >= 200 && status < 300) || status == 304)
            result->error = NULL;
        else if (status == 404 && self->id)
            snprintf(error, error_size, "no such container: %s", self->id);
        else if (status == 409)
            snprintf(error, error_size, "conflict: %s", message ? message : "(no message)");
        else if (message)
            snprintf(error, error_size, "%s (HTTP %ld)", message, status);
        else
            snprintf(error, error_size, "Docker engine answered HTTP %ld", status);
    }
}

static void s_request_done(hms_docker_t *self, s_transfer_t *request, CURLcode code)
{
    char error[512];
    hms_docker_result_t result;
    s_result(request, code, &result, error, sizeof error);
    //  Out of the list before the callback, so that it sees the right
    //  pending count
    zlistx_delete(self->requests, request->handle);
    curl_multi_remove_handle(self->multi, request->easy);
    request->fn(self, &result, request->arg);
    json_decref(result.json);
    s_transfer_destroy(&request);
}

//  Reports a change of the stream's state (only a change: an engine that
//  stays away is reported once).
static void s_report(hms_docker_t *self, bool connected, const char *error)
{
    if (self->state == (int)connected)
        return;
    self->state = connected;
    hms_debug("Docker events stream %s%s%s", connected ? "connected" : "lost", error ? ": " : "",
              error ? error : "");
    if (self->state_fn)
        self->state_fn(self, connected, error, self->events_arg);
}

//  Starts GET /events, resuming at since_nano once a stream has been up.
//  Returns 0, or -1 when out of memory.
static int s_stream_connect(hms_docker_t *self)
{
    char *path = self->since_nano ? zsys_sprintf("/events?filters=%s&since=%" PRIu64 ".%09" PRIu64,
                                                 self->filters, self->since_nano / 1000000000u,
                                                 self->since_nano % 1000000000u)
                                  : zsys_sprintf("/events?filters=%s", self->filters);
    s_transfer_t *stream = path ? s_transfer_new(self, path, NULL) : NULL;
    zstr_free(&path);
    if (!stream)
        return -1;
    //  No low-speed or total timeout: an idle stream sends nothing for hours
    stream->stream = true;
    if (curl_multi_add_handle(self->multi, stream->easy) != CURLM_OK) {
        s_transfer_destroy(&stream);
        return -1;
    }
    self->stream = stream;
    return 0;
}

static void s_stream_retry(hms_docker_t *self);

//  Reconnect timer: tries the events stream again.
static int s_on_reconnect(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    hms_docker_t *self = arg;
    if (timer_id != self->reconnect_id)
        return 0; //  cancelled earlier in this pass of the loop
    self->reconnect_id = -1;
    if (s_stream_connect(self))
        s_stream_retry(self);
    return 0;
}

static void s_stream_retry(hms_docker_t *self)
{
    self->reconnect_id = zloop_timer(self->loop, self->backoff_ms, 1, s_on_reconnect, self);
    if (self->reconnect_id == -1)
        hms_error("Docker events: no zloop timer left to reconnect");
    self->backoff_ms *= 2;
    if (self->backoff_ms > HMS_DOCKER_BACKOFF_MAX)
        self->backoff_ms = HMS_DOCKER_BACKOFF_MAX;
}

static void s_stream_done(hms_docker_t *self, CURLcode code)
{
    char error[512];
    hms_docker_result_t result;
    s_result(self->stream, code, &result, error, sizeof error);
    json_decref(result.json);
    s_transfer_destroy(&self->stream);
    self->line.size = 0;
    self->skipping = false;
    s_stream_retry(self);
    s_report(self, false, result.error ? result.error : "Docker events stream ended");
}

//  Hands one event to the caller, unless it is the replay of the last one:
//  since= is inclusive, so a reconnect sends the last event seen again.
static void s_event_deliver(hms_docker_t *self, json_t *json)
{
    const char *action = json_string_value(json_object_get(json, "Action"));
    json_t *actor = json_object_get(json, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    json_t *attributes = json_object_get(actor, "Attributes");
    const char *name = json_string_value(json_object_get(attributes, "name"));
    json_t *time_nano = json_object_get(json, "timeNano");
    if (!action || !id || !json_is_integer(time_nano) || json_integer_value(time_nano) <= 0) {
        hms_warning("Docker event without Action, Actor.ID or timeNano dropped");
        return;
    }
    hms_docker_event_t event = {action, id, name ? name : "",
                                json_is_object(attributes) ? attributes : NULL,
                                (uint64_t)json_integer_value(time_nano)};
    char *key = zsys_sprintf("%s %s", id, action);
    if (key && self->last_key && event.time_nano == self->since_nano &&
        streq(key, self->last_key)) {
        zstr_free(&key);
        return;
    }
    self->since_nano = event.time_nano;
    zstr_free(&self->last_key);
    self->last_key = key;
    self->event_fn(self, &event, self->events_arg);
}

//  Tells the caller what the events stream brought since the last call:
//  that it is up, then the events, in order. Stops as soon as a callback
//  stops or replaces the stream.
static void s_stream_deliver(hms_docker_t *self)
{
    unsigned generation = self->generation;
    if (self->stream && self->state != 1) {
        long status = 0;
        curl_easy_getinfo(self->stream->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200) {
            self->backoff_ms = HMS_DOCKER_BACKOFF_MIN;
            if (!self->since_nano)
                self->since_nano = s_now_nano();
            s_report(self, true, NULL);
            if (generation != self->generation)
                return;
        }
    }
    json_t *json;
    while ((json = zlistx_detach(self->events, NULL))) {
        s_event_deliver(self, json);
        json_decref(json);
        if (generation != self->generation)
            return;
    }
}

//  Runs after curl did some work: stream news first, then every finished
//  transfer. All user callbacks come from here.
static void s_deliver(void *arg)
{
    hms_docker_t *self = arg;
    s_stream_deliver(self);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURLcode code = msg->data.result; //  msg dies with the handle: copy first
        char *private = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &private);
        s_transfer_t *transfer = (s_transfer_t *)private;
        if (transfer == self->stream)
            s_stream_done(self, code);
        else
            s_request_done(self, transfer, code);
    }
}

hms_docker_t *hms_docker_new(zloop_t *loop, const char *socket_path)
{
    assert(loop);
    //  Plain HTTP over a unix socket: no TLS backend to initialise.
    if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
        return NULL;
    hms_docker_t *self = calloc(1, sizeof *self);
    if (!self) {
        curl_global_cleanup();
        return NULL;
    }
    self->loop = loop;
    self->reconnect_id = -1;
    self->state = -1;
    self->socket_path = strdup(socket_path ? socket_path : HMS_DOCKER_SOCKET);
    self->curl_loop = hms_curlloop_new(loop, s_deliver, self);
    self->multi = self->curl_loop ? hms_curlloop_multi(self->curl_loop) : NULL;
    self->requests = zlistx_new();
    self->events = zlistx_new();
    if (!self->socket_path || !self->multi || !self->requests || !self->events) {
        hms_docker_destroy(&self);
        return NULL;
    }
    zlistx_set_destructor(self->events, s_json_destroy);
    return self;
}

void hms_docker_destroy(hms_docker_t **self_p)
{
    assert(self_p);
    hms_docker_t *self = *self_p;
    if (!self)
        return;
    if (self->events)
        hms_docker_events_stop(self);
    s_transfer_t *request;
    while (self->requests && (request = zlistx_detach(self->requests, NULL)))
        s_transfer_destroy(&request);
    //  Removing the transfers made curl end their pollers (CURL_POLL_REMOVE)
    hms_curlloop_destroy(&self->curl_loop);
    zlistx_destroy(&self->requests);
    zlistx_destroy(&self->events);
    free(self->line.data);
    free(self->socket_path);
    free(self);
    *self_p = NULL;
    curl_global_cleanup();
}

//  Queues a request for path (taken over; NULL when the caller ran out of
//  memory). id names the container in a 404 message. Docker answers a stop
//  or restart only after waiting up to stop_s seconds for the container,
//  so that much is added to the total timeout.
static int s_submit(hms_docker_t *self, char *path, const char *id, bool post, int stop_s,
                    hms_docker_fn *fn, void *arg)
{
    assert(self);
    assert(fn);
    s_transfer_t *request = path ? s_transfer_new(self, path, id) : NULL;
    zstr_free(&path);
    if (!request)
        return -1;
    request->fn = fn;
    request->arg = arg;
    if (post) {
        curl_easy_setopt(request->easy, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(request->easy, CURLOPT_POSTFIELDSIZE, 0L);
        //  A start or restart goes over a new connection, never a kept-alive
        //  one. An engine that shuts down closes its listening socket first
        //  and then stops its containers, still serving the connections
        //  already open; a start sent over one of those races the shutdown
        //  and can leave the container unstartable (task already exists).
        //  Over a new connection it fails at once as "unreachable", and the
        //  heal is retried against the next engine.
        curl_easy_setopt(request->easy, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(request->easy, CURLOPT_FORBID_REUSE, 1L);
    }
    curl_easy_setopt(request->easy, CURLOPT_TIMEOUT_MS, HMS_DOCKER_TOTAL_MS + 1000L * stop_s);
    request->handle = zlistx_add_end(self->requests, request);
    if (curl_multi_add_handle(self->multi, request->easy) != CURLM_OK) {
        zlistx_delete(self->requests, request->handle);
        s_transfer_destroy(&request);
        return -1;
    }
    return 0;
}

int hms_docker_list(hms_docker_t *self, bool all, const char *label, hms_docker_fn *fn, void *arg)
{
    char *filters = NULL;
    if (label) {
        filters = *label ? s_filters(json_pack("{s:[s]}", "label", label)) : NULL;
        if (!filters)
            return -1;
    }
    char *path = zsys_sprintf("/containers/json?all=%s%s%s", all ? "true" : "false",
                              filters ? "&filters=" : "", filters ? filters : "");
    free(filters);
    return s_submit(self, path, NULL, false, 0, fn, arg);
}

int hms_docker_inspect(hms_docker_t *self, const char *id, hms_docker_fn *fn, void *arg)
{
    if (!s_valid_id(id))
        return -1;
    return s_submit(self, zsys_sprintf("/containers/%s/json", id), id, false, 0, fn, arg);
}

//  Queues a POST of path (taken over) with a JSON body (taken over).
//  Returns the transfer's record (for a follow-up) or NULL.
static s_transfer_t *s_submit_json(hms_docker_t *self, char *path, const char *id, json_t *body,
                                   hms_docker_fn *fn, void *arg)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    s_transfer_t *request = path && text ? s_transfer_new(self, path, id) : NULL;
    zstr_free(&path);
    if (!request) {
        free(text);
        return NULL;
    }
    request->fn = fn;
    request->arg = arg;
    request->post = text;
    request->headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(request->easy, CURLOPT_POSTFIELDS, request->post);
    curl_easy_setopt(request->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(request->post));
    curl_easy_setopt(request->easy, CURLOPT_HTTPHEADER, request->headers);
    curl_easy_setopt(request->easy, CURLOPT_TIMEOUT_MS, (long)HMS_DOCKER_TOTAL_MS);
    request->handle = zlistx_add_end(self->requests, request);
    if (!request->headers || curl_multi_add_handle(self->multi, request->easy) != CURLM_OK) {
        zlistx_delete(self->requests, request->handle);
        s_transfer_destroy(&request);
        return NULL;
    }
    return request;
}

//  An exec on its way: the caller's callback, for the start.
typedef struct {
    hms_docker_fn *fn;
    void *arg;
} s_exec_t;

//  An exec created: its start, detached, answers the caller.
static void s_on_exec_created(hms_docker_t *self, const hms_docker_result_t *result, void *arg)
{
    s_exec_t exec = *(s_exec_t *)arg; //  freed with its transfer
    const char *exec_id = json_string_value(json_object_get(result->json, "Id"));
    if (result->error || !exec_id || !s_valid_id(exec_id)) {
        hms_docker_result_t failed = *result;
        if (!failed.error)
            failed.error = "the engine gave no exec id";
        exec.fn(self, &failed, exec.arg);
        return;
    }
    if (!s_submit_json(self, zsys_sprintf("/exec/%s/start", exec_id), exec_id,
                       json_pack("{s:b}", "Detach", 1), exec.fn, exec.arg)) {
        hms_docker_result_t failed = {.error = "cannot start the exec"};
        exec.fn(self, &failed, exec.arg);
    }
}

int hms_docker_exec(hms_docker_t *self, const char *id, const char *const *argv, bool privileged,
                    hms_docker_fn *fn, void *arg)
{
    json_t *cmd = json_array();
    for (size_t i = 0; cmd && argv[i]; i++)
        if (json_array_append_new(cmd, json_string(argv[i])) != 0) {
            json_decref(cmd);
            cmd = NULL;
        }
    s_exec_t *exec = malloc(sizeof *exec);
    if (!s_valid_id(id) || !cmd || !exec) {
        json_decref(cmd);
        free(exec);
        return -1;
    }
    *exec = (s_exec_t){fn, arg};
    json_t *body = json_pack("{s:o, s:b, s:b, s:b}", "Cmd", cmd, "Privileged", privileged,
                             "AttachStdout", 0, "AttachStderr", 0);
    s_transfer_t *request = s_submit_json(self, zsys_sprintf("/containers/%s/exec", id), id, body,
                                          s_on_exec_created, exec);
    if (!request) {
        free(exec);
        return -1;
    }
    request->owned = exec;
    return 0;
}

int hms_docker_exec_inspect(hms_docker_t *self, const char *exec_id, hms_docker_fn *fn, void *arg)
{
    if (!s_valid_id(exec_id))
        return -1;
    return s_submit(self, zsys_sprintf("/exec/%s/json", exec_id), exec_id, false, 0, fn, arg);
}

int hms_docker_start(hms_docker_t *self, const char *id, hms_docker_fn *fn, void *arg)
{
    if (!s_valid_id(id))
        return -1;
    return s_submit(self, zsys_sprintf("/containers/%s/start", id), id, true, 0, fn, arg);
}

//  POST /containers/{id}/{verb}[?t=timeout_s], for stop and restart.
static int s_stop(hms_docker_t *self, const char *id, const char *verb, int timeout_s,
                  hms_docker_fn *fn, void *arg)
{
    if (!s_valid_id(id))
        return -1;
    char *path = timeout_s >= 0 ? zsys_sprintf("/containers/%s/%s?t=%d", id, verb, timeout_s)
                                : zsys_sprintf("/containers/%s/%s", id, verb);
    return s_submit(self, path, id, true, timeout_s >= 0 ? timeout_s : HMS_DOCKER_STOP_S, fn, arg);
}

int hms_docker_restart(hms_docker_t *self, const char *id, int timeout_s, hms_docker_fn *fn,
                       void *arg)
{
    return s_stop(self, id, "restart", timeout_s, fn, arg);
}

int hms_docker_stop(hms_docker_t *self, const char *id, int timeout_s, hms_docker_fn *fn, void *arg)
{
    return s_stop(self, id, "stop", timeout_s, fn, arg);
}

int hms_docker_pause(hms_docker_t *self, const char *id, hms_docker_fn *fn, void *arg)
{
    if (!s_valid_id(id))
        return -1;
    return s_submit(self, zsys_sprintf("/containers/%s/pause", id), id, true, 0, fn, arg);
}

int hms_docker_kill(hms_docker_t *self, const char *id, const char *signal, hms_docker_fn *fn,
                    void *arg)
{
    if (!signal)
        signal = "SIGKILL";
    size_t length =
        strspn(signal, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    if (!s_valid_id(id) || length < 1 || length > 32 || signal[length] != '\0')
        return -1;
    return s_submit(self, zsys_sprintf("/containers/%s/kill?signal=%s", id, signal), id, true, 0,
                    fn, arg);
}

size_t hms_docker_pending(hms_docker_t *self)
{
    assert(self);
    return zlistx_size(self->requests);
}

int hms_docker_events(hms_docker_t *self, const char *const *actions, hms_docker_event_fn *event_fn,
                      hms_docker_state_fn *state_fn, void *arg)
{
    static const char *const s_default_actions[] = {"die",    "stop",    "kill",          "oom",
                                                    "start",  "destroy", "health_status", "restart",
                                                    "create", "update",  "exec_start",    NULL};
    assert(self);
    assert(event_fn);
    hms_docker_events_stop(self);
    json_t *list = json_array();
    for (const char *const *action = actions ? actions : s_default_actions; list && *action;
         action++)
        if (json_array_append_new(list, json_string(*action))) {
            json_decref(list);
            return -1;
        }
    //  Filter values must be arrays, else Docker answers 500
    self->filters =
        list ? s_filters(json_pack("{s:[s],s:o}", "type", "container", "event", list)) : NULL;
    if (!self->filters)
        return -1;
    self->event_fn = event_fn;
    self->state_fn = state_fn;
    self->events_arg = arg;
    self->backoff_ms = HMS_DOCKER_BACKOFF_MIN;
    if (s_stream_connect(self)) {
        hms_docker_events_stop(self);
        return -1;
    }
    return 0;
}

void hms_docker_events_stop(hms_docker_t *self)
{
    assert(self);
    s_transfer_destroy(&self->stream);
    if (self->reconnect_id != -1) {
        zloop_timer_end(self->loop, self->reconnect_id);
        self->reconnect_id = -1;
    }
    zstr_free(&self->filters);
    zstr_free(&self->last_key);
    zlistx_purge(self->events);
    self->line.size = 0;
    self->skipping = false;
    self->since_nano = 0;
    self->state = -1;
    self->event_fn = NULL;
    self->state_fn = NULL;
    self->events_arg = NULL;
    self->generation++;
}

bool hms_docker_has_label(json_t *labels, const char *selector)
{
    const char *equals = strchr(selector, '=');
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(equals ? equals - selector : (long)strlen(selector)),
             selector);
    json_t *value = json_object_get(labels, key);
    if (!value)
        return false;
    return !equals || (json_is_string(value) && strcmp(json_string_value(value), equals + 1) == 0);
}

const char *hms_docker_ip(json_t *networks, bool ipv4)
{
    const char *best_name = NULL, *best_ip = NULL;
    const char *name;
    json_t *network;
    json_object_foreach(networks, name, network)
    {
        const char *ip = json_string_value(json_object_get(network, "IPAddress"));
        if (ip && *ip && (!ipv4 || strchr(ip, '.')) &&
            (!best_name || strcmp(name, best_name) < 0)) {
            best_name = name;
            best_ip = ip;
        }
    }
    return best_ip;
}
