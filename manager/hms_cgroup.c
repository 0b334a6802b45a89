/*  hms_cgroup: one container's resource counters from its cgroup files.  */

#include "hms_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  The files a reader keeps open; which name each has depends on the version.
typedef enum {
    F_CPU_USAGE,    //  v1 cpuacct.usage (v2: usage_usec of cpu.stat)
    F_CPU_STAT,     //  periods and throttling
    F_CPU_QUOTA,    //  v1 cpu.cfs_quota_us, v2 cpu.max (quota and period)
    F_CPU_PERIOD,   //  v1 cpu.cfs_period_us
    F_MEM_USAGE,    //  v1 memory.usage_in_bytes, v2 memory.current
    F_MEM_STAT,     //  inactive file cache and anonymous memory
    F_MEM_LIMIT,    //  v1 memory.limit_in_bytes, v2 memory.max
    F_MEM_EVENTS,   //  v1 memory.oom_control, v2 memory.events: oom_kill
    F_PIDS_CURRENT, //  pids.current
    F_PIDS_MAX,     //  pids.max
    F_PIDS_EVENTS,  //  pids.events: max
    F_IO_BYTES,     //  v1 blkio.throttle.io_service_bytes_recursive, v2 io.stat
    F_IO_OPS,       //  v1 blkio.throttle.io_serviced_recursive
    F_PROCS,        //  cgroup.procs: its processes (v1: the pids hierarchy's)
    F_NET,          //  /proc/PID/net/dev
    F_COUNT
} file_t;

//  A file of a cgroup: the v1 controller whose hierarchy holds it, its name
//  under v1 and under v2 (NULL: none in that version).
typedef struct {
    const char *controller;
    const char *v1;
    const char *v2;
} s_file_t;

static const s_file_t s_files[F_NET] = {
    [F_CPU_USAGE] = {"cpuacct", "cpuacct.usage", NULL},
    [F_CPU_STAT] = {"cpu", "cpu.stat", "cpu.stat"},
    [F_CPU_QUOTA] = {"cpu", "cpu.cfs_quota_us", "cpu.max"},
    [F_CPU_PERIOD] = {"cpu", "cpu.cfs_period_us", NULL},
    [F_MEM_USAGE] = {"memory", "memory.usage_in_bytes", "memory.current"},
    [F_MEM_STAT] = {"memory", "memory.stat", "memory.stat"},
    [F_MEM_LIMIT] = {"memory", "memory.limit_in_bytes", "memory.max"},
    [F_MEM_EVENTS] = {"memory", "memory.oom_control", "memory.events"},
    [F_PIDS_CURRENT] = {"pids", "pids.current", "pids.current"},
    [F_PIDS_MAX] = {"pids", "pids.max", "pids.max"},
    [F_PIDS_EVENTS] = {"pids", "pids.events", "pids.events"},
    [F_IO_BYTES] = {"blkio", "blkio.throttle.io_service_bytes_recursive", "io.stat"},
    [F_IO_OPS] = {"blkio", "blkio.throttle.io_serviced_recursive", NULL},
    [F_PROCS] = {"pids", "cgroup.procs", "cgroup.procs"},
};

#define S_CONTROLLERS 5 //  cpu, cpuacct, memory, pids, blkio
static const char *s_controllers[S_CONTROLLERS] = {"cpu", "cpuacct", "memory", "pids", "blkio"};

//  cgroup v1 writes "no limit" as the largest page-aligned long.
#define S_V1_UNLIMITED (1ull << 62)

struct _hms_cgroup_t {
    int version;        //  1 or 2
    int fd[F_COUNT];    //  open files, -1 when absent
    char *procs;        //  cgroup.procs: opened at each read (below); NULL: none
    char buffer[16384]; //  the file being parsed; longer files are cut
};

//  The line after line in a text, NULL after the last.
static const char *s_next_line(const char *line)
{
    const char *end = strchr(line, '\n');
    return end ? end + 1 : NULL;
}

