/* POST /api/v1/push: applying a batch of ops exactly once, each re-checked
 * against the server's own state and the pushing user's role and counties. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/json.h"
#include "duban/util.h"
#include "server.h"
#include "store_internal.h"

enum op_kind {
	OP_CREATE, OP_SET, OP_STATUS, OP_DELETE, OP_NOTE, OP_INSPECTION, OP_ACTION, OP_ATTACHMENT, OP_KIND_COUNT
};

static const char *const kind_names[OP_KIND_COUNT] = {
	"item.create", "item.set", "item.status", "item.delete",
	"note.add", "inspection.add", "action.add", "attachment.add",
};

/* Table names for the existence check of a record, by kind. */
static const char *const record_exists_sql[OP_KIND_COUNT] = {
	[OP_NOTE] = "SELECT 1 FROM note WHERE id = ?",
	[OP_INSPECTION] = "SELECT 1 FROM inspection WHERE id = ?",
	[OP_ACTION] = "SELECT 1 FROM action WHERE id = ?",
	[OP_ATTACHMENT] = "SELECT 1 FROM attachment WHERE id = ?",
};

enum push_stmt {
	PS_APPLIED_INSERT, PS_APPLIED_ANSWER, PS_APPLIED_SAVE, PS_SEQ_GET, PS_SEQ_PUT, PS_DELETED, PS_TAKEN,
	PS_EXISTS, /* + kind */
	PS_COUNT = PS_EXISTS + OP_KIND_COUNT
};

struct push {
	duban_store *st;
	sqlite3 *db;
	const struct srv_user *u;
	const char *device;
	sqlite3_stmt *stmt[PS_COUNT];
	bool db_error; /* the batch cannot be answered: roll it back, 500 */
};

/* One op as it came, its members already checked for shape. */
struct op {
	const cJSON *json;
	const char *id, *item_id;
	enum op_kind kind;
};

/* ---------------------------------------------------------------- statements */

static sqlite3_stmt *stmt(struct push *p, int id, const char *sql)
{
	sqlite3_stmt *s = p->stmt[id];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v2(p->db, sql, -1, &s, NULL) != SQLITE_OK) {
		srv_log("push: preparing a statement: %s", sqlite3_errmsg(p->db));
		p->db_error = true;
		return NULL;
	}
	p->stmt[id] = s;
	return s;
}

static void bind(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static bool exec(struct push *p, const char *sql)
{
	if (sqlite3_exec(p->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return true;
	srv_log("push: %s: %s", sql, sqlite3_errmsg(p->db));
	p->db_error = true;
	return false;
}

/* ---------------------------------------------------------------- answers */

static cJSON *answer(const struct op *op, const char *result)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "id", op->id);
	cJSON_AddStringToObject(a, "result", result);
	return a;
}

static cJSON *rejected(const struct op *op, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The machine code of a refusal, for clients to show in their user's
 * language (the message stays English, for older clients and logs).  Found
 * by the message's format, so that every refusal has one without its call
 * site naming it; a message passed through whole has its reason as code. */
static const char *refusal_code(const char *reason, const char *fmt)
{
	static const struct {
		const char *fmt, *code;
	} codes[] = {
		{ "%s %s may not write item %s (not in their counties, or not on the server)", "not_in_counties" },
		{ "no item %s on the server", "no_item" },
		{ "%s %s may not write items of %s", "county_forbidden" },
		{ "unknown implied_by '%s'", "bad_implied_by" },
		{ "%s is %s on the server: the change that followed its status is void", "status_void" },
		{ "'%s' is not a field that item.set may change", "not_settable" },
		{ "base and value must be text or null", "bad_value" },
		{ "%s: cannot read '%s'", "bad_value" },
		{ "item.status needs base and value statuses", "bad_status_op" },
		{ "%s is %s on the server, not %s", "status_moved" },
		{ "the id or the code of this item is already in use", "in_use" },
		{ "item.create needs the item as its body", "no_body" },
		{ "%s needs the record as its body", "no_body" },
		{ "the body's id %s is not the op's item_id", "id_mismatch" },
		{ "the record's item_id is not the op's item_id", "id_mismatch" },
		{ "the item %s already exists", "exists" },
		{ "the %s role may not create an item with status %s", "create_status" },
		{ "only the office may delete items", "delete_office_only" },
		{ "the author of a record is the user who sends it (%s), not '%s'", "author" },
		{ "blob %.64s has not been uploaded by %s (PUT /api/v1/blobs/SHA256 first)", "blob_missing" },
		{ "viewer %s may not change the ledger", "read_only" },
		{ "the op id %s is already used; give the op a new id", "op_id_used" },
	};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(fmt, codes[i].fmt) == 0)
			return codes[i].code;
	return reason;
}

static cJSON *rejected(const struct op *op, const char *reason, const char *fmt, ...)
{
	cJSON *a = answer(op, "rejected");
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(a, "reason", reason);
	cJSON_AddStringToObject(a, "code", refusal_code(reason, fmt));
	cJSON_AddStringToObject(a, "message", message);
	return a;
}

/* The answer for what the core store returned. */
static cJSON *core_answer(struct push *p, const struct op *op, enum duban_err err)
{
	const char *msg = duban_store_errmsg(p->st);

	switch (err) {
	case DUBAN_OK:
		return answer(op, "applied");
	case DUBAN_ERR_PERMISSION:
		return rejected(op, "permission", "%s", msg);
	case DUBAN_ERR_TRANSITION:
	case DUBAN_ERR_REASON:
		return rejected(op, "transition", "%s", msg);
	case DUBAN_ERR_NOT_FOUND:
		return rejected(op, "not_found", "%s", msg);
	case DUBAN_ERR_INVALID:
	case DUBAN_ERR_DUPLICATE:
	case DUBAN_ERR_PARSE:
		return rejected(op, "validation", "%s", msg);
	default:
		srv_log("push: op %s: %s", op->id, msg);
		p->db_error = true;
		return NULL;
	}
}

/* ---------------------------------------------------------------- op members */

static const char *member_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* base and value: text, null and absent alike meaning "". false when the
 * member is of another type. */
static bool member_text(const cJSON *obj, const char *name, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = "";
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v))
		return false;
	*out = v->valuestring;
	return true;
}

