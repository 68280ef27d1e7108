#!/bin/sh
# The calendar: month grid (today marked, moves by day, week and month, t),
# the day's items and Enter on one, the week view, the agenda, Chinese
# weekday labels.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
esc=$(printf '\033')

# due_on DATE: the codes due that day (list's order).
due_on() {
	d list --format csv --due-after "$1" --due-before "$1" | sed 1d | cut -d, -f1 | sort
}

start 100 30
wait_for offline
keys 2
screen_has "l.db · June 2026" "2 opens the month: June 2026"
screen_is calendar-month-100x30 "the month at 100×30"
screen_has "2026-06-15 Mon · today · 0 due" "the cursor starts on today, named so"
screen_has " Mo      Tu      We      Th      Fr      Sa      Su" "weeks start on Monday"
n_ongoing=$(d list --format csv | grep -c ',ongoing,')
screen_has "ongoing (长期坚持): $n_ongoing items" "the ongoing items are counted apart ($n_ongoing)"

keys Right
screen_has "2026-06-16 Tue · tomorrow · 1 due" "Right: the next day"
t capture-pane -p -e | sed -n 7p | grep -q "${esc}\\[[0-9;]*m15${esc}"
ok $? "today (15) keeps its own mark when the cursor leaves it"
keys Right
screen_has "2026-06-17 Wed · 4 due" "Right again: 4 due on the 17th"
due_on 2026-06-17 >"$tmp/due17"
screen | sed -n '3,6p' | sed 's/.*[●▲○◆✓] \([A-Z0-9-]*\) .*/\1/' | sort >"$tmp/shown17"
is "$(cat "$tmp/shown17")" "$(cat "$tmp/due17")" "the day lists the items due that day"
keys Down
screen_has "2026-06-24 Wed" "Down: a week later"
keys Left
screen_has "2026-06-23 Tue" "Left: the day before"
keys Up
screen_has "2026-06-16 Tue" "Up: a week earlier"
keys PageDown
screen_has "l.db · July 2026" "PgDn: the next month"
screen_has "2026-07-16 Thu" "PgDn keeps the day of the month"
keys PageUp PageUp
screen_has "l.db · May 2026" "PgUp twice: May"
keys t
screen_has "2026-06-15 Mon · today" "t: back to today"
screen_has "l.db · June 2026" "t: back to June"

# Enter on a day with items, then on the first of them, opens it.
keys Right Right
wait_for "2026-06-17 Wed · 4 due"
first=$(line 3 | sed 's/.*[●▲○◆✓] \([A-Z0-9-]*\) .*/\1/')
keys Enter Enter
screen_has "l.db · $first " "Enter, Enter opens the day's first item ($first)"
screen_has " Deadline          2026-06-17" "the item is due that day"
keys Escape
screen_has "l.db · June 2026" "Esc returns to the month"

# Week.
keys t w
screen_has "l.db · week 2026-06-15 – 2026-06-21" "w: the week of today"
screen_is calendar-week-100x30 "the week at 100×30"
keys Right Right Right Right Right Right Right
screen_has "l.db · week 2026-06-22 – 2026-06-28" "seven days on: the next week"

# Agenda.
keys v
n_over=$(d list --format csv --overdue | sed 1d | wc -l)
screen_has "l.db · agenda: 14 days from 2026-06-15" "v: the agenda"
screen_has "overdue · $n_over" "overdue items first ($n_over, as list --overdue)"
screen_is calendar-agenda-100x30 "the agenda at 100×30"
keys 1
screen_has "300 items" "1: back to the ledger"
quit

# Chinese weekday labels.
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
	start 100 30 LC_ALL=zh_CN.UTF-8
	wait_for offline
	keys 2
	screen_has "l.db · 2026年6月" "zh_CN: the month is named in Chinese"
	screen_has " 一      二      三      四      五      六      日" "zh_CN: weekday labels 一 … 日"
	screen_has "2026-06-15 周一" "zh_CN: the day heading names 周一"
	keys w
	screen_has "一 15" "zh_CN: the week view labels its days"
	quit "zh_CN: q quits cleanly"
else
	for c in "month named in Chinese" "weekday labels" "day heading" "week view labels" "quits"; do
		skip "zh_CN: $c (no zh_CN.UTF-8 locale)"
	done
fi

done_testing
