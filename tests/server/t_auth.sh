#!/bin/sh
# duband authentication: health, login, rate limits, me, bearer tokens,
# logout and revocation, expiry, disabled users, plain HTTP on loopback only.
. "$(dirname "$0")/lib.sh"

add_user li inspector 甲县 || exit 1
add_user boss office || exit 1
add_user rl inspector 乙县 || exit 1
add_user gone viewer || exit 1
start_server

# ---- health
TOKEN=
api GET health
code_is 200 "health answers without a token"
is "$(j .status),$(j .protocol),$(j .schema)" "ok,1,1" "health: status ok, protocol 1, schema 1"
[ -n "$(j .version)" ] && [ "$(j '.server_seq | type')" = number ]
ok $? "health names the version and the server sequence"

# ---- login
api POST login '{"user":"li","password":"'"$PW"'","device":"li-thinkpad"}'
code_is 200 "login with the right password"
tok=$(j .token)
printf '%s' "$tok" | grep -qx '[0-9a-f]\{64\}'
ok $? "the token is 64 hex digits"
is "$(j .user),$(j .role)" "li,inspector" "login names user and role"
is "$(j '.counties | join(",")')" "甲县" "login lists the user's counties"
like "$(j .expires_at)" "2026-09-13T08:00:00" "the token lasts 90 days from now"

api POST login '{"user":"li","password":"wrong-password","device":"x"}'
code_is 401 unauthorized "a wrong password is 401 unauthorized"
bad_pw=$(printf '%s' "$body" | sed 's/li/USER/g')
api POST login '{"user":"nobody","password":"wrong-password","device":"x"}'
code_is 401 unauthorized "an unknown user is 401 unauthorized"
bad_user=$(printf '%s' "$body" | sed 's/nobody/USER/g')
is "$bad_user" "$bad_pw" "an unknown user and a wrong password get the same answer"
api POST login '{"user":"li","password":"","device":"x"}'
code_is 401 unauthorized "an empty password is 401 unauthorized"

# ---- rate limit: 5 failures for one user, then 429 with Retry-After
i=1
codes=
while [ $i -le 5 ]; do
	api POST login '{"user":"rl","password":"nope-'$i'","device":"x"}'
	codes="$codes$code "
	i=$((i + 1))
done
is "$codes" "401 401 401 401 401 " "the first 5 bad logins of a user are 401"
api POST login '{"user":"rl","password":"nope-6","device":"x"}'
code_is 429 rate_limited "the 6th bad login is 429 rate_limited"
ra=$(header Retry-After)
case $ra in
'' | *[!0-9]*) fail "429 carries Retry-After in seconds"; diag "Retry-After: '$ra'" ;;
*) [ "$ra" -gt 0 ] && [ "$ra" -le 900 ]; ok $? "429 carries Retry-After in seconds (1..900)" ;;
esac
api POST login '{"user":"rl","password":"'"$PW"'","device":"x"}'
code_is 429 rate_limited "the right password is refused while the user is limited"
[ -z "$(j .token)" ] || [ "$(j .token)" = null ]
ok $? "no token while limited"
api POST login '{"user":"li","password":"'"$PW"'","device":"li-2"}'
code_is 200 "another user of the same address still logs in"

# ---- me
TOKEN=$tok
api GET me
code_is 200 "me with the token"
is "$(j .user) $(j .role) $(j '.counties|join(",")') $(j .device)" "li inspector 甲县 li-thinkpad" \
	"me shows user, role, counties and device"
like "$(j .expires_at)" "2026-09-13" "me shows when the token expires"
TOKEN=$(login boss "$PW")
api GET me
is "$(j .role) $(j '.counties|length') $(j .all_counties)" "office 0 true" \
	"an office user sees every county: counties [] and all_counties true"
TOKEN=$(login gone "$PW")
api GET me
is "$(j .role) $(j .all_counties)" "viewer true" "a viewer with no county sees every county"

# ---- bad tokens
TOKEN=
api GET me
code_is 401 unauthorized "me without a token is 401 unauthorized"
like "$(header WWW-Authenticate)" "Bearer" "401 carries WWW-Authenticate: Bearer"
TOKEN=garbage-token-xyz
api GET me
code_is 401 unauthorized "a garbage token is 401 unauthorized"
like "$(header WWW-Authenticate)" "Bearer" "... with WWW-Authenticate"
TOKEN=0000000000000000000000000000000000000000000000000000000000000000
api GET me
code_is 401 unauthorized "a well-formed unknown token is 401"
req -H "Authorization: Basic bGk6cHc=" "$URL/api/v1/me"
code_is 401 unauthorized "Basic authentication is 401"

