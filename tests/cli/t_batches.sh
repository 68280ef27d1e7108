#!/bin/sh
# report --batches: the batch statistics of complaints on the demo ledger,
# every figure checked against an independent count in Python over the JSON
# export (and the sqlite3 shell for the totals), with and without a county
# filter; the table, Markdown and JSON forms; a bad format refused.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi
d demo --items 3000 --seed 15 >/dev/null 2>&1
ok $? "the demo ledger is made"
d export --format json -o "$tmp/all.json" >/dev/null 2>&1
ok $? "exported as JSON"

# expected COUNTY: the CSV report --batches should write, by Python.
expected() {
	python3 - "$tmp/all.json" "$1" <<'PY'
import csv, io, json, re, sys
items = json.load(open(sys.argv[1]))
county = sys.argv[2]
types = ["水", "大气", "土壤", "生态", "噪声", "海洋", "辐射"]
rows = {}
for it in items:
    if it.get("kind") != "complaint" or (county and it.get("county") != county):
        continue
    key = (it.get("batch") or "", it.get("county") or "")
    r = rows.setdefault(key, [0] * 16)
    cats = [c for c in (it.get("categories") or "").split("、") if c]
    r[0] += 1
    for i, t in enumerate(types):
        r[1 + i] += t in cats
    r[8] += not any(t in cats for t in types)
    v = it.get("verdict") or ""
    for i, name in enumerate(["true", "mostly", "partly", "false"]):
        r[9 + i] += v == name
    s = it.get("status")
    r[13] += s == "closed"
    r[14] += s in ("verified", "publicized")
    r[15] += s in ("not_started", "in_progress", "requested")
def order(k):
    return (len(k[0]), k[0].encode(), k[1].encode())
out = io.StringIO()
w = csv.writer(out, lineterminator="\r\n")
w.writerow(["批次", "县（市、区）", "交办件数"] + types + ["其他", "属实", "基本属实", "部分属实", "不属实", "已办结", "阶段性办结", "正在办理"])
total = [0] * 16
for k in sorted(rows, key=order):
    w.writerow([k[0], k[1]] + rows[k])
    total = [a + b for a, b in zip(total, rows[k])]
w.writerow(["合计", ""] + total)
sys.stdout.write(out.getvalue())
PY
}

check() { # NAME [FILTER...]
	_name=$1
	_county=
	shift
	[ "${1:-}" = --county ] && _county=$2
	d report --batches --format csv "$@" >"$tmp/got.csv" 2>"$tmp/err"
	expected "$_county" >"$tmp/want.csv"
	if [ "$(wc -l <"$tmp/want.csv")" -gt 2 ] && cmp -s "$tmp/got.csv" "$tmp/want.csv"; then
		pass "$_name: every figure as Python counts them ($(($(wc -l <"$tmp/want.csv") - 2)) rows)"
	else
		fail "$_name: every figure as Python counts them"
		diff "$tmp/want.csv" "$tmp/got.csv" | head -10 | sed 's/^/#   /'
	fi
}
check "the whole ledger"
check "one county" --county 东川县

# The totals once more, straight from the database (sqlite3 shell).
if command -v sqlite3 >/dev/null 2>&1; then
	want=$(sqlite3 "$DB" "SELECT count(*), sum(verdict = 'true'), sum(status = 'closed') FROM item WHERE kind = 'complaint'" | tr '|' ' ')
	got=$(d report --batches --format csv | tail -1 | tr -d '\r' | awk -F, '{ print $3, $12, $16 }')
	is "$got" "$want" "the 合计 row's complaints, 属实 and 已办结 match sqlite3"
else
	skip "sqlite3 shell not found"
fi

run d report --batches --format json
exit_is 0 "--format json"
is "$(printf '%s' "$out" | jq -r '.total.complaints')" "$(sed -n '$p' "$tmp/want.csv" >/dev/null; expected "" | tail -1 | tr -d '\r' | cut -d, -f3)" \
	"json: the total of complaints"
is "$(printf '%s' "$out" | jq -r '.batches | length')" "$(($(expected "" | wc -l) - 2))" "json: one object per batch and county"
run d report --batches
exit_is 0 "the table"
like "$out" "批次" "the table has its header"
like "$(printf '%s\n' "$out" | tail -1)" "合计" "... and ends with the total"
run d report --batches --format md
like "$out" "| --- | --- | ---: |" "--format md is a Markdown table"
run d report --batches --format html
exit_is 2 "--batches refuses a format it does not write"
like "$err" "table, csv, json, md or xlsx" "... and names the ones it does"
d report --batches --format csv -o "$tmp/b.csv" >/dev/null 2>&1
d report --batches --format csv >"$tmp/b2.csv" 2>/dev/null
cmp -s "$tmp/b.csv" "$tmp/b2.csv"
ok $? "-o FILE writes the same"
done_testing
