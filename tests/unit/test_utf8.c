/* Tests of widths, truncation, padding, wrapping and sanitising.  They must
 * give the same answers whatever the locale (C.UTF-8 or zh_CN.UTF-8). */
#include <config.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tap.h"

/* From the seed rectification plan (first paragraph and 基本原则 (一)). */
static const char plan_intro[] =
	"2021年X月X日至X月X日，中央第五生态环境保"
	"护督察组对我省开展了第二轮生态环境保护督察，X月"
	"X日向我省反馈了督察意见，根据反馈问题清单，经梳"
	"理，涉及X市整改任务x项，其中共性任务X项，个性"
	"任务X项。为坚决贯彻落实党中央、国务院和省委、省"
	"政府决策部署，全力推进生态文明建设和生态环境保护"
	"工作，切实抓好中央生态环境保护督察反馈意见整改，"
	"解决我市存在的突出生态环境问题，依据《XX省贯彻"
	"落实中央生态环境保护督察报告整改方案》，制定本方"
	"案。";

static const char plan_principle[] =
	"（一）统筹兼顾，系统整改。认真梳理中央生态环境保"
	"护督察群众举报件和反馈意见，建立问题台账，制定切"
	"实可行的整改方案、采取有力措施，统筹推进中央环保"
	"督察、中央环保督察“回头看”及第二轮中央生态环境"
	"保护督察群众举报件和反馈意见整改，确保全面覆盖、"
	"应改尽改。";

