#!/bin/sh
# duband's admin commands: user add/list/passwd/disable, import and export
# of the server's ledger, --version, and serve's start-up errors.
. "$(dirname "$0")/lib.sh"

run "$DUBAND" --version
exit_is 0 "--version exits 0"
like "$out" "0.1.0" "--version prints the version"
run "$DUBAND" --help
exit_is 0 "--help exits 0"
like "$out" "serve" "--help names serve"
run "$DUBAND" frobnicate
[ "$rc" -ne 0 ] && [ -n "$err" ]
ok $? "an unknown command exits non-zero with a message"

# ---- users
run sh -c 'printf "%s\n" "$1" | "$2" user add boss --role office --data "$3"' sh "$PW" "$DUBAND" "$DATA"
exit_is 0 "user add boss --role office, password from stdin"
run sh -c 'printf "%s\n%s\n" "$1" "$1" | "$2" user add li --role inspector --county 甲县 --county 乙县 --data "$3"' sh "$PW" "$DUBAND" "$DATA"
exit_is 0 "user add li --role inspector with two counties"
add_user vw viewer 丙县
ok $? "user add vw --role viewer --county 丙县"
run sh -c 'printf "%s\n" "$1" | "$2" user add nocounty --role inspector --data "$3"' sh "$PW" "$DUBAND" "$DATA"
[ "$rc" -ne 0 ] && [ -n "$err" ]
ok $? "an inspector without a county is refused"
like "$err" "county" "... saying a county is needed"
run sh -c 'printf "%s\n" "$1" | "$2" user add sup --role admin --data "$3"' sh "$PW" "$DUBAND" "$DATA"
[ "$rc" -ne 0 ] && [ -n "$err" ]
ok $? "a bad role is refused"
run sh -c 'printf "%s\n" "$1" | "$2" user add boss --role office --data "$3"' sh "$PW" "$DUBAND" "$DATA"
[ "$rc" -ne 0 ] && [ -n "$err" ]
ok $? "adding an existing user is refused"
run sh -c 'printf "\n" | "$1" user add blank --role office --data "$2"' sh "$DUBAND" "$DATA"
[ "$rc" -ne 0 ]
ok $? "an empty password is refused"

run "$DUBAND" user list --data "$DATA"
exit_is 0 "user list exits 0"
like "$out" "boss" "user list names boss"
like "$out" "office" "... with the role office"
like "$out" "甲县" "... li's counties"
like "$out" "乙县" "... both of them"
unlike "$out" "nocounty" "the refused inspector is not listed"
unlike "$out" "sup" "the user with a bad role is not listed"
unlike "$out" "$PW" "user list never shows a password"
unlike "$out" '$y$' "... nor its hash"
[ "$(stat -c %a "$DATA")" = 700 ]
ok $? "the data dir is mode 0700"

# ---- import, then pull
printf '%s\n' \
	'受理编号,问题名称,行政区域,牵头单位,整改时限,整改状态,整改进度' \
	'A-001,城关区餐饮油烟扰民,甲县,城关区人民政府,2026-06-30,整改中,40%' \
	'A-002,"北岭县砖瓦窑,无组织排放",乙县,市生态环境局,2026年12月底,尚未启动,0' \
	'A-003,"河道""清四乱""专项行动",丙县,临江市水务局,长期坚持,整改中,' >"$tmp/a.csv"
run "$DUBAND" import "$tmp/a.csv" --data "$DATA"
exit_is 0 "import of a CSV with Chinese headers"
like "$out" "3 inserted" "the import counts 3 inserted"

start_server
TOKEN=$(login boss "$PW")
pull_all
is "$(grep -c '"type":"item"' "$tmp/changes")" 3 "the office pull sees the 3 imported items"
is "$(item_of "$(jq -r 'select(.item.code == "A-002") | .item.id' "$tmp/changes")" | jq -r '[.item.title, .item.deadline, .item.status] | join("|")')" \
	"北岭县砖瓦窑,无组织排放|2026-12-31|not_started" "an imported item as the sheet says"
is "$(jq -r 'select(.item.code == "A-001") | .item.progress' "$tmp/changes")" 40 "40% is read as 40"
TOKEN=$(login vw "$PW")
pull_all
is "$(jq -r '.item.code // empty' "$tmp/changes")" "A-003" "the 丙县 viewer sees only A-003"
TOKEN=$(login li "$PW")
pull_all
is "$(jq -r '.item.code // empty' "$tmp/changes" | sort | tr '\n' ' ')" "A-001 A-002 " "the 甲县+乙县 inspector sees A-001 and A-002"
saved=$PULL_NEXT

