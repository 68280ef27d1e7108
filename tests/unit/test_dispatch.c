/* 调度 rounds: the status figures (duban_dispatch_status) against an
 * independent brute-force computation over thousands of generated member
 * sets; a round on a real ledger with random submissions on random days
 * against a model the test keeps (each member's state, latest submission,
 * counts); the ladder step; the record's JSON both ways. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/dispatch.h"
#include "duban/json.h"
#include "duban/store.h"
#include "duban/util.h"
#include "tap.h"

static unsigned long long rng_state = 42;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (unsigned)((rng_state >> 33) % n) : 0;
}

static const char *const counties[] = { "城关区", "东川县", "西山县", "", "临江市", "Zeta", "a" };
static const char *const units[] = { "县人民政府", "市生态环境局", "", "水务局" };

/* ---------------------------------------------------------------- the reference */

/* The state by the rule as the issue says it: none is missing, a first
 * submission on or before the due date on time, after it late. */
static enum duban_dispatch_state ref_state(duban_date due, duban_date first)
{
	if (first == DUBAN_DATE_NONE)
		return DUBAN_DISPATCH_MISSING;
	if (first > due)
		return DUBAN_DISPATCH_LATE;
	return DUBAN_DISPATCH_ON_TIME;
}

struct ref_group {
	const char *key;
	int scope, on_time, late, missing, reported, done, min, max;
	long sum;
};

/* Every distinct key, then one pass over the members per key; keys in
 * byte order by a selection sort. */
static int ref_status(const struct duban_dispatch_member *m, int n, bool by_unit, duban_date due, struct ref_group *g)
{
	const char *keys[64];
	int nk = 0;

	for (int i = 0; i < n; i++) {
		const char *k = by_unit ? m[i].lead_unit : m[i].county;
		bool seen = false;
		for (int j = 0; j < nk; j++)
			seen = seen || strcmp(keys[j], k) == 0;
		if (!seen)
			keys[nk++] = k;
	}
	for (int a = 0; a < nk; a++)
		for (int b = a + 1; b < nk; b++)
			if (strcmp(keys[b], keys[a]) < 0) {
				const char *t = keys[a];
				keys[a] = keys[b];
				keys[b] = t;
			}
	for (int j = 0; j <= nk; j++) {
		struct ref_group *r = &g[j];
		memset(r, 0, sizeof *r);
		r->key = j < nk ? keys[j] : NULL;
		r->min = 101;
		r->max = -1;
		for (int i = 0; i < n; i++) {
			if (r->key && strcmp(by_unit ? m[i].lead_unit : m[i].county, r->key) != 0)
				continue;
			r->scope++;
			enum duban_dispatch_state st = m[i].submissions ? ref_state(due, m[i].first_on) : DUBAN_DISPATCH_MISSING;
			r->missing += st == DUBAN_DISPATCH_MISSING;
			r->on_time += st == DUBAN_DISPATCH_ON_TIME;
			r->late += st == DUBAN_DISPATCH_LATE;
			if (m[i].submissions == 0)
				continue;
			r->reported++;
			r->sum += m[i].progress;
			r->done += m[i].progress == 100;
			r->min = m[i].progress < r->min ? m[i].progress : r->min;
			r->max = m[i].progress > r->max ? m[i].progress : r->max;
		}
	}
	return nk + 1;
}

/* Whether the library's groups equal the reference's; names the first
 * difference. */
