#!/bin/sh
# Search by link and by site (举一反三): `list --search TEXT --linked` adds
# the items linked to the matches (one step, the latest record of a pair
# deciding, so an unlink ends it); `list --same-site CODE` gives CODE, the
# items its links reach through any number of links, and the items within
# --site-radius metres (default 200; 0: links only).  Checked by hand on a
# small ledger, then differentially on the demo ledger with 60 random links
# and unlinks and items moved next to others: every answer against Python's
# own walk of the link table (read with its sqlite3 module) and its own
# distances (haversine) over the JSON export.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

# codes ARGS: the codes `list ARGS` gives, sorted, on one line.
codes() {
	d list --format csv "$@" | sed 1d | cut -d, -f1 | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

add() { # CODE TITLE LON LAT
	d add --code "$1" --title "$2" --county 北岭县 --lead-unit 北岭县人民政府 --deadline 2026-09-30 \
		--category 大气 >/dev/null && { [ -z "$3" ] || d edit "$1" --set longitude="$3" --set latitude="$4" >/dev/null; }
}
# Around 112.5 E, 37.8 N a metre is 1/88,100 degree of longitude and
# 1/111,195 of latitude: B2 lies ~100 m east of A1, B3 ~300 m north.
add A1 北岭镇砖瓦窑无组织排放 112.5 37.8 &&
	add A2 北岭镇石桥村扬尘 "" "" &&
	add A3 北岭镇石桥村道路积尘 "" "" &&
	add B2 北岭镇东关村餐饮油烟 112.501135 37.8 &&
	add B3 北岭镇北关村锅炉 112.5 37.8027 &&
	add C1 南河县畜禽养殖污水 113.2 36.9
ok $? "a ledger of six items"
d link A1 A2 --why 同一企业 >/dev/null && d link A2 A3 --why 同一场地 >/dev/null
ok $? "A1–A2 and A2–A3 linked"

is "$(codes --search 砖瓦窑)" "A1" "--search finds the match alone"
is "$(codes --search 砖瓦窑 --linked)" "A1 A2" "--linked adds the item linked to it (one step)"
is "$(codes --search 积尘 --linked)" "A2 A3" "from either end of the link"
is "$(codes --search 砖瓦窑 --linked --county 南河县)" "" "other filters still apply"
is "$(codes --same-site A1)" "A1 A2 A3 B2" "--same-site: links through links, and B2 100 m away"
is "$(codes --same-site A1 --site-radius 0)" "A1 A2 A3" "--site-radius 0: links only"
is "$(codes --same-site A1 --site-radius 400)" "A1 A2 A3 B2 B3" "400 m: B3 too"
is "$(codes --same-site A1 --site-radius 50)" "A1 A2 A3" "50 m: not B2"
is "$(codes --same-site A3)" "A1 A2 A3" "from A3: the linked items (A3 has no coordinates)"
is "$(codes --same-site B2)" "A1 B2" "from B2: A1 by distance only (its links are A1's, not B2's)"
is "$(codes --same-site C1)" "C1" "a site alone"
is "$(d list --same-site A1 --count-by county --format csv | sed 1d | tr -d '\r')" "北岭县,4" "--count-by counts the same items"
d unlink A2 A3 --why 已核实不同场地 >/dev/null
ok $? "A2–A3 unlinked"
is "$(codes --same-site A1 --site-radius 0)" "A1 A2" "an unlink cuts the walk"
is "$(codes --search 积尘 --linked)" "A3" "and the search"
d link A3 A2 --why 重新关联 >/dev/null
is "$(codes --search 积尘 --linked)" "A2 A3" "linked again (from the other end): found again"

run d list --same-site NOPE
exit_is 3 "an unknown --same-site item: not found"
like "$err" "no item with code 'NOPE'" "says so"
run d list --linked
exit_is 2 "--linked without --search: a usage error"
like "$err" "--search" "naming --search"
run d list --same-site A1 --site-radius -5
exit_is 2 "a negative radius refused"
run d list --same-site A1 --site-radius 10km
exit_is 2 "a radius with a unit refused"
run d report --same-site A1 --format md
like "$out" "同一场所：A1" "the bulletin names the site in its scope"

# ---------------------------------------------------------------- differential
DB=$tmp/demo.db
d demo --items 400 --seed 21 >/dev/null 2>&1
ok $? "a demo ledger of 400 items"
d export --format json -o "$tmp/items.json" >/dev/null 2>&1
python3 - "$tmp/items.json" >"$tmp/plan" <<'PY'
import json, random, sys
items = json.load(open(sys.argv[1], encoding="utf-8"))
rng = random.Random(15)
codes = [it["code"] for it in items]
# 50 links, 10 of them undone later, some chains and a cycle.
pairs = []
for _ in range(50):
    a, b = rng.sample(codes[:120], 2)
    pairs.append((a, b))
    print("link %s %s" % (a, b))
for a, b in rng.sample(pairs, 10):
    print("unlink %s %s" % (b, a) if rng.random() < 0.5 else "unlink %s %s" % (a, b))
# 20 items moved to 30..400 m from another one with coordinates.
located = [it for it in items if it.get("longitude") is not None]
for it in rng.sample(located, 20):
    o = rng.choice(located)
    dist = rng.uniform(30, 400)
    import math
    ang = rng.uniform(0, 2 * math.pi)
    lat = o["latitude"] + dist * math.sin(ang) / 111195.0
    lon = o["longitude"] + dist * math.cos(ang) / (111195.0 * math.cos(math.radians(o["latitude"])))
    print("move %s %.7f %.7f" % (it["code"], lon, lat))
PY
while read -r what a b c; do
	case $what in
	link) d link "$a" "$b" --why 同一场所 ;;
	unlink) d unlink "$a" "$b" --why 不是同一场所 ;;
	move) d edit "$a" --set longitude="$b" --set latitude="$c" ;;
	esac
