/*  hms_auth: the ZAP handler of a process that serves CURVE.

    An actor: one thread with a REP socket on the ZAP endpoint, the PAIR
    ends of the monitors of the server sockets, and its pipe. It owns the
    certificate store and the table of peers it has logged.
*/

#include "hms_auth.h"
#include "hms_log.h"
#include "hms_transport.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
//  At most one line per peer (or per socket and reason) this often.
#define LOG_EVERY_MS 60000
//  Peers remembered for rate limiting; past it, the stale ones are forgotten
//  and, if none is stale, every new one shares the line of OVERFLOW.
#define PEERS_MAX HMS_AUTH_PEERS_MAX
#define OVERFLOW  "(too many peers to name)"
//  Certificates read from the allow-list directory, at most.
#define ALLOWED_MAX 4096

struct _hms_auth_t {
    zactor_t *actor;
    int monitors; //  monitors created, to name their endpoints
};

//  A peer, or a socket and reason, that was logged.
typedef struct {
    uint64_t logged_at;  //  monotonic ms of its last line
    uint64_t suppressed; //  events not logged since
} logged_t;

//  A monitored server socket.
typedef struct {
    zsock_t *pair; //  our end of its monitor
    char *name;    //  what the log calls it
} monitor_t;

typedef struct {
    zsock_t *pipe;      //  to the owner
    zsock_t *handler;   //  REP on the ZAP endpoint
    zpoller_t *poller;  //  pipe, handler, monitors
    char *allow_dir;    //  the allow-list directory
    zhashx_t *allowed;  //  its public keys (Z85) -> ""
    uint64_t signature; //  of its files when they were read
    zhashx_t *logged;   //  key -> logged_t
    zlistx_t *monitors; //  monitor_t
    bool terminated;
} self_t;

static void s_free(void **item)
{
    free(*item);
    *item = NULL;
}

static void s_monitor_destroy(void **item)
{
    monitor_t *monitor = *item;
    zsock_destroy(&monitor->pair);
    free(monitor->name);
    free(monitor);
    *item = NULL;
}

static void s_self_destroy(self_t **self_p)
{
    self_t *self = *self_p;
    zpoller_destroy(&self->poller);
    zlistx_destroy(&self->monitors);
    //  Closing a socket frees its inproc name later, in libzmq's reaper;
    //  unbinding frees it now, for the next handler of this process.
    if (self->handler)
        zsock_unbind(self->handler, ZAP_ENDPOINT);
    zsock_destroy(&self->handler);
    zhashx_destroy(&self->allowed);
    zhashx_destroy(&self->logged);
    free(self->allow_dir);
    free(self);
    *self_p = NULL;
}

static self_t *s_self_new(zsock_t *pipe, const char *allow_dir)
{
    self_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->allow_dir = strdup(allow_dir);
    self->allowed = zhashx_new();
    self->logged = zhashx_new();
    self->monitors = zlistx_new();
    self->handler = zsock_new(ZMQ_REP);
    if (!self->allow_dir || !self->allowed || !self->logged || !self->monitors || !self->handler ||
        zsock_bind(self->handler, ZAP_ENDPOINT) != 0) {
        s_self_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->logged, s_free);
    zlistx_set_destructor(self->monitors, s_monitor_destroy);
    self->poller = zpoller_new(pipe, self->handler, NULL);
    if (!self->poller) {
        s_self_destroy(&self);
        return NULL;
    }
    //  The handler outlives a signal: the sockets it guards close after it
    //  is told to stop ($TERM), and libzmq would admit anyone without it.
    zpoller_set_nonstop(self->poller, true);
    return self;
}

