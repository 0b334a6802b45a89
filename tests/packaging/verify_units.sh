#!/usr/bin/env bash
# The example configuration files of packaging/systemd, and the ones the
# packages install (packaging/debian), are read by the daemons without an
# error, and the systemd units pass `systemd-analyze verify` with no
# message at all (verify exits 0 on unknown keys and bad values, it only
# warns: any output fails the test), with ExecStart pointing at this build's
# binaries (verify checks that they exist). Also prints the exposure score
# of `systemd-analyze security`. Fails without systemd-analyze (package
# systemd, installed by scripts/setup).
#
#   tests/packaging/verify_units.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v systemd-analyze >/dev/null; then
    echo "verify_units: systemd-analyze is not installed (package systemd: scripts/setup)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in hms-manager hms-controller; do
    sed -e "s|/usr/local/bin/hms-manager|$build/manager/hms-manager|" \
        -e "s|/usr/local/bin/hms-controller|$build/controller/hms-controller|" \
        "$src/packaging/systemd/$unit.service" >"$work/$unit.service"
done
status=0
for pair in manager:manager/hms-manager controller:controller/hms-controller; do
    for dir in systemd debian; do
        conf=packaging/$dir/${pair%%:*}.conf
        if out=$("$build/${pair#*:}" --config "$src/$conf" --help 2>&1 >/dev/null); then
            echo "verify_units: $conf: ok"
        else
            echo "verify_units: $conf: $out"
            status=1
        fi
    done
done
for unit in hms-manager hms-controller; do
    out=$(systemd-analyze verify "$work/$unit.service" 2>&1) || status=1
    if [ -n "$out" ]; then
        echo "verify_units: $unit.service:"
        echo "$out"
        status=1
    else
        echo "verify_units: $unit.service: ok"
    fi
    systemd-analyze security --offline=true "$work/$unit.service" 2>/dev/null |
        grep -i 'overall exposure' || true
done
exit $status
