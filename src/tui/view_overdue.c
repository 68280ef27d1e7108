/* The overdue view: every overdue item of the ledger's current filter on
 * the supervision ladder, the step due highlighted, the selected item's
 * ladder below; a key issues the step (action record and letter).  Below
 * them, as at the end of `duban overdue`, the items whose public notice
 * (公示) has ended and which wait for 销号. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/ladder.h"
#include "duban/notice.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#ifdef ENABLE_NLS
#define P_(one, many, n) ngettext(one, many, (unsigned long)(n))
#else
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif

enum col { C_CODE, C_TITLE, C_COUNTY, C_UNIT, C_DEADLINE, C_DAYS, C_TAKEN, C_NEXT, C_COUNT };

/* Entries read for the first screen, and then per idle slice: a million
 * items' ledger can have 200,000 overdue, each with its history read. */
#define FIRST_WINDOW 200
#define IDLE_WINDOW 500

struct overdue_view {
	struct duban_ladder ladder;
	struct duban_overdue *v;
	int n, cap, due;
	struct duban_overdue_cursor more; /* the rest, read in idle() */
	/* The widest cell of each column over the entries read so far (the
	 * steps taken and the step due also in short), from entry measured on
	 * measured again only when entries come. */
	int measured, widest[C_COUNT], widest_taken_short, widest_next_short;
	int cur, top, page;
	duban_date today;
	bool taken_brief;    /* the Taken column in short (layout) */
	bool next_brief;     /* the step due without its date (layout) */
	const char *preview; /* the action text shown while asking to confirm */
	const char *preview_title;
	/* Due for 销号, after the overdue entries: entry n + i is nd[i]. */
	struct duban_notice_due *nd;
	int nn;
};

/* The list's lines: the overdue entries (or, when there are none, a line
 * saying so), then, when any notice has ended, a heading and its items. */
static int base_lines(const struct overdue_view *ov)
{
	return ov->n > 0 ? ov->n : 1;
}

static int line_count(const struct overdue_view *ov)
{
	return base_lines(ov) + (ov->nn ? ov->nn + 1 : 0);
}

static int line_of(const struct overdue_view *ov, int entry)
{
	return entry < ov->n ? entry : base_lines(ov) + 1 + (entry - ov->n);
}

/* The entry selected when it is one due for 销号, else NULL. */
static const struct duban_notice_due *current_notice(const struct overdue_view *ov)
{
	int i = ov->cur - ov->n;
	return i >= 0 && i < ov->nn ? &ov->nd[i] : NULL;
}

/* The next window of the list; false when it could not be read (a key
 * came during idle(), or an error, shown). */
static bool read_more(struct tui *t, struct overdue_view *ov, int n)
{
	int was = ov->n;
	if (duban_overdue_window(t->st, &t->filter.filter, &ov->ladder, ov->today, &ov->more, n, &ov->v, &ov->n,
				 &ov->cap) != DUBAN_OK) {
		if (!duban_store_stopped(t->st)) {
			tui_message(t, true, "%s", duban_store_errmsg(t->st));
			ov->more.done = true;
		}
		return false;
	}
	for (int i = was; i < ov->n; i++)
		ov->due += ov->v[i].state.next >= 0;
	/* On an item due for 销号, the cursor stays on it. */
	if (ov->cur >= was && ov->nn > 0)
		ov->cur += ov->n - was;
	return true;
}

static void load(struct tui *t, struct overdue_view *ov)
{
	char err[256];
	if (!duban_ladder_parse(t->settings.ladder, &ov->ladder, err, sizeof err))
		duban_ladder_default(&ov->ladder);
	duban_overdue_free(ov->v, ov->n);
	ov->v = NULL;
	ov->n = ov->cap = ov->due = 0;
	ov->measured = ov->widest_taken_short = ov->widest_next_short = 0;
	memset(ov->widest, 0, sizeof ov->widest);
	duban_overdue_cursor_free(&ov->more);
	duban_notice_due_free(ov->nd, ov->nn);
	ov->nd = NULL;
	ov->nn = 0;
	ov->today = duban_today();
	ov->cur = 0;
	read_more(t, ov, FIRST_WINDOW);
	/* The same list as the end of `duban overdue`. */
	if (duban_notice_due_list(t->st, &t->filter.filter, ov->today, &ov->nd, &ov->nn) != DUBAN_OK)
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
	if (ov->cur >= ov->n + ov->nn)
		ov->cur = ov->n + ov->nn - 1;
	if (ov->cur < 0)
		ov->cur = 0;
}

