/* The ledger: a table of items beside a detail pane.  Rows come from the
 * store in keyset windows around the cursor, so a million-item ledger scrolls
 * like a small one: the view holds a few screens of rows, never the ledger. */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#ifndef ENABLE_NLS
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif

/* Rows asked for at a time, at least; the cache keeps about three screens
 * (CACHE_SCREENS chunks) around the cursor. */
#define MIN_CHUNK 20
#define CACHE_SCREENS 4
/* Rows examined when looking for an item among others with the same key. */
#define SCAN_CHUNKS 64

enum column {
	COL_CODE, COL_TITLE, COL_COUNTY, COL_LEAD, COL_DEADLINE, COL_DUE, COL_STATUS, COL_FEEDBACK, COL_REPEATS,
	COL_COUNT
};

static const char *const column_titles[COL_COUNT] = {
	N_("Code"), N_("Title"), N_("County"), N_("Lead unit"), N_("Deadline"), N_("Due"), N_("Status"),
	N_("Feedback"), N_("Repeats"),
};

/* The columns by importance, least first: when the table is narrow each in
 * turn is shrunk to its minimum (a status or due abbreviated) and, when that
 * is not enough, dropped.  Code, light, title, county and due stay longest. */
static const enum column drop_order[] = { COL_REPEATS, COL_FEEDBACK, COL_LEAD, COL_DEADLINE, COL_STATUS, COL_DUE,
					  COL_COUNTY };

struct ledger {
	struct duban_row *rows; /* a contiguous stretch of the list, in order */
	int n, cap;
	bool at_start, at_end;  /* the stretch holds the list's first / last row */
	int cur, top;           /* indexes into rows; top may be < 0 while settling */
	int page;               /* table rows on screen */
	/* The last draw, for the mouse. */
	int y, x, h, w, table_w;
	bool wide, pane_focus;
	char *typing;           /* the search being typed, highlighted meanwhile */
	struct tui_detail pane;
	char pane_id[37];
	/* The fields the pane has shown since the selection changed: each
	 * keeps its line, empty on items without it, so that moving from
	 * item to item rewrites values, not the pane's layout. */
	uint64_t pane_sticky;
	int pane_top, pane_h;
	/* A form ran on the pane's item: the pane as it was, to find the
	 * record saved (highlighted as pane_mark). */
	struct tui_detail pane_before;
	bool pane_after_form;
	char pane_mark[37];
	/* Sticky column widths: they grow as wider values scroll by, so the
	 * table does not jitter; reset when the selection changes. */
	int wcode, wcounty, wlead, wdue, wdue_short;
	int wfb, wrep; /* 0 until a row with a running feedback clock or repeats shows */
	/* Header figures, computed in idle() once the first screen is up. */
	bool counted;
	struct duban_totals counting; /* in progress, a slice per idle call */
	long long total, by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT];
	/* Which rows on screen have conflicts: asked once per row per reload,
	 * never for rows out of sight. */
	struct conflict_mark {
		char id[37];
		bool has;
	} *marks;
	int nmarks, capmarks;
};

static struct ledger *find_ledger(struct tui *t)
{
	for (int i = 0; i < t->depth; i++)
		if (t->stack[i].ops == &tui_ledger_view)
			return t->stack[i].self;
	return NULL;
}

/* ---------------------------------------------------------------- the cache */

static int chunk(const struct ledger *L)
{
	return L->page > MIN_CHUNK ? L->page : MIN_CHUNK;
}

static int cache_limit(const struct ledger *L)
{
	return CACHE_SCREENS * chunk(L);
}

static void cache_clear(struct ledger *L)
{
	for (int i = 0; i < L->n; i++)
		duban_row_free(&L->rows[i]);
	L->n = 0;
	L->cur = L->top = 0;
	L->at_start = L->at_end = false;
}

static void cache_reserve(struct ledger *L, int more)
{
	if (L->n + more <= L->cap)
		return;
	L->cap = L->n + more + 16;
	L->rows = xrealloc(L->rows, (size_t)L->cap * sizeof *L->rows);
}

/* One window from the store with the shared filter and sort. */
static bool fetch(struct tui *t, const struct duban_filter *f, const struct duban_cursor *c, bool backward,
		  int n, struct duban_row *out, int *got)
{
	enum duban_err err = duban_query_window(t->st, f, t->sort, t->descending, c, backward, n, out, got);
	if (err == DUBAN_OK)
		return true;
	tui_message(t, true, "%s", duban_store_errmsg(t->st));
	*got = 0;
	return false;
}

/* Appends the next window; drops rows far above the screen.  Returns how
 * many rows were dropped from the front (indexes shift down by that). */
static int extend_forward(struct tui *t, struct ledger *L)
{
	struct duban_cursor c = { .valid = false };
	int want = chunk(L), got = 0;

	if (L->at_end)
		return 0;
	if (L->n > 0)
		duban_cursor_of_row(&L->rows[L->n - 1], t->sort, &c);
	cache_reserve(L, want);
	if (!fetch(t, &t->filter.filter, &c, false, want, L->rows + L->n, &got) || got < want)
		L->at_end = true;
	if (L->n == 0)
		L->at_start = true;
	L->n += got;

	int drop = L->n - cache_limit(L);
	if (drop > L->top - 1)
		drop = L->top - 1;
	if (drop <= 0)
		return 0;
	for (int i = 0; i < drop; i++)
		duban_row_free(&L->rows[i]);
	memmove(L->rows, L->rows + drop, (size_t)(L->n - drop) * sizeof *L->rows);
	L->n -= drop;
	L->top -= drop;
	L->cur -= drop;
	L->at_start = false;
	return drop;
}

/* Prepends the previous window; drops rows far below the screen.  Returns
 * how many rows were added at the front (indexes shift up by that). */
static int extend_backward(struct tui *t, struct ledger *L)
{
	struct duban_cursor c = { .valid = false };
	int want = chunk(L), got = 0;

	if (L->at_start || L->n == 0)
		return 0;
	duban_cursor_of_row(&L->rows[0], t->sort, &c);
	struct duban_row *buf = xcalloc((size_t)want, sizeof *buf);
	if (!fetch(t, &t->filter.filter, &c, true, want, buf, &got) || got < want)
		L->at_start = true;
	cache_reserve(L, got);
	memmove(L->rows + got, L->rows, (size_t)L->n * sizeof *L->rows);
	memcpy(L->rows, buf, (size_t)got * sizeof *buf);
	free(buf);
	L->n += got;
	L->top += got;
	L->cur += got;

	int keep = L->top + L->page + chunk(L);
	if (keep < cache_limit(L))
		keep = cache_limit(L);
	if (L->n > keep) {
		for (int i = keep; i < L->n; i++)
			duban_row_free(&L->rows[i]);
		L->n = keep;
		L->at_end = false;
	}
	return got;
}

