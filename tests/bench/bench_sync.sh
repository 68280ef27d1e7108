#!/bin/sh
# The sync benchmark (DESIGN.md §7): a SIZE-item ledger on duband over TLS on
# loopback; `duban sync` downloads it into an empty ledger RUNS times (the
# median time and client peak RSS next to the goal of issue 17), and once
# page by page; bytes on the wire with and without gzip; a sync with nothing
# new (requests and bytes, from the server's access log); a push of PUSH
# queued changes.
#
#   sh tests/bench/bench_sync.sh [SIZE]       default: 100000
#
# Environment: BENCH_DIR (work dir and ledger cache, default
# tests/bench/out), DUBAN, DUBAND (default ./duban, ./duband: use a build
# without sanitizers), PUSH (10000), REGEN=1 rebuilds the ledger, RUNS (3)
# first downloads for the median, FIRST_ONLY=1 stops after them (no page by
# page run, no push).
# Writes the figures to $BENCH_DIR/sync.txt.
set -u

n=${1:-100000}
BENCH_DIR=${BENCH_DIR:-tests/bench/out}
DUBAN=${DUBAN:-./duban}
DUBAND=${DUBAND:-./duband}
PUSH=${PUSH:-10000}
RUNS=${RUNS:-3}
REGEN=${REGEN:-0}
FIRST_ONLY=${FIRST_ONLY:-0}
DUBAN_TODAY=2026-06-15
TZ=UTC
LC_ALL=C.UTF-8
export DUBAN_TODAY TZ LC_ALL
unset DUBAN_NOW DUBAN_ROLE DUBAN_SYNC_BATCH DUBAN_SYNC_PAGE DUBAN_SYNC_SNAPSHOT

for p in "$DUBAN" "$DUBAND"; do
	[ -x "$p" ] || { echo "bench_sync: $p not found" >&2; exit 1; }
done
for c in openssl curl jq sqlite3; do
	command -v $c >/dev/null || { echo "bench_sync: $c is needed" >&2; exit 1; }
done
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=
mkdir -p "$BENCH_DIR" || exit 1
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/duban-bench-sync.XXXXXX") || exit 1
pid=
cleanup() {
	# only while it is still our child: a reaped PID may be another process's
	[ -n "$pid" ] && [ "$(sed 's/^.*) [^ ]* \([0-9]*\) .*$/\1/' "/proc/$pid/stat" 2>/dev/null)" = "$$" ] &&
		kill -KILL "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the ledger: demo -> CSV (cached, shared with bench_server.sh) -> duband import
csv=$BENCH_DIR/server-demo-$n.csv
if [ "$REGEN" = 1 ] || [ ! -s "$csv" ]; then
	echo "== building a demo ledger of $n items (duban demo --seed 11)" >&2
	"$DUBAN" --db "$work/demo.db" demo --items "$n" --seed 11 >&2 || exit 1
	"$DUBAN" --db "$work/demo.db" export -o "$csv.tmp" || exit 1
	mv "$csv.tmp" "$csv"
	rm -f "$work"/demo.db*
fi
data=$work/data
echo "== duband import ($n rows)" >&2
"$DUBAND" import "$csv" --data "$data" >&2 || exit 1
pw=bench-password-1
printf '%s\n%s\n' "$pw" "$pw" | "$DUBAND" user add boss --role office --data "$data" >/dev/null || exit 1

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
	[ $tries -ge 5 ] && { echo "bench_sync: duband did not start" >&2; cat "$work/server.err" >&2; exit 1; }
done

# The client: its own home, account and ledger.
mkdir -p "$work/c/config" "$work/c/data"
client() {
	HOME=$work/c XDG_CONFIG_HOME=$work/c/config XDG_DATA_HOME=$work/c/data USER=bench \
		"$DUBAN" --db "$work/c/ledger.db" "$@"
}
printf '%s\n' "$pw" | client login "$url" boss --cacert "$work/ca.pem" --device bench >/dev/null || exit 1

# server_cpu: duband's CPU seconds so far (user + system, from /proc).
server_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$pid/stat"
}

# timed LABEL ARGS...: runs `client ARGS`, prints wall seconds and peak RSS.
timed() {
	_label=$1
	shift
	_s=$(date +%s.%N)
	if [ -n "$TIME" ]; then
		HOME=$work/c XDG_CONFIG_HOME=$work/c/config XDG_DATA_HOME=$work/c/data USER=bench \
			"$TIME" -v "$DUBAN" --db "$work/c/ledger.db" "$@" >"$work/out" 2>"$work/time"
	else
		client "$@" >"$work/out" 2>"$work/time"
	fi
	_rc=$?
	_e=$(date +%s.%N)
	wall=$(echo "$_e - $_s" | bc)
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$work/time")
	# CPU seconds of the client: what a loaded machine changes least.
	cpu=$(awk -F': *' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$work/time")
	echo "$_label: exit $_rc, $wall s, peak RSS ${rss:-?} KB, client CPU ${cpu} s"
	sed 's/^/    /' "$work/out"
}

# median COLUMN: the median of that column of the numbers on stdin.
median() {
	awk -v c="$1" '{ print $c }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

lines() {
	wc -l <"$work/access.log" | tr -d ' '
}
# bytes_since LINE: requests and response bytes logged after line LINE.
log_since() {
	tail -n +"$(($1 + 1))" "$work/access.log" |
		awk '{ for (i = 1; i <= NF; i++) {
			if ($i ~ /^bytes=/) { sub("bytes=", "", $i); b += $i }
			if ($i ~ /^ms=/) { sub("ms=", "", $i); ms += $i } }
			r++ }
		     END { printf "%d requests, %d response bytes, %d ms in the server\n", r, b, ms }'
}

