/* The 调度 view: for one round (the latest open one unless named), the
 * items the user may report on, each with where it stands (missing, on
 * time, late), its latest submission and progress; the header counts what
 * is left.  Enter opens the submission form; [ and ] move between rounds.
 * Read from the local store only, so it works offline.  A user who may
 * submit for none of the members (a viewer, a closed round) sees them all,
 * read-only, with the reason. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/dispatch.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

enum col { C_CODE, C_TITLE, C_COUNTY, C_STATE, C_DATE, C_PROGRESS, C_TEXT, C_COUNT };

struct dispatch_view {
	struct duban_dispatch *rounds;
	size_t nrounds;
	int round;                         /* index into rounds; -1: none */
	struct duban_dispatch_member *all; /* the round's members */
	size_t nall;
	int *rows;                         /* indexes into all: the list shown */
	int n, left;                       /* rows, and those not reported yet */
	bool read_only;
	char why[256];                     /* why read-only */
	int widest[C_COUNT];               /* each column's widest cell, measured at load */
	int cur, top, page;
};

static const struct duban_dispatch *round_of(const struct dispatch_view *dv)
{
	return dv->round >= 0 ? &dv->rounds[dv->round] : NULL;
}

static const struct duban_dispatch_member *current(const struct dispatch_view *dv)
{
	return dv->n > 0 ? &dv->all[dv->rows[dv->cur]] : NULL;
}

static void free_members(struct dispatch_view *dv)
{
	duban_dispatch_members_free(dv->all, dv->nall);
	free(dv->rows);
	dv->all = NULL;
	dv->rows = NULL;
	dv->nall = 0;
	dv->n = dv->left = 0;
}

/* The members the user may report on; when none, every member read-only
 * (what the first refusal said is the reason shown). */
static void pick_rows(struct tui *t, struct dispatch_view *dv)
{
	const struct duban_dispatch *d = round_of(dv);
	dv->rows = xcalloc(dv->nall + 1, sizeof *dv->rows);
	dv->why[0] = '\0';
	for (size_t i = 0; i < dv->nall; i++) {
		char msg[256] = "";
		if (duban_dispatch_may_submit(t->st, d, &dv->all[i], msg, sizeof msg))
			dv->rows[dv->n++] = (int)i;
		else if (!dv->why[0])
			snprintf(dv->why, sizeof dv->why, "%s", msg);
	}
	dv->read_only = dv->n == 0 && dv->nall > 0;
	if (dv->read_only)
		for (size_t i = 0; i < dv->nall; i++)
			dv->rows[dv->n++] = (int)i;
	for (int i = 0; i < dv->n; i++)
		dv->left += dv->all[dv->rows[i]].state == DUBAN_DISPATCH_MISSING;
}

static void measure(struct dispatch_view *dv);

static void load_members(struct tui *t, struct dispatch_view *dv)
{
	free_members(dv);
	const struct duban_dispatch *d = round_of(dv);
	if (!d)
		return;
	if (duban_dispatch_members(t->st, d->name, &dv->all, &dv->nall) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		dv->all = NULL;
		dv->nall = 0;
		return;
	}
	pick_rows(t, dv);
	measure(dv);
	if (dv->cur >= dv->n)
		dv->cur = dv->n - 1;
	if (dv->cur < 0)
		dv->cur = 0;
}

/* The round called name, else the latest open one, else the latest. */
static int find_round(const struct dispatch_view *dv, const char *name)
{
	for (size_t i = 0; name && i < dv->nrounds; i++)
		if (strcmp(dv->rounds[i].name, name) == 0)
			return (int)i;
	for (size_t i = 0; i < dv->nrounds; i++)
		if (!dv->rounds[i].closed)
			return (int)i;
	return dv->nrounds > 0 ? 0 : -1;
}

/* Reads the rounds and the members of the one called name (NULL: the
 * latest open one); false with a message when there is no such round. */
