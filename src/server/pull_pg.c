/* The PostgreSQL backend's pull primitives (store.h's srv_pull_ops): one
 * REPEATABLE READ, READ ONLY transaction per page, so the cursor check, the
 * log and the rows it points to are one snapshot.  Only numbered change
 * rows are read: a row still without a position belongs to a transaction
 * that has not committed. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "duban/json.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"
#include "store_pg.h"

struct srv_rd {
	struct srv_store *s;
	struct pg_conn *c;
};

static struct srv_rd *r_begin(struct srv_store *s)
{
	struct srv_rd *rd = xcalloc(1, sizeof *rd);

	rd->s = s;
	rd->c = pg_get(s);
	if (!pg_run(rd->c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL)) {
		srv_log("pull: %s", rd->c->err);
		pg_put(s, rd->c);
		free(rd);
		return NULL;
	}
	return rd;
}

static void r_end(struct srv_rd *rd)
{
	pg_put(rd->s, rd->c); /* ends the read transaction */
	free(rd);
}

static PGresult *q(struct srv_rd *rd, const char *sql, int n, const char *const *params)
{
	PGresult *r = pg_exec(rd->c, sql, n, params);

	if (!r)
		srv_log("pull: %s", rd->c->err);
	return r;
}

/* The first value as a number; def when there is no row or it is NULL; -1
 * on an error. */
