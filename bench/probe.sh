#!/usr/bin/env bash
# probe.sh: an HMS probe round against fping doing the same work on the same
# containers (DESIGN, "Performance budgets": a round of N containers x 20
# echoes no slower than fping; 200 containers in well under a second).
#
# Usage: bench/probe.sh [N]...        (default: 10 50 200; run as root)
#
# Starts max(N) containers hmspr-bench-1.. from $IMAGE, then for each N takes
# the first N container IPs and runs, $REPS times each, taking turns:
#   bench_probe: one round of 20 echoes, 10 ms apart, 100 ms timeout;
#   fping -C 20 -p 10 -t 100 -i 0 -q, timed around the process with bash's
#   $EPOCHREALTIME (date +%s%N is a process too: ~5 ms a call here).
# Prints a markdown table and writes it, with the host facts and the exact
# commands, to bench/results/probe.md. Removes its containers on exit.
#
# Environment: BENCH_PROBE (default build/bench/bench_probe), IMAGE
# (hms/testbox:1), REPS (11), JOBS (parallel docker runs, 8).
set -euo pipefail
export LC_ALL=C # a decimal point in $EPOCHREALTIME and awk

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bench_probe=${BENCH_PROBE:-$repo/build/bench/bench_probe}
image=${IMAGE:-hms/testbox:1}
reps=${REPS:-11}
jobs=${JOBS:-8}
results=$here/results/probe.md
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 50 200)

