#!/bin/sh
# duband limits and hostile input: body size, bad JSON (truncated, deep, not
# UTF-8, wrong shape), content types, op counts, unknown paths and methods,
# protocol versions, a gzip bomb, slow clients, and the access log.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
start_server --max-body 200000 --max-ops 10 --timeout 3
boss=$(login boss "$PW")
TOKEN=$boss

# post FILE [CURL-ARGS...]: POST push with FILE as the body.
post() {
	f=$1
	shift
	req -H "Authorization: Bearer $boss" "$@" --data-binary @"$f" "$URL/api/v1/push"
}
json() {
	jf=$1
	shift
	post "$jf" -H 'Content-Type: application/json' "$@"
}

# ---- body size
{
	printf '{"device":"x","ops":[],"pad":"'
	head -c 250000 /dev/zero | tr '\0' a
	printf '"}'
} >"$tmp/big.json"
json "$tmp/big.json"
code_is 413 too_large "a body over --max-body is 413 too_large"
printf '{"device":"x","ops":[]}' >"$tmp/empty-push.json"
json "$tmp/empty-push.json"
code_is 200 "an empty push is 200"
is "$(j '.results | length')" 0 "... with no results"

# ---- bad JSON
printf '{"device":"x","ops":[{"id":"' >"$tmp/trunc.json"
json "$tmp/trunc.json"
code_is 400 bad_json "truncated JSON is 400 bad_json"
printf 'this is not json' >"$tmp/text.json"
json "$tmp/text.json"
code_is 400 bad_json "text that is not JSON is 400 bad_json"
{
	printf '{"device":"x","ops":[{"id":"%s","kind":"note.add","body":' "$(uuid)"
	i=0
	while [ $i -lt 100 ]; do printf '{"a":'; i=$((i + 1)); done
	printf '1'
	i=0
	while [ $i -lt 100 ]; do printf '}'; i=$((i + 1)); done
	printf '}]}'
} >"$tmp/deep.json"
jq -e . "$tmp/deep.json" >/dev/null 2>&1
ok $? "(the 100-deep document is valid JSON)"
json "$tmp/deep.json"
code_is 400 bad_json "100-deep nested JSON is 400 bad_json"
i=0
{ while [ $i -lt 100000 ]; do printf '['; i=$((i + 1)); done; } >"$tmp/deeper.json"
json "$tmp/deeper.json"
code_is 400 bad_json "100000 open brackets are 400 bad_json"
printf '{"device":"\377\376 bad","ops":[]}' >"$tmp/latin.json"
json "$tmp/latin.json"
code_is 400 bad_json "non-UTF-8 bytes in a JSON string are 400 bad_json"
printf '{"device":"\355\240\200","ops":[]}' >"$tmp/surrogate.json"
json "$tmp/surrogate.json"
code_is 400 bad_json "an encoded surrogate (CESU) in a string is 400 bad_json"
printf '{"device":"\300\257","ops":[]}' >"$tmp/overlong.json"
json "$tmp/overlong.json"
code_is 400 bad_json "an overlong UTF-8 sequence is 400 bad_json"
printf '[1,2,3]' >"$tmp/array.json"
json "$tmp/array.json"
code_is 400 bad_json "an array instead of an object is 400 bad_json"
printf '{"device":"x","ops":"none"}' >"$tmp/shape.json"
json "$tmp/shape.json"
code_is 400 bad_json "ops that is not an array is 400 bad_json"

# ---- content types
post "$tmp/empty-push.json" -H 'Content-Type: text/plain'
code_is 415 unsupported_media_type "Content-Type: text/plain is 415"
post "$tmp/empty-push.json"
code_is 415 unsupported_media_type "curl's default form Content-Type is 415"
post "$tmp/empty-push.json" -H 'Content-Type: application/json; charset=utf-8'
code_is 200 "application/json; charset=utf-8 is accepted"

# ---- op count
i=0
ops=
while [ $i -lt 11 ]; do
	ops="$ops$(op_create "$(uuid)" "$(uuid)" "$(printf 'L-%03d' $i)" 甲县),"
	i=$((i + 1))
done
printf '{"device":"x","ops":[%s]}' "${ops%,}" >"$tmp/eleven.json"
json "$tmp/eleven.json"
code_is 413 too_many_ops "11 ops with --max-ops 10 is 413 too_many_ops"
api GET "pull?since=0"
is "$(j '.changes | length')" 0 "the refused push wrote nothing"
printf '[%s]' "${ops%,}" | jq -c '{device: "x", ops: .[0:10]}' >"$tmp/ten.json"
json "$tmp/ten.json"
code_is 200 "10 ops are accepted"

