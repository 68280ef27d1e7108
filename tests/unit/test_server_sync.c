/* duband's store, push and pull without HTTP: migrations, ops applied exactly
 * once, conflicts and rejections, scoped pages of changes, cursor resets. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "duban/json.h"
#include "duban/ledger_io.h"
#include "duban/util.h"
#include "../../src/core/store_internal.h"
#include "../../src/server/server.h"
#include "../../src/server/store_sqlite.h"
#include "tap.h"

static char tmp[64], data_dir[128], db_path[160];
static srv_db *db;
/* db behind the store interface, as duband opens it. */
static struct srv_store *store;
static int last_status;
static struct srv_user office, insp_jia, insp_yi, viewer;

/* ---------------------------------------------------------------- helpers */

static void make_user(struct srv_user *u, const char *name, enum duban_role role, const char *county,
		      const char *device)
{
	memset(u, 0, sizeof *u);
	snprintf(u->name, sizeof u->name, "%s", name);
	u->role = role;
	if (county) {
		u->counties = xcalloc(1, sizeof *u->counties);
		u->counties[0] = xstrdup(county);
		u->ncounties = 1;
	}
	snprintf(u->device, sizeof u->device, "%s", device);
}

/* One number from the ledger through its own connection; param binds ?1. */
static long long scalar(const char *sql, const char *param)
{
	sqlite3 *d;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open(db_path, &d) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) == SQLITE_OK) {
		if (param)
			sqlite3_bind_text(s, 1, param, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(d);
	return v;
}

/* One text from the ledger (malloc'd, "" for none); param binds ?1. */
static char *text_of(const char *sql, const char *param)
{
	sqlite3 *d;
	sqlite3_stmt *s;
	char *v = NULL;

	if (sqlite3_open(db_path, &d) == SQLITE_OK && sqlite3_prepare_v2(d, sql, -1, &s, NULL) == SQLITE_OK) {
		if (param)
			sqlite3_bind_text(s, 1, param, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			v = xstrdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	sqlite3_close(d);
	return v ? v : xstrdup("");
}

static void exec_sql(const char *sql)
{
	sqlite3 *d;

	if (sqlite3_open(db_path, &d) == SQLITE_OK) {
		sqlite3_busy_timeout(d, 5000);
		sqlite3_exec(d, sql, NULL, NULL, NULL);
	}
	sqlite3_close(d);
}

static bool open_db(const char *name)
{
	char err[256] = "";

	snprintf(data_dir, sizeof data_dir, "%s/%s", tmp, name);
	snprintf(db_path, sizeof db_path, "%s/ledger.db", data_dir);
	db = srv_db_open(data_dir, 2, err, sizeof err);
	if (!db)
		diag("srv_db_open: %s", err);
	store = db ? srv_sqlite_wrap(db) : NULL;
	return db != NULL;
}

static cJSON *op_new(const char *kind, const char *item_id)
{
	cJSON *op = cJSON_CreateObject();
	char id[37];

	duban_uuid(id);
	cJSON_AddStringToObject(op, "id", id);
	cJSON_AddStringToObject(op, "kind", kind);
	cJSON_AddStringToObject(op, "item_id", item_id);
	cJSON_AddStringToObject(op, "created_at", "2026-06-15T08:00:00Z");
	return op;
}

static cJSON *op_set(const char *item_id, const char *field, const char *base, const char *value)
{
	cJSON *op = op_new("item.set", item_id);

	cJSON_AddStringToObject(op, "field", field);
	if (base)
		cJSON_AddStringToObject(op, "base", base);
	else
		cJSON_AddNullToObject(op, "base");
	cJSON_AddStringToObject(op, "value", value);
	return op;
}

static cJSON *op_status(const char *item_id, const char *from, const char *to, const char *reason)
{
	cJSON *op = op_new("item.status", item_id);
	cJSON *body = cJSON_AddObjectToObject(op, "body");

	cJSON_AddStringToObject(op, "base", from);
	cJSON_AddStringToObject(op, "value", to);
	cJSON_AddStringToObject(body, "reason", reason ? reason : "");
	return op;
}

/* A sign-off of one acceptance level (an inspection with a level). */
static cJSON *op_signoff(const char *item_id, const char *level, bool passed)
{
	cJSON *op = op_new("inspection.add", item_id);
	cJSON *body = cJSON_AddObjectToObject(op, "body");
	char id[37];

	duban_uuid(id);
	cJSON_AddStringToObject(body, "id", id);
	cJSON_AddStringToObject(body, "item_id", item_id);
	cJSON_AddStringToObject(body, "date", "2026-06-15");
	cJSON_AddStringToObject(body, "level", level);
	cJSON_AddStringToObject(body, "findings", "验收意见");
	cJSON_AddBoolToObject(body, "passed", passed);
	return op;
}

static cJSON *op_note(const char *item_id, const char *note_id, const char *text)
{
	cJSON *op = op_new("note.add", item_id);
	cJSON *body = cJSON_AddObjectToObject(op, "body");

	cJSON_AddStringToObject(body, "id", note_id);
	cJSON_AddStringToObject(body, "item_id", item_id);
	cJSON_AddStringToObject(body, "text", text);
	cJSON_AddStringToObject(body, "created_at", "2026-06-14T09:01:00Z");
	return op;
}

static cJSON *op_create(const char *item_id, const char *code, const char *county, const char *status)
{
	cJSON *op = op_new("item.create", item_id);
	struct duban_item it;

	duban_item_init(&it);
	snprintf(it.id, sizeof it.id, "%s", item_id);
	it.kind = DUBAN_KIND_COMPLAINT;
	duban_set_str(&it.code, code);
	duban_set_str(&it.title, "河道垃圾堆放");
	duban_set_str(&it.county, county);
	it.start = duban_date_from_ymd(2026, 1, 1);
	it.deadline = duban_date_from_ymd(2026, 12, 31);
	it.status = (enum duban_status)duban_status_parse(status ? status : "not_started");
	strcpy(it.created_at, "2026-06-01T00:00:00Z");
	cJSON_AddItemToObject(op, "body", duban_item_to_json(&it));
	duban_item_free(&it);
	return op;
}

/* Pushes the ops (consumed) as u; returns the response. */
static cJSON *push_array(const struct srv_user *u, cJSON *ops, int max_ops)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;

	cJSON_AddStringToObject(req, "device", u->device);
	cJSON_AddItemToObject(req, "ops", ops);
	last_status = srv_push(store, u, req, max_ops, &resp);
	cJSON_Delete(req);
	return resp;
}

static cJSON *push1(const struct srv_user *u, cJSON *op)
{
	cJSON *ops = cJSON_CreateArray();

	cJSON_AddItemToArray(ops, op);
	return push_array(u, ops, 500);
}

static const cJSON *result_at(const cJSON *resp, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "results"), i);
}

