#!/bin/sh
# The ledger as a record: the server names who made every change, every
# replica's history shows it with the time it was made (offline) and the time
# the server received it, change by change; a refused change that is dropped
# leaves the replica equal to the server; the change a status implies
# (progress 100) is checked like any other and never overwrites; the client
# offers only what the account's role may do.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
seed_server 8 甲县 乙县
start_server
login_client o boss || exit 1
login_client i li || exit 1
for x in o i; do
	sync_client $x -q
	exit_is 0 "first sync of $x"
done
RECEIVED=$DUBAN_NOW

# history NAME CODE: the trail of CODE on client NAME as the server confirmed
# it, one line per entry: type field old new author recorded received.
HISTORY_DEF='def v: if . == null or . == "" then "-" else . end;
	def line: [.type, (.field | v), (.old_value | v), (.new_value | v), .author, .recorded_at, .received_at] | join(" ");'
history() {
	client "$1" export --history --format json 2>>"$CLIENT_ERR" |
		jq -r --arg c "$2" "$HISTORY_DEF .[] | select(.code == \$c and .received_at != \"\") | line"
}
server_history() {
	"$DUBAND" export --data "$DATA" --history --format json 2>>"$tmp/duband-export.err" |
		jq -r --arg c "$1" "$HISTORY_DEF .[] | select(.code == \$c) | line"
}
# offline NAME ARGS...: a command of client NAME made at $OFFLINE.
OFFLINE=2026-06-14T09:00:00Z
offline() {
	DUBAN_NOW=$OFFLINE
	export DUBAN_NOW
	crun "$@"
	DUBAN_NOW=$RECEIVED
	export DUBAN_NOW
}

# ---------------------------------------------------------------- who did what
# S-00001 (甲县, progress 7): the inspector works on the 14th, offline; the
# server receives it on the 15th.
offline i edit S-00001 --progress 65
exit_is 0 "the inspector edits offline"
is "$(sql_client i "SELECT author FROM event WHERE field = 'progress' ORDER BY seq DESC LIMIT 1")" li \
	"a local change is credited to the logged-in account, not to \$USER (i)"
offline i status S-00001 in_progress
offline i note S-00001 现场已清理
offline i inspect S-00001 --result fail --findings 仍有积水 --date 2026-06-14
exit_is 0 "... and records an inspection"
sync_client i
exit_is 0 "the inspector syncs"
sync_client o
exit_is 0 "the office syncs"

history o S-00001 >"$tmp/.oh"
like "$(cat "$tmp/.oh")" "event progress 7 65 li $OFFLINE $RECEIVED" \
	"office's history: the inspector's field change, with who, when made, when received, old -> new"
like "$(cat "$tmp/.oh")" "event status not_started in_progress li $OFFLINE $RECEIVED" \
	"office's history: the inspector's status change"
like "$(cat "$tmp/.oh")" "note - - - li $OFFLINE $RECEIVED" "office's history: the inspector's note"
like "$(cat "$tmp/.oh")" "inspection - - - li $OFFLINE $RECEIVED" "office's history: the inspection"
unlike "$(cat "$tmp/.oh")" " server " "no entry is credited to the sync ('server')"
crun o show S-00001
like "$out" "li 2026-06-14 09:00 " "duban show names the inspector and when the change was made"
like "$out" "(received 2026-06-15 08:00)" "... and when the server received it"
is "$(history o S-00001)" "$(server_history S-00001)" "the office's trail of S-00001 is the server's, entry for entry"
is "$(history i S-00001)" "$(server_history S-00001)" "the inspector's own trail too (the server's stamps replaced its own)"

# Several changes to one item within one pull: each one, in order.
crun i edit S-00003 --progress 20
crun i edit S-00003 --progress 25
crun i edit S-00003 --owner 赵六
sync_client i -q
sync_client o -q
is "$(history o S-00003 | awk '$1 == "event" && $2 != "create" { print $2, $3, $4, $5 }' | tr '\n' ';')" \
	"progress 21 20 li;progress 20 25 li;owner - 赵六 li;" \
	"three changes in one pull arrive as three entries, not their net"

# An import is credited to the importing user, with the file's name, on
# every replica.
printf '编号,责任领导\nS-00003,副县长甲\n' >"$tmp/领导调整.csv"
crun o import "$tmp/领导调整.csv"
exit_is 0 "the office imports a sheet"
sync_client o -q
sync_client i -q
client i export --history --format csv | grep -q '^S-00003,[^,]*,event,leader,,副县长甲,import 领导调整.csv,boss,'
ok $? "the inspector's history credits the import to the office user, naming the file"

