#!/bin/sh
# The complaint feedback clock: 交办日期 and 反馈日期 imported by their headers,
# the due date transfer + N days (10 central, 7 for rounds with 省 by
# default, `set feedback-days` in the config) checked against Python's
# calendar over thousands of generated dates (month ends, leap years,
# centuries), `list --feedback-overdue` against an independent count on a
# fixed day, `show` with the due date and the ladder's feedback step, and
# the edit of the dates.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

# ---------------------------------------------------------------- the differential
# 4,000 complaints: transfer dates across 1999..2032, a quarter of them within
# three days of a month's end, a tenth of them around 29 February; some
# answered, some closed, rounds central and provincial.
python3 - "$tmp/gen.csv" "$tmp/expect_due.txt" <<'PY'
import csv, datetime, random, sys
random.seed(15)
rounds = ["第二轮中央生态环境保护督察", "第一轮", "回头看", "省级督察", "第三轮省生态环境保护督察"]
rows, due = [], []
lo, hi = datetime.date(1999, 1, 1).toordinal(), datetime.date(2032, 12, 31).toordinal()
for i in range(4000):
    r = random.random()
    if r < 0.25:
        y, m = random.randint(1999, 2032), random.randint(1, 12)
        last = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)).day
        d = datetime.date(y, m, last - random.randint(0, 3))
    elif r < 0.35:
        y = random.choice([2000, 2004, 2023, 2024, 2028, 2100 - 100, 2001])
        d = datetime.date(y, 2, 20) + datetime.timedelta(days=random.randint(0, 12))
    else:
        d = datetime.date.fromordinal(random.randint(lo, hi))
    rnd = random.choice(rounds)
    status = random.choice(["整改中"] * 5 + ["已销号"])
    fb = (d + datetime.timedelta(days=random.randint(0, 20))).isoformat() if random.random() < 0.2 else ""
    form = random.choice(["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"])
    rows.append(["FB%05d" % i, "信访件%d" % i, "信访件", "东川县", rnd, "第1批", d.strftime(form).replace("年0", "年").replace("月0", "月"), fb, status])
    n = 7 if "省" in rnd else 10
    due.append("FB%05d,%s,%s,%s" % (i, (d + datetime.timedelta(days=n)).isoformat(), fb, "closed" if status == "已销号" else "open"))
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["受理编号", "问题名称", "类型", "行政区域", "督察轮次", "批次", "交办时间", "反馈日期", "整改状态"])
    w.writerows(rows)
with open(sys.argv[2], "w") as f:
    f.write("\n".join(due) + "\n")
PY
ok $? "4,000 complaints generated"
run d import "$tmp/gen.csv"
exit_is 0 "they import"
like "$out" "4000 inserted" "all 4,000 of them"

# Far in the future every pending clock is overdue: the listing gives each
# one's due date.
DUBAN_TODAY=2200-01-01 d list --feedback-overdue --format csv | sed 1d | cut -d, -f1,11 | sort >"$tmp/got_due.txt"
awk -F, '$3 == "" && $4 == "open" { print $1 "," $2 }' "$tmp/expect_due.txt" | sort >"$tmp/want_due.txt"
is "$(wc -l <"$tmp/got_due.txt" | tr -d ' ')" "$(wc -l <"$tmp/want_due.txt" | tr -d ' ')" \
	"as many pending clocks as Python counts ($(wc -l <"$tmp/want_due.txt" | tr -d ' '))"
if cmp -s "$tmp/got_due.txt" "$tmp/want_due.txt"; then
	pass "every due date is Python's transfer + 10 (central) or 7 (省)"
else
	fail "every due date is Python's transfer + 10 (central) or 7 (省)"
	diff "$tmp/want_due.txt" "$tmp/got_due.txt" | head -10 | sed 's/^/#   /'
fi

# On given days, overdue means due < today: the boundary on both sides.
for today in 2000-03-01 2004-03-08 2024-02-29 2024-03-10 2016-12-31 2031-01-01; do
	DUBAN_TODAY=$today d list --feedback-overdue --format csv | sed 1d | cut -d, -f1 | sort >"$tmp/got_od.txt"
	awk -F, -v t="$today" '$3 == "" && $4 == "open" && $2 < t { print $1 }' "$tmp/expect_due.txt" | sort >"$tmp/want_od.txt"
	if cmp -s "$tmp/got_od.txt" "$tmp/want_od.txt"; then
		pass "feedback overdue on $today: the same $(wc -l <"$tmp/want_od.txt" | tr -d ' ') items as Python"
	else
		fail "feedback overdue on $today: the same items as Python"
		diff "$tmp/want_od.txt" "$tmp/got_od.txt" | head -10 | sed 's/^/#   /'
	fi
