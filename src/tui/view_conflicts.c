/* Conflicts and rejected changes: the list on top, the selected one below
 * with base, mine and theirs side by side (stacked when narrow), and the
 * keys that settle it.  Everything goes through the sync store's API; the
 * next sync sends what the user decided. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/model.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

/* From this width base, mine and theirs get a column each. */
#define THREE_COLUMNS_MIN 90

struct rejected {
	struct duban_op op;
	char *code, *title;   /* "" when the item is gone */
};

struct cview {
	struct duban_conflict *c;
	int nc;
	struct duban_op *ops; /* the array duban_outbox_rejected gave */
	struct rejected *rej;
	int nrej;
	int cur;              /* over conflicts, then rejected changes */
	int top;              /* first list line shown */
	int list_h;           /* list lines at the last draw */
};

/* ---------------------------------------------------------------- data */

static void free_lists(struct cview *v)
{
	duban_conflicts_free(v->c, v->nc);
	for (int i = 0; i < v->nrej; i++) {
		free(v->rej[i].code);
		free(v->rej[i].title);
	}
	free(v->rej);
	duban_ops_free(v->ops, v->nrej);
	v->c = NULL;
	v->ops = NULL;
	v->rej = NULL;
	v->nc = v->nrej = 0;
}

static void load(struct tui *t, struct cview *v)
{
	struct duban_op *ops = NULL;
	int nops = 0;

	free_lists(v);
	if (duban_conflicts_list(t->st, NULL, &v->c, &v->nc) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		v->c = NULL;
		v->nc = 0;
	}
	if (duban_outbox_rejected(t->st, &ops, &nops) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		ops = NULL;
		nops = 0;
	}
	v->ops = ops;
	v->nrej = nops;
	v->rej = xcalloc((size_t)nops + 1, sizeof *v->rej);
	for (int i = 0; i < nops; i++) {
		struct duban_item item;
		duban_item_init(&item);
		v->rej[i].op = ops[i];
		if (duban_item_get(t->st, ops[i].item_id, &item) == DUBAN_OK) {
			v->rej[i].code = xstrdup(item.code);
			v->rej[i].title = xstrdup(item.title);
		} else {
			v->rej[i].code = xstrdup("");
			v->rej[i].title = xstrdup("");
		}
		duban_item_free(&item);
	}
	int n = v->nc + v->nrej;
	if (v->cur >= n)
		v->cur = n - 1;
	if (v->cur < 0)
		v->cur = 0;
}

static int total(const struct cview *v)
{
	return v->nc + v->nrej;
}

static const struct duban_conflict *cur_conflict(const struct cview *v)
{
	return v->cur >= 0 && v->cur < v->nc ? &v->c[v->cur] : NULL;
}

static const struct rejected *cur_rejected(const struct cview *v)
{
	int i = v->cur - v->nc;
	return i >= 0 && i < v->nrej ? &v->rej[i] : NULL;
}

/* ---------------------------------------------------------------- words */

static const char *kind_text(const struct duban_conflict *c)
{
	if (strcmp(c->kind, "deleted") == 0)
		return _("deleted on the server");
	if (strcmp(c->kind, "scope") == 0)
		return _("moved out of your counties");
	return _("changed on both sides");
}

/* What a queued op did, as people read it. */
static char *op_text(const struct duban_op *op)
{
	if (strcmp(op->kind, "item.set") == 0 && op->field) {
		char *value = tui_conflict_value(op->field, op->value);
		char *s = xasprintf(_("%s set to %s"), tui_field_title(op->field), value);
		free(value);
		return s;
	}
	static const struct {
		const char *kind, *text;
	} kinds[] = {
		{ "item.create", N_("item created") },   { "item.delete", N_("item deleted") },
		{ "item.status", N_("status changed") }, { "note.add", N_("progress note") },
		{ "inspection.add", N_("inspection") },  { "action.add", N_("supervision action") },
		{ "attachment.add", N_("attachment") },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(op->kind, kinds[i].kind) == 0)
			return xstrdup(_(kinds[i].text));
	return xstrdup(op->kind);
}

static const char *or_gone(const char *s)
{
	return s && *s ? s : _("(item no longer here)");
}

/* ---------------------------------------------------------------- list */

