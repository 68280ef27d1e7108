/* HTTPS requests to duband on libcurl (doc/PROTOCOL.md, "Transport").
 *
 * Certificate verification is always on; plain HTTP only reaches a loopback
 * address, and only when the account asks for it.  Connection errors, 5xx
 * and 429 are retried with exponential backoff and full jitter: every op
 * carries its id, so re-sending any request is safe (DESIGN.md §5, 2).  A
 * failure ends in one translated line that says what to do. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "duban/json.h"
#include "duban/sync.h"
#include "duban/utf8.h"
#include "duban/util.h"

#ifndef ENABLE_NLS
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif

/* Bodies above this are sent gzip-compressed. */
#define GZIP_THRESHOLD 4096
/* An answer held in memory may not exceed this (a pull page of 2000 items
 * is a few MB); an error answer of a download is cut at ERROR_BODY_MAX. */
#define ANSWER_MAX (128L * 1024 * 1024)
#define ERROR_BODY_MAX (64 * 1024)

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void fail(struct duban_remote_error *e, enum duban_remote_kind kind, const char *fmt, ...)
{
	if (!e)
		return;
	e->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

void duban_remote_error_clear(struct duban_remote_error *e)
{
	memset(e, 0, sizeof *e);
	e->retry_after = -1;
}

/* ---------------------------------------------------------------- addresses */

bool duban_host_is_loopback(const char *host)
{
	if (!host)
		return false;
	/* libcurl resolves "localhost" to the loopback itself, never by DNS. */
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return true;
	unsigned a, b, c, d;
	char tail;
	if (sscanf(host, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4)
		return a == 127 && b < 256 && c < 256 && d < 256;
	return false;
}

static bool host_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || (unsigned char)ch >= 0x80;
}

int duban_url_parse(const char *url, struct duban_url *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof *u);
	if (!url || !*url) {
		set_err(err, errlen, _("no server address given"));
		return -1;
	}
	const char *p;
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = true;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		set_err(err, errlen, _("'%s' is not a server address: write https://HOST[:PORT]"), url);
		return -1;
	}
	size_t auth_len = strcspn(p, "/?#");
	const char *rest = p + auth_len;
	if (memchr(p, '@', auth_len)) {
		set_err(err, errlen, _("'%s': put no user name in the address; give it as the next argument"), url);
		return -1;
	}
	const char *host = p, *host_end, *port = NULL;
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', auth_len);
		if (!host_end) {
			set_err(err, errlen, _("'%s': an IPv6 address needs its closing ]"), url);
			return -1;
		}
		if (host_end + 1 < rest) {
			if (host_end[1] != ':') {
				set_err(err, errlen, _("'%s' is not a server address: write https://HOST[:PORT]"), url);
				return -1;
			}
			port = host_end + 2;
		}
		for (const char *q = host; q < host_end; q++)
			if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
			      (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.')) {
				set_err(err, errlen, _("'%s': not an IPv6 address"), url);
				return -1;
			}
	} else {
		const char *colon = memchr(p, ':', auth_len);
		host_end = colon ? colon : rest;
		if (colon)
			port = colon + 1;
		for (const char *q = host; q < host_end; q++)
			if (!host_char_ok(*q)) {
				set_err(err, errlen, _("'%s': the host name has a character it cannot have"), url);
				return -1;
			}
	}
	size_t host_len = (size_t)(host_end - host);
	if (host_len == 0) {
		set_err(err, errlen, _("'%s': the host name is missing"), url);
		return -1;
	}
	if (host_len >= sizeof u->host) {
		set_err(err, errlen, _("'%s': the host name is too long"), url);
		return -1;
	}
	memcpy(u->host, host, host_len);
	u->host[host_len] = '\0';
	if (port) {
		long n = 0;
		const char *q = port;
		for (; q < rest && *q >= '0' && *q <= '9' && n <= 65535; q++)
			n = n * 10 + (*q - '0');
		if (q == port || q != rest || n < 1 || n > 65535) {
			set_err(err, errlen, _("'%s': the port must be a number from 1 to 65535"), url);
			return -1;
		}
		u->port = (int)n;
	}
	if (*rest == '?' || *rest == '#') {
		set_err(err, errlen, _("'%s': the address takes no query or fragment"), url);
		return -1;
	}
	/* A path prefix, for a server behind a proxy under a sub-path. */
	size_t plen = strlen(rest);
	while (plen > 0 && rest[plen - 1] == '/')
		plen--;
	if (memchr(rest, '?', plen) || memchr(rest, '#', plen)) {
		set_err(err, errlen, _("'%s': the address takes no query or fragment"), url);
		return -1;
	}
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)rest[i] <= 0x20 || rest[i] == 0x7f) {
			set_err(err, errlen, _("'%s': the address has a space or control character"), url);
			return -1;
		}
	if (plen >= sizeof u->prefix) {
		set_err(err, errlen, _("'%s': the path is too long"), url);
		return -1;
	}
	memcpy(u->prefix, rest, plen);
	u->prefix[plen] = '\0';
	return 0;
}

