#!/bin/sh
# Log injection (issue 12, item 10): strings a client chooses (here the
# device name, which the push warnings quote) reach duband's standard error
# escaped: no forged line, no escape sequence for the administrator's terminal.
. "$(dirname "$0")/lib.sh"

add_user li inspector 甲县 || exit 1
start_server

# A device name with a newline, a forged log line, an ANSI colour sequence,
# a C1 control (U+009B, the 8-bit CSI) and a carriage return.
dev='li-pc\nduband: FORGED admin password changed\u001b[31m\u009b2J\r'
printf '{"user":"li","password":"%s","device":"%s"}' "$PW" "$dev" >"$tmp/.login"
TOKEN=$(curl -s --cacert "$CA" -H 'Content-Type: application/json' --data-binary @"$tmp/.login" \
	"$URL/api/v1/login" | jq -r '.token // empty')
[ -n "$TOKEN" ]
ok $? "login with a device name full of control characters"
A=$(uuid)
push "$(op_create "$(uuid)" "$A" LI-001 甲县)"
result_is 0 applied "a first op"
# client_seq jumps: the server logs a warning naming user/device
push "$(printf '{"id":"%s","client_seq":900,"kind":"note.add","item_id":"%s","body":{"id":"%s","item_id":"%s","author":"li","text":"x","created_at":"2026-06-15T08:00:00Z"}}' "$(uuid)" "$A" "$(uuid)" "$A")"
is "$(r 0 .warning)" gap "a client_seq gap is warned about (and logged)"
stop_server

grep -q 'client_seq' "$SRV_ERR"
ok $? "the gap warning is in the server's log"
! grep -q '^duband: FORGED' "$SRV_ERR"
ok $? "no forged line starts with duband: in the log"
! grep -v '^duband: \|^=\|^[A-Z]' "$SRV_ERR" | grep -q .
ok $? "every line of the log is one of duband's own"
! LC_ALL=C grep -q "$(printf '\033')" "$SRV_ERR"
ok $? "no ESC byte reaches the log"
! LC_ALL=C grep -q "$(printf '\302\233')" "$SRV_ERR"
ok $? "no C1 control (U+009B) reaches the log"
! LC_ALL=C grep -q "$(printf '\r')" "$SRV_ERR"
ok $? "no carriage return reaches the log"
like "$(grep client_seq "$SRV_ERR")" 'li-pc\x0aduband: FORGED' "the newline is shown escaped as \\x0a"

echo "1..$tests_run"
[ "$tests_failed" -eq 0 ]