static bool same_groups(const struct duban_dispatch_group *g, size_t ng, const struct ref_group *r, int nr,
			char *why, size_t len)
{
	if ((int)ng != nr) {
		snprintf(why, len, "%zu groups, expected %d", ng, nr);
		return false;
	}
	for (int j = 0; j < nr; j++) {
		double mean = r[j].reported ? (double)r[j].sum / r[j].reported : NAN;
		bool key_ok = r[j].key ? g[j].key && strcmp(g[j].key, r[j].key) == 0 : g[j].key == NULL;
		bool mean_ok = r[j].reported ? fabs(g[j].mean_progress - mean) < 1e-9 : isnan(g[j].mean_progress);
		bool range_ok = r[j].reported ? g[j].min_progress == r[j].min && g[j].max_progress == r[j].max
					      : g[j].min_progress == -1 && g[j].max_progress == -1;
		if (!key_ok || !mean_ok || !range_ok || g[j].scope != r[j].scope || g[j].on_time != r[j].on_time ||
		    g[j].late != r[j].late || g[j].missing != r[j].missing || g[j].reported != r[j].reported ||
		    g[j].done != r[j].done) {
			snprintf(why, len, "group %d (%s): scope %d/%d on time %d/%d late %d/%d missing %d/%d mean %g/%g",
				 j, r[j].key ? r[j].key : "total", g[j].scope, r[j].scope, g[j].on_time, r[j].on_time,
				 g[j].late, r[j].late, g[j].missing, r[j].missing, g[j].mean_progress, mean);
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- generated member sets */

static void random_member(struct duban_dispatch_member *m, duban_date due)
{
	memset(m, 0, sizeof *m);
	m->county = (char *)counties[rnd(sizeof counties / sizeof counties[0])];
	m->lead_unit = (char *)units[rnd(sizeof units / sizeof units[0])];
	m->submissions = rnd(3) == 0 ? 0 : 1 + (int)rnd(3);
	m->first_on = m->submissions ? due - 10 + (duban_date)rnd(20) : DUBAN_DATE_NONE;
	m->last_on = m->submissions ? m->first_on + (duban_date)rnd(5) : DUBAN_DATE_NONE;
	m->progress = m->submissions ? (int)rnd(101) : -1;
	m->state = duban_dispatch_state_of(due, m->first_on);
}

static void test_generated(void)
{
	int bad_state = 0, bad_groups = 0, cases = 3000;
	char why[256] = "";

	for (int c = 0; c < cases; c++) {
		struct duban_dispatch_member m[60];
		struct ref_group r[64];
		duban_date due = duban_date_parse("2026-06-20");
		int n = (int)rnd(60);
		bool by_unit = rnd(2);
		for (int i = 0; i < n; i++) {
			random_member(&m[i], due);
			bad_state += m[i].state != ref_state(due, m[i].first_on);
		}
		struct duban_dispatch_group *g;
		size_t ng;
		duban_dispatch_status(m, (size_t)n, by_unit ? DUBAN_DISPATCH_BY_UNIT : DUBAN_DISPATCH_BY_COUNTY, &g, &ng);
		int nr = ref_status(m, n, by_unit, due, r);
		if (!same_groups(g, ng, r, nr, why, sizeof why)) {
			if (!bad_groups)
				diag("case %d (%d members, by %s): %s", c, n, by_unit ? "unit" : "county", why);
			bad_groups++;
		}
		duban_dispatch_groups_free(g, ng);
	}
	is_int(bad_state, 0, "3000 generated member sets: every state as the rule says");
	is_int(bad_groups, 0, "... and every group's figures and the total as the brute force counts them");
}

/* ---------------------------------------------------------------- a real ledger */

#define NITEMS 30

struct model {
	char id[37], code[16];
	const char *county, *unit;
	int n;
	duban_date first, last;
	int progress;
};

static char tmpdir[] = "/tmp/duban-test-dispatch-XXXXXX";

static bool add_items(duban_store *st, struct model *md)
{
	for (int i = 0; i < NITEMS; i++) {
		struct duban_item it;
		duban_item_init(&it);
		snprintf(md[i].code, sizeof md[i].code, "DP-%03d", i);
		md[i].county = counties[i % 5];
		md[i].unit = units[i % 4];
		duban_set_str(&it.code, md[i].code);
		duban_set_str(&it.title, "调度测试事项");
		duban_set_str(&it.county, md[i].county);
		duban_set_str(&it.lead_unit, md[i].unit);
		it.deadline = duban_date_parse("2026-12-31");
		if (i == NITEMS - 1)
			it.status = DUBAN_STATUS_CLOSED; /* out of the default scope */
		enum duban_err e = duban_item_insert(st, &it);
		snprintf(md[i].id, sizeof md[i].id, "%s", it.id);
		md[i].first = md[i].last = DUBAN_DATE_NONE;
		md[i].progress = -1;
		md[i].n = 0;
		duban_item_free(&it);
		if (e != DUBAN_OK)
			return false;
	}
	return true;
}

/* Random submissions on random days (DUBAN_TODAY), kept in the model. */
static int submit_randomly(duban_store *st, struct model *md, duban_date due, int count)
{
	int failed = 0;
	for (int k = 0; k < count; k++) {
		int i = (int)rnd(NITEMS - 1);
		int p = (int)rnd(101);
		duban_date day = due - 8 + (duban_date)rnd(16);
		char d[11];
		setenv("DUBAN_TODAY", duban_date_format(day, d), 1);
		if (duban_dispatch_submit(st, "R1", md[i].code, p, "按计划推进", NULL) != DUBAN_OK) {
			diag("submit %s: %s", md[i].code, duban_store_errmsg(st));
			failed++;
			continue;
		}
		md[i].n++;
		if (md[i].first == DUBAN_DATE_NONE || day < md[i].first)
			md[i].first = day;
		md[i].last = day;
		md[i].progress = p;
	}
	unsetenv("DUBAN_TODAY");
	return failed;
}

static int compare_members(const struct duban_dispatch_member *m, size_t n, const struct model *md, duban_date due)
{
	int bad = 0;
	for (size_t j = 0; j < n; j++) {
		const struct model *x = NULL;
		for (int i = 0; i < NITEMS; i++)
			if (strcmp(md[i].id, m[j].item_id) == 0)
				x = &md[i];
		if (!x || m[j].submissions != x->n || m[j].first_on != x->first || m[j].last_on != x->last ||
		    m[j].progress != x->progress || m[j].state != ref_state(due, x->first) ||
		    strcmp(m[j].county, x->county) != 0) {
			if (!bad)
				diag("member %s: %d submissions (model %d), progress %d (%d), state %d", m[j].code,
				     m[j].submissions, x ? x->n : -1, m[j].progress, x ? x->progress : -1, m[j].state);
			bad++;
		}
	}
	return bad;
}

static void test_ledger(void)
{
	char path[256], err[256] = "", why[256] = "";
	struct model md[NITEMS];
	duban_date due = duban_date_parse("2026-06-20");
	int members = 0;

	snprintf(path, sizeof path, "%s/l.db", tmpdir);
	duban_store *st = duban_store_open(path, err, sizeof err);
	if (!ok(st != NULL, "a ledger"))
		return;
	duban_store_set_actor(st, "office1", "dev", DUBAN_ROLE_OFFICE);
	ok(add_items(st, md), "30 items, one closed");
	is_int(duban_dispatch_open(st, "R1", "测试调度", due, NULL, "", &members), DUBAN_OK, "round R1 opened");
	is_int(members, NITEMS - 1, "... over every item not closed");
	is_int(duban_dispatch_open(st, "R1", "", due, NULL, "", NULL), DUBAN_ERR_DUPLICATE, "the name is used once");
	is_int(submit_randomly(st, md, due, 400), 0, "400 submissions on random days around the due date");
	is_int(duban_dispatch_submit(st, "R1", md[NITEMS - 1].code, 10, "x", NULL), DUBAN_ERR_INVALID,
	       "the closed item is not in the round");

	struct duban_dispatch_member *m;
	size_t n;
	is_int(duban_dispatch_members(st, "R1", &m, &n), DUBAN_OK, "members read");
	is_int((long long)n, NITEMS - 1, "... all of them");
	is_int(compare_members(m, n, md, due), 0, "each member's count, first and latest submission and state as modelled");
	for (int by = 0; by < 2; by++) {
		struct duban_dispatch_group *g;
		struct ref_group r[64];
		size_t ng;
		duban_dispatch_status(m, n, (enum duban_dispatch_by)by, &g, &ng);
		int nr = ref_status(m, (int)n, by == 1, due, r);
		ok(same_groups(g, ng, r, nr, why, sizeof why), by ? "status by unit as the brute force" : "status by county as the brute force");
		if (*why)
			diag("%s", why);
		duban_dispatch_groups_free(g, ng);
	}

	/* The ladder: at due + 5 the missing owe the first letter, the late are listed. */
	struct duban_ladder l;
	duban_ladder_default(&l);
	struct duban_dispatch_overdue *v;
	size_t nv;
	int want = 0;
	for (size_t j = 0; j < n; j++)
		want += m[j].state != DUBAN_DISPATCH_ON_TIME;
	is_int(duban_dispatch_overdue_list(st, NULL, &l, due + 5, &v, &nv), DUBAN_OK, "the ladder's list");
	is_int((long long)nv, want, "... holds every member missing or late");
	bool order_ok = true;
	for (size_t j = 0; j < nv; j++) {
		order_ok = order_ok && (v[j].step.state == DUBAN_DISPATCH_LATE ? v[j].step.days > 0 && !v[j].step.due
										 : v[j].step.days == 5 && v[j].step.due);
		if (j && v[j - 1].step.state == DUBAN_DISPATCH_LATE)
			order_ok = order_ok && v[j].step.state == DUBAN_DISPATCH_LATE;
	}
	ok(order_ok, "... missing first (5 days, the letter owed), then late (days late, nothing owed)");
	duban_dispatch_overdue_free(v, nv);
	duban_dispatch_members_free(m, n);

	is_int(duban_dispatch_close(st, "R1"), DUBAN_OK, "closed");
	is_int(duban_dispatch_submit(st, "R1", md[0].code, 10, "x", NULL), DUBAN_ERR_TRANSITION, "no submission after the close");
	duban_store_set_actor(st, "insp", "dev", DUBAN_ROLE_INSPECTOR);
	is_int(duban_dispatch_open(st, "R2", "", due, NULL, "", NULL), DUBAN_ERR_PERMISSION, "an inspector may not open");
	{
		const char *mine[] = { "东川县" };
		struct duban_dispatch d = { .name = (char *)"R1" };
		struct duban_dispatch_member a = { .county = (char *)"东川县" }, b = { .county = (char *)"西山县" };
		char msg[256];
		duban_store_set_counties(st, mine, 1);
		ok(duban_dispatch_may_submit(st, &d, &a, msg, sizeof msg), "an inspector may submit for a member of their county");
		ok(!duban_dispatch_may_submit(st, &d, &b, msg, sizeof msg) && strstr(msg, "西山县"),
		   "... not for one of another county, and is told which");
		d.closed = true;
		ok(!duban_dispatch_may_submit(st, &d, &a, msg, sizeof msg), "... nor in a closed round");
	}
	duban_store_close(st);
	unlink(path);
}

/* ---------------------------------------------------------------- the step, the JSON */

static void test_step(void)
{
	struct duban_ladder l;
	struct duban_dispatch_step s;
	duban_date due = duban_date_parse("2026-06-20");
	enum duban_action_kind kinds[] = { DUBAN_ACTION_REMINDER, DUBAN_ACTION_REMINDER };
	duban_date dates[] = { due - 1, due + 3 };

	duban_ladder_default(&l);
	duban_dispatch_step_eval(&l, due, due, DUBAN_DISPATCH_MISSING, DUBAN_DATE_NONE, NULL, NULL, 0, &s);
	ok(!s.listed, "missing on the due date: not yet on the ladder");
	duban_dispatch_step_eval(&l, due, due + 2, DUBAN_DISPATCH_MISSING, DUBAN_DATE_NONE, kinds, dates, 1, &s);
	ok(s.listed && s.due && s.days == 2 && s.since == due + 1, "missing after it: the letter owed since the day after");
	duban_dispatch_step_eval(&l, due, due + 4, DUBAN_DISPATCH_MISSING, DUBAN_DATE_NONE, kinds, dates, 2, &s);
	ok(s.listed && !s.due && s.taken_on == due + 3, "a reminder after the due date takes the step");
	duban_dispatch_step_eval(&l, due, due + 9, DUBAN_DISPATCH_LATE, due + 6, NULL, NULL, 0, &s);
	ok(s.listed && !s.due && s.days == 6, "late: listed with the days late, nothing owed");
	duban_dispatch_step_eval(&l, due, due + 9, DUBAN_DISPATCH_ON_TIME, due, NULL, NULL, 0, &s);
	ok(!s.listed, "on time: not on the ladder");
}

static void test_json(void)
{
	struct duban_dispatch_rec r = { 0 }, back = { 0 };
	char why[256];

	duban_uuid(r.id);
	duban_uuid(r.item_id);
	duban_uuid(r.round_id);
	r.kind = DUBAN_DISPATCH_REPORT;
	r.name = xstrdup("2026-06");
	r.text = xstrdup("已完成");
	r.progress = 60;
	r.due = duban_date_parse("2026-06-20");
	r.date = duban_date_parse("2026-06-18");
	snprintf(r.created_at, sizeof r.created_at, "2026-06-18T08:00:00Z");
	cJSON *j = duban_dispatch_rec_to_json(&r);
	is_int(duban_dispatch_rec_from_json(j, &back, why, sizeof why), DUBAN_OK, "a record's JSON reads back");
	ok(back.kind == r.kind && back.progress == 60 && back.date == r.date && back.due == r.due &&
	   strcmp(back.name, "2026-06") == 0 && strcmp(back.round_id, r.round_id) == 0, "... the same record");
	is_int(duban_dispatch_rec_check(&back, why, sizeof why), DUBAN_OK, "... and a valid one");
	back.progress = 101;
	is_int(duban_dispatch_rec_check(&back, why, sizeof why), DUBAN_ERR_INVALID, "progress 101 is refused");
	cJSON_ReplaceItemInObject(j, "kind", cJSON_CreateString("vote"));
	duban_dispatch_rec_free(&back);
	memset(&back, 0, sizeof back);
	is_int(duban_dispatch_rec_from_json(j, &back, why, sizeof why), DUBAN_ERR_INVALID, "an unknown kind is refused");
	cJSON_Delete(j);
	duban_dispatch_rec_free(&back);
	duban_dispatch_rec_free(&r);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	setenv("TZ", "UTC", 1);
	test_generated();
	test_ledger();
	test_step();
	test_json();
	rmdir(tmpdir);
	return done_testing();
}
