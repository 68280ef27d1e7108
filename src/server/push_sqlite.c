/* The SQLite backend's push primitives (store.h's srv_push_ops): the
 * writer connection under its mutex, one transaction per batch, the core
 * store's write paths for items and records.  Only store_sqlite.c uses
 * this file's table. */
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

struct srv_tx {
	srv_db *db;
	duban_store *st;
	sqlite3 *sql;
	const struct srv_user *u;
	const char *device;
	const char *err;  /* our own message, else the store's */
};

static const char *const record_exists_sql[] = {
	[SRV_NOTE] = "/* push */ SELECT 1 FROM note WHERE id = ?",
	[SRV_INSPECTION] = "/* push */ SELECT 1 FROM inspection WHERE id = ?",
	[SRV_ACTION] = "/* push */ SELECT 1 FROM action WHERE id = ?",
	[SRV_ATTACHMENT] = "/* push */ SELECT 1 FROM attachment WHERE id = ?",
	[SRV_NOTICE] = "/* push */ SELECT 1 FROM notice WHERE id = ?",
	[SRV_LINK] = "/* push */ SELECT 1 FROM link WHERE id = ?",
	[SRV_DISPATCH] = "/* push */ SELECT 1 FROM dispatch WHERE id = ?",
};

static void bind(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static sqlite3_stmt *stmt(struct srv_tx *tx, const char *sql)
{
	sqlite3_stmt *s = store_stmt_sql(tx->st, sql);

	if (!s)
		tx->err = NULL;
	return s;
}

static enum duban_err done(struct srv_tx *tx, sqlite3_stmt *s, int rc)
{
	sqlite3_reset(s);
	tx->err = NULL;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? DUBAN_OK : store_db_fail(tx->st, "push");
}

static struct srv_tx *sq_begin(struct srv_store *s, const struct srv_user *u, const char *device,
			       const char *const *item_ids, int nids)
{
	struct srv_tx *tx = xcalloc(1, sizeof *tx);

	(void)item_ids;
	(void)nids; /* one writer: nothing to lock row by row */
	tx->db = srv_sqlite_db(s);
	tx->st = srv_db_writer(tx->db);
	tx->sql = duban_store_db(tx->st);
	tx->u = u;
	tx->device = device;
	if (duban_store_begin(tx->st) != DUBAN_OK) {
		srv_log("push: %s", duban_store_errmsg(tx->st));
		srv_db_writer_done(tx->db);
		free(tx);
		return NULL;
	}
	return tx;
}

static long long sq_commit(struct srv_tx *tx)
{
	return duban_store_commit(tx->st) == DUBAN_OK ? 0 : -1;
}

static void sq_end(struct srv_tx *tx)
{
	srv_db_writer_done(tx->db); /* rolls back what is open */
	free(tx);
}

static bool sq_retryable(struct srv_tx *tx)
{
	(void)tx;
	return false;
}

static const char *sq_errmsg(struct srv_tx *tx)
{
	return tx->err ? tx->err : duban_store_errmsg(tx->st);
}

static int sq_op_claim(struct srv_tx *tx, const char *op_id, const char *kind, const long long *client_seq,
		       const char *now)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ INSERT INTO applied_op (op_id, user, device, client_seq, kind, answer,"
				   " created_at) VALUES (?, ?, ?, ?, ?, '', ?) ON CONFLICT (op_id) DO NOTHING");

	if (!s)
		return -1;
	bind(s, 1, op_id);
	bind(s, 2, tx->u->name);
	bind(s, 3, tx->device);
	if (client_seq)
		sqlite3_bind_int64(s, 4, *client_seq);
	else
		sqlite3_bind_null(s, 4);
	bind(s, 5, kind);
	bind(s, 6, now);
	if (done(tx, s, sqlite3_step(s)) != DUBAN_OK)
		return -1;
	return sqlite3_changes(tx->sql) > 0;
}

static enum duban_err sq_op_answer(struct srv_tx *tx, const char *op_id, char **answer, char user[64])
{
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT answer, user FROM applied_op WHERE op_id = ?");
	int rc;

	*answer = NULL;
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, op_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*answer = xstrdup((const char *)sqlite3_column_text(s, 0));
		snprintf(user, 64, "%s", (const char *)sqlite3_column_text(s, 1));
	}
	return done(tx, s, rc);
}

static enum duban_err sq_op_save(struct srv_tx *tx, const char *op_id, const char *answer)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ UPDATE applied_op SET answer = ? WHERE op_id = ?");

	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, answer);
	bind(s, 2, op_id);
	return done(tx, s, sqlite3_step(s));
}

