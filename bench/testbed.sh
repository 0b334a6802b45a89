#!/usr/bin/env bash
# Partitions on the multi-host testbed: how long the controller takes to mark
# a partitioned host offline and online again, and how long the partitioned
# host's manager takes to heal a container on its own.
#
#   bench/testbed.sh [RUNS]     (default 10; binaries from $BUILD, default build/)
#
# Each run is tests/testbed/partition.sh (host 2's link down; db-1 killed
# through host 2's engine; link up), which prints its figures:
#   offline:   link down -> GET /containers/{address} says offline (polled
#              every 50 ms; the controller's miss count is 3 heartbeats of 1 s);
#   heal:      docker kill issued -> the engine's StartedAt, and the engine's
#              FinishedAt -> StartedAt (died -> running), during the partition;
#   online:    link up -> online, and link up -> the API shows the restart
#              done during the partition.
# Host 2's manager runs with backoff off (hmsctl config backoff_max_ms=0) so
# that a kill every run is always healed at once. Brings the testbed up (and
# down again) unless it is up already. Prints the report in markdown
# (bench/results/testbed.md: `bench/testbed.sh 8 > bench/results/testbed.md`).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
build=$(cd "${BUILD:-build}" && pwd)
[ -x "$build/manager/hms-manager" ] || { echo "testbed.sh: build first ($build)" >&2; exit 1; }

own=0
if ! scripts/testbed url >/dev/null 2>&1; then
    tests/testbed/setup.sh "$build" >&2
    own=1
fi
work=$(mktemp -d)
cleanup() {
    [ "$own" -eq 0 ] || scripts/testbed down >&2 || true
    rm -rf "$work"
}
trap cleanup EXIT
a2=$(scripts/testbed hosts | sed -n 2p)
scripts/testbed hmsctl 2 config backoff_max_ms=0 >/dev/null
# shellcheck source=../tests/testbed/lib.sh
. tests/testbed/lib.sh "$build"
api_matches() { [ "$(api_restarts)" = "$(mgr_restarts)" ]; }

failed=0
restarted=0
for run in $(seq 1 "$runs"); do
    # A controller left with a stale table by a failed run would fail every
    # later run: start it again (and say so in the report).
    if ! api_matches; then
        echo "run $run: the controller's table is stale: restarting the controller" >&2
        scripts/testbed controller stop
        scripts/testbed controller start 0
        URL=$(scripts/testbed url)
        wait_until 20 "the restarted controller at rest" at_rest
        wait_until 10 "the restarted controller showing the managers' counts" api_matches
        restarted=$((restarted + 1))
    fi
    if tests/testbed/partition.sh "$build" >"$work/run-$run" 2>&1; then
        echo "run $run: ok" >&2
    else
        failed=$((failed + 1))
        echo "run $run: FAILED: $(grep -m1 'FAIL' "$work/run-$run")" >&2
    fi
    grep '^FIGURE' "$work/run-$run" >>"$work/figures" || true
done
scripts/testbed hmsctl 2 config backoff_max_ms=30000 >/dev/null

python3 - "$work/figures" "$runs" "$failed" "$restarted" <<'PY'
import collections, platform, statistics, subprocess, sys, datetime
figures = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, _, value = line[len("FIGURE "):].rpartition(": ")
    figures.setdefault(name, []).append(float(value.split()[0]))
docker = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                        capture_output=True, text=True).stdout.strip()
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print("# Multi-host testbed: partitions\n")
print(f"{datetime.date.today()}, `bench/testbed.sh {sys.argv[2]}`, {cores} cores, "
      f"kernel {platform.release()}, Docker {docker}. Three hosts (network namespaces, "
      "one dockerd and one hms-manager each), hms-controller in the root namespace "
      "(miss count 3, heartbeats every 1 s, aggregation 100 ms).\n")
print(f"{sys.argv[2]} partitions of host 2; {int(sys.argv[3])} failed a check (their figures "
      f"up to the failure are counted); the controller was restarted {sys.argv[4]} times "
      "because a failed run left its table stale.\n")
print("| measure (ms) | n | p50 | min | max |")
print("|---|---|---|---|---|")
for name, values in figures.items():
    print(f"| {name} | {len(values)} | {statistics.median(values):.0f} | "
          f"{min(values):.0f} | {max(values):.0f} |")
PY
