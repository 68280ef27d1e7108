/* The deadline calendar: a month grid with each day's count of deadlines
 * coloured by its worst light and the selected day's items beside or below
 * it; a week view; an agenda of the coming days, overdue items first.
 * Ongoing (长期坚持) items have no day: they are counted apart and listed at
 * the end of the agenda.  Layout decisions live in calendar_layout.c. */
#include <config.h>

#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "calendar_layout.h"
#include "tui.h"

#define ALL_LIGHTS ((1u << DUBAN_LIGHT_COUNT) - 1)
#define BLUE_BIT (1u << DUBAN_LIGHT_BLUE)
/* Rows read for one day, one week column, and each agenda section: a day
 * of a huge ledger can hold thousands; the rest is reported as "+N more". */
#define DAY_CAP 300
#define WEEK_CAP 40
#define AGENDA_CAP 400
/* The week view's days side by side from this column width. */
#define WEEK_COLUMN_MIN 26

enum mode { MODE_MONTH, MODE_WEEK, MODE_AGENDA };

/* Rows read from the store, with how many matched in all. */
struct rowset {
	struct duban_row *rows;
	int n;
	long long total;
};

/* An agenda line: a grouped line, or "more" at the end of a section. */
struct ag_line {
	enum cal_agenda_kind kind;
	bool more;          /* "… N more" */
	duban_date day;
	int item;           /* index into agenda.rows, -1 otherwise */
	long long count;
};

struct calendar {
	enum mode mode;
	duban_date today, cursor;
	bool focus_list;
	int sel, top;             /* the day list (month, week) */
	char *text;               /* the filter's text terms, owned */
	bool chinese;
	const char *labels[7];

	/* month grid counts, valid for `counts_month` */
	struct cal_month month;
	duban_date counts_first;
	int counts[CAL_MAX_CELLS];
	enum duban_light worst[CAL_MAX_CELLS];
	bool counts_valid;

	/* the selected day's items (month), or the week's per day */
	duban_date day_loaded;
	struct rowset day;
	duban_date week_loaded;
	struct rowset week[7];

	/* agenda */
	bool agenda_valid;
	struct rowset agenda;     /* overdue, upcoming, ongoing rows together */
	struct ag_line *ag;
	int nag, ag_sel, ag_top;
	/* Each section's full count (overdue, coming days, ongoing); -1 while
	 * a section cut at AGENDA_CAP waits for idle() to count it: counting
	 * 200,000 overdue items must not hold up the first screen. */
	long long ag_totals[3];

	long long ongoing;        /* -1 until counted in idle() */

	/* last layout, for the mouse */
	int y, x, h, w;
	struct cal_geometry g;
	int page;                 /* list lines on screen */
};

static const char *const en_labels[7] = {
	N_("Mo"), N_("Tu"), N_("We"), N_("Th"), N_("Fr"), N_("Sa"), N_("Su")
};
/* Chinese weekday labels, used as is when the messages are Chinese so the
 * grid is right even before the catalogue translates the English ones. */
static const char *const zh_labels[7] = { "一", "二", "三", "四", "五", "六", "日" };
static const char *const zh_weekdays[7] = { "周一", "周二", "周三", "周四", "周五", "周六", "周日" };
static const char *const en_weekdays[7] = {
	N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")
};
static const char *const month_msgids[12] = {
	N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
	N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December")
};

/* ---------------------------------------------------------------- helpers */

static bool messages_chinese(void)
{
	const char *msgs = setlocale(LC_MESSAGES, NULL);
	const char *language = getenv("LANGUAGE");

	/* gettext ignores LANGUAGE in the C locale, and so do we */
	if (msgs && strcmp(msgs, "C") != 0 && strcmp(msgs, "POSIX") != 0 && language && *language)
		return cal_locale_is_chinese(language);
	return cal_locale_is_chinese(msgs);
}

static void rowset_clear(struct rowset *s)
{
	for (int i = 0; i < s->n; i++)
		duban_row_free(&s->rows[i]);
	free(s->rows);
	memset(s, 0, sizeof *s);
}

/* The items of the cursor's day: the list the focus moves into. */
static const struct rowset *current_rows(const struct calendar *c)
{
	if (c->mode == MODE_WEEK)
		return &c->week[duban_date_weekday(c->cursor)];
	return &c->day;
}

static const char *light_mark(const struct tui *t, enum duban_light l)
{
	static const char *const letters[DUBAN_LIGHT_COUNT] = { "R", "Y", "G", "B", "-" };

	if ((unsigned)l >= DUBAN_LIGHT_COUNT)
		return " ";
	return t->utf8 ? duban_light_symbol(l) : letters[l];
}

static char *date_text(duban_date d)
{
	char buf[11];

	return xstrdup(duban_date_format(d, buf));
}

/* "2026-06-15 Mon · today" */
static char *day_heading(const struct calendar *c, duban_date d)
{
	char buf[11];
	int wd = duban_date_weekday(d);
	const char *name = c->chinese ? zh_weekdays[wd] : _(en_weekdays[wd]);

	duban_date_format(d, buf);
	if (d == c->today)
		return xasprintf("%s %s · %s", buf, name, _("today"));
	if (d == c->today + 1)
		return xasprintf("%s %s · %s", buf, name, _("tomorrow"));
	return xasprintf("%s %s", buf, name);
}

/* The shared selection, without the ongoing items (they have no day).
 * False when nothing can match (the filter asks for ongoing items only). */
static bool dated_filter(struct tui *t, struct calendar *c, struct duban_filter *f)
{
	unsigned mask;

	free(c->text);
	cal_shared_filter(f, &t->filter.filter, NULL, &c->text);
	mask = (f->light_mask ? f->light_mask : ALL_LIGHTS) & ~BLUE_BIT;
	f->light_mask = mask;
	return mask != 0;
}

static bool ongoing_filter(struct tui *t, struct calendar *c, struct duban_filter *f)
{
	free(c->text);
	cal_shared_filter(f, &t->filter.filter, NULL, &c->text);
	if (f->light_mask && !(f->light_mask & BLUE_BIT))
		return false;
	f->light_mask = BLUE_BIT;
	return true;
}

