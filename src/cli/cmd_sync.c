/* `duban sync`, `conflicts`, `resolve`, `outbox`, `attach` and
 * `fetch-attachment`: the client's side of working with a duband server.
 * Safe from cron: no terminal needed, -q silent on success, one sync at a
 * time per ledger (a lock file next to it). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/progress.h"
#include "duban/sync.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

/* ---------------------------------------------------------------- helpers */

/* Loads the account; 1 loaded, 0 none, -1 reported error. */
static int account_load(struct duban_account *a)
{
	char *path = duban_account_path();
	int rc = cli_account_load(path, a);
	free(path);
	return rc;
}

/* The account with a token, or CLI_AUTH after saying how to log in. */
static int account_for_server(struct duban_account *a)
{
	int loaded = account_load(a);
	if (loaded < 0)
		return CLI_DB;
	if (loaded == 0 || !a->url || !a->token || !a->user) {
		if (a->url && a->user)
			cli_error(_("not logged in: run duban login %s %s"), a->url, a->user);
		else
			cli_error(_("not logged in: run duban login URL USER"));
		duban_account_free(a);
		return CLI_AUTH;
	}
	return CLI_OK;
}

static void put_clean(FILE *out, const char *s)
{
	char *c = duban_sanitize(s ? s : "", false);
	fputs(c, out);
	free(c);
}

