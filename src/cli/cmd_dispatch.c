/* `duban dispatch`: 调度 rounds.  The office opens a round over the items in
 * scope and closes it; the people in charge submit per item (offline too);
 * list, show and status say where the round stands. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duban/csv.h"
#include "duban/date.h"
#include "duban/dispatch.h"
#include "duban/json.h"
#include "duban/store.h"
#include "duban/sync.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"
#include "cli.h"

static void dispatch_help(void)
{
	fputs(_("Usage: duban dispatch open NAME --due DATE [--title TEXT] [FILTERS]\n"
		"       duban dispatch list\n"
		"       duban dispatch show NAME\n"
		"       duban dispatch close NAME\n"
		"       duban dispatch submit NAME CODE --progress N --text TEXT [--attach FILE]\n"
		"       duban dispatch status NAME [--by county|unit] [--format table|csv|json|xlsx] [-o FILE]\n"

		"调度 rounds: the office asks for the progress of the items in scope by a due\n"
		"date; the person in charge of each item submits (offline too).  open and close\n"
		"are the office's.  open takes the list filters (default: every item not closed);\n"
		"the items in scope when it opens are the round's members.  A submission also\n"
		"sets the item's progress and adds a note.\n\n"
		"Options:\n"
		"      --due DATE          open: when the submissions are due (YYYY-MM-DD)\n"
		"      --title TEXT        open: the round's title\n"
		"      --progress N        submit: the item's progress, 0 to 100\n"
		"      --text TEXT         submit: what was done\n"
		"      --attach FILE       submit: a file as evidence (attached to the item)\n"
		"      --by county|unit    status: per county (default) or lead unit\n"
		"      --format FORMAT     status: table (default), csv, json or xlsx\n"
		"  -o, --output FILE       status: write FILE instead of standard output\n"

		"  -h, --help              show this help\n\n"), stdout);
	fputs(_("Export to a superior's layout:\n"
		"       duban dispatch export NAME --template FILE.xlsx [-o OUT.xlsx]\n"
		"      --template FILE     the .xlsx whose header row names the columns to fill\n"
		"                          (the headers import reads, 报送进展, 完成百分比 …);\n"
		"                          one row per item; OUT defaults to NAME.xlsx\n\n"), stdout);
	cli_filter_help(stdout);
}

enum {
	OPT_DUE = CLI_OPT_FILTER_END + 1,
	OPT_TITLE,
	OPT_PROGRESS,
	OPT_TEXT,
	OPT_ATTACH,
	OPT_BY,
	OPT_FORMAT,
	OPT_TEMPLATE,
	OPT_OUTPUT, /* -o: given as 'o', counted here */
	OPT_FILTERS, /* any of the list filters */
	OPT_END
};
#define GIVEN(opt) (1u << ((opt) - OPT_DUE))

/* The options' names, for "does not take" (by OPT_ value). */
static const char *const option_names[OPT_END - OPT_DUE] = {
	"--due", "--title", "--progress", "--text", "--attach", "--by", "--format", "--template", "-o", N_("filters"),
};

enum st_format { ST_TABLE, ST_CSV, ST_JSON, ST_XLSX };

struct dispatch_args {
	struct cli_filter cf;
	struct duban_buf filters; /* the filter options as typed, saved with the round */
	bool filtered;
	duban_date due;
	const char *title, *text, *attach, *output;
	const char *template_path; /* export */
	int progress;
	enum duban_dispatch_by by;
	enum st_format format;
	bool format_set;
	unsigned given; /* GIVEN(OPT_...) of the options on the line */
};

static void note_filter(struct dispatch_args *a, const struct option *opts, int c, const char *arg)
{
	for (const struct option *o = opts; o->name; o++) {
		if (o->val != c)
			continue;
		if (a->filters.len)
			duban_buf_puts(&a->filters, " ");
		duban_buf_printf(&a->filters, "--%s", o->name);
		if (arg)
			duban_buf_printf(&a->filters, " %s", arg);
		break;
	}
	a->filtered = true;
}

