/* The calendar's and the dashboard's layout as pure functions (see
 * calendar_layout.h): everything here is decided from numbers and strings,
 * so the golden tests see exactly what the views draw. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "calendar_layout.h"

#define MIN_YEAR 1
#define MAX_YEAR 9999
/* Lines the day list needs below the grid before 2-line cells are worth it. */
#define BELOW_LIST_MIN 8
/* Narrower than this, weeks take one line each (phones over SSH). */
#define TWO_LINE_MIN_WIDTH 60

/* ---------------------------------------------------------------- grid */

void cal_month_of(duban_date d, struct cal_month *m)
{
	int day;

	duban_date_to_ymd(d, &m->year, &m->month, &day);
	m->first_day = d - (day - 1);
	m->last_day = m->first_day + duban_days_in_month(m->year, m->month) - 1;
	m->grid_first = m->first_day - duban_date_weekday(m->first_day);
	m->weeks = (int)((m->last_day - m->grid_first) / 7) + 1;
}

duban_date cal_cell_date(const struct cal_month *m, int row, int col)
{
	return m->grid_first + row * 7 + col;
}

bool cal_in_month(const struct cal_month *m, duban_date d)
{
	return d != DUBAN_DATE_NONE && d >= m->first_day && d <= m->last_day;
}

bool cal_cell_of(const struct cal_month *m, duban_date d, int *row, int *col)
{
	if (d == DUBAN_DATE_NONE || d < m->grid_first || d >= m->grid_first + m->weeks * 7)
		return false;
	*row = (d - m->grid_first) / 7;
	*col = (d - m->grid_first) % 7;
	return true;
}

void cal_week_range(duban_date d, duban_date *monday, duban_date *sunday)
{
	*monday = d - duban_date_weekday(d);
	*sunday = *monday + 6;
}

static bool date_ok(duban_date d)
{
	int y;

	if (d == DUBAN_DATE_NONE)
		return false;
	duban_date_to_ymd(d, &y, NULL, NULL);
	return y >= MIN_YEAR && y <= MAX_YEAR;
}

duban_date cal_move(duban_date d, enum cal_move how)
{
	struct cal_month m;
	duban_date to = DUBAN_DATE_NONE;

	if (!date_ok(d))
		return d;
	cal_month_of(d, &m);
	switch (how) {
	case CAL_PREV_DAY: to = d - 1; break;
	case CAL_NEXT_DAY: to = d + 1; break;
	case CAL_PREV_WEEK: to = d - 7; break;
	case CAL_NEXT_WEEK: to = d + 7; break;
	case CAL_PREV_MONTH: to = duban_date_add_months(d, -1); break;
	case CAL_NEXT_MONTH: to = duban_date_add_months(d, 1); break;
	case CAL_MONTH_START: to = m.first_day; break;
	case CAL_MONTH_END: to = m.last_day; break;
	}
	return date_ok(to) ? to : d;
}

/* ---------------------------------------------------------------- geometry */

bool cal_geometry(int width, int height, int weeks, int reserved, struct cal_geometry *g)
{
	int avail, below;

	memset(g, 0, sizeof *g);
	g->side = width >= CAL_SIDE_MIN_WIDTH;
	avail = g->side ? width - CAL_SIDE_LIST_MIN - 2 : width;
	g->cell_w = avail / 7;
	if (g->cell_w > CAL_MAX_CELL_WIDTH)
		g->cell_w = CAL_MAX_CELL_WIDTH;
	if (g->cell_w < CAL_MIN_CELL_WIDTH || height < 1 + weeks)
		return false;
	g->grid_w = g->cell_w * 7;
	below = g->side ? 0 : BELOW_LIST_MIN;
	g->cell_h = width >= TWO_LINE_MIN_WIDTH && 1 + 2 * weeks + reserved + below <= height ? 2 : 1;
	g->grid_h = 1 + weeks * g->cell_h;
	if (g->side) {
		g->list_x = g->grid_w + 2;
		g->list_w = width - g->list_x;
		g->list_h = height;
		return true;
	}
	g->list_y = g->grid_h + reserved;
	if (g->list_y < height)
		g->list_y++; /* a blank line between the grid and the list */
	if (g->list_y > height)
		g->list_y = height;
	g->list_w = width;
	g->list_h = height - g->list_y;
	return true;
}

/* ---------------------------------------------------------------- cells */

void cal_count_text(int count, int cols, char *buf)
{
	char digits[12];
	int n;

	buf[0] = '\0';
	if (count <= 0 || cols < 1)
		return;
	n = snprintf(digits, sizeof digits, "%d", count);
	if (n <= cols) {
		memcpy(buf, digits, (size_t)n + 1);
		return;
	}
	/* 99+ : as many nines as fit, so the figure still reads as a lower bound */
	n = cols - 1 < 10 ? cols - 1 : 10;
	memset(buf, '9', (size_t)n);
	buf[n] = '+';
	buf[n + 1] = '\0';
}

