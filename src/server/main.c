/* duband: the command line.  `serve` runs the server; the admin commands
 * (users, tokens, import, export) work on the data directory directly, also
 * while a server runs on it (SQLite arbitrates). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <zlib.h>
#ifdef HAVE_POSTGRESQL
#include <libpq-fe.h>
#endif
#ifdef HAVE_GNUTLS
#include <gnutls/gnutls.h>
#endif

#include "build-id.h"

#include "duban/date.h"
#include "duban/ledger_io.h"
#include "duban/policy.h"
#include "duban/progress.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

void srv_config_defaults(struct srv_config *c)
{
	memset(c, 0, sizeof *c);
	c->listen = NULL;
	c->token_days = 90;
	c->max_body = 8LL << 20;
	c->max_blob = 20LL << 20;
	c->max_ops = 500;
	c->timeout = 30;
	c->head_timeout = 10;
	c->body_timeout = 60;
	c->max_connections = 256;
	c->per_ip_connections = 64;
	c->retention_days = 0;
	c->readers = 8;
	c->tls_priority = SRV_TLS_PRIORITY;
}

static void die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die_msg(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("duband: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int bad_option(const char *cmd, int c, char **argv)
{
	const char *typed = optind > 0 ? argv[optind - 1] : "";
	char name[64];
	if (strncmp(typed, "--", 2) == 0)
		snprintf(name, sizeof name, "%.*s", (int)strcspn(typed, "="), typed);
	else if (optopt > 0 && optopt < 0x80)
		snprintf(name, sizeof name, "-%c", optopt);
	else
		snprintf(name, sizeof name, "%s", typed);
	char *clean = duban_sanitize(name, false);
	die_msg(c == ':' ? "option '%s' needs a value (see `duband %s%s--help`)"
			 : "unknown option '%s' (see `duband %s%s--help`)", clean, cmd, *cmd ? " " : "");
	free(clean);
	return EXIT_USAGE;
}

/* ---------------------------------------------------------------- shared */

/* The store: --store URL or --data DIR (both set opt), else $DUBAND_STORE,
 * else $DUBAND_DATA. */
static const char *data_dir(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("DUBAND_STORE");
	if (env && *env)
		return env;
	env = getenv("DUBAND_DATA");
	return env && *env ? env : NULL;
}

static struct srv_store *open_data(const char *cmd, const char *where, const char *blobs, int readers, int *rc)
{
	if (!where) {
		die_msg("%s needs the store: --store URL or --data DIR (or DUBAND_STORE, DUBAND_DATA)", cmd);
		*rc = EXIT_USAGE;
		return NULL;
	}
	char err[512] = "";
	struct srv_store *db = srv_store_open(where, blobs, readers, err, sizeof err);
	if (!db) {
		/* A conninfo may hold a password: name the store by its kind only. */
		if (srv_store_is_pg(where))
			die_msg("cannot open the PostgreSQL store: %s", err);
		else
			die_msg("cannot open the data directory %s: %s", where, err);
		*rc = EXIT_FAIL;
	}
	return db;
}

/* The central ledger as a core store, for import and export. */
static duban_store *ledger_of(struct srv_store *db, const char *cmd, bool write, int *rc)
{
	duban_store *st = db->ops->ledger(db, write);

	if (!st) {
		die_msg("%s: cannot read the ledger of the %s store (see the message above)", cmd, db->ops->name);
		*rc = EXIT_FAIL;
	}
	return st;
}

