/* Calendar dates as day numbers, "today", and the date forms ledgers use.
 *
 * Day numbers are computed with Howard Hinnant's days_from_civil and
 * civil_from_days, so nothing here depends on the time zone or on mktime. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duban/date.h"

/* Years outside this range do not fit the YYYY-MM-DD form. */
#define MIN_YEAR 1
#define MAX_YEAR 9999

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int duban_days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

duban_date duban_date_from_ymd(int y, int m, int d)
{
	if (y < MIN_YEAR || y > MAX_YEAR || d < 1 || d > duban_days_in_month(y, m))
		return DUBAN_DATE_NONE;
	long yy = m <= 2 ? y - 1 : y;
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (duban_date)(era * 146097 + doe - 719468);
}

void duban_date_to_ymd(duban_date d, int *y, int *m, int *d_out)
{
	int yy = 0, mm = 0, dd = 0;
	if (d != DUBAN_DATE_NONE) {
		long long z = (long long)d + 719468;
		long long era = (z >= 0 ? z : z - 146096) / 146097;
		long long doe = z - era * 146097;
		long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		long long mp = (5 * doy + 2) / 153;
		dd = (int)(doy - (153 * mp + 2) / 5 + 1);
		mm = (int)(mp < 10 ? mp + 3 : mp - 9);
		yy = (int)(yoe + era * 400 + (mm <= 2));
	}
	if (y)
		*y = yy;
	if (m)
		*m = mm;
	if (d_out)
		*d_out = dd;
}

int duban_date_weekday(duban_date d)
{
	if (d == DUBAN_DATE_NONE)
		return -1;
	/* 1970-01-01 was a Thursday (3 with Monday = 0). */
	int r = (int)(((long long)d + 3) % 7);
	return r < 0 ? r + 7 : r;
}

duban_date duban_date_add_months(duban_date d, int months)
{
	if (d == DUBAN_DATE_NONE)
		return DUBAN_DATE_NONE;
	int y, m, day;
	duban_date_to_ymd(d, &y, &m, &day);
	long long idx = (long long)y * 12 + (m - 1) + months;
	long long ny = idx >= 0 ? idx / 12 : -((-idx + 11) / 12);
	int nm = (int)(idx - ny * 12) + 1;
	if (ny < MIN_YEAR || ny > MAX_YEAR)
		return DUBAN_DATE_NONE;
	int dim = duban_days_in_month((int)ny, nm);
	return duban_date_from_ymd((int)ny, nm, day < dim ? day : dim);
}

char *duban_date_format(duban_date d, char buf[11])
{
	buf[0] = '\0';
	if (d == DUBAN_DATE_NONE)
		return buf;
	int y, m, day;
	duban_date_to_ymd(d, &y, &m, &day);
	if (y < 0 || y > MAX_YEAR)
		return buf;
	/* "%04u-%02u-%02u" by hand: listings format dates of every row. */
	unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 100u, ud = (unsigned)day % 100u;
	buf[0] = (char)('0' + uy / 1000);
	buf[1] = (char)('0' + uy / 100 % 10);
	buf[2] = (char)('0' + uy / 10 % 10);
	buf[3] = (char)('0' + uy % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + um / 10);
	buf[6] = (char)('0' + um % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + ud / 10);
	buf[9] = (char)('0' + ud % 10);
	buf[10] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- parse */

/* Copy of s with full-width forms (U+FF01..FF5E: ０-９, －, ／, ．) folded
 * to ASCII and U+3000 to a space, so the parser sees one alphabet. */
static char *fold_fullwidth(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	char *o = out;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (p[0] == 0xef && (p[1] == 0xbc || p[1] == 0xbd) && p[2] >= 0x80 && p[2] <= 0xbf) {
			unsigned cp = 0xf000u | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
			if (cp >= 0xff01 && cp <= 0xff5e) {
				*o++ = (char)(cp - 0xfee0);
				p += 3;
				continue;
			}
		}
		if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) {
			*o++ = ' ';
			p += 3;
			continue;
		}
		*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
}

static bool eat(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n) != 0)
		return false;
	*p += n;
	return true;
}

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

/* Reads between min and max ASCII digits; -1 when there are not enough or
 * more follow. */
