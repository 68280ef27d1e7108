#!/bin/sh
# list, differential: a whole listing streamed in one query (no --limit: the
# county index alone, a search's matches sorted in memory) prints exactly the
# bytes of the same listing paged through query windows (--limit above the
# count: SQL's ORDER BY), over generated ledgers, filters, sorts and formats.
. "$(dirname "$0")/lib.sh"

filters='
--county 东川县
--search 采砂
--search 黑臭水体
--search 砂
--search 人民政府
--search 采砂 --county 西山县
--status in_progress,requested
--light red,yellow
--overdue
--unit 水务
--kind complaint --search 污水
--due-before 2026-07-01 --due-after 2026-06-01
'
pairs=0
for seed in 3 8; do
	db=$tmp/demo-$seed.db
	"$DUBAN" --db "$db" demo --items 2500 --seed "$seed" >/dev/null 2>&1
	ok $? "a demo ledger of 2500 items (seed $seed)"
	differ=0
	printf '%s\n' "$filters" | while IFS= read -r f; do
		[ -n "$f" ] || continue
		for extra in "" "--reverse" "--format csv" "--format json" "--sort code" "--sort light --format csv" \
			"--sort county --reverse --format csv"; do
			# shellcheck disable=SC2086 # the words of the filter are its arguments
			"$DUBAN" --db "$db" list $f $extra >"$tmp/stream.out" 2>&1
			# shellcheck disable=SC2086
			"$DUBAN" --db "$db" list $f $extra --limit 1000000 >"$tmp/window.out" 2>&1
			if ! cmp -s "$tmp/stream.out" "$tmp/window.out"; then
				echo "differ: list $f $extra"
				diff "$tmp/stream.out" "$tmp/window.out" | head -5 | sed 's/^/# /'
			fi
			echo "pair $(wc -l <"$tmp/stream.out")"
		done
	done >"$tmp/result-$seed"
	n=$(grep -c '^pair' "$tmp/result-$seed")
	rows=$(awk '$1 == "pair" { s += $2 } END { print s + 0 }' "$tmp/result-$seed")
	is "$(grep -v '^pair' "$tmp/result-$seed")" "" "seed $seed: $n listings, streamed and windowed, byte for byte"
	is "$([ "$rows" -gt 20000 ] && echo many)" "many" "seed $seed: the listings hold many rows ($rows lines)"
	pairs=$((pairs + n))
done
is "$pairs" "168" "every filter, sort and format was compared"

done_testing
