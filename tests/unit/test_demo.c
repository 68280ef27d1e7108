/* Tests of the demo ledger: size, mix, history, determinism, no outbox. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/demo.h"
#include "duban/store.h"
#include "duban/util.h"
#include "tap.h"

#define ITEMS 500
#define WINDOW 50

static char tmpdir[] = "/tmp/duban-test-demo-XXXXXX";

static duban_store *open_store(const char *name)
{
	char path[256], err[256] = "";
	snprintf(path, sizeof path, "%s/%s.db", tmpdir, name);
	duban_store *st = duban_store_open(path, err, sizeof err);
	if (!st)
		diag("cannot open %s: %s", path, err);
	return st;
}

static duban_store *make_ledger(const char *name, unsigned long seed, long items)
{
	duban_store *st = open_store(name);
	if (!st)
		return NULL;
	struct duban_demo_options opt = { .items = items, .seed = seed, .today = duban_today() };
	enum duban_err e = duban_demo_generate(st, &opt);
	if (e != DUBAN_OK) {
		diag("demo failed: %s", duban_store_errmsg(st));
		duban_store_close(st);
		return NULL;
	}
	return st;
}

/* The first WINDOW rows by code. */
static int first_rows(duban_store *st, struct duban_row *rows)
{
	struct duban_filter f;
	struct duban_cursor cur = { .valid = false };
	int got = 0;
	duban_filter_init(&f);
	if (duban_query_window(st, &f, DUBAN_SORT_CODE, false, &cur, false, WINDOW, rows, &got) != DUBAN_OK)
		return -1;
	return got;
}

static void free_rows(struct duban_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		duban_row_free(&rows[i]);
}

static long long count_where(duban_store *st, const struct duban_filter *f)
{
	long long n = -1;
	if (duban_query_count(st, f, &n) != DUBAN_OK)
		return -1;
	return n;
}

static void test_mix(duban_store *st)
{
	struct duban_filter f;
	long long by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT];

	is_int(duban_item_total(st), ITEMS, "the ledger holds the items asked for");
	duban_filter_init(&f);
	f.kind = DUBAN_KIND_PROBLEM;
	long long problems = count_where(st, &f);
	f.kind = DUBAN_KIND_COMPLAINT;
	long long complaints = count_where(st, &f);
	ok(problems > 10 && problems < ITEMS / 5, "about 8% problems");
	is_int(problems + complaints, ITEMS, "every item is a problem or a complaint");

	static const char *const counties[] = { "城关区", "东川县", "西山县", "南河县", "北岭县", "临江市", "高新区" };
	int seen = 0;
	for (size_t i = 0; i < sizeof counties / sizeof counties[0]; i++) {
		duban_filter_init(&f);
		f.county = counties[i];
		seen += count_where(st, &f) > 0;
	}
	ok(seen >= 6, "items spread over several counties");

	duban_filter_init(&f);
	ok(duban_query_totals(st, &f, by_status, by_light) == DUBAN_OK, "totals");
	for (int l = 0; l < DUBAN_LIGHT_COUNT; l++) {
		char name[64];
		snprintf(name, sizeof name, "some items show the %s light", duban_light_id((enum duban_light)l));
		ok(by_light[l] > 0, name);
	}
	ok(by_light[DUBAN_LIGHT_RED] > ITEMS / 20 && by_light[DUBAN_LIGHT_RED] < ITEMS / 4, "red is 5-25%");
	ok(by_light[DUBAN_LIGHT_GREY] > ITEMS / 5 && by_light[DUBAN_LIGHT_GREY] < ITEMS / 2, "grey is 20-50%");
	ok(by_status[DUBAN_STATUS_NOT_STARTED] > 0 && by_status[DUBAN_STATUS_REQUESTED] > 0 &&
	   by_status[DUBAN_STATUS_PUBLICIZED] > 0, "several statuses");
	diag("lights: red %lld yellow %lld green %lld blue %lld grey %lld",
	     by_light[0], by_light[1], by_light[2], by_light[3], by_light[4]);

	duban_filter_init(&f);
	f.overdue = true;
	ok(count_where(st, &f) > 0, "some items are overdue");
	duban_filter_init(&f);
	f.text = "采砂";
	ok(count_where(st, &f) > 0, "a search for 采砂 finds items");
}

