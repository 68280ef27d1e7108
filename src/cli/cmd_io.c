/* Whole-ledger commands: import, export and demo. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duban/demo.h"
#include "duban/progress.h"
#include "duban/ledger_io.h"
#include "duban/public.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

/* ---------------------------------------------------------------- import */

static void import_help(void)
{
	fputs(_("Usage: duban import FILE [--dry-run] [--mapping FILE] [--kind problem|complaint]\n"
		"                    [--sheet NAME]\n"
		"Import a ledger sheet (CSV in UTF-8 or GBK, an Excel .xlsx workbook, or JSON).\n"
		"Rows whose code exists update that item field by field; new codes are added.\n"
		"All or nothing: when a row is bad, every bad row is listed and nothing is\n"
		"written.\n\n"
		"Options:\n"
		"      --dry-run           check and count, write nothing\n"
		"      --mapping FILE      lines \"HEADER = field\" for unusual column headers\n"
		"      --kind KIND         kind of rows that do not say (default: guess per row)\n"
		"      --sheet NAME        the sheet of a workbook to read (default: every sheet\n"
		"                          with a header row)\n"
		"  -h, --help              show this help\n"), stdout);
}

static void print_report(const char *path, const struct duban_import_report *rep, bool dry_run)
{
	char *file = duban_sanitize(path, false);
	printf(ngettext("%s: %d row read (%s): %d inserted, %d updated, %d unchanged, %d bad\n",
			"%s: %d rows read (%s): %d inserted, %d updated, %d unchanged, %d bad\n",
			(unsigned long)rep->rows),
	       file, rep->rows, rep->encoding ? rep->encoding : "?", rep->inserted, rep->updated,
	       rep->unchanged, rep->bad);
	free(file);
	for (int i = 0; i < rep->nnotes; i++) {
		fputs("  ", stdout);
		cli_put(stdout, rep->notes[i], false);
		fputc('\n', stdout);
	}
	for (int i = 0; i < rep->nerrors; i++) {
		fputs("  ", stdout);
		cli_put(stdout, rep->errors[i], false);
		fputc('\n', stdout);
	}
	if (dry_run && rep->nerrors == 0)
		fputs(_("dry run: nothing was written\n"), stdout);
}

int cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "mapping", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "sheet", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct duban_import_options opt = { .dry_run = false, .mapping_path = NULL, .default_kind = -1,
					     .sheet = NULL };
	int c, rc;
	while ((c = getopt_long(argc, argv, ":hnq", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			import_help();
			return CLI_OK;
		case 'q':
			ctx->quiet = true;
			break;
		case 'n':
			opt.dry_run = true;
			break;
		case 'm':
			opt.mapping_path = optarg;
			break;
		case 's':
			opt.sheet = optarg;
			break;
		case 'k':
			if ((opt.default_kind = duban_kind_parse(optarg)) < 0) {
				cli_error(_("--kind: unknown kind '%s' (problem or complaint)"), optarg);
				return CLI_REFUSED;
			}
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 1) {
		cli_error(_("import needs one file (see `duban import --help`)"));
		return CLI_USAGE;
	}
	const char *path = argv[optind];
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_import_report rep = { 0 };
	char *file = duban_sanitize(path, false);
	/* The file's name, not its path: the line must fit the terminal. */
	const char *base = strrchr(file, '/');
	char *what = xasprintf(_("importing %s"), base ? base + 1 : file);
	opt.progress = cli_progress(ctx, what, -1, false);
	free(what);
	enum duban_err err = duban_import_file(ctx->st, path, &opt, &rep);
	cli_progress_end(opt.progress);
	if (err == DUBAN_ERR_INTERRUPTED) {
		rc = cli_interrupted();
	} else if (err != DUBAN_OK && err != DUBAN_ERR_PARSE) {
		/* The file, the mapping or the ledger failed, not a row. */
		if (rep.nerrors > 0)
			cli_error("%s", rep.errors[rep.nerrors - 1]);
		else
			cli_store_error(ctx, err, file);
		rc = cli_exit_of(err);
	} else {
		print_report(path, &rep, opt.dry_run);
		rc = CLI_OK;
		if (err == DUBAN_ERR_PARSE) {
			cli_error(ngettext("%s: import rejected, %d bad row; nothing was written",
					   "%s: import rejected, %d bad rows; nothing was written",
					   (unsigned long)rep.nerrors), file, rep.nerrors);
			rc = CLI_IMPORT;
		}
	}
	free(file);
	duban_import_report_free(&rep);
	return rc;
}

/* ---------------------------------------------------------------- export */

static void export_help(void)
{
	fputs(_("Usage: duban export [--format csv|json|xlsx] [--bom] [-o FILE] [FILTERS]\n"
		"Write every field of the matching items, in code order, with the Chinese\n"
		"column headers of published ledgers.  Importing the result into an empty\n"
		"ledger gives the same items.  An .xlsx workbook has a sheet per kind, the\n"
		"header row frozen, real dates and overdue items in light red.\n\n"
		"Options:\n"
		"      --format FORMAT     csv (default), json, or xlsx (the default for -o *.xlsx)\n"
		"      --bom               start CSV with a UTF-8 byte order mark (for Excel)\n"
		"  -o, --output FILE       write FILE (replaced only when complete)\n"
		"      --history           the trail instead of the items: every note, record and\n"
		"                          change with its author, when it was made and when the\n"
		"                          server received it (csv or json; filters do not apply)\n"
		"      --public            the public disclosure list, with personal data removed\n"
		"                          (see `duban export --public --help`)\n"
		"  -h, --help              show this help\n\n"), stdout);
	cli_filter_help(stdout);
}

static int export_to_file(struct cli_ctx *ctx, const char *path, const struct duban_export_options *eo)
{
	enum duban_err err = duban_export_file(ctx->st, path, eo);
	if (err == DUBAN_ERR_IO) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		return CLI_DB;
	}
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot export the ledger"));
	return CLI_OK;
}

