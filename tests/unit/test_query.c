/* Query windows: paging forward and backward by keyset through every sort and
 * filter must give exactly the rows, in exactly the order, of a full ordered
 * scan; counts and totals must agree with it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/store.h"
#include "duban/util.h"
#include "store_internal.h"
#include "tap.h"

#define ITEMS 4500
#define PAGE 53

static const char *const counties[] = { "城关区", "东川县", "西山县", "南河县", "北岭县" };
static const char *const words[] = { "黑臭水体", "露天矿山", "河道采砂", "餐厨垃圾", "工业园区" };

static void make_ledger(duban_store *st)
{
	duban_date today = duban_today();
	unsigned long x = 12345;

	duban_store_set_outbox(st, false);
	duban_store_begin(st);
	for (int i = 0; i < ITEMS; i++) {
		struct duban_item it;
		char code[32], title[128];

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		duban_item_init(&it);
		it.kind = i % 11 == 0 ? DUBAN_KIND_PROBLEM : DUBAN_KIND_COMPLAINT;
		snprintf(code, sizeof code, "C%05d", (int)((x >> 20) % 90000) * 0 + i);
		/* Rare word: only every 500th item mentions 尾矿库. */
		snprintf(title, sizeof title, "%s整改%s", words[(x >> 33) % 5], i % 500 == 7 ? "尾矿库" : "");
		duban_set_str(&it.code, code);
		duban_set_str(&it.title, title);
		duban_set_str(&it.county, counties[(x >> 40) % 5]);
		duban_set_str(&it.lead_unit, i % 3 ? "市生态环境局" : "市水务局");
		/* 态 shares two bytes with the separator 、: splitting must not cut it. */
		duban_set_str(&it.categories, i % 4 ? "水" : "大气、生态");
		it.status = (enum duban_status)((x >> 45) % DUBAN_STATUS_COUNT);
		it.start = today - 200;
		if (i % 13 == 0)
			it.deadline_kind = DUBAN_DEADLINE_ONGOING;
		else
			it.deadline = today - 60 + (int)((x >> 50) % 200); /* many equal deadlines */
		it.progress = (int)((x >> 24) % 101);
		if (duban_item_insert(st, &it) != DUBAN_OK)
			diag("insert failed: %s", duban_store_errmsg(st));
		duban_item_free(&it);
	}
	duban_store_commit(st);
}

struct list {
	char (*ids)[37];
	int n;
};

static int collect(const struct duban_item *item, void *ctx)
{
	struct list *l = ctx;

	memcpy(l->ids[l->n++], item->id, 37);
	return 0;
}

/* The reference order: one full scan. */
static void reference(duban_store *st, const struct duban_filter *f, enum duban_sort sort, struct list *l)
{
	l->n = 0;
	duban_query_each(st, f, sort, collect, l);
}

/* Pages through with windows; fills l in display order. */
static int page_all(duban_store *st, const struct duban_filter *f, enum duban_sort sort, bool desc,
		    bool backward, struct list *l)
{
	struct duban_cursor cur = { .valid = false };
	struct duban_row rows[PAGE];
	int got, total = 0;

	l->n = 0;
	for (;;) {
		if (duban_query_window(st, f, sort, desc, &cur, backward, PAGE, rows, &got) != DUBAN_OK)
			return -1;
		if (got == 0)
			break;
		for (int i = 0; i < got; i++) {
			int k = backward ? got - 1 - i : i;
			memcpy(l->ids[l->n++], rows[k].id, 37);
		}
		duban_cursor_of_row(&rows[backward ? 0 : got - 1], sort, &cur);
		for (int i = 0; i < got; i++)
			duban_row_free(&rows[i]);
		total += got;
		if (total > ITEMS)
			return -1;
	}
	if (backward) /* collected last-to-first */
		for (int i = 0, j = l->n - 1; i < j; i++, j--) {
			char t[37];
			memcpy(t, l->ids[i], 37);
			memcpy(l->ids[i], l->ids[j], 37);
			memcpy(l->ids[j], t, 37);
		}
	return 0;
}

static int stream_collect(const struct duban_row *row, void *ctx)
{
	struct list *l = ctx;

	if (l->n < ITEMS)
		memcpy(l->ids[l->n], row->id, 37);
	l->n++;
	return 0;
}

/* The whole listing in one stream (`duban list` without --limit). */
static int stream_all(duban_store *st, const struct duban_filter *f, enum duban_sort sort, bool desc,
		      struct list *l)
{
	l->n = 0;
	return duban_query_stream(st, f, sort, desc, stream_collect, l) == DUBAN_OK && l->n <= ITEMS ? 0 : -1;
}

