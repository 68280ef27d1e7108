/* `duban report`: the periodic bulletin (定期通报) of a week, month, quarter
 * or explicit range, as text, Markdown or CSV. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/report.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

static void report_help(void)
{
	fputs(_("Usage: duban report [--period week|month|quarter | --from DATE --to DATE]\n"
		"                    [--county NAME] [--format text|md|csv] [-o FILE]\n"
		"Write the progress bulletin (in Chinese) of a period: overall progress and\n"
		"the change since the previous period of equal length, counties ranked by\n"
		"completion rate, overdue items, items completed in the period, deadlines in\n"
		"the next 14 days, supervision actions and complaints.  Figures are as of the\n"
		"end of the period (or today), rebuilt from the audit trail.\n"
		"\n"
		"  -p, --period PERIOD     week (from Monday), month or quarter containing\n"
		"                          today, up to today (default: month)\n"
		"      --from DATE         first day of an explicit period\n"
		"      --to DATE           last day of an explicit period (default: today)\n"
		"      --county NAME       only this county\n"
		"  -f, --format FORMAT     text (default), md (Markdown) or csv\n"
		"  -o, --output FILE       write FILE (replaced only when complete)\n"
		"  -h, --help              show this help\n"), stdout);
}

enum { OPT_FROM = 0x200, OPT_TO, OPT_COUNTY };

static int parse_date_opt(const char *opt, const char *arg, duban_date *out)
{
	*out = duban_date_parse(arg);
	if (*out == DUBAN_DATE_NONE) {
		char *clean = duban_sanitize(arg, false);
		cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), opt, clean);
		free(clean);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "county", required_argument, NULL, OPT_COUNTY },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int kind = DUBAN_PERIOD_MONTH, fmt = DUBAN_REPORT_TEXT;
	bool period_given = false;
	duban_date from = DUBAN_DATE_NONE, to = DUBAN_DATE_NONE, today = duban_today();
	const char *county = NULL, *output = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":hp:f:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			report_help();
			return CLI_OK;
		case 'p':
			kind = duban_period_kind_parse(optarg);
			if (kind < 0) {
				char *clean = duban_sanitize(optarg, false);
				cli_error(_("--period: unknown period '%s' (week, month or quarter)"), clean);
				free(clean);
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
		case OPT_COUNTY:
			county = optarg;
			break;
		case 'f':
			fmt = duban_report_format_parse(optarg);
			if (fmt < 0) {
				char *clean = duban_sanitize(optarg, false);
				cli_error(_("--format: unknown format '%s' (text, md or csv)"), clean);
				free(clean);
				return CLI_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc) {
		char *clean = duban_sanitize(argv[optind], false);
		cli_error(_("report: unexpected argument '%s'"), clean);
		free(clean);
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

	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_report *r = NULL;
	enum duban_err err = duban_report_build(ctx->st, period, county, today, &r);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot write the bulletin"));

	if (!output || strcmp(output, "-") == 0) {
		rc = duban_report_write(r, (enum duban_report_format)fmt, stdout) == 0 ? CLI_OK : CLI_FAIL;
		if (rc != CLI_OK)
			cli_error(_("cannot write the output: %s"), strerror(errno));
		duban_report_free(r);
		return rc;
	}
	/* Into memory first, then replace the file in one step: an office never
	 * finds half a bulletin. */
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	rc = CLI_OK;
	if (!mem || duban_report_write(r, (enum duban_report_format)fmt, mem) != 0) {
		cli_error(_("cannot write the output: %s"), strerror(errno));
		rc = CLI_FAIL;
	}
	if (mem)
		fclose(mem);
	if (rc == CLI_OK && duban_write_file_atomic(output, data, len, 0644) != 0) {
		cli_error(_("cannot write %s: %s"), output, strerror(errno));
		rc = CLI_FAIL;
	}
	free(data);
	duban_report_free(r);
	return rc;
}
