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

/* Parses 2022-12-31, 2022/12/31, 2022.12.31, 20221231, 2022-1-5,
 * 2022年12月31日, 2022年12月底 (last day), 2022年12月 (last day), 2022年底 /
 * 2022年 (Dec 31), and surrounding spaces.  Returns DUBAN_DATE_NONE when the
 * text is not a date. */
duban_date duban_date_parse(const char *s);

/* Current UTC time as YYYY-MM-DDTHH:MM:SSZ (buf of at least 25 bytes).
 * Honours DUBAN_NOW=YYYY-MM-DDTHH:MM:SSZ for tests. */
char *duban_timestamp_now(char buf[25]);

/* A stored UTC timestamp in local time as "YYYY-MM-DD HH:MM" (or the date
 * alone); text that is not a timestamp comes back as it is. */
const char *duban_timestamp_local(const char *utc, bool date_only, char buf[32]);

/* s is YYYY-MM-DDTHH:MM:SSZ with a real date and time of day. */
bool duban_timestamp_valid(const char *s);

#endif
