/* The TUI's internal contract: the application state, views, actions, key
 * maps, theme elements, drawing helpers and modal widgets.  Views include
 * this; nothing outside src/tui does. */
#ifndef DUBAN_TUI_INTERNAL_H
#define DUBAN_TUI_INTERNAL_H

#include <stdbool.h>
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#include "duban/settings.h"
#include "duban/store.h"
#include "duban/tui.h"
#include "duban/util.h"

/* ---- Actions: one list drives the enum, `bind` names, help and the man
 * page.  X(ID, name, help) ---- */
#define TUI_ACTIONS(X) \
	X(NONE, "none", "") \
	X(QUIT, "quit", N_("quit duban")) \
	X(HELP, "help", N_("show the keys of this view")) \
	X(BACK, "back", N_("close this view, cancel")) \
	X(MOVE_DOWN, "move-down", N_("next row / next week")) \
	X(MOVE_UP, "move-up", N_("previous row / previous week")) \
	X(MOVE_LEFT, "move-left", N_("previous day / scroll left")) \
	X(MOVE_RIGHT, "move-right", N_("next day / scroll right")) \
	X(PAGE_DOWN, "page-down", N_("next page / next month")) \
	X(PAGE_UP, "page-up", N_("previous page / previous month")) \
	X(HALF_DOWN, "half-page-down", N_("half a page down")) \
	X(HALF_UP, "half-page-up", N_("half a page up")) \
	X(FIRST, "first", N_("first row")) \
	X(LAST, "last", N_("last row")) \
	X(ENTER, "enter", N_("open the selected item or day")) \
	X(NEXT_PANE, "next-pane", N_("switch between the table and the detail pane")) \
	X(DETAIL_DOWN, "detail-down", N_("scroll the detail pane down")) \
	X(DETAIL_UP, "detail-up", N_("scroll the detail pane up")) \
	X(SEARCH, "search", N_("search as you type")) \
	X(SEARCH_NEXT, "search-next", N_("next match")) \
	X(SEARCH_PREV, "search-prev", N_("previous match")) \
	X(FILTER, "filter", N_("filter by county, status, light, category, unit, kind, round")) \
	X(CLEAR_FILTER, "clear-filter", N_("clear the filter and search")) \
	X(SORT, "sort", N_("change the sort order")) \
	X(COMMAND, "command", N_("command line (:filter, :sort, :goto, :q)")) \
	X(VIEW_LEDGER, "view-ledger", N_("ledger view")) \
	X(VIEW_CALENDAR, "view-calendar", N_("calendar: month")) \
	X(VIEW_WEEK, "view-week", N_("calendar: week")) \
	X(VIEW_AGENDA, "view-agenda", N_("calendar: agenda")) \
	X(VIEW_DASHBOARD, "view-dashboard", N_("dashboard")) \
	X(WRITE_BULLETIN, "write-bulletin", N_("write the bulletin of the current filter to a file")) \
	X(TODAY, "today", N_("jump to today")) \
	X(ADD_NOTE, "add-note", N_("add a progress note")) \
	X(ADD_INSPECTION, "add-inspection", N_("record an inspection")) \
	X(ADD_ACTION, "add-action", N_("add a supervision action")) \
	X(CHANGE_STATUS, "change-status", N_("change the status")) \
	X(EDIT_ITEM, "edit-item", N_("edit the item's fields")) \
	X(NEW_ITEM, "new-item", N_("create an item")) \
	X(SYNC, "sync", N_("sync with the server now")) \
	X(VIEW_CONFLICTS, "view-conflicts", N_("conflicts and rejected changes")) \
	X(VIEW_SYNCLOG, "view-synclog", N_("sync log: the last syncs")) \
	X(KEEP_MINE, "keep-mine", N_("conflict: keep my value (sent at the next sync)")) \
	X(TAKE_THEIRS, "take-theirs", N_("conflict: take the server's value")) \
	X(EDIT_VALUE, "edit-value", N_("conflict: edit the value, then keep it")) \
	X(RETRY_OP, "retry-op", N_("rejected change: send it again")) \
	X(DROP_OP, "drop-op", N_("rejected change: drop it (back to the server's value)")) \
	X(REFRESH, "refresh", N_("reload and redraw")) \
	X(VIEW_OVERDUE, "view-overdue", N_("overdue items on the supervision ladder")) \
	X(ISSUE_STEP, "issue-step", N_("issue the step due: record it and write its letter")) \
	X(NEXT_SECTION, "next-section", N_("agenda: next section (overdue, this week, next week, ongoing)")) \
	X(PREV_SECTION, "prev-section", N_("agenda: previous section")) \
	X(ATTACH_FILE, "attach-file", N_("attach a file as evidence (a photo, a decision…)")) \
	X(OPEN_ATTACHMENT, "open-attachment", N_("open an attachment (downloaded first if need be)")) \
	X(SIGN_ACCEPTANCE, "sign-acceptance", N_("sign the next acceptance level")) \
	X(ADD_OBJECTION, "add-objection", N_("record an objection (异议) to the public notice")) \
	X(RESOLVE_OBJECTION, "resolve-objection", N_("settle an objection: upheld or dismissed (the office)")) \
	X(GOTO_SECTION, "goto-section", N_("item: jump to section N (1 fields, 2 history, 3 records, 4 attachments)")) \
	X(VIEW_DISPATCH, "view-dispatch", N_("dispatch: my items to report in the latest round"))

