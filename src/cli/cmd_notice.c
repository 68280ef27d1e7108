/* The public notice (公示) and its objections on the command line:
 * `duban objection add|resolve|list`, the notice's days for `duban status
 * CODE publicized`, and the notice as `duban show` prints it. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/closeout.h"
#include "duban/date.h"
#include "duban/notice.h"
#include "duban/settings.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

int cli_notice_days_default(void)
{
	struct duban_settings s;
	int days;

	duban_settings_load(&s, NULL);
	days = s.notice_days >= 1 ? s.notice_days : DUBAN_NOTICE_DAYS_DEFAULT;
	duban_settings_free(&s);
	return days;
}

int cli_notice_days_arg(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg && !*end && v >= 1 && v <= 3650)
		return (int)v;
	cli_error(_("--days: expected a number of days from 1 to 3650, not '%s'"), arg);
	return 0;
}

/* ---------------------------------------------------------------- showing */

static void print_clean(const char *fmt, const char *s)
{
	char *clean = duban_sanitize(s ? s : "", false);
	printf(fmt, clean);
	free(clean);
}

/* "open", "upheld 2026-06-20: TEXT", "dismissed 2026-06-20: TEXT": an
 * objection's state.  Malloc'd. */
static char *objection_state(const struct duban_notice *r, size_t n, size_t i)
{
	int by = duban_objection_settled_by(r, n, i);
	char d[11];

	if (by < 0)
		return xstrdup(_("open"));
	return xasprintf(r[by].upheld ? _("upheld %s: %s") : _("dismissed %s: %s"), duban_date_format(r[by].date, d),
			 r[by].text ? r[by].text : "");
}

void cli_notice_print(struct cli_ctx *ctx, const struct duban_item *item)
{
	struct duban_notice *r;
	struct duban_notice_state ns;
	size_t n;
	char a[11], b[11];

	if (duban_notice_list(ctx->st, item->id, &r, &n) != DUBAN_OK || !n) {
		duban_notices_free(r, n);
		return;
	}
	duban_notice_state(r, n, &ns);
	if (ns.notice >= 0) {
		const struct duban_notice *o = &r[ns.notice];
		printf(_("Public notice: %s to %s"), duban_date_format(o->date, a), duban_date_format(o->end, b));
		if (item->status == DUBAN_STATUS_PUBLICIZED)
			fputs(o->end >= duban_today() ? _(" (running)") : _(" (ended: due for closing)"), stdout);
		putchar('\n');
		if (o->place && *o->place)
			print_clean(_("  published at: %s\n"), o->place);
		if (o->contact && *o->contact)
			print_clean(_("  objections to: %s\n"), o->contact);
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != DUBAN_NOTICE_OBJECTION)
			continue;
		char *state = objection_state(r, n, i);
		char *text = duban_sanitize(r[i].text, false), *st = duban_sanitize(state, false);
		char *when = duban_objection_when(&r[i]), *when_clean = duban_sanitize(when, false);
		printf(_("Objection %d (%s): %s [%s]\n"), duban_objection_number(r, n, i), when_clean, text, st);
		free(when);
		free(when_clean);
		free(text);
		free(st);
		free(state);
	}
	duban_notices_free(r, n);
}

/* ---------------------------------------------------------------- objection */

static void objection_help(void)
{
	fputs(_("Usage: duban objection add CODE TEXT [--from NAME] [--date DATE]\n"
		"       duban objection resolve CODE N (--upheld|--dismissed) --text TEXT [--date DATE]\n"
		"       duban objection list CODE [--format json]\n"
		"Objections (异议) to an item's public notice (公示).  add records one (any role\n"
		"but a viewer); resolve settles objection N as list numbers them (the office):\n"
		"upheld sends a publicized item back to in_progress with the objection as the\n"
		"reason, dismissed leaves it.  An item is not closed (销号) while its notice runs\n"
		"or an objection is open.  When two replicas settle one objection offline, the\n"
		"first resolution made counts; the other stays in the history.\n\n"
		"Options:\n"
		"      --from NAME         who raised it\n"
		"      --date DATE         when it came, or was settled (default today)\n"
		"      --upheld            the objection stands: the item goes back to work\n"
		"      --dismissed         the objection does not stand\n"
		"      --text TEXT         how it was settled\n"
		"      --format json       list as JSON\n"
		"  -h, --help              show this help\n"), stdout);
}

struct objection_args {
	const char *from, *text;
	duban_date date;
	int upheld; /* -1 not said */
	bool json;
};