static int export_to_stdout(struct cli_ctx *ctx, const struct duban_export_options *eo)
{
	enum duban_err err = duban_export(ctx->st, stdout, eo);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot export the ledger"));
	return CLI_OK;
}

static void export_public_help(void)
{
	fputs(_("Usage: duban export --public [--format csv|xlsx|html] [--bom] [--title TEXT]\n"
		"                    [-o FILE] [FILTERS]\n"
		"Write the public disclosure list (公开表) of the items flagged public, in the\n"
		"published columns: 序号, 受理编号, 交办问题基本情况, 行政区域, 污染类型,\n"
		"调查核实情况, 是否属实, 处理和整改情况, 责任人被处理情况.  Complaints come first,\n"
		"then problems (--kind keeps one), each in code order.  The contact is never\n"
		"written; phone numbers, ID card numbers, e-mail addresses, the contact's name\n"
		"and the complainant's name are replaced by *** in every published text.\n\n"
		"Options:\n"
		"      --format FORMAT     csv (default), xlsx (a workbook) or html (a printable\n"
		"                          landscape page); taken from the extension of -o FILE\n"
		"                          when not given\n"
		"      --bom               start CSV with a UTF-8 byte order mark (for Excel)\n"
		"      --title TEXT        the HTML page's title (default: made from the filters)\n"
		"  -o, --output FILE       write FILE (replaced only when complete)\n"
		"  -h, --help              show this help\n\n"), stdout);
	cli_filter_help(stdout);
}

/* What both exports check once their options are read: no stray argument
 * and a filter that can match something. */
static int export_args_done(int argc, char **argv, struct cli_filter *cf, const struct duban_filter **filter)
{
	if (optind < argc) {
		cli_error(_("export: unexpected argument '%s' (write to a file with -o FILE)"), argv[optind]);
		return CLI_USAGE;
	}
	*filter = cli_filter_done(cf);
	if (cf->none) {
		cli_error(_("the --status or --light filters exclude everything"));
		return CLI_REFUSED;
	}
	return CLI_OK;
}

/* A workbook's bytes would only garble a terminal. */
static int refuse_workbook_on_tty(bool workbook, bool to_stdout)
{
	if (workbook && to_stdout && isatty(STDOUT_FILENO)) {
		cli_error(_("an .xlsx workbook is not for the terminal: write it with -o FILE.xlsx"));
		return CLI_USAGE;
	}
	return CLI_OK;
}

