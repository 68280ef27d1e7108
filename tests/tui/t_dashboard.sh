#!/bin/sh
# The dashboard at 120×40 and 80×24; its figures agree with `duban list`;
# w writes the bulletin of the current filter, the same file `duban report`
# writes.  Run in C.UTF-8 and, by tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

DASHBOARD=$(L "l.db · dashboard" "l.db · 总览")
# items N: the count of items as the title and summary line say it.
items() { L "$1 items" "共 $1 项"; }

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"

# count ARGS: how many items `list ARGS` gives.
count() {
	d list --format csv "$@" | sed 1d | wc -l | tr -d ' '
}
# figure LABEL: the number after LABEL at the start of a dashboard line.
figure() {
	sed -n "s/^ $1  *\\([0-9][0-9]*\\) .*/\\1/p" "$tmp/dash" | head -n 1
}

start 120 40
wait_for "$OFFLINE"
keys 3
screen_has "$DASHBOARD" "3 opens the dashboard"
total=$(count)
screen_has " $(items "$total") · " "the total is list's ($total)"
screen_is dashboard-120x40 "the dashboard at 120×40"
screen >"$tmp/dash"

for s in "$(L "not started" 尚未启动):not_started" "$(L "in progress" 整改中):in_progress" \
	"$(L "close-out requested" 申请销号):requested" "$(L verified 已验收):verified" \
	"$(L publicized 公示中):publicized" "$(L closed 已销号):closed"; do
	label=${s%%:*}
	id=${s#*:}
	is "$(figure "$label")" "$(count --status "$id")" "status $label: as list --status $id"
done
for s in "● $(L red 红灯):red" "▲ $(L yellow 黄灯):yellow" "○ $(L green 绿灯):green" \
	"◆ $(L ongoing 长期坚持):blue" "✓ $(L closed 已销号):grey"; do
	label=${s%%:*}
	id=${s#*:}
	is "$(figure "$label")" "$(count --light "$id")" "light $label: as list --light $id"
done
done_n=$(($(count --status verified,publicized,closed)))
grep -q " $(items "$total") · $(L "$done_n done (" "完成 $done_n 项（")" "$tmp/dash"
ok $? "done = verified + publicized + closed ($done_n)"
for c in 东川县 临江市 北岭县 南河县 城关区 西山县 高新区; do
	n=$(sed -n "s/.*  $c \\([0-9][0-9]*\\) █.*/\\1/p" "$tmp/dash")
	is "$n" "$(count --county "$c")" "county $c: as list --county"
done
# The ranking's first row: items, done and the rate of the best county.
best=$(sed -n 's/.*   1 \([^ ]*\)  .*/\1/p' "$tmp/dash")
b_items=$(count --county "$best")
b_done=$(count --county "$best" --status verified,publicized,closed)
sed -n "s/.*   1 $best  *\\([0-9]*\\)  *\\([0-9]*\\) .*/\\1 \\2/p" "$tmp/dash" >"$tmp/rank1"
is "$(cat "$tmp/rank1")" "$b_items $b_done" "the ranking's first county ($best): items and done as list"
n14=$(count --due-after 2026-06-15 --due-before 2026-06-28)
n17=$(count --due-after 2026-06-17 --due-before 2026-06-17)
grep -q "^ $(L "$n14 due; most on 2026-06-17: $n17" "共 $n14 项到期；最多的一天是 2026-06-17：$n17 项")" "$tmp/dash"
ok $? "the next 14 days: $n14 due, most on the 17th"
keys 1
screen_has "$(items 300)" "1: back to the ledger"
quit

start 80 24
wait_for "$OFFLINE"
keys 3
screen_has "$DASHBOARD" "80×24: the dashboard"
screen_is dashboard-80x24 "the dashboard at 80×24 (one column)"
keys PageDown
screen_has "$(L "Completion by county" "各县（市、区）完成情况")" "PgDn scrolls to the county figures"
screen_is dashboard-80x24-page2 "the second page at 80×24"
keys g
screen_has " $(items "$total") · " "g: back to the top"
quit

# wait_file FILE: until FILE exists (at most ~5 s).
wait_file() {
	n=100
	while [ "$n" -gt 0 ] && [ ! -s "$1" ]; do
		sleep 0.05
		n=$((n - 1))
	done
	[ -s "$1" ]
}

# A filter applies to the dashboard too.
start 120 40
wait_for "$OFFLINE"
keys :
text "filter county=东川县"
keys Enter
wait_for "│ 东川县"
keys 3
wait_for "$DASHBOARD"
screen_has " $(items "$(count --county 东川县)") · " "the dashboard counts the filtered items"
# ... and to the bulletin it writes: w, Enter (this month), Enter (the name).
keys w
wait_for "2026-06-01 – 2026-06-15"
keys Enter
wait_for "通报-东川县-2026-06.html"
keys Enter
wait_file "$tmp/通报-东川县-2026-06.html"
ok $? "w writes the county's bulletin, named for it"
d report --county 东川县 --format html >"$tmp/cli-dc.html"
cmp -s "$tmp/cli-dc.html" "$tmp/通报-东川县-2026-06.html"
ok $? "the same page as duban report --county 东川县"
grep -q "　范围：东川县</p>" "$tmp/通报-东川县-2026-06.html"
ok $? "its scope line names the county"
quit

# ---------------------------------------------------------------- bulletin
start 100 30
wait_for "$OFFLINE"
keys 3
# The figures, not the total: the ledger's title shows the total too, and
# under load w could come while the dashboard still says "computing…".
wait_for " $(items "$total") · $(L "$done_n done (" "完成 $done_n 项（")"
keys w
wait_for "2026-06-01 – 2026-06-15"
screen_is dashboard-bulletin-period-100x30 "w asks the period: week, month (selected), quarter, with their days"
keys Enter
wait_for "通报-2026-06.html"
screen_is dashboard-bulletin-file-100x30 "then the file, named for the month, in the current directory"
keys Enter
wait_file "$tmp/通报-2026-06.html"
ok $? "Enter writes it"
screen_is dashboard-bulletin-wrote-100x30 "the status line says it wrote the file"
d report --format html >"$tmp/cli.html"
cmp -s "$tmp/cli.html" "$tmp/通报-2026-06.html"
ok $? "the file is duban report --format html, byte for byte"

# The week, as Markdown: the format follows the name typed.
keys w
wait_for "2026-06-01 – 2026-06-15"
keys 1
wait_for "通报-2026-W25.html"
ok $? "1 picks the week, named for its ISO week"
keys C-u
text "周报.md"
keys Enter
wait_file "$tmp/周报.md"
ok $? "a name typed instead"
d report --period week --format md >"$tmp/cli.md"
cmp -s "$tmp/cli.md" "$tmp/周报.md"
ok $? "Markdown, as duban report --period week --format md"

# The file exists: asked first; n keeps it, y replaces it.
printf 'old\n' >"$tmp/周报.md"
keys w
wait_for "2026-06-01 – 2026-06-15"
keys 1
wait_for "通报-2026-W25.html"
keys C-u
text "周报.md"
keys Enter
wait_for "周报.md"
screen_is dashboard-bulletin-exists-100x30 "an existing file: asked before it is replaced"
keys n
wait_quiet
is "$(cat "$tmp/周报.md")" "old" "n keeps it"
keys w
wait_for "2026-06-01 – 2026-06-15"
keys 1
wait_for "通报-2026-W25.html"
keys C-u
text "周报.md"
keys Enter
wait_for "周报.md"
keys y
n=100
while [ "$n" -gt 0 ] && ! cmp -s "$tmp/cli.md" "$tmp/周报.md"; do
	sleep 0.05
	n=$((n - 1))
done
cmp -s "$tmp/cli.md" "$tmp/周报.md"
ok $? "y replaces it"

# A file that cannot be written: the error and what to do, nothing left.
keys w
wait_for "2026-06-01 – 2026-06-15"
keys Enter
wait_for "通报-2026-06.html"
keys C-u
text "no/such/dir/b.html"
keys Enter
wait_quiet
screen_is dashboard-bulletin-error-100x30 "an error says why and which key tries again"
[ ! -e "$tmp/no" ]
ok $? "nothing written"

# Esc in the menu or the prompt writes nothing.
keys w
wait_for "2026-06-01 – 2026-06-15"
keys Escape
wait_gone "2026-06-01 – 2026-06-15"
keys w
wait_for "2026-06-01 – 2026-06-15"
keys 3
wait_for "通报-2026-Q2.html"
keys Escape
wait_gone "通报-2026-Q2.html"
[ ! -e "$tmp/通报-2026-Q2.html" ]
ok $? "Esc writes nothing"

# The key is in the dashboard's help, first among its own keys.
keys ?
wait_for "<Esc>"
screen_is dashboard-help-100x30 "help lists w first, the dashboard's own key"
keys Escape
wait_for " $total "
quit

done_testing
