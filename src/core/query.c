/* Windowed, keyset-paged queries over the ledger.  A window costs index
 * steps proportional to its size (divided by the filter's selectivity when the
 * filter has no index of its own), never a pass over the whole ledger. */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/util.h"
#include "store_internal.h"
#include "store_private.h"

/* Above this many matches a text filter is checked row by row while walking
 * the sort index instead of collecting and sorting every match: the walk
 * then finds a window after few probes. */
#define TEXT_COLLECT_LIMIT 4000
/* Windows this large are listings, not screens: collect. */
#define TEXT_COLLECT_WINDOW 1024

#define LIGHT_EXPR "duban_light(status, deadline_kind, start, deadline, progress)"
#define FEEDBACK_EXPR "duban_feedback_due(kind, status, \"round\", transferred_on, feedback_on)"
/* item_county_due (store.c) holds every column of these: keep them in step,
 * or a county listing reads the item table again. */
#define ROW_COLUMNS "seq, id, kind, code, title, county, lead_unit, start, deadline, deadline_kind," \
		    " status, progress, updated_at, " LIGHT_EXPR ", due_key, \"round\", transferred_on, feedback_on"

void duban_filter_init(struct duban_filter *f)
{
	memset(f, 0, sizeof *f);
	f->kind = -1;
	f->due_before = DUBAN_DATE_NONE;
	f->due_after = DUBAN_DATE_NONE;
	f->site_radius = DUBAN_SITE_RADIUS;
}

static const char *const sort_ids[DUBAN_SORT_COUNT] = { "deadline", "code", "updated", "light",
							 "county", "status", "progress" };

const char *duban_sort_id(enum duban_sort s)
{
	return (unsigned)s < DUBAN_SORT_COUNT ? sort_ids[s] : "";
}

int duban_sort_parse(const char *s)
{
	for (int i = 0; i < DUBAN_SORT_COUNT; i++)
		if (strcmp(s, sort_ids[i]) == 0)
			return i;
	if (strcmp(s, "due") == 0 || strcmp(s, "整改时限") == 0)
		return DUBAN_SORT_DEADLINE;
	if (strcmp(s, "受理编号") == 0)
		return DUBAN_SORT_CODE;
	if (strcmp(s, "预警") == 0)
		return DUBAN_SORT_LIGHT;
	return -1;
}

void duban_row_free(struct duban_row *r)
{
	free(r->code);
	free(r->title);
	free(r->county);
	free(r->lead_unit);
	memset(r, 0, sizeof *r);
}

void duban_cursor_of_row(const struct duban_row *row, enum duban_sort sort, struct duban_cursor *out)
{
	memset(out, 0, sizeof *out);
	out->valid = true;
	out->rowid = row->rowid;
	out->light = row->light;
	switch (sort) {
	case DUBAN_SORT_CODE:
		snprintf(out->key, sizeof out->key, "%s", row->code);
		break;
	case DUBAN_SORT_UPDATED:
		snprintf(out->key, sizeof out->key, "%s", row->updated_at);
		break;
	default: {
		char due[16] = "9999-12-31";
		if (row->deadline != DUBAN_DATE_NONE)
			duban_date_format(row->deadline, due);
		if (sort == DUBAN_SORT_COUNTY)
			snprintf(out->key, sizeof out->key, "%s\x1f%s", row->county ? row->county : "", due);
		else if (sort == DUBAN_SORT_STATUS || sort == DUBAN_SORT_PROGRESS)
			snprintf(out->key, sizeof out->key, "%d\x1f%s",
				 sort == DUBAN_SORT_STATUS ? (int)row->status : row->progress, due);
		else
			snprintf(out->key, sizeof out->key, "%s", due);
	}
	}
}

/* The sorts by another column first, then the deadline: that column's SQL
 * (status in workflow order), or NULL. */
static const char *major_expr(enum duban_sort sort)
{
	static char status_order[512];
	switch (sort) {
	case DUBAN_SORT_COUNTY:
		return "county";
	case DUBAN_SORT_PROGRESS:
		return "progress";
	case DUBAN_SORT_STATUS:
		if (!status_order[0]) {
			size_t n = (size_t)snprintf(status_order, sizeof status_order, "(CASE status");
			for (int i = 0; i < DUBAN_STATUS_COUNT; i++)
				n += (size_t)snprintf(status_order + n, sizeof status_order - n, " WHEN '%s' THEN %d",
						      duban_status_id((enum duban_status)i), i);
			snprintf(status_order + n, sizeof status_order - n, " ELSE %d END)", DUBAN_STATUS_COUNT);
		}
		return status_order;
	default:
		return NULL;
	}
}

/* ---------------------------------------------------------------- building SQL */

/* A statement being built: SQL text and its bound values, in order. */
struct query {
	struct duban_buf sql;
	struct {
		bool is_int, is_real;
		long long i;
		double d;
		char *s;
	} binds[48];
	int nbinds;
	bool text_collected; /* the text filter is a small collected set */
};

static void q_init(struct query *q)
{
	memset(q, 0, sizeof *q);
	duban_buf_init(&q->sql);
}

static void q_free(struct query *q)
{
	for (int i = 0; i < q->nbinds; i++)
		free(q->binds[i].s);
	duban_buf_free(&q->sql);
}

static void q_text(struct query *q, const char *s)
{
	if (q->nbinds < (int)(sizeof q->binds / sizeof q->binds[0]))
		q->binds[q->nbinds++].s = xstrdup(s);
	duban_buf_putc(&q->sql, '?');
}

static void q_int(struct query *q, long long v)
{
	if (q->nbinds < (int)(sizeof q->binds / sizeof q->binds[0])) {
		q->binds[q->nbinds].is_int = true;
		q->binds[q->nbinds++].i = v;
	}
	duban_buf_putc(&q->sql, '?');
}

static void q_real(struct query *q, double v)
{
	if (q->nbinds < (int)(sizeof q->binds / sizeof q->binds[0])) {
		q->binds[q->nbinds].is_real = true;
		q->binds[q->nbinds++].d = v;
	}
	duban_buf_putc(&q->sql, '?');
}

/* Binds q's values to s from parameter base + 1 on. */
static void q_bind(const struct query *q, sqlite3_stmt *s, int base)
{
	for (int i = 0; i < q->nbinds; i++) {
		if (q->binds[i].is_int)
			sqlite3_bind_int64(s, base + i + 1, q->binds[i].i);
		else if (q->binds[i].is_real)
			sqlite3_bind_double(s, base + i + 1, q->binds[i].d);
		else
			sqlite3_bind_text(s, base + i + 1, q->binds[i].s, -1, SQLITE_TRANSIENT);
	}
}

