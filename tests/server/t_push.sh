#!/bin/sh
# duband push: applied with a version, exactly once (repeated and concurrent
# op ids), 3-way conflicts, every rejection rule, deleted items, records
# idempotent by id, gzip both ways.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user vw viewer || exit 1
start_server

A=$(uuid) B=$(uuid) C=$(uuid)
boss=$(login boss "$PW")
li=$(login li "$PW")
vw=$(login vw "$PW")

# ---- create and set
TOKEN=$boss
opA=$(uuid)
push "$(op_create "$opA" "$A" PA-001 甲县)" "$(op_create "$(uuid)" "$B" PB-001 乙县)" \
	"$(op_create "$(uuid)" "$C" PC-001 甲县)"
code_is 200 "push of three item.create answers 200"
result_is 0 applied "item.create is applied"
vA=$(r 0 .version)
[ "$(r 0 .id)" = "$opA" ] && [ "$vA" -gt 0 ] 2>/dev/null
ok $? "the result names the op id and a version"
is "$(j '.results | length')" 3 "one result per op"
[ "$(j .server_seq)" -ge "$(r 2 .version)" ] 2>/dev/null
ok $? "server_seq is at least the last version"

set1=$(op_set "$(uuid)" "$A" progress 0 40)
push "$set1"
result_is 0 applied "item.set progress 0 -> 40 is applied"
v1=$(r 0 .version)
[ "$v1" -gt "$vA" ] 2>/dev/null
ok $? "its version is later than the create's"

# ---- the same op twice
push "$set1"
result_is 0 duplicate "the same op sent again is a duplicate"
is "$(r 0 .first) $(r 0 .version)" "applied $v1" "the duplicate repeats the first answer (first: applied, version)"

# ---- the same op in concurrent requests: exactly one applied
note_id=$(uuid)
opn=$(uuid)
body="{\"device\":\"test-device\",\"ops\":[$(op_note "$opn" "$A" "$note_id" '并发提交的备注')]}"
printf '%s' "$body" >"$tmp/conc.json"
opset=$(uuid)
printf '{"device":"test-device","ops":[%s]}' "$(op_set "$opset" "$A" progress 40 50)" >"$tmp/conc2.json"
pids=
for i in 1 2 3 4; do
	curl -s --cacert "$CA" -H "Authorization: Bearer $boss" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/conc.json" "$URL/api/v1/push" >"$tmp/conc.$i" &
	pids="$pids $!"
	curl -s --cacert "$CA" -H "Authorization: Bearer $boss" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/conc2.json" "$URL/api/v1/push" >"$tmp/conc2.$i" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(cat "$tmp"/conc.? | jq -r '.results[0].result' | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ';')" \
	"1 applied;3 duplicate;" "note.add sent in 4 concurrent requests: one applied, three duplicates"
is "$(cat "$tmp"/conc2.? | jq -r '.results[0].result' | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ';')" \
	"1 applied;3 duplicate;" "item.set sent in 4 concurrent requests: one applied, three duplicates"
is "$(cat "$tmp"/conc2.? | jq -r '.results[0].version' | sort -u | wc -l | tr -d ' ')" 1 \
	"the duplicates carry the first answer's version"
pull_all
is "$(grep -c '并发提交的备注' "$tmp/changes")" 1 "the concurrent note is in the pull once"
is "$(item_of "$A" | jq -r .item.progress)" 50 "the item's progress is 50"

# ---- conflict: same base, different values
push "$(op_set "$(uuid)" "$A" progress 50 60)"
result_is 0 applied "progress 50 -> 60 is applied"
v60=$(r 0 .version)
push "$(op_set "$(uuid)" "$A" progress 50 70)"
result_is 0 conflict "progress 50 -> 70 from the same base is a conflict"
is "$(r 0 .field) $(r 0 .base) $(r 0 .mine) $(r 0 .theirs) $(r 0 .version)" "progress 50 70 60 $v60" \
	"the conflict names field, base, mine, theirs and the kept version"
