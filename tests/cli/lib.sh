# Helpers for the command-line tests, sourced by tests/cli/t_*.sh.
# TAP output: "ok N - name" / "not ok N - name" (with a diff), "1..N" at the
# end; the script exits 1 when anything failed.  POSIX sh: CI runs dash.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUBAN=${DUBAN:-$top_builddir/duban}

# Stable output whatever the caller's environment (the harness sets these too).
DUBAN_TODAY=2026-06-15
DUBAN_NOW=2026-06-15T08:00:00Z
TZ=UTC
LC_ALL=C.UTF-8
COLUMNS=100
USER=tester
export DUBAN_TODAY DUBAN_NOW TZ LC_ALL COLUMNS USER
unset LANG LANGUAGE DUBAN_DB DUBAN_ROLE DUBAN_LOCALEDIR XDG_DATA_HOME XDG_CONFIG_HOME NO_COLOR
: "${ASAN_OPTIONS:=detect_leaks=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duban-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
HOME=$tmp/home
mkdir -p "$HOME"
export HOME
DB=$tmp/ledger.db
cd "$tmp" || exit 99

tests_run=0
tests_failed=0

if [ ! -x "$DUBAN" ]; then
	# `make check` builds it first: if it is missing the build is broken, and
	# CI must say so rather than skip.
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $DUBAN not built"
		exit 1
	fi
	echo "1..0 # SKIP $DUBAN not built"
	exit 0
fi

# duban on the test's own ledger.
d() {
	"$DUBAN" --db "$DB" "$@"
}

# run CMD...: runs it, keeping stdout in $out, stderr in $err, the exit code in $rc.
run() {
	"$@" >"$tmp/.out" 2>"$tmp/.err"
	rc=$?
	out=$(cat "$tmp/.out")
	err=$(cat "$tmp/.err")
}

# kill_child SIGNAL PID...: sends SIGNAL to each PID that is still a child
# of this test's shell (its parent in /proc/PID/stat is $$).  A PID whose
# process has ended and been reaped may belong to an unrelated process by
# now: that one is left alone.
kill_child() {
	_ksig=$1
	shift
	for _kp in "$@"; do
		[ -r "/proc/$_kp/stat" ] || continue
		# field 4, after "PID (COMMAND) STATE"; COMMAND may hold spaces
		_kpp=$(sed 's/^.*) [^ ]* \([0-9]*\) .*$/\1/' "/proc/$_kp/stat" 2>/dev/null)
		[ "$_kpp" = "$$" ] && kill "-$_ksig" "$_kp" 2>/dev/null
	done
	return 0
}

pass() {
	tests_run=$((tests_run + 1))
	echo "ok $tests_run - $1"
}

# Set todo="why" before a check that is known to fail for a reason outside
# the command line: a failure is reported as TAP TODO (not counted), a pass
# as a plain pass, so that fixing the cause never breaks the suite.
todo=
fail() {
	tests_run=$((tests_run + 1))
	if [ -n "$todo" ]; then
		echo "not ok $tests_run - $1 # TODO $todo"
		return
	fi
	tests_failed=$((tests_failed + 1))
	echo "not ok $tests_run - $1"
}

# diag TEXT...: comment lines in the TAP stream.
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

skip() {
	tests_run=$((tests_run + 1))
	echo "ok $tests_run # SKIP $1"
}

# ok CONDITION-EXIT-CODE NAME: ok $? "name", or ok "[ a = b ]" style via test.
ok() {
	if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi
}

# is GOT EXPECTED NAME
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		printf '%s\n' "$2" >"$tmp/.expected"
		printf '%s\n' "$1" >"$tmp/.got"
		diff -u "$tmp/.expected" "$tmp/.got" | sed 's/^/# /'
	fi
}

# like GOT PATTERN NAME: GOT contains the fixed string PATTERN.
like() {
	case $1 in
	*"$2"*) pass "$3" ;;
	*)
		fail "$3"
		diag "expected to contain: $2" "got:"
		printf '%s\n' "$1" | sed 's/^/#   /'
		;;
	esac
}

# unlike GOT PATTERN NAME: GOT does not contain PATTERN.
unlike() {
	case $1 in
	*"$2"*)
		fail "$3"
		diag "expected not to contain: $2" "got:"
		printf '%s\n' "$1" | sed 's/^/#   /'
		;;
	*) pass "$3" ;;
	esac
}

# exit_is CODE NAME: the last run exited with CODE.
exit_is() {
	if [ "$rc" = "$1" ]; then
		pass "$2"
	else
		fail "$2"
		diag "exit code $rc, expected $1" "stderr:"
		printf '%s\n' "$err" | sed 's/^/#   /'
	fi
}

# A small ledger with Chinese titles and a spread of deadlines.
make_ledger() {
	d add --code FK-001 --title '城关区餐饮油烟扰民问题' --county 城关区 \
		--lead-unit 城关区人民政府 --deadline 2026-06-10 --category 大气 >/dev/null &&
	d add --code FK-002 --title '北岭县砖瓦窑无组织排放问题突出，群众反映强烈' --county 北岭县 \
		--lead-unit 市生态环境局 --deadline 2026-06-20 --category 大气 >/dev/null &&
	d add --code FK-003 --title 'River sewage outfall' --county 临江市 \
		--lead-unit 临江市水务局 --deadline 2026-12-31 --category 水 >/dev/null &&
	d add --code XF-001 --kind complaint --title '石门乡石桥村湿地被非法占用' --county 东川县 \
		--township 石门乡 --lead-unit 东川县人民政府 --deadline 2026-05-01 --category 生态 >/dev/null &&
	d add --code FK-004 --title '长期坚持的秸秆禁烧' --county 城关区 \
		--lead-unit 市农业农村局 --deadline 长期坚持 >/dev/null
}

# The table lines of a list output (all but the summary line).
table_lines() {
	printf '%s\n' "$1" | sed '$d'
}

done_testing() {
	echo "1..$tests_run"
	[ "$tests_failed" -eq 0 ]
	exit $?
}

# golden NAME: compares $out with $GOLDEN/NAME (the script sets GOLDEN);
# UPDATE_GOLDEN=1 rewrites the file instead (look at the diff before
# committing it).
golden() {
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$GOLDEN"
		printf '%s\n' "$out" >"$GOLDEN/$1"
		pass "$1 rewritten"
		return
	fi
	printf '%s\n' "$out" >"$tmp/$1"
	if diff -u "$GOLDEN/$1" "$tmp/$1" >"$tmp/.diff"; then
		pass "$1 matches its golden file"
	else
		fail "$1 matches its golden file"
		sed 's/^/# /' "$tmp/.diff" | head -40
	fi
}
