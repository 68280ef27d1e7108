#!/bin/sh
# The server's benchmark: a SIZE-item ledger (duban demo, exported as CSV and
# imported with duband import) served over TLS on loopback to 100
# concurrent clients (tests/bench/load: one kept-alive connection each)
# mixing pull pages and pushes; then the same as a scoped inspector pulling
# only.  Prints requests, errors, req/s, latency percentiles and the
# server's peak RSS.  Then the same mixed load side by side on SQLite, on
# PostgreSQL with one duband and with two duband instances on one database
# (the clients spread over both), one table of req/s, p50/p99, duband CPU
# per request (user+system of the duband processes over the run, not
# PostgreSQL's own), the goal of issue 17 and the load average.  The
# PostgreSQL cluster is a throw-away one (tests/pg/lib.sh) on a Unix socket,
# fsync on; BENCH_PG=0 leaves it out.
#
#   sh tests/bench/bench_server.sh [SIZE]          default: 100000
#
# Environment: BENCH_DIR (work dir and ledger cache, default
# tests/bench/out), DUBAN, DUBAND (default ./duban, ./duband: use a build
# without sanitizers), LOAD (default ./tests/bench/load), CLIENTS (100),
# SECONDS_RUN (20), PUSH_RATIO (0.2), SOURCES (loopback source addresses
# the clients are spread over, CLIENTS/50), REGEN=1 rebuilds the ledger,
# BENCH_PG (1: also PostgreSQL when duband has it and PostgreSQL is installed).
# Writes the figures to $BENCH_DIR/server.txt.
set -u

n=${1:-100000}
BENCH_DIR=${BENCH_DIR:-tests/bench/out}
DUBAN=${DUBAN:-./duban}
DUBAND=${DUBAND:-./duband}
LOAD=${LOAD:-./tests/bench/load}
CLIENTS=${CLIENTS:-100}
SECONDS_RUN=${SECONDS_RUN:-20}
PUSH_RATIO=${PUSH_RATIO:-0.2}
# Clients per source address: duband allows 64 connections per address, so
# the clients come from 127.0.0.1, 127.0.0.2 ... (50 each).
SOURCES=${SOURCES:-$(((CLIENTS + 49) / 50))}
REGEN=${REGEN:-0}
DUBAN_TODAY=2026-06-15
TZ=UTC
LC_ALL=C.UTF-8
export DUBAN_TODAY TZ LC_ALL
unset DUBAN_NOW DUBAN_ROLE

for p in "$DUBAN" "$DUBAND" "$LOAD"; do
	[ -x "$p" ] || { echo "bench_server: $p not found" >&2; exit 1; }
done
command -v openssl >/dev/null || { echo "bench_server: openssl is needed" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench_server: curl is needed" >&2; exit 1; }
mkdir -p "$BENCH_DIR" || exit 1
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/duband-bench.XXXXXX") || exit 1
pid=
pg_pids=
cleanup() {
	# only while it is still our child: a reaped PID may be another process's
	for p in $pid $pg_pids; do
		[ "$(sed 's/^.*) [^ ]* \([0-9]*\) .*$/\1/' "/proc/$p/stat" 2>/dev/null)" = "$$" ] &&
			kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the ledger: demo -> CSV (cached) -> duband import
csv=$BENCH_DIR/server-demo-$n.csv
if [ "$REGEN" = 1 ] || [ ! -s "$csv" ]; then
	echo "== building a demo ledger of $n items (duban demo --seed 11)" >&2
	start=$(date +%s)
	"$DUBAN" --db "$work/demo.db" demo --items "$n" --seed 11 >&2 || exit 1
	"$DUBAN" --db "$work/demo.db" export -o "$csv.tmp" || exit 1
	mv "$csv.tmp" "$csv"
	rm -f "$work"/demo.db*
	echo "   $(($(date +%s) - start)) s" >&2
else
	echo "== reusing $csv (REGEN=1 rebuilds it)" >&2
fi
data=$work/data
echo "== duband import ($n rows)" >&2
start=$(date +%s)
"$DUBAND" import "$csv" --data "$data" >&2 || exit 1
import_s=$(($(date +%s) - start))
echo "   $import_s s" >&2

# The item ids the pushes go to, and the busiest county for the inspector.
"$DUBAND" export --data "$data" --format csv >"$work/export.csv" || exit 1
grep -o '^[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\},' "$work/export.csv" |
	tr -d , >"$work/ids.txt"
nids=$(wc -l <"$work/ids.txt" | tr -d ' ')
county=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "行政区域") c = i; next }
	c && $1 ~ /^[0-9a-f]+-[0-9a-f]+-/ { n[$c]++ }
	END { for (k in n) if (n[k] > best) { best = n[k]; bk = k }; print bk }' "$work/export.csv")
ncounty=$(awk -F, -v c="$county" '$0 ~ ","c"," { n++ } END { print n + 0 }' "$work/export.csv")

pw=bench-password-1
printf '%s\n%s\n' "$pw" "$pw" | "$DUBAND" user add boss --role office --data "$data" >/dev/null || exit 1
printf '%s\n%s\n' "$pw" "$pw" | "$DUBAND" user add insp --role inspector --county "$county" --data "$data" >/dev/null || exit 1