/* Keeps the cursor on a row and on screen, and the screen full of rows. */
static void settle(struct tui *t, struct ledger *L)
{
	if (L->n == 0 && !L->at_end)
		extend_forward(t, L);
	if (L->n == 0) {
		L->cur = L->top = 0;
		return;
	}
	if (L->cur >= L->n)
		L->cur = L->n - 1;
	if (L->cur < 0)
		L->cur = 0;
	if (L->cur < L->top)
		L->top = L->cur;
	if (L->cur >= L->top + L->page)
		L->top = L->cur - L->page + 1;
	while (L->top < 0 && !L->at_start)
		if (extend_backward(t, L) == 0)
			break;
	if (L->top < 0)
		L->top = 0;
	while (L->top + L->page > L->n && !L->at_end)
		extend_forward(t, L);
	if (L->top + L->page > L->n) {
		/* At the end: pull earlier rows in rather than leave a gap. */
		while (L->n - L->page < 0 && !L->at_start)
			if (extend_backward(t, L) == 0)
				break;
		int full = L->n - L->page < 0 ? 0 : L->n - L->page;
		if (full < L->top)
			L->top = full;
	}
}

static void load_first(struct tui *t, struct ledger *L)
{
	cache_clear(L);
	L->at_start = true;
	extend_forward(t, L);
	settle(t, L);
}

static void load_last(struct tui *t, struct ledger *L)
{
	struct duban_cursor c = { .valid = false };
	int want = chunk(L), got = 0;

	cache_clear(L);
	cache_reserve(L, want);
	fetch(t, &t->filter.filter, &c, true, want, L->rows, &got);
	L->n = got;
	L->at_end = true;
	L->at_start = got < want;
	L->cur = got - 1;
	L->top = got - L->page;
	settle(t, L);
}

static bool same_key(enum duban_sort sort, const struct duban_cursor *a, const struct duban_cursor *b)
{
	if (sort == DUBAN_SORT_LIGHT && a->light != b->light)
		return false;
	return strcmp(a->key, b->key) == 0;
}

/* Loads the rows around the position of cursor c (the rows before it, then
 * the rows from it on) and puts the cursor on the item with id when it is
 * among the rows of c's key, else on the row that follows its place.  The
 * cursor row lands offset rows below the top of the screen.  Returns true
 * when the item was found. */
static bool load_around(struct tui *t, struct ledger *L, const struct duban_cursor *c, const char *id, int offset)
{
	int want = chunk(L), got = 0, found = -1;
	bool stop = false;

	cache_clear(L);
	cache_reserve(L, want);
	fetch(t, &t->filter.filter, c, true, want, L->rows, &got);
	L->n = got;
	L->at_start = got < want;
	int place = L->n;
	for (int tries = 0; tries < SCAN_CHUNKS && found < 0 && !stop && !L->at_end; tries++) {
		int from = L->n;
		/* Everything before the new rows may go: the screen is placed
		 * afterwards, pulling back what it needs. */
		L->top = L->cur = from;
		int dropped = extend_forward(t, L);
		from -= dropped;
		place -= dropped;
		for (int i = from; i < L->n; i++) {
			struct duban_cursor rc;
			if (strcmp(L->rows[i].id, id) == 0) {
				found = i;
				break;
			}
			duban_cursor_of_row(&L->rows[i], t->sort, &rc);
			if (!same_key(t->sort, &rc, c)) {
				stop = true;
				break;
			}
		}
	}
	L->cur = found >= 0 ? found : place < 0 ? 0 : place;
	L->top = L->cur - offset;
	settle(t, L);
	return found >= 0;
}

/* A cursor at an item's place in the current sort: exact when rowid is known,
 * else just before every row of the item's key. */
static void cursor_of_item(struct tui *t, const struct duban_item *item, long long rowid, struct duban_cursor *c)
{
	struct duban_row r;
	memset(&r, 0, sizeof r);
	r.rowid = rowid > 0 ? rowid : t->descending ? LLONG_MAX : -1;
	r.code = item->code;
	r.deadline = item->deadline;
	r.deadline_kind = item->deadline_kind;
	r.county = item->county;
	r.status = item->status;
	r.progress = item->progress;
	r.light = duban_item_light(item, duban_today(), duban_store_light_rules(t->st));
	snprintf(r.updated_at, sizeof r.updated_at, "%s", item->updated_at);
	duban_cursor_of_row(&r, t->sort, c);
}

/* Reloads around the current item, which may have moved (a new deadline, a
 * new update time) or left the selection. */
static void reload_rows(struct tui *t, struct ledger *L)
{
	struct duban_cursor c;
	struct duban_item item;
	char id[37];

	L->counted = false;
	L->nmarks = 0;
	memset(&L->counting, 0, sizeof L->counting);
	L->wcode = L->wcounty = L->wlead = L->wdue = 0;
	L->wfb = L->wrep = 0;
	L->pane_id[0] = '\0';
	L->pane_sticky = 0;
	if (L->n == 0) {
		load_first(t, L);
		return;
	}
	struct duban_row *r = &L->rows[L->cur];
	int offset = L->cur - L->top;
	snprintf(id, sizeof id, "%s", r->id);
	duban_item_init(&item);
	if (duban_item_get(t->st, id, &item) == DUBAN_OK)
		cursor_of_item(t, &item, r->rowid, &c);
	else
		duban_cursor_of_row(r, t->sort, &c);
	duban_item_free(&item);
	load_around(t, L, &c, id, offset);
}

/* The table's rows moved by one (the row that was on top is one above or
 * below the top now): the terminal can scroll them, pane and all. */
static void hint_scroll(struct tui *t, const struct ledger *L, const char *top_id)
{
	if (!L->wide || !*top_id || L->h < 4)
		return;
	int rows_y = L->y + 1, rows_end = L->y + L->h - 1;
	if (L->top >= 1 && L->top - 1 < L->n && strcmp(L->rows[L->top - 1].id, top_id) == 0)
		tui_scroll_hint(t, rows_y, rows_end, 1);
	else if (L->top + 1 < L->n && L->top >= 0 && strcmp(L->rows[L->top + 1].id, top_id) == 0)
		tui_scroll_hint(t, rows_y, rows_end, -1);
}

