/* Shared between the store's own files (store.c, query.c, fts_bigram.c,
 * import.c, demo.c); not part of the public surface. */
#ifndef DUBAN_STORE_INTERNAL_H
#define DUBAN_STORE_INTERNAL_H

#include <sqlite3.h>

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

/* The text the search index holds for an item, column by column, in the order
 * of the item_fts table: code, title, description, units, measures. */
#define DUBAN_FTS_COLUMNS "code, title, description, units, measures"

sqlite3 *duban_store_db(duban_store *st);

/* duban_item_update that may also set the status directly, bypassing the
 * machine: for the office's own import, which records the spreadsheet's
 * status as a field change (event reason "import"). */
enum duban_err duban_item_update_ex(duban_store *st, struct duban_item *item, int *changed,
				    bool allow_status, const char *reason);

#endif