//  Whether name is one of the comma-separated list.
static bool s_in_list(const char *list, const char *name)
{
    size_t length = strlen(name);
    for (const char *at = list; at; at = strchr(at, ',') ? strchr(at, ',') + 1 : NULL)
        if (strncmp(at, name, length) == 0 && (at[length] == ',' || at[length] == 0))
            return true;
    return false;
}

//  The cgroup of pid for each v1 controller (path and the name of the
//  hierarchy that holds it), and its unified (v2) path.
typedef struct {
    char hierarchy[S_CONTROLLERS][128];
    char path[S_CONTROLLERS][1024];
    char unified[1024];
    bool has_unified;
} s_membership_t;

//  Reads /proc/PID/cgroup: lines "ID:CONTROLLERS:PATH".
static int s_membership(const char *proc_root, int pid, s_membership_t *out, char *error,
                        size_t error_size)
{
    char name[512];
    snprintf(name, sizeof name, "%s/%d/cgroup", proc_root, pid);
    FILE *file = fopen(name, "re");
    if (!file) {
        snprintf(error, error_size, "%s: %s", name, strerror(errno));
        return -1;
    }
    memset(out, 0, sizeof *out);
    char line[2048];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\n")] = 0;
        char *colon = strchr(line, ':');
        char *second = colon ? strchr(colon + 1, ':') : NULL;
        if (!second || second[1] != '/')
            continue;
        *second = 0;
        const char *controllers = colon + 1, *path = second + 1;
        if (!*controllers && strncmp(line, "0:", 2) == 0) {
            snprintf(out->unified, sizeof out->unified, "%s", path);
            out->has_unified = true;
            continue;
        }
        //  controllers is a comma-separated list, e.g. "cpu,cpuacct".
        for (int c = 0; c < S_CONTROLLERS; c++)
            if (s_in_list(controllers, s_controllers[c])) {
                snprintf(out->hierarchy[c], sizeof out->hierarchy[c], "%s", controllers);
                snprintf(out->path[c], sizeof out->path[c], "%s", path);
            }
    }
    fclose(file);
    return 0;
}

static int s_controller_index(const char *controller)
{
    for (int c = 0; c < S_CONTROLLERS; c++)
        if (strcmp(s_controllers[c], controller) == 0)
            return c;
    return -1;
}

//  Opens name in directory, read-only. Returns the descriptor or -1.
static int s_open(const char *directory, const char *name)
{
    char path[2048];
    if (snprintf(path, sizeof path, "%s/%s", directory, name) >= (int)sizeof path)
        return -1;
    return open(path, O_RDONLY | O_CLOEXEC);
}

//  Opens a v1 file: the hierarchy is mounted under its own name
//  (ROOT/cpu,cpuacct) or under the controller's (ROOT/cpuacct).
static int s_open_v1(const char *root, const s_membership_t *member, const s_file_t *file)
{
    int c = s_controller_index(file->controller);
    if (c < 0 || !*member->path[c])
        return -1;
    char directory[1536];
    snprintf(directory, sizeof directory, "%s/%s%s", root, member->hierarchy[c], member->path[c]);
    int fd = s_open(directory, file->v1);
    if (fd < 0) {
        snprintf(directory, sizeof directory, "%s/%s%s", root, file->controller, member->path[c]);
        fd = s_open(directory, file->v1);
    }
    return fd;
}

