/* The transport's pure parts (addresses, Retry-After, backoff, messages), the
 * account file, and the request loop against a scripted HTTP server on
 * loopback (retries, headers, gzip, blobs) without sleeping. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "duban/sync.h"
#include "duban/util.h"
#include "tap.h"

static char tmpdir[] = "/tmp/duban-transport.XXXXXX";

static void test_url(void)
{
	struct duban_url u;
	char err[512];
	is_int(duban_url_parse("https://duban.example.org", &u, err, sizeof err), 0, "url: plain https");
	ok(u.https && strcmp(u.host, "duban.example.org") == 0 && u.port == 0 && !u.prefix[0], "url: parts");
	is_int(duban_url_parse("HTTPS://h.example:8443/", &u, err, sizeof err), 0, "url: port, trailing slash");
	is_int(u.port, 8443, "url: port read");
	char *s = duban_url_format(&u);
	is_str(s, "https://h.example:8443", "url: canonical form");
	free(s);
	is_int(duban_url_parse("https://[::1]:9000/duban//", &u, err, sizeof err), 0, "url: IPv6 and a prefix");
	is_str(u.host, "::1", "url: IPv6 without brackets");
	is_str(u.prefix, "/duban", "url: prefix without trailing slashes");
	s = duban_url_format(&u);
	is_str(s, "https://[::1]:9000/duban", "url: IPv6 formatted with brackets");
	free(s);
	is_int(duban_url_parse("http://127.0.0.1:8080", &u, err, sizeof err), 0, "url: http parses");
	ok(!u.https, "url: http is not https");

	static const char *const bad[] = {
		"", "duban.example.org", "ftp://h", "https://", "https://:443", "https://h:0",
		"https://h:65536", "https://h:80x", "https://li@h", "https://h?x=1", "https://h/a#b",
		"https://h/a b", "https://[::1", "https://[zz]:1", "https://h_o st",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[96];
		snprintf(name, sizeof name, "url: '%s' refused", bad[i]);
		err[0] = '\0';
		ok(duban_url_parse(bad[i], &u, err, sizeof err) == -1 && err[0], name);
	}
	duban_url_parse("https://h:99999", &u, err, sizeof err);
	ok(strstr(err, "1 to 65535") != NULL, "url: the port message names the range");
}

static void test_loopback(void)
{
	ok(duban_host_is_loopback("localhost"), "loopback: localhost");
	ok(duban_host_is_loopback("LocalHost"), "loopback: any case");
	ok(duban_host_is_loopback("127.0.0.1"), "loopback: 127.0.0.1");
	ok(duban_host_is_loopback("127.3.2.1"), "loopback: 127/8");
	ok(duban_host_is_loopback("::1"), "loopback: ::1");
	ok(!duban_host_is_loopback("128.0.0.1"), "loopback: not 128.0.0.1");
	ok(!duban_host_is_loopback("127.0.0.1.evil.example"), "loopback: not a name starting with 127.0.0.1");
	ok(!duban_host_is_loopback("localhost.evil.example"), "loopback: not localhost.evil");
	ok(!duban_host_is_loopback("10.0.0.1"), "loopback: not 10.0.0.1");
	ok(!duban_host_is_loopback("127.0.0.300"), "loopback: not 127.0.0.300");

	struct duban_url u;
	char err[512];
	duban_url_parse("https://duban.example.org", &u, err, sizeof err);
	is_int(duban_url_check(&u, false, err, sizeof err), 0, "check: https always");
	duban_url_parse("http://duban.example.org", &u, err, sizeof err);
	is_int(duban_url_check(&u, true, err, sizeof err), -1, "check: http to a remote host refused even when asked");
	ok(strstr(err, "https://") != NULL, "check: the message says to use https://");
	duban_url_parse("http://127.0.0.1:8080", &u, err, sizeof err);
	is_int(duban_url_check(&u, false, err, sizeof err), -1, "check: http to loopback needs --insecure-http");
	ok(strstr(err, "--insecure-http") != NULL, "check: the message names --insecure-http");
	is_int(duban_url_check(&u, true, err, sizeof err), 0, "check: http to loopback when asked");
}

static void test_retry_after(void)
{
	time_t now = 1700000000;
	is_int((long)duban_parse_retry_after("120", now), 120, "retry-after: seconds");
	is_int((long)duban_parse_retry_after(" 5 \r\n", now), 5, "retry-after: spaces and CRLF");
	is_int((long)duban_parse_retry_after("0", now), 0, "retry-after: zero");
	time_t date = curl_getdate("Wed, 21 Oct 2015 07:28:00 GMT", NULL);
	is_int((long)duban_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", date - 90), 90, "retry-after: HTTP-date");
	is_int((long)duban_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", date + 90), 0, "retry-after: a past date is now");
	is_int((long)duban_parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", date - 1), 1, "retry-after: RFC 850 date");
	ok(duban_parse_retry_after("soon", now) < 0, "retry-after: words are unreadable");
	ok(duban_parse_retry_after("", now) < 0, "retry-after: empty");
	ok(duban_parse_retry_after("12abc", now) < 0, "retry-after: trailing junk");
	ok(duban_parse_retry_after(NULL, now) < 0, "retry-after: none");
}

static void test_backoff(void)
{
	unsetenv("DUBAN_SYNC_RETRIES");
	unsetenv("DUBAN_SYNC_BACKOFF_MS");
	struct duban_retry r;
	duban_retry_defaults(&r);
	is_int(r.max_attempts, 5, "retry: 5 attempts by default");
	ok(r.base == 0.5 && r.factor == 2 && r.cap == 30, "retry: 0.5 s, x2, 30 s cap");
	double top = 0.9999999;
	ok(duban_backoff_delay(&r, 1, top) > 0.499 && duban_backoff_delay(&r, 1, top) < 0.5, "backoff: first below 0.5 s");
	ok(duban_backoff_delay(&r, 2, top) > 0.999 && duban_backoff_delay(&r, 2, top) < 1, "backoff: second below 1 s");
	ok(duban_backoff_delay(&r, 4, top) > 3.99 && duban_backoff_delay(&r, 4, top) < 4, "backoff: fourth below 4 s");
	ok(duban_backoff_delay(&r, 7, top) > 29.9 && duban_backoff_delay(&r, 7, top) < 30, "backoff: capped at 30 s");
	ok(duban_backoff_delay(&r, 60, top) <= 30, "backoff: no overflow far out");
	ok(duban_backoff_delay(&r, 3, 0) == 0, "backoff: full jitter reaches 0");
	ok(duban_backoff_delay(&r, 3, 0.5) == 1, "backoff: full jitter scales the window");
	setenv("DUBAN_SYNC_RETRIES", "2", 1);
	setenv("DUBAN_SYNC_BACKOFF_MS", "20", 1);
	duban_retry_defaults(&r);
	is_int(r.max_attempts, 3, "retry: DUBAN_SYNC_RETRIES=2 is three attempts");
	ok(r.base == 0.02, "retry: DUBAN_SYNC_BACKOFF_MS sets the first window");
	setenv("DUBAN_SYNC_RETRIES", "0", 1);
	duban_retry_defaults(&r);
	is_int(r.max_attempts, 1, "retry: DUBAN_SYNC_RETRIES=0 is one attempt");
	setenv("DUBAN_SYNC_RETRIES", "zero", 1);
	setenv("DUBAN_SYNC_BACKOFF_MS", "-5", 1);
	duban_retry_defaults(&r);
	ok(r.max_attempts == 5 && r.base == 0.5, "retry: bad values are ignored");
	unsetenv("DUBAN_SYNC_RETRIES");
	unsetenv("DUBAN_SYNC_BACKOFF_MS");

	ok(duban_remote_retryable(CURLE_COULDNT_CONNECT, 0), "retryable: refused");
	ok(duban_remote_retryable(CURLE_OPERATION_TIMEDOUT, 0), "retryable: timeout");
	ok(duban_remote_retryable(CURLE_RECV_ERROR, 0), "retryable: connection broke");
	ok(!duban_remote_retryable(CURLE_COULDNT_RESOLVE_HOST, 0), "not retryable: unknown name");
	ok(!duban_remote_retryable(CURLE_PEER_FAILED_VERIFICATION, 0), "not retryable: certificate");
	ok(duban_remote_retryable(CURLE_OK, 503), "retryable: 503");
	ok(duban_remote_retryable(CURLE_OK, 500), "retryable: 500");
	ok(duban_remote_retryable(CURLE_OK, 429), "retryable: 429");
	ok(!duban_remote_retryable(CURLE_OK, 401), "not retryable: 401");
	ok(!duban_remote_retryable(CURLE_OK, 413), "not retryable: 413");
	ok(!duban_remote_retryable(CURLE_OK, 200), "not retryable: 200");
}

static void test_messages(void)
{
	struct duban_remote_error e;
	duban_remote_error_clear(&e);
	duban_remote_error_from_curl(&e, CURLE_COULDNT_RESOLVE_HOST, "duban.example.org", "Could not resolve host", NULL);
	is_int(e.kind, DUBAN_REMOTE_OFFLINE, "curl: unknown name is offline");
	is_str(e.message, "cannot find the server duban.example.org: check the address or your network", "curl: DNS message");
	duban_remote_error_from_curl(&e, CURLE_COULDNT_CONNECT, "h:8443", "", NULL);
	ok(e.kind == DUBAN_REMOTE_OFFLINE && strstr(e.message, "cannot connect to h:8443"), "curl: refused");
	duban_remote_error_from_curl(&e, CURLE_OPERATION_TIMEDOUT, "h", "", NULL);
	ok(e.kind == DUBAN_REMOTE_OFFLINE && strstr(e.message, "did not answer in time"), "curl: timeout");
	duban_remote_error_from_curl(&e, CURLE_PEER_FAILED_VERIFICATION, "h",
				     "SSL certificate problem: unable to get local issuer certificate", NULL);
	ok(e.kind == DUBAN_REMOTE_TLS && strstr(e.message, "is not trusted") && strstr(e.message, "--cacert FILE"),
	   "curl: untrusted certificate says --cacert");
	ok(strstr(e.message, "unable to get local issuer") != NULL, "curl: names the problem from the error buffer");
	duban_remote_error_from_curl(&e, CURLE_PEER_FAILED_VERIFICATION, "h",
				     "SSL certificate problem: self-signed certificate", "/etc/duban/ca.pem");
	ok(e.kind == DUBAN_REMOTE_TLS && strstr(e.message, "not signed by the CA in /etc/duban/ca.pem"),
	   "curl: wrong CA file named");
	duban_remote_error_from_curl(&e, CURLE_PEER_FAILED_VERIFICATION, "h",
				     "SSL: no alternative certificate subject name matches target host name 'h'", NULL);
	ok(strstr(e.message, "issued for another name") != NULL, "curl: name mismatch");
	duban_remote_error_from_curl(&e, CURLE_PEER_FAILED_VERIFICATION, "h",
				     "SSL certificate problem: certificate has expired", NULL);
	ok(strstr(e.message, "has expired") != NULL, "curl: expired certificate");
	duban_remote_error_from_curl(&e, CURLE_SSL_CACERT_BADFILE, "h", "error setting certificate file", "/x/ca.pem");
	ok(e.kind == DUBAN_REMOTE_TLS && strstr(e.message, "/x/ca.pem"), "curl: unreadable CA file");
	duban_remote_error_from_curl(&e, CURLE_RECV_ERROR, "h", "Connection reset\x1b[31m by peer", NULL);
	ok(strstr(e.message, "\x1b") == NULL, "curl: error text sanitised");

	const char *expired = "{\"error\":\"token_expired\",\"message\":\"token expired\"}";
	duban_remote_error_from_http(&e, 401, "h", expired, strlen(expired), -1);
	is_int(e.kind, DUBAN_REMOTE_AUTH, "http: 401 is auth");
	is_str(e.code, "token_expired", "http: error code kept");
	ok(strstr(e.message, "log in again with duban login") != NULL, "http: expired token says log in again");
	const char *unauth = "{\"error\":\"unauthorized\",\"message\":\"unknown token\"}";
	duban_remote_error_from_http(&e, 401, "h", unauth, strlen(unauth), -1);
	ok(e.kind == DUBAN_REMOTE_AUTH && strstr(e.message, "log in again"), "http: 401 unauthorized");
	const char *forb = "{\"error\":\"forbidden\",\"message\":\"inspector li may not read items of \xe4\xb9\x99\xe5\x8e\xbf\x1b[2J\"}";
	duban_remote_error_from_http(&e, 403, "h", forb, strlen(forb), -1);
	ok(e.kind == DUBAN_REMOTE_FORBIDDEN && strstr(e.message, "inspector li may not read items of 乙县"),
	   "http: 403 with the server's message");
	ok(strchr(e.message, '\x1b') == NULL, "http: server message sanitised");
	const char *big = "{\"error\":\"too_large\",\"message\":\"body over 8 MB\"}";
	duban_remote_error_from_http(&e, 413, "h", big, strlen(big), -1);
	ok(e.kind == DUBAN_REMOTE_TOO_LARGE && strstr(e.message, "body over 8 MB"), "http: 413");
	const char *rl = "{\"error\":\"rate_limited\",\"message\":\"too many logins\"}";
	duban_remote_error_from_http(&e, 429, "h", rl, strlen(rl), 600);
	ok(e.kind == DUBAN_REMOTE_RATE_LIMITED && strstr(e.message, "try again in 10 minutes"), "http: 429 says when");
	ok(e.retry_after == 600, "http: 429 keeps Retry-After");
	duban_remote_error_from_http(&e, 429, "h", rl, strlen(rl), 5);
	ok(strstr(e.message, "try again in 5 seconds") != NULL, "http: 429 in seconds");
	const char *internal = "{\"error\":\"internal\",\"message\":\"internal error\"}";
	duban_remote_error_from_http(&e, 500, "h", internal, strlen(internal), -1);
	ok(e.kind == DUBAN_REMOTE_SERVER && strstr(e.message, "try again later"), "http: 500");
	const char *html = "<html>Bad Gateway</html>";
	duban_remote_error_from_http(&e, 502, "h", html, strlen(html), -1);
	ok(e.kind == DUBAN_REMOTE_SERVER && strstr(e.message, "HTTP 502"), "http: 502 from a proxy");
	const char *proto = "{\"error\":\"unsupported_protocol\",\"message\":\"protocol 2 unknown\"}";
	duban_remote_error_from_http(&e, 400, "h", proto, strlen(proto), -1);
	ok(e.kind == DUBAN_REMOTE_PROTOCOL && strstr(e.message, "update duban"), "http: unsupported protocol");
	duban_remote_error_from_http(&e, 418, "h", html, strlen(html), -1);
	ok(e.kind == DUBAN_REMOTE_PROTOCOL && strstr(e.message, "duband server"), "http: not a duband answer");
	const char *bad = "{\"error\":\"bad_request\",\"message\":\"no ops\"}";
	duban_remote_error_from_http(&e, 400, "h", bad, strlen(bad), -1);
	ok(e.kind == DUBAN_REMOTE_SERVER && strstr(e.message, "bad_request") && strstr(e.message, "no ops"),
	   "http: other errors name code and message");
}

static void test_account(void)
{
	struct duban_account a = { 0 }, b;
	char err[512];
	a.url = xstrdup("https://duban.example.org:8443");
	a.user = xstrdup("li");
	a.token = xstrdup("9f2c000000000000000000000000000000000000000000000000000000000001");
	a.expires_at = xstrdup("2026-09-13T08:00:00Z");
	a.cacert = xstrdup("/etc/duban/ca.pem");
	a.device = xstrdup("li-thinkpad");
	char *path = xasprintf("%s/cfg/duban/account", tmpdir);
	is_int(duban_account_save(path, &a, err, sizeof err), 0, "account: saved");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "account: mode 0600");
	char *dir = xasprintf("%s/cfg/duban", tmpdir);
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "account: directory 0700");
	free(dir);
	is_int(duban_account_load(path, &b, err, sizeof err), 1, "account: loaded");
	is_str(b.url, a.url, "account: url round trip");
	is_str(b.user, a.user, "account: user round trip");
	is_str(b.token, a.token, "account: token round trip");
	is_str(b.expires_at, a.expires_at, "account: expiry round trip");
	is_str(b.cacert, a.cacert, "account: cacert round trip");
	is_str(b.device, a.device, "account: device round trip");
	ok(!b.insecure_http && !b.mode_fixed, "account: flags round trip");
	duban_account_free(&b);

	chmod(path, 0644);
	is_int(duban_account_load(path, &b, err, sizeof err), 1, "account: loaded when readable by others");
	ok(b.mode_fixed, "account: loosened mode reported");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "account: mode put back to 0600");
	duban_account_free(&b);

	is_int(duban_account_parse("# c\n\nurl=http://127.0.0.1:8080\r\ninsecure_http=1\nfuture=x\nuser=a=b\n",
				   &b, err, sizeof err), 0, "account: parse with comment, CRLF, unknown key");
	ok(b.insecure_http && strcmp(b.url, "http://127.0.0.1:8080") == 0 && strcmp(b.user, "a=b") == 0 && !b.token,
	   "account: parsed values");
	duban_account_free(&b);
	ok(duban_account_parse("url\n", &b, err, sizeof err) == -1 && strstr(err, "line 1"), "account: line without =");
	ok(duban_account_parse("cacert=ca.pem\n", &b, err, sizeof err) == -1, "account: relative cacert refused");
	ok(duban_account_parse("insecure_http=maybe\n", &b, err, sizeof err) == -1, "account: bad flag refused");

	char *text = duban_account_format(&a);
	ok(strstr(text, "password") == NULL, "account: no password in the file");
	free(text);

	is_int(duban_account_delete(path), 0, "account: deleted");
	is_int(duban_account_load(path, &b, err, sizeof err), 0, "account: none after delete");
	is_int(duban_account_delete(path), 0, "account: delete twice is fine");
	free(path);
	duban_account_free(&a);

	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	path = duban_account_path();
	is_str(path, "/x/conf/duban/account", "account: path under XDG_CONFIG_HOME");
	free(path);
	unsetenv("XDG_CONFIG_HOME");
}

/* ---------------------------------------------------------------- a scripted server */

