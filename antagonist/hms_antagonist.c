/*  hms_antagonist: the fault injector of HMS, one zloop.

    Docker calls are curl transfers driven by the loop (hms_docker); the
    iptables commands of loss attacks are child processes the loop starts,
    reads and reaps (hms_iptables): the loop never waits for either.

    Reproducibility: every attempt takes its draws from one xoshiro256**
    stream seeded at start (and again after a conf_antagonist), in a fixed
    order (the wait before the attempt; u; then v, target, and for a loss
    attack two more for the Gaussian and one for its length), and the times
    of the attempts are planned, not measured: an attempt is due its wait
    after the previous one, or after the planned end of the loss attack it
    drew. As in the seed's antagonist (numpy.random.exponential), the wait
    is drawn from an exponential distribution of mean `frequency` and a
    loss attack lasts an exponential draw of mean `duration`; --timing
    fixed makes both exactly their mean (no draw). A target that is not running gets a
    no-op attack that draws and waits the same. So a seed and a target list
    give the same (time, kind, target, loss) sequence whatever Docker or a
    healer does meanwhile.
*/

#include "hms_antagonist.h"
#include "hms_client.h"
#include "hms_docker.h"
#include "hms_file.h"
#include "hms_iptables.h"
#include "hms_threats.h"
#include "hms_daemon.h"
#include "hms_log.h"
#include "hms_msg.h"
#include "hms_server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <unistd.h>

//  How long the start-up sweep of the containers' namespaces may take
//  before commands are served anyway.
#define SWEEP_TIMEOUT_MS 10000
//  A loop held up this long behind its schedule starts a new one instead
//  of catching up with a burst of attempts.
#define LATE_MS       1000
#define SIGMA_DEFAULT 10.0
//  The loop wakes at least this often: a signal that arrives while it is
//  not in zmq_poll is seen no later than this.
#define TICK_MS 100

const hms_option_t hms_antagonist_options[] = {
    {"router", 0, HMS_OPT_STRING, offsetof(hms_antagonist_config_t, router_endpoint), "", 0, 0,
     "ENDPOINT",
     "ROUTER socket for commands (default: tcp://*:7603 with a key pair, else "
     "tcp://127.0.0.1:7603; tcp://HOST:* for both picks two free ports)"},
    {"pub", 0, HMS_OPT_STRING, offsetof(hms_antagonist_config_t, pub_endpoint), "", 0, 0,
     "ENDPOINT", "PUB socket for attack events (default: the ROUTER port + 1)"},
    HMS_HOST_OPTIONS(hms_antagonist_config_t),
    {"targets", 'T', HMS_OPT_STRING, offsetof(hms_antagonist_config_t, targets),
     "hms.antagonist=target", 0, 0, "KEY[=VALUE]",
     "attack the containers with this label (\"\": every container of the host)"},
    {"name", 'n', HMS_OPT_STRING, offsetof(hms_antagonist_config_t, name), "", 0, 0, "TEXT",
     "name of the test, e.g. test_low_low"},
    {"loss", 0, HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, loss), "80", 0, 100, "PERCENT",
     "mean of the Gaussian loss % of a loss attack"},
    {"balance", 0, HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, balance), "70", 0, 100,
     "PERCENT", "% of attacks that are shutdowns; the rest are loss attacks"},
    {"heavy", 0, HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, heavy), "25", 0, 100, "PERCENT",
     "% chance that an attempt attacks"},
    {"frequency", 'f', HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, frequency), "1",
     HMS_FREQUENCY_MIN, HMS_FREQUENCY_MAX, "SECONDS", "mean time between two attempts"},
    {"duration", 0, HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, duration), "5",
     HMS_FREQUENCY_MIN, HMS_FREQUENCY_MAX, "SECONDS",
     "mean time a loss attack lasts (no attempt meanwhile)"},
    {"timing", 0, HMS_OPT_STRING, offsetof(hms_antagonist_config_t, timing), "exponential", 0, 0,
     "exponential|fixed",
     "waits and loss lengths drawn from exponential distributions of mean --frequency and "
     "--duration, as the seed's antagonist did, or exactly those means"},
    {"sigma", 0, HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, sigma), "10", 0, 100, "PERCENT",
     "standard deviation of the loss %"},
    {"seed", 0, HMS_OPT_STRING, offsetof(hms_antagonist_config_t, seed), "0", 0, 0, "N",
     "random seed, 0 to 2^53-1 (0: chosen from the clock, and reported)"},
    {"mode", 'm', HMS_OPT_STRING, offsetof(hms_antagonist_config_t, mode), "stop", 0, 0,
     "stop|kill", "how a shutdown attack stops a container"},
    {"stop-timeout", 0, HMS_OPT_INT, offsetof(hms_antagonist_config_t, stop_timeout_s), "1", 0, 600,
     "S", "seconds docker stop gives a container before it kills it"},
    {"loss-scope", 0, HMS_OPT_STRING, offsetof(hms_antagonist_config_t, loss_scope), "container", 0,
     0, "container|host",
     "drop packets in the target's own namespace (a restart clears it) or on the host"},
    {"kinds", 0, HMS_OPT_STRING, offsetof(hms_antagonist_config_t, kinds), "shutdown,loss", 0, 0,
     "LIST",
     "attack kinds drawn: the seed's (shutdown, loss: --balance chooses) or any of cpu_burn, "
     "fork_bomb, memory_leak, network_flood, privileged_exec, escape (uniformly)"},
    {"leak-rate", 0, HMS_OPT_DOUBLE, offsetof(hms_antagonist_config_t, leak_rate), "4", 0.01, 1024,
     "MIB", "MiB a second a memory_leak attack adds"},
    {"start", 's', HMS_OPT_BOOL, offsetof(hms_antagonist_config_t, start), "false", 0, 0, NULL,
     "attack from launch instead of waiting for start_antagonist"},
    HMS_TRANSPORT_OPTIONS(hms_antagonist_config_t, transport),
    HMS_DAEMON_OPTIONS(hms_antagonist_config_t, "the endpoints bound and the address"),
    {NULL}};

//  The chains a loss attack jumps from, by scope.
static const char *const s_container_jumps[] = {"INPUT", NULL};
static const char *const s_host_jumps[] = {"OUTPUT", "FORWARD", NULL};

typedef enum { SCOPE_CONTAINER, SCOPE_HOST } scope_t;

