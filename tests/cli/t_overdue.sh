#!/bin/sh
# overdue: the supervision ladder on the demo ledger (golden list, --due,
# csv and json), issuing a step (the action through the store, the letter as
# text and HTML, a repeat refused), --issue-all all or nothing, a ladder from
# the configuration file and a template edited in $XDG_CONFIG_HOME.
# UPDATE_GOLDEN=1 rewrites the golden files.
. "$(dirname "$0")/lib.sh"

GOLDEN=$top_srcdir/tests/data/overdue

# actions CODE KIND: how many KIND actions dated today `show` lists.
actions() {
	d show "$1" | grep -c "^- .* $2 2026-06-15:"
}

d demo --items 300 --seed 7 >/dev/null 2>&1
ok $? "the demo ledger is made"
cp "$DB" "$tmp/pristine.db"

# ---------------------------------------------------------------- the list
run d overdue
exit_is 0 "overdue exits 0"
golden list.txt
like "$out" "(ladder: 提醒函:1 督办通知:7 通报:15 约谈:30)" "the summary names the ladder"
total=$(d list --overdue --format csv | sed 1d | wc -l | tr -d ' ')
like "$out" "$total overdue items" "as many as list --overdue ($total)"

COLUMNS=140 run d overdue
golden list-wide.txt
like "$out" "reminder, notice, circular" "wide enough: the steps taken"

run d overdue --format csv
exit_is 0 "csv exits 0"
golden list.csv
printf '%s\n' "$out" | sed 1d | cut -d, -f6 >"$tmp/days"
sort -rn "$tmp/days" | cmp -s - "$tmp/days"
ok $? "most days overdue first"

# Nothing overdue in the filter: an empty list, not a crash.
run d overdue --county 不存在县
exit_is 0 "no overdue item: exits 0"
like "$out" "0 overdue items" "no overdue item: says so"

run d overdue --due --format csv
due_rows=$(printf '%s\n' "$out" | sed 1d)
n_due=$(printf '%s\n' "$due_rows" | grep -c .)
n_nodue=$(d overdue --format csv | sed 1d | awk -F, '$10 == ""' | wc -l | tr -d ' ')
is "$((n_due + n_nodue))" "$total" "--due leaves out exactly the items with no step due"
printf '%s\n' "$due_rows" | awk -F, '$10 == "" { bad = 1 } END { exit bad }'
ok $? "every --due row has a next step"

run d overdue --format json
exit_is 0 "json exits 0"
like "$out" '"taken":	["reminder", "notice", "circular"]' "json lists the steps taken"

run d overdue --county 高新区
like "$out" "高新区" "filters apply"
unlike "$out" "临江市人民政府" "other counties left out"

# ---------------------------------------------------------------- --issue
# The first item whose step due is 督办通知 (notice), before 通报 (day 15).
row=$(d overdue --format csv | sed 1d | awk -F, '$10 == "notice" && $6 < 15 { print; exit }')
code=$(printf '%s\n' "$row" | cut -d, -f1)
[ -n "$code" ]
ok $? "an item with 督办通知 due ($code)"

run d overdue --issue "$code" --dry-run
exit_is 0 "--dry-run exits 0"
like "$out" "$code: would issue 督办通知 dated 2026-06-15" "says what it would issue"
like "$out" "逾期未完成整改的督办通知" "and shows the letter"
is "$(actions "$code" notice)" 0 "--dry-run records nothing"

run d overdue --issue "$code" --letter "$tmp/letter.txt"
exit_is 0 "--issue exits 0"
like "$out" "$code: 督办通知 issued, dated 2026-06-15" "says so"
is "$(actions "$code" notice)" 1 "duban show has the action"
TAB=$(printf '\t')
d show "$code" --format json | grep -q "\"text\":$TAB\"关于“[^\"]*督办通知\\\\n你单位牵头负责的"
ok $? "its text: the letter's title, then its first paragraph"
d show "$code" --format json | grep -q "\"due\":$TAB\"2026-06-22\""
ok $? "a reply is due in 7 days"
head -n 1 "$tmp/letter.txt" | grep -q "督办通知$"
ok $? "the letter's first line is its title"
grep -q "^$(d show "$code" | sed -n 's/^Lead unit  *//p')：$" "$tmp/letter.txt"
ok $? "addressed to the lead unit"
grep -q "^#" "$tmp/letter.txt"
[ $? -ne 0 ]
ok $? "the template's comments are not in the letter"
d outbox | grep -q "$code  action.add"
ok $? "the action waits in the outbox for the next sync"

