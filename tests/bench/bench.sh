#!/bin/sh
# The project's benchmark (`make bench`): builds demo ledgers of the given
# sizes, times the core queries against the budgets of DESIGN §7, times the
# real CLI, and compares with taskwarrior on the same items.
#
#   sh tests/bench/bench.sh [SIZE...]        default: 10000 100000 1000000
#
# Environment: BENCH_DIR (work dir, default tests/bench/out), BENCH_CORE and
# DUBAN (programs, default ./tests/bench/bench_core and ./duban), BENCH_RUNS
# (core runs per measure, 20), CLI_RUNS (5), SLOW_MS (2000: a CLI command
# slower than this is timed once), REGEN=1 (rebuild ledgers that
# exist), TASK (taskwarrior, default `task` on PATH; TASK=none skips it).
# Ledgers are kept between runs: a million items take minutes to build.
set -u

sizes=${*:-"10000 100000 1000000"}
BENCH_DIR=${BENCH_DIR:-tests/bench/out}
BENCH_CORE=${BENCH_CORE:-./tests/bench/bench_core}
DUBAN=${DUBAN:-./duban}
BENCH_RUNS=${BENCH_RUNS:-20}
CLI_RUNS=${CLI_RUNS:-5}
REGEN=${REGEN:-0}
COUNTY=东川县
# Deadlines are placed around "today": fix it so runs compare.
DUBAN_TODAY=${DUBAN_TODAY:-2026-06-15}
LC_ALL=${LC_ALL:-C.UTF-8}
export DUBAN_TODAY LC_ALL

mkdir -p "$BENCH_DIR" || exit 1
ROWS=$BENCH_DIR/rows.tmp
: >"$ROWS"
LOG=$BENCH_DIR/details.txt
: >"$LOG"

say() { printf '%s\n' "$*" | tee -a "$LOG" >&2; }

if [ ! -x "$BENCH_CORE" ]; then
	say "bench: $BENCH_CORE not found (make tests/bench/bench_core)"
	exit 1
fi
have_cli=yes
[ -x "$DUBAN" ] || { have_cli=no; say "bench: $DUBAN not found: CLI timings skipped"; }
TASK=${TASK:-$(command -v task || true)}
[ "$TASK" = none ] && TASK=
[ -n "$TASK" ] || say "bench: taskwarrior (Debian package taskwarrior) not installed: comparison skipped"
have_hyperfine=no
command -v hyperfine >/dev/null 2>&1 && have_hyperfine=yes
TIMEV=
[ -x /usr/bin/time ] && TIMEV=/usr/bin/time

