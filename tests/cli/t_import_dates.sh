#!/bin/sh
# Dates are read exactly or refused (issue 11): a deadline whose date does not
# exist as written makes the whole import fail, naming the file's own header
# and the spreadsheet column; CSV and .xlsx alike; the date forms offices
# write in free text keep working; every other entry point is as strict.
. "$(dirname "$0")/lib.sh"

data=$top_srcdir/tests/data

snapshot() {
	d export --format json
}

# deadline_of CODE: the item's deadline as stored (YYYY-MM-DD or empty).
deadline_of() {
	d show "$1" --format json | sed -n 's/^[[:space:]]*"deadline":[[:space:]]*"\([^"]*\)",$/\1/p' | head -n 1
}

# csv_with DEADLINE: a sheet as offices publish it: a title line, the header
# on line 2 with 整改时限 in column I, two good rows, DEADLINE on line 5.
csv_with() {
	printf '%s\n' '督察反馈问题整改台账' \
		'序号,编号,问题名称,县（市、区）,责任单位,责任领导,整改目标,整改措施,整改时限,整改进度' \
		'1,A-1,问题A-1,城关区,生态环境局,张三,达标,整改,2022-06-30,10' \
		'2,A-2,问题A-2,城关区,生态环境局,张三,达标,整改,"立行立改，2022年6月底前",10' \
		"3,A-3,问题A-3,城关区,生态环境局,张三,达标,整改,\"$1\",10" >"$tmp/sheet.csv"
}

# The five misreadings of the issue, each once in CSV and once in a workbook.
d import "$data/problems.csv" >/dev/null
before=$(snapshot)
n=0
for bad in 2022/02/30 2022-02-29 2022年2月30日 2022年13月45日 2022年13月底; do
	n=$((n + 1))
	csv_with "$bad"
	run d import "$tmp/sheet.csv"
	exit_is 6 "CSV: '$bad' fails the import"
	is "$(printf '%s\n' "$out" | sed -n 2p)" "  line 5, 整改时限 (column I): cannot read '$bad' as a date" \
		"CSV: '$bad' is named with the header and column letter"
	like "$out" "0 inserted, 0 updated, 0 unchanged, 1 bad" "CSV: '$bad' is one bad row"
	is "$(snapshot)" "$before" "CSV: '$bad': nothing was written, not even the good rows"

	run d import "$data/bad_dates.xlsx" --sheet "bad$n"
	exit_is 6 "xlsx: '$bad' fails the import"
	is "$(printf '%s\n' "$out" | sed -n 2p)" "  row 5, 整改时限 (column I): cannot read '$bad' as a date" \
		"xlsx: '$bad' is named with the header and column letter"
	is "$(snapshot)" "$before" "xlsx: '$bad': nothing was written"
done

# A date cell whose serial is no plausible ledger date (1999-12-31) is refused.
run d import "$data/bad_dates.xlsx" --sheet serial
exit_is 6 "xlsx: a date cell before 2000 fails the import"
like "$out" "row 5, 整改时限 (column I): cannot read '36525' as a date" "the serial is shown as it is"
# A serial written as text outside 2000..2100 is no date either.
csv_with 36525
run d import "$tmp/sheet.csv"
exit_is 6 "CSV: serial text 36525 (1999-12-31) is refused"
csv_with 73416
run d import "$tmp/sheet.csv"
exit_is 6 "CSV: serial text 73416 (2101-01-01) is refused"
csv_with 73415
run d import "$tmp/sheet.csv"
exit_is 0 "CSV: serial text 73415 (2100-12-31) is a date"
is "$(deadline_of A-3)" "2100-12-31" "and reads as 2100-12-31"

# The whole workbook: every bad sheet named, nothing written.
run d import "$data/bad_dates.xlsx"
exit_is 6 "the whole workbook fails"
like "$out" "sheet bad4, row 5, 整改时限 (column I): cannot read '2022年13月45日' as a date" \
	"a workbook of several sheets names the sheet too"
like "$out" "6 bad" "six bad rows"
unlike "$(d list)" "G-1" "not even the good sheet was written"

# The forms that must keep working, in free text too.
run d import "$data/bad_dates.xlsx" --sheet good
exit_is 0 "the good sheet imports"
is "$(deadline_of G-1)" "2022-06-30" "xlsx: 2022年6月底"
is "$(deadline_of G-2)" "2022-12-31" "xlsx: 2022年底以前"
is "$(deadline_of G-3)" "2023-06-30" "xlsx: the latest of two dates in free text"

