#!/usr/bin/env bash
# The cost of collecting every container's resource metrics each second:
# HMS's manager (cgroup files read in place) against polling the Docker
# stats API every second (the poller's CPU plus the engine's) and against
# Netdata's cgroups collector (Debian package netdata), for N containers,
# in one run.
#
#   bench/metrics.sh [COUNTS] [SECONDS]   (defaults 10,50,100 and 30; $BUILD, default build/)
#
# For each count N: N idle containers of hms/testbox:1, then, one after the
# other, each for SECONDS, the CPU time (utime + stime from /proc) of:
#
#   * the engine alone (dockerd and containerd): its idle baseline;
#   * hms-manager with metrics off (--metrics-window 0) and on (the
#     default: every container read each second, published every 10 s),
#     probing set aside (--watch 0, one judging round an hour): HMS's
#     collection is the difference;
#   * the Docker stats API: a stream per container (GET
#     /containers/ID/stats?stream=true, a sample a second, what `docker
#     stats` opens), each sample read and parsed (python3); its cost is its
#     own CPU plus the engine's above its baseline;
#   * netdata with its cgroups collector alone (every other plugin off,
#     update every 1 s, memory mode ram, no web server): its CPU and its
#     children's.
#
# Also the manager's resident memory (VmRSS) with metrics on, after SECONDS,
# and at the largest count once its 600 s window of per-second values has
# filled (the manager is then kept 610 s; set FULL_WINDOW=0 to skip). Results:
# bench/results/metrics.md. Needs root, Docker, python3, netdata
# (scripts/setup --with-bench installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
counts=${1:-10,50,100}
seconds=${2:-30}
build=${BUILD:-build}
manager=$build/manager/hms-manager
out=bench/results/metrics.md
[ -x "$manager" ] || { echo "metrics.sh: build first ($manager missing)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "metrics.sh: no Docker engine (scripts/setup)" >&2; exit 1; }
command -v netdata >/dev/null || { echo "metrics.sh: no netdata (apt-get install netdata)" >&2; exit 1; }

tag=hmsm$$
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    pkill -f "netdata -c $work/netdata.conf" 2>/dev/null || true
    docker ps -aq --filter "label=hms.bench=$tag" | xargs -r docker rm -f >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)

