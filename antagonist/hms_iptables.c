/*  hms_iptables: the rules of loss attacks, by iptables children that never
    block the loop.

    A script is a list of steps; each step is one iptables command and says
    what its success and its failure lead to (the next step, skipping one,
    the same again, the end). Running a step: posix_spawn with stdout and
    stderr on a pipe; the loop polls the pipe, and once it is closed reaps
    the child (it has exited by then, or does within a few ms: the loop
    looks again 1 ms later). A step that runs for STEP_TIMEOUT_MS is
    killed: iptables -w 5 waits at most 5 s for the xtables lock.
*/

#include "hms_iptables.h"
#include "hms_antagonist.h"
#include "hms_log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEP_TIMEOUT_MS 10000
#define STEPS_MAX       16
#define ARGS_MAX        24
#define REPEATS_MAX     16 //  jumps removed from one chain at most

extern char **environ;

typedef enum { THEN_NEXT, THEN_SKIP, THEN_REPEAT, THEN_OK, THEN_FAIL } then_t;

typedef struct {
    char *argv[ARGS_MAX + 1];
    then_t on_success, on_failure;
} step_t;

typedef struct {
    step_t steps[STEPS_MAX];
    int count, at, repeats;
    bool sweep;   //  a sweep: its first step looks for the chain
    bool removed; //  a sweep that found one
    hms_iptables_done_fn *done;
    void *arg;
    char error[512];
} script_t;

struct _hms_iptables_t {
    zloop_t *loop;
    zlistx_t *queue; //  script_t, the first one running
    pid_t pid;       //  the child of the step running; 0: none
    int fd;          //  its output; -1: read to its end
    char output[512];
    size_t used;
    int timer;      //  its timeout, or the next reaping attempt; -1: none
    bool kicked;    //  a start is due from the loop
    uint64_t began; //  monotonic ms the child started
};

static void s_script_free(void **item)
{
    script_t *script = *item;
    for (int s = 0; s < script->count; s++)
        for (char **arg = script->steps[s].argv; *arg; arg++)
            free(*arg);
    free(script);
    *item = NULL;
}

//  Appends `iptables -w 5 ARGS` (in netns when not NULL) to script.
static void s_step(script_t *script, const char *netns, then_t on_success, then_t on_failure,
                   const char *const *args)
{
    if (script->count >= STEPS_MAX)
        return;
    step_t *step = &script->steps[script->count++];
    step->on_success = on_success;
    step->on_failure = on_failure;
    int n = 0;
    if (netns) {
        char net[160];
        snprintf(net, sizeof net, "--net=%s", netns);
        step->argv[n++] = strdup("nsenter");
        step->argv[n++] = strdup(net);
        step->argv[n++] = strdup("--");
    }
    const char *iptables[] = {"iptables", "-w", "5"};
    for (int i = 0; i < 3; i++)
        step->argv[n++] = strdup(iptables[i]);
    while (*args && n < ARGS_MAX)
        step->argv[n++] = strdup(*args++);
    step->argv[n] = NULL;
}

#define IPT(...) ((const char *const[]){__VA_ARGS__, NULL})

//  After a step that exited with status (-1: it did not run, or died):
//  1 to run script->at next, 0 when the script ended well, -1 when it failed.
static int s_advance(script_t *script, int status, const char *output)
{
    step_t *step = &script->steps[script->at];
    if (status < 0) {
        snprintf(script->error, sizeof script->error, "%s", output);
        return -1;
    }
    if (script->sweep && script->at == 0)
        script->removed = status == 0;
    then_t then = status == 0 ? step->on_success : step->on_failure;
    if (status != 0 && then != THEN_OK)
        snprintf(script->error, sizeof script->error, "%s", output);
    switch (then) {
    case THEN_NEXT: script->at++, script->repeats = 0; break;
    case THEN_SKIP: script->at += 2, script->repeats = 0; break;
    case THEN_REPEAT:
        if (++script->repeats >= REPEATS_MAX)
            script->at++, script->repeats = 0;
        break;
    case THEN_OK: return 0;
    case THEN_FAIL: return -1;
    }
    return script->at < script->count ? 1 : 0;
}

