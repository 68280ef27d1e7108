#!/bin/sh
# Excel: export --format xlsx, import of .xlsx (round trip, --sheet, dry run,
# bad rows, an office's sheet saved by LibreOffice, files that are no
# workbook), and serial dates in CSV.
. "$(dirname "$0")/lib.sh"

data=$top_srcdir/tests/data
DB2=$tmp/second.db
d2() {
	"$DUBAN" --db "$DB2" "$@"
}
starts_pk() {
	[ "$(head -c 2 "$1")" = "PK" ]
}

# ---------------------------------------------------------------- round trip
d demo >/dev/null 2>&1
run d export --format xlsx -o "$tmp/demo.xlsx"
exit_is 0 "export --format xlsx exits 0"
starts_pk "$tmp/demo.xlsx"
ok $? "the export is a zip (an .xlsx workbook)"
ls "$tmp" | grep -q 'demo.xlsx\.'
[ $? -ne 0 ]; ok $? "no temporary file is left beside it"

run d2 import "$tmp/demo.xlsx"
exit_is 0 "the workbook imports into an empty ledger"
like "$out" "300 rows read (xlsx): 300 inserted, 0 updated, 0 unchanged, 0 bad" "all 300 items are read"
d export >"$tmp/one.csv"
d2 export >"$tmp/two.csv"
cmp -s "$tmp/one.csv" "$tmp/two.csv"
ok $? "xlsx export → import → csv export is byte-identical"
[ "$(wc -l <"$tmp/one.csv")" -gt 300 ]; ok $? "and the CSV has every item"

run d2 import "$tmp/demo.xlsx"
like "$out" "0 inserted, 0 updated, 300 unchanged" "importing the workbook again changes nothing"

# -o FILE.xlsx chooses the format; a pipe gets the workbook through a temp file.
d export -o "$tmp/by-name.xlsx"
starts_pk "$tmp/by-name.xlsx"
ok $? "-o FILE.xlsx writes a workbook without --format"
d export --format xlsx >"$tmp/piped.xlsx"
starts_pk "$tmp/piped.xlsx"
ok $? "a workbook can go down a pipe"
rm -f "$DB2"
run d2 import "$tmp/piped.xlsx"
like "$out" "300 inserted" "the piped workbook imports"

run d export --format xlsx -o "$tmp/no/such/dir/x.xlsx"
exit_is 5 "a workbook to an impossible path exits 5"
[ ! -e "$tmp/no/such/dir/x.xlsx" ]; ok $? "and leaves nothing"

# ---------------------------------------------------------------- sheets
n_complaints=$(grep -c '^[^,]*,complaint,' "$tmp/one.csv")
run d export --format xlsx --kind complaint -o "$tmp/complaints.xlsx"
exit_is 0 "a filtered xlsx export"
rm -f "$DB2"
run d2 import "$tmp/complaints.xlsx" --sheet 反馈问题
exit_is 3 "a sheet that is not there exits 3"
like "$err" 'has no sheet "反馈问题"; its sheets are: "信访件"' "the message lists the sheets there are"

run d2 import "$tmp/demo.xlsx" --sheet 信访件
exit_is 0 "--sheet picks one sheet by name"
like "$out" "$n_complaints rows read (xlsx): $n_complaints inserted" "only the complaints are read"
[ "$(d2 export | grep -c ',problem,')" = 0 ]; ok $? "no problem was imported from the complaints sheet"

rm -f "$DB2"
run d2 import "$tmp/demo.xlsx" --dry-run
exit_is 0 "a dry run of a workbook exits 0"
like "$out" "300 inserted" "the dry run counts"
like "$out" "dry run: nothing was written" "the dry run says so"
run d2 list
like "$out" "0 items" "the dry run wrote nothing"

# ---------------------------------------------------------------- bad rows
d2 add --code B-1 --title 原有的一行 >/dev/null
before=$(d2 export --format json)
run d2 import "$data/bad_rows.xlsx"
exit_is 6 "a workbook with bad rows exits 6"
like "$out" "row 3, 整改时限 (column C): cannot read '2026-13-01' as a date" "the bad date's row is named"
like "$out" "row 5, 整改进度 (column D): '120' is not a progress from 0 to 100" "the bad progress's row is named"
like "$err" "import rejected, 2 bad rows; nothing was written" "stderr says the import was rejected"
is "$(d2 export --format json)" "$before" "nothing was written, not even the good row"