static int parse_format(struct dispatch_args *a, const char *arg)
{
	static const char *const names[] = { "table", "csv", "json", "xlsx" };
	for (int i = 0; i < 4; i++)
		if (strcmp(arg, names[i]) == 0) {
			a->format = (enum st_format)i;
			a->format_set = true;
			return CLI_OK;
		}
	cli_error(_("--format: unknown format '%s' (table, csv, json or xlsx)"), arg);
	return CLI_USAGE;
}

static int parse_option(struct cli_ctx *ctx, struct dispatch_args *a, int c, char **argv)
{
	char *end;
	long v;

	switch (c) {
	case OPT_DUE:
		if ((a->due = duban_date_parse(optarg)) == DUBAN_DATE_NONE) {
			cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), "--due", optarg);
			return CLI_USAGE;
		}
		return CLI_OK;
	case OPT_TITLE:
		a->title = optarg;
		return CLI_OK;
	case OPT_TEXT:
		a->text = optarg;
		return CLI_OK;
	case OPT_ATTACH:
		a->attach = optarg;
		return CLI_OK;
	case 'o':
		a->output = optarg;
		return CLI_OK;
	case OPT_PROGRESS:
		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || v < 0 || v > 100) {
			cli_error(_("--progress: '%s' is not a number from 0 to 100"), optarg);
			return CLI_USAGE;
		}
		a->progress = (int)v;
		return CLI_OK;
	case OPT_BY:
		if (strcmp(optarg, "county") == 0)
			a->by = DUBAN_DISPATCH_BY_COUNTY;
		else if (strcmp(optarg, "unit") == 0)
			a->by = DUBAN_DISPATCH_BY_UNIT;
		else {
			cli_error(_("--by: '%s' is neither county nor unit"), optarg);
			return CLI_USAGE;
		}
		return CLI_OK;
	case OPT_FORMAT:
		return parse_format(a, optarg);
	case OPT_TEMPLATE:
		a->template_path = optarg;
		return CLI_OK;
	default:
		return cli_bad_option(ctx, c, argv);
	}
}

/* The options of every subcommand in one table; each subcommand refuses
 * what it does not take (wrong). */
static int dispatch_options(struct cli_ctx *ctx, int argc, char **argv, struct dispatch_args *a)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "due", required_argument, NULL, OPT_DUE },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "progress", required_argument, NULL, OPT_PROGRESS },
		{ "text", required_argument, NULL, OPT_TEXT },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "by", required_argument, NULL, OPT_BY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "template", required_argument, NULL, OPT_TEMPLATE },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc, idx;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, &idx)) != -1) {
		if (c == 'h') {
			dispatch_help();
			return -1;
		}
		if (c == '?' || c == ':')
			return cli_bad_option(ctx, c, argv);
		if (c >= CLI_OPT_COUNTY && c < CLI_OPT_FILTER_END) {
			int handled = cli_filter_option(&a->cf, c, optarg);
			if (handled < 0)
				return -handled;
			note_filter(a, opts, c, opts[idx].has_arg ? optarg : NULL);
			a->given |= GIVEN(OPT_FILTERS);
			continue;
		}
		if ((rc = parse_option(ctx, a, c, argv)) != CLI_OK)
			return rc;
		a->given |= c == 'o' ? GIVEN(OPT_OUTPUT) : c >= OPT_DUE && c < OPT_END ? GIVEN(c) : 0;
	}
	cli_filter_done(&a->cf);
	return CLI_OK;
}

static int wrong_option(const char *sub, const char *opt)
{
	cli_error(_("dispatch %s does not take %s (see `duban dispatch --help`)"), sub, opt);
	return CLI_USAGE;
}

/* ---------------------------------------------------------------- open, close */

static int dispatch_open(struct cli_ctx *ctx, struct dispatch_args *a, const char *name)
{
	int members = 0;
	enum duban_err err;

	if (a->due == DUBAN_DATE_NONE) {
		cli_error(_("dispatch open needs --due DATE"));
		return CLI_USAGE;
	}
	if (a->cf.none) {
		cli_error(_("no item is in the round's scope: nothing to open"));
		return CLI_REFUSED;
	}
	err = duban_dispatch_open(ctx->st, name, a->title, a->due, a->filtered ? &a->cf.f : NULL,
				  a->filtered ? a->filters.data : "", &members);
	if (err)
		return cli_store_error(ctx, err, name);
	printf(ngettext("opened dispatch round %s: %d item, due %s\n", "opened dispatch round %s: %d items, due %s\n",
			(unsigned long)members),
	       name, members, duban_date_format(a->due, (char[11]){ 0 }));
	return CLI_OK;
}

