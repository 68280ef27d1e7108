/* 调度 rounds as the office and the people in charge work them: opening,
 * closing, submitting (each in one transaction), the members' standing and
 * the status figures per county or lead unit.  The records themselves are
 * the store's (duban_dispatch_rec_add). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/dispatch.h"
#include "duban/util.h"
#include "store_internal.h"

/* ---------------------------------------------------------------- records */

static const char *const kind_ids[DUBAN_DISPATCH_KIND_COUNT] = { "open", "close", "report" };
static const char *const state_ids[DUBAN_DISPATCH_STATE_COUNT] = { "missing", "on_time", "late" };
static const char *const state_names[DUBAN_DISPATCH_STATE_COUNT] = { NC_("dispatch state", "missing"), N_("on time"),
									 N_("late") };

const char *duban_dispatch_kind_id(enum duban_dispatch_kind k)
{
	return (unsigned)k < DUBAN_DISPATCH_KIND_COUNT ? kind_ids[k] : "";
}

int duban_dispatch_kind_parse(const char *s)
{
	for (int i = 0; s && i < DUBAN_DISPATCH_KIND_COUNT; i++)
		if (strcmp(s, kind_ids[i]) == 0)
			return i;
	return -1;
}

void duban_dispatch_rec_free(struct duban_dispatch_rec *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->title);
	free(r->filters);
	free(r->text);
	free(r->author);
	r->name = r->title = r->filters = r->text = r->author = NULL;
}

void duban_dispatch_recs_free(struct duban_dispatch_rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		duban_dispatch_rec_free(&r[i]);
	free(r);
}

static enum duban_err check_fail(char *msg, size_t msglen, const char *text)
{
	snprintf(msg, msglen, "%s", text);
	return DUBAN_ERR_INVALID;
}

enum duban_err duban_dispatch_rec_check(const struct duban_dispatch_rec *r, char *msg, size_t msglen)
{
	if ((unsigned)r->kind >= DUBAN_DISPATCH_KIND_COUNT)
		return check_fail(msg, msglen, _("unknown kind of dispatch record"));
	if (!duban_uuid_valid(r->round_id))
		return check_fail(msg, msglen, _("a dispatch record needs its round's id"));
	if (!r->name || !*r->name)
		return check_fail(msg, msglen, _("a dispatch round needs a name"));
	if (!duban_text_within("round name", r->name, 100, msg, msglen) ||
	    !duban_text_within("round title", r->title, DUBAN_MAX_TEXT_CHARS, msg, msglen) ||
	    !duban_text_within("round filters", r->filters, DUBAN_MAX_TEXT_CHARS, msg, msglen) ||
	    !duban_text_within("submission text", r->text, DUBAN_MAX_TEXT_CHARS, msg, msglen))
		return DUBAN_ERR_INVALID;
	if (r->kind == DUBAN_DISPATCH_OPEN && r->due == DUBAN_DATE_NONE)
		return check_fail(msg, msglen, _("a dispatch round needs a due date"));
	if (r->kind != DUBAN_DISPATCH_REPORT)
		return DUBAN_OK;
	if (r->progress < 0 || r->progress > 100) {
		snprintf(msg, msglen, _("progress must be 0 to 100, not %d"), r->progress);
		return DUBAN_ERR_INVALID;
	}
	if (!r->text || !*r->text)
		return check_fail(msg, msglen, _("a submission needs a text"));
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- states */

const char *duban_dispatch_state_id(enum duban_dispatch_state s)
{
	return (unsigned)s < DUBAN_DISPATCH_STATE_COUNT ? state_ids[s] : "";
}

const char *duban_dispatch_state_name(enum duban_dispatch_state s)
{
	return (unsigned)s < DUBAN_DISPATCH_STATE_COUNT ? duban_pgettext(state_names[s]) : "";
}

enum duban_dispatch_state duban_dispatch_state_of(duban_date due, duban_date first)
{
	if (first == DUBAN_DATE_NONE)
		return DUBAN_DISPATCH_MISSING;
	return due == DUBAN_DATE_NONE || first <= due ? DUBAN_DISPATCH_ON_TIME : DUBAN_DISPATCH_LATE;
}

/* ---------------------------------------------------------------- transactions */

/* Ends the transaction a command opened: commits, or rolls back and keeps
 * the message that said why. */
static enum duban_err in_transaction(duban_store *st, enum duban_err err)
{
	if (err != DUBAN_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", duban_store_errmsg(st));
		duban_store_rollback(st);
		return store_fail(st, err, "%s", msg);
	}
	return duban_store_commit(st);
}

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return xstrdup(t ? (const char *)t : "");
}

