/* The store's private state, shared by store.c and query.c only. */
#ifndef DUBAN_STORE_PRIVATE_H
#define DUBAN_STORE_PRIVATE_H

#include <sqlite3.h>

#include "duban/closeout.h"
#include "duban/feedback.h"
#include "duban/policy.h"
#include "duban/store.h"

enum store_stmt_id {
	STMT_ITEM_INSERT, STMT_ITEM_UPDATE, STMT_ITEM_GET, STMT_ITEM_SEQ, STMT_ITEM_TOTAL,
	STMT_ITEM_DELETE, STMT_ITEM_TOUCH, STMT_STATUS_UPDATE, STMT_CODE_TAKEN,
	STMT_FTS_INSERT, STMT_FTS_DELETE, STMT_EVENT_INSERT, STMT_OP_INSERT, STMT_OP_COUNT,
	STMT_NOTE_INSERT, STMT_INSPECTION_INSERT, STMT_ACTION_INSERT, STMT_ATTACHMENT_INSERT,
	STMT_HISTORY, STMT_LATEST_NOTE, STMT_FTS_PROBE, STMT_ITEM_BY_ID, STMT_PROGRESS_UPDATE,
	STMT_SIGNOFFS, STMT_EVIDENCE, STMT_ITEM_CHAIN, STMT_FTS_PENDING,
	STMT_COUNT
};

struct duban_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	char *columns;       /* item column list, from the field table */
	char *user, *device;
	enum duban_role role;
	struct duban_light_rules rules;
	struct duban_feedback_rules feedback; /* feedback-days: the complaint feedback clock */
	duban_date today;    /* refreshed at each query */
	bool outbox;
	bool implied;          /* write the changes a change implies (off in duband's push) */
	bool receiving;        /* duband: stamp received_at on events and records */
	char *counties;        /* an inspector's counties, "\n"-separated; NULL: all */
	char *source;          /* the reason events get when their change names none */
	struct duban_policy policy; /* the close-out policy in force (duban_policy_load) */
	char op_id[37];        /* duband: the pushed op being applied */
	char recorded_at[25];  /* duband: when its author made it */
	char last_op_id[37];   /* the op the current change just queued */
	bool bulk;             /* duban_store_bulk_begin: no per-change savepoint or search index */
	int change_depth;      /* store_change_begin nesting */
	bool change_owns_tx;   /* the outermost change began the transaction */
	long long bulk_seq;    /* the item seq the bulk load began after */
	char **bulk_indexes;   /* the CREATE INDEX statements it dropped, NULL-terminated */
	bool bulk_defer_fts;   /* duban_store_bulk_defer_search_index: built later, not at its end */
	bool (*stop)(void *); /* duban_store_set_stop: abandon a long query */
	void *stop_ctx;
	bool stopped;          /* the last query was abandoned by stop */
	/* Repeat counts per first complaint (duplicate_of), sorted by code,
	 * read again when the database changed (store_repeats_refresh). */
	struct store_repeat { char *code; int n; } *repeats;
	int nrepeats;
	long long repeats_version, repeats_changes;
	bool repeats_valid;
	char errmsg[512];
};

enum duban_err store_fail(duban_store *st, enum duban_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum duban_err store_db_fail(duban_store *st, const char *what);
sqlite3_stmt *store_stmt(duban_store *st, enum store_stmt_id id, const char *sql);
/* Whether the search index waits to be built (duban_search_index_pending),
 * read in the current transaction. */
bool store_fts_pending(duban_store *st);
enum duban_err store_fts_mark_pending(duban_store *st);
/* Indexes every item with seq above after (search_index.c). */
enum duban_err store_fts_fill(duban_store *st, long long after);
void store_read_item(sqlite3_stmt *s, struct duban_item *item);
/* "SELECT <every item column> FROM item <tail>", malloc'd. */
char *store_item_select_sql(duban_store *st, const char *tail);
/* links.c: the repeat counts, read again if the ledger changed since. */
void store_repeats_refresh(duban_store *st);
int store_repeats_of(const duban_store *st, const char *code);
void store_repeats_free(duban_store *st);

#endif