static int dispatch_close(struct cli_ctx *ctx, const char *name)
{
	enum duban_err err = duban_dispatch_close(ctx->st, name);

	if (err)
		return cli_store_error(ctx, err, name);
	printf(_("closed dispatch round %s\n"), name);
	return CLI_OK;
}

/* The table's natural width, or the terminal's when narrower: the
 * flexible column gets its content's width, not the whole line. */
static int table_width(const struct cli_column *cols, int n)
{
	int w = n - 1, term = cli_term_width();

	for (int i = 0; i < n; i++)
		w += cols[i].width;
	return w < term ? w : term;
}

/* ---------------------------------------------------------------- list */

static int dispatch_list(struct cli_ctx *ctx)
{
	struct duban_dispatch *d;
	size_t n;
	enum duban_err err = duban_dispatch_list(ctx->st, &d, &n);
	struct cli_column cols[] = {
		{ C_("dispatch", "Round"), 0, 4, 30, false, 0, true }, { C_("dispatch", "Title"), 0, 8, 60, false, 3, true },
		{ _("Due"), 0, 10, 10, false, 0, true },       { _("Opened"), 0, 10, 10, false, 2, true },
		{ _("Items"), 0, 3, 8, true, 0, true },        { _("Reported"), 0, 3, 8, true, 0, true },
		{ _("State"), 0, 4, 20, false, 0, true },
	};
	enum { NC = sizeof cols / sizeof cols[0] };
	char (*cells)[NC][64];

	if (err)
		return cli_store_error(ctx, err, _("dispatch rounds"));
	if (n == 0) {
		puts(_("no dispatch round"));
		free(d);
		return CLI_OK;
	}
	cells = xcalloc(n, sizeof *cells);
	for (size_t i = 0; i < n; i++) {
		snprintf(cells[i][0], 64, "%s", d[i].name);
		snprintf(cells[i][1], 64, "%s", d[i].title);
		duban_date_format(d[i].due, cells[i][2]);
		duban_date_format(d[i].opened_on, cells[i][3]);
		snprintf(cells[i][4], 64, "%d", d[i].members);
		snprintf(cells[i][5], 64, "%d", d[i].reported);
		if (d[i].closed)
			snprintf(cells[i][6], 64, _("closed %s"), duban_date_format(d[i].closed_on, (char[11]){ 0 }));
		else
			snprintf(cells[i][6], 64, "%s", C_("dispatch", "open"));
	}
	for (int c = 0; c < NC; c++) {
		cli_column_fit(&cols[c], cols[c].header);
		for (size_t i = 0; i < n; i++)
			cli_column_fit(&cols[c], cells[i][c]);
	}
	cli_table_layout(cols, NC, 1, table_width(cols, NC));
	{
		const char *h[NC];
		for (int c = 0; c < NC; c++)
			h[c] = cols[c].header;
		cli_table_row(stdout, cols, NC, h);
	}
	for (size_t i = 0; i < n; i++) {
		const char *row[NC];
		for (int c = 0; c < NC; c++)
			row[c] = cells[i][c];
		cli_table_row(stdout, cols, NC, row);
	}
	free(cells);
	duban_dispatches_free(d, n);
	return CLI_OK;
}

/* ---------------------------------------------------------------- show */

static void show_header(const struct duban_dispatch *d)
{
	char a[11], b[11];

	printf("%s: ", C_("dispatch", "Round"));
	cli_put(stdout, d->name, false);
	if (d->title[0]) {
		fputs("  ", stdout);
		cli_put(stdout, d->title, false);
	}
	printf("\n%s: %s\n", _("Due"), duban_date_format(d->due, a));
	printf("%s: %s ", _("Opened"), duban_date_format(d->opened_on, b));
	cli_put(stdout, d->opened_by, false);
	putchar('\n');
	if (d->filters[0]) {
		printf("%s: ", _("Scope"));
		cli_put(stdout, d->filters, false);
		putchar('\n');
	}
	if (d->closed)
		printf("%s: %s\n", _("Closed"), duban_date_format(d->closed_on, a));
	printf(_("Reported: %d of %d\n"), d->reported, d->members);
}

