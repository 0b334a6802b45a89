#!/usr/bin/env bash
# The controller lists every host and its containers; a `docker kill` on any
# host is healed by that host's manager and visible through the API.
. "$(dirname "$0")/lib.sh"

wait_until 20 "every host online with its containers active" at_rest
# Every host, as added, with the three containers.
[ "$(q /containers "sorted(h['address'] for h in d['hosts'])")" = \
    "$(printf '%s\n' "${HOSTS[@]}" | "$PY" -c 'import json,sys; print(json.dumps(sorted(sys.stdin.read().split())))')" ] ||
    fail "GET /containers does not list exactly the testbed hosts"
for i in 1 2 3; do
    names=$(hfield "$i" "sorted(c['name'] for c in d['containers'])")
    [ "$names" = '["db-1", "web-1", "web-2"]' ] || fail "host $i lists $names"
    # The ids are the host engine's.
    id=$("$TB" docker "$i" inspect -f '{{.Id}}' web-2)
    [ "$(cfield "$i" web-2 id)" = "$id" ] || fail "host $i: web-2 has another id through the API"
done

before=$(mgr_restarts)
[ "$(api_restarts)" = "$before" ] || fail "the API does not show the managers' restart counts"
for i in 1 2 3; do
    r0=$(mfield "$i" web-1 restarts)
    started=$(dstarted "$i" web-1)
    t0=$(now_ms)
    "$TB" docker "$i" kill web-1 >/dev/null
    wait_until 10 "host $i: web-1 running again after docker kill" running_again "$i" web-1 "$started"
    read -r died restarted < <(dtimes "$i" web-1)
    figure "heal host $i: docker kill issued -> running (engine's StartedAt)" $((restarted - t0))
    figure "heal host $i: died -> running (engine's FinishedAt -> StartedAt)" $((restarted - died))
    wait_until 5 "host $i: the API shows web-1 restarted once, active" \
        is_eq "$((r0 + 1)) active running" q "/containers/$(address "$i")/web-1" \
        "f\"{d['restarts']} {d['status']} {d['state']}\""
done
# Only the killed containers were restarted, once each.
expected=$(echo "$before" | while read -r a n r; do
    [ "$n" = web-1 ] && r=$((r + 1))
    echo "$a $n $r"
done)
[ "$(mgr_restarts)" = "$expected" ] || fail "restart counts: $(mgr_restarts | tr '\n' ' '), expected $(echo $expected)"
[ "$(api_restarts)" = "$expected" ] || fail "the API shows $(api_restarts | tr '\n' ' '), expected $(echo $expected)"
say "ok"
