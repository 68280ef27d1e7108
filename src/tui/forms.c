/* Forms: a small generic widget (a list of fields in a centred box) and the
 * forms built on it, each of which writes through the store in one call, so
 * the row, its audit events and its outbox op land in one transaction.
 *
 * The widget keeps all input in its fields, not on the screen: a resize
 * lays the box out again from them, and nothing is written until every
 * field checks out. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
#include "duban/date.h"
#include "duban/dispatch.h"
#include "duban/model.h"
#include "duban/notice.h"
#include "duban/store.h"
#include "duban/sync.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#ifdef ENABLE_NLS
#define P_(one, many, n) ngettext(one, many, (unsigned long)(n))
#else
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27
#define FORM_MAX_FIELDS 48
#define FORM_MAX_CHOICES 8
/* Below this width the form takes the whole screen. */
#define FORM_NARROW 60
#define FORM_MAX_WIDTH 84

/* ---------------------------------------------------------------- widget */

enum form_kind { FORM_LINE, FORM_MULTILINE, FORM_DATE, FORM_CHOICE, FORM_CHECK, FORM_NUMBER };

struct form_field {
	const char *label;           /* translated */
	const char *hint;            /* shown dimmed while the field is empty */
	enum form_kind kind;
	bool required;
	int rows;                    /* multiline: rows wanted */
	struct tui_lineedit ed;      /* text kinds */
	char *initial;               /* text kinds: the text it started with */
	const char *choices[FORM_MAX_CHOICES];
	int nchoices, choice, choice0; /* choice: -1 when none is chosen */
	bool checked, checked0;
};

struct form;
/* Writes the form's data.  True when done; false after form_error (the
 * form stays open with everything typed). */
typedef bool (*form_save_fn)(struct tui *t, struct form *fm, void *ctx);

struct form {
	char *title;
	struct form_field f[FORM_MAX_FIELDS];
	int n, focus, scroll;
	char msg[256];
	/* Called after a choice or checkbox changed (may be NULL). */
	void (*changed)(struct form *fm, void *ctx);
	form_save_fn save;
	void *ctx;
	int value_cols; /* width of the values at the last layout, for Up/Down */
};

static void form_init(struct form *fm, char *title, form_save_fn save, void *ctx)
{
	memset(fm, 0, sizeof *fm);
	fm->title = title;
	fm->save = save;
	fm->ctx = ctx;
}

static void form_free(struct form *fm)
{
	for (int i = 0; i < fm->n; i++) {
		tui_lineedit_free(&fm->f[i].ed);
		free(fm->f[i].initial);
	}
	free(fm->title);
}

static bool is_text(const struct form_field *f)
{
	return f->kind != FORM_CHOICE && f->kind != FORM_CHECK;
}

static struct form_field *add_field(struct form *fm, const char *label, enum form_kind kind)
{
	if (fm->n >= FORM_MAX_FIELDS)
		abort(); /* a programming error: the forms below are fixed */
	struct form_field *f = &fm->f[fm->n++];
	memset(f, 0, sizeof *f);
	f->label = label;
	f->kind = kind;
	f->rows = 1;
	return f;
}

static int form_text(struct form *fm, const char *label, enum form_kind kind, const char *initial)
{
	struct form_field *f = add_field(fm, label, kind);
	tui_lineedit_init(&f->ed, initial, kind == FORM_MULTILINE);
	f->initial = xstrdup(initial ? initial : "");
	if (kind == FORM_MULTILINE)
		f->rows = 5;
	return fm->n - 1;
}

static int form_choice(struct form *fm, const char *label, const char *const *choices, int n, int initial)
{
	struct form_field *f = add_field(fm, label, FORM_CHOICE);
	for (int i = 0; i < n && i < FORM_MAX_CHOICES; i++)
		f->choices[f->nchoices++] = choices[i];
	f->choice = f->choice0 = initial < n ? initial : -1;
	return fm->n - 1;
}

static int form_check(struct form *fm, const char *label, bool checked)
{
	struct form_field *f = add_field(fm, label, FORM_CHECK);
	f->checked = f->checked0 = checked;
	return fm->n - 1;
}

static bool field_dirty(const struct form_field *f)
{
	switch (f->kind) {
	case FORM_CHOICE: return f->choice != f->choice0;
	case FORM_CHECK: return f->checked != f->checked0;
	default: return f->ed.modified && strcmp(f->ed.text, f->initial) != 0;
	}
}

static bool form_dirty(const struct form *fm)
{
	for (int i = 0; i < fm->n; i++)
		if (field_dirty(&fm->f[i]))
			return true;
	return false;
}

/* A trimmed copy of a text field. */
static char *field_value(const struct form_field *f)
{
	char *s = xstrdup(f->ed.text);
	char *t = duban_trim(s);
	if (t != s)
		memmove(s, t, strlen(t) + 1);
	return s;
}

static void form_error(struct form *fm, int field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void form_error(struct form *fm, int field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fm->msg, sizeof fm->msg, fmt, ap);
	va_end(ap);
	if (field >= 0 && field < fm->n)
		fm->focus = field;
}

/* ---- layout ---- */

struct layout {
	int y, x, h, w;        /* the box */
	int body_y, body_h;    /* rows for fields */
	int label_x, label_w, value_x, value_w;
	bool stacked;          /* labels above values (narrow screens) */
};

static int field_height(const struct form *fm, const struct form_field *f, const struct layout *l)
{
	int rows = f->kind == FORM_MULTILINE ? f->rows : 1;
	int room = l->body_h - (l->stacked ? 1 : 0);
	if (rows > room)
		rows = room > 1 ? room : 1;
	(void)fm;
	return rows + (l->stacked ? 1 : 0);
}

static char *label_text(const struct form_field *f)
{
	return xasprintf("%s%s", f->label, f->required ? " *" : "");
}