static bool same(const struct list *a, const struct list *b, bool reversed)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (memcmp(a->ids[i], b->ids[reversed ? b->n - 1 - i : i], 37) != 0)
			return false;
	return true;
}

static void check(duban_store *st, const char *what, const struct duban_filter *f, struct list *ref,
		  struct list *got)
{
	for (int sort = 0; sort < DUBAN_SORT_COUNT; sort++) {
		char name[160];
		long long count = -1;

		reference(st, f, sort, ref);
		for (int desc = 0; desc < 2; desc++)
			for (int back = 0; back < 2; back++) {
				snprintf(name, sizeof name, "%s: sort %s%s, paging %s (%d rows)", what,
					 duban_sort_id(sort), desc ? " descending" : "", back ? "backward" : "forward",
					 ref->n);
				ok(page_all(st, f, sort, desc, back, got) == 0 && same(got, ref, desc), name);
			}
		for (int desc = 0; desc < 2; desc++) {
			snprintf(name, sizeof name, "%s: sort %s%s, one stream (%d rows)", what, duban_sort_id(sort),
				 desc ? " descending" : "", ref->n);
			ok(stream_all(st, f, sort, desc, got) == 0 && same(got, ref, desc), name);
		}
		if (sort == 0) {
			duban_query_count(st, f, &count);
			snprintf(name, sizeof name, "%s: count", what);
			is_int(count, ref->n, name);
		}
	}
}

/* A county's listing reads the index alone (no item row per listed row):
 * item_county_due holds every column a listing row reads. */
static void test_county_covering(duban_store *st)
{
	sqlite3_stmt *s;
	bool covering = false;
	if (sqlite3_prepare_v2(duban_store_db(st), "EXPLAIN QUERY PLAN SELECT seq, id, kind, code, title, county,"
				" lead_unit, start, deadline, deadline_kind, status, progress, updated_at,"
				" duban_light(status, deadline_kind, start, deadline, progress), due_key, \"round\","
				" transferred_on, feedback_on FROM item INDEXED BY item_county_due WHERE county = ?"
				" ORDER BY due_key, seq", -1, &s, NULL) != SQLITE_OK) {
		ok(false, "the county listing's plan");
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(s, 3), "COVERING INDEX item_county_due"))
			covering = true;
	sqlite3_finalize(s);
	ok(covering, "a county listing reads item_county_due alone (a covering index)");
}

