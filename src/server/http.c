/* duband's HTTP layer on libmicrohttpd: TLS, routing of doc/PROTOCOL.md,
 * body limits, gzip both ways, strict JSON input, the access log and a clean
 * shutdown.  One thread per connection: a request may wait on the database
 * without holding anybody else up. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "duban/json.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "store.h"
#include "server.h"

#define API_PREFIX "/api/v1/"
#define MAX_DEPTH 32
#define GZIP_MIN 1024
/* A body announced too large (Content-Length) is answered 413 at once.  One
 * that goes over its limit while arriving (chunked) cannot be answered before
 * it ends (libmicrohttpd 0.9.75 queues no response mid-body): the rest is
 * read and thrown away, up to this much, so the client can read the 413;
 * beyond it the connection is cut. */
#define DISCARD_MAX (64LL << 20)

/* ---------------------------------------------------------------- server state */

static struct {
	const struct srv_config *cfg;
	struct srv_store *db;
	FILE *log;
	pthread_mutex_t log_lock;
	pthread_mutex_t count_lock;
	pthread_cond_t idle;
	int inflight;
} S = {
	.log_lock = PTHREAD_MUTEX_INITIALIZER,
	.count_lock = PTHREAD_MUTEX_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

enum route {
	R_NONE,
	R_HEALTH,
	R_LOGIN,
	R_LOGOUT,
	R_ME,
	R_PUSH,
	R_PULL,
	R_ITEMS,
	R_SNAPSHOT,
	R_BLOB,
};

/* One request, from its headers to the access log line. */
struct request {
	struct timespec start;
	enum route route;
	char method[8];
	char sha[65];
	char addr[64];
	char path[160]; /* without the query string */
	char user[64];
	struct srv_user u;
	bool authed;
	bool responded;  /* a response is queued */
	int status;
	long long bytes;
	/* the body: JSON is kept (up to limit), a blob streams to a file */
	bool gzip;
	char *body;
	size_t len, cap;
	long long limit;
	long long seen;
	bool too_large;
	struct srv_blob_upload *up;
};

/* ---------------------------------------------------------------- responses */

static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (!ae)
		return false;
	/* A list of "coding[;q=x]": gzip counts unless its q is 0. */
	const char *p = ae;
	while (*p) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t name = strcspn(p, " \t;,");
		if (name == 4 && strncasecmp(p, "gzip", 4) == 0) {
			const char *q = strstr(p, "q=");
			if (q && q < p + n && strtod(q + 2, NULL) <= 0.0)
				return false;
			return true;
		}
		p += n;
	}
	return false;
}

/* Each connection thread keeps its deflate state: setting one up for every
 * response cost a tenth of the server's time on a pull. */
static pthread_key_t gzip_key;
static pthread_once_t gzip_once = PTHREAD_ONCE_INIT;
static bool gzip_key_ok;

static void gzip_stream_free(void *p)
{
	deflateEnd(p);
	free(p);
}

static void gzip_key_make(void)
{
	gzip_key_ok = pthread_key_create(&gzip_key, gzip_stream_free) == 0;
}

