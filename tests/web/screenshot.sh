#!/usr/bin/env bash
# The web page and the API explorer, rendered by a real browser against a
# real controller following a real manager.
#
#   tests/web/screenshot.sh BUILD_DIR [SCREENSHOT]   (default /tmp/hms-web.png)
#
# Starts three containers (hms/testbox:1) labelled for this run, an
# hms-manager watching them and an hms-controller following that manager,
# all on loopback; waits until GET /containers shows the three active; then
# has headless Chromium render / (screenshot and DOM) and /docs (DOM, and a
# screenshot next to the first: NAME-docs.png). Checks that the page shows
# the containers, the host and their status, and that the explorer lists
# every path of the served /openapi.json. Cleans up all it started.
set -euo pipefail

build=${1:?usage: screenshot.sh BUILD_DIR [SCREENSHOT]}
shot=${2:-/tmp/hms-web.png}
docs_shot=${shot%.png}-docs.png
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
command -v python3 >/dev/null || fail "no python3: run scripts/setup"
command -v curl >/dev/null || fail "no curl: run scripts/setup"
timeout 10 docker info >/dev/null 2>&1 || fail "no Docker engine answers: run scripts/setup"
docker image inspect hms/testbox:1 >/dev/null 2>&1 || fail "no image hms/testbox:1: run scripts/setup"

tag=hmsweb$$
work=$(mktemp -d)
manager_pid=
controller_pid=
status=1

cleanup() {
    local pid
    for pid in $controller_pid $manager_pid; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $controller_pid $manager_pid; do
        wait "$pid" 2>/dev/null || true
    done
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

# Free loopback ports: two consecutive (manager PUB, ROUTER), then one (HTTP).
free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
count = int(sys.argv[1])
for _ in range(200):
    first = socket.socket()
    first.bind(("127.0.0.1", 0))
    base = first.getsockname()[1]
    held = [first]
    try:
        for i in range(1, count):
            s = socket.socket()
            s.bind(("127.0.0.1", base + i))
            held.append(s)
    except OSError:
        continue
    finally:
        for s in held:
            s.close()
    print(base)
    sys.exit(0)
sys.exit(1)
EOF
}
pub_port=$(free_ports 2) || fail "no two free consecutive ports"
router_port=$((pub_port + 1))
http_port=$(free_ports 1) || fail "no free port"
[ "$http_port" != "$pub_port" ] && [ "$http_port" != "$router_port" ] || http_port=$(free_ports 1)
base=http://127.0.0.1:$http_port
address=127.0.0.1:$pub_port

names=("$tag-web-1" "$tag-web-2" "$tag-db-1")
for name in "${names[@]}"; do
    docker run -d --name "$name" --label "hms.test=$tag" hms/testbox:1 >/dev/null ||
        fail "cannot start container $name"
done

"$manager_bin" --label "hms.test=$tag" --pub "tcp://127.0.0.1:$pub_port" \
    --router "tcp://127.0.0.1:$router_port" --state-file "$work/manager.state" \
    --address web-test >"$work/manager.log" 2>&1 &
manager_pid=$!
"$controller_bin" --http-bind 127.0.0.1 --http-port "$http_port" --router "" \
    --state-file "$work/controller.state" --hosts "$address" >"$work/controller.log" 2>&1 &
controller_pid=$!
say "manager on $address, controller on $base, containers ${names[*]}"

# Until the host is online with the three containers active (60 s at most).
ready() {
    curl -sf --max-time 2 "$base/containers" | python3 -c '
import json, sys
want = set(sys.argv[2:])
hosts = [h for h in json.load(sys.stdin)["hosts"] if h["address"] == sys.argv[1]]
active = {c["name"] for h in hosts for c in h["containers"] if c["status"] == "active"}
sys.exit(0 if hosts and hosts[0]["status"] == "online" and want <= active else 1)
' "$address" "${names[@]}"
}
deadline=$((SECONDS + 60))
until ready 2>/dev/null; do
    kill -0 "$manager_pid" 2>/dev/null || fail "hms-manager exited"
    kill -0 "$controller_pid" 2>/dev/null || fail "hms-controller exited"
    [ "$SECONDS" -lt "$deadline" ] ||
        fail "the three containers are not active after 60 s: $(curl -s --max-time 2 "$base/containers" || true)"
    sleep 0.5
done
say "the three containers are active"

browse() {
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$(mktemp -d "$work/chromium.XXXXXX")" \
        --window-size=1280,900 --virtual-time-budget=5000 "$@" 2>>"$work/chromium.log"
}

mkdir -p "$(dirname "$shot")"
rm -f "$shot" "$docs_shot"
browse --screenshot="$shot" "$base/" >/dev/null || fail "chromium could not take the screenshot of /"
[ -f "$shot" ] || fail "no screenshot at $shot"
size=$(stat -c %s "$shot")
[ "$size" -gt 10240 ] || fail "the screenshot is only $size bytes: an empty page?"
say "screenshot of /: $shot ($size bytes)"

browse --dump-dom "$base/" >"$work/index.dom" || fail "chromium could not render /"
python3 - "$work/index.dom" "$address" "${names[@]}" <<'EOF' || fail "the live page does not show the state (DOM: $work/index.dom)"
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

curl -sf --max-time 5 "$base/openapi.json" >"$work/openapi.json" || fail "GET /openapi.json failed"
browse --dump-dom "$base/docs" >"$work/docs.dom" || fail "chromium could not render /docs"
python3 - "$work/openapi.json" "$work/docs.dom" <<'EOF' || fail "the API explorer does not list the operations (DOM: $work/docs.dom)"
import html, json, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
dom = open(sys.argv[2], encoding="utf-8").read()
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
paths = spec.get("paths") or {}
operations = sum(1 for item in paths.values() for m in item if m in methods)
if not paths or not operations:
    print("screenshot: /openapi.json has no operations", file=sys.stderr)
    sys.exit(1)
missing = [p for p in paths if f'class="op-path">{html.escape(p, quote=False)}<' not in dom]
shown = dom.count('<details class="op m-')
if missing or shown < operations:
    print(f"screenshot: /docs lacks {missing}; {shown} of {operations} operations shown",
          file=sys.stderr)
    sys.exit(1)
print(f"screenshot: /docs lists the {len(paths)} paths and {shown} operations",
      file=sys.stderr)
EOF
browse --screenshot="$docs_shot" "$base/docs" >/dev/null || fail "chromium could not take the screenshot of /docs"
say "screenshot of /docs: $docs_shot"

status=0
say "PASS"
