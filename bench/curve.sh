#!/usr/bin/env bash
# What CurveZMQ costs HMS, against plaintext in the same run.
#
#   bench/curve.sh [KILLS] [MANAGERS] [CONTAINERS] [REQUESTS] [SECONDS]
#                  (defaults 30 100 100 5000 60; a built tree in $BUILD,
#                   default build/; root and a Docker engine)
#
# 1. Heal latency: two hms-managers at once on this engine, one plaintext
#    (loopback), one with keys, each watching its own container and followed
#    by a subscriber of its transport (hmsctl watch); KILLS times each, in
#    turn, `docker kill`, and the manager's own measure: the engine's die
#    event -> the start request handed to curl.
# 2. give_content round trip and controller CPU (bench_curve): a simulated
#    manager answering give_content of CONTAINERS containers, REQUESTS
#    requests on each transport taken in turn; two real hms-controllers at
#    once following MANAGERS simulated managers, one per transport, CPU over
#    SECONDS.
# Results: bench/results/curve.md. The budget (DESIGN.md): CURVE costs at
# most 5 % of each.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-30}
managers=${2:-100}
containers=${3:-100}
requests=${4:-5000}
seconds=${5:-60}
build=${BUILD:-build}
manager=$build/manager/hms-manager
hmsctl=$build/controller/hmsctl
for bin in "$manager" "$hmsctl" "$build/bench/bench_curve" "$build/controller/hms-controller"; do
    [ -x "$bin" ] || { echo "curve.sh: build first ($bin missing)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "curve.sh: no Docker engine (scripts/setup)" >&2; exit 1; }

tag=hmscv$$
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    docker ps -aq --filter "label=hms.bench=$tag" | xargs -r docker rm -f >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
wait_for() { # seconds command...
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# Keys for the CURVE manager and its subscriber.
for name in manager admin; do "$hmsctl" keygen "$work/$name" >/dev/null; done
mkdir "$work/allow"
cp "$work/admin" "$work/allow/"

for kind in plain curve; do
    docker run -d --name "$tag-$kind" --label "hms.bench=$tag" --label "hms.curve=$tag-$kind" \
        hms/testbox:1 >/dev/null
    keys=()
    [ "$kind" = curve ] && keys=(--curve-secret "$work/manager_secret" --curve-allow "$work/allow")
    # Backoff is for containers that keep failing; this bench kills on purpose.
    "$manager" --label "hms.curve=$tag-$kind" --pub 'tcp://127.0.0.1:*' --state-file "" \
        --address "$kind" --log-level info --backoff-window 300 "${keys[@]}" \
        --ready-file "$work/$kind.ready" >"$work/$kind.log" 2>&1 &
    pids+=($!)
    wait_for 20 test -f "$work/$kind.ready" || { echo "curve.sh: the $kind manager does not serve" >&2; exit 1; }
    pub=$(sed -n 's/^pub=//p' "$work/$kind.ready")
    client=()
    [ "$kind" = curve ] && client=(-k "$work/admin_secret" -K "$work/manager")
    "$hmsctl" "${client[@]}" --pub "$pub" watch >"$work/$kind.watch" 2>&1 &
    pids+=($!)
done
# Both managers see their container active (a heartbeat reached each subscriber).
for kind in plain curve; do
    wait_for 20 grep -q ' hb ' "$work/$kind.watch" || { echo "curve.sh: no heartbeat from $kind" >&2; exit 1; }
done
running() { [ "$(docker inspect -f '{{.State.Status}}' "$1")" = running ]; }
healed() { [ "$(grep -c 'heal requested' "$work/$1.log")" -ge "$2" ]; }
for run in $(seq 1 "$kills"); do
    for kind in plain curve; do
        docker kill "$tag-$kind" >/dev/null
        wait_for 10 healed "$kind" "$run" || { echo "curve.sh: $kind not healed" >&2; exit 1; }
        wait_for 10 running "$tag-$kind"
    done
done

{
    echo "# What CurveZMQ costs"
    echo
    echo "$(date +%F), \`bench/curve.sh $kills $managers $containers $requests $seconds\`," \
        "$(nproc) cores, kernel $(uname -r), libzmq $(pkg-config --modversion libzmq)" \
        "with libsodium. CURVE and plaintext measured in the same run."
    echo
    echo "## Heal latency"
    echo
    python3 - "$work" "$kills" <<'PY'
import re, statistics, sys
work, kills = sys.argv[1], int(sys.argv[2])
rows = {}
for kind in ("plain", "curve"):
    xs = sorted(float(m.group(1)) for m in
                re.finditer(r"heal requested ([0-9.]+) ms", open(f"{work}/{kind}.log").read()))
    rows[kind] = xs
print(f"Two managers at once, each followed by a subscriber of its transport; {kills} kills "
      "each, in turn. Engine's die event -> start request handed to curl (ms):\n")
print("| manager | n | p50 | p90 | max |\n|---|---|---|---|---|")
for kind, label in (("plain", "plaintext"), ("curve", "CURVE")):
    xs = rows[kind]
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    print(f"| {label} | {len(xs)} | {statistics.median(xs):.3f} | {p(0.9):.3f} | {xs[-1]:.3f} |")
print(f"\nCURVE / plaintext: p50 {statistics.median(rows['curve']) / statistics.median(rows['plain']):.3f}")
PY
    echo
    "$build/bench/bench_curve" "$build/controller/hms-controller" "$managers" "$containers" \
        "$requests" "$seconds"
    echo
    echo "Budget (DESIGN.md): CURVE costs at most 5 % of heal latency, round trip and"
    echo "controller CPU."
} | tee bench/results/curve.md