static long long number(struct srv_rd *rd, const char *sql, int n, const char *const *params, long long def)
{
	PGresult *r = q(rd, sql, n, params);
	long long v = def;

	if (!r)
		return -1;
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static long long r_server_seq(struct srv_rd *rd)
{
	return number(rd, "SELECT last FROM change_seq", 0, NULL, 0);
}

static int r_token_at(struct srv_rd *rd, long long seq, char token[13])
{
	char s[24];
	const char *params[] = { s };
	PGresult *r;
	int found;

	snprintf(s, sizeof s, "%lld", seq);
	if (!(r = q(rd, "SELECT token FROM change WHERE seq = $1::bigint", 1, params)))
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		snprintf(token, 13, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

static long long r_pruned(struct srv_rd *rd)
{
	return number(rd, "SELECT value::bigint FROM meta WHERE key = 'change_pruned'", 0, NULL, 0);
}

static int r_more(struct srv_rd *rd, long long seq)
{
	char s[24];
	const char *params[] = { s };
	long long v;

	snprintf(s, sizeof s, "%lld", seq);
	v = number(rd, "SELECT count(*) FROM (SELECT 1 FROM change WHERE seq > $1::bigint LIMIT 1) AS x", 1, params, 0);
	return v < 0 ? -1 : v > 0;
}

static bool r_changes(struct srv_rd *rd, long long since, long long cap,
		      bool (*cb)(void *ctx, const struct srv_change_row *row), void *ctx)
{
	char s[24], n[24];
	const char *params[] = { s, n };
	PGresult *r;

	snprintf(s, sizeof s, "%lld", since);
	snprintf(n, sizeof n, "%lld", cap);
	if (!(r = q(rd, "SELECT seq, token, entity, entity_id, county, old_county FROM change"
			" WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint", 2, params)))
		return false;
	for (int i = 0; i < PQntuples(r); i++) {
		struct srv_change_row row;

		row.seq = atoll(PQgetvalue(r, i, 0));
		snprintf(row.token, sizeof row.token, "%s", PQgetvalue(r, i, 1));
		row.entity = PQgetvalue(r, i, 2);
		row.entity_id = PQgetvalue(r, i, 3);
		row.county = PQgetvalue(r, i, 4);
		row.old_county = PQgetvalue(r, i, 5);
		if (!cb(ctx, &row))
			break;
	}
	PQclear(r);
	return true;
}

static enum duban_err r_item_get(struct srv_rd *rd, const char *id, struct duban_item *item)
{
	const char *params[] = { id };
	PGresult *r = q(rd, "SELECT version, doc FROM item_doc WHERE id = $1", 1, params);
	enum duban_err err = DUBAN_ERR_NOT_FOUND;
	char why[256];

	if (!r)
		return DUBAN_ERR_DB;
	if (PQntuples(r) > 0) {
		cJSON *doc = cJSON_Parse(PQgetvalue(r, 0, 1));
		err = duban_item_from_json(doc, item, why, sizeof why);
		if (err != DUBAN_OK) {
			srv_log("pull: item %s: stored document unreadable: %s", id, why);
			err = DUBAN_ERR_DB;
		}
		item->version = atoll(PQgetvalue(r, 0, 0));
		cJSON_Delete(doc);
	}
	PQclear(r);
	return err;
}

static cJSON *event_json(PGresult *r)
{
	struct duban_event e = { 0 };
	cJSON *o;

	e.id = atoll(PQgetvalue(r, 0, 0));
	snprintf(e.item_id, sizeof e.item_id, "%s", PQgetvalue(r, 0, 1));
	e.field = xstrdup(PQgetvalue(r, 0, 2));
	e.old_value = PQgetisnull(r, 0, 3) ? NULL : xstrdup(PQgetvalue(r, 0, 3));
	e.new_value = PQgetisnull(r, 0, 4) ? NULL : xstrdup(PQgetvalue(r, 0, 4));
	e.reason = xstrdup(PQgetvalue(r, 0, 5));
	e.author = xstrdup(PQgetvalue(r, 0, 6));
	e.device = xstrdup(PQgetvalue(r, 0, 7));
	snprintf(e.created_at, sizeof e.created_at, "%s", PQgetvalue(r, 0, 8));
	snprintf(e.received_at, sizeof e.received_at, "%s", PQgetvalue(r, 0, 9));
	snprintf(e.op_id, sizeof e.op_id, "%s", PQgetisnull(r, 0, 10) ? "" : PQgetvalue(r, 0, 10));
	o = duban_event_to_json(&e);
	duban_event_free(&e);
	return o;
}

static cJSON *r_record_json(struct srv_rd *rd, const char *entity, const char *id, bool *error)
{
	const char *params[] = { entity, id };
	PGresult *r;
	cJSON *o = NULL;

	if (strcmp(entity, "event") == 0) {
		if (strspn(id, "0123456789") != strlen(id) || !*id)
			return NULL;
		r = q(rd, "SELECT seq, item_id, field, old_value, new_value, reason, author, device, created_at,"
			  " received_at, op_id FROM event WHERE seq = $1::bigint", 1, params + 1);
		if (r && PQntuples(r) > 0)
			o = event_json(r);
	} else if (strcmp(entity, "policy") == 0) {
		r = q(rd, "SELECT key, value, updated_at FROM policy WHERE key = $1", 1, params + 1);
		if (r && PQntuples(r) > 0) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "key", PQgetvalue(r, 0, 0));
			cJSON_AddStringToObject(o, "value", PQgetvalue(r, 0, 1));
			cJSON_AddStringToObject(o, "updated_at", PQgetvalue(r, 0, 2));
		}
	} else {
		r = q(rd, "SELECT doc FROM record WHERE kind = $1 AND id = $2", 2, params);
		if (r && PQntuples(r) > 0)
			o = cJSON_Parse(PQgetvalue(r, 0, 0));
	}
	if (!r)
		*error = true;
	PQclear(r);
	return o;
}

static int r_item_county(struct srv_rd *rd, const char *id, char **county)
{
	const char *params[] = { id };
	PGresult *r = q(rd, "SELECT county FROM item_doc WHERE id = $1", 1, params);
	int found;

	*county = NULL;
	if (!r)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		*county = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

static long long r_last_event(struct srv_rd *rd, const char *item_id, const char *field)
{
	const char *params[] = { item_id, field };

	return number(rd, "SELECT max(seq) FROM event WHERE item_id = $1 AND field = $2", 2, params, 0);
}

/* ---------------------------------------------------------------- the snapshot */

/* Each part is a cursor of the read transaction, fetched SNAP_FETCH rows
 * at a time: the rows never sit in memory all at once.  The statements take
 * no parameters (a cursor's query cannot), so the two forms of the gone
 * part are two texts. */
#define SNAP_FETCH 1000 /* as in the FETCH statement below */

static const char *const snap_sql[SRV_SNAP_PARTS][2] = {
	/* Items in the order the log first named them, as a pull sends them. */
	[SRV_SNAP_ITEMS] = { "DECLARE snap NO SCROLL CURSOR FOR SELECT i.version, i.doc, i.county, i.id FROM item_doc i"
			     " ORDER BY (SELECT min(c.seq) FROM change c WHERE c.entity_id = i.id) NULLS LAST, i.id" },
	/* Every kind of record in one table, oldest first: a new kind needs
	 * nothing here. */
	[SRV_SNAP_RECORDS] = { "DECLARE snap NO SCROLL CURSOR FOR SELECT kind, doc, item_id FROM record ORDER BY ord" },
	[SRV_SNAP_EVENTS] = { "DECLARE snap NO SCROLL CURSOR FOR SELECT seq, item_id, field, old_value, new_value,"
			      " reason, author, device, created_at, received_at, op_id FROM event ORDER BY seq" },
	[SRV_SNAP_GONE] = { "DECLARE snap NO SCROLL CURSOR FOR SELECT c.entity_id, c.county, c.old_county, i.county"
			    " FROM change c LEFT JOIN item_doc i ON i.id = c.entity_id WHERE c.entity = 'item'"
			    " AND c.seq IS NOT NULL ORDER BY c.entity_id, c.seq",
			    "DECLARE snap NO SCROLL CURSOR FOR SELECT c.entity_id, c.county, c.old_county, NULL"
			    " FROM change c WHERE c.entity = 'item' AND c.seq IS NOT NULL"
			    " AND NOT EXISTS (SELECT 1 FROM item_doc i WHERE i.id = c.entity_id)"
			    " ORDER BY c.entity_id, c.seq" },
};

struct srv_snap_rows {
	struct srv_rd *rd;
	enum srv_snap_part part;
	PGresult *r;
	int i;
	bool end;
	char kind[32];
};

static struct srv_snap_rows *r_snap_open(struct srv_rd *rd, enum srv_snap_part part, bool all_counties)
{
	struct srv_snap_rows *c;
	const char *sql;

	if (part < 0 || part >= SRV_SNAP_PARTS)
		return NULL;
	sql = snap_sql[part][part == SRV_SNAP_GONE && all_counties ? 1 : 0];
	if (!pg_run(rd->c, sql, 0, NULL)) {
		srv_log("snapshot: %s", rd->c->err);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->rd = rd;
	c->part = part;
	return c;
}

/* The next batch when this one is used up; false at the end or on an error. */
static bool snap_fill(struct srv_snap_rows *c, int *rc)
{
	if (c->r && c->i < PQntuples(c->r))
		return true;
	PQclear(c->r);
	c->r = NULL;
	c->i = 0;
	if (c->end) {
		*rc = 0;
		return false;
	}
	if (!(c->r = q(c->rd, "FETCH 1000 FROM snap", 0, NULL))) {
		*rc = -1;
		return false;
	}
	c->end = PQntuples(c->r) < SNAP_FETCH;
	if (PQntuples(c->r) == 0) {
		*rc = 0;
		return false;
	}
	return true;
}

static cJSON *snap_item(PGresult *r, int i)
{
	struct duban_item item;
	cJSON *doc = cJSON_Parse(PQgetvalue(r, i, 1)), *o = NULL;
	char why[256];

	duban_item_init(&item);
	if (duban_item_from_json(doc, &item, why, sizeof why) == DUBAN_OK) {
		item.version = atoll(PQgetvalue(r, i, 0));
		o = duban_item_to_json(&item);
	} else {
		srv_log("snapshot: an item's stored document is unreadable: %s", why);
	}
	duban_item_free(&item);
	cJSON_Delete(doc);
	return o;
}

static int r_snap_next(struct srv_snap_rows *c, struct srv_snap_row *row)
{
	PGresult *r;
	int i, rc = 0;

	memset(row, 0, sizeof *row);
	if (!snap_fill(c, &rc))
		return rc;
	r = c->r;
	i = c->i++;
	switch (c->part) {
	case SRV_SNAP_ITEMS:
		row->type = "item";
		row->county = PQgetvalue(r, i, 2);
		row->item_id = PQgetvalue(r, i, 3);
		return (row->json = snap_item(r, i)) ? 1 : -1;
	case SRV_SNAP_RECORDS:
		snprintf(c->kind, sizeof c->kind, "%s", PQgetvalue(r, i, 0));
		row->type = c->kind;
		row->item_id = PQgetvalue(r, i, 2);
		return (row->json = cJSON_Parse(PQgetvalue(r, i, 1))) ? 1 : -1;
	case SRV_SNAP_EVENTS: {
		/* event_json reads the first row of a result: one row's view. */
		struct duban_event e = { 0 };

		e.id = atoll(PQgetvalue(r, i, 0));
		snprintf(e.item_id, sizeof e.item_id, "%s", PQgetvalue(r, i, 1));
		e.field = xstrdup(PQgetvalue(r, i, 2));
		e.old_value = PQgetisnull(r, i, 3) ? NULL : xstrdup(PQgetvalue(r, i, 3));
		e.new_value = PQgetisnull(r, i, 4) ? NULL : xstrdup(PQgetvalue(r, i, 4));
		e.reason = xstrdup(PQgetvalue(r, i, 5));
		e.author = xstrdup(PQgetvalue(r, i, 6));
		e.device = xstrdup(PQgetvalue(r, i, 7));
		snprintf(e.created_at, sizeof e.created_at, "%s", PQgetvalue(r, i, 8));
		snprintf(e.received_at, sizeof e.received_at, "%s", PQgetvalue(r, i, 9));
		snprintf(e.op_id, sizeof e.op_id, "%s", PQgetisnull(r, i, 10) ? "" : PQgetvalue(r, i, 10));
		row->type = "event";
		row->item_id = PQgetvalue(r, i, 1);
		row->json = duban_event_to_json(&e);
		duban_event_free(&e);
		return 1;
	}
	default:
		row->item_id = PQgetvalue(r, i, 0);
		row->county = PQgetvalue(r, i, 1);
		row->old_county = PQgetvalue(r, i, 2);
		row->now = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
		return 1;
	}
}

static void r_snap_close(struct srv_snap_rows *c)
{
	if (!c)
		return;
	PQclear(c->r);
	if (!pg_run(c->rd->c, "CLOSE snap", 0, NULL))
		srv_log("snapshot: %s", c->rd->c->err);
	free(c);
}

static bool r_county_counts(struct srv_rd *rd, void (*cb)(void *ctx, const char *county, long long n), void *ctx)
{
	PGresult *r = q(rd, "SELECT county, count(*) FROM item_doc GROUP BY county", 0, NULL);

	if (!r)
		return false;
	for (int i = 0; i < PQntuples(r); i++)
		cb(ctx, PQgetvalue(r, i, 0), atoll(PQgetvalue(r, i, 1)));
	PQclear(r);
	return true;
}

static int r_last_entry(struct srv_rd *rd, long long *seq, char token[13])
{
	PGresult *r = q(rd, "SELECT seq, token FROM change WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1", 0, NULL);

	*seq = 0;
	token[0] = '\0';
	if (!r)
		return -1;
	if (PQntuples(r) > 0) {
		*seq = atoll(PQgetvalue(r, 0, 0));
		snprintf(token, 13, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return 1;
}

const struct srv_pull_ops srv_pg_pull_ops = {
	.begin = r_begin,
	.end = r_end,
	.server_seq = r_server_seq,
	.token_at = r_token_at,
	.pruned = r_pruned,
	.more = r_more,
	.changes = r_changes,
	.item_get = r_item_get,
	.record_json = r_record_json,
	.item_county = r_item_county,
	.last_event = r_last_event,
	.snap_open = r_snap_open,
	.snap_next = r_snap_next,
	.snap_close = r_snap_close,
	.county_counts = r_county_counts,
	.last_entry = r_last_entry,
};
