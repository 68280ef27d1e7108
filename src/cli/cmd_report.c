/* `duban report`: the periodic bulletin (定期通报) of a week, month, quarter
 * or explicit range, for the items the list filters select, as text,
 * Markdown, CSV or a printable HTML page. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duban/date.h"
#include "duban/progress.h"
#include "duban/report.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

static void report_help(void)
{
	fputs(_("Usage: duban report [--period week|month|quarter | --from DATE --to DATE]\n"
		"                    [--by county|unit] [FILTERS] [--format text|md|csv|html] [-o FILE]\n"
		"Write the progress bulletin (in Chinese) of a period: overall progress and\n"
		"the change since the previous period of equal length, counties (or lead\n"
		"units) ranked by completion rate, overdue items, items completed in the\n"
		"period, deadlines in the next 14 days, supervision actions and complaints.\n"
		"Figures are as of the end of the period (or today), rebuilt from the audit\n"
		"trail, for the items the filters select (by their state today).\n"
		"\n"
		"Options:\n"
		"  -p, --period PERIOD     week (from Monday), month or quarter containing\n"
		"                          today, up to today (default: month)\n"
		"      --from DATE         first day of an explicit period\n"
		"      --to DATE           last day of an explicit period (default: today)\n"
		"      --by GROUP          rank by county or by lead unit (unit); the default is\n"
		"                          by unit with --county, by county otherwise\n"
		"  -f, --format FORMAT     text, md (Markdown), csv or html (a printable page\n"
		"                          with charts of the completion rates, the statuses\n"
		"                          and the weeks); default: from the -o file's\n"
		"                          extension, else text\n"
		"  -o, --output FILE       write FILE (replaced only when complete)\n"
		"      --batches           instead, the batch statistics of complaints: per\n"
		"                          batch (批次) and county, complaints transferred, per\n"
		"                          pollution type, verification finding and handling;\n"
		"                          --format table (default), csv, json, md or xlsx\n"
		"                          (a workbook: the default for -o *.xlsx)\n"
		"  -h, --help              show this help\n\n"), stdout);
	cli_filter_help(stdout);
}

enum { OPT_FROM = 0x200, OPT_TO, OPT_BY, OPT_BATCHES };

static int parse_date_opt(const char *opt, const char *arg, duban_date *out)
{
	*out = duban_date_parse(arg);
	if (*out == DUBAN_DATE_NONE) {
		cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), opt, arg);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* duban report --batches: the batch statistics of complaints. */
