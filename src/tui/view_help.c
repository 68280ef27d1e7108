/* Help: every action the view below has a key for, read from the live key
 * map so rebinding shows up here at once. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

struct help_line {
	char *keys;
	const char *help; /* translated, static */
};

struct help {
	const struct tui_view_ops *below;
	struct help_line *lines;
	int n;
	int top;       /* first line shown */
	int page;      /* lines on screen at the last draw */
};

static void *help_open(struct tui *t, void *arg)
{
	struct help *h = xcalloc(1, sizeof *h);
	h->below = arg;
	const char *view = h->below ? h->below->name : "generic";
	h->lines = xcalloc(TUI_ACT_COUNT, sizeof *h->lines);
	/* The view's own keys first: they are what is special about it. */
	for (int pass = 0; pass < 2; pass++) {
		for (int a = 1; a < TUI_ACT_COUNT; a++) {
			if (tui_view_binds(view, (enum tui_action)a) != (pass == 0))
				continue;
			char *keys = tui_keys_for(t, view, (enum tui_action)a);
			if (!*keys) {
				free(keys);
				continue;
			}
			h->lines[h->n++] = (struct help_line){ keys, tui_action_help((enum tui_action)a) };
		}
	}
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

static void help_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct help *hp = self;
	hp->page = h - 1;
	if (hp->top > max_top(hp))
		hp->top = max_top(hp);
	int keyw = 0;
	for (int i = 0; i < hp->n; i++) {
		int kw = duban_str_width(hp->lines[i].keys);
		if (kw > keyw)
			keyw = kw;
	}
	if (keyw > w / 2)
		keyw = w / 2;
	char *head = xasprintf(_("Keys in the %s view — Esc or q closes"),
			       tui_view_title(hp->below ? hp->below->name : "generic"));
	tui_text(win, y, x, head, w, tui_attr(t, TUI_EL_TABLE_HEAD));
	free(head);
	for (int r = 1; r < h; r++) {
		int i = hp->top + r - 1;
		if (i >= hp->n) {
			tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
			continue;
		}
		tui_text(win, y + r, x, " ", 1, tui_attr(t, TUI_EL_DEFAULT));
		tui_text(win, y + r, x + 1, hp->lines[i].keys, keyw, tui_attr(t, TUI_EL_HELP_KEY));
		tui_text(win, y + r, x + 1 + keyw, "  ", 2, tui_attr(t, TUI_EL_DEFAULT));
		tui_text(win, y + r, x + 3 + keyw, hp->lines[i].help, w - 3 - keyw, tui_attr(t, TUI_EL_DEFAULT));
	}
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
};
