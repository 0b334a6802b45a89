/*  hms_server: the serving half of a daemon's ROUTER socket.
 */
#include "hms_server.h"

#include "hms_log.h"

int hms_server_serve(zsock_t *router, hms_server_fn *handle, void *arg, uint64_t *bad_requests)
{
    zmsg_t *message = zmsg_recv(router);
    if (!message)
        return 0; //  interrupted
    zframe_t *identity = zmsg_pop(message);
    zframe_t *delimiter = NULL;
    if (zmsg_size(message) == 2 && zframe_size(zmsg_first(message)) == 0)
        delimiter = zmsg_pop(message);
    zframe_t *body = zmsg_pop(message);
    hms_msg_t request, reply;
    hms_msg_init(&request, HMS_MSG_NONE);
    hms_msg_init(&reply, HMS_MSG_NONE);
    bool bad = true;
    if (!identity || !body || zmsg_size(message) != 0)
        hms_msg_error(&reply, 0, HMS_CODE_BAD_REQUEST, "a request is one frame");
    else if (hms_msg_decode(&request, zframe_data(body), zframe_size(body)) != 0) {
        hms_msg_error(&reply, request.corr_id, hms_msg_error_code(request.decode_error), "%s",
                      request.decode_text);
        hms_warning("bad request (%zu bytes): %s", zframe_size(body), request.decode_text);
    } else {
        handle(arg, &request, &reply);
        bad = false;
    }
    if (bad && bad_requests)
        (*bad_requests)++;

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    if (identity && hms_msg_encode(&reply, &buffer) == 0) {
        zmsg_t *out = zmsg_new();
        zmsg_append(out, &identity);
        if (delimiter)
            zmsg_append(out, &delimiter);
        zmsg_addmem(out, buffer.data, buffer.size);
        if (zmsg_send(&out, router) != 0) {
            hms_info("reply not delivered: peer gone");
            zmsg_destroy(&out);
        }
    }
    msgpack_sbuffer_destroy(&buffer);
    hms_msg_reset(&request);
    hms_msg_reset(&reply);
    zframe_destroy(&identity);
    zframe_destroy(&delimiter);
    zframe_destroy(&body);
    zmsg_destroy(&message);
    return 0;
}

void hms_server_not_served(hms_msg_t *reply, const hms_msg_t *request, const char *role)
{
    hms_msg_error(reply, request->corr_id, HMS_CODE_NOT_IMPLEMENTED,
                  hms_msg_is_request(request->type) ? "'%s' is not served by %s"
                                                    : "'%s' is not a request",
                  hms_msg_type_name(request->type), role);
}

void hms_server_pong(hms_msg_t *reply, const hms_msg_t *request, const char *address,
                     hms_role_t role, uint64_t uptime_ms)
{
    hms_msg_ok(reply, HMS_MSG_PING, request->corr_id);
    snprintf(reply->pong.address, sizeof reply->pong.address, "%s", address);
    reply->pong.role = role;
    snprintf(reply->pong.version, sizeof reply->pong.version, "%s", HMS_VERSION);
    reply->pong.uptime_ms = uptime_ms;
}