/* This thread's stream, ready for a new member; NULL when there is none. */
static z_stream *gzip_stream(void)
{
	z_stream *z;

	pthread_once(&gzip_once, gzip_key_make);
	if (!gzip_key_ok)
		return NULL;
	if ((z = pthread_getspecific(gzip_key)))
		return deflateReset(z) == Z_OK ? z : NULL;
	if (!(z = calloc(1, sizeof *z)))
		return NULL;
	if (deflateInit2(z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return NULL;
	}
	if (pthread_setspecific(gzip_key, z) != 0) {
		gzip_stream_free(z);
		return NULL;
	}
	return z;
}

/* Malloc'd gzip of data, or NULL (then the caller sends it plain). */
static unsigned char *gzip_data(const char *data, size_t len, size_t *out_len)
{
	z_stream *z = gzip_stream();
	if (!z)
		return NULL;
	uLong bound = deflateBound(z, (uLong)len) + 32;
	unsigned char *out = malloc(bound);
	if (!out)
		return NULL;
	z->next_in = (Bytef *)(uintptr_t)data;
	z->avail_in = (uInt)len;
	z->next_out = out;
	z->avail_out = (uInt)bound;
	int rc = deflate(z, Z_FINISH);
	*out_len = z->total_out;
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static void add_common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result queue(struct MHD_Connection *c, struct request *rq, int status, struct MHD_Response *r)
{
	enum MHD_Result ret = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES) {
		rq->status = status;
		rq->responded = true;
	}
	return ret;
}

/* Sends json (taken) with status; extra headers for 401, 405 and 429. */
static enum MHD_Result send_json(struct MHD_Connection *c, struct request *rq, int status, cJSON *json)
{
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;
	cJSON_Delete(json);
	if (!text) {
		text = strdup("{\"error\":\"internal\",\"message\":\"out of memory\"}");
		status = 500;
		if (!text)
			return MHD_NO;
	}
	size_t len = strlen(text);
	struct MHD_Response *r = NULL;
	bool gz = false;
	if (len > GZIP_MIN && strcmp(rq->method, "HEAD") != 0 && accepts_gzip(c)) {
		size_t zlen;
		unsigned char *z = gzip_data(text, len, &zlen);
		if (z) {
			/* MHD frees z with free() once it is sent: no copy. */
			r = MHD_create_response_from_buffer(zlen, z, MHD_RESPMEM_MUST_FREE);
			rq->bytes = (long long)zlen;
			if (!r)
				free(z);
			gz = r != NULL;
		}
	}
	if (!r) {
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_COPY);
		rq->bytes = (long long)len;
	}
	free(text);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	add_common_headers(r);
	if (status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"duband\"");
	if (status == 405) {
		const char *allow = "GET";
		switch (rq->route) {
		case R_LOGIN:
		case R_LOGOUT:
		case R_PUSH:
			allow = "POST";
			break;
		case R_BLOB:
			allow = "GET, HEAD, PUT";
			break;
		case R_SNAPSHOT:
			allow = "GET";
			break;
		default:
			allow = "GET, HEAD";
			break;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	}
	return queue(c, rq, status, r);
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct request *rq, int status, const char *code,
				  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum MHD_Result send_error(struct MHD_Connection *c, struct request *rq, int status, const char *code,
				  const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return send_json(c, rq, status, srv_error(code, "%s", msg));
}

static enum MHD_Result send_internal(struct MHD_Connection *c, struct request *rq, const char *what)
{
	srv_log("%s %s: %s", rq->method, rq->path, what);
	return send_error(c, rq, 500, "internal", "internal error (see the server log)");
}

static enum MHD_Result send_too_large(struct MHD_Connection *c, struct request *rq)
{
	if (rq->route == R_BLOB)
		return send_error(c, rq, 413, "too_large", "a blob may have at most %lld bytes", S.cfg->max_blob);
	return send_error(c, rq, 413, "too_large", "a request body may have at most %lld bytes", S.cfg->max_body);
}

/* ---------------------------------------------------------------- JSON input */

/* Nesting depth and raw control characters in strings, before cJSON (whose
 * own limit is 1000 levels of recursion) sees the text. */
static bool json_shape_ok(const char *s, size_t len)
{
	int depth = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0)
			return false;
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			else if (c < 0x20)
				return false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > MAX_DEPTH)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

/* Inflates a gzip body into at most max bytes.  0 ok, 1 too large, -1 not
 * gzip.  *out malloc'd (NUL-terminated) on success. */
static int gunzip(const char *in, size_t inlen, long long max, char **out, size_t *outlen)
{
	z_stream z = { 0 };
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	size_t cap = inlen * 4 + 1024;
	if ((long long)cap > max + 1)
		cap = (size_t)max + 1;
	char *buf = malloc(cap + 1);
	if (!buf) {
		inflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)inlen;
	size_t len = 0;
	int rc = Z_OK, result = 0;
	for (;;) {
		if (len == cap) {
			if ((long long)len > max) {
				result = 1;
				break;
			}
			size_t ncap = cap * 2;
			if ((long long)ncap > max + 1)
				ncap = (size_t)max + 1;
			char *grown = realloc(buf, ncap + 1);
			if (!grown) {
				result = -1;
				break;
			}
			buf = grown;
			cap = ncap;
		}
		z.next_out = (Bytef *)buf + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK) {
			result = -1;
			break;
		}
		if (z.avail_in == 0 && z.avail_out > 0) {
			result = -1; /* truncated */
			break;
		}
	}
	if (result == 0 && (long long)len > max)
		result = 1;
	if (result == 0 && z.avail_in != 0)
		result = -1; /* trailing garbage or a second member */
	inflateEnd(&z);
	if (result != 0) {
		free(buf);
		return result;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* Parses the request body as a JSON object, or answers the error itself
 * (then *json stays NULL and the result is what to return). */
static enum MHD_Result body_json(struct MHD_Connection *c, struct request *rq, cJSON **json)
{
	*json = NULL;
	char *text = rq->body;
	size_t len = rq->len;
	char *inflated = NULL;
	if (rq->gzip) {
		int rc = gunzip(rq->body, rq->len, S.cfg->max_body, &inflated, &len);
		if (rc > 0)
			return send_too_large(c, rq);
		if (rc < 0)
			return send_error(c, rq, 400, "bad_request", "the body is not valid gzip");
		text = inflated;
	}
	if (!text || len == 0) {
		free(inflated);
		return send_error(c, rq, 400, "bad_json", "the request needs a JSON body");
	}
	if (!duban_utf8_valid(text, len)) {
		free(inflated);
		return send_error(c, rq, 400, "bad_json", "the body is not valid UTF-8");
	}
	if (!json_shape_ok(text, len)) {
		free(inflated);
		return send_error(c, rq, 400, "bad_json",
				  "the body nests deeper than %d levels or has control characters in strings",
				  MAX_DEPTH);
	}
	bool has_nul = false;
	cJSON *j = duban_json_parse(text, len, &has_nul);
	free(inflated);
	if (has_nul)
		return send_error(c, rq, 400, "bad_json", "a string holds \\u0000 (NUL), which no text may hold");
	if (!j)
		return send_error(c, rq, 400, "bad_json", "the body is not valid JSON");
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return send_error(c, rq, 400, "bad_json", "the body must be a JSON object");
	}
	*json = j;
	return MHD_YES;
}

/* ---------------------------------------------------------------- handlers */

static enum MHD_Result do_health(struct MHD_Connection *c, struct request *rq)
{
	long long seq = S.db->ops->server_seq(S.db);
	if (seq < 0)
		return send_internal(c, rq, "cannot read the server sequence");
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "status", "ok");
	cJSON_AddNumberToObject(j, "protocol", SRV_PROTOCOL);
	cJSON_AddNumberToObject(j, "schema", SRV_SCHEMA);
	cJSON_AddStringToObject(j, "version", PACKAGE_VERSION);
	cJSON_AddNumberToObject(j, "server_seq", (double)seq);
	return send_json(c, rq, 200, j);
}

