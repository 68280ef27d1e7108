#!/bin/sh
# 调度 rounds on the server, attacked: whatever a client sends, duband
# re-checks who may open and close a round (dispatch_office_only), that a
# round's name is its own (dispatch_exists), that a submission or a close
# names a round the item is in (dispatch_not_member), that a submission
# goes to an open round (dispatch_closed), the user's counties
# (not_in_counties), that a submission's attachment is one of its item's
# (dispatch_attachment_unknown), a viewer (read_only), the record's shape (progress,
# text, round id) and its author.  Every refusal stores nothing; a scoped
# user pulls the round's records of their counties only.  Runs on both
# stores (DUBAN_STORE=pg too).
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1
add_user kan viewer || exit 1
start_server

A=$(uuid) B=$(uuid) C=$(uuid) X=$(uuid)
R=$(uuid) R2=$(uuid)
boss=$(login boss "$PW")
li=$(login li "$PW")
wang=$(login wang "$PW")
kan=$(login kan "$PW")

# op_dispatch OPID ITEMID RECID KIND ROUNDID NAME [PROGRESS [TEXT [AUTHOR
# [ATTACHMENTID]]]]: a dispatch.add op.
op_dispatch() {
	_author=
	[ -n "${9:-}" ] && _author=",\"author\":$(jstr "$9")"
	printf '{"id":"%s","client_seq":%d,"kind":"dispatch.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","kind":"%s","round_id":"%s","name":%s,"title":"六月调度","due":"2026-06-20","date":"2026-06-15","progress":%s,"text":%s,"attachment_id":"%s","created_at":"%s"%s}}' \
		"$1" "$(next_seq)" "$2" "$DUBAN_NOW" "$3" "$2" "$4" "$5" "$(jstr "$6")" "${7:-0}" "$(jstr "${8:-}")" \
		"${10:-}" "$DUBAN_NOW" "$_author"
}
# op_attach ITEMID ATTID SHA: an attachment.add op.
op_attach() {
	printf '{"id":"%s","client_seq":%d,"kind":"attachment.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","inspection_id":"","sha256":"%s","name":"进展.jpg","mime":"image/jpeg","size":5,"kind":"other","created_at":"%s"}}' \
		"$(uuid)" "$(next_seq)" "$1" "$DUBAN_NOW" "$2" "$1" "$3" "$DUBAN_NOW"
}
# put_blob TOKEN FILE: uploads FILE's bytes.
put_blob() {
	req -X PUT -H "Authorization: Bearer $1" -H 'Content-Type: application/octet-stream' \
		--data-binary @"$2" "$URL/api/v1/blobs/$(sha256sum "$2" | cut -d' ' -f1)"
}

# records KIND: how many dispatch records of KIND the office pulls.
records() {
	TOKEN=$boss
	pull_all >/dev/null
	grep '"type":"dispatch"' "$tmp/changes" | jq -r .dispatch.kind | grep -c "^$1\$"
}

TOKEN=$boss
push "$(op_create "$(uuid)" "$A" DA-001 甲县)" "$(op_create "$(uuid)" "$B" DB-001 乙县)" \
	"$(op_create "$(uuid)" "$C" DC-001 甲县)"
result_is 2 applied "the office creates three items"

# ---------------------------------------------------------------- open
TOKEN=$li
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" open "$R" 2026-06)"
result_is 0 rejected:permission "an inspector's opening is rejected"
is "$(r 0 .code)" dispatch_office_only "... with the code dispatch_office_only"
TOKEN=$kan
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" open "$R" 2026-06)"
result_is 0 rejected:permission "a viewer's opening is rejected"
is "$(r 0 .code)" read_only "... with the code read_only"
is "$(records open)" 0 "no opening was stored"

TOKEN=$boss
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" open "$R" 2026-06)" "$(op_dispatch "$(uuid)" "$B" "$(uuid)" open "$R" 2026-06)"
result_is 0 applied "the office opens round 2026-06 with item A"
result_is 1 applied "... and item B"
push "$(op_dispatch "$(uuid)" "$C" "$(uuid)" open "$R2" 2026-06)"
result_is 0 rejected:validation "another round of the same name is rejected"
is "$(r 0 .code)" dispatch_exists "... with the code dispatch_exists"
push "$(op_dispatch "$(uuid)" "$C" "$(uuid)" open "$R" 2026-06 0 '' wang)"
result_is 0 rejected:validation "an opening naming another author is rejected"
is "$(r 0 .code)" author "... with the code author"
push "$(op_dispatch "$(uuid)" "$C" "$(uuid)" open not-a-uuid 2026-06)"
result_is 0 rejected:validation "an opening without a round id is rejected"
push "$(op_dispatch "$(uuid)" "$X" "$(uuid)" open "$R" 2026-06)"
result_is 0 rejected:not_found "an opening for an item the server never had is rejected"
is "$(records open)" 2 "the round has two members on the server"

