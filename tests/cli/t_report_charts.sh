#!/bin/sh
# The HTML bulletin's inline SVG charts, read back as XML and checked against
# figures Python computes on its own from the ledger (the JSON export and the
# history export), not from the bulletin: the completion rate of each county
# and of each lead unit (bar lengths proportional, the ranking), the items
# per status (bars on one scale), and per week the items completed and those
# overdue at the week's end (points on the axis the tick labels give).  The
# page has no script and fetches nothing; the text and Markdown forms keep
# their tables and draw no chart; Chromium prints the page on A4 with the
# charts' Chinese words in the PDF's text.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi
d demo >/dev/null 2>&1
ok $? "the demo ledger is made"
# Completions within the period, in two weeks, so the lines are not flat.
DUBAN_NOW=2026-06-03T02:00:00Z d status D2XX000218 申请销号 >/dev/null &&
	DUBAN_NOW=2026-06-04T02:00:00Z d accept D2XX000218 --level county --pass --opinion 县级初验合格 >/dev/null &&
	DUBAN_NOW=2026-06-04T02:00:00Z d accept D2XX000218 --level city --pass --opinion 市级验收合格 >/dev/null &&
	DUBAN_NOW=2026-06-09T02:00:00Z d status D2XX000212 申请销号 >/dev/null &&
	DUBAN_NOW=2026-06-10T02:00:00Z d accept D2XX000212 --level county --pass --opinion 县级初验合格 >/dev/null &&
	DUBAN_NOW=2026-06-10T02:00:00Z d accept D2XX000212 --level city --pass --opinion 市级验收合格 >/dev/null
ok $? "two items verified in June"
d export --format json -o "$tmp/all.json" >/dev/null 2>&1 &&
	d export --history --format csv -o "$tmp/hist.csv" >/dev/null 2>&1
ok $? "the ledger and its history exported"

# check PAGE BY: the page's charts against Python's figures; prints "ok" or
# what differs.
check() {
	python3 - "$1" "$2" "$tmp/all.json" "$tmp/hist.csv" 2026-06-15 <<'PY'
import csv, datetime, json, re, sys
import xml.etree.ElementTree as ET
page, by, items_path, hist_path, asof = sys.argv[1:6]
html = open(page, encoding="utf-8").read()
asof = datetime.date.fromisoformat(asof)
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)

figs = re.findall(r'<figure class="chart">\n(<svg .*?</svg>)\n<figcaption>(.*?)</figcaption>\n</figure>', html, re.S)
want(len(figs) == 3, "three figures, got %d" % len(figs))
svgs = {}
for svg, cap in figs:
    root = ET.fromstring(svg)  # well-formed, or this raises
    svgs[root.get("id")] = (root, cap)
want(sorted(svgs) == ["chart-rate", "chart-status", "chart-weeks"], "chart ids %s" % sorted(svgs))
for root, cap in svgs.values():
    want(root.get("viewBox", "").startswith("0 0 640 "), "a viewBox")

items = json.load(open(items_path, encoding="utf-8"))
DONE = {"verified", "publicized", "closed"}
ZH = {"not_started": "尚未启动", "in_progress": "整改中", "requested": "申请销号",
      "verified": "已验收", "publicized": "公示中", "closed": "已销号"}

def bars(root):
    out = []
    for g in root.findall("g"):
        if g.get("class") != "bar":
            continue
        texts = {t.get("class"): t.text for t in g.findall("text")}
        out.append((texts["label"], float(g.find("rect").get("width")), texts["value"]))
    return out

def ticks(root, axis):
    return [(t, float(t.get("x" if axis == "x" else "y"))) for t in root.findall("text")
            if t.get("class") == "tick " + axis]

# ---- completion rate by county or lead unit
key = "county" if by == "county" else "lead_unit"
groups = {}
for it in items:
    g = groups.setdefault(it.get(key) or "（未填）", [0, 0])
    g[0] += 1
    g[1] += it["status"] in DONE