static const char *json_string(const cJSON *obj, const char *key, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

static enum MHD_Result do_login(struct MHD_Connection *c, struct request *rq)
{
	cJSON *req;
	enum MHD_Result ret = body_json(c, rq, &req);
	if (!req)
		return ret;
	bool bad = false;
	const char *user = json_string(req, "user", &bad);
	const char *password = json_string(req, "password", &bad);
	const char *device = json_string(req, "device", &bad);
	if (bad || !user || !password) {
		cJSON_Delete(req);
		return send_error(c, rq, 400, "bad_request", "login needs \"user\" and \"password\" strings");
	}
	if (device && strlen(device) >= sizeof rq->u.device) {
		cJSON_Delete(req);
		return send_error(c, rq, 400, "bad_request", "\"device\" is longer than %zu bytes",
				  sizeof rq->u.device - 1);
	}
	char token[65];
	int retry = 0;
	int status = srv_login(S.db, user, password, device ? device : "", rq->addr, S.cfg->token_days, token,
			       &rq->u, &retry);
	/* The request's copy of the password goes with the JSON. */
	cJSON *pw = cJSON_GetObjectItemCaseSensitive(req, "password");
	if (pw && pw->valuestring)
		explicit_bzero(pw->valuestring, strlen(pw->valuestring));
	cJSON_Delete(req);
	if (status == 429) {
		char secs[24];
		snprintf(secs, sizeof secs, "%d", retry);
		cJSON *j = srv_error("rate_limited", "too many failed logins; try again in %d seconds", retry);
		/* Retry-After is added through a one-off response below. */
		char *text = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		if (!text)
			return MHD_NO;
		struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
		rq->bytes = (long long)strlen(text);
		free(text);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
		add_common_headers(r);
		return queue(c, rq, 429, r);
	}
	if (status == 401)
		return send_error(c, rq, 401, "unauthorized", "wrong user or password");
	if (status != 200) {
		explicit_bzero(token, sizeof token);
		return send_internal(c, rq, "login failed");
	}
	rq->authed = true;
	snprintf(rq->user, sizeof rq->user, "%s", rq->u.name);
	cJSON *j = srv_account_json(&rq->u);
	cJSON_AddStringToObject(j, "token", token);
	explicit_bzero(token, sizeof token);
	cJSON_AddStringToObject(j, "expires_at", rq->u.expires_at);
	char *text = cJSON_PrintUnformatted(j);
	/* The token must not linger in freed memory either. */
	cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
	explicit_bzero(t->valuestring, strlen(t->valuestring));
	cJSON_Delete(j);
	if (!text)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	rq->bytes = (long long)strlen(text);
	explicit_bzero(text, strlen(text));
	free(text);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	add_common_headers(r);
	return queue(c, rq, 200, r);
}

static enum MHD_Result do_logout(struct MHD_Connection *c, struct request *rq)
{
	char err[256];
	int n = 0;
	enum duban_err e = srv_token_revoke(S.db, rq->u.name, rq->u.token_id, &n, err, sizeof err);
	if (e != DUBAN_OK && e != DUBAN_ERR_NOT_FOUND)
		return send_internal(c, rq, err);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "revoked", true);
	return send_json(c, rq, 200, j);
}

static enum MHD_Result do_me(struct MHD_Connection *c, struct request *rq)
{
	cJSON *j = srv_account_json(&rq->u);
	cJSON_AddStringToObject(j, "device", rq->u.device);
	cJSON_AddStringToObject(j, "expires_at", rq->u.expires_at);
	return send_json(c, rq, 200, j);
}

