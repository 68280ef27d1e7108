/* `duban list`, and the filter options it shares with `export`. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duban/csv.h"
#include "duban/date.h"
#include "duban/json.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

/* The first window sizes the columns and shows quickly; later ones are large
 * so a long listing costs few queries (the store collects and sorts a text
 * search's matches once per large window instead of probing row by row). */
#define FIRST_WINDOW 128
#define WINDOW 16384
#define ALL_STATUSES ((1u << DUBAN_STATUS_COUNT) - 1)
#define ALL_LIGHTS ((1u << DUBAN_LIGHT_COUNT) - 1)

/* ---------------------------------------------------------------- filters */

void cli_filter_init(struct cli_filter *cf)
{
	memset(cf, 0, sizeof *cf);
	duban_filter_init(&cf->f);
}

/* Splits a value list at ASCII commas, full-width commas and 、. Returns the
 * next token (trimmed, in place) or NULL. */
static char *next_token(char **cursor)
{
	static const char *const seps[] = { ",", "，", "、" };
	char *s = *cursor;
	if (!s)
		return NULL;
	char *cut = NULL;
	size_t seplen = 0;
	for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
		char *p = strstr(s, seps[i]);
		if (p && (!cut || p < cut)) {
			cut = p;
			seplen = strlen(seps[i]);
		}
	}
	if (cut) {
		*cut = '\0';
		*cursor = cut + seplen;
	} else {
		*cursor = NULL;
	}
	return duban_trim(s);
}

/* A leading ! (or full-width ！, easy to type with a Chinese IME) negates. */
static bool negated(char **tok)
{
	if ((*tok)[0] == '!') {
		*tok = duban_trim(*tok + 1);
		return true;
	}
	if (strncmp(*tok, "！", 3) == 0) {
		*tok = duban_trim(*tok + 3);
		return true;
	}
	return false;
}

static char *names_list(int count, const char *(*id)(int))
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < count; i++) {
		const char *s = id(i);
		if (!*s)
			continue;
		if (b.len)
			duban_buf_puts(&b, ", ");
		duban_buf_puts(&b, s);
	}
	return duban_buf_steal(&b);
}

static const char *status_id_of(int i) { return duban_status_id((enum duban_status)i); }
static const char *light_id_of(int i) { return duban_light_id((enum duban_light)i); }
static const char *kind_id_of(int i) { return duban_kind_id((enum duban_kind)i); }

/* Parses a list of enum names into include and exclude masks. */
static int parse_mask(const char *arg, int (*parse)(const char *), const char *what,
		      int count, const char *(*id)(int), unsigned *in, unsigned *out)
{
	char *copy = xstrdup(arg);
	char *cursor = copy, *tok;
	int rc = 1;
	while ((tok = next_token(&cursor)) != NULL) {
		if (!*tok)
			continue;
		bool neg = negated(&tok);
		int v = parse(tok);
		if (v < 0) {
			char *names = names_list(count, id);
			cli_error(_("unknown %s '%s' (one of: %s)"), what, tok, names);
			free(names);
			rc = -CLI_REFUSED;
			break;
		}
		*(neg ? out : in) |= 1u << v;
	}
	free(copy);
	return rc;
}

static int parse_date_opt(const char *arg, const char *opt, duban_date *out)
{
	duban_date d = duban_date_parse(arg);
	if (d == DUBAN_DATE_NONE) {
		cli_error(_("%s: invalid date '%s' (use YYYY-MM-DD)"), opt, arg);
		return -CLI_REFUSED;
	}
	*out = d;
	return 1;
}

