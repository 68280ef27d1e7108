#!/bin/sh
# duban dispatch export NAME --template FILE.xlsx [-o OUT.xlsx]: a
# superior's template (a title row, a header row with the import's headers,
# the round's own columns, a bare 状态, an unknown header and a blank
# column, a second sheet) filled with one row per member; the workbook read
# back cell by cell against `dispatch show` and `show --format json`; the
# unknown header reported once on stderr; errors.
. "$(dirname "$0")/lib.sh"

make_ledger || exit 1
d dispatch open 2026-06 --due 2026-06-20 --title 六月调度 >/dev/null
ok $? "a round over the five items"
d dispatch submit 2026-06 FK-001 --progress 50 --text 已安装油烟净化器 >/dev/null &&
	d dispatch submit 2026-06 FK-001 --progress 70 --text 油烟在线监测已联网 >/dev/null &&
	env DUBAN_TODAY=2026-06-25 "$DUBAN" --db "$DB" dispatch submit 2026-06 FK-002 --progress 20 --text 正在拆除砖窑 >/dev/null &&
	d dispatch submit 2026-06 FK-003 --progress 100 --text 排污口已封堵 >/dev/null
ok $? "three members submitted, one late, one twice"

# The template: written as a minimal workbook with inline strings, the way
# a superior's office would send one (a title row above the header).
# make_template FILE KIND: a workbook whose first sheet is KIND (one: a
# title and a header row; two: a header of two rows, a group title merged
# over two columns) and a second sheet of notes.
make_template() {
	python3 - "$1" "$2" <<'PY'
import sys, zipfile
from xml.sax.saxutils import escape

def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s

def sheet(rows, merges=()):
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, cells in enumerate(rows, 1):
        out.append('<row r="%d">' % r)
        for c, v in enumerate(cells):
            if v:
                out.append('<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col(c), r, escape(v)))
        out.append('</row>')
    out.append('</sheetData>')
    if merges:
        out.append('<mergeCells count="%d">' % len(merges))
        out.extend('<mergeCell ref="%s"/>' % m for m in merges)
        out.append('</mergeCells>')
    out.append('</worksheet>')
    return "".join(out)

merges = ()
if sys.argv[2] == "two":
    # 序号 and 问题编号 merged over both rows, 完成情况 over two columns.
    first = [["序号", "问题编号", "完成情况", ""],
             ["", "", "报送进展", "完成百分比"]]
    merges = ("A1:A2", "B1:B2", "C1:D1")
else:
  first = [["X市突出生态环境问题整改调度表"],
           ["序号", "问题编号", "问题名称", "县（市、区）", "牵头单位", "整改时限", "状态", "报送进展",
            "完成百分比", "报送日期", "报送人", "报送状态", "", "备注（签字）"]]
second = [["填表说明"], ["1. 每月20日前报送"]]
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="调度表" sheetId="1" r:id="rId1"/><sheet name="说明" sheetId="2" r:id="rId2"/></sheets></workbook>')
z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>')
z.writestr("xl/worksheets/sheet1.xml", sheet(first, merges))
z.writestr("xl/worksheets/sheet2.xml", sheet(second))
z.close()
PY
}
make_template "$tmp/template.xlsx" one
ok $? "a template workbook"

# read_book FILE: every row of the first sheet, cells joined by |, dates
# (serials in a date column) as YYYY-MM-DD.
read_book() {
	python3 - "$1" <<'PY'
import datetime, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
shared = []
if "xl/sharedStrings.xml" in names:
    shared = [re.sub(r"<[^>]+>", "", si) for si in
              re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
wb = z.read("xl/workbook.xml").decode()
print("sheets:", ",".join(re.findall(r'<sheet name="([^"]*)"', wb)))
sheet = z.read("xl/worksheets/sheet1.xml").decode()
def colno(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1
for row in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
    cells = {}
    for attrs, body in re.findall(r"<c([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
        ref = re.search(r'r="([A-Z]+)\d+"', attrs).group(1)
        v = re.search(r"<v>(.*?)</v>", body or "")
        t = re.search(r'\bt="(\w+)"', attrs)
        s = re.search(r'\bs="(\d+)"', attrs)
        if v is None:
            text = re.sub(r"<[^>]+>", "", body or "")
        elif t and t.group(1) == "s":
            text = shared[int(v.group(1))]
        else:
            text = v.group(1)
            # A number styled as a date: the writer's dates are serials.
            if s and re.fullmatch(r"4\d{4}", text):
                text = "date:" + (datetime.date(1899, 12, 30) + datetime.timedelta(int(text))).isoformat()
        cells[colno(ref)] = text
    width = max(cells) + 1 if cells else 0
    print("|".join(cells.get(i, "") for i in range(width)))
PY
}

# ---------------------------------------------------------------- export
run d dispatch export 2026-06 --template "$tmp/template.xlsx" -o "$tmp/out.xlsx"
exit_is 0 "export exits 0"
is "$out" "wrote $tmp/out.xlsx: 5 items of dispatch round 2026-06" "... and says how many rows"
is "$err" "duban: note: template columns left blank (unknown headers): 备注（签字）" \
	"the unknown header is reported once on stderr"
[ "$(head -c 2 "$tmp/out.xlsx")" = PK ]
ok $? "the output is a workbook"
book=$(read_book "$tmp/out.xlsx")
diag "$book"
is "$(printf '%s\n' "$book" | sed -n 1p)" "sheets: 调度表" \
	"one sheet, the template's first, under its name (the writer makes fresh workbooks)"
is "$(printf '%s\n' "$book" | sed -n 2p | sed 's/|*$//')" "X市突出生态环境问题整改调度表" "the template's title row"
is "$(printf '%s\n' "$book" | sed -n 3p)" \
	"序号|问题编号|问题名称|县（市、区）|牵头单位|整改时限|状态|报送进展|完成百分比|报送日期|报送人|报送状态||备注（签字）" \
	"the template's header row, in its order, blank column included"
is "$(printf '%s\n' "$book" | sed -n '4,$p' | cut -d'|' -f1,2 | tr '\n' ' ')" \
	"1|FK-001 2|FK-002 3|FK-003 4|FK-004 5|XF-001 " "one row per member, by code, numbered"

# Each member's cells against the CLI: the item (show --format json) and the
# latest submission (dispatch show).
show=$(d dispatch show 2026-06)
check_row() { # CODE ROW
	code=$1 row=$2
	json=$(d show "$code" --format json)
	cell() { printf '%s\n' "$row" | cut -d'|' -f"$1"; }
	is "$(cell 3)" "$(printf '%s' "$json" | jq -r .item.title)" "$code: 问题名称 is the item's title"
	is "$(cell 4)" "$(printf '%s' "$json" | jq -r .item.county)" "$code: 县（市、区） is its county"
	is "$(cell 5)" "$(printf '%s' "$json" | jq -r .item.lead_unit)" "$code: 牵头单位 is its lead unit"
	deadline=$(printf '%s' "$json" | jq -r '.item.deadline // ""')
	if [ -n "$deadline" ]; then
		is "$(cell 6)" "date:$deadline" "$code: 整改时限 is its deadline, as a date"
	fi
	line=$(printf '%s\n' "$show" | grep " $code ")
	case $line in
	*missing*)
		is "$(cell 8)|$(cell 9)|$(cell 10)|$(cell 11)|$(cell 12)" "||||未报送" "$code: no submission, 未报送" ;;
	*)
		# "  FK-001  城关区  on time  2026-06-15 70%  tester@local: 油烟在线监测已联网"
		date=$(printf '%s\n' "$line" | grep -o '20[0-9-]\{8\} [0-9]*%' | cut -d' ' -f1)
		pct=$(printf '%s\n' "$line" | grep -o ' [0-9]*%' | tr -d ' %')
		who=$(printf '%s\n' "$line" | sed 's/.*% *\([^:]*\): .*/\1/')
		text=$(printf '%s\n' "$line" | sed 's/^[^:]*: //')
		is "$(cell 8)" "$text" "$code: 报送进展 is the latest submission's text"
		is "$(cell 9)" "$pct" "$code: 完成百分比 its progress, a number"
		is "$(cell 10)" "date:$date" "$code: 报送日期 its date"
		is "$(cell 11)" "$who" "$code: 报送人 who submitted"
		case $line in
		+*) is "$(cell 12)" 逾期报送 "$code: 报送状态 逾期报送" ;;
		*) is "$(cell 12)" 按时报送 "$code: 报送状态 按时报送" ;;
		esac ;;
	esac
	is "$(cell 13)|$(cell 14)" "|" "$code: the blank and the unknown column stay empty"
}
n=4
for code in FK-001 FK-002 FK-003 FK-004 XF-001; do
	check_row "$code" "$(printf '%s\n' "$book" | sed -n "${n}p")"
	n=$((n + 1))
