/* The SQLite backend's table of store operations: the accounts, login
 * failures, blob rows and admin listings in DATA_DIR/ledger.db, through the
 * writer connection and the reader pool of srv_store.c. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/util.h"
#include "server.h"
#include "store.h"
#include "store_internal.h"
#include "store_sqlite.h"

static srv_db *db_of(struct srv_store *s)
{
	return s->be;
}

srv_db *srv_sqlite_db(struct srv_store *s)
{
	return db_of(s);
}

static sqlite3_stmt *prepare(duban_store *st, const char *sql)
{
	sqlite3_stmt *s = store_stmt_sql(st, sql);

	if (!s)
		srv_log("store: %s", duban_store_errmsg(st));
	return s;
}

static void bind(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static const char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* ---------------------------------------------------------------- log */

static long long sq_server_seq(struct srv_store *s)
{
	duban_store *st = srv_db_reader(db_of(s));
	long long seq = srv_server_seq(st);

	srv_db_reader_done(db_of(s), st);
	return seq;
}

static long long sq_prune(struct srv_store *s, int days)
{
	duban_store *st = srv_db_writer(db_of(s));
	long long n = srv_prune_changes(st, days);

	srv_db_writer_done(db_of(s));
	return n;
}

/* ---------------------------------------------------------------- accounts */

static int sq_user_read(struct srv_store *s, const char *name, struct srv_user_row *row)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* auth */ SELECT role, password, disabled FROM server_user WHERE name = ?");
	int status = 500, rc;

	if (q) {
		bind(q, 1, name);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			row->found = true;
			snprintf(row->role, sizeof row->role, "%s", col(q, 0));
			row->hash = xstrdup(col(q, 1));
			row->disabled = sqlite3_column_int(q, 2) != 0;
			status = 200;
		} else if (rc == SQLITE_DONE) {
			status = 200;
		}
		sqlite3_reset(q);
	}
	srv_db_reader_done(db_of(s), st);
	return status;
}

static bool sq_user_counties(struct srv_store *s, const char *name, struct srv_user *u)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* auth */ SELECT county FROM user_county WHERE user = ? ORDER BY county");
	int rc = SQLITE_ERROR;

	if (q) {
		bind(q, 1, name);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			u->counties = xrealloc(u->counties, (size_t)(u->ncounties + 1) * sizeof *u->counties);
			u->counties[u->ncounties++] = xstrdup(col(q, 0));
		}
		sqlite3_reset(q);
	}
	srv_db_reader_done(db_of(s), st);
	return rc == SQLITE_DONE;
}

/* Runs sql with a and b bound on the writer; *changes: rows. */
static bool run(duban_store *st, const char *sql, const char *a, const char *b, int *changes)
{
	sqlite3_stmt *q = prepare(st, sql);
	int rc;

	if (!q)
		return false;
	bind(q, 1, a);
	if (b)
		bind(q, 2, b);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		srv_log("store: %s", sqlite3_errmsg(duban_store_db(st)));
		return false;
	}
	if (changes)
		*changes = sqlite3_changes(duban_store_db(st));
	return true;
}

static enum duban_err finish(duban_store *st, bool ok, char *err, size_t errlen)
{
	if (ok && duban_store_commit(st) == DUBAN_OK)
		return DUBAN_OK;
	duban_store_rollback(st);
	snprintf(err, errlen, "database error: %s", sqlite3_errmsg(duban_store_db(st)));
	return DUBAN_ERR_DB;
}