struct hist_count {
	int notes, events;
};

static int count_history(const struct duban_history_entry *e, void *ctx)
{
	struct hist_count *h = ctx;
	h->notes += e->note != NULL;
	h->events += e->event != NULL;
	return 0;
}

static void test_history(duban_store *st)
{
	struct duban_row rows[WINDOW];
	int got = first_rows(st, rows);
	ok(got == WINDOW, "a window of rows by code");
	if (got <= 0)
		return;
	/* With 500 items every one is among the first 2000 that get notes. */
	struct hist_count h = { 0, 0 };
	ok(duban_history_each(st, rows[0].id, count_history, &h) == DUBAN_OK, "history of the first item");
	ok(h.notes >= 1 && h.notes <= 3, "the first item has 1-3 progress notes");
	char *latest = duban_latest_note(st, rows[0].id);
	ok(latest && *latest, "and a latest note");
	free(latest);
	free_rows(rows, got);
}

static bool same_rows(const struct duban_row *a, const struct duban_row *b, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i].code, b[i].code) != 0 || strcmp(a[i].title, b[i].title) != 0)
			return false;
	return true;
}

static void test_determinism(duban_store *first)
{
	struct duban_row a[WINDOW], b[WINDOW], c[WINDOW];
	duban_store *again = make_ledger("again", 42, ITEMS);
	duban_store *other = make_ledger("other", 43, ITEMS);
	ok(again && other, "two more ledgers");
	if (!again || !other)
		goto out;
	int na = first_rows(first, a), nb = first_rows(again, b), nc = first_rows(other, c);
	is_int(nb, na, "same seed, same number of rows");
	ok(na == WINDOW && nb == WINDOW && same_rows(a, b, WINDOW), "same seed: same codes and titles in the same order");
	ok(nc == WINDOW && !same_rows(a, c, WINDOW), "another seed: another ledger");
	if (na > 0 && nb > 0)
		is_str(b[0].id, a[0].id, "same seed: same ids");
	free_rows(a, na > 0 ? na : 0);
	free_rows(b, nb > 0 ? nb : 0);
	free_rows(c, nc > 0 ? nc : 0);
out:
	if (again)
		duban_store_close(again);
	if (other)
		duban_store_close(other);
}

static void progress_cb(long done, long total, void *ctx)
{
	long *last = ctx;
	if (done >= *last && done <= total)
		*last = done;
}

static void test_progress_and_empty(void)
{
	duban_store *st = open_store("empty");
	long last = -1;
	struct duban_demo_options opt = { .items = 0, .seed = 1, .today = duban_today(),
					  .progress = progress_cb, .progress_ctx = &last };
	ok(st && duban_demo_generate(st, &opt) == DUBAN_OK, "an empty demo is fine");
	if (st) {
		is_int(duban_item_total(st), 0, "and holds nothing");
		duban_store_close(st);
	}
	is_int(last, 0, "progress reports the end");
}

static void cleanup(void)
{
	static const char *const names[] = { "main", "again", "other", "empty" };
	static const char *const suffix[] = { ".db", ".db-wal", ".db-shm", ".db-journal" };
	char path[300];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		for (size_t j = 0; j < sizeof suffix / sizeof suffix[0]; j++) {
			snprintf(path, sizeof path, "%s/%s%s", tmpdir, names[i], suffix[j]);
			unlink(path);
		}
	rmdir(tmpdir);
}

int main(void)
{
	setenv("DUBAN_TODAY", "2026-06-15", 1);
	setenv("DUBAN_NOW", "2026-06-15T08:00:00Z", 1);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	long last = -1;
	duban_store *st = open_store("main");
	struct duban_demo_options opt = { .items = ITEMS, .seed = 42, .today = duban_today(),
					  .progress = progress_cb, .progress_ctx = &last };
	ok(st != NULL, "open a store");
	if (st) {
		ok(duban_demo_generate(st, &opt) == DUBAN_OK, "generate 500 items");
		is_int(last, ITEMS, "progress reaches the total");
		test_mix(st);
		test_history(st);
		is_int(duban_outbox_count(st), 0, "a demo queues nothing for the server");
		test_determinism(st);
		duban_store_close(st);
	}
	test_progress_and_empty();
	cleanup();
	return done_testing();
}