/* Moves the cursor by delta rows, fetching windows past the cache's edges;
 * the screen follows, keeping the cursor's place on it when scroll is set. */
static int move_cursor(struct tui *t, struct ledger *L, int delta, bool scroll)
{
	int target = L->cur + delta;
	int offset = L->cur - L->top;
	char top_id[37] = "";

	if (L->top >= 0 && L->top < L->n)
		snprintf(top_id, sizeof top_id, "%s", L->rows[L->top].id);

	while (target >= L->n && !L->at_end)
		target -= extend_forward(t, L);
	while (target < 0 && !L->at_start) {
		int added = extend_backward(t, L);
		if (added == 0)
			break;
		target += added;
	}
	if (target >= L->n)
		target = L->n - 1;
	if (target < 0)
		target = 0;
	L->cur = target;
	if (scroll)
		L->top = L->cur - offset;
	settle(t, L);
	hint_scroll(t, L, top_id);
	return TUI_HANDLED | TUI_REDRAW;
}

static const struct duban_row *current(const struct ledger *L)
{
	return L->n > 0 && L->cur >= 0 && L->cur < L->n ? &L->rows[L->cur] : NULL;
}

/* ---------------------------------------------------------------- drawing */

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

static int clamp_int(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static const char *deadline_text(const struct duban_row *r, char buf[11])
{
	if (r->deadline_kind == DUBAN_DEADLINE_ONGOING || r->deadline == DUBAN_DATE_NONE)
		return r->deadline_kind == DUBAN_DEADLINE_DATE ? "" : duban_deadline_kind_name(r->deadline_kind);
	return duban_date_format(r->deadline, buf);
}

/* Nothing to count down once the work is verified. */
static char *due_text(const struct duban_row *r, duban_date today)
{
	if (r->status >= DUBAN_STATUS_VERIFIED)
		return xstrdup("");
	char *s = tui_due_text(r->deadline, r->deadline_kind, today);
	return s ? s : xstrdup("");
}

static char *due_short(const struct duban_row *r, duban_date today)
{
	if (r->status >= DUBAN_STATUS_VERIFIED)
		return xstrdup("");
	char *s = tui_due_short(r->deadline, r->deadline_kind, today);
	return s ? s : xstrdup("");
}

static enum tui_element due_element(const struct duban_row *r, duban_date today)
{
	if (r->deadline_kind == DUBAN_DEADLINE_ONGOING || r->status >= DUBAN_STATUS_VERIFIED)
		return TUI_EL_DIM;
	if (r->deadline != DUBAN_DATE_NONE && r->deadline < today)
		return TUI_EL_OVERDUE;
	return r->light == DUBAN_LIGHT_YELLOW ? TUI_EL_DUE_SOON : TUI_EL_DEFAULT;
}

/* The feedback column: the due date (MM-DD) of a complaint's feedback, the
 * red light's symbol before it once overdue; "" when no clock runs. */
static void feedback_cell(const struct duban_row *r, duban_date today, char buf[32])
{
	int y, m, d;
	buf[0] = '\0';
	if (r->feedback_due == DUBAN_DATE_NONE)
		return;
	duban_date_to_ymd(r->feedback_due, &y, &m, &d);
	snprintf(buf, 32, "%s%02d-%02d", r->feedback_due < today ? duban_light_symbol(DUBAN_LIGHT_RED) : " ", m, d);
}

static void repeats_cell(const struct duban_row *r, char buf[16])
{
	buf[0] = '\0';
	if (r->repeats > 0)
		snprintf(buf, 16, "×%d", r->repeats);
}

/* Grows the sticky widths with the rows on screen. */
static void measure(struct ledger *L, duban_date today)
{
	int end = L->top + L->page < L->n ? L->top + L->page : L->n;
	for (int i = L->top < 0 ? 0 : L->top; i < end; i++) {
		const struct duban_row *r = &L->rows[i];
		L->wcode = max_int(L->wcode, duban_str_width(r->code));
		L->wcounty = max_int(L->wcounty, duban_str_width(r->county));
		L->wlead = max_int(L->wlead, duban_str_width(r->lead_unit));
		char *due = due_text(r, today);
		L->wdue = max_int(L->wdue, duban_str_width(due));
		free(due);
		due = due_short(r, today);
		L->wdue_short = max_int(L->wdue_short, duban_str_width(due));
		free(due);
		char fb[32], rep[16];
		feedback_cell(r, today, fb);
		repeats_cell(r, rep);
		L->wfb = max_int(L->wfb, duban_str_width(fb));
		L->wrep = max_int(L->wrep, duban_str_width(rep));
	}
}

static int status_width(bool brief)
{
	int w = 0;
	for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
		w = max_int(w, duban_str_width(brief ? tui_status_short(s) : duban_status_name(s)));
	return w;
}

/* The due column's width with the full words. */
static int due_full_width(const struct ledger *L)
{
	return clamp_int(max_int(L->wdue, duban_str_width(_(column_titles[COL_DUE]))), 3, 18);
}

/* The table's width without the title: the light and every column shown. */
static int used_width(int light_w, const int width[COL_COUNT])
{
	int used = light_w;
	for (int c = 0; c < COL_COUNT; c++)
		if (c != COL_TITLE && width[c] > 0)
			used += width[c] + 1;
	return used;
}

/* Column widths for a table w columns wide: the title takes the slack; the
 * least needed columns go first when it would get too little. */
static void layout(const struct ledger *L, int w, int light_w, int width[COL_COUNT])
{
	width[COL_CODE] = clamp_int(max_int(L->wcode, duban_str_width(_(column_titles[COL_CODE]))), 4, 16);
	width[COL_COUNTY] = clamp_int(max_int(L->wcounty, duban_str_width(_(column_titles[COL_COUNTY]))), 4, 10);
	width[COL_LEAD] = clamp_int(max_int(L->wlead, duban_str_width(_(column_titles[COL_LEAD]))), 4, 18);
	width[COL_DEADLINE] = max_int(10, duban_str_width(duban_deadline_kind_name(DUBAN_DEADLINE_ONGOING)));
	width[COL_DUE] = due_full_width(L);
	width[COL_STATUS] = clamp_int(status_width(false), 4, 14);
	/* Shown only once a row needs them: most ledgers have neither. */
	width[COL_FEEDBACK] = L->wfb ? max_int(L->wfb, duban_str_width(_(column_titles[COL_FEEDBACK]))) : 0;
	width[COL_REPEATS] = L->wrep ? max_int(L->wrep, duban_str_width(_(column_titles[COL_REPEATS]))) : 0;
	width[COL_TITLE] = 0;
	/* What each column can do with, before it goes. */
	int least[COL_COUNT] = {
		[COL_CODE] = width[COL_CODE], [COL_COUNTY] = width[COL_COUNTY],
		[COL_LEAD] = min_int(width[COL_LEAD], 8), [COL_DEADLINE] = width[COL_DEADLINE],
		[COL_DUE] = clamp_int(max_int(L->wdue_short, 3), 3, width[COL_DUE]),
		[COL_STATUS] = min_int(status_width(true), width[COL_STATUS]),
		[COL_FEEDBACK] = width[COL_FEEDBACK], [COL_REPEATS] = width[COL_REPEATS],
	};

	int title_min = w >= 60 ? 20 : max_int(12, w / 3);
	for (size_t d = 0; d < sizeof drop_order / sizeof drop_order[0]; d++) {
		int c = drop_order[d];
		if (width[c] == 0)
			continue;
		int short_of = title_min - (w - used_width(light_w, width));
		if (short_of <= 0)
			break;
		/* All short or all full: "in progress" beside "close req."
		 * would read as two kinds of status. */
		width[c] = least[c];
		if (title_min - (w - used_width(light_w, width)) > 0)
			width[c] = 0;
	}
	width[COL_TITLE] = w - used_width(light_w, width);
	/* Still too narrow (below 40 columns): shrink the code and due. */
	while (width[COL_TITLE] < 6 && (width[COL_CODE] > 6 || width[COL_DUE] > 6)) {
		if (width[COL_DUE] > 6)
			width[COL_DUE]--, width[COL_TITLE]++;
		if (width[COL_CODE] > 6 && width[COL_TITLE] < 6)
			width[COL_CODE]--, width[COL_TITLE]++;
	}
	if (width[COL_TITLE] < 1)
		width[COL_TITLE] = 1;
}

static void draw_head(struct tui *t, WINDOW *win, int y, int x, int w, int light_w, const int width[COL_COUNT])
{
	attr_t a = tui_attr(t, TUI_EL_TABLE_HEAD);
	tui_fill(win, y, x, w, a);
	int cx = x + light_w;
	for (int c = 0; c < COL_COUNT; c++) {
		if (width[c] <= 0)
			continue;
		tui_text(win, y, cx, _(column_titles[c]), width[c], a);
		cx += width[c] + 1;
	}
}

/* Whether a row has an unresolved conflict, from the marks or the store. */
static bool has_conflict(struct tui *t, struct ledger *L, const char *id)
{
	if (t->conflicts <= 0)
		return false;
	for (int i = 0; i < L->nmarks; i++)
		if (strcmp(L->marks[i].id, id) == 0)
			return L->marks[i].has;
	/* Scrolling far adds rows; forget the oldest half rather than grow. */
	if (L->nmarks >= 512) {
		memmove(L->marks, L->marks + 256, (size_t)(L->nmarks - 256) * sizeof *L->marks);
		L->nmarks -= 256;
	}
	if (L->nmarks == L->capmarks) {
		L->capmarks = L->capmarks ? L->capmarks * 2 : 64;
		L->marks = xrealloc(L->marks, (size_t)L->capmarks * sizeof *L->marks);
	}
	struct conflict_mark *m = &L->marks[L->nmarks++];
	snprintf(m->id, sizeof m->id, "%s", id);
	m->has = duban_item_has_conflict(t->st, id);
	return m->has;
}

static void draw_row(struct tui *t, WINDOW *win, int y, int x, int w, int light_w, const int width[COL_COUNT],
		     int full_due, const struct duban_row *r, bool selected, bool quiet, bool conflict,
		     const char *search, duban_date today)
{
	attr_t base = tui_attr(t, selected ? TUI_EL_CURSOR : TUI_EL_DEFAULT);
	if (selected && quiet)
		base = tui_attr(t, TUI_EL_LABEL) | A_UNDERLINE;
	char date[11], fb[32], rep[16];
	char *due = due_text(r, today);
	/* A column shrunk below the full words gets the short ones. */
	if (width[COL_DUE] > 0 && width[COL_DUE] < full_due) {
		free(due);
		due = due_short(r, today);
	}
	const char *status = duban_status_name(r->status);
	if (width[COL_STATUS] < clamp_int(status_width(false), 4, 14))
		status = tui_status_short(r->status);

	tui_fill(win, y, x, w, base);
	/* The light keeps its colour on the cursor row too. */
	tui_text(win, y, x, duban_light_symbol(r->light), light_w, tui_light_attr(t, r->light));
	/* "!" between the light and the code: seen without colour too. */
	if (conflict && light_w > 1)
		tui_text(win, y, x + light_w - 1, "!", 1, tui_attr(t, TUI_EL_CONFLICT) | (selected ? base : 0));
	int cx = x + light_w;
	for (int c = 0; c < COL_COUNT; c++) {
		if (width[c] <= 0)
			continue;
		const char *s = "";
		attr_t a = base;
		switch (c) {
		case COL_CODE: s = r->code; break;
		case COL_TITLE: s = r->title; break;
		case COL_COUNTY: s = r->county; break;
		case COL_LEAD: s = r->lead_unit; break;
		case COL_DEADLINE: s = deadline_text(r, date); break;
		case COL_DUE:
			/* The deadline column already says 长期坚持. */
			s = width[COL_DEADLINE] > 0 && r->deadline_kind == DUBAN_DEADLINE_ONGOING ? "" : due;
			if (!selected)
				a = tui_attr(t, due_element(r, today));
			/* Narrow: without a status column, say why nothing is due. */
			if (!*s && width[COL_STATUS] == 0)
				s = duban_str_width(duban_status_name(r->status)) > width[COL_DUE] ? tui_status_short(r->status)
												    : duban_status_name(r->status);
			break;
		case COL_STATUS: s = status; break;
		case COL_FEEDBACK:
			feedback_cell(r, today, fb);
			s = fb;
			if (!selected && r->feedback_due != DUBAN_DATE_NONE && r->feedback_due < today)
				a = tui_attr(t, TUI_EL_OVERDUE);
			break;
		case COL_REPEATS:
			repeats_cell(r, rep);
			s = rep;
			break;
		}
		tui_text(win, y, cx, s, width[c], a);
		if (search && (c == COL_CODE || c == COL_TITLE))
			tui_text_mark(win, y, cx, s, width[c], search, tui_attr(t, TUI_EL_TODAY));
		cx += width[c] + 1;
	}
	free(due);
}

static void draw_empty(struct tui *t, WINDOW *win, int y, int x, int w)
{
	char *summary = duban_filter_summary(&t->filter.filter);
	char *msg;
	if (summary && *summary) {
		char *keys = tui_keys_for(t, "ledger", TUI_ACT_CLEAR_FILTER);
		msg = xasprintf(_("no items match: %s — press %s to clear the filter"), summary,
				keys && *keys ? keys : ":filter");
		free(keys);
	} else {
		char *keys = tui_keys_for(t, "ledger", TUI_ACT_NEW_ITEM);
		msg = xasprintf(_("The ledger is empty — press %s to create an item, or run `duban import FILE`."),
				keys && *keys ? keys : "N");
		free(keys);
	}
	char **lines = duban_wrap(msg, w > 4 ? w - 2 : w);
	for (int i = 0; lines && lines[i]; i++)
		tui_text(win, y + 1 + i, x + 1, lines[i], w - 1, tui_attr(t, TUI_EL_DIM));
	duban_lines_free(lines);
	free(msg);
	free(summary);
}

static void draw_table(struct tui *t, struct ledger *L, WINDOW *win, int y, int x, int h, int w)
{
	duban_date today = duban_today();
	int width[COL_COUNT];
	int light_w = duban_str_width(duban_light_symbol(DUBAN_LIGHT_RED)) + 1;

	measure(L, today);
	/* Beside the pane, a blank column keeps the last one off its border
	 * (a status as wide as its column, 尚未启动, would touch it). */
	layout(L, L->wide ? w - 1 : w, light_w, width);
	draw_head(t, win, y, x, w, light_w, width);
	for (int r = 1; r < h; r++)
		tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	if (L->n == 0) {
		draw_empty(t, win, y, x, w);
		return;
	}
	for (int r = 0; r < L->page; r++) {
		int i = L->top + r;
		if (i >= 0 && i < L->n)
			draw_row(t, win, y + 1 + r, x, w, light_w, width, due_full_width(L), &L->rows[i], i == L->cur,
				 L->pane_focus && L->wide, has_conflict(t, L, L->rows[i].id),
				 L->typing ? L->typing : t->search, today);
	}
}

/* After a form saved a record on the pane's item (the reload renders it
 * anew): the pane shows that record, highlighted, not its top. */
static void pane_show_saved(struct ledger *L, int h)
{
	if (!L->pane_after_form)
		return;
	L->pane_after_form = false;
	int line = -1;
	if (strcmp(L->pane_before.item_id, L->pane.item_id) == 0)
		line = tui_detail_new_record(&L->pane_before, &L->pane, L->pane_mark);
	if (line >= 0)
		L->pane_top = tui_detail_top_for(&L->pane, line, h);
	tui_detail_free(&L->pane_before);
}

/* Lines kept in the pane for the history below the fields: its blank
 * line, heading and latest entry. */
#define PANE_HISTORY_LINES 3

/* The number of the pane's lines before its history. */
static int pane_fields_end(const struct tui_detail *d)
{
	return d->start[TUI_SEC_HISTORY] > 0 ? d->start[TUI_SEC_HISTORY] - 1 : d->n;
}

static void draw_pane(struct tui *t, struct ledger *L, WINDOW *win, int y, int x, int h, int w)
{
	const struct duban_row *r = current(L);
	/* The focused pane has a heavy, bold border (and the table's cursor
	 * goes quiet): where the keys go shows without colour too. */
	attr_t border = L->pane_focus ? tui_attr(t, TUI_EL_LABEL) | A_BOLD : tui_attr(t, TUI_EL_BORDER);
	const char *bar = L->pane_focus ? (t->utf8 ? "┃" : "#") : (t->utf8 ? "│" : "|");

	for (int i = 0; i < h; i++)
		tui_text(win, y + i, x, bar, 1, border);
	int cols = w - 2;
	if (!r) {
		tui_detail_free(&L->pane);
		L->pane_id[0] = '\0';
		for (int i = 0; i < h; i++)
			tui_fill(win, y + i, x + 1, w - 1, tui_attr(t, TUI_EL_DEFAULT));
		return;
	}
	bool other = strcmp(L->pane_id, r->id) != 0;
	if (other && t->keys_repeating) {
		/* A held key: the pane would be replaced at every row.  It
		 * stays blank until the keys stop, so that the table's lines
		 * move as whole lines (the terminal scrolls them). */
		t->settle_redraw = true;
		for (int i = 0; i < h; i++)
			tui_fill(win, y + i, x + 1, w - 1, tui_attr(t, TUI_EL_DEFAULT));
		return;
	}
	if (other || L->pane.cols != cols) {
		if (other) {
			L->pane_top = 0;
			L->pane_mark[0] = '\0';
		}
		struct tui_detail_opts o = { .cols = cols, .preview = true, .sticky = L->pane_sticky };
		tui_detail_free(&L->pane);
		tui_detail_render(t, r->id, &o, &L->pane);
		/* Empty lines must not push the item's last fields (light,
		 * days left) and its latest history out of sight: then the
		 * layout starts again from this item's own fields. */
		if (o.sticky && pane_fields_end(&L->pane) > h - PANE_HISTORY_LINES) {
			o.sticky = 0;
			tui_detail_free(&L->pane);
			tui_detail_render(t, r->id, &o, &L->pane);
			L->pane_sticky = 0;
		}
		L->pane_sticky |= L->pane.shown;
		snprintf(L->pane_id, sizeof L->pane_id, "%s", r->id);
		pane_show_saved(L, h);
	}
	L->pane_h = h;
	L->pane_top = clamp_int(L->pane_top, 0, tui_detail_max_top(&L->pane, h));
	for (int i = 0; i < h; i++)
		tui_fill(win, y + i, x + 1, 1, tui_attr(t, TUI_EL_DEFAULT));
	tui_detail_draw(t, &L->pane, L->pane_top, L->pane_mark, win, y, x + 2, h, cols);
}

static void ledger_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct ledger *L = self;
	int page = h - 1 > 1 ? h - 1 : 1;

	L->y = y, L->x = x, L->h = h, L->w = w;
	L->wide = w >= t->settings.detail_min_width && w >= 60;
	if (!L->wide)
		L->pane_focus = false;
	if (page != L->page) {
		L->page = page;
		settle(t, L);
	}
	int pane_w = L->wide ? max_int(36, w * 2 / 5) : 0;
	L->table_w = w - pane_w;
	draw_table(t, L, win, y, x, h, L->table_w);
	if (L->wide)
		draw_pane(t, L, win, y, x + L->table_w, h, pane_w);
}

