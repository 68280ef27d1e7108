#!/bin/sh
# Attacks on the county boundary (issue 12, items 1 and 2): reading another
# county's attachment by naming its SHA-256, and learning what another county
# holds from the answers to item.create, to writes on its items and to a
# re-sent op id.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1
add_user vb viewer 乙县 || exit 1
start_server
boss=$(login boss "$PW")
li=$(login li "$PW")
wang=$(login wang "$PW")
vb=$(login vb "$PW")

put() { # put FILE SHA TOKEN
	req -X PUT -H "Authorization: Bearer $3" -H 'Content-Type: application/octet-stream' \
		--data-binary @"$1" "$URL/api/v1/blobs/$2"
}
op_attach() { # op_attach ITEM SHA
	printf '{"id":"%s","client_seq":%d,"kind":"attachment.add","item_id":"%s","body":{"id":"%s","item_id":"%s","inspection_id":"","sha256":"%s","name":"a.pdf","mime":"application/pdf","size":100,"created_at":"2026-06-15T08:00:00Z"}}' \
		"$(uuid)" "$(next_seq)" "$1" "$(uuid)" "$1" "$2"
}

# 乙县's item with a scan that wang uploaded and attached.
YB=$(uuid)
JA=$(uuid)
TOKEN=$boss
push "$(op_create "$(uuid)" "$YB" YB-001 乙县)" "$(op_create "$(uuid)" "$JA" JA-001 甲县)"
result_is 1 applied "the office creates one item in each county"
head -c 3000 /dev/urandom >"$tmp/secret.pdf"
hs=$(sha256sum "$tmp/secret.pdf" | cut -d' ' -f1)
put "$tmp/secret.pdf" "$hs" "$wang"
code_is 201 "wang uploads 乙县's scan"
TOKEN=$wang
push "$(op_attach "$YB" "$hs")"
result_is 0 applied "wang attaches it to the 乙县 item"

# ---- item 1: li knows the hash
TOKEN=$li
api HEAD "blobs/$hs"
code_is 404 "HEAD of another county's blob is 404, as for a missing one"
api GET "blobs/$hs"
code_is 404 not_found "GET of another county's blob is 404 not_found"
missing=$(printf 'nobody has this' | sha256sum | cut -d' ' -f1)
api GET "blobs/$missing"
code_is 404 not_found "GET of a blob nobody has is the same 404 not_found"
push "$(op_attach "$JA" "$hs")"
result_is 0 rejected:validation "li's attachment.add naming 乙县's hash on a 甲县 item is rejected"
api GET "blobs/$hs"
code_is 404 "... and li still cannot fetch it"
push "$(op_attach "$JA" "$missing")"
result_is 0 rejected:validation "an attachment.add naming bytes nobody uploaded is rejected"
msg_other=$(r 0 .message | sed "s/$missing/H/")
push "$(op_attach "$JA" "$hs")"
is "$(r 0 .message | sed "s/$hs/H/")" "$msg_other" "... with the same message as another county's hash"
TOKEN=$vb
api GET "blobs/$hs"
code_is 200 "a 乙县 viewer fetches the blob attached to a 乙县 item"
TOKEN=$boss
api GET "blobs/$hs"
code_is 200 "the office fetches it"

# The normal flow: li uploads the same bytes (proving she has them), then
# attaches them; a blob li sent herself is hers to read.
put "$tmp/secret.pdf" "$hs" "$li"
code_is 200 "li's PUT of bytes the server already has is 200"
TOKEN=$li
api HEAD "blobs/$hs"
code_is 200 "after sending the bytes li may HEAD them"
push "$(op_attach "$JA" "$hs")"
result_is 0 applied "... and attach them to her own item"
head -c 2000 /dev/urandom >"$tmp/mine.jpg"
hm=$(sha256sum "$tmp/mine.jpg" | cut -d' ' -f1)
put "$tmp/mine.jpg" "$hm" "$li"
code_is 201 "li uploads a photo"
push "$(op_attach "$JA" "$hm")"
result_is 0 applied "li attaches her own upload"
TOKEN=$wang
api HEAD "blobs/$hm"
code_is 404 "wang cannot see li's photo (HEAD)"
push "$(op_attach "$YB" "$hm")"
result_is 0 rejected:validation "wang cannot attach li's photo to a 乙县 item"
TOKEN=$boss
push "$(op_attach "$YB" "$hm")"
result_is 0 applied "the office may attach any uploaded blob"

