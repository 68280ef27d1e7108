/* A progress line for long work (import, export, report, demo): what is
 * being done, done/total, the rate and the time left, redrawn at most four
 * times a second on a terminal and never elsewhere; and Ctrl-C turned into
 * a request the work polls, so it can stop with nothing half-written.
 * No curses: the line is "\r" and an erase to the end of the line. */
#ifndef DUBAN_PROGRESS_H
#define DUBAN_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct duban_progress;

/* A progress line on out for what (e.g. "importing"), of total steps (-1:
 * not known yet).  NULL, which every function below accepts, when quiet or
 * out is not a terminal: then nothing is ever written. */
struct duban_progress *duban_progress_new(const char *what, long long total, FILE *out, bool quiet);
void duban_progress_set_total(struct duban_progress *p, long long total);
/* done steps so far; the line is redrawn when the last draw is 250 ms old.
 * Returns nonzero once Ctrl-C was pressed (duban_interrupt_catch): the work
 * stops and undoes what it began.  With p NULL it only answers that. */
int duban_progress_update(struct duban_progress *p, long long done);
/* Says what the work does now when it cannot count it ("building the
 * indexes"): drawn at once, after what. */
void duban_progress_note(struct duban_progress *p, const char *phase);
/* Erases the line and frees p. */
void duban_progress_end(struct duban_progress *p);

/* From now on the first Ctrl-C (SIGINT) only sets the flag
 * duban_interrupted reads; a second one ends the program as usual.
 * duban_interrupt_release puts back what SIGINT did before and clears the
 * flag (the full-screen interface that may follow has its own ways). */
void duban_interrupt_catch(void);
void duban_interrupt_release(void);
bool duban_interrupted(void);

/* The line as it would be drawn, for tests: what, done, total, seconds
 * since the start.  Malloc'd. */
char *duban_progress_format(const char *what, long long done, long long total, double seconds);

#endif
