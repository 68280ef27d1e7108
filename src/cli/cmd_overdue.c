/* `duban overdue`: the overdue items on the supervision ladder, and issuing
 * its steps (the action record and the letter) one item or all at once. */
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
#include "duban/dispatch.h"
#include "duban/feedback.h"
#include "duban/json.h"
#include "duban/notice.h"
#include "duban/ladder.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

enum ov_format { OV_TABLE, OV_CSV, OV_JSON };

enum {
	OPT_DUE = CLI_OPT_FILTER_END + 1,
	OPT_ISSUE,
	OPT_ISSUE_ALL,
	OPT_STEP,
	OPT_DATE,
	OPT_LETTER,
	OPT_LETTERS,
	OPT_HTML,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_FORMAT,
	OPT_LADDER,
	OPT_REPLY_DAYS,
	OPT_FEEDBACK,
	OPT_DISPATCH,
};

struct ov_opts {
	struct cli_filter cf;
	bool due_only, issue_all, dry_run, force, html;
	bool feedback;       /* --feedback: the feedback step of late complaints */
	bool dispatch;       /* --dispatch[=NAME]: the 调度未报送 step */
	const char *dispatch_round; /* NAME, NULL: every open round */
	const char *issue;   /* code or id */
	int step;            /* -1: the next due */
	duban_date date;
	const char *letter;  /* file, "-" for stdout */
	const char *letters; /* directory for --issue-all */
	const char *ladder;  /* --ladder */
	int reply_days;      /* --reply-days, else `set reply-days` */
	enum ov_format format;
};

static void overdue_help(void)
{
	fputs(_("Usage: duban overdue [FILTERS] [--due] [--format FORMAT]\n"
		"       duban overdue --issue CODE [--step KIND] [--date DATE] [--letter FILE] [--force] [--dry-run]\n"
		"       duban overdue --issue-all [FILTERS] [--date DATE] [--letters DIR [--html]] [--dry-run]\n"
		"List the overdue items with where they stand on the supervision ladder\n"
		"(default 提醒函 1 day after the deadline, 督办通知 7, 通报 15, 约谈 30; `set ladder`\n"
		"in the configuration file changes it), most days overdue first.  Issuing a step\n"
		"records it as an action on the item and writes its letter from a template.\n\n"), stdout);
	cli_filter_help(stdout);
	fputs(_("\nOptions:\n"
		"      --due               only items with a step due (reached and not taken)\n"
		"      --format FORMAT     table (default), csv or json\n"
		"      --issue CODE        issue the item's next due step\n"
		"      --step KIND         issue this step instead (提醒函 reminder, 督办通知 notice,\n"
		"                          通报 circular, 约谈 summons, 问责 accountability)\n"
		"      --date DATE         the letter's date (default today)\n"
		"      --letter FILE       also write the letter: HTML when FILE ends in .html or\n"
		"                          .htm, text otherwise, - for standard output\n"
		"      --force             issue a step that was already taken\n"
		"      --issue-all         issue the next due step of every matching item, all or nothing\n"
		"      --letters DIR       with --issue-all: write each letter to DIR/CODE-STEP.txt\n"
		"      --html              with --letters: write .html letters\n"
		"      --dry-run           show what would be issued; write nothing\n"
		"      --ladder SPEC       use this ladder, e.g. \"提醒函:1 督办通知:7 通报:15 约谈:30\"\n"
		"      --reply-days N      the letters ask for a written reply within N days\n"
		"                          (default 7, or `set reply-days`)\n"
		"  -h, --help              show this help\n"), stdout);
	fputs(_("      --feedback          instead, the complaints whose feedback (办理情况反馈)\n"
		"                          is overdue, with the feedback step (反馈催办): the\n"
		"                          ladder's first step, due from the day after\n"), stdout);
	fputs(_("      --dispatch[=NAME]   instead, the members of the open 调度 rounds (or of\n"
		"                          round NAME) missing after the due date or submitted\n"
		"                          late: the step 调度未报送, a missing one owing the\n"
		"                          ladder's first letter from the day after the due date\n"), stdout);
}

/* The ladder and the reply days: the options, else `set ladder` and `set
 * reply-days` in the configuration file. */
static bool load_ladder(struct cli_ctx *ctx, struct ov_opts *o, struct duban_ladder *l)
{
	char err[256];
	const struct duban_settings *s = cli_settings(ctx);
	if (o->reply_days < 0)
		o->reply_days = s->reply_days;
	if (o->ladder) {
		if (duban_ladder_parse(o->ladder, l, err, sizeof err))
			return true;
		cli_error("%s", err);
		return false;
	}
	for (int i = 0; i < s->nerrors; i++)
		if (strstr(s->errors[i], "ladder"))
			cli_error(_("%s (the default ladder applies)"), s->errors[i]);
	if (!duban_ladder_parse(s->ladder, l, err, sizeof err))
		duban_ladder_default(l);
	return true;
}

