/* The client side of sync in the store: schema 2, the outbox as a push reads
 * it, the server's answers, pulled items merged with unsent edits, records
 * and tombstones, conflicts and their resolutions, the sync state. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "duban/json.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/util.h"
#include "store_internal.h"
#include "tap.h"

static char dir[64], path[128];

static long long scalar_at(const char *file, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open(file, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

static long long scalar(const char *sql)
{
	return scalar_at(path, sql);
}

/* The first column of the first row as text (static buffer), "(null)" for NULL. */
static const char *text_of(const char *sql)
{
	static char buf[512];
	sqlite3 *db;
	sqlite3_stmt *s;

	snprintf(buf, sizeof buf, "(none)");
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return buf;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(s, 0);
			snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "(null)");
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return buf;
}

static void fill(struct duban_item *it, const char *code, const char *title)
{
	duban_item_init(it);
	it->kind = DUBAN_KIND_COMPLAINT;
	duban_set_str(&it->code, code);
	duban_set_str(&it->title, title);
	duban_set_str(&it->county, "东川县");
	duban_set_str(&it->lead_unit, "县生态环境局");
	it->start = duban_date_from_ymd(2026, 1, 1);
	it->deadline = duban_date_from_ymd(2026, 6, 30);
}

/* Inserts an item and clears the outbox, as if it had been pushed. */
static void make_synced(duban_store *st, struct duban_item *it, const char *code, const char *title)
{
	fill(it, code, title);
	if (duban_item_insert(st, it) != DUBAN_OK)
		diag("insert %s: %s", code, duban_store_errmsg(st));
	sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
}

/* The item as the server sends it, with one field replaced. */
static cJSON *remote_of(const struct duban_item *it, long long version)
{
	cJSON *o = duban_item_to_json(it);

	cJSON_ReplaceItemInObject(o, "version", cJSON_CreateNumber((double)version));
	return o;
}

static cJSON *parse(const char *json)
{
	cJSON *o = cJSON_Parse(json);

	if (!o)
		diag("bad test JSON: %s", json);
	return o;
}

static enum duban_err settle(duban_store *st, const struct duban_op *op, const char *json)
{
	cJSON *answer = parse(json);
	enum duban_err err = duban_outbox_settle(st, op, answer);

	cJSON_Delete(answer);
	return err;
}

/* Reads the first queued op after seq (0: the first). */
static int first_op(duban_store *st, long long after, struct duban_op *op)
{
	int got = 0;

	memset(op, 0, sizeof *op);
	duban_outbox_read(st, after, 1, op, &got);
	return got;
}

/* ---------------------------------------------------------------- schema */