static enum MHD_Result do_push(struct MHD_Connection *c, struct request *rq)
{
	cJSON *req;
	enum MHD_Result ret = body_json(c, rq, &req);
	if (!req)
		return ret;
	cJSON *resp = NULL;
	int status = srv_push(S.db, &rq->u, req, S.cfg->max_ops, &resp);
	cJSON_Delete(req);
	return send_json(c, rq, status, resp);
}

static enum MHD_Result do_pull(struct MHD_Connection *c, struct request *rq)
{
	const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
	const char *limit_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	long limit = 500;
	if (limit_s && *limit_s) {
		char *end;
		errno = 0;
		limit = strtol(limit_s, &end, 10);
		if (errno || *end || end == limit_s)
			return send_error(c, rq, 400, "bad_request", "limit must be a number of changes (1 to 2000)");
	}
	if (limit < 1)
		limit = 1;
	if (limit > 2000)
		limit = 2000;
	cJSON *resp = NULL;
	int status = srv_pull(S.db, &rq->u, since && *since ? since : "0", (int)limit, &resp);
	return send_json(c, rq, status, resp);
}

static enum MHD_Result do_items(struct MHD_Connection *c, struct request *rq)
{
	const char *ids = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ids");
	cJSON *resp = NULL;
	int status = srv_items(S.db, &rq->u, ids, &resp);
	return send_json(c, rq, status, resp);
}

/* A snapshot being sent, and the request's byte count for the access log
 * (libmicrohttpd reads the answer only before the request completes). */
struct snapshot_answer {
	struct srv_snapshot *sn;
	long long *bytes;
};

static ssize_t snapshot_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct snapshot_answer *a = cls;
	long n = srv_snapshot_read(a->sn, buf, max);
	if (n < 0) {
		srv_log("GET /api/v1/snapshot: cut short (see above)");
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	*a->bytes += n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void snapshot_free(void *cls)
{
	struct snapshot_answer *a = cls;
	srv_snapshot_close(a->sn);
	free(a);
}

/* The answer is written while it is sent (chunked): its length is not
 * known, and an error after the start can only cut it short, which the
 * client notices by the missing end line. */
static enum MHD_Result do_snapshot(struct MHD_Connection *c, struct request *rq)
{
	bool gz = accepts_gzip(c);
	int status;
	cJSON *error;
	struct srv_snapshot *sn = srv_snapshot_open(S.db, &rq->u, S.cfg->readers, gz, &status, &error);
	if (!sn)
		return send_json(c, rq, status, error);
	struct snapshot_answer *a = malloc(sizeof *a);
	if (!a) {
		srv_snapshot_close(sn);
		return MHD_NO;
	}
	a->sn = sn;
	a->bytes = &rq->bytes;
	rq->bytes = 0;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, snapshot_read, a,
								   snapshot_free);
	if (!r) {
		snapshot_free(a);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	add_common_headers(r);
	return queue(c, rq, 200, r);
}

static enum MHD_Result do_blob_get(struct MHD_Connection *c, struct request *rq, bool head)
{
	long long size = 0;
	int status = srv_blob_access(S.db, &rq->u, rq->sha, &size);
	/* A blob this user may not read is answered like one that is not there,
	 * HEAD included: the client then sends the bytes, which proves it has them. */
	if (status == 404)
		return send_error(c, rq, 404, "not_found", "no blob %s", rq->sha);
	if (status != 200)
		return send_internal(c, rq, "blob access check failed");
	char *path = srv_blob_path(S.db, rq->sha);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return send_error(c, rq, 404, "not_found", "no blob %s", rq->sha);
	struct MHD_Response *r = MHD_create_response_from_fd64((uint64_t)size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	rq->bytes = head ? 0 : size;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	char etag[70];
	snprintf(etag, sizeof etag, "\"%s\"", rq->sha);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	add_common_headers(r);
	return queue(c, rq, 200, r);
}

/* ---------------------------------------------------------------- routing */

static enum route route_of(const char *path, char sha[65])
{
	static const struct {
		const char *name;
		enum route route;
	} table[] = {
		{ "health", R_HEALTH }, { "login", R_LOGIN }, { "logout", R_LOGOUT },
		{ "me", R_ME }, { "push", R_PUSH }, { "pull", R_PULL }, { "items", R_ITEMS },
		{ "snapshot", R_SNAPSHOT },
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(path, table[i].name) == 0)
			return table[i].route;
	if (strncmp(path, "blobs/", 6) == 0 && strlen(path + 6) < 100) {
		snprintf(sha, 65, "%.64s", path + 6);
		/* An invalid hash is still this route: it is answered 400. */
		if (strlen(path + 6) != 64)
			sha[0] = '\0';
		return R_BLOB;
	}
	return R_NONE;
}

static bool method_allowed(enum route r, const char *m)
{
	switch (r) {
	case R_HEALTH:
	case R_ME:
	case R_PULL:
	case R_ITEMS:
		return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	case R_SNAPSHOT:
		return strcmp(m, "GET") == 0;
	case R_LOGIN:
	case R_LOGOUT:
	case R_PUSH:
		return strcmp(m, "POST") == 0;
	case R_BLOB:
		return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "PUT") == 0;
	default:
		return false;
	}
}

static bool has_body(enum route r, const char *m)
{
	return r == R_LOGIN || r == R_PUSH || (r == R_BLOB && strcmp(m, "PUT") == 0);
}

/* "1", "1 " → 1; anything else → -1. */
static long header_int(const char *v)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || end == v || *end)
		return -1;
	return n;
}

