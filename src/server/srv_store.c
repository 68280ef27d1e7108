/* duband's store: the data directory, the server's own tables and their
 * migrations, the change-log triggers, one writer connection under a mutex
 * and a pool of reader connections. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "duban/util.h"
#include "server.h"
#include "store_internal.h"
#include "store_sqlite.h"

/* The server's tables, one entry per schema step (meta 'server_schema' holds
 * how many ran).  Never edit a shipped entry: append a new one. */
static const char *const server_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE server_user ("
	" name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
	"CREATE TABLE user_county ("
	" user TEXT NOT NULL REFERENCES server_user (name) ON DELETE CASCADE,"
	" county TEXT NOT NULL, PRIMARY KEY (user, county));"
	"CREATE TABLE token ("
	" id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, user TEXT NOT NULL,"
	" device TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX token_user ON token (user);"
	"CREATE TABLE applied_op ("
	" op_id TEXT PRIMARY KEY, user TEXT NOT NULL, device TEXT NOT NULL,"
	" client_seq INTEGER, kind TEXT NOT NULL, answer TEXT NOT NULL,"
	" created_at TEXT NOT NULL);"
	"CREATE TABLE device_seq ("
	" user TEXT NOT NULL, device TEXT NOT NULL, last_seq INTEGER NOT NULL,"
	" PRIMARY KEY (user, device));"
	"CREATE TABLE change ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL,"
	" entity TEXT NOT NULL, entity_id TEXT NOT NULL, item_id TEXT NOT NULL,"
	" county TEXT NOT NULL, old_county TEXT NOT NULL,"
	" deleted INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
	"CREATE INDEX change_entity ON change (entity_id, seq);"
	"CREATE INDEX change_item ON change (item_id, deleted);"
	"CREATE INDEX change_created ON change (created_at);"
	"CREATE TABLE blob ("
	" sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, user TEXT NOT NULL,"
	" created_at TEXT NOT NULL);"
	/* The change log.  An item's version is the sequence number of its
	 * latest change.  The UPDATE OF list leaves out version, so setting it
	 * does not log again, and updated_at, so a record added to an item (which
	 * touches only that) is one change, not two. */
	"CREATE TRIGGER change_item_insert AFTER INSERT ON item BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'item', NEW.id, NEW.id, NEW.county, NEW.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	" UPDATE item SET version = last_insert_rowid() WHERE id = NEW.id;"
	"END;"
	"CREATE TRIGGER change_item_update AFTER UPDATE OF"
	" id, kind, code, \"round\", batch, title, description, categories, scope, county,"
	" township, lead_unit, co_units, leader, owner, contact, goal, measures, findings,"
	" handling, accountability, start, deadline, deadline_kind, notice_end, status,"
	" progress, verdict, rectify_orders, fines, penalty_cases, criminal_cases, detentions,"
	" summons, accountability_count, key_case, duplicate_of, longitude, latitude, public,"
	" created_at, due_key ON item BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'item', NEW.id, NEW.id, NEW.county, OLD.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	" UPDATE item SET version = last_insert_rowid() WHERE id = NEW.id;"
	/* Users of the new county have never seen the records: announce them
	 * again, after the item so a client has the item first. */
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), r.entity, r.id, NEW.id, NEW.county, NEW.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM ("
	"   SELECT 'note' AS entity, id, created_at, rowid AS r, 0 AS o FROM note WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'inspection', id, created_at, rowid, 1 FROM inspection WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'action', id, created_at, rowid, 2 FROM action WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'attachment', id, created_at, rowid, 3 FROM attachment WHERE item_id = NEW.id"
	"  ) AS r WHERE OLD.county IS NOT NEW.county ORDER BY r.created_at, r.o, r.r;"
	"END;"
	"CREATE TRIGGER change_item_delete AFTER DELETE ON item BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, deleted, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'item', OLD.id, OLD.id, OLD.county, OLD.county, 1,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	"END;"
	"CREATE TRIGGER change_note_insert AFTER INSERT ON note BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'note', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;"
	"CREATE TRIGGER change_inspection_insert AFTER INSERT ON inspection BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'inspection', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;"
	"CREATE TRIGGER change_action_insert AFTER INSERT ON action BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'action', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;"
	"CREATE TRIGGER change_attachment_insert AFTER INSERT ON attachment BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'attachment', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;",
	/* 1 -> 2: who may fetch a blob is decided by the attachments that name it. */
	"CREATE INDEX attachment_sha256 ON attachment (sha256);",
	/* 2 -> 3: every user who sent a blob's bytes (the blob table names only
	 * the first), and failed logins counted where every server instance on
	 * this data sees them. */
	"CREATE TABLE blob_user ("
	" sha256 TEXT NOT NULL, user TEXT NOT NULL, created_at TEXT NOT NULL,"
	" PRIMARY KEY (sha256, user));"
	"INSERT OR IGNORE INTO blob_user (sha256, user, created_at) SELECT sha256, user, created_at FROM blob;"
	"CREATE TABLE login_fail ("
	" key TEXT PRIMARY KEY, fails INTEGER NOT NULL, first_at INTEGER NOT NULL,"
	" last_at INTEGER NOT NULL, locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX login_fail_last ON login_fail (locked_until, last_at);",
	/* 3 -> 4: the history travels.  Every event enters the change log, so
	 * each replica receives who changed what and when, change by change;
	 * an item moving into a county announces its events too.  The history
	 * is append-only: no op, admin command or import rewrites or deletes an
	 * event. */
	"CREATE TRIGGER change_event_insert AFTER INSERT ON event BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'event', NEW.seq, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;"
	"INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	" SELECT lower(hex(randomblob(6))), 'event', e.seq, e.item_id, i.county, i.county,"
	" strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM event AS e JOIN item AS i ON i.id = e.item_id ORDER BY e.seq;"
	"DROP TRIGGER change_item_update;"
	"CREATE TRIGGER change_item_update AFTER UPDATE OF"
	" id, kind, code, \"round\", batch, title, description, categories, scope, county,"
	" township, lead_unit, co_units, leader, owner, contact, goal, measures, findings,"
	" handling, accountability, start, deadline, deadline_kind, notice_end, status,"
	" progress, verdict, rectify_orders, fines, penalty_cases, criminal_cases, detentions,"
	" summons, accountability_count, key_case, duplicate_of, longitude, latitude, public,"
	" created_at, due_key ON item BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'item', NEW.id, NEW.id, NEW.county, OLD.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	" UPDATE item SET version = last_insert_rowid() WHERE id = NEW.id;"
	/* Users of the new county have never seen the records and events: announce them
	 * again, after the item so a client has the item first. */
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), r.entity, r.id, NEW.id, NEW.county, NEW.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM ("
	"   SELECT 'note' AS entity, id, created_at, rowid AS r, 0 AS o FROM note WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'inspection', id, created_at, rowid, 1 FROM inspection WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'action', id, created_at, rowid, 2 FROM action WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'attachment', id, created_at, rowid, 3 FROM attachment WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'event', seq, created_at, seq, 4 FROM event WHERE item_id = NEW.id"
	"  ) AS r WHERE OLD.county IS NOT NEW.county ORDER BY r.created_at, r.o, r.r;"
	"END;"
	"CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event BEGIN"
	" SELECT RAISE(ABORT, 'the history is append-only');"
	"END;"
	"CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event BEGIN"
	" SELECT RAISE(ABORT, 'the history is append-only');"
	"END;",
	/* The public notice's records (opening, objection, resolution) enter
	 * the change log like the other records, and are announced again to
	 * the users of a county an item moves into. */
	"CREATE TRIGGER change_notice_insert AFTER INSERT ON notice BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'notice', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;"
	/* The office's close-out policies (duband policy set/unset).  Each
	 * change enters the change log as entity "policy" with no item and no
	 * county: every user pulls it. */
	"CREATE TABLE policy (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);"
	"CREATE TRIGGER change_policy_insert AFTER INSERT ON policy BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'policy', NEW.key, '', '', '', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	"END;"
	"CREATE TRIGGER change_policy_update AFTER UPDATE ON policy BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'policy', NEW.key, '', '', '', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	"END;"
	"CREATE TRIGGER change_policy_delete AFTER DELETE ON policy BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, deleted, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'policy', OLD.key, '', '', '', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	"END;"
	/* An item's own acceptance chain and the feedback clock's fields log a
	 * change like any other, and links (举一反三) travel as records: logged
	 * when added, announced again to a county an item moves into. */
	"DROP TRIGGER change_item_update;"
	"CREATE TRIGGER change_item_update AFTER UPDATE OF"
	" id, kind, code, \"round\", batch, title, description, categories, scope, county,"
	" township, lead_unit, co_units, leader, owner, contact, goal, measures, findings,"
	" handling, accountability, start, deadline, deadline_kind, notice_end, status,"
	" progress, verdict, rectify_orders, fines, penalty_cases, criminal_cases, detentions,"
	" summons, accountability_count, key_case, duplicate_of, longitude, latitude, public,"
	" transferred_on, feedback_on, created_at, due_key, acceptance_levels ON item BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'item', NEW.id, NEW.id, NEW.county, OLD.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	" UPDATE item SET version = last_insert_rowid() WHERE id = NEW.id;"
	/* Users of the new county have never seen the records and events: announce them
	 * again, after the item so a client has the item first. */
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), r.entity, r.id, NEW.id, NEW.county, NEW.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM ("
	"   SELECT 'note' AS entity, id, created_at, rowid AS r, 0 AS o FROM note WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'inspection', id, created_at, rowid, 1 FROM inspection WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'action', id, created_at, rowid, 2 FROM action WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'attachment', id, created_at, rowid, 3 FROM attachment WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'notice', id, created_at, rowid, 4 FROM notice WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'link', id, created_at, rowid, 5 FROM link WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'event', seq, created_at, seq, 6 FROM event WHERE item_id = NEW.id"
	"  ) AS r WHERE OLD.county IS NOT NEW.county ORDER BY r.created_at, r.o, r.r;"
	"END;"
	"CREATE TRIGGER change_link_insert AFTER INSERT ON link BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'link', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;",
	/* 调度 rounds travel as records of their member items (duban/dispatch.h):
	 * logged when added, announced again to a county an item moves into,
	 * so a user receives a round with the members of their counties. */
	"DROP TRIGGER change_item_update;"
	"CREATE TRIGGER change_item_update AFTER UPDATE OF"
	" id, kind, code, \"round\", batch, title, description, categories, scope, county,"
	" township, lead_unit, co_units, leader, owner, contact, goal, measures, findings,"
	" handling, accountability, start, deadline, deadline_kind, notice_end, status,"
	" progress, verdict, rectify_orders, fines, penalty_cases, criminal_cases, detentions,"
	" summons, accountability_count, key_case, duplicate_of, longitude, latitude, public,"
	" transferred_on, feedback_on, created_at, due_key, acceptance_levels ON item BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  VALUES (lower(hex(randomblob(6))), 'item', NEW.id, NEW.id, NEW.county, OLD.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	" UPDATE item SET version = last_insert_rowid() WHERE id = NEW.id;"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), r.entity, r.id, NEW.id, NEW.county, NEW.county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM ("
	"   SELECT 'note' AS entity, id, created_at, rowid AS r, 0 AS o FROM note WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'inspection', id, created_at, rowid, 1 FROM inspection WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'action', id, created_at, rowid, 2 FROM action WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'attachment', id, created_at, rowid, 3 FROM attachment WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'notice', id, created_at, rowid, 4 FROM notice WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'link', id, created_at, rowid, 5 FROM link WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'dispatch', id, created_at, rowid, 6 FROM dispatch WHERE item_id = NEW.id"
	"   UNION ALL SELECT 'event', seq, created_at, seq, 7 FROM event WHERE item_id = NEW.id"
	"  ) AS r WHERE OLD.county IS NOT NEW.county ORDER BY r.created_at, r.o, r.r;"
	"END;"
	"CREATE TRIGGER change_dispatch_insert AFTER INSERT ON dispatch BEGIN"
	" INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
	"  SELECT lower(hex(randomblob(6))), 'dispatch', NEW.id, NEW.item_id, county, county,"
	"  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM item WHERE id = NEW.item_id;"
	"END;",
};
#define SERVER_SCHEMA_VERSION ((int)(sizeof server_migrations / sizeof server_migrations[0]))

