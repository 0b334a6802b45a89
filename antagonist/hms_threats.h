/*  hms_threats: what the antagonist runs in a target for each threat of
    the security campaign (docs/SECURITY-MONITORING.md).

    Each threat is one exec in the target, bounded by the attack's
    duration whatever happens to the antagonist meanwhile:
    - cpu_burn: a busy loop (the target has a CPU quota: it is throttled);
    - fork_bomb: sleeps forked until pids.max refuses more;
    - memory_leak: a file of its tmpfs (/dev/shm, as large as its memory
      limit) grows by the leak rate each second, until the OOM killer or
      the end, then it is removed;
    - network_flood: echo requests to a peer target, each sent as soon as
      the last reply came (tens of thousands a second);
    - privileged_exec: `id`, in an exec with every capability;
    - escape: nsenter into the namespaces of the first process of the
      host it can enter (PID 1, else the next one; the target must be a
      privileged fixture sharing the host's pid namespace), for the
      duration.
*/
#ifndef HMS_THREATS_H_INCLUDED
#define HMS_THREATS_H_INCLUDED

#include "hms_msg.h"

#include <stdbool.h>
#include <stddef.h>

//  Kinds as a mask: 1 << hms_attack_kind_t.
#define HMS_KINDS_SEED (1u << HMS_ATTACK_SHUTDOWN | 1u << HMS_ATTACK_LOSS)

//  Reads a comma-separated list of kind names ("shutdown,loss,cpu_burn")
//  into *mask. Returns 0, or -1 with why (an unknown or repeated name, an
//  empty list).
int hms_kinds_parse(const char *list, unsigned *mask, char *why, size_t size);

//  True for the threats (cpu_burn .. escape), false for the seed's kinds.
bool hms_threat_kind(hms_attack_kind_t kind);

//  The shell script a threat runs for duration_s seconds: into script
//  (size bytes). leak_mib_s: a memory leak's rate; peer: a flood's target
//  address. Returns 0, or -1 when it does not fit or a value is missing.
int hms_threat_script(hms_attack_kind_t kind, unsigned duration_s, double leak_mib_s,
                      const char *peer, char *script, size_t size);

#endif
