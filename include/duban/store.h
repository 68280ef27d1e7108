/* The local ledger cache in SQLite: items, their records, the audit trail,
 * the outbox, full-text search and windowed queries.  Every change writes the
 * row, its audit events, its outbox op and its search index entry in one
 * transaction. */
#ifndef DUBAN_STORE_H
#define DUBAN_STORE_H

#include <stdbool.h>

#include "duban/closeout.h"
#include "duban/feedback.h"
#include "duban/model.h"

typedef struct duban_store duban_store;

/* Opens (creating directories, file and schema as needed, migrating older
 * schemas forward) the ledger at path.  On failure returns NULL and writes a
 * message into err. */
duban_store *duban_store_open(const char *path, char *err, size_t errlen);
void duban_store_close(duban_store *st);

/* Last error message (English msgid already translated), for the user. */
const char *duban_store_errmsg(const duban_store *st);
int duban_store_schema_version(duban_store *st);
/* SQLite's data_version of this connection: it changes when another
 * connection (another duban, a sync) commits to the ledger, never for this
 * one's own writes.  -1 when it cannot be read. */
long long duban_store_data_version(duban_store *st);
/* While stop is set, a running query asks it every few thousand steps and
 * is abandoned (failing) when it returns true: the TUI's idle work gives
 * way to a key at once.  NULL removes it.  duban_store_stopped tells
 * whether the last failure was such an abandon, not an error. */
void duban_store_set_stop(duban_store *st, bool (*stop)(void *), void *ctx);
bool duban_store_stopped(const duban_store *st);

/* Who makes the changes: written into events and ops.  Defaults: user from
 * $USER, device from the host name, role office. */
void duban_store_set_actor(duban_store *st, const char *user, const char *device, enum duban_role role);
enum duban_role duban_store_role(const duban_store *st);
void duban_store_set_light_rules(duban_store *st, const struct duban_light_rules *rules);
const struct duban_light_rules *duban_store_light_rules(const duban_store *st);
/* The feedback clock's days per round (`feedback-days`); NULL: the default. */
void duban_store_set_feedback_rules(duban_store *st, const struct duban_feedback_rules *rules);
const struct duban_feedback_rules *duban_store_feedback_rules(const duban_store *st);
/* When false, changes write no outbox op (demo ledgers, data pulled from the
 * server).  Default true. */
void duban_store_set_outbox(duban_store *st, bool enabled);
/* The counties an inspector may write (NULL or none: every county): items of
 * other counties are refused, as the server would refuse them. */
void duban_store_set_counties(duban_store *st, const char *const *counties, int n);
/* The acceptance chain a requested item is signed along (default
 * duban_acceptance_default): a passing inspection verifies it only when it
 * signs the chain's last level. */
void duban_store_set_acceptance(duban_store *st, const struct duban_acceptance_chain *chain);
const struct duban_acceptance_chain *duban_store_acceptance(const duban_store *st);
/* The whole close-out policy in force (duban_policy_load decides it; NULL:
 * the built-in defaults).  set_acceptance changes its chain only. */
struct duban_policy;
void duban_store_set_policy(duban_store *st, const struct duban_policy *p);
const struct duban_policy *duban_store_policy(const duban_store *st);
/* The chain the item is signed along (duban_acceptance_of: its own, else
 * the policy's).  An unknown item gets the policy's. */
enum duban_err duban_item_chain(duban_store *st, const char *item_id, struct duban_acceptance_chain *out);
/* The index in the chain of the item's next level to sign, from its
 * inspections with a level since its latest request for acceptance
 * (chain->n when every level is signed). */
enum duban_err duban_acceptance_progress(duban_store *st, const char *item_id, int *next);
/* The kinds of evidence among the item's attachments, a mask of
 * 1 << enum duban_evidence_kind. */
enum duban_err duban_evidence_present(duban_store *st, const char *item_id, unsigned *mask);
/* The reason every following event gets when its change names none, e.g.
 * "import 台账.xlsx" (NULL: none). */
void duban_store_set_source(duban_store *st, const char *source);

/* duband's side of a push.  receiving: events and records get received_at
 * (now), and the changes a change implies (progress 100 on verification, the
 * status an acceptance check moves) are not made: the client sends them as
 * ops of their own.  set_op names the op being applied and when its author
 * made it (recorded at; "" or NULL: now); NULL clears it. */
void duban_store_set_receiving(duban_store *st, bool receiving);
void duban_store_set_op(duban_store *st, const char *op_id, const char *recorded_at);

