#!/bin/sh
# list: table alignment by display width, formats, filters, sorting, limits.
. "$(dirname "$0")/lib.sh"

make_ledger
ok $? "a small ledger is made with add"

# codes OUTPUT: the codes of a table, in order, on one line.
codes() {
	printf '%s\n' "$1" | sed '1d;$d' | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//'
}

# widths TEXT: the display width of every line (GNU wc -L counts columns).
widths() {
	printf '%s\n' "$1" | while IFS= read -r line; do
		printf '%s\n' "$line" | wc -L
	done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

run d list
exit_is 0 "list exits 0"
like "$out" "城关区餐饮油烟扰民问题" "a Chinese title is shown"
like "$out" "5 items (2 red, 1 yellow)" "the summary counts items and lights"
is "$(widths "$(table_lines "$out")")" "100" "every table line is 100 columns wide (COLUMNS=100)"
is "$(codes "$out")" "XF-001 FK-001 FK-002 FK-003 FK-004" "sorted by deadline, undated last"
like "$out" "overdue 45 days" "days overdue"
like "$out" "5 days left" "days left"
like "$out" "ongoing" "an ongoing deadline is named"
like "$out" "not started" "the status is named"
first=$(printf '%s\n' "$out" | sed -n 2p)
case $first in
"● XF-001"*) pass "the red light symbol leads the row" ;;
*) fail "the red light symbol leads the row"; diag "$first" ;;
esac

for cols in 50 72 160; do
	run env COLUMNS=$cols "$DUBAN" --db "$DB" list
	is "$(widths "$(table_lines "$out")")" "$cols" "every line is $cols columns wide at COLUMNS=$cols"
done
run env COLUMNS=160 "$DUBAN" --db "$DB" list
like "$out" "北岭县砖瓦窑无组织排放问题突出，群众反映强烈" "a wide screen shows the whole title"
run env COLUMNS=72 "$DUBAN" --db "$DB" list
like "$out" "…" "a narrow screen cuts titles with an ellipsis"
run sh -c "unset COLUMNS; \"$DUBAN\" --db \"$DB\" list"
is "$(widths "$(table_lines "$out")")" "120" "without COLUMNS and a terminal the width is 120"

# Filters.
run d list --county 城关区
is "$(codes "$out")" "FK-001 FK-004" "--county"
run d list --status 尚未启动
is "$(codes "$out")" "XF-001 FK-001 FK-002 FK-003 FK-004" "--status by Chinese name"
d status FK-001 整改中 >/dev/null
d status FK-002 in_progress >/dev/null
run d list --status 整改中
is "$(codes "$out")" "FK-001 FK-002" "--status 整改中 after a status change"
like "$out" "in progress" "the new status is shown"
run d list --status '!in_progress'
is "$(codes "$out")" "XF-001 FK-003 FK-004" "--status with ! excludes"
run d list --status not_started,in_progress --status requested
is "$(codes "$out")" "XF-001 FK-001 FK-002 FK-003 FK-004" "--status lists and repeats add up"
run d list --status bogus
exit_is 4 "an unknown status exits 4"
like "$err" "unknown status 'bogus'" "the unknown status is named"
run d list --light red
is "$(codes "$out")" "XF-001 FK-001" "--light red"
run d list --light 黄灯
is "$(codes "$out")" "FK-002" "--light by Chinese name"
run d list --overdue
is "$(codes "$out")" "XF-001 FK-001" "--overdue"
run d list --due-before 2026-06-15
is "$(codes "$out")" "XF-001 FK-001" "--due-before"
run d list --due-after 2026-06-15
is "$(codes "$out")" "FK-002 FK-003" "--due-after"
run d list --due-after 2026年6月 --due-before 2026-12-31
is "$(codes "$out")" "FK-003" "--due-after and --due-before with a Chinese date"
run d list --due-before 2026-02-30
exit_is 4 "a bad date exits 4"
like "$err" "invalid date '2026-02-30'" "the bad date is named"
run d list --search 油烟
is "$(codes "$out")" "FK-001" "--search a 2-character Chinese word"
run d list --search 砖瓦窑
is "$(codes "$out")" "FK-002" "--search a 3-character Chinese word"
run d list --search sewage
is "$(codes "$out")" "FK-003" "--search a Latin word"
run d list --kind complaint
is "$(codes "$out")" "XF-001" "--kind complaint"
run d list --category 大气
is "$(codes "$out")" "FK-001 FK-002" "--category"
run d list --unit 生态环境
is "$(codes "$out")" "FK-002" "--unit matches part of a unit"
run d list --township 石门乡
is "$(codes "$out")" "XF-001" "--township"
run d list --county 城关区 --overdue
is "$(codes "$out")" "FK-001" "filters combine"
run d list --search 不存在的词
exit_is 0 "a search without matches exits 0"
like "$out" "0 items" "a search without matches lists 0 items"

