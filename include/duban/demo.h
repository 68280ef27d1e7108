/* A realistic demo ledger modelled on a city rectification plan. */
#ifndef DUBAN_DEMO_H
#define DUBAN_DEMO_H

#include "duban/store.h"

struct duban_demo_options {
	long items;          /* total items (problems ~ 8%, rest complaints) */
	unsigned long seed;  /* same seed, same ledger */
	duban_date today;    /* deadlines are placed around this day */
	void (*progress)(long done, long total, void *ctx); /* may be NULL */
	void *progress_ctx;
};

/* Fills an empty store (no outbox ops: a demo is not real work) in one or a
 * few large transactions.  Deterministic for a given seed and today. */
enum duban_err duban_demo_generate(duban_store *st, const struct duban_demo_options *opt);

#endif
