/* duband's internal surface, shared by its modules (the .c files of src/server).  The
 * wire protocol is doc/PROTOCOL.md; the shared model, status machine and JSON
 * codec come from src/core.
 *
 *   srv_store.c   data dir, server schema and migrations, change-log
 *                 triggers, the connection pool
 *   push.c pull.c applying ops exactly once; pages of changes by cursor
 *   auth.c        users, passwords (yescrypt), tokens, login rate limits
 *   blobs.c       attachment contents on disk by SHA-256
 *   http.c        libmicrohttpd: TLS, routing, limits, gzip, access log
 *   guard.c       deadlines for slow clients, room for new ones
 *   main.c        command line: serve and the admin commands
 *   config.c      the configuration file of serve
 *   backup.c      backup and restore of a data directory
 *   log.c         the diagnostic log, client strings escaped
 */
#ifndef DUBAN_SERVER_H
#define DUBAN_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "duban/model.h"
#include "duban/store.h"

#define SRV_PROTOCOL 1
#define SRV_SCHEMA 1
/* TLS 1.3, and TLS 1.2 with forward-secret key exchange (ECDHE, DHE) and
 * AEAD ciphers only: no TLS 1.0/1.1, no static RSA, no CBC. */
#define SRV_TLS_PRIORITY                                                                                  \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:" \
	"+AES-128-GCM:-MAC-ALL:+AEAD"

/* ---------------------------------------------------------------- config */
struct srv_config {
	const char *listen;      /* "ADDR:PORT", "[v6]:PORT" */
	const char *tls_cert, *tls_key;
	const char *data_dir;
	const char *log_path;    /* access log; NULL = stderr */
	bool insecure_http;
	bool trust_proxy;        /* X-Forwarded-For from a loopback peer names the client */
	bool allow_open_key;     /* serve even when the key file is readable by group or others */
	const char *tls_priority; /* GnuTLS priority string; SRV_TLS_PRIORITY */
	int token_days;          /* 90 */
	long long max_body;      /* 8 MB */
	long long max_blob;      /* 20 MB */
	int max_ops;             /* 500 */
	int timeout;             /* idle seconds, 30 */
	int head_timeout;        /* seconds for a whole request head, 10 */
	int body_timeout;        /* seconds before a body must keep up GUARD_MIN_RATE, 60 */
	int max_connections;     /* 256 */
	int per_ip_connections;  /* 64 */
	int retention_days;      /* 0 = keep the change log forever */
	int readers;             /* reader connections in the pool, 8 */
};
void srv_config_defaults(struct srv_config *c);

/* ---------------------------------------------------------------- users */
/* The authenticated user of a request. */
struct srv_user {
	char name[64];
	enum duban_role role;
	char **counties;   /* malloc'd strings */
	int ncounties;
	char device[128];
	char token_id[17]; /* first 16 hex digits of the token's hash */
	char expires_at[25];
};
void srv_user_free(struct srv_user *u);
/* Office users, and viewers with no county, see every county. */
bool srv_user_all_counties(const struct srv_user *u);
bool srv_user_sees(const struct srv_user *u, const char *county);
/* {"user", "role", "counties", "all_counties"}: who the client acts as, in
 * the login, /me and every pull answer (a role changed on the server reaches
 * the client at its next sync). */
cJSON *srv_account_json(const struct srv_user *u);

/* ---------------------------------------------------------------- store (srv_store.c)
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
 *                entity TEXT NOT NULL,  -- item note inspection action attachment
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
 * county changes, its records are appended again under the new county. */
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

/* ---------------------------------------------------------------- sync (push.c, pull.c)
 * Both return the HTTP status and set *response (never NULL on return): the
 * answer of doc/PROTOCOL.md, or {error, message}. */
int srv_push(srv_db *db, const struct srv_user *u, const cJSON *request, int max_ops, cJSON **response);
int srv_pull(srv_db *db, const struct srv_user *u, const char *since, int limit, cJSON **response);
/* GET /api/v1/items?ids=ID,ID: those items as they are now, for a client
 * that must set a value back to the server's (a dropped refused change). */
int srv_items(srv_db *db, const struct srv_user *u, const char *ids, cJSON **response);

/* ---------------------------------------------------------------- auth (auth.c) */
/* yescrypt via libcrypt.  Malloc'd hash, NULL on failure. */
char *srv_password_hash(const char *password);
bool srv_password_check(const char *password, const char *hash);

enum duban_err srv_user_add(duban_store *st, const char *name, enum duban_role role,
			    const char *const *counties, int ncounties, const char *password,
			    char *err, size_t errlen);
enum duban_err srv_user_passwd(duban_store *st, const char *name, const char *password, char *err, size_t errlen);
enum duban_err srv_user_disable(duban_store *st, const char *name, char *err, size_t errlen);
/* Revokes every token of user (token_id NULL) or the one token whose id
 * starts with token_id.  *count receives the number revoked. */
enum duban_err srv_token_revoke(duban_store *st, const char *user, const char *token_id, int *count,
				char *err, size_t errlen);

