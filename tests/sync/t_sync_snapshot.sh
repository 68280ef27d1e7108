#!/bin/sh
# The first download in one answer (GET /api/v1/snapshot): a ledger made by
# it equals, table by table, one made page by page from the same server
# (DUBAN_SYNC_SNAPSHOT=0), for the office and for an inspector; the
# inspector's snapshot holds nothing of another county that a pull would
# not give; a ledger with unsent work never takes it and loses nothing.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
seed_server 40 甲县 乙县 丙县
# The office's policies: every user receives them, and a snapshot's
# cursor is past their entries in the log, so it carries them itself.
"$DUBAND" policy set acceptance 'county:县级初验@inspector city:市级复核@office' --data "$DATA" >/dev/null
"$DUBAND" policy set notice-days 10 --data "$DATA" >/dev/null
start_server

# ---------------------------------------------------------------- a history
login_client o boss || exit 1
DUBAN_SYNC_SNAPSHOT=0 sync_client o -q
exit_is 0 "the office's client downloads the seeded ledger"
crun o note S-00001 '甲县现场已清理'
crun o note S-00002 '乙县问题已督办'
crun o edit S-00004 --progress 55
crun o edit S-00005 --title '乙县第5号整改问题（改）'
crun o status S-00007 in_progress
crun o inspect S-00010 --result fail --findings '仍有堆放' --inspectors '王,李'
crun o action S-00013 --kind reminder --text '请按期整改' --due 2026-07-01
head -c 3000 /dev/urandom >"$tmp/photo.jpg"
crun o attach S-00016 "$tmp/photo.jpg"
# Moves across the inspector's county, both ways.
crun o edit S-00019 --county 乙县 --lead-unit 乙县人民政府
crun o edit S-00020 --county 甲县 --lead-unit 甲县人民政府
crun o note S-00020 '移交甲县'
sync_client o -q
exit_is 0 "the office's changes reach the server"
# A deletion of a 甲县 item, with a note it had.
TOKEN=$(login boss "$PW")
id22=$(sql_server "SELECT id FROM item WHERE code = 'S-00022'")
push "$(op_note "$(uuid)" "$id22" "$(uuid)" '删除前的记录')"
push "$(op_delete "$(uuid)" "$id22")"
is "$(r 0 .result)" applied "the office deletes S-00022 (甲县)"

