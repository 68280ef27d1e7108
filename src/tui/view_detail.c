/* One item in full, in sections (TUI_DETAIL_SECTIONS): its fields, its
 * history (the changes), its records (inspections and sign-offs, actions,
 * notes) and its attachments.  The renderer is shared by the ledger's pane,
 * a preview, and the full-screen detail view, which has a section bar and
 * jump keys. */
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

/* What the section builders share while rendering. */
struct build {
	struct tui *t;
	struct tui_detail *d;
	const struct duban_item *item;
	int cols;
	enum tui_detail_section sec; /* of the lines being added */
	const char *rec;             /* the record they show, or NULL */
	int count;                   /* entries a builder added */
};

const char *tui_detail_section_title(enum tui_detail_section s)
{
	static const char *const titles[TUI_SEC_COUNT] = {
#define TUI_DETAIL_SECTION_TITLE(id, title) title,
		TUI_DETAIL_SECTIONS(TUI_DETAIL_SECTION_TITLE)
#undef TUI_DETAIL_SECTION_TITLE
	};
	return s < TUI_SEC_COUNT ? _(titles[s]) : "";
}

static struct tui_detail_line *new_line(struct tui_detail *d)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->lines = xrealloc(d->lines, (size_t)d->cap * sizeof *d->lines);
	}
	struct tui_detail_line *l = &d->lines[d->n++];
	memset(l, 0, sizeof *l);
	return l;
}

static void add_line(struct build *b, const char *label, const char *text, int indent, enum tui_element el)
{
	struct tui_detail_line *l = new_line(b->d);
	l->a.label = label ? xstrdup(label) : NULL;
	l->a.text = xstrdup(text ? text : "");
	l->a.indent = indent;
	l->a.el = el;
	l->section = b->sec;
	if (b->rec)
		snprintf(l->rec, sizeof l->rec, "%s", b->rec);
}

/* Adds text wrapped to cols - indent columns; the first line carries the
 * label, the others hang at indent. */
static void add_wrapped(struct build *b, const char *label, const char *text, int indent, int first_indent,
			enum tui_element el)
{
	int width = b->cols - indent;
	if (width < 8)
		width = 8;
	char *clean = duban_sanitize(text ? text : "", true);
	char **lines = duban_wrap(clean, width);
	free(clean);
	if (!lines || !lines[0]) {
		add_line(b, label, "", first_indent, el);
		duban_lines_free(lines);
		return;
	}
	for (int i = 0; lines[i]; i++)
		add_line(b, i ? NULL : label, lines[i], i ? indent : first_indent, el);
	duban_lines_free(lines);
}

/* A section's blank line and heading; where a jump to it lands. */
static void add_heading(struct build *b, const char *title)
{
	add_line(b, NULL, "", 0, TUI_EL_DEFAULT);
	b->d->start[b->sec] = b->d->n;
	add_line(b, NULL, title, 0, TUI_EL_TABLE_HEAD);
}

/* Takes lines from `from` on out of d (the builder added nothing worth a
 * section). */
static void drop_lines(struct tui_detail *d, int from)
{
	for (int i = from; i < d->n; i++) {
		free(d->lines[i].a.label);
		free(d->lines[i].a.text);
		free(d->lines[i].b.label);
		free(d->lines[i].b.text);
	}
	d->n = from;
}