run d overdue --issue "$code"
exit_is 4 "issuing again is refused"
like "$err" "no step is due" "no step is due now"
run d overdue --issue "$code" --step 督办通知
exit_is 4 "the same step again is refused"
like "$err" "already issued" "says it was issued"
run d overdue --issue "$code" --step notice --force --date 2026-06-16 --letter "$tmp/letter.html"
exit_is 0 "--force issues it again"
is "$(d show "$code" | grep -c "notice 2026-06-16:")" 1 "dated --date"
grep -q "<h1>.*督办通知</h1>" "$tmp/letter.html" && grep -q "<!DOCTYPE html>" "$tmp/letter.html"
ok $? "an .html letter is a page with the title"
grep -q '<p class="sign">2026年6月16日</p>' "$tmp/letter.html"
ok $? "signed with the letter's date"

notdue=$(d list --format csv --status in_progress --due-after 2026-07-01 --limit 1 | sed -n '2p' | cut -d, -f1)
run d overdue --issue "$notdue"
exit_is 4 "an item not overdue is refused"
like "$err" "is not overdue" "and said so"
run d overdue --issue NOPE-1
exit_is 3 "an unknown code"
run d overdue --step notice
exit_is 2 "--step without --issue"
run d overdue --issue "$code" --issue-all
exit_is 2 "--issue with --issue-all"
run d overdue --ladder "提醒函:5 督办通知:5"
exit_is 2 "a bad --ladder"
like "$err" "strictly increasing" "explained"

# ---------------------------------------------------------------- --issue-all
cp "$tmp/pristine.db" "$DB"
n_due=$(d overdue --due --format csv | sed 1d | wc -l | tr -d ' ')
mkdir "$tmp/letters"
# A template error stops everything before anything is written.
mkdir -p "$tmp/cfg/duban/templates"
printf '{{title}}的督办通知\n{{lead_unit}}：\n请于{{回复日期}}前报送。\n' >"$tmp/cfg/duban/templates/notice.txt"
XDG_CONFIG_HOME=$tmp/cfg run d overdue --issue-all --letters "$tmp/letters"
exit_is 1 "--issue-all with a broken template fails"
like "$err" "$tmp/cfg/duban/templates/notice.txt:3: unknown placeholder {{回复日期}}" "naming the file and line"
is "$(ls "$tmp/letters" | wc -l | tr -d ' ')" 0 "no letter written"
is "$(d overdue --due --format csv | sed 1d | wc -l | tr -d ' ')" "$n_due" "no action recorded"
rm "$tmp/cfg/duban/templates/notice.txt"

# A letter that cannot be written (a directory in its place) undoes it all.
run d overdue --issue-all --letters "$tmp/letters" --dry-run
like "$out" "$n_due steps would be issued" "--dry-run says what --issue-all would do"
lastletter=$(printf '%s\n' "$out" | sed -n 's/^  letter: would be written to //p' | tail -n 1)
is "$(ls "$tmp/letters" | wc -l | tr -d ' ')" 0 "and writes nothing"
mkdir "$lastletter"
run d overdue --issue-all --letters "$tmp/letters"
exit_is 5 "a letter that cannot be written fails"
like "$err" "cannot write the letter" "says which"
is "$(ls "$tmp/letters" | wc -l | tr -d ' ')" 1 "the letters written before were removed"
is "$(d overdue --due --format csv | sed 1d | wc -l | tr -d ' ')" "$n_due" "and no action recorded"
rmdir "$lastletter"

run d overdue --issue-all --letters "$tmp/letters" --html
exit_is 0 "--issue-all exits 0"
like "$out" "$n_due steps issued" "issues every step due ($n_due)"
is "$(ls "$tmp/letters"/*.html | wc -l | tr -d ' ')" "$n_due" "one HTML letter each"
d overdue --format csv | sed 1d | cut -d, -f8 | grep -c . >"$tmp/n_last"
[ "$(cat "$tmp/n_last")" -ge "$n_due" ]
ok $? "each item's last step taken is recorded"
# The ladder is climbed a step at a time: the steps reached above the one
# just taken come due in turn, until every step reached is taken.
rounds=0
while [ "$rounds" -lt 6 ]; do
	rounds=$((rounds + 1))
	run d overdue --issue-all
	case $out in *"0 steps issued"*) break ;; esac
