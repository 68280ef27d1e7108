#!/bin/sh
# demo: deterministic by seed, refuses a non-empty ledger, --force, and --demo.
. "$(dirname "$0")/lib.sh"

run "$DUBAN" --db "$tmp/a.db" demo --items 200 --seed 7
exit_is 0 "demo --items 200 exits 0"
like "$out" "200 items (seed 7)" "demo says what it made"
is "$err" "" "no progress line when stderr is not a terminal"
run "$DUBAN" --db "$tmp/a.db" list --format csv
is "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" "200" "the demo ledger has 200 items"

"$DUBAN" --db "$tmp/b.db" demo --items 200 --seed 7 >/dev/null
"$DUBAN" --db "$tmp/a.db" export -o "$tmp/a.csv"
"$DUBAN" --db "$tmp/b.db" export -o "$tmp/b.csv"
cmp -s "$tmp/a.csv" "$tmp/b.csv"
ok $? "the same seed gives the same ledger"
"$DUBAN" --db "$tmp/c.db" demo --items 200 --seed 8 >/dev/null
"$DUBAN" --db "$tmp/c.db" export -o "$tmp/c.csv"
cmp -s "$tmp/a.csv" "$tmp/c.csv"
[ $? -ne 0 ]; ok $? "another seed gives another ledger"
run "$DUBAN" --db "$tmp/a.db" list --format csv --sort code
a=$out
run "$DUBAN" --db "$tmp/b.db" list --format csv --sort code
is "$out" "$a" "the same seed lists the same"

run "$DUBAN" --db "$tmp/a.db" list
like "$out" "200 items (" "the table summary of the demo"
like "$out" "●" "the demo has red items"
like "$out" "overdue" "the demo has overdue items"

before=$("$DUBAN" --db "$tmp/a.db" export)
run "$DUBAN" --db "$tmp/a.db" demo --items 50
exit_is 4 "demo refuses a ledger that is not empty"
like "$err" "--force" "the refusal mentions --force"
is "$("$DUBAN" --db "$tmp/a.db" export)" "$before" "the refused demo changed nothing"
run "$DUBAN" --db "$tmp/a.db" demo --items 50 --seed 2 --force
exit_is 0 "demo --force replaces the ledger"
run "$DUBAN" --db "$tmp/a.db" list --format csv
is "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" "50" "the replaced ledger has 50 items"
ls "$tmp" | grep -q '\.new-'
[ $? -ne 0 ]; ok $? "no temporary file is left behind"

run "$DUBAN" --db "$tmp/d.db" demo --items 0
exit_is 2 "--items 0 exits 2"
run "$DUBAN" --db "$tmp/d.db" demo --items many
exit_is 2 "--items many exits 2"

# duban --demo: the demo ledger under XDG_DATA_HOME, made on first use, then listed.
XDG_DATA_HOME=$tmp/xdg
export XDG_DATA_HOME
run "$DUBAN" --demo
exit_is 0 "--demo exits 0"
[ -f "$tmp/xdg/duban/demo.db" ]; ok $? "--demo makes demo.db under XDG_DATA_HOME"
like "$out" "300 items (" "--demo lists 300 items"
first=$out
"$DUBAN" --db "$tmp/xdg/duban/demo.db" edit "$("$DUBAN" --db "$tmp/xdg/duban/demo.db" list --sort light --format csv --limit 1 | sed -n 2p | cut -d, -f1)" \
	--title '改过的' >/dev/null
run "$DUBAN" --demo
like "$out" "改过的" "--demo reuses the existing demo ledger"
run "$DUBAN" --demo --db "$tmp/other.db" list --limit 1
like "$out" "1 item (" "--demo takes a subcommand too"
[ ! -f "$tmp/other.db" ]; ok $? "--demo wins over --db"
"$DUBAN" --db "$tmp/e.db" demo --items 300 --seed 1 >/dev/null
"$DUBAN" --db "$tmp/e.db" list --sort light >"$tmp/e.list"
is "$first" "$(cat "$tmp/e.list")" "--demo's ledger is the 300-item, seed 1 demo, most urgent first"
is "$(printf '%s\n' "$first" | sed -n 2p | cut -c1-3)" "●" "piped, --demo lists a red item first, as the interface does"

done_testing
