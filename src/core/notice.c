/* The public notice (公示) and its objections as the office works them:
 * each command's records and status move in one transaction. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
#include "duban/notice.h"
#include "duban/util.h"
#include "store_internal.h"

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

enum duban_err duban_notice_publicize(duban_store *st, const char *code, const struct duban_notice_open *o,
				      const char *reason, duban_date *end)
{
	struct duban_notice r = { 0 };
	struct duban_item item;
	enum duban_err err;

	if (o->days < 1 || o->days > 3650)
		return store_fail(st, DUBAN_ERR_INVALID, _("a public notice runs 1 to 3650 days, not %d"), o->days);
	duban_item_init(&item);
	if ((err = duban_item_get(st, code, &item)) != DUBAN_OK || (err = duban_store_begin(st)) != DUBAN_OK) {
		duban_item_free(&item);
		return err;
	}
	r.kind = DUBAN_NOTICE_OPEN;
	snprintf(r.item_id, sizeof r.item_id, "%s", item.id);
	r.date = o->start != DUBAN_DATE_NONE ? o->start : duban_today();
	r.end = r.date + o->days;
	r.place = xstrdup(o->place ? o->place : "");
	r.contact = xstrdup(o->contact ? o->contact : "");
	err = duban_item_set_status(st, item.id, DUBAN_STATUS_PUBLICIZED, reason ? reason : "");
	if (!err)
		err = duban_notice_add(st, &r);
	/* The item's own notice_end (公示截止) follows, so that lists, the
	 * overdue view and the bulletin read it from the item's row. */
	if (!err && (err = duban_item_get_by_id(st, item.id, &item)) == DUBAN_OK && item.notice_end != r.end) {
		item.notice_end = r.end;
		err = duban_item_update(st, &item, NULL);
	}
	if (end)
		*end = r.end;
	duban_notice_free(&r);
	duban_item_free(&item);
	return in_transaction(st, err);
}

enum duban_err duban_objection_raise(duban_store *st, const char *code, const char *text, const char *from,
				     duban_date date, int *number)
{
	struct duban_notice r = { 0 }, *all;
	struct duban_item item;
	enum duban_err err;
	size_t n;

	duban_item_init(&item);
	if ((err = duban_item_get(st, code, &item)) != DUBAN_OK) {
		duban_item_free(&item);
		return err;
	}
	r.kind = DUBAN_NOTICE_OBJECTION;
	r.end = DUBAN_DATE_NONE;
	snprintf(r.item_id, sizeof r.item_id, "%s", item.id);
	r.date = date != DUBAN_DATE_NONE ? date : duban_today();
	r.text = xstrdup(text ? text : "");
	r.person = xstrdup(from ? from : "");
	err = duban_notice_add(st, &r);
	if (!err && number && (err = duban_notice_list(st, item.id, &all, &n)) == DUBAN_OK) {
		*number = 0;
		for (size_t i = 0; i < n; i++)
			if (strcmp(all[i].id, r.id) == 0)
				*number = duban_objection_number(all, n, i);
		duban_notices_free(all, n);
	}
	duban_notice_free(&r);
	duban_item_free(&item);
	return err;
}

/* The objection to settle: number k of the item's, not settled yet. */
static enum duban_err find_open(duban_store *st, const struct duban_item *item, int k, struct duban_notice *out)
{
	struct duban_notice *all;
	size_t n;
	int i, by;
	enum duban_err err = duban_notice_list(st, item->id, &all, &n);

	if (err != DUBAN_OK)
		return err;
	i = duban_objection_index(all, n, k);
	if (i < 0) {
		err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("%s has no objection %d"), item->code, k);
	} else if ((by = duban_objection_settled_by(all, n, (size_t)i)) >= 0) {
		char d[11];
		err = store_fail(st, DUBAN_ERR_INVALID, all[by].upheld ? _("objection %d to %s was upheld on %s already")
								       : _("objection %d to %s was dismissed on %s already"),
				 k, item->code, duban_date_format(all[by].date, d));
	} else {
		*out = all[i];
		memset(&all[i], 0, sizeof all[i]);
	}
	duban_notices_free(all, n);
	return err;
}

