/*  hms_rest_io: what REST handlers read from a request (path segments,
    JSON bodies, the threshold) and how they answer (JSON, errors). Each
    reader answers 400 itself when the input is not valid.
*/
#ifndef HMS_REST_IO_H_INCLUDED
#define HMS_REST_IO_H_INCLUDED

#include "hms_api.h"
#include "hms_msg.h"
#include "hms_transport.h"
#include "hms_view.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <ulfius.h>

//  Hands args to the loop (api); its answer becomes the response: the
//  body, with the failure in "error" when a command for every host failed
//  somewhere. Returns U_CALLBACK_COMPLETE.
int hms_rest_call(hms_api_t *api, struct _u_response *response, const hms_api_args_t *args);

//  The query parameter name, a time or length in milliseconds (an unsigned
//  integer), into *value, kept when absent. Returns 0, or -1 after
//  answering 400.
int hms_rest_ms(const struct _u_request *request, struct _u_response *response, const char *name,
                uint64_t *value);

//  Sends json (taken over; NULL: out of memory, 500) with status.
//  Returns U_CALLBACK_COMPLETE.
int hms_rest_json(struct _u_response *response, int status, json_t *json);

//  The time range of a request: ?to= (default now) and ?from= (default
//  span before to), in ms. Returns 0, or -1 after answering 400 (not a
//  number, or from after to).
int hms_rest_range(const struct _u_request *request, struct _u_response *response, uint64_t span,
                   uint64_t *from, uint64_t *to);

//  Answers 501: this controller keeps no history. Returns U_CALLBACK_COMPLETE.
int hms_rest_no_history(struct _u_response *response);

//  Sends body (JSON) with status. Returns U_CALLBACK_COMPLETE.
int hms_rest_send(struct _u_response *response, int status, const char *body, size_t size);

//  Sends {"error": {"code": status, "message": ...}}. Returns U_CALLBACK_COMPLETE.
int hms_rest_error(struct _u_response *response, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

//  Answers a container reference a view did not resolve: 404 when the
//  host is not followed (host false) or has no such container, 409 when
//  the reference matches several (code: hms_view_container's). Returns
//  U_CALLBACK_COMPLETE.
int hms_rest_unresolved(struct _u_response *response, bool host, int code, const char *address,
                        const char *ref);

//  The container ref on the host at address in view, and that host into
//  *host. NULL after answering as hms_rest_unresolved does.
const hms_container_t *hms_rest_lookup(const hms_view_t *view, const char *address, const char *ref,
                                       struct _u_response *response, const hms_view_host_t **host);

//  The address in the path into out (HMS_ADDRESS_MAX + 1 bytes); false
//  after answering 400.
bool hms_rest_address(const struct _u_request *request, struct _u_response *response,
                      char out[HMS_ADDRESS_MAX + 1]);

//  The container in the path into out (HMS_REF_MAX + 1 bytes); false after
//  answering 400.
bool hms_rest_container(const struct _u_request *request, struct _u_response *response,
                        char out[HMS_REF_MAX + 1]);

//  The request body as a JSON object (no body: *object = NULL). Returns 0,
//  or -1 after answering 400.
int hms_rest_body(const struct _u_request *request, struct _u_response *response, json_t **object);

//  Checks that object has no key but those listed (NULL-terminated).
//  Returns 0, or -1 after answering 400.
int hms_rest_only_keys(json_t *object, struct _u_response *response, const char *const *keys);

//  The threshold of a request: {"threshold": N} in the body, or the seed's
//  ?threshold=N. Returns 0, or -1 after answering 400.
int hms_rest_threshold(const struct _u_request *request, struct _u_response *response,
                       double *value);

//  A public key of a JSON body into out ("" when absent). Returns 0, or -1
//  after answering 400.
int hms_rest_key(json_t *body, const char *name, struct _u_response *response,
                 char out[HMS_KEY_LENGTH + 1]);

#endif
