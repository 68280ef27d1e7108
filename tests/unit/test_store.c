/* The store: schema, items with events and ops in one transaction, the status
 * machine applied, records and history, nothing half-written on errors. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "duban/store.h"
#include "duban/util.h"
#include "tap.h"

static char dir[64], path[128];

static long long scalar(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

static void fill(struct duban_item *it, const char *code, const char *title)
{
	duban_item_init(it);
	it->kind = DUBAN_KIND_COMPLAINT;
	duban_set_str(&it->code, code);
	duban_set_str(&it->title, title);
	duban_set_str(&it->county, "东川县");
	duban_set_str(&it->lead_unit, "县生态环境局");
	duban_set_str(&it->description, "砂石厂夜间生产，噪声扰民");
	it->start = duban_date_from_ymd(2026, 1, 1);
	it->deadline = duban_date_from_ymd(2026, 6, 30);
}

struct history_count {
	int notes, inspections, actions, events;
	char first[64];
};

static int count_history(const struct duban_history_entry *e, void *ctx)
{
	struct history_count *h = ctx;

	if (e->note) {
		if (!h->first[0])
			snprintf(h->first, sizeof h->first, "note:%s", e->note->text);
		h->notes++;
	}
	if (e->inspection)
		h->inspections++;
	if (e->action)
		h->actions++;
	if (e->event) {
		if (!h->first[0])
			snprintf(h->first, sizeof h->first, "event:%s", e->event->field);
		h->events++;
	}
	return 0;
}

static void test_open(void)
{
	char err[256] = "";
	duban_store *st = duban_store_open(path, err, sizeof err);

	ok(st != NULL, "opens and creates the ledger");
	if (!st) {
		diag("%s", err);
		exit(done_testing());
	}
	/* Not pinned: migrations of parallel work are appended. */
	int schema = duban_store_schema_version(st);
	ok(schema >= 7, "schema version 7 or later (the server's policies)");
	is_int(duban_item_total(st), 0, "empty");
	duban_store_close(st);
	is_int(scalar("PRAGMA user_version"), schema, "user_version on disk");
	/* 5 -> 6: the per-day counts read the index alone */
	is_int(scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'item_due_light'"), 1,
	       "item_due_light, the covering index of the per-day counts");
	ok(access(path, F_OK) == 0, "file exists where asked");
}

static void test_insert(duban_store *st)
{
	struct duban_item it, got;

	fill(&it, "D3-0001", "砂石厂噪声扰民");
	is_int(duban_item_insert(st, &it), DUBAN_OK, "insert");
	ok(duban_uuid_valid(it.id), "id assigned");
	is_str(it.created_at, "2026-06-15T08:00:00Z", "created_at from DUBAN_NOW");
	duban_item_init(&got);
	is_int(duban_item_get(st, "D3-0001", &got), DUBAN_OK, "get by code");
	is_str(got.title, "砂石厂噪声扰民", "title stored");
	is_int(got.deadline, duban_date_from_ymd(2026, 6, 30), "deadline stored");
	is_int(duban_item_get(st, it.id, &got), DUBAN_OK, "get by id");
	{
		char prefix[9];
		memcpy(prefix, it.id, 8);
		prefix[8] = 0;
		is_int(duban_item_get(st, prefix, &got), DUBAN_OK, "get by 8-char id prefix");
		is_str(got.code, "D3-0001", "prefix finds the item");
	}
	is_int(duban_item_get(st, "NOPE", &got), DUBAN_ERR_NOT_FOUND, "unknown code");
	ok(strstr(duban_store_errmsg(st), "NOPE") != NULL, "message names the code");
	duban_item_free(&got);
	is_int(scalar("SELECT count(*) FROM event WHERE field = 'create'"), 1, "create event");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'item.create'"), 1, "create op queued");
	is_int(duban_outbox_count(st), 1, "outbox count");

	duban_item_free(&it);
	fill(&it, "D3-0001", "另一个");
	is_int(duban_item_insert(st, &it), DUBAN_ERR_DUPLICATE, "duplicate code refused");
	is_int(duban_item_total(st), 1, "nothing added");
	is_int(scalar("SELECT count(*) FROM event"), 1, "no event for the refused insert");
	duban_item_free(&it);

	fill(&it, "D3-0002", "坏日期");
	it.start = duban_date_from_ymd(2026, 7, 1);
	is_int(duban_item_insert(st, &it), DUBAN_ERR_INVALID, "deadline before start refused");
	duban_item_free(&it);
}