static int listen_fd = -1;
static int port;
static pid_t server_pid;

static int open_listener(void)
{
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { 0 };
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(listen_fd, 8) != 0)
		return -1;
	socklen_t len = sizeof sa;
	getsockname(listen_fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	return 0;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Answers one connection per response, in order, appending each request
 * (head and body) to log_path, then exits. */
static void serve(const char *const responses[], int n, const char *log_path)
{
	fflush(stdout);
	server_pid = fork();
	if (server_pid != 0)
		return;
	FILE *log = fopen(log_path, "w");
	for (int i = 0; i < n; i++) {
		int c = accept(listen_fd, NULL, NULL);
		if (c < 0)
			_exit(1);
		char buf[1 << 16];
		size_t len = 0;
		char *end = NULL;
		while (!end && len < sizeof buf - 1) {
			ssize_t r = read(c, buf + len, sizeof buf - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			buf[len] = '\0';
			end = strstr(buf, "\r\n\r\n");
		}
		if (!end)
			_exit(1);
		size_t head = (size_t)(end + 4 - buf);
		long clen = 0;
		char *cl = strcasestr(buf, "\r\nContent-Length:");
		if (cl && cl < end)
			clen = strtol(cl + 17, NULL, 10);
		char *ex = strcasestr(buf, "\r\nExpect: 100-continue");
		if (ex && ex < end)
			write_all(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		char *body = malloc((size_t)clen + 1);
		size_t have = len - head;
		memcpy(body, buf + head, have);
		while ((long)have < clen) {
			ssize_t r = read(c, body + have, (size_t)clen - have);
			if (r <= 0)
				break;
			have += (size_t)r;
		}
		fprintf(log, "=== request %d\n", i + 1);
		fwrite(buf, 1, head, log);
		fprintf(log, "=== body %zu\n", have);
		fwrite(body, 1, have, log);
		fputc('\n', log);
		fflush(log);
		free(body);
		write_all(c, responses[i], strlen(responses[i]));
		close(c);
	}
	fclose(log);
	_exit(0);
}

static void serve_wait(void)
{
	int status;
	waitpid(server_pid, &status, 0);
}

static double sleeps[16];
static int nsleeps;

static void no_sleep(double s, void *arg)
{
	(void)arg;
	if (nsleeps < 16)
		sleeps[nsleeps] = s;
	nsleeps++;
}

static double fixed_draw(void *arg)
{
	(void)arg;
	return 0.5;
}

static void test_hooks(int attempts)
{
	struct duban_retry r;
	duban_retry_defaults(&r);
	r.max_attempts = attempts;
	r.sleep = no_sleep;
	r.random = fixed_draw;
	duban_transport_set_retry(&r);
	nsleeps = 0;
}

static char *slurp(const char *path)
{
	char *s = duban_read_file(path, NULL);
	return s ? s : xstrdup("");
}

#define JSON_HDR "Content-Type: application/json\r\nConnection: close\r\n"

static void test_requests(void)
{
	if (open_listener() != 0) {
		diag("cannot listen on loopback: %s", strerror(errno));
		return;
	}
	struct duban_account a = { 0 };
	a.url = xasprintf("http://127.0.0.1:%d", port);
	a.user = xstrdup("li");
	a.token = xstrdup("tok123");
	a.insecure_http = true;
	char *log = xasprintf("%s/requests.log", tmpdir);
	struct duban_remote_error e;
	cJSON *answer = NULL;

	/* 503 with Retry-After, then 500, then the answer. */
	static const char *const flaky[] = {
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n" JSON_HDR "\r\n{}",
		"HTTP/1.1 500 Internal Server Error\r\n" JSON_HDR
		"\r\n{\"error\":\"internal\",\"message\":\"internal err\"}",
		"HTTP/1.1 200 OK\r\n" JSON_HDR "\r\n{\"user\":\"li\",\"role\":\"inspector\"}  ",
	};
	test_hooks(5);
	serve(flaky, 3, log);
	int rc = duban_remote_call(&a, "GET", "/api/v1/me", NULL, &answer, &e);
	serve_wait();
	is_int(rc, 0, "request: succeeds after 503 and 500");
	is_int(e.attempts, 3, "request: three attempts");
	is_int(nsleeps, 2, "request: slept twice");
	ok(sleeps[0] == 2, "request: Retry-After honoured");
	ok(sleeps[1] == 0.5 * 1.0, "request: then backoff with jitter (second window 1 s)");
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(answer, "role");
	ok(cJSON_IsString(role) && strcmp(role->valuestring, "inspector") == 0, "request: answer parsed");
	cJSON_Delete(answer);
	char *req = slurp(log);
	ok(strstr(req, "GET /api/v1/me HTTP/1.1") != NULL, "request: method and path");
	ok(strstr(req, "X-Duban-Protocol: 1\r\n") && strstr(req, "X-Duban-Schema: 1\r\n"), "request: protocol headers");
	ok(strstr(req, "Authorization: Bearer tok123\r\n") != NULL, "request: bearer token");
	ok(strstr(req, "User-Agent: duban/" PACKAGE_VERSION "\r\n") != NULL, "request: user agent");
	ok(strstr(req, "Accept-Encoding: ") && strstr(req, "gzip"), "request: accepts gzip");
	free(req);

	/* A large body goes gzip-compressed; a 429 asking for an hour ends the
	 * retries at once. */
	static const char *const limited[] = {
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\n" JSON_HDR
		"\r\n{\"error\":\"rate_limited\",\"message\":\"slow down!\"} ",
	};
	test_hooks(5);
	serve(limited, 1, log);
	cJSON *body = cJSON_CreateObject();
	struct duban_buf big;
	duban_buf_init(&big);
	for (int i = 0; i < 2000; i++)
		duban_buf_puts(&big, "已清理河道 ");
	cJSON_AddStringToObject(body, "text", big.data);
	rc = duban_remote_call(&a, "POST", "/api/v1/push", body, NULL, &e);
	serve_wait();
	is_int(rc, -1, "429: fails");
	is_int(e.kind, DUBAN_REMOTE_RATE_LIMITED, "429: rate limited");
	is_int(e.attempts, 1, "429: no retry when asked to wait longer than the cap");
	ok(strstr(e.message, "60 minutes") != NULL, "429: says how long to wait");
	req = slurp(log);
	ok(strstr(req, "Content-Encoding: gzip\r\n") && strstr(req, "Content-Type: application/json\r\n"),
	   "gzip: large body compressed");
	char *sep = strstr(req, "=== body ");
	size_t zlen = sep ? strtoul(sep + 9, NULL, 10) : 0;
	ok(zlen > 0 && zlen < big.len / 4, "gzip: smaller on the wire");
	if (sep && zlen > 0) {
		char *zdata = strchr(sep, '\n') + 1;
		z_stream zs = { 0 };
		size_t cap = big.len * 2 + 1024;
		char *out = xmalloc(cap);
		inflateInit2(&zs, 15 + 16);
		zs.next_in = (Bytef *)zdata;
		zs.avail_in = (uInt)zlen;
		zs.next_out = (Bytef *)out;
		zs.avail_out = (uInt)cap;
		int zr = inflate(&zs, Z_FINISH);
		size_t outlen = zs.total_out;
		inflateEnd(&zs);
		cJSON *back = zr == Z_STREAM_END ? cJSON_ParseWithLength(out, outlen) : NULL;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(back, "text");
		ok(cJSON_IsString(t) && strcmp(t->valuestring, big.data) == 0, "gzip: decompresses to the body");
		cJSON_Delete(back);
		free(out);
	}
	free(req);
	duban_buf_free(&big);
	cJSON_Delete(body);

	/* Small bodies travel as they are. */
	static const char *const small[] = {
		"HTTP/1.1 401 Unauthorized\r\n" JSON_HDR
		"\r\n{\"error\":\"token_expired\",\"message\":\"the token expired\"}  ",
	};
	test_hooks(5);
	serve(small, 1, log);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "device", "x");
	rc = duban_remote_call(&a, "POST", "/api/v1/push", body, NULL, &e);
	serve_wait();
	cJSON_Delete(body);
	ok(rc == -1 && e.kind == DUBAN_REMOTE_AUTH && e.attempts == 1, "401: auth, not retried");
	req = slurp(log);
	ok(strstr(req, "Content-Encoding") == NULL && strstr(req, "{\"device\":\"x\"}"), "small body not compressed");
	free(req);

	/* Upload from a file; download to a file; a 404 leaves no file. */
	char *up = xasprintf("%s/blob.bin", tmpdir);
	char *down = xasprintf("%s/got.bin", tmpdir);
	duban_write_file_atomic(up, "blob\0bytes", 10, 0600);
	static const char *const blobs[] = {
		"HTTP/1.1 201 Created\r\n" JSON_HDR "\r\n{}",
		"HTTP/1.1 404 Not Found\r\n" JSON_HDR
		"\r\n{\"error\":\"not_found\",\"message\":\"no such blob\"}",
	};
	test_hooks(5);
	serve(blobs, 2, log);
	long status = 0;
	rc = duban_remote_upload(&a, "PUT", "/api/v1/blobs/ab", up, NULL, &status, &e);
	ok(rc == 0 && status == 201, "upload: 201");
	rc = duban_remote_download(&a, "/api/v1/blobs/cd", down, &e);
	serve_wait();
	ok(rc == -1 && e.kind == DUBAN_REMOTE_NOT_FOUND, "download: 404 is not found");
	ok(access(down, F_OK) != 0, "download: no file left after a failure");
	req = slurp(log);
	ok(strstr(req, "PUT /api/v1/blobs/ab HTTP/1.1") && strstr(req, "Content-Type: application/octet-stream"),
	   "upload: PUT with its type");
	ok(strstr(req, "=== body 10\n") != NULL, "upload: the file's ten bytes sent");
	free(req);
	free(up);
	free(down);

	/* A download that succeeds. */
	static const char *const good[] = {
		"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n"
		"\r\nhello blobs",
	};
	down = xasprintf("%s/hello.bin", tmpdir);
	serve(good, 1, log);
	rc = duban_remote_download(&a, "/api/v1/blobs/ef", down, &e);
	serve_wait();
	char *got = slurp(down);
	ok(rc == 0 && strcmp(got, "hello blobs") == 0, "download: body written to the file");
	struct stat st;
	ok(stat(down, &st) == 0 && (st.st_mode & 0777) == 0600, "download: file mode 0600");
	free(got);
	free(down);

	/* Nobody listening: refused, retried, then offline. */
	close(listen_fd);
	test_hooks(3);
	rc = duban_remote_call(&a, "GET", "/api/v1/me", NULL, NULL, &e);
	ok(rc == -1 && e.kind == DUBAN_REMOTE_OFFLINE, "refused: offline");
	is_int(e.attempts, 3, "refused: attempted three times");
	is_int(nsleeps, 2, "refused: slept between attempts");

	/* The account's address is checked before anything is sent. */
	free(a.url);
	a.url = xstrdup("http://duban.example.org");
	rc = duban_remote_call(&a, "GET", "/api/v1/me", NULL, NULL, &e);
	ok(rc == -1 && e.kind == DUBAN_REMOTE_LOCAL && strstr(e.message, "https://"), "plain http to a remote host refused");

	free(log);
	duban_account_free(&a);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	unsetenv("https_proxy");
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	duban_transport_init();
	test_url();
	test_loopback();
	test_retry_after();
	test_backoff();
	test_messages();
	test_account();
	test_requests();
	duban_transport_cleanup();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	free(cmd);
	return done_testing();
}
