/* The dashboard: the figures a bulletin (定期通报) reports, for the shared
 * filter — totals by status and by warning light, items per county and per
 * category as horizontal bars, completion by county ranked, and the coming
 * days' deadlines as a sparkline.  The counts scan the ledger, so they are
 * computed in idle() after a first "computing…" screen.  write-bulletin (`w`)
 * writes the bulletin itself, for the same filter, to a file. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/report.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "calendar_layout.h"
#include "tui.h"

#define SPARK_DAYS 14
#define TWO_COLUMNS_MIN 100
#define LABEL_MAX 20

/* DL_WIDE spans both columns (the summary on the first line). */
enum line_kind { DL_BLANK, DL_HEADING, DL_TEXT, DL_WIDE, DL_BAR, DL_RANK_HEAD, DL_RANK, DL_SPARK, DL_AXIS };

/* One screen line of a section; strings are owned. */
struct dline {
	enum line_kind kind;
	char *label;
	long long value, max, total;  /* bars: value of max; total for the share */
	attr_t attr;                  /* bar or text colour */
	int rank;                     /* ranking rows: index into groups */
	int label_w, value_w;         /* shared by a section's bars */
};

struct dlines {
	struct dline *v;
	int n, cap;
};

/* The figures on screen, or being computed. */
struct figures {
	duban_date today;
	long long by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT], total;
	struct duban_group_stats *county, *category;
	int ncounty, ncategory;
	int *ranked;                  /* county indexes by completion rate */
	int spark[SPARK_DAYS];
	enum duban_light spark_worst[SPARK_DAYS];
};

/* Computing takes one query per idle() call, so a key pressed meanwhile
 * is served between them; the old figures stay until the new are whole. */
enum step { STEP_TOTALS, STEP_COUNTY, STEP_CATEGORY, STEP_DAYS, STEP_DONE };

struct dashboard {
	struct figures cur, next;
	bool computed;                /* cur holds figures */
	enum step step;
	struct duban_filter filter;   /* the selection being computed */
	char *text;                   /* its text terms, owned */
	int top, page, nlines;
};

/* ---------------------------------------------------------------- data */

static void figures_free(struct figures *fg)
{
	duban_groups_free(fg->county, fg->ncounty);
	duban_groups_free(fg->category, fg->ncategory);
	free(fg->ranked);
	memset(fg, 0, sizeof *fg);
}

static const struct duban_group_stats *sort_groups;

/* Completion rate descending (compared exactly: 43.9% ranks above 43.1%),
 * then more items first, then by name. */
static int rank_cmp(const void *pa, const void *pb)
{
	const struct duban_group_stats *a = &sort_groups[*(const int *)pa], *b = &sort_groups[*(const int *)pb];
	long long ra = a->items ? a->done * (b->items ? b->items : 1) : 0;
	long long rb = b->items ? b->done * (a->items ? a->items : 1) : 0;

	if (ra != rb)
		return ra < rb ? 1 : -1;
	if (a->items != b->items)
		return a->items < b->items ? 1 : -1;
	return strcmp(a->name, b->name);
}

static void rank_counties(struct figures *fg)
{
	fg->ranked = xcalloc((size_t)fg->ncounty + 1, sizeof *fg->ranked);
	for (int i = 0; i < fg->ncounty; i++)
		fg->ranked[i] = i;
	sort_groups = fg->county;
	qsort(fg->ranked, (size_t)fg->ncounty, sizeof *fg->ranked, rank_cmp);
	sort_groups = NULL;
}

static bool check(struct tui *t, enum duban_err err)
{
	if (err == DUBAN_OK)
		return true;
	if (duban_store_stopped(t->st))
		return false; /* a key came: the step runs again later */
	tui_message(t, true, "%s", duban_store_errmsg(t->st));
	return false;
}

