#!/bin/sh
# The calendar, second pass (issue 16, point 12): the selected day keeps its
# light's symbol; at 50 columns a day's number and its count stay apart; the
# week view at 120 columns shows codes and whole titles; a day's "+N more"
# is reachable with j; ] and [ jump between the agenda's sections.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
# 24 more items due on Thursday 2026-06-18, so that the day has "+N more".
i=1
while [ "$i" -le 24 ]; do
	d add --code "TQ-$(printf %02d "$i")" --title "测试事项第${i}号" --county 东川县 --deadline 2026-06-18 >/dev/null
	i=$((i + 1))
done
n18=$(d list --format csv --due-after 2026-06-18 --due-before 2026-06-18 | sed 1d | wc -l | tr -d ' ')
last18=$(d list --format csv --sort light --due-after 2026-06-18 --due-before 2026-06-18 | sed -n '$p' | cut -d, -f1)
[ "$n18" -gt 24 ]
ok $? "$n18 items due on 2026-06-18 (the last in light order: $last18)"

# ---------------------------------------------------------------- month
start 100 30
wait_for "$OFFLINE"
keys 2
wait_for "$(L "June 2026" "2026年6月")"
keys Right Right
wait_for "$(L "4 due" "4 项到期")"
wait_quiet
# That week's counts: 16th ▲1, 17th ▲4 (the cursor's), 18th ▲28, 19th ▲3,
# 21st ▲2: five symbols on the line under the day numbers, the cursor's too.
n_marks=$(screen | sed -n '/ 15 .* 21/{n;p}' | grep -o "▲" | wc -l | tr -d ' ')
is "$n_marks" 5 "the selected day keeps its light's symbol"
quit

start 50 20
wait_for "$OFFLINE"
keys 2
wait_for "$(L "June 2026" "2026年6月")"
screen_is calendar2-month-50x20 "the month at 50 columns"
# Each count has its light's symbol before it: "17 ▲4", never "17   4".
screen | grep -qE "1[6-8] +[●▲○◆✓][0-9]"
ok $? "50 columns: a symbol keeps each count apart from the day number"
screen | grep -qE "[0-9] {1,3}[0-9]{1,2} {1,3}[0-9]" && fail "50 columns: numbers run together" ||
	pass "50 columns: no day number runs into a count"
quit

# ---------------------------------------------------------------- week
start 120 40
wait_for "$OFFLINE"
keys w
wait_for "$(L "week" "周")"
screen_is calendar2-week-120x40 "the week at 120×40"
screen_has "D1XX000221  东关街道前进村河道无证开采砂石" "120 columns: the code and a whole title"
# Thursday: j goes into the day's list, G to its last item, past "+N more".
keys Right Right Right
wait_for "2026-06-18"
screen_has "$(L "+9 more" "另有 9 项")" "the 18th shows +9 more"
keys j
keys G
screen_has "$last18" "j then G: the last of the $n18 items is reachable"
quit

# ---------------------------------------------------------------- agenda
start 100 30
wait_for "$OFFLINE"
keys v
wait_for "$(L "overdue · 17" "已逾期 · 17")"
keys ']'
wait_quiet
line 2 | grep -q "^2026-06-1[5-9] $(L "Tue" "周二")"
ok $? "]: from the overdue items to this week ($(line 2))"
keys ']'
wait_quiet
line 2 | grep -q "^2026-06-2[2-8] "
ok $? "] again: next week ($(line 2))"
keys ']'
wait_quiet
line 2 | grep -q "$(L "ongoing" "长期坚持")"
ok $? "] again: the ongoing items"
keys '[' '[' '['
wait_quiet
line 2 | grep -q "$(L "overdue" "已逾期")"
ok $? "[ three times: back to the overdue items"
keys '?'
screen_has "$(L "next section" "下一部分")" "help lists the section keys"
keys q
quit

done_testing