# ---------------------------------------------------------------- submit
TOKEN=$li
S1=$(uuid)
push "$(op_dispatch "$(uuid)" "$A" "$S1" report "$R" 2026-06 60 已完成清淤)"
result_is 0 applied "the inspector submits for an item of their county in the round"
push "$(op_dispatch "$(uuid)" "$B" "$(uuid)" report "$R" 2026-06 60 越权)"
result_is 0 rejected:permission "a submission for an item of another county is rejected"
is "$(r 0 .code)" not_in_counties "... with the code not_in_counties"
push "$(op_dispatch "$(uuid)" "$C" "$(uuid)" report "$R" 2026-06 60 不在本轮)"
result_is 0 rejected:validation "a submission for an item not in the round is rejected"
is "$(r 0 .code)" dispatch_not_member "... with the code dispatch_not_member"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$(uuid)" 2026-06 60 冒名轮次)"
result_is 0 rejected:validation "a submission naming the round with another id is rejected"
is "$(r 0 .code)" dispatch_not_member "... with the code dispatch_not_member"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 101 太多)"
result_is 0 rejected:validation "a progress above 100 is rejected"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 50 '')"
result_is 0 rejected:validation "a submission without a text is rejected"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 50 代报 boss)"
result_is 0 rejected:validation "a submission in another user's name is rejected"
is "$(r 0 .code)" author "... with the code author"
TOKEN=$kan
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 50 看看)"
result_is 0 rejected:permission "a viewer's submission is rejected"
is "$(records report)" 1 "one submission is stored"

# ---------------------------------------------------------------- attachment
# A submission's attachment_id must name an attachment of its own item.
printf 'jpeg\n' >"$tmp/p.jpg"
sha=$(sha256sum "$tmp/p.jpg" | cut -d' ' -f1)
put_blob "$boss" "$tmp/p.jpg"
put_blob "$li" "$tmp/p.jpg"
AB=$(uuid) AC=$(uuid) AA=$(uuid)
TOKEN=$boss
push "$(op_attach "$B" "$AB" "$sha")" "$(op_attach "$C" "$AC" "$sha")"
result_is 0 applied "the office attaches a file to item B (乙县)"
result_is 1 applied "... and to item C (甲县, not in the round)"
TOKEN=$li
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 70 借用乙县附件 '' "$AB")"
result_is 0 rejected:validation "a submission naming another county's attachment is rejected"
is "$(r 0 .code)" dispatch_attachment_unknown "... with the code dispatch_attachment_unknown"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 70 借用同县附件 '' "$AC")"
result_is 0 rejected:validation "a submission naming another item's attachment of the same county is rejected"
is "$(r 0 .code)" dispatch_attachment_unknown "... with the code dispatch_attachment_unknown"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 70 无此附件 '' "$(uuid)")"
result_is 0 rejected:validation "a submission naming an attachment the server does not hold is rejected"
is "$(r 0 .code)" dispatch_attachment_unknown "... with the code dispatch_attachment_unknown"
is "$(records report)" 1 "no refused submission is stored"
S2=$(uuid)
push "$(op_attach "$A" "$AA" "$sha")" "$(op_dispatch "$(uuid)" "$A" "$S2" report "$R" 2026-06 80 附照片 '' "$AA")"
result_is 0 applied "the attachment of the item, pushed first in the same push, is applied"
result_is 1 applied "... and the submission naming it is applied"
is "$(records report)" 2 "two submissions are stored"
TOKEN=$boss
pull_all >/dev/null
is "$(grep '"type":"dispatch"' "$tmp/changes" | jq -r "select(.dispatch.id == \"$S2\") | .dispatch.attachment_id")" "$AA" \
	"the stored submission names its attachment"

# ---------------------------------------------------------------- close
TOKEN=$wang
push "$(op_dispatch "$(uuid)" "$B" "$(uuid)" close "$R" 2026-06)"
result_is 0 rejected:permission "an inspector's close is rejected"
is "$(r 0 .code)" dispatch_office_only "... with the code dispatch_office_only"
TOKEN=$boss
push "$(op_dispatch "$(uuid)" "$C" "$(uuid)" close "$R" 2026-06)"
result_is 0 rejected:validation "closing the round on an item not in it is rejected"
is "$(r 0 .code)" dispatch_not_member "... with the code dispatch_not_member"
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" close "$R" 2026-06)" "$(op_dispatch "$(uuid)" "$B" "$(uuid)" close "$R" 2026-06)"
result_is 0 applied "the office closes the round (item A)"
result_is 1 applied "... and item B"
TOKEN=$li
push "$(op_dispatch "$(uuid)" "$A" "$(uuid)" report "$R" 2026-06 90 迟到)"
result_is 0 rejected:transition "a submission to a closed round is rejected"
is "$(r 0 .code)" dispatch_closed "... with the code dispatch_closed"
push "$(op_dispatch "$(uuid)" "$A" "$S1" report "$R" 2026-06 60 已完成清淤)"
result_is 0 applied "a record the server holds is applied again (idempotent by id)"
is "$(records report)" 2 "... and stored once"

# ---------------------------------------------------------------- scope
TOKEN=$li
pull_all >/dev/null
is "$(grep '"type":"dispatch"' "$tmp/changes" | jq -r '.dispatch | .kind + ":" + .item_id' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "close:$A" "open:$A" "report:$A" "report:$A" | sort | tr '\n' ' ')" \
	"the inspector pulls the round's records of their county only"
TOKEN=$wang
pull_all >/dev/null
is "$(grep '"type":"dispatch"' "$tmp/changes" | jq -r '.dispatch | .kind + ":" + .item_id' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "close:$B" "open:$B" | sort | tr '\n' ' ')" \
	"the other inspector pulls the member of his county"
TOKEN=$li
api GET snapshot
is "$(printf '%s\n' "$body" | grep '"type":"dispatch"' | jq -r '.dispatch.kind' | sort | tr '\n' ' ')" "close open report report " \
	"the snapshot carries the same records"
done_testing
