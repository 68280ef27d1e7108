/* The SQLite backend's pull primitives (store.h's srv_pull_ops): a reader
 * connection from the pool, one read transaction per page.  Only
 * store_sqlite.c uses this file's table. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/json.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"
#include "store_internal.h"
#include "store_sqlite.h"

struct srv_rd {
	srv_db *db;
	duban_store *st;
	sqlite3 *sql;
};

static struct srv_rd *sq_begin(struct srv_store *s)
{
	struct srv_rd *rd = xcalloc(1, sizeof *rd);

	rd->db = srv_sqlite_db(s);
	rd->st = srv_db_reader(rd->db);
	rd->sql = duban_store_db(rd->st);
	if (sqlite3_exec(rd->sql, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		srv_log("pull: %s", sqlite3_errmsg(rd->sql));
		srv_db_reader_done(rd->db, rd->st);
		free(rd);
		return NULL;
	}
	return rd;
}

static void sq_end(struct srv_rd *rd)
{
	srv_db_reader_done(rd->db, rd->st); /* ends the read transaction */
	free(rd);
}

static sqlite3_stmt *stmt(struct srv_rd *rd, const char *sql)
{
	sqlite3_stmt *s = store_stmt_sql(rd->st, sql);

	if (!s)
		srv_log("pull: %s", duban_store_errmsg(rd->st));
	return s;
}

static void fixed(char *dst, size_t size, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static char *str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

static duban_date date(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) != SQLITE_TEXT)
		return DUBAN_DATE_NONE;
	return duban_date_parse((const char *)sqlite3_column_text(s, i));
}

static long long single_int(struct srv_rd *rd, const char *sql, long long arg, bool bound)
{
	sqlite3_stmt *s = stmt(rd, sql);
	long long v = 0;
	int rc;

	if (!s)
		return -1;
	if (bound)
		sqlite3_bind_int64(s, 1, arg);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		v = -1;
	sqlite3_reset(s);
	return v;
}

static long long sq_server_seq(struct srv_rd *rd)
{
	return srv_server_seq(rd->st);
}

