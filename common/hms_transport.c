/*  hms_transport: the ZeroMQ sockets between HMS peers, and their security.
 */

#include "hms_transport.h"
#include "hms_auth.h"
#include "hms_file.h"
#include "hms_log.h"
#include "hms_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

//  ZMTP heartbeats of client sockets (ms).
#define HMS_ZMTP_HEARTBEAT_IVL     2000
#define HMS_ZMTP_HEARTBEAT_TIMEOUT 6000

//  Tries at picking a free pair of consecutive ports.
#define PAIR_TRIES 64

struct _hms_transport_t {
    zcert_t *cert;    //  our key pair; NULL: plaintext
    hms_auth_t *auth; //  ZAP handler, when we serve CURVE
    bool insecure;    //  plaintext allowed beyond loopback
    char public[HMS_KEY_LENGTH + 1];
};

size_t hms_transport_raise_limits(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            getrlimit(RLIMIT_NOFILE, &limit);
    }
    size_t files = limit.rlim_cur == RLIM_INFINITY ? 1048576 : (size_t)limit.rlim_cur;
    //  Every socket holds a descriptor at least: more sockets than files
    //  could never be open.
    size_t sockets = zsys_socket_limit();
    zsys_set_max_sockets(files < sockets ? files : sockets);
    return files;
}

bool hms_key_valid(const char *text)
{
    uint8_t key[32];
    return text && strlen(text) == HMS_KEY_LENGTH && zmq_z85_decode(key, text) != NULL;
}

int hms_key_read(const char *text, char *key)
{
    if (hms_key_valid(text)) {
        memcpy(key, text, HMS_KEY_LENGTH + 1);
        return 0;
    }
    zcert_t *cert = text && zsys_file_exists(text) ? zcert_load(text) : NULL;
    int rc = cert && hms_key_valid(zcert_public_txt(cert)) ? 0 : -1;
    if (rc == 0)
        memcpy(key, zcert_public_txt(cert), HMS_KEY_LENGTH + 1);
    zcert_destroy(&cert);
    return rc;
}

