#!/bin/sh
# Backups while four clients push: `duband backup` of the running server,
# taken again and again while the clients add items, notes and attachments
# and sync.  Every backup restores into a new directory (integrity and every
# blob's hash checked) and holds the original exactly as it was at the
# backup's change number N, no torn state:
#   - its change log is the original's up to N, entry for entry;
#   - every item is at a version <= N, and every item of the original still
#     at a version <= N is in it, every column the same;
#   - its records are the original's that were logged up to N, and every
#     attachment's blob is there.
# Then a server runs on a copy taken halfway: a new client downloads it
# whole, and an old client, whose cursor is past the copy, is told about the
# reset, its queued change reaches the server and it loses nothing.  And `duban backup` of a client's
# ledger while its sync loop runs: the copy opens, does not sync as the
# same device, and syncs once logged in under another device name.
. "$(dirname "$0")/lib.sh"

ROUNDS=${BACKUP_ROUNDS:-8}
for x in 1 2 3 4; do
	add_user u$x office || exit 1
done
seed_server 12
start_server
start_proxy 1
for x in 1 2 3 4; do
	login_client c$x u$x "$PROXY_URL" || exit 1
	sync_client c$x -q
	exit_is 0 "c$x's first sync"
done

# ---------------------------------------------------------------- four clients push
# work X: ROUNDS rounds of a new item, a note, a progress change and (every
# other round) an attachment, each round synced.
work() {
	_x=$1
	_i=0
	while [ $_i -lt "$ROUNDS" ]; do
		_i=$((_i + 1))
		client c$_x add --code "C$_x-$_i" --title "客户端$_x第$_i项" --county 甲县 --lead-unit 甲县人民政府 \
			--deadline 2026-12-31 >/dev/null 2>>"$CLIENT_ERR"
		client c$_x note "C$_x-$_i" "第$_i轮的记录（c$_x）" >/dev/null 2>>"$CLIENT_ERR"
		client c$_x edit "S-0000$(((_i + _x) % 9 + 1))" --progress $((_x * 10 + _i)) >/dev/null 2>>"$CLIENT_ERR"
		if [ $((_i % 2)) = 0 ]; then
			head -c $((1000 + _x * 100 + _i)) /dev/urandom >"$tmp/f$_x-$_i"
			client c$_x attach "C$_x-$_i" "$tmp/f$_x-$_i" >/dev/null 2>>"$CLIENT_ERR"
		fi
		client c$_x sync -q 2>>"$CLIENT_ERR"
	done
	echo done >"$tmp/work$_x.done"
}
for x in 1 2 3 4; do
	work $x &
	BG_PIDS="$BG_PIDS $!"
done

# ---------------------------------------------------------------- backups meanwhile
n=0
copy_made=
while :; do
	n=$((n + 1))
	if "$DUBAND" backup "$tmp/bk$n" --data "$DATA" >"$tmp/bk$n.out" 2>&1; then
		:
	else
		fail "backup $n while the clients push"
		sed 's/^/#   /' "$tmp/bk$n.out"
	fi
	# A client's ledger copied while its own sync loop writes to it.
	if [ -z "$copy_made" ] && [ $n -ge 2 ]; then
		run client c2 backup "$tmp/c2-copy.db"
		exit_is 0 "duban backup of c2's ledger while c2 works"
		copy_made=yes
	fi
	all=yes
	for x in 1 2 3 4; do
		[ -f "$tmp/work$x.done" ] || all=no
	done
	[ $all = yes ] && break
	sleep 0.3
done
for x in 1 2 3 4; do
	sync_until c$x 5 || true
done
diag "$n backups taken while the clients pushed"
ok "$([ $n -ge 3 ]; echo $?)" "at least 3 backups under load ($n)"

