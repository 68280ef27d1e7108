#!/bin/sh
# add, edit, note, inspect, action: Chinese fields, labels, refusals, exit codes.
. "$(dirname "$0")/lib.sh"

snapshot() {
	d export --format json
}

run d add --code 'FK-2026-01' --title '临江市黑臭水体整治' --county 临江市 --township 滨江街道 \
	--lead-unit 临江市人民政府 --deadline '2026年12月底' --category 水 --round 第二轮 \
	--set 整改目标='水体消除黑臭' --set key_case=是 --set 'description=城区 3 条河道黑臭'
exit_is 0 "add with Chinese fields"
case $out in
"added FK-2026-01 (id "????????-????-4???-????-????????????")") pass "add prints the code and the id" ;;
*) fail "add prints the code and the id"; diag "$out" ;;
esac
run d show FK-2026-01
like "$out" "Deadline                  2026-12-31" "a Chinese month-end deadline is parsed"
like "$out" "Goal                      水体消除黑臭" "--set by Chinese label"
like "$out" "Key case                  yes" "--set of a boolean with 是"
like "$out" "Round                     第二轮" "--round"
like "$out" "Categories                水" "--category"
like "$out" "Description               城区 3 条河道黑臭" "--set by field name"

run d add --code XF-1 --kind 信访件 --title '夜间施工噪声' --deadline 立行立改
exit_is 0 "add a complaint with an immediate deadline"
run d show XF-1
like "$out" "complaint" "--kind by Chinese name"
like "$out" "Deadline kind             immediate" "立行立改 is the immediate kind"
run d list --search 施工噪声
like "$out" "immediate" "the list names an undated immediate deadline"

before=$(snapshot)
run d add --code FK-2026-01 --title dup
exit_is 4 "a duplicate code exits 4"
like "$err" "already exists" "the duplicate is explained"
run d add --title 'no code'
exit_is 2 "add without --code exits 2"
run d add --code X-1 --title t --deadline 2026-02-30
exit_is 4 "add with a bad date exits 4"
like "$err" "invalid date '2026-02-30'" "the bad date is named"
run d add --code X-1 --title t --set nonsense=1
exit_is 2 "an unknown field exits 2"
like "$err" "unknown field 'nonsense'" "the unknown field is named"
run d add --code X-1 --title t --progress 150
exit_is 4 "progress above 100 exits 4"
run d add --code X-1 --title t --set status=closed
exit_is 4 "add may not set the status"
run d add --code X-1 --title t --set noequals
exit_is 2 "--set without = exits 2"
is "$(snapshot)" "$before" "nothing changed after the refused adds"

# edit
run d edit FK-2026-01 --set 牵头单位=市生态环境局 --set 整改进度=35%
exit_is 0 "edit by Chinese labels"
is "$out" "FK-2026-01: 2 fields changed" "edit says how many fields changed"
run d show FK-2026-01
like "$out" "Lead unit                 市生态环境局" "the lead unit changed"
like "$out" "Progress                  35" "the progress changed (35% read as 35)"
like "$out" "Lead unit: 临江市人民政府 → 市生态环境局" "the change is in the history"
run d edit FK-2026-01 --set 牵头单位=市生态环境局
is "$out" "FK-2026-01: nothing changed" "an edit to the same value changes nothing"
run d edit FK-2026-01 --deadline 长期坚持
run d show FK-2026-01
like "$out" "Deadline kind             ongoing" "edit --deadline 长期坚持"

before=$(snapshot)
run d edit FK-2026-01 --set status=closed
exit_is 4 "editing the status exits 4"
like "$err" "duban status" "the refusal points at duban status"
run d edit FK-2026-01 --set 整改状态=已销号
exit_is 4 "editing the status by its Chinese label exits 4"
run d edit FK-2026-01 --title ok --deadline 2026-13-01
exit_is 4 "an edit with one bad value exits 4"
run d edit NOPE --title x
exit_is 3 "editing an unknown code exits 3"
like "$err" "no item with code 'NOPE'" "the unknown code is named"
run d edit FK-2026-01
exit_is 2 "edit without changes exits 2"
run d edit --title x
exit_is 2 "edit without a code exits 2"
is "$(snapshot)" "$before" "nothing changed after the refused edits"

# note
run d note FK-2026-01 '已完成截污纳管 1.2 公里'
exit_is 0 "note"
printf '%s\n' '第二条进展，' '来自标准输入' | d note FK-2026-01 - >/dev/null
run d show FK-2026-01
like "$out" "note: 已完成截污纳管 1.2 公里" "the note is in the history"
like "$out" "note: 第二条进展，
  来自标准输入" "a note from standard input keeps its line break"
run d note FK-2026-01 '   '
exit_is 2 "an empty note exits 2"
run d note NOPE text
exit_is 3 "a note on an unknown code exits 3"
run d note FK-2026-01
exit_is 2 "note without text exits 2"

# inspect and action
run d inspect FK-2026-01 --date 2026-06-12 --inspectors 王五,赵六 --place 滨江街道 \
	--findings 水体已无黑臭 --result pass --level county
exit_is 0 "inspect"
run d inspect FK-2026-01 --result maybe
exit_is 4 "a bad --result exits 4"
run d inspect FK-2026-01 --date 2026-06-12
exit_is 2 "inspect without --result exits 2"
run d inspect FK-2026-01 --result pass --date yesterday
exit_is 4 "inspect with a bad date exits 4"
run d action FK-2026-01 --kind 约谈 --text '约谈临江市分管副市长' --due 2026-07-01
exit_is 0 "action by Chinese kind"
run d action FK-2026-01 --kind hug --text x
exit_is 4 "an unknown action kind exits 4"
run d action FK-2026-01 --kind reminder
exit_is 2 "action without --text exits 2"
run env COLUMNS=200 "$DUBAN" --db "$DB" show FK-2026-01
like "$out" "inspection 2026-06-12: passed; level: county level; place: 滨江街道; inspectors: 王五、赵六; findings: 水体已无黑臭" "the inspection is in the history"
like "$out" "summons 2026-06-15: 约谈临江市分管副市长 (due 2026-07-01)" "the action is in the history"

done_testing