void tui_detail_free(struct tui_detail *d)
{
	drop_lines(d, 0);
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
 * its own line above the value.  In the preview the value keeps to one
 * line, so that the pane's lines stay where they are from item to item. */
static void add_field(struct build *b, const char *label, const char *value, enum tui_element el)
{
	int lc = b->d->label_cols;
	bool fits = duban_str_width(label) < lc;
	if (lc >= 8 && b->d->preview) {
		char *clean = duban_sanitize(value, false);
		/* A long title on its own line rather than cut short. */
		if (!fits)
			add_line(b, label, "", 0, TUI_EL_LABEL);
		add_line(b, fits ? label : NULL, clean, lc, el);
		free(clean);
		return;
	}
	if (lc >= 8 && fits) {
		add_wrapped(b, label, value, lc, lc, el);
		return;
	}
	if (lc >= 8) {
		add_line(b, label, "", 0, TUI_EL_LABEL);
		add_wrapped(b, NULL, value, lc, lc, el);
		return;
	}
	add_line(b, label, "", 0, TUI_EL_LABEL);
	add_wrapped(b, NULL, value, 2, 2, el);
}

/* Whether field bit i gets a line though empty: a sticky field of the
 * preview. */
static bool sticky(struct tui_detail *d, int i)
{
	return d->preview && i >= 0 && i <= TUI_DETAIL_DUE_BIT && ((d->sticky >> i) & 1);
}

/* Field bit i has a line (for the next item's sticky fields). */
static void mark_shown(struct tui_detail *d, int i)
{
	if (i >= 0 && i <= TUI_DETAIL_DUE_BIT)
		d->shown |= UINT64_C(1) << i;
}

static enum tui_element due_element(const struct duban_item *item, enum duban_light light, duban_date today)
{
	if (item->deadline != DUBAN_DATE_NONE && item->deadline < today)
		return TUI_EL_OVERDUE;
	return light == DUBAN_LIGHT_YELLOW ? TUI_EL_DUE_SOON : TUI_EL_DEFAULT;
}

static void add_fields(struct build *b)
{
	const struct duban_item *item = b->item;
	duban_date today = duban_today();
	enum duban_light light = duban_item_light(item, today, duban_store_light_rules(b->t->st));

	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *raw = duban_field_format(f, item);
		char *shown = hidden(f, item, raw) ? xstrdup("")
			      : f->offset == offsetof(struct duban_item, progress) ? xasprintf("%d%%", item->progress)
			      : value_display(f, raw);
		/* The bits below the days left's: more fields would not keep
		 * their lines, nothing worse. */
		int bit = i < TUI_DETAIL_DUE_BIT ? (int)i : -1;
		if (*shown || sticky(b->d, bit)) {
			add_field(b, _(f->title), shown, TUI_EL_DEFAULT);
			mark_shown(b->d, bit);
		}
		free(shown);
		free(raw);
	}
	char *lv = xasprintf("%s %s", duban_light_symbol(light), duban_light_name(light));
	add_field(b, _("Warning light"), lv, light == DUBAN_LIGHT_RED ? TUI_EL_LIGHT_RED
		  : light == DUBAN_LIGHT_YELLOW ? TUI_EL_LIGHT_YELLOW : TUI_EL_DEFAULT);
	free(lv);
	char *due = item->status < DUBAN_STATUS_VERIFIED && item->deadline_kind != DUBAN_DEADLINE_ONGOING
		? tui_due_text(item->deadline, item->deadline_kind, today) : NULL;
	if ((due && *due) || sticky(b->d, TUI_DETAIL_DUE_BIT)) {
		add_field(b, _("Due"), due ? due : "", due_element(item, light, today));
		mark_shown(b->d, TUI_DETAIL_DUE_BIT);
	}
	free(due);
	char when[32];
	add_field(b, _("Updated"), duban_timestamp_local(item->updated_at, false, when), TUI_EL_DIM);
}

/* Moves the lines from `from` on into two columns: the first half of the
 * fields on the left, the rest beside them, a field never split. */
static void fold_columns(struct tui_detail *d, int from, int x2)
{
	int n = d->n - from;
	int split = from + (n + 1) / 2;
	while (split < d->n && !d->lines[split].a.label)
		split++;
	int left = split - from, right = d->n - split;
	int rows = left > right ? left : right;
	struct tui_detail_line *tmp = xcalloc((size_t)(n > 0 ? n : 1), sizeof *tmp);
	memcpy(tmp, &d->lines[from], (size_t)n * sizeof *tmp);
	for (int r = 0; r < rows; r++) {
		struct tui_detail_line *l = &d->lines[from + r];
		struct tui_detail_line blank = { .section = tmp[0].section };
		*l = r < left ? tmp[r] : blank;
		if (!l->a.text)
			l->a.text = xstrdup("");
		if (r < right) {
			l->b = tmp[left + r].a;
			l->x2 = x2;
		}
	}
	d->n = from + rows;
	free(tmp);
}

