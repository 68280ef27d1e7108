/* The periodic bulletin: periods, figures rebuilt from the audit trail, and
 * the document in text, Markdown, CSV or HTML.  Words are Chinese literals
 * (the bulletin is published as it is, whatever the reader's locale). */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duban/csv.h"
#include "duban/dispatch.h"
#include "duban/html.h"
#include "duban/notice.h"
#include "duban/progress.h"
#include "duban/report.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "report_chart.h"
#include "store_internal.h"

#define UPCOMING_DAYS 14
/* Text tables cut long titles and notes so a row stays on one line. */
#define TEXT_TITLE_COLS 36
#define TEXT_NOTE_COLS 30

/* ---------------------------------------------------------------- periods */

int duban_period_kind_parse(const char *s)
{
	static const char *const ids[][2] = { { "week", "周" }, { "month", "月" }, { "quarter", "季度" } };
	for (int i = 0; i < DUBAN_PERIOD_COUNT; i++)
		if (strcmp(s, ids[i][0]) == 0 || strcmp(s, ids[i][1]) == 0)
			return i;
	return -1;
}

struct duban_period duban_period_current(enum duban_period_kind kind, duban_date today)
{
	struct duban_period p = { today, today };
	int y, m, d;
	duban_date_to_ymd(today, &y, &m, &d);
	switch (kind) {
	case DUBAN_PERIOD_WEEK:
		p.from = today - duban_date_weekday(today);
		break;
	case DUBAN_PERIOD_QUARTER:
		p.from = duban_date_from_ymd(y, (m - 1) / 3 * 3 + 1, 1);
		break;
	default:
		p.from = duban_date_from_ymd(y, m, 1);
		break;
	}
	return p;
}

enum duban_err duban_period_make(duban_date from, duban_date to, struct duban_period *out)
{
	if (from == DUBAN_DATE_NONE || to == DUBAN_DATE_NONE || from > to)
		return DUBAN_ERR_INVALID;
	out->from = from;
	out->to = to;
	return DUBAN_OK;
}

int duban_period_days(struct duban_period p)
{
	return p.to - p.from + 1;
}

struct duban_period duban_period_previous(struct duban_period p)
{
	struct duban_period q = { p.from - duban_period_days(p), p.from - 1 };
	return q;
}

static const char *const format_ids[DUBAN_REPORT_FORMAT_COUNT] = { "text", "md", "csv", "html" };

int duban_report_format_parse(const char *s)
{
	for (int i = 0; i < DUBAN_REPORT_FORMAT_COUNT; i++)
		if (strcmp(s, format_ids[i]) == 0)
			return i;
	if (strcmp(s, "markdown") == 0)
		return DUBAN_REPORT_MD;
	return -1;
}

int duban_report_format_of_path(const char *path)
{
	static const struct {
		const char *ext;
		enum duban_report_format fmt;
	} exts[] = {
		{ ".txt", DUBAN_REPORT_TEXT }, { ".md", DUBAN_REPORT_MD }, { ".markdown", DUBAN_REPORT_MD },
		{ ".csv", DUBAN_REPORT_CSV }, { ".html", DUBAN_REPORT_HTML }, { ".htm", DUBAN_REPORT_HTML },
	};
	const char *dot = duban_path_ext(path);
	if (!dot)
		return -1;
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (strcasecmp(dot, exts[i].ext) == 0)
			return (int)exts[i].fmt;
	return -1;
}

int duban_report_by_parse(const char *s)
{
	static const char *const ids[][2] = { { "county", "县" }, { "unit", "单位" } };
	for (int i = 0; i < DUBAN_REPORT_BY_COUNT; i++)
		if (strcmp(s, ids[i][0]) == 0 || strcmp(s, ids[i][1]) == 0)
			return i;
	return -1;
}

enum duban_report_by duban_report_by_default(const struct duban_filter *f)
{
	return f && f->county && *f->county ? DUBAN_REPORT_BY_UNIT : DUBAN_REPORT_BY_COUNTY;
}

/* ---------------------------------------------------------------- figures */

struct status_event {
	duban_date day;
	int from, to; /* enum duban_status, -1 when unreadable */
};

/* What the figures need of one item, decoded from its row as the rows
 * stream by: the ledger is never held, only the rows the lists show. */
struct entry {
	enum duban_kind kind;
	enum duban_status status;
	enum duban_deadline_kind deadline_kind;
	enum duban_verdict verdict;
	duban_date start, deadline, created;
	int progress;
	struct duban_enforcement en;
	const struct status_event *ev; /* its status events, in order */
	int nev;
};

/* A row of a list section: the cells, owned. */
struct list {
	char ***rows;
	int n, cap, ncols;
};

struct duban_report_priv {
	struct list overdue, completed, upcoming;
	/* 八、调度报送情况: the latest 调度 round, when the ledger has one. */
	char *dispatch_head;                        /* its paragraph; NULL: no section */
	struct list dispatch_groups, dispatch_late; /* per county or unit; the laggards */
};

static bool is_done(int s)
{
	return s == DUBAN_STATUS_VERIFIED || s == DUBAN_STATUS_PUBLICIZED || s == DUBAN_STATUS_CLOSED;
}

/* A stored UTC timestamp as a local calendar day, like everything else the
 * user sees. */
static duban_date local_day_of(const char *utc)
{
	char buf[32];
	return duban_date_parse(duban_timestamp_local(utc, true, buf));
}

/* Each item's creation day is asked for: the local days of UTC hours are
 * cached.  An hour whose first and last second fall on the same local day
 * (every hour in a zone of whole-hour offsets) gives that day to all of
 * its timestamps; one split by midnight is worked out for each.  Only the
 * stored shape "YYYY-MM-DDTHH:MM:SSZ" is cached. */
#define HOUR_SLOTS 65536
#define HOUR_SPLIT (DUBAN_DATE_NONE + 1) /* no day is that far back */

struct hour_cache {
	long long hour[HOUR_SLOTS]; /* the hour's number, 0: empty */
	duban_date day[HOUR_SLOTS];
};

static bool stored_stamp(const char *s, int v[6])
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int k = 0;
	memset(v, 0, 6 * sizeof *v);
	for (int i = 0; shape[i]; i++) {
		if (shape[i] != 'd') {
			if (s[i] != shape[i])
				return false;
			k++;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v[k] = v[k] * 10 + (s[i] - '0');
		} else {
			return false;
		}
	}
	return s[20] == '\0' && v[3] < 24 && v[4] < 60 && v[5] <= 60;
}

static duban_date local_day(struct hour_cache *hc, const char *utc)
{
	int v[6];
	duban_date date;
	if (!hc || !stored_stamp(utc, v) || (date = duban_date_from_ymd(v[0], v[1], v[2])) == DUBAN_DATE_NONE)
		return local_day_of(utc);
	long long hour = (long long)date * 24 + v[3] + (1LL << 40); /* never 0 */
	size_t slot = (size_t)hour & (HOUR_SLOTS - 1);
	if (hc->hour[slot] != hour) {
		char a[32], b[32];
		snprintf(a, sizeof a, "%.13s:00:00Z", utc);
		snprintf(b, sizeof b, "%.13s:59:59Z", utc);
		duban_date first = local_day_of(a), last = local_day_of(b);
		hc->hour[slot] = hour;
		hc->day[slot] = first == last ? first : HOUR_SPLIT;
	}
	return hc->day[slot] == HOUR_SPLIT ? local_day_of(utc) : hc->day[slot];
}

/* ---- a string -> index map (open addressing), for item ids and groups */

struct strmap {
	int *slot; /* index + 1, 0 = empty */
	size_t cap; /* a power of two */
	size_t n;
};

static size_t str_hash(const char *s)
{
	size_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The index key(i) stored under s, or -1; *at gets the slot to fill. */
static int strmap_find(const struct strmap *m, const char *s, const char *(*key)(const void *, int),
		       const void *ctx, size_t *at)
{
	if (!m->cap)
		return -1;
	for (size_t i = str_hash(s) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slot[i]) {
			*at = i;
			return -1;
		}
		if (strcmp(key(ctx, m->slot[i] - 1), s) == 0)
			return m->slot[i] - 1;
	}
}