//  xoshiro256** (Blackman and Vigna), seeded through splitmix64.
typedef struct {
    uint64_t s[4];
} rng_t;

//  A container that may be attacked.
typedef struct {
    char id[HMS_ID_MAX + 1];     //  full id
    char name[HMS_NAME_MAX + 1]; //  name without the leading '/'
} target_t;

//  One attack, from its draw until its end is published and no Docker
//  callback refers to it any more.
typedef struct {
    struct _hms_antagonist_t *self; //  the antagonist
    void *handle;                   //  this record in self->attacks
    uint64_t id;                    //  attack_id
    hms_attack_kind_t kind;         //  shutdown or loss
    hms_shutdown_mode_t mode;       //  shutdowns: stop or kill
    target_t target;                //  copied: the target list may change meanwhile
    double loss;                    //  loss attacks: % of packets dropped
    uint64_t duration_ms;           //  loss attacks: planned length
    uint64_t due_end;               //  loss attacks: monotonic ms of the planned end
    uint64_t started;               //  monotonic ms of the start event; 0: not published
    bool waiting;                   //  a Docker callback will come with this record
    bool ended;                     //  the end event is published
    int ns_fd;                      //  scope container: the target's network namespace; -1
    char ip[HMS_IP_MAX + 1];        //  scope host: the target's address
    bool rules;                     //  the rules are in (or going in)
    int scripts;                    //  iptables scripts that will call back with it
    char how[HMS_TEXT_MAX + 1];     //  loss attacks: why it ended, once it did
    char peer[HMS_IP_MAX + 1];      //  network floods: the peer's address
} attack_t;

struct _hms_antagonist_t {
    char address[HMS_ADDRESS_MAX + 1]; //  reported in every message
    char *label;                       //  targets' label; NULL: every container
    int stop_timeout_s;                //  for docker stop
    scope_t scope;                     //  where loss attacks drop packets
    bool fixed_timing;                 //  --timing fixed: no draw for waits and lengths
    bool start_at_ready;               //  --start
    hms_antagonist_conf_t conf;        //  in force: sigma, seed and mode always set
    bool running;                      //  attempts are being made
    rng_t rng;                         //  the draws
    bool reseed;                       //  reseed from conf.seed at the next attempt
    uint64_t attempts;                 //  since the last start
    uint64_t shutdowns;                //  shutdown attacks since the last start
    uint64_t loss_attacks;             //  loss attacks since the last start
    target_t *targets;                 //  sorted by name
    size_t target_count;
    bool listing;         //  a listing of the targets is in flight
    bool relist;          //  another one is wanted when it returns
    bool listed;          //  the first listing returned
    bool swept;           //  the start-up sweep is done
    bool ready;           //  commands are served
    size_t sweep_pending; //  inspects of the sweep in flight
    size_t sweep_removed; //  stale chains it removed
    zloop_t *loop;
    hms_transport_t *transport; //  keys and the ZAP handler of router and pub
    char *ready_file;           //  written once commands are served; NULL: none
    bool failed;                //  it could not be: the loop ends at the next tick
    zsock_t *router;            //  commands
    zsock_t *pub;               //  attack events
    hms_docker_t *docker;       //  engine client
    hms_iptables_t *iptables;   //  the rules of loss attacks
    zlistx_t *attacks;          //  attack_t not yet done
    attack_t *loss_attack;      //  the loss attack in progress, or NULL
    unsigned kinds;             //  1 << hms_attack_kind_t of each kind drawn
    double leak_mib_s;          //  memory_leak attacks' rate
    attack_t *threat;           //  the threat in progress, or NULL
    int threat_timer;           //  its end
    uint64_t threats;           //  threats since the last start
    int attempt_timer;          //  zloop timer ids, -1 when none
    int end_timer;
    int sweep_timer;
    uint64_t base_ms;      //  monotonic ms the next attempt is planned from
    uint64_t next_due;     //  monotonic ms the next attempt is due
    uint64_t event_seq;    //  last attack event's seq
    uint64_t attack_seq;   //  last attack_id
    uint64_t started_mono; //  monotonic ms of our start
    uint64_t bad_requests; //  requests answered with an error
};

static uint64_t s_now(void)
{
    return (uint64_t)zclock_mono();
}

//  Random draws.

static uint64_t s_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void s_rng_seed(rng_t *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = s_splitmix64(&seed);
}

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t s_rng_next(rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = s_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return result;
}

//  Uniform in [0, 1), 53 bits.
static double s_uniform(rng_t *rng)
{
    return (double)(s_rng_next(rng) >> 11) * 0x1.0p-53;
}

//  Standard normal (Box-Muller; two draws, the second value unused).
static double s_gaussian(rng_t *rng)
{
    double u1 = 1.0 - s_uniform(rng); //  (0, 1]: log stays finite
    double u2 = s_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

//  A seed for "0": from the clocks and the pid, never 0, at most
//  HMS_SEED_MAX (it is reported, JSON included).
static uint64_t s_pick_seed(void)
{
    uint64_t state =
        (uint64_t)zclock_time() * 1000003u ^ (uint64_t)zclock_usecs() ^ ((uint64_t)getpid() << 32);
    uint64_t seed = s_splitmix64(&state) & HMS_SEED_MAX;
    return seed ? seed : 1;
}

//  Publishing.

static void s_publish(hms_antagonist_t *self, attack_t *attack, hms_phase_t phase)
{
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_ATTACK);
    hms_attack_t *event = &msg.attack;
    snprintf(event->address, sizeof event->address, "%s", self->address);
    event->seq = ++self->event_seq;
    event->attack_id = attack->id;
    event->phase = phase;
    event->kind = attack->kind;
    snprintf(event->container, sizeof event->container, "%s", attack->target.id);
    snprintf(event->name, sizeof event->name, "%s", attack->target.name);
    event->loss = attack->kind == HMS_ATTACK_LOSS ? attack->loss : NAN;
    event->duration_ms = attack->kind == HMS_ATTACK_SHUTDOWN ? 0 : attack->duration_ms;
    event->ts_ms = (uint64_t)zclock_time();
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    if (hms_msg_encode(&msg, &buffer) == 0) {
        const char *topic = hms_msg_type_name(HMS_MSG_ATTACK);
        zframe_t *frame = zframe_new(topic, strlen(topic));
        zframe_send(&frame, self->pub, ZFRAME_MORE);
        frame = zframe_new(buffer.data, buffer.size);
        zframe_send(&frame, self->pub, 0);
    }
    msgpack_sbuffer_destroy(&buffer);
}