/* ---------------------------------------------------------------- the list */

enum { COL_CODE, COL_TITLE, COL_COUNTY, COL_UNIT, COL_DEADLINE, COL_DAYS, COL_TAKEN, COL_NEXT, NCOLS };

static char *taken_text(const struct duban_ladder *l, const struct duban_ladder_state *s, bool ids)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < l->n; i++) {
		if (!s->taken[i])
			continue;
		if (b.len)
			duban_buf_puts(&b, ids ? " " : _(", "));
		duban_buf_puts(&b, ids ? duban_action_kind_id(l->steps[i].kind) : duban_action_kind_name(l->steps[i].kind));
	}
	return duban_buf_steal(&b);
}

static char *next_text(const struct duban_ladder *l, const struct duban_ladder_state *s)
{
	char since[11];
	if (s->next < 0)
		return xstrdup("");
	return xasprintf(_("%s since %s"), duban_action_kind_name(l->steps[s->next].kind),
			 duban_date_format(s->next_since, since));
}

struct cells {
	const char *v[NCOLS];
	char deadline[11], days[16];
	char *taken, *next;
};

static void fill_cells(const struct duban_ladder *l, const struct duban_overdue *o, struct cells *c)
{
	snprintf(c->days, sizeof c->days, "%d", o->state.days);
	c->taken = taken_text(l, &o->state, false);
	c->next = next_text(l, &o->state);
	c->v[COL_CODE] = o->item.code;
	c->v[COL_TITLE] = o->item.title;
	c->v[COL_COUNTY] = o->item.county;
	c->v[COL_UNIT] = o->item.lead_unit;
	c->v[COL_DEADLINE] = duban_date_format(o->item.deadline, c->deadline);
	c->v[COL_DAYS] = c->days;
	c->v[COL_TAKEN] = c->taken;
	c->v[COL_NEXT] = c->next;
}

static void free_cells(struct cells *c)
{
	free(c->taken);
	free(c->next);
}

static void print_table(const struct duban_ladder *l, const struct duban_overdue *v, int n)
{
	static const struct { const char *header; int max, drop; bool right; } spec[NCOLS] = {
		[COL_CODE] = { N_("Code"), 24, 0, false },
		[COL_TITLE] = { N_("Title"), 0, 0, false },
		[COL_COUNTY] = { N_("County"), 12, 3, false },
		[COL_UNIT] = { N_("Lead unit"), 20, 4, false },
		[COL_DEADLINE] = { N_("Deadline"), 10, 2, false },
		[COL_DAYS] = { N_("Days"), 5, 0, true },
		[COL_TAKEN] = { N_("Taken"), 36, 5, false },
		[COL_NEXT] = { N_("Next step due"), 30, 0, false },
	};
	struct cli_column cols[NCOLS];
	for (int i = 0; i < NCOLS; i++) {
		cols[i] = (struct cli_column){ .header = _(spec[i].header), .max = spec[i].max,
					       .drop_rank = spec[i].drop, .right = spec[i].right };
		cli_column_fit(&cols[i], cols[i].header);
	}
	for (int r = 0; r < n; r++) {
		struct cells c;
		fill_cells(l, &v[r], &c);
		for (int i = 0; i < NCOLS; i++)
			if (i != COL_TITLE)
				cli_column_fit(&cols[i], c.v[i]);
		free_cells(&c);
	}
	cols[COL_TITLE].min = 12;
	cli_table_layout(cols, NCOLS, COL_TITLE, cli_term_width());
	const char *headers[NCOLS];
	for (int i = 0; i < NCOLS; i++)
		headers[i] = cols[i].header;
	cli_table_row(stdout, cols, NCOLS, headers);
	int due = 0;
	for (int r = 0; r < n; r++) {
		struct cells c;
		fill_cells(l, &v[r], &c);
		cli_table_row(stdout, cols, NCOLS, c.v);
		free_cells(&c);
		due += v[r].state.next >= 0;
	}
	char *spec_text = duban_ladder_format(l);
	printf(ngettext("%d overdue item, %d with a step due (ladder: %s)\n",
			"%d overdue items, %d with a step due (ladder: %s)\n", (unsigned long)n), n, due, spec_text);
	free(spec_text);
}

static const char *const csv_headers[] = {
	"code", "title", "county", "lead_unit", "deadline", "days_overdue", "taken", "last", "last_date",
	"next", "next_since", "id",
};
#define NCSV (sizeof csv_headers / sizeof csv_headers[0])

struct values {
	const char *v[NCSV];
	char deadline[11], days[16], last_date[11], since[11];
	char *taken;
};

