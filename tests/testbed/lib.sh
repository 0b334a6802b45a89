# shellcheck shell=bash
# What the testbed tests share (sourced). Each test is a bash script run by
# CTest with the build directory as its first argument; the testbed (three
# hosts and a controller) is brought up by setup.sh and torn down by
# cleanup.sh (CTest fixture "testbed").
#
# Waiting is always for a condition with a deadline (wait_until); a fixed
# wait appears only where a test asserts that something does NOT happen.
set -euo pipefail

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TB=$SRC/scripts/testbed
TEST=$(basename "$0" .sh)

# Debian's python3 (a pyenv shim in PATH may take most of a second to start).
PY=$(command -v /usr/bin/python3 || command -v python3)

say() { printf '%s: %s\n' "$TEST" "$*"; }

# The end of the daemons' logs, to see why a test failed.
show_logs() {
    local f
    for f in /var/log/hms-testbed/controller.log /var/log/hms-testbed/manager-*.log; do
        [ -f "$f" ] || continue
        echo "--- last lines of $f"
        tail -n 15 "$f"
    done
}

# Fails the test (from a command substitution too: the message goes to
# stderr, and the caller's assignment fails under set -e).
fail() {
    {
        say "FAIL: $*"
        "$TB" status 2>&1 || true
        show_logs
    } >&2
    exit 1
}

# Milliseconds on a monotonic-enough clock (wall clock, ms).
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS WHAT COMMAND...: runs COMMAND (quietly) every 50 ms until
# it succeeds; fails the test with WHAT when SECONDS pass first.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + seconds * 1000))
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -lt "$deadline" ] || fail "not within ${seconds} s: $what"
        sleep 0.05
    done
}

# The controller's base URL and the addresses of the hosts.
URL=$("$TB" url) || fail "no testbed controller (the fixture test testbed_setup brings it up)"
mapfile -t HOSTS < <("$TB" hosts)
[ "${#HOSTS[@]}" -ge 3 ] || fail "the testbed has ${#HOSTS[@]} hosts, the tests need 3"
address() { echo "${HOSTS[$(($1 - 1))]}"; }

# http METHOD PATH [JSON]: prints the body, then the status on a line of its own.
http() {
    local args=(-s -m 10 -X "$1" -w '\n%{http_code}')
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' -d "$3")
    curl "${args[@]}" "$URL$2"
}
# expect_http STATUS METHOD PATH [JSON]: the request answers STATUS; prints the body.
expect_http() {
    local want=$1 out code
    shift
    out=$(http "$@") || fail "$1 $2: no answer"
    code=${out##*$'\n'}
    [ "$code" = "$want" ] || fail "$1 $2 ${3:-}: HTTP $code, expected $want: ${out%$'\n'*}"
    printf '%s\n' "${out%$'\n'*}"
}

# q PATH EXPR: GET PATH from the controller, then prints the Python
# expression EXPR evaluated with d the decoded JSON (JSON text for lists and
# dicts, else str(); a whole float as an integer). Fails (status 1) when the request fails.
q() {
    "$PY" - "$URL$1" "$2" <<'PY'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        d = json.load(r)
except Exception as e:
    sys.exit(f"GET {sys.argv[1]}: {e}")
v = eval(sys.argv[2], {"d": d, "len": len, "sorted": sorted, "set": set, "all": all, "any": any})
if isinstance(v, float) and v.is_integer():
    v = int(v)  # 30.0 and 30 are one threshold
print(json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v)
PY
}
# A container of a host through the API: cfield I NAME FIELD.
cfield() { q "/containers/$(address "$1")/$2" "d['$3']"; }
# A host through the API: hfield I EXPR (d is the host).
hfield() { q "/containers/$(address "$1")" "$2"; }
# Restart counts of every container of every host through the API, one
# "address name restarts" a line, sorted.
api_restarts() {
    q /containers "[f\"{h['address']} {c['name']} {c['restarts']}\" for h in d['hosts'] for c in h['containers']]" |
        "$PY" -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin))))'
}

# Restart counts as the managers themselves count them (hmsctl from inside
# each host's namespace: works across a partition), in the form of
# api_restarts.
mgr_restarts() {
    local i
    for i in $(seq 1 "${#HOSTS[@]}"); do
        mstatus "$i" --inside | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for c in d["content"]:
    print(d["address"], c["name"], c["restarts"])'
    done | sort
}

# The manager's own view (hmsctl against it): mfield I NAME FIELD. From the
# root namespace, or from inside the host's namespace with --inside.
mstatus() {
    local i=$1
    if [ "${2:-}" = --inside ]; then
        "$TB" hmsctl "$i" --inside -t 1000 --json status
    else
        "$TB" hmsctl "$i" -t 1000 --json status
    fi
}
mfield() {
    local i=$1 name=$2 field=$3
    shift 3
    mstatus "$i" "$@" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
name, field = sys.argv[1], sys.argv[2]
if field == "threshold":
    print(d["threshold"]); sys.exit()
for c in d["content"]:
    if c["name"] == name:
        print(c[field]); sys.exit()
sys.exit(f"no container {name}")' "$name" "$field"
}

# The host engine's view of a container.
dstate() { "$TB" docker "$1" inspect -f '{{.State.Status}}' "$2"; }
dstarted() { "$TB" docker "$1" inspect -f '{{.State.StartedAt}}' "$2"; }

# Conditions for wait_until.
is_eq() { [ "$("${@:2}")" = "$1" ]; } # is_eq VALUE COMMAND...: COMMAND prints VALUE
is_ne() { [ "$("${@:2}")" != "$1" ]; }
# Docker's times of a container's last stop and start, Unix ms: "FINISHED STARTED".
dtimes() {
    "$TB" docker "$1" inspect -f '{{.State.FinishedAt}} {{.State.StartedAt}}' "$2" | "$PY" -c '
import sys, datetime
def ms(t):
    t = t.rstrip("Z")
    base, _, frac = t.partition(".")
    d = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000) + int((frac + "000")[:3])
print(*(ms(t) for t in sys.stdin.read().split()))'
}
running_again() { [ "$(dstate "$1" "$2")" = running ] && [ "$(dstarted "$1" "$2")" != "$3" ]; }

# Every host online and every container active (the testbed at rest).
at_rest() {
    [ "$(q /containers "all(h['status'] == 'online' and len(h['containers']) == 3 and all(c['status'] == 'active' and c['state'] == 'running' for c in h['containers']) for h in d['hosts']) and len(d['hosts']) == ${#HOSTS[@]}")" = True ]
}

# A figure for bench/results/testbed.md.
figure() { printf 'FIGURE %s: %s ms\n' "$1" "$2"; }
