/*  hms_forward: REST commands forwarded to managers and antagonists.

    A command of the REST API (a threshold, ignore or watch a container,
    the antagonist's commands) goes to one host, or to every host. Each
    request sent is outstanding until its peer answers or its deadline
    passes; once every host has answered, the REST request gets its
    result: the one host's answer, or {"hosts": [...]} with an entry per
    host. The loop calls hms_forward_answer with every answer a follower
    does not keep for itself, and hms_forward_tick every 100 ms.
*/
#ifndef HMS_FORWARD_H_INCLUDED
#define HMS_FORWARD_H_INCLUDED

#include "hms_api.h"
#include "hms_follower.h"

typedef struct _hms_forward_t hms_forward_t;

//  Answers go to api's requests; deadlines are settings->request_timeout_ms.
hms_forward_t *hms_forward_new(hms_api_t *api, const hms_api_settings_t *settings);

//  Ends what is outstanding (UNAVAILABLE: the controller is stopping).
void hms_forward_destroy(hms_forward_t **self_p);

//  Sends message to each of the count hosts for request (taken over). With
//  every_host the answer is {"hosts": [...]}; else the one host's result.
void hms_forward_start(hms_forward_t *self, hms_api_request_t **request, hms_msg_t *message,
                       hms_follower_t *const *hosts, size_t count, bool every_host);

//  An answer of host's manager or antagonist.
void hms_forward_answer(hms_forward_t *self, hms_follower_t *host, const hms_msg_t *reply);

//  Antagonist requests whose connection is up are sent; requests past
//  their deadline end (TIMEOUT).
void hms_forward_tick(hms_forward_t *self, uint64_t now);

//  Ends what waits for host (every host when NULL) with result and why.
void hms_forward_end(hms_forward_t *self, hms_follower_t *host, hms_result_t result,
                     const char *why);

#endif
