/*  hms_api: the requests REST threads hand to the controller loop.

    One lock guards the queue and every request's answer. A request is
    referenced by its caller and by the mailbox (queued, or held by the
    loop); the last of the two to let go frees it.
*/

#include "hms_api.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct _hms_api_request_t {
    hms_api_args_t args;
    hms_api_request_t *next; //  in the queue
    int refs;                //  caller and mailbox
    bool answered;
    hms_result_t result;
    char *body;
    char message[HMS_API_MESSAGE_MAX];
    pthread_cond_t done; //  signalled once answered
};

struct _hms_api_t {
    pthread_mutex_t lock;
    hms_api_request_t *head, *tail; //  queued, oldest first
    bool closed;                    //  every call is answered UNAVAILABLE
    int fd;                         //  eventfd: readable while requests are queued
};

static void s_unref(hms_api_request_t *request)
{
    if (--request->refs > 0)
        return;
    pthread_cond_destroy(&request->done);
    free(request->body);
    free(request);
}

hms_api_t *hms_api_new(void)
{
    hms_api_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->fd < 0) {
        free(self);
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    return self;
}

void hms_api_destroy(hms_api_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_api_t *self = *self_p;
    hms_api_close(self);
    close(self->fd);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

int hms_api_fd(hms_api_t *self)
{
    return self->fd;
}

//  Under the lock: records the answer and wakes the caller.
static void s_answer(hms_api_request_t *request, hms_result_t result, char *body,
                     const char *message)
{
    request->answered = true;
    request->result = result;
    request->body = body;
    snprintf(request->message, sizeof request->message, "%s", message ? message : "");
    pthread_cond_signal(&request->done);
    s_unref(request);
}

//  Under the lock: takes request out of the queue if it is still there
//  (the loop has not taken it), with the mailbox's reference.
static void s_dequeue(hms_api_t *self, hms_api_request_t *request)
{
    hms_api_request_t *previous = NULL;
    for (hms_api_request_t *at = self->head; at; previous = at, at = at->next)
        if (at == request) {
            if (previous)
                previous->next = at->next;
            else
                self->head = at->next;
            if (self->tail == at)
                self->tail = previous;
            at->next = NULL;
            s_unref(at);
            return;
        }
}

hms_result_t hms_api_call(hms_api_t *self, const hms_api_args_t *args, int timeout_ms, char **body,
                          char *message, size_t size)
{
    *body = NULL;
    snprintf(message, size, "the controller did not answer");
    hms_api_request_t *request = calloc(1, sizeof *request);
    if (!request)
        return HMS_RESULT_UNAVAILABLE;
    request->args = *args;
    request->refs = 2;
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&request->done, &attributes);
    pthread_condattr_destroy(&attributes);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&self->lock);
    if (self->closed)
        s_answer(request, HMS_RESULT_UNAVAILABLE, NULL, "the controller is stopping");
    else {
        if (self->tail)
            self->tail->next = request;
        else
            self->head = request;
        self->tail = request;
        uint64_t one = 1;
        if (write(self->fd, &one, sizeof one) < 0 && errno != EAGAIN)
            s_answer(request, HMS_RESULT_UNAVAILABLE, NULL, NULL); //  cannot happen
    }
    int rc = 0;
    while (!request->answered && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&request->done, &self->lock, &deadline);
    hms_result_t result = HMS_RESULT_UNAVAILABLE;
    if (request->answered) {
        result = request->result;
        *body = request->body;
        request->body = NULL;
        if (*request->message || result != HMS_RESULT_UNAVAILABLE)
            snprintf(message, size, "%s", request->message);
    } else
        s_dequeue(self, request); //  not run later, once its caller was told so
    s_unref(request);
    pthread_mutex_unlock(&self->lock);
    return result;
}

hms_api_request_t *hms_api_next(hms_api_t *self)
{
    uint64_t count;
    if (read(self->fd, &count, sizeof count) < 0 && errno != EAGAIN)
        return NULL;
    pthread_mutex_lock(&self->lock);
    hms_api_request_t *request = self->head;
    if (request) {
        self->head = request->next;
        if (!self->head)
            self->tail = NULL;
        request->next = NULL;
    }
    pthread_mutex_unlock(&self->lock);
    return request;
}

const hms_api_args_t *hms_api_args(const hms_api_request_t *request)
{
    return &request->args;
}

