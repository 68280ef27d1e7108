/* Users, passwords and tokens.  Passwords are kept as yescrypt hashes and
 * never logged; tokens are 256 random bits of which only the SHA-256 is
 * stored.  Login failures are counted in the database per user and per
 * address. */
#include <config.h>

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sqlite3.h>

#include "duban/date.h"
#include "duban/sha256.h"
#include "duban/util.h"
#include "store_internal.h"
#include "server.h"

/* ---------------------------------------------------------------- passwords */

char *srv_password_hash(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	if (!password || !crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
		return NULL;
	struct crypt_data *cd = calloc(1, sizeof *cd);
	if (!cd)
		return NULL;
	char *out = NULL;
	const char *h = crypt_rn(password, salt, cd, sizeof *cd);
	if (h && h[0] == '$')
		out = strdup(h);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return out;
}

/* Compares every byte whatever the first difference, so the time taken says
 * nothing about how much of a hash matched. */
static bool equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	size_t n = la < lb ? la : lb;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool srv_password_check(const char *password, const char *hash)
{
	if (!password || !hash || hash[0] != '$')
		return false;
	struct crypt_data *cd = calloc(1, sizeof *cd);
	if (!cd)
		return false;
	const char *h = crypt_rn(password, hash, cd, sizeof *cd);
	bool ok = h && h[0] == '$' && equal_ct(h, hash);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

/* A hash to check against when the user does not exist, so that a wrong
 * name costs the same time as a wrong password. */
static char *dummy_hash;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	dummy_hash = srv_password_hash("duband: no such user");
}

/* ---------------------------------------------------------------- users */

static bool name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 1 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-')))
			return false;
	}
	return true;
}

static bool password_valid(const char *password, char *err, size_t errlen)
{
	if (!password || !*password) {
		snprintf(err, errlen, "the password is empty");
		return false;
	}
	if (strlen(password) > 1024) {
		snprintf(err, errlen, "the password is longer than 1024 bytes");
		return false;
	}
	return true;
}

static enum duban_err db_error(duban_store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "database error: %s", sqlite3_errmsg(duban_store_db(st)));
	return DUBAN_ERR_DB;
}

/* 1 when the user exists, 0 when not, -1 on a database error. */
static int user_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM server_user WHERE name = ?", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum duban_err srv_user_add(duban_store *st, const char *name, enum duban_role role,
			    const char *const *counties, int ncounties, const char *password,
			    char *err, size_t errlen)
{
	if (!name_valid(name)) {
		snprintf(err, errlen, "user names are 1 to 63 characters among A-Z a-z 0-9 . _ -");
		return DUBAN_ERR_INVALID;
	}
	if ((int)role < 0 || role >= DUBAN_ROLE_COUNT) {
		snprintf(err, errlen, "unknown role (office, inspector or viewer)");
		return DUBAN_ERR_INVALID;
	}
	if (role == DUBAN_ROLE_INSPECTOR && ncounties < 1) {
		snprintf(err, errlen, "an inspector needs at least one county (--county NAME)");
		return DUBAN_ERR_INVALID;
	}
	for (int i = 0; i < ncounties; i++) {
		if (!counties[i] || !*counties[i] || strlen(counties[i]) > 200) {
			snprintf(err, errlen, "a county name is empty or too long");
			return DUBAN_ERR_INVALID;
		}
	}
	if (!password_valid(password, err, errlen))
		return DUBAN_ERR_INVALID;

	sqlite3 *db = duban_store_db(st);
	int exists = user_exists(db, name);
	if (exists < 0)
		return db_error(st, err, errlen);
	if (exists) {
		snprintf(err, errlen, "user %s exists already (change the password with `duband user passwd %s`)",
			 name, name);
		return DUBAN_ERR_DUPLICATE;
	}
	char *hash = srv_password_hash(password);
	if (!hash) {
		snprintf(err, errlen, "cannot hash the password: %s", strerror(errno));
		return DUBAN_ERR_IO;
	}
	char now[25];
	duban_timestamp_now(now);
	enum duban_err e = duban_store_begin(st);
	if (e != DUBAN_OK) {
		free(hash);
		return db_error(st, err, errlen);
	}
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO server_user (name, role, password, disabled, created_at)"
				    " VALUES (?, ?, ?, 0, ?)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, duban_role_id(role), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	for (int i = 0; rc == SQLITE_OK && i < ncounties; i++) {
		rc = sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO user_county (user, county) VALUES (?, ?)", -1,
					&s, NULL);
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, counties[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_OK) {
		e = db_error(st, err, errlen);
		duban_store_rollback(st);
		return e;
	}
	if (duban_store_commit(st) != DUBAN_OK) {
		e = db_error(st, err, errlen);
		duban_store_rollback(st);
		return e;
	}
	return DUBAN_OK;
}