/* The mark of a member: "!" missing after the due date, "+" late. */
static const char *member_mark(const struct duban_dispatch *d, const struct duban_dispatch_member *m)
{
	if (m->state == DUBAN_DISPATCH_LATE)
		return "+";
	if (m->state == DUBAN_DISPATCH_MISSING && duban_today() > d->due)
		return "!";
	return " ";
}

static int dispatch_show(struct cli_ctx *ctx, const char *name)
{
	struct duban_dispatch d;
	struct duban_dispatch_member *m = NULL;
	size_t n = 0;
	enum duban_err err = duban_dispatch_get(ctx->st, name, &d);

	if (!err)
		err = duban_dispatch_members(ctx->st, name, &m, &n);
	if (err) {
		duban_dispatch_free(&d);
		return cli_store_error(ctx, err, name);
	}
	show_header(&d);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		char day[11];
		printf("%s ", member_mark(&d, &m[i]));
		cli_put(stdout, m[i].code, false);
		fputs("  ", stdout);
		cli_put(stdout, m[i].county, false);
		fputs("  ", stdout);
		printf("%s", duban_dispatch_state_name(m[i].state));
		if (m[i].submissions) {
			printf("  %s %d%%  ", duban_date_format(m[i].last_on, day), m[i].progress);
			cli_put(stdout, m[i].author, false);
			fputs(": ", stdout);
			cli_put(stdout, m[i].text, false);
		}
		putchar('\n');
	}
	fputs(_("\n! missing after the due date   + submitted late\n"), stdout);
	duban_dispatch_members_free(m, n);
	duban_dispatch_free(&d);
	return CLI_OK;
}

/* ---------------------------------------------------------------- submit */

static int dispatch_submit(struct cli_ctx *ctx, struct dispatch_args *a, const char *name, const char *code)
{
	struct duban_attachment att;
	char msg[1024] = "";
	enum duban_err err;

	if (a->progress < 0) {
		cli_error(_("dispatch submit needs --progress N"));
		return CLI_USAGE;
	}
	if (!a->text || !*a->text) {
		cli_error(_("dispatch submit needs --text TEXT"));
		return CLI_USAGE;
	}
	memset(&att, 0, sizeof att);
	if (a->attach && (err = duban_attach_prepare(ctx->st, code, a->attach, DUBAN_EVIDENCE_OTHER, &att, msg,
						     sizeof msg)) != DUBAN_OK) {
		cli_error("%s", msg);
		duban_attachment_free(&att);
		return err == DUBAN_ERR_IO ? CLI_DB : cli_exit_of(err);
	}
	err = duban_dispatch_submit(ctx->st, name, code, a->progress, a->text, a->attach ? &att : NULL);
	duban_attachment_free(&att);
	if (err)
		return cli_store_error(ctx, err, code);
	printf(_("submitted %s for dispatch round %s: %d%%\n"), code, name, a->progress);
	return CLI_OK;
}

/* ---------------------------------------------------------------- status */

enum { S_KEY, S_SCOPE, S_ON_TIME, S_LATE, S_MISSING, S_RATE, S_MEAN, S_MIN, S_MAX, S_DONE, S_NCOLS };
static const char *const status_ids[S_NCOLS] = { "group", "in_scope", "on_time", "late", "missing",
						 "reported_pct", "mean_progress", "min_progress", "max_progress",
						 "done" };

/* The cells of one group, as text ("" for a figure that has no value). */
static void status_cells(const struct duban_dispatch_group *g, char v[S_NCOLS][64])
{
	snprintf(v[S_KEY], 64, "%s", g->key ? g->key : _("Total"));
	snprintf(v[S_SCOPE], 64, "%d", g->scope);
	snprintf(v[S_ON_TIME], 64, "%d", g->on_time);
	snprintf(v[S_LATE], 64, "%d", g->late);
	snprintf(v[S_MISSING], 64, "%d", g->missing);
	snprintf(v[S_RATE], 64, "%.1f", g->scope ? 100.0 * g->reported / g->scope : 0.0);
	if (isnan(g->mean_progress))
		v[S_MEAN][0] = '\0';
	else
		snprintf(v[S_MEAN], 64, "%.1f", g->mean_progress);
	if (g->min_progress < 0)
		v[S_MIN][0] = v[S_MAX][0] = '\0';
	else {
		snprintf(v[S_MIN], 64, "%d", g->min_progress);
		snprintf(v[S_MAX], 64, "%d", g->max_progress);
	}
	snprintf(v[S_DONE], 64, "%d", g->done);
}

