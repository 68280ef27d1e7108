#!/bin/sh
# The TUI's benchmark: drives the real binary through a pseudo-terminal
# (tests/bench/pty_probe) on a big demo ledger and reports, against the
# budgets of DESIGN §7: time to the first full screen, the answer time of a
# line scroll (j), a page (PgDn), the end (G) and each search keystroke
# (/ then 采 then 砂), the bytes written per one-line scroll (one key, and
# per line while j is held: 40 keys 30 ms apart; at 120x40 the detail pane
# is open, and a single key's bytes are split by kind: text, cursor motion,
# SGR, erasing, scrolling, other), peak RSS, and
# each view switch (ledger -> dashboard -> ledger, O, the calendar's month,
# week and agenda), each against the first-screen budget.
#
#   sh tests/bench/bench_tui.sh [SIZE]          default: 1000000
#
# Environment: BENCH_DIR (work dir and ledger cache, default
# tests/bench/out), DUBAN (default ./duban: use a build without sanitizers),
# PTY_PROBE (default ./tests/bench/pty_probe, built here with cc when
# missing), RUNS (runs per terminal size, median reported, default 5),
# REGEN=1 rebuilds the ledger.  Writes the table to $BENCH_DIR/tui.txt.
set -u

n=${1:-1000000}
BENCH_DIR=${BENCH_DIR:-tests/bench/out}
DUBAN=${DUBAN:-./duban}
PTY_PROBE=${PTY_PROBE:-./tests/bench/pty_probe}
RUNS=${RUNS:-5}
REGEN=${REGEN:-0}
here=$(cd "$(dirname "$0")" && pwd)
DUBAN_TODAY=2026-06-15
DUBAN_NOW=2026-06-15T08:00:00Z
TZ=UTC
LC_ALL=C.UTF-8
export DUBAN_TODAY DUBAN_NOW TZ LC_ALL
unset NO_COLOR DUBAN_ROLE

mkdir -p "$BENCH_DIR" || exit 1
[ -x "$DUBAN" ] || { echo "bench_tui: $DUBAN not found" >&2; exit 1; }
if [ ! -x "$PTY_PROBE" ]; then
	PTY_PROBE=$BENCH_DIR/pty_probe
	${CC:-cc} -O2 -o "$PTY_PROBE" "$here/pty_probe.c" -lutil || exit 1
fi