/* The reason of an event for progress set to 100 by a move to verified. */
#define DUBAN_IMPLIED_REASON "implied by the status"

/* Explicit transactions around several changes (import: all or nothing).
 * Changes made inside nest as savepoints. */
enum duban_err duban_store_begin(duban_store *st);
enum duban_err duban_store_commit(duban_store *st);
void duban_store_rollback(duban_store *st);
/* Bulk loading (the demo generator; a ledger made from scratch, in a file
 * renamed into place when whole): one transaction in which the item, record
 * and audit indexes and the search index are not kept up row by row but
 * built once when it ends, with the journal in memory, sync to disk off and
 * a large page cache while it runs (a crash can leave the file unusable).  The ledger ends up with
 * the same content as when filled change by change.  A change that fails
 * inside it leaves its rows: the caller must end with commit false (roll
 * everything back) after any error. */
enum duban_err duban_store_bulk_begin(duban_store *st);
/* The same for a ledger in use (the first download into an empty one):
 * the WAL stays, so a crash leaves the ledger as it was, and the cache
 * stays small. */
enum duban_err duban_store_bulk_begin_in_place(duban_store *st);
enum duban_err duban_store_bulk_end(duban_store *st, bool commit);
/* Inside a bulk load in place: its end leaves the search index to be built
 * later (duban_search_index_build) instead of building it. */
void duban_store_bulk_defer_search_index(duban_store *st);

/* ---- The search index built later ---- */
/* A first download leaves the search index to be built after it, so that
 * the ledger is there sooner.  Until it is built, text searches scan the
 * items (duban_fts_scan_match: the same results, slower) and changes leave
 * the index alone.  Whether it waits to be built: */
bool duban_search_index_pending(duban_store *st);
/* Builds it, in one write transaction, when it waits; DUBAN_OK when it does
 * not. */
enum duban_err duban_search_index_build(duban_store *st);
/* Starts `duban --db DB_PATH sync --build-search-index` in the background
 * (its own session, no terminal, no parent to wait for it), which builds
 * it; false when it could not be started. */
bool duban_search_index_build_in_background(const char *db_path);

/* ---- Items ---- */
/* Finds an item by code (exact), id, or unique id prefix of >= 8 chars. */
enum duban_err duban_item_get(duban_store *st, const char *code_or_id, struct duban_item *out);
/* The item with exactly this id (no code, no prefix): DUBAN_ERR_NOT_FOUND when absent. */
enum duban_err duban_item_get_by_id(duban_store *st, const char *id, struct duban_item *out);
/* Inserts a new item: assigns id (if empty), created_at/updated_at; writes a
 * "create" event and an outbox op.  DUBAN_ERR_DUPLICATE if the code exists. */
enum duban_err duban_item_insert(duban_store *st, struct duban_item *item);
/* Writes the fields of item that differ from the stored row with the same id:
 * one event per changed field (old -> new), one outbox op per field carrying
 * the base value.  Status changes are refused here: use duban_item_set_status.
 * *changed (may be NULL) receives the number of fields changed. */
enum duban_err duban_item_update(duban_store *st, struct duban_item *item, int *changed);
/* Moves an item through the status machine as the store's role. */
enum duban_err duban_item_set_status(duban_store *st, const char *item_id,
				     enum duban_status to, const char *reason);
/* Removes an item (office only); writes a "delete" event and op. */
enum duban_err duban_item_delete(duban_store *st, const char *item_id);
long long duban_item_total(duban_store *st);

/* ---- Append-only records: id and created_at are filled when empty ---- */
enum duban_err duban_note_add(duban_store *st, struct duban_note *note);
/* A passing inspection on a requested item moves it to verified; a failing one
 * returns it to in_progress (reason: the findings). */
enum duban_err duban_inspection_add(duban_store *st, struct duban_inspection *insp);
enum duban_err duban_action_add(duban_store *st, struct duban_action *action);
enum duban_err duban_attachment_add(duban_store *st, struct duban_attachment *att);
/* A notice record (the opening of a 公示, an objection, a resolution): no
 * status moves here (duban/notice.h does both in one transaction). */
enum duban_err duban_notice_add(duban_store *st, struct duban_notice *r);
/* An item's notice records in the order they were made (created_at, id).
 * Free with duban_notices_free. */
