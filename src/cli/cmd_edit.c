/* Commands that change the ledger: add, edit, note, status, inspect, action. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
#include "duban/date.h"
#include "duban/model.h"
#include "duban/notice.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

/* ---------------------------------------------------------------- fields */

/* Convenience flags of add and edit, each a shorthand for --set FIELD=VALUE:
 * one list drives the options, the parser and the help. */
static const struct item_flag {
	const char *opt, *field, *arg, *help;
} item_flags[] = {
	{ "kind", "kind", "KIND", N_("problem or complaint (default problem)") },
	{ "code", "code", "CODE", N_("case or task number (受理编号)") },
	{ "title", "title", "TEXT", N_("title of the problem or complaint") },
	{ "description", "description", "TEXT", N_("description") },
	{ "round", "round", "NAME", N_("inspection round (督察轮次)") },
	{ "batch", "batch", "N", N_("batch of transferred complaints") },
	{ "category", "categories", "LIST", N_("pollution categories, joined by 、") },
	{ "county", "county", "NAME", N_("county, city or district") },
	{ "township", "township", "NAME", N_("township") },
	{ "lead-unit", "lead_unit", "UNIT", N_("responsible unit (牵头单位)") },
	{ "co-units", "co_units", "UNITS", N_("co-operating units, joined by 、") },
	{ "leader", "leader", "NAME", N_("accountable leader") },
	{ "owner", "owner", "NAME", N_("person in charge") },
	{ "goal", "goal", "TEXT", N_("rectification goal") },
	{ "measures", "measures", "TEXT", N_("rectification measures") },
	{ "start", "start", "DATE", N_("start date") },
	{ "deadline", "deadline", "DATE", N_("deadline: a date, 立行立改 or 长期坚持") },
	{ "progress", "progress", "N", N_("progress in percent, 0 to 100") },
};
#define NFLAGS (sizeof item_flags / sizeof item_flags[0])
#define OPT_FLAG0 0x200
#define OPT_SET 'S'

struct assignment {
	const char *field, *value;
	char *owned; /* set when field/value were split from a --set argument */
};

struct item_opts {
	struct assignment *set;
	int nset;
	bool help;
};

static void item_flags_help(void)
{
	for (size_t i = 0; i < NFLAGS; i++) {
		char *opt = xasprintf("--%s %s", item_flags[i].opt, item_flags[i].arg);
		char *cell = cli_cell(opt, 22, false);
		printf("      %s %s\n", cell, _(item_flags[i].help));
		free(cell);
		free(opt);
	}
	fputs(_("      --set FIELD=VALUE      any field, by name or Chinese label\n"
		"                             (e.g. --set 整改措施=..., --set key_case=yes)\n"), stdout);
}

/* The long options: the flags, --set, --help and extra (NULL-ended). */
static struct option *item_longopts(const struct option *extra)
{
	size_t nextra = 0;
	while (extra && extra[nextra].name)
		nextra++;
	struct option *o = xcalloc(NFLAGS + nextra + 3, sizeof *o);
	size_t n = 0;
	for (size_t i = 0; i < NFLAGS; i++)
		o[n++] = (struct option){ item_flags[i].opt, required_argument, NULL, OPT_FLAG0 + (int)i };
	o[n++] = (struct option){ "set", required_argument, NULL, OPT_SET };
	o[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	for (size_t i = 0; i < nextra; i++)
		o[n++] = extra[i];
	return o;
}

static void assignments_free(struct item_opts *io)
{
	for (int i = 0; i < io->nset; i++)
		free(io->set[i].owned);
	free(io->set);
	io->set = NULL;
	io->nset = 0;
}

/* Records one field option; 1 when c was one, 0 when not, -(exit) on error. */
static int item_option(struct item_opts *io, int c, const char *arg, int argc)
{
	if (!io->set)
		io->set = xcalloc((size_t)argc + 1, sizeof *io->set);
	struct assignment *a = &io->set[io->nset];
	if (c >= OPT_FLAG0 && c < OPT_FLAG0 + (int)NFLAGS) {
		*a = (struct assignment){ item_flags[c - OPT_FLAG0].field, arg, NULL };
		io->nset++;
		return 1;
	}
	if (c != OPT_SET)
		return 0;
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		cli_error(_("--set: expected FIELD=VALUE, got '%s'"), arg);
		return -CLI_USAGE;
	}
	a->owned = xstrdup(arg);
	a->owned[eq - arg] = '\0';
	a->field = duban_trim(a->owned);
	a->value = a->owned + (eq - arg) + 1;
	io->nset++;
	return 1;
}

