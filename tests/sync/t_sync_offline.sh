#!/bin/sh
# A client away while the office loads 10,000 items catches up with one
# `duban sync`, in bounded pages (DUBAN_SYNC_PAGE=500: at least 20), and its
# ledger then equals the server's.
. "$(dirname "$0")/lib.sh"

add_user office1 office || exit 1
seed_server 5
start_server
login_client a office1 || exit 1
sync_client a -q
exit_is 0 "first sync"
crun a note S-00001 '出发前的记录'

# The office imports 10,000 items while a is away (the server is running).
awk 'BEGIN {
	print "编号,问题名称,县（市、区）,牵头单位,整改时限,整改进度"
	for (i = 1; i <= 10000; i++)
		printf "B-%05d,离线期间导入的第%d号问题,%s,%s人民政府,2026-12-31,%d\n", i, i,
			(i % 3 ? "甲县" : "丙县"), (i % 3 ? "甲县" : "丙县"), i % 101
}' >"$tmp/big.csv"
"$DUBAND" import "$tmp/big.csv" --data "$DATA" >"$tmp/import.out" 2>&1
ok $? "duband import of 10,000 rows while the server runs"
is "$(sql_server "SELECT count(*) FROM item")" 10005 "the server has 10,005 items"

DUBAN_SYNC_PAGE=500
export DUBAN_SYNC_PAGE
start=$(date +%s)
sync_client a
exit_is 0 "one sync catches up"
diag "$out" "took $(($(date +%s) - start)) s"
like "$out" "pushed 1" "the summary: the note pushed"
pulled=$(printf '%s\n' "$out" | sed -n 's/.*pulled \([0-9][0-9]*\) changes\{0,1\} in \([0-9][0-9]*\) pages\{0,1\}.*/\1 \2/p')
changes=${pulled% *}
pages=${pulled#* }
case $pulled in
'') fail "the summary says how many changes and pages were pulled"; diag "$out" ;;
*)
	pass "the summary says how many changes and pages were pulled"
	[ "$changes" -ge 10000 ]
	ok $? "at least 10,000 changes pulled ($changes)"
	[ "$pages" -ge 20 ]
	ok $? "in at least 20 pages of 500 ($pages)"
	;;
esac
is "$(status_of a queued)" 0 "nothing queued"
same_as_server a "after catching up"

# A second client starting from nothing, with the largest page the server
# allows, also gets everything.
add_user office2 office || exit 1
login_client b office2 || exit 1
DUBAN_SYNC_PAGE=2000
sync_client b -q
exit_is 0 "a new client downloads the whole ledger"
same_as_server b "the new client"

done_testing
