/* `duband backup DEST` and `duband restore SRC`: a data directory copied
 * while a server runs on it, and put back while none does.
 *
 * A backup is a directory: ledger.db (one committed state, taken with
 * SQLite's online backup API in one read transaction), blobs/ with every
 * file that state's blob table names (a blob's file is in place before its
 * row commits, so the snapshot never names a file that is not there yet),
 * and BACKUP, a few "key value" lines about it.  Restore checks all of it
 * (integrity, foreign keys, every blob's SHA-256) before it touches the
 * target, then swaps it in, keeping what was there in before-restore-TIME/.
 * Clients notice the older change log (their cursor names a change the
 * server does not have) and download again: see PROTOCOL.md, "reset". */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "duban/backup.h"
#include "duban/date.h"
#include "duban/progress.h"
#include "duban/sha256.h"
#include "duban/util.h"
#include "server.h"
#include "store_internal.h"
#include "store.h"
#include "store_sqlite.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };


/* ---------------------------------------------------------------- the lock */

static int lock_datadir(const char *dir, int how)
{
	char *path = xasprintf("%s/serve.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return -1;
	if (flock(fd, how | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int srv_datadir_hold(const char *data_dir)
{
	if ((duban_mkdir_parent(data_dir) != 0 && errno != EEXIST) || (mkdir(data_dir, 0700) != 0 && errno != EEXIST)) {
		srv_log("cannot create the directory %s: %s", data_dir, strerror(errno));
		return -1;
	}
	int fd = lock_datadir(data_dir, LOCK_SH);
	if (fd < 0 && errno == EWOULDBLOCK)
		srv_log("%s is being restored (duband restore): start the server when it is done", data_dir);
	else if (fd < 0)
		srv_log("cannot lock %s/serve.lock: %s", data_dir, strerror(errno));
	return fd;
}

/* ---------------------------------------------------------------- files */

static char *blob_rel(const char *sha256)
{
	return xasprintf("blobs/%.2s/%s", sha256, sha256);
}

/* Copies src to a new file dst (0600), hashing what it reads; the hex
 * digest in hex.  false with err set. */
static bool copy_hashed(const char *src, const char *dst, char hex[DUBAN_SHA256_HEX_LEN + 1], char *err,
			size_t errlen)
{
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0) {
		snprintf(err, errlen, "cannot read %s: %s", src, strerror(errno));
		return false;
	}
	if (duban_mkdir_parent(dst) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", dst, strerror(errno));
		close(in);
		return false;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dst, strerror(errno));
		close(in);
		return false;
	}
	struct duban_sha256 h;
	duban_sha256_init(&h);
	char buf[65536];
	ssize_t n;
	bool ok = true;
	while (ok && (n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", src, strerror(errno));
			ok = false;
			break;
		}
		duban_sha256_update(&h, buf, (size_t)n);
		for (ssize_t done = 0; ok && done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno));
				ok = false;
			}
			done += w > 0 ? w : 0;
		}
	}
	if (ok && fsync(out) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno));
		ok = false;
	}
	close(in);
	if (close(out) != 0 && ok) {
		snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno));
		ok = false;
	}
	unsigned char digest[DUBAN_SHA256_LEN];
	duban_sha256_final(&h, digest);
	duban_sha256_hex(digest, hex);
	return ok;
}

/* rm -r of a directory this program made (a failed backup or restore). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *sub = xasprintf("%s/%s", path, e->d_name);
			struct stat sb;
			if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
				remove_tree(sub);
			else
				unlink(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* chown -R of what restore put in place, to the owner of the data
 * directory: root restoring /var/lib/duband must not leave files the
 * service's user cannot open. */
static void chown_tree(const char *path, uid_t uid, gid_t gid)
{
	if (lchown(path, uid, gid) != 0)
		return;
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *sub = xasprintf("%s/%s", path, e->d_name);
		chown_tree(sub, uid, gid);
		free(sub);
	}
	closedir(d);
}

/* No progress lines (-q): set once by the command. */
static bool quiet;

/* Copies (or, with to NULL, only checks) every blob the database at db_path
 * names, from the directory from, with a progress line saying what on a
 * terminal.  Each file's SHA-256 must be its name.  *count and *bytes:
 * what was copied.  Ctrl-C stops it (false, err says so). */
