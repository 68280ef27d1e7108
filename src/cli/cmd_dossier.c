/* `duban dossier`: the case dossier (一案一档) of one item, or of every item
 * the list filters select, as a printable page or a .zip with the files. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duban/dossier.h"
#include "duban/sync.h"
#include "duban/util.h"
#include "cli.h"

static void dossier_help(void)
{
	fputs(_("Usage: duban dossier CODE|ID [-o FILE]\n"
		"       duban dossier --all [FILTERS] -o DIR [--zip]\n"
		"Write the case dossier (一案一档, in Chinese) of an item: every field, the\n"
		"on-site inspections and acceptance, the supervision actions, the timeline of\n"
		"every change and record (who, when, when the server received it), and an\n"
		"index of the evidence with each file's SHA-256.  FILE ending in .zip holds the\n"
		"page and the attachment files (downloaded from the server when not here;\n"
		"the index marks those it could not get).\n\n"
		"Options:\n"
		"  -o, --output FILE|DIR   the file (default: CODE-档案.html here; - for standard\n"
		"                          output) or, with --all, the directory to write into\n"
		"      --all               one dossier per item the filters select\n"
		"      --zip               with --all: .zip files instead of pages\n"
		"  -h, --help              show this help\n\n"), stdout);
	cli_filter_help(stdout);
}

enum { OPT_ALL = 0x200, OPT_ZIP };

/* What the blob lookup needs: the account, loaded once, when there is one. */
struct blob_ctx {
	struct duban_account account;
	int loaded; /* 0: not tried, 1: logged in, -1: not logged in */
};

static char *find_blob(const struct duban_attachment *a, void *data)
{
	struct blob_ctx *bc = data;
	char *local = duban_blob_local_path(a->sha256);
	if (access(local, R_OK) == 0)
		return local;
	if (bc->loaded == 0) {
		char *path = duban_account_path();
		char err[512] = "";
		int rc = duban_account_load(path, &bc->account, err, sizeof err);
		free(path);
		bc->loaded = rc > 0 && bc->account.url && bc->account.token ? 1 : -1;
		if (bc->loaded == 1)
			duban_transport_init();
	}
	struct duban_remote_error re;
	if (bc->loaded == 1 && duban_blob_fetch(&bc->account, a->sha256, &re) == 0 && access(local, R_OK) == 0)
		return local;
	free(local);
	return NULL;
}

static void blob_ctx_done(struct blob_ctx *bc)
{
	if (bc->loaded == 1)
		duban_transport_cleanup();
	if (bc->loaded != 0)
		duban_account_free(&bc->account);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

static int write_html_file(struct cli_ctx *ctx, const struct duban_item *item, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	if (!mem) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		return CLI_FAIL;
	}
	enum duban_err err = duban_dossier_write_html(mem, ctx->st, item, duban_today());
	fclose(mem);
	int rc = CLI_OK;
	if (err != DUBAN_OK) {
		rc = cli_store_error(ctx, err, _("cannot write the dossier"));
	} else if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			cli_error(_("cannot write the output: %s"), strerror(errno));
			rc = CLI_FAIL;
		}
	} else if (duban_write_file_atomic(path, data, len, 0644) != 0) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		rc = CLI_FAIL;
	}
	free(data);
	return rc;
}

static int write_zip_file(struct cli_ctx *ctx, const struct duban_item *item, const char *path,
			  struct blob_ctx *bc)
{
	int missing = 0;
	enum duban_err err = duban_dossier_write_zip(path, ctx->st, item, duban_today(), find_blob, bc, &missing);
	if (err == DUBAN_ERR_IO) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		return CLI_FAIL;
	}
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot write the dossier"));
	if (missing > 0)
		cli_error(ngettext("%s: %d attachment is missing (not here, and not downloaded: "
				   "run duban login, or duban sync); the dossier's index says which",
				   "%s: %d attachments are missing (not here, and not downloaded: "
				   "run duban login, or duban sync); the dossier's index says which",
				   (unsigned long)missing),
			  path, missing);
	return CLI_OK;
}