enum tui_action {
#define TUI_ACTION_ENUM(id, name, help) TUI_ACT_##id,
	TUI_ACTIONS(TUI_ACTION_ENUM)
#undef TUI_ACTION_ENUM
	TUI_ACT_COUNT
};
const char *tui_action_name(enum tui_action a);
const char *tui_action_help(enum tui_action a); /* translated */
int tui_action_parse(const char *name);         /* -1 when unknown */

/* ---- Theme elements.  X(ID, name, default colour, mono attribute) ---- */
#define TUI_ELEMENTS(X) \
	X(DEFAULT, "default") \
	X(HEADER, "header") \
	X(STATUS_LINE, "status-line") \
	X(CURSOR, "cursor") \
	X(TABLE_HEAD, "table-head") \
	X(LABEL, "label") \
	X(DIM, "dim") \
	X(BORDER, "border") \
	X(LIGHT_RED, "light-red") \
	X(LIGHT_YELLOW, "light-yellow") \
	X(LIGHT_GREEN, "light-green") \
	X(LIGHT_BLUE, "light-blue") \
	X(LIGHT_GREY, "light-grey") \
	X(OVERDUE, "overdue") \
	X(DUE_SOON, "due-soon") \
	X(TODAY, "today") \
	X(BAR, "bar") \
	X(MESSAGE, "message") \
	X(ERROR, "error") \
	X(INPUT, "input") \
	X(HELP_KEY, "help-key") \
	X(CONFLICT, "conflict") \
	X(STATUS_ONLINE, "status-online") \
	X(STATUS_OFFLINE, "status-offline") \
	X(STATUS_ERROR, "status-error")

enum tui_element {
#define TUI_ELEMENT_ENUM(id, name) TUI_EL_##id,
	TUI_ELEMENTS(TUI_ELEMENT_ENUM)
#undef TUI_ELEMENT_ENUM
	TUI_EL_COUNT
};
const char *tui_element_name(enum tui_element e);
int tui_element_parse(const char *name);

/* ---- Handler results (htop style): what the loop must do next ---- */
enum {
	TUI_IGNORED = 0,
	TUI_HANDLED = 1 << 0,
	TUI_REDRAW = 1 << 1,  /* redraw this view */
	TUI_RELOAD = 1 << 2,  /* data changed: every view reloads its rows */
	TUI_CLOSE = 1 << 3,   /* pop this view off the stack */
	TUI_QUIT = 1 << 4
};

struct tui;

/* A view (tig's view_ops): its state lives behind `self`. */
struct tui_view_ops {
	const char *name;    /* also the key map name: "ledger", "detail", … */
	void *(*open)(struct tui *t, void *arg);
	void (*close)(void *self);
	/* Draw into the rectangle; the loop calls doupdate. */
	void (*draw)(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w);
	/* An action from the key map, or TUI_ACT_NONE with the raw key
	 * (wide characters as their code point, KEY_* for function keys). */
	int (*handle)(struct tui *t, void *self, enum tui_action a, int key);
	/* Reload rows after TUI_RELOAD (may be NULL). */
	void (*reload)(struct tui *t, void *self);
	/* One line for the header (counts, filter) or NULL. */
	char *(*title)(struct tui *t, void *self);
	/* Slow work deferred until the first screen is up and no key is
	 * waiting (counts on a huge ledger).  Returns true when it changed
	 * something to draw.  May be NULL. */
	bool (*idle)(struct tui *t, void *self);
	/* A mouse event inside the view (may be NULL); y, x in the same screen
	 * coordinates draw() got its rectangle in. */
	int (*mouse)(struct tui *t, void *self, int y, int x, mmask_t buttons);
	/* The actions the view handles itself, ending with TUI_ACT_NONE;
	 * with the loop's own (quit, help, views, filter, sort, `:` …) they
	 * are what its help lists.  NULL: only the loop's own. */
	const enum tui_action *actions;
};
/* Whether an action does something in a view: the help lists only these,
 * and the others say so in a message. */