# ---- paths, methods, versions
api GET nowhere
code_is 404 not_found "an unknown path is 404 not_found"
req "$URL/index.html"
code_is 404 "a path outside /api/v1 is 404"
api GET "../v2/health"
[ "$code" = 404 ] || [ "$code" = 400 ]
ok $? "a dot-dot path is 404 or 400 ($code)"
api GET push
code_is 405 method_not_allowed "GET push is 405 method_not_allowed"
api DELETE health
code_is 405 method_not_allowed "DELETE health is 405"
api PUT login '{}'
code_is 405 method_not_allowed "PUT login is 405"
req -H "Authorization: Bearer $boss" -H 'X-Duban-Protocol: 2' "$URL/api/v1/me"
code_is 400 unsupported_protocol "X-Duban-Protocol: 2 is 400 unsupported_protocol"
req -H "Authorization: Bearer $boss" -H 'X-Duban-Protocol: 1' -H 'X-Duban-Schema: 99' "$URL/api/v1/me"
code_is 400 unsupported_schema "X-Duban-Schema: 99 is 400 unsupported_schema"
req -H "Authorization: Bearer $boss" -H 'X-Duban-Protocol: 1' -H 'X-Duban-Schema: 1' "$URL/api/v1/me"
code_is 200 "protocol 1, schema 1 is served"
pad=$(head -c 20000 /dev/zero | tr '\0' x)
req -H "X-Pad: $pad" "$URL/api/v1/health"
code_is 431 "20 KB of request headers is 431"

# ---- a gzip bomb: 100 MB of JSON-looking text in ~100 KB
{
	printf '{"device":"'
	head -c 100000000 /dev/zero | tr '\0' a
	printf '","ops":[]}'
} | gzip -c >"$tmp/bomb.gz"
diag "bomb: $(wc -c <"$tmp/bomb.gz" | tr -d ' ') bytes gzipped"
t0=$(date +%s)
post "$tmp/bomb.gz" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip'
code_is 413 too_large "a gzip bomb (100 MB inflated) is 413 too_large"
[ $(($(date +%s) - t0)) -lt 15 ]
ok $? "... answered without inflating it all"
printf 'not gzip at all' >"$tmp/notgz"
post "$tmp/notgz" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip'
code_is 400 "a body that is not gzip with Content-Encoding: gzip is 400"
post "$tmp/empty-push.json" -H 'Content-Type: application/json' -H 'Content-Encoding: br'
code_is 415 "an unsupported Content-Encoding is 415"

# ---- slow clients do not stop the others
slow=
i=0
while [ $i -lt 8 ]; do
	{
		printf 'POST /api/v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"devi'
		sleep 12
	} 2>/dev/null | openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$CA" >"$tmp/slow.$i" 2>&1 &
	slow="$slow $!"
	BG_PIDS="$BG_PIDS $!"
	i=$((i + 1))
done
sleep 1
t0=$(date +%s)
api GET health
code_is 200 "health answers while 8 clients hold half-sent requests"
api GET "pull?since=0&limit=5"
code_is 200 "... and so does pull"
[ $(($(date +%s) - t0)) -le 3 ]
ok $? "... promptly"
sleep 5
alive=0
for p in $slow; do
	kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
done
is "$alive" 0 "the server closed the connections idle past --timeout 3"
kill_child TERM $slow

# ---- still alive
api GET health
code_is 200 "after all that the server is alive and health answers"
kill -0 "$SRV_PID"
ok $? "the server process is running"

# ---- the access log: one line per request, status and ms, no secrets
sleep 1
n0=$(wc -l <"$tmp/access.log")
TOKEN=
api GET health
api GET "nowhere-at-all"
api POST login '{"user":"boss","password":"not-'"$PW"'","device":"x"}'
TOKEN=$boss
api GET me
api GET "pull?since=0&limit=1"
waited=0
while [ "$(wc -l <"$tmp/access.log")" -lt $((n0 + 5)) ] && [ $waited -lt 20 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
is "$(($(wc -l <"$tmp/access.log") - n0))" 5 "five requests make five access log lines"
tail -n 5 "$tmp/access.log" >"$tmp/last5"
diag "$(cat "$tmp/last5")"
lines_ok=0
for st in 200 404 401 200 200; do
	lines_ok=$((lines_ok + 1))
	line=$(sed -n "${lines_ok}p" "$tmp/last5")
	printf '%s' "$line" | grep -Eq "(^|[^0-9])$st([^0-9]|\$)" || { lines_ok=99; break; }
done
is "$lines_ok" 5 "each line has the request's status (200 404 401 200 200)"
is "$(grep -Eic '[0-9] ?ms([^a-z]|$)|ms[=:] ?[0-9]' "$tmp/last5")" 5 "each line has a time in ms"
like "$(cat "$tmp/last5")" "/api/v1/nowhere-at-all" "the log names the path"
grep -F -e "$PW" -e "$boss" "$tmp/access.log" >/dev/null
[ $? -ne 0 ]; ok $? "the access log never holds a password or a token"
grep -F -e "$PW" -e "$boss" "$SRV_ERR" >/dev/null
[ $? -ne 0 ]; ok $? "nor does the server's stderr"
done_testing
