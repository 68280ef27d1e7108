#!/bin/sh
# Fuzzes the .xlsx reader with libFuzzer (clang, and libclang-rt for its
# runtime): builds the core with clang into $FUZZ_DIR, seeds the corpus from
# the workbooks in tests/data, and runs for FUZZ_SECONDS (default 60).
#   sh tests/fuzz/run.sh BUILDDIR     (BUILDDIR: a configured build, for config.h)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: sh tests/fuzz/run.sh BUILDDIR}
dir=${FUZZ_DIR:-/tmp/duban-fuzz}
seconds=${FUZZ_SECONDS:-60}
pkgs="libzip expat xlsxwriter sqlite3 libcjson"
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -std=c11 -D_GNU_SOURCE \
	-I$build -I$top/include -I$top/src/core -DLOCALEDIR=\"/usr/share/locale\" \
	-DDUBAN_DATADIR=\"/nonexistent\" $(pkg-config --cflags $pkgs)"
mkdir -p "$dir/obj" "$dir/corpus"
for f in "$top"/src/core/*.c; do
	clang $cflags -c "$f" -o "$dir/obj/$(basename "$f" .c).o"
done
clang $cflags -c "$top/tests/fuzz/fuzz_xlsx.c" -o "$dir/obj/fuzz_xlsx.o"
clang -fsanitize=fuzzer,address,undefined "$dir"/obj/*.o -o "$dir/fuzz_xlsx" $(pkg-config --libs $pkgs) -lm
# Seeds: the parts of each test workbook, split the way the harness expects.
for f in "$top"/tests/data/*.xlsx; do
	n=$(basename "$f" .xlsx)
	for part in xl/workbook.xml xl/_rels/workbook.xml.rels xl/worksheets/sheet1.xml \
		xl/sharedStrings.xml xl/styles.xml; do
		unzip -p "$f" "$part" 2>/dev/null || true
		printf '\n--\n'
	done >"$dir/corpus/$n"
done
cd "$dir"
exec ./fuzz_xlsx -max_total_time="$seconds" -max_len=40000 -rss_limit_mb=2048 corpus