/* One step of the computation into d->next; at the end it replaces cur. */
static void compute_step(struct tui *t, struct dashboard *d)
{
	struct figures *fg = &d->next;

	switch (d->step) {
	case STEP_TOTALS:
		figures_free(fg);
		free(d->text);
		cal_shared_filter(&d->filter, &t->filter.filter, NULL, &d->text);
		fg->today = duban_today();
		check(t, duban_query_totals(t->st, &d->filter, fg->by_status, fg->by_light));
		for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
			fg->total += fg->by_status[s];
		break;
	case STEP_COUNTY:
		check(t, duban_query_groups(t->st, &d->filter, "county", &fg->county, &fg->ncounty));
		rank_counties(fg);
		break;
	case STEP_CATEGORY:
		check(t, duban_query_groups(t->st, &d->filter, "category", &fg->category, &fg->ncategory));
		break;
	case STEP_DAYS:
		check(t, duban_query_by_day(t->st, &d->filter, fg->today, fg->today + SPARK_DAYS - 1, fg->spark,
					    fg->spark_worst));
		if (duban_store_stopped(t->st))
			return;
		figures_free(&d->cur);
		d->cur = *fg;
		memset(fg, 0, sizeof *fg);
		d->computed = true;
		break;
	case STEP_DONE:
		return;
	}
	if (duban_store_stopped(t->st))
		return; /* the same step again when no key waits */
	d->step++;
}

/* ---------------------------------------------------------------- lines */

static struct dline *push(struct dlines *l, enum line_kind kind, char *label, attr_t attr)
{
	struct dline *x;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	x = &l->v[l->n++];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->label = label;
	x->attr = attr;
	return x;
}

