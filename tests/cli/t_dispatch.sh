#!/bin/sh
# duban dispatch (调度 rounds): open (office only, a due date, the list
# filters, default every item not closed, a name used once), list, show
# (members with their latest submission, marks for missing and late),
# submit (progress and a note in one go, an attachment, refused outside the
# round, after the close, for a viewer, with bad values), status per county
# and lead unit in every format (the workbook read back), close (office
# only, once); the ops queued for the server; show CODE lists the
# item's rounds (text and JSON).
. "$(dirname "$0")/lib.sh"

make_ledger || exit 1
cat >"$tmp/closed.csv" <<'CSV'
编号,问题名称,县（市、区）,牵头单位,整改状态
FK-900,早已销号的问题,城关区,城关区人民政府,已销号
CSV
d import "$tmp/closed.csv" >/dev/null
ok $? "a closed item imported"

# ---------------------------------------------------------------- open
run d dispatch open 2026-06
exit_is 2 "open without --due is a usage error"
like "$err" "needs --due DATE" "... that says so"
run d dispatch open 2026-06 --due 2026-13-01
exit_is 2 "open with a bad date is a usage error"
like "$err" "invalid date '2026-13-01'" "... that names the date"
run env DUBAN_ROLE=inspector "$DUBAN" --db "$DB" dispatch open 2026-06 --due 2026-06-20
exit_is 4 "an inspector may not open a round"
like "$err" "only the office may open or close a dispatch round" "... and is told so"
run d dispatch open 2026-06 --due 2026-06-20 --title 六月调度
exit_is 0 "the office opens 2026-06"
is "$out" "opened dispatch round 2026-06: 5 items, due 2026-06-20" "... over the five items not closed"
run d dispatch open 2026-06 --due 2026-06-30
exit_is 4 "a second round of the same name is refused"
like "$err" "a dispatch round named '2026-06' exists already" "... and says why"
run d dispatch open 城关 --due 2026-06-18 --county 城关区 --status '!closed'
exit_is 0 "a round over the filters of list"
like "$out" "2 items" "... holds the two open items of 城关区"
run d dispatch open 空 --due 2026-06-18 --county 无此县
exit_is 4 "a round over nothing is refused"
like "$err" "nothing to open" "... and says so"
run d dispatch open x --due 2026-06-18 --status bogus
exit_is 4 "a bad filter value is refused like list's"

# ---------------------------------------------------------------- list
run d dispatch list
exit_is 0 "list"
is "$(printf '%s\n' "$out" | tr -s ' ')" "Round Title Due Opened Items Reported State
城关 2026-06-18 2026-06-15 2 0 open 
2026-06 六月调度 2026-06-20 2026-06-15 5 0 open " "list: both rounds, the latest first"
run d dispatch list --county 城关区
exit_is 2 "list takes no filters"

# ---------------------------------------------------------------- submit
run d dispatch submit 2026-06 FK-001 --progress 50 --text 已完成油烟净化器安装
exit_is 0 "FK-001 submitted"
is "$out" "submitted FK-001 for dispatch round 2026-06: 50%" "... and said so"
is "$(d show FK-001 --format json | jq -r .item.progress)" 50 "the submission set FK-001's progress"
like "$(d show FK-001)" "Dispatch 2026-06 (50%): 已完成油烟净化器安装" "... and added a note"
printf 'photo' >"$tmp/现场照片.jpg"
run d dispatch submit 2026-06 FK-003 --progress 100 --text 排污口已封堵 --attach "$tmp/现场照片.jpg"
exit_is 0 "FK-003 submitted with an attachment"
is "$(sqlite3 "$DB" "SELECT a.name FROM dispatch d JOIN attachment a ON a.id = d.attachment_id WHERE d.kind = 'report'")" \
	现场照片.jpg "the submission names the attachment of the item"
