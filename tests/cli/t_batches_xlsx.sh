#!/bin/sh
# report --batches --format xlsx: the workbook read back with Python's
# zipfile (no spreadsheet library): one sheet, the title row, then every row
# and cell of the CSV form, figures stored as numbers; the format taken from
# -o *.xlsx; refused for the terminal; nothing left behind when it cannot
# be written.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi
d demo --items 600 --seed 15 >/dev/null 2>&1
ok $? "the demo ledger is made"
d report --batches --format csv >"$tmp/b.csv"
ok $? "the CSV form"

# sheet FILE: the workbook's cells as CSV (title row first), and a line
# "numbers N" counting the numeric cells, to stdout.
sheet() {
	python3 - "$1" <<'PY'
import csv, re, sys, zipfile
import xml.etree.ElementTree as ET
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
sheets = sorted(n for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
wb = ET.fromstring(z.read("xl/workbook.xml"))
titles = [s.get("name") for s in wb.find("m:sheets", ns)]
shared = []
if "xl/sharedStrings.xml" in names:
    for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
        shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
def col(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1
rows, numbers = [], 0
for r in ET.fromstring(z.read(sheets[0])).iter("{%s}row" % ns["m"]):
    cells = {}
    for c in r.findall("m:c", ns):
        v = c.find("m:v", ns)
        t = c.get("t")
        if t == "s":
            cells[col(c.get("r"))] = shared[int(v.text)]
        elif t == "inlineStr":
            cells[col(c.get("r"))] = "".join(x.text or "" for x in c.iter("{%s}t" % ns["m"]))
        elif v is not None:
            numbers += 1
            f = float(v.text)
            cells[col(c.get("r"))] = str(int(f)) if f == int(f) else str(f)
    width = max(cells) + 1 if cells else 0
    rows.append([cells.get(i, "") for i in range(width)])
print("sheets %d %s" % (len(sheets), ",".join(titles)))
w = csv.writer(sys.stdout, lineterminator="\n")
for r in rows:
    w.writerow(r)
print("numbers %d" % numbers)
PY
}

run d report --batches --format xlsx -o "$tmp/b.xlsx"
exit_is 0 "report --batches --format xlsx -o b.xlsx"
is "$out$err" "" "silent"
is "$(od -An -c -N2 "$tmp/b.xlsx" | tr -d ' ')" "PK" "a zip file"
sheet "$tmp/b.xlsx" >"$tmp/sheet.txt"
ok $? "Python reads the workbook back"
is "$(sed -n 1p "$tmp/sheet.txt")" "sheets 1 批次统计" "one sheet, 批次统计"
is "$(sed -n 2p "$tmp/sheet.txt")" "群众信访举报件分批次办理情况统计表" "the title row first"
tr -d '\r' <"$tmp/b.csv" >"$tmp/want.csv"
sed -e 1,2d -e '$d' "$tmp/sheet.txt" >"$tmp/got.csv"
rows=$(wc -l <"$tmp/want.csv" | tr -d ' ')
[ "$rows" -ge 4 ]
ok $? "the CSV form has rows to compare ($rows lines)"
if cmp -s "$tmp/want.csv" "$tmp/got.csv"; then
	pass "every row and cell as in the CSV form"
else
	fail "every row and cell as in the CSV form"
	diff "$tmp/want.csv" "$tmp/got.csv" | sed 's/^/# /' | head -20
fi
is "$(tail -n 1 "$tmp/got.csv" | cut -d, -f1)" "合计" "the total row last"
# Every figure a number: 16 per data row and in the total row.
is "$(sed -n 's/^numbers //p' "$tmp/sheet.txt")" "$(((rows - 1) * 16))" "figures stored as numbers"

run d report --batches --county 西山县 -o "$tmp/x.XLSX"
exit_is 0 "-o x.XLSX: the format from the extension"
sheet "$tmp/x.XLSX" >"$tmp/sheet2.txt"
d report --batches --county 西山县 --format csv | tr -d '\r' >"$tmp/want2.csv"
sed -e 1,2d -e '$d' "$tmp/sheet2.txt" >"$tmp/got2.csv"
cmp -s "$tmp/want2.csv" "$tmp/got2.csv"
ok $? "with a county filter, as its CSV form"

run d report --batches --format xlsx
exit_is 2 "xlsx to the terminal refused"
like "$err" "-o FILE.xlsx" "says to write it with -o"
run d report --batches --format xlsx -o "$tmp/nodir/b.xlsx"
exit_is 1 "an unwritable path fails"
like "$err" "nodir/b.xlsx" "naming the file"
[ ! -e "$tmp/nodir" ]
ok $? "and leaves nothing"
run d report --batches --format ods
exit_is 2 "an unknown format refused"
like "$err" "xlsx" "listing xlsx among the formats"
done_testing
