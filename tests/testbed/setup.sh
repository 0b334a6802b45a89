#!/usr/bin/env bash
# Fixture "testbed": removes any testbed left over, then brings up three
# hosts and a controller (REST on 127.0.0.1, a free port) from BUILD_DIR.
#
#   tests/testbed/setup.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TB=$(cd "$(dirname "$0")/../.." && pwd)/scripts/testbed

"$TB" down
# A port for the REST API whose successor (the controller's ROUTER) is free too.
port=""
for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if ! ss -Htln | awk '{print $4}' | grep -qE "[:.]($p|$((p + 1)))\$"; then
        port=$p
        break
    fi
done
[ -n "$port" ] || { echo "setup: no free port" >&2; exit 1; }
"$TB" up 3 --build "$BUILD" --controller "$port"
# At rest: every host online with its three containers active.
. "$(dirname "$0")/lib.sh" "$BUILD"
wait_until 20 "every host online with its containers active" at_rest
say "testbed up; controller $URL"