bool tui_view_can(const struct tui_view_ops *ops, enum tui_action a);
/* The movement actions every list view has, for its `actions` list. */
#define TUI_LIST_MOVES TUI_ACT_MOVE_DOWN, TUI_ACT_MOVE_UP, TUI_ACT_PAGE_DOWN, TUI_ACT_PAGE_UP, \
	TUI_ACT_HALF_DOWN, TUI_ACT_HALF_UP, TUI_ACT_FIRST, TUI_ACT_LAST

/* tui_ledger_view, tui_detail_view (arg = item id), tui_calendar_view (arg =
 * "month"/"week"/"agenda"), tui_help_view (arg = the view below), …: one per
 * entry of TUI_VIEWS, each in its view_ID.c. */
#define TUI_VIEW_EXTERN(id, title) extern const struct tui_view_ops tui_##id##_view;
TUI_VIEWS(TUI_VIEW_EXTERN)
#undef TUI_VIEW_EXTERN
/* The view's title as people read it (translated), or the name itself. */
const char *tui_view_title(const char *name);

#define TUI_MAX_STACK 8
struct tui_stacked {
	const struct tui_view_ops *ops;
	void *self;
};

struct tui_sync;

struct tui {
	duban_store *st;
	const char *db_path; /* the ledger's file, for the sync's own connection; may be NULL */
	const char *config_path; /* NULL: the XDG default (for :save) */
	struct duban_settings settings;
	const char *ledger_name;
	int rows, cols;
	bool color;
	/* The user's locale is UTF-8 (not switched to C.UTF-8 at start-up):
	 * block elements, box lines and symbols may be drawn; else ASCII. */
	bool utf8;
	attr_t attrs[TUI_EL_COUNT];
	struct tui_stacked stack[TUI_MAX_STACK];
	int depth;
	char message[256];   /* transient status-line message */
	bool message_error;
	/* The ledger's shared filter and sort: the ledger, calendar and
	 * dashboard all show the same selection. */
	struct duban_filter_expr filter;
	char *search;        /* current search text or NULL */
	enum duban_sort sort;
	bool descending;
	/* Sync: the job and what the status line shows (sync.c).  The counts
	 * are refreshed after changes and syncs, never per key. */
	struct tui_sync *sync;
	long long queued;    /* ops waiting to be sent (rejected ones not counted) */
	long long rejected;  /* ops the server refused, waiting for the user */
	long long conflicts; /* unresolved conflicts */
	/* Keys are coming faster than a person types them (a held key): a
	 * view may leave out what is replaced at every key (the ledger's
	 * pane) and set settle_redraw; the loop redraws once keys stop. */
	bool keys_repeating;
	bool settle_redraw;
	/* The lines scroll_top..scroll_bottom of the screen moved by
	 * scroll_n (> 0: up) since the last frame: the next frame first
	 * scrolls them so, full width (tui_scroll_hint). */
	int scroll_top, scroll_bottom, scroll_n;
};