static void fill_values(const struct duban_ladder *l, const struct duban_overdue *o, struct values *x)
{
	const struct duban_ladder_state *s = &o->state;
	snprintf(x->days, sizeof x->days, "%d", s->days);
	x->taken = taken_text(l, s, true);
	x->v[0] = o->item.code;
	x->v[1] = o->item.title;
	x->v[2] = o->item.county;
	x->v[3] = o->item.lead_unit;
	x->v[4] = duban_date_format(o->item.deadline, x->deadline);
	x->v[5] = x->days;
	x->v[6] = x->taken;
	x->v[7] = s->last >= 0 ? duban_action_kind_id(l->steps[s->last].kind) : "";
	x->v[8] = duban_date_format(s->last >= 0 ? s->taken_on[s->last] : DUBAN_DATE_NONE, x->last_date);
	x->v[9] = s->next >= 0 ? duban_action_kind_id(l->steps[s->next].kind) : "";
	x->v[10] = duban_date_format(s->next_since, x->since);
	x->v[11] = o->item.id;
}

static void print_csv(const struct duban_ladder *l, const struct duban_overdue *v, int n)
{
	for (size_t i = 0; i < NCSV; i++)
		duban_csv_write_cell(stdout, csv_headers[i], i == 0);
	duban_csv_end_record(stdout);
	for (int r = 0; r < n; r++) {
		struct values x;
		fill_values(l, &v[r], &x);
		for (size_t i = 0; i < NCSV; i++) {
			char *clean = duban_sanitize(x.v[i], true);
			duban_csv_write_cell(stdout, clean, i == 0);
			free(clean);
		}
		duban_csv_end_record(stdout);
		free(x.taken);
	}
}

static void print_json(const struct duban_ladder *l, const struct duban_overdue *v, int n)
{
	cJSON *arr = cJSON_CreateArray();
	for (int r = 0; r < n; r++) {
		struct values x;
		fill_values(l, &v[r], &x);
		cJSON *obj = cJSON_CreateObject();
		for (size_t i = 0; i < NCSV; i++) {
			if (i == 5) {
				cJSON_AddNumberToObject(obj, csv_headers[i], v[r].state.days);
			} else if (i == 6) {
				cJSON *t = cJSON_AddArrayToObject(obj, csv_headers[i]);
				for (int s = 0; s < l->n; s++)
					if (v[r].state.taken[s])
						cJSON_AddItemToArray(t, cJSON_CreateString(duban_action_kind_id(l->steps[s].kind)));
			} else if (!*x.v[i] && i != 1 && i != 2 && i != 3) {
				cJSON_AddNullToObject(obj, csv_headers[i]);
			} else {
				cJSON_AddStringToObject(obj, csv_headers[i], x.v[i]);
			}
		}
		cJSON_AddItemToArray(arr, obj);
		free(x.taken);
	}
	char *text = duban_json_print(arr, true);
	puts(text ? text : "null");
	free(text);
	cJSON_Delete(arr);
}

/* Items whose public notice ended and which wait for 销号: after the
 * table, so the office sees what it can close. */
static void print_notice_due(const struct duban_notice_due *v, int n, duban_date today)
{
	char d[11];

	if (!n)
		return;
	printf(ngettext("\n%d item's public notice has ended: due for closing (duban status CODE closed)\n",
			"\n%d items' public notices have ended: due for closing (duban status CODE closed)\n",
			(unsigned long)n), n);
	for (int i = 0; i < n; i++) {
		char *code = duban_sanitize(v[i].code, false), *title = duban_sanitize(v[i].title, false);
		int days = (int)(today - v[i].end);
		printf(ngettext("  %s  %s  notice ended %s (%d day ago)\n", "  %s  %s  notice ended %s (%d days ago)\n",
				(unsigned long)days), code, title, duban_date_format(v[i].end, d), days);
		free(code);
		free(title);
	}
}

static int list_overdue(struct cli_ctx *ctx, const struct ov_opts *o, const struct duban_ladder *l)
{
	struct duban_overdue *v = NULL;
	int n = 0;
	enum duban_err err = o->cf.none ? DUBAN_OK :
		duban_overdue_list(ctx->st, &o->cf.f, l, duban_today(), o->due_only, &v, &n);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot list the overdue items"));
	struct duban_notice_due *nd = NULL;
	int nn = 0;
	/* The table only: the CSV and JSON keep their shape, one row an
	 * overdue item. */
	if (o->format == OV_TABLE && !o->cf.none && !o->due_only &&
	    (err = duban_notice_due_list(ctx->st, &o->cf.f, duban_today(), &nd, &nn)) != DUBAN_OK) {
		duban_overdue_free(v, n);
		return cli_store_error(ctx, err, _("cannot list the items under notice"));
	}
	if (o->format == OV_TABLE) {
		print_table(l, v, n);
		print_notice_due(nd, nn, duban_today());
	} else if (o->format == OV_CSV) {
		print_csv(l, v, n);
	} else {
		print_json(l, v, n);
	}
	duban_notice_due_free(nd, nn);
	duban_overdue_free(v, n);
	return CLI_OK;
}