static void q_date(struct query *q, duban_date d)
{
	char buf[11];

	q_text(q, duban_date_format(d, buf));
}

static void q_and(struct query *q, bool *first)
{
	duban_buf_puts(&q->sql, *first ? " WHERE " : " AND ");
	*first = false;
}

static sqlite3_stmt *q_prepare(duban_store *st, struct query *q)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, q->sql.data, (int)q->sql.len, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, _("preparing a query"));
		return NULL;
	}
	q_bind(q, s, 0);
	return s;
}

/* Counts the matches of an FTS expression, stopping above limit. */
static long long fts_count(duban_store *st, const char *match, long long limit)
{
	sqlite3_stmt *s;
	long long n = -1;
	const char *sql = limit > 0
		? "SELECT count(*) FROM (SELECT rowid FROM item_fts WHERE item_fts MATCH ?1 LIMIT ?2)"
		: "SELECT count(*) FROM item_fts WHERE item_fts MATCH ?1";

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	if (limit > 0)
		sqlite3_bind_int64(s, 2, limit);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* window: rows wanted, 0 for whole-result work (counts, exports), where
 * collecting every match once always beats probing row by row. */
static void where_text(duban_store *st, struct query *q, const char *text, bool linked, int window, bool *first)
{
	char *match = duban_fts_match_expr(text);
	bool collect = window == 0 || window >= TEXT_COLLECT_WINDOW;

	if (!match)
		return;
	if (store_fts_pending(st)) {
		/* The index waits to be built: the same matches, by scanning. */
		q_and(q, first);
		duban_buf_puts(&q->sql, "duban_text_match(");
		q_text(q, text);
		duban_buf_puts(&q->sql, ", item.code, item.title, item.description,"
					" item.lead_unit || ' ' || item.co_units, item.measures)");
		free(match);
		return;
	}
	/* A prefix term ("FK2" *) is expanded over every matching term on each
	 * probe, so probing row by row costs the whole match set per row. */
	if (!collect && strstr(match, "\" *"))
		collect = true;
	if (!collect) {
		long long n = fts_count(st, match, TEXT_COLLECT_LIMIT + 1);
		collect = n >= 0 && n <= TEXT_COLLECT_LIMIT;
	}
	q_and(q, first);
	if (linked) {
		/* The matches and their linked items: both sets collected. */
		q->text_collected = true;
		duban_buf_puts(&q->sql, "(seq IN (SELECT rowid FROM item_fts WHERE item_fts MATCH ");
		q_text(q, match);
		duban_buf_puts(&q->sql, ") OR id IN (SELECT CASE WHEN p.a = m.id THEN p.b ELSE p.a END"
					" FROM (" STORE_LIVE_LINKS ") AS p JOIN item AS m ON m.id IN (p.a, p.b)"
					" WHERE m.seq IN (SELECT rowid FROM item_fts WHERE item_fts MATCH ");
		q_text(q, match);
		duban_buf_puts(&q->sql, ")))");
	} else if (collect) {
		q->text_collected = true;
		duban_buf_puts(&q->sql, "seq IN (SELECT rowid FROM item_fts WHERE item_fts MATCH ");
		q_text(q, match);
		duban_buf_puts(&q->sql, ")");
	} else {
		duban_buf_puts(&q->sql, "EXISTS (SELECT 1 FROM item_fts WHERE item_fts MATCH ");
		q_text(q, match);
		duban_buf_puts(&q->sql, " AND rowid = item.seq)");
	}
	free(match);
}

static void where_mask(struct query *q, const char *expr, unsigned mask, int count,
		       const char *(*id)(int), bool *first)
{
	bool open = true;

	if (!mask)
		return;
	q_and(q, first);
	duban_buf_printf(&q->sql, "%s IN (", expr);
	for (int i = 0; i < count; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (!open)
			duban_buf_puts(&q->sql, ", ");
		if (id)
			q_text(q, id(i));
		else
			q_int(q, i);
		open = false;
	}
	if (open)
		duban_buf_puts(&q->sql, "NULL");
	duban_buf_puts(&q->sql, ")");
}

static const char *status_id_of(int i)
{
	return duban_status_id((enum duban_status)i);
}

static void where_eq(struct query *q, const char *column, const char *value, bool *first)
{
	if (!value || !*value)
		return;
	q_and(q, first);
	duban_buf_printf(&q->sql, "%s = ", column);
	q_text(q, value);
}

/* A complaint whose feedback is overdue.  The clock gives at least the
 * fewest days of any rule, so only transfers before today minus those can
 * be late: a range on the partial index item_feedback. */
static void where_feedback_overdue(duban_store *st, struct query *q, bool *first)
{
	int least = st->feedback.days;
	for (int i = 0; i < st->feedback.n; i++)
		if (st->feedback.rules[i].days < least)
			least = st->feedback.rules[i].days;
	q_and(q, first);
	duban_buf_puts(&q->sql, "kind = 'complaint' AND status <> 'closed'"
				" AND transferred_on IS NOT NULL AND feedback_on IS NULL AND transferred_on < ");
	q_date(q, st->today - least);
	duban_buf_puts(&q->sql, " AND " FEEDBACK_EXPR " < ");
	q_date(q, st->today);
}

/* The items of the site of the item ref (code or id): the item, the items
 * its links reach, transitively (UNION stops at items already reached, so
 * cycles end), and, when it has coordinates and radius > 0, the items
 * within radius metres of them.  Distances are on the local plane (metres
 * per degree at its latitude): exact enough at a site's scale.  An unknown
 * ref matches nothing. */
static void where_site(duban_store *st, struct query *q, const char *ref, int radius, bool *first)
{
	struct duban_item it;
	q_and(q, first);
	duban_item_init(&it);
	if (duban_item_get(st, ref, &it) != DUBAN_OK) {
		duban_item_free(&it);
		duban_buf_puts(&q->sql, "0");
		return;
	}
	duban_buf_puts(&q->sql, "(id IN (WITH RECURSIVE site(x) AS (SELECT ");
	q_text(q, it.id);
	duban_buf_puts(&q->sql, " UNION SELECT CASE WHEN p.a = site.x THEN p.b ELSE p.a END FROM (" STORE_LIVE_LINKS
				") AS p JOIN site ON site.x IN (p.a, p.b)) SELECT x FROM site)");
	if (radius > 0 && !isnan(it.longitude) && !isnan(it.latitude)) {
		const double per_degree = 111195.0; /* metres per degree of a great circle */
		double kx = per_degree * cos(it.latitude * M_PI / 180.0), ky = per_degree;
		duban_buf_puts(&q->sql, " OR (longitude IS NOT NULL AND latitude IS NOT NULL AND ((longitude - ");
		q_real(q, it.longitude);
		duban_buf_puts(&q->sql, ") * ");
		q_real(q, kx);
		duban_buf_puts(&q->sql, ") * ((longitude - ");
		q_real(q, it.longitude);
		duban_buf_puts(&q->sql, ") * ");
		q_real(q, kx);
		duban_buf_puts(&q->sql, ") + ((latitude - ");
		q_real(q, it.latitude);
		duban_buf_puts(&q->sql, ") * ");
		q_real(q, ky);
		duban_buf_puts(&q->sql, ") * ((latitude - ");
		q_real(q, it.latitude);
		duban_buf_puts(&q->sql, ") * ");
		q_real(q, ky);
		duban_buf_puts(&q->sql, ") <= ");
		q_real(q, (double)radius * radius);
		duban_buf_puts(&q->sql, ")");
	}
	duban_buf_puts(&q->sql, ")");
	duban_item_free(&it);
}

/* Appends every condition of the filter; window as for where_text. */
static void where_filter_for(duban_store *st, struct query *q, const struct duban_filter *f, int window,
			     bool *first)
{
	if (f->kind >= 0) {
		q_and(q, first);
		duban_buf_puts(&q->sql, "kind = ");
		q_text(q, duban_kind_id((enum duban_kind)f->kind));
	}
	where_mask(q, "status", f->status_mask, DUBAN_STATUS_COUNT, status_id_of, first);
	where_mask(q, LIGHT_EXPR, f->light_mask, DUBAN_LIGHT_COUNT, NULL, first);
	where_eq(q, "county", f->county, first);
	where_eq(q, "township", f->township, first);
	where_eq(q, "\"round\"", f->round, first);
	if (f->category && *f->category) {
		q_and(q, first);
		duban_buf_puts(&q->sql, "instr('、' || categories || '、', '、' || ");
		q_text(q, f->category);
		duban_buf_puts(&q->sql, " || '、') > 0");
	}
	if (f->unit && *f->unit) {
		q_and(q, first);
		duban_buf_puts(&q->sql, "(instr(lead_unit, ");
		q_text(q, f->unit);
		duban_buf_puts(&q->sql, ") > 0 OR instr(co_units, ");
		q_text(q, f->unit);
		duban_buf_puts(&q->sql, ") > 0)");
	}
	if (f->overdue) {
		q_and(q, first);
		duban_buf_puts(&q->sql, "due_key < ");
		q_date(q, st->today);
		duban_buf_puts(&q->sql, " AND deadline_kind <> 'ongoing'"
					" AND status IN ('not_started', 'in_progress', 'requested')");
	}
	if (f->feedback_overdue)
		where_feedback_overdue(st, q, first);
	if (f->due_before != DUBAN_DATE_NONE) {
		q_and(q, first);
		duban_buf_puts(&q->sql, "deadline IS NOT NULL AND due_key <= ");
		q_date(q, f->due_before);
	}
	if (f->due_after != DUBAN_DATE_NONE) {
		q_and(q, first);
		duban_buf_puts(&q->sql, "deadline IS NOT NULL AND due_key >= ");
		q_date(q, f->due_after);
	}
	if (f->text && *f->text)
		where_text(st, q, f->text, f->linked, window, first);
	if (f->site && *f->site)
		where_site(st, q, f->site, f->site_radius, first);
}

static void where_filter(duban_store *st, struct query *q, const struct duban_filter *f, bool *first)
{
	where_filter_for(st, q, f, 0, first);
}

/* ---------------------------------------------------------------- windows */

/* The feedback clock and the repeats of a row: from its raw columns and the
 * store's repeat counts (read once per query, not per row: a per-row
 * subquery would run for every match a sort collects). */
static void read_row_clock(duban_store *st, sqlite3_stmt *s, struct duban_row *r)
{
	r->feedback_due = DUBAN_DATE_NONE;
	r->repeats = store_repeats_of(st, r->code);
	/* Most rows have no running clock: decided before any date is read. */
	if (r->kind != DUBAN_KIND_COMPLAINT || r->status == DUBAN_STATUS_CLOSED
	    || sqlite3_column_type(s, 16) == SQLITE_NULL || sqlite3_column_type(s, 17) != SQLITE_NULL)
		return;
	const unsigned char *round = sqlite3_column_text(s, 15), *t = sqlite3_column_text(s, 16);
	duban_date transferred = t ? duban_date_parse((const char *)t) : DUBAN_DATE_NONE;
	if (duban_feedback_pending(r->kind, r->status, transferred, DUBAN_DATE_NONE))
		r->feedback_due = duban_feedback_due(&st->feedback, round ? (const char *)round : "", transferred);
}

/* snprintf(dst, size, "%s", src) without the format machinery: a listing
 * copies two fields of every row. */
static void copy_text(char *dst, size_t size, const unsigned char *src)
{
	size_t n = src ? strnlen((const char *)src, size - 1) : 0;
	memcpy(dst, src ? (const char *)src : "", n);
	dst[n] = '\0';
}

static void read_row(duban_store *st, sqlite3_stmt *s, struct duban_row *r)
{
	const unsigned char *t;
	int v;

	memset(r, 0, sizeof *r);
	r->rowid = sqlite3_column_int64(s, 0);
	copy_text(r->id, sizeof r->id, sqlite3_column_text(s, 1));
	r->kind = duban_kind_parse((const char *)sqlite3_column_text(s, 2)) == DUBAN_KIND_COMPLAINT
		  ? DUBAN_KIND_COMPLAINT : DUBAN_KIND_PROBLEM;
	r->code = xstrdup((const char *)sqlite3_column_text(s, 3));
	r->title = xstrdup((const char *)sqlite3_column_text(s, 4));
	r->county = xstrdup((const char *)sqlite3_column_text(s, 5));
	r->lead_unit = xstrdup((const char *)sqlite3_column_text(s, 6));
	t = sqlite3_column_text(s, 7);
	r->start = t ? duban_date_parse((const char *)t) : DUBAN_DATE_NONE;
	t = sqlite3_column_text(s, 8);
	r->deadline = t ? duban_date_parse((const char *)t) : DUBAN_DATE_NONE;
	v = duban_deadline_kind_parse((const char *)sqlite3_column_text(s, 9));
	r->deadline_kind = v < 0 ? DUBAN_DEADLINE_DATE : (enum duban_deadline_kind)v;
	v = duban_status_parse((const char *)sqlite3_column_text(s, 10));
	r->status = v < 0 ? DUBAN_STATUS_NOT_STARTED : (enum duban_status)v;
	r->progress = sqlite3_column_int(s, 11);
	copy_text(r->updated_at, sizeof r->updated_at, sqlite3_column_text(s, 12));
	r->light = (enum duban_light)sqlite3_column_int(s, 13);
	read_row_clock(st, s, r);
}

/* The index that serves a sort with this filter in order, so a window is a
 * short walk; none when the text filter already narrowed things down. */
static const char *walk_index(const struct query *q, const struct duban_filter *f, enum duban_sort sort)
{
	if (q->text_collected)
		return "";
	switch (sort) {
	case DUBAN_SORT_UPDATED:
		return " INDEXED BY item_updated";
	case DUBAN_SORT_COUNTY:
		return " INDEXED BY item_county_due";
	case DUBAN_SORT_CODE:
	case DUBAN_SORT_STATUS:
	case DUBAN_SORT_PROGRESS:
		return "";
	default:
		if (f->status_mask && !(f->status_mask & (f->status_mask - 1)))
			return " INDEXED BY item_status_due";
		if (f->county && *f->county)
			return " INDEXED BY item_county_due";
		return " INDEXED BY item_due";
	}
}

static const char *sort_key_column(enum duban_sort sort)
{
	switch (sort) {
	case DUBAN_SORT_CODE:
		return "code";
	case DUBAN_SORT_UPDATED:
		return "updated_at";
	default:
		return "due_key";
	}
}

struct window_req {
	const struct duban_filter *filter;
	enum duban_sort sort;
	bool ascending;      /* direction of the walk (descending XOR backward) */
	const struct duban_cursor *cursor; /* NULL: from the start of the walk */
	int light;           /* >= 0: only this light (sorting by light) */
};

/* "(major, due_key, seq) > (…)" from a cursor key "MAJOR\x1fDUE_KEY". */
static void cursor_after_major(struct query *q, const struct window_req *w)
{
	const char *key = w->cursor->key;
	const char *sep = strchr(key, '\x1f');
	char *major = xstrndup(key, sep ? (size_t)(sep - key) : strlen(key));
	duban_buf_printf(&q->sql, "(%s, due_key, seq) %s (", major_expr(w->sort), w->ascending ? ">" : "<");
	if (w->sort == DUBAN_SORT_COUNTY)
		q_text(q, major);
	else
		q_int(q, strtoll(major, NULL, 10));
	duban_buf_puts(&q->sql, ", ");
	q_text(q, sep ? sep + 1 : "");
	duban_buf_puts(&q->sql, ", ");
	q_int(q, w->cursor->rowid);
	duban_buf_puts(&q->sql, ")");
	free(major);
}

/* Builds "SELECT … WHERE filter AND key after cursor ORDER BY key LIMIT n". */
static void build_window(duban_store *st, struct query *q, const struct window_req *w, int n)
{
	const char *key = sort_key_column(w->sort);
	const char *dir = w->ascending ? "ASC" : "DESC";
	bool first = true;
	struct query filter_part;
	struct duban_buf where;

	/* The filter goes first to learn whether text is collected, which
	 * decides the index. */
	q_init(&filter_part);
	where_filter_for(st, &filter_part, w->filter, n, &first);
	if (w->light >= 0) {
		q_and(&filter_part, &first);
		duban_buf_puts(&filter_part.sql, LIGHT_EXPR " = ");
		q_int(&filter_part, w->light);
	}
	if (w->cursor && w->cursor->valid) {
		q_and(&filter_part, &first);
		if (w->sort == DUBAN_SORT_CODE) {
			duban_buf_printf(&filter_part.sql, "code %s ", w->ascending ? ">" : "<");
			q_text(&filter_part, w->cursor->key);
		} else if (major_expr(w->sort)) {
			cursor_after_major(&filter_part, w);
		} else {
			duban_buf_printf(&filter_part.sql, "(%s, seq) %s (", key, w->ascending ? ">" : "<");
			q_text(&filter_part, w->cursor->key);
			duban_buf_puts(&filter_part.sql, ", ");
			q_int(&filter_part, w->cursor->rowid);
			duban_buf_puts(&filter_part.sql, ")");
		}
	}
	where = filter_part.sql;
	duban_buf_printf(&q->sql, "SELECT " ROW_COLUMNS " FROM item%s%s",
			 walk_index(&filter_part, w->filter, w->sort), where.data ? where.data : "");
	if (w->sort == DUBAN_SORT_CODE)
		duban_buf_printf(&q->sql, " ORDER BY code %s LIMIT %d", dir, n);
	else if (major_expr(w->sort))
		duban_buf_printf(&q->sql, " ORDER BY %s %s, due_key %s, seq %s LIMIT %d", major_expr(w->sort), dir, dir,
				 dir, n);
	else
		duban_buf_printf(&q->sql, " ORDER BY %s %s, seq %s LIMIT %d", key, dir, dir, n);
	/* Hand the binds over to q. */
	memcpy(q->binds, filter_part.binds, sizeof q->binds);
	q->nbinds = filter_part.nbinds;
	q->text_collected = filter_part.text_collected;
	filter_part.nbinds = 0;
	q_free(&filter_part);
}

static enum duban_err run_window(duban_store *st, const struct window_req *w, int n,
				 struct duban_row *rows, int *got)
{
	struct query q;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	q_init(&q);
	build_window(st, &q, w, n);
	s = q_prepare(st, &q);
	q_free(&q);
	if (!s)
		return DUBAN_ERR_DB;
	store_repeats_refresh(st);
	while (*got < n && (rc = sqlite3_step(s)) == SQLITE_ROW)
		read_row(st, s, &rows[(*got)++]);
	if (*got < n && rc != SQLITE_DONE) {
		sqlite3_finalize(s);
		return store_db_fail(st, _("reading the ledger"));
	}
	sqlite3_finalize(s);
	return DUBAN_OK;
}

#define OPEN_STATUSES ((1u << DUBAN_STATUS_NOT_STARTED) | (1u << DUBAN_STATUS_IN_PROGRESS) \
		       | (1u << DUBAN_STATUS_REQUESTED))
