#!/bin/sh
# Sync through a bad network: faultproxy refuses, cuts (mid-request),
# truncates (mid-answer) and delays connections.  Repeated `duban sync`
# (offline exits allowed in between) converges: identical ledgers, every note
# exactly once; and a failed sync never leaves a cursor past what the client
# holds.  FAULT_SEED picks the proxy's faults (printed).
. "$(dirname "$0")/lib.sh"

: "${FAULT_SEED:=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}"
diag "FAULT_SEED=$FAULT_SEED"

add_user office1 office || exit 1
add_user office2 office || exit 1
seed_server 300
start_server
start_proxy "$FAULT_SEED" --cut-rate 0.2 --truncate-rate 0.3 --refuse-rate 0.1 --delay-ms 30

proxy_faults off
login_client a office1 "$PROXY_URL" || exit 1
login_client b office2 "$PROXY_URL" || exit 1
sync_client a -q
exit_is 0 "a's first sync (clean network)"
proxy_faults on

# Small batches and pages: many requests, many chances to fail.
DUBAN_SYNC_BATCH=20
DUBAN_SYNC_PAGE=25
export DUBAN_SYNC_BATCH DUBAN_SYNC_PAGE

# ---------------------------------------------------------------- a's work
awk 'BEGIN {
	print "编号,问题名称,县（市、区）,牵头单位,整改时限,整改进度"
	for (i = 1; i <= 150; i++)
		printf "S-%05d,乙县第%d号整改问题,乙县,乙县人民政府,2026-12-31,99\n", i * 2, i * 2
	for (i = 1; i <= 20; i++)
		printf "F-%05d,网络故障测试新增%d,甲县,甲县人民政府,2026-12-31,5\n", i, i
}' >"$tmp/work.csv"
crun a import "$tmp/work.csv"
exit_is 0 "a: 150 edits and 20 new items"
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	client a note "S-$(printf '%05d' $((i * 5)))" "故障网络记录 $i" >/dev/null 2>>"$CLIENT_ERR"
done
queued=$(status_of a queued)
diag "a has $queued ops queued"

# tally RC: counts the exits of the syncs that did not finish.
: >"$tmp/exits"
tally() {
	echo "$1" >>"$tmp/exits"
}

n=0
while [ $n -lt 60 ]; do
	n=$((n + 1))
	sync_client a -q
	[ "$rc" = 0 ] && break
	tally "$rc"
done
exit_is 0 "a's sync finishes through the faults (after $n tries)"
is "$(status_of a queued)" 0 "a's outbox is empty"
is "$(sql_server "SELECT count(*) FROM item WHERE progress = 99 AND CAST(substr(code, 3) AS INTEGER) % 2 = 0")" 150 "the server has the 150 edits"
is "$(sql_server "SELECT count(*) FROM item WHERE code LIKE 'F-%'")" 20 "the server has the 20 new items, once each"
is "$(sql_server "SELECT count(*) || ' ' || count(DISTINCT text) FROM note WHERE text LIKE '故障网络记录 %'")" "60 60" \
	"the server has each of the 60 notes exactly once"

# ---------------------------------------------------------------- b catches up
# Few retries: more syncs fail half-way.  After each sync, b's cursor may
# only cover changes b holds: every
# server item whose version is at or below the cursor's sequence is on b as
# it is on the server, and so is every note logged at or below it.
cursor_bad=0
cursor_checks=0
check_cursor() {
	_cur=$(status_of "$1" cursor)
	_seq=${_cur%%-*}
	case $_seq in
	'' | 0 | none | never) return 0 ;;
	*[!0-9]*)
		cursor_bad=$((cursor_bad + 1))
		diag "$1's cursor '$_cur' is not SEQ-TOKEN"
		return 0
		;;
	esac
	cursor_checks=$((cursor_checks + 1))
	server_ledger | jq -c --argjson s "$_seq" 'select(.version <= $s)' | LC_ALL=C sort >"$tmp/.due"
	client_ledger "$1" | LC_ALL=C sort >"$tmp/.have"
	_missing=$(LC_ALL=C comm -23 "$tmp/.due" "$tmp/.have" | wc -l | tr -d ' ')
	sql_server "SELECT entity_id FROM change WHERE entity = 'note' AND seq <= $_seq ORDER BY 1" >"$tmp/.dn"
	sql_client "$1" "SELECT id FROM note ORDER BY 1" >"$tmp/.hn"
	_mn=$(LC_ALL=C comm -23 "$tmp/.dn" "$tmp/.hn" | wc -l | tr -d ' ')
	if [ "$_missing" != 0 ] || [ "$_mn" != 0 ]; then
		cursor_bad=$((cursor_bad + 1))
		diag "$1's cursor $_cur covers $_missing items and $_mn notes that $1 does not hold as the server does"
	fi
}

# Three fresh clients catch up, one after the other, each request tried
# once: a fault ends the sync half-way.
add_user office3 office || exit 1
add_user office4 office || exit 1
proxy_faults off
login_client d office3 "$PROXY_URL" || exit 1
login_client e office4 "$PROXY_URL" || exit 1
proxy_faults on
DUBAN_SYNC_RETRIES=0
for x in b d e; do
	n=0
	failed=0
	while [ $n -lt 80 ]; do
		n=$((n + 1))
		sync_client $x -q
		check_cursor $x
		[ "$rc" = 0 ] && break
		tally "$rc"
		failed=$((failed + 1))
	done
	exit_is 0 "$x catches up through the faults (after $n tries, $failed failed)"
done
DUBAN_SYNC_RETRIES=3
is "$cursor_bad" 0 "after each of $cursor_checks syncs the cursor never covered more than the client held"
same_as_server d "d, faults"
same_as_server e "e, faults"
same_as_server a "a, faults"
same_as_server b "b, faults"

# ---------------------------------------------------------------- both at once
r=0
while [ $r -lt 5 ]; do
	r=$((r + 1))
	client a note S-00001 "并发记录 a$r" >/dev/null 2>>"$CLIENT_ERR"
	client b note S-00001 "并发记录 b$r" >/dev/null 2>>"$CLIENT_ERR"
	client b edit "S-$(printf '%05d' $((r * 11)))" --owner "负责人$r" >/dev/null 2>>"$CLIENT_ERR"
	sync_client a -q
	tally "$rc"
	sync_client b -q
	tally "$rc"
done
for x in a b a b; do
	sync_until $x 40 0 || true
done
exit_is 0 "both converge"
is "$(sql_server "SELECT count(*) || ' ' || count(DISTINCT text) FROM note WHERE text LIKE '并发记录 %'")" "10 10" \
	"the 10 concurrent notes are on the server exactly once"
same_as_server a "a, at the end"
same_as_server b "b, at the end"

diag "exit codes of unfinished syncs: $(sort "$tmp/exits" | uniq -c | tr -s ' \n' ' ')"
if grep -qv '^[0179]$' "$tmp/exits"; then
	fail "an unfinished sync exits 7 (offline) or 1, nothing else"
	diag "$(sort "$tmp/exits" | uniq -c)"
else
	pass "an unfinished sync exits 7 (offline) or 1, nothing else"
fi
done_testing