enum duban_err duban_notice_list(duban_store *st, const char *item_id, struct duban_notice **out, size_t *n);
void duban_notices_free(struct duban_notice *r, size_t n);
/* DUBAN_ERR_TRANSITION, the reason in msg (translated), while the item's
 * notice runs or an objection is open; DUBAN_OK when it may be closed. */
enum duban_err duban_close_allowed(duban_store *st, const struct duban_item *item, char *msg, size_t msglen);

/* Links (举一反三), both ends must be in the ledger. */
enum duban_err duban_link_add(duban_store *st, struct duban_link *link);
/* One current link of an item, seen from it. */
struct duban_linked {
	char other_id[37];
	char *code, *title, *county; /* "" when the other item is not in this ledger */
	enum duban_link_kind kind;   /* related or repeat */
	bool outgoing;               /* made from this item (a repeat: this item repeats the other) */
	char *why, *author;
	char created_at[25];
};
/* The item's current links, oldest first: every pair whose latest record is
 * not an unlink. */
enum duban_err duban_links_of(duban_store *st, const char *item_id, struct duban_linked **out, int *n);
void duban_linked_free(struct duban_linked *v, int n);
/* Whether the two items are linked now. */
bool duban_linked_now(duban_store *st, const char *a, const char *b);
/* Complaints marked as repeats of the item with this code (duplicate_of). */
int duban_repeat_count(duban_store *st, const char *code);

/* History of an item, newest first.  The callback gets exactly one non-NULL
 * record pointer; returning non-zero stops the walk. */
struct duban_history_entry {
	const struct duban_note *note;
	const struct duban_inspection *inspection;
	const struct duban_action *action;
	const struct duban_attachment *attachment;
	const struct duban_event *event;
};
typedef int (*duban_history_cb)(const struct duban_history_entry *e, void *ctx);
enum duban_err duban_history_each(duban_store *st, const char *item_id, duban_history_cb cb, void *ctx);
/* Latest progress note text of an item (malloc'd) or NULL. */
char *duban_latest_note(duban_store *st, const char *item_id);

/* Pending outbox ops. */
long long duban_outbox_count(duban_store *st);

/* ---- Queries for lists and the TUI ---- */
struct duban_filter {
	int kind;              /* -1 any, else enum duban_kind */
	unsigned status_mask;  /* bit (1u << status); 0 = any */
	unsigned light_mask;   /* bit (1u << light); 0 = any */
	const char *county;    /* exact, NULL = any */
	const char *township;
	const char *category;  /* item has this category among its categories */
	const char *unit;      /* lead or co unit contains this text */
	const char *round;     /* exact */
	const char *text;      /* full-text terms, all must match */
	bool linked;           /* text also finds the items linked to its matches */
	/* The items of one site (同一场所, 举一反三): the item site names (code or
	 * id), every item joined to it by links, transitively, and the items whose
	 * coordinates lie within site_radius metres of its own (0: links only). */
	const char *site;
	int site_radius;
	bool overdue;          /* deadline passed and not verified/closed */
	bool feedback_overdue; /* a complaint's feedback due date passed unanswered */
	duban_date due_before; /* deadline <= this, NONE = any */
	duban_date due_after;  /* deadline >= this, NONE = any */
};
void duban_filter_init(struct duban_filter *f);
/* The radius duban_filter_init gives a site: the same enterprise or yard. */
#define DUBAN_SITE_RADIUS 200

/* County, status (in workflow order) and progress sort by deadline within. */
enum duban_sort {
	DUBAN_SORT_DEADLINE, DUBAN_SORT_CODE, DUBAN_SORT_UPDATED, DUBAN_SORT_LIGHT,
	DUBAN_SORT_COUNTY, DUBAN_SORT_STATUS, DUBAN_SORT_PROGRESS, DUBAN_SORT_COUNT
};
const char *duban_sort_id(enum duban_sort s);
int duban_sort_parse(const char *s);

/* One row of a list: the columns a table shows.  Strings owned by the row. */
struct duban_row {
	long long rowid;
	char id[37];
	enum duban_kind kind;
	char *code, *title, *county, *lead_unit;
	duban_date start, deadline;
	enum duban_deadline_kind deadline_kind;
	enum duban_status status;
	int progress;
	enum duban_light light;
	char updated_at[25];
	duban_date feedback_due; /* while the feedback clock runs, else NONE */
	int repeats;             /* complaints marked as repeats of this one (duplicate_of) */
};
void duban_row_free(struct duban_row *r);

