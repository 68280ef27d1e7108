/* The core benchmark: builds demo ledgers and times the queries the TUI and
 * the CLI make against the budgets of DESIGN §7.
 *
 *   bench_core generate DB N [SEED]   build a demo ledger of N items
 *   bench_core measure DB [RUNS]      time windows, filters, searches, counts
 *   bench_core taskjson DB OUT        export the ledger for `task import`
 *
 * Lines starting with '@' are for bench.sh: "@key value". */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "duban/date.h"
#include "duban/demo.h"
#include "duban/progress.h"
#include "duban/store.h"
#include "duban/util.h"
#include "store_internal.h"

#define WINDOW 50
#define MAX_RUNS 200

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static duban_store *open_or_die(const char *path)
{
	char err[512] = "";
	duban_store *st = duban_store_open(path, err, sizeof err);
	if (!st) {
		fprintf(stderr, "bench_core: %s: %s\n", path, err);
		exit(1);
	}
	return st;
}

/* ---------------------------------------------------------------- generate */

static int cmd_generate(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_core generate DB N [SEED]\n");
		return 2;
	}
	const char *path = argv[2];
	long n = strtol(argv[3], NULL, 10);
	unsigned long seed = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
	struct stat sb;
	if (stat(path, &sb) == 0) {
		fprintf(stderr, "bench_core: %s exists: remove it first\n", path);
		return 1;
	}
	double t0 = now_ms();
	duban_store *st = open_or_die(path);
	struct duban_demo_options opt = { .items = n, .seed = seed, .today = duban_today(),
					  .progress = duban_progress_new("generating", n, stderr, false) };
	enum duban_err e = duban_demo_generate(st, &opt);
	duban_progress_end(opt.progress);
	if (e != DUBAN_OK) {
		fprintf(stderr, "bench_core: demo: %s\n", duban_store_errmsg(st));
		duban_store_close(st);
		return 1;
	}
	duban_store_close(st);
	double ms = now_ms() - t0;
	long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
	printf("generated %ld items in %.1f s (%.0f items/s), %.1f MB on disk, peak RSS %.1f MB\n",
	       n, ms / 1e3, ms > 0 ? n / (ms / 1e3) : 0.0, bytes / 1048576.0, peak_rss_kb() / 1024.0);
	printf("@generate_s %.2f\n@db_mb %.1f\n@generate_rss_mb %.1f\n", ms / 1e3, bytes / 1048576.0,
	       peak_rss_kb() / 1024.0);
	return 0;
}

/* ---------------------------------------------------------------- measure */

struct bench {
	const char *path;
	duban_store *st;
	struct duban_filter f;
	enum duban_sort sort;
	struct duban_cursor cur;
	bool backward;
	int got;
	long long count;
	const char *county;
	duban_date today;
};

typedef enum duban_err (*probe_fn)(struct bench *b);

static enum duban_err probe_window(struct bench *b)
{
	struct duban_row rows[WINDOW];
	enum duban_err e = duban_query_window(b->st, &b->f, b->sort, false, &b->cur, b->backward,
					      WINDOW, rows, &b->got);
	for (int i = 0; i < b->got; i++)
		duban_row_free(&rows[i]);
	return e;
}

static enum duban_err probe_count(struct bench *b)
{
	return duban_query_count(b->st, &b->f, &b->count);
}

/* What the user waits for when the program starts: open, first window. */
static enum duban_err probe_first_screen(struct bench *b)
{
	duban_store *keep = b->st;
	b->st = open_or_die(b->path);
	enum duban_err e = probe_window(b);
	duban_store_close(b->st);
	b->st = keep;
	return e;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Terminal columns of a label: CJK characters (3 bytes in UTF-8) take two. */
static int columns(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n += *p >= 0xe0 ? 2 : 1;
	return n;
}

/* Runs the probe RUNS times; prints median, first (cold) run, min and max. */
static void measure(struct bench *b, const char *key, const char *label, probe_fn fn, int runs)
{
	double t[MAX_RUNS];
	b->got = 0;
	b->count = -1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		enum duban_err e = fn(b);
		t[i] = now_ms() - t0;
		if (e != DUBAN_OK) {
			fprintf(stderr, "bench_core: %s: %s\n", label, duban_store_errmsg(b->st));
			printf("@%s nan\n", key);
			return;
		}
	}
	double first = t[0];
	qsort(t, (size_t)runs, sizeof t[0], cmp_double);
	double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
	char what[64];
	if (b->count >= 0)
		snprintf(what, sizeof what, "count %lld", b->count);
	else
		snprintf(what, sizeof what, "%d rows", b->got);
	printf("  %s%*s median %9.3f ms  first %9.3f  min %9.3f  max %9.3f  (%s)\n",
	       label, columns(label) < 34 ? 34 - columns(label) : 0, "", med, first, t[0], t[runs - 1], what);
	printf("@%s %.3f\n", key, med);
	fflush(stdout);
}