/* Reads up to cap rows of f into s. */
static void fetch(struct tui *t, const struct duban_filter *f, enum duban_sort sort, int cap, struct rowset *s)
{
	struct duban_cursor start;
	int got = 0;

	rowset_clear(s);
	memset(&start, 0, sizeof start);
	s->rows = xcalloc((size_t)cap, sizeof *s->rows);
	if (duban_query_window(t->st, f, sort, false, &start, false, cap, s->rows, &got) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		got = 0;
	}
	s->n = got;
	s->total = got;
}

static void invalidate(struct calendar *c)
{
	c->counts_valid = false;
	c->day_loaded = DUBAN_DATE_NONE;
	c->week_loaded = DUBAN_DATE_NONE;
	c->agenda_valid = false;
	c->ongoing = -1;
}

/* ---------------------------------------------------------------- loading */

static void load_counts(struct tui *t, struct calendar *c)
{
	struct duban_filter f;
	int n;

	cal_month_of(c->cursor, &c->month);
	n = c->month.weeks * 7;
	c->counts_first = c->month.grid_first;
	c->counts_valid = true;
	memset(c->counts, 0, sizeof c->counts);
	for (int i = 0; i < CAL_MAX_CELLS; i++)
		c->worst[i] = DUBAN_LIGHT_COUNT;
	if (!dated_filter(t, c, &f))
		return;
	if (duban_query_by_day(t->st, &f, c->counts_first, c->counts_first + n - 1, c->counts, c->worst) != DUBAN_OK)
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
}

static int count_on(const struct calendar *c, duban_date d)
{
	long long i = (long long)d - c->counts_first;

	return c->counts_valid && i >= 0 && i < c->month.weeks * 7 ? c->counts[i] : 0;
}

/* Up to cap items due on d, most urgent first. */
static void load_day(struct tui *t, struct calendar *c, duban_date d, int cap, struct rowset *s)
{
	struct duban_filter f;

	rowset_clear(s);
	if (!dated_filter(t, c, &f))
		return;
	f.due_after = f.due_before = d;
	fetch(t, &f, DUBAN_SORT_LIGHT, cap, s);
}

static void ensure_month(struct tui *t, struct calendar *c)
{
	struct cal_month m;

	cal_month_of(c->cursor, &m);
	if (!c->counts_valid || m.first_day != c->month.first_day)
		load_counts(t, c);
	if (c->day_loaded == c->cursor)
		return;
	load_day(t, c, c->cursor, DAY_CAP, &c->day);
	if (count_on(c, c->cursor) > c->day.total)
		c->day.total = count_on(c, c->cursor);
	c->day_loaded = c->cursor;
	c->sel = c->top = 0;
}

static void ensure_week(struct tui *t, struct calendar *c)
{
	struct duban_filter f;
	duban_date mon, sun;
	int counts[7];
	enum duban_light worst[7];

	cal_week_range(c->cursor, &mon, &sun);
	if (c->week_loaded == mon)
		return;
	c->week_loaded = mon;
	memset(counts, 0, sizeof counts);
	if (dated_filter(t, c, &f) && duban_query_by_day(t->st, &f, mon, sun, counts, worst) != DUBAN_OK)
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
	for (int i = 0; i < 7; i++) {
		load_day(t, c, mon + i, WEEK_CAP, &c->week[i]);
		if (counts[i] > c->week[i].total)
			c->week[i].total = counts[i];
	}
}

static long long count_matching(struct tui *t, const struct duban_filter *f)
{
	long long n = 0;

	if (duban_query_count(t->st, f, &n) != DUBAN_OK && !duban_store_stopped(t->st))
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
	return n;
}

/* Appends the rows of s to the agenda's rows. */
static void agenda_take(struct calendar *c, struct rowset *s)
{
	struct rowset *a = &c->agenda;

	a->rows = xrealloc(a->rows, (size_t)(a->n + s->n + 1) * sizeof *a->rows);
	memcpy(a->rows + a->n, s->rows, (size_t)s->n * sizeof *s->rows);
	a->n += s->n;
	free(s->rows);
	memset(s, 0, sizeof *s);
}

static void ag_push(struct calendar *c, int *cap, struct ag_line l)
{
	if (c->nag == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		c->ag = xrealloc(c->ag, (size_t)*cap * sizeof *c->ag);
	}
	c->ag[c->nag++] = l;
}

static int section_of(enum cal_agenda_kind k)
{
	return k == CAL_AG_OVERDUE ? 0 : k == CAL_AG_ONGOING ? 2 : 1;
}

/* The grouped lines, with a "… N more" line closing each section that was
 * cut at AGENDA_CAP; headings of capped sections carry the full count. */
static void agenda_lines(struct calendar *c, int days, const long long totals[3])
{
	struct cal_agenda_in *in = xcalloc((size_t)c->agenda.n + 1, sizeof *in);
	struct cal_agenda_line *lines;
	long long shown[3] = { 0, 0, 0 };
	int n, cap = 0, sec = 1;

	for (int i = 0; i < c->agenda.n; i++) {
		const struct duban_row *r = &c->agenda.rows[i];

		in[i].deadline = r->deadline;
		in[i].light = r->light;
		in[i].ongoing = r->deadline_kind == DUBAN_DEADLINE_ONGOING;
	}
	n = cal_agenda_build(in, c->agenda.n, c->today, days, &lines);
	free(in);
	free(c->ag);
	c->ag = NULL;
	c->nag = 0;
	for (int i = 0; i < n; i++) {
		struct ag_line l = { lines[i].kind, false, lines[i].day, lines[i].item, lines[i].count };
		bool last;

		if (l.kind != CAL_AG_ITEM) {
			sec = section_of(l.kind);
			if (sec != 1)
				l.count = totals[sec];
			ag_push(c, &cap, l);
			continue;
		}
		ag_push(c, &cap, l);
		shown[sec]++;
		last = i + 1 == n || (lines[i + 1].kind != CAL_AG_ITEM && section_of(lines[i + 1].kind) != sec);
		if (last && totals[sec] > shown[sec])
			ag_push(c, &cap, (struct ag_line){ CAL_AG_ITEM, true, DUBAN_DATE_NONE, -1, totals[sec] - shown[sec] });
	}
	free(lines);
}