static void lines_free(struct dlines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i].label);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int digits(long long n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

/* Gives the bars from index `first` one label and value width. */
static void align_bars(struct dlines *l, int first)
{
	int lw = 0, vw = 1;

	for (int i = first; i < l->n; i++) {
		int w = duban_str_width(l->v[i].label);
		if (w > lw)
			lw = w;
		if (digits(l->v[i].value) > vw)
			vw = digits(l->v[i].value);
	}
	for (int i = first; i < l->n; i++) {
		l->v[i].label_w = lw < LABEL_MAX ? lw : LABEL_MAX;
		l->v[i].value_w = vw;
	}
}

static void heading(struct tui *t, struct dlines *l, const char *title)
{
	if (l->n)
		push(l, DL_BLANK, NULL, 0);
	push(l, DL_HEADING, xstrdup(title), tui_attr(t, TUI_EL_LABEL) | A_BOLD);
}

static void bar(struct dlines *l, const char *label, long long value, long long max, long long total, attr_t attr)
{
	struct dline *x = push(l, DL_BAR, xstrdup(label), attr);

	x->value = value;
	x->max = max;
	x->total = total;
}

static void status_section(struct tui *t, struct dashboard *d, struct dlines *l)
{
	long long max = 0;
	int first;

	for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
		if (d->cur.by_status[s] > max)
			max = d->cur.by_status[s];
	heading(t, l, _("By status"));
	first = l->n;
	for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
		bar(l, duban_status_name((enum duban_status)s), d->cur.by_status[s], max, d->cur.total,
		    tui_attr(t, TUI_EL_BAR));
	align_bars(l, first);
}

static void light_section(struct tui *t, struct dashboard *d, struct dlines *l)
{
	static const char *const letters[DUBAN_LIGHT_COUNT] = { "R", "Y", "G", "B", "-" };
	long long max = 0;
	int first;

	for (int i = 0; i < DUBAN_LIGHT_COUNT; i++)
		if (d->cur.by_light[i] > max)
			max = d->cur.by_light[i];
	heading(t, l, _("By warning light"));
	first = l->n;
	for (int i = 0; i < DUBAN_LIGHT_COUNT; i++) {
		enum duban_light li = (enum duban_light)i;
		char *label = xasprintf("%s %s", t->utf8 ? duban_light_symbol(li) : letters[i], duban_light_name(li));

		bar(l, label, d->cur.by_light[i], max, d->cur.total, tui_light_attr(t, li));
		free(label);
	}
	align_bars(l, first);
}

static void group_section(struct tui *t, struct dlines *l, const char *title,
			  const struct duban_group_stats *g, int n)
{
	long long max = 0;
	int first;

	heading(t, l, title);
	if (n == 0) {
		push(l, DL_TEXT, xstrdup(_("nothing matches")), tui_attr(t, TUI_EL_DIM));
		return;
	}
	for (int i = 0; i < n; i++)
		if (g[i].items > max)
			max = g[i].items;
	first = l->n;
	for (int i = 0; i < n; i++)
		bar(l, *g[i].name ? g[i].name : _("(none)"), g[i].items, max, 0, tui_attr(t, TUI_EL_BAR));
	align_bars(l, first);
}

static void ranking_section(struct tui *t, struct dashboard *d, struct dlines *l)
{
	heading(t, l, _("Completion by county"));
	if (d->cur.ncounty == 0) {
		push(l, DL_TEXT, xstrdup(_("nothing matches")), tui_attr(t, TUI_EL_DIM));
		return;
	}
	push(l, DL_RANK_HEAD, NULL, tui_attr(t, TUI_EL_TABLE_HEAD));
	for (int i = 0; i < d->cur.ncounty; i++)
		push(l, DL_RANK, NULL, 0)->rank = i;
}

static void spark_section(struct tui *t, struct dashboard *d, struct dlines *l)
{
	long long sum = 0;
	int peak = 0;
	char *s, date[11];

	for (int i = 0; i < SPARK_DAYS; i++) {
		sum += d->cur.spark[i];
		if (d->cur.spark[i] > d->cur.spark[peak])
			peak = i;
	}
	s = xasprintf(_("Deadlines in the next %d days"), SPARK_DAYS);
	heading(t, l, s);
	free(s);
	push(l, DL_SPARK, NULL, 0);
	push(l, DL_AXIS, NULL, tui_attr(t, TUI_EL_DIM));
	if (sum == 0)
		s = xstrdup(_("none due"));
	else
		s = xasprintf(_("%lld due; most on %s: %d"), sum, duban_date_format(d->cur.today + peak, date),
			      d->cur.spark[peak]);
	push(l, DL_TEXT, s, tui_attr(t, TUI_EL_DIM));
}

static void summary_section(struct tui *t, struct dashboard *d, struct dlines *l)
{
	long long done = d->cur.by_status[DUBAN_STATUS_VERIFIED] + d->cur.by_status[DUBAN_STATUS_PUBLICIZED] +
			 d->cur.by_status[DUBAN_STATUS_CLOSED];
	char *s = xasprintf(_("%lld items · %lld done (%d%%) · %lld closed · %lld red · %lld yellow"), d->cur.total,
			    done, dash_rate(done, d->cur.total), d->cur.by_status[DUBAN_STATUS_CLOSED],
			    d->cur.by_light[DUBAN_LIGHT_RED], d->cur.by_light[DUBAN_LIGHT_YELLOW]);

	push(l, DL_WIDE, s, tui_attr(t, TUI_EL_LABEL) | A_BOLD);
}

/* The sections in one column, or split over two. */
static void build(struct tui *t, struct dashboard *d, bool two, struct dlines *left, struct dlines *right)
{
	struct dlines *r = two ? right : left;

	summary_section(t, d, left);
	if (two)
		push(right, DL_BLANK, NULL, 0);
	status_section(t, d, left);
	light_section(t, d, left);
	spark_section(t, d, left);
	group_section(t, r, _("By county"), d->cur.county, d->cur.ncounty);
	ranking_section(t, d, r);
	group_section(t, two ? left : r, _("By category"), d->cur.category, d->cur.ncategory);
}

/* ---------------------------------------------------------------- drawing */

/* Block elements are East-Asian ambiguous: where they take two columns,
 * bars in eighths would not line up, so they fall back to ASCII too. */
static bool blocks(const struct tui *t)
{
	return t->utf8 && !duban_utf8_ambiguous_wide();
}

static void draw_bar(struct tui *t, WINDOW *win, int y, int x, int w, const struct dline *l)
{
	int lw = l->label_w, vw = l->value_w, pw = l->total > 0 ? 5 : 0, bw;
	char *b, *num;

	if (lw > w / 3)
		lw = w / 3;
	bw = w - lw - vw - pw - 3;
	if (bw < 4 && pw) {
		pw = 0;
		bw = w - lw - vw - 2;
	}
	tui_text(win, y, x, l->label, lw + 1, tui_attr(t, TUI_EL_DEFAULT));
	x += lw + 1;
	num = xasprintf("%lld", l->value);
	tui_text_right(win, y, x, num, vw, tui_attr(t, TUI_EL_DEFAULT));
	free(num);
	x += vw + 1;
	if (bw > 0) {
		b = dash_bar(l->value, l->max, bw, blocks(t));
		tui_text(win, y, x, b, bw + 1, l->attr);
		free(b);
		x += bw + 1;
	}
	if (pw) {
		num = xasprintf("%d%%", dash_rate(l->value, l->total));
		tui_text_right(win, y, x, num, pw - 1, tui_attr(t, TUI_EL_DIM));
		free(num);
	}
}

/* Ranking columns: rank, name, then items, done, rate and overdue, each as
 * wide as its translated heading plus a space, and at least 6 columns; the
 * rest of the width, when there are RANK_BAR_MIN columns of it, draws the
 * completion rate as a bar. */
static const char *const rank_heads[4] = { N_("items"), N_("done"), N_("rate"), N_("overdue") };
#define RANK_BAR_MIN 4

/* The name column: as wide as the heading and the widest county name, up to
 * LABEL_MAX, so the bar gets what names do not need. */
static int rank_name_need(const struct dashboard *d)
{
	int need = duban_str_width(_("county"));

	for (int i = 0; i < d->cur.ncounty; i++) {
		const char *name = *d->cur.county[i].name ? d->cur.county[i].name : _("(none)");
		int nw = duban_str_width(name);

		if (nw > need)
			need = nw;
	}
	return need + 1 > LABEL_MAX ? LABEL_MAX : need + 1;
}

/* Fills cw[] and *bar_w (0: no room for a bar); returns the name's width. */
static int rank_widths(const struct dashboard *d, int w, int cw[4], int *bar_w)
{
	int name_w = w - 3;

	for (int i = 0; i < 4; i++) {
		int hw = duban_str_width(_(rank_heads[i])) + 1;
		cw[i] = hw > 6 ? hw : 6;
		name_w -= cw[i];
	}
	*bar_w = name_w - rank_name_need(d) - 1;
	if (*bar_w >= RANK_BAR_MIN)
		return rank_name_need(d);
	*bar_w = 0;
	return name_w > LABEL_MAX ? LABEL_MAX : name_w;
}

static void draw_rank_head(struct dashboard *d, WINDOW *win, int y, int x, int w, attr_t attr)
{
	int cw[4], bw, nw = rank_widths(d, w, cw, &bw);

	tui_text(win, y, x, "#", 3, attr);
	tui_text(win, y, x + 3, _("county"), nw, attr);
	x += 3 + nw;
	for (int i = 0; i < 4; x += cw[i], i++)
		tui_text_right(win, y, x, _(rank_heads[i]), cw[i], attr);
}

static void draw_rank(struct tui *t, struct dashboard *d, WINDOW *win, int y, int x, int w, int rank)
{
	const struct duban_group_stats *g = &d->cur.county[d->cur.ranked[rank]];
	attr_t def = tui_attr(t, TUI_EL_DEFAULT);
	long long figures[4] = { g->items, g->done, 0, g->overdue };
	/* tenths, rounded down so only a county with everything done reads 100.0% */
	long long permille = g->items ? g->done * 1000 / g->items : 0;
	int cw[4], bw, nw = rank_widths(d, w, cw, &bw);
	char *num = xasprintf("%d", rank + 1);

	tui_text_right(win, y, x, num, 2, tui_attr(t, TUI_EL_DIM));
	free(num);
	tui_text(win, y, x + 3, *g->name ? g->name : _("(none)"), nw, def);
	x += 3 + nw;
	for (int i = 0; i < 4; x += cw[i], i++) {
		attr_t a = i == 3 && g->overdue ? tui_attr(t, TUI_EL_OVERDUE) : def;

		num = i == 2 ? xasprintf("%lld.%lld%%", permille / 10, permille % 10) : xasprintf("%lld", figures[i]);
		tui_text_right(win, y, x, num, cw[i], a);
		free(num);
	}
	if (bw > 0) {
		/* The rate in eighths of a cell, or whole '#' cells where block
		 * elements cannot be trusted to line up (see blocks()). */
		char *b = dash_bar(g->done, g->items, bw, blocks(t));
		tui_text(win, y, x + 1, b, bw, tui_attr(t, TUI_EL_BAR));
		free(b);
	}
}

static void draw_spark(struct tui *t, struct dashboard *d, WINDOW *win, int y, int x, int w, bool axis)
{
	int cw = w >= SPARK_DAYS * 4 ? 4 : w >= SPARK_DAYS * 3 ? 3 : w >= SPARK_DAYS * 2 ? 2 : 1;
	char *all = dash_spark(d->cur.spark, SPARK_DAYS, blocks(t));
	const char *p = all;

	for (int i = 0; i < SPARK_DAYS; i++) {
		uint32_t cp;
		size_t n = *p ? duban_utf8_decode(p, strlen(p), &cp) : 0;
		char *one = xstrndup(p, n), *cell;
		int day;

		p += n;
		if (axis) {
			duban_date_to_ymd(d->cur.today + i, NULL, NULL, &day);
			cell = cw >= 2 ? xasprintf("%*d", cw - 1, day) : xstrdup("");
			tui_text(win, y, x + i * cw, cell, cw,
				 tui_attr(t, i == 0 ? TUI_EL_TODAY : TUI_EL_DIM));
		} else {
			struct duban_buf b;
			duban_buf_init(&b);
			for (int k = 0; k < (cw > 1 ? cw - 1 : 1); k++)
				duban_buf_puts(&b, one);
			cell = duban_buf_steal(&b);
			tui_text(win, y, x + i * cw, cell, cw, tui_light_attr(t, d->cur.spark_worst[i]));
		}
		free(cell);
		free(one);
	}
	free(all);
}

/* The summary, with the key that writes the bulletin at the right end when
 * both fit ("w write bulletin", as the key is bound). */
static void draw_summary(struct tui *t, WINDOW *win, int y, int x, int w, const struct dline *l)
{
	char *key = tui_first_key(t, "dashboard", TUI_ACT_WRITE_BULLETIN);
	char *hint = *key ? xasprintf(_("%s write bulletin"), key) : NULL;
	int sw = duban_str_width(l->label), hw = hint ? duban_str_width(hint) : 0;

	if (hint && sw + 2 + hw <= w) {
		tui_text(win, y, x, l->label, w - hw, l->attr);
		tui_text_right(win, y, x + w - hw, hint, hw, tui_attr(t, TUI_EL_HELP_KEY));
	} else {
		tui_text(win, y, x, l->label, w, l->attr);
	}
	free(hint);
	free(key);
}

static void draw_line(struct tui *t, struct dashboard *d, WINDOW *win, int y, int x, int w, const struct dline *l)
{
	switch (l->kind) {
	case DL_BLANK: break;
	case DL_HEADING:
	case DL_TEXT: tui_text(win, y, x, l->label, w, l->attr); break;
	case DL_WIDE: draw_summary(t, win, y, x, w, l); break;
	case DL_BAR: draw_bar(t, win, y, x, w, l); break;
	case DL_RANK_HEAD: draw_rank_head(d, win, y, x, w, l->attr); break;
	case DL_RANK: draw_rank(t, d, win, y, x, w, l->rank); break;
	case DL_SPARK: draw_spark(t, d, win, y, x, w, false); break;
	case DL_AXIS: draw_spark(t, d, win, y, x, w, true); break;
	}
}

static void clamp_top(struct dashboard *d)
{
	int max = d->nlines - d->page;

	if (d->top > max)
		d->top = max;
	if (d->top < 0)
		d->top = 0;
}

static void dash_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct dashboard *d = self;
	struct dlines left = { 0 }, right = { 0 };
	bool two = w >= TWO_COLUMNS_MIN;
	int cw = two ? (w - 3) / 2 : w - 2;

	d->page = h;
	if (!d->computed) {
		tui_text(win, y, x + 1, _("computing…"), w - 1, tui_attr(t, TUI_EL_DIM));
		return;
	}
	build(t, d, two, &left, &right);
	d->nlines = left.n > right.n ? left.n : right.n;
	clamp_top(d);
	for (int r = 0; r < h; r++) {
		int i = d->top + r;
		if (i < left.n)
			draw_line(t, d, win, y + r, x + 1, left.v[i].kind == DL_WIDE ? w - 2 : cw, &left.v[i]);
		if (two && i < right.n)
			draw_line(t, d, win, y + r, x + 2 + cw, cw, &right.v[i]);
	}
	lines_free(&left);
	lines_free(&right);
}