static void form_layout(const struct tui *t, const struct form *fm, struct layout *l)
{
	bool narrow = t->cols < FORM_NARROW;
	l->w = narrow ? t->cols : (t->cols - 4 < FORM_MAX_WIDTH ? t->cols - 4 : FORM_MAX_WIDTH);
	int inner = l->w - 4;
	l->label_w = 0;
	for (int i = 0; i < fm->n; i++) {
		char *s = label_text(&fm->f[i]);
		int w = duban_str_width(s);
		free(s);
		if (w > l->label_w)
			l->label_w = w;
	}
	if (l->label_w > inner / 3)
		l->label_w = inner / 3;
	l->stacked = inner - l->label_w - 1 < 24;
	l->label_x = 2;
	l->value_x = l->stacked ? 2 : 2 + l->label_w + 1;
	l->value_w = l->stacked ? inner : inner - l->label_w - 1;
	/* Rows: borders, the message and the key help take 4. */
	int avail = narrow ? t->rows - 1 : t->rows - 2;
	l->body_h = avail - 4;
	int need = 0;
	for (int i = 0; i < fm->n; i++)
		need += field_height(fm, &fm->f[i], l);
	l->h = narrow ? avail : (need + 4 < avail ? need + 4 : avail);
	l->body_h = l->h - 4;
	l->y = narrow ? 0 : 1 + (avail - l->h) / 2;
	l->x = (t->cols - l->w) / 2;
	l->body_y = l->y + 1;
}

/* Keeps the focused field on screen; returns each field's first row. */
static void form_scroll(struct form *fm, const struct layout *l, int *top)
{
	int row = 0;
	for (int i = 0; i < fm->n; i++) {
		top[i] = row;
		row += field_height(fm, &fm->f[i], l);
	}
	int ftop = top[fm->focus], fh = field_height(fm, &fm->f[fm->focus], l);
	if (fm->scroll > row - l->body_h)
		fm->scroll = row - l->body_h;
	if (ftop + fh > fm->scroll + l->body_h)
		fm->scroll = ftop + fh - l->body_h;
	if (ftop < fm->scroll)
		fm->scroll = ftop;
	if (fm->scroll < 0)
		fm->scroll = 0;
	/* Start at a field, not in the middle of one. */
	for (int i = 0; i < fm->n; i++)
		if (top[i] >= fm->scroll) {
			fm->scroll = top[i];
			break;
		}
}

/* ---- drawing ---- */

static void draw_value(struct tui *t, const struct form_field *f, int y, int x, int rows, int cols)
{
	attr_t input = tui_attr(t, TUI_EL_INPUT);
	if (f->kind == FORM_CHOICE) {
		const char *name = f->choice >= 0 ? f->choices[f->choice] : "—";
		char *s = xasprintf("< %s >", name);
		tui_text(stdscr, y, x, s, cols, input);
		free(s);
		return;
	}
	if (f->kind == FORM_CHECK) {
		tui_text(stdscr, y, x, f->checked ? "[x]" : "[ ]", cols, input);
		return;
	}
	tui_lineedit_draw(&f->ed, stdscr, y, x, rows, cols, input);
	/* Where typed text would start, so the hint reads as its example. */
	if (f->ed.len == 0 && f->hint)
		tui_text(stdscr, y, x, f->hint, cols, input | tui_attr(t, TUI_EL_DIM));
}

static const char *form_help(const struct form_field *f)
{
	switch (f->kind) {
	case FORM_CHOICE: return _("←/→ choose · Tab next · C-s save · Esc cancel");
	case FORM_CHECK: return _("Space toggle · Tab next · C-s save · Esc cancel");
	case FORM_MULTILINE: return _("Tab next · S-Tab previous · C-s save · Esc cancel");
	default: return _("Tab/Enter next · S-Tab previous · C-s save · Esc cancel");
	}
}

/* The keys' line in cols columns: when it is too wide the hints before
 * "C-s save" go one by one, nearest first, so that saving and Esc always
 * show.  Malloc'd. */
static char *help_fit(const char *help, int cols)
{
	char *parts[8];
	int n = 0;
	char *copy = xstrdup(help);
	/* Split at " · " (not strtok: "·" is two bytes, each also found
	 * inside Chinese characters). */
	for (char *p = copy; p && n < 8;) {
		char *sep = strstr(p, " · ");
		if (sep)
			*sep = '\0';
		parts[n++] = p;
		p = sep ? sep + strlen(" · ") : NULL;
	}
	for (;;) {
		struct duban_buf b;
		duban_buf_init(&b);
		for (int i = 0; i < n; i++)
			duban_buf_printf(&b, "%s%s", i ? " · " : "", parts[i]);
		char *line = duban_buf_steal(&b);
		if (duban_str_width(line) <= cols || n <= 2) {
			free(copy);
			return line;
		}
		free(line);
		memmove(&parts[n - 3], &parts[n - 2], 2 * sizeof *parts);
		n--;
	}
}

/* Draws field i at screen row y; returns where its value starts. */
static void draw_field(struct tui *t, struct form *fm, int i, const struct layout *l, int y, int *cy, int *cx)
{
	const struct form_field *f = &fm->f[i];
	bool focused = i == fm->focus;
	char *label = label_text(f);
	attr_t la = tui_attr(t, TUI_EL_LABEL) | (focused ? A_BOLD : 0);
	tui_text(stdscr, y, l->x + l->label_x, label, l->stacked ? l->value_w : l->label_w, la);
	free(label);
	int vy = l->stacked ? y + 1 : y;
	int rows = field_height(fm, f, l) - (l->stacked ? 1 : 0);
	draw_value(t, f, vy, l->x + l->value_x, rows, l->value_w);
	*cy = vy;
	*cx = l->x + l->value_x + (f->kind == FORM_CHOICE ? 2 : f->kind == FORM_CHECK ? 1 : 0);
}

/* Where an editor drawn in rows x cols shows its cursor. */
static void cursor_in(const struct form_field *f, int rows, int cols, int *dy, int *dx)
{
	const struct tui_lineedit *e = &f->ed;
	if (!e->multiline) {
		size_t start = tui_lineedit_view_start(e, cols);
		char *seen = xstrndup(e->text + start, e->cursor - start);
		*dy = 0;
		*dx = duban_str_width(seen);
		free(seen);
	} else {
		tui_lineedit_locate(e, cols, dy, dx);
		*dy -= tui_lineedit_top_row(e, cols, rows);
	}
	if (*dx >= cols)
		*dx = cols - 1;
}