static const char *kb_text(long long bytes, char buf[32])
{
	if (bytes < 10 * 1024)
		snprintf(buf, 32, "%.1f KB", (double)bytes / 1024.0);
	else if (bytes < 10LL * 1024 * 1024)
		snprintf(buf, 32, "%lld KB", bytes / 1024);
	else
		snprintf(buf, 32, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

/* "pushed 12 (applied 10, conflicts 1, rejected 1) · pulled 340 changes in
 * 1 page": what a sync did. */
static void summary_text(struct duban_buf *b, const struct duban_sync_report *r, bool pushing, bool pulling)
{
	if (r->blobs_uploaded > 0) {
		duban_buf_printf(b, ngettext("uploaded %lld file", "uploaded %lld files", (unsigned long)r->blobs_uploaded),
				 r->blobs_uploaded);
		duban_buf_puts(b, " · ");
	}
	if (pushing) {
		duban_buf_printf(b, _("pushed %lld"), r->pushed);
		if (r->pushed > 0) {
			duban_buf_printf(b, _(" (applied %lld"), r->applied);
			if (r->duplicates)
				duban_buf_printf(b, _(", already sent %lld"), r->duplicates);
			if (r->conflicts)
				duban_buf_printf(b, _(", conflicts %lld"), r->conflicts);
			if (r->rejected)
				duban_buf_printf(b, _(", rejected %lld"), r->rejected);
			/* TRANSLATORS: closes " (applied %lld"; full width in Chinese. */
			duban_buf_puts(b, _(")"));
		} else if (r->rejected) {
			duban_buf_printf(b, _(" (rejected %lld)"), r->rejected);
		}
	}
	if (pulling) {
		if (pushing)
			duban_buf_puts(b, " · ");
		duban_buf_printf(b, ngettext("pulled %lld change", "pulled %lld changes", (unsigned long)r->pulled),
				 r->pulled);
		duban_buf_printf(b, ngettext(" in %lld page", " in %lld pages", (unsigned long)r->pages), r->pages);
	}
}

/* ---------------------------------------------------------------- progress */

static const char *phase_text(enum duban_sync_phase p)
{
	switch (p) {
	case DUBAN_SYNC_CONNECTING:
		return _("connecting");
	case DUBAN_SYNC_UPLOADING:
		return _("uploading files");
	case DUBAN_SYNC_PUSHING:
		return _("pushing");
	case DUBAN_SYNC_PULLING:
		return _("pulling");
	case DUBAN_SYNC_DONE:
		return _("done");
	case DUBAN_SYNC_FAILED:
		return _("failed");
	default:
		return "";
	}
}

struct progress_line {
	bool live; /* progress lines on a terminal */
	bool shown;
	struct duban_progress *first; /* the first download's line */
	bool indexing;
	bool fallback_said;
};

/* The first download of an empty ledger (one answer, items counted): the
 * progress line of long work, then the sync's own line again. */
static bool first_progress(const struct duban_sync_report *r, struct progress_line *pl)
{
	if (r->first_total <= 0) {
		duban_progress_end(pl->first);
		pl->first = NULL;
		pl->indexing = false;
		return false;
	}
	if (!pl->first) {
		if (pl->shown)
			fputs("\r\033[K", stderr);
		pl->shown = false;
		pl->first = duban_progress_new(_("first download"), r->first_total, stderr, false);
	}
	duban_progress_update(pl->first, r->first_items);
	if (r->first_indexing && !pl->indexing)
		duban_progress_note(pl->first, _("building the indexes"));
	pl->indexing = r->first_indexing;
	return true;
}

/* Said at once, on a terminal or not: the page-by-page pull that follows
 * can take minutes. */
static void say_fallback(const struct duban_sync_report *r, struct progress_line *pl)
{
	if (!r->first_fallback[0] || pl->fallback_said)
		return;
	pl->fallback_said = true;
	if (pl->shown)
		fputs("\r\033[K", stderr);
	pl->shown = false;
	cli_error(_("the first download in one answer did not work (%s): downloading page by page, which takes longer"),
		  r->first_fallback);
}

static void on_progress(const struct duban_sync_report *r, void *ctx)
{
	struct progress_line *pl = ctx;
	char kb[32];
	say_fallback(r, pl);
	if (!pl->live)
		return;
	if (first_progress(r, pl))
		return;
	if (r->phase == DUBAN_SYNC_DONE || r->phase == DUBAN_SYNC_FAILED) {
		if (pl->shown)
			fputs("\r\033[K", stderr);
		pl->shown = false;
		fflush(stderr);
		return;
	}
	fputc('\r', stderr);
	fprintf(stderr, _("%s: pushed %lld/%lld · pulled %lld changes · %lld pages · %s"), phase_text(r->phase),
		r->pushed, r->to_push, r->pulled, r->pages, kb_text(r->bytes_sent + r->bytes_received, kb));
	fputs("\033[K", stderr);
	fflush(stderr);
	pl->shown = true;
}

/* ---------------------------------------------------------------- sync --status, --log */

static void print_report_line(const struct duban_sync_report *r)
{
	char buf[32], kb1[32], kb2[32];
	struct duban_buf b;
	duban_buf_init(&b);
	printf("%s  ", duban_timestamp_local(r->started_at, false, buf));
	if (r->phase == DUBAN_SYNC_DONE) {
		summary_text(&b, r, true, true);
		if (r->reset)
			duban_buf_printf(&b, " · %s", _("server reset"));
		printf(_("ok: %s · sent %s, received %s\n"), b.data ? b.data : "", kb_text(r->bytes_sent, kb1),
		       kb_text(r->bytes_received, kb2));
	} else {
		fputs(_("failed: "), stdout);
		put_clean(stdout, r->error.message);
		if (r->pushed || r->pulled)
			printf(_(" (pushed %lld, pulled %lld before that)"), r->pushed, r->pulled);
		fputc('\n', stdout);
	}
	duban_buf_free(&b);
}

static int sync_status(struct cli_ctx *ctx)
{
	struct duban_account a;
	int loaded = account_load(&a);
	if (loaded < 0)
		return CLI_DB;
	int rc = CLI_OK;
	if (!cli_store(ctx, &rc)) {
		duban_account_free(&a);
		return rc;
	}
	char *server = duban_sync_get(ctx->st, DUBAN_SYNC_SERVER);
	char *user = duban_sync_get(ctx->st, DUBAN_SYNC_USER);
	char *last = duban_sync_get(ctx->st, DUBAN_SYNC_LAST);
	char *cursor = duban_sync_get(ctx->st, DUBAN_SYNC_CURSOR);
	long long rejected = duban_outbox_rejected_count(ctx->st);
	long long queued = duban_outbox_count(ctx->st) - rejected;
	char buf[32];

	printf(_("server: %s\n"), a.url ? a.url : server ? server : "-");
	fputs(_("user: "), stdout);
	put_clean(stdout, a.user ? a.user : user ? user : "-");
	fputs(_("\ndevice: "), stdout);
	put_clean(stdout, a.device ? a.device : "-");
	printf(_("\nlogged in: %s\n"), a.token ? _("yes") : _("no (run duban login)"));
	printf(_("last sync: %s\n"), last ? duban_timestamp_local(last, false, buf) : _("never"));
	printf(_("queued: %lld\n"), queued < 0 ? 0 : queued);
	printf(_("rejected: %lld\n"), rejected);
	printf(_("conflicts: %lld\n"), duban_conflict_count(ctx->st));
	fputs(_("cursor: "), stdout);
	put_clean(stdout, cursor ? cursor : _("none"));
	fputc('\n', stdout);
	struct duban_sync_report *log = NULL;
	int got = 0;
	if (duban_sync_log_read(ctx->st, 1, &log, &got) == DUBAN_OK && got > 0) {
		fputs(_("last result: "), stdout);
		print_report_line(&log[0]);
	}
	free(log);
	/* Rejected ops name their item and the server's reason here too: a
	 * script reading the status sees why it exits 9. */
	if (rejected > 0) {
		struct duban_op *ops = NULL;
		int n = 0;
		if (duban_outbox_rejected(ctx->st, &ops, &n) == DUBAN_OK) {
			for (int i = 0; i < n; i++) {
				struct duban_item it;
				duban_item_init(&it);
				printf(_("rejected change: %.8s "), ops[i].id);
				if (duban_item_get(ctx->st, ops[i].item_id, &it) == DUBAN_OK) {
					put_clean(stdout, it.code);
				} else {
					printf("%.8s", ops[i].item_id);
				}
				duban_item_free(&it);
				fputs(": ", stdout);
				put_clean(stdout, ops[i].reason);
				fputc('\n', stdout);
			}
			duban_ops_free(ops, n);
		}
	}
	free(server);
	free(user);
	free(last);
	free(cursor);
	duban_account_free(&a);
	return CLI_OK;
}

static int sync_log(struct cli_ctx *ctx, int n)
{
	int rc = CLI_OK;
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_sync_report *log = NULL;
	int got = 0;
	enum duban_err err = duban_sync_log_read(ctx->st, n, &log, &got);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("reading the sync log"));
	if (got == 0)
		printf("%s\n", _("no sync yet"));
	for (int i = 0; i < got; i++)
		print_report_line(&log[i]);
	free(log);
	return CLI_OK;
}

/* ---------------------------------------------------------------- sync */

static void sync_help(void)
{
	fputs(_("Usage: duban sync [-q] [--push-only | --pull-only]\n"
		"       duban sync --status\n"
		"       duban sync --log [N]\n"
		"Send the changes made here to the server of the account (duban login), then\n"
		"download what changed there.  Conflicts and refused changes are kept for you:\n"
		"see duban conflicts.\n\n"
		"Options:\n"
		"  -q, --quiet       print nothing on success (for cron)\n"
		"      --push-only   only send the queued changes\n"
		"      --pull-only   only download\n"
		"      --status      where things stand, without asking the server\n"
		"      --log [N]     the last N syncs (default 10)\n"
		"  -h, --help        show this help\n\n"
		"Exit status: 0 done; 7 the server cannot be reached; 8 log in again;\n"
		"9 done, but conflicts or refused changes wait (duban conflicts);\n"
		"10 the server's certificate cannot be verified; 1 other.\n"), stdout);
}

/* Holds the ledger's sync lock (flock: released by the kernel whatever
 * way the process ends).  The fd, or -1 after reporting. */
static int take_lock(const char *db_path, int *exit_code)
{
	char *path = xasprintf("%s.sync.lock", db_path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_error(_("cannot create the lock file %s: %s"), path, strerror(errno));
		*exit_code = CLI_DB;
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			cli_error(_("a sync is already running on %s (try again when it has finished)"), db_path);
		else
			cli_error(_("cannot lock %s: %s"), path, strerror(errno));
		*exit_code = CLI_FAIL;
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

enum { OPT_PUSH_ONLY = 0x300, OPT_PULL_ONLY, OPT_STATUS, OPT_LOG, OPT_BUILD_INDEX };

/* --build-search-index: what the background process started after a first
 * download does (duban_search_index_build_in_background). */
static int build_search_index(struct cli_ctx *ctx)
{
	int rc = CLI_OK;
	if (!cli_store(ctx, &rc))
		return rc;
	enum duban_err err = duban_search_index_build(ctx->st);
	return err ? cli_store_error(ctx, err, _("building the search index")) : CLI_OK;
}

/* A first download leaves the search index to a process of its own, so
 * that this one ends as soon as the ledger is there. */
static void search_index_later(struct cli_ctx *ctx)
{
	if (duban_search_index_pending(ctx->st) && !duban_search_index_build_in_background(ctx->db_path))
		build_search_index(ctx);
}

int cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "push-only", no_argument, NULL, OPT_PUSH_ONLY },
		{ "pull-only", no_argument, NULL, OPT_PULL_ONLY },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "log", optional_argument, NULL, OPT_LOG },
		{ "build-search-index", no_argument, NULL, OPT_BUILD_INDEX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false, push_only = false, pull_only = false, status = false, log = false;
	const char *log_n = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case OPT_PUSH_ONLY:
			push_only = true;
			break;
		case OPT_PULL_ONLY:
			pull_only = true;
			break;
		case OPT_STATUS:
			status = true;
			break;
		case OPT_LOG:
			log = true;
			log_n = optarg;
			break;
		case OPT_BUILD_INDEX:
			return build_search_index(ctx);
		case 'h':
			sync_help();
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	/* `--log 5` as well as `--log=5`. */
	if (log && !log_n && optind < argc)
		log_n = argv[optind++];
	if (optind < argc) {
		cli_error(_("sync takes no arguments (see `duban sync --help`)"));
		return CLI_USAGE;
	}
	if (push_only && pull_only) {
		cli_error(_("--push-only and --pull-only exclude each other: without either, sync does both"));
		return CLI_USAGE;
	}
	if (status)
		return sync_status(ctx);
	if (log) {
		char *end = NULL;
		long n = log_n ? strtol(log_n, &end, 10) : 10;
		if (log_n && (*end || n < 1 || n > 100000)) {
			cli_error(_("--log takes a number of syncs, not '%s'"), log_n);
			return CLI_USAGE;
		}
		return sync_log(ctx, (int)n);
	}

	struct duban_account a;
	int rc = account_for_server(&a);
	if (rc != CLI_OK)
		return rc;
	if (!cli_store(ctx, &rc)) {
		duban_account_free(&a);
		return rc;
	}
	int lock = take_lock(ctx->db_path, &rc);
	if (lock < 0) {
		duban_account_free(&a);
		return rc;
	}
	struct duban_sync_options o;
	duban_sync_options_defaults(&o);
	o.push = !pull_only;
	o.pull = !push_only;
	struct progress_line pl = { .live = !quiet && isatty(STDERR_FILENO) };
	struct duban_sync_report r;
	duban_transport_init();
	int ran = duban_sync_run(ctx->st, &a, &o, quiet ? NULL : on_progress, &pl, &r);
	duban_progress_end(pl.first);
	duban_transport_cleanup();
	close(lock);
	search_index_later(ctx);

	if (ran != 0) {
		rc = cli_exit_of_remote(r.error.kind);
		cli_error("%s", r.error.message);
		if (r.error.kind == DUBAN_REMOTE_AUTH && !strstr(r.error.message, "duban login"))
			cli_error(_("log in again: run duban login"));
		if (!quiet && (r.pushed || r.pulled)) {
			struct duban_buf b;
			duban_buf_init(&b);
			summary_text(&b, &r, o.push, o.pull);
			cli_error(_("kept what was done before the error: %s"), b.data ? b.data : "");
			duban_buf_free(&b);
		}
		duban_account_free(&a);
		return rc;
	}
	if (!quiet) {
		struct duban_buf b;
		duban_buf_init(&b);
		if (r.reset)
			printf("%s\n", _("the server was reset (restored from a backup?): its whole ledger was downloaded again, "
					 "and your unsent changes were sent first"));
		summary_text(&b, &r, o.push, o.pull);
		if (r.conflicts_waiting > 0)
			duban_buf_printf(&b, ngettext(" · %lld conflict waiting: duban conflicts",
						      " · %lld conflicts waiting: duban conflicts",
						      (unsigned long)r.conflicts_waiting),
					 r.conflicts_waiting);
		if (r.rejected_waiting > 0)
			duban_buf_printf(&b, ngettext(" · %lld refused change waiting: duban conflicts",
						      " · %lld refused changes waiting: duban conflicts",
						      (unsigned long)r.rejected_waiting),
					 r.rejected_waiting);
		printf("%s\n", b.data ? b.data : "");
		duban_buf_free(&b);
	}
	duban_account_free(&a);
	return r.conflicts_waiting > 0 || r.rejected_waiting > 0 ? CLI_CONFLICTS : CLI_OK;
}

/* ---------------------------------------------------------------- conflicts */

static void op_what(struct cli_ctx *ctx, const struct duban_op *op)
{
	struct duban_item it;
	duban_item_init(&it);
	if (duban_item_get(ctx->st, op->item_id, &it) == DUBAN_OK) {
		put_clean(stdout, it.code);
	} else {
		printf("%.8s", op->item_id);
	}
	duban_item_free(&it);
	printf("  %s", op->kind);
	if (op->field) {
		fputs("  ", stdout);
		put_clean(stdout, op->field);
		fputs(" → ", stdout);
		put_clean(stdout, op->value ? op->value : "");
	}
}

static void print_conflict(const struct duban_conflict *c)
{
	printf("%4lld  ", c->id);
	put_clean(stdout, c->code && *c->code ? c->code : c->item_id);
	fputs("  ", stdout);
	if (strcmp(c->kind, "deleted") == 0) {
		fputs(_("deleted on the server while you changed it (--theirs: delete it here, --mine: create it again)"),
		      stdout);
	} else if (strcmp(c->kind, "scope") == 0) {
		fputs(_("moved out of your counties (scope) while you changed it (--theirs: drop it here, --mine: keep the local copy)"),
		      stdout);
	} else {
		put_clean(stdout, c->field);
		fputs(_("  base: "), stdout);
		put_clean(stdout, c->base ? c->base : "");
		fputs(_("  mine: "), stdout);
		put_clean(stdout, c->mine ? c->mine : "");
		fputs(_("  theirs: "), stdout);
		put_clean(stdout, c->theirs ? c->theirs : _("(none)"));
	}
	fputc('\n', stdout);
}

int cmd_conflicts(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_help_only(ctx, argc, argv,
			       _("Usage: duban conflicts [CODE]\n"
			         "List the conflicts a sync left (a field changed here and on the server),\n"
			         "with the value both started from (base), yours (mine) and the server's\n"
			         "(theirs), and the changes the server refused, with its reason.\n"
			         "Settle a conflict with duban resolve ID --mine|--theirs|--value TEXT;\n"
			         "a refused change with duban outbox --retry OP_ID or --drop OP_ID.\n"));
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	if (argc - optind > 1) {
		cli_error(_("conflicts takes at most one item code"));
		return CLI_USAGE;
	}
	rc = CLI_OK;
	if (!cli_store(ctx, &rc))
		return rc;
	const char *item_id = NULL;
	struct duban_item it;
	bool have_item = false;
	if (optind < argc) {
		duban_item_init(&it);
		if ((rc = cli_get_item(ctx, argv[optind], &it)) != CLI_OK) {
			duban_item_free(&it);
			return rc;
		}
		have_item = true;
		item_id = it.id;
	}
	struct duban_conflict *cs = NULL;
	int n = 0;
	enum duban_err err = duban_conflicts_list(ctx->st, item_id, &cs, &n);
	if (err != DUBAN_OK) {
		if (have_item)
			duban_item_free(&it);
		return cli_store_error(ctx, err, _("reading the conflicts"));
	}
	struct duban_op *ops = NULL;
	int nops = 0;
	err = duban_outbox_rejected(ctx->st, &ops, &nops);
	if (err != DUBAN_OK) {
		duban_conflicts_free(cs, n);
		if (have_item)
			duban_item_free(&it);
		return cli_store_error(ctx, err, _("reading the refused changes"));
	}
	int shown_ops = 0;
	for (int i = 0; i < nops; i++)
		if (!item_id || strcmp(ops[i].item_id, item_id) == 0)
			shown_ops++;
	if (n == 0 && shown_ops == 0)
		printf("%s\n", _("no conflicts and no refused changes"));
	if (n > 0) {
		printf("%s\n", _("Conflicts (duban resolve ID --mine | --theirs | --value TEXT):"));
		for (int i = 0; i < n; i++)
			print_conflict(&cs[i]);
	}
	if (shown_ops > 0) {
		if (n > 0)
			fputc('\n', stdout);
		printf("%s\n", _("Refused by the server (duban outbox --retry OP_ID | --drop OP_ID):"));
		for (int i = 0; i < nops; i++) {
			if (item_id && strcmp(ops[i].item_id, item_id) != 0)
				continue;
			printf("  %.8s  ", ops[i].id);
			op_what(ctx, &ops[i]);
			fputs(_("  refused: "), stdout);
			put_clean(stdout, ops[i].reason ? ops[i].reason : "");
			fputc('\n', stdout);
		}
	}
	duban_ops_free(ops, nops);
	duban_conflicts_free(cs, n);
	if (have_item)
		duban_item_free(&it);
	return CLI_OK;
}

/* ---------------------------------------------------------------- resolve */

enum { OPT_MINE = 0x310, OPT_THEIRS, OPT_VALUE };

int cmd_resolve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mine", no_argument, NULL, OPT_MINE },
		{ "theirs", no_argument, NULL, OPT_THEIRS },
		{ "value", required_argument, NULL, OPT_VALUE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int how = -1, given = 0;
	const char *value = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_MINE:
			how = DUBAN_RESOLVE_KEEP_MINE;
			given++;
			break;
		case OPT_THEIRS:
			how = DUBAN_RESOLVE_TAKE_THEIRS;
			given++;
			break;
		case OPT_VALUE:
			how = DUBAN_RESOLVE_EDIT;
			value = optarg;
			given++;
			break;
		case 'h':
			fputs(_("Usage: duban resolve ID --mine | --theirs | --value TEXT\n"
				"Settle conflict ID (see duban conflicts):\n"
				"      --mine        keep your value; it is sent to the server at the next sync\n"
				"                    (an item deleted on the server is created again)\n"
				"      --theirs      take the server's value (or its deletion)\n"
				"      --value TEXT  a new value for the field, sent at the next sync\n"), stdout);
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 1 || given != 1) {
		cli_error(_("resolve takes a conflict id and one of --mine, --theirs or --value TEXT (see duban conflicts)"));
		return CLI_USAGE;
	}
	char *end;
	errno = 0;
	long long id = strtoll(argv[optind], &end, 10);
	if (errno || *end || id <= 0) {
		cli_error(_("'%s' is not a conflict id: duban conflicts lists them"), argv[optind]);
		return CLI_USAGE;
	}
	int rc = CLI_OK;
	if (!cli_store(ctx, &rc))
		return rc;
	enum duban_err err = duban_conflict_resolve(ctx->st, id, (enum duban_resolution)how, value);
	if (err == DUBAN_ERR_NOT_FOUND) {
		cli_error(_("no open conflict %lld: duban conflicts lists them"), id);
		return CLI_NOT_FOUND;
	}
	if (err != DUBAN_OK) {
		char what[64];
		snprintf(what, sizeof what, _("conflict %lld"), id);
		return cli_store_error(ctx, err, what);
	}
	if (how == DUBAN_RESOLVE_TAKE_THEIRS)
		printf(_("conflict %lld resolved: the server's value is kept\n"), id);
	else
		printf(_("conflict %lld resolved: your value is queued for the next sync\n"), id);
	return CLI_OK;
}

