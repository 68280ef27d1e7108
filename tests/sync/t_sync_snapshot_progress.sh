#!/bin/sh
# The first download's progress line (issue 17): on a terminal (a private
# tmux server) `duban sync` of an empty ledger shows "first download:
# done/total", then that it builds the indexes (the search index follows
# in the background), and erases the line; nothing when stderr is not a
# terminal, nor with -q.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux not installed"
	exit 0
fi

add_user boss office || exit 1
# Enough items that the download outlasts the first redraw (250 ms).
seed_server 20000 甲县 乙县
start_server

# One private tmux server per command: a server being killed must not meet
# the next one starting on its socket.
nterm=0
sock=
socks=
cleanup_tmux() {
	for s in $socks; do
		tmux -L "$s" -f /dev/null kill-server >/dev/null 2>&1
	done
}
trap 'cleanup_tmux; srv_cleanup' EXIT

# term NAME ARGS...: duban as client NAME on the terminal of a private
# tmux server (stderr too); the shell prints the exit status when it ends.
term() {
	_pn=$1
	shift
	_pd=$tmp/c/$_pn
	nterm=$((nterm + 1))
	sock=duban-snapprog-$$-$nterm
	socks="$socks $sock"
	tmux -L "$sock" -f /dev/null start-server \; set-option -g remain-on-exit on \
		\; set-option -g status off \; new-session -d -x 150 -y 20 \
		env -i PATH="$PATH" TERM=screen-256color LC_ALL=C.UTF-8 TZ=UTC HOME="$_pd/home" \
		XDG_CONFIG_HOME="$_pd/config" XDG_DATA_HOME="$_pd/data" USER="$_pn" \
		DUBAN_TODAY="$DUBAN_TODAY" DUBAN_NOW="$DUBAN_NOW" \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		sh -c '"$@"; printf "[exit %s]\n" $?' sh "$DUBAN" --db "$_pd/ledger.db" "$@"
}
screen() {
	tmux -L "$sock" -f /dev/null capture-pane -p -S - 2>/dev/null | sed 's/ *$//'
}
# watch_until_exit: every screen until the command ends, in $tmp/screens
# (the line is erased at the end).
watch_until_exit() {
	: >"$tmp/screens"
	n=6000
	while [ "$n" -gt 0 ]; do
		screen >"$tmp/.screen"
		cat "$tmp/.screen" >>"$tmp/screens"
		grep -qF -- "[exit " "$tmp/.screen" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

login_client t boss || exit 1
term t sync
watch_until_exit || fail "the sync on a terminal ended"
like "$(cat "$tmp/screens")" "first download: " "a progress line for the first download"
like "$(cat "$tmp/screens")" "/20000 (" "... with done/total"
like "$(cat "$tmp/screens")" "building the indexes" "... then the indexes"
like "$(screen)" "[exit 0]" "the sync on a terminal exits 0"
is "$(screen | grep -c 'first download')" 0 "the line is erased when done"
is "$(sql_client t "SELECT count(*) FROM item")" 20000 "all 20000 items arrived"

# Piped, and -q on a terminal: no progress line.
login_client p boss || exit 1
sync_client p
exit_is 0 "a first download into a pipe exits 0"
is "$(printf '%s' "$err" | grep -c "$(printf '\r')" | tr -d ' ')" 0 "... with no progress bytes"
login_client q boss || exit 1
term q sync -q
watch_until_exit || fail "the quiet sync ended"
unlike "$(cat "$tmp/screens")" "first download" "-q: no progress line"
like "$(screen)" "[exit 0]" "-q: exits 0"
cleanup_tmux

done_testing