/* Runs one UPDATE with up to two text parameters; *changes gets the rows. */
static enum duban_err update(duban_store *st, const char *sql, const char *a, const char *b, int *changes,
			     char *err, size_t errlen)
{
	sqlite3 *db = duban_store_db(st);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, errlen);
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, err, errlen);
	if (changes)
		*changes = sqlite3_changes(db);
	return DUBAN_OK;
}

/* After a change to the user's credentials (e, the change's result): every
 * token of the user is revoked in the same transaction, which is then
 * committed, or rolled back on any error. */
static enum duban_err revoke_and_commit(duban_store *st, enum duban_err e, const char *name, char *err,
					size_t errlen)
{
	if (e == DUBAN_OK)
		e = update(st, "UPDATE token SET revoked = 1 WHERE user = ? AND revoked = 0", name, NULL, NULL, err,
			   errlen);
	if (e == DUBAN_OK && duban_store_commit(st) != DUBAN_OK)
		e = db_error(st, err, errlen);
	if (e != DUBAN_OK)
		duban_store_rollback(st);
	return e;
}

static enum duban_err need_user(duban_store *st, const char *name, char *err, size_t errlen)
{
	int exists = user_exists(duban_store_db(st), name ? name : "");
	if (exists < 0)
		return db_error(st, err, errlen);
	if (!exists) {
		snprintf(err, errlen, "no user %s (see `duband user list`)", name ? name : "");
		return DUBAN_ERR_NOT_FOUND;
	}
	return DUBAN_OK;
}

enum duban_err srv_user_passwd(duban_store *st, const char *name, const char *password, char *err, size_t errlen)
{
	enum duban_err e = need_user(st, name, err, errlen);
	if (e != DUBAN_OK)
		return e;
	if (!password_valid(password, err, errlen))
		return DUBAN_ERR_INVALID;
	char *hash = srv_password_hash(password);
	if (!hash) {
		snprintf(err, errlen, "cannot hash the password: %s", strerror(errno));
		return DUBAN_ERR_IO;
	}
	/* Whoever knew the old password may hold a token: it goes with it. */
	if ((e = duban_store_begin(st)) != DUBAN_OK) {
		free(hash);
		return db_error(st, err, errlen);
	}
	e = update(st, "UPDATE server_user SET password = ? WHERE name = ?", hash, name, NULL, err, errlen);
	e = revoke_and_commit(st, e, name, err, errlen);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	return e;
}

enum duban_err srv_user_disable(duban_store *st, const char *name, char *err, size_t errlen)
{
	enum duban_err e = need_user(st, name, err, errlen);
	if (e != DUBAN_OK)
		return e;
	if ((e = duban_store_begin(st)) != DUBAN_OK)
		return db_error(st, err, errlen);
	e = update(st, "UPDATE server_user SET disabled = 1 WHERE name = ?", name, NULL, NULL, err, errlen);
	return revoke_and_commit(st, e, name, err, errlen);
}