/* ---------------------------------------------------------------- search */

/* A cursor just before row idx, so that a forward query starts at it. */
static void cursor_before(struct tui *t, struct ledger *L, int idx, struct duban_cursor *c)
{
	struct duban_row prev;
	int got = 0;

	c->valid = false;
	if (idx > 0 && idx <= L->n) {
		duban_cursor_of_row(&L->rows[idx - 1], t->sort, c);
		return;
	}
	if (L->n == 0 || L->at_start)
		return;
	struct duban_cursor here;
	duban_cursor_of_row(&L->rows[idx], t->sort, &here);
	if (fetch(t, &t->filter.filter, &here, true, 1, &prev, &got) && got == 1) {
		duban_cursor_of_row(&prev, t->sort, c);
		duban_row_free(&prev);
	}
}

/* The filter of the selection narrowed to text.  *joined to free. */
static struct duban_filter search_filter(struct tui *t, const char *text, char **joined)
{
	struct duban_filter f = t->filter.filter;
	*joined = NULL;
	if (f.text && *f.text)
		f.text = *joined = xasprintf("%s %s", f.text, text);
	else
		f.text = text;
	return f;
}

/* The first row matching text after (or before) c, in the current
 * selection; false when there is none. */
static bool find_match(struct tui *t, const char *text, const struct duban_cursor *c, bool backward,
		       struct duban_row *out)
{
	char *joined;
	struct duban_filter f = search_filter(t, text, &joined);
	int got = 0;