static const char *get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double get_num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Pushes one op and returns a copy of result's member key ("result" etc). */
static char *push_result(const struct srv_user *u, cJSON *op, const char *key)
{
	cJSON *resp = push1(u, op);
	const char *v = get_str(result_at(resp, 0), key);
	char *copy = xstrdup(v ? v : "(none)");

	if (!v)
		diag("response: %s", resp ? cJSON_PrintUnformatted(resp) : "(null)");
	cJSON_Delete(resp);
	return copy;
}

#define is_result(u, op, want, name) do { \
	char *r_ = push_result((u), (op), "result"); \
	is_str(r_, (want), (name)); \
	free(r_); \
} while (0)

#define is_reason(u, op, want, name) do { \
	char *r_ = push_result((u), (op), "reason"); \
	is_str(r_, (want), (name)); \
	free(r_); \
} while (0)

static char *item_field(const char *id, const char *field)
{
	duban_store *st = srv_db_reader(db);
	struct duban_item it;
	char *v = NULL;

	duban_item_init(&it);
	if (duban_item_get(st, id, &it) == DUBAN_OK)
		v = duban_field_format(duban_field_find(field), &it);
	duban_item_free(&it);
	srv_db_reader_done(db, st);
	return v ? v : xstrdup("(missing)");
}

#define is_field(id, field, want, name) do { \
	char *v_ = item_field((id), (field)); \
	is_str(v_, (want), (name)); \
	free(v_); \
} while (0)

static cJSON *pull(const struct srv_user *u, const char *since, int limit)
{
	cJSON *resp = NULL;

	last_status = srv_pull(store, u, since, limit, &resp);
	/* As a client reads it: the items are JSON text in the tree (raw). */
	char *text = resp ? cJSON_PrintUnformatted(resp) : NULL;
	cJSON_Delete(resp);
	resp = text ? cJSON_Parse(text) : NULL;
	free(text);
	return resp;
}

static int nchanges(const cJSON *resp)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "changes"));
}

static int ntype(const cJSON *resp, const char *type)
{
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(resp, "changes")) {
		const char *t = get_str(c, "type");
		n += t && strcmp(t, type) == 0;
	}
	return n;
}

/* Index of the change of type whose item (or record's item) id is id, -1. */
static int change_index(const cJSON *resp, const char *type, const char *id)
{
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(resp, "changes");
	int i = 0;

	for (const cJSON *c = changes ? changes->child : NULL; c; c = c->next, i++) {
		const char *t = get_str(c, "type");
		const cJSON *body;

		if (!t || strcmp(t, type) != 0)
			continue;
		if (strcmp(t, "tombstone") == 0) {
			if (strcmp(get_str(c, "item_id"), id) == 0)
				return i;
			continue;
		}
		body = cJSON_GetObjectItemCaseSensitive(c, t);
		if ((get_str(body, "id") && strcmp(get_str(body, "id"), id) == 0) ||
		    (get_str(body, "item_id") && strcmp(get_str(body, "item_id"), id) == 0))
			return i;
	}
	return -1;
}

static bool more(const cJSON *resp)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "more"));
}

/* ---------------------------------------------------------------- store */

static void test_open(void)
{
	char path[200];
	struct stat sb;

	ok(open_db("push"), "opens a new data directory");
	ok(stat(data_dir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "the data directory is private (0700)");
	snprintf(path, sizeof path, "%s/blobs", data_dir);
	ok(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode), "blobs directory created");
	long long schema = scalar("SELECT value FROM meta WHERE key = 'server_schema'", NULL);
	ok(schema >= 5, "server schema 5 or later (the policies)");
	srv_store_close(store);
	ok(open_db("push"), "opens again");
	is_int(scalar("SELECT value FROM meta WHERE key = 'server_schema'", NULL), schema, "migrations run once");
	is_int(scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", NULL), 16,
	       "fourteen change-log triggers (three for policies, one each for notices, links and 调度 records) and"
	       " two that keep the history append-only");
	is_int(scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'change_dispatch_insert'",
		      NULL), 1, "the 调度 records enter the change log");
	{
		duban_store *st = srv_db_writer(db);
		is_int(srv_server_seq(st), 0, "an empty log has sequence 0");
		srv_db_writer_done(db);
	}
}

/* --store: which backend a string names (src/server/store.c). */
static void test_store_kind(void)
{
	static const struct {
		const char *url;
		bool pg;
	} cases[] = {
		{ "sqlite:/var/lib/duband", false },
		{ "/var/lib/duband", false },
		{ "data", false },
		{ "./a=b/dir", false },
		{ "sqlite:host=x", false },
		{ "postgresql://duband@db1,db2/duban?target_session_attrs=read-write", true },
		{ "postgres:///duban?host=/run/postgresql", true },
		{ "host=/run/postgresql dbname=duban", true },
		{ "dbname=duban", true },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[160];
		snprintf(name, sizeof name, "--store %s is %s", cases[i].url, cases[i].pg ? "PostgreSQL" : "SQLite");
		ok(srv_store_is_pg(cases[i].url) == cases[i].pg, name);
	}
}

