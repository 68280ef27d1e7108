/* Shared between the store's own files (store.c, query.c, fts_bigram.c,
 * import.c, demo.c); not part of the public surface. */
#ifndef DUBAN_STORE_INTERNAL_H
#define DUBAN_STORE_INTERNAL_H

#include <sqlite3.h>

#include <cjson/cJSON.h>

#include "duban/store.h"

/* Registers the FTS5 tokenizer "duban_bigram" on db.  CJK text is indexed as
 * single characters with each overlapping two-character pair at the same
 * position (FTS5_TOKEN_COLOCATED), so 1-character terms match the unigram
 * and longer terms match as a phrase of consecutive bigrams; Latin letters
 * and digits are indexed as lower-cased words.  Returns SQLITE_OK. */
int duban_fts_register(sqlite3 *db);

/* Builds an FTS5 MATCH expression from what a user typed: whitespace
 * separates terms that must all match; each term becomes a quoted phrase
 * (quotes doubled); a term ending in a Latin letter or digit becomes a
 * prefix query.  Returns NULL when the text has no searchable term.
 * Malloc'd. */
char *duban_fts_match_expr(const char *text);

/* Registers the SQL function duban_text_match(TEXT, code, title,
 * description, units, measures): 1 for a row that `item_fts MATCH
 * duban_fts_match_expr(TEXT)` finds, found by tokenizing the row instead
 * (search while the index waits to be built).  Returns SQLITE_OK. */
int duban_fts_scan_register(sqlite3 *db);

/* The text the search index holds for an item, column by column, in the order
 * of the item_fts table: code, title, description, units, measures. */
#define DUBAN_FTS_COLUMNS "code, title, description, units, measures"

/* The linked pairs now (a, b), either way round: every link record whose
 * pair has no later record and which is no unlink. */
#define STORE_LIVE_LINKS \
	"SELECT l.item_id AS a, l.other_id AS b FROM link AS l WHERE l.kind <> 'unlink'" \
	" AND NOT EXISTS (SELECT 1 FROM link AS n WHERE" \
	"  ((n.item_id = l.item_id AND n.other_id = l.other_id) OR (n.item_id = l.other_id AND n.other_id = l.item_id))" \
	"  AND (n.created_at > l.created_at OR (n.created_at = l.created_at AND n.rowid > l.rowid)))"

sqlite3 *duban_store_db(duban_store *st);

/* duban_item_update that may also set the status directly, bypassing the
 * machine: for the office's own import, which records the spreadsheet's
 * status as a field change (event reason "import"). */
enum duban_err duban_item_update_ex(duban_store *st, struct duban_item *item, int *changed,
				    bool allow_status, const char *reason);

/* ---- The store's write paths without their policy (roles, the status
 * machine, validation), for sync_store.c: changes pulled
 * from the server and conflict resolutions are written with the same rows,
 * index entries, events and ops as local edits. ---- */

/* Record the message duban_store_errmsg returns and pass err on (also in
 * store_private.h, for store.c and query.c). */
enum duban_err store_fail(duban_store *st, enum duban_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum duban_err store_db_fail(duban_store *st, const char *what);
/* A prepared statement for sql, cached on the connection for modules that
 * have no slot in the store's own table: an idle statement with the same
 * text is reset and reused, else a persistent one is prepared (NULL and a
 * message on failure).  Reset it after use; duban_store_close finalizes it.
 * sql must start with an SQL block comment naming the module: the comment
 * marks the statements close finalizes, and keeps statements other modules
 * hold (FTS5 has its own) from ever having the same text. */
sqlite3_stmt *store_stmt_sql(duban_store *st, const char *sql);
/* Every item in the order the ledger took them, as read by
 * duban_item_get_by_id, one at a time (duband's snapshot): a statement of
 * its own, finalized by store_item_scan_close. */
sqlite3_stmt *store_item_scan_open(duban_store *st);
/* 1 an item into *item (duban_item_free it), 0 the end, -1 an error. */
int store_item_scan_next(sqlite3_stmt *s, struct duban_item *item);
/* Whether the actor may write items of county (an inspector: one of their
 * counties); DUBAN_ERR_PERMISSION with the store's message when not. */
enum duban_err store_check_county(duban_store *st, const char *county);
/* A savepoint around one change; store_change_end releases it, or rolls it
 * back when err is not DUBAN_OK, and returns err (or a commit error). */
enum duban_err store_change_begin(duban_store *st);
enum duban_err store_change_end(duban_store *st, enum duban_err err);
/* One audit event; author and device NULL mean the store's actor (pulled
 * changes are written as author "server", device ""). */
enum duban_err store_write_event(duban_store *st, const char *item_id, const char *field,
				 const char *old_value, const char *new_value, const char *reason,
				 const char *author, const char *device, const char *now);
/* Queues an op for the server (nothing when the outbox is switched off).
 * body (may be NULL) is consumed. */
enum duban_err store_write_op(duban_store *st, const char *kind, const char *item_id, const char *field,
			      const char *base, const char *value, cJSON *body, const char *now);
/* Writes an item's row and search index entry as they are: old NULL inserts
 * item, otherwise the row with item->id is rewritten (old is the stored
 * state, whose index text is replaced).  No event, no op, no validation. */
enum duban_err store_item_put(duban_store *st, const struct duban_item *old, const struct duban_item *item);
/* Deletes an item's row (its records cascade) and its index entry. */
enum duban_err store_item_remove(duban_store *st, const struct duban_item *item);

/* Prepares head (a SELECT over item, or one that ends inside a subquery
 * over item), the filter's conditions and tail, the filter's values bound.
 * The conditions start with WHERE, or with AND when where_open says head
 * ends inside a WHERE clause already.  head may use numbered parameters
 * (?1, ?2) of its own, tail none: the filter's plain '?' come after them.
 * NULL and a message on failure; finalize it.  A NULL filter selects every
 * item. */
sqlite3_stmt *store_filter_stmt(duban_store *st, const struct duban_filter *filter, const char *head,
			       bool where_open, const char *tail);

#endif