static enum duban_err sq_user_insert(struct srv_store *s, const char *name, const char *role, const char *hash,
				     const char *const *counties, int ncounties, char *err, size_t errlen)
{
	duban_store *st = srv_db_writer(db_of(s));
	sqlite3_stmt *q;
	char now[25];
	bool ok = duban_store_begin(st) == DUBAN_OK;
	enum duban_err e;

	duban_timestamp_now(now);
	if (ok && (ok = (q = prepare(st, "/* auth */ INSERT INTO server_user (name, role, password, disabled,"
					  " created_at) VALUES (?, ?, ?, 0, ?)")) != NULL)) {
		bind(q, 1, name);
		bind(q, 2, role);
		bind(q, 3, hash);
		bind(q, 4, now);
		ok = sqlite3_step(q) == SQLITE_DONE;
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	for (int i = 0; ok && i < ncounties; i++)
		ok = run(st, "/* auth */ INSERT OR IGNORE INTO user_county (user, county) VALUES (?, ?)", name,
			 counties[i], NULL);
	e = finish(st, ok, err, errlen);
	srv_db_writer_done(db_of(s));
	return e;
}

static enum duban_err sq_user_update(struct srv_store *s, int what, const char *a, const char *b, int *changes,
				     char *err, size_t errlen)
{
	static const char revoke_all[] = "/* auth */ UPDATE token SET revoked = 1 WHERE user = ? AND revoked = 0";
	duban_store *st = srv_db_writer(db_of(s));
	bool ok = duban_store_begin(st) == DUBAN_OK;
	enum duban_err e;

	switch (what) {
	case SRV_UPD_PASSWORD: /* a: hash, b: name */
		ok = ok && run(st, "/* auth */ UPDATE server_user SET password = ? WHERE name = ?", a, b, NULL) &&
		     run(st, revoke_all, b, NULL, NULL);
		break;
	case SRV_UPD_DISABLE:
		ok = ok && run(st, "/* auth */ UPDATE server_user SET disabled = 1 WHERE name = ?", a, NULL, NULL) &&
		     run(st, revoke_all, a, NULL, NULL);
		break;
	case SRV_UPD_REVOKE_USER:
		ok = ok && run(st, revoke_all, a, NULL, changes);
		break;
	case SRV_UPD_REVOKE_TOKEN:
		ok = ok && run(st, "/* auth */ UPDATE token SET revoked = 1 WHERE user = ?1 AND revoked = 0"
				   " AND substr(id, 1, length(?2)) = ?2", a, b, changes);
		break;
	default: /* SRV_UPD_UNLOCK */
		ok = ok && run(st, "/* auth */ DELETE FROM login_fail WHERE key IN (?, ?)", a, b, changes);
	}
	e = finish(st, ok, err, errlen);
	srv_db_writer_done(db_of(s));
	return e;
}

static bool sq_token_insert(struct srv_store *s, const struct srv_user *u, const char *hash, const char *created)
{
	duban_store *st = srv_db_writer(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* auth */ INSERT INTO token (id, hash, user, device, created_at, expires_at,"
				      " revoked) VALUES (?, ?, ?, ?, ?, ?, 0)");
	bool ok = false;

	if (q) {
		bind(q, 1, u->token_id);
		bind(q, 2, hash);
		bind(q, 3, u->name);
		bind(q, 4, u->device);
		bind(q, 5, created);
		bind(q, 6, u->expires_at);
		ok = sqlite3_step(q) == SQLITE_DONE;
		sqlite3_reset(q);
	}
	srv_db_writer_done(db_of(s));
	return ok;
}

static int sq_token_read(struct srv_store *s, const char *hash, struct srv_token_row *row)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* auth */ SELECT t.id, t.user, t.device, t.expires_at, t.revoked, u.role,"
				      " u.disabled FROM token t JOIN server_user u ON u.name = t.user WHERE t.hash = ?");
	int status = 500, rc;

	if (q) {
		bind(q, 1, hash);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			row->found = true;
			snprintf(row->id, sizeof row->id, "%s", col(q, 0));
			snprintf(row->user, sizeof row->user, "%s", col(q, 1));
			snprintf(row->device, sizeof row->device, "%s", col(q, 2));
			snprintf(row->expires_at, sizeof row->expires_at, "%s", col(q, 3));
			row->revoked = sqlite3_column_int(q, 4) != 0;
			snprintf(row->role, sizeof row->role, "%s", col(q, 5));
			row->disabled = sqlite3_column_int(q, 6) != 0;
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			status = 200;
		sqlite3_reset(q);
	}
	srv_db_reader_done(db_of(s), st);
	return status;
}

