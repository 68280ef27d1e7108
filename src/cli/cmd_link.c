/* `duban link`, `duban unlink` (举一反三: items about the same enterprise,
 * site or park; a complaint repeating an earlier one, 重复举报) and
 * `duban reopen` (a closed item came back: 反弹). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

static void link_help(void)
{
	fputs(_("Usage: duban link CODE OTHER [--why TEXT] [--repeat]\n"
		"       duban unlink CODE OTHER [--why TEXT]\n"
		"Link two items about the same enterprise, site or park (举一反三), or undo\n"
		"a link.  With --repeat, CODE is a repeat complaint (重复举报) of OTHER: its\n"
		"duplicate_of becomes OTHER's code, and OTHER's repeat count goes up.\n\n"
		"Options:\n"
		"      --why TEXT          why they belong together (or why no longer)\n"
		"      --repeat            CODE repeats the complaint OTHER\n"
		"  -h, --help              show this help\n"), stdout);
}

struct link_args {
	const char *why;
	bool repeat;
	const char *code, *other;
};

static int link_options(struct cli_ctx *ctx, int argc, char **argv, bool unlink, struct link_args *a)
{
	static const struct option opts[] = {
		{ "why", required_argument, NULL, 'w' },
		{ "repeat", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof *a);
	a->why = "";
	while ((c = getopt_long(argc, argv, ":hw:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			link_help();
			return -1;
		case 'w':
			a->why = optarg;
			break;
		case 'R':
			if (unlink)
				return cli_bad_option(ctx, c, argv); /* unlink takes no --repeat */
			a->repeat = true;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 2) {
		cli_error(unlink ? _("unlink needs two items (see `duban unlink --help`)")
				 : _("link needs two items (see `duban link --help`)"));
		return CLI_USAGE;
	}
	a->code = argv[optind];
	a->other = argv[optind + 1];
	return CLI_OK;
}

/* duplicate_of of item set to value (an edit with its event and op). */
static enum duban_err set_duplicate(duban_store *st, struct duban_item *item, const char *value)
{
	struct duban_item next;
	enum duban_err err;

	memset(&next, 0, sizeof next);
	duban_item_copy(&next, item); /* a deep copy over the zeroed item */
	duban_set_str(&next.duplicate_of, value);
	err = duban_item_update(st, &next, NULL);
	duban_item_free(&next);
	return err;
}

/* The link record, and for a repeat the duplicate_of it implies, in one
 * transaction; for an unlink, a duplicate_of naming the other end cleared. */
static enum duban_err write_link(duban_store *st, struct duban_item *a, struct duban_item *b,
				 enum duban_link_kind kind, const char *why)
{
	struct duban_link l;
	enum duban_err err = duban_store_begin(st);

	memset(&l, 0, sizeof l);
	snprintf(l.item_id, sizeof l.item_id, "%s", a->id);
	snprintf(l.other_id, sizeof l.other_id, "%s", b->id);
	l.kind = kind;
	l.why = xstrdup(why);
	if (!err)
		err = duban_link_add(st, &l);
	if (!err && kind == DUBAN_LINK_REPEAT && strcmp(a->duplicate_of, b->code) != 0)
		err = set_duplicate(st, a, b->code);
	if (!err && kind == DUBAN_LINK_UNLINK && strcmp(a->duplicate_of, b->code) == 0)
		err = set_duplicate(st, a, "");
	if (!err && kind == DUBAN_LINK_UNLINK && strcmp(b->duplicate_of, a->code) == 0)
		err = set_duplicate(st, b, "");
	if (!err)
		err = duban_store_commit(st);
	else
		duban_store_rollback(st);
	duban_link_free(&l);
	return err;
}

static int get_pair(struct cli_ctx *ctx, const struct link_args *a, struct duban_item *x, struct duban_item *y)
{
	int rc = cli_get_item(ctx, a->code, x);
	if (rc == CLI_OK)
		rc = cli_get_item(ctx, a->other, y);
	if (rc == CLI_OK && strcmp(x->id, y->id) == 0) {
		cli_error(_("an item cannot be linked to itself"));
		rc = CLI_REFUSED;
	}
	return rc;
}

