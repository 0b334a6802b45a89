/*  hms_probe: ICMP echo prober for many IPv4 targets at once.

    One non-blocking ICMP socket serves every target: an unprivileged
    datagram ("ping") socket when net.ipv4.ping_group_range allows it, else a
    raw socket (root or CAP_NET_RAW). A czmq zloop polls it and a timerfd
    that paces the sends. A round sends echo k (k = 0 .. count-1) to every
    target at t0 + k * interval, counts the replies that come back within
    timeout of their request, and reports once through a callback from the
    loop. Nothing blocks the loop.

    A round ends as soon as every echo sent has been answered, else at the
    last send + timeout. Loss counts every echo that was due: one that could
    not be sent (e.g. a firewall rejected it) is lost too.
*/
#ifndef HMS_PROBE_H_INCLUDED
#define HMS_PROBE_H_INCLUDED

#include <czmq.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hms_probe_t hms_probe_t;

//  How a round probes each target. Valid: count 1..1000, interval_ms and
//  timeout_ms 1..60000, and targets x count at most HMS_PROBE_MAX_ECHOES.
typedef struct {
    uint32_t count;       //  echo requests per target per round
    uint32_t interval_ms; //  time between two echoes to the same target
    uint32_t timeout_ms;  //  how long to wait for each reply
} hms_probe_settings_t;

//  The seed's defaults: 20 echoes, 10 ms apart, 100 ms timeout.
#define HMS_PROBE_SETTINGS_DEFAULT ((hms_probe_settings_t){20, 10, 100})

//  Most echoes (targets x count) one round may send.
#define HMS_PROBE_MAX_ECHOES (1u << 20)

//  One target of a round. The caller sets addr and arg; the round fills the
//  results, which are valid once done has been called.
typedef struct {
    struct in_addr addr; //  IPv4 target (set by the caller)
    void *arg;           //  caller's tag, untouched
    uint32_t sent;       //  echo requests the kernel accepted
    uint32_t received;   //  distinct replies in time
    double loss;         //  percent of the count echoes lost; 100 when none could be sent
    double rtt_ms;       //  mean round-trip time of the replies, NAN when none
    uint32_t tail_lost;  //  echoes lost in a row at the end of the round (count when none came)
} hms_probe_target_t;

//  Called once from the loop (from a poller of the probe) when a round ends.
//  targets and count are those given to hms_probe_round. It may start the
//  next round, or destroy the probe.
typedef void(hms_probe_done_fn)(hms_probe_t *probe, hms_probe_target_t *targets, size_t count,
                                void *arg);

//  Opens the ICMP socket (datagram, else raw) and registers it with loop,
//  which must outlive the probe. Returns NULL (errno set, error logged) when
//  neither kind of socket can be opened.
hms_probe_t *hms_probe_new(zloop_t *loop);

//  Cancels a round in progress without calling done, closes the socket,
//  frees the probe and sets *self_p to NULL. Safe on NULL. Call it outside
//  the loop, from done or from a poller, but not from a zloop timer handler:
//  czmq may still call the probe's pollers in that turn of the loop.
void hms_probe_destroy(hms_probe_t **self_p);

//  Returns "dgram" or "raw": the kind of socket in use (static string).
const char *hms_probe_kind(hms_probe_t *self);

//  Starts a round. targets stay owned by the caller and must stay valid
//  until done is called or the round is cancelled. Returns 0, or -1 when a
//  round is already running, settings are invalid or memory is short. With
//  count 0, done is called from the loop soon (never from inside this call).
int hms_probe_round(hms_probe_t *self, hms_probe_target_t *targets, size_t count,
                    const hms_probe_settings_t *settings, hms_probe_done_fn *done, void *arg);

//  Stops the round in progress, if any, without calling done; its results
//  are undefined. Late replies to it are ignored.
void hms_probe_cancel(hms_probe_t *self);

//  Returns true while a round is running.
bool hms_probe_busy(hms_probe_t *self);

#endif