static bool parse_num(const char *arg, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Reads a password: twice without echo on a terminal, else one line of
 * standard input.  Malloc'd, NULL on failure (message given). */
static char *read_password(const char *user)
{
	char *line = NULL;
	size_t cap = 0;
	if (!isatty(STDIN_FILENO)) {
		ssize_t n = getline(&line, &cap, stdin);
		if (n < 0) {
			free(line);
			die_msg("no password on standard input (one line is read when it is not a terminal)");
			return NULL;
		}
		line[strcspn(line, "\r\n")] = '\0';
		return line;
	}
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0) {
		die_msg("cannot read the terminal: %s", strerror(errno));
		return NULL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	char *first = NULL;
	for (int round = 0; round < 2; round++) {
		fprintf(stderr, round == 0 ? "Password for %s: " : "Again: ", user);
		fflush(stderr);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		ssize_t n = getline(&line, &cap, stdin);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		if (n < 0) {
			if (first) {
				explicit_bzero(first, strlen(first));
				free(first);
			}
			free(line);
			die_msg("no password given");
			return NULL;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (round == 0) {
			first = line;
			line = NULL;
			cap = 0;
		}
	}
	bool same = strcmp(first, line) == 0;
	explicit_bzero(line, strlen(line));
	free(line);
	if (!same) {
		explicit_bzero(first, strlen(first));
		free(first);
		die_msg("the two passwords differ; nothing was changed");
		return NULL;
	}
	return first;
}

static void free_password(char *pw)
{
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
}

static int exit_of(enum duban_err e)
{
	switch (e) {
	case DUBAN_OK:
		return EXIT_OK;
	default:
		return EXIT_FAIL;
	}
}

/* ---------------------------------------------------------------- serve */

static void serve_help(void)
{
	fputs("Usage: duband serve --listen ADDR:PORT --tls-cert FILE --tls-key FILE --data DIR [OPTIONS]\n"
	      "       duband serve --config FILE [OPTIONS]\n"
	      "Serve the central ledger to duban clients over HTTPS (protocol v1).\n\n"
	      "Options:\n"
	      "      --config FILE        read these options from FILE, one \"KEY VALUE\" a line\n"
	      "                           (the packaged service: /etc/duban/duband.conf);\n"
	      "                           options given here override it\n"
	      "      --listen ADDR:PORT   address and port (0.0.0.0:8443, [::]:8443, localhost:8080)\n"
	      "      --tls-cert FILE      certificate (PEM; a chain may follow)\n"
	      "      --tls-key FILE       private key (PEM)\n"
	      "      --data DIR           data directory (default $DUBAND_DATA)\n"
	      "      --store URL          sqlite:DIR, or a PostgreSQL URI or conninfo (default\n"
	      "                           $DUBAND_STORE; the password from ~/.pgpass or PGPASSWORD)\n"
	      "      --blobs DIR          attachment files (default DIR/blobs; required, and shared\n"
	      "                           by every instance, with PostgreSQL)\n"
	      "      --insecure-http      plain HTTP, only on a loopback address (behind a proxy)\n"
	      "      --log FILE           access log (appended; default standard error)\n"
	      "      --token-days N       token lifetime in days (90)\n"
	      "      --max-body BYTES     largest request body after gzip decoding (8388608)\n"
	      "      --max-blob BYTES     largest attachment (20971520)\n"
	      "      --max-ops N          most ops in one push (500)\n"
	      "      --timeout S          idle connection timeout in seconds (30)\n"
	      "      --head-timeout S     seconds for a whole request head (10)\n"
	      "      --body-timeout S     seconds after which a body must arrive at 8 KiB/s (60)\n"
	      "      --max-connections N  simultaneous connections (256)\n"
	      "      --per-ip-connections N  simultaneous connections from one address (64)\n"
	      "      --readers N          connections that read the store at once (8); half\n"
	      "                           of them at most send first downloads\n"
	      "      --trust-proxy        behind a reverse proxy on loopback: take the client's\n"
	      "                           address from X-Forwarded-For\n"
	      "      --retention-days N   prune the change log after N days (0: keep it)\n"
	      "      --tls-priority STRING  GnuTLS priority string (default: TLS 1.3, and TLS 1.2\n"
	      "                           with ECDHE/DHE and AEAD ciphers only)\n"
	      "      --allow-open-key     serve even when the key file is readable by group or others\n"
	      "  -h, --help               show this help\n", stdout);
}

/* A private key others can read is as good as published: refuse it unless
 * told otherwise. */
static bool key_private(const struct srv_config *cfg)
{
	struct stat sb;
	if (stat(cfg->tls_key, &sb) != 0) {
		die_msg("cannot read %s: %s", cfg->tls_key, strerror(errno));
		return false;
	}
	if (!(sb.st_mode & 077) || cfg->allow_open_key)
		return true;
	die_msg("the key file %s is readable by group or others (mode %03o): run `chmod 600 %s`"
		" (or start with --allow-open-key)", cfg->tls_key, (unsigned)(sb.st_mode & 0777), cfg->tls_key);
	return false;
}

/* A bad --tls-priority is named here rather than as "cannot listen". */
static bool priority_valid(const char *priority)
{
#ifdef HAVE_GNUTLS
	gnutls_priority_t p;
	const char *where = NULL;
	if (gnutls_priority_init(&p, priority, &where) != GNUTLS_E_SUCCESS) {
		die_msg("--tls-priority: GnuTLS cannot read '%s' (at '%s')", priority, where ? where : "");
		return false;
	}
	gnutls_priority_deinit(p);
#else
	(void)priority;
#endif
	return true;
}

static int serve_args(int argc, char **argv);

/* --config FILE: the file's lines become options before the command line's. */
static int cmd_serve(int argc, char **argv)
{
	struct srv_config_argv fa;
	char err[1024] = "";
	int got = srv_config_args(argc, argv, &fa, err, sizeof err);
	if (got < 0) {
		die_msg("%s", err);
		return EXIT_USAGE;
	}
	if (got == 0)
		return serve_args(argc, argv);
	int rc = serve_args(fa.argc, fa.argv);
	srv_config_argv_free(&fa);
	return rc;
}

static int serve_args(int argc, char **argv)
{
	enum {
		O_LISTEN = 0x100, O_CERT, O_KEY, O_DATA, O_INSECURE, O_LOG, O_TOKEN_DAYS, O_MAX_BODY, O_MAX_BLOB,
		O_MAX_OPS, O_TIMEOUT, O_MAX_CONN, O_RETENTION, O_PER_IP, O_TRUST_PROXY, O_TLS_PRIORITY,
		O_OPEN_KEY, O_HEAD_TIMEOUT, O_BODY_TIMEOUT, O_CONFIG, O_BLOBS, O_READERS,
	};
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEY },
		{ "data", required_argument, NULL, O_DATA },
		{ "store", required_argument, NULL, O_DATA },
		{ "blobs", required_argument, NULL, O_BLOBS },
		{ "insecure-http", no_argument, NULL, O_INSECURE },
		{ "log", required_argument, NULL, O_LOG },
		{ "token-days", required_argument, NULL, O_TOKEN_DAYS },
		{ "max-body", required_argument, NULL, O_MAX_BODY },
		{ "max-blob", required_argument, NULL, O_MAX_BLOB },
		{ "max-ops", required_argument, NULL, O_MAX_OPS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "max-connections", required_argument, NULL, O_MAX_CONN },
		{ "retention-days", required_argument, NULL, O_RETENTION },
		{ "per-ip-connections", required_argument, NULL, O_PER_IP },
		{ "readers", required_argument, NULL, O_READERS },
		{ "trust-proxy", no_argument, NULL, O_TRUST_PROXY },
		{ "tls-priority", required_argument, NULL, O_TLS_PRIORITY },
		{ "allow-open-key", no_argument, NULL, O_OPEN_KEY },
		{ "head-timeout", required_argument, NULL, O_HEAD_TIMEOUT },
		{ "body-timeout", required_argument, NULL, O_BODY_TIMEOUT },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct srv_config cfg;
	srv_config_defaults(&cfg);
	const char *data = NULL;
	long long v;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		const char *what = NULL;
		switch (c) {
		case 'h':
			serve_help();
			return EXIT_OK;
		case O_LISTEN:
			cfg.listen = optarg;
			break;
		case O_CERT:
			cfg.tls_cert = optarg;
			break;
		case O_KEY:
			cfg.tls_key = optarg;
			break;
		case O_DATA:
			data = optarg;
			break;
		case O_BLOBS:
			cfg.blob_dir = optarg;
			break;
		case O_INSECURE:
			cfg.insecure_http = true;
			break;
		case O_LOG:
			cfg.log_path = optarg;
			break;
		case O_TOKEN_DAYS:
			if (!parse_num(optarg, 1, 3650, &v))
				what = "--token-days: expected days from 1 to 3650";
			cfg.token_days = (int)v;
			break;
		case O_MAX_BODY:
			if (!parse_num(optarg, 1024, 1LL << 31, &v))
				what = "--max-body: expected bytes from 1024 to 2147483648";
			cfg.max_body = v;
			break;
		case O_MAX_BLOB:
			if (!parse_num(optarg, 1, 1LL << 40, &v))
				what = "--max-blob: expected a number of bytes";
			cfg.max_blob = v;
			break;
		case O_MAX_OPS:
			if (!parse_num(optarg, 1, 1000000, &v))
				what = "--max-ops: expected a count from 1 to 1000000";
			cfg.max_ops = (int)v;
			break;
		case O_TIMEOUT:
			if (!parse_num(optarg, 1, 86400, &v))
				what = "--timeout: expected seconds from 1 to 86400";
			cfg.timeout = (int)v;
			break;
		case O_HEAD_TIMEOUT:
			if (!parse_num(optarg, 1, 3600, &v))
				what = "--head-timeout: expected seconds from 1 to 3600";
			cfg.head_timeout = (int)v;
			break;
		case O_BODY_TIMEOUT:
			if (!parse_num(optarg, 1, 86400, &v))
				what = "--body-timeout: expected seconds from 1 to 86400";
			cfg.body_timeout = (int)v;
			break;
		case O_MAX_CONN:
			if (!parse_num(optarg, 1, 100000, &v))
				what = "--max-connections: expected a count from 1 to 100000";
			cfg.max_connections = (int)v;
			break;
		case O_READERS:
			if (!parse_num(optarg, 1, SRV_READERS_MAX, &v))
				what = "--readers: expected a count from 1 to 64";
			cfg.readers = (int)v;
			break;
		case O_PER_IP:
			if (!parse_num(optarg, 1, 100000, &v))
				what = "--per-ip-connections: expected a count from 1 to 100000";
			cfg.per_ip_connections = (int)v;
			break;
		case O_TRUST_PROXY:
			cfg.trust_proxy = true;
			break;
		case O_TLS_PRIORITY:
			cfg.tls_priority = optarg;
			break;
		case O_OPEN_KEY:
			cfg.allow_open_key = true;
			break;
		case O_CONFIG: /* srv_config_args took --config FILE: an abbreviation is left */
			die_msg("serve: write --config in full (it is read before the other options)");
			return EXIT_USAGE;
		case O_RETENTION:
			if (!parse_num(optarg, 0, 36500, &v))
				what = "--retention-days: expected days from 0 (keep) to 36500";
			cfg.retention_days = (int)v;
			break;
		default:
			return bad_option("serve", c, argv);
		}
		if (what) {
			char *clean = duban_sanitize(optarg, false);
			die_msg("%s, got '%s'", what, clean);
			free(clean);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		die_msg("serve: unexpected argument '%s' (see `duband serve --help`)", argv[optind]);
		return EXIT_USAGE;
	}
	if (!cfg.listen) {
		die_msg("serve needs --listen ADDR:PORT (e.g. 0.0.0.0:8443)");
		return EXIT_USAGE;
	}
	cfg.data_dir = data_dir(data);
	if (!cfg.data_dir) {
		die_msg("serve needs the data directory: --data DIR (or DUBAND_DATA)");
		return EXIT_USAGE;
	}
	if (!cfg.insecure_http && (!cfg.tls_cert || !cfg.tls_key)) {
		die_msg("serve needs --tls-cert FILE and --tls-key FILE (plain HTTP only with --insecure-http on a"
			" loopback address, behind a reverse proxy)");
		return EXIT_USAGE;
	}
	/* Unreadable certificates are found before the database is touched. */
	const char *files[] = { cfg.tls_cert, cfg.tls_key };
	for (size_t i = 0; !cfg.insecure_http && i < 2; i++) {
		if (access(files[i], R_OK) != 0) {
			die_msg("cannot read %s: %s", files[i], strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (!cfg.insecure_http && (!key_private(&cfg) || !priority_valid(cfg.tls_priority)))
		return EXIT_FAIL;
	int rc = EXIT_FAIL;
	if (cfg.data_dir && srv_store_is_pg(cfg.data_dir) && !cfg.blob_dir) {
		die_msg("serve with a PostgreSQL store needs --blobs DIR: a directory every instance shares");
		return EXIT_USAGE;
	}
	/* SQLite: shared with other servers on this directory, never with a
	 * restore.  PostgreSQL keeps its own locks. */
	int lock = -1;
	if (cfg.data_dir && !srv_store_is_pg(cfg.data_dir) &&
	    (lock = srv_datadir_hold(strncmp(cfg.data_dir, "sqlite:", 7) == 0 ? cfg.data_dir + 7 : cfg.data_dir)) < 0)
		return EXIT_FAIL;
	struct srv_store *db = open_data("serve", cfg.data_dir, cfg.blob_dir, cfg.readers, &rc);
	if (db)
		rc = srv_serve(&cfg, db);
	srv_store_close(db);
	if (lock >= 0)
		close(lock);
	return rc;
}

/* ---------------------------------------------------------------- users */

static void user_help(void)
{
	fputs("Usage: duband user add NAME --role office|inspector|viewer [--county COUNTY]... [--data DIR]\n"
	      "       duband user passwd NAME [--data DIR]\n"
	      "       duband user disable NAME [--data DIR]\n"
	      "       duband user unlock NAME [--data DIR]\n"
	      "       duband user list [--data DIR]\n"
	      "Manage the accounts clients log in with.  Passwords are asked twice without echo\n"
	      "on a terminal, or read as one line from standard input.  Inspectors need at\n"
	      "least one county; viewers without a county see every county.  A new password\n"
	      "or disabling a user revokes every token of that user.  After 5 failed logins\n"
	      "in 15 minutes a user is locked out for 15 minutes; unlock lifts that at once.\n", stdout);
}

/* Name, role, counties, state and active tokens of every user. */
static void user_row(void *ctx, const char *name, const char *role, bool disabled, const char *counties,
		     int tokens)
{
	char *clean = duban_sanitize(counties ? counties : "", false);
	const char *shown = *clean ? clean : strcmp(role, "inspector") == 0 ? "-" : "(all)";

	printf("%-20s %-10s %-9s %6d  %s\n", name, role, disabled ? "disabled" : "active", tokens,
	       strcmp(role, "office") == 0 ? "(all)" : shown);
	free(clean);
	(*(int *)ctx)++;
}

static int user_list(struct srv_store *db)
{
	char now[25];
	int n = 0;

	duban_timestamp_now(now);
	printf("%-20s %-10s %-9s %6s  %s\n", "USER", "ROLE", "STATE", "TOKENS", "COUNTIES");
	if (!db->ops->user_rows(db, now, user_row, &n)) {
		die_msg("cannot list the users (see the log above)");
		return EXIT_FAIL;
	}
	if (n == 0)
		fputs("(no users yet: add one with `duband user add NAME --role office`)\n", stdout);
	return EXIT_OK;
}

/* Lifts a login lockout (failed logins counted against the name). */
static int user_unlock(struct srv_store *db, const char *name)
{
	char err[512] = "";
	int n = 0;
	enum duban_err e = srv_user_unlock(db, name, &n, err, sizeof err);
	if (e != DUBAN_OK)
		die_msg("%s", err);
	else if (n > 0)
		printf("user %s unlocked: their failed logins are forgotten\n", name);
	else
		printf("user %s was not locked (no failed logins counted)\n", name);
	return exit_of(e);
}

static int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "county", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = NULL, *role_s = NULL;
	const char **counties = calloc((size_t)argc + 1, sizeof *counties);
	int ncounties = 0, c, rc = EXIT_OK;
	if (!counties)
		return EXIT_FAIL;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			user_help();
			free(counties);
			return EXIT_OK;
		case 'r':
			role_s = optarg;
			break;
		case 'c':
			counties[ncounties++] = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		default:
			free(counties);
			return bad_option("user", c, argv);
		}
	}
	const char *sub = optind < argc ? argv[optind] : NULL;
	const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	int nargs = argc - optind;
	if (!sub) {
		die_msg("user needs a subcommand: add, passwd, disable, unlock or list (see `duband user --help`)");
		free(counties);
		return EXIT_USAGE;
	}
	bool list = strcmp(sub, "list") == 0;
	bool add = strcmp(sub, "add") == 0;
	if (!list && !add && strcmp(sub, "passwd") != 0 && strcmp(sub, "disable") != 0 && strcmp(sub, "unlock") != 0) {
		die_msg("unknown user subcommand '%s' (add, passwd, disable, unlock or list)", sub);
		free(counties);
		return EXIT_USAGE;
	}
	if (list ? nargs != 1 : nargs != 2) {
		die_msg(list ? "user list takes no argument" : "user %s needs one user NAME", sub);
		free(counties);
		return EXIT_USAGE;
	}
	if (!add && (role_s || ncounties)) {
		die_msg("--role and --county belong to `duband user add`");
		free(counties);
		return EXIT_USAGE;
	}
	int role = -1;
	if (add) {
		if (!role_s) {
			die_msg("user add needs --role office, inspector or viewer");
			free(counties);
			return EXIT_USAGE;
		}
		if ((role = duban_role_parse(role_s)) < 0) {
			die_msg("--role: unknown role '%s' (office, inspector or viewer)", role_s);
			free(counties);
			return EXIT_USAGE;
		}
		if (role == DUBAN_ROLE_INSPECTOR && ncounties == 0) {
			die_msg("an inspector needs at least one county: --county NAME");
			free(counties);
			return EXIT_USAGE;
		}
	}
	struct srv_store *db = open_data("user", data_dir(data), NULL, 1, &rc);
	if (!db) {
		free(counties);
		return rc;
	}
	if (list) {
		rc = user_list(db);
	} else if (strcmp(sub, "unlock") == 0) {
		rc = user_unlock(db, name);
	} else if (strcmp(sub, "disable") == 0) {
		char err[512] = "";
		enum duban_err e = srv_user_disable(db, name, err, sizeof err);
		if (e != DUBAN_OK)
			die_msg("%s", err);
		else
			printf("user %s disabled; their tokens are revoked\n", name);
		rc = exit_of(e);
	} else {
		char err[512] = "";
		enum duban_err e = DUBAN_OK;
		/* A bad or taken name (add) or an unknown user (passwd) fails before
		 * the password is asked. */
		if (add && (strlen(name) < 1 || strlen(name) > 63 ||
			    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
				    strlen(name))) {
			char *clean = duban_sanitize(name, false);
			die_msg("bad user name '%s': 1 to 63 characters among A-Z a-z 0-9 . _ -", clean);
			free(clean);
			srv_store_close(db);
			free(counties);
			return EXIT_USAGE;
		}
		{
			struct srv_user_row row = { 0 };
			int found = db->ops->user_read(db, name, &row) == 200 ? row.found : -1;
			free(row.hash);
			if (found < 0 || found == add) {
				if (found < 0)
					die_msg("cannot read user %s", name);
				else if (add)
					die_msg("user %s exists already (change the password with `duband user passwd %s`)",
						name, name);
				else
					die_msg("no user %s (see `duband user list`)", name);
				srv_store_close(db);
				free(counties);
				return EXIT_FAIL;
			}
		}
		char *pw = read_password(name);
		if (!pw) {
			srv_store_close(db);
			free(counties);
			return EXIT_FAIL;
		}
		if (add)
			e = srv_user_add(db, name, (enum duban_role)role, counties, ncounties, pw, err, sizeof err);
		else
			e = srv_user_passwd(db, name, pw, err, sizeof err);
		free_password(pw);
		if (e != DUBAN_OK)
			die_msg("%s", err);
		else if (add)
			printf("user %s added (%s)\n", name, duban_role_id((enum duban_role)role));
		else
			printf("password of %s changed; their tokens are revoked\n", name);
		rc = exit_of(e);
	}
	srv_store_close(db);
	free(counties);
	return rc;
}

/* ---------------------------------------------------------------- tokens */

static void token_help(void)
{
	fputs("Usage: duband token list [USER] [--data DIR]\n"
	      "       duband token revoke USER [TOKEN_ID] [--data DIR]\n"
	      "List tokens (ids, devices, dates; never the tokens themselves), or revoke\n"
	      "every token of USER, or the one whose id starts with TOKEN_ID.\n", stdout);
}

static void token_row(void *ctx, const char *id, const char *user, const char *device, const char *created,
		      const char *expires, bool revoked)
{
	const char *now = ctx;
	const char *state = revoked ? "revoked" : strcmp(expires, now) <= 0 ? "expired" : "active";
	char *clean = duban_sanitize(device, false);

	printf("%-16s  %-20s %-8s %-20s %-20s %s\n", id, user, state, created, expires, clean);
	free(clean);
}

static int token_list(struct srv_store *db, const char *user)
{
	char now[25];

	duban_timestamp_now(now);
	printf("%-16s  %-20s %-8s %-20s %-20s %s\n", "ID", "USER", "STATE", "CREATED", "EXPIRES", "DEVICE");
	if (!db->ops->token_rows(db, user, token_row, now)) {
		die_msg("cannot list the tokens (see the log above)");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The options of a command that takes only the store: --data/--store DIR
 * into *data.  -1 to go on, else the exit code (after --help, or a bad
 * option). */
static int store_options(const char *cmd, void (*help)(void), int argc, char **argv, const char **data)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		case 'd':
			*data = optarg;
			break;
		default:
			return bad_option(cmd, c, argv);
		}
	}
	return -1;
}

