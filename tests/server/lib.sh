# Helpers for the server tests, sourced by tests/server/t_*.sh.  They start
# the real duband over TLS on a loopback port with a throw-away CA, talk to it
# with curl and read its JSON with jq.  The TAP helpers (pass, fail, is, like,
# run ...) come from tests/cli/lib.sh.  POSIX sh: CI runs dash.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUBAND=${DUBAND:-$top_builddir/duband}

if [ ! -x "$DUBAND" ]; then
	# `make check` builds it first: if it is missing the build is broken, and
	# CI must say so rather than skip.
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $DUBAND not built"
		exit 1
	fi
	echo "1..0 # SKIP $DUBAND not built"
	exit 0
fi
for tool in openssl curl jq gzip; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

. "$top_srcdir/tests/cli/lib.sh"

# The server and its data live in the test's own directory.
DATA=$tmp/data
CA=$tmp/ca.pem
CERT=$tmp/server.pem
KEY=$tmp/server.key
PW=correct-horse-9
TOKEN=
SRV_PID=
SRV_NOW=
SRV_ARGS=
SRV_N=0
SRV_ERR=
URL=
PORT=

# Only live children of this shell are killed (kill_child): a recorded PID
# may have been reaped and reused by an unrelated process.
srv_cleanup() {
	if [ -n "$SRV_PID" ]; then
		kill_child KILL "$SRV_PID"
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
	# shellcheck disable=SC2086
	kill_child KILL $BG_PIDS
	# KEEP_TMP=1: the test's directory (ledgers, logs) stays for a post-mortem.
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
BG_PIDS=
trap 'srv_cleanup' EXIT

# DUBAN_STORE=pg: the same tests on PostgreSQL.  This test gets a throw-away
# cluster (tests/pg/lib.sh), and duband runs through a wrapper that gives
# each --data DIR a database of its own (created on first use: every
# started server, restart and admin command on DIR uses it) and keeps its
# blobs in DIR/blobs, so the tests' commands stay as they are.
if [ "${DUBAN_STORE:-}" = pg ]; then
	. "$top_srcdir/tests/pg/lib.sh"
	pg_require backend
	pg_start
	DUBAND_REAL=$DUBAND
	DUBAND=$tmp/duband-pg
	export DUBAND_REAL
	mkdir -p "$tmp"
	cat >"$DUBAND" <<'WRAPPER'
#!/bin/sh
# duband, with --data DIR standing for DIR's PostgreSQL database.
data=
want=
first=1
for a do
	if [ -n "$first" ]; then
		set --
		first=
	fi
	if [ -n "$want" ]; then
		want=
		data=$a
		continue
	fi
	case $a in
	--data) want=1; continue ;;
	--data=*) data=${a#--data=}; continue ;;
	esac
	set -- "$@" "$a"
done
[ -n "$data" ] || exec "$DUBAND_REAL" "$@"
db=d$(printf '%s' "$data" | cksum | cut -d' ' -f1)
if [ "$(psql -X -Atq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null)" != 1 ]; then
	psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null 2>&1 || :
fi
mkdir -p -m 700 "$data" "$data/blobs"
store="postgresql:///$db?host=$PGHOST&port=$PGPORT"
if [ "${1:-}" = serve ]; then
	exec "$DUBAND_REAL" "$@" --store "$store" --blobs "$data/blobs"
fi
exec "$DUBAND_REAL" "$@" --store "$store"
WRAPPER
	chmod +x "$DUBAND"
fi

# pg_data_db [DIR]: the database the wrapper uses for DIR ($DATA).
pg_data_db() {
	echo "d$(printf '%s' "${1:-$DATA}" | cksum | cut -d' ' -f1)"
}

# data_copy DIR COPY / data_move FROM DIR: a server's whole data (the
# directory, and on PostgreSQL its database) copied, or moved over another
# (a restore from a backup).  The server must be stopped.
data_copy() {
	cp -a "$1" "$2"
	if [ "${DUBAN_STORE:-}" = pg ]; then
		pg_sql postgres "CREATE DATABASE $(pg_data_db "$2") TEMPLATE $(pg_data_db "$1")" >/dev/null
	fi
}
data_move() {
	rm -rf "$2"
	mv "$1" "$2"
	if [ "${DUBAN_STORE:-}" = pg ]; then
		pg_sql postgres "DROP DATABASE IF EXISTS $(pg_data_db "$2")" >/dev/null
		pg_sql postgres "ALTER DATABASE $(pg_data_db "$1") RENAME TO $(pg_data_db "$2")" >/dev/null
	fi
}

# ---------------------------------------------------------------- certificates
# A CA, and a server certificate for 127.0.0.1 and localhost signed by it.
make_certs() {
	(
		cd "$tmp" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
			-subj '/CN=duban test CA' \
			-addext 'basicConstraints=critical,CA:TRUE' \
			-addext 'keyUsage=critical,keyCertSign,cRLSign' &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj '/CN=localhost' &&
		printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
			'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
			'extendedKeyUsage=serverAuth' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out server.pem -days 30 -extfile server.ext
	) >"$tmp/openssl.log" 2>&1 || {
		echo "Bail out! openssl could not make the test certificates"
		cat "$tmp/openssl.log" | sed 's/^/# /'
		exit 1
	}
	chmod 600 "$KEY"
}
make_certs

# ---------------------------------------------------------------- the server
random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
}