# ---------------------------------------------------------------- an office's sheet
check_office_ledger() { # FILE WHAT
	rm -f "$DB2"
	run d2 import "$1"
	exit_is 0 "$2 imports"
	like "$out" "4 rows read (xlsx): 4 inserted" "$2: the four items, not the title, header, 合计 or remark rows"
	like "$out" "note: row 9 skipped: one text across the row" "$2: the merged remark row is skipped"
	like "$out" "note: sheet 填报说明 skipped" "$2: the sheet of notes is skipped"
	run d2 show D1-001
	like "$out" "城关区餐饮油烟扰民问题" "$2: the title under a two-row header"
	like "$out" "Lead unit                 城关区人民政府" "$2: 牵头单位 under the merged 责任单位"
	like "$out" "Co-operating units        市生态环境局、市市场监管局" "$2: 配合单位 under the merged 责任单位"
	like "$out" "Deadline                  2026-06-30" "$2: a date cell (年月日 format)"
	like "$out" "Progress                  40" "$2: a number cell"
	run d2 show D1-004
	like "$out" "Deadline                  2026-06-15" "$2: a date that lost its format (46188)"
	like "$out" "Status                    closed" "$2: 已销号"
	run d2 show D1-003
	like "$out" "ongoing" "$2: 长期坚持"
	# ids are new on every import: compare the rest
	d2 export | cut -d, -f2- >"$tmp/office-$3.csv"
}
check_office_ledger "$data/ledger_office.xlsx" "the committed LibreOffice workbook" committed

if command -v soffice >/dev/null 2>&1; then
	mkdir -p "$tmp/lo"
	timeout 120 soffice --headless "-env:UserInstallation=file://$tmp/lo-profile" \
		--convert-to xlsx --outdir "$tmp/lo" "$data/ledger_office.fods" >/dev/null 2>&1
	if [ -f "$tmp/lo/ledger_office.xlsx" ]; then
		check_office_ledger "$tmp/lo/ledger_office.xlsx" "a fresh LibreOffice conversion" fresh
		cmp -s "$tmp/office-committed.csv" "$tmp/office-fresh.csv"
		ok $? "the fresh conversion gives the same ledger as the committed one"
	else
		fail "soffice converts ledger_office.fods"
	fi
else
	skip "soffice is not installed: the .fods is not converted afresh"
fi

# ---------------------------------------------------------------- not workbooks
run d2 import "$data/bad_rows.ods"
exit_is 4 "an .ods (a zip that is no workbook) is refused with exit 4"
like "$err" "OpenDocument spreadsheet (.ods), not an Excel workbook" "the message says what it is"

head -c 2000 "$tmp/demo.xlsx" >"$tmp/cut.xlsx"
run d2 import "$tmp/cut.xlsx"
exit_is 4 "a truncated workbook is refused with exit 4"
like "$err" "cut.xlsx is not an Excel workbook (.xlsx) or is damaged" "the message says it is damaged"

printf '\320\317\021\340\241\261\032\341' >"$tmp/old.xls"
head -c 600 /dev/zero >>"$tmp/old.xls"
run d2 import "$tmp/old.xls"
exit_is 4 "an old .xls is refused with exit 4"
like "$err" "old Excel .xls file" "the message says to save it as .xlsx"

# ---------------------------------------------------------------- serial dates in CSV
printf '%s\n' '受理编号,问题名称,开始日期,整改时限' 'S-1,序列号日期,46023,46188' 'S-2,带小数,46023.5,2026-07-01' >"$tmp/serial.csv"
rm -f "$DB2"
run d2 import "$tmp/serial.csv"
exit_is 0 "a CSV with serial dates imports"
run d2 show S-1
like "$out" "Deadline                  2026-06-15" "a CSV deadline of 46188 is 2026-06-15"
like "$out" "Start                     2026-01-01" "a CSV start of 46023 is 2026-01-01"
run d2 show S-2
like "$out" "Start                     2026-01-01" "a serial with a time of day"

run d import --help
like "$out" "--sheet NAME" "import --help names --sheet"
run d export --help
like "$out" "csv (default), json, or xlsx" "export --help names xlsx"

done_testing