static void form_draw(struct tui *t, struct form *fm)
{
	struct layout l;
	form_layout(t, fm, &l);
	fm->value_cols = l.value_w;
	if (l.h < 5 || l.w < 12) {
		tui_text(stdscr, 0, 0, _("terminal too small"), t->cols, tui_attr(t, TUI_EL_ERROR));
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	int top[FORM_MAX_FIELDS];
	form_scroll(fm, &l, top);
	attr_t border = tui_attr(t, TUI_EL_BORDER);
	tui_box(stdscr, l.y, l.x, l.h, l.w, fm->title, border);
	for (int r = 0; r < l.body_h; r++)
		tui_fill(stdscr, l.body_y + r, l.x + 1, l.w - 2, tui_attr(t, TUI_EL_DEFAULT));
	int fy = -1, fx = -1, last_row = 0;
	for (int i = 0; i < fm->n; i++) {
		int h = field_height(fm, &fm->f[i], &l);
		int r = top[i] - fm->scroll;
		last_row = top[i] + h;
		if (r < 0 || r + h > l.body_h)
			continue;
		int cy, cx;
		draw_field(t, fm, i, &l, l.body_y + r, &cy, &cx);
		if (i == fm->focus)
			fy = cy, fx = cx;
	}
	if (fm->scroll > 0)
		tui_text(stdscr, l.y, l.x + l.w - 3, "↑", 1, border);
	if (last_row - fm->scroll > l.body_h)
		tui_text(stdscr, l.y + l.h - 1, l.x + l.w - 3, "↓", 1, border);
	tui_text(stdscr, l.y + l.h - 3, l.x + 2, fm->msg, l.w - 4,
		 tui_attr(t, fm->msg[0] ? TUI_EL_ERROR : TUI_EL_DEFAULT));
	char *help = help_fit(form_help(&fm->f[fm->focus]), l.w - 4);
	tui_text(stdscr, l.y + l.h - 2, l.x + 2, help, l.w - 4, tui_attr(t, TUI_EL_DIM));
	free(help);
	const struct form_field *f = &fm->f[fm->focus];
	if (fy >= 0 && is_text(f)) {
		int dy, dx;
		cursor_in(f, field_height(fm, f, &l) - (l.stacked ? 1 : 0), l.value_w, &dy, &dx);
		fy += dy;
		fx += dx;
	}
	if (fy >= 0)
		wmove(stdscr, fy, fx);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- checking ---- */

static bool number_ok(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	return !errno && end != s && *end == '\0' && isfinite(v);
}

/* The first field that is missing or malformed gets the focus and a
 * message. */
static bool form_check_fields(struct form *fm)
{
	for (int i = 0; i < fm->n; i++) {
		struct form_field *f = &fm->f[i];
		if (f->kind == FORM_CHOICE && f->required && f->choice < 0) {
			form_error(fm, i, _("%s: choose one (←/→)"), f->label);
			return false;
		}
		if (!is_text(f))
			continue;
		char *v = field_value(f);
		bool empty = !*v, bad_date = false, bad_number = false;
		if (!empty && f->kind == FORM_DATE)
			bad_date = duban_date_parse(v) == DUBAN_DATE_NONE;
		if (!empty && f->kind == FORM_NUMBER)
			bad_number = !number_ok(v);
		free(v);
		if (empty && f->required)
			form_error(fm, i, _("%s: required"), f->label);
		else if (bad_date)
			form_error(fm, i, _("%s: not a date (YYYY-MM-DD)"), f->label);
		else if (bad_number)
			form_error(fm, i, _("%s: not a number"), f->label);
		else
			continue;
		return false;
	}
	return true;
}

/* ---- keys ---- */

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static bool is_save_key(int key)
{
	return key == CTRL('s') || key == CTRL('x') || key == KEY_F(10);
}

static void focus_move(struct form *fm, int dir)
{
	int i = fm->focus + dir;
	if (i >= 0 && i < fm->n)
		fm->focus = i;
}

static void choice_step(struct form_field *f, int dir)
{
	if (f->nchoices == 0)
		return;
	if (f->choice < 0)
		f->choice = dir > 0 ? 0 : f->nchoices - 1;
	else
		f->choice = (f->choice + dir + f->nchoices) % f->nchoices;
}

/* A digit or the first letter of a choice selects it. */
static bool choice_jump(struct form_field *f, int key)
{
	if (key >= '1' && key <= '9' && key - '1' < f->nchoices) {
		f->choice = key - '1';
		return true;
	}
	for (int k = 1; k <= f->nchoices; k++) {
		int i = ((f->choice < 0 ? -1 : f->choice) + k) % f->nchoices;
		uint32_t cp = 0;
		duban_utf8_decode(f->choices[i], strlen(f->choices[i]), &cp);
		if (cp < 0x80 && cp >= 'A' && cp <= 'Z')
			cp += 32;
		if (key > ' ' && cp == (uint32_t)(key < 0x80 && key >= 'A' && key <= 'Z' ? key + 32 : key)) {
			f->choice = i;
			return true;
		}
	}
	return false;
}

/* Keys of the focused field; true when they changed it. */
static bool field_key(struct form_field *f, int key)
{
	switch (f->kind) {
	case FORM_CHOICE:
		if (key == KEY_LEFT || key == '-')
			choice_step(f, -1);
		else if (key == KEY_RIGHT || key == ' ' || key == '+')
			choice_step(f, 1);
		else
			return choice_jump(f, key);
		return true;
	case FORM_CHECK:
		if (key != ' ' && key != 'x' && key != 'X')
			return false;
		f->checked = !f->checked;
		return true;
	case FORM_NUMBER:
		if (key >= ' ' && key < 0x7F && !strchr("0123456789.-+eE", key))
			return false;
		return tui_lineedit_key(&f->ed, key);
	default:
		return tui_lineedit_key(&f->ed, key);
	}
}

/* Esc: leave at once when nothing was typed, else ask. */
static bool form_cancel(struct tui *t, struct form *fm)
{
	if (!form_dirty(fm))
		return true;
	bool yes = tui_confirm(t, _("Discard your changes?"));
	tui_draw_all(t);
	return yes;
}

static bool form_submit(struct tui *t, struct form *fm)
{
	fm->msg[0] = '\0';
	return form_check_fields(fm) && fm->save(t, fm, fm->ctx);
}

/* Runs the form; true when it was saved. */
static bool form_run(struct tui *t, struct form *fm)
{
	int old_cursor = curs_set(1);
	bool saved = false;
	tui_draw_all(t); /* over a clean screen, not a menu that led here */
	for (;;) {
		form_draw(t, fm);
		int key = tui_getkey(t);
		struct form_field *f = &fm->f[fm->focus];
		if (key == KEY_RESIZE)
			continue;
		if (is_save_key(key)) {
			if ((saved = form_submit(t, fm)))
				break;
		} else if (key == KEY_ESC || key == CTRL('g')) {
			if (form_cancel(t, fm))
				break;
		} else if (key == '\t') {
			focus_move(fm, 1);
		} else if (key == KEY_BTAB) {
			focus_move(fm, -1);
		} else if ((key == KEY_UP || key == KEY_DOWN) &&
			   !(f->kind == FORM_MULTILINE &&
			     tui_lineedit_vertical(&f->ed, key == KEY_UP ? -1 : 1, fm->value_cols))) {
			focus_move(fm, key == KEY_UP ? -1 : 1);
		} else if (is_enter(key) && f->kind != FORM_MULTILINE) {
			if (fm->focus + 1 < fm->n)
				focus_move(fm, 1);
			else if ((saved = form_submit(t, fm)))
				break;
		} else if (key != KEY_UP && key != KEY_DOWN && field_key(f, key)) {
			fm->msg[0] = '\0';
			if (!is_text(f) && fm->changed)
				fm->changed(fm, fm->ctx);
		}
	}
	curs_set(old_cursor == ERR ? 0 : old_cursor);
	return saved;
}

/* ---------------------------------------------------------------- helpers */

static const char *store_error(struct tui *t, enum duban_err err)
{
	const char *m = duban_store_errmsg(t->st);
	return *m ? m : duban_err_message(err);
}

/* After a write: the status-line message, or the store's refusal in the
 * form.  True when it was written. */
static bool written(struct tui *t, struct form *fm, enum duban_err err)
{
	if (err != DUBAN_OK) {
		form_error(fm, -1, "%s", store_error(t, err));
		return false;
	}
	tui_message(t, false, "%s", _("saved"));
	return true;
}

/* A viewer is told before typing anything, not when saving. */
static bool may_write(struct tui *t)
{
	if (duban_store_role(t->st) != DUBAN_ROLE_VIEWER)
		return true;
	tui_message(t, true, "%s", _("your role (viewer) may read the ledger but not change it"));
	return false;
}

static bool load_item(struct tui *t, const char *item_id, struct duban_item *item)
{
	duban_item_init(item);
	enum duban_err err = duban_item_get(t->st, item_id, item);
	if (err == DUBAN_OK)
		return true;
	tui_message(t, true, "%s", store_error(t, err));
	return false;
}

/* The item a writing form works on; false (with a message, nothing to
 * free) when the role may not write or the item is gone. */
static bool open_item(struct tui *t, const char *item_id, struct duban_item *item)
{
	if (!may_write(t))
		return false;
	if (load_item(t, item_id, item))
		return true;
	duban_item_free(item);
	return false;
}

static char *today_text(void)
{
	char buf[11];
	return xstrdup(duban_date_format(duban_today(), buf));
}


static duban_date field_date(const struct form_field *f)
{
	char *v = field_value(f);
	duban_date d = *v ? duban_date_parse(v) : DUBAN_DATE_NONE;
	free(v);
	return d;
}

/* ---------------------------------------------------------------- note */

static bool save_note(struct tui *t, struct form *fm, void *ctx)
{
	const struct duban_item *item = ctx;
	struct duban_note note = { .text = field_value(&fm->f[0]), .author = xstrdup("") };
	memcpy(note.item_id, item->id, sizeof note.item_id);
	enum duban_err err = duban_note_add(t->st, &note);
	duban_note_free(&note);
	return written(t, fm, err);
}

int tui_form_note(struct tui *t, const char *item_id)
{
	struct duban_item item;
	if (!open_item(t, item_id, &item))
		return TUI_REDRAW;
	struct form fm;
	form_init(&fm, xasprintf(_("Progress note: %s"), item.code), save_note, &item);
	int i = form_text(&fm, _("Note"), FORM_MULTILINE, "");
	fm.f[i].required = true;
	fm.f[i].rows = 10;
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- inspection */

enum { INSP_DATE, INSP_LEVEL, INSP_INSPECTORS, INSP_PLACE, INSP_FINDINGS, INSP_RESULT };
static const char *const level_ids[] = { "county", "city" };

static bool save_inspection(struct tui *t, struct form *fm, void *ctx)
{
	const struct duban_item *item = ctx;
	const struct form_field *f = fm->f;
	char *inspectors = field_value(&f[INSP_INSPECTORS]);
	struct duban_inspection r = {
		.date = field_date(&f[INSP_DATE]),
		.level = xstrdup(f[INSP_LEVEL].choice >= 0 ? level_ids[f[INSP_LEVEL].choice] : ""),
		.inspectors = duban_names_join(inspectors),
		.place = field_value(&f[INSP_PLACE]),
		.findings = field_value(&f[INSP_FINDINGS]),
		.passed = f[INSP_RESULT].choice == 0,
		.author = xstrdup(""),
	};
	free(inspectors);
	memcpy(r.item_id, item->id, sizeof r.item_id);
	enum duban_err err = duban_inspection_add(t->st, &r);
	duban_inspection_free(&r);
	return written(t, fm, err);
}

int tui_form_inspection(struct tui *t, const char *item_id)
{
	struct duban_item item;
	if (!open_item(t, item_id, &item))
		return TUI_REDRAW;
	const char *levels[] = { _("county level"), _("city level") };
	const char *results[] = { _("pass"), _("fail") };
	struct form fm;
	form_init(&fm, xasprintf(_("Inspection: %s"), item.code), save_inspection, &item);
	char *today = today_text();
	fm.f[form_text(&fm, _("Date"), FORM_DATE, today)].required = true;
	free(today);
	form_choice(&fm, _("Level"), levels, 2, -1);
	fm.f[form_text(&fm, _("Inspectors"), FORM_LINE, "")].hint = _("names, separated by commas");
	form_text(&fm, _("Place"), FORM_LINE, "");
	form_text(&fm, _("Findings"), FORM_MULTILINE, "");
	fm.f[form_choice(&fm, _("Result"), results, 2, -1)].required = true;
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- accept */

/* A sign-off is an inspection with the level's id, as `duban accept`
 * records it: findings = the opinion, the criteria met as "1,2,5". */
enum { ACC_RESULT, ACC_OPINION, ACC_DATE, ACC_CRITERIA };

struct accept_ctx {
	struct duban_item item;
	const struct duban_acceptance_chain *chain; /* = &own */
	struct duban_acceptance_chain own;          /* the item's chain */
	int level;
};

static char *criteria_met(const struct form *fm)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < DUBAN_CRITERIA_COUNT; i++)
		if (fm->f[ACC_CRITERIA + i].checked)
			duban_buf_printf(&b, "%s%d", b.len ? "," : "", i + 1);
	return b.data ? duban_buf_steal(&b) : xstrdup("");
}

static bool save_accept(struct tui *t, struct form *fm, void *ctx)
{
	struct accept_ctx *ac = ctx;
	const struct duban_acceptance_level *lv = &ac->chain->level[ac->level];
	struct duban_inspection r = {
		.date = field_date(&fm->f[ACC_DATE]),
		.level = xstrdup(lv->id),
		.inspectors = xstrdup(""),
		.place = xstrdup(""),
		.findings = field_value(&fm->f[ACC_OPINION]),
		.passed = fm->f[ACC_RESULT].choice == 0,
		.criteria = criteria_met(fm),
		.author = xstrdup(""),
	};
	memcpy(r.item_id, ac->item.id, sizeof r.item_id);
	enum duban_err err = duban_inspection_add(t->st, &r);
	bool passed = r.passed;
	duban_inspection_free(&r);
	if (err != DUBAN_OK) {
		form_error(fm, -1, "%s", store_error(t, err));
		return false;
	}
	struct duban_item now;
	duban_item_init(&now);
	duban_item_get_by_id(t->st, ac->item.id, &now);
	char *head = xasprintf(passed ? _("%s: %s signed, passed") : _("%s: %s signed, failed"), ac->item.code, lv->name);
	char *tail;
	if (now.status != ac->item.status)
		tail = xasprintf(_(" (%s → %s)"), duban_status_name(ac->item.status), duban_status_name(now.status));
	else if (passed && ac->level + 1 < ac->chain->n)
		tail = xasprintf(_("; next: %s"), ac->chain->level[ac->level + 1].name);
	else
		tail = xstrdup("");
	tui_message(t, false, "%s%s", head, tail);
	free(tail);
	free(head);
	duban_item_free(&now);
	return true;
}

/* "县级初验 ✓ → 市级验收 (next)": what is signed and what comes next. */
char *tui_chain_text(const struct duban_acceptance_chain *c, int next)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < c->n; i++) {
		if (i)
			duban_buf_puts(&b, " → ");
		if (i == next)
			duban_buf_printf(&b, _("%s (next)"), c->level[i].name);
		else
			duban_buf_printf(&b, i < next ? "%s ✓" : "%s", c->level[i].name);
	}
	return duban_buf_steal(&b);
}

