#!/usr/bin/env bash
# hostscale.sh: the manager at host scale (run as root).
#
#   bench/hostscale.sh            both parts; results in bench/results/hostscale.md
#
# Probe part: more probe targets than real containers allow on this machine.
# TARGETS network namespaces hmshs-NNNN, each with a veth whose other end is
# on the bridge hmshs0 (10.233.0.0/21, the host is 10.233.0.1): the prober
# only needs addresses. Then, beside them, CONTAINERS real containers
# hmshs-c-NNN of $IMAGE. For each target set (the namespaces alone, then the
# namespaces and the containers) HMS (bench_probe: one round of 20 echoes
# 10 ms apart, 100 ms timeout, as bench/probe.sh) and fping (-C 20 -p 10
# -t 100 -i 0, as bench/probe.sh) take turns, REPS times each, the order
# swapped every run:
#   - COLD cold rounds of each first, the host's neighbour entries of the
#     targets flushed before each: what ARP resolution of every target at
#     once costs each tool (reported, not timed);
#   - then one warm-up round of each, then the timed rounds.
# Every target is alive: any loss is false loss.
#
# Burst part (bench/burst.py): a manager follows BURST_SIZE containers
# started at once and removed at once (docker rm -f), BURSTS times; the lag
# from the engine's last event of a burst to the manager's table being right.
#
# Kernel settings changed during the run, restored on exit (also after a
# killed run, from $SAVED): net.ipv4.neigh.default.gc_thresh1/2/3 (the
# defaults 128/512/1024 cap the host's neighbour table below the targets).
#
# Environment: TARGETS (1000), CONTAINERS (200), REPS (11), COLD (3),
# BURST_SIZE (200), BURSTS (5), PARTS ("probe burst"), IMAGE (hms/testbox:1),
# BUILD (build), JOBS (parallel docker runs, 8).
set -euo pipefail
export LC_ALL=C # a decimal point in $EPOCHREALTIME and awk

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${BUILD:-$repo/build}
bench_probe=$build/bench/bench_probe
targets=${TARGETS:-1000}
containers=${CONTAINERS:-200}
reps=${REPS:-11}
cold=${COLD:-3}
burst_size=${BURST_SIZE:-200}
bursts=${BURSTS:-5}
parts=${PARTS:-probe burst}
image=${IMAGE:-hms/testbox:1}
jobs=${JOBS:-8}
results=$here/results/hostscale.md

PREFIX=hmshs              # netns hmshs-NNNN, containers hmshs-c-NNN, hmshs-b-NNN
NETNS_MARK=/run/hmshs-netns-dir # this bench made /run/netns
BRIDGE=hmshs0
VETH=hmshsv               # host side: hmshsvNNNN (15 characters at most)
SUBNET=10.233.0.0/21      # 2,048 addresses: the host .0.1, target k at 10 + k
HOST_ADDR=10.233.0.1
LABEL=hms.bench=hmshs     # every container this bench creates
SAVED=/run/hmshs.sysctl   # the sysctls as they were, until restored
SYSCTLS=(net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2
    net.ipv4.neigh.default.gc_thresh3)
RAISED=(4096 8192 16384)

