/* duban: global options, the table of subcommands, and the ledger they share. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <curses.h>
#include <expat.h>
#include <sqlite3.h>
#include <xlsxwriter.h>
#include <zip.h>
#include <zlib.h>

#include "build-id.h"
#include "duban/model.h"
#include "duban/policy.h"
#include "duban/progress.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/sync.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/tui.h"
#include "cli.h"

struct cli_command {
	const char *name;
	cli_cmd_fn fn;
	const char *summary; /* msgid */
};

/* One line per subcommand: dispatch and `duban --help` both read it. */
static const struct cli_command commands[] = {
	{ "list", cmd_list, N_("list items, filtered and sorted") },
	{ "show", cmd_show, N_("show every field of an item and its history") },
	{ "add", cmd_add, N_("add an item") },
	{ "edit", cmd_edit, N_("change fields of an item") },
	{ "note", cmd_note, N_("add a progress note to an item") },
	{ "status", cmd_status, N_("move an item through the status workflow") },
	{ "inspect", cmd_inspect, N_("record an on-site inspection") },
	{ "action", cmd_action, N_("record a supervision action (reminder ... accountability)") },
	{ "import", cmd_import, N_("import a ledger from a CSV, Excel (.xlsx) or JSON file") },
	{ "export", cmd_export, N_("export the ledger as CSV, Excel (.xlsx) or JSON; the public list") },
	{ "report", cmd_report, N_("write the progress bulletin of a week, month or quarter") },
	{ "accept", cmd_accept, N_("sign one level of an item's acceptance (验收): pass or fail, with the opinion") },
	{ "evidence", cmd_evidence, N_("list the evidence a request for acceptance needs, and what is missing") },
	{ "dossier", cmd_dossier, N_("write an item's case dossier (一案一档): page or .zip with its files") },
	{ "objection", cmd_objection, N_("record and settle objections (异议) to an item's public notice (公示)") },
	{ "link", cmd_link, N_("link two items about the same site (举一反三), or mark a repeat complaint") },
	{ "unlink", cmd_unlink, N_("undo a link between two items") },
	{ "reopen", cmd_reopen, N_("return a closed item to in progress as a rebound (反弹); office only") },
	{ "dispatch", cmd_dispatch, N_("调度 rounds: open, submit per item, status per county or unit, close") },
	{ "overdue", cmd_overdue, N_("list overdue items on the supervision ladder; issue its steps and letters") },
	{ "demo", cmd_demo, N_("fill the ledger with a realistic demo") },
	{ "backup", cmd_backup, N_("write a consistent copy of the ledger, also while it is open") },
	{ "login", cmd_login, N_("log in to a duband server and keep the token") },
	{ "logout", cmd_logout, N_("revoke the token and forget it") },
	{ "whoami", cmd_whoami, N_("show the account on the server") },
	{ "sync", cmd_sync, N_("send local changes to the server and download its changes") },
	{ "conflicts", cmd_conflicts, N_("list sync conflicts and changes the server refused") },
	{ "resolve", cmd_resolve, N_("settle a sync conflict: mine, theirs or a new value") },
	{ "outbox", cmd_outbox, N_("list, retry or drop changes waiting to be sent") },
	{ "attach", cmd_attach, N_("attach a file (photo, letter) to an item") },
	{ "fetch-attachment", cmd_fetch_attachment, N_("get an attachment's file from the server") },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Without a subcommand: the full-screen interface on a terminal, the list
 * when output goes to a pipe or file (scripts, cron). */
static int default_view(struct cli_ctx *ctx)
{
	struct duban_tui_options opt = { 0 };
	const char *slash;
	int rc = CLI_OK;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		/* In the interface's order: most urgent first, or `set sort`. */
		char *sort = xstrdup(cli_settings(ctx)->default_sort);
		char *argv[] = { (char *)"list", (char *)"--sort", sort, NULL };
		ctx->cmd = "list";
		optind = 0;
		rc = cmd_list(ctx, 3, argv);
		free(sort);
		return rc;
	}
	ctx->cmd = "tui";
	if (!cli_store(ctx, &rc))
		return rc;
	slash = strrchr(ctx->db_path, '/');
	opt.ledger_name = slash ? slash + 1 : ctx->db_path;
	/* The background sync opens its own connection to this very file. */
	opt.db_path = ctx->db_path;
	opt.fresh = ctx->fresh;
	return duban_tui_run(ctx->st, &opt);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	char *clean = duban_sanitize(text, true);
	fprintf(stderr, "duban: %s\n", clean);
	free(clean);
	free(text);
}

