/* Close-out as offices do it: `duban accept` signs one level of the
 * acceptance chain, `duban evidence` lists the evidence a request needs,
 * and the check `duban status CODE requested` makes before a request. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/closeout.h"
#include "duban/date.h"
#include "duban/json.h"
#include "duban/policy.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

/* The config's lines about key that could not be used, as FILE:LINE. */
static void policy_warnings(const struct duban_settings *s, const char *key)
{
	for (int i = 0; i < s->nerrors; i++)
		if (strstr(s->errors[i], key))
			cli_error(_("%s (the default applies)"), s->errors[i]);
}

int cli_evidence_missing(struct cli_ctx *ctx, const struct duban_item *item, unsigned *missing)
{
	unsigned present = 0;
	enum duban_err err = duban_evidence_present(ctx->st, item->id, &present);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, item->code);
	*missing = duban_evidence_missing(&duban_store_policy(ctx->st)->evidence, item, present);
	return CLI_OK;
}

/* ---------------------------------------------------------------- evidence */

struct files {
	struct duban_buf by_kind[DUBAN_EVIDENCE_COUNT];
};

static int collect_files(const struct duban_history_entry *e, void *data)
{
	struct files *f = data;
	if (!e->attachment)
		return 0;
	struct duban_buf *b = &f->by_kind[e->attachment->kind < DUBAN_EVIDENCE_COUNT ? e->attachment->kind : 0];
	if (b->len)
		duban_buf_puts(b, ", ");
	duban_buf_puts(b, e->attachment->name);
	return 0;
}

static int evidence_json(const struct duban_item *item, unsigned need, struct files *f)
{
	cJSON *o = cJSON_CreateObject(), *kinds = cJSON_AddArrayToObject(o, "evidence");
	cJSON_AddStringToObject(o, "code", item->code);
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++) {
		bool required = need & (1u << k);
		if (!required && !f->by_kind[k].len)
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "kind", duban_evidence_id((enum duban_evidence_kind)k));
		cJSON_AddBoolToObject(e, "required", required);
		cJSON_AddStringToObject(e, "files", f->by_kind[k].len ? f->by_kind[k].data : "");
		cJSON_AddBoolToObject(e, "missing", required && !f->by_kind[k].len);
		cJSON_AddItemToArray(kinds, e);
	}
	char *s = cJSON_Print(o);
	puts(s);
	free(s);
	cJSON_Delete(o);
	return CLI_OK;
}

static void evidence_table(const struct duban_item *item, unsigned need, struct files *f)
{
	unsigned missing = 0;
	printf(_("Evidence for %s (%s):\n"), item->code, duban_kind_name(item->kind));
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++) {
		bool required = need & (1u << k);
		if (!required && !f->by_kind[k].len)
			continue;
		const char *name = duban_evidence_name((enum duban_evidence_kind)k);
		int pad = 28 - duban_str_width(name);
		printf("  %s%*s %-9s ", name, pad > 0 ? pad : 0, "", required ? _("required") : "");
		if (f->by_kind[k].len) {
			char *clean = duban_sanitize(f->by_kind[k].data, false);
			puts(clean);
			free(clean);
		} else {
			puts(_("— missing"));
			missing |= 1u << k;
		}
	}
	if (!need && !missing)
		puts(_("  (no evidence required)"));
	char *m = duban_evidence_mask_text(missing, false);
	if (missing)
		printf(_("Missing: %s: a request for acceptance is refused until they are attached\n"
			 "(duban attach %s FILE --kind KIND).\n"), m, item->code);
	else
		puts(_("Nothing missing: a request for acceptance may go ahead."));
	free(m);
}

