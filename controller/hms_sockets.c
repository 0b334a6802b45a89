/*  hms_sockets: many ZeroMQ sockets watched by a zloop through one epoll
    descriptor.
*/

#include "hms_sockets.h"
#include "hms_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define BATCH      32  //  messages read from one socket in a turn
#define EVENTS_MAX 256 //  epoll events taken in one call

typedef struct s_watch_t {
    zsock_t *sock; //  NULL once removed
    zloop_reader_fn *handler;
    void *arg;
    bool queued;            //  in the ready queue
    struct s_watch_t *next; //  next in the ready queue
} s_watch_t;

struct _hms_sockets_t {
    zloop_t *loop;
    int epoll;              //  the set
    int kick;               //  an eventfd in the set: work is queued
    bool kicked;            //  it is signalled
    zhashx_t *watches;      //  "%p" of a socket: its s_watch_t
    s_watch_t *head, *tail; //  ready queue
    s_watch_t *current;     //  being read
};

static void s_key(const zsock_t *sock, char *key, size_t size)
{
    snprintf(key, size, "%p", (const void *)sock);
}

static void s_queue(hms_sockets_t *self, s_watch_t *watch)
{
    if (watch->queued)
        return;
    watch->queued = true;
    watch->next = NULL;
    if (self->tail)
        self->tail->next = watch;
    else
        self->head = watch;
    self->tail = watch;
}

static s_watch_t *s_pop(hms_sockets_t *self)
{
    s_watch_t *watch = self->head;
    self->head = watch->next;
    if (!self->head)
        self->tail = NULL;
    watch->queued = false;
    return watch;
}

static void s_kick(hms_sockets_t *self)
{
    uint64_t one = 1;
    if (!self->kicked && write(self->kick, &one, sizeof one) == sizeof one)
        self->kicked = true;
}

//  Reads what watch's socket has, BATCH messages at most; queued again
//  when it may have more. Returns -1 when a handler ends the loop.
static int s_read(hms_sockets_t *self, s_watch_t *watch)
{
    self->current = watch;
    int rc = 0;
    for (int i = 0; rc == 0 && i < BATCH; i++) {
        if (!watch->sock || !(zsock_events(watch->sock) & ZMQ_POLLIN))
            break;
        rc = watch->handler(self->loop, watch->sock, watch->arg) == -1 ? -1 : 0;
        if (i == BATCH - 1 && watch->sock)
            s_queue(self, watch);
    }
    self->current = NULL;
    //  The loop ends with the socket maybe not read to the end: it may not
    //  signal again, so it is read first if the loop runs again.
    if (rc != 0 && watch->sock) {
        s_queue(self, watch);
        s_kick(self);
    }
    if (!watch->sock && !watch->queued)
        free(watch);
    return rc;
}

//  The set's descriptor is readable: what epoll reports joins the queue,
//  then each socket queued so far is read once around.
static int s_ready(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    hms_sockets_t *self = arg;
    struct epoll_event events[EVENTS_MAX];
    int count = epoll_wait(self->epoll, events, EVENTS_MAX, 0);
    for (int i = 0; i < count; i++) {
        uint64_t value;
        if (events[i].data.ptr)
            s_queue(self, events[i].data.ptr);
        else if (read(self->kick, &value, sizeof value) == sizeof value || errno == EAGAIN)
            self->kicked = false;
    }
    s_watch_t *last = self->tail;
    int rc = 0;
    while (self->head && rc == 0) {
        s_watch_t *watch = s_pop(self);
        bool end = watch == last;
        rc = s_read(self, watch);
        if (end)
            break;
    }
    if (self->head)
        s_kick(self);
    return rc;
}

static int s_poll(hms_sockets_t *self, int op, int fd, void *ptr)
{
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = ptr};
    return epoll_ctl(self->epoll, op, fd, &event);
}

hms_sockets_t *hms_sockets_new(zloop_t *loop)
{
    hms_sockets_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->epoll = epoll_create1(EPOLL_CLOEXEC);
    self->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    self->watches = zhashx_new();
    zmq_pollitem_t item = {NULL, self->epoll, ZMQ_POLLIN, 0};
    if (self->epoll < 0 || self->kick < 0 || !self->watches ||
        s_poll(self, EPOLL_CTL_ADD, self->kick, NULL) != 0 ||
        zloop_poller(loop, &item, s_ready, self) != 0) {
        hms_error("cannot watch sockets: %s", strerror(errno));
        hms_sockets_destroy(&self);
    }
    return self;
}

void hms_sockets_destroy(hms_sockets_t **self_p)
{
    hms_sockets_t *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    zmq_pollitem_t item = {NULL, self->epoll, ZMQ_POLLIN, 0};
    if (self->epoll >= 0)
        zloop_poller_end(self->loop, &item);
    //  Removed sockets still queued are in the queue alone.
    while (self->head) {
        s_watch_t *watch = s_pop(self);
        if (!watch->sock)
            free(watch);
    }
    for (s_watch_t *watch = zhashx_first(self->watches); watch; watch = zhashx_next(self->watches))
        free(watch);
    zhashx_destroy(&self->watches);
    if (self->kick >= 0)
        close(self->kick);
    if (self->epoll >= 0)
        close(self->epoll);
    free(self);
}

int hms_sockets_add(hms_sockets_t *self, zsock_t *sock, zloop_reader_fn handler, void *arg)
{
    char key[32];
    s_key(sock, key, sizeof key);
    s_watch_t *watch = calloc(1, sizeof *watch);
    if (!watch || zhashx_insert(self->watches, key, watch) != 0) {
        free(watch);
        return -1;
    }
    *watch = (s_watch_t){sock, handler, arg, false, NULL};
    if (s_poll(self, EPOLL_CTL_ADD, zsock_fd(sock), watch) != 0) {
        hms_error("cannot watch a socket: %s", strerror(errno));
        zhashx_delete(self->watches, key);
        free(watch);
        return -1;
    }
    //  Whatever arrived before it was watched has signalled nobody.
    s_queue(self, watch);
    s_kick(self);
    return 0;
}

void hms_sockets_remove(hms_sockets_t *self, zsock_t *sock)
{
    char key[32];
    s_key(sock, key, sizeof key);
    s_watch_t *watch = zhashx_lookup(self->watches, key);
    if (!watch)
        return;
    zhashx_delete(self->watches, key);
    s_poll(self, EPOLL_CTL_DEL, zsock_fd(sock), NULL);
    watch->sock = NULL;
    //  Freed when it leaves the queue, or when its reading ends.
    if (!watch->queued && watch != self->current)
        free(watch);
}

void hms_sockets_check(hms_sockets_t *self, zsock_t *sock)
{
    char key[32];
    s_key(sock, key, sizeof key);
    s_watch_t *watch = zhashx_lookup(self->watches, key);
    if (watch) {
        s_queue(self, watch);
        s_kick(self);
    }
}
