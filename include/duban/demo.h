/* A realistic demo ledger modelled on a city rectification plan. */
#ifndef DUBAN_DEMO_H
#define DUBAN_DEMO_H

#include "duban/store.h"

struct duban_progress;

struct duban_demo_options {
	long items;          /* total items (problems ~ 8%, rest complaints) */
	unsigned long seed;  /* same seed, same ledger */
	duban_date today;    /* deadlines are placed around this day */
	struct duban_progress *progress; /* items done so far; may be NULL */
};

/* Fills an empty store (no outbox ops: a demo is not real work) in one bulk
 * load (duban_store_bulk_begin): all or nothing.  Deterministic for a given
 * seed and today.  DUBAN_ERR_INTERRUPTED, nothing written, after Ctrl-C
 * (progress.h). */
enum duban_err duban_demo_generate(duban_store *st, const struct duban_demo_options *opt);

#endif
