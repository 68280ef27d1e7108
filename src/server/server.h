/* duband's internal surface, shared by its modules (the .c files of src/server).  The
 * wire protocol is doc/PROTOCOL.md; the shared model, status machine and JSON
 * codec come from src/core.
 *
 *   store.h       the store interface (a table of functions per backend):
 *                 store.c opens the one --store names; store_sqlite.c with
 *                 srv_store.c, push_sqlite.c, pull_sqlite.c is the SQLite
 *                 backend (store_sqlite.h), store_pg.c the PostgreSQL one
 *                 (store_pg.h)
 *   push.c pull.c applying ops exactly once; pages of changes by cursor
 *                 (the rules; the backends load, lock, write and log)
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
	const char *store;       /* --store URL; NULL: sqlite:data_dir */
	const char *blob_dir;    /* --blobs DIR; NULL: DATA_DIR/blobs (SQLite) */
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
	int readers;             /* reader connections in the pool, 8 (--readers) */
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

#define SRV_READERS_MAX 64

/* GET /api/v1/snapshot (snapshot.c, doc/PROTOCOL.md): everything a pull
 * from the start would give this user, as gzip'd (when gzip) lines of JSON
 * written while they are sent, from one read transaction.  NULL with
 * *status and *error (JSON, the caller's) when it cannot start: 503 while
 * srv_snapshots_max(readers) others run, 500. */
struct srv_store;
struct srv_snapshot;
int srv_snapshots_max(int readers);
struct srv_snapshot *srv_snapshot_open(struct srv_store *s, const struct srv_user *u, int readers, bool gzip,
				       int *status, cJSON **error);
/* Up to max bytes of the answer into buf: how many, 0 at its end, -1 on an
 * error (the answer is cut short: the client sees no end line). */
long srv_snapshot_read(struct srv_snapshot *sn, char *buf, size_t max);
void srv_snapshot_close(struct srv_snapshot *sn);

/* ---------------------------------------------------------------- store (store.h) */
struct srv_store;

/* ---------------------------------------------------------------- sync (push.c, pull.c)
 * Both return the HTTP status and set *response (never NULL on return): the
 * answer of doc/PROTOCOL.md, or {error, message}. */
int srv_push(struct srv_store *db, const struct srv_user *u, const cJSON *request, int max_ops, cJSON **response);
/* (The items in *response are raw JSON text: print the tree to read them.) */
int srv_pull(struct srv_store *db, const struct srv_user *u, const char *since, int limit, cJSON **response);
/* GET /api/v1/items?ids=ID,ID: those items as they are now, for a client
 * that must set a value back to the server's (a dropped refused change). */
int srv_items(struct srv_store *db, const struct srv_user *u, const char *ids, cJSON **response);

/* ---------------------------------------------------------------- auth (auth.c) */
/* yescrypt via libcrypt.  Malloc'd hash, NULL on failure. */
char *srv_password_hash(const char *password);
bool srv_password_check(const char *password, const char *hash);

enum duban_err srv_user_add(struct srv_store *st, const char *name, enum duban_role role,
			    const char *const *counties, int ncounties, const char *password,
			    char *err, size_t errlen);
enum duban_err srv_user_passwd(struct srv_store *st, const char *name, const char *password, char *err, size_t errlen);
enum duban_err srv_user_disable(struct srv_store *st, const char *name, char *err, size_t errlen);
/* Revokes every token of user (token_id NULL) or the one token whose id
 * starts with token_id.  *count receives the number revoked. */
enum duban_err srv_token_revoke(struct srv_store *st, const char *user, const char *token_id, int *count,
				char *err, size_t errlen);

/* Forgets the failed logins counted against user name, lifting a lockout
 * (the addresses' counts stay).  *count: the rows removed (0: nothing held). */
enum duban_err srv_user_unlock(struct srv_store *st, const char *name, int *count, char *err, size_t errlen);
/* Checks user and password and issues a token (hex in token_out).  Returns
 * an HTTP status: 200, 401, 429 (retry_after set), 500. */
int srv_login(struct srv_store *db, const char *user, const char *password, const char *device, const char *address,
	      int token_days, char token_out[65], struct srv_user *u, int *retry_after);
/* Resolves "Bearer TOKEN": 200 and *u filled, or 401 with error set to
 * "unauthorized" / "token_expired". */
int srv_authenticate(struct srv_store *db, const char *authorization, struct srv_user *u, const char **error);

/* ---------------------------------------------------------------- blobs (blobs.c) */
bool srv_sha256_valid(const char *hex);
/* BLOB_DIR/ab/abcdef…; malloc'd. */
char *srv_blob_path(const struct srv_store *db, const char *sha256);
/* An upload streamed into a temporary file in DATA_DIR/blobs while it is
 * hashed; finish verifies it, renames it into place and records it (201, or
 * 200 when the server already had it; 400 hash_mismatch keeps nothing). */
struct srv_blob_upload;
struct srv_blob_upload *srv_blob_begin(struct srv_store *db, const char *sha256);
int srv_blob_write(struct srv_blob_upload *up, const void *data, size_t len);
int srv_blob_finish(struct srv_blob_upload *up, const struct srv_user *u, cJSON **response);
void srv_blob_abort(struct srv_blob_upload *up);
/* May u read the blob?  200 (*size set), 404 (not there, or not this user's:
 * the same answer, so that HEAD tells nothing about other counties' files)
 * or 500.  Office users may read every blob; others one they sent
 * themselves or one attached to an item of their counties. */
int srv_blob_access(struct srv_store *db, const struct srv_user *u, const char *sha256, long long *size);

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
int srv_serve(const struct srv_config *cfg, struct srv_store *db);

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
