#!/bin/sh
# Runs every test (unit and command-line) under AddressSanitizer and
# UndefinedBehaviorSanitizer in build-check/, then prints one line:
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
make -j"$jobs" check >check.out 2>&1
status=$?
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
# A program that crashed before its plan shows as ERROR in its .trs; a build
# failure leaves no .trs at all: count it as a failure.
if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $status -eq 0 ] && [ "$failed" -eq 0 ]
