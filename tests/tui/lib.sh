# Helpers for the screen tests, sourced by tests/tui/t_*.sh: they drive the
# real binary in a private tmux server, the way a person uses it, and compare
# the screen with expected screens in tests/tui/screens/NAME.txt.
#
# TAP output as in tests/cli/lib.sh: "ok N - name" / "not ok N - name" with a
# diff as diagnostics, "1..N" at the end, exit 1 when anything failed.
# UPDATE_SCREENS=1 writes the expected screens instead of comparing them
# (look at every one before committing it).  POSIX sh: CI runs dash.
#
# A watchdog guards every script: after TUI_TIMEOUT seconds (default 600) it
# kills (SIGKILL) what runs in the script's own tmux servers and the script's
# own children, removes those servers, and the script ends with "not ok -
# watchdog: …" naming what it killed, instead of hanging CI.  At the end of a
# script, and in stop(), the programs still running in its panes are killed
# with SIGKILL too: a duban that ignores SIGHUP does not outlive its server.
#
# Every screen test runs twice: in C.UTF-8 (English) and, through the
# wrappers in tests/tui/zh/, with TUI_LOCALE=zh_CN.UTF-8 (Chinese, from the
# catalogue compiled from po/zh_CN.po).  The zh_CN run compares its screens
# with tests/tui/screens/zh_CN/NAME.txt; literal checks name both texts with
# L ENGLISH CHINESE (see below).  Only the TUI runs in the test's locale: the
# command-line runs that make fixtures and figures stay in C.UTF-8.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUBAN=${DUBAN:-$top_builddir/duban}
TUI_LOCALE=${TUI_LOCALE:-C.UTF-8}
case $TUI_LOCALE in
C.* | POSIX) TUI_LANG=C ;;
*) TUI_LANG=${TUI_LOCALE%%.*} ;;
esac
if [ "$TUI_LANG" = C ]; then
	SCREENS=$top_srcdir/tests/tui/screens
else
	SCREENS=$top_srcdir/tests/tui/screens/$TUI_LANG
fi

# The command-line runs of the tests (fixtures, checks) use a fixed
# environment too; the TUI itself gets its own one in start().
DUBAN_TODAY=2026-06-15
DUBAN_NOW=2026-06-15T08:00:00Z
TZ=UTC
LC_ALL=C.UTF-8
USER=tester
export DUBAN_TODAY DUBAN_NOW TZ LC_ALL USER
unset LANG LANGUAGE DUBAN_DB DUBAN_ROLE DUBAN_LOCALEDIR XDG_DATA_HOME XDG_CONFIG_HOME XDG_STATE_HOME NO_COLOR \
	COLUMNS LINES
: "${ASAN_OPTIONS:=detect_leaks=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

tests_run=0
tests_failed=0

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux not installed"
	exit 0
fi
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

if [ "$TUI_LANG" != C ] && ! locale -a 2>/dev/null | grep -qi "^$TUI_LANG\.utf-\{0,1\}8\$"; then
	echo "1..0 # SKIP no $TUI_LOCALE locale on this machine"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duban-tui.XXXXXX") || exit 99
servers=
nserver=0
watchdog_pid=

# ---------------------------------------------------------------- processes
# children_of PID: the processes whose parent is PID, from /proc (no ps in a
# minimal Debian); a comm with spaces or parentheses is skipped over whole.
children_of() {
	cat /proc/[0-9]*/stat 2>/dev/null | sed 's/ (.*) / /' | awk -v p="$1" '$3 == p { print $1 }'
}

# kill_tree PID: SIGKILL to PID and everything below it, the children
# first found, so that none is re-parented away before it is seen.
kill_tree() {
	for c in $(children_of "$1"); do
		kill_tree "$c"
	done
	kill -KILL "$1" 2>/dev/null
}

# describe PID: "PID NAME" of PID and each descendant, for the report.
describe() {
	printf ' %s(%s)' "$1" "$(cat "/proc/$1/comm" 2>/dev/null)"
	for c in $(children_of "$1"); do
		describe "$c"
	done
}

# kill_panes SOCKET: SIGKILL to what still runs in the panes of this
# script's tmux server SOCKET (a dead pane's pid may be reused: skipped).
kill_panes() {
	for p in $(tmux -L "$1" -f /dev/null list-panes -a -F '#{pane_dead} #{pane_pid}' 2>/dev/null |
		awk '$1 == 0 { print $2 }'); do
		kill_tree "$p"
	done
}