db=$BENCH_DIR/tui-demo-$n.db
if [ "$REGEN" = 1 ] || [ ! -s "$db" ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	echo "== building a demo ledger of $n items (duban demo --seed 7)" >&2
	start=$(date +%s)
	"$DUBAN" --db "$db.tmp" demo --items "$n" --seed 7 >&2 || exit 1
	mv "$db.tmp" "$db"
	echo "   $(($(date +%s) - start)) s" >&2
else
	echo "== reusing $db (REGEN=1 rebuilds it)" >&2
fi

# The keys: start, one key at once (answered when the start-up work is
# done), scroll to the bottom of the first page so that further
# j's scroll the table, then time j, PgDn, G, g and the search keystrokes.
script() {
	cat <<'EOF'
start first
keyq first_key 5000 j
settle counts 3000
key j_move j
repeat 45 j
key j_scroll j
key j_scroll2 j
key j_scroll3 j
settle held_before 300
held j_held 40 30 j
key pgdn \e[6~
key G G
key g g
key slash /
keyq s_cai 3000 采
keyq s_sha 3000 砂
keyq s_enter 3000 \r
rss
quit q
EOF
}

# The view switches, in a run of their own (no search left active): each
# key's answer is its first screen (its first byte waited for, then over
# after 50 ms of quiet: the counts
# that follow in idle slices are not part of it); the idle work of the
# view before is allowed to finish first.
switches() {
	cat <<'EOF'
start first
settle counts 3000
keyw to_dashboard 3
settle idle1 1000
keyw to_ledger 1
settle idle2 1000
keyw to_overdue O
settle idle3 1000
keyw overdue_back \e
settle idle4 1000
keyw to_month 2
settle idle5 1000
keyw to_week w
settle idle6 1000
keyw to_agenda v
settle idle7 1000
keyw agenda_to_ledger 1
settle idle8 1000
quit q
EOF
}

# probe COLS ROWS [SCRIPT]: RUNS runs; the raw figures of each in $BENCH_DIR.
probe() {
	raw=$BENCH_DIR/tui-$1x$2${3:+-$3}.raw
	: >"$raw"
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		${3:-script} | env TERM=xterm-256color HOME="$BENCH_DIR" XDG_CONFIG_HOME="$BENCH_DIR/cfg" \
			"$PTY_PROBE" -c "$1" -r "$2" -q 50 -k -- "$DUBAN" --db "$db" --fresh >>"$raw" ||
			echo "bench_tui: run $r at $1x$2 ended badly" >&2
		r=$((r + 1))
	done
}

# med RAW LABEL FIELD: the median of a figure over the runs.
med() {
	awk -v l="$2" -v f="$3" '$1 == l { print $f }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}

# medk RAW FIELD: the median over the runs and the three single-j scrolls of
# a figure of their bytes by kind (pty_probe -k: "j_scroll.kinds text N …").
medk() {
	awk -v k="$2" '$1 ~ /^j_scroll[23]?\.kinds$/ { for (i = 2; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1" |
		sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}

# medj RAW: the median bytes of the three single-j scrolls over the runs.
medj() {
	awk '$1 ~ /^j_scroll[23]?$/ { print $3 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}

out=$BENCH_DIR/tui.txt
{
	echo "duban TUI on $n items ($(uname -m), $(nproc 2>/dev/null || echo ?) cores), median of $RUNS runs; TERM=xterm-256color"
	echo "a key's time: from writing it to the last byte of the answer, the answer over after"
	echo "50 ms of quiet (3 s for the first key and the search keystrokes)"
	echo
	printf '%-34s %10s %10s %8s\n' "measure" "80x24" "120x40" "budget"
	printf '%-34s %10s %10s %8s\n' "----------------------------------" "----------" "----------" "--------"
} >"$out"
probe 80 24
probe 120 40
probe 80 24 switches
probe 120 40 switches
a=$BENCH_DIR/tui-80x24.raw
b=$BENCH_DIR/tui-120x40.raw
line() { printf '%-34s %10s %10s %8s\n' "$1" "$2" "$3" "$4" >>"$out"; }
line "first screen (ms)" "$(med "$a" first 2)" "$(med "$b" first 2)" 100
line "first key, typed at once (ms)" "$(med "$a" first_key 2)" "$(med "$b" first_key 2)" 10
line "j, cursor move (ms)" "$(med "$a" j_move 2)" "$(med "$b" j_move 2)" 10
line "j, one-line scroll (ms)" "$(med "$a" j_scroll 2)" "$(med "$b" j_scroll 2)" 10
line "PgDn (ms)" "$(med "$a" pgdn 2)" "$(med "$b" pgdn 2)" 10
line "G, to the last of $n (ms)" "$(med "$a" G 2)" "$(med "$b" G 2)" 10
line "g, back to the first (ms)" "$(med "$a" g 2)" "$(med "$b" g 2)" 10
line "/ opens the search (ms)" "$(med "$a" slash 2)" "$(med "$b" slash 2)" 30
line "search keystroke, 1st char (ms)" "$(med "$a" s_cai 2)" "$(med "$b" s_cai 2)" 30
line "search keystroke, 2nd char (ms)" "$(med "$a" s_sha 2)" "$(med "$b" s_sha 2)" 30
line "bytes per one-line scroll (j)" "$(med "$a" j_scroll 3)" "$(med "$b" j_scroll 3)" 300
line "bytes per line, j held (pane at 120)" "$(med "$a" j_held 3)" "$(med "$b" j_held 3)" 600
line "bytes per line, one j (pane at 120)" "$(medj "$a")" "$(medj "$b")" 600
for k in text motion sgr erase scroll other; do
	line "  one j: $k" "$(medk "$a" $k)" "$(medk "$b" $k)" -
done
line "bytes per cursor move (j)" "$(med "$a" j_move 3)" "$(med "$b" j_move 3)" -
line "bytes per PgDn" "$(med "$a" pgdn 3)" "$(med "$b" pgdn 3)" -
line "bytes per search keystroke (2nd)" "$(med "$a" s_sha 3)" "$(med "$b" s_sha 3)" -
line "bytes of the first screen" "$(med "$a" first 3)" "$(med "$b" first 3)" -
a=$BENCH_DIR/tui-80x24-switches.raw
b=$BENCH_DIR/tui-120x40-switches.raw
line "ledger -> dashboard, 3 (ms)" "$(med "$a" to_dashboard 2)" "$(med "$b" to_dashboard 2)" 100
line "dashboard -> ledger, 1 (ms)" "$(med "$a" to_ledger 2)" "$(med "$b" to_ledger 2)" 100
line "ledger -> overdue, O (ms)" "$(med "$a" to_overdue 2)" "$(med "$b" to_overdue 2)" 100
line "overdue -> ledger, Esc (ms)" "$(med "$a" overdue_back 2)" "$(med "$b" overdue_back 2)" 100
line "ledger -> calendar month, 2 (ms)" "$(med "$a" to_month 2)" "$(med "$b" to_month 2)" 100
line "month -> week, w (ms)" "$(med "$a" to_week 2)" "$(med "$b" to_week 2)" 100
line "week -> agenda, v (ms)" "$(med "$a" to_agenda 2)" "$(med "$b" to_agenda 2)" 100
line "agenda -> ledger, 1 (ms)" "$(med "$a" agenda_to_ledger 2)" "$(med "$b" agenda_to_ledger 2)" 100
a=$BENCH_DIR/tui-80x24.raw
b=$BENCH_DIR/tui-120x40.raw
ra=$(med "$a" rss_kb 2)
rb=$(med "$b" rss_kb 2)
line "peak RSS, VmHWM (MB)" "$(awk -v k="$ra" 'BEGIN { printf "%.1f", k / 1024 }')" \
	"$(awk -v k="$rb" 'BEGIN { printf "%.1f", k / 1024 }')" 32
cat "$out"
