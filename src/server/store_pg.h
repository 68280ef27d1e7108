/* The PostgreSQL backend of duband's store: for its own files only
 * (store_pg.c, push_pg.c, pull_pg.c).  Everything else goes through store.h.
 *
 * Schema (migrated by meta 'server_schema' under an advisory lock):
 *   item       (id PRIMARY KEY, code UNIQUE, county, version, doc)  -- doc: the
 *              item as JSON (duban_item_to_json), the struct's own codec
 *   record     (kind, id, item_id → item ON DELETE CASCADE, sha256, created_at,
 *              doc)  -- notes, inspections, actions, attachments as JSON
 *   event      (seq bigserial, item_id, field, old_value, new_value, reason,
 *              author, device, created_at, received_at, op_id)  -- append-only
 *   change     (ord bigserial, seq bigint UNIQUE NULL, token, entity, entity_id,
 *              item_id, county, old_county, deleted, created_at)
 *   change_seq (last)  -- one row: the sequencer
 *   server_user, user_county, token, applied_op, device_seq, blob, blob_user,
 *   login_fail: as in SQLite, meta (key, value).
 *
 * The pull cursor: change rows are written with seq NULL; the last
 * statements of a writing transaction lock the sequencer row, advance it by
 * the number of the transaction's rows and number them in the order they
 * were written (pg_number_changes).  The lock is held until commit, so
 * positions become visible in the order they were given out and no reader
 * ever sees position N+1 before N: gap-free, in commit order.  (Pushes
 * touching one item are serialized anyway by its row lock, taken FOR UPDATE
 * before anything is read; the sequencer is what keeps pushes to different
 * items from overtaking each other in the log.)
 *
 * Every statement is PQexecParams (unnamed, never PQprepare), and no
 * session state outlives a transaction (advisory locks are transaction
 * locks), so pgbouncer in transaction mode serves. */
#ifndef DUBAN_SRV_STORE_PG_H
#define DUBAN_SRV_STORE_PG_H

#include <pthread.h>
#include <stdbool.h>

#include <libpq-fe.h>

#include "store.h"

struct pg_conn {
	PGconn *c;
	bool busy;
	char err[512];     /* the last error */
	char state[6];     /* its SQLSTATE */
};

struct pg_store {
	char *conninfo;
	struct pg_conn *conns;
	int nconns, nfree;
	char *mirror;      /* the ledger's temporary copy (import, export) */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/* A connection from the pool (reconnecting one that broke: after a
 * failover, libpq's target_session_attrs picks the new primary). */
struct pg_conn *pg_get(struct srv_store *s);
void pg_put(struct srv_store *s, struct pg_conn *c);

/* One statement with text parameters (NULL: SQL NULL).  NULL on failure,
 * with the message and SQLSTATE in c; the caller PQclear()s. */
PGresult *pg_exec(struct pg_conn *c, const char *sql, int n, const char *const *params);
/* The same without rows; false on failure. */
bool pg_run(struct pg_conn *c, const char *sql, int n, const char *const *params);
/* Affected rows of the last pg_exec result. */
long long pg_rows(PGresult *r);
/* Serialization failure, deadlock or lost connection: worth a retry. */
bool pg_retryable(const struct pg_conn *c);
/* Numbers this transaction's change rows (see above) and sets the items'
 * versions.  The new rows start after *base; false on failure. */
bool pg_number_changes(struct pg_conn *c, long long *base);

/* DUBAND_TEST_COMMIT_DELAY_MS: a random wait before a push commits. */
void pg_test_delay(void);
/* A change-log row for entity (seq given at commit). */
bool pg_log_change(struct pg_conn *c, const char *entity, const char *entity_id, const char *item_id,
		   const char *county, const char *old_county, bool deleted);

struct duban_op;
/* Applies the ops an import queued (item.create, item.set) as the office
 * user who, in one transaction.  false on failure (logged). */
bool pg_replay(struct srv_store *s, const char *who, const struct duban_op *ops, int n);

extern const struct srv_push_ops srv_pg_push_ops;
extern const struct srv_pull_ops srv_pg_pull_ops;

#endif
