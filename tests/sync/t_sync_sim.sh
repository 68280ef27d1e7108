#!/bin/sh
# A seeded random simulation.  Four clients with overlapping counties (an
# office, an inspector of 甲县, one of 甲县 and 乙县, one of 乙县) make random
# edits, notes, status changes (some refused by the server, some by the
# client's own role) and new items offline, while the office deletes items on
# the server; they sync at random moments through faultproxy, syncs are killed
# with SIGKILL, and the server is killed or stopped and restarted.  At the
# end (syncs until exit 0 or 9, conflicts resolved, refused changes dropped,
# syncs again):
#   - every client's items, every column, and records equal the server's in
#     the client's counties;
#   - every client's history (what the server confirmed) equals the server's,
#     entry for entry, and every event on the server names the user and device
#     that sent its op;
#   - every note made exists exactly once (unless its item was deleted), and
#     every value a client set either reached the server, credited to that
#     client's user, or was listed to that client as a conflict.
#   SIM_SEED   the seed (printed; rerun with it to replay the same plan)
#   SIM_STEPS  steps (default 300)
. "$(dirname "$0")/lib.sh"

: "${SIM_SEED:=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}"
: "${SIM_STEPS:=300}"
diag "SIM_SEED=$SIM_SEED SIM_STEPS=$SIM_STEPS"
trap 'rc_=$?; [ "$tests_failed" -eq 0 ] || echo "# failed with SIM_SEED=$SIM_SEED SIM_STEPS=$SIM_STEPS"; srv_cleanup; exit $rc_' EXIT

ITEMS=30
FAULTS="--cut-rate 0.08 --truncate-rate 0.08 --refuse-rate 0.04 --delay-ms 20"
add_user u1 office || exit 1
add_user u2 inspector 甲县 || exit 1
add_user u3 inspector 甲县 乙县 || exit 1
add_user u4 inspector 乙县 || exit 1
add_user boss office || exit 1
# Two more items, S-00031 (甲县) and S-00032 (乙县), only for the clashes.
seed_server $((ITEMS + 2)) 甲县 乙县
start_server
# shellcheck disable=SC2086
start_proxy "$SIM_SEED" $FAULTS
proxy_faults off
for x in 1 2 3 4; do
	login_client c$x u$x "$PROXY_URL" || exit 1
	sync_client c$x -q
	exit_is 0 "c$x's first sync"
done
proxy_faults on
login_as boss
DUBAN_SYNC_BATCH=15
DUBAN_SYNC_PAGE=20
export DUBAN_SYNC_BATCH DUBAN_SYNC_PAGE

# counties_of CLIENT: the counties its user sees.
counties_of() {
	case $1 in
	c2) echo 甲县 ;;
	c4) echo 乙县 ;;
	*) echo 甲县 乙县 ;;
	esac
}

# ---------------------------------------------------------------- the plan
awk -v seed="$SIM_SEED" -v steps="$SIM_STEPS" -v items="$ITEMS" 'BEGIN {
	srand(seed)
	split("in_progress requested verified in_progress publicized closed requested", st, " ")
	for (s = 1; s <= steps; s++) {
		c = "c" int(1 + rand() * 4)
		code = sprintf("S-%05d", int(1 + rand() * items))
		r = rand()
		if (r < 0.28) {
			f = rand()
			if (f < 0.4)
				printf "edit\t%s\t%s\towner\t负责人%d\n", c, code, s
			else if (f < 0.7)
				printf "edit\t%s\t%s\tmeasures\t措施%d\n", c, code, s
			else
				printf "edit\t%s\t%s\tprogress\t%d\n", c, code, int(rand() * 101)
		} else if (r < 0.50)
			printf "note\t%s\t%s\t模拟记录%d\n", c, code, s
		else if (r < 0.64)
			# Statuses on a few items that every client works on: the
			# server refuses steps from a status it no longer has.
			printf "status\t%s\tS-%05d\t%s\n", c, int(1 + rand() * 6), st[int(1 + rand() * 7)]
		else if (r < 0.665)
			printf "delete\t-\t%s\t-\n", code
		else if (r < 0.68)
			printf "resolve\t%s\t-\t%s\n", c, (rand() < 0.5 ? "mine" : "theirs")
		else if (r < 0.70)
			printf "add\t%s\tN-%05d\t-\n", c, s
		else if (r < 0.73)
			printf "kill\t%s\t-\t%d\n", c, int(rand() * 400)
		else if (r < 0.74)
			printf "crash\t-\t-\t%s\n", (rand() < 0.5 ? "KILL" : "TERM")
		else if (r < 0.77)
			# The office takes an item through verification while another
			# client, not synced, asks for its close-out: refused.
			printf "race\tc%d\tS-%05d\t-\n", int(2 + rand() * 3), int(1 + rand() * 6)
		else if (r < 0.78)
			# A code the client cannot see is taken (another county):
			# a refused field change and a refused new item.
			printf "clash\t-\t-\t%d\n", s
		else
			printf "sync\t%s\t-\t-\n", c
	}
}' >"$tmp/plan"

