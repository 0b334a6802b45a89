#!/usr/bin/env bash
# DELETE /containers/{address} stops all traffic to that host: no TCP
# connection from the controller to it remains, no packet crosses its link,
# it is gone from GET /containers, /containers/{address} (404) and /stats.
# PUT /containers/{address} follows it again: online, its containers listed.
. "$(dirname "$0")/lib.sh"

A3=$(address 3)
# Host 3 is added back with its manager's public key (CURVE).
KEY3=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$("$TB" keys)/host-3")
BODY3="{\"public_key\": \"$KEY3\"}"
trap 'http PUT "/containers/'"$A3"'" "$BODY3" >/dev/null 2>&1 || true' EXIT
wait_until 20 "every host online with its containers active" at_rest
ctl=$(cat /run/hms-testbed/controller.pid)
# Connections of the controller to host 3 other than TIME-WAIT (closed).
connections() { ss -tnpH state all exclude time-wait dst "$A3" | grep -c "pid=$ctl," || true; }
packets() { cat /sys/class/net/hms-tbv-3/statistics/{rx,tx}_packets | tr '\n' ' '; }
[ "$(connections)" -ge 2 ] || fail "the controller has no connections to $A3 (PUB and ROUTER)"
[ "$(q /stats "[h['address'] for h in d['hosts']].count('$A3')")" = 1 ] || fail "$A3 not in /stats"

expect_http 204 DELETE "/containers/$A3" >/dev/null
wait_until 5 "no connection from the controller to $A3" is_eq 0 connections
[ "$(q /containers "'$A3' in [h['address'] for h in d['hosts']]")" = False ] || fail "$A3 still in GET /containers"
[ "$(q /stats "'$A3' in [h['address'] for h in d['hosts']]")" = False ] || fail "$A3 still in GET /stats"
[ "$(q /stats "d['total']['bytes_in'] == sum(h['bytes_in'] for h in d['hosts'])")" = True ] ||
    fail "/stats totals are not the sum of the hosts"
expect_http 404 GET "/containers/$A3" >/dev/null
expect_http 404 GET "/containers/$A3/web-1" >/dev/null
[ "$(q /healthz "d['hosts']")" = 2 ] || fail "healthz counts $(q /healthz "d['hosts']") hosts"
# Not a packet on host 3's link while its manager publishes heartbeats
# (watched from inside its namespace): a follower left would receive each.
quiet_for() {
    local p0
    p0=$(packets)
    "$TB" hmsctl 3 --inside watch --count "$1" >/dev/null || return 1
    [ "$(packets)" = "$p0" ]
}
wait_until 5 "host 3's link quiet over a heartbeat (the last FIN/ACK exchanged)" quiet_for 1
quiet_for 3 || fail "packets crossed host 3's link after its removal"
# The others are untouched.
for i in 1 2; do
    [ "$(hfield "$i" "d['status']")" = online ] || fail "host $i is not online"
done
# Its manager goes on healing on its own.
started=$(dstarted 3 web-2)
"$TB" docker 3 kill web-2 >/dev/null
wait_until 10 "host 3 heals while not followed" running_again 3 web-2 "$started"

# Added back: online with its containers, in /stats, connected again.
t0=$(now_ms)
# Without its key: refused (plaintext beyond loopback), nothing followed.
expect_http 400 PUT "/containers/$A3" >/dev/null
expect_http 404 GET "/containers/$A3" >/dev/null
expect_http 201 PUT "/containers/$A3" "$BODY3" >/dev/null
wait_until 10 "$A3 online again with its containers active" \
    is_eq 'online ["active", "active", "active"]' hfield 3 "d['status'] + ' ' + __import__('json').dumps([c['status'] for c in d['containers']])"
figure "PUT /containers/{address} -> online with its containers" $(($(now_ms) - t0))
[ "$(q /stats "'$A3' in [h['address'] for h in d['hosts']]")" = True ] || fail "$A3 not back in /stats"
[ "$(connections)" -ge 2 ] || fail "the controller is not connected to $A3 again"
expect_http 409 PUT "/containers/$A3" "$BODY3" >/dev/null
[ "$(q /containers "len(d['hosts'])")" = 3 ] || fail "not 3 hosts after adding $A3 back"
trap - EXIT
say "ok"