static bool load(struct tui *t, struct dispatch_view *dv, const char *name)
{
	duban_dispatches_free(dv->rounds, dv->nrounds);
	dv->rounds = NULL;
	dv->nrounds = 0;
	if (duban_dispatch_list(t->st, &dv->rounds, &dv->nrounds) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		dv->rounds = NULL;
		dv->nrounds = 0;
	}
	dv->round = find_round(dv, name);
	load_members(t, dv);
	if (name && (dv->round < 0 || strcmp(dv->rounds[dv->round].name, name) != 0)) {
		tui_message(t, true, _("no dispatch round named '%s'"), name);
		return false;
	}
	return true;
}

bool tui_dispatch_select(struct tui *t, void *self, const char *name)
{
	struct dispatch_view *dv = self;
	dv->cur = dv->top = 0;
	return load(t, dv, name);
}

/* ---------------------------------------------------------------- drawing */

static const char *const col_titles[C_COUNT] = {
	N_("Code"), N_("Title"), N_("County"), N_("State"), N_("Reported on"), N_("Progress"), N_("Latest submission"),
};
static const int col_max[C_COUNT] = { 14, 0, 8, 10, 12, 8, 0 };
/* Dropped in this order until the title and the text have room. */
static const enum col drop_order[] = { C_COUNTY, C_DATE, C_TEXT };
#define TITLE_MIN 12

