/*  hms_audit: the escape-risk audit of a container.  */

#include "hms_audit.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const hms_check_info_t s_checks[HMS_CHECK_COUNT] = {
    [HMS_CHECK_PRIVILEGED] = {"privileged", HMS_RISK_CRITICAL, "5.4", "T1611",
                              "privileged: every capability and device of the host"},
    [HMS_CHECK_CAPABILITIES] = {"capabilities", HMS_RISK_CRITICAL, "5.3", "T1611",
                                "capabilities that open the host added"},
    [HMS_CHECK_ENGINE_SOCKET] = {"engine_socket", HMS_RISK_CRITICAL, "5.31", "T1610",
                                 "the Docker or containerd socket mounted: it commands the host"},
    [HMS_CHECK_HOST_PATH] = {"host_path", HMS_RISK_HIGH, "5.5", "T1611",
                             "a sensitive host directory mounted"},
    [HMS_CHECK_HOST_PID] = {"host_pid", HMS_RISK_HIGH, "5.15", "T1611",
                            "the host's process namespace shared"},
    [HMS_CHECK_HOST_NETWORK] = {"host_network", HMS_RISK_HIGH, "5.9", "T1611",
                                "the host's network namespace shared"},
    [HMS_CHECK_HOST_IPC] = {"host_ipc", HMS_RISK_HIGH, "5.16", "T1611",
                            "the host's IPC namespace shared"},
    [HMS_CHECK_HOST_UTS] = {"host_uts", HMS_RISK_MEDIUM, "5.20", "T1611",
                            "the host's UTS namespace shared"},
    [HMS_CHECK_HOST_USERNS] = {"host_userns", HMS_RISK_HIGH, "5.30", "T1611",
                               "the host's user namespace kept (userns-remap turned off)"},
    [HMS_CHECK_DEVICES] = {"devices", HMS_RISK_HIGH, "5.17", "T1611",
                           "host devices given to the container"},
    [HMS_CHECK_SECCOMP] = {"seccomp", HMS_RISK_MEDIUM, "5.21", "T1611", "seccomp turned off"},
    [HMS_CHECK_APPARMOR] = {"apparmor", HMS_RISK_MEDIUM, "5.1", "T1611", "AppArmor turned off"},
    [HMS_CHECK_NEW_PRIVILEGES] = {"new_privileges", HMS_RISK_LOW, "5.25", "T1611",
                                  "no-new-privileges not set: setuid programs can gain privileges"},
    [HMS_CHECK_PROPAGATION] = {"mount_propagation", HMS_RISK_HIGH, "5.19", "T1611",
                               "a mount shared with the host (propagation shared)"},
    [HMS_CHECK_MEMORY_LIMIT] = {"memory_limit", HMS_RISK_LOW, "5.10", "T1499", "no memory limit"},
    [HMS_CHECK_PIDS_LIMIT] = {"pids_limit", HMS_RISK_LOW, "5.28", "T1499", "no pids limit"},
    [HMS_CHECK_CPU_LIMIT] = {"cpu_limit", HMS_RISK_LOW, "5.11", "T1499", "no CPU limit nor share"},
    [HMS_CHECK_ROOT] = {"root", HMS_RISK_LOW, "4.1", "T1611", "runs as root"},
};

const hms_check_info_t *hms_check_info(hms_check_t check)
{
    return (unsigned)check < HMS_CHECK_COUNT ? &s_checks[check] : NULL;
}

hms_check_t hms_check_from_name(const char *name)
{
    for (int check = 0; check < HMS_CHECK_COUNT; check++)
        if (strcmp(s_checks[check].name, name) == 0)
            return (hms_check_t)check;
    return HMS_CHECK_COUNT;
}

const char *hms_risk_name(hms_risk_t risk)
{
    static const char *const names[] = {"", "low", "medium", "high", "critical"};
    return (unsigned)risk <= HMS_RISK_CRITICAL ? names[risk] : "";
}