struct srv_db {
	char *dir;
	duban_store *writer;
	pthread_mutex_t writer_lock;
	duban_store **readers;
	bool *reader_busy;
	int nreaders, nfree;
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	bool locks_ready;
};

/* ---------------------------------------------------------------- errors */

cJSON *srv_error(const char *code, const char *fmt, ...)
{
	cJSON *o = cJSON_CreateObject();
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", message);
	return o;
}

/* ---------------------------------------------------------------- users */

void srv_user_free(struct srv_user *u)
{
	if (!u)
		return;
	for (int i = 0; i < u->ncounties; i++)
		free(u->counties[i]);
	free(u->counties);
	u->counties = NULL;
	u->ncounties = 0;
}

bool srv_user_all_counties(const struct srv_user *u)
{
	return u->role == DUBAN_ROLE_OFFICE || (u->role == DUBAN_ROLE_VIEWER && u->ncounties == 0);
}

bool srv_user_sees(const struct srv_user *u, const char *county)
{
	if (srv_user_all_counties(u))
		return true;
	if (!county)
		return false;
	for (int i = 0; i < u->ncounties; i++) {
		if (strcmp(u->counties[i], county) == 0)
			return true;
	}
	return false;
}

cJSON *srv_account_json(const struct srv_user *u)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *a = cJSON_CreateArray();

	cJSON_AddStringToObject(j, "user", u->name);
	cJSON_AddStringToObject(j, "role", duban_role_id(u->role));
	if (!srv_user_all_counties(u))
		for (int i = 0; i < u->ncounties; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(u->counties[i]));
	cJSON_AddItemToObject(j, "counties", a);
	cJSON_AddBoolToObject(j, "all_counties", srv_user_all_counties(u));
	return j;
}