: >"$tmp/notes"     # CLIENT CODE TEXT of every note a client made
: >"$tmp/sets"      # CLIENT CODE FIELD VALUE EPOCH of every value a client set
ep_c1=0             # a client's epoch: how many of its syncs finished (0, 9)
ep_c2=0
ep_c3=0
ep_c4=0
: >"$tmp/deleted"   # codes the office deleted
: >"$tmp/conflicts" # every conflict list a client was shown
: >"$tmp/exits"
: >"$tmp/dropped"   # CLIENT CODE of every refused op given up at the end
: >"$tmp/killed.err"
kills=0
crashes=0

# show_conflicts CLIENT: the client's conflict list, kept.
show_conflicts() {
	client "$1" conflicts >"$tmp/.cf" 2>>"$CLIENT_ERR"
	sed "s/^/$1 /" "$tmp/.cf" >>"$tmp/conflicts"
}

# resolve_all CLIENT CHOICE: every listed conflict resolved (deleted items:
# always --theirs: the deletion stands).  `duban conflicts` lists conflicts
# ("  ID  CODE  field  base: ...  mine: ...  theirs: ...") and then, under
# "Refused by the server", the refused ops.
resolve_all() {
	show_conflicts "$1"
	awk '/^Refused/ { exit } /^ *[0-9]+  / { print }' "$tmp/.cf" | while IFS= read -r line; do
		id=$(printf '%s\n' "$line" | awk '{ print $1 }')
		how=$2
		case $line in *"deleted on the server"* | *"out of your counties"*) how=theirs ;; esac
		client "$1" resolve "$id" "--$how" </dev/null >/dev/null 2>>"$CLIENT_ERR"
	done
}

# drop_refused CLIENT: every refused op given up (the server's answer
# stands); the items are noted in $tmp/dropped.
drop_refused() {
	client "$1" conflicts >"$tmp/.cf" 2>>"$CLIENT_ERR"
	awk 'f && NF >= 2 { print $1, $2 } /^Refused/ { f = 1 }' "$tmp/.cf" | while read -r id icode; do
		client "$1" outbox --drop "$id" </dev/null >/dev/null 2>>"$CLIENT_ERR" && echo "$1 $icode" >>"$tmp/dropped"
	done
}