static duban_date col_date(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) != SQLITE_TEXT)
		return DUBAN_DATE_NONE;
	return duban_date_parse((const char *)sqlite3_column_text(s, i));
}

static void col_fixed(char *dst, size_t size, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* ---------------------------------------------------------------- rounds */

void duban_dispatch_free(struct duban_dispatch *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->title);
	free(d->filters);
	free(d->opened_by);
	d->name = d->title = d->filters = d->opened_by = NULL;
}

void duban_dispatches_free(struct duban_dispatch *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		duban_dispatch_free(&d[i]);
	free(d);
}

/* One row per round: the header from its first opening record. */
#define ROUND_SQL                                                                                             \
	"/* dispatch */ SELECT d.round_id, d.name, d.title, d.filters, d.due, d.date, d.author,"               \
	" count(DISTINCT d.item_id),"                                                                         \
	" (SELECT max(c.date) FROM dispatch c WHERE c.name = d.name AND c.kind = 'close'),"                   \
	" (SELECT count(*) FROM dispatch c WHERE c.name = d.name AND c.kind = 'close'),"                      \
	" (SELECT count(DISTINCT r.item_id) FROM dispatch r WHERE r.name = d.name AND r.kind = 'report'),"    \
	" min(d.created_at) AS opened_at, min(d.rowid) AS first_row"                                          \
	" FROM dispatch d WHERE d.kind = 'open'"

static void round_row(sqlite3_stmt *s, struct duban_dispatch *d)
{
	memset(d, 0, sizeof *d);
	col_fixed(d->round_id, sizeof d->round_id, s, 0);
	d->name = col_str(s, 1);
	d->title = col_str(s, 2);
	d->filters = col_str(s, 3);
	d->due = col_date(s, 4);
	d->opened_on = col_date(s, 5);
	d->opened_by = col_str(s, 6);
	d->members = sqlite3_column_int(s, 7);
	d->closed = sqlite3_column_int(s, 9) > 0;
	d->closed_on = d->closed ? col_date(s, 8) : DUBAN_DATE_NONE;
	d->reported = sqlite3_column_int(s, 10);
}

static enum duban_err rounds_read(duban_store *st, const char *sql, const char *name, struct duban_dispatch **out,
				  size_t *n)
{
	sqlite3_stmt *s = store_stmt_sql(st, sql);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	if (name)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		round_row(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		duban_dispatches_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the dispatch rounds"));
	}
	return DUBAN_OK;
}

enum duban_err duban_dispatch_list(duban_store *st, struct duban_dispatch **out, size_t *n)
{
	return rounds_read(st, ROUND_SQL " GROUP BY d.name ORDER BY opened_at DESC, first_row DESC", NULL, out, n);
}

static enum duban_err one_round(duban_store *st, const char *sql, const char *name, struct duban_dispatch *out)
{
	struct duban_dispatch *all;
	size_t n;
	enum duban_err err = rounds_read(st, sql, name, &all, &n);

	memset(out, 0, sizeof *out);
	if (err)
		return err;
	if (n == 0) {
		free(all);
		if (name)
			return store_fail(st, DUBAN_ERR_NOT_FOUND, _("no dispatch round named '%s'"), name);
		return store_fail(st, DUBAN_ERR_NOT_FOUND, _("no dispatch round in this ledger"));
	}
	*out = all[0];
	for (size_t i = 1; i < n; i++)
		duban_dispatch_free(&all[i]);
	free(all);
	return DUBAN_OK;
}

