/* The public notice (公示) of a close-out and its objections (异议), as
 * the office works them: opening the notice when the item is publicized,
 * recording objections, settling them (an upheld one sends the item back
 * to work).  Each writes its records and status move in one transaction of
 * the store; the rules they read are closeout.h's. */
#ifndef DUBAN_NOTICE_H
#define DUBAN_NOTICE_H

#include "duban/store.h"

struct duban_notice_open {
	duban_date start;    /* DUBAN_DATE_NONE: today */
	int days;            /* the end is start + days */
	const char *place;   /* where it was published (may be NULL) */
	const char *contact; /* who takes objections (may be NULL) */
};
/* Moves item (code or id) to publicized and opens its notice; the item's
 * notice_end is set to the notice's end, for lists and the overdue view.
 * reason goes with the status move.  *end (may be NULL): the end date. */
enum duban_err duban_notice_publicize(duban_store *st, const char *item, const struct duban_notice_open *o,
				      const char *reason, duban_date *end);
/* Records an objection to item's notice; *number (may be NULL): its number
 * (1-based, as `duban objection list` shows it). */
enum duban_err duban_objection_raise(duban_store *st, const char *item, const char *text, const char *from,
				     duban_date date, int *number);
/* Settles objection number (office only): upheld moves a publicized item
 * back to in progress with the objection as the reason.  An objection
 * settled already is refused (DUBAN_ERR_INVALID). */
enum duban_err duban_objection_settle(duban_store *st, const char *item, int number, bool upheld, const char *text,
				      duban_date date);

/* Items under notice whose notice ended before today and which are still
 * not closed: due for 销号 (the overdue list's companion), by notice end,
 * then code, among the items filter selects (NULL: all). */
struct duban_notice_due {
	char id[37];
	char *code, *title, *county;
	duban_date end;
};
enum duban_err duban_notice_due_list(duban_store *st, const struct duban_filter *filter, duban_date today,
				     struct duban_notice_due **out, int *n);
void duban_notice_due_free(struct duban_notice_due *v, int n);

/* The bulletin's figures of the notice among the items filter selects:
 * items publicized with the notice running / ended (due for 销号),
 * objections recorded, and of them still open. */
struct duban_notice_figures {
	long long running, ended, objections, open;
};
enum duban_err duban_notice_figures(duban_store *st, const struct duban_filter *filter, duban_date today,
				    struct duban_notice_figures *out);

#endif