#define ALL_STATUSES ((1u << DUBAN_STATUS_COUNT) - 1)

/* The statuses a matching item can have: red and yellow lights and overdue
 * need open work, grey needs closed.  Narrowing by them changes no result
 * but lets the walk use the status index. */
static unsigned possible_statuses(const struct duban_filter *f, int light)
{
	unsigned m = f->status_mask ? f->status_mask : ALL_STATUSES;
	unsigned lights = light >= 0 ? 1u << light : f->light_mask;
	unsigned urgent = (1u << DUBAN_LIGHT_RED) | (1u << DUBAN_LIGHT_YELLOW);

	if (f->overdue || (lights && !(lights & ~urgent)))
		m &= OPEN_STATUSES;
	if (lights == 1u << DUBAN_LIGHT_GREY)
		m &= 1u << DUBAN_STATUS_CLOSED;
	if (lights == 1u << DUBAN_LIGHT_BLUE)
		m &= ~(1u << DUBAN_STATUS_CLOSED);
	return m;
}

static int count_bits(unsigned m)
{
	int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Deadline order of two rows in the direction of the walk. */
static bool due_before(const struct duban_row *a, const struct duban_row *b, bool ascending)
{
	long long da = a->deadline == DUBAN_DATE_NONE ? INT_MAX : a->deadline;
	long long db = b->deadline == DUBAN_DATE_NONE ? INT_MAX : b->deadline;
	bool less = da != db ? da < db : a->rowid < b->rowid;

	return ascending ? less : !less;
}

/* For a status whose lights come from the deadline alone (no schedule lag:
 * requested), red means overdue and yellow due soon: bounding the walk by
 * date changes no result and stops it scanning the whole status. */
static void bound_by_deadline(duban_store *st, struct duban_filter *f, int status, int light)
{
	unsigned lights = light >= 0 ? 1u << light : f->light_mask;
	unsigned urgent = (1u << DUBAN_LIGHT_RED) | (1u << DUBAN_LIGHT_YELLOW);
	duban_date last;

	if (status != DUBAN_STATUS_REQUESTED || !lights || (lights & ~urgent))
		return;
	last = lights & (1u << DUBAN_LIGHT_YELLOW) ? st->today + st->rules.warn_days : st->today - 1;
	if (f->due_before == DUBAN_DATE_NONE || f->due_before > last)
		f->due_before = last;
}

/* A window over several statuses in deadline order: one ordered walk of the
 * status index per status, merged, so old closed items never have to be
 * stepped over to reach open ones. */
static enum duban_err merged_window(duban_store *st, const struct window_req *w, unsigned statuses, int n,
				    struct duban_row *rows, int *got)
{
	int need = n - *got, nacc = 0;
	struct duban_row *acc = rows + *got;
	struct duban_row *part = xcalloc((size_t)need, sizeof *part);
	struct duban_row *out = xcalloc((size_t)need, sizeof *out);
	enum duban_err err = DUBAN_OK;

	for (int s = 0; s < DUBAN_STATUS_COUNT && !err; s++) {
		struct duban_filter one;
		struct window_req sub;
		int k = 0, i = 0, j = 0, m = 0;

		if (!(statuses & (1u << s)))
			continue;
		one = *w->filter;
		one.status_mask = 1u << s;
		bound_by_deadline(st, &one, s, w->light);
		sub = *w;
		sub.filter = &one;
		err = run_window(st, &sub, need, part, &k);
		while (m < need && (i < nacc || j < k))
			out[m++] = (j >= k || (i < nacc && due_before(&acc[i], &part[j], w->ascending)))
				   ? acc[i++] : part[j++];
		for (; i < nacc; i++)
			duban_row_free(&acc[i]);
		for (; j < k; j++)
			duban_row_free(&part[j]);
		memcpy(acc, out, sizeof *out * (size_t)m);
		nacc = m;
	}
	*got += nacc;
	free(part);
	free(out);
	return err;
}

static enum duban_err status_aware_window(duban_store *st, const struct window_req *w, int n,
					  struct duban_row *rows, int *got)
{
	unsigned statuses = possible_statuses(w->filter, w->light);
	struct duban_filter narrowed;
	struct window_req one;

	if (w->sort == DUBAN_SORT_CODE || w->sort == DUBAN_SORT_UPDATED || major_expr(w->sort) ||
	    statuses == ALL_STATUSES)
		return run_window(st, w, n, rows, got);
	if (statuses == 0)
		return DUBAN_OK; /* e.g. grey asked of open statuses: nothing can match */
	if (count_bits(statuses) > 1)
		return merged_window(st, w, statuses, n, rows, got);
	narrowed = *w->filter;
	narrowed.status_mask = statuses;
	for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
		if (statuses == 1u << s)
			bound_by_deadline(st, &narrowed, s, w->light);
	one = *w;
	one.filter = &narrowed;
	return run_window(st, &one, n, rows, got);
}

/* Sorting by light walks the deadline order once per light, most urgent
 * first, so each part is still an index walk. */
static enum duban_err light_windows(duban_store *st, struct window_req *w, int n,
				    struct duban_row *rows, int *got)
{
	int start = w->ascending ? 0 : DUBAN_LIGHT_COUNT - 1;
	int step = w->ascending ? 1 : -1;
	const struct duban_cursor *cursor = w->cursor;
	enum duban_err err;

	if (cursor && cursor->valid)
		start = cursor->light;
	for (int l = start; l >= 0 && l < DUBAN_LIGHT_COUNT && *got < n; l += step) {
		if (w->filter->light_mask && !(w->filter->light_mask & (1u << l)))
			continue;
		w->light = l;
		w->cursor = (cursor && cursor->valid && l == cursor->light) ? cursor : NULL;
		if ((err = status_aware_window(st, w, n, rows, got)) != DUBAN_OK)
			return err;
	}
	return DUBAN_OK;
}

static void reverse_rows(struct duban_row *rows, int n)
{
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		struct duban_row t = rows[i];
		rows[i] = rows[j];
		rows[j] = t;
	}
}

