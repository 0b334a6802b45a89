/*  hms_rest_io: what REST handlers read from a request and how they answer. */

#include "hms_rest_io.h"

#include <czmq.h>
#include <inttypes.h>

#include <errno.h>
#include "hms_address.h"
#include "hms_http.h"
#include "hms_msg.h"
#include "hms_transport.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hms_rest_send(struct _u_response *response, int status, const char *body, size_t size)
{
    ulfius_set_binary_body_response(response, (unsigned)status, body, size);
    u_map_put(response->map_header, "Content-Type", "application/json");
    return U_CALLBACK_COMPLETE;
}

int hms_rest_unresolved(struct _u_response *response, bool host, int code, const char *address,
                        const char *ref)
{
    if (!host)
        return hms_rest_error(response, 404, "no manager '%s' is followed", address);
    return hms_rest_error(response, code,
                          code == HMS_CODE_CONFLICT ? "'%s' matches several containers"
                                                    : "no container '%s' on %s",
                          ref, address);
}

int hms_rest_error(struct _u_response *response, int status, const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    hms_utf8_repair(message, strlen(message)); //  a cut may split a character
    json_t *body = json_pack("{s:{s:i, s:s}}", "error", "code", status, "message", message);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text)
        hms_rest_send(response, status, text, strlen(text));
    else
        ulfius_set_empty_body_response(response, (unsigned)status);
    free(text);
    return U_CALLBACK_COMPLETE;
}

//  Segment n of the request's path (0 is "containers"), percent-decoded,
//  into out. Route parameters are read from the path itself: ulfius mixes
//  them with the query's, so ?address=x would otherwise reach them.
static bool s_segment(const struct _u_request *request, int n, char *out, size_t size)
{
    const char *path = request->url_path;
    for (int i = 0; path && i <= n; i++) {
        while (*path == '/')
            path++;
        const char *end = path + strcspn(path, "/?");
        if (i == n && end > path) {
            char raw[1024];
            if ((size_t)(end - path) >= sizeof raw)
                return false;
            snprintf(raw, sizeof raw, "%.*s", (int)(end - path), path);
            char *decoded = ulfius_url_decode(raw);
            bool fits = decoded && strlen(decoded) < size;
            if (fits)
                snprintf(out, size, "%s", decoded);
            u_free(decoded);
            return fits;
        }
        path = *end == '/' ? end : NULL;
    }
    return false;
}

//  The address in the path into out; false after answering 400.
bool hms_rest_address(const struct _u_request *request, struct _u_response *response,
                      char out[HMS_ADDRESS_MAX + 1])
{
    char pub[300], router[300];
    if (!s_segment(request, 1, out, HMS_ADDRESS_MAX + 1) ||
        hms_address_endpoints(out, HMS_MANAGER_PORT, pub, router, sizeof pub) != 0) {
        hms_rest_error(response, 400,
                       "not a manager address (host or host:port, at most %d characters)",
                       HMS_ADDRESS_MAX);
        return false;
    }
    return true;
}

//  The container in the path into out; false after answering 400.
bool hms_rest_container(const struct _u_request *request, struct _u_response *response,
                        char out[HMS_REF_MAX + 1])
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789_.-";
    if (!s_segment(request, 2, out, HMS_REF_MAX + 1) || !*out ||
        out[strspn(out, allowed)] != '\0') {
        hms_rest_error(response, 400, "a container is named by its id, an id prefix or its name");
        return false;
    }
    return true;
}

//  Parses the request body as a JSON object (no body: *object = NULL).
//  Returns 0, or -1 after answering 400. The guard checked the type.
int hms_rest_body(const struct _u_request *request, struct _u_response *response, json_t **object)
{
    *object = NULL;
    if (request->binary_body_length == 0)
        return 0;
    json_error_t error;
    *object = json_loadb(request->binary_body, request->binary_body_length, JSON_REJECT_DUPLICATES,
                         &error);
    if (!json_is_object(*object)) {
        hms_rest_error(response, 400, "the body is not a JSON object: %s",
                       *object ? "another JSON type" : error.text);
        json_decref(*object);
        *object = NULL;
        return -1;
    }
    return 0;
}

//  Checks that object has no key but those listed (NULL-terminated).
//  Returns 0, or -1 after answering 400.
int hms_rest_only_keys(json_t *object, struct _u_response *response, const char *const *keys)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], key) != 0)
            i++;
        if (!keys[i])
            return hms_rest_error(response, 400, "unknown key '%.100s'", key), -1;
    }
    return 0;
}

//  The threshold of a request: {"threshold": N} in the body, or the seed's
//  ?threshold=N. Returns 0, or -1 after answering 400.
int hms_rest_threshold(const struct _u_request *request, struct _u_response *response,
                       double *value)
{
    json_t *body;
    if (hms_rest_body(request, response, &body))
        return -1;
    *value = NAN;
    static const char *const keys[] = {"threshold", NULL};
    if (body && hms_rest_only_keys(body, response, keys) != 0) {
        json_decref(body);
        return -1;
    }
    if (body) {
        json_t *field = json_object_get(body, "threshold");
        bool number = json_is_number(field);
        if (number)
            *value = json_number_value(field);
        json_decref(body);
        if (!field)
            return hms_rest_error(response, 400, "threshold is missing"), -1;
        if (!number)
            return hms_rest_error(response, 400, "threshold must be a number in [0, 100]"), -1;
    } else {
        const char *query = u_map_get(request->map_url, "threshold");
        if (!query)
            return hms_rest_error(response, 400,
                                  "threshold is missing ({\"threshold\": N} or ?threshold=N)"),
                   -1;
        char *end;
        *value = strtod(query, &end);
        if (end == query || *end != '\0')
            return hms_rest_error(response, 400, "threshold must be a number in [0, 100]"), -1;
    }
    double min, max;
    hms_msg_bounds(HMS_MSG_CONTAINER_THRESHOLD, "threshold", &min, &max);
    if (!(*value >= min && *value <= max))
        return hms_rest_error(response, 400, "threshold must be a number in [%g, %g]", min, max),
               -1;
    return 0;
}

