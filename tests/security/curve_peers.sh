#!/usr/bin/env bash
# Peers that must not command a manager or an antagonist cannot: every
# command (ping, give_content, container_threshold, container_ignore,
# container_add, get_config, set_config; the antagonist's ping, status,
# conf, start, stop) is tried by a client with no key, with a wrong server
# key, and with a valid key that is not in the allow-list, from a container
# on the default bridge (container) or from another testbed host's network
# namespace (testbed). Each gets no answer and changes nothing; the daemon
# logs one line per refused peer (address and key), and per socket and
# reason for the handshakes that fail before the key is known. A subscriber
# without an allowed key receives no heartbeat. With an allowed key, from
# the same place, everything works as before.
#
#   tests/security/curve_peers.sh BUILD_DIR container|testbed
#
# container: a manager and an antagonist of this host (CURVE, on every
# interface, ports they pick) and a container of hms/testbox:1 whose network
# namespace the clients use (nsenter --net: the traffic crosses the bridge).
# testbed: host 1's manager (the fixture's, with the testbed's keys) and an
# antagonist started in host 1's namespace; the clients run in host 2's.
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR container|testbed}" && pwd)
WHERE=${2:?usage: $0 BUILD_DIR container|testbed}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TB=$SRC/scripts/testbed
HMSCTL=$BUILD/controller/hmsctl
TEST=curve_peers-$WHERE

say() { printf '%s: %s\n' "$TEST" "$*"; }
failed=0
fail() { say "FAIL: $*"; failed=1; }
die() { say "FAIL: $*"; exit 1; }