char *duban_url_format(const struct duban_url *u)
{
	bool v6 = strchr(u->host, ':') != NULL;
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_printf(&b, "%s://%s%s%s", u->https ? "https" : "http", v6 ? "[" : "", u->host, v6 ? "]" : "");
	if (u->port)
		duban_buf_printf(&b, ":%d", u->port);
	duban_buf_puts(&b, u->prefix);
	return duban_buf_steal(&b);
}

int duban_url_check(const struct duban_url *u, bool insecure_http, char *err, size_t errlen)
{
	if (u->https)
		return 0;
	if (!duban_host_is_loopback(u->host)) {
		set_err(err, errlen,
			_("plain http:// to %s is refused: the token and the ledger would travel unencrypted; "
			  "use https:// (plain HTTP is only for a loopback address, with --insecure-http)"),
			u->host);
		return -1;
	}
	if (!insecure_http) {
		set_err(err, errlen, _("plain http:// to %s needs --insecure-http (allowed for a loopback address only)"),
			u->host);
		return -1;
	}
	return 0;
}

/* "host" or "host:port" for messages. */
static char *host_label(const struct duban_url *u)
{
	bool v6 = strchr(u->host, ':') != NULL;
	if (u->port)
		return xasprintf("%s%s%s:%d", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	return xasprintf("%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
}

/* ---------------------------------------------------------------- retries */

static uint64_t rng_state;

static double default_random(void *arg)
{
	(void)arg;
	if (rng_state == 0)
		rng_state = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	/* xorshift64*: our own state, so the jitter does not disturb random(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	uint64_t x = rng_state * 0x2545f4914f6cdd1dULL;
	return (double)(x >> 11) / 9007199254740992.0;
}

static void default_sleep(double seconds, void *arg)
{
	(void)arg;
	if (seconds <= 0)
		return;
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void duban_retry_defaults(struct duban_retry *r)
{
	memset(r, 0, sizeof *r);
	r->max_attempts = 5;
	r->base = 0.5;
	r->factor = 2;
	r->cap = 30;
	/* DUBAN_SYNC_RETRIES: retries after the first attempt;
	 * DUBAN_SYNC_BACKOFF_MS: the first window (tests make them short). */
	const char *env = getenv("DUBAN_SYNC_RETRIES");
	if (env && *env) {
		char *end;
		long n = strtol(env, &end, 10);
		if (*end == '\0' && n >= 0 && n <= 100)
			r->max_attempts = (int)n + 1;
	}
	env = getenv("DUBAN_SYNC_BACKOFF_MS");
	if (env && *env) {
		char *end;
		long ms = strtol(env, &end, 10);
		if (*end == '\0' && ms >= 0 && ms <= 60000)
			r->base = (double)ms / 1000;
	}
}

static struct duban_retry retry_policy;
static bool retry_policy_set;

void duban_transport_set_retry(const struct duban_retry *r)
{
	retry_policy = *r;
	retry_policy_set = true;
}

void duban_transport_get_retry(struct duban_retry *r)
{
	if (!retry_policy_set) {
		duban_retry_defaults(&retry_policy);
		retry_policy_set = true;
	}
	*r = retry_policy;
}

double duban_backoff_delay(const struct duban_retry *r, int attempt, double u)
{
	double d = r->base;
	for (int i = 1; i < attempt && d < r->cap; i++)
		d *= r->factor;
	if (d > r->cap)
		d = r->cap;
	if (u < 0)
		u = 0;
	if (u >= 1)
		u = 0.999999;
	return u * d;
}

double duban_parse_retry_after(const char *value, time_t now)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value >= '0' && *value <= '9') {
		double n = 0;
		const char *p = value;
		for (; *p >= '0' && *p <= '9'; p++)
			if (n < 1e9)
				n = n * 10 + (*p - '0');
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		return *p ? -1 : n;
	}
	if (!*value)
		return -1;
	time_t t = curl_getdate(value, &now);
	if (t == (time_t)-1)
		return -1;
	return t > now ? (double)(t - now) : 0;
}

