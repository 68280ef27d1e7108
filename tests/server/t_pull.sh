#!/bin/sh
# duband pull: pages by cursor, resuming, scope by county (tombstones for
# moves and deletes, records announced again), bad and unknown cursors, and a
# server restored from an older copy of its data.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1
start_server
boss=$(login boss "$PW")
li=$(login li "$PW")
wang=$(login wang "$PW")

# 20 items in 甲县, 10 in 乙县.
i=1
set --
while [ $i -le 30 ]; do
	id=$(uuid)
	echo "$id" >>"$tmp/ids"
	county=甲县
	[ $i -gt 20 ] && county=乙县
	set -- "$@" "$(op_create "$(uuid)" "$id" "$(printf 'P-%03d' $i)" $county)"
	i=$((i + 1))
done
TOKEN=$boss
push "$@"
is "$(j '[.results[] | select(.result == "applied")] | length')" 30 "30 items created"
first=$(sed -n 1p "$tmp/ids")   # 甲县
second=$(sed -n 2p "$tmp/ids")  # 甲县
last=$(sed -n 30p "$tmp/ids")   # 乙县

# ---- pages
api GET "pull?since=0&limit=7"
code_is 200 "pull from 0 with limit 7"
is "$(j '.changes | length') $(j .more)" "7 true" "the first page has 7 changes and more: true"
printf '%s' "$(j .next)" | grep -qx '[0-9][0-9]*-[0-9a-zA-Z]*'
ok $? "next is a cursor SEQ-TOKEN"
[ "$(j .server_seq)" -ge 30 ] 2>/dev/null
ok $? "the page carries server_seq"
pull_all 7
is "$(grep -c '"type":"item"' "$tmp/changes")" 30 "paging with limit 7 brings 30 item changes"
is "$(jq -r '.item.id // empty' "$tmp/changes" | sort -u | wc -l | tr -d ' ')" 30 "... of 30 distinct items: none twice"
is "$(jq -r '.seq' "$tmp/changes" | sort -n -c 2>&1 && echo sorted)" sorted "changes come in sequence order"
is "$(jq -r '.item.version' "$tmp/changes" | grep -c '^[1-9]')" 30 "every item carries its version"
saved=$PULL_NEXT

api GET "pull?since=$saved&limit=7"
is "$(j '.changes | length') $(j .more)" "0 false" "pull from the last cursor: nothing, more false"

# ---- resume from a saved cursor: only later changes
push "$(op_set "$(uuid)" "$first" progress 0 30)" "$(op_set "$(uuid)" "$last" progress 0 40)" \
	"$(op_note "$(uuid)" "$second" "$(uuid)" '续传的备注')"
api GET "pull?since=$saved&limit=100"
code_is 200 "pull from the saved cursor"
is "$(j '[.changes[] | .type] | sort | join(",")')" "event,event,item,item,note" \
	"it brings exactly the later changes: two items, their two events, the note"
is "$(j '[.changes[] | select(.type == "event") | .event | "\(.field) \(.old_value) \(.new_value) \(.author)"] | sort | join(";")')" \
	"progress 0 30 boss;progress 0 40 boss" "... each event with the field, old -> new and who made it"
is "$(j '[.changes[] | select(.type == "item") | .item.progress] | sort | join(",")')" "30,40" \
	"... with the items' current state"
is "$(j '.changes[] | select(.type == "note") | .note.text')" "续传的备注" "... and the note"

# ---- scope
TOKEN=$li
pull_all 5
is "$(jq -r '.item.id // empty' "$tmp/changes" | sort -u | wc -l | tr -d ' ')" 20 "the 甲县 inspector sees the 20 items of 甲县"
is "$(jq -r '.item.county // empty' "$tmp/changes" | sort -u)" "甲县" "... and nothing of 乙县"
grep -q "$last" "$tmp/changes"
[ $? -ne 0 ]; ok $? "a 乙县 item never reaches the 甲县 inspector"
li_cur=$PULL_NEXT
TOKEN=$wang
pull_all
is "$(jq -r '.item.id // empty' "$tmp/changes" | sort -u | wc -l | tr -d ' ')" 10 "the 乙县 inspector sees 10 items"
wang_cur=$PULL_NEXT

# a page of changes the user may not see still advances the cursor
TOKEN=$boss
i=1
set --
while [ $i -le 20 ]; do
	set -- "$@" "$(op_create "$(uuid)" "$(uuid)" "$(printf 'Q-%03d' $i)" 乙县)"
	i=$((i + 1))
done
push "$@"
TOKEN=$li
api GET "pull?since=$li_cur&limit=1"
code_is 200 "the 甲县 inspector pulls past 20 乙县 changes with limit 1"
is "$(j '.changes | length')" 0 "the page holds no visible change"
[ "$(j .next)" != "$li_cur" ] && [ "$(j .more)" = true ]
ok $? "next advances anyway, more: true"
n=0
cur=$li_cur
while [ $n -lt 50 ]; do
	api GET "pull?since=$cur&limit=1"
	[ "$(j '.changes | length')" = 0 ] || break
	cur=$(j .next)
	n=$((n + 1))
	[ "$(j .more)" = true ] || break