enum duban_err duban_query_window(duban_store *st, const struct duban_filter *filter,
				  enum duban_sort sort, bool descending,
				  const struct duban_cursor *cursor, bool backward,
				  int n, struct duban_row *rows, int *got)
{
	struct duban_filter all;
	struct window_req w;
	enum duban_err err;

	*got = 0;
	if (n <= 0)
		return DUBAN_OK;
	if (!filter) {
		duban_filter_init(&all);
		filter = &all;
	}
	st->today = duban_today();
	w.filter = filter;
	w.sort = sort;
	w.ascending = descending == backward;
	w.cursor = cursor;
	w.light = -1;
	if (sort == DUBAN_SORT_LIGHT)
		err = light_windows(st, &w, n, rows, got);
	else
		err = status_aware_window(st, &w, n, rows, got);
	if (err != DUBAN_OK) {
		for (int i = 0; i < *got; i++)
			duban_row_free(&rows[i]);
		*got = 0;
		return err;
	}
	if (backward)
		reverse_rows(rows, *got);
	return DUBAN_OK;
}

/* A text search's matches sorted here rather than by SQLite: read in rowid
 * order (the order the collected set gives), their sort key beside them.
 * SQLite's sorter copies every row's record through a temporary file once
 * it outgrows the page cache: that was a third of a search listing. */
