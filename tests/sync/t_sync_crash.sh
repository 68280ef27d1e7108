#!/bin/sh
# Crashes during sync.  2,000 queued ops; `duban sync` killed with SIGKILL at
# a random moment 50 times; then a sync to the end: the server holds every
# op exactly once, the outbox is empty, the ledgers are identical.  Then the
# server is killed (SIGKILL) and restarted during a push: nothing lost,
# nothing twice.
. "$(dirname "$0")/lib.sh"

add_user office1 office || exit 1
seed_server 10
start_server
# A clean forwarder in front of the server: when the server comes back on
# another port, the client keeps its address.
start_proxy 1
login_client a office1 "$PROXY_URL" || exit 1
sync_client a -q
exit_is 0 "first sync"

# client_exec NAME ARGS...: like client, but duban replaces the shell, so
# that `client_exec ... &` leaves duban's own pid in $!.
rand() {
	od -An -N2 -tu2 /dev/urandom | tr -d ' '
}

# sheet FILE PREFIX FROM TO PROGRESS: a ledger sheet of new (or existing) items.
sheet() {
	awk -v p="$2" -v a="$3" -v b="$4" -v g="$5" 'BEGIN {
		print "编号,问题名称,县（市、区）,牵头单位,整改时限,整改进度"
		for (i = a; i <= b; i++)
			printf "%s-%05d,崩溃测试问题%d,甲县,甲县人民政府,2026-12-31,%d\n", p, i, i, g
	}' >"$1"
}

# ---------------------------------------------------------------- 2,000 ops
sheet "$tmp/new.csv" C 1 1200 0
crun a import "$tmp/new.csv"
exit_is 0 "import 1,200 new items (1,200 item.create ops)"
sheet "$tmp/upd.csv" C 1 400 50
crun a import "$tmp/upd.csv"
exit_is 0 "import progress 50 for 400 of them (400 item.set ops)"
i=0
while [ $i -lt 400 ]; do
	i=$((i + 1))
	client a note "S-0000$((i % 9 + 1))" "崩溃测试记录 $i" >/dev/null 2>>"$CLIENT_ERR" || break
done
is "$i" 400 "400 notes added"
is "$(status_of a queued)" 2000 "2,000 ops queued"

# ---------------------------------------------------------------- 50 kills
DUBAN_SYNC_BATCH=50
export DUBAN_SYNC_BATCH
k=0
while [ $k -lt 50 ]; do
	k=$((k + 1))
	client_exec a sync -q >/dev/null 2>>"$tmp/killed.err" &
	pid=$!
	sleep "0.$(printf '%03d' $(($(rand) % 300)))"
	kill_child KILL "$pid"
	wait "$pid" 2>/dev/null
done
left=$(status_of a queued)
diag "after 50 kills: $left ops still queued, $(sql_server "SELECT count(*) FROM applied_op") ops answered by the server"
case $left in
'' | *[!0-9]*) fail "sync --status still reads the ledger after the kills"; diag "queued: '$left'" ;;
*) pass "sync --status still reads the ledger after the kills" ;;
esac
is "$(sql_client a 'PRAGMA integrity_check')" ok "the client's ledger is intact"

sync_until a 10 0
exit_is 0 "a sync to the end exits 0"
like "$(client a sync --status 2>&1)" "queued: 0" "the outbox is empty"
is "$(status_of a rejected)" 0 "nothing rejected"
is "$(status_of a conflicts)" 0 "no conflicts"
is "$(sql_server "SELECT count(*) FROM item WHERE code LIKE 'C-%'")" 1200 "the server holds the 1,200 new items"
is "$(sql_server "SELECT count(*) FROM item WHERE code LIKE 'C-%' AND progress = 50")" 400 "... 400 of them at progress 50"
is "$(sql_server "SELECT count(*) || ' ' || count(DISTINCT text) FROM note WHERE text LIKE '崩溃测试记录 %'")" "400 400" \
	"the server holds each of the 400 notes exactly once"
is "$(sql_client a "SELECT count(*) || ' ' || count(DISTINCT text) FROM note WHERE text LIKE '崩溃测试记录 %'")" "400 400" \
	"so does the client"
same_as_server a "after 50 kills"

# ---------------------------------------------------------------- the server crashes
unset DUBAN_SYNC_BATCH
DUBAN_SYNC_BATCH=25
export DUBAN_SYNC_BATCH
round=0
total_notes=0
while [ $round -lt 2 ]; do
	round=$((round + 1))
	sheet "$tmp/new$round.csv" "D$round" 1 200 0
	client a import "$tmp/new$round.csv" >/dev/null 2>>"$CLIENT_ERR"
	sheet "$tmp/upd$round.csv" C $((round * 400 + 1)) $((round * 400 + 300)) $((round * 10 + 60))
	client a import "$tmp/upd$round.csv" >/dev/null 2>>"$CLIENT_ERR"
	i=0
	while [ $i -lt 100 ]; do
		i=$((i + 1))
		client a note S-00010 "服务器崩溃 $round-$i" >/dev/null 2>>"$CLIENT_ERR"
	done
	is "$(status_of a queued)" 600 "round $round: 600 ops queued"
	before=$(sql_server "SELECT count(*) FROM applied_op")
	client_exec a sync -q >/dev/null 2>>"$CLIENT_ERR" &
	pid=$!
	sleep "0.$(printf '%03d' $((200 + $(rand) % 600)))"
	kill_server
	wait "$pid"
	src=$?
	diag "round $round: the server was killed after $(($(sql_server "SELECT count(*) FROM applied_op") - before)) of 600 ops; sync exited $src"
	case $src in
	7 | 0) pass "round $round: sync ends with 7 (offline) or 0 when the server dies" ;;
	*) fail "round $round: sync ends with 7 (offline) or 0 when the server dies"; diag "exit $src" ;;
	esac
	start_server
	retarget_proxy 1
	sync_until a 10 0
	exit_is 0 "round $round: sync after the restart exits 0"
	is "$(status_of a queued)" 0 "round $round: the outbox is empty"
	is "$(sql_server "SELECT count(*) FROM item WHERE code LIKE 'D$round-%'")" 200 "round $round: 200 new items, once each"
	is "$(sql_server "SELECT count(*) FROM item WHERE code LIKE 'C-%' AND progress = $((round * 10 + 60))")" 300 \
		"round $round: 300 edits"
	is "$(sql_server "SELECT count(*) || ' ' || count(DISTINCT text) FROM note WHERE text LIKE '服务器崩溃 $round-%'")" "100 100" \
		"round $round: every note exactly once"
	same_as_server a "round $round"
done

grep -q 'AddressSanitizer\|runtime error:' "$tmp/killed.err" && {
	fail "no sanitizer report from the killed syncs"
	grep -A10 'AddressSanitizer\|runtime error:' "$tmp/killed.err" | head -20 | sed 's/^/#   /'
}
done_testing
