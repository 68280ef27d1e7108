#!/bin/sh
# Forms: a Chinese progress note saved and read back with `duban show`;
# status changes (only legal ones offered, none to a viewer, a reason asked
# for and saved); editing a field; Esc on a form with text asks first; a
# resize while a form is open keeps what was typed.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
first=$(d list --format csv --sort light --limit 1 | sed 1d | cut -d, -f1)

# ---------------------------------------------------------------- note
start 80 24
wait_for offline
keys a
screen_has "Progress note: $first" "a opens the note form on the selected item"
text '已完成隔音改造，噪声达标'
screen_has "Note * 已完成隔音改造，噪声达标" "the Chinese note is shown as typed"
screen_is form-note-80x24 "the note form at 80×24"
keys C-s
screen_has "saved" "C-s saves"
screen_lacks "Progress note:" "the form is closed"
screen_has "1 queued" "the status line counts the queued change"
quit "q quits after saving"
d show "$first" >"$tmp/show"
grep -q "note: 已完成隔音改造，噪声达标" "$tmp/show"
ok $? "duban show has the note"

# ---------------------------------------------------------------- discard
start 80 24
wait_for offline
keys a
wait_for "Progress note:"
keys Escape
screen_lacks "Progress note:" "Esc on an empty form closes it at once"
keys a
wait_for "Progress note:"
text '不要保存的草稿'
keys Escape
screen_has "Discard your changes? (y/N)" "Esc on a form with text asks before discarding"
keys n
screen_has "Note * 不要保存的草稿" "n keeps the form and the text"
keys Escape
wait_for "Discard your changes?"
keys y
screen_lacks "Progress note:" "y discards"

# ---------------------------------------------------------------- resize
keys a
wait_for "Progress note:"
text '调整窗口大小时保留输入的文字'
wait_for "调整窗口大小时保留输入的文字"
t resize-window -x 60 -y 20
wait_for "Progress"
is "$(t display-message -p '#{window_width}x#{window_height}')" "60x20" "the terminal is now 60×20"
screen_has "调整窗口大小时保留输入的文字" "the typed text survives the resize to 60×20"
screen_is form-note-60x20 "the note form re-laid out at 60×20"
t resize-window -x 100 -y 30
screen_has "│ Note * 调整窗口大小时保留输入的文字" "… and back to 100×30"
text '。'
keys C-s
screen_has "saved" "the note is saved after the resizes"
quit
d show "$first" | grep -q "note: 调整窗口大小时保留输入的文字。"
ok $? "duban show has the note typed across the resizes"
d show "$first" | grep -q "不要保存的草稿"
[ $? -ne 0 ]
ok $? "the discarded note was not written"

# ---------------------------------------------------------------- status
start 80 24
wait_for offline
keys s
screen_has "Status of $first: in progress" "s opens the status form"
offered=
for i in 1 2 3 4; do
	o=$(screen | sed -n 's/.*New status \* < \(.*\) >.*/\1/p')
	case " $offered " in *" $o;"*) ;; *) offered="$offered $o;" ;; esac
	keys Right
	sleep 0.1
done
is "$offered" " close-out requested;" "from in progress only a close-out request is offered"
keys Escape
wait_gone "Status of"

# A close-out request sent back to in progress needs a reason.
req=$(d list --format csv --sort light --status requested --limit 1 | sed 1d | cut -d, -f1)
keys :
text "goto $req"
keys Enter
wait_for "│ $req" 2
keys s
screen_has "Status of $req: close-out requested" "s on a requested item"
screen_has "New status * < — >" "no new status is chosen at first"
for i in 1 2 3 4 5; do
	screen | grep -q 'New status \* < in progress >' && break
	keys Right
	sleep 0.1
done
screen_has "New status * < in progress >" "in progress can be chosen"
screen_has "Reason *" "a return to in progress marks the reason required"
keys C-s
screen_has "Reason: required" "saving without a reason is refused with a message"
is "$(d list --format csv --status requested | grep -c "^$req,")" 1 "nothing was written"
keys Tab
text '现场复核未达标，退回整改'
keys C-s
screen_has "saved" "with a reason it saves"
quit
d show "$req" >"$tmp/show"
grep -q "close-out requested → in progress (现场复核未达标，退回整改)" "$tmp/show"
ok $? "duban show's history has the move and its reason"
grep -q "^Status  *in progress" "$tmp/show"
ok $? "the item is in progress again"

# A viewer is offered no status change at all.
start 80 24 DUBAN_ROLE=viewer
wait_for offline
keys s
screen_has "no status change is open to the viewer role" "a viewer: s is refused with a message"
screen_lacks "Status of" "a viewer: no status form"
# Nor a note form to type into in vain.
keys a
screen_has "viewer) may read the ledger but not change it" "a viewer: a is refused before typing"
screen_lacks "Progress note:" "a viewer: no note form"
quit

# ---------------------------------------------------------------- edit
start 80 24
wait_for offline
keys e
screen_has "Title                    " "e opens the edit form"
# Kind, Code, Round, Batch, Title
keys Tab Tab Tab Tab C-u
text '新标题：河道采砂整治'
keys C-s
screen_has "1 field changed" "the edit is saved: 1 field changed"
screen_has "$first 新标题：河道采砂整治" "the ledger shows the new title at once"
quit
d show "$first" | grep -q "新标题：河道采砂整治"
ok $? "duban show has the new title"

# ---------------------------------------------------------------- pinyin
# Pinyin tone letters (ā ǎ ǜ) share their numbers with ncurses' function
# keys: typed, they must be text.
start 80 24
wait_for offline
keys a
wait_for "Progress note:"
text 'Hé liú ǎ ǜ ā ǚ'
screen_has "Note * Hé liú ǎ ǜ ā ǚ" "pinyin tone letters are typed as text"
keys C-s
screen_has "saved" "the pinyin note is saved"
quit "q quits"
d show "$first" | grep -q "note: Hé liú ǎ ǜ ā ǚ"
ok $? "duban show has the pinyin note"

done_testing
