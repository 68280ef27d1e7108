/* The office's close-out policies: the keys, their checks, and where the
 * policy in force comes from (the config or the server's copy). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/feedback.h"
#include "duban/policy.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/util.h"

#define NOTICE_DAYS_DEFAULT "7"
#define NOTICE_DAYS_MAX 365

static const struct {
	const char *name, *fallback;
} keys[DUBAN_POLICY_COUNT] = {
	[DUBAN_POLICY_ACCEPTANCE] = { "acceptance", duban_acceptance_default },
	[DUBAN_POLICY_EVIDENCE] = { "evidence", duban_evidence_default },
	[DUBAN_POLICY_NOTICE_DAYS] = { "notice-days", NOTICE_DAYS_DEFAULT },
};

const char *duban_policy_key_name(enum duban_policy_key k)
{
	return (unsigned)k < DUBAN_POLICY_COUNT ? keys[k].name : "";
}

int duban_policy_key_parse(const char *name)
{
	for (int k = 0; name && k < DUBAN_POLICY_COUNT; k++)
		if (strcmp(name, keys[k].name) == 0)
			return k;
	return -1;
}

const char *duban_policy_default(enum duban_policy_key k)
{
	return (unsigned)k < DUBAN_POLICY_COUNT ? keys[k].fallback : "";
}

static bool notice_days_parse(const char *value, int *days)
{
	char *end;
	long n;

	if (!value || !*value)
		return false;
	n = strtol(value, &end, 10);
	if (*end || n < 1 || n > NOTICE_DAYS_MAX)
		return false;
	*days = (int)n;
	return true;
}

char *duban_policy_normalize(enum duban_policy_key k, const char *value, char *err, size_t errlen)
{
	struct duban_acceptance_chain chain;
	struct duban_evidence_policy ev;
	int days;

	switch (k) {
	case DUBAN_POLICY_ACCEPTANCE:
		return duban_acceptance_parse(value, &chain, err, errlen) ? duban_acceptance_format(&chain) : NULL;
	case DUBAN_POLICY_EVIDENCE:
		return duban_evidence_policy_parse(value, &ev, err, errlen) ? duban_evidence_policy_format(&ev) : NULL;
	case DUBAN_POLICY_NOTICE_DAYS:
		if (notice_days_parse(value, &days))
			return xasprintf("%d", days);
		snprintf(err, errlen, _("notice-days: \"%s\" is not a number of days from 1 to %d"), value ? value : "",
			 NOTICE_DAYS_MAX);
		return NULL;
	default:
		snprintf(err, errlen, _("unknown policy \"%d\""), (int)k);
		return NULL;
	}
}

const char *duban_policy_source_text(enum duban_policy_source s)
{
	switch (s) {
	case DUBAN_POLICY_FROM_CONFIG:
		return _("the config file");
	case DUBAN_POLICY_FROM_SERVER:
		return _("the server (duband policy)");
	case DUBAN_POLICY_FROM_SERVER_DEFAULT:
		return _("the server's default");
	default:
		return _("the built-in default");
	}
}

/* Reads text into the key's member of out; false when it cannot be read. */
static bool policy_read(struct duban_policy *out, enum duban_policy_key k, const char *text)
{
	char err[256];

	switch (k) {
	case DUBAN_POLICY_ACCEPTANCE:
		return duban_acceptance_parse(text, &out->acceptance, err, sizeof err);
	case DUBAN_POLICY_EVIDENCE:
		return duban_evidence_policy_parse(text, &out->evidence, err, sizeof err);
	case DUBAN_POLICY_NOTICE_DAYS:
		return notice_days_parse(text, &out->notice_days);
	default:
		return false;
	}
}

void duban_policy_resolve(struct duban_policy *out, const char *const config[DUBAN_POLICY_COUNT],
			  const char *const server[DUBAN_POLICY_COUNT], bool attached)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < DUBAN_POLICY_COUNT; i++) {
		enum duban_policy_key k = (enum duban_policy_key)i;
		const char *mine = config ? config[k] : NULL, *theirs = server ? server[k] : NULL;

		if (attached && theirs && policy_read(out, k, theirs)) {
			out->from[k] = DUBAN_POLICY_FROM_SERVER;
			continue;
		}
		if (!attached && mine && policy_read(out, k, mine)) {
			out->from[k] = DUBAN_POLICY_FROM_CONFIG;
			continue;
		}
		policy_read(out, k, keys[k].fallback);
		out->from[k] = attached ? DUBAN_POLICY_FROM_SERVER_DEFAULT : DUBAN_POLICY_FROM_DEFAULT;
	}
}

enum duban_err duban_policy_load(duban_store *st, const struct duban_settings *s)
{
	const char *config[DUBAN_POLICY_COUNT] = { NULL };
	char *server[DUBAN_POLICY_COUNT];
	struct duban_policy p;

	if (s && strcmp(s->acceptance, duban_acceptance_default) != 0)
		config[DUBAN_POLICY_ACCEPTANCE] = s->acceptance;
	if (s && strcmp(s->evidence, duban_evidence_default) != 0)
		config[DUBAN_POLICY_EVIDENCE] = s->evidence;
	enum duban_err err = duban_policy_copy(st, server);
	duban_policy_resolve(&p, config, (const char *const *)server, duban_store_attached(st));
	for (int k = 0; k < DUBAN_POLICY_COUNT; k++)
		free(server[k]);
	duban_store_set_policy(st, &p);
	/* The feedback clock of transferred complaints: the config's, always
	 * (a bad value was reported when the config was read; the default
	 * stays). */
	struct duban_feedback_rules fb;
	char fberr[256];
	if (s && duban_feedback_parse(s->feedback_days, &fb, fberr, sizeof fberr))
		duban_store_set_feedback_rules(st, &fb);
	return err;
}
