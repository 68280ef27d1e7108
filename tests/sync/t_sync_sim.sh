#!/bin/sh
# A seeded random simulation: three clients make random edits, notes and
# status changes offline while the office deletes items on the server, and
# sync at random moments through faultproxy.  At the end (syncs until exit 0
# or 9, every remaining conflict resolved, syncs again) every client and the
# server hold the same ledger, every note made exists exactly once (unless its
# item was deleted), and every value a client set either reached the server
# or was listed to that client as a conflict.
#   SIM_SEED   the seed (printed; rerun with it to replay the same plan)
#   SIM_STEPS  steps (default 300)
. "$(dirname "$0")/lib.sh"

: "${SIM_SEED:=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}"
: "${SIM_STEPS:=300}"
diag "SIM_SEED=$SIM_SEED SIM_STEPS=$SIM_STEPS"
trap 'rc_=$?; [ "$tests_failed" -eq 0 ] || echo "# failed with SIM_SEED=$SIM_SEED SIM_STEPS=$SIM_STEPS"; srv_cleanup; exit $rc_' EXIT

ITEMS=30
add_user u1 office || exit 1
add_user u2 office || exit 1
add_user u3 office || exit 1
add_user boss office || exit 1
seed_server $ITEMS
start_server
start_proxy "$SIM_SEED" --cut-rate 0.08 --truncate-rate 0.08 --refuse-rate 0.04 --delay-ms 20
proxy_faults off
for x in 1 2 3; do
	login_client c$x u$x "$PROXY_URL" || exit 1
	sync_client c$x -q
	exit_is 0 "c$x's first sync"
done
proxy_faults on
login_as boss
DUBAN_SYNC_BATCH=15
DUBAN_SYNC_PAGE=20
export DUBAN_SYNC_BATCH DUBAN_SYNC_PAGE

# ---------------------------------------------------------------- the plan
awk -v seed="$SIM_SEED" -v steps="$SIM_STEPS" -v items="$ITEMS" 'BEGIN {
	srand(seed)
	split("in_progress requested verified in_progress publicized", st, " ")
	for (s = 1; s <= steps; s++) {
		c = "c" int(1 + rand() * 3)
		code = sprintf("S-%05d", int(1 + rand() * items))
		r = rand()
		if (r < 0.30) {
			f = rand()
			if (f < 0.4)
				printf "edit\t%s\t%s\towner\t负责人%d\n", c, code, s
			else if (f < 0.7)
				printf "edit\t%s\t%s\tmeasures\t措施%d\n", c, code, s
			else
				printf "edit\t%s\t%s\tprogress\t%d\n", c, code, int(rand() * 101)
		} else if (r < 0.55)
			printf "note\t%s\t%s\t模拟记录%d\n", c, code, s
		else if (r < 0.65)
			printf "status\t%s\t%s\t%s\n", c, code, st[int(1 + rand() * 5)]
		else if (r < 0.68)
			printf "delete\t-\t%s\t-\n", code
		else if (r < 0.71)
			printf "resolve\t%s\t-\t%s\n", c, (rand() < 0.5 ? "mine" : "theirs")
		else if (r < 0.73)
			printf "add\t%s\tN-%05d\t-\n", c, s
		else
			printf "sync\t%s\t-\t-\n", c
	}
}' >"$tmp/plan"

: >"$tmp/notes"     # CLIENT CODE TEXT of every note a client made
: >"$tmp/sets"      # CLIENT CODE FIELD VALUE EPOCH of every value a client set
ep_c1=0             # a client's epoch: how many of its syncs finished (0, 9)
ep_c2=0
ep_c3=0
: >"$tmp/deleted"   # codes the office deleted
: >"$tmp/conflicts" # every conflict list a client was shown
: >"$tmp/exits"
: >"$tmp/dropped"   # CLIENT CODE of every refused op given up at the end

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
		client "$c" add --code "$icode" --title "模拟新增$icode" --county 甲县 --lead-unit 甲县人民政府 \
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
diag "$(wc -l <"$tmp/sets" | tr -d ' ') values set, $(wc -l <"$tmp/notes" | tr -d ' ') notes, $(wc -l <"$tmp/deleted" | tr -d ' ') deletions"
diag "sync exits during the run: $(sort "$tmp/exits" | uniq -c | tr -s ' \n' ' ')"

# ---------------------------------------------------------------- the end
# Syncs until 0 or 9; conflicts resolved (alternating mine and theirs);
# again, until every client exits 0 twice in a row.
round=0
settled=no
while [ $round -lt 8 ]; do
	round=$((round + 1))
	all0=yes
	for x in c1 c2 c3; do
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
	for x in c1 c2 c3; do
		diag "$x: $(client $x sync --status 2>&1 | tr '\n' ' ')"
		client $x conflicts 2>&1 | head -5 | sed 's/^/#   /'
	done
fi
# One more pass so that everyone has what the last resolutions pushed.
proxy_faults off
for x in c1 c2 c3 c1 c2 c3; do
	sync_client $x -q
done
for x in c1 c2 c3; do
	exit_is 0 "$x: the final sync exits 0"
	is "$(status_of $x queued) $(status_of $x rejected) $(status_of $x conflicts)" "0 0 0" \
		"$x: nothing queued, rejected or in conflict"
	same_as_server $x "$x at the end"
done

# Deleted items stay deleted.
res=
while read -r icode <&3; do
	[ -n "$(sql_server "SELECT 1 FROM item WHERE code = '$icode'")" ] && res="$res $icode"
done 3<"$tmp/deleted"
is "$res" "" "no deleted item came back on the server"

# Every note exactly once, unless its item was deleted.
server_records >"$tmp/srec"
lost=
twice=
while IFS='	' read -r c icode text <&3; do
	grep -qx "$icode" "$tmp/deleted" && continue
	n=$(awk -F'|' -v t="$text" '$1 == "note" && $5 == t' "$tmp/srec" | wc -l | tr -d ' ')
	case $n in
	1) ;;
	0) lost="$lost $c:$icode:$text" ;;
	*) twice="$twice $c:$icode:$text($n)" ;;
	esac
done 3<"$tmp/notes"
is "$lost" "" "no note lost ($(wc -l <"$tmp/notes" | tr -d ' ') made)"
is "$twice" "" "no note twice"

# Every value set reached the server (an audit event on the server sets the
# field to it) or was shown to its client as a conflict.  Progress values
# repeat, so only the text fields, whose values are unique, are checked; and
# a value its client replaced before a sync finished need not have travelled
# (the outbox or the conflict holds the newer one).
awk -F'\t' '{ k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $5; last[k] = NR; line[NR] = $0; key[NR] = k }
	END { for (i = 1; i <= NR; i++) if (last[key[i]] == i) print line[i] }' "$tmp/sets" >"$tmp/sets.final"
silent=
while IFS='	' read -r c icode f v ep <&3; do
	[ "$f" = progress ] && continue
	grep -qx "$icode" "$tmp/deleted" && continue
	id=$(sql_server "SELECT id FROM item WHERE code = '$icode'")
	if [ -n "$id" ] && [ -n "$(sql_server "SELECT 1 FROM event WHERE item_id = '$id' AND field = '$f' AND new_value = '$v' LIMIT 1")" ]; then
		continue
	fi
	grep "^$c " "$tmp/conflicts" | grep -q -- "$v" && continue
	silent="$silent $c:$icode:$f=$v"
done 3<"$tmp/sets.final"
is "$silent" "" "every value set reached the server or was listed as a conflict"

stop_proxy
done_testing
