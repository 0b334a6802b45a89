#!/usr/bin/env bash
# GET /containers latency with 100 simulated managers x 100 containers, and
# give_content size in msgpack against JSON. Results: bench/results/controller.md.
#
#   bench/controller.sh [MANAGERS] [CONTAINERS] [REQUESTS]   ($BUILD, default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
[ -x "$build/bench/bench_controller" ] || { echo "controller.sh: build first" >&2; exit 1; }
{
    echo "# Controller: GET /containers and give_content size"
    echo
    echo "$(date +%F), \`bench/controller.sh $*\`, $(nproc) cores, kernel $(uname -r)."
    echo
    "$build/bench/bench_controller" "$build/controller/hms-controller" "$@"
    echo
    echo "Budget (DESIGN.md): 10,000 containers over 100 managers, GET /containers p99 under"
    echo "20 ms; msgpack give_content at most 60 % of the same data as JSON."
} | tee bench/results/controller.md