# ---------------------------------------------------------------- a conflict resolved by a person
crun o edit S-00005 --progress 30
sync_client o -q
crun i edit S-00005 --progress 50
sync_client i
exit_is 9 "the inspector's concurrent edit is a conflict"
cid=$(sql_client i "SELECT id FROM conflict WHERE resolved = 0 LIMIT 1")
crun i resolve "$cid" --mine
exit_is 0 "the inspector keeps their value"
sync_client i -q
sync_client o -q
like "$(history o S-00005)" "event progress 30 50 li " \
	"the resolution is credited to the inspector, with the value they replaced (30)"

# ---------------------------------------------------------------- the change a status implies
# S-00007 (甲县): the inspector asks for close-out, then edits progress and
# syncs; the office verifies from the older progress: the implied 100 must
# not overwrite the inspector's 80.
crun i status S-00007 in_progress
crun i status S-00007 requested
sync_client i -q
sync_client o -q
crun i edit S-00007 --progress 80
sync_client i -q
crun o accept S-00007 --level county --pass --opinion 县级初验合格
crun o accept S-00007 --level city --pass --opinion 市级验收合格
is "$(sql_client o "SELECT kind || ':' || coalesce(field, '') || ':' || coalesce(body, '') FROM op
	WHERE kind <> 'inspection.add' ORDER BY seq" | tr '\n' ' ')" \
	'item.status:status:{"reason":""} item.set:progress:{"implied_by":"status","reason":"implied by the status"} ' \
	"verification queues the status and the progress it implies, as two ops"
sync_client o
exit_is 9 "the office's sync reports the implied progress as a conflict"
is "$(server_ledger | jq -r 'select(.code == "S-00007") | "\(.status) \(.progress)"')" "verified 80" \
	"the server verified the item and kept the inspector's progress"
is "$(sql_client o "SELECT field || ' ' || mine || ' ' || theirs FROM conflict WHERE resolved = 0")" "progress 100 80" \
	"the office sees the conflict: mine 100, theirs 80"
like "$(history o S-00007)" "event status requested verified boss " "the status change is the office's"
cid=$(sql_client o "SELECT id FROM conflict WHERE resolved = 0 LIMIT 1")
crun o resolve "$cid" --theirs
exit_is 0 "the office takes the inspector's progress"

# ---------------------------------------------------------------- a dropped refusal (issue 19, 1)
# S-00009 is beyond the seed: use S-00001 again.  in_progress on both.
crun o status S-00001 requested
crun o accept S-00001 --level county --pass --opinion 县级初验合格
crun o accept S-00001 --level city --pass --opinion 市级验收合格
sync_client o -q
crun i status S-00001 requested
exit_is 0 "the inspector, not synced, asks for close-out"
sync_client i
exit_is 9 "the server refuses it (exit 9)"
crun i show S-00001
like "$out" "Status                    verified" "the pull applied the server's status"
op=$(sql_client i "SELECT id FROM op WHERE state = 'rejected'")
crun i outbox --drop "$op"
exit_is 0 "the inspector drops the refused change"
sync_client i -q
sync_client i -q
is "$(client i export --format json | jq -r '.[] | select(.code == "S-00001") | .status')" verified \
	"after the drop the replica says verified, like the server"
is "$(status_of i queued) $(status_of i rejected)" "0 0" "nothing queued or refused"
# Every field of every item and every record: equal to the server's.
sync_client o -q
same_as_server o "the office at the end"
# The inspector sees 甲县 only: compare those items and records.
same_as_server_in i "the inspector at the end" 甲县
for code in S-00001 S-00003 S-00005 S-00007; do
	is "$(history o $code)" "$(server_history $code)" "$code: the office's trail is the server's"
done

# ---------------------------------------------------------------- the account's role
crun i status S-00001 publicized
exit_is 4 "the inspector may not publicize: refused at once, locally"
like "$err" "the inspector role may not change the status" "... with the reason"
is "$(status_of i queued)" 0 "... and nothing is queued"
crun i add --code JX-NEW --title 乙县的新问题 --county 乙县
like "$err" "乙县" "an inspector may not add an item of another county (refused locally)"
is "$(sql_client i "SELECT count(*) FROM item WHERE code = 'JX-NEW'")" 0 "... nothing stored"

done_testing