/* Test names must stay on one TAP line and not disturb the terminal. */
static const char *printable(const char *in)
{
	static char out[200];
	size_t o = 0;
	for (; *in && o + 5 < sizeof out; in++) {
		unsigned char c = (unsigned char)*in;
		if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---------------------------------------------------------------- codec */

static void test_codec(void)
{
	uint32_t cp;
	is_int(duban_utf8_decode("a", 1, &cp), 1, "decode ASCII length");
	is_int(cp, 'a', "decode ASCII");
	is_int(duban_utf8_decode("督", 3, &cp), 3, "decode CJK length");
	is_int(cp, 0x7763, "decode 督");
	is_int(duban_utf8_decode("\xF0\x9F\x91\x8D", 4, &cp), 4, "decode emoji length");
	is_int(cp, 0x1F44D, "decode 👍");
	is_int(duban_utf8_decode("\xC3\xA9", 2, &cp), 2, "decode é length");
	is_int(cp, 0xE9, "decode é");

	is_int(duban_utf8_decode("\xE7\x9D", 2, &cp), 1, "truncated sequence consumes 1");
	is_int(cp, 0xFFFD, "truncated sequence gives U+FFFD");
	is_int(duban_utf8_decode("\xE7\x9D\xA3", 2, &cp), 1, "len limits the sequence");
	is_int(cp, 0xFFFD, "len limit gives U+FFFD");
	is_int(duban_utf8_decode("\x80", 1, &cp), 1, "stray continuation consumes 1");
	is_int(cp, 0xFFFD, "stray continuation gives U+FFFD");
	is_int(duban_utf8_decode("\xC0\xAF", 2, &cp), 1, "overlong / consumes 1");
	is_int(cp, 0xFFFD, "overlong / gives U+FFFD");
	is_int(duban_utf8_decode("\xE0\x80\xAF", 3, &cp), 1, "3-byte overlong consumes 1");
	is_int(duban_utf8_decode("\xED\xA0\x80", 3, &cp), 1, "surrogate consumes 1");
	is_int(cp, 0xFFFD, "surrogate gives U+FFFD");
	is_int(duban_utf8_decode("\xF4\x90\x80\x80", 4, &cp), 1, "above U+10FFFF consumes 1");
	is_int(duban_utf8_decode("\xFF", 1, &cp), 1, "0xFF consumes 1");
	is_int(duban_utf8_decode("\xE7" "a", 2, &cp), 1, "lead then ASCII consumes 1");
	is_int(cp, 0xFFFD, "lead then ASCII gives U+FFFD");
	is_int(duban_utf8_decode("", 0, &cp), 0, "nothing to decode");

	char out[4];
	is_int(duban_utf8_encode(0x7763, out), 3, "encode 督 length");
	ok(memcmp(out, "督", 3) == 0, "encode 督 bytes");
	is_int(duban_utf8_encode(0xD800, out), 3, "encode surrogate as U+FFFD");
	ok(memcmp(out, "\xEF\xBF\xBD", 3) == 0, "U+FFFD bytes");
	is_int(duban_utf8_encode(0x110000, out), 3, "encode beyond Unicode as U+FFFD");

	int bad = 0;
	for (uint32_t c = 0; c <= 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		size_t n = duban_utf8_encode(c, out);
		uint32_t back;
		bad += duban_utf8_decode(out, n, &back) != n || back != c;
	}
	is_int(bad, 0, "encode/decode round trip of every scalar value");
}

/* ---------------------------------------------------------------- width */

static void check_cp(uint32_t cp, int want, const char *name)
{
	char full[80];
	snprintf(full, sizeof full, "width U+%04X %s", (unsigned)cp, name);
	is_int(duban_cp_width(cp), want, full);
}

static void test_cp_width(void)
{
	duban_utf8_set_ambiguous_wide(false);
	check_cp('a', 1, "a");
	check_cp(' ', 1, "space");
	check_cp(0x00, -1, "NUL");
	check_cp(0x07, -1, "BEL");
	check_cp(0x1B, -1, "ESC");
	check_cp(0x7F, -1, "DEL");
	check_cp(0x85, -1, "NEL (C1)");
	check_cp(0x9B, -1, "CSI (C1)");
	check_cp(0x4E2D, 2, "中");
	check_cp(0x7763, 2, "督");
	check_cp(0x3000, 2, "ideographic space");
	check_cp(0x3002, 2, "。");
	check_cp(0xFF0C, 2, "，");
	check_cp(0xFF10, 2, "full-width 0");
	check_cp(0xFF61, 1, "half-width 。");
	check_cp(0xFFE5, 2, "full-width yen");
	check_cp(0x3041, 2, "hiragana");
	check_cp(0xAC00, 2, "hangul 가");
	check_cp(0x1100, 2, "hangul choseong");
	check_cp(0x1160, 0, "hangul jungseong filler");
	check_cp(0x3400, 2, "CJK ext A");
	check_cp(0x9FFF, 2, "end of CJK block");
	check_cp(0x20000, 2, "CJK ext B");
	check_cp(0x2A6DF, 2, "CJK ext B end");
	check_cp(0x31350, 2, "CJK ext H (Unicode 15)");
	check_cp(0x1F600, 2, "😀");
	check_cp(0x1F44D, 2, "👍");
	check_cp(0x1F9D1, 2, "🧑");
	check_cp(0x1FAE8, 2, "shaking face (Unicode 15)");
	check_cp(0x1F321, 1, "thermometer (text presentation)");
	check_cp(0x2705, 2, "✅");
	check_cp(0x0301, 0, "combining acute");
	check_cp(0x20DD, 0, "combining enclosing circle (Me)");
	check_cp(0x200B, 0, "ZWSP");
	check_cp(0x200C, 0, "ZWNJ");
	check_cp(0x200D, 0, "ZWJ");
	check_cp(0x200F, 0, "RLM");
	check_cp(0xFE0F, 0, "VS16");
	check_cp(0xFE00, 0, "VS1");
	check_cp(0xE0100, 0, "VS17");
	check_cp(0xE01EF, 0, "VS256");
	check_cp(0xFEFF, 0, "BOM");
	check_cp(0x302A, 0, "ideographic tone mark");
	check_cp(0x3099, 0, "kana voiced mark");
	check_cp(0x00E9, 1, "é");
	check_cp(0x0410, 1, "Cyrillic А (ambiguous, narrow)");
	check_cp(0xE000, 1, "private use");
	check_cp(0x10FFFD, 1, "plane 16 private use");
	check_cp(0x0378, 1, "unassigned");

	static const uint32_t amb[] = {
		0x00A1, 0x00A7, 0x00B0, 0x00B1, 0x00B7, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026,
		0x2030, 0x2032, 0x2033, 0x2103, 0x2160, 0x217F - 6, 0x2190, 0x2460, 0x2473, 0x24FF,
		0x2500, 0x2550, 0x25A0, 0x25B2, 0x25CB, 0x25CF, 0x2605, 0x2606, 0x00D7, 0x00F7,
		0x2014, 0x2116, 0x3248, 0xFFFD,
	};
	int narrow = 0, wide = 0;
	for (size_t i = 0; i < sizeof amb / sizeof amb[0]; i++)
		narrow += duban_cp_width(amb[i]) == 1;
	duban_utf8_set_ambiguous_wide(true);
	ok(duban_utf8_ambiguous_wide(), "ambiguous wide is on");
	for (size_t i = 0; i < sizeof amb / sizeof amb[0]; i++)
		wide += duban_cp_width(amb[i]) == 2;
	is_int(narrow, (int)(sizeof amb / sizeof amb[0]), "ambiguous characters narrow by default");
	is_int(wide, (int)(sizeof amb / sizeof amb[0]), "ambiguous characters wide when asked");
	check_cp(0x4E2D, 2, "中 stays 2 with ambiguous wide");
	check_cp('a', 1, "a stays 1 with ambiguous wide");
	check_cp(0x0301, 0, "combining stays 0 with ambiguous wide");
	check_cp(0xE000, 1, "private use stays 1 with ambiguous wide");
	check_cp(0xFF61, 1, "half-width stays 1 with ambiguous wide");
	duban_utf8_set_ambiguous_wide(false);
	ok(!duban_utf8_ambiguous_wide(), "ambiguous wide is off again");
}

static void check_width(const char *s, int want, const char *name)
{
	is_int(duban_str_width(s), want, name);
}

static void test_str_width(void)
{
	check_width("", 0, "width of empty");
	check_width(NULL, 0, "width of NULL");
	is_int(duban_utf8_fit(NULL, 3), 0, "fit of NULL");
	check_width("abc", 3, "width of abc");
	check_width("督办台账", 8, "width of 督办台账");
	check_width("整改ABC方案", 11, "mixed Chinese and Latin");
	check_width("第2轮 round", 11, "mixed with digits and space");
	check_width("👍👍", 4, "two emoji");
	check_width("❤\uFE0F", 1, "heart with VS16 (text width of base)");
	check_width("e\u0301te\u0301", 3, "combining acute");
	check_width("\u200B\u200D", 0, "only zero-width");
	check_width("👨\u200D👩\u200D👧", 6, "ZWJ family counts its parts");
	check_width("a\tb\x1b", 2, "control characters count 0");
	check_width("a\xFF" "b", 3, "invalid byte counts as U+FFFD");
	check_width("“回头看”", 8, "quotes narrow");
	check_width("○●▲①…", 5, "ambiguous symbols narrow");
	duban_utf8_set_ambiguous_wide(true);
	check_width("“回头看”", 10, "quotes wide");
	check_width("○●▲①…", 10, "ambiguous symbols wide");
	check_width("督办台账", 8, "CJK unchanged by ambiguous wide");
	duban_utf8_set_ambiguous_wide(false);
}

/* Widths must not follow the locale: compare every code point under the
 * locales the tests run in. */
static void test_locale_independence(void)
{
	static signed char first[0x110000];
	const char *locales[] = { "C", "C.UTF-8", "zh_CN.UTF-8" };
	int diff = 0, tried = 0;
	for (size_t l = 0; l < sizeof locales / sizeof locales[0]; l++) {
		if (!setlocale(LC_ALL, locales[l])) {
			diag("locale %s not installed", locales[l]);
			continue;
		}
		for (uint32_t c = 0; c < 0x110000; c++) {
			signed char w = (signed char)duban_cp_width(c);
			if (tried == 0)
				first[c] = w;
			else
				diff += w != first[c];
		}
		tried++;
	}
	setlocale(LC_ALL, "C");
	ok(tried >= 2, "widths computed under at least two locales");
	is_int(diff, 0, "widths are the same in every locale");
}

/* ---------------------------------------------------------------- fit */

static void check_fit(const char *s, int cols, size_t want)
{
	char name[120];
	snprintf(name, sizeof name, "fit '%s' in %d", s, cols);
	is_int(duban_utf8_fit(s, cols), want, name);
}

static void test_fit(void)
{
	check_fit("督办台账", 0, 0);
	check_fit("督办台账", 1, 0);
	check_fit("督办台账", 2, 3);
	check_fit("督办台账", 3, 3);
	check_fit("督办台账", 7, 9);
	check_fit("督办台账", 8, 12);
	check_fit("督办台账", 100, 12);
	check_fit("ab督办", 3, 2);
	check_fit("ab督办", 4, 5);
	check_fit("e\u0301e\u0301", 1, 3);
	check_fit("👍x", 1, 0);
	check_fit("👍x", 2, 4);
	check_fit("", 5, 0);
	check_fit("abc", -1, 0);
}

/* ---------------------------------------------------------------- truncate */

static void check_trunc(const char *s, int cols, const char *want)
{
	char name[160];
	snprintf(name, sizeof name, "truncate '%s' to %d%s", s, cols,
		duban_utf8_ambiguous_wide() ? " (ambiguous wide)" : "");
	char *t = duban_truncate(s, cols);
	is_str(t, want, name);
	ok(duban_str_width(t) <= (cols < 0 ? 0 : cols), "  ... fits");
	free(t);
}

static void check_pad(const char *s, int cols, bool right, const char *want)
{
	char name[160];
	snprintf(name, sizeof name, "pad '%s' to %d %s%s", s, cols, right ? "right" : "left",
		duban_utf8_ambiguous_wide() ? " (ambiguous wide)" : "");
	char *t = duban_pad(s, cols, right);
	is_str(t, want, name);
	free(t);
}

static void test_truncate(void)
{
	check_trunc("督办台账系统", 12, "督办台账系统");
	check_trunc("督办台账系统", 20, "督办台账系统");
	check_trunc("督办台账系统", 11, "督办台账系…");
	check_trunc("督办台账系统", 10, "督办台账…");
	check_trunc("督办台账系统", 9, "督办台账…");
	check_trunc("督办台账系统", 4, "督…");
	check_trunc("督办台账系统", 3, "督…");
	check_trunc("督办台账系统", 2, "…");
	check_trunc("督办台账系统", 1, "…");
	check_trunc("督办台账系统", 0, "");
	check_trunc("督办台账系统", -3, "");
	check_trunc("abcdef", 6, "abcdef");
	check_trunc("abcdef", 5, "abcd…");
	check_trunc("abcdef", 1, "…");
	check_trunc("整改ABC方案", 8, "整改ABC…");
	check_trunc("整改ABC方案", 7, "整改AB…");
	check_trunc("ab整改", 4, "ab…");
	check_trunc("👍👍👍", 5, "👍👍…");
	check_trunc("👍👍👍", 4, "👍…");
	check_trunc("e\u0301e\u0301e\u0301", 2, "e\u0301…");
	check_trunc("e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301");
	check_trunc("", 5, "");
	check_trunc("", 0, "");
	char *none = duban_truncate(NULL, 3);
	is_str(none, "", "truncate NULL");
	free(none);
	none = duban_pad(NULL, 2, false);
	is_str(none, "  ", "pad NULL");
	free(none);

	duban_utf8_set_ambiguous_wide(true);
	check_trunc("督办台账系统", 12, "督办台账系统");
	check_trunc("督办台账系统", 11, "督办台账…");
	check_trunc("督办台账系统", 10, "督办台账…");
	check_trunc("督办台账系统", 9, "督办台…");
	check_trunc("督办台账系统", 3, "…");
	check_trunc("督办台账系统", 2, "…");
	check_trunc("督办台账系统", 1, "");
	check_trunc("abcdef", 5, "abc…");
	check_trunc("abcdef", 1, "a");
	check_trunc("“回头看”整改", 8, "“回头…");
	duban_utf8_set_ambiguous_wide(false);
	check_trunc("“回头看”整改", 8, "“回头看…");

	check_pad("督办", 6, false, "督办  ");
	check_pad("督办", 6, true, "  督办");
	check_pad("督办", 4, false, "督办");
	check_pad("督办台账", 5, false, "督办…");
	check_pad("督办台账", 5, true, "督办…");
	check_pad("督办台账", 6, true, " 督办…");
	check_pad("督办台账", 6, false, "督办… ");
	check_pad("督办台账", 7, false, "督办台…");
	check_pad("abc", 1, false, "…");
	check_pad("督办", 1, false, "…");
	check_pad("", 3, false, "   ");
	check_pad("x", 0, false, "");
	check_pad("e\u0301", 3, true, "  e\u0301");
	duban_utf8_set_ambiguous_wide(true);
	check_pad("督办", 1, false, " ");
	check_pad("督办台账", 5, false, "督… ");
	check_pad("督办台账", 6, false, "督办…");
	check_pad("○整改", 6, false, "○整改");
	duban_utf8_set_ambiguous_wide(false);
	check_pad("○整改", 6, false, "○整改 ");

	/* Every width from 0 to beyond the text: never too wide, pad exact. */
	const char *samples[] = { plan_principle, "整改ABC方案👍e\u0301“回头看”", "a督b办c" };
	for (int amb = 0; amb < 2; amb++) {
		duban_utf8_set_ambiguous_wide(amb);
		int bad_t = 0, bad_p = 0;
		for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
			int full = duban_str_width(samples[i]);
			for (int c = 0; c <= full + 2; c++) {
				char *t = duban_truncate(samples[i], c);
				char *p = duban_pad(samples[i], c, c % 2);
				int tw = duban_str_width(t);
				bad_t += tw > c || (c >= full && strcmp(t, samples[i]) != 0)
					|| (c < full && c >= 4 && tw < c - 2);
				bad_p += duban_str_width(p) != c;
				free(t);
				free(p);
			}
		}
		is_int(bad_t, 0, amb ? "truncate at every width (ambiguous wide)"
			: "truncate at every width");
		is_int(bad_p, 0, amb ? "pad gives exact widths (ambiguous wide)"
			: "pad gives exact widths");
	}
	duban_utf8_set_ambiguous_wide(false);
}

/* ---------------------------------------------------------------- wrap */

static int count_lines(char **l)
{
	int n = 0;
	while (l[n])
		n++;
	return n;
}

static void check_wrap(const char *s, int cols, const char *const *want, const char *name)
{
	char **got = duban_wrap(s, cols);
	int n = count_lines(got), w = 0;
	while (want[w])
		w++;
	bool same = n == w;
	for (int i = 0; same && i < n; i++)
		same = strcmp(got[i], want[i]) == 0;
	if (!ok(same, name)) {
		for (int i = 0; i < n; i++)
			diag("got line %d: '%s'", i, got[i]);
		for (int i = 0; i < w; i++)
			diag("want line %d: '%s'", i, want[i]);
	}
	duban_lines_free(got);
}

static bool starts_with_closing(const char *s)
{
	static const char *const closing[] = {
		"，", "。", "、", "；", "：", "？", "！", "）", "」", "』", "”", "》",
	};
	for (size_t i = 0; i < sizeof closing / sizeof closing[0]; i++)
		if (strncmp(s, closing[i], strlen(closing[i])) == 0)
			return true;
	return false;
}

/* Wraps a CJK paragraph and checks the properties a reader relies on. */
static void check_paragraph(const char *text, int cols, const char *label)
{
	char **lines = duban_wrap(text, cols);
	struct duban_buf joined;
	duban_buf_init(&joined);
	int too_wide = 0, bad_start = 0, trailing = 0, empty = 0, loose = 0;
	int n = count_lines(lines);
	for (int i = 0; i < n; i++) {
		int w = duban_str_width(lines[i]);
		too_wide += w > cols;
		bad_start += starts_with_closing(lines[i]);
		size_t len = strlen(lines[i]);
		trailing += len > 0 && lines[i][len - 1] == ' ';
		empty += len == 0;
		/* Greedy filling leaves at most a few columns, except where a
		 * bracket or a punctuation mark was moved down. */
		loose += i + 1 < n && w < cols - 6;
		duban_buf_puts(&joined, lines[i]);
	}
	char name[160];
	snprintf(name, sizeof name, "%s at %d: %d lines, none wider than %d", label, cols, n, cols);
	is_int(too_wide, 0, name);
	snprintf(name, sizeof name, "%s at %d: joining the lines gives the text", label, cols);
	is_str(joined.data, text, name);
	snprintf(name, sizeof name, "%s at %d: no line starts with closing punctuation", label, cols);
	is_int(bad_start, 0, name);
	snprintf(name, sizeof name, "%s at %d: no trailing spaces, no empty lines", label, cols);
	is_int(trailing + empty, 0, name);
	snprintf(name, sizeof name, "%s at %d: lines are filled", label, cols);
	is_int(loose, 0, name);
	duban_buf_free(&joined);
	duban_lines_free(lines);
}

static void test_wrap(void)
{
	int widths[] = { 10, 20, 49, 7, 80 };
	for (int amb = 0; amb < 2; amb++) {
		duban_utf8_set_ambiguous_wide(amb);
		for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
			check_paragraph(plan_intro, widths[i], amb ? "plan intro (amb wide)" : "plan intro");
			check_paragraph(plan_principle, widths[i],
				amb ? "plan principle (amb wide)" : "plan principle");
		}
	}
	duban_utf8_set_ambiguous_wide(false);

	check_wrap("the quick brown fox jumps over the lazy dog", 10,
		(const char *const[]){ "the quick", "brown fox", "jumps over", "the lazy", "dog", NULL },
		"Latin words are not broken");
	check_wrap("abcdefghijklmnop xy", 5,
		(const char *const[]){ "abcde", "fghij", "klmno", "p xy", NULL },
		"a word longer than the line is cut");
	check_wrap("ab abcdefghij", 5,
		(const char *const[]){ "ab", "abcde", "fghij", NULL },
		"a long word starts on its own line");
	check_wrap("整改方案已经印发", 6,
		(const char *const[]){ "整改方", "案已经", "印发", NULL }, "CJK breaks anywhere");
	check_wrap("整改方案已经印发", 5,
		(const char *const[]){ "整改", "方案", "已经", "印发", NULL }, "odd width never splits CJK");
	check_wrap("使用SQLite数据库存储", 8,
		(const char *const[]){ "使用", "SQLite数", "据库存储", NULL }, "mixed CJK and Latin");
	check_wrap("一二三四，五", 8,
		(const char *const[]){ "一二三", "四，五", NULL }, "comma moves one character down");
	check_wrap("一二三四。」五", 8,
		(const char *const[]){ "一二三", "四。」五", NULL }, "two closing marks move together");
	check_wrap("一二三（四）", 8,
		(const char *const[]){ "一二三", "（四）", NULL }, "opening bracket not at line end");
	check_wrap("，，，，，，", 4,
		(const char *const[]){ "，，", "，，", "，，", NULL }, "unavoidable closing marks");
	check_wrap("word, next", 4,
		(const char *const[]){ "word", ",", "next", NULL }, "ASCII comma stays on the word");
	check_wrap("a\nb", 10, (const char *const[]){ "a", "b", NULL }, "newline forces a break");
	check_wrap("a\n\nb", 10, (const char *const[]){ "a", "", "b", NULL }, "blank line kept");
	check_wrap("abc\n", 10, (const char *const[]){ "abc", NULL }, "final newline adds no line");
	check_wrap("\n", 10, (const char *const[]){ "", NULL }, "lone newline is one empty line");
	check_wrap("", 10, (const char *const[]){ NULL }, "empty text has no lines");
	check_wrap(NULL, 10, (const char *const[]){ NULL }, "NULL has no lines");
	check_wrap("a   b   ", 3, (const char *const[]){ "a", "b", NULL }, "no trailing spaces");
	check_wrap("  indented text", 20, (const char *const[]){ "  indented text", NULL },
		"first-line indentation kept");
	check_wrap("  x", 1, (const char *const[]){ "x", NULL }, "too much indentation dropped");
	check_wrap("a\tb", 10, (const char *const[]){ "a\tb", NULL }, "tab is a space");
	check_wrap("dos line\r\nnext", 20, (const char *const[]){ "dos line", "next", NULL },
		"CR before LF dropped");
	check_wrap("督办", 1, (const char *const[]){ "督", "办", NULL },
		"width 1: a wide character alone on its line");
	check_wrap("督办", 0, (const char *const[]){ "督", "办", NULL }, "width 0 acts as 1");
	check_wrap("ab", 1, (const char *const[]){ "a", "b", NULL }, "width 1 Latin");
	check_wrap("e\u0301e\u0301e\u0301", 2, (const char *const[]){ "e\u0301e\u0301", "e\u0301", NULL },
		"combining marks stay with their base");
	check_wrap("👍👍👍", 5, (const char *const[]){ "👍👍", "👍", NULL }, "emoji");
	check_wrap("“回头看”及第二轮", 8,
		(const char *const[]){ "“回头看”", "及第二轮", NULL }, "quotes as CJK punctuation");
	check_wrap("中央环保督察“回头看”", 14,
		(const char *const[]){ "中央环保督察", "“回头看”", NULL },
		"opening quote moves down with its text");
}