static void test_migration_from_v1(void)
{
	char p1[160], err[256] = "";
	sqlite3 *db;
	duban_store *st;
	struct duban_op ops[4];
	int got = 0;

	snprintf(p1, sizeof p1, "%s/v1.db", dir);
	sqlite3_open(p1, &db);
	/* The tables (and item's columns) the later migrations touch, as schema
	 * 1 made them (duplicate_of: migration 9 indexes it; county and the
	 * listing's columns: the covering item_county_due indexes them). */
	sqlite3_exec(db,
		     "CREATE TABLE item (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, code TEXT NOT NULL,"
		     " start TEXT, deadline TEXT, deadline_kind TEXT NOT NULL DEFAULT 'date',"
		     " status TEXT NOT NULL DEFAULT 'not_started', progress INTEGER NOT NULL DEFAULT 0,"
		     " duplicate_of TEXT NOT NULL DEFAULT '', due_key TEXT NOT NULL DEFAULT '9999-12-31',"
		     " kind TEXT NOT NULL DEFAULT 'problem', \"round\" TEXT NOT NULL DEFAULT '',"
		     " title TEXT NOT NULL DEFAULT '', county TEXT NOT NULL DEFAULT '',"
		     " lead_unit TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');"
		     "CREATE TABLE note (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, author TEXT NOT NULL,"
		     " text TEXT NOT NULL, created_at TEXT NOT NULL);"
		     "CREATE TABLE inspection (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, created_at TEXT NOT NULL);"
		     "CREATE TABLE action (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, created_at TEXT NOT NULL);"
		     "CREATE TABLE attachment (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, created_at TEXT NOT NULL);"
		     "CREATE TABLE event (seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL, field TEXT NOT NULL,"
		     " old_value TEXT, new_value TEXT, reason TEXT NOT NULL DEFAULT '', author TEXT NOT NULL,"
		     " device TEXT NOT NULL, created_at TEXT NOT NULL);"
		     "CREATE TABLE op (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
		     " item_id TEXT NOT NULL, field TEXT, base TEXT, value TEXT, body TEXT, created_at TEXT NOT NULL);"
		     "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		     "CREATE TABLE conflict (id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, field TEXT NOT NULL,"
		     " base TEXT, mine TEXT, theirs TEXT, created_at TEXT NOT NULL, resolved INTEGER NOT NULL DEFAULT 0);"
		     "INSERT INTO op VALUES (1, 'a', 'item.set', 'i', 'title', 'x', 'y', NULL, '2026-06-01T00:00:00Z');"
		     "INSERT INTO op VALUES (2, 'b', 'item.set', 'i', 'progress', '0', '10', NULL, '2026-06-01T00:00:01Z');"
		     "INSERT INTO op VALUES (5, 'c', 'note.add', 'i', NULL, NULL, NULL, '{\"text\":\"t\"}', '2026-06-01T00:00:02Z');"
		     "INSERT INTO conflict (item_id, field, created_at) VALUES ('i', 'title', '2026-06-01T00:00:00Z');"
		     "PRAGMA user_version = 1;",
		     NULL, NULL, NULL);
	sqlite3_close(db);
	st = duban_store_open(p1, err, sizeof err);
	ok(st != NULL, "a schema 1 ledger opens");
	if (!st) {
		diag("%s", err);
		return;
	}
	ok(duban_store_schema_version(st) >= 7, "migrated to the newest schema (7 or later)");
	is_int(duban_outbox_read(st, 0, 4, ops, &got), DUBAN_OK, "outbox of the migrated ledger reads");
	is_int(got, 3, "every op kept");
	if (got == 3) {
		is_int(ops[2].seq, 5, "op numbers kept");
		is_str(ops[0].state, "queued", "old ops are queued");
		is_str(ops[2].body, "{\"text\":\"t\"}", "body kept");
	}
	for (int i = 0; i < got; i++)
		duban_op_free(&ops[i]);
	duban_store_close(st);
	{
		sqlite3_open(p1, &db);
		sqlite3_exec(db, "DELETE FROM op WHERE seq = 5;"
				 "INSERT INTO op (id, kind, item_id, created_at) VALUES ('d', 'item.delete', 'i', 'now');",
			     NULL, NULL, NULL);
		sqlite3_close(db);
	}
	is_int(scalar_at(p1, "SELECT seq FROM op WHERE id = 'd'"), 6, "after a migration, a deleted number is not reused");
	is_int(scalar_at(p1, "SELECT count(*) FROM conflict WHERE kind = 'field' AND version IS NULL"), 1,
	       "old conflicts become field conflicts");
	is_int(scalar_at(p1, "SELECT count(*) FROM item WHERE sync_flag = ''"), 0, "item has a sync flag column");
}

static void test_fresh(duban_store *st)
{
	struct duban_item it;
	struct duban_op op;
	long long first;

	ok(duban_store_schema_version(st) >= 7, "a new ledger is schema 7 or later");
	is_int(scalar("PRAGMA user_version"), duban_store_schema_version(st), "user_version on disk the same");
	fill(&it, "S-001", "砂石厂噪声扰民");
	duban_item_insert(st, &it);
	ok(first_op(st, 0, &op) == 1, "the create is queued");
	first = op.seq;
	is_str(op.kind, "item.create", "an item.create op");
	is_int(settle(st, &op, "{\"result\":\"applied\",\"version\":7}"), DUBAN_OK, "settle applied");
	duban_op_free(&op);
	is_int(duban_outbox_count(st), 0, "applied op gone");
	duban_set_str(&it.title, "砂石厂夜间噪声扰民");
	duban_item_update(st, &it, NULL);
	ok(first_op(st, 0, &op) == 1, "an edit queued");
	ok(op.seq > first, "the next op gets a new number, not the deleted one's");
	duban_op_free(&op);
	sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
	duban_item_free(&it);
}

/* ---------------------------------------------------------------- outbox */

static void test_outbox(duban_store *st)
{
	struct duban_item it;
	struct duban_note n = { 0 };
	struct duban_op ops[8];
	int got = 0;
	cJSON *j;

	make_synced(st, &it, "O-001", "河道垃圾");
	it.progress = 40;
	duban_item_update(st, &it, NULL);
	duban_set_str(&it.owner, "王五");
	duban_item_update(st, &it, NULL);
	snprintf(n.item_id, sizeof n.item_id, "%s", it.id);
	n.text = xstrdup("已清理河道");
	duban_note_add(st, &n);
	is_int(duban_outbox_read(st, 0, 8, ops, &got), DUBAN_OK, "outbox reads");
	is_int(got, 3, "three ops queued");
	if (got != 3)
		goto out;
	ok(ops[0].seq < ops[1].seq && ops[1].seq < ops[2].seq, "in sequence order");
	is_str(ops[0].field, "progress", "first the progress");
	is_str(ops[0].base, "0", "with its base");
	is_str(ops[0].value, "40", "and its value");
	is_str(ops[2].kind, "note.add", "then the note");

	j = duban_op_to_json(&ops[0]);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")), ops[0].id, "wire op: id");
	is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "client_seq")), ops[0].seq,
	       "wire op: client_seq is the op number");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "kind")), "item.set", "wire op: kind");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "item_id")), it.id, "wire op: item_id");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "field")), "progress", "wire op: field");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "base")), "0", "wire op: base");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "value")), "40", "wire op: value");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "created_at")), "2026-06-15T08:00:00Z", "wire op: created_at");
	ok(!cJSON_GetObjectItem(j, "body"), "wire op: no body for a field");
	cJSON_Delete(j);
	j = duban_op_to_json(&ops[2]);
	ok(cJSON_IsObject(cJSON_GetObjectItem(j, "body")), "wire note: body is JSON, not a string");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "body"), "text")), "已清理河道",
	       "wire note: body text");
	ok(!cJSON_GetObjectItem(j, "field"), "wire note: no field");
	cJSON_Delete(j);

	{
		struct duban_op two[2];
		int g2 = 0;
		duban_outbox_read(st, ops[0].seq, 1, two, &g2);
		is_int(g2, 1, "n limits the page");
		if (g2)
			is_int(two[0].seq, ops[1].seq, "after_seq starts after that op");
		for (int i = 0; i < g2; i++)
			duban_op_free(&two[i]);
	}
	/* A rejected op waits for the user. */
	is_int(settle(st, &ops[1], "{\"id\":\"x\",\"result\":\"applied\"}"), DUBAN_ERR_PARSE, "an answer for another op id is refused");
	is_int(settle(st, &ops[1], "{\"result\":\"rejected\",\"reason\":\"permission\","
				 "\"message\":\"inspector li may not change owner\"}"),
	       DUBAN_OK, "settle rejected");
	for (int i = 0; i < got; i++)
		duban_op_free(&ops[i]);
	duban_outbox_read(st, 0, 8, ops, &got);
	is_int(got, 2, "the rejected op is skipped by the push");
	is_int(duban_outbox_rejected_count(st), 1, "one rejected op");
	is_int(duban_outbox_count(st), 3, "it is still in the outbox");
	{
		struct duban_op *rej = NULL;
		int nr = 0;
		duban_outbox_rejected(st, &rej, &nr);
		is_int(nr, 1, "the rejected list");
		if (nr == 1) {
			is_str(rej[0].state, "rejected", "state rejected");
			is_str(rej[0].reason, "inspector li may not change owner", "the server's message kept");
			is_str(rej[0].field, "owner", "it is the owner edit");
			is_int(duban_outbox_retry(st, rej[0].id), DUBAN_OK, "retry");
			is_int(duban_outbox_rejected_count(st), 0, "queued again");
			is_int(scalar("SELECT count(*) FROM op WHERE field = 'owner' AND state = 'queued' AND reason IS NULL"),
			       1, "state and reason reset");
			{
				char q[200];
				snprintf(q, sizeof q, "SELECT count(*) FROM op WHERE id = '%s'", rej[0].id);
				is_int(scalar(q), 0, "a retried op gets a new id (the server answers an id once)");
				snprintf(q, sizeof q, "SELECT seq > %lld FROM op WHERE field = 'owner'", ops[1].seq);
				is_int(scalar(q), 1, "and goes to the end of the queue");
			}
			is_int(duban_outbox_retry(st, rej[0].id), DUBAN_ERR_NOT_FOUND, "retry of an unknown op");
		}
		duban_ops_free(rej, nr);
	}
	for (int i = 0; i < got; i++)
		duban_op_free(&ops[i]);
	duban_outbox_read(st, 0, 8, ops, &got);
	/* ops: progress, note, owner */
	if (got == 3) {
		is_int(settle(st, &ops[2], "{\"result\":\"duplicate\",\"first\":\"rejected\",\"reason\":\"validation\","
					 "\"message\":\"owner too long\"}"),
		       DUBAN_OK, "settle duplicate of a rejection");
		is_str(text_of("SELECT state || ':' || reason FROM op WHERE field = 'owner'"), "rejected:owner too long",
		       "a duplicate rejection is a rejection");
		is_int(duban_outbox_drop(st, ops[2].id), DUBAN_OK, "drop a rejected op");
		is_int(duban_outbox_drop(st, ops[0].id), DUBAN_ERR_NOT_FOUND, "a queued op is not dropped");
		{
			struct duban_item now;
			duban_item_init(&now);
			duban_item_get(st, it.id, &now);
			/* The server's value may have moved since the op's base: the
			 * item is fetched again, and takes the value the server has. */
			char ids[4][37];
			is_int(duban_refetch_list(st, ids, 4), 1, "a dropped field puts its item on the list to fetch again");
			is_str(ids[0], it.id, "... that item");
			is_int(scalar("SELECT count(*) FROM event WHERE field = 'owner' AND origin IS NULL"), 0,
			       "the dropped change's own event goes from the history");
			duban_item_free(&now);
			duban_item_init(&now);
			duban_item_get(st, it.id, &now);
			duban_set_str(&now.owner, "服务器上的负责人");
			now.version = 900;
			cJSON *answer = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(answer, "items");
			cJSON_AddItemToArray(items, duban_item_to_json(&now));
			cJSON_AddArrayToObject(answer, "missing");
			is_int(duban_refetch_done(st, answer), DUBAN_OK, "the server's answer applied");
			cJSON_Delete(answer);
			duban_item_free(&now);
			duban_item_init(&now);
			duban_item_get(st, it.id, &now);
			is_str(now.owner, "服务器上的负责人", "dropping ends with the server's current value, not the op's base");
			is_int(now.progress, 40, "... while the unsent progress edit stays");
			is_int(duban_refetch_list(st, ids, 4), 0, "... and the item leaves the list");
			duban_item_free(&now);
		}
		is_int(settle(st, &ops[1], "{\"result\":\"duplicate\",\"first\":\"applied\",\"version\":9}"), DUBAN_OK,
		       "settle duplicate of an application");
		is_int(settle(st, &ops[0], "{\"result\":\"maybe\"}"), DUBAN_ERR_PARSE, "an unknown result is an error");
		is_int(duban_outbox_count(st), 1, "and changes nothing");
		is_int(settle(st, &ops[0], "{\"result\":\"applied\",\"version\":10}"), DUBAN_OK, "settle applied");
		is_int(duban_outbox_count(st), 0, "outbox empty");
	}
	for (int i = 0; i < got; i++)
		duban_op_free(&ops[i]);
