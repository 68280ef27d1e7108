#!/bin/sh
# A server that lies (issue 12 #7, #4): duban sync against tests/sync/fakeserver.
# A pull cursor that repeats or goes backwards stops the sync at once with a
# clear error, and the stored cursor stays the last good one (it used to send
# ~900 requests in 40 s and store the cursor that went back); a server that
# never says "no more" is cut off after DUBAN_SYNC_MAX_PAGES pages, and the
# next sync goes on from where it stopped; an answer over 128 MB names the
# page size and what to do.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

FAKESERVER=${FAKESERVER:-$top_builddir/tests/sync/fakeserver}
if [ ! -x "$FAKESERVER" ]; then
	echo "1..0 # SKIP $FAKESERVER not built"
	exit 0
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 is not installed"
	exit 0
fi
FAKE_PID=
stop_fake() {
	[ -n "$FAKE_PID" ] || return 0
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}
trap 'stop_fake; rm -rf "$tmp"' EXIT
export DUBAN_SYNC_RETRIES=2 DUBAN_SYNC_BACKOFF_MS=20
XDG_CONFIG_HOME=$tmp/config
export XDG_CONFIG_HOME
mkdir -p "$XDG_CONFIG_HOME/duban"

# start_fake MODE: the fake server, and an account that points at it.
start_fake() {
	stop_fake
	rm -f "$tmp/port" "$tmp/count"
	"$FAKESERVER" --mode "$1" --port-file "$tmp/port" --count-file "$tmp/count" 2>>"$tmp/fake.err" &
	FAKE_PID=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	printf 'url=http://127.0.0.1:%s\nuser=tester\ndevice=liar-test\ninsecure_http=1\ntoken=t0k3n\n' \
		"$(cat "$tmp/port")" >"$XDG_CONFIG_HOME/duban/account"
	chmod 600 "$XDG_CONFIG_HOME/duban/account"
}

cursor() {
	sqlite3 "$DB" "SELECT value FROM sync_state WHERE key = 'cursor'" 2>/dev/null
}
set_cursor() {
	sqlite3 "$DB" "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('cursor', '$1')"
}
pulls() {
	cat "$tmp/count" 2>/dev/null
}


d list >/dev/null || exit 99

# ---- a cursor that repeats
start_fake repeat
run timeout 30 "$DUBAN" --db "$DB" sync --pull-only
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "repeat: the sync fails (exit $rc), and on its own"
like "$err" "does not move on" "repeat: the message says the cursor does not move on"
n=$(pulls)
[ "${n:-0}" -le 3 ]
ok $? "repeat: it stops after the first repeat ($n pull requests)"
is "$(cursor)" "5-aaaaaaaaaaaa" "repeat: the cursor of the first (good) page is kept"

# ---- a cursor that goes backwards
start_fake backwards
# (after start_fake: a sync to another server address starts from 0)
timeout 30 "$DUBAN" --db "$DB" sync --pull-only >/dev/null 2>&1
set_cursor "200-zzzzzzzzzzzz"
run timeout 30 "$DUBAN" --db "$DB" sync --pull-only
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "backwards: the sync fails (exit $rc)"
like "$err" "199-bbbbbbbbbbbb after 200-zzzzzzzzzzzz" "backwards: the message names both cursors"
n=$(pulls)
[ "${n:-0}" -le 3 ]
ok $? "backwards: it stops at once ($n pull requests)"
is "$(cursor)" "200-zzzzzzzzzzzz" "backwards: the stored cursor did not go back"

# ---- a server that never ends: cut off after DUBAN_SYNC_MAX_PAGES, resumable
start_fake creep
run env DUBAN_SYNC_MAX_PAGES=25 timeout 30 "$DUBAN" --db "$DB" sync --pull-only
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "creep: the sync stops (exit $rc)"
like "$err" "25 pages" "creep: the message names the bound"
like "$err" "again" "creep: ... and says to sync again"
is "$(cursor)" "25-cccccccccccc" "creep: the 25 pages applied are kept"
n=$(pulls)
[ "${n:-0}" -le 27 ]
ok $? "creep: no more than one page fetched ahead ($n pull requests)"
run env DUBAN_SYNC_MAX_PAGES=25 timeout 30 "$DUBAN" --db "$DB" sync --pull-only
is "$(cursor)" "50-cccccccccccc" "creep: the next sync goes on from there"

# ---- an answer over 128 MB
start_fake creep
run env DUBAN_SYNC_MAX_PAGES=3 timeout 30 "$DUBAN" --db "$DB" sync --pull-only
start_fake huge
timeout 30 "$DUBAN" --db "$DB" sync --pull-only >/dev/null 2>&1
set_cursor "3-cccccccccccc"
run timeout 60 "$DUBAN" --db "$DB" sync --pull-only
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "huge: the sync fails (exit $rc)"
like "$err" "128 MB" "huge: the message names the cap"
like "$err" "2000 changes" "huge: ... and the page size"
like "$err" "DUBAN_SYNC_PAGE" "huge: ... and what to do"
is "$(cursor)" "3-cccccccccccc" "huge: the cursor is kept"

stop_fake
done_testing