static int sq_token_at(struct srv_rd *rd, long long seq, char token[13])
{
	sqlite3_stmt *s = stmt(rd, "/* pull */ SELECT token FROM change WHERE seq = ?");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		fixed(token, 13, s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static long long sq_pruned(struct srv_rd *rd)
{
	return single_int(rd, "/* pull */ SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_pruned'", 0, false);
}

static int sq_more(struct srv_rd *rd, long long seq)
{
	long long v = single_int(rd, "/* pull */ SELECT EXISTS (SELECT 1 FROM change WHERE seq > ?)", seq, true);

	return v < 0 ? -1 : v != 0;
}

static bool sq_changes(struct srv_rd *rd, long long since, long long cap,
		       bool (*cb)(void *ctx, const struct srv_change_row *row), void *ctx)
{
	sqlite3_stmt *s = stmt(rd, "/* pull */ SELECT seq, token, entity, entity_id, county, old_county FROM change"
				   " WHERE seq > ? ORDER BY seq LIMIT ?");
	int rc;

	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int64(s, 2, cap);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct srv_change_row row;

		row.seq = sqlite3_column_int64(s, 0);
		fixed(row.token, sizeof row.token, s, 1);
		row.entity = (const char *)sqlite3_column_text(s, 2);
		row.entity_id = (const char *)sqlite3_column_text(s, 3);
		row.county = (const char *)sqlite3_column_text(s, 4);
		row.old_county = (const char *)sqlite3_column_text(s, 5);
		if (!cb(ctx, &row)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE;
}

static enum duban_err sq_item_get(struct srv_rd *rd, const char *id, struct duban_item *item)
{
	enum duban_err err = duban_item_get_by_id(rd->st, id, item);

	if (err != DUBAN_OK && err != DUBAN_ERR_NOT_FOUND)
		srv_log("pull: %s", duban_store_errmsg(rd->st));
	return err;
}

static int sq_item_county(struct srv_rd *rd, const char *id, char **county)
{
	sqlite3_stmt *s = stmt(rd, "/* pull */ SELECT county FROM item WHERE id = ?");
	int rc;

	*county = NULL;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*county = str(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static long long sq_last_event(struct srv_rd *rd, const char *item_id, const char *field)
{
	sqlite3_stmt *s = stmt(rd, "/* pull */ SELECT max(seq) FROM event WHERE item_id = ? AND field = ?");
	long long seq = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, item_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, field, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? seq : -1;
}

static cJSON *note_json(sqlite3_stmt *s)
{
	struct duban_note n = { 0 };
	cJSON *o;

	fixed(n.id, sizeof n.id, s, 0);
	fixed(n.item_id, sizeof n.item_id, s, 1);
	n.author = str(s, 2);
	n.text = str(s, 3);
	fixed(n.created_at, sizeof n.created_at, s, 4);
	fixed(n.received_at, sizeof n.received_at, s, 5);
	o = duban_note_to_json(&n);
	duban_note_free(&n);
	return o;
}

static cJSON *link_json(sqlite3_stmt *s)
{
	struct duban_link l = { 0 };
	cJSON *o;
	int kind;

	fixed(l.id, sizeof l.id, s, 0);
	fixed(l.item_id, sizeof l.item_id, s, 1);
	fixed(l.other_id, sizeof l.other_id, s, 2);
	kind = duban_link_kind_parse((const char *)sqlite3_column_text(s, 3));
	l.kind = kind < 0 ? DUBAN_LINK_RELATED : (enum duban_link_kind)kind;
	l.why = str(s, 4);
	l.author = str(s, 5);
	fixed(l.created_at, sizeof l.created_at, s, 6);
	fixed(l.received_at, sizeof l.received_at, s, 7);
	o = duban_link_to_json(&l);
	duban_link_free(&l);
	return o;
}

static duban_date day(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) != SQLITE_TEXT)
		return DUBAN_DATE_NONE;
	return duban_date_parse((const char *)sqlite3_column_text(s, i));
}

static cJSON *dispatch_json(sqlite3_stmt *s)
{
	struct duban_dispatch_rec r = { 0 };
	int kind = duban_dispatch_kind_parse((const char *)sqlite3_column_text(s, 2));
	cJSON *o;

	fixed(r.id, sizeof r.id, s, 0);
	fixed(r.item_id, sizeof r.item_id, s, 1);
	r.kind = kind < 0 ? DUBAN_DISPATCH_OPEN : (enum duban_dispatch_kind)kind;
	fixed(r.round_id, sizeof r.round_id, s, 3);
	r.name = str(s, 4);
	r.title = str(s, 5);
	r.filters = str(s, 6);
	r.due = day(s, 7);
	r.date = day(s, 8);
	r.progress = sqlite3_column_int(s, 9);
	r.text = str(s, 10);
	fixed(r.attachment_id, sizeof r.attachment_id, s, 11);
	r.author = str(s, 12);
	fixed(r.created_at, sizeof r.created_at, s, 13);
	fixed(r.received_at, sizeof r.received_at, s, 14);
	o = duban_dispatch_rec_to_json(&r);
	duban_dispatch_rec_free(&r);
	return o;
}

static cJSON *inspection_json(sqlite3_stmt *s)
{
	struct duban_inspection r = { 0 };
	cJSON *o;

	fixed(r.id, sizeof r.id, s, 0);
	fixed(r.item_id, sizeof r.item_id, s, 1);
	r.date = date(s, 2);
	r.level = str(s, 3);
	r.inspectors = str(s, 4);
	r.place = str(s, 5);
	r.findings = str(s, 6);
	r.passed = sqlite3_column_int(s, 7) != 0;
	r.author = str(s, 8);
	fixed(r.created_at, sizeof r.created_at, s, 9);
	fixed(r.received_at, sizeof r.received_at, s, 10);
	r.criteria = str(s, 11);
	o = duban_inspection_to_json(&r);
	duban_inspection_free(&r);
	return o;
}

static cJSON *action_json(sqlite3_stmt *s)
{
	struct duban_action a = { 0 };
	int kind = duban_action_kind_parse((const char *)sqlite3_column_text(s, 2));
	cJSON *o;

	fixed(a.id, sizeof a.id, s, 0);
	fixed(a.item_id, sizeof a.item_id, s, 1);
	a.kind = kind < 0 ? DUBAN_ACTION_REMINDER : (enum duban_action_kind)kind;
	a.date = date(s, 3);
	a.due = date(s, 4);
	a.text = str(s, 5);
	a.author = str(s, 6);
	fixed(a.created_at, sizeof a.created_at, s, 7);
	fixed(a.received_at, sizeof a.received_at, s, 8);
	o = duban_action_to_json(&a);
	duban_action_free(&a);
	return o;
}

static cJSON *notice_json(sqlite3_stmt *s)
{
	struct duban_notice r = { 0 };
	int kind = duban_notice_kind_parse((const char *)sqlite3_column_text(s, 2));
	cJSON *o;

	fixed(r.id, sizeof r.id, s, 0);
	fixed(r.item_id, sizeof r.item_id, s, 1);
	r.kind = kind < 0 ? DUBAN_NOTICE_OPEN : (enum duban_notice_kind)kind;
	r.date = date(s, 3);
	r.end = date(s, 4);
	r.place = str(s, 5);
	r.contact = str(s, 6);
	r.person = str(s, 7);
	r.text = str(s, 8);
	fixed(r.objection_id, sizeof r.objection_id, s, 9);
	r.upheld = sqlite3_column_int(s, 10) != 0;
	r.author = str(s, 11);
	fixed(r.created_at, sizeof r.created_at, s, 12);
	fixed(r.received_at, sizeof r.received_at, s, 13);
	o = duban_notice_to_json(&r);
	duban_notice_free(&r);
	return o;
}

static cJSON *attachment_json(sqlite3_stmt *s)
{
	struct duban_attachment a = { 0 };
	cJSON *o;

	fixed(a.id, sizeof a.id, s, 0);
	fixed(a.item_id, sizeof a.item_id, s, 1);
	fixed(a.inspection_id, sizeof a.inspection_id, s, 2);
	fixed(a.sha256, sizeof a.sha256, s, 3);
	a.name = str(s, 4);
	a.mime = str(s, 5);
	a.size = sqlite3_column_int64(s, 6);
	a.author = str(s, 7);
	fixed(a.created_at, sizeof a.created_at, s, 8);
	fixed(a.received_at, sizeof a.received_at, s, 9);
	int kind = duban_evidence_parse((const char *)sqlite3_column_text(s, 10));
	a.kind = kind < 0 ? DUBAN_EVIDENCE_OTHER : (enum duban_evidence_kind)kind;
	o = duban_attachment_to_json(&a);
	duban_attachment_free(&a);
	return o;
}

static cJSON *event_json(sqlite3_stmt *s)
{
	struct duban_event e = { 0 };
	cJSON *o;

	e.id = sqlite3_column_int64(s, 0);
	fixed(e.item_id, sizeof e.item_id, s, 1);
	e.field = str(s, 2);
	e.old_value = sqlite3_column_type(s, 3) == SQLITE_NULL ? NULL : str(s, 3);
	e.new_value = sqlite3_column_type(s, 4) == SQLITE_NULL ? NULL : str(s, 4);
	e.reason = str(s, 5);
	e.author = str(s, 6);
	e.device = str(s, 7);
	fixed(e.created_at, sizeof e.created_at, s, 8);
	fixed(e.received_at, sizeof e.received_at, s, 9);
	fixed(e.op_id, sizeof e.op_id, s, 10);
	o = duban_event_to_json(&e);
	duban_event_free(&e);
	return o;
}

static cJSON *policy_json(sqlite3_stmt *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "key", (const char *)sqlite3_column_text(s, 0));
	cJSON_AddStringToObject(o, "value", (const char *)sqlite3_column_text(s, 1));
	cJSON_AddStringToObject(o, "updated_at", (const char *)sqlite3_column_text(s, 2));
	return o;
}

/* The record tables: each one's columns, as its pull converter reads them,
 * in the order a snapshot sends the tables (an attachment may name an
 * inspection).  A new record kind is one more line. */
#define RECORD_TABLES(X)                                                                                          \
	X(note, "id, item_id, author, text, created_at, received_at")                                               \
	X(inspection, "id, item_id, date, level, inspectors, place, findings, passed, author, created_at,"          \
		      " received_at, criteria")                                                                     \
	X(action, "id, item_id, kind, date, due, text, author, created_at, received_at")                           \
	X(attachment, "id, item_id, inspection_id, sha256, name, mime, size, author, created_at, received_at, kind") \
	X(notice, "id, item_id, kind, date, end_date, place, contact, person, text, objection_id, upheld, author,"   \
		  " created_at, received_at")                                                                       \
	X(link, "id, item_id, other_id, kind, why, author, created_at, received_at")                              \
	X(dispatch, "id, item_id, kind, round_id, name, title, filters, due, date, progress, text, attachment_id,"  \
		    " author, created_at, received_at")

#define RECORD_READ(table, cols) { #table, "/* pull */ SELECT " cols " FROM " #table " WHERE id = ?", table##_json },

static const struct {
	const char *entity, *sql;
	cJSON *(*json)(sqlite3_stmt *s);
} record_reads[] = {
	{ "policy", "/* pull */ SELECT key, value, updated_at FROM policy WHERE key = ?", policy_json },
	RECORD_TABLES(RECORD_READ)
	{ "event", "/* pull */ SELECT seq, item_id, field, old_value, new_value, reason, author, device, created_at,"
		   " received_at, op_id FROM event WHERE seq = ?", event_json },
};

static cJSON *sq_record_json(struct srv_rd *rd, const char *entity, const char *id, bool *error)
{
	for (size_t i = 0; i < sizeof record_reads / sizeof record_reads[0]; i++) {
		sqlite3_stmt *s;
		cJSON *o = NULL;
		int rc;

		if (strcmp(entity, record_reads[i].entity) != 0)
			continue;
		if (!(s = stmt(rd, record_reads[i].sql))) {
			*error = true;
			return NULL;
		}
		if (strcmp(entity, "event") == 0)
			sqlite3_bind_int64(s, 1, atoll(id));
		else
			sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			o = record_reads[i].json(s);
		else if (rc != SQLITE_DONE)
			*error = true;
		sqlite3_reset(s);
		return o;
	}
	return NULL;
}

/* ---------------------------------------------------------------- the snapshot */

#define SNAP_RECORDS(table, cols) { #table, "/* snapshot */ SELECT " cols " FROM " #table " ORDER BY rowid", table##_json },

/* Every row of every record table, in RECORD_TABLES' order. */
static const struct {
	const char *type, *sql;
	cJSON *(*json)(sqlite3_stmt *s);
} snap_records[] = {
	RECORD_TABLES(SNAP_RECORDS)
};

static const char snap_events_sql[] =
	"/* snapshot */ SELECT seq, item_id, field, old_value, new_value, reason, author, device, created_at,"
	" received_at, op_id FROM event ORDER BY seq";
/* ?1: 1 when every county is seen (then only the entries of deleted items
 * can be tombstones). */
static const char snap_gone_sql[] =
	"/* snapshot */ SELECT c.entity_id, c.county, c.old_county, i.county FROM change c"
	" LEFT JOIN item i ON i.id = c.entity_id WHERE c.entity = 'item' AND (i.id IS NULL OR ?1 = 0)"
	" ORDER BY c.entity_id, c.seq";

struct srv_snap_rows {
	struct srv_rd *rd;
	enum srv_snap_part part;
	sqlite3_stmt *s;
	size_t table; /* SRV_SNAP_RECORDS: the row of snap_records */
	struct duban_item item;
};

static sqlite3_stmt *snap_prepare(struct srv_rd *rd, const char *sql)
{
	sqlite3_stmt *s = NULL;

	/* Statements of their own: the pool's cached ones may be in use. */
	if (sqlite3_prepare_v2(rd->sql, sql, -1, &s, NULL) != SQLITE_OK) {
		srv_log("snapshot: %s", sqlite3_errmsg(rd->sql));
		return NULL;
	}
	return s;
}

static struct srv_snap_rows *sq_snap_open(struct srv_rd *rd, enum srv_snap_part part, bool all_counties)
{
	struct srv_snap_rows *c = xcalloc(1, sizeof *c);

	c->rd = rd;
	c->part = part;
	duban_item_init(&c->item);
	switch (part) {
	case SRV_SNAP_ITEMS:
		c->s = store_item_scan_open(rd->st);
		break;
	case SRV_SNAP_RECORDS:
		c->s = snap_prepare(rd, snap_records[0].sql);
		break;
	case SRV_SNAP_EVENTS:
		c->s = snap_prepare(rd, snap_events_sql);
		break;
	case SRV_SNAP_GONE:
		if ((c->s = snap_prepare(rd, snap_gone_sql)))
			sqlite3_bind_int(c->s, 1, all_counties);
		break;
	default:
		break;
	}
	if (!c->s) {
		free(c);
		return NULL;
	}
	return c;
}

static const char *text_or_null(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* The next row of the record tables, going on to the next table at the
 * end of one. */
static int snap_next_record(struct srv_snap_rows *c, struct srv_snap_row *row)
{
	int rc;

	while ((rc = sqlite3_step(c->s)) == SQLITE_DONE) {
		sqlite3_finalize(c->s);
		c->s = NULL;
		if (++c->table >= sizeof snap_records / sizeof snap_records[0])
			return 0;
		if (!(c->s = snap_prepare(c->rd, snap_records[c->table].sql)))
			return -1;
	}
	if (rc != SQLITE_ROW)
		return -1;
	row->type = snap_records[c->table].type;
	row->item_id = text_or_null(c->s, 1);
	row->json = snap_records[c->table].json(c->s);
	return 1;
}

static int sq_snap_next(struct srv_snap_rows *c, struct srv_snap_row *row)
{
	int rc;

	memset(row, 0, sizeof *row);
	if (!c->s)
		return 0;
	switch (c->part) {
	case SRV_SNAP_ITEMS:
		duban_item_free(&c->item);
		duban_item_init(&c->item);
		if ((rc = store_item_scan_next(c->s, &c->item)) <= 0)
			return rc;
		row->type = "item";
		row->county = c->item.county;
		row->item_id = c->item.id;
		row->json = duban_item_to_json(&c->item);
		return 1;
	case SRV_SNAP_RECORDS:
		return snap_next_record(c, row);
	default:
		break;
	}
	rc = sqlite3_step(c->s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	if (c->part == SRV_SNAP_EVENTS) {
		row->type = "event";
		row->item_id = text_or_null(c->s, 1);
		row->json = event_json(c->s);
		return 1;
	}
	row->item_id = text_or_null(c->s, 0);
	row->county = text_or_null(c->s, 1);
	row->old_county = text_or_null(c->s, 2);
	row->now = text_or_null(c->s, 3);
	return 1;
}

static void sq_snap_close(struct srv_snap_rows *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->s);
	duban_item_free(&c->item);
	free(c);
}

static bool sq_county_counts(struct srv_rd *rd, void (*cb)(void *ctx, const char *county, long long n), void *ctx)
{
	sqlite3_stmt *s = stmt(rd, "/* pull */ SELECT county, count(*) FROM item GROUP BY county");
	int rc;

	if (!s)
		return false;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	return rc == SQLITE_DONE;
}

static int sq_last_entry(struct srv_rd *rd, long long *seq, char token[13])
{
	sqlite3_stmt *s = stmt(rd, "/* pull */ SELECT seq, token FROM change ORDER BY seq DESC LIMIT 1");
	int rc;

	*seq = 0;
	token[0] = '\0';
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		fixed(token, 13, s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 1 : -1;
}

const struct srv_pull_ops srv_sqlite_pull_ops = {
	.begin = sq_begin,
	.end = sq_end,
	.server_seq = sq_server_seq,
	.token_at = sq_token_at,
	.pruned = sq_pruned,
	.more = sq_more,
	.changes = sq_changes,
	.item_get = sq_item_get,
	.record_json = sq_record_json,
	.item_county = sq_item_county,
	.last_event = sq_last_event,
	.snap_open = sq_snap_open,
	.snap_next = sq_snap_next,
	.snap_close = sq_snap_close,
	.county_counts = sq_county_counts,
	.last_entry = sq_last_entry,
};