out=$BENCH_DIR/sync.txt
{
	echo "duban sync: $n items, duband on loopback TLS"
	echo "client: $DUBAN"
	echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
	echo
	echo "== first download: $RUNS runs into an empty ledger (one answer, GET /api/v1/snapshot)"
	: >"$work/first"
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -f "$work/c/ledger.db" "$work/c/ledger.db-wal" "$work/c/ledger.db-shm"
		l0=$(lines)
		c0=$(server_cpu)
		timed "sync (run $i)" sync
		scpu=$(echo "$(server_cpu) - $c0" | bc)
		echo "    server: $(log_since "$l0"), server CPU $scpu s"
		# The search index is built by a process of its own after the
		# sync: when it is done, and before the next run.
		_w=0
		while [ "$(sqlite3 "$work/c/ledger.db" "SELECT count(*) FROM meta WHERE key = 'search_index_pending'" 2>/dev/null)" != 0 ] &&
			[ $_w -lt 1200 ]; do
			sleep 0.05
			_w=$((_w + 1))
		done
		echo "    search index built $(echo "$(date +%s.%N) - $_s" | bc) s after the start"
		echo "$wall ${rss:-0} $cpu $scpu" >>"$work/first"
	done
	med_wall=$(median 1 <"$work/first")
	med_rss=$(median 2 <"$work/first")
	med_cpu=$(median 3 <"$work/first")
	med_scpu=$(median 4 <"$work/first")
	client sync --log 1 | sed 's/^/    log: /'
	if [ "$FIRST_ONLY" = 1 ]; then
		echo
		echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
		printf '%-50s %-26s %s\n' "row" "now" "goal"
		printf '%-50s %-26s %s\n' "first download of $n items, loopback HTTPS" \
			"$(printf '%.2f s, %d MB' "$med_wall" $((med_rss / 1024)))" "<= 4 s, client RSS <= 48 MB"
		printf '%-50s %s\n' "  (median of $RUNS: CPU client, server" "$med_cpu s, $med_scpu s)"
		exit 0
	fi
	echo
	echo "== the same page by page (DUBAN_SYNC_SNAPSHOT=0, page ${DUBAN_SYNC_PAGE:-2000}), once"
	rm -f "$work/c/ledger.db" "$work/c/ledger.db-wal" "$work/c/ledger.db-shm"
	l0=$(lines)
	DUBAN_SYNC_SNAPSHOT=0
	export DUBAN_SYNC_SNAPSHOT
	timed "sync" sync
	unset DUBAN_SYNC_SNAPSHOT
	echo "    server: $(log_since "$l0")"
	page_wall=$wall
	page_rss=${rss:-0}
	echo
	echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-50s %-26s %s\n' "row" "now" "goal"
	printf '%-50s %-26s %s\n' "first download of $n items, loopback HTTPS" \
		"$(printf '%.2f s, %d MB' "$med_wall" $((med_rss / 1024)))" "<= 4 s, client RSS <= 48 MB"
	printf '%-50s %s\n' "  (median of $RUNS: CPU client, server" "$med_cpu s, $med_scpu s)"
	printf '%-50s %-26s %s\n' "  (page by page once:" \
		"$(printf '%.2f s, %d MB)' "$page_wall" $((page_rss / 1024)))" ""

	echo
	echo "== the same pages without gzip (curl, no Accept-Encoding)"
	tok=$(sed -n 's/^token=//p' "$work/c/config/duban/account")
	since=0
	plain=0
	gz=0
	while :; do
		sz=$(curl -s --cacert "$work/ca.pem" -H "Authorization: Bearer $tok" -o "$work/page" \
			-w '%{size_download}' "$url/api/v1/pull?since=$since&limit=500")
		szg=$(curl -s --cacert "$work/ca.pem" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip' \
			-o /dev/null -w '%{size_download}' "$url/api/v1/pull?since=$since&limit=500")
		plain=$((plain + sz))
		gz=$((gz + szg))
		more=$(jq -r .more "$work/page")
		since=$(jq -r .next "$work/page")
		[ "$more" = true ] || break
	done
	echo "    body bytes: $plain plain, $gz gzip ($(echo "scale=1; $plain / $gz" | bc)x)"

	echo
	echo "== a sync with nothing new"
	l0=$(lines)
	timed "sync" sync
	echo "    server: $(log_since "$l0")"
	tail -n +"$((l0 + 1))" "$work/access.log" | sed 's/^/    access: /'
	client sync --log 1 | sed 's/^/    log: /'

	echo
	echo "== push of $PUSH queued changes (item.create, batch ${DUBAN_SYNC_BATCH:-200})"
	awk -v n="$PUSH" 'BEGIN {
		print "编号,问题名称,县（市、区）,牵头单位,整改时限,整改进度"
		for (i = 1; i <= n; i++)
			printf "PB-%06d,基准推送问题%d,甲县,甲县人民政府,2026-12-31,%d\n", i, i, i % 100
	}' >"$work/push.csv"
	client import "$work/push.csv" >/dev/null || exit 1
	echo "    queued: $(client sync --status | sed -n 's/^queued: //p')"
	l0=$(lines)
	timed "sync --push-only" sync --push-only
	echo "    changes/s: $(echo "$PUSH / $wall" | bc)"
	echo "    server: $(log_since "$l0")"
} 2>&1 | tee "$out"

kill -TERM "$pid"
wait "$pid"
pid=
