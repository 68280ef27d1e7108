/* The calendar's and the dashboard's layout as pure functions: month grids,
 * cursor moves, cell geometry and text, the agenda's grouping, bars and
 * sparklines.  No curses, no SQLite: unit-tested in tests/unit/test_calendar.c
 * and drawn by view_calendar.c and view_dashboard.c. */
#ifndef DUBAN_CALENDAR_LAYOUT_H
#define DUBAN_CALENDAR_LAYOUT_H

#include <stdbool.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/store.h"

#define CAL_MAX_WEEKS 6
#define CAL_MAX_CELLS (CAL_MAX_WEEKS * 7)
#define CAL_MIN_CELL_WIDTH 4
#define CAL_MAX_CELL_WIDTH 9
/* From this width the day's items go beside the grid, else below it. */
#define CAL_SIDE_MIN_WIDTH 100
#define CAL_SIDE_LIST_MIN 40

/* A month as a grid of weeks starting on Monday. */
struct cal_month {
	int year, month;        /* the month shown */
	duban_date first_day;   /* 1st of the month */
	duban_date last_day;    /* last day of the month */
	duban_date grid_first;  /* the Monday of the top row */
	int weeks;              /* 4..6 rows */
};

/* The grid of the month that holds d. */
void cal_month_of(duban_date d, struct cal_month *m);
/* The date of cell (row, col); col 0 is Monday. */
duban_date cal_cell_date(const struct cal_month *m, int row, int col);
bool cal_in_month(const struct cal_month *m, duban_date d);
/* Row and column of d in the grid; false when d is outside it. */
bool cal_cell_of(const struct cal_month *m, duban_date d, int *row, int *col);
/* Monday .. Sunday of the week that holds d. */
void cal_week_range(duban_date d, duban_date *monday, duban_date *sunday);

enum cal_move {
	CAL_PREV_DAY, CAL_NEXT_DAY,
	CAL_PREV_WEEK, CAL_NEXT_WEEK,
	CAL_PREV_MONTH, CAL_NEXT_MONTH, /* keeps the day of the month, clamped */
	CAL_MONTH_START, CAL_MONTH_END
};
/* The cursor moved; NONE and dates beyond year 1..9999 stay where they are. */
duban_date cal_move(duban_date d, enum cal_move how);

/* How the month view divides its rectangle. */
struct cal_geometry {
	int cell_w;         /* columns per day, >= CAL_MIN_CELL_WIDTH */
	int cell_h;         /* lines per week: 2 (day, then count) or 1 (compact) */
	int grid_w, grid_h; /* the weekday label line plus the weeks */
	bool side;          /* the day list beside the grid (else below) */
	int list_y, list_x, list_h, list_w; /* relative to the rectangle */
};
/* Lays out a month of `weeks` rows in width x height, keeping `reserved`
 * lines under the grid for other lines (the ongoing count).  False when not
 * even the compact grid fits. */
bool cal_geometry(int width, int height, int weeks, int reserved, struct cal_geometry *g);

/* The text of one line (0 or 1) of a day cell, exactly cell_w columns
 * (ASCII only): the day number in columns 1-2; the count ("99+" when it does
 * not fit, nothing when zero) on line 1 right-aligned before the last column,
 * or in compact cells (cell_h 1) on line 0 from column 4 to the end.  Column 0 is left blank for a marker.  buf holds at least
 * cell_w + 1 bytes.  The count's columns are returned in *count_x and
 * *count_w (0 when there is none) so the view can colour them. */
void cal_cell_text(int day, int count, int cell_w, int cell_h, int line,
		   char *buf, int *count_x, int *count_w);

/* Writes count into at most cols columns: "123", "99+" or "+"; "" when
 * count is 0 or cols < 1.  buf of at least 12 bytes. */
void cal_count_text(int count, int cols, char *buf);

/* The weekday label line for cells of cell_w columns: each label (display
 * width measured, truncated without a mark) starts at column 1 of its cell.
 * Malloc'd. */
char *cal_weekday_line(const char *const labels[7], int cell_w);

/* Is this LC_MESSAGES / LANGUAGE name Chinese ("zh_CN.UTF-8", "zh")? */
bool cal_locale_is_chinese(const char *name);
/* "June 2026" (month_names[5], year) or, in Chinese, "2026年6月".  Malloc'd. */
char *cal_month_title(int year, int month, bool chinese, const char *const month_names[12]);

/* The month grid as plain text, as the view lays it out for this width on
 * a tall screen: the weekday labels, then the weeks; counts[i] belongs to
 * cell i (row * 7 + col) and may be NULL.  The cursor's cell is marked '>'
 * in its column 0, today '*'.  Lines end with '\n', trailing spaces
 * removed.  labels may be NULL (English two-letter names).  Malloc'd. */
char *calendar_month_text(duban_date cursor, duban_date today, const int *counts, int width);
char *calendar_grid_text(duban_date cursor, duban_date today, const int *counts,
			 const char *const labels[7], int width, int height);

/* ---- The agenda: overdue first, then by day, then ongoing items ---- */
struct cal_agenda_in {
	duban_date deadline;
	enum duban_light light;
	bool ongoing;       /* 长期坚持: listed in its own section at the end */
};

enum cal_agenda_kind {
	CAL_AG_OVERDUE,     /* the "overdue" heading */
	CAL_AG_DAY,         /* a day's heading: .day */
	CAL_AG_ONGOING,     /* the "ongoing" heading */
	CAL_AG_ITEM         /* .item: an index into the input */
};

struct cal_agenda_line {
	enum cal_agenda_kind kind;
	duban_date day;
	int item;           /* -1 for headings */
	int count;          /* headings: how many items follow */
};

/* Groups n items: those with a deadline before today (not ongoing) under
 * "overdue" (oldest first), then one heading per day from today for `days`
 * days holding items (each day's items by light, most urgent first), then
 * the ongoing items.  Items outside these are dropped; input order is kept
 * otherwise.  Returns the number of lines in *out (malloc'd). */
int cal_agenda_build(const struct cal_agenda_in *in, int n, duban_date today, int days,
		     struct cal_agenda_line **out);

/* ---- Bars and sparklines for the dashboard ---- */
/* A horizontal bar of value/max scaled to cols columns, in eighths with
 * █ and ▏▎▍▌▋▊▉ when utf8, else '#' per full column (a value above zero
 * shows at least a sliver).  Malloc'd; its display width is <= cols. */
char *dash_bar(long long value, long long max, int cols, bool utf8);
/* One character per value, ▁..█ scaled to the maximum (a space for 0) when
 * utf8, else " .:-=+*#".  Malloc'd. */
char *dash_spark(const int *values, int n, bool utf8);
/* done / items as a whole percentage rounded down ("100" only when all are
 * done); 0 when items is 0. */
int dash_rate(long long done, long long items);

/* The shared selection of the ledger, calendar and dashboard: base with the
 * search text added to its full-text terms.  *text receives a malloc'd
 * string the filter points to (or NULL); free it after use. */
void cal_shared_filter(struct duban_filter *out, const struct duban_filter *base,
		       const char *search, char **text);

#endif