cleanup() {
	[ -n "$watchdog_pid" ] && kill_tree "$watchdog_pid"
	for s in $servers; do
		kill_panes "$s"
		tmux -L "$s" -f /dev/null kill-server >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- watchdog
# watchdog PARENT: in the background, one second at a time (so that it goes
# soon after PARENT does); at TUI_TIMEOUT it writes $tmp/.watchdog, kills
# the panes of the servers start() listed in $tmp/.servers, removes those
# servers, signals PARENT (USR1, watchdog_fired) and kills PARENT's other
# children, so that a command stuck in the foreground returns.
watchdog() {
	parent=$1
	n=$TUI_TIMEOUT
	while [ "$n" -gt 0 ]; do
		sleep 1
		kill -0 "$parent" 2>/dev/null || exit 0
		n=$((n - 1))
	done
	me=$(cat "$tmp/.watchdog.pid")
	{
		echo "the test still ran after TUI_TIMEOUT=$TUI_TIMEOUT s: killed with SIGKILL"
		for s in $(cat "$tmp/.servers" 2>/dev/null); do
			for p in $(tmux -L "$s" -f /dev/null list-panes -a -F '#{pane_dead} #{pane_pid}' 2>/dev/null |
				awk '$1 == 0 { print $2 }'); do
				echo "in the tmux server $s:$(describe "$p")"
			done
		done
		for c in $(children_of "$parent"); do
			[ "$c" = "$me" ] || echo "the test's own child:$(describe "$c")"
		done
		last=$(tail -n 1 "$tmp/.servers" 2>/dev/null)
		if [ -n "$last" ]; then
			echo "the screen at the time:"
			tmux -L "$last" -f /dev/null capture-pane -p 2>/dev/null | sed 's/ *$//' | grep -v '^$'
		fi
	} >"$tmp/.watchdog" 2>&1
	for s in $(cat "$tmp/.servers" 2>/dev/null); do
		kill_panes "$s"
		tmux -L "$s" -f /dev/null kill-server >/dev/null 2>&1
	done
	kill -USR1 "$parent" 2>/dev/null
	for c in $(children_of "$parent"); do
		[ "$c" = "$me" ] || kill_tree "$c"
	done
}

watchdog_fired() {
	fail "watchdog: $(sed -n 1p "$tmp/.watchdog")"
	sed 1d "$tmp/.watchdog" | sed 's/^/# /'
	echo "1..$tests_run"
	exit 1
}

: "${TUI_TIMEOUT:=600}"
trap watchdog_fired USR1
watchdog $$ </dev/null >/dev/null 2>&1 &
watchdog_pid=$!
echo "$watchdog_pid" >"$tmp/.watchdog.pid"
HOME=$tmp/home
mkdir -p "$HOME" "$tmp/cfg/duban" "$tmp/data"
export HOME
DB=$tmp/l.db
cd "$tmp" || exit 99

# The catalogue: compiled afresh from po/zh_CN.po (so that the screens follow
# the translation being edited), else the build's .gmo; the TUI finds it
# through DUBAN_LOCALEDIR, never an installed one.
LOCALEDIR_T=$tmp/locale
if [ "$TUI_LANG" != C ]; then
	mkdir -p "$LOCALEDIR_T/$TUI_LANG/LC_MESSAGES"
	mo=$LOCALEDIR_T/$TUI_LANG/LC_MESSAGES/duban.mo
	po=$top_srcdir/po/$TUI_LANG.po
	if ! { command -v msgfmt >/dev/null 2>&1 && msgfmt -o "$mo" "$po" 2>/dev/null; }; then
		for gmo in "$top_builddir/po/$TUI_LANG.gmo" "$top_srcdir/po/$TUI_LANG.gmo" ""; do
			[ -n "$gmo" ] && [ -f "$gmo" ] && cp "$gmo" "$mo" && break
		done
		if [ -z "$gmo" ]; then
			echo "1..0 # SKIP no msgfmt and no po/$TUI_LANG.gmo"
			exit 0
		fi
	fi
fi

# ---------------------------------------------------------------- TAP
pass() {
	tests_run=$((tests_run + 1))
	echo "ok $tests_run - $1"
}
fail() {
	tests_run=$((tests_run + 1))
	tests_failed=$((tests_failed + 1))
	echo "not ok $tests_run - $1"
}
skip() {
	tests_run=$((tests_run + 1))
	echo "ok $tests_run # SKIP $1"
}
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}
ok() {
	if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi
}
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
done_testing() {
	echo "1..$tests_run"
	[ "$tests_failed" -eq 0 ]
	exit $?
}