/* ---------------------------------------------------------------- conflicts */

/* The item's unresolved conflicts, above its fields: they wait for the
 * user, so they must not hide below a long item. */
static void add_conflicts(struct build *b)
{
	struct tui *t = b->t;
	struct duban_conflict *c = NULL;
	int n = 0;

	if (!duban_item_has_conflict(t->st, b->item->id))
		return;
	if (duban_conflicts_list(t->st, b->item->id, &c, &n) != DUBAN_OK || n == 0) {
		duban_conflicts_free(c, n);
		return;
	}
	char *key = tui_first_key(t, "generic", TUI_ACT_VIEW_CONFLICTS);
	char *head = *key ? xasprintf(_("! Conflicts — press %s to resolve"), key) : xstrdup(_("! Conflicts"));
	add_line(b, NULL, head, 0, TUI_EL_CONFLICT);
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
		add_wrapped(b, NULL, line, 2, 0, TUI_EL_CONFLICT);
		free(line);
	}
	add_line(b, NULL, "", 0, TUI_EL_DEFAULT);
	duban_conflicts_free(c, n);
}

/* "验收：县级初验 ✓ → 市级验收 (next)" for a requested item: what the
 * signer looks for, above the fields. */
static void add_acceptance(struct build *b)
{
	struct tui *t = b->t;
	if (b->item->status != DUBAN_STATUS_REQUESTED)
		return;
	struct duban_acceptance_chain c;
	int next = 0;
	if (duban_item_chain(t->st, b->item->id, &c) != DUBAN_OK ||
	    duban_acceptance_progress(t->st, b->item->id, &next) != DUBAN_OK)
		return;
	char *chain = tui_chain_text(&c, next);
	add_field(b, _("Acceptance"), chain, TUI_EL_DEFAULT);
	free(chain);
}

/* The feedback clock, the repeat count and the links (issue 15): after
 * the fields, one line each. */
static void add_clock_links(struct build *bd)
{
	duban_date today = duban_today();
	duban_date due = duban_item_feedback_due(bd->item, duban_store_feedback_rules(bd->t->st));
	if (due != DUBAN_DATE_NONE) {
		char date[11];
		char *v = due < today ? xasprintf(_("%s %s, overdue"), duban_light_symbol(DUBAN_LIGHT_RED),
						  duban_date_format(due, date))
				      : xstrdup(duban_date_format(due, date));
		add_field(bd, _("Feedback due"), v, due < today ? TUI_EL_OVERDUE : TUI_EL_DEFAULT);
		free(v);
	}
	int repeats = duban_repeat_count(bd->t->st, bd->item->code);
	if (repeats > 0) {
		char *v = xasprintf("%d", repeats);
		add_field(bd, _("Repeats"), v, TUI_EL_DEFAULT);
		free(v);
	}
	struct duban_linked *v = NULL;
	int n = 0;
	if (duban_links_of(bd->t->st, bd->item->id, &v, &n) != DUBAN_OK)
		return;
	for (int i = 0; i < n; i++) {
		const char *how = v[i].kind != DUBAN_LINK_REPEAT ? _("linked") : v[i].outgoing ? _("repeat of") : _("repeated by");
		char *line = xasprintf("%s %s %s", how, *v[i].code ? v[i].code : v[i].other_id, v[i].title);
		add_field(bd, i == 0 ? _("Links") : "", line, TUI_EL_DEFAULT);
		free(line);
	}
	duban_linked_free(v, n);
}

