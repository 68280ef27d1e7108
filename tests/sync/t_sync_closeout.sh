#!/bin/sh
# Close-out across replicas: an inspector attaches the evidence with its kind
# and signs the county level offline; the office, after a sync, sees the
# kind and the sign-off with its criteria, signs the city level, and the
# item is verified everywhere; the dossier on either side names both
# signers.  Runs on both stores (DUBAN_STORE=pg too).
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
seed_server 4 甲县 乙县
start_server
login_client o boss || exit 1
login_client i li || exit 1
for x in o i; do
	sync_client $x -q
	exit_is 0 "first sync of $x"
done
code=S-00001
[ "$(client i show $code --format json | jq -r .item.county)" = 甲县 ]
ok $? "$code lies in the inspector's county"

# ---------------------------------------------------------------- offline
printf 'jpeg\n' >"$tmp/after.jpg"
crun i status $code in_progress
crun i attach $code "$tmp/after.jpg" --kind after
exit_is 0 "the inspector attaches the after photo, offline"
crun i status $code requested
exit_is 0 "and requests acceptance"
crun i accept $code --level county --pass --opinion 县级初验合格 --signer 李四 --criteria 1,2,3,4,5
exit_is 0 "and signs the county level, offline"
like "$out" "next: 市级验收" "the city level is next"
crun i accept $code --level city --pass --opinion 越权
exit_is 4 "the inspector may not sign the city level"
sync_until i 5
ok $? "the inspector syncs"
is "$(client i outbox 2>/dev/null | grep -c refused)" 0 "nothing refused"

# ---------------------------------------------------------------- the office
sync_until o 5
ok $? "the office syncs"
is "$(sql_client o "SELECT kind FROM attachment WHERE name = 'after.jpg'")" after \
	"the attachment's kind reached the office"
is "$(sql_client o "SELECT level || ' ' || passed || ' ' || criteria FROM inspection WHERE findings = '县级初验合格'")" \
	"county 1 1,2,3,4,5" "the sign-off and its criteria reached the office"
is "$(sql_server "SELECT kind FROM attachment WHERE name = 'after.jpg'")" after "and the server keeps the kind"
crun o evidence $code --format json
is "$(printf '%s' "$out" | jq -r '.evidence[] | select(.kind == "after") | .files')" after.jpg \
	"the office's evidence list has the photo"
crun o accept $code --level 市级验收 --pass --opinion 同意销号验收 --signer 王五
exit_is 0 "the office signs the city level"
like "$out" "(close-out requested → verified)" "and the item is verified"
sync_until o 5
ok $? "the office syncs"
sync_until i 5
ok $? "the inspector syncs again"
is "$(client i show $code --format json | jq -r .item.status)" verified "verified on the inspector's replica"
same_as_server_in i "after the close-out" 甲县
same_as_server o "after the close-out"

client i dossier $code -o "$tmp/i.html" >/dev/null 2>>"$CLIENT_ERR"
grep -q "<td>县级初验</td><td>李四</td><td>通过</td>" "$tmp/i.html" &&
	grep -q "<td>市级验收</td><td>王五</td><td>通过</td>" "$tmp/i.html"
ok $? "the inspector's dossier names both signers"
done_testing