	bool ok = fetch(t, &f, c, backward, 1, out, &got) && got == 1;
	free(joined);
	return ok;
}

/* Puts the cursor on a row: on screen already, the screen stays; else the
 * rows around it are loaded with it a third of the way down. */
static void show_row(struct tui *t, struct ledger *L, const struct duban_row *row)
{
	struct duban_cursor at;
	int end = L->top + L->page < L->n ? L->top + L->page : L->n;

	for (int i = L->top < 0 ? 0 : L->top; i < end; i++) {
		if (strcmp(L->rows[i].id, row->id) == 0) {
			L->cur = i;
			return;
		}
	}
	duban_cursor_of_row(row, t->sort, &at);
	load_around(t, L, &at, row->id, L->page / 3);
}

/* Matches counted before the hit at most: past that, "over N". */
#define MATCH_RANK_MAX 2000
#define MATCH_RANK_STEP 200

/* "match N of M": the hit's place among the matches of the selection. */
static char *match_place(struct tui *t, const char *text, const struct duban_row *hit)
{
	char *joined;
	struct duban_filter f = search_filter(t, text, &joined);
	long long all = 0;
	if (duban_query_count(t->st, &f, &all) != DUBAN_OK)
		all = 0;
	struct duban_row *rows = xcalloc(MATCH_RANK_STEP, sizeof *rows);
	struct duban_cursor c;
	duban_cursor_of_row(hit, t->sort, &c);
	int before = 0, got = 0;
	do {
		if (!fetch(t, &f, &c, true, MATCH_RANK_STEP, rows, &got))
			break;
		before += got;
		if (got > 0)
			duban_cursor_of_row(&rows[0], t->sort, &c);
		for (int i = 0; i < got; i++)
			duban_row_free(&rows[i]);
	} while (got == MATCH_RANK_STEP && before < MATCH_RANK_MAX);
	free(rows);
	free(joined);
	if (before >= MATCH_RANK_MAX)
		return xasprintf(_("match %d+ of %lld"), before + 1, all);
	return xasprintf(_("match %d of %lld"), before + 1, all);
}

