/* The ledger store: schema and migrations, items with their audit events and
 * outbox ops, append-only records and history.  Queries live in query.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duban/dispatch.h"
#include "duban/json.h"
#include "duban/util.h"
#include "store_internal.h"
#include "store_private.h"

/* ---------------------------------------------------------------- schema */

/* Each entry migrates the schema from version i to i + 1.  Never edit a
 * shipped entry: append a new one. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE item ("
	" seq INTEGER PRIMARY KEY,"
	" id TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL CHECK (kind IN ('problem','complaint')),"
	" code TEXT NOT NULL UNIQUE,"
	" \"round\" TEXT NOT NULL DEFAULT '', batch TEXT NOT NULL DEFAULT '',"
	" title TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',"
	" categories TEXT NOT NULL DEFAULT '', scope TEXT NOT NULL DEFAULT '',"
	" county TEXT NOT NULL DEFAULT '', township TEXT NOT NULL DEFAULT '',"
	" lead_unit TEXT NOT NULL DEFAULT '', co_units TEXT NOT NULL DEFAULT '',"
	" leader TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '',"
	" contact TEXT NOT NULL DEFAULT '', goal TEXT NOT NULL DEFAULT '',"
	" measures TEXT NOT NULL DEFAULT '', findings TEXT NOT NULL DEFAULT '',"
	" handling TEXT NOT NULL DEFAULT '', accountability TEXT NOT NULL DEFAULT '',"
	" start TEXT, deadline TEXT, deadline_kind TEXT NOT NULL DEFAULT 'date',"
	" notice_end TEXT,"
	" status TEXT NOT NULL DEFAULT 'not_started',"
	" progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),"
	" verdict TEXT NOT NULL DEFAULT '',"
	" rectify_orders INTEGER NOT NULL DEFAULT 0, fines REAL NOT NULL DEFAULT 0,"
	" penalty_cases INTEGER NOT NULL DEFAULT 0, criminal_cases INTEGER NOT NULL DEFAULT 0,"
	" detentions INTEGER NOT NULL DEFAULT 0, summons INTEGER NOT NULL DEFAULT 0,"
	" accountability_count INTEGER NOT NULL DEFAULT 0,"
	" key_case INTEGER NOT NULL DEFAULT 0, duplicate_of TEXT NOT NULL DEFAULT '',"
	" longitude REAL, latitude REAL, public INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	" version INTEGER NOT NULL DEFAULT 0,"
	/* The deadline as a sort key: items without a date sort last. */
	" due_key TEXT NOT NULL DEFAULT '9999-12-31');"
	"CREATE INDEX item_due ON item (due_key, seq);"
	"CREATE INDEX item_updated ON item (updated_at, seq);"
	"CREATE INDEX item_county_due ON item (county, due_key, seq);"
	"CREATE INDEX item_status_due ON item (status, due_key, seq);"
	"CREATE TABLE note ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item (id) ON DELETE CASCADE,"
	" author TEXT NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL);"
	"CREATE INDEX note_item ON note (item_id, created_at);"
	"CREATE TABLE inspection ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item (id) ON DELETE CASCADE,"
	" date TEXT NOT NULL, level TEXT NOT NULL, inspectors TEXT NOT NULL,"
	" place TEXT NOT NULL, findings TEXT NOT NULL, passed INTEGER NOT NULL,"
	" author TEXT NOT NULL, created_at TEXT NOT NULL);"
	"CREATE INDEX inspection_item ON inspection (item_id, created_at);"
	"CREATE TABLE action ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item (id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL, date TEXT NOT NULL, due TEXT, text TEXT NOT NULL,"
	" author TEXT NOT NULL, created_at TEXT NOT NULL);"
	"CREATE INDEX action_item ON action (item_id, created_at);"
	"CREATE TABLE attachment ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item (id) ON DELETE CASCADE,"
	" inspection_id TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL,"
	" name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL,"
	" author TEXT NOT NULL, created_at TEXT NOT NULL);"
	"CREATE INDEX attachment_item ON attachment (item_id, created_at);"
	/* The audit trail outlives the items it describes: no foreign key. */
	"CREATE TABLE event ("
	" seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL, field TEXT NOT NULL,"
	" old_value TEXT, new_value TEXT, reason TEXT NOT NULL DEFAULT '',"
	" author TEXT NOT NULL, device TEXT NOT NULL, created_at TEXT NOT NULL);"
	"CREATE INDEX event_item ON event (item_id, seq);"
	"CREATE TABLE op ("
	" seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	" item_id TEXT NOT NULL, field TEXT, base TEXT, value TEXT,"
	" body TEXT, created_at TEXT NOT NULL);"
	"CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE conflict ("
	" id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, field TEXT NOT NULL,"
	" base TEXT, mine TEXT, theirs TEXT, created_at TEXT NOT NULL,"
	" resolved INTEGER NOT NULL DEFAULT 0);"
	"CREATE VIRTUAL TABLE item_fts USING fts5(" DUBAN_FTS_COLUMNS ","
	" content='', tokenize='duban_bigram');",
	/* 1 -> 2: sync.  The op sequence is the client_seq the server sees, so
	 * AUTOINCREMENT: a number is never handed out twice, even after the
	 * newest ops were sent and deleted.  Rejected ops wait for the user;
	 * conflicts remember the op and server version they came from and
	 * whether a field, a deletion or a county change caused them. */
	"CREATE TABLE op_v2 ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	" item_id TEXT NOT NULL, field TEXT, base TEXT, value TEXT,"
	" body TEXT, created_at TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','rejected')),"
	" reason TEXT);"
	"INSERT INTO op_v2 (seq, id, kind, item_id, field, base, value, body, created_at)"
	" SELECT seq, id, kind, item_id, field, base, value, body, created_at FROM op ORDER BY seq;"
	"DROP TABLE op;"
	"ALTER TABLE op_v2 RENAME TO op;"
	"CREATE INDEX op_state ON op (state, seq);"
	"CREATE INDEX op_item ON op (item_id, field);"
	"ALTER TABLE conflict ADD COLUMN op_id TEXT;"
	"ALTER TABLE conflict ADD COLUMN kind TEXT NOT NULL DEFAULT 'field'"
	" CHECK (kind IN ('field','deleted','scope'));"
	"ALTER TABLE conflict ADD COLUMN version INTEGER;"
	"CREATE INDEX conflict_item ON conflict (item_id, resolved);"
	"ALTER TABLE item ADD COLUMN sync_flag TEXT NOT NULL DEFAULT '';",
	/* 2 -> 3: the sync log, one row per `duban sync` (duban sync --log,
	 * the last result in --status and the TUI). */
	"CREATE TABLE sync_log ("
	" id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,"
	" phase TEXT NOT NULL, to_push INTEGER NOT NULL DEFAULT 0,"
	" pushed INTEGER NOT NULL DEFAULT 0, applied INTEGER NOT NULL DEFAULT 0,"
	" duplicates INTEGER NOT NULL DEFAULT 0, conflicts INTEGER NOT NULL DEFAULT 0,"
	" rejected INTEGER NOT NULL DEFAULT 0, pulled INTEGER NOT NULL DEFAULT 0,"
	" pages INTEGER NOT NULL DEFAULT 0, bytes_sent INTEGER NOT NULL DEFAULT 0,"
	" bytes_received INTEGER NOT NULL DEFAULT 0, reset INTEGER NOT NULL DEFAULT 0,"
	" error TEXT);",
	/* 3 -> 4: authorship on every replica.  A record's or event's
	 * created_at is when the person did it (recorded at, their clock);
	 * received_at is when duband received it.  An event remembers the op
	 * that made it and, when it came from the server, the server's number
	 * (origin): a pulled event replaces the local one of the same op. */
	"ALTER TABLE note ADD COLUMN received_at TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE inspection ADD COLUMN received_at TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE action ADD COLUMN received_at TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE attachment ADD COLUMN received_at TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE event ADD COLUMN received_at TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE event ADD COLUMN op_id TEXT;"
	"ALTER TABLE event ADD COLUMN origin INTEGER;"
	"CREATE UNIQUE INDEX event_origin ON event (origin) WHERE origin IS NOT NULL;"
	"CREATE INDEX event_op ON event (op_id) WHERE op_id IS NOT NULL;"
	/* Items whose value the user gave up for the server's (a dropped
	 * refused change): fetched again at the next sync. */
	"CREATE TABLE refetch (item_id TEXT PRIMARY KEY);",
	/* 4 -> 5: what an attachment is evidence of (佐证材料), which the
	 * close-out policy requires per item kind before a request. */
	"ALTER TABLE attachment ADD COLUMN kind TEXT NOT NULL DEFAULT 'other';"
	/* A sign-off (an inspection at a level of the acceptance chain) records
	 * which acceptance criteria were met. */
	"ALTER TABLE inspection ADD COLUMN criteria TEXT NOT NULL DEFAULT '';",
	/* 5 -> 6: the calendar's and the dashboard's deadlines per day (count
	 * and worst light over a month: 28,000 rows of a million-item ledger)
	 * from the index alone, without a table lookup per item: it holds
	 * every column duban_light() reads. */
	"CREATE INDEX item_due_light ON item (due_key, status, deadline_kind, start, deadline, progress);",
	/* The public notice (公示) of a close-out, its objections and their
	 * resolutions: append-only records (op notice.add), read per item. */
	"CREATE TABLE notice ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL, date TEXT NOT NULL, end_date TEXT,"
	" place TEXT NOT NULL DEFAULT '', contact TEXT NOT NULL DEFAULT '',"
	" person TEXT NOT NULL DEFAULT '', text TEXT NOT NULL DEFAULT '',"
	" objection_id TEXT NOT NULL DEFAULT '', upheld INTEGER NOT NULL DEFAULT 0,"
	" author TEXT NOT NULL, created_at TEXT NOT NULL, received_at TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX notice_item ON notice (item_id, created_at);",
	/* The server's copy of the office's close-out policies (duband policy
	 * set), pulled as changes of type "policy": on a ledger that syncs it
	 * wins over the config (duban_policy_resolve). */
	"CREATE TABLE server_policy (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL DEFAULT '');"
	/* An item's own acceptance chain ("" for the policy's). */
	"ALTER TABLE item ADD COLUMN acceptance_levels TEXT NOT NULL DEFAULT '';",
	/* 8 -> 9: the complaint feedback clock (交办日期, 反馈日期), repeats
	 * counted per first complaint (duplicate_of, a small partial index: most
	 * items are no repeat) and links between items (举一反三): append-only
	 * records, an unlink is a record of kind 'unlink' that ends the pair. */
	"ALTER TABLE item ADD COLUMN transferred_on TEXT;"
	"ALTER TABLE item ADD COLUMN feedback_on TEXT;"
	"CREATE INDEX item_duplicate_of ON item (duplicate_of) WHERE duplicate_of <> '';"
	"CREATE INDEX item_feedback ON item (transferred_on) WHERE transferred_on IS NOT NULL AND feedback_on IS NULL;"
	"CREATE TABLE link ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item (id) ON DELETE CASCADE,"
	" other_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('link','repeat','unlink')),"
	" why TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL,"
	" received_at TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX link_item ON link (item_id, created_at);"
	"CREATE INDEX link_other ON link (other_id, created_at);",
	/* 调度 rounds (duban/dispatch.h): records of their member items, so
	 * they are scoped like the items.  open makes the item a member and
	 * carries the round's header, close ends the round, report is a
	 * submission; all append-only. */
	"CREATE TABLE dispatch ("
	" id TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL REFERENCES item (id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('open','close','report')),"
	" round_id TEXT NOT NULL, name TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',"
	" filters TEXT NOT NULL DEFAULT '', due TEXT, date TEXT,"
	" progress INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL DEFAULT '',"
	" attachment_id TEXT NOT NULL DEFAULT '',"
	" author TEXT NOT NULL, created_at TEXT NOT NULL, received_at TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX dispatch_item ON dispatch (item_id, created_at);"
	"CREATE INDEX dispatch_name ON dispatch (name, kind, item_id);",

	/* `duban list --county` (and the county windows) from the index alone:
	 * it holds every column a listing row reads (query.c ROW_COLUMNS), so
	 * a county's rows are a sequential read of a quarter-size index, not a
	 * random page of the wide item table per row (the kernel's page copies
	 * were a third of the listing).  Same name and leading columns as
	 * before, so every INDEXED BY stays valid (IF EXISTS: hand-made old
	 * ledgers of the tests lack it). */
	"DROP INDEX IF EXISTS item_county_due;"
	"CREATE INDEX item_county_due ON item (county, due_key, seq, id, kind, code, title, lead_unit, start,"
	" deadline, deadline_kind, status, progress, updated_at, \"round\", transferred_on, feedback_on);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---------------------------------------------------------------- errors */

