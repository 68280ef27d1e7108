#!/bin/sh
# A 调度 round across replicas: the office opens a round over every item;
# each inspector receives the round with the members of their county only;
# both submit while the server is down (offline); after they sync, the
# office sees the completeness per county (on time, late, missing, the mean
# progress) and the submissions' progress and notes on the items.  Once the
# office closes the round, the inspector's client refuses a submission, and
# one queued offline before the close is refused by the server with the
# code dispatch_closed, said in the client's words.  Runs on both stores
# (DUBAN_STORE=pg too).
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1
seed_server 6 甲县 乙县
start_server
login_client o boss || exit 1
login_client i li || exit 1
login_client w wang || exit 1
for x in o i w; do
	sync_client $x -q
	exit_is 0 "first sync of $x"
done

# ---------------------------------------------------------------- the office opens
crun o dispatch open 2026-06 --due 2026-06-20 --title 六月调度
exit_is 0 "the office opens round 2026-06"
like "$out" "6 items" "... over the six items"
crun i dispatch open 2026-06b --due 2026-06-20
exit_is 4 "an inspector may not open a round"
like "$err" "only the office" "... and is told so"
sync_until o 5
ok $? "the office syncs"
is "$(sql_server "SELECT count(*) FROM dispatch WHERE kind = 'open'")" 6 "the server holds six members"

for x in i w; do
	sync_until $x 5
	ok $? "$x syncs"
	crun $x dispatch list
	like "$(printf '%s\n' "$out" | tr -s ' ')" "2026-06 六月调度 2026-06-20 2026-06-15 3 0 open" \
		"$x has the round with the three members of its county"
done
crun i dispatch show 2026-06
is "$(printf '%s\n' "$out" | grep -c 'S-0000')" 3 "the inspector of 甲县 has its three members only"
like "$out" "S-00001  甲县" "... S-00001 of 甲县 among them"

# ---------------------------------------------------------------- offline submissions
stop_server
crun i dispatch submit 2026-06 S-00001 --progress 60 --text 已完成河道清淤
exit_is 0 "li submits S-00001 with the server down"
crun i dispatch submit 2026-06 S-00003 --progress 100 --text 已整改到位
exit_is 0 "li submits S-00003"
crun i dispatch submit 2026-06 S-00002 --progress 50 --text 越权
exit_is 3 "li cannot submit for an item of 乙县 (not in his ledger)"
DUBAN_TODAY=2026-06-22
export DUBAN_TODAY
printf 'site photo' >"$tmp/现场.jpg"
crun w dispatch submit 2026-06 S-00002 --progress 30 --text 正在施工 --attach "$tmp/现场.jpg"
exit_is 0 "wang submits S-00002 two days after the due date, with a photo"
DUBAN_TODAY=2026-06-15
export DUBAN_TODAY
start_server
login_client o boss || exit 1
login_client i li || exit 1
login_client w wang || exit 1
for x in i w; do
	sync_until $x 5
	ok $? "$x syncs its submission"
	is "$(client $x outbox 2>/dev/null | grep -c refused)" 0 "nothing of $x refused"
done

# ---------------------------------------------------------------- the office sees
sync_until o 5
ok $? "the office syncs"
crun o dispatch status 2026-06 --format csv
exit_is 0 "the office's status"
is "$(printf '%s\n' "$out" | tr -d '\r')" "group,in_scope,on_time,late,missing,reported_pct,mean_progress,min_progress,max_progress,done
乙县,3,0,1,2,33.3,30.0,30,30,0
甲县,3,2,0,1,66.7,80.0,60,100,1
,6,2,1,3,50.0,63.3,30,100,1" "per county: 甲县 two on time, 乙县 one late, three missing"
crun o dispatch show 2026-06
like "$out" "+ S-00002  乙县  late  2026-06-22 30%  wang: 正在施工" "the late submission is marked with its author"
is "$(client o show S-00001 --format json | jq -r .item.progress)" 60 "the submission set S-00001's progress"
is "$(sql_client o "SELECT a.name FROM dispatch d JOIN attachment a ON a.id = d.attachment_id WHERE d.kind = 'report'")" \
	现场.jpg "the office has wang's submission with its attachment"
crun o fetch-attachment "$(sql_client o "SELECT sha256 FROM attachment WHERE name = '现场.jpg'")"
exit_is 0 "... and fetches the photo's bytes"
is "$(sql_client o "SELECT text FROM note WHERE text LIKE '%已完成河道清淤%'")" "Dispatch 2026-06 (60%): 已完成河道清淤" \
	"... and added a note"

# ---------------------------------------------------------------- a new device
login_client j li || exit 1
before=$(grep -c "path=/api/v1/snapshot status=200" "$tmp/access.log")
sync_until j 5
ok $? "a new device of li downloads the ledger"
is "$(grep -c "path=/api/v1/snapshot status=200" "$tmp/access.log")" $((before + 1)) "... in one snapshot"
crun j dispatch show 2026-06
is "$(printf '%s\n' "$out" | grep -c 'S-0000')" 3 "the snapshot brought the round with li's three members"
like "$out" "S-00003  甲县  on time  2026-06-15 100%  li: 已整改到位" "... and their submissions"

# ---------------------------------------------------------------- closed
crun i dispatch submit 2026-06 S-00005 --progress 40 --text 补报
exit_is 0 "li queues a submission for S-00005 (not synced yet)"
crun o dispatch close 2026-06
exit_is 0 "the office closes the round"
sync_until o 5
ok $? "the office syncs the close"
sync_until i 5 9
ok $? "li syncs"
op=$(sql_client i "SELECT id FROM op WHERE kind = 'dispatch.add' AND state = 'rejected'")
is "$(sql_client i "SELECT substr(reason, 1, instr(reason, char(9)) - 1) FROM op WHERE id = '$op'")" dispatch_closed \
	"the server refused the queued submission with the code dispatch_closed"
crun i outbox
like "$out" "refused: the dispatch round 2026-06 is closed on the server" "the outbox says why"
gmo=$top_builddir/po/zh_CN.gmo
[ -f "$gmo" ] || gmo=$top_srcdir/po/zh_CN.gmo
if [ -f "$gmo" ] && locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\{0,1\}8$'; then
	mkdir -p "$tmp/locale/zh_CN/LC_MESSAGES" && cp "$gmo" "$tmp/locale/zh_CN/LC_MESSAGES/duban.mo"
	zh_out=$(export LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 DUBAN_LOCALEDIR=$tmp/locale; client i outbox 2>&1)
	like "$zh_out" "这轮调度已结束" "... in Chinese, from the code"
else
	skip "zh_CN.UTF-8 or po/zh_CN.gmo missing"
fi
crun i dispatch submit 2026-06 S-00001 --progress 70 --text 再报
exit_is 4 "li's client refuses a submission to the closed round"
like "$err" "closed" "... and says the round is closed"
crun i dispatch list
like "$out" "closed 2026-06-15" "the inspector's list shows the round closed"
done_testing