static void test_update(duban_store *st)
{
	struct duban_item it;
	int changed = -1;

	duban_item_init(&it);
	duban_item_get(st, "D3-0001", &it);
	duban_set_str(&it.title, "砂石厂夜间噪声扰民");
	it.progress = 40;
	is_int(duban_item_update(st, &it, &changed), DUBAN_OK, "update");
	is_int(changed, 2, "two fields changed");
	is_int(scalar("SELECT count(*) FROM event WHERE field IN ('title','progress')"), 2, "one event per field");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'item.set' AND field = 'progress'"
		      " AND base = '0' AND value = '40'"), 1, "op carries base and value");
	is_int(duban_item_update(st, &it, &changed), DUBAN_OK, "update without change");
	is_int(changed, 0, "nothing changed");
	it.status = DUBAN_STATUS_CLOSED;
	is_int(duban_item_update(st, &it, &changed), DUBAN_ERR_INVALID, "status not settable by update");
	duban_item_free(&it);
	duban_item_init(&it);
	duban_item_get(st, "D3-0001", &it);
	is_int(it.status, DUBAN_STATUS_NOT_STARTED, "status unchanged");
	is_int(it.progress, 40, "progress saved");
	duban_item_free(&it);
}

static void test_status(duban_store *st)
{
	struct duban_item it;
	long long events;

	duban_item_init(&it);
	duban_item_get(st, "D3-0001", &it);
	events = scalar("SELECT count(*) FROM event");
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_CLOSED, NULL), DUBAN_ERR_TRANSITION, "skip to closed refused");
	is_int(scalar("SELECT count(*) FROM event"), events, "refusal writes nothing");
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_IN_PROGRESS, NULL), DUBAN_OK, "start");
	is_int(duban_item_set_status(st, "D3-0001", DUBAN_STATUS_REQUESTED, NULL), DUBAN_OK, "request close-out by code");
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_IN_PROGRESS, ""), DUBAN_ERR_REASON, "return needs a reason");
	duban_store_set_actor(st, "viewer1", "dev", DUBAN_ROLE_VIEWER);
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_VERIFIED, NULL), DUBAN_ERR_PERMISSION, "viewer refused");
	duban_store_set_actor(st, "insp", "laptop", DUBAN_ROLE_INSPECTOR);
	{
		struct duban_inspection r = { 0 };
		snprintf(r.item_id, sizeof r.item_id, "%s", it.id);
		r.date = duban_date_from_ymd(2026, 6, 14);
		r.inspectors = xstrdup("张三、李四");
		r.place = xstrdup("东川县砂石厂");
		r.findings = xstrdup("已停产整治，噪声达标");
		r.passed = true;
		r.level = xstrdup("county");
		is_int(duban_inspection_add(st, &r), DUBAN_OK, "inspection added");
		duban_item_free(&it);
		duban_item_init(&it);
		duban_item_get(st, "D3-0001", &it);
		is_int(it.status, DUBAN_STATUS_REQUESTED, "the county level signed, the city's is next");
		int next = -1;
		is_int(duban_acceptance_progress(st, it.id, &next), DUBAN_OK, "acceptance progress read");
		is_int(next, 1, "the next level is the second");
		duban_inspection_free(&r);
		memset(&r, 0, sizeof r);
		snprintf(r.item_id, sizeof r.item_id, "%s", it.id);
		r.date = duban_date_from_ymd(2026, 6, 15);
		r.inspectors = xstrdup("王五");
		r.place = xstrdup("");
		r.findings = xstrdup("市级验收通过");
		r.passed = true;
		r.level = xstrdup("city");
		is_int(duban_inspection_add(st, &r), DUBAN_OK, "the city level's sign-off added");
		duban_inspection_free(&r);
	}
	duban_item_free(&it);
	duban_item_init(&it);
	duban_item_get(st, "D3-0001", &it);
	is_int(it.status, DUBAN_STATUS_VERIFIED, "a passed check of the last level verifies a requested item");
	is_int(it.progress, 100, "verified means done");
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_CLOSED, NULL), DUBAN_ERR_PERMISSION, "inspector may not close");
	duban_store_set_actor(st, "office", "pc", DUBAN_ROLE_OFFICE);
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_PUBLICIZED, NULL), DUBAN_OK, "office publicizes");
	is_int(duban_item_set_status(st, it.id, DUBAN_STATUS_CLOSED, NULL), DUBAN_OK, "office closes");
	is_int(scalar("SELECT count(*) FROM event WHERE field = 'status'"), 5, "five status events");
	is_int(scalar("SELECT count(*) FROM event WHERE field = 'status' AND author = 'insp'"), 1, "author recorded");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'item.status'"), 5, "five status ops");
	duban_item_free(&it);
}

