/* The full-screen interface: the whole of its public surface. */
#ifndef DUBAN_TUI_H
#define DUBAN_TUI_H

#include "duban/settings.h"
#include "duban/store.h"

struct duban_tui_options {
	const char *ledger_name;  /* shown in the header, e.g. the file name */
	const char *config_path;  /* NULL: the XDG default */
	const char *db_path;      /* the ledger's file: a sync opens its own connection
				     (NULL: no sync from the interface) */
};

/* Runs the interface on an open store until the user quits.  Returns 0, or a
 * non-zero exit code after printing why (no terminal, terminal unusable). */
int duban_tui_run(duban_store *st, const struct duban_tui_options *opt);

#endif