static void strmap_grow(struct strmap *m, const char *(*key)(const void *, int), const void *ctx)
{
	struct strmap g = { xcalloc(m->cap ? m->cap * 2 : 64, sizeof *g.slot), m->cap ? m->cap * 2 : 64, m->n };
	for (size_t i = 0; i < m->cap; i++) {
		size_t at = 0;
		if (m->slot[i] && strmap_find(&g, key(ctx, m->slot[i] - 1), key, ctx, &at) < 0)
			g.slot[at] = m->slot[i];
	}
	free(m->slot);
	*m = g;
}

/* Stores index under key(ctx, index), which must not be there yet. */
static void strmap_add(struct strmap *m, int index, const char *(*key)(const void *, int), const void *ctx)
{
	size_t at = 0;
	if ((m->n + 1) * 2 > m->cap)
		strmap_grow(m, key, ctx);
	strmap_find(m, key(ctx, index), key, ctx, &at);
	m->slot[at] = index + 1;
	m->n++;
}

/* ---- the status events of every item, grouped by item */

struct history {
	struct status_event *ev;
	size_t nev, evcap;
	struct run {
		char id[37];
		size_t first;
		int n;
	} *runs;
	int nruns, runcap;
	struct strmap by_id;
};

static const char *run_id(const void *ctx, int i)
{
	return ((const struct history *)ctx)->runs[i].id;
}

static void history_add(struct history *h, struct hour_cache *hc, const char *id, const char *old, const char *new,
			const char *at)
{
	struct run *last = h->nruns ? &h->runs[h->nruns - 1] : NULL;
	if (!last || strcmp(last->id, id) != 0) {
		if (strlen(id) >= sizeof last->id)
			return; /* not an item id: no item has it */
		if (h->nruns == h->runcap) {
			h->runcap = h->runcap ? h->runcap * 2 : 256;
			h->runs = xrealloc(h->runs, (size_t)h->runcap * sizeof *h->runs);
		}
		last = &h->runs[h->nruns];
		memcpy(last->id, id, strlen(id) + 1);
		last->first = h->nev;
		last->n = 0;
		strmap_add(&h->by_id, h->nruns++, run_id, h);
	}
	if (h->nev == h->evcap) {
		h->evcap = h->evcap ? h->evcap * 2 : 1024;
		h->ev = xrealloc(h->ev, h->evcap * sizeof *h->ev);
	}
	struct status_event *v = &h->ev[h->nev++];
	v->day = local_day(hc, at);
	v->from = old ? duban_status_parse(old) : -1;
	v->to = new ? duban_status_parse(new) : -1;
	last->n++;
}

/* The events of the item id, in order (none: n = 0). */
static const struct status_event *history_of(const struct history *h, const char *id, int *n)
{
	size_t at;
	int i = strmap_find(&h->by_id, id, run_id, h, &at);
	*n = i < 0 ? 0 : h->runs[i].n;
	return i < 0 ? NULL : &h->ev[h->runs[i].first];
}

static void history_free(struct history *h)
{
	free(h->ev);
	free(h->runs);
	free(h->by_id.slot);
}

static enum duban_err load_history(duban_store *st, struct history *h, struct hour_cache *hc)
{
	/* NOT INDEXED: one pass over the table and a sort of the status
	 * events, not a walk of the item index that visits every event row
	 * (creations, field changes) at random. */
	sqlite3_stmt *s = store_stmt_sql(st, "/* report */ SELECT item_id, old_value, new_value, created_at"
					     " FROM event NOT INDEXED WHERE field = 'status' ORDER BY item_id, seq");
	if (!s)
		return DUBAN_ERR_DB;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		const char *at = (const char *)sqlite3_column_text(s, 3);
		if (id && at)
			history_add(h, hc, id, (const char *)sqlite3_column_text(s, 1),
				    (const char *)sqlite3_column_text(s, 2), at);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, "report");
}

/* The status at the end of day t: the last status event on or before t; with
 * none, the status the first later event started from; with no events at all,
 * the status the item was created with (still its status now).  -1 when the
 * item did not exist yet. */
static int status_at(const struct entry *e, duban_date t)
{
	if (e->created != DUBAN_DATE_NONE && e->created > t)
		return -1;
	int s = -2;
	for (int i = 0; i < e->nev; i++)
		if (e->ev[i].day <= t && e->ev[i].to >= 0)
			s = e->ev[i].to;
	if (s >= 0)
		return s;
	for (int i = 0; i < e->nev; i++)
		if (e->ev[i].day > t && e->ev[i].from >= 0)
			return e->ev[i].from;
	return (int)e->status;
}

/* Did the item move from not done to done (or to closed) within p?  Returns
 * the day of the first such move, else NONE; *to gets the status reached. */
static duban_date reached_in(const struct entry *e, struct duban_period p, bool closed_only, int *to)
{
	for (int i = 0; i < e->nev; i++) {
		const struct status_event *v = &e->ev[i];
		if (v->day < p.from || v->day > p.to)
			continue;
		bool hit = closed_only ? v->to == DUBAN_STATUS_CLOSED && v->from != DUBAN_STATUS_CLOSED
				       : is_done(v->to) && !is_done(v->from);
		if (hit) {
			if (to)
				*to = v->to;
			return v->day;
		}
	}
	return DUBAN_DATE_NONE;
}

/* Supervision actions issued within the period on the items the bulletin
 * covers, counted by kind in one aggregate query. */
static enum duban_err count_actions(duban_store *st, const struct duban_filter *f, struct duban_report *r)
{
	sqlite3_stmt *s = store_filter_stmt(st, f,
					    "/* report */ SELECT kind, count(*) FROM action"
					    " WHERE date >= ?1 AND date <= ?2"
					    " AND EXISTS (SELECT 1 FROM item WHERE id = action.item_id",
					    true, ") GROUP BY kind");
	char a[11], b[11];
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_text(s, 1, duban_date_format(r->period.from, a), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, duban_date_format(r->period.to, b), -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 0);
		int k = kind ? duban_action_kind_parse(kind) : -1;
		if (k >= 0)
			r->actions[k] += sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, "report");
}

/* Rebounds (反弹): closed items returned to work (duban reopen) within the
 * period, by the day the change was recorded (UTC). */
static enum duban_err count_rebounds(duban_store *st, const struct duban_filter *f, struct duban_report *r)
{
	sqlite3_stmt *s = store_filter_stmt(st, f,
					    "/* report */ SELECT count(*) FROM event"
					    " WHERE field = 'status' AND old_value = 'closed' AND new_value = 'in_progress'"
					    " AND substr(created_at, 1, 10) BETWEEN ?1 AND ?2"
					    " AND EXISTS (SELECT 1 FROM item WHERE id = event.item_id",
					    true, ")");
	char a[11], b[11];
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_text(s, 1, duban_date_format(r->period.from, a), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, duban_date_format(r->period.to, b), -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r->rebounds = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? DUBAN_OK : store_db_fail(st, "report");
}

static void list_add(struct list *l, int ncols, ...)
{
	va_list ap;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->rows = xrealloc(l->rows, (size_t)l->cap * sizeof *l->rows);
	}
	char **row = xcalloc((size_t)ncols, sizeof *row);
	va_start(ap, ncols);
	for (int i = 0; i < ncols; i++)
		row[i] = va_arg(ap, char *); /* taken over */
	va_end(ap);
	l->ncols = ncols;
	l->rows[l->n++] = row;
}

static void list_free(struct list *l)
{
	for (int i = 0; i < l->n; i++) {
		for (int j = 0; j < l->ncols; j++)
			free(l->rows[i][j]);
		free(l->rows[i]);
	}
	free(l->rows);
}

static char *date_str(duban_date d)
{
	char buf[11];
	return xstrdup(duban_date_format(d, buf));
}

/* A county or unit as the tables show it. */
static const char *county_name(const char *s)
{
	return *s ? s : "（未填）";
}

/* Sort keys travel in the first cells: the lists are sorted on them before
 * the key cells are formatted, so keep a parallel key array instead. */