/* ---------------------------------------------------------------- outbox */

/* A rejected op by its id or an unambiguous prefix (8 characters or more). */
static int find_rejected(struct cli_ctx *ctx, const char *prefix, char id[37])
{
	struct duban_op *ops = NULL;
	int n = 0, found = 0;
	enum duban_err err = duban_outbox_rejected(ctx->st, &ops, &n);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("reading the refused changes"));
	size_t len = strlen(prefix);
	for (int i = 0; i < n; i++) {
		if (len >= 8 && strncmp(ops[i].id, prefix, len) == 0) {
			if (found++ == 0)
				snprintf(id, 37, "%s", ops[i].id);
		}
	}
	duban_ops_free(ops, n);
	if (found == 0) {
		cli_error(_("no refused change %s (duban outbox lists them; at least 8 characters of the id)"), prefix);
		return CLI_NOT_FOUND;
	}
	if (found > 1) {
		cli_error(_("%s names several refused changes: give more of the id"), prefix);
		return CLI_USAGE;
	}
	return CLI_OK;
}

enum { OPT_DROP = 0x320, OPT_RETRY };

int cmd_outbox(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "drop", required_argument, NULL, OPT_DROP },
		{ "retry", required_argument, NULL, OPT_RETRY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *drop = NULL, *retry = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DROP:
			drop = optarg;
			break;
		case OPT_RETRY:
			retry = optarg;
			break;
		case 'h':
			fputs(_("Usage: duban outbox [--drop OP_ID | --retry OP_ID]\n"
				"List the changes waiting to be sent and those the server refused.\n"
				"      --drop OP_ID   give up a refused change (back to the server's value)\n"
				"      --retry OP_ID  send a refused change again at the next sync\n"), stdout);
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc || (drop && retry)) {
		cli_error(_("outbox takes --drop OP_ID or --retry OP_ID, or nothing to list"));
		return CLI_USAGE;
	}
	int rc = CLI_OK;
	if (!cli_store(ctx, &rc))
		return rc;
	if (drop || retry) {
		char id[37];
		if ((rc = find_rejected(ctx, drop ? drop : retry, id)) != CLI_OK)
			return rc;
		enum duban_err err = drop ? duban_outbox_drop(ctx->st, id) : duban_outbox_retry(ctx->st, id);
		if (err != DUBAN_OK)
			return cli_store_error(ctx, err, id);
		printf(drop ? _("dropped %.8s\n") : _("%.8s is queued again for the next sync\n"), id);
		return CLI_OK;
	}
	struct duban_op ops[200];
	long long after = 0, queued = 0;
	for (;;) {
		int got = 0;
		enum duban_err err = duban_outbox_read(ctx->st, after, 200, ops, &got);
		if (err != DUBAN_OK)
			return cli_store_error(ctx, err, _("reading the outbox"));
		if (got == 0)
			break;
		if (queued == 0)
			printf("%s\n", _("Queued for the next sync:"));
		for (int i = 0; i < got; i++) {
			printf("  %.8s  ", ops[i].id);
			op_what(ctx, &ops[i]);
			fputc('\n', stdout);
			duban_op_free(&ops[i]);
		}
		queued += got;
		after = ops[got - 1].seq;
	}
	struct duban_op *rej = NULL;
	int nrej = 0;
	enum duban_err err = duban_outbox_rejected(ctx->st, &rej, &nrej);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("reading the refused changes"));
	if (nrej > 0) {
		printf("%s\n", _("Refused by the server (--retry OP_ID | --drop OP_ID):"));
		for (int i = 0; i < nrej; i++) {
			printf("  %.8s  ", rej[i].id);
			op_what(ctx, &rej[i]);
			fputs(_("  refused: "), stdout);
			put_clean(stdout, rej[i].reason ? rej[i].reason : "");
			fputc('\n', stdout);
		}
	}
	duban_ops_free(rej, nrej);
	if (queued == 0 && nrej == 0)
		printf("%s\n", _("nothing to send"));
	return CLI_OK;
}

