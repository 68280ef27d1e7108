#!/bin/sh
# One language on screen (issue 16, point 6): a refusal the server sent with
# a machine code is shown in the user's language; the history's reasons and
# an inspection's level go through their display names.
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
d list --format csv --sort light --limit 1 | sed 1d | tr -d '\r' >"$tmp/rows"
code=$(cut -d, -f1 "$tmp/rows")
id=$(awk -F, '{ print $NF }' "$tmp/rows")
d inspect "$code" --result fail --level county --findings 仍有渗漏 >/dev/null
ok $? "an inspection at county level"
tab=$(printf '\t')
sqlite3 "$DB" "
INSERT INTO event (item_id, field, old_value, new_value, reason, author, device, created_at, received_at)
 VALUES ('$id', 'progress', '40', '55', 'conflict: edited', 'li', 'li-pc', '2026-06-14T09:30:00Z', '');
INSERT INTO op (id, kind, item_id, field, base, value, body, created_at, state, reason) VALUES
 ('0b5e0b1c-1111-4222-8333-944455556677', 'item.set', '$id', 'progress', '55', '60', '{}',
  '2026-06-15T06:00:00Z', 'rejected',
  'not_in_counties${tab}inspector li may not write item $id (not in their counties, or not on the server)');"
ok $? "a conflict's edit in the history and a coded refusal, written with sqlite3"

start 120 40
wait_for "$OFFLINE"
keys C
screen_has "$(L "may not write item $id (not in their counties, or not on the server)" \
	"你无权修改此事项：它不在你负责的行政区域内，或服务器上没有")" \
	"the refusal in the user's language (its English message in English)"
keys Escape
wait_gone "$(L "Rejected" "被拒绝的修改")" 2
keys :
text "goto $code"
keys Enter
wait_for "$code"
keys Tab G
screen_has "$(L "(conflict: edited)" "已编辑）")" "the history's reason through its display name"
screen_has "$(L "level: county level" "验收层级：县级")" "the inspection's level through its display name"
screen_lacks "$(L "(sync)" "conflict: edited")" "no English reason on the screen"
keys Escape
quit

done_testing
