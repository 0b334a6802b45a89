/*  hms_runtime: signs that a container is escaping, read from proc.  */

#include "hms_runtime.h"
#include "hms_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_HOST_AGENTS   16   //  cgroup v1 hierarchies of the host followed
#define S_AGENT_MAX     4096 //  bytes of a release_agent kept
#define S_CAP_SYS_ADMIN 21

static const char *s_ns_names[HMS_NS_COUNT] = {"mnt", "pid", "net"};

typedef struct {
    char path[512];          //  its release_agent file
    char agent[S_AGENT_MAX]; //  its content when last read
} s_agent_t;

struct _hms_runtime_t {
    char *proc_root;
    ino_t host[HMS_NS_COUNT];
    s_agent_t *agents; //  the host's v1 hierarchies
    size_t agent_count;
    bool blind_told; //  the log said once that namespaces cannot be read
};

//  Reads path into buffer (size), NUL-terminated. Returns the length, or -1.
static ssize_t s_read(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    do
        n = read(fd, buffer, size - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n < 0)
        return -1;
    buffer[n] = 0;
    return n;
}

//  The namespaces of process pid ("self" when pid is 0) into ns.
static void s_namespaces(const char *proc_root, int pid, ino_t ns[HMS_NS_COUNT])
{
    for (int n = 0; n < HMS_NS_COUNT; n++) {
        char path[512];
        if (pid)
            snprintf(path, sizeof path, "%s/%d/ns/%s", proc_root, pid, s_ns_names[n]);
        else
            snprintf(path, sizeof path, "%s/self/ns/%s", proc_root, s_ns_names[n]);
        struct stat st;
        ns[n] = stat(path, &st) == 0 ? st.st_ino : 0;
    }
}