/* The list as lines: a heading per section, then its rows.  entry[i] is
 * the entry a line shows, -1 for headings. */
static int list_lines(const struct cview *v, int *entry)
{
	int n = 0;
	if (v->nc > 0) {
		if (entry)
			entry[n] = -1;
		n++;
		for (int i = 0; i < v->nc; i++, n++)
			if (entry)
				entry[n] = i;
	}
	if (v->nrej > 0) {
		if (entry)
			entry[n] = -1;
		n++;
		for (int i = 0; i < v->nrej; i++, n++)
			if (entry)
				entry[n] = v->nc + i;
	}
	return n;
}

static void draw_list_row(struct tui *t, WINDOW *win, int y, int x, int w, const char *mark, const char *code,
			  const char *title, const char *right, bool selected)
{
	attr_t base = tui_attr(t, selected ? TUI_EL_CURSOR : TUI_EL_DEFAULT);
	tui_fill(win, y, x, w, base);
	int codew = duban_str_width(code);
	if (codew > 14)
		codew = 14;
	if (codew < 10)
		codew = 10;
	int rightw = duban_str_width(right);
	if (rightw > w / 2)
		rightw = w / 2;
	/* Marks as in the ledger: seen without colour too. */
	tui_text(win, y, x, mark, 2, selected ? base : tui_attr(t, TUI_EL_CONFLICT));
	int cx = x + 3;
	tui_text(win, y, cx, *code ? code : "—", codew, base);
	cx += codew + 1;
	int titlew = w - (cx - x) - rightw - 2;
	if (titlew > 0)
		tui_text(win, y, cx, title, titlew, base);
	if (rightw > 0)
		tui_text_right(win, y, x + w - rightw - 1, right, rightw, selected ? base : tui_attr(t, TUI_EL_DIM) | base);
}

static void draw_list(struct tui *t, struct cview *v, WINDOW *win, int y, int x, int h, int w)
{
	int n = list_lines(v, NULL);
	int *entry = xcalloc((size_t)n + 1, sizeof *entry);
	list_lines(v, entry);
	int cur_line = 0;
	for (int i = 0; i < n; i++)
		if (entry[i] == v->cur)
			cur_line = i;
	/* Keep the section heading in sight when its first row is selected. */
	if (cur_line > 0 && entry[cur_line - 1] == -1 && cur_line - 1 < v->top)
		v->top = cur_line - 1;
	if (cur_line < v->top)
		v->top = cur_line;
	if (cur_line >= v->top + h)
		v->top = cur_line - h + 1;
	if (v->top > n - h)
		v->top = n - h > 0 ? n - h : 0;
	for (int r = 0; r < h; r++) {
		int i = v->top + r;
		if (i >= n) {
			tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
			continue;
		}
		if (entry[i] < 0) {
			bool conflicts = i == 0 && v->nc > 0;
			char *head = conflicts ? xasprintf(_("Conflicts (%d): changed here and on the server"), v->nc)
				: xasprintf(_("Rejected changes (%d): the server refused them"), v->nrej);
			tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_TABLE_HEAD));
			tui_text(win, y + r, x + 1, head, w - 1, tui_attr(t, TUI_EL_TABLE_HEAD));
			free(head);
			continue;
		}
		bool selected = entry[i] == v->cur;
		if (entry[i] < v->nc) {
			const struct duban_conflict *c = &v->c[entry[i]];
			char *right = strcmp(c->kind, "field") == 0
				? xasprintf("%s · %s", tui_field_title(c->field), kind_text(c)) : xstrdup(kind_text(c));
			draw_list_row(t, win, y + r, x, w, " !", c->code, or_gone(c->title), right, selected);
			free(right);
		} else {
			const struct rejected *rj = &v->rej[entry[i] - v->nc];
			char *what = op_text(&rj->op);
			draw_list_row(t, win, y + r, x, w, " x", rj->code, or_gone(rj->title), what, selected);
			free(what);
		}
	}
	free(entry);
}

/* ---------------------------------------------------------------- detail */

/* Lines of text wrapped to cols, sanitised; NULL-terminated. */
static char **wrap(const char *s, int cols)
{
	char *clean = duban_sanitize(s ? s : "", true);
	char **lines = duban_wrap(clean, cols > 1 ? cols : 1);
	free(clean);
	return lines;
}