# health_ok [URL]: the health endpoint answers 200.
health_ok() {
	_c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CA" "${1:-$URL}/api/v1/health" 2>/dev/null)
	[ "$_c" = 200 ]
}

# start_server [SERVE-OPTIONS...]: starts duband serve on a free loopback
# port (https unless --insecure-http is among the options) with the test's
# data dir, certificate and access log, and waits until health answers.
# SRV_NOW, when set, is the server's DUBAN_NOW.  SRV_ARGS is kept for
# restart_server.  Bails out when the server does not come up in 20 s.
start_server() {
	SRV_ARGS="$*"
	scheme=https
	tls="--tls-cert $CERT --tls-key $KEY"
	case " $* " in
	*" --insecure-http "*) scheme=http; tls= ;;
	esac
	tries=0
	while :; do
		tries=$((tries + 1))
		PORT=$(random_port)
		SRV_N=$((SRV_N + 1))
		SRV_ERR=$tmp/server.$SRV_N.err
		# shellcheck disable=SC2086
		env ${SRV_NOW:+DUBAN_NOW=$SRV_NOW} "$DUBAND" serve --listen "127.0.0.1:$PORT" $tls \
			--data "$DATA" --log "$tmp/access.log" "$@" >"$tmp/server.$SRV_N.out" 2>"$SRV_ERR" &
		SRV_PID=$!
		URL=$scheme://127.0.0.1:$PORT
		waited=0
		while [ $waited -lt 200 ]; do
			if health_ok; then
				return 0
			fi
			if ! kill -0 "$SRV_PID" 2>/dev/null; then
				break
			fi
			sleep 0.1
			waited=$((waited + 1))
		done
		if kill -0 "$SRV_PID" 2>/dev/null; then
			echo "Bail out! duband did not answer health within 20 s"
			sed 's/^/# /' "$SRV_ERR"
			exit 1
		fi
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
		if [ $tries -lt 10 ] && grep -qi 'in use\|bind' "$SRV_ERR"; then
			continue
		fi
		echo "Bail out! duband serve exited at start"
		sed 's/^/# /' "$SRV_ERR"
		exit 1
	done
}

# srv_stderr_clean FILE: no sanitizer report in the server's stderr.
srv_stderr_clean() {
	! grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:\|UndefinedBehaviorSanitizer' "$1"
}

# stop_server: SIGTERM, wait (20 s), and check as a test that the server
# exited 0 without a sanitizer report.
stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill_child TERM "$SRV_PID"
	waited=0
	while kill -0 "$SRV_PID" 2>/dev/null && [ $waited -lt 200 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	if kill -0 "$SRV_PID" 2>/dev/null; then
		kill_child KILL "$SRV_PID"
		diag "duband did not exit within 20 s of SIGTERM"
	fi
	wait "$SRV_PID"
	srv_rc=$?
	SRV_PID=
	if [ "$srv_rc" = 0 ] && srv_stderr_clean "$SRV_ERR"; then
		pass "duband exits 0 on SIGTERM, no sanitizer report"
	else
		fail "duband exits 0 on SIGTERM, no sanitizer report"
		diag "exit code $srv_rc; stderr:"
		sed 's/^/#   /' "$SRV_ERR" | head -60
	fi
}

