# Several duband instances on PostgreSQL, for tests/pg/t_*.sh.  Sourced after
# tests/server/lib.sh (TAP, certificates, api, push, op_*, pull_all) or
# tests/sync/lib.sh (which sources it), and tests/pg/lib.sh.  POSIX sh.
#
#   inst_start NAME STORE [SERVE-OPTIONS...]   duband serve --store STORE
#   inst_launch / inst_wait NAME   the same in two steps (several at once)
#   at NAME              the api/push/pull_all helpers talk to instance NAME
#   inst_stop NAME       SIGTERM, checked: exit 0, no sanitizer report
#   inst_kill NAME       SIGKILL (a crash)
#   inst_alive NAME      the instance's process still runs
#   store_user NAME ROLE [COUNTY...]   duband user add --store $STORE
#   push_to URL TOKEN FILE   POST FILE to URL's push, answer on stdout
#
# An instance's PID, URL and stderr are in PID_NAME, URL_NAME, ERR_NAME.

STORE=
# Blobs: a directory every instance shares (serve --blobs, needed with a
# PostgreSQL store).
BLOBS=$tmp/blobs
mkdir -p "$BLOBS"

# inst_start NAME STORE [SERVE-OPTIONS...]: duband serve on a free loopback
# port with the test certificate and --store STORE (and the VAR=VALUE words
# of INST_ENV in its environment); waits (20 s) for health.
inst_start() {
	_in=$1
	_is=$2
	shift 2
	_itries=0
	while :; do
		_itries=$((_itries + 1))
		_iport=$(random_port)
		SRV_N=$((SRV_N + 1))
		_ierr=$tmp/$_in.$SRV_N.err
		# shellcheck disable=SC2086
		env ${INST_ENV:-} ${SRV_NOW:+DUBAN_NOW=$SRV_NOW} "$DUBAND" serve --listen "127.0.0.1:$_iport" \
			--tls-cert "$CERT" --tls-key "$KEY" --store "$_is" --blobs "$BLOBS" --log "$tmp/access.$_in.log" "$@" \
			>"$tmp/$_in.$SRV_N.out" 2>"$_ierr" &
		_ipid=$!
		BG_PIDS="$BG_PIDS $_ipid"
		eval "PID_$_in=$_ipid URL_$_in=https://127.0.0.1:$_iport ERR_$_in=$_ierr"
		_iw=0
		while [ $_iw -lt 200 ]; do
			health_ok "https://127.0.0.1:$_iport" && return 0
			kill -0 "$_ipid" 2>/dev/null || break
			sleep 0.1
			_iw=$((_iw + 1))
		done
		if kill -0 "$_ipid" 2>/dev/null; then
			echo "Bail out! duband $_in did not answer health within 20 s"
			sed 's/^/# /' "$_ierr"
			exit 1
		fi
		wait "$_ipid" 2>/dev/null
		if [ $_itries -lt 10 ] && grep -qi 'in use\|bind' "$_ierr"; then
			continue
		fi
		echo "Bail out! duband serve --store ($_in) exited at start"
		sed 's/^/# /' "$_ierr"
		exit 1
	done
}

# inst_launch NAME STORE [SERVE-OPTIONS...]: inst_start without the wait
# (several instances coming up at once); inst_wait NAME waits for health
# (20 s) and returns 1 when it does not come.
inst_launch() {
	_in=$1
	_is=$2
	shift 2
	_iport=$(random_port)
	SRV_N=$((SRV_N + 1))
	_ierr=$tmp/$_in.$SRV_N.err
	# shellcheck disable=SC2086
	env ${INST_ENV:-} ${SRV_NOW:+DUBAN_NOW=$SRV_NOW} "$DUBAND" serve --listen "127.0.0.1:$_iport" \
		--tls-cert "$CERT" --tls-key "$KEY" --store "$_is" --blobs "$BLOBS" --log "$tmp/access.$_in.log" "$@" \
		>"$tmp/$_in.$SRV_N.out" 2>"$_ierr" &
	BG_PIDS="$BG_PIDS $!"
	eval "PID_$_in=$! URL_$_in=https://127.0.0.1:$_iport ERR_$_in=$_ierr"
}
inst_wait() {
	_iw=0
	while [ $_iw -lt 200 ]; do
		health_ok "$(inst_url "$1")" && return 0
		inst_alive "$1" || break
		sleep 0.1
		_iw=$((_iw + 1))
	done
	diag "duband $1 did not come up:"
	sed 's/^/#   /' "$(inst_err "$1")" | head -20
	return 1
}

inst_pid() { eval "echo \${PID_$1:-}"; }
inst_url() { eval "echo \${URL_$1:-}"; }
inst_err() { eval "echo \${ERR_$1:-}"; }

# at NAME: $URL (used by api, push, pull_all, login) is instance NAME's.
at() {
	URL=$(inst_url "$1")
}

inst_alive() {
	_ip=$(inst_pid "$1")
	[ -n "$_ip" ] && kill -0 "$_ip" 2>/dev/null
}

# inst_stop NAME: SIGTERM, wait (20 s); a test that it exited 0 without a
# sanitizer report.
inst_stop() {
	_ip=$(inst_pid "$1")
	[ -n "$_ip" ] || return 0
	kill_child TERM "$_ip"
	_iw=0
	while kill -0 "$_ip" 2>/dev/null && [ $_iw -lt 200 ]; do
		sleep 0.1
		_iw=$((_iw + 1))
	done
	kill -0 "$_ip" 2>/dev/null && { kill_child KILL "$_ip"; diag "duband $1 did not exit within 20 s of SIGTERM"; }
	wait "$_ip"
	_irc=$?
	eval "PID_$1="
	if [ "$_irc" = 0 ] && srv_stderr_clean "$(inst_err "$1")"; then
		pass "duband $1 exits 0 on SIGTERM, no sanitizer report"
	else
		fail "duband $1 exits 0 on SIGTERM, no sanitizer report"
		diag "exit code $_irc; stderr:"
		sed 's/^/#   /' "$(inst_err "$1")" | head -40
	fi
}

# inst_kill NAME: SIGKILL, no questions asked.
inst_kill() {
	_ip=$(inst_pid "$1")
	[ -n "$_ip" ] || return 0
	kill_child KILL "$_ip"
	wait "$_ip" 2>/dev/null
	eval "PID_$1="
}

# store_user NAME ROLE [COUNTY...]: a user with password $PW in $STORE.
store_user() {
	_n=$1
	_r=$2
	shift 2
	set -- "$_n" --role "$_r" $(for _c in "$@"; do printf -- '--county %s ' "$_c"; done)
	printf '%s\n%s\n' "$PW" "$PW" | "$DUBAND" user add "$@" --store "$STORE" >"$tmp/.adduser" 2>&1 || {
		diag "duband user add $* --store failed:"
		sed 's/^/#   /' "$tmp/.adduser"
		return 1
	}
}

# push_to URL TOKEN FILE: the answer of POST FILE to URL/api/v1/push (empty
# when there was none).
push_to() {
	curl -s --max-time "${PUSH_MAX_TIME:-60}" --cacert "$CA" -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary @"$3" "$1/api/v1/push" 2>/dev/null
}

# store_export: the items in $STORE, normalised as tests/sync/lib.sh does
# (duband export --store reads the database while the servers run).
store_export() {
	"$DUBAND" export --store "$STORE" --format json 2>>"$tmp/duband-export.err"
}