static int cmd_token(int argc, char **argv)
{
	const char *data = NULL;
	int rc = store_options("token", token_help, argc, argv, &data);
	if (rc >= 0)
		return rc;
	rc = EXIT_OK;
	int nargs = argc - optind;
	const char *sub = nargs > 0 ? argv[optind] : NULL;
	if (!sub || (strcmp(sub, "list") != 0 && strcmp(sub, "revoke") != 0)) {
		die_msg("token needs a subcommand: list or revoke (see `duband token --help`)");
		return EXIT_USAGE;
	}
	bool list = strcmp(sub, "list") == 0;
	if (list ? nargs > 2 : (nargs < 2 || nargs > 3)) {
		die_msg(list ? "token list takes at most one USER" : "token revoke needs USER and maybe a TOKEN_ID");
		return EXIT_USAGE;
	}
	struct srv_store *db = open_data("token", data_dir(data), NULL, 1, &rc);
	if (!db)
		return rc;
	if (list) {
		rc = token_list(db, nargs == 2 ? argv[optind + 1] : NULL);
	} else {
		const char *user = argv[optind + 1], *id = nargs == 3 ? argv[optind + 2] : NULL;
		char err[512] = "";
		int n = 0;
		enum duban_err e = srv_token_revoke(db, user, id, &n, err, sizeof err);
		if (e != DUBAN_OK)
			die_msg("%s", err);
		else
			printf(n == 1 ? "%d token of %s revoked\n" : "%d tokens of %s revoked\n", n, user);
		rc = exit_of(e);
	}
	srv_store_close(db);
	return rc;
}

