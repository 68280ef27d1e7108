#!/bin/sh
# Online or offline at a glance (issue 16, point 10): the status line has a
# colour of its own for online, offline and a failed sync; a login made
# elsewhere turns it online; a failed sync names its cause and keeps the
# last good sync's time; while connecting it counts the retries.
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
# The last good sync, then one that failed with a server error.
sqlite3 "$DB" "
INSERT INTO sync_state (key, value) VALUES ('last_sync', '2026-06-13T09:00:00Z');
INSERT INTO sync_log (started_at, finished_at, phase, error) VALUES
 ('2026-06-14T10:00:00Z', '2026-06-14T10:00:02Z', 'failed', 'server: the server failed (HTTP 500); try again later');"
ok $? "a good sync on 06-13 and a failed one on 06-14, written with sqlite3"

# An account on a port where nothing listens, written before that sync.
ACC=$tmp/cfg/duban/account
printf 'url=https://127.0.0.1:9\nuser=li\ntoken=%s\ndevice=test\n' \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" >"$ACC"
chmod 600 "$ACC"
touch -d "2026-06-01 00:00:00 UTC" "$ACC"

# The status line's colours: the escape sequences before its first word
# (the line starts with a space).
colour() {
	t capture-pane -p -e | sed -n '$p' | sed 's/ .*//' | tr '\033' E
}
LAST=$(L "last sync: 2026-06-13 09:00" "上次同步：2026-06-13 09:00")

start 120 40 DUBAN_SYNC_RETRIES=3 DUBAN_SYNC_BACKOFF_MS=3000
screen_has "$(L "sync failed (server error) · $LAST" "同步失败（服务器错误） · $LAST")" \
	"a failed sync: its cause, and the last good sync's time"
error_colour=$(colour)

# duban login elsewhere writes the account: online within a second.
touch "$ACC"
wait_for "$(L "online · $LAST" "在线 · $LAST")" 2
ok $? "a login elsewhere: online at once"
online_colour=$(colour)

keys S
wait_for "$(L " of 3)" "次重试，共 3 次）")" 15
ok $? "connecting shows the retry count"
# The failure's message covers the status line until the next key.
wait_for "$(L "offline: cannot connect" "离线：")" 30
keys j
screen_has "$(L "offline (server unreachable) · $LAST" "离线（无法连接服务器） · $LAST")" \
	"the failed sync: offline, why, and still the last good sync's time"
offline_colour=$(colour)

[ -n "$error_colour" ] && [ "$error_colour" != "$online_colour" ] && [ "$online_colour" != "$offline_colour" ] &&
	[ "$error_colour" != "$offline_colour" ]
ok $? "three colours: error '$error_colour', online '$online_colour', offline '$offline_colour'"
quit

# Not logged in at all: offline, not online.
rm -f "$ACC"
start 80 24
screen_has "$(L "offline (not logged in)" "离线（未登录）")" "without an account: offline (not logged in)"
quit

done_testing
