#!/bin/sh
# report: the bulletin on the demo ledger, as text, Markdown and CSV, against
# golden files (UPDATE_GOLDEN=1 rewrites them), periods and usage errors.
. "$(dirname "$0")/lib.sh"

GOLDEN=$top_srcdir/tests/data/report

# golden NAME: compares $out with tests/data/report/NAME.
golden() {
	if [ -n "$UPDATE_GOLDEN" ]; then
		printf '%s\n' "$out" >"$GOLDEN/$1"
		pass "$1 rewritten"
		return
	fi
	printf '%s\n' "$out" >"$tmp/$1"
	if diff -u "$GOLDEN/$1" "$tmp/$1" >"$tmp/.diff"; then
		pass "$1 matches its golden file"
	else
		fail "$1 matches its golden file"
		sed 's/^/# /' "$tmp/.diff" | head -40
	fi
}

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
	DUBAN_NOW=$when d status $code 已验收 >/dev/null || fail "$code verified"
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
run d report --format html
exit_is 2 "an unknown format"
run d report --from 2026-13-01
exit_is 2 "a bad date"
run d report --help
exit_is 0 "--help"
like "$out" "Usage: duban report" "the help names the command"

done_testing