/* ---------------------------------------------------------------- attachments */

int cmd_attach(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, kind = DUBAN_EVIDENCE_OTHER;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hk:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kind = duban_evidence_parse(optarg);
			if (kind < 0) {
				cli_error(_("--kind: unknown kind of evidence '%s' (before, after, penalty, acceptance, "
					    "notice, feedback or other)"), optarg);
				return CLI_USAGE;
			}
			break;
		case 'h':
			fputs(_("Usage: duban attach CODE FILE [--kind KIND]\n"
				"Attach a file (a photo, a scanned letter) to item CODE: to its latest\n"
				"inspection if it has one.  The file is copied into the local blob store,\n"
				"named by its SHA-256, and sent to the server at the next sync.\n"
				"  -k, --kind KIND  what it is evidence of (佐证材料): before (整改前照片),\n"
				"                   after (整改后照片), penalty (处罚决定书), acceptance\n"
				"                   (验收意见), notice (公示截图), feedback (向投诉人反馈记录)\n"
				"                   or other (the default)\n"), stdout);
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	int rc;
	if (argc - optind != 2) {
		cli_error(_("attach takes an item code and a file: duban attach CODE FILE"));
		return CLI_USAGE;
	}
	rc = CLI_OK;
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_attachment att;
	char err[1024] = "";
	enum duban_err e = duban_attach_file(ctx->st, argv[optind], argv[optind + 1], (enum duban_evidence_kind)kind,
					     &att, err, sizeof err);
	if (e != DUBAN_OK) {
		cli_error("%s", err);
		duban_attachment_free(&att);
		return e == DUBAN_ERR_IO ? CLI_DB : cli_exit_of(e);
	}
	fputs(_("attached "), stdout);
	put_clean(stdout, att.name);
	printf(" (%lld B, %s", att.size, att.mime);
	if (att.kind != DUBAN_EVIDENCE_OTHER)
		printf(_(", evidence: %s"), duban_evidence_name(att.kind));
	fputs(")", stdout);
	if (att.inspection_id[0])
		printf(_(" to the latest inspection %.8s of "), att.inspection_id);
	else
		fputs(_(" to "), stdout);
	put_clean(stdout, argv[optind]);
	printf(_("\nid: %s\nsha256: %s\n"), att.id, att.sha256);
	duban_attachment_free(&att);
	return CLI_OK;
}