static const char *status_header(int i, enum duban_dispatch_by by)
{
	switch (i) {
	case S_KEY:
		return by == DUBAN_DISPATCH_BY_UNIT ? _("Lead unit") : _("County");
	case S_SCOPE:
		return _("In scope");
	case S_ON_TIME:
		return _("On time");
	case S_LATE:
		return _("Late");
	case S_MISSING:
		return _("Missing");
	case S_RATE:
		return _("Reported %");
	case S_MEAN:
		return _("Mean progress");
	case S_MIN:
		return _("Min");
	case S_MAX:
		return _("Max");
	default:
		return _("At 100%");
	}
}

static void status_table(FILE *out, const struct duban_dispatch_group *g, size_t n, enum duban_dispatch_by by)
{
	struct cli_column cols[S_NCOLS];
	char (*cells)[S_NCOLS][64] = xcalloc(n, sizeof *cells);
	const char *row[S_NCOLS];

	memset(cols, 0, sizeof cols);
	for (int c = 0; c < S_NCOLS; c++) {
		cols[c].header = status_header(c, by);
		cols[c].min = c == S_KEY ? 6 : 3;
		cols[c].max = c == S_KEY ? 40 : 14;
		cols[c].right = c != S_KEY;
		cols[c].shown = true;
		cli_column_fit(&cols[c], cols[c].header);
	}
	for (size_t i = 0; i < n; i++) {
		status_cells(&g[i], cells[i]);
		for (int c = 0; c < S_NCOLS; c++)
			cli_column_fit(&cols[c], cells[i][c]);
	}
	cli_table_layout(cols, S_NCOLS, S_KEY, table_width(cols, S_NCOLS));
	for (int c = 0; c < S_NCOLS; c++)
		row[c] = cols[c].header;
	cli_table_row(out, cols, S_NCOLS, row);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < S_NCOLS; c++)
			row[c] = cells[i][c];
		cli_table_row(out, cols, S_NCOLS, row);
	}
	free(cells);
}

static void status_csv(FILE *out, const struct duban_dispatch_group *g, size_t n)
{
	char v[S_NCOLS][64];

	for (int c = 0; c < S_NCOLS; c++)
		duban_csv_write_cell(out, status_ids[c], c == 0);
	duban_csv_end_record(out);
	for (size_t i = 0; i < n; i++) {
		status_cells(&g[i], v);
		if (!g[i].key)
			snprintf(v[S_KEY], 64, "%s", "");
		for (int c = 0; c < S_NCOLS; c++)
			duban_csv_write_cell(out, v[c], c == 0);
		duban_csv_end_record(out);
	}
}

static cJSON *group_json(const struct duban_dispatch_group *g)
{
	cJSON *o = cJSON_CreateObject();

	if (g->key)
		cJSON_AddStringToObject(o, "group", g->key);
	else
		cJSON_AddNullToObject(o, "group");
	cJSON_AddNumberToObject(o, "in_scope", g->scope);
	cJSON_AddNumberToObject(o, "on_time", g->on_time);
	cJSON_AddNumberToObject(o, "late", g->late);
	cJSON_AddNumberToObject(o, "missing", g->missing);
	cJSON_AddNumberToObject(o, "reported_pct", g->scope ? round(1000.0 * g->reported / g->scope) / 10 : 0);
	if (isnan(g->mean_progress))
		cJSON_AddNullToObject(o, "mean_progress");
	else
		cJSON_AddNumberToObject(o, "mean_progress", round(10 * g->mean_progress) / 10);
	if (g->min_progress < 0) {
		cJSON_AddNullToObject(o, "min_progress");
		cJSON_AddNullToObject(o, "max_progress");
	} else {
		cJSON_AddNumberToObject(o, "min_progress", g->min_progress);
		cJSON_AddNumberToObject(o, "max_progress", g->max_progress);
	}
	cJSON_AddNumberToObject(o, "done", g->done);
	return o;
}