enum duban_err srv_token_revoke(duban_store *st, const char *user, const char *token_id, int *count,
				char *err, size_t errlen)
{
	int n = 0;
	if (count)
		*count = 0;
	enum duban_err e = need_user(st, user, err, errlen);
	if (e != DUBAN_OK)
		return e;
	if (token_id && (!*token_id || strlen(token_id) > 16 || strspn(token_id, "0123456789abcdef") != strlen(token_id))) {
		snprintf(err, errlen, "a token id is 1 to 16 lower-case hex digits (see `duband token list %s`)", user);
		return DUBAN_ERR_INVALID;
	}
	if (token_id)
		e = update(st, "UPDATE token SET revoked = 1 WHERE user = ?1 AND revoked = 0"
			       " AND substr(id, 1, length(?2)) = ?2", user, token_id, &n, err, errlen);
	else
		e = update(st, "UPDATE token SET revoked = 1 WHERE user = ? AND revoked = 0", user, NULL, &n, err,
			   errlen);
	if (e != DUBAN_OK)
		return e;
	if (count)
		*count = n;
	if (token_id && n == 0) {
		snprintf(err, errlen, "%s has no active token %s (see `duband token list %s`)", user, token_id, user);
		return DUBAN_ERR_NOT_FOUND;
	}
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- rate limits */

/* Failed logins are counted in the database (login_fail), so that every
 * server instance on this data sees them and a restart forgets nothing.  A
 * key is "U:NAME" for an account that exists, "u:NAME" for a name that does
 * not, "a:ADDRESS" for a client address.  Accounts are bounded by the users
 * table and their rows are never evicted; the rest share RL_ROWS rows, of
 * which only unlocked ones make room for new keys, so a flood of made-up
 * names or addresses can never unlock anybody. */
#define RL_WINDOW 900      /* seconds */
#define RL_USER_MAX 5
#define RL_ADDR_MAX 20
#define RL_ROWS 10000

static time_t wall_now(void)
{
	return time(NULL);
}

/* Seconds until any of the keys may try again (0: now; -1: database error). */
static int rl_wait(sqlite3 *db, const char *ukey, const char *akey, time_t now)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "SELECT max(locked_until) FROM login_fail WHERE key IN (?, ?)", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, ukey, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, akey, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	long long until = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return -1;
	return until > now ? (int)(until - now) : 0;
}

/* Runs sql with key (?1), now (?2), max (?3) and RL_ROWS (?4) bound. */
static bool rl_exec(sqlite3 *db, const char *sql, const char *key, time_t now, int max)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (long long)now);
	sqlite3_bind_int(s, 3, max);
	sqlite3_bind_int(s, 4, RL_ROWS);
	bool ok = sqlite3_step(s) == SQLITE_DONE;
	sqlite3_finalize(s);
	return ok;
}

/* One more failure for key; max failures within RL_WINDOW lock it for
 * RL_WINDOW.  A lock is never shortened. */
static void rl_fail(sqlite3 *db, const char *key, int max, time_t now)
{
	static const char *const bump =
		"UPDATE login_fail SET"
		" fails = CASE WHEN first_at + 900 <= ?2 AND locked_until <= ?2 THEN 1 ELSE fails + 1 END,"
		" first_at = CASE WHEN first_at + 900 <= ?2 AND locked_until <= ?2 THEN ?2 ELSE first_at END,"
		" locked_until = CASE WHEN (CASE WHEN first_at + 900 <= ?2 AND locked_until <= ?2 THEN 1"
		"   ELSE fails + 1 END) >= ?3 THEN max(locked_until, ?2 + 900) ELSE locked_until END,"
		" last_at = ?2 WHERE key = ?1";
	/* Room for a key that is not an account's: the least recently failed
	 * unlocked rows go; locked ones stay, and when only they are left the
	 * new key is not counted (its account, if any, is counted by name). */
	static const char *const evict =
		"DELETE FROM login_fail WHERE key IN (SELECT key FROM login_fail"
		" WHERE substr(key, 1, 2) != 'U:' AND locked_until <= ?2 ORDER BY last_at"
		" LIMIT max(0, (SELECT count(*) FROM login_fail WHERE substr(key, 1, 2) != 'U:') - ?4 + 1))"
		" AND substr(?1, 1, 2) != 'U:'";
	static const char *const insert =
		"INSERT INTO login_fail (key, fails, first_at, last_at, locked_until)"
		" SELECT ?1, 1, ?2, ?2, CASE WHEN ?3 <= 1 THEN ?2 + 900 ELSE 0 END"
		" WHERE substr(?1, 1, 2) = 'U:'"
		"  OR (SELECT count(*) FROM login_fail WHERE substr(key, 1, 2) != 'U:') < ?4";
	bool ok = rl_exec(db, bump, key, now, max);
	if (ok && sqlite3_changes(db) == 0)
		ok = rl_exec(db, evict, key, now, max) && rl_exec(db, insert, key, now, max);
	if (!ok)
		srv_log("cannot count a failed login: %s", sqlite3_errmsg(db));
}

static void rl_forget(sqlite3 *db, const char *key)
{
	if (!rl_exec(db, "DELETE FROM login_fail WHERE key = ?1", key, 0, 0))
		srv_log("cannot reset the failed logins: %s", sqlite3_errmsg(db));
}

