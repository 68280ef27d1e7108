#!/bin/sh
# The calendar: month grid (today marked, moves by day, week and month, t),
# the day's items and Enter on one, the week view, the agenda.  Run in
# C.UTF-8 and, by tests/tui/zh/, zh_CN.UTF-8 (months and weekdays in Chinese).
. "$(dirname "$0")/lib.sh"

# month Y M NAME: a month's title;  day DATE EN ZH: a day's heading.
month() { L "$3 $1" "$1年$2月"; }
day() { L "$1 $2" "$1 周$3"; }
TODAY=$(L today 今天)

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
esc=$(printf '\033')

# due_on DATE: the codes due that day (list's order).
due_on() {
	d list --format csv --due-after "$1" --due-before "$1" | sed 1d | cut -d, -f1 | sort
}

start 100 30
wait_for "$OFFLINE"
keys 2
screen_has "l.db · $(month 2026 6 June)" "2 opens the month: June 2026"
screen_is calendar-month-100x30 "the month at 100×30"
screen_has "$(day 2026-06-15 Mon 一) · $TODAY · $(L "0 due" "0 项到期")" "the cursor starts on today, named so"
screen_has "$(L " Mo      Tu      We      Th      Fr      Sa      Su" " 一      二      三      四      五      六      日")" "weeks start on Monday"
n_ongoing=$(d list --format csv | grep -c ',ongoing,')
screen_has "$(L "ongoing (长期坚持): $n_ongoing items" "长期坚持：$n_ongoing 项")" "the ongoing items are counted apart ($n_ongoing)"

keys Right
screen_has "$(day 2026-06-16 Tue 二) · $(L tomorrow 明天) · $(L "1 due" "1 项到期")" "Right: the next day"
wait_quiet # the day's line may be on the screen before the grid is redrawn
t capture-pane -p -e | sed -n 7p | grep -q "${esc}\\[[0-9;]*m15${esc}"
ok $? "today (15) keeps its own mark when the cursor leaves it"
keys Right
screen_has "$(day 2026-06-17 Wed 三) · $(L "4 due" "4 项到期")" "Right again: 4 due on the 17th"
due_on 2026-06-17 >"$tmp/due17"
wait_quiet
screen | sed -n '3,6p' | sed 's/.*[●▲○◆✓] \([A-Z0-9-]*\) .*/\1/' | sort >"$tmp/shown17"
is "$(cat "$tmp/shown17")" "$(cat "$tmp/due17")" "the day lists the items due that day"
keys Down
screen_has "$(day 2026-06-24 Wed 三)" "Down: a week later"
keys Left
screen_has "$(day 2026-06-23 Tue 二)" "Left: the day before"
keys Up
screen_has "$(day 2026-06-16 Tue 二)" "Up: a week earlier"
keys PageDown
screen_has "l.db · $(month 2026 7 July)" "PgDn: the next month"
screen_has "$(day 2026-07-16 Thu 四)" "PgDn keeps the day of the month"
keys PageUp PageUp
screen_has "l.db · $(month 2026 5 May)" "PgUp twice: May"
keys t
screen_has "$(day 2026-06-15 Mon 一) · $TODAY" "t: back to today"
screen_has "l.db · $(month 2026 6 June)" "t: back to June"

# Enter on a day with items, then on the first of them, opens it.
keys Right Right
wait_for "$(day 2026-06-17 Wed 三) · $(L "4 due" "4 项到期")"
wait_quiet
first=$(line 3 | sed 's/.*[●▲○◆✓] \([A-Z0-9-]*\) .*/\1/')
keys Enter Enter
screen_has "l.db · $first " "Enter, Enter opens the day's first item ($first)"
screen_has "$(L " Deadline          " " 整改时限          ")2026-06-17" "the item is due that day"
keys Escape
screen_has "l.db · $(month 2026 6 June)" "Esc returns to the month"

# Week.
keys t w
screen_has "l.db · $(L week 周) 2026-06-15 – 2026-06-21" "w: the week of today"
screen_is calendar-week-100x30 "the week at 100×30"
keys Right Right Right Right Right Right Right
screen_has "l.db · $(L week 周) 2026-06-22 – 2026-06-28" "seven days on: the next week"

# Agenda.
keys v
n_over=$(d list --format csv --overdue | sed 1d | wc -l)
screen_has "l.db · $(L "agenda: 14 days from 2026-06-15" "日程：共 14 天，自 2026-06-15 起")" "v: the agenda"
screen_has "$(L overdue 已逾期) · $n_over" "overdue items first ($n_over, as list --overdue)"
screen_is calendar-agenda-100x30 "the agenda at 100×30"
keys 1
screen_has "$(L "300 items" "共 300 项")" "1: back to the ledger"
quit

done_testing