static int agenda_days(const struct tui *t)
{
	return t->settings.agenda_days > 0 ? t->settings.agenda_days : 14;
}

/* Reads one section into the agenda; its full count in *total, -1 when
 * it was cut (counted later, in idle()). */
static void agenda_section(struct tui *t, struct calendar *c, const struct duban_filter *f,
			   enum duban_sort sort, long long *total)
{
	struct rowset s;

	memset(&s, 0, sizeof s);
	fetch(t, f, sort, AGENDA_CAP, &s);
	*total = s.n == AGENDA_CAP ? -1 : s.n;
	agenda_take(c, &s);
}

/* The filter of agenda section sec (0 overdue, 1 coming days, 2 ongoing);
 * false when the section is empty by the filter. */
static bool agenda_filter(struct tui *t, struct calendar *c, int sec, struct duban_filter *f)
{
	if (sec == 2)
		return ongoing_filter(t, c, f);
	if (!dated_filter(t, c, f))
		return false;
	if (sec == 0) {
		f->overdue = true;
	} else {
		f->due_after = c->today;
		f->due_before = c->today + agenda_days(t) - 1;
	}
	return true;
}

static bool is_item_line(const struct calendar *c, int i)
{
	return i >= 0 && i < c->nag && c->ag[i].kind == CAL_AG_ITEM && !c->ag[i].more;
}

/* The nearest item line from i in direction dir (+1/-1), or -1. */
static int item_line_from(const struct calendar *c, int i, int dir)
{
	for (; i >= 0 && i < c->nag; i += dir)
		if (is_item_line(c, i))
			return i;
	return -1;
}

static void ensure_agenda(struct tui *t, struct calendar *c)
{
	struct duban_filter f;
	long long totals[3] = { 0, 0, 0 };
	int days = agenda_days(t);

	if (c->agenda_valid)
		return;
	c->agenda_valid = true;
	rowset_clear(&c->agenda);
	for (int sec = 0; sec < 3; sec++)
		if (agenda_filter(t, c, sec, &f))
			agenda_section(t, c, &f, sec == 2 ? DUBAN_SORT_CODE : DUBAN_SORT_DEADLINE, &totals[sec]);
	memcpy(c->ag_totals, totals, sizeof totals);
	c->ongoing = totals[2];
	agenda_lines(c, days, totals);
	c->ag_sel = item_line_from(c, 0, 1);
	c->ag_top = 0;
}

/* Counts one agenda section that was cut; true when it did (the lines
 * are rebuilt with the count, the selection kept on its item). */
