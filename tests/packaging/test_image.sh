#!/usr/bin/env bash
# The manager's image heals a killed container: builds the image from
# BUILD_DIR's packages (scripts/image, under a tag of this run), makes the
# manager's key pair with the image's hmsctl, runs it as docs/DEPLOY.md
# says (host network and pid namespace, CAP_NET_RAW and CAP_SYS_PTRACE
# only, a read-only root, the Docker socket, the cgroup tree read-only, its
# keys and allow-list) on loopback ports it picks, watching only this run's
# containers (label hms.test=TAG), and talks CURVE to it with a key it
# allows. Starts a container of hms/testbox:1 (no restart policy), waits
# until the manager follows it and reads its cgroup metrics, kills it, and
# waits until it runs again with the manager's table counting one restart.
# Every wait polls a condition until a deadline. The containers, the image
# and the work directory are removed on exit, and the leftovers of a run
# that was killed at the next start. Needs root, Docker and hms/testbox:1
# (scripts/setup).
#
#   tests/packaging/test_image.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)

say() { printf 'test_image: %s\n' "$*"; }
fail() {
    say "FAIL: $*"
    exit 1
}

command -v docker >/dev/null || fail "docker is not installed (scripts/setup)"
timeout 10 docker info >/dev/null 2>&1 || fail "no Docker engine answers (scripts/setup starts one)"
docker image inspect hms/testbox:1 >/dev/null 2>&1 || fail "no image hms/testbox:1 (scripts/setup)"
hmsctl=$build/controller/hmsctl
[ -x "$hmsctl" ] || fail "$hmsctl is not built"

# Leftovers of killed runs (their process is gone): containers, images of
# this test (tag test-PID-...), work directories.
alive() { [ "$1" -gt 0 ] && kill -0 "$1" 2>/dev/null; }
for id in $(docker ps -aq --filter label=hms.test.owner=test_image); do
    pid=$(docker inspect -f '{{index .Config.Labels "hms.test.pid"}}' "$id" 2>/dev/null || echo 0)
    alive "${pid:-0}" || docker rm -f "$id" >/dev/null 2>&1 || true
