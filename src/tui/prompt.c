/* Small modal widgets: the status-line prompt, a menu of choices and a
 * yes/no question.  Each runs its own key loop on tui_getkey, which redraws
 * the whole screen on KEY_RESIZE; the widget then draws itself again from
 * its own state, so nothing typed is lost. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

/* Restores the cursor visibility a widget found. */
static void cursor_restore(int old)
{
	curs_set(old == ERR ? 0 : old);
}

/* ---------------------------------------------------------------- prompt */

static void prompt_draw(struct tui *t, const char *label, const struct tui_lineedit *e)
{
	int y = t->rows - 1;
	int lw = duban_str_width(label);
	if (lw > t->cols / 2)
		lw = t->cols / 2;
	tui_text(stdscr, y, 0, label, lw, tui_attr(t, TUI_EL_LABEL));
	if (t->cols - lw > 0)
		tui_lineedit_draw(e, stdscr, y, lw, 1, t->cols - lw, tui_attr(t, TUI_EL_INPUT));
	wnoutrefresh(stdscr);
	doupdate();
}

static char *prompt_run(struct tui *t, const char *label, const char *initial,
			void (*on_change)(struct tui *t, const char *text, void *ctx), void *ctx,
			tui_prompt_key_fn hook, void *hook_ctx)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, initial, false);
	int old_cursor = curs_set(1);
	char *result = NULL;
	for (;;) {
		prompt_draw(t, label, &e);
		int key = tui_getkey(t);
		if (key == KEY_RESIZE)
			continue;
		if (key == KEY_ESC || key == CTRL('g'))
			break;
		if (is_enter(key)) {
			result = xstrdup(e.text);
			break;
		}
		if (hook && hook(t, &e, key, hook_ctx))
			continue;
		char *before = on_change ? xstrdup(e.text) : NULL;
		if (tui_lineedit_key(&e, key) && before && strcmp(before, e.text) != 0) {
			on_change(t, e.text, ctx);
			tui_draw_all(t);
		}
		free(before);
	}
	tui_lineedit_free(&e);
	cursor_restore(old_cursor);
	return result;
}

char *tui_prompt(struct tui *t, const char *label, const char *initial,
		 void (*on_change)(struct tui *t, const char *text, void *ctx), void *ctx)
{
	return prompt_run(t, label, initial, on_change, ctx, NULL, NULL);
}

char *tui_prompt_hook(struct tui *t, const char *label, const char *initial, tui_prompt_key_fn hook, void *ctx)
{
	return prompt_run(t, label, initial, NULL, NULL, hook, ctx);
}

/* ---------------------------------------------------------------- choose */

struct menu {
	const char *title;
	const char *const *choices;
	int n, sel, top;
};

