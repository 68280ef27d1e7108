/* duband's store interface: what the server's modules (http.c, main.c and
 * the backend-neutral rules of push.c, pull.c, auth.c, blobs.c) call, as one
 * table of functions per backend, in the style of the TUI's view ops.
 *
 *   store_sqlite.c  the embedded default: DATA_DIR/ledger.db (src/core's
 *                   store plus the server's tables), blobs in DATA_DIR/blobs
 *   store_pg.c      PostgreSQL through libpq (HAVE_POSTGRESQL); blobs in a
 *                   directory every instance shares (--blobs)
 *
 * Only the backends see their connections (sqlite3 *, PGconn *); nothing
 * here names either.  The rules (who may write what, the status machine,
 * the 3-way field check, what an answer says) live in push.c, pull.c and
 * auth.c and call the primitives below, which only load, lock, write and
 * log. */
#ifndef DUBAN_SRV_STORE_H
#define DUBAN_SRV_STORE_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "duban/closeout.h"
#include "duban/dispatch.h"
#include "duban/model.h"
#include "server.h"

struct srv_store;

/* ---------------------------------------------------------------- push's transaction
 * One push batch is one transaction.  All primitives return DUBAN_OK, a
 * rule's error with a message in errmsg, or DUBAN_ERR_DB (the batch is
 * rolled back; retried when retryable says so). */
struct srv_tx;
enum srv_record_kind { SRV_NOTE, SRV_INSPECTION, SRV_ACTION, SRV_ATTACHMENT, SRV_NOTICE, SRV_LINK, SRV_DISPATCH };
union srv_record {
	struct duban_note note;
	struct duban_inspection inspection;
	struct duban_action action;
	struct duban_attachment attachment;
	struct duban_notice notice;
	struct duban_link link;
	struct duban_dispatch_rec dispatch;
};

struct srv_push_ops {
	/* Opens the transaction as user u on device and locks the items the
	 * batch names, in the order of their ids (sorted by the caller). */
	struct srv_tx *(*begin)(struct srv_store *s, const struct srv_user *u, const char *device,
				const char *const *item_ids, int nids);
	/* Commits.  Returns what to add to the versions op_version gave (0 when
	 * they were final already), -1 on failure.  The backend adds it to the
	 * versions of the stored answers too. */
	long long (*commit)(struct srv_tx *tx);
	/* Rolls back what is still open and frees tx. */
	void (*end)(struct srv_tx *tx);
	/* After DUBAN_ERR_DB: a serialization failure or deadlock, worth a retry. */
	bool (*retryable)(struct srv_tx *tx);
	const char *(*errmsg)(struct srv_tx *tx);

	/* Exactly once: 1 when op_id is new (its row inserted), 0 when seen. */
	int (*op_claim)(struct srv_tx *tx, const char *op_id, const char *kind, const long long *client_seq,
			const char *now);
	/* The first answer to op_id (malloc'd JSON) and who sent it. */
	enum duban_err (*op_answer)(struct srv_tx *tx, const char *op_id, char **answer, char user[64]);
	enum duban_err (*op_save)(struct srv_tx *tx, const char *op_id, const char *answer);
	/* The device's last op number (0 when none) before raising it to seq. */
	enum duban_err (*seq_track)(struct srv_tx *tx, long long seq, long long *last, bool *had);
	/* Around one op: begin a savepoint, roll back to it, release it. */
	enum duban_err (*op_begin)(struct srv_tx *tx);
	enum duban_err (*op_undo)(struct srv_tx *tx);
	enum duban_err (*op_end)(struct srv_tx *tx);
	/* The version an applied op reports: the position of the last change
	 * (after commit: the server_seq of the answer).  A primitive never
	 * takes a second connection from the pool: the transaction's own is
	 * the only one it may wait on. */
	long long (*op_version)(struct srv_tx *tx);
	/* Whose change this is (events name them) and the op being applied. */
	void (*set_op)(struct srv_tx *tx, const char *op_id, const char *recorded_at);