static void test_users(void)
{
	ok(srv_user_all_counties(&office), "the office sees every county");
	ok(!srv_user_all_counties(&insp_jia), "an inspector sees their counties");
	ok(srv_user_sees(&insp_jia, "甲县") && !srv_user_sees(&insp_jia, "乙县"), "inspector 甲 sees 甲 only");
	ok(!srv_user_all_counties(&viewer), "a viewer with a county is scoped");
	{
		struct srv_user v2;
		make_user(&v2, "zhao", DUBAN_ROLE_VIEWER, NULL, "x");
		ok(srv_user_all_counties(&v2) && srv_user_sees(&v2, "乙县"), "a viewer without counties sees all");
		srv_user_free(&v2);
	}
	{
		cJSON *e = srv_error("forbidden", "inspector %s may not read items of %s", "li", "乙县");
		is_str(get_str(e, "error"), "forbidden", "srv_error: code");
		is_str(get_str(e, "message"), "inspector li may not read items of 乙县", "srv_error: message");
		cJSON_Delete(e);
	}
}

/* ---------------------------------------------------------------- push */

static char item_a[37], item_b[37];

static void test_create_and_duplicate(void)
{
	cJSON *op, *resp, *ops;
	const cJSON *r;
	double version;

	duban_uuid(item_a);
	op = op_create(item_a, "JX-001", "甲县", NULL);
	resp = push1(&office, cJSON_Duplicate(op, 1));
	r = result_at(resp, 0);
	is_int(last_status, 200, "push answers 200");
	is_str(get_str(r, "result"), "applied", "create applied");
	is_str(get_str(r, "id"), get_str(op, "id"), "the result names the op");
	version = get_num(r, "version");
	ok(version > 0, "applied carries a version");
	is_int((long long)get_num(resp, "server_seq"), (long long)version, "server_seq is the last change");
	cJSON_Delete(resp);
	is_field(item_a, "county", "甲县", "the item is on the server");
	is_int(scalar("SELECT count(*) FROM event WHERE item_id = ?1 AND field = 'create'"
		      " AND author = 'wang' AND device = 'office-pc'", item_a), 1,
	       "one create event with the pushing user and device");
	is_int(scalar("SELECT count(*) FROM op", NULL), 0, "the server queues no ops");
	is_int(scalar("SELECT version FROM item WHERE id = ?1", item_a),
	       scalar("SELECT max(seq) FROM change WHERE entity = 'item' AND entity_id = ?1", item_a),
	       "the item's version is its change");
	is_int(scalar("SELECT max(seq) FROM change WHERE entity = 'event'", NULL), (long long)version,
	       "the op's version is its last change: the event after the item");

	resp = push1(&office, op);
	r = result_at(resp, 0);
	is_str(get_str(r, "result"), "duplicate", "the same op again: duplicate");
	is_str(get_str(r, "first"), "applied", "duplicate names the first result");
	is_int((long long)get_num(r, "version"), (long long)version, "duplicate repeats the first version");
	cJSON_Delete(resp);
	is_int(scalar("SELECT count(*) FROM event WHERE item_id = ?1", item_a), 1, "no second create event");

	/* A whole batch resent, as after a lost answer. */
	ops = cJSON_CreateArray();
	cJSON_AddItemToArray(ops, op_set(item_a, "progress", "0", "20"));
	{
		char note_id[37];
		duban_uuid(note_id);
		cJSON_AddItemToArray(ops, op_note(item_a, note_id, "已清理河道"));
	}
	resp = push_array(&insp_jia, cJSON_Duplicate(ops, 1), 500);
	is_str(get_str(result_at(resp, 0), "result"), "applied", "batch: set applied");
	is_str(get_str(result_at(resp, 1), "result"), "applied", "batch: note applied");
	cJSON_Delete(resp);
	resp = push_array(&insp_jia, ops, 500);
	is_str(get_str(result_at(resp, 0), "result"), "duplicate", "batch resent: set duplicate");
	is_str(get_str(result_at(resp, 1), "result"), "duplicate", "batch resent: note duplicate");
	cJSON_Delete(resp);
	is_int(scalar("SELECT count(*) FROM event WHERE item_id = ?1 AND field = 'progress'", item_a), 1,
	       "the field change was audited once");
	is_int(scalar("SELECT count(*) FROM note WHERE item_id = ?1", item_a), 1, "the note was written once");
	is_int(scalar("SELECT count(*) FROM event WHERE item_id = ?1 AND field = 'progress'"
		      " AND author = 'li' AND device = 'li-pc'", item_a), 1, "the event names the inspector's device");
}

static void test_set(void)
{
	long long events = scalar("SELECT count(*) FROM event WHERE item_id = ?1", item_a);
	cJSON *resp;
	const cJSON *r;

	is_result(&insp_jia, op_set(item_a, "progress", "20", "40"), "applied", "set from the current base");
	is_field(item_a, "progress", "40", "the value was written");
	is_result(&office, op_set(item_a, "progress", "10", "40"), "applied", "set to the value already there");
	is_int(scalar("SELECT count(*) FROM event WHERE item_id = ?1", item_a), events + 1,
	       "an equal value writes nothing");

	resp = push1(&office, op_set(item_a, "progress", "20", "60"));
	r = result_at(resp, 0);
	is_str(get_str(r, "result"), "conflict", "both sides changed: conflict");
	is_str(get_str(r, "field"), "progress", "conflict: field");
	is_str(get_str(r, "base"), "20", "conflict: base");
	is_str(get_str(r, "mine"), "60", "conflict: mine");
	is_str(get_str(r, "theirs"), "40", "conflict: theirs");
	is_int((long long)get_num(r, "version"), scalar("SELECT version FROM item WHERE id = ?1", item_a),
	       "conflict: the version of the value kept");
	cJSON_Delete(resp);
	is_field(item_a, "progress", "40", "the server keeps its value");

	/* null and "" are the same text. */
	is_result(&office, op_set(item_a, "township", NULL, "城关镇"), "applied", "null base equals an empty field");
	is_result(&office, op_set(item_a, "deadline", "2026-12-31", "2026/11/30"), "applied", "a date in another form");
	is_field(item_a, "deadline", "2026-11-30", "the date is stored in one form");
}

