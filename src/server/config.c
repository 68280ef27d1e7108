/* duband's configuration file (`duband serve --config FILE`, duband(8)
 * CONFIGURATION FILE): each line "KEY VALUE" names a long option of serve.
 * The file becomes options placed before the command line's, so the same
 * checks apply to both and the command line, read later, overrides it. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "server.h"

/* Keys the file may hold: serve's options, plus store.  flag keys take
 * yes/no and become the bare option. */
static const struct {
	const char *key;
	bool flag;
} known[] = {
	{ "listen", false }, { "tls-cert", false }, { "tls-key", false }, { "data", false },
	{ "store", false }, { "blobs", false }, { "log", false }, { "token-days", false }, { "max-body", false },
	{ "max-blob", false }, { "max-ops", false }, { "timeout", false }, { "head-timeout", false },
	{ "body-timeout", false }, { "max-connections", false }, { "per-ip-connections", false },
	{ "readers", false },
	{ "retention-days", false }, { "tls-priority", false }, { "insecure-http", true },
	{ "trust-proxy", true }, { "allow-open-key", true },
};

struct args {
	char **v;
	int n, cap;
};

static void push(struct args *a, char *s)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static int find_key(const char *key)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(known[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* The value after the key: the rest of the line without the blanks around
 * it, or a "quoted" string (\" and \\ inside).  NULL when a quote is not
 * closed or something follows it. */
static char *parse_value(const char *p)
{
	p += strspn(p, " \t");
	if (*p != '"') {
		size_t len = strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		return xasprintf("%.*s", (int)len, p);
	}
	char *out = xmalloc(strlen(p) + 1), *o = out;
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*o++ = *p;
	}
	*o = '\0';
	if (*p != '"' || p[1 + strspn(p + 1, " \t")] != '\0') {
		free(out);
		return NULL;
	}
	return out;
}

/* One line into options; false with err set when it is wrong. */
static bool parse_line(char *line, struct args *out, char *err, size_t errlen)
{
	char *p = line + strspn(line, " \t");
	if (*p == '\0' || *p == '#')
		return true;
	size_t klen = strcspn(p, " \t=");
	char key[32];
	snprintf(key, sizeof key, "%.*s", (int)(klen < sizeof key ? klen : sizeof key - 1), p);
	int k = klen < sizeof key ? find_key(key) : -1;
	if (k < 0) {
		char *clean = duban_sanitize(p, false);
		snprintf(err, errlen, "unknown key '%.*s'", (int)strcspn(clean, " \t="), clean);
		free(clean);
		return false;
	}
	p += klen;
	p += strspn(p, " \t");
	if (*p == '=') /* "key = value" reads as well */
		p++;
	char *value = parse_value(p);
	if (!value || !*value) {
		snprintf(err, errlen, value ? "%s needs a value" : "%s: the quoted value is not closed", key);
		free(value);
		return false;
	}
	if (known[k].flag) {
		bool yes = strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
		bool no = strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0;
		free(value);
		if (!yes && !no) {
			snprintf(err, errlen, "%s: expected yes or no", key);
			return false;
		}
		if (yes)
			push(out, xasprintf("--%s", key));
		return true;
	}
	push(out, xasprintf("--%s", key));
	push(out, value);
	return true;
}

static bool read_config(const char *path, struct args *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0;
	bool ok = true;
	while (ok && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		char why[384] = "";
		if ((size_t)len != strlen(line)) {
			snprintf(why, sizeof why, "NUL byte in line");
			ok = false;
		} else {
			line[strcspn(line, "\r\n")] = '\0';
			ok = parse_line(line, out, why, sizeof why);
		}
		if (!ok)
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
	}
	if (ok && ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		ok = false;
	}
	free(line);
	fclose(f);
	return ok;
}

/* --config FILE or --config=FILE, taken out of the arguments; a second
 * one sets *twice. */
static const char *take_config(int argc, char **argv, struct args *rest, bool *twice)
{
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			for (; i < argc; i++)
				push(rest, argv[i]);
			break;
		}
		const char *found = NULL;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			found = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			found = argv[i] + 9;
		else
			push(rest, argv[i]);
		if (found && path)
			*twice = true;
		if (found)
			path = found;
	}
	return path;
}

int srv_config_args(int argc, char **argv, struct srv_config_argv *out, char *err, size_t errlen)
{
	struct args rest = { 0 }, file = { 0 };
	memset(out, 0, sizeof *out);
	bool twice = false;
	const char *path = take_config(argc, argv, &rest, &twice);
	if (!path) {
		free(rest.v);
		return 0;
	}
	if (twice || !*path || !read_config(path, &file, err, errlen)) {
		if (twice)
			snprintf(err, errlen, "serve: one --config only");
		else if (!*path)
			snprintf(err, errlen, "--config needs a file");
		for (int i = 0; i < file.n; i++)
			free(file.v[i]);
		free(file.v);
		free(rest.v);
		return -1;
	}
	/* argv[0], the file's options, then the command line's. */
	struct args all = { 0 };
	push(&all, argv[0]);
	for (int i = 0; i < file.n; i++)
		push(&all, file.v[i]);
	for (int i = 0; i < rest.n; i++)
		push(&all, rest.v[i]);
	out->argc = all.n;
	out->argv = all.v;
	out->owned = file.v;
	out->nowned = file.n;
	free(rest.v);
	return 1;
}

void srv_config_argv_free(struct srv_config_argv *a)
{
	for (int i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->argv);
	memset(a, 0, sizeof *a);
}
