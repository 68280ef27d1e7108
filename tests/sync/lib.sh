# Helpers for the end-to-end sync tests, sourced by tests/sync/t_sync_*.sh.
# The real duband runs over TLS on loopback with a throw-away CA (started by
# tests/server/lib.sh, which also gives the TAP helpers of tests/cli/lib.sh);
# each client is the real duban with its own HOME, XDG dirs and ledger.
# POSIX sh: CI runs dash.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUBAN=${DUBAN:-$top_builddir/duban}
FAULTPROXY=${FAULTPROXY:-$top_builddir/tests/sync/faultproxy}

if [ ! -x "$DUBAN" ]; then
	# `make check` builds it first: if it is missing the build is broken, and
	# CI must say so rather than skip.
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $DUBAN not built"
		exit 1
	fi
	echo "1..0 # SKIP $DUBAN not built"
	exit 0
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 is not installed (the tests count records with it)"
	exit 0
fi
# A client without the sync commands has nothing to test here.
if ! "$DUBAN" sync --help >/dev/null 2>&1; then
	echo "1..0 # SKIP $DUBAN has no sync command"
	exit 0
fi

# Checks duband, openssl, curl and jq (skipping without them), makes $tmp,
# the certificates, and defines start_server, stop_server, kill_server,
# add_user, api, login_as, pull_all ...
. "$top_srcdir/tests/server/lib.sh"

# The server's clock is the clients' (DUBAN_NOW): times written on either
# side compare equal.
SRV_NOW=$DUBAN_NOW

# Quick retries: the tests make the server unreachable on purpose.
: "${DUBAN_SYNC_RETRIES:=3}"
: "${DUBAN_SYNC_BACKOFF_MS:=20}"
export DUBAN_SYNC_RETRIES DUBAN_SYNC_BACKOFF_MS
unset DUBAN_SYNC_BATCH DUBAN_SYNC_PAGE

# Everything the clients print on stderr, for the sanitizer check at the end.
CLIENT_ERR=$tmp/clients.err
: >"$CLIENT_ERR"

# ---------------------------------------------------------------- clients

# client NAME ARGS...: the real duban as client NAME: its own HOME,
# XDG_CONFIG_HOME, XDG_DATA_HOME, ledger ($tmp/c/NAME/ledger.db) and USER
# (the author of its changes).  Other variables (DUBAN_ROLE, DUBAN_SYNC_*)
# pass through.
client() {
	_cn=$1
	shift
	_cd=$tmp/c/$_cn
	[ -d "$_cd" ] || mkdir -p "$_cd/home" "$_cd/config" "$_cd/data"
	HOME=$_cd/home XDG_CONFIG_HOME=$_cd/config XDG_DATA_HOME=$_cd/data USER=$_cn \
		"$DUBAN" --db "$_cd/ledger.db" "$@"
}

# client_exec NAME ARGS...: exec duban as client NAME (in a subshell started
# with &, so that $! is duban itself and a SIGKILL reaches it).
client_exec() {
	_cn=$1
	shift
	_cd=$tmp/c/$_cn
	exec env HOME="$_cd/home" XDG_CONFIG_HOME="$_cd/config" XDG_DATA_HOME="$_cd/data" USER="$_cn" \
		"$DUBAN" --db "$_cd/ledger.db" "$@"
}

# client_db NAME: the ledger file of client NAME.
client_db() {
	echo "$tmp/c/$1/ledger.db"
}

# crun NAME ARGS...: run (out, err, rc) of `client NAME ARGS...`; stderr is
# also kept for the sanitizer check.
crun() {
	run client "$@"
	[ -z "$err" ] || printf '%s\n' "$err" >>"$CLIENT_ERR"
}

# login_client NAME USER [URL]: logs client NAME in as USER (password $PW
# on standard input) at URL (default $URL), trusting the test CA.  Fails
# (return 1, with a diagnostic) when login does not exit 0.
login_client() {
	printf '%s\n' "$PW" >"$tmp/.pw"
	run client "$1" login "${3:-$URL}" "$2" --cacert "$CA" --device "$1-device" <"$tmp/.pw"
	[ -z "$err" ] || printf '%s\n' "$err" >>"$CLIENT_ERR"
	if [ "$rc" != 0 ]; then
		diag "login of client $1 as $2 failed (exit $rc):" "$out" "$err"
		return 1
	fi
	return 0
}

# sync_client NAME [ARGS...]: `duban sync ARGS` as client NAME; out, err and
# rc as run sets them.
sync_client() {
	_sn=$1
	shift
	crun "$_sn" sync "$@"
}