enum duban_err duban_dispatch_get(duban_store *st, const char *name, struct duban_dispatch *out)
{
	return one_round(st, ROUND_SQL " AND d.name = ?1 GROUP BY d.name", name, out);
}

enum duban_err duban_dispatch_latest(duban_store *st, struct duban_dispatch *out)
{
	return one_round(st, ROUND_SQL " GROUP BY d.name ORDER BY opened_at DESC, first_row DESC LIMIT 1", NULL, out);
}

/* ---------------------------------------------------------------- open */

struct open_ctx {
	duban_store *st;
	struct duban_dispatch_rec head; /* the opening record's fields, copied per member */
	int members;
};

/* One member: the opening record, a copy of the head with its own id. */
static enum duban_err open_member(struct open_ctx *o, const char *item_id)
{
	struct duban_dispatch_rec r = o->head;
	enum duban_err err;

	r.id[0] = r.created_at[0] = r.received_at[0] = '\0';
	snprintf(r.item_id, sizeof r.item_id, "%s", item_id);
	r.author = NULL; /* the store's actor, set by the store */
	err = duban_dispatch_rec_add(o->st, &r);
	free(r.author);
	if (!err)
		o->members++;
	return err;
}

/* Items to add are collected first: the query's statement must not see the
 * writes it would walk into. */
struct id_list {
	char (*ids)[37];
	size_t n, cap;
};

static void id_add(struct id_list *l, const char *id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->ids = xrealloc(l->ids, l->cap * sizeof *l->ids);
	}
	snprintf(l->ids[l->n++], 37, "%s", id);
}

static int collect_id(const struct duban_item *item, void *ctx)
{
	id_add(ctx, item->id);
	return 0;
}

static enum duban_err round_name_free(duban_store *st, const char *name)
{
	char id[37];
	bool found;
	enum duban_err err = duban_dispatch_round_id(st, name, id, &found);

	if (err)
		return err;
	if (found)
		return store_fail(st, DUBAN_ERR_DUPLICATE, _("a dispatch round named '%s' exists already"), name);
	return DUBAN_OK;
}