//  When a line about key is due (its first, or LOG_EVERY_MS after its
//  last), returns what the line is about: key, or OVERFLOW when key is one
//  too many to remember (at most PEERS_MAX are, and OVERFLOW for all the
//  others while none is stale); *suppressed then gets the events not
//  logged since. Otherwise counts this one as suppressed and returns NULL.
static const char *s_due(self_t *self, const char *key, uint64_t *suppressed)
{
    uint64_t now = (uint64_t)zclock_mono();
    logged_t *entry = zhashx_lookup(self->logged, key);
    if (!entry && zhashx_size(self->logged) >= PEERS_MAX) {
        zlistx_t *keys = zhashx_keys(self->logged);
        for (const char *old = zlistx_first(keys); old; old = zlistx_next(keys)) {
            logged_t *stale = zhashx_lookup(self->logged, old);
            if (now - stale->logged_at >= LOG_EVERY_MS)
                zhashx_delete(self->logged, old);
        }
        zlistx_destroy(&keys);
        if (zhashx_size(self->logged) >= PEERS_MAX) {
            key = OVERFLOW;
            entry = zhashx_lookup(self->logged, key);
        }
    }
    if (entry && now - entry->logged_at < LOG_EVERY_MS) {
        entry->suppressed++;
        return NULL;
    }
    if (!entry) {
        entry = calloc(1, sizeof *entry);
        if (!entry || zhashx_insert(self->logged, key, entry) != 0) {
            free(entry);
            return NULL;
        }
    }
    *suppressed = entry->suppressed;
    entry->suppressed = 0;
    entry->logged_at = now;
    return key;
}

//  A file or directory that only root or this user may change. Otherwise
//  why says who else may.
static bool s_trusted(const struct stat *info, const char **why)
{
    *why = info->st_uid != 0 && info->st_uid != geteuid() ? "owned by another user"
           : info->st_mode & (S_IWGRP | S_IWOTH)          ? "writable by others"
                                                          : NULL;
    return *why == NULL;
}

