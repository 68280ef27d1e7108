/* faultproxy: a TCP proxy that misbehaves on purpose, for the sync tests.
 *
 *   faultproxy --listen 127.0.0.1:PORT --to 127.0.0.1:PORT --seed N
 *              [--delay-ms MAX] [--delay-rate P] [--cut-rate P]
 *              [--truncate-rate P] [--refuse-rate P] [--port-file FILE]
 *
 * It works on raw bytes (TLS passes through untouched, so it cannot read
 * HTTP).  Each accepted connection draws one fate from the seeded generator:
 *
 *   refuse    closed right after accept, before anything is forwarded;
 *   cut       closed after a random number of client->server bytes (the
 *             request is lost mid-upload, or mid-handshake);
 *   truncate  closed after a random number of server->client bytes (the
 *             answer is cut mid-body; the server may well have done the
 *             work);
 *   clean     forwarded as it is;
 *
 * and, independently (probability --delay-rate, 0.5 by default, when
 * --delay-ms is above 0), every chunk it forwards is held for a random
 * 0..MAX ms (order is kept).  Cut points are drawn log-uniformly between 1
 * byte and 256 KB, so handshakes, headers and bodies all get cut.
 *
 * PORT 0 in --listen takes a free port.  The port is printed on stderr
 * ("faultproxy: listening on 127.0.0.1:PORT") and written to --port-file.
 * SIGUSR1 turns the faults off (every new connection is clean), SIGUSR2 on
 * again.  SIGTERM or SIGINT: the counts on stderr, exit 0.
 * Single-threaded, poll(2). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 512
#define CHUNK 16384
#define MAX_BUFFERED (4 * 1024 * 1024)

enum fate { FATE_CLEAN, FATE_CUT, FATE_TRUNCATE };

/* A chunk of bytes waiting to be written on, not before `due` (ms). */
struct seg {
	struct seg *next;
	long long due;
	size_t len, off;
	unsigned char data[];
};

/* One direction of a connection: bytes read from `from`, queued, written to `to`. */
struct dir {
	struct seg *head, *tail;
	size_t queued;
	bool eof;       /* `from` said EOF (or the budget is spent) */
	bool shut;      /* `to` was shut down for writing */
	long long limit; /* bytes still allowed through, -1: no limit */
};

struct conn {
	bool used;
	unsigned id;
	int cfd, sfd;     /* client side, server side */
	bool connecting;  /* the server socket is still connecting */
	bool delayed;
	enum fate fate;
	struct dir up;    /* client -> server */
	struct dir down;  /* server -> client */
};

static struct conn conns[MAX_CONNS];
static volatile sig_atomic_t stop_flag, faults_off;

static struct {
	unsigned long long accepted, refused, cut, truncated, delayed, clean, failed;
	unsigned long long bytes_up, bytes_down;
} stats;

/* ---------------------------------------------------------------- random */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* Log-uniform in [1, 2^18]. */
static long long rng_cut_point(void)
{
	double e = rng_unit() * 18.0;
	long long base = 1LL << (int)e;
	return base + (long long)(rng_next() % (uint64_t)base);
}

/* ---------------------------------------------------------------- helpers */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_usr(int sig)
{
	faults_off = sig == SIGUSR1;
}

static void usage(FILE *out)
{
	fputs("Usage: faultproxy --listen HOST:PORT --to HOST:PORT --seed N [--delay-ms MAX]\n"
	      "                  [--delay-rate P] [--cut-rate P] [--truncate-rate P]\n"
	      "                  [--refuse-rate P] [--port-file FILE]\n", out);
}

/* "host:port" into a socket address (IPv4 or IPv6 "[::1]:port"). */
static int parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(text, ':');
	if (!colon || colon == text || (size_t)(colon - text) >= sizeof host)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *h = host;
	size_t hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(h, colon + 1, &hints, &res) != 0 || !res)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static double parse_rate(const char *name, const char *v)
{
	char *end;
	double d = strtod(v, &end);
	if (*end || d < 0 || d > 1) {
		fprintf(stderr, "faultproxy: %s: a probability between 0 and 1, not '%s'\n", name, v);
		exit(2);
	}
	return d;
}