/* --deadline takes 立行立改 and 长期坚持 as well as dates. */
static enum duban_err set_deadline(struct duban_item *item, const char *value)
{
	int k = duban_deadline_kind_parse(value);
	if (k == DUBAN_DEADLINE_IMMEDIATE || k == DUBAN_DEADLINE_ONGOING) {
		item->deadline_kind = k;
		item->deadline = DUBAN_DATE_NONE;
		return DUBAN_OK;
	}
	enum duban_err err = duban_field_parse(duban_field_find("deadline"), item, value);
	if (err == DUBAN_OK && item->deadline != DUBAN_DATE_NONE)
		item->deadline_kind = DUBAN_DEADLINE_DATE;
	return err;
}

static int apply_one(struct duban_item *item, const struct assignment *a)
{
	const struct duban_field *f = duban_field_find(a->field);
	if (!f) {
		cli_error(_("unknown field '%s' (`duban show --format json CODE` lists the field names)"),
			  a->field);
		return CLI_USAGE;
	}
	if (f->type == DUBAN_FT_STATUS) {
		cli_error(_("the status is not edited: use `duban status CODE NEW [--reason TEXT]`"));
		return CLI_REFUSED;
	}
	if (!f->editable) {
		cli_error(_("the field '%s' cannot be edited"), a->field);
		return CLI_REFUSED;
	}
	enum duban_err err = strcmp(f->name, "deadline") == 0 ? set_deadline(item, a->value)
		: duban_field_parse(f, item, a->value);
	if (err == DUBAN_OK)
		return CLI_OK;
	if (f->type == DUBAN_FT_DATE)
		cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), _(f->title), a->value);
	else
		cli_error(_("%s: invalid value '%s'"), _(f->title), a->value);
	return CLI_REFUSED;
}

static int apply_all(struct duban_item *item, const struct item_opts *io)
{
	for (int i = 0; i < io->nset; i++) {
		int rc = apply_one(item, &io->set[i]);
		if (rc != CLI_OK)
			return rc;
	}
	return CLI_OK;
}

/* Parses add/edit's options; positional arguments are left from optind on. */
static int parse_item_opts(struct cli_ctx *ctx, int argc, char **argv, struct item_opts *io)
{
	struct option *opts = item_longopts(NULL);
	int c, rc = CLI_OK;
	while (rc == CLI_OK && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			io->help = true;
			break;
		}
		if (c == '?' || c == ':') {
			rc = cli_bad_option(ctx, c, argv);
			break;
		}
		int r = item_option(io, c, optarg, argc);
		if (r < 0)
			rc = -r;
	}
	free(opts);
	return rc;
}

/* ---------------------------------------------------------------- add */