enum duban_err store_fail(duban_store *st, enum duban_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
	return err;
}

enum duban_err store_db_fail(duban_store *st, const char *what)
{
	return store_fail(st, DUBAN_ERR_DB, _("database error while %s: %s"), what, sqlite3_errmsg(st->db));
}

const char *duban_store_errmsg(const duban_store *st)
{
	return st->errmsg[0] ? st->errmsg : "";
}

sqlite3 *duban_store_db(duban_store *st)
{
	return st->db;
}

static int stop_handler(void *ctx)
{
	duban_store *st = ctx;
	if (!st->stop || !st->stop(st->stop_ctx))
		return 0;
	st->stopped = true;
	return 1;
}

void duban_store_set_stop(duban_store *st, bool (*stop)(void *), void *ctx)
{
	st->stop = stop;
	st->stop_ctx = ctx;
	st->stopped = false;
	/* Every 4000 virtual machine steps: well under a millisecond. */
	sqlite3_progress_handler(st->db, stop ? 4000 : 0, stop ? stop_handler : NULL, st);
}

bool duban_store_stopped(const duban_store *st)
{
	return st->stopped;
}

long long duban_store_data_version(duban_store *st)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ---------------------------------------------------------------- light() */

static duban_date column_date(sqlite3_value *v)
{
	if (sqlite3_value_type(v) != SQLITE_TEXT)
		return DUBAN_DATE_NONE;
	return duban_date_parse((const char *)sqlite3_value_text(v));
}

/* duban_light(status, deadline_kind, start, deadline, progress): the one
 * light rule of model.c, made available to SQL so filters use it too. */
static void sql_light(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	duban_store *st = sqlite3_user_data(ctx);
	int status, dk;

	(void)argc;
	status = duban_status_parse((const char *)sqlite3_value_text(argv[0]));
	dk = duban_deadline_kind_parse((const char *)sqlite3_value_text(argv[1]));
	if (status < 0)
		status = DUBAN_STATUS_NOT_STARTED;
	if (dk < 0)
		dk = DUBAN_DEADLINE_DATE;
	sqlite3_result_int(ctx, duban_light_of(status, dk, column_date(argv[2]), column_date(argv[3]),
					       sqlite3_value_int(argv[4]), st->today, &st->rules));
}

/* duban_feedback_due(kind, status, round, transferred_on, feedback_on): the
 * feedback due date while the clock runs (duban/feedback.h), else NULL. */
static void sql_feedback_due(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	duban_store *st = sqlite3_user_data(ctx);
	const char *kind = (const char *)sqlite3_value_text(argv[0]);
	int status = duban_status_parse((const char *)sqlite3_value_text(argv[1]));
	const char *round = (const char *)sqlite3_value_text(argv[2]);
	char buf[11];

	(void)argc;
	if (!kind || strcmp(kind, "complaint") != 0 || status < 0
	    || !duban_feedback_pending(DUBAN_KIND_COMPLAINT, status, column_date(argv[3]), column_date(argv[4]))) {
		sqlite3_result_null(ctx);
		return;
	}
	duban_date due = duban_feedback_due(&st->feedback, round ? round : "", column_date(argv[3]));
	sqlite3_result_text(ctx, duban_date_format(due, buf), -1, SQLITE_TRANSIENT);
}

/* ---------------------------------------------------------------- open */

static int exec(duban_store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

static int user_version(duban_store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static enum duban_err migrate(duban_store *st)
{
	int v = user_version(st);
	char sql[64];

	if (v < 0)
		return store_db_fail(st, _("reading the schema version"));
	if (v > SCHEMA_VERSION)
		return store_fail(st, DUBAN_ERR_DB,
				  _("the ledger was written by a newer duban (schema %d, this one knows %d): upgrade duban"),
				  v, SCHEMA_VERSION);
	for (; v < SCHEMA_VERSION; v++) {
		if (exec(st, "BEGIN IMMEDIATE") != SQLITE_OK)
			return store_db_fail(st, _("migrating the schema"));
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (exec(st, migrations[v]) != SQLITE_OK || exec(st, sql) != SQLITE_OK) {
			enum duban_err e = store_db_fail(st, _("migrating the schema"));
			exec(st, "ROLLBACK");
			return e;
		}
		if (exec(st, "COMMIT") != SQLITE_OK)
			return store_db_fail(st, _("migrating the schema"));
	}
	return DUBAN_OK;
}

static void default_actor(duban_store *st)
{
	const char *user = getenv("USER");
	char host[256] = "";

	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		strcpy(host, "localhost");
	st->user = xstrdup(user && *user ? user : "unknown");
	st->device = xstrdup(host);
	st->role = DUBAN_ROLE_OFFICE;
}

/* A new ledger is created 0600 whatever the umask and wherever it lives
 * (--db): it holds complainants' names.  SQLite gives the -wal and -shm
 * files the mode of the database file, so they follow.  An existing file
 * keeps its mode. */
static int create_private(const char *path)
{
	if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	return close(fd);
}

duban_store *duban_store_open(const char *path, char *err, size_t errlen)
{
	duban_store *st = xcalloc(1, sizeof *st);

	st->rules = duban_light_rules_default;
	duban_store_set_policy(st, NULL);
	duban_feedback_default(&st->feedback);
	st->today = duban_today();
	st->outbox = true;
	st->implied = true;
	default_actor(st);
	if (strcmp(path, ":memory:") != 0 && duban_mkdir_parent(path) != 0) {
		snprintf(err, errlen, _("cannot create the directory for %s: %s"), path, strerror(errno));
		duban_store_close(st);
		return NULL;
	}
	if (create_private(path) != 0) {
		snprintf(err, errlen, _("cannot open the ledger %s: %s"), path, strerror(errno));
		duban_store_close(st);
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, _("cannot open the ledger %s: %s"), path,
			 st->db ? sqlite3_errmsg(st->db) : strerror(ENOMEM));
		duban_store_close(st);
		return NULL;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_extended_result_codes(st->db, 1);
	if (exec(st, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
		     " PRAGMA synchronous = FULL;") != SQLITE_OK
	    || duban_fts_register(st->db) != SQLITE_OK
	    || duban_fts_scan_register(st->db) != SQLITE_OK
	    || sqlite3_create_function(st->db, "duban_light", 5, SQLITE_UTF8 | SQLITE_INNOCUOUS,
				       st, sql_light, NULL, NULL) != SQLITE_OK
	    || sqlite3_create_function(st->db, "duban_feedback_due", 5, SQLITE_UTF8 | SQLITE_INNOCUOUS,
				       st, sql_feedback_due, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, _("cannot open the ledger %s: %s"), path, sqlite3_errmsg(st->db));
		duban_store_close(st);
		return NULL;
	}
	if (migrate(st) != DUBAN_OK) {
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
		duban_store_close(st);
		return NULL;
	}
	return st;
}

void duban_store_close(duban_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db) {
		sqlite3_stmt *s = sqlite3_next_stmt(st->db, NULL), *next;

		/* Statements cached by store_stmt_sql, known by their leading
		 * comment (FTS5 owns statements of its own on the connection). */
		for (; s; s = next) {
			next = sqlite3_next_stmt(st->db, s);
			if (strncmp(sqlite3_sql(s), "/*", 2) == 0)
				sqlite3_finalize(s);
		}
		sqlite3_close(st->db);
	}
	for (char **p = st->bulk_indexes; p && *p; p++)
		free(*p);
	free(st->bulk_indexes);
	store_repeats_free(st);
	free(st->user);
	free(st->columns);
	free(st->device);
	free(st->counties);
	free(st->source);
	free(st);
}

int duban_store_schema_version(duban_store *st)
{
	return user_version(st);
}

void duban_store_set_actor(duban_store *st, const char *user, const char *device, enum duban_role role)
{
	if (user) {
		free(st->user);
		st->user = xstrdup(user);
	}
	if (device) {
		free(st->device);
		st->device = xstrdup(device);
	}
	st->role = role;
}

enum duban_role duban_store_role(const duban_store *st)
{
	return st->role;
}

void duban_store_set_light_rules(duban_store *st, const struct duban_light_rules *rules)
{
	st->rules = rules ? *rules : duban_light_rules_default;
}

const struct duban_light_rules *duban_store_light_rules(const duban_store *st)
{
	return &st->rules;
}

void duban_store_set_feedback_rules(duban_store *st, const struct duban_feedback_rules *rules)
{
	if (rules)
		st->feedback = *rules;
	else
		duban_feedback_default(&st->feedback);
}

const struct duban_feedback_rules *duban_store_feedback_rules(const duban_store *st)
{
	return &st->feedback;
}

void duban_store_set_outbox(duban_store *st, bool enabled)
{
	st->outbox = enabled;
}

void duban_store_set_counties(duban_store *st, const char *const *counties, int n)
{
	struct duban_buf b = { 0 };

	free(st->counties);
	st->counties = NULL;
	if (!counties || n <= 0)
		return;
	for (int i = 0; i < n; i++) {
		duban_buf_puts(&b, counties[i]);
		duban_buf_puts(&b, "\n");
	}
	st->counties = duban_buf_steal(&b);
}

void duban_store_set_acceptance(duban_store *st, const struct duban_acceptance_chain *chain)
{
	char err[256];
	if (chain)
		st->policy.acceptance = *chain;
	else
		duban_acceptance_parse(duban_acceptance_default, &st->policy.acceptance, err, sizeof err);
}

const struct duban_acceptance_chain *duban_store_acceptance(const duban_store *st)
{
	return &st->policy.acceptance;
}

void duban_store_set_policy(duban_store *st, const struct duban_policy *p)
{
	if (p)
		st->policy = *p;
	else
		duban_policy_resolve(&st->policy, NULL, NULL, false);
}

const struct duban_policy *duban_store_policy(const duban_store *st)
{
	return &st->policy;
}

void duban_store_set_source(duban_store *st, const char *source)
{
	free(st->source);
	st->source = source && *source ? xstrdup(source) : NULL;
}

void duban_store_set_receiving(duban_store *st, bool receiving)
{
	st->receiving = receiving;
	st->implied = !receiving;
}

void duban_store_set_op(duban_store *st, const char *op_id, const char *recorded_at)
{
	snprintf(st->op_id, sizeof st->op_id, "%s", op_id ? op_id : "");
	snprintf(st->recorded_at, sizeof st->recorded_at, "%s", recorded_at ? recorded_at : "");
}

/* ---------------------------------------------------------------- statements */

/* Returns a cached prepared statement, reset and with bindings cleared. */
sqlite3_stmt *store_stmt(duban_store *st, enum store_stmt_id id, const char *sql)
{
	sqlite3_stmt *s = st->stmt[id];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, _("preparing a statement"));
		return NULL;
	}
	st->stmt[id] = s;
	return s;
}