struct keyed {
	long long key;
	const char *code;
	char **row;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->code, y->code);
}

static void sort_list(struct list *l, long long *keys, int code_col)
{
	struct keyed *k = xcalloc((size_t)l->n + 1, sizeof *k);
	for (int i = 0; i < l->n; i++) {
		k[i].key = keys[i];
		k[i].code = l->rows[i][code_col];
		k[i].row = l->rows[i];
	}
	qsort(k, (size_t)l->n, sizeof *k, keyed_cmp);
	for (int i = 0; i < l->n; i++)
		l->rows[i] = k[i].row;
	free(k);
}

/* n: the keys so far; the array doubles when n is a power of two. */
static long long *key_add(long long *keys, int n, long long key)
{
	if ((n & (n - 1)) == 0)
		keys = xrealloc(keys, (size_t)(n ? 2 * n : 1) * sizeof *keys);
	keys[n] = key;
	return keys;
}

static int group_cmp(const void *a, const void *b)
{
	const struct duban_report_group *x = a, *y = b;
	/* Completion rate descending, compared without rounding. */
	long long l = x->done * (y->items ? y->items : 1), r = y->done * (x->items ? x->items : 1);
	if (x->items == 0 || y->items == 0)
		l = x->items ? 1 : 0, r = y->items ? 1 : 0;
	if (l != r)
		return l > r ? -1 : 1;
	if (x->items != y->items)
		return x->items > y->items ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char *group_name(const void *ctx, int i)
{
	return ((const struct duban_report *)ctx)->groups[i].name;
}

static struct duban_report_group *group_get(struct duban_report *r, struct strmap *names, const char *name)
{
	size_t at;
	int i = strmap_find(names, name, group_name, r, &at);
	if (i >= 0)
		return &r->groups[i];
	r->groups = xrealloc(r->groups, (size_t)(r->ngroups + 1) * sizeof *r->groups);
	struct duban_report_group *g = &r->groups[r->ngroups];
	memset(g, 0, sizeof *g);
	g->name = xstrdup(name);
	strmap_add(names, r->ngroups++, group_name, r);
	return g;
}

/* Appends "label：value" (or the value alone when label is NULL) to the
 * scope line. */
static void scope_add(struct duban_buf *b, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	if (b->len)
		duban_buf_puts(b, "；");
	if (label)
		duban_buf_printf(b, "%s：", label);
	duban_buf_puts(b, value);
}

/* The statuses or lights of a mask, "、" between them; when it holds most of
 * them, the others: "除已销号外". */
static char *mask_names(unsigned mask, int count, const char *(*name)(int))
{
	struct duban_buf b;
	int n = 0;
	for (int i = 0; i < count; i++)
		n += (mask >> i) & 1;
	bool except = n > count / 2 + 1;
	duban_buf_init(&b);
	for (int i = 0; i < count; i++) {
		if (((mask >> i) & 1) == (unsigned)except)
			continue;
		if (b.len)
			duban_buf_puts(&b, "、");
		duban_buf_puts(&b, name(i));
	}
	char *names = duban_buf_steal(&b);
	if (!except)
		return names;
	char *s = xasprintf("除%s外", names);
	free(names);
	return s;
}

static const char *status_zh_of(int i) { return duban_status_zh((enum duban_status)i); }
static const char *light_zh_of(int i)
{
	static const char *const names[DUBAN_LIGHT_COUNT] = { "红灯", "黄灯", "绿灯", "蓝灯", "灰灯" };
	return names[i];
}

/* The filter in the bulletin's words, for the line under the title: the
 * county first and alone, as offices write a county's bulletin. */
static char *scope_of(const struct duban_filter *f)
{
	struct duban_buf b;
	char d[11];
	duban_buf_init(&b);
	scope_add(&b, NULL, f->county);
	scope_add(&b, NULL, f->township);
	scope_add(&b, "领域", f->category);
	scope_add(&b, "责任单位", f->unit);
	scope_add(&b, "督察轮次", f->round);
	if (f->kind == DUBAN_KIND_PROBLEM)
		scope_add(&b, NULL, "反馈问题");
	else if (f->kind == DUBAN_KIND_COMPLAINT)
		scope_add(&b, NULL, "信访举报件");
	if (f->status_mask) {
		char *m = mask_names(f->status_mask, DUBAN_STATUS_COUNT, status_zh_of);
		scope_add(&b, "状态", m);
		free(m);
	}
	if (f->light_mask) {
		char *m = mask_names(f->light_mask, DUBAN_LIGHT_COUNT, light_zh_of);
		scope_add(&b, "预警", m);
		free(m);
	}
	if (f->overdue)
		scope_add(&b, NULL, "逾期未完成");
	if (f->due_after != DUBAN_DATE_NONE)
		scope_add(&b, "整改时限不早于", duban_date_format(f->due_after, d));
	if (f->due_before != DUBAN_DATE_NONE)
		scope_add(&b, "整改时限不晚于", duban_date_format(f->due_before, d));
	scope_add(&b, "关键词", f->text);
	if (f->text && *f->text && f->linked)
		scope_add(&b, NULL, "含关联事项");
	scope_add(&b, "同一场所", f->site);
	if (b.len == 0) {
		duban_buf_free(&b);
		return NULL;
	}
	return duban_buf_steal(&b);
}

/* The columns a bulletin reads of an item, in the order of enum col. */
static const char item_sql[] =
	"/* report */ SELECT id, kind, code, title, county, lead_unit, leader, start, deadline, deadline_kind,"
	" status, progress, verdict, rectify_orders, fines, penalty_cases, criminal_cases, detentions, summons,"
	" accountability_count, created_at FROM item";
enum col {
	C_ID, C_KIND, C_CODE, C_TITLE, C_COUNTY, C_LEAD, C_LEADER, C_START, C_DEADLINE, C_DKIND,
	C_STATUS, C_PROGRESS, C_VERDICT, C_ORDERS, C_FINES, C_PENALTY, C_CRIMINAL, C_DETENTIONS, C_SUMMONS,
	C_ACCOUNTABILITY, C_CREATED
};

static const char *col_text(sqlite3_stmt *s, enum col c)
{
	const char *t = (const char *)sqlite3_column_text(s, (int)c);
	return t ? t : "";
}

static duban_date col_date(sqlite3_stmt *s, enum col c)
{
	if (sqlite3_column_type(s, (int)c) != SQLITE_TEXT)
		return DUBAN_DATE_NONE;
	return duban_date_parse((const char *)sqlite3_column_text(s, (int)c));
}

/* An enum column as the item reader decodes it: an unreadable value is the
 * new item's default. */
static int col_enum(sqlite3_stmt *s, enum col c, int (*parse)(const char *), int dflt)
{
	int v = parse(col_text(s, c));
	return v < 0 ? dflt : v;
}

static void read_entry(sqlite3_stmt *s, const struct history *h, struct hour_cache *hc, struct entry *e)
{
	memset(e, 0, sizeof *e);
	e->kind = (enum duban_kind)col_enum(s, C_KIND, duban_kind_parse, DUBAN_KIND_PROBLEM);
	e->status = (enum duban_status)col_enum(s, C_STATUS, duban_status_parse, DUBAN_STATUS_NOT_STARTED);
	e->deadline_kind = (enum duban_deadline_kind)col_enum(s, C_DKIND, duban_deadline_kind_parse,
							     DUBAN_DEADLINE_DATE);
	e->verdict = (enum duban_verdict)col_enum(s, C_VERDICT, duban_verdict_parse, DUBAN_VERDICT_NONE);
	e->start = col_date(s, C_START);
	e->deadline = col_date(s, C_DEADLINE);
	e->progress = sqlite3_column_int(s, C_PROGRESS);
	e->en.rectify_orders = sqlite3_column_int(s, C_ORDERS);
	e->en.fines = sqlite3_column_double(s, C_FINES);
	e->en.penalty_cases = sqlite3_column_int(s, C_PENALTY);
	e->en.criminal_cases = sqlite3_column_int(s, C_CRIMINAL);
	e->en.detentions = sqlite3_column_int(s, C_DETENTIONS);
	e->en.summons = sqlite3_column_int(s, C_SUMMONS);
	e->en.accountability = sqlite3_column_int(s, C_ACCOUNTABILITY);
	e->created = local_day(hc, col_text(s, C_CREATED));
	e->ev = history_of(h, col_text(s, C_ID), &e->nev);
}

static char *deadline_cell(const struct entry *e)
{
	if (e->deadline == DUBAN_DATE_NONE)
		return xstrdup(duban_deadline_kind_zh(e->deadline_kind));
	return date_str(e->deadline);
}

/* The state of the build: the sort keys of the list rows, the group names. */
struct build {
	long long *kover, *kdone, *kup;
	struct strmap groups;
	struct hour_cache *hours;
};

/* The weeks of the chart: Monday-first weeks from the period's first day up
 * to the "as of" day, widened to at least DUBAN_REPORT_MIN_WEEKS and cut to
 * the last DUBAN_REPORT_MAX_WEEKS, so a week's bulletin still draws a line. */
static void weeks_init(struct duban_report *r)
{
	duban_date last = r->asof - duban_date_weekday(r->asof);
	duban_date first = r->period.from - duban_date_weekday(r->period.from);
	if (first > last - 7 * (DUBAN_REPORT_MIN_WEEKS - 1))
		first = last - 7 * (DUBAN_REPORT_MIN_WEEKS - 1);
	if (first < last - 7 * (DUBAN_REPORT_MAX_WEEKS - 1))
		first = last - 7 * (DUBAN_REPORT_MAX_WEEKS - 1);
	r->nweeks = (last - first) / 7 + 1;
	r->weeks = xcalloc((size_t)r->nweeks, sizeof *r->weeks);
	for (int i = 0; i < r->nweeks; i++) {
		r->weeks[i].from = first + 7 * i;
		r->weeks[i].to = first + 7 * i + 6 < r->asof ? first + 7 * i + 6 : r->asof;
	}
}

/* Counts one item in each week of the chart. */
static void weeks_add(struct duban_report *r, const struct entry *e)
{
	for (int i = 0; i < r->nweeks; i++) {
		struct duban_report_week *w = &r->weeks[i];
		struct duban_period p = { w->from, w->to };
		if (reached_in(e, p, false, NULL) != DUBAN_DATE_NONE)
			w->completed++;
		int st = status_at(e, w->to);
		if (st >= 0 && !is_done(st) && e->deadline != DUBAN_DATE_NONE && e->deadline < w->to
		    && e->deadline_kind != DUBAN_DEADLINE_ONGOING)
			w->overdue++;
	}
}

/* Adds one item (the row s, decoded into e) to the figures and lists. */
static void add_item(duban_store *st, struct duban_report *r, struct build *b, sqlite3_stmt *s,
		     const struct entry *e, const struct duban_light_rules *rules)
{
	int sn = status_at(e, r->asof), ps = status_at(e, r->previous.to);
	int to = 0;

	if (ps >= 0) {
		r->prev_items++;
		r->prev_done += is_done(ps);
	}
	if (reached_in(e, r->previous, false, NULL) != DUBAN_DATE_NONE)
		r->prev_completed++;
	if (reached_in(e, r->previous, true, NULL) != DUBAN_DATE_NONE)
		r->prev_closed++;
	weeks_add(r, e);
	if (sn < 0)
		return;
	r->items++;
	r->by_status[sn]++;
	enum duban_light light = duban_light_of((enum duban_status)sn, e->deadline_kind, e->start, e->deadline,
						e->progress, r->asof, rules);
	r->by_light[light]++;
	bool done = is_done(sn);
	bool overdue = !done && e->deadline != DUBAN_DATE_NONE && e->deadline < r->asof
		       && e->deadline_kind != DUBAN_DEADLINE_ONGOING;
	/* Lagging: behind its schedule by the light rules' margin, not yet overdue. */
	bool lagging = !done && !overdue && e->deadline_kind != DUBAN_DEADLINE_ONGOING
		       && duban_schedule_lag(e->start, e->deadline, e->progress, r->asof) > rules->lag_yellow;
	struct duban_report_group *g = group_get(
		r, &b->groups, county_name(col_text(s, r->by == DUBAN_REPORT_BY_UNIT ? C_LEAD : C_COUNTY)));
	g->items++;
	g->done += done;
	g->overdue += overdue;
	g->lagging += lagging;
	r->done += done;
	r->overdue += overdue;

	if (overdue) {
		char *note = duban_latest_note(st, col_text(s, C_ID));
		list_add(&r->priv->overdue, 7, xstrdup(col_text(s, C_CODE)), xstrdup(col_text(s, C_TITLE)),
			 xstrdup(col_text(s, C_LEAD)), xstrdup(col_text(s, C_LEADER)), deadline_cell(e),
			 xasprintf("%d", r->asof - e->deadline), note ? note : xstrdup(""));
		b->kover = key_add(b->kover, r->priv->overdue.n - 1, -(long long)(r->asof - e->deadline));
	}
	duban_date day = reached_in(e, r->period, false, &to);
	if (day != DUBAN_DATE_NONE) {
		r->completed++;
		list_add(&r->priv->completed, 5, date_str(day), xstrdup(col_text(s, C_CODE)),
			 xstrdup(col_text(s, C_TITLE)), xstrdup(county_name(col_text(s, C_COUNTY))),
			 xstrdup(duban_status_zh((enum duban_status)to)));
		b->kdone = key_add(b->kdone, r->priv->completed.n - 1, day);
	}
	if (reached_in(e, r->period, true, NULL) != DUBAN_DATE_NONE)
		r->closed++;
	if (!done && e->deadline != DUBAN_DATE_NONE && e->deadline_kind != DUBAN_DEADLINE_ONGOING
	    && e->deadline > r->asof && e->deadline <= r->asof + UPCOMING_DAYS) {
		list_add(&r->priv->upcoming, 6, xstrdup(col_text(s, C_CODE)), xstrdup(col_text(s, C_TITLE)),
			 xstrdup(county_name(col_text(s, C_COUNTY))), xstrdup(col_text(s, C_LEAD)), deadline_cell(e),
			 xasprintf("%d", e->deadline - r->asof));
		b->kup = key_add(b->kup, r->priv->upcoming.n - 1, e->deadline);
	}
	if (e->kind == DUBAN_KIND_COMPLAINT) {
		r->complaints++;
		r->by_verdict[e->verdict]++;
		if (sn == DUBAN_STATUS_CLOSED)
			r->handled_closed++;
		else if (done)
			r->handled_stage++;
		else
			r->handled_open++;
		r->enforcement.rectify_orders += e->en.rectify_orders;
		r->enforcement.fines += e->en.fines;
		r->enforcement.penalty_cases += e->en.penalty_cases;
		r->enforcement.criminal_cases += e->en.criminal_cases;
		r->enforcement.detentions += e->en.detentions;
		r->enforcement.summons += e->en.summons;
		r->enforcement.accountability += e->en.accountability;
	}
}

/* One pass over the filtered items' rows, in storage order (the lists and
 * groups are sorted on keys that do not depend on it). */
static enum duban_err scan_items(duban_store *st, const struct duban_filter *f, struct duban_report *r,
				 struct build *b, const struct history *h, struct duban_progress *progress)
{
	const struct duban_light_rules *rules = duban_store_light_rules(st);
	sqlite3_stmt *s;
	struct entry e;
	long long n = 0;
	int rc;

	s = store_filter_stmt(st, f, item_sql, false, NULL);
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_entry(s, h, b->hours, &e);
		add_item(st, r, b, s, &e, rules);
		if ((++n & 1023) == 0 && duban_progress_update(progress, n) != 0) {
			rc = SQLITE_INTERRUPT;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_INTERRUPT)
		return DUBAN_ERR_INTERRUPTED;
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, "report");
}

