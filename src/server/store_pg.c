/* The PostgreSQL backend's table of store operations: the connection pool,
 * the schema and its migrations, accounts, login failures, blob rows, the
 * change log's sequencer and pruning.  See store_pg.h for the schema and
 * the cursor's design; push_pg.c and pull_pg.c hold the ledger's reads and
 * writes. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "duban/model.h"
#include "duban/sync_store.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"
#include "store_pg.h"

/* pg_advisory_xact_lock keys: one instance migrates, one prunes. */
#define LOCK_MIGRATE "727431001"
#define LOCK_PRUNE "727431002"

/* Now as the ledger writes times, by the database's clock. */
#define SQL_NOW "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char *const pg_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE item_doc (id text PRIMARY KEY, code text NOT NULL UNIQUE, county text NOT NULL,"
	" version bigint NOT NULL DEFAULT 0, doc text NOT NULL);"
	"CREATE TABLE record (kind text NOT NULL, id text NOT NULL,"
	" item_id text NOT NULL REFERENCES item_doc (id) ON DELETE CASCADE, sha256 text, created_at text NOT NULL,"
	" doc text NOT NULL, ord bigserial, PRIMARY KEY (kind, id));"
	"CREATE INDEX record_item ON record (item_id);"
	"CREATE INDEX record_sha256 ON record (sha256) WHERE sha256 IS NOT NULL;"
	"CREATE TABLE event (seq bigserial PRIMARY KEY, item_id text NOT NULL, field text NOT NULL,"
	" old_value text, new_value text, reason text NOT NULL, author text NOT NULL, device text NOT NULL,"
	" created_at text NOT NULL, received_at text NOT NULL, op_id text);"
	"CREATE INDEX event_item ON event (item_id, field);"
	"CREATE TABLE change (ord bigserial PRIMARY KEY, seq bigint UNIQUE, token text NOT NULL,"
	" entity text NOT NULL, entity_id text NOT NULL, item_id text NOT NULL, county text NOT NULL,"
	" old_county text NOT NULL, deleted boolean NOT NULL DEFAULT false, created_at text NOT NULL);"
	"CREATE INDEX change_unnumbered ON change (ord) WHERE seq IS NULL;"
	"CREATE INDEX change_item ON change (item_id, deleted);"
	"CREATE INDEX change_entity ON change (entity_id, seq);"
	"CREATE INDEX change_created ON change (created_at);"
	/* Only for DUBAND_TEST_NAIVE_CURSOR (see pg_log_change). */
	"CREATE SEQUENCE change_naive_seq;"
	"CREATE TABLE change_seq (one boolean PRIMARY KEY DEFAULT true CHECK (one), last bigint NOT NULL);"
	"INSERT INTO change_seq (one, last) VALUES (true, 0);"
	"CREATE TABLE server_user (name text PRIMARY KEY, role text NOT NULL, password text NOT NULL,"
	" disabled boolean NOT NULL DEFAULT false, created_at text NOT NULL);"
	"CREATE TABLE user_county (\"user\" text NOT NULL REFERENCES server_user (name) ON DELETE CASCADE,"
	" county text NOT NULL, PRIMARY KEY (\"user\", county));"
	"CREATE TABLE token (id text PRIMARY KEY, hash text NOT NULL UNIQUE, \"user\" text NOT NULL,"
	" device text NOT NULL, created_at text NOT NULL, expires_at text NOT NULL,"
	" revoked boolean NOT NULL DEFAULT false);"
	"CREATE INDEX token_user ON token (\"user\");"
	"CREATE TABLE applied_op (op_id text PRIMARY KEY, \"user\" text NOT NULL, device text NOT NULL,"
	" client_seq bigint, kind text NOT NULL, answer text NOT NULL, created_at text NOT NULL);"
	"CREATE TABLE device_seq (\"user\" text NOT NULL, device text NOT NULL, last_seq bigint NOT NULL,"
	" PRIMARY KEY (\"user\", device));"
	"CREATE TABLE blob (sha256 text PRIMARY KEY, size bigint NOT NULL, \"user\" text NOT NULL,"
	" created_at text NOT NULL);"
	"CREATE TABLE blob_user (sha256 text NOT NULL, \"user\" text NOT NULL, created_at text NOT NULL,"
	" PRIMARY KEY (sha256, \"user\"));"
	"CREATE TABLE login_fail (key text PRIMARY KEY, fails integer NOT NULL, first_at bigint NOT NULL,"
	" last_at bigint NOT NULL, locked_until bigint NOT NULL DEFAULT 0);"
	"CREATE INDEX login_fail_last ON login_fail (locked_until, last_at);",
	/* 2 -> 3 (after the views): the office's close-out policies (duband
	 * policy); each change is logged as entity "policy" by the command. */
	"CREATE TABLE policy (key text PRIMARY KEY, value text NOT NULL, updated_at text NOT NULL);",
	/* 3 -> 4: the public notice's records in the shape of the SQLite table, for
	 * reports and the tests that count rows on either backend. */
	"CREATE VIEW notice AS SELECT id, item_id, doc::jsonb->>'kind' AS kind, doc::jsonb->>'date' AS date,"
	" doc::jsonb->>'end' AS end_date, doc::jsonb->>'place' AS place, doc::jsonb->>'contact' AS contact,"
	" doc::jsonb->>'from' AS person, doc::jsonb->>'text' AS text, doc::jsonb->>'objection_id' AS objection_id,"
	" CASE WHEN (doc::jsonb->>'upheld')::boolean THEN 1 ELSE 0 END AS upheld, doc::jsonb->>'author' AS author,"
	" created_at, doc::jsonb->>'received_at' AS received_at FROM record WHERE kind = 'notice';",
	/* 4 -> 5: links (举一反三) are records of kind 'link'; who links to an
	 * item is found by the other end.  (Step 2 rebuilt the item view with
	 * every field of the table, transferred_on and feedback_on included; a
	 * database made since has the link view from step 1.) */
	"CREATE INDEX IF NOT EXISTS record_link_other ON record ((doc::jsonb->>'other_id')) WHERE kind = 'link';"
	"CREATE OR REPLACE VIEW link AS SELECT id, item_id, doc::jsonb->>'other_id' AS other_id,"
	" doc::jsonb->>'kind' AS kind, doc::jsonb->>'why' AS why, doc::jsonb->>'author' AS author,"
	" created_at, doc::jsonb->>'received_at' AS received_at FROM record WHERE kind = 'link';",
	/* 调度 rounds (duban/dispatch.h) are records of kind 'dispatch'; a
	 * round is found by its name (push's check that no other round holds
	 * it), and the view has the SQLite table's shape. */
	"CREATE INDEX IF NOT EXISTS record_dispatch_name ON record ((doc::jsonb->>'name')) WHERE kind = 'dispatch';"
	"CREATE OR REPLACE VIEW dispatch AS SELECT id, item_id, doc::jsonb->>'kind' AS kind,"
	" doc::jsonb->>'round_id' AS round_id, doc::jsonb->>'name' AS name, doc::jsonb->>'title' AS title,"
	" doc::jsonb->>'filters' AS filters, doc::jsonb->>'due' AS due, doc::jsonb->>'date' AS date,"
	" (doc::jsonb->>'progress')::integer AS progress, doc::jsonb->>'text' AS text,"
	" doc::jsonb->>'attachment_id' AS attachment_id, doc::jsonb->>'author' AS author,"
	" created_at, doc::jsonb->>'received_at' AS received_at FROM record WHERE kind = 'dispatch';",
};
#define PG_SCHEMA_VERSION ((int)(sizeof pg_migrations / sizeof pg_migrations[0]) + 1)

