#!/bin/sh
# Sync from the full-screen interface against the real server: S pulls the
# ledger in the background while keys keep working, the status line turns
# online and counts what waits, a conflict made on the server shows in the
# ledger and is settled in the conflict view, and the next S sends it.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux not installed"
	exit 0
fi

add_user office1 office || exit 1
add_user office2 office || exit 1
seed_server 40
start_server

login_client a office1 || exit 1
login_client b office2 || exit 1

sock=duban-sync-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
# screen: the pane as text; fails when there is no tmux server or pane.
screen() {
	tm capture-pane -p >"$tmp/.raw" 2>/dev/null || return 1
	sed 's/ *$//' "$tmp/.raw"
}
# pane_alive: the pane exists and duban (or the sh around it) still runs.
pane_alive() {
	[ "$(tm display-message -p '#{pane_dead}' 2>/dev/null)" = 0 ]
}
# wait_for TEXT [SECONDS]: TEXT is on the screen.  Fails at once when the
# interface is not up (no pane, or its process ended), so that no check
# passes against a dead or empty screen.
wait_for() {
	_n=$((${2:-10} * 20))
	while [ "$_n" -gt 0 ]; do
		if ! screen >"$tmp/.screen"; then
			: >"$tmp/.screen"
			return 1
		fi
		grep -qF -- "$1" "$tmp/.screen" && return 0
		case $1 in
		"[duban exit status"*) ;;
		*) pane_alive || return 1 ;;
		esac
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}
tui_stop() { tm kill-server >/dev/null 2>&1; }
trap 'tui_stop; srv_cleanup' EXIT

cd_a=$tmp/c/a
tm start-server \; set-option -g remain-on-exit on \; set-option -g status off \
	\; new-session -d -x 120 -y 40 \
	env -i PATH="$PATH" TERM=screen-256color LC_ALL=C.UTF-8 TZ=UTC DUBAN_TODAY="$DUBAN_TODAY" \
	HOME="$cd_a/home" XDG_CONFIG_HOME="$cd_a/config" XDG_DATA_HOME="$cd_a/data" USER=a \
	ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	sh -c '"$@"; printf "\r\n[duban exit status %s]\r\n" $?' sh "$DUBAN" --db "$cd_a/ledger.db"

wait_for "0 queued" && pane_alive
ok $? "the interface opens on the empty ledger of a logged-in client"
tm send-keys S
wait_for "received 40" 20
ok $? "S syncs in the background and says what it received"
wait_for "online"
ok $? "the status line says online after the sync"
wait_for "S-00001"
ok $? "the ledger shows the pulled items"
same_as_server a "after S"

# A conflict: b changes the owner on the server, a changes it offline.
client b sync -q >/dev/null 2>>"$CLIENT_ERR"
client b edit S-00001 --set owner=服务器上的负责人 >/dev/null 2>>"$CLIENT_ERR"
client b sync -q >/dev/null 2>>"$CLIENT_ERR"
tm send-keys ':'
sleep 0.2
tm send-keys -l 'quit'
tm send-keys Enter
wait_for "[duban exit status 0]"
ok $? ":quit leaves the interface with exit 0"
tm kill-server >/dev/null 2>&1
client a edit S-00001 --set owner=我的负责人 >/dev/null 2>>"$CLIENT_ERR"
tm start-server \; set-option -g remain-on-exit on \; set-option -g status off \
	\; new-session -d -x 120 -y 40 \
	env -i PATH="$PATH" TERM=screen-256color LC_ALL=C.UTF-8 TZ=UTC DUBAN_TODAY="$DUBAN_TODAY" \
	HOME="$cd_a/home" XDG_CONFIG_HOME="$cd_a/config" XDG_DATA_HOME="$cd_a/data" USER=a \
	ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	sh -c '"$@"; printf "\r\n[duban exit status %s]\r\n" $?' sh "$DUBAN" --db "$cd_a/ledger.db"
wait_for "1 queued"
ok $? "the unsent edit is counted in the status line"
tm send-keys S
wait_for "1 conflict" 20
ok $? "S brings the conflict: the status line counts it"
tm send-keys C
wait_for "服务器上的负责人"
ok $? "C opens the conflict view with the server's value"
grep -qF "我的负责人" "$tmp/.screen"
ok $? "... and mine"
tm send-keys m
# m throws the server's value away: it asks first.
wait_for "(y/N)"
tm send-keys y
wait_for "0 conflicts"
ok $? "m keeps mine: no conflict left"
tm send-keys S
wait_for "0 queued" 20
ok $? "the next S sends the resolution"
is "$(sql_server "SELECT owner FROM item WHERE code = 'S-00001'")" 我的负责人 "the server now holds the value kept"
tm send-keys q
sleep 0.3
tm send-keys q
wait_for "[duban exit status 0]"
ok $? "the interface exits 0"
grep -qF "[duban exit status 0]" "$tmp/.screen" && ! grep -q 'AddressSanitizer\|runtime error' "$tmp/.screen"
ok $? "no sanitizer report on the screen (of an interface that ran)"
done_testing