out:
	duban_note_free(&n);
	duban_item_free(&it);
}

static void test_settle_conflict(duban_store *st)
{
	struct duban_item it;
	struct duban_op op;
	struct duban_conflict *c = NULL;
	int n = 0;

	make_synced(st, &it, "C-001", "尾矿库");
	it.progress = 60;
	duban_item_update(st, &it, NULL);
	first_op(st, 0, &op);
	is_int(settle(st, &op, "{\"id\":\"\",\"result\":\"conflict\",\"field\":\"progress\",\"base\":\"0\",\"mine\":\"60\","
				"\"theirs\":\"50\",\"version\":4690}"),
	       DUBAN_ERR_PARSE, "answer id mismatch refused");
	{
		char json[256];
		snprintf(json, sizeof json,
			 "{\"id\":\"%s\",\"result\":\"conflict\",\"field\":\"progress\",\"base\":\"0\",\"mine\":\"60\","
			 "\"theirs\":\"50\",\"version\":4690}",
			 op.id);
		is_int(settle(st, &op, json), DUBAN_OK, "settle conflict");
	}
	is_int(duban_outbox_count(st), 0, "the conflicting op leaves the outbox");
	is_int(duban_conflict_count(st), 1, "one conflict");
	ok(duban_item_has_conflict(st, it.id), "the item shows a conflict");
	duban_conflicts_list(st, it.id, &c, &n);
	is_int(n, 1, "listed for the item");
	if (n == 1) {
		is_str(c[0].field, "progress", "conflict field");
		is_str(c[0].base, "0", "conflict base");
		is_str(c[0].mine, "60", "conflict mine");
		is_str(c[0].theirs, "50", "conflict theirs");
		is_str(c[0].kind, "field", "conflict kind");
		is_int(c[0].version, 4690, "conflict version");
		is_str(c[0].code, "C-001", "conflict names the item's code");
	}
	duban_conflicts_free(c, n);
	{
		char q[160];
		snprintf(q, sizeof q, "SELECT op_id FROM conflict WHERE item_id = '%s'", it.id);
		is_str(text_of(q), op.id, "the conflict remembers its op");
	}
	/* The same answer again (a re-sent push) adds nothing. */
	is_int(settle(st, &op, "{\"result\":\"duplicate\",\"first\":\"conflict\",\"field\":\"progress\",\"base\":\"0\","
			       "\"mine\":\"60\",\"theirs\":\"50\",\"version\":4690}"),
	       DUBAN_OK, "settle duplicate of a conflict");
	is_int(duban_conflict_count(st), 1, "an identical conflict is not recorded twice");
	duban_op_free(&op);

	/* An edit of an item the server deleted. */
	duban_set_str(&it.goal, "全部治理");
	duban_item_update(st, &it, NULL);
	first_op(st, 0, &op);
	is_int(settle(st, &op, "{\"result\":\"conflict\",\"reason\":\"deleted\",\"field\":\"goal\",\"base\":\"\","
			       "\"mine\":\"全部治理\",\"theirs\":null,\"version\":4700}"),
	       DUBAN_OK, "settle a conflict with a deleted item");
	is_int(scalar("SELECT count(*) FROM conflict WHERE kind = 'deleted' AND theirs IS NULL AND resolved = 0"), 1,
	       "kind deleted, theirs null");
	{
		char flag[24];
		duban_item_sync_flag(st, it.id, flag);
		is_str(flag, "deleted_on_server", "the item is flagged deleted on the server");
	}
	duban_op_free(&op);
	sqlite3_exec(duban_store_db(st), "UPDATE conflict SET resolved = 1; UPDATE item SET sync_flag = ''", NULL, NULL,
		     NULL);
	duban_item_free(&it);
}

/* ---------------------------------------------------------------- pulled items */

static long long events_of(const char *item_id, const char *field)
{
	char q[256];

	snprintf(q, sizeof q, "SELECT count(*) FROM event WHERE item_id = '%s' AND field = '%s'", item_id, field);
	return scalar(q);
}

static void test_remote_insert_update(duban_store *st)
{
	struct duban_item it, got;
	cJSON *o;

	fill(&it, "R-001", "养殖场污水直排");
	duban_uuid(it.id);
	snprintf(it.created_at, sizeof it.created_at, "2026-05-01T00:00:00Z");
	snprintf(it.updated_at, sizeof it.updated_at, "2026-05-02T00:00:00Z");
	it.status = DUBAN_STATUS_IN_PROGRESS;
	o = remote_of(&it, 100);
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "a new item from the server");
	cJSON_Delete(o);
	duban_item_init(&got);
	is_int(duban_item_get(st, it.id, &got), DUBAN_OK, "inserted");
	is_int(got.version, 100, "with its version");
	is_int(got.status, DUBAN_STATUS_IN_PROGRESS, "and its status as it is");
	is_str(got.created_at, "2026-05-01T00:00:00Z", "created_at from the server");
	is_int(duban_outbox_count(st), 0, "no op for a pulled item");
	is_int(events_of(it.id, "create"), 0, "the download writes no create event of its own (the server sends its history)");

	duban_set_str(&it.title, "养殖场污水直排入河");
	it.progress = 30;
	snprintf(it.updated_at, sizeof it.updated_at, "2026-06-01T00:00:00Z");
	o = remote_of(&it, 120);
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "an update from the server");
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "the same update again");
	cJSON_Delete(o);
	duban_item_get(st, it.id, &got);
	is_str(got.title, "养殖场污水直排入河", "title taken");
	is_int(got.progress, 30, "progress taken");
	is_int(got.version, 120, "version follows");
	is_str(got.updated_at, "2026-06-01T00:00:00Z", "updated_at follows");
	is_int(events_of(it.id, "title") + events_of(it.id, "progress"), 0, "no event written for the pulled state: the sync is no actor");
	is_int(duban_outbox_count(st), 0, "still no op");
	{
		struct duban_filter f;
		struct duban_row rows[2];
		int n = 0;
		duban_filter_init(&f);
		f.text = "直排入河";
		duban_query_window(st, &f, DUBAN_SORT_CODE, false, NULL, false, 2, rows, &n);
		is_int(n, 1, "the search index follows the pulled title");
		for (int i = 0; i < n; i++)
			duban_row_free(&rows[i]);
	}
	/* The server moved the status: taken without the local machine. */
	it.status = DUBAN_STATUS_CLOSED;
	it.progress = 100;
	o = remote_of(&it, 130);
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "a status jump from the server");
	cJSON_Delete(o);
	duban_item_get(st, it.id, &got);
	is_int(got.status, DUBAN_STATUS_CLOSED, "status taken as it is");
	is_int(events_of(it.id, "status"), 0, "no status event of the sync's own");

	o = parse("{\"id\":\"not-a-uuid\",\"code\":\"X\"}");
	is_int(duban_apply_remote_item(st, o), DUBAN_ERR_PARSE, "an item without a valid id is refused");
	cJSON_Delete(o);
	duban_item_free(&got);
	duban_item_free(&it);
}