/* ---------------------------------------------------------------- login failures */

static int sq_rl_wait(struct srv_store *s, const char *ukey, const char *akey, long long now)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* auth */ SELECT max(locked_until) FROM login_fail WHERE key IN (?, ?)");
	long long until = 0;
	int rc = SQLITE_ERROR;

	if (q) {
		bind(q, 1, ukey);
		bind(q, 2, akey);
		if ((rc = sqlite3_step(q)) == SQLITE_ROW)
			until = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	srv_db_reader_done(db_of(s), st);
	if (rc != SQLITE_ROW)
		return -1;
	return until > now ? (int)(until - now) : 0;
}

/* Runs sql with key (?1), now (?2), max (?3) and SRV_RL_ROWS (?4) bound. */
static bool rl_exec(duban_store *st, const char *sql, const char *key, long long now, int max)
{
	sqlite3_stmt *q = prepare(st, sql);
	bool ok;

	if (!q)
		return false;
	bind(q, 1, key);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int(q, 3, max);
	sqlite3_bind_int(q, 4, SRV_RL_ROWS);
	ok = sqlite3_step(q) == SQLITE_DONE;
	sqlite3_reset(q);
	return ok;
}

/* One more failure for key; max failures within the window lock it for the
 * window.  A lock is never shortened. */
static void sq_rl_fail(struct srv_store *s, const char *key, int max, long long now)
{
	static const char *const bump =
		"/* auth */ UPDATE login_fail SET"
		" fails = CASE WHEN first_at + 900 <= ?2 AND locked_until <= ?2 THEN 1 ELSE fails + 1 END,"
		" first_at = CASE WHEN first_at + 900 <= ?2 AND locked_until <= ?2 THEN ?2 ELSE first_at END,"
		" locked_until = CASE WHEN (CASE WHEN first_at + 900 <= ?2 AND locked_until <= ?2 THEN 1"
		"   ELSE fails + 1 END) >= ?3 THEN max(locked_until, ?2 + 900) ELSE locked_until END,"
		" last_at = ?2 WHERE key = ?1";
	/* Room for a key that is not an account's: the least recently failed
	 * unlocked rows go; locked ones stay, and when only they are left the
	 * new key is not counted (its account, if any, is counted by name). */
	static const char *const evict =
		"/* auth */ DELETE FROM login_fail WHERE key IN (SELECT key FROM login_fail"
		" WHERE substr(key, 1, 2) != 'U:' AND locked_until <= ?2 ORDER BY last_at"
		" LIMIT max(0, (SELECT count(*) FROM login_fail WHERE substr(key, 1, 2) != 'U:') - ?4 + 1))"
		" AND substr(?1, 1, 2) != 'U:'";
	static const char *const insert =
		"/* auth */ INSERT INTO login_fail (key, fails, first_at, last_at, locked_until)"
		" SELECT ?1, 1, ?2, ?2, CASE WHEN ?3 <= 1 THEN ?2 + 900 ELSE 0 END"
		" WHERE substr(?1, 1, 2) = 'U:'"
		"  OR (SELECT count(*) FROM login_fail WHERE substr(key, 1, 2) != 'U:') < ?4";
	duban_store *st = srv_db_writer(db_of(s));
	bool ok = rl_exec(st, bump, key, now, max);

	if (ok && sqlite3_changes(duban_store_db(st)) == 0)
		ok = rl_exec(st, evict, key, now, max) && rl_exec(st, insert, key, now, max);
	if (!ok)
		srv_log("cannot count a failed login: %s", sqlite3_errmsg(duban_store_db(st)));
	srv_db_writer_done(db_of(s));
}