steps=0
while IFS='	' read -r act c icode f v <&3; do
	steps=$((steps + 1))
	case $act in
	edit)
		if client "$c" edit "$icode" --set "$f=$v" >/dev/null 2>>"$tmp/local.err"; then
			eval "ep=\$ep_$c"
			printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$icode" "$f" "$v" "$ep" >>"$tmp/sets"
		fi
		;;
	note)
		if client "$c" note "$icode" "$f" >/dev/null 2>>"$tmp/local.err"; then
			printf '%s\t%s\t%s\n' "$c" "$icode" "$f" >>"$tmp/notes"
		fi
		;;
	status)
		client "$c" status "$icode" "$f" --reason 模拟退回 >/dev/null 2>>"$tmp/local.err"
		;;
	delete)
		id=$(sql_server "SELECT id FROM item WHERE code = '$icode'")
		if [ -n "$id" ]; then
			push "$(op_delete "$(uuid)" "$id")"
			[ "$(r 0 .result)" = applied ] && echo "$icode" >>"$tmp/deleted"
		fi
		;;
	resolve)
		resolve_all "$c" "$f"
		;;
	add)
		case $c in c4) county=乙县 ;; *) county=甲县 ;; esac
		client "$c" add --code "$icode" --title "模拟新增$icode" --county "$county" --lead-unit "${county}人民政府" \
			--deadline 2026-12-31 >/dev/null 2>>"$tmp/local.err"
		;;
	kill)
		# A sync killed at a random point: nothing it committed may be lost.
		(client_exec "$c" sync -q >/dev/null 2>>"$tmp/killed.err") &
		pid=$!
		sleep "0.$(printf '%03d' "$v")"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		kills=$((kills + 1))
		;;
	crash)
		# The server dies (SIGKILL) or stops (SIGTERM) and comes back on
		# another port; the proxy follows it, so clients keep their URL.
		if [ "$v" = KILL ]; then kill_server; else stop_server; fi
		start_server
		# shellcheck disable=SC2086
		retarget_proxy "$SIM_SEED" $FAULTS
		login_as boss
		crashes=$((crashes + 1))
		;;
	race)
		for to in in_progress requested; do
			client c1 status "$icode" $to >/dev/null 2>>"$tmp/local.err"
		done
		# Verified by signing the chain (c1 is the office: both levels).
		for lv in county city; do
			client c1 accept "$icode" --level $lv --pass --opinion 模拟验收 >/dev/null 2>>"$tmp/local.err"
		done
		sync_client c1 -q
		client "$c" status "$icode" requested >/dev/null 2>>"$tmp/local.err"
		sync_client "$c" -q
		echo "$rc" >>"$tmp/exits"
		[ "$rc" = 9 ] && show_conflicts "$c"
		;;
	clash)
		client c2 edit S-00031 --set "code=S-00032" >/dev/null 2>>"$tmp/local.err"
		client c4 add --code S-00031 --title "撞号$v" --county 乙县 --lead-unit 乙县人民政府 \
			--deadline 2026-12-31 >/dev/null 2>>"$tmp/local.err"
		;;
	sync)
		sync_client "$c" -q
		echo "$rc" >>"$tmp/exits"
		[ "$rc" = 9 ] && show_conflicts "$c"
		case $rc in 0 | 9) eval "ep_$c=\$((ep_$c + 1))" ;; esac
		;;
	esac
done 3<"$tmp/plan"
pass "$steps steps played"
diag "$(wc -l <"$tmp/sets" | tr -d ' ') values set, $(wc -l <"$tmp/notes" | tr -d ' ') notes, $(wc -l <"$tmp/deleted" | tr -d ' ') deletions, $kills syncs killed, $crashes server restarts"
diag "sync exits during the run: $(sort "$tmp/exits" | uniq -c | tr -s ' \n' ' ')"

# ---------------------------------------------------------------- the end
# Syncs until 0 or 9; conflicts resolved (alternating mine and theirs),
# refused changes dropped; again, until every client exits 0.
round=0
settled=no
while [ $round -lt 8 ]; do
	round=$((round + 1))
	all0=yes
	for x in c1 c2 c3 c4; do
		if ! sync_until $x 30; then
			all0=no
			continue
		fi
		if [ "$rc" = 9 ]; then
			all0=no
			case $((round % 2)) in 0) how=mine ;; *) how=theirs ;; esac
			resolve_all $x $how
			drop_refused $x
		fi
	done
	if [ $all0 = yes ]; then
		settled=yes
		break
	fi
done
if [ $settled = yes ]; then
	pass "every client's sync exits 0 after $round rounds"
else
	fail "every client's sync exits 0 after $round rounds"
	for x in c1 c2 c3 c4; do
		diag "$x: $(client $x sync --status 2>&1 | tr '\n' ' ')"
		client $x conflicts 2>&1 | head -5 | sed 's/^/#   /'
	done
fi
diag "refused changes dropped at the end: $(wc -l <"$tmp/dropped" | tr -d ' '); conflict lists with refusals: $(grep -c 'Refused' "$tmp/conflicts")"

# One more pass so that everyone has what the last resolutions pushed.
proxy_faults off
for x in c1 c2 c3 c4 c1 c2 c3 c4; do
	sync_client $x -q
