#!/bin/sh
# Installing: `make install DESTDIR=...` from the build tree puts every file
# where it belongs and `make uninstall` takes them all away; --version names
# the build and the libraries; the build id's sources; the bash completion
# (sourced in a bare bash, without the bash-completion package).
. "$(dirname "$0")/lib.sh"

MAKE=${MAKE:-make}
bash_ok=
command -v bash >/dev/null 2>&1 && bash_ok=1

# ---------------------------------------------------------------- --version
run "$DUBAN" --version
exit_is 0 "duban --version exits 0"
line1=$(printf '%s\n' "$out" | sed -n 1p)
line2=$(printf '%s\n' "$out" | sed -n 2p)
line3=$(printf '%s\n' "$out" | sed -n 3p)
id=$(printf '%s\n' "$line1" | sed -n 's/^duban [0-9][0-9.]* (\([A-Za-z0-9._+-]*\))$/\1/p')
if [ -n "$id" ]; then pass "first line: duban VERSION (BUILD)"; else fail "first line: duban VERSION (BUILD)"; diag "$line1"; fi

# The id names the source the binary was built from: in a git checkout, a
# commit of it (the tree may have moved on since the build).
if [ -e "$top_srcdir/.git" ] && git --no-optional-locks -C "$top_srcdir" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	if git --no-optional-locks -C "$top_srcdir" rev-parse -q --verify "${id%-dirty}^{commit}" >/dev/null 2>&1; then
		pass "the build id is git describe of the source tree"
	else
		fail "the build id is git describe of the source tree"
		diag "$id names no commit of $top_srcdir"
	fi
elif [ -f "$top_srcdir/.build-id" ]; then
	is "$id" "$(sed -n 1p "$top_srcdir/.build-id")" "the build id is the one the tarball recorded"
else
	is "$id" unknown "no git, no .build-id: the build id is unknown"
fi
for lib in "SQLite 3." "ncurses " "libcurl " "libxlsxwriter " "cJSON " "libzip " "expat " "zlib "; do
	like "$line2" "$lib" "--version names the library $lib"
done
case $line3 in
"build: sanitizers on, "* | "build: sanitizers off, "*) pass "--version says whether sanitizers are on" ;;
*) fail "--version says whether sanitizers are on"; diag "$line3" ;;
esac
like "$line3" "compiler " "--version names the compiler"

DUBAND=${DUBAND:-$top_builddir/duband}
if [ -x "$DUBAND" ]; then
	run "$DUBAND" --version
	is "$(printf '%s\n' "$out" | sed -n 1p)" "$(printf '%s\n' "$line1" | sed 's/^duban /duband /')" \
		"duband --version names the same build"
	like "$out" "libmicrohttpd 0." "duband --version names libmicrohttpd"
	like "$out" "protocol " "duband --version names the protocol"
else
	skip "duband not built"
	skip "duband not built"
	skip "duband not built"
fi

# ---------------------------------------------------------------- build id
gen=$top_srcdir/contrib/build-id.sh
mkdir -p "$tmp/src-tarball" "$tmp/src-none"
echo "v9.9-3-gabcdef1" >"$tmp/src-tarball/.build-id"
is "$(sh "$gen" id "$tmp/src-tarball")" "v9.9-3-gabcdef1" "build-id.sh: a tarball's .build-id"
is "$(sh "$gen" id "$tmp/src-none")" "unknown" "build-id.sh: neither git nor .build-id gives unknown"
sh "$gen" header "$tmp/src-tarball" "$tmp/build-id.h"
is "$(cat "$tmp/build-id.h")" '#define DUBAN_BUILD_ID "v9.9-3-gabcdef1"' "build-id.sh writes the header"
# An unchanged id leaves the header alone, so make recompiles nothing.
touch -t 200001010000 "$tmp/build-id.h"
touch -t 200101010000 "$tmp/later"
sh "$gen" header "$tmp/src-tarball" "$tmp/build-id.h"
if [ "$tmp/build-id.h" -nt "$tmp/later" ]; then fail "an unchanged id does not touch the header"; else pass "an unchanged id does not touch the header"; fi
echo "v9.9-4-g1234567" >"$tmp/src-tarball/.build-id"
sh "$gen" header "$tmp/src-tarball" "$tmp/build-id.h"
if [ "$tmp/build-id.h" -nt "$tmp/later" ]; then pass "a new id rewrites the header"; else fail "a new id rewrites the header"; fi

# ---------------------------------------------------------------- install
if [ ! -f "$top_builddir/Makefile" ]; then
	skip "make install: not in a build tree"
