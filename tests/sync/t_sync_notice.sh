#!/bin/sh
# The public notice across replicas: the office publicizes an item (the
# notice has ended by the test's today); an inspector, who synced it, records
# an objection offline and syncs; the office, not synced since, closes the
# item on its stale copy: duband refuses (objection_open) and the office's
# outbox says why in its words; after dropping that and syncing, closing is
# refused locally too (exit 4); the office dismisses the objection, closes,
# and every replica agrees, notice records included.  Runs on both stores
# (DUBAN_STORE=pg too).
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

NOTICE_SQL="SELECT kind, id, date, coalesce(end_date, ''), place, contact, person, text, objection_id, upheld FROM notice ORDER BY id"

# ---------------------------------------------------------------- the office publicizes
# verified only by signing both levels of the default chain
crun o status $code in_progress && crun o status $code requested &&
	crun o accept $code --level county --pass --opinion 同意 && crun o accept $code --level city --pass --opinion 同意
crun o status $code publicized --start 2026-06-01 --days 7 --place 县政府网站 --contact 0871-6212345
exit_is 0 "the office publicizes $code, notice 2026-06-01 to 2026-06-08"
sync_until o 5
ok $? "the office syncs"
sync_until i 5
ok $? "the inspector syncs"
is "$(sql_client i "SELECT kind || ' ' || end_date || ' ' || contact FROM notice")" "open 2026-06-08 0871-6212345" \
	"the notice reached the inspector"

# ---------------------------------------------------------------- an objection, offline
crun i objection add $code 夜间仍有采砂船作业 --from 村民张某 --date 2026-06-07
exit_is 0 "the inspector records an objection, offline"
crun i objection resolve $code 1 --dismissed --text 不成立
exit_is 4 "the inspector may not settle it"
sync_until i 5
ok $? "the inspector syncs"

# ---------------------------------------------------------------- the office closes on a stale copy
crun o status $code closed
exit_is 0 "the office, not synced, closes locally (it does not know the objection)"
sync_client o -q
op=$(sql_client o "SELECT id FROM op WHERE state = 'rejected'")
[ -n "$op" ]
ok $? "duband refused the close"
is "$(sql_client o "SELECT substr(reason, 1, instr(reason, char(9)) - 1) FROM op WHERE id = '$op'")" objection_open \
	"with the code objection_open"
crun o outbox
like "$out" "refused: S-00001 cannot be closed: objection 1 to its public notice is open" "the outbox says why"
gmo=$top_builddir/po/zh_CN.gmo
[ -f "$gmo" ] || gmo=$top_srcdir/po/zh_CN.gmo
if [ -f "$gmo" ] && locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\{0,1\}8$'; then
	mkdir -p "$tmp/locale/zh_CN/LC_MESSAGES" && cp "$gmo" "$tmp/locale/zh_CN/LC_MESSAGES/duban.mo"
	zh_out=$(export LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 DUBAN_LOCALEDIR=$tmp/locale; client o outbox 2>&1)
	like "$zh_out" "公示期内的异议尚未处理完毕" "... in Chinese, from the code"
else
	skip "zh_CN.UTF-8 or po/zh_CN.gmo missing"
fi
crun o outbox --drop "$op"
exit_is 0 "the office drops the refused close"
sync_until o 5
ok $? "the office syncs"
is "$(client o show $code --format json | jq -r .item.status)" publicized "publicized again on the office's replica"

crun o status $code closed
exit_is 4 "closing is refused locally now"
like "$err" "objection 1 is open" "naming the objection"
crun o objection resolve $code 1 --dismissed --text 经现场核查，采砂船已拆解
exit_is 0 "the office dismisses the objection"
crun o status $code closed
exit_is 0 "then closes"
sync_until o 5
ok $? "the office syncs"
is "$(sql_client o "SELECT count(*) FROM op WHERE state = 'rejected'")" 0 "nothing refused"
sync_until i 5
ok $? "the inspector syncs"
is "$(client i show $code --format json | jq -r .item.status)" closed "closed on the inspector's replica"
crun i objection list $code --format json
is "$(printf '%s' "$out" | jq -r '.[0].state + " " + .[0].from')" "dismissed 村民张某" \
	"the inspector sees the objection dismissed"
same_as_server_in i "after closing" 甲县
same_as_server o "after closing"
is "$(sql_client o "$NOTICE_SQL")" "$(sql_server "$NOTICE_SQL")" "the office's notice records = the server's"
is "$(sql_client i "$NOTICE_SQL")" "$(sql_server "$NOTICE_SQL")" "the inspector's notice records = the server's"
is "$(sql_server "SELECT count(*) FROM notice")" 3 "three notice records: opening, objection, resolution"
done_testing