/* ---------------------------------------------------------------- policies */

static void policy_help(void)
{
	fputs("Usage: duband policy show [--data DIR]\n"
	      "       duband policy set KEY VALUE [--data DIR]\n"
	      "       duband policy unset KEY [--data DIR]\n"
	      "The office's close-out policies, which every client receives at its next sync\n"
	      "and applies offline (over its config's `set acceptance` / `set evidence`), and\n"
	      "which duband checks every push against.  Keys:\n"
	      "  acceptance    the acceptance chain, levels LEVEL:NAME[@ROLE] in signing\n"
	      "                order, e.g. \"county:县级初验 city:市级验收@office\"\n"
	      "  evidence      the evidence a request for acceptance needs per item kind,\n"
	      "                e.g. \"problem:after complaint:after,feedback\"\n"
	      "  notice-days   the days a public notice runs (1 to 365)\n"
	      "unset goes back to the built-in default.\n", stdout);
}

static void policy_row(void *ctx, const char *key, const char *value, const char *updated_at)
{
	char *clean = duban_sanitize(value, false);

	printf("%-12s %s  (set %s)\n", key, clean, updated_at);
	free(clean);
	(*(int *)ctx)++;
}

/* Every key: the server's value, else the default it applies. */
static int policy_show(struct srv_store *db)
{
	int n = 0;

	if (!db->ops->policy_rows(db, policy_row, &n)) {
		die_msg("cannot list the policies (see the log above)");
		return EXIT_FAIL;
	}
	if (n < DUBAN_POLICY_COUNT)
		printf("(%s keys not set use the built-in default: acceptance \"%s\", evidence \"%s\","
		       " notice-days %s)\n", n ? "the" : "all", duban_policy_default(DUBAN_POLICY_ACCEPTANCE),
		       duban_policy_default(DUBAN_POLICY_EVIDENCE), duban_policy_default(DUBAN_POLICY_NOTICE_DAYS));
	return EXIT_OK;
}