static int write_one(struct cli_ctx *ctx, const struct duban_item *item, const char *path, struct blob_ctx *bc)
{
	if (ends_with(path, ".zip"))
		return write_zip_file(ctx, item, path, bc);
	return write_html_file(ctx, item, path);
}

static int dossier_single(struct cli_ctx *ctx, const char *code, const char *output)
{
	struct duban_item item;
	duban_item_init(&item);
	int rc = cli_get_item(ctx, code, &item);
	if (rc != CLI_OK) {
		duban_item_free(&item);
		return rc;
	}
	char *name = output ? NULL : duban_dossier_file_name(&item, ".html");
	struct blob_ctx bc = { 0 };
	rc = write_one(ctx, &item, output ? output : name, &bc);
	if (rc == CLI_OK && !output)
		printf("%s\n", name);
	blob_ctx_done(&bc);
	free(name);
	duban_item_free(&item);
	return rc;
}

struct all_ctx {
	struct cli_ctx *ctx;
	const char *dir;
	bool zip;
	struct blob_ctx bc;
	int rc;
	long long written;
};

static int write_each(const struct duban_item *item, void *data)
{
	struct all_ctx *ac = data;
	char *name = duban_dossier_file_name(item, ac->zip ? ".zip" : ".html");
	char *path = xasprintf("%s/%s", ac->dir, name);
	int rc = write_one(ac->ctx, item, path, &ac->bc);
	free(path);
	free(name);
	if (rc != CLI_OK) {
		ac->rc = rc;
		return 1;
	}
	ac->written++;
	return 0;
}

static int dossier_all(struct cli_ctx *ctx, const struct duban_filter *filter, const char *dir, bool zip)
{
	struct stat sb;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_error(_("cannot create the directory %s: %s"), dir, strerror(errno));
		return CLI_FAIL;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		cli_error(_("%s is not a directory: --all writes one file per item into a directory"), dir);
		return CLI_USAGE;
	}
	struct all_ctx ac = { .ctx = ctx, .dir = dir, .zip = zip, .rc = CLI_OK };
	enum duban_err err = duban_query_each(ctx->st, filter, DUBAN_SORT_CODE, write_each, &ac);
	blob_ctx_done(&ac.bc);
	if (ac.rc != CLI_OK)
		return ac.rc;
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot write the dossiers"));
	printf(ngettext("%lld dossier written in %s\n", "%lld dossiers written in %s\n", (unsigned long)ac.written),
	       ac.written, dir);
	return CLI_OK;
}

int cmd_dossier(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{ "all", no_argument, NULL, OPT_ALL },
		{ "zip", no_argument, NULL, OPT_ZIP },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	bool all = false, zip = false, filtered = false;
	struct cli_filter cf;
	int c, rc;

	cli_filter_init(&cf);
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		int handled = cli_filter_option(&cf, c, optarg);
		if (handled < 0)
			return -handled;
		if (handled) {
			filtered = true;
			continue;
		}
		switch (c) {
		case 'h':
			dossier_help();
			return CLI_OK;
		case 'o':
			output = optarg;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_ZIP:
			zip = true;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (!all) {
		if (filtered || zip) {
			cli_error(_("dossier: filters and --zip go with --all (for one item, name the file .zip)"));
			return CLI_USAGE;
		}
		if (argc - optind != 1) {
			cli_error(_("dossier takes the code or id of one item, or --all"));
			return CLI_USAGE;
		}
		if (!cli_store(ctx, &rc))
			return rc;
		return dossier_single(ctx, argv[optind], output);
	}
	if (optind < argc) {
		cli_error(_("dossier: unexpected argument '%s' (--all takes filters, not codes)"), argv[optind]);
		return CLI_USAGE;
	}
	if (!output || strcmp(output, "-") == 0) {
		cli_error(_("dossier --all needs -o DIR, the directory to write the dossiers into"));
		return CLI_USAGE;
	}
	const struct duban_filter *filter = cli_filter_done(&cf);
	if (cf.none) {
		cli_error(_("the --status or --light filters exclude everything"));
		return CLI_REFUSED;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	return dossier_all(ctx, filter, output, zip);
}