# ---------------------------------------------------------------- each copy = the original at its point
server_ledger >"$tmp/orig.items"
RECS="SELECT 'note', id, item_id, text FROM note UNION ALL SELECT 'attachment', id, item_id, sha256 FROM attachment ORDER BY 1, 2"
sql_server "$RECS" >"$tmp/orig.recs"
blobs_total=$(sql_server "SELECT count(*) FROM blob")
i=0
torn=0
while [ $i -lt $n ]; do
	i=$((i + 1))
	bk=$tmp/bk$i
	[ -f "$bk/BACKUP" ] || continue
	N=$(sed -n 's/^change_seq //p' "$bk/BACKUP")
	r=$tmp/r$i
	if ! "$DUBAND" restore "$bk" --data "$r" >"$tmp/r$i.out" 2>&1; then
		fail "backup $i (change $N) restores"
		sed 's/^/#   /' "$tmp/r$i.out"
		torn=$((torn + 1))
		continue
	fi
	q() { sqlite3 -readonly -separator '|' "$r/ledger.db" "$1"; }
	bad=
	# The change log up to N, entry for entry.
	q "SELECT seq, token, entity, entity_id, item_id FROM change ORDER BY seq" >"$tmp/c.log"
	sql_server "SELECT seq, token, entity, entity_id, item_id FROM change WHERE seq <= $N ORDER BY seq" >"$tmp/o.log"
	cmp -s "$tmp/c.log" "$tmp/o.log" || bad="$bad change-log"
	# Items: none past N; the original's items still at <= N, identical.
	[ "$(q "SELECT count(*) FROM item WHERE version > $N")" = 0 ] || bad="$bad item-after-N"
	"$DUBAND" export --data "$r" --format json 2>>"$tmp/duband-export.err" | normalise >"$tmp/c.items"
	jq -c --argjson n "$N" 'select(.version <= $n)' "$tmp/orig.items" >"$tmp/o.items"
	LC_ALL=C comm -23 "$tmp/o.items" "$tmp/c.items" | grep -q . && bad="$bad items-missing"
	# Items of the copy that differ from today's original changed after N.
	LC_ALL=C comm -13 "$tmp/o.items" "$tmp/c.items" | jq -r .code >"$tmp/c.changed"
	while read -r code; do
		v=$(jq -r --arg c "$code" 'select(.code == $c) | .version' "$tmp/orig.items")
		[ -n "$v" ] && [ "$v" -gt "$N" ] || bad="$bad item-$code"
	done <"$tmp/c.changed"
	# Records: exactly those logged up to N, as the original has them.
	q "$RECS" >"$tmp/c.recs"
	LC_ALL=C comm -23 "$tmp/c.recs" "$tmp/orig.recs" | grep -q . && bad="$bad records-differ"
	[ "$(q "SELECT count(*) FROM note")" = "$(sql_server "SELECT count(DISTINCT entity_id) FROM change WHERE entity = 'note' AND seq <= $N")" ] ||
		bad="$bad note-count"
	[ "$(q "SELECT count(*) FROM attachment WHERE sha256 NOT IN (SELECT sha256 FROM blob)")" = 0 ] ||
		bad="$bad blob-missing"
	if [ -z "$bad" ]; then
		pass "backup $i = the original at change $N ($(wc -l <"$tmp/c.items" | tr -d ' ') items, $(wc -l <"$tmp/c.recs" | tr -d ' ') records, $(q 'SELECT count(*) FROM blob') of $blobs_total blobs)"
	else
		fail "backup $i = the original at change $N"
		diag "differs:$bad"
		torn=$((torn + 1))
	fi
done
is "$torn" 0 "no backup torn"