/* ---------------------------------------------------------------- bulletin */

/* The name offices file a bulletin under: 通报-[COUNTY-]2026-06.html for a
 * month, 2026-Q2 for a quarter, 2026-W25 (ISO week) for a week. */
static char *bulletin_name(const struct duban_filter *f, enum duban_period_kind kind, struct duban_period p)
{
	int y, m, d;
	char *when, *county = NULL, *s;

	duban_date_to_ymd(p.from, &y, &m, &d);
	if (kind == DUBAN_PERIOD_WEEK) {
		/* The ISO week belongs to the year of its Thursday. */
		duban_date thu = p.from + 3;
		duban_date_to_ymd(thu, &y, NULL, NULL);
		when = xasprintf("%d-W%02d", y, (thu - duban_date_from_ymd(y, 1, 1)) / 7 + 1);
	} else if (kind == DUBAN_PERIOD_QUARTER) {
		when = xasprintf("%d-Q%d", y, (m - 1) / 3 + 1);
	} else {
		when = xasprintf("%d-%02d", y, m);
	}
	if (f->county && *f->county) {
		county = duban_sanitize(f->county, false);
		for (char *c = county; *c; c++)
			if (*c == '/' || *c == ' ')
				*c = '_';
	}
	s = county ? xasprintf("通报-%s-%s.html", county, when) : xasprintf("通报-%s.html", when);
	free(county);
	free(when);
	return s;
}

