#!/bin/sh
# A ledger's content as text, for comparing two ledgers made differently
# (the demo's bulk load against change by change): the schema (tables and
# index definitions, by name), every row of every table in rowid order, and
# the search index's content (each term of each item, column and position,
# through fts5vocab, by bench_core: the sqlite3 shell lacks duban's
# tokenizer) rather than its pages, which differ with the order of writes.
#
#   BENCH_CORE=./tests/bench/bench_core sh tests/bench/ledger_dump.sh LEDGER.db > dump.txt
set -eu
db=$1
sqlite3 -bail "$db" "SELECT type, name, tbl_name, sql FROM sqlite_master
	WHERE name NOT LIKE 'item_fts_%' ORDER BY type, name"
for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table'
	AND name NOT LIKE 'item_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
	echo "== $t"
	sqlite3 -bail "$db" "SELECT * FROM \"$t\" ORDER BY rowid"
done
echo "== search index"
"${BENCH_CORE:-./tests/bench/bench_core}" ftsdump "$db"
