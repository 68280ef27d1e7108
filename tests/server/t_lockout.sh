#!/bin/sh
# The login lockout (issue 12, item 6): a flood of failed logins with made-up
# names from many addresses must not evict a locked user; the lock holds
# across a restart (it lives in the database); `duband user unlock` lifts it.
# --trust-proxy lets X-Forwarded-For from loopback stand for many addresses.
. "$(dirname "$0")/lib.sh"

add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1
start_server --trust-proxy

# login_from ADDRESS USER PASS: the HTTP status of one login.
login_from() {
	printf '{"user":"%s","password":"%s","device":"t"}' "$2" "$3" >"$tmp/.lf"
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 --cacert "$CA" -H 'Content-Type: application/json' \
		-H "X-Forwarded-For: $1" --data-binary @"$tmp/.lf" "$URL/api/v1/login"
}

for i in 1 2 3 4 5; do
	login_from 10.9.0.$i li wrong-password >/dev/null
done
is "$(login_from 10.9.1.1 li "$PW")" 429 "five failed logins lock li out (even with the right password)"

# The flood: 2,300 failed logins, each a new made-up name from a new address
# (4,600 keys: more than the old in-memory table's 4,096 slots).
: >"$tmp/flood.cfg"
n=0
while [ $n -lt 2300 ]; do
	printf 'url = "%s/api/v1/login"\ncacert = "%s"\nmax-time = 30\nwrite-out = "%%{http_code}\\n"\nheader = "X-Forwarded-For: 10.%d.%d.%d"\nheader = "Content-Type: application/json"\ndata = "{\\"user\\":\\"flood%d\\",\\"password\\":\\"x\\"}"\noutput = "/dev/null"\nnext\n' \
		"$URL" "$CA" $((n / 65536 + 20)) $((n / 256 % 256)) $((n % 256)) "$n" >>"$tmp/flood.cfg"
	n=$((n + 1))
done
start=$(date +%s)
curl -s -Z --parallel-max 4 -K "$tmp/flood.cfg" >"$tmp/flood.codes" 2>/dev/null
diag "flood: $(sort "$tmp/flood.codes" | uniq -c | tr '\n' ' ')in $(($(date +%s) - start)) s"
[ "$(grep -c '^401$' "$tmp/flood.codes")" -ge 2250 ] && ! grep -q '^200$\|^429$' "$tmp/flood.codes"
ok $? "the flood's logins were answered 401 (a few may fail to connect), none 200 or 429"
is "$(login_from 10.9.2.1 li "$PW")" 429 "after the flood li is still locked out"
is "$(login_from 10.9.2.2 wang "$PW")" 200 "wang, never locked, logs in"

restart_server
is "$(login_from 10.9.3.1 li "$PW")" 429 "the lock holds across a restart"

run "$DUBAND" user unlock li --data "$DATA"
exit_is 0 "duband user unlock li"
like "$out" "unlocked" "... says so"
is "$(login_from 10.9.3.2 li "$PW")" 200 "li logs in at once after the unlock"
run "$DUBAND" user unlock nobody --data "$DATA"
[ "$rc" -ne 0 ]
ok $? "unlock of an unknown user fails"

# the address limit: 20 failures from one address lock the address
for i in $(seq 1 20); do
	login_from 10.8.0.1 "nobody$i" x >/dev/null
done
is "$(login_from 10.8.0.1 wang "$PW")" 429 "20 failures from one address lock that address"
is "$(login_from 10.8.0.2 wang "$PW")" 200 "... and not another"
done_testing