	/* The item with exactly this id (DUBAN_ERR_NOT_FOUND when none). */
	enum duban_err (*item_load)(struct srv_tx *tx, const char *id, struct duban_item *item);
	/* The position of the item's last deletion (0: never) and its county. */
	enum duban_err (*deleted_at)(struct srv_tx *tx, const char *item_id, long long *seq, char **county);
	/* Calls cb with the county of every item, live or deleted, that holds
	 * id or code, until cb returns true: 1 then, 0 when it never did, -1 on
	 * a database error. */
	int (*holders)(struct srv_tx *tx, const char *id, const char *code,
				  bool (*cb)(void *ctx, const char *county), void *ctx);
	enum duban_err (*record_exists)(struct srv_tx *tx, enum srv_record_kind kind, const char *id, bool *exists);
	/* 1 may, 0 may not, -1 database error (srv_blob_may_use's rule). */
	int (*blob_may_use)(struct srv_tx *tx, const struct srv_user *u, const char *sha256);

	/* The writes, each with its events and change-log entries. */
	enum duban_err (*item_insert)(struct srv_tx *tx, struct duban_item *item);
	enum duban_err (*item_update)(struct srv_tx *tx, struct duban_item *item, const char *reason);
	enum duban_err (*item_status)(struct srv_tx *tx, const char *item_id, enum duban_status to,
				      const char *reason);
	enum duban_err (*item_delete)(struct srv_tx *tx, const char *item_id);
	enum duban_err (*record_add)(struct srv_tx *tx, enum srv_record_kind kind, union srv_record *r);
	/* The item's notice records in the order they were made (created_at,
	 * id), for the rules of closing and of settling objections.  Free with
	 * duban_notices_free. */
	enum duban_err (*notices)(struct srv_tx *tx, const char *item_id, struct duban_notice **out, size_t *n);
	/* The item's 调度 records, oldest first; free with
	 * duban_dispatch_recs_free.  And the id of the round called name (an
	 * opening record of any item): found false when none. */
	enum duban_err (*dispatches)(struct srv_tx *tx, const char *item_id, struct duban_dispatch_rec **out,
				     size_t *n);
	enum duban_err (*dispatch_round)(struct srv_tx *tx, const char *name, char round_id[37], bool *found);
	/* The item the attachment with this id belongs to: found false when
	 * the server holds no such attachment (a submission's attachment_id). */
	enum duban_err (*attachment_item)(struct srv_tx *tx, const char *id, char item_id[37], bool *found);

	/* What the close-out re-checks read (push.c's rules, closeout.h's
	 * functions).  The office's policy key (malloc'd value, NULL when not
	 * set). */
	enum duban_err (*policy_get)(struct srv_tx *tx, const char *key, char **value);
	/* The item's sign-offs (inspections with a level) since its latest
	 * request for acceptance, oldest first, as the client counts them
	 * (duban_acceptance_progress); malloc'd levels, free with
	 * srv_signoffs_free. */
	enum duban_err (*signoffs)(struct srv_tx *tx, const char *item_id, struct duban_signoff_ref **refs, size_t *n);
	/* The kinds of evidence among the item's attachments (a mask). */
	enum duban_err (*evidence)(struct srv_tx *tx, const char *item_id, unsigned *mask);
};
void srv_signoffs_free(struct duban_signoff_ref *refs, size_t n);

/* ---------------------------------------------------------------- pull's snapshot */
struct srv_rd;
struct srv_change_row {
	long long seq;
	char token[13];
	const char *entity, *entity_id, *county, *old_county;
};

/* The parts of a snapshot, in the order it sends them (records after
 * their items, an attachment after its inspection, events last). */
enum srv_snap_part {
	SRV_SNAP_ITEMS,   /* every item: json its pull form, county its county */
	SRV_SNAP_RECORDS, /* every record of every kind, oldest first: type, json, item_id */
	SRV_SNAP_EVENTS,  /* every event: json, item_id */
	SRV_SNAP_GONE,    /* item entries of the log whose item is gone, or (unless all_counties) any item entry:
			   * item_id, county, old_county (the entry's), now (the item's county, NULL when gone) */
	SRV_SNAP_PARTS
};
struct srv_snap_rows;
struct srv_snap_row {
	const char *type; /* "item", "note", ..., "event" */
	const char *county, *item_id;
	const char *old_county, *now; /* SRV_SNAP_GONE */
	cJSON *json;
};

