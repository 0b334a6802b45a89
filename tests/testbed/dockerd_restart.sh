#!/usr/bin/env bash
# Host 1's dockerd is restarted; its manager reconnects to the new engine
# (events and commands) and heals a container killed afterwards.
#
#   dockerd_restart.sh BUILD_DIR [live|stop]
#
# live (default): the engine runs with live-restore, as the testbed's
#   engines do: the containers keep running across the restart.
# stop: live-restore off, Docker's default: the engine stops the containers
#   on its way down and the manager must start every one of them again
#   (on the next engine: docs/DEPLOY.md, "live-restore").
. "$(dirname "$0")/lib.sh"
mode=${2:-live}

trap '"$TB" dockerd 1 live-restore on >/dev/null 2>&1 || true' EXIT
wait_until 20 "every host online with its containers active" at_rest
declare -A started
for c in web-1 web-2 db-1; do started[$c]=$(dstarted 1 "$c"); done
r0=$(cfield 1 db-1 restarts)

if [ "$mode" = stop ]; then
    "$TB" dockerd 1 live-restore off
    wait_until 5 "host 1's engine without live-restore" is_eq false \
        "$TB" docker 1 info -f '{{.LiveRestoreEnabled}}'
fi
t0=$(now_ms)
"$TB" dockerd 1 restart
figure "dockerd restart ($mode: stop + start, answering)" $(($(now_ms) - t0))
if [ "$mode" = stop ]; then
    # Stopped by the engine: the manager starts each of them again.
    for c in web-1 web-2 db-1; do
        wait_until 20 "host 1: $c running again after the engine restart" running_again 1 "$c" "${started[$c]}"
    done
    figure "dockerd restart (stop) -> every container running again" $(($(now_ms) - t0))
else
    # live-restore: nothing stopped.
    for c in web-1 web-2 db-1; do
        [ "$(dstarted 1 "$c")" = "${started[$c]}" ] || fail "host 1: $c was restarted with live-restore on"
    done
fi
wait_until 10 "the API shows host 1 at rest" \
    is_eq '["active", "active", "active"]' hfield 1 "[c['status'] for c in d['containers']]"

# The manager follows the new engine's events: a kill is healed at once (the
# full listing every 10 s would also find it, but later: died -> running
# must be well under that).
r1=$(cfield 1 db-1 restarts)
db_started=$(dstarted 1 db-1)
"$TB" docker 1 kill db-1 >/dev/null
wait_until 10 "host 1: db-1 healed after the engine restart" running_again 1 db-1 "$db_started"
read -r died restarted < <(dtimes 1 db-1)
figure "heal after dockerd restart (died -> running)" $((restarted - died))
[ $((restarted - died)) -lt 5000 ] ||
    fail "db-1 healed $((restarted - died)) ms after it died: not from the events stream"
wait_until 5 "the API shows db-1 of host 1 restarted once more" \
    is_eq "$((r1 + 1)) active" q "/containers/$(address 1)/db-1" "f\"{d['restarts']} {d['status']}\""
[ "$mode" = stop ] || [ "$r1" = "$r0" ] || fail "db-1's restart count moved across a live-restore restart"
say "ok"
