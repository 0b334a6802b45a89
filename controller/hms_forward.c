/*  hms_forward: REST commands forwarded to managers and antagonists. */

#include "hms_forward.h"
#include "hms_json.h"
#include "hms_log.h"

#include <inttypes.h>

//  A REST request waiting for hosts' answers.
typedef struct {
    hms_api_request_t *request;        //  the REST thread's
    hms_msg_type_t type;               //  the command forwarded
    bool every_host;                   //  answer {"hosts": [...]}
    size_t outstanding;                //  answers still expected
    json_t *results;                   //  one entry per host
    hms_result_t result;               //  OK unless a host failed
    char message[HMS_API_MESSAGE_MAX]; //  the first failure
} command_t;

//  A request to a manager (or antagonist) in flight.
typedef struct {
    uint64_t corr_id;
    hms_follower_t *host;
    command_t *command;
    uint64_t deadline; //  monotonic ms
    zframe_t *unsent;  //  an antagonist request waiting for its connection
} outstanding_t;

struct _hms_forward_t {
    hms_api_t *api;
    const hms_api_settings_t *settings;
    zlistx_t *outstanding; //  outstanding_t
};

static void s_outstanding_free(void **item)
{
    outstanding_t *entry = *item;
    zframe_destroy(&entry->unsent);
    free(entry);
    *item = NULL;
}

hms_forward_t *hms_forward_new(hms_api_t *api, const hms_api_settings_t *settings)
{
    hms_forward_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->api = api;
    self->settings = settings;
    self->outstanding = zlistx_new();
    if (!self->outstanding) {
        free(self);
        return NULL;
    }
    zlistx_set_destructor(self->outstanding, s_outstanding_free);
    return self;
}

void hms_forward_destroy(hms_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_forward_t *self = *self_p;
    hms_forward_end(self, NULL, HMS_RESULT_UNAVAILABLE, "controller stopping");
    zlistx_destroy(&self->outstanding);
    free(self);
    *self_p = NULL;
}

//  The command's answer, once every host has answered.
static void s_finish(hms_forward_t *self, command_t *command)
{
    char *body = NULL;
    if (command->every_host) {
        json_t *hosts = json_pack("{s:O}", "hosts", command->results);
        body = hosts ? json_dumps(hosts, JSON_COMPACT) : NULL;
        json_decref(hosts);
    } else if (command->result == HMS_RESULT_OK)
        body = json_dumps(json_array_get(command->results, 0), JSON_COMPACT);
    if (!body && (command->every_host || command->result == HMS_RESULT_OK))
        hms_api_fail(self->api, &command->request, HMS_RESULT_FAILED, "out of memory");
    else
        hms_api_answer(self->api, &command->request, command->result, body, command->message);
    json_decref(command->results);
    free(command);
}

//  The rules of a get_rules or set_rules answer as JSON (new reference),
//  or NULL when they are not valid rules.
static json_t *s_rules_json(const hms_rules_msg_t *reply)
{
    hms_rule_t rules[HMS_RULES_MAX];
    char why[300];
    int count = hms_rules_from_wire(reply->rules, reply->count, rules, why, sizeof why);
    json_t *document = count >= 0 ? hms_rules_json(rules, (size_t)count) : NULL;
    json_t *list = json_incref(json_object_get(document, "rules"));
    json_decref(document);
    return list;
}

//  The payload of host's ok into result. False when it does not read (a
//  manager's rules that are not valid rules).
static bool s_payload(const command_t *command, hms_follower_t *host, const hms_msg_t *reply,
                      json_t *result)
{
    if (hms_follower_for_antagonist(command->type)) {
        json_object_set_new(result, "antagonist", json_string(hms_follower_antagonist(host)));
        json_object_update_new(result, hms_json_antagonist_status(&reply->antagonist_status));
    } else if (command->type == HMS_MSG_CONTAINER_THRESHOLD)
        json_object_set_new(result, "threshold", json_real(reply->threshold));
    else if (command->type == HMS_MSG_GET_RULES || command->type == HMS_MSG_SET_RULES) {
        json_t *rules = s_rules_json(&reply->rules);
        if (!rules)
            return false;
        json_object_set_new(result, "rules", rules);
    } else {
        json_object_set_new(result, "id", json_string(reply->container.container));
        json_object_set_new(result, "status",
                            json_string(hms_status_name(reply->container.status)));
    }
    return true;
}