/* ---------------------------------------------------------------- issuing */

static int write_letter(const char *path, const char *content)
{
	if (strcmp(path, "-") == 0) {
		fputs(content, stdout);
		return CLI_OK;
	}
	if (duban_write_file_atomic(path, content, strlen(content), 0644) != 0) {
		cli_error(_("cannot write the letter %s: %s"), path, strerror(errno));
		return CLI_DB;
	}
	return CLI_OK;
}

/* One step to issue: its letter made, its letter file chosen. */
struct issue {
	struct duban_overdue entry;
	struct duban_letter_ctx c;
	struct duban_letter letter;
	char *path;    /* letter file or NULL */
	char *content; /* what goes into it */
};

static void issue_free(struct issue *is)
{
	duban_letter_free(&is->letter);
	duban_overdue_entry_free(&is->entry);
	free(is->path);
	free(is->content);
}

/* Renders the letter of step kind for an entry; false after reporting. */
static bool prepare(struct issue *is, enum duban_action_kind kind, duban_date date, duban_date today,
		    int reply_days)
{
	char err[512];
	is->c = (struct duban_letter_ctx){
		.item = &is->entry.item, .step = kind, .today = today, .date = date,
		.reply_by = date + reply_days, .days_overdue = is->entry.state.days,
		.latest_note = is->entry.latest_note,
	};
	if (!duban_letter_make(&is->c, &is->letter, err, sizeof err)) {
		cli_error("%s", err);
		return false;
	}
	if (is->path) {
		is->content = duban_letter_for_file(&is->c, &is->letter, is->path, err, sizeof err);
		if (!is->content) {
			cli_error("%s", err);
			return false;
		}
	}
	return true;
}

static const char *kind_zh_or_name(enum duban_action_kind k)
{
	return duban_action_kind_zh(k);
}

/* Which step --issue takes; -(exit code) after reporting. */
static int choose_step(const struct ov_opts *o, const struct duban_ladder *l, const struct duban_overdue *e,
		       const bool taken[DUBAN_ACTION_KIND_COUNT])
{
	const struct duban_ladder_state *s = &e->state;
	char *code = duban_sanitize(e->item.code, false);
	int kind = -1;
	if (o->step >= 0) {
		kind = o->step;
		if (taken[kind] && !o->force) {
			cli_error(_("%s: %s was already issued after the deadline (--force issues it again)"), code,
				  kind_zh_or_name((enum duban_action_kind)kind));
			kind = -CLI_REFUSED;
		}
	} else if (s->next >= 0) {
		kind = (int)l->steps[s->next].kind;
	} else {
		char day[11];
		int up = s->last + 1;
		if (up < l->n && up >= s->reached)
			cli_error(_("%s: no step is due: the next, %s, falls due on %s (overdue %d days; --step issues "
				    "one now)"), code, duban_action_kind_zh(l->steps[up].kind),
				  duban_date_format(e->item.deadline + l->steps[up].day, day), s->days);
		else
			cli_error(_("%s: no step is due: every step of the ladder was taken (--step KIND issues "
				    "another)"), code);
		kind = -CLI_REFUSED;
	}
	free(code);
	return kind;
}

static void report_issued(const struct issue *is, bool dry_run)
{
	char day[11];
	char *code = duban_sanitize(is->entry.item.code, false);
	printf(dry_run ? _("%s: would issue %s dated %s\n") : _("%s: %s issued, dated %s\n"), code,
	       duban_action_kind_zh(is->c.step), duban_date_format(is->c.date, day));
	if (is->path && strcmp(is->path, "-") != 0)
		printf(dry_run ? _("  letter: would be written to %s\n") : _("  letter written to %s\n"), is->path);
	free(code);
}

/* Records every issue and writes its letter in one transaction: a failure
 * anywhere leaves neither actions nor letters behind. */
static int commit_issues(struct cli_ctx *ctx, struct issue *v, int n)
{
	enum duban_err err = duban_store_begin(ctx->st);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot record the actions"));
	int written = 0, rc = CLI_OK;
	for (int i = 0; i < n && rc == CLI_OK; i++) {
		struct duban_action a;
		err = duban_ladder_record(ctx->st, &v[i].c, &v[i].letter, &a);
		duban_action_free(&a);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, _("cannot record the action"));
	}
	for (int i = 0; i < n && rc == CLI_OK; i++) {
		if (!v[i].path || strcmp(v[i].path, "-") == 0)
			continue;
		if ((rc = write_letter(v[i].path, v[i].content)) == CLI_OK)
			written = i + 1;
	}
	if (rc == CLI_OK && (err = duban_store_commit(ctx->st)) != DUBAN_OK)
		rc = cli_store_error(ctx, err, _("cannot record the actions"));
	if (rc != CLI_OK) {
		duban_store_rollback(ctx->st);
		for (int i = 0; i < written; i++)
			if (v[i].path && strcmp(v[i].path, "-") != 0)
				unlink(v[i].path);
		return rc;
	}
	for (int i = 0; i < n; i++)
		if (v[i].path && strcmp(v[i].path, "-") == 0)
			fputs(v[i].content, stdout);
	return CLI_OK;
}

