#!/bin/sh
# The public notice (公示) with objections: moving to publicized opens a
# notice (start, end = start + N days, place, contact); 销号 is refused while
# it runs and while an objection is open, with the reason named; an upheld
# objection returns the item to work with the objection as the reason, a
# dismissed one leaves it; closing works once the notice ended and every
# objection is settled.
. "$(dirname "$0")/lib.sh"

# at DATE CMD...: duban on the ledger as if today were DATE.
at() {
	_day=$1
	shift
	DUBAN_TODAY=$_day DUBAN_NOW=${_day}T08:00:00Z "$DUBAN" --db "$DB" "$@"
}
field() {
	d show ZG-1 --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['item']['$1'])"
}
status_of() {
	field status
}
# verify CODE: signs both levels of the default chain (the only way to verified).
verify() {
	d accept "$1" --level county --pass --opinion 同意 >/dev/null &&
		d accept "$1" --level city --pass --opinion 同意 >/dev/null
}

d add --code ZG-1 --kind problem --title '非法采砂' --county 东川县 >/dev/null &&
	d status ZG-1 in_progress >/dev/null && d status ZG-1 requested >/dev/null &&
	verify ZG-1
ok $? "an item verified"

run d status ZG-1 publicized --days 0
exit_is 2 "--days 0 is refused"
run d status ZG-1 publicized --place '东川日报、县政府网站' --contact '0871-6212345' --days 10
exit_is 0 "publicized with a notice"
like "$out" "public notice 2026-06-15 to 2026-06-25" "the notice runs start + 10 days"
is "$(status_of)" "publicized" "the item is publicized"
is "$(field notice_end)" "2026-06-25" "the item's notice_end follows the notice"
run d show ZG-1
like "$out" "Public notice: 2026-06-15 to 2026-06-25 (running)" "show: the notice"
like "$out" "published at: 东川日报、县政府网站" "show: where"
like "$out" "objections to: 0871-6212345" "show: the contact"

# ---------------------------------------------------------------- closing refused while the notice runs
run at 2026-06-25 status ZG-1 closed
exit_is 4 "closing on the notice's last day is refused"
like "$err" "its public notice runs until 2026-06-25 (closing from 2026-06-26)" "naming the end"
is "$(status_of)" "publicized" "still publicized"

# ---------------------------------------------------------------- objections
run d objection add ZG-1 '采砂点夜间仍有运输车辆' --from '村民王某' --date 2026-06-17
exit_is 0 "objection 1 recorded"
like "$out" "objection 1 recorded" "numbered 1"
# numbered in the order made (the same on every replica)
run env DUBAN_NOW=2026-06-15T09:00:00Z "$DUBAN" --db "$DB" objection add ZG-1 '公示地点不便查看'
exit_is 0 "objection 2 recorded"
run d objection list ZG-1 --format json
exit_is 0 "list as JSON"
is "$(printf '%s' "$out" | python3 -c "import json,sys; print(' '.join(o['state']+':'+o['from'] for o in json.load(sys.stdin)))")" \
	"open:村民王某 open:" "two open objections, who raised the first"

run at 2026-06-30 status ZG-1 closed
exit_is 4 "closing after the notice with an open objection is refused"
like "$err" "objection 1 is open" "naming the objection"
run at 2026-06-30 overdue
exit_is 0 "overdue after the notice's end"
like "$out" "ZG-1  非法采砂  notice ended 2026-06-25 (5 days ago)" "the overdue list names the item due for closing"
run at 2026-06-30 report
like "$out" "公示：0项正在公示，1项公示期满待销号；收到异议2件，其中尚未处理2件。" "the bulletin counts the notice and objections"
run at 2026-06-20 report
like "$out" "公示：1项正在公示，0项公示期满待销号" "... a running notice"

