#!/bin/sh
# The overdue view: O from the ledger lists what `duban overdue` lists (at
# 120×40 and 80×24, Chinese titles cut by width), the ledger's filter
# applies, Enter opens the item, I issues the step due after showing the
# action's text and writes the letter; `duban show` then has the action.
# Below the overdue items, as at the end of `duban overdue`, the items whose
# public notice has ended and which wait for 销号.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
TPL="DUBAN_TEMPLATEDIR=$top_srcdir/contrib/templates"

# The first rows of `duban overdue` (code, days) in its order.
d overdue --format csv | sed 1d | tr -d '\r' >"$tmp/rows"
n_all=$(wc -l <"$tmp/rows" | tr -d ' ')
n_due=$(d overdue --due --format csv | sed 1d | wc -l | tr -d ' ')
first=$(sed -n 1p "$tmp/rows" | cut -d, -f1)
[ "$n_all" -gt 10 ] && [ -n "$first" ]
ok $? "the demo has overdue items ($n_all, $n_due with a step due; first $first)"

# ---------------------------------------------------------------- 120×40
start 120 40 "$TPL"
wait_for "$OFFLINE"
keys O
screen_has "$(L "overdue: $n_all items, $n_due with a step due" "逾期：$n_all 项，$n_due 项有待办步骤")" \
	"O opens the overdue view with list's counts"
screen_is overdue-120x40 "the overdue view at 120×40"
# The order is the command line's: the first row is its first item.
line 3 | grep -q "^ $first "
ok $? "the first row is $first, as in duban overdue"
keys Enter
screen_has "$first" "Enter opens the item"
screen_has "$(L "Lead unit" "牵头单位")" "the item's detail"
keys Escape
screen_has "$(L "overdue: $n_all items" "逾期：$n_all 项")" "Esc: back to the list"
keys '?'
screen_has "$(L "issue the step due" "发出待办的督办步骤")" "help lists the issue key from the key map"
screen_has "I " "with its key"
keys q
wait_for "$first"
keys Escape
quit

# ---------------------------------------------------------------- 80×24
start 80 24 "$TPL"
wait_for "$OFFLINE"
keys O
screen_has "$(L "$n_all items" "$n_all 项")" "80×24: the overdue view"
screen_is overdue-80x24 "the overdue view at 80×24"
keys Escape
quit

# ---------------------------------------------------------------- filter, issue
county=$(sed -n 1p "$tmp/rows" | cut -d, -f3)
n_county=$(d overdue --county "$county" --format csv | sed 1d | wc -l | tr -d ' ')
# The item with a step due nearest the top: its code and step.
due_row=$(awk -F, '$10 != "" { print; exit }' "$tmp/rows")
code=$(printf '%s\n' "$due_row" | cut -d, -f1)
step=$(printf '%s\n' "$due_row" | cut -d, -f10)
actions_before=$(d show "$code" | grep -c "^- .* $step 2026-06-15:")

start 120 40 "$TPL"
wait_for "$OFFLINE"
keys :
text "filter county=$county"
keys Enter
wait_for "$county"
keys O
screen_has "$(L "overdue: $n_county item" "逾期：$n_county 项")" "the ledger's filter ($county) applies: $n_county items"
screen_has "· $county" "the filter shows in the title"
keys Escape
quit

start 120 40 "$TPL"
wait_for "$OFFLINE"
keys O
# The ledger lists $first too: wait for the overdue view's own title, and for
# the screen to settle, before moving in it.
wait_for "$(L "overdue: $n_all items" "逾期：$n_all 项")"
wait_quiet
# Down to the row of $code.
i=1
while ! line $((i + 2)) | grep -q "^ $code " && [ "$i" -lt 30 ]; do
	keys j
	i=$((i + 1))
	sleep 0.05