/* 1 -> 2: the ledger in the shapes of the SQLite tables (item, note,
 * inspection, action, attachment) as views over the JSON documents, for
 * reports and for the tests that count rows on either backend.  Built from
 * the field table: a later change of fields appends a step that replaces
 * the item view. */
static void item_view(struct duban_buf *b, bool replace)
{
	duban_buf_puts(b, replace ? "CREATE OR REPLACE VIEW" : "CREATE VIEW");
	duban_buf_puts(b, " item AS SELECT id, version, doc::jsonb->>'created_at' AS created_at,"
			  " doc::jsonb->>'updated_at' AS updated_at");
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		switch (f->type) {
		case DUBAN_FT_INT:
			duban_buf_printf(b, ", (doc::jsonb->>'%s')::bigint AS \"%s\"", f->name, f->name);
			break;
		case DUBAN_FT_DOUBLE:
			duban_buf_printf(b, ", (doc::jsonb->>'%s')::float8 AS \"%s\"", f->name, f->name);
			break;
		case DUBAN_FT_BOOL:
			duban_buf_printf(b, ", CASE WHEN (doc::jsonb->>'%s')::boolean THEN 1 ELSE 0 END AS \"%s\"",
					 f->name, f->name);
			break;
		default:
			duban_buf_printf(b, ", doc::jsonb->>'%s' AS \"%s\"", f->name, f->name);
		}
	}
	duban_buf_puts(b, " FROM item_doc;");
}

static char *views_sql(void)
{
	struct duban_buf b;

	duban_buf_init(&b);
	item_view(&b, false);
	duban_buf_puts(&b, ""
			   "CREATE VIEW note AS SELECT id, item_id, doc::jsonb->>'author' AS author,"
			   " doc::jsonb->>'text' AS text, created_at, doc::jsonb->>'received_at' AS received_at"
			   " FROM record WHERE kind = 'note';"
			   "CREATE VIEW inspection AS SELECT id, item_id, doc::jsonb->>'date' AS date,"
			   " doc::jsonb->>'level' AS level, doc::jsonb->>'inspectors' AS inspectors,"
			   " doc::jsonb->>'place' AS place, doc::jsonb->>'findings' AS findings,"
			   " CASE WHEN (doc::jsonb->>'passed')::boolean THEN 1 ELSE 0 END AS passed,"
			   " doc::jsonb->>'author' AS author, created_at, doc::jsonb->>'received_at' AS received_at,"
			   " coalesce(doc::jsonb->>'criteria', '') AS criteria"
			   " FROM record WHERE kind = 'inspection';"
			   "CREATE VIEW action AS SELECT id, item_id, doc::jsonb->>'kind' AS kind, doc::jsonb->>'date' AS date,"
			   " doc::jsonb->>'due' AS due, doc::jsonb->>'text' AS text, doc::jsonb->>'author' AS author,"
			   " created_at, doc::jsonb->>'received_at' AS received_at FROM record WHERE kind = 'action';"
			   "CREATE VIEW attachment AS SELECT id, item_id, doc::jsonb->>'inspection_id' AS inspection_id,"
			   " sha256, doc::jsonb->>'name' AS name, doc::jsonb->>'mime' AS mime,"
			   " (doc::jsonb->>'size')::bigint AS size, doc::jsonb->>'author' AS author, created_at,"
			   " doc::jsonb->>'received_at' AS received_at, coalesce(doc::jsonb->>'kind', 'other') AS kind"
			   " FROM record WHERE kind = 'attachment';"
			   "CREATE VIEW link AS SELECT id, item_id, doc::jsonb->>'other_id' AS other_id,"
			   " doc::jsonb->>'kind' AS kind, doc::jsonb->>'why' AS why, doc::jsonb->>'author' AS author,"
			   " created_at, doc::jsonb->>'received_at' AS received_at FROM record WHERE kind = 'link';");
	return duban_buf_steal(&b);
}