static int policy_change(struct srv_store *db, const char *key, const char *value)
{
	int k = duban_policy_key_parse(key);
	char err[512] = "";
	char *norm = NULL;

	if (k < 0) {
		char *clean = duban_sanitize(key, false);
		die_msg("unknown policy '%s' (acceptance, evidence or notice-days)", clean);
		free(clean);
		return EXIT_USAGE;
	}
	if (value && !(norm = duban_policy_normalize((enum duban_policy_key)k, value, err, sizeof err))) {
		die_msg("%s", err);
		return EXIT_USAGE;
	}
	enum duban_err e = db->ops->policy_put(db, key, norm, err, sizeof err);
	if (e != DUBAN_OK)
		die_msg("%s", err);
	else if (norm)
		printf("policy %s set to \"%s\"; clients receive it at their next sync\n", key, norm);
	else
		printf("policy %s unset: the built-in default \"%s\" applies\n", key,
		       duban_policy_default((enum duban_policy_key)k));
	free(norm);
	return exit_of(e);
}

static int cmd_policy(int argc, char **argv)
{
	const char *data = NULL;
	int rc = store_options("policy", policy_help, argc, argv, &data);
	if (rc >= 0)
		return rc;
	rc = EXIT_OK;
	int nargs = argc - optind;
	const char *sub = nargs > 0 ? argv[optind] : NULL;
	int want = !sub ? -1 : strcmp(sub, "show") == 0 ? 1 : strcmp(sub, "set") == 0 ? 3 : strcmp(sub, "unset") == 0 ? 2 : -1;
	if (want < 0) {
		die_msg("policy needs a subcommand: show, set or unset (see `duband policy --help`)");
		return EXIT_USAGE;
	}
	if (nargs != want) {
		die_msg(want == 1 ? "policy show takes no argument"
			: want == 2 ? "policy unset needs one KEY" : "policy set needs KEY and VALUE");
		return EXIT_USAGE;
	}
	struct srv_store *db = open_data("policy", data_dir(data), NULL, 1, &rc);
	if (!db)
		return rc;
	if (want == 1)
		rc = policy_show(db);
	else
		rc = policy_change(db, argv[optind + 1], want == 3 ? argv[optind + 2] : NULL);
	srv_store_close(db);
	return rc;
}