//  Publishes and logs the start of an attack.
static void s_attack_start(attack_t *attack)
{
    hms_antagonist_t *self = attack->self;
    attack->started = s_now();
    s_publish(self, attack, HMS_PHASE_START);
    if (attack->kind == HMS_ATTACK_LOSS)
        hms_notice("attack %" PRIu64 " start: loss %.1f%% of the packets to %s (%.12s) for %" PRIu64
                   " ms, scope %s",
                   attack->id, attack->loss, attack->target.name, attack->target.id,
                   attack->duration_ms, self->scope == SCOPE_HOST ? "host" : "container");
    else if (attack->kind == HMS_ATTACK_SHUTDOWN)
        hms_notice("attack %" PRIu64 " start: %s %s (%.12s)", attack->id,
                   attack->mode == HMS_MODE_KILL ? "kill" : "stop", attack->target.name,
                   attack->target.id);
    else
        hms_notice("attack %" PRIu64 " start: %s in %s (%.12s) for %" PRIu64 " ms%s%s", attack->id,
                   hms_attack_kind_name(attack->kind), attack->target.name, attack->target.id,
                   attack->duration_ms, *attack->peer ? ", towards " : "", attack->peer);
}

//  Publishes and logs the end of an attack (its start first, when that is
//  not out yet: every attack publishes both). how says what happened.
static void s_attack_end(attack_t *attack, const char *how)
{
    if (attack->ended)
        return;
    if (!attack->started)
        s_attack_start(attack);
    attack->ended = true;
    s_publish(attack->self, attack, HMS_PHASE_END);
    hms_notice("attack %" PRIu64 " end: %s %s after %" PRIu64 " ms: %s", attack->id,
               hms_attack_kind_name(attack->kind), attack->target.name, s_now() - attack->started,
               how);
}

static attack_t *s_attack_new(hms_antagonist_t *self, hms_attack_kind_t kind,
                              const target_t *target)
{
    attack_t *attack = calloc(1, sizeof *attack);
    if (!attack)
        return NULL;
    attack->self = self;
    attack->id = ++self->attack_seq;
    attack->kind = kind;
    attack->target = *target;
    attack->ns_fd = -1;
    attack->handle = zlistx_add_end(self->attacks, attack);
    if (!attack->handle) {
        free(attack);
        return NULL;
    }
    return attack;
}

static void s_attack_destructor(void **item)
{
    attack_t *attack = *item;
    if (attack->ns_fd >= 0)
        close(attack->ns_fd);
    free(attack);
    *item = NULL;
}

//  Forgets an attack whose end is published, unless a Docker callback or an
//  iptables script still refers to it (the last of them then frees it).
static void s_attack_done(attack_t *attack)
{
    if (attack->waiting || attack->scripts > 0)
        return; //  the last callback frees it
    if (attack->ns_fd >= 0) {
        close(attack->ns_fd);
        attack->ns_fd = -1;
    }
    zlistx_delete(attack->self->attacks, attack->handle);
}

//  Shutdown attacks.

static void s_on_shutdown(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    attack_t *attack = arg;
    attack->waiting = false;
    const char *verb = attack->mode == HMS_MODE_KILL ? "kill" : "stop";
    char how[HMS_TEXT_MAX + 1];
    if (result->status == 304 || result->status == 409)
        snprintf(how, sizeof how, "was not running (no-op)");
    else if (result->error) {
        hms_warning("attack %" PRIu64 ": %s %s failed: %s", attack->id, verb, attack->target.name,
                    result->error);
        snprintf(how, sizeof how, "%s failed", verb);
    } else
        snprintf(how, sizeof how, "%s", attack->mode == HMS_MODE_KILL ? "killed" : "stopped");
    s_attack_end(attack, how);
    s_attack_done(attack);
}

static void s_shutdown(hms_antagonist_t *self, const target_t *target)
{
    attack_t *attack = s_attack_new(self, HMS_ATTACK_SHUTDOWN, target);
    if (!attack) {
        hms_error("out of memory: shutdown of %s not done", target->name);
        return;
    }
    attack->mode = self->conf.mode;
    int rc = attack->mode == HMS_MODE_KILL
                 ? hms_docker_kill(self->docker, target->id, NULL, s_on_shutdown, attack)
                 : hms_docker_stop(self->docker, target->id, self->stop_timeout_s, s_on_shutdown,
                                   attack);
    s_attack_start(attack);
    if (rc == 0)
        attack->waiting = true;
    else {
        hms_warning("attack %" PRIu64 ": cannot ask the engine to shut %s down", attack->id,
                    target->name);
        s_attack_end(attack, "not issued");
        s_attack_done(attack);
    }
}

//  Loss attacks.

//  The namespace path of an attack's target, for nsenter: the fd we hold
//  on it, so that the rules go out of the namespace they went into, even
//  when the container has been restarted since (in a new namespace).
static const char *s_attack_netns(const attack_t *attack, char *path, size_t size)
{
    if (attack->ns_fd < 0)
        return NULL;
    snprintf(path, size, "/proc/%d/fd/%d", (int)getpid(), attack->ns_fd);
    return path;
}

static const char *const *s_jumps(const hms_antagonist_t *self)
{
    return self->scope == SCOPE_HOST ? s_host_jumps : s_container_jumps;
}

//  The rules of an ended loss attack are out (or could not be taken out):
//  its end is published.
static void s_on_rules_out(int rc, const char *error, void *arg)
{
    attack_t *attack = arg;
    attack->scripts--;
    if (rc < 0) {
        hms_error("attack %" PRIu64 ": cannot remove the rules of %s: %s", attack->id,
                  attack->target.name, error);
        size_t length = strlen(attack->how);
        snprintf(attack->how + length, sizeof attack->how - length, "; rules NOT removed");
    }
    s_attack_end(attack, attack->how);
    s_attack_done(attack);
}

//  Ends the loss attack in progress: its rules go out, then its end is
//  published.
static void s_loss_end(hms_antagonist_t *self, const char *why)
{
    attack_t *attack = self->loss_attack;
    if (!attack)
        return;
    self->loss_attack = NULL;
    if (self->end_timer >= 0) {
        zloop_timer_end(self->loop, self->end_timer);
        self->end_timer = -1;
    }
    snprintf(attack->how, sizeof attack->how, "%s", why);
    if (attack->rules) {
        attack->rules = false;
        char path[64];
        const char *netns = s_attack_netns(attack, path, sizeof path);
        if (hms_iptables_uninstall(self->iptables, netns, s_jumps(self), s_on_rules_out, attack) ==
            0) {
            attack->scripts++;
            return;
        }
        s_on_rules_out(-1, "out of memory", attack);
        return;
    }
    s_attack_end(attack, attack->how);
    s_attack_done(attack);
}

