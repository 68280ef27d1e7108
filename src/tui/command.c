/* The `:` command line: filter, sort, goto, set, theme, help, quit.  The
 * same words as the config file where they overlap.  The prompt completes
 * commands, filter terms, saved filters, counties, units and codes with Tab
 * and recalls earlier lines with Up and Down. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/dispatch.h"
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

static bool is_name(const char *args);
static void unknown_filter(struct tui *t, const char *name);

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
	if (!sf && is_name(args)) {
		unknown_filter(t, args);
		return TUI_HANDLED | TUI_REDRAW;
	}
	tui_filter_apply(t, sf ? sf->expr : args);
	return TUI_HANDLED | TUI_REDRAW;
}

/* One word that is no filter term: it can only mean a saved filter (a text
 * search is search=TEXT), so an unknown one is an error, not a search. */
static bool is_name(const char *args)
{
	return *args && !strpbrk(args, " \t=<>\"") && strcmp(args, "overdue") != 0
	       && strcmp(args, "feedback-overdue") != 0 && strcmp(args, "linked") != 0;
}

static void unknown_filter(struct tui *t, const char *name)
{
	struct duban_buf names;
	duban_buf_init(&names);
	for (int i = 0; i < t->settings.nfilters; i++)
		duban_buf_printf(&names, "%s%s", i ? ", " : "", t->settings.filters[i].name);
	if (names.len)
		tui_message(t, true, _("no saved filter \"%s\"; saved: %s (search=TEXT searches)"), name, names.data);
	else
		tui_message(t, true, _("no saved filter \"%s\"; none saved yet (:save NAME keeps the filter)"), name);
	duban_buf_free(&names);
}

static void forget_filter(struct tui *t, const char *name)
{
	struct duban_settings *s = &t->settings;
	for (int i = 0; i < s->nfilters; i++) {
		if (strcmp(s->filters[i].name, name) != 0)
			continue;
		free(s->filters[i].expr);
		memmove(&s->filters[i], &s->filters[i + 1], (size_t)(s->nfilters - i - 1) * sizeof *s->filters);
		s->nfilters--;
		return;
	}
}

static void remember_filter(struct tui *t, const char *name, const char *expr)
{
	struct duban_settings *s = &t->settings;
	forget_filter(t, name);
	s->filters = xrealloc(s->filters, (size_t)(s->nfilters + 1) * sizeof *s->filters);
	snprintf(s->filters[s->nfilters].name, sizeof s->filters[0].name, "%s", name);
	s->filters[s->nfilters++].expr = xstrdup(expr);
}