void cal_cell_text(int day, int count, int cell_w, int cell_h, int line,
		   char *buf, int *count_x, int *count_w)
{
	char num[12];
	int area_x, area_w, n;

	memset(buf, ' ', (size_t)cell_w);
	buf[cell_w] = '\0';
	*count_x = *count_w = 0;
	if (line == 0 && day > 0) {
		snprintf(num, sizeof num, "%2d", day % 100);
		memcpy(buf + 1, num, 2);
	}
	if (cell_h == 2 && line == 1) {
		/* the last column stays blank: with the next cell's marker
		 * column it tells whose count this is */
		area_x = 1;
		area_w = cell_w - 2;
	} else if (cell_h == 1 && line == 0) {
		area_x = 4;
		area_w = cell_w - 4;
	} else {
		return;
	}
	cal_count_text(count, area_w, num);
	n = (int)strlen(num);
	if (n == 0)
		return;
	*count_x = area_x + area_w - n;
	*count_w = n;
	memcpy(buf + *count_x, num, (size_t)n);
}

char *cal_weekday_line(const char *const labels[7], int cell_w)
{
	struct duban_buf b;

	duban_buf_init(&b);
	for (int i = 0; i < 7; i++) {
		const char *l = labels[i] ? labels[i] : "";
		size_t fit = duban_utf8_fit(l, cell_w - 1);
		int used;
		char *cut = xstrndup(l, fit);

		used = duban_str_width(cut);
		duban_buf_putc(&b, ' ');
		duban_buf_puts(&b, cut);
		for (int c = 1 + used; c < cell_w; c++)
			duban_buf_putc(&b, ' ');
		free(cut);
	}
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- titles */

bool cal_locale_is_chinese(const char *name)
{
	if (!name || strncmp(name, "zh", 2) != 0)
		return false;
	return name[2] == '\0' || strchr("_.@:", name[2]) != NULL;
}

char *cal_month_title(int year, int month, bool chinese, const char *const month_names[12])
{
	if (chinese || !month_names || month < 1 || month > 12)
		return xasprintf("%d\xe5\xb9\xb4%d\xe6\x9c\x88", year, month); /* 年 月 */
	return xasprintf("%s %d", month_names[month - 1], year);
}

/* ---------------------------------------------------------------- text form */

static const char *const english_labels[7] = { "Mo", "Tu", "We", "Th", "Fr", "Sa", "Su" };

static void rstrip_line(struct duban_buf *b, size_t start)
{
	while (b->len > start && b->data[b->len - 1] == ' ')
		b->len--;
	duban_buf_putc(b, '\n');
}

static void grid_week_text(struct duban_buf *b, const struct cal_month *m, const struct cal_geometry *g,
			   int row, duban_date cursor, duban_date today, const int *counts)
{
	char *cell = xmalloc((size_t)g->cell_w + 1);

	for (int line = 0; line < g->cell_h; line++) {
		size_t start = b->len;

		for (int col = 0; col < 7; col++) {
			duban_date d = cal_cell_date(m, row, col);
			int y, mo, day = 0, cx, cw;

			if (cal_in_month(m, d))
				duban_date_to_ymd(d, &y, &mo, &day);
			cal_cell_text(day, day && counts ? counts[row * 7 + col] : 0, g->cell_w, g->cell_h,
				      line, cell, &cx, &cw);
			if (day && line == 0 && (d == cursor || d == today))
				cell[0] = d == cursor ? '>' : '*';
			duban_buf_puts(b, cell);
		}
		rstrip_line(b, start);
	}
	free(cell);
}

char *calendar_grid_text(duban_date cursor, duban_date today, const int *counts,
			 const char *const labels[7], int width, int height)
{
	struct cal_month m;
	struct cal_geometry g;
	struct duban_buf b;
	char *head;

	cal_month_of(cursor, &m);
	if (!cal_geometry(width, height, m.weeks, 1, &g))
		return xstrdup("");
	duban_buf_init(&b);
	head = cal_weekday_line(labels ? labels : english_labels, g.cell_w);
	duban_buf_puts(&b, head);
	free(head);
	rstrip_line(&b, 0);
	for (int row = 0; row < m.weeks; row++)
		grid_week_text(&b, &m, &g, row, cursor, today, counts);
	return duban_buf_steal(&b);
}

char *calendar_month_text(duban_date cursor, duban_date today, const int *counts, int width)
{
	return calendar_grid_text(cursor, today, counts, NULL, width, 100);
}

/* ---------------------------------------------------------------- agenda */

enum { SEC_OVERDUE, SEC_DAY, SEC_ONGOING };

struct agenda_key {
	int section;
	duban_date day;
	int light;
	int item;
};

static int agenda_cmp(const void *pa, const void *pb)
{
	const struct agenda_key *a = pa, *b = pb;

	if (a->section != b->section)
		return a->section < b->section ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->light != b->light)
		return a->light < b->light ? -1 : 1;
	return (a->item > b->item) - (a->item < b->item);
}