static void reset(struct bench *b, enum duban_sort sort)
{
	duban_filter_init(&b->f);
	b->sort = sort;
	memset(&b->cur, 0, sizeof b->cur);
	b->cur.valid = false;
	b->backward = false;
}

/* One row of a window, for a cursor. */
static bool row_at(struct bench *b, bool backward, struct duban_row *out)
{
	int got = 0;
	struct duban_cursor start = { .valid = false };
	if (duban_query_window(b->st, &b->f, b->sort, false, &start, backward, 1, out, &got) != DUBAN_OK)
		return false;
	return got == 1;
}

/* A cursor in the middle of the deadline order: the first row due on or
 * after the middle date between the earliest and the latest deadline.  This
 * is how the TUI jumps to a date: by keyset, never by OFFSET. */
static bool middle_cursor(struct bench *b, struct duban_cursor *out)
{
	struct duban_row lo, hi, mid;
	reset(b, DUBAN_SORT_DEADLINE);
	b->f.due_after = duban_date_from_ymd(1900, 1, 1);
	if (!row_at(b, false, &lo))
		return false;
	b->f.due_after = DUBAN_DATE_NONE;
	/* ongoing items without a date sort last, keyed 9999-12-31 */
	b->f.due_before = duban_date_from_ymd(9999, 12, 30);
	if (!row_at(b, true, &hi)) {
		duban_row_free(&lo);
		return false;
	}
	if (lo.deadline == DUBAN_DATE_NONE || hi.deadline == DUBAN_DATE_NONE) {
		duban_row_free(&lo);
		duban_row_free(&hi);
		return false;
	}
	b->f.due_before = DUBAN_DATE_NONE;
	b->f.due_after = lo.deadline + (hi.deadline - lo.deadline) / 2;
	bool found = row_at(b, false, &mid);
	if (found) {
		char d[11];
		printf("  (middle: deadlines %s", duban_date_format(lo.deadline, d));
		printf(" .. %s,", duban_date_format(hi.deadline, d));
		printf(" seek to %s %s)\n", duban_date_format(mid.deadline, d), mid.code);
		duban_cursor_of_row(&mid, DUBAN_SORT_DEADLINE, out);
		duban_row_free(&mid);
	}
	duban_row_free(&lo);
	duban_row_free(&hi);
	reset(b, DUBAN_SORT_DEADLINE);
	return found;
}

/* The cursor after the first window: a page-down. */
static bool second_page_cursor(struct bench *b, struct duban_cursor *out)
{
	struct duban_row rows[WINDOW];
	reset(b, DUBAN_SORT_DEADLINE);
	if (duban_query_window(b->st, &b->f, b->sort, false, &b->cur, false, WINDOW, rows, &b->got) != DUBAN_OK ||
	    b->got == 0)
		return false;
	duban_cursor_of_row(&rows[b->got - 1], DUBAN_SORT_DEADLINE, out);
	for (int i = 0; i < b->got; i++)
		duban_row_free(&rows[i]);
	return true;
}