die() {
    echo "hostscale.sh: $*" >&2
    exit 1
}
say() { echo "hostscale.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, raw ICMP sockets)"
if ! [[ $targets =~ ^[1-9][0-9]*$ ]] || ((targets > 2000)); then die "TARGETS: 1 to 2000"; fi
[[ $containers =~ ^[0-9]+$ ]] || die "CONTAINERS: a count"
command -v fping >/dev/null || die "fping is not installed (scripts/setup)"
[[ " $parts " != *" probe "* ]] || [ -x "$bench_probe" ] || die "no $bench_probe: build first"
docker image inspect "$image" >/dev/null 2>&1 || die "no local image $image"

# The address of target k (1..2000) in $SUBNET.
target_ip() {
    local h=$(($1 + 9))
    echo "10.233.$((h >> 8)).$((h & 255))"
}

restore_sysctls() {
    [ -f "$SAVED" ] || return 0
    while read -r key value; do sysctl -qw "$key=$value" || true; done <"$SAVED"
    rm -f "$SAVED"
}

# Removes whatever this bench created, now or in a killed run: ours only,
# by name (other namespaces on this machine, e.g. scripts/testbed's
# hms-tb-*, are not touched).
teardown() {
    local ns links
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null 2>&1 || true
    ns=$(ip netns list | awk -v p="^$PREFIX-[0-9]+$" '$1 ~ p { print "netns del " $1 }')
    [ -z "$ns" ] || ip -force -batch - <<<"$ns" 2>/dev/null || true
    ip link del "$BRIDGE" 2>/dev/null || true
    # ip netns mounts /run/netns at its first use: unmounted again when
    # this bench made it and it is empty (the testbed's checks expect that).
    if [ -e "$NETNS_MARK" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        umount /run/netns 2>/dev/null || true
        rmdir /run/netns 2>/dev/null || true
        rm -f "$NETNS_MARK"
    fi
    # A veth goes with its namespace, which the kernel frees in the background.
    for _ in $(seq 1 300); do
        links=$(ip -o link show | awk -F': ' -v p="^${VETH}[0-9]+" '$2 ~ p' | wc -l)
        ((links == 0)) && break
        sleep 0.1
    done
    restore_sysctls
}

work=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "${burst_pid:-}" ]; then # it removes what it made, then ends
        kill "$burst_pid" 2>/dev/null || true
        wait "$burst_pid" 2>/dev/null || true
    fi
    say "cleaning up"
    teardown
    [ -z "$work" ] || rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

teardown # leftovers of a killed run
[ -e /run/netns ] || touch "$NETNS_MARK"
# The subnet must be free: no route into it, no Docker network on it.
python_overlap='
import ipaddress, sys
ours = ipaddress.ip_network(sys.argv[1])
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        net = ipaddress.ip_network(line, strict=False)
    except ValueError:
        continue
    if net.version == 4 and net.overlaps(ours):
        print("overlaps", net, file=sys.stderr)
        sys.exit(1)
'
check_subnet() {
    local nets
    nets=$( (ip -4 route show | awk '$1 != "default" { print $1 }'
        docker network ls -q | xargs -r docker network inspect \
            -f '{{range .IPAM.Config}}{{.Subnet}}{{"\n"}}{{end}}') || true)
    python3 -c "$python_overlap" "$SUBNET" <<<"$nets" || die "$SUBNET is in use here: pick another"
}

work=$(mktemp -d)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
probe_section=
burst_section=

# The namespaces: one batch in the root namespace (namespaces, bridge, veth
# pairs), then one small batch inside each namespace (ip -batch takes no -n
# per line), two at a time. IPv6 is off on every new link (addrgenmode
# none): no router solicitations or DAD, only our echoes.
setup_namespaces() {
    local t0 k ns
    check_subnet
    : >"$SAVED"
    for key in "${SYSCTLS[@]}"; do echo "$key $(sysctl -n "$key")" >>"$SAVED"; done
    for i in "${!SYSCTLS[@]}"; do
        local now
        now=$(sysctl -n "${SYSCTLS[$i]}")
        ((now >= RAISED[i])) || sysctl -qw "${SYSCTLS[$i]}=${RAISED[$i]}"
    done
    sysctls_set=$(for key in "${SYSCTLS[@]}"; do printf '%s=%s ' "${key##*.}" "$(sysctl -n "$key")"; done)
    t0=$EPOCHREALTIME
    {
        echo "link add $BRIDGE type bridge"
        echo "link set $BRIDGE addrgenmode none"
        echo "addr add $HOST_ADDR/${SUBNET#*/} dev $BRIDGE"
        echo "link set $BRIDGE up"
        for ((k = 1; k <= targets; k++)); do
            ns=$(printf '%s-%04d' "$PREFIX" "$k")
            echo "netns add $ns"
            printf 'link add %s%04d type veth peer name eth0 netns %s\n' "$VETH" "$k" "$ns"
            printf 'link set %s%04d addrgenmode none master %s up\n' "$VETH" "$k" "$BRIDGE"
        done
    } >"$work/root.batch"
    ip -batch "$work/root.batch"
    t_root=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.2f", e - s }')
    for ((k = 1; k <= targets; k++)); do
        printf '%s-%04d %s\n' "$PREFIX" "$k" "$(target_ip "$k")"
    done >"$work/ns-list"
    # shellcheck disable=SC2016
    xargs -P 2 -L 1 sh -c 'printf "%s\n" "link set eth0 addrgenmode none" \
        "addr add $1/21 dev eth0" "link set eth0 up" | ip -n "$0" -batch -' <"$work/ns-list"
    t_setup=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.2f", e - s }')
    cut -d' ' -f2 "$work/ns-list" >"$work/ips-ns"
    # Every host-side port up (its peer is up): else the first echoes go nowhere.
    local up=0
    for _ in $(seq 1 200); do
        up=$(ip -o link show master "$BRIDGE" | grep -c 'state UP' || true)
        ((up == targets)) && break
        sleep 0.05
    done
    ((up == targets)) || die "$up of $targets ports up on $BRIDGE"
    say "$targets namespaces in $t_setup s (root batch $t_root s)"
}

start_containers() {
    local names=()
    for ((i = 1; i <= containers; i++)); do names+=("$(printf '%s-c-%03d' "$PREFIX" "$i")"); done
    say "starting $containers containers from $image"
    printf '%s\n' "${names[@]}" |
        xargs -P "$jobs" -I{} docker run -d --name {} --label "$LABEL" "$image" >/dev/null
    docker inspect -f '{{.NetworkSettings.IPAddress}}' "${names[@]}" >"$work/ips-containers"
    while read -r ip; do
        # Traffic goes to our own containers on the default bridge only.
        [[ $ip =~ ^172\.17\.[0-9]+\.[0-9]+$ ]] || die "unexpected container address '$ip'"
    done <"$work/ips-containers"
}

# Forgets the host's neighbour entries of the targets in file $1: the next
# echo to each needs ARP again. The bridge is ours entirely; on docker0 only
# our containers' entries are deleted.
flush_neighbours() {
    # "Dump was interrupted": entries changed while ip listed them; it flushes on.
    ip neigh flush dev "$BRIDGE" 2>/dev/null
    grep '^172\.17\.' "$1" | sed "s/.*/neigh del & dev docker0/" |
        ip -force -batch - 2>/dev/null || true
}

ms_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$summary"; }

fping_cmd=(fping -C 20 -p 10 -t 100 -i 0 -q)
probe_cmd=("$bench_probe" -q -r 1 -c 20 -i 10 -t 100)

# Packets the kernel dropped since boot, over all CPUs: the per-CPU backlog
# was full (softnet_stat, 2nd column; net.core.netdev_max_backlog), and the
# neighbour table was full (arp_cache table_fulls). Hex in both files.
kernel_drops() {
    local backlog=0 fulls=0 f
    while read -r -a f; do backlog=$((backlog + 16#${f[1]})); done </proc/net/softnet_stat
    while read -r -a f; do
        [[ ${f[0]} =~ ^[0-9a-f]+$ ]] && fulls=$((fulls + 16#${f[12]}))
    done </proc/net/stat/arp_cache
    echo "$backlog $fulls"
}

# Appends to $1 the kernel drops since $2 (an output of kernel_drops).
drops_since() {
    local b0 f0 b1 f1
    read -r b0 f0 <<<"$2"
    read -r b1 f1 < <(kernel_drops)
    echo "$((b1 - b0)) $((f1 - f0))" >>"$1"
}

# One HMS round on file $1: appends its time to $2, its lost echoes to $3
# and the kernel's drops meanwhile to $4.
run_hms() {
    local before n
    before=$(kernel_drops)
    summary=$("${probe_cmd[@]}" -f "$1" | grep '^summary')
    drops_since "$4" "$before"
    field p50_ms >>"$2"
    n=$(wc -l <"$1")
    awk -v p="$(field loss_pct)" -v n="$n" 'BEGIN { printf "%d\n", p * n * 20 / 100 + 0.5 }' >>"$3"
    kind=$(field kind)
}

# One fping round on file $1: the same.
run_fping() {
    local start n before
    n=$(wc -l <"$1")
    before=$(kernel_drops)
    start=$EPOCHREALTIME
    "${fping_cmd[@]}" -f "$1" 2>"$work/fping-out" || true
    ms_since "$start" >>"$2"
    drops_since "$4" "$before"
    # -C prints "ip : rtt rtt - rtt ..." per target on stderr; "-" is a lost echo.
    read -r l t < <(awk -F' : ' 'NF == 2 { k = split($2, a, " ");
        for (i = 1; i <= k; i++) { t++; if (a[i] == "-") l++ } } END { print l + 0, t + 0 }' \
        "$work/fping-out")
    ((t == n * 20)) || die "fping reported $t echoes instead of $((n * 20)): $(head -3 "$work/fping-out")"
    echo "$l" >>"$3"
}

sum() { awk '{ s += $1 } END { print s + 0 }'; }
# "B backlog, F neighbour table full" from a file of drops_since lines.
drops() { awk '{ b += $1; f += $2 } END { printf "%d backlog, %d table full", b, f }' "$1"; }

# Measures one target set (file $1, label $2) and appends a table row.
measure_set() {
    local file=$1 label=$2 n r
    n=$(wc -l <"$file")
    say "$label: $n targets, $cold cold rounds of each, then $reps timed rounds of each"
    rm -f "$work"/{hc,hl,hcd,fc,fl,fcd,ht,hlost,htd,ft,flost,ftd}
    for ((r = 0; r < cold; r++)); do
        if ((r % 2 == 0)); then
            flush_neighbours "$file"; run_hms "$file" "$work/hc" "$work/hl" "$work/hcd"
            flush_neighbours "$file"; run_fping "$file" "$work/fc" "$work/fl" "$work/fcd"
        else
            flush_neighbours "$file"; run_fping "$file" "$work/fc" "$work/fl" "$work/fcd"
            flush_neighbours "$file"; run_hms "$file" "$work/hc" "$work/hl" "$work/hcd"
        fi
    done
    run_hms "$file" /dev/null /dev/null /dev/null # warm-up, not counted
    run_fping "$file" /dev/null /dev/null /dev/null
    for ((r = 0; r < reps; r++)); do
        if ((r % 2 == 0)); then
            run_hms "$file" "$work/ht" "$work/hlost" "$work/htd"
            run_fping "$file" "$work/ft" "$work/flost" "$work/ftd"
        else
            run_fping "$file" "$work/ft" "$work/flost" "$work/ftd"
            run_hms "$file" "$work/ht" "$work/hlost" "$work/htd"
        fi
    done
    local echoes=$((n * 20 * reps)) cold_echoes=$((n * 20 * cold))
    local hp hm fp fm hl fl hcl fcl ratio hcp fcp
    hp=$(median <"$work/ht"); hm=$(sort -n "$work/ht" | tail -1)
    fp=$(median <"$work/ft"); fm=$(sort -n "$work/ft" | tail -1)
    hl=$(sum <"$work/hlost"); fl=$(sum <"$work/flost")
    hcl=$(sum <"$work/hl"); fcl=$(sum <"$work/fl")
    hcp=$(median <"$work/hc"); fcp=$(median <"$work/fc")
    ratio=$(awk -v a="$hp" -v b="$fp" 'BEGIN { printf "%.2f", a / b }')
    pct() { awk -v l="$1" -v t="$2" 'BEGIN { printf "%.3f", 100 * l / t }'; }
    rows+=$'\n'"| $label | $n | $hp | $hm | $fp | $fm | $ratio | $hl ($(pct "$hl" "$echoes") %) | $fl ($(pct "$fl" "$echoes") %) | $hcp | $fcp | $hcl ($(pct "$hcl" "$cold_echoes") %) | $fcl ($(pct "$fcl" "$cold_echoes") %) |"
    echo "$rows" | tail -1 >&2
    drop_notes+="- $label: the kernel dropped, during HMS's timed rounds: $(drops "$work/htd"); fping's: $(drops "$work/ftd"); HMS's cold rounds: $(drops "$work/hcd"); fping's: $(drops "$work/fcd")."$'\n'
    local now
    now=$(for key in "${SYSCTLS[@]}"; do printf '%s=%s ' "${key##*.}" "$(sysctl -n "$key")"; done)
    [ "$now" = "$sysctls_set" ] || drop_notes+="- $label: **the neighbour table's settings changed during the run** (by another program?): now $now"$'\n'
}

probe_part() {
    rows="| targets | N | HMS p50 (ms) | HMS max (ms) | fping p50 (ms) | fping max (ms) | HMS/fping p50 | HMS lost echoes, timed rounds | fping lost echoes, timed rounds | HMS cold p50 (ms) | fping cold p50 (ms) | HMS lost, cold rounds | fping lost, cold rounds |
|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    drop_notes=
    setup_namespaces
    local load_before load_after
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    measure_set "$work/ips-ns" "namespaces"
    if ((containers > 0)); then
        start_containers
        cat "$work/ips-ns" "$work/ips-containers" >"$work/ips-all"
        measure_set "$work/ips-all" "namespaces + containers"
        docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    fi
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    probe_section="## Probe round: $targets namespace targets (and $containers containers), HMS against fping

Load average $load_before before and $load_after after the measurements. HMS socket kind: $kind.
Setup of $targets namespaces, each with a veth on \`$BRIDGE\` and an address: $t_setup s
(one \`ip -batch\` in the root namespace, $t_root s, then \`ip -n NS -batch -\` per namespace,
two at a time).

$rows

$reps timed rounds of each tool per target set, taking turns (the order swapped every run),
after one warm-up round of each; p50 and max of the round times. Lost echoes: over all
timed rounds ($reps x N x 20 echoes). Cold rounds: $cold rounds of each tool, each right after
the host's neighbour entries of every target were flushed, so that the round starts with
ARP resolution of every target at once: their p50 time and their lost echoes. 20
echoes 10 ms apart cannot take less than 190 ms plus one round trip.

Packets the kernel dropped meanwhile, host-wide (from \`/proc/net/softnet_stat\`, the
per-CPU backlog of net.core.netdev_max_backlog packets, and \`/proc/net/stat/arp_cache\`,
neighbour table full), to tell false loss that another program's traffic caused:

$drop_notes
Commands (\`ips\` holds the target addresses, one a line):

    ${probe_cmd[*]#"$repo/"} -f ips     # one round; prints its time
    ${fping_cmd[*]} -f ips     # timed: \$EPOCHREALTIME before and after
"
}

burst_part() {
    local out=$work/burst.md
    python3 "$here/burst.py" --manager "$build/manager/hms-manager" \
        --hmsctl "$build/controller/hmsctl" --image "$image" --count "$burst_size" \
        --bursts "$bursts" --prefix "$PREFIX-b" --label "$LABEL" --out "$out" &
    burst_pid=$!
    wait "$burst_pid"
    burst_pid=
    burst_section=$(cat "$out")
}

for part in $parts; do
    case $part in
    probe) probe_part ;;
    burst) burst_part ;;
    *) die "PARTS: probe and/or burst, not $part" ;;
    esac
done

mkdir -p "$(dirname "$results")"
cat >"$results" <<EOF
# The manager at host scale

Generated by \`$(printf '%q ' env TARGETS="$targets" CONTAINERS="$containers" REPS="$reps" COLD="$cold" BURST_SIZE="$burst_size" BURSTS="$bursts" PARTS="$parts")bench/hostscale.sh\`
on $(date -u '+%Y-%m-%d %H:%M UTC'), load average $load_start at the start.

Host: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), Linux $(uname -r),
Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'), $(fping -v 2>&1 | head -1).
Kernel settings during the probe part (restored after): ${sysctls_set:-none changed}
(net.ipv4.neigh.default: the host's neighbour table; raised only when lower). Left as they are: net.core.rmem_max=$(sysctl -n net.core.rmem_max),
net.core.netdev_max_backlog=$(sysctl -n net.core.netdev_max_backlog), net.ipv4.icmp_ratelimit=$(sysctl -n net.ipv4.icmp_ratelimit) and
icmp_msgs_per_sec=$(sysctl -n net.ipv4.icmp_msgs_per_sec) (neither limits echo replies: echo replies are not in icmp_ratemask, and
each namespace has its own).

$probe_section
$burst_section
EOF
say "wrote $results"