//  Loss end timer: the planned end of the loss attack in progress.
static int s_end_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_antagonist_t *self = arg;
    self->end_timer = -1;
    s_loss_end(self, "rules removed");
    return 0;
}

//  The rules of a loss attack are in: it starts, until its planned end.
static void s_on_rules_in(int rc, const char *error, void *arg)
{
    attack_t *attack = arg;
    hms_antagonist_t *self = attack->self;
    attack->scripts--;
    if (self->loss_attack != attack) { //  ended meanwhile: its rules go out next
        s_attack_done(attack);
        return;
    }
    if (rc < 0) {
        hms_error("attack %" PRIu64 ": cannot put the rules for %s in: %s", attack->id,
                  attack->target.name, error);
        s_loss_end(self, "rules not installed");
        return;
    }
    s_attack_start(attack);
    uint64_t now = s_now();
    size_t delay = attack->due_end > now ? (size_t)(attack->due_end - now) : 1;
    self->end_timer = zloop_timer(self->loop, delay, 1, s_end_timer, self);
}

//  The target's inspect answer: put the rules in, or make it a no-op.
static void s_on_loss_inspect(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    attack_t *attack = arg;
    hms_antagonist_t *self = attack->self;
    attack->waiting = false;
    if (attack->ended) { //  stopped, or overtaken, meanwhile
        s_attack_done(attack);
        return;
    }
    json_t *state = json_object_get(result->json, "State");
    json_int_t pid = json_integer_value(json_object_get(state, "Pid"));
    const char *ip = hms_docker_ip(
        json_object_get(json_object_get(result->json, "NetworkSettings"), "Networks"), true);
    if (result->error) {
        hms_warning("attack %" PRIu64 ": cannot inspect %s: %s", attack->id, attack->target.name,
                    result->error);
        s_loss_end(self, "target not inspected (no-op)");
        return;
    }
    if (!json_is_true(json_object_get(state, "Running")) || pid <= 0) {
        s_loss_end(self, "target not running (no-op)");
        return;
    }
    if (self->scope == SCOPE_CONTAINER) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%" JSON_INTEGER_FORMAT "/ns/net", pid);
        attack->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (attack->ns_fd < 0) {
            //  It stopped since the engine answered.
            hms_info("attack %" PRIu64 ": cannot open %s: %s", attack->id, path, strerror(errno));
            s_loss_end(self, "namespace not found (no-op)");
            return;
        }
    } else if (!ip) {
        hms_warning("attack %" PRIu64 ": %s has no IPv4 address", attack->id, attack->target.name);
        s_loss_end(self, "no address (no-op)");
        return;
    } else
        snprintf(attack->ip, sizeof attack->ip, "%s", ip);

    char path[64];
    const char *netns = s_attack_netns(attack, path, sizeof path);
    attack->rules = true; //  even a partial install is removed
    if (hms_iptables_install(self->iptables, netns, s_jumps(self),
                             self->scope == SCOPE_HOST ? attack->ip : NULL, attack->loss,
                             s_on_rules_in, attack) != 0) {
        attack->rules = false;
        s_loss_end(self, "rules not installed (out of memory)");
        return;
    }
    attack->scripts++;
}

static void s_loss(hms_antagonist_t *self, const target_t *target, double loss,
                   uint64_t duration_ms, uint64_t due_end)
{
    attack_t *attack = s_attack_new(self, HMS_ATTACK_LOSS, target);
    if (!attack) {
        hms_error("out of memory: loss attack on %s not done", target->name);
        return;
    }
    attack->loss = loss;
    attack->duration_ms = duration_ms;
    attack->due_end = due_end;
    self->loss_attack = attack;
    if (hms_docker_inspect(self->docker, target->id, s_on_loss_inspect, attack) == 0)
        attack->waiting = true;
    else
        s_loss_end(self, "target not inspected (no-op)");
}

//  Attempts.

//  A length of mean seconds, in ms (at least 1): an exponential draw, or
//  the mean itself with fixed timing.
//  Threats (hms_threats.h): one exec each, bounded by its duration.

//  Ends the threat in progress, if any (its exec ends by itself).
static void s_threat_end(hms_antagonist_t *self, const char *why)
{
    attack_t *attack = self->threat;
    if (!attack)
        return;
    self->threat = NULL;
    if (self->threat_timer >= 0) {
        zloop_timer_end(self->loop, self->threat_timer);
        self->threat_timer = -1;
    }
    s_attack_end(attack, why);
    s_attack_done(attack);
}

static int s_threat_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_antagonist_t *self = arg;
    self->threat_timer = -1;
    s_threat_end(self, "its time is up");
    return 0;
}

//  The exec started (or could not be): the attack runs until its end.
//  A privileged exec that the runtime refuses was still attempted.
static void s_on_threat_exec(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    attack_t *attack = arg;
    hms_antagonist_t *self = attack->self;
    attack->waiting = false;
    bool refused = result->error && attack->kind == HMS_ATTACK_PRIVILEGED_EXEC;
    if (result->error && !refused) {
        hms_warning("attack %" PRIu64 ": %s in %s failed: %s", attack->id,
                    hms_attack_kind_name(attack->kind), attack->target.name, result->error);
        if (self->threat == attack)
            self->threat = NULL;
        s_attack_end(attack, "not issued");
        s_attack_done(attack);
        return;
    }
    if (self->threat != attack) { //  stopped meanwhile
        s_attack_done(attack);
        return;
    }
    s_attack_start(attack);
    self->threat_timer =
        zloop_timer(self->loop, (size_t)attack->duration_ms, 1, s_threat_timer, self);
}