# ---------------------------------------------------------------- locale
# L ENGLISH CHINESE: the text the screen shows in this run's locale, e.g.
# screen_has "$(L "300 items" "300 项")".  Both are written out so that a
# label left untranslated, or translated anew, fails the zh_CN run.
L() {
	if [ "$TUI_LANG" = zh_CN ]; then
		printf '%s' "$2"
	else
		printf '%s' "$1"
	fi
}

# The status line's word that the TUI has started (no server in these tests).
OFFLINE=$(L offline 离线)

# in_c: true in the C.UTF-8 run.
in_c() {
	[ "$TUI_LANG" = C ]
}

# c_only REASON: true in the C run; in the zh_CN run a skip saying why the
# part is left out, and false:  if c_only "the same in any language"; then …
c_only() {
	in_c && return 0
	skip "C.UTF-8 only: $1"
	return 1
}

# ---------------------------------------------------------------- fixtures
# demo_ledger FILE ITEMS: the fixed-seed demo ledger (deterministic given
# DUBAN_TODAY and DUBAN_NOW).
demo_ledger() {
	"$DUBAN" --db "$1" demo --items "$2" --seed 7 >/dev/null
}

# d ARGS: the command line on the test's ledger.
d() {
	"$DUBAN" --db "$DB" "$@"
}

# ---------------------------------------------------------------- tmux
# t ARGS: tmux on the current private server.
t() {
	tmux -L "$sock" -f /dev/null "$@"
}

# start W H [VAR=VALUE...] [-- ARGS...]: a new private tmux server whose only
# pane runs duban --db $DB ARGS in a W×H terminal.  The environment is fixed
# (TERM=screen-256color, $TUI_LOCALE, DUBAN_TODAY, HOME and XDG dirs in $tmp);
# VAR=VALUE pairs override it (TERM=vt100, LANG=C, NO_COLOR=1 …).  Each start
# gets an empty XDG_STATE_HOME, so that what one run keeps (view, filter,
# item) never shows in the next; a test of that passes XDG_STATE_HOME=DIR.
# The pane stays after duban exits so that a crash or a sanitizer report shows.
start() {
	w=$1 h=$2
	shift 2
	nserver=$((nserver + 1))
	sock=duban-$$-$nserver
	servers="$servers $sock"
	echo "$sock" >>"$tmp/.servers"
	envs=
	while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs $1"
		shift
	done
	[ "$#" -gt 0 ] && shift
	# shellcheck disable=SC2086
	t start-server \; set-option -g remain-on-exit on \; set-option -g status off \
		\; set-option -g history-limit 5000 \
		\; new-session -d -x "$w" -y "$h" \
		env -i PATH="$PATH" TERM=screen-256color LC_ALL="$TUI_LOCALE" TZ=UTC \
		DUBAN_LOCALEDIR="$LOCALEDIR_T" \
		DUBAN_TODAY="$DUBAN_TODAY" DUBAN_NOW="$DUBAN_NOW" USER=tester \
		HOME="$HOME" XDG_CONFIG_HOME="$tmp/cfg" XDG_DATA_HOME="$tmp/data" \
		XDG_STATE_HOME="$tmp/state-$nserver" \
		DUBAN_THEMEDIR="$top_srcdir/themes" \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		$envs sh -c '"$@"; printf "\\r\\n[duban exit status %s]\\r\\n" $?' sh "$DUBAN" --db "$DB" "$@"
}

# keys KEY...: tmux key names (j, Enter, Escape, PageDown, C-s …).
keys() {
	t send-keys "$@"
}

# text STRING: typed literally (Chinese included).
text() {
	t send-keys -l "$1"
}

# screen: the pane as text, trailing spaces removed.
screen() {
	t capture-pane -p | sed 's/ *$//'
}