bool duban_remote_retryable(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
		return status == 429 || (status >= 500 && status <= 599);
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	/* A name that does not resolve is a typo or no network at all: neither
	 * heals within the seconds the retries take. */
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- errors */

/* The certificate problem in words, from OpenSSL's text in errbuf. */
static void tls_error(struct duban_remote_error *e, const char *host, const char *why, const char *cacert)
{
	if (strstr(why, "subject name") || strstr(why, "does not match") || strstr(why, "no alternative")) {
		fail(e, DUBAN_REMOTE_TLS,
		     _("the certificate of %s was issued for another name (%s): use the address the certificate is for"),
		     host, why);
	} else if (strstr(why, "expired") || strstr(why, "not yet valid")) {
		fail(e, DUBAN_REMOTE_TLS,
		     _("the certificate of %s has expired or is not valid yet (%s): check this computer's clock, or tell the server's administrator"),
		     host, why);
	} else if (cacert) {
		fail(e, DUBAN_REMOTE_TLS,
		     _("the certificate of %s is not signed by the CA in %s (%s): check the file given with --cacert"),
		     host, cacert, why);
	} else {
		fail(e, DUBAN_REMOTE_TLS,
		     _("the certificate of %s is not trusted (%s): if the server uses its own CA, pass --cacert FILE to duban login"),
		     host, why);
	}
}

void duban_remote_error_from_curl(struct duban_remote_error *e, CURLcode rc, const char *host,
				  const char *errbuf, const char *cacert)
{
	e->curl_code = (int)rc;
	e->status = 0;
	e->code[0] = '\0';
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
	char *clean = duban_sanitize(why, false);
	switch (rc) {
	case CURLE_OK:
		e->kind = DUBAN_REMOTE_OK;
		e->message[0] = '\0';
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		fail(e, DUBAN_REMOTE_OFFLINE, _("cannot find the server %s: check the address or your network"), host);
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
		fail(e, DUBAN_REMOTE_OFFLINE,
		     _("cannot find the proxy (%s): check https_proxy and no_proxy, or your network"), clean);
		break;
	case CURLE_COULDNT_CONNECT:
		fail(e, DUBAN_REMOTE_OFFLINE,
		     _("cannot connect to %s: the server is not running there or the network is down; check the address and port, or try again later"),
		     host);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		fail(e, DUBAN_REMOTE_OFFLINE, _("%s did not answer in time: check your network and try again later"), host);
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		fail(e, DUBAN_REMOTE_OFFLINE, _("the connection to %s broke (%s): try again later"), host, clean);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		tls_error(e, host, clean, cacert);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		fail(e, DUBAN_REMOTE_TLS, _("cannot use the CA file %s (%s): check the file given with --cacert"),
		     cacert ? cacert : "", clean);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		/* A handshake that broke off (the network, or not an HTTPS
		 * port), not a certificate refused: "offline", as before. */
		fail(e, DUBAN_REMOTE_OFFLINE,
		     _("the secure connection to %s failed (%s): is it an HTTPS server, on that port?"), host, clean);
		break;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
		fail(e, DUBAN_REMOTE_TLS, _("the secure connection to %s failed (%s)"), host, clean);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		fail(e, DUBAN_REMOTE_LOCAL, _("cannot use the server address %s (%s): check it with duban login"),
		     host, clean);
		break;
	case CURLE_OUT_OF_MEMORY:
		fail(e, DUBAN_REMOTE_LOCAL, _("out of memory talking to %s"), host);
		break;
	default:
		fail(e, DUBAN_REMOTE_OFFLINE, _("cannot talk to %s (%s): try again later"), host, clean);
		break;
	}
	free(clean);
}

static char *wait_text(double seconds)
{
	long s = (long)(seconds + 0.5);
	if (s >= 120)
		return xasprintf(ngettext("try again in %ld minute", "try again in %ld minutes", (unsigned long)((s + 59) / 60)),
				 (s + 59) / 60);
	return xasprintf(ngettext("try again in %ld second", "try again in %ld seconds", (unsigned long)s), s);
}

void duban_remote_error_from_http(struct duban_remote_error *e, long status, const char *host,
				  const char *body, size_t body_len, double retry_after)
{
	e->status = status;
	e->curl_code = 0;
	e->code[0] = '\0';
	e->retry_after = retry_after;
	char *msg = NULL;
	cJSON *j = body && body_len ? cJSON_ParseWithLength(body, body_len) : NULL;
	if (cJSON_IsObject(j)) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "error");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
		if (cJSON_IsString(c)) {
			char *clean = duban_sanitize(c->valuestring, false);
			snprintf(e->code, sizeof e->code, "%s", clean);
			free(clean);
		}
		if (cJSON_IsString(m) && *m->valuestring)
			msg = duban_sanitize(m->valuestring, false);
	}
	cJSON_Delete(j);
	/* The server's own words when it gave some, else the status. */
	char *said = msg ? msg : xasprintf("HTTP %ld", status);
	if (status >= 200 && status <= 299) {
		e->kind = DUBAN_REMOTE_OK;
		e->message[0] = '\0';
	} else if (status == 401 && strcmp(e->code, "token_expired") == 0) {
		fail(e, DUBAN_REMOTE_AUTH, _("your login to %s has expired: log in again with duban login"), host);
	} else if (status == 401) {
		fail(e, DUBAN_REMOTE_AUTH, _("%s did not accept your login (%s): log in again with duban login"), host, said);
	} else if (status == 403) {
		fail(e, DUBAN_REMOTE_FORBIDDEN, _("%s refused: %s"), host, said);
	} else if (status == 404) {
		fail(e, DUBAN_REMOTE_NOT_FOUND, _("not found on %s (%s)"), host, said);
	} else if (status == 413) {
		fail(e, DUBAN_REMOTE_TOO_LARGE, _("too large for %s (%s)"), host, said);
	} else if (status == 429) {
		char *w = retry_after >= 0 ? wait_text(retry_after) : xstrdup(_("try again later"));
		fail(e, DUBAN_REMOTE_RATE_LIMITED, _("%s asks to slow down (%s): %s"), host, said, w);
		free(w);
	} else if (status == 400 && (strcmp(e->code, "unsupported_protocol") == 0 ||
				     strcmp(e->code, "unsupported_schema") == 0)) {
		fail(e, DUBAN_REMOTE_PROTOCOL, _("%s speaks another version of the protocol (%s): update duban"), host, said);
	} else if (status >= 500) {
		fail(e, DUBAN_REMOTE_SERVER,
		     _("the server %s failed (HTTP %ld: %s): try again later; if it goes on, tell its administrator"),
		     host, status, said);
	} else if (!msg && !e->code[0]) {
		fail(e, DUBAN_REMOTE_PROTOCOL,
		     _("%s answered HTTP %ld, which duban does not understand: is it the address of a duband server?"),
		     host, status);
	} else {
		fail(e, DUBAN_REMOTE_SERVER, _("%s refused the request (HTTP %ld, %s): %s"), host, status,
		     e->code[0] ? e->code : "-", said);
	}
	free(said);
}