static enum duban_err sq_seq_track(struct srv_tx *tx, long long seq, long long *last, bool *had)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT last_seq FROM device_seq WHERE user = ? AND device = ?");
	int rc;

	*had = false;
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, tx->u->name);
	bind(s, 2, tx->device);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*had = true;
		*last = sqlite3_column_int64(s, 0);
	}
	if (done(tx, s, rc) != DUBAN_OK)
		return DUBAN_ERR_DB;
	s = stmt(tx, "/* push */ INSERT INTO device_seq (user, device, last_seq) VALUES (?, ?, ?)"
		     " ON CONFLICT (user, device) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)");
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, tx->u->name);
	bind(s, 2, tx->device);
	sqlite3_bind_int64(s, 3, seq);
	return done(tx, s, sqlite3_step(s));
}

static enum duban_err exec(struct srv_tx *tx, const char *sql)
{
	tx->err = NULL;
	return sqlite3_exec(tx->sql, sql, NULL, NULL, NULL) == SQLITE_OK ? DUBAN_OK : store_db_fail(tx->st, sql);
}

static enum duban_err sq_op_begin(struct srv_tx *tx)
{
	duban_store_set_actor(tx->st, tx->u->name, tx->device, tx->u->role);
	return exec(tx, "SAVEPOINT op");
}

static enum duban_err sq_op_undo(struct srv_tx *tx)
{
	return exec(tx, "ROLLBACK TO op");
}

static enum duban_err sq_op_end(struct srv_tx *tx)
{
	return exec(tx, "RELEASE op");
}

static long long sq_op_version(struct srv_tx *tx)
{
	return srv_server_seq(tx->st);
}

static void sq_set_op(struct srv_tx *tx, const char *op_id, const char *recorded_at)
{
	duban_store_set_op(tx->st, op_id, recorded_at);
}

static enum duban_err sq_item_load(struct srv_tx *tx, const char *id, struct duban_item *item)
{
	enum duban_err err = duban_item_get(tx->st, id, item);

	tx->err = NULL;
	if (err == DUBAN_OK && strcmp(item->id, id) != 0)
		return DUBAN_ERR_NOT_FOUND;
	return err;
}

static enum duban_err sq_deleted_at(struct srv_tx *tx, const char *item_id, long long *seq, char **county)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT seq, county FROM change WHERE item_id = ? AND deleted = 1"
				   " ORDER BY seq DESC LIMIT 1");
	int rc;

	*seq = 0;
	*county = NULL;
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, item_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		*county = xstrdup((const char *)sqlite3_column_text(s, 1));
	}
	return done(tx, s, rc);
}

static int sq_holders(struct srv_tx *tx, const char *id, const char *code, bool (*cb)(void *ctx, const char *county),
		      void *ctx)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT county FROM item WHERE id = ?1 OR code = ?2"
				   " UNION ALL SELECT county FROM change WHERE item_id = ?1 AND deleted = 1");
	bool hit = false;
	int rc;

	if (!s)
		return -1;
	bind(s, 1, id);
	bind(s, 2, code);
	while (!hit && (rc = sqlite3_step(s)) == SQLITE_ROW)
		hit = cb(ctx, (const char *)sqlite3_column_text(s, 0));
	if (hit)
		rc = SQLITE_DONE;
	return done(tx, s, rc) != DUBAN_OK ? -1 : hit;
}

static enum duban_err sq_record_exists(struct srv_tx *tx, enum srv_record_kind kind, const char *id, bool *exists)
{
	sqlite3_stmt *s = stmt(tx, record_exists_sql[kind]);
	int rc;

	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, id);
	rc = sqlite3_step(s);
	*exists = rc == SQLITE_ROW;
	return done(tx, s, rc);
}

static int sq_blob_may_use(struct srv_tx *tx, const struct srv_user *u, const char *sha256)
{
	return srv_blob_may_use(tx->st, u, sha256);
}

static enum duban_err sq_item_insert(struct srv_tx *tx, struct duban_item *item)
{
	tx->err = NULL;
	return duban_item_insert(tx->st, item);
}

static enum duban_err sq_item_update(struct srv_tx *tx, struct duban_item *item, const char *reason)
{
	tx->err = NULL;
	return duban_item_update_ex(tx->st, item, NULL, false, reason);
}

static enum duban_err sq_item_status(struct srv_tx *tx, const char *item_id, enum duban_status to, const char *reason)
{
	tx->err = NULL;
	return duban_item_set_status(tx->st, item_id, to, reason);
}

static enum duban_err sq_item_delete(struct srv_tx *tx, const char *item_id)
{
	tx->err = NULL;
	return duban_item_delete(tx->st, item_id);
}

