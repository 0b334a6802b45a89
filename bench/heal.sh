#!/usr/bin/env bash
# Detection and recovery of a killed container, against Docker itself.
#
#   bench/heal.sh [RUNS]        (default 30; needs a built tree in $BUILD, default build/)
#
# For each run, `docker kill` a container watched by hms-manager and read:
#   detection: the engine's die event -> the manager's start request handed
#              to curl (the manager logs that delay for each die it heals);
#   recovery:  the engine's die event -> the engine's start event.
# Reference, same run, same engine: `docker kill` then `docker start` of an
# unwatched container, from the CLI call to the engine's start event.
# Results: bench/results/heal.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
build=${BUILD:-build}
manager=$build/manager/hms-manager
[ -x "$manager" ] || { echo "heal.sh: build first ($manager missing)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "heal.sh: no Docker engine (scripts/setup)" >&2; exit 1; }

tag=hmsb$$
work=$(mktemp -d)
cleanup() {
    [ -n "${manager_pid:-}" ] && kill "$manager_pid" 2>/dev/null && wait "$manager_pid" 2>/dev/null
    [ -n "${events_pid:-}" ] && kill "$events_pid" 2>/dev/null
    docker ps -aq --filter "label=hms.bench=$tag" | xargs -r docker rm -f >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

docker run -d --name "$tag-target" --label "hms.bench=$tag" hms/testbox:1 >/dev/null
docker events --format '{{.TimeNano}} {{.Action}} {{.Actor.Attributes.name}}' \
    --filter type=container --filter "label=hms.bench=$tag" >"$work/events" &
events_pid=$!

# Backoff is the policy for containers that keep failing; this bench kills
# the same container every second on purpose, so a short window keeps every
# kill a first failure.
"$manager" --label "hms.bench=$tag" --pub 'tcp://127.0.0.1:*' \
    --state-file "" --address bench --log-level info --backoff-window 300 \
    >"$work/manager.log" 2>&1 &
manager_pid=$!

wait_running() {
    for _ in $(seq 1 200); do
        [ "$(docker inspect -f '{{.State.Status}}' "$1")" = running ] && return 0
        sleep 0.02
    done
    echo "heal.sh: $1 not running again" >&2
    return 1
}
mark() { echo "$(date +%s%N) $1" >>"$work/marks"; }

# Phase 1: HMS heals each kill.
sleep 1
mark hms
for _ in $(seq 1 "$runs"); do
    docker kill "$tag-target" >/dev/null
    wait_running "$tag-target"
    sleep 0.5
done
kill "$manager_pid"
wait "$manager_pid" 2>/dev/null || true
manager_pid=
# Phase 2, same container, no HMS: a cold `docker start` of the stopped
# container, and a script's fastest `docker kill; docker start`.
mark cold
for _ in $(seq 1 "$runs"); do
    docker stop "$tag-target" >/dev/null
    sleep 0.3
    mark cli
    docker start "$tag-target" >/dev/null
    sleep 0.3
done
mark script
for _ in $(seq 1 "$runs"); do
    docker kill "$tag-target" >/dev/null
    docker start "$tag-target" >/dev/null
    sleep 0.5
done
mark end
sleep 0.5

python3 - "$work" "$tag" "$runs" <<'PY' | tee bench/results/heal.md
import re, sys, statistics, subprocess, datetime, os
work, tag, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
events = [(int(t), a) for t, a, w in (l.split() for l in open(f"{work}/events") if l.strip())]
marks = [(int(t), m) for t, m in (l.split() for l in open(f"{work}/marks"))]
phase = {m: t for t, m in marks if m != "cli"}
def die_to_start(lo, hi):
    out, die = [], None
    for t, action in events:
        if not lo <= t < hi: continue
        if action == "die": die = t
        elif action == "start" and die is not None:
            out.append((t - die) / 1e6); die = None
    return out
recovery = die_to_start(phase["hms"], phase["cold"])
script = die_to_start(phase["script"], phase["end"])
cold = []
for t, m in marks:
    if m != "cli": continue
    later = [e for e, a in events if e >= t and a == "start"]
    if later: cold.append((later[0] - t) / 1e6)
detect = [float(m.group(1)) for m in
          re.finditer(r"heal requested ([0-9.]+) ms", open(f"{work}/manager.log").read())]
def row(label, xs):
    xs = sorted(xs)
    if not xs: return f"| {label} | 0 | - | - | - |"
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    return f"| {label} | {len(xs)} | {statistics.median(xs):.2f} | {p(0.9):.2f} | {xs[-1]:.2f} |"
version = subprocess.run(["docker", "version", "-f", "{{.Server.Version}}"],
                         capture_output=True, text=True).stdout.strip()
print("# Detection and recovery of a killed container\n")
print(f"{datetime.date.today()}, `bench/heal.sh {runs}`, {os.cpu_count()} cores, "
      f"kernel {os.uname().release}, Docker {version}. One container of hms/testbox:1, "
      "killed with `docker kill`; times from the engine's own event timestamps.\n")
print("| measure (ms) | n | p50 | p90 | max |\n|---|---|---|---|---|")
print(row("HMS detection: die event -> start request handed to curl", detect))
print(row("HMS recovery: die event -> start event", recovery))
print(row("Docker alone: `docker start` of the stopped container, call -> start event", cold))
print(row("Docker alone: `docker kill; docker start` from a script, die -> start event", script))
if recovery and cold:
    print(f"\nHMS recovery p50 - Docker's cold start p50 = "
          f"{statistics.median(recovery) - statistics.median(cold):.1f} ms (budget: 100 ms); "
          f"HMS recovery p50 - the script's p50 = "
          f"{statistics.median(recovery) - statistics.median(script):.1f} ms. "
          "Detection budget: p50 under 10 ms.")
PY