static void test_remote_merge(duban_store *st)
{
	struct duban_item it, remote, got;
	struct duban_conflict *c = NULL;
	int n = 0;
	cJSON *o;

	make_synced(st, &it, "M-001", "工地扬尘");
	duban_item_init(&remote);
	duban_item_free(&remote);
	duban_item_copy(&remote, &it);
	duban_item_init(&got);

	/* A local unsent edit of progress and of the owner. */
	it.progress = 40;
	duban_set_str(&it.owner, "赵六");
	duban_item_update(st, &it, NULL);
	is_int(duban_outbox_count(st), 2, "two local edits queued");

	/* The server still has the base: our edit is on its way, no conflict. */
	duban_set_str(&remote.lead_unit, "县住建局");
	o = remote_of(&remote, 200);
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "pull while edits are queued");
	cJSON_Delete(o);
	duban_item_get(st, it.id, &got);
	is_int(got.progress, 40, "the local progress stays");
	is_str(got.owner, "赵六", "the local owner stays");
	is_str(got.lead_unit, "县住建局", "a field changed only on the server is merged");
	is_int(duban_conflict_count(st), 0, "no conflict when the server has our base");
	is_int(duban_outbox_count(st), 2, "the edits stay queued");

	/* Someone else set progress to 50 meanwhile. */
	remote.progress = 50;
	o = remote_of(&remote, 210);
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "pull a concurrent change of the same field");
	is_int(duban_apply_remote_item(st, o), DUBAN_OK, "pull it again");
	cJSON_Delete(o);
	duban_item_get(st, it.id, &got);
	is_int(got.progress, 40, "the local value is kept");
	is_int(duban_conflict_count(st), 1, "one conflict, not two");
	duban_conflicts_list(st, it.id, &c, &n);
	if (n == 1) {
		is_str(c[0].field, "progress", "pulled conflict: field");
		is_str(c[0].base, "0", "pulled conflict: base is the op's base");
		is_str(c[0].mine, "40", "pulled conflict: mine is the local value");
		is_str(c[0].theirs, "50", "pulled conflict: theirs is the server's");
		is_int(c[0].version, 210, "pulled conflict: version");
	}
	duban_conflicts_free(c, n);
	is_int(scalar("SELECT count(*) FROM op WHERE field = 'progress'"), 0,
	       "the superseded progress op leaves the outbox (the server would refuse it)");
	is_int(scalar("SELECT count(*) FROM op WHERE field = 'owner'"), 1, "the owner edit stays queued");

	/* The server moves on: the open conflict follows, the local value stays. */
	remote.progress = 55;
	o = remote_of(&remote, 220);
	duban_apply_remote_item(st, o);
	cJSON_Delete(o);
	duban_item_get(st, it.id, &got);
	is_int(got.progress, 40, "still the local value");
	is_str(text_of("SELECT theirs FROM conflict WHERE resolved = 0 AND field = 'progress'"), "55",
	       "the conflict's theirs follows the server");
	is_int(duban_conflict_count(st), 1, "still one conflict");

	/* Resolve: keep mine -> an op over the server's current value. */
	{
		long long id = scalar("SELECT id FROM conflict WHERE resolved = 0");
		is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_KEEP_MINE, NULL), DUBAN_OK, "keep mine");
		is_str(text_of("SELECT base || '>' || value FROM op WHERE field = 'progress' AND state = 'queued'"), "55>40",
		       "keep mine queues base = theirs, value = mine");
		is_int(duban_conflict_count(st), 0, "resolved");
		is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_KEEP_MINE, NULL), DUBAN_ERR_NOT_FOUND,
		       "a resolved conflict cannot be resolved again");
	}
	duban_item_get(st, it.id, &got);
	is_int(got.progress, 40, "local value is mine");
	ok(!duban_item_has_conflict(st, it.id), "no marker any more");
	duban_item_free(&got);
	duban_item_free(&remote);
	duban_item_free(&it);
	sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
}

static void test_resolve(duban_store *st)
{
	struct duban_item it, remote, got;
	cJSON *o;
	long long id;

	make_synced(st, &it, "V-001", "露天烧烤油烟");
	duban_item_init(&remote);
	duban_item_free(&remote);
	duban_item_copy(&remote, &it);
	duban_item_init(&got);

	/* take theirs */
	duban_set_str(&it.measures, "取缔露天烧烤");
	duban_item_update(st, &it, NULL);
	duban_set_str(&remote.measures, "集中入室经营");
	o = remote_of(&remote, 300);
	duban_apply_remote_item(st, o);
	cJSON_Delete(o);
	id = scalar("SELECT id FROM conflict WHERE resolved = 0 AND field = 'measures'");
	ok(id > 0, "a conflict on measures");
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_TAKE_THEIRS, NULL), DUBAN_OK, "take theirs");
	duban_item_get(st, it.id, &got);
	is_str(got.measures, "集中入室经营", "the local value is theirs");
	is_int(duban_outbox_count(st), 0, "taking theirs queues nothing");
	is_int(scalar("SELECT count(*) FROM event WHERE field = 'measures' AND reason = 'conflict: took server value'"
		      " AND author = 'li'"),
	       1, "an event by the user for taking theirs");

	/* edit */
	duban_item_free(&it);
	duban_item_copy(&it, &got);
	it.progress = 20;
	duban_item_update(st, &it, NULL);
	remote.progress = 30;
	o = remote_of(&remote, 310);
	duban_apply_remote_item(st, o);
	cJSON_Delete(o);
	id = scalar("SELECT id FROM conflict WHERE resolved = 0 AND field = 'progress'");
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_EDIT, "200"), DUBAN_ERR_INVALID, "an invalid edit is refused");
	is_int(duban_conflict_count(st), 1, "and the conflict stays");
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_EDIT, NULL), DUBAN_ERR_INVALID, "an edit needs a value");
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_EDIT, "35"), DUBAN_OK, "resolve with an edit");
	duban_item_get(st, it.id, &got);
	is_int(got.progress, 35, "the edited value is local");
	is_str(text_of("SELECT base || '>' || value FROM op WHERE field = 'progress'"), "30>35",
	       "edit queues base = theirs, value = edited");
	is_int(duban_outbox_count(st), 1, "one op: the older edit was replaced");
	duban_item_free(&got);
	duban_item_free(&remote);
	duban_item_free(&it);
	sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
}

