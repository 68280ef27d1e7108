/* The scan a search falls back to while the search index waits to be built
 * (duban_text_match) against the index itself (item_fts MATCH
 * duban_fts_match_expr): the same rows for thousands of generated searches
 * over thousands of generated rows, CJK runs, Latin words and digits,
 * full-width forms, separators, quotes and broken UTF-8 among them. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/util.h"
#include "store_internal.h"
#include "tap.h"

#define NROWS 1000
#define NSEARCHES 2000

static sqlite3 *db;
static uint32_t rng = 88172645u;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Few distinct pieces, so that searches often match, and in many ways. */
static const char *const pieces[] = {
	"采", "砂", "场", "河", "道", "整", "改", "水", "体", "黑", "臭", "县", "区", "〇", "々",
	"ZJ", "zj", "Ｚｊ", "d7", "D7", "2021", "２０", "VOCs", "Müller", "ÉCOLE", "a", "b1", "x",
	" ", " ", "，", "。", "-", "\"", "（", "）", "　", "\t", "_", "\xe6\xb0", "\xff",
};
#define NPIECES (sizeof pieces / sizeof pieces[0])

static void gen(char *out, size_t cap, int min, int max)
{
	int n = min + (int)(next_rand() % (unsigned)(max - min + 1));
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *p = pieces[next_rand() % NPIECES];
		size_t pl = strlen(p);

		if (len + pl + 1 >= cap)
			break;
		memcpy(out + len, p, pl);
		len += pl;
		out[len] = '\0';
	}
}

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		diag("%s: %s", sql, err ? err : "?");
		sqlite3_free(err);
		exit(1);
	}
}

/* The rowids a statement gives for text, as "1,4,"; "ERR" on an error. */
static void rowids(sqlite3_stmt *s, const char *bind, struct duban_buf *out)
{
	int rc;

	out->len = 0;
	duban_buf_puts(out, "");
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, bind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		duban_buf_printf(out, "%lld,", (long long)sqlite3_column_int64(s, 0));
	if (rc != SQLITE_DONE)
		duban_buf_puts(out, "ERR");
}

static char rows[NROWS][5][160];

static void fill(void)
{
	sqlite3_stmt *a, *b;

	exec("CREATE VIRTUAL TABLE t USING fts5(" DUBAN_FTS_COLUMNS ", content='', tokenize='duban_bigram')");
	exec("CREATE TABLE d (code, title, description, units, measures)");
	sqlite3_prepare_v2(db, "INSERT INTO t (rowid, " DUBAN_FTS_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &a,
			   NULL);
	sqlite3_prepare_v2(db, "INSERT INTO d (rowid, " DUBAN_FTS_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &b,
			   NULL);
	exec("BEGIN");
	for (int r = 0; r < NROWS; r++) {
		for (int c = 0; c < 5; c++)
			gen(rows[r][c], sizeof rows[r][c], c == 0 ? 1 : 0, c == 2 ? 30 : 8);
		for (sqlite3_stmt **s = (sqlite3_stmt *[]){ a, b, NULL }; *s; s++) {
			sqlite3_reset(*s);
			sqlite3_bind_int(*s, 1, r + 1);
			for (int c = 0; c < 5; c++)
				sqlite3_bind_text(*s, c + 2, rows[r][c], -1, SQLITE_STATIC);
			if (sqlite3_step(*s) != SQLITE_DONE)
				diag("insert %d: %s", r + 1, sqlite3_errmsg(db));
		}
	}
	exec("COMMIT");
	sqlite3_finalize(a);
	sqlite3_finalize(b);
}

/* A search: one to three terms, each a piece of a row (so it matches
 * something) or made up, cut anywhere. */
static void search_text(char *out, size_t cap)
{
	int terms = 1 + (int)(next_rand() % 3);
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < terms; i++) {
		char term[64];

		if (next_rand() % 3) {
			const char *src = rows[next_rand() % NROWS][next_rand() % 5];
			size_t sl = strlen(src), from = sl ? next_rand() % sl : 0;
			size_t n = 1 + next_rand() % 9;

			if (from + n > sl)
				n = sl - from;
			memcpy(term, src + from, n);
			term[n] = '\0';
		} else {
			gen(term, sizeof term, 1, 3);
		}
		if (len + strlen(term) + 2 >= cap)
			break;
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", term);
	}
}

int main(void)
{
	sqlite3_stmt *by_index, *by_scan;
	struct duban_buf a, b;
	char text[256];
	int same = 0, matched = 0, differ = 0;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	is_int(duban_fts_register(db), SQLITE_OK, "register duban_bigram");
	is_int(duban_fts_scan_register(db), SQLITE_OK, "register duban_text_match");
	fill();
	sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid", -1, &by_index, NULL);
	sqlite3_prepare_v2(db,
			   "SELECT rowid FROM d WHERE duban_text_match(?1, code, title, description, units, measures)"
			   " ORDER BY rowid",
			   -1, &by_scan, NULL);
	duban_buf_init(&a);
	duban_buf_init(&b);
	for (int i = 0; i < NSEARCHES; i++) {
		search_text(text, sizeof text);
		char *expr = duban_fts_match_expr(text);

		if (!expr) {
			/* No searchable term: the scan matches nothing either. */
			rowids(by_scan, text, &b);
			if (b.len == 0)
				same++;
			else if (differ++ < 5)
				diag("no expression for [%s], yet the scan finds %s", text, b.data);
			continue;
		}
		rowids(by_index, expr, &a);
		rowids(by_scan, text, &b);
		if (strcmp(a.data, b.data) == 0) {
			same++;
			matched += a.len > 0;
		} else if (differ++ < 5) {
			diag("[%s] (%s): index %.200s, scan %.200s", text, expr, a.data, b.data);
		}
		free(expr);
	}
	is_int(same, NSEARCHES, "the scan finds exactly what the index finds, search by search");
	diag("%d searches, %d of them finding rows", NSEARCHES, matched);
	ok(matched > NSEARCHES / 3, "most generated searches find something (the test means something)");

	/* NULL text, NULL columns. */
	exec("INSERT INTO d (rowid, code) VALUES (100000, NULL)");
	rowids(by_scan, "采", &b);
	ok(strstr(b.data, "100000,") == NULL, "a row of NULLs matches nothing");
	duban_buf_free(&a);
	duban_buf_free(&b);
	sqlite3_finalize(by_index);
	sqlite3_finalize(by_scan);
	sqlite3_close(db);
	return done_testing();
}
