#!/bin/sh
# What one push may carry (issue 12 #4, #8): no string may hold a NUL
# character (\u0000 is 400 bad_json, not a string cut short); a title over
# 500 characters, any other text over 20,000 and an item over 256 KB as JSON
# are rejected: validation, naming the field and the limit; and a pull page
# stops before 4 MB of JSON however large the items, so that twenty big
# items cannot make one page too large for the clients.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
start_server
login_as boss
A=$(uuid)

# push_file FILE: POST FILE to push.
push_file() {
	req -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary @"$1" "$URL/api/v1/push"
}

# chars N C: N times the character C.
chars() {
	yes "$2" | head -n "$1" | tr -d '\n'
}

push "$(op_create "$(uuid)" "$A" LIM-001 甲县)"
result_is 0 applied "an ordinary item is applied"

# ---- 8: NUL
note=$(uuid)
printf '{"device":"test-device","ops":[%s]}' \
	"$(op_note "$(uuid)" "$A" "$note" 'before\u0000after' | sed 's/before\\\\u0000after/before\\u0000after/')" \
	>"$tmp/nul-note.json"
grep -q 'before\\u0000after' "$tmp/nul-note.json"
ok $? "(the body holds the escape \\u0000)"
push_file "$tmp/nul-note.json"
code_is 400 bad_json "a note text holding \\u0000 is 400 bad_json"
like "$(j .message)" 'u0000' "the message says why"
printf '{"device":"test-device","ops":[%s]}' "$(op_note "$(uuid)\\u0000junk" "$A" "$(uuid)" 'x')" \
	>"$tmp/nul-id.json"
push_file "$tmp/nul-id.json"
code_is 400 bad_json "an op id holding \\u0000junk is 400 bad_json"
printf '{"device":"test-device","ops":[%s]}' "$(op_note "$(uuid)" "$A" "$(uuid)" 'a\\u0000b')" \
	>"$tmp/esc.json"
push_file "$tmp/esc.json"
code_is 200 "an escaped backslash before u0000 is an ordinary text"
result_is 0 applied "... and is applied"
pull_all
grep -q 'before' "$tmp/changes"
ok $((!$?)) "nothing of the refused note was stored"

# ---- 4: field limits, rejected: validation with the field and the limit
T500=$(chars 500 题)
push "$(op_create "$(uuid)" "$(uuid)" LIM-500 甲县 | sed "s/\"title\":\"[^\"]*\"/\"title\":\"$T500\"/")"
result_is 0 applied "a title of 500 characters is applied"
push "$(op_create "$(uuid)" "$(uuid)" LIM-501 甲县 | sed "s/\"title\":\"[^\"]*\"/\"title\":\"${T500}题\"/")"
result_is 0 rejected:validation "a title of 501 characters is rejected: validation"
like "$(r 0 .message)" "title" "the message names the field"
like "$(r 0 .message)" "500" "the message names the limit"

D=$(chars 20001 述)
push "$(op_set "$(uuid)" "$A" description "" "$D")"
result_is 0 rejected:validation "a description of 20001 characters is rejected: validation"
like "$(r 0 .message)" "description" "the message names the field"
like "$(r 0 .message)" "20000" "the message names the limit"
push "$(op_set "$(uuid)" "$A" description "" "${D%述}")"
result_is 0 applied "a description of 20000 characters is applied"
push "$(op_note "$(uuid)" "$A" "$(uuid)" "$D")"
result_is 0 rejected:validation "a note of 20001 characters is rejected: validation"
like "$(r 0 .message)" "note" "the message names the record"

# Five texts of 20,000 three-byte characters: each within its limit, the
# item over 256 KB as JSON.
F=${D%述}
big_item() { # ITEMID CODE [FIELDS]: printf is built in, sed would get too long an argument
	printf '{"id":"%s","client_seq":%d,"kind":"item.create","item_id":"%s","created_at":"%s","body":{"id":"%s","kind":"problem","code":"%s","title":"%s","county":"甲县","lead_unit":"甲县人民政府","deadline":"2026-12-31","status":"not_started","progress":0,"description":"%s","goal":"%s","measures":"%s","findings":"%s"%s}}' \
		"$(uuid)" "$(next_seq)" "$1" "$DUBAN_NOW" "$1" "$2" "$2" "$F" "$F" "$F" "$F" "${3:-}"
}
printf '{"device":"test-device","ops":[%s]}' "$(big_item "$(uuid)" LIM-BIG ",\"handling\":\"$F\"")" >"$tmp/huge.json"
push_file "$tmp/huge.json"
result_is 0 rejected:validation "an item of 300 KB as JSON is rejected: validation"
like "$(r 0 .message)" "256 KB" "the message names the limit"

# ---- 4: pull pages bounded by bytes.  Twenty items of ~240 KB (4.8 MB).
i=0
while [ $i -lt 4 ]; do
	ops=
	for k in 1 2 3 4 5; do
		ops="$ops${ops:+,}$(big_item "$(uuid)" "BIG-$i-$k")"
	done
	printf '{"device":"test-device","ops":[%s]}' "$ops" >"$tmp/big$i.json"
	push_file "$tmp/big$i.json"
	[ "$(j '[.results[].result] | unique | join(",")')" = applied ] || diag "push $i: $(printf '%s' "$body" | head -c 300)"
	i=$((i + 1))
done
is "$(j '[.results[].result] | unique | join(",")')" applied "twenty items of ~240 KB each are applied"

cur=0
pages=0
biggest=0
total=0
while :; do
	api GET "pull?since=$cur&limit=2000"
	[ "$code" = 200 ] || break
	size=$(wc -c <"$tmp/.body")
	[ "$size" -gt "$biggest" ] && biggest=$size
	total=$((total + $(j '.changes | length')))
	pages=$((pages + 1))
	cur=$(j .next)
	[ "$(j .more)" = true ] && [ $pages -lt 50 ] || break
done
[ "$pages" -ge 2 ]
ok $? "the 4.8 MB of changes come in more than one page ($pages)"
[ "$biggest" -le $((4 * 1024 * 1024)) ]
ok $? "no page is over 4 MB (the largest: $biggest bytes)"
api GET "pull?since=0&limit=2000"
first=$(j '.changes | length')
pull_all 2000
is "$(grep -c '"code":"BIG-' "$tmp/changes")" 20 "every big item arrives, none twice"
diag "first page: $first changes, $pages pages, $total changes in all"

done_testing