/* Draws wrapped text from row *row on, at most until row end; advances *row. */
static void put_wrapped(struct tui *t, WINDOW *win, int *row, int end, int x, int w, const char *s,
			enum tui_element el)
{
	char **lines = wrap(s, w);
	for (int i = 0; lines && lines[i] && *row < end; i++, (*row)++)
		tui_text(win, *row, x, lines[i], w, tui_attr(t, el));
	duban_lines_free(lines);
}

struct side {
	const char *head;
	char *text;
	enum tui_element el;
};

/* base, mine and theirs in three columns; returns the rows used. */
static int draw_columns(struct tui *t, WINDOW *win, int y, int x, int h, int w, struct side *sides)
{
	int colw = (w - 6) / 3;
	int used = 0;
	for (int c = 0; c < 3; c++) {
		int cx = x + 1 + c * (colw + 2);
		tui_text(win, y, cx, sides[c].head, colw, tui_attr(t, TUI_EL_LABEL));
		char **lines = wrap(sides[c].text, colw);
		int r = 1;
		for (int i = 0; lines && lines[i] && r < h; i++, r++)
			tui_text(win, y + r, cx, lines[i], colw, tui_attr(t, sides[c].el));
		duban_lines_free(lines);
		if (r > used)
			used = r;
	}
	return used;
}

/* The same one above the other: each side gets its share of the rows. */
static int draw_stacked(struct tui *t, WINDOW *win, int y, int x, int h, int w, struct side *sides)
{
	int row = y;
	for (int c = 0; c < 3 && row < y + h; c++) {
		tui_text(win, row++, x + 1, sides[c].head, w - 1, tui_attr(t, TUI_EL_LABEL));
		char **lines = wrap(sides[c].text, w - 3);
		int n = 0;
		while (lines && lines[n])
			n++;
		/* Leave room for the heads and a line of each side below. */
		int room = y + h - row - 2 * (2 - c);
		if (room < 1)
			room = 1;
		for (int i = 0; i < n && row < y + h; i++) {
			if (i == room - 1 && n > room) {
				tui_text(win, row++, x + 3, "…", w - 3, tui_attr(t, TUI_EL_DIM));
				break;
			}
			tui_text(win, row++, x + 3, lines[i], w - 3, tui_attr(t, sides[c].el));
		}
		duban_lines_free(lines);
	}
	return row - y;
}

static char *hint(struct tui *t, enum tui_action a, const char *what)
{
	char *key = tui_first_key(t, "conflicts", a);
	char *s = xasprintf("%s %s", *key ? key : tui_action_name(a), what);
	free(key);
	return s;
}

/* "m keep mine · t take theirs · e edit" with the keys as bound. */
static char *hints(struct tui *t, const enum tui_action *acts, const char *const *whats, int n)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < n; i++) {
		char *h = hint(t, acts[i], whats[i]);
		if (i)
			duban_buf_puts(&b, " · ");
		duban_buf_puts(&b, h);
		free(h);
	}
	return duban_buf_steal(&b);
}

