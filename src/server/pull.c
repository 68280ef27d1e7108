/* GET /api/v1/pull: pages of the change log after a cursor, scoped to what
 * the user may see, each item in its current state. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/json.h"
#include "duban/util.h"
#include "server.h"
#include "store_internal.h"

#define PULL_DEFAULT 500
#define PULL_MAX 2000
/* How many log entries one page may examine per change it may hold. */
#define PULL_EXAMINE 8
/* A page stops before this many bytes of JSON (but holds at least one
 * change), so that no page outgrows the client's answer cap (128 MB) however
 * large the items are. */
#define PULL_MAX_BYTES (4 * 1024 * 1024)

enum pull_stmt {
	Q_CHANGES, Q_TOKEN, Q_PRUNED, Q_MORE, Q_COUNTY, Q_NOTE, Q_INSPECTION, Q_ACTION, Q_ATTACHMENT, Q_EVENT, Q_CAUSE, Q_COUNT
};

static const char *const pull_sql[Q_COUNT] = {
	[Q_CHANGES] = "SELECT seq, token, entity, entity_id, county, old_county FROM change"
		      " WHERE seq > ? ORDER BY seq LIMIT ?",
	[Q_TOKEN] = "SELECT token FROM change WHERE seq = ?",
	[Q_PRUNED] = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_pruned'",
	[Q_MORE] = "SELECT EXISTS (SELECT 1 FROM change WHERE seq > ?)",
	[Q_COUNTY] = "SELECT county FROM item WHERE id = ?",
	[Q_NOTE] = "SELECT id, item_id, author, text, created_at, received_at FROM note WHERE id = ?",
	[Q_INSPECTION] = "SELECT id, item_id, date, level, inspectors, place, findings, passed, author, created_at,"
			 " received_at FROM inspection WHERE id = ?",
	[Q_ACTION] = "SELECT id, item_id, kind, date, due, text, author, created_at, received_at FROM action WHERE id = ?",
	[Q_ATTACHMENT] = "SELECT id, item_id, inspection_id, sha256, name, mime, size, author, created_at, received_at"
			 " FROM attachment WHERE id = ?",
	[Q_EVENT] = "SELECT seq, item_id, field, old_value, new_value, reason, author, device, created_at, received_at,"
		    " op_id FROM event WHERE seq = ?",
	[Q_CAUSE] = "SELECT max(seq) FROM event WHERE item_id = ? AND field = ?",
};

struct pull {
	duban_store *st;
	sqlite3 *db;
	const struct srv_user *u;
	sqlite3_stmt *stmt[Q_COUNT];
	bool db_error;
	/* Ids already sent in this page (open addressing, size a power of 2). */
	char (*seen)[37];
	size_t nseen_slots;
};

static sqlite3_stmt *stmt(struct pull *p, enum pull_stmt id)
{
	sqlite3_stmt *s = p->stmt[id];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v2(p->db, pull_sql[id], -1, &s, NULL) != SQLITE_OK) {
		srv_log("pull: preparing a statement: %s", sqlite3_errmsg(p->db));
		p->db_error = true;
		return NULL;
	}
	p->stmt[id] = s;
	return s;
}

/* ---------------------------------------------------------------- the page's ids */

/* Adds id; false when it was there already. */
static bool seen_add(struct pull *p, const char *id)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (const unsigned char *c = (const unsigned char *)id; *c; c++)
		h = (h ^ *c) * 16777619u;
	for (i = h & (p->nseen_slots - 1); p->seen[i][0]; i = (i + 1) & (p->nseen_slots - 1)) {
		if (strcmp(p->seen[i], id) == 0)
			return false;
	}
	snprintf(p->seen[i], sizeof p->seen[i], "%s", id);
	return true;
}

/* ---------------------------------------------------------------- columns */

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

/* ---------------------------------------------------------------- records */