static void measure_navigation(struct bench *b, int runs)
{
	struct duban_cursor c;
	reset(b, DUBAN_SORT_DEADLINE);
	measure(b, "first_screen", "open + first window by deadline", probe_first_screen, runs);
	reset(b, DUBAN_SORT_DEADLINE);
	measure(b, "first_window", "first window by deadline", probe_window, runs);
	if (second_page_cursor(b, &c)) {
		reset(b, DUBAN_SORT_DEADLINE);
		b->cur = c;
		measure(b, "page_down", "page down from the first window", probe_window, runs);
	}
	if (middle_cursor(b, &c)) {
		b->cur = c;
		measure(b, "middle_window", "window at the middle (forward)", probe_window, runs);
		b->backward = true;
		measure(b, "middle_back", "window at the middle (page up)", probe_window, runs);
	}
	reset(b, DUBAN_SORT_DEADLINE);
	b->backward = true;
	measure(b, "end_window", "window at the end (backward)", probe_window, runs);
}

static void measure_filters(struct bench *b, int runs)
{
	reset(b, DUBAN_SORT_DEADLINE);
	b->f.county = b->county;
	b->f.status_mask = (1u << DUBAN_STATUS_NOT_STARTED) | (1u << DUBAN_STATUS_IN_PROGRESS);
	measure(b, "county_window", "county + open statuses: window", probe_window, runs);
	measure(b, "county_count", "county + open statuses: count", probe_count, runs);
	reset(b, DUBAN_SORT_DEADLINE);
	b->f.county = b->county;
	measure(b, "county_all_count", "county: count", probe_count, runs);
	reset(b, DUBAN_SORT_DEADLINE);
	b->f.light_mask = 1u << DUBAN_LIGHT_RED;
	measure(b, "red_window", "red light: window", probe_window, runs);
	measure(b, "red_count", "red light: count", probe_count, runs);
	reset(b, DUBAN_SORT_DEADLINE);
	b->f.overdue = true;
	measure(b, "overdue_window", "overdue: window", probe_window, runs);
}

static void measure_search(struct bench *b, int runs)
{
	static const struct { const char *key, *text; } terms[] = {
		{ "search2", "采砂" }, { "search4", "黑臭水体" }, { "search1", "砂" }, { "search_code", "D2XX0001" },
	};
	for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		char key[64], label[96];
		reset(b, DUBAN_SORT_DEADLINE);
		b->f.text = terms[i].text;
		snprintf(key, sizeof key, "%s_window", terms[i].key);
		snprintf(label, sizeof label, "search %s: window", terms[i].text);
		measure(b, key, label, probe_window, runs);
		snprintf(key, sizeof key, "%s_count", terms[i].key);
		snprintf(label, sizeof label, "search %s: count", terms[i].text);
		measure(b, key, label, probe_count, runs);
	}
	/* a keystroke narrows a search inside a county */
	reset(b, DUBAN_SORT_DEADLINE);
	b->f.text = "采砂";
	b->f.county = b->county;
	measure(b, "search2_county_window", "search 采砂 in county: window", probe_window, runs);
}

static int cmd_measure(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_core measure DB [RUNS] [COUNTY]\n");
		return 2;
	}
	struct bench b = { .path = argv[2], .county = "东川县", .today = duban_today() };
	int runs = argc > 3 ? atoi(argv[3]) : 20;
	if (runs < 1 || runs > MAX_RUNS)
		runs = 20;
	if (argc > 4)
		b.county = argv[4];
	b.st = open_or_die(b.path);
	long long total = duban_item_total(b.st);
	printf("ledger %s: %lld items, %d runs each\n", b.path, total, runs);
	printf("@items %lld\n", total);
	measure_navigation(&b, runs);
	measure_filters(&b, runs);
	measure_search(&b, runs);
	duban_store_close(b.st);
	printf("  peak RSS %.1f MB\n@rss_mb %.1f\n", peak_rss_kb() / 1024.0, peak_rss_kb() / 1024.0);
	return 0;
}

/* ---------------------------------------------------------------- taskjson */

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* Taskwarrior dates: 20260615T000000Z. */
static void task_date(FILE *out, const char *key, duban_date d)
{
	int y, m, day;
	duban_date_to_ymd(d, &y, &m, &day);
	fprintf(out, ",\"%s\":\"%04d%02d%02dT000000Z\"", key, y, m, day);
}

