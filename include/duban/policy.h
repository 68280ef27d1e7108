/* The office's close-out policies (the acceptance chain, the evidence a
 * request needs, the days of a public notice): which keys there are, how
 * each value is checked, and the one place where the policy in force is
 * decided from the config and the server's copy.  duband keeps the
 * policies (`duband policy set`); they reach clients through sync and
 * apply offline from the last copy. */
#ifndef DUBAN_POLICY_H
#define DUBAN_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "duban/closeout.h"

enum duban_policy_key {
	DUBAN_POLICY_ACCEPTANCE, /* "acceptance": the chain, as duban_acceptance_parse reads it */
	DUBAN_POLICY_EVIDENCE,   /* "evidence": as duban_evidence_policy_parse reads it */
	DUBAN_POLICY_NOTICE_DAYS, /* "notice-days": days a public notice runs, 1..365 */
	DUBAN_POLICY_COUNT
};
/* The key's name ("acceptance", "evidence", "notice-days"). */
const char *duban_policy_key_name(enum duban_policy_key k);
/* The key of a name, -1 for a name that is not a policy. */
int duban_policy_key_parse(const char *name);
/* The built-in value of a key (what applies when nobody set one). */
const char *duban_policy_default(enum duban_policy_key k);
/* value checked with the key's own parser and written in its canonical form
 * (malloc'd); NULL with a message in err when it cannot be used. */
char *duban_policy_normalize(enum duban_policy_key k, const char *value, char *err, size_t errlen);

/* Where a policy in force comes from. */
enum duban_policy_source {
	DUBAN_POLICY_FROM_DEFAULT, /* built in (standalone, nothing in the config) */
	DUBAN_POLICY_FROM_CONFIG,  /* the config's `set acceptance` / `set evidence` */
	DUBAN_POLICY_FROM_SERVER,  /* the server's copy (duband policy set) */
	DUBAN_POLICY_FROM_SERVER_DEFAULT /* attached to a server that set none: its default */
};
/* "the server (duband policy)" and the like, translated. */
const char *duban_policy_source_text(enum duban_policy_source s);

struct duban_policy {
	struct duban_acceptance_chain acceptance;
	struct duban_evidence_policy evidence;
	int notice_days;
	enum duban_policy_source from[DUBAN_POLICY_COUNT];
};

/* THE rule.  config[k]: the config's text, NULL when the config does not set
 * it; server[k]: the server's copy, NULL when the ledger holds none;
 * attached: the ledger syncs with a server.  On an attached ledger the
 * server's copy wins, and without one the built-in default applies (the one
 * duband checks pushes against): the config is not used.  A standalone
 * ledger uses the config, else the default.  A value that cannot be read
 * falls back to the default. */
void duban_policy_resolve(struct duban_policy *out, const char *const config[DUBAN_POLICY_COUNT],
			  const char *const server[DUBAN_POLICY_COUNT], bool attached);

/* The policy in force on this ledger, resolved by duban_policy_resolve from
 * the config s (already loaded; NULL: none) and the ledger's copy of the
 * server's policies, and installed in the store (duban_store_policy).  The
 * CLI and the TUI call it once the store is open, and the TUI again after a
 * sync.  A config value equal to the built-in default counts as not set. */
struct duban_settings;
typedef struct duban_store duban_store;
enum duban_err duban_policy_load(duban_store *st, const struct duban_settings *s);

#endif