# ---------------------------------------------------------------- a server on a copy
# One taken halfway: the original's clients, which find it through the
# proxy, have cursors past it.
last=$tmp/r$(((n + 1) / 2))
diag "the server restarts on $last (change $(sed -n 's/^change_seq //p' "$tmp/bk$(((n + 1) / 2))/BACKUP") of $(sql_server 'SELECT max(seq) FROM change'))"
crun c1 edit S-00001 --owner 恢复之后
is "$(status_of c1 queued)" 1 "c1 has a change queued before the restore"
client_ledger c1 | jq -r .code >"$tmp/c1.before"
client_records c1 | cut -d'|' -f1,2 >"$tmp/c1.recs.before"
stop_server
DATA_ORIG=$DATA
DATA=$last
start_server
retarget_proxy 1
sync_client c1
# 9: its own changes the restored server lacks come back as conflicts.
ok "$([ "$rc" = 0 ] || [ "$rc" = 9 ]; echo $?)" "c1's sync against the restored server (exit $rc)"
case $(printf '%s\n%s' "$out" "$err" | tr 'A-Z' 'a-z') in
*reset* | *重置*) pass "c1 is told the server was reset" ;;
*) fail "c1 is told the server was reset"; diag "stdout: $out" "stderr: $err" ;;
esac
is "$(sql_server "SELECT owner FROM item WHERE code = 'S-00001'")" 恢复之后 "c1's queued change reached the restored server"
# What the restored server lost, c1 keeps: every item and record.
client_ledger c1 | jq -r .code >"$tmp/c1.after"
is "$(LC_ALL=C comm -23 "$tmp/c1.before" "$tmp/c1.after" | tr '\n' ' ')" "" "c1 lost no item ($(wc -l <"$tmp/c1.after" | tr -d ' '))"
client_records c1 | cut -d'|' -f1,2 >"$tmp/c1.recs.after"
is "$(LC_ALL=C comm -23 "$tmp/c1.recs.before" "$tmp/c1.recs.after" | head -3 | tr '\n' ' ')" "" "c1 lost no record"
login_client c5 u1 "$PROXY_URL" || exit 1
sync_client c5 -q
exit_is 0 "a new client downloads the restored server"
same_as_server c5 "c5 from the restored server"

# ---------------------------------------------------------------- the client's copy
run sqlite3 "$tmp/c2-copy.db" "PRAGMA integrity_check"
is "$out" ok "c2's copy passes the integrity check"
is "$(sqlite3 "$tmp/c2-copy.db" "SELECT value FROM sync_state WHERE key = 'copy_of_device'")" c2-device \
	"the copy remembers the device it came from"
crun c2 --db "$tmp/c2-copy.db" note C2-1 '副本里的记录'
exit_is 0 "the copy is written like any ledger"
# c2's own account: the same device, refused.
run env HOME="$tmp/c/c2/home" XDG_CONFIG_HOME="$tmp/c/c2/config" XDG_DATA_HOME="$tmp/c/c2/data" USER=c2 \
	"$DUBAN" --db "$tmp/c2-copy.db" sync
exit_is 5 "the copy does not sync as c2-device (exit 5, a local problem)"
like "$err" "is a copy (duban backup) of the ledger of device c2-device" "it says why"
like "$err" "--device NAME" "and what to do"
is "$(sql_server "SELECT count(*) FROM note WHERE text = '副本里的记录'")" 0 "nothing of the copy reached the server"
# Under another device name (its own account) it is a device of its own.
mkdir -p "$tmp/c/c2copy"
printf '%s\n' "$PW" >"$tmp/.pw"
run env HOME="$tmp/c/c2copy" XDG_CONFIG_HOME="$tmp/c/c2copy/config" XDG_DATA_HOME="$tmp/c/c2/data" USER=c2 \
	"$DUBAN" --db "$tmp/c2-copy.db" login "$PROXY_URL" u2 --cacert "$CA" --device c2-copy <"$tmp/.pw"
exit_is 0 "the copy logs in as device c2-copy"
run env HOME="$tmp/c/c2copy" XDG_CONFIG_HOME="$tmp/c/c2copy/config" XDG_DATA_HOME="$tmp/c/c2/data" USER=c2 \
	"$DUBAN" --db "$tmp/c2-copy.db" sync
ok "$([ "$rc" = 0 ] || [ "$rc" = 9 ]; echo $?)" "the copy syncs as c2-copy (exit $rc)"
is "$(sql_server "SELECT count(*) FROM note WHERE text = '副本里的记录'")" 1 "the copy's note reached the server once"
is "$(sqlite3 "$tmp/c2-copy.db" "SELECT count(*) FROM sync_state WHERE key = 'copy_of_device'")" 0 \
	"the copy is no longer marked"
DATA=$DATA_ORIG

done_testing
