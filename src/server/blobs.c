/* Attachment contents on disk, named by their SHA-256: DATA_DIR/blobs/ab/ab….
 * An upload is written to a temporary file beside them while it is hashed and
 * only renamed into place once its hash is the name it claimed, so a blob
 * file is always whole and always what its name says. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/sha256.h"
#include "store.h"
#include "server.h"

bool srv_sha256_valid(const char *hex)
{
	if (!hex || strlen(hex) != 64)
		return false;
	return strspn(hex, "0123456789abcdef") == 64;
}

char *srv_blob_path(const struct srv_store *db, const char *sha256)
{
	size_t n = strlen(db->blob_dir) + 100;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%.2s/%s", db->blob_dir, sha256, sha256);
	return p;
}

struct srv_blob_upload {
	struct srv_store *db;
	char sha256[65];
	char *tmp;  /* temporary file, unlinked unless renamed */
	int fd;
	long long size;
	struct duban_sha256 ctx;
	bool failed;
};

struct srv_blob_upload *srv_blob_begin(struct srv_store *db, const char *sha256)
{
	if (!srv_sha256_valid(sha256))
		return NULL;
	struct srv_blob_upload *up = calloc(1, sizeof *up);
	if (!up)
		return NULL;
	up->db = db;
	up->fd = -1;
	memcpy(up->sha256, sha256, 65);
	duban_sha256_init(&up->ctx);
	size_t n = strlen(db->blob_dir) + 64;
	up->tmp = malloc(n);
	if (!up->tmp) {
		free(up);
		return NULL;
	}
	snprintf(up->tmp, n, "%s/.upload-XXXXXX", db->blob_dir);
	up->fd = mkostemp(up->tmp, O_CLOEXEC);
	if (up->fd < 0) {
		srv_log("cannot create %s: %s", up->tmp, strerror(errno));
		free(up->tmp);
		free(up);
		return NULL;
	}
	return up;
}

int srv_blob_write(struct srv_blob_upload *up, const void *data, size_t len)
{
	if (up->failed)
		return -1;
	duban_sha256_update(&up->ctx, data, len);
	up->size += (long long)len;
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(up->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			srv_log("cannot write %s: %s", up->tmp, strerror(errno));
			up->failed = true;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void srv_blob_abort(struct srv_blob_upload *up)
{
	if (!up)
		return;
	if (up->fd >= 0)
		close(up->fd);
	if (up->tmp) {
		unlink(up->tmp);
		free(up->tmp);
	}
	free(up);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int srv_blob_finish(struct srv_blob_upload *up, const struct srv_user *u, cJSON **response)
{
	unsigned char digest[32];
	char got[65];
	duban_sha256_final(&up->ctx, digest);
	duban_sha256_hex(digest, got);
	if (up->failed) {
		srv_blob_abort(up);
		*response = srv_error("internal", "the blob could not be stored");
		return 500;
	}
	if (strcmp(got, up->sha256) != 0) {
		*response = srv_error("hash_mismatch", "the bytes received hash to %s, not %s", got, up->sha256);
		srv_blob_abort(up);
		return 400;
	}
	char *path = srv_blob_path(up->db, up->sha256);
	if (!path) {
		srv_blob_abort(up);
		*response = srv_error("internal", "out of memory");
		return 500;
	}
	int status;
	struct stat sb;
	if (stat(path, &sb) == 0) {
		/* Same name, same bytes: keep the one already there. */
		status = 200;
	} else {
		char *slash = strrchr(path, '/');
		*slash = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			status = 500;
		else if (fsync(up->fd) != 0)
			status = 500;
		else
			status = 201;
		*slash = '/';
		if (status == 201 && rename(up->tmp, path) != 0)
			status = 500;
		if (status == 201) {
			*slash = '\0';
			(void)fsync_dir(path);
			*slash = '/';
		}
		if (status == 500)
			srv_log("cannot store blob %s: %s", path, strerror(errno));
	}
	free(path);
	long long size = up->size;
	struct srv_store *db = up->db;
	char sha[65];
	memcpy(sha, up->sha256, sizeof sha);
	srv_blob_abort(up); /* the temporary file is gone or renamed: unlink is harmless */
	if (status != 500 && !db->ops->blob_record(db, sha, size, u->name))
		status = 500;
	if (status == 500) {
		*response = srv_error("internal", "the blob could not be stored");
		return 500;
	}
	*response = cJSON_CreateObject();
	cJSON_AddStringToObject(*response, "sha256", sha);
	cJSON_AddNumberToObject(*response, "size", (double)size);
	return status;
}

int srv_blob_access(struct srv_store *db, const struct srv_user *u, const char *sha256, long long *size)
{
	char *path = srv_blob_path(db, sha256);
	if (!path)
		return 500;
	struct stat sb;
	int found = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	if (!found)
		return 404;
	*size = (long long)sb.st_size;
	int may = db->ops->blob_may_use(db, u, sha256);
	return may < 0 ? 500 : may ? 200 : 404;
}