int main(void)
{
	char dir[] = "/tmp/duban-query-XXXXXX", path[96], err[256];
	struct list ref, got;
	struct duban_filter f;
	duban_store *st;

	setenv("DUBAN_TODAY", "2026-06-15", 1);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/l.db", dir);
	st = duban_store_open(path, err, sizeof err);
	if (!st) {
		diag("%s", err);
		return 1;
	}
	make_ledger(st);
	ref.ids = xcalloc(ITEMS, 37);
	got.ids = xcalloc(ITEMS, 37);

	test_county_covering(st);
	duban_filter_init(&f);
	check(st, "no filter", &f, &ref, &got);
	is_int(ref.n, ITEMS, "every item listed");

	duban_filter_init(&f);
	f.county = "东川县";
	check(st, "county", &f, &ref, &got);
	ok(ref.n > ITEMS / 8 && ref.n < ITEMS / 3, "county filter selects about a fifth");

	duban_filter_init(&f);
	f.status_mask = 1u << DUBAN_STATUS_REQUESTED;
	check(st, "one status", &f, &ref, &got);

	duban_filter_init(&f);
	f.status_mask = (1u << DUBAN_STATUS_NOT_STARTED) | (1u << DUBAN_STATUS_IN_PROGRESS);
	f.kind = DUBAN_KIND_COMPLAINT;
	f.category = "生态";
	check(st, "statuses, kind, category", &f, &ref, &got);

	duban_filter_init(&f);
	f.light_mask = (1u << DUBAN_LIGHT_RED) | (1u << DUBAN_LIGHT_BLUE);
	check(st, "lights", &f, &ref, &got);

	duban_filter_init(&f);
	f.light_mask = (1u << DUBAN_LIGHT_RED) | (1u << DUBAN_LIGHT_YELLOW);
	f.county = "南河县";
	check(st, "urgent lights in a county (merged status walks)", &f, &ref, &got);
	ok(ref.n > 0, "some urgent items");

	duban_filter_init(&f);
	f.text = "尾矿库";
	check(st, "rare text (collected)", &f, &ref, &got);
	is_int(ref.n, ITEMS / 500, "rare text finds each item that has it");

	duban_filter_init(&f);
	f.text = "整改";
	check(st, "common text (probed)", &f, &ref, &got);
	is_int(ref.n, ITEMS, "common text finds all");

	/* A code prefix being typed: many matches, collected, not probed. */
	duban_filter_init(&f);
	f.text = "C01";
	check(st, "code prefix", &f, &ref, &got);
	ok(ref.n > 100, "a code prefix matches many items");

	duban_filter_init(&f);
	f.text = "采砂";
	f.county = "西山县";
	check(st, "text and county", &f, &ref, &got);

	duban_filter_init(&f);
	f.overdue = true;
	f.unit = "水务";
	check(st, "overdue, unit", &f, &ref, &got);

	duban_filter_init(&f);
	f.due_before = duban_today() + 10;
	f.due_after = duban_today();
	check(st, "due between", &f, &ref, &got);

	{
		long long by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT], s1 = 0, s2 = 0;
		duban_filter_init(&f);
		duban_query_totals(st, &f, by_status, by_light);
		for (int i = 0; i < DUBAN_STATUS_COUNT; i++)
			s1 += by_status[i];
		for (int i = 0; i < DUBAN_LIGHT_COUNT; i++)
			s2 += by_light[i];
		is_int(s1, ITEMS, "totals by status add up");
		is_int(s2, ITEMS, "totals by light add up");
		f.light_mask = 1u << DUBAN_LIGHT_GREY;
		long long grey = 0;
		duban_query_count(st, &f, &grey);
		is_int(grey, by_light[DUBAN_LIGHT_GREY], "grey count agrees with totals");
		is_int(by_light[DUBAN_LIGHT_GREY], by_status[DUBAN_STATUS_CLOSED], "grey = closed");
		{
			struct duban_totals sliced = { 0 };
			int steps = 0;
			duban_filter_init(&f);
			while (!sliced.done && steps < 1000) {
				if (duban_totals_step(st, &f, &sliced, 700) != DUBAN_OK)
					break;
				steps++;
			}
			ok(sliced.done && steps >= ITEMS / 700, "totals in slices finish, slice by slice");
			ok(memcmp(sliced.by_status, by_status, sizeof by_status) == 0
			   && memcmp(sliced.by_light, by_light, sizeof by_light) == 0, "and agree with the totals");
		}
	}
	{
		struct duban_group_stats *g;
		int n = 0, days[31];
		enum duban_light worst[31];
		long long items = 0, cats = 0, in_range = 0, on_days = 0;
		char **values;
		long long *counts;

		duban_filter_init(&f);
		ok(duban_query_groups(st, &f, "county", &g, &n) == DUBAN_OK && n == 5, "five counties");
		for (int i = 0; i < n; i++)
			items += g[i].items;
		is_int(items, ITEMS, "groups by county add up");
		ok(n > 0 && strcmp(g[0].name, "东川县") <= 0, "groups sorted by name");
		duban_groups_free(g, n);
		ok(duban_query_groups(st, &f, "category", &g, &n) == DUBAN_OK && n == 3, "categories are split");
		for (int i = 0; i < n; i++)
			cats += g[i].items;
		is_int(cats, ITEMS + (ITEMS + 3) / 4, "an item with two categories counts in both");
		is_str(n == 3 ? g[2].name : "", "生态", "a category sharing bytes with 、 is kept whole");
		duban_groups_free(g, n);
		ok(duban_query_groups(st, &f, "title; DROP TABLE item", &g, &n) == DUBAN_ERR_INVALID,
		   "only known fields group");
		ok(duban_query_values(st, &f, "lead_unit", &values, &counts, &n) == DUBAN_OK && n == 2,
		   "distinct lead units");
		is_str(n == 2 ? values[0] : "", "市水务局", "values sorted by code point");
		duban_values_free(values, counts, n);

		ok(duban_query_by_day(st, &f, duban_today(), duban_today() + 30, days, worst) == DUBAN_OK, "by day");
		for (int i = 0; i < 31; i++)
			on_days += days[i];
		f.due_after = duban_today();
		f.due_before = duban_today() + 30;
		duban_query_count(st, &f, &in_range);
		is_int(on_days, in_range, "deadlines per day add up to the range count");
		ok(worst[0] == DUBAN_LIGHT_COUNT || worst[0] <= DUBAN_LIGHT_GREY, "worst light in range");
	}
	{
		struct duban_row rows[5];
		int n = -1;
		duban_filter_init(&f);
		f.text = "!!!";
		ok(duban_query_window(st, &f, DUBAN_SORT_DEADLINE, false, NULL, false, 5, rows, &n) == DUBAN_OK,
		   "a query of punctuation only is no error");
		for (int i = 0; i < n; i++)
			duban_row_free(&rows[i]);
	}

	free(ref.ids);
	free(got.ids);
	duban_store_close(st);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