done <"$tmp/plan" >/dev/null 2>"$tmp/plan.err"
# A pair picked twice is "already linked"; an unlink of a pair unlinked
# twice is refused: both harmless here.
ok 0 "links, unlinks and moves applied ($(wc -l <"$tmp/plan" | tr -d ' ') steps)"
d export --format json -o "$tmp/items.json" >/dev/null 2>&1

# One line per question: "site CODE RADIUS" or "linked WORD".
python3 - "$tmp/items.json" >"$tmp/questions" <<'PY'
import json, random, sys
items = json.load(open(sys.argv[1], encoding="utf-8"))
rng = random.Random(7)
for it in rng.sample(items[:150], 40):
    print("site %s %d" % (it["code"], rng.choice([0, 50, 200, 200, 400])))
for w in ["砂石厂", "油烟", "养殖场", "噪声", "渗滤液", "燃煤", "河道", "废水", "扬尘", "餐饮"]:
    print("linked %s" % w)
PY
while read -r what a b; do
	if [ "$what" = site ]; then
		echo "site $a $b: $(codes --same-site "$a" --site-radius "$b")"
	else
		echo "linked $a: $(codes --search "$a") | $(codes --search "$a" --linked)"
	fi
done <"$tmp/questions" >"$tmp/answers"
result=$(python3 - "$tmp/items.json" "$DB" "$tmp/answers" <<'PY'
import json, math, sqlite3, sys
items = json.load(open(sys.argv[1], encoding="utf-8"))
by_code = {it["code"]: it for it in items}
code_of = {it["id"]: it["code"] for it in items}
db = sqlite3.connect(sys.argv[2])
# The latest record of each pair, whichever end made it.
latest = {}
for item_id, other_id, kind, created, rowid in db.execute(
        "SELECT item_id, other_id, kind, created_at, rowid FROM link ORDER BY created_at, rowid"):
    latest[frozenset((item_id, other_id))] = kind
adj = {}
for pair, kind in latest.items():
    if kind == "unlink" or len(pair) != 2:
        continue
    a, b = tuple(pair)
    adj.setdefault(a, set()).add(b)
    adj.setdefault(b, set()).add(a)
def metres(p, q):
    la1, la2 = math.radians(p["latitude"]), math.radians(q["latitude"])
    dla, dlo = la2 - la1, math.radians(q["longitude"] - p["longitude"])
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))
bad, n, near, chained = [], 0, 0, 0
for line in open(sys.argv[3], encoding="utf-8"):
    head, _, got = line.rstrip("\n").partition(": ")
    n += 1
    if head.startswith("site "):
        _, code, radius = head.split()
        radius = int(radius)
        o = by_code[code]
        seen, todo = {o["id"]}, [o["id"]]
        while todo:
            for x in adj.get(todo.pop(), ()):
                if x not in seen:
                    seen.add(x)
                    todo.append(x)
        want = {code_of[x] for x in seen if x in code_of}
        chained += len(want) > 2
        if radius and o.get("longitude") is not None:
            close = {it["code"] for it in items if it.get("longitude") is not None
                     and metres(o, it) <= radius}
            near += len(close - want) > 0
            want |= close
        want = " ".join(sorted(want, key=lambda c: c.encode()))
        if got != want:
            bad.append("%s: got %s, want %s" % (head, got, want))
    else:
        base, _, wide = got.partition(" | ")
        ids = {by_code[c]["id"] for c in base.split()}
        want = set(base.split()) | {code_of[y] for x in ids for y in adj.get(x, ())}
        want = " ".join(sorted(want, key=lambda c: c.encode()))
        if wide != want:
            bad.append("%s: got %s, want %s" % (head, wide, want))
print("\n".join(bad) if bad else "ok %d questions, %d with chains of links, %d with neighbours by distance" % (n, chained, near))
PY
)
like "$result" "ok 50 questions" "50 answers as Python's walk and distances: $result"
case $result in
"ok 50 questions, 0 with"* | *", 0 with neighbours"*) fail "the questions reach chains and neighbours" ;;
ok*) pass "the questions reach chains and neighbours" ;;
*) fail "the questions reach chains and neighbours" ;;
esac
done_testing