static const struct duban_overdue *current(const struct overdue_view *ov)
{
	return ov->cur >= 0 && ov->cur < ov->n ? &ov->v[ov->cur] : NULL;
}

/* The id of the item selected, either kind; NULL when none. */
static const char *current_id(const struct overdue_view *ov)
{
	const struct duban_notice_due *nd = current_notice(ov);
	return current(ov) ? current(ov)->item.id : nd ? nd->id : NULL;
}

/* ---------------------------------------------------------------- drawing */


static const char *const col_titles[C_COUNT] = {
	N_("Code"), N_("Title"), N_("County"), N_("Lead unit"), N_("Deadline"), N_("Days"), N_("Taken"),
	N_("Next step due"),
};
static const int col_max[C_COUNT] = { 14, 0, 8, 16, 10, 5, 22, 26 };
/* Dropped in this order until the title has room: the steps taken (in
 * short, the last one and how many before it) outlast the unit and the
 * deadline; code, title, county, days and the step due stay. */
static const enum col drop_order[] = { C_UNIT, C_DEADLINE, C_TAKEN, C_COUNTY };
#define TITLE_MIN 12

/* The steps taken in short: the last one, and how many came before it. */
static char *taken_short(const struct overdue_view *ov, const struct duban_ladder_state *s)
{
	int n = 0, last = -1;
	for (int i = 0; i < ov->ladder.n; i++)
		if (s->taken[i]) {
			n++;
			last = i;
		}
	if (last < 0)
		return xstrdup("");
	const char *name = duban_action_kind_name(ov->ladder.steps[last].kind);
	/* TRANSLATORS: the last step taken and the number taken before it. */
	return n > 1 ? xasprintf(_("%s +%d"), name, n - 1) : xstrdup(name);
}

static char *cell(const struct overdue_view *ov, const struct duban_overdue *o, enum col c)
{
	const struct duban_ladder_state *s = &o->state;
	char day[11];
	switch (c) {
	case C_CODE: return xstrdup(o->item.code);
	case C_TITLE: return xstrdup(o->item.title);
	case C_COUNTY: return xstrdup(o->item.county);
	case C_UNIT: return xstrdup(o->item.lead_unit);
	case C_DEADLINE: return xstrdup(duban_date_format(o->item.deadline, day));
	case C_DAYS: return xasprintf("%d", s->days);
	case C_TAKEN: {
		if (ov->taken_brief)
			return taken_short(ov, s);
		struct duban_buf b;
		duban_buf_init(&b);
		for (int i = 0; i < ov->ladder.n; i++)
			if (s->taken[i])
				duban_buf_printf(&b, "%s%s", b.len ? _(", ") : "",
						 duban_action_kind_name(ov->ladder.steps[i].kind));
		return duban_buf_steal(&b);
	}
	case C_NEXT:
		if (s->next < 0)
			return xstrdup("");
		if (ov->next_brief)
			return xstrdup(duban_action_kind_name(ov->ladder.steps[s->next].kind));
		return xasprintf(_("%s since %s"), duban_action_kind_name(ov->ladder.steps[s->next].kind),
				 duban_date_format(s->next_since, day));
	default: return xstrdup("");
	}
}