/* from's member as name: its text, or null for anything else. */
static void add_text_or_null(cJSON *obj, const char *name, const cJSON *from, const char *member)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, member);

	if (cJSON_IsString(v))
		cJSON_AddStringToObject(obj, name, v->valuestring);
	else
		cJSON_AddNullToObject(obj, name);
}

/* ---------------------------------------------------------------- items */

/* The item with exactly this id.  DUBAN_ERR_NOT_FOUND when it is not there. */
static enum duban_err load_item(struct push *p, const char *id, struct duban_item *item)
{
	enum duban_err err = duban_item_get(p->st, id, item);

	if (err == DUBAN_OK && strcmp(item->id, id) != 0)
		return DUBAN_ERR_NOT_FOUND;
	if (err != DUBAN_OK && err != DUBAN_ERR_NOT_FOUND) {
		srv_log("push: %s", duban_store_errmsg(p->st));
		p->db_error = true;
	}
	return err;
}

/* The sequence number of the item's deletion, 0 if the server never deleted
 * it (as far as the change log remembers); *seen: whether the user sees the
 * county it was deleted in. */
static long long deleted_at(struct push *p, const char *item_id, bool *seen)
{
	sqlite3_stmt *s = stmt(p, PS_DELETED, "SELECT seq, county FROM change WHERE item_id = ? AND deleted = 1"
					      " ORDER BY seq DESC LIMIT 1");
	long long seq = 0;
	int rc;

	*seen = true;
	if (!s)
		return 0;
	bind(s, 1, item_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		*seen = srv_user_sees(p->u, (const char *)sqlite3_column_text(s, 1));
	} else if (rc != SQLITE_DONE) {
		p->db_error = true;
	}
	sqlite3_reset(s);
	return seq;
}

/* An item outside the user's counties and one the server never had get the
 * same answer, so that nobody learns what another county holds. */
static cJSON *hidden_item(struct push *p, const struct op *op)
{
	return rejected(op, "permission", "%s %s may not write item %s (not in their counties, or not on the server)",
			duban_role_id(p->u->role), p->u->name, op->item_id);
}

/* An op on an item the server does not hold: a conflict if the server
 * deleted it (never a resurrection), else the item was never here. */