/* A position in a sorted list: the sort key of a row.  Opaque to callers:
 * take it from a row with duban_cursor_of_row. */
struct duban_cursor {
	int light;
	char key[192]; /* deadline key, code, updated_at, or MAJOR \x1f deadline key */
	long long rowid;
	bool valid;   /* false: start (forward) or end (backward) */
};
void duban_cursor_of_row(const struct duban_row *row, enum duban_sort sort, struct duban_cursor *out);

/* Fetches up to n rows that match filter, in sort order, strictly after
 * (forward) or before (backward; rows still returned in ascending order)
 * the cursor; an invalid cursor means from the start / from the end.  Cost is
 * O(n) index steps for indexed filters, not O(ledger).  *got receives the
 * number of rows filled. */
enum duban_err duban_query_window(duban_store *st, const struct duban_filter *filter,
				  enum duban_sort sort, bool descending,
				  const struct duban_cursor *cursor, bool backward,
				  int n, struct duban_row *rows, int *got);
/* Number of matching items (may cost a scan for light and text filters: call
 * it after the first window is on screen). */
enum duban_err duban_query_count(duban_store *st, const struct duban_filter *filter, long long *count);

/* Counts per status and per light for the filter (dashboard, header). */
enum duban_err duban_query_totals(duban_store *st, const struct duban_filter *filter,
				  long long by_status[DUBAN_STATUS_COUNT], long long by_light[DUBAN_LIGHT_COUNT]);

/* The same totals a slice of the ledger at a time, so an interface stays
 * responsive on a huge ledger: zero t, then call duban_totals_step until
 * t->done.  A text filter is counted in one step. */
struct duban_totals {
	long long by_status[DUBAN_STATUS_COUNT], by_light[DUBAN_LIGHT_COUNT];
	long long next_seq; /* where the next slice starts */
	bool done;
};
enum duban_err duban_totals_step(duban_store *st, const struct duban_filter *filter, struct duban_totals *t,
				 int rows);

/* Distinct non-empty values of one column among matching items, sorted,
 * with their counts: field is "county", "township", "lead_unit", "round",
 * "batch" or "category" (categories are split).  Malloc'd arrays; free with
 * duban_values_free. */
enum duban_err duban_query_values(duban_store *st, const struct duban_filter *filter, const char *field,
				  char ***values, long long **counts, int *n);
void duban_values_free(char **values, long long *counts, int n);

/* Deadlines per day in [from, to]: count[i] and worst (most urgent) light
 * worst[i] for day from + i; days without deadlines get count 0 and worst
 * DUBAN_LIGHT_COUNT.  One indexed range scan. */
enum duban_err duban_query_by_day(duban_store *st, const struct duban_filter *filter, duban_date from,
				  duban_date to, int *count, enum duban_light *worst);

/* Figures per group (county, lead_unit or category) for dashboards and
 * bulletins: items, done (verified, publicized or closed), closed, overdue
 * (red because the deadline passed), red and yellow lights. */
struct duban_group_stats {
	char *name;
	long long items, done, closed, overdue, red, yellow;
};
enum duban_err duban_query_groups(duban_store *st, const struct duban_filter *filter, const char *field,
				  struct duban_group_stats **groups, int *n);
void duban_groups_free(struct duban_group_stats *groups, int n);

/* Iterates over every matching item (full records), in sort order, for export
 * and reports.  Returning non-zero from cb stops. */
/* Every matching row in the order of a window walk (the same rows, in the
 * same order, as duban_query_window page after page), read by one query
 * and handed to cb one at a time: a listing of everything holds one row.
 * cb returns nonzero to stop early. */
typedef int (*duban_row_cb)(const struct duban_row *row, void *ctx);
enum duban_err duban_query_stream(duban_store *st, const struct duban_filter *filter, enum duban_sort sort,
				  bool descending, duban_row_cb cb, void *ctx);
typedef int (*duban_item_cb)(const struct duban_item *item, void *ctx);
enum duban_err duban_query_each(duban_store *st, const struct duban_filter *filter,
				enum duban_sort sort, duban_item_cb cb, void *ctx);
/* Up to limit items matching filter by deadline, then code, after the item
 * (after_deadline, after_code) when after_code is set: a list read a window
 * at a time in that order (the overdue view's). */
enum duban_err duban_query_each_by_due_code(duban_store *st, const struct duban_filter *filter,
					    duban_date after_deadline, const char *after_code, int limit,
					    duban_item_cb cb, void *ctx);

#endif
