#!/usr/bin/env bash
# After a partition, a host's heartbeats (PUB) come back before its command
# channel (ROUTER) does: host 2's namespace refuses TCP to 7602 when its link
# returns, and accepts it again a second after the controller saw host 2
# online. The controller must still fetch host 2's table once it can, and
# show the restart done during the partition (the give_content it could not
# send at first is not forgotten).
. "$(dirname "$0")/lib.sh"

A2=$(address 2)
ns=/var/run/netns/hms-tb-2
rule=(INPUT -p tcp --dport 7602 -j REJECT --reject-with tcp-reset -m comment --comment hms-tb-late)
cleanup() {
    nsenter --net="$ns" iptables -D "${rule[@]}" 2>/dev/null || true
    "$TB" link 2 up 2>/dev/null || true
}
trap cleanup EXIT

wait_until 20 "every host online with its containers active" at_rest
r0=$(mfield 2 web-1 restarts)
ctl=$(cat /run/hms-testbed/controller.pid)
router_up() { ss -tnpH state established dst "$A2" dport = 7602 | grep -q "pid=$ctl,"; }

"$TB" link 2 down
wait_until 6 "host 2 offline" is_eq offline hfield 2 "d['status']"
# The controller's DEALER drops its connection (ZMTP heartbeat timeout).
wait_until 10 "the controller's command connection to host 2 dropped" eval '! router_up'
started=$(dstarted 2 web-1)
"$TB" docker 2 kill web-1 >/dev/null
wait_until 10 "host 2: web-1 healed during the partition" running_again 2 web-1 "$started"
wait_until 5 "host 2's manager counts the restart" is_eq "$((r0 + 1))" mfield 2 web-1 restarts --inside

# The link returns, the command port refuses connections for a while.
nsenter --net="$ns" iptables -I "${rule[@]}"
"$TB" link 2 up
unsent() { q /stats "[h['unsent'] for h in d['hosts'] if h['address'] == '$A2'][0]"; }
u0=$(unsent)
wait_until 30 "host 2 online again (heartbeats)" is_eq online hfield 2 "d['status']"
# Its give_content finds no connection, and is kept to be sent again.
wait_until 10 "a give_content to host 2 found no connection" eval '[ "$(unsent)" -gt "$u0" ]'
router_up && fail "the command connection is up although port 7602 refuses"
nsenter --net="$ns" iptables -D "${rule[@]}"
wait_until 10 "the controller's command connection to host 2 is back" router_up
t1=$(now_ms)
wait_until 5 "the API shows host 2's web-1 restarted during the partition" \
    is_eq "$((r0 + 1))" cfield 2 web-1 restarts
figure "command channel back -> current state through the API" $(($(now_ms) - t1))
wait_until 5 "every host online with its containers active" at_rest
trap - EXIT
say "ok"
