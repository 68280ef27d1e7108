# A throw-away PostgreSQL cluster for the tests, sourced by tests/pg/t_*.sh
# and by tests/server/lib.sh when DUBAN_STORE=pg.  POSIX sh: CI runs dash.
#
#   pg_check            can a cluster be started here?  (reason in $PG_WHY)
#   pg_require [backend]  skip the test (fail in CI) when not, or when
#                       duband has no PostgreSQL backend
#   pg_start            initdb + start a primary in a new temp dir, on a
#                       Unix socket only; exports PGHOST, PGPORT, PGUSER
#   pg_new_db NAME      a fresh database; prints its libpq URI
#   pg_sql DB SQL       one psql call, unaligned, stops at the first error
#   pg_replica_start    a streaming replica (pg_basebackup -R) that the
#                       primary's commits wait for (synchronous_standby_names)
#   pg_replica_detach   the replica stops streaming and the primary's commits
#                       no longer wait for it (a lagging async replica)
#   pg_kill_primary     pg_ctl -m immediate stop of the primary (a crash)
#   pg_promote          the replica becomes the primary
#   pg_bouncer_start    pgbouncer in transaction mode in front of the primary
#   pg_teardown         stops everything above and removes the dir (on EXIT)
#
# As root, the server programs run as the `postgres` user (initdb refuses
# root) in a dir that user owns; as anyone else, as that user.  Nothing
# listens on TCP (listen_addresses=''): the "port" is only the number in the
# socket's file name, random so that parallel tests may share /tmp.  The
# superuser of the cluster is the role duban_test (initdb -U), trusted on the
# socket, so no password is ever needed.
#
# Teardown: pg_start chains pg_teardown before the EXIT trap of the caller's
# library (srv_cleanup of tests/server/lib.sh, else the rm of $tmp of
# tests/cli/lib.sh); a script that sets its own EXIT trap after pg_start must
# call pg_teardown in it.  A watchdog (its own session, so a kill of the
# test's process group does not take it) stops the cluster if the test dies
# without running its trap (SIGKILL).

PG_BINDIR=${PG_BINDIR:-}
if [ -z "$PG_BINDIR" ]; then
	PG_BINDIR=$(pg_config --bindir 2>/dev/null)
	[ -x "$PG_BINDIR/initdb" ] || PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
PG_BOUNCER=${PG_BOUNCER:-$(command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer)}
PG_DIR=
PG_WHY=
PG_PRIMARY=
PG_REPLICA=
PG_REPLICA_PORT=
PG_REPLICAS=0
PG_CLUSTERS=
PG_BOUNCER_PORT=
PG_WATCHDOG=
PGUSER=duban_test
export PGUSER
unset PGDATABASE PGSERVICE PGPASSWORD PGSSLMODE PGTARGETSESSIONATTRS

# pg_check: 0 when initdb, pg_ctl, postgres and psql are there (and, as
# root, the postgres user to run them as); else 1 with the reason in PG_WHY.
pg_check() {
	for _pgt in initdb pg_ctl postgres pg_basebackup; do
		if [ ! -x "$PG_BINDIR/$_pgt" ]; then
			PG_WHY="PostgreSQL server programs not found (no $PG_BINDIR/$_pgt; Debian: apt-get install postgresql)"
			return 1
		fi
	done
	if ! command -v psql >/dev/null 2>&1; then
		PG_WHY="psql is not installed (Debian: postgresql-client)"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_WHY="running as root and there is no postgres user to run the server as"
		return 1
	fi
	return 0
}

# pg_check_bouncer: 0 when pgbouncer is installed, else 1 with PG_WHY.
pg_check_bouncer() {
	[ -x "$PG_BOUNCER" ] && return 0
	PG_WHY="pgbouncer is not installed (Debian: apt-get install pgbouncer)"
	return 1
}

# pg_require [backend]: skips the test (TAP plan 1..0) when no cluster can be
# started here, or, with "backend", when duband was built without PostgreSQL
# (configure --without-postgresql, or no libpq: see pg_backend_built).  In CI (CI=true) each is a failure instead:
# CI installs everything (contrib/setup-debian.sh --test-tools).
pg_require() {
	# CI runs the PostgreSQL tests once, in tests/run.sh, not again inside
	# make distcheck (.ci/run sets DUBAN_PG_TESTS=elsewhere there).
	if [ "${DUBAN_PG_TESTS:-}" = elsewhere ]; then
		echo "1..0 # SKIP the PostgreSQL tests run in tests/run.sh (DUBAN_PG_TESTS=elsewhere)"
		exit 0
	fi
	if pg_check; then
		[ "${1:-}" = backend ] || return 0
		pg_backend_built && return 0
		PG_WHY="duband was built without PostgreSQL (configure found no libpq, or --without-postgresql)"
	fi
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $PG_WHY"
		exit 1
	fi
	echo "1..0 # SKIP $PG_WHY"
	exit 0
}

