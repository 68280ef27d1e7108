#!/bin/sh
# Sets duban up on Debian 12 (or Ubuntu): installs the missing packages, builds
# in build/ and opens duban on a demo ledger.
#   --deps-only   install the packages and stop (CI uses this)
#   --no-run      build but do not start duban
#   --test-tools  also install what only the tests use: Chromium and a
#                 Chinese font (the HTML bulletin is rendered to PNG),
#                 debhelper and lintian (the Debian packages are built), and
#                 PostgreSQL and pgbouncer (the server and sync suites run
#                 on duband's PostgreSQL backend too; the tests start their
#                 own throw-away clusters)
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
deps_only=no
run=yes
test_tools=no
for arg in "$@"; do
	case "$arg" in
	--deps-only) deps_only=yes ;;
	--no-run) run=no ;;
	--test-tools) test_tools=yes ;;
	*) echo "usage: $0 [--deps-only] [--no-run] [--test-tools]" >&2; exit 2 ;;
	esac
done

# as_root: how to run a command as root ("" when we are root, else sudo).
# Without sudo a non-root user cannot install anything: say so and stop
# rather than fail with "sudo: not found".
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "$0: installing packages needs root: run as root or install sudo" >&2
		exit 1
	fi
}

# One line per step on the screen; what the tools print goes to a log, named
# at the end and shown in full when a step fails.  (Shell built-ins only
# around the steps: the machine may have next to nothing yet.)
log=${TMPDIR:-/tmp}/duban-setup-$$.log
: >"$log"
step() { # step TEXT COMMAND...
	printf '%s... ' "$1"
	shift
	if "$@" >>"$log" 2>&1; then
		echo ok
	else
		rc=$?
		echo "failed (exit $rc); what it printed:"
		cat "$log"
		echo "(also in $log)"
		exit "$rc"
	fi
}
add_zh_locale() {
	grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null \
		|| echo 'zh_CN.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
	$sudo locale-gen
}
build() {
	cd "$top"
	[ -x configure ] || autoreconf -fi
	mkdir -p build
	cd build
	[ -f Makefile ] || ../configure -q
	make -j"$(nproc 2>/dev/null || echo 2)"
}

packages="build-essential autoconf automake autopoint gettext pkg-config
	libsqlite3-dev libncurses-dev libcurl4-openssl-dev libcjson-dev
	libmicrohttpd-dev zlib1g-dev libcrypt-dev libzip-dev libexpat1-dev
	libxlsxwriter-dev libpq-dev sqlite3 tmux locales openssl curl jq"
[ "$test_tools" = yes ] && packages="$packages chromium fonts-wqy-microhei poppler-utils
	debhelper lintian postgresql pgbouncer"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	as_root
	DEBIAN_FRONTEND=noninteractive
	export DEBIAN_FRONTEND
	set -- $missing
	step "Reading the package lists" $sudo apt-get update -qq
	step "Installing $# packages:$missing" $sudo apt-get install -y -qq $missing
fi
# Screen and message tests also run in Chinese.
if ! locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
	as_root
	step "Adding the zh_CN.UTF-8 locale" add_zh_locale
fi
if [ "$deps_only" = yes ]; then
	echo "Packages ready (details: $log)"
	exit 0
fi

step "Building duban in build/" build
echo "Built (details: $log)"
[ "$run" = yes ] || exit 0
cd "$top/build"
exec ./duban --demo
