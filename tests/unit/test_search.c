#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "duban/util.h"
#include "store_internal.h"
#include "tap.h"

static sqlite3 *db;

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static const char *const rows[][5] = {
	/* 1 */ {"ZJ2021-034", "黑臭水体治理",
		 "城区河道黑臭水体整治不到位，截污纳管工程进度滞后。",
		 "市生态环境局 市住房和城乡建设局", "开展河道清淤疏浚，完善污水管网"},
	/* 2 */ {"D3-0127", "河道非法采砂整治",
		 "长江干流非法采砂屡禁不止，砂石堆场未落实防尘措施。",
		 "县自然资源局 县水利局", "严厉打击非法采砂行为，依法取缔堆场"},
	/* 3 */ {"ZJ2021-035", "露天矿山综合整治",
		 "部分露天矿山生态修复滞后，边坡治理未完成。",
		 "县自然资源局", "实施矿山复绿工程"},
	/* 4 */ {"HB-2022-008", "饮用水水源地保护",
		 "饮用水水源地一级保护区内存在违规建筑。",
		 "市生态环境局 市水务局", "拆除违规建筑，设置隔离防护设施"},
	/* 5 */ {"D3-0200", "餐厨垃圾处理设施建设",
		 "餐厨垃圾处理设施建设滞后，处理能力不足。",
		 "市城市管理局", "加快项目建设，年底前投入运行"},
	/* 6: 水 and 体 occur, never next to each other */
	/* 6 */ {"QT-0001", "水质监测能力建设",
		 "监测站点水质数据整体达标，个别断面波动。",
		 "市生态环境局", "增设自动监测站"},
	/* 7: full-width code and Latin */
	/* 7 */ {"ＺＪ２０２１－０９９", "工业园区ＶＯＣｓ治理",
		 "园区企业VOCs无组织排放问题突出。",
		 "区生态环境分局", "推进LDAR泄漏检测，Müller公司限期整改"},
	/* 8: Latin right after a CJK run */
	/* 8 */ {"WK-0311", "尾矿库D7整改",
		 "尾矿库D7渗滤液收集设施不完善。",
		 "县应急管理局", "二〇二二年底前完成"},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		diag("%s: %s", sql, err ? err : "?");
		sqlite3_free(err);
		exit(1);
	}
}

/* Rowids that match the user's text, as "1,4,"; "ERR" when the expression
 * does not parse; "" for no match; "NULL" when there is no expression. */
static char *search(const char *text)
{
	static char out[256];
	char *expr = duban_fts_match_expr(text);
	sqlite3_stmt *st;

	if (!expr)
		return strcpy(out, "NULL");
	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK) {
		free(expr);
		return strcpy(out, "ERR");
	}
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t l = strlen(out);
		snprintf(out + l, sizeof out - l, "%lld,", sqlite3_column_int64(st, 0));
	}
	if (rc != SQLITE_DONE) {
		diag("%s -> %s: %s", text, expr, sqlite3_errmsg(db));
		strcpy(out, "ERR");
	}
	sqlite3_finalize(st);
	free(expr);
	return out;
}

/* Rowids whose text contains the CJK term literally, for cross-checking the
 * index against a plain scan. */
static char *scan(const char *term)
{
	static char out[256];
	sqlite3_stmt *st;

	out[0] = '\0';
	sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE instr(code || ' ' || title || ' ' || "
			   "description || ' ' || units || ' ' || measures, ?1) > 0 ORDER BY rowid",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t l = strlen(out);
		snprintf(out + l, sizeof out - l, "%lld,", sqlite3_column_int64(st, 0));
	}
	sqlite3_finalize(st);
	return out;
}