//  Asks the engine to run the threat's script in its target.
static void s_threat_exec(attack_t *attack)
{
    hms_antagonist_t *self = attack->self;
    char script[1024];
    unsigned seconds = (unsigned)((attack->duration_ms + 999) / 1000);
    const char *argv[] = {"sh", "-c", script, NULL};
    if (hms_threat_script(attack->kind, seconds, self->leak_mib_s, attack->peer, script,
                          sizeof script) != 0 ||
        hms_docker_exec(self->docker, attack->target.id, argv,
                        attack->kind == HMS_ATTACK_PRIVILEGED_EXEC, s_on_threat_exec,
                        attack) != 0) {
        hms_warning("attack %" PRIu64 ": cannot run %s in %s", attack->id,
                    hms_attack_kind_name(attack->kind), attack->target.name);
        self->threat = NULL;
        s_attack_end(attack, "not issued");
        s_attack_done(attack);
        return;
    }
    attack->waiting = true;
}

//  A flood's peer inspected: its address, then the flood.
static void s_on_peer(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    attack_t *attack = arg;
    attack->waiting = false;
    json_t *networks =
        json_object_get(json_object_get(result->json, "NetworkSettings"), "Networks");
    const char *ip = result->error ? NULL : hms_docker_ip(networks, true);
    if (attack->self->threat != attack || !ip) {
        if (attack->self->threat == attack)
            attack->self->threat = NULL;
        s_attack_end(attack, ip ? "stopped" : "the peer has no address");
        s_attack_done(attack);
        return;
    }
    snprintf(attack->peer, sizeof attack->peer, "%s", ip);
    s_threat_exec(attack);
}

//  A threat of kind on the target at index, for duration_ms.
static void s_threat(hms_antagonist_t *self, hms_attack_kind_t kind, size_t index,
                     uint64_t duration_ms)
{
    s_threat_end(self, "overtaken by the next attempt");
    attack_t *attack = s_attack_new(self, kind, &self->targets[index]);
    if (!attack) {
        hms_error("out of memory: %s not done", hms_attack_kind_name(kind));
        return;
    }
    attack->duration_ms = duration_ms;
    self->threat = attack;
    self->threats++;
    if (kind != HMS_ATTACK_NETWORK_FLOOD) {
        s_threat_exec(attack);
        return;
    }
    //  The peer: the next target by name.
    const target_t *peer = &self->targets[(index + 1) % self->target_count];
    if (peer == &self->targets[index] ||
        hms_docker_inspect(self->docker, peer->id, s_on_peer, attack) != 0) {
        self->threat = NULL;
        s_attack_end(attack, "no peer to flood");
        s_attack_done(attack);
        return;
    }
    attack->waiting = true;
}

static uint64_t s_length_ms(hms_antagonist_t *self, double mean)
{
    double ms = mean * 1000.0;
    if (!self->fixed_timing)
        ms *= -log(1.0 - s_uniform(&self->rng)); //  1 - u in (0, 1]: finite
    return ms < 1.0 ? 1 : (uint64_t)llround(ms);
}

static void s_attempt_schedule(hms_antagonist_t *self);

//  The kind of an attack from the uniform draw v: the seed's kinds by
//  --balance, other sets uniformly.
static hms_attack_kind_t s_draw_kind(const hms_antagonist_t *self, double v)
{
    if (self->kinds == HMS_KINDS_SEED)
        return v < self->conf.balance / 100.0 ? HMS_ATTACK_SHUTDOWN : HMS_ATTACK_LOSS;
    unsigned count = (unsigned)__builtin_popcount(self->kinds);
    unsigned pick = (unsigned)(v * count);
    for (int kind = HMS_ATTACK_SHUTDOWN; kind < HMS_ATTACK_KINDS; kind++)
        if (self->kinds >> kind & 1 && pick-- == 0)
            return (hms_attack_kind_t)kind;
    return HMS_ATTACK_LOSS; //  v is below 1: not reached
}

//  One attempt: the draws, in their fixed order, and the attack they make.
static void s_attempt(hms_antagonist_t *self)
{
    const hms_antagonist_conf_t *conf = &self->conf;
    if (self->reseed) {
        s_rng_seed(&self->rng, conf->seed);
        self->reseed = false;
    }
    self->attempts++;
    double u = s_uniform(&self->rng);
    if (u >= conf->heavy / 100.0) {
        hms_debug("attempt %" PRIu64 ": no attack (u %.3f)", self->attempts, u);
        return;
    }
    double v = s_uniform(&self->rng);
    hms_attack_kind_t kind = s_draw_kind(self, v);
    if (self->target_count == 0) {
        hms_info("attempt %" PRIu64 ": %s attack, but no target", self->attempts,
                 hms_attack_kind_name(kind));
        return;
    }
    size_t index = (size_t)(s_uniform(&self->rng) * (double)self->target_count);
    if (index >= self->target_count)
        index = self->target_count - 1;
    const target_t *target = &self->targets[index];
    hms_info("attempt %" PRIu64 ": %s attack on %s", self->attempts, hms_attack_kind_name(kind),
             target->name);
    if (kind == HMS_ATTACK_SHUTDOWN) {
        self->shutdowns++;
        s_shutdown(self, target);
        return;
    }
    if (hms_threat_kind(kind)) {
        uint64_t duration_ms = s_length_ms(self, conf->duration);
        self->base_ms += duration_ms; //  it holds the antagonist, as a loss attack
        s_threat(self, kind, index, duration_ms);
        return;
    }
    self->loss_attacks++;
    double loss = conf->loss + conf->sigma * s_gaussian(&self->rng);
    loss = loss < 0 ? 0 : loss > 100 ? 100 : loss;
    uint64_t duration_ms = s_length_ms(self, conf->duration);
    //  The loss attack holds the antagonist: the next attempt is planned
    //  from its planned end.
    self->base_ms += duration_ms;
    s_loss(self, target, loss, duration_ms, self->base_ms);
}

//  Attempt timer: one attempt, and the timer of the next one.
static int s_attempt_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_antagonist_t *self = arg;
    self->attempt_timer = -1;
    if (!self->running)
        return 0;
    self->base_ms = self->next_due;
    //  Only when the engine answered the inspect later than the planned end.
    s_loss_end(self, "overtaken by the next attempt");
    s_attempt(self);
    s_attempt_schedule(self);
    return 0;
}

//  (Re)arms the attempt timer: due `frequency` after base_ms.
static void s_attempt_schedule(hms_antagonist_t *self)
{
    if (self->attempt_timer >= 0) {
        zloop_timer_end(self->loop, self->attempt_timer);
        self->attempt_timer = -1;
    }
    if (!self->running)
        return;
    uint64_t now = s_now();
    if (self->reseed) { //  a conf_antagonist: its seed from this draw on
        s_rng_seed(&self->rng, self->conf.seed);
        self->reseed = false;
    }
    uint64_t period = s_length_ms(self, self->conf.frequency);
    if (self->base_ms + period + LATE_MS < now) {
        hms_warning("attempts are %" PRIu64 " ms late: schedule restarted",
                    now - self->base_ms - period);
        self->base_ms = now;
    }
    self->next_due = self->base_ms + period;
    size_t delay = self->next_due > now ? (size_t)(self->next_due - now) : 1;
    self->attempt_timer = zloop_timer(self->loop, delay, 1, s_attempt_timer, self);
}

