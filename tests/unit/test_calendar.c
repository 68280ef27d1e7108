/* Tests of the calendar's and dashboard's pure layout: month grids, cursor
 * moves across month and year ends, geometry, golden month texts at 50 and
 * 100 columns, the agenda's grouping, bars and sparklines. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/utf8.h"
#include "calendar_layout.h"
#include "tap.h"

static duban_date ymd(int y, int m, int d)
{
	return duban_date_from_ymd(y, m, d);
}

static void is_date(duban_date got, duban_date want, const char *name)
{
	char g[11], w[11];

	is_str(duban_date_format(got, g), duban_date_format(want, w), name);
}

static void test_grid(void)
{
	struct cal_month m;
	int row, col;

	cal_month_of(ymd(2026, 6, 15), &m);
	is_int(m.year, 2026, "June 2026: year");
	is_int(m.month, 6, "June 2026: month");
	is_date(m.grid_first, ymd(2026, 6, 1), "June 2026 starts on a Monday: no days of May");
	is_int(m.weeks, 5, "June 2026 spans 5 weeks");
	is_date(m.last_day, ymd(2026, 6, 30), "June 2026 ends on the 30th");
	ok(cal_cell_of(&m, ymd(2026, 6, 15), &row, &col) && row == 2 && col == 0, "the 15th is row 2, Monday");
	is_date(cal_cell_date(&m, 4, 1), ymd(2026, 6, 30), "row 4 Tuesday is the 30th");
	ok(!cal_in_month(&m, cal_cell_date(&m, 4, 2)), "July 1st is in the grid but not the month");

	cal_month_of(ymd(2027, 2, 10), &m);
	is_int(m.weeks, 4, "February 2027 (28 days from a Monday) spans exactly 4 weeks");
	cal_month_of(ymd(2026, 8, 1), &m);
	is_int(m.weeks, 6, "August 2026 (31 days from a Saturday) spans 6 weeks");
	is_date(m.grid_first, ymd(2026, 7, 27), "its grid starts on Monday July 27th");
	ok(!cal_cell_of(&m, ymd(2026, 9, 7), &row, &col), "September 7th is outside the August grid");

	cal_month_of(ymd(2024, 2, 29), &m);
	is_date(m.last_day, ymd(2024, 2, 29), "leap year: February 2024 has 29 days");
	cal_month_of(ymd(2100, 2, 3), &m);
	is_date(m.last_day, ymd(2100, 2, 28), "2100 is not a leap year");
	cal_month_of(ymd(2000, 2, 3), &m);
	is_date(m.last_day, ymd(2000, 2, 29), "2000 is a leap year");
}

static void test_week(void)
{
	duban_date mon, sun;

	cal_week_range(ymd(2026, 6, 15), &mon, &sun);
	is_date(mon, ymd(2026, 6, 15), "a Monday's week starts on itself");
	is_date(sun, ymd(2026, 6, 21), "and ends on Sunday");
	cal_week_range(ymd(2027, 1, 3), &mon, &sun);
	is_date(mon, ymd(2026, 12, 28), "Sunday January 3rd 2027: week from December 28th");
	is_date(sun, ymd(2027, 1, 3), "to itself");
}

static void test_moves(void)
{
	is_date(cal_move(ymd(2026, 12, 31), CAL_NEXT_DAY), ymd(2027, 1, 1), "next day across the year end");
	is_date(cal_move(ymd(2027, 1, 1), CAL_PREV_DAY), ymd(2026, 12, 31), "previous day across the year end");
	is_date(cal_move(ymd(2026, 12, 29), CAL_NEXT_WEEK), ymd(2027, 1, 5), "next week across the year end");
	is_date(cal_move(ymd(2026, 3, 2), CAL_PREV_WEEK), ymd(2026, 2, 23), "previous week across a month end");
	is_date(cal_move(ymd(2026, 1, 31), CAL_NEXT_MONTH), ymd(2026, 2, 28), "Jan 31 + 1 month clamps to Feb 28");
	is_date(cal_move(ymd(2024, 1, 31), CAL_NEXT_MONTH), ymd(2024, 2, 29), "in a leap year to Feb 29");
	is_date(cal_move(ymd(2024, 2, 29), CAL_NEXT_MONTH), ymd(2024, 3, 29), "Feb 29 + 1 month keeps the 29th");
	is_date(cal_move(ymd(2026, 3, 31), CAL_PREV_MONTH), ymd(2026, 2, 28), "Mar 31 - 1 month clamps");
	is_date(cal_move(ymd(2026, 12, 15), CAL_NEXT_MONTH), ymd(2027, 1, 15), "next month across the year end");
	is_date(cal_move(ymd(2027, 1, 15), CAL_PREV_MONTH), ymd(2026, 12, 15), "previous month across the year end");
	is_date(cal_move(ymd(2026, 6, 15), CAL_MONTH_START), ymd(2026, 6, 1), "first day of the month");
	is_date(cal_move(ymd(2028, 2, 3), CAL_MONTH_END), ymd(2028, 2, 29), "last day of a leap February");
	is_date(cal_move(ymd(9999, 12, 31), CAL_NEXT_DAY), ymd(9999, 12, 31), "no move past year 9999");
	is_date(cal_move(ymd(1, 1, 1), CAL_PREV_MONTH), ymd(1, 1, 1), "no move before year 1");
	ok(cal_move(DUBAN_DATE_NONE, CAL_NEXT_DAY) == DUBAN_DATE_NONE, "no date stays no date");
}

static void test_geometry(void)
{
	struct cal_geometry g;

	ok(cal_geometry(120, 38, 5, 1, &g), "120x38 fits");
	ok(g.side, "120 columns: the day list beside the grid");
	is_int(g.cell_w, CAL_MAX_CELL_WIDTH, "cells are capped in width");
	is_int(g.cell_h, 2, "tall enough for 2-line cells");
	is_int(g.list_x, 65, "the list starts after the grid and a gap");
	is_int(g.list_w, 55, "and takes the rest");

	ok(cal_geometry(80, 21, 6, 1, &g), "80x21 fits");
	ok(!g.side, "80 columns: the day list below");
	is_int(g.cell_w, 9, "80 columns: cells capped at 9");
	is_int(g.cell_h, 1, "6 weeks of 2 lines leave too little for the list: compact");
	is_int(g.list_y, 9, "the list starts under the grid, ongoing line and a blank");
	is_int(g.list_h, 12, "and gets the rest");

	ok(cal_geometry(80, 22, 5, 1, &g) && g.cell_h == 2, "5 weeks at 80x22: 2-line cells");
	is_int(g.list_y, 13, "list under 11 grid lines, the ongoing line, a blank");

	ok(cal_geometry(50, 40, 5, 1, &g), "50x40 fits");
	is_int(g.cell_w, 7, "50 columns: 7 per cell");
	is_int(g.cell_h, 1, "50 columns: compact, one line per week");
	ok(cal_geometry(28, 10, 6, 1, &g) && g.cell_w == 4, "28 columns: the narrowest cells");
	ok(!cal_geometry(27, 10, 6, 1, &g), "27 columns do not fit");
	ok(!cal_geometry(50, 5, 5, 1, &g), "5 lines do not fit 5 weeks and the labels");
}

static void test_cells(void)
{
	char buf[32];
	int cx, cw;

	cal_cell_text(5, 12, 7, 1, 0, buf, &cx, &cw);
	is_str(buf, "  5  12", "compact cell: day, count right-aligned");
	is_int(cx, 5, "count column");
	is_int(cw, 2, "count width");
	cal_cell_text(15, 1234, 7, 1, 0, buf, &cx, &cw);
	is_str(buf, " 15 99+", "a count that does not fit reads 99+");
	cal_cell_text(15, 3, 4, 1, 0, buf, &cx, &cw);
	is_str(buf, " 15 ", "4-column compact cell: no room for a count");
	is_int(cw, 0, "so none is reported");
	cal_cell_text(15, 3, 8, 2, 0, buf, &cx, &cw);
	is_str(buf, " 15     ", "2-line cell, line 0: the day");
	cal_cell_text(15, 3, 8, 2, 1, buf, &cx, &cw);
	is_str(buf, "      3 ", "line 1: the count, the last column blank");
	cal_cell_text(0, 3, 8, 2, 0, buf, &cx, &cw);
	is_str(buf, "        ", "a day outside the month is blank");

	cal_count_text(5, 1, buf);
	is_str(buf, "5", "one digit in one column");
	cal_count_text(10, 1, buf);
	is_str(buf, "+", "two digits in one column: +");
	cal_count_text(100, 2, buf);
	is_str(buf, "9+", "three digits in two columns: 9+");
	cal_count_text(0, 5, buf);
	is_str(buf, "", "zero shows nothing");
}

static const char *const zh_labels[7] = { "一", "二", "三", "四", "五", "六", "日" };

static void test_labels(void)
{
	static const char *const long_labels[7] = { "Monday", "Tuesday", "Wednesday", "Thursday",
						    "Friday", "Saturday", "Sunday" };
	char *s;

	s = cal_weekday_line(zh_labels, 5);
	is_str(s, " 一   二   三   四   五   六   日  ", "Chinese labels measured by display width");
	is_int(duban_str_width(s), 35, "7 cells of 5 columns");
	free(s);
	s = cal_weekday_line(long_labels, 5);
	is_str(s, " Mond Tues Wedn Thur Frid Satu Sund", "long labels cut to the cell");
	free(s);
	s = cal_weekday_line(zh_labels, 4);
	is_int(duban_str_width(s), 28, "wide labels in 4-column cells keep the grid aligned");
	free(s);

	ok(cal_locale_is_chinese("zh_CN.UTF-8"), "zh_CN.UTF-8 is Chinese");
	ok(cal_locale_is_chinese("zh_TW"), "zh_TW is Chinese");
	ok(cal_locale_is_chinese("zh"), "zh is Chinese");
	ok(cal_locale_is_chinese("zh:en"), "a LANGUAGE list starting with zh is Chinese");
	ok(!cal_locale_is_chinese("C.UTF-8"), "C.UTF-8 is not");
	ok(!cal_locale_is_chinese("zha_CN"), "zha is not zh");
	ok(!cal_locale_is_chinese(NULL), "no locale is not");
}

static void test_titles(void)
{
	static const char *const months[12] = { "January", "February", "March", "April", "May", "June",
						"July", "August", "September", "October", "November", "December" };
	char *s;

	s = cal_month_title(2026, 6, false, months);
	is_str(s, "June 2026", "English month title");
	free(s);
	s = cal_month_title(2026, 6, true, months);
	is_str(s, "2026年6月", "Chinese month title");
	free(s);
	s = cal_month_title(2027, 12, true, NULL);
	is_str(s, "2027年12月", "Chinese title needs no names");
	free(s);
}

static void put(int *counts, const struct cal_month *m, duban_date d, int n)
{
	counts[d - m->grid_first] = n;
}

static void test_golden(void)
{
	int june[CAL_MAX_CELLS] = { 0 }, feb[CAL_MAX_CELLS] = { 0 };
	struct cal_month m;
	char *s;

	cal_month_of(ymd(2026, 6, 1), &m);
	put(june, &m, ymd(2026, 6, 3), 2);
	put(june, &m, ymd(2026, 6, 15), 12);
	put(june, &m, ymd(2026, 6, 22), 150);
	put(june, &m, ymd(2026, 6, 30), 1);

	s = calendar_month_text(ymd(2026, 6, 15), ymd(2026, 6, 12), june, 50);
	is_str(s,
	       " Mo     Tu     We     Th     Fr     Sa     Su\n"
	       "  1      2      3   2  4      5      6      7\n"
	       "  8      9     10     11    *12     13     14\n"
	       ">15  12 16     17     18     19     20     21\n"
	       " 22 150 23     24     25     26     27     28\n"
	       " 29     30   1\n",
	       "June 2026 at 50 columns (compact)");
	free(s);

	s = calendar_month_text(ymd(2026, 6, 15), ymd(2026, 6, 12), june, 100);
	is_str(s,
	       " Mo      Tu      We      Th      Fr      Sa      Su\n"
	       "  1       2       3       4       5       6       7\n"
	       "                      2\n"
	       "  8       9      10      11     *12      13      14\n"
	       "\n"
	       ">15      16      17      18      19      20      21\n"
	       "     12\n"
	       " 22      23      24      25      26      27      28\n"
	       "    150\n"
	       " 29      30\n"
	       "              1\n",
	       "June 2026 at 100 columns (list beside, 2-line cells)");
	free(s);

	cal_month_of(ymd(2027, 2, 1), &m);
	put(feb, &m, ymd(2027, 2, 1), 7);
	put(feb, &m, ymd(2027, 2, 14), 3);
	put(feb, &m, ymd(2027, 2, 28), 1000);

	s = calendar_month_text(ymd(2027, 2, 1), ymd(2027, 2, 28), feb, 50);
	is_str(s,
	       " Mo     Tu     We     Th     Fr     Sa     Su\n"
	       "> 1   7  2      3      4      5      6      7\n"
	       "  8      9     10     11     12     13     14   3\n"
	       " 15     16     17     18     19     20     21\n"
	       " 22     23     24     25     26     27    *28 99+\n",
	       "February 2027 at 50 columns: 4 weeks");
	free(s);

	s = calendar_month_text(ymd(2027, 2, 1), ymd(2027, 2, 28), feb, 100);
	is_str(s,
	       " Mo      Tu      We      Th      Fr      Sa      Su\n"
	       "> 1       2       3       4       5       6       7\n"
	       "      7\n"
	       "  8       9      10      11      12      13      14\n"
	       "                                                      3\n"
	       " 15      16      17      18      19      20      21\n"
	       "\n"
	       " 22      23      24      25      26      27     *28\n"
	       "                                                   1000\n",
	       "February 2027 at 100 columns");
	free(s);

	s = calendar_grid_text(ymd(2027, 2, 1), ymd(2027, 2, 28), NULL, zh_labels, 50, 20);
	is_str(s,
	       " 一     二     三     四     五     六     日\n"
	       "> 1      2      3      4      5      6      7\n"
	       "  8      9     10     11     12     13     14\n"
	       " 15     16     17     18     19     20     21\n"
	       " 22     23     24     25     26     27    *28\n",
	       "February 2027 with Chinese labels, no counts");
	free(s);
}

static void test_agenda(void)
{
	duban_date today = ymd(2026, 6, 15);
	struct cal_agenda_in in[] = {
		{ ymd(2026, 6, 16), DUBAN_LIGHT_GREEN, false },  /* 0 */
		{ ymd(2026, 6, 10), DUBAN_LIGHT_RED, false },    /* 1 overdue */
		{ DUBAN_DATE_NONE, DUBAN_LIGHT_BLUE, true },     /* 2 ongoing */
		{ ymd(2026, 6, 16), DUBAN_LIGHT_YELLOW, false }, /* 3 */
		{ ymd(2026, 5, 1), DUBAN_LIGHT_RED, false },     /* 4 overdue, oldest */
		{ ymd(2026, 6, 15), DUBAN_LIGHT_YELLOW, false }, /* 5 due today */
		{ ymd(2026, 6, 29), DUBAN_LIGHT_GREEN, false },  /* 6 beyond 14 days */
		{ ymd(2026, 6, 28), DUBAN_LIGHT_GREEN, false },  /* 7 the 14th day */
		{ DUBAN_DATE_NONE, DUBAN_LIGHT_GREEN, false },   /* 8 no date: nowhere */
	};
	struct cal_agenda_line *l;
	int n = cal_agenda_build(in, (int)(sizeof in / sizeof in[0]), today, 14, &l);
	static const struct { int kind, item, count; } want[] = {
		{ CAL_AG_OVERDUE, -1, 2 }, { CAL_AG_ITEM, 4, 0 }, { CAL_AG_ITEM, 1, 0 },
		{ CAL_AG_DAY, -1, 1 }, { CAL_AG_ITEM, 5, 0 },
		{ CAL_AG_DAY, -1, 2 }, { CAL_AG_ITEM, 3, 0 }, { CAL_AG_ITEM, 0, 0 },
		{ CAL_AG_DAY, -1, 1 }, { CAL_AG_ITEM, 7, 0 },
		{ CAL_AG_ONGOING, -1, 1 }, { CAL_AG_ITEM, 2, 0 },
	};
	char name[80];

	is_int(n, (int)(sizeof want / sizeof want[0]), "agenda: line count");
	for (int i = 0; i < n && i < (int)(sizeof want / sizeof want[0]); i++) {
		snprintf(name, sizeof name, "agenda line %d: kind %d item %d count %d", i,
			 want[i].kind, want[i].item, want[i].count);
		ok((int)l[i].kind == want[i].kind && l[i].item == want[i].item && l[i].count == want[i].count, name);
	}
	is_date(l[3].day, ymd(2026, 6, 15), "the first day heading is today");
	is_date(l[8].day, ymd(2026, 6, 28), "the last is the 14th day");
	free(l);

	n = cal_agenda_build(in, 0, today, 14, &l);
	is_int(n, 0, "an empty agenda has no lines");
	free(l);
}