/* ---------------------------------------------------------------- 调度 */

static char *pct_cell(int part, int whole)
{
	return whole > 0 ? xasprintf("%.1f%%", 100.0 * part / whole) : xstrdup("—");
}

/* The ids of the items the bulletin's filter keeps, sorted. */
struct id_set {
	char (*ids)[37];
	size_t n;
};

static int collect_id(const struct duban_item *item, void *ctx)
{
	struct id_set *set = ctx;

	set->ids = xrealloc(set->ids, (set->n + 1) * sizeof *set->ids);
	snprintf(set->ids[set->n++], 37, "%s", item->id);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The latest round's members the bulletin's filter keeps (all without a
 * filter); the rest freed.  Returns how many are kept. */
static size_t dispatch_keep(duban_store *st, const struct duban_report *r, const struct duban_filter *f,
			    struct duban_dispatch_member *m, size_t n, enum duban_err *err)
{
	struct id_set set = { 0 };
	size_t k = 0;

	*err = DUBAN_OK;
	if (!r->scope)
		return n;
	if ((*err = duban_query_each(st, f, DUBAN_SORT_CODE, collect_id, &set)) == DUBAN_OK && set.n > 1)
		qsort(set.ids, set.n, sizeof *set.ids, id_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!*err && set.n && bsearch(m[i].item_id, set.ids, set.n, sizeof *set.ids, id_cmp)) {
			m[k++] = m[i];
			continue;
		}
		duban_dispatch_member_clear(&m[i]);
	}
	free(set.ids);
	return k;
}