int cmd_evidence(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c, rc;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hf:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				cli_error(_("--format: unknown format '%s' (text or json)"), optarg);
				return CLI_USAGE;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			fputs(_("Usage: duban evidence CODE|ID [--format text|json]\n"
				"List the evidence (佐证材料) a request for acceptance of the item needs under\n"
				"the office's policy (`set evidence`), the files of each kind it has, and\n"
				"what is missing.  Exit status 0 either way.\n"), stdout);
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 1) {
		cli_error(_("evidence takes the code or id of one item"));
		return CLI_USAGE;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_item item;
	duban_item_init(&item);
	if ((rc = cli_get_item(ctx, argv[optind], &item)) != CLI_OK) {
		duban_item_free(&item);
		return rc;
	}
	const struct duban_policy *pol = duban_store_policy(ctx->st);
	if (!duban_store_attached(ctx->st))
		policy_warnings(cli_settings(ctx), "evidence: ");
	unsigned need = duban_evidence_missing(&pol->evidence, &item, 0);
	struct files f;
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++)
		duban_buf_init(&f.by_kind[k]);
	enum duban_err err = duban_history_each(ctx->st, item.id, collect_files, &f);
	if (err != DUBAN_OK)
		rc = cli_store_error(ctx, err, item.code);
	else if (json)
		rc = evidence_json(&item, need, &f);
	else
		evidence_table(&item, need, &f);
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++)
		duban_buf_free(&f.by_kind[k]);
	duban_item_free(&item);
	return rc;
}

/* ---------------------------------------------------------------- accept */

static void accept_help(void)
{
	fputs(_("Usage: duban accept CODE|ID --level LEVEL (--pass|--fail) --opinion TEXT\n"
		"                    [--signer NAME] [--date DATE] [--criteria 1,2,...]\n"
		"Sign one level of the acceptance chain (验收层级) of an item whose close-out\n"
		"was requested: who signed, when, the opinion and the result.  Levels are\n"
		"signed in order (the item's own chain, else the office's policy: the\n"
		"server's, or `set acceptance`; duban accept [CODE] --levels shows them); a\n"
		"fail returns the item to in progress with the opinion as the reason; the\n"
		"pass of the last level verifies it.\n\n"
		"Options:\n"
		"      --level LEVEL       the level's id or name (e.g. county, 县级初验)\n"
		"      --pass, --fail      the result\n"
		"      --opinion TEXT      the acceptance opinion (验收意见)\n"
		"      --signer NAME       who signs (default: you)\n"
		"      --date DATE         the day of the acceptance (default today)\n"
		"      --criteria LIST     the acceptance criteria met, by number (--levels\n"
		"                          lists them)\n"
		"      --levels            show the chain (the item's, with CODE) and the\n"
		"                          criteria, and exit\n"
		"  -h, --help              show this help\n"), stdout);
}

/* The chain (of item when given: its own, else the policy's) and where it
 * comes from. */
static int print_levels(struct cli_ctx *ctx, const char *code)
{
	const struct duban_policy *pol = duban_store_policy(ctx->st);
	struct duban_acceptance_chain c = pol->acceptance;
	const char *from = duban_policy_source_text(pol->from[DUBAN_POLICY_ACCEPTANCE]);
	if (code) {
		struct duban_item item;
		duban_item_init(&item);
		int rc = cli_get_item(ctx, code, &item);
		enum duban_err err = rc == CLI_OK ? duban_item_chain(ctx->st, item.id, &c) : DUBAN_OK;
		if (rc == CLI_OK && err != DUBAN_OK)
			rc = cli_store_error(ctx, err, item.code);
		if (rc == CLI_OK && memcmp(&c, &pol->acceptance, sizeof c) != 0)
			from = _("the item's own chain (acceptance_levels)");
		duban_item_free(&item);
		if (rc != CLI_OK)
			return rc;
	}
	if (!duban_store_attached(ctx->st))
		policy_warnings(cli_settings(ctx), "acceptance: ");
	printf(_("Acceptance levels, in signing order (policy: %s):\n"), from);
	for (int i = 0; i < c.n; i++)
		printf("  %d. %s (%s) — %s\n", i + 1, c.level[i].name, c.level[i].id,
		       c.level[i].signer == DUBAN_ROLE_OFFICE ? _("signed by the office")
							   : _("signed by the county's inspectors or the office"));
	puts(_("Acceptance criteria:"));
	for (int i = 0; i < DUBAN_CRITERIA_COUNT; i++)
		printf("  %d. %s\n", i + 1, duban_acceptance_criteria_zh[i]);
	return CLI_OK;
}