# wait_for TEXT [SECONDS]: until the screen holds TEXT (default 5 s);
# returns 1 on time-out.
wait_for() {
	n=$((${2:-5} * 20))
	while [ "$n" -gt 0 ]; do
		screen >"$tmp/.screen"
		grep -qF -- "$1" "$tmp/.screen" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# wait_gone TEXT [SECONDS]: until the screen no longer holds TEXT.
wait_gone() {
	n=$((${2:-5} * 20))
	while [ "$n" -gt 0 ]; do
		screen >"$tmp/.screen"
		grep -qF -- "$1" "$tmp/.screen" || return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# wait_quiet: until two captures 150 ms apart are equal (at most ~5 s).
wait_quiet() {
	screen >"$tmp/.q1"
	n=33
	while [ "$n" -gt 0 ]; do
		sleep 0.15
		screen >"$tmp/.q2"
		cmp -s "$tmp/.q1" "$tmp/.q2" && return 0
		mv "$tmp/.q2" "$tmp/.q1"
		n=$((n - 1))
	done
	return 1
}

# screen_is NAME [TEST-NAME]: the screen equals tests/tui/screens/NAME.txt
# (waits up to ~3 s for it); a diff on mismatch.
screen_is() {
	exp=$SCREENS/$1.txt
	if [ -n "$UPDATE_SCREENS" ]; then
		wait_quiet
		mkdir -p "$SCREENS"
		screen >"$exp"
		pass "${2:-screen $1} # written $exp"
		# English phrases on a translated screen: a message left out of
		# the catalogue, or not marked for translation.
		if ! in_c && grep -qE '[a-z]{2,} [a-z]{2,}' "$exp"; then
			diag "English on the $TUI_LANG screen? Look at it:"
			grep -E '[a-z]{2,} [a-z]{2,}' "$exp" | sed 's/^/#   /'
		fi
		return
	fi
	if [ ! -f "$exp" ]; then
		fail "${2:-screen $1}"
		diag "no expected screen $exp (make it with UPDATE_SCREENS=1)"
		screen | sed 's/^/#   /'
		return
	fi
	n=30
	while [ "$n" -gt 0 ]; do
		screen >"$tmp/.got"
		cmp -s "$exp" "$tmp/.got" && break
		sleep 0.1
		n=$((n - 1))
	done
	if cmp -s "$exp" "$tmp/.got"; then
		pass "${2:-screen $1}"
	else
		fail "${2:-screen $1}"
		diff -u "$exp" "$tmp/.got" | sed 's/^/# /'
	fi
}

# screen_has TEXT [TEST-NAME]: the screen shows TEXT (waits up to 5 s).
screen_has() {
	if wait_for "$1"; then
		pass "${2:-screen shows $1}"
	else
		fail "${2:-screen shows $1}"
		diag "not on the screen: $1"
		sed 's/^/#   /' "$tmp/.screen"
	fi
}

# screen_lacks TEXT [TEST-NAME]: once the screen is quiet, it has no TEXT.
screen_lacks() {
	wait_quiet
	screen >"$tmp/.screen"
	if grep -qF -- "$1" "$tmp/.screen"; then
		fail "${2:-screen lacks $1}"
		diag "on the screen: $1"
		sed 's/^/#   /' "$tmp/.screen"
	else
		pass "${2:-screen lacks $1}"
	fi
}

# line N: line N (1-based) of the screen.
line() {
	screen | sed -n "${1}p"
}

# status_line: the last line of the screen.
status_line() {
	screen | sed -n '$p'
}

# exit_status: duban's exit status once it has exited, else nothing.  A
# shell around duban prints it: tmux 3.3 sometimes leaves the pane's process
# unreaped, without a status.
exit_status() {
	t capture-pane -p -S - 2>/dev/null | sed -n 's/.*\[duban exit status \([0-9]*\)\].*/\1/p'
}

# exited_cleanly [TEST-NAME]: duban has exited (waits up to 5 s) with status 0
# and the terminal holds no sanitizer report.
exited_cleanly() {
	name=${1:-duban exits cleanly}
	n=100
	while [ "$n" -gt 0 ] && [ -z "$(exit_status)" ]; do
		sleep 0.05
		n=$((n - 1))
	done
	status=$(exit_status)
	if [ -z "$status" ]; then
		fail "$name"
		diag "duban is still running (killed now with SIGKILL):"
		screen | sed 's/^/#   /'
		kill_panes "$sock"
		return
	fi
	t capture-pane -p -S - | sed 's/ *$//' >"$tmp/.dead"
	if [ "$status" = 0 ] && ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' "$tmp/.dead"; then
		pass "$name"
	else
		fail "$name"
		diag "exit status $status; the terminal:"
		grep -v '^$' "$tmp/.dead" | sed 's/^/#   /'
	fi
}

# quit [TEST-NAME]: q, then exited_cleanly.
quit() {
	# A q within the terminal's escape delay (25 ms) of an Escape just sent
	# is read as Alt-q: let the last key land first.
	wait_quiet
	keys q
	exited_cleanly "${1:-q quits cleanly}"
}

# stop: kills the current tmux server (duban with it).
stop() {
	kill_panes "$sock"
	t kill-server >/dev/null 2>&1
}
