#!/usr/bin/env bash
# A per-host threshold (POST /containers/{address}) and an ignore (DELETE
# /containers/{address}/{container}) reach that host only: checked through
# the API, through hmsctl against every manager, and by behaviour (a killed
# ignored container stays down on its host, the same container elsewhere is
# healed).
. "$(dirname "$0")/lib.sh"

A2=$(address 2)
restore() {
    http PUT "/containers/$A2/web-2" >/dev/null 2>&1 || true
    http POST "/containers/$A2" '{"threshold": 50}' >/dev/null 2>&1 || true
}
trap restore EXIT

wait_until 20 "every host online with its containers active" at_rest
for i in 1 2 3; do
    [ "$(hfield "$i" "d['threshold']")" = 50 ] || fail "host $i: threshold is not 50 at start"
done

# Threshold of host 2 only.
body=$(expect_http 200 POST "/containers/$A2" '{"threshold": 30}')
[ "$(echo "$body" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["address"], float(d["threshold"]))')" = "$A2 30.0" ] ||
    fail "POST /containers/$A2 answered $body"
wait_until 5 "the API shows host 2's threshold 30" is_eq 30 hfield 2 "d['threshold']"
for i in 1 2 3; do
    want=50
    [ "$i" = 2 ] && want=30
    [ "$(hfield "$i" "d['threshold']")" = "$want" ] || fail "host $i: API threshold is not $want"
    got=$("$TB" hmsctl "$i" -t 2000 config | awk '$1 == "threshold" {print $3}')
    [ "$got" = "$want" ] || fail "host $i: hmsctl config says threshold $got, expected $want"
done

# Ignore web-2 on host 2 only.
expect_http 200 DELETE "/containers/$A2/web-2" >/dev/null
wait_until 5 "the API shows web-2 of host 2 ignored" is_eq ignored cfield 2 web-2 status
for i in 1 2 3; do
    want=active
    [ "$i" = 2 ] && want=ignored
    [ "$(cfield "$i" web-2 status)" = "$want" ] || fail "host $i: API web-2 is not $want"
    [ "$(mfield "$i" web-2 status)" = "$want" ] || fail "host $i: hmsctl status: web-2 is not $want"
    for other in web-1 db-1; do
        [ "$(mfield "$i" "$other" status)" = active ] || fail "host $i: $other is not active"
    done
done

# Behaviour: kill web-2 on hosts 1 and 2. Host 1 heals it; host 2 leaves it
# down. To know that host 2's manager has handled the kill, a marker: db-1
# of host 2, killed after web-2, whose heal comes after that.
s1=$(dstarted 1 web-2)
m2=$(dstarted 2 db-1)
"$TB" docker 1 kill web-2 >/dev/null
"$TB" docker 2 kill web-2 >/dev/null
"$TB" docker 2 kill db-1 >/dev/null
wait_until 10 "host 1: web-2 healed" running_again 1 web-2 "$s1"
wait_until 10 "host 2: db-1 (the marker) healed" running_again 2 db-1 "$m2"
[ "$(dstate 2 web-2)" = exited ] || fail "host 2: the ignored web-2 is $(dstate 2 web-2), not exited"
[ "$(cfield 2 web-2 status)" = ignored ] || fail "host 2: web-2 is no longer ignored"

# Watching it again (PUT) starts it, on host 2 only; the threshold goes back.
expect_http 200 PUT "/containers/$A2/web-2" >/dev/null
wait_until 10 "host 2: web-2 running and active again" \
    is_eq "active running" q "/containers/$A2/web-2" "f\"{d['status']} {d['state']}\""
expect_http 200 POST "/containers/$A2" '{"threshold": 50}' >/dev/null
wait_until 5 "every host at rest, threshold 50" \
    is_eq True q /containers "all(h['threshold'] == 50 for h in d['hosts'])"
trap - EXIT
say "ok"
