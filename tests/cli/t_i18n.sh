#!/bin/sh
# Chinese output under zh_CN.UTF-8, from the catalogue built from po/zh_CN.po.
. "$(dirname "$0")/lib.sh"

# Every message of po/zh_CN.po is translated: no untranslated or fuzzy entry.
if command -v msgfmt >/dev/null 2>&1; then
	stats=$(msgfmt --statistics -o /dev/null "$top_srcdir/po/zh_CN.po" 2>&1)
	po_rc=$?
	case $stats in
	*untranslated* | *fuzzy*) po_rc=1 ;;
	*"translated message"*) ;;
	*) po_rc=1 ;;
	esac
	ok $po_rc "po/zh_CN.po is fully translated (no untranslated or fuzzy message)"
	[ "$po_rc" -eq 0 ] || diag "$stats"
else
	skip "msgfmt not installed"
fi

if ! locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\{0,1\}8$'; then
	skip "zh_CN.UTF-8 locale not installed"
	done_testing
fi
gmo=
for f in "$top_builddir/po/zh_CN.gmo" "$top_srcdir/po/zh_CN.gmo"; do
	if [ -f "$f" ]; then
		gmo=$f
		break
	fi
done
if [ -z "$gmo" ]; then
	skip "po/zh_CN.gmo not built"
	done_testing
fi
mkdir -p "$tmp/locale/zh_CN/LC_MESSAGES"
cp "$gmo" "$tmp/locale/zh_CN/LC_MESSAGES/duban.mo"

# has_cjk TEXT: TEXT has a Chinese character.
has_cjk() {
	printf '%s\n' "$1" | LC_ALL=C grep -q "$(printf '[\344-\351]')"
}

make_ledger >/dev/null
d status FK-001 in_progress >/dev/null

zh() {
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 DUBAN_LOCALEDIR=$tmp/locale "$DUBAN" --db "$DB" "$@"
}

run zh list
exit_is 0 "list in Chinese exits 0"
like "$out" "整改中" "the status reads 整改中"
like "$out" "尚未启动" "the status reads 尚未启动"
has_cjk "$(printf '%s\n' "$out" | sed -n 1p)"
ok $? "the table headers are Chinese"
widths=$(table_lines "$out" | while IFS= read -r line; do printf '%s\n' "$line" | LC_ALL=C.UTF-8 wc -L; done | sort -u)
is "$widths" "100" "the Chinese table is aligned to 100 columns"
has_cjk "$(printf '%s\n' "$out" | tail -n 1)"
ok $? "the summary line is Chinese"

run zh --help
exit_is 0 "--help in Chinese exits 0"
has_cjk "$(printf '%s\n' "$out" | sed -n 1,2p)"
ok $? "--help is Chinese"
run zh list --help
has_cjk "$(printf '%s\n' "$out" | sed -n 1,2p)"
ok $? "list --help is Chinese"

run zh show FK-001
has_cjk "$(printf '%s\n' "$out" | sed -n 2p | cut -c1-12)"
ok $? "show's field titles are Chinese"
like "$out" "整改中" "show names the status in Chinese"

run zh show NOPE
exit_is 3 "an unknown code still exits 3"
has_cjk "$err"
ok $? "the error is Chinese"

run zh status FK-001 已销号
exit_is 4 "an illegal move still exits 4"
like "$err" "整改中 → 已销号" "the refusal names the statuses in Chinese"
like "$err" "申请销号" "the refusal names the legal move in Chinese"

# Data never depends on the language: export is the same under both.
run zh export
zh_export=$out
run d export
is "$zh_export" "$out" "export is the same in Chinese and English"

# The build itself, not installed and with no DUBAN_LOCALEDIR, speaks
# Chinese: README's first command runs it from the build directory.
if [ -f "$top_builddir/locale/zh_CN/LC_MESSAGES/duban.mo" ]; then
	run env -u DUBAN_LOCALEDIR LC_ALL=zh_CN.UTF-8 "$DUBAN" --help
	like "$out" "用法：duban" "an uninstalled build finds its own catalogue (locale/ next to the program)"
else
	fail "the build puts its catalogue in locale/ next to the program"
fi

# Words English uses twice get a context: a missing 调度 submission is
# 未报送 (missing evidence stays 缺失), a round is 调度 (not 督察轮次), an
# open round 进行中 (not the item status 未处理).
d dispatch open 六月 --due 2026-06-18 --title 六月调度 --county 城关区 >/dev/null
run zh dispatch list
is "$(printf '%s\n' "$out" | sed -n 1p | awk '{ print $1, $2 }')" "调度 标题" "dispatch list: the round's headers"
like "$out" "进行中" "... an open round reads 进行中"
run zh dispatch show 六月
like "$out" "调度: 六月" "dispatch show names the round 调度"
like "$out" "未报送" "... a member without a submission reads 未报送"
unlike "$out" "缺失" "... not 缺失"

done_testing
