/* The supervision ladder for overdue items (督办阶梯): which step (提醒函,
 * 督办通知, 通报, 约谈, 问责) is due how many days after the deadline, which
 * were taken, and the letters each step sends, rendered from templates the
 * office can edit. */
#ifndef DUBAN_LADDER_H
#define DUBAN_LADDER_H

#include <stdbool.h>
#include <stddef.h>

#include "duban/model.h"
#include "duban/store.h"

#define DUBAN_LADDER_MAX DUBAN_ACTION_KIND_COUNT
#define DUBAN_LADDER_DEFAULT "提醒函:1 督办通知:7 通报:15 约谈:30"

struct duban_ladder_step {
	enum duban_action_kind kind;
	int day; /* days after the deadline, >= 1 */
};
struct duban_ladder {
	struct duban_ladder_step steps[DUBAN_LADDER_MAX];
	int n;
};

/* "提醒函:1 督办通知:7 …": kinds by Chinese name or identifier, each at most
 * once, days from 1 and strictly increasing.  False with a message in err. */
bool duban_ladder_parse(const char *text, struct duban_ladder *out, char *err, size_t errlen);
/* The form parse reads, with Chinese names.  Malloc'd. */
char *duban_ladder_format(const struct duban_ladder *l);
void duban_ladder_default(struct duban_ladder *out);
/* The index of kind's step, -1 when the ladder has none. */
int duban_ladder_find(const struct duban_ladder *l, enum duban_action_kind kind);

/* Where an overdue item stands on the ladder. */
struct duban_ladder_state {
	int days;              /* days overdue (today - deadline) */
	int reached;           /* steps whose day has come: steps[0 .. reached-1] */
	bool taken[DUBAN_LADDER_MAX];
	duban_date taken_on[DUBAN_LADDER_MAX]; /* the latest counting action's date */
	int next;              /* the step due: reached, not taken, above the last taken; -1 none */
	duban_date next_since; /* the day it fell due */
	int last;              /* the highest step taken, -1 none */
};
/* Pure: the state given the item's actions (kinds[i] dated dates[i]).  Only
 * actions dated on or after the deadline count as taken. */
void duban_ladder_eval(const struct duban_ladder *l, duban_date deadline, duban_date today,
		       const enum duban_action_kind *kinds, const duban_date *dates, int nactions,
		       struct duban_ladder_state *out);

/* The feedback step (反馈催办): a complaint whose feedback (办理情况反馈) is
 * overdue owes the ladder's first step (提醒函 by default) from the day
 * after its feedback due date, until one dated from that day on is
 * recorded (or the feedback is given).  Pure, like duban_ladder_eval. */
struct duban_feedback_step {
	bool overdue;          /* the feedback due date passed unanswered */
	int days;              /* days past it */
	enum duban_action_kind kind; /* the step: the ladder's first */
	bool due;              /* overdue and the step not taken */
	duban_date since;      /* the day it fell due (feedback due + 1) */
	duban_date taken_on;   /* the latest counting action's date, NONE when none */
};
void duban_feedback_step_eval(const struct duban_ladder *l, duban_date feedback_due, duban_date today,
			      const enum duban_action_kind *kinds, const duban_date *dates, int nactions,
			      struct duban_feedback_step *out);
/* The same for a stored item (its actions read from the store). */
enum duban_err duban_feedback_step_of(duban_store *st, const struct duban_item *item, const struct duban_ladder *l,
				      duban_date today, struct duban_feedback_step *out);

/* One overdue item with its state; everything owned by the entry. */
struct duban_overdue {
	struct duban_item item;
	struct duban_ladder_state state;
	char *latest_note; /* "" when none */
};
/* Every overdue item matching filter (deadline passed, not verified,
 * publicized or closed, not ongoing), most days overdue first, then by code.
 * due_only keeps those with a step due. */
enum duban_err duban_overdue_list(duban_store *st, const struct duban_filter *filter,
				  const struct duban_ladder *l, duban_date today, bool due_only,
				  struct duban_overdue **out, int *n);