static int read_number(const char **p, int min, int max)
{
	int v = 0, n = 0;
	while (**p >= '0' && **p <= '9') {
		if (++n > max)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n >= min ? v : -1;
}

static bool eat_end_word(const char **p)
{
	return eat(p, "底") || eat(p, "末");
}

static bool at_end(const char *p)
{
	skip_spaces(&p);
	return *p == '\0';
}

/* "前" or "以前" ("by") follows many ledger deadlines: 2022年底前 is still
 * 2022-12-31.  Only after a day or 底, where it cannot mean "before that
 * year/month". */
static bool eat_by(const char **p)
{
	return eat(p, "前") || eat(p, "以前");
}

static bool at_end_by(const char *p)
{
	skip_spaces(&p);
	eat_by(&p);
	return at_end(p);
}

static duban_date parse_numeric(const char *p, int y)
{
	char sep = *p;
	if (sep != '-' && sep != '/' && sep != '.')
		return DUBAN_DATE_NONE;
	p++;
	int m = read_number(&p, 1, 2);
	if (m < 0 || *p != sep)
		return DUBAN_DATE_NONE;
	p++;
	int d = read_number(&p, 1, 2);
	if (d < 0 || !at_end_by(p))
		return DUBAN_DATE_NONE;
	return duban_date_from_ymd(y, m, d);
}

static duban_date parse_chinese(const char *p, int y)
{
	skip_spaces(&p);
	if (at_end(p))
		return duban_date_from_ymd(y, 12, 31);
	if (eat_end_word(&p))
		return at_end_by(p) ? duban_date_from_ymd(y, 12, 31) : DUBAN_DATE_NONE;
	int m = read_number(&p, 1, 2);
	skip_spaces(&p);
	if (m < 1 || m > 12 || !eat(&p, "月"))
		return DUBAN_DATE_NONE;
	skip_spaces(&p);
	if (at_end(p))
		return duban_date_from_ymd(y, m, duban_days_in_month(y, m));
	if (eat_end_word(&p))
		return at_end_by(p) ? duban_date_from_ymd(y, m, duban_days_in_month(y, m)) : DUBAN_DATE_NONE;
	int d = read_number(&p, 1, 2);
	skip_spaces(&p);
	if (d < 0 || !(eat(&p, "日") || eat(&p, "号") || eat(&p, "號")) || !at_end_by(p))
		return DUBAN_DATE_NONE;
	return duban_date_from_ymd(y, m, d);
}

static duban_date parse_folded(const char *p)
{
	skip_spaces(&p);
	const char *start = p;
	int y = read_number(&p, 4, 8);
	if (y < 0)
		return DUBAN_DATE_NONE;
	if (p - start == 8)
		return at_end_by(p) ? duban_date_from_ymd(y / 10000, y / 100 % 100, y % 100) : DUBAN_DATE_NONE;
	if (p - start != 4)
		return DUBAN_DATE_NONE;
	const char *q = p;
	skip_spaces(&q);
	if (eat(&q, "年"))
		return parse_chinese(q, y);
	return parse_numeric(p, y);
}

/* The stored form, "YYYY-MM-DD", read at once: every row read from the
 * ledger holds dates in it.  NONE sends anything else the general way. */
static duban_date parse_stored(const char *s)
{
	int v[3] = { 0, 0, 0 };
	for (int i = 0, k = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return DUBAN_DATE_NONE;
			k++;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v[k] = v[k] * 10 + (s[i] - '0');
		} else {
			return DUBAN_DATE_NONE;
		}
	}
	return s[10] ? DUBAN_DATE_NONE : duban_date_from_ymd(v[0], v[1], v[2]);
}

duban_date duban_date_parse(const char *s)
{
	if (!s)
		return DUBAN_DATE_NONE;
	duban_date quick = parse_stored(s);
	if (quick != DUBAN_DATE_NONE)
		return quick;
	char *folded = fold_fullwidth(s);
	if (!folded)
		return DUBAN_DATE_NONE;
	duban_date d = parse_folded(folded);
	free(folded);
	return d;
}

/* ---------------------------------------------------------------- free text */

/* The finder recognises a date's shape leniently (numbers of any length and
 * value) and then reads the whole shape with parse_folded, so a token that
 * looks like a date is read exactly or reported, never shortened. */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *digits_end(const char *p)
{
	while (is_digit(*p))
		p++;
	return p;
}

static const char *after_spaces(const char *p)
{
	skip_spaces(&p);
	return p;
}

static bool is_numeric_sep(char c)
{
	return c == '-' || c == '/' || c == '.';
}

/* N SEP N SEP N (SEP N ...): the end, or NULL with fewer than two
 * separators ("1.5" is a number, not a date). */
static const char *numeric_shape(const char *p)
{
	const char *q = digits_end(p);
	int seps = 0;
	while (is_numeric_sep(*q) && is_digit(q[1])) {
		q = digits_end(q + 1);
		seps++;
	}
	return seps >= 2 ? q : NULL;
}

/* An optional "前" or "以前" after p. */
static const char *by_suffix(const char *p)
{
	const char *q = after_spaces(p);
	return eat_by(&q) ? q : p;
}

/* After 月: an optional 底/末 or day N日 (号, 號). */
static const char *day_part(const char *p)
{
	const char *q = after_spaces(p);
	if (eat_end_word(&q))
		return q;
	if (!is_digit(*q))
		return p;
	q = after_spaces(digits_end(q));
	return eat(&q, "日") || eat(&q, "号") || eat(&q, "號") ? q : p;
}

/* After 年: an optional 底/末 or month N月 with its day part; *month tells
 * which. */
