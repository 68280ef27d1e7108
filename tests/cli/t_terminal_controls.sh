#!/bin/sh
# Machine-readable output holds nothing a terminal acts on (issue 12 #11):
# C1 controls (U+009B is CSI), bidi overrides and isolates (U+202A..U+202E,
# U+2066..U+2069) are escaped in JSON (\u009b: the same value) and removed
# from tables and CSV views, like ESC; `export` CSV is the data and keeps
# the text exact, so that import gives back the same bytes (duban(1)).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

CSI=$(printf '\302\233')
RLO=$(printf '\342\200\256')
LRI=$(printf '\342\201\246')
NEL=$(printf '\302\205')
d add --code TC-1 --title "a${CSI}31mb${RLO}c${LRI}d" --description "x${NEL}y" \
	--county "甲${RLO}县" --deadline 2026-01-01 >/dev/null || exit 99

# raw FILE: lines holding a raw C1 control, bidi control, ESC or DEL.
raw() {
	LC_ALL=C grep -a -c -P '\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\x1b|\x7f' "$1"
}
check() { # NAME ARGS...
	name=$1
	shift
	d "$@" >"$tmp/out" 2>"$tmp/err"
	is "$(raw "$tmp/out")" 0 "$name: no raw terminal control"
}

check "list --format json" list --format json
like "$(cat "$tmp/out")" 'a\u009b31mb\u202ec\u2066d' "list --format json escapes them as \\uXXXX"
jq -e '.[0].title' "$tmp/out" >/dev/null 2>&1 || jq -e '.' "$tmp/out" >/dev/null 2>&1
ok $? "... and is still JSON"
check "list --format csv" list --format csv
check "list (table)" list
check "show --format json" show TC-1 --format json
like "$(cat "$tmp/out")" 'x\u0085y' "show --format json escapes U+0085 too"
check "show" show TC-1
check "overdue --format json" overdue --format json
check "overdue --format csv" overdue --format csv
check "report --format csv" report --format csv
check "report --format md" report --format md
check "export --format json" export --format json
check "export --public" export --public --format csv

# export JSON reads back to the very same texts
d export --format json -o "$tmp/e.json"
"$DUBAN" --db "$tmp/copy.db" import "$tmp/e.json" >/dev/null 2>&1
is "$("$DUBAN" --db "$tmp/copy.db" show TC-1 --format json | jq -r .title)" \
	"$(d show TC-1 --format json | jq -r .title)" "export JSON -> import keeps the texts exactly"

# export CSV is the data: kept exact (documented), so the round trip holds
d export --format csv >"$tmp/out"
[ "$(raw "$tmp/out")" -gt 0 ]
ok $? "export --format csv keeps the text as stored (data for import)"

done_testing