static void test_rejections(void)
{
	char dup[37];
	cJSON *op, *resp;

	is_result(&viewer, op_set(item_a, "title", "河道垃圾堆放", "x"), "rejected", "viewer: rejected");
	is_reason(&viewer, op_set(item_a, "title", "河道垃圾堆放", "x"), "permission", "viewer: permission");
	is_reason(&insp_yi, op_set(item_a, "title", "河道垃圾堆放", "x"), "permission",
		  "inspector of another county: permission");
	is_reason(&insp_jia, op_new("item.delete", item_a), "permission", "inspector delete: permission");
	is_reason(&insp_jia, op_set(item_a, "county", "甲县", "乙县"), "permission",
		  "inspector moving an item out of their counties: permission");
	is_reason(&insp_jia, op_set(item_a, "colour", "", "red"), "validation", "unknown field: validation");
	is_reason(&insp_jia, op_set(item_a, "status", "not_started", "closed"), "validation",
		  "status through item.set: validation");
	is_reason(&insp_jia, op_set(item_a, "progress", "40", "abc"), "validation", "bad value: validation");
	is_reason(&insp_jia, op_set(item_a, "progress", "40", "140"), "validation", "out of range: validation");
	is_field(item_a, "progress", "40", "rejected ops change nothing");

	duban_uuid(dup);
	is_reason(&office, op_create(dup, "JX-001", "甲县", NULL), "validation", "duplicate code: validation");
	is_reason(&insp_jia, op_create(dup, "JX-900", "乙县", NULL), "permission",
		  "inspector creating in another county: permission");
	is_reason(&insp_jia, op_create(dup, "JX-900", "甲县", "requested"), "permission",
		  "inspector creating a requested item: permission");
	is_reason(&office, op_create(item_a, "JX-901", "甲县", NULL), "validation", "existing id: validation");

	/* The status machine on the server's state. */
	is_reason(&office, op_status(item_a, "not_started", "verified", NULL), "transition",
		  "illegal transition: transition");
	is_reason(&office, op_status(item_a, "in_progress", "requested", NULL), "transition",
		  "a step from a status the item is not in: transition");
	is_result(&insp_jia, op_status(item_a, "not_started", "in_progress", NULL), "applied", "inspector starts work");
	is_result(&insp_jia, op_status(item_a, "not_started", "in_progress", NULL), "applied",
		  "a step already taken converges");
	is_result(&insp_jia, op_status(item_a, "in_progress", "requested", NULL), "applied", "inspector requests");
	is_reason(&office, op_status(item_a, "requested", "verified", NULL), "transition",
		  "verified without the acceptance chain: transition");
	is_result(&insp_jia, op_signoff(item_a, "county", true), "applied", "inspector signs the county level");
	is_result(&office, op_signoff(item_a, "city", true), "applied", "office signs the city level");
	is_result(&office, op_status(item_a, "requested", "verified", NULL), "applied", "office verifies");
	is_reason(&insp_jia, op_status(item_a, "verified", "closed", NULL), "permission", "inspector close: permission");
	is_field(item_a, "status", "verified", "still verified");

	/* A rejection is answered the same way forever. */
	op = op_set(item_a, "colour", "", "red");
	cJSON_Delete(push1(&insp_jia, cJSON_Duplicate(op, 1)));
	resp = push1(&insp_jia, op);
	is_str(get_str(result_at(resp, 0), "result"), "duplicate", "a rejected op resent: duplicate");
	is_str(get_str(result_at(resp, 0), "first"), "rejected", "... first rejected");
	is_str(get_str(result_at(resp, 0), "reason"), "validation", "... with its reason");
	cJSON_Delete(resp);
}

static void test_shapes(void)
{
	cJSON *resp, *ops, *req;

	ops = cJSON_CreateArray();
	for (int i = 0; i < 3; i++)
		cJSON_AddItemToArray(ops, op_set(item_a, "owner", "", "x"));
	resp = push_array(&office, ops, 2);
	is_int(last_status, 413, "more ops than allowed: 413");
	is_str(get_str(resp, "error"), "too_many_ops", "... too_many_ops");
	cJSON_Delete(resp);
	is_field(item_a, "owner", "", "... nothing applied");

	req = cJSON_Parse("{\"device\":\"x\",\"ops\":{}}");
	last_status = srv_push(store, &office, req, 500, &resp);
	is_int(last_status, 400, "ops not an array: 400");
	is_str(get_str(resp, "error"), "bad_json", "... bad_json");
	cJSON_Delete(resp);
	cJSON_Delete(req);

	resp = push1(&office, op_new("item.paint", item_a));
	is_int(last_status, 400, "unknown kind: 400");
	is_str(get_str(resp, "error"), "bad_request", "... bad_request");
	cJSON_Delete(resp);

	{
		cJSON *op = op_set(item_a, "owner", "", "x");
		cJSON_ReplaceItemInObjectCaseSensitive(op, "id", cJSON_CreateString("op-1"));
		resp = push1(&office, op);
		is_int(last_status, 400, "an op id that is not a UUID: 400");
		cJSON_Delete(resp);
	}
}