# sync_until NAME MAX [OK-CODES]: syncs client NAME up to MAX times until it
# exits with one of OK-CODES (default "0 9"); exit 7 (offline) and 1 are
# retried.  Returns 0 when it got there; the last run's rc/out/err stay.
sync_until() {
	_un=$1
	_max=$2
	_okc=${3:-0 9}
	_i=0
	while [ "$_i" -lt "$_max" ]; do
		_i=$((_i + 1))
		sync_client "$_un" -q
		for _c in $_okc; do
			[ "$rc" = "$_c" ] && return 0
		done
	done
	diag "client $_un: no sync ended with exit $_okc in $_max tries (last exit $rc)" "$err"
	return 1
}

# status_of NAME KEY: the value of KEY in `duban sync --status` of NAME.
status_of() {
	client "$1" sync --status 2>>"$CLIENT_ERR" | sed -n "s/^$2: *//p" | head -n 1
}

# ---------------------------------------------------------------- ledgers

# Fields that only make sense on one side, dropped before comparing.  The
# server keeps its own change sequence as "version", and the client takes the
# server's version when it pulls, so version is compared too.
LEDGER_DROP=${LEDGER_DROP:-sync_flag}

# normalise: JSON export on stdin -> one item per line, sorted by code,
# keys sorted, local-only fields dropped.
normalise() {
	jq -c --arg drop "$LEDGER_DROP" '
		($drop | split(" ") | map(select(. != ""))) as $d
		| sort_by(.code)[] | delpaths([$d[] | [.]]) ' -S
}

# client_ledger NAME: the items of client NAME, normalised.
client_ledger() {
	client "$1" export --format json 2>>"$CLIENT_ERR" | normalise
}

# server_ledger: the items of the server, normalised (duband export reads
# the data directory while the server runs).
server_ledger() {
	"$DUBAND" export --data "$DATA" --format json 2>>"$tmp/duband-export.err" | normalise
}

# Records (notes, inspections, actions, attachments) by id, item code and
# content, one line each, sorted: what a ledger export does not show.
RECORDS_SQL="
SELECT 'note', n.id, i.code, n.author, n.text, n.created_at FROM note n JOIN item i ON i.id = n.item_id
UNION ALL SELECT 'inspection', r.id, i.code, r.date, r.passed, r.findings FROM inspection r JOIN item i ON i.id = r.item_id
UNION ALL SELECT 'action', r.id, i.code, r.kind, r.text, r.date FROM action r JOIN item i ON i.id = r.item_id
UNION ALL SELECT 'attachment', r.id, i.code, r.sha256, r.name, r.size FROM attachment r JOIN item i ON i.id = r.item_id
ORDER BY 1, 2;"
# The same for PostgreSQL, whose UNION wants one type per column.
if [ "${DUBAN_STORE:-}" = pg ]; then
	RECORDS_SQL_SERVER=$(printf '%s' "$RECORDS_SQL" | sed 's/r\.passed,/r.passed::text,/; s/r\.size FROM/r.size::text FROM/;')
else
	RECORDS_SQL_SERVER=$RECORDS_SQL
fi

db_records() {
	sqlite3 -readonly -separator '|' "$1" "$RECORDS_SQL" 2>>"$tmp/sqlite.err"
}
client_records() {
	db_records "$(client_db "$1")"
}
server_records() {
	if [ "${DUBAN_STORE:-}" = pg ]; then
		# byte order, as SQLite sorts (ids have one length)
		sql_server "$RECORDS_SQL_SERVER" | LC_ALL=C sort
	else
		db_records "$DATA/ledger.db"
	fi
}

# sql_client NAME SQL / sql_server SQL: one read-only query.
sql_client() {
	sqlite3 -readonly -separator '|' "$(client_db "$1")" "$2" 2>>"$tmp/sqlite.err"
}
# On PostgreSQL the ledger's tables are views of the same shape (see
# src/server/store_pg.c), read with psql.
sql_server() {
	if [ "${DUBAN_STORE:-}" = pg ]; then
		psql -X -q -At -F '|' -d "$(pg_data_db)" -c "$1" 2>>"$tmp/sqlite.err"
	else
		sqlite3 -readonly -separator '|' "$DATA/ledger.db" "$1" 2>>"$tmp/sqlite.err"
	fi
}