static void task_stamp(FILE *out, const char *key, const char *iso)
{
	char buf[32];
	int j = 0;
	for (const char *p = iso; *p && j < 30; p++)
		if (*p != '-' && *p != ':')
			buf[j++] = *p;
	buf[j] = '\0';
	fprintf(out, ",\"%s\":", key);
	json_str(out, buf);
}

static void task_tags(FILE *out, const char *categories)
{
	static const char sep[] = "、";
	const char *p = categories;
	fputs(",\"tags\":[", out);
	for (bool first = true; *p; first = false) {
		const char *q = strstr(p, sep);
		size_t n = q ? (size_t)(q - p) : strlen(p);
		char *tag = xstrndup(p, n);
		if (!first)
			fputc(',', out);
		json_str(out, tag);
		free(tag);
		p = q ? q + strlen(sep) : p + n;
	}
	fputc(']', out);
}

struct task_export {
	FILE *out;
	long n;
};

static int task_item(const struct duban_item *it, void *ctx)
{
	struct task_export *x = ctx;
	char *desc = xasprintf("%s %s", it->code, it->title);
	bool done = it->status == DUBAN_STATUS_CLOSED;
	fputs(x->n++ ? ",\n{" : "{", x->out);
	fputs("\"uuid\":", x->out);
	json_str(x->out, it->id);
	fputs(",\"description\":", x->out);
	json_str(x->out, desc);
	fputs(",\"project\":", x->out);
	json_str(x->out, it->county);
	fprintf(x->out, ",\"status\":\"%s\"", done ? "completed" : "pending");
	task_stamp(x->out, "entry", it->created_at);
	if (done)
		task_stamp(x->out, "end", it->updated_at);
	if (it->deadline != DUBAN_DATE_NONE)
		task_date(x->out, "due", it->deadline);
	if (*it->categories)
		task_tags(x->out, it->categories);
	fputc('}', x->out);
	free(desc);
	return 0;
}

static int cmd_taskjson(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_core taskjson DB OUT\n");
		return 2;
	}
	duban_store *st = open_or_die(argv[2]);
	struct task_export x = { fopen(argv[3], "w"), 0 };
	if (!x.out) {
		fprintf(stderr, "bench_core: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	struct duban_filter f;
	duban_filter_init(&f);
	fputs("[\n", x.out);
	enum duban_err e = duban_query_each(st, &f, DUBAN_SORT_CODE, task_item, &x);
	fputs("\n]\n", x.out);
	int rc = fclose(x.out) == 0 && e == DUBAN_OK ? 0 : 1;
	if (e != DUBAN_OK)
		fprintf(stderr, "bench_core: export: %s\n", duban_store_errmsg(st));
	duban_store_close(st);
	printf("exported %ld tasks to %s\n", x.n, argv[3]);
	return rc;
}

/* ---------------------------------------------------------------- ftsdump */

/* The search index's content, term by term (ledger_dump.sh: the sqlite3
 * shell cannot open the index without duban's tokenizer). */
static int cmd_ftsdump(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_core ftsdump DB\n");
		return 2;
	}
	duban_store *st = open_or_die(argv[2]);
	sqlite3 *db = duban_store_db(st);
	sqlite3_stmt *s = NULL;
	int rc = 1;
	if (sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, item_fts, instance)", NULL, NULL,
			 NULL) == SQLITE_OK
	    && sqlite3_prepare_v2(db, "SELECT term, doc, col, offset FROM temp.v ORDER BY doc, col, offset, term", -1,
				  &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW)
			printf("%s|%lld|%s|%d\n", (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
			       (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3));
		rc = 0;
	} else {
		fprintf(stderr, "bench_core: %s\n", sqlite3_errmsg(db));
	}
	sqlite3_finalize(s);
	duban_store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "ftsdump") == 0)
		return cmd_ftsdump(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "generate") == 0)
		return cmd_generate(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "measure") == 0)
		return cmd_measure(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "taskjson") == 0)
		return cmd_taskjson(argc, argv);
	fprintf(stderr, "usage: bench_core generate DB N [SEED] | measure DB [RUNS] [COUNTY] | taskjson DB OUT"
			" | ftsdump DB\n");
	return 2;
}
