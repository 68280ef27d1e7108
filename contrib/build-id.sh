#!/bin/sh
# The build id that `duban --version` and `duband --version` print: which
# source a binary was built from.
#
#   build-id.sh id SRCDIR          print it
#   build-id.sh header SRCDIR OUT  write OUT, a C header defining DUBAN_BUILD_ID,
#                                  but only when the id changed, so that make
#                                  recompiles nothing for an unchanged tree
#
# The id is `git describe --always --dirty` when SRCDIR is itself a git
# checkout (not merely a directory inside one: `make distcheck` unpacks the
# tarball inside the build tree), else the id `make dist` recorded in
# SRCDIR/.build-id, else "unknown".
set -u

mode=${1:-}
srcdir=${2:-.}

describe() {
	[ -e "$srcdir/.git" ] || return 1
	command -v git >/dev/null 2>&1 || return 1
	# --no-optional-locks: describe --dirty must not take the index lock
	# from under a concurrent git command in the same checkout.
	git --no-optional-locks -C "$srcdir" describe --always --dirty 2>/dev/null
}

id=$(describe) || id=
if [ -z "$id" ] && [ -f "$srcdir/.build-id" ]; then
	id=$(sed -n 1p "$srcdir/.build-id")
fi
# Only characters that are safe in a C string and a file name.
id=$(printf '%s' "$id" | tr -cd 'A-Za-z0-9._+-')

case $mode in
id)
	printf '%s\n' "${id:-unknown}"
	;;
header)
	out=${3:?usage: build-id.sh header SRCDIR OUT}
	# git may refuse a checkout owned by someone else (`sudo make install`):
	# keep the id the binaries were built with rather than relinking them.
	if [ -z "$id" ] && [ -f "$out" ]; then
		exit 0
	fi
	line="#define DUBAN_BUILD_ID \"${id:-unknown}\""
	if [ -f "$out" ] && [ "$(cat "$out")" = "$line" ]; then
		exit 0
	fi
	printf '%s\n' "$line" >"$out.tmp" && mv -f "$out.tmp" "$out"
	;;
*)
	echo "usage: build-id.sh id SRCDIR | header SRCDIR OUT" >&2
	exit 2
	;;
esac