int cli_help_only(struct cli_ctx *ctx, int argc, char **argv, const char *usage)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c = getopt_long(argc, argv, ":h", opts, NULL);
	if (c == -1)
		return CLI_OK;
	if (c == 'h') {
		fputs(usage, stdout);
		return -1;
	}
	return cli_bad_option(ctx, c, argv);
}

int cli_bad_option(struct cli_ctx *ctx, int c, char **argv)
{
	const char *typed = optind > 0 ? argv[optind - 1] : "";
	char name[64];
	/* Name the option as typed: a long one without its "=value", a short one
	 * by its letter (it may sit inside a cluster such as "-xq"). */
	if (strncmp(typed, "--", 2) == 0)
		snprintf(name, sizeof name, "%.*s", (int)strcspn(typed, "="), typed);
	else if (optopt > 0 && optopt < 0x80)
		snprintf(name, sizeof name, "-%c", optopt);
	else
		snprintf(name, sizeof name, "%s", typed);
	const char *cmd = ctx && ctx->cmd ? ctx->cmd : NULL;
	if (c == ':')
		cli_error(_("option '%s' needs a value (see `duban %s%s--help`)"), name,
			  cmd ? cmd : "", cmd ? " " : "");
	else
		cli_error(_("unknown option '%s' (see `duban %s%s--help`)"), name,
			  cmd ? cmd : "", cmd ? " " : "");
	return CLI_USAGE;
}

int cli_exit_of(enum duban_err err)
{
	switch (err) {
	case DUBAN_OK:
		return CLI_OK;
	case DUBAN_ERR_NOT_FOUND:
		return CLI_NOT_FOUND;
	case DUBAN_ERR_INVALID:
	case DUBAN_ERR_TRANSITION:
	case DUBAN_ERR_PERMISSION:
	case DUBAN_ERR_REASON:
	case DUBAN_ERR_DUPLICATE:
		return CLI_REFUSED;
	case DUBAN_ERR_DB:
	case DUBAN_ERR_IO:
	case DUBAN_ERR_PARSE:
		return CLI_DB;
	case DUBAN_ERR_INTERRUPTED:
		return CLI_INTERRUPTED;
	default:
		return CLI_FAIL;
	}
}

struct duban_progress *cli_progress(struct cli_ctx *ctx, const char *what, long long total, bool to_stdout)
{
	duban_interrupt_catch();
	return duban_progress_new(what, total, stderr, ctx->quiet || (to_stdout && isatty(STDOUT_FILENO)));
}

void cli_progress_end(struct duban_progress *p)
{
	duban_progress_end(p);
	duban_interrupt_release();
}

int cli_interrupted(void)
{
	cli_error(_("interrupted: nothing was written"));
	return CLI_INTERRUPTED;
}

int cli_store_error(struct cli_ctx *ctx, enum duban_err err, const char *what)
{
	if (err == DUBAN_ERR_INTERRUPTED)
		return cli_interrupted();
	const char *why = ctx->st ? duban_store_errmsg(ctx->st) : NULL;
	if (!why || !*why)
		why = duban_err_message(err);
	cli_error("%s: %s", what, why);
	return cli_exit_of(err);
}