run d dispatch submit 2026-06 FK-004 --progress 101 --text x
exit_is 2 "a progress above 100 is a usage error"
run d dispatch submit 2026-06 FK-004 --progress 10
exit_is 2 "a submission without --text is a usage error"
run d dispatch submit 2026-06 FK-900 --progress 10 --text x
exit_is 4 "an item not in the round is refused"
like "$err" "FK-900 is not in the dispatch round '2026-06'" "... and says so"
run d dispatch submit 2026-07 FK-001 --progress 10 --text x
exit_is 3 "an unknown round is not found"
run d dispatch submit 2026-06 NOPE --progress 10 --text x
exit_is 3 "an unknown item is not found"
run d dispatch submit 2026-06 FK-004 --progress 10 --text x --attach "$tmp/nothing.jpg"
exit_is 5 "a missing attachment file fails"
run env DUBAN_ROLE=viewer "$DUBAN" --db "$DB" dispatch submit 2026-06 FK-004 --progress 10 --text x
exit_is 4 "a viewer may not submit"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" dispatch submit 2026-06 FK-002 --progress 20 --text 正在拆除砖窑
exit_is 0 "FK-002 submitted after the due date"
run d dispatch submit 2026-06 FK-001 --progress 70 --text 油烟在线监测已联网
exit_is 0 "FK-001 submitted a second time"
is "$(sqlite3 "$DB" "SELECT count(*) FROM dispatch WHERE kind = 'report'")" 4 "four submissions kept (append-only)"

# ---------------------------------------------------------------- show
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" dispatch show 2026-06
exit_is 0 "show"
is "$out" "Round: 2026-06  六月调度
Due: 2026-06-20
Opened: 2026-06-15 tester@local
Reported: 3 of 5

  FK-001  城关区  on time  2026-06-15 70%  tester@local: 油烟在线监测已联网
+ FK-002  北岭县  late  2026-06-25 20%  tester@local: 正在拆除砖窑
  FK-003  临江市  on time  2026-06-15 100%  tester@local: 排污口已封堵
! FK-004  城关区  missing
! XF-001  东川县  missing

! missing after the due date   + submitted late" "show: the latest submission per member, missing and late marked"
run d dispatch show 城关
like "$out" "Scope: --county 城关区 --status !closed" "show: the filters the round was opened with"
run d dispatch show 2026-07
exit_is 3 "show of an unknown round: not found"

# ---------------------------------------------------------------- status
run d dispatch status 2026-06 --format csv
exit_is 0 "status --format csv"
is "$(printf '%s\n' "$out" | tr -d '\r')" "group,in_scope,on_time,late,missing,reported_pct,mean_progress,min_progress,max_progress,done
东川县,1,0,0,1,0.0,,,,0
临江市,1,1,0,0,100.0,100.0,100,100,1
北岭县,1,0,1,0,100.0,20.0,20,20,0
城关区,2,1,0,1,50.0,70.0,70,70,0
,5,2,1,2,60.0,63.3,20,100,1" "status per county: in scope, on time, late, missing and the figures"
run d dispatch status 2026-06 --by unit --format csv
is "$(printf '%s\n' "$out" | tr -d '\r' | sed -n '2,6p')" "东川县人民政府,1,0,0,1,0.0,,,,0
临江市水务局,1,1,0,0,100.0,100.0,100,100,1
城关区人民政府,1,1,0,0,100.0,70.0,70,70,0
市农业农村局,1,0,0,1,0.0,,,,0
市生态环境局,1,0,1,0,100.0,20.0,20,20,0" "status --by unit: per lead unit"
run d dispatch status 2026-06
exit_is 0 "status as a table"
is "$(printf '%s\n' "$out" | sed -n '1p;$p' | tr -s ' ')" "County In scope On time Late Missing Reported % Mean progress Min Max At 100%
Total 5 2 1 2 60.0 63.3 20 100 1" "the table's header and total line"
run d dispatch status 2026-06 --format json
is "$(printf '%s' "$out" | jq -c '[.round, .due, .by, (.groups | length), .total.in_scope, .total.late, .total.mean_progress, (.groups[0].mean_progress == null)]')" \
	'["2026-06","2026-06-20","county",4,5,1,63.3,true]' "status --format json"
run d dispatch status 2026-06 --format xlsx -o "$tmp/status.xlsx"
exit_is 0 "status --format xlsx -o FILE"
rows=$(python3 - "$tmp/status.xlsx" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
shared = []
if "xl/sharedStrings.xml" in names:
    shared = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
sheet = z.read("xl/worksheets/sheet1.xml").decode()
for row in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
    cells = []
    for attrs, body in re.findall(r"<c([^>]*)>(.*?)</c>", row, re.S):
        v = re.search(r"<v>(.*?)</v>", body)
        t = re.search(r'\bt="(\w+)"', attrs)
        if v is None:
            cells.append(re.sub(r"<[^>]+>", "", body))
        elif t and t.group(1) == "s":
            cells.append(shared[int(v.group(1))])
        else:
            cells.append(v.group(1))
    print("|".join(cells))
PY
)
is "$(printf '%s\n' "$rows" | sed -n '1p')" "Dispatch round 2026-06 六月调度 (due 2026-06-20)" "the workbook's title row"
is "$(printf '%s\n' "$rows" | sed -n '2p')" "County|In scope|On time|Late|Missing|Reported %|Mean progress|Min|Max|At 100%" \
	"... its header"