enum duban_err duban_dispatch_open(duban_store *st, const char *name, const char *title, duban_date due,
				   const struct duban_filter *filter, const char *filters, int *members)
{
	struct open_ctx o = { .st = st };
	struct duban_filter open_items;
	struct id_list l = { 0 };
	char msg[256];
	enum duban_err err;

	if (members)
		*members = 0;
	if (duban_store_role(st) != DUBAN_ROLE_OFFICE)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("only the office may open or close a dispatch round"));
	o.head.kind = DUBAN_DISPATCH_OPEN;
	duban_uuid(o.head.round_id);
	o.head.name = (char *)name;
	o.head.title = (char *)(title ? title : "");
	o.head.filters = (char *)(filters ? filters : "");
	o.head.text = (char *)"";
	o.head.due = due;
	o.head.date = duban_today();
	if (duban_dispatch_rec_check(&o.head, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	if ((err = round_name_free(st, name)) != DUBAN_OK)
		return err;
	if (!filter) {
		duban_filter_init(&open_items);
		open_items.status_mask = ((1u << DUBAN_STATUS_COUNT) - 1) & ~(1u << DUBAN_STATUS_CLOSED);
		filter = &open_items;
	}
	if ((err = duban_query_each(st, filter, DUBAN_SORT_CODE, collect_id, &l)) != DUBAN_OK) {
		free(l.ids);
		return err;
	}
	if (l.n == 0) {
		free(l.ids);
		return store_fail(st, DUBAN_ERR_INVALID, _("no item is in the round's scope: nothing to open"));
	}
	if ((err = duban_store_begin(st)) != DUBAN_OK) {
		free(l.ids);
		return err;
	}
	for (size_t i = 0; i < l.n && !err; i++)
		err = open_member(&o, l.ids[i]);
	free(l.ids);
	if (members && !err)
		*members = o.members;
	return in_transaction(st, err);
}

/* ---------------------------------------------------------------- members */

void duban_dispatch_member_clear(struct duban_dispatch_member *m)
{
	free(m->code);
	free(m->title);
	free(m->county);
	free(m->lead_unit);
	free(m->owner);
	free(m->text);
	free(m->author);
}

void duban_dispatch_members_free(struct duban_dispatch_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		duban_dispatch_member_clear(&m[i]);
	free(m);
}

void duban_dispatch_of_item_free(struct duban_dispatch_of_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The entry for the round called name, NULL when none: only an opening
 * makes the item a member (a stray close or report does not). */
static struct duban_dispatch_of_item *round_entry(struct duban_dispatch_of_item *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* Folds one record into the entries: the records come oldest first, so the
 * last report seen is the latest and the earliest date the first. */
static void fold_rec(const struct duban_dispatch_rec *r, struct duban_dispatch_of_item *v, size_t *n,
		     duban_date *first)
{
	struct duban_dispatch_of_item *e = round_entry(v, *n, r->name);

	if (r->kind == DUBAN_DISPATCH_OPEN && !e) {
		e = &v[(*n)++];
		e->name = xstrdup(r->name);
		e->due = r->due;
		e->last_on = DUBAN_DATE_NONE;
		e->progress = -1;
		first[e - v] = DUBAN_DATE_NONE;
		return;
	}
	if (!e)
		return;
	if (r->kind == DUBAN_DISPATCH_CLOSE)
		e->closed = true;
	if (r->kind != DUBAN_DISPATCH_REPORT)
		return;
	e->last_on = r->date;
	e->progress = r->progress;
	if (first[e - v] == DUBAN_DATE_NONE || r->date < first[e - v])
		first[e - v] = r->date;
}

enum duban_err duban_dispatch_rounds_of(duban_store *st, const char *item_id, struct duban_dispatch_of_item **out,
					size_t *n)
{
	struct duban_dispatch_rec *r;
	duban_date *first;
	size_t nr;
	enum duban_err err;

	*out = NULL;
	*n = 0;
	if ((err = duban_dispatch_recs_of(st, item_id, &r, &nr)) != DUBAN_OK)
		return err;
	*out = xcalloc(nr + 1, sizeof **out);
	first = xcalloc(nr + 1, sizeof *first);
	for (size_t i = 0; i < nr; i++)
		fold_rec(&r[i], *out, n, first);
	for (size_t i = 0; i < *n; i++)
		(*out)[i].state = duban_dispatch_state_of((*out)[i].due, first[i]);
	free(first);
	duban_dispatch_recs_free(r, nr);
	return DUBAN_OK;
}

static const char members_sql[] =
	"/* dispatch */ WITH m AS (SELECT DISTINCT item_id FROM dispatch WHERE name = ?1 AND kind = 'open'),"
	" r AS (SELECT item_id, date, progress, text, author, attachment_id,"
	"  row_number() OVER (PARTITION BY item_id ORDER BY created_at DESC, rowid DESC) AS rn,"
	"  count(*) OVER (PARTITION BY item_id) AS cnt,"
	"  min(date) OVER (PARTITION BY item_id) AS first"
	"  FROM dispatch WHERE name = ?1 AND kind = 'report')"
	" SELECT i.id, i.code, i.title, i.county, i.lead_unit, i.owner, coalesce(r.cnt, 0), r.first, r.date,"
	" r.progress, r.text, r.author, r.attachment_id"
	" FROM m JOIN item i ON i.id = m.item_id LEFT JOIN r ON r.item_id = m.item_id AND r.rn = 1"
	" ORDER BY i.code";

static void member_row(sqlite3_stmt *s, duban_date due, struct duban_dispatch_member *m)
{
	memset(m, 0, sizeof *m);
	col_fixed(m->item_id, sizeof m->item_id, s, 0);
	m->code = col_str(s, 1);
	m->title = col_str(s, 2);
	m->county = col_str(s, 3);
	m->lead_unit = col_str(s, 4);
	m->owner = col_str(s, 5);
	m->submissions = sqlite3_column_int(s, 6);
	m->first_on = m->submissions ? col_date(s, 7) : DUBAN_DATE_NONE;
	m->last_on = m->submissions ? col_date(s, 8) : DUBAN_DATE_NONE;
	m->progress = m->submissions ? sqlite3_column_int(s, 9) : -1;
	m->text = col_str(s, 10);
	m->author = col_str(s, 11);
	col_fixed(m->attachment_id, sizeof m->attachment_id, s, 12);
	m->state = m->submissions ? duban_dispatch_state_of(due, m->first_on) : DUBAN_DISPATCH_MISSING;
}

enum duban_err duban_dispatch_members(duban_store *st, const char *name, struct duban_dispatch_member **out,
				      size_t *n)
{
	struct duban_dispatch d;
	sqlite3_stmt *s;
	size_t cap = 0;
	enum duban_err err;
	int rc;

	*out = NULL;
	*n = 0;
	if ((err = duban_dispatch_get(st, name, &d)) != DUBAN_OK)
		return err;
	if (!(s = store_stmt_sql(st, members_sql))) {
		duban_dispatch_free(&d);
		return DUBAN_ERR_DB;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		member_row(s, d.due, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	duban_dispatch_free(&d);
	if (rc != SQLITE_DONE) {
		duban_dispatch_members_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the dispatch rounds"));
	}
	return DUBAN_OK;
}

bool duban_dispatch_may_submit(duban_store *st, const struct duban_dispatch *d,
			       const struct duban_dispatch_member *m, char *msg, size_t msglen)
{
	if (m && store_check_county(st, m->county) != DUBAN_OK) {
		snprintf(msg, msglen, "%s", duban_store_errmsg(st));
		return false;
	}
	if (duban_store_role(st) == DUBAN_ROLE_VIEWER) {
		snprintf(msg, msglen, "%s", _("a viewer may not add records"));
		return false;
	}
	if (d->closed) {
		snprintf(msg, msglen, _("the dispatch round '%s' is closed"), d->name);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- close */

static enum duban_err member_ids(duban_store *st, const char *name, struct id_list *l)
{
	struct duban_dispatch_member *m;
	size_t n;
	enum duban_err err = duban_dispatch_members(st, name, &m, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		id_add(l, m[i].item_id);
	duban_dispatch_members_free(m, n);
	return DUBAN_OK;
}

enum duban_err duban_dispatch_close(duban_store *st, const char *name)
{
	struct duban_dispatch d;
	struct id_list l = { 0 };
	enum duban_err err;

	if (duban_store_role(st) != DUBAN_ROLE_OFFICE)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("only the office may open or close a dispatch round"));
	if ((err = duban_dispatch_get(st, name, &d)) != DUBAN_OK)
		return err;
	if (d.closed) {
		duban_dispatch_free(&d);
		return store_fail(st, DUBAN_ERR_TRANSITION, _("the dispatch round '%s' is closed"), name);
	}
	if ((err = member_ids(st, name, &l)) == DUBAN_OK)
		err = duban_store_begin(st);
	if (err) {
		free(l.ids);
		duban_dispatch_free(&d);
		return err;
	}
	for (size_t i = 0; i < l.n && !err; i++) {
		struct duban_dispatch_rec r = { 0 };
		r.kind = DUBAN_DISPATCH_CLOSE;
		snprintf(r.item_id, sizeof r.item_id, "%s", l.ids[i]);
		snprintf(r.round_id, sizeof r.round_id, "%s", d.round_id);
		r.name = xstrdup(name);
		r.due = d.due;
		r.date = duban_today();
		err = duban_dispatch_rec_add(st, &r);
		duban_dispatch_rec_free(&r);
	}
	free(l.ids);
	duban_dispatch_free(&d);
	return in_transaction(st, err);
}

/* ---------------------------------------------------------------- submit */

static bool is_member(duban_store *st, const char *name, const char *item_id)
{
	struct duban_dispatch_rec *r;
	size_t n;
	bool member = false;

	if (duban_dispatch_recs_of(st, item_id, &r, &n) != DUBAN_OK)
		return false;
	for (size_t i = 0; i < n; i++)
		member |= r[i].kind == DUBAN_DISPATCH_OPEN && strcmp(r[i].name, name) == 0;
	duban_dispatch_recs_free(r, n);
	return member;
}

static enum duban_err submit_in(duban_store *st, const struct duban_dispatch *d, struct duban_item *item,
				int progress, const char *text, struct duban_attachment *att)
{
	struct duban_dispatch_rec r = { 0 };
	struct duban_note note = { 0 };
	enum duban_err err = DUBAN_OK;
	char buf[16];

	if (att) {
		snprintf(att->item_id, sizeof att->item_id, "%s", item->id);
		err = duban_attachment_add(st, att);
	}
	r.kind = DUBAN_DISPATCH_REPORT;
	snprintf(r.item_id, sizeof r.item_id, "%s", item->id);
	snprintf(r.round_id, sizeof r.round_id, "%s", d->round_id);
	r.name = xstrdup(d->name);
	r.text = xstrdup(text);
	r.progress = progress;
	r.due = d->due;
	r.date = duban_today();
	if (att && !err)
		snprintf(r.attachment_id, sizeof r.attachment_id, "%s", att->id);
	if (!err)
		err = duban_dispatch_rec_add(st, &r);
	duban_dispatch_rec_free(&r);
	if (!err && item->progress != progress) {
		item->progress = progress;
		err = duban_item_update(st, item, NULL);
	}
	if (err)
		return err;
	snprintf(note.item_id, sizeof note.item_id, "%s", item->id);
	snprintf(buf, sizeof buf, "%d%%", progress);
	note.text = xasprintf(_("Dispatch %s (%s): %s"), d->name, buf, text);
	err = duban_note_add(st, &note);
	duban_note_free(&note);
	return err;
}

enum duban_err duban_dispatch_submit(duban_store *st, const char *name, const char *code_or_id, int progress,
				     const char *text, struct duban_attachment *att)
{
	struct duban_dispatch d;
	struct duban_item item;
	char msg[256];
	enum duban_err err;

	if (progress < 0 || progress > 100)
		return store_fail(st, DUBAN_ERR_INVALID, _("progress must be 0 to 100, not %d"), progress);
	if (!text || !*text)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", _("a submission needs a text"));
	if ((err = duban_dispatch_get(st, name, &d)) != DUBAN_OK)
		return err;
	duban_item_init(&item);
	if ((err = duban_item_get(st, code_or_id, &item)) != DUBAN_OK)
		goto out;
	if (!is_member(st, name, item.id)) {
		err = store_fail(st, DUBAN_ERR_INVALID, _("%s is not in the dispatch round '%s'"), item.code, name);
		goto out;
	}
	if (!duban_dispatch_may_submit(st, &d, NULL, msg, sizeof msg)) {
		err = store_fail(st, d.closed ? DUBAN_ERR_TRANSITION : DUBAN_ERR_PERMISSION, "%s", msg);
		goto out;
	}
	if ((err = duban_store_begin(st)) != DUBAN_OK)
		goto out;
	err = in_transaction(st, submit_in(st, &d, &item, progress, text, att));
out:
	duban_item_free(&item);
	duban_dispatch_free(&d);
	return err;
}

/* ---------------------------------------------------------------- status */

void duban_dispatch_groups_free(struct duban_dispatch_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].key);
	free(g);
}

static int group_cmp(const void *a, const void *b)
{
	const struct duban_dispatch_group *x = a, *y = b;
	return strcmp(x->key, y->key);
}

static void group_add(struct duban_dispatch_group *g, const struct duban_dispatch_member *m, double *sum)
{
	g->scope++;
	if (m->state == DUBAN_DISPATCH_ON_TIME)
		g->on_time++;
	else if (m->state == DUBAN_DISPATCH_LATE)
		g->late++;
	else
		g->missing++;
	if (m->submissions == 0 || m->progress < 0)
		return;
	g->reported++;
	*sum += m->progress;
	if (g->min_progress < 0 || m->progress < g->min_progress)
		g->min_progress = m->progress;
	if (m->progress > g->max_progress)
		g->max_progress = m->progress;
	if (m->progress == 100)
		g->done++;
}

static void group_init(struct duban_dispatch_group *g, const char *key)
{
	memset(g, 0, sizeof *g);
	g->key = key ? xstrdup(key) : NULL;
	g->min_progress = g->max_progress = -1;
}

void duban_dispatch_status(const struct duban_dispatch_member *m, size_t nm, enum duban_dispatch_by by,
			   struct duban_dispatch_group **out, size_t *n)
{
	struct duban_dispatch_group *g = NULL;
	double *sums = NULL;
	size_t ng = 0;
	double total_sum = 0;

	for (size_t i = 0; i < nm; i++) {
		const char *key = by == DUBAN_DISPATCH_BY_UNIT ? m[i].lead_unit : m[i].county;
		size_t j;
		if (!key)
			key = "";
		for (j = 0; j < ng && strcmp(g[j].key, key) != 0; j++)
			;
		if (j == ng) {
			g = xrealloc(g, (ng + 2) * sizeof *g);
			sums = xrealloc(sums, (ng + 1) * sizeof *sums);
			group_init(&g[ng], key);
			sums[ng++] = 0;
		}
		group_add(&g[j], &m[i], &sums[j]);
	}
	for (size_t j = 0; j < ng; j++)
		g[j].mean_progress = g[j].reported ? sums[j] / g[j].reported : NAN;
	if (ng > 1)
		qsort(g, ng, sizeof *g, group_cmp);
	g = xrealloc(g, (ng + 1) * sizeof *g);
	group_init(&g[ng], NULL);
	for (size_t i = 0; i < nm; i++)
		group_add(&g[ng], &m[i], &total_sum);
	g[ng].mean_progress = g[ng].reported ? total_sum / g[ng].reported : NAN;
	free(sums);
	*out = g;
	*n = ng + 1;
}

/* ---------------------------------------------------------------- the ladder */

const char *duban_dispatch_step_name(void)
{
	return _("dispatch not submitted");
}

void duban_dispatch_step_eval(const struct duban_ladder *l, duban_date round_due, duban_date today,
			      enum duban_dispatch_state state, duban_date first_on,
			      const enum duban_action_kind *kinds, const duban_date *dates, int nactions,
			      struct duban_dispatch_step *out)
{
	memset(out, 0, sizeof *out);
	out->state = state;
	out->kind = l && l->n > 0 ? l->steps[0].kind : DUBAN_ACTION_REMINDER;
	out->since = out->taken_on = DUBAN_DATE_NONE;
	if (round_due == DUBAN_DATE_NONE)
		return;
	if (state == DUBAN_DISPATCH_LATE) {
		out->listed = true;
		out->days = first_on != DUBAN_DATE_NONE && first_on > round_due ? first_on - round_due : 0;
		return;
	}
	if (state != DUBAN_DISPATCH_MISSING || today == DUBAN_DATE_NONE || today <= round_due)
		return;
	out->listed = true;
	out->days = today - round_due;
	out->since = round_due + 1;
	for (int a = 0; a < nactions; a++)
		if (kinds[a] == out->kind && dates[a] != DUBAN_DATE_NONE && dates[a] >= out->since
		    && (out->taken_on == DUBAN_DATE_NONE || dates[a] > out->taken_on))
			out->taken_on = dates[a];
	out->due = out->taken_on == DUBAN_DATE_NONE;
}

struct actions {
	enum duban_action_kind *kinds;
	duban_date *dates;
	int n;
};

static int collect_action(const struct duban_history_entry *e, void *ctx)
{
	struct actions *a = ctx;

	if (!e->action)
		return 0;
	a->kinds = xrealloc(a->kinds, (size_t)(a->n + 1) * sizeof *a->kinds);
	a->dates = xrealloc(a->dates, (size_t)(a->n + 1) * sizeof *a->dates);
	a->kinds[a->n] = e->action->kind;
	a->dates[a->n++] = e->action->date;
	return 0;
}

void duban_dispatch_overdue_free(struct duban_dispatch_overdue *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		duban_dispatch_free(&v[i].round);
		duban_dispatch_member_clear(&v[i].member);
	}
	free(v);
}

static struct duban_dispatch round_copy(const struct duban_dispatch *d)
{
	struct duban_dispatch c = *d;

	c.name = xstrdup(d->name);
	c.title = xstrdup(d->title);
	c.filters = xstrdup(d->filters);
	c.opened_by = xstrdup(d->opened_by);
	return c;
}

static int overdue_cmp(const void *pa, const void *pb)
{
	const struct duban_dispatch_overdue *a = pa, *b = pb;

	if (a->step.state != b->step.state)
		return a->step.state == DUBAN_DISPATCH_MISSING ? -1 : 1;
	if (a->step.days != b->step.days)
		return a->step.days > b->step.days ? -1 : 1;
	return strcmp(a->member.code, b->member.code);
}

/* The listed members of one round, appended to *v. */
static enum duban_err round_overdue(duban_store *st, const struct duban_dispatch *d, const struct duban_ladder *l,
				    duban_date today, struct duban_dispatch_overdue **v, size_t *n)
{
	struct duban_dispatch_member *m;
	size_t nm, first = *n;
	enum duban_err err = duban_dispatch_members(st, d->name, &m, &nm);

	for (size_t i = 0; i < nm; i++) {
		struct actions a = { 0 };
		struct duban_dispatch_step step;
		if (err) {
			duban_dispatch_member_clear(&m[i]);
			continue;
		}
		if (m[i].state == DUBAN_DISPATCH_MISSING && today > d->due)
			err = duban_history_each(st, m[i].item_id, collect_action, &a);
		duban_dispatch_step_eval(l, d->due, today, m[i].state, m[i].first_on, a.kinds, a.dates, a.n, &step);
		free(a.kinds);
		free(a.dates);
		if (err || !step.listed) {
			duban_dispatch_member_clear(&m[i]);
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[*n].round = round_copy(d);
		(*v)[*n].member = m[i]; /* taken over */
		(*v)[(*n)++].step = step;
	}
	free(m); /* every member cleared or taken over */
	if (*n - first > 1)
		qsort(*v + first, *n - first, sizeof **v, overdue_cmp);
	return err;
}

enum duban_err duban_dispatch_overdue_list(duban_store *st, const char *name, const struct duban_ladder *l,
					   duban_date today, struct duban_dispatch_overdue **out, size_t *n)
{
	struct duban_dispatch *d;
	size_t nd;
	enum duban_err err;

	*out = NULL;
	*n = 0;
	if (name) {
		d = xcalloc(1, sizeof *d);
		nd = 1;
		if ((err = duban_dispatch_get(st, name, d)) != DUBAN_OK) {
			free(d);
			return err;
		}
	} else if ((err = duban_dispatch_list(st, &d, &nd)) != DUBAN_OK) {
		return err;
	}
	for (size_t i = 0; !err && i < nd; i++)
		if (name || !d[i].closed)
			err = round_overdue(st, &d[i], l, today, out, n);
	duban_dispatches_free(d, nd);
	if (err) {
		duban_dispatch_overdue_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return err;
}
