/* The progress line and the Ctrl-C flag of long commands. */
#include <config.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "duban/progress.h"
#include "duban/util.h"

#define REDRAW_MS 250

struct duban_progress {
	char *what;
	long long total, done;
	FILE *out;
	double start, drawn; /* ms; drawn < 0: never */
};

static volatile sig_atomic_t interrupted;
static struct sigaction before; /* SIGINT's disposition before the catch */
static bool caught;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void duban_interrupt_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* A second Ctrl-C is the default again: a user who insists wins. */
	sa.sa_flags = SA_RESETHAND;
	if (sigaction(SIGINT, &sa, caught ? NULL : &before) == 0)
		caught = true;
}

void duban_interrupt_release(void)
{
	if (caught)
		sigaction(SIGINT, &before, NULL);
	caught = false;
	interrupted = 0;
}

bool duban_interrupted(void)
{
	return interrupted != 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct duban_progress *duban_progress_new(const char *what, long long total, FILE *out, bool quiet)
{
	if (quiet || !out || !isatty(fileno(out)))
		return NULL;
	struct duban_progress *p = xcalloc(1, sizeof *p);
	p->what = xstrdup(what);
	p->total = total;
	p->out = out;
	p->start = now_ms();
	p->drawn = -1;
	return p;
}

void duban_progress_set_total(struct duban_progress *p, long long total)
{
	if (p)
		p->total = total;
}

/* "1:05" or "1:02:05" */
static void clock_text(double s, char *buf, size_t cap)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

char *duban_progress_format(const char *what, long long done, long long total, double seconds)
{
	double rate = seconds > 0 ? (double)done / seconds : 0;
	char left[32];
	if (total <= 0)
		return xasprintf(_("%s: %lld, %.0f/s"), what, done, rate);
	int pct = (int)(100.0 * (double)done / (double)total);
	if (rate <= 0 || done <= 0 || done > total)
		return xasprintf(_("%s: %lld/%lld (%d%%)"), what, done, total, pct);
	clock_text((double)(total - done) / rate, left, sizeof left);
	return xasprintf(_("%s: %lld/%lld (%d%%), %.0f/s, %s left"), what, done, total, pct, rate, left);
}

static void draw(struct duban_progress *p, double now)
{
	char *line = duban_progress_format(p->what, p->done, p->total, (now - p->start) / 1e3);
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	free(line);
	p->drawn = now;
}

int duban_progress_update(struct duban_progress *p, long long done)
{
	if (p) {
		p->done = done;
		double now = now_ms();
		/* The first draw waits too: work shorter than that shows nothing. */
		if (now - (p->drawn < 0 ? p->start : p->drawn) >= REDRAW_MS)
			draw(p, now);
	}
	return interrupted != 0;
}

void duban_progress_note(struct duban_progress *p, const char *phase)
{
	if (!p)
		return;
	fprintf(p->out, "\r%s: %s\033[K", p->what, phase);
	fflush(p->out);
	p->drawn = now_ms();
}

void duban_progress_end(struct duban_progress *p)
{
	if (!p)
		return;
	if (p->drawn >= 0) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	free(p->what);
	free(p);
}
