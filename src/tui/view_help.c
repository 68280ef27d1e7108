/* Help: every action the view below has a key for and can do, read from
 * the live key map so rebinding shows up here at once; grouped by purpose,
 * each with what it does in that view, scrolling with a "more" marker. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

struct help_line {
	char *keys;       /* NULL on a group's heading */
	const char *help; /* translated, static */
};

struct help {
	const struct tui_view_ops *below;
	struct help_line *lines;
	int n;
	int top;       /* first line shown */
	int page;      /* lines on screen at the last draw */
};

/* ---------------------------------------------------------------- groups */

/* The view's own keys (its key map's, not the generic one's) come first:
 * they are what is special about it. */
enum group { G_OWN, G_MOVE, G_FIND, G_CHANGE, G_VIEWS, G_OTHER, G_COUNT };

static const char *const group_titles[G_COUNT] = {
	N_("In this view"), N_("Moving"), N_("Finding and filtering"), N_("Changing"), N_("Views"), N_("Other keys"),
};

static enum group group_of(const char *view, enum tui_action a)
{
	if (tui_view_binds(view, a))
		return G_OWN;
	switch (a) {
	case TUI_ACT_MOVE_DOWN: case TUI_ACT_MOVE_UP: case TUI_ACT_MOVE_LEFT: case TUI_ACT_MOVE_RIGHT:
	case TUI_ACT_PAGE_DOWN: case TUI_ACT_PAGE_UP: case TUI_ACT_HALF_DOWN: case TUI_ACT_HALF_UP:
	case TUI_ACT_FIRST: case TUI_ACT_LAST: case TUI_ACT_ENTER: case TUI_ACT_NEXT_PANE:
	case TUI_ACT_DETAIL_DOWN: case TUI_ACT_DETAIL_UP: case TUI_ACT_TODAY:
		return G_MOVE;
	case TUI_ACT_SEARCH: case TUI_ACT_SEARCH_NEXT: case TUI_ACT_SEARCH_PREV: case TUI_ACT_FILTER:
	case TUI_ACT_CLEAR_FILTER: case TUI_ACT_SORT: case TUI_ACT_COMMAND:
		return G_FIND;
	case TUI_ACT_ADD_NOTE: case TUI_ACT_ADD_INSPECTION: case TUI_ACT_ADD_ACTION: case TUI_ACT_CHANGE_STATUS:
	case TUI_ACT_EDIT_ITEM: case TUI_ACT_NEW_ITEM: case TUI_ACT_ISSUE_STEP: case TUI_ACT_KEEP_MINE:
	case TUI_ACT_TAKE_THEIRS: case TUI_ACT_EDIT_VALUE: case TUI_ACT_RETRY_OP: case TUI_ACT_DROP_OP:
	case TUI_ACT_WRITE_BULLETIN: case TUI_ACT_ATTACH_FILE: case TUI_ACT_SIGN_ACCEPTANCE:
	case TUI_ACT_ADD_OBJECTION: case TUI_ACT_RESOLVE_OBJECTION:
		return G_CHANGE;
	case TUI_ACT_VIEW_LEDGER: case TUI_ACT_VIEW_CALENDAR: case TUI_ACT_VIEW_WEEK: case TUI_ACT_VIEW_AGENDA:
	case TUI_ACT_VIEW_DASHBOARD: case TUI_ACT_VIEW_CONFLICTS: case TUI_ACT_VIEW_SYNCLOG:
	case TUI_ACT_VIEW_OVERDUE: case TUI_ACT_VIEW_DISPATCH: case TUI_ACT_HELP: case TUI_ACT_BACK: case TUI_ACT_QUIT:
		return G_VIEWS;
	default:
		return G_OTHER;
	}
}

/* ---------------------------------------------------------------- meanings */

/* What an action does in a given view, where the general text (which
 * covers every view) would mislead: the ledger's j is "next row", not
 * "next row / next week".  Views: names separated by spaces. */
