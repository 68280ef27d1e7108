#!/bin/sh
# duband's TLS (issue 12, items 14 and 15): only TLS 1.3, and TLS 1.2 with
# forward-secret AEAD suites; --tls-priority overrides; a key file others can
# read is refused unless --allow-open-key.
. "$(dirname "$0")/lib.sh"

# handshake ARGS...: 0 when openssl s_client completes a handshake with
# these options.  SECLEVEL=0 lets this client offer old versions and suites:
# only the server may refuse them.
handshake() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" "$@" \
		>"$tmp/sclient.out" 2>&1
	grep -q 'Cipher is [A-Z]' "$tmp/sclient.out"
}

# ---- item 14: versions and suites
start_server
handshake -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
ok $((! $?)) "TLS 1.0 is refused"
handshake -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
ok $((! $?)) "TLS 1.1 is refused"
handshake -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0'
ok $((! $?)) "TLS 1.2 with static RSA and CBC (AES128-SHA) is refused"
handshake -tls1_2 -cipher 'AES128-GCM-SHA256:AES256-GCM-SHA384'
ok $((! $?)) "TLS 1.2 with static RSA key exchange (AES128-GCM-SHA256) is refused"
handshake -tls1_2 -cipher 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA'
ok $((! $?)) "TLS 1.2 ECDHE with CBC is refused"
handshake -tls1_3
ok $? "TLS 1.3 is accepted"
handshake -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256'
ok $? "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 is accepted"
handshake -tls1_2 -cipher 'ECDHE-RSA-CHACHA20-POLY1305'
ok $? "TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305 is accepted"
health_ok
ok $? "curl's default handshake still works"
stop_server

start_server --tls-priority 'NORMAL:+VERS-TLS1.2:-VERS-TLS1.3'
handshake -tls1_3
ok $((! $?)) "--tls-priority NORMAL:-VERS-TLS1.3 turns TLS 1.3 off"
handshake -tls1_2 -cipher 'AES128-GCM-SHA256'
ok $? "... and lets static RSA back in, as asked"
stop_server
run timeout 5 "$DUBAND" serve --listen 127.0.0.1:0 --tls-cert "$CERT" --tls-key "$KEY" --data "$DATA" --tls-priority 'NOT-A-PRIORITY'
[ "$rc" = 1 ]
ok $? "a --tls-priority GnuTLS cannot read is refused at start"
like "$err" "tls-priority" "... naming the option"

# ---- item 15: the key file's mode
chmod 640 "$KEY"
run timeout 5 "$DUBAND" serve --listen 127.0.0.1:0 --tls-cert "$CERT" --tls-key "$KEY" --data "$DATA"
[ "$rc" = 1 ]
ok $? "serve refuses a key file readable by its group"
like "$err" "$KEY" "... naming the file"
like "$err" "chmod 600" "... and the fix"
chmod 604 "$KEY"
run timeout 5 "$DUBAND" serve --listen 127.0.0.1:0 --tls-cert "$CERT" --tls-key "$KEY" --data "$DATA"
[ "$rc" = 1 ]
ok $? "serve refuses a key file readable by others"
start_server --allow-open-key
pass "--allow-open-key serves with it all the same"
stop_server
chmod 600 "$KEY"

done_testing