static int issue_one(struct cli_ctx *ctx, const struct ov_opts *o, const struct duban_ladder *l)
{
	struct duban_item item;
	duban_item_init(&item);
	int rc = cli_get_item(ctx, o->issue, &item);
	if (rc != CLI_OK) {
		duban_item_free(&item);
		return rc;
	}
	duban_date today = duban_today();
	if (!duban_item_overdue(&item, today)) {
		char *code = duban_sanitize(item.code, false);
		char day[11];
		cli_error(_("%s is not overdue (deadline %s, %s): the ladder is for overdue items"), code,
			  item.deadline == DUBAN_DATE_NONE ? duban_deadline_kind_name(item.deadline_kind)
							   : duban_date_format(item.deadline, day),
			  duban_status_name(item.status));
		free(code);
		duban_item_free(&item);
		return CLI_REFUSED;
	}
	struct issue is = { .path = o->letter ? xstrdup(o->letter) : NULL };
	bool taken[DUBAN_ACTION_KIND_COUNT];
	enum duban_err err = duban_overdue_of(ctx->st, &item, l, today, &is.entry, taken);
	duban_item_free(&item);
	if (err != DUBAN_OK) {
		issue_free(&is);
		return cli_store_error(ctx, err, _("cannot read the item's actions"));
	}
	int kind = choose_step(o, l, &is.entry, taken);
	if (kind < 0)
		rc = -kind;
	else if (!prepare(&is, (enum duban_action_kind)kind, o->date == DUBAN_DATE_NONE ? today : o->date, today,
			      o->reply_days))
		rc = CLI_FAIL;
	if (rc == CLI_OK && o->dry_run) {
		report_issued(&is, true);
		printf("%s\n\n", _("Action text:"));
		cli_put(stdout, is.letter.action_text, true);
		printf("\n\n%s\n\n", _("Letter:"));
		cli_put(stdout, is.letter.text, true);
	} else if (rc == CLI_OK && (rc = commit_issues(ctx, &is, 1)) == CLI_OK) {
		report_issued(&is, false);
	}
	issue_free(&is);
	return rc;
}

/* A letter's file name in DIR: CODE-STEP.txt, the code's slashes replaced. */
static char *letter_path(const char *dir, const struct duban_item *item, enum duban_action_kind kind, bool html)
{
	char *code = duban_sanitize(item->code, false);
	for (char *p = code; *p; p++)
		if (*p == '/' || *p == '\\')
			*p = '_';
	char *path = xasprintf("%s/%s-%s.%s", dir, code, duban_action_kind_zh(kind), html ? "html" : "txt");
	free(code);
	return path;
}

static int issue_all(struct cli_ctx *ctx, const struct ov_opts *o, const struct duban_ladder *l)
{
	duban_date today = duban_today();
	duban_date date = o->date == DUBAN_DATE_NONE ? today : o->date;
	struct duban_overdue *v = NULL;
	int n = 0;
	enum duban_err err = o->cf.none ? DUBAN_OK : duban_overdue_list(ctx->st, &o->cf.f, l, today, true, &v, &n);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot list the overdue items"));
	if (o->letters && access(o->letters, W_OK) != 0) {
		cli_error(_("--letters: cannot write into %s: %s"), o->letters, strerror(errno));
		duban_overdue_free(v, n);
		return CLI_DB;
	}
	struct issue *is = xcalloc(n > 0 ? (size_t)n : 1, sizeof *is);
	int rc = CLI_OK, made = 0;
	/* Every letter is rendered before anything is written: a template
	 * error stops the run with the ledger untouched. */
	for (int i = 0; i < n && rc == CLI_OK; i++, made++) {
		is[i].entry = v[i];
		memset(&v[i], 0, sizeof v[i]);
		enum duban_action_kind kind = l->steps[is[i].entry.state.next].kind;
		if (o->letters)
			is[i].path = letter_path(o->letters, &is[i].entry.item, kind, o->html);
		if (!prepare(&is[i], kind, date, today, o->reply_days))
			rc = CLI_FAIL;
	}
	if (rc == CLI_OK && !o->dry_run)
		rc = commit_issues(ctx, is, n);
	for (int i = 0; i < made && rc == CLI_OK; i++)
		report_issued(&is[i], o->dry_run);
	if (rc == CLI_OK)
		printf(o->dry_run ? ngettext("%d step would be issued\n", "%d steps would be issued\n", (unsigned long)n)
				  : ngettext("%d step issued\n", "%d steps issued\n", (unsigned long)n), n);
	for (int i = 0; i < made; i++)
		issue_free(&is[i]);
	free(is);
	/* Entries never moved into an issue (after a failure) are still in v. */
	for (int i = made; i < n; i++)
		duban_overdue_entry_free(&v[i]);
	free(v);
	return rc;
}