static void test_delete_and_records(void)
{
	char note_id[37], never[37], insp_id[37];
	cJSON *resp, *op, *body;
	long long changes;
	const cJSON *r;

	duban_uuid(item_b);
	is_result(&office, op_create(item_b, "JX-002", "甲县", "in_progress"), "applied", "office creates in progress");

	duban_uuid(note_id);
	changes = scalar("SELECT count(*) FROM change", NULL);
	is_result(&insp_jia, op_note(item_b, note_id, "第一次巡查"), "applied", "note applied");
	is_int(scalar("SELECT count(*) FROM change", NULL), changes + 1, "a record is one change, not two");
	is_result(&insp_jia, op_note(item_b, note_id, "第一次巡查"), "applied", "the same record id again: applied");
	is_int(scalar("SELECT count(*) FROM note WHERE id = ?1", note_id), 1, "records are idempotent by id");
	is_int(scalar("SELECT count(*) FROM note WHERE id = ?1 AND author = 'li' AND created_at = '2026-06-14T09:01:00Z'"
		      " AND received_at <> ''", note_id), 1,
	       "the record's author is the pushing user; it keeps its time and gets the time received");
	{
		char forged[37];
		cJSON *fop;
		duban_uuid(forged);
		fop = op_note(item_b, forged, "以整改办名义伪造的记录");
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(fop, "body"), "author", "wang");
		is_reason(&insp_jia, fop, "validation", "a record whose author is another user: validation");
		is_int(scalar("SELECT count(*) FROM note WHERE id = ?1", forged), 0, "... and nothing is stored");
		duban_uuid(forged);
		fop = op_note(item_b, forged, "时钟超前的记录");
		cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(fop, "body"), "created_at",
						       cJSON_CreateString("2099-01-01T00:00:00Z"));
		is_result(&insp_jia, fop, "applied", "a record from a clock ahead of the server's: applied");
		is_int(scalar("SELECT count(*) FROM note WHERE id = ?1 AND created_at = '2026-06-15T08:00:00Z'", forged), 1,
		       "... its time brought back to the server's");
		duban_uuid(forged);
		fop = op_note(item_b, forged, "本人签名的记录");
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(fop, "body"), "author", "li");
		is_result(&insp_jia, fop, "applied", "a record naming the pushing user as author: applied");
	}
	{
		char other[37];
		duban_uuid(other);
		is_reason(&insp_jia, op_note(item_b, other, ""), "validation", "a note without text: validation");
	}

	/* An acceptance check that passes verifies a requested item: item b's
	 * own chain has one level, the county's. */
	is_result(&office, op_set(item_b, "acceptance_levels", "", "county:县级初验"), "applied",
		  "the office gives item b a chain of one level");
	is_result(&insp_jia, op_status(item_b, "in_progress", "requested", NULL), "applied", "item b requested");
	duban_uuid(insp_id);
	op = op_new("inspection.add", item_b);
	body = cJSON_AddObjectToObject(op, "body");
	cJSON_AddStringToObject(body, "id", insp_id);
	cJSON_AddStringToObject(body, "item_id", item_b);
	cJSON_AddStringToObject(body, "date", "2026-06-14");
	cJSON_AddStringToObject(body, "inspectors", "李、王");
	cJSON_AddStringToObject(body, "level", "county");
	cJSON_AddBoolToObject(body, "passed", true);
	is_result(&insp_jia, op, "applied", "inspection applied");
	/* The client sends the move the check implies as an op of its own. */
	is_field(item_b, "status", "requested", "a passing inspection alone moves nothing on the server");
	is_result(&insp_jia, op_status(item_b, "requested", "verified", NULL), "applied", "the move it implies, sent");
	is_field(item_b, "status", "verified", "... verifies the item");

	/* Deletion: a tombstone that later edits run into. */
	is_result(&office, op_new("item.delete", item_b), "applied", "office deletes");
	is_field(item_b, "code", "(missing)", "the item is gone");
	is_result(&office, op_new("item.delete", item_b), "applied", "deleting again converges");
	resp = push1(&insp_jia, op_set(item_b, "progress", "100", "90"));
	r = result_at(resp, 0);
	is_str(get_str(r, "result"), "conflict", "edit of a deleted item: conflict");
	is_str(get_str(r, "reason"), "deleted", "... reason deleted");
	ok(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "theirs")), "... theirs null");
	cJSON_Delete(resp);
	{
		char other[37];
		duban_uuid(other);
		is_reason(&insp_jia, op_note(item_b, other, "迟到的记录"), "deleted", "a record for a deleted item: deleted");
	}
	is_reason(&office, op_create(item_b, "JX-002", "甲县", NULL), "deleted", "re-creating a deleted item: deleted");
	is_field(item_b, "code", "(missing)", "never a resurrection");
	duban_uuid(never);
	is_reason(&office, op_set(never, "progress", "0", "10"), "not_found", "an item never seen: not_found");
	/* For a scoped user it looks like an item of another county. */
	is_reason(&insp_jia, op_set(never, "progress", "0", "10"), "permission",
		  "an item never seen, for an inspector: permission");
}

static void test_client_seq(void)
{
	cJSON *ops = cJSON_CreateArray(), *resp, *op;
	struct srv_user dev;
	int seqs[] = { 1, 2, 5, 3 };

	make_user(&dev, "li", DUBAN_ROLE_INSPECTOR, "甲县", "li-phone");
	for (int i = 0; i < 4; i++) {
		char value[8];
		snprintf(value, sizeof value, "x%d", i);
		op = op_set(item_a, "leader", NULL, value);
		/* Each op's base is the value the previous one wrote. */
		if (i > 0) {
			char base[8];
			snprintf(base, sizeof base, "x%d", i - 1);
			cJSON_ReplaceItemInObjectCaseSensitive(op, "base", cJSON_CreateString(base));
		}
		cJSON_AddNumberToObject(op, "client_seq", seqs[i]);
		cJSON_AddItemToArray(ops, op);
	}
	resp = push_array(&dev, cJSON_Duplicate(ops, 1), 500);
	ok(!cJSON_GetObjectItemCaseSensitive(result_at(resp, 0), "warning"), "first op of a device: no warning");
	ok(!cJSON_GetObjectItemCaseSensitive(result_at(resp, 1), "warning"), "next number: no warning");
	is_str(get_str(result_at(resp, 2), "warning"), "gap", "a skipped number: gap");
	is_str(get_str(result_at(resp, 3), "warning"), "replay", "a number gone back: replay");
	is_str(get_str(result_at(resp, 3), "result"), "applied", "... still applied");
	cJSON_Delete(resp);
	resp = push_array(&dev, ops, 500);
	ok(!cJSON_GetObjectItemCaseSensitive(result_at(resp, 2), "warning"), "a duplicate carries no warning");
	cJSON_Delete(resp);
	is_int(scalar("SELECT last_seq FROM device_seq WHERE user = 'li' AND device = ?1", "li-phone"), 5,
	       "the device's highest number is kept");
	srv_user_free(&dev);
}