/* ---------------------------------------------------------------- import, export */

static void import_help(void)
{
	fputs("Usage: duband import FILE [--dry-run] [-q] [--data DIR]\n"
	      "Seed or update the central ledger from a ledger sheet (CSV in UTF-8 or GBK, or\n"
	      "JSON), as the office.  Rows whose code exists update that item field by field;\n"
	      "new codes are added.  All or nothing: when a row is bad, every bad row is listed\n"
	      "and nothing is written.  Clients receive the changes on their next sync.\n\n"
	      "Options:\n"
	      "      --dry-run   check and count, write nothing\n"
	      "  -q, --quiet     no progress line (shown on a terminal; Ctrl-C stops the\n"
	      "                  import and writes nothing, exit 130)\n"
	      "  -h, --help      show this help\n", stdout);
}

static void print_line(const char *s)
{
	char *clean = duban_sanitize(s, false);
	printf("  %s\n", clean);
	free(clean);
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "data", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct duban_import_options opt = { .dry_run = false, .mapping_path = NULL, .default_kind = -1 };
	const char *data = NULL;
	bool quiet = false;
	int c, rc = EXIT_OK;
	while ((c = getopt_long(argc, argv, ":hnq", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			import_help();
			return EXIT_OK;
		case 'n':
			opt.dry_run = true;
			break;
		case 'd':
			data = optarg;
			break;
		default:
			return bad_option("import", c, argv);
		}
	}
	if (argc - optind != 1) {
		die_msg("import needs one file (see `duband import --help`)");
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (access(path, R_OK) != 0) {
		die_msg("cannot read %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	struct srv_store *db = open_data("import", data_dir(data), NULL, 1, &rc);
	if (!db)
		return rc;
	duban_store *st = ledger_of(db, "import", true, &rc);
	if (!st) {
		srv_store_close(db);
		return rc;
	}
	const char *who = getenv("USER");
	duban_store_set_actor(st, who && *who ? who : "duband", "duband import", DUBAN_ROLE_OFFICE);
	struct duban_import_report rep = { 0 };
	char *file = duban_sanitize(path, false);
	const char *base = strrchr(file, '/');
	char *what = xasprintf("importing %s", base ? base + 1 : file);
	duban_interrupt_catch();
	opt.progress = duban_progress_new(what, -1, stderr, quiet);
	free(what);
	enum duban_err err = duban_import_file(st, path, &opt, &rep);
	duban_progress_end(opt.progress);
	duban_interrupt_release();
	const char *why = duban_store_errmsg(st);
	if (err == DUBAN_ERR_INTERRUPTED) {
		die_msg("%s: interrupted: nothing was written", file);
		rc = EXIT_INTERRUPTED;
	} else if (err != DUBAN_OK && err != DUBAN_ERR_PARSE) {
		if (rep.nerrors > 0)
			die_msg("%s", rep.errors[rep.nerrors - 1]);
		else
			die_msg("%s: %s", file, why && *why ? why : duban_err_message(err));
		rc = EXIT_FAIL;
	} else {
		printf("%s: %d %s read (%s): %d inserted, %d updated, %d unchanged, %d bad\n", file, rep.rows,
		       rep.rows == 1 ? "row" : "rows", rep.encoding ? rep.encoding : "?", rep.inserted, rep.updated,
		       rep.unchanged, rep.bad);
		for (int i = 0; i < rep.nnotes; i++)
			print_line(rep.notes[i]);
		for (int i = 0; i < rep.nerrors; i++)
			print_line(rep.errors[i]);
		if (opt.dry_run && rep.nerrors == 0)
			fputs("dry run: nothing was written\n", stdout);
		if (err == DUBAN_ERR_PARSE) {
			die_msg("%s: import rejected, %d bad %s; nothing was written", file, rep.nerrors,
				rep.nerrors == 1 ? "row" : "rows");
			rc = EXIT_FAIL;
		}
	}
	if (!db->ops->ledger_done(db, st, rc != EXIT_INTERRUPTED) && rc != EXIT_INTERRUPTED) {
		die_msg("%s: the import could not be saved (see the message above); nothing was written", file);
		rc = EXIT_FAIL;
	}
	free(file);
	duban_import_report_free(&rep);
	srv_store_close(db);
	return rc;
}

static void export_help(void)
{
	fputs("Usage: duband export [--format csv|json] [--bom] [--history] [-o FILE] [--data DIR]\n"
	      "Write every item of the central ledger, in code order, with the Chinese column\n"
	      "headers of published ledgers (what `duband import` and `duban import` read).\n\n"
	      "Options:\n"
	      "      --format FORMAT   csv (default) or json\n"
	      "      --bom             start CSV with a UTF-8 byte order mark (for Excel)\n"
	      "      --history         the trail instead: every record and change, its author,\n"
	      "                        when it was made and when the server received it\n"
	      "  -o, --output FILE     write FILE (replaced only when complete)\n"
	      "  -h, --help            show this help\n", stdout);
}

static int export_to_file(duban_store *st, const char *path, const struct duban_export_options *eo)
{
	enum duban_err err = duban_export_file(st, path, eo);
	if (err == DUBAN_ERR_IO) {
		die_msg("cannot write %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (err != DUBAN_OK) {
		die_msg("cannot export the ledger: %s", duban_store_errmsg(st));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "bom", no_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "data", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'd' },
		{ "history", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct duban_export_options eo = { .format = DUBAN_EXPORT_CSV, .bom = false, .filter = NULL };
	const char *data = NULL, *output = NULL;
	int c, rc = EXIT_OK;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			export_help();
			return EXIT_OK;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				eo.format = DUBAN_EXPORT_CSV;
			} else if (strcmp(optarg, "json") == 0) {
				eo.format = DUBAN_EXPORT_JSON;
			} else {
				char *clean = duban_sanitize(optarg, false);
				die_msg("--format: unknown format '%s' (csv or json)", clean);
				free(clean);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			eo.bom = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'H':
			eo.history = true;
			break;
		default:
			return bad_option("export", c, argv);
		}
	}
	if (optind < argc) {
		die_msg("export: unexpected argument '%s' (write to a file with -o FILE)", argv[optind]);
		return EXIT_USAGE;
	}
	struct srv_store *db = open_data("export", data_dir(data), NULL, 1, &rc);
	if (!db)
		return rc;
	duban_store *st = ledger_of(db, "export", false, &rc);
	if (!st) {
		srv_store_close(db);
		return rc;
	}
	if (output && strcmp(output, "-") != 0) {
		rc = export_to_file(st, output, &eo);
	} else {
		enum duban_err err = duban_export(st, stdout, &eo);
		if (err != DUBAN_OK) {
			die_msg("cannot export the ledger: %s", duban_store_errmsg(st));
			rc = EXIT_FAIL;
		}
	}
	db->ops->ledger_done(db, st, false);
	srv_store_close(db);
	return rc;
}

/* ---------------------------------------------------------------- copy */

static void copy_help(void)
{
	fputs("Usage: duband copy --from sqlite:DIR --to URL [-q]\n"
	      "Copy a whole server (users, tokens, items, records, history, applied ops,\n"
	      "change log, blob records) from its SQLite store into an empty PostgreSQL\n"
	      "database, in one transaction, and compare the counts.  Clients keep syncing\n"
	      "without a reset.  Stop the server first; the blob files stay in DIR/blobs\n"
	      "(serve with --blobs pointing at them, or at a shared copy).  On a terminal a\n"
	      "progress line shows the rows copied (-q, --quiet: none); Ctrl-C stops and\n"
	      "keeps nothing (exit 130).\n", stdout);
}

static int cmd_copy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL;
	bool quiet = false;
	int c, rc = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'h':
			copy_help();
			return EXIT_OK;
		default:
			return bad_option("copy", c, argv);
		}
	}
	if (!from || !to || optind < argc) {
		die_msg("copy needs --from sqlite:DIR and --to a PostgreSQL URL (see duband copy --help)");
		return EXIT_USAGE;
	}
#ifdef HAVE_POSTGRESQL
	if (srv_store_is_pg(from) || !srv_store_is_pg(to)) {
		die_msg("copy moves a SQLite store (--from sqlite:DIR) to a PostgreSQL one (--to URL)");
		return EXIT_USAGE;
	}
	struct srv_store *src = open_data("copy", from, NULL, 2, &rc);
	if (!src)
		return rc;
	struct srv_store *dst = open_data("copy", to, NULL, 2, &rc);
	if (!dst) {
		srv_store_close(src);
		return rc;
	}
	char err[512] = "";
	duban_interrupt_catch();
	int r = srv_copy(src, dst, stdout, duban_progress_new("copying", -1, stderr, quiet), err, sizeof err);
	duban_interrupt_release();
	if (r != 0)
		die_msg("copy: %s", err);
	else
		printf("copied; serve with --store (the URL) --blobs %s\n", src->blob_dir);
	rc = r == 0 ? EXIT_OK : r == 2 ? EXIT_USAGE : r == 3 ? EXIT_INTERRUPTED : EXIT_FAIL;
	srv_store_close(dst);
	srv_store_close(src);
	return rc;
#else
	die_msg("this duband was built without PostgreSQL (configure found no libpq)");
	return rc;
#endif
}

/* ---------------------------------------------------------------- main */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "serve", cmd_serve, "serve the ledger to duban clients over HTTPS" },
	{ "user", cmd_user, "add, list, disable users or set their passwords" },
	{ "token", cmd_token, "list or revoke login tokens" },
	{ "policy", cmd_policy, "show or set the office's close-out policies" },
	{ "import", cmd_import, "seed or update the central ledger from a CSV or JSON sheet" },
	{ "export", cmd_export, "write the central ledger as CSV or JSON" },
	{ "backup", srv_cmd_backup, "copy the data directory of a running server" },
	{ "restore", srv_cmd_restore, "put a backup back (no server running on it)" },
	{ "copy", cmd_copy, "move a whole server from SQLite to PostgreSQL" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fputs("Usage: duband COMMAND [OPTIONS]\n"
	      "The central ledger and sync server for duban clients.\n\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fputs("\nEvery command takes --data DIR (default $DUBAND_DATA), the data directory.\n"
	      "  -h, --help      show this help\n"
	      "      --version   show the version\n\n"
	      "`duband COMMAND --help` describes a command; man duband has the details.\n", out);
}