/* Step 1 is the views (built from the field table); the array's later
 * entries are steps 2, 3, ... */
static char *migration_sql(int step)
{
	if (step == 1)
		return views_sql();
	if (step == 2) {
		/* The policy table, and the item view with the field
		 * acceptance_levels (appended, so the view can be replaced). */
		struct duban_buf b;
		duban_buf_init(&b);
		duban_buf_puts(&b, pg_migrations[1]);
		item_view(&b, true);
		return duban_buf_steal(&b);
	}
	return xstrdup(pg_migrations[step == 0 ? 0 : step - 1]);
}

static struct pg_store *pg_of(struct srv_store *s)
{
	return s->be;
}

/* ---------------------------------------------------------------- statements */

static void note_error(struct pg_conn *c, PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : NULL;

	if (!msg || !*msg)
		msg = PQerrorMessage(c->c);
	snprintf(c->err, sizeof c->err, "%s", msg);
	c->err[strcspn(c->err, "\n")] = '\0';
	/* No SQLSTATE, or the connection went: a failover or a restart. */
	snprintf(c->state, sizeof c->state, "%s",
		 PQstatus(c->c) == CONNECTION_BAD || !state ? "08006" : state);
}

PGresult *pg_exec(struct pg_conn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(c->c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	note_error(c, r);
	PQclear(r);
	return NULL;
}

bool pg_run(struct pg_conn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r = pg_exec(c, sql, n, params);

	PQclear(r);
	return r != NULL;
}

long long pg_rows(PGresult *r)
{
	const char *t = PQcmdTuples(r);

	return t && *t ? atoll(t) : 0;
}

bool pg_retryable(const struct pg_conn *c)
{
	/* 40001 serialization failure, 40P01 deadlock, 23505 a unique key a
	 * concurrent transaction took first (the retry sees its row), 08xxx the
	 * connection; 57P01 the server shut down (failover). */
	return strcmp(c->state, "40001") == 0 || strcmp(c->state, "40P01") == 0 || strcmp(c->state, "23505") == 0 ||
	       strncmp(c->state, "08", 2) == 0 || strcmp(c->state, "57P01") == 0;
}

/* A one-value query: the text of row 0, column 0 (malloc'd), NULL when
 * there is no row; *ok false on an error. */
static char *pg_value(struct pg_conn *c, const char *sql, int n, const char *const *params, bool *ok)
{
	PGresult *r = pg_exec(c, sql, n, params);
	char *v = NULL;

	*ok = r != NULL;
	if (r && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* ---------------------------------------------------------------- the pool */

struct pg_conn *pg_get(struct srv_store *s)
{
	struct pg_store *p = pg_of(s);
	struct pg_conn *c = NULL;

	pthread_mutex_lock(&p->lock);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cond, &p->lock);
	for (int i = 0; i < p->nconns; i++) {
		if (!p->conns[i].busy) {
			c = &p->conns[i];
			c->busy = true;
			p->nfree--;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	c->err[0] = c->state[0] = '\0';
	if (PQstatus(c->c) != CONNECTION_OK) {
		PQreset(c->c);
		if (PQstatus(c->c) != CONNECTION_OK)
			srv_log("postgresql: reconnecting: %s", PQerrorMessage(c->c));
	}
	return c;
}

void pg_put(struct srv_store *s, struct pg_conn *c)
{
	struct pg_store *p = pg_of(s);

	if (!c)
		return;
	/* A transaction left open by a failed caller ends here. */
	if (PQstatus(c->c) == CONNECTION_OK && PQtransactionStatus(c->c) != PQTRANS_IDLE)
		PQclear(PQexec(c->c, "ROLLBACK"));
	pthread_mutex_lock(&p->lock);
	c->busy = false;
	p->nfree++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* ---------------------------------------------------------------- schema */

static bool migrate(struct pg_conn *c, char *err, size_t errlen)
{
	bool ok;
	char *v;
	int have;

	if (!pg_run(c, "BEGIN", 0, NULL) || !pg_run(c, "SELECT pg_advisory_xact_lock(" LOCK_MIGRATE ")", 0, NULL) ||
	    !pg_run(c, "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)", 0, NULL))
		goto fail;
	v = pg_value(c, "SELECT value FROM meta WHERE key = 'server_schema'", 0, NULL, &ok);
	if (!ok)
		goto fail;
	have = v ? atoi(v) : 0;
	free(v);
	if (have > PG_SCHEMA_VERSION) {
		pg_run(c, "ROLLBACK", 0, NULL);
		snprintf(err, errlen, "the database has server schema %d, this duband knows %d: upgrade duband", have,
			 PG_SCHEMA_VERSION);
		return false;
	}
	for (; have < PG_SCHEMA_VERSION; have++) {
		char n[16];
		const char *params[] = { n };

		snprintf(n, sizeof n, "%d", have + 1);
		/* A multi-statement string runs through the simple protocol. */
		char *sql = migration_sql(have);
		PGresult *r = PQexec(c->c, sql);
		free(sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			note_error(c, r);
			PQclear(r);
			goto fail;
		}
		PQclear(r);
		if (!pg_run(c, "INSERT INTO meta (key, value) VALUES ('server_schema', $1)"
			       " ON CONFLICT (key) DO UPDATE SET value = excluded.value", 1, params))
			goto fail;
	}
	if (pg_run(c, "COMMIT", 0, NULL))
		return true;
fail:
	snprintf(err, errlen, "migrating the server schema: %s", c->err);
	PQclear(PQexec(c->c, "ROLLBACK"));
	return false;
}

/* ---------------------------------------------------------------- the change log */

/* Test switches, read once at open: DUBAND_TEST_NAIVE_CURSOR=1 numbers
 * change rows when they are inserted, as a bigserial would (the design the
 * sequencer replaces: tests/pg/t_cursor.sh shows a client missing changes
 * with it), and DUBAND_TEST_COMMIT_DELAY_MS=N waits a random 0..N ms before
 * a push numbers and commits, so that many transactions overlap. */
static bool naive_cursor;
static int commit_delay_ms;

void pg_test_delay(void)
{
	if (commit_delay_ms <= 0)
		return;
	struct timespec ts = { 0, (long)(random() % (commit_delay_ms + 1)) * 1000000L };
	nanosleep(&ts, NULL);
}

bool pg_log_change(struct pg_conn *c, const char *entity, const char *entity_id, const char *item_id,
		   const char *county, const char *old_county, bool deleted)
{
	const char *params[] = { entity, entity_id, item_id, county, old_county, deleted ? "t" : "f" };

	if (naive_cursor)
		return pg_run(c, "INSERT INTO change (seq, token, entity, entity_id, item_id, county, old_county, deleted,"
				 " created_at) VALUES (nextval('change_naive_seq'),"
				 " substr(md5(random()::text || clock_timestamp()::text), 1, 12), $1, $2, $3, $4, $5, $6, "
				 SQL_NOW ")", 6, params);
	return pg_run(c, "INSERT INTO change (token, entity, entity_id, item_id, county, old_county, deleted, created_at)"
			 " VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 12), $1, $2, $3, $4, $5, $6, "
			 SQL_NOW ")", 6, params);
}

bool pg_number_changes(struct pg_conn *c, long long *base)
{
	char n[24], b[24];
	const char *params[] = { n };
	const char *bp[] = { b };
	bool ok = true;
	char *v = naive_cursor ? NULL : pg_value(c, "SELECT count(*) FROM change WHERE seq IS NULL", 0, NULL, &ok);

	*base = 0;
	if (naive_cursor) /* numbered at insert: only the highest is noted */
		return pg_run(c, "UPDATE change_seq SET last = greatest(last, (SELECT coalesce(max(seq), 0) FROM change))",
			      0, NULL);
	if (!ok)
		return false;
	snprintf(n, sizeof n, "%s", v ? v : "0");
	free(v);
	if (strcmp(n, "0") == 0)
		return true;
	/* The sequencer's row lock is held to the commit: whoever numbers next
	 * waits, and its numbers follow ours in commit order. */
	v = pg_value(c, "UPDATE change_seq SET last = last + $1::bigint RETURNING last - $1::bigint", 1, params, &ok);
	if (!ok || !v) {
		free(v);
		return false;
	}
	*base = atoll(v);
	snprintf(b, sizeof b, "%s", v);
	free(v);
	return pg_run(c, "UPDATE change AS c SET seq = $1::bigint + n.r FROM (SELECT ord, row_number() OVER"
			 " (ORDER BY ord) AS r FROM change WHERE seq IS NULL) AS n WHERE c.ord = n.ord", 1, bp) &&
	       pg_run(c, "UPDATE item_doc AS i SET version = v.seq FROM (SELECT entity_id, max(seq) AS seq FROM change"
			 " WHERE seq > $1::bigint AND entity = 'item' AND NOT deleted GROUP BY entity_id) AS v"
			 " WHERE i.id = v.entity_id", 1, bp);
}

static long long pg_server_seq(struct srv_store *s)
{
	struct pg_conn *c = pg_get(s);
	bool ok;
	char *v = pg_value(c, "SELECT last FROM change_seq", 0, NULL, &ok);
	long long seq = ok && v ? atoll(v) : -1;

	if (!ok)
		srv_log("postgresql: %s", c->err);
	free(v);
	pg_put(s, c);
	return seq;
}

/* srv_prune_changes' rule (see srv_store.c), by one instance at a time. */
static long long pg_prune(struct srv_store *s, int days)
{
	struct pg_conn *c;
	char d[16];
	const char *params[] = { d };
	char *v = NULL;
	bool ok;

	if (days <= 0)
		return 0;
	snprintf(d, sizeof d, "%d", days);
	c = pg_get(s);
	ok = pg_run(c, "BEGIN", 0, NULL) && pg_run(c, "SELECT pg_advisory_xact_lock(" LOCK_PRUNE ")", 0, NULL);
	if (ok)
		v = pg_value(c,
			     "WITH del AS (DELETE FROM change WHERE seq IS NOT NULL AND created_at < to_char((now()"
			     "  AT TIME ZONE 'UTC') - make_interval(days => $1::int), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
			     " AND NOT (EXISTS (SELECT 1 FROM item_doc WHERE item_doc.id = change.item_id) AND ("
			     "  (change.entity = 'item' AND change.seq = (SELECT max(c.seq) FROM change c"
			     "    WHERE c.entity_id = change.entity_id AND c.entity = 'item' AND (c.county IS DISTINCT FROM"
			     "    c.old_county OR c.seq = (SELECT min(m.seq) FROM change m WHERE m.entity_id = change.entity_id"
			     "    AND m.entity = 'item'))))"
			     "  OR (change.entity <> 'item' AND change.seq = (SELECT max(c.seq) FROM change c"
			     "    WHERE c.entity_id = change.entity_id AND c.entity = change.entity)))"
			     " OR (change.entity = 'policy' AND change.seq = (SELECT max(c.seq) FROM change c"
			     "    WHERE c.entity_id = change.entity_id AND c.entity = 'policy'))) RETURNING seq),"
			     " up AS (INSERT INTO meta (key, value) SELECT 'change_pruned', max(seq)::text FROM del"
			     "  HAVING max(seq) IS NOT NULL ON CONFLICT (key) DO UPDATE"
			     "  SET value = greatest(meta.value::bigint, excluded.value::bigint)::text RETURNING 1)"
			     " SELECT count(*) FROM del",
			     1, params, &ok);
	ok = ok && pg_run(c, "COMMIT", 0, NULL);
	if (!ok)
		srv_log("postgresql: pruning: %s", c->err);
	long long n = ok && v ? atoll(v) : -1;
	free(v);
	pg_put(s, c);
	return n;
}

/* ---------------------------------------------------------------- accounts */

static int pg_user_read(struct srv_store *s, const char *name, struct srv_user_row *row)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { name };
	PGresult *r = pg_exec(c, "SELECT role, password, disabled FROM server_user WHERE name = $1", 1, params);
	int status = r ? 200 : 500;

	if (r && PQntuples(r) > 0) {
		row->found = true;
		snprintf(row->role, sizeof row->role, "%s", PQgetvalue(r, 0, 0));
		row->hash = xstrdup(PQgetvalue(r, 0, 1));
		row->disabled = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	}
	if (!r)
		srv_log("postgresql: %s", c->err);
	PQclear(r);
	pg_put(s, c);
	return status;
}

static bool pg_user_counties(struct srv_store *s, const char *name, struct srv_user *u)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { name };
	PGresult *r = pg_exec(c, "SELECT county FROM user_county WHERE \"user\" = $1 ORDER BY county", 1, params);

	for (int i = 0; r && i < PQntuples(r); i++) {
		u->counties = xrealloc(u->counties, (size_t)(u->ncounties + 1) * sizeof *u->counties);
		u->counties[u->ncounties++] = xstrdup(PQgetvalue(r, i, 0));
	}
	if (!r)
		srv_log("postgresql: %s", c->err);
	PQclear(r);
	pg_put(s, c);
	return r != NULL;
}

static enum duban_err finish(struct pg_conn *c, bool ok, char *err, size_t errlen)
{
	if (ok && pg_run(c, "COMMIT", 0, NULL))
		return DUBAN_OK;
	snprintf(err, errlen, "database error: %s", c->err);
	return DUBAN_ERR_DB;
}

static enum duban_err pg_user_insert(struct srv_store *s, const char *name, const char *role, const char *hash,
				     const char *const *counties, int ncounties, char *err, size_t errlen)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { name, role, hash };
	bool ok = pg_run(c, "BEGIN", 0, NULL) &&
		  pg_run(c, "INSERT INTO server_user (name, role, password, disabled, created_at)"
			    " VALUES ($1, $2, $3, false, " SQL_NOW ")", 3, params);
	enum duban_err e;

	for (int i = 0; ok && i < ncounties; i++) {
		const char *cp[] = { name, counties[i] };
		ok = pg_run(c, "INSERT INTO user_county (\"user\", county) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, cp);
	}
	e = finish(c, ok, err, errlen);
	pg_put(s, c);
	return e;
}

static bool run_counted(struct pg_conn *c, const char *sql, int n, const char *const *params, int *changes)
{
	PGresult *r = pg_exec(c, sql, n, params);

	if (r && changes)
		*changes = (int)pg_rows(r);
	PQclear(r);
	return r != NULL;
}

static enum duban_err pg_user_update(struct srv_store *s, int what, const char *a, const char *b, int *changes,
				     char *err, size_t errlen)
{
	static const char revoke_all[] = "UPDATE token SET revoked = true WHERE \"user\" = $1 AND NOT revoked";
	struct pg_conn *c = pg_get(s);
	const char *ab[] = { a, b };
	const char *bb[] = { b };
	bool ok = pg_run(c, "BEGIN", 0, NULL);
	enum duban_err e;

	switch (what) {
	case SRV_UPD_PASSWORD: /* a: hash, b: name */
		ok = ok && pg_run(c, "UPDATE server_user SET password = $1 WHERE name = $2", 2, ab) &&
		     pg_run(c, revoke_all, 1, bb);
		break;
	case SRV_UPD_DISABLE:
		ok = ok && pg_run(c, "UPDATE server_user SET disabled = true WHERE name = $1", 1, ab) &&
		     pg_run(c, revoke_all, 1, ab);
		break;
	case SRV_UPD_REVOKE_USER:
		ok = ok && run_counted(c, revoke_all, 1, ab, changes);
		break;
	case SRV_UPD_REVOKE_TOKEN:
		ok = ok && run_counted(c, "UPDATE token SET revoked = true WHERE \"user\" = $1 AND NOT revoked"
					  " AND substr(id, 1, length($2)) = $2", 2, ab, changes);
		break;
	default: /* SRV_UPD_UNLOCK */
		ok = ok && run_counted(c, "DELETE FROM login_fail WHERE key IN ($1, $2)", 2, ab, changes);
	}
	e = finish(c, ok, err, errlen);
	pg_put(s, c);
	return e;
}

static bool pg_token_insert(struct srv_store *s, const struct srv_user *u, const char *hash, const char *created)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { u->token_id, hash, u->name, u->device, created, u->expires_at };
	bool ok = pg_run(c, "INSERT INTO token (id, hash, \"user\", device, created_at, expires_at, revoked)"
			    " VALUES ($1, $2, $3, $4, $5, $6, false)", 6, params);

	if (!ok)
		srv_log("postgresql: %s", c->err);
	pg_put(s, c);
	return ok;
}

static int pg_token_read(struct srv_store *s, const char *hash, struct srv_token_row *row)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { hash };
	PGresult *r = pg_exec(c, "SELECT t.id, t.\"user\", t.device, t.expires_at, t.revoked, u.role, u.disabled"
				 " FROM token t JOIN server_user u ON u.name = t.\"user\" WHERE t.hash = $1", 1, params);

	if (r && PQntuples(r) > 0) {
		row->found = true;
		snprintf(row->id, sizeof row->id, "%s", PQgetvalue(r, 0, 0));
		snprintf(row->user, sizeof row->user, "%s", PQgetvalue(r, 0, 1));
		snprintf(row->device, sizeof row->device, "%s", PQgetvalue(r, 0, 2));
		snprintf(row->expires_at, sizeof row->expires_at, "%s", PQgetvalue(r, 0, 3));
		row->revoked = strcmp(PQgetvalue(r, 0, 4), "t") == 0;
		snprintf(row->role, sizeof row->role, "%s", PQgetvalue(r, 0, 5));
		row->disabled = strcmp(PQgetvalue(r, 0, 6), "t") == 0;
	}
	if (!r)
		srv_log("postgresql: %s", c->err);
	PQclear(r);
	pg_put(s, c);
	return r ? 200 : 500;
}

/* ---------------------------------------------------------------- login failures */

static int pg_rl_wait(struct srv_store *s, const char *ukey, const char *akey, long long now)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { ukey, akey };
	bool ok;
	char *v = pg_value(c, "SELECT max(locked_until) FROM login_fail WHERE key IN ($1, $2)", 2, params, &ok);
	long long until = v ? atoll(v) : 0;

	free(v);
	pg_put(s, c);
	if (!ok)
		return -1;
	return until > now ? (int)(until - now) : 0;
}

