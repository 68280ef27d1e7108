#!/bin/sh
# Smaller things (issue 16, point 14): wrapped Chinese in a form never starts
# a row with closing punctuation (避头尾); the focused pane is marked; a
# search says "match N of M" and highlights the match; a placeholder starts
# where typed text does; history lines share one format with date and time;
# at 50 columns the form's keys line keeps Esc.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
first=$(d list --format csv --sort light --limit 1 | sed 1d | cut -d, -f1)
d note "$first" "复查：渗漏点已封堵" >/dev/null
n_match=$(d list --search 河道 --format csv | sed 1d | wc -l | tr -d ' ')

# ---------------------------------------------------------------- 避头尾
start 80 24
wait_for "$OFFLINE"
keys a
wait_for "$(L "Progress note" "整改进展")"
# Commas after runs of growing length: some fall at a row's end.
text "甲，甲乙，甲乙丙，甲乙丙丁，甲乙丙丁戊，甲乙丙丁戊己，甲乙丙丁戊己庚，甲乙丙丁戊己庚辛，甲乙丙丁戊己庚辛壬。甲乙丙丁戊己庚辛壬癸；完。"
wait_quiet
screen >"$tmp/form"
if grep -qE '│ +[，。；：）」]|\* [，。；：）」]' "$tmp/form"; then
	fail "no row of the wrapped text starts with ，。；：）」"
	sed 's/^/#   /' "$tmp/form"
else
	pass "no row of the wrapped text starts with ，。；：）」"
fi
grep -c "甲" "$tmp/form" | grep -qv '^[01]$'
ok $? "… the text did wrap"
keys Escape
wait_for "(y/N)"
keys y
wait_gone "(y/N)"

# ---------------------------------------------------------------- placeholder
keys A
wait_for "$(L "Supervision action" "督办")"
date_col=$(screen | grep -n "2026-06-15" | head -1 | cut -d: -f2- | awk '{ print index($0, "2026-06-15") }')
hint_col=$(screen | grep "YYYY-MM-DD" | head -1 | awk '{ print index($0, "YYYY") }')
is "$hint_col" "$date_col" "the placeholder starts where the typed date does"
keys Escape
wait_gone "YYYY-MM-DD"
quit

# ---------------------------------------------------------------- focus, search, history
start 120 40
wait_for "$OFFLINE"
screen_lacks "┃" "the table has the focus: no heavy border"
keys Tab
screen_has "┃" "Tab: the detail pane has the focus, with a heavy border"
keys G
screen_has "$(L "History" "历史记录")" "G: the history"
wait_quiet
screen | sed '$d' | sed -n '/'"$(L History 历史记录)"'/,$p' | sed 's/.*[│┃]//; s/^ //' | sed 1d | grep -v '^  ' | grep -v '^$' |
	grep -vx "$(L Records 办理记录)" >"$tmp/hist"
bad=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [^ ]' "$tmp/hist")
is "$bad" 0 "every history line starts YYYY-MM-DD HH:MM, then the author ($(wc -l <"$tmp/hist" | tr -d ' ') lines)"
grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [^ ]' "$tmp/hist" | sed 's/^/#   /'
screen_has "08:00 tester@local: 复查" "… the note with its time and author"
keys Tab
wait_gone "┃"
keys /
text "河道"
keys Enter
screen_has "$(L "match 1 of $n_match" "第 1 处，共 $n_match 处")" "the search says which match of how many"
t capture-pane -p -e | grep -q "$(printf '\033')\[[0-9;]*m河道"
ok $? "… and highlights the match"
keys n
screen_has "$(L "match 2 of $n_match" "第 2 处，共 $n_match 处")" "n: the next match"
quit

# ---------------------------------------------------------------- 50 columns
start 50 20
wait_for "$OFFLINE"
keys a
wait_for "$(L "Progress note" "整改进展")"
screen_has "$(L "Esc cancel" "Esc 取消")" "50 columns: the form's keys keep Esc"
screen_has "$(L "C-s save" "C-s 保存")" "… and C-s"
keys Escape
quit

done_testing
