#!/bin/sh
# The public notice (公示) in the TUI (issue 14): the item detail shows the
# notice (dates, where it was published, the contact for objections) and
# each objection with its state; Y records an objection, R settles one (the
# office only; an inspector is told so).  Run in C.UTF-8 and, by
# tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
# The demo's publicized item with an open objection.
code=$(sqlite3 "$DB" "SELECT i.code FROM notice o JOIN item i ON i.id = o.item_id WHERE o.kind = 'objection'
	AND i.status = 'publicized' AND NOT EXISTS (SELECT 1 FROM notice r WHERE r.objection_id = o.id)")
[ -n "$code" ]
ok $? "a publicized item with an open objection: $code"

OBJ_FORM=$(L "Objection to the public notice of $code" "对 $code 公示的异议")
RES_FORM=$(L "Settle an objection to $code" "处理 $code 的异议")

open_item() {
	keys :
	text "goto $1"
	keys Enter
	wait_quiet
	keys Enter
	wait_for "$1  " >/dev/null
}
leave() {
	wait_quiet
	keys q
	quit "$@"
}

start 80 24
wait_for "$OFFLINE"
open_item "$code"
screen_has "$(L "Public notice     2026-06-09 to 2026-06-25 (running)" "公示              2026-06-09 至 2026-06-25（公示中）")" \
	"the detail shows the notice and that it runs"
screen_has "$(L "Objections to     市整改办 0871-6212345" "异议受理          市整改办 0871-6212345")" "... the contact for objections"
screen_has "$(L "2026-06-11, 附近居民: 整改后夜间仍有异味" "2026-06-11，附近居民：整改后夜间仍有异味")" "... the objection"
screen_has "$(L "[open]" "［未处理］")" "... open"
screen_is notice-detail-80x24 "the notice in the detail"

keys Y
screen_has "$OBJ_FORM" "Y opens the objection form"
text '公示地点不便查看'
keys Tab
text '村民李某'
keys C-s
screen_lacks "$OBJ_FORM" "C-s records it"
screen_has "$(L "Objection 2       2026-06-15, 村民李某: 公示地点不便查看 [open]" "异议 2            2026-06-15，村民李某：公示地点不便查看［未处理］")" \
	"objection 2 is listed, open"

keys R
screen_has "$RES_FORM" "R opens the settling form"
screen_is notice-resolve-80x24 "the form lists the open objections"
keys Right Tab Right Right Tab
text '经第三方检测排放达标'
keys C-s
screen_lacks "$RES_FORM" "C-s settles it"
screen_has "$(L "dismissed 2026-06-15: 经第三方检测排放达标" "2026-06-15 不成立：经第三方检测排放达标")" \
	"objection 1 is dismissed"
leave
is "$(d objection list "$code" --format json | jq -r '[.[] | .state] | join(" ")')" "dismissed open" \
	"duban objection list: the first dismissed, the second open"

# The preview pane keeps one line per field, cut at its edge: the notice's
# end and state, and each objection's state, come first there.
start 120 40
wait_for "$OFFLINE"
keys :
text "goto $code"
keys Enter
wait_quiet
screen_has "$(L "│ Public notice  until 2026-06-25 (running)" "│ 公示           至 2026-06-25（公示中）")" \
	"the preview: the notice's end and that it runs"
screen_has "$(L "│ Objection 1    [dismissed 2026-06-15" "│ 异议 1         ［2026-06-15 不成立")" \
	"... a settled objection's state first"
screen_has "$(L "│ Objection 2    [open] 2026-06-15, 村民李某" "│ 异议 2         ［未处理］2026-06-15，村民李某")" \
	"... an open one's too"
leave

start 80 24 DUBAN_ROLE=inspector
wait_for "$OFFLINE"
open_item "$code"
keys R
screen_has "$(L "only the office settles objections" "只有整改办可以处理异议")" "an inspector may not settle objections"
screen_lacks "$RES_FORM" "... no form"
leave

done_testing