sqlite3_stmt *store_stmt_sql(duban_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	while ((s = sqlite3_next_stmt(st->db, s)) != NULL) {
		if (!sqlite3_stmt_busy(s) && strcmp(sqlite3_sql(s), sql) == 0) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, _("preparing a statement"));
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* Runs a statement that returns no rows and resets it. */
static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static void bind_date(sqlite3_stmt *s, int i, duban_date d)
{
	char buf[11];

	if (d == DUBAN_DATE_NONE)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, duban_date_format(d, buf), -1, SQLITE_TRANSIENT);
}

static void copy_fixed(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src ? (const char *)src : "");
}

static char *column_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

static duban_date column_date_at(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) != SQLITE_TEXT)
		return DUBAN_DATE_NONE;
	return duban_date_parse((const char *)sqlite3_column_text(s, i));
}

/* ---------------------------------------------------------------- transactions */

enum duban_err duban_store_begin(duban_store *st)
{
	if (exec(st, "BEGIN IMMEDIATE") != SQLITE_OK)
		return store_db_fail(st, _("starting a transaction"));
	return DUBAN_OK;
}

enum duban_err duban_store_commit(duban_store *st)
{
	if (exec(st, "COMMIT") != SQLITE_OK) {
		enum duban_err e = store_db_fail(st, _("committing"));
		exec(st, "ROLLBACK");
		return e;
	}
	return DUBAN_OK;
}

void duban_store_rollback(duban_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
}

/* ---------------------------------------------------------------- bulk loads */

/* The secondary indexes of the tables a load fills: rebuilt in one sorted
 * pass each at the end instead of a random B-tree insert per row.  The
 * UNIQUE constraints (id, code: their automatic indexes have no SQL) stay,
 * as the load relies on them. */
static const char bulk_index_sql[] =
	"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
	" AND tbl_name IN ('item', 'note', 'inspection', 'action', 'attachment', 'event') ORDER BY name";

static void bulk_indexes_free(duban_store *st)
{
	for (char **p = st->bulk_indexes; p && *p; p++)
		free(*p);
	free(st->bulk_indexes);
	st->bulk_indexes = NULL;
}

static enum duban_err bulk_drop_indexes(duban_store *st)
{
	sqlite3_stmt *s;
	char **names = NULL;
	int n = 0;

	if (sqlite3_prepare_v2(st->db, bulk_index_sql, -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, _("starting a bulk load"));
	while (sqlite3_step(s) == SQLITE_ROW) {
		st->bulk_indexes = xrealloc(st->bulk_indexes, (size_t)(n + 2) * sizeof *st->bulk_indexes);
		names = xrealloc(names, (size_t)(n + 1) * sizeof *names);
		names[n] = xstrdup((const char *)sqlite3_column_text(s, 0));
		st->bulk_indexes[n++] = xstrdup((const char *)sqlite3_column_text(s, 1));
		st->bulk_indexes[n] = NULL;
	}
	sqlite3_finalize(s);
	enum duban_err err = DUBAN_OK;
	for (int i = 0; i < n; i++) {
		/* Names come from sqlite_master, quoted as identifiers. */
		char *sql = sqlite3_mprintf("DROP INDEX \"%w\"", names[i]);
		if (err == DUBAN_OK && exec(st, sql) != SQLITE_OK)
			err = store_db_fail(st, _("starting a bulk load"));
		sqlite3_free(sql);
		free(names[i]);
	}
	free(names);
	return err;
}

/* The indexes the load dropped, then the search index of every item it
 * added (or the mark that it waits to be built: while it waits, the build
 * indexes every item, these too). */
static enum duban_err bulk_index(duban_store *st)
{
	/* The indexes are written through a small cache: their pages, dirty
	 * until the load commits, would otherwise all stay in memory (the
	 * covering county index alone is 20 MB at 100,000 items). */
	exec(st, "PRAGMA cache_size = -8192");
	for (char **p = st->bulk_indexes; p && *p; p++)
		if (exec(st, *p) != SQLITE_OK)
			return store_db_fail(st, _("building the indexes"));
	if (st->bulk_defer_fts)
		return store_fts_mark_pending(st);
	return store_fts_pending(st) ? DUBAN_OK : store_fts_fill(st, st->bulk_seq);
}

/* The connection's settings outside a bulk load. */
static void bulk_restore(duban_store *st)
{
	exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -2000;"
		 " PRAGMA temp_store = DEFAULT");
}

/* scratch: a ledger made from scratch (see duban_store_bulk_begin); else
 * one in place (duban_store_bulk_begin_in_place). */
static enum duban_err bulk_start(duban_store *st, bool scratch)
{
	enum duban_err err;
	sqlite3_stmt *s;
	int rc;

	/* The rollback journal in memory instead of the WAL: the load's pages
	 * are written once, into the ledger, not to the WAL and again at the
	 * checkpoint (a new ledger's pages have no old content to journal).
	 * It needs the only connection; with another one the WAL stays.  A
	 * crash in the middle can leave the file unusable: bulk loads are for
	 * ledgers made from scratch, in a file that is renamed into place
	 * when whole.  The cache holds the hot pages (256 MB at most).
	 * In place, a rollback journal on disk: it keeps only the few pages
	 * the load changes (an empty ledger's pages are all new), so a crash
	 * leaves the ledger as it was, and no page is written twice as through
	 * the WAL.  The cache stays small: the load appends, and the indexes
	 * that take random inserts are dropped until the end. */
	if (scratch) {
		exec(st, "PRAGMA journal_mode = MEMORY");
		rc = exec(st, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY");
	} else {
		/* FULL: a reset's load replaces a ledger that has content. */
		exec(st, "PRAGMA journal_mode = DELETE");
		rc = exec(st, "PRAGMA synchronous = FULL; PRAGMA cache_size = -16384");
	}
	if (rc != SQLITE_OK) {
		err = store_db_fail(st, _("starting a bulk load"));
		bulk_restore(st);
		return err;
	}
	if ((err = duban_store_begin(st)) != DUBAN_OK) {
		bulk_restore(st);
		return err;
	}
	st->bulk_seq = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(seq), 0) FROM item", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			st->bulk_seq = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	if ((err = bulk_drop_indexes(st)) != DUBAN_OK) {
		duban_store_rollback(st);
		bulk_indexes_free(st);
		bulk_restore(st);
		return err;
	}
	st->bulk = true;
	return DUBAN_OK;
}

enum duban_err duban_store_bulk_begin(duban_store *st)
{
	return bulk_start(st, true);
}

enum duban_err duban_store_bulk_begin_in_place(duban_store *st)
{
	return bulk_start(st, false);
}

void duban_store_bulk_defer_search_index(duban_store *st)
{
	st->bulk_defer_fts = st->bulk;
}

enum duban_err duban_store_bulk_end(duban_store *st, bool commit)
{
	enum duban_err err = DUBAN_OK;

	if (!st->bulk)
		return DUBAN_ERR_INVALID;
	st->bulk = false;
	if (commit)
		err = bulk_index(st);
	st->bulk_defer_fts = false;
	if (commit && err == DUBAN_OK)
		err = duban_store_commit(st);
	else
		duban_store_rollback(st);
	bulk_indexes_free(st);
	bulk_restore(st);
	return commit ? err : DUBAN_OK;
}

/* Every change runs inside a savepoint so it nests in an explicit
 * transaction and leaves nothing half-written on its own (not in a bulk
 * load, which is all or nothing as a whole). */
/* A change outside a transaction begins one that takes the write lock at
 * once (BEGIN IMMEDIATE, waiting out the busy timeout): a savepoint alone
 * is a deferred transaction, which reads first and, when another process
 * (the background search index build, another command) has written since,
 * fails at its first write with "database is locked" without waiting. */
enum duban_err store_change_begin(duban_store *st)
{
	if (st->bulk)
		return DUBAN_OK;
	if (st->change_depth == 0 && sqlite3_get_autocommit(st->db)) {
		if (exec(st, "BEGIN IMMEDIATE") != SQLITE_OK)
			return store_db_fail(st, _("starting a change"));
		st->change_owns_tx = true;
	}
	if (exec(st, "SAVEPOINT change") != SQLITE_OK) {
		enum duban_err err = store_db_fail(st, _("starting a change"));
		if (st->change_depth == 0 && st->change_owns_tx) {
			exec(st, "ROLLBACK");
			st->change_owns_tx = false;
		}
		return err;
	}
	st->change_depth++;
	return DUBAN_OK;
}

static enum duban_err change_finish_tx(duban_store *st, enum duban_err err)
{
	if (--st->change_depth > 0 || !st->change_owns_tx)
		return err;
	st->change_owns_tx = false;
	if (err != DUBAN_OK) {
		exec(st, "ROLLBACK");
		return err;
	}
	if (exec(st, "COMMIT") != SQLITE_OK) {
		err = store_db_fail(st, _("saving a change"));
		exec(st, "ROLLBACK");
	}
	return err;
}

