#!/bin/sh
# status: legal and illegal moves, reasons, roles, exit codes, nothing changed.
. "$(dirname "$0")/lib.sh"

snapshot() {
	d export --format json
}

d add --code ZG-1 --title '工业园区废水直排' --deadline 2026-09-30 >/dev/null
ok $? "an item is added"

before=$(snapshot)
run d status ZG-1 已销号
exit_is 4 "an illegal move exits 4"
is "$err" "duban: illegal status change not started → closed; allowed: in progress" \
	"the refusal names the legal moves"
is "$(snapshot)" "$before" "nothing changed after an illegal move"

run d status ZG-1 整改中
exit_is 0 "not started → in progress by Chinese name"
is "$out" "ZG-1: not started → in progress" "the move is confirmed"
run d status ZG-1 整改中
exit_is 0 "moving to the same status exits 0"
like "$out" "nothing changed" "moving to the same status changes nothing"

run d status ZG-1 closed
exit_is 4 "in progress → closed exits 4"
like "$err" "allowed: close-out requested" "in progress may only request close-out"

run d status ZG-1 申请销号
exit_is 0 "in progress → requested (申请销号)"

before=$(snapshot)
run d status ZG-1 in_progress
exit_is 4 "returning without a reason exits 4"
like "$err" "needs a reason (--reason TEXT)" "the missing reason is explained"
is "$(snapshot)" "$before" "nothing changed without a reason"
run d status ZG-1 in_progress --reason '整改材料不全'
exit_is 0 "returning with a reason"
run d show ZG-1
like "$out" "Status: close-out requested → in progress (整改材料不全)" "the reason is in the history"

d status ZG-1 requested >/dev/null
run d inspect ZG-1 --result pass --findings '已完成截污' --inspectors 张三
exit_is 0 "a passing inspection"
run d show ZG-1
like "$out" "Status                    close-out requested" "a site inspection signs no level: still requested"
run d inspect ZG-1 --result pass --level county --findings '县级初验通过'
run d show ZG-1
like "$out" "Status                    close-out requested" "the county level signed: the city's is next"
run d inspect ZG-1 --result pass --level city --findings '市级验收通过'
run d show ZG-1
like "$out" "Status                    verified" "the last level's pass verifies a requested item"

before=$(snapshot)
run env DUBAN_ROLE=inspector "$DUBAN" --db "$DB" status ZG-1 publicized
exit_is 4 "an inspector may not publicize"
like "$err" "inspector" "the refusal names the role"
is "$(snapshot)" "$before" "nothing changed after a refused role"
run env DUBAN_ROLE=viewer "$DUBAN" --db "$DB" status ZG-1 publicized
exit_is 4 "a viewer may not change the status"

# a notice that ended before today: closing waits for it (t_notice.sh)
run d status ZG-1 公示中 --start 2026-06-01 --days 7
exit_is 0 "the office publicizes"
run d status ZG-1 已销号
exit_is 0 "the office closes"
run d list --status closed
like "$out" "ZG-1" "the closed item is listed as closed"
like "$out" "✓" "a closed item has the grey light symbol"

run d status ZG-1 finished
exit_is 4 "an unknown status exits 4"
like "$err" "unknown status 'finished'" "the unknown status is named"
run d status NOPE 整改中
exit_is 3 "an unknown code exits 3"
like "$err" "no item with code 'NOPE'" "the unknown code is named"
run d status ZG-1
exit_is 2 "status without the new status exits 2"
run d status ZG-1 closed --reason
exit_is 2 "--reason without a value exits 2"

done_testing