static int run_link(struct cli_ctx *ctx, int argc, char **argv, bool unlink)
{
	struct link_args a;
	struct duban_item x, y;
	int rc = link_options(ctx, argc, argv, unlink, &a);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (!cli_store(ctx, &rc))
		return rc;
	duban_item_init(&x);
	duban_item_init(&y);
	rc = get_pair(ctx, &a, &x, &y);
	char *cx = duban_sanitize(x.code, false), *cy = duban_sanitize(y.code, false);
	bool linked = rc == CLI_OK && duban_linked_now(ctx->st, x.id, y.id);
	if (rc != CLI_OK) {
		/* said */
	} else if (a.repeat && x.kind != DUBAN_KIND_COMPLAINT) {
		cli_error(_("%s is no complaint: only a complaint can be a repeat (重复举报)"), cx);
		rc = CLI_REFUSED;
	} else if (unlink && !linked) {
		cli_error(_("%s and %s are not linked"), cx, cy);
		rc = CLI_REFUSED;
	} else if (!unlink && linked && (!a.repeat || strcmp(x.duplicate_of, y.code) == 0)) {
		printf(_("%s and %s are already linked: nothing changed\n"), cx, cy);
	} else {
		enum duban_link_kind kind = unlink ? DUBAN_LINK_UNLINK : a.repeat ? DUBAN_LINK_REPEAT : DUBAN_LINK_RELATED;
		enum duban_err err = write_link(ctx->st, &x, &y, kind, a.why);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, _("cannot save the link"));
		else if (unlink)
			printf(_("%s and %s: unlinked\n"), cx, cy);
		else if (a.repeat)
			printf(_("%s: marked as a repeat of %s\n"), cx, cy);
		else
			printf(_("%s and %s: linked\n"), cx, cy);
	}
	free(cx);
	free(cy);
	duban_item_free(&x);
	duban_item_free(&y);
	return rc;
}

int cmd_link(struct cli_ctx *ctx, int argc, char **argv)
{
	return run_link(ctx, argc, argv, false);
}

int cmd_unlink(struct cli_ctx *ctx, int argc, char **argv)
{
	return run_link(ctx, argc, argv, true);
}

/* ---------------------------------------------------------------- reopen */

static void reopen_help(void)
{
	fputs(_("Usage: duban reopen CODE --reason TEXT\n"
		"A closed item (已销号) came back (反弹): return it to in_progress.  Office\n"
		"only; the reason is required and kept in the history, and the bulletin\n"
		"counts the item as a rebound.\n\n"
		"Options:\n"
		"      --reason TEXT       what came back\n"
		"  -h, --help              show this help\n"), stdout);
}

static int do_reopen(struct cli_ctx *ctx, const char *code, const char *reason)
{
	struct duban_item item;
	int rc;

	if (!cli_store(ctx, &rc))
		return rc;
	duban_item_init(&item);
	rc = cli_get_item(ctx, code, &item);
	char *shown = duban_sanitize(item.code, false);
	enum duban_role role = duban_store_role(ctx->st);
	if (rc != CLI_OK) {
		/* said */
	} else if (role != DUBAN_ROLE_OFFICE) {
		cli_error(_("only the office may reopen an item (you are %s)"), duban_role_name(role));
		rc = CLI_REFUSED;
	} else if (item.status != DUBAN_STATUS_CLOSED) {
		cli_error(_("%s is %s, not closed: only a closed item can be reopened"), shown,
			  duban_status_name(item.status));
		rc = CLI_REFUSED;
	} else {
		enum duban_err err = duban_item_set_status(ctx->st, item.id, DUBAN_STATUS_IN_PROGRESS, reason);
		if (err != DUBAN_OK)
			rc = cli_store_error(ctx, err, _("cannot reopen the item"));
		else
			printf(_("%s: reopened (反弹), %s → %s\n"), shown, duban_status_name(DUBAN_STATUS_CLOSED),
			       duban_status_name(DUBAN_STATUS_IN_PROGRESS));
	}
	free(shown);
	duban_item_free(&item);
	return rc;
}

int cmd_reopen(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = "";
	int c;

	while ((c = getopt_long(argc, argv, ":hr:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			reopen_help();
			return CLI_OK;
		case 'r':
			reason = optarg;
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 1) {
		cli_error(_("reopen needs one item (see `duban reopen --help`)"));
		return CLI_USAGE;
	}
	if (!reason[strspn(reason, " \t")]) {
		cli_error(_("reopening needs a reason (--reason TEXT)"));
		return CLI_USAGE;
	}
	return do_reopen(ctx, argv[optind], reason);
}
