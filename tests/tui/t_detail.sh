#!/bin/sh
# The full-screen detail (issue 16 point 3): Enter opens the item at any
# width (the ledger's pane is a preview), with a section bar; 1-4, ] and [
# jump between the sections; Esc returns to the list on the same row; the
# fields in two columns at 120 columns; an inspection saved from the detail
# is shown (scrolled to, highlighted), not the top, and so is a note in the
# ledger's pane; ? lists the keys.  Run
# in C.UTF-8 and, by tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

BAR="$(L "1 Fields   2 History   3 Records   4 Attachments" "1 基本信息   2 历史记录   3 办理记录   4 附件")"
HISTORY=$(L History 历史记录)
RECORDS=$(L Records 办理记录)
KIND=$(L Kind 类型)
code_label=$(L Code 受理编号)

demo_ledger "$DB" 300
d list --format csv --sort light | sed 1d | cut -d, -f1 >"$tmp/order"
nth() { sed -n "${1}p" "$tmp/order"; }
# pane_code: the code in the ledger's preview pane (the selected row).
pane_code() { screen | sed -n "s/.*│ $code_label  *\\([^ ]*\\).*/\\1/p" | head -n 1; }
# body_line N: line N of the detail below the header and the section bar.
body_line() { line $(($1 + 2)) | sed 's/^ *//'; }

# ---------------------------------------------------------------- 120×40
start 120 40
wait_for "$OFFLINE"
keys j j j j
wait_for "$(nth 5)"
until_code() {
	n=100
	while [ "$n" -gt 0 ] && [ "$(pane_code)" != "$1" ]; do
		sleep 0.05
		n=$((n - 1))
	done
	wait_quiet
}
until_code "$(nth 5)"
is "$(pane_code)" "$(nth 5)" "the fifth row is selected, its preview beside"
keys Enter
screen_has "$BAR" "120×40: Enter opens the item full-screen, with the section bar"
screen_has " · $(nth 5) " "the header names the item"
screen_is detail-120x40 "the detail at 120×40: the fields in two columns"
# The columns split at half the lines, a field never cut: in English the
# longer values wrap onto more lines (and a complaint's transfer and feedback
# dates stand in the right column), so there Handling stays on the left.
line 3 | grep -q "^ $KIND  .* $(L Accountability 处理和整改情况)  "
ok $? "two columns: Kind on the left, a later field on the right of the first line"
keys 3
wait_for "$RECORDS"
wait_quiet
is "$(body_line 1)" "$RECORDS" "3 jumps to the records: their heading on the first line"
keys 2
wait_quiet
is "$(body_line 1)" "$HISTORY" "2 jumps to the history"
keys 1
wait_quiet
is "$(body_line 1 | awk '{ print $1 }')" "$KIND" "1 jumps back to the fields"
keys ']'
wait_quiet
is "$(body_line 1)" "$HISTORY" "] goes to the next section"
keys ']'
wait_quiet
is "$(body_line 1)" "$RECORDS" "] again: the records"
keys '['
wait_quiet
is "$(body_line 1)" "$HISTORY" "[ goes back a section"
keys 4
screen_has "$(L "this item has no such section" "该事项没有这一部分")" "4 on an item without attachments says so"
keys Escape
wait_gone "$BAR"
until_code "$(nth 5)"
is "$(pane_code)" "$(nth 5)" "Esc returns to the ledger with the same row selected"
screen | sed -n '3,39p' | grep -n "" | grep "$(nth 5) " | cut -d: -f1 >"$tmp/rowat"
is "$(cat "$tmp/rowat")" 5 "… on the same line of the table"

# Help in the detail lists its keys.
keys Enter
wait_for "$BAR"
keys '?'
screen_has "$(L "Keys in the item detail view" "“事项详情”视图的按键")" "? in the detail: its help"
screen_has "$(L "1, 2, 3, 4       jump to a section" "1, 2, 3, 4       跳到某一部分")" "the help lists the section keys"
screen_has "$(L "<Tab>, ]         next section" "<Tab>, ]         下一部分")" "… and Tab and ]"
keys G
screen_has "$(L "q                close the item" "q                关闭该事项")" "… and that q closes the item here"
keys Escape
wait_for "$BAR"

# An inspection from the detail: the new record is shown, highlighted.
keys i
wait_for "$(L "Inspection: $(nth 5)" "现场核查：$(nth 5)")"
keys Tab Tab
text "王强"
keys Tab Tab
text "复查噪声达标细节核验"
keys Tab Right
keys C-s
wait_gone "$(L "Inspection: $(nth 5)" "现场核查：$(nth 5)")"
screen_has "$(L "findings: 复查噪声达标细节核验" "核查情况：复查噪声达标细节核验")" "after saving an inspection the new record is on the screen"
wait_quiet
is "$(body_line 1)" "$RECORDS" "… under the records' heading, not the top of the item"
body_line 2 | grep -q "复查噪声达标细节核验"
ok $? "… as the first record"
# The highlight is the cursor's colour (the theme's cursor: black on cyan).
t capture-pane -p -e | grep "复查噪声达标细节核验" | grep -q "$(printf '\033')\[46m"
ok $? "… highlighted"
keys Escape
wait_gone "$BAR"
quit
d show "$(nth 5)" | grep -q "复查噪声达标细节核验"
ok $? "duban show has the inspection"

# ---------------------------------------------------------------- 80×24
start 80 24
wait_for "$OFFLINE"
keys j j
wait_for "$(nth 3)"
wait_quiet
keys Enter
screen_has "$BAR" "80×24: Enter opens the item with the section bar"
screen_has " · $(nth 3) " "the header names the third item"
screen_is detail-80x24 "the detail at 80×24: one column"
keys 2
wait_quiet
is "$(body_line 1)" "$HISTORY" "80×24: 2 jumps to the history"
keys Tab
wait_quiet
is "$(body_line 1)" "$RECORDS" "Tab: the next section"
keys q
wait_gone "$BAR"
screen | sed -n '3,22p' | grep -n "" | grep "$(nth 3) " | cut -d: -f1 >"$tmp/rowat"
is "$(cat "$tmp/rowat")" 3 "q returns to the ledger on the third row"
quit

# ---------------------------------------------------------------- the pane
# A note saved from the ledger: the preview pane shows it, highlighted,
# not the top of the item.
start 120 40
wait_for "$OFFLINE"
keys a
wait_for "$(L "Progress note: $(nth 1)" "整改进展：$(nth 1)")"
text "复查合格"
keys C-s
wait_gone "$(L "Progress note:" "整改进展：")"
screen_has "tester@local: 复查合格" "a note saved from the ledger: the pane scrolls to it"
wait_quiet
t capture-pane -p -e | grep "复查合格" | grep -q "$(printf '\033')\[46m"
ok $? "… highlighted"
quit

done_testing