/* ---------------------------------------------------------------- options */

static int parse_opt(struct ov_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_DUE: o->due_only = true; return CLI_OK;
	case OPT_FEEDBACK: o->feedback = true; return CLI_OK;
	case OPT_DISPATCH: o->dispatch = true; o->dispatch_round = arg; return CLI_OK;
	case OPT_ISSUE: o->issue = arg; return CLI_OK;
	case OPT_ISSUE_ALL: o->issue_all = true; return CLI_OK;
	case OPT_LETTER: o->letter = arg; return CLI_OK;
	case OPT_LETTERS: o->letters = arg; return CLI_OK;
	case OPT_HTML: o->html = true; return CLI_OK;
	case OPT_DRY_RUN: o->dry_run = true; return CLI_OK;
	case OPT_FORCE: o->force = true; return CLI_OK;
	case OPT_LADDER: o->ladder = arg; return CLI_OK;
	case OPT_REPLY_DAYS: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (end == arg || *end || n < 1 || n > 365) {
			cli_error(_("--reply-days: expected a number of days from 1 to 365, not '%s'"), arg);
			return CLI_USAGE;
		}
		o->reply_days = (int)n;
		return CLI_OK;
	}
	case OPT_STEP:
		if ((o->step = duban_action_kind_parse(arg)) < 0) {
			cli_error(_("--step: unknown step '%s' (提醒函 reminder, 督办通知 notice, 通报 circular, "
				    "约谈 summons, 问责 accountability)"), arg);
			return CLI_USAGE;
		}
		return CLI_OK;
	case OPT_DATE:
		if ((o->date = duban_date_parse(arg)) == DUBAN_DATE_NONE) {
			cli_error(_("--date: invalid date '%s' (use YYYY-MM-DD)"), arg);
			return CLI_REFUSED;
		}
		return CLI_OK;
	case OPT_FORMAT:
		if (strcmp(arg, "table") == 0)
			o->format = OV_TABLE;
		else if (strcmp(arg, "csv") == 0)
			o->format = OV_CSV;
		else if (strcmp(arg, "json") == 0)
			o->format = OV_JSON;
		else {
			cli_error(_("--format: unknown format '%s' (table, csv or json)"), arg);
			return CLI_USAGE;
		}
		return CLI_OK;
	}
	return CLI_USAGE;
}

/* ---------------------------------------------------------------- --feedback */

struct fb_list {
	duban_store *st;
	const struct duban_ladder *l;
	duban_date today;
	enum ov_format format;
	int n;
	cJSON *json;
};

/* One late complaint: code, title, county, feedback due, days late and the
 * feedback step, as a table line, a CSV record or a JSON object. */
static int feedback_row(const struct duban_item *it, void *ctx)
{
	struct fb_list *f = ctx;
	struct duban_feedback_step st;
	char due[11], since[11], taken[11], days[16];
	if (duban_feedback_step_of(f->st, it, f->l, f->today, &st) != DUBAN_OK || !st.overdue)
		return 0;
	duban_date_format(st.since - 1, due);
	duban_date_format(st.since, since);
	duban_date_format(st.taken_on, taken);
	snprintf(days, sizeof days, "%d", st.days);
	const char *kind = duban_action_kind_id(st.kind);
	f->n++;
	if (f->format == OV_JSON) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", it->code);
		cJSON_AddStringToObject(o, "title", it->title);
		cJSON_AddStringToObject(o, "county", it->county);
		cJSON_AddStringToObject(o, "feedback_due", due);
		cJSON_AddNumberToObject(o, "days_late", st.days);
		cJSON_AddStringToObject(o, "step", kind);
		cJSON_AddBoolToObject(o, "step_due", st.due);
		cJSON_AddStringToObject(o, "step_since", since);
		if (*taken)
			cJSON_AddStringToObject(o, "step_taken_on", taken);
		cJSON_AddStringToObject(o, "id", it->id);
		cJSON_AddItemToArray(f->json, o);
		return 0;
	}
	if (f->format == OV_CSV) {
		const char *v[] = { it->code, it->title, it->county, due, days, kind, st.due ? "true" : "false", since, taken, it->id };
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
			duban_csv_write_cell(stdout, v[i], i == 0);
		duban_csv_end_record(stdout);
		return 0;
	}
	char *step = st.due ? xasprintf(_("%s due since %s"), duban_action_kind_name(st.kind), since)
			    : xasprintf(_("%s sent %s"), duban_action_kind_name(st.kind), taken);
	char *title = duban_sanitize(it->title, false), *cut = duban_pad(title, 24, false);
	char *code = duban_sanitize(it->code, false), *county = duban_sanitize(it->county, false);
	printf("%s  %s  %s  %s  %4d  %s\n", code, cut, county, due, st.days, step);
	free(step);
	free(title);
	free(cut);
	free(code);
	free(county);
	return 0;
}