static enum duban_err sq_record_add(struct srv_tx *tx, enum srv_record_kind kind, union srv_record *r)
{
	tx->err = NULL;
	switch (kind) {
	case SRV_NOTE:
		return duban_note_add(tx->st, &r->note);
	case SRV_INSPECTION:
		return duban_inspection_add(tx->st, &r->inspection);
	case SRV_ACTION:
		return duban_action_add(tx->st, &r->action);
	case SRV_NOTICE:
		return duban_notice_add(tx->st, &r->notice);
	case SRV_LINK:
		return duban_link_add(tx->st, &r->link);
	case SRV_DISPATCH:
		return duban_dispatch_rec_add(tx->st, &r->dispatch);
	default:
		return duban_attachment_add(tx->st, &r->attachment);
	}
}

static enum duban_err sq_dispatches(struct srv_tx *tx, const char *item_id, struct duban_dispatch_rec **out,
				    size_t *n)
{
	tx->err = NULL;
	return duban_dispatch_recs_of(tx->st, item_id, out, n);
}

static enum duban_err sq_dispatch_round(struct srv_tx *tx, const char *name, char round_id[37], bool *found)
{
	tx->err = NULL;
	return duban_dispatch_round_id(tx->st, name, round_id, found);
}

static enum duban_err sq_attachment_item(struct srv_tx *tx, const char *id, char item_id[37], bool *found)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT item_id FROM attachment WHERE id = ?");
	int rc;

	*found = false;
	item_id[0] = '\0';
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(item_id, 37, "%s", (const char *)sqlite3_column_text(s, 0));
		*found = true;
	}
	return done(tx, s, rc);
}

static enum duban_err sq_notices(struct srv_tx *tx, const char *item_id, struct duban_notice **out, size_t *n)
{
	tx->err = NULL;
	return duban_notice_list(tx->st, item_id, out, n);
}

static enum duban_err sq_policy_get(struct srv_tx *tx, const char *key, char **value)
{
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT value FROM policy WHERE key = ?");
	int rc;

	*value = NULL;
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*value = xstrdup((const char *)sqlite3_column_text(s, 0));
	return done(tx, s, rc);
}

static enum duban_err sq_signoffs(struct srv_tx *tx, const char *item_id, struct duban_signoff_ref **refs, size_t *n)
{
	/* The client's count (duban_acceptance_progress): since the latest
	 * request, by the time each was made. */
	sqlite3_stmt *s = stmt(tx, "/* push */ SELECT level, passed FROM inspection WHERE item_id = ?1 AND level <> ''"
				   " AND created_at >= coalesce((SELECT max(created_at) FROM event WHERE item_id = ?1"
				   "  AND field = 'status' AND new_value = 'requested'), '')"
				   " ORDER BY created_at, rowid");
	size_t cap = 0;
	int rc;

	*refs = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	bind(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*refs = xrealloc(*refs, cap * sizeof **refs);
		}
		(*refs)[*n].level = xstrdup((const char *)sqlite3_column_text(s, 0));
		(*refs)[(*n)++].passed = sqlite3_column_int(s, 1) != 0;
	}
	return done(tx, s, rc);
}

static enum duban_err sq_evidence(struct srv_tx *tx, const char *item_id, unsigned *mask)
{
	tx->err = NULL;
	return duban_evidence_present(tx->st, item_id, mask);
}

const struct srv_push_ops srv_sqlite_push_ops = {
	.begin = sq_begin,
	.commit = sq_commit,
	.end = sq_end,
	.retryable = sq_retryable,
	.errmsg = sq_errmsg,
	.op_claim = sq_op_claim,
	.op_answer = sq_op_answer,
	.op_save = sq_op_save,
	.seq_track = sq_seq_track,
	.op_begin = sq_op_begin,
	.op_undo = sq_op_undo,
	.op_end = sq_op_end,
	.op_version = sq_op_version,
	.set_op = sq_set_op,
	.item_load = sq_item_load,
	.deleted_at = sq_deleted_at,
	.holders = sq_holders,
	.record_exists = sq_record_exists,
	.blob_may_use = sq_blob_may_use,
	.item_insert = sq_item_insert,
	.item_update = sq_item_update,
	.item_status = sq_item_status,
	.item_delete = sq_item_delete,
	.record_add = sq_record_add,
	.notices = sq_notices,
	.dispatches = sq_dispatches,
	.dispatch_round = sq_dispatch_round,
	.attachment_item = sq_attachment_item,
	.policy_get = sq_policy_get,
	.signoffs = sq_signoffs,
	.evidence = sq_evidence,
};