done
for x in c1 c2 c3 c4; do
	exit_is 0 "$x: the final sync exits 0"
	is "$(status_of $x queued) $(status_of $x rejected) $(status_of $x conflicts)" "0 0 0" \
		"$x: nothing queued, rejected or in conflict"
	# shellcheck disable=SC2046
	same_as_server_in $x "$x at the end" $(counties_of $x)
	client_history $x >"$tmp/.ch"
	# shellcheck disable=SC2046
	server_history_in $(counties_of $x) >"$tmp/.sh"
	if cmp -s "$tmp/.ch" "$tmp/.sh"; then
		pass "$x at the end: its history = the server's ($(wc -l <"$tmp/.sh" | tr -d ' ') entries)"
	else
		fail "$x at the end: its history = the server's"
		diff "$tmp/.sh" "$tmp/.ch" | head -12 | sed 's/^/#   /'
	fi
done

# The server names who sent every change: the event's author and device are
# those of the op that made it (its user, never a name the client chose);
# the only events without an op are the import's.
is "$(sql_server "SELECT count(*) FROM event e JOIN applied_op a ON a.op_id = e.op_id
	WHERE e.author <> a.user OR e.device <> a.device")" 0 "every event on the server names the user and device of its op"
is "$(sql_server "SELECT count(*) FROM event WHERE op_id IS NULL AND device <> 'duband import'")" 0 \
	"... and every event came from an op or the import"

# Deleted items stay deleted.
res=
while read -r icode <&3; do
	[ -n "$(sql_server "SELECT 1 FROM item WHERE code = '$icode'")" ] && res="$res $icode"
done 3<"$tmp/deleted"
is "$res" "" "no deleted item came back on the server"

# Every note exactly once, unless its item was deleted, by its client's user.
server_records >"$tmp/srec"
lost=
twice=
wrong=
while IFS='	' read -r c icode text <&3; do
	grep -qx "$icode" "$tmp/deleted" && continue
	# A note on a new item the server refused goes with the item.
	grep -q "^$c $icode\$" "$tmp/dropped" && continue
	n=$(awk -F'|' -v t="$text" '$1 == "note" && $5 == t' "$tmp/srec" | wc -l | tr -d ' ')
	case $n in
	1) ;;
	0) lost="$lost $c:$icode:$text" ;;
	*) twice="$twice $c:$icode:$text($n)" ;;
	esac
	[ "$n" = 1 ] && [ "$(awk -F'|' -v t="$text" '$1 == "note" && $5 == t { print $4 }' "$tmp/srec")" != "u${c#c}" ] &&
		wrong="$wrong $c:$text"
done 3<"$tmp/notes"
is "$lost" "" "no note lost ($(wc -l <"$tmp/notes" | tr -d ' ') made)"
is "$twice" "" "no note twice"
is "$wrong" "" "every note's author is the user of the client that wrote it"

# Every value set reached the server (an audit event on the server sets the
# field to it, credited to the client's user) or was shown to its client as
# a conflict.  Progress values repeat, so only the text fields, whose values
# are unique, are checked; and a value its client replaced before a sync
# finished need not have travelled (the outbox or the conflict holds the
# newer one).
awk -F'\t' '{ k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $5; last[k] = NR; line[NR] = $0; key[NR] = k }
	END { for (i = 1; i <= NR; i++) if (last[key[i]] == i) print line[i] }' "$tmp/sets" >"$tmp/sets.final"
silent=
miscredited=
while IFS='	' read -r c icode f v ep <&3; do
	[ "$f" = progress ] && continue
	grep -qx "$icode" "$tmp/deleted" && continue
	id=$(sql_server "SELECT id FROM item WHERE code = '$icode'")
	by=
	[ -n "$id" ] && by=$(sql_server "SELECT author FROM event WHERE item_id = '$id' AND field = '$f' AND new_value = '$v' LIMIT 1")
	if [ -n "$by" ]; then
		[ "$by" = "u${c#c}" ] || miscredited="$miscredited $c:$icode:$f=$v:by:$by"
		continue
	fi
	grep "^$c " "$tmp/conflicts" | grep -q -- "$v" && continue
	grep -q "^$c $icode\$" "$tmp/dropped" && continue
	silent="$silent $c:$icode:$f=$v"
done 3<"$tmp/sets.final"
is "$silent" "" "every value set reached the server, was listed as a conflict or refused"
is "$miscredited" "" "every value that reached the server is credited to the user who set it"

grep -q 'AddressSanitizer\|runtime error:' "$tmp/killed.err" && {
	fail "no sanitizer report from the killed syncs"
	grep -A10 'AddressSanitizer\|runtime error:' "$tmp/killed.err" | head -20 | sed 's/^/#   /'
}
stop_proxy
done_testing
