/* duband copy --from sqlite:DIR --to postgresql://…: a whole server moved
 * from the SQLite store to the PostgreSQL one, table by table, in one
 * PostgreSQL transaction, with the counts compared at the end.  Change-log
 * positions, check tokens and event numbers are copied as they are, so
 * clients keep syncing without a reset.  The one file that knows both
 * backends (store_sqlite.h and store_pg.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "duban/json.h"
#include "duban/progress.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"
#include "store_internal.h"
#include "store_pg.h"
#include "store_sqlite.h"

/* One table: rows of the SQLite query inserted by the PostgreSQL statement
 * ($1… the columns as text, NULL kept). */
struct table {
	const char *name, *from, *to, *count_from, *count_to;
};

static const struct table tables[] = {
	{ "users", "SELECT name, role, password, disabled <> 0, created_at FROM server_user",
	  "INSERT INTO server_user (name, role, password, disabled, created_at) VALUES ($1, $2, $3, $4::boolean, $5)",
	  "SELECT count(*) FROM server_user", "SELECT count(*) FROM server_user" },
	{ "user counties", "SELECT user, county FROM user_county",
	  "INSERT INTO user_county (\"user\", county) VALUES ($1, $2)", "SELECT count(*) FROM user_county",
	  "SELECT count(*) FROM user_county" },
	{ "tokens", "SELECT id, hash, user, device, created_at, expires_at, revoked <> 0 FROM token",
	  "INSERT INTO token (id, hash, \"user\", device, created_at, expires_at, revoked)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7::boolean)", "SELECT count(*) FROM token", "SELECT count(*) FROM token" },
	{ "applied ops", "SELECT op_id, user, device, client_seq, kind, answer, created_at FROM applied_op",
	  "INSERT INTO applied_op (op_id, \"user\", device, client_seq, kind, answer, created_at)"
	  " VALUES ($1, $2, $3, $4::bigint, $5, $6, $7)", "SELECT count(*) FROM applied_op",
	  "SELECT count(*) FROM applied_op" },
	{ "device numbers", "SELECT user, device, last_seq FROM device_seq",
	  "INSERT INTO device_seq (\"user\", device, last_seq) VALUES ($1, $2, $3::bigint)",
	  "SELECT count(*) FROM device_seq", "SELECT count(*) FROM device_seq" },
	{ "blobs", "SELECT sha256, size, user, created_at FROM blob",
	  "INSERT INTO blob (sha256, size, \"user\", created_at) VALUES ($1, $2::bigint, $3, $4)",
	  "SELECT count(*) FROM blob", "SELECT count(*) FROM blob" },
	{ "blob senders", "SELECT sha256, user, created_at FROM blob_user",
	  "INSERT INTO blob_user (sha256, \"user\", created_at) VALUES ($1, $2, $3)", "SELECT count(*) FROM blob_user",
	  "SELECT count(*) FROM blob_user" },
	{ "login failures", "SELECT key, fails, first_at, last_at, locked_until FROM login_fail",
	  "INSERT INTO login_fail (key, fails, first_at, last_at, locked_until)"
	  " VALUES ($1, $2::int, $3::bigint, $4::bigint, $5::bigint)", "SELECT count(*) FROM login_fail",
	  "SELECT count(*) FROM login_fail" },
	{ "events", "SELECT seq, item_id, field, old_value, new_value, reason, author, device, created_at, received_at,"
		    " nullif(op_id, '') FROM event ORDER BY seq",
	  "INSERT INTO event (seq, item_id, field, old_value, new_value, reason, author, device, created_at,"
	  " received_at, op_id) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, ''), $11)",
	  "SELECT count(*) FROM event", "SELECT count(*) FROM event" },
	{ "change log", "SELECT seq, token, entity, entity_id, item_id, county, old_county, deleted <> 0, created_at"
			" FROM change ORDER BY seq",
	  "INSERT INTO change (seq, token, entity, entity_id, item_id, county, old_county, deleted, created_at)"
	  " VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8::boolean, $9)", "SELECT count(*) FROM change",
	  "SELECT count(*) FROM change" },
	{ "policies", "SELECT key, value, updated_at FROM policy",
	  "INSERT INTO policy (key, value, updated_at) VALUES ($1, $2, $3)", "SELECT count(*) FROM policy",
	  "SELECT count(*) FROM policy" },
	{ "meta", "SELECT key, value FROM meta WHERE key = 'change_pruned'",
	  "INSERT INTO meta (key, value) VALUES ($1, $2)", "SELECT count(*) FROM meta WHERE key = 'change_pruned'",
	  "SELECT count(*) FROM meta WHERE key = 'change_pruned'" },
};

/* Rows copied so far, for the progress line; Ctrl-C sets stopped. */
struct copy_progress {
	struct duban_progress *line;
	long long done;
	bool stopped;
};

/* One more row; false when Ctrl-C asked to stop (the transaction is then
 * rolled back, nothing is kept). */
