#!/bin/sh
# The overdue view: O from the ledger lists what `duban overdue` lists (at
# 120×40 and 80×24, Chinese titles cut by width), the ledger's filter
# applies, Enter opens the item, I issues the step due after showing the
# action's text and writes the letter; `duban show` then has the action.
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

done_testing