# same_as_server NAME TEXT: two tests: client NAME's items and records equal
# the server's.  On a difference, the first differing lines are shown.
same_as_server() {
	client_ledger "$1" >"$tmp/.cl"
	server_ledger >"$tmp/.sl"
	if [ ! -s "$tmp/.sl" ]; then
		fail "$2: items of $1 = server's"
		diag "the server export is empty or failed: $(cat "$tmp/duband-export.err" 2>/dev/null)"
	elif cmp -s "$tmp/.cl" "$tmp/.sl"; then
		pass "$2: items of $1 = server's ($(wc -l <"$tmp/.sl" | tr -d ' ') items)"
	else
		fail "$2: items of $1 = server's"
		ledger_diff "$tmp/.sl" "$tmp/.cl"
	fi
	client_records "$1" >"$tmp/.cr"
	server_records >"$tmp/.sr"
	if cmp -s "$tmp/.cr" "$tmp/.sr"; then
		pass "$2: records of $1 = server's ($(wc -l <"$tmp/.sr" | tr -d ' ') records)"
	else
		fail "$2: records of $1 = server's"
		diag "server (-) vs client $1 (+):"
		diff "$tmp/.sr" "$tmp/.cr" | head -20 | sed 's/^/#   /'
	fi
}

# same_as_server_in NAME TEXT COUNTY...: like same_as_server, for a client
# that sees only those counties: its items and records equal the server's
# items and records of those counties.
same_as_server_in() {
	_sn=$1
	_st=$2
	shift 2
	_cj=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	client_ledger "$_sn" >"$tmp/.cl"
	server_ledger | jq -c --argjson cs "$_cj" 'select(.county as $c | $cs | index($c))' >"$tmp/.sl"
	if cmp -s "$tmp/.cl" "$tmp/.sl"; then
		pass "$_st: items of $_sn = server's in $* ($(wc -l <"$tmp/.sl" | tr -d ' ') items)"
	else
		fail "$_st: items of $_sn = server's in $*"
		ledger_diff "$tmp/.sl" "$tmp/.cl"
	fi
	_in=$(printf "'%s'," "$@")
	client_records "$_sn" >"$tmp/.cr"
	sql_server "$(printf '%s' "$RECORDS_SQL_SERVER" |
		sed "s/ JOIN item i ON i.id = \([a-z]\)\.item_id/ JOIN item i ON i.id = \1.item_id AND i.county IN (${_in%,})/g")" |
		LC_ALL=C sort >"$tmp/.sr"
	if cmp -s "$tmp/.cr" "$tmp/.sr"; then
		pass "$_st: records of $_sn = server's in $* ($(wc -l <"$tmp/.sr" | tr -d ' ') records)"
	else
		fail "$_st: records of $_sn = server's in $*"
		diff "$tmp/.sr" "$tmp/.cr" | head -20 | sed 's/^/#   /'
	fi
}

