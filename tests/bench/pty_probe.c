/* pty_probe: runs a full-screen program in a pseudo-terminal, types keys
 * and reports how long the program takes to answer each one and how many
 * bytes it writes.  A response is over when the terminal has been quiet for
 * QUIET ms; its time is that of its last byte.
 *
 *   pty_probe [-c COLS] [-r ROWS] [-q QUIET_MS] [-o DIR] [-k] -- PROGRAM ARGS... < SCRIPT
 *
 * With -o, the bytes of each labelled answer are written to DIR/LABEL.out;
 * with -k, each answer's line is followed by "LABEL.kinds text N motion N
 * sgr N erase N scroll N other N chars N": its bytes by kind (per key for
 * held), chars the characters of its text.
 *
 * SCRIPT lines:
 *   start LABEL          wait for the first screen; "LABEL ms bytes"
 *   settle LABEL MS      wait until quiet for MS ms; ms since the start
 *   key LABEL KEYS       type KEYS (C escapes: \e \r \n \xHH); "LABEL ms bytes"
 *   keyq LABEL MS KEYS   the same, the answer over after MS ms of quiet
 *   keyw LABEL KEYS      the same, but waits up to 10 s for the answer's
 *                        first byte (a slow view switch), then QUIET ms
 *   repeat N KEYS        type KEYS N times, waiting for each, no report
 *   held LABEL N MS KEYS type KEYS N times MS ms apart (a held key's
 *                        auto-repeat), reading all the while, then wait
 *                        for quiet; "LABEL ms bytes-per-key" (the answer
 *                        after the last key included)
 *   rss                  "rss_kb N" (VmHWM of the program)
 *   quit KEYS            type KEYS and wait for the program to exit
 *
 * Build: cc -O2 -o pty_probe pty_probe.c -lutil */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int master = -1;
static pid_t child;
static int quiet_ms = 50;
static const char *out_dir;  /* -o: where each answer's bytes go */
static bool kinds;           /* -k: each answer's bytes by kind */
/* The current answer's bytes (from its key to its end), to classify. */
static struct {
	char label[128];
	char *b;
	size_t n, cap;
	bool on;
	int per;                 /* divide the figures by (keys of a held run) */
} ans;

static void capture_start(const char *label)
{
	snprintf(ans.label, sizeof ans.label, "%.127s", label);
	ans.n = 0;
	ans.on = true;
	ans.per = 1;
}

static void captured(const char *buf, ssize_t n)
{
	if (!ans.on || n <= 0)
		return;
	if (ans.n + (size_t)n > ans.cap) {
		ans.cap = (ans.n + (size_t)n) * 2;
		ans.b = realloc(ans.b, ans.cap);
		if (!ans.b)
			abort();
	}
	memcpy(ans.b + ans.n, buf, (size_t)n);
	ans.n += (size_t)n;
}

enum kind { K_TEXT, K_MOTION, K_SGR, K_ERASE, K_SCROLL, K_OTHER, K_COUNT };
static const char *const kind_names[K_COUNT] = { "text", "motion", "sgr", "erase", "scroll", "other" };

/* The kind of a CSI sequence by its final byte. */
static enum kind csi_kind(char final)
{
	if (final == 'm')
		return K_SGR;
	if (strchr("HfABCDEFGd`", final))
		return K_MOTION;
	if (strchr("KJXP@", final))
		return K_ERASE;
	if (strchr("rSTLM", final))
		return K_SCROLL;
	return K_OTHER;
}

/* Splits an answer's bytes into text (printable, UTF-8 included), cursor
 * motion (CUP, CUF… and CR, LF, BS), SGR, erasing (EL, ED, ECH, DCH),
 * scrolling (regions, IL, DL, RI) and the rest (modes, charsets). */
static void classify(const unsigned char *p, size_t n, long out[K_COUNT], long *cells)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == 27 && i + 1 < n && p[i + 1] == '[') {
			size_t j = i + 2;
			while (j < n && (p[j] < 0x40 || p[j] > 0x7e))
				j++;
			out[csi_kind(j < n ? (char)p[j] : 0)] += (long)(j + 1 - i);
			i = j + 1;
		} else if (c == 27 && i + 1 < n) {
			enum kind k = p[i + 1] == 'M' ? K_SCROLL : strchr("78", p[i + 1]) ? K_MOTION : K_OTHER;
			size_t len = strchr("()*+", p[i + 1]) ? 3 : 2;
			out[k] += (long)len;
			i += len;
		} else if (c == '\r' || c == '\n' || c == '\b') {
			out[K_MOTION]++;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			out[K_OTHER]++;
			i++;
		} else {
			out[K_TEXT]++;
			if ((c & 0xc0) != 0x80)
				(*cells)++;
			i++;
		}
	}
}

static void capture_end(void)
{
	if (!ans.on)
		return;
	ans.on = false;
	if (out_dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.out", out_dir, ans.label);
		FILE *f = fopen(path, "wb");
		if (f) {
			fwrite(ans.b, 1, ans.n, f);
			fclose(f);
		}
	}
	if (!kinds)
		return;
	long k[K_COUNT] = { 0 }, cells = 0;
	classify((const unsigned char *)ans.b, ans.n, k, &cells);
	printf("%s.kinds", ans.label);
	for (int i = 0; i < K_COUNT; i++)
		printf(" %s %ld", kind_names[i], k[i] / ans.per);
	printf(" chars %ld\n", cells / ans.per);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads until the terminal has been quiet for quiet ms (or closed);
 * returns the bytes read, *last the time of the last byte (or since when
 * nothing came). */
static long drain(int quiet, double since, double *last)
{
	char buf[65536];
	long total = 0;
	*last = since;
	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		int r = poll(&p, 1, quiet);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ssize_t n = read(master, buf, sizeof buf);
		if (n <= 0)
			break;
		captured(buf, n);
		total += n;
		*last = now_ms();
	}
	return total;
}