static const struct {
	const char *views;
	enum tui_action a;
	const char *help;
} meanings[] = {
	{ "ledger overdue conflicts synclog dispatch", TUI_ACT_MOVE_DOWN, N_("next row") },
	{ "ledger overdue conflicts synclog dispatch", TUI_ACT_MOVE_UP, N_("previous row") },
	{ "ledger overdue conflicts synclog dispatch", TUI_ACT_PAGE_DOWN, N_("next page") },
	{ "ledger overdue conflicts synclog dispatch", TUI_ACT_PAGE_UP, N_("previous page") },
	{ "ledger", TUI_ACT_ENTER, N_("open the selected item full-screen") },
	{ "ledger", TUI_ACT_NEXT_PANE, N_("between the table and the preview pane") },
	{ "overdue", TUI_ACT_ENTER, N_("open the selected item") },
	{ "conflicts", TUI_ACT_ENTER, N_("show the item in the ledger") },
	{ "dispatch", TUI_ACT_ENTER, N_("report on the selected item: progress and what was done") },
	{ "dispatch", TUI_ACT_NEXT_SECTION, N_("the next (older) round") },
	{ "dispatch", TUI_ACT_PREV_SECTION, N_("the previous (newer) round") },
	{ "ledger", TUI_ACT_SEARCH, N_("find as you type: the cursor jumps to the match") },
	{ "calendar dashboard overdue", TUI_ACT_SEARCH, N_("search: show only the items with this text") },
	{ "calendar", TUI_ACT_MOVE_DOWN, N_("next week (in a day's list: next row)") },
	{ "calendar", TUI_ACT_MOVE_UP, N_("previous week (in a day's list: previous row)") },
	{ "calendar", TUI_ACT_MOVE_LEFT, N_("previous day") },
	{ "calendar", TUI_ACT_MOVE_RIGHT, N_("next day") },
	{ "calendar", TUI_ACT_PAGE_DOWN, N_("next month (week view: next week)") },
	{ "calendar", TUI_ACT_PAGE_UP, N_("previous month (week view: previous week)") },
	{ "calendar", TUI_ACT_FIRST, N_("first day of the month or week") },
	{ "calendar", TUI_ACT_LAST, N_("last day of the month or week") },
	{ "calendar", TUI_ACT_ENTER, N_("the day's items; on an item: open it") },
	{ "calendar", TUI_ACT_NEXT_PANE, N_("between the days and the day's items") },
	{ "dashboard detail help", TUI_ACT_MOVE_DOWN, N_("scroll down") },
	{ "dashboard detail help", TUI_ACT_MOVE_UP, N_("scroll up") },
	{ "dashboard detail help", TUI_ACT_PAGE_DOWN, N_("next page") },
	{ "dashboard detail help", TUI_ACT_PAGE_UP, N_("previous page") },
	{ "dashboard detail help", TUI_ACT_FIRST, N_("top") },
	{ "dashboard detail help", TUI_ACT_LAST, N_("bottom") },
	{ "detail", TUI_ACT_ENTER, N_("close the item") },
	{ "detail", TUI_ACT_QUIT, N_("close the item") },
	{ "detail", TUI_ACT_NEXT_SECTION, N_("next section") },
	{ "detail", TUI_ACT_PREV_SECTION, N_("previous section") },
	{ "detail", TUI_ACT_GOTO_SECTION, N_("jump to a section (fields, history, records, attachments)") },
	{ "detail help", TUI_ACT_DETAIL_DOWN, N_("scroll down") },
	{ "detail help", TUI_ACT_DETAIL_UP, N_("scroll up") },
};