/* Searches from c, wrapping around the selection once; puts the cursor on
 * the match and says which of how many it is.  Returns TUI_* flags. */
static int search_from(struct tui *t, struct ledger *L, const char *text, const struct duban_cursor *c,
		       bool backward)
{
	struct duban_row hit;
	struct duban_cursor none = { .valid = false };

	if (!text || !*text)
		return TUI_HANDLED;
	bool found = find_match(t, text, c, backward, &hit);
	bool wrapped = false;
	if (!found && c->valid) {
		found = find_match(t, text, &none, backward, &hit);
		wrapped = found;
	}
	if (!found) {
		tui_message(t, true, _("not found: %s"), text);
		return TUI_HANDLED | TUI_REDRAW;
	}
	show_row(t, L, &hit);
	char *place = match_place(t, text, &hit);
	if (wrapped)
		tui_message(t, false, "%s · %s", backward ? _("search wrapped to the end") : _("search wrapped to the start"),
			    place);
	else
		tui_message(t, false, "%s", place);
	free(place);
	duban_row_free(&hit);
	return TUI_HANDLED | TUI_REDRAW;
}

struct search_ctx {
	struct ledger *L;
	struct duban_cursor origin;  /* just before the row the search began on */
	struct duban_cursor home;    /* that row itself, to come back on Esc */
	char home_id[37];
	int offset;
};

static void search_changed(struct tui *t, const char *text, void *data)
{
	struct search_ctx *sc = data;
	t->message[0] = '\0';
	free(sc->L->typing);
	sc->L->typing = text && *text ? xstrdup(text) : NULL;
	if (!text || !*text) {
		if (sc->home_id[0])
			load_around(t, sc->L, &sc->home, sc->home_id, sc->offset);
		return;
	}
	search_from(t, sc->L, text, &sc->origin, false);
}

