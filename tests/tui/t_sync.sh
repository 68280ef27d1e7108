#!/bin/sh
# Sync in the full-screen interface, without a server: conflicts and a
# rejected change are written into the test ledger with sqlite3 (as a sync
# would leave them); the ledger marks the items, the detail pane lists their
# conflicts, the conflict view shows base, mine and theirs side by side (or
# stacked at 80×24) and settles them with t, m and e (Chinese text); a
# rejected change is sent again with r; S without an account says how to log
# in; the status line counts what waits; the sync log view opens.  Run in
# C.UTF-8 and, by tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

# conflicts N, queued N: the status line's counts.
conflicts() { L "$1 conflict$([ "$1" -eq 1 ] || echo s)" "冲突 $1"; }
queued() { L "$1 queued" "待同步 $1"; }

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
wait_for "$(conflicts 4)"
screen_has "$(L "offline (not logged in) · 0 queued · 1 rejected · 4 conflicts" "离线（未登录） · 待同步 0 · 被拒绝 1 · 冲突 4")" \
	"the status line counts conflicts and rejected changes"
screen_has "●!$c1" "the ledger marks an item with a conflict with !"
keys C
screen_has "$(L "Conflicts (4): changed here and on the server" "冲突（4）：本机和服务器都有修改")" "C opens the conflict view"
screen_has "$(L "Mine (this device)" "我的（本设备）")" "base, mine and theirs are shown"
screen_is conflicts-80x24 "80×24: base, mine and theirs stacked"
# The list views share one navigation (issue 16): C-d is half a page here
# too, from the first conflict to the fourth, not a whole page to the
# rejected change.
keys C-d
screen_has "$(L "was deleted on the server" "仍有未发送的修改")" \
	"C-d moves half a page in the conflict view, as in every list view"
keys g
screen_has "$(L "Title was changed here" "本机和服务器都修改了")" "g: back to the first"
keys '?'
screen_has "$(L "conflict: take the server's value" "冲突：采用服务器的值")" "help lists the conflict keys"
keys q
wait_gone "$(L "Keys in the" "视图的按键")"
keys S
screen_has "$(L "not logged in: run duban login URL USER" "未登录：请运行 duban login URL USER")" "S without an account says how to log in"
screen_lacks "$(L syncing 同步中)" "… and starts no sync"
keys Escape
wait_gone "$(L "Conflicts (4)" "冲突（4）")"
quit

# ---------------------------------------------------------------- 120×40
start 120 40
wait_for "$(conflicts 4)"
screen_has "$(L "! Conflicts — press C to resolve" "! 冲突 — 按 C 处理")" "the detail pane lists the item's conflicts"
screen_is sync-ledger-120x40 "120×40: marks and the detail pane's conflicts"
keys C
wait_for "$(L "Conflicts (4)" "冲突（4）")"
screen_is conflicts-120x40 "120×40: base, mine and theirs side by side"

# t and m throw one side away: each asks once, naming what it does, and
# Esc (or n) leaves the conflict as it was.
keys t
screen_has "$(L "$c1: take the server's value of Title and discard yours? (y/N)" "$c1：采用服务器的问题名称并丢弃你的？（y/N）")" \
	"t asks first, naming what it throws away"
keys Escape
screen_has "$(L "not changed" "未修改")" "Esc at the question: not changed"
screen_has "$(conflicts 4)" "… and the conflict is still there"
keys t
wait_for "(y/N)"
keys y
screen_has "$(L "$c1: took the server's value of Title" "$c1：已采用服务器的问题名称")" "t takes the server's value"
screen_has "$(conflicts 3)" "the status line counts one conflict less"

keys m
screen_has "$(L "$c2: keep your value of Measures and discard the server's? (y/N)" "$c2：保留你的整改措施并丢弃服务器的？（y/N）")" \
	"m asks first"
keys n
screen_has "$(L "not changed" "未修改")" "n at the question: not changed"
screen_has "$(conflicts 3)" "… still three conflicts"
keys m
wait_for "(y/N)"
keys y
screen_has "$(L "$c2: kept your value of Measures, queued for the next sync" "$c2：已保留你的整改措施，将在下次同步时发送")" "m keeps mine"
screen_has "$(queued 1)" "… and queues it"

keys e
screen_has "$(L "Goal (yours): " "整改目标（我的）：")问题整改到位，群众满意。" "e opens the editor with my value"
keys C-u
text '二〇二六年底前整改到位，群众满意。'
keys Enter
screen_has "$(L "$c4: your new value of Goal is queued for the next sync" "$c4：你填写的新整改目标将在下次同步时发送")" "Enter saves the edited value"
screen_has "$(queued 2)" "… and queues it"

screen_has "$(L "was deleted on the server while this device" "已在服务器上删除，而本设备仍有未发送的修改")" \
	"a deletion on the server is explained"
screen_has "$(L "m keep mine: create it again · t take theirs: delete it here" "m 保留我的：重新创建 · t 采用服务器的：在本机删除")" "… with its choices"
keys j
screen_has "progress may not change once a close-out is requested" "a rejected change shows the server's reason"
keys r
screen_has "$(L "queued again: it will be sent at the next sync" "已重新排队：将在下次同步时发送")" "r sends it again"
screen_has "$(L "offline (not logged in) · 3 queued · 1 conflict" "离线（未登录） · 待同步 3 · 冲突 1")" "the status line: 3 queued, 1 conflict, none rejected"
keys Escape
wait_gone "$(L "Conflicts (1)" "冲突（1）")"
keys L
screen_has "$(L "No syncs yet: press S to sync" "尚未同步过：按 S 与服务器同步")" "L opens the sync log"
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