static bool is_json_type(const char *ct)
{
	if (!ct)
		return false;
	ct += strspn(ct, " \t");
	size_t n = strcspn(ct, "; \t");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* Behind a reverse proxy on the same machine every peer is loopback: the
 * proxy's X-Forwarded-For names the client, for the access log and the
 * per-address login limit.  Only the last entry is the proxy's own
 * observation; earlier ones come from the client and prove nothing. */
static bool peer_is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

static void forwarded_address(struct MHD_Connection *c, char *out, size_t outlen)
{
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	char addr[64];
	size_t n = strcspn(last, " \t");
	if (n == 0 || n >= sizeof addr)
		return;
	memcpy(addr, last, n);
	addr[n] = '\0';
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, addr, buf) == 1 || inet_pton(AF_INET6, addr, buf) == 1)
		snprintf(out, outlen, "%s", addr);
}

static void client_address(struct MHD_Connection *c, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, outlen, "-");
	if (!ci || !ci->client_addr)
		return;
	socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							       : sizeof(struct sockaddr_in);
	char host[NI_MAXHOST];
	if (getnameinfo(ci->client_addr, len, host, sizeof host, NULL, 0, NI_NUMERICHOST) == 0)
		snprintf(out, outlen, "%.63s", strncmp(host, "::ffff:", 7) == 0 ? host + 7 : host);
	if (S.cfg->trust_proxy && peer_is_loopback(out))
		forwarded_address(c, out, outlen);
}

/* Everything decided from the headers alone: route, method, versions,
 * authentication, body type and announced size.  Returns true when it
 * queued an answer. */
static bool first_call(struct MHD_Connection *c, struct request *rq, const char *url, enum MHD_Result *ret)
{
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) != 0) {
		*ret = send_error(c, rq, 404, "not_found", "no such endpoint (the API lives under %s)", API_PREFIX);
		return true;
	}
	rq->route = route_of(url + strlen(API_PREFIX), rq->sha);
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Duban-Protocol");
	if (v && header_int(v) != SRV_PROTOCOL) {
		*ret = send_error(c, rq, 400, "unsupported_protocol", "this server speaks protocol %d", SRV_PROTOCOL);
		return true;
	}
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Duban-Schema");
	if (v) {
		long schema = header_int(v);
		if (schema < 1 || schema > SRV_SCHEMA) {
			*ret = send_error(c, rq, 400, "unsupported_schema", "this server speaks ledger schema %d",
					  SRV_SCHEMA);
			return true;
		}
	}
	if (rq->route == R_NONE) {
		*ret = send_error(c, rq, 404, "not_found", "no such endpoint");
		return true;
	}
	if (!method_allowed(rq->route, rq->method)) {
		*ret = send_error(c, rq, 405, "method_not_allowed", "%s is not allowed here", rq->method);
		return true;
	}
	if (rq->route == R_BLOB && !srv_sha256_valid(rq->sha)) {
		*ret = send_error(c, rq, 400, "bad_request", "a blob is named by 64 lower-case hex digits");
		return true;
	}
	if (rq->route != R_HEALTH && rq->route != R_LOGIN) {
		const char *code = "unauthorized";
		int st = srv_authenticate(S.db, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
									  MHD_HTTP_HEADER_AUTHORIZATION),
					  &rq->u, &code);
		if (st == 401) {
			*ret = strcmp(code, "token_expired") == 0
				       ? send_error(c, rq, 401, "token_expired", "the token has expired; log in again")
				       : send_error(c, rq, 401, "unauthorized",
						    "a valid token is needed (Authorization: Bearer TOKEN); log in again");
			return true;
		}
		if (st != 200) {
			*ret = send_internal(c, rq, "authentication failed");
			return true;
		}
		rq->authed = true;
		snprintf(rq->user, sizeof rq->user, "%s", rq->u.name);
	}
	if (!has_body(rq->route, rq->method)) {
		rq->limit = S.cfg->max_body;
		return false;
	}
	const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	if (enc && *enc && strcasecmp(enc, "identity") != 0) {
		if (strcasecmp(enc, "gzip") != 0 || rq->route == R_BLOB) {
			*ret = send_error(c, rq, 415, "unsupported_media_type",
					  rq->route == R_BLOB ? "blobs are sent as they are, without Content-Encoding"
							      : "the only Content-Encoding accepted is gzip");
			return true;
		}
		rq->gzip = true;
	}
	if (rq->route == R_BLOB) {
		if (rq->u.role == DUBAN_ROLE_VIEWER) {
			*ret = send_error(c, rq, 403, "forbidden", "viewers may not upload");
			return true;
		}
		rq->limit = S.cfg->max_blob;
	} else {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!is_json_type(ct)) {
			*ret = send_error(c, rq, 415, "unsupported_media_type",
					  "the body must be Content-Type: application/json");
			return true;
		}
		rq->limit = S.cfg->max_body;
	}
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno || (long long)n > rq->limit || n > (unsigned long long)LLONG_MAX) {
			*ret = send_too_large(c, rq);
			return true;
		}
	}
	if (rq->route == R_BLOB) {
		rq->up = srv_blob_begin(S.db, rq->sha);
		if (!rq->up) {
			*ret = send_internal(c, rq, "cannot create an upload file");
			return true;
		}
	}
	return false;
}

