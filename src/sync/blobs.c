/* The local blob store and attaching files.  Contents are named by their
 * SHA-256 ($XDG_DATA_HOME/duban/blobs/ab/abcdef...), so a file attached
 * twice is stored once and the name proves the bytes (DESIGN.md §5.5). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "duban/sha256.h"
#include "duban/sync.h"
#include "duban/util.h"
#include "store_internal.h"

static char *blob_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/duban/blobs", xdg);
	const char *home = getenv("HOME");
	return xasprintf("%s/.local/share/duban/blobs", home && *home ? home : ".");
}

char *duban_blob_local_path(const char *sha256)
{
	char *dir = blob_dir();
	char *path = xasprintf("%s/%.2s/%s", dir, sha256, sha256);
	free(dir);
	return path;
}

/* The type by the name's extension: what the server and viewers need to
 * show it; anything unknown is plain bytes. */
static const char *mime_of(const char *name)
{
	static const struct {
		const char *ext, *mime;
	} types[] = {
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "png", "image/png" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "heic", "image/heic" },
		{ "tif", "image/tiff" },
		{ "tiff", "image/tiff" },
		{ "bmp", "image/bmp" },
		{ "pdf", "application/pdf" },
		{ "doc", "application/msword" },
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "xls", "application/vnd.ms-excel" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "ppt", "application/vnd.ms-powerpoint" },
		{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ "wps", "application/vnd.ms-works" },
		{ "ofd", "application/ofd" },
		{ "txt", "text/plain" },
		{ "csv", "text/csv" },
		{ "json", "application/json" },
		{ "zip", "application/zip" },
		{ "mp4", "video/mp4" },
		{ "mov", "video/quicktime" },
		{ "mp3", "audio/mpeg" },
		{ "m4a", "audio/mp4" },
		{ "amr", "audio/amr" },
	};
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].mime;
	return "application/octet-stream";
}

/* mkdir -p of dir, mode 0700. */
static int make_dirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

int duban_blob_store_file(const char *src, const char *sha256, char *err, size_t errlen)
{
	char *dest = duban_blob_local_path(sha256);
	char *tmp = NULL;
	int in = -1, out = -1, rc = -1;
	if (access(dest, F_OK) == 0) {
		rc = 0; /* already there: same name, same bytes */
		goto done;
	}
	char *slash = strrchr(dest, '/');
	*slash = '\0';
	if (make_dirs(dest) != 0) {
		snprintf(err, errlen, _("cannot create the directory %s: %s"), dest, strerror(errno));
		goto done;
	}
	*slash = '/';
	tmp = xasprintf("%s.tmp.%ld", dest, (long)getpid());
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, _("cannot read %s: %s"), src, strerror(errno));
		goto done;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		snprintf(err, errlen, _("cannot write %s: %s"), tmp, strerror(errno));
		goto done;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, _("cannot read %s: %s"), src, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(err, errlen, _("cannot write %s: %s"), tmp, strerror(errno));
				goto done;
			}
			off += w;
		}
	}
	/* The record that names the blob is committed after this returns:
	 * the bytes must be on disk first. */
	if (fsync(out) != 0 || close(out) != 0) {
		out = -1;
		snprintf(err, errlen, _("cannot write %s: %s"), tmp, strerror(errno));
		goto done;
	}
	out = -1;
	char got[DUBAN_SHA256_HEX_LEN + 1];
	if (duban_sha256_file_hex(tmp, got, NULL) != 0 || strcmp(got, sha256) != 0) {
		snprintf(err, errlen, _("%s changed while it was being copied: attach it again"), src);
		goto done;
	}
	if (rename(tmp, dest) != 0) {
		snprintf(err, errlen, _("cannot write %s: %s"), dest, strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL;
	rc = 0;
done:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dest);
	return rc;
}

/* The newest inspection of an item, if any, into id. */
struct latest_inspection {
	char id[37];
	char created_at[25];
};

static int find_inspection(const struct duban_history_entry *e, void *ctx)
{
	struct latest_inspection *li = ctx;
	if (!e->inspection)
		return 0;
	/* History runs newest first: the first inspection is the latest. */
	snprintf(li->id, sizeof li->id, "%s", e->inspection->id);
	return 1;
}