/* Section and sort key of one item; false when it belongs nowhere. */
static bool agenda_place(const struct cal_agenda_in *in, duban_date today, int days, struct agenda_key *k)
{
	k->light = 0;
	if (in->ongoing) {
		k->section = SEC_ONGOING;
		k->day = 0;
		return true;
	}
	if (in->deadline == DUBAN_DATE_NONE)
		return false;
	if (in->deadline < today) {
		k->section = SEC_OVERDUE;
		k->day = in->deadline;
		return true;
	}
	if (in->deadline - today >= days)
		return false;
	k->section = SEC_DAY;
	k->day = in->deadline;
	k->light = (int)in->light;
	return true;
}

static struct cal_agenda_line heading(enum cal_agenda_kind kind, duban_date day)
{
	struct cal_agenda_line l = { kind, day, -1, 0 };
	return l;
}

int cal_agenda_build(const struct cal_agenda_in *in, int n, duban_date today, int days,
		     struct cal_agenda_line **out)
{
	struct agenda_key *keys = xcalloc((size_t)n + 1, sizeof *keys);
	struct cal_agenda_line *lines;
	int nk = 0, nl = 0, head = -1;

	for (int i = 0; i < n; i++) {
		if (agenda_place(&in[i], today, days, &keys[nk])) {
			keys[nk].item = i;
			nk++;
		}
	}
	qsort(keys, (size_t)nk, sizeof *keys, agenda_cmp);
	/* At most one heading per item. */
	lines = xcalloc((size_t)nk * 2 + 1, sizeof *lines);
	for (int i = 0; i < nk; i++) {
		bool new_group = i == 0 || keys[i].section != keys[i - 1].section ||
				 (keys[i].section == SEC_DAY && keys[i].day != keys[i - 1].day);

		if (new_group) {
			head = nl;
			if (keys[i].section == SEC_OVERDUE)
				lines[nl++] = heading(CAL_AG_OVERDUE, DUBAN_DATE_NONE);
			else if (keys[i].section == SEC_DAY)
				lines[nl++] = heading(CAL_AG_DAY, keys[i].day);
			else
				lines[nl++] = heading(CAL_AG_ONGOING, DUBAN_DATE_NONE);
		}
		lines[head].count++;
		lines[nl].kind = CAL_AG_ITEM;
		lines[nl].day = in[keys[i].item].deadline;
		lines[nl].item = keys[i].item;
		nl++;
	}
	free(keys);
	*out = lines;
	return nl;
}

/* ---------------------------------------------------------------- bars */

static const char *const eighths[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };

char *dash_bar(long long value, long long max, int cols, bool utf8)
{
	struct duban_buf b;
	long long units;

	duban_buf_init(&b);
	if (value <= 0 || max <= 0 || cols <= 0)
		return duban_buf_steal(&b);
	if (value > max)
		value = max;
	units = value * cols * 8 / max;
	if (!utf8)
		units = (units + 4) / 8 * 8;
	if (units < 1)
		units = utf8 ? 1 : 8;
	for (long long i = 0; i < units / 8; i++)
		duban_buf_puts(&b, utf8 ? "█" : "#");
	if (utf8)
		duban_buf_puts(&b, eighths[units % 8]);
	return duban_buf_steal(&b);
}

char *dash_spark(const int *values, int n, bool utf8)
{
	static const char *const blocks[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[] = " .:-=+*#";
	struct duban_buf b;
	int max = 0;

	duban_buf_init(&b);
	for (int i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	for (int i = 0; i < n; i++) {
		long long v = values[i];

		if (v <= 0)
			duban_buf_putc(&b, ' ');
		else if (utf8)
			duban_buf_puts(&b, blocks[(v * 8 - 1) / max]);
		else
			duban_buf_putc(&b, ascii[1 + (v * 7 - 1) / max]);
	}
	return duban_buf_steal(&b);
}

int dash_rate(long long done, long long items)
{
	if (items <= 0 || done <= 0)
		return 0;
	return (int)(done * 100 / items);
}

/* ---------------------------------------------------------------- filter */

void cal_shared_filter(struct duban_filter *out, const struct duban_filter *base,
		       const char *search, char **text)
{
	*out = *base;
	*text = NULL;
	if (!search || !*search)
		return;
	if (base->text && *base->text)
		*text = xasprintf("%s %s", base->text, search);
	else
		*text = xstrdup(search);
	out->text = *text;
}