static void s_start(hms_antagonist_t *self)
{
    self->running = true;
    self->attempts = self->shutdowns = self->loss_attacks = self->threats = 0;
    s_rng_seed(&self->rng, self->conf.seed);
    self->reseed = false;
    self->base_ms = s_now();
    s_attempt_schedule(self);
    hms_notice("started: seed %" PRIu64 ", %zu targets", self->conf.seed, self->target_count);
}

static void s_stop(hms_antagonist_t *self, const char *why)
{
    self->running = false;
    s_attempt_schedule(self); //  disarms
    s_loss_end(self, why);
    s_threat_end(self, why);
    hms_notice("stopped after %" PRIu64 " attempts: %" PRIu64 " shutdowns, %" PRIu64
               " loss attacks, %" PRIu64 " threats",
               self->attempts, self->shutdowns, self->loss_attacks, self->threats);
}

//  Targets.

static int s_target_compare(const void *a, const void *b)
{
    return strcmp(((const target_t *)a)->name, ((const target_t *)b)->name);
}

static void s_list_targets(hms_antagonist_t *self);
static void s_check_ready(hms_antagonist_t *self);

static void s_on_targets(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    hms_antagonist_t *self = arg;
    self->listing = false;
    if (result->error || !json_is_array(result->json))
        hms_warning("cannot list the targets: %s", result->error ? result->error : "not a list");
    else {
        size_t count = json_array_size(result->json);
        target_t *targets = calloc(count ? count : 1, sizeof *targets);
        size_t kept = 0;
        for (size_t i = 0; targets && i < count; i++) {
            json_t *entry = json_array_get(result->json, i);
            const char *id = json_string_value(json_object_get(entry, "Id"));
            const char *name =
                json_string_value(json_array_get(json_object_get(entry, "Names"), 0));
            if (!id || !*id || strlen(id) > HMS_ID_MAX || !name)
                continue;
            if (*name == '/')
                name++;
            snprintf(targets[kept].id, sizeof targets[kept].id, "%s", id);
            snprintf(targets[kept].name, sizeof targets[kept].name, "%s", name);
            kept++;
        }
        if (targets) {
            qsort(targets, kept, sizeof *targets, s_target_compare);
            bool changed = kept != self->target_count ||
                           (kept && memcmp(targets, self->targets, kept * sizeof *targets) != 0);
            free(self->targets);
            self->targets = targets;
            self->target_count = kept;
            if (changed)
                hms_info("%zu targets", kept);
        } else
            hms_error("out of memory: targets not updated");
    }
    if (!self->listed) {
        self->listed = true;
        s_check_ready(self);
    }
    if (self->relist) {
        self->relist = false;
        s_list_targets(self);
    }
}

static void s_list_targets(hms_antagonist_t *self)
{
    if (self->listing) {
        self->relist = true;
        return;
    }
    if (hms_docker_list(self->docker, true, self->label, s_on_targets, self) == 0)
        self->listing = true;
    else {
        hms_error("cannot list the targets");
        if (!self->listed) {
            self->listed = true;
            s_check_ready(self);
        }
    }
}

//  A container created, destroyed or renamed: the target list is listed
//  again when it may have changed.
static void s_on_event(hms_docker_t *docker, const hms_docker_event_t *event, void *arg)
{
    (void)docker;
    hms_antagonist_t *self = arg;
    //  Labels are among the event's attributes.
    if (self->label && event->attributes && !hms_docker_has_label(event->attributes, self->label))
        return;
    hms_debug("event %s %.12s (%s): targets listed again", event->action, event->id, event->name);
    s_list_targets(self);
}

static void s_on_events_state(hms_docker_t *docker, bool connected, const char *error, void *arg)
{
    (void)docker;
    hms_antagonist_t *self = arg;
    if (connected) {
        hms_info("following Docker events");
        s_list_targets(self); //  whatever was created or destroyed while we were away
    } else
        hms_warning("Docker events lost: %s", error ? error : "stream ended");
}

//  Start-up sweep: the chains a crash left in running containers.

static void s_sweep_done(hms_antagonist_t *self)
{
    if (self->swept)
        return;
    self->swept = true;
    hms_info("start-up sweep done: %zu stale chains removed", self->sweep_removed);
    s_check_ready(self);
}

//  One container's sweep.
typedef struct {
    hms_antagonist_t *self;
    char where[HMS_NAME_MAX + 32];
} sweep_t;

static void s_on_swept(int rc, const char *error, void *arg)
{
    sweep_t *sweep = arg;
    hms_antagonist_t *self = sweep->self;
    if (rc < 0)
        hms_error("cannot remove the stale chain %s from %s: %s", HMS_ANTAGONIST_CHAIN,
                  sweep->where, error);
    else if (rc > 0) {
        hms_notice("removed the stale chain %s from %s", HMS_ANTAGONIST_CHAIN, sweep->where);
        self->sweep_removed++;
    }
    free(sweep);
    if (--self->sweep_pending == 0)
        s_sweep_done(self);
}

static void s_on_sweep_inspect(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    hms_antagonist_t *self = arg;
    json_t *state = json_object_get(result->json, "State");
    json_int_t pid = json_integer_value(json_object_get(state, "Pid"));
    const char *name = json_string_value(json_object_get(result->json, "Name"));
    sweep_t *sweep = calloc(1, sizeof *sweep);
    if (sweep && !result->error && json_is_true(json_object_get(state, "Running")) && pid > 0) {
        char netns[64];
        snprintf(netns, sizeof netns, "/proc/%" JSON_INTEGER_FORMAT "/ns/net", pid);
        sweep->self = self;
        snprintf(sweep->where, sizeof sweep->where, "container %s",
                 name ? (*name == '/' ? name + 1 : name) : "?");
        if (hms_iptables_sweep(self->iptables, netns, s_on_swept, sweep) == 0)
            return; //  s_on_swept counts it
    }
    free(sweep);
    if (--self->sweep_pending == 0)
        s_sweep_done(self);
}

