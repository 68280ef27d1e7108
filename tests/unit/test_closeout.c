/* Close-out rules: the acceptance chain and evidence policies read from
 * generated texts (spaces ASCII or ideographic, colons half or full width,
 * roles written or left to the default) and compared with the chain they
 * were generated from; formatted and read back; refusals of generated bad
 * texts; and the chain's next level and the missing evidence against
 * reference implementations written independently, over random records. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
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

int main(void)
{
	test_chain_generated();
	test_chain_refused();
	test_default_chain();
	test_next_generated();
	test_evidence();
	test_evidence_kinds();
	return done_testing();
}