/* The first code point of s, folded to lower case for ASCII letters. */
static uint32_t first_cp(const char *s)
{
	uint32_t cp = 0;
	if (s && *s)
		duban_utf8_decode(s, strlen(s), &cp);
	return cp < 0x80 && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/* The next choice after the selection starting with key, wrapping around. */
static int menu_find(const struct menu *m, int key)
{
	uint32_t want = key < 0x80 && key >= 'A' && key <= 'Z' ? (uint32_t)key + 32 : (uint32_t)key;
	for (int i = 1; i <= m->n; i++) {
		int c = (m->sel + i) % m->n;
		if (first_cp(m->choices[c]) == want)
			return c;
	}
	return -1;
}

static void menu_draw(struct tui *t, struct menu *m)
{
	int wd = duban_str_width(m->title) + 6;
	for (int i = 0; i < m->n; i++) {
		int w = duban_str_width(m->choices[i]) + 6;
		if (w > wd)
			wd = w;
	}
	if (wd < 20)
		wd = 20;
	if (wd > t->cols)
		wd = t->cols;
	int h = m->n + 2;
	if (h > t->rows - 2)
		h = t->rows - 2 > 3 ? t->rows - 2 : 3;
	int vis = h - 2;
	if (m->sel < m->top)
		m->top = m->sel;
	if (m->sel >= m->top + vis)
		m->top = m->sel - vis + 1;
	int y = (t->rows - h) / 2, x = (t->cols - wd) / 2;
	attr_t border = tui_attr(t, TUI_EL_BORDER);
	tui_box(stdscr, y, x, h, wd, m->title, border);
	for (int r = 0; r < vis && m->top + r < m->n; r++) {
		int i = m->top + r;
		char *line = i < 9 ? xasprintf("%d %s", i + 1, m->choices[i]) : xasprintf("  %s", m->choices[i]);
		attr_t a = i == m->sel ? tui_attr(t, TUI_EL_CURSOR) : tui_attr(t, TUI_EL_DEFAULT);
		tui_text(stdscr, y + 1 + r, x + 1, " ", 1, a);
		tui_text(stdscr, y + 1 + r, x + 2, line, wd - 3, a);
		free(line);
	}
	if (m->top > 0)
		tui_text(stdscr, y, x + wd - 3, "↑", 1, border);
	if (m->top + vis < m->n)
		tui_text(stdscr, y + h - 1, x + wd - 3, "↓", 1, border);
	wnoutrefresh(stdscr);
	doupdate();
}

/* Applies a movement key; false when key is not one. */
static bool menu_move(struct menu *m, int key)
{
	int page = LINES > 4 ? LINES - 4 : 1;
	switch (key) {
	case 'j': case KEY_DOWN: case CTRL('n'): m->sel = m->sel + 1 < m->n ? m->sel + 1 : m->sel; break;
	case 'k': case KEY_UP: case CTRL('p'): m->sel = m->sel > 0 ? m->sel - 1 : 0; break;
	case KEY_HOME: m->sel = 0; break;
	case KEY_END: m->sel = m->n - 1; break;
	case KEY_NPAGE: m->sel = m->sel + page < m->n ? m->sel + page : m->n - 1; break;
	case KEY_PPAGE: m->sel = m->sel > page ? m->sel - page : 0; break;
	default: return false;
	}
	return true;
}

int tui_choose(struct tui *t, const char *title, const char *const *choices, int n, int initial)
{
	if (n <= 0)
		return -1;
	struct menu m = { title, choices, n, initial >= 0 && initial < n ? initial : 0, 0 };
	int old_cursor = curs_set(0);
	int result = -1;
	/* Menus come one after another (filter by, then the values): start
	 * from a clean screen, not over the last one. */
	tui_draw_all(t);
	for (;;) {
		menu_draw(t, &m);
		int key = tui_getkey(t);
		if (key == KEY_RESIZE || menu_move(&m, key))
			continue;
		if (key == KEY_ESC || key == CTRL('g'))
			break;
		if (is_enter(key)) {
			result = m.sel;
			break;
		}
		/* The number shown beside a choice picks it at once. */
		if (key >= '1' && key <= '9' && key - '1' < n) {
			result = key - '1';
			break;
		}
		int found = key > ' ' ? menu_find(&m, key) : -1;
		if (found >= 0)
			m.sel = found;
	}
	cursor_restore(old_cursor);
	return result;
}

/* ---------------------------------------------------------------- confirm */

bool tui_confirm(struct tui *t, const char *question)
{
	/* TRANSLATORS: a yes/no question, then the keys that answer it. */
	char *line = xasprintf(_("%s (y/N) "), question);
	int old_cursor = curs_set(1);
	int answer = -1;
	while (answer < 0) {
		int y = t->rows - 1;
		int w = duban_str_width(line);
		tui_text(stdscr, y, 0, line, t->cols, tui_attr(t, TUI_EL_MESSAGE));
		wmove(stdscr, y, w < t->cols ? w : t->cols - 1);
		wnoutrefresh(stdscr);
		doupdate();
		int key = tui_getkey(t);
		if (key == 'y' || key == 'Y' || key == 0x662F /* 是 */)
			answer = 1;
		else if (key == 'n' || key == 'N' || key == 0x5426 /* 否 */ || key == KEY_ESC ||
			 key == CTRL('g') || is_enter(key))
			answer = 0;
	}
	cursor_restore(old_cursor);
	free(line);
	return answer == 1;
}
