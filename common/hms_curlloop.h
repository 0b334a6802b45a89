/*  hms_curlloop: libcurl's multi interface driven by a zloop.

    curl tells s_curl_socket which fds to watch and s_curl_timer when it
    wants to be called back; the zloop then calls s_on_socket or
    s_on_timer, which hand control to curl with curl_multi_socket_action
    and afterwards call the owner's after callback. The owner reads what
    finished (curl_multi_info_read) and starts new transfers there, never
    inside a curl callback: curl refuses curl_multi_add_handle from its own
    callbacks. Used by the Docker client (hms_docker) and the controller's
    push to VictoriaMetrics (hms_vmpush): their transfers never block
    their loop.
*/
#ifndef HMS_CURLLOOP_H_INCLUDED
#define HMS_CURLLOOP_H_INCLUDED

#include <curl/curl.h>
#include <czmq.h>

typedef struct _hms_curlloop_t hms_curlloop_t;

//  Called after curl acted on a socket or a timeout.
typedef void(hms_curlloop_fn)(void *arg);

//  A multi handle whose sockets and timeouts loop watches, after(arg)
//  called each time curl has acted. NULL when out of memory.
hms_curlloop_t *hms_curlloop_new(zloop_t *loop, hms_curlloop_fn *after, void *arg);

//  Its multi handle (add and remove easy handles there).
CURLM *hms_curlloop_multi(hms_curlloop_t *self);

//  Cleans the multi handle up (remove the easy handles first) and ends its
//  pollers and timer: the loop must still exist. Safe on NULL.
void hms_curlloop_destroy(hms_curlloop_t **self_p);

#endif