static void test_match_expr(void)
{
	char *e;

	e = duban_fts_match_expr("黑臭水体");
	is_str(e, "\"黑臭水体\"", "CJK term is a plain phrase");
	free(e);
	e = duban_fts_match_expr("  黑臭\u3000ZJ2021\tzj ");
	is_str(e, "\"黑臭\" AND \"ZJ2021\" * AND \"zj\" *",
	       "ASCII and full-width spaces separate; Latin endings become prefixes");
	free(e);
	e = duban_fts_match_expr("采\"砂");
	is_str(e, "\"采\"\"砂\"", "embedded quote is doubled");
	free(e);
	e = duban_fts_match_expr("，。！ —— \"\" ...");
	ok(e == NULL, "punctuation only gives NULL");
	free(e);
	e = duban_fts_match_expr("");
	ok(e == NULL, "empty text gives NULL");
	e = duban_fts_match_expr(" \u3000 ");
	ok(e == NULL, "spaces only give NULL");
	e = duban_fts_match_expr("！ 水源 。");
	is_str(e, "\"水源\"", "pure punctuation terms are dropped");
	free(e);
	e = duban_fts_match_expr("ＺＪ２");
	is_str(e, "\"ＺＪ２\" *", "full-width digit ending is a prefix");
	free(e);
	e = duban_fts_match_expr("D3-");
	is_str(e, "\"D3-\"", "punctuation ending is not a prefix");
	free(e);
}

static void test_search(void)
{
	/* 1 character */
	is_str(search("砂"), "2,", "1-char 砂");
	is_str(search("水"), "1,2,4,6,", "1-char 水");
	is_str(search("矿"), "3,8,", "1-char 矿");
	/* 2 characters */
	is_str(search("采砂"), "2,", "2-char 采砂");
	is_str(search("矿山"), "3,", "2-char 矿山");
	is_str(search("水源"), "4,", "2-char 水源");
	is_str(search("设施"), "4,5,8,", "2-char 设施");
	/* longer */
	is_str(search("黑臭水体"), "1,", "4-char 黑臭水体");
	is_str(search("饮用水水源地"), "4,", "6-char 饮用水水源地");
	is_str(search("自然资源局"), "2,3,", "5-char 自然资源局");
	is_str(search("水水源"), "4,", "3-char with a repeated character");
	is_str(search("水体"), "1,", "水体 does not match 水…体 apart (row 6)");
	is_str(search("源地保"), "4,", "3-char inside a run");
	is_str(search("地一级"), "4,", "bigrams do not skip the run boundary wrongly");
	is_str(search("保护区内存在"), "4,", "6-char phrase");
	is_str(search("体水"), "", "reversed pair does not match");
	is_str(search("城区河道"), "1,", "4-char across words");
	is_str(search("滞后，处理"), "5,", "phrase across CJK punctuation");
	/* index agrees with a literal scan for pure CJK terms */
	static const char *const terms[] = {
		"水", "生态环境局", "整治", "建设", "监测", "治理", "非法采砂", "露天矿山",
		"餐厨垃圾处理设施", "违规建筑", "堆场", "前", "滞后", "市生态", "县水利局",
	};
	for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		char want[256], name[128];
		snprintf(want, sizeof want, "%s", scan(terms[i]));
		snprintf(name, sizeof name, "index agrees with scan for %s", terms[i]);
		is_str(search(terms[i]), want, name);
	}
	/* AND */
	is_str(search("非法 采砂"), "2,", "two terms AND-ed");
	is_str(search("采砂 矿山"), "", "AND of terms in different rows");
	is_str(search("县自然资源局 矿山"), "3,", "unit and title AND-ed");
	is_str(search("生态环境局　监测"), "6,", "full-width space separates terms");
	/* Latin and codes */
	is_str(search("ZJ2021"), "1,3,7,", "code ZJ2021 (incl. full-width code)");
	is_str(search("zj20"), "1,3,7,", "prefix zj20");
	is_str(search("Zj2021-034"), "1,", "whole code");
	is_str(search("ZJ2021-03"), "1,3,", "code with prefix in the last part");
	is_str(search("d3"), "2,5,", "prefix d3");
	is_str(search("d7"), "8,", "Latin right after a CJK run is its own token");
	is_str(search("D3-0127"), "2,", "code D3-0127");
	is_str(search("vocs"), "7,", "lower-case query finds VOCs");
	is_str(search("VOCS"), "7,", "upper-case query finds ｖｏｃｓ / VOCs");
	is_str(search("ldar 泄漏"), "7,", "Latin and CJK AND-ed");
	is_str(search("MÜLLER"), "7,", "Latin-1 letters fold");
	/* full-width */
	is_str(search("ＺＪ２０２１"), "1,3,7,", "full-width query folds to ZJ2021");
	is_str(search("２０２２"), "4,", "full-width digits");
	is_str(search("０９９"), "7,", "full-width digits of a full-width code");
	/* CJK run followed by Latin inside one term */
	is_str(search("尾矿库D7"), "8,", "CJK run then Latin in one term");
	is_str(search("库D7"), "8,", "bigram then Latin in one term");
	is_str(search("矿库D7"), "8,", "2-char run then Latin keeps positions aligned");
	is_str(search("尾矿D7"), "", "a skipped character does not match");
	is_str(search("D7渗滤液"), "8,", "Latin then CJK run in one term");
	is_str(search("二〇二二年"), "8,", "〇 is part of a CJK run");
	/* syntax safety */
	is_str(search("采\"砂"), "2,", "embedded quote: no syntax error, acts as punctuation");
	is_str(search("ZJ\"2021"), "", "quote between Latin parts: no syntax error");
	is_str(search("\"采砂\""), "2,", "quoted term still matches");
	is_str(search("NEAR OR AND"), "", "FTS5 keywords are plain terms");
	is_str(search("zj2021* ( ) -"), "1,3,7,", "operators in text are harmless");
	is_str(search("zj*"), "", "a typed * is not a prefix operator");
	is_str(search("！？。"), "NULL", "punctuation-only query has no expression");
}

