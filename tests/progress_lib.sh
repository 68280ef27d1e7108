# A command on a terminal, for the progress-line tests (tests/cli/t_progress.sh,
# tests/server/t_admin_progress.sh): each command runs in the pane of a
# private tmux server.  Sourced after tests/cli/lib.sh.  POSIX sh.

# One private tmux server per command (a server being killed must not meet
# the next one starting on its socket).
npane=0
sock=
socks=
cleanup_tmux() {
	for s in $socks; do
		tmux -L "$s" -f /dev/null kill-server >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup_tmux EXIT

# The bytes a command writes to stderr when that is not a terminal.
progress_bytes() {
	printf '%s' "$1" | grep -c "$(printf '\r')" | tr -d ' '
}

# pane CMD...: a new private tmux server whose pane runs CMD in a shell that
# survives Ctrl-C and prints the exit status; stdout goes to $tmp/pane.out
# when OUT=file, else to the terminal.
pane() {
	[ -n "$sock" ] && tmux -L "$sock" -f /dev/null kill-server >/dev/null 2>&1
	npane=$((npane + 1))
	sock=duban-progress-$$-$npane
	socks="$socks $sock"
	tmux -L "$sock" -f /dev/null start-server \; set-option -g remain-on-exit on \
		\; set-option -g status off \; new-session -d -x 150 -y 20 \
		env -i PATH="$PATH" TERM=screen-256color LC_ALL=C.UTF-8 TZ=UTC HOME="$HOME" \
		DUBAN_TODAY="$DUBAN_TODAY" DUBAN_NOW="$DUBAN_NOW" USER=tester \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		sh -c 'trap : INT; "$@"; printf "[exit %s]\n" $?' sh "$@"
}

screen() {
	tmux -L "$sock" -f /dev/null capture-pane -p -S - 2>/dev/null | sed 's/ *$//'
}

# wait_screen TEXT [SECONDS]: until the pane shows TEXT; 1 when the time
# is up or the command ended without showing it.
wait_screen() {
	n=$((${2:-60} * 20))
	while [ "$n" -gt 0 ]; do
		screen >"$tmp/.screen"
		grep -qF -- "$1" "$tmp/.screen" && return 0
		grep -qF -- "[exit " "$tmp/.screen" && return 1
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# shows TEXT NAME: the pane shows TEXT (waits for it).
shows() {
	if wait_screen "$1" 60; then
		pass "$2"
	else
		fail "$2"
		screen | sed 's/^/#   /'
	fi
}

# interrupt TEXT: once the pane shows TEXT, Ctrl-C, then the exit.
interrupt() {
	if ! wait_screen "$1" 120; then
		fail "the progress line '$1' appears"
		screen | sed 's/^/#   /'
		return
	fi
	tmux -L "$sock" -f /dev/null send-keys C-c
	wait_screen "[exit " 60
}