static int do_search(struct tui *t, struct ledger *L)
{
	struct search_ctx sc = { .L = L, .origin = { .valid = false }, .home = { .valid = false } };
	const struct duban_row *r = current(L);

	if (r) {
		cursor_before(t, L, L->cur, &sc.origin);
		duban_cursor_of_row(r, t->sort, &sc.home);
		snprintf(sc.home_id, sizeof sc.home_id, "%s", r->id);
		sc.offset = L->cur - L->top;
	}
	char *text = tui_prompt(t, "/", NULL, search_changed, &sc);
	free(L->typing);
	L->typing = NULL;
	if (!text) {
		if (sc.home_id[0])
			load_around(t, L, &sc.home, sc.home_id, sc.offset);
		t->message[0] = '\0';
		return TUI_HANDLED | TUI_REDRAW;
	}
	duban_trim(text);
	free(t->search);
	t->search = *text ? text : NULL;
	if (!*text)
		free(text);
	return TUI_HANDLED | TUI_REDRAW;
}

static int search_next(struct tui *t, struct ledger *L, bool backward)
{
	const struct duban_row *r = current(L);
	struct duban_cursor c = { .valid = false };

	if (!t->search || !*t->search) {
		tui_message(t, true, "%s", _("no search: press / to search"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (r)
		duban_cursor_of_row(r, t->sort, &c);
	return search_from(t, L, t->search, &c, backward);
}

/* ---------------------------------------------------------------- the view ops */

static void *ledger_open(struct tui *t, void *arg)
{
	(void)arg;
	struct ledger *L = xcalloc(1, sizeof *L);
	L->page = t->rows > 4 ? t->rows - 3 : 1;
	load_first(t, L);
	return L;
}

static void ledger_close(void *self)
{
	struct ledger *L = self;
	cache_clear(L);
	free(L->rows);
	free(L->marks);
	free(L->typing);
	tui_detail_free(&L->pane);
	tui_detail_free(&L->pane_before);
	free(L);
}

static int pane_scroll(struct ledger *L, enum tui_action a)
{
	if (!L->wide)
		return TUI_HANDLED;
	return TUI_HANDLED | tui_detail_scroll(&L->pane_top, tui_detail_max_top(&L->pane, L->pane_h), L->pane_h, a);
}

static int item_action(struct tui *t, struct ledger *L, enum tui_action a)
{
	const struct duban_row *r = current(L);
	char id[37];
	if (!r) {
		tui_message(t, true, "%s", _("no item selected"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	/* The form may reload the view under us: keep the id apart. */
	snprintf(id, sizeof id, "%s", r->id);
	bool pane = L->wide && strcmp(L->pane_id, id) == 0;
	if (pane) {
		struct tui_detail_opts o = { .cols = L->pane.cols, .preview = true, .sticky = L->pane_sticky };
		tui_detail_free(&L->pane_before);
		tui_detail_render(t, id, &o, &L->pane_before);
	}
	int res = tui_item_form(t, a, id);
	L->pane_after_form = pane && (res & TUI_RELOAD);
	if (!L->pane_after_form)
		tui_detail_free(&L->pane_before);
	return TUI_HANDLED | TUI_REDRAW | res;
}

static int enter(struct tui *t, struct ledger *L)
{
	const struct duban_row *r = current(L);
	if (!r)
		return TUI_HANDLED;
	/* The item full-screen at any width: the pane is a preview. */
	char id[37];
	snprintf(id, sizeof id, "%s", r->id);
	tui_push(t, &tui_detail_view, id);
	return TUI_HANDLED | TUI_REDRAW;
}

static int navigate(struct tui *t, struct ledger *L, enum tui_action a)
{
	int page = L->page > 1 ? L->page : 1;
	switch (a) {
	case TUI_ACT_MOVE_DOWN: return move_cursor(t, L, 1, false);
	case TUI_ACT_MOVE_UP: return move_cursor(t, L, -1, false);
	case TUI_ACT_PAGE_DOWN: return move_cursor(t, L, page, true);
	case TUI_ACT_PAGE_UP: return move_cursor(t, L, -page, true);
	case TUI_ACT_HALF_DOWN: return move_cursor(t, L, max_int(page / 2, 1), true);
	case TUI_ACT_HALF_UP: return move_cursor(t, L, -max_int(page / 2, 1), true);
	case TUI_ACT_FIRST:
		load_first(t, L);
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_LAST:
		load_last(t, L);
		return TUI_HANDLED | TUI_REDRAW;
	default:
		return TUI_IGNORED;
	}
}

static int ledger_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct ledger *L = self;
	(void)key;

	if (L->pane_focus && L->wide) {
		switch (a) {
		case TUI_ACT_MOVE_DOWN: case TUI_ACT_MOVE_UP: case TUI_ACT_PAGE_DOWN: case TUI_ACT_PAGE_UP:
		case TUI_ACT_HALF_DOWN: case TUI_ACT_HALF_UP: case TUI_ACT_FIRST: case TUI_ACT_LAST:
			return pane_scroll(L, a);
		default:
			break;
		}
	}
	int r = navigate(t, L, a);
	if (r != TUI_IGNORED)
		return r;
	switch (a) {
	case TUI_ACT_DETAIL_DOWN:
	case TUI_ACT_DETAIL_UP:
		return pane_scroll(L, a);
	case TUI_ACT_ENTER:
		return enter(t, L);
	case TUI_ACT_NEXT_PANE:
		if (!L->wide)
			return TUI_HANDLED;
		L->pane_focus = !L->pane_focus;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_BACK:
		if (!L->pane_focus)
			return TUI_IGNORED;
		L->pane_focus = false;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_SEARCH:
		return do_search(t, L);
	case TUI_ACT_SEARCH_NEXT:
		return search_next(t, L, false);
	case TUI_ACT_SEARCH_PREV:
		return search_next(t, L, true);
	case TUI_ACT_ADD_NOTE:
	case TUI_ACT_ADD_INSPECTION:
	case TUI_ACT_ADD_ACTION:
	case TUI_ACT_CHANGE_STATUS:
	case TUI_ACT_EDIT_ITEM:
	case TUI_ACT_ATTACH_FILE:
	case TUI_ACT_OPEN_ATTACHMENT:
	case TUI_ACT_SIGN_ACCEPTANCE:
		return item_action(t, L, a);
	case TUI_ACT_NEW_ITEM:
		return TUI_HANDLED | TUI_REDRAW | tui_form_new_item(t);
	case TUI_ACT_REFRESH:
		return TUI_HANDLED | TUI_RELOAD;
	default:
		return TUI_IGNORED;
	}
}

static void ledger_reload(struct tui *t, void *self)
{
	reload_rows(t, self);
}

static const char *const sort_names[DUBAN_SORT_COUNT] = {
	N_("by deadline"), N_("by code"), N_("by last update"), N_("by warning light"),
	N_("by county"), N_("by status"), N_("by progress"),
};

static char *ledger_title(struct tui *t, void *self)
{
	struct ledger *L = self;
	struct duban_buf b;

	duban_buf_init(&b);
	if (L->counted) {
		duban_buf_printf(&b, ngettext("%lld item", "%lld items", (unsigned long)L->total), L->total);
		duban_buf_printf(&b, " · %s %lld %s %lld · ", duban_light_symbol(DUBAN_LIGHT_RED),
				 L->by_light[DUBAN_LIGHT_RED], duban_light_symbol(DUBAN_LIGHT_YELLOW),
				 L->by_light[DUBAN_LIGHT_YELLOW]);
		duban_buf_printf(&b, _("%lld requested"), L->by_status[DUBAN_STATUS_REQUESTED]);
	} else {
		duban_buf_puts(&b, _("… items"));
	}
	char *summary = duban_filter_summary(&t->filter.filter);
	if (summary && *summary)
		duban_buf_printf(&b, " │ %s", summary);
	free(summary);
	if (t->search && *t->search)
		duban_buf_printf(&b, _(" │ /%s"), t->search);
	duban_buf_printf(&b, " │ %s%s", _(sort_names[t->sort < DUBAN_SORT_COUNT ? t->sort : 0]),
			 t->descending ? " ↓" : "");
	return duban_buf_steal(&b);
}

static bool ledger_idle(struct tui *t, void *self)
{
	struct ledger *L = self;
	if (L->counted)
		return false;
	/* Slices small enough that a key pressed meanwhile waits a few ms. */
	struct duban_totals before = L->counting;
	if (duban_totals_step(t->st, &t->filter.filter, &L->counting, 4096) != DUBAN_OK) {
		if (duban_store_stopped(t->st)) {
			L->counting = before; /* the slice again, from its start */
			return false;
		}
		L->counted = true;
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		return true;
	}
	if (!L->counting.done)
		return true;
	L->counted = true;
	memcpy(L->by_status, L->counting.by_status, sizeof L->by_status);
	memcpy(L->by_light, L->counting.by_light, sizeof L->by_light);
	memset(&L->counting, 0, sizeof L->counting);
	L->total = 0;
	for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
		L->total += L->by_status[s];
	return true;
}

static int ledger_mouse(struct tui *t, void *self, int y, int x, mmask_t buttons)
{
	struct ledger *L = self;
	bool in_pane = L->wide && x >= L->x + L->table_w;
#ifdef BUTTON5_PRESSED
	if (buttons & BUTTON5_PRESSED)
		return in_pane ? pane_scroll(L, TUI_ACT_DETAIL_DOWN) | pane_scroll(L, TUI_ACT_DETAIL_DOWN)
			: move_cursor(t, L, 3, true);
#endif
	if (buttons & BUTTON4_PRESSED)
		return in_pane ? pane_scroll(L, TUI_ACT_DETAIL_UP) | pane_scroll(L, TUI_ACT_DETAIL_UP)
			: move_cursor(t, L, -3, true);
	if (!(buttons & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return TUI_IGNORED;
	if (in_pane) {
		L->pane_focus = true;
		return TUI_HANDLED | TUI_REDRAW;
	}
	L->pane_focus = false;
	int row = y - L->y - 1;
	if (row < 0 || row >= L->page || L->top + row >= L->n)
		return TUI_HANDLED | TUI_REDRAW;
	L->cur = L->top + row;
	if (buttons & BUTTON1_DOUBLE_CLICKED)
		return enter(t, L);
	return TUI_HANDLED | TUI_REDRAW;
}

static const enum tui_action ledger_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_DETAIL_DOWN, TUI_ACT_DETAIL_UP, TUI_ACT_ENTER, TUI_ACT_NEXT_PANE,
	TUI_ACT_SEARCH, TUI_ACT_SEARCH_NEXT, TUI_ACT_SEARCH_PREV, TUI_ACT_ADD_NOTE, TUI_ACT_ADD_INSPECTION,
	TUI_ACT_ADD_ACTION, TUI_ACT_CHANGE_STATUS, TUI_ACT_EDIT_ITEM, TUI_ACT_NEW_ITEM, TUI_ACT_ATTACH_FILE,
	TUI_ACT_OPEN_ATTACHMENT, TUI_ACT_SIGN_ACCEPTANCE, TUI_ACT_NONE
};

const struct tui_view_ops tui_ledger_view = {
	.name = "ledger",
	.open = ledger_open,
	.close = ledger_close,
	.draw = ledger_draw,
	.handle = ledger_handle,
	.reload = ledger_reload,
	.title = ledger_title,
	.idle = ledger_idle,
	.mouse = ledger_mouse,
	.actions = ledger_actions,
};

/* ---------------------------------------------------------------- goto */

bool tui_ledger_code(struct tui *t, char *buf, size_t n)
{
	const struct ledger *L = find_ledger(t);
	const struct duban_row *r = L ? current(L) : NULL;
	if (!r || !r->code)
		return false;
	snprintf(buf, n, "%s", r->code);
	return true;
}

void tui_ledger_goto(struct tui *t, const char *item_id)
{
	struct duban_item item;
	struct duban_cursor c;

	duban_item_init(&item);
	if (duban_item_get(t->st, item_id, &item) != DUBAN_OK) {
		tui_message(t, true, _("no such item: %s"), item_id);
		duban_item_free(&item);
		return;
	}
	struct ledger *L = find_ledger(t);
	if (!L) {
		tui_switch_base(t, &tui_ledger_view, NULL);
		L = find_ledger(t);
	}
	if (!L) {
		duban_item_free(&item);
		return;
	}
	int offset = L->page / 3;
	cursor_of_item(t, &item, 0, &c);
	if (!load_around(t, L, &c, item.id, offset)) {
		char *summary = duban_filter_summary(&t->filter.filter);
		bool filtered = summary && *summary;
		free(summary);
		if (filtered) {
			tui_filter_clear(t);
			tui_filter_changed(t);
			cursor_of_item(t, &item, 0, &c);
		}
		if (filtered && load_around(t, L, &c, item.id, offset))
			tui_message(t, false, _("%s is outside the filter: the filter was cleared"), item.code);
		else
			tui_message(t, true, _("cannot show %s in the ledger"), item.code);
	}
	duban_item_free(&item);
}