static void test_highlight(void)
{
	static const struct {
		const char *text, *col, *want;
		int row;
	} cases[] = {
		{"水", "title", "饮用[水][水]源地保护", 4},
		{"zj2021", "code", "[ZJ2021]-034", 1},
		{"vocs", "title", "工业园区[ＶＯＣｓ]治理", 7},
		{"müller", "measures", "推进LDAR泄漏检测，[Müller]公司限期整改", 7},
		{"尾矿库D7", "title", "[尾矿库D7]整改", 8},
		{"站 水", "description", "监测[站]点[水]质数据整体达标，个别断面波动。", 6},
		/* A pure CJK term of n characters is a phrase of n-1 bigrams, so
		 * highlight() marks n-1 positions and stops one character short.
		 * Matching a trailing unigram would fix that but costs about three
		 * times as much for 2-character terms; the start is exact. */
		{"水源", "title", "饮用水[水]源地保护", 4},
		{"黑臭水体", "description", "城区河道[黑臭水]体整治不到位，截污纳管工程进度滞后。", 1},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char sql[256], name[128];
		sqlite3_stmt *st;
		char *expr = duban_fts_match_expr(cases[i].text);
		static const char *const cols[] = {"code", "title", "description", "units", "measures"};
		int col = 0;

		while (strcmp(cols[col], cases[i].col) != 0)
			col++;

		snprintf(sql, sizeof sql,
			 "SELECT highlight(t, %d, '[', ']') FROM t WHERE t MATCH ?1 AND rowid = %d",
			 col, cases[i].row);
		snprintf(name, sizeof name, "highlight of %s", cases[i].text);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			ok(0, name);
			free(expr);
			continue;
		}
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			is_str((const char *)sqlite3_column_text(st, 0), cases[i].want, name);
		else
			ok(0, name);
		sqlite3_finalize(st);
		free(expr);
	}
}