die() {
    echo "probe.sh: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (raw ICMP sockets for both tools)"
[ -x "$bench_probe" ] || die "no $bench_probe: build it (make bench_probe) or set BENCH_PROBE"
command -v fping >/dev/null || die "fping is not installed"
docker image inspect "$image" >/dev/null 2>&1 || die "no local image $image"
max=0
for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a container count: $n"
    if ((n > max)); then max=$n; fi
done

names=()
for ((i = 1; i <= max; i++)); do names+=("hmspr-bench-$i"); done
work=
cleanup() {
    docker rm -f "${names[@]}" >/dev/null 2>&1 || true
    [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
docker rm -f "${names[@]}" >/dev/null 2>&1 || true # leftovers of an interrupted run
work=$(mktemp -d)

echo "probe.sh: starting $max containers from $image" >&2
printf '%s\n' "${names[@]}" | xargs -P "$jobs" -I{} docker run -d --name {} "$image" >/dev/null
docker inspect -f '{{.NetworkSettings.IPAddress}}' "${names[@]}" >"$work/ips"
while read -r ip; do
    # Traffic goes to our own containers on the default bridge only.
    [[ $ip =~ ^172\.17\.[0-9]+\.[0-9]+$ ]] || die "unexpected container address '$ip'"
done <"$work/ips"
# One echo to each first, so that neither tool pays for ARP resolution.
fping -c 1 -t 500 -q -f "$work/ips" 2>/dev/null || true

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$summary"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Milliseconds since $1, an $EPOCHREALTIME (no process spawned to read the clock).
ms_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }'; }

fping_cmd=(fping -C 20 -p 10 -t 100 -i 0 -q)
probe_cmd=("$bench_probe" -q -r 1 -c 20 -i 10 -t 100)
mean() { awk '{ s += $1 } END { printf "%.2f", s / NR }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
table="| N | HMS round p50 (ms) | HMS max (ms) | fping p50 (ms) | ratio HMS/fping | HMS loss | fping loss |
|---|---|---|---|---|---|---|"
kind=unknown
# HMS and fping take turns, run after run, so that both see the same load.
for n in "${sizes[@]}"; do
    head -n "$n" "$work/ips" >"$work/ips-$n.txt"
    echo "probe.sh: N=$n: $reps runs of each" >&2
    : >"$work/hms-times"
    : >"$work/hms-loss"
    : >"$work/fping-times"
    lost=0 total=0
    for ((r = 0; r < reps; r++)); do
        summary=$("${probe_cmd[@]}" -f "$work/ips-$n.txt" | grep '^summary')
        field p50_ms >>"$work/hms-times"
        field loss_pct >>"$work/hms-loss"
        kind=$(field kind)

        start=$EPOCHREALTIME
        "${fping_cmd[@]}" -f "$work/ips-$n.txt" 2>"$work/fping-out" || true
        ms_since "$start" >>"$work/fping-times"
        # -C prints "ip : rtt rtt - rtt ..." per target on stderr; "-" is a lost echo.
        read -r l t < <(awk -F' : ' 'NF == 2 { k = split($2, a, " ");
            for (i = 1; i <= k; i++) { t++; if (a[i] == "-") l++ } } END { print l + 0, t + 0 }' \
            "$work/fping-out")
        ((t == n * 20)) || die "fping reported $t echoes instead of $((n * 20)): $(head -3 "$work/fping-out")"
        lost=$((lost + l))
        total=$((total + t))

        # Fixed costs, in the same conditions: any process, and fping with one echo.
        start=$EPOCHREALTIME
        /bin/true
        ms_since "$start" >>"$work/spawn"
        start=$EPOCHREALTIME
        fping -c 1 -t 100 -q 127.0.0.1 2>/dev/null || true
        ms_since "$start" >>"$work/fping-fixed"
    done
    hms_p50=$(median <"$work/hms-times")
    hms_max=$(sort -n "$work/hms-times" | tail -1)
    hms_loss=$(mean <"$work/hms-loss")
    fping_p50=$(median <"$work/fping-times")
    fping_loss=$(awk -v l="$lost" -v t="$total" 'BEGIN { printf "%.2f", 100 * l / t }')
    ratio=$(awk -v a="$hms_p50" -v b="$fping_p50" 'BEGIN { printf "%.2f", a / b }')
    table+=$'\n'"| $n | $hms_p50 | $hms_max | $fping_p50 | $ratio | $hms_loss % | $fping_loss % |"
done
spawn=$(median <"$work/spawn")
fping_fixed=$(median <"$work/fping-fixed")

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$table"

mkdir -p "$(dirname "$results")"
cat >"$results" <<EOF
# Probe round: HMS against fping

Generated by \`bench/probe.sh ${sizes[*]}\` on $(date -u '+%Y-%m-%d %H:%M UTC').

Host: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), Linux $(uname -r),
Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'), $(fping -v 2>&1 | head -1),
load average $load_before before and $load_after after the measurements
(timings mean little on a busy host), HMS socket kind: $kind.
Targets: the first N of $max containers \`hmspr-bench-*\` from \`$image\` on the
default bridge (172.17.0.0/16), warmed up with one echo each (ARP).

$table

$reps runs of each tool per N, taking turns; p50 (and max for HMS) of the round
times; loss over all echoes of all runs. 20 echoes 10 ms apart cannot take
less than 190 ms plus one round trip.

## Commands

    ${probe_cmd[*]} -f ips-N.txt     # one round; prints its time
    ${fping_cmd[*]} -f ips-N.txt     # timed: \$EPOCHREALTIME before and after

\`ips-N.txt\` holds the first N container IPs, one a line.

## What is compared

- Same work: each target gets 20 echo requests 10 ms apart (fping \`-p 10\`, its
  per-target period; HMS \`interval\`), and each request waits up to 100 ms for
  its reply (\`-t 100\`). In count mode fping 5.1 keeps one timeout per echo
  (\`event_storage_count = count\`) and drops replies later than \`-t\`, as HMS
  does; the man page's remark that a timeout above the period "can be
  respected only for the last ping" is about older versions. Both end when
  every echo is answered or the last one has timed out.
- Pacing between targets: fping waits at least \`-i\` ms between any two
  packets, to any target (default 10 ms, which would stretch 200 targets x 20
  echoes over 40 s). As root fping 5.1 accepts \`-i 0\` (non-root needs
  \`-i >= 1\`); it then still sends one packet per turn of its main loop,
  between non-blocking reads of replies, so the targets of one burst are
  spaced by that loop's cost, not by a timer. HMS sends all targets of a burst
  back to back, waiting only when the socket is full (retry 1 ms later).
- Timing: HMS is timed inside the process from \`hms_probe_round\` to its done
  callback (the steady state of the manager, socket already open). fping is
  timed around the whole process (bash's \$EPOCHREALTIME; \`date +%s%N\` would
  add its own process start, a few ms here), which adds start-up, socket setup
  and exit: starting \`/bin/true\` takes ${spawn} ms here and
  \`fping -c 1 -t 100 -q 127.0.0.1\` ${fping_fixed} ms (p50, measured between the
  runs), an upper bound on fping's fixed cost (it includes one loopback echo).
- Matching: fping matches replies by id and a global 16-bit sequence map with
  a 10 s expiry, so at most 65536 echoes in 10 s (on loopback it refuses 4096
  targets x 20: "not enough sequence numbers available"). HMS matches source
  address, id (raw socket), sequence number and the echo index carried in its
  payload, with no such limit.
EOF
echo "probe.sh: wrote $results" >&2