struct keyed_row {
	char key[16]; /* due_key */
	struct duban_row row;
};

/* Above this many matches SQLite sorts (spilling to disk) instead: held
 * rows cost about 400 bytes each. */
#define SORT_HERE_LIMIT 50000

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed_row *x = *(const struct keyed_row *const *)a, *y = *(const struct keyed_row *const *)b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return (x->row.rowid > y->row.rowid) - (x->row.rowid < y->row.rowid);
}

static int keyed_cmp_desc(const void *a, const void *b)
{
	return keyed_cmp(b, a);
}

/* Whether a stream's matches are few enough to hold and sort in memory:
 * deadline order with a text filter of at most SORT_HERE_LIMIT matches. */
static bool sort_here(duban_store *st, const struct duban_filter *filter, enum duban_sort sort)
{
	if (sort != DUBAN_SORT_DEADLINE || !filter->text || !*filter->text)
		return false;
	char *match = duban_fts_match_expr(filter->text);
	if (!match)
		return false;
	long long n = fts_count(st, match, SORT_HERE_LIMIT + 1);
	free(match);
	return n >= 0 && n <= SORT_HERE_LIMIT;
}

/* Runs s (rows in any order), sorts by (due_key, seq) and hands each row
 * to cb until it returns non-zero. */