done
screen_has "$code" "the row of $code"
# Esc at the letter's prompt cancels the whole command: nothing recorded.
keys I
wait_for "(y/N)"
keys y
screen_has "$(L "Letter file" "函件文件")" "I y: the letter's prompt"
keys Escape
screen_has "$(L "$code: nothing issued" "$code：未发出")" "Esc at the letter's prompt: nothing issued"
is "$(d show "$code" | grep -c "^- .* $step 2026-06-15:")" "$actions_before" "… and no action recorded"
keys I
screen_has "$(L "and record it? (y/N)" "并记录？（y/N）")" "I asks to confirm"
screen_has "$(L "for $code" "$code")" "over the action's text"
screen_is overdue-confirm-120x40 "the action text in a box"
keys y
screen_has "$(L "Letter file" "函件文件")" "then asks for the letter's file"
keys C-u
text "$tmp/letter.html"
keys Enter
screen_has "$(L "issued; letter written to" "已发出")" "the step is issued"
keys Escape
quit

actions_after=$(d show "$code" | grep -c "^- .* $step 2026-06-15:")
is "$actions_after" "$((actions_before + 1))" "duban show has the new $step action"
grep -q "<h1>" "$tmp/letter.html" && grep -q "$code" "$tmp/letter.html"
ok $? "the HTML letter was written"
d overdue --format csv | tr -d '\r' | grep "^$code," >"$tmp/after"
cut -d, -f7 "$tmp/after" | grep -q "$step"
ok $? "the list counts the step as taken"

# ---------------------------------------------------------------- due for 销号
# Five days on, the notices of some of the demo's publicized items have
# ended: the view lists them after the overdue items, the ones `duban
# overdue` names at its end, in its order.
LATER=2026-06-20
DUBAN_TODAY=$LATER d overdue | sed -n 's/^  \([^ ]*\)  .*  notice ended .*/\1/p' >"$tmp/closing"
n_closing=$(wc -l <"$tmp/closing" | tr -d ' ')
n_later=$(DUBAN_TODAY=$LATER d overdue --format csv | sed 1d | wc -l | tr -d ' ')
first_closing=$(sed -n 1p "$tmp/closing")
last_closing=$(sed -n '$p' "$tmp/closing")
[ "$n_closing" -ge 2 ]
ok $? "by $LATER $n_closing notices have ended ($(tr '\n' ' ' <"$tmp/closing"))"

start 120 40 "$TPL" DUBAN_TODAY=$LATER
wait_for "$OFFLINE"
keys O
screen_has "$(L "overdue: $n_later items" "逾期：$n_later 项")" "$LATER: the overdue view"
screen_has "$(L "· $n_closing due for closing" "· $n_closing 项待销号")" "the title counts the items due for closing"
screen_has "$(L "$n_closing items' public notices have ended: due for closing" "$n_closing 项公示期已满，待销号")" \
	"a heading below the overdue items"
keys G
screen_has "$(L "The public notice ended" "公示已于")" "G: the last row, an item due for closing, says what is left to do"
# The rows under the heading: the codes of `duban overdue`, in its order.
screen | sed -n "/$(L "public notices have ended" "公示期已满")/,\$p" | sed -n 's/^ \([^ ]*\) .*/\1/p' |
	grep -xF -f "$tmp/closing" >"$tmp/shown"
is "$(cat "$tmp/shown")" "$(cat "$tmp/closing")" "the items due for closing, as duban overdue lists them"
screen_is overdue-closing-120x40 "the overdue view with the items due for closing"
keys I
screen_has "$(L "$last_closing is not overdue" "$last_closing 未逾期")" "I on it: no step to issue, close it instead"
keys Enter
# The detail names the item on its first line (the list's title does not).
n=50
until line 1 | grep -q "$last_closing" || [ "$n" -eq 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
line 1 | grep -q "$last_closing"
ok $? "Enter opens $last_closing"
screen_has "$(L "Kind" "类型")" "… its detail"
keys Escape
wait_for "$(L "due for closing" "待销号")"
# Up from the first of them: the last overdue item; down again: the first.
for _ in $(sed 1d "$tmp/closing"); do keys k; done
screen_has "$(L "notice ended" "公示于")" "k up the list"
keys k
wait_quiet
screen | grep -q "$(L "The public notice ended" "公示已于")"
ok $((!$?)) "k from the first item due for closing: an overdue item, its ladder below"
keys j
screen_has "$(L "The public notice ended" "公示已于")" "j: the first item due for closing again"
keys Escape
quit

done_testing
