/* Consistent copies of a live SQLite ledger (the client's and the server's):
 * SQLite's online backup API under one read transaction, so writers on other
 * connections or processes go on and the copy is one committed state. */
#ifndef DUBAN_BACKUP_H
#define DUBAN_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/* Copies the database src into a new file dest (refused when it exists):
 * written beside it under a temporary name, fsync'ed, then renamed.  The
 * copy is in rollback-journal mode (one self-contained file).  On failure
 * nothing is left at dest and err says why; returns false. */
bool duban_db_backup(sqlite3 *src, const char *dest, int mode, char *err, size_t errlen);

/* PRAGMA integrity_check and foreign_key_check of the database file path,
 * opened read-only.  false with the first problems in err. */
bool duban_db_check(const char *path, char *err, size_t errlen);

#endif
