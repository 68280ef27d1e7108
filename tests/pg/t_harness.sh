#!/bin/sh
# The throw-away PostgreSQL harness itself (tests/pg/lib.sh), with psql only:
# a cluster on a socket and nowhere else, fresh databases, a synchronous
# replica that survives the primary's death and is promoted, a multi-host
# URI that finds the writable one, pgbouncer in transaction mode, and a
# teardown that leaves nothing running (also when the test is SIGKILLed).
. "$(dirname "$0")/../cli/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
pg_require

# alive PID: the process runs (a zombie, left unreaped where PID 1 does not
# reap, counts as gone).
alive() {
	[ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) \([A-Z]\) .*$/\1/' "/proc/$1/stat")" != Z ]
}

pg_start
is "$PGHOST" "$PG_DIR" "PGHOST is the cluster's socket dir"
[ -S "$PG_DIR/.s.PGSQL.$PGPORT" ]
ok $? "the socket is $PG_DIR/.s.PGSQL.$PGPORT"
is "$(pg_sql postgres 'SHOW listen_addresses')" "" "no TCP listener (listen_addresses is empty)"
is "$(pg_sql postgres 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" t \
	"PGUSER ($PGUSER) is a superuser"
is "$(pg_sql postgres 'SHOW server_version_num' | cut -c1-2)" 15 "PostgreSQL 15"

uri=$(pg_new_db harness_a)
like "$uri" "postgresql:///harness_a?host=$PG_DIR&port=$PGPORT" "pg_new_db prints a libpq URI"
# the URI alone, without the environment, reaches the new database
is "$(env -u PGHOST -u PGPORT psql -X -At -d "$uri" -c 'SELECT current_database()')" harness_a \
	"psql reaches the new database with the URI alone"
uri_b=$(pg_new_db harness_b)
pg_sql harness_a 'CREATE TABLE t (id int PRIMARY KEY, v text)'
is "$(pg_sql harness_b "SELECT count(*) FROM pg_tables WHERE tablename = 't'")" 0 \
	"a second database is a separate one"
unset uri_b

# ---- replica, synchronous
pg_replica_start
is "$(pg_sql postgres "SELECT sync_state FROM pg_stat_replication")" sync "the replica is synchronous"
is "$(pg_sql postgres 'SELECT pg_is_in_recovery()' -p "$PG_REPLICA_PORT")" t "the replica is in recovery"
# 50 transactions, one psql
seq 1 50 | sed "s/.*/INSERT INTO t VALUES (&, 'before');/" | psql -X -q -v ON_ERROR_STOP=1 -d harness_a
# Synchronous: each commit above returned only once the replica had it
# (flushed; remote_apply would be needed to read it there at once, so wait
# for replay before reading).
lsn=$(pg_sql postgres 'SELECT pg_current_wal_lsn()')
w=0
while [ "$(pg_sql postgres "SELECT pg_last_wal_replay_lsn() >= '$lsn'" -p "$PG_REPLICA_PORT")" != t ] && [ $w -lt 100 ]; do
	sleep 0.1
	w=$((w + 1))
done
is "$(pg_sql harness_a 'SELECT count(*) FROM t' -p "$PG_REPLICA_PORT")" 50 "the 50 rows are on the replica"
run pg_sql harness_a "INSERT INTO t VALUES (99, 'x')" -p "$PG_REPLICA_PORT"
like "$err" "read-only transaction" "the replica refuses writes"

# A URI naming both, read-write wanted: libpq picks the primary.
both=$(pg_uri harness_a "$PG_REPLICA_PORT" "$PGPORT")
is "$(psql -X -At -d "$both&target_session_attrs=read-write" -c 'SHOW port')" "$PGPORT" \
	"target_session_attrs=read-write skips the replica"

# ---- detached: the primary's commits stay there
pg_replica_detach
is "$(pg_sql postgres "SELECT count(*) FROM pg_stat_replication")" 0 "pg_replica_detach: no standby streams"
pg_sql harness_a "INSERT INTO t VALUES (1000, 'primary only')" >/dev/null
ok $? "... the primary commits without waiting"
sleep 1
is "$(pg_sql harness_a 'SELECT count(*) FROM t' -p "$PG_REPLICA_PORT")" 50 "... and the replica does not get it"

