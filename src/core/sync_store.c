/* The client side of sync in the local ledger: the outbox as a push reads
 * it, the server's answers, pulled changes merged with unsent local ones, the
 * conflicts left for the user and the sync state.  No network here: the
 * engine in src/sync moves the JSON. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/dispatch.h"
#include "duban/json.h"
#include "duban/sync_store.h"
#include "duban/util.h"
#include "store_internal.h"

/* ---------------------------------------------------------------- helpers */

/* Every statement of this module, cached on the connection: a pull applies
 * thousands of items, and preparing each statement each time cost a third
 * of the time.  sql must be a string literal. */
#define prep(st, sql) store_stmt_sql((st), "/* sync_store */ " sql)

/* NULL binds NULL: base, value and theirs keep "no value" apart from "". */
static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Steps a statement that returns no rows and resets it. */
static enum duban_err run(duban_store *st, sqlite3_stmt *s, const char *what)
{
	enum duban_err err = DUBAN_OK;

	if (!s)
		return DUBAN_ERR_DB;
	if (sqlite3_step(s) != SQLITE_DONE)
		err = store_db_fail(st, what);
	sqlite3_reset(s);
	return err;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static void col_copy(char *dst, size_t size, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* The protocol says null and "" are the same value. */
static bool text_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static bool item_exists(duban_store *st, const char *item_id)
{
	sqlite3_stmt *s = prep(st, "SELECT 1 FROM item WHERE id = ?");
	bool found;

	if (!s)
		return false;
	bind_str(s, 1, item_id);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/* The item with exactly this id; *found false (and DUBAN_OK) when absent. */
static enum duban_err load_item(duban_store *st, const char *item_id, struct duban_item *out, bool *found)
{
	enum duban_err err = duban_item_get_by_id(st, item_id, out);

	*found = err == DUBAN_OK;
	return err == DUBAN_ERR_NOT_FOUND ? DUBAN_OK : err;
}

static enum duban_err set_sync_flag(duban_store *st, const char *item_id, const char *flag)
{
	sqlite3_stmt *s = prep(st, "UPDATE item SET sync_flag = ?2 WHERE id = ?1 AND sync_flag <> ?2");

	if (s) {
		bind_str(s, 1, item_id);
		bind_str(s, 2, flag);
	}
	return run(st, s, _("saving the item"));
}

/* ---------------------------------------------------------------- outbox */

#define OP_COLUMNS "seq, id, kind, item_id, field, base, value, body, created_at, state, reason"

/* A refusal is kept as "CODE\tMESSAGE": the server's machine code and its
 * English message (older servers send no code, older rows hold the message
 * alone).  Shown in the user's language: the message itself when the
 * catalogue has it (the core's own refusals), else the code's sentence when
 * that is translated, else the message, which says the most in English. */
static const struct {
	const char *code, *text;
} refusals[] = {
	{ "permission", N_("your role or counties do not allow this change") },
	{ "transition", N_("the workflow does not allow this status change from the item's status on the server") },
	{ "validation", N_("the server found a value it cannot accept") },
	{ "not_found", N_("the server does not have the item this record belongs to") },
	{ "not_in_counties", N_("you may not change this item: it is not in your counties, or not on the server") },
	{ "no_item", N_("the server does not have this item") },
	{ "county_forbidden", N_("your role may not change items of this county") },
	{ "bad_implied_by", N_("the change names a cause the server does not know") },
	{ "status_void", N_("the item's status changed on the server, so the change that followed it is void") },
	{ "not_settable", N_("this field cannot be changed this way") },
	{ "bad_value", N_("the server cannot read the value") },
	{ "bad_status_op", N_("the status change is incomplete") },
	{ "status_moved", N_("the item's status on the server is no longer the one this change started from") },
	{ "in_use", N_("the id or the code of this item is already in use") },
	{ "no_body", N_("the change carries no record") },
	{ "id_mismatch", N_("the record belongs to another item than the change") },
	{ "exists", N_("the item already exists on the server") },
	{ "create_status", N_("your role may not create an item with this status") },
	{ "delete_office_only", N_("only the office may delete items") },
	{ "author", N_("a record's author must be the user who sends it") },
	{ "blob_missing", N_("the attachment's file has not been uploaded") },
	{ "read_only", N_("a viewer may not change the ledger") },
	{ "op_id_used", N_("the change's id is already used") },
	{ "notice_running", N_("the item's public notice has not ended: it cannot be closed yet") },
	{ "objection_open", N_("an objection to the item's public notice is open: settle it before closing") },
	{ "notice_office_only", N_("only the office opens a public notice or settles an objection") },
	{ "objection_unknown", N_("the objection this resolution settles is not on the server") },
	{ "level_unknown", N_("the item's acceptance chain on the server has no such level") },
	{ "level_order", N_("on the server another acceptance level is next: levels are signed in order") },
	{ "level_role", N_("your role may not sign this acceptance level") },
	{ "evidence_missing", N_("the request for acceptance lacks the evidence the office's policy requires") },
	{ "chain_incomplete", N_("an item is verified only by signing the last level of its acceptance chain") },
	{ "levels_office_only", N_("only the office sets an item's acceptance levels") },
	{ "dispatch_office_only", N_("only the office opens or closes a dispatch round") },
	{ "dispatch_exists", N_("another dispatch round of this name is on the server") },
	{ "dispatch_not_member", N_("the item is not in this dispatch round on the server") },
	{ "dispatch_closed", N_("the dispatch round is closed on the server") },
	{ "dispatch_attachment_unknown", N_("the submission's attachment is not one of the item's on the server") },
};

static char *refusal_text(const char *stored)
{
	if (!stored)
		return NULL;
	const char *tab = strchr(stored, '\t');
	const char *message = tab ? tab + 1 : stored;
	if (*message && _(message) != message)
		return xstrdup(_(message));
	for (size_t i = 0; tab && i < sizeof refusals / sizeof refusals[0]; i++)
		if (strlen(refusals[i].code) == (size_t)(tab - stored) &&
		    strncmp(stored, refusals[i].code, (size_t)(tab - stored)) == 0 &&
		    (_(refusals[i].text) != refusals[i].text || !*message))
			return xstrdup(_(refusals[i].text));
	return xstrdup(message);
}

static void read_op(sqlite3_stmt *s, struct duban_op *op)
{
	memset(op, 0, sizeof *op);
	op->seq = sqlite3_column_int64(s, 0);
	col_copy(op->id, sizeof op->id, s, 1);
	col_copy(op->kind, sizeof op->kind, s, 2);
	col_copy(op->item_id, sizeof op->item_id, s, 3);
	op->field = col_dup(s, 4);
	op->base = col_dup(s, 5);
	op->value = col_dup(s, 6);
	op->body = col_dup(s, 7);
	col_copy(op->created_at, sizeof op->created_at, s, 8);
	col_copy(op->state, sizeof op->state, s, 9);
	char *stored = col_dup(s, 10);
	op->reason = refusal_text(stored);
	free(stored);
}

void duban_op_free(struct duban_op *op)
{
	if (!op)
		return;
	free(op->field);
	free(op->base);
	free(op->value);
	free(op->body);
	free(op->reason);
	op->field = op->base = op->value = op->body = op->reason = NULL;
}

void duban_ops_free(struct duban_op *ops, int n)
{
	for (int i = 0; i < n; i++)
		duban_op_free(&ops[i]);
	free(ops);
}

enum duban_err duban_outbox_read(duban_store *st, long long after_seq, int n, struct duban_op *ops, int *got)
{
	sqlite3_stmt *s;
	int rc;

	*got = 0;
	if (n <= 0)
		return DUBAN_OK;
	s = prep(st, "SELECT " OP_COLUMNS " FROM op WHERE state = 'queued' AND seq > ? ORDER BY seq LIMIT ?");
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, n);
	while (*got < n && (rc = sqlite3_step(s)) == SQLITE_ROW)
		read_op(s, &ops[(*got)++]);
	if (*got < n && rc != SQLITE_DONE) {
		enum duban_err err = store_db_fail(st, _("reading the outbox"));
		sqlite3_reset(s);
		for (int i = 0; i < *got; i++)
			duban_op_free(&ops[i]);
		*got = 0;
		return err;
	}
	sqlite3_reset(s);
	return DUBAN_OK;
}

enum duban_err duban_outbox_rejected(duban_store *st, struct duban_op **ops, int *n)
{
	sqlite3_stmt *s = prep(st, "SELECT " OP_COLUMNS " FROM op WHERE state = 'rejected' ORDER BY seq");
	int cap = 0, rc;

	*ops = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ops = xrealloc(*ops, (size_t)cap * sizeof **ops);
		}
		read_op(s, &(*ops)[(*n)++]);
	}
	if (rc != SQLITE_DONE) {
		enum duban_err err = store_db_fail(st, _("reading the outbox"));
		sqlite3_reset(s);
		duban_ops_free(*ops, *n);
		*ops = NULL;
		*n = 0;
		return err;
	}
	sqlite3_reset(s);
	return DUBAN_OK;
}

/* The one number s (prepared by the caller, may be NULL) returns. */
static long long count_of(sqlite3_stmt *s, const char *arg)
{
	long long n = 0;

	if (!s)
		return 0;
	if (arg)
		bind_str(s, 1, arg);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

long long duban_outbox_rejected_count(duban_store *st)
{
	return count_of(prep(st, "SELECT count(*) FROM op WHERE state = 'rejected'"), NULL);
}

cJSON *duban_op_to_json(const struct duban_op *op)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", op->id);
	cJSON_AddNumberToObject(o, "client_seq", (double)op->seq);
	cJSON_AddStringToObject(o, "kind", op->kind);
	cJSON_AddStringToObject(o, "item_id", op->item_id);
	if (op->field)
		cJSON_AddStringToObject(o, "field", op->field);
	if (op->base)
		cJSON_AddStringToObject(o, "base", op->base);
	if (op->value)
		cJSON_AddStringToObject(o, "value", op->value);
	if (op->body) {
		cJSON *body = cJSON_Parse(op->body);
		if (!body) {
			cJSON_Delete(o);
			return NULL;
		}
		/* The server names the author of a record: the user who sends it,
		 * whoever was logged in (or not) when it was written here. */
		cJSON_DeleteItemFromObjectCaseSensitive(body, "author");
		cJSON_DeleteItemFromObjectCaseSensitive(body, "received_at");
		cJSON_AddItemToObject(o, "body", body);
	}
	cJSON_AddStringToObject(o, "created_at", op->created_at);
	return o;
}