int cli_filter_option(struct cli_filter *cf, int c, const char *arg)
{
	struct duban_filter *f = &cf->f;
	switch (c) {
	case CLI_OPT_COUNTY: f->county = arg; return 1;
	case CLI_OPT_TOWNSHIP: f->township = arg; return 1;
	case CLI_OPT_CATEGORY: f->category = arg; return 1;
	case CLI_OPT_UNIT: f->unit = arg; return 1;
	case CLI_OPT_ROUND: f->round = arg; return 1;
	case CLI_OPT_SEARCH: f->text = arg; return 1;
	case CLI_OPT_OVERDUE: f->overdue = true; return 1;
	case CLI_OPT_FEEDBACK_OVERDUE: f->feedback_overdue = true; return 1;
	case CLI_OPT_LINKED: f->linked = true; return 1;
	case CLI_OPT_SAME_SITE: f->site = arg; return 1;
	case CLI_OPT_SITE_RADIUS: {
		char *end;
		long m = strtol(arg, &end, 10);
		if (end == arg || *end || m < 0 || m > 100000) {
			cli_error(_("--site-radius: expected metres from 0 to 100000, not '%s'"), arg);
			return -CLI_USAGE;
		}
		f->site_radius = (int)m;
		return 1;
	}
	case CLI_OPT_STATUS:
		return parse_mask(arg, duban_status_parse, _("status"), DUBAN_STATUS_COUNT,
				  status_id_of, &cf->status_in, &cf->status_out);
	case CLI_OPT_LIGHT:
		return parse_mask(arg, duban_light_parse, _("light"), DUBAN_LIGHT_COUNT,
				  light_id_of, &cf->light_in, &cf->light_out);
	case CLI_OPT_KIND: {
		int k = duban_kind_parse(arg);
		if (k < 0) {
			char *names = names_list(DUBAN_KIND_COUNT, kind_id_of);
			cli_error(_("unknown %s '%s' (one of: %s)"), _("kind"), arg, names);
			free(names);
			return -CLI_REFUSED;
		}
		f->kind = k;
		return 1;
	}
	case CLI_OPT_DUE_BEFORE:
		return parse_date_opt(arg, "--due-before", &f->due_before);
	case CLI_OPT_DUE_AFTER:
		return parse_date_opt(arg, "--due-after", &f->due_after);
	default:
		return 0;
	}
}

static unsigned resolve_mask(unsigned in, unsigned out, unsigned all, bool *none)
{
	if (!in && !out)
		return 0;
	unsigned m = (in ? in : all) & ~out;
	if (m == 0)
		*none = true;
	return m == all ? 0 : m;
}

const struct duban_filter *cli_filter_done(struct cli_filter *cf)
{
	cf->f.status_mask = resolve_mask(cf->status_in, cf->status_out, ALL_STATUSES, &cf->none);
	cf->f.light_mask = resolve_mask(cf->light_in, cf->light_out, ALL_LIGHTS, &cf->none);
	return &cf->f;
}

void cli_filter_help(FILE *out)
{
	fputs(_("Filters:\n"
		"      --county NAME       items of this county (县/市/区)\n"
		"      --township NAME     items of this township (乡镇)\n"
		"      --status LIST       statuses by identifier or Chinese name, comma separated\n"
		"                          or repeated; !NAME excludes (e.g. --status '!closed')\n"
		"      --light LIST        warning lights: red, yellow, green, blue, grey (! excludes)\n"
		"      --category NAME     pollution category (大气, 水, 土壤 ...)\n"
		"      --unit TEXT         lead or co-operating unit contains TEXT\n"
		"      --kind KIND         problem or complaint\n"
		"      --round NAME        inspection round\n"
		"      --overdue           deadline passed and not yet verified\n"
		"      --feedback-overdue  complaints whose feedback (反馈) is past its due date\n"
		"      --due-before DATE   deadline on or before DATE\n"
		"      --due-after DATE    deadline on or after DATE\n"
		"      --search TEXT       words in code, title, description, units, measures\n"
		"      --linked            --search also finds the items linked to its matches\n"
		"      --same-site CODE    the items of CODE's site: CODE, the items its links\n"
		"                          reach (through other links too) and the items within\n"
		"                          --site-radius metres of it (default 200; 0: links only)\n"), out);
}

/* ---------------------------------------------------------------- list */

enum list_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

struct list_opts {
	struct cli_filter cf;
	enum duban_sort sort;
	bool reverse;
	long limit; /* 0 = all */
	enum list_format format;
	int count_by; /* index into count_fields, -1: list the items */
};

/* --count-by: the columns duban_query_values groups, with the name the
 * option takes (and the column's name, which it also takes). */
