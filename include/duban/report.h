/* The periodic bulletin (定期通报): the period arithmetic, the figures of a
 * period reconstructed from the audit trail, and the bulletin written as
 * text, Markdown or CSV.  The bulletin is a document offices publish, so its
 * words are Chinese whatever the locale. */
#ifndef DUBAN_REPORT_H
#define DUBAN_REPORT_H

#include <stdio.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/store.h"

enum duban_period_kind { DUBAN_PERIOD_WEEK, DUBAN_PERIOD_MONTH, DUBAN_PERIOD_QUARTER, DUBAN_PERIOD_COUNT };

/* A range of whole days, both ends included. */
struct duban_period {
	duban_date from, to;
};

/* "week" / "month" / "quarter" (or 周 / 月 / 季度); -1 when unknown. */
int duban_period_kind_parse(const char *s);
/* The week (Monday first), month or quarter containing today, up to today. */
struct duban_period duban_period_current(enum duban_period_kind kind, duban_date today);
/* An explicit range: DUBAN_ERR_INVALID when an end is missing or from > to. */
enum duban_err duban_period_make(duban_date from, duban_date to, struct duban_period *out);
/* The period of equal length just before p (for the change since then). */
struct duban_period duban_period_previous(struct duban_period p);
int duban_period_days(struct duban_period p);

/* One row of the county table. */
struct duban_report_county {
	char *name;
	long long items, done, overdue, lagging;
};

/* The figures of a bulletin.  "As of" the end of the period: the status of
 * each item at that day is rebuilt from its status events, so a past period
 * gives the same bulletin later. */
struct duban_report {
	struct duban_period period, previous;
	duban_date asof;        /* the period's last day, or today if earlier */
	char *county;           /* the --county restriction, or NULL */
	long long items;        /* items that existed at asof */
	long long by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT];
	long long done;         /* verified, publicized or closed at asof */
	long long prev_items, prev_done; /* the same at the previous period's end */
	long long completed, prev_completed; /* reached done within the period */
	long long closed, prev_closed;       /* reached closed (销号) within it */
	long long overdue;
	struct duban_report_county *counties;
	int ncounties;
	long long actions[DUBAN_ACTION_KIND_COUNT]; /* issued within the period */
	long long complaints;
	long long by_verdict[DUBAN_VERDICT_COUNT];
	long long handled_closed, handled_stage, handled_open; /* 已办结, 阶段性办结, 正在办理 */
	struct duban_enforcement enforcement; /* summed over the complaints */
	struct duban_report_priv *priv;       /* the item lists behind the tables */
};

/* Builds the figures of period (county NULL = the whole ledger; today bounds
 * the "as of" day).  Free with duban_report_free. */
enum duban_err duban_report_build(duban_store *st, struct duban_period period, const char *county,
				  duban_date today, struct duban_report **out);
void duban_report_free(struct duban_report *r);

enum duban_report_format { DUBAN_REPORT_TEXT, DUBAN_REPORT_MD, DUBAN_REPORT_CSV, DUBAN_REPORT_FORMAT_COUNT };
int duban_report_format_parse(const char *s);
/* Writes the bulletin; returns 0, or -1 when writing failed. */
int duban_report_write(const struct duban_report *r, enum duban_report_format fmt, FILE *out);

#endif