/* The SQLite backend's three statements (see store_sqlite.c), in one
 * transaction: every instance counts in the same rows. */
static void pg_rl_fail(struct srv_store *s, const char *key, int max, long long now)
{
	struct pg_conn *c = pg_get(s);
	char n[24], m[16], rows[16];
	const char *params[] = { key, n, m, rows };
	int bumped = 0;
	bool ok;

	snprintf(n, sizeof n, "%lld", now);
	snprintf(m, sizeof m, "%d", max);
	snprintf(rows, sizeof rows, "%d", SRV_RL_ROWS);
	ok = pg_run(c, "BEGIN", 0, NULL) &&
	     run_counted(c, "UPDATE login_fail SET"
			    " fails = CASE WHEN first_at + 900 <= $2::bigint AND locked_until <= $2::bigint THEN 1"
			    "  ELSE fails + 1 END,"
			    " first_at = CASE WHEN first_at + 900 <= $2::bigint AND locked_until <= $2::bigint THEN $2::bigint"
			    "  ELSE first_at END,"
			    " locked_until = CASE WHEN (CASE WHEN first_at + 900 <= $2::bigint AND locked_until <= $2::bigint"
			    "  THEN 1 ELSE fails + 1 END) >= $3::int THEN greatest(locked_until, $2::bigint + 900)"
			    "  ELSE locked_until END,"
			    " last_at = $2::bigint WHERE key = $1 AND $4::int > 0",
			 4, params, &bumped);
	if (ok && bumped == 0)
		ok = pg_run(c, "DELETE FROM login_fail WHERE key IN (SELECT key FROM login_fail"
			       " WHERE substr(key, 1, 2) <> 'U:' AND locked_until <= $2::bigint ORDER BY last_at"
			       " LIMIT greatest(0, (SELECT count(*) FROM login_fail WHERE substr(key, 1, 2) <> 'U:')"
			       " - $4::int + 1)) AND substr($1, 1, 2) <> 'U:' AND $3::int >= 0",
			    4, params) &&
		     pg_run(c, "INSERT INTO login_fail (key, fails, first_at, last_at, locked_until)"
			       " SELECT $1, 1, $2::bigint, $2::bigint, CASE WHEN $3::int <= 1 THEN $2::bigint + 900 ELSE 0 END"
			       " WHERE substr($1, 1, 2) = 'U:'"
			       "  OR (SELECT count(*) FROM login_fail WHERE substr(key, 1, 2) <> 'U:') < $4::int"
			       " ON CONFLICT (key) DO UPDATE SET fails = login_fail.fails + 1, last_at = excluded.last_at",
			    4, params);
	ok = ok && pg_run(c, "COMMIT", 0, NULL);
	if (!ok)
		srv_log("cannot count a failed login: %s", c->err);
	pg_put(s, c);
}