static cJSON *missing_item(struct push *p, const struct op *op)
{
	bool seen;
	long long seq = deleted_at(p, op->item_id, &seen);
	cJSON *a;

	if (p->db_error)
		return NULL;
	if (!seen || (!seq && !srv_user_all_counties(p->u)))
		return hidden_item(p, op);
	if (!seq)
		return rejected(op, "not_found", "no item %s on the server", op->item_id);
	a = answer(op, "conflict");
	cJSON_AddStringToObject(a, "reason", "deleted");
	if (op->kind == OP_SET || op->kind == OP_STATUS) {
		const char *field = op->kind == OP_SET ? member_str(op->json, "field") : "status";
		cJSON_AddStringToObject(a, "field", field ? field : "");
		add_text_or_null(a, "base", op->json, "base");
		add_text_or_null(a, "mine", op->json, "value");
	}
	cJSON_AddNullToObject(a, "theirs");
	cJSON_AddNumberToObject(a, "version", (double)seq);
	cJSON_AddStringToObject(a, "message", "the item was deleted on the server");
	return a;
}

static cJSON *out_of_scope(struct push *p, const struct op *op, const char *county)
{
	return rejected(op, "permission", "%s %s may not write items of %s", duban_role_id(p->u->role), p->u->name,
			county && *county ? county : "(no county)");
}

/* A change implied by a status (progress 100 on verification) holds only
 * while the item is in a status that implies it: after a refused or undone
 * move it is refused too, never applied on its own. */
static cJSON *implied_refused(const struct op *op, const struct duban_item *item)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	const char *by = cJSON_IsObject(body) ? member_str(body, "implied_by") : NULL;

	if (!by)
		return NULL;
	if (strcmp(by, "status") != 0)
		return rejected(op, "validation", "unknown implied_by '%s'", by);
	if (item->status == DUBAN_STATUS_VERIFIED || item->status == DUBAN_STATUS_PUBLICIZED ||
	    item->status == DUBAN_STATUS_CLOSED)
		return NULL;
	return rejected(op, "transition", "%s is %s on the server: the change that followed its status is void",
			item->code, duban_status_id(item->status));
}

static cJSON *op_set(struct push *p, const struct op *op, struct duban_item *item)
{
	const char *name = member_str(op->json, "field"), *base, *value;
	const struct duban_field *f = name ? duban_field_find(name) : NULL;
	struct duban_item copy;
	char *current;
	cJSON *a;
	enum duban_err err;

	if (!f || f->type == DUBAN_FT_STATUS || !f->editable)
		return rejected(op, "validation", "'%s' is not a field that item.set may change", name ? name : "");
	if (!member_text(op->json, "base", &base) || !member_text(op->json, "value", &value))
		return rejected(op, "validation", "base and value must be text or null");
	if ((a = implied_refused(op, item)) != NULL)
		return a;
	current = duban_field_format(f, item);
	if (strcmp(current, value) == 0) {
		free(current);
		return answer(op, "applied");
	}
	if (strcmp(current, base) != 0) {
		a = answer(op, "conflict");
		cJSON_AddStringToObject(a, "field", f->name);
		cJSON_AddStringToObject(a, "base", base);
		cJSON_AddStringToObject(a, "mine", value);
		cJSON_AddStringToObject(a, "theirs", current);
		cJSON_AddNumberToObject(a, "version", (double)item->version);
		free(current);
		return a;
	}
	free(current);
	duban_item_copy(&copy, item);
	err = duban_field_parse(f, &copy, value);
	if (err != DUBAN_OK) {
		a = rejected(op, "validation", "%s: cannot read '%s'", f->name, value);
	} else if (strcmp(f->name, "county") == 0 && !srv_user_sees(p->u, copy.county)) {
		a = out_of_scope(p, op, copy.county);
	} else {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
		const char *reason = cJSON_IsObject(body) ? member_str(body, "reason") : NULL;
		a = core_answer(p, op, duban_item_update_ex(p->st, &copy, NULL, false, reason ? reason : ""));
	}
	duban_item_free(&copy);
	return a;
}

static cJSON *op_status(struct push *p, const struct op *op, const struct duban_item *item)
{
	const char *base, *value, *reason = NULL;
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	int from, to;
	enum duban_err err;

	if (!member_text(op->json, "base", &base) || !member_text(op->json, "value", &value) ||
	    (from = duban_status_parse(base)) < 0 || (to = duban_status_parse(value)) < 0)
		return rejected(op, "validation", "item.status needs base and value statuses");
	if (cJSON_IsObject(body))
		reason = member_str(body, "reason");
	if ((int)item->status == to)
		return answer(op, "applied");
	if ((int)item->status != from)
		return rejected(op, "transition", "%s is %s on the server, not %s", item->code,
				duban_status_id(item->status), duban_status_id((enum duban_status)from));
	err = duban_item_set_status(p->st, item->id, (enum duban_status)to, reason ? reason : "");
	return core_answer(p, op, err);
}

