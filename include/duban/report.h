/* The periodic bulletin (定期通报): the period arithmetic, the figures of a
 * period reconstructed from the audit trail, and the bulletin written as
 * text, Markdown, CSV or a self-contained HTML page.  The bulletin is a
 * document offices publish, so its words are Chinese whatever the locale. */
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

/* What the ranked table of section 二 groups by. */
enum duban_report_by { DUBAN_REPORT_BY_COUNTY, DUBAN_REPORT_BY_UNIT, DUBAN_REPORT_BY_COUNT };
/* "county" / "unit" (or 县 / 单位); -1 when unknown. */
int duban_report_by_parse(const char *s);
struct duban_filter;
/* The grouping when none is asked for: by lead unit when the filter keeps
 * one county (a county's office ranks its units), by county otherwise. */
enum duban_report_by duban_report_by_default(const struct duban_filter *f);

/* One row of the ranked table: a county or a lead unit (牵头单位). */
struct duban_report_group {
	char *name;
	long long items, done, overdue, lagging;
};

/* A week of the HTML bulletin's chart (Monday to Sunday, the last one cut at
 * the "as of" day): items that reached done within it, and items overdue at
 * its end (not done, past a dated deadline). */
struct duban_report_week {
	duban_date from, to;
	long long completed, overdue;
};
/* The chart covers the weeks of the period, at least the last
 * DUBAN_REPORT_MIN_WEEKS and at most the last DUBAN_REPORT_MAX_WEEKS up to
 * the "as of" day. */
#define DUBAN_REPORT_MIN_WEEKS 4
#define DUBAN_REPORT_MAX_WEEKS 53

/* The figures of a bulletin.  "As of" the end of the period: the status of
 * each item at that day is rebuilt from its status events, so a past period
 * gives the same bulletin later. */
struct duban_report {
	struct duban_period period, previous;
	duban_date asof;        /* the period's last day, or today if earlier */
	duban_date today;       /* the day it was written (the HTML's date line) */
	char *county;           /* the filter's county, or NULL */
	char *scope;            /* the filter in Chinese ("西山县；领域：大气"), or NULL */
	enum duban_report_by by;
	long long items;        /* items that existed at asof */
	long long by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT];
	long long done;         /* verified, publicized or closed at asof */
	long long prev_items, prev_done; /* the same at the previous period's end */
	long long completed, prev_completed; /* reached done within the period */
	long long closed, prev_closed;       /* reached closed (销号) within it */
	long long overdue;
	struct duban_report_group *groups; /* ranked by completion rate */
	int ngroups;
	long long actions[DUBAN_ACTION_KIND_COUNT]; /* issued within the period */
	long long rebounds;     /* closed items reopened (反弹) within the period */
	long long complaints;
	long long by_verdict[DUBAN_VERDICT_COUNT];
	long long handled_closed, handled_stage, handled_open; /* 已办结, 阶段性办结, 正在办理 */
	struct duban_enforcement enforcement; /* summed over the complaints */
	/* The public notice (公示) today: items under notice, of them with the
	 * notice ended (due for 销号); objections recorded, still open. */
	long long notice_running, notice_ended, objections, objections_open;
	struct duban_report_week *weeks;      /* the weekly series, oldest first */
	int nweeks;
	struct duban_report_priv *priv;       /* the item lists behind the tables */
};

/* Builds the figures of period for the items filter selects (NULL = the
 * whole ledger; status, light and overdue terms select by the items' state
 * today), the ranked table grouped by `by`; today bounds the "as of" day.
 * Free with duban_report_free. */
enum duban_err duban_report_build(duban_store *st, struct duban_period period, const struct duban_filter *filter,
				  enum duban_report_by by, duban_date today, struct duban_report **out);
/* The same, showing its progress on p (may be NULL); DUBAN_ERR_INTERRUPTED
 * after Ctrl-C (see progress.h).  The figures come from one pass over the
 * filtered items' rows and aggregate queries: the ledger is never loaded,
 * only the rows of the lists are kept. */
struct duban_progress;
enum duban_err duban_report_build_progress(duban_store *st, struct duban_period period,
					   const struct duban_filter *filter, enum duban_report_by by,
					   duban_date today, struct duban_progress *p, struct duban_report **out);
void duban_report_free(struct duban_report *r);

enum duban_report_format {
	DUBAN_REPORT_TEXT, DUBAN_REPORT_MD, DUBAN_REPORT_CSV, DUBAN_REPORT_HTML, DUBAN_REPORT_FORMAT_COUNT
};
/* "text", "md" (or "markdown"), "csv", "html"; -1 when unknown. */
int duban_report_format_parse(const char *s);
/* The format a file name's extension asks for (.txt, .md, .csv, .html or
 * .htm, any case); -1 for another or none. */
int duban_report_format_of_path(const char *path);
/* Writes the bulletin; returns 0, or -1 when writing failed. */
int duban_report_write(const struct duban_report *r, enum duban_report_format fmt, FILE *out);
/* Writes it to path in one step (a temporary file renamed over it, so no
 * half-written bulletin is ever found); 0, or -1 with errno set. */
int duban_report_write_file(const struct duban_report *r, enum duban_report_format fmt, const char *path);

/* ---- Batch statistics of complaints (duban report --batches) ---- */
#define DUBAN_BATCH_TYPES 8
/* 水 大气 土壤 生态 噪声 海洋 辐射 其他: the pollution types of the published
 * tables; 其他 counts complaints with none of the seven before it. */
extern const char *const duban_batch_types[DUBAN_BATCH_TYPES];
/* complaints, the 8 types, 属实 基本属实 部分属实 不属实, 已办结 阶段性办结 正在办理 */
#define DUBAN_BATCH_FIGURES (1 + DUBAN_BATCH_TYPES + 4 + 3)
struct duban_batch_row {
	char *batch, *county;
	long long v[DUBAN_BATCH_FIGURES];
};
/* One row per batch and county of the complaints filter selects (NULL: all),
 * batches in their natural order (第2批 before 第10批). */
enum duban_err duban_batches_build(duban_store *st, const struct duban_filter *filter, struct duban_batch_row **out,
				   int *n);
void duban_batches_free(struct duban_batch_row *rows, int n);
enum duban_batches_format { DUBAN_BATCHES_TABLE, DUBAN_BATCHES_CSV, DUBAN_BATCHES_JSON, DUBAN_BATCHES_MD,
			    DUBAN_BATCHES_XLSX, DUBAN_BATCHES_FORMAT_COUNT };
/* "table" (or "text"), "csv", "json", "md", "xlsx"; -1 when unknown. */
int duban_batches_format_parse(const char *s);
/* The rows and a 合计 (total) row; 0, or -1 when writing failed (or fmt is
 * DUBAN_BATCHES_XLSX: a workbook is written to a file, below). */
int duban_batches_write(const struct duban_batch_row *rows, int n, enum duban_batches_format fmt, FILE *out);
/* The same as an Excel workbook at path: one sheet, a title row, the header,
 * the rows (figures as numbers) and the 合计 row.  DUBAN_ERR_IO with err set
 * when it cannot be written (path is then left as it was). */
enum duban_err duban_batches_write_xlsx(const struct duban_batch_row *rows, int n, const char *path, char *err,
					size_t errlen);

#endif