static void pg_rl_forget(struct srv_store *s, const char *key)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { key };

	if (!pg_run(c, "DELETE FROM login_fail WHERE key = $1", 1, params))
		srv_log("cannot reset the failed logins: %s", c->err);
	pg_put(s, c);
}

/* ---------------------------------------------------------------- listings */

static bool pg_user_rows(struct srv_store *s, const char *now,
			 void (*cb)(void *ctx, const char *name, const char *role, bool disabled, const char *counties,
				    int active_tokens),
			 void *ctx)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { now };
	PGresult *r = pg_exec(c, "SELECT u.name, u.role, u.disabled,"
				 " (SELECT string_agg(county, '、' ORDER BY county) FROM user_county WHERE \"user\" = u.name),"
				 " (SELECT count(*) FROM token t WHERE t.\"user\" = u.name AND NOT t.revoked"
				 "   AND t.expires_at > $1)"
				 " FROM server_user u ORDER BY u.name", 1, params);

	for (int i = 0; r && i < PQntuples(r); i++)
		cb(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), strcmp(PQgetvalue(r, i, 2), "t") == 0,
		   PQgetvalue(r, i, 3), atoi(PQgetvalue(r, i, 4)));
	if (!r)
		srv_log("postgresql: %s", c->err);
	PQclear(r);
	pg_put(s, c);
	return r != NULL;
}