/* Missing (once the due date passed) before late, then by county and code. */
static int laggard_cmp(const void *pa, const void *pb)
{
	const struct duban_dispatch_member *a = pa, *b = pb;
	int c;

	if (a->state != b->state)
		return a->state == DUBAN_DISPATCH_MISSING ? -1 : 1;
	if ((c = strcmp(a->county, b->county)) != 0)
		return c;
	return strcmp(a->code, b->code);
}

static void dispatch_rows(struct duban_report_priv *p, const struct duban_dispatch *d,
			  struct duban_dispatch_member *m, size_t n, enum duban_report_by by, duban_date today)
{
	struct duban_dispatch_group *g;
	size_t ng;
	char day[11];

	duban_dispatch_status(m, n, by == DUBAN_REPORT_BY_UNIT ? DUBAN_DISPATCH_BY_UNIT : DUBAN_DISPATCH_BY_COUNTY, &g,
			      &ng);
	for (size_t i = 0; i < ng; i++)
		list_add(&p->dispatch_groups, 7, xstrdup(g[i].key ? county_name(g[i].key) : "合计"),
			 xasprintf("%d", g[i].scope), xasprintf("%d", g[i].on_time), xasprintf("%d", g[i].late),
			 xasprintf("%d", g[i].missing), pct_cell(g[i].reported, g[i].scope),
			 isnan(g[i].mean_progress) ? xstrdup("—") : xasprintf("%.1f%%", g[i].mean_progress));
	const struct duban_dispatch_group *t = &g[ng - 1];
	char *rate_text = pct_cell(t->reported, t->scope);
	char *mean = isnan(t->mean_progress) ? xstrdup("") : xasprintf("；已报送事项平均整改进度%.1f%%", t->mean_progress);
	p->dispatch_head = xasprintf("最近一轮调度：%s%s%s%s，报送截止%s，%s。应报送%d项，按时报送%d项，逾期报送%d项，"
				     "未报送%d项，报送率%s%s。%s",
				     d->name, *d->title ? "（" : "", d->title, *d->title ? "）" : "",
				     duban_date_format(d->due, day), d->closed ? "已结束" : "进行中", t->scope, t->on_time,
				     t->late, t->missing, rate_text, mean,
				     today <= d->due && !d->closed ? "报送尚未截止。" : "");
	free(rate_text);
	free(mean);
	duban_dispatch_groups_free(g, ng);
	qsort(m, n, sizeof *m, laggard_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m[i].state == DUBAN_DISPATCH_ON_TIME || (m[i].state == DUBAN_DISPATCH_MISSING && today <= d->due))
			continue;
		list_add(&p->dispatch_late, 5, xstrdup(m[i].code), xstrdup(m[i].title), xstrdup(county_name(m[i].county)),
			 xstrdup(m[i].lead_unit),
			 m[i].state == DUBAN_DISPATCH_LATE ? xasprintf("逾期报送（%s）", duban_date_format(m[i].first_on, day))
							   : xstrdup("未报送"));
	}
}

/* 八: the latest round, as of today (like the public notice's figures). */
static enum duban_err build_dispatch(duban_store *st, struct duban_report *r, const struct duban_filter *f)
{
	struct duban_dispatch d;
	struct duban_dispatch_member *m;
	size_t n;
	enum duban_err err = duban_dispatch_latest(st, &d);

	if (err == DUBAN_ERR_NOT_FOUND)
		return DUBAN_OK;
	if (err)
		return err;
	if ((err = duban_dispatch_members(st, d.name, &m, &n)) == DUBAN_OK) {
		n = dispatch_keep(st, r, f, m, n, &err);
		if (!err && n > 0)
			dispatch_rows(r->priv, &d, m, n, r->by, r->today);
		duban_dispatch_members_free(m, n);
	}
	duban_dispatch_free(&d);
	return err;
}

enum duban_err duban_report_build(duban_store *st, struct duban_period period, const struct duban_filter *filter,
				  enum duban_report_by by, duban_date today, struct duban_report **out)
{
	return duban_report_build_progress(st, period, filter, by, today, NULL, out);
}

enum duban_err duban_report_build_progress(duban_store *st, struct duban_period period,
					   const struct duban_filter *filter, enum duban_report_by by,
					   duban_date today, struct duban_progress *progress,
					   struct duban_report **out)
{
	struct duban_filter f;
	struct history h = { 0 };
	struct build b = { 0 };
	struct duban_report *r = xcalloc(1, sizeof *r);
	enum duban_err err;

	r->priv = xcalloc(1, sizeof *r->priv);
	r->period = period;
	r->previous = duban_period_previous(period);
	r->asof = period.to < today ? period.to : today;
	r->today = today;
	r->by = by;
	if (filter)
		f = *filter;
	else
		duban_filter_init(&f);
	r->county = f.county && *f.county ? xstrdup(f.county) : NULL;
	r->scope = scope_of(&f);
	weeks_init(r);
	*out = NULL;

	b.hours = xcalloc(1, sizeof *b.hours);
	err = load_history(st, &h, b.hours);
	if (err == DUBAN_OK)
		err = count_actions(st, &f, r);
	if (err == DUBAN_OK)
		err = count_rebounds(st, &f, r);
	if (err == DUBAN_OK)
		err = build_dispatch(st, r, &f);
	if (err == DUBAN_OK) {
		struct duban_notice_figures nf;
		err = duban_notice_figures(st, &f, today, &nf);
		r->notice_running = nf.running;
		r->notice_ended = nf.ended;
		r->objections = nf.objections;
		r->objections_open = nf.open;
	}
	if (err == DUBAN_OK) {
		long long total = -1;
		if (progress && duban_query_count(st, &f, &total) != DUBAN_OK)
			total = -1;
		duban_progress_set_total(progress, total);
		err = scan_items(st, &f, r, &b, &h, progress);
	}
	if (err == DUBAN_OK) {
		sort_list(&r->priv->overdue, b.kover, 0);
		sort_list(&r->priv->completed, b.kdone, 1);
		sort_list(&r->priv->upcoming, b.kup, 0);
		if (r->ngroups > 1)
			qsort(r->groups, (size_t)r->ngroups, sizeof *r->groups, group_cmp);
	}
	free(b.kover);
	free(b.kdone);
	free(b.kup);
	free(b.groups.slot);
	free(b.hours);
	history_free(&h);
	if (err != DUBAN_OK) {
		duban_report_free(r);
		return err;
	}
	*out = r;
	return DUBAN_OK;
}