static void status_json(FILE *out, const struct duban_dispatch *d, const struct duban_dispatch_group *g, size_t n,
			enum duban_dispatch_by by)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	char day[11];
	char *text;

	cJSON_AddStringToObject(root, "round", d->name);
	cJSON_AddStringToObject(root, "title", d->title);
	cJSON_AddStringToObject(root, "due", duban_date_format(d->due, day));
	cJSON_AddBoolToObject(root, "closed", d->closed);
	cJSON_AddStringToObject(root, "by", by == DUBAN_DISPATCH_BY_UNIT ? "unit" : "county");
	arr = cJSON_AddArrayToObject(root, "groups");
	for (size_t i = 0; i + 1 < n; i++)
		cJSON_AddItemToArray(arr, group_json(&g[i]));
	cJSON_AddItemToObject(root, "total", group_json(&g[n - 1]));
	text = duban_json_print(root, true);
	fputs(text, out);
	fputc('\n', out);
	free(text);
	cJSON_Delete(root);
}

static int status_xlsx(const char *path, const struct duban_dispatch *d, const struct duban_dispatch_group *g,
		       size_t n, enum duban_dispatch_by by)
{
	struct duban_xlsx_column cols[S_NCOLS];
	char err[512] = "", v[S_NCOLS][64], *title;
	duban_xlsx_book *b = duban_xlsx_create(path, err, sizeof err);
	enum duban_err e;

	if (!b) {
		cli_error("%s", err);
		return CLI_FAIL;
	}
	for (int c = 0; c < S_NCOLS; c++) {
		cols[c].header = status_header(c, by);
		cols[c].type = c == S_KEY ? DUBAN_XLSX_TEXT : DUBAN_XLSX_NUMBER;
		cols[c].max_width = 0;
	}
	title = xasprintf(_("Dispatch round %s %s (due %s)"), d->name, d->title,
			  duban_date_format(d->due, (char[11]){ 0 }));
	e = duban_xlsx_add_titled_sheet(b, d->name, title, cols, S_NCOLS);
	free(title);
	for (size_t i = 0; !e && i < n; i++) {
		const char *row[S_NCOLS];
		status_cells(&g[i], v);
		for (int c = 0; c < S_NCOLS; c++)
			row[c] = v[c];
		e = duban_xlsx_add_row(b, row, 0);
	}
	if (e) {
		duban_xlsx_abandon(b);
		cli_error(_("cannot write %s"), path);
		return CLI_FAIL;
	}
	if (duban_xlsx_close(b, err, sizeof err) != DUBAN_OK) {
		cli_error("%s", err);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* A workbook on standard output (a pipe or a file, never a terminal):
 * written to a temporary file, then copied. */
static int status_xlsx_stdout(const struct duban_dispatch *d, const struct duban_dispatch_group *g, size_t n,
			      enum duban_dispatch_by by)
{
	const char *dir = getenv("TMPDIR");
	char *path, buf[1 << 15];
	size_t got;
	FILE *in;
	int fd, rc;

	if (isatty(STDOUT_FILENO)) {
		cli_error(_("an .xlsx workbook is not for the terminal: write it with -o FILE.xlsx"));
		return CLI_USAGE;
	}
	path = xasprintf("%s/duban-dispatch-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		free(path);
		return CLI_FAIL;
	}
	close(fd);
	rc = status_xlsx(path, d, g, n, by);
	in = rc == CLI_OK ? fopen(path, "rb") : NULL;
	while (in && (got = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, got, stdout) != got)
			rc = CLI_FAIL;
	if (in)
		fclose(in);
	unlink(path);
	free(path);
	return rc;
}

static void status_text(FILE *out, const struct dispatch_args *a, const struct duban_dispatch *d,
			const struct duban_dispatch_group *g, size_t n)
{
	if (a->format == ST_CSV)
		status_csv(out, g, n);
	else if (a->format == ST_JSON)
		status_json(out, d, g, n, a->by);
	else
		status_table(out, g, n, a->by);
}

/* Standard output, or -o FILE replaced only when complete (OUTPUT FILES in
 * duban(1)), like every other -o. */
static int status_write(const struct dispatch_args *a, const struct duban_dispatch *d,
			const struct duban_dispatch_group *g, size_t n)
{
	bool to_stdout = !a->output || strcmp(a->output, "-") == 0;
	char *data = NULL;
	size_t len = 0;
	FILE *mem;
	int rc = CLI_OK;

	if (a->format == ST_XLSX)
		return to_stdout ? status_xlsx_stdout(d, g, n, a->by) : status_xlsx(a->output, d, g, n, a->by);
	if (to_stdout) {
		status_text(stdout, a, d, g, n);
		return CLI_OK;
	}
	if (!(mem = open_memstream(&data, &len)))
		return CLI_FAIL;
	status_text(mem, a, d, g, n);
	if (fclose(mem) != 0 || duban_write_file_atomic(a->output, data, len, 0644) != 0) {
		cli_error(_("cannot write %s: %s"), a->output, strerror(errno));
		rc = CLI_FAIL;
	}
	free(data);
	return rc;
}

static int dispatch_status(struct cli_ctx *ctx, struct dispatch_args *a, const char *name)
{
	struct duban_dispatch d;
	struct duban_dispatch_member *m = NULL;
	struct duban_dispatch_group *g;
	size_t n = 0, ng;
	enum duban_err err = duban_dispatch_get(ctx->st, name, &d);
	int rc;

	if (!a->format_set && a->output) {
		const char *dot = strrchr(a->output, '.');
		if (dot && strcmp(dot, ".xlsx") == 0)
			a->format = ST_XLSX;
		else if (dot && strcmp(dot, ".csv") == 0)
			a->format = ST_CSV;
		else if (dot && strcmp(dot, ".json") == 0)
			a->format = ST_JSON;
	}
	if (!err)
		err = duban_dispatch_members(ctx->st, name, &m, &n);
	if (err) {
		duban_dispatch_free(&d);
		return cli_store_error(ctx, err, name);
	}
	duban_dispatch_status(m, n, a->by, &g, &ng);
	rc = status_write(a, &d, g, ng);
	duban_dispatch_groups_free(g, ng);
	duban_dispatch_members_free(m, n);
	duban_dispatch_free(&d);
	return rc;
}

/* ---------------------------------------------------------------- export */

/* The headers the template names that nothing fills: said once. */
static void report_unknown(char **unknown)
{
	struct duban_buf b;

	if (!unknown)
		return;
	duban_buf_init(&b);
	for (int i = 0; unknown[i]; i++)
		duban_buf_printf(&b, "%s%s", i ? ", " : "", unknown[i]);
	fprintf(stderr, _("duban: note: template columns left blank (unknown headers): %s\n"), b.data);
	duban_buf_free(&b);
}

/* Whether two paths name one existing file. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int dispatch_export(struct cli_ctx *ctx, struct dispatch_args *a, const char *name)
{
	char err[1024] = "", **unknown = NULL, *out;
	int rows = 0;
	enum duban_err e;

	if (!a->template_path) {
		cli_error(_("dispatch export needs --template FILE.xlsx"));
		return CLI_USAGE;
	}
	if (a->output && strcmp(a->output, "-") == 0) {
		cli_error(_("dispatch export writes a workbook file: -o FILE.xlsx"));
		return CLI_USAGE;
	}
	out = a->output ? xstrdup(a->output) : xasprintf("%s.xlsx", name);
	if (same_file(out, a->template_path)) {
		/* The superior's template is kept for the next round. */
		cli_error(_("%s is the template: give another -o FILE.xlsx"), out);
		free(out);
		return CLI_USAGE;
	}
	e = duban_dispatch_export(ctx->st, name, a->template_path, out, &rows, &unknown, err, sizeof err);
	report_unknown(unknown);
	duban_lines_free(unknown);
	if (e == DUBAN_ERR_NOT_FOUND && !*err)
		snprintf(err, sizeof err, _("no dispatch round named '%s'"), name);
	if (e) {
		cli_error("%s", *err ? err : duban_err_message(e));
		free(out);
		return e == DUBAN_ERR_IO ? CLI_FAIL : cli_exit_of(e);
	}
	printf(ngettext("wrote %s: %d item of dispatch round %s\n", "wrote %s: %d items of dispatch round %s\n",
			(unsigned long)rows),
	       out, rows, name);
	free(out);
	return CLI_OK;
}