static const struct {
	const char *name, *column, *header;
} count_fields[] = {
	{ "county", "county", N_("County") },    { "township", "township", N_("Township") },
	{ "unit", "lead_unit", N_("Lead unit") }, { "category", "category", N_("Category") },
	{ "round", "round", N_("Round") },        { "batch", "batch", N_("Batch") },
};
#define NCOUNT_FIELDS ((int)(sizeof count_fields / sizeof count_fields[0]))

enum { COL_LIGHT, COL_CODE, COL_TITLE, COL_COUNTY, COL_UNIT, COL_DEADLINE, COL_DUE, COL_STATUS, NCOLS };

/* The "Due" texts by days left: a listing has few distinct ones, each
 * translated once (a translation lookup per row is a tenth of a listing). */
#define DUE_SLOTS 1024
struct due_cache {
	long days[DUE_SLOTS];
	char *text[DUE_SLOTS];
};

struct list_state {
	const struct list_opts *o;
	duban_date today;
	struct cli_column cols[NCOLS];
	long shown, red, yellow;
	const char *status_names[DUBAN_STATUS_COUNT];
	struct due_cache *due;
};

static void list_state_init(struct list_state *ls, const struct list_opts *o)
{
	memset(ls, 0, sizeof *ls);
	ls->o = o;
	ls->today = duban_today();
	for (int i = 0; i < DUBAN_STATUS_COUNT; i++)
		ls->status_names[i] = duban_status_name((enum duban_status)i);
	ls->due = xcalloc(1, sizeof *ls->due);
}

static void list_state_free(struct list_state *ls)
{
	for (int i = 0; i < DUE_SLOTS; i++)
		free(ls->due->text[i]);
	free(ls->due);
}

/* cli_due_text, remembered by days left. */
static const char *due_text(struct list_state *ls, const struct duban_row *r)
{
	if (r->deadline == DUBAN_DATE_NONE || r->status >= DUBAN_STATUS_VERIFIED)
		return "";
	long days = (long)r->deadline - (long)ls->today;
	size_t slot = (size_t)days & (DUE_SLOTS - 1);
	struct due_cache *c = ls->due;
	if (!c->text[slot] || c->days[slot] != days) {
		free(c->text[slot]);
		c->text[slot] = cli_due_text(r->deadline, r->status, ls->today);
		c->days[slot] = days;
	}
	return c->text[slot];
}

static void list_help(void)
{
	fputs(_("Usage: duban list [FILTERS] [--sort KEY] [--reverse] [--limit N] [--format FORMAT]\n"
		"List the items of the ledger, most urgent deadline first.\n\n"), stdout);
	cli_filter_help(stdout);
	fputs(_("\nOptions:\n"
		"      --sort KEY          deadline (default), code, updated, light, county, status or progress\n"
		"      --reverse           reverse the order\n"
		"      --limit N           show at most N items\n"
		"      --count-by FIELD    instead of the items, the number of them per county,\n"
		"                          township, unit, category, round or batch\n"
		"      --format FORMAT     table (default), csv or json\n"
		"  -h, --help              show this help\n"), stdout);
}

static void row_cells(struct list_state *ls, const struct duban_row *r, const char *cells[NCOLS],
		      char date_buf[11])
{
	cells[COL_LIGHT] = duban_light_symbol(r->light);
	cells[COL_CODE] = r->code;
	cells[COL_TITLE] = r->title;
	cells[COL_COUNTY] = r->county;
	cells[COL_UNIT] = r->lead_unit;
	cells[COL_DEADLINE] = cli_deadline_text(r->deadline, r->deadline_kind, date_buf);
	cells[COL_DUE] = due_text(ls, r);
	cells[COL_STATUS] = (unsigned)r->status < DUBAN_STATUS_COUNT ? ls->status_names[r->status]
								   : duban_status_name(r->status);
}

/* Column widths from the headers and the first window; later rows that are
 * wider are cut, so the table streams without reading everything first. */