# dump DB: every table a download fills, without what is local to one
# replica (row numbers, the sync log, when it ran), in a stable order.
dump() {
	for t in item note inspection action attachment notice link event op conflict refetch; do
		cols=$(sqlite3 -readonly "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('$t')
			WHERE name NOT IN ('seq', 'rowid')")
		echo "== $t"
		sqlite3 -readonly "$1" "SELECT $cols FROM \"$t\" ORDER BY $cols"
	done
	echo "== server_policy"
	sqlite3 -readonly "$1" "SELECT key, value FROM server_policy ORDER BY key"
	echo "== sync_state"
	sqlite3 -readonly "$1" "SELECT key, value FROM sync_state WHERE key NOT IN ('last') ORDER BY key"
}

# same_ledgers A B TEXT: clients A and B hold the same tables, and find the
# same items by searching (the search index built at the end).
same_ledgers() {
	dump "$(client_db "$1")" >"$tmp/$1.dump"
	dump "$(client_db "$2")" >"$tmp/$2.dump"
	if cmp -s "$tmp/$1.dump" "$tmp/$2.dump"; then
		pass "$3: every table equal ($(wc -l <"$tmp/$1.dump" | tr -d ' ') lines)"
	else
		fail "$3: every table equal"
		diff "$tmp/$2.dump" "$tmp/$1.dump" | head -20 | sed 's/^/#   /'
	fi
	for q in 清理 乙县第5号 S-0002 人民政府; do
		a=$(client "$1" list --search "$q" 2>&1 | LC_ALL=C sort)
		b=$(client "$2" list --search "$q" 2>&1 | LC_ALL=C sort)
		[ "$a" = "$b" ] || break
	done
	is "$a" "$b" "$3: the same items found by searching"
}

snapshots() {
	grep -c "path=/api/v1/snapshot status=200" "$tmp/access.log"
}

# ---------------------------------------------------------------- the office
login_client snap boss || exit 1
login_client page boss || exit 1
before=$(snapshots)
sync_client snap
exit_is 0 "a fresh ledger syncs (exit 0)"
is "$(snapshots)" $((before + 1)) "... with one snapshot"
DUBAN_SYNC_SNAPSHOT=0 sync_client page
exit_is 0 "another fresh ledger syncs page by page"
is "$(snapshots)" $((before + 1)) "... without a snapshot"
same_ledgers snap page "office"
same_as_server snap "office snapshot"
is "$(sql_client snap "SELECT count(*) FROM event WHERE field = 'delete'")" 1 \
	"the deletion of S-00022 is in the history, as a pull's tombstone brings it"
sync_client snap
exit_is 0 "the next sync of the snapshot ledger exits 0"
like "$out" "pulled 0" "... and has nothing to pull (its cursor is the server's)"

# A change after the snapshot arrives with the next pull.
crun o note S-00001 '快照之后的记录'
sync_client o -q
sync_client snap -q
sync_client page -q
same_ledgers snap page "office, after one more change"

# ---------------------------------------------------------------- the search index
# A first download leaves the search index to a background process; until
# it is built, searches scan and find the same.
pending() {
	sqlite3 -readonly "$(client_db "$1")" "SELECT count(*) FROM meta WHERE key = 'search_index_pending'"
}
# searches NAME: what a few searches find in client NAME.
searches() {
	for q in 清理 乙县第5号 S-0002 人民政府 '县 第1' 改; do
		echo "== $q"
		client "$1" list --search "$q" --format csv 2>&1
	done
}
login_client idx boss || exit 1
sync_client idx -q
exit_is 0 "a fresh ledger syncs"
i=0
while [ "$(pending idx)" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(pending idx)" 0 "the search index is built in the background after it"
searches idx >"$tmp/idx.built"
searches page >"$tmp/page.built"
is "$(cat "$tmp/idx.built")" "$(cat "$tmp/page.built")" "... and finds what the page-by-page ledger's finds"
# As if the background process had not run yet.
sqlite3 "$(client_db idx)" "INSERT INTO meta (key, value) VALUES ('search_index_pending', '1')"
searches idx >"$tmp/idx.scan"
is "$(cat "$tmp/idx.scan")" "$(cat "$tmp/idx.built")" "while it waits, searching scans and finds the same"
crun idx edit S-00003 --title '丙县河道清淤问题'
exit_is 0 "an item edited while it waits"
is "$(client idx list --search 清淤 --format csv | cut -d, -f1 | tail -n +2)" S-00003 "... is found by its new title"
is "$(client idx list --search '丙县第3号' --format csv | tail -n +2)" "" "... and no longer by its old one"
crun idx sync --build-search-index
exit_is 0 "duban sync --build-search-index exits 0"
is "$(pending idx)" 0 "... and the index waits no more"
is "$(client idx list --search 清淤 --format csv | cut -d, -f1 | tail -n +2)" S-00003 \
	"the built index finds the edited item by its new title"
is "$(client idx list --search '丙县第3号' --format csv | tail -n +2)" "" "... and not by its old one"
searches idx >"$tmp/idx.rebuilt"
sqlite3 "$(client_db idx)" "INSERT INTO meta (key, value) VALUES ('search_index_pending', '1')"
searches idx >"$tmp/idx.rescan"
sqlite3 "$(client_db idx)" "DELETE FROM meta WHERE key = 'search_index_pending'"
is "$(cat "$tmp/idx.rebuilt")" "$(cat "$tmp/idx.rescan")" "the built index and the scan agree after the edit"
crun idx sync --build-search-index
exit_is 0 "--build-search-index with nothing to build exits 0"

# ---------------------------------------------------------------- the inspector
login_client lisnap li || exit 1
login_client lipage li || exit 1
sync_client lisnap
exit_is 0 "the inspector's fresh ledger syncs"
DUBAN_SYNC_SNAPSHOT=0 sync_client lipage
exit_is 0 "... and another page by page"
same_ledgers lisnap lipage "inspector of 甲县"
same_as_server_in lisnap "inspector snapshot" 甲县
is "$(sql_client lisnap "SELECT count(*) FROM item WHERE county <> '甲县'")" 0 "the inspector holds only 甲县 items"
is "$(sql_client lisnap "SELECT value FROM server_policy WHERE key = 'notice-days'")" 10 \
	"the inspector's snapshot carries the office's policies"

# The raw answer: nothing of 乙县 or 丙县 but what a pull from the start
# gives (the tombstone of S-00019, moved to 乙县, carries its move).
TOKEN=$(login li "$PW")
req -H "Authorization: Bearer $TOKEN" --compressed "$URL/api/v1/snapshot"
code_is 200 "GET snapshot as the inspector"
printf '%s\n' "$body" >"$tmp/li.snap"
is "$(tail -n 1 "$tmp/li.snap" | jq -c '.end')" true "the answer ends with the end line"
is "$(jq -r 'select(.type == "item") | .item.county' "$tmp/li.snap" | sort -u | tr '\n' ' ')" "甲县 " \
	"every item in it is of 甲县"
sql_server "SELECT id FROM item WHERE county <> '甲县'" | LC_ALL=C sort >"$tmp/other.ids"
jq -r '(.item.id, .note.item_id, .inspection.item_id, .action.item_id, .attachment.item_id) // empty' \
	"$tmp/li.snap" | LC_ALL=C sort -u >"$tmp/li.ids"
is "$(LC_ALL=C comm -12 "$tmp/other.ids" "$tmp/li.ids" | wc -l | tr -d ' ')" 0 \
	"no item or record of another county"
pull_all 7 || fail "the inspector's pull"
jq -r 'select(.type == "event") | .event.id' "$tmp/li.snap" | sort -n >"$tmp/snap.events"
jq -r '(select(.type == "event") | .event.id), (select(.type == "tombstone") | .event.id // empty)' \
	"$tmp/changes" | sort -n -u >"$tmp/pull.events"
if cmp -s "$tmp/snap.events" "$tmp/pull.events"; then
	pass "the snapshot's history is exactly the pull's ($(wc -l <"$tmp/pull.events" | tr -d ' ') events)"
else
	fail "the snapshot's history is exactly the pull's"
	diff "$tmp/pull.events" "$tmp/snap.events" | head -10 | sed 's/^/#   /'
fi
is "$(head -n 1 "$tmp/li.snap" | jq -r .cursor)" "$PULL_NEXT" "its cursor is the pull's last"
# Without a token, or with a revoked one: nothing.
TOKEN= api GET snapshot
code_is 401 "no token: 401"
api HEAD snapshot
code_is 405 "HEAD: 405"

# ---------------------------------------------------------------- unsent work
login_client u boss || exit 1
crun u add --code U-001 --title '离线新增问题' --county 甲县 --lead-unit 甲县人民政府 --deadline 2026-12-31
exit_is 0 "a new client adds an item before its first sync"
before=$(snapshots)
sync_client u
exit_is 0 "its first sync exits 0"
is "$(snapshots)" "$before" "... page by page, no snapshot (the ledger holds unsent work)"
is "$(sql_server "SELECT count(*) FROM item WHERE code = 'U-001'")" 1 "the server has the new item"
is "$(sql_client u "SELECT count(*) FROM item WHERE code = 'U-001'")" 1 "... and the client kept it"
same_as_server u "unsent work"

# ---------------------------------------------------------------- the cap
# Half of --readers send snapshots at once.  A snapshot held open by a
# client that reads slowly keeps its slot: the answer must be larger than
# what the sockets buffer, hence 8,000 more items, sent without gzip.
stop_server
awk 'BEGIN {
	print "编号,问题名称,县（市、区）,牵头单位,整改时限,整改进度"
	for (i = 1; i <= 8000; i++)
		printf "B-%05d,丙县堆场扬尘问题第%d号（用于占住快照的长回答）,丙县,丙县人民政府,2026-12-31,%d\n", i, i, i % 100
}' >"$tmp/big.csv"
"$DUBAND" import "$tmp/big.csv" --data "$DATA" >/dev/null 2>&1 || fail "duband import of 8,000 more items"
run "$DUBAND" serve --listen 127.0.0.1:1 --insecure-http --data "$DATA" --readers 0
is "$rc" 2 "duband serve --readers 0: usage error (exit 2)"
like "$err" "--readers: expected a count from 1 to 64" "... saying what it takes"
start_server --readers 2
TOKEN=$(login boss "$PW")
# hold: a snapshot that is asked for and then not read (HOLD_PID).  Its
# receive buffer is set to 4 KB before it connects: with curl's rate limit
# alone, loopback's autotuned buffers took the whole 9 MB answer at once and
# the slot was free again before the second request came.
hold() {
	python3 - "$URL" "$TOKEN" "$CA" <<'PY' &
import socket, ssl, sys, time, urllib.parse
url, token, ca = sys.argv[1:4]
u = urllib.parse.urlsplit(url)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((u.hostname, u.port))
ctx = ssl.create_default_context(cafile=ca)
t = ctx.wrap_socket(s, server_hostname=u.hostname)
t.sendall(("GET /api/v1/snapshot HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n"
           % (u.netloc, token)).encode())
t.recv(1024)
time.sleep(120)
PY
	HOLD_PID=$!
	sleep 1
}
# Up to 3 tries, in case the reader still got the whole answer.
tries=0
while :; do
	hold
	req -H "Authorization: Bearer $TOKEN" "$URL/api/v1/snapshot"
	tries=$((tries + 1))
	[ "$code" = 503 ] && break
	{ tail -n 3 "$tmp/access.log"; kill -0 "$HOLD_PID" 2>/dev/null && echo "hold running"; } | cut -c1-200 |
		sed 's/^/# try '"$tries"': /'
	kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	[ $tries -ge 3 ] && break
done
is "$code" 503 "--readers 2: a second snapshot while one is sent is answered 503"
like "$body" '"busy"' "... busy"
login_client busy boss || exit 1
before=$(snapshots)
sync_client busy
exit_is 0 "a fresh client syncs while the only snapshot slot is taken"
is "$(snapshots)" "$before" "... page by page"
like "$err" "first download in one answer did not work" "... and says on stderr why not"
like "$err" "page by page" "... and what it does instead"
is "$(printf '%s\n' "$err" | grep -c 'did not work')" 1 "... in one line"
same_as_server busy "after the fallback"
login_client quiet boss || exit 1
sync_client quiet -q
exit_is 0 "the same with -q"
is "$err" "" "... says nothing"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
login_client free boss || exit 1
before=$(snapshots)
sync_client free -q
exit_is 0 "once the slot is free again"
is "$(snapshots)" $((before + 1)) "... a fresh client takes the snapshot"
is "$err" "" "... and says nothing about it"
stop_server
start_server --readers 4
TOKEN=$(login boss "$PW")
hold
req -H "Authorization: Bearer $TOKEN" "$URL/api/v1/snapshot"
is "$code" 200 "--readers 4: a second snapshot while one is sent is served"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null

done_testing