static void test_records(duban_store *st)
{
	struct duban_note n = { 0 };
	struct duban_action a = { 0 };
	struct history_count h = { 0 };
	struct duban_item it;
	char *latest;

	duban_item_init(&it);
	duban_item_get(st, "D3-0001", &it);
	snprintf(n.item_id, sizeof n.item_id, "%s", "D3-0001");
	n.text = xstrdup("已完成隔音改造");
	snprintf(n.created_at, sizeof n.created_at, "2027-01-01T09:00:00Z");
	is_int(duban_note_add(st, &n), DUBAN_OK, "note added by code");
	is_str(n.item_id, it.id, "note's item id resolved");
	{
		struct duban_note again = n;
		again.author = NULL;
		again.text = xstrdup("重复");
		is_int(duban_note_add(st, &again), DUBAN_ERR_DUPLICATE, "same note id refused");
		free(again.text);
		free(again.author);
	}
	snprintf(a.item_id, sizeof a.item_id, "%s", it.id);
	a.kind = DUBAN_ACTION_REMINDER;
	a.text = xstrdup("请于7日内报送整改进展");
	a.due = DUBAN_DATE_NONE;
	a.date = DUBAN_DATE_NONE;
	is_int(duban_action_add(st, &a), DUBAN_OK, "action added");
	duban_history_each(st, it.id, count_history, &h);
	is_int(h.notes, 1, "history: one note");
	is_int(h.inspections, 2, "history: both sign-offs");
	is_int(h.actions, 1, "history: one action");
	ok(h.events >= 7, "history: events");
	is_str(h.first, "note:已完成隔音改造", "newest first");
	latest = duban_latest_note(st, it.id);
	is_str(latest, "已完成隔音改造", "latest note");
	free(latest);
	duban_note_free(&n);
	duban_action_free(&a);
	duban_item_free(&it);
}

static void test_transaction(duban_store *st)
{
	struct duban_item it;
	long long total = duban_item_total(st);

	is_int(duban_store_begin(st), DUBAN_OK, "begin");
	fill(&it, "T-1", "事务内");
	is_int(duban_item_insert(st, &it), DUBAN_OK, "insert inside a transaction");
	duban_item_free(&it);
	duban_store_rollback(st);
	is_int(duban_item_total(st), total, "rollback leaves nothing");
	is_int(scalar("SELECT count(*) FROM event WHERE new_value = 'T-1'"), 0, "no event left");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'item.create'"), 1, "no op left");
}

