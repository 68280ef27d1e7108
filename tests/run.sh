#!/bin/sh
# Runs every test (unit and command-line) under AddressSanitizer and
# UndefinedBehaviorSanitizer in build-check/, the server and sync suites a
# second time on PostgreSQL, then prints one line:
# "N passed, N failed, N skipped" counting every single check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
[ -x configure ] || autoreconf -fi || exit 1
mkdir -p build-check
cd build-check || exit 1
werror=""
[ "${CI:-}" = true ] && werror=--enable-werror
if [ ! -f Makefile ]; then
	../configure -q --enable-sanitizers $werror || exit 1
fi
jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs" >/dev/null || { make; echo "0 passed, 1 failed"; exit 1; }
# Results of an earlier run on PostgreSQL would be counted again.
find tests -name '*.pg.trs' -exec rm -f {} + 2>/dev/null
find tests -name '*.pg.log' -exec rm -f {} + 2>/dev/null

# The server and sync suites run twice: on PostgreSQL (DUBAN_STORE=pg: each
# test starts a throw-away cluster, see tests/pg/lib.sh) and then, with
# everything else, on SQLite.  The PostgreSQL run's results are renamed
# t_NAME.sh.pg.log / .pg.trs so that the count below holds both runs.
pg_status=0
pg_extra_failed=0
pg_extra_skipped=0
# duband has the backend unless a PostgreSQL URI is refused as "built
# without PostgreSQL" (see pg_backend_built in tests/pg/lib.sh).
if [ -x duband ] && ! ./duband user list --store 'postgresql:///duban?host=/nonexistent/duban-probe' 2>&1 |
	grep -q 'without PostgreSQL\|unknown option'; then
	store_tests=$(make -s print-store-tests)
	DUBAN_STORE=pg make -j"$jobs" check TESTS="$store_tests" TEST_SUITE_LOG=test-suite-pg.log \
		>check-pg.out 2>&1
	pg_status=$?
	for t in $store_tests; do
		for ext in log trs; do
			[ -f "$t.$ext" ] && mv -f "$t.$ext" "$t.pg.$ext"
		done
	done
	grep -a -E '^(FAIL|ERROR|XPASS|SKIP):' check-pg.out | sed 's/$/ (on PostgreSQL)/'
elif [ "${CI:-}" = true ]; then
	# CI installs libpq-dev (contrib/setup-debian.sh): a duband without the
	# backend there means configure did not find it.
	echo "FAIL: duband was built without PostgreSQL: the server and sync suites did not run on it"
	pg_extra_failed=1
else
	echo "SKIP: the server and sync suites on PostgreSQL: duband was built without it (libpq-dev missing or configure --without-postgresql)"
	pg_extra_skipped=1
fi

make -j"$jobs" check >check.out 2>&1
status=$?
[ $pg_status -eq 0 ] || status=$pg_status
grep -a -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' check.out | grep -v '^PASS' || true
if [ $status -ne 0 ]; then
	for log in $(grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' $(find tests -name '*.trs') 2>/dev/null); do
		echo "---- ${log%.trs}.log"
		grep -v '^ok ' "${log%.trs}.log" | head -60
	done
	grep -a -E '^(make|Makefile).*Error' check.out | head -5
fi
results=$(find tests -name '*.trs' -exec cat {} + 2>/dev/null | grep '^:test-result:')
passed=$(printf '%s\n' "$results" | grep -c ': PASS$\|: XFAIL$')
failed=$(printf '%s\n' "$results" | grep -c ': FAIL$\|: ERROR$\|: XPASS$')
skipped=$(printf '%s\n' "$results" | grep -c ': SKIP$')
failed=$((failed + pg_extra_failed))
skipped=$((skipped + pg_extra_skipped))
# A program that crashed before its plan shows as ERROR in its .trs; a build
# failure leaves no .trs at all: count it as a failure.
if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $status -eq 0 ] && [ "$failed" -eq 0 ]