done
for old in $(docker image ls hms/manager --format '{{.Tag}}' | grep '^test-[0-9]*-' || true); do
    pid=${old#test-}
    alive "${pid%%-*}" || docker rmi "hms/manager:$old" >/dev/null 2>&1 || true
done
for old in /var/tmp/hms-test-image.*; do
    [ -d "$old" ] || continue
    alive "$(cat "$old/pid" 2>/dev/null || echo 0)" || rm -rf "$old"
done

tag=hms-img-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
image=hms/manager:test-$$-${tag##*-}
work=$(mktemp -d /var/tmp/hms-test-image.XXXXXX)
echo $$ >"$work/pid"
manager=$tag-manager
box=$tag-box
cleanup() {
    local status=$?
    if [ "$status" -ne 0 ] && docker inspect "$manager" >/dev/null 2>&1; then
        say "the manager's log:"
        docker logs --tail 40 "$manager" 2>&1 | sed 's/^/  /'
    fi
    docker rm -f "$manager" "$box" >/dev/null 2>&1 || true
    docker rmi "$image" >/dev/null 2>&1 || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# wait_until SECONDS WHAT COMMAND...: runs COMMAND every 50 ms until it
# succeeds; fails the test after SECONDS, or as soon as the manager stops.
wait_until() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ "$(docker inspect -f '{{.State.Running}}' "$manager" 2>/dev/null)" = true ] ||
            fail "the manager's container stopped while waiting for $what"
        [ "$SECONDS" -lt "$deadline" ] || fail "no $what within $limit s"
        sleep 0.05
    done
}

# 1. The image, from this build's packages.
t0=$SECONDS
"$src/scripts/image" --tag "$image" "$build" >/dev/null 2>"$work/image.log" ||
    { cat "$work/image.log"; fail "scripts/image failed"; }
size=$(docker image inspect -f '{{.Size}}' "$image")
say "image $image: $((size / 1000)) kB ($((SECONDS - t0)) s)"

# 2. Keys: the manager's made by the image's hmsctl, as docs/DEPLOY.md
# says; the test's own, allowed.
install -d -m 0700 "$work/keys"
install -d -m 0755 "$work/allow" "$work/run"
labels=(--label hms.test.owner=test_image --label "hms.test.pid=$$")
docker run --rm "${labels[@]}" -v "$work/keys:/etc/hms/keys" --entrypoint hmsctl "$image" \
    keygen /etc/hms/keys/manager >/dev/null || fail "hmsctl keygen in the image failed"
[ "$(stat -c '%U %a' "$work/keys/manager_secret")" = "root 600" ] ||
    fail "the image's keygen wrote $(stat -c '%U %a' "$work/keys/manager_secret")"
"$hmsctl" keygen "$work/admin" >/dev/null
cp "$work/admin" "$work/allow/admin"

# 3. The manager, as deployed, on loopback ports it picks.
docker run -d --name "$manager" "${labels[@]}" --label "hms.test.image=$tag" \
    --network host --pid host --cap-drop ALL --cap-add NET_RAW --cap-add SYS_PTRACE \
    --read-only --security-opt no-new-privileges \
    -v /var/run/docker.sock:/var/run/docker.sock -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
    -v "$work/keys:/etc/hms/keys:ro" -v "$work/allow:/etc/hms/allow:ro" -v "$work/run:/run/hms-test" \
    "$image" --config /etc/hms/manager.conf \
    --curve-secret /etc/hms/keys/manager_secret --curve-allow /etc/hms/allow \
    --pub 'tcp://127.0.0.1:*' --label "hms.test=$tag" --state-file '' \
    --ready-file /run/hms-test/ready --log-level info >/dev/null
wait_until 20 "ready file" test -s "$work/run/ready"
port=$(sed -n 's|^pub=tcp://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/run/ready")
[ -n "$port" ] || fail "no loopback PUB endpoint in the ready file: $(cat "$work/run/ready")"
say "manager up: PUB 127.0.0.1:$port, CURVE"

# ctl COMMAND...: hmsctl to the manager, with the test's key.
ctl() { "$hmsctl" -k "$work/admin_secret" -K "$work/keys/manager" -H "127.0.0.1:$port" "$@"; }
# field NAME COLUMN: a column of the container NAME in `hmsctl status`
# (NAME ID STATUS LOSS RTT IP IMAGE RESTARTS), "" when it is not listed.
field() {
    ctl status 2>/dev/null | awk -v n="$1" -v c="$2" '$1 == n {print $c}'
}
followed() { [ "$(field "$box" 3)" = active ] && [ "$(field "$box" 8)" = "$1" ]; }
# The container's tasks, from its cgroup (`hmsctl top`: ... PIDS LOSS RTT,
# RTT "-" or "0.05 ms").
measured() {
    ctl top 2>/dev/null | awk -v n="$box" '$1 == n {
            pids = $NF == "ms" ? $(NF - 3) : $(NF - 2)
            if (pids ~ /^[0-9]+$/ && pids > 0) found = 1
        } END {exit !found}'
}

# 4. A container to heal; no restart policy: only the manager starts it.
docker run -d --name "$box" "${labels[@]}" --label "hms.test=$tag" hms/testbox:1 >/dev/null
wait_until 30 "$box followed" followed 0
wait_until 30 "metrics of $box (its cgroup)" measured
say "$box followed and measured"

# 5. Killed, and healed by the manager.
before=$(docker inspect -f '{{.State.StartedAt}}' "$box")
docker kill "$box" >/dev/null
t0=$(date +%s%N)
running_again() {
    local state
    state=$(docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' "$box")
    [ "${state%% *}" = true ] && [ "${state#* }" != "$before" ]
}
wait_until 30 "$box running again" running_again
t1=$(date +%s%N)
wait_until 30 "one restart of $box in the manager's table" followed 1
docker logs "$manager" 2>&1 | grep -q "healed $(docker inspect -f '{{.Id}}' "$box" | cut -c1-12): start" ||
    fail "the manager's log does not say it healed $box"
say "$box killed, running again after $(((t1 - t0) / 1000000)) ms, restarted by the manager (RESTARTS 1)"
say "ok"
