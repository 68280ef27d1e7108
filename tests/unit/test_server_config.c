/* duband's configuration file parser (src/server/config.c) against a
 * reference parser written here from duband(8), CONFIGURATION FILE, on
 * thousands of generated files: the same options in the same order, or an
 * error on the same line. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/util.h"
#include "../../src/server/server.h"
#include "tap.h"

static const char *const keys[] = { "listen", "tls-cert", "tls-key", "data", "store", "blobs", "log", "token-days",
				    "max-body", "max-blob", "max-ops", "timeout", "head-timeout", "body-timeout",
				    "max-connections", "per-ip-connections", "retention-days", "tls-priority",
				    "insecure-http", "trust-proxy", "allow-open-key" };
#define NKEYS (sizeof keys / sizeof keys[0])
static const char *const flags[] = { "insecure-http", "trust-proxy", "allow-open-key" };

/* ---------------------------------------------------------------- the reference */

struct ref {
	char *args[64];
	int n;
	int bad_line; /* 0: the file is good */
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int known(const char *k, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], k, len) == 0)
			return (int)i;
	return -1;
}

static int is_flag(const char *k)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(flags[i], k) == 0)
			return 1;
	return 0;
}

/* One line (no newline); 0 good, -1 wrong. */
static int ref_line(const char *s, struct ref *r)
{
	size_t i = 0, n = strlen(s);
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	size_t k0 = i;
	while (i < n && !is_blank(s[i]) && s[i] != '=')
		i++;
	int k = known(s + k0, i - k0);
	if (k < 0)
		return -1;
	while (i < n && is_blank(s[i]))
		i++;
	if (i < n && s[i] == '=')
		i++;
	while (i < n && is_blank(s[i]))
		i++;
	char value[1024];
	size_t v = 0;
	if (i < n && s[i] == '"') {
		int closed = 0;
		for (i++; i < n; i++) {
			if (s[i] == '"') {
				closed = 1;
				i++;
				break;
			}
			if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			value[v++] = s[i];
		}
		if (!closed)
			return -1;
		while (i < n && is_blank(s[i]))
			i++;
		if (i != n)
			return -1;
	} else {
		size_t end = n;
		while (end > i && is_blank(s[end - 1]))
			end--;
		memcpy(value, s + i, end - i);
		v = end - i;
	}
	value[v] = '\0';
	if (v == 0)
		return -1;
	if (is_flag(keys[k])) {
		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) {
			r->args[r->n++] = xasprintf("--%s", keys[k]);
			return 0;
		}
		return !strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0") ? 0 : -1;
	}
	r->args[r->n++] = xasprintf("--%s", keys[k]);
	r->args[r->n++] = xstrdup(value);
	return 0;
}

static void ref_parse(char lines[][256], int nlines, struct ref *r)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i < nlines; i++) {
		char line[256];
		snprintf(line, sizeof line, "%s", lines[i]);
		line[strcspn(line, "\r")] = '\0';
		if (ref_line(line, r) != 0) {
			r->bad_line = i + 1;
			return;
		}
	}
}

static void ref_free(struct ref *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->args[i]);
}

/* ---------------------------------------------------------------- the generator */

static unsigned long long rng = 88172645463325252ULL;
static unsigned pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const blanks[] = { "", " ", "\t", "  ", " \t " };
static const char *const seps[] = { " ", "\t", " = ", "=", "  =\t", " ", " " };
static const char *const words[] = { "127.0.0.1:8443", "/etc/duban/cert.pem", "8", "no", "yes", "true", "0",
				     "1", "maybe", "sqlite:/var/lib/duband", "sqlite:", "postgresql://x/y",
				     "a b", "SECURE128:+VERS-TLS1.3", "#not-a-comment", "x=y", "路径/台账",
				     "\\", "\\\\", "\\\"", "" };

static void gen_value(char *out, size_t len)
{
	char w[128];
	snprintf(w, sizeof w, "%s%s%s", words[pick(sizeof words / sizeof words[0])], pick(4) ? "" : " ",
		 pick(3) ? "" : words[pick(sizeof words / sizeof words[0])]);
	switch (pick(6)) {
	case 0: /* quoted, maybe with escapes, maybe unclosed or followed by junk */
		snprintf(out, len, "\"%s%s\"%s", w, pick(3) ? "" : "\\\"q\\\\", pick(8) ? "" : (pick(2) ? "x" : " \""));
		if (!pick(10))
			out[strlen(out) - 1] = '\0';
		break;
	case 1:
		snprintf(out, len, "%s%s", w, blanks[pick(5)]);
		break;
	default:
		snprintf(out, len, "%s", w);
		break;
	}
}

static void gen_line(char *out, size_t len)
{
	char value[200];
	unsigned kind = pick(20);
	if (kind == 0) {
		snprintf(out, len, "%s", blanks[pick(5)]);
		return;
	}
	if (kind == 1) {
		snprintf(out, len, "%s# a comment = \"x", blanks[pick(5)]);
		return;
	}
	const char *key = kind == 2 ? (pick(2) ? "listen-on" : "Listen") : keys[pick(NKEYS)];
	gen_value(value, sizeof value);
	snprintf(out, len, "%s%s%s%s%s", blanks[pick(5)], key, pick(12) ? seps[pick(7)] : "", value,
		 pick(10) ? "" : "\r");
}

/* ---------------------------------------------------------------- the comparison */

static int same(const struct srv_config_argv *got, const struct ref *want, int extra)
{
	/* serve, the file's options, then the command line's (extra of them). */
	if (got->argc != 1 + want->n + extra)
		return 0;
	for (int i = 0; i < want->n; i++)
		if (strcmp(got->argv[1 + i], want->args[i]) != 0)
			return 0;
	return 1;
}

int main(void)
{
	char path[] = "/tmp/duban-config-test.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	int runs = 5000, agree = 0, goods = 0;
	for (int run = 0; run < runs; run++) {
		char lines[8][256];
		int nlines = 1 + (int)pick(6);
		FILE *f = fopen(path, "w");
		for (int i = 0; i < nlines; i++) {
			gen_line(lines[i], sizeof lines[i]);
			fprintf(f, "%s\n", lines[i]);
		}
		fclose(f);
		struct ref want;
		ref_parse(lines, nlines, &want);
		char *argv[] = { "serve", "--max-ops", "7", "--config", path, NULL };
		struct srv_config_argv got;
		char err[1024] = "";
		int rc = srv_config_args(5, argv, &got, err, sizeof err);
		int ok_now;
		if (want.bad_line) {
			char where[64];
			snprintf(where, sizeof where, "%s:%d: ", path, want.bad_line);
			ok_now = rc == -1 && strncmp(err, where, strlen(where)) == 0;
		} else {
			ok_now = rc == 1 && same(&got, &want, 2) && !strcmp(got.argv[got.argc - 2], "--max-ops");
			goods++;
		}
		if (!ok_now && run - agree < 5) {
			diag("run %d: reference %s (line %d), duband rc %d: %s", run, want.bad_line ? "error" : "good",
			     want.bad_line, rc, err);
			for (int i = 0; i < nlines; i++)
				diag("  line %d: [%s]", i + 1, lines[i]);
		}
		agree += ok_now;
		if (rc == 1)
			srv_config_argv_free(&got);
		ref_free(&want);
	}
	unlink(path);
	diag("%d files, %d good, %d with an error", runs, goods, runs - goods);
	is_int(agree, runs, "duband's parser and the reference agree on every generated file");
	ok(goods > runs / 10 && goods < runs * 9 / 10, "the generator makes both good and bad files");
	return done_testing();
}
