#!/bin/sh
# Close-out in the TUI (issues 14 and 16.4): attach a file from the detail
# view (a path prompt with Tab completion and ~, then the kind of evidence;
# Esc at any step attaches nothing), the attachments listed with kind, size
# and sync state, opening one ($DUBAN_OPEN, else its path on the status
# line), and signing the acceptance chain level by level (offered only to a
# role that may sign the level; Esc signs nothing).  Run in C.UTF-8 and, by
# tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
code=$(d list --status requested --format csv --sort due --limit 1 | sed 1d | cut -d, -f1)
[ -n "$code" ]
ok $? "an item whose close-out is requested: $code"
other=$(d list --status in_progress --format csv --sort due --limit 1 | sed 1d | cut -d, -f1)
mkdir -p "$HOME/photos"
printf 'JPEGDATA' >"$HOME/photos/after-1.jpg"
printf 'x' >"$HOME/photos/before.jpg"

ATTACH=$(L "Attach file (Tab completes):" "添加附件（Tab 补全）：")
KIND_MENU=$(L "Kind of evidence" "佐证材料类型")
FORM=$(L "Acceptance of $code:" "$code 验收：")

# open_item CODE: the full-screen detail of CODE.
open_item() {
	keys :
	text "goto $1"
	keys Enter
	wait_quiet
	keys Enter
	wait_for "$1  " >/dev/null
}

# leave: closes the detail view, then quits.
leave() {
	wait_quiet
	keys q
	quit "$@"
}

# ---------------------------------------------------------------- attach
start 80 24
wait_for "$OFFLINE"
open_item "$code"
screen_has "$(L "Acceptance        县级初验 (next) → 市级验收" "验收              县级初验（下一级） → 市级验收")" \
	"a requested item shows its acceptance chain"
wait_quiet
screen | grep -qx " $(L "Attachments" "附件")"
ok $((!$?)) "no attachments section before any is attached"
keys u
screen_has "$ATTACH" "u asks for the file"
text '~/ph'
keys Tab
screen_has "$ATTACH$(L " " "")~/photos/" "Tab completes the directory after ~"
text 'a'
keys Tab
screen_has "$ATTACH$(L " " "")~/photos/after-1.jpg" "Tab completes the file name"
keys Escape
screen_lacks "$ATTACH" "Esc at the path closes the prompt"
keys u
wait_for "$ATTACH"
text '~/photos/after-1.jpg'
keys Enter
screen_has "$KIND_MENU" "then the kind of evidence is asked"
screen_is closeout-kind-80x24 "the kinds of evidence, numbered"
keys Escape
screen_lacks "$KIND_MENU" "Esc at the kind closes the menu"
wait_quiet
d show "$code" | grep -q "attachment"
[ $? -ne 0 ]
ok $? "Esc at any step attached nothing"
keys u
wait_for "$ATTACH"
text '~/photos/after-1.jpg'
keys Enter
wait_for "$KIND_MENU"
keys 1
screen_has "$(L "attached after-1.jpg (photo after), queued for the server" "已添加附件 after-1.jpg（整改后照片），待同步到服务器")" \
	"a digit picks the kind at once and attaches"
keys G
screen_has "$(L "after-1.jpg · photo after · 8 B · queued" "after-1.jpg · 整改后照片 · 8 字节 · 待同步")" \
	"the detail lists the attachment with kind, size and sync state"
d evidence "$code" | grep -q "after-1.jpg"
ok $? "duban evidence has the file as a photo after"

# ---------------------------------------------------------------- open
keys x
screen_has "$(L "after-1.jpg is at $tmp/data/duban/blobs/" "after-1.jpg 的本地路径：$tmp/data/duban/blobs/")" \
	"x without a display shows the local path"
leave

cat >"$tmp/opener" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >"$tmp/opened"
EOF
chmod +x "$tmp/opener"
start 80 24 DUBAN_OPEN="$tmp/opener"
wait_for "$OFFLINE"
open_item "$code"
keys x
screen_has "$(L "opened after-1.jpg with $tmp/opener" "已打开 after-1.jpg（$tmp/opener）")" "x runs \$DUBAN_OPEN"
n=0
while [ ! -s "$tmp/opened" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
grep -q "$tmp/data/duban/blobs/" "$tmp/opened" && cmp -s "$(cat "$tmp/opened")" "$HOME/photos/after-1.jpg"
ok $? "\$DUBAN_OPEN got the local copy of the file"
leave

# ---------------------------------------------------------------- accept
start 80 24
wait_for "$OFFLINE"
open_item "$code"
keys V
screen_has "$FORM" "V opens the sign-off form"
screen_is closeout-accept-80x24 "the form shows the chain and the criteria"
keys Escape
screen_lacks "$FORM" "Esc on the empty form closes it"
keys V
wait_for "$FORM"
keys Right Tab
text '整改到位，同意通过县级初验'
keys Escape
screen_has "$(L "Discard your changes? (y/N)" "放弃所做的修改？（y/N）")" "Esc on a filled form asks first"
keys y
screen_lacks "$FORM" "Esc, y: the form is gone"
d show "$code" | grep -q "inspection"
[ $? -ne 0 ]
ok $? "Esc signed nothing"
keys V
wait_for "$FORM"
keys Right Tab
text '整改到位，同意通过县级初验'
keys Tab Tab Space
screen_is closeout-accept-filled-80x24 "the form filled in: pass, the opinion, criterion 1 met"
keys C-s
screen_has "$(L "$code: 县级初验 signed, passed; next: 市级验收" "$code：县级初验已签署，通过；下一级：市级验收")" \
	"C-s signs the county level, naming the next"
keys g
screen_has "$(L "县级初验 ✓ → 市级验收 (next)" "县级初验 ✓ → 市级验收（下一级）")" "the chain shows the county level signed"
leave
d show "$code" | grep -q "inspection 2026-06-15: passed; level: county level; criteria met: 1; findings:"
ok $? "the sign-off is recorded as duban accept records it"

# An inspector may not sign the city level.
start 80 24 DUBAN_ROLE=inspector
wait_for "$OFFLINE"
open_item "$code"
keys V
screen_has "$(L "市级验收 is signed by the office, not by an inspector" "市级验收由整改办签署，核查人员不能签署")" \
	"an inspector is refused the city level"
screen_lacks "$FORM" "… with no form"
leave

# The office signs the city level: the item is verified.
start 80 24
wait_for "$OFFLINE"
open_item "$code"
keys V
wait_for "$FORM"
keys Right Tab
text '同意销号'
keys C-s
screen_has "$(L "$code: 市级验收 signed, passed (close-out requested → verified)" "$code：市级验收已签署，通过（申请销号 → 已验收）")" \
	"the last level verifies the item"
keys V
screen_has "$(L "only an item whose close-out was requested is accepted" "只有已申请销号的事项才能验收")" \
	"V on an item that is not requested is refused"
leave
d show "$code" | grep -qi "$(printf 'Status *verified')"
ok $? "duban show: verified"

# An item that is not requested shows no chain.
start 80 24
wait_for "$OFFLINE"
open_item "$other"
screen_lacks "$(L "Acceptance  " "验收    ")" "no chain on an item in progress"
leave

done_testing