else
	dirs=$($MAKE -s --no-print-directory -C "$top_builddir" print-install-dirs 2>"$tmp/dirs.err")
	ok $? "make print-install-dirs"
	for v in version bindir mandir pkgdatadir localedir USE_NLS docdir bashcompletiondir \
		systemdsystemunitdir build_server install_completion install_unit; do
		val=$(printf '%s\n' "$dirs" | sed -n "s/^$v=//p")
		eval "$v=\$val"
	done
	root=$tmp/root
	$MAKE -C "$top_builddir" install DESTDIR="$root" BUILD_ID_FROZEN=1 >"$tmp/install.log" 2>&1
	rc=$?
	ok $rc "make install DESTDIR=..."
	[ "$rc" -eq 0 ] || tail -20 "$tmp/install.log" | sed 's/^/# /'

	# exists KIND PATH NAME
	exists() {
		if [ "$1" "$2" ]; then pass "$3"; else fail "$3"; diag "missing: $2"; fi
	}
	exists -x "$root$bindir/duban" "duban installed in bindir, executable"
	run "$root$bindir/duban" --version
	is "$(printf '%s\n' "$out" | sed -n 1p)" "$line1" "the installed duban runs and names the same build"
	exists -f "$root$mandir/man1/duban.1" "man page duban(1)"
	exists -f "$root$mandir/man5/dubanrc.5" "man page dubanrc(5)"
	n=0
	for t in default dark light mono high-contrast; do
		cmp -s "$top_srcdir/themes/$t.theme" "$root$pkgdatadir/themes/$t.theme" && n=$((n + 1))
	done
	is "$n" 5 "the 5 themes in pkgdatadir/themes"
	n=0
	for t in reminder.txt notice.txt circular.txt summons.txt accountability.txt letter.html; do
		cmp -s "$top_srcdir/contrib/templates/$t" "$root$pkgdatadir/templates/$t" && n=$((n + 1))
	done
	is "$n" 6 "the 6 letter templates in pkgdatadir/templates"
	n=0
	for f in README.md doc/PROTOCOL.md doc/nginx-duband.conf; do
		cmp -s "$top_srcdir/$f" "$root$docdir/${f#doc/}" && n=$((n + 1))
	done
	is "$n" 3 "README, PROTOCOL.md and the nginx example in docdir"
	if [ "$USE_NLS" = yes ]; then
		exists -f "$root$localedir/zh_CN/LC_MESSAGES/duban.mo" "the zh_CN catalogue in localedir"
	else
		skip "built without translations"
	fi
	if [ "$install_completion" = yes ]; then
		if cmp -s "$top_srcdir/contrib/bash-completion/duban" "$root$bashcompletiondir/duban"; then
			pass "bash completion in $bashcompletiondir/duban"
		else
			fail "bash completion in $bashcompletiondir/duban"
		fi
	else
		skip "configured --with-bash-completion-dir=no"
	fi
	if [ "$build_server" = yes ]; then
		exists -x "$root$bindir/duband" "duband installed in bindir, executable"
		exists -f "$root$mandir/man8/duband.8" "man page duband(8)"
	else
		skip "duband not built"
		skip "duband not built"
	fi
	unit=$root$systemdsystemunitdir/duband.service
	if [ "$install_unit" = yes ]; then
		exists -f "$unit" "systemd unit in $systemdsystemunitdir"
		like "$(cat "$unit" 2>/dev/null)" "ExecStart=$bindir/duband serve" "the unit starts the installed duband"
		unlike "$(cat "$unit" 2>/dev/null)" "@bindir@" "no placeholder left in the unit"
	elif [ "$build_server" = yes ]; then
		skip "configured --with-systemdsystemunitdir=no"
		skip "configured --with-systemdsystemunitdir=no"
		skip "configured --with-systemdsystemunitdir=no"
	else
		if [ -e "$unit" ]; then fail "no systemd unit without duband"; else pass "no systemd unit without duband"; fi
		skip "duband not built"
		skip "duband not built"
	fi

	$MAKE -C "$top_builddir" uninstall DESTDIR="$root" BUILD_ID_FROZEN=1 >"$tmp/uninstall.log" 2>&1
	ok $? "make uninstall DESTDIR=..."
	left=$(find "$root" -type f -o -type l 2>/dev/null)
	is "$left" "" "make uninstall leaves no file behind"
	chmod -R u+w "$root" 2>/dev/null
	rm -rf "$root"
fi

# ---------------------------------------------------------------- completion
if [ -z "$bash_ok" ]; then
	skip "bash not installed: no completion tests"
	done_testing
fi

make_ledger
touch "$tmp/sheet.csv" "$tmp/sheet.xlsx"