enum duban_err store_change_end(duban_store *st, enum duban_err err)
{
	/* An op queued by this change tags no event of a later one. */
	st->last_op_id[0] = '\0';
	if (st->bulk)
		return err;
	if (err != DUBAN_OK) {
		exec(st, "ROLLBACK TO change; RELEASE change");
		return change_finish_tx(st, err);
	}
	if (exec(st, "RELEASE change") != SQLITE_OK) {
		err = store_db_fail(st, _("saving a change"));
		exec(st, "ROLLBACK TO change; RELEASE change");
	}
	return change_finish_tx(st, err);
}

/* ---------------------------------------------------------------- item rows */

/* The column list of item, generated from the field table so the table stays
 * the one list of fields. */
static const char *item_columns(duban_store *st)
{
	struct duban_buf b;

	if (st->columns)
		return st->columns;
	duban_buf_init(&b);
	duban_buf_puts(&b, "id, created_at, updated_at, version");
	for (size_t i = 0; i < duban_field_count; i++)
		duban_buf_printf(&b, ", \"%s\"", duban_fields[i].name);
	st->columns = duban_buf_steal(&b);
	return st->columns;
}

#define ITEM_META_COLUMNS 4

static void bind_field(sqlite3_stmt *s, int i, const struct duban_field *f, const struct duban_item *item)
{
	const char *p = (const char *)item + f->offset;
	double d;

	switch (f->type) {
	case DUBAN_FT_TEXT:
		bind_text(s, i, *(char *const *)p);
		break;
	case DUBAN_FT_DATE:
		bind_date(s, i, *(const duban_date *)p);
		break;
	case DUBAN_FT_INT:
	case DUBAN_FT_BOOL:
		if (f->type == DUBAN_FT_BOOL)
			sqlite3_bind_int(s, i, *(const bool *)p);
		else
			sqlite3_bind_int(s, i, *(const int *)p);
		break;
	case DUBAN_FT_DOUBLE:
		d = *(const double *)p;
		if (isnan(d))
			sqlite3_bind_null(s, i);
		else
			sqlite3_bind_double(s, i, d);
		break;
	default: {
		char *text = duban_field_format(f, item);
		sqlite3_bind_text(s, i, text, -1, free);
	}
	}
}

static void read_field(sqlite3_stmt *s, int i, const struct duban_field *f, struct duban_item *item)
{
	char *p = (char *)item + f->offset;
	const unsigned char *t;

	switch (f->type) {
	case DUBAN_FT_TEXT:
		free(*(char **)p);
		*(char **)p = column_str(s, i);
		break;
	case DUBAN_FT_DATE:
		*(duban_date *)p = column_date_at(s, i);
		break;
	case DUBAN_FT_INT:
		*(int *)p = sqlite3_column_int(s, i);
		break;
	case DUBAN_FT_BOOL:
		*(bool *)p = sqlite3_column_int(s, i) != 0;
		break;
	case DUBAN_FT_DOUBLE:
		*(double *)p = sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
		break;
	default:
		t = sqlite3_column_text(s, i);
		duban_field_parse(f, item, t ? (const char *)t : "");
	}
}

/* Reads a row selected with item_columns() starting at column 0. */
void store_read_item(sqlite3_stmt *s, struct duban_item *item)
{
	copy_fixed(item->id, sizeof item->id, sqlite3_column_text(s, 0));
	copy_fixed(item->created_at, sizeof item->created_at, sqlite3_column_text(s, 1));
	copy_fixed(item->updated_at, sizeof item->updated_at, sqlite3_column_text(s, 2));
	item->version = sqlite3_column_int64(s, 3);
	for (size_t i = 0; i < duban_field_count; i++)
		read_field(s, (int)i + ITEM_META_COLUMNS, &duban_fields[i], item);
}

char *store_item_select_sql(duban_store *st, const char *tail)
{
	return xasprintf("SELECT %s FROM item %s", item_columns(st), tail);
}

sqlite3_stmt *store_item_scan_open(duban_store *st)
{
	char *sql = store_item_select_sql(st, "ORDER BY seq");
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, _("reading the items"));
		s = NULL;
	}
	free(sql);
	return s;
}

int store_item_scan_next(sqlite3_stmt *s, struct duban_item *item)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	store_read_item(s, item);
	return 1;
}

static char *due_key(const struct duban_item *item, char buf[11])
{
	if (item->deadline == DUBAN_DATE_NONE)
		return strcpy(buf, "9999-12-31");
	return duban_date_format(item->deadline, buf);
}

/* ---------------------------------------------------------------- search index */

static char *units_text(const struct duban_item *item)
{
	return xasprintf("%s %s", item->lead_unit, item->co_units);
}

/* Adds (or, with remove, deletes) an item's text in the contentless index;
 * a delete must repeat exactly the text that was indexed.  Nothing while
 * the index waits to be built: the build takes the item as it is then. */
static enum duban_err fts_write(duban_store *st, long long seq, const struct duban_item *item, bool remove)
{
	sqlite3_stmt *s;
	char *units;
	int rc;

	if (store_fts_pending(st))
		return DUBAN_OK;
	if (remove)
		s = store_stmt(st, STMT_FTS_DELETE,
			       "INSERT INTO item_fts (item_fts, rowid, " DUBAN_FTS_COLUMNS ")"
			       " VALUES ('delete', ?, ?, ?, ?, ?, ?)");
	else
		s = store_stmt(st, STMT_FTS_INSERT,
			       "INSERT INTO item_fts (rowid, " DUBAN_FTS_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)");
	if (!s)
		return DUBAN_ERR_DB;
	units = units_text(item);
	sqlite3_bind_int64(s, 1, seq);
	bind_text(s, 2, item->code);
	bind_text(s, 3, item->title);
	bind_text(s, 4, item->description);
	bind_text(s, 5, units);
	bind_text(s, 6, item->measures);
	rc = step_done(s);
	free(units);
	return rc == SQLITE_OK ? DUBAN_OK : store_db_fail(st, _("updating the search index"));
}

static bool fts_text_changed(const struct duban_item *a, const struct duban_item *b)
{
	return strcmp(a->code, b->code) || strcmp(a->title, b->title) || strcmp(a->description, b->description)
	       || strcmp(a->lead_unit, b->lead_unit) || strcmp(a->co_units, b->co_units)
	       || strcmp(a->measures, b->measures);
}

/* ---------------------------------------------------------------- events and ops */

/* The op an event belongs to: the pushed op the server is applying, else
 * the op this change just queued (taken, so it tags one change only). */
static const char *event_op_id(duban_store *st)
{
	if (st->op_id[0])
		return st->op_id;
	return st->last_op_id;
}

enum duban_err store_write_event(duban_store *st, const char *item_id, const char *field,
				 const char *old_value, const char *new_value, const char *reason,
				 const char *author, const char *device, const char *now)
{
	sqlite3_stmt *s = store_stmt(st, STMT_EVENT_INSERT,
				     "INSERT INTO event (item_id, field, old_value, new_value, reason, author, device,"
				     " created_at, received_at, op_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	const char *op_id = event_op_id(st);

	if (!s)
		return DUBAN_ERR_DB;
	if ((!reason || !*reason) && st->source)
		reason = st->source;
	bind_text(s, 1, item_id);
	bind_text(s, 2, field);
	if (old_value)
		bind_text(s, 3, old_value);
	if (new_value)
		bind_text(s, 4, new_value);
	bind_text(s, 5, reason);
	bind_text(s, 6, author ? author : st->user);
	bind_text(s, 7, device ? device : st->device);
	bind_text(s, 8, st->recorded_at[0] ? st->recorded_at : now);
	bind_text(s, 9, st->receiving ? now : "");
	if (op_id[0])
		bind_text(s, 10, op_id);
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("writing the audit trail"));
	st->last_op_id[0] = '\0';
	return DUBAN_OK;
}

static enum duban_err write_event(duban_store *st, const char *item_id, const char *field,
				  const char *old_value, const char *new_value, const char *reason,
				  const char *now)
{
	return store_write_event(st, item_id, field, old_value, new_value, reason, NULL, NULL, now);
}

enum duban_err store_write_op(duban_store *st, const char *kind, const char *item_id, const char *field,
			      const char *base, const char *value, cJSON *body, const char *now)
{
	sqlite3_stmt *s;
	char id[37];
	char *json = NULL;
	int rc;

	st->last_op_id[0] = '\0';
	if (!st->outbox) {
		cJSON_Delete(body);
		return DUBAN_OK;
	}
	s = store_stmt(st, STMT_OP_INSERT,
		       "INSERT INTO op (id, kind, item_id, field, base, value, body, created_at)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!s) {
		cJSON_Delete(body);
		return DUBAN_ERR_DB;
	}
	duban_uuid(id);
	if (body) {
		json = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
	}
	bind_text(s, 1, id);
	bind_text(s, 2, kind);
	bind_text(s, 3, item_id);
	if (field)
		bind_text(s, 4, field);
	if (base)
		bind_text(s, 5, base);
	if (value)
		bind_text(s, 6, value);
	if (json)
		bind_text(s, 7, json);
	bind_text(s, 8, now);
	rc = step_done(s);
	free(json);
	if (rc != SQLITE_OK)
		return store_db_fail(st, _("queueing the change for sync"));
	snprintf(st->last_op_id, sizeof st->last_op_id, "%s", id);
	return DUBAN_OK;
}

