/* The `duban` command line: shared context, exit codes, error reporting,
 * the filter options that `list` and `export` share, and table helpers. */
#ifndef DUBAN_CLI_H
#define DUBAN_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>

#include "duban/model.h"
#include "duban/store.h"
#include "duban/util.h"

#ifndef ENABLE_NLS
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif

/* Exit codes, documented in duban(1) EXIT STATUS. */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
	CLI_NOT_FOUND = 3,
	CLI_REFUSED = 4,
	CLI_DB = 5,
	CLI_IMPORT = 6,
	CLI_OFFLINE = 7,   /* the server cannot be reached (or not safely) */
	CLI_AUTH = 8,      /* not logged in, wrong password, token expired */
	CLI_CONFLICTS = 9, /* sync done, but conflicts or refused changes wait */
	CLI_TLS = 10,      /* the server's certificate cannot be verified: not "offline",
			    * which cron wrappers take as benign; trying again will not help */
	CLI_INTERRUPTED = 130 /* Ctrl-C: stopped, nothing half-written (128 + SIGINT, as shells do) */
};

/* What every subcommand gets: where the ledger is and, once opened, the store. */
struct cli_ctx {
	char *db_path;     /* owned */
	duban_store *st;   /* opened by cli_store, closed by main */
	const char *cmd;   /* the subcommand's name, for messages */
	bool fresh;        /* --fresh: the interface without the last run's state */
	bool quiet;        /* -q: no progress line */
	struct duban_settings *settings; /* the config, loaded once (cli_settings) */
};

struct duban_settings;
/* The config file, read on first use and kept for the command (role,
 * policies, sort: one read per command). */
const struct duban_settings *cli_settings(struct cli_ctx *ctx);

struct duban_progress;
/* For a command that can run for more than a second: catches Ctrl-C (the
 * work polls it and stops cleanly) and returns its progress line on stderr,
 * or NULL when stderr is not a terminal, with -q, or when the command's
 * output goes to stdout and that is a terminal (the line would cut into
 * it).  End it with cli_progress_end, which also gives Ctrl-C back. */
struct duban_progress *cli_progress(struct cli_ctx *ctx, const char *what, long long total, bool to_stdout);
void cli_progress_end(struct duban_progress *p);
/* After Ctrl-C stopped the work: says so (nothing was written) and returns
 * CLI_INTERRUPTED. */
int cli_interrupted(void);

typedef int (*cli_cmd_fn)(struct cli_ctx *ctx, int argc, char **argv);

/* Opens the ledger once, with the actor from $USER and the role from
 * $DUBAN_ROLE.  On failure prints the error and returns NULL; the caller
 * returns *exit_code. */
duban_store *cli_store(struct cli_ctx *ctx, int *exit_code);

/* "duban: <message>" on stderr; the message is already translated.  The
 * whole message is sanitised, so values from the command line or the ledger
 * can be passed as they are. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An unknown option or a missing argument: reports it, returns CLI_USAGE. */
int cli_bad_option(struct cli_ctx *ctx, int c, char **argv);
/* Options of a command that takes none but --help: prints usage for --help
 * and returns -1 (the command then exits 0), reports anything else and
 * returns CLI_USAGE, or returns CLI_OK with optind at the first argument. */
int cli_help_only(struct cli_ctx *ctx, int argc, char **argv, const char *usage);
int cli_exit_of(enum duban_err err);
/* Reports a store error about what, returns the exit code for it. */
int cli_store_error(struct cli_ctx *ctx, enum duban_err err, const char *what);
/* Fetches an item by code or id; prints "no item with code 'X'" on failure. */
int cli_get_item(struct cli_ctx *ctx, const char *code_or_id, struct duban_item *item);