static void s_on_sweep_list(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    hms_antagonist_t *self = arg;
    if (result->error || !json_is_array(result->json)) {
        hms_warning("cannot list the running containers for the start-up sweep: %s",
                    result->error ? result->error : "not a list");
        s_sweep_done(self);
        return;
    }
    for (size_t i = 0; i < json_array_size(result->json); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(result->json, i), "Id"));
        if (id && hms_docker_inspect(self->docker, id, s_on_sweep_inspect, self) == 0)
            self->sweep_pending++;
    }
    if (self->sweep_pending == 0)
        s_sweep_done(self);
}

//  Sweep timer: the engine took too long; serve anyway.
static int s_sweep_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_antagonist_t *self = arg;
    self->sweep_timer = -1;
    if (!self->ready) {
        hms_warning("the engine did not answer the start-up sweep within %d ms: serving anyway",
                    SWEEP_TIMEOUT_MS);
        self->swept = self->listed = true;
        s_check_ready(self);
    }
    return 0;
}

//  Tick timer: waking up is the point (see TICK_MS); ends the loop after a
//  failure at start.
static int s_tick_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_antagonist_t *self = arg;
    return self->failed ? -1 : 0;
}

//  Commands.

static void s_status(hms_antagonist_t *self, hms_msg_t *reply, const hms_msg_t *request)
{
    hms_msg_ok(reply, request->type, request->corr_id);
    hms_antagonist_status_t *status = &reply->antagonist_status;
    status->running = self->running;
    status->config = self->conf;
    status->attempts = self->attempts;
    status->shutdowns = self->shutdowns;
    status->loss_attacks = self->loss_attacks;
    status->targets = self->target_count;
}

//  Fills what a configuration may leave out: sigma, mode, and the seed.
static void s_complete(hms_antagonist_conf_t *conf)
{
    if (isnan(conf->sigma))
        conf->sigma = SIGMA_DEFAULT;
    if (conf->mode == HMS_MODE_NONE)
        conf->mode = HMS_MODE_STOP;
    if (conf->seed == 0)
        conf->seed = s_pick_seed();
}

static void s_log_conf(const hms_antagonist_conf_t *conf, const char *how)
{
    hms_notice("configuration %s: name '%s', loss %g%% (sigma %g), balance %g%%, heavy %g%%, "
               "frequency %g s, duration %g s, mode %s, seed %" PRIu64,
               how, conf->name, conf->loss, conf->sigma, conf->balance, conf->heavy,
               conf->frequency, conf->duration, hms_mode_name(conf->mode), conf->seed);
}

//  Answers one request into reply.
static void s_handle(void *arg, const hms_msg_t *request, hms_msg_t *reply)
{
    hms_antagonist_t *self = arg;
    switch (request->type) {
    case HMS_MSG_PING:
        hms_server_pong(reply, request, self->address, HMS_ROLE_ANTAGONIST,
                        s_now() - self->started_mono);
        return;
    case HMS_MSG_CONF_ANTAGONIST:
        self->conf = request->antagonist;
        s_complete(&self->conf);
        s_log_conf(&self->conf, "set by command");
        if (self->running) {
            //  From the next attempt: its draws, and its time.
            self->reseed = true;
            s_attempt_schedule(self);
        }
        s_status(self, reply, request);
        return;
    case HMS_MSG_START_ANTAGONIST:
        if (self->running) {
            hms_msg_error(reply, request->corr_id, HMS_CODE_CONFLICT, "already running");
            return;
        }
        s_start(self);
        s_status(self, reply, request);
        return;
    case HMS_MSG_STOP_ANTAGONIST:
        if (!self->running) {
            hms_msg_error(reply, request->corr_id, HMS_CODE_CONFLICT, "not running");
            return;
        }
        s_stop(self, "antagonist stopped");
        s_status(self, reply, request);
        return;
    case HMS_MSG_ANTAGONIST_STATUS: s_status(self, reply, request); return;
    default: hms_server_not_served(reply, request, "an antagonist"); return;
    }
}

//  ROUTER reader: one request, one reply (hms_server).
static int s_router_reader(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    hms_antagonist_t *self = arg;
    hms_server_serve(router, s_handle, self, &self->bad_requests);
    return 0;
}

//  Commands are served once the sweep and the first listing are done, so
//  that an answer means: no stale rule left, targets known.
static void s_check_ready(hms_antagonist_t *self)
{
    if (self->ready || !self->swept || !self->listed)
        return;
    self->ready = true;
    if (self->sweep_timer >= 0) {
        zloop_timer_end(self->loop, self->sweep_timer);
        self->sweep_timer = -1;
    }
    zloop_reader(self->loop, self->router, s_router_reader, self);
    zloop_reader_set_tolerant(self->loop, self->router);
    hms_notice("ready: %zu targets", self->target_count);
    char error[512];
    if (self->ready_file &&
        hms_file_ready(self->ready_file, error, sizeof error, "router",
                       zsock_endpoint(self->router), "pub", zsock_endpoint(self->pub), "address",
                       self->address, "public_key", hms_transport_public_key(self->transport),
                       NULL) != 0) {
        hms_error("ready file: %s", error);
        self->failed = true; //  whoever waits for it would wait for ever
        return;
    }
    if (self->start_at_ready)
        s_start(self);
}

//  Setup.

//  Reads the options that are text. Returns 0, or -1 (logged).
static int s_parse(hms_antagonist_t *self, const hms_antagonist_config_t *config)
{
    hms_antagonist_conf_t *conf = &self->conf;
    const char *seed = config->seed;
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(seed, &end, 10);
    if (!isdigit((unsigned char)seed[0]) || errno || *end || value > HMS_SEED_MAX) {
        hms_error("--seed: '%s' is not an integer in [0, 2^53-1]", seed);
        return -1;
    }
    conf->seed = value;
    if (strcmp(config->mode, "stop") == 0)
        conf->mode = HMS_MODE_STOP;
    else if (strcmp(config->mode, "kill") == 0)
        conf->mode = HMS_MODE_KILL;
    else {
        hms_error("--mode: '%s' is neither stop nor kill", config->mode);
        return -1;
    }
    self->fixed_timing = strcmp(config->timing, "fixed") == 0;
    if (!self->fixed_timing && strcmp(config->timing, "exponential") != 0) {
        hms_error("--timing: '%s' is neither exponential nor fixed", config->timing);
        return -1;
    }
    if (strcmp(config->loss_scope, "container") == 0)
        self->scope = SCOPE_CONTAINER;
    else if (strcmp(config->loss_scope, "host") == 0)
        self->scope = SCOPE_HOST;
    else {
        hms_error("--loss-scope: '%s' is neither container nor host", config->loss_scope);
        return -1;
    }
    char why[128];
    if (hms_kinds_parse(config->kinds, &self->kinds, why, sizeof why) != 0) {
        hms_error("--%s", why);
        return -1;
    }
    self->leak_mib_s = config->leak_rate;
    if (strlen(config->name) > HMS_TEXT_MAX) {
        hms_error("--name: longer than %d bytes", HMS_TEXT_MAX);
        return -1;
    }
    snprintf(conf->name, sizeof conf->name, "%s", config->name);
    conf->loss = config->loss;
    conf->balance = config->balance;
    conf->heavy = config->heavy;
    conf->frequency = config->frequency;
    conf->duration = config->duration;
    conf->sigma = config->sigma;
    s_complete(conf);
    return 0;
}

