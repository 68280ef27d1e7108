/* Online copies of a ledger database and their checks (include/duban/backup.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "duban/backup.h"
#include "duban/util.h"

static bool fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* A directory may refuse fsync on some file systems: best effort. */
	int rc = fsync(fd);
	close(fd);
	return rc == 0 || errno == EINVAL;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

/* Copies every page in one step: one read transaction on src, so the copy
 * is a single committed state even while other connections write. */
static bool copy_pages(sqlite3 *src, sqlite3 *dst, char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
		return false;
	}
	int rc;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errstr(rc));
		return false;
	}
	/* The copy stands alone: no -wal file to carry along. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
		return false;
	}
	return true;
}

bool duban_db_backup(sqlite3 *src, const char *dest, int mode, char *err, size_t errlen)
{
	struct stat sb;
	if (lstat(dest, &sb) == 0) {
		snprintf(err, errlen, "%s exists already (a backup never replaces a file)", dest);
		return false;
	}
	char *tmp = xasprintf("%s.tmp-%ld", dest, (long)getpid());
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	close(fd);
	sqlite3 *dst = NULL;
	bool ok = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK;
	if (!ok)
		snprintf(err, errlen, "cannot open %s: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
	ok = ok && copy_pages(src, dst, err, errlen);
	if (sqlite3_close(dst) != SQLITE_OK && ok) {
		snprintf(err, errlen, "cannot close %s", tmp);
		ok = false;
	}
	if (ok && !fsync_path(tmp)) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		ok = false;
	}
	/* link() rather than rename(): a file that appeared at dest meanwhile
	 * is never replaced. */
	if (ok && link(tmp, dest) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dest, strerror(errno));
		ok = false;
	}
	unlink(tmp);
	free(tmp);
	if (ok) {
		char *dir = dir_of(dest);
		fsync_path(dir);
		free(dir);
	}
	return ok;
}

/* Appends the rows of a check query to err; true when it reported nothing
 * but "ok" (integrity_check) or no row at all (foreign_key_check). */
static bool run_check(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return false;
	}
	bool clean = true;
	int rc, n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *what = (const char *)sqlite3_column_text(s, 0);
		if (what && strcmp(what, "ok") == 0)
			continue;
		clean = false;
		if (n++ < 3) {
			size_t len = strlen(err);
			snprintf(err + len, errlen - len, "%s%s", len ? "; " : "", what ? what : "?");
		}
	}
	if (rc != SQLITE_DONE) {
		size_t len = strlen(err);
		snprintf(err + len, errlen - len, "%s%s", len ? "; " : "", sqlite3_errmsg(db));
		clean = false;
	}
	sqlite3_finalize(s);
	return clean;
}

bool duban_db_check(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	err[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return false;
	}
	/* foreign_key_check names the table of each dangling row. */
	bool ok = run_check(db, "PRAGMA integrity_check(20)", err, errlen) &&
		  run_check(db, "PRAGMA foreign_key_check", err, errlen);
	sqlite3_close(db);
	return ok;
}