/* "1,3,5" with numbers 1..DUBAN_CRITERIA_COUNT, each once, sorted. */
static char *parse_criteria(const char *arg)
{
	bool met[DUBAN_CRITERIA_COUNT] = { false };
	char *copy = xstrdup(arg), *save = NULL;
	for (char *t = strtok_r(copy, ",，、 ", &save); t; t = strtok_r(NULL, ",，、 ", &save)) {
		char *end;
		long n = strtol(t, &end, 10);
		if (*end || n < 1 || n > DUBAN_CRITERIA_COUNT) {
			free(copy);
			return NULL;
		}
		met[n - 1] = true;
	}
	free(copy);
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < DUBAN_CRITERIA_COUNT; i++)
		if (met[i])
			duban_buf_printf(&b, "%s%d", b.len ? "," : "", i + 1);
	return duban_buf_steal(&b);
}

struct accept_args {
	const char *level, *opinion, *signer, *criteria;
	duban_date date;
	int result; /* -1 not given, 0 fail, 1 pass */
	bool levels;
};

enum { OPT_PASS = 0x300, OPT_FAIL, OPT_LEVELS };

static int parse_accept(struct cli_ctx *ctx, int argc, char **argv, struct accept_args *a)
{
	static const struct option opts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "pass", no_argument, NULL, OPT_PASS },
		{ "fail", no_argument, NULL, OPT_FAIL },
		{ "opinion", required_argument, NULL, 'o' },
		{ "signer", required_argument, NULL, 's' },
		{ "date", required_argument, NULL, 'd' },
		{ "criteria", required_argument, NULL, 'c' },
		{ "levels", no_argument, NULL, OPT_LEVELS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hl:o:s:d:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': a->level = optarg; break;
		case OPT_PASS: a->result = 1; break;
		case OPT_FAIL: a->result = 0; break;
		case 'o': a->opinion = optarg; break;
		case 's': a->signer = optarg; break;
		case 'c': a->criteria = optarg; break;
		case OPT_LEVELS: a->levels = true; break;
		case 'd':
			a->date = duban_date_parse(optarg);
			if (a->date == DUBAN_DATE_NONE) {
				cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), "--date", optarg);
				return CLI_REFUSED;
			}
			break;
		case 'h':
			accept_help();
			return -1;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	return CLI_OK;
}

/* Why this sign-off may not be made, or NULL. */
static char *accept_refusal(duban_store *st, const struct duban_acceptance_chain *c, const struct duban_item *item,
			    int level, int next, bool requested_only)
{
	if (requested_only && item->status != DUBAN_STATUS_REQUESTED)
		return xasprintf(_("%s is %s: only an item whose close-out was requested is accepted "
				   "(duban status %s requested)"), item->code, duban_status_name(item->status), item->code);
	if (next >= c->n)
		return xasprintf(_("%s: every acceptance level is signed"), item->code);
	if (level != next)
		return xasprintf(_("%s: the next level to sign is %s (levels are signed in order)"), item->code,
				 c->level[next].name);
	if (!duban_acceptance_may_sign(c, level, duban_store_role(st)))
		return xasprintf(_("%s is signed by the office, not by an %s"), c->level[level].name,
				 duban_role_name(duban_store_role(st)));
	return NULL;
}

int cli_signoff_check(struct cli_ctx *ctx, const struct duban_item *item, char **level)
{
	struct duban_acceptance_chain c;
	int next = 0;
	enum duban_err err = duban_item_chain(ctx->st, item->id, &c);
	if (err == DUBAN_OK)
		err = duban_acceptance_progress(ctx->st, item->id, &next);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, item->code);
	int at = duban_acceptance_find(&c, *level);
	if (at < 0) {
		char *levels = duban_acceptance_format(&c);
		cli_error(_("unknown acceptance level '%s': the chain is %s"), *level, levels);
		free(levels);
		return CLI_REFUSED;
	}
	/* An inspection may sign a level of an item not (yet) requested: it
	 * moves nothing, but duband checks its order and role all the same. */
	char *why = accept_refusal(ctx->st, &c, item, at, next, false);
	if (why) {
		cli_error("%s", why);
		free(why);
		return CLI_REFUSED;
	}
	duban_set_str(level, c.level[at].id);
	return CLI_OK;
}