/* ---------------------------------------------------------------- pull */

static char ids[8][37], cursor8[64];

static void test_pull_pages(void)
{
	cJSON *resp, *op;
	char next[64], first_next[64];
	int seen[5] = { 0 }, pages = 0;

	srv_store_close(store);
	ok(open_db("pull"), "a second data directory");
	for (int i = 0; i < 5; i++) {
		char code[16];
		duban_uuid(ids[i]);
		snprintf(code, sizeof code, "P-%d", i);
		is_result(&office, op_create(ids[i], code, "甲县", NULL), "applied", "create for paging");
	}
	is_result(&office, op_set(ids[0], "progress", "0", "10"), "applied", "update 1");
	is_result(&office, op_set(ids[0], "progress", "10", "20"), "applied", "update 2");
	op = op_set(ids[0], "progress", "20", "30");
	is_result(&office, op, "applied", "update 3");

	resp = pull(&office, "0", 100);
	is_int(last_status, 200, "pull answers 200");
	is_int((long long)get_num(resp, "server_seq"), 16, "sixteen log entries: eight changes and their events");
	is_int(ntype(resp, "item"), 5, "an item changed several times is sent once");
	is_int(ntype(resp, "event"), 8, "... and each of its changes as an event");
	ok(!more(resp), "one page holds it all");
	ok(strncmp(get_str(resp, "next"), "16-", 3) == 0, "next names the last entry");
	{
		const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "changes"), 0);
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(c, "item");
		is_int((long long)get_num(c, "seq"), 1, "first change at seq 1");
		is_str(get_str(it, "id"), ids[0], "first change: the first item");
		is_int((long long)get_num(it, "progress"), 30, "... in its current state");
		is_int((long long)get_num(it, "version"), 16, "... with its version");
	}
	cJSON_Delete(resp);

	resp = pull(&office, NULL, 2);
	is_int(nchanges(resp), 2, "limit 2: two changes");
	ok(more(resp), "more pages");
	snprintf(first_next, sizeof first_next, "%s", get_str(resp, "next"));
	ok(strncmp(first_next, "2-", 2) == 0 && strlen(first_next) == 14, "next is SEQ-TOKEN");
	cJSON_Delete(resp);
	snprintf(next, sizeof next, "0");
	do {
		resp = pull(&office, next, 2);
		for (int i = 0; i < 5; i++)
			if (change_index(resp, "item", ids[i]) >= 0)
				seen[i]++;
		snprintf(next, sizeof next, "%s", get_str(resp, "next"));
		pages++;
		if (!more(resp)) {
			cJSON_Delete(resp);
			break;
		}
		cJSON_Delete(resp);
	} while (pages < 10);
	is_int(pages, 8, "eight pages of two");
	ok(seen[1] == 1 && seen[2] == 1 && seen[3] == 1 && seen[4] == 1, "each item once across the pages");
	is_int(seen[0], 4, "the item changed later comes again in later pages");
	ok(strncmp(next, "16-", 3) == 0, "the last next is the last entry");
	snprintf(cursor8, sizeof cursor8, "%s", next);

	resp = pull(&office, first_next, 100);
	is_int(ntype(resp, "item"), 5, "resuming after page one gives the rest (item 1's event came first)");
	ok(change_index(resp, "item", ids[0]) >= 0 && change_index(resp, "event", ids[0]) >= 0 &&
	   change_index(resp, "item", ids[4]) >= 0, "... exactly the rest");
	cJSON_Delete(resp);

	resp = pull(&office, next, 100);
	is_int(nchanges(resp), 0, "nothing after the last cursor");
	is_str(get_str(resp, "next"), next, "next stays where it was");
	ok(!more(resp), "no more");
	cJSON_Delete(resp);
}

static void test_pull_scope(void)
{
	cJSON *resp;
	char before_move[64], note_id[37];
	int item_at, note_at;

	/* 20 entries in 乙县 before one in 甲县. */
	for (int i = 5; i < 7; i++) {
		char code[16];
		duban_uuid(ids[i]);
		snprintf(code, sizeof code, "Y-%d", i);
		is_result(&office, op_create(ids[i], code, "乙县", NULL), "applied", "create in 乙县");
	}
	for (int i = 0; i < 18; i++) {
		char base[8], value[8];
		snprintf(base, sizeof base, "%d", i);
		snprintf(value, sizeof value, "%d", i + 1);
		cJSON_Delete(push1(&office, op_set(ids[5], "progress", base, value)));
	}
	resp = pull(&office, "0", 1000);
	snprintf(before_move, sizeof before_move, "%s", get_str(resp, "next"));
	cJSON_Delete(resp);

	resp = pull(&insp_jia, "0", 100);
	is_int(ntype(resp, "item"), 5, "inspector 甲 sees the five 甲 items");
	ok(change_index(resp, "item", ids[5]) < 0, "... and no 乙 item");
	cJSON_Delete(resp);
	resp = pull(&insp_yi, "0", 100);
	is_int(ntype(resp, "item"), 2, "inspector 乙 sees the two 乙 items");
	is_int(ntype(resp, "event"), 20, "... and their twenty events");
	cJSON_Delete(resp);

	/* A scoped page examines at most 8 x limit entries. */
	resp = pull(&insp_jia, "8-000000000000", 1);
	is_str(get_str(resp, "reason"), "cursor_unknown", "a cursor with a wrong token: cursor_unknown");
	cJSON_Delete(resp);
	{
		resp = pull(&insp_jia, cursor8, 1);
		is_int(nchanges(resp), 0, "a page of 乙 entries holds nothing for 甲");
		ok(more(resp), "... but says more");
		ok(strncmp(get_str(resp, "next"), "24-", 3) == 0, "... and next advances by 8 x limit");
		cJSON_Delete(resp);
	}

	/* Item 0 (with a note) moves from 甲 to 乙. */
	duban_uuid(note_id);
	is_result(&office, op_note(ids[1], note_id, "移交乙县"), "applied", "a note on item 1");
	is_result(&office, op_set(ids[1], "county", "甲县", "乙县"), "applied", "office moves item 1 to 乙县");
	resp = pull(&insp_jia, before_move, 100);
	is_int(change_index(resp, "tombstone", ids[1]), 0, "甲 gets a tombstone for the moved item");
	{
		const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "changes"), 0);
		is_str(get_str(c, "reason"), "scope", "... reason scope");
	}
	ok(change_index(resp, "note", note_id) < 0, "... and not its note");
	cJSON_Delete(resp);
	resp = pull(&insp_yi, before_move, 100);
	item_at = change_index(resp, "item", ids[1]);
	note_at = change_index(resp, "note", note_id);
	ok(item_at >= 0, "乙 gets the moved item");
	ok(note_at > item_at, "... and its note after it");
	cJSON_Delete(resp);
	resp = pull(&insp_yi, "0", 100);
	ok(change_index(resp, "note", note_id) >= 0, "乙 from the start gets the note once");
	cJSON_Delete(resp);

	/* A deletion is a tombstone. */
	is_result(&office, op_new("item.delete", ids[2]), "applied", "office deletes item 2");
	resp = pull(&insp_jia, before_move, 100);
	is_int(change_index(resp, "tombstone", ids[2]) >= 0, 1, "deletion: tombstone");
	{
		int i = change_index(resp, "tombstone", ids[2]);
		const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "changes"), i);
		is_str(get_str(c, "reason"), "deleted", "... reason deleted");
	}
	cJSON_Delete(resp);
}

