#!/bin/sh
# Sync in the full-screen interface, without a server: conflicts and a
# rejected change are written into the test ledger with sqlite3 (as a sync
# would leave them); the ledger marks the items, the detail pane lists their
# conflicts, the conflict view shows base, mine and theirs side by side (or
# stacked at 80×24) and settles them with t, m and e (Chinese text); a
# rejected change is sent again with r; S without an account says how to log
# in; the status line counts what waits; the sync log view opens.
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
d list --format csv --sort light --limit 4 | sed 1d | tr -d '\r' >"$tmp/rows"
row() { sed -n "${1}p" "$tmp/rows" | awk -F, "{ print \$$2 }"; }
c1=$(row 1 1) c2=$(row 2 1) c3=$(row 3 1) c4=$(row 4 1)
id1=$(row 1 NF) id2=$(row 2 NF) id3=$(row 3 NF) id4=$(row 4 NF)
title1=$(d show "$c1" | sed -n 's/^Title  *//p')

sqlite3 "$DB" "
INSERT INTO conflict (item_id, field, base, mine, theirs, created_at, kind, version) VALUES
 ('$id1', 'title', '$title1', '$title1', '${title1}问题（已查实，责令停产整治）', '2026-06-15T07:00:00Z', 'field', 5),
 ('$id2', 'measures', '一、立即停止开采；二、恢复河道原貌。',
  '一、立即停止开采；二、恢复河道原貌；三、县水利局每周巡查一次，发现复采立即移送公安机关处理。',
  '一、立即停止开采；二、恢复河道原貌并组织验收。', '2026-06-15T07:01:00Z', 'field', 3),
 ('$id4', 'goal', '问题整改到位。', '问题整改到位，群众满意。', '年底前完成整改。', '2026-06-15T07:02:00Z', 'field', 2),
 ('$id3', 'delete', NULL, NULL, NULL, '2026-06-15T07:03:00Z', 'deleted', 4);
INSERT INTO op (id, kind, item_id, field, base, value, body, created_at, state, reason) VALUES
 ('0b5e0b1c-1111-4222-8333-944455556666', 'item.set', '$id3', 'progress', '50', '60', '{}',
  '2026-06-15T06:00:00Z', 'rejected', 'progress may not change once a close-out is requested');"
ok $? "four conflicts and a rejected change written with sqlite3"

# ---------------------------------------------------------------- 80×24
start 80 24
wait_for "4 conflicts"
screen_has "offline (not logged in) · 0 queued · 1 rejected · 4 conflicts" \
	"the status line counts conflicts and rejected changes"
screen_has "●!$c1" "the ledger marks an item with a conflict with !"
keys C
screen_has "Conflicts (4): changed here and on the server" "C opens the conflict view"
screen_has "Mine (this device)" "base, mine and theirs are shown"
screen_is conflicts-80x24 "80×24: base, mine and theirs stacked"
keys '?'
screen_has "conflict: take the server's value" "help lists the conflict keys"
keys q
wait_gone "Keys in the"
keys S
screen_has "not logged in: run duban login URL USER" "S without an account says how to log in"
screen_lacks "syncing" "… and starts no sync"
keys Escape
wait_gone "Conflicts (4)"
quit

# ---------------------------------------------------------------- 120×40
start 120 40
wait_for "4 conflicts"
screen_has "! Conflicts — press C to resolve" "the detail pane lists the item's conflicts"
screen_is sync-ledger-120x40 "120×40: marks and the detail pane's conflicts"
keys C
wait_for "Conflicts (4)"
screen_is conflicts-120x40 "120×40: base, mine and theirs side by side"

keys t
screen_has "$c1: took the server's value of Title" "t takes the server's value"
screen_has "3 conflicts" "the status line counts one conflict less"

keys m
screen_has "$c2: kept your value of Measures, queued for the next sync" "m keeps mine"
screen_has "1 queued" "… and queues it"

keys e
screen_has "Goal (yours): 问题整改到位，群众满意。" "e opens the editor with my value"
keys C-u
text '二〇二六年底前整改到位，群众满意。'
keys Enter
screen_has "$c4: your new value of Goal is queued for the next sync" "Enter saves the edited value"
screen_has "2 queued" "… and queues it"

screen_has "was deleted on the server while this device" \
	"a deletion on the server is explained"
screen_has "m keep mine: create it again · t take theirs: delete it here" "… with its choices"
keys j
screen_has "progress may not change once a close-out is requested" "a rejected change shows the server's reason"
keys r
screen_has "queued again: it will be sent at the next sync" "r sends it again"
screen_has "offline (not logged in) · 3 queued · 1 conflict" "the status line: 3 queued, 1 conflict, none rejected"
keys Escape
wait_gone "Conflicts (1)"
keys L
screen_has "No syncs yet: press S to sync" "L opens the sync log"
keys Escape
quit

d show "$c1" | grep -q "^Title  *${title1}问题（已查实，责令停产整治）"
ok $? "duban show: the title took the server's value"
d show "$c4" | grep -q "二〇二六年底前整改到位，群众满意。"
ok $? "duban show: the goal has the edited value"
is "$(sqlite3 "$DB" "SELECT field || '=' || value FROM op WHERE state = 'queued' AND kind = 'item.set' ORDER BY seq")" \
"measures=一、立即停止开采；二、恢复河道原貌；三、县水利局每周巡查一次，发现复采立即移送公安机关处理。
goal=二〇二六年底前整改到位，群众满意。
progress=60" "the queued ops: mine, the edit, the retried change"
is "$(sqlite3 "$DB" "SELECT count(*) FROM conflict WHERE resolved = 0")" 1 "one conflict is left"

done_testing