static bool copy_blobs(const char *db_path, const char *from, const char *to, const char *what, long long *count,
		       long long *bytes, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	*count = *bytes = 0;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT sha256, size, count(*) OVER () FROM blob ORDER BY sha256", -1, &s, NULL)
		    != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the blob list of %s: %s", db_path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return false;
	}
	struct duban_progress *line = duban_progress_new(what, -1, stderr, quiet);
	bool ok = true;
	int rc;
	while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		duban_progress_set_total(line, sqlite3_column_int64(s, 2));
		if (duban_progress_update(line, *count) != 0) {
			snprintf(err, errlen, "interrupted");
			ok = false;
			break;
		}
		const char *sha = (const char *)sqlite3_column_text(s, 0);
		long long size = sqlite3_column_int64(s, 1);
		if (!sha || !srv_sha256_valid(sha)) {
			snprintf(err, errlen, "the blob list of %s holds a bad name", db_path);
			ok = false;
			break;
		}
		char *rel = blob_rel(sha);
		char *src = xasprintf("%s/%s", from, rel);
		char *dst = to ? xasprintf("%s/%s", to, rel) : NULL;
		char hex[DUBAN_SHA256_HEX_LEN + 1];
		struct stat sb;
		if (stat(src, &sb) != 0) {
			snprintf(err, errlen, "blob %s is missing: %s: %s", sha, src, strerror(errno));
			ok = false;
		} else if (sb.st_size != size) {
			snprintf(err, errlen, "blob %s has %lld bytes, the ledger says %lld", sha, (long long)sb.st_size,
				 size);
			ok = false;
		} else if (to) {
			ok = copy_hashed(src, dst, hex, err, errlen);
		} else {
			ok = duban_sha256_file_hex(src, hex, NULL) == 0 ||
			     (snprintf(err, errlen, "cannot read %s: %s", src, strerror(errno)), false);
		}
		if (ok && strcmp(hex, sha) != 0) {
			snprintf(err, errlen, "blob %s is damaged: its content hashes to %s", sha, hex);
			ok = false;
		}
		if (ok) {
			(*count)++;
			*bytes += size;
		}
		free(rel);
		free(src);
		free(dst);
	}
	if (ok && rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read the blob list of %s: %s", db_path, sqlite3_errmsg(db));
		ok = false;
	}
	duban_progress_end(line);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok;
}

/* One number from the database at path (-1 on error). */
static long long query_num(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(s);
		v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static const char seq_sql[] = "SELECT seq FROM sqlite_sequence WHERE name = 'change'";
static const char items_sql[] = "SELECT count(*) FROM item";

/* The SQLite store's directory: --data DIR or --store sqlite:DIR, else
 * DUBAND_STORE or DUBAND_DATA.  A PostgreSQL store has its own tools. */
static const char *data_dir_of(const char *opt)
{
	const char *store = getenv("DUBAND_STORE");
	if (!opt || !*opt)
		opt = store && *store ? store : getenv("DUBAND_DATA");
	if (!opt || !*opt)
		return NULL;
	return strncmp(opt, "sqlite:", 7) == 0 ? opt + 7 : opt;
}

/* Options of backup and restore: --data DIR, --force (restore), --help. */
static int parse_opts(const char *cmd, int argc, char **argv, const char **data, bool *force, const char *usage)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		case 'd':
			*data = optarg;
			break;
		case 'f':
			if (!force) {
				srv_log("%s takes no --force (see `duband %s --help`)", cmd, cmd);
				return EXIT_USAGE;
			}
			*force = true;
			break;
		default:
			srv_log(c == ':' ? "option '%s' needs a value (see `duband %s --help`)"
				     : "unknown option '%s' (see `duband %s --help`)",
			    argv[optind - 1], cmd);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		srv_log("%s needs one directory (see `duband %s --help`)", cmd, cmd);
		return EXIT_USAGE;
	}
	if (!data_dir_of(*data)) {
		srv_log("%s needs the data directory: --data DIR (or DUBAND_DATA)", cmd);
		return EXIT_USAGE;
	}
	if (srv_store_is_pg(data_dir_of(*data))) {
		srv_log("%s copies a SQLite store; back up a PostgreSQL store with pg_dump or pg_basebackup "
		    "(duband(8), BACKUPS)", cmd);
		return EXIT_USAGE;
	}
	*data = data_dir_of(*data);
	duban_interrupt_catch();
	return EXIT_OK;
}

/* The exit code of a command that failed: 130 when Ctrl-C stopped it. */
static int failed(void)
{
	return duban_interrupted() ? EXIT_INTERRUPTED : EXIT_FAIL;
}

/* ---------------------------------------------------------------- backup */

static const char backup_usage[] =
	"Usage: duband backup DEST [--data DIR] [-q]\n"
	"Copy the data directory into the new directory DEST while a server may be\n"
	"running on it: the database as one consistent state (SQLite's online backup)\n"
	"and every attachment file that state names, each checked against its SHA-256.\n"
	"Put it back with `duband restore DEST --data DIR`.  On a terminal a progress\n"
	"line counts the attachments (-q, --quiet: none); Ctrl-C stops and keeps\n"
	"nothing (exit 130).\n";

