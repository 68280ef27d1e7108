/* Close-out rules: the acceptance chain and evidence policies read from
 * generated texts (spaces ASCII or ideographic, colons half or full width,
 * roles written or left to the default) and compared with the chain they
 * were generated from; formatted and read back; refusals of generated bad
 * texts; and the chain's next level and the missing evidence against
 * reference implementations written independently, over random records;
 * the public notice's rule of closing against a reference, the same on every
 * order the records arrive in (two replicas), and its records through JSON
 * and back. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
#include "duban/json.h"
#include "duban/util.h"
#include "tap.h"

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const ids[] = { "county", "city", "province", "town", "zone", "nation", "district", "park" };
static const char *const names[] = { "县级初验", "市级验收", "省级复核", "乡镇自验", "园区验收", "国家抽查",
				     "区级验收", "市级复核" };
static const char *const spaces[] = { " ", "  ", "　", " 　 ", "\t" };

/* A random valid chain and the text that writes it. */
static void gen_chain(struct duban_acceptance_chain *c, struct duban_buf *b)
{
	int n = 1 + (int)rnd(DUBAN_MAX_LEVELS);
	bool used[8] = { false };
	memset(c, 0, sizeof *c);
	if (rnd(3) == 0)
		duban_buf_puts(b, spaces[rnd(5)]);
	for (int i = 0; i < n; i++) {
		int k;
		do
			k = (int)rnd(8);
		while (used[k]);
		used[k] = true;
		struct duban_acceptance_level *l = &c->level[c->n++];
		snprintf(l->id, sizeof l->id, "%s", ids[k]);
		snprintf(l->name, sizeof l->name, "%s", names[k]);
		int role = (int)rnd(3); /* 0: default, 1: inspector, 2: office */
		l->signer = role == 1 ? DUBAN_ROLE_INSPECTOR : role == 2 ? DUBAN_ROLE_OFFICE
			    : strcmp(ids[k], "county") == 0 ? DUBAN_ROLE_INSPECTOR : DUBAN_ROLE_OFFICE;
		if (i)
			duban_buf_puts(b, spaces[rnd(5)]);
		duban_buf_printf(b, "%s%s%s%s", ids[k], rnd(2) ? ":" : "：", names[k],
				 role == 1 ? "@inspector" : role == 2 ? "@office" : "");
	}
	if (rnd(3) == 0)
		duban_buf_puts(b, spaces[rnd(5)]);
}

static bool chain_eq(const struct duban_acceptance_chain *a, const struct duban_acceptance_chain *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->level[i].id, b->level[i].id) || strcmp(a->level[i].name, b->level[i].name) ||
		    a->level[i].signer != b->level[i].signer)
			return false;
	return true;
}

static void test_chain_generated(void)
{
	int parsed = 0, same = 0, round = 0;
	for (int t = 0; t < 5000; t++) {
		struct duban_acceptance_chain want, got, again;
		struct duban_buf b;
		char err[256];
		duban_buf_init(&b);
		gen_chain(&want, &b);
		char *spec = duban_buf_steal(&b);
		if (duban_acceptance_parse(spec, &got, err, sizeof err)) {
			parsed++;
			same += chain_eq(&want, &got);
			char *f = duban_acceptance_format(&got);
			round += duban_acceptance_parse(f, &again, err, sizeof err) && chain_eq(&got, &again);
			free(f);
		} else if (parsed < 3) {
			diag("refused: %s: %s", spec, err);
		}
		free(spec);
	}
	is_int(parsed, 5000, "5000 generated chains read");
	is_int(same, 5000, "each as it was generated");
	is_int(round, 5000, "and read back from its own format");
}

/* Bad texts: a word without a colon, an id named twice, a bad role, an
 * empty text, too many levels. */
static void test_chain_refused(void)
{
	static const char *const bad[] = {
		"", "   ", "county", ":县级", "county:县级初验 county:市级验收", "county:A city:A",
		"county:县级初验@viewer", "county:县级初验@boss", "a:1 b:2 c:3 d:4 e:5 f:6 g:7 h:8 i:9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct duban_acceptance_chain c;
		char err[256] = "", name[128];
		snprintf(name, sizeof name, "refused: \"%s\"", bad[i]);
		ok(!duban_acceptance_parse(bad[i], &c, err, sizeof err) && *err, name);
	}
	/* Generated: a valid chain with one level's colon taken out. */
	int refused = 0;
	for (int t = 0; t < 2000; t++) {
		struct duban_acceptance_chain c;
		struct duban_buf b;
		char err[256];
		duban_buf_init(&b);
		gen_chain(&c, &b);
		char *spec = duban_buf_steal(&b);
		char *colon = strchr(spec, ':');
		char *wide = strstr(spec, "：");
		if (colon && (!wide || colon < wide))
			memmove(colon, colon + 1, strlen(colon));
		else if (wide)
			memmove(wide, wide + 3, strlen(wide + 3) + 1);
		refused += !duban_acceptance_parse(spec, &c, err, sizeof err);
		free(spec);
	}
	is_int(refused, 2000, "2000 chains with a level lacking its colon refused");
}