//  Capabilities that, added, open the host (Falco's and the CIS
//  Benchmark's lists): without the CAP_ prefix, as `--cap-add` takes them.
static const char *const s_dangerous[] = {
    "ALL",       "SYS_ADMIN", "SYS_MODULE",   "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH",
    "NET_ADMIN", "BPF",       "SYS_BOOT",     "SYSLOG",     "MAC_ADMIN", "MAC_OVERRIDE",
    "PERFMON",   "SYS_TIME",  "DAC_OVERRIDE", NULL};

//  Host paths whose mount lets a container read or change the host: these
//  and anything below them,
static const char *const s_host_trees[] = {"/etc", "/proc", "/sys", "/boot", "/dev", "/root", NULL};
//  and these themselves (a directory below /var or /home is a volume).
static const char *const s_host_paths[] = {"/",     "/lib", "/lib64", "/usr", "/bin",
                                           "/sbin", "/var", "/home",  "/run", NULL};

//  The engines' sockets, and the directories that hold them.
static const char *const s_sockets[] = {"/var/run/docker.sock",
                                        "/run/docker.sock",
                                        "/var/run/containerd/containerd.sock",
                                        "/run/containerd/containerd.sock",
                                        "/var/run/crio/crio.sock",
                                        "/run/crio/crio.sock",
                                        "/var/run/docker",
                                        "/run/containerd",
                                        NULL};

static bool s_listed(const char *text, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(text, *list) == 0)
            return true;
    return false;
}

//  A host path of s_host_paths, or in a tree of s_host_trees.
static bool s_sensitive(const char *path)
{
    for (const char *const *tree = s_host_trees; *tree; tree++) {
        size_t length = strlen(*tree);
        if (strncmp(path, *tree, length) == 0 && (path[length] == '\0' || path[length] == '/'))
            return true;
    }
    return s_listed(path, s_host_paths);
}

//  Appends text to detail (", "-separated, cut at the end).
static void s_note(hms_finding_t *finding, const char *text)
{
    size_t length = strlen(finding->detail);
    snprintf(finding->detail + length, sizeof finding->detail - length, "%s%s", length ? ", " : "",
             text);
}

static const char *s_string(json_t *object, const char *key)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : "";
}

static json_int_t s_integer(json_t *object, const char *key)
{
    return json_integer_value(json_object_get(object, key));
}

//  A path without its trailing slashes ("/" stays).
static void s_clean(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    for (size_t length = strlen(out); length > 1 && out[length - 1] == '/'; length--)
        out[length - 1] = '\0';
}

//  The bind mounts: host paths, sockets, propagation.
static void s_mounts(json_t *inspect, hms_finding_t *found)
{
    size_t index;
    json_t *mount;
    json_array_foreach(json_object_get(inspect, "Mounts"), index, mount)
    {
        char source[256];
        s_clean(s_string(mount, "Source"), source, sizeof source);
        if (strcmp(s_string(mount, "Type"), "bind") != 0)
            continue;
        if (s_listed(source, s_sockets))
            s_note(&found[HMS_CHECK_ENGINE_SOCKET], source);
        else if (s_sensitive(source))
            s_note(&found[HMS_CHECK_HOST_PATH], source);
        const char *propagation = s_string(mount, "Propagation");
        if (strcmp(propagation, "shared") == 0 || strcmp(propagation, "rshared") == 0)
            s_note(&found[HMS_CHECK_PROPAGATION], source);
    }
}

//  The capabilities added that open the host.
static void s_capabilities(json_t *host, hms_finding_t *found)
{
    size_t index;
    json_t *entry;
    json_array_foreach(json_object_get(host, "CapAdd"), index, entry)
    {
        const char *name = json_string_value(entry);
        if (!name)
            continue;
        const char *bare = strncmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        if (s_listed(bare, s_dangerous))
            s_note(&found[HMS_CHECK_CAPABILITIES], bare);
    }
}