static bool write_manifest(const char *dir, long long seq, long long items, long long blobs, long long bytes,
			   char *err, size_t errlen)
{
	char now[25];
	duban_timestamp_now(now);
	char *text = xasprintf("duband backup\nversion %s\nmade_at %s\nchange_seq %lld\nitems %lld\n"
			       "blobs %lld\nblob_bytes %lld\n", PACKAGE_VERSION, now, seq, items, blobs, bytes);
	char *path = xasprintf("%s/BACKUP", dir);
	bool ok = duban_write_file_atomic(path, text, strlen(text), 0600) == 0;
	if (!ok)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	free(path);
	free(text);
	return ok;
}

static bool backup_into(const char *data, const char *tmp, long long *seq, long long *blobs, long long *bytes,
			char *err, size_t errlen)
{
	srv_db *db = srv_db_open(data, 1, err, errlen);
	if (!db)
		return false;
	duban_store *st = srv_db_reader(db);
	char *copy = xasprintf("%s/ledger.db", tmp);
	bool ok = duban_db_backup(duban_store_db(st), copy, 0600, err, errlen);
	srv_db_reader_done(db, st);
	srv_db_close(db);
	ok = ok && copy_blobs(copy, data, tmp, "copying the attachments", blobs, bytes, err, errlen);
	*seq = ok ? query_num(copy, seq_sql) : -1;
	long long items = ok ? query_num(copy, items_sql) : -1;
	ok = ok && write_manifest(tmp, *seq, items, *blobs, *bytes, err, errlen);
	free(copy);
	return ok;
}