/* An item.create whose id or code an item outside the user's counties holds
 * (or held, for a deleted id): one answer for both, naming neither. */
static cJSON *taken_elsewhere(struct push *p, const struct op *op, const struct duban_item *item)
{
	sqlite3_stmt *s = stmt(p, PS_TAKEN, "SELECT county FROM item WHERE id = ?1 OR code = ?2"
					    " UNION ALL SELECT county FROM change WHERE item_id = ?1 AND deleted = 1");
	bool hidden = false;
	int rc;

	if (!s || srv_user_all_counties(p->u))
		return NULL;
	bind(s, 1, item->id);
	bind(s, 2, item->code);
	while (!hidden && (rc = sqlite3_step(s)) == SQLITE_ROW)
		hidden = !srv_user_sees(p->u, (const char *)sqlite3_column_text(s, 0));
	if (!hidden && rc != SQLITE_DONE)
		p->db_error = true;
	sqlite3_reset(s);
	if (!hidden)
		return NULL;
	return rejected(op, "validation", "the id or the code of this item is already in use");
}

static cJSON *op_create(struct push *p, const struct op *op)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	struct duban_item item, old;
	char why[256];
	cJSON *a = NULL;
	bool seen;

	duban_item_init(&item);
	duban_item_init(&old);
	if (!cJSON_IsObject(body)) {
		a = rejected(op, "validation", "item.create needs the item as its body");
		goto out;
	}
	if (duban_item_from_json(body, &item, why, sizeof why) != DUBAN_OK) {
		a = rejected(op, "validation", "%s", why);
		goto out;
	}
	if (!item.id[0])
		snprintf(item.id, sizeof item.id, "%s", op->item_id);
	if (strcmp(item.id, op->item_id) != 0) {
		a = rejected(op, "validation", "the body's id %s is not the op's item_id", item.id);
		goto out;
	}
	/* The county first: whether an id or code exists elsewhere must not
	 * show through the order of the checks. */
	if (!srv_user_sees(p->u, item.county)) {
		a = out_of_scope(p, op, item.county);
		goto out;
	}
	if ((a = taken_elsewhere(p, op, &item)) || p->db_error)
		goto out;
	if (load_item(p, item.id, &old) == DUBAN_OK) {
		a = rejected(op, "validation", "the item %s already exists", item.id);
		goto out;
	}
	if (p->db_error)
		goto out;
	if (deleted_at(p, item.id, &seen) || p->db_error) {
		a = p->db_error ? NULL : missing_item(p, op);
		goto out;
	}
	if (p->u->role != DUBAN_ROLE_OFFICE && item.status != DUBAN_STATUS_NOT_STARTED &&
	    item.status != DUBAN_STATUS_IN_PROGRESS) {
		a = rejected(op, "permission", "the %s role may not create an item with status %s",
			     duban_role_id(p->u->role), duban_status_id(item.status));
		goto out;
	}
	/* The server numbers versions: a client's number means nothing here. */
	item.version = 0;
	a = core_answer(p, op, duban_item_insert(p->st, &item));
out:
	duban_item_free(&item);
	duban_item_free(&old);
	return a;
}

static cJSON *op_delete(struct push *p, const struct op *op)
{
	struct duban_item item;
	enum duban_err err;
	cJSON *a;

	if (p->u->role != DUBAN_ROLE_OFFICE)
		return rejected(op, "permission", "only the office may delete items");
	duban_item_init(&item);
	err = load_item(p, op->item_id, &item);
	if (p->db_error)
		a = NULL;
	else if (err == DUBAN_ERR_NOT_FOUND)
		a = answer(op, "applied"); /* already gone: converge */
	else
		a = core_answer(p, op, duban_item_delete(p->st, item.id));
	duban_item_free(&item);
	return a;
}

/* ---------------------------------------------------------------- records */

union record {
	struct duban_note note;
	struct duban_inspection inspection;
	struct duban_action action;
	struct duban_attachment attachment;
};