/* ---------------------------------------------------------------- conflict rows */

/* One unresolved conflict per item and field (per item for deletions): a
 * newer answer or pulled value updates it instead of piling up rows the user
 * would have to resolve one by one. */
struct conflict_in {
	const char *item_id, *kind, *field, *base, *mine, *theirs, *op_id;
	long long version;
};

static long long open_conflict(duban_store *st, const char *item_id, const char *kind, const char *field)
{
	sqlite3_stmt *s;
	long long id = 0;

	if (strcmp(kind, "field") == 0) {
		s = prep(st, "SELECT id FROM conflict WHERE item_id = ?1 AND kind = 'field' AND field = ?2"
			     " AND resolved = 0 ORDER BY id LIMIT 1");
		if (s)
			bind_str(s, 2, field);
	} else {
		s = prep(st, "SELECT id FROM conflict WHERE item_id = ?1 AND kind = ?2 AND resolved = 0"
			     " ORDER BY id LIMIT 1");
		if (s)
			bind_str(s, 2, kind);
	}
	if (!s)
		return -1;
	bind_str(s, 1, item_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static enum duban_err conflict_put(duban_store *st, const struct conflict_in *c, const char *now)
{
	long long id = open_conflict(st, c->item_id, c->kind, c->field);
	sqlite3_stmt *s;

	if (id < 0)
		return DUBAN_ERR_DB;
	if (id > 0 && strcmp(c->kind, "field") != 0)
		return DUBAN_OK;
	if (id > 0) {
		/* The first base stays: it is what the server had when the user
		 * started; mine is the latest local value. */
		s = prep(st, "UPDATE conflict SET mine = ?2, theirs = ?3, version = ?4,"
			     " op_id = coalesce(?5, op_id) WHERE id = ?1");
		if (!s)
			return DUBAN_ERR_DB;
		sqlite3_bind_int64(s, 1, id);
		bind_str(s, 2, c->mine);
		bind_str(s, 3, c->theirs);
		sqlite3_bind_int64(s, 4, c->version);
		bind_str(s, 5, c->op_id);
		return run(st, s, _("saving a conflict"));
	}
	s = prep(st, "INSERT INTO conflict (item_id, field, base, mine, theirs, created_at, op_id, kind, version)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!s)
		return DUBAN_ERR_DB;
	bind_str(s, 1, c->item_id);
	bind_str(s, 2, c->field ? c->field : "");
	bind_str(s, 3, c->base);
	bind_str(s, 4, c->mine);
	bind_str(s, 5, c->theirs);
	bind_str(s, 6, now);
	bind_str(s, 7, c->op_id);
	bind_str(s, 8, c->kind);
	sqlite3_bind_int64(s, 9, c->version);
	return run(st, s, _("saving a conflict"));
}

/* ---------------------------------------------------------------- settle */

enum answer_kind { ANSWER_APPLIED, ANSWER_CONFLICT, ANSWER_REJECTED };

static enum duban_err settle_conflict(duban_store *st, const struct duban_op *op, const cJSON *answer,
				      const char *now)
{
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(answer, "base");
	const char *reason = jstr(answer, "reason");
	bool deleted = reason && strcmp(reason, "deleted") == 0;
	struct conflict_in c = {
		.item_id = op->item_id,
		.kind = deleted ? "deleted" : "field",
		.field = jstr(answer, "field") ? jstr(answer, "field") : op->field,
		.base = base ? jstr(answer, "base") : op->base,
		.mine = jstr(answer, "mine"),
		.theirs = jstr(answer, "theirs"),
		.op_id = op->id,
		.version = jnum(answer, "version"),
	};
	enum duban_err err;

	if (!c.mine)
		c.mine = op->value ? op->value : op->body;
	if (!deleted && (!c.field || !*c.field))
		return store_fail(st, DUBAN_ERR_PARSE, _("the server answered a conflict without a field to change %s"),
				  op->id);
	err = conflict_put(st, &c, now);
	if (!err && deleted)
		err = set_sync_flag(st, op->item_id, "deleted_on_server");
	return err;
}

enum duban_err duban_outbox_settle(duban_store *st, const struct duban_op *op, const cJSON *answer)
{
	const char *id, *result, *first;
	enum answer_kind kind;
	enum duban_err err;
	sqlite3_stmt *s;
	char now[25];

	if (!cJSON_IsObject(answer))
		return store_fail(st, DUBAN_ERR_PARSE, _("the server's answer to change %s is not an object"), op->id);
	id = jstr(answer, "id");
	if (id && strcmp(id, op->id) != 0)
		return store_fail(st, DUBAN_ERR_PARSE, _("the server's answer for change %s was given to change %s"),
				  id, op->id);
	result = jstr(answer, "result");
	first = result;
	if (result && strcmp(result, "duplicate") == 0)
		first = jstr(answer, "first");
	if (first && strcmp(first, "applied") == 0)
		kind = ANSWER_APPLIED;
	else if (first && strcmp(first, "conflict") == 0)
		kind = ANSWER_CONFLICT;
	else if (first && strcmp(first, "rejected") == 0)
		kind = ANSWER_REJECTED;
	else
		return store_fail(st, DUBAN_ERR_PARSE, _("the server answered '%s' to change %s"),
				  first ? first : result ? result : "", op->id);

	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	duban_timestamp_now(now);
	if (kind == ANSWER_REJECTED) {
		const char *msg = jstr(answer, "message");
		const char *code = jstr(answer, "code");
		if (!msg || !*msg)
			msg = jstr(answer, "reason");
		/* A code of plain letters only: it is stored before a tab. */
		bool coded = code && *code && strspn(code, "abcdefghijklmnopqrstuvwxyz_") == strlen(code);
		char *kept = coded ? xasprintf("%s\t%s", code, msg && *msg ? msg : "") : NULL;
		s = prep(st, "UPDATE op SET state = 'rejected', reason = ?2 WHERE id = ?1");
		if (s) {
			bind_str(s, 1, op->id);
			bind_str(s, 2, kept ? kept : msg && *msg ? msg : _("refused by the server"));
		}
		free(kept);
		err = run(st, s, _("saving the server's answer"));
	} else {
		s = prep(st, "DELETE FROM op WHERE id = ?");
		if (s)
			bind_str(s, 1, op->id);
		err = run(st, s, _("saving the server's answer"));
		if (!err && kind == ANSWER_CONFLICT)
			err = settle_conflict(st, op, answer, now);
	}
	return store_change_end(st, err);
}

/* The server refused a field or status change and the user gave it up.
 * The change never happened: its events here go.  The value the replica
 * must show is the server's, which may have moved since the change was
 * made (its base is not it): a pull since the refusal already brought it,
 * otherwise the next sync fetches the item again (refetch).  Until then the
 * local value stays as it is. */
static enum duban_err forget_refused_field(duban_store *st, const struct duban_op *op)
{
	sqlite3_stmt *s = prep(st, "DELETE FROM event WHERE op_id = ? AND origin IS NULL");
	enum duban_err err;

	if (s)
		bind_str(s, 1, op->id);
	if ((err = run(st, s, _("dropping a change"))) != DUBAN_OK)
		return err;
	s = prep(st, "INSERT INTO refetch (item_id) VALUES (?) ON CONFLICT DO NOTHING");
	if (s)
		bind_str(s, 1, op->item_id);
	return run(st, s, _("dropping a change"));
}

/* A refused creation or record exists only here: dropping it removes it. */
static enum duban_err remove_refused(duban_store *st, const struct duban_op *op, const char *now)
{
	static const struct {
		const char *kind, *sql;
	} records[] = {
		{ "note.add", "/* sync_store */ DELETE FROM note WHERE id = ?" },
		{ "inspection.add", "/* sync_store */ DELETE FROM inspection WHERE id = ?" },
		{ "action.add", "/* sync_store */ DELETE FROM action WHERE id = ?" },
		{ "attachment.add", "/* sync_store */ DELETE FROM attachment WHERE id = ?" },
		{ "notice.add", "/* sync_store */ DELETE FROM notice WHERE id = ?" },
		{ "link.add", "/* sync_store */ DELETE FROM link WHERE id = ?" },
		{ "dispatch.add", "/* sync_store */ DELETE FROM dispatch WHERE id = ?" },
	};

	if (strcmp(op->kind, "item.create") == 0) {
		struct duban_item item;
		bool found = false;
		enum duban_err err;

		duban_item_init(&item);
		err = load_item(st, op->item_id, &item, &found);
		if (!err && found)
			err = store_item_remove(st, &item);
		if (!err && found)
			err = store_write_event(st, item.id, "delete", item.code, NULL, "refused change dropped", NULL,
						NULL, now);
		duban_item_free(&item);
		return err;
	}
	for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
		if (strcmp(op->kind, records[i].kind) != 0)
			continue;
		cJSON *body = op->body ? cJSON_Parse(op->body) : NULL;
		const char *id = jstr(body, "id");
		enum duban_err err = DUBAN_OK;
		if (id) {
			sqlite3_stmt *s = store_stmt_sql(st, records[i].sql);
			if (s)
				bind_str(s, 1, id);
			err = run(st, s, _("dropping a change"));
		}
		cJSON_Delete(body);
		return err;
	}
	return DUBAN_OK;
}

enum duban_err duban_outbox_drop(duban_store *st, const char *op_id)
{
	struct duban_op op;
	sqlite3_stmt *s;
	enum duban_err err;
	char now[25];
	bool found = false;

	memset(&op, 0, sizeof op);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	s = prep(st, "SELECT seq, id, kind, item_id, field, base, value, body, created_at, state, reason"
		     " FROM op WHERE id = ? AND state = 'rejected'");
	if (!s)
		err = DUBAN_ERR_DB;
	if (!err) {
		bind_str(s, 1, op_id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			read_op(s, &op);
			found = true;
		}
		sqlite3_reset(s);
		if (!found)
			err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("no refused change with id %s"), op_id);
	}
	if (!err) {
		s = prep(st, "DELETE FROM op WHERE id = ?");
		if (s)
			bind_str(s, 1, op_id);
		err = run(st, s, _("dropping a change"));
	}
	duban_timestamp_now(now);
	if (!err && (strcmp(op.kind, "item.set") == 0 || strcmp(op.kind, "item.status") == 0))
		err = forget_refused_field(st, &op);
	else if (!err && strcmp(op.kind, "item.delete") == 0)
		/* The item is gone here but not on the server: download it again. */
		err = duban_sync_reset(st);
	else if (!err)
		err = remove_refused(st, &op, now);
	duban_op_free(&op);
	return store_change_end(st, err);
}

enum duban_err duban_outbox_retry(duban_store *st, const char *op_id)
{
	sqlite3_stmt *s;
	enum duban_err err;
	char id[37];

	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	duban_uuid(id);
	/* A fresh row: new id (the old one has its answer on the server for
	 * good) and, by AUTOINCREMENT, the next sequence number. */
	s = prep(st, "INSERT INTO op (id, kind, item_id, field, base, value, body, created_at)"
		     " SELECT ?2, kind, item_id, field, base, value, body, created_at FROM op"
		     " WHERE id = ?1 AND state = 'rejected'");
	if (s) {
		bind_str(s, 1, op_id);
		bind_str(s, 2, id);
	}
	err = run(st, s, _("queueing the change again"));
	if (!err && sqlite3_changes(duban_store_db(st)) == 0)
		err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("no refused change with id %s"), op_id);
	if (!err) {
		/* The change's events follow it to its new id. */
		s = prep(st, "UPDATE event SET op_id = ?2 WHERE op_id = ?1 AND origin IS NULL");
		if (s) {
			bind_str(s, 1, op_id);
			bind_str(s, 2, id);
		}
		err = run(st, s, _("queueing the change again"));
	}
	if (!err) {
		s = prep(st, "DELETE FROM op WHERE id = ?");
		if (s)
			bind_str(s, 1, op_id);
		err = run(st, s, _("queueing the change again"));
	}
	return store_change_end(st, err);
}

