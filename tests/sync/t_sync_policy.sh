#!/bin/sh
# The office's policies from the server (issue 14): `duband policy set`
# reaches every client through sync, and the client applies the last copy
# offline, over its own config's `set acceptance`.  The inspector signs the
# county level of the server's chain offline, the office signs the city
# level, and the item is verified on both replicas and the server.  Runs on
# both stores (DUBAN_STORE=pg too).
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
seed_server 4 甲县 乙县
"$DUBAND" policy set acceptance 'county:县级初验 city:市级复核@office' --data "$DATA" >/dev/null
ok $? "the office sets the acceptance chain on the server"
"$DUBAND" policy set evidence 'problem:after complaint:after,feedback' --data "$DATA" >/dev/null
ok $? "and the evidence a request needs"
start_server
login_client o boss || exit 1
login_client i li || exit 1
# The inspector's config says otherwise: on a ledger that syncs the server
# wins.
mkdir -p "$tmp/c/i/config/duban"
printf 'set acceptance "county:自定义初验"\nset evidence "problem:none"\n' >"$tmp/c/i/config/duban/config"
crun i accept --levels
like "$out" "自定义初验" "before its first sync the inspector's ledger uses its config"
for x in o i; do
	sync_client $x -q
	exit_is 0 "first sync of $x"
done
is "$(sql_client i "SELECT value FROM server_policy WHERE key = 'acceptance'")" \
	"county:县级初验@inspector city:市级复核@office" "the inspector's ledger keeps the server's chain"
crun i accept --levels
like "$out" "policy: the server (duband policy)" "accept --levels says where the chain comes from"
like "$out" "2. 市级复核 (city) — signed by the office" "and shows the server's chain"
unlike "$out" "自定义初验" "not the config's"

# ---------------------------------------------------------------- offline
code=S-00001
printf 'jpeg\n' >"$tmp/after.jpg"
crun i status $code in_progress
crun i status $code requested
exit_is 4 "offline, the server's evidence policy refuses a request without the after photo"
like "$err" "after" "naming the missing kind"
crun i attach $code "$tmp/after.jpg" --kind after
crun i status $code requested
exit_is 0 "with the photo the request goes ahead"
crun i status $code verified
exit_is 4 "verified directly is refused"
like "$err" "duban accept" "the message says to use duban accept"
crun i accept $code --level county --pass --opinion 县级初验合格 --signer 李四
exit_is 0 "the inspector signs the county level, offline"
like "$out" "next: 市级复核" "the server's city level is next"
crun i accept $code --level city --pass --opinion 越权
exit_is 4 "the inspector may not sign the city level"
sync_until i 5
ok $? "the inspector syncs"
is "$(sql_client i "SELECT count(*) FROM op WHERE state = 'rejected'")" 0 "the server refused nothing"

# ---------------------------------------------------------------- the office
sync_until o 5
ok $? "the office syncs"
crun o accept $code --level 市级复核 --pass --opinion 同意销号 --signer 王五
exit_is 0 "the office signs the city level"
like "$out" "(close-out requested → verified)" "and the item is verified"
sync_until o 5
ok $? "the office syncs"
is "$(sql_client o "SELECT count(*) FROM op WHERE state = 'rejected'")" 0 "the server refused nothing"
is "$(server_ledger | jq -r 'select(.code == "'$code'") | .status')" verified "verified on the server"
sync_until i 5
ok $? "the inspector syncs again"
is "$(client i show $code --format json | jq -r .item.status)" verified "verified on the inspector's replica"
same_as_server o "after the close-out"
same_as_server_in i "after the close-out" 甲县

# ---------------------------------------------------------------- a change of policy
"$DUBAND" policy unset acceptance --data "$DATA" >/dev/null
ok $? "the office unsets the chain"
sync_until i 5
ok $? "the inspector syncs"
is "$(sql_client i "SELECT count(*) FROM server_policy WHERE key = 'acceptance'")" 0 "the copy goes"
crun i accept --levels
like "$out" "policy: the server's default" "the server's default applies, still not the config"
like "$out" "市级验收" "the built-in chain"

# ---------------------------------------------------------------- an item's own chain
code2=$(client i list --format json 2>/dev/null | jq -r '[.[] | select(.code != "S-00001")][0].code')
[ -n "$code2" ] && [ "$code2" != null ]
ok $? "another item of the inspector's county ($code2)"
crun i edit $code2 --set 'acceptance_levels=county:县级初验 province:省级验收@office'
exit_is 4 "the inspector may not set an item's chain"
crun o edit $code2 --set 'acceptance_levels=county:县级初验 province:省级验收@office'
exit_is 0 "the office gives $code2 provincial acceptance"
sync_until o 5
ok $? "the office syncs"
sync_until i 5
ok $? "the inspector syncs"
crun i show $code2
like "$out" "Acceptance levels         county:县级初验 province:省级验收@office" "duban show has the item's chain"
crun i accept $code2 --levels
like "$out" "2. 省级验收 (province) — signed by the office" "accept --levels shows the item's chain"
crun i status $code2 in_progress
crun i attach $code2 "$tmp/after.jpg" --kind after
crun i status $code2 requested
crun i accept $code2 --level county --pass --opinion 合格
like "$out" "next: 省级验收" "after the county level the provincial one is next"
sync_until i 5
ok $? "the inspector syncs"
is "$(sql_client i "SELECT count(*) FROM op WHERE state = 'rejected'")" 0 "the server refused nothing"
done_testing
