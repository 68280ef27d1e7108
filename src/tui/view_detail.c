/* One item in full: its fields, then its history newest first.  The renderer
 * is shared by the ledger's detail pane and the full-screen detail view. */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duban/closeout.h"
#include "duban/date.h"
#include "duban/feedback.h"
#include "duban/model.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

/* ---------------------------------------------------------------- lines */

static void add_line(struct tui_detail *d, const char *label, const char *text, int indent,
		     enum tui_element el)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->lines = xrealloc(d->lines, (size_t)d->cap * sizeof *d->lines);
	}
	struct tui_detail_line *l = &d->lines[d->n++];
	l->label = label ? xstrdup(label) : NULL;
	l->text = xstrdup(text ? text : "");
	l->indent = indent;
	l->el = el;
}

/* Adds text wrapped to cols - indent columns; the first line carries the
 * label, the others hang at indent. */
static void add_wrapped(struct tui_detail *d, const char *label, const char *text, int indent,
			int first_indent, int cols, enum tui_element el)
{
	int width = cols - indent;
	if (width < 8)
		width = 8;
	char *clean = duban_sanitize(text ? text : "", true);
	char **lines = duban_wrap(clean, width);
	free(clean);
	if (!lines || !lines[0]) {
		add_line(d, label, "", first_indent, el);
		duban_lines_free(lines);
		return;
	}
	for (int i = 0; lines[i]; i++)
		add_line(d, i ? NULL : label, lines[i], i ? indent : first_indent, el);
	duban_lines_free(lines);
}

void tui_detail_free(struct tui_detail *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->lines[i].label);
		free(d->lines[i].text);
	}
	free(d->lines);
	free(d->title);
	memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- fields */

/* A stored value as people read it; an unset flag shows as nothing, so the
 * pane lists only the flags that are set. */
static char *value_display(const struct duban_field *f, const char *value)
{
	if (f->type == DUBAN_FT_BOOL && strcmp(value, "false") == 0)
		return xstrdup("");
	return duban_value_display(f, value);
}

/* Fields that would only repeat another line: a dated deadline's kind, and
 * the complaint-only enforcement counts of a problem. */
static bool hidden(const struct duban_field *f, const struct duban_item *item, const char *value)
{
	size_t enf = offsetof(struct duban_item, enforcement);
	if (!*value)
		return true;
	if (f->type == DUBAN_FT_DEADLINE_KIND)
		return item->deadline_kind == DUBAN_DEADLINE_DATE;
	if (f->offset >= enf && f->offset < enf + sizeof(struct duban_enforcement))
		return strcmp(value, "0") == 0;
	return false;
}

static int label_width(int cols)
{
	int w = 0;
	for (size_t i = 0; i < duban_field_count; i++) {
		int fw = duban_str_width(_(duban_fields[i].title));
		if (fw > w)
			w = fw;
	}
	w += 2;
	/* Longer titles get a line of their own (see add_field). */
	if (w > 18)
		w = 18;
	return w > cols / 3 ? cols / 3 : w;
}

/* A field: label and value side by side, or on narrow panes the label on
 * its own line above the value. */
static void add_field(struct tui_detail *d, const char *label, const char *value, int cols,
		      enum tui_element el)
{
	if (d->label_cols >= 8 && duban_str_width(label) < d->label_cols) {
		add_wrapped(d, label, value, d->label_cols, d->label_cols, cols, el);
		return;
	}
	if (d->label_cols >= 8) {
		/* A long title on its own line rather than cut short. */
		add_line(d, label, "", 0, TUI_EL_LABEL);
		add_wrapped(d, NULL, value, d->label_cols, d->label_cols, cols, el);
		return;
	}
	add_line(d, label, "", 0, TUI_EL_LABEL);
	add_wrapped(d, NULL, value, 2, 2, cols, el);
}

static enum tui_element due_element(const struct duban_item *item, enum duban_light light, duban_date today)
{
	if (item->deadline != DUBAN_DATE_NONE && item->deadline < today)
		return TUI_EL_OVERDUE;
	return light == DUBAN_LIGHT_YELLOW ? TUI_EL_DUE_SOON : TUI_EL_DEFAULT;
}