/* The record as JSON, or NULL when it is gone (its item was deleted). */
static cJSON *record_json(struct pull *p, const char *entity, const char *id)
{
	enum pull_stmt q;
	sqlite3_stmt *s;
	cJSON *o = NULL;
	int rc;

	if (strcmp(entity, "note") == 0)
		q = Q_NOTE;
	else if (strcmp(entity, "inspection") == 0)
		q = Q_INSPECTION;
	else if (strcmp(entity, "action") == 0)
		q = Q_ACTION;
	else if (strcmp(entity, "attachment") == 0)
		q = Q_ATTACHMENT;
	else if (strcmp(entity, "event") == 0)
		q = Q_EVENT;
	else
		return NULL;
	if (!(s = stmt(p, q)))
		return NULL;
	if (q == Q_EVENT)
		sqlite3_bind_int64(s, 1, atoll(id));
	else
		sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			p->db_error = true;
		sqlite3_reset(s);
		return NULL;
	}
	switch (q) {
	case Q_NOTE: {
		struct duban_note n = { 0 };
		fixed(n.id, sizeof n.id, s, 0);
		fixed(n.item_id, sizeof n.item_id, s, 1);
		n.author = str(s, 2);
		n.text = str(s, 3);
		fixed(n.created_at, sizeof n.created_at, s, 4);
		fixed(n.received_at, sizeof n.received_at, s, 5);
		o = duban_note_to_json(&n);
		duban_note_free(&n);
		break;
	}
	case Q_INSPECTION: {
		struct duban_inspection r = { 0 };
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
		o = duban_inspection_to_json(&r);
		duban_inspection_free(&r);
		break;
	}
	case Q_ACTION: {
		struct duban_action a = { 0 };
		int kind = duban_action_kind_parse((const char *)sqlite3_column_text(s, 2));
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
		break;
	}
	case Q_ATTACHMENT: {
		struct duban_attachment a = { 0 };
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
		o = duban_attachment_to_json(&a);
		duban_attachment_free(&a);
		break;
	}
	case Q_EVENT: {
		struct duban_event e = { 0 };
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
		break;
	}
	default:
		break;
	}
	sqlite3_reset(s);
	return o;
}

/* Whether the record's item exists and lies in the user's counties. */
static bool item_visible(struct pull *p, const char *item_id)
{
	sqlite3_stmt *s = stmt(p, Q_COUNTY);
	bool visible = false;
	int rc;

	if (!s)
		return false;
	sqlite3_bind_text(s, 1, item_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		visible = srv_user_sees(p->u, (const char *)sqlite3_column_text(s, 0));
	else if (rc != SQLITE_DONE)
		p->db_error = true;
	sqlite3_reset(s);
	return visible;
}

/* ---------------------------------------------------------------- one entry */

static cJSON *tombstone(long long seq, const char *item_id, const char *reason)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddNumberToObject(c, "seq", (double)seq);
	cJSON_AddStringToObject(c, "type", "tombstone");
	cJSON_AddStringToObject(c, "item_id", item_id);
	cJSON_AddStringToObject(c, "reason", reason);
	return c;
}

/* A tombstone names the change that caused it (the deletion, or the move
 * to another county) with its author, so the replica's history has it. */
static void add_cause(struct pull *p, cJSON *tomb, const char *item_id, const char *field)
{
	sqlite3_stmt *s = stmt(p, Q_CAUSE);
	long long seq = 0;
	char id[24];
	cJSON *e;

	if (!s)
		return;
	sqlite3_bind_text(s, 1, item_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, field, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!seq)
		return;
	snprintf(id, sizeof id, "%lld", seq);
	if ((e = record_json(p, "event", id)))
		cJSON_AddItemToObject(tomb, "event", e);
}

/* An item entry: the item as it is now, whatever this entry changed. */
static cJSON *item_change(struct pull *p, long long seq, const char *id)
{
	struct duban_item item;
	enum duban_err err;
	cJSON *c = NULL;

	duban_item_init(&item);
	err = duban_item_get_by_id(p->st, id, &item);
	if (err == DUBAN_OK && srv_user_sees(p->u, item.county)) {
		c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "seq", (double)seq);
		cJSON_AddStringToObject(c, "type", "item");
		cJSON_AddItemToObject(c, "item", duban_item_to_json(&item));
	} else if (err == DUBAN_OK) {
		c = tombstone(seq, id, "scope");
		add_cause(p, c, id, "county");
	} else if (err == DUBAN_ERR_NOT_FOUND) {
		c = tombstone(seq, id, "deleted");
		add_cause(p, c, id, "delete");
	} else {
		srv_log("pull: %s", duban_store_errmsg(p->st));
		p->db_error = true;
	}
	duban_item_free(&item);
	return c;
}

static cJSON *record_change(struct pull *p, long long seq, const char *entity, const char *id)
{
	cJSON *record, *c;

	if (!(record = record_json(p, entity, id)))
		return NULL;
	if (!item_visible(p, cJSON_GetObjectItemCaseSensitive(record, "item_id")->valuestring)) {
		cJSON_Delete(record);
		return NULL;
	}
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "seq", (double)seq);
	cJSON_AddStringToObject(c, "type", entity);
	cJSON_AddItemToObject(c, entity, record);
	return c;
}

/* ---------------------------------------------------------------- cursor */

