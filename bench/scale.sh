#!/usr/bin/env bash
# One controller following simulated fleets of 10, 100 and 1,000 hosts of
# 100 containers over CURVE (bench_scale, bench/sim.c): its CPU and resident
# memory, update-to-REST visibility, GET /containers and GET /healthz
# latency. Results: bench/results/scale.md.
#
#   bench/scale.sh [HOSTS...]   (default 10 100 1000; $BUILD, default build/)
#
# Environment: CONTAINERS (100 per host), MEASURE_SECONDS (30 of CPU),
# TRACES (200 changes timed), REQUESTS (200 GET /containers), CHANGE_MS (a
# change per host every 10,000 ms), METRICS_MS (every container's metrics
# every 10,000 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
bench=$build/bench/bench_scale
controller=$build/controller/hms-controller
if [ ! -x "$bench" ] || [ ! -x "$controller" ]; then
    echo "scale.sh: build first (make bench_scale)" >&2
    exit 1
fi
containers=${CONTAINERS:-100}
seconds=${MEASURE_SECONDS:-30}
traces=${TRACES:-200}
requests=${REQUESTS:-200}
change_ms=${CHANGE_MS:-10000}
metrics_ms=${METRICS_MS:-10000}
hosts=("$@")
[ ${#hosts[@]} -gt 0 ] || hosts=(10 100 1000)
{
    echo "# Controller at fleet scale"
    echo
    echo "$(date +%F), \`bench/scale.sh ${hosts[*]}\`, $(nproc) cores, kernel $(uname -r)."
    echo "Simulated managers over CURVE, $containers containers each; each changes a"
    echo "container every $change_ms ms (an HMS/2 delta) and publishes every container's"
    echo "metrics every $metrics_ms ms; heartbeats every second. CPU and memory over"
    echo "$seconds s with no REST client; visibility over $traces changes; GET /containers"
    echo "over $requests requests, GET /healthz over 1,000, one client."
    echo
    echo "| hosts | containers | changes/s | controller CPU % of a core | resident MB |" \
         "visibility p50 ms | p99 ms | GET /containers p50 ms | p99 ms | answer MB |" \
         "GET /healthz p50 ms | p99 ms |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    loads=()
    for n in "${hosts[@]}"; do
        loads+=("$n hosts: $(cut -d' ' -f1-3 /proc/loadavg)")
        "$bench" "$controller" "$n" "$containers" "$seconds" "$traces" "$requests" \
            "$change_ms" "$metrics_ms"
    done
    echo
    echo "Load average as each run started: $(IFS=';'; echo "${loads[*]}")."
    echo
    echo "Budget (DESIGN.md): 1,000 hosts of 100 containers followed by one controller;"
    echo "GET /containers p99 under 20 ms at 10,000 containers."
} | tee bench/results/scale.md