static enum duban_err record_read(enum op_kind kind, const cJSON *body, union record *r, char *why, size_t len)
{
	switch (kind) {
	case OP_NOTE:
		return duban_note_from_json(body, &r->note, why, len);
	case OP_INSPECTION:
		return duban_inspection_from_json(body, &r->inspection, why, len);
	case OP_ACTION:
		return duban_action_from_json(body, &r->action, why, len);
	default:
		return duban_attachment_from_json(body, &r->attachment, why, len);
	}
}

static void record_free(enum op_kind kind, union record *r)
{
	switch (kind) {
	case OP_NOTE:
		duban_note_free(&r->note);
		break;
	case OP_INSPECTION:
		duban_inspection_free(&r->inspection);
		break;
	case OP_ACTION:
		duban_action_free(&r->action);
		break;
	default:
		duban_attachment_free(&r->attachment);
	}
}

static const char *record_id(enum op_kind kind, const union record *r)
{
	switch (kind) {
	case OP_NOTE:
		return r->note.id;
	case OP_INSPECTION:
		return r->inspection.id;
	case OP_ACTION:
		return r->action.id;
	default:
		return r->attachment.id;
	}
}

static const char *record_item_id(enum op_kind kind, const union record *r)
{
	switch (kind) {
	case OP_NOTE:
		return r->note.item_id;
	case OP_INSPECTION:
		return r->inspection.item_id;
	case OP_ACTION:
		return r->action.item_id;
	default:
		return r->attachment.item_id;
	}
}

static char *record_created(enum op_kind kind, union record *r)
{
	switch (kind) {
	case OP_NOTE:
		return r->note.created_at;
	case OP_INSPECTION:
		return r->inspection.created_at;
	case OP_ACTION:
		return r->action.created_at;
	default:
		return r->attachment.created_at;
	}
}

/* A record's time is when its author made it, as their clock said, but not
 * later than now: a clock ahead of the server's is brought back. */
static void clamp_created(char created_at[25])
{
	char now[25];

	duban_timestamp_now(now);
	if (!created_at[0] || strcmp(created_at, now) > 0)
		snprintf(created_at, 25, "%s", now);
}

static char **record_author(enum op_kind kind, union record *r)
{
	switch (kind) {
	case OP_NOTE:
		return &r->note.author;
	case OP_INSPECTION:
		return &r->inspection.author;
	case OP_ACTION:
		return &r->action.author;
	default:
		return &r->attachment.author;
	}
}

/* The author of a record is the user who pushed it, whatever the body says:
 * a different name is refused (never stored), none is filled in. */
static cJSON *stamp_author(struct push *p, const struct op *op, char **author)
{
	if (*author && **author && strcmp(*author, p->u->name) != 0)
		return rejected(op, "validation", "the author of a record is the user who sends it (%s), not '%s'",
				p->u->name, *author);
	duban_set_str(author, p->u->name);
	return NULL;
}

static enum duban_err record_add(struct push *p, enum op_kind kind, union record *r)
{
	switch (kind) {
	case OP_NOTE:
		return duban_note_add(p->st, &r->note);
	case OP_INSPECTION:
		return duban_inspection_add(p->st, &r->inspection);
	case OP_ACTION:
		return duban_action_add(p->st, &r->action);
	default:
		return duban_attachment_add(p->st, &r->attachment);
	}
}