/* The public notice (公示) and its objections, each with its state. */
static void add_notice(struct build *bd)
{
	struct duban_notice *r;
	struct duban_notice_state ns;
	size_t n;
	char a[11], b[11];

	if (duban_notice_list(bd->t->st, bd->item->id, &r, &n) != DUBAN_OK || !n) {
		duban_notices_free(r, n);
		return;
	}
	duban_notice_state(r, n, &ns);
	if (ns.notice >= 0) {
		const struct duban_notice *o = &r[ns.notice];
		const char *state = bd->item->status != DUBAN_STATUS_PUBLICIZED ? ""
				    : o->end >= duban_today() ? _(" (running)") : _(" (ended: due for closing)");
		/* The preview's one line is cut at the pane's edge: there the
		 * end and the state, which say whether the item may close. */
		char *text = bd->d->preview ? xasprintf(_("until %s%s"), duban_date_format(o->end, b), state)
					    : xasprintf(_("%s to %s%s"), duban_date_format(o->date, a),
							duban_date_format(o->end, b), state);
		add_field(bd, _("Public notice"), text, TUI_EL_DEFAULT);
		free(text);
		if (o->place && *o->place)
			add_field(bd, _("Published at"), o->place, TUI_EL_DEFAULT);
		if (o->contact && *o->contact)
			add_field(bd, _("Objections to"), o->contact, TUI_EL_DEFAULT);
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
		if (bd->d->preview) {
			/* The state first: the preview's one line is cut at
			 * the pane's edge, and open or settled is what counts. */
			free(text);
			/* TRANSLATORS: an objection in the preview pane: its
			 * state, when (and who), the text. */
			text = xasprintf(_("[%s] %s: %s"), state, when, r[i].text ? r[i].text : "");
		}
		free(when);
		add_field(bd, label, text, by < 0 ? TUI_EL_ERROR : TUI_EL_DEFAULT);
		free(label);
		free(state);
		free(text);
	}
	duban_notices_free(r, n);
}

/* The first section: conflicts, the acceptance chain, the fields (in two
 * columns on a wide full view). */
static void build_fields(struct build *b)
{
	b->d->start[TUI_SEC_FIELDS] = b->d->n;
	add_conflicts(b);
	add_acceptance(b);
	/* So is the notice, for the office deciding whether to close. */
	add_notice(b);
	if (!b->d->two_columns) {
		add_fields(b);
		add_clock_links(b);
		return;
	}
	int from = b->d->n, cols = b->cols;
	int x2 = cols / 2 + 1;
	b->cols = cols / 2 - 1;
	add_fields(b);
	add_clock_links(b);
	b->cols = cols;
	fold_columns(b->d, from, x2);
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

/* "YYYY-MM-DD HH:MM author: what (received …)": every line of the
 * history and the records alike. */
static void add_entry_line(struct build *b, const char *created_at, const char *author, const char *what,
			   const char *received, enum tui_element el)
{
	char when[32];
	char *got = duban_received_text(received);
	char *line = xasprintf("%s %s: %s%s", duban_timestamp_local(created_at, false, when), author, what, got);
	add_wrapped(b, NULL, line, 2, 0, el);
	free(line);
	free(got);
	b->count++;
}

/* The history: the item's changes (created, fields, status moves). */
static int add_event(const struct duban_history_entry *e, void *data)
{
	struct build *b = data;
	if (!e->event)
		return 0;
	char *what = event_text(e->event);
	add_entry_line(b, e->event->created_at, e->event->author, what, e->event->received_at, TUI_EL_DIM);
	free(what);
	return 0;
}

/* The records: inspections (a sign-off is one with a level), supervision
 * actions and notes, each marked with its id so that one just saved can be
 * found and shown. */
static int add_record(const struct duban_history_entry *e, void *data)
{
	struct build *b = data;
	if (e->note) {
		b->rec = e->note->id;
		add_entry_line(b, e->note->created_at, e->note->author, e->note->text, e->note->received_at,
			       TUI_EL_DEFAULT);
	} else if (e->inspection) {
		char *what = duban_inspection_text(e->inspection);
		b->rec = e->inspection->id;
		add_entry_line(b, e->inspection->created_at, e->inspection->author, what, e->inspection->received_at,
			       e->inspection->passed ? TUI_EL_DEFAULT : TUI_EL_OVERDUE);
		free(what);
	} else if (e->action) {
		char *what = duban_action_summary(e->action);
		b->rec = e->action->id;
		add_entry_line(b, e->action->created_at, e->action->author, what, e->action->received_at,
			       TUI_EL_DEFAULT);
		free(what);
	}
	b->rec = NULL;
	return 0;
}

/* A section of entries from the item's history, newest first; "none" when
 * it has none (the full view can still jump to it). */
static void build_entries(struct build *b, duban_history_cb each)
{
	add_heading(b, tui_detail_section_title(b->sec));
	b->count = 0;
	if (duban_history_each(b->t->st, b->item->id, each, b) != DUBAN_OK)
		add_line(b, NULL, duban_store_errmsg(b->t->st), 0, TUI_EL_ERROR);
	else if (b->count == 0)
		add_line(b, NULL, _("none"), 2, TUI_EL_DIM);
}

static void build_history(struct build *b)
{
	build_entries(b, add_event);
}

static void build_records(struct build *b)
{
	build_entries(b, add_record);
}

/* ---------------------------------------------------------------- attachments */

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
	struct build *b = data;
	const struct duban_attachment *a = e->attachment;
	if (!a)
		return 0;
	char *size = size_text(a->size);
	char when[32];
	/* received_at is set when duband has the record: until then it is
	 * queued on this device. */
	char *line = xasprintf("%s · %s · %s · %s · %s %s", a->name, duban_evidence_name(a->kind), size,
			       a->received_at[0] ? _("sent") : _("queued"),
			       duban_timestamp_local(a->created_at, false, when), a->author);
	b->rec = a->id;
	add_wrapped(b, NULL, line, 4, 2, TUI_EL_DEFAULT);
	b->rec = NULL;
	b->count++;
	free(line);
	free(size);
	return 0;
}

