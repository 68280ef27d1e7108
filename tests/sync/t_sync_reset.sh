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

# b, with nothing queued, resets too: with nothing of its own, it takes the
# whole ledger in one answer, in place of what it held.
snapshots() {
	grep -c "path=/api/v1/snapshot status=200" "$tmp/access.log"
}
before=$(snapshots)
sync_client b
exit_is 0 "b's sync after the restore exits 0"
case $(printf '%s\n%s' "$out" "$err" | tr 'A-Z' 'a-z') in
*reset* | *重置*) pass "b says the server was reset" ;;
*) fail "b says the server was reset"; diag "stdout: $out" "stderr: $err" ;;
esac
is "$(snapshots)" $((before + 1)) "... and downloads it in one answer (a snapshot)"
is "$err" "" "... without a word on stderr"
same_as_server b "b after the reset"
# (The history the restore lost is kept where the restored server has not
# reused its numbers; here it has, for a's changes.)
is "$(sql_client b "SELECT count(*) FROM (SELECT origin FROM event WHERE origin IS NOT NULL GROUP BY origin HAVING count(*) > 1)")" 0 \
	"... and holds no server change twice"

# Both again: nothing new, nothing moves.
sync_client a
exit_is 0 "a again: exit 0"
like "$out" "pushed 0" "... nothing to push"
same_as_server a "a at the end"

# ---------------------------------------------------------------- a server that lost an item
# d holds an item the server then loses with a second restore: d's reset
# does not take the snapshot (it would drop the item), says why, and keeps
# the item, as a page-by-page download does.
login_client d office2 "$PROXY_URL" || exit 1
sync_client d -q
exit_is 0 "d's first sync"
stop_server
data_copy "$DATA" "$tmp/backup2"
start_server
retarget_proxy 1
crun b add --code L-001 --title '第二次备份之后新增的问题' --county 甲县 --lead-unit 甲县人民政府 --deadline 2026-12-31
sync_client b -q
sync_client d -q
is "$(sql_client d "SELECT count(*) FROM item WHERE code = 'L-001'")" 1 "d has the new item L-001"
stop_server
data_move "$tmp/backup2" "$DATA"
start_server
retarget_proxy 1
is "$(sql_server "SELECT count(*) FROM item WHERE code = 'L-001'")" 0 "the restored server lacks L-001"
sync_client d
exit_is 0 "d's sync after the second restore exits 0"
like "$err" "lacks 1 items or records" "... saying on stderr why"
is "$(sql_client d "SELECT count(*) FROM item WHERE code = 'L-001'")" 1 "d keeps L-001"

done_testing
