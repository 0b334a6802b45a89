#!/usr/bin/env bash
# Fixture cleanup and the cleanup guarantee. First a crash: every daemon of
# the testbed is SIGKILLed (controller, managers, dockerds, containerds, and
# host 3's shims), leaving shims and containers running and a link down; `scripts/testbed
# down` must remove everything all the same. Then a clean cycle (up 1, down)
# and a second down (idempotent). After each down, nothing made by the
# testbed may remain: namespaces, links, routes, processes (engines,
# containerds, shims, containers, daemons), mounts, cgroups, shim sockets,
# root-namespace netfilter rules, files. The main engine is untouched.
#
#   tests/testbed/cleanup.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TB=$(cd "$(dirname "$0")/../.." && pwd)/scripts/testbed
say() { printf 'cleanup: %s\n' "$*"; }
failed=0
fail() { say "FAIL: $*"; failed=1; }

main_engine=$(pgrep -x dockerd -a | awk '!/hms-testbed/ {print $1; exit}' || true)
# Live processes whose cgroup names container ID. A zombie is not live: a
# container whose shim was killed is reparented to PID 1, which reaps it
# in its own time.
live_in_container() {
    local f pid
    for f in $(grep -ls "$1" /proc/[0-9]*/cgroup 2>/dev/null); do
        pid=${f#/proc/}
        pid=${pid%/cgroup}
        [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" = Z ] && continue
        [ -e "/proc/$pid" ] && echo "$pid"
    done
}
# Host engines' containers: "HOST ID" lines.
record_ids() {
    local i
    for i in $("$TB" hosts 2>/dev/null | sed 's/.*\.//'); do
        i=$((i - 10))
        "$TB" docker "$i" ps -aq --no-trunc 2>/dev/null | sed "s/^/$i /" || true
    done
}
# Everything that must be gone; ids: the containers recorded before.
verify_gone() {
    local what=$1 ids=$2 host id
    say "checking after $what"
    [ -z "$(ip netns list | grep '^hms-tb')" ] || fail "$what: namespaces remain: $(ip netns list | grep '^hms-tb')"
    [ -z "$(ip -o link show | grep -E ': hms-tb')" ] || fail "$what: links remain: $(ip -o link show | grep -oE 'hms-tb[^:@]*')"
    [ -z "$(ip route show 10.231.0.0/24)" ] || fail "$what: route to 10.231.0.0/24 remains"
    local procs
    procs=$(grep -lsaE '(/run|/var/lib)/hms-testbe[d]/' /proc/[0-9]*/cmdline | cut -d/ -f3 | tr '\n' ' ' || true)
    [ -z "$procs" ] || fail "$what: processes remain: $(for p in $procs; do tr '\0' ' ' </proc/$p/cmdline 2>/dev/null; echo; done)"
    [ -z "$(grep -E ' (/run/hms-testbed|/var/lib/hms-testbed)' /proc/self/mountinfo)" ] ||
        fail "$what: mounts remain: $(grep -oE ' (/run/hms-testbed|/var/lib/hms-testbed)[^ ]*' /proc/self/mountinfo | head -5)"
    if mountpoint -q /run/netns 2>/dev/null && [ -z "$(ls -A /run/netns)" ] && [ "$netns_dir_before" = no ]; then
        fail "$what: /run/netns left mounted"
    fi
    local tool
    for tool in iptables-save ip6tables-save; do
        command -v "$tool" >/dev/null || continue
        [ -z "$($tool 2>/dev/null | grep -E 'hms-tb|10\.231\.0\.|172\.31\.')" ] ||
            fail "$what: root-namespace rules remain: $($tool | grep -E 'hms-tb|10\.231\.0\.|172\.31\.')"
    done
    [ -n "$ids" ] || fail "$what: no container ids were recorded (nothing to check)"
    while read -r host id; do
        [ -n "$id" ] || continue
        [ -z "$(live_in_container "$id")" ] || fail "$what: processes of container $id remain: $(live_in_container "$id" | tr '\n' ' ')"
        [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$id*" 2>/dev/null)" ] || fail "$what: cgroups of $id remain"
        local sock
        sock=/run/containerd/s/$(printf '%s' "/run/hms-testbed/$host/exec/containerd/containerd.sock/moby/$id" | sha256sum | cut -d' ' -f1)
        [ ! -e "$sock" ] || fail "$what: shim socket $sock of $id remains"
    done <<<"$ids"
    local f
    for f in /run/hms-testbed /var/lib/hms-testbed /var/log/hms-testbed; do
        [ ! -e "$f" ] || fail "$what: $f remains"
    done
    "$TB" check >/dev/null || fail "$what: scripts/testbed check finds: $("$TB" check)"
    if [ -n "$main_engine" ]; then
        kill -0 "$main_engine" 2>/dev/null || fail "$what: the main engine ($main_engine) is gone"
        timeout 10 docker image inspect hms/testbox:1 >/dev/null 2>&1 || fail "$what: the main engine lost hms/testbox:1"
    fi
}
netns_dir_before=yes
[ -e /var/lib/hms-testbed/netns-dir ] && netns_dir_before=no

# 1. A crash.
ids=$(record_ids)
if [ -d /run/hms-testbed ]; then
    say "crashing the testbed: SIGKILL to every daemon, host 2's link down"
    ip link set hms-tbv-2 down 2>/dev/null || true
    daemons=""
    for f in /run/hms-testbed/controller.pid /run/hms-testbed/*/manager.pid /run/hms-testbed/*/docker.pid; do
        [ -f "$f" ] && daemons+=" $(cat "$f")" # (dockerd writes no newline)
    done
    for ns in $(ip netns list | awk '$1 ~ /^hms-tb-/ {print $1}'); do
        daemons+=" $(for p in $(ip netns pids "$ns"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = containerd ] && echo "$p"; done || true)"
    done
    # Host 3's shims too: its containers are left without a parent.
    for p in $(ip netns pids hms-tb-3 2>/dev/null || true); do
        [ "$(cat /proc/$p/comm 2>/dev/null)" = containerd-shim ] && daemons+=" $p"
    done
    kill -KILL $daemons 2>/dev/null || true
    shims=$(pgrep -f 'containerd-shim-runc-v2 .*-address /run/hms-testbed/' | wc -l || true)
    say "left behind: $shims shims with their containers, and host 3's containers without theirs"
fi
"$TB" down || fail "scripts/testbed down failed after a crash"
verify_gone "a crash and down" "$ids"

# 2. A clean cycle, and down twice.
"$TB" up 1 --build "$BUILD" || fail "scripts/testbed up 1 failed"
ids=$(record_ids)
"$TB" down || fail "scripts/testbed down failed"
verify_gone "up 1 and down" "$ids"
"$TB" down || fail "a second scripts/testbed down failed"

[ "$failed" -eq 0 ] || exit 1
say "ok"
