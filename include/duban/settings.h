/* The user's configuration file ($XDG_CONFIG_HOME/duban/config): options,
 * key bindings, colours and saved filters, layered on compiled-in defaults.
 * Also the filter expressions that `:filter`, saved filters and the command
 * line share ("county=东川县 status!=closed light=red search=采砂"). */
#ifndef DUBAN_SETTINGS_H
#define DUBAN_SETTINGS_H

#include <stdbool.h>

#include "duban/store.h"

/* One list of options: `set NAME VALUE`.  X(field, name, type, default, help) */
#define DUBAN_OPTIONS(X) \
	X(theme, "theme", STRING, "default", N_("colour theme: a file name in the themes directory")) \
	X(mouse, "mouse", BOOL, "true", N_("react to mouse clicks and the wheel")) \
	X(ambiguous_wide, "ambiguous-wide", BOOL, "false", N_("count East-Asian ambiguous characters as two columns")) \
	X(warn_days, "warn-days", INT, "7", N_("yellow light when due within this many days")) \
	X(lag_yellow, "lag-yellow", INT, "10", N_("yellow light when lagging the schedule by more points")) \
	X(lag_red, "lag-red", INT, "30", N_("red light when lagging the schedule by more points")) \
	X(detail_min_width, "detail-min-width", INT, "100", N_("show the detail pane beside the table from this width")) \
	X(default_sort, "sort", STRING, "light", N_("initial sort: light (most urgent first), deadline, code or updated")) \
	X(agenda_days, "agenda-days", INT, "14", N_("days the agenda shows")) \
	X(auto_sync_minutes, "auto-sync", INT, "0", N_("sync every N minutes when online (0: never)")) \
	X(reply_days, "reply-days", INT, "7", N_("days a supervision letter gives for the written reply")) \
	X(role, "role", STRING, "office", N_("the role of changes made while not logged in: office, inspector or viewer")) \
	X(ladder, "ladder", STRING, "提醒函:1 督办通知:7 通报:15 约谈:30", \
	  N_("supervision ladder for overdue items: steps KIND:DAYS after the deadline")) \
	X(acceptance, "acceptance", STRING, "county:县级初验 city:市级验收", \
	  N_("acceptance chain: levels LEVEL:NAME[@ROLE] in signing order")) \
	X(evidence, "evidence", STRING, "problem:none complaint:none", \
	  N_("evidence a request for acceptance needs: KIND:EVIDENCE,... per item kind")) \
	X(notice_days, "notice-days", INT, "7", N_("days a public notice (公示) runs when the command does not say")) \
	X(feedback_days, "feedback-days", STRING, "10 省:7", \
	  N_("days a transferred complaint has for its feedback: DAYS, and ROUND:DAYS for rounds whose name contains ROUND"))

struct duban_binding {
	char view[16];   /* "generic", "ledger", "calendar", … */
	char key[32];    /* "j", "C-d", "<Enter>", "<PgDn>", "<F1>" … */
	char action[32]; /* an action name, e.g. "move-down" */
};

struct duban_color {
	char element[32]; /* "cursor", "light-red", … */
	char fg[16], bg[16]; /* colour names or numbers 0-255, "default" */
	char attr[32];    /* "bold", "reverse", "underline", "dim", joined with "," */
};

struct duban_saved_filter {
	char name[64];
	char *expr;
};

struct duban_settings {
	char *theme;
	bool mouse, ambiguous_wide;
	int warn_days, lag_yellow, lag_red, detail_min_width, agenda_days, auto_sync_minutes, reply_days;
	int notice_days; /* the days of a public notice (公示) */
	char *default_sort;
	char *ladder;    /* the supervision ladder, as duban_ladder_parse reads it */
	char *acceptance; /* the acceptance chain, as duban_acceptance_parse reads it */
	char *evidence;  /* the evidence policy, as duban_evidence_policy_parse reads it */
	char *feedback_days; /* the feedback clock, as duban_feedback_parse reads it */
	char *role;      /* the local role (not logged in): office, inspector, viewer */
	struct duban_binding *bindings;
	int nbindings;
	struct duban_color *colors; /* from `color` lines of the config (after the theme) */
	int ncolors;
	struct duban_saved_filter *filters;
	int nfilters;
	/* "FILE:LINE: message" for every line that could not be used. */
	char **errors;
	int nerrors;
};

/* Defaults, then path (NULL: duban_config_path(); a missing file is fine). */
void duban_settings_load(struct duban_settings *s, const char *path);
void duban_settings_free(struct duban_settings *s);
/* Applies `set NAME VALUE`; false (with a message in err) when it cannot. */
bool duban_settings_set(struct duban_settings *s, const char *name, const char *value, char *err, size_t errlen);
void duban_settings_light_rules(const struct duban_settings *s, struct duban_light_rules *out);

/* Reads a theme file (lines `color ELEMENT FG BG [ATTR]`, # comments) into
 * colors; errors as "FILE:LINE: message". */
bool duban_theme_load(const char *path, struct duban_color **colors, int *ncolors, char ***errors, int *nerrors);
/* The directories searched for NAME.theme: $XDG_CONFIG_HOME/duban/themes,
 * then DUBAN_THEMEDIR or the installed pkgdatadir/themes, then the source
 * tree's themes/ for uninstalled builds.  Malloc'd path or NULL. */
char *duban_theme_path(const char *name);
/* A data file the office may override, searched in the same order:
 * $XDG_CONFIG_HOME/duban/SUBDIR (or ~/.config/duban/SUBDIR), the directory
 * named by the environment variable env_dir, the installed pkgdatadir/SUBDIR,
 * then SRCDIR of the source tree (top_srcdir, or next to the program) for
 * uninstalled builds.  Malloc'd path or NULL. */
char *duban_data_file(const char *subdir, const char *env_dir, const char *srcdir, const char *file);

/* A filter with the strings it points to. */
struct duban_filter_expr {
	struct duban_filter filter;
	char *strings[16];
	int nstrings;
	bool descending;
	int sort; /* -1: not given */
};
void duban_filter_expr_init(struct duban_filter_expr *e);
void duban_filter_expr_free(struct duban_filter_expr *e);
/* Parses space-separated terms into e (added to what it holds):
 * county=X township=X status=A,B status!=closed light=red,yellow
 * category=X unit=X kind=problem round=X overdue due<DATE due>DATE
 * search=TEXT (or bare words: text search) linked (the search also finds
 * the items linked to its matches) site=CODE site-radius=METRES
 * sort=deadline[-] .
 * Values may be quoted with "".  False with a message when a term is bad. */
bool duban_filter_expr_parse(struct duban_filter_expr *e, const char *expr, char *err, size_t errlen);
/* The expression that parses back into f (and the sort when sort >= 0):
 * "county=东川县 status=in_progress,requested search=\"a b\" sort=code-".
 * Malloc'd, "" for no filter. */
char *duban_filter_expr_format(const struct duban_filter *f, int sort, bool descending);
/* Replaces (or adds) the config file's `filter NAME EXPR` line; expr NULL
 * removes it.  The file is rewritten atomically, every other line kept.
 * path NULL: duban_config_path().  False with a message in err. */
bool duban_config_set_filter(const char *path, const char *name, const char *expr, char *err, size_t errlen);
/* A one-line summary of a filter for headers ("东川县 · 整改中,申请销号 · 采砂"),
 * translated; "" for no filter.  Malloc'd. */
char *duban_filter_summary(const struct duban_filter *f);

#endif
