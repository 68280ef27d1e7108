#!/bin/sh
# show: every field, the light and lag, wrapped text, history newest first, json.
. "$(dirname "$0")/lib.sh"

d add --code FK-101 --title '城关区餐饮油烟扰民问题' --county 城关区 --township 东关街道 \
	--lead-unit 城关区人民政府 --co-units 市生态环境局、市市场监管局 --leader 王明 --owner 李华 \
	--start 2026-01-01 --deadline 2026-06-10 --progress 40 \
	--measures '督促餐饮单位安装油烟净化设施并定期清洗，开展夜间巡查，对超标排放的依法查处，建立长效管理机制，确保群众满意。' \
	>/dev/null
ok $? "an item is added"

run d show FK-101
exit_is 0 "show exits 0"
like "$out" "Code                      FK-101" "the code, under its field title"
like "$out" "城关区餐饮油烟扰民问题" "the title"
like "$out" "Township                  东关街道" "the township"
like "$out" "Co-operating units        市生态环境局、市市场监管局" "co-operating units"
like "$out" "Deadline                  2026-06-10" "the deadline as YYYY-MM-DD"
like "$out" "Start                     2026-01-01" "the start date"
like "$out" "Status                    not started" "the status, translated"
like "$out" "Progress                  40" "the progress"
like "$out" "Warning light             ● red" "the computed warning light"
like "$out" "overdue 5 days" "the days overdue"
like "$out" "points behind schedule" "the schedule lag"
like "$out" "created the item" "the creation is in the history"
maxw=$(printf '%s\n' "$out" | wc -L)
[ "$maxw" -le 100 ]; ok $? "long text is wrapped to the width ($maxw <= 100)"
like "$out" "                          " "wrapped lines are indented under the value"
run env COLUMNS=60 "$DUBAN" --db "$DB" show FK-101
maxw=$(printf '%s\n' "$out" | wc -L)
[ "$maxw" -le 60 ]; ok $? "wrapped to COLUMNS=60 ($maxw <= 60)"

# History after a note, a status change and an edit: newest first.
# Each step a minute later, so that newest-first has one right answer.
at() {
	stamp=$1
	shift
	DUBAN_NOW=2026-06-15T08:${stamp}:00Z d "$@" >/dev/null
}
at 01 note FK-101 '已约谈3家餐饮单位负责人'
at 02 status FK-101 整改中
at 03 edit FK-101 --set 牵头单位=市生态环境局
at 04 action FK-101 --kind notice --text '请于6月20日前报送整改进展' --due 2026-06-20
at 05 status FK-101 申请销号
at 06 inspect FK-101 --date 2026-06-14 --inspectors 张三,李四 --place 东关街道 --findings '设施已安装' --result fail
run d show FK-101
hist=$(printf '%s\n' "$out" | sed -n '/^History/,$p')
like "$hist" "tester@local 2026-06-15 08:01 note: 已约谈3家餐饮单位负责人" "the note, with its author (the local user, marked as local: not logged in) and time"
like "$hist" "Status: not started → in progress" "the status change"
like "$hist" "Lead unit: 城关区人民政府 → 市生态环境局" "the edit, old → new"
like "$hist" "notice 2026-06-15: 请于6月20日前报送整改进展 (due 2026-06-20)" "the action"
like "$hist" "inspection 2026-06-14: failed" "the inspection"
like "$(printf '%s' "$hist" | tr -d '\n ')" "inspectors:张三、李四" "the inspectors, joined by 、"
like "$hist" "Status: close-out requested → in progress (设施已安装)" "a failed inspection returns the item, with the reason"
like "$out" "Lead unit                 市生态环境局" "the field shows the new value"
order=$(printf '%s\n' "$hist" | sed -n 's/^- tester@local 2026-06-15 08:\(..\) .*/\1/p' | tr '\n' ' ')
case $order in
"06 06 05 04 03 02 01 00 ") pass "history is newest first" ;;
*) fail "history is newest first"; diag "$order" "$hist" ;;
esac
last=$(printf '%s\n' "$hist" | sed '/^ /d' | tail -n 1)
like "$last" "created the item" "the creation comes last"

# Found by id and by id prefix.
id=$(d show FK-101 | sed -n 's/^ID  *//p')
run d show "$id"
like "$out" "FK-101" "show by id"
prefix=$(printf '%s' "$id" | cut -c1-8)
run d show "$prefix"
like "$out" "FK-101" "show by an 8-character id prefix"

run d show NOPE-1
exit_is 3 "an unknown code exits 3"
is "$err" "duban: no item with code 'NOPE-1' (try \`duban list --search NOPE-1\`)" "the error says what to try"
is "$out" "" "nothing on stdout for an unknown code"

run d show FK-101 --format json
exit_is 0 "show --format json"
if command -v python3 >/dev/null 2>&1; then
	got=$(printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
types = [h["type"] for h in d["history"]]
print(d["item"]["code"], d["item"]["lead_unit"], d["light"], "note" in types, "inspection" in types, "action" in types, "event" in types)')
	is "$got" "FK-101 市生态环境局 red True True True True" "json carries the item, light and history"
else
	like "$out" '"code":	"FK-101"' "json has the code"
	like "$out" '"history"' "json has the history"
fi
run d show FK-101 --format yaml
exit_is 2 "an unknown format exits 2"
run d show FK-101 FK-102
exit_is 2 "show with two codes exits 2"

# Complaints show their verdict; ongoing deadlines are named.
d add --code XF-9 --kind complaint --title '噪声扰民' --deadline 长期坚持 --set 是否属实=基本属实 >/dev/null
run d show XF-9
like "$out" "Kind                      complaint" "the kind"
like "$out" "Verdict                   mostly true" "the verdict, by Chinese name in, translated out"
like "$out" "Deadline kind             ongoing" "an ongoing deadline"
like "$out" "◆ ongoing" "the blue light of an ongoing item"

done_testing
