#!/bin/sh
# contrib/setup-debian.sh as a non-root user without sudo (issue 12, item 18):
# it must say "run as root or install sudo" and stop, not fail with
# "sudo: not found".  The system commands it calls are stubs on a PATH that
# holds no sudo; `id -u` answers the uid the case wants.
. "$(dirname "$0")/lib.sh"

SCRIPT=$top_srcdir/contrib/setup-debian.sh
stub=$tmp/stub
mkdir -p "$stub"
for tool in dirname grep cat; do
	p=$(command -v "$tool") || { echo "1..0 # SKIP no $tool"; exit 0; }
	ln -s "$p" "$stub/$tool"
done
SH=$(command -v sh)
# id -u: $FAKE_UID; dpkg-query: nothing is installed; locale -a: zh_CN is
# there; apt-get and sudo (when asked for) record that they ran.
printf '#!%s\n[ "$1" = -u ] && echo "$FAKE_UID"\n' "$SH" >"$stub/id"
printf '#!%s\necho "unknown ok not-installed"\n' "$SH" >"$stub/dpkg-query"
printf '#!%s\necho zh_CN.utf8\n' "$SH" >"$stub/locale"
printf '#!%s\necho "apt-get $*" >>"%s/calls"\n' "$SH" "$tmp" >"$stub/apt-get"
chmod +x "$stub/id" "$stub/dpkg-query" "$stub/locale" "$stub/apt-get"

setup() { # setup UID ARGS...: runs the script with the stub PATH
	_uid=$1
	shift
	: >"$tmp/calls"
	run env -i PATH="$stub" FAKE_UID="$_uid" HOME="$HOME" "$SH" "$SCRIPT" "$@"
}

setup 1000 --deps-only
is "$rc" 1 "a non-root user without sudo: exit 1"
like "$err" "run as root or install sudo" "... with the message saying what to do"
unlike "$err" "not found" "... and no 'not found'"
is "$(cat "$tmp/calls")" "" "... and nothing was run"

setup 0 --deps-only
is "$rc" 0 "root without sudo: exit 0"
like "$(cat "$tmp/calls")" "apt-get install" "... apt-get ran as root"
# One line per step; the tools' own output goes to the log (issue 17).
like "$out" "Installing 23 packages: build-essential" "a progress line per step"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3 "... and nothing else: update, install, ready"
like "$out" "(details: " "... naming the log"
# A step that fails shows what the tool printed, and its exit status.
mv "$stub/apt-get" "$stub/apt-get.ok"
printf '#!%s\necho "E: Unable to locate package libcjson-dev"\nexit 100\n' "$SH" >"$stub/apt-get"
chmod +x "$stub/apt-get"
setup 0 --deps-only
is "$rc" 100 "a failing step: its exit status"
like "$out" "failed (exit 100)" "... says which step failed"
like "$out" "E: Unable to locate package libcjson-dev" "... and shows what the tool printed"
mv "$stub/apt-get.ok" "$stub/apt-get"

printf '#!%s\necho "sudo $*" >>"%s/calls"\n' "$SH" "$tmp" >"$stub/sudo"
chmod +x "$stub/sudo"
setup 1000 --deps-only
is "$rc" 0 "a non-root user with sudo: exit 0"
like "$(cat "$tmp/calls")" "sudo apt-get install" "... apt-get ran through sudo"

echo "1..$tests_run"
[ "$tests_failed" -eq 0 ]