/* The one number a cached statement of a single count returns. */
static long long count_of(duban_store *st, enum store_stmt_id id, const char *sql)
{
	sqlite3_stmt *s = store_stmt(st, id, sql);
	long long n = 0;

	if (!s)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

long long duban_outbox_count(duban_store *st)
{
	return count_of(st, STMT_OP_COUNT, "SELECT count(*) FROM op");
}

/* ---------------------------------------------------------------- item CRUD */

/* An inspector writes the items of their counties only (the server's rule,
 * checked here too so nothing is queued that it would refuse). */
static enum duban_err check_county(duban_store *st, const char *county)
{
	const char *p = st->counties;
	size_t n = strlen(county);

	if (st->role != DUBAN_ROLE_INSPECTOR || !p)
		return DUBAN_OK;
	for (const char *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		if ((size_t)(nl - p) == n && strncmp(p, county, n) == 0)
			return DUBAN_OK;
	}
	return store_fail(st, DUBAN_ERR_PERMISSION, _("%s %s may not write items of %s"), duban_role_id(st->role),
			  st->user, *county ? county : _("(no county)"));
}

enum duban_err store_check_county(duban_store *st, const char *county)
{
	return check_county(st, county ? county : "");
}

/* ---------------------------------------------------------------- limits */

/* what: the field as users name it (`--set NAME`, the JSON key). */
static enum duban_err check_text(duban_store *st, const char *what, const char *s, size_t max)
{
	char msg[256];
	if (duban_text_within(what, s, max, msg, sizeof msg))
		return DUBAN_OK;
	return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
}

static enum duban_err validate_item(duban_store *st, const struct duban_item *item)
{
	char msg[256];

	if (duban_item_check(item, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	return DUBAN_OK;
}

static long long item_seq(duban_store *st, const char *id)
{
	sqlite3_stmt *s = store_stmt(st, STMT_ITEM_SEQ, "SELECT seq FROM item WHERE id = ?");
	long long seq = 0;

	if (!s)
		return 0;
	bind_text(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return seq;
}

static enum duban_err code_taken(duban_store *st, const char *code, const char *except_id)
{
	sqlite3_stmt *s = store_stmt(st, STMT_CODE_TAKEN, "SELECT id FROM item WHERE code = ?");
	enum duban_err err = DUBAN_OK;

	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, code);
	if (sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), except_id) != 0)
		err = store_fail(st, DUBAN_ERR_DUPLICATE, _("the code %s is already used by another item"), code);
	sqlite3_reset(s);
	return err;
}

static enum duban_err insert_row(duban_store *st, const struct duban_item *item, long long *seq)
{
	sqlite3_stmt *s;
	char key[11];

	if (!st->stmt[STMT_ITEM_INSERT]) {
		struct duban_buf b;
		char *sql;

		duban_buf_init(&b);
		duban_buf_printf(&b, "INSERT INTO item (%s, due_key) VALUES (?, ?, ?, ?", item_columns(st));
		for (size_t i = 0; i < duban_field_count; i++)
			duban_buf_puts(&b, ", ?");
		duban_buf_puts(&b, ", ?)");
		sql = duban_buf_steal(&b);
		s = store_stmt(st, STMT_ITEM_INSERT, sql);
		free(sql);
	} else {
		s = store_stmt(st, STMT_ITEM_INSERT, NULL);
	}
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item->id);
	bind_text(s, 2, item->created_at);
	bind_text(s, 3, item->updated_at);
	sqlite3_bind_int64(s, 4, item->version);
	for (size_t i = 0; i < duban_field_count; i++)
		bind_field(s, (int)i + ITEM_META_COLUMNS + 1, &duban_fields[i], item);
	bind_text(s, (int)duban_field_count + ITEM_META_COLUMNS + 1, due_key(item, key));
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("saving the item"));
	*seq = sqlite3_last_insert_rowid(st->db);
	return DUBAN_OK;
}

enum duban_err duban_item_insert(duban_store *st, struct duban_item *item)
{
	enum duban_err err;
	long long seq = 0;
	char now[25];

	if (st->role == DUBAN_ROLE_VIEWER)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("a viewer may not add items"));
	if ((err = validate_item(st, item)) != DUBAN_OK || (err = check_county(st, item->county)) != DUBAN_OK)
		return err;
	if (st->role != DUBAN_ROLE_OFFICE && item->status != DUBAN_STATUS_NOT_STARTED &&
	    item->status != DUBAN_STATUS_IN_PROGRESS)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("the %s role may not create an item with status %s"),
				  duban_role_name(st->role), duban_status_name(item->status));
	if (st->role != DUBAN_ROLE_OFFICE && item->acceptance_levels && *item->acceptance_levels)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("only the office sets an item's acceptance levels"));
	if (!item->id[0])
		duban_uuid(item->id);
	else if (!duban_uuid_valid(item->id))
		return store_fail(st, DUBAN_ERR_INVALID, _("'%s' is not a valid item id"), item->id);
	duban_timestamp_now(now);
	if (!item->created_at[0])
		snprintf(item->created_at, sizeof item->created_at, "%s", now);
	snprintf(item->updated_at, sizeof item->updated_at, "%s", now);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		return err;
	err = code_taken(st, item->code, item->id);
	if (!err && item_seq(st, item->id))
		err = store_fail(st, DUBAN_ERR_DUPLICATE, _("the item id %s already exists"), item->id);
	if (!err)
		err = insert_row(st, item, &seq);
	if (!err && !st->bulk)
		err = fts_write(st, seq, item, false);
	/* No body to build when no op is queued (demo, pulled data). */
	if (!err)
		err = store_write_op(st, "item.create", item->id, NULL, NULL, NULL,
				     st->outbox ? duban_item_to_json(item) : NULL, now);
	if (!err)
		err = write_event(st, item->id, "create", NULL, item->code, "", now);
	return store_change_end(st, err);
}

/* Reads the first row of s into out, or fails (s reset) naming key. */
static enum duban_err first_item(duban_store *st, sqlite3_stmt *s, const char *key, struct duban_item *out)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return store_db_fail(st, _("reading an item"));
		return store_fail(st, DUBAN_ERR_NOT_FOUND, _("no item with code or id '%s'"), key);
	}
	duban_item_free(out);
	duban_item_init(out);
	store_read_item(s, out);
	return DUBAN_OK;
}

enum duban_err duban_item_get(duban_store *st, const char *key, struct duban_item *out)
{
	sqlite3_stmt *s;
	char *sql;
	enum duban_err err;
	size_t klen = strlen(key);

	if (!st->stmt[STMT_ITEM_GET]) {
		/* A unique id prefix of 8 or more characters is as good as the id:
		 * people copy the first block of a UUID. */
		sql = xasprintf("SELECT %s FROM item WHERE code = ?1"
				" UNION ALL SELECT * FROM (SELECT %s FROM item"
				" WHERE ?2 AND id >= ?1 AND id < ?1 || '~' AND code <> ?1 LIMIT 2)",
				item_columns(st), item_columns(st));
		s = store_stmt(st, STMT_ITEM_GET, sql);
		free(sql);
	} else {
		s = store_stmt(st, STMT_ITEM_GET, NULL);
	}
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, key);
	sqlite3_bind_int(s, 2, klen >= 8);
	if ((err = first_item(st, s, key, out)) != DUBAN_OK)
		return err;
	/* An exact code wins; a prefix must be unambiguous. */
	if (strcmp(out->code, key) != 0 && sqlite3_step(s) == SQLITE_ROW) {
		sqlite3_reset(s);
		return store_fail(st, DUBAN_ERR_NOT_FOUND, _("'%s' matches more than one item id: give more characters"), key);
	}
	sqlite3_reset(s);
	return DUBAN_OK;
}

enum duban_err duban_item_get_by_id(duban_store *st, const char *id, struct duban_item *out)
{
	sqlite3_stmt *s;
	char *sql = NULL;
	enum duban_err err;

	if (!st->stmt[STMT_ITEM_BY_ID])
		sql = store_item_select_sql(st, "WHERE id = ?");
	s = store_stmt(st, STMT_ITEM_BY_ID, sql);
	free(sql);
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, id);
	if ((err = first_item(st, s, id, out)) == DUBAN_OK)
		sqlite3_reset(s);
	return err;
}

long long duban_item_total(duban_store *st)
{
	return count_of(st, STMT_ITEM_TOTAL, "SELECT count(*) FROM item");
}

/* Writes every column of the row with item->id. */
static enum duban_err rewrite_row(duban_store *st, const struct duban_item *item)
{
	sqlite3_stmt *s;
	char key[11];

	if (!st->stmt[STMT_ITEM_UPDATE]) {
		struct duban_buf b;
		char *sql;

		duban_buf_init(&b);
		duban_buf_puts(&b, "UPDATE item SET updated_at = ?2, version = ?3, due_key = ?4");
		for (size_t i = 0; i < duban_field_count; i++)
			duban_buf_printf(&b, ", \"%s\" = ?%zu", duban_fields[i].name, i + 5);
		duban_buf_puts(&b, " WHERE id = ?1");
		sql = duban_buf_steal(&b);
		s = store_stmt(st, STMT_ITEM_UPDATE, sql);
		free(sql);
	} else {
		s = store_stmt(st, STMT_ITEM_UPDATE, NULL);
	}
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item->id);
	bind_text(s, 2, item->updated_at);
	sqlite3_bind_int64(s, 3, item->version);
	bind_text(s, 4, due_key(item, key));
	for (size_t i = 0; i < duban_field_count; i++)
		bind_field(s, (int)i + 5, &duban_fields[i], item);
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("saving the item"));
	return DUBAN_OK;
}

/* One event and one op per changed field, each with its old value as base. */
static enum duban_err record_field_changes(duban_store *st, const struct duban_item *old,
					   const struct duban_item *item, const char *reason,
					   const char *now, int *changed)
{
	enum duban_err err = DUBAN_OK;

	for (size_t i = 0; i < duban_field_count && !err; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *before, *after;

		if (duban_field_equal(f, old, item))
			continue;
		before = duban_field_format(f, old);
		after = duban_field_format(f, item);
		/* The reason travels with the change, so every replica's history
		 * says why (an import names its file). */
		const char *why = reason && *reason ? reason : st->source;
		cJSON *body = NULL;
		if (why && *why) {
			body = cJSON_CreateObject();
			cJSON_AddStringToObject(body, "reason", why);
		}
		err = store_write_op(st, "item.set", item->id, f->name, before, after, body, now);
		if (!err)
			err = write_event(st, item->id, f->name, before, after, reason, now);
		free(before);
		free(after);
		(*changed)++;
	}
	return err;
}

enum duban_err duban_item_update_ex(duban_store *st, struct duban_item *item, int *changed,
				    bool allow_status, const char *reason)
{
	struct duban_item old;
	enum duban_err err;
	int n = 0;
	char now[25];
	long long seq;

	if (changed)
		*changed = 0;
	if (st->role == DUBAN_ROLE_VIEWER)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("a viewer may not change items"));
	if ((err = validate_item(st, item)) != DUBAN_OK)
		return err;
	duban_item_init(&old);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = duban_item_get(st, item->id, &old);
	if (!err && strcmp(old.id, item->id) != 0)
		err = store_fail(st, DUBAN_ERR_NOT_FOUND, _("no item with id '%s'"), item->id);
	if (!err)
		err = check_county(st, old.county);
	if (!err)
		err = check_county(st, item->county);
	if (!err && old.status != item->status && !allow_status)
		err = store_fail(st, DUBAN_ERR_INVALID, _("the status changes only through a status command"));
	if (!err && strcmp(old.code, item->code) != 0)
		err = code_taken(st, item->code, item->id);
	if (!err) {
		char msg[256];
		bool permission;
		if (!duban_acceptance_levels_check(old.acceptance_levels, item->acceptance_levels, st->role, &permission,
						   msg, sizeof msg))
			err = store_fail(st, permission ? DUBAN_ERR_PERMISSION : DUBAN_ERR_INVALID, "%s", msg);
	}
	if (!err) {
		duban_timestamp_now(now);
		err = record_field_changes(st, &old, item, reason, now, &n);
	}
	if (!err && n > 0) {
		snprintf(item->updated_at, sizeof item->updated_at, "%s", now);
		err = rewrite_row(st, item);
		seq = item_seq(st, item->id);
		if (!err && fts_text_changed(&old, item)) {
			err = fts_write(st, seq, &old, true);
			if (!err)
				err = fts_write(st, seq, item, false);
		}
	}
	err = store_change_end(st, err);
	if (!err && changed)
		*changed = n;
