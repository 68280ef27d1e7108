#!/bin/sh
# duban login, whoami and logout against the real duband over TLS on
# loopback: the account file (0600, a token but never the password), a wrong
# password, an untrusted or wrong CA, plain HTTP refused, an unreachable
# server, logout revoking the token, and a token that expired on the server.
# It needs only login, so it uses the server helpers (not tests/sync/lib.sh,
# which wants the sync command).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/server/lib.sh"

# The server's clock is the client's.
SRV_NOW=$DUBAN_NOW
# Quick retries: some checks make the server unreachable on purpose.
DUBAN_SYNC_RETRIES=2
DUBAN_SYNC_BACKOFF_MS=20
export DUBAN_SYNC_RETRIES DUBAN_SYNC_BACKOFF_MS

# Everything the clients print on stderr, for the sanitizer check.
CLIENT_ERR=$tmp/clients.err
: >"$CLIENT_ERR"

# client NAME ARGS...: duban with its own HOME and XDG directories.
client() {
	_cn=$1
	shift
	_cd=$tmp/c/$_cn
	[ -d "$_cd" ] || mkdir -p "$_cd/home" "$_cd/config" "$_cd/data"
	HOME=$_cd/home XDG_CONFIG_HOME=$_cd/config XDG_DATA_HOME=$_cd/data USER=$_cn \
		"$DUBAN" --db "$_cd/ledger.db" "$@"
}

# crun NAME ARGS...: run (out, err, rc) of client NAME ARGS...
crun() {
	run client "$@"
	[ -z "$err" ] || printf '%s\n' "$err" >>"$CLIENT_ERR"
}

add_user li inspector 甲县 || exit 1
add_user boss office || exit 1
start_server

ACC=$tmp/c/a/config/duban/account

# mode FILE: its permission bits in octal.
mode() {
	stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"
}

# ---------------------------------------------------------------- before
crun a whoami
exit_is 8 "whoami before any login exits 8"
like "$err" "not logged in: run duban login URL USER" "... and says how to log in"
crun a logout
exit_is 0 "logout when not logged in exits 0"
like "$out" "not logged in" "... and says so"

# ---------------------------------------------------------------- login
printf '%s\n' "$PW" >"$tmp/.pw"
crun a login "$URL" li --cacert "$CA" --device a-device <"$tmp/.pw"
exit_is 0 "login with the right password"
is "$out" "logged in to $URL as li (inspector, 甲县)" "login says where, as whom, role and counties"
is "$(mode "$ACC")" 600 "the account file is mode 0600"
is "$(mode "$(dirname "$ACC")")" 700 "its directory is mode 0700"
if grep -q "$PW" "$ACC"; then
	fail "the account file holds no password"
else
	pass "the account file holds no password"
fi
grep -q '^token=[0-9a-f]\{64\}$' "$ACC"
ok $? "the account file holds the token"
is "$(sed -n 's/^cacert=//p' "$ACC")" "$CA" "the CA file is kept, as an absolute path"
is "$(sed -n 's/^url=//p' "$ACC")" "$URL" "the server address is kept"
is "$(sed -n 's/^device=//p' "$ACC")" a-device "the device name is kept"

crun b login "$URL" boss --cacert "$CA" <"$tmp/.pw"
exit_is 0 "an office user logs in"
is "$out" "logged in to $URL as boss (office, all counties)" "... and sees every county"
is "$(sed -n 's/^device=//p' "$tmp/c/b/config/duban/account")" "$(hostname)" "the device defaults to the host name"

# ---------------------------------------------------------------- whoami
crun a whoami
exit_is 0 "whoami exits 0"
like "$out" "user:     li" "whoami: user"
like "$out" "role:     inspector" "whoami: role"
like "$out" "counties: 甲县" "whoami: counties"
like "$out" "server:   $URL" "whoami: server"
like "$out" "device:   a-device" "whoami: device"
like "$out" "expires:  2026-09-13 08:00" "whoami: the token expires in 90 days"

# In Chinese the role and "all counties" are display names, not the
# server's words (the catalogue compiled from po/zh_CN.po).
if command -v msgfmt >/dev/null 2>&1 && locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\{0,1\}8$' &&
	mkdir -p "$tmp/locale/zh_CN/LC_MESSAGES" &&
	msgfmt -o "$tmp/locale/zh_CN/LC_MESSAGES/duban.mo" "$top_srcdir/po/zh_CN.po"; then
	LC_ALL=zh_CN.UTF-8 DUBAN_LOCALEDIR=$tmp/locale
	export DUBAN_LOCALEDIR
	crun a whoami
	like "$out" "角色：    核查人员" "zh_CN: whoami shows the role's display name"
	crun z login "$URL" boss --cacert "$CA" <"$tmp/.pw"
	like "$out" "（整改办，全部行政区域）" "zh_CN: login shows the role's display name"
	LC_ALL=C.UTF-8
	unset DUBAN_LOCALEDIR
else
	skip "no msgfmt or zh_CN.UTF-8 locale"
	skip "no msgfmt or zh_CN.UTF-8 locale"
fi