static bool pg_token_rows(struct srv_store *s, const char *user,
			  void (*cb)(void *ctx, const char *id, const char *user, const char *device,
				     const char *created_at, const char *expires_at, bool revoked),
			  void *ctx)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { user };
	PGresult *r = pg_exec(c, "SELECT id, \"user\", device, created_at, expires_at, revoked FROM token"
				 " WHERE $1::text IS NULL OR \"user\" = $1 ORDER BY \"user\", created_at", 1, params);

	for (int i = 0; r && i < PQntuples(r); i++)
		cb(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		   PQgetvalue(r, i, 4), strcmp(PQgetvalue(r, i, 5), "t") == 0);
	if (!r)
		srv_log("postgresql: %s", c->err);
	PQclear(r);
	pg_put(s, c);
	return r != NULL;
}

/* ---------------------------------------------------------------- policies */

/* One transaction: the row, its change-log entry numbered by the sequencer
 * like a push's (the cursor stays gap-free), then the commit. */
static enum duban_err pg_policy_put(struct srv_store *s, const char *key, const char *value, char *err, size_t errlen)
{
	struct pg_conn *c = pg_get(s);
	const char *params[] = { key, value };
	long long base;
	bool ok = pg_run(c, "BEGIN", 0, NULL);

	if (ok && value)
		ok = pg_run(c, "INSERT INTO policy (key, value, updated_at) VALUES ($1, $2, " SQL_NOW ")"
			       " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
			    2, params);
	else if (ok)
		ok = pg_run(c, "DELETE FROM policy WHERE key = $1", 1, params);
	ok = ok && pg_log_change(c, "policy", key, "", "", "", value == NULL) && pg_number_changes(c, &base) &&
	     pg_run(c, "COMMIT", 0, NULL);
	if (!ok) {
		snprintf(err, errlen, "database error: %s", c->err);
		PQclear(PQexec(c->c, "ROLLBACK"));
	}
	pg_put(s, c);
	return ok ? DUBAN_OK : DUBAN_ERR_DB;
}