static void add_fields(struct tui *t, struct tui_detail *d, const struct duban_item *item, int cols)
{
	duban_date today = duban_today();
	enum duban_light light = duban_item_light(item, today, duban_store_light_rules(t->st));

	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *raw = duban_field_format(f, item);
		if (!hidden(f, item, raw)) {
			char *shown = f->offset == offsetof(struct duban_item, progress)
				? xasprintf("%d%%", item->progress) : value_display(f, raw);
			if (*shown)
				add_field(d, _(f->title), shown, cols, TUI_EL_DEFAULT);
			free(shown);
		}
		free(raw);
	}
	char *lv = xasprintf("%s %s", duban_light_symbol(light), duban_light_name(light));
	add_field(d, _("Warning light"), lv, cols, light == DUBAN_LIGHT_RED ? TUI_EL_LIGHT_RED
		  : light == DUBAN_LIGHT_YELLOW ? TUI_EL_LIGHT_YELLOW : TUI_EL_DEFAULT);
	free(lv);
	if (item->status < DUBAN_STATUS_VERIFIED && item->deadline_kind != DUBAN_DEADLINE_ONGOING) {
		char *due = tui_due_text(item->deadline, item->deadline_kind, today);
		if (due && *due)
			add_field(d, _("Due"), due, cols, due_element(item, light, today));
		free(due);
	}
	char when[32];
	add_field(d, _("Updated"), duban_timestamp_local(item->updated_at, false, when), cols, TUI_EL_DIM);
}

/* The feedback clock, the repeat count and the links (issue 15): after
 * the fields, one line each. */
static void add_clock_links(struct tui *t, struct tui_detail *d, const struct duban_item *item, int cols)
{
	duban_date today = duban_today();
	duban_date due = duban_item_feedback_due(item, duban_store_feedback_rules(t->st));
	if (due != DUBAN_DATE_NONE) {
		char date[11];
		char *v = due < today ? xasprintf(_("%s %s, overdue"), duban_light_symbol(DUBAN_LIGHT_RED),
						  duban_date_format(due, date))
				      : xstrdup(duban_date_format(due, date));
		add_field(d, _("Feedback due"), v, cols, due < today ? TUI_EL_OVERDUE : TUI_EL_DEFAULT);
		free(v);
	}
	int repeats = duban_repeat_count(t->st, item->code);
	if (repeats > 0) {
		char *v = xasprintf("%d", repeats);
		add_field(d, _("Repeats"), v, cols, TUI_EL_DEFAULT);
		free(v);
	}
	struct duban_linked *v = NULL;
	int n = 0;
	if (duban_links_of(t->st, item->id, &v, &n) != DUBAN_OK)
		return;
	for (int i = 0; i < n; i++) {
		const char *how = v[i].kind != DUBAN_LINK_REPEAT ? _("linked") : v[i].outgoing ? _("repeat of") : _("repeated by");
		char *line = xasprintf("%s %s %s", how, *v[i].code ? v[i].code : v[i].other_id, v[i].title);
		add_field(d, i == 0 ? _("Links") : "", line, cols, TUI_EL_DEFAULT);
		free(line);
	}
	duban_linked_free(v, n);
}

/* ---------------------------------------------------------------- conflicts */

/* The item's unresolved conflicts, between its fields and its history. */
static void add_conflicts(struct tui *t, struct tui_detail *d, const char *item_id, int cols)
{
	struct duban_conflict *c = NULL;
	int n = 0;

	if (!duban_item_has_conflict(t->st, item_id))
		return;
	if (duban_conflicts_list(t->st, item_id, &c, &n) != DUBAN_OK || n == 0) {
		duban_conflicts_free(c, n);
		return;
	}
	char *key = tui_first_key(t, "generic", TUI_ACT_VIEW_CONFLICTS);
	char *head = *key ? xasprintf(_("! Conflicts — press %s to resolve"), key) : xstrdup(_("! Conflicts"));
	add_line(d, NULL, head, 0, TUI_EL_CONFLICT);
	free(head);
	free(key);
	for (int i = 0; i < n; i++) {
		char *line;
		if (strcmp(c[i].kind, "deleted") == 0) {
			line = xstrdup(_("deleted on the server while this device still had changes to it"));
		} else if (strcmp(c[i].kind, "scope") == 0) {
			line = xstrdup(_("moved out of your counties on the server"));
		} else {
			char *mine = tui_conflict_value(c[i].field, c[i].mine);
			char *theirs = tui_conflict_value(c[i].field, c[i].theirs);
			line = xasprintf(_("%s: mine %s · server %s"), tui_field_title(c[i].field), mine, theirs);
			free(mine);
			free(theirs);
		}
		add_wrapped(d, NULL, line, 2, 0, cols, TUI_EL_CONFLICT);
		free(line);
	}
	add_line(d, NULL, "", 0, TUI_EL_DEFAULT);
	duban_conflicts_free(c, n);
}