void duban_overdue_free(struct duban_overdue *v, int n);
/* The same list a window at a time: up to n more entries appended to *v
 * (*count of them, room for *cap), in the same order.  Zero the cursor to
 * start; done when the list ended.  On an error nothing is appended and the
 * cursor may have moved: start again. */
struct duban_overdue_cursor {
	duban_date deadline; /* of the last item read */
	char *code;          /* its code; NULL: from the start */
	bool done;
};
enum duban_err duban_overdue_window(duban_store *st, const struct duban_filter *filter,
				    const struct duban_ladder *l, duban_date today,
				    struct duban_overdue_cursor *cur, int n, struct duban_overdue **v, int *count,
				    int *cap);
void duban_overdue_cursor_free(struct duban_overdue_cursor *cur);
/* Whether an item is overdue as the list counts it. */
bool duban_item_overdue(const struct duban_item *item, duban_date today);
/* One item's entry (copied into out, whether overdue or not); free with
 * duban_overdue_entry_free.  taken_kinds receives, for every action kind,
 * whether one was recorded on or after the deadline (steps outside the
 * ladder too). */
enum duban_err duban_overdue_of(duban_store *st, const struct duban_item *item, const struct duban_ladder *l,
				duban_date today, struct duban_overdue *out,
				bool taken_kinds[DUBAN_ACTION_KIND_COUNT]);
void duban_overdue_entry_free(struct duban_overdue *o);

/* ---- Letters from templates ---- */
/* The template file of a step: "reminder.txt", …; the HTML wrapper is
 * "letter.html". */
const char *duban_template_name(enum duban_action_kind kind);
/* The first readable NAME in $XDG_CONFIG_HOME/duban/templates (or
 * ~/.config/duban/templates), $DUBAN_TEMPLATEDIR, the installed
 * pkgdatadir/templates, then the source tree's contrib/templates
 * ($top_srcdir, or beside the program).  Malloc'd or NULL. */
char *duban_template_path(const char *name);

/* What a letter is about: the values of its placeholders. */
struct duban_letter_ctx {
	const struct duban_item *item;
	enum duban_action_kind step;
	duban_date today;   /* {{today}}, {{today_zh}} */
	duban_date date;    /* the letter's date: {{date}}, {{date_zh}} */
	duban_date reply_by; /* {{reply_by}}, {{reply_by_zh}} */
	int days_overdue;
	const char *latest_note;
};

/* Renders a template's text: {{name}} placeholders, leading "#" lines
 * dropped.  html escapes the values.  NULL with "FILE:LINE: message" in err
 * (file names the template in messages). */
char *duban_template_render(const char *tmpl, const char *file, const struct duban_letter_ctx *c,
			    bool html, char *err, size_t errlen);

struct duban_letter {
	char *text;        /* the letter, rendered */
	char *title;       /* its first line */
	char *action_text; /* the title, a newline, the first paragraph that is not a salutation */
};
/* Finds, reads and renders the step's template.  False with a message. */
bool duban_letter_make(const struct duban_letter_ctx *c, struct duban_letter *out, char *err, size_t errlen);
/* The letter as a self-contained HTML page (letter.html around it).
 * Malloc'd, or NULL with a message. */
char *duban_letter_html(const struct duban_letter_ctx *c, const struct duban_letter *l, char *err, size_t errlen);
/* The letter as the file at path holds it: the printable page when path ends
 * in .html or .htm, else the text.  Malloc'd; NULL with err set. */
char *duban_letter_for_file(const struct duban_letter_ctx *c, const struct duban_letter *l, const char *path,
			    char *err, size_t errlen);
void duban_letter_free(struct duban_letter *l);

/* Issues one step: records the action (kind, date, due = reply_by, text)
 * through the store, inside the caller's transaction if one is open. */
enum duban_err duban_ladder_record(duban_store *st, const struct duban_letter_ctx *c,
				   const struct duban_letter *l, struct duban_action *out);

#endif
