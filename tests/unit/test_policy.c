/* The office's policies: which one is in force (duban_policy_resolve, the
 * one rule) against a reference written independently, over thousands of
 * generated combinations of config texts, server copies (good, bad or
 * none) and attached or standalone ledgers; the keys and their checks
 * (normalised values read back the same, bad ones refused); and
 * duban_policy_load on a real ledger as pulled policy changes arrive. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duban/closeout.h"
#include "duban/policy.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/util.h"
#include "tap.h"

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const ids[] = { "county", "city", "province", "town" };
static const char *const names[] = { "县级初验", "市级验收", "省级复核", "乡镇自验" };
static const char *const evs[] = { "before", "after", "penalty", "acceptance", "notice", "feedback", "other" };

/* A random text for key k: valid (*good) or not. */
static char *gen_text(enum duban_policy_key k, bool *good)
{
	struct duban_buf b;
	duban_buf_init(&b);
	*good = rnd(4) != 0;
	switch (k) {
	case DUBAN_POLICY_ACCEPTANCE: {
		int n = 1 + (int)rnd(4), start = (int)rnd(4);
		for (int i = 0; i < n; i++) {
			int at = (start + i) % 4;
			duban_buf_printf(&b, "%s%s:%s%s", i ? " " : "", ids[at], names[at],
					 rnd(2) ? (rnd(2) ? "@office" : "@inspector") : "");
		}
		if (!*good)
			duban_buf_printf(&b, rnd(2) ? " %s:重复" : " bad", ids[start]);
		break;
	}
	case DUBAN_POLICY_EVIDENCE:
		duban_buf_printf(&b, "problem:%s complaint:%s,%s", evs[rnd(7)], evs[rnd(7)], evs[rnd(7)]);
		if (!*good)
			duban_buf_puts(&b, rnd(2) ? " problem:selfie" : " thing:after");
		break;
	default:
		if (*good)
			duban_buf_printf(&b, "%u", 1 + rnd(365));
		else
			duban_buf_puts(&b, rnd(2) ? "0" : rnd(2) ? "366" : "seven");
	}
	return duban_buf_steal(&b);
}

/* The reference: on an attached ledger a good server copy, else the
 * default; standalone a good config, else the default. */
static enum duban_policy_source ref_source(bool attached, const char *config, bool config_good, const char *server,
					   bool server_good, const char **text)
{
	if (attached && server && server_good) {
		*text = server;
		return DUBAN_POLICY_FROM_SERVER;
	}
	if (!attached && config && config_good) {
		*text = config;
		return DUBAN_POLICY_FROM_CONFIG;
	}
	*text = NULL;
	return attached ? DUBAN_POLICY_FROM_SERVER_DEFAULT : DUBAN_POLICY_FROM_DEFAULT;
}

/* Whether p's member for k reads as text (NULL: the key's default). */
static bool member_is(const struct duban_policy *p, enum duban_policy_key k, const char *text)
{
	char err[256];
	struct duban_policy want;
	const char *t = text ? text : duban_policy_default(k);
	switch (k) {
	case DUBAN_POLICY_ACCEPTANCE:
		if (!duban_acceptance_parse(t, &want.acceptance, err, sizeof err))
			return false;
		return memcmp(&want.acceptance, &p->acceptance, sizeof want.acceptance) == 0;
	case DUBAN_POLICY_EVIDENCE:
		if (!duban_evidence_policy_parse(t, &want.evidence, err, sizeof err))
			return false;
		return memcmp(&want.evidence, &p->evidence, sizeof want.evidence) == 0;
	default:
		return p->notice_days == atoi(t);
	}
}

static void differential(int rounds)
{
	int bad = 0;
	for (int r = 0; r < rounds; r++) {
		char *config[DUBAN_POLICY_COUNT], *server[DUBAN_POLICY_COUNT];
		bool cgood[DUBAN_POLICY_COUNT], sgood[DUBAN_POLICY_COUNT];
		bool attached = rnd(2);
		for (int k = 0; k < DUBAN_POLICY_COUNT; k++) {
			config[k] = rnd(3) ? gen_text((enum duban_policy_key)k, &cgood[k]) : NULL;
			server[k] = rnd(3) ? gen_text((enum duban_policy_key)k, &sgood[k]) : NULL;
		}
		struct duban_policy p;
		duban_policy_resolve(&p, (const char *const *)config, (const char *const *)server, attached);
		for (int k = 0; k < DUBAN_POLICY_COUNT; k++) {
			const char *text;
			enum duban_policy_source want = ref_source(attached, config[k], config[k] && cgood[k], server[k],
								   server[k] && sgood[k], &text);
			if (p.from[k] != want || !member_is(&p, (enum duban_policy_key)k, text)) {
				if (bad++ < 5)
					diag("round %d key %s attached %d: config \"%s\" server \"%s\": source %d, want %d", r,
					     duban_policy_key_name((enum duban_policy_key)k), attached,
					     config[k] ? config[k] : "(none)", server[k] ? server[k] : "(none)", p.from[k], want);
			}
			free(config[k]);
			free(server[k]);
		}
	}
	is_int(bad, 0, "resolve agrees with the reference over generated configs and server copies");
}