static void test_code_collision(duban_store *st)
{
	struct duban_item it, other;
	cJSON *o;

	make_synced(st, &it, "K-001", "本地的件");
	fill(&other, "K-001", "服务器的件");
	duban_uuid(other.id);
	o = remote_of(&other, 400);
	is_int(duban_apply_remote_item(st, o), DUBAN_ERR_DUPLICATE, "a remote item with a local item's code is refused");
	cJSON_Delete(o);
	ok(strstr(duban_store_errmsg(st), it.id) && strstr(duban_store_errmsg(st), other.id),
	   "the message names both items");
	{
		char q[160];
		snprintf(q, sizeof q, "SELECT count(*) FROM item WHERE id = '%s'", other.id);
		is_int(scalar(q), 0, "nothing written");
	}
	duban_item_free(&other);
	duban_item_free(&it);
}

/* ---------------------------------------------------------------- records and tombstones */

static void test_records(duban_store *st)
{
	struct duban_item it, got;
	char json[1024];
	cJSON *o;

	make_synced(st, &it, "N-001", "企业偷排");
	/* Requested: a passing inspection would move it locally; pulled, it must not. */
	sqlite3_exec(duban_store_db(st), "UPDATE item SET status = 'requested' WHERE code = 'N-001'", NULL, NULL, NULL);
	snprintf(json, sizeof json,
		 "{\"id\":\"6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\",\"item_id\":\"%s\",\"author\":\"zhang\","
		 "\"text\":\"已整改\",\"created_at\":\"2026-06-10T01:00:00Z\"}",
		 it.id);
	o = parse(json);
	is_int(duban_apply_remote_record(st, "note", o), DUBAN_OK, "a pulled note");
	is_int(duban_apply_remote_record(st, "note", o), DUBAN_OK, "the same note again");
	cJSON_Delete(o);
	is_int(scalar("SELECT count(*) FROM note WHERE id = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'"), 1,
	       "stored once (idempotent by id)");
	is_str(text_of("SELECT author FROM note WHERE id = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'"), "zhang",
	       "with its author");
	snprintf(json, sizeof json,
		 "{\"type\":\"inspection\",\"inspection\":{\"id\":\"7f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\",\"item_id\":\"%s\","
		 "\"date\":\"2026-06-11\",\"level\":\"county\",\"inspectors\":\"李四\",\"place\":\"厂区\","
		 "\"findings\":\"已完成\",\"passed\":true,\"author\":\"li\",\"created_at\":\"2026-06-11T01:00:00Z\"}}",
		 it.id);
	o = parse(json);
	is_int(duban_apply_change(st, o), DUBAN_OK, "a pulled inspection through apply_change");
	cJSON_Delete(o);
	is_int(scalar("SELECT count(*) FROM inspection WHERE passed = 1"), 1, "inspection stored");
	duban_item_init(&got);
	duban_item_get(st, it.id, &got);
	is_int(got.status, DUBAN_STATUS_REQUESTED, "a pulled pass does not move the status locally");
	duban_item_free(&got);
	snprintf(json, sizeof json,
		 "{\"id\":\"8f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\",\"item_id\":\"%s\",\"kind\":\"notice\","
		 "\"date\":\"2026-06-12\",\"text\":\"督办\",\"author\":\"office\",\"created_at\":\"2026-06-12T01:00:00Z\"}",
		 it.id);
	o = parse(json);
	is_int(duban_apply_remote_record(st, "action", o), DUBAN_OK, "a pulled action");
	cJSON_Delete(o);
	snprintf(json, sizeof json,
		 "{\"id\":\"9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\",\"item_id\":\"%s\",\"inspection_id\":\"\","
		 "\"sha256\":\"%064d\",\"name\":\"photo.jpg\",\"mime\":\"image/jpeg\",\"size\":1234,"
		 "\"author\":\"li\",\"created_at\":\"2026-06-12T02:00:00Z\"}",
		 it.id, 0);
	o = parse(json);
	is_int(duban_apply_remote_record(st, "attachment", o), DUBAN_OK, "a pulled attachment");
	cJSON_Delete(o);
	is_int(scalar("SELECT count(*) FROM action") + scalar("SELECT count(*) FROM attachment WHERE size = 1234"), 2,
	       "action and attachment stored");
	is_int(duban_outbox_count(st), 0, "no op for pulled records");
	o = parse("{\"id\":\"af1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\",\"item_id\":\"bf1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\","
		  "\"author\":\"x\",\"text\":\"t\",\"created_at\":\"2026-06-12T01:00:00Z\"}");
	is_int(duban_apply_remote_record(st, "note", o), DUBAN_ERR_NOT_FOUND, "a record of an unknown item");
	is_int(duban_apply_remote_record(st, "memo", o), DUBAN_ERR_PARSE, "an unknown record type");
	cJSON_Delete(o);
	o = parse("{\"type\":\"note\",\"note\":{\"id\":\"bad\"}}");
	is_int(duban_apply_change(st, o), DUBAN_ERR_PARSE, "an unreadable record");
	cJSON_Delete(o);

	/* Tombstone without local work: gone, records with it. */
	o = parse("{\"type\":\"tombstone\",\"item_id\":\"00000000-0000-4000-8000-000000000000\",\"reason\":\"deleted\"}");
	is_int(duban_apply_change(st, o), DUBAN_OK, "a tombstone for an item never seen");
	cJSON_Delete(o);
	is_int(duban_apply_tombstone(st, it.id, "deleted"), DUBAN_OK, "a tombstone");
	{
		char q[200];
		snprintf(q, sizeof q, "SELECT count(*) FROM item WHERE id = '%s'", it.id);
		is_int(scalar(q), 0, "the item is deleted locally");
		snprintf(q, sizeof q, "SELECT count(*) FROM note WHERE item_id = '%s'", it.id);
		is_int(scalar(q), 0, "its records go with it");
	}
	is_int(events_of(it.id, "delete"), 0, "a tombstone without its cause writes no event of its own");
	duban_item_free(&it);
}