out:
	duban_item_free(&old);
	return err;
}

enum duban_err duban_item_update(duban_store *st, struct duban_item *item, int *changed)
{
	return duban_item_update_ex(st, item, changed, false, "");
}

/* Reaching verification means the work is done.  The progress of 100 that
 * this implies is a change of its own: its own event, and its own item.set
 * op that the server checks like any other (a concurrent edit of progress is
 * a conflict, not an overwrite) and applies only while the status it follows
 * holds ("implied_by"). */
static bool status_implies_done(enum duban_status s)
{
	return s == DUBAN_STATUS_VERIFIED || s == DUBAN_STATUS_PUBLICIZED || s == DUBAN_STATUS_CLOSED;
}

static enum duban_err imply_progress_done(duban_store *st, struct duban_item *item, const char *now)
{
	sqlite3_stmt *s;
	char before[16];
	cJSON *body;
	enum duban_err err;

	if (!st->implied || item->progress == 100)
		return DUBAN_OK;
	snprintf(before, sizeof before, "%d", item->progress);
	item->progress = 100;
	s = store_stmt(st, STMT_PROGRESS_UPDATE, "UPDATE item SET progress = 100, updated_at = ?2 WHERE id = ?1");
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item->id);
	bind_text(s, 2, now);
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("saving the progress"));
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "implied_by", "status");
	cJSON_AddStringToObject(body, "reason", DUBAN_IMPLIED_REASON);
	err = store_write_op(st, "item.set", item->id, "progress", before, "100", body, now);
	if (!err)
		err = write_event(st, item->id, "progress", before, "100", DUBAN_IMPLIED_REASON, now);
	return err;
}

/* Moves the status and writes its event and op (then the progress it
 * implies); the caller has checked the machine and holds a savepoint. */
static enum duban_err apply_status(duban_store *st, struct duban_item *item, enum duban_status to,
				   const char *reason, const char *now)
{
	enum duban_status from = item->status;
	sqlite3_stmt *s;
	enum duban_err err;
	cJSON *body;

	s = store_stmt(st, STMT_STATUS_UPDATE, "UPDATE item SET status = ?2, updated_at = ?3 WHERE id = ?1");
	if (!s)
		return DUBAN_ERR_DB;
	item->status = to;
	bind_text(s, 1, item->id);
	bind_text(s, 2, duban_status_id(to));
	bind_text(s, 3, now);
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("saving the status"));
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "reason", reason ? reason : "");
	err = store_write_op(st, "item.status", item->id, "status", duban_status_id(from), duban_status_id(to), body,
			     now);
	if (!err)
		err = write_event(st, item->id, "status", duban_status_id(from), duban_status_id(to), reason, now);
	if (!err && status_implies_done(to))
		err = imply_progress_done(st, item, now);
	return err;
}

static enum duban_err check_move(duban_store *st, const struct duban_item *item, enum duban_status to,
				 const char *reason)
{
	char msg[256];
	enum duban_err err = duban_status_move_check(item, to, st->role, reason, msg, sizeof msg);

	/* 销号 waits for the end of the public notice and for every objection
	 * to be settled. */
	if (err == DUBAN_OK && to == DUBAN_STATUS_CLOSED) {
		err = duban_close_allowed(st, item, msg, sizeof msg);
		if (err == DUBAN_ERR_DB)
			return err;
	}
	return err == DUBAN_OK ? DUBAN_OK : store_fail(st, err, "%s", msg);
}

enum duban_err duban_item_set_status(duban_store *st, const char *item_id, enum duban_status to, const char *reason)
{
	struct duban_item item;
	enum duban_err err;
	char now[25];

	if ((err = check_text(st, "reason", reason, DUBAN_MAX_TEXT_CHARS)) != DUBAN_OK)
		return err;
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = duban_item_get(st, item_id, &item);
	if (!err)
		err = check_county(st, item.county);
	if (!err)
		err = check_move(st, &item, to, reason);
	if (!err)
		err = apply_status(st, &item, to, reason, duban_timestamp_now(now));
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

enum duban_err duban_item_delete(duban_store *st, const char *item_id)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s;
	char now[25];
	long long seq;

	if (st->role != DUBAN_ROLE_OFFICE)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("only the office may delete items"));
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = duban_item_get(st, item_id, &item);
	if (!err) {
		seq = item_seq(st, item.id);
		err = fts_write(st, seq, &item, true);
	}
	if (!err) {
		s = store_stmt(st, STMT_ITEM_DELETE, "DELETE FROM item WHERE id = ?");
		if (!s)
			err = DUBAN_ERR_DB;
		else {
			bind_text(s, 1, item.id);
			if (step_done(s) != SQLITE_OK)
				err = store_db_fail(st, _("deleting the item"));
		}
	}
	duban_timestamp_now(now);
	if (!err)
		err = store_write_op(st, "item.delete", item.id, NULL, NULL, NULL, NULL, now);
	if (!err)
		err = write_event(st, item.id, "delete", item.code, NULL, "", now);
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

/* ---------------------------------------------------------------- rows for sync */

enum duban_err store_item_put(duban_store *st, const struct duban_item *old, const struct duban_item *item)
{
	enum duban_err err;
	long long seq = 0;

	if (!old) {
		err = insert_row(st, item, &seq);
		/* A bulk load indexes every item it added at its end. */
		return err || st->bulk ? err : fts_write(st, seq, item, false);
	}
	if ((err = rewrite_row(st, item)) != DUBAN_OK)
		return err;
	if (!fts_text_changed(old, item))
		return DUBAN_OK;
	seq = item_seq(st, item->id);
	err = fts_write(st, seq, old, true);
	return err ? err : fts_write(st, seq, item, false);
}

enum duban_err store_item_remove(duban_store *st, const struct duban_item *item)
{
	enum duban_err err;
	sqlite3_stmt *s;

	if ((err = fts_write(st, item_seq(st, item->id), item, true)) != DUBAN_OK)
		return err;
	s = store_stmt(st, STMT_ITEM_DELETE, "DELETE FROM item WHERE id = ?");
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item->id);
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("deleting the item"));
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- records */

/* duband stamps when it received a record; elsewhere it keeps what it has. */
static const char *stamp_received(duban_store *st, char received_at[25])
{
	if (st->receiving)
		duban_timestamp_now(received_at);
	return received_at;
}

/* Fills a record's id and time, checks the item exists and may be written. */
static enum duban_err record_prepare(duban_store *st, char id[37], char item_id[37], char created_at[25],
				     struct duban_item *item)
{
	enum duban_err err;

	if (st->role == DUBAN_ROLE_VIEWER)
		return store_fail(st, DUBAN_ERR_PERMISSION, _("a viewer may not add records"));
	if ((err = duban_item_get(st, item_id, item)) != DUBAN_OK || (err = check_county(st, item->county)) != DUBAN_OK)
		return err;
	snprintf(item_id, 37, "%s", item->id);
	if (!id[0])
		duban_uuid(id);
	if (!created_at[0])
		duban_timestamp_now(created_at);
	return DUBAN_OK;
}

static enum duban_err touch_item(duban_store *st, const char *item_id, const char *now)
{
	sqlite3_stmt *s = store_stmt(st, STMT_ITEM_TOUCH, "UPDATE item SET updated_at = ?2 WHERE id = ?1");

	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	bind_text(s, 2, now);
	if (step_done(s) != SQLITE_OK)
		return store_db_fail(st, _("saving the item"));
	return DUBAN_OK;
}

static enum duban_err finish_record(duban_store *st, sqlite3_stmt *s, const char *kind, const char *item_id,
				    cJSON *body, const char *now)
{
	if (step_done(s) != SQLITE_OK) {
		cJSON_Delete(body);
		if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
			return store_fail(st, DUBAN_ERR_DUPLICATE, _("this record was already saved"));
		return store_db_fail(st, _("saving the record"));
	}
	enum duban_err err = touch_item(st, item_id, now);
	if (!err)
		err = store_write_op(st, kind, item_id, NULL, NULL, NULL, body, now);
	else
		cJSON_Delete(body);
	st->last_op_id[0] = '\0';
	return err;
}

