#!/bin/sh
# The feedback clock and repeats in the ledger view (issue 15): the Feedback
# and Repeats columns appear once a row needs them and there is room (here
# 170 columns beside the detail pane; narrower they give way first), an overdue
# feedback with the red light's symbol; the detail pane gives the due date,
# the repeats and the links; `:filter feedback-overdue` keeps the late complaints.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/c.csv" <<'CSV'
受理编号,问题名称,类型,行政区域,督察轮次,交办日期,整改状态,整改时限
FA1,夜间施工噪声扰民,信访件,东川县,第二轮中央督察,2026-06-01,整改中,2026-08-31
FA2,河道倾倒建筑垃圾,信访件,东川县,省级督察,2026-06-12,整改中,2026-08-31
FA3,噪声扰民再次被举报,信访件,东川县,第二轮中央督察,,整改中,2026-09-30
PB1,工业园区污水管网,反馈问题,东川县,第二轮中央督察,,整改中,2026-07-31
CSV
d import "$tmp/c.csv" >/dev/null 2>&1
ok $? "four items imported"
d link FA3 FA1 --repeat --why 同一工地 >/dev/null 2>&1
ok $? "FA3 marked a repeat of FA1"

start 170 30
wait_for FA1
screen_has "$(L "Feedback" "反馈")" "the Feedback column shows"
screen_has "●06-11" "FA1's feedback (06-01 + 10) is overdue: ● before the due date"
screen_has " 06-19" "FA2's (06-12 + 7) is not yet"
screen_has "×1" "FA1 is repeated once"
keys :
text "goto FA1"
keys Enter
screen_has "$(L "Feedback due" "反馈期限")" "the detail pane gives the feedback due date"
screen_has "$(L "repeated by FA3" "被重复举报 FA3")" "and the repeat"
keys :
text "filter feedback-overdue"
keys Enter
screen_has "$(L "1 item" "1 项")" "feedback-overdue keeps one item"
screen_lacks FA2 "FA2 is not late"
keys q
done_testing
