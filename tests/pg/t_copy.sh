#!/bin/sh
# duband copy --from sqlite:DIR --to postgresql://… (issue 13): a server with
# users, tokens, items, records, history, a deletion, a county move, applied
# ops, a blob and a policy move to PostgreSQL; the counts are checked; the change log
# keeps its positions, so a client's cursor goes on without a reset, a full
# download is the same change for change, an old op id is still a duplicate
# and an old token still works.  A second copy into the filled database is
# refused.
unset DUBAN_STORE
. "$(dirname "$0")/../server/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
pg_require backend
pg_start
STORE=$(pg_new_db copied)

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
start_server
boss=$(login boss "$PW")
li=$(login li "$PW")
TOKEN=$boss
A=$(uuid) B=$(uuid) C=$(uuid)
create_a=$(uuid)
push "$(op_create "$create_a" "$A" CP-001 甲县)" "$(op_create "$(uuid)" "$B" CP-002 乙县)" \
	"$(op_create "$(uuid)" "$C" CP-003 甲县)"
result_is 0 applied "three items on SQLite"
push "$(op_set "$(uuid)" "$A" progress 0 40)" "$(op_note "$(uuid)" "$A" "$(uuid)" '复制之前的记录')" \
	"$(op_status "$(uuid)" "$A" not_started in_progress)" "$(op_delete "$(uuid)" "$C")" \
	"$(op_set "$(uuid)" "$B" county 乙县 甲县)" "$(op_link "$(uuid)" "$A" "$(uuid)" "$B" link 同一园区)"
result_is 0 applied "edits, a note, a status, a deletion, a county move and a link"
result_is 5 applied "... the link too"
# A notice record (an objection): every record table is copied and counted.
push "$(printf '{"id":"%s","client_seq":%d,"kind":"notice.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","kind":"objection","date":"2026-06-10","from":"群众","text":"对整改结果有异议","created_at":"%s"}}' \
	"$(uuid)" "$(next_seq)" "$A" "$DUBAN_NOW" "$(uuid)" "$A" "$DUBAN_NOW")"
result_is 0 applied "an objection (a notice record)"
# A 调度 round's member (a dispatch record) is copied and counted too.
push "$(printf '{"id":"%s","client_seq":%d,"kind":"dispatch.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","kind":"open","round_id":"%s","name":"2026-06","title":"六月调度","due":"2026-06-20","date":"2026-06-15","created_at":"%s"}}' \
	"$(uuid)" "$(next_seq)" "$A" "$DUBAN_NOW" "$(uuid)" "$A" "$(uuid)" "$DUBAN_NOW")"
result_is 0 applied "a 调度 round opened over CP-001 (a dispatch record)"
printf 'attached bytes' >"$tmp/blob"
sha=$(sha256sum "$tmp/blob" | cut -d' ' -f1)
req -X PUT -H "Authorization: Bearer $boss" --data-binary @"$tmp/blob" "$URL/api/v1/blobs/$sha"
code_is 201 "a blob uploaded"
"$DUBAND" policy set acceptance 'county:县级初验 province:省级验收@office' --data "$DATA" >/dev/null
ok $? "a policy set"
TOKEN=$li
pull_all
cursor=$PULL_NEXT
TOKEN=$boss
pull_all
cp "$tmp/changes" "$tmp/changes.sqlite"
stop_server

run "$DUBAND" copy --from "sqlite:$DATA" --to "$STORE"
printf '%s\n' "$out" >"$tmp/copy.out"
exit_is 0 "duband copy exits 0"
grep -q DIFFERENT "$tmp/copy.out"
ok $((! $?)) "every count is the same on both sides"
is "$(awk '$1 == "items" { print $2, $3 }' "$tmp/copy.out")" "2 2" "the counts name the 2 items"
is "$(awk '$1 == "policies" { print $2, $3 }' "$tmp/copy.out")" "1 1" "... and the policy"
is "$(awk '$1 == "records" { print $2, $3 }' "$tmp/copy.out")" "4 4" \
	"... and the 4 records, the note, the objection, the link and the round's member"
is "$(awk '$1 == "change" { print ($3 == $4 && $3 > 0) }' "$tmp/copy.out")" 1 "... and the change log"
diag "$(sed 's/^/  /' "$tmp/copy.out")"

start_server --store "$STORE" --blobs "$DATA/blobs"
like "$(cat "$SRV_ERR")" "postgresql store" "the server now serves the PostgreSQL store"
TOKEN=$li
api GET "pull?since=$cursor"
is "$(j .reset) $(j '.changes | length')" "null 0" "li's cursor from SQLite goes on, nothing new, no reset"
TOKEN=$boss
pull_all
if cmp -s "$tmp/changes" "$tmp/changes.sqlite"; then
	pass "a full download is the same, change for change ($(wc -l <"$tmp/changes" | tr -d ' ') changes)"
else
	fail "a full download is the same, change for change"
	diff "$tmp/changes.sqlite" "$tmp/changes" | head -10 | sed 's/^/#   /'
fi
push "$(op_create "$create_a" "$A" CP-001 甲县)"
is "$(r 0 .result) $(r 0 .first)" "duplicate applied" "an op answered on SQLite is a duplicate on PostgreSQL"
push "$(op_set "$(uuid)" "$A" progress 40 60)"
result_is 0 applied "a new edit on PostgreSQL"
[ "$(j .server_seq)" -gt "${cursor%%-*}" ] 2>/dev/null
ok $? "its position follows the copied ones"
req -H "Authorization: Bearer $boss" "$URL/api/v1/blobs/$sha"
code_is 200 "the blob is served"
stop_server

run "$DUBAND" copy --from "sqlite:$DATA" --to "$STORE"
exit_is 1 "a second copy into the same database fails"
like "$err" "not empty" "... because it is not empty"

done_testing