//  iptables and nsenter live in sbin, which a service's PATH may lack.
static void s_path(void)
{
    const char *path = getenv("PATH");
    if (!path || !strstr(path, "/usr/sbin")) {
        char *longer = zsys_sprintf("%s%s/usr/sbin:/sbin", path ? path : "", path ? ":" : "");
        if (longer)
            setenv("PATH", longer, 1);
        zstr_free(&longer);
    }
}

//  Sweeps the host, binds, follows the engine, sweeps the containers and
//  lists the targets. Returns 0, or -1 (logged).
static int s_open(hms_antagonist_t *self, const hms_antagonist_config_t *config)
{
    s_path();
    //  Before anything: what a crash left on the host.
    char error[512];
    int swept = hms_iptables_sweep_now(NULL, error, sizeof error);
    if (swept < 0)
        hms_error("cannot remove the stale chain %s from the host: %s", HMS_ANTAGONIST_CHAIN,
                  error);
    else if (swept > 0)
        hms_notice("removed the stale chain %s from the host", HMS_ANTAGONIST_CHAIN);
    self->iptables = hms_iptables_new(self->loop);
    self->transport = hms_transport_new(&config->transport, true);
    int port = self->transport
                   ? hms_transport_bind_pair(self->transport, HMS_ANTAGONIST_PORT, ZMQ_ROUTER,
                                             config->router_endpoint, ZMQ_PUB, config->pub_endpoint,
                                             &self->router, &self->pub)
                   : -1;
    self->docker =
        port >= 0 && self->iptables ? hms_docker_new(self->loop, config->docker_socket) : NULL;
    if (!self->docker)
        return -1;
    zsock_set_linger(self->pub, 1000); //  the ends published at exit go out
    if (!*config->address && port > 0 && port != HMS_ANTAGONIST_PORT) {
        size_t length = strlen(self->address);
        snprintf(self->address + length, sizeof self->address - length, ":%d", port);
    }
    static const char *const actions[] = {"create", "destroy", "rename", NULL};
    hms_docker_events(self->docker, actions, s_on_event, s_on_events_state, self);
    if (hms_docker_list(self->docker, false, NULL, s_on_sweep_list, self) != 0)
        self->swept = true;
    s_list_targets(self);
    self->sweep_timer = zloop_timer(self->loop, SWEEP_TIMEOUT_MS, 1, s_sweep_timer, self);
    zloop_timer(self->loop, TICK_MS, 0, s_tick_timer, self);
    return 0;
}

hms_antagonist_t *hms_antagonist_new(const hms_antagonist_config_t *config)
{
    hms_antagonist_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->attempt_timer = self->end_timer = self->sweep_timer = self->threat_timer = -1;
    self->started_mono = s_now();
    self->stop_timeout_s = config->stop_timeout_s;
    self->start_at_ready = config->start;
    if (s_parse(self, config) != 0) {
        free(self);
        return NULL;
    }
    hms_iface_address(config->address, self->address, sizeof self->address);
    self->label = *config->targets ? strdup(config->targets) : NULL;
    //  A ready file left by an earlier run must not announce this one.
    self->ready_file = *config->ready_file ? strdup(config->ready_file) : NULL;
    if (self->ready_file)
        unlink(self->ready_file);
    self->attacks = zlistx_new();
    self->loop = zloop_new();
    if ((*config->targets && !self->label) || !self->attacks || !self->loop) {
        hms_antagonist_destroy(&self);
        return NULL;
    }
    zlistx_set_destructor(self->attacks, s_attack_destructor);

    if (s_open(self, config) != 0) {
        hms_antagonist_destroy(&self);
        return NULL;
    }
    hms_notice("antagonist %s: ROUTER %s, PUB %s (%s), Docker %s, targets %s, loss scope %s",
               self->address, zsock_endpoint(self->router), zsock_endpoint(self->pub),
               hms_transport_secure(self->transport) ? "CURVE" : "plaintext", config->docker_socket,
               self->label ? self->label : "(every container)",
               self->scope == SCOPE_HOST ? "host" : "container");
    s_log_conf(&self->conf, "from the command line");
    return self;
}

int hms_antagonist_run(hms_antagonist_t *self)
{
    return hms_daemon_loop(self->loop, "antagonist");
}

void hms_antagonist_destroy(hms_antagonist_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_antagonist_t *self = *self_p;
    if (self->running)
        s_stop(self, "antagonist exiting");
    else
        s_loss_end(self, "antagonist exiting");
    //  The loop no longer runs: the rules go out now, and their ends go out.
    hms_iptables_destroy(&self->iptables);
    //  Shutdowns the engine has not confirmed: their answers will not be
    //  followed any more.
    if (self->attacks)
        for (attack_t *attack = zlistx_first(self->attacks); attack;
             attack = zlistx_next(self->attacks))
            if (!attack->ended)
                s_attack_end(attack, "abandoned at exit (the engine had not answered)");
    hms_docker_destroy(&self->docker); //  no callback after this
    zlistx_destroy(&self->attacks);
    zsock_destroy(&self->router);
    zsock_destroy(&self->pub);
    hms_transport_destroy(&self->transport); //  after the sockets it guards
    zloop_destroy(&self->loop);
    if (self->ready_file)
        unlink(self->ready_file);
    free(self->ready_file);
    free(self->targets);
    free(self->label);
    free(self);
    *self_p = NULL;
}
