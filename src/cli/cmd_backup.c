/* `duban backup FILE`: a consistent copy of the ledger (items, history,
 * outbox, sync state) while the interface or a sync may have it open.  The
 * copy remembers the device it was taken from: synchronising it as that
 * device would send the original's queued changes twice and interleave two
 * histories under one name, so the engine refuses until it is logged in
 * under another device name (see check_copy in src/sync/engine.c). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/backup.h"
#include "duban/date.h"
#include "duban/sync.h"
#include "duban/sync_store.h"
#include "duban/util.h"
#include "cli.h"
#include "store_internal.h"

/* The device the ledger syncs as: the account's, or the default a login
 * would take.  Malloc'd. */
static char *current_device(void)
{
	char *path = duban_account_path(), err[512];
	struct duban_account a;
	char *device = NULL;
	if (duban_account_load(path, &a, err, sizeof err) > 0) {
		device = a.device && *a.device ? xstrdup(a.device) : NULL;
		duban_account_free(&a);
	}
	free(path);
	return device ? device : duban_account_default_device();
}

/* Marks the copy at path as one: the device it must not sync as. */
static bool mark_copy(const char *path, const char *device)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
		  sqlite3_prepare_v2(db, "INSERT INTO sync_state (key, value) VALUES (?1, ?2)"
				     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", -1, &s, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(s, 1, DUBAN_SYNC_COPY_OF, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, device, -1, SQLITE_STATIC);
		ok = sqlite3_step(s) == SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return sqlite3_close(db) == SQLITE_OK && ok;
}

int cmd_backup(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_help_only(ctx, argc, argv,
			       _("Usage: duban backup FILE\n"
			         "Write a consistent copy of the ledger (items, history, queued changes, sync\n"
			         "state) to the new file FILE, also while duban is open on it.  Open the copy\n"
			         "with duban --db FILE.  A copy does not sync as the device it was taken\n"
			         "from: log in on it under another device name (duban login --device NAME).\n"));
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	if (argc - optind != 1) {
		cli_error(_("backup needs one file name (see duban backup --help)"));
		return CLI_USAGE;
	}
	const char *dest = argv[optind];
	duban_store *st = cli_store(ctx, &rc);
	if (!st)
		return rc;
	char err[1024] = "";
	if (!duban_db_backup(duban_store_db(st), dest, 0600, err, sizeof err)) {
		cli_error(_("backup failed, nothing was written: %s"), err);
		return CLI_FAIL;
	}
	char *device = current_device();
	bool marked = mark_copy(dest, device);
	if (!marked) {
		remove(dest);
		cli_error(_("backup failed, nothing was written: cannot mark %s as a copy"), dest);
		free(device);
		return CLI_FAIL;
	}
	long long queued = duban_outbox_count(st);
	printf(_("backup of %s in %s (%lld changes queued); the copy does not sync as device %s\n"), ctx->db_path, dest,
	       queued, device);
	free(device);
	return CLI_OK;
}