/* ---------------------------------------------------------------- history */


static char *event_text(const struct duban_event *e)
{
	if (strcmp(e->field, "create") == 0)
		return xstrdup(_("created the item"));
	if (strcmp(e->field, "delete") == 0)
		return xstrdup(_("deleted the item"));
	const struct duban_field *f = duban_field_find(e->field);
	const char *name = f ? _(f->title) : e->field;
	char *old_v = f ? value_display(f, e->old_value ? e->old_value : "") : xstrdup(e->old_value ? e->old_value : "");
	char *new_v = f ? value_display(f, e->new_value ? e->new_value : "") : xstrdup(e->new_value ? e->new_value : "");
	char *s;
	if (e->reason && *e->reason) {
		char *why = duban_event_reason_display(e->reason);
		s = xasprintf(_("%s: %s → %s (%s)"), name, *old_v ? old_v : "—", *new_v ? new_v : "—", why);
		free(why);
	} else
		s = xasprintf(_("%s: %s → %s"), name, *old_v ? old_v : "—", *new_v ? new_v : "—");
	free(old_v);
	free(new_v);
	return s;
}

struct history_ctx {
	struct tui_detail *d;
	int cols;
	int count;
};

/* Every history line alike: "YYYY-MM-DD HH:MM author: what". */
static int add_entry(const struct duban_history_entry *e, void *data)
{
	struct history_ctx *hc = data;
	char when[32];
	char *line;
	enum tui_element el = TUI_EL_DEFAULT;

	if (e->note) {
		line = xasprintf("%s %s: %s", duban_timestamp_local(e->note->created_at, false, when),
				 e->note->author, e->note->text);
	} else if (e->inspection) {
		char *what = duban_inspection_text(e->inspection);
		line = xasprintf("%s %s: %s", duban_timestamp_local(e->inspection->created_at, false, when),
				 e->inspection->author, what);
		free(what);
		el = e->inspection->passed ? TUI_EL_DEFAULT : TUI_EL_OVERDUE;
	} else if (e->action) {
		char *what = duban_action_summary(e->action);
		line = xasprintf("%s %s: %s", duban_timestamp_local(e->action->created_at, false, when),
				 e->action->author, what);
		free(what);
	} else if (e->attachment) {
		const struct duban_attachment *a = e->attachment;
		line = xasprintf(_("%s %s: attachment %s (%s, %lld bytes)"), duban_timestamp_local(a->created_at, false, when),
				 a->author, a->name, a->mime, a->size);
	} else if (e->event) {
		char *what = event_text(e->event);
		line = xasprintf("%s %s: %s", duban_timestamp_local(e->event->created_at, false, when), e->event->author, what);
		free(what);
		el = TUI_EL_DIM;
	} else {
		return 0;
	}
	const char *received = e->note ? e->note->received_at : e->inspection ? e->inspection->received_at
			       : e->action ? e->action->received_at : e->attachment ? e->attachment->received_at
			       : e->event->received_at;
	char *got = duban_received_text(received);
	char *full = xasprintf("%s%s", line, got);
	add_wrapped(hc->d, NULL, full, 2, 0, hc->cols, el);
	free(full);
	free(got);
	free(line);
	return 0;
}

/* ---------------------------------------------------------------- close-out */

/* "验收：县级初验 ✓ → 市级验收 (next)" for a requested item. */
static void add_acceptance(struct tui *t, struct tui_detail *d, const struct duban_item *item, int cols)
{
	if (item->status != DUBAN_STATUS_REQUESTED)
		return;
	struct duban_acceptance_chain c;
	int next = 0;
	if (duban_item_chain(t->st, item->id, &c) != DUBAN_OK ||
	    duban_acceptance_progress(t->st, item->id, &next) != DUBAN_OK)
		return;
	char *chain = tui_chain_text(&c, next);
	add_field(d, _("Acceptance"), chain, cols, TUI_EL_DEFAULT);
	free(chain);
}