static bool record_exists(struct push *p, enum op_kind kind, const char *id)
{
	sqlite3_stmt *s = stmt(p, PS_EXISTS + (int)kind, record_exists_sql[kind]);
	int rc;

	if (!s)
		return false;
	bind(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		p->db_error = true;
	return rc == SQLITE_ROW;
}

/* An attachment may only name bytes this user could fetch: ones they sent,
 * or ones already attached to an item they see.  Otherwise knowing a hash
 * would be enough to read another county's file.  Bytes nobody sent yet are
 * refused the same way (the client sends them before the op).  NULL: go on. */
static cJSON *attachment_blob_check(struct push *p, const struct op *op, const struct duban_attachment *att)
{
	int may = srv_blob_may_use(p->db, p->u, att->sha256);

	if (may < 0)
		p->db_error = true;
	if (may != 0)
		return NULL;
	return rejected(op, "validation", "blob %.64s has not been uploaded by %s (PUT /api/v1/blobs/SHA256 first)",
			att->sha256, p->u->name);
}

static cJSON *op_record(struct push *p, const struct op *op)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	union record r;
	struct duban_item item;
	char why[256];
	cJSON *a = NULL;
	enum duban_err err;

	memset(&r, 0, sizeof r);
	duban_item_init(&item);
	if (!cJSON_IsObject(body)) {
		a = rejected(op, "validation", "%s needs the record as its body", kind_names[op->kind]);
		goto out;
	}
	if (record_read(op->kind, body, &r, why, sizeof why) != DUBAN_OK) {
		a = rejected(op, "validation", "%s", why);
		goto out;
	}
	if (strcmp(record_item_id(op->kind, &r), op->item_id) != 0) {
		a = rejected(op, "validation", "the record's item_id is not the op's item_id");
		goto out;
	}
	if ((a = stamp_author(p, op, record_author(op->kind, &r))) != NULL)
		goto out;
	clamp_created(record_created(op->kind, &r));
	err = load_item(p, op->item_id, &item);
	if (p->db_error)
		goto out;
	if (err != DUBAN_OK) {
		a = missing_item(p, op);
		goto out;
	}
	if (!srv_user_sees(p->u, item.county)) {
		a = hidden_item(p, op);
		goto out;
	}
	if (record_exists(p, op->kind, record_id(op->kind, &r))) {
		a = answer(op, "applied"); /* held already: idempotent by id */
		goto out;
	}
	if (op->kind == OP_ATTACHMENT && ((a = attachment_blob_check(p, op, &r.attachment)) || p->db_error))
		goto out;
	if (!p->db_error)
		a = core_answer(p, op, record_add(p, op->kind, &r));
out:
	record_free(op->kind, &r);
	duban_item_free(&item);
	return a;
}

/* ---------------------------------------------------------------- one op */

static cJSON *dispatch(struct push *p, const struct op *op)
{
	struct duban_item item;
	enum duban_err err;
	cJSON *a;

	if (p->u->role == DUBAN_ROLE_VIEWER)
		return rejected(op, "permission", "viewer %s may not change the ledger", p->u->name);
	switch (op->kind) {
	case OP_CREATE:
		return op_create(p, op);
	case OP_DELETE:
		return op_delete(p, op);
	case OP_SET:
	case OP_STATUS:
		break;
	default:
		return op_record(p, op);
	}
	duban_item_init(&item);
	err = load_item(p, op->item_id, &item);
	if (p->db_error)
		a = NULL;
	else if (err != DUBAN_OK)
		a = missing_item(p, op);
	else if (!srv_user_sees(p->u, item.county))
		a = hidden_item(p, op);
	else if (op->kind == OP_SET)
		a = op_set(p, op, &item);
	else
		a = op_status(p, op, &item);
	duban_item_free(&item);
	return a;
}

/* Follows the device's op numbers: a skip or a step back is worth a warning
 * (and a log line), never a refusal. */
static const char *track_client_seq(struct push *p, const struct op *op)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op->json, "client_seq");
	const char *warning = NULL;
	long long seq, last;
	sqlite3_stmt *s;

	if (!cJSON_IsNumber(v))
		return NULL;
	seq = (long long)v->valuedouble;
	if (!(s = stmt(p, PS_SEQ_GET, "SELECT last_seq FROM device_seq WHERE user = ? AND device = ?")))
		return NULL;
	bind(s, 1, p->u->name);
	bind(s, 2, p->device);
	if (sqlite3_step(s) == SQLITE_ROW) {
		last = sqlite3_column_int64(s, 0);
		if (seq > last + 1)
			warning = "gap";
		else if (seq <= last)
			warning = "replay";
		if (warning)
			srv_log("push: %s/%s op %s has client_seq %lld after %lld (%s)", p->u->name,
				p->device, op->id, seq, last, warning);
	}
	sqlite3_reset(s);
	if (!(s = stmt(p, PS_SEQ_PUT, "INSERT INTO device_seq (user, device, last_seq) VALUES (?, ?, ?)"
				    " ON CONFLICT (user, device) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)")))
		return NULL;
	bind(s, 1, p->u->name);
	bind(s, 2, p->device);
	sqlite3_bind_int64(s, 3, seq);
	if (sqlite3_step(s) != SQLITE_DONE)
		p->db_error = true;
	sqlite3_reset(s);
	return warning;
}

/* The first answer to an op id seen before, as a duplicate.  Only to the
 * user who sent it: the answer may carry values (theirs) of their counties. */