/* The attachments (佐证材料), each with its kind, size and sync state; no
 * section for an item without any (the full view's bar shows it dim). */
static void build_attachments(struct build *b)
{
	int head = b->d->n;
	b->count = 0;
	add_heading(b, tui_detail_section_title(b->sec));
	duban_history_each(b->t->st, b->item->id, add_attachment, b);
	if (b->count)
		return;
	drop_lines(b->d, head);
	b->d->start[b->sec] = -1;
}

/* ---------------------------------------------------------------- render */

/* The builders, one per section of TUI_DETAIL_SECTIONS, in its order. */
static void (*const builders[TUI_SEC_COUNT])(struct build *b) = {
	[TUI_SEC_FIELDS] = build_fields,
	[TUI_SEC_HISTORY] = build_history,
	[TUI_SEC_RECORDS] = build_records,
	[TUI_SEC_ATTACHMENTS] = build_attachments,
};

bool tui_detail_render(struct tui *t, const char *item_id, const struct tui_detail_opts *o, struct tui_detail *out)
{
	struct duban_item item;
	int cols = o->cols < 10 ? 10 : o->cols;

	memset(out, 0, sizeof *out);
	for (int s = 0; s < TUI_SEC_COUNT; s++)
		out->start[s] = -1;
	out->cols = cols;
	out->preview = o->preview;
	out->two_columns = o->two_columns;
	out->sticky = o->sticky;
	int field_cols = o->two_columns ? cols / 2 - 1 : cols;
	out->label_cols = field_cols >= 36 ? label_width(field_cols) : 0;
	struct build b = { .t = t, .d = out, .item = &item, .cols = cols };
	duban_item_init(&item);
	if (duban_item_get(t->st, item_id, &item) != DUBAN_OK) {
		add_line(&b, NULL, _("This item no longer exists."), 0, TUI_EL_ERROR);
		duban_item_free(&item);
		return false;
	}
	snprintf(out->item_id, sizeof out->item_id, "%s", item.id);
	out->title = xasprintf("%s  %s", item.code, item.title);
	for (int s = 0; s < TUI_SEC_COUNT; s++) {
		b.sec = (enum tui_detail_section)s;
		if (builders[s])
			builders[s](&b);
	}
	duban_item_free(&item);
	return true;
}