/* Asks the period and the file, then writes the bulletin of the shared
 * filter, in the format the file's extension names (text otherwise). */
static int write_bulletin(struct tui *t)
{
	static const char *const kinds[DUBAN_PERIOD_COUNT] = { N_("week"), N_("month"), N_("quarter") };
	const int again = TUI_HANDLED | TUI_REDRAW;
	duban_date today = duban_today();
	struct duban_period periods[DUBAN_PERIOD_COUNT];
	char *labels[DUBAN_PERIOD_COUNT], a[11], b[11];

	/* The names padded to one width, so that the dates form a column
	 * (本周, 本季度; week, quarter). */
	int kind_w = 0;
	for (int i = 0; i < DUBAN_PERIOD_COUNT; i++)
		if (duban_str_width(_(kinds[i])) > kind_w)
			kind_w = duban_str_width(_(kinds[i]));
	for (int i = 0; i < DUBAN_PERIOD_COUNT; i++) {
		periods[i] = duban_period_current((enum duban_period_kind)i, today);
		char *name = duban_pad(_(kinds[i]), kind_w, false);
		labels[i] = xasprintf("%s  %s – %s", name, duban_date_format(periods[i].from, a),
				      duban_date_format(periods[i].to, b));
		free(name);
	}
	int kind = tui_choose(t, _("Bulletin: which period?"), (const char *const *)labels, DUBAN_PERIOD_COUNT,
			      DUBAN_PERIOD_MONTH);
	for (int i = 0; i < DUBAN_PERIOD_COUNT; i++)
		free(labels[i]);
	if (kind < 0)
		return again;
	tui_draw_all(t); /* the menu off the screen before the prompt */

	const struct duban_filter *filter = &t->filter.filter;
	char *name = bulletin_name(filter, (enum duban_period_kind)kind, periods[kind]);
	char *path = tui_prompt(t, _("Write the bulletin to: "), name, NULL, NULL);
	free(name);
	if (!path)
		return again;
	char *file = duban_trim(path);
	if (!*file) {
		tui_message(t, true, "%s", _("no file name: nothing written"));
		free(path);
		return again;
	}
	if (access(file, F_OK) == 0) {
		char *q = xasprintf(_("%s exists: replace it?"), file);
		bool yes = tui_confirm(t, q);
		free(q);
		if (!yes) {
			tui_message(t, false, "%s", _("nothing written"));
			free(path);
			return again;
		}
	}

	/* A large ledger takes a moment: say so before the screen waits. */
	tui_message(t, false, _("writing %s…"), file);
	tui_draw_all(t);
	doupdate();

	int fmt = duban_report_format_of_path(file);
	struct duban_report *r = NULL;
	enum duban_err err = duban_report_build(t->st, periods[kind], filter, duban_report_by_default(filter), today, &r);
	if (err != DUBAN_OK)
		tui_message(t, true, _("cannot make the bulletin: %s"), duban_store_errmsg(t->st));
	else if (duban_report_write_file(r, fmt < 0 ? DUBAN_REPORT_TEXT : (enum duban_report_format)fmt, file) != 0) {
		const char *why = strerror(errno);
		char *key = tui_first_key(t, "dashboard", TUI_ACT_WRITE_BULLETIN);
		tui_message(t, true, _("cannot write %s: %s (%s: try another file)"), file, why, key);
		free(key);
	} else
		tui_message(t, false, _("wrote %s"), file);
	duban_report_free(r);
	free(path);
	return again;
}