/* The public notice (公示) and its objections, each with its state. */
static void add_notice(struct tui *t, struct tui_detail *d, const struct duban_item *item, int cols)
{
	struct duban_notice *r;
	struct duban_notice_state ns;
	size_t n;
	char a[11], b[11];

	if (duban_notice_list(t->st, item->id, &r, &n) != DUBAN_OK || !n) {
		duban_notices_free(r, n);
		return;
	}
	duban_notice_state(r, n, &ns);
	if (ns.notice >= 0) {
		const struct duban_notice *o = &r[ns.notice];
		const char *state = item->status != DUBAN_STATUS_PUBLICIZED ? ""
				    : o->end >= duban_today() ? _(" (running)") : _(" (ended: due for closing)");
		char *text = xasprintf(_("%s to %s%s"), duban_date_format(o->date, a), duban_date_format(o->end, b), state);
		add_field(d, _("Public notice"), text, cols, TUI_EL_DEFAULT);
		free(text);
		if (o->place && *o->place)
			add_field(d, _("Published at"), o->place, cols, TUI_EL_DEFAULT);
		if (o->contact && *o->contact)
			add_field(d, _("Objections to"), o->contact, cols, TUI_EL_DEFAULT);
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != DUBAN_NOTICE_OBJECTION)
			continue;
		int by = duban_objection_settled_by(r, n, i);
		char *label = xasprintf(_("Objection %d"), duban_objection_number(r, n, i));
		char *state = by < 0 ? xstrdup(_("open"))
				     : xasprintf(r[by].upheld ? _("upheld %s: %s") : _("dismissed %s: %s"),
						 duban_date_format(r[by].date, b), r[by].text ? r[by].text : "");
		char *when = duban_objection_when(&r[i]);
		/* TRANSLATORS: an objection in the detail: when (and who), the
		 * text, its state. */
		char *text = xasprintf(_("%s: %s [%s]"), when, r[i].text ? r[i].text : "", state);
		free(when);
		add_field(d, label, text, cols, by < 0 ? TUI_EL_ERROR : TUI_EL_DEFAULT);
		free(label);
		free(state);
		free(text);
	}
	duban_notices_free(r, n);
}

/* "1.2 MB" as people read sizes. */
static char *size_text(long long n)
{
	if (n < 1024)
		return xasprintf(_("%lld B"), n);
	if (n < 1024 * 1024)
		return xasprintf(_("%.1f KB"), (double)n / 1024);
	return xasprintf(_("%.1f MB"), (double)n / (1024 * 1024));
}

static int add_attachment(const struct duban_history_entry *e, void *data)
{
	struct history_ctx *hc = data;
	const struct duban_attachment *a = e->attachment;
	if (!a)
		return 0;
	char *size = size_text(a->size);
	/* received_at is set when duband has the record: until then it is
	 * queued on this device. */
	char *line = xasprintf("%s · %s · %s · %s", a->name, duban_evidence_name(a->kind), size,
			       a->received_at[0] ? _("sent") : _("queued"));
	add_wrapped(hc->d, NULL, line, 4, 2, hc->cols, TUI_EL_DEFAULT);
	hc->count++;
	free(line);
	free(size);
	return 0;
}

/* The attachments (佐证材料), each with its kind, size and sync state. */
static void add_attachments(struct tui *t, struct tui_detail *d, const char *item_id, int cols)
{
	struct history_ctx hc = { d, cols, 0 };
	int head = d->n;
	add_line(d, NULL, "", 0, TUI_EL_DEFAULT);
	add_line(d, NULL, _("Attachments"), 0, TUI_EL_TABLE_HEAD);
	duban_history_each(t->st, item_id, add_attachment, &hc);
	if (hc.count)
		return;
	/* No section for an item without attachments. */
	for (int i = head; i < d->n; i++) {
		free(d->lines[i].label);
		free(d->lines[i].text);
	}
	d->n = head;
}

/* ---------------------------------------------------------------- render */

bool tui_detail_render(struct tui *t, const char *item_id, int cols, struct tui_detail *out)
{
	struct duban_item item;

	memset(out, 0, sizeof *out);
	if (cols < 10)
		cols = 10;
	out->cols = cols;
	out->label_cols = cols >= 36 ? label_width(cols) : 0;
	duban_item_init(&item);
	if (duban_item_get(t->st, item_id, &item) != DUBAN_OK) {
		add_line(out, NULL, _("This item no longer exists."), 0, TUI_EL_ERROR);
		duban_item_free(&item);
		return false;
	}
	snprintf(out->item_id, sizeof out->item_id, "%s", item.id);
	out->title = xasprintf("%s  %s", item.code, item.title);
	/* Conflicts first: they wait for the user, so they must not hide
	 * below a long item. */
	add_conflicts(t, out, item.id, cols);
	/* Where a requested item stands in its acceptance chain is what the
	 * signer looks for: above the fields. */
	add_acceptance(t, out, &item, cols);
	/* So is the notice for the office deciding whether to close. */
	add_notice(t, out, &item, cols);
	add_fields(t, out, &item, cols);
	add_clock_links(t, out, &item, cols);
	add_attachments(t, out, item.id, cols);
	add_line(out, NULL, "", 0, TUI_EL_DEFAULT);
	add_line(out, NULL, _("History"), 0, TUI_EL_TABLE_HEAD);
	struct history_ctx hc = { out, cols, 0 };
	if (duban_history_each(t->st, item.id, add_entry, &hc) != DUBAN_OK)
		add_line(out, NULL, duban_store_errmsg(t->st), 0, TUI_EL_ERROR);
	duban_item_free(&item);
	return true;
}

