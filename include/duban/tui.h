/* The full-screen interface: the whole of its public surface. */
#ifndef DUBAN_TUI_H
#define DUBAN_TUI_H

#include "duban/settings.h"
#include "duban/store.h"

/* The views: one list feeds the key maps and the config's `bind VIEW`
 * names, the help's view titles and the view table (tui_ID_view in
 * src/tui).  Adding a view is one line here and its own file.
 * X(ID, title) — ID is also the name the config and key maps use; the
 * title is marked with N_() and translated where it is shown. */
#define TUI_VIEWS(X) \
	X(ledger, N_("ledger")) \
	X(detail, N_("item detail")) \
	X(calendar, N_("calendar")) \
	X(dashboard, N_("dashboard")) \
	X(help, N_("help")) \
	X(conflicts, N_("conflicts")) \
	X(synclog, N_("sync log")) \
	X(overdue, N_("overdue items")) \
	X(dispatch, N_("dispatch"))

struct duban_tui_options {
	const char *ledger_name;  /* shown in the header, e.g. the file name */
	const char *config_path;  /* NULL: the XDG default */
	const char *db_path;      /* the ledger's file: a sync opens its own connection
				     (NULL: no sync from the interface) */
	bool fresh;               /* --fresh: not the views the last run left */
};

/* Runs the interface on an open store until the user quits.  Returns 0, or a
 * non-zero exit code after printing why (no terminal, terminal unusable). */
int duban_tui_run(duban_store *st, const struct duban_tui_options *opt);

#endif