static int list_feedback(struct cli_ctx *ctx, struct ov_opts *o, const struct duban_ladder *l)
{
	struct duban_filter f = o->cf.f;
	struct fb_list fl = { ctx->st, l, duban_today(), o->format, 0, NULL };
	static const char *const heads[] = { "code", "title", "county", "feedback_due", "days_late", "step",
					     "step_due", "step_since", "step_taken_on", "id" };
	f.feedback_overdue = true;
	if (o->format == OV_JSON)
		fl.json = cJSON_CreateArray();
	if (o->format == OV_CSV) {
		for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
			duban_csv_write_cell(stdout, heads[i], i == 0);
		duban_csv_end_record(stdout);
	}
	enum duban_err err = duban_query_each(ctx->st, &f, DUBAN_SORT_CODE, feedback_row, &fl);
	if (err != DUBAN_OK) {
		cJSON_Delete(fl.json);
		return cli_store_error(ctx, err, _("cannot read the ledger"));
	}
	if (fl.json) {
		char *text = duban_json_print(fl.json, true);
		puts(text ? text : "[]");
		free(text);
		cJSON_Delete(fl.json);
	} else if (o->format == OV_TABLE) {
		printf(ngettext("%d complaint with its feedback overdue\n", "%d complaints with their feedback overdue\n",
				(unsigned long)fl.n), fl.n);
	}
	return CLI_OK;
}

/* ---------------------------------------------------------------- --dispatch */

/* One member on the step 调度未报送, as a table line, CSV record or JSON
 * object. */
static void dispatch_row(const struct duban_dispatch_overdue *v, enum ov_format format, cJSON *json)
{
	const struct duban_dispatch_member *m = &v->member;
	const struct duban_dispatch_step *s = &v->step;
	char due[11], since[11], taken[11], days[16];
	const char *state = duban_dispatch_state_id(s->state), *kind = duban_action_kind_id(s->kind);

	duban_date_format(v->round.due, due);
	duban_date_format(s->since, since);
	duban_date_format(s->taken_on, taken);
	snprintf(days, sizeof days, "%d", s->days);
	if (format == OV_JSON) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "round", v->round.name);
		cJSON_AddStringToObject(o, "code", m->code);
		cJSON_AddStringToObject(o, "title", m->title);
		cJSON_AddStringToObject(o, "county", m->county);
		cJSON_AddStringToObject(o, "lead_unit", m->lead_unit);
		cJSON_AddStringToObject(o, "due", due);
		cJSON_AddStringToObject(o, "state", state);
		cJSON_AddNumberToObject(o, "days", s->days);
		cJSON_AddStringToObject(o, "step", kind);
		cJSON_AddBoolToObject(o, "step_due", s->due);
		if (*since)
			cJSON_AddStringToObject(o, "step_since", since);
		if (*taken)
			cJSON_AddStringToObject(o, "step_taken_on", taken);
		cJSON_AddStringToObject(o, "id", m->item_id);
		cJSON_AddItemToArray(json, o);
		return;
	}
	if (format == OV_CSV) {
		const char *c[] = { v->round.name, m->code, m->title, m->county, m->lead_unit, due, state, days, kind,
				    s->due ? "true" : "false", since, taken, m->item_id };
		for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
			duban_csv_write_cell(stdout, c[i], i == 0);
		duban_csv_end_record(stdout);
		return;
	}
	char *step = s->state == DUBAN_DISPATCH_LATE ? xasprintf(ngettext("submitted %d day late", "submitted %d days late", (unsigned long)s->days), s->days)
		     : s->due ? xasprintf(_("%s due since %s"), duban_action_kind_name(s->kind), since)
			      : xasprintf(_("%s sent %s"), duban_action_kind_name(s->kind), taken);
	char *title = duban_sanitize(m->title, false), *cut = duban_pad(title, 24, false);
	char *code = duban_sanitize(m->code, false), *county = duban_sanitize(m->county, false);
	char *round = duban_sanitize(v->round.name, false);
	printf("%s  %s  %s  %s  %s  %-8s %4d  %s\n", round, code, cut, county, due,
	       duban_dispatch_state_name(s->state), s->days, step);
	free(step);
	free(title);
	free(cut);
	free(code);
	free(county);
	free(round);
}