void duban_report_free(struct duban_report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->ngroups; i++)
		free(r->groups[i].name);
	free(r->groups);
	if (r->priv) {
		list_free(&r->priv->overdue);
		list_free(&r->priv->completed);
		list_free(&r->priv->upcoming);
		list_free(&r->priv->dispatch_groups);
		list_free(&r->priv->dispatch_late);
		free(r->priv->dispatch_head);
		free(r->priv);
	}
	free(r->county);
	free(r->scope);
	free(r->weeks);
	free(r);
}

/* ---------------------------------------------------------------- writing */

struct writer {
	enum duban_report_format fmt;
	FILE *out;
	int tables; /* CSV: tables written so far (a blank line between two) */
};

/* A table: cells borrowed; max[i] > 0 cuts column i in the text form.  The
 * HTML form also keeps the columns of the nowrap mask (codes, dates) on one
 * line, marks every row as overdue when mark is set, merges runs of equal
 * first cells when merge is set, narrow tables do not span the page, and
 * pct gives the columns their share of the width (browsers, Word and WPS all
 * honour <col> widths, so long titles and notes do not starve). */
struct table {
	const char *name;
	int ncols;
	const char *const *heads;
	const bool *right;
	const int *max;
	char ***rows;
	int nrows;
	unsigned nowrap;
	bool mark, merge, narrow;
	const int *pct; /* HTML column widths in percent, or NULL */
};

/* Bulletin-specific additions to the shared page style. */
static const char html_css[] =
	"table.narrow { width: auto; min-width: 55%; }\n"
	"table.list { font-size: 9.5pt; }\n"
	"td.nw { white-space: nowrap; }\n"
	"td.group { text-align: center; vertical-align: middle; }\n"
	"p.none { color: #444; }\n"
	"p.date { text-align: right; text-indent: 0; margin-top: 2em; }\n";

static void w_title(struct writer *w, const char *title, const char *sub)
{
	switch (w->fmt) {
	case DUBAN_REPORT_TEXT:
		fprintf(w->out, "%s\n%s\n", title, sub);
		break;
	case DUBAN_REPORT_MD:
		fprintf(w->out, "# %s\n\n%s\n", title, sub);
		break;
	case DUBAN_REPORT_HTML: {
		char *css = xasprintf("%s%s", html_css, duban_chart_css);
		duban_html_begin(w->out, title, css);
		free(css);
		fputs("<h1>", w->out);
		duban_html_escape(w->out, title);
		fputs("</h1>\n<p class=\"meta\">", w->out);
		duban_html_escape(w->out, sub);
		fputs("</p>\n", w->out);
		break;
	}
	default:
		break;
	}
}

static void w_section(struct writer *w, const char *name)
{
	if (w->fmt == DUBAN_REPORT_TEXT)
		fprintf(w->out, "\n%s\n", name);
	else if (w->fmt == DUBAN_REPORT_MD)
		fprintf(w->out, "\n## %s\n", name);
	else if (w->fmt == DUBAN_REPORT_HTML) {
		fputs("<h2>", w->out);
		duban_html_escape(w->out, name);
		fputs("</h2>\n", w->out);
	}
}

/* An HTML cell's text: sanitised like every other form, line breaks kept. */
static void html_text(FILE *out, const char *s)
{
	char *clean = duban_sanitize(s, true);
	duban_html_escape_lines(out, clean);
	free(clean);
}

static void w_para_class(struct writer *w, const char *text, const char *cls)
{
	if (w->fmt == DUBAN_REPORT_TEXT)
		fprintf(w->out, "%s\n", text);
	else if (w->fmt == DUBAN_REPORT_MD)
		fprintf(w->out, "\n%s\n", text);
	else if (w->fmt == DUBAN_REPORT_HTML) {
		if (cls)
			fprintf(w->out, "<p class=\"%s\">", cls);
		else
			fputs("<p>", w->out);
		html_text(w->out, text);
		fputs("</p>\n", w->out);
	}
}

static void w_para(struct writer *w, const char *text)
{
	w_para_class(w, text, NULL);
}

/* How many rows from i on share row i's first cell. */
static int run_length(const struct table *t, int i)
{
	int n = 1;
	while (i + n < t->nrows && strcmp(t->rows[i + n][0], t->rows[i][0]) == 0)
		n++;
	return n;
}