static int cell_width(const struct overdue_view *ov, const struct duban_overdue *o, enum col c)
{
	char *s = cell(ov, o, c);
	int w = duban_str_width(s);
	free(s);
	return w;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* Widens the cached column widths by the entries read since the last call:
 * a redraw then costs the screen's rows, not the list's. */
static void measure(struct overdue_view *ov)
{
	bool taken_brief = ov->taken_brief, next_brief = ov->next_brief;
	for (; ov->measured < ov->n; ov->measured++) {
		const struct duban_overdue *o = &ov->v[ov->measured];
		ov->taken_brief = ov->next_brief = false;
		for (int c = 0; c < C_COUNT; c++)
			if (c != C_TITLE)
				ov->widest[c] = max_int(ov->widest[c], cell_width(ov, o, (enum col)c));
		ov->taken_brief = ov->next_brief = true;
		ov->widest_taken_short = max_int(ov->widest_taken_short, cell_width(ov, o, C_TAKEN));
		ov->widest_next_short = max_int(ov->widest_next_short, cell_width(ov, o, C_NEXT));
	}
	ov->taken_brief = taken_brief;
	ov->next_brief = next_brief;
}

/* A column's width: its widest cell or title, at most its maximum. */
static int column_width(const struct overdue_view *ov, enum col c)
{
	int w = duban_str_width(_(col_titles[c]));
	int widest = c == C_TAKEN && ov->taken_brief ? ov->widest_taken_short
		     : c == C_NEXT && ov->next_brief ? ov->widest_next_short
						     : ov->widest[c];
	w = max_int(w, widest);
	return w > col_max[c] ? col_max[c] : w;
}

static void layout(struct overdue_view *ov, int w, int width[C_COUNT])
{
	/* The steps taken in full when they fit their column, else all short. */
	measure(ov);
	ov->next_brief = false;
	ov->taken_brief = ov->widest[C_TAKEN] > col_max[C_TAKEN];
	for (int c = 0; c < C_COUNT; c++)
		width[c] = c == C_TITLE ? 0 : column_width(ov, (enum col)c);
	for (size_t d = 0;; d++) {
		int used = 1;
		for (int c = 0; c < C_COUNT; c++)
			if (c != C_TITLE && width[c] > 0)
				used += width[c] + 1;
		width[C_TITLE] = w - used - 1;
		if (width[C_TITLE] >= TITLE_MIN || d == sizeof drop_order / sizeof drop_order[0])
			break;
		/* The steps taken go short before they go. */
		if (drop_order[d] == C_TAKEN && !ov->taken_brief) {
			ov->taken_brief = true;
			width[C_TAKEN] = column_width(ov, C_TAKEN);
			d--;
			continue;
		}
		width[drop_order[d]] = 0;
	}
	/* Still cramped (a phone): the step due without its date, which the
	 * days column and the ladder below tell anyway. */
	if (width[C_TITLE] < TITLE_MIN) {
		ov->next_brief = true;
		int was = width[C_NEXT];
		width[C_NEXT] = column_width(ov, C_NEXT);
		if (width[C_NEXT] > 12)
			width[C_NEXT] = 12;
		width[C_TITLE] += was - width[C_NEXT];
	}
	if (width[C_TITLE] < 1)
		width[C_TITLE] = 1;
}

static void draw_row(struct tui *t, const struct overdue_view *ov, WINDOW *win, int y, int x, int w,
		     const int width[C_COUNT], const struct duban_overdue *o, attr_t a)
{
	tui_fill(win, y, x, w, a);
	int cx = x + 1;
	for (int c = 0; c < C_COUNT && cx < x + w; c++) {
		if (width[c] <= 0)
			continue;
		char *s = o ? cell(ov, o, c) : xstrdup(_(col_titles[c]));
		int cw = width[c] < x + w - cx ? width[c] : x + w - cx;
		attr_t ca = a;
		/* The step due stands out, except under the cursor. */
		if (o && c == C_NEXT && !(a & A_REVERSE) && a == tui_attr(t, TUI_EL_DEFAULT))
			ca = tui_attr(t, TUI_EL_OVERDUE);
		if (c == C_DAYS)
			tui_text_right(win, y, cx, s, cw, ca);
		else
			tui_text(win, y, cx, s, cw, ca);
		free(s);
		cx += width[c] + 1;
	}
}

/* An item due for 销号: code, title and county in their columns, then when
 * its notice ended across the rest of the line. */
static void draw_notice_row(const struct overdue_view *ov, WINDOW *win, int y, int x, int w,
			    const int width[C_COUNT], const struct duban_notice_due *nd, attr_t a)
{
	const char *v[C_COUNT] = { [C_CODE] = nd->code, [C_TITLE] = nd->title, [C_COUNTY] = nd->county };
	int days = (int)(ov->today - nd->end);
	char day[11];
	tui_fill(win, y, x, w, a);
	int cx = x + 1;
	for (int c = 0; c <= C_COUNTY && cx < x + w; c++) {
		if (width[c] <= 0)
			continue;
		tui_text(win, y, cx, v[c], width[c] < x + w - cx ? width[c] : x + w - cx, a);
		cx += width[c] + 1;
	}
	char *when = xasprintf(P_("notice ended %s (%d day ago)", "notice ended %s (%d days ago)", days),
			       duban_date_format(nd->end, day), days);
	if (cx < x + w)
		tui_text(win, y, cx, when, x + w - cx, a);
	free(when);
}

static void draw_notice_heading(struct tui *t, const struct overdue_view *ov, WINDOW *win, int y, int x, int w)
{
	attr_t a = tui_attr(t, TUI_EL_TABLE_HEAD);
	char *head = xasprintf(P_("%d item's public notice has ended: due for closing",
				  "%d items' public notices have ended: due for closing", ov->nn), ov->nn);
	tui_fill(win, y, x, w, a);
	tui_text(win, y, x + 1, head, w - 1, a);
	free(head);
}

/* One line per step of the selected item's ladder. */
static char *step_line(const struct overdue_view *ov, const struct duban_overdue *o, int i, enum tui_element *el)
{
	const struct duban_ladder_step *st = &ov->ladder.steps[i];
	const struct duban_ladder_state *s = &o->state;
	const char *name = duban_action_kind_name(st->kind);
	char day[11];
	*el = TUI_EL_DEFAULT;
	if (s->taken[i])
		return xasprintf(_("✓ %s (day %d): issued %s"), name, st->day, duban_date_format(s->taken_on[i], day));
	if (i == s->next) {
		*el = TUI_EL_OVERDUE;
		return xasprintf(_("▶ %s (day %d): due since %s"), name, st->day, duban_date_format(s->next_since, day));
	}
	*el = TUI_EL_DIM;
	if (i < s->reached)
		return xasprintf(_("– %s (day %d): passed over"), name, st->day);
	return xasprintf(_("· %s (day %d): falls due %s"), name, st->day,
			 duban_date_format(o->item.deadline + st->day, day));
}

/* Below the list for an item due for 销号: what is left to do. */
static void draw_notice_detail(struct tui *t, const struct overdue_view *ov, WINDOW *win, int y, int x, int w)
{
	const struct duban_notice_due *nd = current_notice(ov);
	char day[11];
	char *keys = tui_keys_for(t, "overdue", TUI_ACT_CHANGE_STATUS);
	char *line = xasprintf(_("The public notice ended %s: the item is due for closing (%s: change the status "
				 "to closed)."), duban_date_format(nd->end, day), keys && *keys ? keys : ":status");
	tui_text(win, y, x + 1, line, w - 2, tui_attr(t, TUI_EL_DEFAULT));
	free(line);
	free(keys);
}

static void draw_ladder(struct tui *t, const struct overdue_view *ov, WINDOW *win, int y, int x, int h, int w)
{
	const struct duban_overdue *o = current(ov);
	int row = 0;
	if (current_notice(ov)) {
		draw_notice_detail(t, ov, win, y, x, w);
		return;
	}
	for (int i = 0; o && i < ov->ladder.n && row < h; i++, row++) {
		enum tui_element el;
		char *line = step_line(ov, o, i, &el);
		tui_text(win, y + row, x + 1, line, w - 2, tui_attr(t, el));
		free(line);
	}
	if (o && row < h && *o->latest_note) {
		char *line = xasprintf(_("Latest note: %s"), o->latest_note);
		tui_text(win, y + row++, x + 1, line, w - 2, tui_attr(t, TUI_EL_DIM));
		free(line);
	}
}

/* The action text over the list while the user is asked to confirm. */
static void draw_preview(struct tui *t, const struct overdue_view *ov, WINDOW *win, int y, int x, int h, int w)
{
	int bw = w - 4 > 76 ? 76 : w - 4;
	char **lines = duban_wrap(ov->preview, bw - 4 > 1 ? bw - 4 : 1);
	int n = 0;
	while (lines && lines[n])
		n++;
	int bh = n + 2 < h - 2 ? n + 2 : h - 2;
	if (bh < 3 || bw < 10) {
		duban_lines_free(lines);
		return;
	}
	int by = y + (h - bh) / 2, bx = x + (w - bw) / 2;
	for (int r = 0; r < bh; r++)
		tui_fill(win, by + r, bx, bw, tui_attr(t, TUI_EL_DEFAULT));
	tui_box(win, by, bx, bh, bw, ov->preview_title, tui_attr(t, TUI_EL_BORDER));
	for (int i = 0; i < n && i < bh - 2; i++)
		tui_text(win, by + 1 + i, bx + 2, lines[i], bw - 4, tui_attr(t, TUI_EL_DEFAULT));
	duban_lines_free(lines);
}

/* "No overdue items", with the filter when there is one. */
static void draw_none(struct tui *t, WINDOW *win, int y, int x, int w)
{
	char *summary = duban_filter_summary(&t->filter.filter);
	char *msg = *summary ? xasprintf(_("No overdue items among %s."), summary)
			     : xstrdup(_("No overdue items: every deadline that passed was met."));
	tui_text(win, y, x, msg, w, tui_attr(t, TUI_EL_DIM));
	free(msg);
	free(summary);
}

/* Line i of the list (see line_of). */
static void draw_line(struct tui *t, const struct overdue_view *ov, WINDOW *win, int y, int x, int w,
		      const int width[C_COUNT], int i)
{
	int base = base_lines(ov);
	if (i < ov->n) {
		draw_row(t, ov, win, y, x, w, width, &ov->v[i], tui_attr(t, i == ov->cur ? TUI_EL_CURSOR : TUI_EL_DEFAULT));
	} else if (i < base) {
		draw_none(t, win, y, x + 1, w - 2);
	} else if (i == base) {
		draw_notice_heading(t, ov, win, y, x, w);
	} else {
		int e = ov->n + (i - base - 1);
		draw_notice_row(ov, win, y, x, w, width, &ov->nd[e - ov->n],
				tui_attr(t, e == ov->cur ? TUI_EL_CURSOR : TUI_EL_DEFAULT));
	}
}

static void ov_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct overdue_view *ov = self;
	int width[C_COUNT];
	for (int r = 0; r < h; r++)
		tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	if (ov->n == 0 && ov->nn == 0) {
		draw_none(t, win, y + 1, x + 2, w - 4);
		return;
	}
	layout(ov, w, width);
	int ladder_h = ov->ladder.n + 1;
	int detail_h = h >= ladder_h + 8 ? ladder_h : 0;
	ov->page = h - 1 - (detail_h ? detail_h + 1 : 0);
	if (ov->page < 1)
		ov->page = 1;
	int at = line_of(ov, ov->cur);
	/* The first item due for 销号 brings its heading into view. */
	if (ov->cur == ov->n && ov->nn > 0)
		at--;
	if (at < ov->top)
		ov->top = at;
	if (line_of(ov, ov->cur) >= ov->top + ov->page)
		ov->top = line_of(ov, ov->cur) - ov->page + 1;
	draw_row(t, ov, win, y, x, w, width, NULL, tui_attr(t, TUI_EL_TABLE_HEAD));
	for (int r = 0; r < ov->page && ov->top + r < line_count(ov); r++)
		draw_line(t, ov, win, y + 1 + r, x, w, width, ov->top + r);
	if (detail_h) {
		int sep = y + 1 + ov->page;
		for (int cx = 0; cx < w; cx++)
			tui_text(win, sep, x + cx, t->utf8 ? "─" : "-", 1, tui_attr(t, TUI_EL_BORDER));
		draw_ladder(t, ov, win, sep + 1, x, detail_h, w);
	}
	if (ov->preview)
		draw_preview(t, ov, win, y, x, h, w);
}

