#!/bin/sh
# export --public: the public list of a ledger crafted to carry personal data
# in every field (tests/data/public_ledger.csv), as CSV, HTML and .xlsx: no
# personal token and no private item in any of them, the published columns
# and values (golden files; UPDATE_GOLDEN=1 rewrites them), the filters, the
# format from -o's extension, errors; then the demo ledger's contacts.
. "$(dirname "$0")/lib.sh"

DATA=$top_srcdir/tests/data
GOLDEN=$DATA


# Every personal token of the fixture, and what only private items hold.
cat >"$tmp/secrets" <<'EOF'
张三
13812345678
138 1234 5678
110101199003071234
zhangsan@example.com
李大海
张先生
王强
12345678
wangqiang
0351-2345678
2345678
7654321
周八
139 0000 2222
赵六
13700001111
SECRET
XF-002
FK-002
EOF

# no_secrets FILE NAME: no line of $tmp/secrets is in FILE.
no_secrets() {
	if grep -F -f "$tmp/secrets" "$1" >"$tmp/.found"; then
		fail "$2"
		diag "personal or private text found:"
		sed 's/^/#   /' "$tmp/.found"
	else
		pass "$2"
	fi
}

run d import "$DATA/public_ledger.csv"
exit_is 0 "the crafted ledger is imported"

# ---- CSV
run d export --public
exit_is 0 "export --public exits 0"
printf '%s\n' "$out" >"$tmp/list.csv"
no_secrets "$tmp/list.csv" "CSV: nothing personal, no private item"
golden public_list.csv
like "$(printf '%s\n' "$out" | sed -n 1p)" "序号,受理编号,交办问题基本情况,行政区域,污染类型,调查核实情况,是否属实,处理和整改情况,责任人被处理情况" \
	"CSV: the published header"
is "$(printf '%s\n' "$out" | cut -d, -f1,2 | sed 1d | tr '\n' ' ')" "1,XF-001 2,XF-003 3,FK-001 " \
	"CSV: the public items only, complaints first, numbered"
like "$out" "罚款12.5万元，2026-06-15前完成" "CSV: amounts and dates stay"
like "$out" "案件编号D2026-0012" "CSV: case codes stay"
like "$out" "对城关区水务局局长孙七问责" "CSV: officials' names stay"
like "$out" "举报人***（电话***，身份证***）" "CSV: redactions show as ***"

run d export --public --bom
is "$(printf '%s' "$out" | head -c 3 | od -An -tx1 | tr -d ' ')" "efbbbf" "--bom starts with a byte order mark"

# ---- filters
run d export --public --county 北岭县
is "$(printf '%s\n' "$out" | cut -d, -f1,2 | sed 1d)" "1,XF-003" "--county keeps one county, numbered from 1"
run d export --public --kind problem
is "$(printf '%s\n' "$out" | cut -d, -f2 | sed 1d)" "FK-001" "--kind problem"
run d export --public --round 第二轮
is "$(printf '%s\n' "$out" | cut -d, -f2 | sed 1d | tr '\n' ' ')" "XF-001 FK-001 " "--round"
run d export --public --search 养殖场
is "$(printf '%s\n' "$out" | cut -d, -f2 | sed 1d)" "XF-003" "--search"

# ---- HTML
run d export --public --format html
exit_is 0 "--format html exits 0"
printf '%s\n' "$out" >"$tmp/list.html"
no_secrets "$tmp/list.html" "HTML: nothing personal, no private item"
like "$out" "<title>生态环境保护督察整改情况公开表</title>" "HTML: the title"
like "$out" "size: A4 landscape" "HTML: a landscape A4 page"
unlike "$out" "<script" "HTML: no script"
out=$(printf '%s\n' "$out" | sed -n '/<h1>/,$p')
golden public_list.html

run d export --public --kind complaint --county 城关区 --round 第二轮 --format html
like "$out" "<h1>城关区第二轮生态环境保护督察交办群众信访举报件办理情况公开表</h1>" "HTML: the title names the filters"
unlike "$out" "tr class=\"group\"" "HTML: one kind needs no group rows"
run d export --public --format html --title '某市信访件公开表（第一批）'
like "$out" "<h1>某市信访件公开表（第一批）</h1>" "--title"

# ---- -o and the format from its extension
run d export --public -o "$tmp/公开表.html"
exit_is 0 "-o FILE.html"
like "$(cat "$tmp/公开表.html")" "<table class=\"public\">" "the format comes from the extension"
run d export --public -o "$tmp/list2.csv"
is "$(cat "$tmp/list2.csv")" "$(cat "$tmp/list.csv")" "-o FILE.csv writes the same list"