done

# The days from the configuration: a bare number and ROUND:DAYS.
mkdir -p "$tmp/cfg/duban"
printf 'set feedback-days "12 回头看:15 省:5"\n' >"$tmp/cfg/duban/config"
XDG_CONFIG_HOME=$tmp/cfg DUBAN_TODAY=2200-01-01 d list --feedback-overdue --format csv --round 回头看 |
	sed 1d | cut -d, -f1,11 | sort >"$tmp/got15.txt"
python3 - "$tmp/gen.csv" "$tmp/want15.txt" <<'PY'
import csv, datetime, re, sys
out = []
for r in list(csv.reader(open(sys.argv[1])))[1:]:
    if r[4] != "回头看" or r[7] or r[8] == "已销号":
        continue
    y, m, d = map(int, re.findall(r"\d+", r[6]))
    out.append("%s,%s" % (r[0], (datetime.date(y, m, d) + datetime.timedelta(days=15)).isoformat()))
open(sys.argv[2], "w").write("".join(x + "\n" for x in sorted(out)))
PY
if [ -s "$tmp/want15.txt" ] && cmp -s "$tmp/got15.txt" "$tmp/want15.txt"; then
	pass "set feedback-days \"12 回头看:15 省:5\": 回头看 gets 15 days"
else
	fail "set feedback-days \"12 回头看:15 省:5\": 回头看 gets 15 days"
	diff "$tmp/want15.txt" "$tmp/got15.txt" | head -5 | sed 's/^/#   /'
fi
printf 'set feedback-days "十天"\n' >"$tmp/cfg/duban/config"
XDG_CONFIG_HOME=$tmp/cfg run d list --feedback-overdue --limit 1
like "$err" "config:1: feedback-days:" "a bad feedback-days line is reported as FILE:LINE"

# ---------------------------------------------------------------- one item
DB=$tmp/one.db
cat >"$tmp/one.csv" <<'CSV'
受理编号,问题名称,类型,行政区域,督察轮次,交办日期,整改状态
D1,夜间施工噪声扰民,信访件,东川县,第二轮中央督察,2026-06-01,整改中
D2,河道倾倒垃圾,信访件,东川县,省级督察,2026-06-10,整改中
P1,工业园区污水管网,反馈问题,东川县,第二轮中央督察,2026-06-01,整改中
CSV
d import "$tmp/one.csv" >/dev/null
run d show D1
like "$out" "2026-06-11, 4 days overdue" "show: due 06-01 + 10, 4 days overdue on 06-15"
like "$out" "reminder due since 2026-06-12" "show: the ladder's feedback step is due from the day after"
run d show D2
like "$out" "2026-06-17, 2 days left" "show: a provincial round gets 7 days"
unlike "$out" "Feedback step" "... and no step is due yet"
run d show P1
unlike "$out" "Feedback due" "a problem has no feedback clock"
is "$(d show D1 --format json | jq -r '[.feedback_due, .feedback_overdue] | join(" ")')" "2026-06-11 true" \
	"show --format json: feedback_due and feedback_overdue"
d action D1 --kind reminder --date 2026-06-12 --text 请于三日内反馈办理情况 >/dev/null 2>&1
run d show D1
like "$out" "reminder sent 2026-06-12" "a reminder after the due date takes the step"
is "$(d list --feedback-overdue --format csv | sed 1d | cut -d, -f1 | tr '\n' ' ')" "D1 " "list --feedback-overdue: D1 only"
run d edit D1 --set feedback_on=2026-06-14
exit_is 0 "the feedback date is edited"
is "$(d list --feedback-overdue --format csv | sed 1d | wc -l | tr -d ' ')" 0 "answered: no longer overdue"
unlike "$(d show D1)" "Feedback due" "and show no longer counts"
run d edit D2 --set 交办日期=2026-06-01
exit_is 0 "the transfer date is edited by its Chinese name"
is "$(d list --feedback-overdue --format csv | sed 1d | cut -d, -f1,11 | tr '\n' ' ')" "D2,2026-06-08 " \
	"D2 moved: due 2026-06-08, overdue"
run d edit D2 --set transferred_on=2026-02-30
exit_is 4 "an impossible transfer date is refused"
d export --format csv -o "$tmp/out.csv" >/dev/null 2>&1
like "$(head -1 "$tmp/out.csv")" "交办日期,反馈日期" "the export has both dates by their Chinese names"
done_testing