static char *cell(const struct duban_dispatch_member *m, enum col c)
{
	char day[11];
	switch (c) {
	case C_CODE: return xstrdup(m->code);
	case C_TITLE: return xstrdup(m->title);
	case C_COUNTY: return xstrdup(m->county);
	case C_STATE: return xstrdup(duban_dispatch_state_name(m->state));
	case C_DATE: return xstrdup(m->submissions ? duban_date_format(m->last_on, day) : "");
	case C_PROGRESS: return m->progress >= 0 ? xasprintf("%d%%", m->progress) : xstrdup("");
	case C_TEXT: return xstrdup(m->text ? m->text : "");
	default: return xstrdup("");
	}
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* The widest cell of each fixed column, once per load: a redraw then costs
 * the screen's rows, not the round's. */
static void measure(struct dispatch_view *dv)
{
	memset(dv->widest, 0, sizeof dv->widest);
	for (int i = 0; i < dv->n; i++)
		for (int c = 0; c < C_COUNT; c++) {
			if (c == C_TITLE || c == C_TEXT)
				continue;
			char *s = cell(&dv->all[dv->rows[i]], (enum col)c);
			dv->widest[c] = max_int(dv->widest[c], duban_str_width(s));
			free(s);
		}
}

static int column_width(const struct dispatch_view *dv, enum col c)
{
	int w = max_int(duban_str_width(_(col_titles[c])), dv->widest[c]);
	return w > col_max[c] ? col_max[c] : w;
}

/* Fixed columns at their widest cell; the title and the latest text share
 * the rest (the text gets more); narrow screens drop county, date, text. */
static void layout(const struct dispatch_view *dv, int w, int width[C_COUNT])
{
	for (int c = 0; c < C_COUNT; c++)
		width[c] = c == C_TITLE || c == C_TEXT ? 0 : column_width(dv, (enum col)c);
	width[C_TEXT] = 1;
	for (size_t d = 0;; d++) {
		int used = 1;
		for (int c = 0; c < C_COUNT; c++)
			if (c != C_TITLE && c != C_TEXT && width[c] > 0)
				used += width[c] + 1;
		int rest = w - used - 1 - (width[C_TEXT] > 0 ? 1 : 0);
		width[C_TITLE] = width[C_TEXT] > 0 ? rest * 2 / 5 : rest;
		if (width[C_TEXT] > 0)
			width[C_TEXT] = rest - width[C_TITLE];
		if (width[C_TITLE] >= TITLE_MIN || d == sizeof drop_order / sizeof drop_order[0])
			break;
		width[drop_order[d]] = 0;
	}
	if (width[C_TITLE] < 1)
		width[C_TITLE] = 1;
}

static enum tui_element state_element(const struct duban_dispatch *d, const struct duban_dispatch_member *m)
{
	if (m->state == DUBAN_DISPATCH_LATE)
		return TUI_EL_DUE_SOON;
	if (m->state == DUBAN_DISPATCH_ON_TIME)
		return TUI_EL_LIGHT_GREEN;
	return d && duban_today() > d->due ? TUI_EL_OVERDUE : TUI_EL_DEFAULT;
}

static void draw_row(struct tui *t, const struct dispatch_view *dv, WINDOW *win, int y, int x, int w,
		     const int width[C_COUNT], const struct duban_dispatch_member *m, attr_t a)
{
	tui_fill(win, y, x, w, a);
	int cx = x + 1;
	for (int c = 0; c < C_COUNT && cx < x + w; c++) {
		if (width[c] <= 0)
			continue;
		char *s = m ? cell(m, (enum col)c) : xstrdup(_(col_titles[c]));
		int cw = width[c] < x + w - cx ? width[c] : x + w - cx;
		attr_t ca = a;
		/* The state stands out, except under the cursor. */
		if (m && c == C_STATE && a == tui_attr(t, TUI_EL_DEFAULT))
			ca = tui_attr(t, state_element(round_of(dv), m));
		if (c == C_PROGRESS)
			tui_text_right(win, y, cx, s, cw, ca);
		else
			tui_text(win, y, cx, s, cw, ca);
		free(s);
		cx += width[c] + 1;
	}
}

/* Below the list: the selected member's latest submission in full, or
 * what a read-only user is told. */
static void draw_pane(struct tui *t, const struct dispatch_view *dv, WINDOW *win, int y, int x, int h, int w)
{
	const struct duban_dispatch_member *m = current(dv);
	char day[11];
	char *text;
	if (dv->read_only)
		text = xasprintf(_("Read only: %s."), dv->why);
	else if (!m || !m->submissions)
		text = xasprintf(_("Not reported yet; due %s.  Enter: report on this item."),
				 duban_date_format(round_of(dv)->due, day));
	else
		text = xasprintf(_("%d submitted; latest %s by %s, %d%%: %s"), m->submissions,
				 duban_date_format(m->last_on, day), m->author, m->progress, m->text);
	char **lines = duban_wrap(text, w - 2 > 1 ? w - 2 : 1);
	for (int i = 0; lines && lines[i] && i < h; i++)
		tui_text(win, y + i, x + 1, lines[i], w - 2, tui_attr(t, dv->read_only ? TUI_EL_MESSAGE : TUI_EL_DIM));
	duban_lines_free(lines);
	free(text);
}

static void dv_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct dispatch_view *dv = self;
	int width[C_COUNT];
	for (int r = 0; r < h; r++)
		tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	if (!round_of(dv) || dv->n == 0) {
		const char *msg = !round_of(dv) ? _("No dispatch round: the office opens one (duban dispatch open).")
						: _("This round has no items of yours.");
		tui_text(win, y + 1, x + 2, msg, w - 4, tui_attr(t, TUI_EL_DIM));
		return;
	}
	layout(dv, w, width);
	int pane_h = h >= 12 ? 3 : 0;
	dv->page = h - 1 - (pane_h ? pane_h + 1 : 0);
	if (dv->page < 1)
		dv->page = 1;
	if (dv->cur < dv->top)
		dv->top = dv->cur;
	if (dv->cur >= dv->top + dv->page)
		dv->top = dv->cur - dv->page + 1;
	draw_row(t, dv, win, y, x, w, width, NULL, tui_attr(t, TUI_EL_TABLE_HEAD));
	for (int r = 0; r < dv->page && dv->top + r < dv->n; r++) {
		int i = dv->top + r;
		draw_row(t, dv, win, y + 1 + r, x, w, width, &dv->all[dv->rows[i]],
			 tui_attr(t, i == dv->cur ? TUI_EL_CURSOR : TUI_EL_DEFAULT));
	}
	if (pane_h) {
		int sep = y + 1 + dv->page;
		for (int cx = 0; cx < w; cx++)
			tui_text(win, sep, x + cx, t->utf8 ? "─" : "-", 1, tui_attr(t, TUI_EL_BORDER));
		draw_pane(t, dv, win, sep + 1, x, pane_h, w);
	}
}