int cmd_add(struct cli_ctx *ctx, int argc, char **argv)
{
	struct item_opts io = { 0 };
	int rc = parse_item_opts(ctx, argc, argv, &io);
	if (rc == CLI_OK && io.help) {
		fputs(_("Usage: duban add --code CODE --title TEXT [FIELD OPTIONS] [--set FIELD=VALUE]...\n"
			"Add an item to the ledger; prints its code and id.\n\nOptions:\n"), stdout);
		item_flags_help();
		fputs(_("  -h, --help                 show this help\n"), stdout);
		assignments_free(&io);
		return CLI_OK;
	}
	if (rc == CLI_OK && optind < argc) {
		cli_error(_("add: unexpected argument '%s'"), argv[optind]);
		rc = CLI_USAGE;
	}
	struct duban_item item;
	duban_item_init(&item);
	if (rc == CLI_OK)
		rc = apply_all(&item, &io);
	if (rc == CLI_OK && (!*item.code || !*item.title)) {
		cli_error(_("add needs --code and --title (see `duban add --help`)"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && cli_store(ctx, &rc)) {
		enum duban_err err = duban_item_insert(ctx->st, &item);
		if (err == DUBAN_ERR_DUPLICATE) {
			cli_error(_("an item with code '%s' already exists (see `duban show %s`)"), item.code, item.code);
			rc = CLI_REFUSED;
		} else if (err != DUBAN_OK) {
			rc = cli_store_error(ctx, err, _("cannot add the item"));
		} else {
			char *clean = duban_sanitize(item.code, false);
			printf(_("added %s (id %s)\n"), clean, item.id);
			free(clean);
		}
	}
	duban_item_free(&item);
	assignments_free(&io);
	return rc;
}

/* ---------------------------------------------------------------- edit */

int cmd_edit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct item_opts io = { 0 };
	int rc = parse_item_opts(ctx, argc, argv, &io);
	if (rc == CLI_OK && io.help) {
		fputs(_("Usage: duban edit CODE|ID [FIELD OPTIONS] [--set FIELD=VALUE]...\n"
			"Change fields of an item; every change is kept in its history.\n"
			"The status changes only with `duban status`.\n\nOptions:\n"), stdout);
		item_flags_help();
		fputs(_("  -h, --help                 show this help\n"), stdout);
		assignments_free(&io);
		return CLI_OK;
	}
	if (rc == CLI_OK && argc - optind != 1) {
		cli_error(_("edit needs one item code or id (see `duban edit --help`)"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && io.nset == 0) {
		cli_error(_("edit: nothing to change (give --set FIELD=VALUE or a field option)"));
		rc = CLI_USAGE;
	}
	struct duban_item item;
	duban_item_init(&item);
	if (rc == CLI_OK && cli_store(ctx, &rc))
		rc = cli_get_item(ctx, argv[optind], &item);
	if (rc == CLI_OK)
		rc = apply_all(&item, &io);
	if (rc == CLI_OK) {
		int changed = 0;
		enum duban_err err = duban_item_update(ctx->st, &item, &changed);
		char *clean = duban_sanitize(item.code, false);
		if (err == DUBAN_ERR_DUPLICATE) {
			cli_error(_("an item with code '%s' already exists"), clean);
			rc = CLI_REFUSED;
		} else if (err != DUBAN_OK) {
			rc = cli_store_error(ctx, err, _("cannot change the item"));
		} else if (changed == 0) {
			printf(_("%s: nothing changed\n"), clean);
		} else {
			printf(ngettext("%s: %d field changed\n", "%s: %d fields changed\n",
					(unsigned long)changed), clean, changed);
		}
		free(clean);
	}
	duban_item_free(&item);
	assignments_free(&io);
	return rc;
}

/* ---------------------------------------------------------------- note */

/* Confirms a change with the item's code (fmt has one %s). */
static void done_msg(const char *fmt, const struct duban_item *item)
{
	char *code = duban_sanitize(item->code, false);
	printf(fmt, code);
	free(code);
}

static char *read_stdin(void)
{
	struct duban_buf b;
	duban_buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		duban_buf_add(&b, chunk, n);
	if (ferror(stdin)) {
		duban_buf_free(&b);
		return NULL;
	}
	return duban_buf_steal(&b);
}

/* Parses a command that only takes --help and n positional arguments. */
static int simple_args(struct cli_ctx *ctx, int argc, char **argv, int n, const char *usage)
{
	int rc = cli_help_only(ctx, argc, argv, usage);
	if (rc)
		return rc;
	if (argc - optind != n) {
		cli_error(_("%s: wrong number of arguments (see `duban %s --help`)"), ctx->cmd, ctx->cmd);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int cmd_note(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc = simple_args(ctx, argc, argv, 2,
			     _("Usage: duban note CODE|ID TEXT\n"
			       "Add a dated progress note (整改进展) to an item; TEXT - reads it from\n"
			       "standard input.  Notes are never changed or removed.\n"));
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	const char *code = argv[optind], *arg = argv[optind + 1];
	char *text = strcmp(arg, "-") == 0 ? read_stdin() : xstrdup(arg);
	if (!text) {
		cli_error(_("cannot read the note from standard input"));
		return CLI_FAIL;
	}
	duban_trim(text);
	if (!*text) {
		free(text);
		cli_error(_("the note is empty"));
		return CLI_USAGE;
	}
	struct duban_item item;
	duban_item_init(&item);
	struct duban_note note = { .text = text, .author = xstrdup("") };
	if (cli_store(ctx, &rc))
		rc = cli_get_item(ctx, code, &item);
	if (rc == CLI_OK) {
		memcpy(note.item_id, item.id, sizeof note.item_id);
		enum duban_err err = duban_note_add(ctx->st, &note);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, _("cannot add the note"));
		else
			done_msg(_("%s: note added\n"), &item);
	}
	duban_note_free(&note);
	duban_item_free(&item);
	return rc;
}

/* ---------------------------------------------------------------- status */

static int refuse_status(struct cli_ctx *ctx, enum duban_err err, const struct duban_item *item,
			 enum duban_status to)
{
	enum duban_role role = duban_store_role(ctx->st);
	char *allowed = cli_status_choices(item->status, role);
	const char *from_name = duban_status_name(item->status), *to_name = duban_status_name(to);
	switch (err) {
	case DUBAN_ERR_TRANSITION:
		cli_error(_("illegal status change %s → %s; allowed: %s"), from_name, to_name, allowed);
		break;
	case DUBAN_ERR_PERMISSION:
		cli_error(_("the %s role may not change the status %s → %s; allowed: %s"),
			  duban_role_name(role), from_name, to_name, allowed);
		break;
	case DUBAN_ERR_REASON:
		cli_error(_("the status change %s → %s needs a reason (--reason TEXT)"), from_name, to_name);
		break;
	default:
		free(allowed);
		return cli_store_error(ctx, err, _("cannot change the status"));
	}
	free(allowed);
	return CLI_REFUSED;
}

static void status_help(void)
{
	fputs(_("Usage: duban status CODE|ID NEW [--reason TEXT] [--days N --place TEXT --contact TEXT]\n"
		"Move an item through the workflow: not_started 尚未启动 → in_progress 整改中 →\n"
		"requested 申请销号 → verified 已验收 → publicized 公示中 → closed 已销号.\n"
		"Returning an item to in_progress (退回) needs a reason.  Only the office\n"
		"publicizes and closes.  NEW is an identifier or a Chinese name.\n\n"
		"Options:\n"
		"      --reason TEXT       why (kept in the history)\n"
		"      --override-evidence REASON\n"
		"                          the office requests acceptance although evidence the\n"
		"                          policy requires is missing (duban evidence CODE)\n"		"The move to publicized opens the public notice (公示):\n"
		"      --start DATE        its first day (default today)\n"
		"      --days N            it runs until start + N days (default: set notice-days, 7)\n"
		"      --place TEXT        where it was published\n"
		"      --contact TEXT      who takes objections (phone, address)\n"
		"Closing (销号) waits for the notice's end and for every objection to be settled\n"
		"(duban objection).\n"
		"  -h, --help              show this help\n"), stdout);
}

/* A request for acceptance needs its evidence (`set evidence`), unless the
 * office overrides with a reason, kept in the history. */
static int evidence_check(struct cli_ctx *ctx, const struct duban_item *item, const char *override)
{
	unsigned missing = 0;
	int rc = cli_evidence_missing(ctx, item, &missing);
	if (rc != CLI_OK || !missing)
		return rc;
	if (override && duban_store_role(ctx->st) == DUBAN_ROLE_OFFICE)
		return CLI_OK;
	char *m = duban_evidence_mask_text(missing, false);
	if (override)
		cli_error(_("%s: only the office may request acceptance without its evidence (missing: %s)"),
			  item->code, m);
	else
		cli_error(_("%s: the request for acceptance lacks its evidence: %s.  Attach it "
			    "(duban attach %s FILE --kind KIND; duban evidence %s lists it), or, the office, "
			    "give --override-evidence REASON"), item->code, m, item->code, item->code);
	free(m);
	return CLI_REFUSED;
}

/* The move to publicized opens the public notice (公示). */
static int publicize(struct cli_ctx *ctx, const struct duban_item *item, const char *code_shown, const char *reason,
		     struct duban_notice_open *notice)
{
	duban_date end;
	char a[11], b[11];
	enum duban_err err;

	if (notice->days < 1)
		notice->days = cli_notice_days_default();
	err = duban_notice_publicize(ctx->st, item->id, notice, reason, &end);
	if (err == DUBAN_ERR_TRANSITION || err == DUBAN_ERR_PERMISSION || err == DUBAN_ERR_REASON)
		return refuse_status(ctx, err, item, DUBAN_STATUS_PUBLICIZED);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot open the public notice"));
	printf(_("%s: %s → %s\n"), code_shown, duban_status_name(item->status), duban_status_name(DUBAN_STATUS_PUBLICIZED));
	printf(_("%s: public notice %s to %s; objections: duban objection add %s TEXT\n"), code_shown,
	       duban_date_format(notice->start != DUBAN_DATE_NONE ? notice->start : duban_today(), a),
	       duban_date_format(end, b), code_shown);
	return CLI_OK;
}

static int do_status(struct cli_ctx *ctx, const char *code, const char *new_name, const char *reason,
		     const char *override, struct duban_notice_open *notice)
{
	int to = duban_status_parse(new_name);
	if (to < 0) {
		cli_error(_("unknown status '%s' (not_started, in_progress, requested, verified, "
			    "publicized, closed or their Chinese names)"), new_name);
		return CLI_REFUSED;
	}
	int rc;
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_item item;
	duban_item_init(&item);
	rc = cli_get_item(ctx, code, &item);
	char *code_shown = duban_sanitize(item.code, false);
	if (rc == CLI_OK && item.status == (enum duban_status)to) {
		printf(_("%s is already %s: nothing changed\n"), code_shown, duban_status_name(to));
	} else if (rc == CLI_OK && to == DUBAN_STATUS_VERIFIED) {
		/* Verified is the pass of the chain's last level, nothing else. */
		cli_error(_("%s: an item is verified by signing the last level of its acceptance chain: "
			    "duban accept %s --level LEVEL --pass --opinion TEXT (duban accept --levels)"),
			  code_shown, code_shown);
		rc = CLI_REFUSED;
	} else if (rc == CLI_OK && to == DUBAN_STATUS_REQUESTED &&
		   (rc = evidence_check(ctx, &item, override)) != CLI_OK) {
		/* refused: said */
	} else if (rc == CLI_OK && to == DUBAN_STATUS_PUBLICIZED) {
		rc = publicize(ctx, &item, code_shown, reason, notice);
	} else if (rc == CLI_OK) {
		enum duban_err err = duban_status_check(item.status, to, duban_store_role(ctx->st), reason);
		char *why = NULL;
		bool legal = err == DUBAN_OK;
		if (to == DUBAN_STATUS_REQUESTED && override)
			/* Untranslated: duband finds the override by it. */
			reason = why = *reason ? xasprintf("%s; " DUBAN_EVIDENCE_OVERRIDE "%s", reason, override)
					       : xasprintf(DUBAN_EVIDENCE_OVERRIDE "%s", override);
		if (err == DUBAN_OK)
			err = duban_item_set_status(ctx->st, item.id, to, reason);
		free(why);
		if (err == DUBAN_ERR_TRANSITION && legal) {
			/* A rule beyond the workflow (销号 during the notice, an
			 * open objection): the store's message says which. */
			cli_error("%s", duban_store_errmsg(ctx->st));
			rc = CLI_REFUSED;
		} else if (err != DUBAN_OK) {
			rc = refuse_status(ctx, err, &item, to);
		}
		else
			printf(_("%s: %s → %s\n"), code_shown, duban_status_name(item.status),
			       duban_status_name(to));
	}
	free(code_shown);
	duban_item_free(&item);
	return rc;
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "override-evidence", required_argument, NULL, 'E' },
		{ "days", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, 's' },
		{ "place", required_argument, NULL, 'p' },
		{ "contact", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = "", *override = NULL;
	struct duban_notice_open notice = { .start = DUBAN_DATE_NONE, .days = 0 };
	int c;
	while ((c = getopt_long(argc, argv, ":hr:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			status_help();
			return CLI_OK;
		case 'r':
			reason = optarg;
			break;
		case 'd':
			notice.days = cli_notice_days_arg(optarg);
			if (notice.days < 1)
				return CLI_USAGE;
			break;
		case 's':
			if ((notice.start = duban_date_parse(optarg)) == DUBAN_DATE_NONE) {
				cli_error(_("cannot read the date '%s'"), optarg);
				return CLI_USAGE;
			}
			break;
		case 'p':
			notice.place = optarg;
			break;
		case 'c':
			notice.contact = optarg;
			break;
		case 'E':
			if (!*optarg) {
				cli_error(_("--override-evidence needs the reason the evidence is not attached"));
				return CLI_USAGE;
			}
			override = optarg;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 2) {
		cli_error(_("status needs an item and the new status (see `duban status --help`)"));
		return CLI_USAGE;
	}
	return do_status(ctx, argv[optind], argv[optind + 1], reason, override, &notice);
}

/* ---------------------------------------------------------------- inspect */


static int date_arg(const char *opt, const char *arg, duban_date *out)
{
	*out = duban_date_parse(arg);
	if (*out != DUBAN_DATE_NONE)
		return CLI_OK;
	cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), opt, arg);
	return CLI_REFUSED;
}

static void inspect_help(void)
{
	fputs(_("Usage: duban inspect CODE|ID --result pass|fail [--date DATE] [--inspectors A,B]\n"
		"                     [--place PLACE] [--findings TEXT] [--level county|city]\n"
		"Record an on-site inspection (现场核查).  A pass on an item whose close-out\n"
		"was requested verifies it; a fail returns it to in_progress.\n\n"
		"Options:\n"
		"      --date DATE         day of the inspection (default today)\n"
		"      --inspectors LIST   names, comma separated\n"
		"      --place PLACE       where\n"
		"      --findings TEXT     what was found\n"
		"      --result RESULT     pass or fail (通过 / 不通过)\n"
		"      --level LEVEL       acceptance level, county or city\n"
		"  -h, --help              show this help\n"), stdout);
}

static int parse_result(const char *arg, bool *passed)
{
	static const char *const pass[] = { "pass", "passed", "ok", "通过", "合格" };
	static const char *const fail[] = { "fail", "failed", "不通过", "不合格" };
	for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
		if (strcmp(arg, pass[i]) == 0)
			return *passed = true, CLI_OK;
	for (size_t i = 0; i < sizeof fail / sizeof fail[0]; i++)
		if (strcmp(arg, fail[i]) == 0)
			return *passed = false, CLI_OK;
	cli_error(_("--result: expected pass or fail, got '%s'"), arg);
	return CLI_REFUSED;
}

static int parse_inspection(struct cli_ctx *ctx, int argc, char **argv, struct duban_inspection *r,
			    bool *have_result)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "inspectors", required_argument, NULL, 'i' },
		{ "place", required_argument, NULL, 'p' },
		{ "findings", required_argument, NULL, 'f' },
		{ "result", required_argument, NULL, 'r' },
		{ "level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = CLI_OK;
	while (rc == CLI_OK && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': inspect_help(); return -1;
		case 'd': rc = date_arg("--date", optarg, &r->date); break;
		case 'i': free(r->inspectors); r->inspectors = duban_names_join(optarg); break;
		case 'p': duban_set_str(&r->place, optarg); break;
		case 'f': duban_set_str(&r->findings, optarg); break;
		case 'l': duban_set_str(&r->level, optarg); break;
		case 'r': rc = parse_result(optarg, &r->passed); *have_result = true; break;
		default: return cli_bad_option(ctx, c, argv);
		}
	}
	return rc;
}

/* Confirms the inspection and the status move it may have caused. */
static void inspection_done(struct cli_ctx *ctx, const struct duban_item *before)
{
	done_msg(_("%s: inspection recorded\n"), before);
	struct duban_item after;
	duban_item_init(&after);
	if (duban_item_get(ctx->st, before->id, &after) == DUBAN_OK && after.status != before->status) {
		char *code = duban_sanitize(before->code, false);
		printf(_("%s: %s → %s\n"), code, duban_status_name(before->status),
		       duban_status_name(after.status));
		free(code);
	}
	duban_item_free(&after);
}

int cmd_inspect(struct cli_ctx *ctx, int argc, char **argv)
{
	struct duban_inspection r = {
		.date = duban_today(), .level = xstrdup(""), .inspectors = xstrdup(""),
		.place = xstrdup(""), .findings = xstrdup(""), .author = xstrdup(""),
	};
	bool have_result = false;
	struct duban_item item;
	duban_item_init(&item);
	int rc = parse_inspection(ctx, argc, argv, &r, &have_result);
	if (rc < 0) {
		rc = CLI_OK;
		goto out;
	}
	if (rc == CLI_OK && argc - optind != 1) {
		cli_error(_("inspect needs one item code or id (see `duban inspect --help`)"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && !have_result) {
		cli_error(_("inspect needs --result pass or --result fail"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && cli_store(ctx, &rc))
		rc = cli_get_item(ctx, argv[optind], &item);
	/* With a level it is a sign-off: the rules of duban accept. */
	if (rc == CLI_OK && r.level && *r.level)
		rc = cli_signoff_check(ctx, &item, &r.level);
	if (rc == CLI_OK) {
		memcpy(r.item_id, item.id, sizeof r.item_id);
		enum duban_err err = duban_inspection_add(ctx->st, &r);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, _("cannot record the inspection"));
		else
			inspection_done(ctx, &item);
	}
out:
	duban_inspection_free(&r);
	duban_item_free(&item);
	return rc;
}

/* ---------------------------------------------------------------- action */

static void action_help(void)
{
	fputs(_("Usage: duban action CODE|ID --kind KIND --text TEXT [--date DATE] [--due DATE]\n"
		"Record a supervision action on an item.  KIND is reminder (提醒函), notice\n"
		"(督办通知), circular (通报), summons (约谈) or accountability (问责).\n\n"
		"Options:\n"
		"      --kind KIND         the kind of action\n"
		"      --text TEXT         what was sent or decided\n"
		"      --date DATE         when (default today)\n"
		"      --due DATE          answer or rectification due by\n"
		"  -h, --help              show this help\n"), stdout);
}

static int parse_action(struct cli_ctx *ctx, int argc, char **argv, struct duban_action *a, bool *have_kind)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "text", required_argument, NULL, 't' },
		{ "date", required_argument, NULL, 'd' },
		{ "due", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = CLI_OK, k;
	while (rc == CLI_OK && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': action_help(); return -1;
		case 't': duban_set_str(&a->text, optarg); break;
		case 'd': rc = date_arg("--date", optarg, &a->date); break;
		case 'u': rc = date_arg("--due", optarg, &a->due); break;
		case 'k':
			if ((k = duban_action_kind_parse(optarg)) < 0) {
				cli_error(_("--kind: unknown action '%s' (reminder, notice, circular, "
					    "summons or accountability)"), optarg);
				rc = CLI_REFUSED;
			} else {
				a->kind = k;
				*have_kind = true;
			}
			break;
		default: return cli_bad_option(ctx, c, argv);
		}
	}
	return rc;
}

int cmd_action(struct cli_ctx *ctx, int argc, char **argv)
{
	struct duban_action a = {
		.date = duban_today(), .due = DUBAN_DATE_NONE, .text = xstrdup(""), .author = xstrdup(""),
	};
	bool have_kind = false;
	struct duban_item item;
	duban_item_init(&item);
	int rc = parse_action(ctx, argc, argv, &a, &have_kind);
	if (rc < 0) {
		rc = CLI_OK;
		goto out;
	}
	if (rc == CLI_OK && argc - optind != 1) {
		cli_error(_("action needs one item code or id (see `duban action --help`)"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && (!have_kind || !*a.text)) {
		cli_error(_("action needs --kind and --text"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && cli_store(ctx, &rc))
		rc = cli_get_item(ctx, argv[optind], &item);
	if (rc == CLI_OK) {
		memcpy(a.item_id, item.id, sizeof a.item_id);
		enum duban_err err = duban_action_add(ctx->st, &a);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, _("cannot record the action"));
		else
			done_msg(_("%s: action recorded\n"), &item);
	}
out:
	duban_action_free(&a);
	duban_item_free(&item);
	return rc;
}