# ---- logout revokes
TOKEN=$(login li "$PW" laptop-a)
api GET me
code_is 200 "a fresh token works"
api POST logout
code_is 200 "logout answers 200"
is "$(j .revoked)" true "logout says revoked: true"
api GET me
code_is 401 unauthorized "the token is refused after logout"
api GET "pull?since=0"
code_is 401 unauthorized "... for pull too"
TOKEN=$tok
api GET me
code_is 200 "logout revoked only its own token"

# ---- duband token revoke USER
run "$DUBAND" token revoke li --data "$DATA"
exit_is 0 "duband token revoke li exits 0"
api GET me
code_is 401 unauthorized "every token of li is refused after token revoke"
TOKEN=$(login li "$PW")
api GET me
code_is 200 "li can log in again after the revocation"
li_tok=$TOKEN

# ---- expiry: the server 91 days later
stop_server
SRV_NOW=2026-09-14T08:00:00Z
start_server
TOKEN=$li_tok
api GET me
code_is 401 token_expired "a 90-day token is expired 91 days later"
like "$(header WWW-Authenticate)" "Bearer" "token_expired carries WWW-Authenticate"
TOKEN=$(login li "$PW")
api GET me
code_is 200 "a new login works 91 days later"
like "$(j .expires_at)" "2026-12-13" "its token lasts 90 days from the new now"
stop_server
SRV_NOW=
start_server --token-days 1
TOKEN=$(login li "$PW")
api GET me
like "$(j .expires_at)" "2026-06-16T08:00:00" "--token-days 1: the token lasts one day"

# ---- disabled user
run "$DUBAND" user disable li --data "$DATA"
exit_is 0 "duband user disable li exits 0"
api POST login '{"user":"li","password":"'"$PW"'","device":"x"}'
code_is 401 unauthorized "a disabled user cannot log in"
is "$(printf '%s' "$body" | sed 's/li/USER/g')" "$bad_pw" "... and gets the same answer as a wrong password"
api GET me
code_is 401 unauthorized "a disabled user's token is refused"
stop_server

# ---- plain HTTP: loopback only, and only when asked
port=$(random_port)
run timeout 20 "$DUBAND" serve --insecure-http --listen "0.0.0.0:$port" --data "$DATA" --log "$tmp/access.log"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
ok $? "--insecure-http on 0.0.0.0 is refused with a non-zero exit"
printf '%s' "$err" | grep -qi 'loopback'
ok $? "the refusal says plain HTTP is for loopback only"
diag "stderr: $err"
run timeout 20 "$DUBAND" serve --listen "127.0.0.1:$port" --data "$DATA" --log "$tmp/access.log"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ -n "$err" ]
ok $? "serve without a certificate and without --insecure-http is refused"

start_server --insecure-http
like "$URL" "http://" "the insecure server is reached over http://"
api GET health
code_is 200 "health over plain HTTP on 127.0.0.1"
TOKEN=$(login boss "$PW")
api GET me
code_is 200 "login and me over plain HTTP on 127.0.0.1"

# ---- the address limit: 20 failures from one address, whatever the user
i=1
first429=0
while [ $i -le 25 ]; do
	api POST login '{"user":"stranger'$i'","password":"x","device":"x"}'
	if [ "$code" = 429 ]; then
		first429=$i
		break
	fi
	i=$((i + 1))
done
[ "$first429" -ge 2 ] && [ "$first429" -le 21 ]
ok $? "failures for 20 different users from one address end in 429 (at attempt $first429)"
api POST login '{"user":"boss","password":"'"$PW"'","device":"x"}'
code_is 429 rate_limited "then even a right password from that address is 429"
[ -n "$(header Retry-After)" ]
ok $? "... with Retry-After"

# ---- behind a reverse proxy: X-Forwarded-For names the client only when trusted
stop_server
start_server --insecure-http --trust-proxy
i=1
while [ $i -le 21 ]; do
	req -H 'Content-Type: application/json' -H 'X-Forwarded-For: 10.9.9.9, 203.0.113.7' \
		-d '{"user":"nobody'$i'","password":"wrong","device":"x"}' "$URL/api/v1/login"
	i=$((i + 1))
done
code_is 429 rate_limited "with --trust-proxy, 21 failures from one proxied address end in 429"
req -H 'Content-Type: application/json' -H 'X-Forwarded-For: 198.51.100.4' \
	-d '{"user":"nobody99","password":"wrong","device":"x"}' "$URL/api/v1/login"
code_is 401 unauthorized "... while another proxied address behind the same proxy is not limited"
waited=0
while ! grep -q 'addr=203.0.113.7 ' "$tmp/access.log" && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
grep -q 'addr=203.0.113.7 .*path=/api/v1/login' "$tmp/access.log"
ok $? "the access log names the last X-Forwarded-For address"
! grep -q 'addr=10.9.9.9' "$tmp/access.log"
ok $? "... never an earlier, client-supplied one"

srv_stderr_clean "$tmp/server.1.err"
ok $? "no sanitizer report in the first server's stderr"
done_testing