order = sorted(groups, key=lambda n: (-groups[n][1] / groups[n][0], -groups[n][0], n.encode()))
got = bars(svgs["chart-rate"][0])
want([b[0] for b in got] == order[:30], "rate bars in rank order: %s vs %s" % ([b[0] for b in got], order))
for name, width, shown in got:
    n, done = groups[name]
    rate = 100.0 * done / n
    want(abs(width - 400 * rate / 100) < 0.01, "%s: width %.2f for %.1f%%" % (name, width, rate))
    want(shown == "%.1f%%" % rate, "%s: shows %s, rate %.1f%%" % (name, shown, rate))
want([t.text for t, _ in ticks(svgs["chart-rate"][0], "x")] == ["0%", "20%", "40%", "60%", "80%", "100%"],
     "the rate scale")

# ---- status distribution
count = {z: 0 for z in ZH.values()}
for it in items:
    count[ZH[it["status"]]] += 1
got = bars(svgs["chart-status"][0])
want([b[0] for b in got] == list(ZH.values()), "a bar per status in order")
scale = ticks(svgs["chart-status"][0], "x")
top = int(scale[-1][0].text)
want(top >= max(count.values()), "the scale's top %d holds the largest %d" % (top, max(count.values())))
want(top < 2 * max(count.values()), "and uses the width")
for name, width, shown in got:
    want(abs(width - 400.0 * count[name] / top) < 0.01, "%s: width %.2f for %d of %d" % (name, width, count[name], top))
    want(shown == str(count[name]), "%s: shows %s" % (name, shown))

# ---- per week: completed within, overdue at the end
events = {}
for row in csv.DictReader(open(hist_path, encoding="utf-8-sig")):
    if row["类型"] == "event" and row["字段"] == "status":
        events.setdefault(row["id"], []).append(
            (datetime.date.fromisoformat(row["记录时间"][:10]), row["原值"], row["新值"]))
def status_at(it, t):
    if datetime.date.fromisoformat(it["created_at"][:10]) > t:
        return None
    ev = events.get(it["id"], [])
    s = None
    for day, old, new in ev:
        if day <= t:
            s = new
    if s:
        return s
    for day, old, new in ev:
        if day > t:
            return old
    return it["status"]
root = svgs["chart-weeks"][0]
xt = [t.text for t, _ in ticks(root, "x")]
# The tick labels name the horizontal lines, in order (the axis first).
yt = [int(t.text) for t, _ in ticks(root, "y")]
hl = [float(l.get("y1")) for l in root.findall("line")
      if l.get("class") in ("axis", "grid") and l.get("y1") == l.get("y2") and l.get("x1") != l.get("x2")
      and float(l.get("x1")) < 100]
want(len(yt) == len(hl) and yt[0] == 0, "a label on each line of the value axis: %s %s" % (yt, hl))
ytop = yt[-1]
y0, ytopy = hl[0], hl[-1]
monday = asof - datetime.timedelta(days=asof.weekday())
period_from = datetime.date(2026, 6, 1)
first = min(period_from - datetime.timedelta(days=period_from.weekday()), monday - datetime.timedelta(weeks=3))
weeks = []
d0 = first
while d0 <= monday:
    weeks.append((d0, min(d0 + datetime.timedelta(days=6), asof)))
    d0 += datetime.timedelta(days=7)
want(xt == [w[0].isoformat()[5:] for w in weeks], "a week label under each point: %s" % xt)
want([t.text for t in root.findall("text") if t.get("class") == "legend"] == ["本周完成", "周末逾期未完成"], "the legend")
series = {}
for pl in root.findall("polyline"):
    pts = [tuple(map(float, p.split(","))) for p in pl.get("points").split()]
    series[pl.get("class")] = [round((y0 - y) / (y0 - ytopy) * ytop, 6) for _, y in pts]