struct srv_pull_ops {
	/* One snapshot for a whole page. */
	struct srv_rd *(*begin)(struct srv_store *s);
	void (*end)(struct srv_rd *rd);
	long long (*server_seq)(struct srv_rd *rd);
	/* The token of the entry at seq: 1 found, 0 none, -1 error. */
	int (*token_at)(struct srv_rd *rd, long long seq, char token[13]);
	/* The highest position pruned (0: none). */
	long long (*pruned)(struct srv_rd *rd);
	/* Whether entries follow seq: 1, 0, -1 on error. */
	int (*more)(struct srv_rd *rd, long long seq);
	/* Calls cb for at most cap entries after since, in order, until cb
	 * returns false.  false on a database error. */
	bool (*changes)(struct srv_rd *rd, long long since, long long cap,
			bool (*cb)(void *ctx, const struct srv_change_row *row), void *ctx);
	enum duban_err (*item_get)(struct srv_rd *rd, const char *id, struct duban_item *item);
	/* The record (note inspection action attachment, or event by seq) as
	 * pull sends it; NULL when it is gone, *error on a database error. */
	cJSON *(*record_json)(struct srv_rd *rd, const char *entity, const char *id, bool *error);
	/* The county of item id: 1 found, 0 none, -1 error; malloc'd. */
	int (*item_county)(struct srv_rd *rd, const char *id, char **county);
	/* The position of the item's latest event on field (0: none). */
	long long (*last_event)(struct srv_rd *rd, const char *item_id, const char *field);

	/* The snapshot (snapshot.c) reads, in the same read transaction,
	 * every row of one part (enum srv_snap_part) with its county or its
	 * item; the rules (who sees what) stay with snapshot.c. */
	struct srv_snap_rows *(*snap_open)(struct srv_rd *rd, enum srv_snap_part part, bool all_counties);
	/* 1 a row (valid until the next call; row->json is the caller's),
	 * 0 the end, -1 a database error. */
	int (*snap_next)(struct srv_snap_rows *c, struct srv_snap_row *row);
	void (*snap_close)(struct srv_snap_rows *c);
	/* Calls cb with each county and how many items it holds; false on
	 * a database error. */
	bool (*county_counts)(struct srv_rd *rd, void (*cb)(void *ctx, const char *county, long long n), void *ctx);
	/* The last entry of the log (seq 0 when it is empty): 1, or -1. */
	int (*last_entry)(struct srv_rd *rd, long long *seq, char token[13]);
};

/* ---------------------------------------------------------------- accounts */
struct srv_user_row {
	bool found, disabled;
	char role[16];
	char *hash; /* malloc'd */
};
struct srv_token_row {
	bool found, revoked, disabled;
	char id[17], user[64], device[128], expires_at[25], role[16];
};

struct srv_store_ops {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(struct srv_store *s);
	const struct srv_push_ops *push;
	const struct srv_pull_ops *pull;

	/* Highest change position; -1 on a database error. */
	long long (*server_seq)(struct srv_store *s);
	/* Prunes the log (srv_prune_changes' rule); -1 on error. */
	long long (*prune)(struct srv_store *s, int days);