static int stream_sorted(duban_store *st, sqlite3_stmt *s, bool descending, duban_row_cb cb, void *ctx)
{
	struct keyed_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			rows = xrealloc(rows, cap * sizeof *rows);
		}
		copy_text(rows[n].key, sizeof rows[n].key, sqlite3_column_text(s, 14));
		read_row(st, s, &rows[n].row);
		n++;
	}
	if (rc == SQLITE_DONE) {
		/* Pointers sorted: qsort moves whole elements. */
		struct keyed_row **order = xcalloc(n ? n : 1, sizeof *order);
		for (size_t i = 0; i < n; i++)
			order[i] = &rows[i];
		qsort(order, n, sizeof *order, descending ? keyed_cmp_desc : keyed_cmp);
		for (size_t i = 0; i < n && !cb(&order[i]->row, ctx); i++)
			;
		free(order);
	}
	for (size_t i = 0; i < n; i++)
		duban_row_free(&rows[i].row);
	free(rows);
	return rc;
}

enum duban_err duban_query_stream(duban_store *st, const struct duban_filter *filter, enum duban_sort sort,
				  bool descending, duban_row_cb cb, void *ctx)
{
	struct duban_filter all;
	struct query q, where;
	bool first = true;
	const char *dir = descending ? "DESC" : "ASC";
	sqlite3_stmt *s;
	struct duban_row row;
	int rc;

	if (!filter) {
		duban_filter_init(&all);
		filter = &all;
	}
	st->today = duban_today();
	bool here = sort_here(st, filter, sort);
	/* Window 0: a text filter's matches are collected once, as a whole
	 * listing wants them all. */
	q_init(&where);
	where_filter_for(st, &where, filter, 0, &first);
	q_init(&q);
	duban_buf_printf(&q.sql, "SELECT " ROW_COLUMNS " FROM item%s%s",
			 sort == DUBAN_SORT_LIGHT ? "" : walk_index(&where, filter, sort),
			 where.sql.data ? where.sql.data : "");
	/* The windows' total order: their key, then seq (codes are unique);
	 * by light, the lights in turn, each in deadline order. */
	if (here)
		; /* stream_sorted sorts */
	else if (sort == DUBAN_SORT_CODE)
		duban_buf_printf(&q.sql, " ORDER BY code %s", dir);
	else if (sort == DUBAN_SORT_LIGHT)
		duban_buf_printf(&q.sql, " ORDER BY " LIGHT_EXPR " %s, due_key %s, seq %s", dir, dir, dir);
	else if (major_expr(sort))
		duban_buf_printf(&q.sql, " ORDER BY %s %s, due_key %s, seq %s", major_expr(sort), dir, dir, dir);
	else
		duban_buf_printf(&q.sql, " ORDER BY %s %s, seq %s", sort_key_column(sort), dir, dir);
	memcpy(q.binds, where.binds, sizeof q.binds);
	q.nbinds = where.nbinds;
	where.nbinds = 0;
	q_free(&where);
	s = q_prepare(st, &q);
	q_free(&q);
	if (!s)
		return DUBAN_ERR_DB;
	store_repeats_refresh(st);
	if (here) {
		rc = stream_sorted(st, s, descending, cb, ctx);
	} else {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			read_row(st, s, &row);
			int stop = cb(&row, ctx);
			duban_row_free(&row);
			if (stop) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the ledger"));
}

/* ---------------------------------------------------------------- counts */

static bool filter_is_text_only(const struct duban_filter *f)
{
	struct duban_filter g = *f;

	g.text = NULL;
	struct duban_filter empty;
	duban_filter_init(&empty);
	return memcmp(&g, &empty, sizeof g) == 0;
}

enum duban_err duban_query_count(duban_store *st, const struct duban_filter *filter, long long *count)
{
	struct query q;
	sqlite3_stmt *s;
	bool first = true;
	int rc;

	*count = 0;
	st->today = duban_today();
	if (filter && filter->text && *filter->text && filter_is_text_only(filter) && !store_fts_pending(st)) {
		char *match = duban_fts_match_expr(filter->text);
		if (match) {
			*count = fts_count(st, match, 0);
			free(match);
			return *count < 0 ? store_db_fail(st, _("searching")) : DUBAN_OK;
		}
	}
	q_init(&q);
	duban_buf_puts(&q.sql, "SELECT count(*) FROM item");
	if (filter)
		where_filter(st, &q, filter, &first);
	s = q_prepare(st, &q);
	q_free(&q);
	if (!s)
		return DUBAN_ERR_DB;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? DUBAN_OK : store_db_fail(st, _("counting"));
}

/* Adds the totals of the items with seq in [from, to) (to 0: no bound). */
static enum duban_err add_totals(duban_store *st, const struct duban_filter *filter, long long from, long long to,
				 long long by_status[DUBAN_STATUS_COUNT], long long by_light[DUBAN_LIGHT_COUNT])
{
	struct query q;
	sqlite3_stmt *s;
	bool first = true;
	int rc;

	st->today = duban_today();
	q_init(&q);
	duban_buf_puts(&q.sql, "SELECT status, " LIGHT_EXPR ", count(*) FROM item");
	if (filter)
		where_filter(st, &q, filter, &first);
	if (to > 0) {
		q_and(&q, &first);
		duban_buf_puts(&q.sql, "seq >= ");
		q_int(&q, from);
		duban_buf_puts(&q.sql, " AND seq < ");
		q_int(&q, to);
	}
	duban_buf_puts(&q.sql, " GROUP BY 1, 2");
	s = q_prepare(st, &q);
	q_free(&q);
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int status = duban_status_parse((const char *)sqlite3_column_text(s, 0));
		int light = sqlite3_column_int(s, 1);
		long long n = sqlite3_column_int64(s, 2);

		if (status >= 0)
			by_status[status] += n;
		if (light >= 0 && light < DUBAN_LIGHT_COUNT)
			by_light[light] += n;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("counting"));
}