int srv_cmd_backup(int argc, char **argv)
{
	const char *data = NULL;
	int rc = parse_opts("backup", argc, argv, &data, NULL, backup_usage);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	const char *dest = argv[optind];
	char *ledger = xasprintf("%s/ledger.db", data);
	bool have = access(ledger, F_OK) == 0;
	free(ledger);
	if (!have) {
		srv_log("there is no ledger in %s (nothing to back up)", data);
		return EXIT_FAIL;
	}
	struct stat sb;
	if (lstat(dest, &sb) == 0) {
		srv_log("%s exists already: a backup goes into a new directory", dest);
		return EXIT_FAIL;
	}
	char *tmp = xasprintf("%s.tmp-%ld", dest, (long)getpid());
	if (duban_mkdir_parent(tmp) != 0 && errno != EEXIST) {
		srv_log("cannot create the directory of %s: %s", dest, strerror(errno));
		free(tmp);
		return EXIT_FAIL;
	}
	if (mkdir(tmp, 0700) != 0) {
		srv_log("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return EXIT_FAIL;
	}
	char err[1024] = "";
	long long seq = 0, blobs = 0, bytes = 0;
	bool ok = backup_into(data, tmp, &seq, &blobs, &bytes, err, sizeof err);
	if (ok && duban_interrupted()) {	/* pressed while the database was copied */
		snprintf(err, sizeof err, "interrupted");
		ok = false;
	}
	if (ok && rename(tmp, dest) != 0) {
		snprintf(err, sizeof err, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
		ok = false;
	}
	if (!ok) {
		srv_log("backup failed, nothing was kept: %s", err);
		remove_tree(tmp);
		free(tmp);
		return failed();
	}
	free(tmp);
	printf("backup of %s in %s: up to change %lld, %lld blobs (%lld bytes)\n", data, dest, seq, blobs, bytes);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- restore */

static const char restore_usage[] =
	"Usage: duband restore SRC --data DIR [--force] [-q]\n"
	"Put the backup SRC (made by `duband backup`) into the data directory DIR.\n"
	"Refused while a server runs on DIR.  The backup is checked first (database\n"
	"integrity, every attachment against its SHA-256); nothing is changed when a\n"
	"check fails.  A DIR that holds a ledger needs --force; its files are moved\n"
	"to DIR/before-restore-TIME/, not deleted.  Clients download the ledger again\n"
	"at their next sync and send what the restored server is missing.\n";

static bool move_in(const char *from_dir, const char *to_dir, const char *name, bool must, char *err, size_t errlen)
{
	char *from = xasprintf("%s/%s", from_dir, name), *to = xasprintf("%s/%s", to_dir, name);
	bool ok = rename(from, to) == 0 || (!must && errno == ENOENT);
	if (!ok)
		snprintf(err, errlen, "cannot move %s to %s: %s", from, to, strerror(errno));
	free(from);
	free(to);
	return ok;
}

/* The old files aside into DIR/before-restore-TIME (*aside, malloc'd). */
static bool set_aside(const char *data, char **aside, char *err, size_t errlen)
{
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
	*aside = xasprintf("%s/before-restore-%s", data, stamp);
	if (mkdir(*aside, 0700) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", *aside, strerror(errno));
		return false;
	}
	static const char *const names[] = { "ledger.db", "ledger.db-wal", "ledger.db-shm", "blobs" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!move_in(data, *aside, names[i], false, err, errlen))
			return false;
	return true;
}

static bool check_backup(const char *src, long long *blobs, long long *bytes, char *err, size_t errlen)
{
	char *db = xasprintf("%s/ledger.db", src);
	bool ok = access(db, R_OK) == 0 ||
		  (snprintf(err, errlen, "%s is not a backup of duband: cannot read %s: %s", src, db, strerror(errno)),
		   false);
	if (ok && !duban_db_check(db, err, errlen)) {
		char why[512];
		snprintf(why, sizeof why, "%s", err);
		snprintf(err, errlen, "%s fails the integrity check: %s", db, why);
		ok = false;
	}
	ok = ok && copy_blobs(db, src, NULL, "checking the attachments", blobs, bytes, err, errlen);
	free(db);
	return ok;
}

static bool restore_into(const char *src, const char *data, bool force, char **aside, char *err, size_t errlen)
{
	char *ledger = xasprintf("%s/ledger.db", data);
	bool had = access(ledger, F_OK) == 0;
	free(ledger);
	if (had && !force) {
		snprintf(err, errlen, "%s holds a ledger already: add --force to replace it (its files are kept in"
			 " %s/before-restore-TIME/)", data, data);
		return false;
	}
	char *stage = xasprintf("%s/.restore-%ld", data, (long)getpid());
	remove_tree(stage);
	bool ok = mkdir(stage, 0700) == 0 ||
		  (snprintf(err, errlen, "cannot create %s: %s", stage, strerror(errno)), false);
	char *from = xasprintf("%s/ledger.db", src), *to = xasprintf("%s/ledger.db", stage);
	char hex[DUBAN_SHA256_HEX_LEN + 1];
	long long n, bytes;
	ok = ok && copy_hashed(from, to, hex, err, errlen);
	ok = ok && copy_blobs(to, src, stage, "copying the attachments", &n, &bytes, err, errlen);
	if (ok && duban_interrupted()) {	/* the last moment nothing has changed yet */
		snprintf(err, errlen, "interrupted");
		ok = false;
	}
	ok = ok && (!had || set_aside(data, aside, err, errlen));
	ok = ok && move_in(stage, data, "ledger.db", true, err, errlen) && move_in(stage, data, "blobs", false, err, errlen);
	struct stat sb;
	if (ok && geteuid() == 0 && stat(data, &sb) == 0 && sb.st_uid != 0) {
		char *db = xasprintf("%s/ledger.db", data), *blobs = xasprintf("%s/blobs", data);
		chown_tree(db, sb.st_uid, sb.st_gid);
		chown_tree(blobs, sb.st_uid, sb.st_gid);
		free(db);
		free(blobs);
	}
	free(from);
	free(to);
	remove_tree(stage);
	free(stage);
	return ok;
}

int srv_cmd_restore(int argc, char **argv)
{
	const char *data = NULL;
	bool force = false;
	int rc = parse_opts("restore", argc, argv, &data, &force, restore_usage);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	const char *src = argv[optind];
	char err[1024] = "";
	long long blobs = 0, bytes = 0;
	if (!check_backup(src, &blobs, &bytes, err, sizeof err)) {
		srv_log("%s; nothing was restored", err);
		return failed();
	}
	if ((duban_mkdir_parent(data) != 0 && errno != EEXIST) || (mkdir(data, 0700) != 0 && errno != EEXIST)) {
		srv_log("cannot create %s: %s", data, strerror(errno));
		return EXIT_FAIL;
	}
	/* Held until the new files are in place: no server starts meanwhile. */
	int lock = lock_datadir(data, LOCK_EX);
	if (lock < 0) {
		if (errno == EWOULDBLOCK)
			srv_log("a server is running on %s: stop it first (systemctl stop duband); nothing was restored", data);
		else
			srv_log("cannot lock %s/serve.lock: %s", data, strerror(errno));
		return EXIT_FAIL;
	}
	char *aside = NULL;
	bool ok = restore_into(src, data, force, &aside, err, sizeof err);
	close(lock);
	if (!ok) {
		srv_log("restore failed: %s", err);
		free(aside);
		return failed();
	}
	char *db = xasprintf("%s/ledger.db", data);
	printf("restored %s into %s: up to change %lld, %lld items, %lld blobs (%lld bytes) checked\n", src, data,
	       query_num(db, seq_sql), query_num(db, items_sql), blobs, bytes);
	if (aside)
		printf("the files it replaced are in %s\n", aside);
	puts("clients download the ledger again at their next sync and send what it is missing");
	free(db);
	free(aside);
	return EXIT_OK;
}