	/* Accounts: rows only, the policy is auth.c's. */
	int (*user_read)(struct srv_store *s, const char *name, struct srv_user_row *row); /* 200 / 500 */
	bool (*user_counties)(struct srv_store *s, const char *name, struct srv_user *u);
	enum duban_err (*user_insert)(struct srv_store *s, const char *name, const char *role, const char *hash,
				      const char *const *counties, int ncounties, char *err, size_t errlen);
	/* UPDATE/DELETE of the admin commands (sql names one of SRV_UPD_*). */
	enum duban_err (*user_update)(struct srv_store *s, int what, const char *a, const char *b, int *changes,
				      char *err, size_t errlen);
	bool (*token_insert)(struct srv_store *s, const struct srv_user *u, const char *hash, const char *created);
	int (*token_read)(struct srv_store *s, const char *hash, struct srv_token_row *row); /* 200 / 500 */
	/* Login failures (auth.c's RL_ rules), shared by every instance. */
	int (*rl_wait)(struct srv_store *s, const char *ukey, const char *akey, long long now);
	void (*rl_fail)(struct srv_store *s, const char *key, int max, long long now);
	void (*rl_forget)(struct srv_store *s, const char *key);
	/* The admin listings, row by row.  false on a database error. */
	bool (*user_rows)(struct srv_store *s, const char *now,
			  void (*cb)(void *ctx, const char *name, const char *role, bool disabled, const char *counties,
				     int active_tokens),
			  void *ctx);
	bool (*token_rows)(struct srv_store *s, const char *user,
			   void (*cb)(void *ctx, const char *id, const char *user, const char *device,
				      const char *created_at, const char *expires_at, bool revoked),
			   void *ctx);

	/* Blobs: the bytes are files in blob_dir; the rows say who sent them. */
	bool (*blob_record)(struct srv_store *s, const char *sha256, long long size, const char *user);
	int (*blob_may_use)(struct srv_store *s, const struct srv_user *u, const char *sha256);

	/* The office's policies (duband policy): value NULL unsets key.  Every
	 * change enters the change log as entity "policy", which every user
	 * pulls whatever their counties. */
	enum duban_err (*policy_put)(struct srv_store *s, const char *key, const char *value, char *err, size_t errlen);
	bool (*policy_rows)(struct srv_store *s,
			    void (*cb)(void *ctx, const char *key, const char *value, const char *updated_at), void *ctx);

	/* The central ledger as a core store, for import and export (the
	 * SQLite backend's own; PostgreSQL's a temporary copy, its outbox
	 * written back when done).  NULL on failure. */
	duban_store *(*ledger)(struct srv_store *s, bool write);
	/* false when what was written could not be kept (message logged). */
	bool (*ledger_done)(struct srv_store *s, duban_store *st, bool write);
};

/* Login failures: a key's count restarts after SRV_RL_WINDOW seconds, a
 * lock lasts as long; keys that are not accounts share SRV_RL_ROWS rows. */
#define SRV_RL_WINDOW 900
#define SRV_RL_ROWS 10000

enum { SRV_UPD_PASSWORD, SRV_UPD_DISABLE, SRV_UPD_REVOKE_USER, SRV_UPD_REVOKE_TOKEN, SRV_UPD_UNLOCK };

struct srv_store {
	const struct srv_store_ops *ops;
	void *be;        /* the backend's own state */
	char *blob_dir;  /* where blob files live */
	char *where;     /* for messages: the directory, or the database without secrets */
};

/* Opens the store that url names: "sqlite:DIR", a plain directory (what
 * --data means), or a libpq URI ("postgresql://", "postgres://") or
 * key=value conninfo.  blob_dir NULL: DIR/blobs for SQLite; required for
 * PostgreSQL only when blobs are used (NULL leaves uploads refused).
 * readers: the SQLite reader pool, or PostgreSQL connections. */
struct srv_store *srv_store_open(const char *url, const char *blob_dir, int readers, char *err, size_t errlen);
void srv_store_close(struct srv_store *s);
/* Whether url names a PostgreSQL database. */
bool srv_store_is_pg(const char *url);

/* Backends (their own headers say who may use the rest). */
struct srv_store *srv_sqlite_open(const char *dir, int readers, char *err, size_t errlen);
#ifdef HAVE_POSTGRESQL
struct srv_store *srv_pg_open(const char *conninfo, int conns, char *err, size_t errlen);
/* duband copy (copy.c): every table of from (SQLite) into to (an empty
 * PostgreSQL database) in one transaction, the counts of both printed to
 * out and compared, with a progress line on line (NULL: none), which it
 * ends.  0, or 1 (2: wrong kinds of store, 3: stopped by Ctrl-C, nothing
 * kept) with err set. */
struct duban_progress;
int srv_copy(struct srv_store *from, struct srv_store *to, FILE *out, struct duban_progress *line, char *err,
	     size_t errlen);
#endif

#endif