static void sq_rl_forget(struct srv_store *s, const char *key)
{
	duban_store *st = srv_db_writer(db_of(s));

	if (!rl_exec(st, "/* auth */ DELETE FROM login_fail WHERE key = ?1", key, 0, 0))
		srv_log("cannot reset the failed logins: %s", sqlite3_errmsg(duban_store_db(st)));
	srv_db_writer_done(db_of(s));
}

/* ---------------------------------------------------------------- listings */

static bool sq_user_rows(struct srv_store *s, const char *now,
			 void (*cb)(void *ctx, const char *name, const char *role, bool disabled, const char *counties,
				    int active_tokens),
			 void *ctx)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* admin */ SELECT u.name, u.role, u.disabled,"
				      " (SELECT group_concat(county, '、') FROM"
				      "   (SELECT county FROM user_county WHERE user = u.name ORDER BY county)),"
				      " (SELECT count(*) FROM token t WHERE t.user = u.name AND t.revoked = 0"
				      "   AND t.expires_at > ?)"
				      " FROM server_user u ORDER BY u.name");
	int rc = SQLITE_ERROR;

	if (q) {
		bind(q, 1, now);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			cb(ctx, col(q, 0), col(q, 1), sqlite3_column_int(q, 2) != 0, col(q, 3), sqlite3_column_int(q, 4));
		sqlite3_reset(q);
	}
	srv_db_reader_done(db_of(s), st);
	return rc == SQLITE_DONE;
}

static bool sq_token_rows(struct srv_store *s, const char *user,
			  void (*cb)(void *ctx, const char *id, const char *user, const char *device,
				     const char *created_at, const char *expires_at, bool revoked),
			  void *ctx)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* admin */ SELECT id, user, device, created_at, expires_at, revoked FROM token"
				      " WHERE ?1 IS NULL OR user = ?1 ORDER BY user, created_at");
	int rc = SQLITE_ERROR;

	if (q) {
		bind(q, 1, user);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			cb(ctx, col(q, 0), col(q, 1), col(q, 2), col(q, 3), col(q, 4), sqlite3_column_int(q, 5) != 0);
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	srv_db_reader_done(db_of(s), st);
	return rc == SQLITE_DONE;
}

/* ---------------------------------------------------------------- blobs */

/* Remembers the blob (size, first sender) and that this user sent its
 * bytes: whoever proves to hold the bytes may attach and read them. */
static bool sq_blob_record(struct srv_store *s, const char *sha256, long long size, const char *user)
{
	static const char *const sql[] = {
		"/* blobs */ INSERT OR IGNORE INTO blob (sha256, size, user, created_at) VALUES (?1, ?2, ?3, ?4)",
		"/* blobs */ INSERT OR IGNORE INTO blob_user (sha256, user, created_at) VALUES (?1, ?3, ?4)",
	};
	duban_store *st = srv_db_writer(db_of(s));
	char now[25];
	bool ok = true;

	duban_timestamp_now(now);
	for (size_t i = 0; ok && i < sizeof sql / sizeof sql[0]; i++) {
		sqlite3_stmt *q = prepare(st, sql[i]);
		if (!(ok = q != NULL))
			break;
		bind(q, 1, sha256);
		sqlite3_bind_int64(q, 2, size);
		bind(q, 3, user);
		bind(q, 4, now);
		ok = sqlite3_step(q) == SQLITE_DONE;
		sqlite3_reset(q);
	}
	if (!ok)
		srv_log("cannot record blob %s: %s", sha256, sqlite3_errmsg(duban_store_db(st)));
	srv_db_writer_done(db_of(s));
	return ok;
}

static int sq_blob_may_use(struct srv_store *s, const struct srv_user *u, const char *sha256)
{
	duban_store *st = srv_db_reader(db_of(s));
	int may = srv_blob_may_use(st, u, sha256);

	srv_db_reader_done(db_of(s), st);
	return may;
}

