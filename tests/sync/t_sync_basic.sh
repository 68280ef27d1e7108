#!/bin/sh
# duban sync, the plain case: the office seeds the server, a client pulls
# it, a local edit and a note reach the server once, a second client sees
# them, a sync with nothing new changes nothing, and `sync --status` says
# where things stand without asking the server.
. "$(dirname "$0")/lib.sh"

add_user office1 office || exit 1
add_user office2 office || exit 1
seed_server 20
start_server

# ---------------------------------------------------------------- first pull
login_client a office1 || exit 1
login_client b office2 || exit 1
is "$(status_of a queued)" 0 "a fresh client has nothing queued"

sync_client a
exit_is 0 "first sync of a exits 0"
like "$out" "pulled 20 changes" "the summary counts the 20 items pulled"
like "$out" "1 page" "... in one page"
same_as_server a "after the first pull"

# The comparison itself must be able to fail: a local edit not yet sent.
client a edit S-00003 --set owner=未同步 >/dev/null 2>>"$CLIENT_ERR"
client_ledger a >"$tmp/.cl"
server_ledger >"$tmp/.sl"
if cmp -s "$tmp/.cl" "$tmp/.sl"; then
	fail "the ledger comparison sees an unsent edit"
else
	pass "the ledger comparison sees an unsent edit"
fi
is "$(status_of a queued)" 1 "the unsent edit is queued"

# ---------------------------------------------------------------- push
crun a edit S-00001 --progress 55
exit_is 0 "edit S-00001 offline"
crun a note S-00001 '首次现场检查：油烟净化设施已安装'
exit_is 0 "note on S-00001 offline"
is "$(status_of a queued)" 3 "three ops queued (two edits, a note)"

sync_client a
exit_is 0 "a pushes its changes: exit 0"
like "$out" "pushed 3" "the summary counts 3 ops pushed"
like "$out" "applied 3" "... all 3 applied"
is "$(status_of a queued)" 0 "nothing queued after the push"
is "$(server_ledger | jq -r 'select(.code == "S-00001") | .progress')" 55 "the server has progress 55"
is "$(server_ledger | jq -r 'select(.code == "S-00003") | .owner')" 未同步 "the server has the owner"
is "$(sql_server "SELECT count(*) FROM note WHERE text = '首次现场检查：油烟净化设施已安装'")" 1 \
	"the server holds the note once"
same_as_server a "after the push"

# ---------------------------------------------------------------- nothing new
cursor1=$(status_of a cursor)
changes1=$(sql_server "SELECT max(seq) FROM change")
client_ledger a >"$tmp/before"
client_records a >"$tmp/before.r"
sync_client a
exit_is 0 "a sync with nothing new exits 0"
like "$out" "pushed 0" "... and pushes nothing"
is "$(sql_server "SELECT max(seq) FROM change")" "$changes1" "... writes nothing on the server"
client_ledger a >"$tmp/after"
client_records a >"$tmp/after.r"
if cmp -s "$tmp/before" "$tmp/after" && cmp -s "$tmp/before.r" "$tmp/after.r"; then
	pass "... changes nothing in the client's ledger"
else
	fail "... changes nothing in the client's ledger"
	diff "$tmp/before" "$tmp/after" | head -10 | sed 's/^/#   /'
fi
is "$(status_of a cursor)" "$cursor1" "... keeps the cursor"

sync_client a -q
exit_is 0 "sync -q exits 0"
is "$out" "" "sync -q prints nothing"

# ---------------------------------------------------------------- second client
sync_client b
exit_is 0 "b's first sync exits 0"
same_as_server b "b after its first sync"
is "$(client b export --format json | jq -r '.[] | select(.code == "S-00001") | .progress')" 55 \
	"b sees a's progress"
is "$(sql_client b "SELECT count(*) FROM note WHERE text = '首次现场检查：油烟净化设施已安装'")" 1 \
	"b holds a's note once"

# b answers; a pulls it.
crun b note S-00001 '已复核'
crun b edit S-00002 --set lead_unit=市生态环境局
sync_client b
exit_is 0 "b pushes"
sync_client a
exit_is 0 "a pulls b's changes"
like "$out" "pulled" "the summary says what was pulled"
same_as_server a "a after b's changes"
same_as_server b "b after its push"

# ---------------------------------------------------------------- status
crun a note S-00004 '待同步'
sync_client a --status
exit_is 0 "sync --status exits 0"
st=$out
like "$st" "server: $URL" "status: server"
like "$st" "user: office1" "status: user"
like "$st" "queued: 1" "status: queued"
like "$st" "rejected: 0" "status: rejected"
like "$st" "conflicts: 0" "status: conflicts"
case $(printf '%s\n' "$st" | sed -n 's/^last sync: *//p') in
'' | never | -) fail "status: last sync is set"; diag "$st" ;;
*) pass "status: last sync is set" ;;
esac
case $(printf '%s\n' "$st" | sed -n 's/^cursor: *//p') in
[0-9]*-*) pass "status: cursor as the server gave it" ;;
*) fail "status: cursor as the server gave it"; diag "$st" ;;
esac

# A revoked token: exit 8.
"$DUBAND" token revoke office2 --data "$DATA" >/dev/null 2>&1
sync_client b
exit_is 8 "sync with a revoked token exits 8 (log in again)"
login_client b office2 || true
sync_client b
exit_is 0 "after logging in again b syncs"

# --status without the server; sync itself is offline (7).
stop_server
sync_client a --status
exit_is 0 "sync --status works with the server down"
like "$out" "queued: 1" "... and says what is queued"
sync_client a
exit_is 7 "sync with the server down exits 7 (offline)"
is "$(status_of a queued)" 1 "the op stays queued"

done_testing