static int report_batches(struct cli_ctx *ctx, struct cli_filter *cf, const char *fmt_arg, const char *output)
{
	int fmt = fmt_arg ? duban_batches_format_parse(fmt_arg) : DUBAN_BATCHES_TABLE;
	bool to_stdout = !output || strcmp(output, "-") == 0;
	int rc;
	if (fmt < 0) {
		cli_error(_("--format: unknown format '%s' (table, csv, json, md or xlsx)"), fmt_arg);
		return CLI_USAGE;
	}
	if (!fmt_arg && !to_stdout && duban_path_ext(output) && strcasecmp(duban_path_ext(output), ".xlsx") == 0)
		fmt = DUBAN_BATCHES_XLSX;
	if (fmt == DUBAN_BATCHES_XLSX && to_stdout) {
		cli_error(_("an .xlsx workbook is not for the terminal: write it with -o FILE.xlsx"));
		return CLI_USAGE;
	}
	const struct duban_filter *filter = cli_filter_done(cf);
	if (cf->none) {
		cli_error(_("the --status or --light filters exclude everything"));
		return CLI_REFUSED;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_batch_row *rows = NULL;
	int n = 0;
	enum duban_err err = duban_batches_build(ctx->st, filter, &rows, &n);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot count the batches"));
	if (fmt == DUBAN_BATCHES_XLSX) {
		char msg[512] = "";
		err = duban_batches_write_xlsx(rows, n, output, msg, sizeof msg);
		duban_batches_free(rows, n);
		if (err == DUBAN_OK)
			return CLI_OK;
		cli_error(_("cannot write %s: %s"), output, msg);
		return CLI_FAIL;
	}
	FILE *out = to_stdout ? stdout : fopen(output, "w");
	rc = CLI_OK;
	if (!out || duban_batches_write(rows, n, (enum duban_batches_format)fmt, out) != 0) {
		cli_error(_("cannot write %s: %s"), to_stdout ? "-" : output, strerror(errno));
		rc = CLI_FAIL;
	}
	if (out && !to_stdout && fclose(out) != 0 && rc == CLI_OK) {
		cli_error(_("cannot write %s: %s"), output, strerror(errno));
		rc = CLI_FAIL;
	}
	duban_batches_free(rows, n);
	return rc;
}

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "period", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "by", required_argument, NULL, OPT_BY },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "batches", no_argument, NULL, OPT_BATCHES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int kind = DUBAN_PERIOD_MONTH, fmt = -1, by = -1;
	bool period_given = false, batches = false;
	const char *fmt_arg = NULL;
	duban_date from = DUBAN_DATE_NONE, to = DUBAN_DATE_NONE, today = duban_today();
	const char *output = NULL;
	struct cli_filter cf;
	int c, rc;

	cli_filter_init(&cf);
	while ((c = getopt_long(argc, argv, ":hqp:f:o:", opts, NULL)) != -1) {
		int handled = cli_filter_option(&cf, c, optarg);
		if (handled < 0)
			return -handled;
		if (handled)
			continue;
		switch (c) {
		case 'h':
			report_help();
			return CLI_OK;
		case 'p':
			kind = duban_period_kind_parse(optarg);
			if (kind < 0) {
				cli_error(_("--period: unknown period '%s' (week, month or quarter)"), optarg);
				return CLI_USAGE;
			}
			period_given = true;
			break;
		case OPT_FROM:
			if ((rc = parse_date_opt("--from", optarg, &from)) != CLI_OK)
				return rc;
			break;
		case OPT_TO:
			if ((rc = parse_date_opt("--to", optarg, &to)) != CLI_OK)
				return rc;
			break;
		case OPT_BY:
			by = duban_report_by_parse(optarg);
			if (by < 0) {
				cli_error(_("--by: unknown grouping '%s' (county or unit)"), optarg);
				return CLI_USAGE;
			}
			break;
		case OPT_BATCHES:
			batches = true;
			break;
		case 'f':
			fmt_arg = optarg;
			fmt = duban_report_format_parse(optarg);
			break; /* checked below, against --batches' formats or the bulletin's */
		case 'o':
			output = optarg;
			break;
		case 'q':
			ctx->quiet = true;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc) {
		cli_error(_("report: unexpected argument '%s'"), argv[optind]);
		return CLI_USAGE;
	}

	if (batches)
		return report_batches(ctx, &cf, fmt_arg, output);
	if (fmt < 0 && fmt_arg) {
		cli_error(_("--format: unknown format '%s' (text, md, csv or html)"), fmt_arg);
		return CLI_USAGE;
	}
	struct duban_period period;
	if (from != DUBAN_DATE_NONE || to != DUBAN_DATE_NONE) {
		if (period_given) {
			cli_error(_("report: give either --period or --from/--to, not both"));
			return CLI_USAGE;
		}
		if (from == DUBAN_DATE_NONE) {
			cli_error(_("report: --to needs --from"));
			return CLI_USAGE;
		}
		if (to == DUBAN_DATE_NONE)
			to = today;
		if (duban_period_make(from, to, &period) != DUBAN_OK) {
			char a[11], b[11];
			cli_error(_("report: --from %s is after --to %s"), duban_date_format(from, a),
				  duban_date_format(to, b));
			return CLI_USAGE;
		}
	} else {
		period = duban_period_current((enum duban_period_kind)kind, today);
	}
	const struct duban_filter *filter = cli_filter_done(&cf);
	if (cf.none) {
		cli_error(_("the --status or --light filters exclude everything"));
		return CLI_REFUSED;
	}
	if (by < 0)
		by = duban_report_by_default(filter);
	bool to_stdout = !output || strcmp(output, "-") == 0;
	if (fmt < 0)
		fmt = to_stdout ? -1 : duban_report_format_of_path(output);
	if (fmt < 0)
		fmt = DUBAN_REPORT_TEXT;

	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_report *r = NULL;
	struct duban_progress *progress = cli_progress(ctx, _("building the bulletin"), -1, to_stdout);
	enum duban_err err = duban_report_build_progress(ctx->st, period, filter, (enum duban_report_by)by, today,
							 progress, &r);
	cli_progress_end(progress);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot write the bulletin"));

	rc = CLI_OK;
	if (to_stdout) {
		if (duban_report_write(r, (enum duban_report_format)fmt, stdout) != 0) {
			cli_error(_("cannot write the output: %s"), strerror(errno));
			rc = CLI_FAIL;
		}
	} else if (duban_report_write_file(r, (enum duban_report_format)fmt, output) != 0) {
		cli_error(_("cannot write %s: %s"), output, strerror(errno));
		rc = CLI_FAIL;
	}
	duban_report_free(r);
	return rc;
}