static void table_layout(struct list_state *ls, const struct duban_row *rows, int n)
{
	static const struct { const char *header; int max, drop; bool right; } spec[NCOLS] = {
		[COL_LIGHT] = { "", 2, 0, false },
		[COL_CODE] = { N_("Code"), 24, 0, false },
		[COL_TITLE] = { N_("Title"), 0, 0, false },
		[COL_COUNTY] = { N_("County"), 12, 3, false },
		[COL_UNIT] = { N_("Lead unit"), 20, 5, false },
		[COL_DEADLINE] = { N_("Deadline"), 10, 2, false },
		[COL_DUE] = { N_("Due"), 18, 4, true },
		[COL_STATUS] = { N_("Status"), 20, 1, false },
	};
	for (int i = 0; i < NCOLS; i++) {
		struct cli_column *c = &ls->cols[i];
		c->header = spec[i].header[0] ? _(spec[i].header) : "";
		c->max = spec[i].max;
		c->drop_rank = spec[i].drop;
		c->right = spec[i].right;
		c->width = 0;
		c->min = 0;
		cli_column_fit(c, c->header);
	}
	for (int l = 0; l < DUBAN_LIGHT_COUNT; l++)
		cli_column_fit(&ls->cols[COL_LIGHT], duban_light_symbol(l));
	for (int k = DUBAN_DEADLINE_IMMEDIATE; k < DUBAN_DEADLINE_KIND_COUNT; k++)
		cli_column_fit(&ls->cols[COL_DEADLINE], duban_deadline_kind_name(k));
	cli_column_fit(&ls->cols[COL_DEADLINE], "YYYY-MM-DD");
	for (int i = 0; i < n; i++) {
		const char *cells[NCOLS];
		char buf[11];
		row_cells(ls, &rows[i], cells, buf);
		for (int c = 0; c < NCOLS; c++)
			if (c != COL_TITLE)
				cli_column_fit(&ls->cols[c], cells[c]);
	}
	ls->cols[COL_TITLE].min = 12;
	cli_table_layout(ls->cols, NCOLS, COL_TITLE, cli_term_width());
	const char *headers[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		headers[c] = ls->cols[c].header;
	cli_table_row(stdout, ls->cols, NCOLS, headers);
}

static void print_table_row(struct list_state *ls, const struct duban_row *r)
{
	const char *cells[NCOLS];
	char buf[11];
	row_cells(ls, r, cells, buf);
	cli_table_row(stdout, ls->cols, NCOLS, cells);
}

static const char *const csv_headers[] = {
	"code", "title", "kind", "county", "lead_unit", "deadline", "deadline_kind",
	"status", "progress", "light", "feedback_due", "repeats", "updated_at", "id",
};
#define NCSV (sizeof csv_headers / sizeof csv_headers[0])

static void row_values(const struct duban_row *r, const char *v[NCSV], char date_buf[11], char num[16],
		       char fb_buf[11], char rep[16])
{
	snprintf(rep, 16, "%d", r->repeats);
	snprintf(num, 16, "%d", r->progress);
	v[0] = r->code;
	v[1] = r->title;
	v[2] = duban_kind_id(r->kind);
	v[3] = r->county;
	v[4] = r->lead_unit;
	v[5] = duban_date_format(r->deadline, date_buf);
	v[6] = duban_deadline_kind_id(r->deadline_kind);
	v[7] = duban_status_id(r->status);
	v[8] = num;
	v[9] = duban_light_id(r->light);
	v[10] = duban_date_format(r->feedback_due, fb_buf);
	v[11] = rep;
	/* The id stays last: scripts take it as the last column. */
	v[12] = r->updated_at;
	v[13] = r->id;
}

static void print_csv_row(const struct duban_row *r)
{
	const char *v[NCSV];
	char date_buf[11], num[16], fb_buf[11], rep[16];
	row_values(r, v, date_buf, num, fb_buf, rep);
	for (size_t i = 0; i < NCSV; i++) {
		/* Listing is for reading: no terminal controls even here. */
		if (duban_is_clean(v[i], true)) {
			duban_csv_write_cell(stdout, v[i] ? v[i] : "", i == 0);
			continue;
		}
		char *clean = duban_sanitize(v[i], true);
		duban_csv_write_cell(stdout, clean, i == 0);
		free(clean);
	}
	duban_csv_end_record(stdout);
}

static void print_json_row(const struct duban_row *r, bool first)
{
	const char *v[NCSV];
	char date_buf[11], num[16], fb_buf[11], rep[16];
	row_values(r, v, date_buf, num, fb_buf, rep);
	cJSON *obj = cJSON_CreateObject();
	for (size_t i = 0; i < NCSV; i++) {
		if (i == 8)
			cJSON_AddNumberToObject(obj, csv_headers[i], r->progress);
		else if (i == 11)
			cJSON_AddNumberToObject(obj, csv_headers[i], r->repeats);
		else if ((i == 5 || i == 10) && !*v[i])
			cJSON_AddNullToObject(obj, csv_headers[i]);
		else
			cJSON_AddStringToObject(obj, csv_headers[i], v[i]);
	}
	char *text = duban_json_print(obj, false);
	printf("%s%s", first ? "\n" : ",\n", text ? text : "null");
	free(text);
	cJSON_Delete(obj);
}

static void print_row(struct list_state *ls, const struct duban_row *r)
{
	switch (ls->o->format) {
	case FORMAT_TABLE:
		print_table_row(ls, r);
		break;
	case FORMAT_CSV:
		print_csv_row(r);
		break;
	case FORMAT_JSON:
		print_json_row(r, ls->shown == 0);
		break;
	}
	if (r->light == DUBAN_LIGHT_RED)
		ls->red++;
	else if (r->light == DUBAN_LIGHT_YELLOW)
		ls->yellow++;
	ls->shown++;
}

static void print_start(struct list_state *ls, const struct duban_row *rows, int n)
{
	if (ls->o->format == FORMAT_TABLE) {
		table_layout(ls, rows, n);
	} else if (ls->o->format == FORMAT_CSV) {
		for (size_t i = 0; i < NCSV; i++)
			duban_csv_write_cell(stdout, csv_headers[i], i == 0);
		duban_csv_end_record(stdout);
	} else {
		fputs("[", stdout);
	}
}

static void print_end(struct list_state *ls, bool more)
{
	if (ls->o->format == FORMAT_JSON) {
		fputs(ls->shown ? "\n]\n" : "]\n", stdout);
		return;
	}
	if (ls->o->format != FORMAT_TABLE)
		return;
	printf(ngettext("%ld item (%ld red, %ld yellow)", "%ld items (%ld red, %ld yellow)",
			(unsigned long)ls->shown), ls->shown, ls->red, ls->yellow);
	if (more)
		fputs(_("; more match, raise --limit to see them"), stdout);
	fputc('\n', stdout);
}

static void free_rows(struct duban_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		duban_row_free(&rows[i]);
}

/* With --limit: window by window (a window is an index walk that stops
 * early), memory one window. */
static int list_windows(struct cli_ctx *ctx, const struct list_opts *o)
{
	struct list_state ls;
	list_state_init(&ls, o);
	struct duban_row *rows = xcalloc(WINDOW, sizeof *rows);
	struct duban_cursor cursor = { .valid = false };
	bool started = false, more = false;
	const struct duban_filter *filter = &o->cf.f;
	for (;;) {
		int want = started ? WINDOW : FIRST_WINDOW;
		if (o->limit > 0 && o->limit - ls.shown < want)
			want = (int)(o->limit - ls.shown) + 1; /* one more tells if there are more */
		int got = 0;
		enum duban_err err = o->cf.none ? DUBAN_OK :
			duban_query_window(ctx->st, filter, o->sort, o->reverse, &cursor, false,
					   want, rows, &got);
		if (err != DUBAN_OK) {
			fflush(stdout);
			free(rows);
			list_state_free(&ls);
			return cli_store_error(ctx, err, _("cannot list the ledger"));
		}
		if (!started) {
			print_start(&ls, rows, got);
			started = true;
		}
		for (int i = 0; i < got; i++) {
			if (o->limit > 0 && ls.shown >= o->limit) {
				more = true;
				break;
			}
			print_row(&ls, &rows[i]);
		}
		if (got > 0)
			duban_cursor_of_row(&rows[got - 1], o->sort, &cursor);
		free_rows(rows, got);
		if (more || got < want)
			break;
	}
	free(rows);
	print_end(&ls, more);
	list_state_free(&ls);
	return CLI_OK;
}

/* Everything: one query streamed.  The first FIRST_WINDOW rows are held to
 * size the columns, as the windowed listing sizes them; then each row is
 * printed as it is read. */
struct stream {
	struct list_state ls;
	struct duban_row first[FIRST_WINDOW];
	int nfirst;
	bool started;
};

static void stream_start(struct stream *sm)
{
	print_start(&sm->ls, sm->first, sm->nfirst);
	for (int i = 0; i < sm->nfirst; i++)
		print_row(&sm->ls, &sm->first[i]);
	free_rows(sm->first, sm->nfirst);
	sm->started = true;
}

static int stream_row(const struct duban_row *r, void *ctx)
{
	struct stream *sm = ctx;
	if (sm->started) {
		print_row(&sm->ls, r);
		return 0;
	}
	/* Taken over: the stream frees only what it still holds. */
	sm->first[sm->nfirst++] = *r;
	struct duban_row *held = &sm->first[sm->nfirst - 1];
	held->code = xstrdup(r->code);
	held->title = xstrdup(r->title);
	held->county = xstrdup(r->county);
	held->lead_unit = xstrdup(r->lead_unit);
	if (sm->nfirst == FIRST_WINDOW)
		stream_start(sm);
	return 0;
}

static int list_stream(struct cli_ctx *ctx, const struct list_opts *o)
{
	struct stream *sm = xcalloc(1, sizeof *sm);
	list_state_init(&sm->ls, o);
	enum duban_err err = o->cf.none ? DUBAN_OK :
		duban_query_stream(ctx->st, &o->cf.f, o->sort, o->reverse, stream_row, sm);
	if (err != DUBAN_OK) {
		fflush(stdout);
		free_rows(sm->first, sm->nfirst);
		list_state_free(&sm->ls);
		free(sm);
		return cli_store_error(ctx, err, _("cannot list the ledger"));
	}
	if (!sm->started)
		stream_start(sm);
	print_end(&sm->ls, false);
	list_state_free(&sm->ls);
	free(sm);
	return CLI_OK;
}

static int list_rows(struct cli_ctx *ctx, const struct list_opts *o)
{
	/* Into a pipe or a file, large writes (a terminal keeps its line
	 * buffering, so rows show as they come). */
	static char buf[1 << 16];
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buf, _IOFBF, sizeof buf);
	return o->limit > 0 ? list_windows(ctx, o) : list_stream(ctx, o);
}