/* ---------------------------------------------------------------- pulled items */

static void copy_field(const struct duban_field *f, struct duban_item *dst, const struct duban_item *src)
{
	char *d = (char *)dst + f->offset;
	const char *s = (const char *)src + f->offset;

	switch (f->type) {
	case DUBAN_FT_TEXT:
		duban_set_str((char **)(void *)d, *(char *const *)(const void *)s);
		return;
	case DUBAN_FT_DATE:
		memcpy(d, s, sizeof(duban_date));
		return;
	case DUBAN_FT_DOUBLE:
		memcpy(d, s, sizeof(double));
		return;
	case DUBAN_FT_BOOL:
		memcpy(d, s, sizeof(bool));
		return;
	case DUBAN_FT_INT:
		memcpy(d, s, sizeof(int));
		return;
	case DUBAN_FT_KIND:
		memcpy(d, s, sizeof(enum duban_kind));
		return;
	case DUBAN_FT_STATUS:
		memcpy(d, s, sizeof(enum duban_status));
		return;
	case DUBAN_FT_DEADLINE_KIND:
		memcpy(d, s, sizeof(enum duban_deadline_kind));
		return;
	case DUBAN_FT_SCOPE:
		memcpy(d, s, sizeof(enum duban_scope));
		return;
	case DUBAN_FT_VERDICT:
		memcpy(d, s, sizeof(enum duban_verdict));
		return;
	}
}

static enum duban_err check_code(duban_store *st, const struct duban_item *item)
{
	sqlite3_stmt *s = prep(st, "SELECT id FROM item WHERE code = ? AND id <> ?");
	enum duban_err err = DUBAN_OK;

