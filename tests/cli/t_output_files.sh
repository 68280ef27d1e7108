#!/bin/sh
# Where `-o PATH` writes (issue 12 #12, #13): a regular file is replaced only
# when complete, a symbolic link is written through (the link stays), a FIFO
# and a character device are written directly (never replaced by a regular
# file), a directory is refused; `-o -` is standard output.  A ledger made
# with --db is private (0600), and so are its -wal and -shm files.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

make_ledger || exit 99

mode_of() {
	stat -c %a "$1"
}

# ---- 13: a new ledger and its -wal/-shm files are 0600 whatever the umask
(umask 022 && "$DUBAN" --db "$tmp/new.db" add --code M-1 --title mode >/dev/null 2>&1 &&
	"$DUBAN" --db "$tmp/new.db" list >/dev/null)
is "$(mode_of "$tmp/new.db")" 600 "a ledger made with --db is 0600 under umask 022"
# A reader that keeps the ledger open leaves the WAL files behind to look at.
(umask 022 && "$DUBAN" --db "$tmp/new2.db" list >/dev/null 2>&1)
is "$(mode_of "$tmp/new2.db")" 600 "a ledger made by a read-only command is 0600"
# Another connection keeps the ledger open, so the -wal and -shm files that
# duban makes are still there to look at.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import sqlite3' 2>/dev/null; then
	modes=$(python3 - "$tmp/new3.db" "$DUBAN" <<'PY' 2>&1
import os, subprocess, sys, sqlite3
db, duban = sys.argv[1], sys.argv[2]
os.umask(0o022)
subprocess.run([duban, "--db", db, "list"], stdout=subprocess.DEVNULL, check=True)
c = sqlite3.connect(db)
c.execute("select count(*) from sqlite_master").fetchall()
subprocess.run([duban, "--db", db, "add", "--code", "W-1", "--title", "wal"],
               stdout=subprocess.DEVNULL, check=True)
print(" ".join(oct(os.stat(db + s).st_mode & 0o777) if os.path.exists(db + s) else "absent"
               for s in ("-wal", "-shm")))
PY
)
	is "$modes" "0o600 0o600" "its -wal and -shm files are 0600"
else
	skip "python3 with sqlite3 needed to keep the -wal file open"
fi
chmod 644 "$tmp/new.db"
d --db "$tmp/new.db" list >/dev/null 2>&1
"$DUBAN" --db "$tmp/new.db" list >/dev/null 2>&1
is "$(mode_of "$tmp/new.db")" 644 "an existing ledger keeps its mode"

# ---- 12: -o PATH for every writer: export csv/json/xlsx, public, report
# The character device: as root, a null device of the test's own, since a
# duban with the bug (as root) replaces the device node with a regular file
# and /dev/null must not be the one lost; otherwise /dev/null, which a user
# cannot replace.
CHARDEV=/dev/null
if [ "$(id -u)" = 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null; then
	CHARDEV=$tmp/null
fi
check_outputs() { # NAME ARGS...: the command with -o appended
	name=$1
	shift
	# a regular file is replaced
	echo old >"$tmp/out.$name"
	run d "$@" -o "$tmp/out.$name"
	exit_is 0 "$name: -o FILE"
	[ "$(cat "$tmp/out.$name")" != old ] && [ -f "$tmp/out.$name" ]
	ok $? "$name: a regular file is replaced"

	# a symbolic link is written through, not replaced
	mkdir -p "$tmp/real.$name"
	echo old >"$tmp/real.$name/target.$name"
	ln -sf "$tmp/real.$name/target.$name" "$tmp/link.$name"
	run d "$@" -o "$tmp/link.$name"
	exit_is 0 "$name: -o SYMLINK"
	[ -L "$tmp/link.$name" ]
	ok $? "$name: the symbolic link is still a link"
	[ "$(cat "$tmp/real.$name/target.$name")" != old ]
	ok $? "$name: the file it names got the output"
	ls "$tmp/real.$name" >"$tmp/.ls"
	is "$(cat "$tmp/.ls")" "target.$name" "$name: no temporary file left beside the target"

	# a dangling symbolic link is refused and left alone
	ln -sf "$tmp/nowhere/x" "$tmp/dangling.$name"
	run d "$@" -o "$tmp/dangling.$name"
	[ "$rc" -ne 0 ] && [ -L "$tmp/dangling.$name" ]
	ok $? "$name: a symbolic link to nothing is refused, not replaced"

	# a FIFO is written to, not replaced
	rm -f "$tmp/fifo.$name"
	mkfifo "$tmp/fifo.$name"
	cat "$tmp/fifo.$name" >"$tmp/fifo.$name.got" &
	reader=$!
	run timeout 60 "$DUBAN" --db "$DB" "$@" -o "$tmp/fifo.$name"
	exit_is 0 "$name: -o FIFO"
	# The reader is still blocked in open when duban never opened the pipe.
	i=0
	while kill -0 "$reader" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$reader" 2>/dev/null
	wait "$reader"
	[ -p "$tmp/fifo.$name" ]
	ok $? "$name: the FIFO is still a FIFO"
	[ -s "$tmp/fifo.$name.got" ]
	ok $? "$name: the reader of the FIFO got the output"

	# a character device is written to, not replaced
	run d "$@" -o "$CHARDEV"
	exit_is 0 "$name: -o $CHARDEV"
	[ -c "$CHARDEV" ]
	ok $? "$name: $CHARDEV is still a character device"

	# a directory is refused
	mkdir -p "$tmp/dir.$name"
	run d "$@" -o "$tmp/dir.$name"
	[ "$rc" -ne 0 ] && [ -d "$tmp/dir.$name" ]
	ok $? "$name: a directory is refused"
	like "$err" "$tmp/dir.$name" "$name: the refusal names the path"

	# - is standard output
	run d "$@" -o -
	exit_is 0 "$name: -o -"
	[ -n "$out" ] && [ ! -e ./- ]
	ok $? "$name: -o - writes to standard output"
}

check_outputs csv export --format csv
check_outputs json export --format json
check_outputs xlsx export --format xlsx
check_outputs public export --public --format csv
check_outputs publicxlsx export --public --format xlsx
check_outputs report report --period month --format text
d dispatch open 2026-06 --due 2026-06-20 >/dev/null
check_outputs dispatch dispatch status 2026-06 --format csv
check_outputs dispatchxlsx dispatch status 2026-06 --format xlsx

done_testing