static void draw_part(struct tui *t, const struct tui_detail_part *p, attr_t mark, WINDOW *win, int y, int x, int w)
{
	if (w <= 0)
		return;
	/* A label without indent has the line to itself. */
	if (p->label && p->indent == 0) {
		tui_text(win, y, x, p->label, w, tui_attr(t, TUI_EL_LABEL) | mark);
		return;
	}
	int indent = p->indent < w ? p->indent : w - 1;
	if (p->label)
		tui_text(win, y, x, p->label, indent, tui_attr(t, TUI_EL_LABEL));
	else if (indent > 0)
		tui_fill(win, y, x, indent, tui_attr(t, TUI_EL_DEFAULT));
	tui_text(win, y, x + indent, p->text ? p->text : "", w - indent, mark ? mark : tui_attr(t, p->el));
}

void tui_detail_draw(struct tui *t, const struct tui_detail *d, int top, const char *mark, WINDOW *win, int y, int x,
		     int h, int w)
{
	for (int r = 0; r < h; r++) {
		int i = top + r;
		if (i < 0 || i >= d->n) {
			tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
			continue;
		}
		const struct tui_detail_line *l = &d->lines[i];
		attr_t m = mark && *mark && strcmp(l->rec, mark) == 0 ? tui_attr(t, TUI_EL_CURSOR) : 0;
		if (!l->b.text || l->x2 <= 0 || l->x2 >= w) {
			draw_part(t, &l->a, m, win, y + r, x, w);
			continue;
		}
		draw_part(t, &l->a, m, win, y + r, x, l->x2 - 1);
		tui_fill(win, y + r, x + l->x2 - 1, 1, tui_attr(t, TUI_EL_DEFAULT));
		draw_part(t, &l->b, m, win, y + r, x + l->x2, w - l->x2);
	}
}

int tui_detail_max_top(const struct tui_detail *d, int h)
{
	return d->n > h ? d->n - h : 0;
}

enum tui_detail_section tui_detail_section_at(const struct tui_detail *d, int line)
{
	if (d->n == 0)
		return TUI_SEC_FIELDS;
	if (line >= d->n)
		line = d->n - 1;
	return d->lines[line < 0 ? 0 : line].section;
}

static bool has_record(const struct tui_detail *d, const char *rec)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->lines[i].rec, rec) == 0)
			return true;
	return false;
}

int tui_detail_top_for(const struct tui_detail *d, int line, int height)
{
	int head = d->start[d->lines[line].section];
	int top = head >= 0 && line - head < height / 2 ? head : line - 1;
	return top < 0 ? 0 : top;
}

int tui_detail_new_record(const struct tui_detail *before, const struct tui_detail *after, char rec[37])
{
	for (int i = 0; i < after->n; i++) {
		const char *r = after->lines[i].rec;
		if (*r && !has_record(before, r)) {
			snprintf(rec, 37, "%s", r);
			return i;
		}
	}
	rec[0] = '\0';
	return -1;
}

int tui_detail_scroll(int *top, int max, int height, enum tui_action a)
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
	case TUI_ACT_LAST: to = max; break;
	default: return TUI_IGNORED;
	}
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

/* ---------------------------------------------------------------- the view */

/* The full-screen form of an item: a section bar, then its sections to
 * scroll through or jump between. */
struct detail_view {
	char *id;
	struct tui_detail lines;
	int top, height;
	char mark[37];            /* the record just saved, highlighted */
	struct tui_detail before; /* the lines before a form ran */
	bool after_form;
	int bar_y, bar_end[TUI_SEC_COUNT]; /* the section bar, for the mouse */
};

/* At 120 columns and more the fields go in two columns. */
#define TWO_COLUMNS_MIN 120

static void render(struct tui *t, struct detail_view *v, int cols)
{
	struct tui_detail_opts o = { .cols = cols, .two_columns = cols + 2 >= TWO_COLUMNS_MIN };
	tui_detail_free(&v->lines);
	tui_detail_render(t, v->id, &o, &v->lines);
}

static void *detail_open(struct tui *t, void *arg)
{
	struct detail_view *v = xcalloc(1, sizeof *v);
	v->id = xstrdup(arg ? arg : "");
	/* Rendered now for the header's title; again if the width differs. */
	render(t, v, t->cols - 2);
	return v;
}

