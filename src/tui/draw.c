/* Drawing helpers: every string from data reaches the screen through these,
 * cleaned of control sequences and measured in display columns. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#ifdef ENABLE_NLS
#define P_(one, many, n) ngettext(one, many, (unsigned long)(n))
#else
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif

/* Columns left in the window from x, so nothing wraps onto the next line. */
static int clip(WINDOW *w, int x, int cols)
{
	int room = getmaxx(w) - x;
	return cols < room ? cols : room;
}

/* The field is blanked first: ncurses advances by the C library's wcwidth,
 * which can disagree with ours (ambiguous-width characters), and a short
 * string must not leave stale cells behind. */
static void put_field(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr)
{
	wattrset(w, attr);
	mvwprintw(w, y, x, "%*s", cols, "");
	mvwaddstr(w, y, x, s);
	wattrset(w, A_NORMAL);
}

static int text_aligned(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr, bool right)
{
	cols = clip(w, x, cols);
	if (cols <= 0 || y < 0 || y >= getmaxy(w))
		return 0;
	char *clean = duban_sanitize(s ? s : "", false);
	char *field = duban_pad(clean, cols, right);
	put_field(w, y, x, field, cols, attr);
	free(field);
	free(clean);
	return cols;
}

int tui_text(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr)
{
	return text_aligned(w, y, x, s, cols, attr, false);
}

int tui_text_right(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr)
{
	return text_aligned(w, y, x, s, cols, attr, true);
}

/* The first place of term in s, ASCII letters in either case (as the
 * search finds them); NULL when none. */
static const char *find_term(const char *s, const char *term, size_t n)
{
	for (const char *p = s; *p; p++) {
		size_t i = 0;
		while (i < n && p[i] && (p[i] == term[i] || ((unsigned char)p[i] < 0x80 &&
			(p[i] | 0x20) == (term[i] | 0x20) && (term[i] | 0x20) >= 'a' && (term[i] | 0x20) <= 'z')))
			i++;
		if (i == n)
			return p;
	}
	return NULL;
}

void tui_text_mark(WINDOW *w, int y, int x, const char *s, int cols, const char *terms, attr_t attr)
{
	if (!s || !terms)
		return;
	for (const char *t = terms; *t;) {
		while (*t == ' ')
			t++;
		size_t n = strcspn(t, " ");
		const char *at = n ? find_term(s, t, n) : NULL;
		if (at) {
			char *head = xstrndup(s, (size_t)(at - s));
			char *hit = xstrndup(at, n);
			int from = duban_str_width(head), width = duban_str_width(hit);
			/* Only a match shown whole, left of a cut's "…". */
			if (from + width < cols || (from + width == cols && duban_str_width(s) <= cols))
				tui_text(w, y, x + from, hit, width, attr);
			free(head);
			free(hit);
		}
		t += n;
	}
}

void tui_fill(WINDOW *w, int y, int x, int cols, attr_t attr)
{
	cols = clip(w, x, cols);
	if (cols <= 0 || y < 0 || y >= getmaxy(w))
		return;
	wattrset(w, attr);
	mvwprintw(w, y, x, "%*s", cols, "");
	wattrset(w, A_NORMAL);
}

attr_t tui_attr(const struct tui *t, enum tui_element e)
{
	return (unsigned)e < TUI_EL_COUNT ? t->attrs[e] : A_NORMAL;
}

attr_t tui_light_attr(const struct tui *t, enum duban_light l)
{
	switch (l) {
	case DUBAN_LIGHT_RED: return tui_attr(t, TUI_EL_LIGHT_RED);
	case DUBAN_LIGHT_YELLOW: return tui_attr(t, TUI_EL_LIGHT_YELLOW);
	case DUBAN_LIGHT_GREEN: return tui_attr(t, TUI_EL_LIGHT_GREEN);
	case DUBAN_LIGHT_BLUE: return tui_attr(t, TUI_EL_LIGHT_BLUE);
	case DUBAN_LIGHT_GREY: return tui_attr(t, TUI_EL_LIGHT_GREY);
	case DUBAN_LIGHT_COUNT: break;
	}
	return tui_attr(t, TUI_EL_DEFAULT);
}

char *tui_due_text(duban_date deadline, enum duban_deadline_kind dk, duban_date today)
{
	if (dk == DUBAN_DEADLINE_ONGOING)
		return xstrdup(_("ongoing"));
	if (deadline == DUBAN_DATE_NONE)
		return xstrdup(dk == DUBAN_DEADLINE_IMMEDIATE ? _("immediate") : "");
	int days = deadline - today;
	if (days == 0)
		return xstrdup(_("due today"));
	if (days < 0)
		return xasprintf(P_("overdue %d day", "overdue %d days", -days), -days);
	return xasprintf(P_("%d day left", "%d days left", days), days);
}

char *tui_due_short(duban_date deadline, enum duban_deadline_kind dk, duban_date today)
{
	if (dk == DUBAN_DEADLINE_ONGOING || deadline == DUBAN_DATE_NONE)
		return tui_due_text(deadline, dk, today);
	int days = deadline - today;
	if (days == 0)
		return xstrdup(_("today"));
	/* TRANSLATORS: overdue by N days, in a narrow column. */
	if (days < 0)
		return xasprintf(_("%dd late"), -days);
	/* TRANSLATORS: N days to the deadline, in a narrow column. */
	return xasprintf(_("%dd left"), days);
}

const char *tui_status_short(enum duban_status s)
{
	static const char *const shorts[DUBAN_STATUS_COUNT] = {
		[DUBAN_STATUS_NOT_STARTED] = N_("not begun"),
		[DUBAN_STATUS_IN_PROGRESS] = N_("in prog."),
		[DUBAN_STATUS_REQUESTED] = N_("close req."),
		[DUBAN_STATUS_VERIFIED] = N_("verified"),
		[DUBAN_STATUS_PUBLICIZED] = N_("public"),
		[DUBAN_STATUS_CLOSED] = N_("closed"),
	};
	return (unsigned)s < DUBAN_STATUS_COUNT ? _(shorts[s]) : "";
}

void tui_box(WINDOW *w, int y, int x, int h, int wd, const char *title, attr_t attr)
{
	if (h < 2 || wd < 2)
		return;
	for (int r = 1; r < h - 1; r++)
		tui_fill(w, y + r, x + 1, wd - 2, attr);
	wattrset(w, attr);
	/* Corners last: writing the line next to a corner over the second half
	 * of a wide character underneath blanks its first half — the corner. */
	mvwhline(w, y, x + 1, ACS_HLINE, wd - 2);
	mvwhline(w, y + h - 1, x + 1, ACS_HLINE, wd - 2);
	mvwvline(w, y + 1, x, ACS_VLINE, h - 2);
	mvwvline(w, y + 1, x + wd - 1, ACS_VLINE, h - 2);
	mvwaddch(w, y, x, ACS_ULCORNER);
	mvwaddch(w, y, x + wd - 1, ACS_URCORNER);
	mvwaddch(w, y + h - 1, x, ACS_LLCORNER);
	mvwaddch(w, y + h - 1, x + wd - 1, ACS_LRCORNER);
	wattrset(w, A_NORMAL);
	if (!title || !*title || wd < 6)
		return;
	char *clean = duban_sanitize(title, false);
	char *cut = duban_truncate(clean, wd - 6);
	char *label = xasprintf(" %s ", cut);
	tui_text(w, y, x + 2, label, duban_str_width(label), attr | A_BOLD);
	free(label);
	free(cut);
	free(clean);
}