/* :save NAME: the current filter as `filter NAME EXPR` in the config. */
static int cmd_save(struct tui *t, char *args)
{
	char err[512];
	if (!*args || strpbrk(args, " \t\"") || strlen(args) >= sizeof t->settings.filters[0].name) {
		tui_message(t, true, "%s", _("usage: save NAME (one word)"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	char *expr = duban_filter_expr_format(&t->filter.filter, -1, false);
	if (!*expr) {
		tui_message(t, true, "%s", _("nothing to save: no filter is set"));
	} else if (!duban_config_set_filter(t->config_path, args, expr, err, sizeof err)) {
		tui_message(t, true, "%s", err);
	} else {
		remember_filter(t, args, expr);
		tui_message(t, false, _("saved filter %s: %s"), args, expr);
	}
	free(expr);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cmd_delete_filter(struct tui *t, char *args)
{
	char err[512];
	if (!saved_filter(t, args)) {
		unknown_filter(t, args);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!duban_config_set_filter(t->config_path, args, NULL, err, sizeof err)) {
		tui_message(t, true, "%s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	forget_filter(t, args);
	tui_message(t, false, _("deleted filter %s"), args);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cmd_sort(struct tui *t, char *args)
{
	char *key = strtok(args, " \t");
	char *order = strtok(NULL, " \t");
	int s = key ? duban_sort_parse(key) : -1;

	if (s < 0) {
		tui_message(t, true, "%s", _("usage: sort deadline|code|updated|light|county|status|progress [desc]"));
		return TUI_HANDLED | TUI_REDRAW;
	}
	bool desc = false;
	if (order && (strcmp(order, "desc") == 0 || strcmp(order, "reverse") == 0 || strcmp(order, "-") == 0))
		desc = true;
	else if (order && strcmp(order, "asc") != 0) {
		tui_message(t, true, "%s", _("usage: sort deadline|code|updated|light|county|status|progress [desc]"));
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

/* :dispatch [NAME]: the 调度 view on the round called NAME (the latest
 * open one without); in the view, switches it to that round. */
static int cmd_dispatch(struct tui *t, char *args)
{
	const char *name = *args ? args : NULL;
	struct tui_stacked *v = t->depth > 0 ? &t->stack[t->depth - 1] : NULL;
	if (v && v->ops == &tui_dispatch_view) {
		tui_dispatch_select(t, v->self, name);
		return TUI_HANDLED | TUI_REDRAW;
	}
	tui_push(t, &tui_dispatch_view, (void *)name);
	return TUI_HANDLED | TUI_REDRAW;
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
	{ "save", NULL, cmd_save },
	{ "delete-filter", NULL, cmd_delete_filter },
	{ "sort", "o", cmd_sort },
	{ "goto", "g", cmd_goto },
	{ "set", NULL, cmd_set },
	{ "theme", NULL, cmd_theme },
	{ "help", "h", cmd_help },
	{ "sync", NULL, cmd_sync },
	{ "conflicts", NULL, cmd_conflicts },
	{ "synclog", NULL, cmd_synclog },
	{ "overdue", NULL, cmd_overdue },
	{ "dispatch", NULL, cmd_dispatch },
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
		tui_message(t, true, _("unknown command: %s (try filter, save, delete-filter, sort, goto, set, theme, sync, conflicts, synclog, overdue, dispatch, help, quit)"), s);
		r = TUI_HANDLED | TUI_REDRAW;
	}
	free(copy);
	return r;
}

/* ---------------------------------------------------------------- completion */

/* The words a filter expression takes (duban_filter_expr_parse). */
static const char *const filter_terms[] = {
	"county=", "township=", "status=", "status!=", "light=", "category=", "unit=", "kind=", "round=",
	"overdue", "due<", "due>", "search=", "sort=", "feedback-overdue",
};

struct candidates {
	char **v;
	int n;
};

static void cand_add(struct candidates *c, const char *prefix, const char *word, const char *s)
{
	if (strncmp(s, word, strlen(word)) != 0 || c->n >= 200)
		return;
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->v[i] + strlen(prefix), s) == 0)
			return;
	c->v = xrealloc(c->v, (size_t)(c->n + 1) * sizeof *c->v);
	c->v[c->n++] = xasprintf("%s%s", prefix, s);
}

static void cand_free(struct candidates *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The distinct values of a ledger column (county, township, lead_unit …). */
static void add_store_values(struct tui *t, struct candidates *c, const char *prefix, const char *word,
			     const char *field)
{
	char **values = NULL;
	long long *counts = NULL;
	int n = 0;
	if (duban_query_values(t->st, NULL, field, &values, &counts, &n) != DUBAN_OK)
		return;
	for (int i = 0; i < n; i++)
		cand_add(c, prefix, word, values[i]);
	duban_values_free(values, counts, n);
}

/* Codes from the word on, in code order: an index walk, not a scan. */
static void add_codes(struct tui *t, struct candidates *c, const char *word)
{
	struct duban_row rows[20];
	struct duban_cursor from = { .valid = *word != '\0' };
	int got = 0;
	snprintf(from.key, sizeof from.key, "%s", word);
	from.rowid = -1;
	if (duban_query_window(t->st, NULL, DUBAN_SORT_CODE, false, &from, false, 20, rows, &got) != DUBAN_OK)
		return;
	for (int i = 0; i < got; i++) {
		cand_add(c, "", word, rows[i].code);
		duban_row_free(&rows[i]);
	}
}

/* The 调度 rounds' names, the latest first. */
static void add_rounds(struct tui *t, struct candidates *c, const char *word)
{
	struct duban_dispatch *d;
	size_t n;
	if (duban_dispatch_list(t->st, &d, &n) != DUBAN_OK)
		return;
	for (size_t i = 0; i < n; i++)
		cand_add(c, "", word, d[i].name);
	duban_dispatches_free(d, n);
}

/* After "=" in a filter term: the values that term takes. */
static void add_term_values(struct tui *t, struct candidates *c, const char *word)
{
	const char *eq = strchr(word, '=');
	char *prefix = xstrndup(word, (size_t)(eq - word) + 1);
	const char *value = eq + 1;
	if (strcmp(prefix, "county=") == 0)
		add_store_values(t, c, prefix, value, "county");
	else if (strcmp(prefix, "township=") == 0)
		add_store_values(t, c, prefix, value, "township");
	else if (strcmp(prefix, "unit=") == 0)
		add_store_values(t, c, prefix, value, "lead_unit");
	else if (strcmp(prefix, "category=") == 0)
		add_store_values(t, c, prefix, value, "category");
	else if (strcmp(prefix, "round=") == 0)
		add_store_values(t, c, prefix, value, "round");
	else if (strcmp(prefix, "status=") == 0 || strcmp(prefix, "status!=") == 0)
		for (int i = 0; i < DUBAN_STATUS_COUNT; i++)
			cand_add(c, prefix, value, duban_status_id((enum duban_status)i));
	else if (strcmp(prefix, "light=") == 0)
		for (int i = 0; i < DUBAN_LIGHT_COUNT; i++)
			cand_add(c, prefix, value, duban_light_id((enum duban_light)i));
	else if (strcmp(prefix, "kind=") == 0)
		for (int i = 0; i < DUBAN_KIND_COUNT; i++)
			cand_add(c, prefix, value, duban_kind_id((enum duban_kind)i));
	else if (strcmp(prefix, "sort=") == 0)
		for (int i = 0; i < DUBAN_SORT_COUNT; i++)
			cand_add(c, prefix, value, duban_sort_id((enum duban_sort)i));
	free(prefix);
}

static void add_filter_words(struct tui *t, struct candidates *c, const char *word, bool first_arg)
{
	if (strchr(word, '=')) {
		add_term_values(t, c, word);
		return;
	}
	if (first_arg)
		for (int i = 0; i < t->settings.nfilters; i++)
			cand_add(c, "", word, t->settings.filters[i].name);
	for (size_t i = 0; i < sizeof filter_terms / sizeof filter_terms[0]; i++)
		cand_add(c, "", word, filter_terms[i]);
}

/* The completions of word, the word before the cursor; cmd is the line's
 * first word (NULL when word is it), argn the word's place after it. */
static void complete(struct tui *t, const char *cmd, int argn, const char *word, struct candidates *c)
{
	if (!cmd) {
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			cand_add(c, "", word, commands[i].name);
		return;
	}
	if (strcmp(cmd, "filter") == 0 || strcmp(cmd, "f") == 0)
		add_filter_words(t, c, word, argn == 0);
	else if (strcmp(cmd, "goto") == 0 || strcmp(cmd, "g") == 0)
		add_codes(t, c, word);
	else if ((strcmp(cmd, "sort") == 0 || strcmp(cmd, "o") == 0) && argn == 0)
		for (int i = 0; i < DUBAN_SORT_COUNT; i++)
			cand_add(c, "", word, duban_sort_id((enum duban_sort)i));
	else if (strcmp(cmd, "dispatch") == 0 && argn == 0)
		add_rounds(t, c, word);
	else if (strcmp(cmd, "delete-filter") == 0 && argn == 0)
		for (int i = 0; i < t->settings.nfilters; i++)
			cand_add(c, "", word, t->settings.filters[i].name);
}

/* ---------------------------------------------------------------- the prompt */

#define HISTORY_MAX 50

/* The lines run this session, oldest first (one loop, one screen). */
static struct {
	char *lines[HISTORY_MAX];
	int n;
} history;

static void history_add(const char *line)
{
	if (!*line || (history.n > 0 && strcmp(history.lines[history.n - 1], line) == 0))
		return;
	if (history.n == HISTORY_MAX) {
		free(history.lines[0]);
		memmove(history.lines, history.lines + 1, (HISTORY_MAX - 1) * sizeof *history.lines);
		history.n--;
	}
	history.lines[history.n++] = xstrdup(line);
}

void tui_command_history_free(void)
{
	for (int i = 0; i < history.n; i++)
		free(history.lines[i]);
	history.n = 0;
}

struct cmdline {
	int hist;            /* history.n: the line being typed */
	char *typed;         /* that line, kept while browsing the history */
	struct candidates cand;
	int next;            /* the candidate the next Tab shows */
	size_t word_start;   /* where the completed word starts */
};

/* Tab: the first completion of the word before the cursor, then the next
 * one on each Tab (S-Tab goes back); a single one gets its space. */
static void tab(struct tui *t, struct cmdline *cl, struct tui_lineedit *e, int dir)
{
	if (cl->cand.n == 0) {
		char *before = xstrndup(e->text, e->cursor);
		char *p = before + strspn(before, " :");
		size_t cmd_len = strcspn(p, " \t");
		char *word = strrchr(before, ' ');
		word = word ? word + 1 : p;
		cl->word_start = (size_t)(word - before);
		char *cmd = p[cmd_len] ? xstrndup(p, cmd_len) : NULL;
		int argn = 0;
		for (char *q = p + cmd_len; cmd && q < word; q++)
			argn += *q != ' ' && (q[-1] == ' ');
		complete(t, cmd, argn, word, &cl->cand);
		cl->next = dir > 0 ? 0 : cl->cand.n - 1;
		free(cmd);
		free(before);
		if (cl->cand.n == 0)
			return;
	} else {
		cl->next = (cl->next + dir + cl->cand.n) % cl->cand.n;
	}
	const char *pick = cl->cand.v[cl->next];
	size_t plen = strlen(pick);
	bool end = cl->cand.n == 1 && pick[plen - 1] != '=' && pick[plen - 1] != '<' && pick[plen - 1] != '>';
	char *line = xasprintf("%.*s%s%s", (int)cl->word_start, e->text, pick, end ? " " : "");
	tui_lineedit_set(e, line);
	free(line);
	if (cl->cand.n == 1)
		cand_free(&cl->cand);
}

static void recall(struct cmdline *cl, struct tui_lineedit *e, int dir)
{
	int to = cl->hist + dir;
	if (to < 0 || to > history.n)
		return;
	if (cl->hist == history.n) {
		free(cl->typed);
		cl->typed = xstrdup(e->text);
	}
	cl->hist = to;
	tui_lineedit_set(e, to == history.n ? cl->typed : history.lines[to]);
}

static bool cmdline_key(struct tui *t, struct tui_lineedit *e, int key, void *ctx)
{
	struct cmdline *cl = ctx;
	if (key == '\t' || key == KEY_BTAB) {
		tab(t, cl, e, key == '\t' ? 1 : -1);
		return true;
	}
	cand_free(&cl->cand);
	if (key == KEY_UP || key == KEY_DOWN) {
		recall(cl, e, key == KEY_UP ? -1 : 1);
		return true;
	}
	return false;
}

int tui_command_prompt(struct tui *t)
{
	struct cmdline cl = { .hist = history.n };
	char *line = tui_prompt_hook(t, ":", NULL, cmdline_key, &cl);
	cand_free(&cl.cand);
	free(cl.typed);
	if (!line)
		return TUI_HANDLED | TUI_REDRAW;
	history_add(duban_trim(line));
	int r = tui_command(t, line);
	free(line);
	return r | TUI_HANDLED | TUI_REDRAW;
}