static void test_bars(void)
{
	char *s;
	int v[] = { 0, 1, 4, 8 };

	s = dash_bar(10, 10, 5, true);
	is_str(s, "█████", "a full bar");
	free(s);
	s = dash_bar(5, 8, 3, true);
	is_str(s, "█▉", "5/8 of 3 columns: 15 eighths");
	ok(duban_str_width(s) <= 3, "never wider than asked");
	free(s);
	s = dash_bar(1, 1000000, 20, true);
	is_str(s, "▏", "a tiny value still shows a sliver");
	free(s);
	s = dash_bar(0, 10, 20, true);
	is_str(s, "", "zero: no bar");
	free(s);
	s = dash_bar(5, 8, 3, false);
	is_str(s, "##", "ASCII bar rounds to whole columns");
	free(s);
	s = dash_bar(1, 1000, 10, false);
	is_str(s, "#", "ASCII sliver");
	free(s);
	s = dash_bar(20, 10, 4, true);
	is_str(s, "████", "values above max are clamped");
	free(s);

	s = dash_spark(v, 4, true);
	is_str(s, " ▁▄█", "sparkline");
	free(s);
	s = dash_spark(v, 4, false);
	is_str(s, " .=#", "ASCII sparkline");
	free(s);

	is_int(dash_rate(0, 0), 0, "rate of nothing");
	is_int(dash_rate(999, 1000), 99, "99.9% reads 99, not 100");
	is_int(dash_rate(1000, 1000), 100, "all done: 100");
	is_int(dash_rate(1, 3), 33, "one in three: 33");
}

static void test_filter(void)
{
	struct duban_filter base, f;
	char *text;

	duban_filter_init(&base);
	base.county = "甲县";
	cal_shared_filter(&f, &base, NULL, &text);
	ok(text == NULL && f.text == NULL && strcmp(f.county, "甲县") == 0, "no search: the base filter");
	cal_shared_filter(&f, &base, "采砂", &text);
	is_str(f.text, "采砂", "the search becomes the text");
	free(text);
	base.text = "河道";
	cal_shared_filter(&f, &base, "采砂", &text);
	is_str(f.text, "河道 采砂", "search terms add to the filter's");
	free(text);
}

int main(void)
{
	test_grid();
	test_week();
	test_moves();
	test_geometry();
	test_cells();
	test_labels();
	test_titles();
	test_golden();
	test_agenda();
	test_bars();
	test_filter();
	return done_testing();
}