/* ---------------------------------------------------------------- issuing */

static char *default_letter_name(const struct duban_overdue *o, enum duban_action_kind kind)
{
	char *code = duban_sanitize(o->item.code, false);
	for (char *p = code; *p; p++)
		if (*p == '/' || *p == '\\' || *p == ' ')
			*p = '_';
	char *name = xasprintf("%s-%s.txt", code, duban_action_kind_zh(kind));
	free(code);
	return name;
}

/* Records the action and writes the letter (path may be NULL) in one
 * transaction; a message either way.  True when issued. */
static bool record(struct tui *t, const struct duban_letter_ctx *c, const struct duban_letter *l, const char *path)
{
	char err[512] = "";
	char *content = NULL;
	if (path && !(content = duban_letter_for_file(c, l, path, err, sizeof err))) {
		tui_message(t, true, "%s", err);
		return false;
	}
	enum duban_err e = duban_store_begin(t->st);
	struct duban_action a;
	memset(&a, 0, sizeof a);
	if (e == DUBAN_OK)
		e = duban_ladder_record(t->st, c, l, &a);
	duban_action_free(&a);
	bool written = false;
	if (e == DUBAN_OK && content) {
		if (duban_write_file_atomic(path, content, strlen(content), 0644) != 0)
			snprintf(err, sizeof err, _("cannot write the letter %s: %s"), path, strerror(errno));
		else
			written = true;
	}
	if (e == DUBAN_OK && (!content || written))
		e = duban_store_commit(t->st);
	free(content);
	char *code = duban_sanitize(c->item->code, false);
	bool okay = e == DUBAN_OK && (!path || written);
	if (!okay) {
		duban_store_rollback(t->st);
		if (written)
			remove(path);
		tui_message(t, true, _("%s: nothing issued: %s"), code,
			    *err ? err : duban_store_errmsg(t->st));
	} else if (path) {
		tui_message(t, false, _("%s: %s issued; letter written to %s"), code, duban_action_kind_name(c->step), path);
	} else {
		tui_message(t, false, _("%s: %s issued"), code, duban_action_kind_name(c->step));
	}
	free(code);
	return okay;
}