static cJSON *duplicate(struct push *p, const struct op *op)
{
	sqlite3_stmt *s = stmt(p, PS_APPLIED_ANSWER, "SELECT answer, user FROM applied_op WHERE op_id = ?");
	cJSON *first = NULL, *result;
	bool other = false;

	if (!s)
		return NULL;
	bind(s, 1, op->id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		other = strcmp((const char *)sqlite3_column_text(s, 1), p->u->name) != 0;
		if (!other)
			first = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_reset(s);
	if (other)
		return rejected(op, "validation", "the op id %s is already used; give the op a new id", op->id);
	result = cJSON_GetObjectItemCaseSensitive(first, "result");
	if (!cJSON_IsString(result)) {
		srv_log("push: no stored answer for op %s", op->id);
		cJSON_Delete(first);
		p->db_error = true;
		return NULL;
	}
	cJSON_AddItemToObject(first, "first", cJSON_CreateString(result->valuestring));
	cJSON_ReplaceItemInObjectCaseSensitive(first, "result", cJSON_CreateString("duplicate"));
	return first;
}

static bool save_answer(struct push *p, const struct op *op, const cJSON *a)
{
	sqlite3_stmt *s = stmt(p, PS_APPLIED_SAVE, "UPDATE applied_op SET answer = ? WHERE op_id = ?");
	char *json;
	int rc;

	if (!s)
		return false;
	json = cJSON_PrintUnformatted(a);
	sqlite3_bind_text(s, 1, json, -1, free);
	bind(s, 2, op->id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		p->db_error = true;
	return rc == SQLITE_DONE;
}

/* When the person made the change: the op's created_at, kept for display
 * (never for order).  A clock ahead of the server's is brought back to the
 * time the server received it; a missing or malformed one is that time. */
static const char *recorded_at(const struct op *op, const char *now)
{
	const char *t = member_str(op->json, "created_at");

	if (!t || !duban_timestamp_valid(t) || strcmp(t, now) > 0)
		return now;
	return t;
}

/* The op id goes in first: the primary key, not a look-up, decides whether
 * this op was seen.  Its row and the device's numbering stay even when the
 * op's effects are rolled back, so a rejection is answered the same way
 * forever. */
static cJSON *run_op(struct push *p, const struct op *op)
{
	sqlite3_stmt *s;
	const char *warning;
	const char *result;
	char now[25];
	cJSON *a;

	if (!(s = stmt(p, PS_APPLIED_INSERT,
		       "INSERT INTO applied_op (op_id, user, device, client_seq, kind, answer, created_at)"
		       " VALUES (?, ?, ?, ?, ?, '', ?) ON CONFLICT (op_id) DO NOTHING")))
		return NULL;
	bind(s, 1, op->id);
	bind(s, 2, p->u->name);
	bind(s, 3, p->device);
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(op->json, "client_seq")))
		sqlite3_bind_int64(s, 4, (long long)cJSON_GetObjectItemCaseSensitive(op->json, "client_seq")->valuedouble);
	bind(s, 5, kind_names[op->kind]);
	bind(s, 6, duban_timestamp_now(now));
	if (sqlite3_step(s) != SQLITE_DONE) {
		srv_log("push: recording op %s: %s", op->id, sqlite3_errmsg(p->db));
		sqlite3_reset(s);
		p->db_error = true;
		return NULL;
	}
	sqlite3_reset(s);
	if (sqlite3_changes(p->db) == 0)
		return duplicate(p, op);

	warning = track_client_seq(p, op);
	if (p->db_error || !exec(p, "SAVEPOINT op"))
		return NULL;
	duban_store_set_actor(p->st, p->u->name, p->device, p->u->role);
	duban_store_set_op(p->st, op->id, recorded_at(op, now));
	a = dispatch(p, op);
	duban_store_set_op(p->st, NULL, NULL);
	if (!a || p->db_error) {
		cJSON_Delete(a);
		p->db_error = true;
		return NULL;
	}
	result = cJSON_GetObjectItemCaseSensitive(a, "result")->valuestring;
	if (strcmp(result, "applied") != 0 && !exec(p, "ROLLBACK TO op")) {
		cJSON_Delete(a);
		return NULL;
	}
	if (!exec(p, "RELEASE op")) {
		cJSON_Delete(a);
		return NULL;
	}
	if (strcmp(result, "applied") == 0)
		cJSON_AddNumberToObject(a, "version", (double)srv_server_seq(p->st));
	if (!save_answer(p, op, a)) {
		cJSON_Delete(a);
		return NULL;
	}
	if (warning)
		cJSON_AddStringToObject(a, "warning", warning);
	return a;
}