/* Why the next level may not be signed here, or NULL (as `duban accept`
 * refuses). */
static char *accept_refusal(struct tui *t, const struct accept_ctx *ac)
{
	const struct duban_item *it = &ac->item;
	enum duban_role role = duban_store_role(t->st);
	if (it->status != DUBAN_STATUS_REQUESTED)
		return xasprintf(_("%s is %s: only an item whose close-out was requested is accepted "
				   "(duban status %s requested)"), it->code, duban_status_name(it->status), it->code);
	if (ac->level >= ac->chain->n)
		return xasprintf(_("%s: every acceptance level is signed"), it->code);
	if (!duban_acceptance_may_sign(ac->chain, ac->level, role))
		return xasprintf(_("%s is signed by the office, not by an %s"), ac->chain->level[ac->level].name,
				 duban_role_name(role));
	return NULL;
}

int tui_form_accept(struct tui *t, const char *item_id)
{
	struct accept_ctx ac = { 0 };
	ac.chain = &ac.own;
	if (!open_item(t, item_id, &ac.item))
		return TUI_REDRAW;
	enum duban_err err = duban_item_chain(t->st, ac.item.id, &ac.own);
	if (err == DUBAN_OK)
		err = duban_acceptance_progress(t->st, ac.item.id, &ac.level);
	char *why = err != DUBAN_OK ? xstrdup(store_error(t, err)) : accept_refusal(t, &ac);
	if (why) {
		tui_message(t, true, "%s", why);
		free(why);
		duban_item_free(&ac.item);
		return TUI_REDRAW;
	}
	const char *results[] = { _("pass"), _("fail") };
	char *state = tui_chain_text(ac.chain, ac.level);
	struct form fm;
	form_init(&fm, xasprintf(_("Acceptance of %s: %s"), ac.item.code, state), save_accept, &ac);
	free(state);
	fm.f[form_choice(&fm, _("Result"), results, 2, -1)].required = true;
	fm.f[form_text(&fm, _("Opinion"), FORM_MULTILINE, "")].required = true;
	fm.f[ACC_OPINION].rows = 3;
	char *today = today_text();
	fm.f[form_text(&fm, _("Date"), FORM_DATE, today)].required = true;
	free(today);
	for (int i = 0; i < DUBAN_CRITERIA_COUNT; i++)
		form_check(&fm, duban_acceptance_criteria_zh[i], false);
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&ac.item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- action */

enum { ACT_KIND, ACT_DATE, ACT_TEXT, ACT_DUE };

static bool save_action(struct tui *t, struct form *fm, void *ctx)
{
	const struct duban_item *item = ctx;
	const struct form_field *f = fm->f;
	struct duban_action a = {
		.kind = (enum duban_action_kind)f[ACT_KIND].choice,
		.date = field_date(&f[ACT_DATE]),
		.due = field_date(&f[ACT_DUE]),
		.text = field_value(&f[ACT_TEXT]),
		.author = xstrdup(""),
	};
	memcpy(a.item_id, item->id, sizeof a.item_id);
	enum duban_err err = duban_action_add(t->st, &a);
	duban_action_free(&a);
	return written(t, fm, err);
}

int tui_form_action(struct tui *t, const char *item_id)
{
	struct duban_item item;
	if (!open_item(t, item_id, &item))
		return TUI_REDRAW;
	const char *kinds[DUBAN_ACTION_KIND_COUNT];
	for (int k = 0; k < DUBAN_ACTION_KIND_COUNT; k++)
		kinds[k] = duban_action_kind_name((enum duban_action_kind)k);
	struct form fm;
	form_init(&fm, xasprintf(_("Supervision action: %s"), item.code), save_action, &item);
	fm.f[form_choice(&fm, _("Kind"), kinds, DUBAN_ACTION_KIND_COUNT, -1)].required = true;
	char *today = today_text();
	fm.f[form_text(&fm, _("Date"), FORM_DATE, today)].required = true;
	free(today);
	fm.f[form_text(&fm, _("Text"), FORM_MULTILINE, "")].required = true;
	fm.f[form_text(&fm, _("Due"), FORM_DATE, "")].hint = _("YYYY-MM-DD, optional");
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- objections */

enum { OBJ_TEXT, OBJ_FROM, OBJ_DATE };

static bool save_objection(struct tui *t, struct form *fm, void *ctx)
{
	const struct duban_item *item = ctx;
	char *text = field_value(&fm->f[OBJ_TEXT]), *from = field_value(&fm->f[OBJ_FROM]);
	enum duban_err err = duban_objection_raise(t->st, item->id, text, from, field_date(&fm->f[OBJ_DATE]), NULL);
	free(text);
	free(from);
	return written(t, fm, err);
}

int tui_form_objection(struct tui *t, const char *item_id)
{
	struct duban_item item;
	if (!open_item(t, item_id, &item))
		return TUI_REDRAW;
	struct form fm;
	form_init(&fm, xasprintf(_("Objection to the public notice of %s"), item.code), save_objection, &item);
	fm.f[form_text(&fm, _("Objection"), FORM_MULTILINE, "")].required = true;
	fm.f[OBJ_TEXT].rows = 3;
	form_text(&fm, _("From"), FORM_LINE, "");
	char *today = today_text();
	fm.f[form_text(&fm, _("Date"), FORM_DATE, today)].required = true;
	free(today);
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

struct resolve_ctx {
	struct duban_item item;
	int number[16]; /* the open objections' numbers, as the choices list them */
	char *label[16];
	int n;
};

enum { RES_WHICH, RES_RESULT, RES_TEXT, RES_DATE };

static bool save_resolve(struct tui *t, struct form *fm, void *ctx)
{
	struct resolve_ctx *rc = ctx;
	char *text = field_value(&fm->f[RES_TEXT]);
	enum duban_err err = duban_objection_settle(t->st, rc->item.id, rc->number[fm->f[RES_WHICH].choice],
						    fm->f[RES_RESULT].choice == 0, text, field_date(&fm->f[RES_DATE]));
	free(text);
	return written(t, fm, err);
}

/* The open objections of the item, as choices "1 · TEXT". */
static void open_objections(struct tui *t, struct resolve_ctx *rc)
{
	struct duban_notice *r;
	size_t n;

	rc->n = 0;
	if (duban_notice_list(t->st, rc->item.id, &r, &n) != DUBAN_OK)
		return;
	for (size_t i = 0; i < n && rc->n < 16; i++) {
		if (r[i].kind != DUBAN_NOTICE_OBJECTION || duban_objection_settled_by(r, n, i) >= 0)
			continue;
		rc->number[rc->n] = duban_objection_number(r, n, i);
		rc->label[rc->n++] = xasprintf("%d · %s", duban_objection_number(r, n, i), r[i].text ? r[i].text : "");
	}
	duban_notices_free(r, n);
}

int tui_form_resolve_objection(struct tui *t, const char *item_id)
{
	struct resolve_ctx rc = { .n = 0 };
	if (duban_store_role(t->st) != DUBAN_ROLE_OFFICE) {
		tui_message(t, true, "%s", _("only the office settles objections"));
		return TUI_REDRAW;
	}
	if (!open_item(t, item_id, &rc.item))
		return TUI_REDRAW;
	open_objections(t, &rc);
	if (rc.n == 0) {
		tui_message(t, true, _("%s has no open objection"), rc.item.code);
		duban_item_free(&rc.item);
		return TUI_REDRAW;
	}
	const char *results[] = { _("upheld: back to work"), _("dismissed") };
	struct form fm;
	form_init(&fm, xasprintf(_("Settle an objection to %s"), rc.item.code), save_resolve, &rc);
	fm.f[form_choice(&fm, _("Objection"), (const char *const *)rc.label, rc.n, rc.n == 1 ? 0 : -1)].required = true;
	fm.f[form_choice(&fm, _("Result"), results, 2, -1)].required = true;
	fm.f[form_text(&fm, _("How settled"), FORM_MULTILINE, "")].required = true;
	fm.f[RES_TEXT].rows = 3;
	char *today = today_text();
	fm.f[form_text(&fm, _("Date"), FORM_DATE, today)].required = true;
	free(today);
	bool saved = form_run(t, &fm);
	form_free(&fm);
	for (int i = 0; i < rc.n; i++)
		free(rc.label[i]);
	duban_item_free(&rc.item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- status */

struct status_ctx {
	struct duban_item item;
	enum duban_status to[DUBAN_STATUS_COUNT];
	int n;
};

enum { ST_TO, ST_REASON };

/* The reason becomes required when the chosen move needs one. */
static void status_changed(struct form *fm, void *ctx)
{
	const struct status_ctx *sc = ctx;
	int c = fm->f[ST_TO].choice;
	fm->f[ST_REASON].required = c >= 0 && duban_status_needs_reason(sc->item.status, sc->to[c]);
}

static bool save_status(struct tui *t, struct form *fm, void *ctx)
{
	struct status_ctx *sc = ctx;
	char *reason = field_value(&fm->f[ST_REASON]);
	enum duban_status to = sc->to[fm->f[ST_TO].choice];
	/* The move to publicized opens the public notice, from today for the
	 * configured days (duban status --place/--contact say more). */
	struct duban_notice_open notice = {
		.start = DUBAN_DATE_NONE,
		.days = t->settings.notice_days >= 1 ? t->settings.notice_days : DUBAN_NOTICE_DAYS_DEFAULT,
	};
	enum duban_err err = to == DUBAN_STATUS_PUBLICIZED
				     ? duban_notice_publicize(t->st, sc->item.id, &notice, reason, NULL)
				     : duban_item_set_status(t->st, sc->item.id, to, reason);
	free(reason);
	if (err == DUBAN_ERR_REASON)
		fm->focus = ST_REASON;
	return written(t, fm, err);
}

int tui_form_status(struct tui *t, const char *item_id)
{
	struct status_ctx sc;
	if (!load_item(t, item_id, &sc.item)) {
		duban_item_free(&sc.item);
		return TUI_REDRAW;
	}
	enum duban_role role = duban_store_role(t->st);
	enum duban_status next[DUBAN_STATUS_COUNT];
	int n = duban_status_next(sc.item.status, role, next);
	/* Verified is the pass of the chain's last level (V), never a choice. */
	sc.n = 0;
	for (int i = 0; i < n; i++)
		if (next[i] != DUBAN_STATUS_VERIFIED)
			sc.to[sc.n++] = next[i];
	if (sc.n == 0 && sc.item.status == DUBAN_STATUS_REQUESTED) {
		tui_message(t, true, _("%s: sign its acceptance levels (V) to verify it"), sc.item.code);
		duban_item_free(&sc.item);
		return TUI_REDRAW;
	}
	if (sc.n == 0) {
		tui_message(t, true, _("%s is %s: no status change is open to the %s role"), sc.item.code,
			    duban_status_name(sc.item.status), duban_role_name(role));
		duban_item_free(&sc.item);
		return TUI_REDRAW;
	}
	const char *names[DUBAN_STATUS_COUNT];
	for (int i = 0; i < sc.n; i++)
		names[i] = duban_status_name(sc.to[i]);
	struct form fm;
	form_init(&fm, xasprintf(_("Status of %s: %s"), sc.item.code, duban_status_name(sc.item.status)),
		  save_status, &sc);
	fm.changed = status_changed;
	fm.f[form_choice(&fm, _("New status"), names, sc.n, sc.n == 1 ? 0 : -1)].required = true;
	form_text(&fm, _("Reason"), FORM_LINE, "");
	status_changed(&fm, &sc);
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&sc.item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- fields */

/* Long texts get a few rows in the edit form. */
static bool is_long_text(const struct duban_field *df)
{
	static const char *const longs[] = { "description", "goal", "measures", "findings", "handling",
					     "accountability" };
	for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
		if (strcmp(df->name, longs[i]) == 0)
			return true;
	return false;
}

/* The choices of an enum field, as shown and as identifiers to parse. */
static int enum_choices(const struct duban_field *df, const char **names, const char **ids)
{
	int n = 0;
	switch (df->type) {
	case DUBAN_FT_KIND:
		for (int i = 0; i < DUBAN_KIND_COUNT; i++, n++)
			names[n] = duban_kind_name(i), ids[n] = duban_kind_id(i);
		break;
	case DUBAN_FT_DEADLINE_KIND:
		for (int i = 0; i < DUBAN_DEADLINE_KIND_COUNT; i++, n++)
			names[n] = duban_deadline_kind_zh(i), ids[n] = duban_deadline_kind_id(i);
		break;
	case DUBAN_FT_SCOPE:
		for (int i = 0; i < DUBAN_SCOPE_COUNT; i++, n++)
			names[n] = i ? duban_scope_zh(i) : "—", ids[n] = i ? duban_scope_id(i) : "";
		break;
	case DUBAN_FT_VERDICT:
		for (int i = 0; i < DUBAN_VERDICT_COUNT; i++, n++)
			names[n] = i ? duban_verdict_zh(i) : "—", ids[n] = i ? duban_verdict_id(i) : "";
		break;
	default:
		break;
	}
	return n;
}

/* Adds a form field for an item field, showing its current value. */
static int add_item_field(struct form *fm, const struct duban_field *df, const struct duban_item *item)
{
	const char *names[FORM_MAX_CHOICES], *ids[FORM_MAX_CHOICES];
	int n = enum_choices(df, names, ids);
	char *value = duban_field_format(df, item);
	int i;
	if (n > 0) {
		int cur = -1;
		for (int k = 0; k < n; k++)
			if (strcmp(ids[k], value) == 0)
				cur = k;
		i = form_choice(fm, _(df->title), names, n, cur);
	} else if (df->type == DUBAN_FT_BOOL) {
		i = form_check(fm, _(df->title), strcmp(value, "true") == 0);
	} else {
		enum form_kind kind = df->type == DUBAN_FT_DATE ? FORM_DATE
			: df->type == DUBAN_FT_INT || df->type == DUBAN_FT_DOUBLE ? FORM_NUMBER
			: is_long_text(df) ? FORM_MULTILINE : FORM_LINE;
		i = form_text(fm, _(df->title), kind, value);
		if (kind == FORM_MULTILINE)
			fm->f[i].rows = 3;
		if (kind == FORM_DATE)
			fm->f[i].hint = _("YYYY-MM-DD");
	}
	free(value);
	return i;
}

/* The text to parse for a form field of item field df. */
static char *item_field_text(const struct form_field *f, const struct duban_field *df)
{
	if (f->kind == FORM_CHECK)
		return xstrdup(f->checked ? "true" : "false");
	if (f->kind == FORM_CHOICE) {
		const char *names[FORM_MAX_CHOICES], *ids[FORM_MAX_CHOICES];
		enum_choices(df, names, ids);
		return xstrdup(f->choice >= 0 ? ids[f->choice] : "");
	}
	return field_value(f);
}

/* 立行立改 and 长期坚持 are deadlines too. */
static enum duban_err set_deadline(struct duban_item *item, const char *value)
{
	int k = duban_deadline_kind_parse(value);
	if (k == DUBAN_DEADLINE_IMMEDIATE || k == DUBAN_DEADLINE_ONGOING) {
		item->deadline_kind = k;
		item->deadline = DUBAN_DATE_NONE;
		return DUBAN_OK;
	}
	enum duban_err err = duban_field_parse(duban_field_find("deadline"), item, value);
	if (err == DUBAN_OK && item->deadline != DUBAN_DATE_NONE)
		item->deadline_kind = DUBAN_DEADLINE_DATE;
	return err;
}

/* Parses form field i into item; a message and the focus on failure. */
static bool apply_field(struct form *fm, int i, const struct duban_field *df, struct duban_item *item)
{
	char *text = item_field_text(&fm->f[i], df);
	enum duban_err err = strcmp(df->name, "deadline") == 0 && fm->f[i].kind == FORM_LINE
		? set_deadline(item, text) : duban_field_parse(df, item, text);
	free(text);
	if (err == DUBAN_OK)
		return true;
	form_error(fm, i, _("%s: invalid value"), fm->f[i].label);
	return false;
}

/* ---------------------------------------------------------------- edit */

struct edit_ctx {
	struct duban_item item;
	const struct duban_field *fields[FORM_MAX_FIELDS];
	bool wrote;
};

static bool save_edit(struct tui *t, struct form *fm, void *ctx)
{
	struct edit_ctx *ec = ctx;
	struct duban_item copy;
	duban_item_copy(&copy, &ec->item);
	bool ok = true;
	for (int i = 0; ok && i < fm->n; i++)
		if (field_dirty(&fm->f[i]))
			ok = apply_field(fm, i, ec->fields[i], &copy);
	int changed = 0;
	enum duban_err err = DUBAN_OK;
	if (ok)
		err = duban_item_update(t->st, &copy, &changed);
	duban_item_free(&copy);
	if (!ok)
		return false;
	if (err != DUBAN_OK) {
		form_error(fm, -1, "%s", store_error(t, err));
		return false;
	}
	ec->wrote = changed > 0;
	if (changed == 0)
		tui_message(t, false, "%s", _("nothing changed"));
	else
		tui_message(t, false, P_("%d field changed", "%d fields changed", changed), changed);
	return true;
}

int tui_form_edit(struct tui *t, const char *item_id)
{
	struct edit_ctx ec = { .wrote = false };
	if (!open_item(t, item_id, &ec.item))
		return TUI_REDRAW;
	struct form fm;
	form_init(&fm, xasprintf(_("Edit %s"), ec.item.code), save_edit, &ec);
	for (size_t k = 0; k < duban_field_count && fm.n < FORM_MAX_FIELDS; k++) {
		const struct duban_field *df = &duban_fields[k];
		if (!df->editable || df->type == DUBAN_FT_STATUS)
			continue;
		ec.fields[add_item_field(&fm, df, &ec.item)] = df;
	}
	form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&ec.item);
	return ec.wrote ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- new item */

struct new_ctx {
	const struct duban_field *fields[FORM_MAX_FIELDS];
	int code_field;
};

static bool save_new_item(struct tui *t, struct form *fm, void *ctx)
{
	struct new_ctx *nc = ctx;
	struct duban_item item;
	duban_item_init(&item);
	bool ok = true;
	for (int i = 0; ok && i < fm->n; i++)
		ok = apply_field(fm, i, nc->fields[i], &item);
	enum duban_err err = ok ? duban_item_insert(t->st, &item) : DUBAN_OK;
	if (err == DUBAN_ERR_DUPLICATE)
		fm->focus = nc->code_field;
	duban_item_free(&item);
	return ok && written(t, fm, err);
}

int tui_form_new_item(struct tui *t)
{
	static const char *const names[] = { "kind", "code", "title", "round", "county", "township",
					     "lead_unit", "categories", "start", "deadline", "description" };
	struct new_ctx nc = { .code_field = 1 };
	struct duban_item blank;
	if (!may_write(t))
		return TUI_REDRAW;
	duban_item_init(&blank);
	struct form fm;
	form_init(&fm, xstrdup(_("New item")), save_new_item, &nc);
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		const struct duban_field *df = duban_field_find(names[k]);
		int i = add_item_field(&fm, df, &blank);
		nc.fields[i] = df;
		if (strcmp(df->name, "code") == 0 || strcmp(df->name, "title") == 0)
			fm.f[i].required = true;
		if (strcmp(df->name, "categories") == 0)
			fm.f[i].hint = _("e.g. 大气、噪声");
		if (strcmp(df->name, "deadline") == 0) {
			fm.f[i].kind = FORM_LINE; /* also 立行立改 or 长期坚持 */
			fm.f[i].hint = _("YYYY-MM-DD, 立行立改 or 长期坚持");
		}
		if (strcmp(df->name, "description") == 0)
			fm.f[i].rows = 5;
	}
	duban_item_free(&blank);
	bool saved = form_run(t, &fm);
	form_free(&fm);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- dispatch */

/* A submission for a 调度 round: progress, what was done, and a file as
 * evidence (optional), saved by duban_dispatch_submit with the item's
 * progress and a note in one transaction. */
enum { DISP_PROGRESS, DISP_TEXT, DISP_FILE };

struct dispatch_form {
	const char *round, *item_id;
};

/* The file named in the form, prepared as an attachment of the item;
 * false after form_error.  *att is left zeroed when no file is named. */
static bool dispatch_file(struct tui *t, struct form *fm, const char *item_id, struct duban_attachment *att)
{
	char *typed = field_value(&fm->f[DISP_FILE]);
	memset(att, 0, sizeof *att);
	if (!*typed) {
		free(typed);
		return true;
	}
	char *path = tui_expand_home(typed);
	char err[512] = "";
	enum duban_err e = duban_attach_prepare(t->st, item_id, path, DUBAN_EVIDENCE_OTHER, att, err, sizeof err);
	free(path);
	free(typed);
	if (e == DUBAN_OK)
		return true;
	form_error(fm, DISP_FILE, "%s", *err ? err : duban_err_message(e));
	duban_attachment_free(att);
	return false;
}

static bool save_dispatch(struct tui *t, struct form *fm, void *ctx)
{
	const struct dispatch_form *df = ctx;
	char *v = field_value(&fm->f[DISP_PROGRESS]);
	char *end;
	long progress = strtol(v, &end, 10);
	bool bad = end == v || *end || progress < 0 || progress > 100;
	free(v);
	if (bad) {
		form_error(fm, DISP_PROGRESS, _("%s: a whole number from 0 to 100"), fm->f[DISP_PROGRESS].label);
		return false;
	}
	struct duban_attachment att;
	if (!dispatch_file(t, fm, df->item_id, &att))
		return false;
	char *text = field_value(&fm->f[DISP_TEXT]);
	bool with_file = att.sha256[0] != '\0';
	enum duban_err err = duban_dispatch_submit(t->st, df->round, df->item_id, (int)progress, text,
						   with_file ? &att : NULL);
	free(text);
	duban_attachment_free(&att);
	return written(t, fm, err);
}

int tui_form_dispatch(struct tui *t, const char *round, const char *item_id, int progress)
{
	struct duban_item item;
	if (!open_item(t, item_id, &item))
		return TUI_REDRAW;
	struct dispatch_form df = { round, item_id };
	struct form fm;
	form_init(&fm, xasprintf(_("Report to %s: %s"), round, item.code), save_dispatch, &df);
	char *initial = xasprintf("%d", progress >= 0 ? progress : item.progress);
	int i = form_text(&fm, _("Progress, 0-100"), FORM_NUMBER, initial);
	free(initial);
	fm.f[i].required = true;
	i = form_text(&fm, _("What was done"), FORM_MULTILINE, "");
	fm.f[i].required = true;
	fm.f[i].rows = 6;
	i = form_text(&fm, _("Evidence file"), FORM_LINE, "");
	fm.f[i].hint = _("optional: a path (~ is home)");
	bool saved = form_run(t, &fm);
	form_free(&fm);
	duban_item_free(&item);
	return saved ? TUI_RELOAD : TUI_REDRAW;
}
