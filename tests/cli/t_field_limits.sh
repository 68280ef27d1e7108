#!/bin/sh
# Field limits (issue 12 #4): a title of more than 500 characters, any other
# text of more than 20,000 and an item of more than 256 KB as JSON are
# refused by the store itself, so every way in (add, edit, --set, note,
# inspect, action, status --reason, import) refuses before anything is
# queued for the server, naming the field and the limit.  And NUL (#8): an
# import file holding a NUL byte, or JSON holding \u0000, is refused whole.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

chars() {
	yes "$1" | head -n "$2" | tr -d '\n'
}
T500=$(chars 题 500)
T20000=$(chars 述 20000)

d add --code L-1 --title 'ordinary' >/dev/null || exit 99
queued() {
	d outbox | grep -c 'item\.\|note\.\|inspection\.\|action\.'
}
before=$(queued)

run d add --code L-2 --title "${T500}题"
exit_is 4 "add: a title of 501 characters is refused"
like "$err" "title" "the message names the field"
like "$err" "500" "the message names the limit"
run d add --code L-3 --title "$T500"
exit_is 0 "add: a title of 500 characters is taken"
before=$(queued)

run d edit L-1 --title "${T500}x"
exit_is 4 "edit --title: 501 characters refused"
run d edit L-1 --set "description=${T20000}述"
exit_is 4 "edit --set description: 20001 characters refused"
like "$err" "description" "the message names the field"
like "$err" "20000" "the message names the limit"
run d edit L-1 --set "description=$T20000"
exit_is 0 "edit --set description: 20000 characters taken"
for f in goal measures findings; do
	d edit L-1 --set "$f=$T20000" >/dev/null 2>&1
done
before=$(queued)
run d edit L-1 --set "handling=$T20000"
exit_is 4 "an item over 256 KB as JSON is refused"
like "$err" "256 KB" "the message names the limit"

run d note L-1 "${T20000}述"
exit_is 4 "note: 20001 characters refused"
like "$err" "note" "the message names the record"
run d inspect L-1 --result fail --findings "${T20000}述"
exit_is 4 "inspect --findings: 20001 characters refused"
like "$err" "findings" "the message names the field"
run d action L-1 --kind reminder --text "${T20000}述"
exit_is 4 "action --text: 20001 characters refused"
run d status L-1 in_progress --reason "${T20000}述"
exit_is 4 "status --reason: 20001 characters refused"
like "$err" "reason" "the message names the field"
is "$(queued)" "$before" "nothing refused was queued for the server"

# import: an oversized cell is a bad row; nothing is written
printf '受理编号,问题名称\nL-9,%s\n' "${T500}题" >"$tmp/long.csv"
run d import --dry-run "$tmp/long.csv"
exit_is 6 "import --dry-run: the oversized row is found without writing"
run d import "$tmp/long.csv"
exit_is 6 "import: a title of 501 characters is a bad row"
like "$out$err" "title" "the bad row names the field"
run d show L-9
exit_is 3 "... and nothing was imported"

# ---- NUL (#8)
printf '受理编号,问题名称\nL-10,before\000after\n' >"$tmp/nul.csv"
run d import "$tmp/nul.csv"
[ "$rc" -ne 0 ]
ok $? "import: a CSV file holding a NUL byte is refused"
like "$out$err" "nul.csv:2" "the message names the file and the line"
printf '[{"code":"L-11","title":"before\\u0000after"}]\n' >"$tmp/nul.json"
run d import "$tmp/nul.json"
[ "$rc" -ne 0 ]
ok $? "import: JSON holding \\u0000 is refused"
like "$out$err" "u0000" "the message says why"
run d show L-11
exit_is 3 "... and nothing was imported"
printf '[{"code":"L-12","title":"a\\\\u0000b"}]\n' >"$tmp/esc.json"
run d import "$tmp/esc.json"
exit_is 0 "import: an escaped backslash before u0000 is an ordinary text"
run d show L-12
like "$out" 'a\u0000b' "... kept as written"

# The rest of the class: a letter template and an account file holding a NUL
# byte are refused with a message, not cut short.
mkdir -p "$tmp/tmpl"
cp "$top_srcdir"/contrib/templates/* "$tmp/tmpl/"
printf '督办提醒函\000以下内容会被丢掉\n' >"$tmp/tmpl/reminder.txt"
d add --code L-20 --title 'overdue' --deadline 2026-06-01 >/dev/null
run env DUBAN_TEMPLATEDIR="$tmp/tmpl" "$DUBAN" --db "$DB" overdue --issue L-20 --step reminder --letter -
[ "$rc" -ne 0 ]
ok $? "a letter template holding a NUL byte is refused (exit $rc)"
like "$err" "NUL" "... and the message says why"
mkdir -p "$tmp/cfg/duban"
printf 'url=https://127.0.0.1:1\nuser=li\000\ntoken=secret\n' >"$tmp/cfg/duban/account"
chmod 600 "$tmp/cfg/duban/account"
run env XDG_CONFIG_HOME="$tmp/cfg" "$DUBAN" --db "$DB" sync
[ "$rc" -ne 0 ]
ok $? "an account file holding a NUL byte is refused (exit $rc)"
like "$err" "NUL" "... and the message says why"

done_testing
