/*  hms_probe: ICMP echo prober; see hms_probe.h.

    Echo k to target i of a round with n targets has the index e = k * n + i,
    which is also the order of sending. The request carries e, the round
    number and a magic in its payload, so a reply leads straight back to its
    echo without any lookup, whatever the number of targets. It counts only
    when it comes from target i with the sequence number that was sent (and,
    on a raw socket, our id), is the first answer to that echo, and arrived
    within timeout of the request.
*/
#include "hms_probe.h"
#include "hms_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define S_MS           1000000LL //  nanoseconds per millisecond
#define S_MAGIC        "HMSp"    //  first bytes of our payload
#define S_UNSENT       0         //  echoes[e]: not sent (yet, or it failed)
#define S_ANSWERED     (-1)      //  echoes[e]: a reply was counted
#define S_SOCKET_BUF   (1 << 20) //  so a burst of thousands of replies is not dropped
#define S_READS_MAX    8192      //  packets read per wake-up, so a flood cannot hold the loop
#define S_SENDS_A_READ 256       //  sends between two reads during a big burst

//  An echo request or reply as it is on the wire, after any IP header.
typedef struct {
    uint8_t type;      //  ICMP_ECHO or ICMP_ECHOREPLY
    uint8_t code;      //  0
    uint16_t checksum; //  internet checksum of the whole message
    uint16_t id;       //  raw socket: our ident; datagram socket: set by the kernel
    uint16_t seq;      //  sequence number, network order
    char magic[4];     //  S_MAGIC: tells our payload from stray packets
    uint32_t round;    //  round number, host order (only we read it)
    uint32_t echo;     //  echo index e in that round, host order
} s_packet_t;

_Static_assert(sizeof(s_packet_t) == 20, "s_packet_t must have no padding");

struct _hms_probe_t {
    zloop_t *loop;                 //  polls the socket and the timer; not owned
    int fd;                        //  the ICMP socket, non-blocking
    bool raw;                      //  raw socket: IP header on input, our own id and checksum
    uint16_t ident;                //  echo id on a raw socket, to tell our replies from others'
    uint16_t seq_next;             //  first sequence number of the next round
    uint32_t round;                //  number of the current (or last) round
    bool running;                  //  a round is in progress; the fields below describe it
    hms_probe_target_t *targets;   //  the caller's targets; rtt_ms holds a sum until the end
    size_t n;                      //  number of targets
    hms_probe_settings_t settings; //  copy of the caller's settings
    hms_probe_done_fn *done;       //  called once when the round ends
    void *arg;                     //  for done
    int64_t *echoes;    //  per echo index: send time (CLOCK_MONOTONIC ns), S_UNSENT or S_ANSWERED
    size_t total;       //  number of echoes, n * count
    size_t next;        //  index of the next echo to send
    size_t outstanding; //  echoes sent and not answered yet
    uint16_t seq_base;  //  sequence number of echo 0; echo e has seq_base + e
    int64_t t0;         //  start of the round: echo e is due at t0 + (e / n) * interval
    int64_t last_send;  //  time of the last echo sent, 0 when none
    int timer_fd;       //  timerfd for the next tick (send or deadline), polled like fd
    int send_errno;     //  first hard send error of the round, logged once
};

static int64_t s_clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t s_now(void)
{
    return s_clock_ns(CLOCK_MONOTONIC);
}