static void draw_conflict(struct tui *t, const struct duban_conflict *c, WINDOW *win, int y, int x, int h, int w)
{
	int row = y, end = y + h - 1;
	char *head;
	bool field = strcmp(c->kind, "field") == 0;

	if (field)
		head = xasprintf(_("%s %s — %s was changed here and on the server"), c->code, or_gone(c->title),
				 tui_field_title(c->field));
	else if (strcmp(c->kind, "deleted") == 0)
		head = xasprintf(_("%s %s was deleted on the server while this device still had changes to it"),
				 c->code, or_gone(c->title));
	else
		head = xasprintf(_("%s %s left your counties on the server while this device still had changes to it"),
				 c->code, or_gone(c->title));
	put_wrapped(t, win, &row, end, x + 1, w - 2, head, TUI_EL_DEFAULT);
	free(head);
	if (row < end)
		row++;

	char *keys;
	if (field) {
		struct side sides[3] = {
			{ _("Base (before both changes)"), tui_conflict_value(c->field, c->base), TUI_EL_DIM },
			{ _("Mine (this device)"), tui_conflict_value(c->field, c->mine), TUI_EL_DEFAULT },
			{ _("Theirs (the server)"), tui_conflict_value(c->field, c->theirs), TUI_EL_DEFAULT },
		};
		if (w >= THREE_COLUMNS_MIN)
			row += draw_columns(t, win, row, x, end - row, w, sides);
		else
			row += draw_stacked(t, win, row, x, end - row, w, sides);
		for (int i = 0; i < 3; i++)
			free(sides[i].text);
		static const enum tui_action acts[] = { TUI_ACT_KEEP_MINE, TUI_ACT_TAKE_THEIRS, TUI_ACT_EDIT_VALUE };
		const char *whats[] = { _("keep mine"), _("take theirs"), _("edit") };
		keys = hints(t, acts, whats, 3);
	} else {
		bool deleted = strcmp(c->kind, "deleted") == 0;
		const char *what = deleted
			? _("Keep mine creates it again on the server with its records; take theirs deletes it here too, "
			    "with the changes not sent.")
			: _("Keep mine keeps the local copy as it is; take theirs removes it from this device, with the "
			    "changes not sent.");
		put_wrapped(t, win, &row, end, x + 1, w - 2, what, TUI_EL_DEFAULT);
		static const enum tui_action acts[] = { TUI_ACT_KEEP_MINE, TUI_ACT_TAKE_THEIRS };
		const char *whats[2] = { deleted ? _("keep mine: create it again") : _("keep the local copy"),
					 _("take theirs: delete it here") };
		keys = hints(t, acts, whats, 2);
	}
	(void)row;
	tui_text(win, y + h - 1, x + 1, keys, w - 2, tui_attr(t, TUI_EL_HELP_KEY));
	free(keys);
}

static void draw_rejected(struct tui *t, const struct rejected *rj, WINDOW *win, int y, int x, int h, int w)
{
	int row = y, end = y + h - 1;
	char *what = op_text(&rj->op);
	char *head = xasprintf(_("%s %s — %s"), *rj->code ? rj->code : "—", or_gone(rj->title), what);
	put_wrapped(t, win, &row, end, x + 1, w - 2, head, TUI_EL_DEFAULT);
	free(head);
	free(what);
	if (row < end)
		row++;
	if (row < end)
		tui_text(win, row++, x + 1, _("The server refused this change:"), w - 2, tui_attr(t, TUI_EL_LABEL));
	put_wrapped(t, win, &row, end, x + 3, w - 4,
		    rj->op.reason && *rj->op.reason ? rj->op.reason : _("(no reason given)"), TUI_EL_ERROR);
	static const enum tui_action acts[] = { TUI_ACT_RETRY_OP, TUI_ACT_DROP_OP };
	const char *whats[] = { _("send it again"), _("drop it (back to what the server holds)") };
	char *keys = hints(t, acts, whats, 2);
	tui_text(win, y + h - 1, x + 1, keys, w - 2, tui_attr(t, TUI_EL_HELP_KEY));
	free(keys);
}

static void draw_empty(struct tui *t, WINDOW *win, int y, int x, int h, int w)
{
	for (int r = 0; r < h; r++)
		tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	int row = y + 1;
	put_wrapped(t, win, &row, y + h, x + 2, w - 4,
		    _("No conflicts and no rejected changes: everything sent so far was accepted."), TUI_EL_DIM);
}

static void cv_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct cview *v = self;
	if (total(v) == 0) {
		draw_empty(t, win, y, x, h, w);
		return;
	}
	for (int r = 0; r < h; r++)
		tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	int n = list_lines(v, NULL);
	int most = h * 2 / 5 > 3 ? h * 2 / 5 : 3;
	int list_h = n < most ? n : most;
	if (list_h > h - 4)
		list_h = h - 4 > 1 ? h - 4 : 1;
	v->list_h = list_h;
	draw_list(t, v, win, y, x, list_h, w);
	int sep = y + list_h;
	for (int cx = 0; cx < w; cx++)
		tui_text(win, sep, x + cx, t->utf8 ? "─" : "-", 1, tui_attr(t, TUI_EL_BORDER));
	int dy = sep + 1, dh = h - list_h - 1;
	if (dh < 2)
		return;
	const struct duban_conflict *c = cur_conflict(v);
	const struct rejected *rj = cur_rejected(v);
	if (c)
		draw_conflict(t, c, win, dy, x, dh, w);
	else if (rj)
		draw_rejected(t, rj, win, dy, x, dh, w);
}