bool hms_endpoint_local(const char *endpoint)
{
    if (!endpoint)
        return false;
    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    const char *colon = strrchr(host, ':');
    if (!colon || colon == host)
        return false;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(colon - host), host);
    //  A connecting endpoint may name the local side first: src;dest.
    if (strchr(name, ';'))
        return false;
    if (strcmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
        return true;
    struct in_addr address;
    return inet_pton(AF_INET, name, &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

//  The key pair in a secret certificate (hmsctl keygen's NAME_secret),
//  read as a secret (hms_file_read_secret). The public key is derived from
//  the secret one, so a file cannot pair them wrongly. NULL (logged) when
//  the file is refused or holds no secret key.
static zcert_t *s_load_secret(const char *path)
{
    char *text = NULL, why[512];
    size_t size;
    int read = hms_file_read_secret(path, 64 * 1024, &text, &size, why, sizeof why);
    if (read != 0) {
        if (read > 0)
            hms_error("curve-secret: %s: %s", path, strerror(ENOENT));
        else
            hms_error("curve-secret: %s", why);
        free(text);
        return NULL;
    }
    zconfig_t *config = zconfig_str_load(text);
    free(text);
    const char *secret_txt = config ? zconfig_get(config, "curve/secret-key", "") : "";
    char public_txt[HMS_KEY_LENGTH + 1];
    uint8_t public[32], secret[32];
    zcert_t *cert = NULL;
    if (hms_key_valid(secret_txt) && zmq_curve_public(public_txt, secret_txt) == 0 &&
        zmq_z85_decode(public, public_txt) && zmq_z85_decode(secret, secret_txt))
        cert = zcert_new_from(public, secret);
    zconfig_destroy(&config);
    if (!cert)
        hms_error("curve-secret: %s is not a secret certificate (hmsctl keygen writes one)", path);
    return cert;
}

hms_transport_t *hms_transport_new(const hms_transport_config_t *config, bool serves)
{
    hms_transport_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->insecure = config->insecure;
    const char *secret = config->curve_secret ? config->curve_secret : "";
    if (*secret) {
        self->cert = s_load_secret(secret);
        if (!self->cert) {
            hms_transport_destroy(&self);
            return NULL;
        }
        snprintf(self->public, sizeof self->public, "%s", zcert_public_txt(self->cert));
        if (serves) {
            if (!config->curve_allow || !*config->curve_allow) {
                hms_error("curve-allow: a directory of allowed public keys is needed with "
                          "--curve-secret");
                hms_transport_destroy(&self);
                return NULL;
            }
            self->auth = hms_auth_new(config->curve_allow);
            if (!self->auth) {
                hms_transport_destroy(&self);
                return NULL;
            }
        }
        hms_notice("CURVE key %s%s%s", self->public, serves ? ", clients allowed by " : "",
                   serves ? config->curve_allow : "");
    }
    if (self->insecure && !self->cert && serves)
        hms_warning("--insecure: no key pair, and plaintext ZeroMQ beyond loopback: anyone who "
                    "reaches these ports can command this process");
    else if (self->insecure)
        hms_warning("--insecure: plaintext ZeroMQ to peers beyond loopback that have no key "
                    "(a lab mode)");
    return self;
}

void hms_transport_destroy(hms_transport_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_transport_t *self = *self_p;
    hms_auth_destroy(&self->auth);
    zcert_destroy(&self->cert);
    free(self);
    *self_p = NULL;
}

bool hms_transport_secure(hms_transport_t *self)
{
    return self->cert != NULL;
}

const char *hms_transport_public_key(hms_transport_t *self)
{
    return self->public;
}

void hms_transport_default(hms_transport_t *self, int port, char *endpoint, size_t size)
{
    snprintf(endpoint, size, "tcp://%s:%d", self->cert || self->insecure ? "*" : "127.0.0.1", port);
}

bool hms_transport_plaintext(hms_transport_t *self, const char *endpoint)
{
    return self->insecure || hms_endpoint_local(endpoint);
}

//  The policy: plaintext beyond loopback only with --insecure.
static bool s_allowed(hms_transport_t *self, bool curve, const char *endpoint, const char *what)
{
    if (curve || hms_transport_plaintext(self, endpoint))
        return true;
    hms_error("refusing to %s %s in plaintext: give this program a key pair (--curve-secret) or "
              "use a loopback address (--insecure allows it, for a lab)",
              what, endpoint);
    return false;
}

//  A server socket of type with the options of §2.2 and CURVE, not bound.
static zsock_t *s_server(hms_transport_t *self, int type)
{
    zsock_t *sock = zsock_new(type);
    if (!sock)
        return NULL;
    //  A PUB receives subscriptions only; a ROUTER, requests.
    zsock_set_maxmsgsize(sock, HMS_REQUEST_MAX);
    //  No ZMTP heartbeats of its own: the clients ping, and tell it (their
    //  TTL) to drop them, and free their queue, when their pings stop.
    if (type == ZMQ_ROUTER) {
        zsock_set_router_mandatory(sock, 1);
        zsock_set_sndtimeo(sock, 0);
    }
    if (self->cert) {
        zcert_apply(self->cert, sock);
        zsock_set_curve_server(sock, 1);
        zsock_set_zap_domain(sock, HMS_AUTH_DOMAIN);
    }
    return sock;
}

//  Once sock is bound: its failed handshakes are logged under the endpoint
//  it got.
static void s_monitor(hms_transport_t *self, zsock_t *sock)
{
    const char *endpoint = zsock_endpoint(sock);
    if (self->auth && hms_auth_monitor(self->auth, sock, endpoint) != 0)
        hms_warning("failed handshakes on %s will not be logged", endpoint);
}

zsock_t *hms_transport_bind(hms_transport_t *self, int type, const char *endpoint)
{
    assert(self);
    if (!s_allowed(self, self->cert != NULL, endpoint, "bind"))
        return NULL;
    zsock_t *sock = s_server(self, type);
    if (sock && zsock_bind(sock, "%s", endpoint) < 0) {
        hms_error("cannot bind %s: %s", endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    if (sock)
        s_monitor(self, sock);
    return sock;
}

//  The port of a tcp endpoint: > 0, 0 for `*`, -1 when it has none.
static int s_port(const char *endpoint)
{
    const char *colon = strrchr(endpoint, ':');
    if (!colon || strncmp(endpoint, "tcp://", 6) != 0)
        return -1;
    if (strcmp(colon, ":*") == 0)
        return 0;
    int port = atoi(colon + 1);
    return port > 0 && port <= 65535 ? port : -1;
}

//  Binds lower, then upper (both made by s_server). Returns 0 or -1.
static int s_bind_two(hms_transport_t *self, int lower_type, const char *lower_endpoint,
                      int upper_type, const char *upper_endpoint, zsock_t **lower, zsock_t **upper)
{
    *lower = hms_transport_bind(self, lower_type, lower_endpoint);
    *upper = *lower ? hms_transport_bind(self, upper_type, upper_endpoint) : NULL;
    if (!*upper)
        zsock_destroy(lower);
    return *upper ? 0 : -1;
}

int hms_transport_bind_pair(hms_transport_t *self, int default_port, int lower_type,
                            const char *lower_endpoint, int upper_type, const char *upper_endpoint,
                            zsock_t **lower, zsock_t **upper)
{
    assert(self);
    *lower = *upper = NULL;
    char low[300], high[300];
    if (lower_endpoint && *lower_endpoint)
        snprintf(low, sizeof low, "%s", lower_endpoint);
    else
        hms_transport_default(self, default_port, low, sizeof low);
    int port = s_port(low);
    const char *colon = strrchr(low, ':');
    if (upper_endpoint && *upper_endpoint)
        snprintf(high, sizeof high, "%s", upper_endpoint);
    else if (port > 0 && port < 65535)
        snprintf(high, sizeof high, "%.*s:%d", (int)(colon - low), low, port + 1);
    else if (port == 0)
        snprintf(high, sizeof high, "%s", low);
    else {
        hms_error("'%s' is not tcp://HOST:PORT: name the other endpoint too", low);
        return -1;
    }
    if (port != 0 || s_port(high) != 0) {
        if (s_bind_two(self, lower_type, low, upper_type, high, lower, upper) != 0)
            return -1;
        int bound = s_port(zsock_endpoint(*lower));
        return bound < 0 ? 0 : bound; //  ipc:// has no port
    }
    if (!s_allowed(self, self->cert != NULL, low, "bind") ||
        !s_allowed(self, self->cert != NULL, high, "bind"))
        return -1;
    //  czmq's `!` binds the first free port from a random one of 49152 and
    //  up; the next one may be taken, by anyone: then another pair.
    char lower_random[300], upper_base[300];
    snprintf(lower_random, sizeof lower_random, "%.*s:!", (int)(strrchr(low, ':') - low), low);
    snprintf(upper_base, sizeof upper_base, "%.*s", (int)(strrchr(high, ':') - high), high);
    for (int attempt = 0; attempt < PAIR_TRIES; attempt++) {
        *lower = s_server(self, lower_type);
        port = *lower ? zsock_bind(*lower, "%s", lower_random) : -1;
        if (port > 0 && port < 65535) {
            char endpoint[320];
            snprintf(endpoint, sizeof endpoint, "%s:%d", upper_base, port + 1);
            *upper = s_server(self, upper_type);
            if (*upper && zsock_bind(*upper, "%s", endpoint) >= 0) {
                s_monitor(self, *lower);
                s_monitor(self, *upper);
                return port;
            }
            zsock_destroy(upper);
        }
        zsock_destroy(lower);
        if (port < 0)
            break;
    }
    hms_error("cannot bind two consecutive ports on %s and %s", low, high);
    return -1;
}

zsock_t *hms_transport_client(hms_transport_t *self, int type, const char *server_key)
{
    assert(self);
    bool curve = server_key && *server_key;
    if (curve && !hms_key_valid(server_key)) {
        hms_error("'%s' is not a public key (40 Z85 characters)", server_key);
        return NULL;
    }
    if (curve && !self->cert) {
        hms_error("cannot speak CURVE to a peer without a key pair (--curve-secret)");
        return NULL;
    }
    zsock_t *sock = zsock_new(type);
    if (!sock)
        return NULL;
    //  ZMTP heartbeats, from the client's side only (each is encrypted under
    //  CURVE): a frozen server is dropped after HEARTBEAT_TIMEOUT, and the
    //  server drops a frozen client after the TTL the pings carry.
    zsock_set_heartbeat_ivl(sock, HMS_ZMTP_HEARTBEAT_IVL);
    zsock_set_heartbeat_timeout(sock, HMS_ZMTP_HEARTBEAT_TIMEOUT);
    zsock_set_heartbeat_ttl(sock, HMS_ZMTP_HEARTBEAT_TIMEOUT);
    if (type == ZMQ_SUB) {
        //  Heartbeats and notices only: anything larger is not ours.
        zsock_set_maxmsgsize(sock, HMS_PUB_MAX);
        zsock_set_rcvhwm(sock, HMS_SUB_HWM);
    } else {
        zsock_set_maxmsgsize(sock, HMS_MESSAGE_MAX);
        //  A request to a peer that is down fails at once instead of
        //  queueing and arriving stale later.
        zsock_set_immediate(sock, 1);
        zsock_set_sndtimeo(sock, 0);
    }
    if (curve) {
        zcert_apply(self->cert, sock);
        zsock_set_curve_serverkey(sock, server_key);
    }
    return sock;
}

int hms_transport_connect(hms_transport_t *self, zsock_t *sock, const char *endpoint)
{
    assert(self);
    if (strncmp(endpoint, "tcp://", 6) != 0 && strncmp(endpoint, "ipc://", 6) != 0 &&
        strncmp(endpoint, "inproc://", 9) != 0) {
        hms_error("'%s' is not an endpoint (tcp://HOST:PORT)", endpoint);
        return -1;
    }
    if (!s_allowed(self, zsock_mechanism(sock) == ZMQ_CURVE, endpoint, "connect to"))
        return -1;
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        hms_error("cannot connect to %s: %s", endpoint, zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}