int cli_get_item(struct cli_ctx *ctx, const char *code_or_id, struct duban_item *item)
{
	enum duban_err err = duban_item_get(ctx->st, code_or_id, item);
	if (err == DUBAN_ERR_NOT_FOUND) {
		cli_error(_("no item with code '%s' (try `duban list --search %s`)"), code_or_id, code_or_id);
		return CLI_NOT_FOUND;
	}
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, code_or_id);
	return CLI_OK;
}

const struct duban_settings *cli_settings(struct cli_ctx *ctx)
{
	if (!ctx->settings) {
		ctx->settings = xcalloc(1, sizeof *ctx->settings);
		duban_settings_load(ctx->settings, NULL);
	}
	return ctx->settings;
}

/* The role of changes made while not logged in: DUBAN_ROLE, else the
 * config's `set role`, else office (a ledger of one's own).  -1 on a bad
 * value, with the message printed. */
static int local_role(struct cli_ctx *ctx)
{
	const char *r = getenv("DUBAN_ROLE");
	int role;

	if (r && *r) {
		if ((role = duban_role_parse(r)) < 0)
			cli_error(_("DUBAN_ROLE: unknown role '%s' (office, inspector or viewer)"), r);
		return role;
	}
	/* A bad `set role` line is reported as FILE:LINE and leaves office. */
	role = duban_role_parse(cli_settings(ctx)->role);
	return role < 0 ? DUBAN_ROLE_OFFICE : role;
}

duban_store *cli_store(struct cli_ctx *ctx, int *exit_code)
{
	if (ctx->st)
		return ctx->st;
	int role = local_role(ctx);
	if (role < 0) {
		*exit_code = CLI_USAGE;
		return NULL;
	}
	char err[512] = "";
	ctx->st = duban_store_open(ctx->db_path, err, sizeof err);
	if (!ctx->st) {
		cli_error("%s", err);	/* the store's message names the ledger */
		*exit_code = CLI_DB;
		return NULL;
	}
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	duban_store_set_actor(ctx->st, NULL, host, role);
	/* Logged in, changes are made as the account, with its role and
	 * counties; otherwise as the local user, marked as local. */
	char *path = duban_account_path();
	struct duban_account a;
	if (duban_account_load(path, &a, err, sizeof err) < 0)
		memset(&a, 0, sizeof a);
	duban_account_act(ctx->st, &a, (enum duban_role)role);
	duban_account_free(&a);
	free(path);
	/* The close-out policy: the server's copy on a ledger that syncs,
	 * else the config (duban_policy_resolve). */
	duban_policy_load(ctx->st, cli_settings(ctx));
	/* The feedback clock counts on every listing: a bad line is said at
	 * once (the close-out policy's where it is used, duban accept). */
	const struct duban_settings *s = cli_settings(ctx);
	for (int i = 0; i < s->nerrors; i++)
		if (strstr(s->errors[i], "feedback-days"))
			cli_error(_("%s (the default applies)"), s->errors[i]);
	return ctx->st;
}

