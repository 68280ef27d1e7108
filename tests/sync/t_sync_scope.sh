#!/bin/sh
# Scope: an inspector's pull holds only their county; a local change outside
# the counties the server gave is refused at once; one the server refuses
# (the client's copy of the counties was stale) is rejected, kept, and shown
# with the server's reason.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
seed_server 20 甲县 乙县
start_server
login_client li li || exit 1
login_client o boss || exit 1

sync_client li
exit_is 0 "the inspector's first sync exits 0"
is "$(client li export --format json | jq -r '[.[].county] | unique | join(",")')" 甲县 "li holds only 甲县 items"
is "$(client li export --format json | jq length)" 10 "... all ten of them"
# Equal to the server's 甲县 items.
client_ledger li >"$tmp/li"
server_ledger | jq -c 'select(.county == "甲县")' >"$tmp/jia"
if cmp -s "$tmp/li" "$tmp/jia"; then
	pass "li's items = the server's 甲县 items"
else
	fail "li's items = the server's 甲县 items"
	ledger_diff "$tmp/jia" "$tmp/li"
fi

# A change in scope goes through.
crun li note S-00001 '甲县现场核查'
crun li edit S-00003 --progress 66
sync_client li
exit_is 0 "a change to a 甲县 item syncs (exit 0)"
is "$(sql_server "SELECT progress FROM item WHERE code = 'S-00003'")" 66 "the server has it"

# ---------------------------------------------------------------- another county's item
# The client acts with the counties the server gave: refused at once.
crun li add --code LI-001 --title '乙县的问题' --county 乙县 --lead-unit 乙县人民政府 --deadline 2026-12-31
exit_is 4 "li may not add an item of 乙县: refused locally, like the server would"
like "$err" "may not write items of 乙县" "... with the server's reason"
is "$(status_of li queued)" 0 "... and nothing is queued"
# An account file from before the server took 乙县 away: the server refuses.
acct=$tmp/c/li/config/duban/account
is "$(sed -n 's/^counties=//p' "$acct")" 甲县 "the account file keeps the counties the server gave"
sed -i 's/^counties=.*/counties=甲县,乙县/' "$acct"
crun li add --code LI-001 --title '乙县的问题' --county 乙县 --lead-unit 乙县人民政府 --deadline 2026-12-31
exit_is 0 "li, with a stale copy of his counties, adds an item of 乙县 offline"
sync_client li
exit_is 9 "its push is rejected: exit 9"
is "$(sed -n 's/^counties=//p' "$acct")" 甲县 "the sync brought the counties back to the server's"
is "$(status_of li rejected)" 1 "sync --status: rejected: 1"
is "$(sql_server "SELECT count(*) FROM item WHERE code = 'LI-001'")" 0 "the server does not have it"
is "$(client li export --format json | jq '[.[] | select(.code == "LI-001")] | length')" 1 "li still has it"
shown="$(client li conflicts 2>&1) $(client li sync --status 2>&1)"
like "$shown" "乙县" "the server's reason (the county) is shown"
like "$shown" "LI-001" "... with the item"
sync_client li
exit_is 9 "the next sync still exits 9 (the rejected op waits)"
is "$(status_of li rejected)" 1 "... still one rejected op, not sent again"

# ---------------------------------------------------------------- moved out of scope
crun li edit S-00005 --county 乙县
exit_is 4 "li may not move S-00005 to 乙县: refused locally"
sed -i 's/^counties=.*/counties=甲县,乙县/' "$acct"
crun li edit S-00005 --county 乙县
exit_is 0 "li, with a stale copy of his counties, moves S-00005 to 乙县 offline"
sync_client li
exit_is 9 "rejected: exit 9"
is "$(status_of li rejected)" 2 "sync --status: rejected: 2"
is "$(sql_server "SELECT county FROM item WHERE code = 'S-00005'")" 甲县 "the server keeps S-00005 in 甲县"

# ---------------------------------------------------------------- the office moves one out
sync_client o -q
crun o edit S-00007 --county 乙县
sync_client o
exit_is 0 "the office moves S-00007 to 乙县"
sync_client li
exit_is 9 "li syncs (the rejected ops still wait)"
is "$(client li export --format json | jq '[.[] | select(.code == "S-00007")] | length')" 0 \
	"S-00007 left li's ledger (scope tombstone)"
crun o note S-00007 '移出期间的记录'
crun o edit S-00007 --county 甲县
sync_client o
sync_client li
is "$(client li export --format json | jq -r '.[] | select(.code == "S-00007") | .county')" 甲县 \
	"S-00007 came back when it returned to 甲县"
is "$(sql_client li "SELECT count(*) FROM note n JOIN item i ON i.id = n.item_id WHERE i.code = 'S-00007'")" \
	1 "... with the note added while it was away"

same_as_server o "the office"
done_testing