# ---- certificates and the server
(
	cd "$work" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=bench CA' \
		-addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' &&
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
		-days 2 -extfile server.ext
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; exit 1; }

tries=0
while :; do
	tries=$((tries + 1))
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
	"$DUBAND" serve --listen "127.0.0.1:$port" --tls-cert "$work/server.pem" --tls-key "$work/server.key" \
		--data "$data" --log "$work/access.log" 2>"$work/server.err" &
	pid=$!
	url=https://127.0.0.1:$port
	up=0
	i=0
	while [ $i -lt 300 ]; do
		if curl -s -o /dev/null --max-time 5 --cacert "$work/ca.pem" "$url/api/v1/health"; then
			up=1
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ $up = 1 ] && break
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	if [ $tries -ge 5 ]; then
		echo "bench_server: duband did not start" >&2
		cat "$work/server.err" >&2
		exit 1
	fi
done

login() {
	curl -s --cacert "$work/ca.pem" -H 'Content-Type: application/json' \
		-d "{\"user\":\"$1\",\"password\":\"$pw\",\"device\":\"bench\"}" "$url/api/v1/login" |
		sed -n 's/.*"token" *: *"\([0-9a-f]*\)".*/\1/p'
}
boss=$(login boss)
insp=$(login insp)
[ -n "$boss" ] && [ -n "$insp" ] || { echo "bench_server: login failed" >&2; cat "$work/server.err" >&2; exit 1; }

rss() {
	sed -n "s/^$1: *//p" "/proc/$pid/status" 2>/dev/null
}
rss_idle=$(rss VmRSS)