enum duban_err duban_query_totals(duban_store *st, const struct duban_filter *filter,
				  long long by_status[DUBAN_STATUS_COUNT], long long by_light[DUBAN_LIGHT_COUNT])
{
	memset(by_status, 0, sizeof(long long) * DUBAN_STATUS_COUNT);
	memset(by_light, 0, sizeof(long long) * DUBAN_LIGHT_COUNT);
	return add_totals(st, filter, 0, 0, by_status, by_light);
}

static long long max_seq(duban_store *st)
{
	sqlite3_stmt *s;
	long long n = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT max(seq) FROM item", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

enum duban_err duban_totals_step(duban_store *st, const struct duban_filter *filter, struct duban_totals *t,
				 int rows)
{
	long long last = max_seq(st);
	enum duban_err err;

	if (t->done)
		return DUBAN_OK;
	if ((filter && filter->text && *filter->text) || rows <= 0) {
		err = duban_query_totals(st, filter, t->by_status, t->by_light);
		t->done = err == DUBAN_OK;
		return err;
	}
	err = add_totals(st, filter, t->next_seq, t->next_seq + rows, t->by_status, t->by_light);
	if (err != DUBAN_OK)
		return err;
	t->next_seq += rows;
	t->done = t->next_seq > last;
	return DUBAN_OK;
}

/* "SELECT <item columns> FROM item WHERE <filter>" into q; *first says
 * whether the WHERE is still to open. */
static void items_select(duban_store *st, struct query *q, const struct duban_filter *filter, bool *first)
{
	char *head = store_item_select_sql(st, "");

	st->today = duban_today();
	q_init(q);
	duban_buf_puts(&q->sql, head);
	free(head);
	*first = true;
	if (filter)
		where_filter(st, q, filter, first);
}

/* Runs q (and frees it), calling cb on each item until it returns non-zero. */
static enum duban_err items_each(duban_store *st, struct query *q, duban_item_cb cb, void *ctx)
{
	sqlite3_stmt *s = q_prepare(st, q);
	struct duban_item item;
	int rc;

	q_free(q);
	if (!s)
		return DUBAN_ERR_DB;
	duban_item_init(&item);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_read_item(s, &item);
		if (cb(&item, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	duban_item_free(&item);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("reading the ledger"));
}

enum duban_err duban_query_each(duban_store *st, const struct duban_filter *filter,
				enum duban_sort sort, duban_item_cb cb, void *ctx)
{
	struct query q;
	bool first;

	items_select(st, &q, filter, &first);
	switch (sort) {
	case DUBAN_SORT_CODE:
		duban_buf_puts(&q.sql, " ORDER BY code");
		break;
	case DUBAN_SORT_UPDATED:
		duban_buf_puts(&q.sql, " ORDER BY updated_at, seq");
		break;
	case DUBAN_SORT_LIGHT:
		duban_buf_puts(&q.sql, " ORDER BY " LIGHT_EXPR ", due_key, seq");
		break;
	case DUBAN_SORT_COUNTY:
	case DUBAN_SORT_STATUS:
	case DUBAN_SORT_PROGRESS:
		duban_buf_printf(&q.sql, " ORDER BY %s, due_key, seq", major_expr(sort));
		break;
	default:
		duban_buf_puts(&q.sql, " ORDER BY due_key, seq");
	}
	return items_each(st, &q, cb, ctx);
}

enum duban_err duban_query_each_by_due_code(duban_store *st, const struct duban_filter *filter,
					    duban_date after_deadline, const char *after_code, int limit,
					    duban_item_cb cb, void *ctx)
{
	struct query q;
	bool first;

	items_select(st, &q, filter, &first);
	if (after_code) {
		/* The walk of item_due stops after the window's last deadline:
		 * SQLite sorts only that day's items by code. */
		q_and(&q, &first);
		duban_buf_puts(&q.sql, "(due_key, code) > (");
		if (after_deadline == DUBAN_DATE_NONE)
			q_text(&q, "9999-12-31");
		else
			q_date(&q, after_deadline);
		duban_buf_puts(&q.sql, ", ");
		q_text(&q, after_code);
		duban_buf_puts(&q.sql, ")");
	}
	duban_buf_printf(&q.sql, " ORDER BY due_key, code LIMIT %d", limit);
	return items_each(st, &q, cb, ctx);
}

sqlite3_stmt *store_filter_stmt(duban_store *st, const struct duban_filter *filter, const char *head,
			       bool where_open, const char *tail)
{
	struct query q;
	bool first = !where_open;
	sqlite3_stmt *s = NULL;

	st->today = duban_today();
	q_init(&q);
	duban_buf_puts(&q.sql, head);
	if (filter)
		where_filter(st, &q, filter, &first);
	if (tail)
		duban_buf_puts(&q.sql, tail);
	if (sqlite3_prepare_v2(st->db, q.sql.data, (int)q.sql.len, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, _("preparing a query"));
		q_free(&q);
		return NULL;
	}
	/* The filter's plain '?' are the last parameters: head's own come first. */
	q_bind(&q, s, sqlite3_bind_parameter_count(s) - q.nbinds);
	q_free(&q);
	return s;
}

/* ---------------------------------------------------------------- aggregates */

/* The column behind a grouping field; only these may be grouped. */
static const char *group_column(const char *field)
{
	static const char *const allowed[] = { "county", "township", "lead_unit", "round", "batch", "category" };

	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (strcmp(field, allowed[i]) == 0)
			return strcmp(field, "category") == 0 ? "categories"
			       : strcmp(field, "round") == 0 ? "\"round\"" : allowed[i];
	return NULL;
}

/* Length of the separator (、 ， or ,) at p, or 0.  Multibyte separators
 * must be matched whole: strtok's byte sets would cut characters such as
 * 态 that share bytes with 、. */
static size_t separator_at(const char *p)
{
	if (*p == ',')
		return 1;
	if (strncmp(p, "、", strlen("、")) == 0)
		return strlen("、");
	if (strncmp(p, "，", strlen("，")) == 0)
		return strlen("，");
	return 0;
}

static struct duban_group_stats *find_or_add_group(struct duban_group_stats **groups, int *n, int *cap,
						   const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*groups)[i].name, name) == 0)
			return &(*groups)[i];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*groups = xrealloc(*groups, sizeof **groups * (size_t)*cap);
	}
	memset(&(*groups)[*n], 0, sizeof **groups);
	(*groups)[*n].name = xstrdup(name);
	return &(*groups)[(*n)++];
}

