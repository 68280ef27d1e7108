/* The shared selection, from any view: the filter menu, the sort menu,
 * the narrowing search of the views that show a summary of the selection,
 * and the `:` prompt.  One filter state (struct tui's filter, search and
 * sort) is shared by every view; the views only read it. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/util.h"
#include "tui.h"

/* ---------------------------------------------------------------- filter and sort */

/* A copy of s owned by the expression; when its slots are full the
 * expression is rebuilt with only the strings still in use. */
static const char *expr_own(struct duban_filter_expr *e, const char *s)
{
	if (e->nstrings == (int)(sizeof e->strings / sizeof e->strings[0])) {
		struct duban_filter_expr fresh;
		duban_filter_expr_init(&fresh);
		fresh.filter = e->filter;
		fresh.sort = e->sort;
		fresh.descending = e->descending;
		const char **slots[] = { &fresh.filter.county, &fresh.filter.township, &fresh.filter.category,
					 &fresh.filter.unit, &fresh.filter.round, &fresh.filter.text };
		for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
			if (*slots[i])
				*slots[i] = fresh.strings[fresh.nstrings++] = xstrdup(*slots[i]);
		duban_filter_expr_free(e);
		*e = fresh;
	}
	return e->strings[e->nstrings++] = xstrdup(s);
}

/* Every filter `duban list` has, the most used first: 1-9 pick at once. */
enum filter_field {
	FF_COUNTY, FF_TOWNSHIP, FF_STATUS, FF_LIGHT, FF_OVERDUE, FF_DUE_BEFORE, FF_DUE_AFTER, FF_CATEGORY, FF_UNIT,
	FF_KIND, FF_ROUND, FF_TEXT, FF_COUNT
};

static const char *const filter_field_names[FF_COUNT] = {
	N_("County"), N_("Township"), N_("Status"), N_("Warning light"), N_("Overdue"), N_("Due on or before"),
	N_("Due on or after"), N_("Category"), N_("Unit"), N_("Kind"), N_("Round"), N_("Text search"),
};

/* The value lists from the store: the counts are those of the current
 * selection without this field's own condition. */
static const char **value_slot(struct duban_filter *f, enum filter_field ff, const char **column)
{
	switch (ff) {
	case FF_COUNTY: *column = "county"; return &f->county;
	case FF_TOWNSHIP: *column = "township"; return &f->township;
	case FF_CATEGORY: *column = "category"; return &f->category;
	case FF_UNIT: *column = "lead_unit"; return &f->unit;
	case FF_ROUND: *column = "round"; return &f->round;
	default: return NULL;
	}
}

static bool choose_store_value(struct tui *t, enum filter_field ff)
{
	struct duban_filter f = t->filter.filter;
	const char *column = NULL;
	const char **slot = value_slot(&f, ff, &column);
	char **values = NULL;
	long long *counts = NULL;
	int n = 0;

	*slot = NULL;
	if (duban_query_values(t->st, &f, column, &values, &counts, &n) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		return false;
	}
	if (n == 0) {
		tui_message(t, true, "%s", _("no values to choose from"));
		duban_values_free(values, counts, n);
		return false;
	}
	char **choices = xcalloc((size_t)n + 1, sizeof *choices);
	choices[0] = xstrdup(_("(any)"));
	for (int i = 0; i < n; i++)
		choices[i + 1] = xasprintf("%s (%lld)", values[i], counts[i]);
	int pick = tui_choose(t, _(filter_field_names[ff]), (const char *const *)choices, n + 1, 0);
	if (pick >= 0) {
		slot = value_slot(&t->filter.filter, ff, &column);
		*slot = pick == 0 ? NULL : expr_own(&t->filter, values[pick - 1]);
	}
	for (int i = 0; i <= n; i++)
		free(choices[i]);
	free(choices);
	duban_values_free(values, counts, n);
	return pick >= 0;
}

static bool choose_status(struct tui *t)
{
	const char *choices[DUBAN_STATUS_COUNT + 2];
	int n = 0;
	choices[n++] = _("(any)");
	choices[n++] = _("open (not closed)");
	for (int s = 0; s < DUBAN_STATUS_COUNT; s++)
		choices[n++] = duban_status_name(s);
	int pick = tui_choose(t, _("Status"), choices, n, 0);
	if (pick < 0)
		return false;
	unsigned all = (1u << DUBAN_STATUS_COUNT) - 1;
	t->filter.filter.status_mask = pick == 0 ? 0 : pick == 1 ? all & ~(1u << DUBAN_STATUS_CLOSED)
		: 1u << (pick - 2);
	return true;
}

static bool choose_light(struct tui *t)
{
	const char *choices[DUBAN_LIGHT_COUNT + 1];
	char *owned[DUBAN_LIGHT_COUNT];
	int n = 0;
	choices[n++] = _("(any)");
	for (int l = 0; l < DUBAN_LIGHT_COUNT; l++)
		choices[n++] = owned[l] = xasprintf("%s %s", duban_light_symbol(l), duban_light_name(l));
	int pick = tui_choose(t, _("Warning light"), choices, n, 0);
	for (int l = 0; l < DUBAN_LIGHT_COUNT; l++)
		free(owned[l]);
	if (pick < 0)
		return false;
	t->filter.filter.light_mask = pick == 0 ? 0 : 1u << (pick - 1);
	return true;
}

