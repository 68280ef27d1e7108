#!/bin/sh
# Progress on duband's long admin commands (issue 17): import draws a
# progress line on a terminal, none when stderr is not one or with -q;
# Ctrl-C stops it with exit 130 and writes nothing.  backup and restore draw
# nothing into a pipe.  (copy: tests/pg/t_copy.sh.)
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux not installed"
	exit 0
fi
. "$top_srcdir/tests/progress_lib.sh"
DUBAN=${DUBAN:-$top_builddir/duban}

# A sheet long enough that the import runs past the first redraw (250 ms).
"$DUBAN" --db "$tmp/big.db" demo --items 30000 >/dev/null 2>&1 || { echo "Bail out! demo failed"; exit 1; }
"$DUBAN" --db "$tmp/big.db" export -o "$tmp/big.csv" || { echo "Bail out! export failed"; exit 1; }

items_in() {
	"$DUBAND" export --data "$1" --format csv 2>/dev/null | tail -n +2 | wc -l | tr -d ' '
}

# ---------------------------------------------------------------- piped
run "$DUBAND" import "$tmp/big.csv" --data "$tmp/d1"
exit_is 0 "duband import into a pipe"
is "$(progress_bytes "$err")" 0 "import: no progress bytes when stderr is not a terminal"
is "$(items_in "$tmp/d1")" 30000 "the 30000 rows are in"
run "$DUBAND" backup "$tmp/bk" --data "$tmp/d1"
exit_is 0 "duband backup into a pipe"
is "$(progress_bytes "$err")" 0 "backup: no progress bytes piped"
run "$DUBAND" restore "$tmp/bk" --data "$tmp/d3"
exit_is 0 "duband restore into a pipe"
is "$(progress_bytes "$err")" 0 "restore: no progress bytes piped"

# ---------------------------------------------------------------- a terminal
pane sh -c '"$0" import "$1" --data "$2" >/dev/null' "$DUBAND" "$tmp/big.csv" "$tmp/d2"
shows "importing big.csv: " "duband import shows a progress line on a terminal"
like "$(screen)" "/3000" "with done/total"
wait_screen "[exit " 300
like "$(screen)" "[exit 0]" "and exits 0"
is "$(screen | grep -c 'importing big.csv')" 0 "the line is erased when done"

pane "$DUBAND" import -q "$tmp/big.csv" --data "$tmp/d4"
wait_screen "[exit " 300
unlike "$(screen)" "importing big" "-q: no progress line"
like "$(screen)" "30000 inserted" "-q still prints the summary"

# ---------------------------------------------------------------- Ctrl-C
"$DUBAND" import "$tmp/big.csv" --data "$tmp/d5" >/dev/null 2>&1
"$DUBAND" export --data "$tmp/d5" --format csv >"$tmp/before.csv" 2>/dev/null
sed 's/^\([^,]*\),\([^,]*\),/\1,\2 改,/' "$tmp/big.csv" >"$tmp/changed.csv"
pane "$DUBAND" import "$tmp/changed.csv" --data "$tmp/d5"
interrupt "importing changed.csv: "
like "$(screen)" "interrupted: nothing was written" "Ctrl-C stops duband import and says so"
like "$(screen)" "[exit 130]" "duband import exits 130 after Ctrl-C"
"$DUBAND" export --data "$tmp/d5" --format csv >"$tmp/after.csv" 2>/dev/null
cmp -s "$tmp/before.csv" "$tmp/after.csv"
ok $? "the interrupted import changed nothing"

done_testing