static uint16_t s_checksum(const void *data, size_t size)
{
    const uint8_t *bytes = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < size; i += 2)
        sum += (uint32_t)bytes[i] << 8 | bytes[i + 1];
    if (size & 1)
        sum += (uint32_t)bytes[size - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

static int64_t s_due(hms_probe_t *self, size_t echo)
{
    return self->t0 + (int64_t)(echo / self->n) * self->settings.interval_ms * S_MS;
}

static void s_set_option(int fd, int level, int name, int value, const char *what)
{
    if (setsockopt(fd, level, name, &value, sizeof value) == -1)
        hms_warning("probe: cannot set %s: %s", what, strerror(errno));
}

static void s_configure(hms_probe_t *self)
{
    //  The FORCE variants pass net.core.rmem_max/wmem_max, but need CAP_NET_ADMIN.
    if (setsockopt(self->fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){S_SOCKET_BUF}, sizeof(int)) == -1)
        s_set_option(self->fd, SOL_SOCKET, SO_RCVBUF, S_SOCKET_BUF, "SO_RCVBUF");
    if (setsockopt(self->fd, SOL_SOCKET, SO_SNDBUFFORCE, &(int){S_SOCKET_BUF}, sizeof(int)) == -1)
        s_set_option(self->fd, SOL_SOCKET, SO_SNDBUF, S_SOCKET_BUF, "SO_SNDBUF");
    //  Kernel receive times keep RTTs exact when the loop reads a burst late.
    s_set_option(self->fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
    if (self->raw) {
        //  A raw socket gets every ICMP packet of the host; keep echo replies only
        //  (on loopback it would also see our own requests).
        struct icmp_filter filter = {~(1u << ICMP_ECHOREPLY)};
        if (setsockopt(self->fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) == -1)
            hms_warning("probe: cannot set ICMP_FILTER: %s", strerror(errno));
    }
    //  Random id and first sequence number: other probers on this host (a raw
    //  socket sees their replies) are unlikely to use the same.
    uint16_t bits[2];
    if (getrandom(bits, sizeof bits, GRND_NONBLOCK) != sizeof bits) {
        bits[0] = (uint16_t)getpid();
        bits[1] = (uint16_t)s_now();
    }
    self->ident = bits[0];
    self->seq_next = bits[1];
}

//  Sets the next tick for time at (CLOCK_MONOTONIC ns), or none when at is 0.
static int s_arm(hms_probe_t *self, int64_t at)
{
    struct itimerspec when = {.it_value = {at / 1000000000, at % 1000000000}};
    if (timerfd_settime(self->timer_fd, TFD_TIMER_ABSTIME, &when, NULL) == -1) {
        hms_error("probe: cannot set the timer: %s", strerror(errno));
        return -1;
    }
    return 0;
}

//  Forgets the round in progress: stops its timer and frees its state.
static void s_forget(hms_probe_t *self)
{
    s_arm(self, 0);
    free(self->echoes);
    self->echoes = NULL;
    self->targets = NULL;
    self->n = self->total = self->next = self->outstanding = 0;
    self->done = NULL;
    self->arg = NULL;
    self->running = false;
}

//  Ends the round: computes the results, forgets the round, then calls done
//  as the very last thing, so that done may start a round or destroy us.
static void s_finish(hms_probe_t *self)
{
    hms_probe_target_t *targets = self->targets;
    size_t n = self->n;
    hms_probe_done_fn *done = self->done;
    void *arg = self->arg;
    uint32_t count = self->settings.count;
    for (size_t i = 0; i < n; i++) {
        hms_probe_target_t *target = &targets[i];
        target->loss = 100.0 * (count - target->received) / count;
        target->rtt_ms = target->received ? target->rtt_ms / target->received : NAN;
        target->tail_lost = 0;
        for (uint32_t k = count; k > 0 && self->echoes[(k - 1) * n + i] != S_ANSWERED; k--)
            target->tail_lost++;
    }
    hms_debug("probe: round %u: %zu targets, %zu echoes, %.1f ms", self->round, n, self->total,
              (s_now() - self->t0) / 1e6);
    s_forget(self);
    done(self, targets, n, arg);
}

//  Sends echo e. Returns 1 when the socket is full and e must be retried
//  later, else 0: sent, or failed for good (then it counts as lost).
static int s_send(hms_probe_t *self, size_t e)
{
    hms_probe_target_t *target = &self->targets[e % self->n];
    s_packet_t packet = {.type = ICMP_ECHO,
                         .id = htons(self->ident),
                         .seq = htons((uint16_t)(self->seq_base + e)),
                         .round = self->round,
                         .echo = (uint32_t)e};
    memcpy(packet.magic, S_MAGIC, sizeof packet.magic);
    packet.checksum = s_checksum(&packet, sizeof packet);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = target->addr};
    //  Taken before sendto: on loopback the reply may be queued before it returns.
    int64_t now = s_now();
    while (sendto(self->fd, &packet, sizeof packet, 0, (struct sockaddr *)&to, sizeof to) == -1) {
        if (errno == EINTR)
            continue;
        //  A full socket: retry, unless the reply could not be in time anyway.
        bool full = errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS;
        if (full && now - s_due(self, e) <= (int64_t)self->settings.timeout_ms * S_MS)
            return 1;
        //  e.g. EPERM from a firewall rule, ENETUNREACH without a route.
        if (!self->send_errno) {
            self->send_errno = errno;
            hms_debug("probe: cannot send to %s: %s", inet_ntoa(target->addr), strerror(errno));
        }
        return 0;
    }
    self->echoes[e] = now;
    self->last_send = now;
    self->outstanding++;
    target->sent++;
    return 0;
}

