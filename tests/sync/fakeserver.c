/* fakeserver: a duband that lies on purpose, for the sync tests.
 *
 *   fakeserver --mode MODE [--port-file FILE] [--count-file FILE]
 *
 * Plain HTTP on 127.0.0.1 (duban allows it to a loopback address with
 * insecure_http=1 in the account), one connection at a time, every answer
 * "Connection: close".  A push is answered with no results; a pull as MODE
 * says:
 *
 *   repeat     more: true with the same cursor "5-aaaaaaaaaaaa" every time;
 *   backwards  more: true with a cursor one below the one asked for (the
 *              first answer "100-bbbbbbbbbbbb");
 *   creep      more: true with a cursor one above the one asked for (a
 *              server that never ends, honestly advancing);
 *   huge       a body of 129 MB (more than a client holds).
 *
 * Every other request gets "{}".  After each pull, --count-file holds the
 * number of pulls so far.  The port is printed on stderr and written to
 * --port-file.  SIGTERM or SIGINT: exit 0. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads the request head (and drops a body of Content-Length bytes).
 * Returns the request line's target in path, or -1. */
static int read_request(int fd, char *path, size_t pathlen)
{
	char buf[65536];
	size_t len = 0;
	char *end = NULL;
	while (!end) {
		if (len == sizeof buf - 1)
			return -1;
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (sscanf(buf, "%*s %1023s", path) != 1 || pathlen < 1024)
		return -1;
	long body = 0;
	for (char *p = buf; p < end; p++)
		if (strncasecmp(p, "\ncontent-length:", 16) == 0)
			body = strtol(p + 16, NULL, 10);
	long have = (long)(len - (size_t)(end + 4 - buf));
	while (have < body) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return -1;
		have += n;
	}
	return 0;
}

static void answer(int fd, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", len);
	if (write_all(fd, head, (size_t)n) == 0)
		write_all(fd, body, len);
}

/* 129 MB of JSON, written in pieces: the client gives up on its own. */
static void answer_huge(int fd)
{
	static char pad[1 << 16];
	const char *start = "{\"server_seq\":1,\"next\":\"1-aaaaaaaaaaaa\",\"more\":false,\"changes\":[],\"pad\":\"";
	size_t total = (size_t)129 << 20, plen = total - strlen(start) - 2;
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s", total, start);
	memset(pad, 'x', sizeof pad);
	if (write_all(fd, head, (size_t)n) != 0)
		return;
	for (size_t done = 0; done < plen;) {
		size_t k = plen - done < sizeof pad ? plen - done : sizeof pad;
		if (write_all(fd, pad, k) != 0)
			return; /* the client hung up, as it should */
		done += k;
	}
	write_all(fd, "\"}", 2);
}

/* The sequence of the cursor in since=SEQ-TOKEN of path (0 when absent). */
static long long since_of(const char *path)
{
	const char *s = strstr(path, "since=");
	return s ? strtoll(s + 6, NULL, 10) : 0;
}

static void pull(int fd, const char *mode, const char *path)
{
	char body[256];
	long long since = since_of(path), next;
	char token = 'a';
	if (strcmp(mode, "huge") == 0) {
		answer_huge(fd);
		return;
	}
	if (strcmp(mode, "repeat") == 0) {
		next = 5;
	} else if (strcmp(mode, "backwards") == 0) {
		next = since > 0 ? since - 1 : 100;
		token = 'b';
	} else {
		next = since + 1;
		token = 'c';
	}
	int n = snprintf(body, sizeof body, "{\"server_seq\":%lld,\"next\":\"%lld-%c%c%c%c%c%c%c%c%c%c%c%c\",\"more\":true,"
			 "\"changes\":[]}", next + 1000, next, token, token, token, token, token, token, token, token,
			 token, token, token, token);
	answer(fd, body, (size_t)n);
}

static void write_number(const char *file, long n)
{
	if (!file)
		return;
	FILE *f = fopen(file, "w");
	if (!f)
		return;
	fprintf(f, "%ld\n", n);
	fclose(f);
}

static int listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;
	int one = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
	    || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0
	    || getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *port_file = NULL, *count_file = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mode") == 0)
			mode = argv[i + 1];
		else if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--count-file") == 0)
			count_file = argv[i + 1];
	}
	if (!mode) {
		fputs("usage: fakeserver --mode repeat|backwards|creep|huge [--port-file F] [--count-file F]\n", stderr);
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int port = 0, lfd = listen_loopback(&port);
	if (lfd < 0) {
		perror("fakeserver: listen");
		return 1;
	}
	fprintf(stderr, "fakeserver: listening on 127.0.0.1:%d\n", port);
	write_number(port_file, port);
	write_number(count_file, 0);
	long pulls = 0;
	while (!stopping) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue; /* EINTR: the loop looks at stopping */
		char path[1024];
		if (read_request(fd, path, sizeof path) == 0) {
			if (strstr(path, "/api/v1/pull")) {
				write_number(count_file, ++pulls);
				pull(fd, mode, path);
			} else if (strstr(path, "/api/v1/push")) {
				{
				static const char none[] = "{\"server_seq\":0,\"results\":[]}";
				answer(fd, none, sizeof none - 1);
			}
			} else {
				answer(fd, "{}", 2);
			}
		}
		close(fd);
	}
	close(lfd);
	return 0;
}