/* ---------------------------------------------------------------- keys */

static int max_top(const struct dashboard *d)
{
	return d->nlines - d->page > 0 ? d->nlines - d->page : 0;
}

static int dash_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct dashboard *d = self;
	int page = d->page > 1 ? d->page - 1 : 1;

	(void)key;
	switch (a) {
	case TUI_ACT_WRITE_BULLETIN: return write_bulletin(t);
	case TUI_ACT_SEARCH: return tui_search_narrow(t);
	default: return tui_list_move(&d->top, max_top(d) + 1, page, a);
	}
}

static int dash_mouse(struct tui *t, void *self, int y, int x, mmask_t buttons)
{
	(void)y;
	(void)x;
	if (buttons & BUTTON4_PRESSED)
		return dash_handle(t, self, TUI_ACT_MOVE_UP, 0);
#ifdef BUTTON5_PRESSED
	if (buttons & BUTTON5_PRESSED)
		return dash_handle(t, self, TUI_ACT_MOVE_DOWN, 0);
#endif
	return TUI_IGNORED;
}

/* ---------------------------------------------------------------- the view */

static void *dash_open(struct tui *t, void *arg)
{
	struct dashboard *d = xcalloc(1, sizeof *d);

	(void)t;
	(void)arg;
	d->step = STEP_TOTALS;
	return d;
}

