#!/bin/sh
# Opening an attachment from the full-screen interface against the real
# server (issue 16.4): client a attaches a photo and syncs; client b has
# the record but not the bytes, shows it as sent, and x downloads the photo
# into the local blob store, then (no display, no $DUBAN_OPEN) shows its
# local path.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux not installed"
	exit 0
fi

add_user office1 office || exit 1
add_user office2 office || exit 1
seed_server 5
start_server

login_client a office1 || exit 1
login_client b office2 || exit 1
sync_client a
exit_is 0 "a pulls the ledger"
head -c 5000 /dev/urandom >"$tmp/photo.jpg"
sha=$(sha256sum "$tmp/photo.jpg" | cut -d' ' -f1)
crun a attach S-00002 "$tmp/photo.jpg" --kind after
exit_is 0 "a attaches a photo after"
sync_client a
exit_is 0 "a sends it"
sync_client b
exit_is 0 "b pulls the record"
cd_b=$tmp/c/b
blob=$cd_b/data/duban/blobs/$(printf %.2s "$sha")/$sha
[ ! -e "$blob" ]
ok $? "b has no copy of the bytes yet"

sock=duban-open-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
screen() {
	tm capture-pane -p >"$tmp/.raw" 2>/dev/null || return 1
	sed 's/ *$//' "$tmp/.raw"
}
wait_for() {
	_n=$((${2:-10} * 20))
	while [ "$_n" -gt 0 ]; do
		screen >"$tmp/.screen" || return 1
		grep -qF -- "$1" "$tmp/.screen" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}
tui_stop() { tm kill-server >/dev/null 2>&1; }
trap 'tui_stop; srv_cleanup' EXIT

tm start-server \; set-option -g remain-on-exit on \; set-option -g status off \
	\; new-session -d -x 80 -y 24 \
	env -i PATH="$PATH" TERM=screen-256color LC_ALL=C.UTF-8 TZ=UTC DUBAN_TODAY="$DUBAN_TODAY" \
	HOME="$cd_b/home" XDG_CONFIG_HOME="$cd_b/config" XDG_DATA_HOME="$cd_b/data" USER=b \
	ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	sh -c '"$@"; printf "\r\n[duban exit status %s]\r\n" $?' sh "$DUBAN" --db "$cd_b/ledger.db"

wait_for "0 queued"
ok $? "b's interface is up"
tm send-keys ':'
sleep 0.2
tm send-keys -l 'goto S-00002'
tm send-keys Enter
sleep 0.5
tm send-keys Enter
sleep 0.5
tm send-keys G
wait_for "photo.jpg · photo after · 4.9 KB · sent"
ok $? "the detail lists the attachment as sent"
tm send-keys x
# The path is longer than the status line: its start is enough here.
wait_for "photo.jpg is at $cd_b/data/duban/blobs/"
ok $? "x downloads it and shows its local path" || sed 's/^/#   /' "$tmp/.screen"
cmp -s "$tmp/photo.jpg" "$blob"
ok $? "the downloaded copy is byte-identical"
tm send-keys q
sleep 0.3
tm send-keys q
wait_for "[duban exit status 0]"
ok $? "b quits cleanly"
done_testing