# A token file others may read is tightened, with a warning.
chmod 644 "$ACC"
crun a whoami
exit_is 0 "whoami with a loose account file still works"
like "$err" "was readable by other users; its mode is now 0600" "... and warns"
is "$(mode "$ACC")" 600 "... and puts the mode back to 0600"

# ---------------------------------------------------------------- refusals
printf 'not-the-password\n' >"$tmp/.badpw"
crun c login "$URL" li --cacert "$CA" <"$tmp/.badpw"
exit_is 8 "a wrong password exits 8"
like "$err" "did not accept user li with this password" "... and says the password or user is wrong"
[ ! -e "$tmp/c/c/config/duban/account" ]
ok $? "... and writes no account file"

crun c login "$URL" nobody --cacert "$CA" <"$tmp/.pw"
exit_is 8 "an unknown user exits 8 too"

# Another CA, which did not sign the server's certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/other.key" -out "$tmp/other.pem" -days 30 \
	-subj '/CN=another CA' >/dev/null 2>&1
crun c login "$URL" li --cacert "$tmp/other.pem" <"$tmp/.pw"
exit_is 10 "a CA that did not sign the certificate: exit 10 (not 7, offline)"
like "$err" "is not signed by the CA in $tmp/other.pem" "... names the CA file"
like "$err" "--cacert" "... and the option to fix it"
[ ! -e "$tmp/c/c/config/duban/account" ]
ok $? "... and keeps nothing"

# Only the system's CAs: the test CA is not among them.
crun c login "$URL" li <"$tmp/.pw"
exit_is 10 "no --cacert for a private CA: exit 10"
like "$err" "is not trusted" "... the certificate is not trusted"
like "$err" "pass --cacert FILE" "... says to pass --cacert FILE"

crun c login "http://duban.example.org:$PORT" li --insecure-http <"$tmp/.pw"
exit_is 2 "plain http to a host that is not loopback is refused (exit 2)"
like "$err" "plain http:// to duban.example.org is refused" "... with the reason"
crun c login "http://127.0.0.1:$PORT" li <"$tmp/.pw"
exit_is 2 "plain http to loopback without --insecure-http is refused"
like "$err" "needs --insecure-http" "... and names the option"
crun c login "https://127.0.0.1:$PORT" <"$tmp/.pw"
exit_is 2 "login with an address and no user: usage error"

crun c login https://127.0.0.1:1 li --cacert "$CA" <"$tmp/.pw"
exit_is 7 "nobody listening: exit 7 (offline)"
like "$err" "cannot connect to 127.0.0.1:1" "... says it cannot connect"
crun c login https://no-such-host.invalid li --cacert "$CA" <"$tmp/.pw"
exit_is 7 "an unknown host: exit 7"
like "$err" "cannot find the server no-such-host.invalid: check the address or your network" "... says so"

# ---------------------------------------------------------------- logout
TOKEN=$(sed -n 's/^token=//p' "$ACC")
crun a logout
exit_is 0 "logout exits 0"
is "$out" "logged out of $URL" "logout says so"
grep -q '^token=' "$ACC"
[ $? -ne 0 ]
ok $? "the token is gone from the account file"
is "$(sed -n 's/^user=//p' "$ACC")" li "the user stays for the next login"
api GET me
code_is 401 unauthorized "the server revoked the token"
crun a whoami
exit_is 8 "whoami after logout exits 8"
like "$err" "not logged in: run duban login $URL li" "... and says how to log in again"

# Logging in again without arguments: the same server, user and CA.
crun a login <"$tmp/.pw"
exit_is 0 "login again without arguments"
is "$out" "logged in to $URL as li (inspector, 甲县)" "... to the same server as the same user"
is "$(sed -n 's/^device=//p' "$ACC")" a-device "... keeping the device name"

# ---------------------------------------------------------------- expiry
# 91 days on, the token has expired; the server moved to another port.
stop_server
SRV_NOW=2026-09-14T08:00:00Z
start_server
sed "s|^url=.*|url=$URL|" "$ACC" >"$tmp/.acc" && cat "$tmp/.acc" >"$ACC"
crun a whoami
exit_is 8 "an expired token: exit 8"
like "$err" "has expired: log in again with duban login" "... says to log in again"
crun a login <"$tmp/.pw"
exit_is 0 "login again after expiry"
crun a whoami
exit_is 0 "whoami works again"
like "$out" "expires:  2026-12-13 08:00" "... with a new expiry"

# ---------------------------------------------------------------- offline logout
kill_server
crun a logout
exit_is 0 "logout with the server down still exits 0"
like "$err" "could not revoke the token on the server" "... says the server was not told"
grep -q '^token=' "$ACC"
[ $? -ne 0 ]
ok $? "... and forgets the token all the same"

# Nothing printed ever showed the password.
if grep -q "$PW" "$CLIENT_ERR" "$tmp/.out" 2>/dev/null; then
	fail "the password never appears in the output"
else
	pass "the password never appears in the output"
fi

stop_server
if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:\|UndefinedBehaviorSanitizer' "$CLIENT_ERR"; then
	fail "no sanitizer report from the client"
	grep -A20 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$CLIENT_ERR" | head -40 | sed 's/^/#   /'
else
	pass "no sanitizer report from the client"
fi
echo "1..$tests_run"
[ "$tests_failed" -eq 0 ]