static void usage(FILE *out)
{
	fprintf(out, _("Usage: duban [--db PATH] [--demo] COMMAND [OPTIONS]\n"
		       "Follow up rectification tasks of an environmental inspection, offline.\n\n"));
	fputs(_("Commands:\n"), out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, _(commands[i].summary));
	fputs(_("\nGlobal options:\n"
		"      --db PATH   the ledger file (default: $DUBAN_DB, else\n"
		"                  $XDG_DATA_HOME/duban/ledger.db)\n"
		"      --demo      open the demo ledger (made on first use)\n"
		"      --fresh     the full-screen interface as on a first start, not\n"
		"                  the views, filter and item of the last run\n"
		"  -q, --quiet     no progress line for long work (import, export, report,\n"
		"                  demo)\n"
		"  -h, --help      show this help\n"
		"      --version   show the version\n\n"
		"`duban COMMAND --help` describes a command; man duban has the details.\n"), out);
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static char *demo_db_path(void)
{
	char *path = duban_default_db_path();
	char *slash = strrchr(path, '/');
	if (slash)
		slash[1] = '\0';
	char *demo = xasprintf("%sdemo.db", slash ? path : "");
	free(path);
	return demo;
}

/* Makes the demo ledger on first use: 300 items, seed 1. */
static int open_demo(struct cli_ctx *ctx)
{
	free(ctx->db_path);
	ctx->db_path = demo_db_path();
	if (access(ctx->db_path, F_OK) == 0)
		return CLI_OK;
	return cli_demo_fill(ctx, 300, 1);
}

static char *initial_db_path(const char *opt)
{
	if (opt && *opt)
		return xstrdup(opt);
	const char *env = getenv("DUBAN_DB");
	if (env && *env)
		return xstrdup(env);
	return duban_default_db_path();
}

static int run(struct cli_ctx *ctx, int argc, char **argv, bool demo)
{
	if (demo) {
		int rc = open_demo(ctx);
		if (rc != CLI_OK)
			return rc;
	}
	if (argc == 0)
		return default_view(ctx);
	const char *name = argv[0];
	if (strcmp(name, "help") == 0) {
		if (argc < 2) {
			usage(stdout);
			return CLI_OK;
		}
		name = argv[1];
		argv[1] = (char *)"--help";
	}
	const struct cli_command *cmd = find_command(name);
	if (!cmd) {
		cli_error(_("unknown command '%s' (see `duban --help`)"), name);
		return CLI_USAGE;
	}
	ctx->cmd = cmd->name;
	optind = 0; /* GNU getopt: start afresh on the subcommand's arguments */
	return cmd->fn(ctx, argc, argv);
}

/* For bug reports: the exact source (build id), the libraries this binary
 * runs with (not merely those it was compiled against), the build options. */
static void print_version(void)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	XML_Expat_Version ev = XML_ExpatVersionInfo();
	char expat[48];
	snprintf(expat, sizeof expat, "expat %d.%d.%d", ev.major, ev.minor, ev.micro);
	printf("duban %s (%s)\n", PACKAGE_VERSION, DUBAN_BUILD_ID);
	printf("libraries: SQLite %s, %s, libcurl %s%s%s%s, libxlsxwriter %s, cJSON %s, "
	       "libzip %s, %s, zlib %s\n",
	       sqlite3_libversion(), curses_version(), curl->version,
	       curl->ssl_version ? " (" : "", curl->ssl_version ? curl->ssl_version : "",
	       curl->ssl_version ? ")" : "", lxw_version(), cJSON_Version(),
	       zip_libzip_version(), expat, zlibVersion());
	printf("build: %s, compiler %s\n", DUBAN_BUILD_OPTIONS, DUBAN_COMPILER);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "demo", no_argument, NULL, 'D' },
		{ "fresh", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	duban_i18n_init();
	opterr = 0;
	struct cli_ctx ctx = { 0 };
	const char *db = NULL;
	bool demo = false;
	int c;
	/* "+": global options stop at the subcommand. */
	while ((c = getopt_long(argc, argv, "+:hq", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'D':
			demo = true;
			break;
		case 'F':
			ctx.fresh = true;
			break;
		case 'q':
			ctx.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'V':
			print_version();
			return CLI_OK;
		default:
			return cli_bad_option(NULL, c, argv);
		}
	}
	ctx.db_path = initial_db_path(db);
	int rc = run(&ctx, argc - optind, argv + optind, demo);
	if (ctx.st)
		duban_store_close(ctx.st);
	free(ctx.db_path);
	if (ctx.settings) {
		duban_settings_free(ctx.settings);
		free(ctx.settings);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(_("cannot write the output: %s"), strerror(errno));
		return rc ? rc : CLI_FAIL;
	}
	return rc;
}
