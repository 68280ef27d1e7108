/* The account file: which server, as whom, and the token it gave.  It holds
 * a credential, so it is written 0600 and a looser mode is tightened on read
 * (DESIGN.md §5, invariant 7).  The password never reaches it. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duban/sync.h"
#include "duban/util.h"

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

char *duban_account_path(void)
{
	char *config = duban_config_path();
	char *slash = strrchr(config, '/');
	if (slash)
		slash[1] = '\0';
	char *path = xasprintf("%saccount", slash ? config : "");
	free(config);
	return path;
}

char *duban_account_default_device(void)
{
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		return xstrdup("duban");
	host[sizeof host - 1] = '\0';
	return xstrdup(host);
}

void duban_account_free(struct duban_account *a)
{
	if (!a)
		return;
	free(a->url);
	free(a->user);
	if (a->token) {
		/* The token is a credential: do not leave it in freed memory. */
		memset(a->token, 0, strlen(a->token));
		free(a->token);
	}
	free(a->expires_at);
	free(a->cacert);
	free(a->device);
	free(a->role);
	free(a->counties);
	memset(a, 0, sizeof *a);
}

/* A value must fit on its line. */
static bool value_ok(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void put(struct duban_buf *b, const char *key, const char *value)
{
	if (value && *value && value_ok(value))
		duban_buf_printf(b, "%s=%s\n", key, value);
}

char *duban_account_format(const struct duban_account *a)
{
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_puts(&b, "# duban account, written by `duban login`; keep it private (mode 0600).\n");
	put(&b, "url", a->url);
	put(&b, "user", a->user);
	put(&b, "device", a->device);
	put(&b, "cacert", a->cacert);
	if (a->insecure_http)
		put(&b, "insecure_http", "1");
	put(&b, "token", a->token);
	put(&b, "expires_at", a->expires_at);
	put(&b, "role", a->role);
	put(&b, "counties", a->counties);
	return duban_buf_steal(&b);
}

static bool parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || !*v) {
		*out = false;
		return true;
	}
	return false;
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = *v ? xstrdup(v) : NULL;
}

int duban_account_parse(const char *text, struct duban_account *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	char *copy = xstrdup(text);
	int lineno = 0, rc = 0;
	char *save = NULL;
	/* strtok_r skips empty lines, which is what we want. */
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq) {
			set_err(err, errlen, _("line %d: expected key=value"), lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = duban_trim(line);
		const char *v = eq + 1;
		if (strcmp(key, "url") == 0)
			set_str(&a->url, v);
		else if (strcmp(key, "user") == 0)
			set_str(&a->user, v);
		else if (strcmp(key, "token") == 0)
			set_str(&a->token, v);
		else if (strcmp(key, "expires_at") == 0)
			set_str(&a->expires_at, v);
		else if (strcmp(key, "device") == 0)
			set_str(&a->device, v);
		else if (strcmp(key, "role") == 0)
			set_str(&a->role, v);
		else if (strcmp(key, "counties") == 0)
			set_str(&a->counties, v);
		else if (strcmp(key, "cacert") == 0) {
			if (*v && v[0] != '/') {
				set_err(err, errlen, _("line %d: cacert must be an absolute path"), lineno);
				rc = -1;
				break;
			}
			set_str(&a->cacert, v);
		} else if (strcmp(key, "insecure_http") == 0) {
			if (!parse_bool(v, &a->insecure_http)) {
				set_err(err, errlen, _("line %d: insecure_http takes 0 or 1"), lineno);
				rc = -1;
				break;
			}
		}
		/* Other keys: written by a newer duban; keep reading. */
	}
	memset(copy, 0, strlen(text)); /* it held the token */
	free(copy);
	if (rc != 0)
		duban_account_free(a);
	return rc;
}

