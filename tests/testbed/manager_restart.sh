#!/usr/bin/env bash
# A manager is SIGKILLed and started again on host 3: the controller sees a
# new instance (manager.restarts + 1, a new started_ms), lists host 3 once,
# online, with its containers; the new manager heals.
. "$(dirname "$0")/lib.sh"

A3=$(address 3)
trap '"$TB" manager 3 start >/dev/null 2>&1 || true' EXIT

wait_until 20 "every host online with its containers active" at_rest
read -r restarts0 started0 < <(hfield 3 "f\"{d['manager']['restarts']} {d['manager']['started_ms']}\"")
t0=$(now_ms)
"$TB" manager 3 kill
"$TB" manager 3 start
wait_until 10 "the controller sees host 3's new manager" \
    is_eq "$((restarts0 + 1)) online" hfield 3 "f\"{d['manager']['restarts']} {d['status']}\""
figure "manager SIGKILL + start -> new instance seen by the controller" $(($(now_ms) - t0))
[ "$(hfield 3 "d['manager']['started_ms'] > $started0")" = True ] || fail "started_ms did not move"

# One entry per host, in the API and in the controller's own list (hmsctl).
[ "$(q /containers "len(d['hosts'])")" = 3 ] || fail "GET /containers has not 3 hosts"
[ "$(q /containers "len(set(h['address'] for h in d['hosts']))")" = 3 ] || fail "duplicate hosts in the API"
listed=$("$TB" hmsctl controller hosts | awk 'NR > 1 {print $1}' | sort)
[ "$listed" = "$(printf '%s\n' "${HOSTS[@]}" | sort)" ] || fail "hmsctl hosts lists: $listed"
[ "$(q /healthz "f\"{d['hosts']} {d['online']}\"")" = "3 3" ] || fail "healthz: $(q /healthz d)"

# The new manager's table reaches the API and it heals.
wait_until 5 "host 3's containers listed and active" \
    is_eq '["active", "active", "active"]' hfield 3 "[c['status'] for c in d['containers']]"
started=$(dstarted 3 db-1)
"$TB" docker 3 kill db-1 >/dev/null
wait_until 10 "host 3: db-1 healed by the new manager" running_again 3 db-1 "$started"
wait_until 5 "the API shows db-1 of host 3 restarted by the new manager" \
    is_eq "1 active" q "/containers/$A3/db-1" "f\"{d['restarts']} {d['status']}\""
trap - EXIT
say "ok"