done
is "$rounds" 3 "two more runs climb to the top (通报 then 约谈), the third issues nothing"
is "$(d overdue --due --format csv | sed 1d | wc -l | tr -d ' ')" 0 "then nothing is due"

# ---------------------------------------------------------------- configuration
cp "$tmp/pristine.db" "$DB"
mkdir -p "$tmp/cfg2/duban/templates"
printf 'set ladder "提醒函:3 通报:10 问责:60"\n' >"$tmp/cfg2/duban/config"
XDG_CONFIG_HOME=$tmp/cfg2 run d overdue --format csv
exit_is 0 "a ladder from the configuration file"
printf '%s\n' "$out" | sed 1d | awk -F, '$6 >= 3 && $6 < 10 && $7 == "" && $10 != "reminder" { bad = 1 }
	$6 < 3 && $10 != "" { bad = 1 } $10 == "notice" { bad = 1 } END { exit bad }'
ok $? "its steps and days apply (提醒函 from day 3, no 督办通知)"
XDG_CONFIG_HOME=$tmp/cfg2 run d overdue
like "$out" "(ladder: 提醒函:3 通报:10 问责:60)" "and the summary names it"

printf 'set ladder "提醒函:3 通报:2"\n' >"$tmp/cfg2/duban/config"
XDG_CONFIG_HOME=$tmp/cfg2 run d overdue
exit_is 0 "a bad ladder in the configuration still lists"
like "$err" "config:1: ladder:" "with a warning naming the line"
like "$out" "(ladder: 提醒函:1 督办通知:7 通报:15 约谈:30)" "and the default ladder"
rm "$tmp/cfg2/duban/config"

# A template edited in $XDG_CONFIG_HOME wins over the shipped one.
d add --code OV-001 --title '城关区餐饮油烟扰民问题' --county 城关区 --lead-unit 城关区人民政府 \
	--deadline 2026-06-10 >/dev/null
rcode=$(d overdue --format csv | sed 1d | awk -F, '$10 == "reminder" { print $1; exit }')
is "$rcode" OV-001 "a new item 5 days overdue: 提醒函 due"
printf '# 本办修改的提醒函\n提醒函（城关区督察整改办）\n{{lead_unit}}：\n{{code}}已逾期{{days_overdue}}天，请于{{reply_by_zh}}前回复。\n' \
	>"$tmp/cfg2/duban/templates/reminder.txt"
XDG_CONFIG_HOME=$tmp/cfg2 run d overdue --issue "$rcode" --letter -
exit_is 0 "--issue with the office's template"
like "$out" "提醒函（城关区督察整改办）" "the edited template is used"
like "$out" "请于2026年6月22日前回复。" "its placeholders filled"
unlike "$out" "本办修改" "its comment left out"
d show "$rcode" | grep -q "reminder 2026-06-15: 提醒函（城关区督察整改办）"
ok $? "the action's text is the edited letter's title"

# The reply period: --reply-days, else `set reply-days`.
XDG_CONFIG_HOME=$tmp/cfg2 run d overdue --issue "$rcode" --step 提醒函 --force --dry-run --reply-days 10
like "$out" "请于2026年6月25日前回复。" "--reply-days 10: the reply is due 10 days after the letter"
printf 'set reply-days 3\n' >"$tmp/cfg2/duban/config"
XDG_CONFIG_HOME=$tmp/cfg2 run d overdue --issue "$rcode" --step 提醒函 --force --letter - --date 2026-06-16
like "$out" "请于2026年6月19日前回复。" "set reply-days 3 in the configuration: 3 days"
d show "$rcode" --format json | grep -q "\"due\":$TAB\"2026-06-19\""
ok $? "and the action is due that day"
run d overdue --issue "$rcode" --reply-days 0
exit_is 2 "--reply-days 0 is refused"
like "$err" "from 1 to 365" "saying what it takes"
rm "$tmp/cfg2/duban/config"

done_testing