//  Calls fn for each cgroup v1 mount of mountinfo (a text): its mount point.
static void s_cgroup_mounts(char *mountinfo, void (*fn)(const char *point, void *arg), void *arg)
{
    char *save = NULL;
    for (char *line = strtok_r(mountinfo, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        //  "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER"
        char *dash = strstr(line, " - ");
        if (!dash || strncmp(dash + 3, "cgroup ", 7) != 0)
            continue;
        char point[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1)
            fn(point, arg);
    }
}

static void s_add_host_agent(const char *point, void *arg)
{
    hms_runtime_t *self = arg;
    if (self->agent_count == S_HOST_AGENTS)
        return;
    s_agent_t *agent = &self->agents[self->agent_count];
    snprintf(agent->path, sizeof agent->path, "%s/release_agent", point);
    if (s_read(agent->path, agent->agent, sizeof agent->agent) >= 0)
        self->agent_count++;
}

hms_runtime_t *hms_runtime_new(const char *proc_root)
{
    hms_runtime_t *self = calloc(1, sizeof *self);
    char *mountinfo = malloc(65536);
    if (!self || !mountinfo || !(self->proc_root = strdup(proc_root)) ||
        !(self->agents = calloc(S_HOST_AGENTS, sizeof *self->agents))) {
        free(mountinfo);
        hms_runtime_destroy(&self);
        return NULL;
    }
    //  The host's namespaces are init's where the manager may read them: in
    //  its image, or in a unit with a mount namespace of its own, its own
    //  are not the host's. Where init's are closed to it, its own.
    ino_t own[HMS_NS_COUNT];
    s_namespaces(proc_root, 1, self->host);
    s_namespaces(proc_root, 0, own);
    for (int n = 0; n < HMS_NS_COUNT; n++)
        if (!self->host[n])
            self->host[n] = own[n];
    char path[512];
    snprintf(path, sizeof path, "%s/self/mountinfo", proc_root);
    if (s_read(path, mountinfo, 65536) > 0)
        s_cgroup_mounts(mountinfo, s_add_host_agent, self);
    free(mountinfo);
    return self;
}

void hms_runtime_destroy(hms_runtime_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_runtime_t *self = *self_p;
    free(self->proc_root);
    free(self->agents);
    free(self);
    *self_p = NULL;
}

//  The value of "Key:\t..." in a /proc/PID/status text, as a hex number
//  (capabilities) or the first decimal (Uid). Returns false when absent.
static bool s_status_field(const char *status, const char *key, int base, uint64_t *value)
{
    const char *at = strstr(status, key);
    if (!at)
        return false;
    *value = strtoull(at + strlen(key), NULL, base);
    return true;
}

int hms_runtime_main(hms_runtime_t *self, int pid, hms_runtime_main_t *main)
{
    char path[512], status[4096];
    snprintf(path, sizeof path, "%s/%d/status", self->proc_root, pid);
    uint64_t uid = 0;
    memset(main, 0, sizeof *main);
    if (s_read(path, status, sizeof status) <= 0 ||
        !s_status_field(status, "\nCapBnd:", 16, &main->cap_bnd) ||
        !s_status_field(status, "\nUid:", 10, &uid))
        return -1;
    s_namespaces(self->proc_root, pid, main->ns);
    //  Without CAP_SYS_PTRACE a process's namespaces are closed to the
    //  manager, and the indicators see nothing: said once.
    if (!main->ns[HMS_NS_MNT] && !main->ns[HMS_NS_PID] && !main->ns[HMS_NS_NET] &&
        !self->blind_told) {
        hms_warning("cannot read %s/%d/ns: no runtime escape indicator can fire "
                    "(the manager needs CAP_SYS_PTRACE)",
                    self->proc_root, pid);
        self->blind_told = true;
    }
    main->root = uid == 0;
    main->can_mount = (main->cap_bnd >> S_CAP_SYS_ADMIN) & 1;
    return 0;
}

//  One process: adds to found what it shows.
static void s_process(hms_runtime_t *self, const hms_runtime_main_t *main, int pid,
                      hms_runtime_found_t *found)
{
    char path[512], status[4096];
    snprintf(path, sizeof path, "%s/%d/status", self->proc_root, pid);
    uint64_t cap_eff = 0;
    if (s_read(path, status, sizeof status) <= 0 ||
        !s_status_field(status, "\nCapEff:", 16, &cap_eff))
        return; //  gone meanwhile
    //  runc's init enters with the runtime's capabilities and drops them
    //  before it runs the exec's program.
    if (strncmp(status, "Name:\trunc:[", 12) == 0)
        return;
    if (cap_eff & ~main->cap_bnd)
        found->extra_caps++;
    ino_t ns[HMS_NS_COUNT];
    s_namespaces(self->proc_root, pid, ns);
    for (int n = 0; n < HMS_NS_COUNT; n++)
        if (ns[n] && ns[n] == self->host[n] && main->ns[n] != self->host[n]) {
            found->host_ns++;
            break;
        }
}

typedef struct {
    hms_runtime_t *self;
    int pid;
    uint32_t agents;
} s_mounted_t;

static void s_check_agent(const char *point, void *arg)
{
    s_mounted_t *mounted = arg;
    char path[1536], agent[S_AGENT_MAX];
    snprintf(path, sizeof path, "%s/%d/root%s/release_agent", mounted->self->proc_root,
             mounted->pid, point);
    if (s_read(path, agent, sizeof agent) > 0 && agent[0] != '\n')
        mounted->agents++;
}

void hms_runtime_scan(hms_runtime_t *self, const hms_runtime_main_t *main, int main_pid,
                      const int *pids, size_t count, hms_runtime_found_t *found)
{
    memset(found, 0, sizeof *found);
    for (size_t i = 0; i < count; i++)
        s_process(self, main, pids[i], found);
    if (!main->can_mount)
        return;
    char path[512];
    static char mountinfo[65536]; //  one loop, one scan at a time
    snprintf(path, sizeof path, "%s/%d/mountinfo", self->proc_root, main_pid);
    if (s_read(path, mountinfo, sizeof mountinfo) <= 0)
        return;
    s_mounted_t mounted = {self, main_pid, 0};
    s_cgroup_mounts(mountinfo, s_check_agent, &mounted);
    found->release_agent = mounted.agents;
}

bool hms_runtime_host_changed(hms_runtime_t *self)
{
    bool changed = false;
    for (size_t i = 0; i < self->agent_count; i++) {
        s_agent_t *agent = &self->agents[i];
        char now[S_AGENT_MAX];
        if (s_read(agent->path, now, sizeof now) < 0)
            now[0] = 0;
        if (strcmp(now, agent->agent) != 0) {
            changed = true;
            memcpy(agent->agent, now, sizeof now);
        }
    }
    return changed;
}

bool hms_runtime_user_is_root(const char *user)
{
    size_t length = strcspn(user, ":");
    return (length == 1 && user[0] == '0') || (length == 4 && strncmp(user, "root", 4) == 0);
}