static void test_tombstone_kept(duban_store *st)
{
	struct duban_item it, got;
	struct duban_note n = { 0 };
	long long id;
	char flag[24];

	make_synced(st, &it, "T-001", "废水超标");
	snprintf(n.item_id, sizeof n.item_id, "%s", it.id);
	n.text = xstrdup("整改中");
	duban_note_add(st, &n);
	is_int(duban_apply_tombstone(st, it.id, "deleted"), DUBAN_OK, "a tombstone while a note is queued");
	duban_item_init(&got);
	is_int(duban_item_get(st, it.id, &got), DUBAN_OK, "the item is kept");
	duban_item_sync_flag(st, it.id, flag);
	is_str(flag, "deleted_on_server", "flagged deleted on the server");
	is_int(scalar("SELECT count(*) FROM conflict WHERE kind = 'deleted' AND resolved = 0"), 1, "a deletion conflict");
	is_int(duban_apply_tombstone(st, it.id, "deleted"), DUBAN_OK, "the tombstone again");
	is_int(scalar("SELECT count(*) FROM conflict WHERE kind = 'deleted' AND resolved = 0"), 1, "still one conflict");
	id = scalar("SELECT id FROM conflict WHERE kind = 'deleted' AND resolved = 0");
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_EDIT, "x"), DUBAN_ERR_INVALID,
	       "a deletion is not resolved with an edit");
	sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_KEEP_MINE, NULL), DUBAN_OK, "keep mine on a deletion");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'item.create'"), 1, "the item is created again");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'note.add'"), 1, "with its records");
	ok(scalar("SELECT min(seq) FROM op WHERE kind = 'item.create'") < scalar("SELECT seq FROM op WHERE kind = 'note.add'"),
	   "the item before its records");
	duban_item_sync_flag(st, it.id, flag);
	is_str(flag, "", "flag cleared");

	/* Out of scope, then taken as the server says. */
	is_int(duban_apply_tombstone(st, it.id, "scope"), DUBAN_OK, "a scope tombstone while ops are queued");
	duban_item_sync_flag(st, it.id, flag);
	is_str(flag, "out_of_scope", "flagged out of scope");
	id = scalar("SELECT id FROM conflict WHERE kind = 'scope' AND resolved = 0");
	ok(id > 0, "a scope conflict");
	is_int(duban_conflict_resolve(st, id, DUBAN_RESOLVE_TAKE_THEIRS, NULL), DUBAN_OK, "take theirs on scope");
	is_int(duban_item_get(st, it.id, &got), DUBAN_ERR_NOT_FOUND, "the item leaves the local ledger");
	is_int(duban_outbox_count(st), 0, "its unsent ops go with it");
	is_int(duban_conflict_count(st), 0, "no conflict left");

	/* An item that comes back clears its flag and its conflict. */
	{
		struct duban_item back, remote;
		cJSON *o;

		make_synced(st, &back, "T-002", "回来的件");
		duban_item_init(&remote);
		duban_item_free(&remote);
		duban_item_copy(&remote, &back);
		back.progress = 10;
		duban_item_update(st, &back, NULL);
		duban_apply_tombstone(st, back.id, "scope");
		ok(duban_item_has_conflict(st, back.id), "out of scope with a queued edit");
		o = remote_of(&remote, 500);
		is_int(duban_apply_remote_item(st, o), DUBAN_OK, "the item comes back into scope");
		cJSON_Delete(o);
		duban_item_sync_flag(st, back.id, flag);
		is_str(flag, "", "its flag is cleared");
		ok(!duban_item_has_conflict(st, back.id), "its scope conflict is settled");
		duban_item_free(&remote);
		duban_item_free(&back);
		sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
	}
	duban_note_free(&n);
	duban_item_free(&got);
	duban_item_free(&it);
}

/* ---------------------------------------------------------------- pages */

static void test_page(duban_store *st)
{
	struct duban_item a, b, clash;
	cJSON *page, *changes, *c;
	char *cursor;
	char json[512];
	int applied = -1;

	fill(&a, "P-001", "页一");
	duban_uuid(a.id);
	fill(&b, "P-002", "页二");
	duban_uuid(b.id);
	page = cJSON_CreateObject();
	cJSON_AddNumberToObject(page, "server_seq", 20);
	cJSON_AddStringToObject(page, "next", "20-aaaaaaaaaaaa");
	cJSON_AddFalseToObject(page, "more");
	changes = cJSON_AddArrayToObject(page, "changes");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "item");
	cJSON_AddItemToObject(c, "item", remote_of(&a, 18));
	cJSON_AddItemToArray(changes, c);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "item");
	cJSON_AddItemToObject(c, "item", remote_of(&b, 19));
	cJSON_AddItemToArray(changes, c);
	snprintf(json, sizeof json,
		 "{\"seq\":20,\"type\":\"note\",\"note\":{\"id\":\"cf1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\","
		 "\"item_id\":\"%s\",\"author\":\"li\",\"text\":\"页内的进展\",\"created_at\":\"2026-06-14T00:00:00Z\"}}",
		 b.id);
	cJSON_AddItemToArray(changes, parse(json));
	is_int(duban_apply_page(st, page, &applied), DUBAN_OK, "a page applies");
	is_int(applied, 3, "every change of it");
	cursor = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(cursor, "20-aaaaaaaaaaaa", "and its cursor is stored with it");
	free(cursor);
	is_int(scalar("SELECT count(*) FROM item WHERE code IN ('P-001', 'P-002')"), 2, "both items in");
	is_int(scalar("SELECT count(*) FROM note WHERE text = '页内的进展'"), 1, "the note in");
	cJSON_Delete(page);

	/* A page that fails midway keeps nothing, not even its first change. */
	fill(&clash, "P-001", "撞号");
	duban_uuid(clash.id);
	duban_set_str(&b.title, "页二改");
	page = cJSON_CreateObject();
	cJSON_AddStringToObject(page, "next", "22-bbbbbbbbbbbb");
	changes = cJSON_AddArrayToObject(page, "changes");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "item");
	cJSON_AddItemToObject(c, "item", remote_of(&b, 21));
	cJSON_AddItemToArray(changes, c);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "item");
	cJSON_AddItemToObject(c, "item", remote_of(&clash, 22));
	cJSON_AddItemToArray(changes, c);
	is_int(duban_apply_page(st, page, &applied), DUBAN_ERR_DUPLICATE, "a page with a code collision fails");
	ok(strstr(duban_store_errmsg(st), "P-001") != NULL, "naming the code");
	is_int(scalar("SELECT count(*) FROM item WHERE title = '页二改'"), 0, "its earlier change is rolled back");
	cursor = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(cursor, "20-aaaaaaaaaaaa", "the cursor stays where it was");
	free(cursor);
	cJSON_Delete(page);
	page = parse("{\"changes\":[]}");
	is_int(duban_apply_page(st, page, NULL), DUBAN_ERR_PARSE, "a page without next is refused");
	cJSON_Delete(page);
	page = parse("{\"changes\":[{\"type\":\"gizmo\"}],\"next\":\"1-x\"}");
	is_int(duban_apply_page(st, page, NULL), DUBAN_ERR_PARSE, "a change of unknown type fails the page");
	cJSON_Delete(page);
	is_int(duban_outbox_count(st), 0, "pages queue nothing");
	duban_item_free(&a);
	duban_item_free(&b);
	duban_item_free(&clash);
}

/* A page whose items were decoded ahead (the sync engine decodes on its
 * fetching thread): a new item is written as decoded, an item the ledger has
 * is still merged with its unsent edits, and a clash still fails the page. */
static int search_count(duban_store *st, const char *text)
{
	struct duban_filter f;
	struct duban_row rows[4];
	int n = 0;

	duban_filter_init(&f);
	f.text = text;
	duban_query_window(st, &f, DUBAN_SORT_CODE, false, NULL, false, 4, rows, &n);
	for (int i = 0; i < n; i++)
		duban_row_free(&rows[i]);
	return n;
}

static cJSON *item_page(const char *next, const struct duban_item *a, const struct duban_item *b)
{
	cJSON *page = cJSON_CreateObject(), *changes, *c;

	cJSON_AddStringToObject(page, "next", next);
	cJSON_AddFalseToObject(page, "more");
	changes = cJSON_AddArrayToObject(page, "changes");
	for (int i = 0; i < 2; i++) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "type", "item");
		cJSON_AddItemToObject(c, "item", remote_of(i ? b : a, 300 + i));
		cJSON_AddItemToArray(changes, c);
	}
	return page;
}