done
is "$(j .more) $(j '.changes | length')" "false 0" "the scoped user reaches the end with nothing visible"
[ $n -ge 3 ] && [ $n -le 20 ]
ok $? "bounded pages: at most 8 x limit entries each ($n pages for 20 entries)"
li_cur=$cur

# moving an item 甲县 -> 乙县: a tombstone (scope) for 甲, the item and its records for 乙
TOKEN=$boss
push "$(op_note "$(uuid)" "$first" "$(uuid)" '搬迁前的备注')"
result_is 0 applied "a note on a 甲县 item"
TOKEN=$li
api GET "pull?since=$li_cur"
li_cur=$(j .next)
TOKEN=$boss
push "$(op_set "$(uuid)" "$first" county 甲县 乙县)"
result_is 0 applied "the office moves the item to 乙县"
TOKEN=$li
api GET "pull?since=$li_cur"
is "$(j ".changes[] | select(.item_id == \"$first\") | [.type, .reason] | join(\" \")")" "tombstone scope" \
	"the 甲县 inspector gets a tombstone, reason scope"
is "$(j "[.changes[] | select(.type == \"item\" and .item.id == \"$first\")] | length")" 0 \
	"... and not the item"
li_cur=$(j .next)
TOKEN=$wang
api GET "pull?since=$wang_cur&limit=500"
w=$body
is "$(j ".changes[] | select(.type == \"item\" and .item.id == \"$first\") | .item.county")" "乙县" \
	"the 乙县 inspector receives the moved item"
like "$(j '[.changes[] | select(.type == "note") | .note.text] | join(",")')" "搬迁前的备注" \
	"... and its notes, announced again"
wang_cur=$(j .next)

# an office delete: a tombstone, reason deleted
TOKEN=$boss
push "$(op_delete "$(uuid)" "$second")"
result_is 0 applied "the office deletes a 甲县 item"
TOKEN=$li
api GET "pull?since=$li_cur"
is "$(j ".changes[] | select(.item_id == \"$second\") | [.type, .reason] | join(\" \")")" "tombstone deleted" \
	"the 甲县 inspector gets a tombstone, reason deleted"
li_cur=$(j .next)

# ---- bad and unknown cursors
TOKEN=$boss
for bad in abc -5 12-ZZZ-9 '1%202' 9999999999999999999999-aa; do
	api GET "pull?since=$bad"
	code_is 400 bad_cursor "since=$bad is 400 bad_cursor"
done
api GET "pull?since=0"
cur0=$(j .next)
seq=$(j .server_seq)
api GET "pull?since=$((seq + 1000))-0123456789ab"
code_is 200 "a cursor ahead of the server answers 200"
is "$(j .reset) $(j .reason)" "true cursor_unknown" "... with reset, reason cursor_unknown"
[ "$(j .server_seq)" = "$seq" ] && [ -n "$(j .message)" ]
ok $? "the reset names the server_seq and a message"
tokpart=${li_cur#*-}
api GET "pull?since=${li_cur%%-*}-$(printf '%s' "$tokpart" | tr '0-9a-f' '1-9a-f0')"
is "$(j .reset) $(j .reason)" "true cursor_unknown" "a cursor whose check token differs: reset cursor_unknown"

# ---- a server restored from an older copy of its data dir
stop_server
data_copy "$DATA" "$tmp/data.bak"
start_server
TOKEN=$boss
push "$(op_note "$(uuid)" "$last" "$(uuid)" '备份之后 1')" "$(op_note "$(uuid)" "$last" "$(uuid)" '备份之后 2')" \
	"$(op_note "$(uuid)" "$last" "$(uuid)" '备份之后 3')"
api GET "pull?since=$wang_cur"
after=$(j .next)
api GET "pull?since=$after"
is "$(j .reset)" null "the client's cursor is served before the restore"
stop_server
data_move "$tmp/data.bak" "$DATA"
start_server
TOKEN=$boss
i=1
set --
while [ $i -le 6 ]; do
	set -- "$@" "$(op_note "$(uuid)" "$last" "$(uuid)" "恢复之后 $i")"
	i=$((i + 1))
done
push "$@"
[ "$(j .server_seq)" -ge "${after%%-*}" ] 2>/dev/null
ok $? "the restored server has written past the old cursor's sequence"
api GET "pull?since=$after"
code_is 200 "the restored server answers the old cursor with 200"
is "$(j .reset) $(j .reason)" "true cursor_unknown" "... and a reset: cursor_unknown"
api GET "pull?since=0"
is "$(j '[.changes[] | select(.type == "note") | .note.text] | map(select(startswith("备份之后"))) | length')" 0 \
	"a full download from 0 has none of the lost changes"
done_testing