/* ---------------------------------------------------------------- schema */

static int server_schema(sqlite3 *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'server_schema'", -1, &s, NULL) != SQLITE_OK)
		return -1;
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		v = sqlite3_column_int(s, 0);
		break;
	case SQLITE_DONE:
		v = 0;
		break;
	}
	sqlite3_finalize(s);
	return v;
}

static int set_server_schema(sqlite3 *db, int v)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(db, "INSERT INTO meta (key, value) VALUES ('server_schema', ?)"
				" ON CONFLICT (key) DO UPDATE SET value = excluded.value", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(s, 1, v);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Each step in its own immediate transaction, re-reading the version inside
 * it, so an admin command and the server starting together migrate once. */
static bool server_migrate(sqlite3 *db, char *err, size_t errlen)
{
	for (;;) {
		int v;

		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			break;
		v = server_schema(db);
		if (v < 0)
			break;
		if (v > SERVER_SCHEMA_VERSION) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			snprintf(err, errlen, "the server database has schema %d, this duband knows %d: upgrade duband",
				 v, SERVER_SCHEMA_VERSION);
			return false;
		}
		if (v == SERVER_SCHEMA_VERSION)
			return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
			       || (snprintf(err, errlen, "migrating the server schema: %s", sqlite3_errmsg(db)), false);
		if (sqlite3_exec(db, server_migrations[v], NULL, NULL, NULL) != SQLITE_OK
		    || set_server_schema(db, v + 1) != SQLITE_OK
		    || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			break;
	}
	snprintf(err, errlen, "migrating the server schema: %s", sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

/* ---------------------------------------------------------------- open */

static bool make_dir(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(path, 0700) == 0)
		return true;
	if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return true;
	snprintf(err, errlen, "cannot create the directory %s: %s", path, strerror(errno));
	return false;
}

static duban_store *open_connection(const char *path, char *err, size_t errlen)
{
	duban_store *st = duban_store_open(path, err, errlen);

	if (!st)
		return NULL;
	duban_store_set_outbox(st, false);
	duban_store_set_receiving(st, true);
	duban_store_set_actor(st, "duband", "server", DUBAN_ROLE_OFFICE);
	return st;
}

srv_db *srv_db_open(const char *data_dir, int readers, char *err, size_t errlen)
{
	srv_db *db;
	char *path;

	if (readers < 1)
		readers = 1;
	if (duban_mkdir_parent(data_dir) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the directory for %s: %s", data_dir, strerror(errno));
		return NULL;
	}
	if (!make_dir(data_dir, err, errlen))
		return NULL;
	path = xasprintf("%s/blobs", data_dir);
	if (!make_dir(path, err, errlen)) {
		free(path);
		return NULL;
	}
	free(path);

	db = xcalloc(1, sizeof *db);
	db->dir = xstrdup(data_dir);
	pthread_mutex_init(&db->writer_lock, NULL);
	pthread_mutex_init(&db->pool_lock, NULL);
	pthread_cond_init(&db->pool_cond, NULL);
	db->locks_ready = true;
	db->readers = xcalloc((size_t)readers, sizeof *db->readers);
	db->reader_busy = xcalloc((size_t)readers, sizeof *db->reader_busy);

	path = xasprintf("%s/ledger.db", data_dir);
	db->writer = open_connection(path, err, errlen);
	if (!db->writer || !server_migrate(duban_store_db(db->writer), err, errlen))
		goto fail;
	for (int i = 0; i < readers; i++) {
		if (!(db->readers[i] = open_connection(path, err, errlen)))
			goto fail;
		db->nreaders++;
	}
	db->nfree = db->nreaders;
	free(path);
	return db;
fail:
	free(path);
	srv_db_close(db);
	return NULL;
}

void srv_db_close(srv_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->nreaders; i++)
		duban_store_close(db->readers[i]);
	duban_store_close(db->writer);
	if (db->locks_ready) {
		pthread_mutex_destroy(&db->writer_lock);
		pthread_mutex_destroy(&db->pool_lock);
		pthread_cond_destroy(&db->pool_cond);
	}
	free(db->readers);
	free(db->reader_busy);
	free(db->dir);
	free(db);
}

const char *srv_db_dir(const srv_db *db)
{
	return db->dir;
}

/* ---------------------------------------------------------------- connections */

duban_store *srv_db_writer(srv_db *db)
{
	pthread_mutex_lock(&db->writer_lock);
	return db->writer;
}

void srv_db_writer_done(srv_db *db)
{
	/* A transaction left open by a failed caller must not leak into the
	 * next request. */
	duban_store_rollback(db->writer);
	duban_store_set_actor(db->writer, "duband", "server", DUBAN_ROLE_OFFICE);
	duban_store_set_op(db->writer, NULL, NULL);
	duban_store_set_source(db->writer, NULL);
	pthread_mutex_unlock(&db->writer_lock);
}

duban_store *srv_db_reader(srv_db *db)
{
	duban_store *st = NULL;

	pthread_mutex_lock(&db->pool_lock);
	while (db->nfree == 0)
		pthread_cond_wait(&db->pool_cond, &db->pool_lock);
	for (int i = 0; i < db->nreaders; i++) {
		if (!db->reader_busy[i]) {
			db->reader_busy[i] = true;
			db->nfree--;
			st = db->readers[i];
			break;
		}
	}
	pthread_mutex_unlock(&db->pool_lock);
	return st;
}

void srv_db_reader_done(srv_db *db, duban_store *st)
{
	if (!st)
		return;
	duban_store_rollback(st);
	pthread_mutex_lock(&db->pool_lock);
	for (int i = 0; i < db->nreaders; i++) {
		if (db->readers[i] == st && db->reader_busy[i]) {
			db->reader_busy[i] = false;
			db->nfree++;
			pthread_cond_signal(&db->pool_cond);
			break;
		}
	}
	pthread_mutex_unlock(&db->pool_lock);
}

/* ---------------------------------------------------------------- change log */

/* From sqlite_sequence, which remembers the highest number even when
 * pruning deleted the newest rows: a cursor must never go back. */
long long srv_server_seq(duban_store *st)
{
	sqlite3_stmt *s;
	long long seq = 0;

	if (!(s = store_stmt_sql(st, "/* server */ SELECT seq FROM sqlite_sequence WHERE name = 'change'")))
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return seq;
}

/* Old entries go, except what a download from the start still needs: for
 * each existing item the item entry of its latest move into its county (or
 * its first entry), and for each record of an existing item its latest
 * entry.  Those come in that order, so a client still gets every item before
 * its records.  meta 'change_pruned' keeps the highest number deleted: a
 * cursor below it has missed something and is expired. */
static const char prune_sql[] =
	"DELETE FROM change WHERE created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?1) AND NOT ("
	" EXISTS (SELECT 1 FROM item WHERE item.id = change.item_id) AND ("
	"  (change.entity = 'item' AND change.seq = (SELECT max(c.seq) FROM change c"
	"    WHERE c.entity_id = change.entity_id AND c.entity = 'item' AND (c.county IS NOT c.old_county"
	"    OR c.seq = (SELECT min(m.seq) FROM change m WHERE m.entity_id = change.entity_id AND m.entity = 'item'))))"
	"  OR (change.entity <> 'item' AND change.seq = (SELECT max(c.seq) FROM change c"
	"    WHERE c.entity_id = change.entity_id AND c.entity = change.entity)))"
	/* A policy's latest change stays: a client starting afresh needs it. */
	" OR (change.entity = 'policy' AND change.seq = (SELECT max(c.seq) FROM change c"
	"    WHERE c.entity_id = change.entity_id AND c.entity = 'policy')))"
	" RETURNING seq";

long long srv_prune_changes(duban_store *st, int days)
{
	sqlite3 *db = duban_store_db(st);
	sqlite3_stmt *s = NULL;
	long long rows = 0, top = 0;
	char modifier[32];
	bool own = sqlite3_get_autocommit(db) != 0;
	int rc;

	if (days <= 0)
		return 0;
	if (own && duban_store_begin(st) != DUBAN_OK)
		return -1;
	snprintf(modifier, sizeof modifier, "-%d days", days);
	if (sqlite3_prepare_v2(db, prune_sql, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, modifier, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(s, 0);
		rows++;
		if (seq > top)
			top = seq;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE)
		goto fail;
	if (top > 0) {
		if (sqlite3_prepare_v2(db, "INSERT INTO meta (key, value) VALUES ('change_pruned', ?1)"
				       " ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), ?1)",
				       -1, &s, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(s, 1, top);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE)
			goto fail;
	}
	if (own && duban_store_commit(st) != DUBAN_OK)
		return -1;
	return rows;
fail:
	sqlite3_finalize(s);
	if (own)
		duban_store_rollback(st);
	return -1;
}

/* ---------------------------------------------------------------- blobs */

/* 1 when the statement (sha256 bound as ?1, the user as ?2) has a row. */
static int has_row(duban_store *st, const char *sql, const char *sha256, const char *user)
{
	sqlite3_stmt *s = store_stmt_sql(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_TRANSIENT);
	if (user)
		sqlite3_bind_text(s, 2, user, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Is the blob attached to an item u sees? */
static int attached_visible(duban_store *st, const struct srv_user *u, const char *sha256)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* blobs */ SELECT DISTINCT i.county FROM attachment a"
					     " JOIN item i ON i.id = a.item_id WHERE a.sha256 = ?");
	int found = 0, rc = SQLITE_DONE;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_TRANSIENT);
	while (!found && (rc = sqlite3_step(s)) == SQLITE_ROW)
		found = srv_user_sees(u, (const char *)sqlite3_column_text(s, 0));
	if (!found && rc != SQLITE_DONE)
		found = -1;
	sqlite3_reset(s);
	return found;
}

int srv_blob_may_use(duban_store *st, const struct srv_user *u, const char *sha256)
{
	/* The office sees every county, so every blob anybody sent. */
	if (u->role == DUBAN_ROLE_OFFICE) {
		int sent = has_row(st, "/* blobs */ SELECT 1 FROM blob WHERE sha256 = ?1", sha256, NULL);
		return sent != 0 ? sent : has_row(st, "/* blobs */ SELECT 1 FROM attachment WHERE sha256 = ?1", sha256, NULL);
	}
	int mine = has_row(st, "/* blobs */ SELECT 1 FROM blob_user WHERE sha256 = ?1 AND user = ?2", sha256, u->name);
	return mine != 0 ? mine : attached_visible(st, u, sha256);
}