/* ---------------------------------------------------------------- the ledger */

static duban_store *sq_ledger(struct srv_store *s, bool write)
{
	return write ? srv_db_writer(db_of(s)) : srv_db_reader(db_of(s));
}

static bool sq_ledger_done(struct srv_store *s, duban_store *st, bool write)
{
	if (write)
		srv_db_writer_done(db_of(s));
	else
		srv_db_reader_done(db_of(s), st);
	return true;
}

/* ---------------------------------------------------------------- policies */

static enum duban_err sq_policy_put(struct srv_store *s, const char *key, const char *value, char *err, size_t errlen)
{
	duban_store *st = srv_db_writer(db_of(s));
	char now[25];
	bool ok = duban_store_begin(st) == DUBAN_OK;
	enum duban_err e;

	duban_timestamp_now(now);
	/* The triggers of the policy table log the change. */
	if (!value) {
		ok = ok && run(st, "/* policy */ DELETE FROM policy WHERE key = ?", key, NULL, NULL);
	} else if (ok) {
		sqlite3_stmt *q = prepare(st, "/* policy */ INSERT INTO policy (key, value, updated_at) VALUES (?, ?, ?)"
					      " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
					      " updated_at = excluded.updated_at WHERE value IS NOT excluded.value");
		if ((ok = q != NULL)) {
			bind(q, 1, key);
			bind(q, 2, value);
			bind(q, 3, now);
			ok = sqlite3_step(q) == SQLITE_DONE;
			sqlite3_reset(q);
			sqlite3_clear_bindings(q);
		}
	}
	e = finish(st, ok, err, errlen);
	srv_db_writer_done(db_of(s));
	return e;
}

static bool sq_policy_rows(struct srv_store *s,
			   void (*cb)(void *ctx, const char *key, const char *value, const char *updated_at), void *ctx)
{
	duban_store *st = srv_db_reader(db_of(s));
	sqlite3_stmt *q = prepare(st, "/* policy */ SELECT key, value, updated_at FROM policy ORDER BY key");
	int rc = SQLITE_ERROR;

	if (q) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			cb(ctx, col(q, 0), col(q, 1), col(q, 2));
		sqlite3_reset(q);
	}
	srv_db_reader_done(db_of(s), st);
	return rc == SQLITE_DONE;
}

static void sq_close(struct srv_store *s)
{
	srv_db_close(db_of(s));
}

static const struct srv_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.push = &srv_sqlite_push_ops,
	.pull = &srv_sqlite_pull_ops,
	.server_seq = sq_server_seq,
	.prune = sq_prune,
	.user_read = sq_user_read,
	.user_counties = sq_user_counties,
	.user_insert = sq_user_insert,
	.user_update = sq_user_update,
	.token_insert = sq_token_insert,
	.token_read = sq_token_read,
	.rl_wait = sq_rl_wait,
	.rl_fail = sq_rl_fail,
	.rl_forget = sq_rl_forget,
	.user_rows = sq_user_rows,
	.token_rows = sq_token_rows,
	.blob_record = sq_blob_record,
	.blob_may_use = sq_blob_may_use,
	.ledger = sq_ledger,
	.ledger_done = sq_ledger_done,
	.policy_put = sq_policy_put,
	.policy_rows = sq_policy_rows,
};

struct srv_store *srv_sqlite_wrap(srv_db *db)
{
	struct srv_store *s = xcalloc(1, sizeof *s);

	s->ops = &sqlite_ops;
	s->be = db;
	s->blob_dir = xasprintf("%s/blobs", srv_db_dir(db));
	s->where = xstrdup(srv_db_dir(db));
	return s;
}

struct srv_store *srv_sqlite_open(const char *dir, int readers, char *err, size_t errlen)
{
	srv_db *db = srv_db_open(dir, readers, err, errlen);

	return db ? srv_sqlite_wrap(db) : NULL;
}