done
is "$(printf '%s\n' "$book" | sed -n 4p | cut -d'|' -f7)" 尚未启动 \
	"a bare 状态 is the item's status (not_started), as import reads it, in Chinese"

# ---------------------------------------------------------------- two header rows
make_template "$tmp/two.xlsx" two
run d dispatch export 2026-06 --template "$tmp/two.xlsx" -o "$tmp/two-out.xlsx"
exit_is 0 "a template with a header of two rows"
is "$err" "" "... every column known: nothing on stderr"
book=$(read_book "$tmp/two-out.xlsx")
is "$(printf '%s\n' "$book" | sed -n 2p)" "序号|问题编号|报送进展|完成百分比" \
	"the columns named by the lower row under the merged group title"
is "$(printf '%s\n' "$book" | sed -n 3p)" "1|FK-001|油烟在线监测已联网|70" "... and filled"

# ---------------------------------------------------------------- defaults, errors
cd "$tmp" || exit 1
run d dispatch export 2026-06 --template template.xlsx
exit_is 0 "without -o"
is "$out" "wrote 2026-06.xlsx: 5 items of dispatch round 2026-06" "... the file is NAME.xlsx"
[ -s "$tmp/2026-06.xlsx" ]; ok $? "... in the current directory"
cd - >/dev/null || exit 1
run d dispatch export 2026-06 -o "$tmp/x.xlsx"
exit_is 2 "export without --template is a usage error"
like "$err" "needs --template FILE.xlsx" "... that says so"
run d dispatch export 2026-07 --template "$tmp/template.xlsx" -o "$tmp/x.xlsx"
exit_is 3 "an unknown round is not found"
[ ! -e "$tmp/x.xlsx" ]; ok $? "... and nothing is written"
printf 'a,b\n' >"$tmp/not.xlsx"
run d dispatch export 2026-06 --template "$tmp/not.xlsx" -o "$tmp/x.xlsx"
exit_is 5 "a template that is no workbook is a file error"
[ ! -e "$tmp/x.xlsx" ]; ok $? "... and nothing is written"
# A workbook without a header row that duban knows.
d dispatch status 2026-06 --format xlsx -o "$tmp/status.xlsx" >/dev/null
run d dispatch export 2026-06 --template "$tmp/status.xlsx" -o "$tmp/x.xlsx"
exit_is 5 "a template without a known header row is a file error"
like "$err" "no header row" "... and says so"
run d dispatch export 2026-06 --template "$tmp/template.xlsx" -o -
exit_is 2 "-o - is a usage error (a workbook is a file)"
cp "$tmp/template.xlsx" "$tmp/keep.xlsx"
run d dispatch export 2026-06 --template "$tmp/template.xlsx" -o "$tmp/template.xlsx"
exit_is 2 "the template as the output is refused"
cmp -s "$tmp/template.xlsx" "$tmp/keep.xlsx"
ok $? "... and the template is left as it was"
run d dispatch export 2026-06 --template "$tmp/template.xlsx" --progress 5
exit_is 2 "export refuses submit's options"

done_testing
