/* The bulletin: period arithmetic (weeks across a month end, quarters, a leap
 * day, explicit ranges), formats and their file extensions, and the figures
 * of a small hand-made ledger whose status changes fall in the previous
 * period and in this one: whole, filtered, by lead unit, and as HTML. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/report.h"
#include "duban/store.h"
#include "duban/util.h"
#include "tap.h"

static duban_date D(const char *s)
{
	return duban_date_parse(s);
}

static const char *fmt(duban_date d, char buf[11])
{
	return duban_date_format(d, buf);
}

static void check_period(struct duban_period p, const char *from, const char *to, const char *name)
{
	char a[11], b[11];
	is_str(fmt(p.from, a), from, name);
	is_str(fmt(p.to, b), to, name);
}

static void test_periods(void)
{
	struct duban_period p;

	/* Wednesday 2026-07-01: the week began on Monday in June. */
	p = duban_period_current(DUBAN_PERIOD_WEEK, D("2026-07-01"));
	check_period(p, "2026-06-29", "2026-07-01", "a week spanning a month end");
	check_period(duban_period_previous(p), "2026-06-26", "2026-06-28", "its previous period has equal length");
	p = duban_period_current(DUBAN_PERIOD_WEEK, D("2026-05-31"));
	check_period(p, "2026-05-25", "2026-05-31", "a Sunday closes its week");
	p = duban_period_current(DUBAN_PERIOD_WEEK, D("2026-06-15"));
	check_period(p, "2026-06-15", "2026-06-15", "a Monday starts one");

	p = duban_period_current(DUBAN_PERIOD_QUARTER, D("2026-05-20"));
	check_period(p, "2026-04-01", "2026-05-20", "the second quarter up to today");
	p = duban_period_current(DUBAN_PERIOD_QUARTER, D("2026-12-31"));
	check_period(p, "2026-10-01", "2026-12-31", "the fourth quarter");
	is_int(duban_period_days(p), 92, "Q4 has 92 days");

	p = duban_period_current(DUBAN_PERIOD_MONTH, D("2028-02-29"));
	check_period(p, "2028-02-01", "2028-02-29", "the month of a leap day");
	is_int(duban_period_days(p), 29, "February 2028 has 29 days");
	check_period(duban_period_previous(p), "2028-01-03", "2028-01-31", "29 days before it");
	p = duban_period_current(DUBAN_PERIOD_WEEK, D("2028-02-29"));
	check_period(p, "2028-02-28", "2028-02-29", "the week of a leap day");
	p = duban_period_current(DUBAN_PERIOD_QUARTER, D("2028-02-29"));
	check_period(p, "2028-01-01", "2028-02-29", "the quarter of a leap day");
	p = duban_period_current(DUBAN_PERIOD_MONTH, D("2027-03-01"));
	check_period(duban_period_previous(p), "2027-02-28", "2027-02-28", "one day before 1 March 2027");

	is_int(duban_period_make(D("2026-06-02"), D("2026-06-01"), &p), DUBAN_ERR_INVALID, "--from after --to is refused");
	is_int(duban_period_make(D("2026-06-01"), DUBAN_DATE_NONE, &p), DUBAN_ERR_INVALID, "a missing end is refused");
	is_int(duban_period_make(D("2026-06-01"), D("2026-06-01"), &p), DUBAN_OK, "a one-day period is fine");
	check_period(p, "2026-06-01", "2026-06-01", "and kept as given");

	is_int(duban_period_kind_parse("quarter"), DUBAN_PERIOD_QUARTER, "quarter");
	is_int(duban_period_kind_parse("月"), DUBAN_PERIOD_MONTH, "月");
	is_int(duban_period_kind_parse("year"), -1, "year is unknown");
	is_int(duban_report_format_parse("md"), DUBAN_REPORT_MD, "md");
	is_int(duban_report_format_parse("html"), DUBAN_REPORT_HTML, "html");
	is_int(duban_report_format_parse("pdf"), -1, "pdf is unknown");
	is_int(duban_report_format_of_path("通报-2026-06.html"), DUBAN_REPORT_HTML, ".html");
	is_int(duban_report_format_of_path("/tmp/x.y/B.HTM"), DUBAN_REPORT_HTML, ".HTM, any case");
	is_int(duban_report_format_of_path("b.md"), DUBAN_REPORT_MD, ".md");
	is_int(duban_report_format_of_path("b.csv"), DUBAN_REPORT_CSV, ".csv");
	is_int(duban_report_format_of_path("b.txt"), DUBAN_REPORT_TEXT, ".txt");
	is_int(duban_report_format_of_path("b.docx"), -1, ".docx is not a bulletin format");
	is_int(duban_report_format_of_path("dir.html/b"), -1, "a dot in a directory name does not count");
	is_int(duban_report_by_parse("unit"), DUBAN_REPORT_BY_UNIT, "by unit");
	is_int(duban_report_by_parse("县"), DUBAN_REPORT_BY_COUNTY, "by 县");
	is_int(duban_report_by_parse("township"), -1, "by township is unknown");
}