static void test_pull_reset(void)
{
	cJSON *resp;
	duban_store *st;
	long long rows, seq;
	char cursor[64];

	resp = pull(&office, "99999-0123456789ab", 10);
	is_int(last_status, 200, "reset answers 200");
	ok(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "reset")), "a cursor ahead of the server: reset");
	is_str(get_str(resp, "reason"), "cursor_unknown", "... cursor_unknown");
	cJSON_Delete(resp);
	resp = pull(&office, "3-xyz", 10);
	is_int(last_status, 400, "a malformed cursor: 400");
	is_str(get_str(resp, "error"), "bad_cursor", "... bad_cursor");
	cJSON_Delete(resp);
	resp = pull(&office, "5", 10);
	is_int(last_status, 400, "a number without its token: 400");
	cJSON_Delete(resp);

	resp = pull(&office, "0", 3);
	snprintf(cursor, sizeof cursor, "%s", get_str(resp, "next"));
	cJSON_Delete(resp);
	resp = pull(&office, cursor, 3);
	ok(!cJSON_GetObjectItemCaseSensitive(resp, "reset"), "a good cursor is served");
	cJSON_Delete(resp);

	/* Age the whole log and prune it. */
	exec_sql("UPDATE change SET created_at = '2000-01-01T00:00:00Z'");
	st = srv_db_writer(db);
	seq = srv_server_seq(st);
	rows = srv_prune_changes(st, 30);
	ok(rows > 0, "pruning deletes old entries");
	is_int(srv_server_seq(st), seq, "the sequence survives pruning");
	is_int(srv_prune_changes(st, 0), 0, "retention 0 keeps everything");
	srv_db_writer_done(db);
	resp = pull(&office, cursor, 3);
	is_str(get_str(resp, "reason"), "cursor_expired", "a cursor into the pruned log: cursor_expired");
	cJSON_Delete(resp);

	/* What remains still downloads every item before its records. */
	resp = pull(&office, "0", 100);
	ok(!cJSON_GetObjectItemCaseSensitive(resp, "reset"), "from the start after pruning: served");
	{
		int n = 0, items = 0;
		for (int i = 0; i < 7; i++)
			if (i != 2 && change_index(resp, "item", ids[i]) >= 0)
				items++;
		n = nchanges(resp);
		is_int(items, 6, "every existing item is still in the log");
		ok(change_index(resp, "note", ids[1]) > change_index(resp, "item", ids[1]),
		   "the moved item comes before its note");
		is_int(n - ntype(resp, "event"), 7, "six items and one note");
	}
	cJSON_Delete(resp);
	resp = pull(&insp_yi, "0", 100);
	ok(change_index(resp, "item", ids[1]) >= 0 && change_index(resp, "note", ids[1]) >= 0,
	   "乙 still gets the moved item and its note");
	cJSON_Delete(resp);
}

/* ---------------------------------------------------------------- codecs */

