#!/usr/bin/env bash
# The labelled security campaign (docs/SECURITY-MONITORING.md): real attacks
# of every threat kind by the antagonist, mixed with benign load, watched by
# a real manager with its built-in rules and by Netdata's stock alarms;
# bench/security.py scores what each saw against the antagonist's events.
#
#   bench/security.sh [--count N] [--no-forecast] [--no-netdata] [--out DIR]
#
# --count 0: the forecast runs alone (no attacks, no benign load).
#
# Parts, all at once on this host:
#   * one antagonist per kind (--kinds that kind, --timing fixed), each on
#     its own targets (label hms.campaign.kind=KIND), N attacks each:
#     cpu_burn (--cpus 0.2, 14 s), fork_bomb (--pids-limit 64, 8 s),
#     memory_leak (--memory 64m, 4 MiB/s for 25 s: the limit in 16 s),
#     network_flood (two containers of an internal network, 8 s),
#     privileged_exec (3 s), escape (a privileged fixture sharing the host's
#     pid namespace, 5 s); a pause of 8 s between two attacks of a kind;
#   * benign containers (label hms.campaign.kind=benign), never attacked:
#     CPU spikes of 2 to 6 s at their quota (the rule wants 10 s), batch
#     jobs on a CPU without a quota and with a tenth of their pids,
#     healthchecks every 2 s, ordinary execs (as the container's user),
#     steady memory growth far from the limit, 100 echo requests a second
#     between two of them;
#   * the forecast runs (unless --no-forecast): leaks of 0.5, 1, 2 and
#     4 MiB/s under limits they reach in about 10 minutes, to the OOM kill;
#   * Netdata (Debian package netdata) with its cgroups collector and stock
#     health alarms (unless --no-netdata), its alarm log polled every 2 s.
#
# Writes DIR (default bench/out/security-<time>): the manager's alerts and
# metrics and each antagonist's events (JSON lines), Netdata's alarm
# transitions, then bench/security.py writes bench/results/security.md.
# Needs root, Docker (scripts/setup), python3; netdata for its column.
set -euo pipefail
cd "$(dirname "$0")/.."

count=100
forecast=1
use_netdata=1
out=""
while [ $# -gt 0 ]; do
    case "$1" in
    --count) count=$2; shift 2 ;;
    --no-forecast) forecast=0; shift ;;
    --no-netdata) use_netdata=0; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--count N] [--no-forecast] [--no-netdata] [--out DIR]" >&2; exit 2 ;;
    esac
