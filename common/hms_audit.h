/*  hms_audit: the escape-risk audit of a container, from what the Docker
    engine says of it (GET /containers/{id}/json).

    Each finding is one risk of the CIS Docker Benchmark's container
    runtime section (5.x; and 4.1, a container running as root) that
    docker-bench-security and Falco's container rules also look for: a
    privileged container, capabilities that open the host (SYS_ADMIN,
    SYS_MODULE, ...), host paths and the engine's socket mounted, the
    host's namespaces shared, devices, seccomp or AppArmor turned off, no
    no-new-privileges, shared mount propagation, no memory, pids or CPU
    limit, root. Each has a severity, the CIS recommendation it matches and
    the MITRE ATT&CK technique it enables: T1611 (escape to host), T1610
    (deploy container: a container that can command the engine), T1499
    (endpoint denial of service: no limit).

    The audit reads only the inspect document: it runs when a container is
    created and when it starts, costs no system call, and judges a created
    container that was never started as well as a running one.
*/
#ifndef HMS_AUDIT_H_INCLUDED
#define HMS_AUDIT_H_INCLUDED

#include <jansson.h>
#include <stddef.h>

typedef enum {
    HMS_RISK_LOW = 1, //  hardening: a limit, root
    HMS_RISK_MEDIUM,  //  a protection turned off
    HMS_RISK_HIGH,    //  a host namespace or device shared
    HMS_RISK_CRITICAL //  the host is one step away
} hms_risk_t;

//  The checks, in the order findings are given.
typedef enum {
    HMS_CHECK_PRIVILEGED,
    HMS_CHECK_CAPABILITIES,
    HMS_CHECK_ENGINE_SOCKET,
    HMS_CHECK_HOST_PATH,
    HMS_CHECK_HOST_PID,
    HMS_CHECK_HOST_NETWORK,
    HMS_CHECK_HOST_IPC,
    HMS_CHECK_HOST_UTS,
    HMS_CHECK_HOST_USERNS,
    HMS_CHECK_DEVICES,
    HMS_CHECK_SECCOMP,
    HMS_CHECK_APPARMOR,
    HMS_CHECK_NEW_PRIVILEGES,
    HMS_CHECK_PROPAGATION,
    HMS_CHECK_MEMORY_LIMIT,
    HMS_CHECK_PIDS_LIMIT,
    HMS_CHECK_CPU_LIMIT,
    HMS_CHECK_ROOT,
    HMS_CHECK_COUNT
} hms_check_t;

//  What a check is.
typedef struct {
    const char *name;      //  "privileged", "host_pid", ...
    hms_risk_t risk;       //  its severity
    const char *cis;       //  the CIS Docker Benchmark recommendation: "5.4"
    const char *technique; //  MITRE ATT&CK: "T1611"
    const char *title;     //  for people
} hms_check_info_t;

const hms_check_info_t *hms_check_info(hms_check_t check);

//  The check named name, or HMS_CHECK_COUNT.
hms_check_t hms_check_from_name(const char *name);

const char *hms_risk_name(hms_risk_t risk);

#define HMS_FINDING_DETAIL_MAX 127

typedef struct {
    hms_check_t check;
    char detail[HMS_FINDING_DETAIL_MAX + 1]; //  what was seen: "CAP_SYS_ADMIN", "/etc", ...
} hms_finding_t;

//  Audits the container of inspect (its whole GET /containers/{id}/json
//  document). Fills at most HMS_CHECK_COUNT findings, one per check that
//  found a risk, in check order, and returns their number.
size_t hms_audit(json_t *inspect, hms_finding_t findings[HMS_CHECK_COUNT]);

#endif
