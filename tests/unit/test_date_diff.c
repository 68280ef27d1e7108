/* Differential test of the date parser: generated strings of every accepted
 * form (and the near misses around them) through duban_date_parse and
 * duban_date_find, compared with a reference written another way: POSIX
 * regular expressions recognise the shape, timegm()/gmtime_r() decide
 * whether the day exists.  The reference never calls the code under test.
 * The seed is fixed (DUBAN_DIFF_SEED overrides it) and printed. */
#include <config.h>

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duban/date.h"
#include "tap.h"

/* A broken test set-up stops the test rather than count as a mismatch. */
#define BAIL(...) do { printf("Bail out! "); printf(__VA_ARGS__); printf("\n"); exit(2); } while (0)

#define SP "[ \t\n\r]*"
#define BY "(" SP "(前|以前))?"

/* ---------------------------------------------------------------- reference */

enum ref_pat { P_NUM, P_8, P_YMD, P_YM_END, P_YM, P_Y_END, P_Y, P_COUNT };

static const char *const ref_src[P_COUNT] = {
	[P_NUM] = "^" SP "([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})" BY SP "$",
	[P_8] = "^" SP "([0-9]{4})([0-9]{2})([0-9]{2})" BY SP "$",
	[P_YMD] = "^" SP "([0-9]{4})" SP "年" SP "([0-9]{1,2})" SP "月" SP "([0-9]{1,2})" SP "(日|号|號)" BY SP "$",
	[P_YM_END] = "^" SP "([0-9]{4})" SP "年" SP "([0-9]{1,2})" SP "月" SP "(底|末)" BY SP "$",
	[P_YM] = "^" SP "([0-9]{4})" SP "年" SP "([0-9]{1,2})" SP "月" SP "$",
	[P_Y_END] = "^" SP "([0-9]{4})" SP "年" SP "(底|末)" BY SP "$",
	[P_Y] = "^" SP "([0-9]{4})" SP "年" SP "$",
};

/* A date-like token in free text, and the three ways it counts as one. */
static const char token_src[] =
	"[0-9]+(([-/.][0-9]+)([-/.][0-9]+)+"
	"|" SP "年(" SP "(底|末)|" SP "[0-9]+" SP "月(" SP "(底|末)|" SP "[0-9]+" SP "(日|号|號))?)?"
	"|" SP "月(" SP "(底|末)|" SP "[0-9]+" SP "(日|号|號))?)" BY;
static const char numeric_src[] = "^[0-9]+[-/.]";
static const char month_src[] = "月";
static const char year4_src[] = "^[0-9]{4}" SP "年";

static regex_t ref_re[P_COUNT], token_re, numeric_re, month_re, year4_re;

static void ref_compile(void)
{
	for (int i = 0; i < P_COUNT; i++)
		if (regcomp(&ref_re[i], ref_src[i], REG_EXTENDED) != 0)
			BAIL("regcomp %d", i);
	if (regcomp(&token_re, token_src, REG_EXTENDED) != 0 || regcomp(&numeric_re, numeric_src, REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&month_re, month_src, REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&year4_re, year4_src, REG_EXTENDED | REG_NOSUB) != 0)
		BAIL("regcomp token");
}

static void ref_free(void)
{
	for (int i = 0; i < P_COUNT; i++)
		regfree(&ref_re[i]);
	regfree(&token_re);
	regfree(&numeric_re);
	regfree(&month_re);
	regfree(&year4_re);
}