push "$(op_set "$(uuid)" "$A" progress 50 60)"
result_is 0 applied "a stale base whose value equals the server's is applied"
push "$(op_set "$(uuid)" "$A" title "PA-001 测试问题" "甲县河道整治")" \
	"$(op_set "$(uuid)" "$A" deadline "2026-12-31" "2026年9月底")"
result_is 0 applied "item.set title applied"
result_is 1 applied "item.set deadline with a Chinese month-end date applied"

# ---- rejections
TOKEN=$vw
push "$(op_set "$(uuid)" "$A" progress 60 65)" "$(op_note "$(uuid)" "$A" "$(uuid)" 'viewer note')"
result_is 0 rejected:permission "a viewer's item.set is rejected: permission"
result_is 1 rejected:permission "a viewer's note.add is rejected: permission"
[ -n "$(r 0 .message)" ] && [ "$(r 0 .message)" != null ]
ok $? "a rejection carries a message"
is "$(r 0 .code) $(r 1 .code)" "read_only read_only" "… and a machine code for the client to translate"

TOKEN=$li
push "$(op_set "$(uuid)" "$B" progress 0 10)" "$(op_note "$(uuid)" "$B" "$(uuid)" '乙县的备注')"
result_is 0 rejected:permission "an inspector of 甲县 writing a 乙县 item: permission"
result_is 1 rejected:permission "... a note on it too"
is "$(r 0 .code)" not_in_counties "... code not_in_counties"
push "$(op_delete "$(uuid)" "$A")"
result_is 0 rejected:permission "an inspector's item.delete: permission"
push "$(op_set "$(uuid)" "$A" county 甲县 乙县)"
result_is 0 rejected:permission "an inspector moving an item out of their counties: permission"
push "$(op_create "$(uuid)" "$(uuid)" PB-002 乙县)"
result_is 0 rejected:permission "an inspector creating an item in another county: permission"
push "$(op_implied "$(uuid)" "$A" 60)"
result_is 0 rejected:transition "an implied progress on an item that is not verified: transition"
# Verified is the pass of the chain's last level: with a chain of one level
# the county's inspector signs, the inspector verifies.
"$DUBAND" policy set acceptance 'county:县级验收' --data "$DATA" >/dev/null
push "$(op_status "$(uuid)" "$A" not_started in_progress)" \
	"$(op_status "$(uuid)" "$A" in_progress requested)" \
	"$(printf '{"id":"%s","client_seq":%d,"kind":"inspection.add","item_id":"%s","body":{"id":"%s","item_id":"%s","date":"2026-06-15","level":"county","findings":"合格","passed":true,"created_at":"%s"}}' \
		"$(uuid)" "$(next_seq)" "$A" "$(uuid)" "$A" "$DUBAN_NOW")" \
	"$(op_status "$(uuid)" "$A" requested verified)"
result_is 0 applied "inspector: not_started -> in_progress applied"
result_is 1 applied "inspector: in_progress -> requested applied"
result_is 2 applied "inspector: the county level signed"
result_is 3 applied "inspector: requested -> verified applied"
# The status implies no other change on the server: progress 100 is an op
# of its own, checked like any other and void without the status.
is "$(item_of_now "$A" | jq -r .progress)" 60 "verification alone leaves the progress as it was"
push "$(op_implied "$(uuid)" "$A" 55)"
is "$(r 0 .result) $(r 0 .base) $(r 0 .mine) $(r 0 .theirs)" "conflict 55 100 60" \
	"an implied progress from another base: a conflict, not an overwrite"
push "$(op_implied "$(uuid)" "$A" 60)"
result_is 0 applied "the implied progress from the server's value: applied"
push "$(op_status "$(uuid)" "$A" verified closed)"
got=$(r 0 .result):$(r 0 .reason)
case $got in
rejected:permission | rejected:transition) pass "an inspector closing an item is rejected ($got)" ;;
*) fail "an inspector closing an item is rejected"; diag "got $got: $body" ;;
esac
push "$(op_set "$(uuid)" "$A" owner "" 李四)" "$(op_note "$(uuid)" "$A" "$(uuid)" '甲县检查员的备注')"
result_is 0 applied "an inspector's item.set in own county is applied"
result_is 1 applied "an inspector's note in own county is applied"

