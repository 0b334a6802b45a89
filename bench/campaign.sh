#!/usr/bin/env bash
# Availability campaign: the seed's four antagonist scenarios against HMS
# (aggregation windows 0.1, 1 and 2.5 s) and against two baselines on the
# same attack schedule (no healer; Docker's --restart=always), measured by
# an observer that is not HMS (bench/observer.py).
#
#   bench/campaign.sh [--minutes N] [--short] [--runs R] [--seed S]
#                     [--params report|code] [--scenarios a,b,...]
#                     [--systems none,always,hms,notify]
#                     [--aggregations 100,1000,2500] [--out FILE] [--no-report]
#
#   --minutes N     length of each run (default 5, the seed's)
#   --short         30 s runs, for quick checks (writes bench/out/ unless --out)
#   --runs R        runs per cell (default 1); run r uses seed S + r - 1, and
#                   every system of a scenario sees that same seed
#   --seed S        the antagonist's random seed for run 1 (default 1)
#   --params        the seed's parameters as its report gives them (report:
#                   frequency 1 s low, 0.1 s high) or as its code runs them
#                   (code: 5 s and 1 s); loss 80, balance 70, heavy 25/90,
#                   duration 5/20 s in both. The CSV's scenario column is
#                   the scenario, with "@code" for the code's set
#   --scenarios     any of low_low, low_high, high_low, high_high (default all)
#   --systems       any of none, always, hms (HMS/2 deltas), notify (HMS with
#                   --sync notify on the manager and the controllers: the
#                   seed's notices and fetches) (default none,always,hms,notify)
#   --aggregations  the controllers' windows in ms (one controller each, same HMS run)
#   --out FILE      one CSV line per run (default bench/results/campaign.csv,
#                   rewritten; an existing file is appended to with --append)
#   --no-report     do not run bench/report.py at the end
#
# Each run: three fresh containers of hms/testbox:1, then (HMS) hms-manager
# watching them and one hms-controller per aggregation window following it
# (the manager heals on its own: the window changes what a controller
# fetches, so all windows are measured in one run, on the same attacks),
# then the observer, then hms-antagonist --start on those three only; after
# N minutes the observer's summary, the antagonist's counters and events and
# each controller's GET /stats make one CSV line per window. Everything is
# removed between runs and at exit. Needs root, Docker, fping and a build in
# $BUILD (default build-camp/: hms-manager, hms-controller, hmsctl,
# hms-antagonist); $ANTAGONIST overrides the antagonist binary. Raw files of
# every run (logs, time series, events) stay in bench/out/campaign.TIMESTAMP/.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=5
runs=1
seed=1
params=report
scenarios=low_low,low_high,high_low,high_high
systems=none,always,hms,notify
aggregations=100,1000,2500
out=
append=0
report=1
short=0
while [ $# -gt 0 ]; do
    case $1 in
    --minutes) minutes=$2; shift ;;
    --short) short=1 ;;
    --runs) runs=$2; shift ;;
    --seed) seed=$2; shift ;;
    --params) params=$2; shift ;;
    --scenarios) scenarios=$2; shift ;;
    --systems) systems=$2; shift ;;
    --aggregations) aggregations=$2; shift ;;
    --out) out=$2; shift ;;
    --append) append=1 ;;
    --no-report) report=0 ;;
    -h | --help) sed -n '2,41p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "campaign.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$short" = 1 ]; then
    seconds=30
    idle=3
    out=${out:-bench/out/campaign-short.csv}
else
    seconds=$(python3 -c "print(int(round(float('$minutes') * 60)))")
    idle=10
    out=${out:-bench/results/campaign.csv}
fi

build=${BUILD:-build-camp}
manager=$build/manager/hms-manager
controller=$build/controller/hms-controller
hmsctl=$build/controller/hmsctl
antagonist=${ANTAGONIST:-$build/antagonist/hms-antagonist}
for bin in "$manager" "$controller" "$hmsctl" "$antagonist"; do
    [ -x "$bin" ] || { echo "campaign.sh: $bin missing: build first (see the header)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "campaign.sh: run as root (fping, iptables)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "campaign.sh: no Docker engine (scripts/setup)" >&2; exit 1; }
command -v fping >/dev/null || { echo "campaign.sh: fping missing (scripts/setup)" >&2; exit 1; }

# The seed's scenarios: loss 80 %, balance 70 % everywhere; heavy %,
# frequency (s between attempts), duration (s of a loss attack).
declare -A heavy=([low_low]=25 [low_high]=25 [high_low]=90 [high_high]=90)
declare -A frequency=([low_low]=1 [low_high]=0.1 [high_low]=1 [high_high]=0.1)
label=
case $params in
report) ;;
code) # health-manager/antagonist.py of the seed's repository
    frequency=([low_low]=5 [low_high]=1 [high_low]=5 [high_high]=1)
    label=@code ;;