/* ---------------------------------------------------------------- --count-by */

static void print_counts(const struct list_opts *o, char **values, const long long *counts, int n)
{
	const char *field = count_fields[o->count_by].name;
	if (o->format == FORMAT_CSV) {
		duban_csv_write_cell(stdout, field, true);
		duban_csv_write_cell(stdout, "items", false);
		duban_csv_end_record(stdout);
	} else if (o->format == FORMAT_JSON) {
		fputs("[", stdout);
	}
	struct cli_column cols[2] = { { .header = _(count_fields[o->count_by].header), .max = 40 },
				      { .header = _("Items"), .max = 20, .right = true } };
	char num[24];
	if (o->format == FORMAT_TABLE) {
		for (int i = 0; i < 2; i++)
			cli_column_fit(&cols[i], cols[i].header);
		for (int i = 0; i < n; i++) {
			snprintf(num, sizeof num, "%lld", counts[i]);
			cli_column_fit(&cols[0], values[i]);
			cli_column_fit(&cols[1], num);
		}
		/* The names as wide as the longest, narrower only on a narrow terminal. */
		int want = cols[0].width + 1 + cols[1].width, term = cli_term_width();
		cols[0].min = 6;
		cli_table_layout(cols, 2, 0, want < term ? want : term);
		cli_table_row(stdout, cols, 2, (const char *const[]){ cols[0].header, cols[1].header });
	}
	for (int i = 0; i < n; i++) {
		snprintf(num, sizeof num, "%lld", counts[i]);
		char *clean = duban_sanitize(values[i], false);
		if (o->format == FORMAT_TABLE) {
			cli_table_row(stdout, cols, 2, (const char *const[]){ clean, num });
		} else if (o->format == FORMAT_CSV) {
			duban_csv_write_cell(stdout, clean, true);
			duban_csv_write_cell(stdout, num, false);
			duban_csv_end_record(stdout);
		} else {
			cJSON *obj = cJSON_CreateObject();
			cJSON_AddStringToObject(obj, field, values[i]);
			cJSON_AddNumberToObject(obj, "items", (double)counts[i]);
			char *text = duban_json_print(obj, false);
			printf("%s%s", i ? ",\n" : "\n", text ? text : "null");
			free(text);
			cJSON_Delete(obj);
		}
		free(clean);
	}
	if (o->format == FORMAT_JSON)
		fputs(n ? "\n]\n" : "]\n", stdout);
}