TOKEN=$boss
push "$(op_status "$(uuid)" "$C" not_started closed)"
result_is 0 rejected:transition "not_started -> closed by the office: transition"
push "$(op_status "$(uuid)" "$C" in_progress requested)"
result_is 0 rejected:transition "a step from a status the item is not in: transition"
push "$(op_set "$(uuid)" "$C" no_such_field a b)"
result_is 0 rejected:validation "an unknown field: validation"
push "$(op_set "$(uuid)" "$C" progress 0 120)"
result_is 0 rejected:validation "progress 120: validation"
push "$(op_set "$(uuid)" "$C" deadline 2026-12-31 2026-13-45)"
result_is 0 rejected:validation "deadline 2026-13-45: validation"
push "$(op_set "$(uuid)" "$C" code PC-001 PA-001)"
result_is 0 rejected:validation "item.set code to another item's code: validation"
push "$(op_create "$(uuid)" "$(uuid)" PA-001 甲县)"
result_is 0 rejected:validation "item.create with a code that exists: validation"
push '{"id":"'"$(uuid)"'","client_seq":9000,"kind":"note.add","item_id":"'"$C"'","created_at":"2026-06-15T08:00:00Z"}'
result_is 0 rejected:validation "note.add without a body: validation"
push "$(op_note "$(uuid)" "$(uuid)" "$(uuid)" '无主的备注')"
result_is 0 rejected:not_found "note.add on an item the server never had: not_found"
push '{"id":"'"$(uuid)"'","client_seq":9001,"kind":"item.frobnicate","item_id":"'"$C"'"}'
got=$(j .results[0].result)
[ "$code" = 400 ] || [ "$got" = rejected ]
ok $? "an unknown op kind is refused (400 or rejected)"

# the rejected ops changed nothing
pull_all
is "$(item_of "$C" | jq -r '[.item.status, .item.progress, .item.code, .item.deadline] | join(" ")')" \
	"not_started 0 PC-001 2026-12-31" "item C is unchanged by the rejected ops"
is "$(grep -c 'viewer note\|乙县的备注\|无主的备注' "$tmp/changes")" 0 "no rejected note was stored"
is "$(grep -c '"code":"PB-002"' "$tmp/changes")" 0 "no rejected item was created"

# ---- deleted items
push "$(op_delete "$(uuid)" "$C")"
result_is 0 applied "the office deletes item C"
push "$(op_set "$(uuid)" "$C" progress 0 10)"
result_is 0 conflict:deleted "item.set on a deleted item: conflict, reason deleted"
is "$(r 0 .theirs)" null "... with theirs null"
push "$(op_note "$(uuid)" "$C" "$(uuid)" '删除后的备注')"
got=$(r 0 .result):$(r 0 .reason)
is "$got" conflict:deleted "note.add on a deleted item: conflict, reason deleted"
push "$(op_delete "$(uuid)" "$C")"
result_is 0 applied "deleting it again converges: applied"
pull_all
is "$(grep "\"$C\"" "$tmp/changes" | tail -n 1 | jq -r '[.type, .reason] | join(" ")')" "tombstone deleted" \
	"the deleted item's last change is a tombstone: not resurrected"

# ---- duplicates repeat conflicts and rejections too
opc=$(uuid)
push "$(op_set "$opc" "$A" progress 10 20)"
result_is 0 conflict "a stale item.set is a conflict"
push "$(op_set "$opc" "$A" progress 10 20)"
is "$(r 0 .result) $(r 0 .first) $(r 0 .field) $(r 0 .base) $(r 0 .mine) $(r 0 .theirs)" \
	"duplicate conflict progress 10 20 100" "its duplicate repeats the conflict (first: conflict, its fields)"