*) echo "campaign.sh: --params report or code" >&2; exit 2 ;;
esac
declare -A duration=([low_low]=5 [low_high]=5 [high_low]=20 [high_high]=20)
for s in ${scenarios//,/ }; do
    [ -n "${heavy[$s]:-}" ] || { echo "campaign.sh: unknown scenario $s" >&2; exit 2; }
done

camp=hmsc$$
work=bench/out/campaign.$(date +%Y%m%d-%H%M%S)
mkdir -p "$work" "$(dirname "$out")"
pids=()
say() { echo "campaign.sh: $*" >&2; }

stop_pids() {
    local pid
    for pid in "${pids[@]}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    pids=()
}
remove_containers() {
    docker ps -aq --filter "label=hms.campaign=$camp" | xargs -r docker rm -f >/dev/null 2>&1 || true
}
cleanup() {
    trap - EXIT INT TERM
    stop_pids
    remove_containers
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# Keys, as on real hosts: every ZeroMQ socket speaks CURVE. The manager
# and the antagonist admit the controllers and hmsctl (admin).
keys=$work/keys
mkdir -p "$keys/allow"
for name in manager antagonist controller admin; do
    "$hmsctl" keygen "$keys/$name" >/dev/null
done
cp "$keys/controller" "$keys/admin" "$keys/allow/"
pubkey() { sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$1"; }
curve() { echo --curve-secret "$keys/${1}_secret" --curve-allow "$keys/allow"; }
admin() { echo -k "$keys/admin_secret" -K "$keys/$1"; }

# ready FILE KEY: a value of a daemon's ready file, once it exists (20 s).
ready() {
    wait_for 20 test -f "$1" || { say "no ready file $1"; return 1; }
    sed -n "s/^$2=//p" "$1"
}

wait_for() { # seconds command...
    local tries=$(($1 * 10))
    shift
    for _ in $(seq 1 "$tries"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

sampling() { # observer-csv: true once it holds a sample
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge 2 ]
}

# Active, and probed once: the first loss figures are an update, which the
# quiet window before the attacks must not hold.
all_active() { # http-port manager-address
    curl -sf "http://127.0.0.1:$1/containers/$2" | python3 -c '
import json, sys
d = json.load(sys.stdin)
cs = d.get("containers", d) if isinstance(d, dict) else d
cs = cs if isinstance(cs, list) else list(cs.values())
sys.exit(0 if len(cs) == 3 and all(c.get("status") == "active" and c.get("loss") is not None
                                   for c in cs) else 1)'
}

[ "$append" = 1 ] || rm -f "$out" # report.py row writes the header

# The counters of every controller of the run: stats-WHEN-WINDOW.json.
stats() { # when
    local entry
    for entry in "${hports[@]}"; do
        curl -sf "http://127.0.0.1:${entry#*:}/stats" >"$dir/stats-$1-${entry%%:*}.json" || true
    done
}

# One run: scenario system aggregation(ms list for hms, or empty) seed run-index
run_one() {
    local scenario=$1 system=$2 agg=$3 rseed=$4 r=$5
    local windows=${agg//,/_}
    local id="$scenario-$system${windows:+-$windows}-s$rseed"
    local dir=$work/$id
    local runtag=$camp-$r-$scenario-$system${windows:+-$windows}
    mkdir -p "$dir"
    say "run $id ($seconds s)"

    local names=() restart=()
    [ "$system" = always ] && restart=(--restart=always)
    for i in 1 2 3; do
        names+=("$runtag-t$i")
        docker run -d --name "$runtag-t$i" --label "hms.campaign=$camp" \
            --label "hms.antagonist=$runtag" "${restart[@]}" hms/testbox:1 >/dev/null ||
            { say "run $id: docker run failed"; remove_containers; return 1; }
    done

    local mport=0 hport=0 apub
    # HMS: one manager (the healer) and one controller per aggregation window,
    # all following that manager: the window changes what a controller
    # fetches and shows, not what the manager heals, so every window is
    # measured in the same run, on the same attacks. Every daemon picks its
    # ports and writes them in its ready file.
    local hports=() a
    local sync=delta
    [ "$system" = notify ] && sync=notify
    if [ "$system" = hms ] || [ "$system" = notify ]; then
        "$manager" --label "hms.antagonist=$runtag" --pub 'tcp://127.0.0.1:*' --sync "$sync" \
            --state-file "" --log-level info $(curve manager) --ready-file "$dir/manager.ready" \
            >"$dir/manager.log" 2>&1 &
        local manager_pid=$!
        pids+=($manager_pid)
        mport=$(ready "$dir/manager.ready" pub) || { stop_pids; remove_containers; return 1; }
        mport=${mport##*:}
        for a in ${agg//,/ }; do
            "$controller" --http-bind 127.0.0.1 --http-port 0 --router none --state-file "" \
                --hosts "127.0.0.1:$mport@$(pubkey "$keys/manager")" --aggregation "$a" \
                --sync "$sync" \
                --log-level notice $(curve controller) --ready-file "$dir/controller-$a.ready" \
                >"$dir/controller-$a.log" 2>&1 &
            pids+=($!)
            hport=$(ready "$dir/controller-$a.ready" http_port) ||
                { stop_pids; remove_containers; return 1; }
            hports+=("$a:$hport")
        done
        if ! wait_for 20 all_active "$hport" "127.0.0.1:$mport"; then
            say "run $id: HMS did not show 3 active containers; see $dir"
            stop_pids
            remove_containers
            return 1
        fi
        # The control plane at rest (heartbeats only), then the counters at
        # the start of the measurement.
        stats idle0
        sleep "$idle"
        stats idle1
        "$hmsctl" watch --json $(admin manager) --pub "tcp://127.0.0.1:$mport" \
            >"$dir/manager-pub.jsonl" 2>/dev/null &
        pids+=($!)
    fi

    # One antagonist per Docker host: another one starting clears our rules.
    others=$(pgrep -c -x hms-antagonist || true)
    [ "$others" = 0 ] || say "run $id: $others other hms-antagonist process(es) on this host"
    "$antagonist" --address 127.0.0.1 --router 'tcp://127.0.0.1:*' $(curve antagonist) \
        --docker /var/run/docker.sock --targets "hms.antagonist=$runtag" --name "$scenario" \
        --loss 80 --balance 70 --heavy "${heavy[$scenario]}" \
        --frequency "${frequency[$scenario]}" --duration "${duration[$scenario]}" \
        --seed "$rseed" --mode stop --loss-scope container --log-level info \
        --ready-file "$dir/antagonist.ready" >"$dir/antagonist.log" 2>&1 &
    local antagonist_pid=$!
    pids+=($antagonist_pid)
    local arouter
    arouter=$(ready "$dir/antagonist.ready" router) || { stop_pids; remove_containers; return 1; }
    apub=$(ready "$dir/antagonist.ready" pub)
    "$hmsctl" antagonist watch --json $(admin antagonist) --pub "$apub" \
        >"$dir/attacks.jsonl" 2>"$dir/attacks.err" &
    local watcher=$!
    pids+=($watcher)
    # Every attack is seen: the watcher is connected before the first.
    wait_for 10 eval "ss -tnpH state established dport = ${apub##*:} | grep -q 'pid=$watcher,'" ||
        say "run $id: the attack watcher did not connect"
    python3 bench/observer.py --duration "$seconds" --csv "$dir/observer.csv" \
        --json "$dir/observer.json" "${names[@]}" >/dev/null 2>"$dir/observer.err" &
    local observer=$!
    pids+=($observer)
    # The antagonist starts once the observer samples (its first line).
    wait_for 10 sampling "$dir/observer.csv" || say "run $id: the observer did not start"
    [ "$system" != none ] && [ "$system" != always ] && stats start
    "$hmsctl" antagonist start $(admin antagonist) -e "$arouter" -t 2000 >/dev/null ||
        say "run $id: the antagonist did not start"

    wait "$observer" || say "run $id: observer exited with $?"
    [ "$system" != none ] && [ "$system" != always ] && stats end
    "$hmsctl" antagonist status --json $(admin antagonist) -e "$arouter" -t 2000 \
        >"$dir/antagonist-status.json" 2>/dev/null || true
    read -r load1 load5 _ </proc/loadavg
    others=$((others + $(pgrep -c -x hms-antagonist || true) - 1))
    kill -0 "$antagonist_pid" 2>/dev/null || say "run $id: the antagonist had exited (see its log)"
    if [ "$system" = hms ] || [ "$system" = notify ]; then
        kill -0 "$manager_pid" 2>/dev/null || say "run $id: the manager had exited (see its log)"
    fi
    # The antagonist first, while its targets still exist: it removes its rules.
    kill -TERM "$antagonist_pid" 2>/dev/null || true
    wait "$antagonist_pid" 2>/dev/null || true
    pids=("${pids[@]/#$antagonist_pid}")
    stop_pids
    remove_containers

    local window
    for window in $(tr , ' ' <<<"${agg:--}"); do
        python3 bench/report.py row "$dir" "$out" "$scenario$label" "$system" "$window" "$rseed" "$r" \
            "$load1" "$load5" "$others"
    done
}

say "campaign $camp: scenarios $scenarios, systems $systems, windows $aggregations ms," \
    "$runs run(s) of $seconds s per cell, seed $seed; raw files in $work; results in $out"
for r in $(seq 1 "$runs"); do
    rseed=$((seed + r - 1))
    for scenario in ${scenarios//,/ }; do
        for system in ${systems//,/ }; do
            if [ "$system" = hms ] || [ "$system" = notify ]; then
                run_one "$scenario" "$system" "$aggregations" "$rseed" "$r" || say "run failed"
            else
                run_one "$scenario" "$system" "" "$rseed" "$r" || say "run failed"
            fi
        done
    done
done
if [ "$report" = 1 ]; then
    if [ "$out" = bench/results/campaign.csv ]; then
        python3 bench/report.py doc --csv "$out"
    else # a trial: its report stays with its raw files
        python3 bench/report.py doc --csv "$out" --md "$work/AVAILABILITY.md" --img "$work"
    fi
fi
say "done: $out"