/* ---------------------------------------------------------------- keys */

static int report(struct tui *t, struct dispatch_view *dv)
{
	const struct duban_dispatch_member *m = current(dv);
	if (!m)
		return TUI_HANDLED;
	if (dv->read_only) {
		tui_message(t, true, _("read only: %s"), dv->why);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_HANDLED | tui_form_dispatch(t, round_of(dv)->name, m->item_id, m->progress);
}

/* ] the next (older) round, [ the previous (newer) one. */
static int switch_round(struct tui *t, struct dispatch_view *dv, int dir)
{
	int to = dv->round + dir;
	if (dv->round < 0 || to < 0 || to >= (int)dv->nrounds) {
		tui_message(t, false, "%s", dir > 0 ? _("no older round") : _("no newer round"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	char *name = xstrdup(dv->rounds[to].name);
	tui_dispatch_select(t, dv, name);
	free(name);
	return TUI_HANDLED | TUI_REDRAW;
}

static int dv_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct dispatch_view *dv = self;
	(void)key;
	int r = tui_list_move(&dv->cur, dv->n, dv->page > 1 ? dv->page : 1, a);
	if (r)
		return r;
	switch (a) {
	case TUI_ACT_BACK:
	case TUI_ACT_QUIT:
		return TUI_HANDLED | TUI_CLOSE;
	case TUI_ACT_ENTER:
		return report(t, dv);
	case TUI_ACT_NEXT_SECTION:
		return switch_round(t, dv, 1);
	case TUI_ACT_PREV_SECTION:
		return switch_round(t, dv, -1);
	case TUI_ACT_REFRESH:
		return TUI_HANDLED | TUI_RELOAD;
	default:
		return TUI_IGNORED;
	}
}

static void *dv_open(struct tui *t, void *arg)
{
	struct dispatch_view *dv = xcalloc(1, sizeof *dv);
	load(t, dv, arg);
	return dv;
}

static void dv_close(void *self)
{
	struct dispatch_view *dv = self;
	free_members(dv);
	duban_dispatches_free(dv->rounds, dv->nrounds);
	free(dv);
}

static void dv_reload(struct tui *t, void *self)
{
	struct dispatch_view *dv = self;
	/* The same round, and the cursor on the same item. */
	char id[37] = "";
	char *name = round_of(dv) ? xstrdup(round_of(dv)->name) : NULL;
	if (current(dv))
		snprintf(id, sizeof id, "%s", current(dv)->item_id);
	load(t, dv, name);
	free(name);
	for (int i = 0; i < dv->n && *id; i++)
		if (strcmp(dv->all[dv->rows[i]].item_id, id) == 0)
			dv->cur = i;
}

static char *dv_title(struct tui *t, void *self)
{
	struct dispatch_view *dv = self;
	const struct duban_dispatch *d = round_of(dv);
	char day[11];
	(void)t;
	if (!d)
		return xstrdup(_("dispatch"));
	/* TRANSLATORS: the round's name, what is left to report, of how many,
	 * and the due date. */
	char *s = xasprintf(_("dispatch %s · left %d / total %d · due %s"), d->name, dv->left, dv->n,
			    duban_date_format(d->due, day));
	if (d->closed) {
		char *c = xasprintf(_("%s · closed"), s);
		free(s);
		s = c;
	}
	return s;
}

static const enum tui_action dv_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_ENTER, TUI_ACT_NEXT_SECTION, TUI_ACT_PREV_SECTION, TUI_ACT_NONE
};

const struct tui_view_ops tui_dispatch_view = {
	.name = "dispatch",
	.open = dv_open,
	.close = dv_close,
	.draw = dv_draw,
	.handle = dv_handle,
	.reload = dv_reload,
	.title = dv_title,
	.idle = NULL,
	.mouse = NULL,
	.actions = dv_actions,
};