is "$(printf '%s\n' "$rows" | sed -n '$p')" "Total|5|2|1|2|60|63.3|20|100|1" "... and the total row, as numbers"
run d dispatch status 2026-06 -o "$tmp/status.csv"
exit_is 0 "status -o FILE.csv"
is "$(tr -d '\r' <"$tmp/status.csv" | sed -n '$p')" ",5,2,1,2,60.0,63.3,20,100,1" "the format follows the file's extension"
d dispatch status 2026-06 --format xlsx >"$tmp/piped.xlsx"
ok $? "status --format xlsx to a pipe or file"
is "$(head -c 2 "$tmp/piped.xlsx")" PK "... writes the workbook there"
run d dispatch status 2026-06 --format pdf
exit_is 2 "an unknown format is a usage error"
run d dispatch status 2026-06 --by township
exit_is 2 "an unknown --by is a usage error"
run d dispatch status 2026-07
exit_is 3 "status of an unknown round: not found"

# ---------------------------------------------------------------- the ladder: 调度未报送
d action FK-004 --kind reminder --text 请于三日内补报调度 --date 2026-06-22 >/dev/null
ok $? "a reminder for FK-004 after the due date"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" overdue --dispatch=2026-06 --format csv
exit_is 0 "overdue --dispatch=2026-06"
is "$(printf '%s\n' "$out" | tr -d '\r' | cut -d, -f1,2,4,6-12)" "round,code,county,due,state,days,step,step_due,step_since,step_taken_on
2026-06,FK-004,城关区,2026-06-20,missing,5,reminder,false,2026-06-21,2026-06-22
2026-06,XF-001,东川县,2026-06-20,missing,5,reminder,true,2026-06-21,
2026-06,FK-002,北岭县,2026-06-20,late,5,reminder,false,," \
	"the step 调度未报送: missing members owe the first letter until one is sent, a late one is listed"
run d overdue --dispatch=城关
is "$out" "0 items on the step dispatch not submitted" "before the due date nothing is missing"
run d overdue --dispatch
is "$(printf '%s\n' "$out" | tr -s ' ')" "2026-06 FK-002 北岭县砖瓦窑无组织排放… 北岭县 2026-06-20 late 5 submitted 5 days late
1 item on the step dispatch not submitted" "every open round: the late submission only, before the due dates"
run d overdue --dispatch=2026-07
exit_is 3 "overdue --dispatch of an unknown round: not found"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" overdue --dispatch=2026-06 --format json
is "$(printf '%s' "$out" | jq -r '.[1] | .code + " " + .state + " " + (.step_due | tostring)')" "XF-001 missing true" \
	"overdue --dispatch --format json"

# ---------------------------------------------------------------- the bulletin
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" report --format text
exit_is 0 "the bulletin"
like "$out" "八、调度报送情况
最近一轮调度：城关，报送截止2026-06-18，进行中。应报送2项，按时报送0项，逾期报送0项，未报送2项，报送率0.0%。" \
	"its section 八 on the latest round: completeness"
