/* The bulletin: period arithmetic (weeks across a month end, quarters, a leap
 * day, explicit ranges) and the figures of a small hand-made ledger whose
 * status changes fall in the previous period and in this one. */
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
	is_int(duban_report_format_parse("html"), -1, "html is not there yet");
}

static struct duban_item *add(duban_store *st, const char *now, const char *code, const char *county,
			      const char *deadline, enum duban_kind kind)
{
	static struct duban_item it;
	setenv("DUBAN_NOW", now, 1);
	duban_item_init(&it);
	it.kind = kind;
	duban_set_str(&it.code, code);
	duban_set_str(&it.title, code);
	duban_set_str(&it.county, county);
	duban_set_str(&it.lead_unit, "市生态环境局");
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
	ok(duban_report_build(st, p, NULL, D("2026-06-15"), &r) == DUBAN_OK, "the June bulletin is built");
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
	is_int(r->ncounties, 2, "two counties");
	if (r->ncounties == 2) {
		is_str(r->counties[0].name, "东川县", "ties in rate go to the larger county first");
		is_int(r->counties[0].overdue, 1, "its overdue item");
	}
	duban_report_free(r);

	/* May, written later: the figures as they stood on 31 May. */
	duban_period_make(D("2026-05-01"), D("2026-05-31"), &p);
	r = NULL;
	ok(duban_report_build(st, p, NULL, D("2026-06-15"), &r) == DUBAN_OK, "the May bulletin is built");
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
	p = duban_period_current(DUBAN_PERIOD_MONTH, D("2026-06-15"));
	r = NULL;
	ok(duban_report_build(st, p, "西山县", D("2026-06-15"), &r) == DUBAN_OK, "a county's bulletin");
	if (!r)
		return;
	is_int(r->items, 2, "two items in 西山县");
	is_int(r->completed, 0, "none completed there in June");

	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	is_int(duban_report_write(r, DUBAN_REPORT_TEXT, mem), 0, "the text is written");
	fclose(mem);
	ok(strstr(text, "七、群众信访举报件办理情况") != NULL, "the last section is there");
	ok(strstr(text, "罚款（万元）") != NULL, "the enforcement totals are there");
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