/* ---------------------------------------------------------------- actions */

/* The question before keep-mine or take-theirs: either throws one side
 * away, so it names what is kept and what is lost.  NULL for an edit, whose
 * prompt is the asking. */
static char *resolve_question(const struct duban_conflict *c, enum duban_resolution how)
{
	bool mine = how == DUBAN_RESOLVE_KEEP_MINE;
	if (how == DUBAN_RESOLVE_EDIT)
		return NULL;
	if (strcmp(c->kind, "field") == 0) {
		const char *title = tui_field_title(c->field);
		return mine ? xasprintf(_("%s: keep your value of %s and discard the server's?"), c->code, title)
			    : xasprintf(_("%s: take the server's value of %s and discard yours?"), c->code, title);
	}
	if (strcmp(c->kind, "deleted") == 0)
		return mine ? xasprintf(_("%s: create it again on the server?"), c->code)
			    : xasprintf(_("%s: delete it here too, discarding your changes?"), c->code);
	return mine ? xasprintf(_("%s: keep the local copy?"), c->code)
		    : xasprintf(_("%s: remove it from this device, discarding your changes?"), c->code);
}

static int resolve(struct tui *t, struct cview *v, enum duban_resolution how)
{
	const struct duban_conflict *c = cur_conflict(v);
	if (!c) {
		tui_message(t, true, "%s", _("this is a rejected change: r sends it again, d drops it"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	bool field = strcmp(c->kind, "field") == 0;
	char *edited = NULL;
	if (how == DUBAN_RESOLVE_EDIT) {
		if (!field) {
			tui_message(t, true, "%s", _("only a changed field can be edited: keep mine or take theirs"));
			return TUI_HANDLED | TUI_REDRAW;
		}
		char *label = xasprintf(_("%s (yours): "), tui_field_title(c->field));
		edited = tui_prompt(t, label, c->mine ? c->mine : "", NULL, NULL);
		free(label);
		if (!edited) {
			tui_message(t, false, "%s", _("not changed"));
			return TUI_HANDLED | TUI_REDRAW;
		}
	}
	char *question = resolve_question(c, how);
	bool yes = !question || tui_confirm(t, question);
	free(question);
	if (!yes) {
		tui_message(t, false, "%s", _("not changed"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	/* The list is reloaded below: keep what the message needs. */
	char code[64], fieldname[64], kind[12];
	snprintf(code, sizeof code, "%s", c->code);
	snprintf(fieldname, sizeof fieldname, "%s", c->field ? c->field : "");
	snprintf(kind, sizeof kind, "%s", c->kind);
	if (duban_conflict_resolve(t->st, c->id, how, edited) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		free(edited);
		return TUI_HANDLED | TUI_REDRAW;
	}
	free(edited);
	const char *title = tui_field_title(fieldname);
	if (strcmp(kind, "field") == 0) {
		if (how == DUBAN_RESOLVE_TAKE_THEIRS)
			tui_message(t, false, _("%s: took the server's value of %s"), code, title);
		else if (how == DUBAN_RESOLVE_KEEP_MINE)
			tui_message(t, false, _("%s: kept your value of %s, queued for the next sync"), code, title);
		else
			tui_message(t, false, _("%s: your new value of %s is queued for the next sync"), code, title);
	} else if (strcmp(kind, "deleted") == 0) {
		if (how == DUBAN_RESOLVE_KEEP_MINE)
			tui_message(t, false, _("%s will be created again on the server at the next sync"), code);
		else
			tui_message(t, false, _("%s was deleted here too"), code);
	} else {
		if (how == DUBAN_RESOLVE_KEEP_MINE)
			tui_message(t, false, _("kept the local copy of %s"), code);
		else
			tui_message(t, false, _("%s was removed from this device"), code);
	}
	return TUI_HANDLED | TUI_REDRAW | TUI_RELOAD;
}

static int settle_op(struct tui *t, struct cview *v, bool retry)
{
	const struct rejected *rj = cur_rejected(v);
	if (!rj) {
		tui_message(t, true, "%s", _("this is a conflict: m keeps mine, t takes theirs, e edits"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!retry && !tui_confirm(t, _("Drop this change? It will never reach the server.")))
		return TUI_HANDLED | TUI_REDRAW;
	enum duban_err err = retry ? duban_outbox_retry(t->st, rj->op.id) : duban_outbox_drop(t->st, rj->op.id);
	if (err != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		return TUI_HANDLED | TUI_REDRAW;
	}
	tui_message(t, false, "%s", retry ? _("queued again: it will be sent at the next sync")
		    : _("dropped: back to what the server holds"));
	return TUI_HANDLED | TUI_REDRAW | TUI_RELOAD;
}

static int goto_item(struct tui *t, struct cview *v)
{
	const struct duban_conflict *c = cur_conflict(v);
	const struct rejected *rj = cur_rejected(v);
	char id[37];
	snprintf(id, sizeof id, "%s", c ? c->item_id : rj ? rj->op.item_id : "");
	if (!*id)
		return TUI_HANDLED;
	tui_ledger_goto(t, id);
	return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
}

static int cv_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct cview *v = self;
	int page = v->list_h > 2 ? v->list_h - 1 : 1;
	(void)key;
	int r = tui_list_move(&v->cur, total(v), page, a);
	if (r)
		return r;
	switch (a) {
	case TUI_ACT_BACK:
	case TUI_ACT_QUIT:
		return TUI_HANDLED | TUI_CLOSE;
	case TUI_ACT_KEEP_MINE: return resolve(t, v, DUBAN_RESOLVE_KEEP_MINE);
	case TUI_ACT_TAKE_THEIRS: return resolve(t, v, DUBAN_RESOLVE_TAKE_THEIRS);
	case TUI_ACT_EDIT_VALUE: return resolve(t, v, DUBAN_RESOLVE_EDIT);
	case TUI_ACT_RETRY_OP: return settle_op(t, v, true);
	case TUI_ACT_DROP_OP: return settle_op(t, v, false);
	case TUI_ACT_ENTER: return goto_item(t, v);
	case TUI_ACT_REFRESH: return TUI_HANDLED | TUI_RELOAD;
	default:
		return TUI_IGNORED;
	}
}

static void *cv_open(struct tui *t, void *arg)
{
	(void)arg;
	struct cview *v = xcalloc(1, sizeof *v);
	load(t, v);
	return v;
}

static void cv_close(void *self)
{
	struct cview *v = self;
	free_lists(v);
	free(v);
}

static void cv_reload(struct tui *t, void *self)
{
	load(t, self);
}

static char *cv_title(struct tui *t, void *self)
{
	struct cview *v = self;
	(void)t;
	return xasprintf(_("conflicts: %d · rejected changes: %d"), v->nc, v->nrej);
}

static int cv_mouse(struct tui *t, void *self, int y, int x, mmask_t buttons)
{
	struct cview *v = self;
	(void)t, (void)x;
	if (buttons & BUTTON4_PRESSED)
		return tui_list_set(&v->cur, total(v), v->cur - 1);
#ifdef BUTTON5_PRESSED
	if (buttons & BUTTON5_PRESSED)
		return tui_list_set(&v->cur, total(v), v->cur + 1);
#endif
	if (!(buttons & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
		return TUI_IGNORED;
	int n = list_lines(v, NULL);
	int *entry = xcalloc((size_t)n + 1, sizeof *entry);
	list_lines(v, entry);
	int line = v->top + (y - 1);
	int r = TUI_HANDLED;
	if (y - 1 < v->list_h && line >= 0 && line < n && entry[line] >= 0)
		r = tui_list_set(&v->cur, total(v), entry[line]);
	free(entry);
	return r;
}

static const enum tui_action cv_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_ENTER, TUI_ACT_KEEP_MINE, TUI_ACT_TAKE_THEIRS, TUI_ACT_EDIT_VALUE,
	TUI_ACT_RETRY_OP, TUI_ACT_DROP_OP, TUI_ACT_NONE
};

const struct tui_view_ops tui_conflicts_view = {
	.name = "conflicts",
	.open = cv_open,
	.close = cv_close,
	.draw = cv_draw,
	.handle = cv_handle,
	.reload = cv_reload,
	.title = cv_title,
	.idle = NULL,
	.mouse = cv_mouse,
	.actions = cv_actions,
};
