#!/usr/bin/env bash
# The web page and the API explorer, rendered by a real browser against a
# real controller following a real manager, over HTTP and over HTTPS.
#
#   tests/web/screenshot.sh BUILD_DIR [SCREENSHOT]   (default /tmp/hms-web.png)
#
# Starts three containers (hms/testbox:1) labelled for this run, one of
# them spinning a CPU, an hms-manager watching them and two hms-controllers
# following that manager, one serving HTTP and one HTTPS (a certificate
# made for the run), all on loopback and on ports they pick; waits until
# GET /containers shows the three active; then has headless Chromium render
# / (screenshot and DOM), /docs (DOM, and a screenshot next to the first:
# NAME-docs.png) and the charts of the loaded container (DOM and
# NAME-charts.png) of each. Checks that the page shows the containers, the
# host and their status, that the explorer (Swagger UI) lists every path
# and operation of the served /openapi.json, that the charts hold points
# and are drawn and the host table has sparklines, that every answer carries the security headers, and that
# the browser reports no violation of the Content-Security-Policy. Cleans
# up all it started.
set -euo pipefail

build=${1:?usage: screenshot.sh BUILD_DIR [SCREENSHOT]}
shot=${2:-/tmp/hms-web.png}
manager_bin=$build/manager/hms-manager
controller_bin=$build/controller/hms-controller

say() { printf 'screenshot: %s\n' "$*" >&2; }
fail() {
    say "FAIL: $*"
    exit 1
}

[ -x "$manager_bin" ] || fail "$manager_bin missing: build hms-manager first"
[ -x "$controller_bin" ] || fail "$controller_bin missing: build hms-controller first"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "no chromium: run scripts/setup --with-browser"
for tool in python3 curl openssl; do
    command -v "$tool" >/dev/null || fail "no $tool: run scripts/setup"
done
timeout 10 docker info >/dev/null 2>&1 || fail "no Docker engine answers: run scripts/setup"
docker image inspect hms/testbox:1 >/dev/null 2>&1 || fail "no image hms/testbox:1: run scripts/setup"

tag=hmsweb$$
work=$(mktemp -d)
pids=()
status=1

cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    docker ps -aq --filter "label=hms.test=$tag" | xargs -r docker rm -f >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ]; then
        for log in "$work"/*.log; do
            [ -s "$log" ] || continue
            say "--- $(basename "$log") (last lines)"
            tail -n 30 "$log" >&2
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME PROGRAM ARGS...: runs a daemon with a ready file in the work
# directory and waits (20 s at most) until it serves.
start() {
    local name=$1
    shift
    "$@" --ready-file "$work/$name.ready" >"$work/$name.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    local deadline=$((SECONDS + 20))
    until [ -f "$work/$name.ready" ]; do
        kill -0 "$pid" 2>/dev/null || fail "$name exited"
        [ "$SECONDS" -lt "$deadline" ] || fail "$name does not serve after 20 s"
        sleep 0.05
    done
}
# ready NAME KEY: a value of a daemon's ready file.
ready() { sed -n "s/^$2=//p" "$work/$1.ready"; }

names=("$tag-web-1" "$tag-web-2" "$tag-db-1")
for name in "${names[@]}"; do
    docker run -d --name "$name" --label "hms.test=$tag" hms/testbox:1 >/dev/null ||
        fail "cannot start container $name"
done

start manager "$manager_bin" --label "hms.test=$tag" --pub 'tcp://127.0.0.1:*' \
    --state-file "$work/manager.state" --address web-test --metrics-interval 1000
# A container under load, for the charts: one shell spinning.
docker exec -d "${names[0]}" sh -c 'while :; do :; done' || fail "cannot load ${names[0]}"
address=$(ready manager pub)
address=${address#tcp://}

# A certificate for 127.0.0.1, made for this run.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" \
    >/dev/null 2>&1 || fail "openssl could not make a certificate"
chmod 600 "$work/tls.key"

start http "$controller_bin" --http-bind 127.0.0.1 --http-port 0 --router none \
    --state-file "$work/http.state" --hosts "$address"
start https "$controller_bin" --http-bind 127.0.0.1 --http-port 0 --router none \
    --state-file "$work/https.state" --hosts "$address" \
    --tls-cert "$work/tls.crt" --tls-key "$work/tls.key"
bases=("http://127.0.0.1:$(ready http http_port)" "https://127.0.0.1:$(ready https http_port)")
say "manager on $address, controllers on ${bases[*]}, containers ${names[*]}"

# showing BASE: the host is online with the three containers active.
showing() {
    curl -sfk --max-time 2 "$1/containers" | python3 -c '
import json, sys
want = set(sys.argv[2:])
hosts = [h for h in json.load(sys.stdin)["hosts"] if h["address"] == sys.argv[1]]
active = {c["name"] for h in hosts for c in h["containers"] if c["status"] == "active"}
sys.exit(0 if hosts and hosts[0]["status"] == "online" and want <= active else 1)
' "$address" "${names[@]}"
}

browse() {
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --ignore-certificate-errors --enable-logging=stderr --v=0 \
        --hide-scrollbars --user-data-dir="$(mktemp -d "$work/chromium.XXXXXX")" \
        --window-size=1280,900 --virtual-time-budget=5000 "$@" 2>>"$work/chromium.log"
}

# check BASE SHOT: the page and the explorer of the controller at BASE.
check() {
    local base=$1 page_shot=$2 docs_shot=${2%.png}-docs.png size header
    local deadline=$((SECONDS + 60))
    until showing "$base" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] ||
            fail "$base: the three containers are not active after 60 s: $(curl -sk --max-time 2 "$base/containers" || true)"
        sleep 0.2
    done
    say "$base: the three containers are active"

    # Every answer, a page or an error, carries the security headers.
    for path in / /containers /nothing; do
        curl -sk -D "$work/headers" -o /dev/null --max-time 5 "$base$path" || fail "GET $base$path failed"
        for header in "Content-Security-Policy: default-src 'self'" "X-Frame-Options: DENY" \
            "X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer"; do
            tr -d '\r' <"$work/headers" | grep -qiF "$header" || fail "GET $base$path lacks '$header'"
        done
    done

    : >"$work/chromium.log"
    mkdir -p "$(dirname "$page_shot")"
    rm -f "$page_shot" "$docs_shot"
    browse --screenshot="$page_shot" "$base/" >/dev/null || fail "chromium could not take the screenshot of $base/"
    [ -f "$page_shot" ] || fail "no screenshot at $page_shot"
    size=$(stat -c %s "$page_shot")
    [ "$size" -gt 10240 ] || fail "the screenshot of $base/ is only $size bytes: an empty page?"
    say "screenshot of $base/: $page_shot ($size bytes)"

    browse --dump-dom "$base/" >"$work/index.dom" || fail "chromium could not render $base/"
    python3 - "$work/index.dom" "$address" "${names[@]}" <<'EOF' || fail "$base/ does not show the state (DOM: $work/index.dom)"
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
address, names = sys.argv[2], sys.argv[3:]
missing = [s for s in [address, *names] if html.escape(s, quote=False) not in dom]
# One status badge per container, reading "active".
badges = len(re.findall(r'class="badge st-active">active<', dom))
if missing or badges < len(names):
    print(f"screenshot: missing from /: {missing}; active badges: {badges}", file=sys.stderr)
    sys.exit(1)
print(f"screenshot: / shows {address}, {', '.join(names)} and {badges} active badges", file=sys.stderr)
EOF

    curl -sfk --max-time 5 "$base/openapi.json" >"$work/openapi.json" || fail "GET $base/openapi.json failed"
    browse --dump-dom "$base/docs" >"$work/docs.dom" || fail "chromium could not render $base/docs"
    python3 - "$work/openapi.json" "$work/docs.dom" <<'EOF' || fail "the API explorer of $base does not list the operations (DOM: $work/docs.dom)"
import html, json, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
dom = open(sys.argv[2], encoding="utf-8").read()
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
paths = spec.get("paths") or {}
operations = sum(1 for item in paths.values() for m in item if m in methods)
if not paths or not operations:
    print("screenshot: /openapi.json has no operations", file=sys.stderr)
    sys.exit(1)
# Swagger UI: one block per operation, its path in data-path.
missing = [p for p in paths if f'data-path="{html.escape(p)}"' not in dom]
shown = dom.count('class="opblock opblock-')
if missing or shown < operations:
    print(f"screenshot: /docs lacks {missing}; {shown} of {operations} operations shown",
          file=sys.stderr)
    sys.exit(1)
print(f"screenshot: /docs lists the {len(paths)} paths and {shown} operations",
      file=sys.stderr)
EOF
    browse --screenshot="$docs_shot" "$base/docs" >/dev/null || fail "chromium could not take the screenshot of $base/docs"
    say "screenshot of $base/docs: $docs_shot"

    # The charts of the loaded container, once its history holds seconds
    # of CPU: non-empty, drawn (uPlot's canvas).
    local charts_shot=${2%.png}-charts.png series link
    deadline=$((SECONDS + 60))
    until series=$(curl -sfk --max-time 2 "$base/containers/$address/${names[0]}/metrics?metric=cpu") &&
        python3 -c 'import json, sys; m = json.loads(sys.argv[1])["mean"]; sys.exit(0 if sum(1 for v in m if v) >= 3 else 1)' "$series"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$base: no CPU history of ${names[0]} after 60 s: ${series:-no answer}"
        sleep 0.5
    done
    link="$base/#charts=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe="") + "/" + u.quote(sys.argv[2], safe=""))' "$address" "${names[0]}")&range=15m"
    browse --dump-dom "$link" >"$work/charts.dom" || fail "chromium could not render $link"
    python3 - "$work/charts.dom" <<'EOF' || fail "$base: the charts of ${names[0]} are empty (DOM: $work/charts.dom)"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
points = {k: int(v) for k, v in re.findall(r'id="chart-(\w+)" class="chart" data-points="(\d+)"', dom)}
canvases = dom.count("<canvas")
sparklines = dom.count('class="spark-line"')
if points.get("cpu", 0) < 3 or points.get("memory", 0) < 3 or canvases < 4 or sparklines < 1:
    print(f"screenshot: chart points {points}, {canvases} canvases, {sparklines} sparklines",
          file=sys.stderr)
    sys.exit(1)
print(f"screenshot: charts drawn, points {points}; {sparklines} sparklines", file=sys.stderr)
EOF
    browse --screenshot="$charts_shot" "$link" >/dev/null || fail "chromium could not take the screenshot of the charts"
    say "screenshot of the charts: $charts_shot"
    # The browser reports what the policy blocked as "Refused to ...".
    if grep -q "Refused to" "$work/chromium.log"; then
        grep "Refused to" "$work/chromium.log" | head -n 5 >&2
        fail "$base: the Content-Security-Policy blocked part of the page"
    fi
}

check "${bases[0]}" "$shot"
check "${bases[1]}" "${shot%.png}-https.png"
status=0
say "PASS"