static int issue_step(struct tui *t, struct overdue_view *ov)
{
	const struct duban_overdue *o = current(ov);
	const struct duban_notice_due *nd = current_notice(ov);
	if (nd) {
		char *keys = tui_keys_for(t, "overdue", TUI_ACT_CHANGE_STATUS);
		char *code = duban_sanitize(nd->code, false);
		tui_message(t, false, _("%s is not overdue: its public notice has ended, close it (%s: change the status)."),
			    code, keys && *keys ? keys : ":status");
		free(code);
		free(keys);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!o)
		return TUI_HANDLED;
	if (o->state.next < 0) {
		char *keys = tui_keys_for(t, "overdue", TUI_ACT_ADD_ACTION);
		tui_message(t, false, _("No step is due for this item: add an action (%s) to issue one anyway."),
			    keys && *keys ? keys : ":");
		free(keys);
		return TUI_HANDLED | TUI_REDRAW;
	}
	enum duban_action_kind kind = ov->ladder.steps[o->state.next].kind;
	struct duban_letter_ctx c = {
		.item = &o->item, .step = kind, .today = ov->today, .date = ov->today,
		.reply_by = ov->today + t->settings.reply_days, .days_overdue = o->state.days,
		.latest_note = o->latest_note,
	};
	struct duban_letter l;
	char err[512];
	if (!duban_letter_make(&c, &l, err, sizeof err)) {
		tui_message(t, true, "%s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	char *code = duban_sanitize(o->item.code, false);
	char *box = xasprintf(_("%s for %s"), duban_action_kind_name(kind), code);
	char *question = xasprintf(_("Issue %s to %s and record it?"), duban_action_kind_name(kind), code);
	ov->preview = l.action_text;
	ov->preview_title = box;
	tui_draw_all(t);
	bool yes = tui_confirm(t, question);
	ov->preview = NULL;
	ov->preview_title = NULL;
	free(question);
	free(box);
	int r = TUI_HANDLED | TUI_REDRAW;
	/* Esc at the letter's prompt cancels the whole command, like Esc at
	 * the question: an empty name is the way to issue without a letter. */
	char *path = NULL;
	bool go = yes;
	if (go) {
		char *def = default_letter_name(o, kind);
		path = tui_prompt(t, _("Letter file (.html for print; empty: no letter; Esc: cancel):"), def, NULL,
				  NULL);
		free(def);
		go = path != NULL;
	}
	if (go) {
		if (!*duban_trim(path)) {
			free(path);
			path = NULL;
		}
		if (record(t, &c, &l, path))
			r |= TUI_RELOAD;
	} else {
		tui_message(t, false, _("%s: nothing issued"), code);
	}
	free(path);
	free(code);
	duban_letter_free(&l);
	return r;
}

/* ---------------------------------------------------------------- keys */

static int ov_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct overdue_view *ov = self;
	int page = ov->page > 1 ? ov->page : 1;
	const char *id = current_id(ov);
	(void)key;
	int r = tui_list_move(&ov->cur, ov->n + ov->nn, page, a);
	if (r)
		return r;
	switch (a) {
	case TUI_ACT_BACK:
	case TUI_ACT_QUIT:
		return TUI_HANDLED | TUI_CLOSE;
	case TUI_ACT_ENTER:
		if (id) {
			char copy[37];
			snprintf(copy, sizeof copy, "%s", id);
			tui_push(t, &tui_detail_view, copy);
		}
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_ISSUE_STEP:
		return issue_step(t, ov);
	case TUI_ACT_SEARCH:
		return tui_search_narrow(t);
	case TUI_ACT_ADD_NOTE:
	case TUI_ACT_ADD_INSPECTION:
	case TUI_ACT_ADD_ACTION:
	case TUI_ACT_CHANGE_STATUS:
	case TUI_ACT_EDIT_ITEM:
		if (!id)
			return TUI_HANDLED;
		char copy[37];
		snprintf(copy, sizeof copy, "%s", id);
		return TUI_HANDLED | tui_item_form(t, a, copy);
	case TUI_ACT_REFRESH:
		return TUI_HANDLED | TUI_RELOAD;
	default:
		return TUI_IGNORED;
	}
}

static void *ov_open(struct tui *t, void *arg)
{
	(void)arg;
	struct overdue_view *ov = xcalloc(1, sizeof *ov);
	load(t, ov);
	return ov;
}

static void ov_close(void *self)
{
	struct overdue_view *ov = self;
	duban_overdue_free(ov->v, ov->n);
	duban_overdue_cursor_free(&ov->more);
	duban_notice_due_free(ov->nd, ov->nn);
	free(ov);
}

static void ov_reload(struct tui *t, void *self)
{
	struct overdue_view *ov = self;
	/* Keep the cursor on the same item when it is still listed. */
	char id[37] = "";
	if (current_id(ov))
		snprintf(id, sizeof id, "%s", current_id(ov));
	int was = ov->cur;
	bool on_notice = current_notice(ov) != NULL;
	load(t, ov);
	/* Read on to where the cursor was (an item deep in a long list). */
	while (!on_notice && !ov->more.done && ov->n <= was)
		if (!read_more(t, ov, IDLE_WINDOW))
			break;
	ov->cur = was < ov->n + ov->nn ? was : ov->n + ov->nn - 1;
	if (ov->cur < 0)
		ov->cur = 0;
	for (int i = 0; i < ov->n && *id; i++)
		if (strcmp(ov->v[i].item.id, id) == 0)
			ov->cur = i;
	for (int i = 0; i < ov->nn && *id; i++)
		if (strcmp(ov->nd[i].id, id) == 0)
			ov->cur = ov->n + i;
}

static char *ov_title(struct tui *t, void *self)
{
	struct overdue_view *ov = self;
	char *summary = duban_filter_summary(&t->filter.filter);
	char *counts = ov->more.done ? xasprintf(P_("overdue: %d item, %d with a step due",
						    "overdue: %d items, %d with a step due", ov->n), ov->n, ov->due)
				     : xasprintf(_("overdue: %d+ items, counting…"), ov->n);
	if (ov->nn) {
		char *closing = xasprintf(P_("%d due for closing", "%d due for closing", ov->nn), ov->nn);
		char *both = xasprintf("%s · %s", counts, closing);
		free(closing);
		free(counts);
		counts = both;
	}
	char *title = *summary ? xasprintf("%s · %s", counts, summary) : xstrdup(counts);
	free(counts);
	free(summary);
	return title;
}

/* The rest of the list, a window per call while no key waits. */
static bool ov_idle(struct tui *t, void *self)
{
	struct overdue_view *ov = self;
	if (ov->more.done)
		return false;
	return read_more(t, ov, IDLE_WINDOW);
}

static const enum tui_action ov_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_ENTER, TUI_ACT_ISSUE_STEP, TUI_ACT_SEARCH, TUI_ACT_ADD_NOTE,
	TUI_ACT_ADD_INSPECTION, TUI_ACT_ADD_ACTION, TUI_ACT_CHANGE_STATUS, TUI_ACT_EDIT_ITEM, TUI_ACT_NONE
};

const struct tui_view_ops tui_overdue_view = {
	.name = "overdue",
	.open = ov_open,
	.close = ov_close,
	.draw = ov_draw,
	.handle = ov_handle,
	.reload = ov_reload,
	.title = ov_title,
	.idle = ov_idle,
	.mouse = NULL,
	.actions = ov_actions,
};