/* Reads whatever comes for ms; returns the bytes. */
static long drain_for(int ms)
{
	char buf[65536];
	long total = 0;
	double end = now_ms() + ms;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left <= 0)
			break;
		struct pollfd p = { master, POLLIN, 0 };
		int r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ssize_t n = read(master, buf, sizeof buf);
		if (n <= 0)
			break;
		captured(buf, n);
		total += n;
	}
	return total;
}

/* Waits up to ms for the first byte, then as drain(). */
static long drain_after(int ms, double since, double *last)
{
	struct pollfd p = { master, POLLIN, 0 };
	*last = since;
	while (poll(&p, 1, ms) < 0 && errno == EINTR)
		;
	return drain(quiet_ms, since, last);
}

/* Decodes \e \r \n \t \\ \xHH in place; returns the length. */
static size_t unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'e': *o++ = 27; break;
		case 'r': *o++ = '\r'; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 's': *o++ = ' '; break;
		case 'x': {
			unsigned v = 0;
			int k = 0;
			while (k < 2 && p[1] && strchr("0123456789abcdefABCDEF", p[1])) {
				char c = *++p;
				v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
				k++;
			}
			*o++ = (char)v;
			break;
		}
		default: *o++ = *p; break;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

static void type_keys(const char *k, size_t n)
{
	while (n) {
		ssize_t w = write(master, k, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		k += w;
		n -= (size_t)w;
	}
}

static long rss_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)child);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "-c") == 0)
			ws.ws_col = (unsigned short)atoi(argv[++i]);
		else if (strcmp(argv[i], "-r") == 0)
			ws.ws_row = (unsigned short)atoi(argv[++i]);
		else if (strcmp(argv[i], "-q") == 0)
			quiet_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "-o") == 0)
			out_dir = argv[++i];
		else if (strcmp(argv[i], "-k") == 0)
			kinds = true;
	}
	if (i >= argc - 1) {
		fprintf(stderr, "usage: pty_probe [-c COLS] [-r ROWS] [-q QUIET_MS] [-o DIR] [-k] -- PROGRAM ARGS... < SCRIPT\n");
		return 2;
	}
	double t0 = now_ms();
	child = forkpty(&master, NULL, NULL, &ws);
	if (child < 0) {
		perror("forkpty");
		return 1;
	}
	if (child == 0) {
		execvp(argv[i + 1], argv + i + 1);
		perror(argv[i + 1]);
		_exit(127);
	}
	char line[1024];
	double last;
	while (fgets(line, sizeof line, stdin)) {
		char label[128] = "", rest[1040] = "";
		int q = 0, k_ms = 0;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "start ", 6) == 0) {
			capture_start(line + 6);
			long b = drain(quiet_ms, t0, &last);
			printf("%s %.1f %ld\n", line + 6, last - t0, b);
		} else if (sscanf(line, "settle %127s %1023s", label, rest) == 2) {
			drain(atoi(rest), now_ms(), &last);
			printf("%s %.1f\n", label, last - t0);
		} else if (sscanf(line, "keyw %127s %1023[^\n]", label, rest) == 2) {
			size_t n = unescape(rest);
			drain(5, now_ms(), &last);
			double t = now_ms();
			capture_start(label);
			type_keys(rest, n);
			long b = drain_after(10000, t, &last);
			printf("%s %.2f %ld\n", label, last - t, b);
		} else if (strncmp(line, "keyq ", 5) == 0 ? sscanf(line, "keyq %127s %d %1023[^\n]", label, &q, rest) == 3
			   : sscanf(line, "key %127s %1023[^\n]", label, rest) == 2) {
			size_t n = unescape(rest);
			drain(5, now_ms(), &last); /* nothing pending */
			double t = now_ms();
			capture_start(label);
			type_keys(rest, n);
			long b = drain(strncmp(line, "keyq ", 5) == 0 ? q : quiet_ms, t, &last);
			printf("%s %.2f %ld\n", label, last - t, b);
		} else if (sscanf(line, "repeat %127s %1023[^\n]", label, rest) == 2) {
			size_t n = unescape(rest);
			for (int k = atoi(label); k > 0; k--) {
				type_keys(rest, n);
				drain(quiet_ms, now_ms(), &last);
			}
		} else if (sscanf(line, "held %127s %d %d %1023[^\n]", label, &q, &k_ms, rest) == 4) {
			size_t n = unescape(rest);
			drain(5, now_ms(), &last);
			double t = now_ms();
			long b = 0;
			capture_start(label);
			for (int k = 0; k < q; k++) {
				type_keys(rest, n);
				b += drain_for(k_ms);
			}
			b += drain(quiet_ms, now_ms(), &last);
			ans.per = q > 0 ? q : 1;
			printf("%s %.2f %ld\n", label, last - t, q > 0 ? b / q : 0);
		} else if (strcmp(line, "rss") == 0) {
			printf("rss_kb %ld\n", rss_kb());
		} else if (strncmp(line, "quit", 4) == 0) {
			snprintf(rest, sizeof rest, "%s", line[4] ? line + 5 : "q");
			size_t n = unescape(rest);
			type_keys(rest, n);
			drain(200, now_ms(), &last);
			break;
		}
		capture_end();
		fflush(stdout);
	}
	int status = 0;
	for (int k = 0; k < 50; k++) {
		if (waitpid(child, &status, WNOHANG) == child)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(100000);
	}
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	return 3;
}
