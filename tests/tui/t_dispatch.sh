#!/bin/sh
# The 调度 view (issue 15): D opens, on the latest open round of the demo,
# the items to report with their state, latest submission and progress,
# and "left N / total M" in the header; Enter opens the submission form (a
# bad progress refused, a file attached), C-s saves it, the count goes down
# and the row says late with the new progress; ] and [ move between rounds
# (the closed one is read-only, with the reason); :dispatch NAME (Tab
# completes it) opens a round by name; a viewer sees the list without the
# form; an inspector sees the members of their counties; `duban dispatch
# show` and `duban show` then have the submissions.  Run in C.UTF-8 and, by
# tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
# The demo's rounds: this month's open and half reported, last month's closed.
d dispatch list | sed 1d >"$tmp/rounds"
round=$(sed -n 1p "$tmp/rounds" | awk '{ print $1 }')
old=$(sed -n 2p "$tmp/rounds" | awk '{ print $1 }')
members=$(d dispatch show "$round" | sed -n 's/^Reported: \([0-9]*\) of \([0-9]*\)$/\2/p')
reported=$(d dispatch show "$round" | sed -n 's/^Reported: \([0-9]*\) of \([0-9]*\)$/\1/p')
left=$((members - reported))
# The first member with no submission, and its place in the list.
d dispatch show "$round" | grep '^[!+ ] ' >"$tmp/members"
code=$(grep -m1 ' missing$' "$tmp/members" | awk '{ print $2 }')
row=$(grep -n -m1 ' missing$' "$tmp/members" | cut -d: -f1)
# The second one, for a submission with a file.
code2=$(grep ' missing$' "$tmp/members" | sed -n 2p | awk '{ print $2 }')
row2=$(grep -n ' missing$' "$tmp/members" | sed -n 2p | cut -d: -f1)
[ -n "$round" ] && [ -n "$old" ] && [ "$left" -gt 0 ] && [ -n "$code" ]
ok $? "round $round: $reported of $members reported; $code missing at row $row; older round $old"

HEAD=$(L "dispatch $round · left $left / total $members · due 2026-06-13" \
	"调度 $round · 剩余 $left / 共 $members · 截止 2026-06-13")
HEAD_AFTER=$(L "dispatch $round · left $((left - 1)) / total $members" "调度 $round · 剩余 $((left - 1)) / 共 $members")
FORM=$(L "Report to $round: $code" "报送 $round：$code")

# ---------------------------------------------------------------- 100×30
start 100 30
wait_for "$OFFLINE"
keys D
screen_has "$HEAD" "D opens the latest open round, with what is left in the header"
screen_is dispatch-100x30 "the dispatch view at 100×30"
line 3 | grep -q "^ $code "
ok $? "the first row is $code"
keys '?'
screen_has "$(L "the next (older) round" "下一个（更早的）调度")" "help lists ] for the next round"
keys q
wait_for "$HEAD" >/dev/null

# Down to the first missing member, and report on it.
i=1
while [ "$i" -lt "$row" ]; do
	keys j
	i=$((i + 1))
done
keys Enter
screen_has "$FORM" "Enter opens the submission form"
screen_is dispatch-form-100x30 "the form: progress, what was done, an optional file"
keys C-u
text 60
keys Tab
text '已完成现场清理，正在组织验收'
keys C-s
screen_lacks "$FORM" "C-s saves it"
screen_has "$HEAD_AFTER" "the count goes down by one"
screen_has " $code " "the cursor stays on $code"
screen >"$tmp/after"
grep " $code " "$tmp/after" | grep -q "$(L late 逾期报送) *2026-06-15 *60% 已完成现场清理"
ok $? "its row: late (after the due date), today, 60%, the text"
screen_has "$(L "1 submitted; latest 2026-06-15 by" "已报送 1 次；最近一次 2026-06-15")" "the pane: the submission"

# ] the older (closed) round: read-only, with the reason.
keys ']'
screen_has "$(L "dispatch $old" "调度 $old")" "] shows the older round"
screen_has "$(L "closed" "已结束")" "... closed"
screen_has "$(L "Read only: the dispatch round '$old' is closed." "只读：")" "... read-only, with the reason"
keys Enter
screen_lacks "$(L "Report to" "报送 $old")" "... Enter opens no form there"
keys '['
screen_has "$HEAD_AFTER" "[ back to the latest round"
keys :
text "dispatch $(printf '%s' "$old" | cut -c1-7)"
keys Tab
screen_has ":dispatch $old" "Tab completes a round's name"
keys Enter
screen_has "$(L "dispatch $old" "调度 $old")" ":dispatch NAME switches to that round"
keys Escape
wait_gone "$(L "dispatch $old" "调度 $old")" >/dev/null
keys :
text "dispatch"
keys Enter
screen_has "$HEAD_AFTER" ":dispatch opens the latest open round"

