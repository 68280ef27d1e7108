#!/bin/sh
# A certificate that cannot be verified is not "offline" (issue 12 #16): a
# client logged in with one CA syncs with a server whose certificate comes
# from another CA (someone in between, or a server re-keyed without telling
# anyone).  duban sync exits 10, not 7 (which cron wrappers take as benign),
# and says why; with the server down it still exits 7.
. "$(dirname "$0")/lib.sh"

add_user li office || exit 1
start_server
login_client c li || exit 1
sync_client c -q
exit_is 0 "a sync with the right CA"

# The same server address, now with a certificate from another CA.
mkdir -p "$tmp/other"
(
	cd "$tmp/other" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
		-subj '/CN=another CA' -addext 'basicConstraints=critical,CA:TRUE' \
		-addext 'keyUsage=critical,keyCertSign,cRLSign' &&
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out server.pem -days 30 -extfile "$tmp/server.ext"
) >"$tmp/other.log" 2>&1 || {
	echo "Bail out! openssl could not make the second CA"
	exit 1
}
chmod 600 "$tmp/other/server.key"
stop_server
first_url=$URL
CA_FIRST=$CA
CA=$tmp/other/ca.pem CERT=$tmp/other/server.pem KEY=$tmp/other/server.key
start_server
CA=$CA_FIRST
# The account names the first server's port: point it at the new one.
sed -i "s|^url=$first_url\$|url=$URL|" "$tmp/c/c/config/duban/account"
grep -q "^url=$URL\$" "$tmp/c/c/config/duban/account"
ok $? "(the account points at the new server)"

sync_client c -q
exit_is 10 "a certificate from another CA: duban sync exits 10"
like "$err" "is not signed by the CA in" "... and says the certificate is not signed by the CA"
sync_client c --pull-only -q
exit_is 10 "... --pull-only too"
crun c whoami
exit_is 10 "... and whoami"

stop_server
sync_client c -q
exit_is 7 "with the server down it is still 7 (offline)"
SRV_PID=

done_testing