static void test_default_chain(void)
{
	struct duban_acceptance_chain c;
	char err[256];
	ok(duban_acceptance_parse(duban_acceptance_default, &c, err, sizeof err), "the default chain reads");
	is_int(c.n, 2, "two levels");
	is_str(c.level[0].name, "县级初验", "county first");
	ok(c.level[0].signer == DUBAN_ROLE_INSPECTOR, "signed by the county's inspectors");
	ok(c.level[1].signer == DUBAN_ROLE_OFFICE, "the city's by the office");
	ok(duban_acceptance_may_sign(&c, 0, DUBAN_ROLE_OFFICE), "the office may sign the county level");
	ok(!duban_acceptance_may_sign(&c, 1, DUBAN_ROLE_INSPECTOR), "an inspector may not sign the city level");
	ok(!duban_acceptance_may_sign(&c, 0, DUBAN_ROLE_VIEWER), "a viewer signs nothing");
	ok(!duban_acceptance_may_sign(&c, 2, DUBAN_ROLE_OFFICE), "nor anyone a level the chain lacks");
	is_int(duban_acceptance_find(&c, "市级验收"), 1, "a level found by name");
	is_int(duban_acceptance_find(&c, "city"), 1, "and by id");
}

/* The reference: replay the sign-offs as the procedure reads — a fail sends
 * the item back and the chain starts over; only the expected level's pass
 * counts. */
static int next_reference(const struct duban_acceptance_chain *c, const struct duban_signoff_ref *s, size_t n)
{
	int signed_upto = 0;
	for (size_t i = 0; i < n; i++) {
		int at = -1;
		for (int j = 0; j < c->n; j++)
			if (!strcmp(c->level[j].id, s[i].level) || !strcmp(c->level[j].name, s[i].level))
				at = j;
		if (at == -1)
			continue;
		if (!s[i].passed) {
			signed_upto = 0;
			continue;
		}
		if (at == signed_upto)
			signed_upto++;
	}
	return signed_upto;
}

static void test_next_generated(void)
{
	int same = 0;
	for (int t = 0; t < 10000; t++) {
		struct duban_acceptance_chain c;
		struct duban_buf b;
		char err[256];
		duban_buf_init(&b);
		gen_chain(&c, &b);
		free(duban_buf_steal(&b));
		struct duban_signoff_ref s[12];
		size_t n = rnd(12);
		for (size_t i = 0; i < n; i++) {
			/* mostly the chain's levels, by id or name, sometimes another */
			int k = (int)rnd((unsigned)c.n + 1);
			s[i].level = k == c.n ? "elsewhere" : rnd(2) ? c.level[k].id : c.level[k].name;
			s[i].passed = rnd(5) != 0;
		}
		same += duban_acceptance_next(&c, s, n) == next_reference(&c, s, n);
		(void)err;
	}
	is_int(same, 10000, "the next level as the reference has it, over 10000 random histories");
}