static bool choose_kind(struct tui *t)
{
	const char *choices[DUBAN_KIND_COUNT + 1];
	int n = 0;
	choices[n++] = _("(any)");
	for (int k = 0; k < DUBAN_KIND_COUNT; k++)
		choices[n++] = duban_kind_name(k);
	int pick = tui_choose(t, _("Kind"), choices, n, 0);
	if (pick < 0)
		return false;
	t->filter.filter.kind = pick - 1;
	return true;
}

static bool choose_overdue(struct tui *t)
{
	const char *choices[] = { _("(any)"), _("overdue only") };
	int pick = tui_choose(t, _("Overdue"), choices, 2, t->filter.filter.overdue);
	if (pick < 0)
		return false;
	t->filter.filter.overdue = pick == 1;
	return true;
}

/* A deadline bound typed as a date (any form duban_date_parse reads);
 * empty removes it. */
static bool choose_due(struct tui *t, enum filter_field ff)
{
	duban_date *bound = ff == FF_DUE_BEFORE ? &t->filter.filter.due_before : &t->filter.filter.due_after;
	char now[16] = "";
	if (*bound != DUBAN_DATE_NONE)
		duban_date_format(*bound, now);
	char *label = xasprintf(_("%s: "), _(filter_field_names[ff]));
	char *text = tui_prompt(t, label, now, NULL, NULL);
	free(label);
	if (!text)
		return false;
	duban_trim(text);
	duban_date d = *text ? duban_date_parse(text) : DUBAN_DATE_NONE;
	bool good = !*text || d != DUBAN_DATE_NONE;
	if (good)
		*bound = d;
	else
		tui_message(t, true, _("not a date: %s"), text);
	free(text);
	return good;
}

static bool choose_text(struct tui *t)
{
	char *label = xasprintf(_("%s: "), _(filter_field_names[FF_TEXT]));
	char *text = tui_prompt(t, label, t->filter.filter.text, NULL, NULL);
	free(label);
	if (!text)
		return false;
	duban_trim(text);
	t->filter.filter.text = *text ? expr_own(&t->filter, text) : NULL;
	free(text);
	return true;
}

/* The field's own question; true when the filter changed. */
static bool choose_field(struct tui *t, enum filter_field ff)
{
	switch (ff) {
	case FF_STATUS: return choose_status(t);
	case FF_LIGHT: return choose_light(t);
	case FF_KIND: return choose_kind(t);
	case FF_OVERDUE: return choose_overdue(t);
	case FF_DUE_BEFORE:
	case FF_DUE_AFTER: return choose_due(t, ff);
	case FF_TEXT: return choose_text(t);
	default: return choose_store_value(t, ff);
	}
}

void tui_filter_clear(struct tui *t)
{
	duban_filter_expr_free(&t->filter);
	duban_filter_expr_init(&t->filter);
	free(t->search);
	t->search = NULL;
}

int tui_filter_menu(struct tui *t)
{
	int nsaved = t->settings.nfilters;
	int n = FF_COUNT + nsaved + 1;
	const char **choices = xcalloc((size_t)n, sizeof *choices);
	char **owned = xcalloc((size_t)nsaved + 1, sizeof *owned);

	for (int i = 0; i < FF_COUNT; i++)
		choices[i] = _(filter_field_names[i]);
	for (int i = 0; i < nsaved; i++)
		choices[FF_COUNT + i] = owned[i] = xasprintf(_("saved: %s"), t->settings.filters[i].name);
	choices[n - 1] = _("clear the filter");
	int pick = tui_choose(t, _("Filter by"), choices, n, 0);
	bool changed = false;
	if (pick == n - 1) {
		tui_filter_clear(t);
		changed = true;
	} else if (pick >= FF_COUNT) {
		tui_filter_apply(t, t->settings.filters[pick - FF_COUNT].expr);
	} else if (pick >= 0) {
		changed = choose_field(t, (enum filter_field)pick);
	}
	for (int i = 0; i < nsaved; i++)
		free(owned[i]);
	free(owned);
	free(choices);
	if (changed)
		tui_filter_changed(t);
	return TUI_HANDLED | TUI_REDRAW;
}

int tui_sort_menu(struct tui *t)
{
	/* In enum duban_sort's order, then the direction. */
	const char *choices[DUBAN_SORT_COUNT + 1] = {
		_("deadline"), _("code"), _("last update"), _("warning light"),
		_("county"), _("status"), _("progress"),
	};
	choices[DUBAN_SORT_COUNT] = t->descending ? _("ascending order") : _("descending order");
	int pick = tui_choose(t, _("Sort by"), choices, DUBAN_SORT_COUNT + 1, t->sort);
	if (pick < 0)
		return TUI_HANDLED | TUI_REDRAW;
	if (pick == DUBAN_SORT_COUNT)
		t->descending = !t->descending;
	else
		t->sort = pick;
	tui_filter_changed(t);
	return TUI_HANDLED | TUI_REDRAW;
}

int tui_search_narrow(struct tui *t)
{
	/* The text term of the shared filter, so that the ledger and every
	 * other view narrow the same way (the header shows it as “TEXT”). */
	char *text = tui_prompt(t, "/", t->filter.filter.text, NULL, NULL);
	if (!text)
		return TUI_HANDLED | TUI_REDRAW;
	duban_trim(text);
	t->filter.filter.text = *text ? expr_own(&t->filter, text) : NULL;
	free(text);
	tui_filter_changed(t);
	return TUI_HANDLED | TUI_REDRAW;
}