void tui_detail_draw(struct tui *t, const struct tui_detail *d, int top, WINDOW *win, int y, int x, int h, int w)
{
	for (int r = 0; r < h; r++) {
		int i = top + r;
		if (i < 0 || i >= d->n) {
			tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
			continue;
		}
		const struct tui_detail_line *l = &d->lines[i];
		/* A label without indent has the line to itself. */
		if (l->label && l->indent == 0) {
			tui_text(win, y + r, x, l->label, w, tui_attr(t, TUI_EL_LABEL));
			continue;
		}
		int indent = l->indent < w ? l->indent : w - 1;
		if (l->label)
			tui_text(win, y + r, x, l->label, indent, tui_attr(t, TUI_EL_LABEL));
		else if (indent > 0)
			tui_fill(win, y + r, x, indent, tui_attr(t, TUI_EL_DEFAULT));
		tui_text(win, y + r, x + indent, l->text, w - indent, tui_attr(t, l->el));
	}
}

int tui_detail_max_top(const struct tui_detail *d, int h)
{
	return d->n > h ? d->n - h : 0;
}

/* ---------------------------------------------------------------- the view */

struct detail_view {
	char *id;
	struct tui_detail lines;
	int top, height;
};

static void *detail_open(struct tui *t, void *arg)
{
	struct detail_view *v = xcalloc(1, sizeof *v);
	v->id = xstrdup(arg ? arg : "");
	/* Rendered now for the header's title; again if the width differs. */
	tui_detail_render(t, v->id, t->cols - 2, &v->lines);
	return v;
}

static void detail_close(void *self)
{
	struct detail_view *v = self;
	tui_detail_free(&v->lines);
	free(v->id);
	free(v);
}

static void detail_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct detail_view *v = self;
	int cols = w - 2;
	if (v->lines.cols != cols || !v->lines.lines) {
		tui_detail_free(&v->lines);
		tui_detail_render(t, v->id, cols, &v->lines);
	}
	v->height = h;
	if (v->top > tui_detail_max_top(&v->lines, h))
		v->top = tui_detail_max_top(&v->lines, h);
	if (v->top < 0)
		v->top = 0;
	for (int r = 0; r < h; r++) {
		tui_fill(win, y + r, x, 1, tui_attr(t, TUI_EL_DEFAULT));
		tui_fill(win, y + r, x + w - 1, 1, tui_attr(t, TUI_EL_DEFAULT));
	}
	tui_detail_draw(t, &v->lines, v->top, win, y, x + 1, h, cols);
}

static int scroll_to(struct detail_view *v, int top)
{
	int max = tui_detail_max_top(&v->lines, v->height);
	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	if (top == v->top)
		return TUI_HANDLED;
	v->top = top;
	return TUI_HANDLED | TUI_REDRAW;
}

int tui_detail_scroll(struct tui_detail *d, int *top, int height, enum tui_action a)
{
	int page = height > 1 ? height - 1 : 1;
	int to = *top;
	switch (a) {
	case TUI_ACT_MOVE_DOWN: case TUI_ACT_DETAIL_DOWN: to++; break;
	case TUI_ACT_MOVE_UP: case TUI_ACT_DETAIL_UP: to--; break;
	case TUI_ACT_PAGE_DOWN: to += page; break;
	case TUI_ACT_PAGE_UP: to -= page; break;
	case TUI_ACT_HALF_DOWN: to += height / 2; break;
	case TUI_ACT_HALF_UP: to -= height / 2; break;
	case TUI_ACT_FIRST: to = 0; break;
	case TUI_ACT_LAST: to = tui_detail_max_top(d, height); break;
	default: return TUI_IGNORED;
	}
	int max = tui_detail_max_top(d, height);
	if (to > max)
		to = max;
	if (to < 0)
		to = 0;
	if (to == *top)
		return TUI_HANDLED;
	*top = to;
	return TUI_HANDLED | TUI_REDRAW;
}