/* For bug reports: the exact source (build id), the protocol and schema it
 * speaks, the libraries it runs with, the build options. */
static void print_version(void)
{
	const char *tls = MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES ? "TLS" : "no TLS";
	printf("duband %s (%s)\n", PACKAGE_VERSION, DUBAN_BUILD_ID);
	printf("protocol %d, schema %d\n", SRV_PROTOCOL, SRV_SCHEMA);
#ifdef HAVE_GNUTLS
	printf("libraries: libmicrohttpd %s (%s), GnuTLS %s, SQLite %s, cJSON %s, zlib %s\n",
	       MHD_get_version(), tls, gnutls_check_version(NULL), sqlite3_libversion(),
	       cJSON_Version(), zlibVersion());
#else
	printf("libraries: libmicrohttpd %s (%s), SQLite %s, cJSON %s, zlib %s\n",
	       MHD_get_version(), tls, sqlite3_libversion(), cJSON_Version(), zlibVersion());
#endif
#ifdef HAVE_POSTGRESQL
	printf("stores: sqlite, postgresql (libpq %d.%d)\n", PQlibVersion() / 10000, PQlibVersion() % 100);
#else
	printf("stores: sqlite (built without PostgreSQL)\n");
#endif
	printf("build: %s, compiler %s\n", DUBAN_BUILD_OPTIONS, DUBAN_COMPILER);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	setvbuf(stderr, NULL, _IOLBF, 0);
	/* SQLite's allocation statistics take one global mutex per malloc, which
	 * every request thread would queue on; the server never reads them. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			print_version();
			return EXIT_OK;
		default:
			return bad_option("", c, argv);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0; /* GNU getopt: start afresh on the command's arguments */
			int rc = commands[i].fn(sub_argc, sub_argv);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				die_msg("cannot write the output: %s", strerror(errno));
				return rc ? rc : EXIT_FAIL;
			}
			return rc;
		}
	}
	char *clean = duban_sanitize(name, false);
	die_msg("unknown command '%s' (see `duband --help`)", clean);
	free(clean);
	return EXIT_USAGE;
}