hms_cgroup_t *hms_cgroup_open(const char *proc_root, const char *cgroup_root, int pid, bool net,
                              char *error, size_t error_size)
{
    s_membership_t *member = malloc(sizeof *member);
    hms_cgroup_t *self = calloc(1, sizeof *self);
    if (!member || !self) {
        snprintf(error, error_size, "out of memory");
        free(member);
        free(self);
        return NULL;
    }
    for (int f = 0; f < F_COUNT; f++)
        self->fd[f] = -1;
    if (s_membership(proc_root, pid, member, error, error_size) != 0) {
        free(member);
        hms_cgroup_destroy(&self);
        return NULL;
    }
    //  A hybrid host (v1 controllers and an empty unified hierarchy) is v1.
    bool v1 = false;
    for (int c = 0; c < S_CONTROLLERS; c++)
        v1 = v1 || *member->path[c];
    self->version = v1 ? 1 : 2;
    char directory[1536];
    snprintf(directory, sizeof directory, "%s%s", cgroup_root, member->unified);
    int opened = 0;
    for (int f = 0; f < F_NET; f++) {
        if (v1)
            self->fd[f] = s_open_v1(cgroup_root, member, &s_files[f]);
        else if (member->has_unified && s_files[f].v2)
            self->fd[f] = s_open(directory, s_files[f].v2);
        opened += self->fd[f] >= 0;
    }
    free(member);
    //  cgroup v1 keeps the list an open cgroup.procs gave while it is read
    //  again within a second: read each second, it would never change. A
    //  new open makes a new list, so the file is opened at each read.
    if (self->fd[F_PROCS] >= 0) {
        char link[64], path[2048];
        snprintf(link, sizeof link, "/proc/self/fd/%d", self->fd[F_PROCS]);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n > 0) {
            path[n] = 0;
            self->procs = strdup(path);
        }
        close(self->fd[F_PROCS]);
        self->fd[F_PROCS] = -1;
    }
    if (opened == 0) {
        snprintf(error, error_size, "no cgroup files of process %d under %s", pid, cgroup_root);
        hms_cgroup_destroy(&self);
        return NULL;
    }
    if (net) {
        char name[512];
        snprintf(name, sizeof name, "%s/%d/net/dev", proc_root, pid);
        self->fd[F_NET] = open(name, O_RDONLY | O_CLOEXEC);
    }
    return self;
}

void hms_cgroup_destroy(hms_cgroup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_cgroup_t *self = *self_p;
    for (int f = 0; f < F_COUNT; f++)
        if (self->fd[f] >= 0)
            close(self->fd[f]);
    free(self->procs);
    free(self);
    *self_p = NULL;
}

int hms_cgroup_version(hms_cgroup_t *self)
{
    return self->version;
}

