/* The complaint feedback clock (办理情况反馈): a complaint transferred by an
 * inspection team (信访件, 交办日期) must be answered within N days — 10 for
 * a central inspection, 7 for a provincial one.  The `feedback-days` option
 * says N per round; this module reads it and computes the due date and
 * whether an item's feedback is overdue.  Pure logic: no SQLite, no I/O. */
#ifndef DUBAN_FEEDBACK_H
#define DUBAN_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "duban/date.h"
#include "duban/model.h"

/* Central rounds 10 days; a round whose name contains 省 (省级督察) 7. */
#define DUBAN_FEEDBACK_DEFAULT "10 省:7"
#define DUBAN_FEEDBACK_MAX_RULES 16
#define DUBAN_FEEDBACK_MAX_DAYS 366

struct duban_feedback_rule {
	char key[64]; /* a round whose name contains this text */
	int days;
};
struct duban_feedback_rules {
	int days; /* rounds no rule matches */
	struct duban_feedback_rule rules[DUBAN_FEEDBACK_MAX_RULES];
	int n;
};

/* "10 省:7 回头看:15": a bare number is the default, ROUND:DAYS applies to
 * rounds whose name contains ROUND (the first that matches wins); days
 * 1..366; the full-width colon too.  False with a message in err. */
bool duban_feedback_parse(const char *text, struct duban_feedback_rules *out, char *err, size_t errlen);
void duban_feedback_default(struct duban_feedback_rules *out);
/* The days a complaint of this round has for its feedback. */
int duban_feedback_days(const struct duban_feedback_rules *r, const char *round);
/* The feedback due date: transfer date + N days; NONE without a transfer date. */
duban_date duban_feedback_due(const struct duban_feedback_rules *r, const char *round, duban_date transferred_on);
/* Whether the clock runs: a complaint with a transfer date, not answered
 * (no feedback date) and not closed. */
bool duban_feedback_pending(enum duban_kind kind, enum duban_status status, duban_date transferred_on,
			    duban_date feedback_on);
/* Pending, and the due date has passed (due < today). */
bool duban_item_feedback_overdue(const struct duban_item *item, const struct duban_feedback_rules *r,
				 duban_date today);
/* The item's due date when its clock runs, else NONE. */
duban_date duban_item_feedback_due(const struct duban_item *item, const struct duban_feedback_rules *r);

#endif
