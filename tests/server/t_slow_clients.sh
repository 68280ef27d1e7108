#!/bin/sh
# Slow and idle clients (issue 12, item 5): with the default limits, 320 idle
# TLS connections from five loopback addresses and five clients dripping a
# TLS handshake one byte a second must not keep a normal client out, and the
# drippers are cut at the head deadline (10 s).  Then, with short deadlines,
# a body that trickles in is cut while a normal upload still works.
. "$(dirname "$0")/lib.sh"

SLOWPOKE=${SLOWPOKE:-$top_builddir/tests/server/slowpoke}
if [ ! -x "$SLOWPOKE" ]; then
	echo "1..0 # SKIP $SLOWPOKE not built"
	exit 0
fi

add_user li inspector 甲县 || exit 1
start_server
TOKEN=$(login li "$PW")

# The attack, from 127.0.0.2 … 127.0.0.6: 64 idle connections each (the
# per-address limit; 320 in all, more than the 256 the server takes), and
# one dripping handshake each.
for a in 2 3 4 5 6; do
	"$SLOWPOKE" 127.0.0.$a "$PORT" 64 idle 14 >"$tmp/idle.$a" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	"$SLOWPOKE" 127.0.0.$a "$PORT" 1 drip 14 >"$tmp/drip.$a" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
done
sleep 1
# A normal client: answered within 8 s (a few tries of at most 2 s each).
answered=no
start=$(date +%s)
while [ $(($(date +%s) - start)) -lt 8 ]; do
	if health_ok "$URL" 2>/dev/null; then
		answered=yes
		break
	fi
	sleep 0.5
done
is "$answered" yes "a normal client is answered while 320 idle and 5 dripping connections come in"
api GET me
code_is 200 "... and an authenticated request too"
wait_bg() {
	for p in $BG_PIDS; do
		wait "$p" 2>/dev/null
	done
	BG_PIDS=
}
wait_bg
drips_cut=0
for a in 2 3 4 5 6; do
	grep -q '^closed 1 of 1' "$tmp/drip.$a" && drips_cut=$((drips_cut + 1))
done
is "$drips_cut" 5 "the five dripping handshakes were cut within 14 s"
diag "drip: $(cat "$tmp"/drip.* | grep closed | tr '\n' ';')"
diag "idle: $(cat "$tmp"/idle.* | grep closed | tr '\n' ';')"
stop_server

# ---- bodies: 3 s, then at least 8 KiB/s
start_server --head-timeout 3 --body-timeout 3
TOKEN=$(login li "$PW")
{
	printf 'PUT /api/v1/blobs/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n' \
		"$(printf 'x' | sha256sum | cut -d' ' -f1)" "$TOKEN"
	i=0
	while [ $i -lt 20 ]; do
		printf 'x'
		sleep 1
		i=$((i + 1))
	done
} 2>/dev/null | timeout 25 openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$CA" >"$tmp/slowbody.out" 2>&1 &
sb=$!
BG_PIDS="$BG_PIDS $sb"
start=$(date +%s)
wait "$sb"
took=$(($(date +%s) - start))
BG_PIDS=
[ "$took" -le 8 ]
ok $? "a body trickling in at 1 byte/s is cut after the body deadline (${took} s)"
head -c 200000 /dev/urandom >"$tmp/photo.jpg"
h=$(sha256sum "$tmp/photo.jpg" | cut -d' ' -f1)
req -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/octet-stream' \
	--limit-rate 50k --data-binary @"$tmp/photo.jpg" "$URL/api/v1/blobs/$h"
code_is 201 "a 200 kB upload at 50 kB/s (4 s) still goes through"
# idle and dripping connections on a server that is not busy: the head deadline
"$SLOWPOKE" 127.0.0.7 "$PORT" 3 idle 6 >"$tmp/idle.short" &
ip=$!
"$SLOWPOKE" 127.0.0.8 "$PORT" 2 drip 6 >"$tmp/drip.short"
wait "$ip"
like "$(cat "$tmp/idle.short")" "closed 3 of 3" "idle connections are closed after --head-timeout"
like "$(cat "$tmp/drip.short")" "closed 2 of 2" "dripping handshakes are closed after --head-timeout"
done_testing
