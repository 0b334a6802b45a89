/*  hms_runtime: signs that a container is escaping, read from proc.

    An escape leaves traces that no configuration shows (Falco's and
    Tetragon's container rules): a process of the container that entered
    one of the host's namespaces (`nsenter -t 1 -m -p`, setns), a process
    that holds capabilities its container was never given (a privileged
    exec, a process injected from the host), a cgroup v1 hierarchy mounted
    inside the container with a release_agent set (CVE-2022-0492: the
    kernel runs that program on the host, as root), or a change of the
    host's own release_agent files.

    The manager checks every process of every container it follows once a
    second (hms_collector): a few stat and read calls of proc files per
    process. "The host" is the manager's own namespaces: it runs on the
    host (docs/DEPLOY.md). A container configured with a host namespace
    (--pid host, --network host: an audit finding, hms_audit) is only
    flagged for the namespaces its main process does not share.
*/
#ifndef HMS_RUNTIME_H_INCLUDED
#define HMS_RUNTIME_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

//  The namespaces checked, as their inode numbers.
typedef enum { HMS_NS_MNT, HMS_NS_PID, HMS_NS_NET, HMS_NS_COUNT } hms_ns_t;

//  A container as its main process shows it, read when it is followed.
typedef struct {
    ino_t ns[HMS_NS_COUNT]; //  its namespaces (0: unknown)
    uint64_t cap_bnd;       //  its capability bounding set: the container's
    bool root;              //  it runs as uid 0
    bool can_mount;         //  CAP_SYS_ADMIN in its set: it could mount a cgroup
} hms_runtime_main_t;

//  What one scan of a container found.
typedef struct {
    uint32_t host_ns;       //  processes in a host namespace the main process is not in
    uint32_t extra_caps;    //  processes with effective capabilities beyond cap_bnd
    uint32_t release_agent; //  cgroup v1 hierarchies mounted in it with a release_agent
} hms_runtime_found_t;

typedef struct _hms_runtime_t hms_runtime_t;

//  Reads the host's namespaces (proc_root/self/ns) and the release_agent
//  of each cgroup v1 hierarchy the host mounts. NULL when out of memory.
hms_runtime_t *hms_runtime_new(const char *proc_root);
void hms_runtime_destroy(hms_runtime_t **self_p);

//  Reads pid's namespaces, bounding set and uid into *main. Returns 0, or
//  -1 when the process is gone.
int hms_runtime_main(hms_runtime_t *self, int pid, hms_runtime_main_t *main);

//  Checks the processes pids (count) of a container whose main process is
//  main_pid, and, when it can mount, the cgroup hierarchies mounted in its
//  mount namespace. Processes of the engine's runtime on their way in
//  (runc's init, before it drops capabilities) are not judged.
void hms_runtime_scan(hms_runtime_t *self, const hms_runtime_main_t *main, int main_pid,
                      const int *pids, size_t count, hms_runtime_found_t *found);

//  Re-reads the host's release_agent files: true when one changed since
//  the last call (or hms_runtime_new). A host with cgroup v2 only has none.
bool hms_runtime_host_changed(hms_runtime_t *self);

//  True when an exec's user ("", "0", "root", "0:0", "root:wheel", ...) is root.
bool hms_runtime_user_is_root(const char *user);

#endif