/* ---------------------------------------------------------------- the command */

static int need_args(const char *sub, int have, int want, const char *usage)
{
	if (have == want)
		return CLI_OK;
	cli_error(_("dispatch %s takes %s (see `duban dispatch --help`)"), sub, usage);
	return CLI_USAGE;
}

static int sub_open(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	return dispatch_open(ctx, a, args[0]);
}

static int sub_list(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	(void)a;
	(void)args;
	return dispatch_list(ctx);
}

static int sub_show(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	(void)a;
	return dispatch_show(ctx, args[0]);
}

static int sub_close(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	(void)a;
	return dispatch_close(ctx, args[0]);
}

static int sub_submit(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	return dispatch_submit(ctx, a, args[0], args[1]);
}

static int sub_status(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	return dispatch_status(ctx, a, args[0]);
}

static int sub_export(struct cli_ctx *ctx, struct dispatch_args *a, char **args)
{
	return dispatch_export(ctx, a, args[0]);
}

/* The subcommands: their arguments and the options each takes.  A new one
 * (e.g. export) is one more line. */
static const struct dispatch_sub {
	const char *name;
	int nargs;
	const char *args; /* for "takes ..." */
	unsigned opts;
	int (*fn)(struct cli_ctx *ctx, struct dispatch_args *a, char **args);
} subs[] = {
	{ "open", 1, N_("a round's name"), GIVEN(OPT_DUE) | GIVEN(OPT_TITLE) | GIVEN(OPT_FILTERS), sub_open },
	{ "list", 0, N_("no argument"), 0, sub_list },
	{ "show", 1, N_("a round's name"), 0, sub_show },
	{ "close", 1, N_("a round's name"), 0, sub_close },
	{ "submit", 2, N_("a round's name and an item's code"),
	  GIVEN(OPT_PROGRESS) | GIVEN(OPT_TEXT) | GIVEN(OPT_ATTACH), sub_submit },
	{ "status", 1, N_("a round's name"), GIVEN(OPT_BY) | GIVEN(OPT_FORMAT) | GIVEN(OPT_OUTPUT), sub_status },
	{ "export", 1, N_("a round's name"), GIVEN(OPT_TEMPLATE) | GIVEN(OPT_OUTPUT), sub_export },
};

