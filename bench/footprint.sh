#!/usr/bin/env bash
# Memory and CPU of hms-manager watching N containers, against fping doing
# the same ICMP work (N targets x 20 echoes every second) in the same run.
#
#   bench/footprint.sh [N] [SECONDS]     (defaults 100 and 60; $BUILD, default build/)
#
# $MANAGER_FLAGS are added to the manager's command line (for instance
# "--watch 0 --metrics-window 0": the seed's probing alone, no metrics).
#
# Results: bench/results/footprint.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
seconds=${2:-60}
build=${BUILD:-build}
manager=$build/manager/hms-manager
[ -x "$manager" ] || { echo "footprint.sh: build first ($manager missing)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "footprint.sh: no Docker engine (scripts/setup)" >&2; exit 1; }

tag=hmsf$$
work=$(mktemp -d)
cleanup() {
    [ -n "${manager_pid:-}" ] && kill "$manager_pid" 2>/dev/null && wait "$manager_pid" 2>/dev/null
    docker ps -aq --filter "label=hms.bench=$tag" | xargs -r docker rm -f >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

echo "footprint.sh: starting $n containers" >&2
for i in $(seq 1 "$n"); do
    docker run -d --name "$tag-$i" --label "hms.bench=$tag" hms/testbox:1 >/dev/null
done
ips=$(docker ps -q --filter "label=hms.bench=$tag" | xargs docker inspect -f '{{.NetworkSettings.IPAddress}}')

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime
hz=$(getconf CLK_TCK)

# shellcheck disable=SC2086
"$manager" --label "hms.bench=$tag" --pub 'tcp://127.0.0.1:*' \
    --state-file "" --address bench ${MANAGER_FLAGS:-} >"$work/manager.log" 2>&1 &
manager_pid=$!
sleep 3 # discovery and the first rounds
t0=$(date +%s%N)
c0=$(ticks "$manager_pid")
sleep "$seconds"
c1=$(ticks "$manager_pid")
t1=$(date +%s%N)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$manager_pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$manager_pid/status")
# Resident memory counts every page of every shared library the process
# touched; Anonymous is what the manager itself allocated, Pss shares each
# library page among the processes that map it.
anon=$(awk '/^Anonymous:/ {print $2}' "/proc/$manager_pid/smaps_rollup")
pss=$(awk '/^Pss:/ {print $2}' "/proc/$manager_pid/smaps_rollup")
libs=$(awk '/^[0-9a-f]/ {name = $6} /^Rss:/ && name ~ /\.so/ {sum += $2} END {print sum}' \
    "/proc/$manager_pid/smaps")
kill "$manager_pid"
wait "$manager_pid" 2>/dev/null || true
manager_pid=

# fping, the same work: one round per second, 20 echoes 10 ms apart per
# target, 100 ms timeout, targets 1 ms apart; CPU and peak memory of each
# round from /usr/bin/time.
for _ in $(seq 1 "$seconds"); do
    round=$(date +%s%N)
    /usr/bin/time -a -o "$work/fping.time" -f '%U %S %M' \
        fping -q -C 20 -p 10 -t 100 -i 1 $ips >/dev/null 2>&1 || true
    left=$((1000000000 - ($(date +%s%N) - round)))
    if [ "$left" -gt 0 ]; then sleep "$(printf '0.%09d' "$left")"; fi
done
fping_cpu=$(awk '{s += $1 + $2} END {print s}' "$work/fping.time")
fping_rss=$(awk '$3 > m {m = $3} END {print m}' "$work/fping.time")

python3 - "$n" "$seconds" "$c0" "$c1" "$t0" "$t1" "$hz" "$rss" "$hwm" "$fping_rss" "$anon" \
    "$pss" "$libs" "$fping_cpu" "${MANAGER_FLAGS:-}" <<'PY' | tee "bench/results/footprint${MANAGER_FLAGS:+-flags}.md"
import sys, datetime, os
n, seconds, c0, c1, t0, t1, hz, rss, hwm, fping_rss, anon, pss, libs = map(int, sys.argv[1:14])
fping_cpu = float(sys.argv[14]) / seconds * 100
cpu = (c1 - c0) / hz / ((t1 - t0) / 1e9) * 100
print("# Footprint of hms-manager\n")
flags = sys.argv[15]
env = f"MANAGER_FLAGS='{flags}' " if flags else ""
print(f"{datetime.date.today()}, `{env}bench/footprint.sh {n} {seconds}`, {os.cpu_count()} cores, "
      f"kernel {os.uname().release}.\n")
what = (f"with `{flags}`" if flags else
        "as it starts by default (judging rounds of 20 echoes each second, watch rounds of 3 "
        "echoes every 200 ms, resource metrics each second)")
print(f"hms-manager watching {n} containers {what}, with Docker events and heartbeats, "
      f"measured over {seconds} s after 3 s of warm-up:\n")
print("| | CPU (% of one core) | resident memory |\n|---|---|---|")
print(f"| hms-manager | {cpu:.2f} % | {rss / 1024:.1f} MB ({hwm / 1024:.1f} MB peak): "
      f"{anon / 1024:.1f} MB its own (anonymous), {libs / 1024:.1f} MB shared-library pages; "
      f"PSS {pss / 1024:.1f} MB |")
print(f"| fping, the same echoes only | {fping_cpu:.2f} % | {fping_rss / 1024:.1f} MB peak |")
echoes = n * 20
print(f"\nCPU per judging echo (request and reply; hms-manager's watch rounds and metrics, when "
      f"on, are in its figure): hms-manager {cpu / 100 * 1e6 / echoes:.1f} us, "
      f"fping {fping_cpu / 100 * 1e6 / echoes:.1f} us, for {echoes} echoes a second.")
print("\nBudget (DESIGN.md): under 10 MB resident and under 2 % of one core with 100 containers.")
PY
