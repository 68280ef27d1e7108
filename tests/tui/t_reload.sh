#!/bin/sh
# The TUI notices changes made outside it (issue 16, point 7): another duban
# command writes to the ledger while the screen is idle, and within about a
# second the status line's counts and the item's detail show it, without
# C-l.
. "$(dirname "$0")/lib.sh"

queued() { L "$1 queued" "待同步 $1"; }

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
code=$(d list --format csv --sort light --limit 1 | sed 1d | cut -d, -f1)

start 120 40
wait_for "$OFFLINE"
screen_has "$(queued 0)" "nothing queued at the start"
screen_has "$code" "the first item is selected"
wait_quiet

d note "$code" "县生态环境局复查：外部命令写入的进展" >/dev/null
ok $? "a note added by another duban command"
wait_for "$(queued 1)" 2
ok $? "within 2 s the status line counts it: $(queued 1)"

d edit "$code" --set progress=97 >/dev/null
ok $? "progress set to 97 by another duban command"
wait_for "97%" 2
ok $? "within 2 s the detail pane shows 97%"
screen_has "$(queued 2)" "… and two changes queued"

# Over another view too: the overdue view reloads its list.
keys O
wait_for "$(L "overdue:" "逾期：")"
n=$(d overdue --format csv | sed 1d | wc -l | tr -d ' ')
d edit "$code" --set deadline=2026-12-31 >/dev/null
wait_for "$(L "overdue: $((n - 1)) items" "逾期：$((n - 1)) 项")" 2
ok $? "the overdue view counts one item less once its deadline moved"
keys Escape
quit

done_testing