enum duban_err srv_user_unlock(duban_store *st, const char *name, int *count, char *err, size_t errlen)
{
	char ukey[80], nkey[80];
	*count = 0;
	enum duban_err e = need_user(st, name, err, errlen);
	if (e != DUBAN_OK)
		return e;
	snprintf(ukey, sizeof ukey, "U:%.70s", name);
	snprintf(nkey, sizeof nkey, "u:%.70s", name);
	return update(st, "DELETE FROM login_fail WHERE key IN (?, ?)", ukey, nkey, count, err, errlen);
}

/* ---------------------------------------------------------------- tokens */

/* YYYY-MM-DDTHH:MM:SSZ plus days, in the same form. */
static bool timestamp_add_days(const char *ts, int days, char out[25])
{
	struct tm tm = { 0 };
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	t += (time_t)days * 86400;
	struct tm out_tm;
	if (!gmtime_r(&t, &out_tm))
		return false;
	return strftime(out, 25, "%Y-%m-%dT%H:%M:%SZ", &out_tm) > 0;
}

static void token_hash(const char *token, char hash[65])
{
	duban_sha256_data_hex(token, strlen(token), hash);
}

/* Reads the counties of name into u.  false on a database or memory error. */
static bool load_counties(sqlite3 *db, const char *name, struct srv_user *u)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "SELECT county FROM user_county WHERE user = ? ORDER BY county", -1, &s,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	bool ok = true;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **grown = realloc(u->counties, (size_t)(u->ncounties + 1) * sizeof *grown);
		if (!grown) {
			ok = false;
			break;
		}
		u->counties = grown;
		char *c = strdup((const char *)sqlite3_column_text(s, 0));
		if (!c) {
			ok = false;
			break;
		}
		u->counties[u->ncounties++] = c;
	}
	if (ok && rc != SQLITE_DONE)
		ok = false;
	sqlite3_finalize(s);
	return ok;
}

struct login_row {
	bool found, disabled;
	char role[16];
	char *hash;
};

static int read_user(srv_db *db, const char *user, struct login_row *row)
{
	duban_store *st = srv_db_reader(db);
	sqlite3_stmt *s;
	int status = 500;
	if (sqlite3_prepare_v2(duban_store_db(st), "SELECT role, password, disabled FROM server_user WHERE name = ?",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			row->found = true;
			snprintf(row->role, sizeof row->role, "%s", (const char *)sqlite3_column_text(s, 0));
			row->hash = strdup((const char *)sqlite3_column_text(s, 1));
			row->disabled = sqlite3_column_int(s, 2) != 0;
			status = row->hash ? 200 : 500;
		} else if (rc == SQLITE_DONE) {
			status = 200;
		}
		sqlite3_finalize(s);
	}
	srv_db_reader_done(db, st);
	return status;
}

