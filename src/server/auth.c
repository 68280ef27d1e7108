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


#include "duban/date.h"
#include "duban/sha256.h"
#include "duban/util.h"
#include "store.h"
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

/* 1 when the user exists, 0 when not, -1 on a database error. */
static int user_exists(struct srv_store *st, const char *name)
{
	struct srv_user_row row = { 0 };
	int status = st->ops->user_read(st, name, &row);

	free(row.hash);
	return status != 200 ? -1 : row.found;
}

static enum duban_err db_error(char *err, size_t errlen)
{
	snprintf(err, errlen, "database error (see duband's log)");
	return DUBAN_ERR_DB;
}

enum duban_err srv_user_add(struct srv_store *st, const char *name, enum duban_role role,
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

	int exists = user_exists(st, name);
	if (exists < 0)
		return db_error(err, errlen);
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
	enum duban_err e = st->ops->user_insert(st, name, duban_role_id(role), hash, counties, ncounties, err, errlen);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	return e;
}

static enum duban_err need_user(struct srv_store *st, const char *name, char *err, size_t errlen)
{
	int exists = user_exists(st, name ? name : "");
	if (exists < 0)
		return db_error(err, errlen);
	if (!exists) {
		snprintf(err, errlen, "no user %s (see `duband user list`)", name ? name : "");
		return DUBAN_ERR_NOT_FOUND;
	}
	return DUBAN_OK;
}

enum duban_err srv_user_passwd(struct srv_store *st, const char *name, const char *password, char *err, size_t errlen)
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
	/* Whoever knew the old password may hold a token: it goes with it
	 * (the backend revokes them in the same transaction). */
	e = st->ops->user_update(st, SRV_UPD_PASSWORD, hash, name, NULL, err, errlen);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	return e;
}

enum duban_err srv_user_disable(struct srv_store *st, const char *name, char *err, size_t errlen)
{
	enum duban_err e = need_user(st, name, err, errlen);
	if (e != DUBAN_OK)
		return e;
	return st->ops->user_update(st, SRV_UPD_DISABLE, name, NULL, NULL, err, errlen);
}

enum duban_err srv_token_revoke(struct srv_store *st, const char *user, const char *token_id, int *count,
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
		e = st->ops->user_update(st, SRV_UPD_REVOKE_TOKEN, user, token_id, &n, err, errlen);
	else
		e = st->ops->user_update(st, SRV_UPD_REVOKE_USER, user, NULL, &n, err, errlen);
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
 * table and their rows are never evicted; the rest share SRV_RL_ROWS rows, of
 * which only unlocked ones make room for new keys, so a flood of made-up
 * names or addresses can never unlock anybody. */
#define RL_USER_MAX 5
#define RL_ADDR_MAX 20

static time_t wall_now(void)
{
	return time(NULL);
}

enum duban_err srv_user_unlock(struct srv_store *st, const char *name, int *count, char *err, size_t errlen)
{
	char ukey[80], nkey[80];
	*count = 0;
	enum duban_err e = need_user(st, name, err, errlen);
	if (e != DUBAN_OK)
		return e;
	snprintf(ukey, sizeof ukey, "U:%.70s", name);
	snprintf(nkey, sizeof nkey, "u:%.70s", name);
	return st->ops->user_update(st, SRV_UPD_UNLOCK, ukey, nkey, count, err, errlen);
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

int srv_login(struct srv_store *db, const char *user, const char *password, const char *device, const char *address,
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

	struct srv_user_row row = { 0 };
	bool name_ok = name_valid(user);
	if (name_ok && db->ops->user_read(db, user, &row) != 200) {
		free(row.hash);
		return 500;
	}
	snprintf(ukey, sizeof ukey, "%c:%.70s", row.found ? 'U' : 'u', user);
	snprintf(akey, sizeof akey, "a:%.70s", address ? address : "");

	time_t now = wall_now();
	int wait = db->ops->rl_wait(db, ukey, akey, (long long)now);
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
		db->ops->rl_fail(db, ukey, RL_USER_MAX, (long long)now);
		db->ops->rl_fail(db, akey, RL_ADDR_MAX, (long long)now);
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

	int status = db->ops->token_insert(db, u, hash, created) ? 200 : 500;
	if (status == 200 && !db->ops->user_counties(db, u->name, u))
		status = 500;
	if (status == 200)
		db->ops->rl_forget(db, ukey);
	if (status != 200) {
		srv_user_free(u);
		memset(u, 0, sizeof *u);
		return status;
	}
	memcpy(token_out, token, 65);
	explicit_bzero(token, sizeof token);
	return 200;
}

int srv_authenticate(struct srv_store *db, const char *authorization, struct srv_user *u, const char **error)
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
	struct srv_token_row row = { 0 };
	int status = db->ops->token_read(db, hash, &row);
	if (status == 200) {
		int role = duban_role_parse(row.role);
		if (!row.found || row.revoked || row.disabled || role < 0) {
			status = 401;
		} else if (strcmp(row.expires_at, now) <= 0) {
			status = 401;
			*error = "token_expired";
		} else {
			snprintf(u->token_id, sizeof u->token_id, "%s", row.id);
			snprintf(u->name, sizeof u->name, "%s", row.user);
			snprintf(u->device, sizeof u->device, "%s", row.device);
			snprintf(u->expires_at, sizeof u->expires_at, "%s", row.expires_at);
			u->role = (enum duban_role)role;
		}
	}
	if (status == 200 && !db->ops->user_counties(db, u->name, u))
		status = 500;
	if (status != 200) {
		srv_user_free(u);
		memset(u, 0, sizeof *u);
	}
	return status;
}