static int run(struct cli_ctx *ctx, struct dispatch_args *a, const char *name, int nargs, char **args)
{
	const struct dispatch_sub *sub = NULL;
	unsigned extra;
	int rc = CLI_OK;

	for (size_t i = 0; i < sizeof subs / sizeof subs[0] && !sub; i++)
		if (strcmp(subs[i].name, name) == 0)
			sub = &subs[i];
	if (!sub) {
		cli_error(_("unknown dispatch command '%s' (open, list, show, close, submit, status or export)"), name);
		return CLI_USAGE;
	}
	if ((rc = need_args(sub->name, nargs, sub->nargs, _(sub->args))) != CLI_OK)
		return rc;
	if ((extra = a->given & ~sub->opts) != 0) {
		int bit = 0;
		while (!(extra & (1u << bit)))
			bit++;
		return wrong_option(sub->name, _(option_names[bit]));
	}
	if (!cli_store(ctx, &rc))
		return rc;
	return sub->fn(ctx, a, args);
}

int cmd_dispatch(struct cli_ctx *ctx, int argc, char **argv)
{
	struct dispatch_args a;
	int rc;

	memset(&a, 0, sizeof a);
	cli_filter_init(&a.cf);
	duban_buf_init(&a.filters);
	a.due = DUBAN_DATE_NONE;
	a.progress = -1;
	rc = dispatch_options(ctx, argc, argv, &a);
	if (rc == -1) {
		duban_buf_free(&a.filters);
		return CLI_OK;
	}
	if (rc == CLI_OK && optind >= argc) {
		cli_error(_("dispatch needs a command: open, list, show, close, submit, status or export"));
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = run(ctx, &a, argv[optind], argc - optind - 1, argv + optind + 1);
	duban_buf_free(&a.filters);
	return rc;
}