# history_lines: an exported trail (JSON on stdin) as lines, the items of
# deleted items left out (a replica never receives what came after).
history_lines() {
	jq -r '.[] | select(.code != "" and .received_at != "")
		| [.code, .type, .field, (.old_value // "-"), (.new_value // "-"), .text, .author, .device,
		   .recorded_at, .received_at] | @tsv'
}
# client_history NAME / server_history_in COUNTY...: the trails to compare.
client_history() {
	client "$1" export --history --format json 2>>"$CLIENT_ERR" | history_lines
}
server_history_in() {
	_in=$(printf "'%s'," "$@")
	sql_server "SELECT code FROM item WHERE county IN (${_in%,})" | LC_ALL=C sort >"$tmp/.codes"
	"$DUBAND" export --data "$DATA" --history --format json 2>>"$tmp/duband-export.err" | history_lines |
		awk -F'\t' 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$tmp/.codes" -
}

# ledger_diff A B: a readable difference of two normalised ledgers: the
# codes only on one side, then for the first differing items the fields
# that differ.
ledger_diff() {
	jq -r .code <"$1" >"$tmp/.codes1"
	jq -r .code <"$2" >"$tmp/.codes2"
	_only1=$(LC_ALL=C comm -23 "$tmp/.codes1" "$tmp/.codes2" | head -5 | tr '\n' ' ')
	_only2=$(LC_ALL=C comm -13 "$tmp/.codes1" "$tmp/.codes2" | head -5 | tr '\n' ' ')
	diag "items: $(wc -l <"$1" | tr -d ' ') on the server, $(wc -l <"$2" | tr -d ' ') on the client"
	[ -z "$_only1" ] || diag "only on the server: $_only1"
	[ -z "$_only2" ] || diag "only on the client: $_only2"
	diff "$1" "$2" | grep '^[<>]' | head -40 | sed 's/^[<>] //' >"$tmp/.dl"
	jq -rs 'group_by(.code)[] | select(length == 2)
		| .[0] as $a | .[1] as $b
		| ($a | keys[]) as $k | select($a[$k] != $b[$k])
		| "\($a.code) \($k): \($a[$k] | tojson) / \($b[$k] | tojson)"' "$tmp/.dl" 2>/dev/null |
		head -12 | sed 's/^/#   /'
}

# note_counts [FILE]: "COUNT TEXT" of each note text in records (as
# client_records prints them) from FILE or standard input.
note_counts() {
	awk -F'|' '$1 == "note" { print $5 }' "${1:--}" | LC_ALL=C sort | uniq -c | sed 's/^ *//'
}

# ---------------------------------------------------------------- seeding

# seed_csv FILE N [COUNTY...]: a ledger sheet of N problems, codes
# S-00001..., counties taken in turn from the list (default 甲县 乙县).
seed_csv() {
	_f=$1
	_nn=$2
	shift 2
	[ $# -gt 0 ] || set -- 甲县 乙县
	awk -v n="$_nn" -v counties="$*" 'BEGIN {
		nc = split(counties, cs, " ")
		print "编号,问题名称,县（市、区）,牵头单位,整改时限,整改进度"
		for (i = 1; i <= n; i++) {
			c = cs[(i - 1) % nc + 1]
			printf "S-%05d,%s第%d号整改问题,%s,%s人民政府,2026-12-31,%d\n", i, c, i, c, c, (i * 7) % 100
		}
	}' >"$_f"
}

# seed_server N [COUNTY...]: duband import of seed_csv.
seed_server() {
	seed_csv "$tmp/seed.csv" "$@"
	"$DUBAND" import "$tmp/seed.csv" --data "$DATA" >"$tmp/seed.out" 2>&1 || {
		echo "Bail out! duband import failed"
		sed 's/^/# /' "$tmp/seed.out"
		exit 1
	}
}

# ---------------------------------------------------------------- the proxy

PROXY_PID=
PROXY_PORT=
PROXY_URL=

# start_proxy SEED [FAULT-OPTIONS...]: faultproxy between the clients and
# the server; PROXY_URL is the address clients log in to.
start_proxy() {
	if [ ! -x "$FAULTPROXY" ]; then
		echo "Bail out! $FAULTPROXY not built (make tests/sync/faultproxy)"
		exit 1
	fi
	rm -f "$tmp/proxy.port"
	"$FAULTPROXY" --listen "127.0.0.1:${PROXY_PORT:-0}" --to "127.0.0.1:$PORT" --port-file "$tmp/proxy.port" \
		--seed "$@" 2>"$tmp/proxy.err" &
	PROXY_PID=$!
	BG_PIDS="$BG_PIDS $PROXY_PID"
	_w=0
	while [ ! -s "$tmp/proxy.port" ] && [ $_w -lt 100 ]; do
		sleep 0.05
		_w=$((_w + 1))
	done
	PROXY_PORT=$(cat "$tmp/proxy.port" 2>/dev/null)
	if [ -z "$PROXY_PORT" ]; then
		echo "Bail out! faultproxy did not start"
		sed 's/^/# /' "$tmp/proxy.err"
		exit 1
	fi
	PROXY_URL=https://127.0.0.1:$PROXY_PORT
}

# retarget_proxy: after the server came back on another port, a new proxy
# (clean, same seed) on the same port: clients keep their URL.
retarget_proxy() {
	stop_proxy
	start_proxy "$@"
}

# proxy_faults on|off: new connections get faults, or pass clean.
proxy_faults() {
	case $1 in
	off) kill_child USR1 "$PROXY_PID" ;;
	*) kill_child USR2 "$PROXY_PID" ;;
	esac
}

# stop_proxy: SIGTERM; its counts go to the TAP stream as a comment.
stop_proxy() {
	[ -n "$PROXY_PID" ] || return 0
	kill_child TERM "$PROXY_PID"
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=
	diag "$(tail -n 1 "$tmp/proxy.err")"
}

# ---------------------------------------------------------------- the end

# done_testing: the proxy and the server stopped (the server checked), no
# sanitizer report from any client, then the plan.
done_testing() {
	stop_proxy
	stop_server
	if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:\|UndefinedBehaviorSanitizer' "$CLIENT_ERR"; then
		fail "no sanitizer report from the clients"
		grep -A20 'AddressSanitizer\|LeakSanitizer\|runtime error:\|UndefinedBehaviorSanitizer' "$CLIENT_ERR" |
			head -40 | sed 's/^/#   /'
	else
		pass "no sanitizer report from the clients"
	fi
	echo "1..$tests_run"
	[ "$tests_failed" -eq 0 ]
	exit $?
}
