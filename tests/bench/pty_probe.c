/* pty_probe: runs a full-screen program in a pseudo-terminal, types keys
 * and reports how long the program takes to answer each one and how many
 * bytes it writes.  A response is over when the terminal has been quiet for
 * QUIET ms; its time is that of its last byte.
 *
 *   pty_probe [-c COLS] [-r ROWS] [-q QUIET_MS] -- PROGRAM ARGS... < SCRIPT
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int master = -1;
static pid_t child;
static int quiet_ms = 50;

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
	}
	if (i >= argc - 1) {
		fprintf(stderr, "usage: pty_probe [-c COLS] [-r ROWS] [-q QUIET_MS] -- PROGRAM ARGS... < SCRIPT\n");
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
			long b = drain(quiet_ms, t0, &last);
			printf("%s %.1f %ld\n", line + 6, last - t0, b);
		} else if (sscanf(line, "settle %127s %1023s", label, rest) == 2) {
			drain(atoi(rest), now_ms(), &last);
			printf("%s %.1f\n", label, last - t0);
		} else if (sscanf(line, "keyw %127s %1023[^\n]", label, rest) == 2) {
			size_t n = unescape(rest);
			drain(5, now_ms(), &last);
			double t = now_ms();
			type_keys(rest, n);
			long b = drain_after(10000, t, &last);
			printf("%s %.2f %ld\n", label, last - t, b);
		} else if (strncmp(line, "keyq ", 5) == 0 ? sscanf(line, "keyq %127s %d %1023[^\n]", label, &q, rest) == 3
			   : sscanf(line, "key %127s %1023[^\n]", label, rest) == 2) {
			size_t n = unescape(rest);
			drain(5, now_ms(), &last); /* nothing pending */
			double t = now_ms();
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
			for (int k = 0; k < q; k++) {
				type_keys(rest, n);
				b += drain_for(k_ms);
			}
			b += drain(quiet_ms, now_ms(), &last);
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
