/* `duban login`, `duban logout`, `duban whoami`: the account on a duband
 * server.  Only the token is kept (mode 0600); the password is read without
 * echo and forgotten once sent. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duban/date.h"
#include "duban/sync.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

int cli_exit_of_remote(int kind)
{
	switch ((enum duban_remote_kind)kind) {
	case DUBAN_REMOTE_OK:
		return CLI_OK;
	case DUBAN_REMOTE_OFFLINE:
	case DUBAN_REMOTE_RATE_LIMITED:
		return CLI_OFFLINE;
	case DUBAN_REMOTE_TLS:
		return CLI_TLS;
	case DUBAN_REMOTE_AUTH:
		return CLI_AUTH;
	case DUBAN_REMOTE_FORBIDDEN:
	case DUBAN_REMOTE_TOO_LARGE:
		return CLI_REFUSED;
	case DUBAN_REMOTE_NOT_FOUND:
		return CLI_NOT_FOUND;
	case DUBAN_REMOTE_LOCAL:
		return CLI_DB;
	case DUBAN_REMOTE_SERVER:
	case DUBAN_REMOTE_PROTOCOL:
	default:
		return CLI_FAIL;
	}
}

int cli_account_load(const char *path, struct duban_account *a)
{
	char err[512] = "";
	int rc = duban_account_load(path, a, err, sizeof err);
	if (rc < 0) {
		cli_error("%s", err);
		return -1;
	}
	if (rc > 0 && a->mode_fixed)
		cli_error(_("warning: %s was readable by other users; its mode is now 0600 "
			    "(log in again if others may have read the token)"), path);
	return rc;
}

/* ---------------------------------------------------------------- password */

/* The terminal's settings while echo is off, to put back on any exit. */
static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

static void echo_restore(void)
{
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		echo_off = 0;
	}
}

static const int echo_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
static struct sigaction old_actions[sizeof echo_signals / sizeof echo_signals[0]];

static void on_echo_signal(int sig)
{
	int e = errno;
	bool was_off = echo_off;
	echo_restore();
	/* Die (or stop) the default way, with the echo back on. */
	struct sigaction dfl, mine;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, &mine);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	/* Back from a stop (fg): hide the typing again. */
	sigaction(sig, &mine, NULL);
	if (was_off) {
		struct termios t = saved_tio;
		t.c_lflag &= ~(tcflag_t)ECHO;
		t.c_lflag |= ECHONL;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0)
			echo_off = 1;
	}
	errno = e;
}

/* Reads one line: the password.  Malloc'd (the caller wipes it), or NULL at
 * end of input. */
static char *read_line(FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n < 0) {
		if (line)
			memset(line, 0, cap);
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static char *read_password(const char *url, const char *user)
{
	if (!isatty(STDIN_FILENO))
		return read_line(stdin);
	fprintf(stderr, _("Password for %s at %s: "), user, url);
	fflush(stderr);
	struct termios t;
	bool hidden = false;
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_echo_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof echo_signals / sizeof echo_signals[0]; i++)
			sigaction(echo_signals[i], &sa, &old_actions[i]);
		t = saved_tio;
		t.c_lflag &= ~(tcflag_t)ECHO;
		t.c_lflag |= ECHONL; /* the newline of Enter still shows */
		echo_off = 1;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
			echo_off = 0;
		hidden = true;
	}
	char *pw = read_line(stdin);
	if (hidden) {
		echo_restore();
		for (size_t i = 0; i < sizeof echo_signals / sizeof echo_signals[0]; i++)
			sigaction(echo_signals[i], &old_actions[i], NULL);
	}
	if (!pw)
		fputc('\n', stderr);
	return pw;
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	memset(s, 0, strlen(s));
	free(s);
}

/* ---------------------------------------------------------------- helpers */

/* The role's display name (整改办 in zh_CN), or the server's word, cleaned,
 * for a role this client does not know. */