static void detail_close(void *self)
{
	struct detail_view *v = self;
	tui_detail_free(&v->lines);
	tui_detail_free(&v->before);
	free(v->id);
	free(v);
}

/* The furthest the view scrolls: the last line at the bottom, or the last
 * section's heading at the top, whichever is further (a jump to a short
 * last section puts it at the top). */
static int max_top(const struct detail_view *v)
{
	int max = tui_detail_max_top(&v->lines, v->height);
	for (int s = 0; s < TUI_SEC_COUNT; s++)
		if (v->lines.start[s] > max)
			max = v->lines.start[s];
	return max;
}

/* The bar's entries, " 1 Fields " or on a narrow screen "1 Fields". */
static char *bar_entry(int s, bool narrow)
{
	const char *title = tui_detail_section_title((enum tui_detail_section)s);
	return narrow ? xasprintf("%d %s", s + 1, title) : xasprintf(" %d %s ", s + 1, title);
}

static bool bar_narrow(int w)
{
	int need = 1;
	for (int s = 0; s < TUI_SEC_COUNT; s++) {
		char *e = bar_entry(s, false);
		need += duban_str_width(e) + 1;
		free(e);
	}
	return need > w;
}

/* " 1 Fields  2 History  3 Records  4 Attachments": the section at the
 * top of the screen marked, the absent ones dim.  Where each entry ends
 * is kept for the mouse. */
static void draw_bar(struct tui *t, struct detail_view *v, WINDOW *win, int y, int x, int w)
{
	enum tui_detail_section here = tui_detail_section_at(&v->lines, v->top);
	bool narrow = bar_narrow(w);
	tui_fill(win, y, x, w, tui_attr(t, TUI_EL_BAR));
	v->bar_y = y;
	int cx = x + 1;
	for (int s = 0; s < TUI_SEC_COUNT; s++) {
		char *item = bar_entry(s, narrow);
		int iw = duban_str_width(item);
		attr_t a = s == (int)here ? tui_attr(t, TUI_EL_CURSOR)
			: v->lines.start[s] < 0 ? tui_attr(t, TUI_EL_DIM) : tui_attr(t, TUI_EL_BAR);
		if (cx < x + w)
			cx += tui_text(win, y, cx, item, iw < x + w - cx ? iw : x + w - cx, a);
		v->bar_end[s] = cx;
		cx++;
		free(item);
	}
}

static void detail_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct detail_view *v = self;
	int cols = w - 2;
	if (v->lines.cols != cols || !v->lines.lines)
		render(t, v, cols);
	v->height = h > 1 ? h - 1 : 1;
	if (v->top > max_top(v))
		v->top = max_top(v);
	if (v->top < 0)
		v->top = 0;
	draw_bar(t, v, win, y, x, w);
	for (int r = 1; r < h; r++) {
		tui_fill(win, y + r, x, 1, tui_attr(t, TUI_EL_DEFAULT));
		tui_fill(win, y + r, x + w - 1, 1, tui_attr(t, TUI_EL_DEFAULT));
	}
	tui_detail_draw(t, &v->lines, v->top, v->mark, win, y + 1, x + 1, h - 1, cols);
}

static int scroll_to(struct detail_view *v, int top)
{
	int max = max_top(v);
	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	if (top == v->top)
		return TUI_HANDLED;
	v->top = top;
	return TUI_HANDLED | TUI_REDRAW;
}

/* The section a jump lands on: `]` the next one present after the one at
 * the top, `[` the one before (or this one's heading when scrolled into
 * it), a digit that section. */
static int section_target(const struct detail_view *v, enum tui_action a, int key)
{
	const int *start = v->lines.start;
	int here = (int)tui_detail_section_at(&v->lines, v->top);
	if (a == TUI_ACT_GOTO_SECTION) {
		int s = tui_key_char(key) - '1';
		return s >= 0 && s < TUI_SEC_COUNT ? start[s] : -1;
	}
	if (a == TUI_ACT_NEXT_SECTION) {
		for (int s = here + 1; s < TUI_SEC_COUNT; s++)
			if (start[s] >= 0)
				return start[s];
		return -1;
	}
	if (start[here] >= 0 && start[here] < v->top)
		return start[here];
	for (int s = here - 1; s >= 0; s--)
		if (start[s] >= 0)
			return start[s];
	return -1;
}