# ---- XLSX, read back by importing it into a scratch ledger
run d export --public -o "$tmp/list.xlsx"
exit_is 0 "-o FILE.xlsx"
is "$(head -c 2 "$tmp/list.xlsx")" "PK" "the .xlsx is a zip archive"
run "$DUBAN" --db "$tmp/back.db" import "$tmp/list.xlsx"
exit_is 0 "the workbook reads back"
like "$out" "3 rows read" "with the three public rows"
"$DUBAN" --db "$tmp/back.db" export --format json >"$tmp/back.json"
no_secrets "$tmp/back.json" "XLSX: nothing personal, no private item"
like "$(cat "$tmp/back.json")" "罚款12.5万元" "XLSX: the published values"
d export --public --format xlsx >"$tmp/piped.xlsx"
ok $? "--format xlsx to a pipe"
is "$(head -c 2 "$tmp/piped.xlsx")" "PK" "a workbook through the pipe"

# ---- errors
# A workbook is refused on a terminal (script(1) gives the command one).
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	run script -qec "'$DUBAN' --db '$DB' export --public --format xlsx" /dev/null
	exit_is 2 "--format xlsx on a terminal is refused"
	like "$out" "write it with -o FILE.xlsx" "and says what to do"
else
	skip "no script(1) for a terminal"
	skip "no script(1) for a terminal"
fi
run d export --public --format json
exit_is 2 "json is not a public list format"
like "$err" "csv, xlsx or html" "the error names the formats"
run d export --public -o "$tmp/no/such/dir/list.csv"
exit_is 5 "an unwritable path fails"
like "$err" "cannot write" "and says so"
[ ! -e "$tmp/no/such/dir/list.csv" ]
ok $? "nothing is left behind"
run d export --public --status closed
exit_is 0 "a filter matching nothing"
is "$(printf '%s' "$out" | tr -d '\r')" "序号,受理编号,交办问题基本情况,行政区域,污染类型,调查核实情况,是否属实,处理和整改情况,责任人被处理情况" \
	"gives the header alone"
run d export --help
like "$out" "--public" "export --help mentions --public"
run d export --public --help
like "$out" "Usage: duban export --public" "export --public --help"

# ---- the demo ledger: no contact of any item in its public list
DB=$tmp/demo.db
d demo >/dev/null 2>&1
ok $? "the demo ledger is made"
d export --format json >"$tmp/demo.json"
sed -n 's/^[[:space:]]*"contact":[[:space:]]*"\(..*\)",$/\1/p' "$tmp/demo.json" >"$tmp/contacts"
sed 's/^[0-9]*-//' "$tmp/contacts" >>"$tmp/contacts"
[ -s "$tmp/contacts" ]
ok $? "the demo has contacts"
awk '/"code":/ { code = $2 } /"public":[[:space:]]*false/ { print code }' "$tmp/demo.json" |
	tr -d '",' >"$tmp/private"
awk '/"public":[[:space:]]*true/ { n++ } END { print n }' "$tmp/demo.json" >"$tmp/npublic"
for fmt in csv html xlsx; do
	d export --public -o "$tmp/demo.$fmt"
	ok $? "demo: export --public as $fmt"
done
rm -f "$tmp/demo2.db"
"$DUBAN" --db "$tmp/demo2.db" import "$tmp/demo.xlsx" >/dev/null &&
	"$DUBAN" --db "$tmp/demo2.db" export --format json >"$tmp/demo.xlsx.json"
ok $? "demo: the workbook reads back"
for f in demo.csv demo.html demo.xlsx.json; do
	if grep -F -f "$tmp/contacts" "$tmp/$f" >"$tmp/.found"; then
		fail "demo: no contact in $f"
		sed 's/^/#   /' "$tmp/.found" | head -5
	else
		pass "demo: no contact in $f"
	fi
done
sed 1d "$tmp/demo.csv" | cut -d, -f2 | sort >"$tmp/published"
is "$(wc -l <"$tmp/published" | tr -d ' ')" "$(cat "$tmp/npublic")" "demo: every public item is listed"
is "$(sort "$tmp/private" | comm -12 - "$tmp/published")" "" "demo: no private item is"
[ -s "$tmp/private" ]
ok $? "demo: the demo has private items"

done_testing