static void test_delete_and_outbox(duban_store *st)
{
	struct duban_item it;

	duban_store_set_outbox(st, false);
	fill(&it, "X-9", "演示");
	is_int(duban_item_insert(st, &it), DUBAN_OK, "insert without outbox");
	is_int(scalar("SELECT count(*) FROM op WHERE item_id = (SELECT id FROM item WHERE code = 'X-9')"), 0,
	       "no op when the outbox is off");
	duban_store_set_outbox(st, true);
	duban_store_set_actor(st, "insp", "laptop", DUBAN_ROLE_INSPECTOR);
	is_int(duban_item_delete(st, it.id), DUBAN_ERR_PERMISSION, "inspector may not delete");
	duban_store_set_actor(st, "office", "pc", DUBAN_ROLE_OFFICE);
	is_int(duban_item_delete(st, it.id), DUBAN_OK, "office deletes");
	is_int(scalar("SELECT count(*) FROM item WHERE code = 'X-9'"), 0, "row gone");
	is_int(scalar("SELECT count(*) FROM event WHERE field = 'delete'"), 1, "delete event kept");
	is_int(scalar("SELECT count(*) FROM op WHERE kind = 'item.delete'"), 1, "delete op (tombstone) queued");
	duban_item_free(&it);
}

static void test_newer_schema(void)
{
	sqlite3 *db;
	char err[256] = "";
	char p2[160];

	snprintf(p2, sizeof p2, "%s/newer.db", dir);
	sqlite3_open(p2, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(duban_store_open(p2, err, sizeof err) == NULL, "a newer schema is refused");
	ok(strstr(err, "newer") != NULL, "and the message says so");
}

/* Another process (the background search index build, a second command)
 * holds the write lock and then commits while a change is under way: the
 * change waits for it and saves, instead of failing with "database is
 * locked" (a deferred transaction that read before the other's commit). */
static void test_concurrent_writer(duban_store *st)
{
	int ready[2];
	char c = 0;
	pid_t pid;
	struct duban_note n = { 0 };

	if (pipe(ready) != 0) {
		ok(0, "pipe");
		return;
	}
	if ((pid = fork()) == 0) {
		sqlite3 *db;
		close(ready[0]);
		if (sqlite3_open(path, &db) != SQLITE_OK)
			_exit(1);
		sqlite3_busy_timeout(db, 5000);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT OR REPLACE INTO meta (key, value) VALUES ('test-writer', '1')",
				 NULL, NULL, NULL) != SQLITE_OK)
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		usleep(300000);
		_exit(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : 4);
	}
	close(ready[1]);
	ok(pid > 0 && read(ready[0], &c, 1) == 1, "another process holds the write lock");
	close(ready[0]);
	snprintf(n.item_id, sizeof n.item_id, "%s", "D3-0001");
	n.text = xstrdup("另一进程写入时的记录");
	is_int(duban_note_add(st, &n), DUBAN_OK, "a change waits for another process's write, then saves");
	if (pid > 0) {
		int status = -1;
		waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "... and the other process committed");
	}
	is_int(scalar("SELECT count(*) FROM note WHERE text = '另一进程写入时的记录'"), 1, "... the note is there once");
	duban_note_free(&n);
}

int main(void)
{
	duban_store *st;
	char err[256];

	setenv("DUBAN_NOW", "2026-06-15T08:00:00Z", 1);
	setenv("DUBAN_TODAY", "2026-06-15", 1);
	snprintf(dir, sizeof dir, "/tmp/duban-test-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/sub/ledger.db", dir);
	test_open();
	st = duban_store_open(path, err, sizeof err);
	test_insert(st);
	test_update(st);
	test_status(st);
	unsetenv("DUBAN_NOW");
	test_records(st);
	test_transaction(st);
	test_delete_and_outbox(st);
	test_concurrent_writer(st);
	duban_store_close(st);
	test_newer_schema();
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
