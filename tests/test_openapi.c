/*  test_openapi: the controller's OpenAPI document against the controller
    itself (label docker).

    A real hms-manager (watching one container of this run) and a real
    hms-controller following it run as processes on loopback. The test
    fetches GET /openapi.json, has it validated by a real OpenAPI 3 validator
    (tools/openapi, installed by scripts/setup), then holds the document and
    the server to each other:

    * every operation of the document is sent, with real parameter values
      and the document's example bodies, and must answer a status the
      document declares, with a body that conforms to the declared schema
      (strictly: no undeclared field either);
    * the routes the server is known to serve and the document's operations
      are the same set, and every method the document does not list is
      answered 405 (with Allow naming exactly the documented ones) or 404;
    * the documented error statuses happen: 400, 401, 404, 405, 409, 504.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_TIMEOUT_MS 15000

static struct {
    char dir[64];     //  state files, logs and the downloaded document
    char base[64];    //  http://127.0.0.1:PORT of the controller
    char address[64]; //  the manager's address: 127.0.0.1:PUB
    char other[64];   //  a second address nobody serves (PUT then DELETE)
    char router[64];  //  the manager's ROUTER endpoint
    char name[64];    //  the container's name
    char *id;         //  and its id
    pid_t manager, controller, token_controller, antagonist;
    char manager_log[128], controller_log[128];
    json_t *doc; //  the document as the controller serves it
} s_env;

//  The (method, path) the controller serves: controller/hms_rest.c's
//  s_routes (HEAD wherever GET is) and the compiled-in files of
//  controller/CMakeLists.txt (GET and HEAD). Keep in step with the code.
static const char *const s_served[][2] = {
    {"GET", "/containers"},
    {"HEAD", "/containers"},
    {"POST", "/containers"},
    {"GET", "/containers/{address}"},
    {"HEAD", "/containers/{address}"},
    {"PUT", "/containers/{address}"},
    {"POST", "/containers/{address}"},
    {"DELETE", "/containers/{address}"},
    {"GET", "/containers/{address}/{id}"},
    {"HEAD", "/containers/{address}/{id}"},
    {"PUT", "/containers/{address}/{id}"},
    {"DELETE", "/containers/{address}/{id}"},
    {"GET", "/containers/{address}/{id}/metrics"},
    {"HEAD", "/containers/{address}/{id}/metrics"},
    {"GET", "/healthz"},
    {"HEAD", "/healthz"},
    {"GET", "/stats"},
    {"HEAD", "/stats"},
    {"GET", "/metrics"},
    {"HEAD", "/metrics"},
    {"GET", "/alerts"},
    {"HEAD", "/alerts"},
    {"GET", "/alerts/history"},
    {"HEAD", "/alerts/history"},
    {"POST", "/alerts/test"},
    {"GET", "/events"},
    {"HEAD", "/events"},
    {"GET", "/security"},
    {"HEAD", "/security"},
    {"GET", "/security/{address}/{id}"},
    {"HEAD", "/security/{address}/{id}"},
    {"GET", "/forecasts"},
    {"HEAD", "/forecasts"},
    {"GET", "/rules"},
    {"HEAD", "/rules"},
    {"PUT", "/rules"},
    {"GET", "/rules/{address}"},
    {"HEAD", "/rules/{address}"},
    {"PUT", "/rules/{address}"},
    {"GET", "/config"},
    {"HEAD", "/config"},
    {"PUT", "/config"},
    {"GET", "/test"},
    {"HEAD", "/test"},
    {"PUT", "/test"},
    {"POST", "/test"},
    {"DELETE", "/test"},
    {"GET", "/test/{address}"},
    {"HEAD", "/test/{address}"},
    {"PUT", "/test/{address}"},
    {"POST", "/test/{address}"},
    {"DELETE", "/test/{address}"},
    {"GET", "/openapi.json"},
    {"HEAD", "/openapi.json"},
    {"GET", "/docs"},
    {"HEAD", "/docs"},
    {"GET", "/docs.js"},
    {"HEAD", "/docs.js"},
    {"GET", "/vendor/swagger-ui-bundle.js"},
    {"HEAD", "/vendor/swagger-ui-bundle.js"},
    {"GET", "/vendor/swagger-ui.css"},
    {"HEAD", "/vendor/swagger-ui.css"},
    {"GET", "/vendor/uPlot.iife.min.js"},
    {"HEAD", "/vendor/uPlot.iife.min.js"},
    {"GET", "/vendor/uPlot.min.css"},
    {"HEAD", "/vendor/uPlot.min.css"},
    {"GET", "/"},
    {"HEAD", "/"},
    {"GET", "/app.js"},
    {"HEAD", "/app.js"},
    {"GET", "/style.css"},
    {"HEAD", "/style.css"},
};
#define SERVED_COUNT (sizeof s_served / sizeof s_served[0])

//  Every method HTTP clients commonly send (what hms_rest.c registers).
static const char *const s_methods[] = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"};
#define METHOD_COUNT (sizeof s_methods / sizeof s_methods[0])

//  HTTP.

typedef struct {
    long status;            //  0: no answer
    char *body;             //  NUL-terminated, never NULL
    char content_type[128]; //  "" when none
    char allow[128];        //  the Allow header, "" when none
    char authenticate[128]; //  the WWW-Authenticate header, "" when none
} http_t;

static size_t s_collect(char *data, size_t size, size_t count, void *arg)
{
    fwrite(data, size, count, arg);
    return size * count;
}

static void s_header_value(const char *line, size_t length, const char *name, char *value,
                           size_t size)
{
    size_t name_length = strlen(name);
    if (length <= name_length || strncasecmp(line, name, name_length) != 0 ||
        line[name_length] != ':')
        return;
    const char *start = line + name_length + 1;
    const char *end = line + length;
    while (start < end && *start == ' ')
        start++;
    while (end > start && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf(value, size, "%.*s", (int)(end - start), start);
}

static size_t s_header(char *line, size_t size, size_t count, void *arg)
{
    http_t *http = arg;
    s_header_value(line, size * count, "Allow", http->allow, sizeof http->allow);
    s_header_value(line, size * count, "WWW-Authenticate", http->authenticate,
                   sizeof http->authenticate);
    return size * count;
}

//  One request to base + path; body NULL: none. token NULL: no Authorization.
static http_t s_http_to(const char *base, const char *method, const char *path, const char *body,
                        const char *content_type, const char *token)
{
    http_t http;
    memset(&http, 0, sizeof http);
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    char url[1024];
    snprintf(url, sizeof url, "%s%s", base, path);
    size_t size = 0;
    FILE *out = open_memstream(&http.body, &size);
    struct curl_slist *headers = NULL;
    char header[256];
    if (body) {
        snprintf(header, sizeof header, "Content-Type: %s",
                 content_type ? content_type : "application/json");
        headers = curl_slist_append(headers, header);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    if (token) {
        snprintf(header, sizeof header, "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, header);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &http);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http.status);
        char *type = NULL;
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
        snprintf(http.content_type, sizeof http.content_type, "%s", type ? type : "");
    }
    fclose(out);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return http;
}

static http_t s_http(const char *method, const char *path, const char *body)
{
    return s_http_to(s_env.base, method, path, body, NULL, NULL);
}

static void s_http_free(http_t *http)
{
    free(http->body);
    http->body = NULL;
}

//  The body as JSON (new reference), failing the test when it is not.
static json_t *s_json(const http_t *http, const char *what)
{
    json_error_t error;
    json_t *json = json_loads(http->body, JSON_REJECT_DUPLICATES, &error);
    if (!json)
        fail_msg("%s: the body is not JSON (%s): %.300s", what, error.text, http->body);
    return json;
}

//  The error code of an {"error": {"code", "message"}} body, checking its shape.
static long s_error_code(const http_t *http, const char *what)
{
    json_t *json = s_json(http, what);
    json_t *error = json_object_get(json, "error");
    json_t *code = json_object_get(error, "code");
    json_t *message = json_object_get(error, "message");
    if (!json_is_integer(code) || !json_is_string(message) || !*json_string_value(message))
        fail_msg("%s: not an error body: %.300s", what, http->body);
    long value = (long)json_integer_value(code);
    json_decref(json);
    return value;
}

//  Asserts an error answer: the status, a matching error body.
static void s_expect_error(http_t *http, long status, const char *what)
{
    if (http->status != status)
        fail_msg("%s: status %ld, expected %ld: %.300s", what, http->status, status, http->body);
    assert_int_equal(s_error_code(http, what), status);
    assert_non_null(strstr(http->content_type, "application/json"));
}

//  The document.

//  Resolves a local $ref ("#/a/b") of the document, repeatedly.
static json_t *s_resolve(json_t *node)
{
    for (int depth = 0; depth < 16 && json_is_object(node); depth++) {
        const char *ref = json_string_value(json_object_get(node, "$ref"));
        if (!ref)
            return node;
        if (strncmp(ref, "#/", 2) != 0)
            fail_msg("$ref '%s' is not local", ref);
        json_t *target = s_env.doc;
        char copy[256];
        snprintf(copy, sizeof copy, "%s", ref + 2);
        char *saveptr = NULL;
        for (char *part = strtok_r(copy, "/", &saveptr); part && target;
             part = strtok_r(NULL, "/", &saveptr))
            target = json_object_get(target, part);
        if (!target)
            fail_msg("$ref '%s' does not resolve", ref);
        node = target;
    }
    return node;
}

//  The operation for method (upper case) at path, or NULL.
static json_t *s_operation(const char *method, const char *path)
{
    char lower[16];
    size_t i = 0;
    for (; method[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)(method[i] | 0x20);
    lower[i] = '\0';
    return json_object_get(json_object_get(json_object_get(s_env.doc, "paths"), path), lower);
}

//  The response the operation declares for status (resolved), or NULL.
//  With use_default, "default" stands for any error status not listed.
static json_t *s_declared(json_t *operation, long status, bool use_default)
{
    char code[8];
    snprintf(code, sizeof code, "%ld", status);
    json_t *responses = json_object_get(operation, "responses");
    json_t *response = json_object_get(responses, code);
    if (!response && use_default && status >= 400)
        response = json_object_get(responses, "default");
    return response ? s_resolve(response) : NULL;
}

static void s_expect_declared(const char *method, const char *path, long status)
{
    json_t *operation = s_operation(method, path);
    if (!operation)
        fail_msg("the document has no %s %s", method, path);
    if (!s_declared(operation, status, false))
        fail_msg("the document does not declare %ld for %s %s", status, method, path);
}

//  Schemas: does value conform to schema? Object schemas are read strictly:
//  a field the schema does not declare is an error too (the document must
//  name every field the code renders). why gets the first problem.
static bool s_conforms(json_t *schema, json_t *value, const char *where, char *why, size_t size);

//  Collects the properties and required names of an object schema,
//  following allOf.
static void s_gather(json_t *schema, json_t *properties, json_t *required)
{
    schema = s_resolve(schema);
    size_t index;
    json_t *part;
    json_array_foreach(json_object_get(schema, "allOf"), index, part)
    {
        s_gather(part, properties, required);
    }
    json_object_update(properties, json_object_get(schema, "properties"));
    json_array_extend(required, json_object_get(schema, "required"));
}

static const char *s_type_of(json_t *schema)
{
    schema = s_resolve(schema);
    const char *type = json_string_value(json_object_get(schema, "type"));
    size_t index;
    json_t *part;
    json_array_foreach(json_object_get(schema, "allOf"), index, part)
    {
        if (!type)
            type = s_type_of(part);
    }
    return type;
}

static bool s_fail(char *why, size_t size, const char *where, const char *problem)
{
    snprintf(why, size, "%s: %s", where, problem);
    return false;
}

static bool s_conforms(json_t *schema, json_t *value, const char *where, char *why, size_t size)
{
    schema = s_resolve(schema);
    json_t *alternatives = json_object_get(schema, "anyOf");
    if (!alternatives)
        alternatives = json_object_get(schema, "oneOf");
    if (alternatives) {
        size_t index;
        json_t *alternative;
        json_array_foreach(alternatives, index, alternative)
        {
            if (s_conforms(alternative, value, where, why, size))
                return true;
        }
        return false; //  why: the last alternative's problem
    }
    if (json_is_null(value))
        return json_is_true(json_object_get(schema, "nullable")) ||
               s_fail(why, size, where, "null, and the schema is not nullable");
    const char *type = s_type_of(schema);
    char problem[256];
    if (type) {
        bool ok = strcmp(type, "object") == 0    ? json_is_object(value)
                  : strcmp(type, "array") == 0   ? json_is_array(value)
                  : strcmp(type, "string") == 0  ? json_is_string(value)
                  : strcmp(type, "integer") == 0 ? json_is_integer(value)
                  : strcmp(type, "number") == 0  ? json_is_number(value)
                  : strcmp(type, "boolean") == 0 ? json_is_boolean(value)
                                                 : false;
        if (!ok) {
            snprintf(problem, sizeof problem, "not of type %s", type);
            return s_fail(why, size, where, problem);
        }
    }
    json_t *choices = json_object_get(schema, "enum");
    if (choices) {
        bool found = false;
        size_t index;
        json_t *choice;
        json_array_foreach(choices, index, choice)
        {
            found |= json_equal(choice, value);
        }
        if (!found)
            return s_fail(why, size, where, "not one of the enum's values");
    }
    if (json_is_number(value)) {
        double number = json_number_value(value);
        json_t *minimum = json_object_get(schema, "minimum");
        json_t *maximum = json_object_get(schema, "maximum");
        if ((minimum && number < json_number_value(minimum)) ||
            (maximum && number > json_number_value(maximum)))
            return s_fail(why, size, where, "out of the declared range");
    }
    if (json_is_array(value)) {
        json_t *items = json_object_get(schema, "items");
        size_t index;
        json_t *item;
        json_array_foreach(value, index, item)
        {
            char inner[256];
            snprintf(inner, sizeof inner, "%s[%zu]", where, index);
            if (items && !s_conforms(items, item, inner, why, size))
                return false;
        }
    }
    if (json_is_object(value) && type && strcmp(type, "object") == 0) {
        json_t *properties = json_object();
        json_t *required = json_array();
        s_gather(schema, properties, required);
        bool ok = true;
        size_t index;
        json_t *name;
        json_array_foreach(required, index, name)
        {
            if (ok && !json_object_get(value, json_string_value(name))) {
                snprintf(problem, sizeof problem, "required field '%s' is missing",
                         json_string_value(name));
                ok = s_fail(why, size, where, problem);
            }
        }
        //  A bare {"type": "object"} (the document itself) declares nothing.
        bool strict = json_object_size(properties) > 0;
        const char *key;
        json_t *field;
        json_object_foreach(value, key, field)
        {
            char inner[256];
            snprintf(inner, sizeof inner, "%s.%s", where, key);
            json_t *property = json_object_get(properties, key);
            if (!ok)
                break;
            if (!property && strict) {
                snprintf(problem, sizeof problem, "field '%s' is not in the document", key);
                ok = s_fail(why, size, where, problem);
            } else if (property)
                ok = s_conforms(property, field, inner, why, size);
        }
        json_decref(properties);
        json_decref(required);
        return ok;
    }
    return true;
}

//  Checks an answer against the operation's declared response: the status
//  is declared, the Content-Type is the declared one, and a JSON body
//  conforms to the schema. Returns true, or false with why.
static bool s_answer_ok(const char *method, const char *path, const http_t *http, char *why,
                        size_t size)
{
    json_t *operation = s_operation(method, path);
    if (!operation)
        return s_fail(why, size, "operation", "not in the document");
    json_t *response = s_declared(operation, http->status, true);
    if (!response)
        return s_fail(why, size, "status", "not declared by the document");
    json_t *content = json_object_get(response, "content");
    if (strcmp(method, "HEAD") == 0)
        return true; //  no body
    if (!content || json_object_size(content) == 0)
        return !*http->body || s_fail(why, size, "body", "present, the document declares none");
    const char *media;
    json_t *entry;
    json_object_foreach(content, media, entry)
    {
        size_t length = strcspn(http->content_type, ";");
        if (strlen(media) != length || strncmp(media, http->content_type, length) != 0)
            continue;
        if (strcmp(media, "application/json") != 0)
            return true;
        json_t *body = json_loads(http->body, JSON_REJECT_DUPLICATES, NULL);
        json_t *schema = json_object_get(entry, "schema");
        bool ok = body ? !schema || s_conforms(schema, body, "body", why, size)
                       : s_fail(why, size, "body", "not JSON");
        json_decref(body);
        return ok;
    }
    char problem[200];
    snprintf(problem, sizeof problem, "'%s' is not declared", http->content_type);
    return s_fail(why, size, "Content-Type", problem);
}

static void s_check_answer(const char *method, const char *path, const http_t *http)
{
    char why[512];
    if (!s_answer_ok(method, path, http, why, sizeof why))
        fail_msg("%s %s -> %ld: does not match the document: %s: %.300s", method, path,
                 http->status, why, http->body);
}

//  Setup.

//  A controller on a free HTTP port, with a token file when token is not
//  NULL and an alert webhook when webhook is not NULL. Writes its base URL
//  into base (64 bytes) and returns its pid.
static pid_t s_start_controller(const char *token, const char *hosts, const char *state,
                                const char *webhook, const char *name, char *base)
{
    char ready[128], token_file[128], port[16], key[128], secret[160], allow[128];
    snprintf(ready, sizeof ready, "%s/%s.ready", s_env.dir, name);
    snprintf(token_file, sizeof token_file, "%s/%s.token", s_env.dir, name);
    //  A key pair: the document's example adds a host with its public key.
    snprintf(key, sizeof key, "%s/%s.key", s_env.dir, name);
    snprintf(secret, sizeof secret, "%s_secret", key);
    snprintf(allow, sizeof allow, "%s/%s.allow", s_env.dir, name);
    harness_keygen(key, NULL);
    assert_int_equal(mkdir(allow, 0700), 0);
    char *argv[24];
    int argc = 0;
    argv[argc++] = HMS_BINARY_DIR "/controller/hms-controller";
    argv[argc++] = "--http-bind";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--http-port";
    argv[argc++] = "0";
    argv[argc++] = "--router";
    argv[argc++] = "tcp://127.0.0.1:*";
    argv[argc++] = "--state-file";
    argv[argc++] = (char *)state;
    argv[argc++] = "--hosts";
    argv[argc++] = (char *)hosts;
    argv[argc++] = "--log-level";
    argv[argc++] = "info";
    argv[argc++] = "--curve-secret";
    argv[argc++] = secret;
    argv[argc++] = "--curve-allow";
    argv[argc++] = allow;
    if (webhook) {
        argv[argc++] = "--webhook";
        argv[argc++] = (char *)webhook;
    }
    if (token) {
        assert_int_equal(harness_sh("umask 077; echo '%s' > %s", token, token_file), 0);
        argv[argc++] = "--token-file";
        argv[argc++] = token_file;
    }
    argv[argc] = NULL;
    pid_t pid = harness_daemon(s_env.controller_log, ready, argv, 10000);
    harness_ready_value(ready, "http_port", port, sizeof port);
    snprintf(base, 64, "http://127.0.0.1:%s", port);
    return pid;
}

static bool s_healthy(void *base)
{
    http_t http = s_http_to(base, "GET", "/healthz", NULL, NULL, NULL);
    bool ok = http.status == 200;
    s_http_free(&http);
    return ok;
}

//  The host's JSON in GET /containers (new reference), or NULL.
static json_t *s_host(const char *address)
{
    http_t http = s_http("GET", "/containers", NULL);
    json_t *all = http.status == 200 ? json_loads(http.body, 0, NULL) : NULL;
    s_http_free(&http);
    json_t *found = NULL;
    size_t index;
    json_t *host;
    json_array_foreach(json_object_get(all, "hosts"), index, host)
    {
        const char *text = json_string_value(json_object_get(host, "address"));
        if (text && strcmp(text, address) == 0)
            found = json_incref(host);
    }
    json_decref(all);
    return found;
}

//  The container's status in the controller's view, "" when not there.
static const char *s_container_status(void)
{
    static char status[32];
    status[0] = '\0';
    json_t *host = s_host(s_env.address);
    size_t index;
    json_t *container;
    json_array_foreach(json_object_get(host, "containers"), index, container)
    {
        const char *name = json_string_value(json_object_get(container, "name"));
        const char *text = json_string_value(json_object_get(container, "status"));
        if (name && text && strcmp(name, s_env.name) == 0)
            snprintf(status, sizeof status, "%s", text);
    }
    json_decref(host);
    return status;
}

static bool s_container_active(void *arg)
{
    (void)arg;
    return strcmp(s_container_status(), "active") == 0;
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-openapi-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.manager_log, sizeof s_env.manager_log, "%s/manager.log", s_env.dir);
    snprintf(s_env.controller_log, sizeof s_env.controller_log, "%s/controller.log", s_env.dir);

    //  Where no manager runs: port 1 of loopback (its ROUTER would be 2).
    snprintf(s_env.other, sizeof s_env.other, "127.0.0.1:1");
    s_env.id = harness_container("web", NULL);
    snprintf(s_env.name, sizeof s_env.name, "%s-web", harness_tag());

    //  Every daemon on free ports, which it names in its ready file.
    char label[64], manager_state[128], ready[128], pub[64];
    snprintf(label, sizeof label, "hms.test=%s", harness_tag());
    snprintf(manager_state, sizeof manager_state, "%s/manager.state", s_env.dir);
    snprintf(ready, sizeof ready, "%s/manager.ready", s_env.dir);
    char *argv[] = {HMS_BINARY_DIR "/manager/hms-manager",
                    "--pub",
                    "tcp://127.0.0.1:*",
                    "--label",
                    label,
                    "--state-file",
                    manager_state,
                    "--log-level",
                    "info",
                    NULL};
    s_env.manager = harness_daemon(s_env.manager_log, ready, argv, 10000);
    harness_ready_value(ready, "pub", pub, sizeof pub);
    harness_ready_value(ready, "router", s_env.router, sizeof s_env.router);
    snprintf(s_env.address, sizeof s_env.address, "%s", pub + strlen("tcp://"));

    //  An antagonist for the /test endpoints, with no target: it attacks
    //  nothing (its attempts find no container carrying the label).
    char antagonist_router[64], nothing[64], antagonist_log[128];
    snprintf(nothing, sizeof nothing, "hms.test=%s-nothing", harness_tag());
    snprintf(antagonist_log, sizeof antagonist_log, "%s/antagonist.log", s_env.dir);
    snprintf(ready, sizeof ready, "%s/antagonist.ready", s_env.dir);
    char *antagonist[] = {HMS_BINARY_DIR "/antagonist/hms-antagonist",
                          "--router",
                          "tcp://127.0.0.1:*",
                          "--targets",
                          nothing,
                          "--log-level",
                          "info",
                          NULL};
    s_env.antagonist = harness_daemon(antagonist_log, ready, antagonist, 15000);
    harness_ready_value(ready, "router", antagonist_router, sizeof antagonist_router);
    char hosts[128];
    snprintf(hosts, sizeof hosts, "%s=%s", s_env.address, antagonist_router + strlen("tcp://"));

    char controller_state[128];
    snprintf(controller_state, sizeof controller_state, "%s/controller.state", s_env.dir);
    //  A receiver that refuses: POST /alerts/test queues for it all the same.
    char webhook[64];
    snprintf(webhook, sizeof webhook, "http://127.0.0.1:%d/hook", harness_dead_port(1));
    s_env.controller =
        s_start_controller(NULL, hosts, controller_state, webhook, "controller", s_env.base);

    assert_true(harness_wait(s_healthy, s_env.base, 5000));
    if (!harness_wait(s_container_active, NULL, 10000))
        fail_msg("GET /containers does not show %s active", s_env.name);

    http_t http = s_http("GET", "/openapi.json", NULL);
    assert_int_equal(http.status, 200);
    s_env.doc = s_json(&http, "GET /openapi.json");
    s_http_free(&http);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.controller > 0)
        harness_stop(s_env.controller, SIGTERM, 5000);
    if (s_env.token_controller > 0)
        harness_stop(s_env.token_controller, SIGTERM, 5000);
    if (s_env.antagonist > 0)
        harness_stop(s_env.antagonist, SIGTERM, 5000);
    if (s_env.manager > 0) {
        kill(s_env.manager, SIGCONT); //  in case a test stopped it
        harness_stop(s_env.manager, SIGTERM, 5000);
    }
    harness_cleanup();
    //  Keep the logs of a failed run next to the test's output.
    harness_sh("cat %s %s >&2", s_env.manager_log, s_env.controller_log);
    harness_sh("rm -rf %s", s_env.dir);
    json_decref(s_env.doc);
    free(s_env.id);
    return 0;
}

//  (a) The document the controller serves is the source file, and a real
//  OpenAPI 3 validator accepts it.
static void test_document_validates(void **state)
{
    (void)state;
    http_t http = s_http("GET", "/openapi.json", NULL);
    assert_int_equal(http.status, 200);
    assert_non_null(strstr(http.content_type, "application/json"));
    char *source = harness_sh_output("cat %s/controller/openapi.json", HMS_SOURCE_DIR);
    assert_non_null(source);
    //  harness_sh_output drops the final newline.
    size_t length = strlen(source);
    if (strncmp(http.body, source, length) != 0 ||
        strspn(http.body + length, "\n") != strlen(http.body + length))
        fail_msg("GET /openapi.json is not controller/openapi.json (rebuild?)");
    free(source);

    char path[128];
    snprintf(path, sizeof path, "%s/openapi.json", s_env.dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(http.body, file);
    fclose(file);
    s_http_free(&http);

    if (harness_sh("command -v node >/dev/null") != 0)
        fail_msg("node is missing: run scripts/setup");
    if (harness_sh("test -d %s/tools/openapi/node_modules", HMS_SOURCE_DIR) != 0)
        fail_msg("the OpenAPI validator is not installed: run scripts/setup "
                 "(npm ci --prefix tools/openapi)");
    char *verdict =
        harness_sh_output("node %s/tools/openapi/validate.js %s 2>&1", HMS_SOURCE_DIR, path);
    if (!verdict) {
        harness_sh("node %s/tools/openapi/validate.js %s >&2", HMS_SOURCE_DIR, path);
        fail_msg("tools/openapi/validate.js rejects the document (errors above)");
    }
    print_message("%s\n", verdict ? verdict : "");
    assert_non_null(strstr(verdict, "valid OpenAPI 3.0."));
    free(verdict);
}

//  (c) The document's operations are exactly the routes served; every
//  other method is answered 405 with Allow naming the documented ones, or
//  404 where the path serves files.
static void test_routes_match(void **state)
{
    (void)state;
    json_t *paths = json_object_get(s_env.doc, "paths");
    //  Code -> document.
    for (size_t i = 0; i < SERVED_COUNT; i++)
        if (!s_operation(s_served[i][0], s_served[i][1]))
            fail_msg("%s %s is served but not in the document", s_served[i][0], s_served[i][1]);
    //  Document -> code.
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        const char *key;
        json_t *value;
        json_object_foreach(item, key, value)
        {
            char method[16];
            size_t n = 0;
            for (; key[n] && n < sizeof method - 1; n++)
                method[n] = (char)(key[n] & ~0x20);
            method[n] = '\0';
            if (strcmp(key, "parameters") == 0 || strcmp(key, "description") == 0 ||
                strcmp(key, "summary") == 0 || strcmp(key, "servers") == 0 ||
                strncmp(key, "x-", 2) == 0)
                continue;
            bool served = false;
            for (size_t i = 0; i < SERVED_COUNT; i++)
                served |= strcmp(s_served[i][0], method) == 0 && strcmp(s_served[i][1], path) == 0;
            if (!served)
                fail_msg("the document lists %s %s, which the server does not serve", method, path);
        }
    }
    //  From outside: the methods not documented are not served.
    json_object_foreach(paths, path, item)
    {
        char concrete[256], allow[128] = "";
        //  Any well-formed values do: nothing undocumented may succeed.
        snprintf(concrete, sizeof concrete, "%s", path);
        char *brace = strstr(concrete, "{address}");
        if (brace) {
            char rest[256];
            snprintf(rest, sizeof rest, "%s", brace + strlen("{address}"));
            snprintf(brace, sizeof concrete - (size_t)(brace - concrete), "%s%s", s_env.other,
                     rest);
        }
        brace = strstr(concrete, "{id}");
        if (brace) {
            char rest[256];
            snprintf(rest, sizeof rest, "%s", brace + strlen("{id}"));
            snprintf(brace, sizeof concrete - (size_t)(brace - concrete), "%s%s", s_env.name, rest);
        }
        for (size_t m = 0; m < METHOD_COUNT; m++)
            if (s_operation(s_methods[m], path))
                snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
                         *allow ? ", " : "", s_methods[m]);
        //  Every path served answers 405 to the methods it does not serve.
        bool api = true;
        for (size_t m = 0; m < METHOD_COUNT; m++) {
            if (s_operation(s_methods[m], path))
                continue;
            http_t http = s_http(s_methods[m], concrete, NULL);
            char what[300];
            snprintf(what, sizeof what, "%s %s (not documented)", s_methods[m], concrete);
            if (api) {
                //  HEAD has no body to check.
                if (strcmp(s_methods[m], "HEAD") == 0)
                    assert_int_equal(http.status, 405);
                else
                    s_expect_error(&http, 405, what);
                if (strcmp(http.allow, allow) != 0)
                    fail_msg("%s: Allow: '%s', the document has '%s'", what, http.allow, allow);
            } else if (http.status != 404)
                fail_msg("%s: status %ld, expected 404: %.200s", what, http.status, http.body);
            s_http_free(&http);
        }
    }
    //  And 405 is documented.
    json_t *not_allowed = json_object_get(
        json_object_get(json_object_get(s_env.doc, "components"), "responses"), "MethodNotAllowed");
    assert_non_null(json_object_get(json_object_get(not_allowed, "headers"), "Allow"));
}

//  The order of the walk, so that the state stays sane: reads; thresholds
//  and settings; ignore then watch again the container; add then remove
//  the second address.
static int s_rank(const char *method, const char *path)
{
    //  The antagonist: configure, start, stop for all, then for one host
    //  (starting one that runs is 409).
    if (strncmp(path, "/test", 5) == 0 && strcmp(method, "GET") && strcmp(method, "HEAD")) {
        int order = strcmp(method, "PUT") == 0 ? 0 : strcmp(method, "POST") == 0 ? 1 : 2;
        return 20 + (strstr(path, "{address}") ? 3 : 0) + order;
    }
    bool container = strstr(path, "{id}") != NULL;
    bool host = !container && strstr(path, "{address}") != NULL;
    if (strcmp(method, "GET") == 0)
        return 0;
    if (strcmp(method, "HEAD") == 0)
        return 1;
    if (strcmp(method, "POST") == 0)
        return 2;
    if (container)
        return strcmp(method, "DELETE") == 0 ? 4 : 5;
    if (host)
        return strcmp(method, "PUT") == 0 ? 6 : 7;
    return 3;
}

//  The path with its parameters replaced by real values.
static void s_concrete(const char *method, const char *path, json_t *item, json_t *operation,
                       char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    json_t *lists[] = {json_object_get(item, "parameters"),
                       json_object_get(operation, "parameters")};
    for (size_t l = 0; l < 2; l++) {
        size_t index;
        json_t *parameter;
        json_array_foreach(lists[l], index, parameter)
        {
            parameter = s_resolve(parameter);
            const char *in = json_string_value(json_object_get(parameter, "in"));
            const char *name = json_string_value(json_object_get(parameter, "name"));
            if (strcmp(in, "path") != 0) {
                if (json_is_true(json_object_get(parameter, "required")))
                    fail_msg("%s %s: required %s parameter '%s': give the test a value", method,
                             path, in, name);
                continue;
            }
            const char *value = NULL;
            if (strcmp(name, "address") == 0)
                //  Hosts are added and removed at the second address;
                //  everything else is done to the first.
                value = strncmp(path, "/containers/{address}", 21) == 0 && !strstr(path, "{id}") &&
                                (strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0)
                            ? s_env.other
                            : s_env.address;
            else if (strcmp(name, "id") == 0)
                value = s_env.name;
            else
                fail_msg("%s %s: no value for path parameter '%s': add it to the test", method,
                         path, name);
            char pattern[64], *at;
            snprintf(pattern, sizeof pattern, "{%s}", name);
            if (!(at = strstr(out, pattern)))
                fail_msg("%s %s: parameter '%s' is not in the path", method, path, name);
            char rest[256];
            snprintf(rest, sizeof rest, "%s", at + strlen(pattern));
            snprintf(at, size - (size_t)(at - out), "%s%s", value, rest);
        }
    }
    if (strchr(out, '{'))
        fail_msg("%s %s: a path parameter is not declared", method, path);
}

//  A valid body for the operation: the example of its JSON request body.
static char *s_example_body(const char *method, const char *path, json_t *operation)
{
    json_t *body = s_resolve(json_object_get(operation, "requestBody"));
    if (!body)
        return NULL;
    json_t *media = json_object_get(json_object_get(body, "content"), "application/json");
    json_t *example = json_object_get(media, "example");
    if (!example)
        example = json_object_get(s_resolve(json_object_get(media, "schema")), "example");
    if (!example)
        fail_msg("%s %s: the request body has no example to send", method, path);
    return json_dumps(example, JSON_COMPACT | JSON_ENCODE_ANY);
}

typedef struct {
    char method[8];
    const char *path;
    int rank;
} walk_t;

static int s_by_rank(const void *a, const void *b)
{
    const walk_t *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    int order = strcmp(x->path, y->path);
    return order ? order : strcmp(x->method, y->method);
}

//  (b) Every operation of the document, with real values: a declared
//  status (a success, the state being sane), a conforming body.
static void test_walk(void **state)
{
    (void)state;
    walk_t walk[96];
    size_t count = 0;
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(s_env.doc, "paths"), path, item)
    {
        for (size_t m = 0; m < METHOD_COUNT; m++)
            if (s_operation(s_methods[m], path)) {
                assert_true(count < sizeof walk / sizeof walk[0]);
                snprintf(walk[count].method, sizeof walk[count].method, "%s", s_methods[m]);
                walk[count].path = path;
                walk[count].rank = s_rank(s_methods[m], path);
                count++;
            }
    }
    qsort(walk, count, sizeof walk[0], s_by_rank);
    //  Every operation is sent even when one fails; the problems come last.
    char *problems = NULL;
    size_t problems_size = 0;
    FILE *report = open_memstream(&problems, &problems_size);
    for (size_t i = 0; i < count; i++) {
        const char *method = walk[i].method;
        json_t *item_json = json_object_get(json_object_get(s_env.doc, "paths"), walk[i].path);
        json_t *operation = s_operation(method, walk[i].path);
        char concrete[512];
        s_concrete(method, walk[i].path, item_json, operation, concrete, sizeof concrete);
        char *body = s_example_body(method, walk[i].path, operation);
        http_t http = s_http(method, concrete, body);
        print_message("%s %s%s%s -> %ld\n", method, concrete, body ? " " : "", body ? body : "",
                      http.status);
        char why[512];
        if (http.status == 405 || (http.status == 404 && strstr(http.body, "no such resource")))
            fprintf(report, "  %s %s: not served (%ld): %.200s\n", method, concrete, http.status,
                    http.body);
        else if (http.status < 200 || http.status > 299)
            fprintf(report, "  %s %s: %ld, expected a success: %.300s\n", method, concrete,
                    http.status, http.body);
        else if (!s_answer_ok(method, walk[i].path, &http, why, sizeof why))
            fprintf(report, "  %s %s -> %ld: does not match the document: %s: %.300s\n", method,
                    concrete, http.status, why, http.body);
        s_http_free(&http);
        free(body);
    }
    fclose(report);
    if (problems_size)
        fail_msg("operations of the document that failed:\n%s", problems);
    free(problems);
    //  The state is as before: one host, the container watched again.
    json_t *other = s_host(s_env.other);
    assert_null(other);
    assert_true(harness_wait(s_container_active, NULL, 10000));
}

//  The manager's own threshold (HMS/1 get_config).
static double s_manager_threshold(void)
{
    harness_client_t client;
    harness_client_open(&client, s_env.router);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_GET_CONFIG);
    assert_int_equal(harness_request(&client, &request, &reply, 3000), 0);
    harness_client_close(&client);
    assert_int_equal(reply.type, HMS_MSG_OK);
    double threshold = reply.settings.threshold;
    hms_msg_reset(&reply);
    return threshold;
}

static bool s_view_threshold_is(void *arg)
{
    json_t *host = s_host(s_env.address);
    json_t *threshold = json_object_get(host, "threshold");
    bool same = json_is_number(threshold) && json_number_value(threshold) == *(double *)arg;
    json_decref(host);
    return same;
}

static char *s_body_of(const char *method, const char *path)
{
    http_t http = s_http(method, path, NULL);
    assert_int_equal(http.status, 200);
    return http.body;
}

//  400 for bad thresholds and bodies, with nothing changed.
//  Bad antagonist configurations: 400 on the every-host and the one-host
//  route, and the antagonist's configuration unchanged.
static void test_bad_antagonist_conf(void **state)
{
    (void)state;
    char one[160];
    snprintf(one, sizeof one, "/test/%s", s_env.address);
    http_t http = s_http("GET", one, NULL);
    assert_int_equal(http.status, 200);
    json_t *before = s_json(&http, "GET /test/{address}");
    s_http_free(&http);
    const char *bad[] = {
        "{\"loss\": -1, \"balance\": 70, \"heavy\": 25, \"frequency\": 1, \"duration\": 5}",
        "{\"loss\": 80, \"balance\": 170, \"heavy\": 25, \"frequency\": 1, \"duration\": 5}",
        "{\"loss\": 80, \"balance\": 70, \"heavy\": \"25\", \"frequency\": 1, \"duration\": 5}",
        "{\"loss\": 80, \"balance\": 70, \"heavy\": 25, \"frequency\": 0, \"duration\": 5}",
        "{\"loss\": 80, \"balance\": 70, \"heavy\": 25, \"frequency\": 1}",
        "{\"loss\": 80, \"balance\": 70, \"heavy\": 25, \"frequency\": 1, \"duration\": 5, "
        "\"mode\": \"explode\"}",
        "{\"loss\": 80, \"balance\": 70, \"heavy\": 25, \"frequency\": 1, \"duration\": 5, "
        "\"seed\": -3}",
        "{\"loss\": 80, \"balance\": 70, \"heavy\": 25, \"frequency\": 1, \"duration\": 5, "
        "\"seed\": 9007199254740992}",
        "[80, 70, 25, 1, 5]",
        "{\"loss\": 80,",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *paths[] = {"/test", one};
        for (size_t p = 0; p < 2; p++) {
            http = s_http("PUT", paths[p], bad[i]);
            if (http.status != 400)
                fail_msg("PUT %s %s: %ld, expected 400", paths[p], bad[i], http.status);
            s_http_free(&http);
        }
    }
    http = s_http("GET", one, NULL);
    json_t *after = s_json(&http, "GET /test/{address}");
    s_http_free(&http);
    assert_true(json_equal(json_object_get(before, "config"), json_object_get(after, "config")));
    json_decref(before);
    json_decref(after);
}

static void test_bad_input(void **state)
{
    (void)state;
    double threshold = 37.5;
    char path[256];
    snprintf(path, sizeof path, "/containers/%s", s_env.address);
    http_t http = s_http("POST", path, "{\"threshold\": 37.5}");
    assert_int_equal(http.status, 200);
    s_http_free(&http);
    assert_true(harness_wait(s_view_threshold_is, &threshold, 5000));
    char *config = s_body_of("GET", "/config");

    const char *bodies[] = {"{\"threshold\": 150}",     "{\"threshold\": -1}",
                            "{\"threshold\": \"abc\"}", "{}",
                            "{\"threshold\": ",         "[37]",
                            "{\"threshold\": null}"};
    const char *queries[] = {"?threshold=150", "?threshold=-1", "?threshold=abc", "",
                             "?threshold=",    "?threshold=nan"};
    const char *targets[] = {"/containers", path};
    const char *templates[] = {"/containers", "/containers/{address}"};
    for (size_t t = 0; t < 2; t++) {
        s_expect_declared("POST", templates[t], 400);
        for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
            char what[300];
            snprintf(what, sizeof what, "POST %s %s", targets[t], bodies[b]);
            http = s_http("POST", targets[t], bodies[b]);
            s_expect_error(&http, 400, what);
            s_check_answer("POST", templates[t], &http);
            s_http_free(&http);
        }
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            char url[512], what[600];
            snprintf(url, sizeof url, "%s%s", targets[t], queries[q]);
            snprintf(what, sizeof what, "POST %s", url);
            http = s_http("POST", url, NULL);
            s_expect_error(&http, 400, what);
            s_check_answer("POST", templates[t], &http);
            s_http_free(&http);
        }
        //  A JSON body needs its Content-Type, exactly.
        http = s_http_to(s_env.base, "POST", targets[t], "{\"threshold\": 20}", "text/plain", NULL);
        s_expect_error(&http, 415, "POST threshold as text/plain");
        s_check_answer("POST", templates[t], &http);
        s_http_free(&http);
    }
    //  Settings: out of range, unknown, wrong type, no body, not an object.
    const char *settings[] = {"{\"miss_count\": 0}",
                              "{\"aggregation_ms\": 60001}",
                              "{\"request_timeout_ms\": 99}",
                              "{\"bogus\": 1}",
                              "{\"miss_count\": \"3\"}",
                              "{\"miss_count\": 3.5}",
                              "{\"aggregation_ms\": 100, \"miss_count\": 0}",
                              "[]",
                              "{"};
    s_expect_declared("PUT", "/config", 400);
    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        char what[300];
        snprintf(what, sizeof what, "PUT /config %s", settings[s]);
        http = s_http("PUT", "/config", settings[s]);
        s_expect_error(&http, 400, what);
        s_check_answer("PUT", "/config", &http);
        s_http_free(&http);
    }
    http = s_http("PUT", "/config", NULL);
    s_expect_error(&http, 400, "PUT /config without a body");
    s_http_free(&http);
    //  Bad addresses and container references.
    const char *addresses[] = {"bad_address", "host:0", "host:65535", "host:x", "a%20b"};
    s_expect_declared("GET", "/containers/{address}", 400);
    for (size_t a = 0; a < sizeof addresses / sizeof addresses[0]; a++) {
        char url[300];
        snprintf(url, sizeof url, "/containers/%s", addresses[a]);
        http = s_http("GET", url, NULL);
        s_expect_error(&http, 400, url);
        s_check_answer("GET", "/containers/{address}", &http);
        s_http_free(&http);
        http = s_http("PUT", url, NULL);
        s_expect_error(&http, 400, url);
        s_http_free(&http);
    }
    char url[512];
    snprintf(url, sizeof url, "/containers/%s/bad%%20name", s_env.address);
    http = s_http("GET", url, NULL);
    s_expect_error(&http, 400, url);
    s_check_answer("GET", "/containers/{address}/{id}", &http);
    s_http_free(&http);

    //  Nothing changed: settings, the view's threshold, the manager's own.
    char *after = s_body_of("GET", "/config");
    assert_string_equal(after, config);
    free(after);
    free(config);
    assert_true(s_view_threshold_is(&threshold));
    assert_true(s_manager_threshold() == threshold);
}

//  404 for unknown hosts and containers; 409 for a host added twice; 405.
static void test_not_found_and_conflict(void **state)
{
    (void)state;
    char path[512];
    //  Unknown host: every operation on it.
    const char *host_ops[][2] = {
        {"GET", "/containers/{address}"},      {"DELETE", "/containers/{address}"},
        {"POST", "/containers/{address}"},     {"GET", "/containers/{address}/{id}"},
        {"PUT", "/containers/{address}/{id}"}, {"DELETE", "/containers/{address}/{id}"}};
    for (size_t i = 0; i < sizeof host_ops / sizeof host_ops[0]; i++) {
        const char *method = host_ops[i][0], *template = host_ops[i][1];
        s_expect_declared(method, template, 404);
        snprintf(path, sizeof path, "/containers/%s%s%s", s_env.other,
                 strstr(template, "{id}") ? "/" : "", strstr(template, "{id}") ? s_env.name : "");
        char what[600];
        snprintf(what, sizeof what, "%s %s (unknown host)", method, path);
        http_t http =
            s_http(method, path, strcmp(method, "POST") == 0 ? "{\"threshold\": 50}" : NULL);
        s_expect_error(&http, 404, what);
        assert_null(strstr(http.body, "no such resource"));
        s_check_answer(method, template, &http);
        s_http_free(&http);
    }
    //  Unknown container on a known host: from the cache (GET) and from the
    //  manager (PUT, DELETE).
    const char *methods[] = {"GET", "PUT", "DELETE"};
    for (size_t i = 0; i < 3; i++) {
        s_expect_declared(methods[i], "/containers/{address}/{id}", 404);
        snprintf(path, sizeof path, "/containers/%s/no-such-container", s_env.address);
        http_t http = s_http(methods[i], path, NULL);
        char what[600];
        snprintf(what, sizeof what, "%s %s", methods[i], path);
        s_expect_error(&http, 404, what);
        s_check_answer(methods[i], "/containers/{address}/{id}", &http);
        s_http_free(&http);
    }
    //  A prefix shorter than 4 characters is no reference.
    snprintf(path, sizeof path, "/containers/%s/%.3s", s_env.address, s_env.id);
    http_t http = s_http("GET", path, NULL);
    s_expect_error(&http, 404, path);
    s_http_free(&http);
    //  A unique prefix of 4 and the full id are.
    snprintf(path, sizeof path, "/containers/%s/%.4s", s_env.address, s_env.id);
    http = s_http("GET", path, NULL);
    assert_int_equal(http.status, 200);
    s_check_answer("GET", "/containers/{address}/{id}", &http);
    s_http_free(&http);
    snprintf(path, sizeof path, "/containers/%s/%s", s_env.address, s_env.id);
    http = s_http("GET", path, NULL);
    assert_int_equal(http.status, 200);
    s_http_free(&http);

    //  The host added twice.
    s_expect_declared("PUT", "/containers/{address}", 409);
    snprintf(path, sizeof path, "/containers/%s", s_env.address);
    http = s_http("PUT", path, NULL);
    s_expect_error(&http, 409, "PUT of a followed host");
    s_check_answer("PUT", "/containers/{address}", &http);
    s_http_free(&http);
    snprintf(path, sizeof path, "/containers/%s", s_env.other);
    http = s_http("PUT", path, NULL);
    assert_int_equal(http.status, 201);
    s_http_free(&http);
    http = s_http("PUT", path, NULL);
    s_expect_error(&http, 409, "PUT twice");
    s_http_free(&http);
    http = s_http("DELETE", path, NULL);
    assert_int_equal(http.status, 204);
    s_http_free(&http);

    //  405, with Allow.
    http = s_http("PATCH", "/containers", "{\"threshold\": 50}");
    s_expect_error(&http, 405, "PATCH /containers");
    assert_string_equal(http.allow, "GET, POST, HEAD");
    s_http_free(&http);
    //  And the default 404 for what is no resource.
    http = s_http("GET", "/no/such/thing", NULL);
    s_expect_error(&http, 404, "GET /no/such/thing");
    s_http_free(&http);
}

//  504: an offline host answers 504 at once, and POST /containers reports
//  every host's outcome.
static void test_offline_host(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "/containers/%s", s_env.other);
    http_t http = s_http("PUT", path, NULL);
    assert_int_equal(http.status, 201);
    s_check_answer("PUT", "/containers/{address}", &http);
    s_http_free(&http);

    http = s_http("POST", "/containers", "{\"threshold\": 50}");
    s_expect_error(&http, 504, "POST /containers with an offline host");
    s_check_answer("POST", "/containers", &http);
    json_t *json = s_json(&http, "POST /containers");
    assert_int_equal(json_array_size(json_object_get(json, "hosts")), 2);
    json_decref(json);
    s_http_free(&http);

    snprintf(path, sizeof path, "/containers/%s", s_env.other);
    http = s_http("POST", path, "{\"threshold\": 50}");
    s_expect_error(&http, 504, "POST to an offline host");
    s_check_answer("POST", "/containers/{address}", &http);
    s_http_free(&http);
    snprintf(path, sizeof path, "/containers/%s/%s", s_env.other, s_env.name);
    http = s_http("DELETE", path, NULL);
    s_expect_error(&http, 504, "DELETE on an offline host");
    s_check_answer("DELETE", "/containers/{address}/{id}", &http);
    s_http_free(&http);

    snprintf(path, sizeof path, "/containers/%s", s_env.other);
    http = s_http("DELETE", path, NULL);
    assert_int_equal(http.status, 204);
    s_http_free(&http);
}

//  401: with --token, exactly the operations the document marks with
//  bearerAuth need it.
static void test_token(void **state)
{
    (void)state;
    char base[64];
    s_env.token_controller =
        s_start_controller("s3cret-s3cret-s3cret", "", "", NULL, "token", base);
    assert_true(harness_wait(s_healthy, base, 5000));

    char *problems = NULL;
    size_t problems_size = 0;
    FILE *report = open_memstream(&problems, &problems_size);
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(s_env.doc, "paths"), path, item)
    {
        for (size_t m = 0; m < METHOD_COUNT; m++) {
            json_t *operation = s_operation(s_methods[m], path);
            if (!operation)
                continue;
            bool secured = false;
            size_t index;
            json_t *requirement;
            json_array_foreach(json_object_get(operation, "security"), index, requirement)
            {
                secured |= json_object_get(requirement, "bearerAuth") != NULL;
            }
            char concrete[512];
            s_concrete(s_methods[m], path, item, operation, concrete, sizeof concrete);
            char *body = s_example_body(s_methods[m], path, operation);
            const char *tokens[] = {NULL, "wrong", "s3cret-s3cret-s3cre", "s3cret-s3cret-s3crett"};
            for (size_t t = 0; t < 4; t++) {
                http_t http = s_http_to(base, s_methods[m], concrete, body, NULL, tokens[t]);
                char what[600];
                snprintf(what, sizeof what, "%s %s with token '%s'", s_methods[m], concrete,
                         tokens[t] ? tokens[t] : "(none)");
                bool head = strcmp(s_methods[m], "HEAD") == 0;
                json_t *json = head ? NULL : json_loads(http.body, 0, NULL);
                long code = (long)json_integer_value(
                    json_object_get(json_object_get(json, "error"), "code"));
                json_decref(json);
                if (secured && !s_declared(operation, 401, false))
                    fprintf(report, "  %s: bearerAuth, but 401 is not declared\n", what);
                else if (secured && (http.status != 401 || (!head && code != 401) ||
                                     strcmp(http.authenticate, "Bearer realm=\"hms\"") != 0))
                    fprintf(report, "  %s: %ld (WWW-Authenticate '%s'), expected 401: %.200s\n",
                            what, http.status, http.authenticate, http.body);
                else if (!secured && http.status == 401)
                    fprintf(report, "  %s: 401, but the document does not mark it bearerAuth\n",
                            what);
                s_http_free(&http);
            }
            free(body);
        }
    }
    fclose(report);
    if (problems_size)
        fail_msg("the token and the document disagree:\n%s", problems);
    free(problems);
    //  With the token: served.
    char url[300];
    snprintf(url, sizeof url, "/containers/%s", s_env.other);
    http_t http = s_http_to(base, "PUT", url, NULL, NULL, "s3cret-s3cret-s3cret");
    assert_int_equal(http.status, 201);
    s_http_free(&http);
    http = s_http_to(base, "DELETE", url, NULL, NULL, "s3cret-s3cret-s3cret");
    assert_int_equal(http.status, 204);
    s_http_free(&http);
    http = s_http_to(base, "PUT", "/config", "{}", NULL, "s3cret-s3cret-s3cret");
    assert_int_equal(http.status, 200);
    s_http_free(&http);
    harness_stop(s_env.token_controller, SIGTERM, 5000);
    s_env.token_controller = 0;
}

//  Query parameters are not path parameters: ?address= neither retargets
//  nor breaks a call.
static void test_query_is_not_path(void **state)
{
    (void)state;
    http_t http = s_http("POST", "/containers?threshold=50&address=no-such-host", NULL);
    if (http.status != 200)
        fail_msg("POST /containers?threshold=50&address=no-such-host: %ld, expected 200 for "
                 "every host: %.300s",
                 http.status, http.body);
    s_check_answer("POST", "/containers", &http);
    s_http_free(&http);
    char path[512];
    snprintf(path, sizeof path, "/containers/%s?address=other&id=other", s_env.address);
    http = s_http("GET", path, NULL);
    if (http.status != 200)
        fail_msg("GET %s: %ld, expected 200: %.300s", path, http.status, http.body);
    s_http_free(&http);
    snprintf(path, sizeof path, "/containers/%s/%s?id=other", s_env.address, s_env.name);
    http = s_http("GET", path, NULL);
    if (http.status != 200)
        fail_msg("GET %s: %ld, expected 200: %.300s", path, http.status, http.body);
    s_http_free(&http);
}

//  An address the document accepts is followed under exactly that address,
//  or refused: never stored under another (truncated) one.
static void test_long_address(void **state)
{
    (void)state;
    //  253 characters of host, the longest name, and a 5-digit port.
    char host[254];
    memset(host, 'a', 253);
    for (int dot = 63; dot < 253; dot += 64)
        host[dot] = '.';
    host[253] = '\0';
    char path[512], address[300];
    snprintf(address, sizeof address, "%s:65000", host);
    snprintf(path, sizeof path, "/containers/%s", address);
    http_t http = s_http("PUT", path, NULL);
    if (http.status == 400) {
        s_http_free(&http);
        return; //  refused: fine
    }
    assert_int_equal(http.status, 201);
    json_t *json = s_json(&http, "PUT of a long address");
    const char *stored = json_string_value(json_object_get(json, "address"));
    bool same = stored && strcmp(stored, address) == 0;
    json_decref(json);
    s_http_free(&http);
    http = s_http("DELETE", path, NULL);
    long removed = http.status;
    s_http_free(&http);
    if (!same || removed != 204)
        fail_msg("PUT /containers/<%zu-character address>: 201, but followed as another address "
                 "(%s) and DELETE gives %ld",
                 strlen(address), same ? "same" : "truncated", removed);
}

static bool s_manager_answers(void *arg)
{
    (void)arg;
    char path[512];
    snprintf(path, sizeof path, "/containers/%s/%s", s_env.address, s_env.name);
    http_t http = s_http("PUT", path, NULL);
    bool ok = http.status == 200;
    s_http_free(&http);
    return ok;
}

//  A manager that does not answer gives 504 after request_timeout_ms, also
//  after PUT /config changed it.
static void test_timeout(void **state)
{
    (void)state;
    http_t http = s_http("PUT", "/config", "{\"request_timeout_ms\": 4000, \"miss_count\": 100}");
    assert_int_equal(http.status, 200);
    s_http_free(&http);
    //  Frozen: its heartbeats stop, but the host stays online (miss_count).
    assert_int_equal(kill(s_env.manager, SIGSTOP), 0);
    char path[512];
    snprintf(path, sizeof path, "/containers/%s/%s", s_env.address, s_env.name);
    int64_t start = zclock_mono();
    http = s_http("PUT", path, NULL); //  watch: the same when it comes late
    int64_t elapsed = zclock_mono() - start;
    kill(s_env.manager, SIGCONT);
    long status = http.status;
    char body[300];
    snprintf(body, sizeof body, "%s", http.body);
    if (status == 504)
        s_check_answer("PUT", "/containers/{address}/{id}", &http);
    s_http_free(&http);
    http = s_http("PUT", "/config", "{\"request_timeout_ms\": 2000, \"miss_count\": 3}");
    assert_int_equal(http.status, 200);
    s_http_free(&http);
    assert_true(harness_wait(s_manager_answers, NULL, 10000));
    if (status != 504 || elapsed < 3900)
        fail_msg("a manager silent past request_timeout_ms 4000 (set by PUT /config): %ld after "
                 "%lld ms, expected 504 after 4000 ms: %s",
                 status, (long long)elapsed, body);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_validates),
        cmocka_unit_test(test_routes_match),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_antagonist_conf),
        cmocka_unit_test(test_not_found_and_conflict),
        cmocka_unit_test(test_offline_host),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_query_is_not_path),
        cmocka_unit_test(test_long_address),
        cmocka_unit_test(test_timeout),
    };
    int failed = cmocka_run_group_tests(tests, s_setup, s_teardown);
    curl_global_cleanup();
    return failed;
}
