/*  hms_api: the requests REST threads hand to the controller loop.

    A REST thread checks its input, fills a typed request and calls
    hms_api_call, which queues it and waits for the answer. The loop learns
    of queued requests through a file descriptor it polls (an eventfd),
    takes them with hms_api_next and answers each, now or when its managers
    have answered, with hms_api_answer. No socket is made per request, and
    nothing but the queue is shared, under one lock.

    A request outlives a caller that gave up waiting: the loop's answer then
    frees it. hms_api_close answers every queued and later request with UNAVAILABLE,
    so that no REST thread waits on a loop that has stopped.
*/
#ifndef HMS_API_H_INCLUDED
#define HMS_API_H_INCLUDED

#include "hms_msg.h"
#include "hms_transport.h"

#include <jansson.h>
#include <stdbool.h>

typedef enum {
    HMS_API_ADD,        //  follow address (its antagonist, keys)
    HMS_API_REMOVE,     //  stop following address
    HMS_API_THRESHOLD,  //  threshold of address, or of every host ("")
    HMS_API_IGNORE,     //  ignore container on address
    HMS_API_WATCH,      //  watch container on address again
    HMS_API_CONFIG,     //  read, or change, the controller's settings
    HMS_API_STATS,      //  control-plane counters
    HMS_API_ALERT_TEST, //  a test alert through every receiver
    HMS_API_ANTAGONIST, //  the antagonist of address, or of every host ("")
    HMS_API_RULES,      //  the alert rules of address, or of every host (""): read, or set
} hms_api_kind_t;

typedef enum {
    HMS_API_STATUS, //  antagonist_status
    HMS_API_CONF,   //  conf_antagonist
    HMS_API_START,  //  start_antagonist
    HMS_API_STOP    //  stop_antagonist
} hms_api_operation_t;

//  The controller's run-time settings (GET and PUT /config). In a change,
//  only the fields whose bit is set in present (1 << HMS_API_SETTING_*).
typedef struct {
    unsigned present;
    int aggregation_ms;     //  the aggregation window (hms_follower.h)
    int miss_count;         //  heartbeats missed before a host is offline
    int request_timeout_ms; //  a manager that has not answered by then: 504
} hms_api_settings_t;

enum { HMS_API_SETTING_AGGREGATION, HMS_API_SETTING_MISS_COUNT, HMS_API_SETTING_TIMEOUT };
#define HMS_API_SETTINGS_ALL 7u

//  Their bounds: the command line, PUT /config and the state file read them.
#define HMS_API_AGGREGATION_MAX 60000 //  ms; from 0
#define HMS_API_MISS_COUNT_MIN  1
#define HMS_API_MISS_COUNT_MAX  100
#define HMS_API_TIMEOUT_MIN     100   //  ms
#define HMS_API_TIMEOUT_MAX     60000 //  ms

//  Reads settings from a JSON object (aggregation_ms, miss_count,
//  request_timeout_ms, each optional): all or nothing. Returns 0, or -1
//  with a message in problem (an unknown key, not an integer in bounds).
int hms_api_settings_parse(json_t *object, hms_api_settings_t *settings, char *problem,
                           size_t size);

//  Applies to settings those present in changes.
void hms_api_settings_apply(hms_api_settings_t *settings, const hms_api_settings_t *changes);

//  The settings as a JSON object (new reference).
json_t *hms_api_settings_json(const hms_api_settings_t *settings);

//  What the loop made of a request; the REST layer alone turns it into an
//  HTTP status.
typedef enum {
    HMS_RESULT_OK = 0,      //  done; the body says what is now
    HMS_RESULT_CREATED,     //  a host is followed now
    HMS_RESULT_DELETED,     //  a host is no longer followed; no body
    HMS_RESULT_INVALID,     //  a peer found the request malformed or out of range
    HMS_RESULT_NOT_FOUND,   //  no such host or container
    HMS_RESULT_CONFLICT,    //  followed already, ambiguous, or the peer's state forbids it
    HMS_RESULT_FAILED,      //  a peer (or the controller) failed, e.g. out of memory
    HMS_RESULT_NOT_SERVED,  //  the peer does not serve this command
    HMS_RESULT_UNAVAILABLE, //  the controller is stopping, or a peer's engine is away
    HMS_RESULT_TIMEOUT,     //  a peer did not answer in time, or could not be reached
    HMS_RESULT_BAD_VERSION, //  a peer speaks another version
    HMS_RESULT_FULL,        //  the controller follows as many hosts as it can
    HMS_RESULT_COUNT
} hms_result_t;

//  The result a peer's error code (HMS_CODE_*, proto §8.3) stands for.
hms_result_t hms_result_from_code(uint64_t code);

//  Longest message of a failed request.
#define HMS_API_MESSAGE_MAX 512

typedef struct _hms_api_request_t hms_api_request_t;

//  A request: what the REST thread fills. Its answer is private.
typedef struct {
    hms_api_kind_t kind;
    char address[HMS_ADDRESS_MAX + 1];       //  a host; "" for every host
    char container[HMS_REF_MAX + 1];         //  ignore, watch
    char antagonist[HMS_ADDRESS_MAX + 1];    //  add: its antagonist's address; "": default
    char public_key[HMS_KEY_LENGTH + 1];     //  add: the manager's key; "": plaintext
    char antagonist_key[HMS_KEY_LENGTH + 1]; //  add: the antagonist's key; "": the manager's
    double threshold;                        //  threshold
    hms_api_operation_t operation;           //  antagonist
    hms_antagonist_conf_t conf;              //  antagonist conf
    hms_api_settings_t settings;             //  config; present == 0: read
    bool set_rules;                          //  rules: set these (else read)
    size_t rule_count;
    hms_rule_t rules[HMS_RULES_MAX];
} hms_api_args_t;

typedef struct _hms_api_t hms_api_t;

//  A mailbox. NULL when no eventfd can be made.
hms_api_t *hms_api_new(void);

//  Answers what is still queued with UNAVAILABLE and frees; safe on NULL.
void hms_api_destroy(hms_api_t **self_p);

//  Readable when requests are queued: the loop polls it.
int hms_api_fd(hms_api_t *self);

//  REST thread: queues a copy of args and waits up to timeout_ms for the
//  answer: a result, a JSON body (the caller frees it; NULL when there is
//  none) into *body, and for a failure a message for people into message.
//  Returns the result: UNAVAILABLE (body NULL) when the loop is closed or
//  did not answer in time (a request the loop had not taken by then is
//  dropped: it never runs).
hms_result_t hms_api_call(hms_api_t *self, const hms_api_args_t *args, int timeout_ms, char **body,
                          char *message, size_t size);

//  Loop: the next queued request, or NULL. Call after hms_api_fd is
//  readable until it returns NULL. The request is the loop's until answered.
hms_api_request_t *hms_api_next(hms_api_t *self);

//  The arguments of a request taken by hms_api_next. Borrowed.
const hms_api_args_t *hms_api_args(const hms_api_request_t *request);

//  Loop: answers request with result, body (JSON, taken over; NULL for
//  none) and, for a failure, message (NULL: none), and hands it back. Sets
//  *request_p to NULL.
void hms_api_answer(hms_api_t *self, hms_api_request_t **request_p, hms_result_t result, char *body,
                    const char *message);

//  Loop: answers request with a failure and its message.
void hms_api_fail(hms_api_t *self, hms_api_request_t **request_p, hms_result_t result,
                  const char *format, ...) __attribute__((format(printf, 4, 5)));

//  Answers every queued request, and every later call, with UNAVAILABLE.
void hms_api_close(hms_api_t *self);

#endif
