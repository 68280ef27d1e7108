#!/bin/sh
# report --format html: one self-contained page (doctype, charset, no script,
# nothing fetched, real tables, every section, overdue rows marked), then,
# when Chromium is installed, rendered headless as a browser shows and prints
# it: a real PNG of the first screen, and a PDF whose text holds the Chinese
# section titles and a county with its figures (so the Chinese text was drawn
# with a font, not boxes).  KEEP_RENDER=DIR keeps b.html, b.png and b.pdf.
. "$(dirname "$0")/lib.sh"

SECTIONS="一、总体进展 二、各县（市、区）进展 三、逾期未完成 四、本期完成 五、即将到期 六、督办情况 七、群众信访举报件办理情况"

# count PATTERN FILE: how many times the fixed string occurs in FILE.
count() {
	grep -oF -- "$1" "$2" | wc -l | tr -d ' '
}

d demo >/dev/null 2>&1
ok $? "the demo ledger is made"
run d report -o "$tmp/b.html"
exit_is 0 "report -o b.html"
is "$out" "" "nothing on stdout"
page=$tmp/b.html

# ---------------------------------------------------------------- the file
is "$(head -n 1 "$page")" "<!DOCTYPE html>" "a doctype first"
is "$(tail -n 1 "$page")" "</html>" "and the page closed at the end"
grep -q '^<meta charset="utf-8">$' "$page"
ok $? "UTF-8 declared"
grep -q '^<html lang="zh-CN">$' "$page"
ok $? "Chinese declared (fonts, line breaking)"
grep -qi '<script' "$page"
ok $((!$?)) "no script"
grep -qiE 'https?://|//[a-z0-9.-]+\.[a-z]|src=|<link|@import|url\(' "$page"
ok $((!$?)) "nothing fetched: no URL, src, link, @import or url()"
grep -q '<style>' "$page"
ok $? "the style inline"
is "$(count '<h1>生态环境保护督察整改工作进展通报</h1>' "$page")" 1 "one title"
grep -q '<p class="meta">统计期间：2026-06-01 至 2026-06-15（数据截至 2026-06-15）</p>' "$page"
ok $? "the period and as-of line under it"
for s in $SECTIONS; do
	grep -q "<h2>$s" "$page"
	ok $? "section $s"
done
tables=$(count '<table' "$page")
is "$(count '</table>' "$page")" "$tables" "every table closed ($tables)"
is "$(count '<thead><tr><th>' "$page")" "$tables" "every table has a head"
is "$(count '<tbody>' "$page")" "$tables" "and a body"
is "$(count '<tr' "$page")" "$(count '</tr>' "$page")" "every row closed"
is "$(count '<td' "$page")" "$(count '</td>' "$page")" "every cell closed"
grep -q '<td class="num">300</td>' "$page"
ok $? "figures in right-aligned cells"
overdue=$(d list --overdue --format csv | sed 1d | wc -l | tr -d ' ')
is "$(count '<tr class="overdue">' "$page")" "$overdue" "each overdue item's row marked ($overdue, as list --overdue)"
grep -q '<p class="date">2026年6月15日</p>' "$page"
ok $? "dated at the end"

# The county ranked first and its rate, from the text form.
first=$(d report | sed -n 's/^ *1  \([^ ]*\)  .* \([0-9][0-9.]*%\) .*/\1 \2/p' | head -n 1)
county=${first% *}
rate=${first#* }
grep -q "<td>$county</td>.*<td class=\"num\">$rate</td>" "$page"
ok $? "the first county ($county, $rate) as in the text form"

# ---------------------------------------------------------------- rendered
if ! command -v chromium >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		skip "chromium not installed"
	done
	done_testing
fi

chromium_run() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/chr" "$@" "file://$page" >"$tmp/chromium.log" 2>&1
}

chromium_run --screenshot="$tmp/b.png" --window-size=1240,1754
ok $? "chromium renders it to PNG"
png=$tmp/b.png
is "$(od -An -tx1 -N8 "$png" 2>/dev/null | tr -d ' \n')" "89504e470d0a1a0a" "a PNG file"
# IHDR: width and height, big-endian, at bytes 16 and 20.
size=$(od -An -tu1 -j16 -N8 "$png" 2>/dev/null |
	awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 "x" $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
is "$size" "1240x1754" "of the window's size"
bytes=$(wc -c <"$png" | tr -d ' ')
# A blank page of that size compresses to a few KB; text and tables do not.
[ "$bytes" -gt 100000 ]
ok $? "with something on it ($bytes bytes)"

chromium_run --no-pdf-header-footer --print-to-pdf="$tmp/b.pdf"
ok $? "chromium prints it to PDF"
if ! command -v pdftotext >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6 7 8; do
		skip "pdftotext (poppler-utils) not installed"
	done
else
	pdftotext -layout "$tmp/b.pdf" "$tmp/b.txt" 2>/dev/null
	ok $? "pdftotext reads the PDF"
	pages=$(pdfinfo "$tmp/b.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
	[ "${pages:-0}" -ge 2 ]
	ok $? "A4 pages: ${pages:-none}"
	text=$(tr -d '\f' <"$tmp/b.txt")
	like "$text" "生态环境保护督察整改工作进展通报" "the title in the PDF's text"
	missing=
	for s in $SECTIONS; do
		case $text in
		*"$s"*) ;;
		*) missing="$missing $s" ;;
		esac
	done
	is "$missing" "" "every section title in it"
	like "$text" "统计期间：2026-06-01 至 2026-06-15" "the period line"
	printf '%s\n' "$text" | grep -q "$county .*$rate"
	ok $? "the row of $county with $rate"
	like "$text" "罚款（万元）" "the enforcement table"
	like "$text" "2026年6月15日" "the date at the end"
fi

if [ -n "$KEEP_RENDER" ]; then
	mkdir -p "$KEEP_RENDER" && cp "$page" "$png" "$tmp/b.pdf" "$KEEP_RENDER/"
fi
done_testing
