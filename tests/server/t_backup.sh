#!/bin/sh
# duband backup and restore on one server: the backup of a running server
# holds its items and every blob; restore refuses while a server runs on the
# directory (and a server does not start during a restore), checks the
# database and every blob's hash before touching anything, and with --force
# keeps what it replaced.  (Backups under load: tests/sync/t_sync_backup.sh.)
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
start_server
login_as boss

sha() {
	sha256sum "$1" | cut -d' ' -f1
}
put() { # put FILE SHA
	req -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/octet-stream' \
		--data-binary @"$1" "$URL/api/v1/blobs/$2"
}
ops=
for i in 1 2 3; do ops="$ops$(op_create "$(uuid)" "$(uuid)" "B-$i" 甲县),"; done
push ${ops%,}
is "$code" 200 "three items pushed"
for i in 1 2; do
	head -c $((30000 * i)) /dev/urandom >"$tmp/file$i"
	put "$tmp/file$i" "$(sha "$tmp/file$i")"
	is "$code" 201 "blob $i uploaded"
done
h1=$(sha "$tmp/file1")

# ---------------------------------------------------------------- backup, live
seq=$(sqlite3 "$DATA/ledger.db" 'SELECT max(seq) FROM change')
run "$DUBAND" backup "$tmp/bk" --data "$DATA"
exit_is 0 "backup of the running server"
like "$out" "up to change $seq, 2 blobs (90000 bytes)" "backup says what it copied"
is "$(sed -n 's/^change_seq //p' "$tmp/bk/BACKUP")" "$seq" "BACKUP names the last change"
is "$(sqlite3 "$tmp/bk/ledger.db" 'SELECT count(*) FROM item')" 3 "the copy holds the items"
is "$(sqlite3 "$tmp/bk/ledger.db" 'PRAGMA journal_mode')" delete "the copy is one file (no -wal)"
cmp -s "$tmp/file1" "$tmp/bk/blobs/$(printf %.2s "$h1")/$h1"
ok $? "the copy holds the blob's bytes"
is "$(stat -c %a "$tmp/bk/ledger.db")" 600 "the copy's database is mode 0600"
run "$DUBAND" backup "$tmp/bk" --data "$DATA"
exit_is 1 "a backup never goes into an existing directory"
run "$DUBAND" backup "$tmp/bk2" --data "$tmp/nothing"
exit_is 1 "a directory without a ledger: nothing to back up"
ok "$([ ! -e "$tmp/bk2" ] && [ ! -e "$tmp/nothing" ]; echo $?)" "and nothing is left or created"

# ---------------------------------------------------------------- restore is refused while serving
run "$DUBAND" restore "$tmp/bk" --data "$DATA" --force
exit_is 1 "restore onto the running server's directory"
like "$err" "a server is running on $DATA: stop it first" "restore names the running server"
is "$(sqlite3 "$DATA/ledger.db" 'SELECT count(*) FROM item')" 3 "the served ledger is untouched"
push "$(op_create "$(uuid)" "$(uuid)" B-4 甲县)"
is "$code" 200 "a fourth item after the backup"
stop_server

# ---------------------------------------------------------------- restore checks the backup first
cp -a "$tmp/bk" "$tmp/bad"
printf 'X' | dd of="$tmp/bad/blobs/$(printf %.2s "$h1")/$h1" bs=1 seek=100 conv=notrunc 2>/dev/null
run "$DUBAND" restore "$tmp/bad" --data "$tmp/r1"
exit_is 1 "a backup with a damaged blob is refused"
like "$err" "blob $h1 is damaged" "the damaged blob is named"
ok "$([ ! -e "$tmp/r1/ledger.db" ]; echo $?)" "nothing was restored"
rm "$tmp/bad/blobs/$(printf %.2s "$h1")/$h1"
run "$DUBAND" restore "$tmp/bad" --data "$tmp/r1"
like "$err" "blob $h1 is missing" "a missing blob is named"
rm -rf "$tmp/bad" && cp -a "$tmp/bk" "$tmp/bad"
# A page in the middle of the database overwritten: integrity_check.
size=$(stat -c %s "$tmp/bad/ledger.db")
dd if=/dev/urandom of="$tmp/bad/ledger.db" bs=4096 seek=$((size / 4096 / 2)) count=2 conv=notrunc 2>/dev/null
run "$DUBAND" restore "$tmp/bad" --data "$tmp/r1"
exit_is 1 "a damaged database is refused"
like "$err" "fails the integrity check" "the check says why"
run "$DUBAND" restore "$tmp/nowhere" --data "$tmp/r1"
like "$err" "is not a backup of duband" "a directory that is no backup"

# ---------------------------------------------------------------- restore into a new directory, then over the old one
run "$DUBAND" restore "$tmp/bk" --data "$tmp/r1"
exit_is 0 "restore into a new directory"
like "$out" "up to change $seq, 3 items, 2 blobs (90000 bytes) checked" "restore says what it checked"
is "$(stat -c %a "$tmp/r1")" 700 "the new data directory is mode 0700"
run "$DUBAND" restore "$tmp/bk" --data "$DATA"
exit_is 1 "over a ledger without --force: refused"
like "$err" "add --force" "it says --force"
run "$DUBAND" restore "$tmp/bk" --data "$DATA" --force
exit_is 0 "over a ledger with --force"
aside=$(ls -d "$DATA"/before-restore-* 2>/dev/null | head -n 1)
is "$(sqlite3 "$aside/ledger.db" 'SELECT count(*) FROM item')" 4 "the replaced ledger is kept aside (4 items)"
is "$(sqlite3 "$DATA/ledger.db" 'SELECT count(*) FROM item')" 3 "the restored ledger has the backup's 3 items"

# ---------------------------------------------------------------- a server on the restored data
start_server
login_as boss
api GET "pull?since=0"
is "$(j '[.changes[] | select(.type == "item")] | length')" 3 "the restored server serves the 3 items"
api GET "blobs/$h1"
cmp -s "$tmp/.body" "$tmp/file1"
ok $? "and the blob's bytes"
# A server holds the lock: a restore meanwhile is refused (the same as above,
# now through serve's shared lock only).
run "$DUBAND" restore "$tmp/bk" --data "$DATA" --force
exit_is 1 "restore refused while the restored server runs"
stop_server

# A restore holding the lock keeps a server from starting: flock(1) stands
# in for a restore that is under way.
if command -v flock >/dev/null 2>&1; then
	flock -x "$DATA/serve.lock" sh -c "timeout 20 \"$DUBAND\" serve --listen 127.0.0.1:$(random_port) --tls-cert \"$CERT\" --tls-key \"$KEY\" --data \"$DATA\" >\"$tmp/locked.out\" 2>&1; echo \$? >\"$tmp/locked.rc\""
	is "$(cat "$tmp/locked.rc")" 1 "a server does not start while a restore holds the directory"
	like "$(cat "$tmp/locked.out")" "is being restored" "and says why"
else
	skip "flock(1) is not installed"
	skip "flock(1) is not installed"
fi

done_testing