# ---- the primary dies, the replica is promoted
primary_pid=$(head -n 1 "$PG_PRIMARY/postmaster.pid")
pg_kill_primary
alive "$primary_pid"
ok $((!$?)) "pg_kill_primary: the primary's postmaster is gone"
run psql -X -At -d "$both&target_session_attrs=read-write" -c 'SELECT 1'
[ "$rc" != 0 ]
ok $? "before promotion no server takes writes"
pg_promote
is "$(pg_sql postgres 'SELECT pg_is_in_recovery()' -p "$PG_REPLICA_PORT")" f "the replica is promoted"
is "$(psql -X -At -d "$both&target_session_attrs=read-write" -c 'SHOW port')" "$PG_REPLICA_PORT" \
	"the same URI now finds the promoted server"
is "$(pg_sql harness_a 'SELECT count(*) FROM t' -p "$PG_REPLICA_PORT")" 50 \
	"every row committed while it was synchronous survived (and not the later one)"
pg_sql harness_a "INSERT INTO t VALUES (51, 'after')" -p "$PG_REPLICA_PORT" >/dev/null
ok $? "the promoted server takes writes and does not wait for a standby"

# ---- pgbouncer, transaction mode, in front of a fresh primary
if pg_check_bouncer; then
	# a second harness in a subshell: its own cluster, torn down on its exit
	(
		PG_DIR= PG_PRIMARY= PG_REPLICA=
		PG_EXIT_CHAIN=:
		pg_start
		pg_bouncer_start
		echo "$PG_DIR" >"$tmp/bouncer.dir"
		psql -X -At -p "$PG_BOUNCER_PORT" -d pgbouncer -c 'SHOW CONFIG' 2>&1 | grep '^pool_mode|' | cut -d'|' -f2
		pg_new_db via_bouncer >/dev/null
		psql -X -At -d "$(pg_uri_bouncer via_bouncer)" -c 'SELECT current_database()' 2>&1
		echo "$PG_DIR/pgbouncer.pid:$(cat "$PG_DIR/pgbouncer.pid")"
	) >"$tmp/bouncer.out" 2>&1
	is "$(sed -n 1p "$tmp/bouncer.out")" transaction "pgbouncer runs in transaction mode"
	is "$(sed -n 2p "$tmp/bouncer.out")" via_bouncer "psql reaches a database through pgbouncer"
	bpid=$(sed -n 's/^.*pgbouncer.pid://p' "$tmp/bouncer.out")
	[ -n "$bpid" ] && ! alive "$bpid" && [ ! -d "$(cat "$tmp/bouncer.dir")" ]
	ok $? "pgbouncer and its cluster are gone after the subshell's exit"
else
	skip "$PG_WHY"
	skip "$PG_WHY"
	skip "$PG_WHY"
fi

# ---- teardown: a normal exit, and a SIGKILL (the watchdog)
cat >"$tmp/child.sh" <<EOF
. "$top_srcdir/tests/pg/lib.sh"
tmp=$tmp/childtmp
mkdir -p "\$tmp"
pg_start
pg_replica_start
echo "\$PG_DIR \$(head -n 1 "\$PG_PRIMARY/postmaster.pid") \$(head -n 1 "\$PG_REPLICA/postmaster.pid")"
[ "\$1" = kill ] && kill -9 \$\$
exit 0
EOF
set -- $(sh "$tmp/child.sh" exit 2>"$tmp/child.err")
[ $# = 3 ] && [ ! -d "$1" ] && ! alive "$2" && ! alive "$3"
ok $? "a normal exit stops the primary and the replica and removes the dir"
[ -d "$tmp/childtmp" ]
ok $((!$?)) "... and runs the caller's cleanup (rm -rf \$tmp) after it"
set -- $(sh "$tmp/child.sh" kill 2>"$tmp/child.err")
w=0
while { [ -d "$1" ] || alive "$2" || alive "$3"; } && [ $w -lt 100 ]; do
	sleep 0.1
	w=$((w + 1))
done
[ $# = 3 ] && [ ! -d "$1" ] && ! alive "$2" && ! alive "$3"
ok $? "after a SIGKILL of the test the watchdog stops both servers and removes the dir ($((w / 10)) s)"
[ -s "$tmp/child.err" ] && diag "$(cat "$tmp/child.err")"
done_testing