static int jump(struct tui *t, struct detail_view *v, enum tui_action a, int key)
{
	int to = section_target(v, a, key);
	if (to < 0) {
		if (a == TUI_ACT_GOTO_SECTION)
			tui_message(t, false, "%s", _("this item has no such section"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	return scroll_to(v, to) | TUI_REDRAW;
}

/* A form on the item; what it saved is found on the reload that follows
 * (detail_reload) and shown. */
static int item_form(struct tui *t, struct detail_view *v, enum tui_action a)
{
	if (!v->lines.item_id[0])
		return TUI_HANDLED;
	char id[37];
	snprintf(id, sizeof id, "%s", v->lines.item_id);
	tui_detail_free(&v->before);
	v->before = v->lines;
	memset(&v->lines, 0, sizeof v->lines);
	render(t, v, v->before.cols);
	v->after_form = true;
	int r = tui_item_form(t, a, id);
	if (!(r & TUI_RELOAD)) {
		v->after_form = false;
		tui_detail_free(&v->before);
	}
	return TUI_HANDLED | TUI_REDRAW | r;
}

static int detail_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct detail_view *v = self;
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
		return item_form(t, v, a);
	case TUI_ACT_NEXT_SECTION:
	case TUI_ACT_PREV_SECTION:
	case TUI_ACT_GOTO_SECTION:
		return jump(t, v, a, key);
	case TUI_ACT_REFRESH:
		return TUI_HANDLED | TUI_RELOAD;
	default:
		break;
	}
	int top = v->top;
	if (tui_detail_scroll(&top, max_top(v), v->height, a) != TUI_IGNORED)
		return scroll_to(v, top);
	return TUI_IGNORED;
}

/* After a form saved something: the new record highlighted. */
static void show_new_record(struct detail_view *v)
{
	int line = tui_detail_new_record(&v->before, &v->lines, v->mark);
	tui_detail_free(&v->before);
	v->after_form = false;
	if (line >= 0)
		v->top = tui_detail_top_for(&v->lines, line, v->height);
}

static void detail_reload(struct tui *t, void *self)
{
	struct detail_view *v = self;
	render(t, v, v->lines.cols);
	if (v->after_form)
		show_new_record(v);
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
	int top = v->top;
	/* A click on the section bar jumps there. */
	if (y == v->bar_y && (buttons & (BUTTON1_CLICKED | BUTTON1_PRESSED))) {
		for (int s = 0; s < TUI_SEC_COUNT; s++)
			if (x < v->bar_end[s])
				return jump(t, v, TUI_ACT_GOTO_SECTION, '1' + s);
		return TUI_HANDLED;
	}
#ifdef BUTTON5_PRESSED
	if (buttons & BUTTON5_PRESSED)
		top += 3;
#endif
	if (buttons & BUTTON4_PRESSED)
		top -= 3;
	return scroll_to(v, top);
}

static const enum tui_action detail_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_DETAIL_DOWN, TUI_ACT_DETAIL_UP, TUI_ACT_ENTER, TUI_ACT_NEXT_SECTION,
	TUI_ACT_PREV_SECTION, TUI_ACT_GOTO_SECTION, TUI_ACT_ADD_NOTE, TUI_ACT_ADD_INSPECTION, TUI_ACT_ADD_ACTION,
	TUI_ACT_CHANGE_STATUS, TUI_ACT_EDIT_ITEM, TUI_ACT_ATTACH_FILE, TUI_ACT_OPEN_ATTACHMENT,
	TUI_ACT_SIGN_ACCEPTANCE, TUI_ACT_ADD_OBJECTION, TUI_ACT_RESOLVE_OBJECTION, TUI_ACT_NONE
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