# A bad progress keeps the form open with what was typed; a file goes with
# the submission as evidence.
printf 'photo' >"$tmp/现场照片.jpg"
i=1
while [ "$i" -lt "$row2" ]; do
	keys j
	i=$((i + 1))
done
keys Enter
screen_has "$(L "Report to $round: $code2" "报送 $round：$code2")" "the form for $code2"
keys C-u
text 150
keys Tab
text '砂石料场已清理'
keys Tab
text "$tmp/现场照片.jpg"
keys C-s
screen_has "$(L "a whole number from 0 to 100" "应为 0 到 100 的整数")" "progress 150 is refused in the form"
keys C-u
text 80
keys C-s
screen_lacks "$(L "Report to $round: $code2" "报送 $round：$code2")" "80 is saved"
screen_has "$(L "dispatch $round · left $((left - 2)) / total $members" "调度 $round · 剩余 $((left - 2)) / 共 $members")" \
	"the count goes down again"
keys Escape
quit
is "$(sqlite3 "$DB" "SELECT a.name FROM dispatch r JOIN attachment a ON a.id = r.attachment_id JOIN item i ON i.id = r.item_id
	WHERE r.kind = 'report' AND i.code = '$code2'")" 现场照片.jpg "the submission names the file, attached to $code2"

# ---------------------------------------------------------------- the store
d dispatch show "$round" | grep " $code " >"$tmp/shown"
grep -q "+ $code .* late  2026-06-15 60%  tester@local: 已完成现场清理，正在组织验收" "$tmp/shown"
ok $? "duban dispatch show: $code submitted late, 60%"
is "$(d show "$code" --format json | jq -r .item.progress)" 60 "duban show: the item's progress is 60"
d show "$code" | grep -q "已完成现场清理，正在组织验收"
ok $? "... and the note is there"
is "$(d dispatch list | sed -n 2p | awk '{ print $6 }')" "$((reported + 2))" "duban dispatch list: two more reported"
d dispatch show "$round" | grep -q "+ $code2 .* late  2026-06-15 80%  tester@local: 砂石料场已清理"
ok $? "duban dispatch show: $code2 submitted late, 80%"

# ---------------------------------------------------------------- 80×24
start 80 24
wait_for "$OFFLINE"
keys D
screen_has "$(L "left $((left - 2)) / total $members" "剩余 $((left - 2)) / 共 $members")" "80×24: the view"
screen_is dispatch-80x24 "the dispatch view at 80×24: columns dropped, Chinese cut by width"
keys Escape
quit

# ---------------------------------------------------------------- viewer
start 100 30 DUBAN_ROLE=viewer
wait_for "$OFFLINE"
keys D
screen_has "$(L "Read only: a viewer may not add records." "只读：")" "a viewer sees the list, read-only"
keys Enter
screen_lacks "$FORM" "... and gets no form"
screen_has "$(L "read only: a viewer may not add records" "只读：")" "... but a message"
keys Escape
quit

# ---------------------------------------------------------------- an inspector
# Logged in (on a port where nothing listens) as an inspector of 城关区: the
# items to report are that county's members only.
mkdir -p "$tmp/cfg/duban"
printf 'url=https://127.0.0.1:9\nuser=li\ntoken=%s\ndevice=test\nrole=inspector\ncounties=城关区\n' \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" >"$tmp/cfg/duban/account"
chmod 600 "$tmp/cfg/duban/account"
d dispatch show "$round" | grep '^[!+ ] ' >"$tmp/members"
n_cg=$(grep -c '  城关区  ' "$tmp/members")
left_cg=$(grep '  城关区  ' "$tmp/members" | grep -c ' missing$')
start 100 30
wait_for "$(L "queued" "待同步")"
keys D
screen_has "$(L "left $left_cg / total $n_cg" "剩余 $left_cg / 共 $n_cg")" \
	"an inspector of 城关区: that county's $n_cg members, $left_cg left"
screen >"$tmp/inspector"
others=$(sed -n '3,20p' "$tmp/inspector" | grep '^ [A-Z]' | grep -vc ' 城关区 ')
is "$others" 0 "... no row of another county"
keys Escape
quit
rm -f "$tmp/cfg/duban/account"

# ---------------------------------------------------------------- no round
DB=$tmp/empty.db
d add --code FK-001 --title 没有调度的台账 --county 城关区 >/dev/null
start 80 24
wait_for "$OFFLINE"
keys D
screen_has "$(L "No dispatch round: the office opens one (duban dispatch open)." "没有调度：由整改办发起（duban dispatch open）。")" \
	"a ledger without rounds: the view says how one is opened"
keys Escape
quit

done_testing