work=$(mktemp -d /tmp/hms-test-curve-XXXXXX)
tag=hmscp$$
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$WHERE" = container ]; then
        docker ps -aq --filter "label=hms.test=$tag" | xargs -r docker rm -f >/dev/null 2>&1 || true
    else
        "$TB" docker 1 rm -f "$tag-sleeper" >/dev/null 2>&1 || true
    fi
    if [ "$failed" -ne 0 ]; then
        for log in "$work"/*.log; do
            [ -s "$log" ] || continue
            say "--- $(basename "$log") (last lines)"
            tail -n 20 "$log"
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# wait_for SECONDS COMMAND...: until COMMAND succeeds (every 50 ms).
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
pubkey() { sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$1"; }
ready() { sed -n "s/^$2=//p" "$1"; }

# Keys: the intruder's pair is valid but allowed nowhere; "other" stands
# for a wrong server key.
"$HMSCTL" keygen "$work/intruder" >/dev/null
"$HMSCTL" keygen "$work/other" >/dev/null

if [ "$WHERE" = container ]; then
    timeout 10 docker info >/dev/null 2>&1 || die "no Docker engine answers: run scripts/setup"
    keys=$work
    for name in manager antagonist admin; do "$HMSCTL" keygen "$work/$name" >/dev/null; done
    mkdir "$work/allow"
    cp "$work/admin" "$work/allow/"
    docker run -d --name "$tag-victim" --label "hms.test=$tag" hms/testbox:1 >/dev/null
    # An ignored container, stopped: container_add would take it off the
    # ignore list and start it.
    docker run -d --name "$tag-sleeper" --label "hms.test=$tag" --label hms.ignore=true \
        hms/testbox:1 >/dev/null
    docker stop -t 1 "$tag-sleeper" >/dev/null
    "$BUILD/manager/hms-manager" --label "hms.test=$tag" --pub 'tcp://*:*' --address test \
        --state-file "$work/manager.state" --curve-secret "$work/manager_secret" \
        --curve-allow "$work/allow" --ready-file "$work/manager.ready" \
        >"$work/manager.log" 2>&1 &
    pids+=($!)
    "$BUILD/antagonist/hms-antagonist" --targets "hms.test=$tag-nothing" --router 'tcp://*:*' \
        --curve-secret "$work/antagonist_secret" --curve-allow "$work/allow" \
        --ready-file "$work/antagonist.ready" >"$work/antagonist.log" 2>&1 &
    pids+=($!)
    wait_for 20 test -f "$work/manager.ready" || die "the manager does not serve"
    wait_for 30 test -f "$work/antagonist.ready" || die "the antagonist does not serve"
    mport=$(ready "$work/manager.ready" pub)
    aport=$(ready "$work/antagonist.ready" router)
    # The clients: in the network namespace of a container on the bridge,
    # talking to this host through the bridge's gateway.
    docker run -d --name "$tag-attacker" --label "hms.test=$tag" --label hms.ignore=true \
        hms/testbox:1 >/dev/null
    apid=$(docker inspect -f '{{.State.Pid}}' "$tag-attacker")
    attacker_ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$tag-attacker")
    target=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')
    inside() { nsenter --net="/proc/$apid/ns/net" "$@"; }
    manager_key=$work/manager
    antagonist_key=$work/antagonist
    manager_log=$work/manager.log
    antagonist_log=$work/antagonist.log
    log_from=0
    victim=$tag-victim
    docker_state() { docker inspect -f '{{.State.Status}}' "$1"; }
    # The daemons as the administrator sees them, from this host.
    admin() { "$HMSCTL" -k "$keys/admin_secret" "$@"; }
    mhost=127.0.0.1:${mport##*:}
    ahost=127.0.0.1:${aport##*:}
else
    "$TB" status >/dev/null 2>&1 && [ -d /run/hms-testbed/1 ] && [ -d /run/hms-testbed/2 ] ||
        die "no testbed (the fixture test testbed_setup brings it up)"
    keys=$("$TB" keys)
    "$TB" docker 1 run -d --name "$tag-sleeper" --label hms.ignore=true hms/testbox:1 >/dev/null
    "$TB" docker 1 stop -t 1 "$tag-sleeper" >/dev/null
    antagonist_log=$work/antagonist.log
    nsenter --net=/var/run/netns/hms-tb-1 "$BUILD/antagonist/hms-antagonist" \
        --docker /run/hms-testbed/1/docker.sock --targets "hms.test=$tag-nothing" \
        --address 10.231.0.11 --curve-secret "$keys/host-1_secret" \
        --curve-allow "$keys/allow-manager" --ready-file "$work/antagonist.ready" \
        >"$antagonist_log" 2>&1 &
    pids+=($!)
    wait_for 30 test -f "$work/antagonist.ready" || die "the antagonist does not serve"
    mport=tcp://10.231.0.11:7601
    aport=tcp://10.231.0.11:7603
    target=10.231.0.11
    attacker_ip=10.231.0.12
    inside() { nsenter --net=/var/run/netns/hms-tb-2 "$@"; }
    manager_key=$keys/host-1
    antagonist_key=$keys/host-1
    manager_log=/var/log/hms-testbed/manager-1.log
    log_from=$(wc -l <"$manager_log")
    victim=web-1
    docker_state() { "$TB" docker 1 inspect -f '{{.State.Status}}' "$1"; }
    admin() { "$HMSCTL" -k "$keys/admin_secret" "$@"; }
    mhost=10.231.0.11
    ahost=10.231.0.11:7603
fi
mtarget=$target:${mport##*:}
atarget=$target:${aport##*:}
mpub=tcp://$mtarget
say "manager $mtarget, antagonist $atarget, clients at $attacker_ip"

# What the daemons hold, as the administrator reads it.
snapshot() {
    admin -K "$manager_key" -H "$mhost" config | grep -E '^threshold ='
    admin -K "$manager_key" -H "$mhost" status | awk '{print $1, $3}' | sort
    admin -K "$antagonist_key" -H "$ahost" antagonist status | grep -vE '^(attempts|targets) ='
    echo "sleeper $(docker_state "$tag-sleeper")"
}
before=$(snapshot) || die "the administrator cannot read the daemons"

# Every command, as arguments of hmsctl, and whom it is for.
manager_commands=(
    "ping" "status" "threshold 7" "ignore $victim" "add $tag-sleeper" "config"
    "config threshold=3 probe_period_ms=5000")
antagonist_commands=(
    "antagonist ping" "antagonist status"
    "antagonist conf loss=50 balance=50 heavy=100 frequency=0.1 duration=1 seed=3"
    "antagonist start" "antagonist stop")
# The three kinds of refused client: hmsctl options for a peer whose key is $1.
client() {
    case $1 in
        nokey) echo --insecure ;;
        wrongkey) echo -k "$keys/admin_secret" -K "$work/other" ;;
        outsider) echo -k "$work/intruder_secret" -K "$2" ;;
        allowed) echo -k "$keys/admin_secret" -K "$2" ;;
    esac
}

# A subscriber of each kind, from the clients' place, for the whole test.
for kind in nokey wrongkey outsider; do
    # shellcheck disable=SC2046
    inside "$HMSCTL" $(client "$kind" "$manager_key") --pub "$mpub" watch --duration 120 \
        >"$work/watch-$kind.out" 2>"$work/watch-$kind.err" &
    pids+=($!)
done

# refused KIND WHO KEY TARGET COMMAND...: each command gets no answer.
refused() {
    local kind=$1 who=$2 key=$3 target=$4 command out
    shift 4
    for command in "$@"; do
        # shellcheck disable=SC2046,SC2086
        if out=$(inside "$HMSCTL" $(client "$kind" "$key") -t 500 -H "$target" $command 2>&1); then
            fail "$kind: '$command' to the $who answered: $out"
        elif [ "$?" -ne 3 ]; then
            fail "$kind: '$command' to the $who: not 'no answer': $out"
        fi
    done
}
for kind in nokey wrongkey outsider; do
    refused "$kind" manager "$manager_key" "$mtarget" "${manager_commands[@]}"
    refused "$kind" antagonist "$antagonist_key" "$atarget" "${antagonist_commands[@]}"
done

# An allowed subscriber gets three heartbeats meanwhile: the others none.
# shellcheck disable=SC2046
inside "$HMSCTL" $(client allowed "$manager_key") --pub "$mpub" watch --count 3 --duration 20 >"$work/watch-allowed.out" ||
    fail "an allowed subscriber got no heartbeat"
[ "$(grep -c ' hb ' "$work/watch-allowed.out" || true)" -ge 1 ] || fail "no heartbeat for the allowed subscriber"
for kind in nokey wrongkey outsider; do
    [ ! -s "$work/watch-$kind.out" ] || fail "$kind subscriber received: $(head -c 300 "$work/watch-$kind.out")"
done

after=$(snapshot)
[ "$before" = "$after" ] || fail "the state changed: before:
$before
after:
$after"

# A plaintext ZMTP 3.0 greeting (mechanism NULL) to HOST PORT, read until
# the daemon closes. hmsctl --insecure above does the same, but it closes as
# soon as it reads the daemon's CURVE greeting, and the daemon may see that
# close before the greeting (libzmq then reports no detail); this client
# waits, so the daemon always reads the mechanism and refuses it.
plaintext_greeting() {
    # shellcheck disable=SC2016
    inside timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
        { printf "\xff\0\0\0\0\0\0\0\x01\x7f\x03\x00NULL"; head -c 48 /dev/zero; } >&3
        cat <&3 >/dev/null' _ "$1" "$2" || fail "plaintext greeting to $1:$2: not closed by the daemon"
}
plaintext_greeting "$target" "$((${mport##*:} + 1))"
plaintext_greeting "$target" "${aport##*:}"

# The logs: one line per refused peer (its address and key), one per socket
# and reason for handshakes refused before the key is known.
intruder_key=$(pubkey "$work/intruder")
check_log() {
    local log=$1 name=$2 from=$3 lines count
    # The last refusal is logged once the daemon has closed the connection.
    # shellcheck disable=SC2016
    wait_for 10 eval 'tail -n +"$((from + 1))" "$log" | grep -qF "a client without CURVE"'
    lines=$(tail -n +"$((from + 1))" "$log")
    count=$(grep -cF "refused $attacker_ip: key $intruder_key" <<<"$lines" || true)
    [ "$count" = 1 ] || fail "$name: $count lines for the outsider (expected 1, rate-limited)"
    for reason in "a client without CURVE" "a CURVE handshake that does not decrypt"; do
        count=$(grep -cF "$reason" <<<"$lines" || true)
        [ "$count" -ge 1 ] || fail "$name: no line for '$reason'"
        # At most one per socket: the ROUTER, and the PUB for the manager.
        [ "$count" -le 2 ] || fail "$name: $count lines for '$reason' (rate-limited: one per socket)"
    done
}
check_log "$manager_log" manager "$log_from"
check_log "$antagonist_log" antagonist 0

# With an allowed key, from the same place, everything works.
allowed() {
    # shellcheck disable=SC2046,SC2086
    inside "$HMSCTL" $(client allowed "$1") -t 3000 -H "$2" $3 >/dev/null 2>&1 ||
        fail "allowed: '$3' failed"
}
for command in "ping" "status" "config"; do allowed "$manager_key" "$mtarget" "$command"; done
allowed "$manager_key" "$mtarget" "threshold 7"
[ "$(admin -K "$manager_key" -H "$mhost" config | awk '$1 == "threshold" {print $3}')" = 7 ] ||
    fail "allowed: the threshold did not change"
allowed "$manager_key" "$mtarget" "threshold 50"
allowed "$manager_key" "$mtarget" "ignore $victim"
allowed "$manager_key" "$mtarget" "add $victim"
allowed "$manager_key" "$mtarget" "add $tag-sleeper"
# shellcheck disable=SC2016
wait_for 10 eval '[ "$(docker_state "$tag-sleeper")" = running ]' ||
    fail "allowed: add did not start the sleeper"
for command in "${antagonist_commands[@]}"; do
    allowed "$antagonist_key" "$atarget" "$command"
done

[ "$failed" -eq 0 ] || exit 1
say "ok"