static int list_dispatch(struct cli_ctx *ctx, struct ov_opts *o, const struct duban_ladder *l)
{
	static const char *const heads[] = { "round", "code", "title", "county", "lead_unit", "due", "state", "days",
					     "step", "step_due", "step_since", "step_taken_on", "id" };
	struct duban_dispatch_overdue *v;
	size_t n;
	cJSON *json = o->format == OV_JSON ? cJSON_CreateArray() : NULL;
	enum duban_err err = duban_dispatch_overdue_list(ctx->st, o->dispatch_round, l, duban_today(), &v, &n);

	if (err != DUBAN_OK) {
		cJSON_Delete(json);
		return cli_store_error(ctx, err, o->dispatch_round ? o->dispatch_round : _("dispatch rounds"));
	}
	if (o->format == OV_CSV) {
		for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
			duban_csv_write_cell(stdout, heads[i], i == 0);
		duban_csv_end_record(stdout);
	}
	for (size_t i = 0; i < n; i++)
		dispatch_row(&v[i], o->format, json);
	if (json) {
		char *text = duban_json_print(json, true);
		puts(text ? text : "[]");
		free(text);
		cJSON_Delete(json);
	} else if (o->format == OV_TABLE) {
		printf(ngettext("%d item on the step %s\n", "%d items on the step %s\n", (unsigned long)n), (int)n,
		       duban_dispatch_step_name());
	}
	duban_dispatch_overdue_free(v, n);
	return CLI_OK;
}

/* Options that only make sense together; a message and CLI_USAGE when not. */
static int check_opts(const struct ov_opts *o)
{
	if (o->issue && o->issue_all) {
		cli_error(_("--issue and --issue-all exclude each other"));
		return CLI_USAGE;
	}
	bool issuing = o->issue || o->issue_all;
	if (!issuing && (o->step >= 0 || o->date != DUBAN_DATE_NONE || o->letter || o->letters || o->dry_run ||
			 o->force || o->html)) {
		cli_error(_("--step, --date, --letter, --letters, --html, --force and --dry-run go with --issue "
			    "or --issue-all"));
		return CLI_USAGE;
	}
	if (o->issue_all && (o->step >= 0 || o->letter || o->force)) {
		cli_error(_("--issue-all issues each item's next due step: --step, --letter and --force go "
			    "with --issue (use --letters DIR)"));
		return CLI_USAGE;
	}
	if (o->issue && (o->letters || o->html)) {
		cli_error(_("--letters and --html go with --issue-all (use --letter FILE)"));
		return CLI_USAGE;
	}
	if (o->html && !o->letters) {
		cli_error(_("--html needs --letters DIR"));
		return CLI_USAGE;
	}
	return CLI_OK;
}

int cmd_overdue(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "due", no_argument, NULL, OPT_DUE },
		{ "issue", required_argument, NULL, OPT_ISSUE },
		{ "issue-all", no_argument, NULL, OPT_ISSUE_ALL },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "letter", required_argument, NULL, OPT_LETTER },
		{ "letters", required_argument, NULL, OPT_LETTERS },
		{ "html", no_argument, NULL, OPT_HTML },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ladder", required_argument, NULL, OPT_LADDER },
		{ "reply-days", required_argument, NULL, OPT_REPLY_DAYS },
		{ "feedback", no_argument, NULL, OPT_FEEDBACK },
		{ "dispatch", optional_argument, NULL, OPT_DISPATCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ov_opts o = { .step = -1, .date = DUBAN_DATE_NONE, .format = OV_TABLE, .reply_days = -1 };
	cli_filter_init(&o.cf);
	int c, rc;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			overdue_help();
			return CLI_OK;
		}
		if (c == '?' || c == ':')
			return cli_bad_option(ctx, c, argv);
		int handled = cli_filter_option(&o.cf, c, optarg);
		if (handled < 0)
			return -handled;
		if (!handled && (rc = parse_opt(&o, c, optarg)) != CLI_OK)
			return rc;
	}
	if (optind < argc) {
		cli_error(_("overdue: unexpected argument '%s' (use --issue CODE to issue a step)"), argv[optind]);
		return CLI_USAGE;
	}
	if ((rc = check_opts(&o)) != CLI_OK)
		return rc;
	cli_filter_done(&o.cf);
	struct duban_ladder l;
	if (!load_ladder(ctx, &o, &l))
		return CLI_USAGE;
	if (!cli_store(ctx, &rc))
		return rc;
	if (o.feedback && (o.issue || o.issue_all)) {
		cli_error(_("--feedback lists; record the reminder with `duban action CODE --kind reminder`"));
		return CLI_USAGE;
	}
	if (o.dispatch && (o.issue || o.issue_all || o.feedback)) {
		cli_error(_("--dispatch lists; record the reminder with `duban action CODE --kind reminder`"));
		return CLI_USAGE;
	}
	if (o.dispatch)
		return list_dispatch(ctx, &o, &l);
	if (o.feedback)
		return list_feedback(ctx, &o, &l);
	if (o.issue)
		return issue_one(ctx, &o, &l);
	if (o.issue_all)
		return issue_all(ctx, &o, &l);
	return list_overdue(ctx, &o, &l);
}