/* Forgets the failed logins counted against user name, lifting a lockout
 * (the addresses' counts stay).  *count: the rows removed (0: nothing held). */
enum duban_err srv_user_unlock(duban_store *st, const char *name, int *count, char *err, size_t errlen);
/* Checks user and password and issues a token (hex in token_out).  Returns
 * an HTTP status: 200, 401, 429 (retry_after set), 500. */
int srv_login(srv_db *db, const char *user, const char *password, const char *device, const char *address,
	      int token_days, char token_out[65], struct srv_user *u, int *retry_after);
/* Resolves "Bearer TOKEN": 200 and *u filled, or 401 with error set to
 * "unauthorized" / "token_expired". */
int srv_authenticate(srv_db *db, const char *authorization, struct srv_user *u, const char **error);

/* ---------------------------------------------------------------- blobs (blobs.c) */
bool srv_sha256_valid(const char *hex);
/* DATA_DIR/blobs/ab/abcdef…; malloc'd. */
char *srv_blob_path(const srv_db *db, const char *sha256);
/* An upload streamed into a temporary file in DATA_DIR/blobs while it is
 * hashed; finish verifies it, renames it into place and records it (201, or
 * 200 when the server already had it; 400 hash_mismatch keeps nothing). */
struct srv_blob_upload;
struct srv_blob_upload *srv_blob_begin(srv_db *db, const char *sha256);
int srv_blob_write(struct srv_blob_upload *up, const void *data, size_t len);
int srv_blob_finish(struct srv_blob_upload *up, const struct srv_user *u, cJSON **response);
void srv_blob_abort(struct srv_blob_upload *up);
/* May u read the blob?  200 (*size set), 404 (not there, or not this user's:
 * the same answer, so that HEAD tells nothing about other counties' files)
 * or 500.  Office users may read every blob; others one they sent
 * themselves or one attached to an item of their counties. */
int srv_blob_access(srv_db *db, const struct srv_user *u, const char *sha256, long long *size);
/* The same rule on an open connection (push's writer), for attachment.add:
 * 1 allowed, 0 not (or nobody sent the bytes yet), -1 database error. */
int srv_blob_may_use(sqlite3 *db, const struct srv_user *u, const char *sha256);

/* ---------------------------------------------------------------- guard (guard.c) */
/* Where a connection is: reading a request head, reading its body, or
 * answering. */
enum srv_guard_phase { SRV_GUARD_HEAD, SRV_GUARD_BODY, SRV_GUARD_REPLY };
struct MHD_Connection;
/* The watchdog thread cutting slow heads and bodies (see guard.c); the
 * server is "nearly full" from max_connections minus the reserve. */
bool srv_guard_start(int head_timeout, int body_timeout, int max_connections);
void srv_guard_stop(void);
int srv_guard_reserve(int max_connections);
/* A connection opened (started) or closed: from MHD_OPTION_NOTIFY_CONNECTION,
 * before libmicrohttpd closes the socket. */
void srv_guard_notify(struct MHD_Connection *c, void **socket_context, bool started);
void srv_guard_phase(struct MHD_Connection *c, enum srv_guard_phase phase);
void srv_guard_bytes(struct MHD_Connection *c, size_t n);

/* ---------------------------------------------------------------- http (http.c) */
/* Serves until SIGTERM or SIGINT; returns the process exit status. */
int srv_serve(const struct srv_config *cfg, srv_db *db);

/* ---------------------------------------------------------------- log (log.c) */
/* One line "duband: MESSAGE" on standard error, every control character,
 * C1 control and non-UTF-8 byte of the formatted message written as \xNN:
 * messages carry strings that clients chose. */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct duban_buf;
/* Appends s to b escaped as srv_log does. */
void srv_log_escape(struct duban_buf *b, const char *s);

/* ---------------------------------------------------------------- config file (config.c) */
/* serve's arguments with --config FILE replaced by the file's lines as
 * options, before the command line's (which therefore override them). */
struct srv_config_argv {
	int argc;
	char **argv;
	char **owned; /* the strings made from the file */
	int nowned;
};
/* 0: no --config (out untouched); 1: out holds the new arguments; -1: err
 * says what is wrong with the file (FILE:LINE: message). */
int srv_config_args(int argc, char **argv, struct srv_config_argv *out, char *err, size_t errlen);
void srv_config_argv_free(struct srv_config_argv *a);

/* ---------------------------------------------------------------- backup (backup.c) */
/* A server holds a shared lock on DATA_DIR/serve.lock while it runs (any
 * number of servers may share a data directory); restore takes it
 * exclusively.  Returns the descriptor (kept open until exit), or -1 with a
 * message given. */
int srv_datadir_hold(const char *data_dir);
/* `duband backup` and `duband restore`. */
int srv_cmd_backup(int argc, char **argv);
int srv_cmd_restore(int argc, char **argv);

/* ---------------------------------------------------------------- errors */
/* {"error": code, "message": message} */
cJSON *srv_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