static int parse_objection(struct cli_ctx *ctx, int argc, char **argv, struct objection_args *a)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'F' },   { "date", required_argument, NULL, 'd' },
		{ "upheld", no_argument, NULL, 'U' },       { "dismissed", no_argument, NULL, 'D' },
		{ "text", required_argument, NULL, 't' },   { "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hd:t:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'F': a->from = optarg; break;
		case 't': a->text = optarg; break;
		case 'U': a->upheld = 1; break;
		case 'D': a->upheld = 0; break;
		case 'd':
			if ((a->date = duban_date_parse(optarg)) == DUBAN_DATE_NONE) {
				cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), "--date", optarg);
				return CLI_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				cli_error(_("--format: unknown format '%s' (text or json)"), optarg);
				return CLI_USAGE;
			}
			a->json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			objection_help();
			return -1;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	return CLI_OK;
}

static int objection_list(struct cli_ctx *ctx, const struct duban_item *item, bool json)
{
	struct duban_notice *r;
	size_t n;
	enum duban_err err = duban_notice_list(ctx->st, item->id, &r, &n);
	char d[11];

	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, item->code);
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			if (r[i].kind != DUBAN_NOTICE_OBJECTION)
				continue;
			int by = duban_objection_settled_by(r, n, i);
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "number", duban_objection_number(r, n, i));
			cJSON_AddStringToObject(o, "id", r[i].id);
			cJSON_AddStringToObject(o, "date", duban_date_format(r[i].date, d));
			cJSON_AddStringToObject(o, "from", r[i].person ? r[i].person : "");
			cJSON_AddStringToObject(o, "text", r[i].text ? r[i].text : "");
			cJSON_AddStringToObject(o, "author", r[i].author ? r[i].author : "");
			cJSON_AddStringToObject(o, "state", by < 0 ? "open" : r[by].upheld ? "upheld" : "dismissed");
			if (by >= 0) {
				cJSON_AddStringToObject(o, "resolved_on", duban_date_format(r[by].date, d));
				cJSON_AddStringToObject(o, "resolution", r[by].text ? r[by].text : "");
			}
			cJSON_AddItemToArray(arr, o);
		}
		char *s = cJSON_Print(arr);
		puts(s);
		free(s);
		cJSON_Delete(arr);
	} else {
		struct duban_notice_state ns;
		duban_notice_state(r, n, &ns);
		if (!ns.objections)
			printf(_("%s: no objections\n"), item->code);
		cli_notice_print(ctx, item);
	}
	duban_notices_free(r, n);
	return CLI_OK;
}

int cmd_objection(struct cli_ctx *ctx, int argc, char **argv)
{
	struct objection_args a = { .date = DUBAN_DATE_NONE, .upheld = -1 };
	struct duban_item item;
	const char *verb;
	int rc = parse_objection(ctx, argc, argv, &a);
	enum duban_err err;

	if (rc)
		return rc < 0 ? CLI_OK : rc;
	verb = optind < argc ? argv[optind] : "";
	if (!((strcmp(verb, "add") == 0 && argc - optind == 3) || (strcmp(verb, "resolve") == 0 && argc - optind == 3) ||
	      (strcmp(verb, "list") == 0 && argc - optind == 2))) {
		cli_error(_("objection needs add CODE TEXT, resolve CODE N or list CODE (see duban objection --help)"));
		return CLI_USAGE;
	}
	if (strcmp(verb, "resolve") == 0 && (a.upheld < 0 || !a.text || !*a.text)) {
		cli_error(_("objection resolve needs --upheld or --dismissed, and --text"));
		return CLI_USAGE;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	duban_item_init(&item);
	if ((rc = cli_get_item(ctx, argv[optind + 1], &item)) != CLI_OK)
		goto out;
	if (strcmp(verb, "list") == 0) {
		rc = objection_list(ctx, &item, a.json);
	} else if (strcmp(verb, "add") == 0) {
		int number = 0;
		err = duban_objection_raise(ctx->st, item.id, argv[optind + 2], a.from, a.date, &number);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, item.code);
		else
			printf(_("%s: objection %d recorded; closing waits until it is settled\n"), item.code, number);
	} else {
		char *end;
		long k = strtol(argv[optind + 2], &end, 10);
		if (!*argv[optind + 2] || *end || k < 1 || k > 100000) {
			cli_error(_("objection resolve: N is the objection's number in duban objection list, not '%s'"),
				  argv[optind + 2]);
			rc = CLI_USAGE;
			goto out;
		}
		err = duban_objection_settle(ctx->st, item.id, (int)k, a.upheld == 1, a.text, a.date);
		if (err != DUBAN_OK) {
			rc = cli_store_error(ctx, err, item.code);
		} else if (a.upheld == 1) {
			struct duban_item now;
			duban_item_init(&now);
			duban_item_get_by_id(ctx->st, item.id, &now);
			printf(_("%s: objection %ld upheld"), item.code, k);
			if (now.status != item.status)
				printf(_(" (%s → %s)"), duban_status_name(item.status), duban_status_name(now.status));
			putchar('\n');
			duban_item_free(&now);
		} else {
			printf(_("%s: objection %ld dismissed\n"), item.code, k);
		}
	}
out:
	duban_item_free(&item);
	return rc;
}