/* "SEQ-TOKEN" (12 hex digits), or "0" for the start. */
static bool parse_cursor(const char *since, long long *seq, char token[13])
{
	const char *p = since;
	long long n = 0;
	int digits = 0;

	token[0] = '\0';
	*seq = 0;
	if (!since || !*since)
		return true;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 18)
			return false;
		n = n * 10 + (*p - '0');
	}
	if (!digits)
		return false;
	*seq = n;
	if (!*p)
		return n == 0;
	if (*p++ != '-' || strlen(p) != 12)
		return false;
	for (int i = 0; i < 12; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	}
	memcpy(token, p, 13);
	return true;
}

static long long single_int(struct pull *p, enum pull_stmt id, long long arg, bool bound)
{
	sqlite3_stmt *s = stmt(p, id);
	long long v = 0;
	int rc;

	if (!s)
		return 0;
	if (bound)
		sqlite3_bind_int64(s, 1, arg);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		p->db_error = true;
	sqlite3_reset(s);
	return v;
}

/* NULL when the cursor can be served, else the reset reason. */
static const char *cursor_check(struct pull *p, long long seq, const char *token, long long server_seq)
{
	sqlite3_stmt *s;
	long long pruned;
	int rc;
	bool found = false, same = false;

	if (seq == 0)
		return NULL;
	if (seq > server_seq)
		return "cursor_unknown";
	if (!(s = stmt(p, Q_TOKEN)))
		return NULL;
	sqlite3_bind_int64(s, 1, seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = true;
		same = strcmp((const char *)sqlite3_column_text(s, 0), token) == 0;
	} else if (rc != SQLITE_DONE) {
		p->db_error = true;
	}
	sqlite3_reset(s);
	if (found && !same)
		return "cursor_unknown";
	/* Entries after the cursor were pruned: the client missed them. */
	pruned = single_int(p, Q_PRUNED, 0, false);
	if (seq < pruned)
		return "cursor_expired";
	/* The entry itself may have been the last one pruned; otherwise a
	 * missing entry is one this server never wrote. */
	if (!found && seq > pruned)
		return "cursor_unknown";
	return NULL;
}

/* ---------------------------------------------------------------- the page */

/* Whether change c would take the page past PULL_MAX_BYTES; counts it in
 * *bytes when not.  The first change of a page always fits. */
static bool page_full(size_t *bytes, const cJSON *c, int count)
{
	size_t size = duban_json_size(c) + 1;
	if (count > 0 && *bytes + size > PULL_MAX_BYTES)
		return true;
	*bytes += size;
	return false;
}

static cJSON *page(struct pull *p, long long since, const char *since_text, int limit, long long server_seq)
{
	sqlite3_stmt *s = stmt(p, Q_CHANGES);
	long long cap = (long long)limit * PULL_EXAMINE, last = since, examined = 0;
	char last_token[13] = "", next[40];
	int count = 0, rc = SQLITE_DONE;
	size_t bytes = 0;
	cJSON *changes, *answer;

	if (!s)
		return NULL;
	for (p->nseen_slots = 16; p->nseen_slots < (size_t)cap * 2; p->nseen_slots *= 2)
		;
	p->seen = xcalloc(p->nseen_slots, sizeof *p->seen);
	changes = cJSON_CreateArray();
	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int64(s, 2, cap);
	while (count < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(s, 0);
		const char *entity = (const char *)sqlite3_column_text(s, 2);
		const char *id = (const char *)sqlite3_column_text(s, 3);
		const char *county = (const char *)sqlite3_column_text(s, 4);
		const char *old_county = (const char *)sqlite3_column_text(s, 5);
		cJSON *c;

		long long prev_last = last;
		char prev_token[13];
		memcpy(prev_token, last_token, sizeof prev_token);
		examined++;
		last = seq;
		fixed(last_token, sizeof last_token, s, 1);
		if (!srv_user_sees(p->u, county) && !srv_user_sees(p->u, old_county))
			continue;
		/* Each item and record once a page; an item is sent as it is now,
		 * so its later entries add nothing. */
		if (!seen_add(p, id))
			continue;
		if (strcmp(entity, "item") == 0)
			c = item_change(p, seq, id);
		else
			c = record_change(p, seq, entity, id);
		if (p->db_error)
			break;
		if (c && page_full(&bytes, c, count)) {
			/* Not in this page: the next one starts with it. */
			cJSON_Delete(c);
			last = prev_last;
			memcpy(last_token, prev_token, sizeof last_token);
			break;
		}
		if (c) {
			cJSON_AddItemToArray(changes, c);
			count++;
		}
	}
	if (count < limit && rc != SQLITE_DONE && rc != SQLITE_ROW)
		p->db_error = true;
	sqlite3_reset(s);
	free(p->seen);
	p->seen = NULL;
	if (p->db_error) {
		cJSON_Delete(changes);
		return NULL;
	}
	if (examined)
		snprintf(next, sizeof next, "%lld-%s", last, last_token);
	else
		snprintf(next, sizeof next, "%s", since ? since_text : "0");
	answer = cJSON_CreateObject();
	cJSON_AddNumberToObject(answer, "server_seq", (double)server_seq);
	cJSON_AddStringToObject(answer, "next", next);
	cJSON_AddBoolToObject(answer, "more", single_int(p, Q_MORE, last, true) != 0);
	cJSON_AddItemToObject(answer, "changes", changes);
	cJSON_AddItemToObject(answer, "account", srv_account_json(p->u));
	return answer;
}