/* Takes one piece of the body: kept, streamed to the blob, or counted and
 * dropped once over the limit.  false: cut the connection. */
static bool take_data(struct request *rq, const char *data, size_t size)
{
	rq->seen += (long long)size;
	if (rq->too_large)
		return rq->seen - rq->limit <= DISCARD_MAX;
	if (rq->seen > rq->limit) {
		rq->too_large = true;
		srv_blob_abort(rq->up);
		rq->up = NULL;
		free(rq->body);
		rq->body = NULL;
		rq->len = rq->cap = 0;
		return true;
	}
	if (!has_body(rq->route, rq->method))
		return true; /* a body nobody asked for is dropped */
	if (rq->up) {
		/* A failed write is remembered and answered 500 at the end. */
		(void)srv_blob_write(rq->up, data, size);
		return true;
	}
	if (rq->len + size + 1 > rq->cap) {
		size_t ncap = rq->cap ? rq->cap : 4096;
		while (ncap < rq->len + size + 1)
			ncap *= 2;
		char *grown = realloc(rq->body, ncap);
		if (!grown)
			return false;
		rq->body = grown;
		rq->cap = ncap;
	}
	memcpy(rq->body + rq->len, data, size);
	rq->len += size;
	rq->body[rq->len] = '\0';
	return true;
}

static enum MHD_Result dispatch(struct MHD_Connection *c, struct request *rq)
{
	if (rq->too_large)
		return send_too_large(c, rq);
	switch (rq->route) {
	case R_HEALTH:
		return do_health(c, rq);
	case R_LOGIN:
		return do_login(c, rq);
	case R_LOGOUT:
		return do_logout(c, rq);
	case R_ME:
		return do_me(c, rq);
	case R_PUSH:
		return do_push(c, rq);
	case R_PULL:
		return do_pull(c, rq);
	case R_ITEMS:
		return do_items(c, rq);
	case R_SNAPSHOT:
		return do_snapshot(c, rq);
	case R_BLOB:
		if (strcmp(rq->method, "PUT") == 0) {
			cJSON *resp = NULL;
			struct srv_blob_upload *up = rq->up;
			rq->up = NULL;
			int status = srv_blob_finish(up, &rq->u, &resp);
			return send_json(c, rq, status, resp);
		}
		return do_blob_get(c, rq, strcmp(rq->method, "HEAD") == 0);
	default:
		return send_error(c, rq, 404, "not_found", "no such endpoint");
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)cls;
	(void)version;
	struct request *rq = *con_cls;
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		snprintf(rq->method, sizeof rq->method, "%s", method);
		snprintf(rq->path, sizeof rq->path, "%s", url);
		snprintf(rq->user, sizeof rq->user, "-");
		client_address(c, rq->addr, sizeof rq->addr);
		pthread_mutex_lock(&S.count_lock);
		S.inflight++;
		pthread_mutex_unlock(&S.count_lock);
		enum MHD_Result ret = MHD_YES;
		bool answered = first_call(c, rq, url, &ret);
		/* The head is in: from now on the body's deadline counts. */
		srv_guard_phase(c, !answered && has_body(rq->route, rq->method) ? SRV_GUARD_BODY : SRV_GUARD_REPLY);
		return answered ? ret : MHD_YES;
	}
	if (rq->responded) {
		/* Answered early: what is still arriving is not read. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		srv_guard_bytes(c, *upload_data_size);
		bool keep = take_data(rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return keep ? MHD_YES : MHD_NO;
	}
	srv_guard_phase(c, SRV_GUARD_REPLY);
	return dispatch(c, rq);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	srv_guard_notify(c, socket_context, code == MHD_CONNECTION_NOTIFY_STARTED);
}

/* ---------------------------------------------------------------- access log */

/* A logfmt value: printable ASCII without spaces, quotes or backslashes
 * stays as it is; anything else is %-escaped. */
static void log_value(struct duban_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '%' && *p != '=')
			duban_buf_putc(b, (char)*p);
		else
			duban_buf_printf(b, "%%%02X", *p);
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	struct request *rq = *con_cls;
	/* A kept-alive connection waits for its next head, with a deadline. */
	srv_guard_phase(c, SRV_GUARD_HEAD);
	if (!rq)
		return;
	*con_cls = NULL;
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long long ms = (end.tv_sec - rq->start.tv_sec) * 1000LL + (end.tv_nsec - rq->start.tv_nsec) / 1000000;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_printf(&b, "time=%s addr=", now);
	log_value(&b, rq->addr);
	duban_buf_puts(&b, " user=");
	log_value(&b, rq->user);
	duban_buf_puts(&b, " method=");
	log_value(&b, rq->method);
	duban_buf_puts(&b, " path=");
	log_value(&b, rq->path[0] ? rq->path : "-");
	duban_buf_printf(&b, " status=%d bytes=%lld ms=%lld", rq->status ? rq->status : 0, rq->bytes, ms);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		duban_buf_puts(&b, " aborted=1");
	duban_buf_putc(&b, '\n');
	pthread_mutex_lock(&S.log_lock);
	fwrite(b.data, 1, b.len, S.log ? S.log : stderr);
	fflush(S.log ? S.log : stderr);
	pthread_mutex_unlock(&S.log_lock);
	duban_buf_free(&b);

	srv_blob_abort(rq->up);
	free(rq->body);
	srv_user_free(&rq->u);
	free(rq);
	pthread_mutex_lock(&S.count_lock);
	if (--S.inflight == 0)
		pthread_cond_broadcast(&S.idle);
	pthread_mutex_unlock(&S.count_lock);
}