static bool pg_policy_rows(struct srv_store *s,
			   void (*cb)(void *ctx, const char *key, const char *value, const char *updated_at), void *ctx)
{
	struct pg_conn *c = pg_get(s);
	PGresult *r = pg_exec(c, "SELECT key, value, updated_at FROM policy ORDER BY key", 0, NULL);

	for (int i = 0; r && i < PQntuples(r); i++)
		cb(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	if (!r)
		srv_log("postgresql: %s", c->err);
	PQclear(r);
	pg_put(s, c);
	return r != NULL;
}

/* ---------------------------------------------------------------- blobs */

static bool pg_blob_record(struct srv_store *s, const char *sha256, long long size, const char *user)
{
	struct pg_conn *c = pg_get(s);
	char n[24];
	const char *params[] = { sha256, n, user };
	const char *pu[] = { sha256, user };
	bool ok;

	snprintf(n, sizeof n, "%lld", size);
	ok = pg_run(c, "BEGIN", 0, NULL) &&
	     pg_run(c, "INSERT INTO blob (sha256, size, \"user\", created_at) VALUES ($1, $2::bigint, $3, " SQL_NOW ")"
		       " ON CONFLICT DO NOTHING", 3, params) &&
	     pg_run(c, "INSERT INTO blob_user (sha256, \"user\", created_at) VALUES ($1, $2, " SQL_NOW ")"
		       " ON CONFLICT DO NOTHING", 2, pu) &&
	     pg_run(c, "COMMIT", 0, NULL);
	if (!ok)
		srv_log("cannot record blob %s: %s", sha256, c->err);
	pg_put(s, c);
	return ok;
}

int pg_blob_rule(struct pg_conn *c, const struct srv_user *u, const char *sha256);

/* srv_blob_may_use's rule (see srv_store.c). */
int pg_blob_rule(struct pg_conn *c, const struct srv_user *u, const char *sha256)
{
	const char *params[] = { sha256, u->name };
	PGresult *r;
	int may = 0;

	if (u->role == DUBAN_ROLE_OFFICE) {
		r = pg_exec(c, "SELECT EXISTS (SELECT 1 FROM blob WHERE sha256 = $1) OR EXISTS (SELECT 1 FROM record"
			       " WHERE kind = 'attachment' AND sha256 = $1)", 1, params);
		may = r ? strcmp(PQgetvalue(r, 0, 0), "t") == 0 : -1;
		PQclear(r);
		return may;
	}
	r = pg_exec(c, "SELECT 1 FROM blob_user WHERE sha256 = $1 AND \"user\" = $2", 2, params);
	if (!r)
		return -1;
	may = PQntuples(r) > 0;
	PQclear(r);
	if (may)
		return 1;
	r = pg_exec(c, "SELECT DISTINCT i.county FROM record a JOIN item_doc i ON i.id = a.item_id"
		       " WHERE a.kind = 'attachment' AND a.sha256 = $1", 1, params);
	if (!r)
		return -1;
	for (int i = 0; !may && i < PQntuples(r); i++)
		may = srv_user_sees(u, PQgetvalue(r, i, 0));
	PQclear(r);
	return may;
}

static int pg_blob_may_use(struct srv_store *s, const struct srv_user *u, const char *sha256)
{
	struct pg_conn *c = pg_get(s);
	int may = pg_blob_rule(c, u, sha256);

	pg_put(s, c);
	return may;
}

/* ---------------------------------------------------------------- the ledger's copy */

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		unlink(path);
		free(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The page as a client reads it: its items are JSON text in the tree
 * (raw, printed as they are), parsed here like any answer. */
static cJSON *as_sent(cJSON *page)
{
	char *text = cJSON_PrintUnformatted(page);
	cJSON_Delete(page);
	page = text ? cJSON_Parse(text) : NULL;
	free(text);
	return page;
}

/* Everything the office would download, applied to st as duban does. */
static bool mirror_ledger(struct srv_store *s, duban_store *st)
{
	struct srv_user office = { .role = DUBAN_ROLE_OFFICE };
	char *cursor = xstrdup("0");
	bool more = true, ok = true;

	snprintf(office.name, sizeof office.name, "duband");
	while (ok && more) {
		cJSON *page = NULL;
		ok = srv_pull(s, &office, cursor, 2000, &page) == 200 && (page = as_sent(page)) &&
		     duban_apply_page(st, page, NULL) == DUBAN_OK;
		if (!ok)
			srv_log("copying the ledger: %s", duban_store_errmsg(st));
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(page, "next");
		more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(page, "more")) && cJSON_IsString(next);
		if (more) {
			free(cursor);
			cursor = xstrdup(next->valuestring);
		}
		cJSON_Delete(page);
	}
	free(cursor);
	return ok;
}

/* A temporary SQLite ledger holding the store's items, records and
 * history: the core's import and export run on it unchanged; an import's
 * outbox is written back by pg_ledger_done. */
static duban_store *pg_ledger(struct srv_store *s, bool write)
{
	struct pg_store *p = pg_of(s);
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/duband-ledger.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char err[256] = "";
	duban_store *st = NULL;

	if (!mkdtemp(dir)) {
		srv_log("cannot make a temporary directory: %s", strerror(errno));
		free(dir);
		return NULL;
	}
	char *path = xasprintf("%s/ledger.db", dir);
	st = duban_store_open(path, err, sizeof err);
	free(path);
	if (st) {
		duban_store_set_outbox(st, false);
		if (!mirror_ledger(s, st)) {
			duban_store_close(st);
			st = NULL;
		}
	} else {
		srv_log("cannot open a temporary ledger: %s", err);
	}
	if (!st) {
		remove_dir(dir);
		free(dir);
		return NULL;
	}
	duban_store_set_outbox(st, write);
	p->mirror = dir;
	return st;
}

static bool pg_ledger_done(struct srv_store *s, duban_store *st, bool write)
{
	struct pg_store *p = pg_of(s);
	const char *who = getenv("USER");
	struct duban_op *ops = NULL;
	long long after = 0;
	int n = 0, got = 0;
	bool ok = true;

	/* Every op the import queued, then one transaction: all or nothing,
	 * as on SQLite. */
	while (write && ok) {
		ops = xrealloc(ops, (size_t)(n + 500) * sizeof *ops);
		ok = duban_outbox_read(st, after, 500, ops + n, &got) == DUBAN_OK;
		if (!ok || got == 0)
			break;
		n += got;
		after = ops[n - 1].seq;
	}
	if (ok && n > 0)
		ok = pg_replay(s, who && *who ? who : "duband", ops, n);
	for (int i = 0; i < n; i++)
		duban_op_free(&ops[i]);
	free(ops);
	duban_store_close(st);
	if (p->mirror)
		remove_dir(p->mirror);
	free(p->mirror);
	p->mirror = NULL;
	return ok;
}

/* ---------------------------------------------------------------- open, close */

static void pg_close(struct srv_store *s)
{
	struct pg_store *p = pg_of(s);

	if (!p)
		return;
	for (int i = 0; i < p->nconns; i++)
		PQfinish(p->conns[i].c);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->conns);
	free(p->conninfo);
	free(p);
}