check_good() {
	csv_with "$1"
	run d import "$tmp/sheet.csv"
	exit_is 0 "CSV: '$1' is read"
	is "$(deadline_of A-3)" "$2" "CSV: '$1' is $2"
}
check_good '2022年6月末' 2022-06-30
check_good '2024年2月底前' 2024-02-29
check_good '２０２２／０６／３０' 2022-06-30
check_good '46188' 2026-06-15
check_good '立行立改，3家企业，1.5万元，3年内，2022年9月30日前完成' 2022-09-30
check_good '2022年6月底前完成整改，2022年12月31日前巩固提升' 2022-12-31
csv_with '长期坚持，3年内，1.5万元'
run d import "$tmp/sheet.csv"
exit_is 0 "CSV: numbers that are no dates leave an ongoing deadline alone"
is "$(d show A-3 | sed -n 's/^Deadline kind  *//p')/$(deadline_of A-3)" "ongoing/" "and it is ongoing without a date"
csv_with '立行立改，2022年6月底前，9月底前全部完成'
run d import "$tmp/sheet.csv"
exit_is 6 "CSV: a month without its year is refused, not guessed"
csv_with '2022年前'
run d import "$tmp/sheet.csv"
exit_is 6 "CSV: 2022年前 (before 2022) is not read as the end of 2022"

# Other field errors name the header and column letter too.
printf '%s\n' '编号,问题名称,类型,整改进度,开始日期,整改时限' \
	'K-1,类型错误,某类,10,,' \
	'K-2,进度错误,problem,150,,' \
	'K-3,开始晚于时限,problem,10,2022-07-01,2022-06-30' \
	'K-4,开始日期,problem,10,2022年13月1日,' >"$tmp/fields.csv"
run d import "$tmp/fields.csv"
exit_is 6 "bad fields fail the import"
is "$(printf '%s\n' "$out" | sed 1d)" "  line 2, 类型 (column C): unknown kind '某类'
  line 3, 整改进度 (column D): '150' is not a progress from 0 to 100
  line 4, 整改时限 (column F): the deadline 2022-06-30 is before the start 2022-07-01
  line 5, 开始日期 (column E): cannot read '2022年13月1日' as a date" "each names its header and column"

# In Chinese.
gmo=
for f in "$top_builddir/po/zh_CN.gmo" "$top_srcdir/po/zh_CN.gmo"; do
	[ -f "$f" ] && gmo=$f && break
done
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\{0,1\}8$' && [ -n "$gmo" ]; then
	mkdir -p "$tmp/locale/zh_CN/LC_MESSAGES"
	cp "$gmo" "$tmp/locale/zh_CN/LC_MESSAGES/duban.mo"
	csv_with 2022年13月45日
	run env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 DUBAN_LOCALEDIR="$tmp/locale" "$DUBAN" --db "$DB" import "$tmp/sheet.csv"
	is "$(printf '%s\n' "$out" | sed -n 2p)" "  第 5 行，整改时限（I 列）：无法将“2022年13月45日”识别为日期" "the message in Chinese"
	run env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 DUBAN_LOCALEDIR="$tmp/locale" "$DUBAN" --db "$DB" import "$data/bad_dates.xlsx"
	like "$out" "工作表“bad5”第 5 行，整改时限（I 列）：无法将“2022年13月底”识别为日期" "a workbook's message in Chinese"
else
	skip "zh_CN.UTF-8 locale or po/zh_CN.gmo missing"
	skip "zh_CN.UTF-8 locale or po/zh_CN.gmo missing"
fi

# Every other entry point reads dates with the same strict parser.
run d add --code S-1 --title 严格 --deadline 2022/02/30
exit_is 4 "add --deadline 2022/02/30 is refused"
d add --code S-1 --title 严格 --deadline 2022年6月底 >/dev/null
is "$(deadline_of S-1)" "2022-06-30" "add --deadline 2022年6月底"
run d edit S-1 --set deadline=2022年13月底
exit_is 4 "edit --set deadline=2022年13月底 is refused"
is "$(deadline_of S-1)" "2022-06-30" "and the deadline is as it was"
run d list --due-before 2022-02-29
exit_is 4 "list --due-before 2022-02-29 is refused"
like "$err" "2022-02-29" "naming the date"
run d overdue --date 2022年2月30日
exit_is 4 "overdue with an impossible date is refused"
run env DUBAN_TODAY=2022-02-30 "$DUBAN" --db "$DB" list --overdue
exit_is 0 "an impossible DUBAN_TODAY is ignored"
like "$out" "S-1" "today is the clock's (S-1 of 2022-06-30 is overdue), not a clamped 2022-02-28"

done_testing
