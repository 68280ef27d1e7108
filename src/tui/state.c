/* What survives a restart: the last view (and the calendar's mode), the
 * shared filter, search and sort, and the ledger's selected item, kept in
 * $XDG_STATE_HOME/duban/state as KEY=VALUE lines.  The file names the ledger
 * it belongs to: another ledger starts afresh.  Written at the end of a run,
 * atomically; a missing or odd file is simply no state. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/settings.h"
#include "duban/util.h"
#include "tui.h"

struct kept {
	char *ledger, *view, *mode, *over, *filter, *search, *item;
};

static void kept_free(struct kept *k)
{
	free(k->ledger);
	free(k->view);
	free(k->mode);
	free(k->over);
	free(k->filter);
	free(k->search);
	free(k->item);
}

static void kept_read(struct kept *k, char *text)
{
	struct {
		const char *key;
		char **value;
	} fields[] = {
		{ "ledger", &k->ledger }, { "view", &k->view }, { "mode", &k->mode }, { "over", &k->over },
		{ "filter", &k->filter }, { "search", &k->search }, { "item", &k->item },
	};
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
			if (strcmp(line, fields[i].key) == 0 && !*fields[i].value)
				*fields[i].value = xstrdup(eq + 1);
	}
}

static const struct tui_view_ops *view_named(const char *name)
{
	static const struct tui_view_ops *const kept_views[] = {
		&tui_ledger_view, &tui_calendar_view, &tui_dashboard_view,
		&tui_overdue_view, &tui_conflicts_view, &tui_synclog_view, &tui_dispatch_view,
	};
	for (size_t i = 0; name && i < sizeof kept_views / sizeof kept_views[0]; i++)
		if (strcmp(name, kept_views[i]->name) == 0)
			return kept_views[i];
	return NULL;
}

static void apply(struct tui *t, const struct kept *k)
{
	if (k->filter && *k->filter)
		tui_filter_apply(t, k->filter);
	if (k->search && *k->search)
		t->search = xstrdup(k->search);
	tui_switch_base(t, &tui_ledger_view, NULL);
	if (k->item && *k->item)
		tui_ledger_goto(t, k->item);
	const struct tui_view_ops *base = view_named(k->view);
	if (base == &tui_calendar_view || base == &tui_dashboard_view)
		tui_switch_base(t, base, base == &tui_calendar_view ? k->mode : NULL);
	const struct tui_view_ops *over = view_named(k->over);
	if (over && over != base && over != &tui_ledger_view && over != &tui_calendar_view &&
	    over != &tui_dashboard_view)
		tui_push(t, over, NULL);
	/* Restoring says nothing; a message would hide the status line. */
	t->message[0] = '\0';
}

void tui_state_restore(struct tui *t, bool fresh)
{
	char *path = duban_state_path("state");
	char *text = fresh ? NULL : duban_read_file(path, NULL);
	struct kept k = { 0 };
	if (text)
		kept_read(&k, text);
	if (text && k.ledger && t->db_path && strcmp(k.ledger, t->db_path) == 0)
		apply(t, &k);
	else
		tui_switch_base(t, &tui_ledger_view, NULL);
	kept_free(&k);
	free(text);
	free(path);
}

/* A value on one line: newlines would start another key. */
static void put(struct duban_buf *b, const char *key, const char *value)
{
	if (!value || !*value || strchr(value, '\n'))
		return;
	duban_buf_printf(b, "%s=%s\n", key, value);
}

void tui_state_save(struct tui *t)
{
	if (!t->db_path || t->depth == 0)
		return;
	struct duban_buf b;
	duban_buf_init(&b);
	put(&b, "ledger", t->db_path);
	const struct tui_view_ops *base = t->stack[0].ops;
	put(&b, "view", base->name);
	if (base == &tui_calendar_view)
		put(&b, "mode", tui_calendar_mode(t->stack[0].self));
	/* The view over it that was open last, not help or an item. */
	for (int i = t->depth - 1; i > 0; i--) {
		if (view_named(t->stack[i].ops->name)) {
			put(&b, "over", t->stack[i].ops->name);
			break;
		}
	}
	char *filter = duban_filter_expr_format(&t->filter.filter, (int)t->sort, t->descending);
	put(&b, "filter", filter);
	free(filter);
	put(&b, "search", t->search);
	char code[192];
	if (tui_ledger_code(t, code, sizeof code))
		put(&b, "item", code);
	char *path = duban_state_path("state");
	/* Best effort: losing the state must not spoil the exit. */
	if (duban_mkdir_parent(path) == 0)
		duban_write_file_atomic(path, b.data ? b.data : "", b.len, 0600);
	free(path);
	duban_buf_free(&b);
}