/* ---------------------------------------------------------------- listening */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char host[NI_MAXHOST]; /* as typed, for messages */
	unsigned port;
	bool any6; /* [::]: take IPv4 too */
};

/* "ADDR:PORT", "[V6]:PORT", "localhost:PORT". */
static bool parse_listen(const char *s, struct listen_addr *la, char *err, size_t errlen)
{
	memset(la, 0, sizeof *la);
	const char *colon;
	const char *host = s;
	size_t hostlen;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "--listen %s: expected [IPV6]:PORT", s);
			return false;
		}
		host = s + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon) {
			snprintf(err, errlen, "--listen %s: expected ADDRESS:PORT (e.g. 0.0.0.0:8443 or [::]:8443)", s);
			return false;
		}
		hostlen = (size_t)(colon - s);
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port > 65535) {
		snprintf(err, errlen, "--listen %s: the port must be a number from 0 to 65535", s);
		return false;
	}
	if (hostlen == 0 || hostlen >= sizeof la->host) {
		snprintf(err, errlen, "--listen %s: the address is missing (e.g. 0.0.0.0:%lu)", s, port);
		return false;
	}
	memcpy(la->host, host, hostlen);
	la->host[hostlen] = '\0';
	la->port = (unsigned)port;
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char portbuf[8];
	snprintf(portbuf, sizeof portbuf, "%lu", port);
	int rc = getaddrinfo(la->host, portbuf, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "--listen %.200s: cannot resolve %.200s: %s", s, la->host, gai_strerror(rc));
		return false;
	}
	memcpy(&la->ss, res->ai_addr, res->ai_addrlen);
	la->len = res->ai_addrlen;
	freeaddrinfo(res);
	if (la->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&la->ss;
		la->any6 = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr);
	}
	return true;
}

