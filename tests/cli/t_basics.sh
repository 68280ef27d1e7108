#!/bin/sh
# Global options, help, version, usage errors, the ledger path and the role.
. "$(dirname "$0")/lib.sh"

run "$DUBAN" --version
exit_is 0 "--version exits 0"
like "$out" "duban " "--version prints the name"
case $out in
"duban "[0-9]*) pass "--version prints a version number" ;;
*) fail "--version prints a version number"; diag "$out" ;;
esac

run "$DUBAN" --help
exit_is 0 "--help exits 0"
for c in list show add edit note status inspect action import export demo; do
	like "$out" "  $c " "--help lists $c"
done
like "$out" "--db PATH" "--help shows the global options"

for c in list show add edit note status inspect action import export demo; do
	run "$DUBAN" "$c" --help
	if [ "$rc" = 0 ] && [ -n "$out" ]; then pass "$c --help"; else fail "$c --help"; diag "$err"; fi
done
run "$DUBAN" help list
exit_is 0 "help list exits 0"
like "$out" "--due-before" "help list shows the filters"

run d --frobnicate
exit_is 2 "unknown global option exits 2"
like "$err" "duban: unknown option '--frobnicate'" "unknown global option is named"

run d list --frobnicate
exit_is 2 "unknown list option exits 2"
like "$err" "see \`duban list --help\`" "unknown option points at the help"

run d list --limit
exit_is 2 "missing argument exits 2"
like "$err" "needs a value" "missing argument is explained"

run d frobnicate
exit_is 2 "unknown command exits 2"
like "$err" "unknown command 'frobnicate'" "unknown command is named"

run d show
exit_is 2 "show without a code exits 2"

run d list --sort sideways
exit_is 2 "unknown sort key exits 2"
run d list --format xml
exit_is 2 "unknown format exits 2"

run d list
exit_is 0 "list of a new ledger exits 0"
like "$out" "0 items" "an empty ledger lists 0 items"
[ -f "$DB" ]; ok $? "--db creates the ledger file"

# The ledger path: --db, else $DUBAN_DB, else XDG_DATA_HOME.
DUBAN_DB=$tmp/env.db "$DUBAN" add --code E-1 --title env >/dev/null 2>&1
[ -f "$tmp/env.db" ]; ok $? "DUBAN_DB names the ledger"
XDG_DATA_HOME=$tmp/xdg "$DUBAN" add --code X-1 --title xdg >/dev/null 2>&1
[ -f "$tmp/xdg/duban/ledger.db" ]; ok $? "the default ledger is under XDG_DATA_HOME"
"$DUBAN" add --code H-1 --title home >/dev/null 2>&1
[ -f "$HOME/.local/share/duban/ledger.db" ]; ok $? "without XDG_DATA_HOME it is under ~/.local/share"
run env DUBAN_DB=$tmp/env.db "$DUBAN" --db "$DB" show E-1
exit_is 3 "--db wins over DUBAN_DB"

run env DUBAN_ROLE=emperor "$DUBAN" --db "$DB" list
exit_is 2 "an unknown DUBAN_ROLE exits 2"
like "$err" "DUBAN_ROLE" "the bad role is explained"

d add --code R-1 --title role >/dev/null
run env DUBAN_ROLE=viewer "$DUBAN" --db "$DB" edit R-1 --title changed
exit_is 4 "a viewer may not edit items"
run env DUBAN_ROLE=viewer "$DUBAN" --db "$DB" note R-1 text
exit_is 4 "a viewer may not add notes"
run env DUBAN_ROLE=viewer "$DUBAN" --db "$DB" add --code V-1 --title viewer
exit_is 4 "a viewer may not add items"
run d show V-1
exit_is 3 "nothing was added by the viewer"
todo=

mkdir -p "$tmp/ro"
printf 'not a database at all, not even close to one......................\n' >"$tmp/ro/bad.db"
run "$DUBAN" --db "$tmp/ro/bad.db" list
exit_is 5 "a file that is not a ledger exits 5"
like "$err" "duban: " "the database error is reported"
[ "$(printf '%s\n' "$err" | grep -o "bad.db" | wc -l)" = 1 ]
ok $? "the ledger is named once, not twice (\"cannot open … : cannot open …\")"

done_testing
