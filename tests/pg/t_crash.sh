#!/bin/sh
# kill -9 of a duband instance during pushes, on PostgreSQL (issue 13; the
# SQLite crash test is tests/server/t_crash.sh, which also runs on PostgreSQL
# with DUBAN_STORE=pg).  Two instances on one database: A is killed in the
# middle of a stream of pushes; the client sends everything again to B.
# Each op is there exactly once, every op answered applied before the kill
# is a duplicate of `applied`, and A's dead connections leave no lock or open
# transaction behind.  A restarted A serves the same data.
unset DUBAN_STORE
. "$(dirname "$0")/../server/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
. "$top_srcdir/tests/pg/duband.sh"
pg_require backend
pg_start
STORE=$(pg_new_db duban)

store_user boss office || { echo "Bail out! duband user add --store failed"; exit 1; }
inst_start A "$STORE"
inst_start B "$STORE"
at A
boss=$(login boss "$PW")
TOKEN=$boss
X=$(uuid)
push "$(op_create "$(uuid)" "$X" CR-000 甲县)"
result_is 0 applied "the item the notes go to"

# 300 ops in requests of 3: every third creates an item (its code is
# unique: a duplicate would be refused), the others add a note.
N=300
i=1
: >"$tmp/ops"
while [ $i -le $N ]; do
	if [ $((i % 3)) = 0 ]; then
		op_create "$(uuid)" "$(uuid)" "$(printf 'CR-%03d' $i)" 甲县 >>"$tmp/ops"
	else
		op_note "$(uuid)" "$X" "$(uuid)" "$(printf 'crash-note-%03d' $i)" >>"$tmp/ops"
	fi
	echo >>"$tmp/ops"
	i=$((i + 1))
done
split -l 3 "$tmp/ops" "$tmp/req."

# Four streams at once through A, so that several transactions are open
# when it dies.
: >"$tmp/applied"
: >"$tmp/answered"
spids=
s=0
for f in "$tmp"/req.*; do
	echo "$f" >>"$tmp/stream.$((s % 4))"
	s=$((s + 1))
done
for s in 0 1 2 3; do
	(
		while IFS= read -r f; do
			printf '{"device":"crash-dev","ops":[%s]}' "$(paste -sd, "$f")" >"$f.json"
			push_to "$URL_A" "$boss" "$f.json" >"$f.ans"
			jq -r '.results[] | select(.result == "applied") | .id' "$f.ans" 2>/dev/null >>"$tmp/applied"
			echo "$f" >>"$tmp/answered"
		done <"$tmp/stream.$s"
	) &
	spids="$spids $!"
done
BG_PIDS="$BG_PIDS $spids"
target=$((10 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 50))
w=0
while [ "$(wc -l <"$tmp/answered")" -lt $target ] && [ $w -lt 600 ]; do
	sleep 0.05
	w=$((w + 1))
done
inst_kill A
for p in $spids; do wait "$p"; done
applied_before=$(wc -l <"$tmp/applied" | tr -d ' ')
diag "A killed after $target requests answered; $applied_before ops applied"
[ "$applied_before" -gt 0 ] && [ "$applied_before" -lt $N ]
ok $? "A died in the middle of the stream ($applied_before of $N applied)"
srv_stderr_clean "$ERR_A"
ok $? "no sanitizer report from A before the kill"

# The dead instance's sessions end (the kernel closed its sockets): no
# transaction of it stays open, no lock is held.
w=0
while [ "$(pg_sql duban "SELECT count(*) FROM pg_stat_activity WHERE datname = 'duban' AND state LIKE 'idle in transaction%'")" != 0 ] &&
	[ $w -lt 50 ]; do
	sleep 0.1
	w=$((w + 1))
done
is "$(pg_sql duban "SELECT count(*) FROM pg_stat_activity WHERE datname = 'duban' AND state LIKE 'idle in transaction%'")" 0 \
	"no transaction left open by the killed instance"

# Everything again, through B, in requests of 50.
: >"$tmp/resent"
split -l 50 "$tmp/ops" "$tmp/batch."
for b in "$tmp"/batch.*; do
	printf '{"device":"crash-dev","ops":[%s]}' "$(paste -sd, "$b")" >"$b.json"
	push_to "$URL_B" "$boss" "$b.json" |
		jq -r '.results[] | .id + " " + .result + " " + (.first // "-") + " " + (.reason // "-")' >>"$tmp/resent"
done
is "$(wc -l <"$tmp/resent" | tr -d ' ')" $N "B answers every op sent again"
bad=0
while read -r id; do
	grep -q "^$id duplicate applied " "$tmp/resent" || { bad=$((bad + 1)); diag "$(grep "^$id" "$tmp/resent")"; }
done <"$tmp/applied"
is "$bad" 0 "every op answered applied by A before the kill is a duplicate of applied at B"
is "$(grep -c ' rejected \| conflict ' "$tmp/resent")" 0 "no resent op is rejected or in conflict"
is "$(awk '$2 == "applied" || ($2 == "duplicate" && $3 == "applied")' "$tmp/resent" | wc -l | tr -d ' ')" $N \
	"every op is applied now, once or before"

at B
pull_all
notes=$(grep -o 'crash-note-[0-9]*' "$tmp/changes" | sort)
is "$(printf '%s\n' "$notes" | grep -c .)" 200 "200 notes in the pull"
is "$(printf '%s\n' "$notes" | uniq -d | grep -c .)" 0 "no note twice"
codes=$(jq -r '.item.code // empty' "$tmp/changes" | grep '^CR-[0-9]' | sort)
is "$(printf '%s\n' "$codes" | grep -c .)" 101 "101 items in the pull"
is "$(printf '%s\n' "$codes" | uniq -d | grep -c .)" 0 "no item twice"
cp "$tmp/changes" "$tmp/changes.B"

inst_start A "$STORE"
at A
TOKEN=$boss
api GET me
code_is 200 "A starts again; the token issued before the crash still works"
pull_all
cmp -s "$tmp/changes" "$tmp/changes.B"
ok $? "A serves the same pull as B"
inst_stop A
inst_stop B
done_testing