static void test_codecs(void)
{
	struct duban_note n = { 0 };
	struct duban_inspection r = { 0 };
	struct duban_action a = { 0 };
	struct duban_attachment att = { 0 }, back = { 0 };
	char err[128];
	cJSON *o;

	o = cJSON_Parse("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
			"\"item_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"author\":\"li\","
			"\"text\":\"已清理\",\"created_at\":\"2026-06-15T08:01:00Z\"}");
	is_int(duban_note_from_json(o, &n, err, sizeof err), DUBAN_OK, "note from JSON");
	is_str(n.text, "已清理", "... text");
	is_str(n.created_at, "2026-06-15T08:01:00Z", "... created_at");
	cJSON_ReplaceItemInObjectCaseSensitive(o, "created_at", cJSON_CreateString("yesterday"));
	is_int(duban_note_from_json(o, &n, err, sizeof err), DUBAN_ERR_INVALID, "a bad timestamp is refused");
	ok(strstr(err, "created_at") != NULL, "... naming the field");
	cJSON_ReplaceItemInObjectCaseSensitive(o, "id", cJSON_CreateString("nope"));
	is_int(duban_note_from_json(o, &n, err, sizeof err), DUBAN_ERR_INVALID, "a bad id is refused");
	cJSON_Delete(o);
	duban_note_free(&n);

	o = cJSON_Parse("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
			"\"item_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"date\":\"2026-06-14\",\"passed\":true}");
	is_int(duban_inspection_from_json(o, &r, err, sizeof err), DUBAN_OK, "inspection from JSON");
	ok(r.passed && r.date == duban_date_from_ymd(2026, 6, 14) && r.level && !*r.level, "... fields and blanks");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "date");
	is_int(duban_inspection_from_json(o, &r, err, sizeof err), DUBAN_ERR_INVALID, "an inspection needs a date");
	cJSON_Delete(o);
	duban_inspection_free(&r);

	o = cJSON_Parse("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
			"\"item_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"kind\":\"summons\","
			"\"date\":\"2026-06-14\",\"due\":null,\"text\":\"约谈\"}");
	is_int(duban_action_from_json(o, &a, err, sizeof err), DUBAN_OK, "action from JSON");
	ok(a.kind == DUBAN_ACTION_SUMMONS && a.due == DUBAN_DATE_NONE, "... kind and no due date");
	cJSON_ReplaceItemInObjectCaseSensitive(o, "kind", cJSON_CreateString("party"));
	is_int(duban_action_from_json(o, &a, err, sizeof err), DUBAN_ERR_INVALID, "an unknown action kind is refused");
	cJSON_Delete(o);
	duban_action_free(&a);

	strcpy(att.id, "0f8fad5b-d9cb-469f-a165-70867728950e");
	strcpy(att.item_id, "7c9e6679-7425-40de-944b-e07fc1f90ae7");
	memset(att.sha256, 'a', 64);
	att.name = xstrdup("现场.jpg");
	att.mime = xstrdup("image/jpeg");
	att.size = 123456;
	att.author = xstrdup("li");
	strcpy(att.created_at, "2026-06-15T08:02:00Z");
	o = duban_attachment_to_json(&att);
	is_int(duban_attachment_from_json(o, &back, err, sizeof err), DUBAN_OK, "attachment round trip");
	ok(strcmp(back.sha256, att.sha256) == 0 && back.size == 123456 && strcmp(back.name, "现场.jpg") == 0 &&
	   back.inspection_id[0] == '\0', "... same attachment");
	cJSON_ReplaceItemInObjectCaseSensitive(o, "sha256", cJSON_CreateString("ABC"));
	is_int(duban_attachment_from_json(o, &back, err, sizeof err), DUBAN_ERR_INVALID, "a bad sha256 is refused");
	cJSON_Delete(o);
	duban_attachment_free(&att);
	duban_attachment_free(&back);
}

/* The history on the server is append-only: no statement rewrites or
 * deletes an event, and an admin import only adds to it. */
static void test_history_append_only(void)
{
	duban_store *st;
	char *err = NULL, *before, *after, csv[200], lastbuf[24];
	long long last;
	struct duban_import_report rep;
	FILE *f;
	int rc;

	st = srv_db_writer(db);
	rc = sqlite3_exec(duban_store_db(st), "UPDATE event SET author = 'forged'", NULL, NULL, &err);
	ok(rc != SQLITE_OK && err && strstr(err, "append-only"), "an event cannot be rewritten on the server");
	sqlite3_free(err);
	err = NULL;
	rc = sqlite3_exec(duban_store_db(st), "DELETE FROM event", NULL, NULL, &err);
	ok(rc != SQLITE_OK && err && strstr(err, "append-only"), "... nor deleted");
	sqlite3_free(err);
	srv_db_writer_done(db);

	last = scalar("SELECT max(seq) FROM event", NULL);
	snprintf(lastbuf, sizeof lastbuf, "%lld", last);
	before = text_of("SELECT group_concat(seq || field || coalesce(old_value, '') || coalesce(new_value, '') || author"
			 " || created_at || received_at, '|') FROM event", NULL);
	snprintf(csv, sizeof csv, "%s/update.csv", tmp);
	f = fopen(csv, "w");
	if (f) {
		fputs("编号,问题名称,县（市、区）,责任领导\nP-0,改过的名称,甲县,副县长乙\n", f);
		fclose(f);
	}
	st = srv_db_writer(db);
	duban_store_set_actor(st, "admin", "duband import", DUBAN_ROLE_OFFICE);
	is_int(duban_import_file(st, csv, NULL, &rep), DUBAN_OK, "an admin import updates an item");
	duban_import_report_free(&rep);
	srv_db_writer_done(db);
	ok(scalar("SELECT count(*) FROM event WHERE seq > ?1 AND author = 'admin' AND reason = 'import update.csv'",
		  lastbuf) >= 2, "the import's changes are new events, credited to the admin and naming the file");
	after = text_of("SELECT group_concat(seq || field || coalesce(old_value, '') || coalesce(new_value, '') || author"
			" || created_at || received_at, '|') FROM event WHERE seq <= ?1", lastbuf);
	is_str(after, before, "every earlier event is as it was");
	free(before);
	free(after);
}

int main(void)
{
	char cmd[128];

	setenv("DUBAN_TODAY", "2026-06-15", 1);
	setenv("DUBAN_NOW", "2026-06-15T08:00:00Z", 1);
	snprintf(tmp, sizeof tmp, "/tmp/duban-srvsync-XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	make_user(&office, "wang", DUBAN_ROLE_OFFICE, NULL, "office-pc");
	make_user(&insp_jia, "li", DUBAN_ROLE_INSPECTOR, "甲县", "li-pc");
	make_user(&insp_yi, "zhang", DUBAN_ROLE_INSPECTOR, "乙县", "zhang-pc");
	make_user(&viewer, "zhao", DUBAN_ROLE_VIEWER, "甲县", "zhao-pc");

	test_store_kind();
	test_open();
	test_users();
	if (db) {
		test_create_and_duplicate();
		test_set();
		test_rejections();
		test_shapes();
		test_delete_and_records();
		test_client_seq();
		test_pull_pages();
		test_pull_scope();
		test_pull_reset();
		test_history_append_only();
	}
	test_codecs();

	srv_store_close(store);
	srv_user_free(&office);
	srv_user_free(&insp_jia);
	srv_user_free(&insp_yi);
	srv_user_free(&viewer);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}