int srv_login(srv_db *db, const char *user, const char *password, const char *device, const char *address,
	      int token_days, char token_out[65], struct srv_user *u, int *retry_after)
{
	char ukey[80], akey[80];
	memset(u, 0, sizeof *u);
	token_out[0] = '\0';
	*retry_after = 0;
	if (!user)
		user = "";
	if (!password)
		password = "";

	struct login_row row = { 0 };
	bool name_ok = name_valid(user);
	if (name_ok && read_user(db, user, &row) != 200) {
		free(row.hash);
		return 500;
	}
	snprintf(ukey, sizeof ukey, "%c:%.70s", row.found ? 'U' : 'u', user);
	snprintf(akey, sizeof akey, "a:%.70s", address ? address : "");

	time_t now = wall_now();
	duban_store *rst = srv_db_reader(db);
	int wait = rl_wait(duban_store_db(rst), ukey, akey, now);
	srv_db_reader_done(db, rst);
	if (wait != 0) {
		free(row.hash);
		if (wait < 0)
			return 500;
		*retry_after = wait;
		return 429;
	}

	bool good;
	if (row.found) {
		good = srv_password_check(password, row.hash);
	} else {
		pthread_once(&dummy_once, make_dummy_hash);
		(void)srv_password_check(password, dummy_hash);
		good = false;
	}
	free(row.hash);
	int role = row.found ? duban_role_parse(row.role) : -1;
	if (!good || row.disabled || role < 0) {
		duban_store *wst = srv_db_writer(db);
		rl_fail(duban_store_db(wst), ukey, RL_USER_MAX, now);
		rl_fail(duban_store_db(wst), akey, RL_ADDR_MAX, now);
		srv_db_writer_done(db);
		return 401;
	}

	unsigned char raw[32];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 500;
		got += (size_t)n;
	}
	char token[65], hash[65], created[25], expires[25];
	duban_sha256_hex(raw, token);
	explicit_bzero(raw, sizeof raw);
	token_hash(token, hash);
	duban_timestamp_now(created);
	if (!timestamp_add_days(created, token_days, expires))
		return 500;

	snprintf(u->name, sizeof u->name, "%s", user);
	u->role = (enum duban_role)role;
	snprintf(u->device, sizeof u->device, "%s", device ? device : "");
	snprintf(u->token_id, sizeof u->token_id, "%.16s", hash);
	snprintf(u->expires_at, sizeof u->expires_at, "%s", expires);

	duban_store *st = srv_db_writer(db);
	sqlite3 *sdb = duban_store_db(st);
	sqlite3_stmt *s;
	int status = 500;
	if (sqlite3_prepare_v2(sdb, "INSERT INTO token (id, hash, user, device, created_at, expires_at, revoked)"
			       " VALUES (?, ?, ?, ?, ?, ?, 0)", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, u->token_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, u->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, u->device, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, created, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, expires, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_DONE)
			status = 200;
		sqlite3_finalize(s);
	}
	if (status == 200 && !load_counties(sdb, u->name, u))
		status = 500;
	if (status == 200)
		rl_forget(sdb, ukey);
	srv_db_writer_done(db);
	if (status != 200) {
		srv_user_free(u);
		memset(u, 0, sizeof *u);
		return status;
	}
	memcpy(token_out, token, 65);
	explicit_bzero(token, sizeof token);
	return 200;
}

int srv_authenticate(srv_db *db, const char *authorization, struct srv_user *u, const char **error)
{
	memset(u, 0, sizeof *u);
	*error = "unauthorized";
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return 401;
	const char *p = authorization + 7;
	while (*p == ' ')
		p++;
	char token[65];
	size_t n = 0;
	for (; p[n] && n < 65; n++) {
		if (!isxdigit((unsigned char)p[n]))
			break;
		if (n < 64)
			token[n] = (char)tolower((unsigned char)p[n]);
	}
	if (n != 64)
		return 401;
	size_t rest = strspn(p + 64, " \t");
	if (p[64 + rest] != '\0')
		return 401;
	token[64] = '\0';
	char hash[65];
	token_hash(token, hash);
	explicit_bzero(token, sizeof token);

	char now[25];
	duban_timestamp_now(now);
	duban_store *st = srv_db_reader(db);
	sqlite3 *sdb = duban_store_db(st);
	sqlite3_stmt *s;
	int status = 500;
	if (sqlite3_prepare_v2(sdb, "SELECT t.id, t.user, t.device, t.expires_at, t.revoked, u.role, u.disabled"
			       " FROM token t JOIN server_user u ON u.name = t.user WHERE t.hash = ?", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			status = 401;
		} else if (rc == SQLITE_ROW) {
			const char *expires = (const char *)sqlite3_column_text(s, 3);
			int role = duban_role_parse((const char *)sqlite3_column_text(s, 5));
			if (sqlite3_column_int(s, 4) != 0 || sqlite3_column_int(s, 6) != 0 || role < 0) {
				status = 401;
			} else if (strcmp(expires, now) <= 0) {
				status = 401;
				*error = "token_expired";
			} else {
				snprintf(u->token_id, sizeof u->token_id, "%s", (const char *)sqlite3_column_text(s, 0));
				snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(s, 1));
				snprintf(u->device, sizeof u->device, "%s", (const char *)sqlite3_column_text(s, 2));
				snprintf(u->expires_at, sizeof u->expires_at, "%s", expires);
				u->role = (enum duban_role)role;
				status = 200;
			}
		}
		sqlite3_finalize(s);
	}
	if (status == 200 && !load_counties(sdb, u->name, u))
		status = 500;
	srv_db_reader_done(db, st);
	if (status != 200) {
		srv_user_free(u);
		memset(u, 0, sizeof *u);
	}
	return status;
}
