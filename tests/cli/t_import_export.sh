#!/bin/sh
# import (UTF-8, GBK, dry run, bad rows) and export (csv, json, bom, -o), round trips.
. "$(dirname "$0")/lib.sh"

snapshot() {
	d export --format json
}

printf '%s\n' \
	'受理编号,问题名称,行政区域,牵头单位,整改时限,整改状态,整改进度' \
	'D1-001,城关区餐饮油烟扰民,城关区,城关区人民政府,2026-06-30,整改中,40%' \
	'D1-002,"北岭县砖瓦窑,无组织排放",北岭县,市生态环境局,2026年12月底,尚未启动,0' \
	'D1-003,"河道""清四乱""专项行动",临江市,临江市水务局,长期坚持,整改中,' >"$tmp/a.csv"

run d import "$tmp/a.csv" --dry-run
exit_is 0 "a dry run exits 0"
like "$out" "3 rows read (UTF-8): 3 inserted, 0 updated, 0 unchanged, 0 bad" "the dry run counts"
like "$out" "dry run: nothing was written" "the dry run says so"
run d list
like "$out" "0 items" "the dry run wrote nothing"

run d import "$tmp/a.csv"
exit_is 0 "import exits 0"
like "$out" "3 inserted" "the import inserts the rows"
run d list --sort code
like "$out" "3 items" "three items are listed"
like "$out" "北岭县砖瓦窑,无组织排放" "a quoted comma survives"
like "$out" "河道\"清四乱\"专项行动" "doubled quotes survive"
run d show D1-002
like "$out" "Deadline                  2026-12-31" "a Chinese month-end date is read"
run d show D1-001
like "$out" "Status                    in progress" "the sheet's status is read"
like "$out" "Progress                  40" "40% is read as 40"

run d import "$tmp/a.csv"
like "$out" "0 inserted, 0 updated, 3 unchanged" "a second import changes nothing"

# An updated sheet updates field by field, with history.
sed 's/城关区人民政府,2026-06-30/市生态环境局,2026-07-31/' "$tmp/a.csv" >"$tmp/a2.csv"
run d import "$tmp/a2.csv"
like "$out" "0 inserted, 1 updated, 2 unchanged" "a changed row updates its item"
run d show D1-001
like "$out" "Lead unit: 城关区人民政府 → 市生态环境局" "the update is in the history"

# GBK, the encoding of sheets saved by Excel on Chinese Windows.
if printf '测试' | iconv -f UTF-8 -t GBK >/dev/null 2>&1; then
	printf '%s\n' '受理编号,问题名称,行政区域,整改时限' \
		'G-001,东川县矿山生态修复,东川县,2026-10-31' \
		'G-002,南河县采砂场扬尘,南河县,2026年9月' | iconv -f UTF-8 -t GBK >"$tmp/gbk.csv"
	run d import "$tmp/gbk.csv"
	exit_is 0 "a GBK sheet is imported"
	like "$out" "(GB18030)" "the encoding is reported"
	run d show G-001
	like "$out" "东川县矿山生态修复" "the GBK title reads as Chinese"
	run d list --search 扬尘
	like "$out" "G-002" "a GBK item is found by search"
else
	skip "iconv has no GBK"
	skip "iconv has no GBK"
	skip "iconv has no GBK"
	skip "iconv has no GBK"
fi

# Bad rows: every one is listed with its line, nothing is written, exit 6.
printf '%s\n' '受理编号,问题名称,整改时限,整改进度' \
	'B-1,好的一行,2026-01-01,10' \
	'B-2,日期错误,2026-13-01,10' \
	'B-3,进度错误,2026-01-01,120' >"$tmp/bad.csv"
before=$(snapshot)
run d import "$tmp/bad.csv" --dry-run
exit_is 6 "a dry run with bad rows exits 6"
like "$out" "line 3, 整改时限 (column C): cannot read '2026-13-01' as a date" "the bad date's line, header and column are named"
like "$out" "line 4, 整改进度 (column D): '120' is not a progress from 0 to 100" "the bad progress's line, header and column are named"
like "$out" "2 bad" "the bad rows are counted"
like "$err" "import rejected" "stderr says the import was rejected"
run d import "$tmp/bad.csv"
exit_is 6 "an import with bad rows exits 6"
is "$(snapshot)" "$before" "nothing was written by a rejected import"
run d show B-1
exit_is 3 "not even the good row"

run d import "$tmp/missing.csv"
exit_is 5 "a missing file exits 5"
like "$err" "missing.csv" "the missing file is named"
run d import
exit_is 2 "import without a file exits 2"