//  Reads file f from its start into the buffer, NUL-terminated. Returns
//  the text, or NULL when the file is absent or cannot be read.
static const char *s_load(hms_cgroup_t *self, file_t f)
{
    if (self->fd[f] < 0)
        return NULL;
    ssize_t n;
    do
        n = pread(self->fd[f], self->buffer, sizeof self->buffer - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return NULL;
    self->buffer[n] = 0;
    return self->buffer;
}

//  A number at the start of text; "max" (v2's "no limit") and negative
//  values (v1's quota -1) are 0. Returns false when there is no number.
static bool s_number(const char *text, uint64_t *value)
{
    while (*text == ' ')
        text++;
    if (strncmp(text, "max", 3) == 0 || *text == '-') {
        *value = 0;
        return true;
    }
    if (*text < '0' || *text > '9')
        return false;
    *value = strtoull(text, NULL, 10);
    return true;
}

//  The value of "key N" in a flat keyed file (memory.stat, cpu.stat, ...).
static bool s_keyed(const char *text, const char *key, uint64_t *value)
{
    size_t length = strlen(key);
    for (const char *line = text; line && *line; line = s_next_line(line))
        if (strncmp(line, key, length) == 0 && line[length] == ' ')
            return s_number(line + length + 1, value);
    return false;
}

//  A whole-file number, 0 when the file cannot be read.
static uint64_t s_file_number(hms_cgroup_t *self, file_t f, bool *ok)
{
    const char *text = s_load(self, f);
    uint64_t value = 0;
    bool read = text && s_number(text, &value);
    if (ok)
        *ok = read;
    return read ? value : 0;
}

static void s_read_cpu(hms_cgroup_t *self, hms_reading_t *sample)
{
    bool ok = false;
    const char *stat;
    if (self->version == 1) {
        sample->cpu_usage_ns = s_file_number(self, F_CPU_USAGE, &ok);
        if ((stat = s_load(self, F_CPU_STAT))) {
            s_keyed(stat, "nr_periods", &sample->cpu_periods);
            s_keyed(stat, "nr_throttled", &sample->cpu_throttled_periods);
            s_keyed(stat, "throttled_time", &sample->cpu_throttled_ns);
        }
        sample->cpu_quota_us = s_file_number(self, F_CPU_QUOTA, NULL);
        sample->cpu_period_us = s_file_number(self, F_CPU_PERIOD, NULL);
    } else {
        uint64_t usec = 0;
        if ((stat = s_load(self, F_CPU_STAT)) && s_keyed(stat, "usage_usec", &usec)) {
            ok = true;
            sample->cpu_usage_ns = usec * 1000;
            s_keyed(stat, "nr_periods", &sample->cpu_periods);
            s_keyed(stat, "nr_throttled", &sample->cpu_throttled_periods);
            if (s_keyed(stat, "throttled_usec", &usec))
                sample->cpu_throttled_ns = usec * 1000;
        }
        //  cpu.max: "QUOTA PERIOD", QUOTA "max" when there is none.
        const char *max = s_load(self, F_CPU_QUOTA);
        const char *space = max ? strchr(max, ' ') : NULL;
        if (space && s_number(max, &sample->cpu_quota_us))
            s_number(space + 1, &sample->cpu_period_us);
    }
    if (ok)
        sample->have |= HMS_READING_CPU;
}

static void s_read_memory(hms_cgroup_t *self, hms_reading_t *sample)
{
    bool ok = false;
    sample->memory_usage = s_file_number(self, F_MEM_USAGE, &ok);
    if (!ok)
        return;
    sample->have |= HMS_READING_MEMORY;
    uint64_t inactive = 0;
    const char *stat = s_load(self, F_MEM_STAT);
    //  v1 reports the hierarchy's totals under total_*, as docker stats reads them.
    if (stat && self->version == 1) {
        if (!s_keyed(stat, "total_inactive_file", &inactive))
            s_keyed(stat, "inactive_file", &inactive);
        if (!s_keyed(stat, "total_rss", &sample->memory_rss))
            s_keyed(stat, "rss", &sample->memory_rss);
    } else if (stat) {
        s_keyed(stat, "inactive_file", &inactive);
        s_keyed(stat, "anon", &sample->memory_rss);
    }
    sample->memory_working_set =
        inactive < sample->memory_usage ? sample->memory_usage - inactive : 0;
    sample->memory_limit = s_file_number(self, F_MEM_LIMIT, NULL);
    if (sample->memory_limit >= S_V1_UNLIMITED)
        sample->memory_limit = 0;
    const char *events = s_load(self, F_MEM_EVENTS);
    if (events)
        s_keyed(events, "oom_kill", &sample->oom_kills);
}

static void s_read_pids(hms_cgroup_t *self, hms_reading_t *sample)
{
    bool ok = false;
    sample->pids_current = s_file_number(self, F_PIDS_CURRENT, &ok);
    if (!ok)
        return;
    sample->have |= HMS_READING_PIDS;
    sample->pids_max = s_file_number(self, F_PIDS_MAX, NULL);
    const char *events = s_load(self, F_PIDS_EVENTS);
    if (events)
        s_keyed(events, "max", &sample->pids_limit_hits);
}

//  v1: lines "MAJ:MIN Read N", "MAJ:MIN Write N", ..., "Total N"; the sum
//  of the Read and of the Write lines goes to *read and *write.
static bool s_blkio(const char *text, uint64_t *read, uint64_t *write)
{
    if (!text)
        return false;
    *read = *write = 0;
    for (const char *line = text; line && *line; line = s_next_line(line)) {
        char op[16];
        unsigned long long value;
        if (sscanf(line, "%*u:%*u %15s %llu", op, &value) != 2)
            continue;
        if (strcmp(op, "Read") == 0)
            *read += value;
        else if (strcmp(op, "Write") == 0)
            *write += value;
    }
    return true;
}

//  v2: lines "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N".
static bool s_io_stat(const char *text, hms_reading_t *sample)
{
    if (!text)
        return false;
    static const char *keys[] = {"rbytes=", "wbytes=", "rios=", "wios="};
    uint64_t *fields[] = {&sample->io_read_bytes, &sample->io_write_bytes, &sample->io_reads,
                          &sample->io_writes};
    for (const char *line = text; line && *line; line = s_next_line(line)) {
        const char *end = strchr(line, '\n');
        for (int k = 0; k < 4; k++) {
            const char *at = strstr(line, keys[k]);
            if (at && (!end || at < end))
                *fields[k] += strtoull(at + strlen(keys[k]), NULL, 10);
        }
    }
    return true;
}

static void s_read_io(hms_cgroup_t *self, hms_reading_t *sample)
{
    bool ok;
    if (self->version == 1) {
        ok = s_blkio(s_load(self, F_IO_BYTES), &sample->io_read_bytes, &sample->io_write_bytes);
        s_blkio(s_load(self, F_IO_OPS), &sample->io_reads, &sample->io_writes);
    } else
        ok = s_io_stat(s_load(self, F_IO_BYTES), sample);
    if (ok)
        sample->have |= HMS_READING_IO;
}

//  /proc/PID/net/dev: two header lines, then "IFACE: 16 counters", receive
//  (bytes packets errs drop fifo frame compressed multicast) then transmit
//  (bytes packets errs drop ...).
static void s_read_net(hms_cgroup_t *self, hms_reading_t *sample)
{
    const char *text = s_load(self, F_NET);
    bool any = false; //  a process gone reads as an empty file
    for (const char *line = text; line && *line; line = s_next_line(line)) {
        char name[32];
        unsigned long long v[16];
        if (sscanf(line,
                   " %31[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                   "%llu %llu %llu",
                   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                   &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 17 ||
            strcmp(name, "lo") == 0)
            continue;
        sample->net_rx_bytes += v[0];
        sample->net_rx_packets += v[1];
        sample->net_rx_errors += v[2];
        sample->net_rx_dropped += v[3];
        sample->net_tx_bytes += v[8];
        sample->net_tx_packets += v[9];
        sample->net_tx_errors += v[10];
        sample->net_tx_dropped += v[11];
        any = true;
    }
    if (any)
        sample->have |= HMS_READING_NET;
}

int hms_cgroup_read(hms_cgroup_t *self, hms_reading_t *sample)
{
    memset(sample, 0, sizeof *sample);
    s_read_cpu(self, sample);
    s_read_memory(self, sample);
    s_read_pids(self, sample);
    s_read_io(self, sample);
    s_read_net(self, sample);
    return sample->have ? 0 : -1;
}

size_t hms_cgroup_procs(hms_cgroup_t *self, int *pids, size_t max)
{
    self->fd[F_PROCS] = self->procs ? open(self->procs, O_RDONLY | O_CLOEXEC) : -1;
    const char *text = s_load(self, F_PROCS);
    if (self->fd[F_PROCS] >= 0)
        close(self->fd[F_PROCS]);
    self->fd[F_PROCS] = -1;
    size_t count = 0;
    for (const char *line = text; line && *line && count < max; line = s_next_line(line)) {
        uint64_t pid;
        if (s_number(line, &pid) && pid > 0 && pid <= INT32_MAX)
            pids[count++] = (int)pid;
    }
    return count;
}