	if (!s)
		return DUBAN_ERR_DB;
	bind_str(s, 1, item->code);
	bind_str(s, 2, item->id);
	if (sqlite3_step(s) == SQLITE_ROW)
		err = store_fail(st, DUBAN_ERR_DUPLICATE,
				 _("the server's item %s (id %s) has the code of the local item with id %s:"
				   " change the local item's code"),
				 item->code, item->id, (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return err;
}

static enum duban_err insert_remote(duban_store *st, struct duban_item *item, const char *now)
{
	if (!item->created_at[0])
		snprintf(item->created_at, sizeof item->created_at, "%s", now);
	if (!item->updated_at[0])
		snprintf(item->updated_at, sizeof item->updated_at, "%s", item->created_at);
	/* The history comes from the server, event by event, with who made each
	 * change: the download itself writes none. */
	return store_item_put(st, NULL, item);
}

/* The unsent local side of one item: its queued item.set ops and its
 * unresolved field conflicts. */
struct pending_op {
	char *id, *field, *base, *value;
};
struct pending_conflict {
	long long id;
	char *field, *theirs;
};
struct pending {
	struct pending_op *ops;
	int nops;
	struct pending_conflict *conflicts;
	int nconflicts;
};

static void pending_free(struct pending *p)
{
	for (int i = 0; i < p->nops; i++) {
		free(p->ops[i].id);
		free(p->ops[i].field);
		free(p->ops[i].base);
		free(p->ops[i].value);
	}
	for (int i = 0; i < p->nconflicts; i++) {
		free(p->conflicts[i].field);
		free(p->conflicts[i].theirs);
	}
	free(p->ops);
	free(p->conflicts);
}

static enum duban_err pending_load(duban_store *st, const char *item_id, struct pending *p)
{
	sqlite3_stmt *s;
	int rc;

	memset(p, 0, sizeof *p);
	s = prep(st, "SELECT id, field, base, value FROM op WHERE item_id = ? AND kind = 'item.set'"
		     " AND state = 'queued' ORDER BY seq");
	if (!s)
		return DUBAN_ERR_DB;
	bind_str(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		p->ops = xrealloc(p->ops, (size_t)(p->nops + 1) * sizeof *p->ops);
		p->ops[p->nops++] = (struct pending_op){ col_dup(s, 0), col_dup(s, 1), col_dup(s, 2), col_dup(s, 3) };
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, _("reading the outbox"));
	s = prep(st, "SELECT id, field, theirs FROM conflict WHERE item_id = ? AND kind = 'field' AND resolved = 0");
	if (!s)
		return DUBAN_ERR_DB;
	bind_str(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		p->conflicts = xrealloc(p->conflicts, (size_t)(p->nconflicts + 1) * sizeof *p->conflicts);
		p->conflicts[p->nconflicts++] =
			(struct pending_conflict){ sqlite3_column_int64(s, 0), col_dup(s, 1), col_dup(s, 2) };
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, _("reading the conflicts"));
	return DUBAN_OK;
}

static enum duban_err delete_set_ops(duban_store *st, const char *item_id, const char *field, bool queued_only)
{
	sqlite3_stmt *s;

	if (queued_only)
		s = prep(st, "DELETE FROM op WHERE item_id = ? AND kind = 'item.set' AND field = ? AND state = 'queued'");
	else
		s = prep(st, "DELETE FROM op WHERE item_id = ? AND kind = 'item.set' AND field = ?");

	if (s) {
		bind_str(s, 1, item_id);
		bind_str(s, 2, field);
	}
	return run(st, s, _("updating the outbox"));
}

/* An open conflict on f keeps the server's latest value as theirs: taking
 * theirs later must write what the server has now, not what it had when
 * the conflict arose.  *found is set when there is one. */
static enum duban_err refresh_conflict(duban_store *st, const struct pending *p, const struct duban_field *f,
				       const struct duban_item *remote, const char *theirs, bool *found)
{
	for (int i = 0; i < p->nconflicts; i++) {
		sqlite3_stmt *s;

		if (!text_eq(p->conflicts[i].field, f->name))
			continue;
		*found = true;
		if (text_eq(p->conflicts[i].theirs, theirs))
			return DUBAN_OK;
		s = prep(st, "UPDATE conflict SET theirs = ?2, version = ?3 WHERE id = ?1");
		if (s) {
			sqlite3_bind_int64(s, 1, p->conflicts[i].id);
			bind_str(s, 2, theirs);
			sqlite3_bind_int64(s, 3, remote->version);
		}
		return run(st, s, _("saving a conflict"));
	}
	return DUBAN_OK;
}

/* A field the server changed while the user has an unsent edit of it.
 * *keep is set when the local value stays. */
static enum duban_err merge_pending_field(duban_store *st, const struct pending *p, const struct duban_field *f,
					  const struct duban_item *remote, const char *mine, const char *theirs,
					  const char *now, bool *keep)
{
	const struct pending_op *firstop = NULL, *lastop = NULL;
	bool known = false;

	*keep = false;
	for (int i = 0; i < p->nops; i++) {
		if (!text_eq(p->ops[i].field, f->name))
			continue;
		if (!firstop)
			firstop = &p->ops[i];
		lastop = &p->ops[i];
		/* The server still has a base of ours (our edit is on its way)
		 * or already has one of our values (an answer got lost). */
		if (text_eq(theirs, p->ops[i].base) || text_eq(theirs, p->ops[i].value))
			known = true;
	}
	if (firstop) {
		struct conflict_in c = { remote->id, "field", f->name, firstop->base, mine, theirs, lastop->id,
					 remote->version };
		enum duban_err err;

		*keep = true;
		if (known)
			return DUBAN_OK;
		err = conflict_put(st, &c, now);
		return err ? err : delete_set_ops(st, remote->id, f->name, true);
	}
	return refresh_conflict(st, p, f, remote, theirs, keep);
}

static enum duban_err merge_remote(duban_store *st, const struct duban_item *local, const struct duban_item *remote,
				   const char *now)
{
	struct duban_item merged;
	struct pending p;
	enum duban_err err;
	bool dirty;

	if ((err = pending_load(st, local->id, &p)) != DUBAN_OK) {
		pending_free(&p);
		return err;
	}
	duban_item_init(&merged);
	duban_item_free(&merged);
	duban_item_copy(&merged, local);
	for (size_t i = 0; i < duban_field_count && !err; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *mine, *theirs;
		bool keep = false;

		if (duban_field_equal(f, local, remote)) {
			/* The server came round to the local value (someone else
			 * set it too): a conflict on it now offers that value. */
			if (p.nconflicts) {
				char *now_theirs = duban_field_format(f, remote);
				err = refresh_conflict(st, &p, f, remote, now_theirs, &keep);
				free(now_theirs);
			}
			continue;
		}
		mine = duban_field_format(f, local);
		theirs = duban_field_format(f, remote);
		/* The status is the server's: it ran the machine on its own state. */
		if (f->type != DUBAN_FT_STATUS)
			err = merge_pending_field(st, &p, f, remote, mine, theirs, now, &keep);
		if (!err && !keep)
			copy_field(f, &merged, remote);
		free(mine);
		free(theirs);
	}
	pending_free(&p);
	merged.version = remote->version;
	if (strcmp(remote->updated_at, merged.updated_at) > 0)
		snprintf(merged.updated_at, sizeof merged.updated_at, "%s", remote->updated_at);
	dirty = merged.version != local->version || strcmp(merged.updated_at, local->updated_at) != 0;
	for (size_t i = 0; i < duban_field_count && !dirty; i++)
		dirty = !duban_field_equal(&duban_fields[i], local, &merged);
	if (!err && dirty)
		err = store_item_put(st, local, &merged);
	duban_item_free(&merged);
	return err;
}

/* The server sent the item: it exists and the user sees it again. */
static enum duban_err item_back(duban_store *st, const char *item_id)
{
	enum duban_err err = set_sync_flag(st, item_id, "");
	sqlite3_stmt *s;

	if (err)
		return err;
	s = prep(st, "UPDATE conflict SET resolved = 1 WHERE item_id = ? AND kind IN ('deleted', 'scope')"
		     " AND resolved = 0");
	if (s)
		bind_str(s, 1, item_id);
	return run(st, s, _("saving a conflict"));
}

/* The pulled changes without their own savepoint: the public functions add
 * one each, a page has one for all (a savepoint costs an FTS5 flush). */
/* fresh: the ledger had no item when this load began (a snapshot), so the
 * item is not looked up: it is new, or sent twice, which the id's unique
 * index refuses. */
static enum duban_err apply_item_as(duban_store *st, const cJSON *obj, struct duban_item *decoded, bool fresh)
{
	struct duban_item local, item;
	const char *id = jstr(obj, "id");
	enum duban_err err = DUBAN_OK;
	char jerr[256], now[25];
	bool found = false;

	if (!cJSON_IsObject(obj) || !id || !duban_uuid_valid(id))
		return store_fail(st, DUBAN_ERR_PARSE, _("the server sent an item without a valid id"));
	duban_item_init(&local);
	duban_item_init(&item);
	duban_timestamp_now(now);
	if (!fresh)
		err = load_item(st, id, &local, &found);
	if (!err && !found && decoded) {
		/* Decoded ahead from a blank item: what the JSON below would give. */
		duban_item_free(&item);
		item = *decoded;
		memset(decoded, 0, sizeof *decoded); /* item owns its strings now */
	} else if (!err) {
		if (found) {
			/* Fields the server left out keep their local values. */
			duban_item_free(&item);
			duban_item_copy(&item, &local);
		}
		if (duban_item_from_json(obj, &item, jerr, sizeof jerr) != DUBAN_OK)
			err = store_fail(st, DUBAN_ERR_PARSE,
					 _("the server sent the item %s in a form that cannot be read: %s"), id, jerr);
	}
	if (!err && !item.code[0])
		err = store_fail(st, DUBAN_ERR_PARSE, _("the server sent the item %s without a code"), id);
	if (!err && found && strcmp(local.code, item.code) != 0)
		err = check_code(st, &item);
	if (!err && found) {
		err = merge_remote(st, &local, &item, now);
		if (!err)
			err = item_back(st, id);
	} else if (!err) {
		/* A new item is not looked up by code first: the code's unique
		 * index refuses a clash, then the message says whose code it is. */
		err = insert_remote(st, &item, now);
		if (err == DUBAN_ERR_DB && check_code(st, &item) == DUBAN_ERR_DUPLICATE)
			err = DUBAN_ERR_DUPLICATE;
	}
	duban_item_free(&local);
	duban_item_free(&item);
	return err;
}

static enum duban_err apply_item(duban_store *st, const cJSON *obj, struct duban_item *decoded)
{
	return apply_item_as(st, obj, decoded, false);
}

enum duban_err duban_apply_remote_item(duban_store *st, const cJSON *item)
{
	enum duban_err err = store_change_begin(st);

	return err ? err : store_change_end(st, apply_item(st, item, NULL));
}

/* ---------------------------------------------------------------- pulled records */

static enum duban_err record_item_known(duban_store *st, const char *type, const char *item_id)
{
	if (item_exists(st, item_id))
		return DUBAN_OK;
	return store_fail(st, DUBAN_ERR_NOT_FOUND,
			  _("the server sent a %s for the item %s, which is not in the local ledger"), type, item_id);
}

/* A record the server sent that is already here (it was made here): the
 * server's author and times are the record's. */
#define SERVER_STAMPS "author = excluded.author, created_at = excluded.created_at, received_at = excluded.received_at"

static enum duban_err put_note(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_note n = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;

	if ((err = duban_note_from_json(o, &n, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "note", n.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO note (id, item_id, author, text, created_at, received_at) VALUES (?, ?, ?, ?, ?, ?)"
		     " ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, n.id);
		bind_str(s, 2, n.item_id);
		bind_str(s, 3, n.author ? n.author : "");
		bind_str(s, 4, n.text ? n.text : "");
		bind_str(s, 5, n.created_at);
		bind_str(s, 6, n.received_at);
	}
	err = run(st, s, _("saving the record"));
out:
	duban_note_free(&n);
	return err;
}

static enum duban_err put_link(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_link l = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;

	if ((err = duban_link_from_json(o, &l, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "link", l.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO link (id, item_id, other_id, kind, why, author, created_at, received_at)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, l.id);
		bind_str(s, 2, l.item_id);
		bind_str(s, 3, l.other_id);
		bind_str(s, 4, duban_link_kind_id(l.kind));
		bind_str(s, 5, l.why ? l.why : "");
		bind_str(s, 6, l.author ? l.author : "");
		bind_str(s, 7, l.created_at);
		bind_str(s, 8, l.received_at);
	}
	err = run(st, s, _("saving the record"));
out:
	duban_link_free(&l);
	return err;
}

static void bind_day(sqlite3_stmt *s, int i, duban_date d)
{
	char buf[11];

	if (d == DUBAN_DATE_NONE)
		sqlite3_bind_null(s, i);
	else
		bind_str(s, i, duban_date_format(d, buf));
}

/* A 调度 record (duban/dispatch.h): a round's member, its close or a
 * submission, kept as the server has it. */
static enum duban_err put_dispatch(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_dispatch_rec r = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;

	if ((err = duban_dispatch_rec_from_json(o, &r, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "dispatch", r.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO dispatch (id, item_id, kind, round_id, name, title, filters, due, date, progress, text,"
		     " attachment_id, author, created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		     " ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, r.id);
		bind_str(s, 2, r.item_id);
		bind_str(s, 3, duban_dispatch_kind_id(r.kind));
		bind_str(s, 4, r.round_id);
		bind_str(s, 5, r.name);
		bind_str(s, 6, r.title);
		bind_str(s, 7, r.filters);
		bind_day(s, 8, r.due);
		bind_day(s, 9, r.date);
		sqlite3_bind_int(s, 10, r.progress);
		bind_str(s, 11, r.text);
		bind_str(s, 12, r.attachment_id);
		bind_str(s, 13, r.author ? r.author : "");
		bind_str(s, 14, r.created_at);
		bind_str(s, 15, r.received_at);
	}
	err = run(st, s, _("saving the record"));
out:
	duban_dispatch_rec_free(&r);
	return err;
}

static enum duban_err put_inspection(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_inspection r = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;
	char date[11];

	if ((err = duban_inspection_from_json(o, &r, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "inspection", r.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO inspection (id, item_id, date, level, inspectors, place, findings, passed,"
		     " author, created_at, received_at, criteria) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		     " ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, r.id);
		bind_str(s, 2, r.item_id);
		bind_str(s, 3, r.date == DUBAN_DATE_NONE ? "" : duban_date_format(r.date, date));
		bind_str(s, 4, r.level ? r.level : "");
		bind_str(s, 5, r.inspectors ? r.inspectors : "");
		bind_str(s, 6, r.place ? r.place : "");
		bind_str(s, 7, r.findings ? r.findings : "");
		sqlite3_bind_int(s, 8, r.passed);
		bind_str(s, 9, r.author ? r.author : "");
		bind_str(s, 10, r.created_at);
		bind_str(s, 11, r.received_at);
		bind_str(s, 12, r.criteria ? r.criteria : "");
	}
	err = run(st, s, _("saving the record"));
out:
	duban_inspection_free(&r);
	return err;
}

static enum duban_err put_action(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_action a = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;
	char date[11], due[11];

	if ((err = duban_action_from_json(o, &a, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "action", a.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO action (id, item_id, kind, date, due, text, author, created_at, received_at)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, a.id);
		bind_str(s, 2, a.item_id);
		bind_str(s, 3, duban_action_kind_id(a.kind));
		bind_str(s, 4, a.date == DUBAN_DATE_NONE ? "" : duban_date_format(a.date, date));
		bind_str(s, 5, a.due == DUBAN_DATE_NONE ? NULL : duban_date_format(a.due, due));
		bind_str(s, 6, a.text ? a.text : "");
		bind_str(s, 7, a.author ? a.author : "");
		bind_str(s, 8, a.created_at);
		bind_str(s, 9, a.received_at);
	}
	err = run(st, s, _("saving the record"));
out:
	duban_action_free(&a);
	return err;
}

static enum duban_err put_attachment(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_attachment a = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;

	if ((err = duban_attachment_from_json(o, &a, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "attachment", a.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO attachment (id, item_id, inspection_id, sha256, name, mime, size, author,"
		     " created_at, received_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		     " ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, a.id);
		bind_str(s, 2, a.item_id);
		bind_str(s, 3, a.inspection_id);
		bind_str(s, 4, a.sha256);
		bind_str(s, 5, a.name ? a.name : "");
		bind_str(s, 6, a.mime ? a.mime : "");
		sqlite3_bind_int64(s, 7, a.size);
		bind_str(s, 8, a.author ? a.author : "");
		bind_str(s, 9, a.created_at);
		bind_str(s, 10, a.received_at);
		bind_str(s, 11, duban_evidence_id(a.kind));
	}
	err = run(st, s, _("saving the record"));
out:
	duban_attachment_free(&a);
	return err;
}

static enum duban_err put_notice(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	struct duban_notice r = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;
	char date[11], end[11];

	if ((err = duban_notice_from_json(o, &r, jerr, errlen)) != DUBAN_OK)
		goto out;
	if ((err = record_item_known(st, "notice", r.item_id)) != DUBAN_OK)
		goto out;
	s = prep(st, "INSERT INTO notice (id, item_id, kind, date, end_date, place, contact, person, text,"
		     " objection_id, upheld, author, created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		     " ON CONFLICT (id) DO UPDATE SET " SERVER_STAMPS);
	if (s) {
		bind_str(s, 1, r.id);
		bind_str(s, 2, r.item_id);
		bind_str(s, 3, duban_notice_kind_id(r.kind));
		bind_str(s, 4, duban_date_format(r.date, date));
		bind_str(s, 5, r.end == DUBAN_DATE_NONE ? NULL : duban_date_format(r.end, end));
		bind_str(s, 6, r.place ? r.place : "");
		bind_str(s, 7, r.contact ? r.contact : "");
		bind_str(s, 8, r.person ? r.person : "");
		bind_str(s, 9, r.text ? r.text : "");
		bind_str(s, 10, r.objection_id);
		sqlite3_bind_int(s, 11, r.upheld);
		bind_str(s, 12, r.author ? r.author : "");
		bind_str(s, 13, r.created_at);
		bind_str(s, 14, r.received_at);
	}
	err = run(st, s, _("saving the record"));
out:
	duban_notice_free(&r);
	return err;
}

/* A change of the history as the server recorded it: who, when, old -> new.
 * It replaces what this replica wrote for the same op (the server's actor
 * and times are the record's), and is kept once by the server's number. */
static enum duban_err put_event_as(duban_store *st, const cJSON *o, char *jerr, size_t errlen, bool fresh)
{
	struct duban_event e = { 0 };
	enum duban_err err;
	sqlite3_stmt *s;

	if ((err = duban_event_from_json(o, &e, jerr, errlen)) != DUBAN_OK)
		goto out;
	if (fresh) {
		/* Into an empty ledger in a bulk load: nothing of this replica's
		 * to replace, each event once, and the indexes those checks use
		 * are dropped until the end (which rebuilds the unique one). */
		s = prep(st, "INSERT INTO event (item_id, field, old_value, new_value, reason, author, device, created_at,"
			     " received_at, op_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		goto insert;
	}
	if (e.op_id[0]) {
		s = prep(st, "DELETE FROM event WHERE op_id = ? AND origin IS NULL");
		if (s)
			bind_str(s, 1, e.op_id);
		if ((err = run(st, s, _("saving the history"))) != DUBAN_OK)
			goto out;
	}
	s = prep(st, "INSERT INTO event (item_id, field, old_value, new_value, reason, author, device, created_at,"
		     " received_at, op_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		     " ON CONFLICT (origin) WHERE origin IS NOT NULL DO NOTHING");
insert:
	if (s) {
		bind_str(s, 1, e.item_id);
		bind_str(s, 2, e.field);
		bind_str(s, 3, e.old_value);
		bind_str(s, 4, e.new_value);
		bind_str(s, 5, e.reason ? e.reason : "");
		bind_str(s, 6, e.author);
		bind_str(s, 7, e.device ? e.device : "");
		bind_str(s, 8, e.created_at[0] ? e.created_at : e.received_at);
		bind_str(s, 9, e.received_at);
		bind_str(s, 10, e.op_id[0] ? e.op_id : NULL);
		sqlite3_bind_int64(s, 11, e.origin);
	}
	err = run(st, s, _("saving the history"));
out:
	duban_event_free(&e);
	return err;
}

static enum duban_err put_event(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	return put_event_as(st, o, jerr, errlen, false);
}

static enum duban_err put_event_fresh(duban_store *st, const cJSON *o, char *jerr, size_t errlen)
{
	return put_event_as(st, o, jerr, errlen, true);
}

static enum duban_err apply_record_as(duban_store *st, const char *type, const cJSON *record, bool fresh)
{
	enum duban_err (*put)(duban_store *, const cJSON *, char *, size_t);
	enum duban_err err;
	char jerr[256] = "";

	if (strcmp(type, "note") == 0)
		put = put_note;
	else if (strcmp(type, "inspection") == 0)
		put = put_inspection;
	else if (strcmp(type, "action") == 0)
		put = put_action;
	else if (strcmp(type, "attachment") == 0)
		put = put_attachment;
	else if (strcmp(type, "notice") == 0)
		put = put_notice;
	else if (strcmp(type, "event") == 0)
		put = fresh ? put_event_fresh : put_event;
	else if (strcmp(type, "link") == 0)
		put = put_link;
	else if (strcmp(type, "dispatch") == 0)
		put = put_dispatch;
	else
		return store_fail(st, DUBAN_ERR_PARSE, _("the server sent a change of unknown type '%s'"), type);
	err = put(st, record, jerr, sizeof jerr);
	if (err == DUBAN_ERR_INVALID)
		err = store_fail(st, DUBAN_ERR_PARSE, _("the server sent a %s in a form that cannot be read: %s"), type,
				 jerr);
	return err;
}

static enum duban_err apply_record(duban_store *st, const char *type, const cJSON *record)
{
	return apply_record_as(st, type, record, false);
}

enum duban_err duban_apply_remote_record(duban_store *st, const char *type, const cJSON *record)
{
	enum duban_err err = store_change_begin(st);

	return err ? err : store_change_end(st, apply_record(st, type, record));
}

/* ---------------------------------------------------------------- tombstones */

static bool item_has_local_work(duban_store *st, const char *item_id)
{
	return count_of(prep(st, "SELECT (SELECT count(*) FROM op WHERE item_id = ?1)"
			     " + (SELECT count(*) FROM conflict WHERE item_id = ?1 AND resolved = 0)"),
			item_id) > 0;
}

static enum duban_err apply_tombstone(duban_store *st, const char *item_id, const char *reason, const cJSON *cause)
{
	bool scope = reason && strcmp(reason, "scope") == 0;
	struct duban_item item;
	enum duban_err err;
	char now[25];
	bool found = false;

	if (!item_id || !duban_uuid_valid(item_id))
		return store_fail(st, DUBAN_ERR_PARSE, _("the server sent a deletion without a valid item id"));
	duban_item_init(&item);
	duban_timestamp_now(now);
	err = load_item(st, item_id, &item, &found);
	if (!err && found && item_has_local_work(st, item_id)) {
		/* Deletion is never silent for work not yet sent: keep the item
		 * and let the user decide. */
		struct conflict_in c = { item_id, scope ? "scope" : "deleted", "", NULL, NULL, NULL, NULL, 0 };
		err = set_sync_flag(st, item_id, scope ? "out_of_scope" : "deleted_on_server");
		if (!err)
			err = conflict_put(st, &c, now);
	} else if (!err && found) {
		err = store_item_remove(st, &item);
	}
	/* The change that caused it, with its author (the events of the item
	 * stay: the history outlives the item). */
	if (!err && cause) {
		char jerr[256] = "";
		if (put_event(st, cause, jerr, sizeof jerr) == DUBAN_ERR_INVALID)
			err = store_fail(st, DUBAN_ERR_PARSE, _("the server sent an event in a form that cannot be read: %s"),
					 jerr);
	}
	duban_item_free(&item);
	return err;
}

enum duban_err duban_apply_tombstone(duban_store *st, const char *item_id, const char *reason)
{
	enum duban_err err = store_change_begin(st);

	return err ? err : store_change_end(st, apply_tombstone(st, item_id, reason, NULL));
}

/* ---------------------------------------------------------------- policies */

/* The server's copy of a policy ({"key", "value"}: null when the office
 * unset it).  Kept as it came, even for a key this client does not know
 * (a newer server's): duban_policy_load picks what it knows. */
static enum duban_err apply_policy(duban_store *st, const cJSON *policy)
{
	const char *key = jstr(policy, "key"), *value = jstr(policy, "value");
	char now[25];
	sqlite3_stmt *s;

	if (!key || !*key)
		return store_fail(st, DUBAN_ERR_PARSE, _("the server sent a policy without a key"));
	if (value) {
		duban_timestamp_now(now);
		s = prep(st, "INSERT INTO server_policy (key, value, updated_at) VALUES (?1, ?2, ?3)"
			     " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
		if (s) {
			bind_str(s, 1, key);
			bind_str(s, 2, value);
			bind_str(s, 3, now);
		}
	} else if ((s = prep(st, "DELETE FROM server_policy WHERE key = ?1")) != NULL) {
		bind_str(s, 1, key);
	}
	return run(st, s, _("saving the server's policy"));
}

enum duban_err duban_policy_copy(duban_store *st, char *server[DUBAN_POLICY_COUNT])
{
	sqlite3_stmt *s = prep(st, "SELECT key, value FROM server_policy");
	int rc;

	for (int k = 0; k < DUBAN_POLICY_COUNT; k++)
		server[k] = NULL;
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = duban_policy_key_parse((const char *)sqlite3_column_text(s, 0));
		if (k >= 0 && !server[k])
			server[k] = col_dup(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the server's policy"));
}

bool duban_store_attached(duban_store *st)
{
	char *server = duban_sync_get(st, DUBAN_SYNC_SERVER);
	bool attached = server && *server;

	free(server);
	return attached;
}

static enum duban_err apply_change(duban_store *st, const cJSON *change, struct duban_item *decoded)
{
	const char *type = jstr(change, "type");

	if (!type)
		return store_fail(st, DUBAN_ERR_PARSE, _("the server sent a change without a type"));
	if (strcmp(type, "item") == 0)
		return apply_item(st, cJSON_GetObjectItemCaseSensitive(change, "item"), decoded);
	if (strcmp(type, "tombstone") == 0)
		return apply_tombstone(st, jstr(change, "item_id"), jstr(change, "reason"),
				       cJSON_GetObjectItemCaseSensitive(change, "event"));
	if (strcmp(type, "policy") == 0)
		return apply_policy(st, cJSON_GetObjectItemCaseSensitive(change, "policy"));
	return apply_record(st, type, cJSON_GetObjectItemCaseSensitive(change, type));
}

enum duban_err duban_apply_change(duban_store *st, const cJSON *change)
{
	enum duban_err err = store_change_begin(st);

	return err ? err : store_change_end(st, apply_change(st, change, NULL));
}

static enum duban_err set_state(duban_store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;

	if (value)
		s = prep(st, "INSERT INTO sync_state (key, value) VALUES (?1, ?2)"
			     " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	else
		s = prep(st, "DELETE FROM sync_state WHERE key = ?1");
	if (s) {
		bind_str(s, 1, key);
		if (value)
			bind_str(s, 2, value);
	}
	return run(st, s, _("saving the sync state"));
}

/* Items decoded ahead: item[i] is change i's item when ok[i]. */
struct duban_page_items {
	int n;
	struct duban_item *item;
	bool *ok;
};

duban_page_items *duban_page_items_decode(const cJSON *page)
{
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(page, "changes");
	int n = cJSON_IsArray(changes) ? cJSON_GetArraySize(changes) : 0;
	duban_page_items *d = xcalloc(1, sizeof *d);
	const cJSON *change;
	char jerr[256];
	int i = 0;

	d->n = n;
	d->item = xcalloc((size_t)(n ? n : 1), sizeof *d->item);
	d->ok = xcalloc((size_t)(n ? n : 1), sizeof *d->ok);
	cJSON_ArrayForEach(change, changes) {
		const char *type = jstr(change, "type");

		duban_item_init(&d->item[i]);
		/* Anything odd is left to the applier, which says what is wrong. */
		if (type && strcmp(type, "item") == 0)
			d->ok[i] = duban_item_from_json(cJSON_GetObjectItemCaseSensitive(change, "item"), &d->item[i], jerr,
							sizeof jerr) == DUBAN_OK;
		i++;
	}
	return d;
}

void duban_page_items_free(duban_page_items *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n; i++)
		duban_item_free(&d->item[i]);
	free(d->item);
	free(d->ok);
	free(d);
}

enum duban_err duban_apply_page(duban_store *st, const cJSON *page, int *applied)
{
	return duban_apply_decoded_page(st, page, NULL, applied);
}

enum duban_err duban_apply_decoded_page(duban_store *st, const cJSON *page, duban_page_items *d, int *applied)
{
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(page, "changes");
	const char *next = jstr(page, "next");
	const cJSON *change;
	enum duban_err err;
	int n = 0, history = 0;

	if (applied)
		*applied = 0;
	if (!cJSON_IsObject(page) || (changes && !cJSON_IsArray(changes)) || !next)
		return store_fail(st, DUBAN_ERR_PARSE, _("the server sent a page of changes that cannot be read"));
	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	cJSON_ArrayForEach(change, changes) {
		struct duban_item *decoded = d && n < d->n && d->ok[n] ? &d->item[n] : NULL;

		if ((err = apply_change(st, change, decoded)) != DUBAN_OK)
			break;
		n++;
		/* The history that comes with the changes is not counted as
		 * changes of its own. */
		history += text_eq(jstr(change, "type"), "event");
	}
	if (!err)
		err = set_state(st, DUBAN_SYNC_CURSOR, next);
	err = store_change_end(st, err);
	if (!err && applied)
		*applied = n - history;
	return err;
}

/* ---------------------------------------------------------------- the snapshot */

/* The tables a fresh ledger has no row in: a new kind of record, or any
 * other data a download brings or local work leaves, is one more name. */
static const char *const fresh_tables[] = {
	"item", "note", "inspection", "action", "attachment", "notice", "link", "dispatch", "event", "op", "conflict", "refetch",
	"server_policy",
};

bool duban_snapshot_fits(duban_store *st)
{
	char *cursor = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	bool fits = cursor == NULL;

	free(cursor);
	for (size_t i = 0; fits && i < sizeof fresh_tables / sizeof fresh_tables[0]; i++) {
		/* Names from the table above, never from outside. */
		char *sql = sqlite3_mprintf("SELECT EXISTS (SELECT 1 FROM \"%w\")", fresh_tables[i]);
		sqlite3_stmt *s = NULL;

		fits = sqlite3_prepare_v2(duban_store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
		       sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0;
		sqlite3_finalize(s);
		sqlite3_free(sql);
	}
	return fits;
}

bool duban_snapshot_fits_reset(duban_store *st)
{
	static const char sql[] =
		"SELECT NOT EXISTS (SELECT 1 FROM op) AND NOT EXISTS (SELECT 1 FROM conflict)"
		" AND NOT EXISTS (SELECT 1 FROM refetch) AND NOT EXISTS (SELECT 1 FROM event WHERE origin IS NULL)";
	char *cursor = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	sqlite3_stmt *s = NULL;
	bool fits = cursor == NULL;

	free(cursor);
	fits = fits && sqlite3_prepare_v2(duban_store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	       sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1;
	sqlite3_finalize(s);
	return fits;
}

/* A line longer than this is no snapshot's (an item is at most 256 KB). */
#define SNAPSHOT_LINE_MAX (16 * 1024 * 1024)

struct duban_snapshot {
	duban_store *st;
	struct duban_buf line; /* the part of a line that has arrived */
	bool begun, ended, failed;
	bool replace; /* duban_snapshot_new_replacing */
	char *cursor;
	cJSON *account;
	long long items_total, items, lines, events;
};

duban_snapshot *duban_snapshot_new(duban_store *st)
{
	duban_snapshot *sn = xcalloc(1, sizeof *sn);

	sn->st = st;
	duban_buf_init(&sn->line);
	return sn;
}

duban_snapshot *duban_snapshot_new_replacing(duban_store *st)
{
	duban_snapshot *sn = duban_snapshot_new(st);

	sn->replace = true;
	return sn;
}

/* The event columns a replaced ledger's history is kept with (seq aside). */
#define EVENT_COLUMNS \
	"item_id, field, old_value, new_value, reason, author, device, created_at, received_at, op_id, origin"

/* Replacing: what the ledger held is remembered (the ids of its items and
 * records, its history) and emptied, in the load's transaction.  Records
 * before items (their foreign keys); the order of the tables is fixed
 * here, never from outside. */
static enum duban_err replace_begin(duban_snapshot *sn)
{
	static const char sql[] =
		"DROP TABLE IF EXISTS temp.snap_kept; DROP TABLE IF EXISTS temp.snap_events;"
		"CREATE TEMP TABLE snap_kept (kind TEXT NOT NULL, id TEXT NOT NULL);"
		"INSERT INTO snap_kept SELECT 'item', id FROM item UNION ALL SELECT 'note', id FROM note"
		" UNION ALL SELECT 'inspection', id FROM inspection UNION ALL SELECT 'action', id FROM action"
		" UNION ALL SELECT 'attachment', id FROM attachment UNION ALL SELECT 'notice', id FROM notice"
		" UNION ALL SELECT 'link', id FROM link UNION ALL SELECT 'dispatch', id FROM dispatch;"
		"CREATE TEMP TABLE snap_events AS SELECT " EVENT_COLUMNS " FROM event ORDER BY seq;"
		"DELETE FROM note; DELETE FROM inspection; DELETE FROM action; DELETE FROM attachment;"
		"DELETE FROM notice; DELETE FROM link; DELETE FROM dispatch; DELETE FROM event; DELETE FROM item; DELETE FROM server_policy;";

	if (sqlite3_exec(duban_store_db(sn->st), sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(sn->st, DUBAN_ERR_DB, _("replacing the ledger: %s"),
				  sqlite3_errmsg(duban_store_db(sn->st)));
	return DUBAN_OK;
}

/* Replacing, at the end: every item and record the ledger held must have
 * come (else nothing is kept), and its history the answer lacks goes back. */
static enum duban_err replace_end(duban_snapshot *sn)
{
	static const char missing_sql[] =
		"SELECT count(*) FROM temp.snap_kept k WHERE NOT CASE k.kind"
		" WHEN 'item' THEN EXISTS (SELECT 1 FROM item WHERE id = k.id)"
		" WHEN 'note' THEN EXISTS (SELECT 1 FROM note WHERE id = k.id)"
		" WHEN 'inspection' THEN EXISTS (SELECT 1 FROM inspection WHERE id = k.id)"
		" WHEN 'action' THEN EXISTS (SELECT 1 FROM action WHERE id = k.id)"
		" WHEN 'attachment' THEN EXISTS (SELECT 1 FROM attachment WHERE id = k.id)"
		" WHEN 'notice' THEN EXISTS (SELECT 1 FROM notice WHERE id = k.id)"
		" WHEN 'dispatch' THEN EXISTS (SELECT 1 FROM dispatch WHERE id = k.id)"
		" ELSE EXISTS (SELECT 1 FROM link WHERE id = k.id) END";
	sqlite3 *db = duban_store_db(sn->st);
	sqlite3_stmt *s = NULL;
	long long missing = -1;

	if (sqlite3_prepare_v2(db, missing_sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		missing = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (missing < 0)
		return store_fail(sn->st, DUBAN_ERR_DB, _("replacing the ledger: %s"), sqlite3_errmsg(db));
	if (missing > 0) {
		sn->failed = true;
		return store_fail(sn->st, DUBAN_ERR_INVALID,
				  _("the server lacks %lld items or records this ledger has (restored from an older "
				    "backup?), which a page-by-page download keeps"),
				  missing);
	}
	if (sqlite3_exec(db,
			 "INSERT INTO event (" EVENT_COLUMNS ") SELECT " EVENT_COLUMNS " FROM temp.snap_events k"
			 " WHERE k.origin IS NULL OR NOT EXISTS (SELECT 1 FROM event e WHERE e.origin = k.origin)"
			 " ORDER BY k.rowid",
			 NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(sn->st, DUBAN_ERR_DB, _("replacing the ledger: %s"), sqlite3_errmsg(db));
	return DUBAN_OK;
}

static void replace_forget(duban_snapshot *sn)
{
	if (sn->replace)
		sqlite3_exec(duban_store_db(sn->st),
			     "DROP TABLE IF EXISTS temp.snap_kept; DROP TABLE IF EXISTS temp.snap_events", NULL, NULL,
			     NULL);
}

static enum duban_err snapshot_bad(duban_snapshot *sn, const char *what)
{
	sn->failed = true;
	return store_fail(sn->st, DUBAN_ERR_PARSE, _("the server sent a first download that cannot be read: %s"), what);
}

/* The first line: {"snapshot":1,"cursor":…,"items":N,"account":{…}};
 * the bulk load starts with it. */
static enum duban_err snapshot_header(duban_snapshot *sn, const cJSON *h)
{
	const char *cursor = jstr(h, "cursor");
	enum duban_err err;

	if (jnum(h, "snapshot") != 1 || !cursor || !*cursor)
		return snapshot_bad(sn, _("no header"));
	sn->cursor = xstrdup(cursor);
	sn->items_total = jnum(h, "items");
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(h, "account")))
		sn->account = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h, "account"), true);
	if ((err = duban_store_bulk_begin_in_place(sn->st)) != DUBAN_OK) {
		sn->failed = true;
		return err;
	}
	sn->begun = true;
	if (sn->replace && (err = replace_begin(sn)) != DUBAN_OK)
		sn->failed = true;
	return err;
}

/* A change as a pull sends it, without its seq. */
static enum duban_err snapshot_change(duban_snapshot *sn, const cJSON *change)
{
	const char *type = jstr(change, "type");
	enum duban_err err;

	if (!type)
		return snapshot_bad(sn, _("a line without a type"));
	if (strcmp(type, "item") == 0)
		err = apply_item_as(sn->st, cJSON_GetObjectItemCaseSensitive(change, "item"), NULL, true);
	else if (strcmp(type, "policy") == 0)
		err = apply_policy(sn->st, cJSON_GetObjectItemCaseSensitive(change, "policy"));
	else
		err = apply_record_as(sn->st, type, cJSON_GetObjectItemCaseSensitive(change, type), true);
	if (err != DUBAN_OK) {
		sn->failed = true;
		return err;
	}
	sn->lines++;
	sn->items += strcmp(type, "item") == 0;
	sn->events += strcmp(type, "event") == 0;
	return DUBAN_OK;
}

static enum duban_err snapshot_line(duban_snapshot *sn, const char *text, size_t len)
{
	cJSON *o;
	enum duban_err err;

	if (sn->ended)
		return snapshot_bad(sn, _("lines after its end"));
	bool has_nul = false;

	if (!(o = duban_json_parse(text, len, &has_nul)) || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return snapshot_bad(sn, has_nul ? _("a line holds a NUL character") : _("a line is not JSON"));
	}
	if (!sn->begun) {
		err = snapshot_header(sn, o);
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "end"))) {
		sn->ended = true;
		err = jnum(o, "lines") == sn->lines ? DUBAN_OK : snapshot_bad(sn, _("lines are missing"));
	} else {
		err = snapshot_change(sn, o);
	}
	cJSON_Delete(o);
	return err;
}

enum duban_err duban_snapshot_feed(duban_snapshot *sn, const char *data, size_t len)
{
	enum duban_err err = DUBAN_OK;

	if (sn->failed)
		return DUBAN_ERR_PARSE;
	while (len > 0 && !err) {
		const char *nl = memchr(data, '\n', len);
		size_t part = nl ? (size_t)(nl - data) : len;

		if (sn->line.len + part > SNAPSHOT_LINE_MAX)
			return snapshot_bad(sn, _("a line is too long"));
		if (!nl) {
			duban_buf_add(&sn->line, data, part);
			break;
		}
		if (sn->line.len) {
			duban_buf_add(&sn->line, data, part);
			err = snapshot_line(sn, sn->line.data, sn->line.len);
			sn->line.len = 0;
		} else {
			err = snapshot_line(sn, data, part);
		}
		data += part + 1;
		len -= part + 1;
	}
	return err;
}

long long duban_snapshot_items(const duban_snapshot *sn, long long *total)
{
	if (total)
		*total = sn->items_total;
	return sn->items;
}

long long duban_snapshot_changes(const duban_snapshot *sn)
{
	return sn->lines - sn->events;
}

const cJSON *duban_snapshot_account(const duban_snapshot *sn)
{
	return sn->account;
}

enum duban_err duban_snapshot_finish(duban_snapshot *sn)
{
	enum duban_err err;

	if (!sn->failed && (!sn->ended || sn->line.len))
		snapshot_bad(sn, _("it was cut short"));
	if (sn->failed || !sn->begun)
		return sn->failed ? DUBAN_ERR_PARSE : snapshot_bad(sn, _("no header"));
	/* The cursor goes with the content, in the same transaction; then the
	 * indexes are built, once.  The search index is built after it, in
	 * the background (a third of the load's time), while searches scan. */
	if (sn->replace && (err = replace_end(sn)) != DUBAN_OK) {
		sn->failed = true;
		return err;
	}
	if ((err = set_state(sn->st, DUBAN_SYNC_CURSOR, sn->cursor)) != DUBAN_OK) {
		sn->failed = true;
		return err;
	}
	sn->begun = false;
	duban_store_bulk_defer_search_index(sn->st);
	err = duban_store_bulk_end(sn->st, true);
	replace_forget(sn);
	return err;
}

void duban_snapshot_free(duban_snapshot *sn)
{
	if (!sn)
		return;
	/* Not finished: nothing of it is kept. */
	if (sn->begun)
		duban_store_bulk_end(sn->st, false);
	replace_forget(sn);
	duban_buf_free(&sn->line);
	free(sn->cursor);
	cJSON_Delete(sn->account);
	free(sn);
}

enum duban_err duban_item_sync_flag(duban_store *st, const char *item_id, char out[24])
{
	sqlite3_stmt *s = prep(st, "SELECT sync_flag FROM item WHERE id = ?");
	enum duban_err err = DUBAN_OK;

	out[0] = '\0';
	if (!s)
		return DUBAN_ERR_DB;
	bind_str(s, 1, item_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		col_copy(out, 24, s, 0);
	else
		err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("no item with id '%s'"), item_id);
	sqlite3_reset(s);
	return err;
}

/* ---------------------------------------------------------------- conflicts */

#define CONFLICT_SELECT \
	"SELECT c.id, c.item_id, coalesce(i.code, ''), coalesce(i.title, ''), c.field, c.base, c.mine," \
	" c.theirs, c.kind, coalesce(c.version, 0), c.created_at" \
	" FROM conflict c LEFT JOIN item i ON i.id = c.item_id"

static void read_conflict(sqlite3_stmt *s, struct duban_conflict *c)
{
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	col_copy(c->item_id, sizeof c->item_id, s, 1);
	c->code = col_dup(s, 2);
	c->title = col_dup(s, 3);
	c->field = col_dup(s, 4);
	c->base = col_dup(s, 5);
	c->mine = col_dup(s, 6);
	c->theirs = col_dup(s, 7);
	col_copy(c->kind, sizeof c->kind, s, 8);
	c->version = sqlite3_column_int64(s, 9);
	col_copy(c->created_at, sizeof c->created_at, s, 10);
}

void duban_conflict_free(struct duban_conflict *c)
{
	if (!c)
		return;
	free(c->code);
	free(c->title);
	free(c->field);
	free(c->base);
	free(c->mine);
	free(c->theirs);
	c->code = c->title = c->field = c->base = c->mine = c->theirs = NULL;
}

void duban_conflicts_free(struct duban_conflict *c, int n)
{
	for (int i = 0; i < n; i++)
		duban_conflict_free(&c[i]);
	free(c);
}

enum duban_err duban_conflicts_list(duban_store *st, const char *item_id, struct duban_conflict **out, int *n)
{
	sqlite3_stmt *s = prep(st, CONFLICT_SELECT " WHERE c.resolved = 0 AND (?1 IS NULL OR c.item_id = ?1)"
						   " ORDER BY c.id");
	int cap = 0, rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	bind_str(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		read_conflict(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		duban_conflicts_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the conflicts"));
	}
	return DUBAN_OK;
}

long long duban_conflict_count(duban_store *st)
{
	return count_of(prep(st, "SELECT count(*) FROM conflict WHERE resolved = 0"), NULL);
}

bool duban_item_has_conflict(duban_store *st, const char *item_id)
{
	return count_of(prep(st, "SELECT EXISTS (SELECT 1 FROM conflict WHERE item_id = ? AND resolved = 0)"),
			item_id) > 0;
}

static enum duban_err conflict_get(duban_store *st, long long id, struct duban_conflict *c)
{
	sqlite3_stmt *s = prep(st, CONFLICT_SELECT " WHERE c.id = ? AND c.resolved = 0");
	enum duban_err err = DUBAN_OK;

	memset(c, 0, sizeof *c);
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		read_conflict(s, c);
	else
		err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("no open conflict with number %lld"), id);
	sqlite3_reset(s);
	return err;
}

/* Marks conflicts resolved with s (prepared by the caller, may be NULL):
 * ?1 the item, ?2 field or kind when not NULL. */
static enum duban_err resolve_rows(duban_store *st, sqlite3_stmt *s, const char *item_id, const char *field)
{
	if (s) {
		bind_str(s, 1, item_id);
		if (field)
			bind_str(s, 2, field);
	}
	return run(st, s, _("saving a conflict"));
}

static enum duban_err resolve_field(duban_store *st, const struct duban_conflict *c, enum duban_resolution how,
				    const char *edited, const char *now)
{
	const struct duban_field *f = duban_field_find(c->field);
	struct duban_item item, changed;
	const char *text, *reason;
	enum duban_err err;
	bool found = false;

	if (!f || !f->editable)
		return store_fail(st, DUBAN_ERR_INVALID, _("the conflict on '%s' cannot be resolved here"), c->field);
	switch (how) {
	case DUBAN_RESOLVE_TAKE_THEIRS:
		text = c->theirs;
		reason = "conflict: took server value";
		break;
	case DUBAN_RESOLVE_KEEP_MINE:
		text = c->mine;
		reason = "conflict: kept my value";
		break;
	default:
		if (!edited)
			return store_fail(st, DUBAN_ERR_INVALID, _("resolving with an edit needs a value"));
		text = edited;
		reason = "conflict: edited";
	}
	duban_item_init(&item);
	duban_item_init(&changed);
	err = load_item(st, c->item_id, &item, &found);
	if (!err && !found)
		err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("the item of this conflict is no longer in the ledger"));
	if (err)
		goto out;
	duban_item_free(&changed);
	duban_item_copy(&changed, &item);
	if (duban_field_parse(f, &changed, text ? text : "") != DUBAN_OK
	    || changed.progress < 0 || changed.progress > 100) {
		err = store_fail(st, DUBAN_ERR_INVALID, _("'%s' is not a valid value for %s"), text ? text : "",
				 _(f->title));
		goto out;
	}
	if (strcmp(f->name, "code") == 0 && (!changed.code[0] || (err = check_code(st, &changed)) != DUBAN_OK)) {
		if (!err)
			err = store_fail(st, DUBAN_ERR_INVALID, _("an item needs a code (受理编号)"));
		goto out;
	}
	/* The resolution replaces every unsent edit of the field; what the user
	 * keeps goes to the server as their own change of the server's value
	 * (the history there credits them, with the value they replaced). */
	err = delete_set_ops(st, item.id, f->name, false);
	if (!err && how != DUBAN_RESOLVE_TAKE_THEIRS) {
		char *value = duban_field_format(f, &changed);
		err = store_write_op(st, "item.set", item.id, f->name, c->theirs ? c->theirs : "", value, NULL, now);
		free(value);
	}
	if (!err && !duban_field_equal(f, &item, &changed)) {
		char *before = duban_field_format(f, &item), *after = duban_field_format(f, &changed);

		snprintf(changed.updated_at, sizeof changed.updated_at, "%s", now);
		err = store_item_put(st, &item, &changed);
		if (!err)
			err = store_write_event(st, item.id, f->name, before, after, reason, NULL, NULL, now);
		free(before);
		free(after);
	}
	if (!err)
		err = resolve_rows(st, prep(st, "UPDATE conflict SET resolved = 1 WHERE item_id = ?1 AND kind = 'field'"
					   " AND field = ?2 AND resolved = 0"),
				   item.id, f->name);
out:
	duban_item_free(&item);
	duban_item_free(&changed);
	return err;
}

/* The bodies of an item's records, newest first, to queue them again. */
struct record_bodies {
	cJSON **body;
	const char **kind;
	int n;
};

static int collect_record(const struct duban_history_entry *e, void *ctx)
{
	struct record_bodies *r = ctx;
	cJSON *body = NULL;
	const char *kind = NULL;

	if (e->note) {
		body = duban_note_to_json(e->note);
		kind = "note.add";
	} else if (e->inspection) {
		body = duban_inspection_to_json(e->inspection);
		kind = "inspection.add";
	} else if (e->action) {
		body = duban_action_to_json(e->action);
		kind = "action.add";
	} else if (e->attachment) {
		body = duban_attachment_to_json(e->attachment);
		kind = "attachment.add";
	}
	if (!body)
		return 0;
	r->body = xrealloc(r->body, (size_t)(r->n + 1) * sizeof *r->body);
	r->kind = xrealloc(r->kind, (size_t)(r->n + 1) * sizeof *r->kind);
	r->body[r->n] = body;
	r->kind[r->n++] = kind;
	return 0;
}

/* Its notice records too, newest first like the rest. */
static enum duban_err collect_notices(duban_store *st, const char *item_id, struct record_bodies *r)
{
	struct duban_notice *all;
	size_t n;
	enum duban_err err = duban_notice_list(st, item_id, &all, &n);

	for (size_t i = n; err == DUBAN_OK && i-- > 0;) {
		r->body = xrealloc(r->body, (size_t)(r->n + 1) * sizeof *r->body);
		r->kind = xrealloc(r->kind, (size_t)(r->n + 1) * sizeof *r->kind);
		r->body[r->n] = duban_notice_to_json(&all[i]);
		r->kind[r->n++] = "notice.add";
	}
	duban_notices_free(all, n);
	return err;
}

/* Its 调度 records too (membership, closes, submissions), newest first. */
static enum duban_err collect_dispatches(duban_store *st, const char *item_id, struct record_bodies *r)
{
	struct duban_dispatch_rec *all;
	size_t n;
	enum duban_err err = duban_dispatch_recs_of(st, item_id, &all, &n);

	for (size_t i = n; err == DUBAN_OK && i-- > 0;) {
		r->body = xrealloc(r->body, (size_t)(r->n + 1) * sizeof *r->body);
		r->kind = xrealloc(r->kind, (size_t)(r->n + 1) * sizeof *r->kind);
		r->body[r->n] = duban_dispatch_rec_to_json(&all[i]);
		r->kind[r->n++] = "dispatch.add";
	}
	duban_dispatch_recs_free(all, n);
	return err;
}

/* The user wants the item the server deleted: create it again with all its
 * records, which the server takes idempotently by id. */
static enum duban_err recreate_item(duban_store *st, const struct duban_item *item, const char *now)
{
	struct record_bodies r = { 0 };
	enum duban_err err;
	int i;

	err = duban_history_each(st, item->id, collect_record, &r);
	if (!err)
		err = collect_notices(st, item->id, &r);
	if (!err)
		err = collect_dispatches(st, item->id, &r);
	if (!err)
		err = store_write_op(st, "item.create", item->id, NULL, NULL, NULL, duban_item_to_json(item), now);
	for (i = r.n - 1; i >= 0; i--) {
		/* store_write_op consumes the body, also on failure. */
		if (!err)
			err = store_write_op(st, r.kind[i], item->id, NULL, NULL, NULL, r.body[i], now);
		else
			cJSON_Delete(r.body[i]);
	}
	free(r.body);
	free(r.kind);
	if (!err)
		err = set_sync_flag(st, item->id, "");
	return err;
}

static enum duban_err resolve_gone(duban_store *st, const struct duban_conflict *c, enum duban_resolution how,
				   const char *now)
{
	struct duban_item item;
	enum duban_err err;
	bool found = false;
	sqlite3_stmt *s;

	if (how == DUBAN_RESOLVE_EDIT)
		return store_fail(st, DUBAN_ERR_INVALID, _("only a conflict on a field can be resolved with a new value"));
	duban_item_init(&item);
	err = load_item(st, c->item_id, &item, &found);
	if (err)
		goto out;
	if (how == DUBAN_RESOLVE_TAKE_THEIRS) {
		/* The server's deletion wins over every unsent change of the item. */
		if (found) {
			err = store_item_remove(st, &item);
			if (!err)
				err = store_write_event(st, item.id, "delete", item.code, NULL,
							"conflict: took server value", NULL, NULL, now);
		}
		if (!err) {
			s = prep(st, "DELETE FROM op WHERE item_id = ?");
			if (s)
				bind_str(s, 1, c->item_id);
			err = run(st, s, _("updating the outbox"));
		}
		if (!err)
			err = resolve_rows(st, prep(st, "UPDATE conflict SET resolved = 1 WHERE item_id = ?1 AND resolved = 0"),
					   c->item_id, NULL);
		goto out;
	}
	if (strcmp(c->kind, "deleted") == 0) {
		if (!found)
			err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("the item of this conflict is no longer in the ledger"));
		else
			err = recreate_item(st, &item, now);
	}
	if (!err)
		err = resolve_rows(st, prep(st, "UPDATE conflict SET resolved = 1 WHERE item_id = ?1 AND kind = ?2"
					   " AND resolved = 0"),
				   c->item_id, c->kind);
out:
	duban_item_free(&item);
	return err;
}

enum duban_err duban_conflict_resolve(duban_store *st, long long conflict_id, enum duban_resolution how,
				      const char *edited_value)
{
	struct duban_conflict c;
	enum duban_err err;
	char now[25];

	if (how != DUBAN_RESOLVE_TAKE_THEIRS && duban_store_role(st) == DUBAN_ROLE_VIEWER)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("a viewer may not change items"));
	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	duban_timestamp_now(now);
	err = conflict_get(st, conflict_id, &c);
	if (!err && strcmp(c.kind, "field") == 0)
		err = resolve_field(st, &c, how, edited_value, now);
	else if (!err)
		err = resolve_gone(st, &c, how, now);
	duban_conflict_free(&c);
	return store_change_end(st, err);
}

/* ---------------------------------------------------------------- sync state */

char *duban_sync_get(duban_store *st, const char *key)
{
	sqlite3_stmt *s = prep(st, "SELECT value FROM sync_state WHERE key = ?");
	char *value = NULL;

	if (!s)
		return NULL;
	bind_str(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW)
		value = col_dup(s, 0);
	sqlite3_reset(s);
	return value;
}

enum duban_err duban_sync_set(duban_store *st, const char *key, const char *value)
{
	return set_state(st, key, value);
}

enum duban_err duban_sync_reset(duban_store *st)
{
	return duban_sync_set(st, DUBAN_SYNC_CURSOR, NULL);
}

/* ---------------------------------------------------------------- fetched again */

int duban_refetch_list(duban_store *st, char ids[][37], int max)
{
	sqlite3_stmt *s = prep(st, "SELECT item_id FROM refetch ORDER BY item_id LIMIT ?");
	int n = 0;

	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, max);
	while (n < max && sqlite3_step(s) == SQLITE_ROW)
		col_copy(ids[n++], 37, s, 0);
	sqlite3_reset(s);
	return n;
}

enum duban_err duban_refetch_done(duban_store *st, const cJSON *answer)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(answer, "items");
	const cJSON *missing = cJSON_GetObjectItemCaseSensitive(answer, "missing");
	const cJSON *c;
	enum duban_err err;
	sqlite3_stmt *s;

	if (!cJSON_IsArray(items) || !cJSON_IsArray(missing))
		return store_fail(st, DUBAN_ERR_PARSE, _("the server's answer for the items asked again is not a list"));
	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	cJSON_ArrayForEach(c, items) {
		const char *id = jstr(c, "id");
		if (!err)
			err = apply_item(st, c, NULL);
		if (!err && id) {
			s = prep(st, "DELETE FROM refetch WHERE item_id = ?");
			if (s)
				bind_str(s, 1, id);
			err = run(st, s, _("saving the server's value"));
		}
	}
	/* Gone or out of reach: the pull's tombstones settle it. */
	cJSON_ArrayForEach(c, missing) {
		if (!err && cJSON_IsString(c)) {
			s = prep(st, "DELETE FROM refetch WHERE item_id = ?");
			if (s)
				bind_str(s, 1, c->valuestring);
			err = run(st, s, _("saving the server's value"));
		}
	}
	return store_change_end(st, err);
}