//  Credits one packet read from the socket (with its IP header on a raw
//  socket) to its echo, when it is the first reply, in time, to an echo of
//  the current round. Returns true when it was credited. The packet comes
//  from the network: every field is checked.
static bool s_match(hms_probe_t *self, const uint8_t *data, size_t size, struct in_addr from,
                    int64_t at)
{
    if (!self->running)
        return false;
    if (self->raw) {
        if (size < 20 || data[0] >> 4 != 4)
            return false;
        size_t header = (size_t)(data[0] & 0x0f) * 4;
        if (header < 20 || header > size)
            return false;
        data += header;
        size -= header;
    }
    s_packet_t packet;
    if (size < sizeof packet)
        return false;
    memcpy(&packet, data, sizeof packet);
    if (packet.type != ICMP_ECHOREPLY || packet.code != 0 ||
        memcmp(packet.magic, S_MAGIC, sizeof packet.magic) != 0 || packet.round != self->round ||
        packet.echo >= self->total)
        return false;
    //  A datagram socket only gets its own replies; the kernel sets their id.
    if (self->raw && ntohs(packet.id) != self->ident)
        return false;
    size_t e = packet.echo;
    hms_probe_target_t *target = &self->targets[e % self->n];
    if (from.s_addr != target->addr.s_addr || ntohs(packet.seq) != (uint16_t)(self->seq_base + e))
        return false;
    int64_t sent = self->echoes[e];
    if (sent == S_UNSENT || sent == S_ANSWERED)
        return false; //  never sent, or a duplicate
    int64_t rtt = at > sent ? at - sent : 0;
    if (rtt > (int64_t)self->settings.timeout_ms * S_MS)
        return false; //  too late: it is lost
    self->echoes[e] = S_ANSWERED;
    self->outstanding--;
    target->received++;
    target->rtt_ms += rtt / 1e6;
    return true;
}

//  Reads the packets queued on the socket and credits the replies.
static void s_receive(hms_probe_t *self)
{
    //  The kernel stamps packets with CLOCK_REALTIME; move them to CLOCK_MONOTONIC.
    int64_t offset = s_clock_ns(CLOCK_REALTIME) - s_now();
    for (int reads = 0; reads < S_READS_MAX; reads++) {
        uint8_t buffer[256];
        union {
            char buffer[CMSG_SPACE(sizeof(struct timespec))];
            struct cmsghdr align;
        } control;
        struct sockaddr_in from = {0};
        struct iovec iov = {buffer, sizeof buffer};
        struct msghdr msg = {.msg_name = &from,
                             .msg_namelen = sizeof from,
                             .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = &control,
                             .msg_controllen = sizeof control};
        ssize_t size = recvmsg(self->fd, &msg, 0);
        if (size == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            //  EINTR, or an ICMP error reported on a datagram socket: read on.
            continue;
        }
        int64_t at = s_now();
        for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
            if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(cmsg), sizeof ts);
                int64_t kernel = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - offset;
                if (kernel < at)
                    at = kernel;
            }
        }
        if (msg.msg_namelen >= sizeof from && from.sin_family == AF_INET)
            s_match(self, buffer, (size_t)size, from.sin_addr, at);
    }
}

//  The socket is readable: credit the replies, and end the round when the
//  last echo has been sent and every echo sent has been answered.
static int s_on_readable(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    hms_probe_t *self = arg;
    s_receive(self);
    if (self->running && self->next == self->total && self->outstanding == 0)
        s_finish(self);
    return 0;
}

//  The timer fired. A tick:
//  - sends every echo that is due, in order (a full socket stops it: retry
//    1 ms later), reading replies now and then during a big burst;
//  - once all are sent, ends the round when every echo sent is answered or
//    the deadline (last send + timeout) has come, reading the socket first
//    so that replies that came in time count;
//  - else sets the timer for the next echo due, the retry or the deadline.
static int s_on_tick(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    hms_probe_t *self = arg;
    uint64_t expirations;
    ssize_t size = read(self->timer_fd, &expirations, sizeof expirations);
    (void)size; //  nothing to read after a cancel in this turn of the loop
    if (!self->running)
        return 0;
    int64_t now = s_now();
    bool full = false;
    for (size_t sends = 1; self->next < self->total && s_due(self, self->next) <= now; sends++) {
        if (s_send(self, self->next)) {
            full = true;
            break;
        }
        self->next++;
        if (sends % S_SENDS_A_READ == 0)
            s_receive(self);
    }
    int64_t wake;
    if (self->next < self->total)
        wake = full ? s_now() + S_MS : s_due(self, self->next);
    else {
        int64_t deadline = self->last_send + (int64_t)self->settings.timeout_ms * S_MS;
        bool expired = s_now() >= deadline;
        if (self->outstanding > 0 && expired)
            s_receive(self);
        if (self->outstanding == 0 || expired) {
            s_finish(self);
            return 0;
        }
        wake = deadline;
    }
    if (s_arm(self, wake) == -1)
        s_finish(self);
    return 0;
}