done
BUILD=${BUILD:-build}
for binary in manager/hms-manager antagonist/hms-antagonist controller/hmsctl; do
    [ -x "$BUILD/$binary" ] || { echo "security.sh: no $BUILD/$binary (build first)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "security.sh: no Docker engine (scripts/setup)" >&2; exit 1; }
if [ "$use_netdata" = 1 ] && ! command -v netdata >/dev/null; then
    echo "security.sh: no netdata (apt-get install netdata, or --no-netdata)" >&2
    exit 1
fi
run="hmsc$$"
out=${out:-bench/out/security-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
hmsctl="$PWD/$BUILD/controller/hmsctl"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    docker ps -aq --filter "label=hms.campaign=$run" | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker network ls -q --filter "label=hms.campaign=$run" | xargs -r docker network rm >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A container of the campaign: name, kind label, docker run flags.
container() {
    local name=$1 kind=$2
    shift 2
    docker run -d --name "$run-$name" --label "hms.campaign=$run" \
        --label "hms.campaign.kind=$kind" "$@" hms/testbox:1 >/dev/null
}

# Waits for KEY in a daemon's ready file; prints its value.
ready_value() {
    local file=$1 key=$2
    for _ in $(seq 100); do
        if [ -s "$file" ] && grep -q "^$key=" "$file"; then
            grep "^$key=" "$file" | cut -d= -f2-
            return
        fi
        sleep 0.1
    done
    echo "security.sh: $file has no $key" >&2
    exit 1
}

docker network create --internal --label "hms.campaign=$run" "$run-net" >/dev/null
kinds="cpu_burn fork_bomb memory_leak network_flood privileged_exec escape"
[ "$count" -gt 0 ] || kinds=""
nkinds=$(echo $kinds | wc -w)
if [ "$count" -gt 0 ]; then
# Attack targets.
container cpu cpu_burn --cpus 0.2
container fork fork_bomb --pids-limit 64
container leak memory_leak --memory 64m --shm-size 128m
container flood-a network_flood --network "$run-net"
container flood-b network_flood --network "$run-net"
container priv privileged_exec
container escape escape --cap-add ALL --cap-drop SYS_RESOURCE --pid host \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined
# Benign.
container b-spike benign --cpus 0.2
container b-batch benign --pids-limit 64
container b-health benign --health-cmd 'true' --health-interval 2s
container b-exec benign --user 1000
container b-grow benign --memory 256m --shm-size 300m
container b-talk benign --network "$run-net"
container b-listen benign --network "$run-net"
fi
if [ "$forecast" = 1 ]; then
    # Limits each rate reaches in about 10 minutes.
    for rate in 0.5 1 2 4; do
        limit=$(awk -v r="$rate" 'BEGIN {printf "%d", r * 600 + 16}')
        container "f-$rate" forecast --memory "${limit}m" --shm-size "$((limit + 64))m"
    done
fi

# The manager: built-in rules, metrics every second.
"$BUILD/manager/hms-manager" --pub 'tcp://127.0.0.1:*' --state-file "" \
    --label "hms.campaign=$run" --metrics-interval 1000 --ready-file "$out/manager.ready" \
    >"$out/manager.log" 2>&1 &
pids+=($!)
mpub=$(ready_value "$out/manager.ready" pub)
"$hmsctl" watch --pub "$mpub" --json >"$out/manager.jsonl" 2>"$out/watch.log" &
pids+=($!)

# Netdata: the cgroups collector and the stock health alarms, its API on
# a port the kernel picks for a moment (a bench, not a test).
if [ "$use_netdata" = 1 ]; then
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$out/netdata"
    cat >"$out/netdata/netdata.conf" <<EOF
[global]
    update every = 1
    memory mode = ram
    run as user = root
    hostname = hms-campaign
[web]
    bind to = 127.0.0.1:$port
[directories]
    cache = $out/netdata
    lib = $out/netdata
    log = $out/netdata
[plugins]
    cgroups = yes
    proc = no
    diskspace = no
    tc = no
    idlejitter = no
    timex = no
    checks = no
    apps = no
    python.d = no
    charts.d = no
    go.d = no
    ebpf = no
    statsd = no
    perf = no
[ml]
    enabled = no
[registry]
    enabled = no
[plugin:cgroups]
    check for new cgroups every = 2
EOF
    # A hybrid host (cgroup v1 controllers, an empty unified hierarchy):
    # Netdata would read the empty one, without memory or CPU limits.
    if [ -d /sys/fs/cgroup/memory ]; then
        echo "    use unified cgroups = no" >>"$out/netdata/netdata.conf"
    fi
    netdata -c "$out/netdata/netdata.conf" -D >"$out/netdata/netdata.out" 2>&1 &
    pids+=($!)
    python3 - "$port" >"$out/netdata.jsonl" <<'EOF' &
import http.client, json, sys, time
port, seen = int(sys.argv[1]), 0
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/api/v1/alarm_log?after=%d" % seen)
        for e in json.loads(c.getresponse().read() or b"[]"):
            seen = max(seen, e.get("unique_id", 0))
            print(json.dumps({k: e.get(k) for k in ("unique_id", "name", "chart", "status",
                                                       "old_status", "when", "value")}), flush=True)
    except (OSError, ValueError):
        pass
    time.sleep(2)
EOF
    pids+=($!)
fi

# Benign load, until the end.
benign() {
    local id
    while :; do
        docker exec "$run-b-spike" sh -c "timeout $((2 + RANDOM % 5)) sh -c 'while :; do :; done'" || true
        docker exec "$run-b-batch" sh -c 'for i in 1 2 3 4 5 6; do (i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done) & done; wait' || true
        docker exec "$run-b-exec" id -u >/dev/null || true
        docker exec "$run-b-exec" ls / >/dev/null || true
        docker exec "$run-b-grow" sh -c 'head -c 262144 /dev/zero >>/dev/shm/grow; [ $(stat -c %s /dev/shm/grow) -lt 41943040 ] || rm /dev/shm/grow' || true
        sleep $((5 + RANDOM % 10))
    done
}
if [ "$count" -gt 0 ]; then
    benign >"$out/benign.log" 2>&1 &
    pids+=($!)
    talk_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$run-b-listen")
    docker exec -d "$run-b-talk" ping -q -i 0.01 "$talk_ip"
fi

# One antagonist per kind: --count attacks, then stop.
declare -A length=([cpu_burn]=14 [fork_bomb]=8 [memory_leak]=25 [network_flood]=8
    [privileged_exec]=3 [escape]=5)
for kind in $kinds; do
    "$BUILD/antagonist/hms-antagonist" --router 'tcp://127.0.0.1:*' --pub 'tcp://127.0.0.1:*' \
        --targets "hms.campaign.kind=$kind" --kinds "$kind" --timing fixed --heavy 100 \
        --frequency 8 --duration "${length[$kind]}" --leak-rate 4 --seed 1 \
        --ready-file "$out/$kind.ready" >"$out/$kind.log" 2>&1 &
    pids+=($!)
done
for kind in $kinds; do
    apub=$(ready_value "$out/$kind.ready" pub)
    "$hmsctl" antagonist watch --pub "$apub" --json >"$out/attacks-$kind.jsonl" \
        2>>"$out/watch.log" &
    pids+=($!)
done
# The forecast leaks, to their OOM kills (the exec ends when it is killed).
if [ "$forecast" = 1 ]; then
    for rate in 0.5 1 2 4; do
        docker exec -d "$run-f-$rate" sh -c "while :; do head -c $(awk -v r="$rate" 'BEGIN {printf "%d", r * 1048576}') /dev/zero >>/dev/shm/leak || break; sleep 1; done"
    done
    date +%s%3N >"$out/forecast.start"
fi
sleep 3 # the manager has inspected every container
for kind in $kinds; do
    arouter=$(ready_value "$out/$kind.ready" router)
    "$hmsctl" -e "$arouter" antagonist start >/dev/null
done
echo "security.sh: $count attacks of each kind under way; output in $out" >&2
# Each antagonist is stopped once its count of attacks has ended (the
# attack under way then ends too, and is published).
declare -A stopped=()
while [ ${#stopped[@]} -lt "$nkinds" ]; do
    sleep 2
    for kind in $kinds; do
        [ -n "${stopped[$kind]:-}" ] && continue
        ended=$(grep -c '"phase":"end"' "$out/attacks-$kind.jsonl" || true)
        if [ "$ended" -ge "$count" ]; then
            "$hmsctl" -e "$(ready_value "$out/$kind.ready" router)" antagonist stop >/dev/null
            stopped[$kind]=1
            echo "security.sh: $kind done" >&2
        fi
    done
done
# The forecast runs end with their OOM kills.
if [ "$forecast" = 1 ]; then
    for rate in 0.5 1 2 4; do
        for _ in $(seq 900); do
            [ "$(docker inspect -f '{{.State.OOMKilled}}{{.RestartCount}}' "$run-f-$rate")" != false0 ] && break
            grep -q "container_oom_killed.*$run-f-$rate" "$out/manager.log" && break
            sleep 2
        done
    done
fi
sleep 15 # the last alerts resolve and are written
docker inspect $(docker ps -aq --filter "label=hms.campaign=$run") \
    --format '{{.Id}} {{.Name}} {{index .Config.Labels "hms.campaign.kind"}}' >"$out/containers.txt"
python3 bench/security.py "$out"
