#!/bin/sh
# Two duband instances on one PostgreSQL database (issue 13).  The same push
# sent to both at once: exactly one `applied` per op, `duplicate` (repeating
# the first answer) for the other.  Two edits of one field from the same base
# through different instances at once: one applied, one conflict.  Both
# instances serve the same log and the same tokens.
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
at B
api GET me
code_is 200 "a token issued by A is good at B"

at A
X=$(uuid)
push "$(op_create "$(uuid)" "$X" IN-000 甲县)"
result_is 0 applied "the item the notes go to, created through A"

# ---- the same push to A and B at once, 10 rounds of 6 ops
: >"$tmp/pairs"
round=1
title="IN-000 测试问题"
while [ $round -le 10 ]; do
	new_title="第${round}轮标题"
	ops="$(op_create "$(uuid)" "$(uuid)" "$(printf 'IN-%03d' $round)" 甲县)"
	for k in 1 2 3 4; do
		ops="$ops,$(op_note "$(uuid)" "$X" "$(uuid)" "round-$round-note-$k")"
	done
	ops="$ops,$(op_set "$(uuid)" "$X" title "$title" "$new_title")"
	title=$new_title
	printf '{"device":"twin-dev","ops":[%s]}' "$ops" >"$tmp/twin.req"
	push_to "$URL_A" "$boss" "$tmp/twin.req" >"$tmp/twin.A" &
	pa=$!
	push_to "$URL_B" "$boss" "$tmp/twin.req" >"$tmp/twin.B" &
	pb=$!
	wait "$pa"
	wait "$pb"
	# one line per op: "ID RESULT-from-A/first RESULT-from-B/first"
	jq -r '.results[] | .id + " " + .result + "/" + (.first // "-")' "$tmp/twin.A" | sort >"$tmp/twin.A.r"
	jq -r '.results[] | .id + " " + .result + "/" + (.first // "-")' "$tmp/twin.B" | sort >"$tmp/twin.B.r"
	join "$tmp/twin.A.r" "$tmp/twin.B.r" >>"$tmp/pairs"
	round=$((round + 1))
done
is "$(wc -l <"$tmp/pairs" | tr -d ' ')" 60 "both instances answered every one of the 60 ops"
is "$(awk '{ if ($2 < $3) print $2 " " $3; else print $3 " " $2 }' "$tmp/pairs" | sort | uniq -c | sed 's/^ *//')" \
	"60 applied/- duplicate/applied" "each op: applied by one instance, duplicate (first: applied) at the other"
diag "applied by A: $(awk '$2 == "applied/-"' "$tmp/pairs" | wc -l | tr -d ' '), by B: $(awk '$3 == "applied/-"' "$tmp/pairs" | wc -l | tr -d ' ')"

at B
pull_all
is "$(grep -o 'round-[0-9]*-note-[0-9]' "$tmp/changes" | sort | uniq -c | awk '$1 != 1' | wc -l | tr -d ' ') $(grep -o 'round-[0-9]*-note-[0-9]' "$tmp/changes" | sort -u | wc -l | tr -d ' ')" \
	"0 40" "B's pull: the 40 notes, each once"
is "$(jq -r '.item.code // empty' "$tmp/changes" | grep -c '^IN-0[0-9][0-9]$')" 11 "B's pull: the 11 items, each once"
is "$(item_of "$X" | jq -r .item.title)" "第10轮标题" "X's title is the last round's"
cp "$tmp/changes" "$tmp/changes.B"
at A
pull_all
cmp -s "$tmp/changes" "$tmp/changes.B"
ok $? "A and B serve the same pull from 0"

# ---- one field, one base, two instances: one applied, one conflict
: >"$tmp/items"
i=1
ops=
while [ $i -le 12 ]; do
	id=$(uuid)
	echo "$id" >>"$tmp/items"
	ops="$ops$(op_create "$(uuid)" "$id" "$(printf 'CF-%03d' $i)" 甲县),"
	i=$((i + 1))
done
push "${ops%,}"
is "$(j '[.results[] | select(.result == "applied")] | length')" 12 "12 items to edit"
: >"$tmp/edits"
while read -r id; do
	printf '{"device":"dev-a","ops":[%s]}' "$(op_set "$(uuid)" "$id" progress 0 30)" >"$tmp/ea.req"
	printf '{"device":"dev-b","ops":[%s]}' "$(op_set "$(uuid)" "$id" progress 0 60)" >"$tmp/eb.req"
	push_to "$URL_A" "$boss" "$tmp/ea.req" >"$tmp/ea" &
	pa=$!
	push_to "$URL_B" "$boss" "$tmp/eb.req" >"$tmp/eb" &
	pb=$!
	wait "$pa"
	wait "$pb"
	echo "$id $(jq -r '.results[0].result' "$tmp/ea") $(jq -r '.results[0].result' "$tmp/eb")" >>"$tmp/edits"
done <"$tmp/items"
is "$(awk '{ if ($2 < $3) print $2 " " $3; else print $3 " " $2 }' "$tmp/edits" | sort | uniq -c | sed 's/^ *//')" \
	"12 applied conflict" "progress 0 -> 30 through A and 0 -> 60 through B at once: one applied, one conflict (12 items)"
pull_all
bad=0
while read -r id ra rb; do
	want=30
	[ "$rb" = applied ] && want=60
	got=$(item_of "$id" | jq -r .item.progress)
	[ "$got" = "$want" ] || { bad=$((bad + 1)); diag "$id: progress $got, the applied edit said $want"; }
	n=$(grep '"type":"event"' "$tmp/changes" | grep "\"item_id\":\"$id\"" | grep -c '"field":"progress"')
	[ "$n" = 1 ] || { bad=$((bad + 1)); diag "$id: $n progress events"; }
done <"$tmp/edits"
is "$bad" 0 "each item holds the applied edit's value, with one progress event"

inst_stop A
inst_stop B
done_testing
