#!/bin/sh
# The screen tests' watchdog (tests/tui/lib.sh): a test that hangs on a
# duban that never exits and ignores every signal but SIGKILL is ended after
# TUI_TIMEOUT seconds; the hung program is killed, its tmux server goes, and
# the test reports "not ok - watchdog: …" naming what it killed, instead of
# hanging CI.  The hung duban is a fake: a shell script.
. "$(dirname "$0")/lib.sh"

fake=$tmp/hung-duban
cat >"$fake" <<'FAKE'
#!/bin/sh
trap '' HUP INT TERM QUIT USR1
echo $$ >"$HUNG_PID"
echo "hung duban"
while :; do sleep 1; done
FAKE
chmod +x "$fake"

# A screen test that starts the fake and then waits for ever.
inner=$tmp/t_hung.sh
cat >"$inner" <<INNER
. "$top_srcdir/tests/tui/lib.sh"
start 80 24 HUNG_PID=$tmp/hung.pid
wait_for "hung duban"
ok \$? "the fake duban runs in tmux"
while :; do sleep 1; done
INNER

begin=$(date +%s)
TUI_TIMEOUT=3 DUBAN=$fake top_srcdir=$top_srcdir top_builddir=$top_builddir sh "$inner" >"$tmp/out" 2>&1 &
inner_pid=$!
# Our own guard: the hung test must be over long before 60 s.
n=600
while [ "$n" -gt 0 ] && kill -0 "$inner_pid" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
if kill -0 "$inner_pid" 2>/dev/null; then
	fail "the hung test ended"
	diag "still running after 60 s; its output:"
	sed 's/^/#   /' "$tmp/out"
	kill_tree "$inner_pid"
	hung=$(cat "$tmp/hung.pid" 2>/dev/null)
	[ -n "$hung" ] && kill_tree "$hung"
	# Its tmux server (start() names it after the script's pid).
	tmux -L "duban-$inner_pid-1" -f /dev/null kill-server >/dev/null 2>&1
	done_testing
fi
wait "$inner_pid"
rc=$?
took=$(($(date +%s) - begin))
pass "the hung test ended, after $took s"
[ "$took" -lt 30 ]
ok $? "within TUI_TIMEOUT (3 s) and the time to clean up"
[ "$rc" -ne 0 ]
ok $? "with a failing exit status ($rc)"
grep -q '^ok 1 - the fake duban runs in tmux' "$tmp/out"
ok $? "the fake duban ran"
grep -q '^not ok 2 - watchdog: the test still ran after TUI_TIMEOUT=3 s: killed with SIGKILL' "$tmp/out"
ok $? "the test reports the watchdog"
grep -q "^# in the tmux server duban-.*hung-duban" "$tmp/out" || grep -q "^# in the tmux server duban-.*(sh)" "$tmp/out"
ok $? "naming what ran in its tmux server"
grep -q '^# .*hung duban' "$tmp/out"
ok $? "with the screen at the time"
grep -q '^1\.\.2$' "$tmp/out"
ok $? "and its plan (TAP stays well-formed)"
# gone: no such process, or a zombie that its new parent has yet to reap.
gone() {
	! kill -0 "$1" 2>/dev/null || sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
}
hung=$(cat "$tmp/hung.pid" 2>/dev/null)
n=20
while [ "$n" -gt 0 ] && [ -n "$hung" ] && ! gone "$hung"; do
	sleep 0.1
	n=$((n - 1))
done
[ -n "$hung" ] && gone "$hung"
ok $? "the hung duban (pid $hung) was killed"
if [ $tests_failed -gt 0 ]; then
	diag "the hung test's output:"
	sed 's/^/#   /' "$tmp/out"
fi

done_testing