static bool is_sha256(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static mode_t current_umask(void)
{
	mode_t mask = umask(0);
	umask(mask);
	return mask;
}

/* The attachment's file into dst: standard output for "-", else written
 * like every -o (duban_write_file_atomic: a regular file replaced when
 * complete, a symbolic link written through, a device or FIFO written to). */
static int copy_file(const char *src, const char *dst)
{
	size_t len = 0;
	char *data = duban_read_file(src, &len);
	if (!data) {
		cli_error(_("cannot read %s: %s"), src, strerror(errno));
		return CLI_DB;
	}
	int rc = CLI_OK;
	if (strcmp(dst, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			rc = CLI_DB;
	} else if (duban_write_file_atomic(dst, data, len, (int)(0666 & ~current_umask())) != 0) {
		rc = CLI_DB;
	}
	if (rc != CLI_OK)
		cli_error(_("cannot copy %s to %s: %s"), src, dst, strerror(errno));
	free(data);
	return rc;
}

int cmd_fetch_attachment(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(_("Usage: duban fetch-attachment SHA256|ATTACHMENT_ID [-o FILE]\n"
				"Make sure an attachment's contents are in the local blob store, downloading\n"
				"them from the server when needed (the hash is checked), and print the path.\n"
				"  -o, --output FILE  also copy the contents to FILE (- for standard output)\n"), stdout);
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 1) {
		cli_error(_("fetch-attachment takes the SHA-256 or the id of an attachment"));
		return CLI_USAGE;
	}
	const char *arg = argv[optind];
	char sha[65];
	int rc = CLI_OK;
	if (is_sha256(arg)) {
		snprintf(sha, sizeof sha, "%s", arg);
	} else {
		if (!cli_store(ctx, &rc))
			return rc;
		enum duban_err err = duban_attachment_sha256(ctx->st, arg, sha);
		if (err == DUBAN_ERR_NOT_FOUND) {
			cli_error(_("no attachment '%s': give its SHA-256 or its id (duban show CODE lists them)"), arg);
			return CLI_NOT_FOUND;
		}
		if (err != DUBAN_OK)
			return cli_store_error(ctx, err, arg);
	}
	char *local = duban_blob_local_path(sha);
	if (access(local, R_OK) != 0) {
		struct duban_account a;
		if ((rc = account_for_server(&a)) != CLI_OK) {
			free(local);
			return rc;
		}
		struct duban_remote_error re;
		duban_transport_init();
		int got = duban_blob_fetch(&a, sha, &re);
		duban_transport_cleanup();
		duban_account_free(&a);
		if (got != 0) {
			cli_error("%s", re.message);
			free(local);
			return cli_exit_of_remote(re.kind);
		}
	}
	if (output)
		rc = copy_file(local, output);
	if (rc == CLI_OK && !(output && strcmp(output, "-") == 0))
		printf("%s\n", output ? output : local);
	free(local);
	return rc;
}
