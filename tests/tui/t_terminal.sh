#!/bin/sh
# Terminals and settings: too small and back, a non-UTF-8 locale, TERM=vt100
# and dumb, a bad config line, a key binding, theme switches.  Run in C.UTF-8
# and, by tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

ITEMS300=$(L "300 items" "共 300 项")
TOO_SMALL=$(L "terminal too small" "终端窗口太小")

demo_ledger "$DB" 300
ok $? "a demo ledger of seed 7"
esc=$(printf '\033')
colour="$esc\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|10[0-7]|[34]8;5;[0-9]+)(;[0-9;]*)?m"
second=$(d list --format csv --sort light --limit 2 | sed -n 3p | cut -d, -f1)

# ---------------------------------------------------------------- too small
start 39 11
screen_has "$TOO_SMALL" "39×11: terminal too small"
screen_has "$(L "(39×11, need" "（39×11，至少需要")" "… with the size it has and needs"
screen_is too-small-39x11 "the too-small screen"
t resize-window -x 40 -y 12
screen_has "l.db · $ITEMS300" "40×12 is enough: the ledger is back"
t resize-window -x 30 -y 20
screen_has "$TOO_SMALL$(L " (" "（")30×20" "too narrow: the message again"
t resize-window -x 80 -y 24
screen_is ledger-80x24 "growing back to 80×24 restores the ledger"
# A key typed 100-150 ms after this resize is lost (reported); give the
# program time to settle so that the check below is about the screen.
wait_quiet
sleep 0.3
keys j Enter
screen_has "l.db · $second " "and it still works (j Enter opens the second item)"
keys Escape
quit "q quits cleanly after the resizes"

# ---------------------------------------------------------------- LANG=C
if c_only "LANG=C overrides the test's locale: the same run as in C.UTF-8"; then
	start 80 24 LC_ALL= LANG=C
	screen_has "the locale was not UTF-8; using C.UTF-8" "LANG=C: says it switches to C.UTF-8"
	screen_has "● X1XX000159 创业街道幸福社区冶炼厂含重…" "LANG=C: Chinese renders"
	screen_lacks "�" "LANG=C: no replacement characters"
	quit "LANG=C: q quits cleanly"
fi

# ---------------------------------------------------------------- TERM
for term in vt100 dumb; do
	start 80 24 TERM=$term
	wait_for "$OFFLINE"
	screen_is ledger-80x24 "TERM=$term: the same ledger text"
	t capture-pane -p -e >"$tmp/attrs"
	grep -qE "$colour" "$tmp/attrs"
	[ $? -ne 0 ]
	ok $? "TERM=$term: monochrome"
	keys j Enter
	screen_has "l.db · $second " "TERM=$term: j Enter opens the item"
	keys Escape
	screen_has "$ITEMS300" "TERM=$term: Esc returns"
	keys 2
	screen_has "$(L "June 2026" 2026年6月)" "TERM=$term: the calendar"
	quit "TERM=$term: q quits cleanly"
done

# ---------------------------------------------------------------- config
printf 'set nonsense 1\nbind generic x quit\n' >"$tmp/cfg/duban/config"
start 100 30
wait_for "$OFFLINE"
screen_has "$(L 'config:1: unknown option "nonsense"' 'config:1: 未知选项“nonsense”')" "a bad config line: config:1: in the status line"
keys j
screen_has "$(L "│ Code        " "│ 受理编号    ")$second" "the program still works (j selects the second item)"
keys '?'
# q is among the views' keys, below the first page of help.
keys G
screen_has "$(L "q, x             quit duban" "q, x             退出 duban")" "help lists the bound x"
keys Escape
wait_for "$ITEMS300"
keys x
exited_cleanly "bind generic x quit: x quits"

# Themes: set theme mono in the config, then :theme default.
printf 'set theme mono\n' >"$tmp/cfg/duban/config"
start 100 30
wait_for "$OFFLINE"
screen_lacks "config:" "set theme mono: no error"
t capture-pane -p -e >"$tmp/attrs"
grep -qE "$colour" "$tmp/attrs"
[ $? -ne 0 ]
ok $? "set theme mono: no colours"
keys :
text "theme default"
keys Enter
screen_has "$(L "theme: default" "主题：default")" ":theme default says so"
wait_quiet
t capture-pane -p -e >"$tmp/attrs"
grep -qE "$colour" "$tmp/attrs"
ok $? ":theme default: colours"
keys :
text "theme nosuch"
keys Enter
screen_has "$(L 'no theme named "nosuch"' '没有名为“nosuch”的主题')" "an unknown theme is refused"
quit
printf 'set theme nosuch\n' >"$tmp/cfg/duban/config"
start 100 30
wait_for "$OFFLINE"
screen_has "$(L 'theme "nosuch" not found' '找不到主题“nosuch”')" "an unknown theme in the config: a message"
screen_has "● X1XX000159" "… and the ledger anyway"
quit
rm -f "$tmp/cfg/duban/config"

done_testing