/* ---------------------------------------------------------------- requests */

struct duban_request {
	CURL *easy;
	struct curl_slist *headers;
	char *url;       /* the full URL */
	char *method;
	char *host;      /* for messages */
	char *cacert;
	bool allow_http;
	char setup_err[512]; /* the account's address is refused: nothing is sent */

	char *body;      /* JSON, possibly gzip-compressed */
	size_t body_len;
	bool gzipped;
	bool has_body;

	char *upload_path;
	char *content_type;
	FILE *upload;

	char *download_path;
	FILE *download;
	int to_file;     /* -1 undecided, 0 memory, 1 the file (this attempt) */
	bool local_error; /* the file could not be written */
	int write_errno;

	duban_sink_fn sink; /* a stream: the 2xx body goes here */
	void *sink_ctx;
	bool sink_stopped;

	struct duban_buf answer;
	bool too_big;
	long status;
	double retry_after;
	char errbuf[CURL_ERROR_SIZE];
	int attempts;
	struct duban_retry retry;
};

void duban_transport_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void duban_transport_cleanup(void)
{
	curl_global_cleanup();
}

/* gzip of data (RFC 1952), or NULL when zlib fails. */
static char *gzip(const char *data, size_t len, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong bound = deflateBound(&zs, (uLong)len) + 32;
	char *out = xmalloc(bound);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)bound;
	int rc = deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static duban_request *request_new(const struct duban_account *a, const char *method, const char *path)
{
	duban_request *rq = xcalloc(1, sizeof *rq);
	rq->method = xstrdup(method);
	rq->to_file = -1;
	rq->retry_after = -1;
	duban_buf_init(&rq->answer);
	duban_transport_get_retry(&rq->retry);
	if (rq->retry.max_attempts < 1)
		rq->retry.max_attempts = 1;
	struct duban_url u;
	char err[sizeof rq->setup_err];
	if (!a || !a->url) {
		snprintf(rq->setup_err, sizeof rq->setup_err, "%s", _("no server address: run duban login URL USER"));
		rq->host = xstrdup("?");
		return rq;
	}
	if (duban_url_parse(a->url, &u, err, sizeof err) != 0 ||
	    duban_url_check(&u, a->insecure_http, err, sizeof err) != 0) {
		snprintf(rq->setup_err, sizeof rq->setup_err, "%s", err);
		rq->host = xstrdup(a->url);
		return rq;
	}
	rq->allow_http = !u.https;
	rq->host = host_label(&u);
	char *base = duban_url_format(&u);
	rq->url = xasprintf("%s%s", base, path);
	free(base);
	if (a->cacert)
		rq->cacert = xstrdup(a->cacert);

	rq->headers = curl_slist_append(rq->headers, "X-Duban-Protocol: 1");
	rq->headers = curl_slist_append(rq->headers, "X-Duban-Schema: 1");
	rq->headers = curl_slist_append(rq->headers, "Accept: application/json");
	if (a->token && *a->token) {
		char *auth = xasprintf("Authorization: Bearer %s", a->token);
		rq->headers = curl_slist_append(rq->headers, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	return rq;
}

duban_request *duban_request_new_json(const struct duban_account *a, const char *method,
				      const char *path, const cJSON *body)
{
	duban_request *rq = request_new(a, method, path);
	if (!body)
		return rq;
	char *text = cJSON_PrintUnformatted(body);
	if (!text) {
		fprintf(stderr, "duban: out of memory\n");
		abort();
	}
	size_t len = strlen(text);
	rq->has_body = true;
	rq->headers = curl_slist_append(rq->headers, "Content-Type: application/json");
	size_t zlen;
	char *z = len > GZIP_THRESHOLD ? gzip(text, len, &zlen) : NULL;
	if (z) {
		rq->body = z;
		rq->body_len = zlen;
		rq->gzipped = true;
		rq->headers = curl_slist_append(rq->headers, "Content-Encoding: gzip");
		/* The text may hold a password (login): wipe before freeing. */
		memset(text, 0, len);
		cJSON_free(text);
	} else {
		rq->body = xmalloc(len + 1);
		memcpy(rq->body, text, len + 1);
		rq->body_len = len;
		memset(text, 0, len);
		cJSON_free(text);
	}
	return rq;
}

duban_request *duban_request_new_upload(const struct duban_account *a, const char *method,
					const char *path, const char *upload_path,
					const char *content_type)
{
	duban_request *rq = request_new(a, method, path);
	rq->upload_path = xstrdup(upload_path);
	rq->content_type = xstrdup(content_type && *content_type ? content_type : "application/octet-stream");
	char *h = xasprintf("Content-Type: %s", rq->content_type);
	rq->headers = curl_slist_append(rq->headers, h);
	free(h);
	return rq;
}

duban_request *duban_request_new_download(const struct duban_account *a, const char *path,
					  const char *download_path)
{
	duban_request *rq = request_new(a, "GET", path);
	rq->download_path = xstrdup(download_path);
	return rq;
}

duban_request *duban_request_new_stream(const struct duban_account *a, const char *path, duban_sink_fn sink,
					void *ctx)
{
	duban_request *rq = request_new(a, "GET", path);
	rq->sink = sink;
	rq->sink_ctx = ctx;
	rq->retry.max_attempts = 1;
	return rq;
}

void duban_request_free(duban_request *rq)
{
	if (!rq)
		return;
	if (rq->easy)
		curl_easy_cleanup(rq->easy);
	curl_slist_free_all(rq->headers);
	if (rq->upload)
		fclose(rq->upload);
	if (rq->download)
		fclose(rq->download);
	if (rq->body) {
		memset(rq->body, 0, rq->body_len);
		free(rq->body);
	}
	free(rq->url);
	free(rq->method);
	free(rq->host);
	free(rq->cacert);
	free(rq->upload_path);
	free(rq->content_type);
	free(rq->download_path);
	duban_buf_free(&rq->answer);
	free(rq);
}

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
	duban_request *rq = arg;
	size_t len = size * n;
	if (rq->to_file < 0) {
		long status = 0;
		curl_easy_getinfo(rq->easy, CURLINFO_RESPONSE_CODE, &status);
		rq->to_file = (rq->download || rq->sink) && status >= 200 && status <= 299;
	}
	if (rq->to_file && rq->sink) {
		if (!rq->sink(data, len, rq->sink_ctx)) {
			rq->sink_stopped = true;
			return 0;
		}
		return len;
	}
	if (rq->to_file) {
		if (fwrite(data, 1, len, rq->download) != len) {
			rq->local_error = true;
			rq->write_errno = errno;
			return 0;
		}
		return len;
	}
	long max = rq->download ? ERROR_BODY_MAX : ANSWER_MAX;
	if ((long)(rq->answer.len + len) > max) {
		if (rq->download)
			return len; /* an error text cut short is still an error */
		rq->too_big = true;
		return 0;
	}
	duban_buf_add(&rq->answer, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	duban_request *rq = arg;
	size_t len = size * n;
	/* A new status line (after 100 Continue, say) starts a new header set. */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		rq->retry_after = -1;
		return len;
	}
	static const char name[] = "retry-after:";
	if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
		char value[128];
		size_t vlen = len - (sizeof name - 1);
		if (vlen >= sizeof value)
			vlen = sizeof value - 1;
		memcpy(value, data + sizeof name - 1, vlen);
		value[vlen] = '\0';
		value[strcspn(value, "\r\n")] = '\0';
		rq->retry_after = duban_parse_retry_after(value, time(NULL));
	}
	return len;
}