enum duban_err duban_objection_settle(duban_store *st, const char *code, int number, bool upheld, const char *text,
				      duban_date date)
{
	struct duban_notice r = { 0 }, obj = { 0 };
	struct duban_item item;
	enum duban_err err;

	if (duban_store_role(st) != DUBAN_ROLE_OFFICE)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("only the office settles objections"));
	duban_item_init(&item);
	if ((err = duban_item_get(st, code, &item)) != DUBAN_OK || (err = find_open(st, &item, number, &obj)) != DUBAN_OK ||
	    (err = duban_store_begin(st)) != DUBAN_OK) {
		duban_item_free(&item);
		return err;
	}
	r.kind = DUBAN_NOTICE_RESOLUTION;
	r.end = DUBAN_DATE_NONE;
	snprintf(r.item_id, sizeof r.item_id, "%s", item.id);
	snprintf(r.objection_id, sizeof r.objection_id, "%s", obj.id);
	r.date = date != DUBAN_DATE_NONE ? date : duban_today();
	r.upheld = upheld;
	r.text = xstrdup(text ? text : "");
	err = duban_notice_add(st, &r);
	/* An upheld objection means the work is not done: back to it, the
	 * objection as the reason. */
	if (!err && upheld && item.status == DUBAN_STATUS_PUBLICIZED) {
		char *reason = xasprintf(_("objection upheld: %s"), obj.text);
		err = duban_item_set_status(st, item.id, DUBAN_STATUS_IN_PROGRESS, reason);
		free(reason);
	}
	duban_notice_free(&r);
	duban_notice_free(&obj);
	duban_item_free(&item);
	return in_transaction(st, err);
}

/* ---------------------------------------------------------------- lists and figures */

void duban_notice_due_free(struct duban_notice_due *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].code);
		free(v[i].title);
		free(v[i].county);
	}
	free(v);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return xstrdup(t ? (const char *)t : "");
}

enum duban_err duban_notice_due_list(duban_store *st, const struct duban_filter *filter, duban_date today,
				     struct duban_notice_due **out, int *n)
{
	/* status = 'publicized' walks the status index: the items under
	 * notice, not the ledger. */
	sqlite3_stmt *s = store_filter_stmt(st, filter,
					    "/* notice */ SELECT id, code, title, county, notice_end FROM item"
					    " WHERE status = 'publicized' AND notice_end IS NOT NULL AND notice_end <> ''"
					    " AND notice_end < ?1",
					    true, " ORDER BY notice_end, code");
	char d[11];
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_text(s, 1, duban_date_format(today, d), -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct duban_notice_due *e;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		e = &(*out)[(*n)++];
		snprintf(e->id, sizeof e->id, "%s", (const char *)sqlite3_column_text(s, 0));
		e->code = col_dup(s, 1);
		e->title = col_dup(s, 2);
		e->county = col_dup(s, 3);
		e->end = duban_date_parse((const char *)sqlite3_column_text(s, 4));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		duban_notice_due_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the items under notice"));
	}
	return DUBAN_OK;
}

/* One count over the items filter selects: head's ?1 is today when
 * dated (the filter's own parameters come after it). */
static enum duban_err count_one(duban_store *st, const struct duban_filter *filter, const char *head,
				const char *tail, bool dated, duban_date today, long long *out)
{
	sqlite3_stmt *s = store_filter_stmt(st, filter, head, true, tail);
	char d[11];
	int rc;

	*out = 0;
	if (!s)
		return DUBAN_ERR_DB;
	if (dated)
		sqlite3_bind_text(s, 1, duban_date_format(today, d), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? DUBAN_OK : store_db_fail(st, _("counting the notices"));
}

enum duban_err duban_notice_figures(duban_store *st, const struct duban_filter *filter, duban_date today,
				    struct duban_notice_figures *out)
{
	enum duban_err err;

	memset(out, 0, sizeof *out);
	err = count_one(st, filter,
			"/* notice */ SELECT count(*) FROM item WHERE status = 'publicized'"
			" AND (notice_end IS NULL OR notice_end = '' OR notice_end >= ?1)", NULL, true, today,
			&out->running);
	if (!err)
		err = count_one(st, filter,
				"/* notice */ SELECT count(*) FROM item WHERE status = 'publicized'"
				" AND notice_end IS NOT NULL AND notice_end <> '' AND notice_end < ?1", NULL, true, today,
				&out->ended);
	if (!err)
		err = count_one(st, filter,
				"/* notice */ SELECT count(*) FROM notice o WHERE o.kind = 'objection'"
				" AND EXISTS (SELECT 1 FROM item WHERE id = o.item_id", ")", false, today, &out->objections);
	if (!err)
		err = count_one(st, filter,
				"/* notice */ SELECT count(*) FROM notice o WHERE o.kind = 'objection'"
				" AND NOT EXISTS (SELECT 1 FROM notice r WHERE r.kind = 'resolution' AND r.objection_id = o.id)"
				" AND EXISTS (SELECT 1 FROM item WHERE id = o.item_id", ")", false, today, &out->open);
	return err;
}