static bool view_in(const char *views, const char *view)
{
	size_t n = strlen(view);
	for (const char *p = views; (p = strstr(p, view)); p += n)
		if ((p == views || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static const char *meaning(const char *view, enum tui_action a)
{
	for (size_t i = 0; i < sizeof meanings / sizeof meanings[0]; i++)
		if (meanings[i].a == a && view_in(meanings[i].views, view))
			return _(meanings[i].help);
	return tui_action_help(a);
}

/* ---------------------------------------------------------------- the view */

static void add_group(struct tui *t, struct help *h, const struct tui_view_ops *below, enum group g)
{
	const char *view = below ? below->name : "generic";
	bool heading = false;
	for (int a = 1; a < TUI_ACT_COUNT; a++) {
		if (group_of(view, (enum tui_action)a) != g || !tui_view_can(below, (enum tui_action)a))
			continue;
		char *keys = tui_keys_for(t, view, (enum tui_action)a);
		if (!*keys) {
			free(keys);
			continue;
		}
		if (!heading) {
			h->lines[h->n++] = (struct help_line){ NULL, _(group_titles[g]) };
			heading = true;
		}
		h->lines[h->n++] = (struct help_line){ keys, meaning(view, (enum tui_action)a) };
	}
}

static void *help_open(struct tui *t, void *arg)
{
	struct help *h = xcalloc(1, sizeof *h);
	h->below = arg;
	h->lines = xcalloc(TUI_ACT_COUNT + G_COUNT, sizeof *h->lines);
	for (int g = 0; g < G_COUNT; g++)
		add_group(t, h, h->below, (enum group)g);
	return h;
}

static void help_close(void *self)
{
	struct help *h = self;
	for (int i = 0; i < h->n; i++)
		free(h->lines[i].keys);
	free(h->lines);
	free(h);
}

static int max_top(const struct help *h)
{
	int m = h->n - h->page;
	return m > 0 ? m : 0;
}

static void draw_line(struct tui *t, const struct help_line *l, WINDOW *win, int y, int x, int w, int keyw)
{
	if (!l->keys) {
		tui_text(win, y, x, l->help, w, tui_attr(t, TUI_EL_LABEL));
		return;
	}
	tui_text(win, y, x, "  ", 2, tui_attr(t, TUI_EL_DEFAULT));
	tui_text(win, y, x + 2, l->keys, keyw, tui_attr(t, TUI_EL_HELP_KEY));
	tui_text(win, y, x + 2 + keyw, "  ", 2, tui_attr(t, TUI_EL_DEFAULT));
	tui_text(win, y, x + 4 + keyw, l->help, w - 4 - keyw, tui_attr(t, TUI_EL_DEFAULT));
}

/* The last row when more lines follow: how many, and the keys that show
 * them, so that nothing below the screen goes unnoticed. */
static void draw_more(struct tui *t, struct help *hp, WINDOW *win, int y, int x, int w, int hidden)
{
	char *down = tui_first_key(t, "help", TUI_ACT_MOVE_DOWN);
	char *page = tui_first_key(t, "help", TUI_ACT_PAGE_DOWN);
	char *more = xasprintf(_("▼ %d more below: %s or %s"), hidden, down, page);
	(void)hp;
	tui_text(win, y, x, more, w, tui_attr(t, TUI_EL_TABLE_HEAD));
	free(more);
	free(page);
	free(down);
}

static void help_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct help *hp = self;
	hp->page = h - 1;
	if (hp->top > max_top(hp))
		hp->top = max_top(hp);
	int keyw = 0;
	for (int i = 0; i < hp->n; i++) {
		int kw = hp->lines[i].keys ? duban_str_width(hp->lines[i].keys) : 0;
		if (kw > keyw)
			keyw = kw;
	}
	if (keyw > w / 2)
		keyw = w / 2;
	char *head = xasprintf(_("Keys in the %s view — Esc or q closes"),
			       tui_view_title(hp->below ? hp->below->name : "generic"));
	tui_text(win, y, x, head, w, tui_attr(t, TUI_EL_TABLE_HEAD));
	free(head);
	/* Above the bottom, the last row tells what follows. */
	bool more = hp->top < max_top(hp);
	int rows = more ? h - 2 : h - 1;
	for (int r = 1; r <= rows; r++) {
		int i = hp->top + r - 1;
		if (i < hp->n)
			draw_line(t, &hp->lines[i], win, y + r, x, w, keyw);
		else
			tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	}
	if (more)
		draw_more(t, hp, win, y + h - 1, x, w, hp->n - hp->top - rows);
}

static int help_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct help *h = self;
	(void)t;
	(void)key;
	int page = h->page > 1 ? h->page : 1;
	int r = tui_list_move(&h->top, max_top(h) + 1, page, a);
	if (r)
		return r;
	switch (a) {
	case TUI_ACT_BACK:
	case TUI_ACT_QUIT:
	case TUI_ACT_HELP:
		return TUI_HANDLED | TUI_CLOSE;
	case TUI_ACT_DETAIL_DOWN:
		return tui_list_set(&h->top, max_top(h) + 1, h->top + 1);
	case TUI_ACT_DETAIL_UP:
		return tui_list_set(&h->top, max_top(h) + 1, h->top - 1);
	case TUI_ACT_VIEW_LEDGER:
	case TUI_ACT_VIEW_CALENDAR:
	case TUI_ACT_VIEW_WEEK:
	case TUI_ACT_VIEW_AGENDA:
	case TUI_ACT_VIEW_DASHBOARD:
	case TUI_ACT_VIEW_CONFLICTS:
	case TUI_ACT_VIEW_SYNCLOG:
	case TUI_ACT_SYNC:
	case TUI_ACT_REFRESH:
		return TUI_IGNORED;
	default:
		/* Other keys do nothing here rather than act on a view that
		 * is hidden. */
		return TUI_HANDLED;
	}
}

static char *help_title(struct tui *t, void *self)
{
	(void)t;
	(void)self;
	return xstrdup(_("help"));
}

static int help_mouse(struct tui *t, void *self, int y, int x, mmask_t buttons)
{
	(void)t;
	(void)y;
	(void)x;
	struct help *h = self;
	if (buttons & BUTTON4_PRESSED)
		return tui_list_set(&h->top, max_top(h) + 1, h->top - 3);
	if (buttons & BUTTON5_PRESSED)
		return tui_list_set(&h->top, max_top(h) + 1, h->top + 3);
	return TUI_IGNORED;
}

static const enum tui_action help_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_DETAIL_DOWN, TUI_ACT_DETAIL_UP, TUI_ACT_NONE
};

const struct tui_view_ops tui_help_view = {
	.name = "help",
	.open = help_open,
	.close = help_close,
	.draw = help_draw,
	.handle = help_handle,
	.reload = NULL,
	.title = help_title,
	.idle = NULL,
	.mouse = help_mouse,
	.actions = help_actions,
};