static void test_evidence(void)
{
	struct duban_evidence_policy p;
	char err[256];
	ok(duban_evidence_policy_parse(duban_evidence_default, &p, err, sizeof err), "the default evidence policy");
	struct duban_item it = { 0 };
	it.kind = DUBAN_KIND_COMPLAINT;
	ok(duban_evidence_missing(&p, &it, 0) == 0, "by default nothing is required");
	ok(duban_evidence_policy_parse("problem:after complaint:after,feedback", &p, err, sizeof err),
	   "the policy offices usually set");
	it.kind = DUBAN_KIND_COMPLAINT;
	char *m = duban_evidence_mask_text(duban_evidence_missing(&p, &it, 0), true);
	is_str(m, "整改后照片、向投诉人反馈记录", "a complaint needs the after photo and the feedback");
	free(m);
	it.enforcement.fines = 2.5;
	unsigned miss = duban_evidence_missing(&p, &it, 1u << DUBAN_EVIDENCE_AFTER | 1u << DUBAN_EVIDENCE_FEEDBACK);
	ok(miss == 1u << DUBAN_EVIDENCE_PENALTY, "a fine needs its penalty decision");
	ok(!duban_evidence_policy_parse("problem:photo", &p, err, sizeof err), "an unknown kind of evidence refused");
	ok(!duban_evidence_policy_parse("thing:after", &p, err, sizeof err), "an unknown item kind refused");
	ok(!duban_evidence_policy_parse("problem", &p, err, sizeof err), "a word without its colon refused");
	ok(duban_evidence_policy_parse("反馈问题：整改后照片，处罚决定书　信访件:none", &p, err, sizeof err),
	   "Chinese names, full-width colon and comma, none");
	char *f = duban_evidence_policy_format(&p);
	is_str(f, "problem:after,penalty complaint:none", "formatted with identifiers");
	free(f);

	/* Generated policies: read back the same, and missing as a reference. */
	int round = 0, same = 0;
	for (int t = 0; t < 5000; t++) {
		struct duban_evidence_policy want = { { 0 } }, got;
		for (int k = 0; k < DUBAN_KIND_COUNT; k++)
			want.required[k] = rnd(1u << DUBAN_EVIDENCE_COUNT);
		char *spec = duban_evidence_policy_format(&want);
		round += duban_evidence_policy_parse(spec, &got, err, sizeof err) &&
			 memcmp(&want, &got, sizeof want) == 0;
		free(spec);
		struct duban_item item = { 0 };
		item.kind = (enum duban_kind)rnd(DUBAN_KIND_COUNT);
		item.enforcement.fines = rnd(3) == 0 ? 1.0 : 0;
		item.enforcement.penalty_cases = rnd(4) == 0;
		unsigned present = rnd(1u << DUBAN_EVIDENCE_COUNT), ref = 0;
		for (int e = 0; e < DUBAN_EVIDENCE_COUNT; e++) {
			bool need = (want.required[item.kind] >> e) & 1;
			if (e == DUBAN_EVIDENCE_PENALTY && (item.enforcement.fines > 0 || item.enforcement.penalty_cases))
				need = true;
			if (need && !((present >> e) & 1))
				ref |= 1u << e;
		}
		same += duban_evidence_missing(&want, &item, present) == ref;
	}
	is_int(round, 5000, "5000 generated evidence policies read back");
	is_int(same, 5000, "missing evidence as the reference, over 5000 random items");
}

static void test_evidence_kinds(void)
{
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++) {
		char name[64];
		snprintf(name, sizeof name, "evidence kind %s by id and Chinese name", duban_evidence_id(k));
		ok(duban_evidence_parse(duban_evidence_id(k)) == k && duban_evidence_parse(duban_evidence_zh(k)) == k, name);
	}
	is_int(duban_evidence_parse("photo"), -1, "an unknown kind is -1");
}


/* ---------------------------------------------------------------- the notice */

#define MAXREC 12

/* Random notice records of one item: openings, objections and resolutions
 * (now and then two of one objection, as two devices offline make them),
 * made at random seconds. */
static size_t gen_notices(struct duban_notice *r)
{
	size_t n = rnd(MAXREC + 1);
	for (size_t i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof r[i]);
		snprintf(r[i].id, sizeof r[i].id, "%08x-0000-4000-8000-%012x", rnd(1u << 30), rnd(1u << 30));
		snprintf(r[i].item_id, sizeof r[i].item_id, "00000000-0000-4000-8000-000000000001");
		snprintf(r[i].created_at, sizeof r[i].created_at, "2026-06-%02uT08:00:%02uZ", 1 + rnd(28), rnd(3));
		r[i].end = DUBAN_DATE_NONE;
		r[i].date = duban_date_from_ymd(2026, 6, 1 + (int)rnd(28));
		unsigned k = rnd(10);
		int objections[MAXREC], no = 0;
		for (size_t j = 0; j < i; j++)
			if (r[j].kind == DUBAN_NOTICE_OBJECTION)
				objections[no++] = (int)j;
		if (k < 3) {
			r[i].kind = DUBAN_NOTICE_OPEN;
			r[i].end = r[i].date + (int)rnd(15);
			r[i].place = xstrdup(rnd(2) ? "县政府网站" : "");
			r[i].contact = xstrdup("0871-6212345");
		} else if (k < 7 || no == 0) {
			r[i].kind = DUBAN_NOTICE_OBJECTION;
			r[i].text = xstrdup("夜间仍有异味");
			r[i].person = xstrdup(rnd(2) ? "村民" : "");
		} else {
			r[i].kind = DUBAN_NOTICE_RESOLUTION;
			memcpy(r[i].objection_id, r[objections[rnd((unsigned)no)]].id, 37);
			r[i].upheld = rnd(2);
			r[i].text = xstrdup("经核查");
		}
		r[i].author = xstrdup("office");
	}
	return n;
}

static int made_before(const struct duban_notice *a, const struct duban_notice *b)
{
	int c = strcmp(a->created_at, b->created_at);
	return c < 0 || (c == 0 && strcmp(a->id, b->id) < 0);
}

