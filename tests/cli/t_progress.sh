#!/bin/sh
# Progress on long work (issue 17): demo, import (CSV and XLSX), export and
# report draw a progress line on a terminal (a private tmux server), none
# when stderr is not a terminal or with -q; Ctrl-C stops them with exit 130,
# says so, and leaves the ledger and the output files as they were, with no
# temporary file behind.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux not installed"
	exit 0
fi

. "$top_srcdir/tests/progress_lib.sh"

# A ledger large enough that every command runs past the first redraw
# (250 ms), even unsanitized on a fast machine.
BIG=$tmp/big.db
"$DUBAN" --db "$BIG" demo --items 30000 >/dev/null 2>&1 || { echo "Bail out! demo failed"; exit 1; }
"$DUBAN" --db "$BIG" export -o "$tmp/big.csv" || { echo "Bail out! export failed"; exit 1; }
"$DUBAN" --db "$BIG" export --kind problem -o "$tmp/problems.xlsx" || { echo "Bail out! export failed"; exit 1; }

# ---------------------------------------------------------------- piped

run "$DUBAN" --db "$tmp/p.db" demo --items 10000
exit_is 0 "demo into a pipe"
is "$err" "" "demo: no progress bytes when stderr is not a terminal"
cp "$tmp/p.db" "$tmp/p2.db"
run "$DUBAN" --db "$tmp/p.db" import "$tmp/big.csv"
exit_is 0 "import into a pipe"
is "$(progress_bytes "$err")" 0 "import: no progress bytes piped"
run "$DUBAN" --db "$BIG" export -o "$tmp/piped.csv"
is "$err" "" "export: no progress bytes piped"
run "$DUBAN" --db "$BIG" report
is "$err" "" "report: no progress bytes piped"

# ---------------------------------------------------------------- a terminal

pane "$DUBAN" --db "$tmp/t1.db" demo --items 40000
shows "generating the demo ledger: " "demo shows a progress line on a terminal"
like "$(screen)" "/40000 (" "with done/total"
like "$(screen)" " left" "and the time left"
wait_screen "[exit " 300
is "$(screen | grep -c 'generating the demo ledger')" 0 "the line is erased when done"
like "$(screen)" "[exit 0]" "demo on a terminal exits 0"

pane "$DUBAN" --db "$tmp/t2.db" -q demo --items 20000
wait_screen "[exit " 300
unlike "$(screen)" "generating" "-q: no progress line"

pane sh -c '"$0" --db "$1" import "$2" > /dev/null' "$DUBAN" "$tmp/t3.db" "$tmp/big.csv"
shows "importing big.csv: " "import shows a progress line"
wait_screen "[exit " 300

pane sh -c '"$0" --db "$1" report > "$2"' "$DUBAN" "$BIG" "$tmp/report.txt"
wait_screen "[exit " 120
like "$(screen)" "[exit 0]" "report with a progress line exits 0"
"$DUBAN" --db "$BIG" report >"$tmp/report2.txt"
cmp -s "$tmp/report.txt" "$tmp/report2.txt"
ok $? "the bulletin is the same with the line on the terminal"

pane "$DUBAN" --db "$BIG" list --limit 3
wait_screen "[exit " 60
unlike "$(screen)" "reading" "a short command draws nothing"

# ---------------------------------------------------------------- Ctrl-C

# demo --force over a ledger: stopped, the ledger keeps its items.
"$DUBAN" --db "$tmp/keep.db" demo --items 300 --seed 3 >/dev/null 2>&1
sum_before=$(cksum <"$tmp/keep.db")
pane "$DUBAN" --db "$tmp/keep.db" demo --items 3000000 --force
interrupt "generating the demo ledger: "
like "$(screen)" "interrupted: nothing was written" "Ctrl-C stops demo and says so"
like "$(screen)" "[exit 130]" "demo exits 130 after Ctrl-C"
is "$(cksum <"$tmp/keep.db")" "$sum_before" "the ledger demo would replace is untouched"
is "$(ls "$tmp" | grep -c 'keep.db.new')" 0 "no half-made ledger is left"

# import: all or nothing.
cp "$tmp/p2.db" "$tmp/imp.db"
count_before=$("$DUBAN" --db "$tmp/imp.db" list --format csv | wc -l)
pane "$DUBAN" --db "$tmp/imp.db" import "$tmp/big.csv"
interrupt "importing big.csv: "
like "$(screen)" "interrupted: nothing was written" "Ctrl-C stops import and says so"
like "$(screen)" "[exit 130]" "import exits 130 after Ctrl-C"
is "$("$DUBAN" --db "$tmp/imp.db" list --format csv | wc -l)" "$count_before" "the import wrote nothing"
run "$DUBAN" --db "$tmp/imp.db" list --search 采砂 --limit 1
exit_is 0 "the ledger is sound after the interrupted import"

# import of a workbook, into a new ledger.
"$DUBAN" --db "$tmp/wb.db" list >/dev/null
pane "$DUBAN" --db "$tmp/wb.db" import "$tmp/problems.xlsx"
if wait_screen "importing problems.xlsx: " 120; then
	tmux -L "$sock" -f /dev/null send-keys C-c
	wait_screen "[exit " 60
	like "$(screen)" "[exit 130]" "a workbook import stops on Ctrl-C"
	is "$("$DUBAN" --db "$tmp/wb.db" list --format csv | wc -l)" 1 "and writes nothing"
else
	# Reading the workbook is the long part on a fast machine: the rows
	# may be done before a line is due.
	skip "the workbook import ended before its first progress line"
	skip "the workbook import ended before its first progress line"
fi

# export -o over an existing file: the old file stays, no temporary file.
printf 'old export\n' >"$tmp/out.json"
pane "$DUBAN" --db "$BIG" export --format json -o "$tmp/out.json"
interrupt "exporting: "
like "$(screen)" "[exit 130]" "export exits 130 after Ctrl-C"
is "$(cat "$tmp/out.json")" "old export" "the file export would replace is untouched"
is "$(ls "$tmp" | grep -c 'out.json.')" 0 "no temporary export file is left"

done_testing
