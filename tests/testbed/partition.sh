#!/usr/bin/env bash
# Partition: host 2's link goes down. Its manager keeps healing locally (a
# container killed through that host's engine runs again); the controller
# marks host 2 offline within the miss count (3 heartbeats), the others stay
# online; when the link returns, host 2 is online again, showing the restart
# done during the partition, and no container was restarted that was not
# killed (no restart storm).
. "$(dirname "$0")/lib.sh"

A2=$(address 2)
trap '"$TB" link 2 up 2>/dev/null || true' EXIT

wait_until 20 "every host online with its containers active" at_rest
miss=$(q /config "d['miss_count']")
hb=$("$TB" hmsctl 2 config | awk '$1 == "heartbeat_ms" {print $3}')
# The managers' own counts: the truth the API must show again afterwards.
before=$(mgr_restarts)
[ "$(api_restarts)" = "$before" ] || fail "the API does not show the managers' counts before the partition"
r0=$(mfield 2 db-1 restarts --inside)

# 1. The link goes down: host 2 offline within miss_count heartbeats (plus
#    the controller's 100 ms tick and some slack), the others stay online.
t0=$(now_ms)
"$TB" link 2 down
limit=$(((miss * hb + 1500 + 999) / 1000))
wait_until "$limit" "host 2 offline after its link went down" is_eq offline hfield 2 "d['status']"
offline_ms=$(($(now_ms) - t0))
figure "partition: link down -> host offline (miss_count $miss x ${hb} ms)" "$offline_ms"
for i in 1 3; do
    [ "$(hfield "$i" "d['status']")" = online ] || fail "host $i went offline with host 2"
done
# The controller keeps the last containers it got from host 2.
[ "$(hfield 2 "len(d['containers'])")" = 3 ] || fail "host 2's containers vanished from the API"

# 2. During the partition, a container of host 2 dies: its manager heals it.
#    The manager's own view is read from inside host 2's namespace.
started=$("$TB" docker 2 inspect -f '{{.State.StartedAt}}' db-1)
t1=$(now_ms)
"$TB" docker 2 kill db-1 >/dev/null
wait_until 10 "host 2: db-1 running again during the partition" running_again 2 db-1 "$started"
read -r died restarted < <(dtimes 2 db-1)
figure "partition: heal on the partitioned host (docker kill issued -> running)" $((restarted - t1))
figure "partition: heal on the partitioned host (died -> running)" $((restarted - died))
wait_until 5 "host 2's manager counts the restart" is_eq "$((r0 + 1))" mfield 2 db-1 restarts --inside
[ "$(hfield 2 "d['status']")" = offline ] || fail "host 2 came online while its link is down"
"$TB" hmsctl 2 -t 300 ping >/dev/null 2>&1 && fail "host 2's manager answers across the partition"

# 3. The link returns: online again, with the current state.
t2=$(now_ms)
"$TB" link 2 up
wait_until 30 "host 2 online after its link returned" is_eq online hfield 2 "d['status']"
figure "partition: link up -> host online" $(($(now_ms) - t2))
wait_until 5 "the API shows host 2's db-1 restarted once, active" \
    is_eq "$((r0 + 1)) active" q "/containers/$A2/db-1" "f\"{d['restarts']} {d['status']}\""
figure "partition: link up -> current state through the API" $(($(now_ms) - t2))

# 4. No restart storm: only db-1 of host 2 was restarted, once, by the
#    managers' own counts, and the API shows just that; still so after three
#    more messages of every manager (each published from its loop, which
#    would have restarted anything it meant to).
expected=$(echo "$before" | while read -r a n r; do
    [ "$a $n" = "$A2 db-1" ] && r=$((r + 1))
    echo "$a $n $r"
done)
[ "$(mgr_restarts)" = "$expected" ] || fail "restart counts: $(mgr_restarts | tr '\n' ' '), expected $(echo $expected)"
[ "$(api_restarts)" = "$expected" ] || fail "the API shows $(api_restarts | tr '\n' ' '), expected $(echo $expected)"
watches=()
for i in $(seq 1 "${#HOSTS[@]}"); do
    "$TB" hmsctl "$i" --inside watch --count 3 >/dev/null &
    watches+=($!)
done
for pid in "${watches[@]}"; do wait "$pid" || fail "a manager publishes nothing"; done
[ "$(mgr_restarts)" = "$expected" ] || fail "restarts after the partition: $(mgr_restarts | tr '\n' ' ')"
[ "$(api_restarts)" = "$expected" ] || fail "the API after the partition: $(api_restarts | tr '\n' ' ')"
wait_until 5 "every host online with its containers active" at_rest
trap - EXIT
say "ok"