/* The reference: written from the rule, not from closeout.c. */
static enum duban_close_block close_reference(const struct duban_notice *r, size_t n, duban_date today, int *number)
{
	const struct duban_notice *latest = NULL;
	*number = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].kind == DUBAN_NOTICE_OPEN && (!latest || made_before(latest, &r[i])))
			latest = &r[i];
	if (latest && today <= latest->end)
		return DUBAN_CLOSE_NOTICE_RUNNING;
	/* the open objection made first; its number counts the objections made before it */
	const struct duban_notice *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != DUBAN_NOTICE_OBJECTION)
			continue;
		bool settled = false;
		for (size_t j = 0; j < n; j++)
			settled |= r[j].kind == DUBAN_NOTICE_RESOLUTION && strcmp(r[j].objection_id, r[i].id) == 0;
		if (!settled && (!first || made_before(&r[i], first)))
			first = &r[i];
	}
	if (!first)
		return DUBAN_CLOSE_OK;
	for (size_t i = 0; i < n; i++)
		*number += r[i].kind == DUBAN_NOTICE_OBJECTION && !made_before(first, &r[i]);
	return DUBAN_CLOSE_OBJECTION_OPEN;
}

static void shuffle(struct duban_notice *r, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd((unsigned)i);
		struct duban_notice t = r[i - 1];
		r[i - 1] = r[j];
		r[j] = t;
	}
}

static bool notice_equal(const struct duban_notice *a, const struct duban_notice *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->item_id, b->item_id) == 0 && a->kind == b->kind &&
	       a->date == b->date && a->end == b->end && strcmp(a->place ? a->place : "", b->place ? b->place : "") == 0 &&
	       strcmp(a->contact ? a->contact : "", b->contact ? b->contact : "") == 0 &&
	       strcmp(a->person ? a->person : "", b->person ? b->person : "") == 0 &&
	       strcmp(a->text ? a->text : "", b->text ? b->text : "") == 0 &&
	       strcmp(a->objection_id, b->objection_id) == 0 && a->upheld == b->upheld &&
	       strcmp(a->created_at, b->created_at) == 0;
}

static void test_notice_generated(void)
{
	int same = 0, converge = 0, settled_first = 0, roundtrip = 0, total = 0;
	for (int t = 0; t < 5000; t++) {
		struct duban_notice r[MAXREC], copy[MAXREC];
		size_t n = gen_notices(r);
		duban_date today = duban_date_from_ymd(2026, 6, 1 + (int)rnd(30)), end, end2;
		int number, number2, ref_number;

		/* two replicas, the records in two orders */
		memcpy(copy, r, sizeof r);
		shuffle(r, n);
		shuffle(copy, n);
		duban_notice_sort(r, n);
		duban_notice_sort(copy, n);
		enum duban_close_block b = duban_close_check(r, n, today, &end, &number);
		enum duban_close_block b2 = duban_close_check(copy, n, today, &end2, &number2);
		same += b == close_reference(r, n, today, &ref_number) && (b != DUBAN_CLOSE_OBJECTION_OPEN || number == ref_number);
		converge += b == b2 && number == number2 && end == end2;
		/* an objection is settled by its resolution made first */
		bool ok_first = true;
		for (size_t i = 0; i < n; i++) {
			if (r[i].kind != DUBAN_NOTICE_OBJECTION)
				continue;
			int by = duban_objection_settled_by(r, n, i);
			for (size_t j = 0; j < n; j++)
				if (r[j].kind == DUBAN_NOTICE_RESOLUTION && strcmp(r[j].objection_id, r[i].id) == 0 &&
				    (by < 0 || made_before(&r[j], &r[by])))
					ok_first = false;
		}
		settled_first += ok_first;
		for (size_t i = 0; i < n; i++) {
			struct duban_notice back = { 0 };
			char why[256];
			cJSON *j = duban_notice_to_json(&r[i]);
			total++;
			roundtrip += duban_notice_from_json(j, &back, why, sizeof why) == DUBAN_OK && notice_equal(&r[i], &back);
			cJSON_Delete(j);
			duban_notice_free(&back);
			duban_notice_free(&r[i]);
		}
	}
	is_int(same, 5000, "whether and why closing is refused, as the reference has it, over 5000 random files");
	is_int(converge, 5000, "the same answer whatever order the records arrived in");
	is_int(settled_first, 5000, "an objection is settled by its resolution made first");
	is_int(roundtrip, total, "every notice record through JSON and back");
}

int main(void)
{
	test_chain_generated();
	test_chain_refused();
	test_default_chain();
	test_next_generated();
	test_evidence();
	test_evidence_kinds();
	test_notice_generated();
	return done_testing();
}