run env DUBAN_ROLE=inspector "$DUBAN" --db "$DB" objection resolve ZG-1 2 --dismissed --text '不成立'
exit_is 4 "an inspector does not settle objections"
run d objection resolve ZG-1 2 --dismissed --text '已在县政府网站同步公示' --date 2026-06-20
exit_is 0 "objection 2 dismissed"
is "$(status_of)" "publicized" "a dismissed objection leaves the item publicized"
run d objection resolve ZG-1 2 --upheld --text 'again'
exit_is 4 "an objection settled already is refused"
like "$err" "objection 2 to ZG-1 was dismissed on 2026-06-20 already" "saying how"

run d objection resolve ZG-1 1 --upheld --text '经核查属实，责令整改' --date 2026-06-21
exit_is 0 "objection 1 upheld"
like "$out" "publicized → in progress" "the item goes back to work"
is "$(status_of)" "in_progress" "in progress again"
run d show ZG-1 --format json
printf '%s' "$out" | python3 -c "
import json,sys
h=json.load(sys.stdin)['history']
print([e['reason'] for e in h if e.get('type')=='event' and e.get('field')=='status'][0])" >reason.txt
is "$(cat reason.txt)" "objection upheld: 采砂点夜间仍有运输车辆" "with the objection as the reason"
run d objection list ZG-1
like "$out" "Objection 1 (2026-06-17, 村民王某): 采砂点夜间仍有运输车辆 [upheld 2026-06-21: 经核查属实，责令整改]" "list: upheld"
like "$out" "Objection 2 (2026-06-15): 公示地点不便查看 [dismissed 2026-06-20: 已在县政府网站同步公示]" "list: dismissed"

# ---------------------------------------------------------------- the dossier
d dossier ZG-1 -o "$tmp/zg1.html" >/dev/null
grep -q "<h3>公示与异议</h3>" "$tmp/zg1.html"
ok $? "the dossier has the notice and its objections"
grep -q "公示：2026-06-15 至 2026-06-25；公示地点：东川日报、县政府网站；异议受理：0871-6212345" "$tmp/zg1.html"
ok $? "... the notice with place and contact"
grep -q "<td>收到异议1（2026-06-17，村民王某）：采砂点夜间仍有运输车辆</td><td>成立</td>" "$tmp/zg1.html"
ok $? "... objection 1, upheld"
grep -q "异议2处理（2026-06-20）：异议不成立，已在县政府网站同步公示" "$tmp/zg1.html"
ok $? "... the dismissal of objection 2"
is "$(grep -c '收到异议' "$tmp/zg1.html")" 4 "... each objection in the notice's table and in the timeline"

# ---------------------------------------------------------------- a second round, then closing allowed
# (on a later day than the first round: a chain counts the sign-offs made
# since the latest request)
at 2026-06-30 status ZG-1 requested >/dev/null &&
	at 2026-06-30 accept ZG-1 --level county --pass --opinion 同意 >/dev/null &&
	at 2026-06-30 accept ZG-1 --level city --pass --opinion 同意 >/dev/null
ok $? "requested and verified again"
run at 2026-07-01 status ZG-1 publicized --start 2026-07-01
exit_is 0 "publicized again, the default 7 days"
like "$out" "public notice 2026-07-01 to 2026-07-08" "start + 7"
mkdir -p "$HOME/.config/duban" && printf 'set notice-days 3\n' >"$HOME/.config/duban/config"
run at 2026-07-08 status ZG-1 closed
exit_is 4 "closing on the last day of the new notice is refused"
run at 2026-07-09 status ZG-1 closed
exit_is 0 "closing the day after the notice with every objection settled"
is "$(status_of)" "closed" "closed (销号)"

# the setting notice-days
d add --code ZG-2 --kind problem --title '违规堆放' --county 东川县 >/dev/null &&
	d status ZG-2 in_progress >/dev/null && d status ZG-2 requested >/dev/null && verify ZG-2
run env XDG_CONFIG_HOME=$HOME/.config "$DUBAN" --db "$DB" status ZG-2 publicized
like "$out" "public notice 2026-06-15 to 2026-06-18" "set notice-days 3"

done_testing