static int list_counts(struct cli_ctx *ctx, const struct list_opts *o)
{
	char **values = NULL;
	long long *counts = NULL;
	int n = 0;
	enum duban_err err = o->cf.none ? DUBAN_OK :
				      duban_query_values(ctx->st, &o->cf.f, count_fields[o->count_by].column, &values,
							 &counts, &n);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot count the items"));
	print_counts(o, values, counts, n);
	duban_values_free(values, counts, n);
	return CLI_OK;
}

static int parse_count_by(struct list_opts *o, const char *arg)
{
	for (int i = 0; i < NCOUNT_FIELDS; i++)
		if (strcmp(arg, count_fields[i].name) == 0 || strcmp(arg, count_fields[i].column) == 0) {
			o->count_by = i;
			return CLI_OK;
		}
	cli_error(_("--count-by: unknown field '%s' (county, township, unit, category, round or batch)"), arg);
	return CLI_USAGE;
}

static int parse_list_opt(struct list_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'c':
		return parse_count_by(o, arg);
	case 's': {
		int s = duban_sort_parse(arg);
		if (s < 0) {
			cli_error(_("--sort: unknown key '%s' (deadline, code, updated, light, county, status or progress)"), arg);
			return CLI_USAGE;
		}
		o->sort = s;
		return CLI_OK;
	}
	case 'r':
		o->reverse = true;
		return CLI_OK;
	case 'n': {
		char *end;
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0) {
			cli_error(_("--limit: not a count: '%s'"), arg);
			return CLI_USAGE;
		}
		o->limit = v;
		return CLI_OK;
	}
	case 'f':
		if (strcmp(arg, "table") == 0)
			o->format = FORMAT_TABLE;
		else if (strcmp(arg, "csv") == 0)
			o->format = FORMAT_CSV;
		else if (strcmp(arg, "json") == 0)
			o->format = FORMAT_JSON;
		else {
			cli_error(_("--format: unknown format '%s' (table, csv or json)"), arg);
			return CLI_USAGE;
		}
		return CLI_OK;
	}
	return CLI_USAGE;
}