# an import while the server runs reaches the pull log too
sed 's/城关区人民政府,2026-06-30/市生态环境局,2026-07-31/' "$tmp/a.csv" >"$tmp/a2.csv"
run "$DUBAND" import "$tmp/a2.csv" --data "$DATA"
exit_is 0 "a second import while the server runs"
like "$out" "1 updated" "... updates one item"
api GET "pull?since=$saved"
is "$(j '[.changes[] | select(.type == "item") | .item.code + " " + .item.lead_unit] | join(",")')" "A-001 市生态环境局" \
	"the running server's pull brings the imported change"

# ---- passwd, disable
api GET me
code_is 200 "li's token works before the password change"
run sh -c 'printf "%s\n%s\n" new-pass-123 new-pass-123 | "$1" user passwd li --data "$2"' sh "$DUBAND" "$DATA"
exit_is 0 "user passwd li, password from stdin"
like "$out" "revoked" "... and says that li's tokens are revoked"
api GET me
code_is 401 unauthorized "a token issued before the password change no longer works"
is "$(login li "$PW")" "" "the old password no longer logs in"
TOKEN=$(login li new-pass-123)
[ -n "$TOKEN" ]
ok $? "the new password logs in"
run "$DUBAND" user passwd nobody --data "$DATA" </dev/null
[ "$rc" -ne 0 ]
ok $? "passwd of an unknown user fails"
run "$DUBAND" user disable li --data "$DATA"
exit_is 0 "user disable li"
api GET me
code_is 401 unauthorized "a token issued before disable no longer works"
is "$(login li new-pass-123)" "" "a disabled user cannot log in"
run "$DUBAND" user list --data "$DATA"
like "$(printf '%s\n' "$out" | grep -w li)" "disabled" "user list shows li disabled"
run "$DUBAND" user disable nobody --data "$DATA"
[ "$rc" -ne 0 ]
ok $? "disable of an unknown user fails"
stop_server

# ---- export
run "$DUBAND" export --data "$DATA" --format csv
exit_is 0 "export --format csv"
printf '%s\n' "$out" >"$tmp/e1.csv"
like "$out" "受理编号" "the export has the Chinese headers"
like "$out" '"北岭县砖瓦窑,无组织排放"' "a quoted comma survives"
like "$out" '"河道""清四乱""专项行动"' "doubled quotes survive"

run "$DUBAND" import "$tmp/e1.csv" --data "$tmp/d2"
exit_is 0 "the export imports into a fresh data dir"
like "$out" "3 inserted" "... 3 items"
run "$DUBAND" export --data "$tmp/d2" --format csv
printf '%s\n' "$out" >"$tmp/e2.csv"
cmp -s "$tmp/e1.csv" "$tmp/e2.csv"
ok $? "export, import, export again gives the same CSV"
run "$DUBAND" export --data "$DATA" --format json
exit_is 0 "export --format json"
is "$(printf '%s' "$out" | jq -r '[.[].code] | sort | join(",")')" "A-001,A-002,A-003" "the JSON export has the three items"
is "$(printf '%s' "$out" | jq -r '.[] | select(.code == "A-003") | .deadline_kind')" ongoing "长期坚持 is an ongoing deadline"
run "$DUBAND" export --data "$DATA" --format xml
[ "$rc" -ne 0 ]
ok $? "an unknown export format fails"
run "$DUBAND" import "$tmp/missing.csv" --data "$DATA"
[ "$rc" -ne 0 ] && [ -n "$err" ]
ok $? "importing a missing file fails with a message"

# ---- serve's start-up errors
port=$(random_port)
run timeout 20 "$DUBAND" serve --listen "127.0.0.1:$port" --tls-cert "$tmp/missing.pem" --tls-key "$KEY" --data "$DATA"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "serve with a missing certificate exits non-zero"
like "$err" "missing.pem" "... naming the file"
run timeout 20 "$DUBAND" serve --listen "127.0.0.1:$port" --tls-cert "$CERT" --tls-key "$tmp/nokey.pem" --data "$DATA"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "serve with a missing key exits non-zero"
like "$err" "nokey.pem" "... naming the file"
run timeout 20 "$DUBAND" serve --listen "127.0.0.1:$port" --tls-cert "$CA" --tls-key "$KEY" --data "$DATA"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ -n "$err" ]
ok $? "serve with a key that does not match the certificate exits non-zero"
run timeout 20 "$DUBAND" serve --listen "127.0.0.1:notaport" --tls-cert "$CERT" --tls-key "$KEY" --data "$DATA"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ -n "$err" ]
ok $? "serve with a bad --listen exits non-zero"
done_testing