static FILE *open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "wb");
	if (!f)
		close(fd);
	return f;
}

#define SETOPT(h, opt, val) \
	do { \
		if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) \
			goto setopt_failed; \
	} while (0)

CURL *duban_request_prepare(duban_request *rq, struct duban_remote_error *err)
{
	duban_remote_error_clear(err);
	err->attempts = rq->attempts;
	if (rq->setup_err[0]) {
		fail(err, DUBAN_REMOTE_LOCAL, "%s", rq->setup_err);
		return NULL;
	}
	/* Each attempt starts afresh: body from its start, an empty answer. */
	rq->answer.len = 0;
	rq->too_big = false;
	rq->local_error = false;
	rq->to_file = -1;
	rq->status = 0;
	rq->retry_after = -1;
	rq->errbuf[0] = '\0';
	curl_off_t upload_size = 0;
	if (rq->upload_path) {
		if (rq->upload)
			fclose(rq->upload);
		rq->upload = fopen(rq->upload_path, "rb");
		struct stat st;
		if (!rq->upload || fstat(fileno(rq->upload), &st) != 0) {
			fail(err, DUBAN_REMOTE_LOCAL, _("cannot read %s: %s"), rq->upload_path, strerror(errno));
			return NULL;
		}
		upload_size = (curl_off_t)st.st_size;
	}
	if (rq->download_path) {
		if (rq->download)
			fclose(rq->download);
		rq->download = open_private(rq->download_path);
		if (!rq->download) {
			fail(err, DUBAN_REMOTE_LOCAL, _("cannot write %s: %s"), rq->download_path, strerror(errno));
			return NULL;
		}
	}
	if (!rq->easy) {
		rq->easy = curl_easy_init();
		if (!rq->easy) {
			fail(err, DUBAN_REMOTE_LOCAL, _("cannot start a connection (libcurl failed to start)"));
			return NULL;
		}
	} else {
		curl_easy_reset(rq->easy); /* keeps the open connection */
	}
	CURL *h = rq->easy;
	SETOPT(h, CURLOPT_URL, rq->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(h, CURLOPT_PROTOCOLS_STR, rq->allow_http ? "http,https" : "https");
#else
	SETOPT(h, CURLOPT_PROTOCOLS, rq->allow_http ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS) : (long)CURLPROTO_HTTPS);
#endif
	/* Verification is never switched off; --cacert only names the CA. */
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (rq->cacert)
		SETOPT(h, CURLOPT_CAINFO, rq->cacert);
	/* No redirects: the token must not follow one to another host. */
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT, 10L);
	/* No overall timeout (a blob may be large on a slow line), but a
	 * connection that stalls for 30 s is given up. */
	SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(h, CURLOPT_LOW_SPEED_TIME, 30L);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(h, CURLOPT_USERAGENT, "duban/" PACKAGE_VERSION);
	SETOPT(h, CURLOPT_HTTPHEADER, rq->headers);
	SETOPT(h, CURLOPT_ERRORBUFFER, rq->errbuf);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(h, CURLOPT_WRITEDATA, rq);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, rq);
	if (rq->upload) {
		SETOPT(h, CURLOPT_UPLOAD, 1L);
		SETOPT(h, CURLOPT_READDATA, rq->upload);
		SETOPT(h, CURLOPT_INFILESIZE_LARGE, upload_size);
		if (strcmp(rq->method, "PUT") != 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, rq->method);
	} else if (strcmp(rq->method, "GET") == 0) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(rq->method, "HEAD") == 0) {
		SETOPT(h, CURLOPT_NOBODY, 1L);
	} else {
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		SETOPT(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		if (strcmp(rq->method, "POST") != 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	return h;

setopt_failed:
	fail(err, DUBAN_REMOTE_LOCAL, _("cannot set up the request to %s (libcurl %s is too old?)"), rq->host,
	     curl_version_info(CURLVERSION_NOW)->version);
	return NULL;
}

/* The download file is written only by a successful attempt. */
static void drop_download(duban_request *rq)
{
	if (!rq->download)
		return;
	fclose(rq->download);
	rq->download = NULL;
	unlink(rq->download_path);
}

/* An answer over ANSWER_MAX.  For a pull page the message names the page
 * size and the way out: a duband that bounds pages by bytes, or smaller
 * pages (DUBAN_SYNC_PAGE). */
static void fail_too_big(const duban_request *rq, struct duban_remote_error *err)
{
	long mb = ANSWER_MAX / (1024 * 1024);
	const char *limit = strstr(rq->url, "/pull?") ? strstr(rq->url, "limit=") : NULL;
	if (!limit) {
		fail(err, DUBAN_REMOTE_PROTOCOL, _("the answer of %s is larger than %ld MB, the most duban accepts"),
		     rq->host, mb);
		return;
	}
	fail(err, DUBAN_REMOTE_PROTOCOL,
	     _("a page of %ld changes from %s is larger than %ld MB, the most duban accepts: ask for smaller pages "
	       "(DUBAN_SYNC_PAGE=50 duban sync), or have the server's administrator update duband, which "
	       "keeps pages under 4 MB"),
	     strtol(limit + 6, NULL, 10), rq->host, mb);
}

enum duban_step duban_request_finish(duban_request *rq, CURLcode rc, double *wait,
				     struct duban_remote_error *err)
{
	duban_remote_error_clear(err);
	*wait = 0;
	rq->attempts++;
	err->attempts = rq->attempts;
	if (rc == CURLE_OK)
		curl_easy_getinfo(rq->easy, CURLINFO_RESPONSE_CODE, &rq->status);
	if (rq->local_error) {
		fail(err, DUBAN_REMOTE_LOCAL, _("cannot write %s: %s"), rq->download_path, strerror(rq->write_errno));
		drop_download(rq);
		return DUBAN_STEP_FAILED;
	}
	if (rq->too_big) {
		fail_too_big(rq, err);
		return DUBAN_STEP_FAILED;
	}
	if (rq->sink_stopped) {
		fail(err, DUBAN_REMOTE_LOCAL, _("the answer of %s was not taken in whole"), rq->host);
		return DUBAN_STEP_FAILED;
	}
	if (rc == CURLE_OK && rq->status >= 200 && rq->status <= 299) {
		if (rq->download) {
			FILE *f = rq->download;
			rq->download = NULL;
			if (fclose(f) != 0) {
				fail(err, DUBAN_REMOTE_LOCAL, _("cannot write %s: %s"), rq->download_path, strerror(errno));
				unlink(rq->download_path);
				return DUBAN_STEP_FAILED;
			}
		}
		return DUBAN_STEP_DONE;
	}
	if (rc != CURLE_OK)
		duban_remote_error_from_curl(err, rc, rq->host, rq->errbuf, rq->cacert);
	else
		duban_remote_error_from_http(err, rq->status, rq->host, rq->answer.data, rq->answer.len,
					     rq->retry_after);
	err->attempts = rq->attempts;
	if (!duban_remote_retryable(rc, rq->status) || rq->attempts >= rq->retry.max_attempts) {
		drop_download(rq);
		return DUBAN_STEP_FAILED;
	}
	if (rq->retry_after >= 0 && rc == CURLE_OK) {
		/* A server that asks for longer than we would wait anyway: tell
		 * the user rather than hang. */
		if (rq->retry_after > rq->retry.cap) {
			drop_download(rq);
			return DUBAN_STEP_FAILED;
		}
		*wait = rq->retry_after;
	} else {
		double u = rq->retry.random ? rq->retry.random(rq->retry.hook_arg) : default_random(NULL);
		*wait = duban_backoff_delay(&rq->retry, rq->attempts, u);
	}
	return DUBAN_STEP_RETRY;
}

int duban_request_run(duban_request *rq, struct duban_remote_error *err)
{
	for (;;) {
		CURL *h = duban_request_prepare(rq, err);
		if (!h)
			return -1;
		CURLcode rc = curl_easy_perform(h);
		double wait;
		switch (duban_request_finish(rq, rc, &wait, err)) {
		case DUBAN_STEP_DONE:
			return 0;
		case DUBAN_STEP_FAILED:
			return -1;
		case DUBAN_STEP_RETRY:
			if (rq->retry.sleep)
				rq->retry.sleep(wait, rq->retry.hook_arg);
			else
				default_sleep(wait, NULL);
			break;
		}
	}
}

long duban_request_status(const duban_request *rq)
{
	return rq->status;
}

const char *duban_request_body(const duban_request *rq, size_t *len)
{
	if (len)
		*len = rq->answer.len;
	return rq->answer.data ? rq->answer.data : "";
}

cJSON *duban_request_answer(const duban_request *rq, struct duban_remote_error *err)
{
	bool has_nul = false;
	cJSON *j = rq->answer.len ? duban_json_parse(rq->answer.data, rq->answer.len, &has_nul) : NULL;
	if (!j) {
		duban_remote_error_clear(err);
		err->status = rq->status;
		err->attempts = rq->attempts;
		if (has_nul)
			fail(err, DUBAN_REMOTE_PROTOCOL,
			     _("%s sent a text holding a NUL character (\\u0000), which duban refuses"), rq->host);
		else
			fail(err, DUBAN_REMOTE_PROTOCOL,
			     _("%s sent an answer duban does not understand (not JSON): is it the address of a duband server?"),
			     rq->host);
	}
	return j;
}

int duban_remote_call(const struct duban_account *a, const char *method, const char *path,
		      const cJSON *body, cJSON **answer, struct duban_remote_error *err)
{
	if (answer)
		*answer = NULL;
	duban_request *rq = duban_request_new_json(a, method, path, body);
	int rc = duban_request_run(rq, err);
	if (rc == 0 && answer) {
		*answer = duban_request_answer(rq, err);
		if (!*answer)
			rc = -1;
	}
	duban_request_free(rq);
	return rc;
}

int duban_remote_upload(const struct duban_account *a, const char *method, const char *path,
			const char *file, const char *content_type, long *status,
			struct duban_remote_error *err)
{
	duban_request *rq = duban_request_new_upload(a, method, path, file, content_type);
	int rc = duban_request_run(rq, err);
	if (status)
		*status = rq->status;
	duban_request_free(rq);
	return rc;
}

int duban_remote_download(const struct duban_account *a, const char *path, const char *file,
			  struct duban_remote_error *err)
{
	duban_request *rq = duban_request_new_download(a, path, file);
	int rc = duban_request_run(rq, err);
	duban_request_free(rq);
	return rc;
}