# CPU ticks of processes (pids, comma-separated), children reaped included.
ticks() {
    local sum=0 pid
    for pid in ${1//,/ }; do
        [ -r "/proc/$pid/stat" ] || continue
        sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")))
    done
    echo "$sum"
}
engine_pids() { pgrep -d, -x 'dockerd|containerd' || true; }
# Milliseconds of CPU per second over SECONDS for the processes listed by
# the command given.
cpu_ms_per_s() {
    local list c0 c1
    list=$("$@")
    c0=$(ticks "$list")
    sleep "$seconds"
    c1=$(ticks "$list")
    awk -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.1f", (b - a) * 1000 / hz / s}'
}

cat >"$work/poller.py" <<'EOF'
# One stats stream per container (what `docker stats` opens): the engine
# sends each a sample a second; each is read and parsed. A one-shot request
# per container a second cannot keep up: the engine answers it in about a
# second (Docker 20.10), so a sequential poller of 50 containers is 50 s late.
import http.client, json, socket, sys, threading
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect("/var/run/docker.sock")
def follow(cid):
    conn = Unix("localhost")
    conn.request("GET", f"/containers/{cid}/stats?stream=true")
    response = conn.getresponse()
    while True:
        line = response.readline()
        if not line:
            return
        if line.strip():
            json.loads(line)["memory_stats"].get("usage")
for cid in sys.argv[1:]:
    threading.Thread(target=follow, args=(cid,), daemon=True).start()
threading.Event().wait()
EOF

cat >"$work/netdata.conf" <<EOF
[global]
    update every = 1
    memory mode = ram
    run as user = root
    hostname = hms-bench
[web]
    mode = none
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
    node.d = no
    ebpf = no
    statsd = no
    perf = no
    slabinfo = no
    fping = no
    ioping = no
    nfacct = no
    cups = no
    freeipmi = no
[statsd]
    enabled = no
[ml]
    enabled = no
[health]
    enabled = no
[registry]
    enabled = no
EOF

rows=()
for n in ${counts//,/ }; do
    echo "metrics.sh: $n containers" >&2
    docker ps -aq --filter "label=hms.bench=$tag" | xargs -r docker rm -f >/dev/null
    for i in $(seq 1 "$n"); do
        docker run -d --name "$tag-$i" --label "hms.bench=$tag" --label "hms.bench.n=$n" \
            hms/testbox:1 >/dev/null
    done
    ids=$(docker ps -q --no-trunc --filter "label=hms.bench=$tag")
    sleep 2

    idle=$(cpu_ms_per_s engine_pids)

    for window in 0 600; do
        "$manager" --label "hms.bench=$tag" --pub 'tcp://127.0.0.1:*' --router 'tcp://127.0.0.1:*' \
            --state-file "" --address bench --metrics-window "$window" \
            --watch 0 --probe-period 3600000 >"$work/manager.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        sleep 3 # the first listing, inspects and rounds
        manager_pid() { echo "$pid"; }
        if [ "$window" -eq 0 ]; then
            off=$(cpu_ms_per_s manager_pid)
        else
            on=$(cpu_ms_per_s manager_pid)
            rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
            if [ "$n" = "${counts##*,}" ] && [ "${FULL_WINDOW:-1}" = 1 ]; then
                echo "metrics.sh: $n: waiting for the manager's 600 s window to fill" >&2
                sleep $((610 - 3 - seconds))
                full_rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
                full_anon=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status")
                full_n=$n
            fi
        fi
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done

    # shellcheck disable=SC2086
    python3 "$work/poller.py" $ids 2>"$work/poller.log" &
    poller=$!
    pids+=("$poller")
    sleep 2
    both() { echo "$poller,$(engine_pids)"; }
    poll=$(cpu_ms_per_s both)
    kill "$poller"
    wait "$poller" 2>/dev/null || true

    netdata -c "$work/netdata.conf" -D >"$work/netdata.log" 2>&1 &
    nd=$!
    pids+=("$nd")
    sleep 5 # netdata finds the cgroups
    netdata_pids() { echo "$nd,$(pgrep -d, -P "$nd" || true)"; }
    net=$(cpu_ms_per_s netdata_pids)
    kill "$nd"
    wait "$nd" 2>/dev/null || true

    hms=$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.1f", a - b}')
    poller_cost=$(awk -v a="$poll" -v b="$idle" 'BEGIN {printf "%.1f", a - b}')
    ratio=$(awk -v a="$hms" -v b="$poller_cost" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
    rows+=("| $n | $hms | $off | $on | $poller_cost | $idle | $net | $ratio | $((rss / 1024)) |")
    echo "metrics.sh: $n: HMS $hms ms/s, poller $poller_cost ms/s, netdata $net ms/s" >&2
done

{
    echo "# Collecting resource metrics: HMS, the Docker stats API, Netdata"
    echo
    echo "<!-- Generated by bench/metrics.sh $counts $seconds; $(date -u '+%Y-%m-%d %H:%M UTC'). -->"
    echo
    echo "CPU in milliseconds per second (1000 = one whole core), over $seconds s, N idle"
    echo "containers of hms/testbox:1, on this machine ($(nproc) cores). HMS's collection is"
    echo "the manager with metrics on minus with them off, both with probing set aside (--watch 0,"
    echo "--probe-period 3600000). The Docker stats API is read as \`docker stats\` reads it, a stream per"
    echo "container (a sample a second each; a one-shot request per container takes the engine"
    echo "about a second to answer, so polling cannot keep up); its cost is the reader's CPU plus"
    echo "the engine's (dockerd, containerd) above the engine's idle baseline, given beside it."
    echo "Netdata runs its cgroups collector alone, every second."
    echo
    echo "| containers | HMS collection | manager, metrics off | manager, metrics on | Docker stats API | engine idle | Netdata cgroups | HMS / Docker stats | manager RSS, metrics on (MB) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    if [ -n "${full_rss:-}" ]; then
        echo
        echo "Manager with metrics on and $full_n containers, after 610 s (its 600 s window of"
        echo "per-second values filled): $(awk -v k="$full_rss" 'BEGIN {printf "%.1f", k / 1024}') MB resident (VmRSS), of which"
        echo "$(awk -v k="$full_anon" 'BEGIN {printf "%.1f", k / 1024}') MB its own allocations (RssAnon)."
    fi
} >"$out"
cat "$out"