/* ---- Filters shared by list and export (cmd_list.c) ---- */
enum cli_filter_opt {
	CLI_OPT_COUNTY = 0x100,
	CLI_OPT_TOWNSHIP,
	CLI_OPT_STATUS,
	CLI_OPT_LIGHT,
	CLI_OPT_CATEGORY,
	CLI_OPT_UNIT,
	CLI_OPT_KIND,
	CLI_OPT_ROUND,
	CLI_OPT_OVERDUE,
	CLI_OPT_DUE_BEFORE,
	CLI_OPT_DUE_AFTER,
	CLI_OPT_SEARCH,
	CLI_OPT_FEEDBACK_OVERDUE,
	CLI_OPT_LINKED,
	CLI_OPT_SAME_SITE,
	CLI_OPT_SITE_RADIUS,
	CLI_OPT_FILTER_END
};

#define CLI_FILTER_LONGOPTS \
	{ "county", required_argument, NULL, CLI_OPT_COUNTY }, \
	{ "township", required_argument, NULL, CLI_OPT_TOWNSHIP }, \
	{ "status", required_argument, NULL, CLI_OPT_STATUS }, \
	{ "light", required_argument, NULL, CLI_OPT_LIGHT }, \
	{ "category", required_argument, NULL, CLI_OPT_CATEGORY }, \
	{ "unit", required_argument, NULL, CLI_OPT_UNIT }, \
	{ "kind", required_argument, NULL, CLI_OPT_KIND }, \
	{ "round", required_argument, NULL, CLI_OPT_ROUND }, \
	{ "overdue", no_argument, NULL, CLI_OPT_OVERDUE }, \
	{ "due-before", required_argument, NULL, CLI_OPT_DUE_BEFORE }, \
	{ "due-after", required_argument, NULL, CLI_OPT_DUE_AFTER }, \
	{ "search", required_argument, NULL, CLI_OPT_SEARCH }, \
	{ "feedback-overdue", no_argument, NULL, CLI_OPT_FEEDBACK_OVERDUE }, \
	{ "linked", no_argument, NULL, CLI_OPT_LINKED }, \
	{ "same-site", required_argument, NULL, CLI_OPT_SAME_SITE }, \
	{ "site-radius", required_argument, NULL, CLI_OPT_SITE_RADIUS }

/* A filter being built from options; the strings point into argv. */
struct cli_filter {
	struct duban_filter f;
	unsigned status_in, status_out; /* named and negated statuses */
	unsigned light_in, light_out;
	bool none; /* the masks exclude everything: nothing can match */
};
void cli_filter_init(struct cli_filter *cf);
/* Handles one filter option.  Returns 1 when handled, 0 when c is not a
 * filter option, or -(exit code) after reporting a bad value. */
int cli_filter_option(struct cli_filter *cf, int c, const char *arg);
/* Resolves the status and light masks; call once after the options. */
const struct duban_filter *cli_filter_done(struct cli_filter *cf);
void cli_filter_help(FILE *out);

