#!/bin/sh
# Columns that matter stay (issue 16, point 11): beside the detail pane at
# 120×40 the ledger keeps code, light, title, county and due (statuses
# abbreviated, all alike); at 50 columns code, title, county and due; the
# overdue view keeps the steps taken (in short) at 80×24; the agenda at 50
# columns keeps the due or status of each line.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"

start 120 40
wait_for "$OFFLINE"
line 2 | grep -q "$(L "Code       Title.* County Due  .*Status" "受理编号   问题名称.* 行政区域 到期 .*整改状态")"
ok $? "120×40: code, title, county, due and status in that order"
screen_has "$(L "高新区 overdue 159 days in prog." "高新区   逾期 159 天 整改中")" "… the county and due of the first row, its status short"
if c_only "the Chinese statuses are short already"; then
	screen_lacks "in progress " "… every status short alike"
fi
quit

start 50 20
wait_for "$OFFLINE"
screen_is columns-ledger-50x20 "50×20: code, title, county, due"
line 3 | grep -q "高新区 *$(L "159d late" "逾期 159 天")"
ok $? "50×20: the first row's county and due"
keys v
wait_for "$(L "agenda" "日程")"
screen_is columns-agenda-50x20 "the agenda at 50 columns keeps each line's due or status"
screen_has "$(L "159d late" "逾期159天")" "… the first overdue item's days, short"
quit

start 80 24
wait_for "$OFFLINE"
keys O
wait_for "$(L "overdue: " "逾期：")"
line 2 | grep -q "$(L "County Days Taken" "行政区域 天数 已发出")"
ok $? "the overdue view at 80×24 keeps county, days and the steps taken"
screen_has "$(L "circular +2" "通报 +2")" "… the steps taken in short: the last, and how many before"
keys Escape
quit

done_testing