static void dash_close(void *self)
{
	struct dashboard *d = self;

	figures_free(&d->cur);
	figures_free(&d->next);
	free(d->text);
	free(d);
}

/* The old figures stay on screen until idle() has the new ones. */
static void dash_reload(struct tui *t, void *self)
{
	struct dashboard *d = self;

	(void)t;
	d->step = STEP_TOTALS;
}

static bool dash_idle(struct tui *t, void *self)
{
	struct dashboard *d = self;

	if (d->step == STEP_DONE)
		return false;
	compute_step(t, d);
	return true;
}

static char *dash_title(struct tui *t, void *self)
{
	char *summary = duban_filter_summary(&t->filter.filter);
	const char *what = _("dashboard");
	char *s;

	(void)self;
	if (*summary)
		s = xasprintf("%s · %s", what, summary);
	else
		s = xstrdup(what);
	free(summary);
	return s;
}

static const enum tui_action dash_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_WRITE_BULLETIN, TUI_ACT_SEARCH, TUI_ACT_NONE
};

const struct tui_view_ops tui_dashboard_view = {
	.name = "dashboard",
	.open = dash_open,
	.close = dash_close,
	.draw = dash_draw,
	.handle = dash_handle,
	.reload = dash_reload,
	.title = dash_title,
	.idle = dash_idle,
	.mouse = dash_mouse,
	.actions = dash_actions,
};
