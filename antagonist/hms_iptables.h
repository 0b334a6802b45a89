/*  hms_iptables: the rules of loss attacks, put in and taken out by
    iptables child processes that never block the loop.

    A loss attack's rules are a chain, HMS_ANTAGONIST_CHAIN, holding one
    DROP with the statistic match, jumped to from INPUT (in the target's
    namespace) or from OUTPUT and FORWARD (on the host). Putting it in or
    taking it out is a short script of iptables commands; scripts run one
    at a time, in the order they were asked for (so that a chain taken out
    of the host is gone before the next attack's goes in), each command a
    child process whose output the loop reads and which the loop reaps.
    When the loop no longer runs (the antagonist is exiting), hms_iptables_flush
    runs what is queued to its end, blocking.
*/
#ifndef HMS_IPTABLES_H_INCLUDED
#define HMS_IPTABLES_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _hms_iptables_t hms_iptables_t;

//  A script's end: rc 0 (1: a sweep removed a chain), or -1 with what
//  iptables said in error.
typedef void(hms_iptables_done_fn)(int rc, const char *error, void *arg);

//  Scripts run from loop, which must outlive the runner.
hms_iptables_t *hms_iptables_new(zloop_t *loop);

//  Runs what is queued to its end (hms_iptables_flush), then frees.
void hms_iptables_destroy(hms_iptables_t **self_p);

//  Queues putting the chain in netns (a path for nsenter --net; NULL: the
//  host): a DROP of probability loss/100, of packets to ip only when ip is
//  not NULL, jumped to from each chain of jumps (NULL-terminated). done
//  is called once, from the loop (or from hms_iptables_flush). Returns 0,
//  or -1 when out of memory (done is not called).
int hms_iptables_install(hms_iptables_t *self, const char *netns, const char *const *jumps,
                         const char *ip, double loss, hms_iptables_done_fn *done, void *arg);

//  Queues taking the jumps (however many) and the chain out; rc 0 when the
//  chain is gone, even if someone else took it out.
int hms_iptables_uninstall(hms_iptables_t *self, const char *netns, const char *const *jumps,
                           hms_iptables_done_fn *done, void *arg);

//  Runs every queued script to its end now, blocking: for when the loop
//  does not run any more.
void hms_iptables_flush(hms_iptables_t *self);

//  Queues removing a chain left by a crash from netns (NULL: the host).
//  done's rc: 1 when one was removed, 0 when there was none, -1 when it
//  could not be removed.
int hms_iptables_sweep(hms_iptables_t *self, const char *netns, hms_iptables_done_fn *done,
                       void *arg);

//  The same, blocking: for the host, before the loop runs. Returns as
//  done's rc, with the error in error.
int hms_iptables_sweep_now(const char *netns, char *error, size_t size);

#endif
