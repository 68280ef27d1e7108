#!/bin/sh
# Forms: a Chinese progress note saved and read back with `duban show`;
# status changes (only legal ones offered, none to a viewer, a reason asked
# for and saved); editing a field; Esc on a form with text asks first; a
# resize while a form is open keeps what was typed.  Run in C.UTF-8 and, by
# tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

NOTE_FORM=$(L "Progress note:" "整改进展：")
NOTE=$(L "Note *" "整改进展 *")
SAVED=$(L saved 已保存)
NEW_STATUS=$(L "New status *" "新状态 *")

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
first=$(d list --format csv --sort light --limit 1 | sed 1d | cut -d, -f1)

# ---------------------------------------------------------------- note
start 80 24
wait_for "$OFFLINE"
keys a
screen_has "$(L "Progress note: $first" "整改进展：$first")" "a opens the note form on the selected item"
text '已完成隔音改造，噪声达标'
screen_has "$NOTE 已完成隔音改造，噪声达标" "the Chinese note is shown as typed"
screen_is form-note-80x24 "the note form at 80×24"
keys C-s
screen_has "$SAVED" "C-s saves"
screen_lacks "$NOTE_FORM" "the form is closed"
screen_has "$(L "1 queued" "待同步 1")" "the status line counts the queued change"
quit "q quits after saving"
d show "$first" >"$tmp/show"
grep -q "note: 已完成隔音改造，噪声达标" "$tmp/show"
ok $? "duban show has the note"

# ---------------------------------------------------------------- discard
start 80 24
wait_for "$OFFLINE"
keys a
wait_for "$NOTE_FORM"
keys Escape
screen_lacks "$NOTE_FORM" "Esc on an empty form closes it at once"
keys a
wait_for "$NOTE_FORM"
text '不要保存的草稿'
keys Escape
screen_has "$(L "Discard your changes? (y/N)" "放弃所做的修改？（y/N）")" "Esc on a form with text asks before discarding"
keys n
screen_has "$NOTE 不要保存的草稿" "n keeps the form and the text"
keys Escape
wait_for "$(L "Discard your changes?" "放弃所做的修改？")"
keys y
screen_lacks "$NOTE_FORM" "y discards"

# ---------------------------------------------------------------- resize
keys a
wait_for "$NOTE_FORM"
text '调整窗口大小时保留输入的文字'
wait_for "调整窗口大小时保留输入的文字"
t resize-window -x 60 -y 20
wait_for "$NOTE_FORM"
is "$(t display-message -p '#{window_width}x#{window_height}')" "60x20" "the terminal is now 60×20"
screen_has "调整窗口大小时保留输入的文字" "the typed text survives the resize to 60×20"
screen_is form-note-60x20 "the note form re-laid out at 60×20"
t resize-window -x 100 -y 30
screen_has "│ $NOTE 调整窗口大小时保留输入的文字" "… and back to 100×30"
text '。'
keys C-s
screen_has "$SAVED" "the note is saved after the resizes"
quit
d show "$first" | grep -q "note: 调整窗口大小时保留输入的文字。"
ok $? "duban show has the note typed across the resizes"
d show "$first" | grep -q "不要保存的草稿"
[ $? -ne 0 ]
ok $? "the discarded note was not written"

# ---------------------------------------------------------------- status
start 80 24
wait_for "$OFFLINE"
keys s
screen_has "$(L "Status of $first: in progress" "$first 的整改状态：整改中")" "s opens the status form"
wait_quiet
offered=
for i in 1 2 3 4; do
	o=$(screen | sed -n "s/.*$(L "New status" 新状态) \\* < \\(.*\\) >.*/\\1/p")
	case " $offered " in *" $o;"*) ;; *) offered="$offered $o;" ;; esac
	keys Right
	sleep 0.1
done
is "$offered" " $(L "close-out requested" 申请销号);" "from in progress only a close-out request is offered"
keys Escape
wait_gone "$(L "Status of" "的整改状态：")"

# A close-out request sent back to in progress needs a reason.
req=$(d list --format csv --sort light --status requested --limit 1 | sed 1d | cut -d, -f1)
keys :
text "goto $req"
keys Enter
wait_for "│ $req" 2
keys s
screen_has "$(L "Status of $req: close-out requested" "$req 的整改状态：申请销号")" "s on a requested item"
# Verified comes only from signing the chain (V): the one move offered, a
# return to in progress, is chosen at once.
screen_has "$NEW_STATUS < $(L "in progress" 整改中) >" "the one move offered, in progress, is chosen at once"
for i in 1 2 3 4 5; do
	screen | grep -qF "$NEW_STATUS < $(L "in progress" 整改中) >" && break
	keys Right
	sleep 0.1
done
screen_has "$NEW_STATUS < $(L "in progress" 整改中) >" "in progress can be chosen"
screen_has "$(L "Reason *" "理由 *")" "a return to in progress marks the reason required"
keys C-s
screen_has "$(L "Reason: required" "理由：必填")" "saving without a reason is refused with a message"
is "$(d list --format csv --status requested | grep -c "^$req,")" 1 "nothing was written"
keys Tab
text '现场复核未达标，退回整改'
keys C-s
screen_has "$SAVED" "with a reason it saves"
quit
d show "$req" >"$tmp/show"
grep -q "close-out requested → in progress (现场复核未达标，退回整改)" "$tmp/show"
ok $? "duban show's history has the move and its reason"
grep -q "^Status  *in progress" "$tmp/show"
ok $? "the item is in progress again"

# A viewer is offered no status change at all.
start 80 24 DUBAN_ROLE=viewer
wait_for "$OFFLINE"
keys s
screen_has "$(L "no status change is open to the viewer role" "“查看”角色无可进行的状态变更")" "a viewer: s is refused with a message"
screen_lacks "$(L "Status of" "的整改状态：")" "a viewer: no status form"
# Nor a note form to type into in vain.
keys a
screen_has "$(L "viewer) may read the ledger but not change it" "只能查阅台账，不能修改")" "a viewer: a is refused before typing"
screen_lacks "$NOTE_FORM" "a viewer: no note form"
quit

# ---------------------------------------------------------------- edit
start 80 24
wait_for "$OFFLINE"
keys e
screen_has "$(L "Title                    " "问题名称         ")" "e opens the edit form"
# Kind, Code, Round, Batch, Title
keys Tab Tab Tab Tab C-u
text '新标题：河道采砂整治'
keys C-s
screen_has "$(L "1 field changed" "已修改 1 个字段")" "the edit is saved: 1 field changed"
screen_has "$first 新标题：河道采砂整治" "the ledger shows the new title at once"
quit
d show "$first" | grep -q "新标题：河道采砂整治"
ok $? "duban show has the new title"

# ---------------------------------------------------------------- pinyin
# Pinyin tone letters (ā ǎ ǜ) share their numbers with ncurses' function
# keys: typed, they must be text.
start 80 24
wait_for "$OFFLINE"
keys a
wait_for "$NOTE_FORM"
text 'Hé liú ǎ ǜ ā ǚ'
screen_has "$NOTE Hé liú ǎ ǜ ā ǚ" "pinyin tone letters are typed as text"
keys C-s
screen_has "$SAVED" "the pinyin note is saved"
quit "q quits"
d show "$first" | grep -q "note: Hé liú ǎ ǜ ā ǚ"
ok $? "duban show has the pinyin note"

done_testing