static const struct srv_store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.push = &srv_pg_push_ops,
	.pull = &srv_pg_pull_ops,
	.server_seq = pg_server_seq,
	.prune = pg_prune,
	.user_read = pg_user_read,
	.user_counties = pg_user_counties,
	.user_insert = pg_user_insert,
	.user_update = pg_user_update,
	.token_insert = pg_token_insert,
	.token_read = pg_token_read,
	.rl_wait = pg_rl_wait,
	.rl_fail = pg_rl_fail,
	.rl_forget = pg_rl_forget,
	.user_rows = pg_user_rows,
	.token_rows = pg_token_rows,
	.blob_record = pg_blob_record,
	.blob_may_use = pg_blob_may_use,
	.ledger = pg_ledger,
	.ledger_done = pg_ledger_done,
	.policy_put = pg_policy_put,
	.policy_rows = pg_policy_rows,
};

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* For messages: the database and host, never a password. */
static char *describe(PGconn *c)
{
	return xasprintf("postgresql database %s on %s", PQdb(c), PQhost(c) ? PQhost(c) : "?");
}

struct srv_store *srv_pg_open(const char *conninfo, int conns, char *err, size_t errlen)
{
	struct pg_store *p = xcalloc(1, sizeof *p);
	struct srv_store *s = xcalloc(1, sizeof *s);

	if (conns < 2)
		conns = 2;
	naive_cursor = getenv("DUBAND_TEST_NAIVE_CURSOR") && strcmp(getenv("DUBAND_TEST_NAIVE_CURSOR"), "1") == 0;
	commit_delay_ms = getenv("DUBAND_TEST_COMMIT_DELAY_MS") ? atoi(getenv("DUBAND_TEST_COMMIT_DELAY_MS")) : 0;
	if (naive_cursor)
		srv_log("test mode: a naive bigserial cursor (DUBAND_TEST_NAIVE_CURSOR=1): pulls may miss changes");
	s->ops = &pg_ops;
	s->be = p;
	p->conninfo = xstrdup(conninfo);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->conns = xcalloc((size_t)conns, sizeof *p->conns);
	for (int i = 0; i < conns; i++) {
		PGconn *c = PQconnectdb(conninfo);
		if (PQstatus(c) != CONNECTION_OK) {
			snprintf(err, errlen, "%s", PQerrorMessage(c));
			err[strcspn(err, "\n")] = '\0';
			PQfinish(c);
			goto fail;
		}
		/* NOTICEs ("relation exists, skipping") are not for the log. */
		PQsetNoticeProcessor(c, quiet, NULL);
		p->conns[p->nconns++].c = c;
	}
	p->nfree = p->nconns;
	if (!migrate(&p->conns[0], err, errlen))
		goto fail;
	s->where = describe(p->conns[0].c);
	return s;
fail:
	pg_close(s);
	free(s);
	return NULL;
}