//  Starts argv with its output on a pipe. Returns the pid (the read end
//  in *fd), or -1 with why in output.
static pid_t s_spawn(char *const argv[], int *fd, char *output, size_t size)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(output, size, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    //  We ignore SIGPIPE; the child should not.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults, mask;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigemptyset(&mask);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &mask);
    //  Its own process group: a Ctrl-C at the terminal reaches us, not an
    //  iptables halfway through its work (we end the attacks ourselves).
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETPGROUP);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(output, size, "cannot run %s: %s", argv[0], strerror(rc));
        return -1;
    }
    *fd = fds[0];
    return pid;
}

//  The exit status of a reaped child: its code, or -1 when a signal ended it.
static int s_status(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void s_debug(char *const argv[], int status)
{
    if (hms_log_level < HMS_LOG_DEBUG)
        return;
    char line[256] = "";
    for (size_t i = 0, used = 0; argv[i] && used < sizeof line; i++)
        used += (size_t)snprintf(line + used, sizeof line - used, " %s", argv[i]);
    hms_debug("ran%s: %d", line, status);
}

//  Blocking: runs argv to its end. Returns its exit status, or -1.
static int s_run(char *const argv[], char *output, size_t size)
{
    output[0] = '\0';
    int fd;
    pid_t pid = s_spawn(argv, &fd, output, size);
    if (pid < 0)
        return -1;
    size_t used = 0;
    while (true) {
        char sink[256];
        bool room = used + 1 < size;
        ssize_t got = read(fd, room ? output + used : sink, room ? size - 1 - used : sizeof sink);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (room)
            used += (size_t)got;
    }
    close(fd);
    output[used] = '\0';
    while (used > 0 && output[used - 1] == '\n')
        output[--used] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    s_debug(argv, s_status(status));
    return s_status(status);
}

//  Blocking: the rest of script. Returns 0 or -1.
static int s_run_script(script_t *script)
{
    int rc = script->at < script->count ? 1 : 0;
    while (rc == 1) {
        char output[512];
        int status = s_run(script->steps[script->at].argv, output, sizeof output);
        rc = s_advance(script, status, output);
    }
    return rc;
}

//  The loop.

//  Calls the script's callback with its end (rc of s_advance) and frees it.
static void s_done(script_t *script, int rc)
{
    if (script->done)
        script->done(rc == 0 && script->removed ? 1 : rc, rc < 0 ? script->error : "", script->arg);
    s_script_free((void **)&script);
}

static void s_kick(hms_iptables_t *self);
static int s_on_output(zloop_t *loop, zmq_pollitem_t *item, void *arg);

//  The first script ended: its callback, then the next one.
static void s_script_end(hms_iptables_t *self, int rc)
{
    s_done(zlistx_detach(self->queue, NULL), rc);
    s_kick(self);
}

//  The step of the first script ended with status.
static void s_step_end(hms_iptables_t *self, int status)
{
    script_t *script = zlistx_first(self->queue);
    self->output[self->used] = '\0';
    while (self->used > 0 && self->output[self->used - 1] == '\n')
        self->output[--self->used] = '\0';
    s_debug(script->steps[script->at].argv, status);
    int rc = s_advance(script, status, self->output);
    if (rc == 1)
        s_kick(self);
    else
        s_script_end(self, rc);
}

static int s_on_reap(zloop_t *loop, int timer_id, void *arg);

//  Reaps the child whose output ended; tries again 1 ms later if it has
//  not exited yet.
static void s_reap(hms_iptables_t *self)
{
    int status = 0;
    pid_t done = waitpid(self->pid, &status, WNOHANG);
    if (done == 0) {
        self->timer = zloop_timer(self->loop, 1, 1, s_on_reap, self);
        return;
    }
    self->pid = 0;
    s_step_end(self, done > 0 ? s_status(status) : -1);
}

static int s_on_reap(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_iptables_t *self = arg;
    self->timer = -1;
    if (zclock_mono() - (int64_t)self->began > STEP_TIMEOUT_MS) {
        hms_warning("iptables ran for %d ms: killed", STEP_TIMEOUT_MS);
        kill(self->pid, SIGKILL);
    }
    s_reap(self);
    return 0;
}

static void s_close_output(hms_iptables_t *self)
{
    if (self->fd < 0)
        return;
    zmq_pollitem_t item = {NULL, self->fd, ZMQ_POLLIN, 0};
    zloop_poller_end(self->loop, &item);
    close(self->fd);
    self->fd = -1;
}

static int s_on_output(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    hms_iptables_t *self = arg;
    char sink[256];
    bool room = self->used + 1 < sizeof self->output;
    ssize_t got = read(self->fd, room ? self->output + self->used : sink,
                       room ? sizeof self->output - 1 - self->used : sizeof sink);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (got > 0) {
        if (room)
            self->used += (size_t)got;
        return 0;
    }
    s_close_output(self);
    if (self->timer >= 0) {
        zloop_timer_end(self->loop, self->timer);
        self->timer = -1;
    }
    s_reap(self);
    return 0;
}

//  A step that outlived STEP_TIMEOUT_MS: killed, its pipe then closes.
static int s_on_timeout(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_iptables_t *self = arg;
    self->timer = -1;
    hms_warning("iptables ran for %d ms: killed", STEP_TIMEOUT_MS);
    kill(self->pid, SIGKILL);
    return 0;
}

//  Starts the current step of the first script, if nothing runs.
static int s_start(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hms_iptables_t *self = arg;
    self->kicked = false;
    script_t *script = zlistx_first(self->queue);
    if (self->pid || !script)
        return 0;
    self->used = 0;
    self->output[0] = '\0';
    pid_t pid =
        s_spawn(script->steps[script->at].argv, &self->fd, self->output, sizeof self->output);
    if (pid < 0) {
        self->used = strlen(self->output);
        s_step_end(self, -1);
        return 0;
    }
    self->pid = pid;
    self->began = (uint64_t)zclock_mono();
    fcntl(self->fd, F_SETFL, fcntl(self->fd, F_GETFL) | O_NONBLOCK);
    zmq_pollitem_t item = {NULL, self->fd, ZMQ_POLLIN, 0};
    zloop_poller(self->loop, &item, s_on_output, self);
    //  The end of a pipe polls as an error: read it, do not drop the poller.
    zloop_poller_set_tolerant(self->loop, &item);
    self->timer = zloop_timer(self->loop, STEP_TIMEOUT_MS, 1, s_on_timeout, self);
    return 0;
}

//  A start from the loop soon: callbacks never run inside a caller's call.
static void s_kick(hms_iptables_t *self)
{
    if (!self->kicked && !self->pid && zlistx_size(self->queue) > 0) {
        self->kicked = true;
        zloop_timer(self->loop, 1, 1, s_start, self);
    }
}

//  Interface.

hms_iptables_t *hms_iptables_new(zloop_t *loop)
{
    hms_iptables_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->fd = -1;
    self->timer = -1;
    self->queue = zlistx_new();
    if (!self->queue) {
        free(self);
        return NULL;
    }
    zlistx_set_destructor(self->queue, s_script_free);
    return self;
}

void hms_iptables_destroy(hms_iptables_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_iptables_t *self = *self_p;
    hms_iptables_flush(self);
    zlistx_destroy(&self->queue);
    free(self);
    *self_p = NULL;
}

static int s_queue(hms_iptables_t *self, script_t *script, hms_iptables_done_fn *done, void *arg)
{
    script->done = done;
    script->arg = arg;
    if (!zlistx_add_end(self->queue, script)) {
        s_script_free((void **)&script);
        return -1;
    }
    s_kick(self);
    return 0;
}

int hms_iptables_install(hms_iptables_t *self, const char *netns, const char *const *jumps,
                         const char *ip, double loss, hms_iptables_done_fn *done, void *arg)
{
    script_t *script = calloc(1, sizeof *script);
    if (!script)
        return -1;
    char probability[32];
    snprintf(probability, sizeof probability, "%.6f", loss / 100.0);
    //  -N fails when the chain exists: it is flushed next.
    s_step(script, netns, THEN_NEXT, THEN_NEXT, IPT("-N", HMS_ANTAGONIST_CHAIN));
    s_step(script, netns, THEN_NEXT, THEN_FAIL, IPT("-F", HMS_ANTAGONIST_CHAIN));
    if (ip)
        s_step(script, netns, THEN_NEXT, THEN_FAIL,
               IPT("-A", HMS_ANTAGONIST_CHAIN, "-d", ip, "-m", "statistic", "--mode", "random",
                   "--probability", probability, "-j", "DROP"));
    else
        s_step(script, netns, THEN_NEXT, THEN_FAIL,
               IPT("-A", HMS_ANTAGONIST_CHAIN, "-m", "statistic", "--mode", "random",
                   "--probability", probability, "-j", "DROP"));
    //  A jump that is there already is not added twice.
    for (; *jumps; jumps++) {
        s_step(script, netns, THEN_SKIP, THEN_NEXT, IPT("-C", *jumps, "-j", HMS_ANTAGONIST_CHAIN));
        s_step(script, netns, THEN_NEXT, THEN_FAIL,
               IPT("-I", *jumps, "1", "-j", HMS_ANTAGONIST_CHAIN));
    }
    return s_queue(self, script, done, arg);
}

//  The steps that take the jumps and the chain out of netns.
static void s_uninstall_steps(script_t *script, const char *netns, const char *const *jumps)
{
    for (; *jumps; jumps++)
        s_step(script, netns, THEN_REPEAT, THEN_NEXT,
               IPT("-D", *jumps, "-j", HMS_ANTAGONIST_CHAIN));
    s_step(script, netns, THEN_NEXT, THEN_NEXT, IPT("-F", HMS_ANTAGONIST_CHAIN));
    s_step(script, netns, THEN_OK, THEN_NEXT, IPT("-X", HMS_ANTAGONIST_CHAIN));
    //  Gone already (removed by someone else) is gone.
    s_step(script, netns, THEN_FAIL, THEN_OK, IPT("-S", HMS_ANTAGONIST_CHAIN));
}

int hms_iptables_uninstall(hms_iptables_t *self, const char *netns, const char *const *jumps,
                           hms_iptables_done_fn *done, void *arg)
{
    script_t *script = calloc(1, sizeof *script);
    if (!script)
        return -1;
    s_uninstall_steps(script, netns, jumps);
    return s_queue(self, script, done, arg);
}

void hms_iptables_flush(hms_iptables_t *self)
{
    //  A step under way: its end, blocking.
    if (self->pid) {
        if (self->timer >= 0)
            zloop_timer_end(self->loop, self->timer);
        self->timer = -1;
        while (self->fd >= 0) {
            char sink[256];
            bool room = self->used + 1 < sizeof self->output;
            fcntl(self->fd, F_SETFL, fcntl(self->fd, F_GETFL) & ~O_NONBLOCK);
            ssize_t got = read(self->fd, room ? self->output + self->used : sink,
                               room ? sizeof self->output - 1 - self->used : sizeof sink);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                s_close_output(self);
            else if (room)
                self->used += (size_t)got;
        }
        int status = 0;
        pid_t reaped;
        while ((reaped = waitpid(self->pid, &status, 0)) < 0 && errno == EINTR)
            ;
        self->pid = 0;
        script_t *script = zlistx_first(self->queue);
        self->output[self->used] = '\0';
        int rc = s_advance(script, reaped > 0 ? s_status(status) : -1, self->output);
        if (rc == 1)
            rc = s_run_script(script);
        s_done(zlistx_detach(self->queue, NULL), rc);
    }
    script_t *script;
    while ((script = zlistx_detach(self->queue, NULL)))
        s_done(script, s_run_script(script));
}

//  A sweep: -S, and when the chain is there, the steps that take it out.
static script_t *s_sweep_script(const char *netns)
{
    script_t *script = calloc(1, sizeof *script);
    if (!script)
        return NULL;
    script->sweep = true;
    s_step(script, netns, THEN_NEXT, THEN_OK, IPT("-S", HMS_ANTAGONIST_CHAIN));
    const char *const all[] = {"INPUT", "OUTPUT", "FORWARD", NULL};
    s_uninstall_steps(script, netns, all);
    return script;
}

int hms_iptables_sweep(hms_iptables_t *self, const char *netns, hms_iptables_done_fn *done,
                       void *arg)
{
    script_t *script = s_sweep_script(netns);
    return script ? s_queue(self, script, done, arg) : -1;
}

int hms_iptables_sweep_now(const char *netns, char *error, size_t size)
{
    script_t *script = s_sweep_script(netns);
    if (!script) {
        snprintf(error, size, "out of memory");
        return -1;
    }
    int rc = s_run_script(script);
    snprintf(error, size, "%s", rc < 0 ? script->error : "");
    if (rc == 0 && script->removed)
        rc = 1;
    s_script_free((void **)&script);
    return rc;
}