enum duban_err duban_note_add(duban_store *st, struct duban_note *n)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s;

	char msg[256];

	if (duban_note_check(n, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, n->id, n->item_id, n->created_at, &item);
	if (!err && !(s = store_stmt(st, STMT_NOTE_INSERT,
				     "INSERT INTO note (id, item_id, author, text, created_at, received_at) VALUES (?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!n->author || !*n->author)
			duban_set_str(&n->author, st->user);
		bind_text(s, 1, n->id);
		bind_text(s, 2, n->item_id);
		bind_text(s, 3, n->author);
		bind_text(s, 4, n->text);
		bind_text(s, 5, n->created_at);
		bind_text(s, 6, stamp_received(st, n->received_at));
		err = finish_record(st, s, "note.add", n->item_id, duban_note_to_json(n), n->created_at);
	}
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

enum duban_err duban_item_chain(duban_store *st, const char *item_id, struct duban_acceptance_chain *out)
{
	sqlite3_stmt *s = store_stmt(st, STMT_ITEM_CHAIN, "SELECT acceptance_levels FROM item WHERE id = ?");
	int rc;

	*out = st->policy.acceptance;
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		duban_acceptance_of((const char *)sqlite3_column_text(s, 0), &st->policy.acceptance, out);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the acceptance chain"));
}

/* A link (举一反三) is a record of the item it starts from; the other end
 * must be known here too (an item of another county the user cannot see
 * cannot be named). */
enum duban_err duban_link_add(duban_store *st, struct duban_link *l)
{
	struct duban_item item, other;
	enum duban_err err;
	sqlite3_stmt *s = NULL;
	char msg[256];

	if (duban_link_check(l, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	duban_item_init(&other);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, l->id, l->item_id, l->created_at, &item);
	if (!err && !st->receiving)
		err = duban_item_get_by_id(st, l->other_id, &other);
	if (!err && !(s = store_stmt_sql(st, "/* link */ INSERT INTO link (id, item_id, other_id, kind, why, author,"
					  " created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!l->author || !*l->author)
			duban_set_str(&l->author, st->user);
		bind_text(s, 1, l->id);
		bind_text(s, 2, l->item_id);
		bind_text(s, 3, l->other_id);
		bind_text(s, 4, duban_link_kind_id(l->kind));
		bind_text(s, 5, l->why ? l->why : "");
		bind_text(s, 6, l->author);
		bind_text(s, 7, l->created_at);
		bind_text(s, 8, stamp_received(st, l->received_at));
		err = finish_record(st, s, "link.add", l->item_id, duban_link_to_json(l), l->created_at);
	}
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	duban_item_free(&other);
	return err;
}

enum duban_err duban_acceptance_progress(duban_store *st, const char *item_id, int *next)
{
	struct duban_acceptance_chain chain;
	enum duban_err cerr = duban_item_chain(st, item_id, &chain);
	if (cerr != DUBAN_OK)
		return cerr;
	/* Since the latest request: a chain signed before the item went back to
	 * work (a fail, an upheld objection) does not count again. */
	sqlite3_stmt *s = store_stmt(st, STMT_SIGNOFFS,
				     "SELECT level, passed FROM inspection WHERE item_id = ?1 AND level <> ''"
				     " AND created_at >= coalesce((SELECT max(created_at) FROM event WHERE item_id = ?1"
				     "  AND field = 'status' AND new_value = 'requested'), '')"
				     " ORDER BY created_at, rowid");
	struct duban_signoff_ref *refs = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*next = 0;
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			refs = xrealloc(refs, cap * sizeof *refs);
		}
		refs[n].level = xstrdup((const char *)sqlite3_column_text(s, 0));
		refs[n++].passed = sqlite3_column_int(s, 1) != 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		*next = duban_acceptance_next(&chain, refs, n);
	for (size_t i = 0; i < n; i++)
		free((char *)refs[i].level);
	free(refs);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the sign-offs"));
}

enum duban_err duban_evidence_present(duban_store *st, const char *item_id, unsigned *mask)
{
	sqlite3_stmt *s = store_stmt(st, STMT_EVIDENCE, "SELECT DISTINCT kind FROM attachment WHERE item_id = ?");
	int rc;

	*mask = 0;
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = duban_evidence_parse((const char *)sqlite3_column_text(s, 0));
		*mask |= 1u << (k < 0 ? DUBAN_EVIDENCE_OTHER : k);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the attachments"));
}

/* An acceptance check moves a requested item: a fail sends it back to in
 * progress with the findings as the reason; a pass verifies it once the
 * last level of the acceptance chain is signed. */
static enum duban_err inspection_moves(duban_store *st, struct duban_item *item,
				       const struct duban_inspection *r)
{
	enum duban_status to;
	const char *reason;

	if (!st->implied || item->status != DUBAN_STATUS_REQUESTED)
		return DUBAN_OK;
	if (r->passed) {
		struct duban_acceptance_chain chain;
		int next = 0;
		enum duban_err err = duban_item_chain(st, item->id, &chain);
		if (!err)
			err = duban_acceptance_progress(st, item->id, &next);
		if (err != DUBAN_OK || next < chain.n)
			return err;
	}
	to = r->passed ? DUBAN_STATUS_VERIFIED : DUBAN_STATUS_IN_PROGRESS;
	reason = r->passed ? "" : (r->findings && *r->findings ? r->findings : _("acceptance check failed"));
	if (duban_status_check(item->status, to, st->role, reason) != DUBAN_OK)
		return DUBAN_OK;
	return apply_status(st, item, to, reason, r->created_at);
}

enum duban_err duban_inspection_add(duban_store *st, struct duban_inspection *r)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s;
	char date[11];

	char msg[256];

	if (duban_inspection_check(r, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, r->id, r->item_id, r->created_at, &item);
	if (!err && !(s = store_stmt(st, STMT_INSPECTION_INSERT,
				     "INSERT INTO inspection (id, item_id, date, level, inspectors, place, findings,"
				     " passed, author, created_at, received_at, criteria)"
				     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!r->author || !*r->author)
			duban_set_str(&r->author, st->user);
		bind_text(s, 1, r->id);
		bind_text(s, 2, r->item_id);
		bind_text(s, 3, duban_date_format(r->date, date));
		bind_text(s, 4, r->level);
		bind_text(s, 5, r->inspectors);
		bind_text(s, 6, r->place);
		bind_text(s, 7, r->findings);
		sqlite3_bind_int(s, 8, r->passed);
		bind_text(s, 9, r->author);
		bind_text(s, 10, r->created_at);
		bind_text(s, 11, stamp_received(st, r->received_at));
		bind_text(s, 12, r->criteria ? r->criteria : "");
		err = finish_record(st, s, "inspection.add", r->item_id, duban_inspection_to_json(r), r->created_at);
	}
	if (!err)
		err = inspection_moves(st, &item, r);
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

enum duban_err duban_action_add(duban_store *st, struct duban_action *a)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s;
	char date[11];

	char msg[256];

	if (duban_action_check(a, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, a->id, a->item_id, a->created_at, &item);
	if (!err && !(s = store_stmt(st, STMT_ACTION_INSERT,
				     "INSERT INTO action (id, item_id, kind, date, due, text, author, created_at, received_at)"
				     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!a->author || !*a->author)
			duban_set_str(&a->author, st->user);
		bind_text(s, 1, a->id);
		bind_text(s, 2, a->item_id);
		bind_text(s, 3, duban_action_kind_id(a->kind));
		bind_text(s, 4, duban_date_format(a->date, date));
		bind_date(s, 5, a->due);
		bind_text(s, 6, a->text);
		bind_text(s, 7, a->author);
		bind_text(s, 8, a->created_at);
		bind_text(s, 9, stamp_received(st, a->received_at));
		err = finish_record(st, s, "action.add", a->item_id, duban_action_to_json(a), a->created_at);
	}
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

enum duban_err duban_attachment_add(duban_store *st, struct duban_attachment *a)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s;

	char msg[256];

	if (duban_attachment_check(a, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, a->id, a->item_id, a->created_at, &item);
	if (!err && !(s = store_stmt(st, STMT_ATTACHMENT_INSERT,
				     "INSERT INTO attachment (id, item_id, inspection_id, sha256, name, mime, size,"
				     " author, created_at, received_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!a->author || !*a->author)
			duban_set_str(&a->author, st->user);
		bind_text(s, 1, a->id);
		bind_text(s, 2, a->item_id);
		bind_text(s, 3, a->inspection_id);
		bind_text(s, 4, a->sha256);
		bind_text(s, 5, a->name);
		bind_text(s, 6, a->mime);
		sqlite3_bind_int64(s, 7, a->size);
		bind_text(s, 8, a->author);
		bind_text(s, 9, a->created_at);
		bind_text(s, 10, stamp_received(st, a->received_at));
		bind_text(s, 11, duban_evidence_id(a->kind));
		err = finish_record(st, s, "attachment.add", a->item_id, duban_attachment_to_json(a), a->created_at);
	}
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

/* ---------------------------------------------------------------- notice */

enum duban_err duban_notice_add(duban_store *st, struct duban_notice *r)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s;
	char date[11], end[11], msg[256];

	/* Only an opening has an end (a zeroed struct would say 1970). */
	if (r->kind != DUBAN_NOTICE_OPEN)
		r->end = DUBAN_DATE_NONE;
	if (duban_notice_check(r, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, r->id, r->item_id, r->created_at, &item);
	if (!err && !(s = store_stmt_sql(st, "/* store */ INSERT INTO notice (id, item_id, kind, date, end_date, place,"
					 " contact, person, text, objection_id, upheld, author, created_at, received_at)"
					 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!r->author || !*r->author)
			duban_set_str(&r->author, st->user);
		bind_text(s, 1, r->id);
		bind_text(s, 2, r->item_id);
		bind_text(s, 3, duban_notice_kind_id(r->kind));
		bind_text(s, 4, duban_date_format(r->date, date));
		if (r->end == DUBAN_DATE_NONE)
			sqlite3_bind_null(s, 5);
		else
			bind_text(s, 5, duban_date_format(r->end, end));
		bind_text(s, 6, r->place ? r->place : "");
		bind_text(s, 7, r->contact ? r->contact : "");
		bind_text(s, 8, r->person ? r->person : "");
		bind_text(s, 9, r->text ? r->text : "");
		bind_text(s, 10, r->objection_id);
		sqlite3_bind_int(s, 11, r->upheld);
		bind_text(s, 12, r->author);
		bind_text(s, 13, r->created_at);
		bind_text(s, 14, stamp_received(st, r->received_at));
		err = finish_record(st, s, "notice.add", r->item_id, duban_notice_to_json(r), r->created_at);
	}
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

void duban_notices_free(struct duban_notice *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		duban_notice_free(&r[i]);
	free(r);
}

enum duban_err duban_notice_list(duban_store *st, const char *item_id, struct duban_notice **out, size_t *n)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* store */ SELECT id, kind, date, end_date, place, contact, person, text,"
					 " objection_id, upheld, author, created_at, received_at FROM notice"
					 " WHERE item_id = ? ORDER BY created_at, id");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct duban_notice *r;
		int k = duban_notice_kind_parse((const char *)sqlite3_column_text(s, 1));
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		r = &(*out)[(*n)++];
		memset(r, 0, sizeof *r);
		copy_fixed(r->id, sizeof r->id, sqlite3_column_text(s, 0));
		snprintf(r->item_id, sizeof r->item_id, "%s", item_id);
		r->kind = k < 0 ? DUBAN_NOTICE_OPEN : (enum duban_notice_kind)k;
		r->date = column_date_at(s, 2);
		r->end = column_date_at(s, 3);
		r->place = column_str(s, 4);
		r->contact = column_str(s, 5);
		r->person = column_str(s, 6);
		r->text = column_str(s, 7);
		copy_fixed(r->objection_id, sizeof r->objection_id, sqlite3_column_text(s, 8));
		r->upheld = sqlite3_column_int(s, 9) != 0;
		r->author = column_str(s, 10);
		copy_fixed(r->created_at, sizeof r->created_at, sqlite3_column_text(s, 11));
		copy_fixed(r->received_at, sizeof r->received_at, sqlite3_column_text(s, 12));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		duban_notices_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the notice"));
	}
	return DUBAN_OK;
}

enum duban_err duban_close_allowed(duban_store *st, const struct duban_item *item, char *msg, size_t msglen)
{
	struct duban_notice *r;
	size_t n;
	duban_date end;
	int number;
	char d[11], next[11];
	enum duban_err err = duban_notice_list(st, item->id, &r, &n);

	if (err != DUBAN_OK)
		return err;
	switch (duban_close_check(r, n, duban_today(), &end, &number)) {
	case DUBAN_CLOSE_NOTICE_RUNNING:
		snprintf(msg, msglen, _("%s cannot be closed yet: its public notice runs until %s (closing from %s)"),
			 item->code, duban_date_format(end, d), duban_date_format(end + 1, next));
		err = DUBAN_ERR_TRANSITION;
		break;
	case DUBAN_CLOSE_OBJECTION_OPEN:
		snprintf(msg, msglen, _("%s cannot be closed: objection %d is open (duban objection resolve %s %d)"),
			 item->code, number, item->code, number);
		err = DUBAN_ERR_TRANSITION;
		break;
	default:
		break;
	}
	duban_notices_free(r, n);
	return err;
}

/* ---------------------------------------------------------------- history */

/* One query over every record table, newest first; columns c1..c8 mean
 * different things per record type (see the readers below). */
static const char history_sql[] =
	"SELECT * FROM ("
	" SELECT 'note' AS t, created_at, id, author, text, NULL, NULL, NULL, NULL, NULL, 0 AS o, rowid AS r,"
	"  received_at, NULL FROM note WHERE item_id = ?1"
	" UNION ALL SELECT 'inspection', created_at, id, author, date, level, inspectors, place, findings, passed, 1, rowid,"
	"  received_at, criteria FROM inspection WHERE item_id = ?1"
	" UNION ALL SELECT 'action', created_at, id, author, kind, date, due, text, NULL, NULL, 2, rowid,"
	"  received_at, NULL FROM action WHERE item_id = ?1"
	" UNION ALL SELECT 'attachment', created_at, id, author, inspection_id, sha256, name, mime, size, kind, 3, rowid,"
	"  received_at, NULL FROM attachment WHERE item_id = ?1"
	" UNION ALL SELECT 'event', created_at, seq, author, field, old_value, new_value, reason, device, op_id, 4, seq,"
	"  received_at, origin FROM event WHERE item_id = ?1"
	/* Within one second: a status change after the record that caused
	 * it, and records of one kind in the order they were written. */
	") ORDER BY created_at DESC, o DESC, r DESC";

static int history_row(sqlite3_stmt *s, const char *item_id, duban_history_cb cb, void *ctx)
{
	const char *t = (const char *)sqlite3_column_text(s, 0);
	struct duban_history_entry e = { 0 };
	int stop;

	if (strcmp(t, "note") == 0) {
		struct duban_note n = { 0 };
		copy_fixed(n.created_at, sizeof n.created_at, sqlite3_column_text(s, 1));
		copy_fixed(n.received_at, sizeof n.received_at, sqlite3_column_text(s, 12));
		copy_fixed(n.id, sizeof n.id, sqlite3_column_text(s, 2));
		snprintf(n.item_id, sizeof n.item_id, "%s", item_id);
		n.author = column_str(s, 3);
		n.text = column_str(s, 4);
		e.note = &n;
		stop = cb(&e, ctx);
		duban_note_free(&n);
	} else if (strcmp(t, "inspection") == 0) {
		struct duban_inspection r = { 0 };
		copy_fixed(r.created_at, sizeof r.created_at, sqlite3_column_text(s, 1));
		copy_fixed(r.received_at, sizeof r.received_at, sqlite3_column_text(s, 12));
		copy_fixed(r.id, sizeof r.id, sqlite3_column_text(s, 2));
		snprintf(r.item_id, sizeof r.item_id, "%s", item_id);
		r.author = column_str(s, 3);
		r.date = column_date_at(s, 4);
		r.level = column_str(s, 5);
		r.inspectors = column_str(s, 6);
		r.place = column_str(s, 7);
		r.findings = column_str(s, 8);
		r.passed = sqlite3_column_int(s, 9) != 0;
		r.criteria = column_str(s, 13);
		e.inspection = &r;
		stop = cb(&e, ctx);
		duban_inspection_free(&r);
	} else if (strcmp(t, "action") == 0) {
		struct duban_action a = { 0 };
		int k = duban_action_kind_parse((const char *)sqlite3_column_text(s, 4));
		copy_fixed(a.created_at, sizeof a.created_at, sqlite3_column_text(s, 1));
		copy_fixed(a.received_at, sizeof a.received_at, sqlite3_column_text(s, 12));
		copy_fixed(a.id, sizeof a.id, sqlite3_column_text(s, 2));
		snprintf(a.item_id, sizeof a.item_id, "%s", item_id);
		a.author = column_str(s, 3);
		a.kind = k < 0 ? DUBAN_ACTION_REMINDER : (enum duban_action_kind)k;
		a.date = column_date_at(s, 5);
		a.due = column_date_at(s, 6);
		a.text = column_str(s, 7);
		e.action = &a;
		stop = cb(&e, ctx);
		duban_action_free(&a);
	} else if (strcmp(t, "attachment") == 0) {
		struct duban_attachment a = { 0 };
		copy_fixed(a.created_at, sizeof a.created_at, sqlite3_column_text(s, 1));
		copy_fixed(a.received_at, sizeof a.received_at, sqlite3_column_text(s, 12));
		copy_fixed(a.id, sizeof a.id, sqlite3_column_text(s, 2));
		snprintf(a.item_id, sizeof a.item_id, "%s", item_id);
		a.author = column_str(s, 3);
		copy_fixed(a.inspection_id, sizeof a.inspection_id, sqlite3_column_text(s, 4));
		copy_fixed(a.sha256, sizeof a.sha256, sqlite3_column_text(s, 5));
		a.name = column_str(s, 6);
		a.mime = column_str(s, 7);
		a.size = sqlite3_column_int64(s, 8);
		int k = duban_evidence_parse((const char *)sqlite3_column_text(s, 9));
		a.kind = k < 0 ? DUBAN_EVIDENCE_OTHER : (enum duban_evidence_kind)k;
		e.attachment = &a;
		stop = cb(&e, ctx);
		duban_attachment_free(&a);
	} else {
		struct duban_event ev = { 0 };
		copy_fixed(ev.created_at, sizeof ev.created_at, sqlite3_column_text(s, 1));
		copy_fixed(ev.received_at, sizeof ev.received_at, sqlite3_column_text(s, 12));
		copy_fixed(ev.op_id, sizeof ev.op_id, sqlite3_column_text(s, 9));
		ev.origin = sqlite3_column_int64(s, 13);
		ev.id = sqlite3_column_int64(s, 2);
		snprintf(ev.item_id, sizeof ev.item_id, "%s", item_id);
		ev.author = column_str(s, 3);
		ev.field = column_str(s, 4);
		ev.old_value = sqlite3_column_type(s, 5) == SQLITE_NULL ? NULL : column_str(s, 5);
		ev.new_value = sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL : column_str(s, 6);
		ev.reason = column_str(s, 7);
		ev.device = column_str(s, 8);
		e.event = &ev;
		stop = cb(&e, ctx);
		duban_event_free(&ev);
	}
	return stop;
}

enum duban_err duban_history_each(duban_store *st, const char *item_id, duban_history_cb cb, void *ctx)
{
	sqlite3_stmt *s = store_stmt(st, STMT_HISTORY, history_sql);
	int rc;

	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (history_row(s, item_id, cb, ctx))
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, _("reading the history"));
	return DUBAN_OK;
}

char *duban_latest_note(duban_store *st, const char *item_id)
{
	sqlite3_stmt *s = store_stmt(st, STMT_LATEST_NOTE,
				     "SELECT text FROM note WHERE item_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1");
	char *text = NULL;

	if (!s)
		return NULL;
	bind_text(s, 1, item_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		text = column_str(s, 0);
	sqlite3_reset(s);
	return text;
}

/* ---------------------------------------------------------------- 调度 records */

/* A record of a round (duban/dispatch.h), appended like a note: the rules
 * of rounds are dispatch.c's (the client) and push.c's (duband). */
enum duban_err duban_dispatch_rec_add(duban_store *st, struct duban_dispatch_rec *r)
{
	struct duban_item item;
	enum duban_err err;
	sqlite3_stmt *s = NULL;
	char msg[256];

	if (duban_dispatch_rec_check(r, msg, sizeof msg) != DUBAN_OK)
		return store_fail(st, DUBAN_ERR_INVALID, "%s", msg);
	duban_item_init(&item);
	if ((err = store_change_begin(st)) != DUBAN_OK)
		goto out;
	err = record_prepare(st, r->id, r->item_id, r->created_at, &item);
	if (!err && !(s = store_stmt_sql(st, "/* dispatch */ INSERT INTO dispatch (id, item_id, kind, round_id, name,"
					  " title, filters, due, date, progress, text, attachment_id, author, created_at,"
					  " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		err = DUBAN_ERR_DB;
	if (!err) {
		if (!r->author || !*r->author)
			duban_set_str(&r->author, st->user);
		bind_text(s, 1, r->id);
		bind_text(s, 2, r->item_id);
		bind_text(s, 3, duban_dispatch_kind_id(r->kind));
		bind_text(s, 4, r->round_id);
		bind_text(s, 5, r->name);
		bind_text(s, 6, r->title);
		bind_text(s, 7, r->filters);
		bind_date(s, 8, r->due);
		bind_date(s, 9, r->date);
		sqlite3_bind_int(s, 10, r->progress);
		bind_text(s, 11, r->text);
		bind_text(s, 12, r->attachment_id);
		bind_text(s, 13, r->author);
		bind_text(s, 14, r->created_at);
		bind_text(s, 15, stamp_received(st, r->received_at));
		err = finish_record(st, s, "dispatch.add", r->item_id, duban_dispatch_rec_to_json(r), r->created_at);
	}
	err = store_change_end(st, err);
out:
	duban_item_free(&item);
	return err;
}

enum duban_err duban_dispatch_recs_of(duban_store *st, const char *item_id, struct duban_dispatch_rec **out,
				      size_t *n)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* store */ SELECT id, kind, round_id, name, title, filters, due, date,"
					 " progress, text, attachment_id, author, created_at, received_at FROM dispatch"
					 " WHERE item_id = ? ORDER BY created_at, rowid");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, item_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct duban_dispatch_rec *r;
		int k = duban_dispatch_kind_parse((const char *)sqlite3_column_text(s, 1));
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		r = &(*out)[(*n)++];
		memset(r, 0, sizeof *r);
		copy_fixed(r->id, sizeof r->id, sqlite3_column_text(s, 0));
		snprintf(r->item_id, sizeof r->item_id, "%s", item_id);
		r->kind = k < 0 ? DUBAN_DISPATCH_OPEN : (enum duban_dispatch_kind)k;
		copy_fixed(r->round_id, sizeof r->round_id, sqlite3_column_text(s, 2));
		r->name = column_str(s, 3);
		r->title = column_str(s, 4);
		r->filters = column_str(s, 5);
		r->due = column_date_at(s, 6);
		r->date = column_date_at(s, 7);
		r->progress = sqlite3_column_int(s, 8);
		r->text = column_str(s, 9);
		copy_fixed(r->attachment_id, sizeof r->attachment_id, sqlite3_column_text(s, 10));
		r->author = column_str(s, 11);
		copy_fixed(r->created_at, sizeof r->created_at, sqlite3_column_text(s, 12));
		copy_fixed(r->received_at, sizeof r->received_at, sqlite3_column_text(s, 13));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		duban_dispatch_recs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the dispatch records"));
	}
	return DUBAN_OK;
}

enum duban_err duban_dispatch_round_id(duban_store *st, const char *name, char round_id[37], bool *found)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* store */ SELECT round_id FROM dispatch WHERE name = ? AND kind = 'open'"
					 " ORDER BY created_at, id LIMIT 1");
	int rc;

	*found = false;
	round_id[0] = '\0';
	if (!s)
		return DUBAN_ERR_DB;
	bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_fixed(round_id, 37, sqlite3_column_text(s, 0));
		*found = true;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the dispatch records"));
}