//  What identifies the allow-list's files as they are now: each file's
//  name, inode, size, mode, owner, and modification and change times (ns),
//  in any order. Renaming, replacing, rewriting, touching or chmod-ing a
//  file changes it.
static uint64_t s_allow_signature(const char *dir)
{
    DIR *listing = opendir(dir);
    if (!listing)
        return 0;
    uint64_t signature = 1;
    for (struct dirent *entry = readdir(listing); entry; entry = readdir(listing)) {
        struct stat info;
        if (entry->d_name[0] == '.' ||
            fstatat(dirfd(listing), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        uint64_t hash = 1469598103934665603ull; //  FNV-1a
        for (const char *c = entry->d_name; *c; c++)
            hash = (hash ^ (uint8_t)*c) * 1099511628211ull;
        //  The change time too: a copy that keeps the old modification
        //  time (cp -p, rsync -a) still sets it.
        uint64_t fields[] = {(uint64_t)info.st_ino,         (uint64_t)info.st_size,
                             (uint64_t)info.st_mtim.tv_sec, (uint64_t)info.st_mtim.tv_nsec,
                             (uint64_t)info.st_ctim.tv_sec, (uint64_t)info.st_ctim.tv_nsec,
                             (uint64_t)info.st_mode,        (uint64_t)info.st_uid};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            hash = (hash ^ fields[i]) * 1099511628211ull;
        signature += hash; //  order-free: readdir's order is not stable
    }
    closedir(listing);
    return signature;
}

//  Reads the allow-list again when its files changed: the public key of
//  every certificate file (what hmsctl keygen writes as NAME), skipping
//  files others may write. Symlinks are not followed.
static void s_allow_reload(self_t *self)
{
    uint64_t signature = s_allow_signature(self->allow_dir);
    if (signature == self->signature && signature != 0)
        return;
    self->signature = signature;
    zhashx_purge(self->allowed);
    DIR *listing = opendir(self->allow_dir);
    if (!listing) {
        hms_error("curve-allow: %s: %s: no client is allowed", self->allow_dir, strerror(errno));
        return;
    }
    for (struct dirent *entry = readdir(listing); entry; entry = readdir(listing)) {
        char path[4096];
        struct stat info;
        const char *why = NULL;
        if (entry->d_name[0] == '.' ||
            fstatat(dirfd(listing), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(info.st_mode))
            continue;
        snprintf(path, sizeof path, "%s/%s", self->allow_dir, entry->d_name);
        if (!s_trusted(&info, &why)) {
            hms_warning("curve-allow: %s is %s: skipped", path, why);
            continue;
        }
        if (zhashx_size(self->allowed) >= ALLOWED_MAX) {
            hms_warning("curve-allow: more than %d certificates: the rest skipped", ALLOWED_MAX);
            break;
        }
        zcert_t *cert = info.st_size < 64 * 1024 ? zcert_load(path) : NULL;
        if (cert && hms_key_valid(zcert_public_txt(cert)))
            zhashx_update(self->allowed, zcert_public_txt(cert), "");
        else
            hms_debug("curve-allow: %s is not a certificate", path);
        zcert_destroy(&cert);
    }
    closedir(listing);
    hms_info("curve-allow: %zu keys allowed by %s", zhashx_size(self->allowed), self->allow_dir);
}

//  One ZAP request: admits the key if its certificate is in the allow-list.
static void s_handle_zap(self_t *self)
{
    zmsg_t *request = zmsg_recv(self->handler);
    if (!request)
        return;
    char *version = zmsg_popstr(request);
    char *sequence = zmsg_popstr(request);
    char *domain = zmsg_popstr(request);
    char *address = zmsg_popstr(request);
    char *identity = zmsg_popstr(request);
    char *mechanism = zmsg_popstr(request);
    zframe_t *credentials = zmsg_pop(request);
    char key[41] = "";
    bool curve = mechanism && strcmp(mechanism, "CURVE") == 0 && credentials &&
                 zframe_size(credentials) == 32;
    if (curve)
        zmq_z85_encode(key, zframe_data(credentials), 32);
    if (curve)
        s_allow_reload(self);
    bool admitted = curve && version && strcmp(version, "1.0") == 0 &&
                    zhashx_lookup(self->allowed, key) != NULL;
    const char *peer = address ? address : "?";
    if (admitted)
        hms_debug("admitted %s (key %s)", peer, key);
    else {
        //  One line per address, naming the last key it tried: a peer that
        //  tries many keys still gets one line a minute.
        uint64_t suppressed = 0;
        const char *which = s_due(self, peer, &suppressed);
        if (which)
            hms_warning("refused %s: %s%s (%" PRIu64 " more refusals since the last line)", which,
                        curve ? "key " : "not a CURVE client", curve ? key : "", suppressed);
    }
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, "1.0");
    zmsg_addstr(reply, sequence ? sequence : "");
    zmsg_addstr(reply, admitted ? "200" : "400");
    zmsg_addstr(reply, admitted ? "OK" : "key not allowed");
    zmsg_addstr(reply, admitted ? key : "");
    zmsg_addmem(reply, NULL, 0);
    zmsg_send(&reply, self->handler);
    zstr_free(&version);
    zstr_free(&sequence);
    zstr_free(&domain);
    zstr_free(&address);
    zstr_free(&identity);
    zstr_free(&mechanism);
    zframe_destroy(&credentials);
    zmsg_destroy(&request);
}

static const char *s_reason(uint16_t event, uint32_t value)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        return "the handshake failed";
    if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        return "a client without CURVE (no key)";
    if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
        return "a CURVE handshake that does not decrypt (wrong server key)";
    return "a malformed handshake";
}

//  One event of a monitored socket.
static void s_handle_monitor(self_t *self, monitor_t *monitor)
{
    zmsg_t *event = zmsg_recv(monitor->pair);
    zframe_t *head = event ? zmsg_first(event) : NULL;
    if (head && zframe_size(head) == 6) {
        uint16_t id;
        uint32_t value;
        memcpy(&id, zframe_data(head), sizeof id);
        memcpy(&value, zframe_data(head) + 2, sizeof value);
        //  Refusals by ZAP (HANDSHAKE_FAILED_AUTH) are logged with the peer
        //  by s_handle_zap.
        if (id != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            const char *reason = s_reason(id, value);
            char which[512];
            uint64_t suppressed = 0;
            snprintf(which, sizeof which, "%s %s", monitor->name, reason);
            //  No detail: a peer gone mid-handshake (a scanner, a timeout).
            hms_log_level_t level =
                id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ? HMS_LOG_INFO : HMS_LOG_WARNING;
            if (s_due(self, which, &suppressed))
                hms_log_at(level,
                           "refused on %s: %s (%" PRIu64 " more since the last line; libzmq "
                           "does not name the peer)",
                           monitor->name, reason, suppressed);
        }
    }
    zmsg_destroy(&event);
}

//  Pipe commands: MONITOR endpoint name (signals 0 or -1), $TERM.
static void s_handle_pipe(self_t *self)
{
    zmsg_t *request = zmsg_recv(self->pipe);
    char *command = request ? zmsg_popstr(request) : NULL;
    if (!command || strcmp(command, "$TERM") == 0)
        self->terminated = true;
    else if (strcmp(command, "MONITOR") == 0) {
        char *endpoint = zmsg_popstr(request);
        char *name = zmsg_popstr(request);
        monitor_t *monitor = calloc(1, sizeof *monitor);
        int rc = -1;
        if (monitor && endpoint && name) {
            monitor->name = name;
            name = NULL;
            monitor->pair = zsock_new_pair(endpoint);
            if (monitor->pair && zpoller_add(self->poller, monitor->pair) == 0) {
                zlistx_add_end(self->monitors, monitor);
                monitor = NULL;
                rc = 0;
            }
        }
        if (monitor) {
            void *item = monitor;
            s_monitor_destroy(&item);
        }
        zstr_free(&endpoint);
        zstr_free(&name);
        zsock_signal(self->pipe, (byte)(rc == 0 ? 0 : 1));
    }
    zstr_free(&command);
    zmsg_destroy(&request);
}

//  Signals twice: once for zactor_new, then 0 when the handler is bound or
//  1 when it cannot be (it then waits for $TERM).
static void s_actor(zsock_t *pipe, void *arg)
{
    zsock_signal(pipe, 0);
    self_t *self = s_self_new(pipe, arg);
    if (self)
        s_allow_reload(self);
    zsock_signal(pipe, self ? 0 : 1);
    while (!self) {
        char *command = zstr_recv(pipe);
        bool end = !command || strcmp(command, "$TERM") == 0;
        zstr_free(&command);
        if (end)
            return;
    }
    while (!self->terminated) {
        void *ready = zpoller_wait(self->poller, -1);
        if (!ready) {
            if (zpoller_terminated(self->poller))
                break;
            continue;
        }
        if (ready == self->pipe)
            s_handle_pipe(self);
        else if (ready == self->handler)
            s_handle_zap(self);
        else
            for (monitor_t *monitor = zlistx_first(self->monitors); monitor;
                 monitor = zlistx_next(self->monitors))
                if (monitor->pair == ready) {
                    s_handle_monitor(self, monitor);
                    break;
                }
    }
    s_self_destroy(&self);
}

hms_auth_t *hms_auth_new(const char *allow_dir)
{
    struct stat info;
    const char *why = NULL;
    if (!allow_dir || stat(allow_dir, &info) != 0 || !S_ISDIR(info.st_mode) ||
        access(allow_dir, R_OK | X_OK) != 0) {
        hms_error("curve-allow: '%s' is not a readable directory", allow_dir ? allow_dir : "");
        return NULL;
    }
    //  Whoever can add a file there can command this process.
    if (!s_trusted(&info, &why)) {
        hms_error("curve-allow: %s is %s (mode %o, owner %u): chmod go-w it, or chown it",
                  allow_dir, why, (unsigned)(info.st_mode & 07777), (unsigned)info.st_uid);
        return NULL;
    }
    hms_auth_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->actor = zactor_new(s_actor, (void *)allow_dir);
    if (!self->actor || zsock_wait(self->actor) != 0) {
        hms_error("cannot start the ZAP handler (is another bound in this process?)");
        hms_auth_destroy(&self);
        return NULL;
    }
    return self;
}

void hms_auth_destroy(hms_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_auth_t *self = *self_p;
    zactor_destroy(&self->actor);
    free(self);
    *self_p = NULL;
}

int hms_auth_monitor(hms_auth_t *self, zsock_t *sock, const char *name)
{
    assert(self);
    assert(sock);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://hms-auth-monitor-%p-%d", (void *)self,
             self->monitors++);
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor(zsock_resolve(sock), endpoint, events) != 0)
        return -1;
    zstr_sendx(self->actor, "MONITOR", endpoint, name, NULL);
    return zsock_wait(self->actor) == 0 ? 0 : -1;
}
