#!/bin/sh
# One way of working in every view (issue 16): filter, search, sort and `:`
# from the calendar, dashboard and overdue view on the one shared filter;
# an action a view does not have is neither in its help nor in English; help
# groups its keys, says what each does in that view and scrolls with a
# "more" marker.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
n_red=$(d list --light red --format csv | sed 1d | wc -l | tr -d ' ')
n_od=$(d overdue --format csv | sed 1d | wc -l | tr -d ' ')
n_od_text=$(d overdue --search 采砂 --format csv | sed 1d | wc -l | tr -d ' ')
[ "$n_red" -gt 0 ] && [ "$n_od_text" -gt 0 ] && [ "$n_od_text" -lt "$n_od" ]
ok $? "fixture: $n_red red items; $n_od overdue, $n_od_text of them with 采砂"

# ---------------------------------------------------------------- 2: every view
start 80 24
wait_for "$OFFLINE"
keys 2
screen_has "$(L "June 2026" "2026年6月")" "2: the calendar"
# `:` in the calendar: a command line, not keys leaking into the view.
keys :
wait_for ":"
text "filter light=red"
keys Enter
screen_has "$(L "June 2026 · red" "· 红灯")" ":filter in the calendar applies the shared filter"
screen_is views-calendar-filter-80x24 "the calendar after :filter light=red (no letter leaked as a key)"
# The same filter is the ledger's.
keys 1
screen_has "$(L "$n_red items" "$n_red 项")" "the ledger shows the filter set in the calendar"
keys F
keys 2
screen_has "$(L "June 2026" "2026年6月")" "back in the calendar"
screen_lacks "$(L "· red" "· 红灯")" "F cleared the filter for the calendar too"
# An action the calendar has not: a message in the user's language.
keys a
screen_has "$(L "not in the calendar view: add a progress note" "“日历”视图中没有此操作：添加整改进展")" \
	"an action the calendar lacks says so, translated"
keys '?'
screen_has "$(L "Keys in the calendar view" "“日历”视图的按键")" "help of the calendar"
keys G
screen_lacks "$(L "add a progress note" "添加整改进展")" "its help does not list what the calendar cannot do"
keys q
# The overdue view: f, / and o.
keys O
screen_has "$(L "overdue: $n_od items" "逾期：$n_od 项")" "O: the overdue view"
keys f
screen_has "$(L "Filter by" "筛选依据")" "f opens the filter menu in the overdue view"
keys Escape
wait_gone "$(L "Filter by" "筛选依据")"
keys /
text 采砂
keys Enter
screen_has "$(L "overdue: $n_od_text items" "逾期：$n_od_text 项")" "/ narrows the overdue view to the text"
screen_has "“采砂”" "the header shows the search"
keys o
screen_has "$(L "Sort by" "排序依据")" "o opens the sort menu in the overdue view"
keys Escape
keys :
wait_for ":"
text "filter light=red"
keys Enter
screen_has "$(L "· red" "· 红灯")" ":filter in the overdue view"
keys Escape
screen_has "$(L "June 2026 · red" "· 红灯")" "and the calendar under it has the same filter"
quit