static long long parse_num(const char *name, const char *v)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*end || n < 0) {
		fprintf(stderr, "faultproxy: %s: a number, not '%s'\n", name, v);
		exit(2);
	}
	return n;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void dir_free(struct dir *d)
{
	struct seg *s = d->head;
	while (s) {
		struct seg *n = s->next;
		free(s);
		s = n;
	}
	memset(d, 0, sizeof *d);
}

static void conn_close(struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	dir_free(&c->up);
	dir_free(&c->down);
	memset(c, 0, sizeof *c);
	c->cfd = c->sfd = -1;
}

/* Closing with a reset, so the peer sees the cut at once. */
static void hard_close(int fd)
{
	if (fd < 0)
		return;
	struct linger lg = { 1, 0 };
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

/* The fault fires: everything still queued up to the cut point was written;
 * both sides are closed now. */
static void conn_cut(struct conn *c)
{
	hard_close(c->cfd);
	hard_close(c->sfd);
	c->cfd = c->sfd = -1;
	conn_close(c);
}

/* ---------------------------------------------------------------- options */

static struct {
	struct sockaddr_storage listen_addr, to_addr;
	socklen_t listen_len, to_len;
	const char *listen_text, *to_text, *port_file;
	long long delay_ms;
	double delay_rate, cut_rate, truncate_rate, refuse_rate;
	uint64_t seed;
} opt = { .delay_rate = 0.5 };

/* ---------------------------------------------------------------- the loop */

static void new_conn(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int cfd = accept(lfd, (struct sockaddr *)&ss, &sl);
	if (cfd < 0)
		return;
	stats.accepted++;
	unsigned id = (unsigned)stats.accepted;
	double u = rng_unit();
	double d = rng_unit();
	long long cut_at = rng_cut_point();
	bool faulty = !faults_off;
	if (faulty && u < opt.refuse_rate) {
		stats.refused++;
		hard_close(cfd);
		return;
	}
	struct conn *c = NULL;
	for (int i = 0; i < MAX_CONNS; i++)
		if (!conns[i].used) {
			c = &conns[i];
			break;
		}
	if (!c) {
		stats.failed++;
		close(cfd);
		return;
	}
	int sfd = socket(opt.to_addr.ss_family, SOCK_STREAM, 0);
	if (sfd < 0) {
		stats.failed++;
		close(cfd);
		return;
	}
	set_nonblock(cfd);
	set_nonblock(sfd);
	int one = 1;
	(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(c, 0, sizeof *c);
	c->used = true;
	c->id = id;
	c->cfd = cfd;
	c->sfd = sfd;
	c->up.limit = c->down.limit = -1;
	c->fate = FATE_CLEAN;
	if (faulty && u < opt.refuse_rate + opt.cut_rate) {
		c->fate = FATE_CUT;
		c->up.limit = cut_at;
		stats.cut++;
	} else if (faulty && u < opt.refuse_rate + opt.cut_rate + opt.truncate_rate) {
		c->fate = FATE_TRUNCATE;
		c->down.limit = cut_at;
		stats.truncated++;
	} else {
		stats.clean++;
	}
	c->delayed = faulty && opt.delay_ms > 0 && d < opt.delay_rate;
	if (c->delayed)
		stats.delayed++;
	if (connect(sfd, (struct sockaddr *)&opt.to_addr, opt.to_len) != 0) {
		if (errno != EINPROGRESS) {
			stats.failed++;
			conn_close(c);
			return;
		}
		c->connecting = true;
	}
}

/* Reads what `from` has into d (at most up to the cut budget). */
static int dir_read(struct conn *c, struct dir *d, int from, unsigned long long *counter)
{
	unsigned char buf[CHUNK];
	size_t want = sizeof buf;
	if (d->limit >= 0 && (long long)want > d->limit)
		want = (size_t)d->limit;
	if (want == 0)
		return 0;
	ssize_t n = read(from, buf, want);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		d->eof = true;
		return 0;
	}
	*counter += (unsigned long long)n;
	struct seg *s = malloc(sizeof *s + (size_t)n);
	if (!s)
		return -1;
	s->next = NULL;
	s->len = (size_t)n;
	s->off = 0;
	memcpy(s->data, buf, (size_t)n);
	long long due = now_ms();
	if (c->delayed)
		due += (long long)(rng_unit() * (double)(opt.delay_ms + 1));
	if (d->tail && d->tail->due > due)
		due = d->tail->due;
	s->due = due;
	if (d->tail)
		d->tail->next = s;
	else
		d->head = s;
	d->tail = s;
	d->queued += (size_t)n;
	if (d->limit >= 0)
		d->limit -= n;
	return 0;
}

/* Writes what is due on `to`.  -1 on a write error. */
static int dir_write(struct dir *d, int to, long long now)
{
	while (d->head && d->head->due <= now) {
		struct seg *s = d->head;
		ssize_t n = write(to, s->data + s->off, s->len - s->off);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		s->off += (size_t)n;
		d->queued -= (size_t)n;
		if (s->off < s->len)
			return 0;
		d->head = s->next;
		if (!d->head)
			d->tail = NULL;
		free(s);
	}
	return 0;
}

static void print_stats(void)
{
	fprintf(stderr,
		"faultproxy: %llu connections: %llu refused, %llu cut, %llu truncated, %llu clean"
		" (%llu delayed, %llu failed to connect); %llu bytes up, %llu down\n",
		stats.accepted, stats.refused, stats.cut, stats.truncated, stats.clean, stats.delayed,
		stats.failed, stats.bytes_up, stats.bytes_down);
}

int main(int argc, char **argv)
{
	bool have_seed = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		const char *v = argv[++i];
		if (strcmp(a, "--listen") == 0)
			opt.listen_text = v;
		else if (strcmp(a, "--to") == 0)
			opt.to_text = v;
		else if (strcmp(a, "--seed") == 0) {
			opt.seed = (uint64_t)parse_num(a, v);
			have_seed = true;
		} else if (strcmp(a, "--delay-ms") == 0)
			opt.delay_ms = parse_num(a, v);
		else if (strcmp(a, "--delay-rate") == 0)
			opt.delay_rate = parse_rate(a, v);
		else if (strcmp(a, "--cut-rate") == 0)
			opt.cut_rate = parse_rate(a, v);
		else if (strcmp(a, "--truncate-rate") == 0)
			opt.truncate_rate = parse_rate(a, v);
		else if (strcmp(a, "--refuse-rate") == 0)
			opt.refuse_rate = parse_rate(a, v);
		else if (strcmp(a, "--port-file") == 0)
			opt.port_file = v;
		else {
			fprintf(stderr, "faultproxy: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!opt.listen_text || !opt.to_text || !have_seed) {
		usage(stderr);
		return 2;
	}
	if (opt.cut_rate + opt.truncate_rate + opt.refuse_rate > 1.0) {
		fputs("faultproxy: the cut, truncate and refuse rates add up to more than 1\n", stderr);
		return 2;
	}
	if (parse_addr(opt.listen_text, &opt.listen_addr, &opt.listen_len) != 0 ||
	    parse_addr(opt.to_text, &opt.to_addr, &opt.to_len) != 0) {
		fputs("faultproxy: addresses are HOST:PORT\n", stderr);
		return 2;
	}
	rng_state = opt.seed;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	int lfd = socket(opt.listen_addr.ss_family, SOCK_STREAM, 0);
	int one = 1;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&opt.listen_addr, opt.listen_len) != 0 || listen(lfd, 128) != 0) {
		fprintf(stderr, "faultproxy: cannot listen on %s: %s\n", opt.listen_text, strerror(errno));
		return 1;
	}
	set_nonblock(lfd);
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	int port = 0;
	if (getsockname(lfd, (struct sockaddr *)&bound, &bl) == 0)
		port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
							 : ((struct sockaddr_in *)&bound)->sin_port);
	if (opt.port_file) {
		char tmpname[4096];
		snprintf(tmpname, sizeof tmpname, "%s.tmp", opt.port_file);
		FILE *pf = fopen(tmpname, "w");
		if (!pf || fprintf(pf, "%d\n", port) < 0 || fclose(pf) != 0 || rename(tmpname, opt.port_file) != 0) {
			fprintf(stderr, "faultproxy: cannot write %s\n", opt.port_file);
			return 1;
		}
	}
	fprintf(stderr, "faultproxy: listening on port %d, forwarding to %s, seed %llu\n", port, opt.to_text,
		(unsigned long long)opt.seed);
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].cfd = conns[i].sfd = -1;

	static struct pollfd pfd[1 + 2 * MAX_CONNS];
	static int owner[1 + 2 * MAX_CONNS];
	while (!stop_flag) {
		long long now = now_ms();
		int timeout = -1;
		int n = 0;
		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		owner[n++] = -1;
		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			if (!c->used)
				continue;
			short ce = 0, se = 0;
			if (c->connecting) {
				se = POLLOUT;
			} else {
				if (!c->up.eof && c->up.limit != 0 && c->up.queued < MAX_BUFFERED)
					ce |= POLLIN;
				if (!c->down.eof && c->down.limit != 0 && c->down.queued < MAX_BUFFERED)
					se |= POLLIN;
				struct dir *ds[2] = { &c->up, &c->down };
				for (int k = 0; k < 2; k++) {
					struct seg *h = ds[k]->head;
					if (!h)
						continue;
					if (h->due <= now) {
						if (k == 0)
							se |= POLLOUT;
						else
							ce |= POLLOUT;
					} else {
						long long w = h->due - now;
						if (timeout < 0 || w < timeout)
							timeout = (int)w;
					}
				}
			}
			pfd[n].fd = c->cfd;
			pfd[n].events = ce;
			owner[n++] = i;
			pfd[n].fd = c->sfd;
			pfd[n].events = se;
			owner[n++] = i;
		}
		int pr = poll(pfd, (nfds_t)n, timeout);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			perror("faultproxy: poll");
			return 1;
		}
		if (pfd[0].revents & POLLIN)
			new_conn(lfd);
		now = now_ms();
		for (int k = 1; k < n; k += 2) {
			int i = owner[k];
			struct conn *c = &conns[i];
			if (!c->used || pfd[k].fd != c->cfd)
				continue; /* closed (or reused) during this round */
			short cre = pfd[k].revents, sre = pfd[k + 1].revents;
			if (c->connecting) {
				if (!sre)
					continue;
				int e = 0;
				socklen_t el = sizeof e;
				if (getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
					stats.failed++;
					hard_close(c->cfd);
					c->cfd = -1;
					conn_close(c);
					continue;
				}
				c->connecting = false;
				continue;
			}
			int bad = 0;
			if (cre & (POLLIN | POLLHUP | POLLERR))
				bad |= dir_read(c, &c->up, c->cfd, &stats.bytes_up);
			if (sre & (POLLIN | POLLHUP | POLLERR))
				bad |= dir_read(c, &c->down, c->sfd, &stats.bytes_down);
			if (!bad)
				bad |= dir_write(&c->up, c->sfd, now);
			if (!bad)
				bad |= dir_write(&c->down, c->cfd, now);
			if (bad) {
				conn_close(c);
				continue;
			}
			/* A spent budget: once its bytes are out, the connection dies. */
			if ((c->up.limit == 0 && !c->up.head) || (c->down.limit == 0 && !c->down.head)) {
				conn_cut(c);
				continue;
			}
			/* Half-closes travel on once the queue is empty. */
			if (c->up.eof && !c->up.head && !c->up.shut) {
				shutdown(c->sfd, SHUT_WR);
				c->up.shut = true;
			}
			if (c->down.eof && !c->down.head && !c->down.shut) {
				shutdown(c->cfd, SHUT_WR);
				c->down.shut = true;
			}
			if (c->up.shut && c->down.shut)
				conn_close(c);
		}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].used)
			conn_close(&conns[i]);
	close(lfd);
	print_stats();
	return 0;
}