opr=$(uuid)
push "$(op_set "$opr" "$A" progress 100 999)"
result_is 0 rejected:validation "progress 999 is rejected"
push "$(op_set "$opr" "$A" progress 100 999)"
is "$(r 0 .result) $(r 0 .first) $(r 0 .reason)" "duplicate rejected validation" \
	"its duplicate repeats the rejection (first: rejected, reason)"

# ---- client_seq: gaps and replays are flagged, the ops still applied
gap_push() { # gap_push SEQ TEXT
	api POST push "{\"device\":\"seq-dev\",\"ops\":[{\"id\":\"$(uuid)\",\"client_seq\":$1,\"kind\":\"note.add\",\"item_id\":\"$A\",\"body\":{\"id\":\"$(uuid)\",\"item_id\":\"$A\",\"text\":\"$2\",\"created_at\":\"$DUBAN_NOW\"}}]}"
}
TOKEN=$(login boss "$PW" seq-dev) # the token names the device
gap_push 1 序号一
gap_push 2 序号二
is "$(r 0 .result) $(r 0 .warning)" "applied null" "the next client_seq: applied, no warning"
gap_push 7 序号七
is "$(r 0 .result) $(r 0 .warning)" "applied gap" "a skipped client_seq: applied with warning gap"
gap_push 4 序号四
is "$(r 0 .result) $(r 0 .warning)" "applied replay" "a client_seq going back for a new op id: applied with warning replay"
TOKEN=$boss

# ---- records idempotent by id
nid=$(uuid)
push "$(op_note "$(uuid)" "$A" "$nid" '同一条备注')"
result_is 0 applied "note.add applied"
push "$(op_note "$(uuid)" "$A" "$nid" '同一条备注')"
result_is 0 applied "the same note id in another op: applied (converges)"
pull_all
is "$(grep -c '同一条备注' "$tmp/changes")" 1 "the note is stored once"

# ---- gzip
gid=$(uuid)
printf '{"device":"test-device","ops":[%s]}' "$(op_note "$(uuid)" "$A" "$gid" '压缩请求的备注')" | gzip -c >"$tmp/push.gz"
req -H "Authorization: Bearer $boss" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' \
	--data-binary @"$tmp/push.gz" "$URL/api/v1/push"
code_is 200 "a gzip request body is accepted"
result_is 0 applied "... and its op applied"
req -H "Authorization: Bearer $boss" -H 'Accept-Encoding: gzip' "$URL/api/v1/pull?since=0"
code_is 200 "pull with Accept-Encoding: gzip"
like "$(header Content-Encoding)" gzip "a large answer is gzip-compressed"
gzip -dc "$tmp/.body" 2>/dev/null | jq -e '.changes | length > 0' >/dev/null 2>&1
ok $? "the compressed answer decodes to the changes"
req -H "Authorization: Bearer $boss" "$URL/api/v1/pull?since=0"
unlike "$(header Content-Encoding)" gzip "no compression when not asked"

# ---- the persisted state
stop_server
run "$DUBAND" export --data "$DATA" --format json
exit_is 0 "duband export --format json"
printf '%s' "$out" >"$tmp/export.json"
is "$(jq -r '.[] | select(.code == "PA-001") | [.status, .progress, .title, .deadline, .owner] | join(" ")' "$tmp/export.json")" \
	"verified 100 甲县河道整治 2026-09-30 李四" "the export has item A as pushed"
is "$(jq -r '[.[] | select(.code == "PC-001")] | length' "$tmp/export.json")" 0 "the export has no deleted item"
is "$(jq -r '[.[] | select(.code == "PB-001")] | length' "$tmp/export.json")" 1 "the export has item B"
start_server
TOKEN=$boss
pull_all
is "$(item_of "$A" | jq -r '[.item.status, .item.progress, .item.owner] | join(" ")')" "verified 100 李四" \
	"after a restart the pull has the pushed state"
done_testing