enum duban_err duban_attach_prepare(duban_store *st, const char *code_or_id, const char *file,
				    enum duban_evidence_kind kind, struct duban_attachment *out, char *err,
				    size_t errlen)
{
	struct duban_item item;
	duban_item_init(&item);
	memset(out, 0, sizeof *out);
	enum duban_err e = duban_item_get(st, code_or_id, &item);
	if (e != DUBAN_OK) {
		if (e == DUBAN_ERR_NOT_FOUND)
			snprintf(err, errlen, _("no item with code '%s' (try `duban list --search %s`)"), code_or_id,
				 code_or_id);
		else
			snprintf(err, errlen, "%s", duban_store_errmsg(st));
		duban_item_free(&item);
		return e;
	}
	struct stat sb;
	if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		bool missing = stat(file, &sb) != 0;
		snprintf(err, errlen, _("cannot attach %s: %s"), file,
			 missing ? strerror(errno) : _("not a regular file"));
		duban_item_free(&item);
		return DUBAN_ERR_IO;
	}
	char hash[DUBAN_SHA256_HEX_LEN + 1];
	long long size = 0;
	if (duban_sha256_file_hex(file, hash, &size) != 0) {
		snprintf(err, errlen, _("cannot read %s: %s"), file, strerror(errno));
		duban_item_free(&item);
		return DUBAN_ERR_IO;
	}
	if (duban_blob_store_file(file, hash, err, errlen) != 0) {
		duban_item_free(&item);
		return DUBAN_ERR_IO;
	}
	struct latest_inspection li = { "", "" };
	duban_history_each(st, item.id, find_inspection, &li);

	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	snprintf(out->item_id, sizeof out->item_id, "%s", item.id);
	snprintf(out->inspection_id, sizeof out->inspection_id, "%s", li.id);
	snprintf(out->sha256, sizeof out->sha256, "%s", hash);
	out->name = xstrdup(base);
	out->mime = xstrdup(mime_of(base));
	out->size = size;
	out->kind = kind;
	duban_item_free(&item);
	return DUBAN_OK;
}

enum duban_err duban_attach_file(duban_store *st, const char *code_or_id, const char *file,
				 enum duban_evidence_kind kind, struct duban_attachment *out, char *err,
				 size_t errlen)
{
	enum duban_err e = duban_attach_prepare(st, code_or_id, file, kind, out, err, errlen);

	if (e != DUBAN_OK)
		return e;
	e = duban_attachment_add(st, out);
	if (e != DUBAN_OK)
		snprintf(err, errlen, "%s", duban_store_errmsg(st));
	return e;
}

int duban_blob_fetch(const struct duban_account *a, const char *sha256, struct duban_remote_error *err)
{
	char *dest = duban_blob_local_path(sha256);
	char *tmp = xasprintf("%s.part.%ld", dest, (long)getpid());
	char *path = xasprintf("/api/v1/blobs/%s", sha256);
	int rc = -1;
	char *slash = strrchr(tmp, '/');
	*slash = '\0';
	if (make_dirs(tmp) != 0) {
		duban_remote_error_clear(err);
		err->kind = DUBAN_REMOTE_LOCAL;
		snprintf(err->message, sizeof err->message, _("cannot create the directory %s: %s"), tmp,
			 strerror(errno));
		goto done;
	}
	*slash = '/';
	if (duban_remote_download(a, path, tmp, err) != 0)
		goto done;
	char got[DUBAN_SHA256_HEX_LEN + 1];
	if (duban_sha256_file_hex(tmp, got, NULL) != 0 || strcmp(got, sha256) != 0) {
		duban_remote_error_clear(err);
		err->kind = DUBAN_REMOTE_PROTOCOL;
		snprintf(err->message, sizeof err->message,
			 _("the server sent other bytes than attachment %.12s…: nothing was kept; try again, or tell the server's administrator"),
			 sha256);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, dest) != 0) {
		duban_remote_error_clear(err);
		err->kind = DUBAN_REMOTE_LOCAL;
		snprintf(err->message, sizeof err->message, _("cannot write %s: %s"), dest, strerror(errno));
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(path);
	free(tmp);
	free(dest);
	return rc;
}

enum duban_err duban_attachment_sha256(duban_store *st, const char *id, char sha256[65])
{
	size_t len = strlen(id);
	if (len < 8 || len > 36)
		return DUBAN_ERR_NOT_FOUND;
	/* A prefix as a range: the primary key index answers it. */
	sqlite3_stmt *s = store_stmt_sql(st, "/* blobs */ SELECT sha256 FROM attachment"
					     " WHERE id >= ?1 AND id < ?1 || '~' LIMIT 2");
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 0);
		if (n++ == 0)
			snprintf(sha256, 65, "%s", h ? h : "");
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, _("reading the attachments"));
	if (n != 1)
		return n ? store_fail(st, DUBAN_ERR_INVALID, _("%s names several attachments: give more of the id"), id)
			 : DUBAN_ERR_NOT_FOUND;
	return DUBAN_OK;
}