# The machine is shared: besides req/s, the server's own CPU per request
# (user + system time of its processes over a run, from /proc/PID/stat),
# which other load on the machine changes little.
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
# cpu_ticks PID...: utime + stime of those processes, in clock ticks.
cpu_ticks() {
	t=0
	for p in "$@"; do
		v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
# cpu_per_req TICKS REQUESTS: server CPU milliseconds per request.
cpu_per_req() {
	awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "-" }'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

out=$BENCH_DIR/server.txt
{
	echo "duband under load: $n items ($nids ids), $CLIENTS clients from $SOURCES loopback addresses, ${SECONDS_RUN} s per run"
	echo "server: $DUBAND"
	echo "import of the CSV: $import_s s"
	echo "server RSS after start: $rss_idle"
	echo
	echo "== run 1: office user, pull pages (limit 50) from 0 and from seen cursors, push ratio $PUSH_RATIO"
} | tee "$out"
c0=$(cpu_ticks "$pid")
"$LOAD" --url "$url" --cacert "$work/ca.pem" --token "$boss" --clients "$CLIENTS" --seconds "$SECONDS_RUN" \
	--push-ratio "$PUSH_RATIO" --items-file "$work/ids.txt" --sources "$SOURCES" >"$work/run1.out"
grep -v '^@' "$work/run1.out" | tee -a "$out"
{
	echo "server CPU per request: $(cpu_per_req $(($(cpu_ticks "$pid") - c0)) "$(sed -n 's/^@requests //p' "$work/run1.out")") ms (load average $(loadavg))"
	echo "server RSS: $(rss VmRSS), peak $(rss VmHWM)"
	echo
	echo "== run 2: inspector of $county ($ncounty items), pull only (scoped pages)"
} | tee -a "$out"
c0=$(cpu_ticks "$pid")
"$LOAD" --url "$url" --cacert "$work/ca.pem" --token "$insp" --clients "$CLIENTS" --seconds "$SECONDS_RUN" \
	--push-ratio 0 --sources "$SOURCES" >"$work/run2.out"
grep -v '^@' "$work/run2.out" | tee -a "$out"
{
	echo "server CPU per request: $(cpu_per_req $(($(cpu_ticks "$pid") - c0)) "$(sed -n 's/^@requests //p' "$work/run2.out")") ms (load average $(loadavg))"
	echo "server RSS: $(rss VmRSS), peak $(rss VmHWM)"
	echo "access log lines: $(wc -l <"$work/access.log" | tr -d ' ')"
} | tee -a "$out"

# ---- side by side: the same mixed load on SQLite and PostgreSQL
# side NAME URLS TOKEN GOAL PID...: one mixed run (office user) against URLS
# served by the processes PID; a table row, flagged when below GOAL
# ("RPS/P99": req/s at least RPS, p99 at most P99 ms, - for no bound).
side() {
	sd_name=$1 sd_urls=$2 sd_token=$3 sd_goal=$4
	shift 4
	sd_c0=$(cpu_ticks "$@")
	sd_load=$(loadavg)
	"$LOAD" --url "$sd_urls" --cacert "$work/ca.pem" --token "$sd_token" --clients "$CLIENTS" --seconds "$SECONDS_RUN" \
		--push-ratio "$PUSH_RATIO" --items-file "$work/ids.txt" --sources "$SOURCES" >"$work/side.out"
	sd_cpu=$(cpu_per_req $(($(cpu_ticks "$@") - sd_c0)) "$(sed -n 's/^@requests //p' "$work/side.out")")
	sd_rps=$(sed -n 's/^@rps //p' "$work/side.out")
	sd_p99=$(sed -n 's/^@p99 //p' "$work/side.out")
	sd_flag=$(awk -v r="$sd_rps" -v p="$sd_p99" -v g="$sd_goal" 'BEGIN {
		split(g, b, "/"); f = ""
		if (b[1] != "-" && r + 0 < b[1] + 0) f = "BELOW GOAL"
		if (b[2] != "-" && p + 0 > b[2] + 0) f = "BELOW GOAL"
		print f }')
	printf '| %-24s | %8s | %8s | %8s | %6s | %8s | %-16s | %-14s | %s\n' "$sd_name" "$sd_rps" \
		"$(sed -n 's/^@p50 //p' "$work/side.out")" "$sd_p99" \
		"$(sed -n 's/^@errors //p' "$work/side.out")" "$sd_cpu" "$(echo "$sd_goal" | sed 's|^\(.*\)/\(.*\)$|>=\1, p99<=\2|; s|, p99<=-$||')" \
		"$sd_load" "$sd_flag"
}
# pg_serve STORE: one more duband on STORE; its URL in $srv_url.
pg_serve() {
	t=0
	while :; do
		t=$((t + 1))
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		"$DUBAND" serve --listen "127.0.0.1:$p" --tls-cert "$work/server.pem" --tls-key "$work/server.key" \
			--store "$1" --blobs "$work/blobs" --log "$work/access-pg.log" 2>>"$work/server-pg.err" &
		pg_pids="$pg_pids $!"
		srv_url=https://127.0.0.1:$p
		i=0
		while [ $i -lt 300 ]; do
			curl -s -o /dev/null --max-time 5 --cacert "$work/ca.pem" "$srv_url/api/v1/health" && return 0
			kill -0 "$!" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		[ $t -lt 5 ] || { echo "bench_server: duband --store did not start" >&2; cat "$work/server-pg.err" >&2; exit 1; }
	done
}
table_head() {
	echo "| store                    |    req/s |   p50 ms |   p99 ms | errors | CPU ms/r | goal (issue 17)  | load average   |"
	echo "|--------------------------|---------:|---------:|---------:|-------:|---------:|------------------|----------------|"
}
{
	echo
	echo "== side by side: office user, mixed pull/push (ratio $PUSH_RATIO), $CLIENTS clients, ${SECONDS_RUN} s each"
	table_head
	side "SQLite, 1 duband" "$url" "$boss" 1500/80 "$pid"
} | tee -a "$out"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
echo "server exit status after SIGTERM: $rc" | tee -a "$out"

pg_why=
if [ "${BENCH_PG:-1}" = 0 ]; then
	pg_why="BENCH_PG=0"
elif "$DUBAND" user list --store 'postgresql:///duban?host=/nonexistent/duban-probe' 2>&1 |
	grep -q 'without PostgreSQL\|unknown option'; then
	pg_why="duband was built without PostgreSQL"
else
	top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
	. "$top_srcdir/tests/pg/lib.sh"
	pg_check || pg_why=$PG_WHY
fi
if [ -n "$pg_why" ]; then
	echo "(PostgreSQL left out: $pg_why)" | tee -a "$out"
else
	# A cluster as a small server would run it: fsync on, more memory than
	# the tests give it.
	PG_CONF_EXTRA="fsync = on
full_page_writes = on
shared_buffers = 256MB
max_connections = 300"
	PG_EXIT_CHAIN=cleanup
	pg_start
	store=$(pg_new_db duban)
	mkdir -p "$work/blobs"
	echo "== duband import ($n rows) into PostgreSQL" >&2
	start=$(date +%s)
	"$DUBAND" import "$csv" --store "$store" >&2 || exit 1
	echo "   $(($(date +%s) - start)) s" >&2
	printf '%s\n%s\n' "$pw" "$pw" | "$DUBAND" user add boss --role office --store "$store" >/dev/null || exit 1
	# The pushes go to items of this database: the ids differ from SQLite's.
	"$DUBAND" export --store "$store" --format csv |
		grep -o '^[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\},' | tr -d , >"$work/ids.txt"
	pg_serve "$store"
	url1=$srv_url
	url=$url1
	pgboss=$(login boss)
	[ -n "$pgboss" ] || { echo "bench_server: login on PostgreSQL failed" >&2; cat "$work/server-pg.err" >&2; exit 1; }
	side "PostgreSQL 15, 1 duband" "$url1" "$pgboss" 1000/- $pg_pids | tee -a "$out"
	pg_serve "$store"
	side "PostgreSQL 15, 2 duband" "$url1,$srv_url" "$pgboss" 1000/- $pg_pids | tee -a "$out"
	for p in $pg_pids; do
		kill -TERM "$p"
		wait "$p"
		echo "duband --store exit status after SIGTERM: $?" | tee -a "$out"
	done
	pg_pids=
fi
if grep -q 'Sanitizer' "$work/server.err"; then
	echo "the server printed a sanitizer report:" >&2
	head -40 "$work/server.err" >&2
	exit 1
fi
