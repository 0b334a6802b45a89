#!/usr/bin/env bash
# Fixture "testbed": removes any testbed left over, then brings up three
# hosts and a controller (REST on 127.0.0.1, a port it picks) from BUILD_DIR.
#
#   tests/testbed/setup.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TB=$(cd "$(dirname "$0")/../.." && pwd)/scripts/testbed

"$TB" down
# The controller picks its ports (REST and ROUTER) and says which.
"$TB" up 3 --build "$BUILD" --controller 0
# At rest: every host online with its three containers active.
. "$(dirname "$0")/lib.sh" "$BUILD"
wait_until 20 "every host online with its containers active" at_rest
say "testbed up; controller $URL"