//  Registers fd with the loop; zloop would drop it silently after an error
//  unless it is tolerant.
static int s_poll(hms_probe_t *self, int fd, zloop_fn *handler)
{
    zmq_pollitem_t item = {NULL, fd, ZMQ_POLLIN, 0};
    if (zloop_poller(self->loop, &item, handler, self) == -1)
        return -1;
    zloop_poller_set_tolerant(self->loop, &item);
    return 0;
}

static void s_unpoll(hms_probe_t *self, int fd)
{
    zmq_pollitem_t item = {NULL, fd, ZMQ_POLLIN, 0};
    zloop_poller_end(self->loop, &item);
}

hms_probe_t *hms_probe_new(zloop_t *loop)
{
    assert(loop);
    hms_probe_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (self->fd == -1) {
        int dgram_errno = errno;
        self->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (self->fd == -1) {
            int raw_errno = errno;
            hms_error("probe: no ICMP socket: datagram: %s (net.ipv4.ping_group_range), raw: %s "
                      "(needs root or CAP_NET_RAW)",
                      strerror(dgram_errno), strerror(raw_errno));
            free(self);
            errno = raw_errno;
            return NULL;
        }
        self->raw = true;
    }
    s_configure(self);
    //  A timerfd rather than zloop timers: nanosecond deadlines, and once
    //  zloop_poller_end has run zloop never calls us again from a later turn,
    //  whereas a cancelled zloop timer can still fire.
    self->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (self->timer_fd == -1 || s_poll(self, self->fd, s_on_readable) == -1 ||
        s_poll(self, self->timer_fd, s_on_tick) == -1) {
        int error = self->timer_fd == -1 ? errno : ENOMEM;
        hms_error("probe: cannot set up the loop: %s", strerror(error));
        s_unpoll(self, self->fd);
        if (self->timer_fd != -1)
            close(self->timer_fd);
        close(self->fd);
        free(self);
        errno = error;
        return NULL;
    }
    return self;
}

void hms_probe_destroy(hms_probe_t **self_p)
{
    assert(self_p);
    hms_probe_t *self = *self_p;
    if (!self)
        return;
    hms_probe_cancel(self);
    s_unpoll(self, self->fd);
    s_unpoll(self, self->timer_fd);
    close(self->timer_fd);
    close(self->fd);
    free(self);
    *self_p = NULL;
}

const char *hms_probe_kind(hms_probe_t *self)
{
    assert(self);
    return self->raw ? "raw" : "dgram";
}

static bool s_settings_valid(const hms_probe_settings_t *settings)
{
    return settings && settings->count >= 1 && settings->count <= 1000 &&
           settings->interval_ms >= 1 && settings->interval_ms <= 60000 &&
           settings->timeout_ms >= 1 && settings->timeout_ms <= 60000;
}

int hms_probe_round(hms_probe_t *self, hms_probe_target_t *targets, size_t count,
                    const hms_probe_settings_t *settings, hms_probe_done_fn *done, void *arg)
{
    assert(self);
    if (self->running || !done || !s_settings_valid(settings) || (count > 0 && !targets) ||
        count > HMS_PROBE_MAX_ECHOES / settings->count)
        return -1;
    size_t total = count * settings->count;
    self->echoes = calloc(total ? total : 1, sizeof *self->echoes);
    if (!self->echoes)
        return -1;
    for (size_t i = 0; i < count; i++) {
        targets[i].sent = targets[i].received = 0;
        targets[i].loss = 100;
        targets[i].rtt_ms = 0;
        targets[i].tail_lost = settings->count;
    }
    self->running = true;
    self->targets = targets;
    self->n = count;
    self->settings = *settings;
    self->done = done;
    self->arg = arg;
    self->total = total;
    self->next = self->outstanding = 0;
    //  A new round number and fresh sequence numbers: late replies to an
    //  earlier round cannot be taken for replies to this one.
    self->round++;
    self->seq_base = self->seq_next;
    self->seq_next = (uint16_t)(self->seq_next + total);
    self->t0 = s_now();
    self->last_send = 0;
    self->send_errno = 0;
    if (s_arm(self, self->t0) == -1) {
        s_forget(self);
        return -1;
    }
    return 0;
}

void hms_probe_cancel(hms_probe_t *self)
{
    assert(self);
    if (self->running)
        s_forget(self);
}

bool hms_probe_busy(hms_probe_t *self)
{
    assert(self);
    return self->running;
}