static bool step_done(struct copy_progress *cp)
{
	if (duban_progress_update(cp->line, ++cp->done) != 0)
		cp->stopped = true;
	return !cp->stopped;
}

static bool copy_rows(sqlite3 *src, struct pg_conn *dst, const char *from, const char *to, struct copy_progress *cp,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(src, from, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading: %s", sqlite3_errmsg(src));
		return false;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int n = sqlite3_column_count(s);
		const char *params[16];
		for (int i = 0; i < n && i < 16; i++)
			params[i] = (const char *)sqlite3_column_text(s, i);
		if (!pg_run(dst, to, n, params)) {
			snprintf(err, errlen, "writing: %s", dst->err);
			sqlite3_finalize(s);
			return false;
		}
		if (!step_done(cp)) {
			sqlite3_finalize(s);
			return false;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "reading: %s", sqlite3_errmsg(src));
	return rc == SQLITE_DONE;
}

/* The record tables of the SQLite store, each a kind of PostgreSQL's
 * record table. */
static const char *const record_kinds[] = { "note", "inspection", "action", "attachment", "notice", "link", "dispatch" };

/* Items as their JSON documents, records as pull sends them (the SQLite
 * backend's own readers), in the order they were written. */
static bool copy_ledger(struct srv_store *from, struct pg_conn *dst, struct copy_progress *cp, char *err,
			size_t errlen)
{
	struct srv_rd *rd = from->ops->pull->begin(from);
	duban_store *st = srv_db_reader(srv_sqlite_db(from));
	sqlite3 *src = duban_store_db(st);
	sqlite3_stmt *s = NULL;
	bool ok = rd != NULL;

	if (ok && (ok = sqlite3_prepare_v2(src, "SELECT id FROM item ORDER BY rowid", -1, &s, NULL) == SQLITE_OK)) {
		while (ok && sqlite3_step(s) == SQLITE_ROW) {
			struct duban_item item;
			duban_item_init(&item);
			ok = from->ops->pull->item_get(rd, (const char *)sqlite3_column_text(s, 0), &item) == DUBAN_OK;
			if (ok) {
				cJSON *j = duban_item_to_json(&item);
				char *doc = cJSON_PrintUnformatted(j), v[24];
				snprintf(v, sizeof v, "%lld", item.version);
				const char *params[] = { item.id, item.code, item.county, v, doc };
				ok = pg_run(dst, "INSERT INTO item_doc (id, code, county, version, doc)"
						 " VALUES ($1, $2, $3, $4::bigint, $5)", 5, params);
				free(doc);
				cJSON_Delete(j);
			}
			duban_item_free(&item);
			ok = ok && step_done(cp);
		}
		sqlite3_finalize(s);
	}
	for (size_t k = 0; ok && k < sizeof record_kinds / sizeof record_kinds[0]; k++) {
		char *sql = xasprintf("SELECT id, item_id, created_at, %s FROM %s ORDER BY rowid",
				      strcmp(record_kinds[k], "attachment") == 0 ? "sha256" : "NULL", record_kinds[k]);
		ok = sqlite3_prepare_v2(src, sql, -1, &s, NULL) == SQLITE_OK;
		free(sql);
		while (ok && sqlite3_step(s) == SQLITE_ROW) {
			bool error = false;
			cJSON *j = from->ops->pull->record_json(rd, record_kinds[k], (const char *)sqlite3_column_text(s, 0),
								 &error);
			char *doc = j ? cJSON_PrintUnformatted(j) : NULL;
			const char *params[] = { record_kinds[k], (const char *)sqlite3_column_text(s, 0),
						 (const char *)sqlite3_column_text(s, 1), (const char *)sqlite3_column_text(s, 3),
						 (const char *)sqlite3_column_text(s, 2), doc };
			ok = doc && pg_run(dst, "INSERT INTO record (kind, id, item_id, sha256, created_at, doc)"
						" VALUES ($1, $2, $3, $4, $5, $6)", 6, params);
			free(doc);
			cJSON_Delete(j);
			ok = ok && step_done(cp);
		}
		if (s)
			sqlite3_finalize(s);
		s = NULL;
	}
	if (!ok && !cp->stopped)
		snprintf(err, errlen, "copying the ledger: %s", dst->err[0] ? dst->err : sqlite3_errmsg(src));
	srv_db_reader_done(srv_sqlite_db(from), st);
	if (rd)
		from->ops->pull->end(rd);
	return ok;
}

static long long sqlite_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static long long pg_count(struct pg_conn *c, const char *sql)
{
	PGresult *r = pg_exec(c, sql, 0, NULL);
	long long n = r && PQntuples(r) > 0 ? atoll(PQgetvalue(r, 0, 0)) : -1;

	PQclear(r);
	return n;
}

/* Records of every kind in the SQLite store (-1 on error). */
static long long sqlite_records(sqlite3 *db)
{
	long long total = 0;

	for (size_t k = 0; k < sizeof record_kinds / sizeof record_kinds[0]; k++) {
		char *sql = xasprintf("SELECT count(*) FROM %s", record_kinds[k]);
		long long n = sqlite_count(db, sql);
		free(sql);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

/* Both sides' counts, printed; false when one differs. */
static bool check_counts(sqlite3 *src, struct pg_conn *dst, FILE *out)
{
	static const struct { const char *name, *from, *to; } ledger[] = {
		{ "items", "SELECT count(*) FROM item", "SELECT count(*) FROM item_doc" },
		{ "last position", "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change'), 0)",
		  "SELECT last FROM change_seq" },
	};
	long long records = sqlite_records(src), pg_records = pg_count(dst, "SELECT count(*) FROM record");
	bool same = records == pg_records && records >= 0;

	fprintf(out, "%-16s %10lld %10lld%s\n", "records", records, pg_records, same ? "" : "  DIFFERENT");
	for (size_t i = 0; i < sizeof ledger / sizeof ledger[0]; i++) {
		long long a = sqlite_count(src, ledger[i].from), b = pg_count(dst, ledger[i].to);
		fprintf(out, "%-16s %10lld %10lld%s\n", ledger[i].name, a, b, a == b ? "" : "  DIFFERENT");
		same = same && a == b && a >= 0;
	}
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		long long a = sqlite_count(src, tables[i].count_from), b = pg_count(dst, tables[i].count_to);
		fprintf(out, "%-16s %10lld %10lld%s\n", tables[i].name, a, b, a == b ? "" : "  DIFFERENT");
		same = same && a == b && a >= 0;
	}
	return same;
}

/* Every row the copy will write, for the progress line's total. */
static long long rows_to_copy(sqlite3 *src)
{
	long long total = sqlite_count(src, "SELECT count(*) FROM item") + sqlite_records(src);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		total += sqlite_count(src, tables[i].count_from);
	return total;
}

int srv_copy(struct srv_store *from, struct srv_store *to, FILE *out, struct duban_progress *line, char *err,
	     size_t errlen)
{
	struct copy_progress cp = { .line = line };
	duban_store *st;
	sqlite3 *src;
	struct pg_conn *dst;
	bool ok;

	if (strcmp(from->ops->name, "sqlite") != 0 || strcmp(to->ops->name, "postgresql") != 0) {
		snprintf(err, errlen, "copy moves a SQLite store (--from sqlite:DIR) to a PostgreSQL one (--to URL)");
		return 2;
	}
	dst = pg_get(to);
	if (pg_count(dst, "SELECT (SELECT count(*) FROM item_doc) + (SELECT count(*) FROM server_user)"
			  " + (SELECT count(*) FROM change)") != 0) {
		snprintf(err, errlen, "the PostgreSQL database is not empty: copy writes into a new one only");
		pg_put(to, dst);
		return 1;
	}
	/* The source's writer is held: nothing changes it while it is copied. */
	st = srv_db_writer(srv_sqlite_db(from));
	src = duban_store_db(st);
	duban_progress_set_total(line, rows_to_copy(src));
	ok = pg_run(dst, "BEGIN", 0, NULL);
	if (!ok)
		snprintf(err, errlen, "%s", dst->err);
	if (ok)
		ok = copy_ledger(from, dst, &cp, err, errlen);
	for (size_t i = 0; ok && i < sizeof tables / sizeof tables[0]; i++) {
		ok = copy_rows(src, dst, tables[i].from, tables[i].to, &cp, err, errlen);
		if (!ok && !cp.stopped) {
			char what[512];
			snprintf(what, sizeof what, "%s", err);
			snprintf(err, errlen, "%s: %s", tables[i].name, what);
		}
	}
	/* The sequences go on from the copied numbers: events by id, the log
	 * from the last position SQLite gave out (pruned or not). */
	if (ok && !(ok = pg_run(dst, "SELECT setval(pg_get_serial_sequence('event', 'seq'),"
				     " greatest((SELECT max(seq) FROM event), 1))", 0, NULL)))
		snprintf(err, errlen, "%s", dst->err);
	if (ok) {
		char last[24];
		const char *params[] = { last };
		snprintf(last, sizeof last, "%lld", srv_server_seq(st));
		if (!(ok = pg_run(dst, "UPDATE change_seq SET last = $1::bigint", 1, params)))
			snprintf(err, errlen, "%s", dst->err);
	}
	if (ok) {
		duban_progress_end(line);
		line = NULL;
		fprintf(out, "%-16s %10s %10s\n", "", "sqlite", "postgresql");
		if (!check_counts(src, dst, out)) {
			snprintf(err, errlen, "the counts differ: nothing was kept");
			ok = false;
		}
	}
	if (ok && !(ok = pg_run(dst, "COMMIT", 0, NULL)))
		snprintf(err, errlen, "%s", dst->err);
	duban_progress_end(line);
	srv_db_writer_done(srv_sqlite_db(from));
	pg_put(to, dst); /* rolls back what failed */
	if (cp.stopped)
		snprintf(err, errlen, "interrupted: nothing was written");
	return ok ? 0 : cp.stopped ? 3 : 1;
}