int duban_account_load(const char *path, struct duban_account *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		set_err(err, errlen, _("cannot read %s: %s"), path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		set_err(err, errlen, _("cannot read %s: %s"), path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, _("%s is not a regular file"), path);
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		set_err(err, errlen, _("%s belongs to another user: remove it and log in again"), path);
		close(fd);
		return -1;
	}
	bool fixed = false;
	if (st.st_mode & 077) {
		if (fchmod(fd, 0600) != 0) {
			set_err(err, errlen, _("%s is readable by others and its mode cannot be changed: %s"),
				path, strerror(errno));
			close(fd);
			return -1;
		}
		fixed = true;
	}
	struct duban_buf b;
	duban_buf_init(&b);
	char chunk[4096];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_err(err, errlen, _("cannot read %s: %s"), path, strerror(errno));
			close(fd);
			duban_buf_free(&b);
			return -1;
		}
		if (r == 0)
			break;
		duban_buf_add(&b, chunk, (size_t)r);
		if (b.len > 64 * 1024) {
			set_err(err, errlen, _("%s is too large for an account file"), path);
			close(fd);
			duban_buf_free(&b);
			return -1;
		}
	}
	close(fd);
	memset(chunk, 0, sizeof chunk);
	if (b.len && memchr(b.data, '\0', b.len)) {
		/* Read as a C string it would end there, silently. */
		set_err(err, errlen, _("%s holds a NUL byte: it is not an account file duban wrote; run duban login"),
			path);
		memset(b.data, 0, b.len);
		duban_buf_free(&b);
		return -1;
	}
	char *text = duban_buf_steal(&b);
	char why[256] = "";
	int rc = duban_account_parse(text, a, why, sizeof why);
	memset(text, 0, strlen(text));
	free(text);
	if (rc != 0) {
		set_err(err, errlen, "%s: %s", path, why);
		return -1;
	}
	a->mode_fixed = fixed;
	return 1;
}

int duban_account_save(const char *path, const struct duban_account *a, char *err, size_t errlen)
{
	if (duban_mkdir_parent(path) != 0) {
		set_err(err, errlen, _("cannot create the directory of %s: %s"), path, strerror(errno));
		return -1;
	}
	char *text = duban_account_format(a);
	size_t len = strlen(text);
	int rc = duban_write_file_atomic(path, text, len, 0600);
	int e = errno;
	memset(text, 0, len);
	free(text);
	if (rc != 0) {
		set_err(err, errlen, _("cannot write %s: %s"), path, strerror(e));
		return -1;
	}
	return 0;
}

int duban_account_delete(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- acting as the account */

bool duban_account_take_role(struct duban_account *a, const cJSON *who)
{
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(who, "role");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(who, "counties");
	const cJSON *c;
	struct duban_buf b;
	bool changed;

	if (!cJSON_IsString(role) || duban_role_parse(role->valuestring) < 0 || !cJSON_IsArray(list))
		return false;
	duban_buf_init(&b);
	cJSON_ArrayForEach(c, list) {
		if (!cJSON_IsString(c) || !*c->valuestring || strchr(c->valuestring, ',') || !value_ok(c->valuestring))
			continue;
		if (b.len)
			duban_buf_putc(&b, ',');
		duban_buf_puts(&b, c->valuestring);
	}
	char *counties = duban_buf_steal(&b);
	changed = !a->role || strcmp(a->role, role->valuestring) != 0 || !a->counties != !*counties ||
		  (a->counties && strcmp(a->counties, counties) != 0);
	set_str(&a->role, role->valuestring);
	set_str(&a->counties, counties);
	free(counties);
	return changed;
}

bool duban_account_logged_in(const struct duban_account *a)
{
	return a && a->url && a->user && a->token;
}

void duban_account_act(duban_store *st, const struct duban_account *a, enum duban_role local_role)
{
	if (duban_account_logged_in(a)) {
		int role = a->role ? duban_role_parse(a->role) : -1;
		char *list = xstrdup(a->counties ? a->counties : ""), *save = NULL;
		const char **counties = NULL;
		int n = 0;

		for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			counties = xrealloc(counties, (size_t)(n + 1) * sizeof *counties);
			counties[n++] = c;
		}
		/* A login by an older duban did not keep the role: the server
		 * still decides; until the next sync, the local role stands. */
		duban_store_set_actor(st, a->user, a->device, role < 0 ? local_role : (enum duban_role)role);
		duban_store_set_counties(st, counties, n);
		free(counties);
		free(list);
		return;
	}
	const char *user = getenv("USER");
	char *local = xasprintf("%s%s", user && *user ? user : "unknown", DUBAN_LOCAL_MARK);
	duban_store_set_actor(st, local, NULL, local_role);
	duban_store_set_counties(st, NULL, 0);
	free(local);
}
