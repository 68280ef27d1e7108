#!/bin/sh
# duban dossier: the case dossier (一案一档).  The page against the item's own
# data (every field in Chinese, every history record once, oldest first,
# inspections and actions as show has them, each attachment's hash as
# sha256sum computes it); the .zip's files byte for byte, a missing blob
# marked and counted; --all against list's filters; refusals that leave an
# earlier file whole; and, when Chromium is installed, the page printed to
# PDF with its Chinese text.
. "$(dirname "$0")/lib.sh"

count() {
	grep -oF -- "$1" "$2" | wc -l | tr -d ' '
}
# json EXPR: a value from the item's show --format json, by Python.
json() {
	d show "$code" --format json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

d demo >/dev/null 2>&1
ok $? "the demo ledger is made"

# An item with inspections and supervision actions, the richest history.
code=$(for c in $(d list --overdue --format csv | sed 1d | cut -d, -f1); do
	n=$(d show "$c" --format json | python3 -c \
		"import json,sys; h=json.load(sys.stdin)['history']; print(sum(1 for x in h if 'kind' in x and 'due' in x))")
	[ "$n" -ge 1 ] && echo "$c" && break
done)
[ -n "$code" ]
ok $? "an overdue item with supervision actions ($code)"
printf 'photo one\n' >before.jpg
printf '%%PDF-1.4 decision\n' >"处罚 决定书.pdf"
d attach "$code" before.jpg >/dev/null && d attach "$code" "处罚 决定书.pdf" >/dev/null
ok $? "two attachments added"

# ---------------------------------------------------------------- the page
run d dossier "$code"
exit_is 0 "dossier CODE"
page="$tmp/$code-档案.html"
is "$out" "$code-档案.html" "writes CODE-档案.html here and names it"
[ -f "$page" ]
ok $? "the file is there"
is "$(head -n 1 "$page")" "<!DOCTYPE html>" "a doctype first"
is "$(tail -n 1 "$page")" "</html>" "the page closed at the end"
grep -qi '<script' "$page"
ok $((!$?)) "no script"
grep -qiE 'https?://|src=|<link|@import|url\(' "$page"
ok $((!$?)) "nothing fetched"
for s in 一、基本信息 二、现场核查与验收 三、督办措施 四、办理过程 五、佐证材料索引; do
	grep -q "<h2>$s" "$page"
	ok $? "section $s"
done
is "$(count '<tr' "$page")" "$(count '</tr>' "$page")" "every row closed"
is "$(count '<td' "$page")" "$(count '</td>' "$page")" "every cell closed"

# Every field once, in the export's Chinese: the labels of the xlsx header.
fields=$(python3 -c "
import re,sys
t=open(sys.argv[1],encoding='utf-8').read()
sec=t.split('<h2>一、基本信息</h2>')[1].split('<h2>')[0]
print(len(re.findall(r'<td class=\"label\">', sec)))" "$page")
nfields=$(json "len(d['item']) + ('acceptance_levels' not in d['item'])")
# The JSON has id, created_at, updated_at and version besides the fields
# (and leaves out an empty acceptance_levels).
is "$fields" "$((nfields - 4))" "every field of the item in the first table ($fields)"
title=$(json "d['item']['title']")
grep -qF "<td class=\"label\">问题名称</td><td>$title</td>" "$page"
ok $? "the title under its Chinese label"
grep -qF "<td class=\"label\">整改状态</td><td>整改中</td>" "$page"
ok $? "the status in Chinese, whatever the locale"

# The timeline: one row per history record, oldest first.
nhist=$(json "len(d['history'])")
python3 - "$page" "$nhist" >"$tmp/tl" <<'EOF'
import re, sys
t = open(sys.argv[1], encoding='utf-8').read()
sec = t.split('<h2>四、办理过程</h2>')[1].split('<h2>')[0]
rows = re.findall(r'<tr><td>([^<]*)</td>', sec)
print(len(rows))
print('sorted' if rows == sorted(rows) else 'unsorted: ' + ' '.join(rows))
EOF
is "$(sed -n 1p "$tmp/tl")" "$nhist" "the timeline has every history record ($nhist)"
is "$(sed -n 2p "$tmp/tl")" "sorted" "oldest first"
ninsp=$(json "sum(1 for x in d['history'] if 'passed' in x)")
nact=$(json "sum(1 for x in d['history'] if 'kind' in x and 'due' in x)")
rows_in() {
	python3 -c "
import sys
t=open(sys.argv[1],encoding='utf-8').read()
sec=t.split('<h2>'+sys.argv[2])[1].split('<h2>')[0]
print(sec.count('<tr><td'))" "$page" "$1"
}
is "$(rows_in 二、)" "$ninsp" "every inspection in the acceptance table ($ninsp)"
is "$(rows_in 三、)" "$nact" "every supervision action ($nact)"
for f in before.jpg "处罚 决定书.pdf"; do
	h=$(sha256sum "$f" | cut -d' ' -f1)
	grep -qF "<td class=\"hash\">$h</td>" "$page"
	ok $? "the index has $f with its SHA-256"
done
is "$(rows_in 五、)" 2 "two rows of evidence"
grep -qF "<td>上传佐证材料：处罚 决定书.pdf</td>" "$page"
ok $? "the upload is in the timeline"

# Stdout, and the same page.
d dossier "$code" -o - >"$tmp/stdout.html"
cmp -s "$tmp/stdout.html" "$page"
ok $? "-o - writes the same page to standard output"

# ---------------------------------------------------------------- escaping
d add --title '<script>alert(1)</script> & "quotes"' --county 高新区 --code ESC-1 >/dev/null 2>&1
ok $? "an item whose title is markup"
d dossier ESC-1 -o "$tmp/esc.html" >/dev/null
grep -qi '<script' "$tmp/esc.html"
ok $((!$?)) "its title escaped, no script"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;' "$tmp/esc.html"
ok $? "and shown as text"

# ---------------------------------------------------------------- zip
run d dossier "$code" -o "$tmp/d.zip"
exit_is 0 "dossier -o d.zip"
is "$err" "" "nothing missing, nothing said"
unzip -Z1 "$tmp/d.zip" | sort >"$tmp/list"
printf '%s\n' "$code-档案.html" "附件/01-before.jpg" "附件/02-处罚 决定书.pdf" | sort >"$tmp/want"
cmp -s "$tmp/list" "$tmp/want"
ok $? "the page and both files, numbered"
[ -s "$tmp/list" ] || diag "zip holds: $(cat "$tmp/list")"
unzip -p "$tmp/d.zip" "附件/02-处罚 决定书.pdf" | cmp -s - "处罚 决定书.pdf"
ok $? "a file byte for byte"
unzip -p "$tmp/d.zip" "$code-档案.html" >"$tmp/z.html"
grep -qF "<td>附件/01-before.jpg</td>" "$tmp/z.html"
ok $? "the zip's page says where each file is"

# A blob gone from the local store, and no server: marked, counted, exit 0.
h=$(sha256sum before.jpg | cut -d' ' -f1)
rm -f "$HOME/.local/share/duban/blobs/$(printf %s "$h" | cut -c1-2)/$h"
run d dossier "$code" -o "$tmp/m.zip"
exit_is 0 "a missing file does not stop the dossier"
like "$err" "1 attachment is missing" "and it says so"
unzip -Z1 "$tmp/m.zip" | grep -c '^附件/' >"$tmp/n"
is "$(cat "$tmp/n")" 1 "the other file is in it"
unzip -p "$tmp/m.zip" "$code-档案.html" | grep -q '<td class="missing">缺失'
ok $? "the index marks the missing one"

# ---------------------------------------------------------------- --all
n=$(d list --county 东川县 --format csv | sed 1d | wc -l | tr -d ' ')
run d dossier --all --county 东川县 -o "$tmp/all"
exit_is 0 "dossier --all --county 东川县 -o DIR"
is "$(ls "$tmp/all" | wc -l | tr -d ' ')" "$n" "one page per item list gives ($n)"
like "$out" "$n dossiers written in" "and says how many"
first=$(d list --county 东川县 --format csv --sort code | sed -n 2p | cut -d, -f1)
[ -f "$tmp/all/$first-档案.html" ]
ok $? "named by code ($first)"
run d dossier --all --county 东川县 --status closed --zip -o "$tmp/allz"
exit_is 0 "--all --zip"
nz=$(d list --county 东川县 --status closed --format csv | sed 1d | wc -l | tr -d ' ')
is "$(ls "$tmp/allz"/*.zip | wc -l | tr -d ' ')" "$nz" "one .zip per item ($nz)"

# ---------------------------------------------------------------- refusals
run d dossier NO-SUCH
exit_is 3 "an unknown code"
run d dossier --all
exit_is 2 "--all without -o"
like "$err" "needs -o DIR" "says what it needs"
run d dossier "$code" --county 东川县
exit_is 2 "a filter without --all"
run d dossier --all -o "$page"
exit_is 2 "--all into a file"
cp "$page" "$tmp/keep.html"
mkdir -p "$tmp/ro" && cp "$page" "$tmp/ro/x.html" && chmod 0555 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
	run d dossier "$code" -o "$tmp/ro/x.html"
	exit_is 1 "an unwritable directory"
	cmp -s "$tmp/ro/x.html" "$tmp/keep.html"
	ok $? "the earlier file left whole"
else
	skip "root writes anywhere: the unwritable directory is tested as a user"
	skip "root writes anywhere: the unwritable directory is tested as a user"
fi
chmod 0755 "$tmp/ro"

# ---------------------------------------------------------------- printed
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
	for i in 1 2 3 4; do
		skip "chromium or pdftotext not installed"
	done
	done_testing
fi
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$tmp/chr" --no-pdf-header-footer --print-to-pdf="$tmp/d.pdf" \
	"file://$page" >"$tmp/chromium.log" 2>&1
ok $? "chromium prints it to PDF"
pdftotext -layout "$tmp/d.pdf" "$tmp/d.txt" 2>/dev/null
text=$(tr -d '\f' <"$tmp/d.txt")
like "$text" "整改事项档案" "the title in the PDF's text"
like "$text" "$code" "the code"
missing=
for s in 一、基本信息 二、现场核查与验收 三、督办措施 四、办理过程 五、佐证材料索引; do
	case $text in
	*"$s"*) ;;
	*) missing="$missing $s" ;;
	esac
done
is "$missing" "" "every section title drawn"
done_testing