static int cmd_export_public(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_PUBLIC = CLI_OPT_FILTER_END, OPT_TITLE };
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "public", no_argument, NULL, OPT_PUBLIC },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "format", required_argument, NULL, 'f' },
		{ "bom", no_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_filter cf;
	cli_filter_init(&cf);
	struct duban_public_options po = { .format = DUBAN_PUBLIC_CSV, .today = DUBAN_DATE_NONE };
	const char *output = NULL;
	int fmt = -1, c, rc;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		int handled = cli_filter_option(&cf, c, optarg);
		if (handled < 0)
			return -handled;
		if (handled || c == OPT_PUBLIC)
			continue;
		switch (c) {
		case 'h':
			export_public_help();
			return CLI_OK;
		case 'f':
			if ((fmt = duban_public_format_parse(optarg)) < 0) {
				cli_error(_("--format: unknown format '%s' for the public list (csv, xlsx or html)"),
					  optarg);
				return CLI_USAGE;
			}
			break;
		case 'b':
			po.bom = true;
			break;
		case OPT_TITLE:
			po.title = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if ((rc = export_args_done(argc, argv, &cf, &po.filter)) != CLI_OK)
		return rc;
	bool to_stdout = !output || strcmp(output, "-") == 0;
	if (fmt < 0 && !to_stdout)
		fmt = duban_public_format_of_path(output);
	po.format = fmt < 0 ? DUBAN_PUBLIC_CSV : (enum duban_public_format)fmt;
	if ((rc = refuse_workbook_on_tty(po.format == DUBAN_PUBLIC_XLSX, to_stdout)) != CLI_OK)
		return rc;
	if (!cli_store(ctx, &rc))
		return rc;
	char msg[512] = "";
	errno = 0;
	enum duban_err err = to_stdout ? duban_public_export(ctx->st, stdout, &po, msg, sizeof msg)
		: duban_public_export_file(ctx->st, output, &po, msg, sizeof msg);
	if (err == DUBAN_OK)
		return CLI_OK;
	if (msg[0] || err == DUBAN_ERR_IO) {
		char *file = duban_sanitize(to_stdout ? _("the output") : output, false);
		if (msg[0])
			cli_error("%s", msg);
		else
			cli_error(_("cannot write %s: %s"), file, strerror(errno));
		free(file);
		return CLI_DB;
	}
	return cli_store_error(ctx, err, _("cannot write the public list"));
}

int cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	/* The public list has options of its own (html, --title; no json). */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--public") == 0)
			return cmd_export_public(ctx, argc, argv);
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ "bom", no_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "history", no_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_filter cf;
	cli_filter_init(&cf);
	struct duban_export_options eo = { .format = DUBAN_EXPORT_CSV, .bom = false };
	const char *output = NULL;
	bool format_given = false;
	int c, rc;
	while ((c = getopt_long(argc, argv, ":hqo:", opts, NULL)) != -1) {
		int handled = cli_filter_option(&cf, c, optarg);
		if (handled < 0)
			return -handled;
		if (handled)
			continue;
		switch (c) {
		case 'h':
			export_help();
			return CLI_OK;
		case 'q':
			ctx->quiet = true;
			break;
		case 'f':
			format_given = true;
			if (strcmp(optarg, "csv") == 0)
				eo.format = DUBAN_EXPORT_CSV;
			else if (strcmp(optarg, "json") == 0)
				eo.format = DUBAN_EXPORT_JSON;
			else if (strcmp(optarg, "xlsx") == 0)
				eo.format = DUBAN_EXPORT_XLSX;
			else {
				cli_error(_("--format: unknown format '%s' (csv, json or xlsx)"), optarg);
				return CLI_USAGE;
			}
			break;
		case 'b':
			eo.bom = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'H':
			eo.history = true;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if ((rc = export_args_done(argc, argv, &cf, &eo.filter)) != CLI_OK)
		return rc;
	bool to_stdout = !output || strcmp(output, "-") == 0;
	const char *ext = to_stdout ? NULL : duban_path_ext(output);
	if (!format_given && ext && strcasecmp(ext, ".xlsx") == 0)
		eo.format = DUBAN_EXPORT_XLSX;
	if (eo.history && eo.format == DUBAN_EXPORT_XLSX) {
		cli_error(_("export --history writes csv or json, not xlsx"));
		return CLI_USAGE;
	}
	if ((rc = refuse_workbook_on_tty(eo.format == DUBAN_EXPORT_XLSX, to_stdout)) != CLI_OK)
		return rc;
	if (!cli_store(ctx, &rc))
		return rc;
	/* The trail has no item count to show: no line for it. */
	eo.progress = eo.history ? NULL : cli_progress(ctx, _("exporting"), -1, to_stdout);
	if (!to_stdout)
		rc = export_to_file(ctx, output, &eo);
	else
		rc = export_to_stdout(ctx, &eo);
	cli_progress_end(eo.progress);
	return rc;
}

/* ---------------------------------------------------------------- demo */

static void remove_db_files(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char *p = xasprintf("%s%s", path, suffixes[i]);
		unlink(p);
		free(p);
	}
}

/* Generates into a new file then renames it into place, so an interrupted
 * run leaves no half-made ledger behind. */
int cli_demo_fill(struct cli_ctx *ctx, long items, unsigned long seed)
{
	if (ctx->st) {
		duban_store_close(ctx->st);
		ctx->st = NULL;
	}
	if (duban_mkdir_parent(ctx->db_path) != 0) {
		cli_error(_("cannot create the directory of %s: %s"), ctx->db_path, strerror(errno));
		return CLI_DB;
	}
	char *tmp = xasprintf("%s.new-%ld", ctx->db_path, (long)getpid());
	remove_db_files(tmp);
	char err[512] = "";
	duban_store *st = duban_store_open(tmp, err, sizeof err);
	if (!st) {
		cli_error(_("cannot create %s: %s"), tmp, err);
		free(tmp);
		return CLI_DB;
	}
	struct duban_demo_options opt = {
		.items = items, .seed = seed, .today = duban_today(),
		.progress = cli_progress(ctx, _("generating the demo ledger"), items, false),
	};
	enum duban_err e = duban_demo_generate(st, &opt);
	cli_progress_end(opt.progress);
	int rc = CLI_OK;
	if (e == DUBAN_ERR_INTERRUPTED) {
		rc = cli_interrupted();
	} else if (e != DUBAN_OK) {
		cli_error(_("cannot generate the demo ledger: %s"), duban_store_errmsg(st));
		rc = cli_exit_of(e);
	}
	duban_store_close(st);
	if (rc == CLI_OK) {
		remove_db_files(ctx->db_path);
		if (rename(tmp, ctx->db_path) != 0) {
			cli_error(_("cannot write %s: %s"), ctx->db_path, strerror(errno));
			rc = CLI_DB;
		}
	}
	if (rc != CLI_OK)
		remove_db_files(tmp);
	free(tmp);
	return rc;
}

static void demo_help(void)
{
	fputs(_("Usage: duban demo [--items N] [--seed S] [--force]\n"
		"Fill the ledger with a realistic demo modelled on a city rectification plan:\n"
		"problems and complaints, counties, units, deadlines around today, notes,\n"
		"inspections and actions.  The same seed gives the same ledger.\n\n"
		"Options:\n"
		"      --items N           how many items (default 300)\n"
		"      --seed S            random seed (default 1)\n"
		"      --force             replace a ledger that is not empty\n"
		"  -h, --help              show this help\n"), stdout);
}

static bool parse_count(const char *arg, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > max)
		return false;
	*out = v;
	return true;
}

int cmd_demo(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "items", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long items = 300, seed = 1;
	bool force = false;
	int c, rc;
	while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			ctx->quiet = true;
			break;
		case 'h':
			demo_help();
			return CLI_OK;
		case 'n':
			if (!parse_count(optarg, 10000000, &items) || items == 0) {
				cli_error(_("--items: expected a count from 1 to 10000000, got '%s'"), optarg);
				return CLI_USAGE;
			}
			break;
		case 's':
			if (!parse_count(optarg, (unsigned long)-1, &seed)) {
				cli_error(_("--seed: expected a number, got '%s'"), optarg);
				return CLI_USAGE;
			}
			break;
		case 'f':
			force = true;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc) {
		cli_error(_("demo: unexpected argument '%s'"), argv[optind]);
		return CLI_USAGE;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	long long total = duban_item_total(ctx->st);
	if (total > 0 && !force) {
		cli_error(_("the ledger %s already has %lld items; `duban demo --force` replaces it"),
			  ctx->db_path, total);
		return CLI_REFUSED;
	}
	rc = cli_demo_fill(ctx, (long)items, seed);
	if (rc == CLI_OK)
		printf(_("demo ledger %s: %lu items (seed %lu)\n"), ctx->db_path, items, seed);
	return rc;
}