int srv_pull(srv_db *db, const struct srv_user *u, const char *since, int limit, cJSON **response)
{
	struct pull p = { .u = u };
	long long seq, server_seq;
	char token[13];
	const char *reset;
	int status = 200;

	*response = NULL;
	if (!parse_cursor(since, &seq, token)) {
		*response = srv_error("bad_cursor", "'%s' is not a cursor this server gives out", since);
		return 400;
	}
	if (limit <= 0)
		limit = PULL_DEFAULT;
	if (limit > PULL_MAX)
		limit = PULL_MAX;

	p.st = srv_db_reader(db);
	p.db = duban_store_db(p.st);
	/* One snapshot for the whole page: the cursor check, the log and the
	 * rows it points to agree. */
	if (sqlite3_exec(p.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		p.db_error = true;
		goto out;
	}
	server_seq = srv_server_seq(p.st);
	reset = cursor_check(&p, seq, token, server_seq);
	if (p.db_error)
		goto out;
	if (reset) {
		*response = cJSON_CreateObject();
		cJSON_AddBoolToObject(*response, "reset", true);
		cJSON_AddStringToObject(*response, "reason", reset);
		cJSON_AddStringToObject(*response, "message",
					strcmp(reset, "cursor_expired") == 0
					? "the changes after this cursor were pruned: download everything again"
					: "this server never gave out this cursor (restored from a backup?):"
					  " download everything again");
		cJSON_AddNumberToObject(*response, "server_seq", (double)server_seq);
		goto out;
	}
	*response = page(&p, seq, since, limit, server_seq);
out:
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(p.stmt[i]);
	if (!sqlite3_get_autocommit(p.db))
		sqlite3_exec(p.db, "COMMIT", NULL, NULL, NULL);
	srv_db_reader_done(db, p.st);
	if (p.db_error || !*response) {
		cJSON_Delete(*response);
		*response = srv_error("internal", "the changes could not be read");
		status = 500;
	}
	return status;
}

/* ---------------------------------------------------------------- items by id */

#define ITEMS_MAX 200

int srv_items(srv_db *db, const struct srv_user *u, const char *ids, cJSON **response)
{
	struct pull p = { .u = u };
	cJSON *items, *missing;
	char *list = xstrdup(ids ? ids : ""), *save = NULL;
	int n = 0;

	*response = NULL;
	items = cJSON_CreateArray();
	missing = cJSON_CreateArray();
	p.st = srv_db_reader(db);
	p.db = duban_store_db(p.st);
	for (char *id = strtok_r(list, ",", &save); id && !p.db_error; id = strtok_r(NULL, ",", &save)) {
		struct duban_item item;
		enum duban_err err;

		if (!duban_uuid_valid(id) || ++n > ITEMS_MAX) {
			*response = srv_error("bad_request", "ids is a list of at most %d item ids", ITEMS_MAX);
			break;
		}
		duban_item_init(&item);
		err = duban_item_get_by_id(p.st, id, &item);
		/* An item this user may not see is answered like one that does
		 * not exist: the answer reveals nothing of other counties. */
		if (err == DUBAN_OK && srv_user_sees(u, item.county))
			cJSON_AddItemToArray(items, duban_item_to_json(&item));
		else if (err == DUBAN_OK || err == DUBAN_ERR_NOT_FOUND)
			cJSON_AddItemToArray(missing, cJSON_CreateString(id));
		else
			p.db_error = true;
		duban_item_free(&item);
	}
	srv_db_reader_done(db, p.st);
	free(list);
	if (*response || p.db_error) {
		cJSON_Delete(items);
		cJSON_Delete(missing);
		if (*response)
			return 400;
		*response = srv_error("internal", "the items could not be read");
		return 500;
	}
	if (n == 0) {
		cJSON_Delete(items);
		cJSON_Delete(missing);
		*response = srv_error("bad_request", "ids is a list of at most %d item ids", ITEMS_MAX);
		return 400;
	}
	*response = cJSON_CreateObject();
	cJSON_AddItemToObject(*response, "items", items);
	cJSON_AddItemToObject(*response, "missing", missing);
	return 200;
}
