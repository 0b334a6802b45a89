#!/usr/bin/env bash
# The Debian packages, in a fresh Debian root: builds them from BUILD_DIR
# (scripts/package, which fails on any lintian error or warning),
# debootstraps a minimal root of this host's release from the archive this
# host uses, installs the four packages there with their dependencies (apt),
# and checks that
#   - the installed programs run: hms-manager --version, hms-controller
#     --help, hmsctl --version, hms-antagonist --version, and the daemons
#     read the installed /etc/hms/*.conf;
#   - the conffiles are marked as such and the units are enabled;
#   - installation made the key pairs and the token, root's, with the modes
#     docs/DEPLOY.md states, and a reinstallation keeps them;
#   - removal leaves the configuration and the keys, and purge leaves
#     nothing of HMS in the root.
# The root (a directory under /var/tmp) is removed on exit, and the
# leftovers of a run that was killed are removed at the next start. Needs
# root, debootstrap, lintian, help2man, dpkg-dev (scripts/setup).
#
#   tests/packaging/test_debs.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)

say() { printf 'test_debs: %s\n' "$*"; }
fail() {
    say "FAIL: $*"
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, chroot)"
for tool in debootstrap lintian help2man dpkg-shlibdeps chroot mountpoint; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup installs it)"
done

# Leftovers of killed runs: their process is gone.
for old in /var/tmp/hms-test-debs.*; do
    [ -d "$old" ] || continue
    pid=$(cat "$old/pid" 2>/dev/null || echo 0)
    if [ "$pid" -gt 0 ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    ! mountpoint -q "$old/root/proc" || umount "$old/root/proc"
    rm -rf --one-file-system "$old"
done

work=$(mktemp -d /var/tmp/hms-test-debs.XXXXXX)
echo $$ >"$work/pid"
root=$work/root
cleanup() {
    if mountpoint -q "$root/proc"; then umount "$root/proc" || umount -l "$root/proc"; fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# in_root COMMAND...: runs a command in the root with a clean environment.
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
        DEBIAN_FRONTEND=noninteractive "$@"
}

# The archive of this host's release, as its apt sources name it (deb822
# .sources files or one-line sources.list entries).
# shellcheck disable=SC1091
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
mirror=$(
    for f in /etc/apt/sources.list.d/*.sources; do
        [ ! -f "$f" ] || { cat "$f" && echo; }
    done | awk -v suite="$codename" '
        /^[[:space:]]*$/ { if (deb && has && uri != "") { print uri; exit } deb = has = 0; uri = ""; next }
        tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
        tolower($1) == "uris:" { uri = $2 }
        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }' ||
        true
)
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk -v suite="$codename" '$1 == "deb" {
            n = 2; if ($2 ~ /^\[/) while (n <= NF && $n !~ /\]$/) n++
            if ($2 ~ /^\[/) n++
            if ($(n + 1) == suite) { print $n; exit } }' || true)
fi
[ -n "$mirror" ] || fail "no apt source of $codename on this host"

# 1. The packages, lintian-clean.
t0=$SECONDS
"$src/scripts/package" --output "$work/debs" "$build" >"$work/debs.list" ||
    fail "scripts/package failed"
mapfile -t debs <"$work/debs.list"
say "packages: $(cd "$work/debs" && echo hms-*.deb) ($((SECONDS - t0)) s, lintian clean)"

# 2. A fresh root.
t0=$SECONDS
if ! debootstrap --variant=minbase "$codename" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log"
    fail "debootstrap $codename from $mirror failed"
fi
say "debootstrap --variant=minbase $codename $mirror: $((SECONDS - t0)) s"
# Before anything of HMS: paths named after it (none expected).
find "$root" -xdev -name '*hms*' | sort >"$work/before"

# 3. Installation, with the dependencies from the archive. dpkg's scripts
# read /proc.
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
t0=$SECONDS
in_root apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update"; }
install='apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends /tmp/debs/*.deb'
if ! in_root sh -c "$install" >"$work/install.log" 2>&1; then
    tail -n 30 "$work/install.log"
    fail "apt-get install of the packages"
fi
say "installed with their dependencies: $((SECONDS - t0)) s"
grep '^hms-' "$work/install.log" | sed 's/^/  postinst: /' || true

# 4. The installed programs run.
version=$("$build/manager/hms-manager" --version | awk '{print $2}')
out=$(in_root /usr/sbin/hms-manager --version) || fail "/usr/sbin/hms-manager --version failed"
[ "$out" = "hms-manager $version" ] || fail "hms-manager --version printed '$out'"
out=$(in_root /usr/sbin/hms-controller --help) || fail "/usr/sbin/hms-controller --help failed"
[ "$(printf '%s\n' "$out" | head -n 1)" = "Usage: hms-controller [OPTION]..." ] ||
    fail "hms-controller --help printed '$(printf '%s\n' "$out" | head -n 1)'"
out=$(in_root /usr/bin/hmsctl --version) || fail "/usr/bin/hmsctl --version failed"
[ "$out" = "hmsctl $version" ] || fail "hmsctl --version printed '$out'"
out=$(in_root /usr/sbin/hms-antagonist --version) || fail "/usr/sbin/hms-antagonist --version failed"
[ "$out" = "hms-antagonist $version" ] || fail "hms-antagonist --version printed '$out'"
for daemon in manager controller; do
    in_root "/usr/sbin/hms-$daemon" --config "/etc/hms/$daemon.conf" --help >/dev/null 2>"$work/err" ||
        fail "hms-$daemon does not read /etc/hms/$daemon.conf: $(cat "$work/err")"
done
say "installed programs run: hms-manager --version, hms-controller --help, hmsctl, hms-antagonist"

# 5. Files: conffiles, units, keys.
for daemon in manager controller; do
    # shellcheck disable=SC2016 # dpkg-query's format
    conffiles=$(in_root dpkg-query -W -f='${Conffiles}' "hms-$daemon")
    grep -q "^ /etc/hms/$daemon.conf " <<<"$conffiles" ||
        fail "/etc/hms/$daemon.conf is not a conffile of hms-$daemon: '$conffiles'"
    [ -f "$root/etc/hms/$daemon.conf" ] || fail "/etc/hms/$daemon.conf is missing"
    unit=$root/lib/systemd/system/hms-$daemon.service
    grep -q "^ExecStart=/usr/sbin/hms-$daemon " "$unit" || fail "$unit does not start /usr/sbin/hms-$daemon"
    [ -L "$root/etc/systemd/system/multi-user.target.wants/hms-$daemon.service" ] ||
        fail "hms-$daemon.service is not enabled"
    [ -f "$root/usr/share/man/man8/hms-$daemon.8.gz" ] || fail "no manual page hms-$daemon(8)"
done
# expect PATH OWNER:GROUP MODE
expect() {
    [ -e "$root$1" ] || fail "$1 is missing"
    local got
    got=$(stat -c '%U:%G %a' "$root$1")
    [ "$got" = "$2 $3" ] || fail "$1 is $got, not $2 $3"
}
expect /etc/hms root:root 755
expect /etc/hms/allow root:root 755
expect /etc/hms/keys root:root 700
for name in manager controller; do
    expect "/etc/hms/keys/$name" root:root 644
    expect "/etc/hms/keys/${name}_secret" root:root 600
    grep -q '^    secret-key = ' "$root/etc/hms/keys/${name}_secret" ||
        fail "/etc/hms/keys/${name}_secret holds no secret key"
    grep -q '^    public-key = ' "$root/etc/hms/keys/$name" || fail "/etc/hms/keys/$name holds no public key"
    if grep -q secret-key "$root/etc/hms/keys/$name"; then fail "/etc/hms/keys/$name holds the secret key"; fi
done
expect /etc/hms/token root:root 600
[ "$(tr -d '\n' <"$root/etc/hms/token" | wc -c)" -ge 16 ] || fail "/etc/hms/token is shorter than 16"
[ -z "$(ls -A "$root/etc/hms/allow")" ] || fail "/etc/hms/allow is not empty"
say "conffiles, units enabled, keys and token: root's, 0600 secrets in a 0700 directory"

# 6. A reinstallation keeps the keys and the token.
sums=$(cd "$root/etc/hms" && cat keys/* token | md5sum)
in_root sh -c 'dpkg -i /tmp/debs/*.deb' >"$work/reinstall.log" 2>&1 ||
    { tail -n 20 "$work/reinstall.log"; fail "dpkg -i again"; }
[ "$(cd "$root/etc/hms" && cat keys/* token | md5sum)" = "$sums" ] ||
    fail "a reinstallation changed the keys or the token"
say "reinstalled: keys and token kept"

# 7. Removal keeps the configuration; purge leaves nothing.
in_root apt-get remove -y -q -o Dpkg::Use-Pty=0 hms-manager hms-controller hms-tools hms-antagonist \
    >"$work/remove.log" 2>&1 || { tail -n 20 "$work/remove.log"; fail "apt-get remove"; }
for path in /usr/sbin/hms-manager /usr/sbin/hms-controller /usr/bin/hmsctl /usr/sbin/hms-antagonist \
    /lib/systemd/system/hms-manager.service; do
    [ ! -e "$root$path" ] || fail "$path is still there after removal"
done
for path in /etc/hms/manager.conf /etc/hms/controller.conf /etc/hms/keys/manager_secret /etc/hms/token; do
    [ -e "$root$path" ] || fail "$path is gone after removal (only purge removes it)"
done
in_root dpkg --purge hms-manager hms-controller hms-tools hms-antagonist \
    >"$work/purge.log" 2>&1 || { tail -n 20 "$work/purge.log"; fail "dpkg --purge"; }
# shellcheck disable=SC2016 # dpkg-query's format
left=$(in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'hms-*' 2>/dev/null |
    grep -v '^un ' || true)
[ -z "$left" ] || fail "dpkg still knows: $left"
rm -rf "$root/tmp/debs"
umount "$root/proc"
find "$root" -xdev -name '*hms*' | sort >"$work/after"
if ! diff -u "$work/before" "$work/after" >"$work/diff"; then
    cat "$work/diff"
    fail "paths named after HMS remain after purge"
fi
for path in /etc/hms /var/lib/hms /var/lib/hms-controller; do
    [ ! -e "$root$path" ] || fail "$path remains after purge"
done
say "removed: configuration and keys kept; purged: nothing of HMS remains"
say "ok"
