#!/bin/sh
# report: the bulletin on the demo ledger, as text, Markdown, CSV and HTML,
# against golden files (UPDATE_GOLDEN=1 rewrites them); by lead unit; for the
# list filters; the format from -o's extension; periods and usage errors.
. "$(dirname "$0")/lib.sh"

GOLDEN=$top_srcdir/tests/data/report


d demo >/dev/null 2>&1
ok $? "the demo ledger is made"
# Status changes in the previous period (late May) and in this one (June),
# so the change since the previous period shows.
DUBAN_NOW=2026-05-25T02:00:00Z d status D2XX000212 申请销号 >/dev/null
DUBAN_NOW=2026-06-03T02:00:00Z d status D2XX000218 申请销号 >/dev/null
DUBAN_NOW=2026-06-08T02:00:00Z d status FK2-0024 申请销号 >/dev/null
for code in D2XX000212 D2XX000218; do
	when=2026-05-26T02:00:00Z
	[ "$code" = D2XX000218 ] && when=2026-06-04T02:00:00Z
	# Verified by signing both levels of the acceptance chain.
	DUBAN_NOW=$when d accept $code --level county --pass --opinion 县级初验合格 >/dev/null &&
		DUBAN_NOW=$when d accept $code --level city --pass --opinion 市级验收合格 >/dev/null || fail "$code verified"
done
ok $? "status changes recorded"

run d report
exit_is 0 "report exits 0"
golden month.txt
like "$out" "一、总体进展" "the first section"
like "$out" "七、群众信访举报件办理情况" "the last section"

run d report --format md
exit_is 0 "md exits 0"
golden month.md
like "$out" "| 排名 | 县（市、区）" "a pipe table"

run d report --format csv
exit_is 0 "csv exits 0"
golden month.csv

run d report --period week --county 西山县
exit_is 0 "a county's week"
golden week_xishan.txt
like "$out" "统计期间：2026-06-15 至 2026-06-15" "the week of a Monday is that day"
unlike "$out" "城关区人民政府" "other counties are left out"
like "$out" "二、各牵头单位进展" "with --county the ranking is by lead unit"
run d report --period week --county 西山县 --by county
like "$out" "二、各县（市、区）进展" "unless --by county asks for the county table"
run d report --period week
like "$out" "二、各县（市、区）进展" "without --county it is by county"

run d report --format html
exit_is 0 "html exits 0"
golden month.html

run d report --by unit
exit_is 0 "--by unit exits 0"
golden month_by_unit.txt
like "$out" "二、各牵头单位进展" "the section names the lead units"
# The unit table adds up to the whole ledger, as the county table does.
sum_col() {
	printf '%s\n' "$out" | sed -n "/^$1/,/^三、/p" | awk -v c="$2" '$1 ~ /^[0-9]+$/ { s += $c } END { print s + 0 }'
}
is "$(sum_col 二、 3)" "$(d list --format csv | sed 1d | wc -l | tr -d ' ')" "the units' tasks add up to the ledger"
run d report --by 单位 --format csv
like "$out" "各牵头单位进展" "--by 单位, and the CSV table is named for it"

# A bulletin for a filter: the items list selects, the scope under the title.
run d report --county 西山县 --category 大气 --status '!closed'
exit_is 0 "a filtered bulletin"
golden month_xishan_air.txt
like "$out" "　范围：西山县；领域：大气；状态：除已销号外" "the scope line names the filter"
n=$(d list --format csv --county 西山县 --category 大气 --status '!closed' | sed 1d | wc -l | tr -d ' ')
like "$out" "共有整改任务${n}项" "its task count is list's ($n)"
unlike "$out" "城关区人民政府" "other counties are left out"
run d report --unit 市生态环境局 --kind problem --by unit
exit_is 0 "--unit and --kind, by unit"
n=$(d list --format csv --unit 市生态环境局 --kind problem | sed 1d | wc -l | tr -d ' ')
like "$out" "共有整改任务${n}项" "the unit's problems ($n)"
like "$out" "共有信访举报件0件" "no complaints in a bulletin of problems"
run d report --search 采砂 --overdue --format md
exit_is 0 "--search and --overdue"
n=$(d list --format csv --search 采砂 --overdue | sed 1d | wc -l | tr -d ' ')
like "$out" "逾期未完成${n}项" "every item of it overdue ($n)"
run d report --status nonsense
exit_is 4 "a bad filter value is refused as list refuses it"
like "$err" "unknown status 'nonsense'" "and says which"
run d report --status closed --status '!closed'
exit_is 4 "filters that exclude everything"

# The format follows -o's extension unless --format says otherwise.
run d report -o "$tmp/通报.html"
exit_is 0 "-o x.html"
is "$out" "" "nothing on stdout"
is "$(head -n 1 "$tmp/通报.html")" "<!DOCTYPE html>" ".html writes HTML"
d report --format html >"$tmp/stdout.html"
cmp -s "$tmp/通报.html" "$tmp/stdout.html"
ok $? "the same page as --format html"
d report -o "$tmp/b.HTM" && cmp -s "$tmp/b.HTM" "$tmp/stdout.html"
ok $? ".HTM writes HTML too"
d report -o "$tmp/b.csv" && is "$(head -n 1 "$tmp/b.csv" | tr -d "\r")" "总体进展" ".csv writes CSV"
d report -o "$tmp/b.md" && is "$(head -n 1 "$tmp/b.md")" "# 生态环境保护督察整改工作进展通报" ".md writes Markdown"
d report -o "$tmp/b.txt" && is "$(head -n 1 "$tmp/b.txt")" "生态环境保护督察整改工作进展通报" ".txt writes text"
d report -o "$tmp/b.report" && is "$(head -n 1 "$tmp/b.report")" "生态环境保护督察整改工作进展通报" "another extension: text"
d report -o "$tmp/c.html" --format md && is "$(head -n 1 "$tmp/c.html")" "# 生态环境保护督察整改工作进展通报" "--format wins over the extension"
run d report -o "$tmp/no/such/dir/b.html"
exit_is 1 "an unwritable file"
like "$err" "cannot write $tmp/no/such/dir/b.html" "names it"

run d report --period quarter -o "$tmp/q.md" --format md
exit_is 0 "-o writes a file"
is "$out" "" "nothing on stdout with -o"
like "$(cat "$tmp/q.md")" "2026-04-01 至 2026-06-15" "the quarter so far"

run d report --from 2026-05-01 --to 2026-05-31
exit_is 0 "an explicit past month"
like "$out" "数据截至 2026-05-31" "figures as of its end"

run d report --from 2026-06-20 --to 2026-06-01
exit_is 2 "--from after --to is a usage error"
like "$err" "after --to" "and says so"
run d report --to 2026-06-01
exit_is 2 "--to alone is a usage error"
run d report --period week --from 2026-06-01
exit_is 2 "--period with --from is a usage error"
run d report --period year
exit_is 2 "an unknown period"
run d report --format pdf
exit_is 2 "an unknown format"
run d report --by township
exit_is 2 "an unknown grouping"
like "$err" "county or unit" "and the ones there are"
run d report --from 2026-13-01
exit_is 2 "a bad date"
run d report --help
exit_is 0 "--help"
like "$out" "Usage: duban report" "the help names the command"
like "$out" "--by GROUP" "the help has --by"
like "$out" "--due-before DATE" "and list's filters"

done_testing