# complete WORDS...: what the completion offers for the last word (one a
# line, sorted), from a bare bash (no rc files, no bash-completion package).
complete_words() {
	COMPLETION=$top_srcdir/contrib/bash-completion/duban bash --norc --noprofile -c '
		. "$COMPLETION" || exit 1
		complete -p duban >/dev/null || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_duban
		printf "%s\n" "${COMPREPLY[@]}"' complete "$@" | LC_ALL=C sort
}

# Every command of `duban --help`, and help.
want=$(LC_ALL=C.UTF-8 "$DUBAN" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
got=$(complete_words "$DUBAN" "")
missing=
for c in $want help; do
	printf '%s\n' "$got" | grep -qx -- "$c" || missing="$missing $c"
done
is "$missing" "" "every command of duban --help is completed"
is "$(complete_words "$DUBAN" rep)" "report" "a command from its first letters"
is "$(complete_words "$DUBAN" --d)" "--db
--demo" "global options"

# Each command's long options, as its --help lists them.
missing=
for c in $want; do
	opts=$(LC_ALL=C.UTF-8 "$DUBAN" "$c" --help 2>/dev/null |
		sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p')
	got=$(complete_words "$DUBAN" "$c" --)
	for o in $opts; do
		printf '%s\n' "$got" | grep -qx -- "$o" || missing="$missing $c:$o"
	done
done
is "$missing" "" "every long option of every command's --help is completed"

# Option values.
is "$(complete_words "$DUBAN" list --format "")" "csv
json
table" "list --format values"
is "$(complete_words "$DUBAN" report --period "")" "month
quarter
week" "report --period values"
is "$(complete_words "$DUBAN" report -p q)" "quarter" "report -p, the short option"
is "$(complete_words "$DUBAN" report --format=m)" "md" "report --format=VALUE"
is "$(complete_words "$DUBAN" list --sort "")" "code
county
deadline
light
progress
status
updated" "list --sort keys"
is "$(complete_words "$DUBAN" list --kind "")" "complaint
problem" "list --kind"
is "$(complete_words "$DUBAN" action FK-001 --kind "")" "accountability
circular
notice
reminder
summons" "action --kind: the supervision ladder"
is "$(complete_words "$DUBAN" list --status in_progress,re)" "in_progress,requested" "--status after a comma"
is "$(complete_words "$DUBAN" list --status '!cl')" "!closed" "--status with ! (excludes)"
is "$(complete_words "$DUBAN" status FK-001 "")" "closed
in_progress
not_started
publicized
requested
verified" "status CODE: the statuses"

# Files.
is "$(complete_words "$DUBAN" import sheet.)" "sheet.csv
sheet.xlsx" "import FILE: file names"
is "$(complete_words "$DUBAN" export -o sheet.x)" "sheet.xlsx" "export -o: file names"
is "$(complete_words "$DUBAN" --db ledger.d)" "ledger.db" "--db: file names"

# Item codes and counties of the ledger --db names, limited by the prefix:
# through sqlite3 when there is one, else through duban list.
for tool in sqlite3 no-sqlite3-here; do
	if [ "$tool" = sqlite3 ] && ! command -v sqlite3 >/dev/null 2>&1; then
		skip "no sqlite3 tool"; skip "no sqlite3 tool"; skip "no sqlite3 tool"; skip "no sqlite3 tool"
		continue
	fi
	export _duban_sqlite3=$tool
	is "$(complete_words "$DUBAN" --db "$DB" show FK-00)" "FK-001
FK-002
FK-003
FK-004" "show: item codes by prefix ($tool)"
	is "$(complete_words "$DUBAN" --db "$DB" note X)" "XF-001" "note: item codes ($tool)"
	is "$(complete_words "$DUBAN" --db "$DB" list --county 城)" "城关区" "--county: counties by prefix ($tool)"
	is "$(complete_words "$DUBAN" --db "$DB" report --county "")" "东川县
临江市
北岭县
城关区" "--county: every county ($tool)"
done
unset _duban_sqlite3
# A code is data, never shell: completing it runs nothing.
d add --code 'Z$(touch pwned)' --title 'x' --county 'C`touch pwned2`' >/dev/null
is "$(complete_words "$DUBAN" --db "$DB" show Z)" 'Z$(touch pwned)' "a code with \$(...) is offered as it is"
is "$(complete_words "$DUBAN" --db "$DB" list --county C)" 'C`touch pwned2`' "a county with backquotes is offered as it is"
if [ -e pwned ] || [ -e pwned2 ]; then fail "completing a code or county runs nothing"; else pass "completing a code or county runs nothing"; fi
is "$(complete_words "$DUBAN" --db "$tmp/none.db" show F)" "" "no ledger, no codes"
if [ -e "$tmp/none.db" ]; then fail "completion does not create a ledger"; else pass "completion does not create a ledger"; fi

done_testing