# ---- item 2: existence oracles in push
TOKEN=$li
push "$(op_create "$(uuid)" "$YB" XX-001 乙县)" "$(op_create "$(uuid)" "$(uuid)" XX-002 乙县)"
is "$(r 0 .result):$(r 0 .reason)" "$(r 1 .result):$(r 1 .reason)" \
	"item.create in 乙县 with an existing id answers like one with a new id"
push "$(op_create "$(uuid)" "$(uuid)" YB-001 乙县)"
result_is 0 rejected:permission "item.create in 乙县 with an existing code: permission, like any"
push "$(op_create "$(uuid)" "$YB" JA-900 甲县)" "$(op_create "$(uuid)" "$(uuid)" YB-001 甲县)"
result_is 0 rejected:validation "item.create in 甲县 with a 乙县 id is rejected"
is "$(r 0 .message)" "$(r 1 .message)" "... with the same message as a 乙县 code"
case $(r 0 .message)$(r 1 .message) in
*乙县* | *"$YB"* | *YB-001*) fail "the messages name nothing of 乙县" ; diag "$body" ;;
*) pass "the messages name nothing of 乙县" ;;
esac
unknown=$(uuid)
push "$(op_set "$(uuid)" "$YB" progress 0 10)" "$(op_set "$(uuid)" "$unknown" progress 0 10)"
is "$(r 0 .result):$(r 0 .reason):$(r 0 .message | sed "s/$YB/ID/")" \
	"$(r 1 .result):$(r 1 .reason):$(r 1 .message | sed "s/$unknown/ID/")" \
	"item.set on a 乙县 item answers exactly like one on an unknown item"
push "$(op_note "$(uuid)" "$YB" "$(uuid)" x)" "$(op_note "$(uuid)" "$unknown" "$(uuid)" x)"
is "$(r 0 .result):$(r 0 .reason):$(r 0 .message | sed "s/$YB/ID/")" \
	"$(r 1 .result):$(r 1 .reason):$(r 1 .message | sed "s/$unknown/ID/")" \
	"note.add on a 乙县 item answers exactly like one on an unknown item"
# a deleted 乙县 item
YD=$(uuid)
TOKEN=$boss
push "$(op_create "$(uuid)" "$YD" YD-001 乙县)" "$(op_delete "$(uuid)" "$YD")"
result_is 1 applied "the office creates and deletes a 乙县 item"
TOKEN=$li
push "$(op_set "$(uuid)" "$YD" progress 0 10)" "$(op_set "$(uuid)" "$unknown" progress 0 10)"
is "$(r 0 .result):$(r 0 .reason):$(r 0 .message | sed "s/$YD/ID/")" \
	"$(r 1 .result):$(r 1 .reason):$(r 1 .message | sed "s/$unknown/ID/")" \
	"item.set on a deleted 乙县 item answers like one on an unknown item"

# another user's op id
TOKEN=$wang
wop=$(uuid)
push "$(op_set "$wop" "$YB" title "YB-001 测试问题" "乙县机密标题")" "$(op_set "$(uuid)" "$YB" progress 0 30)"
result_is 0 applied "wang renames the 乙县 item"
push "$(op_set "$(uuid)" "$YB" progress 0 50)"
result_is 0 conflict "wang's stale progress edit is a conflict (theirs = 30)"
cop=$(r 0 .id)
TOKEN=$li
push "$(op_set "$wop" "$JA" progress 0 10)"
result_is 0 rejected:validation "li re-sending wang's op id is rejected"
case $body in
*乙县* | *"$YB"*) fail "... and learns nothing of 乙县"; diag "$body" ;;
*) pass "... and learns nothing of 乙县" ;;
esac
push "$(printf '{"id":"%s","client_seq":%d,"kind":"item.set","item_id":"%s","field":"progress","base":"0","value":"50"}' "$cop" "$(next_seq)" "$JA")"
is "$(r 0 .theirs)" null "re-sending wang's conflicting op id does not return wang's theirs value"
TOKEN=$wang
push "$(op_set "$wop" "$YB" title "YB-001 测试问题" "乙县机密标题")"
result_is 0 duplicate "wang himself still gets his stored answer as a duplicate"

done_testing