static void keys_and_checks(void)
{
	char err[256];
	for (int k = 0; k < DUBAN_POLICY_COUNT; k++)
		is_int(duban_policy_key_parse(duban_policy_key_name((enum duban_policy_key)k)), k, "a key's name reads back");
	is_int(duban_policy_key_parse("color"), -1, "a name that is no policy");
	is_int(duban_policy_key_parse(NULL), -1, "no name");
	int bad = 0, refused = 0, goods = 0;
	for (int r = 0; r < 3000; r++) {
		enum duban_policy_key k = (enum duban_policy_key)rnd(DUBAN_POLICY_COUNT);
		bool good;
		char *text = gen_text(k, &good);
		char *norm = duban_policy_normalize(k, text, err, sizeof err);
		if (!good) {
			refused += norm == NULL;
			bad += norm != NULL;
		} else {
			goods++;
			/* The canonical form reads as the text did, and is a fixed point. */
			struct duban_policy a, b;
			const char *one[DUBAN_POLICY_COUNT] = { NULL }, *two[DUBAN_POLICY_COUNT] = { NULL };
			one[k] = text;
			two[k] = norm;
			duban_policy_resolve(&a, one, NULL, false);
			duban_policy_resolve(&b, two, NULL, false);
			char *again = norm ? duban_policy_normalize(k, norm, err, sizeof err) : NULL;
			if (!norm || !again || strcmp(norm, again) != 0 || a.from[k] != DUBAN_POLICY_FROM_CONFIG ||
			    memcmp(&a, &b, sizeof a) != 0)
				bad++;
			free(again);
		}
		free(norm);
		free(text);
	}
	is_int(bad, 0, "normalised values read back the same; bad values are refused");
	ok(refused > 100 && goods > 1000, "both kinds were generated");
	char *n = duban_policy_normalize(DUBAN_POLICY_NOTICE_DAYS, "365", err, sizeof err);
	is_str(n, "365", "notice-days 365 is the longest");
	free(n);
	ok(!duban_policy_normalize(DUBAN_POLICY_NOTICE_DAYS, "", err, sizeof err), "notice-days empty is refused");
	n = duban_policy_normalize(DUBAN_POLICY_ACCEPTANCE, "county:县级初验　city：市级验收", err, sizeof err);
	is_str(n, "county:县级初验@inspector city:市级验收@office", "a chain is written out with its roles");
	free(n);
}

static cJSON *policy_change(const char *key, const char *value)
{
	cJSON *c = cJSON_CreateObject(), *p = cJSON_AddObjectToObject(c, "policy");
	cJSON_AddNumberToObject(c, "seq", 1);
	cJSON_AddStringToObject(c, "type", "policy");
	cJSON_AddStringToObject(p, "key", key);
	if (value)
		cJSON_AddStringToObject(p, "value", value);
	else
		cJSON_AddNullToObject(p, "value");
	return c;
}

static void apply(duban_store *st, const char *key, const char *value)
{
	cJSON *c = policy_change(key, value);
	is_int(duban_apply_change(st, c), DUBAN_OK, "a pulled policy change applies");
	cJSON_Delete(c);
}

static void on_a_ledger(void)
{
	char path[] = "/tmp/duban-test-policy-XXXXXX";
	char err[256];
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	duban_store *st = duban_store_open(path, err, sizeof err);
	ok(st != NULL, "a ledger opens");
	if (!st)
		return;
	struct duban_settings s;
	duban_settings_load(&s, "/nonexistent/config");
	free(s.acceptance);
	s.acceptance = xstrdup("county:自定义初验");
	is_int(duban_policy_load(st, &s), DUBAN_OK, "load on a standalone ledger");
	const struct duban_policy *p = duban_store_policy(st);
	is_int(p->from[DUBAN_POLICY_ACCEPTANCE], DUBAN_POLICY_FROM_CONFIG, "standalone: the config's chain");
	is_str(duban_store_acceptance(st)->level[0].name, "自定义初验", "the store signs along it");
	is_int(p->from[DUBAN_POLICY_EVIDENCE], DUBAN_POLICY_FROM_DEFAULT, "a default config value counts as not set");

	apply(st, "acceptance", "county:县级初验 province:省级复核@office");
	apply(st, "from-a-newer-server", "whatever");
	duban_policy_load(st, &s);
	is_int(duban_store_policy(st)->from[DUBAN_POLICY_ACCEPTANCE], DUBAN_POLICY_FROM_CONFIG,
	       "a copy on a ledger that never synced does not count");
	is_int(duban_sync_set(st, DUBAN_SYNC_SERVER, "https://127.0.0.1:1"), DUBAN_OK, "the ledger is attached");
	duban_policy_load(st, &s);
	p = duban_store_policy(st);
	is_int(p->from[DUBAN_POLICY_ACCEPTANCE], DUBAN_POLICY_FROM_SERVER, "attached: the server's chain wins");
	is_str(duban_store_acceptance(st)->level[1].name, "省级复核", "the store signs along the server's chain");
	is_int(p->from[DUBAN_POLICY_EVIDENCE], DUBAN_POLICY_FROM_SERVER_DEFAULT, "a key the server did not set: its default");
	apply(st, "acceptance", NULL);
	duban_policy_load(st, &s);
	is_int(duban_store_policy(st)->from[DUBAN_POLICY_ACCEPTANCE], DUBAN_POLICY_FROM_SERVER_DEFAULT,
	       "unset on the server: the default, not the config");
	is_str(duban_store_acceptance(st)->level[1].name, "市级验收", "the built-in chain");
	duban_settings_free(&s);
	duban_store_close(st);
	unlink(path);
}

int main(void)
{
	differential(5000);
	keys_and_checks();
	on_a_ledger();
	return done_testing();
}