static void test_decoded_page(duban_store *st)
{
	struct duban_item local, remote, fresh, got;
	duban_page_items *d;
	cJSON *page;
	char *cursor;
	int applied = -1;
	long long conflicts = duban_conflict_count(st);

	make_synced(st, &local, "DP-001", "解码旧件");
	duban_item_init(&remote);
	duban_item_free(&remote);
	duban_item_copy(&remote, &local);
	local.progress = 40;
	duban_item_update(st, &local, NULL);
	remote.progress = 60;
	duban_set_str(&remote.owner, "钱七");
	fill(&fresh, "DP-002", "预先解码的新件");
	duban_uuid(fresh.id);
	fresh.progress = 30;

	page = item_page("40-cccccccccccc", &remote, &fresh);
	d = duban_page_items_decode(page);
	is_int(duban_apply_decoded_page(st, page, d, &applied), DUBAN_OK, "a decoded page applies");
	duban_page_items_free(d);
	cJSON_Delete(page);
	is_int(applied, 2, "both of its items");
	duban_item_init(&got);
	duban_item_get(st, local.id, &got);
	is_int(got.progress, 40, "decoded page: the unsent local progress stays");
	is_str(got.owner, "钱七", "decoded page: the server's owner is merged");
	is_int(duban_conflict_count(st), conflicts + 1, "decoded page: the concurrent progress is a conflict");
	duban_item_get(st, fresh.id, &got);
	is_str(got.title, "预先解码的新件", "decoded page: the new item is in");
	is_int(got.progress, 30, "decoded page: as the server sent it");
	is_int(got.version, 301, "decoded page: with its version");
	is_int(search_count(st, "解码的新"), 1, "decoded page: search finds the new item");
	is_int(scalar("SELECT count(*) FROM event WHERE field = 'create' AND new_value = 'DP-002'"), 0,
	       "decoded page: no create event of the sync's own");
	cursor = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(cursor, "40-cccccccccccc", "decoded page: its cursor with it");
	free(cursor);

	/* A new item with a local code: the page fails whole, the cursor stays. */
	duban_item_free(&fresh);
	fill(&fresh, "DP-001", "撞号的新件");
	duban_uuid(fresh.id);
	duban_set_str(&remote.title, "解码旧件改");
	page = item_page("41-dddddddddddd", &remote, &fresh);
	d = duban_page_items_decode(page);
	is_int(duban_apply_decoded_page(st, page, d, NULL), DUBAN_ERR_DUPLICATE, "decoded page: a code clash fails");
	ok(strstr(duban_store_errmsg(st), "DP-001") != NULL, "decoded page: naming the code");
	duban_page_items_free(d);
	cJSON_Delete(page);
	is_int(scalar("SELECT count(*) FROM item WHERE title = '解码旧件改'"), 0, "decoded page: nothing of it kept");
	cursor = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(cursor, "40-cccccccccccc", "decoded page: the cursor stays");
	free(cursor);
	duban_item_free(&local);
	duban_item_free(&remote);
	duban_item_free(&fresh);
	duban_item_free(&got);
}

/* ---------------------------------------------------------------- sync state */

static void test_sync_state(duban_store *st)
{
	char *v;

	duban_sync_reset(st);
	v = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	ok(v == NULL, "no cursor after a reset");
	free(v);
	is_int(duban_sync_set(st, DUBAN_SYNC_CURSOR, "4711-3fa2c81b9e0d"), DUBAN_OK, "set the cursor");
	is_int(duban_sync_set(st, DUBAN_SYNC_SERVER, "https://duban.example.org:8443"), DUBAN_OK, "set the server");
	v = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(v, "4711-3fa2c81b9e0d", "the cursor reads back as stored");
	free(v);
	duban_sync_set(st, DUBAN_SYNC_CURSOR, "4713-a01b2c3d4e5f");
	v = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(v, "4713-a01b2c3d4e5f", "a new cursor replaces the old");
	free(v);
	/* A page and its cursor in one transaction: a rollback loses both. */
	duban_store_begin(st);
	duban_sync_set(st, DUBAN_SYNC_CURSOR, "9999-000000000000");
	duban_store_rollback(st);
	v = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	is_str(v, "4713-a01b2c3d4e5f", "a rolled-back cursor is not stored");
	free(v);
	is_int(duban_sync_reset(st), DUBAN_OK, "reset");
	v = duban_sync_get(st, DUBAN_SYNC_CURSOR);
	ok(v == NULL, "reset forgets the cursor");
	free(v);
	v = duban_sync_get(st, DUBAN_SYNC_SERVER);
	is_str(v, "https://duban.example.org:8443", "and keeps the server");
	free(v);
}