/* The bulletin r written in fmt, malloc'd. */
static char *written(const struct duban_report *r, enum duban_report_format f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	is_int(duban_report_write(r, f, mem), 0, "the bulletin is written");
	fclose(mem);
	return text;
}

static struct duban_item *add(duban_store *st, const char *now, const char *code, const char *county,
			      const char *deadline, enum duban_kind kind)
{
	static struct duban_item it;
	setenv("DUBAN_NOW", now, 1);
	duban_item_init(&it);
	it.kind = kind;
	duban_set_str(&it.code, code);
	duban_set_str(&it.title, strcmp(code, "C") == 0 ? "C <河道> & 排污口" : code);
	duban_set_str(&it.county, county);
	duban_set_str(&it.lead_unit, strcmp(code, "C") == 0 ? "东川县人民政府" : "市生态环境局");
	duban_set_str(&it.categories, strcmp(code, "B") == 0 ? "水" : "大气");
	it.deadline = D(deadline);
	if (kind == DUBAN_KIND_COMPLAINT) {
		it.verdict = DUBAN_VERDICT_TRUE;
		it.enforcement.fines = 1.5;
		it.enforcement.rectify_orders = 2;
	}
	if (duban_item_insert(st, &it) != DUBAN_OK)
		diag("insert %s: %s", code, duban_store_errmsg(st));
	return &it;
}

static void move(duban_store *st, const char *now, const char *id, enum duban_status to)
{
	setenv("DUBAN_NOW", now, 1);
	enum duban_err err = duban_item_set_status(st, id, to, "");
	if (err != DUBAN_OK)
		diag("status %s: %s", duban_status_id(to), duban_store_errmsg(st));
	ok(err == DUBAN_OK, "status change recorded");
}