/* Tokens as the tokenizer emits them, checked through fts5vocab. */
static void test_vocab(void)
{
	sqlite3_stmt *st;
	char got[512] = "";

	exec("CREATE VIRTUAL TABLE v USING fts5(x, tokenize='duban_bigram');"
	     "INSERT INTO v VALUES('ÀB-12 黑臭，水');"
	     "CREATE VIRTUAL TABLE vv USING fts5vocab(v, 'instance');");
	sqlite3_prepare_v2(db, "SELECT term, offset FROM vv ORDER BY offset, term", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t l = strlen(got);
		snprintf(got + l, sizeof got - l, "%s@%d ", sqlite3_column_text(st, 0),
			 sqlite3_column_int(st, 1));
	}
	sqlite3_finalize(st);
	is_str(got, "àb@0 12@1 黑@2 黑臭@2 臭@3 水@4 ", "document tokens and positions");

	/* Tokens and runs longer than the tokenizer's stack buffers. */
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < 300; i++)
		duban_buf_putc(&b, (char)('A' + i % 26));
	duban_buf_puts(&b, " ");
	for (int i = 0; i < 100; i++)
		duban_buf_puts(&b, i % 2 ? "河" : "湖");
	duban_buf_puts(&b, "长制");
	char *long_text = duban_buf_steal(&b);
	sqlite3_prepare_v2(db, "INSERT INTO v VALUES(?1)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, long_text, -1, SQLITE_STATIC);
	is_int(sqlite3_step(st), SQLITE_DONE, "long tokens are indexed");
	sqlite3_finalize(st);
	for (int i = 0; i < 300; i++)
		long_text[i] = (char)('a' + i % 26);
	long_text[300] = '\0';
	sqlite3_prepare_v2(db, "SELECT count(*) FROM v WHERE v MATCH ?1", -1, &st, NULL);
	char *expr = duban_fts_match_expr(long_text);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	is_int(sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1, 1,
	       "a 300-letter word is found");
	free(expr);
	sqlite3_reset(st);
	expr = duban_fts_match_expr(long_text + 301);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	is_int(sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1, 1,
	       "a 102-character CJK run is found");
	free(expr);
	sqlite3_finalize(st);
	free(long_text);
}

/* Arbitrary bytes (invalid UTF-8, quotes, operators) must neither crash the
 * tokenizer nor produce an expression FTS5 rejects. */