/* ---------------------------------------------------------------- sanitize */

static void check_clean(const char *in, bool keep, const char *want)
{
	char name[240];
	snprintf(name, sizeof name, "sanitize%s '%s'", keep ? " (keep newlines)" : "", printable(in));
	char *got = duban_sanitize(in, keep);
	is_str(printable(got), printable(want), name);
	free(got);
}

static void test_sanitize(void)
{
	check_clean("plain 督办 text", false, "plain 督办 text");
	check_clean("\x1b[31mred\x1b[0m", false, "red");
	check_clean("\x1b[1;38;5;196mbold\x1b[m!", false, "bold!");
	check_clean("\x1b[?25l\x1b[2J\x1b[Hx", false, "x");
	check_clean("\x1b]8;;https://example.com/a?b=c\x1b\\link\x1b]8;;\x1b\\", false, "link");
	check_clean("\x1b]8;;https://example.com\x07link\x1b]8;;\x07 end", false, "link end");
	check_clean("\x1b]0;title\x07" "after", false, "after");
	check_clean("\x1b]0;督办标题\x1b\\after", false, "after");
	check_clean("\x1b]52;c;cm0gLXJmIC8=\x07x", false, "x");
	check_clean("\x1bPq#0;2;0;0;0#0~~\x1b\\x", false, "x");
	check_clean("\x1b_apc data\x1b\\x", false, "x");
	check_clean("\x1b^pm data\x1b\\x", false, "x");
	check_clean("\x1bXsos data\x1b\\x", false, "x");
	check_clean("\x1b" "7saved\x1b" "8", false, "saved");
	check_clean("\x1b(Bx\x1b)0y", false, "xy");
	check_clean("\x1b" "cafter reset", false, "after reset");
	check_clean("\x1b[31", false, "");
	check_clean("abc\x1b", false, "abc");
	check_clean("\x1b]0;never ends", false, "");
	check_clean("\x1b]0;t\x1b[31mred", false, "red");
	check_clean("\xc2\x9b" "31mred\xc2\x9b" "0m", false, "red");
	check_clean("\xc2\x9d" "0;title\x07x", false, "x");
	check_clean("\xc2\x90" "dcs\xc2\x9cx", false, "x");
	check_clean("a\xc2\x85" "b\xc2\x80" "c\xc2\x9f" "d\xc2\x9c", false, "abcd");
	check_clean("\x9b" "31m", false, "\xEF\xBF\xBD" "31m");
	check_clean("a\xff" "b", false, "a\xEF\xBF\xBD" "b");
	check_clean("\xe4\xb8", false, "\xEF\xBF\xBD\xEF\xBF\xBD");
	check_clean("\xc0\xaf", false, "\xEF\xBF\xBD\xEF\xBF\xBD");
	check_clean("\xed\xa0\x80", false, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	check_clean("a\x01\x02\x07\x08\x7f" "b", false, "ab");
	check_clean("a\tb\nc\r\nd\re", false, "a b c d e");
	check_clean("a\tb\nc\r\nd\re", true, "a b\nc\nde");
	check_clean("line1\n\nline3", true, "line1\n\nline3");
	check_clean("a\u202eevil\u202c b\u2066c\u2069", false, "aevil bc");
	check_clean("👨\u200D👩\u200D👧 e\u0301 ❤\uFE0F", false, "👨\u200D👩\u200D👧 e\u0301 ❤\uFE0F");
	check_clean("", false, "");
	char *none = duban_sanitize(NULL, false);
	is_str(none, "", "sanitize NULL");
	free(none);

	char *s = duban_sanitize("\x1b[31m整改\x1b[0m\xff", false);
	is_int(duban_str_width(s), 5, "sanitized text measures as shown");
	free(s);

	/* Nothing that can start a control sequence survives, whatever the input. */
	unsigned seed = 12345;
	int bad = 0;
	for (int round = 0; round < 2000; round++) {
		char in[64];
		for (size_t i = 0; i + 1 < sizeof in; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = seed >> 16;
			static const char pool[] = "\x1b\x9b\xc2\x07[]\\;0m\nabc\xe4\xb8\xad\x7f\t";
			in[i] = (r & 1) ? pool[r % (sizeof pool - 1)] : (char)(r >> 3);
			if (in[i] == '\0')
				in[i] = 'z';
		}
		in[sizeof in - 1] = '\0';
		char *out = duban_sanitize(in, round % 2);
		size_t len = strlen(out);
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			size_t n = duban_utf8_decode(out + i, len - i, &cp);
			bool valid = cp != 0xFFFD || memcmp(out + i, "\xEF\xBF\xBD", 3) == 0;
			bool control = (cp < 0x20 && cp != '\n') || (cp >= 0x7F && cp <= 0x9F)
				|| (cp == '\n' && round % 2 == 0);
			bad += !valid || control;
			i += n;
		}
		free(out);
	}
	is_int(bad, 0, "2000 random inputs: output is valid UTF-8 without controls");
}