static void add_figures(struct duban_group_stats *g, const long long figures[6])
{
	g->items += figures[0];
	g->done += figures[1];
	g->closed += figures[2];
	g->overdue += figures[3];
	g->red += figures[4];
	g->yellow += figures[5];
}

/* Adds the figures of one SQL group to the named entry (categories: to each
 * of the categories it lists). */
static void merge_group(struct duban_group_stats **groups, int *n, int *cap, const char *names, bool split,
			const long long figures[6])
{
	const char *p = names;

	while (*p) {
		const char *end = p;
		char *name;

		while (*end && !(split && separator_at(end)))
			end++;
		name = duban_trim(xstrndup(p, (size_t)(end - p)));
		if (*name)
			add_figures(find_or_add_group(groups, n, cap, name), figures);
		free(name);
		p = *end ? end + separator_at(end) : end;
	}
}

static int group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct duban_group_stats *)a)->name, ((const struct duban_group_stats *)b)->name);
}

/* The groups of field among matching items, merged and sorted by name:
 * with every figure, or (figures false) with only the item counts, which a
 * column with an index (county) gives from the index alone. */
static enum duban_err collect_groups(duban_store *st, const struct duban_filter *filter, const char *field,
				     bool figures, struct duban_group_stats **groups, int *n)
{
	const char *column = group_column(field);
	const int ncols = figures ? 6 : 1;
	struct query q;
	sqlite3_stmt *s;
	bool first = true;
	int rc, cap = 0;

	*groups = NULL;
	*n = 0;
	if (!column)
		return store_fail(st, DUBAN_ERR_INVALID, _("cannot group by '%s'"), field);
	st->today = duban_today();
	q_init(&q);
	duban_buf_printf(&q.sql, "SELECT %s, count(*)", column);
	if (figures) {
		duban_buf_puts(&q.sql, ", sum(status IN ('verified', 'publicized', 'closed')), sum(status = 'closed'),"
				       " sum(due_key < ");
		q_date(&q, st->today);
		duban_buf_puts(&q.sql, " AND deadline_kind <> 'ongoing' AND status IN ('not_started', 'in_progress',"
				       " 'requested')), sum(" LIGHT_EXPR " = 0), sum(" LIGHT_EXPR " = 1)");
	}
	duban_buf_puts(&q.sql, " FROM item");
	if (filter)
		where_filter(st, &q, filter, &first);
	duban_buf_puts(&q.sql, " GROUP BY 1");
	s = q_prepare(st, &q);
	q_free(&q);
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long row[6] = { 0 };
		const unsigned char *name = sqlite3_column_text(s, 0);

		for (int i = 0; i < ncols; i++)
			row[i] = sqlite3_column_int64(s, i + 1);
		merge_group(groups, n, &cap, name ? (const char *)name : "", strcmp(field, "category") == 0, row);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		duban_groups_free(*groups, *n);
		*groups = NULL;
		*n = 0;
		return store_db_fail(st, _("counting"));
	}
	if (*n > 1)
		qsort(*groups, (size_t)*n, sizeof **groups, group_cmp);
	return DUBAN_OK;
}

enum duban_err duban_query_groups(duban_store *st, const struct duban_filter *filter, const char *field,
				  struct duban_group_stats **groups, int *n)
{
	return collect_groups(st, filter, field, true, groups, n);
}

void duban_groups_free(struct duban_group_stats *groups, int n)
{
	for (int i = 0; i < n; i++)
		free(groups[i].name);
	free(groups);
}

enum duban_err duban_query_values(duban_store *st, const struct duban_filter *filter, const char *field,
				  char ***values, long long **counts, int *n)
{
	struct duban_group_stats *groups;
	enum duban_err err = collect_groups(st, filter, field, false, &groups, n);

	*values = NULL;
	*counts = NULL;
	if (err != DUBAN_OK)
		return err;
	*values = xcalloc((size_t)*n + 1, sizeof **values);
	*counts = xcalloc((size_t)*n + 1, sizeof **counts);
	for (int i = 0; i < *n; i++) {
		(*values)[i] = groups[i].name;
		(*counts)[i] = groups[i].items;
	}
	free(groups);
	return DUBAN_OK;
}

void duban_values_free(char **values, long long *counts, int n)
{
	for (int i = 0; values && i < n; i++)
		free(values[i]);
	free(values);
	free(counts);
}

enum duban_err duban_query_by_day(duban_store *st, const struct duban_filter *filter, duban_date from,
				  duban_date to, int *count, enum duban_light *worst)
{
	struct query q;
	sqlite3_stmt *s;
	bool first = true;
	int rc;

	for (duban_date d = from; d <= to; d++) {
		count[d - from] = 0;
		worst[d - from] = DUBAN_LIGHT_COUNT;
	}
	if (to < from)
		return DUBAN_OK;
	st->today = duban_today();
	q_init(&q);
	duban_buf_puts(&q.sql, "SELECT due_key, count(*), min(" LIGHT_EXPR ") FROM item");
	if (filter)
		where_filter(st, &q, filter, &first);
	q_and(&q, &first);
	duban_buf_puts(&q.sql, "deadline IS NOT NULL AND due_key BETWEEN ");
	q_date(&q, from);
	duban_buf_puts(&q.sql, " AND ");
	q_date(&q, to);
	duban_buf_puts(&q.sql, " GROUP BY due_key");
	s = q_prepare(st, &q);
	q_free(&q);
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		duban_date d = duban_date_parse((const char *)sqlite3_column_text(s, 0));

		if (d == DUBAN_DATE_NONE || d < from || d > to)
			continue;
		count[d - from] = sqlite3_column_int(s, 1);
		worst[d - from] = (enum duban_light)sqlite3_column_int(s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(st, _("counting"));
}
