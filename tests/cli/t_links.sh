#!/bin/sh
# link / unlink / reopen: links both ways in show and the dossier, a repeat
# complaint's duplicate_of and the first one's repeat count (show, list),
# unlink ending the pair (and the repeat), refusals (self, unknown item, a
# problem as a repeat, unlink of no link, a viewer); reopen of a closed item
# (office only, a reason required, not of an open item), the rebound in the
# history and counted in the bulletin.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/l.csv" <<'CSV'
受理编号,问题名称,类型,行政区域,乡镇,整改状态
C1,砖厂粉尘污染,信访件,东川县,汤丹镇,整改中
C2,砖厂夜间生产噪声,信访件,东川县,汤丹镇,整改中
C3,砖厂粉尘又被举报,信访件,东川县,汤丹镇,尚未启动
P1,汤丹镇工业园区扬尘治理,反馈问题,东川县,汤丹镇,已销号
CSV
d import "$tmp/l.csv" >/dev/null
ok $? "four items imported"

run d link C1 C2 --why 同一家砖厂
exit_is 0 "link C1 C2"
like "$out" "C1 and C2: linked" "... says so"
run d link C2 C1
exit_is 0 "linking them again from the other end"
like "$out" "already linked" "... changes nothing"
run d show C2
like "$out" "linked C1 砖厂粉尘污染 — 同一家砖厂" "show C2 lists C1 with the reason"
run d show C1 --format json
is "$(printf '%s' "$out" | jq -r '.links[0] | [.code, .kind, .why, .outgoing] | join("|")')" "C2|link|同一家砖厂|true" \
	"show --format json: the link from C1"

run d link C3 C1 --why 同一问题再次举报 --repeat
exit_is 0 "C3 marked a repeat of C1"
is "$(d show C3 --format json | jq -r .item.duplicate_of)" C1 "C3's duplicate_of is C1"
is "$(d show C1 --format json | jq -r .repeats)" 1 "C1 counts one repeat"
like "$(d show C1)" "repeated by C3" "show C1: repeated by C3"
is "$(d list --format csv | tr -d '\r' | awk -F, '$1 == "C1" { print $12 }')" 1 "list: C1's repeats column is 1"
run d link P1 C1 --repeat
exit_is 4 "a problem cannot be a repeat"
run d link C1 C1
exit_is 4 "an item cannot be linked to itself"
run d link C1 NOPE
exit_is 3 "linking an unknown item is refused (not found)"
run d link C1
exit_is 2 "link needs two items"

d dossier C1 -o "$tmp/c1.html" >/dev/null 2>&1
grep -q "六、关联事项（举一反三）" "$tmp/c1.html" && grep -q "<td>被重复举报</td><td>C3</td>" "$tmp/c1.html" &&
	grep -q "<td>关联事项</td><td>C2</td>" "$tmp/c1.html"
ok $? "the dossier lists the link and the repeat"

run d unlink C2 C1 --why 核实后不是同一家
exit_is 0 "unlink from the other end"
unlike "$(d show C1)" "linked C2" "C2 is no longer linked to C1"
like "$(d show C1)" "repeated by C3" "the repeat stays"
run d unlink C1 C2
exit_is 4 "unlinking what is not linked is refused"
run d unlink C1 C3
exit_is 0 "unlink the repeat"
is "$(d show C3 --format json | jq -r .item.duplicate_of)" "" "C3's duplicate_of is cleared"
is "$(d show C1 --format json | jq -r .repeats)" 0 "C1 counts no repeat"
run d link C1 C2 --why 复查确认同一家
exit_is 0 "linked again after an unlink"
like "$(d show C1)" "linked C2" "... and shown again"
DUBAN_ROLE=viewer run d link C1 C3
exit_is 4 "a viewer may not link"

# ---------------------------------------------------------------- reopen
run d reopen P1
exit_is 2 "reopen needs a reason"
DUBAN_ROLE=inspector run d reopen P1 --reason 扬尘又起
exit_is 4 "an inspector may not reopen"
like "$err" "only the office may reopen" "... and is told so"
run d reopen C1 --reason 又来了
exit_is 4 "an item not closed cannot be reopened"
run d reopen P1 --reason 复查发现扬尘反弹
exit_is 0 "the office reopens P1"
like "$out" "reopened (反弹)" "... a rebound"
is "$(d show P1 --format json | jq -r .item.status)" in_progress "P1 is in progress again"
is "$(d show P1 --format json | jq -r '.history[] | select(.type == "event" and .field == "status") | .old_value + ">" + .new_value + "|" + .reason')" \
	"closed>in_progress|复查发现扬尘反弹" "the history records the rebound and its reason"
like "$(d report)" "本期反弹（已销号后重新整改）1件。" "the bulletin counts the rebound"
done_testing
