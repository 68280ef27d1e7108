#!/bin/sh
# duband serve --config FILE: the file's KEY VALUE lines are serve's options,
# checked as the options are; the command line overrides them; store is
# --store: sqlite:DIR, or a PostgreSQL URL (which needs blobs).
. "$(dirname "$0")/../server/lib.sh"

conf=$tmp/duband.conf
store="$tmp/store dir"
PORT=$(random_port)
URL=https://127.0.0.1:$PORT

# A file with every kind of line: comment, blank, "KEY VALUE", "KEY =
# VALUE", a quoted value with a space and an escaped quote-free path.
cat >"$conf" <<EOC
# the service's settings

listen 127.0.0.1:$PORT
tls-cert $CERT
tls-key = $KEY
store "sqlite:$store"
log $tmp/access from config.log
max-ops 2
trust-proxy no
EOC

# serve_bg ARGS...: duband serve ARGS in the background (SRV_PID), waiting
# until URL answers health or the server exits.
serve_bg() {
	SRV_N=$((SRV_N + 1))
	SRV_ERR=$tmp/server.$SRV_N.err
	"$DUBAND" serve "$@" >"$tmp/server.$SRV_N.out" 2>"$SRV_ERR" &
	SRV_PID=$!
	_w=0
	while [ $_w -lt 200 ] && ! health_ok; do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
		_w=$((_w + 1))
	done
}

# ---------------------------------------------------------------- from the file alone
DATA=$store
add_user boss office || exit 1
serve_bg --config "$conf"
if health_ok; then pass "the server starts from the file alone"; else fail "the server starts from the file alone"; sed 's/^/# /' "$SRV_ERR"; fi
like "$(cat "$SRV_ERR")" "sqlite store $store)" "store sqlite:DIR is the data directory, a quoted value keeps its space"
[ -s "$tmp/access from config.log" ]
ok $? "log names the access log"
login_as boss
ops=
for i in 1 2 3; do ops="$ops$(op_create "$(uuid)" "$(uuid)" "C-$i" 甲县),"; done
push ${ops%,}
is "$code" 413 "max-ops 2 from the file: 3 ops are refused"
stop_server

# ---------------------------------------------------------------- the command line wins
PORT2=$(random_port)
serve_bg --config "$conf" --listen "127.0.0.1:$PORT2" --max-ops 5
! health_ok
ok $? "--listen on the command line: not on the file's port"
URL=https://127.0.0.1:$PORT2
health_ok
ok $? "--listen on the command line: on its own port"
login_as boss
push ${ops%,}
is "$code" 200 "--max-ops 5 on the command line overrides the file's 2"
stop_server
# --config=FILE, and the options before it read as well.
PORT3=$(random_port)
serve_bg --max-ops 5 --config="$conf" --listen "127.0.0.1:$PORT3"
URL=https://127.0.0.1:$PORT3
health_ok
ok $? "--config=FILE, options on both sides of it"
stop_server

# ---------------------------------------------------------------- mistakes stop it before it listens
# bad LINE MESSAGE: a file of the good lines with LINE appended (printf
# format) fails with exit 2 and MESSAGE naming the file and line 10.
bad() {
	cp "$conf" "$tmp/bad.conf"
	printf "$1\n" >>"$tmp/bad.conf"
	run "$DUBAND" serve --config "$tmp/bad.conf"
	is "$rc" 2 "'$(printf "$1" | tr '\000' '@')': exit 2"
	like "$err" "$2" "'$(printf "$1" | tr '\000' '@')': says $2"
}
bad 'listen-on 0.0.0.0:1' "bad.conf:10: unknown key 'listen-on'"
bad 'max-ops many' "--max-ops: expected a count from 1 to 1000000, got 'many'"
bad 'store postgresql://duband@localhost/duban' "serve with a PostgreSQL store needs --blobs DIR"
bad 'trust-proxy maybe' "bad.conf:10: trust-proxy: expected yes or no"
bad 'log "/tmp/open' "bad.conf:10: log: the quoted value is not closed"
bad 'timeout' "bad.conf:10: timeout needs a value"
bad 'max-ops 3\000' "bad.conf:10: NUL byte in line"
run "$DUBAND" serve --config "$tmp/nowhere.conf"
is "$rc" 2 "a missing file: exit 2"
like "$err" "cannot read $tmp/nowhere.conf: No such file" "a missing file is named"
run "$DUBAND" serve --config "$conf" --config "$conf"
is "$rc" 2 "two --config: exit 2"
run "$DUBAND" serve --conf "$conf"
is "$rc" 2 "--conf, an abbreviation: exit 2"
like "$err" "write --config in full" "an abbreviated --config is not taken for another option"
run "$DUBAND" serve --listen 127.0.0.1:1 --config
is "$rc" 2 "--config without a file: exit 2"
like "$err" "option '--config' needs a value" "--config without a file is named"
# The command line completes a file that lacks something.
grep -v '^listen' "$conf" >"$tmp/nolisten.conf"
run "$DUBAND" serve --config "$tmp/nolisten.conf"
like "$err" "serve needs --listen" "a file without listen: serve asks for --listen"
# Without --config no file is read, even one that exists where the service's is.
run "$DUBAND" serve --help
like "$out" "--config FILE" "--help names --config"

done_testing