completed, overdue = [], []
for a, b in weeks:
    c = o = 0
    for it in items:
        ev = events.get(it["id"], [])
        c += any(a <= day <= b and new in DONE and old not in DONE for day, old, new in ev)
        s = status_at(it, b)
        dl = it.get("deadline")
        o += (s is not None and s not in DONE and bool(dl) and it.get("deadline_kind") != "ongoing"
              and datetime.date.fromisoformat(dl) < b)
    completed.append(c)
    overdue.append(o)
want(series.get("series completed") == completed, "completed per week %s, Python %s" % (series.get("series completed"), completed))
want(series.get("series overdue") == overdue, "overdue per week %s, Python %s" % (series.get("series overdue"), overdue))
want(sum(completed) >= 2 and max(overdue) > 0, "the lines are not flat: %s %s" % (completed, overdue))
want(ytop >= max(completed + overdue), "the axis holds every point")
print("ok" if not bad else "\n".join(bad))
PY
}

run d report -o "$tmp/b.html"
exit_is 0 "report -o b.html (by county)"
is "$(check "$tmp/b.html" county)" ok "the charts by county match Python's figures"
run d report --by unit -o "$tmp/u.html"
exit_is 0 "report --by unit"
is "$(check "$tmp/u.html" unit)" ok "the charts by lead unit match Python's figures"
grep -q '<figcaption>图3　各牵头单位整改完成率</figcaption>' "$tmp/u.html"
ok $? "the rate chart named after the lead units"
page=$tmp/b.html
grep -qi '<script' "$page"
ok $((!$?)) "no script"
grep -qiE 'https?://|//[a-z0-9.-]+\.[a-z]|src=|<link|@import|url\(|xmlns|href' "$page"
ok $((!$?)) "nothing fetched: no URL, namespace, src, href, link, @import or url()"
grep -q "svg.chart text { font-family: 'Noto Sans CJK SC'.*'WenQuanYi Micro Hei'" "$page"
ok $? "chart text in a CJK font stack"
for f in text md csv; do
	d report --format $f >"$tmp/b.$f"
	grep -qiE '<svg|<figure' "$tmp/b.$f"
	ok $((!$?)) "no chart in the $f form"
done
grep -q '| 已销号 |' "$tmp/b.md"
ok $? "the Markdown form keeps its tables"

# A week's bulletin still draws four weeks; an empty ledger draws no bars.
d report --period week -o "$tmp/w.html"
is "$(grep -o '<circle class="completed"' "$tmp/w.html" | wc -l | tr -d ' ')" 4 "a week's bulletin: four weeks of points"
DB=$tmp/empty.db
d report -o "$tmp/e.html" >/dev/null 2>&1
ok $? "a bulletin of an empty ledger"
is "$(grep -c '<g class="bar">' "$tmp/e.html")" 6 "only the six status bars, all empty"
grep -q 'id="chart-rate"' "$tmp/e.html"
ok $((!$?)) "no rate chart without groups"

if ! command -v chromium >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
	for i in 1 2 3 4 5; do
		skip "chromium or pdfinfo (poppler-utils) not installed"
	done
	done_testing
fi
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$tmp/chr" --no-pdf-header-footer --print-to-pdf="$tmp/b.pdf" "file://$page" \
	>"$tmp/chromium.log" 2>&1
ok $? "chromium prints it to PDF"
info=$(pdfinfo "$tmp/b.pdf" 2>/dev/null)
like "$info" "(A4)" "on A4 pages"
pdftotext -layout "$tmp/b.pdf" "$tmp/b.txt" 2>/dev/null
text=$(tr -d '\f' <"$tmp/b.txt")
like "$text" "本周完成" "the chart's legend drawn as text (a CJK font found)"
like "$text" "各县（市、区）整改完成率" "the captions in it"
like "$text" "周（起始日期）" "the axis label"
if [ -n "$KEEP_RENDER" ]; then
	mkdir -p "$KEEP_RENDER" && cp "$page" "$tmp/b.pdf" "$KEEP_RENDER/"
fi
done_testing