static const char *month_part(const char *p, bool *month)
{
	const char *q = after_spaces(p);
	*month = false;
	if (eat_end_word(&q))
		return q;
	if (!is_digit(*q))
		return p;
	q = after_spaces(digits_end(q));
	if (!eat(&q, "月"))
		return p;
	*month = true;
	return day_part(q);
}

/* The shape that starts at the digit p: its end (p's digits when there is
 * none) and whether it is date-like. */
static const char *shape_at(const char *p, bool *date_like)
{
	const char *n_end = digits_end(p);
	const char *q = numeric_shape(p);
	*date_like = true;
	if (q)
		return by_suffix(q);
	q = after_spaces(n_end);
	if (eat(&q, "年")) {
		bool month;
		q = by_suffix(month_part(q, &month));
		*date_like = n_end - p == 4 || month;
		return q;
	}
	if (eat(&q, "月")) /* a month without its year: never readable */
		return by_suffix(day_part(q));
	*date_like = false;
	return n_end;
}

static duban_date parse_span(const char *start, const char *end)
{
	size_t n = (size_t)(end - start);
	char *tok = malloc(n + 1);
	if (!tok)
		return DUBAN_DATE_NONE;
	memcpy(tok, start, n);
	tok[n] = '\0';
	duban_date d = parse_folded(tok);
	free(tok);
	return d;
}

static enum duban_date_scan scan_folded(const char *s, duban_date *out)
{
	*out = parse_folded(s);
	if (*out != DUBAN_DATE_NONE)
		return DUBAN_DATE_SCAN_FOUND;
	for (const char *p = s; *p;) {
		if (!is_digit(*p)) {
			p++;
			continue;
		}
		bool date_like;
		const char *end = shape_at(p, &date_like);
		if (date_like) {
			duban_date d = parse_span(p, end);
			if (d == DUBAN_DATE_NONE) {
				*out = DUBAN_DATE_NONE;
				return DUBAN_DATE_SCAN_BAD;
			}
			if (*out == DUBAN_DATE_NONE || d > *out)
				*out = d;
		}
		p = end;
	}
	return *out == DUBAN_DATE_NONE ? DUBAN_DATE_SCAN_NONE : DUBAN_DATE_SCAN_FOUND;
}

enum duban_date_scan duban_date_find(const char *text, duban_date *out)
{
	*out = DUBAN_DATE_NONE;
	if (!text)
		return DUBAN_DATE_SCAN_NONE;
	char *folded = fold_fullwidth(text);
	if (!folded)
		return DUBAN_DATE_SCAN_NONE;
	enum duban_date_scan r = scan_folded(folded, out);
	free(folded);
	return r;
}

/* ---------------------------------------------------------------- now */

duban_date duban_today(void)
{
	const char *env = getenv("DUBAN_TODAY");
	if (env && *env) {
		duban_date d = duban_date_parse(env);
		if (d != DUBAN_DATE_NONE)
			return d;
	}
	time_t t = time(NULL);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return DUBAN_DATE_NONE;
	return duban_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* YYYY-MM-DDTHH:MM:SSZ with a real date and time of day. */
static bool timestamp_valid(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		if (shape[i] == 'd' ? !digit : s[i] != shape[i])
			return false;
	}
	if (s[sizeof shape - 1] != '\0')
		return false;
	int y = atoi(s), mo = atoi(s + 5), d = atoi(s + 8);
	int h = atoi(s + 11), mi = atoi(s + 14), sec = atoi(s + 17);
	return duban_date_from_ymd(y, mo, d) != DUBAN_DATE_NONE && h < 24 && mi < 60 && sec <= 60;
}

char *duban_timestamp_now(char buf[25])
{
	const char *env = getenv("DUBAN_NOW");
	if (env && timestamp_valid(env)) {
		memcpy(buf, env, 21);
		return buf;
	}
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, 25, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

const char *duban_timestamp_local(const char *utc, bool date_only, char buf[32])
{
	struct tm tm = { 0 };
	struct tm local;
	time_t when;

	/* timegm would quietly move 2026-02-30 to March: such text stays as it is. */
	if (sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6 ||
	    duban_date_from_ymd(tm.tm_year, tm.tm_mon, tm.tm_mday) == DUBAN_DATE_NONE ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60) {
		snprintf(buf, 32, "%s", utc);
		return buf;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	when = timegm(&tm);
	if (when == (time_t)-1 || !localtime_r(&when, &local)
	    || strftime(buf, 32, date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M", &local) == 0)
		snprintf(buf, 32, "%s", utc);
	return buf;
}

char *duban_date_zh(duban_date d, char buf[32])
{
	int y, m, day;
	if (d == DUBAN_DATE_NONE) {
		buf[0] = '\0';
		return buf;
	}
	duban_date_to_ymd(d, &y, &m, &day);
	snprintf(buf, 32, "%d年%d月%d日", y, m, day);
	return buf;
}

bool duban_timestamp_valid(const char *s)
{
	return s && timestamp_valid(s);
}