int tui_item_form(struct tui *t, enum tui_action a, const char *item_id)
{
	switch (a) {
	case TUI_ACT_ADD_NOTE: return tui_form_note(t, item_id);
	case TUI_ACT_ADD_INSPECTION: return tui_form_inspection(t, item_id);
	case TUI_ACT_ADD_ACTION: return tui_form_action(t, item_id);
	case TUI_ACT_CHANGE_STATUS: return tui_form_status(t, item_id);
	case TUI_ACT_EDIT_ITEM: return tui_form_edit(t, item_id);
	case TUI_ACT_ATTACH_FILE: return tui_attach(t, item_id);
	case TUI_ACT_OPEN_ATTACHMENT: return tui_open_attachment(t, item_id);
	case TUI_ACT_SIGN_ACCEPTANCE: return tui_form_accept(t, item_id);
	case TUI_ACT_ADD_OBJECTION: return tui_form_objection(t, item_id);
	case TUI_ACT_RESOLVE_OBJECTION: return tui_form_resolve_objection(t, item_id);
	default: return TUI_IGNORED;
	}
}

static int detail_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct detail_view *v = self;
	(void)key;
	switch (a) {
	case TUI_ACT_BACK:
	case TUI_ACT_QUIT:
	case TUI_ACT_ENTER:
		return TUI_HANDLED | TUI_CLOSE;
	case TUI_ACT_ADD_NOTE:
	case TUI_ACT_ADD_INSPECTION:
	case TUI_ACT_ADD_ACTION:
	case TUI_ACT_CHANGE_STATUS:
	case TUI_ACT_EDIT_ITEM:
	case TUI_ACT_ATTACH_FILE:
	case TUI_ACT_OPEN_ATTACHMENT:
	case TUI_ACT_SIGN_ACCEPTANCE:
	case TUI_ACT_ADD_OBJECTION:
	case TUI_ACT_RESOLVE_OBJECTION:
		if (!v->lines.item_id[0])
			return TUI_HANDLED;
		return TUI_HANDLED | tui_item_form(t, a, v->lines.item_id);
	case TUI_ACT_REFRESH:
		return TUI_HANDLED | TUI_RELOAD;
	default:
		break;
	}
	int top = v->top;
	int r = tui_detail_scroll(&v->lines, &top, v->height, a);
	if (r != TUI_IGNORED)
		return scroll_to(v, top);
	return TUI_IGNORED;
}

static void detail_reload(struct tui *t, void *self)
{
	struct detail_view *v = self;
	int cols = v->lines.cols;
	tui_detail_free(&v->lines);
	tui_detail_render(t, v->id, cols, &v->lines);
}

static char *detail_title(struct tui *t, void *self)
{
	struct detail_view *v = self;
	(void)t;
	return xstrdup(v->lines.title ? v->lines.title : "");
}

static int detail_mouse(struct tui *t, void *self, int y, int x, mmask_t buttons)
{
	struct detail_view *v = self;
	(void)t, (void)y, (void)x;
	int top = v->top;
#ifdef BUTTON5_PRESSED
	if (buttons & BUTTON5_PRESSED)
		top += 3;
#endif
	if (buttons & BUTTON4_PRESSED)
		top -= 3;
	return scroll_to(v, top);
}

static const enum tui_action detail_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_DETAIL_DOWN, TUI_ACT_DETAIL_UP, TUI_ACT_ENTER, TUI_ACT_ADD_NOTE,
	TUI_ACT_ADD_INSPECTION, TUI_ACT_ADD_ACTION, TUI_ACT_CHANGE_STATUS, TUI_ACT_EDIT_ITEM, TUI_ACT_ATTACH_FILE,
	TUI_ACT_OPEN_ATTACHMENT, TUI_ACT_SIGN_ACCEPTANCE, TUI_ACT_ADD_OBJECTION, TUI_ACT_RESOLVE_OBJECTION, TUI_ACT_NONE
};

const struct tui_view_ops tui_detail_view = {
	.name = "detail",
	.open = detail_open,
	.close = detail_close,
	.draw = detail_draw,
	.handle = detail_handle,
	.reload = detail_reload,
	.title = detail_title,
	.idle = NULL,
	.mouse = detail_mouse,
	.actions = detail_actions,
};