# ---------------------------------------------------------------- 5: help
start 80 24
wait_for "$OFFLINE"
keys '?'
screen_has "$(L "Keys in the ledger view" "“台账”视图的按键")" "? in the ledger"
screen_is views-help-ledger-80x24 "the ledger's help at 80×24: grouped, with a more marker"
screen_has "$(L "more below" "下面还有")" "a more marker says keys follow"
screen_lacks "$(L "next row / next week" "下一行 / 下一周")" "j says what it does in the ledger"
keys G
screen_has "$(L "sync with the server now" "立即与服务器同步")" "G scrolls to the last keys"
screen_has "C-l" "C-l is reachable"
screen_has "O " "O is reachable"
screen_lacks "$(L "more below" "下面还有")" "no more marker at the end"
keys q
keys 2
keys '?'
screen_has "$(L "next week (in a day's list: next row)" "下一周（在当天列表中：下一行）")" \
	"the calendar's j means next week"
keys q
quit

# ---------------------------------------------------------------- 9: menus, :
n_od_may=$(d list --overdue --due-before 2026-05-31 --format csv | sed 1d | wc -l | tr -d ' ')
start 80 24
wait_for "$OFFLINE"
keys f
screen_has "$(L "Filter by" "筛选依据")" "f: the filter menu"
screen_is views-filter-menu-80x24 "the filter menu offers every filter of duban list"
# A digit acts at once: 5 is Overdue, whose menu's 2 is "overdue only".
keys 5
screen_has "$(L "overdue only" "只看逾期")" "5 opens the overdue question at once"
keys 2
screen_has "$(L "│ overdue │" "│ 已逾期 │")" "2 sets it at once"
keys f 6
screen_has "$(L "Due on or before:" "整改时限不晚于：")" "6 asks the latest deadline"
text 2026-05-31
keys Enter
screen_has "$(L "$n_od_may items" "$n_od_may 项")" "overdue and due by 2026-05-31: as duban list counts"
screen_has "$(L "due by 2026-05-31" "2026-05-31")" "the header names the bound"
keys F
keys o
screen_has "$(L "Sort by" "排序依据")" "o: the sort menu"
screen_has "$(L "progress" "整改进度")" "it offers progress"
keys 5
screen_has "$(L "│ by county" "│ 按行政区域")" "5 sorts by county at once"
# `:` completes with Tab and recalls with Up.
keys :
wait_for ":"
text fil
keys Tab
text cou
keys Tab Tab
screen_has ":filter county=东川县" "Tab completes the command, the term and a county"
keys Enter
screen_has "│ 东川县 │" ":filter county=东川县 applied"
keys :
wait_for ":"
text "goto D2XX00009"
keys Tab
screen_has ":goto D2XX000091" "Tab completes a code"
keys C-u Up
screen_has ":filter county=东川县" "Up recalls the last command"
keys Escape
quit

# ---------------------------------------------------------------- 8: restart
# The ledger's red items in its order: the third is selected below.
third=$(d list --light red --sort light --format csv | sed -n 4p | cut -d, -f1)
KEEP="XDG_STATE_HOME=$tmp/keep"
start 80 24 "$KEEP"
wait_for "$OFFLINE"
keys :
wait_for ":"
text "filter light=red"
keys Enter
screen_has "$(L "$n_red items" "$n_red 项")" "a filter to keep"
keys j j
keys :
wait_for ":"
text "save 红灯"
keys Enter
screen_has "$(L "saved filter 红灯: light=red" "已保存筛选 红灯：light=red")" ":save names what it kept"
grep -qx "filter 红灯 light=red" "$tmp/cfg/duban/config"
ok $? "the config has the saved filter"
keys :
wait_for ":"
text "filter 红"
keys Enter
screen_has "$(L "no saved filter \"红\"; saved: 红灯" "没有名为“红”的已存筛选；已存：红灯")" \
	":filter with an unknown name lists the saved ones"
keys f
screen_has "$(L "saved: 红灯" "已保存的筛选：红灯")" "the filter menu lists it"
keys Escape
quit
start 80 24 "$KEEP"
screen_has "$(L "$n_red items" "$n_red 项")" "after a restart the filter is back"
keys Enter
screen_has "$third" "and the selected item: Enter opens $third"
keys Escape
keys 2 w
screen_has "$(L "week 2026-06-15" "周 2026-06-15")" "the week view"
quit
start 80 24 "$KEEP"
screen_has "$(L "week 2026-06-15 – 2026-06-21 · red" "· 红灯")" "after a restart the week view and the filter are back"
screen_is views-restored-week-80x24 "the restored week view"
quit
start 80 24 "$KEEP" -- --fresh
screen_has "$(L "300 items" "共 300 项")" "--fresh: the whole ledger"
screen_lacks "$(L "│ red" "│ 红灯")" "--fresh: no filter"
keys :
wait_for ":"
text "delete-filter 红灯"
keys Enter
screen_has "$(L "deleted filter 红灯" "已删除筛选 红灯")" ":delete-filter"
quit
grep -q "红灯" "$tmp/cfg/duban/config"
[ $? -ne 0 ]
ok $? "the config no longer has it"

done_testing