//  A key of a JSON body into out ("" when absent). Returns 0, or -1 after
//  answering 400.
int hms_rest_key(json_t *body, const char *name, struct _u_response *response,
                 char out[HMS_KEY_LENGTH + 1])
{
    json_t *field = json_object_get(body, name);
    out[0] = '\0';
    if (!field)
        return 0;
    if (!hms_key_valid(json_string_value(field)))
        return hms_rest_error(response, 400,
                              "%s must be a public key: 40 Z85 characters (hmsctl keygen)", name),
               -1;
    snprintf(out, HMS_KEY_LENGTH + 1, "%s", json_string_value(field));
    return 0;
}

//  How long a REST thread waits for the loop: the loop answers by then,
//  since a manager's answer is at most the longest request timeout.
#define S_CALL_TIMEOUT_MS (HMS_API_TIMEOUT_MAX + 1000)

//  The HTTP status of a result of the loop.
static int s_status(hms_result_t result)
{
    static const int statuses[HMS_RESULT_COUNT] = {
        [HMS_RESULT_OK] = 200,      [HMS_RESULT_CREATED] = 201,     [HMS_RESULT_DELETED] = 204,
        [HMS_RESULT_INVALID] = 400, [HMS_RESULT_NOT_FOUND] = 404,   [HMS_RESULT_CONFLICT] = 409,
        [HMS_RESULT_FAILED] = 500,  [HMS_RESULT_NOT_SERVED] = 501,  [HMS_RESULT_UNAVAILABLE] = 503,
        [HMS_RESULT_TIMEOUT] = 504, [HMS_RESULT_BAD_VERSION] = 505, [HMS_RESULT_FULL] = 507};
    return (unsigned)result < HMS_RESULT_COUNT ? statuses[result] : 500;
}

int hms_rest_call(hms_api_t *api, struct _u_response *response, const hms_api_args_t *args)
{
    char *body = NULL, message[HMS_API_MESSAGE_MAX];
    hms_result_t result =
        hms_api_call(api, args, S_CALL_TIMEOUT_MS, &body, message, sizeof message);
    int status = s_status(result);
    if (!body && status >= 400)
        return hms_rest_error(response, status, "%s", message);
    if (body && status >= 400) {
        json_t *document = json_loads(body, 0, NULL);
        json_object_set_new(document, "error",
                            json_pack("{s:i, s:s}", "code", status, "message", message));
        char *text = document ? json_dumps(document, JSON_COMPACT) : NULL;
        json_decref(document);
        free(body);
        body = text;
    }
    if (!body)
        ulfius_set_empty_body_response(response, (unsigned)status);
    else
        hms_rest_send(response, status, body, strlen(body));
    free(body);
    return U_CALLBACK_COMPLETE;
}

int hms_rest_ms(const struct _u_request *request, struct _u_response *response, const char *name,
                uint64_t *value)
{
    const char *text = u_map_get(request->map_url, name);
    if (!text)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long number = strtoull(text, &end, 10);
    if (errno || !*text || *end || *text == '-') {
        hms_rest_error(response, 400,
                       "%s: a time in milliseconds (an unsigned integer), not '%.40s'", name, text);
        return -1;
    }
    *value = number;
    return 0;
}

int hms_rest_no_history(struct _u_response *response)
{
    return hms_rest_error(response, 501,
                          "this controller keeps no history (--history none, or no state file "
                          "to name it after)");
}

int hms_rest_json(struct _u_response *response, int status, json_t *json)
{
    char *text = json ? json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(json);
    if (!text)
        return hms_rest_error(response, 500, "out of memory");
    hms_rest_send(response, status, text, strlen(text));
    free(text);
    return U_CALLBACK_COMPLETE;
}

int hms_rest_range(const struct _u_request *request, struct _u_response *response, uint64_t span,
                   uint64_t *from, uint64_t *to)
{
    *to = (uint64_t)zclock_time();
    if (hms_rest_ms(request, response, "to", to))
        return -1;
    *from = *to > span ? *to - span : 0;
    if (hms_rest_ms(request, response, "from", from))
        return -1;
    if (*from > *to) {
        hms_rest_error(response, 400, "from (%" PRIu64 ") is after to (%" PRIu64 ")", *from, *to);
        return -1;
    }
    return 0;
}

const hms_container_t *hms_rest_lookup(const hms_view_t *view, const char *address, const char *ref,
                                       struct _u_response *response, const hms_view_host_t **host)
{
    *host = hms_view_host(view, address);
    int code = HMS_CODE_NOT_FOUND;
    const hms_container_t *container = *host ? hms_view_container(*host, ref, &code) : NULL;
    if (!container)
        hms_rest_unresolved(response, *host != NULL, code, address, ref);
    return container;
}
