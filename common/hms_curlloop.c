/*  hms_curlloop: libcurl's multi interface driven by a zloop.  */

#include "hms_curlloop.h"

#include <stdlib.h>

struct _hms_curlloop_t {
    zloop_t *loop;          //  drives curl; not owned
    CURLM *multi;           //  every transfer
    int timer_id;           //  the zloop timer curl asked for, or -1
    hms_curlloop_fn *after; //  the owner's
    void *arg;
};

//  zloop poller: an fd curl watches is ready.
static int s_on_socket(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    hms_curlloop_t *self = arg;
    int mask = ((item->revents & ZMQ_POLLIN) ? CURL_CSELECT_IN : 0) |
               ((item->revents & ZMQ_POLLOUT) ? CURL_CSELECT_OUT : 0) |
               ((item->revents & ZMQ_POLLERR) ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action(self->multi, item->fd, mask, &running);
    self->after(self->arg);
    return 0;
}

//  zloop timer: curl's timeout expired.
static int s_on_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    hms_curlloop_t *self = arg;
    if (timer_id != self->timer_id)
        return 0; //  replaced earlier in this pass of the loop
    //  zloop frees a one-shot timer once fired: forget it before curl
    //  asks for the next one, or s_curl_timer would end a freed timer
    self->timer_id = -1;
    int running;
    curl_multi_socket_action(self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    self->after(self->arg);
    return 0;
}

//  curl's socket callback: which fds to watch, for what. CURL_POLL_REMOVE
//  comes before curl closes the fd (also when a transfer is removed or the
//  multi handle cleaned up); the poller must go then, because a closed fd
//  left in zloop's poll set makes zmq_poll fail, which ends the loop.
static int s_curl_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *socketp)
{
    (void)easy;
    (void)socketp;
    hms_curlloop_t *self = arg;
    zmq_pollitem_t item = {NULL, fd, 0, 0};
    zloop_poller_end(self->loop, &item); //  also before a change of events
    if (what == CURL_POLL_REMOVE)
        return 0;
    item.events =
        ((what & CURL_POLL_IN) ? ZMQ_POLLIN : 0) | ((what & CURL_POLL_OUT) ? ZMQ_POLLOUT : 0);
    if (zloop_poller(self->loop, &item, s_on_socket, self))
        return -1;
    //  curl reads errors from the socket itself; zloop must not drop it
    zloop_poller_set_tolerant(self->loop, &item);
    return 0;
}

//  curl's timer callback: one one-shot zloop timer at a time. It must not
//  call curl_multi_socket_action itself (even for timeout 0): s_on_timer
//  does, from the loop.
static int s_curl_timer(CURLM *multi, long timeout_ms, void *arg)
{
    (void)multi;
    hms_curlloop_t *self = arg;
    if (self->timer_id != -1) {
        zloop_timer_end(self->loop, self->timer_id);
        self->timer_id = -1;
    }
    if (timeout_ms >= 0) {
        self->timer_id = zloop_timer(self->loop, (size_t)timeout_ms, 1, s_on_timer, self);
        if (self->timer_id == -1)
            return -1;
    }
    return 0;
}

hms_curlloop_t *hms_curlloop_new(zloop_t *loop, hms_curlloop_fn *after, void *arg)
{
    hms_curlloop_t *self = calloc(1, sizeof *self);
    if (!self || !(self->multi = curl_multi_init())) {
        free(self);
        return NULL;
    }
    *self = (hms_curlloop_t){loop, self->multi, -1, after, arg};
    curl_multi_setopt(self->multi, CURLMOPT_SOCKETFUNCTION, s_curl_socket);
    curl_multi_setopt(self->multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt(self->multi, CURLMOPT_TIMERFUNCTION, s_curl_timer);
    curl_multi_setopt(self->multi, CURLMOPT_TIMERDATA, self);
    return self;
}

CURLM *hms_curlloop_multi(hms_curlloop_t *self)
{
    return self->multi;
}

void hms_curlloop_destroy(hms_curlloop_t **self_p)
{
    hms_curlloop_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    //  Cleanup may still call s_curl_socket and s_curl_timer.
    curl_multi_cleanup(self->multi);
    if (self->timer_id != -1)
        zloop_timer_end(self->loop, self->timer_id);
    free(self);
    *self_p = NULL;
}
