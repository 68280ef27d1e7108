#!/bin/sh
# The dashboard's completion bars: each county of the ranking draws its
# completion rate as a bar in eighths of a cell (█ and ▏▎▍▌▋▊▉), its length
# the rate of the bar's width as `duban list` counts it (items, and done =
# verified + publicized + closed), at 80×24 and 120×40.  Under LANG=C (a
# locale that is not UTF-8, switched to C.UTF-8 for the Chinese text) the
# dashboard draws no block elements: the bars are whole '#' cells, the
# lights letters, the figures unchanged.  Run in C.UTF-8 and, by
# tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"

# count ARGS: how many items `list ARGS` gives.
count() {
	d list --format csv "$@" | sed 1d | wc -l | tr -d ' '
}
for c in 东川县 临江市 北岭县 南河县 城关区 西山县 高新区; do
	echo "$c $(count --county "$c") $(count --county "$c" --status verified,publicized,closed)"
done >"$tmp/figures"
ok $? "each county's items and done, by list"

# bars WIDTH MODE: checks the ranking rows of the screen in $tmp/dash
# against $tmp/figures; MODE eighths or ascii.  Prints "ok N" (N rows) or
# what differs.
bars() {
	python3 - "$tmp/dash" "$tmp/figures" "$1" "$2" <<'PY'
import re, sys, unicodedata
screen, figures, width, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fig = {}
for line in open(figures, encoding="utf-8"):
    c, items, done = line.split()
    fig[c] = (int(items), int(done))
EIGHTHS = {"█": 8, "▉": 7, "▊": 6, "▋": 5, "▌": 4, "▍": 3, "▎": 2, "▏": 1}
row = re.compile(r" ([1-9]) (\S+) +(\d+) +(\d+) +(\d+\.\d)% +(\d+)(?: ([█▉▊▋▌▍▎▏#]+))?$")
bad, rows, found = [], [], 0
def wide(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
for line in open(screen, encoding="utf-8"):
    line = line.rstrip("\n")
    m = row.search(line)
    if not m:
        continue
    found += 1
    name, items, done, bar = m.group(2), int(m.group(3)), int(m.group(4)), m.group(7) or ""
    if fig.get(name) != (items, done):
        bad.append("%s: %d/%d on screen, list %s" % (name, items, done, fig.get(name)))
    start = wide(line[:m.start(7)]) if m.group(7) else None
    rows.append((name, items, done, bar, start))
if found != len(fig):
    bad.append("%d ranking rows with a bar, %d counties" % (found, len(fig)))
# The bar's width: from where the bars start to the screen's edge (a
# column's gap or the edge may take a cell or two).
starts = {r[4] for r in rows}
if len(starts) != 1 or None in starts:
    bad.append("the bars do not start in one column: %s" % starts)
else:
    start = starts.pop()
    fits = []
    for bw in range(4, width - start + 1):
        ok = True
        for name, items, done, bar, _ in rows:
            u = done * bw * 8 // items
            if mode == "ascii":
                want = "#" * max((u + 4) // 8, 1 if done else 0)
            else:
                u = max(u, 1 if done else 0)
                want = "█" * (u // 8) + ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][u % 8]
            if bar != want:
                ok = False
        if ok:
            fits.append(bw)
    if not fits:
        bad.append("no bar width gives these bars: %s" % [(r[0], r[3]) for r in rows])
    elif max(fits) < width - start - 2:
        bad.append("the bars fit a width of %s, not the %d columns up to the edge" % (fits, width - start))
    if mode == "ascii" and any(ch in EIGHTHS for r in rows for ch in r[3]):
        bad.append("block elements in ASCII mode")
print("ok %d" % found if not bad else "\n".join(bad))
PY
}

start 120 40
wait_for "$OFFLINE"
keys 3
screen_has "$(L "Completion by county" "各县（市、区）完成情况")" "120×40: the ranking"
screen >"$tmp/dash"
is "$(bars 120 eighths)" "ok 7" "120×40: seven bars, in eighths, as long as list's rates"
screen_is dashboard-bars-120x40 "120×40: the screen"
quit

start 80 24
wait_for "$OFFLINE"
keys 3
screen_has "$(L "By status" "按整改状态")" "80×24: the dashboard"
keys PageDown
screen_has "$(L "Completion by county" "各县（市、区）完成情况")" "80×24: the ranking on the second page"
screen >"$tmp/dash"
is "$(bars 80 eighths)" "ok 7" "80×24: seven bars, in eighths, as long as list's rates"
screen_is dashboard-bars-80x24 "80×24: the screen"
quit

if c_only "LANG=C gives the English screen whatever the test's locale"; then
	start 80 24 LC_ALL= LANG=C
	wait_for "$OFFLINE"
	screen_has "the locale was not UTF-8; using C.UTF-8" "LANG=C: switched to C.UTF-8 for the text"
	keys 3
	screen_has "By status" "LANG=C: the dashboard"
	screen >"$tmp/dash.1"
	screen_has "in progress         163 ####" "LANG=C: the status bars in '#'"
	grep -q '[█▉▊▋▌▍▎▏▁▂▃▄▅▆▇●▲○◆✓]' "$tmp/dash.1"
	ok $((!$?)) "LANG=C: no block element or light symbol on the first page"
	keys PageDown
	screen_has "Completion by county" "LANG=C: the ranking"
	screen >"$tmp/dash"
	is "$(bars 80 ascii)" "ok 7" "LANG=C: seven bars of whole '#' cells, as long as list's rates"
	grep -q '[█▉▊▋▌▍▎▏]' "$tmp/dash"
	ok $((!$?)) "LANG=C: no block element on the second page"
	screen_is dashboard-bars-lang-c-80x24 "LANG=C: the screen"
	quit
fi
done_testing