void hms_api_answer(hms_api_t *self, hms_api_request_t **request_p, hms_result_t result, char *body,
                    const char *message)
{
    hms_api_request_t *request = *request_p;
    *request_p = NULL;
    if (!request) {
        free(body);
        return;
    }
    pthread_mutex_lock(&self->lock);
    s_answer(request, result, body, message);
    pthread_mutex_unlock(&self->lock);
}

void hms_api_fail(hms_api_t *self, hms_api_request_t **request_p, hms_result_t result,
                  const char *format, ...)
{
    char message[HMS_API_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    hms_api_answer(self, request_p, result, NULL, message);
}

hms_result_t hms_result_from_code(uint64_t code)
{
    switch (code) {
    case HMS_CODE_BAD_REQUEST: return HMS_RESULT_INVALID;
    case HMS_CODE_NOT_FOUND: return HMS_RESULT_NOT_FOUND;
    case HMS_CODE_CONFLICT: return HMS_RESULT_CONFLICT;
    case HMS_CODE_NOT_IMPLEMENTED: return HMS_RESULT_NOT_SERVED;
    case HMS_CODE_UNAVAILABLE: return HMS_RESULT_UNAVAILABLE;
    case HMS_CODE_TIMEOUT: return HMS_RESULT_TIMEOUT;
    case HMS_CODE_BAD_VERSION: return HMS_RESULT_BAD_VERSION;
    default: return HMS_RESULT_FAILED;
    }
}

void hms_api_close(hms_api_t *self)
{
    pthread_mutex_lock(&self->lock);
    self->closed = true;
    while (self->head) {
        hms_api_request_t *request = self->head;
        self->head = request->next;
        s_answer(request, HMS_RESULT_UNAVAILABLE, NULL, "the controller is stopping");
    }
    self->tail = NULL;
    pthread_mutex_unlock(&self->lock);
}

//  Settings: name, bounds, field.
static const struct {
    const char *key;
    int min, max;
    size_t offset;
} s_settings[] = {
    {"aggregation_ms", 0, HMS_API_AGGREGATION_MAX, offsetof(hms_api_settings_t, aggregation_ms)},
    {"miss_count", HMS_API_MISS_COUNT_MIN, HMS_API_MISS_COUNT_MAX,
     offsetof(hms_api_settings_t, miss_count)},
    {"request_timeout_ms", HMS_API_TIMEOUT_MIN, HMS_API_TIMEOUT_MAX,
     offsetof(hms_api_settings_t, request_timeout_ms)},
};
#define SETTINGS (sizeof s_settings / sizeof s_settings[0])

int hms_api_settings_parse(json_t *object, hms_api_settings_t *settings, char *problem, size_t size)
{
    memset(settings, 0, sizeof *settings);
    if (!json_is_object(object)) {
        snprintf(problem, size, "the settings must be a JSON object");
        return -1;
    }
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        size_t i = 0;
        while (i < SETTINGS && strcmp(s_settings[i].key, key) != 0)
            i++;
        if (i == SETTINGS) {
            snprintf(problem, size,
                     "unknown setting '%.64s' (aggregation_ms, miss_count, request_timeout_ms)",
                     key);
            return -1;
        }
        json_int_t number = json_integer_value(value);
        if (!json_is_integer(value) || number < s_settings[i].min || number > s_settings[i].max) {
            snprintf(problem, size, "%s must be an integer in %d..%d", key, s_settings[i].min,
                     s_settings[i].max);
            return -1;
        }
        *(int *)((char *)settings + s_settings[i].offset) = (int)number;
        settings->present |= 1u << i;
    }
    return 0;
}

void hms_api_settings_apply(hms_api_settings_t *settings, const hms_api_settings_t *changes)
{
    if (changes->present & (1u << HMS_API_SETTING_AGGREGATION))
        settings->aggregation_ms = changes->aggregation_ms;
    if (changes->present & (1u << HMS_API_SETTING_MISS_COUNT))
        settings->miss_count = changes->miss_count;
    if (changes->present & (1u << HMS_API_SETTING_TIMEOUT))
        settings->request_timeout_ms = changes->request_timeout_ms;
}

json_t *hms_api_settings_json(const hms_api_settings_t *settings)
{
    return json_pack("{s:i, s:i, s:i}", "aggregation_ms", settings->aggregation_ms, "miss_count",
                     settings->miss_count, "request_timeout_ms", settings->request_timeout_ms);
}
