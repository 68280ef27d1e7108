#!/bin/sh
# duband re-checks the public notice (公示) of a close-out (issue 14): a push
# closing an item (销号) while its notice runs, or while an objection is
# open, is rejected (transition, with the codes notice_running and
# objection_open), also when the objection came from another replica the
# closing client never saw; only the office opens a notice or settles an
# objection, and a resolution must name an objection of the item.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
start_server
boss=$(login boss "$PW")
li=$(login li "$PW")

# op_notice ITEM KIND DATE [END|OBJECTION_ID] [UPHELD]: a notice.add op.
op_notice() {
	_nid=$(uuid)
	case $2 in
	open) _extra="\"end\":\"$4\",\"place\":\"县政府网站\",\"contact\":\"0871-6212345\"" ;;
	objection) _extra="\"text\":\"整改不到位\",\"from\":\"村民\"" ;;
	resolution) _extra="\"objection_id\":\"$4\",\"upheld\":${5:-false},\"text\":\"经核查\"" ;;
	esac
	printf '{"id":"%s","client_seq":%d,"kind":"notice.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","kind":"%s","date":"%s",%s,"created_at":"%s"}}' \
		"$(uuid)" "$(next_seq)" "$1" "$DUBAN_NOW" "$_nid" "$1" "$2" "$3" "$_extra" "$DUBAN_NOW"
}
# notice_id N: the id of the record in the Nth op of the last push's ops
# (kept by the caller in $ops_sent).
body_id() {
	printf '%s' "$1" | jq -r .body.id
}

IT=$(uuid)
TOKEN=$boss
push "$(op_create "$(uuid)" "$IT" JA-001 甲县 verified)" \
	"$(op_status "$(uuid)" "$IT" verified publicized)" \
	"$(op_notice "$IT" open 2026-06-15 2026-06-22)"
result_is 2 applied "the office publicizes an item with a notice until 2026-06-22"

# ---- closing while the notice runs (the server's today is 2026-06-15)
push "$(op_status "$(uuid)" "$IT" publicized closed)"
result_is 0 rejected:transition "closing while the notice runs is rejected"
is "$(r 0 .code)" notice_running "... with the code notice_running"
like "$(r 0 .message)" "JA-001 cannot be closed: its public notice runs until 2026-06-22" "... naming the end"

# ---- who writes what
TOKEN=$li
obj=$(op_notice "$IT" objection 2026-06-16)
push "$obj"
result_is 0 applied "an inspector of the county records an objection"
OBJ=$(body_id "$obj")
push "$(op_notice "$IT" open 2026-06-16 2026-06-30)"
result_is 0 rejected:permission "an inspector may not open a notice"
is "$(r 0 .code)" notice_office_only "... code notice_office_only"
push "$(op_notice "$IT" resolution 2026-06-17 "$OBJ")"
result_is 0 rejected:permission "an inspector may not settle an objection"

# ---- after the notice's end, the objection still holds the item
stop_server
DUBAN_TODAY=2026-06-30
export DUBAN_TODAY
start_server
TOKEN=$boss
push "$(op_status "$(uuid)" "$IT" publicized closed)"
result_is 0 rejected:transition "closing with an open objection is rejected (the closing client never saw it)"
is "$(r 0 .code)" objection_open "... with the code objection_open"
like "$(r 0 .message)" "objection 1 to its public notice is open" "... naming the objection"
push "$(op_notice "$IT" resolution 2026-06-30 "$(uuid)")"
result_is 0 rejected:validation "a resolution naming no objection of the item is rejected"
is "$(r 0 .code)" objection_unknown "... code objection_unknown"
# a resolution and the close in one push: both apply, in order
push "$(op_notice "$IT" resolution 2026-06-30 "$OBJ" false)" "$(op_status "$(uuid)" "$IT" publicized closed)"
result_is 0 applied "the office dismisses the objection"
result_is 1 applied "then closing is applied"

# ---- a second item: the close pushed before the objection's resolution, in one batch
I2=$(uuid)
o2=$(op_notice "$I2" objection 2026-06-29)
push "$(op_create "$(uuid)" "$I2" JA-002 甲县 verified)" "$(op_status "$(uuid)" "$I2" verified publicized)" \
	"$(op_notice "$I2" open 2026-06-20 2026-06-27)" "$o2" \
	"$(op_status "$(uuid)" "$I2" publicized closed)" \
	"$(op_notice "$I2" resolution 2026-06-30 "$(body_id "$o2")" true)"
result_is 4 rejected:transition "closing before the objection is settled is rejected within one batch"
result_is 5 applied "the upheld resolution after it applies"

# ---- the records travel
pull_all
is "$(grep -c '"type":"notice"' "$tmp/changes")" 6 "pull carries the 6 notice records"
is "$(grep '"type":"notice"' "$tmp/changes" | jq -r 'select(.notice.kind == "resolution") | .notice.objection_id' | head -n 1)" \
	"$OBJ" "a resolution names its objection"

done_testing