//  seccomp and AppArmor, from the security options and the profile.
static void s_profiles(json_t *inspect, json_t *host, hms_finding_t *found)
{
    bool no_new_privileges = false;
    size_t index;
    json_t *entry;
    json_array_foreach(json_object_get(host, "SecurityOpt"), index, entry)
    {
        const char *option = json_string_value(entry);
        if (!option)
            continue;
        if (strcmp(option, "seccomp=unconfined") == 0 || strcmp(option, "seccomp:unconfined") == 0)
            s_note(&found[HMS_CHECK_SECCOMP], option);
        if (strcmp(option, "apparmor=unconfined") == 0 ||
            strcmp(option, "apparmor:unconfined") == 0)
            s_note(&found[HMS_CHECK_APPARMOR], option);
        if (strcmp(option, "no-new-privileges") == 0 ||
            strcmp(option, "no-new-privileges=true") == 0 ||
            strcmp(option, "no-new-privileges:true") == 0)
            no_new_privileges = true;
    }
    if (!*found[HMS_CHECK_APPARMOR].detail &&
        strcmp(s_string(inspect, "AppArmorProfile"), "unconfined") == 0)
        s_note(&found[HMS_CHECK_APPARMOR], "profile unconfined");
    if (!no_new_privileges)
        s_note(&found[HMS_CHECK_NEW_PRIVILEGES], "not set");
}

//  The host's namespaces.
static void s_namespaces(json_t *host, hms_finding_t *found)
{
    static const struct {
        const char *key;
        hms_check_t check;
    } modes[] = {{"PidMode", HMS_CHECK_HOST_PID},
                 {"NetworkMode", HMS_CHECK_HOST_NETWORK},
                 {"IpcMode", HMS_CHECK_HOST_IPC},
                 {"UTSMode", HMS_CHECK_HOST_UTS},
                 {"UsernsMode", HMS_CHECK_HOST_USERNS}};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (strcmp(s_string(host, modes[i].key), "host") == 0)
            s_note(&found[modes[i].check], "host");
}

//  Limits and the user.
static void s_limits(json_t *inspect, json_t *host, hms_finding_t *found)
{
    char text[64];
    if (s_integer(host, "Memory") <= 0)
        s_note(&found[HMS_CHECK_MEMORY_LIMIT], "none");
    if (s_integer(host, "PidsLimit") <= 0)
        s_note(&found[HMS_CHECK_PIDS_LIMIT], "none");
    if (s_integer(host, "NanoCpus") <= 0 && s_integer(host, "CpuQuota") <= 0 &&
        s_integer(host, "CpuShares") <= 0 && !*s_string(host, "CpusetCpus"))
        s_note(&found[HMS_CHECK_CPU_LIMIT], "none");
    const char *user = s_string(json_object_get(inspect, "Config"), "User");
    snprintf(text, sizeof text, "%.40s", user);
    char *colon = strchr(text, ':');
    if (colon)
        *colon = '\0';
    if (!*text || strcmp(text, "root") == 0 || strcmp(text, "0") == 0)
        s_note(&found[HMS_CHECK_ROOT], *user ? user : "no user set");
}

size_t hms_audit(json_t *inspect, hms_finding_t findings[HMS_CHECK_COUNT])
{
    hms_finding_t found[HMS_CHECK_COUNT];
    memset(found, 0, sizeof found);
    json_t *host = json_object_get(inspect, "HostConfig");
    if (json_is_true(json_object_get(host, "Privileged")))
        s_note(&found[HMS_CHECK_PRIVILEGED], "--privileged");
    s_capabilities(host, found);
    s_mounts(inspect, found);
    s_namespaces(host, found);
    if (json_array_size(json_object_get(host, "Devices")) > 0) {
        size_t index;
        json_t *device;
        json_array_foreach(json_object_get(host, "Devices"), index, device)
        {
            s_note(&found[HMS_CHECK_DEVICES], s_string(device, "PathOnHost"));
        }
    }
    s_profiles(inspect, host, found);
    s_limits(inspect, host, found);
    size_t count = 0;
    for (int check = 0; check < HMS_CHECK_COUNT; check++)
        if (*found[check].detail) {
            findings[count] = found[check];
            findings[count++].check = (hms_check_t)check;
        }
    return count;
}