static bool is_loopback(const struct listen_addr *la)
{
	if (la->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&la->ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (la->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&la->ss;
		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

static void prune(struct srv_store *db, int days)
{
	if (days <= 0)
		return;
	long long n = db->ops->prune(db, days);
	if (n > 0)
		srv_log("pruned %lld change-log entries older than %d days", n, days);
	else if (n < 0)
		srv_log("cannot prune the change log");
}

/* max_connections, lowered to what RLIMIT_NPROC leaves for connection
 * threads (the pool, the watchdog and libmicrohttpd's own take some). */
static int thread_budget(int max_connections)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return max_connections;
	long long budget = (long long)rl.rlim_cur - 64;
	if (budget < 8)
		budget = 8;
	if (max_connections <= budget)
		return max_connections;
	srv_log("--max-connections %d is more than the %lld threads RLIMIT_NPROC leaves; serving %lld", max_connections,
		budget, budget);
	return (int)budget;
}

/* Waits (at most seconds) until no request is in flight. */
static bool wait_idle(int seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&S.count_lock);
	int rc = 0;
	while (S.inflight > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&S.idle, &S.count_lock, &until);
	bool idle = S.inflight == 0;
	pthread_mutex_unlock(&S.count_lock);
	return idle;
}

/* libmicrohttpd's own messages may quote what a client sent. */
static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	char msg[1024];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	if (n > 0 && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	srv_log("%s", msg);
}

static char *read_pem(const char *what, const char *path)
{
	size_t len;
	char *data = duban_read_file(path, &len);
	if (!data) {
		srv_log("cannot read the %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (len == 0 || strlen(data) != len || !strstr(data, "-----BEGIN ")) {
		srv_log("%s is not a PEM %s", path, what);
		explicit_bzero(data, len);
		free(data);
		return NULL;
	}
	return data;
}


/* The end of serving, or of a start that failed: the key wiped, the access
 * log closed, signals back as they were. */
static void serve_release(char *cert, char *key, sigset_t *sigs)
{
	free(cert);
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	if (S.log)
		fclose(S.log);
	S.log = NULL;
	pthread_sigmask(SIG_UNBLOCK, sigs, NULL);
}

int srv_serve(const struct srv_config *cfg, struct srv_store *db)
{
	struct listen_addr la;
	char err[512];
	if (!parse_listen(cfg->listen ? cfg->listen : "", &la, err, sizeof err)) {
		srv_log("%s", err);
		return 2;
	}
	bool tls = !cfg->insecure_http;
	if (!tls && !is_loopback(&la)) {
		srv_log("--insecure-http is only allowed on a loopback address (127.0.0.1, ::1,"
				" localhost), not %s; use --tls-cert and --tls-key, or a reverse proxy on this host",
			la.host);
		return 2;
	}
	if (tls && (!cfg->tls_cert || !cfg->tls_key)) {
		srv_log("serving needs --tls-cert FILE and --tls-key FILE (or --insecure-http on"
				" a loopback address behind a reverse proxy)");
		return 2;
	}
	char *cert = NULL, *key = NULL;
	if (tls) {
		cert = read_pem("certificate", cfg->tls_cert);
		key = cert ? read_pem("key", cfg->tls_key) : NULL;
		if (!cert || !key) {
			free(cert);
			return 1;
		}
	}

	S.cfg = cfg;
	S.db = db;
	S.inflight = 0;
	S.log = NULL;
	if (cfg->log_path) {
		/* Names and addresses of users: not for everybody to read. */
		int lfd = open(cfg->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		S.log = lfd >= 0 ? fdopen(lfd, "a") : NULL;
		if (!S.log && lfd >= 0)
			close(lfd);
		if (!S.log) {
			srv_log("cannot open the log %s: %s", cfg->log_path, strerror(errno));
			free(cert);
			if (key)
				explicit_bzero(key, strlen(key));
			free(key);
			return 1;
		}
		setvbuf(S.log, NULL, _IOLBF, 0);
	}

	/* Signals are taken by sigwait in this thread only: every thread that
	 * libmicrohttpd starts inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	prune(db, cfg->retention_days);

	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
			     MHD_USE_ERROR_LOG | MHD_USE_AUTO;
	if (tls)
		flags |= MHD_USE_TLS;
	if (la.ss.ss_family == AF_INET6)
		flags |= la.any6 ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, key },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)cfg->tls_priority },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };
	/* One thread per connection: the limit must leave threads to spare, or
	 * a full server would fail slowly instead of refusing at once. */
	int max_conn = thread_budget(cfg->max_connections);
	if (!srv_guard_start(cfg->head_timeout, cfg->body_timeout, max_conn)) {
		srv_log("cannot start the connection watchdog");
		serve_release(cert, key, &sigs);
		return 1;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)la.port, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, /* first, or MHD logs the rest itself */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)max_conn,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)(cfg->per_ip_connections < max_conn ? cfg->per_ip_connections : max_conn),
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_ARRAY, tls ? tls_opts : none,
		MHD_OPTION_END);
	if (!d) {
		srv_guard_stop();
		srv_log("cannot listen on %s (address in use, not local, or the certificate and key"
				" do not match?)", cfg->listen);
		serve_release(cert, key, &sigs);
		return 1;
	}
	unsigned port = la.port;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (di && di->port)
		port = di->port;
	bool v6 = strchr(la.host, ':') != NULL;
	srv_log("listening on %s://%s%s%s:%u (%s store %s)", tls ? "https" : "http", v6 ? "[" : "",
		la.host, v6 ? "]" : "", port, db->ops->name, db->where);

	/* Wait for a signal, pruning the change log once a day meanwhile. */
	for (;;) {
		struct timespec day = { .tv_sec = 86400, .tv_nsec = 0 };
		int sig = sigtimedwait(&sigs, NULL, &day);
		if (sig < 0 && errno == EAGAIN) {
			prune(db, cfg->retention_days);
			continue;
		}
		if (sig < 0)
			continue;
		if (sig == SIGHUP)
			continue; /* no configuration to reload; do not die */
		srv_log("%s received, finishing the requests in flight", strsignal(sig));
		break;
	}
	/* The listening socket is ours to close, but only once the daemon's
	 * threads are gone. */
	MHD_socket lsock = MHD_quiesce_daemon(d);
	if (!wait_idle(10))
		srv_log("requests still running after 10 s; stopping anyway");
	MHD_stop_daemon(d);
	srv_guard_stop();
	if (lsock != MHD_INVALID_SOCKET)
		close(lsock);
	serve_release(cert, key, &sigs);
	srv_log("stopped");
	return 0;
}