/* ---------------------------------------------------------------- the batch */

static int fail(cJSON **response, int status, const char *code, const char *message)
{
	*response = srv_error(code, "%s", message);
	return status;
}

/* Shape only; what an op means is checked when it runs. */
static int check_op(const cJSON *json, int i, struct op *op, cJSON **response)
{
	const char *kind;
	char msg[160];

	memset(op, 0, sizeof *op);
	op->json = json;
	if (!cJSON_IsObject(json)) {
		snprintf(msg, sizeof msg, "op %d is not an object", i);
		return fail(response, 400, "bad_json", msg);
	}
	op->id = member_str(json, "id");
	kind = member_str(json, "kind");
	op->item_id = member_str(json, "item_id");
	if (!duban_uuid_valid(op->id)) {
		snprintf(msg, sizeof msg, "op %d: id is not a UUID", i);
		return fail(response, 400, "bad_request", msg);
	}
	for (op->kind = 0; op->kind < OP_KIND_COUNT; op->kind++) {
		if (kind && strcmp(kind, kind_names[op->kind]) == 0)
			break;
	}
	if (op->kind == OP_KIND_COUNT) {
		snprintf(msg, sizeof msg, "op %d: unknown kind", i);
		return fail(response, 400, "bad_request", msg);
	}
	if (!duban_uuid_valid(op->item_id)) {
		snprintf(msg, sizeof msg, "op %d: item_id is not a UUID", i);
		return fail(response, 400, "bad_request", msg);
	}
	if (cJSON_GetObjectItemCaseSensitive(json, "client_seq") &&
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(json, "client_seq"))) {
		snprintf(msg, sizeof msg, "op %d: client_seq is not a number", i);
		return fail(response, 400, "bad_request", msg);
	}
	return 0;
}

int srv_push(srv_db *db, const struct srv_user *u, const cJSON *request, int max_ops, cJSON **response)
{
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(request, "ops");
	const char *device = member_str(request, "device");
	struct push p = { .u = u };
	struct op *list;
	cJSON *results;
	int n, status;

	*response = NULL;
	if (!cJSON_IsObject(request) || !cJSON_IsArray(ops))
		return fail(response, 400, "bad_json", "a push is an object with an array of ops");
	n = cJSON_GetArraySize(ops);
	if (max_ops > 0 && n > max_ops) {
		*response = srv_error("too_many_ops", "%d ops in one push, at most %d", n, max_ops);
		return 413;
	}
	list = xcalloc((size_t)n + 1, sizeof *list);
	for (int i = 0; i < n; i++) {
		if ((status = check_op(cJSON_GetArrayItem(ops, i), i, &list[i], response)) != 0) {
			free(list);
			return status;
		}
	}
	/* The token names the device; the body's name serves requests without one. */
	p.device = u->device[0] ? u->device : device && *device ? device : "unknown";

	p.st = srv_db_writer(db);
	p.db = duban_store_db(p.st);
	results = cJSON_CreateArray();
	if (duban_store_begin(p.st) != DUBAN_OK) {
		srv_log("push: %s", duban_store_errmsg(p.st));
		p.db_error = true;
	}
	for (int i = 0; i < n && !p.db_error; i++) {
		cJSON *a = run_op(&p, &list[i]);
		if (a)
			cJSON_AddItemToArray(results, a);
	}
	if (!p.db_error && duban_store_commit(p.st) != DUBAN_OK) {
		srv_log("push: %s", duban_store_errmsg(p.st));
		p.db_error = true;
	}
	if (p.db_error) {
		duban_store_rollback(p.st);
		status = fail(response, 500, "internal", "the push could not be saved; nothing was applied");
	} else {
		*response = cJSON_CreateObject();
		cJSON_AddNumberToObject(*response, "server_seq", (double)srv_server_seq(p.st));
		cJSON_AddItemToObject(*response, "results", results);
		results = NULL;
		status = 200;
	}
	for (int i = 0; i < PS_COUNT; i++)
		sqlite3_finalize(p.stmt[i]);
	srv_db_writer_done(db);
	cJSON_Delete(results);
	free(list);
	return status;
}
