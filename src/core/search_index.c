/* The search index built after a first download (include/duban/store.h):
 * the mark that it waits, its build, and the process that builds it in the
 * background. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "duban/util.h"
#include "store_internal.h"
#include "store_private.h"

#define PENDING_KEY "search_index_pending"

bool store_fts_pending(duban_store *st)
{
	sqlite3_stmt *s = store_stmt(st, STMT_FTS_PENDING, "SELECT 1 FROM meta WHERE key = '" PENDING_KEY "'");
	bool pending = s && sqlite3_step(s) == SQLITE_ROW;

	if (s)
		sqlite3_reset(s);
	return pending;
}

bool duban_search_index_pending(duban_store *st)
{
	return store_fts_pending(st);
}

enum duban_err store_fts_mark_pending(duban_store *st)
{
	if (sqlite3_exec(st->db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('" PENDING_KEY "', '1')", NULL,
			 NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, _("updating the search index"));
	return DUBAN_OK;
}

/* The index of every item with seq above after, in one statement: the same
 * text fts_write gives each (units: lead unit, a blank, co-units).
 * Merging 16 segments at a time instead of 4 rewrites the index fewer
 * times while it grows (a quarter less time at 100,000 items); the
 * defaults are back for the changes that follow. */
enum duban_err store_fts_fill(duban_store *st, long long after)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_exec(st->db, "INSERT INTO item_fts (item_fts, rank) VALUES ('automerge', 16);"
				 " INSERT INTO item_fts (item_fts, rank) VALUES ('crisismerge', 64)",
			 NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, _("updating the search index"));
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO item_fts (rowid, " DUBAN_FTS_COLUMNS ")"
			       " SELECT seq, code, title, description, lead_unit || ' ' || co_units, measures"
			       " FROM item WHERE seq > ? ORDER BY seq",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, _("updating the search index"));
	sqlite3_bind_int64(s, 1, after);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE
	    || sqlite3_exec(st->db, "INSERT INTO item_fts (item_fts, rank) VALUES ('automerge', 4);"
				    " INSERT INTO item_fts (item_fts, rank) VALUES ('crisismerge', 16)",
			    NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, _("updating the search index"));
	return DUBAN_OK;
}

/* In one write transaction: changes made meanwhile left the index alone
 * (fts_write), so it is built from the items as they are now, whole, and
 * the mark goes with it. */
enum duban_err duban_search_index_build(duban_store *st)
{
	enum duban_err err = DUBAN_OK;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, _("updating the search index"));
	if (!store_fts_pending(st)) {
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		return DUBAN_OK;
	}
	if (sqlite3_exec(st->db, "INSERT INTO item_fts (item_fts) VALUES ('delete-all')", NULL, NULL, NULL) != SQLITE_OK)
		err = store_db_fail(st, _("updating the search index"));
	if (!err)
		err = store_fts_fill(st, 0);
	if (!err && sqlite3_exec(st->db, "DELETE FROM meta WHERE key = '" PENDING_KEY "'", NULL, NULL, NULL) != SQLITE_OK)
		err = store_db_fail(st, _("updating the search index"));
	if (!err && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		err = store_db_fail(st, _("updating the search index"));
	if (err)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/* Like git's gc --auto: a process of its own, in its own session, without
 * the terminal, so that the command that started it ends at once.  Forked
 * twice, so that it is nobody's child to wait for (the full-screen
 * interface goes on running); between fork and exec only async-signal-safe
 * calls, as the caller may have threads. */
bool duban_search_index_build_in_background(const char *db_path)
{
	char *const argv[] = { (char *)"duban", (char *)"--db", (char *)db_path, (char *)"sync",
			       (char *)"--build-search-index", NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return true;
}
