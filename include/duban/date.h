/* Calendar dates as day numbers, "today", and the date forms ledgers use. */
#ifndef DUBAN_DATE_H
#define DUBAN_DATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* Days since 1970-01-01 (proleptic Gregorian). */
typedef int duban_date;
#define DUBAN_DATE_NONE INT_MIN

/* Today in local time, or DUBAN_TODAY=YYYY-MM-DD when set (tests). */
duban_date duban_today(void);

duban_date duban_date_from_ymd(int y, int m, int d); /* DUBAN_DATE_NONE if invalid */
void duban_date_to_ymd(duban_date d, int *y, int *m, int *d_out);
int duban_date_weekday(duban_date d);   /* 0 = Monday .. 6 = Sunday */
int duban_days_in_month(int y, int m);
duban_date duban_date_add_months(duban_date d, int months); /* clamps the day */

/* Writes YYYY-MM-DD (or "" for NONE) into buf of at least 11 bytes. */
char *duban_date_format(duban_date d, char buf[11]);
/* The date as Chinese documents write it, "2026年6月15日" ("" for NONE). */
char *duban_date_zh(duban_date d, char buf[32]);

/* The one strict reader of a date written as text; every entry point (import,
 * add/edit/--set, forms, filters, settings, DUBAN_TODAY) goes through it.
 * The whole text (surrounding spaces aside) must be one of:
 *   YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (one separator throughout; month and
 *   day of one or two digits), YYYYMMDD,
 *   YYYY年M月D日 (or 号, 號), YYYY年M月底 / 末 / YYYY年M月 (the month's last
 *   day), YYYY年底 / 末 / YYYY年 (December 31),
 * with spaces allowed around 年, 月, 日, full-width digits, separators and
 * ideographic spaces, and "前" or "以前" ("by") after a day, a 底/末 or the
 * numeric forms.  The date must exist as written (year 1..9999, month 1..12,
 * day within the month): 2022-02-30 or 2022年13月底 is DUBAN_DATE_NONE, never
 * a shorter or clamped reading. */
duban_date duban_date_parse(const char *s);

/* What duban_date_find saw in free text. */
enum duban_date_scan {
	DUBAN_DATE_SCAN_NONE,  /* no date-like token */
	DUBAN_DATE_SCAN_FOUND, /* *out is the latest date */
	DUBAN_DATE_SCAN_BAD    /* a date-like token is not a date as written */
};

/* The dates in free text such as "立行立改，2022年6月底前": the whole text
 * when duban_date_parse reads it, else every date-like token, each read
 * whole by duban_date_parse.  After full-width folding a token starts at a
 * digit and is the longest of
 *   N SEP N SEP N [SEP N ...]  (SEP one of - / .)
 *   N 年 [底|末 | N 月 [底|末 | N 日|号|號]]
 *   N 月 [底|末 | N 日|号|號]
 * (spaces allowed around 年, 月, 日 as in duban_date_parse) followed by an
 * optional 前 or 以前.  It is date-like when it has two separators, a month
 * (N 月), or a four-digit year before 年; other numbers ("3家", "1.5万元",
 * "3年内", "30日内", an eight-digit number inside text) are not dates.
 * With several dates *out is the latest (the final deadline); one date-like
 * token that cannot be read (2022/02/30, 2022年13月底, 6月底 without a year)
 * makes the whole text DUBAN_DATE_SCAN_BAD with *out NONE. */
enum duban_date_scan duban_date_find(const char *text, duban_date *out);

/* Current UTC time as YYYY-MM-DDTHH:MM:SSZ (buf of at least 25 bytes).
 * Honours DUBAN_NOW=YYYY-MM-DDTHH:MM:SSZ for tests. */
char *duban_timestamp_now(char buf[25]);

/* A stored UTC timestamp in local time as "YYYY-MM-DD HH:MM" (or the date
 * alone); text that is not a timestamp comes back as it is. */
const char *duban_timestamp_local(const char *utc, bool date_only, char buf[32]);

/* s is YYYY-MM-DDTHH:MM:SSZ with a real date and time of day. */
bool duban_timestamp_valid(const char *s);

#endif
