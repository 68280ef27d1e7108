#!/bin/sh
# Rebounds and links on the server: only the office may reopen a closed item
# (an inspector's item.status closed -> in_progress is refused with the code
# reopen_office_only, whatever their client let through); the office's is
# applied and kept in the history.  link.add records are applied once,
# checked (no self-link, the item in the user's counties), and pulled by
# whoever sees the item.  Runs on both stores (DUBAN_STORE=pg too).
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
start_server

A=$(uuid) B=$(uuid) C=$(uuid)
boss=$(login boss "$PW")
li=$(login li "$PW")

TOKEN=$boss
push "$(op_create "$(uuid)" "$A" RA-001 甲县 closed)" "$(op_create "$(uuid)" "$B" RB-001 甲县)" \
	"$(op_create "$(uuid)" "$C" RC-001 乙县)"
code_is 200 "the office creates three items, one closed"
result_is 0 applied "the closed item is created"

# ---------------------------------------------------------------- reopen
TOKEN=$li
push "$(op_status "$(uuid)" "$A" closed in_progress '又冒黑烟')"
result_is 0 rejected:permission "an inspector's reopen is rejected"
is "$(r 0 .code)" reopen_office_only "... with the machine code reopen_office_only"
TOKEN=$boss
is "$(item_of_now "$A" | jq -r .status)" closed "... and the item stays closed"

push "$(op_status "$(uuid)" "$A" closed in_progress)"
result_is 0 rejected:transition "the office's reopen without a reason is rejected"
push "$(op_status "$(uuid)" "$A" closed in_progress '又冒黑烟')"
result_is 0 applied "the office's reopen with a reason is applied"
is "$(item_of_now "$A" | jq -r .status)" in_progress "the item is in progress again"
is "$(grep '"type":"event"' "$tmp/changes" | jq -r "select(.event.item_id == \"$A\" and .event.field == \"status\") | .event | .old_value + \">\" + .new_value + \"|\" + .reason + \"|\" + .author")" \
	"closed>in_progress|又冒黑烟|boss" "the history records the rebound, its reason and the office"

# ---------------------------------------------------------------- links
L1=$(uuid)
TOKEN=$li
opl=$(uuid)
push "$(op_link "$opl" "$B" "$L1" "$A" link 同一家砖厂)"
result_is 0 applied "the inspector links two items of their county"
push "$(op_link "$opl" "$B" "$L1" "$A" link 同一家砖厂)"
result_is 0 duplicate "the same link op again is a duplicate"
push "$(op_link "$(uuid)" "$B" "$L1" "$A" link 同一家砖厂)"
result_is 0 applied "the same link under a new op id is applied once more (idempotent by id)"
pull_all >/dev/null
is "$(grep '"type":"link"' "$tmp/changes" | jq -r .link.id | sort | uniq -c | tr -s ' ' | sed 's/^ //')" "1 $L1" \
	"the server holds the link once"
is "$(grep '"type":"link"' "$tmp/changes" | jq -r '.link | .author + "|" + .kind + "|" + .other_id')" "li|link|$A" \
	"... with its author, kind and other end"
push "$(op_link "$(uuid)" "$B" "$(uuid)" "$B" link 自己)"
result_is 0 rejected:validation "a link of an item to itself is rejected"
push "$(op_link "$(uuid)" "$C" "$(uuid)" "$A" link 跨县)"
result_is 0 rejected:permission "a link from an item outside the inspector's counties is rejected"
push "$(op_link "$(uuid)" "$B" "$(uuid)" "$A" sideways 怪)"
result_is 0 rejected:validation "an unknown link kind is rejected"

TOKEN=$boss
pull_all >/dev/null
is "$(grep '"type":"link"' "$tmp/changes" | jq -r '.link.why')" 同一家砖厂 "the office pulls the link"
done_testing