# pg_backend_built: duband has its PostgreSQL store: `duband --version` names
# libpq, or a store URI is not refused with "built without PostgreSQL" (the
# probe's socket dir does not exist: nothing is reached).
pg_backend_built() {
	"${DUBAND:-duband}" --version 2>/dev/null | grep -q libpq && return 0
	! "${DUBAND:-duband}" user list --store 'postgresql:///duban?host=/nonexistent/duban-probe' 2>&1 |
		grep -q 'without PostgreSQL\|unknown option'
}

# _pg_as CMD...: CMD as the cluster's owner, from inside $PG_DIR (the
# caller's cwd may be a dir that user cannot enter).
_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$PG_DIR" && runuser -u postgres -- "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

_pg_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
}

# _pg_fail TEXT LOG: bail out of the TAP stream with the log's tail.
_pg_fail() {
	echo "Bail out! $1"
	[ -f "$2" ] && tail -n 30 "$2" | sed 's/^/# /'
	exit 1
}

# _pg_initdb DIR: a new cluster in DIR, tuned for tests (no fsync: the tests
# kill processes, not the machine; the WAL still makes a crash of the server
# process survivable).
_pg_initdb() {
	_pg_as "$PG_BINDIR/initdb" -D "$1" -U "$PGUSER" --auth-local=trust --auth-host=reject \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		_pg_fail "initdb failed" "$PG_DIR/initdb.log"
	cat >>"$1/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
fsync = off
full_page_writes = off
max_connections = 200
shared_buffers = 32MB
wal_level = replica
max_wal_senders = 4
wal_keep_size = 64MB
log_min_messages = warning
log_line_prefix = '%m [%p] %a '
EOF
	# PG_CONF_EXTRA: more lines, later ones win (the benchmark turns fsync
	# back on and gives more memory).
	[ -z "${PG_CONF_EXTRA:-}" ] || printf '%s\n' "$PG_CONF_EXTRA" >>"$1/postgresql.conf"
}

# _pg_ctl_start DATADIR PORT LOG: start and wait until it accepts connections.
_pg_ctl_start() {
	PG_CLUSTERS="$PG_CLUSTERS $1"
	_pg_as "$PG_BINDIR/pg_ctl" -D "$1" -o "-p $2" -l "$3" -w -t 60 start >>"$PG_DIR/pg_ctl.log" 2>&1 ||
		_pg_fail "pg_ctl start of $1 failed" "$3"
}

# _pg_stop DATADIR: immediate stop when it runs (our own cluster: pg_ctl
# reads the postmaster's PID from DATADIR/postmaster.pid).
_pg_stop() {
	[ -f "$1/postmaster.pid" ] || return 0
	_pg_as "$PG_BINDIR/pg_ctl" -D "$1" -m immediate -w -t 30 stop >>"$PG_DIR/pg_ctl.log" 2>&1
}

# pg_start: a primary in a new temp dir; exports PGHOST (the socket dir),
# PGPORT and PGUSER, and chains pg_teardown into the EXIT trap.
pg_start() {
	pg_check || { echo "Bail out! $PG_WHY"; exit 1; }
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/duban-pg.XXXXXX") || exit 99
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
	_pg_exit=${PG_EXIT_CHAIN-}
	if [ -z "$_pg_exit" ]; then
		if command -v srv_cleanup >/dev/null 2>&1; then
			_pg_exit=srv_cleanup
		elif [ -n "${tmp:-}" ]; then
			_pg_exit='rm -rf "$tmp"'
		fi
	fi
	# shellcheck disable=SC2064
	trap "pg_teardown; $_pg_exit" EXIT
	PG_PRIMARY=$PG_DIR/primary
	_pg_initdb "$PG_PRIMARY"
	PGHOST=$PG_DIR
	PGPORT=$(_pg_port)
	export PGHOST PGPORT
	_pg_ctl_start "$PG_PRIMARY" "$PGPORT" "$PG_DIR/primary.log"
	_pg_watchdog
}