static void test_figures(duban_store *st)
{
	char a[37], b[37], cc[37];
	struct duban_item *it;
	struct duban_report *r = NULL;
	struct duban_period p;

	it = add(st, "2026-04-01T02:00:00Z", "A", "东川县", "2026-05-31", DUBAN_KIND_PROBLEM);
	memcpy(a, it->id, 37);
	duban_item_free(it);
	it = add(st, "2026-04-01T02:00:00Z", "B", "西山县", "2026-06-30", DUBAN_KIND_PROBLEM);
	memcpy(b, it->id, 37);
	duban_item_free(it);
	it = add(st, "2026-04-01T02:00:00Z", "C", "东川县", "2026-06-10", DUBAN_KIND_PROBLEM);
	memcpy(cc, it->id, 37);
	duban_item_free(it);
	it = add(st, "2026-06-10T02:00:00Z", "D", "西山县", "2026-06-25", DUBAN_KIND_COMPLAINT);
	duban_item_free(it);

	/* B is completed in the previous period (17-31 May), A in this one. */
	move(st, "2026-05-18T02:00:00Z", b, DUBAN_STATUS_IN_PROGRESS);
	move(st, "2026-05-19T02:00:00Z", b, DUBAN_STATUS_REQUESTED);
	move(st, "2026-05-20T02:00:00Z", b, DUBAN_STATUS_VERIFIED);
	move(st, "2026-05-20T02:00:00Z", a, DUBAN_STATUS_IN_PROGRESS);
	move(st, "2026-06-03T02:00:00Z", a, DUBAN_STATUS_REQUESTED);
	move(st, "2026-06-05T02:00:00Z", a, DUBAN_STATUS_VERIFIED);
	(void)cc;

	p = duban_period_current(DUBAN_PERIOD_MONTH, D("2026-06-15"));
	ok(duban_report_build(st, p, NULL, DUBAN_REPORT_BY_COUNTY, D("2026-06-15"), &r) == DUBAN_OK,
	   "the June bulletin is built");
	if (!r)
		return;
	is_int(r->items, 4, "four items");
	is_int(r->done, 2, "two done by 15 June");
	is_int(r->by_status[DUBAN_STATUS_VERIFIED], 2, "both verified");
	is_int(r->by_status[DUBAN_STATUS_NOT_STARTED], 2, "two not started");
	is_int(r->prev_items, 3, "three existed on 31 May (D came later)");
	is_int(r->prev_done, 1, "one was done on 31 May");
	is_int(r->completed, 1, "one completed in June");
	is_int(r->prev_completed, 1, "one completed in the previous period");
	is_int(r->overdue, 1, "C is overdue");
	is_int(r->complaints, 1, "one complaint");
	is_int(r->by_verdict[DUBAN_VERDICT_TRUE], 1, "found true");
	is_int(r->handled_open, 1, "still being handled");
	is_int(r->enforcement.rectify_orders, 2, "rectify orders summed");
	ok(r->enforcement.fines > 1.49 && r->enforcement.fines < 1.51, "fines summed");
	is_int(r->ngroups, 2, "two counties");
	if (r->ngroups == 2) {
		is_str(r->groups[0].name, "东川县", "ties in rate go to the larger county first");
		is_int(r->groups[0].overdue, 1, "its overdue item");
	}
	ok(r->county == NULL && r->scope == NULL, "no filter, no scope line");
	duban_report_free(r);

	/* By lead unit: C's unit has nothing done, so the bureau ranks first. */
	r = NULL;
	ok(duban_report_build(st, p, NULL, DUBAN_REPORT_BY_UNIT, D("2026-06-15"), &r) == DUBAN_OK,
	   "the bulletin by lead unit");
	if (!r)
		return;
	is_int(r->ngroups, 2, "two lead units");
	if (r->ngroups == 2) {
		is_str(r->groups[0].name, "市生态环境局", "the bureau first (2 of 3 done)");
		is_int(r->groups[0].items, 3, "with three items");
		is_int(r->groups[0].done, 2, "two of them done");
		is_str(r->groups[1].name, "东川县人民政府", "then the county government");
		is_int(r->groups[1].overdue, 1, "with C overdue");
	}
	char *text = written(r, DUBAN_REPORT_TEXT);
	ok(strstr(text, "二、各牵头单位进展") != NULL, "the section names the lead units");
	ok(strstr(text, "排名  牵头单位") != NULL, "and so does the column");
	free(text);
	duban_report_free(r);

	/* May, written later: the figures as they stood on 31 May. */
	duban_period_make(D("2026-05-01"), D("2026-05-31"), &p);
	r = NULL;
	ok(duban_report_build(st, p, NULL, DUBAN_REPORT_BY_COUNTY, D("2026-06-15"), &r) == DUBAN_OK,
	   "the May bulletin is built");
	if (!r)
		return;
	is_int(r->items, 3, "three items in May");
	is_int(r->done, 1, "B alone was done");
	is_int(r->by_status[DUBAN_STATUS_IN_PROGRESS], 1, "A was in progress");
	is_int(r->completed, 1, "B completed in May");
	is_int(r->overdue, 0, "A's deadline was that very day: not overdue");
	is_int(r->complaints, 0, "D did not exist yet");
	duban_report_free(r);

	/* One county. */
	struct duban_filter f;
	duban_filter_init(&f);
	f.county = "西山县";
	p = duban_period_current(DUBAN_PERIOD_MONTH, D("2026-06-15"));
	r = NULL;
	ok(duban_report_build(st, p, &f, DUBAN_REPORT_BY_COUNTY, D("2026-06-15"), &r) == DUBAN_OK,
	   "a county's bulletin");
	if (!r)
		return;
	is_int(r->items, 2, "two items in 西山县");
	is_int(r->completed, 0, "none completed there in June");
	is_str(r->county, "西山县", "the county is kept for the title");
	is_str(r->scope, "西山县", "and is the whole scope");

	text = written(r, DUBAN_REPORT_TEXT);
	ok(strstr(text, "七、群众信访举报件办理情况") != NULL, "the last section is there");
	ok(strstr(text, "罚款（万元）") != NULL, "the enforcement totals are there");
	ok(strstr(text, "（数据截至 2026-06-15）　范围：西山县\n") != NULL, "the scope follows the period");
	free(text);
	duban_report_free(r);

	/* A filter beyond the county: category 大气 and the bureau's items. */
	duban_filter_init(&f);
	f.category = "大气";
	f.unit = "市生态环境局";
	r = NULL;
	ok(duban_report_build(st, p, &f, DUBAN_REPORT_BY_COUNTY, D("2026-06-15"), &r) == DUBAN_OK,
	   "a filtered bulletin");
	if (!r)
		return;
	is_int(r->items, 2, "A and D: 大气 and the bureau's");
	is_int(r->completed, 1, "A completed in June");
	is_int(r->prev_items, 1, "D came later: one item on 31 May");
	is_int(r->overdue, 0, "C (another unit) is left out");
	is_int(r->complaints, 1, "D's complaint counts");
	ok(r->county == NULL, "no county restriction");
	is_str(r->scope, "领域：大气；责任单位：市生态环境局", "the scope in the bulletin's words");
	duban_report_free(r);

	/* Status and light terms select by the state today. */
	duban_filter_init(&f);
	f.status_mask = 1u << DUBAN_STATUS_NOT_STARTED;
	f.overdue = true;
	r = NULL;
	ok(duban_report_build(st, p, &f, DUBAN_REPORT_BY_COUNTY, D("2026-06-15"), &r) == DUBAN_OK,
	   "a bulletin of the overdue items not started");
	if (!r)
		return;
	is_int(r->items, 1, "C alone");
	is_str(r->scope, "状态：尚未启动；逾期未完成", "its scope");
	duban_report_free(r);

	/* The HTML page: the same sections, tables with heads, overdue rows
	 * marked, the data escaped. */
	r = NULL;
	ok(duban_report_build(st, p, NULL, DUBAN_REPORT_BY_COUNTY, D("2026-06-15"), &r) == DUBAN_OK,
	   "the June bulletin again");
	if (!r)
		return;
	text = written(r, DUBAN_REPORT_HTML);
	ok(strncmp(text, "<!DOCTYPE html>", 15) == 0, "HTML: a doctype first");
	ok(strstr(text, "<meta charset=\"utf-8\">") != NULL, "HTML: UTF-8");
	ok(strstr(text, "<h1>生态环境保护督察整改工作进展通报</h1>") != NULL, "HTML: the title");
	ok(strstr(text, "<h2>七、群众信访举报件办理情况</h2>") != NULL, "HTML: the last section");
	ok(strstr(text, "<thead><tr><th>排名</th><th>县（市、区）</th>") != NULL, "HTML: the ranking's head");
	ok(strstr(text, "<tr class=\"overdue\"><td class=\"nw\">C</td>") != NULL, "HTML: C's row marked overdue");
	ok(strstr(text, "<td class=\"group\" rowspan=\"6\">整改状态</td>") != NULL, "HTML: the status rows merged");
	ok(strstr(text, "<td>C &lt;河道&gt; &amp; 排污口</td>") != NULL, "HTML: the data escaped");
	ok(strstr(text, "<p class=\"date\">2026年6月15日</p>") != NULL, "HTML: the date line");
	ok(strstr(text, "<script") == NULL, "HTML: no script");
	ok(strcmp(text + strlen(text) - 8, "</html>\n") == 0, "HTML: closed");
	free(text);
	duban_report_free(r);
}

int main(void)
{
	char dir[] = "/tmp/duban-report-XXXXXX", path[64], err[256];

	setenv("TZ", "UTC", 1);
	test_periods();
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/l.db", dir);
	duban_store *st = duban_store_open(path, err, sizeof err);
	if (!st) {
		diag("%s", err);
		return 1;
	}
	duban_store_set_outbox(st, false);
	test_figures(st);
	duban_store_close(st);
	unlink(path);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
	rmdir(dir);
	return done_testing();
}