# kill_server: SIGKILL, no questions asked (a crash).
kill_server() {
	[ -n "$SRV_PID" ] || return 0
	kill_child KILL "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}

# restart_server: stop (checked) and start again with the same options.
restart_server() {
	# shellcheck disable=SC2086
	set -- $SRV_ARGS
	stop_server
	start_server "$@"
}

# ---------------------------------------------------------------- requests
# req CURL-ARGS...: one request; the HTTP status in $code, the body in
# $body (also in $tmp/.body), the response headers in $hdrs.
req() {
	code=$(curl -sS --max-time 60 --cacert "$CA" -o "$tmp/.body" -D "$tmp/.hdrs" -w '%{http_code}' "$@" 2>"$tmp/.curlerr")
	curl_rc=$?
	body=$(tr -d '\000' <"$tmp/.body" 2>/dev/null)
	hdrs=$(tr -d '\r' <"$tmp/.hdrs" 2>/dev/null)
}

# api METHOD PATH [BODY]: a request to $URL/api/v1/PATH with $TOKEN (when
# set) and BODY as JSON.  HEAD asks for the headers only.
api() {
	_m=$1
	_p=$2
	if [ $# -ge 3 ]; then
		printf '%s' "$3" >"$tmp/.req"
		set -- -H 'Content-Type: application/json' --data-binary @"$tmp/.req"
	else
		set --
	fi
	if [ -n "$TOKEN" ]; then
		set -- "$@" -H "Authorization: Bearer $TOKEN"
	fi
	if [ "$_m" = HEAD ]; then
		req --head "$@" "$URL/api/v1/$_p"
	else
		req -X "$_m" "$@" "$URL/api/v1/$_p"
	fi
}

# header NAME: the value of a response header of the last request.
header() {
	printf '%s\n' "$hdrs" | sed -n "s/^$1: *//Ip" | tail -n 1
}

# j FILTER: jq -r FILTER on the last body.
j() {
	printf '%s' "$body" | jq -r "$1" 2>/dev/null
}

# code_is CODE [ERROR] NAME: the last answer had this status (and error).
code_is() {
	if [ $# -eq 3 ]; then
		_e=$(j .error)
		if [ "$code" = "$1" ] && [ "$_e" = "$2" ]; then
			pass "$3"
		else
			fail "$3"
			diag "expected $1 $2, got $code $_e" "body: $(printf '%s' "$body" | head -c 600)"
		fi
		return
	fi
	if [ "$code" = "$1" ]; then
		pass "$2"
	else
		fail "$2"
		diag "expected HTTP $1, got $code" "body: $(printf '%s' "$body" | head -c 600)"
		[ -s "$tmp/.curlerr" ] && diag "curl: $(cat "$tmp/.curlerr")"
	fi
}

# login USER PASS [DEVICE]: prints the token (empty when refused).
login() {
	printf '{"user":"%s","password":"%s","device":"%s"}' "$1" "$2" "${3:-test-device}" >"$tmp/.login"
	curl -s --max-time 60 --cacert "$CA" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/.login" "$URL/api/v1/login" | jq -r '.token // empty' 2>/dev/null
}

# login_as USER: TOKEN for USER (password $PW).
login_as() {
	TOKEN=$(login "$1" "$PW")
	[ -n "$TOKEN" ] || diag "login of $1 failed"
}

# add_user NAME ROLE [COUNTY...]: a server user with password $PW.
add_user() {
	_n=$1
	_r=$2
	shift 2
	set -- "$_n" --role "$_r" $(for _c in "$@"; do printf -- '--county %s ' "$_c"; done)
	printf '%s\n%s\n' "$PW" "$PW" | "$DUBAND" user add "$@" --data "$DATA" >"$tmp/.adduser" 2>&1 || {
		diag "duband user add $* failed:"
		sed 's/^/#   /' "$tmp/.adduser"
		return 1
	}
}

# ---------------------------------------------------------------- ops
uuid() {
	cat /proc/sys/kernel/random/uuid
}

# JSON string escaping for the few values the tests use (no control chars).
jstr() {
	case $1 in
	*[\"\\]*) printf '%s' "$1" | jq -Rs . ;;
	*) printf '"%s"' "$1" ;;
	esac
}

# op_create OPID ITEMID CODE COUNTY [STATUS]: an item.create op.
op_create() {
	printf '{"id":"%s","client_seq":%d,"kind":"item.create","item_id":"%s","created_at":"%s","body":{"id":"%s","kind":"problem","code":"%s","title":"%s 测试问题","county":"%s","lead_unit":"%s人民政府","deadline":"2026-12-31","status":"%s","progress":0}}' \
		"$1" "$(next_seq)" "$2" "$DUBAN_NOW" "$2" "$3" "$3" "$4" "$4" "${5:-not_started}"
}

# op_set OPID ITEMID FIELD BASE VALUE: an item.set op.
op_set() {
	printf '{"id":"%s","client_seq":%d,"kind":"item.set","item_id":"%s","field":"%s","base":%s,"value":%s,"created_at":"%s"}' \
		"$1" "$(next_seq)" "$2" "$3" "$(jstr "$4")" "$(jstr "$5")" "$DUBAN_NOW"
}

# op_implied OPID ITEMID BASE: progress BASE -> 100, implied by the status.
op_implied() {
	printf '{"id":"%s","client_seq":%d,"kind":"item.set","item_id":"%s","field":"progress","base":"%s","value":"100","body":{"implied_by":"status"},"created_at":"%s"}' \
		"$1" "$(next_seq)" "$2" "$3" "$DUBAN_NOW"
}

# op_status OPID ITEMID FROM TO [REASON]: an item.status op.
op_status() {
	printf '{"id":"%s","client_seq":%d,"kind":"item.status","item_id":"%s","base":"%s","value":"%s","body":{"reason":%s},"created_at":"%s"}' \
		"$1" "$(next_seq)" "$2" "$3" "$4" "$(jstr "${5:-}")" "$DUBAN_NOW"
}

# op_delete OPID ITEMID
op_delete() {
	printf '{"id":"%s","client_seq":%d,"kind":"item.delete","item_id":"%s","created_at":"%s"}' \
		"$1" "$(next_seq)" "$2" "$DUBAN_NOW"
}

# op_note OPID ITEMID NOTEID TEXT
op_note() {
	printf '{"id":"%s","client_seq":%d,"kind":"note.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","text":%s,"created_at":"%s"}}' \
		"$1" "$(next_seq)" "$2" "$DUBAN_NOW" "$3" "$2" "$(jstr "$4")" "$DUBAN_NOW"
}

# op_link OPID ITEMID LINKID OTHERID KIND WHY: a link.add op (kind link,
# repeat or unlink).
op_link() {
	printf '{"id":"%s","client_seq":%d,"kind":"link.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","other_id":"%s","kind":"%s","why":%s,"created_at":"%s"}}' \
		"$1" "$(next_seq)" "$2" "$DUBAN_NOW" "$3" "$2" "$4" "$5" "$(jstr "$6")" "$DUBAN_NOW"
}

# client_seq: each op of the test gets the next number (kept in a file so
# that command substitutions share it).
next_seq() {
	_s=$(cat "$tmp/.seq" 2>/dev/null || echo 0)
	_s=$((_s + 1))
	echo "$_s" >"$tmp/.seq"
	echo "$_s"
}

# push OP...: POST push with these ops from device test-device.
push() {
	_ops=$(printf '%s,' "$@")
	api POST push "{\"device\":\"test-device\",\"ops\":[${_ops%,}]}"
}

# r N FILTER: jq FILTER on the Nth result (0-based) of the last push.
r() {
	j ".results[$1]$2"
}

# pull_all [LIMIT]: every change visible to $TOKEN from since=0, paging with
# limit LIMIT (500); the changes (one JSON object a line) in $tmp/changes,
# the last cursor in $PULL_NEXT.
pull_all() {
	: >"$tmp/changes"
	_cur=0
	_pages=0
	while :; do
		api GET "pull?since=$_cur&limit=${1:-500}"
		[ "$code" = 200 ] || { diag "pull failed: $code $body"; return 1; }
		j '.changes[] | @json' >>"$tmp/changes"
		_pages=$((_pages + 1))
		_cur=$(j .next)
		[ "$(j .more)" = true ] || break
		[ $_pages -lt 10000 ] || return 1
	done
	PULL_NEXT=$_cur
	return 0
}

# done_testing: the server is stopped (and checked) before the plan.
done_testing() {
	stop_server
	echo "1..$tests_run"
	[ "$tests_failed" -eq 0 ]
	exit $?
}

# result_is N RESULT[:REASON] NAME: the Nth result (0-based) of the last
# push is RESULT (and its reason is REASON).
result_is() {
	_want=$2
	_got=$(r "$1" .result)
	case $_want in
	*:*) _got="$_got:$(r "$1" .reason)" ;;
	esac
	if [ "$code" = 200 ] && [ "$_got" = "$_want" ]; then
		pass "$3"
	else
		fail "$3"
		diag "expected $_want, got HTTP $code $_got" "answer: $(printf '%s' "$body" | head -c 800)"
	fi
}

# item_of ID: the last item change of ID in $tmp/changes (see pull_all).
item_of() {
	grep '"type":"item"' "$tmp/changes" | grep "\"id\":\"$1\"" | tail -n 1
}

# item_of_now ID: the item as the server holds it now (pulls everything).
item_of_now() {
	pull_all >/dev/null && item_of "$1" | jq -c .item
}