static char *role_text(const char *role)
{
	int r = role ? duban_role_parse(role) : -1;
	if (r >= 0)
		return xstrdup(duban_role_name((enum duban_role)r));
	return duban_sanitize(role ? role : "?", false);
}

/* "甲县、乙县", or "all counties". */
static char *counties_text(const cJSON *answer)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(answer, "all_counties");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(answer, "counties");
	struct duban_buf b;
	duban_buf_init(&b);
	const cJSON *c;
	cJSON_ArrayForEach(c, list) {
		if (!cJSON_IsString(c))
			continue;
		if (b.len)
			duban_buf_puts(&b, "、");
		duban_buf_puts(&b, c->valuestring);
	}
	if (cJSON_IsTrue(all) || b.len == 0) {
		duban_buf_free(&b);
		return xstrdup(_("all counties"));
	}
	char *joined = duban_buf_steal(&b);
	char *clean = duban_sanitize(joined, false);
	free(joined);
	return clean;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool token_ok(const char *t)
{
	if (!t || strlen(t) < 32 || strlen(t) > 512)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

static bool device_ok(const char *d)
{
	if (!*d || strlen(d) > 100)
		return false;
	for (const unsigned char *p = (const unsigned char *)d; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int remote_failed(const struct duban_remote_error *e)
{
	cli_error("%s", e->message);
	return cli_exit_of_remote(e->kind);
}

/* ---------------------------------------------------------------- login */

static void login_help(void)
{
	fputs(_("Usage: duban login [URL USER] [--cacert FILE] [--device NAME] [--insecure-http]\n"
		"Log in to a duband server (URL: https://HOST[:PORT]) and keep the token it gives\n"
		"in $XDG_CONFIG_HOME/duban/account (mode 0600).  The password is asked without\n"
		"echo on a terminal, or read as one line from standard input; it is never stored.\n"
		"Without URL and USER, logs in again to the server and as the user of the account.\n\n"
		"Options:\n"
		"      --cacert FILE       trust the CA certificate(s) in FILE for this server\n"
		"                          (instead of the system's)\n"
		"      --device NAME       this computer's name on the server (default: host name)\n"
		"      --insecure-http     allow plain http:// (only to a loopback address)\n"
		"  -h, --help              show this help\n"), stdout);
}

enum { OPT_CACERT = 0x200, OPT_DEVICE, OPT_INSECURE };

int cmd_login(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "insecure-http", no_argument, NULL, OPT_INSECURE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cacert_opt = NULL, *device_opt = NULL;
	bool insecure = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CACERT:
			cacert_opt = optarg;
			break;
		case OPT_DEVICE:
			device_opt = optarg;
			break;
		case OPT_INSECURE:
			insecure = true;
			break;
		case 'h':
			login_help();
			return CLI_OK;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	int npos = argc - optind;
	if (npos != 0 && npos != 2) {
		cli_error(_("login takes the server address and the user name: duban login https://HOST[:PORT] USER"));
		return CLI_USAGE;
	}

	char *path = duban_account_path();
	struct duban_account old;
	if (cli_account_load(path, &old) < 0)
		memset(&old, 0, sizeof old); /* a broken file is about to be replaced */
	const char *url_arg = npos ? argv[optind] : old.url;
	const char *user = npos ? argv[optind + 1] : old.user;
	if (!url_arg || !user) {
		cli_error(_("not logged in before: give the server and the user, duban login https://HOST[:PORT] USER"));
		duban_account_free(&old);
		free(path);
		return CLI_USAGE;
	}

	int rc = CLI_OK;
	struct duban_url u;
	char err[512];
	struct duban_account acct = { 0 };
	char *pw = NULL;
	cJSON *body = NULL, *answer = NULL;
	if (duban_url_parse(url_arg, &u, err, sizeof err) != 0) {
		cli_error("%s", err);
		rc = CLI_USAGE;
		goto out;
	}
	acct.url = duban_url_format(&u);
	bool same_server = old.url && strcmp(old.url, acct.url) == 0;
	/* Logging in again to the same server keeps how it was reached. */
	acct.insecure_http = insecure || (same_server && old.insecure_http && !npos);
	if (duban_url_check(&u, acct.insecure_http, err, sizeof err) != 0) {
		cli_error("%s", err);
		rc = CLI_USAGE;
		goto out;
	}
	if (!*user || !device_ok(user)) {
		cli_error(_("'%s' is not a user name"), user);
		rc = CLI_USAGE;
		goto out;
	}
	acct.user = xstrdup(user);
	if (cacert_opt) {
		char *abs = realpath(cacert_opt, NULL);
		if (!abs || access(abs, R_OK) != 0) {
			cli_error(_("cannot read the CA file %s: %s"), cacert_opt, strerror(errno));
			free(abs);
			rc = CLI_DB;
			goto out;
		}
		acct.cacert = abs;
	} else if (same_server && old.cacert) {
		acct.cacert = xstrdup(old.cacert);
	}
	if (device_opt) {
		if (!device_ok(device_opt)) {
			cli_error(_("'%s' cannot name a device: up to 100 characters, no control characters"), device_opt);
			rc = CLI_USAGE;
			goto out;
		}
		acct.device = xstrdup(device_opt);
	} else {
		acct.device = old.device ? xstrdup(old.device) : duban_account_default_device();
	}

	pw = read_password(acct.url, acct.user);
	if (!pw || !*pw) {
		cli_error(_("no password given"));
		rc = CLI_AUTH;
		goto out;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "user", acct.user);
	cJSON_AddStringToObject(body, "password", pw);
	cJSON_AddStringToObject(body, "device", acct.device);

	duban_transport_init();
	struct duban_remote_error re;
	int called = duban_remote_call(&acct, "POST", "/api/v1/login", body, &answer, &re);
	duban_transport_cleanup();
	cJSON *pw_item = cJSON_GetObjectItemCaseSensitive(body, "password");
	if (pw_item && pw_item->valuestring)
		memset(pw_item->valuestring, 0, strlen(pw_item->valuestring));
	if (called != 0) {
		if (re.kind == DUBAN_REMOTE_AUTH)
			cli_error(_("%s did not accept user %s with this password (wrong user or password, or the user is disabled)"),
				  acct.url, acct.user);
		else
			cli_error("%s", re.message);
		rc = cli_exit_of_remote(re.kind);
		goto out;
	}
	const char *token = json_str(answer, "token");
	if (!token_ok(token)) {
		cli_error(_("%s answered the login without a usable token: is it a duband server?"), acct.url);
		rc = CLI_FAIL;
		goto out;
	}
	acct.token = xstrdup(token);
	const char *exp = json_str(answer, "expires_at");
	acct.expires_at = exp && device_ok(exp) ? xstrdup(exp) : NULL;
	duban_account_take_role(&acct, answer);
	if (duban_account_save(path, &acct, err, sizeof err) != 0) {
		cli_error("%s", err);
		rc = CLI_DB;
		goto out;
	}
	const char *role = json_str(answer, "role");
	char *counties = counties_text(answer);
	char *clean_role = role_text(role);
	printf(_("logged in to %s as %s (%s, %s)\n"), acct.url, acct.user, clean_role, counties);
	free(clean_role);
	free(counties);

out:
	wipe_free(pw);
	cJSON_Delete(body);
	cJSON_Delete(answer);
	duban_account_free(&acct);
	duban_account_free(&old);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------- logout */

int cmd_logout(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_help_only(ctx, argc, argv,
			       _("Usage: duban logout\n"
			         "Revoke the token on the server and delete it from the account file; the\n"
			         "server address and the user name stay for the next duban login.\n"));
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	if (optind < argc) {
		cli_error(_("logout takes no arguments"));
		return CLI_USAGE;
	}
	char *path = duban_account_path();
	struct duban_account a;
	int loaded = cli_account_load(path, &a);
	if (loaded < 0) {
		free(path);
		return CLI_DB;
	}
	if (loaded == 0 || !a.token) {
		printf("%s\n", _("not logged in"));
		duban_account_free(&a);
		free(path);
		return CLI_OK;
	}
	duban_transport_init();
	struct duban_remote_error re;
	/* One attempt: the token is forgotten here whatever the server says. */
	struct duban_retry saved, once;
	duban_transport_get_retry(&saved);
	once = saved;
	once.max_attempts = 1;
	duban_transport_set_retry(&once);
	int called = duban_remote_call(&a, "POST", "/api/v1/logout", NULL, NULL, &re);
	duban_transport_set_retry(&saved);
	duban_transport_cleanup();
	if (called != 0 && re.kind != DUBAN_REMOTE_AUTH) {
		char buf[32];
		cli_error(_("could not revoke the token on the server: %s"), re.message);
		cli_error(_("the token is deleted here, but the server accepts it until %s"),
			  a.expires_at ? duban_timestamp_local(a.expires_at, false, buf) : "?");
	}
	wipe_free(a.token);
	a.token = NULL;
	free(a.expires_at);
	a.expires_at = NULL;
	char err[512];
	rc = CLI_OK;
	if (duban_account_save(path, &a, err, sizeof err) != 0) {
		cli_error("%s", err);
		rc = CLI_DB;
	} else {
		printf(_("logged out of %s\n"), a.url ? a.url : "?");
	}
	duban_account_free(&a);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------- whoami */

int cmd_whoami(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_help_only(ctx, argc, argv,
			       _("Usage: duban whoami\n"
			         "Ask the server who the account's token belongs to: user, role, counties,\n"
			         "server, device and when the token expires.\n"));
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	if (optind < argc) {
		cli_error(_("whoami takes no arguments"));
		return CLI_USAGE;
	}
	char *path = duban_account_path();
	struct duban_account a;
	int loaded = cli_account_load(path, &a);
	if (loaded < 0) {
		free(path);
		return CLI_DB;
	}
	free(path);
	if (loaded == 0 || !a.url || !a.token) {
		if (a.url && a.user)
			cli_error(_("not logged in: run duban login %s %s"), a.url, a.user);
		else
			cli_error(_("not logged in: run duban login URL USER"));
		duban_account_free(&a);
		return CLI_AUTH;
	}
	duban_transport_init();
	struct duban_remote_error re;
	cJSON *me = NULL;
	int called = duban_remote_call(&a, "GET", "/api/v1/me", NULL, &me, &re);
	duban_transport_cleanup();
	if (called != 0) {
		rc = remote_failed(&re);
		duban_account_free(&a);
		return rc;
	}
	/* The role and counties as the server has them now, for what this
	 * client offers from here on. */
	if (duban_account_take_role(&a, me)) {
		char err[512];
		char *apath = duban_account_path();
		if (duban_account_save(apath, &a, err, sizeof err) != 0)
			cli_error("%s", err);
		free(apath);
	}
	const char *user = json_str(me, "user");
	const char *role = json_str(me, "role");
	const char *device = json_str(me, "device");
	const char *exp = json_str(me, "expires_at");
	char *counties = counties_text(me);
	char buf[32];
	char *s;
	s = duban_sanitize(user ? user : a.user ? a.user : "?", false);
	printf(_("user:     %s\n"), s);
	free(s);
	s = role_text(role);
	printf(_("role:     %s\n"), s);
	free(s);
	printf(_("counties: %s\n"), counties);
	printf(_("server:   %s\n"), a.url);
	s = duban_sanitize(device ? device : a.device ? a.device : "?", false);
	printf(_("device:   %s\n"), s);
	free(s);
	exp = exp ? exp : a.expires_at;
	if (exp) {
		s = duban_sanitize(exp, false);
		printf(_("expires:  %s\n"), duban_timestamp_local(s, false, buf));
		free(s);
	}
	free(counties);
	cJSON_Delete(me);
	duban_account_free(&a);
	return CLI_OK;
}