# _pg_watchdog: when the test's shell is gone and its trap did not run, stop
# the clusters and pgbouncer and remove the dir.  Its command line names
# $PG_DIR, which pg_teardown checks before killing it.
_pg_watchdog() {
	_pg_as_root=no
	[ "$(id -u)" = 0 ] && _pg_as_root=yes
	setsid sh -c '
		dir=$1 owner=$2 bindir=$3 as_root=$4
		while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
		[ -d "$dir" ] || exit 0
		if [ -f "$dir/pgbouncer.pid" ]; then
			p=$(cat "$dir/pgbouncer.pid")
			grep -q pgbouncer "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p"
		fi
		for d in "$dir"/*/; do
			[ -f "$d/postmaster.pid" ] || continue
			if [ "$as_root" = yes ]; then
				(cd "$dir" && runuser -u postgres -- "$bindir/pg_ctl" -D "$d" -m immediate stop)
			else
				"$bindir/pg_ctl" -D "$d" -m immediate stop
			fi
		done >/dev/null 2>&1
		rm -rf "$dir"
	' duban-pg-watchdog "$PG_DIR" $$ "$PG_BINDIR" "$_pg_as_root" </dev/null >/dev/null 2>&1 &
	PG_WATCHDOG=$!
}

# pg_teardown: stops pgbouncer, the replica and the primary, and removes the
# dir.  Only our own processes: PIDs from our dir's pid files.
pg_teardown() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
	pg_bouncer_stop
	for _pgc in $PG_CLUSTERS; do
		_pg_stop "$_pgc"
	done
	if [ -n "$PG_WATCHDOG" ] && grep -q "$PG_DIR" "/proc/$PG_WATCHDOG/cmdline" 2>/dev/null; then
		kill "$PG_WATCHDOG" 2>/dev/null
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_sql DB SQL [PSQL-ARGS...]: SQL on database DB of the primary (or of
# PGPORT), one row a line, fields separated by |.
pg_sql() {
	_pgdb=$1
	_pgq=$2
	shift 2
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$_pgdb" -c "$_pgq" "$@"
}

# pg_uri DB [PORT...]: the libpq URI of DB on our socket dir; with several
# ports, one host entry each (the socket dir, repeated), in that order.
pg_uri() {
	_pgdb=$1
	shift
	[ $# -gt 0 ] || set -- "$PGPORT"
	_pghosts=
	_pgports=
	for _pgp in "$@"; do
		_pghosts="$_pghosts,$PG_DIR"
		_pgports="$_pgports,$_pgp"
	done
	echo "postgresql:///$_pgdb?host=${_pghosts#,}&port=${_pgports#,}&user=$PGUSER"
}

# pg_new_db NAME: creates database NAME on the primary and prints its URI.
pg_new_db() {
	pg_sql postgres "CREATE DATABASE \"$1\"" >"$PG_DIR/createdb.log" 2>&1 ||
		_pg_fail "CREATE DATABASE $1 failed" "$PG_DIR/createdb.log"
	pg_uri "$1"
}

# pg_replica_start [PORT]: a streaming replica of the primary in
# $PG_DIR/replicaN, on PORT (default random), in PG_REPLICA and
# PG_REPLICA_PORT.  The primary then waits for it at every commit
# (synchronous_standby_names), so what the primary answered is on the
# replica too.  The replica's own synchronous_standby_names is empty: once
# promoted it has no standby to wait for.
pg_replica_start() {
	PG_REPLICAS=$((PG_REPLICAS + 1))
	PG_REPLICA=$PG_DIR/replica$PG_REPLICAS
	PG_REPLICA_PORT=${1:-$(_pg_port)}
	[ "$PG_REPLICA_PORT" = "$PGPORT" ] && PG_REPLICA_PORT=$((PGPORT + 1))
	_pg_as "$PG_BINDIR/pg_basebackup" -h "$PG_DIR" -p "$PGPORT" -U "$PGUSER" -D "$PG_REPLICA" \
		-R -X stream -c fast -d "application_name=duban_replica" \
		>"$PG_DIR/basebackup.log" 2>&1 ||
		_pg_fail "pg_basebackup failed" "$PG_DIR/basebackup.log"
	printf "synchronous_standby_names = ''\n" >>"$PG_REPLICA/postgresql.conf"
	_pg_ctl_start "$PG_REPLICA" "$PG_REPLICA_PORT" "$PG_REPLICA.log"
	pg_sql postgres "ALTER SYSTEM SET synchronous_standby_names = 'duban_replica'" >/dev/null &&
		pg_sql postgres "SELECT pg_reload_conf()" >/dev/null ||
		_pg_fail "could not make the replica synchronous" "$PG_DIR/primary.log"
	_pgw=0
	while [ "$(pg_sql postgres "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'duban_replica'")" != sync ]; do
		_pgw=$((_pgw + 1))
		[ $_pgw -lt 300 ] || _pg_fail "the replica did not become synchronous in 30 s" "$PG_REPLICA.log"
		sleep 0.1
	done
}

# pg_replica_detach: the replica stops receiving WAL (its primary_conninfo
# emptied) and the primary no longer waits for it: what is committed from now
# on is on the primary only, as with asynchronous replication that lags.
pg_replica_detach() {
	pg_sql postgres "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null &&
		pg_sql postgres "SELECT pg_reload_conf()" >/dev/null &&
		pg_sql postgres "ALTER SYSTEM SET primary_conninfo = ''" -p "$PG_REPLICA_PORT" >/dev/null &&
		pg_sql postgres "SELECT pg_reload_conf()" -p "$PG_REPLICA_PORT" >/dev/null ||
		_pg_fail "could not detach the replica" "$PG_REPLICA.log"
	_pgw=0
	while [ -n "$(pg_sql postgres "SELECT 1 FROM pg_stat_replication")" ]; do
		_pgw=$((_pgw + 1))
		[ $_pgw -lt 300 ] || _pg_fail "the replica still streams after 30 s" "$PG_REPLICA.log"
		sleep 0.1
	done
}

# pg_kill_primary: the primary dies at once (no checkpoint, no goodbye to
# its clients or its replica), as in a power cut of its process.
pg_kill_primary() {
	_pg_stop "$PG_PRIMARY" || _pg_fail "pg_ctl -m immediate stop of the primary failed" "$PG_DIR/pg_ctl.log"
}

# pg_promote: the replica leaves recovery and takes writes; from then on it
# is the primary (PG_PRIMARY, PGPORT), and pg_replica_start makes a replica
# of it.
pg_promote() {
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PG_REPLICA" -w -t 60 promote >>"$PG_DIR/pg_ctl.log" 2>&1 ||
		_pg_fail "pg_ctl promote failed" "$PG_REPLICA.log"
	PG_PRIMARY=$PG_REPLICA
	PGPORT=$PG_REPLICA_PORT
	export PGPORT
}

# pg_bouncer_start: pgbouncer (pool_mode = transaction, as Debian's 1.18 is
# deployed in front of PostgreSQL) on its own socket in $PG_DIR, port
# PG_BOUNCER_PORT, every database passed through to the primary.  It refuses
# to run as root, so it runs as the cluster's owner too.
pg_bouncer_start() {
	pg_check_bouncer || { echo "Bail out! $PG_WHY"; exit 1; }
	PG_BOUNCER_PORT=$(_pg_port)
	[ "$PG_BOUNCER_PORT" = "$PGPORT" ] && PG_BOUNCER_PORT=$((PGPORT + 1))
	printf '"%s" ""\n' "$PGUSER" >"$PG_DIR/bouncer.users"
	cat >"$PG_DIR/pgbouncer.ini" <<EOF
[databases]
* = host=$PG_DIR port=$PGPORT

[pgbouncer]
listen_addr =
listen_port = $PG_BOUNCER_PORT
unix_socket_dir = $PG_DIR
auth_type = trust
auth_file = $PG_DIR/bouncer.users
admin_users = $PGUSER
pool_mode = transaction
max_client_conn = 400
default_pool_size = 10
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $PG_DIR/pgbouncer.log
pidfile = $PG_DIR/pgbouncer.pid
EOF
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/pgbouncer.ini" "$PG_DIR/bouncer.users"
	_pg_as "$PG_BOUNCER" -d -q "$PG_DIR/pgbouncer.ini" >"$PG_DIR/pgbouncer.out" 2>&1 ||
		_pg_fail "pgbouncer did not start" "$PG_DIR/pgbouncer.log"
	_pgw=0
	while ! psql -X -q -At -p "$PG_BOUNCER_PORT" -d postgres -c 'SELECT 1' >/dev/null 2>&1; do
		_pgw=$((_pgw + 1))
		[ $_pgw -lt 100 ] || _pg_fail "pgbouncer does not answer in 10 s" "$PG_DIR/pgbouncer.log"
		sleep 0.1
	done
}

# pg_bouncer_stop: SIGTERM (immediate shutdown) to our pgbouncer (the PID in our pid file, if that
# process is a pgbouncer), and wait for it.
pg_bouncer_stop() {
	[ -f "$PG_DIR/pgbouncer.pid" ] || return 0
	_pgb=$(cat "$PG_DIR/pgbouncer.pid")
	if grep -q pgbouncer "/proc/$_pgb/cmdline" 2>/dev/null; then
		kill -TERM "$_pgb" 2>/dev/null
		_pgw=0
		while kill -0 "$_pgb" 2>/dev/null && [ $_pgw -lt 50 ]; do
			sleep 0.1
			_pgw=$((_pgw + 1))
		done
		kill -0 "$_pgb" 2>/dev/null && kill -KILL "$_pgb" 2>/dev/null
	fi
	rm -f "$PG_DIR/pgbouncer.pid"
}

# pg_uri_bouncer DB: the URI of DB through pgbouncer.
pg_uri_bouncer() {
	pg_uri "$1" "$PG_BOUNCER_PORT"
}