int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'n' },
		{ "count-by", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_opts o = { .sort = DUBAN_SORT_DEADLINE, .format = FORMAT_TABLE, .count_by = -1 };
	cli_filter_init(&o.cf);
	int c, rc;
	while ((c = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
		if (c == 'h') {
			list_help();
			return CLI_OK;
		}
		if (c == '?' || c == ':')
			return cli_bad_option(ctx, c, argv);
		int handled = cli_filter_option(&o.cf, c, optarg);
		if (handled < 0)
			return -handled;
		if (!handled && (rc = parse_list_opt(&o, c, optarg)) != CLI_OK)
			return rc;
	}
	if (optind < argc) {
		cli_error(_("list: unexpected argument '%s' (use --search to search)"), argv[optind]);
		return CLI_USAGE;
	}
	cli_filter_done(&o.cf);
	if (o.cf.f.linked && !(o.cf.f.text && *o.cf.f.text)) {
		cli_error(_("--linked widens a search: give --search TEXT too"));
		return CLI_USAGE;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	if (o.cf.f.site) {
		/* An unknown site would list nothing: say why instead. */
		struct duban_item it;
		duban_item_init(&it);
		rc = cli_get_item(ctx, o.cf.f.site, &it);
		duban_item_free(&it);
		if (rc != CLI_OK)
			return rc;
	}
	return o.count_by >= 0 ? list_counts(ctx, &o) : list_rows(ctx, &o);
}