static bool agenda_count_step(struct tui *t, struct calendar *c)
{
	struct duban_filter f;
	int sec = 0;

	while (sec < 3 && c->ag_totals[sec] >= 0)
		sec++;
	if (!c->agenda_valid || sec == 3)
		return false;
	long long n = agenda_filter(t, c, sec, &f) ? count_matching(t, &f) : 0;
	if (duban_store_stopped(t->st))
		return false; /* a key came first: counted later */
	c->ag_totals[sec] = n;
	if (sec == 2)
		c->ongoing = n;
	if (c->ag_totals[0] < 0 || c->ag_totals[1] < 0 || c->ag_totals[2] < 0)
		return true;
	int item = is_item_line(c, c->ag_sel) ? c->ag[c->ag_sel].item : -1;
	int off = c->ag_sel - c->ag_top;
	agenda_lines(c, agenda_days(t), c->ag_totals);
	for (int i = 0; i < c->nag && item >= 0; i++) {
		if (is_item_line(c, i) && c->ag[i].item == item) {
			c->ag_sel = i;
			c->ag_top = i - off < 0 ? 0 : i - off;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- drawing */

/* One item: light, code, title and, right-aligned, extra (status or due). */
static void draw_item(struct tui *t, WINDOW *win, int y, int x, int w, const struct duban_row *r,
		      bool selected, const char *extra, int extra_w)
{
	attr_t base = tui_attr(t, selected ? TUI_EL_CURSOR : TUI_EL_DEFAULT);
	int code_w = w >= 56 ? 11 : w >= 24 ? 10 : 0;
	int title_w;

	if (w < 12 || !extra)
		extra_w = 0;
	title_w = w - 2 - (code_w ? code_w + 1 : 0) - (extra_w ? extra_w + 1 : 0);
	if (title_w < 6) {
		extra_w = 0;
		title_w = w - 2 - (code_w ? code_w + 1 : 0);
	}
	tui_text(win, y, x, light_mark(t, r->light), 2, selected ? base : tui_light_attr(t, r->light));
	x += 2;
	if (code_w) {
		tui_text(win, y, x, r->code, code_w + 1, base);
		x += code_w + 1;
	}
	tui_text(win, y, x, r->title, title_w + (extra_w ? 1 : 0), base);
	x += title_w + (extra_w ? 1 : 0);
	if (extra_w)
		tui_text_right(win, y, x, extra, extra_w, selected ? base : tui_attr(t, TUI_EL_DIM));
}

static int status_width(void)
{
	int w = 0;

	for (int s = 0; s < DUBAN_STATUS_COUNT; s++) {
		int sw = duban_str_width(duban_status_name((enum duban_status)s));
		if (sw > w)
			w = sw;
	}
	return w;
}

/* Keeps the selection of a list of n rows (total matching) visible in h
 * lines; returns how many rows show (the last line may say "+N more"). */
static int list_fit(struct calendar *c, int n, long long total, int h)
{
	int visible;

	if (c->sel >= n)
		c->sel = n - 1;
	if (c->sel < 0)
		c->sel = 0;
	visible = total - c->top > h && h > 1 ? h - 1 : h;
	if (visible < 1)
		return 0;
	if (c->sel >= c->top + visible)
		c->top = c->sel - visible + 1;
	if (c->sel < c->top)
		c->top = c->sel;
	visible = total - c->top > h && h > 1 ? h - 1 : h;
	if (visible > n - c->top)
		visible = n - c->top;
	return visible < 0 ? 0 : visible;
}

/* The rows of one day in h lines from (y, x); scrolled and highlighted when
 * it is the cursor's day and the list has the focus. */
static void draw_rows(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w,
		      const struct rowset *s, bool current)
{
	bool focused = current && c->focus_list;
	int top = focused ? c->top : 0;
	int visible, sw = w >= 52 ? status_width() : 0;
	char *more;

	if (h <= 0)
		return;
	if (focused) {
		visible = list_fit(c, s->n, s->total, h);
		top = c->top; /* list_fit scrolls: G shows the last row at once */
	} else {
		visible = s->total > h && h > 1 ? h - 1 : h;
		if (visible > s->n)
			visible = s->n;
	}
	for (int i = 0; i < visible; i++) {
		const struct duban_row *r = &s->rows[top + i];

		draw_item(t, win, y + i, x, w, r, focused && top + i == c->sel,
			  duban_status_name(r->status), sw);
	}
	if (s->total <= top + visible || visible >= h)
		return;
	more = xasprintf(_("+%lld more"), s->total - top - visible);
	tui_text(win, y + visible, x + 2, more, w - 2, tui_attr(t, TUI_EL_DIM));
	free(more);
}

static void draw_ongoing_line(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int w)
{
	char *s;

	if (c->ongoing < 0)
		s = xasprintf(_("ongoing (%s): counting…"), duban_deadline_kind_zh(DUBAN_DEADLINE_ONGOING));
	else
		s = xasprintf(_("ongoing (%s): %lld items"), duban_deadline_kind_zh(DUBAN_DEADLINE_ONGOING),
			      c->ongoing);
	tui_text(win, y, x, s, w, tui_attr(t, TUI_EL_LIGHT_BLUE));
	free(s);
}

static void draw_too_small(struct tui *t, WINDOW *win, int y, int x, int w)
{
	tui_text(win, y, x, _("too small for the calendar: widen the terminal"), w, tui_attr(t, TUI_EL_ERROR));
}

static attr_t cursor_attr(const struct tui *t, const struct calendar *c)
{
	if (c->focus_list)
		return tui_attr(t, TUI_EL_LABEL) | A_UNDERLINE;
	return tui_attr(t, TUI_EL_CURSOR);
}

static void draw_cell(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int row, int col)
{
	const struct cal_geometry *g = &c->g;
	duban_date d = cal_cell_date(&c->month, row, col);
	bool in = cal_in_month(&c->month, d), cursor = d == c->cursor;
	int idx = row * 7 + col, day = 0, cx, cw;
	attr_t base = cursor ? cursor_attr(t, c) : tui_attr(t, TUI_EL_DEFAULT);
	char buf[CAL_MAX_CELL_WIDTH + 1];

	if (in)
		duban_date_to_ymd(d, NULL, NULL, &day);
	for (int line = 0; line < g->cell_h; line++) {
		cal_cell_text(day, in ? c->counts[idx] : 0, g->cell_w, g->cell_h, line, buf, &cx, &cw);
		tui_text(win, y + line, x, buf, g->cell_w, base);
		if (line == 0 && in && d == c->today && !cursor) {
			char num[3] = { buf[1], buf[2], '\0' };
			tui_text(win, y, x + 1, num, 2, tui_attr(t, TUI_EL_TODAY));
		}
		if (!cw)
			continue;
		/* The selected day keeps its light: in the cursor's colours,
		 * its symbol still says which. */
		attr_t light = cursor ? base : tui_light_attr(t, c->worst[idx]);
		buf[cx + cw] = '\0';
		tui_text(win, y + line, x + cx, buf + cx, cw, light);
		/* the light's symbol tells lights apart without colour; on one
		 * line it also keeps the count apart from the day number */
		if (g->cell_h == 2 && cx >= 3)
			tui_text(win, y + line, x + 1, light_mark(t, c->worst[idx]), 1, light);
		else if (g->cell_h == 1 && cx >= 4)
			tui_text(win, y + line, x + cx - 1, light_mark(t, c->worst[idx]), 1, light);
	}
}

static void draw_grid(struct tui *t, struct calendar *c, WINDOW *win, int y, int x)
{
	const struct cal_geometry *g = &c->g;
	char *labels = cal_weekday_line(c->labels, g->cell_w);

	tui_text(win, y, x, labels, g->grid_w, tui_attr(t, TUI_EL_TABLE_HEAD));
	free(labels);
	for (int row = 0; row < c->month.weeks; row++)
		for (int col = 0; col < 7; col++)
			draw_cell(t, c, win, y + 1 + row * g->cell_h, x + col * g->cell_w, row, col);
}

static void draw_day_list(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w)
{
	char *head, *line;

	if (h <= 0 || w <= 0)
		return;
	head = day_heading(c, c->cursor);
	line = xasprintf(_("%s · %lld due"), head, c->day.total);
	tui_text(win, y, x, line, w, tui_attr(t, TUI_EL_LABEL));
	free(line);
	free(head);
	if (c->day.total == 0) {
		tui_text(win, y + 1, x + 2, _("no deadlines on this day"), w - 2, tui_attr(t, TUI_EL_DIM));
		return;
	}
	c->page = h - 1;
	draw_rows(t, c, win, y + 1, x, h - 1, w, &c->day, true);
}

static void draw_month(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w)
{
	const struct cal_geometry *g = &c->g;

	ensure_month(t, c);
	if (c->day.n == 0)
		c->focus_list = false;
	if (!cal_geometry(w, h, c->month.weeks, 1, &c->g)) {
		draw_too_small(t, win, y, x, w);
		return;
	}
	draw_grid(t, c, win, y, x);
	if (g->grid_h < h)
		draw_ongoing_line(t, c, win, y + g->grid_h, x, g->side ? g->grid_w : w);
	draw_day_list(t, c, win, y + g->list_y, x + g->list_x, g->list_h, g->list_w);
}

static attr_t day_head_attr(const struct tui *t, const struct calendar *c, duban_date d)
{
	if (d == c->cursor)
		return cursor_attr(t, c);
	if (d == c->today)
		return tui_attr(t, TUI_EL_TODAY);
	return tui_attr(t, TUI_EL_TABLE_HEAD);
}

static char *week_day_head(const struct calendar *c, duban_date d, int i, bool narrow)
{
	int day;

	if (narrow) {
		char *head = day_heading(c, d);
		char *s = xasprintf(_("%s · %lld due"), head, c->week[i].total);
		free(head);
		return s;
	}
	duban_date_to_ymd(d, NULL, NULL, &day);
	if (c->week[i].total)
		return xasprintf("%s %d (%lld)", c->labels[i], day, c->week[i].total);
	return xasprintf("%s %d", c->labels[i], day);
}

/* Seven columns side by side. */
static void draw_week_columns(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w,
			      duban_date mon)
{
	int col_w = w / 7;

	for (int i = 0; i < 7; i++) {
		char *head = week_day_head(c, mon + i, i, false);
		bool current = mon + i == c->cursor;

		tui_text(win, y, x + i * col_w, head, col_w - 1, day_head_attr(t, c, mon + i));
		free(head);
		if (current)
			c->page = h - 1;
		draw_rows(t, c, win, y + 1, x + i * col_w, h - 1, col_w - 1, &c->week[i], current);
	}
}

/* Shares the free lines among the days: the cursor's day first gets up to
 * a third, then each day in turn one more line while it has items left. */
static void share_lines(const struct calendar *c, int sel, int rest, int lines[7])
{
	bool gave = true;

	memset(lines, 0, 7 * sizeof *lines);
	lines[sel] = (int)(c->week[sel].total < rest / 3 ? c->week[sel].total : rest / 3);
	rest -= lines[sel];
	while (rest > 0 && gave) {
		gave = false;
		for (int k = 0; k < 7 && rest > 0; k++) {
			int i = (sel + k) % 7;
			if (lines[i] < c->week[i].total) {
				lines[i]++;
				rest--;
				gave = true;
			}
		}
	}
}

/* Seven blocks one under the other, each a heading and its share of lines. */
static void draw_week_rows(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w,
			   duban_date mon)
{
	int sel = duban_date_weekday(c->cursor), lines[7];

	share_lines(c, sel, h - 7, lines);
	for (int i = 0; i < 7 && h > 0; i++) {
		char *head = week_day_head(c, mon + i, i, true);

		tui_text(win, y, x, head, w, day_head_attr(t, c, mon + i));
		free(head);
		if (i == sel)
			c->page = lines[i];
		draw_rows(t, c, win, y + 1, x, lines[i], w, &c->week[i], i == sel);
		y += 1 + lines[i];
		h -= 1 + lines[i];
	}
}

static void draw_week(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w)
{
	duban_date mon, sun;

	ensure_week(t, c);
	if (current_rows(c)->n == 0)
		c->focus_list = false;
	cal_week_range(c->cursor, &mon, &sun);
	if (h < 9 || w < 28) {
		draw_too_small(t, win, y, x, w);
		return;
	}
	/* Columns only when each is wide enough for a code and a title worth
	 * reading; below that, the days one under the other, full width. */
	if (w >= 7 * WEEK_COLUMN_MIN)
		draw_week_columns(t, c, win, y, x, h - 1, w, mon);
	else
		draw_week_rows(t, c, win, y, x, h - 1, w, mon);
	draw_ongoing_line(t, c, win, y + h - 1, x, w);
}

static void draw_ag_heading(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int w,
			    const struct ag_line *l)
{
	char *s, *head;

	switch (l->kind) {
	case CAL_AG_OVERDUE:
		s = l->count < 0 ? xstrdup(_("overdue · counting…")) : xasprintf(_("overdue · %lld"), l->count);
		tui_text(win, y, x, s, w, tui_attr(t, TUI_EL_OVERDUE) | A_BOLD);
		break;
	case CAL_AG_ONGOING:
		s = l->count < 0 ? xasprintf(_("ongoing (%s) · counting…"), duban_deadline_kind_zh(DUBAN_DEADLINE_ONGOING))
				 : xasprintf(_("ongoing (%s) · %lld"), duban_deadline_kind_zh(DUBAN_DEADLINE_ONGOING),
					     l->count);
		tui_text(win, y, x, s, w, tui_attr(t, TUI_EL_LIGHT_BLUE) | A_BOLD);
		break;
	default:
		head = day_heading(c, l->day);
		s = xasprintf("%s · %lld", head, l->count);
		free(head);
		tui_text(win, y, x, s, w, tui_attr(t, l->day == c->today ? TUI_EL_TODAY : TUI_EL_LABEL) | A_BOLD);
		break;
	}
	free(s);
}

static void draw_ag_line(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int w, int i)
{
	const struct ag_line *l = &c->ag[i];
	const struct duban_row *r;
	char *extra, *s;

	if (l->kind != CAL_AG_ITEM) {
		draw_ag_heading(t, c, win, y, x, w, l);
		return;
	}
	if (l->more) {
		s = xasprintf(_("… %lld more: filter the ledger to see them all"), l->count);
		tui_text(win, y, x + 4, s, w - 4, tui_attr(t, TUI_EL_DIM));
		free(s);
		return;
	}
	r = &c->agenda.rows[l->item];
	/* Narrow (a phone): the short words, so that they still fit. */
	bool brief = w < 60;
	if (r->deadline != DUBAN_DATE_NONE && r->deadline < c->today)
		extra = brief ? tui_due_short(r->deadline, r->deadline_kind, c->today)
			      : tui_due_text(r->deadline, r->deadline_kind, c->today);
	else
		extra = xstrdup(brief ? tui_status_short(r->status) : duban_status_name(r->status));
	draw_item(t, win, y, x + 2, w - 2, r, i == c->ag_sel, extra, brief ? 10 : 16);
	free(extra);
}

static void draw_agenda(struct tui *t, struct calendar *c, WINDOW *win, int y, int x, int h, int w)
{
	char *s;

	ensure_agenda(t, c);
	c->page = h;
	if (c->nag == 0) {
		s = xasprintf(_("nothing overdue or due in the next %d days"), agenda_days(t));
		tui_text(win, y, x, s, w, tui_attr(t, TUI_EL_DIM));
		free(s);
		return;
	}
	if (c->ag_sel >= 0 && c->ag_sel >= c->ag_top + h)
		c->ag_top = c->ag_sel - h + 1;
	if (c->ag_sel >= 0 && c->ag_sel < c->ag_top)
		c->ag_top = c->ag_sel;
	/* show the heading above the first item */
	if (c->ag_top == 1 && c->ag_sel == 1)
		c->ag_top = 0;
	if (c->ag_top > c->nag - 1)
		c->ag_top = c->nag - 1;
	if (c->ag_top < 0)
		c->ag_top = 0;
	for (int r = 0; r < h && c->ag_top + r < c->nag; r++)
		draw_ag_line(t, c, win, y + r, x, w, c->ag_top + r);
}

static void cal_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct calendar *c = self;

	c->y = y;
	c->x = x;
	c->h = h;
	c->w = w;
	switch (c->mode) {
	case MODE_MONTH: draw_month(t, c, win, y, x, h, w); break;
	case MODE_WEEK: draw_week(t, c, win, y, x, h, w); break;
	case MODE_AGENDA: draw_agenda(t, c, win, y, x, h, w); break;
	}
}

/* ---------------------------------------------------------------- keys */

static int open_item(struct tui *t, const struct duban_row *r)
{
	tui_push(t, &tui_detail_view, (void *)r->id);
	return TUI_HANDLED | TUI_REDRAW;
}

static int move_cursor(struct calendar *c, duban_date to)
{
	if (to != c->cursor) {
		c->cursor = to;
		c->sel = c->top = 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int move_sel(struct calendar *c, int by)
{
	const struct rowset *s = current_rows(c);

	c->sel += by;
	if (c->sel >= s->n)
		c->sel = s->n - 1;
	if (c->sel < 0)
		c->sel = 0;
	return TUI_HANDLED | TUI_REDRAW;
}

/* The list of the cursor's day read further when the selection is about
 * to pass its last row read, so that "+N more" is reachable. */
static void read_further(struct tui *t, struct calendar *c, int want)
{
	struct rowset *s = c->mode == MODE_WEEK ? &c->week[duban_date_weekday(c->cursor)] : &c->day;
	if (want < s->n - 1 || s->total <= s->n)
		return;
	long long total = s->total;
	int cap = s->n * 2 > want + 1 ? s->n * 2 : want + 1;
	load_day(t, c, c->cursor, cap, s);
	if (total > s->total)
		s->total = total;
}

static int list_handle(struct tui *t, struct calendar *c, enum tui_action a)
{
	int page = c->page > 1 ? c->page : 1;
	switch (a) {
	case TUI_ACT_MOVE_DOWN: read_further(t, c, c->sel + 1); break;
	case TUI_ACT_PAGE_DOWN: read_further(t, c, c->sel + page); break;
	case TUI_ACT_HALF_DOWN: read_further(t, c, c->sel + page / 2); break;
	case TUI_ACT_LAST: read_further(t, c, INT_MAX / 2); break;
	default: break;
	}
	const struct rowset *s = current_rows(c);

	switch (a) {
	case TUI_ACT_MOVE_DOWN: return move_sel(c, 1);
	case TUI_ACT_MOVE_UP: return move_sel(c, -1);
	case TUI_ACT_PAGE_DOWN: return move_sel(c, page);
	case TUI_ACT_PAGE_UP: return move_sel(c, -page);
	case TUI_ACT_HALF_DOWN: return move_sel(c, page / 2 ? page / 2 : 1);
	case TUI_ACT_HALF_UP: return move_sel(c, -(page / 2 ? page / 2 : 1));
	case TUI_ACT_FIRST: return move_sel(c, -c->sel);
	case TUI_ACT_LAST: return move_sel(c, s->n);
	case TUI_ACT_ENTER:
		return c->sel < s->n ? open_item(t, &s->rows[c->sel]) : TUI_HANDLED;
	case TUI_ACT_NEXT_PANE:
	case TUI_ACT_BACK:
		c->focus_list = false;
		return TUI_HANDLED | TUI_REDRAW;
	default:
		return TUI_IGNORED;
	}
}

static int days_handle(struct tui *t, struct calendar *c, enum tui_action a)
{
	bool week = c->mode == MODE_WEEK;
	duban_date mon, sun;

	switch (a) {
	case TUI_ACT_MOVE_LEFT: return move_cursor(c, cal_move(c->cursor, CAL_PREV_DAY));
	case TUI_ACT_MOVE_RIGHT: return move_cursor(c, cal_move(c->cursor, CAL_NEXT_DAY));
	default: break;
	}
	if (c->focus_list)
		return list_handle(t, c, a);
	cal_week_range(c->cursor, &mon, &sun);
	/* In the week, down goes into the day's list (PgDn is the next week). */
	if (week && a == TUI_ACT_MOVE_DOWN)
		a = TUI_ACT_ENTER;
	switch (a) {
	case TUI_ACT_MOVE_UP: return move_cursor(c, cal_move(c->cursor, CAL_PREV_WEEK));
	case TUI_ACT_MOVE_DOWN: return move_cursor(c, cal_move(c->cursor, CAL_NEXT_WEEK));
	case TUI_ACT_PAGE_UP: return move_cursor(c, cal_move(c->cursor, week ? CAL_PREV_WEEK : CAL_PREV_MONTH));
	case TUI_ACT_PAGE_DOWN: return move_cursor(c, cal_move(c->cursor, week ? CAL_NEXT_WEEK : CAL_NEXT_MONTH));
	case TUI_ACT_FIRST: return move_cursor(c, week ? mon : cal_move(c->cursor, CAL_MONTH_START));
	case TUI_ACT_LAST: return move_cursor(c, week ? sun : cal_move(c->cursor, CAL_MONTH_END));
	case TUI_ACT_NEXT_PANE:
	case TUI_ACT_ENTER:
		if (current_rows(c)->n == 0) {
			tui_message(t, false, "%s", _("no deadlines on this day"));
			return TUI_HANDLED | TUI_REDRAW;
		}
		c->focus_list = true;
		c->sel = c->top = 0;
		return TUI_HANDLED | TUI_REDRAW;
	default:
		return TUI_IGNORED;
	}
}

static int ag_move(struct calendar *c, int by)
{
	int dir = by < 0 ? -1 : 1, i = c->ag_sel;

	for (int step = 0; step < (by < 0 ? -by : by); step++) {
		int next = item_line_from(c, i + dir, dir);
		if (next < 0)
			break;
		i = next;
	}
	if (i >= 0)
		c->ag_sel = i;
	/* at the top, show the first heading too */
	if (by < 0 && item_line_from(c, 0, 1) == c->ag_sel)
		c->ag_top = 0;
	return TUI_HANDLED | TUI_REDRAW;
}

/* The section of agenda line i: overdue, each week of the coming days
 * (this week, next week …), ongoing; from the heading at or above it. */
static long long ag_section(const struct calendar *c, int i)
{
	duban_date mon, sun;

	cal_week_range(c->today, &mon, &sun);
	for (; i >= 0; i--) {
		const struct ag_line *l = &c->ag[i];
		if (l->kind == CAL_AG_OVERDUE)
			return -1;
		if (l->kind == CAL_AG_ONGOING)
			return 1LL << 40;
		if (l->kind == CAL_AG_DAY)
			return ((long long)l->day - mon) / 7;
	}
	return -2;
}

/* To the first line of the next (dir 1) or previous (-1) section, or the
 * start of the current one when going back from inside it; the section's
 * first line shows at the top. */
static int ag_jump(struct calendar *c, int dir)
{
	int from = c->ag_sel >= 0 ? c->ag_sel : 0;
	long long cur = ag_section(c, from);
	int start = from;
	while (start > 0 && ag_section(c, start - 1) == cur)
		start--;
	int to = -1;
	if (dir > 0) {
		for (int i = from + 1; i < c->nag && to < 0; i++)
			if (ag_section(c, i) != cur)
				to = i;
	} else if (item_line_from(c, start, 1) != c->ag_sel) {
		to = start;
	} else if (start > 0) {
		long long prev = ag_section(c, start - 1);
		to = start - 1;
		while (to > 0 && ag_section(c, to - 1) == prev)
			to--;
	}
	if (to < 0)
		return TUI_HANDLED;
	int item = item_line_from(c, to, 1);
	if (item < 0)
		return TUI_HANDLED;
	c->ag_sel = item;
	c->ag_top = to;
	return TUI_HANDLED | TUI_REDRAW;
}

static int agenda_handle(struct tui *t, struct calendar *c, enum tui_action a)
{
	int page = c->page > 1 ? c->page - 1 : 1;

	switch (a) {
	case TUI_ACT_MOVE_DOWN: return ag_move(c, 1);
	case TUI_ACT_MOVE_UP: return ag_move(c, -1);
	case TUI_ACT_PAGE_DOWN: return ag_move(c, page);
	case TUI_ACT_PAGE_UP: return ag_move(c, -page);
	case TUI_ACT_HALF_DOWN: return ag_move(c, page / 2 ? page / 2 : 1);
	case TUI_ACT_HALF_UP: return ag_move(c, -(page / 2 ? page / 2 : 1));
	case TUI_ACT_FIRST:
	case TUI_ACT_TODAY:
		c->ag_sel = item_line_from(c, 0, 1);
		c->ag_top = 0;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_LAST:
		c->ag_sel = item_line_from(c, c->nag - 1, -1);
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_ENTER:
		if (!is_item_line(c, c->ag_sel))
			return TUI_HANDLED;
		return open_item(t, &c->agenda.rows[c->ag[c->ag_sel].item]);
	case TUI_ACT_NEXT_SECTION:
	case TUI_ACT_NEXT_PANE:
		return ag_jump(c, 1);
	case TUI_ACT_PREV_SECTION:
		return ag_jump(c, -1);
	default:
		return TUI_IGNORED;
	}
}

static int set_mode(struct calendar *c, enum mode m)
{
	if (c->mode != m) {
		c->mode = m;
		c->focus_list = false;
		c->sel = c->top = 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int cal_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct calendar *c = self;

	/* `m` for the month, unless the key map gives it another meaning */
	if (a == TUI_ACT_NONE && key == 'm')
		a = TUI_ACT_VIEW_CALENDAR;
	switch (a) {
	case TUI_ACT_VIEW_CALENDAR: return set_mode(c, MODE_MONTH);
	case TUI_ACT_VIEW_WEEK: return set_mode(c, MODE_WEEK);
	case TUI_ACT_VIEW_AGENDA: return set_mode(c, MODE_AGENDA);
	case TUI_ACT_SEARCH: return tui_search_narrow(t);
	case TUI_ACT_REFRESH:
		invalidate(c);
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_TODAY:
		if (c->mode != MODE_AGENDA) {
			c->focus_list = false;
			return move_cursor(c, c->today);
		}
		break;
	default:
		break;
	}
	if (c->mode == MODE_AGENDA)
		return agenda_handle(t, c, a);
	return days_handle(t, c, a);
}

/* ---------------------------------------------------------------- mouse */

static bool month_click(struct calendar *c, int ry, int rx)
{
	const struct cal_geometry *g = &c->g;
	int row, col;
	duban_date d;

	if (ry < 1 || ry >= g->grid_h || rx < 0 || rx >= g->grid_w)
		return false;
	row = (ry - 1) / g->cell_h;
	col = rx / g->cell_w;
	d = cal_cell_date(&c->month, row, col);
	if (!cal_in_month(&c->month, d))
		return false;
	move_cursor(c, d);
	c->focus_list = false;
	return true;
}

static bool month_list_click(struct calendar *c, int ry, int rx)
{
	const struct cal_geometry *g = &c->g;
	int i = ry - g->list_y - 1 + c->top;

	if (ry <= g->list_y || ry >= g->list_y + g->list_h || rx < g->list_x || i >= c->day.n)
		return false;
	c->focus_list = true;
	c->sel = i;
	return true;
}

static int cal_mouse(struct tui *t, void *self, int y, int x, mmask_t buttons)
{
	struct calendar *c = self;
	int ry = y - c->y, rx = x - c->x;
	bool dbl = buttons & BUTTON1_DOUBLE_CLICKED;

	if (buttons & BUTTON4_PRESSED)
		return cal_handle(t, self, TUI_ACT_MOVE_UP, 0);
#ifdef BUTTON5_PRESSED
	if (buttons & BUTTON5_PRESSED)
		return cal_handle(t, self, TUI_ACT_MOVE_DOWN, 0);
#endif
	if (!(buttons & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return TUI_IGNORED;
	if (c->mode == MODE_AGENDA) {
		int i = c->ag_top + ry;
		if (!is_item_line(c, i))
			return TUI_HANDLED;
		c->ag_sel = i;
		return dbl ? agenda_handle(t, c, TUI_ACT_ENTER) : TUI_HANDLED | TUI_REDRAW;
	}
	if (c->mode != MODE_MONTH)
		return TUI_IGNORED;
	if (month_click(c, ry, rx))
		return TUI_HANDLED | TUI_REDRAW;
	if (month_list_click(c, ry, rx))
		return dbl ? list_handle(t, c, TUI_ACT_ENTER) : TUI_HANDLED | TUI_REDRAW;
	return TUI_IGNORED;
}

/* ---------------------------------------------------------------- the view */

static void *cal_open(struct tui *t, void *arg)
{
	struct calendar *c = xcalloc(1, sizeof *c);
	const char *mode = arg;

	(void)t;
	c->mode = MODE_MONTH;
	if (mode && strcmp(mode, "week") == 0)
		c->mode = MODE_WEEK;
	else if (mode && strcmp(mode, "agenda") == 0)
		c->mode = MODE_AGENDA;
	c->today = c->cursor = duban_today();
	c->chinese = messages_chinese();
	for (int i = 0; i < 7; i++)
		c->labels[i] = c->chinese ? zh_labels[i] : _(en_labels[i]);
	cal_month_of(c->cursor, &c->month);
	invalidate(c);
	return c;
}

static void cal_close(void *self)
{
	struct calendar *c = self;

	rowset_clear(&c->day);
	for (int i = 0; i < 7; i++)
		rowset_clear(&c->week[i]);
	rowset_clear(&c->agenda);
	free(c->ag);
	free(c->text);
	free(c);
}

static void cal_reload(struct tui *t, void *self)
{
	struct calendar *c = self;

	(void)t;
	c->today = duban_today();
	invalidate(c);
}

static char *filter_suffix(struct tui *t)
{
	/* The ledger's / search only moves its cursor: the filter alone
	 * decides what the calendar counts. */
	return duban_filter_summary(&t->filter.filter);
}

static char *cal_title(struct tui *t, void *self)
{
	struct calendar *c = self;
	const char *names[12];
	char *what, *filter, *title, *a, *b;
	duban_date mon, sun;
	int y, m;

	switch (c->mode) {
	case MODE_WEEK:
		cal_week_range(c->cursor, &mon, &sun);
		a = date_text(mon);
		b = date_text(sun);
		what = xasprintf(_("week %s – %s"), a, b);
		free(a);
		free(b);
		break;
	case MODE_AGENDA:
		a = date_text(c->today);
		what = xasprintf(_("agenda: %d days from %s"), agenda_days(t), a);
		free(a);
		break;
	default:
		for (int i = 0; i < 12; i++)
			names[i] = _(month_msgids[i]);
		duban_date_to_ymd(c->cursor, &y, &m, NULL);
		what = cal_month_title(y, m, c->chinese, names);
		break;
	}
	filter = filter_suffix(t);
	if (!*filter) {
		free(filter);
		return what;
	}
	title = xasprintf("%s · %s", what, filter);
	free(what);
	free(filter);
	return title;
}

/* The ongoing count needs a look at every open item's light: not before
 * the first screen is up. */
static bool cal_idle(struct tui *t, void *self)
{
	struct calendar *c = self;
	struct duban_filter f;

	if (c->mode == MODE_AGENDA && agenda_count_step(t, c))
		return true;
	if (c->ongoing >= 0)
		return false;
	long long n = ongoing_filter(t, c, &f) ? count_matching(t, &f) : 0;
	if (duban_store_stopped(t->st))
		return false; /* a key came first: counted again later */
	c->ongoing = n;
	return true;
}

static const enum tui_action cal_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_MOVE_LEFT, TUI_ACT_MOVE_RIGHT, TUI_ACT_ENTER, TUI_ACT_NEXT_PANE,
	TUI_ACT_TODAY, TUI_ACT_NEXT_SECTION, TUI_ACT_PREV_SECTION, TUI_ACT_SEARCH, TUI_ACT_NONE
};

const struct tui_view_ops tui_calendar_view = {
	.name = "calendar",
	.open = cal_open,
	.close = cal_close,
	.draw = cal_draw,
	.handle = cal_handle,
	.reload = cal_reload,
	.title = cal_title,
	.idle = cal_idle,
	.mouse = cal_mouse,
	.actions = cal_actions,
};

const char *tui_calendar_mode(const void *self)
{
	const struct calendar *c = self;
	return c->mode == MODE_WEEK ? "week" : c->mode == MODE_AGENDA ? "agenda" : "month";
}