/* ---- Subcommands ---- */
int cmd_list(struct cli_ctx *ctx, int argc, char **argv);
int cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cmd_add(struct cli_ctx *ctx, int argc, char **argv);
int cmd_edit(struct cli_ctx *ctx, int argc, char **argv);
int cmd_note(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_inspect(struct cli_ctx *ctx, int argc, char **argv);
int cmd_action(struct cli_ctx *ctx, int argc, char **argv);
int cmd_import(struct cli_ctx *ctx, int argc, char **argv);
int cmd_export(struct cli_ctx *ctx, int argc, char **argv);
int cmd_backup(struct cli_ctx *ctx, int argc, char **argv);
int cmd_demo(struct cli_ctx *ctx, int argc, char **argv);
int cmd_report(struct cli_ctx *ctx, int argc, char **argv);
int cmd_dossier(struct cli_ctx *ctx, int argc, char **argv);
int cmd_link(struct cli_ctx *ctx, int argc, char **argv);
int cmd_unlink(struct cli_ctx *ctx, int argc, char **argv);
int cmd_reopen(struct cli_ctx *ctx, int argc, char **argv);
int cmd_dispatch(struct cli_ctx *ctx, int argc, char **argv);
int cmd_accept(struct cli_ctx *ctx, int argc, char **argv);
int cmd_evidence(struct cli_ctx *ctx, int argc, char **argv);
/* The kinds of evidence item lacks for a request under the office's policy
 * (a mask); CLI_OK or the exit code after reporting a store error. */
/* An inspection at *level (id or name) signs that level of item's chain:
 * refused (message said, exit code returned) unless it is the next level
 * and the role may sign it; *level becomes the level's id. */
int cli_signoff_check(struct cli_ctx *ctx, const struct duban_item *item, char **level);
int cli_evidence_missing(struct cli_ctx *ctx, const struct duban_item *item, unsigned *missing);
int cmd_overdue(struct cli_ctx *ctx, int argc, char **argv);
int cmd_objection(struct cli_ctx *ctx, int argc, char **argv);
/* The days of a public notice: the config's notice-days, else 7. */
int cli_notice_days_default(void);
/* --days N read, 0 (reported) when it is not 1..3650. */
int cli_notice_days_arg(const char *arg);
/* The item's public notice and objections, for duban show (nothing when
 * it has none). */
void cli_notice_print(struct cli_ctx *ctx, const struct duban_item *item);
int cmd_login(struct cli_ctx *ctx, int argc, char **argv);
int cmd_logout(struct cli_ctx *ctx, int argc, char **argv);
int cmd_whoami(struct cli_ctx *ctx, int argc, char **argv);
int cmd_sync(struct cli_ctx *ctx, int argc, char **argv);
int cmd_conflicts(struct cli_ctx *ctx, int argc, char **argv);
int cmd_resolve(struct cli_ctx *ctx, int argc, char **argv);
int cmd_outbox(struct cli_ctx *ctx, int argc, char **argv);
int cmd_attach(struct cli_ctx *ctx, int argc, char **argv);
int cmd_fetch_attachment(struct cli_ctx *ctx, int argc, char **argv);

/* The exit code for a failed request to the server (cmd_account.c); kind is
 * an enum duban_remote_kind (duban/sync.h). */
int cli_exit_of_remote(int kind);
/* Loads the account file at path, warning when its mode had to be
 * tightened.  1 loaded, 0 none, -1 error already reported. */
struct duban_account;
int cli_account_load(const char *path, struct duban_account *a);

/* Fills an empty ledger with a demo (used by `demo` and `--demo`). */
int cli_demo_fill(struct cli_ctx *ctx, long items, unsigned long seed);

/* ---- Text for the terminal (table.c) ---- */
/* $COLUMNS, else the terminal's width when stdout is one, else 120. */
int cli_term_width(void);
/* Sanitised copy of a data string, padded or cut to exactly cols columns. */
char *cli_cell(const char *s, int cols, bool right);
/* Writes s sanitised (newlines kept when keep_newlines). */
void cli_put(FILE *out, const char *s, bool keep_newlines);
/* YYYY-MM-DD, or the translated name of 立行立改 / 长期坚持 when no date. */
const char *cli_deadline_text(duban_date deadline, enum duban_deadline_kind dk, char buf[11]);
/* "overdue N days" / "N days left" / "due today", or "" (closed, no date). */
char *cli_due_text(duban_date deadline, enum duban_status status, duban_date today);
/* "a, b": the statuses ROLE may move to from FROM (translated). */
char *cli_status_choices(enum duban_status from, enum duban_role role);
/* Prints label then value wrapped to width, continuation lines indented by
 * label_cols. */
void cli_print_wrapped(FILE *out, const char *label, int label_cols, const char *value, int width);

/* A table column: width is the content's (up to max); the flexible column
 * takes what is left of the total, columns with drop_rank > 0 are dropped,
 * highest rank first, when the flexible one would fall below its min. */
struct cli_column {
	const char *header;
	int width, min, max;
	bool right;
	int drop_rank;
	bool shown;
};
void cli_column_fit(struct cli_column *col, const char *s);
void cli_table_layout(struct cli_column *cols, int n, int flex, int total);
void cli_table_row(FILE *out, const struct cli_column *cols, int n, const char *const cells[]);

#endif