# row MEASURE SIZE DUBAN BUDGET TASKWARRIOR [RATIO-GOAL]   (- when there is none)
# A ratio goal (issue 17: listings >= 30x taskwarrior) is shown beside the
# ratio of the same run, flagged when it is not reached.
row() { printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$ROWS"; }

# value KEY FILE: the number bench_core printed as "@KEY VALUE".
value() { sed -n "s/^@$1 //p" "$2" | tail -n 1; }

now_ns() { date +%s%N; }

# median_ms CMD...: median wall time of CLI_RUNS runs, output discarded.
# A first run warms the cache; when it takes over SLOW_MS (2000) it is the
# figure, as repeating a command of many seconds tells nothing more.
median_ms() {
	md_t0=$(now_ns)
	"$@" >/dev/null 2>&1 || { echo -; return; }
	md_ms=$(( ($(now_ns) - md_t0) / 1000000 ))
	if [ "$md_ms" -gt "${SLOW_MS:-2000}" ]; then
		echo "$md_ms"
		return
	fi
	if [ "$have_hyperfine" = yes ]; then
		csv=$BENCH_DIR/hf.csv
		q=
		for md_a in "$@"; do q="$q '$md_a'"; done
		if hyperfine -N -r "$CLI_RUNS" --export-csv "$csv" "$q" >/dev/null 2>&1 ||
		   hyperfine -r "$CLI_RUNS" --export-csv "$csv" "$q" >/dev/null 2>&1; then
			awk -F, 'NR == 2 { printf "%.1f\n", $4 * 1000 }' "$csv"
			return
		fi
		echo -
		return
	fi
	loop_ms "$@"
}

# loop_ms CMD...: the same with a plain loop (also for commands that change
# the ledger, where every run must differ: RUN in the arguments is replaced
# by the run number).
loop_ms() {
	lp_i=0
	lp_times=
	while [ "$lp_i" -lt "$CLI_RUNS" ]; do
		lp_i=$((lp_i + 1))
		set_args "$lp_i" "$@"
		lp_t0=$(now_ns)
		eval "$cmdline" >/dev/null 2>&1 || { echo -; return; }
		lp_t1=$(now_ns)
		lp_times="$lp_times $(( (lp_t1 - lp_t0) / 1000 ))"
	done
	printf '%s\n' $lp_times | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'
}

set_args() {
	sa_run=$1
	shift
	cmdline=
	for sa_a in "$@"; do
		sa_a=$(printf '%s' "$sa_a" | sed "s/RUN/$sa_run/g")
		cmdline="$cmdline '$sa_a'"
	done
}

# rss_mb CMD...: peak resident set of one run, in MB.
rss_mb() {
	if [ -n "$TIMEV" ]; then
		"$TIMEV" -f %M -o "$BENCH_DIR/rss.tmp" "$@" >/dev/null 2>&1 || { echo -; return; }
		awk '{ printf "%.1f\n", $1 / 1024 }' "$BENCH_DIR/rss.tmp"
		return
	fi
	# Without GNU time: the child's peak from bash's own rusage is not
	# reachable in sh, so poll /proc while it runs.
	"$@" >/dev/null 2>&1 &
	pid=$!
	peak=0
	while kill -0 "$pid" 2>/dev/null; do
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
		sleep 0.01
	done
	wait "$pid"
	awk -v k="$peak" 'BEGIN { printf "%.1f\n", k / 1024 }'
}

# ---------------------------------------------------------------- ledgers

ledger() {
	n=$1
	db=$BENCH_DIR/demo-$n.db
	gen=$BENCH_DIR/demo-$n.gen
	if [ "$REGEN" = 1 ] || [ ! -s "$db" ] || [ ! -s "$gen" ]; then
		rm -f "$db" "$db-wal" "$db-shm" "$gen"
		say "== building a demo ledger of $n items"
		"$BENCH_CORE" generate "$db" "$n" 1 >"$gen.tmp" || { say "bench: generation failed"; return 1; }
		mv "$gen.tmp" "$gen"
	else
		say "== reusing $db (REGEN=1 rebuilds it)"
	fi
	grep -v '^@' "$gen" | tee -a "$LOG" >&2
}

core() {
	n=$1
	db=$BENCH_DIR/demo-$n.db
	out=$BENCH_DIR/measure-$n.txt
	gen=$BENCH_DIR/demo-$n.gen
	say "== core queries on $n items (median of $BENCH_RUNS runs)"
	"$BENCH_CORE" measure "$db" "$BENCH_RUNS" "$COUNTY" >"$out" || { say "bench: measure failed"; return 1; }
	grep -v '^@' "$out" | tee -a "$LOG" >&2
	# issue 17: `duban demo --items 1000000` within 60 s
	gen_budget=-
	[ "$n" -ge 1000000 ] && gen_budget=60
	row "generate ledger (s)" "$n" "$(value generate_s "$gen")" "$gen_budget" -
	row "ledger file (MB)" "$n" "$(value db_mb "$gen")" - -
	row "first screen: open+window (ms)" "$n" "$(value first_screen "$out")" 100 -
	row "first window by deadline (ms)" "$n" "$(value first_window "$out")" 100 -
	row "page down (ms)" "$n" "$(value page_down "$out")" 10 -
	row "window at middle (ms)" "$n" "$(value middle_window "$out")" 10 -
	row "page up at middle (ms)" "$n" "$(value middle_back "$out")" 10 -
	row "window at end (ms)" "$n" "$(value end_window "$out")" 10 -
	row "county+open: window (ms)" "$n" "$(value county_window "$out")" 30 -
	row "county+open: count (ms)" "$n" "$(value county_count "$out")" - -
	row "red light: window (ms)" "$n" "$(value red_window "$out")" 30 -
	row "red light: count (ms)" "$n" "$(value red_count "$out")" - -
	row "overdue: window (ms)" "$n" "$(value overdue_window "$out")" 30 -
	row "search 采砂: window (ms)" "$n" "$(value search2_window "$out")" 30 -
	row "search 采砂: count (ms)" "$n" "$(value search2_count "$out")" - -
	row "search 黑臭水体: window (ms)" "$n" "$(value search4_window "$out")" 30 -
	row "search 黑臭水体: count (ms)" "$n" "$(value search4_count "$out")" - -
	row "search 砂: window (ms)" "$n" "$(value search1_window "$out")" 30 -
	row "search 采砂 in county (ms)" "$n" "$(value search2_county_window "$out")" 30 -
	row "core peak RSS (MB)" "$n" "$(value rss_mb "$out")" 32 -
}

# ---------------------------------------------------------------- CLI

cli() {
	n=$1
	[ "$have_cli" = yes ] || return 0
	db=$BENCH_DIR/demo-$n.db
	say "== duban CLI on $n items (median of $CLI_RUNS runs)"
	t=$(median_ms "$DUBAN" --db "$db" list --limit 50)
	say "  list --limit 50: $t ms"
	row "cli: list --limit 50 (ms)" "$n" "$t" 100 -
	t=$(median_ms "$DUBAN" --db "$db" list --county "$COUNTY" --format csv)
	say "  list --county $COUNTY --format csv: $t ms"
	CLI_COUNTY=$t
	row "cli: list --county (all rows) (ms)" "$n" "$t" - "${TW_COUNTY:--}" 30
	t=$(median_ms "$DUBAN" --db "$db" list --search 采砂)
	say "  list --search 采砂: $t ms"
	CLI_SEARCH=$t
	row "cli: list --search 采砂 (ms)" "$n" "$t" - "${TW_SEARCH:--}" 30
	# issue 17: the month's bulletin of a million items within 3 s
	t=$(median_ms "$DUBAN" --db "$db" report)
	say "  report: $t ms"
	rep_budget=-
	[ "$n" -ge 1000000 ] && rep_budget=3000
	row "cli: report (ms)" "$n" "$t" "$rep_budget" -
	r=$(rss_mb "$DUBAN" --db "$db" list --county "$COUNTY" --format csv)
	say "  peak RSS of list --county: $r MB"
	row "cli: list --county RSS (MB)" "$n" "$r" 32 "${TW_RSS:--}"
}

# Changes go to a copy, so the kept ledger stays as generated.
cli_writes() {
	n=$1
	[ "$have_cli" = yes ] || return 0
	db=$BENCH_DIR/demo-$n.db
	copy=$BENCH_DIR/write-$n.db
	rm -f "$copy" "$copy-wal" "$copy-shm"
	cp "$db" "$copy" || return 0
	[ -f "$db-wal" ] && cp "$db-wal" "$copy-wal"
	tag=$(now_ns)
	t=$(loop_ms "$DUBAN" --db "$copy" add --code "BENCH-$tag-RUN" --title 测试任务 \
		--county "$COUNTY" --deadline 2026-07-01)
	say "  add: $t ms"
	row "add an item (ms)" "$n" "$t" - "${TW_ADD:--}"
	code=$("$DUBAN" --db "$copy" list --limit 1 --sort code --format csv 2>/dev/null |
		awk -F, 'NR == 2 { print $1 }')
	t=-
	[ -n "$code" ] && t=$(loop_ms "$DUBAN" --db "$copy" note "$code" "整改进展第RUN次")
	say "  note: $t ms"
	row "add a note (ms)" "$n" "$t" - "${TW_NOTE:--}"
	rm -f "$copy" "$copy-wal" "$copy-shm"
}

# ---------------------------------------------------------------- taskwarrior

taskwarrior() {
	n=$1
	[ -n "$TASK" ] || return 0
	db=$BENCH_DIR/demo-$n.db
	tw=$BENCH_DIR/task-$n
	rm -rf "$tw"
	mkdir -p "$tw/data"
	# Defaults except what would stop or clutter a script; gc stays on as
	# users have it, and one command after the import does the gc.
	cat >"$tw/taskrc" <<EOF
data.location=$tw/data
confirmation=off
verbose=nothing
hooks=off
color=off
news.version=9.9.9
EOF
	TASKRC=$tw/taskrc
	TASKDATA=$tw/data
	export TASKRC TASKDATA
	say "== taskwarrior $("$TASK" --version) on the same $n items"
	"$BENCH_CORE" taskjson "$db" "$tw/import.json" >/dev/null || return 0
	t0=$(now_ns)
	if [ -n "$TIMEV" ]; then
		"$TIMEV" -f %M -o "$tw/import.rss" "$TASK" import "$tw/import.json" >/dev/null 2>&1
	else
		"$TASK" import "$tw/import.json" >/dev/null 2>&1
	fi
	t1=$(now_ns)
	imp=$(( (t1 - t0) / 1000000 ))
	say "  import: $imp ms, $("$TASK" count 2>/dev/null) tasks"
	row "taskwarrior import (s)" "$n" - - "$(awk -v t="$imp" 'BEGIN { printf "%.1f", t / 1000 }')"
	TW_COUNTY=$(median_ms "$TASK" "project:$COUNTY" list)
	say "  task project:$COUNTY list: $TW_COUNTY ms"
	TW_SEARCH=$(median_ms "$TASK" /采砂/ list)
	say "  task /采砂/ list: $TW_SEARCH ms"
	TW_RSS=$(rss_mb "$TASK" "project:$COUNTY" list)
	say "  peak RSS of project:$COUNTY list: $TW_RSS MB"
	TW_ADD=$(loop_ms "$TASK" add "测试任务RUN" "project:$COUNTY" due:2026-07-01)
	say "  task add: $TW_ADD ms"
	TW_NOTE=$(loop_ms "$TASK" 1 annotate "整改进展第RUN次")
	say "  task 1 annotate: $TW_NOTE ms"
	unset TASKRC TASKDATA
}

# ---------------------------------------------------------------- main

tw_size=
for n in $sizes; do
	[ "$n" -le 100000 ] && { [ -z "$tw_size" ] || [ "$n" -gt "$tw_size" ]; } && tw_size=$n
done

for n in $sizes; do
	ledger "$n" || continue
	core "$n"
	TW_COUNTY= TW_SEARCH= TW_RSS= TW_ADD= TW_NOTE=
	[ "$n" = "$tw_size" ] && taskwarrior "$n"
	cli "$n"
	cli_writes "$n"
done

{
	printf '\nduban benchmark, %s, %s cores, DUBAN_TODAY=%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" \
		"$(nproc 2>/dev/null || echo '?')" "$DUBAN_TODAY"
	[ -n "$TASK" ] && printf 'taskwarrior %s on the %s-item ledger; ratio = taskwarrior / duban\n' \
		"$("$TASK" --version)" "${tw_size:-none}"
	printf 'budgets from DESIGN §7 (set for 1,000,000 items); counts have none: they are shown lazily\n\n'
	awk -F'|' '
	function width(s,   n, i, c) {
		# display columns: a 3-byte UTF-8 character (CJK) takes two
		n = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c < "\200") n++
			else if (c >= "\340") { n += 2; i += 2 }
			else if (c >= "\300") { n++; i++ }
		}
		return n
	}
	function pad(s, w) { while (width(s) < w) s = s " "; return s }
	function lpad(s, w) { while (width(s) < w) s = " " s; return s }
	function num(s) { return s ~ /^[0-9.]+$/ }
	BEGIN {
		print pad("measure", 36) lpad("size", 9) lpad("duban", 11) lpad("budget", 8) lpad("taskwarrior", 13) lpad("ratio", 9) lpad("goal", 7)
		print pad("-------", 36) lpad("----", 9) lpad("-----", 11) lpad("------", 8) lpad("-----------", 13) lpad("-----", 9) lpad("----", 7)
	}
	{
		ratio = "-"
		if (num($3) && num($5) && $3 > 0) ratio = sprintf($5 / $3 < 10 ? "%.1fx" : "%.0fx", $5 / $3)
		over = (num($3) && num($4) && $3 + 0 > $4 + 0) ? "  OVER" : ""
		goal = num($6) ? ">=" $6 "x" : "-"
		if (num($6) && num($3) && num($5) && $3 > 0 && $5 / $3 < $6 + 0) over = over "  BELOW GOAL"
		print pad($1, 36) lpad($2, 9) lpad($3, 11) lpad($4, 8) lpad($5, 13) lpad(ratio, 9) lpad(goal, 7) over
	}' "$ROWS"
} | tee "$BENCH_DIR/results.txt"
rm -f "$ROWS" "$BENCH_DIR/hf.csv" "$BENCH_DIR/rss.tmp"