# Export: csv with Chinese headers, json, bom, -o, filters.
run d export
exit_is 0 "export exits 0"
like "$(printf '%s\n' "$out" | sed -n 1p)" "受理编号" "csv headers are the Chinese labels"
is "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" "5" "a line per item"
run d export --county 城关区
is "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" "1" "export takes list's filters"
run d export --status 整改中 --format json
if command -v python3 >/dev/null 2>&1; then
	is "$(printf '%s\n' "$out" | python3 -c 'import json,sys; print(sorted(i["code"] for i in json.load(sys.stdin)))')" \
		"['D1-001', 'D1-003']" "json export parses back"
else
	like "$out" '"D1-003"' "json export has the items"
fi
d export --bom -o "$tmp/bom.csv"
is "$(head -c 3 "$tmp/bom.csv" | od -An -tx1 | tr -d ' ')" "efbbbf" "--bom writes the UTF-8 byte order mark"
run d export -o "$tmp/nodir/x.csv"
exit_is 5 "export to an impossible path exits 5"
ls "$tmp" | grep -q 'x.csv'
[ $? -ne 0 ]; ok $? "no partial file is left behind"
run d export --format ods
exit_is 2 "an unknown export format exits 2"

# Round trips: export → import into an empty ledger → export is identical.
d export -o "$tmp/one.csv"
"$DUBAN" --db "$tmp/two.db" import "$tmp/one.csv" >/dev/null
ok $? "the export imports into an empty ledger"
"$DUBAN" --db "$tmp/two.db" export -o "$tmp/two.csv"
cmp -s "$tmp/one.csv" "$tmp/two.csv"
ok $? "csv export → import → export is byte-identical"
"$DUBAN" --db "$tmp/two.db" import "$tmp/bom.csv" >"$tmp/.o" 2>&1
like "$(cat "$tmp/.o")" "5 unchanged" "a BOM export imports as unchanged"

d export --format json -o "$tmp/one.json"
"$DUBAN" --db "$tmp/three.db" import "$tmp/one.json" >/dev/null
ok $? "the json export imports into an empty ledger"
"$DUBAN" --db "$tmp/three.db" export --format json -o "$tmp/three.json"
grep -v '"updated_at"\|"created_at"' "$tmp/one.json" >"$tmp/one.cmp"
grep -v '"updated_at"\|"created_at"' "$tmp/three.json" >"$tmp/three.cmp"
cmp -s "$tmp/one.cmp" "$tmp/three.cmp"
ok $? "json export → import → export is identical (but for timestamps)"

# A text a spreadsheet would run as a formula is written with an apostrophe
# in front, and the apostrophe goes again on import.
f4="$tmp/formula.db"
"$DUBAN" --db "$f4" add --code FM-001 --title '=HYPERLINK("http://evil.example","点击")' --county 城关区 \
	--lead-unit '@SUM(1+1)' --deadline 2026-12-31 >/dev/null
"$DUBAN" --db "$f4" export -o "$tmp/formula.csv"
like "$(cat "$tmp/formula.csv")" "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点击\"\")\"" \
	"a formula-like title is written with an apostrophe"
like "$(cat "$tmp/formula.csv")" "\"'@SUM(1+1)\"" "so is an @ cell"
grep -q ',=\|,@\|^=' "$tmp/formula.csv"
[ $? -ne 0 ]; ok $? "no cell of the file starts with = or @"
"$DUBAN" --db "$tmp/formula2.db" import "$tmp/formula.csv" >/dev/null
is "$("$DUBAN" --db "$tmp/formula2.db" show FM-001 --format json | jq -r '.item.title + "|" + .item.lead_unit')" \
	'=HYPERLINK("http://evil.example","点击")|@SUM(1+1)' "the import gives back the texts without the apostrophe"
"$DUBAN" --db "$tmp/formula2.db" export -o "$tmp/formula2.csv"
cmp -s "$tmp/formula.csv" "$tmp/formula2.csv"
ok $? "and the round trip is byte-identical"

# A demo ledger round-trips too.
"$DUBAN" --db "$tmp/demo.db" demo --items 120 --seed 5 >/dev/null
"$DUBAN" --db "$tmp/demo.db" export -o "$tmp/demo1.csv"
"$DUBAN" --db "$tmp/demo2.db" import "$tmp/demo1.csv" >/dev/null
"$DUBAN" --db "$tmp/demo2.db" export -o "$tmp/demo2.csv"
cmp -s "$tmp/demo1.csv" "$tmp/demo2.csv"
ok $? "a demo ledger export round-trips byte-identically"

done_testing
