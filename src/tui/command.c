/* The `:` command line: filter, sort, goto, set, theme, help, quit.  The
 * same words as the config file where they overlap. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/settings.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

bool tui_filter_apply(struct tui *t, const char *expr)
{
	struct duban_filter_expr e;
	char err[256];

	duban_filter_expr_init(&e);
	if (!duban_filter_expr_parse(&e, expr ? expr : "", err, sizeof err)) {
		tui_message(t, true, _("filter: %s"), err);
		duban_filter_expr_free(&e);
		return false;
	}
	duban_filter_expr_free(&t->filter);
	t->filter = e;
	if (e.sort >= 0) {
		t->sort = (enum duban_sort)e.sort;
		t->descending = e.descending;
	}
	tui_filter_changed(t);
	return true;
}

static const struct duban_saved_filter *saved_filter(const struct tui *t, const char *name)
{
	for (int i = 0; i < t->settings.nfilters; i++)
		if (strcmp(t->settings.filters[i].name, name) == 0)
			return &t->settings.filters[i];
	return NULL;
}

static int cmd_filter(struct tui *t, char *args)
{
	if (!*args) {
		duban_filter_expr_free(&t->filter);
		duban_filter_expr_init(&t->filter);
		tui_filter_changed(t);
		tui_message(t, false, "%s", _("filter cleared"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	const struct duban_saved_filter *sf = saved_filter(t, args);
	tui_filter_apply(t, sf ? sf->expr : args);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cmd_sort(struct tui *t, char *args)
{
	char *key = strtok(args, " \t");
	char *order = strtok(NULL, " \t");
	int s = key ? duban_sort_parse(key) : -1;

	if (s < 0) {
		tui_message(t, true, "%s", _("usage: sort deadline|code|updated|light [desc]"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	bool desc = false;
	if (order && (strcmp(order, "desc") == 0 || strcmp(order, "reverse") == 0 || strcmp(order, "-") == 0))
		desc = true;
	else if (order && strcmp(order, "asc") != 0) {
		tui_message(t, true, "%s", _("usage: sort deadline|code|updated|light [desc]"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	t->sort = (enum duban_sort)s;
	t->descending = desc;
	tui_filter_changed(t);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cmd_goto(struct tui *t, char *args)
{
	if (!*args) {
		tui_message(t, true, "%s", _("usage: goto CODE"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	tui_ledger_goto(t, args);
	return TUI_HANDLED | TUI_REDRAW;
}

/* Options whose effect lives outside the settings struct. */
static int apply_option(struct tui *t, const char *name)
{
	if (strcmp(name, "ambiguous-wide") == 0) {
		duban_utf8_set_ambiguous_wide(t->settings.ambiguous_wide);
		clearok(curscr, TRUE);
		return TUI_RELOAD;
	}
	if (strcmp(name, "warn-days") == 0 || strcmp(name, "lag-yellow") == 0 || strcmp(name, "lag-red") == 0) {
		struct duban_light_rules rules;
		duban_settings_light_rules(&t->settings, &rules);
		duban_store_set_light_rules(t->st, &rules);
		return TUI_RELOAD;
	}
	if (strcmp(name, "theme") == 0) {
		tui_theme_init(t);
		return TUI_REDRAW;
	}
	return TUI_REDRAW;
}

static int cmd_set(struct tui *t, char *args)
{
	char *name = strtok(args, " \t");
	char *value = name ? strtok(NULL, "") : NULL;
	char err[256];

	if (!name || !value) {
		tui_message(t, true, "%s", _("usage: set OPTION VALUE"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	duban_trim(value);
	if (!duban_settings_set(&t->settings, name, value, err, sizeof err)) {
		tui_message(t, true, "%s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	tui_message(t, false, "%s = %s", name, value);
	return TUI_HANDLED | apply_option(t, name);
}

static int cmd_theme(struct tui *t, char *args)
{
	char err[256];
	char *path;

	if (!*args) {
		tui_message(t, false, _("theme: %s"), t->settings.theme ? t->settings.theme : "default");
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!(path = duban_theme_path(args))) {
		tui_message(t, true, _("no theme named \"%s\""), args);
		return TUI_HANDLED | TUI_REDRAW;
	}
	free(path);
	if (!duban_settings_set(&t->settings, "theme", args, err, sizeof err)) {
		tui_message(t, true, "%s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	tui_theme_init(t);
	tui_message(t, false, _("theme: %s"), args);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cmd_help(struct tui *t, char *args)
{
	(void)args;
	if (t->depth > 0 && t->stack[t->depth - 1].ops != &tui_help_view)
		tui_push(t, &tui_help_view, (void *)t->stack[t->depth - 1].ops);
	return TUI_HANDLED | TUI_REDRAW;
}

static int open_view(struct tui *t, const struct tui_view_ops *ops)
{
	if (t->depth > 0 && t->stack[t->depth - 1].ops != ops)
		tui_push(t, ops, NULL);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cmd_conflicts(struct tui *t, char *args)
{
	(void)args;
	return open_view(t, &tui_conflicts_view);
}

static int cmd_synclog(struct tui *t, char *args)
{
	(void)args;
	return open_view(t, &tui_synclog_view);
}

static int cmd_overdue(struct tui *t, char *args)
{
	(void)args;
	return open_view(t, &tui_overdue_view);
}

static int cmd_sync(struct tui *t, char *args)
{
	(void)args;
	return TUI_HANDLED | tui_sync_start(t, false);
}

static int cmd_quit(struct tui *t, char *args)
{
	(void)t, (void)args;
	return TUI_HANDLED | TUI_QUIT;
}

static const struct {
	const char *name, *alias;
	int (*run)(struct tui *t, char *args);
} commands[] = {
	{ "filter", "f", cmd_filter },
	{ "sort", "o", cmd_sort },
	{ "goto", "g", cmd_goto },
	{ "set", NULL, cmd_set },
	{ "theme", NULL, cmd_theme },
	{ "help", "h", cmd_help },
	{ "sync", NULL, cmd_sync },
	{ "conflicts", NULL, cmd_conflicts },
	{ "synclog", NULL, cmd_synclog },
	{ "overdue", NULL, cmd_overdue },
	{ "quit", "q", cmd_quit },
};

int tui_command(struct tui *t, const char *line)
{
	char *copy = xstrdup(line ? line : "");
	char *s = duban_trim(copy);
	int r = TUI_HANDLED;

	if (*s == ':')
		s = duban_trim(s + 1);
	if (!*s) {
		free(copy);
		return r;
	}
	size_t len = strcspn(s, " \t");
	char *args = s + len;
	if (*args)
		*args++ = '\0';
	args = duban_trim(args);
	size_t i;
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(s, commands[i].name) == 0 || (commands[i].alias && strcmp(s, commands[i].alias) == 0))
			break;
	if (i < sizeof commands / sizeof commands[0]) {
		r = commands[i].run(t, args);
	} else if (strcmp(s, "q!") == 0 || strcmp(s, "wq") == 0 || strcmp(s, "x") == 0) {
		r = TUI_HANDLED | TUI_QUIT;
	} else {
		tui_message(t, true, _("unknown command: %s (try filter, sort, goto, set, theme, sync, conflicts, synclog, overdue, help, quit)"), s);
		r = TUI_HANDLED | TUI_REDRAW;
	}
	free(copy);
	return r;
}
