/* The SQLite backend of duband's store: for its own files only
 * (store_sqlite.c, srv_store.c, push_sqlite.c, pull_sqlite.c) and the unit
 * test that drives it (tests/unit/test_server_sync.c).  Everything else
 * goes through store.h. */
#ifndef DUBAN_SRV_STORE_SQLITE_H
#define DUBAN_SRV_STORE_SQLITE_H

#include <sqlite3.h>

#include "duban/store.h"
#include "server.h"
#include "store.h"

/* ---------------------------------------------------------------- srv_store.c
 * DATA_DIR/ledger.db holds the core schema (item, note, …, event) plus the
 * server's own tables, migrated by meta key 'server_schema':
 *
 *   server_user (name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL,
 *                disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)
 *   user_county (user TEXT NOT NULL REFERENCES server_user (name) ON DELETE CASCADE,
 *                county TEXT NOT NULL, PRIMARY KEY (user, county))
 *   token       (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, user TEXT NOT NULL,
 *                device TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
 *                revoked INTEGER NOT NULL DEFAULT 0)
 *   applied_op  (op_id TEXT PRIMARY KEY, user TEXT NOT NULL, device TEXT NOT NULL,
 *                client_seq INTEGER, kind TEXT NOT NULL, answer TEXT NOT NULL,
 *                created_at TEXT NOT NULL)
 *   device_seq  (user TEXT NOT NULL, device TEXT NOT NULL, last_seq INTEGER NOT NULL,
 *                PRIMARY KEY (user, device))
 *   change      (seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL,
 *                entity TEXT NOT NULL,  -- item note inspection action attachment event
 *                entity_id TEXT NOT NULL, item_id TEXT NOT NULL,
 *                county TEXT NOT NULL, old_county TEXT NOT NULL,
 *                deleted INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)
 *   blob        (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, user TEXT NOT NULL,
 *                created_at TEXT NOT NULL)
 *   blob_user   (sha256 TEXT NOT NULL, user TEXT NOT NULL, created_at TEXT NOT NULL,
 *                PRIMARY KEY (sha256, user))   -- every user who sent the bytes
 *   login_fail  (key TEXT PRIMARY KEY, fails INTEGER NOT NULL, first_at INTEGER NOT NULL,
 *                last_at INTEGER NOT NULL, locked_until INTEGER NOT NULL DEFAULT 0)
 *
 * Triggers on item (insert, update, delete) and on the record tables
 * (insert) append to change, so every path that writes the ledger (push,
 * import, admin) feeds the pull log in the same transaction.  When an item's
 * county changes, its records are appended again under the new county.
 * One writer connection in the process: the log's order is the commit
 * order without more ado. */
typedef struct srv_db srv_db;

/* Creates DATA_DIR (0700), DATA_DIR/blobs and the database as needed and
 * migrates it.  NULL and a message in err on failure. */
srv_db *srv_db_open(const char *data_dir, int readers, char *err, size_t errlen);
void srv_db_close(srv_db *db);
const char *srv_db_dir(const srv_db *db);

/* The one writer connection, held under a mutex: every write goes through
 * it, so transactions never wait on each other inside the server.  The actor
 * is reset to the server itself on unlock. */
duban_store *srv_db_writer(srv_db *db);
void srv_db_writer_done(srv_db *db);
/* A reader connection from the pool (blocks while all are taken). */
duban_store *srv_db_reader(srv_db *db);
void srv_db_reader_done(srv_db *db, duban_store *st);

/* Highest change sequence number (0 on an empty log). */
long long srv_server_seq(duban_store *st);
/* Deletes change-log entries older than days (0: nothing).  Returns rows. */
long long srv_prune_changes(duban_store *st, int days);

/* srv_blob_may_use's rule on an open connection. */
int srv_blob_may_use(duban_store *st, const struct srv_user *u, const char *sha256);

/* ---------------------------------------------------------------- store_sqlite.c */
/* The store over an open srv_db (which it then owns). */
struct srv_store *srv_sqlite_wrap(srv_db *db);
srv_db *srv_sqlite_db(struct srv_store *s);

extern const struct srv_push_ops srv_sqlite_push_ops;
extern const struct srv_pull_ops srv_sqlite_pull_ops;

#endif