/* Dropping a refused new item or record removes it: it exists only here. */
static void test_drop_refused_records(duban_store *st)
{
	struct duban_item it;
	struct duban_note n = { 0 };
	struct duban_op ops[4];
	int got = 0;
	const char *refused = "{\"result\":\"rejected\",\"reason\":\"permission\",\"message\":\"not your county\"}";

	make_synced(st, &it, "DR-001", "露天堆场扬尘");
	snprintf(n.item_id, sizeof n.item_id, "%s", it.id);
	n.text = xstrdup("夜间仍有作业");
	duban_note_add(st, &n);
	duban_outbox_read(st, 0, 4, ops, &got);
	is_int(got, 1, "one note queued");
	if (got == 1) {
		is_int(settle(st, &ops[0], refused), DUBAN_OK, "the note is refused");
		is_int(scalar("SELECT count(*) FROM note WHERE text = '夜间仍有作业'"), 1, "a refused note stays until dropped");
		is_int(duban_outbox_drop(st, ops[0].id), DUBAN_OK, "drop it");
		is_int(scalar("SELECT count(*) FROM note WHERE text = '夜间仍有作业'"), 0, "dropping removes the refused note");
		duban_op_free(&ops[0]);
	}
	duban_note_free(&n);
	duban_item_free(&it);

	fill(&it, "DR-002", "新发现的问题");
	duban_item_insert(st, &it);
	duban_outbox_read(st, 0, 4, ops, &got);
	is_int(got, 1, "one creation queued");
	if (got == 1) {
		is_int(settle(st, &ops[0], refused), DUBAN_OK, "the creation is refused");
		is_int(duban_outbox_drop(st, ops[0].id), DUBAN_OK, "drop it");
		is_int(scalar("SELECT count(*) FROM item WHERE code = 'DR-002'"), 0, "dropping removes the refused item");
		is_int(scalar("SELECT count(*) FROM event WHERE field = 'delete' AND reason = 'refused change dropped'"), 1,
		       "and the history says why");
		duban_op_free(&ops[0]);
	}
	duban_item_free(&it);
	sqlite3_exec(duban_store_db(st), "DELETE FROM op", NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- the snapshot */

/* A snapshot of n items, each with a note and an event, as duband writes it. */
static char *snapshot_text(int n)
{
	struct duban_buf b;

	duban_buf_init(&b);
	duban_buf_printf(&b, "{\"snapshot\":1,\"server_seq\":%d,\"cursor\":\"%d-0123456789ab\",\"items\":%d,"
			     "\"account\":{\"user\":\"li\",\"role\":\"office\",\"counties\":[],\"all_counties\":true}}\n",
			 3 * n, 3 * n, n);
	for (int i = 0; i < n; i++) {
		struct duban_item it;
		char code[32], title[96];
		char *text;
		cJSON *o;

		snprintf(code, sizeof code, "SN-%04d", i);
		/* Texts with what a line splitter could trip on, escaped in JSON. */
		snprintf(title, sizeof title, "快照问题%d\n第二行 \"引号\" \\ %s", i, i % 3 ? "乙" : "\t");
		fill(&it, code, title);
		snprintf(it.id, sizeof it.id, "5a0e0000-0000-4000-8000-%012d", i);
		o = remote_of(&it, i + 1);
		text = cJSON_PrintUnformatted(o);
		duban_buf_printf(&b, "{\"type\":\"item\",\"item\":%s}\n", text);
		cJSON_free(text);
		cJSON_Delete(o);
		duban_buf_printf(&b, "{\"type\":\"note\",\"note\":{\"id\":\"6b0e0000-0000-4000-8000-%012d\","
				     "\"item_id\":\"%s\",\"author\":\"li\",\"text\":\"记录%d\","
				     "\"created_at\":\"2026-06-14T00:00:00Z\",\"received_at\":\"2026-06-14T00:00:01Z\"}}\n",
				 i, it.id, i);
		duban_buf_printf(&b, "{\"type\":\"event\",\"event\":{\"id\":%d,\"item_id\":\"%s\",\"field\":\"create\","
				     "\"old_value\":null,\"new_value\":\"%s\",\"reason\":\"\",\"author\":\"li\",\"device\":\"d\","
				     "\"created_at\":\"2026-06-14T00:00:00Z\",\"received_at\":\"2026-06-14T00:00:01Z\","
				     "\"op_id\":\"\"}}\n",
				 i + 1, it.id, code);
		duban_item_free(&it);
	}
	duban_buf_printf(&b, "{\"end\":true,\"lines\":%d}\n", 3 * n);
	return duban_buf_steal(&b);
}

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* What a ledger holds, as one line to compare. */
static char *ledger_print(const char *file)
{
	static const char *const sql[] = {
		"SELECT count(*) FROM item", "SELECT count(*) FROM note", "SELECT count(*) FROM event",
		"SELECT sum(length(title) + length(code) + version) FROM item",
		"SELECT sum(length(text)) FROM note", "SELECT count(*) FROM event WHERE origin IS NOT NULL",
		"SELECT count(*) FROM item_fts WHERE item_fts MATCH '快照'",
		"SELECT count(*) FROM sqlite_master WHERE type = 'index'",
		"SELECT count(*) FROM sync_state WHERE key = 'cursor'",
	};
	struct duban_buf b;

	duban_buf_init(&b);
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
		duban_buf_printf(&b, "%lld ", scalar_at(file, sql[i]));
	return duban_buf_steal(&b);
}

/* Loads text[0..len) into a new ledger in pieces of at most piece bytes
 * (0: at once); the result of finish, and the ledger's print in *print. */
static enum duban_err snapshot_load(const char *text, size_t len, unsigned piece, char **print)
{
	char file[160], err[256];
	duban_store *st;
	duban_snapshot *sn;
	enum duban_err e = DUBAN_OK;

	snprintf(file, sizeof file, "%s/snap.db", dir);
	unlink(file);
	if (!(st = duban_store_open(file, err, sizeof err))) {
		diag("%s", err);
		*print = xstrdup("");
		return DUBAN_ERR_DB;
	}
	duban_store_set_actor(st, "li", "laptop", DUBAN_ROLE_OFFICE);
	sn = duban_snapshot_new(st);
	for (size_t at = 0; at < len && e == DUBAN_OK;) {
		size_t n = piece ? 1 + rnd(piece) : len;
		if (n > len - at)
			n = len - at;
		e = duban_snapshot_feed(sn, text + at, n);
		at += n;
	}
	if (e == DUBAN_OK)
		e = duban_snapshot_finish(sn);
	duban_snapshot_free(sn);
	duban_store_close(st);
	*print = ledger_print(file);
	return e;
}

static void test_snapshot(duban_store *st)
{
	char *text = snapshot_text(25), *whole, *p, *empty;
	size_t len = strlen(text);
	int split_same = 0, cut_refused = 0, cut_empty = 0, bad_refused = 0, runs = 400;

	ok(!duban_snapshot_fits(st), "a ledger with items does not take a snapshot");
	is_int(snapshot_load(text, len, 0, &whole), DUBAN_OK, "a snapshot loads into an empty ledger");
	ok(strncmp(whole, "25 25 25 ", 9) == 0, "... every item, note and event");
	free(whole);
	snapshot_load(text, len, 0, &whole);
	/* The same answer in pieces of any size: the same ledger. */
	for (int i = 0; i < runs; i++) {
		enum duban_err e = snapshot_load(text, len, 1 + rnd(i % 2 ? 64 : 4096), &p);
		split_same += e == DUBAN_OK && strcmp(p, whole) == 0;
		free(p);
	}
	is_int(split_same, runs, "in pieces of any size, the same ledger every time");
	/* Cut short anywhere (but after its end): refused, nothing kept. */
	snapshot_load("", 0, 0, &empty);
	for (int i = 0; i < runs; i++) {
		size_t cut = rnd((unsigned)len - 1);
		enum duban_err e = snapshot_load(text, cut, 1 + rnd(512), &p);
		cut_refused += e != DUBAN_OK;
		cut_empty += strcmp(p, empty) == 0;
		free(p);
	}
	is_int(cut_refused, runs, "cut short anywhere: refused");
	is_int(cut_empty, runs, "... and the ledger is as empty as before");
	/* One byte changed into something no JSON holds there: refused. */
	for (int i = 0; i < runs / 4; i++) {
		char *bad = xstrdup(text);
		size_t at = rnd((unsigned)len - 2);
		enum duban_err e;

		bad[at] = (char)"{}\x01\"x"[rnd(5)];
		e = snapshot_load(bad, len, 1 + rnd(256), &p);
		/* A change that still parses as the same JSON is no error. */
		bad_refused += e != DUBAN_OK ? strcmp(p, empty) == 0 : strcmp(p, whole) == 0 || strcmp(p, empty) != 0;
		free(p);
		free(bad);
	}
	is_int(bad_refused, runs / 4, "a damaged answer: refused with nothing kept, or loaded whole");
	free(whole);
	free(empty);
	free(text);
}

int main(void)
{
	duban_store *st;
	char err[256] = "";

	setenv("DUBAN_NOW", "2026-06-15T08:00:00Z", 1);
	setenv("DUBAN_TODAY", "2026-06-15", 1);
	snprintf(dir, sizeof dir, "/tmp/duban-sync-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	test_migration_from_v1();
	st = duban_store_open(path, err, sizeof err);
	if (!st) {
		diag("%s", err);
		return 1;
	}
	duban_store_set_actor(st, "li", "laptop", DUBAN_ROLE_OFFICE);
	test_fresh(st);
	test_outbox(st);
	test_drop_refused_records(st);
	test_settle_conflict(st);
	test_remote_insert_update(st);
	test_remote_merge(st);
	test_resolve(st);
	test_code_collision(st);
	test_records(st);
	test_tombstone_kept(st);
	test_page(st);
	test_decoded_page(st);
	test_sync_state(st);
	test_snapshot(st);
	duban_store_close(st);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