# Sorting and limits.
run d list --sort code
is "$(codes "$out")" "FK-001 FK-002 FK-003 FK-004 XF-001" "--sort code"
run d list --sort code --reverse
is "$(codes "$out")" "XF-001 FK-004 FK-003 FK-002 FK-001" "--sort code --reverse"
run d list --sort light
case $(codes "$out") in
"XF-001 FK-001 FK-002 FK-003 FK-004" | "FK-001 XF-001 FK-002 FK-003 FK-004") pass "--sort light: red, yellow, green, ongoing" ;;
*) fail "--sort light: red, yellow, green, ongoing"; diag "$out" ;;
esac
run d list --limit 2
is "$(codes "$out")" "XF-001 FK-001" "--limit 2"
like "$out" "2 items" "--limit: the summary counts the shown items"
like "$out" "more match" "--limit says there are more"
run d list --limit 5
unlike "$out" "more match" "--limit equal to the count has no more"

# Enough items for several query windows: streaming keeps order and count.
i=0
while [ $i -lt 300 ]; do
	printf 'W-%03d,窗口测试%d,2027-01-%02d\n' $i $i $((i % 28 + 1))
	i=$((i + 1))
done >"$tmp/many.body"
{ printf '受理编号,问题名称,整改时限\n'; cat "$tmp/many.body"; } >"$tmp/many.csv"
run d import "$tmp/many.csv"
exit_is 0 "300 items are imported"
run d list --search 窗口测试
like "$out" "300 items" "a list across several windows counts all"
n=$(printf '%s\n' "$out" | sed '1d;$d' | awk '{ print $2 }' | sort -u | wc -l)
is "$n" "300" "every item appears once across windows"
run d list --search 窗口测试 --sort code --limit 150 --format csv
is "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" "150" "--limit 150 across windows"
is "$(printf '%s\n' "$out" | sed -n '2p;$p' | cut -d, -f1 | tr '\n' ' ')" "W-000 W-149 " "the window boundary keeps the order"

# csv and json formats: full values, parsed back.
run d list --format csv --sort code --search 砖瓦窑
exit_is 0 "list --format csv"
out=$(printf '%s\n' "$out" | tr -d '\r')
is "$(printf '%s\n' "$out" | sed -n 1p)" \
	"code,title,kind,county,lead_unit,deadline,deadline_kind,status,progress,light,updated_at,feedback_due,repeats,id" "csv header"
is "$(printf '%s\n' "$out" | sed -n 2p | cut -d, -f1-10)" \
	"FK-002,北岭县砖瓦窑无组织排放问题突出，群众反映强烈,problem,北岭县,市生态环境局,2026-06-20,date,in_progress,0,yellow" \
	"csv row with the full title"
run d list --format csv --sort code
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "306" "csv: a header and a line per item"
unlike "$out" "items (" "csv has no summary line"

run d list --format json --sort code --search 窗口测试 --limit 3
exit_is 0 "list --format json"
if command -v python3 >/dev/null 2>&1; then
	got=$(printf '%s\n' "$out" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), a[0]["code"], a[2]["title"], a[0]["deadline"], a[0]["light"])')
	is "$got" "3 W-000 窗口测试2 2027-01-01 green" "json parses back"
else
	like "$out" '"code":"W-000"' "json has the codes"
fi
run d list --format json --search 不存在的词
is "$out" "[]" "an empty json list"

# --count-by: the number of items per value, for the filter.
run d list --count-by county --format csv
is "$out" "$(printf 'county,items\r\n东川县,1\r\n临江市,1\r\n北岭县,1\r\n城关区,2\r')" "--count-by county: items per county, in csv"
run d list --count-by unit --category 大气
is "$out" "Lead unit      Items
城关区人民政府     1
市生态环境局       1" "--count-by unit with a filter: a table"
d add --code CB-1 --title '两个领域' --county 城关区 --category '大气、水' >/dev/null
run d list --count-by category --format json
is "$out" '[
{"category":"大气","items":3},
{"category":"水","items":2},
{"category":"生态","items":1}
]' "--count-by category counts an item under each of its categories (json)"
run d list --count-by colour
exit_is 2 "--count-by an unknown field exits 2"
like "$err" "county, township, unit, category, round or batch" "naming the fields there are"

# A comma in a title is quoted in csv.
d add --code Q-1 --title 'a, "quoted" title' >/dev/null
run d list --format csv --search quoted
is "$(printf '%s\n' "$out" | sed -n 2p | cut -c1-28)" 'Q-1,"a, ""quoted"" title",pr' "csv quotes commas and quotes"

# Control characters in data never reach the terminal.
esc=$(printf '\033')
d add --code ESC-1 --title "$(printf 'red\033[31mALERT\033]0;pwned\007\tend')" >/dev/null
run d list --search ESC
like "$out" "ESC-1" "the item with control characters is listed"
unlike "$out" "$esc" "no ESC byte in the table"
unlike "$out" "$(printf '\007')" "no BEL byte in the table"
is "$(widths "$(table_lines "$out")")" "100" "the table stays aligned"
run d list --search ESC --format csv
unlike "$out" "$esc" "no ESC byte in csv"
run d list --search ESC --format json
unlike "$out" "$esc" "no ESC byte in json"
run d show ESC-1
unlike "$out" "$esc" "no ESC byte in show"

run d list extra
exit_is 2 "list with an argument exits 2"

done_testing
