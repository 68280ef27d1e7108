#!/bin/sh
# duband through pgbouncer in transaction mode (issue 13; Debian 12's 1.18
# keeps no server-side prepared statement across transactions, and a
# session's advisory locks and settings may land on another connection).
# Two instances start at once on a new database through it (both migrate),
# then pushes, duplicates, conflicts and pulls; admin commands go through it
# too.  pgbouncer's own log must show no error from duband's sessions.
unset DUBAN_STORE
. "$(dirname "$0")/../server/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
. "$top_srcdir/tests/pg/duband.sh"
pg_require backend
if ! pg_check_bouncer; then
	[ "${CI:-}" = true ] && { echo "Bail out! $PG_WHY"; exit 1; }
	echo "1..0 # SKIP $PG_WHY"
	exit 0
fi
pg_start
pg_new_db duban >/dev/null
pg_bouncer_start
STORE=$(pg_uri_bouncer duban)
diag "store: $STORE"

store_user boss office || { echo "Bail out! duband user add --store failed"; exit 1; }
pass "duband user add through pgbouncer"
# Both instances at once on the new database: the schema is made once.
inst_launch A "$STORE"
inst_launch B "$STORE"
inst_wait A
ra=$?
inst_wait B
rb=$?
is "$ra $rb" "0 0" "two instances start at once through pgbouncer"
[ "$ra $rb" = "0 0" ] || done_testing

at A
boss=$(login boss "$PW")
TOKEN=$boss
[ -n "$boss" ]
ok $? "login through A"
X=$(uuid)
push "$(op_create "$(uuid)" "$X" PB-000 甲县)"
result_is 0 applied "an item created through A"

# Many requests at once on few server connections (default_pool_size 10):
# 8 requests of 10 ops to each instance, the same ops to both.
ops=
i=1
while [ $i -le 40 ]; do
	ops="$ops$(op_note "$(uuid)" "$X" "$(uuid)" "pb-note-$i"),"
	[ $((i % 10)) = 0 ] && { printf '{"device":"pb-dev","ops":[%s]}' "${ops%,}" >"$tmp/pb.$i.json"; ops=; }
	i=$((i + 1))
done
pids=
for f in "$tmp"/pb.*.json; do
	push_to "$URL_A" "$boss" "$f" >"$f.A" &
	pids="$pids $!"
	push_to "$URL_B" "$boss" "$f" >"$f.B" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(cat "$tmp"/pb.*.json.A "$tmp"/pb.*.json.B | jq -r '.results[].result' | sort | uniq -c | sed 's/^ *//' | tr '\n' ';')" \
	"40 applied;40 duplicate;" "the same 40 ops to both instances at once: 40 applied, 40 duplicates"

push "$(op_set "$(uuid)" "$X" progress 0 50)"
result_is 0 applied "progress 0 -> 50 applied"
at B
push "$(op_set "$(uuid)" "$X" progress 0 70)"
result_is 0 conflict "progress 0 -> 70 through B: conflict"
pull_all
is "$(grep -o 'pb-note-[0-9]*' "$tmp/changes" | sort -u | wc -l | tr -d ' ')" 40 "B's pull has the 40 notes"
is "$(item_of "$X" | jq -r .item.progress)" 50 "X's progress is 50"

# Admin commands through pgbouncer while the servers run.
printf '%s\n%s\n' "$PW" "$PW" | "$DUBAND" user add insp --role inspector --county 甲县 --store "$STORE" >"$tmp/adm" 2>&1
ok $? "duband user add through pgbouncer while serving"
run "$DUBAND" user list --store "$STORE"
like "$out" insp "duband user list through pgbouncer"
run "$DUBAND" export --store "$STORE" --format json
is "$(printf '%s' "$out" | jq -r '.[] | select(.code == "PB-000") | .progress')" 50 "duband export through pgbouncer"

inst_stop A
inst_stop B
errs=$(grep -i 'error\|prepared statement' "$PG_DIR/pgbouncer.log" | grep -v 'client_login_timeout\|closing because: client close request' | head -5)
is "$errs" "" "pgbouncer logged no error"
grep -i 'ERROR' "$PG_DIR/primary.log" | head -5 | sed 's/^/# server: /'
done_testing
