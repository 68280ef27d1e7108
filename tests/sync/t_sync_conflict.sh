#!/bin/sh
# Two clients edit the same items offline.  Different fields merge; the same
# field gives exactly one conflict on the client that syncs second (exit 9),
# listed with base, mine and theirs; --mine, --theirs and --value each bring
# every client and the server to one value; notes from both sides are kept.
. "$(dirname "$0")/lib.sh"

add_user u1 office || exit 1
add_user u2 office || exit 1
add_user u3 office || exit 1
seed_server 6
start_server
login_client a u1 || exit 1
login_client b u2 || exit 1
login_client c u3 || exit 1
for x in a b c; do
	sync_client $x -q
	exit_is 0 "first sync of $x"
done

# field VALUE-OF CLIENT CODE FIELD
field() {
	client "$1" export --format json 2>>"$CLIENT_ERR" | jq -r --arg c "$2" --arg f "$3" '.[] | select(.code == $c) | .[$f]'
}
sfield() {
	server_ledger | jq -r --arg c "$1" --arg f "$2" 'select(.code == $c) | .[$f]'
}
# all_have CODE FIELD VALUE NAME: the server and a, b, c hold VALUE.
all_have() {
	_got="server=$(sfield "$1" "$2") a=$(field a "$1" "$2") b=$(field b "$1" "$2") c=$(field c "$1" "$2")"
	is "$_got" "server=$3 a=$3 b=$3 c=$3" "$4"
}
sync_all() {
	for x in a b c a b c; do
		sync_client $x -q
	done
}

# ---------------------------------------------------------------- different fields
crun a edit S-00001 --progress 30
crun b edit S-00001 --owner 王五
sync_client a
exit_is 0 "a pushes progress"
sync_client b
exit_is 0 "b pushes owner: different fields, no conflict"
sync_client a
exit_is 0 "a pulls owner"
is "$(field a S-00001 progress) $(field a S-00001 owner)" "30 王五" "a has both edits"
is "$(field b S-00001 progress) $(field b S-00001 owner)" "30 王五" "b has both edits"
is "$(sfield S-00001 progress) $(sfield S-00001 owner)" "30 王五" "the server has both edits"
is "$(status_of b conflicts)" 0 "no conflict on b"

# ---------------------------------------------------------------- same field
# S-00002 progress 14 (seed): a -> 40, b -> 60.
crun a edit S-00002 --progress 40
crun b edit S-00002 --progress 60
sync_client a
exit_is 0 "a pushes 40 first"
sync_client b
exit_is 9 "b pushes 60: exit 9, a conflict is waiting"
is "$(status_of b conflicts)" 1 "exactly one conflict on b"
is "$(status_of a conflicts)" 0 "none on a"
crun b conflicts
exit_is 0 "duban conflicts exits 0"
cf=$out
is "$(printf '%s\n' "$cf" | grep -c 'S-00002')" 1 "the conflict is listed once"
line=$(printf '%s\n' "$cf" | grep 'S-00002')
like "$line" "progress" "... names the field"
like "$line" "14" "... shows the base (14)"
like "$line" "60" "... shows mine (60)"
like "$line" "40" "... shows theirs (40)"
is "$(field b S-00002 progress)" 60 "b keeps its value while the conflict waits"
is "$(sfield S-00002 progress)" 40 "the server keeps its value"
# The conflict id: the first number on its line.
conflict_id() {
	client "$1" conflicts 2>>"$CLIENT_ERR" | grep "$2" | head -n 1 | sed 's/^[^0-9]*\([0-9][0-9]*\).*/\1/'
}
id=$(conflict_id b S-00002)
crun b resolve "$id" --mine
exit_is 0 "resolve --mine"
is "$(status_of b conflicts)" 0 "no conflict left on b"
sync_all
all_have S-00002 progress 60 "--mine: everyone has 60"
show=$(client a show S-00002 2>>"$CLIENT_ERR")
like "$show" "Progress: 14 → 40" "a's history: its own edit"
like "$show" "Progress: 40 → 60" "a's history: b's value arriving"

# --theirs: S-00003 progress 21: a -> 45, b -> 65; b takes a's.
crun a edit S-00003 --progress 45
crun b edit S-00003 --progress 65
sync_client a
sync_client b
exit_is 9 "second conflict: exit 9"
id=$(conflict_id b S-00003)
crun b resolve "$id" --theirs
exit_is 0 "resolve --theirs"
is "$(field b S-00003 progress)" 45 "b takes theirs at once"
sync_all
all_have S-00003 progress 45 "--theirs: everyone has 45"
# The server comes round to b's value while the conflict waits (a sets it
# too): theirs is what the server has now, so --theirs keeps the replicas
# equal (the simulation found b left on the old value).
crun a edit S-00006 --progress 30
crun b edit S-00006 --progress 70
sync_client a
sync_client b
exit_is 9 "a conflict on S-00006: a has 30, b 70"
crun a edit S-00006 --progress 70
sync_client a
sync_client b
id=$(conflict_id b S-00006)
line=$(client b conflicts 2>>"$CLIENT_ERR" | grep S-00006)
like "$line" "theirs: 70" "the waiting conflict offers the server's value now"
crun b resolve "$id" --theirs
exit_is 0 "resolve --theirs"
sync_all
all_have S-00006 progress 70 "the server's latest value everywhere"

show=$(client b show S-00003 2>>"$CLIENT_ERR")
like "$show" "Progress: 21 → 65" "b's history: its own edit"
like "$show" "Progress: 65 → 45" "b's history: the server's value taken"

# --value: S-00004 progress 28 / owner: a -> 50, b -> 70; b settles on 77.
crun a edit S-00004 --progress 50
crun b edit S-00004 --progress 70
sync_client a
sync_client b
exit_is 9 "third conflict: exit 9"
id=$(conflict_id b S-00004)
crun b resolve "$id" --value 77
exit_is 0 "resolve --value 77"
sync_all
all_have S-00004 progress 77 "--value: everyone has 77"
show=$(client c show S-00004 2>>"$CLIENT_ERR")
like "$show" "→ 77" "c's history shows the resolved value arriving"

# A text field with a conflict on the first client to sync back: c and a.
crun c edit S-00005 --owner 赵六
crun a edit S-00005 --owner 钱七
sync_client c
exit_is 0 "c pushes its owner"
sync_client a
exit_is 9 "a's owner conflicts"
crun a conflicts
like "$out" "赵六" "theirs is c's owner"
like "$out" "钱七" "mine is a's owner"
id=$(conflict_id a S-00005)
crun a resolve "$id" --theirs
sync_all
all_have S-00005 owner 赵六 "a text field converges"

# ---------------------------------------------------------------- notes
crun a note S-00006 '甲方记录：已约谈企业负责人'
crun b note S-00006 '乙方记录：已现场复核'
crun c note S-00006 '丙方记录：已下发督办通知'
sync_all
for x in a b c; do
	is "$(sql_client $x "SELECT count(*) FROM note n JOIN item i ON i.id = n.item_id WHERE i.code = 'S-00006'")" 3 \
		"$x holds the three notes"
done
is "$(server_records | note_counts | awk '$1 != 1' | wc -l | tr -d ' ')" 0 \
	"every note exactly once on the server"

for x in a b c; do
	sync_client $x
	exit_is 0 "$x: a final sync exits 0 (nothing waiting)"
	same_as_server $x "$x at the end"
done

done_testing