//  One host's outcome: its answer (reply), or code and why when it has none.
static void s_outcome(hms_forward_t *self, command_t *command, hms_follower_t *host,
                      const hms_msg_t *reply, uint64_t code, const char *why)
{
    json_t *result = json_pack("{s:s}", "address", hms_follower_address(host));
    if (!reply || reply->type != HMS_MSG_OK || !s_payload(command, host, reply, result)) {
        if (reply && reply->type == HMS_MSG_ERROR) {
            code = reply->error.code;
            why = reply->error.message;
        } else if (reply) {
            code = HMS_CODE_INTERNAL;
            why = reply->type == HMS_MSG_OK ? "its answer does not read (rules that are not "
                                              "valid rules)"
                                            : "unexpected answer";
        }
        json_object_set_new(result, "error",
                            json_pack("{s:I, s:s}", "code", (json_int_t)code, "message", why));
        hms_result_t failure = hms_result_from_code(code);
        if (command->result == HMS_RESULT_OK) {
            command->result = failure;
            snprintf(command->message, sizeof command->message, "%s: %s",
                     hms_follower_address(host), why);
        } else if (failure == HMS_RESULT_TIMEOUT)
            command->result = failure; //  a timeout anywhere is the answer's result
    }
    json_array_append_new(command->results, result);
    if (--command->outstanding == 0)
        s_finish(self, command);
}

//  Sends message to host for command, or records at once that it cannot.
//  A manager is known to be up from its heartbeats; an antagonist is not,
//  and its request waits for the connection until its deadline.
static void s_send(hms_forward_t *self, command_t *command, hms_follower_t *host,
                   hms_msg_t *message)
{
    zframe_t *unsent = NULL;
    if (hms_follower_send(host, message, &unsent) < 0) {
        s_outcome(self, command, host, NULL, HMS_CODE_TIMEOUT,
                  hms_follower_for_antagonist(message->type) ? "antagonist unreachable"
                  : hms_follower_status(host) == HMS_HOST_ONLINE
                      ? "manager unreachable (no connection)"
                      : "manager unreachable (offline)");
        return;
    }
    outstanding_t *entry = calloc(1, sizeof *entry);
    if (!entry) { //  its answer would find no one: the outcome is now
        zframe_destroy(&unsent);
        s_outcome(self, command, host, NULL, HMS_CODE_INTERNAL, "out of memory");
        return;
    }
    entry->corr_id = message->corr_id;
    entry->host = host;
    entry->command = command;
    entry->deadline = (uint64_t)zclock_mono() + (uint64_t)self->settings->request_timeout_ms;
    entry->unsent = unsent;
    zlistx_add_end(self->outstanding, entry);
}

void hms_forward_start(hms_forward_t *self, hms_api_request_t **request, hms_msg_t *message,
                       hms_follower_t *const *hosts, size_t count, bool every_host)
{
    command_t *command = calloc(1, sizeof *command);
    json_t *results = json_array();
    if (!command || !results) {
        free(command);
        json_decref(results);
        hms_api_fail(self->api, request, HMS_RESULT_FAILED, "out of memory");
        return;
    }
    command->request = *request;
    *request = NULL;
    command->type = message->type;
    command->every_host = every_host;
    command->results = results;
    command->outstanding = count;
    if (count == 0) {
        s_finish(self, command);
        return;
    }
    //  The last host's outcome may finish the command: count is read first.
    for (size_t i = 0; i < count; i++)
        s_send(self, command, hosts[i], message);
}

void hms_forward_answer(hms_forward_t *self, hms_follower_t *host, const hms_msg_t *reply)
{
    for (outstanding_t *entry = zlistx_first(self->outstanding); entry;
         entry = zlistx_next(self->outstanding))
        if (entry->corr_id == reply->corr_id && entry->host == host) {
            zlistx_detach_cur(self->outstanding);
            s_outcome(self, entry->command, host, reply, 0, NULL);
            s_outstanding_free((void **)&entry);
            return;
        }
    hms_info("%s: late answer %" PRIu64 " dropped", hms_follower_address(host), reply->corr_id);
}

void hms_forward_tick(hms_forward_t *self, uint64_t now)
{
    outstanding_t *entry = zlistx_first(self->outstanding);
    while (entry) {
        if (entry->unsent)
            hms_follower_resend(entry->host, &entry->unsent);
        if (now < entry->deadline) {
            entry = zlistx_next(self->outstanding);
            continue;
        }
        zlistx_detach_cur(self->outstanding);
        char why[128];
        snprintf(why, sizeof why,
                 entry->unsent ? "%s unreachable: no connection within %d ms"
                               : "%s did not answer within %d ms",
                 hms_follower_for_antagonist(entry->command->type) ? "antagonist" : "manager",
                 self->settings->request_timeout_ms);
        s_outcome(self, entry->command, entry->host, NULL, HMS_CODE_TIMEOUT, why);
        s_outstanding_free((void **)&entry);
        entry = zlistx_first(self->outstanding);
    }
}

void hms_forward_end(hms_forward_t *self, hms_follower_t *host, hms_result_t result,
                     const char *why)
{
    uint64_t code = result == HMS_RESULT_NOT_FOUND ? HMS_CODE_NOT_FOUND : HMS_CODE_UNAVAILABLE;
    outstanding_t *entry = zlistx_first(self->outstanding);
    while (entry) {
        if (host && entry->host != host) {
            entry = zlistx_next(self->outstanding);
            continue;
        }
        zlistx_detach_cur(self->outstanding);
        s_outcome(self, entry->command, entry->host, NULL, code, why);
        s_outstanding_free((void **)&entry);
        entry = zlistx_first(self->outstanding);
    }
}