int cmd_accept(struct cli_ctx *ctx, int argc, char **argv)
{
	struct accept_args a = { .date = DUBAN_DATE_NONE, .result = -1 };
	int rc = parse_accept(ctx, argc, argv, &a);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	if (a.levels) {
		if (argc - optind > 1) {
			cli_error(_("accept --levels takes at most one item"));
			return CLI_USAGE;
		}
		if (!cli_store(ctx, &rc))
			return rc;
		return print_levels(ctx, argc - optind == 1 ? argv[optind] : NULL);
	}
	if (argc - optind != 1 || !a.level || a.result < 0 || !a.opinion || !*a.opinion) {
		cli_error(_("accept needs an item, --level, --pass or --fail, and --opinion (see duban accept --help)"));
		return CLI_USAGE;
	}
	char *criteria = a.criteria ? parse_criteria(a.criteria) : xstrdup("");
	if (!criteria) {
		cli_error(_("--criteria: expected numbers from 1 to %d, e.g. 1,2,5 (duban accept --levels)"),
			  DUBAN_CRITERIA_COUNT);
		return CLI_REFUSED;
	}
	if (!cli_store(ctx, &rc)) {
		free(criteria);
		return rc;
	}
	struct duban_item item;
	duban_item_init(&item);
	if ((rc = cli_get_item(ctx, argv[optind], &item)) != CLI_OK)
		goto out;
	struct duban_acceptance_chain chain;
	const struct duban_acceptance_chain *c = &chain;
	enum duban_err err = duban_item_chain(ctx->st, item.id, &chain);
	if (err != DUBAN_OK) {
		rc = cli_store_error(ctx, err, item.code);
		goto out;
	}
	int level = duban_acceptance_find(c, a.level), next = 0;
	if (level < 0) {
		char *levels = duban_acceptance_format(c);
		cli_error(_("unknown acceptance level '%s': the chain is %s"), a.level, levels);
		free(levels);
		rc = CLI_REFUSED;
		goto out;
	}
	err = duban_acceptance_progress(ctx->st, item.id, &next);
	if (err != DUBAN_OK) {
		rc = cli_store_error(ctx, err, item.code);
		goto out;
	}
	char *why = accept_refusal(ctx->st, c, &item, level, next, true);
	if (why) {
		cli_error("%s", why);
		free(why);
		rc = CLI_REFUSED;
		goto out;
	}
	struct duban_inspection r = {
		.date = a.date == DUBAN_DATE_NONE ? duban_today() : a.date,
		.level = xstrdup(c->level[level].id),
		.inspectors = a.signer ? duban_names_join(a.signer) : xstrdup(""),
		.place = xstrdup(""),
		.findings = xstrdup(a.opinion),
		.passed = a.result == 1,
		.criteria = criteria,
	};
	criteria = NULL;
	snprintf(r.item_id, sizeof r.item_id, "%s", item.id);
	err = duban_inspection_add(ctx->st, &r);
	if (err != DUBAN_OK) {
		rc = cli_store_error(ctx, err, item.code);
	} else {
		struct duban_item now;
		duban_item_init(&now);
		duban_item_get_by_id(ctx->st, item.id, &now);
		printf(r.passed ? _("%s: %s signed, passed") : _("%s: %s signed, failed"), item.code, c->level[level].name);
		if (now.status != item.status)
			printf(_(" (%s → %s)"), duban_status_name(item.status), duban_status_name(now.status));
		else if (r.passed && level + 1 < c->n)
			printf(_("; next: %s"), c->level[level + 1].name);
		putchar('\n');
		duban_item_free(&now);
	}
	duban_inspection_free(&r);
out:
	free(criteria);
	duban_item_free(&item);
	return rc;
}
