#!/bin/sh
# The dashboard at 120×40 and 80×24; its figures agree with `duban list`.
. "$(dirname "$0")/lib.sh"

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
wait_for offline
keys 3
screen_has "l.db · dashboard" "3 opens the dashboard"
total=$(count)
screen_has " $total items · " "the total is list's ($total)"
screen_is dashboard-120x40 "the dashboard at 120×40"
screen >"$tmp/dash"

for s in "not started:not_started" "in progress:in_progress" "close-out requested:requested" \
	"verified:verified" "publicized:publicized" "closed:closed"; do
	label=${s%%:*}
	id=${s#*:}
	is "$(figure "$label")" "$(count --status "$id")" "status $label: as list --status $id"
done
for s in "● red:red" "▲ yellow:yellow" "○ green:green" "◆ ongoing:blue" "✓ closed:grey"; do
	label=${s%%:*}
	id=${s#*:}
	is "$(figure "$label")" "$(count --light "$id")" "light $label: as list --light $id"
done
done_n=$(($(count --status verified,publicized,closed)))
grep -q " $total items · $done_n done (" "$tmp/dash"
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
grep -q "^ $n14 due; most on 2026-06-17: $(count --due-after 2026-06-17 --due-before 2026-06-17)" "$tmp/dash"
ok $? "the next 14 days: $n14 due, most on the 17th"
keys 1
screen_has "300 items" "1: back to the ledger"
quit

start 80 24
wait_for offline
keys 3
screen_has "l.db · dashboard" "80×24: the dashboard"
screen_is dashboard-80x24 "the dashboard at 80×24 (one column)"
keys PageDown
screen_has "Completion by county" "PgDn scrolls to the county figures"
screen_is dashboard-80x24-page2 "the second page at 80×24"
keys g
screen_has " $total items · " "g: back to the top"
quit

# A filter applies to the dashboard too.
start 120 40
wait_for offline
keys :
text "filter county=东川县"
keys Enter
wait_for "│ 东川县"
keys 3
screen_has " $(count --county 东川县) items · " "the dashboard counts the filtered items"
quit

done_testing