static void html_table(FILE *out, const struct table *t)
{
	/* Item lists (the tables with column shares) carry long titles and
	 * notes: a smaller type keeps those columns readable on A4. */
	const char *cls = t->narrow ? " class=\"narrow\"" : t->pct ? " class=\"list\"" : "";
	fprintf(out, "<table%s>\n", cls);
	if (t->pct) {
		fputs("<colgroup>", out);
		for (int j = 0; j < t->ncols; j++)
			fprintf(out, "<col style=\"width: %d%%\">", t->pct[j]);
		fputs("</colgroup>\n", out);
	}
	fputs("<thead><tr>", out);
	for (int j = 0; j < t->ncols; j++) {
		fputs("<th>", out);
		duban_html_escape(out, t->heads[j]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (int i = 0, run = 0; i < t->nrows; i++) {
		fputs(t->mark ? "<tr class=\"overdue\">" : "<tr>", out);
		for (int j = 0; j < t->ncols; j++) {
			if (j == 0 && t->merge) {
				if (run-- > 0)
					continue; /* covered by the rowspan above */
				run = run_length(t, i) - 1;
				if (run > 0)
					fprintf(out, "<td class=\"group\" rowspan=\"%d\">", run + 1);
				else
					fputs("<td class=\"group\">", out);
			} else if (t->right[j])
				fputs("<td class=\"num\">", out);
			else if (t->nowrap & (1u << j))
				fputs("<td class=\"nw\">", out);
			else
				fputs("<td>", out);
			html_text(out, t->rows[i][j]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

/* Markdown cell: one line, pipes escaped. */
static void md_cell(FILE *out, const char *s)
{
	char *clean = duban_sanitize(s, false);
	for (const char *p = clean; *p; p++) {
		if (*p == '|')
			fputc('\\', out);
		fputc(*p, out);
	}
	free(clean);
}

/* A report's CSV cell is sanitised like its other forms (and like `list
 * --format csv`): the bulletin is a view, not the data `export` keeps exact. */
static void csv_cell(FILE *out, const char *s, bool first)
{
	char *clean = duban_sanitize(s, true);
	duban_csv_write_cell(out, clean, first);
	free(clean);
}

static void w_table(struct writer *w, const struct table *t)
{
	if (w->fmt == DUBAN_REPORT_CSV) {
		if (w->tables++)
			fputc('\n', w->out);
		csv_cell(w->out, t->name, true);
		duban_csv_end_record(w->out);
		for (int j = 0; j < t->ncols; j++)
			csv_cell(w->out, t->heads[j], j == 0);
		duban_csv_end_record(w->out);
		for (int i = 0; i < t->nrows; i++) {
			for (int j = 0; j < t->ncols; j++)
				csv_cell(w->out, t->rows[i][j], j == 0);
			duban_csv_end_record(w->out);
		}
		return;
	}
	if (t->nrows == 0) {
		w_para_class(w, "（无）", "none");
		return;
	}
	if (w->fmt == DUBAN_REPORT_HTML) {
		html_table(w->out, t);
		return;
	}
	fputc('\n', w->out);
	if (w->fmt == DUBAN_REPORT_MD) {
		for (int j = 0; j < t->ncols; j++) {
			fputs("| ", w->out);
			md_cell(w->out, t->heads[j]);
			fputc(' ', w->out);
		}
		fputs("|\n", w->out);
		for (int j = 0; j < t->ncols; j++)
			fputs(t->right[j] ? "| ---: " : "| --- ", w->out);
		fputs("|\n", w->out);
		for (int i = 0; i < t->nrows; i++) {
			for (int j = 0; j < t->ncols; j++) {
				fputs("| ", w->out);
				md_cell(w->out, t->rows[i][j]);
				fputc(' ', w->out);
			}
			fputs("|\n", w->out);
		}
		return;
	}
	/* Text: every cell sanitised (and cut where the column has a maximum),
	 * columns as wide as their widest cell by display width. */
	int n = t->nrows, total = 0;
	char **cells = xcalloc((size_t)(n + 1) * (size_t)t->ncols, sizeof *cells);
	int *width = xcalloc((size_t)t->ncols, sizeof *width);
	for (int i = 0; i <= n; i++)
		for (int j = 0; j < t->ncols; j++) {
			const char *s = i == 0 ? t->heads[j] : t->rows[i - 1][j];
			char *clean = duban_sanitize(s, false);
			if (t->max[j] > 0 && duban_str_width(clean) > t->max[j]) {
				char *cut = duban_truncate(clean, t->max[j]);
				free(clean);
				clean = cut;
			}
			cells[i * t->ncols + j] = clean;
			int cw = duban_str_width(clean);
			if (cw > width[j])
				width[j] = cw;
		}
	for (int j = 0; j < t->ncols; j++)
		total += width[j] + (j ? 2 : 0);
	for (int i = 0; i <= n; i++) {
		struct duban_buf line;
		duban_buf_init(&line);
		for (int j = 0; j < t->ncols; j++) {
			char *p = duban_pad(cells[i * t->ncols + j], width[j], t->right[j]);
			if (j)
				duban_buf_puts(&line, "  ");
			duban_buf_puts(&line, p);
			free(p);
		}
		char *s = duban_buf_steal(&line);
		/* No trailing blanks: golden files and diffs stay clean. */
		size_t len = strlen(s);
		while (len && s[len - 1] == ' ')
			s[--len] = '\0';
		fprintf(w->out, "%s\n", s);
		free(s);
		if (i == 0) {
			for (int k = 0; k < total; k++)
				fputc('-', w->out);
			fputc('\n', w->out);
		}
	}
	for (int i = 0; i < (n + 1) * t->ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

/* A table of label/value rows built on the spot. */
struct kv {
	char ***rows;
	int n, ncols;
};

static void kv_add(struct kv *k, int ncols, const char *label, ...)
{
	va_list ap;
	k->rows = xrealloc(k->rows, (size_t)(k->n + 1) * sizeof *k->rows);
	char **row = xcalloc((size_t)ncols, sizeof *row);
	row[0] = xstrdup(label);
	va_start(ap, label);
	for (int i = 1; i < ncols; i++)
		row[i] = va_arg(ap, char *); /* taken over */
	va_end(ap);
	k->ncols = ncols;
	k->rows[k->n++] = row;
}

static void kv_free(struct kv *k)
{
	for (int i = 0; i < k->n; i++) {
		for (int j = 0; j < k->ncols; j++)
			free(k->rows[i][j]);
		free(k->rows[i]);
	}
	free(k->rows);
	k->rows = NULL;
	k->n = 0;
}

static char *rate(long long done, long long items)
{
	if (items <= 0)
		return xstrdup("—");
	return xasprintf("%.1f%%", 100.0 * (double)done / (double)items);
}

static char *num(long long n)
{
	return xasprintf("%lld", n);
}

static char *delta(long long now, long long then)
{
	return now > then ? xasprintf("+%lld", now - then) : xasprintf("%lld", now - then);
}

static char *delta_rate(long long d1, long long n1, long long d0, long long n0)
{
	if (n1 <= 0 || n0 <= 0)
		return xstrdup("—");
	double x = 100.0 * (double)d1 / (double)n1 - 100.0 * (double)d0 / (double)n0;
	/* Below the printed precision it is no change, not "-0.0". */
	if (x > -0.05 && x < 0.05)
		return xstrdup("0.0个百分点");
	return xasprintf("%+.1f个百分点", x);
}

static const char *const light_zh[DUBAN_LIGHT_COUNT] = {
	"红灯（逾期/严重滞后）", "黄灯（临期/滞后）", "绿灯（正常推进）", "蓝灯（长期坚持）", "灰灯（已销号）"
};

/* A table of figures: narrow; merge joins the rows of one category. */
static void put_kv(struct writer *w, struct kv *k, const char *name, int ncols, const char *const *heads,
		   const bool *right, bool merge)
{
	static const int nomax[8] = { 0 };
	struct table t = { name, ncols, heads, right, nomax, k->rows, k->n, 0, false, merge, true, NULL };
	w_table(w, &t);
	kv_free(k);
}

/* 二: the ranked table, by county or by lead unit. */
static void put_groups(struct writer *w, const struct duban_report *r)
{
	static const char *const heads[][7] = {
		{ "排名", "县（市、区）", "任务数", "已完成", "完成率", "逾期", "滞后" },
		{ "排名", "牵头单位", "任务数", "已完成", "完成率", "逾期", "滞后" },
	};
	static const bool right[] = { true, false, true, true, true, true, true };
	static const int nomax[7] = { 0 };
	bool unit = r->by == DUBAN_REPORT_BY_UNIT;
	struct kv k = { 0 };

	w_section(w, unit ? "二、各牵头单位进展" : "二、各县（市、区）进展");
	for (int i = 0; i < r->ngroups; i++) {
		const struct duban_report_group *g = &r->groups[i];
		char *rank = num(i + 1);
		kv_add(&k, 7, rank, xstrdup(g->name), num(g->items), num(g->done), rate(g->done, g->items),
		       num(g->overdue), num(g->lagging));
		free(rank);
	}
	struct table t = { unit ? "各牵头单位进展" : "各县（市、区）进展", 7, heads[unit], right, nomax, k.rows, k.n,
			   0, false, false, false, NULL };
	w_table(w, &t);
	kv_free(&k);
	if (w->fmt == DUBAN_REPORT_HTML)
		duban_chart_rates(w->out, r, unit ? "图3　各牵头单位整改完成率" : "图3　各县（市、区）整改完成率");
}

/* 八: the latest 调度 round's completeness and its laggards. */
static void put_dispatch(struct writer *w, const struct duban_report *r)
{
	static const char *const heads[][7] = {
		{ "县（市、区）", "应报送", "按时报送", "逾期报送", "未报送", "报送率", "平均进度" },
		{ "牵头单位", "应报送", "按时报送", "逾期报送", "未报送", "报送率", "平均进度" },
	};
	static const bool right[] = { false, true, true, true, true, true, true };
	static const int nomax[7] = { 0 };
	static const char *const late_heads[] = { "编号", "问题", "县（市、区）", "牵头单位", "报送情况" };
	static const bool late_right[] = { false, false, false, false, false };
	static const int late_max[] = { 0, TEXT_TITLE_COLS, 0, 0, 0 };
	static const int late_pct[] = { 14, 40, 14, 16, 16 };
	const struct duban_report_priv *p = r->priv;
	bool unit = r->by == DUBAN_REPORT_BY_UNIT;

	w_section(w, "八、调度报送情况");
	w_para(w, p->dispatch_head);
	struct table t = { unit ? "调度报送情况（各牵头单位）" : "调度报送情况（各县、市、区）", 7, heads[unit], right, nomax,
			   p->dispatch_groups.rows, p->dispatch_groups.n, 0, false, false, true, NULL };
	w_table(w, &t);
	struct table l = { "未按时报送", 5, late_heads, late_right, late_max, p->dispatch_late.rows, p->dispatch_late.n,
			   1u << 0, false, false, false, late_pct };
	w_table(w, &l);
}

int duban_report_write(const struct duban_report *r, enum duban_report_format fmt, FILE *out)
{
	struct writer w = { fmt, out, 0 };
	char a[11], b[11], c[11], pa[11], pb[11];
	struct kv k = { 0 };
	char *s;

	duban_date_format(r->period.from, a);
	duban_date_format(r->period.to, b);
	duban_date_format(r->asof, c);
	duban_date_format(r->previous.from, pa);
	duban_date_format(r->previous.to, pb);
	s = xasprintf("统计期间：%s 至 %s（数据截至 %s）%s%s", a, b, c, r->scope ? "　范围：" : "",
		      r->scope ? r->scope : "");
	w_title(&w, "生态环境保护督察整改工作进展通报", s);
	free(s);

	/* 1 */
	w_section(&w, "一、总体进展");
	{
		char *rt = rate(r->done, r->items);
		s = xasprintf("截至%s，共有整改任务%lld项，已完成%lld项，完成率%s；本期完成%lld项（上期%lld项），"
			      "销号%lld项；逾期未完成%lld项。上期为%s至%s。",
			      c, r->items, r->done, rt, r->completed, r->prev_completed, r->closed, r->overdue, pa, pb);
		free(rt);
	}
	w_para(&w, s);
	free(s);
	{
		static const char *const heads[] = { "指标", "本期", "上期", "变化" };
		static const bool right[] = { false, true, true, true };
		kv_add(&k, 4, "任务总数", num(r->items), num(r->prev_items), delta(r->items, r->prev_items));
		kv_add(&k, 4, "已完成", num(r->done), num(r->prev_done), delta(r->done, r->prev_done));
		kv_add(&k, 4, "完成率", rate(r->done, r->items), rate(r->prev_done, r->prev_items),
		       delta_rate(r->done, r->items, r->prev_done, r->prev_items));
		kv_add(&k, 4, "期内完成", num(r->completed), num(r->prev_completed),
		       delta(r->completed, r->prev_completed));
		kv_add(&k, 4, "期内销号", num(r->closed), num(r->prev_closed), delta(r->closed, r->prev_closed));
		put_kv(&w, &k, "总体进展", 4, heads, right, false);
	}
	{
		static const char *const heads[] = { "分类", "项目", "数量" };
		static const bool right[] = { false, false, true };
		for (int i = 0; i < DUBAN_STATUS_COUNT; i++)
			kv_add(&k, 3, "整改状态", xstrdup(duban_status_zh((enum duban_status)i)), num(r->by_status[i]));
		for (int i = 0; i < DUBAN_LIGHT_COUNT; i++)
			kv_add(&k, 3, "预警", xstrdup(light_zh[i]), num(r->by_light[i]));
		put_kv(&w, &k, "按状态和预警", 3, heads, right, true);
	}
	if (fmt == DUBAN_REPORT_HTML) {
		duban_chart_statuses(out, r, "图1　整改状态分布（项）");
		duban_chart_weeks(out, r, "图2　各周完成与逾期未完成（项）");
	}

	/* 2 */
	put_groups(&w, r);

	/* 3 */
	w_section(&w, "三、逾期未完成");
	{
		static const char *const heads[] = { "编号", "问题", "牵头单位", "责任领导", "整改时限", "逾期天数", "最新进展" };
		static const bool right[] = { false, false, false, false, false, true, false };
		static const int max[] = { 0, TEXT_TITLE_COLS, 0, 0, 0, 0, TEXT_NOTE_COLS };
		static const int pct[] = { 11, 21, 12, 9, 11, 6, 30 };
		struct table t = { "逾期未完成", 7, heads, right, max, r->priv->overdue.rows, r->priv->overdue.n,
				   1u << 0 | 1u << 3 | 1u << 4, true, false, false, pct };
		w_table(&w, &t);
	}

	/* 4 */
	w_section(&w, "四、本期完成 / 销号");
	{
		static const char *const heads[] = { "日期", "编号", "问题", "县（市、区）", "达到状态" };
		static const bool right[] = { false, false, false, false, false };
		static const int max[] = { 0, 0, TEXT_TITLE_COLS, 0, 0 };
		static const int pct[] = { 13, 13, 44, 15, 15 };
		struct table t = { "本期完成 / 销号", 5, heads, right, max, r->priv->completed.rows, r->priv->completed.n,
				   1u << 0 | 1u << 1 | 1u << 4, false, false, false, pct };
		w_table(&w, &t);
	}

	/* 5 */
	s = xasprintf("五、即将到期（%s 后 %d 天内）", c, UPCOMING_DAYS);
	w_section(&w, s);
	free(s);
	{
		static const char *const heads[] = { "编号", "问题", "县（市、区）", "牵头单位", "整改时限", "剩余天数" };
		static const bool right[] = { false, false, false, false, false, true };
		static const int max[] = { 0, TEXT_TITLE_COLS, 0, 0, 0, 0 };
		static const int pct[] = { 13, 35, 12, 18, 13, 9 };
		struct table t = { "即将到期", 6, heads, right, max, r->priv->upcoming.rows, r->priv->upcoming.n,
				   1u << 0 | 1u << 4, false, false, false, pct };
		w_table(&w, &t);
	}

	/* 6 */
	w_section(&w, "六、督办情况");
	{
		static const char *const heads[] = { "督办方式", "次数" };
		static const bool right[] = { false, true };
		long long sum = 0;
		for (int i = 0; i < DUBAN_ACTION_KIND_COUNT; i++) {
			kv_add(&k, 2, duban_action_kind_zh((enum duban_action_kind)i), num(r->actions[i]));
			sum += r->actions[i];
		}
		kv_add(&k, 2, "合计", num(sum));
		put_kv(&w, &k, "督办情况", 2, heads, right, false);
	}
	if (r->notice_running || r->notice_ended || r->objections) {
		s = xasprintf("公示：%lld项正在公示，%lld项公示期满待销号；收到异议%lld件，其中尚未处理%lld件。",
			      r->notice_running, r->notice_ended, r->objections, r->objections_open);
		w_para(&w, s);
		free(s);
	}
	if (r->rebounds > 0) {
		s = xasprintf("本期反弹（已销号后重新整改）%lld件。", r->rebounds);
		w_para(&w, s);
		free(s);
	}

	/* 7 */
	w_section(&w, "七、群众信访举报件办理情况");
	s = xasprintf("共有信访举报件%lld件：已办结%lld件，阶段性办结%lld件，正在办理%lld件。", r->complaints,
		      r->handled_closed, r->handled_stage, r->handled_open);
	w_para(&w, s);
	free(s);
	{
		static const char *const heads[] = { "分类", "项目", "数量" };
		static const bool right[] = { false, false, true };
		static const int order[] = { DUBAN_VERDICT_TRUE, DUBAN_VERDICT_MOSTLY, DUBAN_VERDICT_PARTLY,
					     DUBAN_VERDICT_FALSE, DUBAN_VERDICT_NONE };
		const struct duban_enforcement *en = &r->enforcement;
		for (int i = 0; i < 5; i++)
			kv_add(&k, 3, "核实结论", xstrdup(order[i] == DUBAN_VERDICT_NONE ? "尚未核实" : duban_verdict_zh(order[i])),
			       num(r->by_verdict[order[i]]));
		kv_add(&k, 3, "办理情况", xstrdup("已办结"), num(r->handled_closed));
		kv_add(&k, 3, "办理情况", xstrdup("阶段性办结"), num(r->handled_stage));
		kv_add(&k, 3, "办理情况", xstrdup("正在办理"), num(r->handled_open));
		kv_add(&k, 3, "查处问责", xstrdup("责令整改（家次）"), num(en->rectify_orders));
		kv_add(&k, 3, "查处问责", xstrdup("罚款（万元）"), xasprintf("%.2f", en->fines));
		kv_add(&k, 3, "查处问责", xstrdup("立案处罚（件）"), num(en->penalty_cases));
		kv_add(&k, 3, "查处问责", xstrdup("立案侦查（件）"), num(en->criminal_cases));
		kv_add(&k, 3, "查处问责", xstrdup("拘留（人）"), num(en->detentions));
		kv_add(&k, 3, "查处问责", xstrdup("约谈（人次）"), num(en->summons));
		kv_add(&k, 3, "查处问责", xstrdup("问责（人次）"), num(en->accountability));
		put_kv(&w, &k, "群众信访举报件办理情况", 3, heads, right, true);
	}
	/* 8 */
	if (r->priv->dispatch_head)
		put_dispatch(&w, r);
	if (fmt == DUBAN_REPORT_HTML) {
		char zh[32];
		w_para_class(&w, duban_date_zh(r->today, zh), "date");
		duban_html_end(out);
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}

int duban_report_write_file(const struct duban_report *r, enum duban_report_format fmt, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	if (!mem)
		return -1;
	int rc = duban_report_write(r, fmt, mem);
	if (fclose(mem) != 0)
		rc = -1;
	if (rc == 0)
		rc = duban_write_file_atomic(path, data, len, 0644) == 0 ? 0 : -1;
	free(data);
	return rc;
}