/* ---- The loop (tui.c) ---- */
void tui_push(struct tui *t, const struct tui_view_ops *ops, void *arg);
void tui_switch_base(struct tui *t, const struct tui_view_ops *ops, void *arg); /* replaces stack[0], pops the rest */
void tui_message(struct tui *t, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A view's lines top..bottom (screen rows) moved n lines up (n < 0: down)
 * since the last frame.  ncurses finds a terminal scroll only for whole
 * lines that match: beside a pane that changes with them (the ledger's)
 * none do, and every line would be written anew.  The next frame is then
 * sent in two steps: the scroll of the previous frame (a few bytes), then
 * what differs from it. */
void tui_scroll_hint(struct tui *t, int top, int bottom, int n);
/* Redraws everything (header, views, status line) to the virtual screen;
 * modal widgets call it on KEY_RESIZE before drawing themselves. */
void tui_draw_all(struct tui *t);
/* Reads one key (wide chars as code points); handles KEY_RESIZE by updating
 * rows/cols and redrawing all; returns the key. */
int tui_getkey(struct tui *t);
/* Key maps (keymap.c): the compiled-in bindings, then the config's `bind`
 * lines (bad ones are added to t->settings.errors). */
void tui_keymap_init(struct tui *t);
void tui_keymap_free(void);
/* "j", "C-d", "<Enter>", "<PgDn>", "<F1>", "督" -> key code; -1 when not a
 * key.  C-a..C-z are 1..26. */
int tui_key_parse(const char *name);
char *tui_key_name(int key); /* malloc'd, the form tui_key_parse reads */
/* tui_getkey already applies this: Enter ('\r', KEY_ENTER) becomes '\n',
 * DEL (127) becomes KEY_BACKSPACE. */
int tui_key_normalize(int key);
/* ncurses numbers its function keys 0401-0777, the code points of Latin
 * Extended-A/B (the pinyin tone letters ā á ǎ à ǖ …).  A typed character in
 * that range comes as TUI_KEY_TEXT | code point, so it is never mistaken for
 * a key; tui_key_char gives the character of any key that is text. */
#define TUI_KEY_TEXT 0x40000000
static inline int tui_key_char(int key)
{
	return (key & TUI_KEY_TEXT) ? key & ~TUI_KEY_TEXT : key;
}
/* Colours (theme.c): decides colour or monochrome, reads the theme and the
 * config's `color` lines into t->attrs (errors to t->settings.errors).
 * Call after the screen is initialised. */
void tui_theme_init(struct tui *t);
/* Looks the key up in the view's map, then the generic map. */
enum tui_action tui_key_action(struct tui *t, const char *view, int key);
/* The key names bound to an action in a view, for help ("j, <Down>"). */
char *tui_keys_for(struct tui *t, const char *view, enum tui_action a);
/* Whether the view's own map (not the generic one) binds an action. */
bool tui_view_binds(const char *view, enum tui_action a);
/* List navigation (list.c), shared by the list views: moves *cur over n
 * rows for a movement action (a page is `page` rows), clamped to the list;
 * TUI_IGNORED when a is not one.  tui_list_set clamps a jump to `to`. */
int tui_list_move(int *cur, int n, int page, enum tui_action a);
int tui_list_set(int *cur, int n, int to);
/* Re-applies the shared filter + search to every view. */
void tui_filter_changed(struct tui *t);

/* ---- Drawing (draw.c): every string from data goes through these ---- */
/* Draws s at (y, x) in exactly cols columns (truncated with …, padded),
 * sanitized; returns the columns drawn. */
int tui_text(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr);
int tui_text_right(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr);
void tui_fill(WINDOW *w, int y, int x, int cols, attr_t attr);
attr_t tui_attr(const struct tui *t, enum tui_element e);
attr_t tui_light_attr(const struct tui *t, enum duban_light l);
/* "overdue 12 days" / "3 days left" / "due today" / "ongoing"; translated. */
char *tui_due_text(duban_date deadline, enum duban_deadline_kind dk, duban_date today);
/* Draws over s (already drawn at x in cols columns) the first place of each
 * space-separated term, in attr: the search's match highlighted. */
void tui_text_mark(WINDOW *w, int y, int x, const char *s, int cols, const char *terms, attr_t attr);
/* The same for a narrow column: "159d late", "63d left" (逾期159天). */
char *tui_due_short(duban_date deadline, enum duban_deadline_kind dk, duban_date today);
/* A status's short name for a narrow column ("in prog."); 申请销号 stays. */
const char *tui_status_short(enum duban_status s);
/* A box with a title, for forms and prompts. */
void tui_box(WINDOW *w, int y, int x, int h, int wd, const char *title, attr_t attr);

/* ---- Line editor (lineedit.c): pure logic, no curses ---- */
struct tui_lineedit {
	char *text;      /* UTF-8 */
	size_t len, cap;
	size_t cursor;   /* byte offset, always on a character boundary */
	bool multiline;
	bool modified;
	int goal_col;    /* column Up/Down aim for across short rows; -1: none */
};
void tui_lineedit_init(struct tui_lineedit *e, const char *initial, bool multiline);
void tui_lineedit_free(struct tui_lineedit *e);
/* Handles one key (readline keys C-a C-e C-b C-f C-k C-u C-w C-d, arrows,
 * Home/End, Backspace/Delete, printable code points, Enter in multiline);
 * returns true when the key was used. */
bool tui_lineedit_key(struct tui_lineedit *e, int key);
void tui_lineedit_insert(struct tui_lineedit *e, const char *utf8);
/* Draws the editor in a rows x cols area (wrapped by display width when
 * multiline, scrolled horizontally otherwise) and places the cursor. */
void tui_lineedit_draw(const struct tui_lineedit *e, WINDOW *w, int y, int x, int rows, int cols, attr_t attr);
/* Replaces the text (cursor at the end), keeping `modified`. */
void tui_lineedit_set(struct tui_lineedit *e, const char *text);
/* Pure helpers behind the drawing, in display columns, the text wrapped at
 * cols (multiline) or not at all (single line):
 * - view_start: byte offset of the first character shown when scrolled
 *   horizontally (the view moves by half its width at a time);
 * - locate: the cursor's row and column;  rows: how many rows the text takes;
 * - top_row: the first row shown in an area `rows` high;
 * - vertical: the cursor up (dir < 0) or down one wrapped row at the same
 *   display column; false at the first/last row, so a form can move to the
 *   next field.  KEY_UP/KEY_DOWN in tui_lineedit_key move by logical line. */
size_t tui_lineedit_view_start(const struct tui_lineedit *e, int cols);
void tui_lineedit_locate(const struct tui_lineedit *e, int cols, int *row, int *col);
int tui_lineedit_rows(const struct tui_lineedit *e, int cols);
int tui_lineedit_top_row(const struct tui_lineedit *e, int cols, int rows);
bool tui_lineedit_vertical(struct tui_lineedit *e, int dir, int cols);

/* ---- Modal widgets (prompt.c, form.c): run their own key loop, redraw the
 * whole screen on resize, and never lose what was typed ---- */
/* One-line prompt in the status line.  on_change (may be NULL) is called
 * after every edit (search as you type).  Returns the malloc'd text, or NULL
 * when cancelled with Esc. */
char *tui_prompt(struct tui *t, const char *label, const char *initial,
		 void (*on_change)(struct tui *t, const char *text, void *ctx), void *ctx);
/* The same with a hook that sees every key before the line editor (Tab
 * completion, history); it returns true when it used the key. */
typedef bool (*tui_prompt_key_fn)(struct tui *t, struct tui_lineedit *e, int key, void *ctx);
char *tui_prompt_hook(struct tui *t, const char *label, const char *initial, tui_prompt_key_fn hook, void *ctx);
/* Pick one of n choices in a small menu (the digit beside a choice picks
 * it at once); returns the index or -1. */
int tui_choose(struct tui *t, const char *title, const char *const *choices, int n, int initial);
/* Yes/no question; default no. */
bool tui_confirm(struct tui *t, const char *question);

/* Forms (forms.c): each saves through the store in one transaction and
 * returns TUI_RELOAD when something was written, TUI_REDRAW otherwise. */
int tui_form_note(struct tui *t, const char *item_id);
int tui_form_inspection(struct tui *t, const char *item_id);
int tui_form_action(struct tui *t, const char *item_id);
int tui_form_status(struct tui *t, const char *item_id);
int tui_form_edit(struct tui *t, const char *item_id);
int tui_form_new_item(struct tui *t);
/* Signs the next level of the acceptance chain of a requested item, as
 * `duban accept` does; offered only to a role that may sign that level. */
int tui_form_accept(struct tui *t, const char *item_id);
/* An objection to the item's public notice (text, who, when), as `duban
 * objection add`; settling one of the open objections (the office), as
 * `duban objection resolve`. */
int tui_form_objection(struct tui *t, const char *item_id);
int tui_form_resolve_objection(struct tui *t, const char *item_id);
/* A submission for the 调度 round called round on an item (progress,
 * text, an optional file), as `duban dispatch submit`; progress is the
 * form's starting value (-1: the item's). */
int tui_form_dispatch(struct tui *t, const char *round, const char *item_id, int progress);
/* "县级初验 ✓ → 市级验收 (next)": the levels signed and the next.  Malloc'd. */
struct duban_acceptance_chain;
char *tui_chain_text(const struct duban_acceptance_chain *c, int next);
/* Attachments (attach.c): a path prompt (Tab completes file names, ~ is
 * the home directory) and the kind of evidence, then duban_attach_file;
 * opening one fetches it when not local and runs $DUBAN_OPEN or xdg-open
 * when a display exists, else shows its path.  Esc at any step does
 * nothing.  TUI_* flags. */
int tui_attach(struct tui *t, const char *item_id);
int tui_open_attachment(struct tui *t, const char *item_id);
/* "~/x" with the home directory; anything else copied.  Malloc'd. */
char *tui_expand_home(const char *path);
/* Completes the file name being typed in text (after ~ expansion) to the
 * longest common prefix of the names in its directory; a directory gets
 * "/".  Malloc'd; NULL when nothing matches. */
char *tui_complete_path(const char *text);

/* ---- Item detail (view_detail.c): shared by the ledger's pane (a
 * preview) and the full-screen detail view ---- */
/* The sections of an item, in the order they are shown; the full view's
 * section bar and its jump keys (1, 2, …) follow this list.  A new section
 * is a line here and its builder in view_detail.c's `builders` table. */
#define TUI_DETAIL_SECTIONS(X) \
	X(FIELDS, N_("Fields")) \
	X(HISTORY, N_("History")) \
	X(RECORDS, N_("Records")) \
	X(ATTACHMENTS, N_("Attachments"))

enum tui_detail_section {
#define TUI_DETAIL_SECTION_ENUM(id, title) TUI_SEC_##id,
	TUI_DETAIL_SECTIONS(TUI_DETAIL_SECTION_ENUM)
#undef TUI_DETAIL_SECTION_ENUM
	TUI_SEC_COUNT
};
const char *tui_detail_section_title(enum tui_detail_section s); /* translated */

/* One screen line: a label and its text, and at two-column widths a second
 * such part beside it (x2 columns in). */
struct tui_detail_part {
	char *label;          /* field title, or NULL on other lines */
	char *text;           /* sanitized, wrapped to fit */
	int indent;           /* columns before text */
	enum tui_element el;
};
struct tui_detail_line {
	struct tui_detail_part a, b; /* b.text is NULL on one-part lines */
	int x2;
	enum tui_detail_section section;
	char rec[37];         /* the record (note, inspection, …) shown; "" */
};
struct tui_detail_opts {
	int cols;
	bool preview;         /* the pane: a field's value on one line */
	bool two_columns;     /* fields side by side (wide full view) */
	/* Preview: the fields (bit i: duban_fields[i], TUI_DETAIL_DUE_BIT:
	 * the days left) that keep their line, empty, when this item has no
	 * value, so that the pane's lines stay where they were. */
	uint64_t sticky;
};
#define TUI_DETAIL_DUE_BIT 63
struct tui_detail {
	struct tui_detail_line *lines;
	int n, cap;
	int cols, label_cols; /* the width rendered for */
	bool preview, two_columns;
	int start[TUI_SEC_COUNT]; /* each section's first line; -1 when absent */
	char item_id[37];     /* "" when the item was not found */
	char *title;          /* "CODE  title" */
	uint64_t sticky;      /* as in the options */
	uint64_t shown;       /* the fields given a line (the same bits) */
};
/* Renders the item's sections (fields with translated titles, empty ones
 * skipped; its history and records newest first; its attachments) into
 * lines wrapped to o->cols; false when not found. */
bool tui_detail_render(struct tui *t, const char *item_id, const struct tui_detail_opts *o, struct tui_detail *out);
void tui_detail_free(struct tui_detail *d);
/* Draws lines from top; the lines of record `mark` (may be NULL)
 * highlighted. */
void tui_detail_draw(struct tui *t, const struct tui_detail *d, int top, const char *mark, WINDOW *win, int y, int x,
		     int h, int w);
int tui_detail_max_top(const struct tui_detail *d, int h);
/* Applies a scrolling action to *top (0 … max); TUI_IGNORED when a is
 * not one. */
int tui_detail_scroll(int *top, int max, int height, enum tui_action a);
/* The section line `line` is in. */
enum tui_detail_section tui_detail_section_at(const struct tui_detail *d, int line);
/* The first line of the record shown in `after` but not in `before` (a
 * record just saved), or -1; its id into rec. */
int tui_detail_new_record(const struct tui_detail *before, const struct tui_detail *after, char rec[37]);
/* The top that shows line in a window `height` lines high with context:
 * its section's heading when near, else the line before it. */
int tui_detail_top_for(const struct tui_detail *d, int line, int height);
/* Opens the form an item action (add-note … edit-item) asks for. */
int tui_item_form(struct tui *t, enum tui_action a, const char *item_id);

/* ---- The ledger (view_ledger.c) ---- */
/* Positions the ledger's cursor on an item (code or id), clearing the
 * filter when the item is outside it; a message when there is no such item. */
void tui_ledger_goto(struct tui *t, const char *item_id);
/* The code of the ledger's selected item; false when there is none. */
bool tui_ledger_code(struct tui *t, char *buf, size_t n);
/* The calendar's mode ("month", "week", "agenda"), as its open() takes it. */
const char *tui_calendar_mode(const void *self);

/* ---- The 调度 view (view_dispatch.c) ---- */
/* Shows the round called name (NULL: the latest open one) in the dispatch
 * view self; false with a message when there is no such round. */
bool tui_dispatch_select(struct tui *t, void *self, const char *name);

/* ---- What survives a restart (state.c): the view, filter, search, sort
 * and selection in $XDG_STATE_HOME/duban/state, per ledger file ---- */
/* Opens the views as the last run left them (the ledger when nothing was
 * kept, or fresh). */
void tui_state_restore(struct tui *t, bool fresh);
void tui_state_save(struct tui *t);

/* ---- Sync (sync.c): one background job at a time; the loop polls its
 * fd with the keyboard, so the screen never waits for the network ---- */
void tui_sync_init(struct tui *t);
void tui_sync_free(struct tui *t);        /* cancels a running job */
/* Starts a sync (a message says why not); automatic: by auto-sync, quiet
 * when there is nothing to do.  Returns TUI_* flags. */
int tui_sync_start(struct tui *t, bool automatic);
bool tui_sync_running(const struct tui *t);
int tui_sync_fd(const struct tui *t);     /* the job's fd, -1 when none */
/* Milliseconds until an automatic sync is due; -1 when none is. */
int tui_sync_wait_ms(struct tui *t);
/* News from the job or the timer: reads the job's report, starts an
 * automatic sync when due.  TUI_* flags (TUI_RELOAD after a sync). */
int tui_sync_event(struct tui *t);
/* Re-reads t->queued, t->rejected and t->conflicts (COUNT queries). */
void tui_sync_counts(struct tui *t);
/* The left part of the status line, full or brief.  Malloc'd. */
char *tui_sync_status(struct tui *t, bool brief);
/* The status line's element: online, offline or error, as the last sync
 * (or login) found the server. */
enum tui_element tui_sync_element(const struct tui *t);
/* The account file was written or removed since last looked at (a login or
 * logout elsewhere): online or not logged in follows.  True when it was. */
bool tui_sync_account_changed(struct tui *t);
/* The first key of an action in the generic map ("C"), for hints.  Malloc'd. */
char *tui_first_key(struct tui *t, const char *view, enum tui_action a);
/* A stored field value as people read it: "(empty)", "(none)" for NULL,
 * enums translated.  field may be unknown.  Malloc'd. */
char *tui_conflict_value(const char *field, const char *value);
/* The field's title as people read it (translated), or the name. */
const char *tui_field_title(const char *field);

/* ---- The shared selection from any view (select.c) ---- */
/* The numbered menus of f and o; TUI_* flags. */
int tui_filter_menu(struct tui *t);
int tui_sort_menu(struct tui *t);
/* Clears the filter and the search (the caller reloads the views). */
void tui_filter_clear(struct tui *t);
/* `/` in the views that show a summary of the selection (calendar,
 * dashboard, overdue): the search narrows them to the matching items. */
int tui_search_narrow(struct tui *t);

/* ---- The `:` command line (command.c) ---- */
/* The `:` prompt (Tab completes, Up/Down recall), then the command. */
int tui_command_prompt(struct tui *t);
void tui_command_history_free(void);
int tui_command(struct tui *t, const char *line);
/* Replaces the shared filter (and the sort, when it names one) with a
 * filter expression and re-applies it; false with a message when it does
 * not parse. */
bool tui_filter_apply(struct tui *t, const char *expr);

#endif
