#!/bin/sh
# duband crash safety: a stream of pushes while the server is killed with
# SIGKILL at a random moment; after a restart every op is sent again and
# each change is there exactly once.  SIGTERM finishes a request in flight.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
start_server
boss=$(login boss "$PW")
TOKEN=$boss
X=$(uuid)
push "$(op_create "$(uuid)" "$X" CR-000 甲县)"
result_is 0 applied "the item the notes go to"

# 300 ops: every third creates an item (a duplicate would break its unique
# code), the others add a note.
N=300
i=1
: >"$tmp/ops"
while [ $i -le $N ]; do
	if [ $((i % 3)) = 0 ]; then
		op=$(op_create "$(uuid)" "$(uuid)" "$(printf 'CR-%03d' $i)" 甲县)
	else
		op=$(op_note "$(uuid)" "$X" "$(uuid)" "$(printf 'crash-note-%03d' $i)")
	fi
	printf '%s\n' "$op" >>"$tmp/ops"
	i=$((i + 1))
done

# The stream: one op per request; the ids answered applied go to applied.
: >"$tmp/applied"
: >"$tmp/answered"
(
	while IFS= read -r op; do
		printf '{"device":"crash-dev","ops":[%s]}' "$op" >"$tmp/stream.req"
		a=$(curl -s --max-time 10 --cacert "$CA" -H "Authorization: Bearer $boss" \
			-H 'Content-Type: application/json' --data-binary @"$tmp/stream.req" "$URL/api/v1/push" 2>/dev/null)
		id=${op#*\"id\":\"}
		id=${id%%\"*}
		case $a in
		*'"results":[{'*'"result":"applied"'*) echo "$id applied" >>"$tmp/answered"; echo "$id" >>"$tmp/applied" ;;
		*'"result":'*) echo "$id other" >>"$tmp/answered" ;;
		esac
	done <"$tmp/ops"
) &
stream=$!
BG_PIDS="$BG_PIDS $stream"
# Kill it after 20 to 200 answers.
target=$((20 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 180))
waited=0
while [ "$(wc -l <"$tmp/answered")" -lt $target ] && [ $waited -lt 600 ]; do
	sleep 0.05
	waited=$((waited + 1))
done
kill_server
diag "killed after $(wc -l <"$tmp/answered") answers (target $target)"
wait "$stream"
applied_before=$(wc -l <"$tmp/applied" | tr -d ' ')
[ "$applied_before" -gt 0 ] && [ "$applied_before" -lt $N ]
ok $? "the server died in the middle of the stream ($applied_before of $N applied)"
srv_stderr_clean "$SRV_ERR"
ok $? "no sanitizer report before the kill"

start_server
kill -0 "$SRV_PID"
ok $? "the server starts again after SIGKILL"
TOKEN=$boss
api GET me
code_is 200 "the token issued before the crash still works"

# Resend every op, in batches of 50.
: >"$tmp/resent"
split -l 50 "$tmp/ops" "$tmp/batch."
for b in "$tmp"/batch.*; do
	printf '{"device":"crash-dev","ops":[%s]}' "$(paste -sd, "$b")" >"$tmp/resend.req"
	req -H "Authorization: Bearer $boss" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/resend.req" "$URL/api/v1/push"
	[ "$code" = 200 ] || diag "resend: $code $body"
	j '.results[] | .id + " " + .result + " " + (.first // "-") + " " + (.reason // "-")' >>"$tmp/resent"
done
is "$(wc -l <"$tmp/resent" | tr -d ' ')" $N "every op gets an answer when sent again"
bad=0
while read -r id; do
	grep -q "^$id duplicate applied " "$tmp/resent" || { bad=$((bad + 1)); diag "$(grep "^$id" "$tmp/resent")"; }
done <"$tmp/applied"
is "$bad" 0 "every op answered applied before the crash is a duplicate of applied now"
is "$(grep -c ' rejected \| conflict ' "$tmp/resent")" 0 "no resent op is rejected or in conflict"
is "$(awk '$2 == "applied" || ($2 == "duplicate" && $3 == "applied")' "$tmp/resent" | wc -l | tr -d ' ')" $N \
	"every op is applied now, once or before"

pull_all
notes=$(grep -o 'crash-note-[0-9]*' "$tmp/changes" | sort)
is "$(printf '%s\n' "$notes" | grep -c .)" 200 "200 notes in the pull"
is "$(printf '%s\n' "$notes" | uniq -d | grep -c .)" 0 "no note twice"
codes=$(jq -r '.item.code // empty' "$tmp/changes" | grep '^CR-[0-9]' | sort)
is "$(printf '%s\n' "$codes" | grep -c .)" 101 "101 items in the pull"
is "$(printf '%s\n' "$codes" | uniq -d | grep -c .)" 0 "no item twice"

# ---- SIGTERM with a request in flight: it finishes, then the server exits 0
i=1
ops=
while [ $i -le 100 ]; do
	ops="$ops$(op_note "$(uuid)" "$X" "$(uuid)" "$(printf 'term-note-%03d %s' $i "$(head -c 300 /dev/zero | tr '\0' x)")"),"
	i=$((i + 1))
done
printf '{"device":"crash-dev","ops":[%s]}' "${ops%,}" >"$tmp/slow.req"
# About 40 KB at 16 KB/s: the upload is still going when SIGTERM comes.
curl -s --max-time 60 --cacert "$CA" --limit-rate 16K -o "$tmp/slow.out" -w '%{http_code}' \
	-H "Authorization: Bearer $boss" -H 'Content-Type: application/json' \
	--data-binary @"$tmp/slow.req" "$URL/api/v1/push" >"$tmp/slow.code" 2>&1 &
client=$!
BG_PIDS="$BG_PIDS $client"
sleep 1
kill_child TERM "$SRV_PID"
wait "$client"
is "$(cat "$tmp/slow.code")" 200 "the request in flight at SIGTERM is answered 200"
is "$(jq -r '[.results[] | select(.result == "applied")] | length' "$tmp/slow.out" 2>/dev/null)" 100 \
	"... with its 100 ops applied"
waited=0
while kill -0 "$SRV_PID" 2>/dev/null && [ $waited -lt 200 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
wait "$SRV_PID"
srv_rc=$?
SRV_PID=
is "$srv_rc" 0 "the server then exits 0"
srv_stderr_clean "$SRV_ERR"
ok $? "no sanitizer report"
start_server
TOKEN=$boss
pull_all
is "$(grep -o 'term-note-[0-9]*' "$tmp/changes" | sort -u | wc -l | tr -d ' ')" 100 "the 100 notes are there after the restart"
done_testing