static void test_random_bytes(void)
{
	static const char alphabet[] = "aZ9 \"*()-+:^\xe6\xb0\xb4\xe3\x80\x80\xef\xbc\x91\xc3\x80\xff\xf0\x80";
	sqlite3_stmt *ins, *q;
	int errors = 0, queries = 0;

	sqlite3_prepare_v2(db, "INSERT INTO v VALUES(?1)", -1, &ins, NULL);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM v WHERE v MATCH ?1", -1, &q, NULL);
	for (int r = 0; r < 2000; r++) {
		char s[48];
		int n = (int)(next_rand() % (sizeof s - 1));

		for (int i = 0; i < n; i++)
			s[i] = alphabet[next_rand() % (sizeof alphabet - 1)];
		s[n] = '\0';
		sqlite3_bind_text(ins, 1, s, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			errors++;
		sqlite3_reset(ins);
		char *expr = duban_fts_match_expr(s);
		if (expr) {
			queries++;
			sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
			if (sqlite3_step(q) != SQLITE_ROW) {
				if (errors++ < 3)
					diag("%s: %s", expr, sqlite3_errmsg(db));
			}
			sqlite3_reset(q);
			free(expr);
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(q);
	is_int(errors, 0, "random bytes: no insert or query errors");
	ok(queries > 500, "random bytes: most strings give an expression");
}

static void test_perf(void)
{
	static const char *const words[] = {
		"黑臭水体", "河道", "非法采砂", "露天矿山", "综合整治", "饮用水", "水源地",
		"保护区", "餐厨垃圾", "处理设施", "生态修复", "污水管网", "截污纳管", "清淤疏浚",
		"扬尘", "防治", "工业园区", "排放", "超标", "监测", "整改", "落实", "不到位",
		"滞后", "长江", "干流", "岸线", "违规建筑", "拆除", "复绿", "尾矿库", "渗滤液",
		"秸秆焚烧", "畜禽养殖", "面源污染", "危险废物", "转移", "台账", "自然保护区",
		"核心区", "旅游设施", "湿地", "围垦", "城镇", "生活垃圾", "填埋场", "督察",
		"反馈", "问题", "群众", "举报", "环境", "质量", "改善", "持续", "推进",
	};
	static const char *const units[] = {
		"市生态环境局", "县自然资源局", "县水利局", "市住房和城乡建设局",
		"市城市管理局", "市农业农村局", "县人民政府",
	};
	const int nw = (int)(sizeof words / sizeof words[0]);
	const int nrows = 50000;
	sqlite3_stmt *ins, *q;
	struct timespec t0, t1;

	exec("CREATE VIRTUAL TABLE p USING fts5(code, title, description, units, measures,"
	     " tokenize='duban_bigram')");
	exec("BEGIN");
	sqlite3_prepare_v2(db, "INSERT INTO p VALUES(?1, ?2, ?3, ?4, ?5)", -1, &ins, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int r = 0; r < nrows; r++) {
		char code[32], title[128], desc[512], meas[256];
		size_t l;

		snprintf(code, sizeof code, "ZJ%04u-%03d", 2019 + next_rand() % 5, r % 1000);
		snprintf(title, sizeof title, "%s%s%s", words[next_rand() % nw],
			 words[next_rand() % nw], words[next_rand() % nw]);
		desc[0] = '\0';
		for (int k = 0, n = 8 + (int)(next_rand() % 10); k < n; k++) {
			l = strlen(desc);
			snprintf(desc + l, sizeof desc - l, "%s%s", words[next_rand() % nw],
				 next_rand() % 4 == 0 ? "，" : "");
		}
		meas[0] = '\0';
		for (int k = 0; k < 4; k++) {
			l = strlen(meas);
			snprintf(meas + l, sizeof meas - l, "%s", words[next_rand() % nw]);
		}
		sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, title, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, desc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, units[next_rand() % 7], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, meas, -1, SQLITE_TRANSIENT);
		sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	exec("COMMIT");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	diag("perf: indexed %d rows in %.0f ms", nrows,
	     (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);

	static const char *const qs[] = {"采砂", "水源", "环境", "水", "饮用水水源地", "zj2021"};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		char *expr = duban_fts_match_expr(qs[i]);
		sqlite3_prepare_v2(db, "SELECT count(*) FROM p WHERE p MATCH ?1", -1, &q, NULL);
		sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long long n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sqlite3_finalize(q);
		free(expr);
		diag("perf: count of %s over %d rows = %lld in %.2f ms", qs[i], nrows, n,
		     (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		if (i == 0)
			ok(n > 0, "perf table answers a 2-char query");
	}
}

int main(void)
{
	sqlite3_stmt *ins;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	is_int(duban_fts_register(db), SQLITE_OK, "register duban_bigram");
	exec("CREATE VIRTUAL TABLE t USING fts5(" DUBAN_FTS_COLUMNS ", tokenize='duban_bigram')");
	sqlite3_prepare_v2(db, "INSERT INTO t(rowid, code, title, description, units, measures)"
			   " VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins, NULL);
	for (int r = 0; r < NROWS; r++) {
		sqlite3_bind_int(ins, 1, r + 1);
		for (int c = 0; c < 5; c++)
			sqlite3_bind_text(ins, c + 2, rows[r][c], -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			diag("insert %d: %s", r + 1, sqlite3_errmsg(db));
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);

	test_match_expr();
	test_search();
	test_highlight();
	test_vocab();
	test_random_bytes();
	test_perf();

	sqlite3_close(db);
	return done_testing();
}
