#!/bin/sh
# The server restored from an old backup: the client's cursor names a change
# the server does not have (or has with another check token).  A client with
# new local changes notices the reset, pushes what it has, downloads again,
# and loses nothing of its own: its changes reach the server and the ledgers
# are identical.
. "$(dirname "$0")/lib.sh"

add_user office1 office || exit 1
add_user office2 office || exit 1
seed_server 10
start_server
# Clients talk to a clean forwarder that stays on one port while the server
# comes back on others.
start_proxy 1
login_client a office1 "$PROXY_URL" || exit 1
login_client b office2 "$PROXY_URL" || exit 1
sync_client a -q
exit_is 0 "a's first sync"
sync_client b -q
exit_is 0 "b's first sync"

# ---------------------------------------------------------------- the backup
stop_server
data_copy "$DATA" "$tmp/backup"
start_server
retarget_proxy 1
backup_seq=$(sql_server "SELECT max(seq) FROM change")

# Life goes on after the backup.
crun b edit S-00002 --owner 备份之后
sync_client b
exit_is 0 "b pushes after the backup"
crun a edit S-00001 --progress 77
sync_client a
exit_is 0 "a pushes and pulls after the backup"
cursor_old=$(status_of a cursor)
diag "backup at change $backup_seq; a's cursor $cursor_old"

# ---------------------------------------------------------------- the restore
stop_server
data_move "$tmp/backup" "$DATA"
start_server
retarget_proxy 1
is "$(sql_server "SELECT max(seq) FROM change")" "$backup_seq" "the server is back at the backup"

# New local work on a.
crun a edit S-00003 --progress 33
crun a note S-00003 '恢复之后的记录'
crun a add --code R-001 --title '恢复之后新增的问题' --county 甲县 --lead-unit 甲县人民政府 --deadline 2026-12-31
is "$(status_of a queued)" 3 "a has 3 new ops queued"

sync_client a
exit_is 0 "a's sync after the restore exits 0"
case $(printf '%s\n%s' "$out" "$err" | tr 'A-Z' 'a-z') in
*reset* | *重置*) pass "the client says the server was reset" ;;
*) fail "the client says the server was reset"; diag "stdout: $out" "stderr: $err" ;;
esac
is "$(status_of a queued)" 0 "a's outbox is empty"
is "$(sql_server "SELECT progress FROM item WHERE code = 'S-00003'")" 33 "a's edit reached the server"
is "$(sql_server "SELECT count(*) FROM note WHERE text = '恢复之后的记录'")" 1 "a's note reached the server once"
is "$(sql_server "SELECT count(*) FROM item WHERE code = 'R-001'")" 1 "a's new item reached the server"
case $(status_of a cursor) in
"$cursor_old") fail "a's cursor is a new one"; diag "still $cursor_old" ;;
*) pass "a's cursor is a new one" ;;
esac
same_as_server a "a after the reset"

# What the restore lost (a's progress 77, b's owner) is the server's call:
# the clients follow the server.
is "$(client a export --format json | jq -r '.[] | select(.code == "S-00001") | .progress')" \
	"$(sql_server "SELECT progress FROM item WHERE code = 'S-00001'")" "a follows the server on S-00001"

# b, with nothing queued, resets too.
sync_client b
exit_is 0 "b's sync after the restore exits 0"
same_as_server b "b after the reset"

# Both again: nothing new, nothing moves.
sync_client a
exit_is 0 "a again: exit 0"
like "$out" "pushed 0" "... nothing to push"
same_as_server a "a at the end"

done_testing