is "$(printf '%s\n' "$out" | sed -n '/^八、/,$p' | grep -E '^(城关区|合计|FK-)' | tr -s ' ')" "城关区 2 0 0 2 0.0% —
合计 2 0 0 2 0.0% —
FK-001 城关区餐饮油烟扰民问题 城关区 城关区人民政府 未报送
FK-004 长期坚持的秸秆禁烧 城关区 市农业农村局 未报送" "... per county and the laggards"
run d report --format text
like "$out" "报送尚未截止。" "before the due date the bulletin says the round is still running"
unlike "$out" "FK-004 长期坚持的秸秆禁烧 城关区 市农业农村局 未报送" "... and lists no laggard yet"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" report --format md
like "$out" "## 八、调度报送情况" "the Markdown bulletin has the section"
like "$out" "| FK-001 | 城关区餐饮油烟扰民问题 | 城关区 | 城关区人民政府 | 未报送 |" "... with the laggards"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" report --format csv
like "$(printf '%s\n' "$out" | tr -d '\r')" "调度报送情况（各县、市、区）
县（市、区）,应报送,按时报送,逾期报送,未报送,报送率,平均进度
城关区,2,0,0,2,0.0%,—
合计,2,0,0,2,0.0%,—" "the CSV bulletin has the table"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" report --format html
like "$out" "<h2>八、调度报送情况</h2>" "the HTML bulletin has the section"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" report --format text --county 东川县
unlike "$out" "八、调度报送情况" "a bulletin of a county with no member of the latest round has no section"
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" report --format text --by unit
like "$(printf '%s\n' "$out" | sed -n '/^八、/,$p' | tr -s ' ')" "牵头单位 应报送 按时报送 逾期报送 未报送 报送率 平均进度
--------------------------------------------------------------------
城关区人民政府 1 0 0 1 0.0% —
市农业农村局 1 0 0 1 0.0% —" "--by unit: the section's table per lead unit"

# ---------------------------------------------------------------- close
run env DUBAN_ROLE=inspector "$DUBAN" --db "$DB" dispatch close 2026-06
exit_is 4 "an inspector may not close a round"
run d dispatch close 2026-06
exit_is 0 "the office closes 2026-06"
is "$out" "closed dispatch round 2026-06" "... and says so"
run d dispatch close 2026-06
exit_is 4 "a closed round cannot be closed again"
run d dispatch submit 2026-06 FK-004 --progress 10 --text 迟到
exit_is 4 "a submission to a closed round is refused"
like "$err" "the dispatch round '2026-06' is closed" "... and says so"
like "$(d dispatch list)" "closed 2026-06-15" "list shows the round closed"

# ---------------------------------------------------------------- usage and the outbox
run d dispatch
exit_is 2 "dispatch without a command"
run d dispatch reopen 2026-06
exit_is 2 "an unknown dispatch command"
run d dispatch show
exit_is 2 "show without a name"
run d dispatch open 2026-08 --due 2026-08-20 --progress 5
exit_is 2 "open does not take --progress"
like "$err" "dispatch open does not take --progress" "... and says so"
run d dispatch submit 2026-06 FK-004 --progress 5 --text x --due 2026-08-20
exit_is 2 "submit does not take --due"
run d dispatch status 2026-06 --title x
exit_is 2 "status does not take --title"
run d dispatch show 2026-06 -o "$tmp/x"
exit_is 2 "show does not take -o"
run d dispatch --help
exit_is 0 "--help"
like "$out" "duban dispatch submit NAME CODE --progress N --text TEXT [--attach FILE]" "--help shows the usage"
is "$(sqlite3 "$DB" "SELECT count(*) FROM op WHERE kind = 'dispatch.add'")" 16 \
	"every record is queued for the server (7 members, 4 submissions, 5 closes)"

# ---------------------------------------------------------------- show CODE
run env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" show FK-001
exit_is 0 "show FK-001"
is "$(printf '%s\n' "$out" | sed -n '/^Dispatch rounds/,/^Created/p' | tr -s ' ')" "Dispatch rounds 2026-06, due 2026-06-20: on time, latest 2026-06-15 at 70%
 城关, due 2026-06-18: missing
Created 2026-06-15 08:00" "show: each round of the item, its state and its latest submission"
run d show FK-002
like "$out" "2026-06, due 2026-06-20: late, latest 2026-06-25 at 20%" "show: a late submission"
run d show FK-900
exit_is 0 "show FK-900"
unlike "$out" "Dispatch rounds" "show: no section for an item in no round"
run d show FK-001 --format json
exit_is 0 "show FK-001 --format json"
is "$(printf '%s\n' "$out" | jq -c .dispatch)" \
	'[{"name":"2026-06","due":"2026-06-20","closed":true,"state":"on_time","last_on":"2026-06-15","progress":70},{"name":"城关","due":"2026-06-18","closed":false,"state":"missing"}]' \
	"show --format json: the rounds under dispatch"
run d show FK-900 --format json
is "$(printf '%s\n' "$out" | jq -c .dispatch)" null "show --format json: no dispatch member for an item in no round"
done_testing