/* Full-width digits and separators and the ideographic space, by table. */
static void ref_fold(const char *in, char *out, size_t cap)
{
	static const char *const wide[][2] = {
		{ "０", "0" }, { "１", "1" }, { "２", "2" }, { "３", "3" }, { "４", "4" },
		{ "５", "5" }, { "６", "6" }, { "７", "7" }, { "８", "8" }, { "９", "9" },
		{ "－", "-" }, { "／", "/" }, { "．", "." }, { "\u3000", " " },
	};
	size_t o = 0;
	while (*in && o + 1 < cap) {
		size_t k;
		for (k = 0; k < sizeof wide / sizeof wide[0]; k++)
			if (strncmp(in, wide[k][0], strlen(wide[k][0])) == 0)
				break;
		if (k < sizeof wide / sizeof wide[0]) {
			out[o++] = wide[k][1][0];
			in += strlen(wide[k][0]);
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

static int group_int(const char *s, const regmatch_t *m)
{
	int v = 0;
	for (regoff_t i = m->rm_so; i < m->rm_eo; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Whether y-m-d is a day of the calendar: timegm normalises what is not. */
static bool ref_exists(int y, int m, int d)
{
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
	time_t t = timegm(&tm);
	struct tm back;
	if (!gmtime_r(&t, &back))
		return false;
	return back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d;
}

static int ref_last_day(int y, int m)
{
	for (int d = 31; d >= 28; d--)
		if (ref_exists(y, m, d))
			return d;
	return 0;
}

static void ref_ymd(int y, int m, int d, char out[16])
{
	out[0] = '\0';
	if (ref_exists(y, m, d))
		snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* The date a whole (folded) text writes as "YYYY-MM-DD", or "". */
static void ref_parse_folded(const char *s, char out[16])
{
	regmatch_t g[8];
	out[0] = '\0';
	if (regexec(&ref_re[P_NUM], s, 8, g, 0) == 0) {
		if (s[g[2].rm_so] == s[g[4].rm_so])
			ref_ymd(group_int(s, &g[1]), group_int(s, &g[3]), group_int(s, &g[5]), out);
	} else if (regexec(&ref_re[P_8], s, 8, g, 0) == 0 || regexec(&ref_re[P_YMD], s, 8, g, 0) == 0) {
		ref_ymd(group_int(s, &g[1]), group_int(s, &g[2]), group_int(s, &g[3]), out);
	} else if (regexec(&ref_re[P_YM_END], s, 8, g, 0) == 0 || regexec(&ref_re[P_YM], s, 8, g, 0) == 0) {
		int y = group_int(s, &g[1]), m = group_int(s, &g[2]);
		ref_ymd(y, m, m >= 1 && m <= 12 ? ref_last_day(y, m) : 0, out);
	} else if (regexec(&ref_re[P_Y_END], s, 8, g, 0) == 0 || regexec(&ref_re[P_Y], s, 8, g, 0) == 0) {
		ref_ymd(group_int(s, &g[1]), 12, 31, out);
	}
}

static bool ref_date_like(const char *tok)
{
	if (regexec(&numeric_re, tok, 0, NULL, 0) == 0)
		return true;
	return regexec(&month_re, tok, 0, NULL, 0) == 0 || regexec(&year4_re, tok, 0, NULL, 0) == 0;
}

/* The free-text reading: the whole text, else the latest date-like token;
 * BAD when one of them is not a date. */
static enum duban_date_scan ref_find_folded(const char *s, char out[16])
{
	ref_parse_folded(s, out);
	if (*out)
		return DUBAN_DATE_SCAN_FOUND;
	regmatch_t m;
	for (const char *p = s; *p && regexec(&token_re, p, 1, &m, 0) == 0; p += m.rm_eo) {
		char tok[256], got[16];
		size_t n = (size_t)(m.rm_eo - m.rm_so);
		if (n >= sizeof tok)
			BAIL("token too long");
		memcpy(tok, p + m.rm_so, n);
		tok[n] = '\0';
		if (!ref_date_like(tok))
			continue;
		ref_parse_folded(tok, got);
		if (!*got) {
			out[0] = '\0';
			return DUBAN_DATE_SCAN_BAD;
		}
		if (strcmp(got, out) > 0)
			strcpy(out, got);
	}
	return *out ? DUBAN_DATE_SCAN_FOUND : DUBAN_DATE_SCAN_NONE;
}

/* ---------------------------------------------------------------- generator */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static bool chance(int percent)
{
	return (int)rnd(100) < percent;
}

struct gen {
	char s[512];
	size_t n;
	int wide; /* percent of digits and separators written full-width */
};

static void put(struct gen *g, const char *text)
{
	size_t k = strlen(text);
	if (g->n + k + 1 > sizeof g->s)
		BAIL("generated string too long");
	memcpy(g->s + g->n, text, k + 1);
	g->n += k;
}

static void putf(struct gen *g, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	put(g, buf);
}

static void put_digit(struct gen *g, int d)
{
	if (chance(g->wide))
		putf(g, "\xef\xbc%c", (char)(0x90 + d));
	else
		putf(g, "%c", '0' + d);
}

/* v in at least width digits (zero-padded). */
static void put_num(struct gen *g, int v, int width)
{
	char digits[16];
	snprintf(digits, sizeof digits, "%0*d", width, v);
	for (const char *p = digits; *p; p++)
		put_digit(g, *p - '0');
}

static void put_sep(struct gen *g, char sep)
{
	if (!chance(g->wide))
		putf(g, "%c", sep);
	else
		put(g, sep == '-' ? "－" : sep == '/' ? "／" : "．");
}

static void put_space(struct gen *g, int percent)
{
	static const char *const spaces[] = { " ", "  ", "\t", "\u3000", "\n" };
	if (chance(percent))
		put(g, spaces[rnd(5)]);
}

static void put_by(struct gen *g, int percent)
{
	if (!chance(percent))
		return;
	put_space(g, 20);
	put(g, chance(60) ? "前" : "以前");
}

static int pick_year(void)
{
	static const int years[] = { 1900, 2000, 2100, 2400, 1800, 2200, 1600, 2023, 2024, 2022,
				     1999, 2096, 9999, 1, 10, 1000, 0 };
	if (chance(60))
		return years[rnd(sizeof years / sizeof years[0])];
	return (int)rnd(10000);
}

static int pick_month(void)
{
	return chance(85) ? 1 + (int)rnd(12) : chance(50) ? 0 : 13 + (int)rnd(88);
}

static int pick_day(void)
{
	if (chance(50))
		return 28 + (int)rnd(5); /* 28..32 */
	return chance(90) ? 1 + (int)rnd(31) : chance(50) ? 0 : 32 + (int)rnd(68);
}

enum form {
	F_NUMERIC, F_MIXED_SEP, F_COMPACT, F_YMD, F_YM_END, F_YM, F_Y_END, F_Y, F_BY_MISPLACED,
	F_TWO_DIGIT_YEAR, F_NO_YEAR, F_GRID, F_FREE_TEXT, F_MUTANT, F_COUNT
};

static const char *const form_names[F_COUNT] = {
	"numeric Y-M-D, Y/M/D, Y.M.D", "mixed separators", "YYYYMMDD", "Y年M月D日/号/號",
	"Y年M月底/末", "Y年M月", "Y年底/末", "Y年", "前 after 年 or 月", "two-digit year",
	"month without a year", "day 28..32 of every month of century and other years",
	"free text with dates", "random strings of date characters",
};

static int width_of(int v)
{
	return chance(50) ? 2 : v < 10 && v >= 0 ? 1 : 2;
}

static void gen_numeric(struct gen *g, int y, int m, int d, char sep1, char sep2)
{
	put_num(g, y, 4);
	put_sep(g, sep1);
	put_num(g, m, width_of(m));
	put_sep(g, sep2);
	put_num(g, d, width_of(d));
	put_by(g, 15);
}

static void gen_year(struct gen *g, int y)
{
	put_num(g, y, 4);
	put_space(g, 15);
	put(g, "年");
	put_space(g, 15);
}

static void gen_month(struct gen *g, int m)
{
	put_num(g, m, chance(20) ? 2 : 1);
	put_space(g, 15);
	put(g, "月");
	put_space(g, 15);
}

static void gen_ymd(struct gen *g, int y, int m, int d)
{
	static const char *const day_marks[] = { "日", "日", "日", "号", "號" };
	gen_year(g, y);
	gen_month(g, m);
	put_num(g, d, chance(20) ? 2 : 1);
	put_space(g, 15);
	put(g, day_marks[rnd(5)]);
	put_by(g, 30);
}

static const char *end_word(void)
{
	return chance(70) ? "底" : "末";
}

/* One date of form f into g (no surrounding text). */
static void gen_form(struct gen *g, enum form f)
{
	static const char seps[] = "-/.";
	int y = pick_year(), m = pick_month(), d = pick_day();
	char s1 = seps[rnd(3)];
	switch (f) {
	case F_NUMERIC:
		gen_numeric(g, y, m, d, s1, s1);
		break;
	case F_MIXED_SEP:
		gen_numeric(g, y, m, d, s1, seps[rnd(3)]);
		break;
	case F_COMPACT:
		put_num(g, y, 4);
		put_num(g, m % 100, 2);
		put_num(g, d % 100, 2);
		put_by(g, 15);
		break;
	case F_YMD:
		gen_ymd(g, y, m, d);
		break;
	case F_YM_END:
		gen_year(g, y);
		gen_month(g, m);
		put(g, end_word());
		put_by(g, 40);
		break;
	case F_YM:
		gen_year(g, y);
		put_num(g, m, 1);
		put_space(g, 15);
		put(g, "月");
		break;
	case F_Y_END:
		gen_year(g, y);
		put(g, end_word());
		put_by(g, 40);
		break;
	case F_Y:
		put_num(g, y, 4);
		put_space(g, 15);
		put(g, "年");
		break;
	case F_BY_MISPLACED:
		gen_year(g, y);
		if (chance(50))
			gen_month(g, m);
		put(g, chance(50) ? "前" : "以前");
		break;
	case F_TWO_DIGIT_YEAR:
		if (chance(50))
			gen_numeric(g, y % 100, m, d, s1, s1);
		else
			gen_ymd(g, y % 100, m, d);
		break;
	case F_NO_YEAR:
		gen_month(g, m);
		if (chance(50))
			put(g, end_word());
		else
			putf(g, "%d日", d);
		put_by(g, 40);
		break;
	default:
		BAIL("gen_form %d", (int)f);
	}
}

/* Every month's days 28..32 of years that test the leap rule, in the
 * numeric and the Chinese form: a systematic sweep before the random part. */
static int gen_grid(int index, struct gen *g)
{
	static const int years[] = { 1900, 2000, 2100, 2400, 1600, 2022, 2023, 2024, 2028, 1999 };
	int ny = sizeof years / sizeof years[0];
	if (index >= ny * 12 * 5 * 4)
		return 0;
	int y = years[index % ny], m = 1 + index / ny % 12, d = 28 + index / (ny * 12) % 5;
	int style = index / (ny * 12 * 5);
	if (style < 3)
		gen_numeric(g, y, m, d, "-/."[style], "-/."[style]);
	else
		gen_ymd(g, y, m, d);
	return 1;
}

static void gen_free_text(struct gen *g)
{
	static const char *const words[] = {
		"立行立改", "长期坚持", "，", "。", "；", "整改时限：", "完成整改", "巩固提升", "3家企业",
		"1.5万元", "3年内", "30日内", "12个月", "每月5日前", "第3批", "约", "之前完成", "（", "）",
		"持续推进", "2022.6", "2022-06", "13800138000", "20220630", "12345", "、", " ", "3.5.",
		"2022年以来", "至", "和",
	};
	static const enum form dated[] = { F_NUMERIC, F_NUMERIC, F_YMD, F_YMD, F_YM_END, F_Y_END,
					   F_YM, F_Y, F_NO_YEAR, F_MIXED_SEP, F_TWO_DIGIT_YEAR,
					   F_BY_MISPLACED, F_COMPACT };
	int pieces = 1 + (int)rnd(5);
	for (int i = 0; i < pieces; i++) {
		if (chance(45))
			gen_form(g, dated[rnd(sizeof dated / sizeof dated[0])]);
		else
			put(g, words[rnd(sizeof words / sizeof words[0])]);
	}
}

static void gen_mutant(struct gen *g)
{
	static const char *const alphabet[] = {
		"0", "1", "2", "9", "2022", "12", "31", "-", "/", ".", "年", "月", "日", "号", "底", "末",
		"前", "以", " ", "家", "０", "－", "\u3000",
	};
	int n = 1 + (int)rnd(12);
	for (int i = 0; i < n; i++)
		put(g, alphabet[rnd(sizeof alphabet / sizeof alphabet[0])]);
}

static enum form gen_one(struct gen *g, int index)
{
	memset(g, 0, sizeof *g);
	g->wide = chance(20) ? 50 : 0;
	if (gen_grid(index, g))
		return F_GRID;
	enum form f = (enum form)rnd(F_COUNT);
	if (f == F_GRID)
		f = F_NUMERIC;
	bool pad = f != F_FREE_TEXT && f != F_MUTANT;
	if (pad)
		put_space(g, 20);
	if (f == F_FREE_TEXT)
		gen_free_text(g);
	else if (f == F_MUTANT)
		gen_mutant(g);
	else
		gen_form(g, f);
	if (pad)
		put_space(g, 20);
	return f;
}

/* ---------------------------------------------------------------- compare */

static const char *scan_name(enum duban_date_scan r)
{
	return r == DUBAN_DATE_SCAN_FOUND ? "found" : r == DUBAN_DATE_SCAN_BAD ? "bad" : "none";
}

static const char *printable(const char *in)
{
	static char out[600];
	size_t o = 0;
	for (; *in && o + 3 < sizeof out; in++) {
		if (*in == '\n' || *in == '\t') {
			out[o++] = '\\';
			out[o++] = *in == '\n' ? 'n' : 't';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return out;
}

/* Both readings of s against the reference; true when they agree.  show:
 * describe a mismatch (the first few only). */
static bool agrees(const char *s, long *dated, long *bad, bool show)
{
	char folded[1024], want[16], want_find[16], got[11], got_find[11];
	ref_fold(s, folded, sizeof folded);
	ref_parse_folded(folded, want);
	enum duban_date_scan want_r = ref_find_folded(folded, want_find);

	duban_date_format(duban_date_parse(s), got);
	duban_date found;
	enum duban_date_scan got_r = duban_date_find(s, &found);
	duban_date_format(found, got_find);

	*dated += *want != '\0';
	*bad += want_r == DUBAN_DATE_SCAN_BAD;
	if (strcmp(got, want) == 0 && got_r == want_r && strcmp(got_find, want_find) == 0)
		return true;
	if (show)
		diag("mismatch '%s': parse '%s' want '%s'; find %s '%s' want %s '%s'", printable(s), got,
		     want, scan_name(got_r), got_find, scan_name(want_r), want_find);
	return false;
}

int main(void)
{
	const char *env = getenv("DUBAN_DIFF_SEED");
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : 0x20221231u;
	rng_state = seed ? seed : 1;
	diag("seed %llu (DUBAN_DIFF_SEED=%llu reruns it)", (unsigned long long)seed, (unsigned long long)seed);
	ref_compile();

	static const int total = 30000;
	long per_form[F_COUNT] = { 0 }, per_form_bad[F_COUNT] = { 0 };
	long mismatches = 0, dated = 0, bad = 0;
	struct gen g;
	for (int i = 0; i < total; i++) {
		enum form f = gen_one(&g, i);
		per_form[f]++;
		if (!agrees(g.s, &dated, &bad, mismatches < 20)) {
			per_form_bad[f]++;
			mismatches++;
		}
	}
	diag("%d strings tested: %ld whole dates, %ld texts with an unreadable date-like token", total, dated,
	     bad);
	for (int f = 0; f < F_COUNT; f++)
		diag("  %-55s %6ld strings, %ld mismatches", form_names[f], per_form[f], per_form_bad[f]);
	ok(total >= 20000, "at least 20000 strings");
	ok(dated > total / 5 && bad > total / 10, "the sample holds many dates and many bad tokens");
	for (int f = 0; f < F_COUNT; f++)
		ok(per_form[f] > 100, form_names[f]);
	is_int(mismatches, 0, "duban_date_parse and duban_date_find agree with the reference");

	/* The reference itself, on cases known by hand. */
	char out[16], folded[64];
	ref_fold("２０２４／２／２９", folded, sizeof folded);
	ref_parse_folded(folded, out);
	is_str(out, "2024-02-29", "reference: full-width leap day");
	ref_parse_folded("2100-02-29", out);
	is_str(out, "", "reference: 2100 is not a leap year");
	ref_parse_folded("2000年2月底前", out);
	is_str(out, "2000-02-29", "reference: month end of a leap February");
	is_int(ref_find_folded("立行立改，2022年13月底", out), DUBAN_DATE_SCAN_BAD, "reference: a bad month is bad");
	is_int(ref_find_folded("3家企业，1.5万元，3年内", out), DUBAN_DATE_SCAN_NONE, "reference: numbers are no dates");
	ref_free();
	return done_testing();
}