/* duban_clean_width is duban_is_clean and duban_str_width in one pass:
 * the same answers over random mixes of ASCII, CJK, controls, escapes,
 * bidi controls, combining marks and broken sequences. */
static void test_clean_width(void)
{
	static const char *const pool[] = {
		"a", "Z", " ", "~", "\x7f", "\t", "\n", "\r", "\x1b", "\x1b[31m", "\xc2\x9b", "\xc2\x85",
		"中", "整改", "砂", "、", "，", "\xef\xbc\x91", "\xe3\x80\x80", "\xe2\x80\xae", "\xe2\x80\x8b",
		"\xcc\x81", "\xe2\x97\x8f", "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xe6\x95", "\xc0\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\x80", "\xc3\xa9", "\xd7\x90",
	};
	unsigned seed = 4242;
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		char in[96] = "";
		size_t len = 0;
		seed = seed * 1103515245u + 12345u;
		int parts = (int)((seed >> 16) % 12);
		for (int k = 0; k < parts; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = pool[(seed >> 16) % (sizeof pool / sizeof pool[0])];
			if (len + strlen(p) + 1 > sizeof in)
				break;
			memcpy(in + len, p, strlen(p) + 1);
			len += strlen(p);
		}
		size_t got_len = 0;
		int got = duban_clean_width(in, &got_len);
		int want = duban_is_clean(in, false) ? duban_str_width(in) : -1;
		if ((got != want || got_len != strlen(in)) && bad++ < 5)
			diag("\"%s\": %d (len %zu), want %d (len %zu)", printable(in), got, got_len, want, strlen(in));
	}
	is_int(bad, 0, "20000 random strings: clean width is is_clean + str_width");
	size_t n = 9;
	is_int(duban_clean_width(NULL, &n), 0, "NULL: width 0");
	ok(n == 0, "NULL: length 0");
}

static void test_valid(void)
{
	ok(duban_utf8_valid("整改 ok", strlen("整改 ok")), "valid: Chinese and ASCII");
	ok(duban_utf8_valid("\xEF\xBF\xBD", 3), "valid: a real U+FFFD");
	ok(!duban_utf8_valid("\xC0\xAF", 2), "invalid: overlong");
	ok(!duban_utf8_valid("\xED\xA0\x80", 3), "invalid: surrogate");
	ok(!duban_utf8_valid("\xF4\x90\x80\x80", 4), "invalid: above U+10FFFF");
	ok(!duban_utf8_valid("\xE6\x95", 2), "invalid: truncated");
	ok(!duban_utf8_valid("a\xFF", 2), "invalid: a stray byte");
}

int main(void)
{
	test_codec();
	test_valid();
	test_cp_width();
	test_str_width();
	test_locale_independence();
	test_fit();
	test_truncate();
	test_wrap();
	test_sanitize();
	test_clean_width();
	return done_testing();
}
