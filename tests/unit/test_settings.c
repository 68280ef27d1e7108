/* Tests of the configuration file, theme files, saved filters and filter
 * expressions: defaults, every line kind, errors with file:line, and that a
 * bad line never stops the rest from applying. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/settings.h"
#include "duban/util.h"
#include "tap.h"

static char tmpdir[] = "/tmp/duban-test-settings-XXXXXX";

/* Writes text to tmpdir/name; returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		diag("cannot write %s", path);
		return path;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void)
{
	struct duban_settings s;
	duban_settings_load(&s, write_file("empty", ""));
	is_str(s.theme, "default", "default theme");
	ok(s.mouse, "mouse on by default");
	ok(!s.ambiguous_wide, "ambiguous narrow by default");
	is_int(s.warn_days, 7, "warn-days 7");
	is_int(s.reply_days, 7, "reply-days 7");
	is_int(s.lag_yellow, 10, "lag-yellow 10");
	is_int(s.lag_red, 30, "lag-red 30");
	is_int(s.detail_min_width, 100, "detail-min-width 100");
	is_int(s.agenda_days, 14, "agenda-days 14");
	is_int(s.auto_sync_minutes, 0, "auto-sync 0");
	is_str(s.default_sort, "light", "sort: most urgent first");
	is_int(s.nbindings + s.ncolors + s.nfilters + s.nerrors, 0, "nothing else");
	struct duban_light_rules r;
	duban_settings_light_rules(&s, &r);
	is_int(r.warn_days, duban_light_rules_default.warn_days, "light rules: warn days");
	is_int(r.lag_red, duban_light_rules_default.lag_red, "light rules: lag red");
	duban_settings_free(&s);

	char path[512];
	snprintf(path, sizeof path, "%s/missing", tmpdir);
	duban_settings_load(&s, path);
	is_int(s.nerrors, 0, "a missing config file is fine");
	duban_settings_free(&s);
}

static void test_set(void)
{
	struct duban_settings s;
	duban_settings_load(&s, write_file("set",
		"# comment\n"
		"\n"
		"   # indented comment\n"
		"set theme dark\n"
		"set mouse off\n"
		"set ambiguous-wide yes\n"
		"set warn-days 3\n"
		"set lag-red \"40\"\n"
		"set sort code-\n"
		"\tset agenda-days 21\n"));
	is_int(s.nerrors, 0, "no errors");
	is_str(s.theme, "dark", "theme");
	ok(!s.mouse, "mouse off");
	ok(s.ambiguous_wide, "ambiguous wide");
	is_int(s.warn_days, 3, "warn-days");
	is_int(s.lag_red, 40, "quoted number");
	is_str(s.default_sort, "code-", "sort with direction");
	is_int(s.agenda_days, 21, "leading tab");

	char err[256] = "";
	ok(!duban_settings_set(&s, "warn-days", "-1", err, sizeof err), "negative refused");
	ok(strstr(err, "warn-days") != NULL, "message names the option");
	ok(!duban_settings_set(&s, "mouse", "maybe", err, sizeof err), "bad bool refused");
	ok(!duban_settings_set(&s, "sort", "colour", err, sizeof err), "bad sort refused");
	ok(!duban_settings_set(&s, "nonsense", "1", err, sizeof err), "unknown option refused");
	ok(strstr(err, "nonsense") != NULL, "message names it");
	ok(duban_settings_set(&s, "theme", "high-contrast", err, sizeof err), "set theme");
	is_str(s.theme, "high-contrast", "theme changed");
	is_int(s.warn_days, 3, "refused values leave the old one");
	duban_settings_free(&s);
}

static void test_bind_color_filter(void)
{
	struct duban_settings s;
	duban_settings_load(&s, write_file("lines",
		"bind generic x quit\n"
		"bind ledger <Enter> enter\n"
		"bind calendar 督 today\n"
		"bind generic C-d half-page-down\n"
		"bind conflicts M keep-mine\n"
		"bind synclog x quit\n"
		"color cursor black cyan bold\n"
		"color header brightwhite 24 bold,underline\n"
		"color light-red red default bold reverse\n"
		"filter mine county=东川县 status!=closed\n"
		"filter sand \"采砂 场\" light=red\n"
		"filter mine county=\"寻甸县\"\n"));
	is_int(s.nerrors, 0, "no errors");
	is_int(s.nbindings, 6, "six bindings, in every view with keys of its own");
	is_str(s.bindings[0].view, "generic", "bind view");
	is_str(s.bindings[0].key, "x", "bind key");
	is_str(s.bindings[0].action, "quit", "bind action");
	is_str(s.bindings[1].key, "<Enter>", "named key kept as text");
	is_str(s.bindings[2].key, "督", "Chinese key");
	is_int(s.ncolors, 3, "three colours");
	is_str(s.colors[0].element, "cursor", "colour element");
	is_str(s.colors[0].fg, "black", "fg");
	is_str(s.colors[0].bg, "cyan", "bg");
	is_str(s.colors[0].attr, "bold", "attr");
	is_str(s.colors[1].fg, "brightwhite", "bright colour");
	is_str(s.colors[1].bg, "24", "numbered colour");
	is_str(s.colors[1].attr, "bold,underline", "comma attrs");
	is_str(s.colors[2].attr, "bold,reverse", "attrs as words are joined");
	is_int(s.nfilters, 2, "a repeated filter name replaces the first");
	is_str(s.filters[0].name, "mine", "filter name");
	is_str(s.filters[0].expr, "county=\"寻甸县\"", "filter expression as written");
	is_str(s.filters[1].expr, "\"采砂 场\" light=red", "rest of the line");
	duban_settings_free(&s);
}

static void test_errors(void)
{
	struct duban_settings s;
	const char *path = write_file("bad",
		"set theme dark\n"                 /* 1 */
		"set warn-days soon\n"             /* 2 */
		"frobnicate 1\n"                   /* 3 */
		"bind nowhere j move-down\n"       /* 4 */
		"color cursor purple black\n"      /* 5 */
		"color cursor red\n"               /* 6 */
		"color cursor red black blink\n"   /* 7 */
		"filter broken colour=red\n"       /* 8 */
		"set theme \"unclosed\n"           /* 9 */
		"set lag-red 25\n"                 /* 10 */
		"bind ledger j\n"                  /* 11 */
		"filter lonely\n");                /* 12 */
	duban_settings_load(&s, path);
	is_int(s.nerrors, 10, "ten bad lines");
	static const int lines[] = { 2, 3, 4, 5, 6, 7, 8, 9, 11, 12 };
	for (int i = 0; i < s.nerrors && i < 10; i++) {
		char prefix[600];
		snprintf(prefix, sizeof prefix, "%s:%d: ", path, lines[i]);
		ok(strncmp(s.errors[i], prefix, strlen(prefix)) == 0, "error names file:line");
		if (strncmp(s.errors[i], prefix, strlen(prefix)) != 0)
			diag("%s", s.errors[i]);
	}
	ok(s.nerrors > 1 && strstr(s.errors[1], "frobnicate"), "unknown command named");
	ok(s.nerrors > 3 && strstr(s.errors[3], "purple"), "unknown colour named");
	ok(s.nerrors > 6 && strstr(s.errors[6], "colour"), "unknown filter key named");
	is_str(s.theme, "dark", "good lines before apply");
	is_int(s.lag_red, 25, "good lines after apply");
	is_int(s.warn_days, 7, "bad value keeps the default");
	is_int(s.ncolors, 0, "no bad colour kept");
	is_int(s.nfilters, 0, "no bad filter kept");
	duban_settings_free(&s);
}

static void test_themes(void)
{
	struct duban_color *colors = NULL;
	char **errors = NULL;
	int n = 0, nerrors = 0;
	const char *path = write_file("t.theme",
		"# a theme\n"
		"color default default default\n"
		"color cursor black 214 bold\n"
		"set theme dark\n"
		"color header white blue\n");
	ok(duban_theme_load(path, &colors, &n, &errors, &nerrors), "theme loads");
	is_int(n, 3, "three colours");
	is_str(n > 1 ? colors[1].bg : NULL, "214", "256-colour number");
	is_int(nerrors, 1, "one bad line");
	if (nerrors > 0) {
		char prefix[600];
		snprintf(prefix, sizeof prefix, "%s:4: ", path);
		ok(strncmp(errors[0], prefix, strlen(prefix)) == 0, "theme error has file:line");
	}
	for (int i = 0; i < nerrors; i++)
		free(errors[i]);
	free(errors);
	free(colors);

	colors = NULL;
	errors = NULL;
	n = nerrors = 0;
	char missing[512];
	snprintf(missing, sizeof missing, "%s/none.theme", tmpdir);
	ok(!duban_theme_load(missing, &colors, &n, &errors, &nerrors), "a missing theme fails");
	is_int(nerrors, 1, "and says so");
	for (int i = 0; i < nerrors; i++)
		free(errors[i]);
	free(errors);
	free(colors);

	/* The themes the project ships are found from the source tree, and
	 * every one of them loads without an error. */
	const char *names[] = { "default", "dark", "light", "mono", "high-contrast" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *p = duban_theme_path(names[i]);
		ok(p != NULL, names[i]);
		colors = NULL;
		errors = NULL;
		n = nerrors = 0;
		if (p && duban_theme_load(p, &colors, &n, &errors, &nerrors)) {
			is_int(nerrors, 0, "shipped theme has no errors");
			is_int(n, 25, "shipped theme covers every element");
		}
		for (int j = 0; j < nerrors; j++)
			free(errors[j]);
		free(errors);
		free(colors);
		free(p);
	}
	ok(duban_theme_path("no-such-theme") == NULL, "unknown theme: NULL");

	/* The user's own themes directory comes first. */
	char dir[600];
	snprintf(dir, sizeof dir, "%s/duban", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/duban/themes", tmpdir);
	mkdir(dir, 0700);
	write_file("duban/themes/dark.theme", "color default white black\n");
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	char *p = duban_theme_path("dark");
	char want[700];
	snprintf(want, sizeof want, "%s/dark.theme", dir);
	is_str(p, want, "XDG theme first");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
}

static bool parse(struct duban_filter_expr *e, const char *expr, char *err, size_t errlen)
{
	duban_filter_expr_free(e);
	err[0] = '\0';
	return duban_filter_expr_parse(e, expr, err, errlen);
}

static void test_filter_expr(void)
{
	struct duban_filter_expr e;
	char err[256];
	duban_filter_expr_init(&e);

	ok(parse(&e, "", err, sizeof err), "empty expression");
	is_int(e.filter.kind, -1, "any kind");
	is_int(e.sort, -1, "no sort");

	ok(parse(&e, "county=东川县 status!=closed light=red,yellow search=采砂", err, sizeof err), "full expression");
	is_str(e.filter.county, "东川县", "county");
	is_int(e.filter.status_mask, ((1u << DUBAN_STATUS_COUNT) - 1) & ~(1u << DUBAN_STATUS_CLOSED), "every status but closed");
	is_int(e.filter.light_mask, (1u << DUBAN_LIGHT_RED) | (1u << DUBAN_LIGHT_YELLOW), "two lights");
	is_str(e.filter.text, "采砂", "search");

	ok(parse(&e, "status=整改中，申请销号 kind=信访件 light=红灯", err, sizeof err), "Chinese values");
	is_int(e.filter.status_mask, (1u << DUBAN_STATUS_IN_PROGRESS) | (1u << DUBAN_STATUS_REQUESTED),
	       "Chinese statuses with a full-width comma");
	is_int(e.filter.kind, DUBAN_KIND_COMPLAINT, "Chinese kind");
	is_int(e.filter.light_mask, 1u << DUBAN_LIGHT_RED, "Chinese light");

	ok(parse(&e, "status=in_progress、verified", err, sizeof err), "enumeration comma");
	is_int(e.filter.status_mask, (1u << DUBAN_STATUS_IN_PROGRESS) | (1u << DUBAN_STATUS_VERIFIED), "、 separates");

	ok(parse(&e, "unit=\"县 生态环境局\" 采砂 场 round=第二轮 category=水 township=铜都镇", err, sizeof err),
	   "quotes and bare words");
	is_str(e.filter.unit, "县 生态环境局", "quoted value keeps its space");
	is_str(e.filter.text, "采砂 场", "bare words are the search");
	is_str(e.filter.round, "第二轮", "round");
	is_str(e.filter.category, "水", "category");
	is_str(e.filter.township, "铜都镇", "township");

	ok(parse(&e, "\"非法 采砂\" search=河道", err, sizeof err), "quoted bare words");
	is_str(e.filter.text, "非法 采砂 河道", "search terms add up");

	ok(parse(&e, "due<2026-07-01 due>=2026年6月1日 overdue", err, sizeof err), "dates");
	is_int(e.filter.due_before, duban_date_from_ymd(2026, 6, 30), "due< is strict");
	is_int(e.filter.due_after, duban_date_from_ymd(2026, 6, 1), "due>= with a Chinese date");
	ok(e.filter.overdue, "overdue");
	ok(parse(&e, "due>2026-07-01 due<=2026-12-31", err, sizeof err), "other date forms");
	is_int(e.filter.due_after, duban_date_from_ymd(2026, 7, 2), "due> is strict");
	is_int(e.filter.due_before, duban_date_from_ymd(2026, 12, 31), "due<= includes");

	ok(parse(&e, "sort=code-", err, sizeof err), "sort");
	is_int(e.sort, DUBAN_SORT_CODE, "sort code");
	ok(e.descending, "descending");
	ok(parse(&e, "sort=light", err, sizeof err), "sort ascending");
	ok(!e.descending, "ascending");

	ok(!parse(&e, "colour=red", err, sizeof err), "unknown key refused");
	ok(strstr(err, "colour") != NULL, "message names the key");
	ok(!parse(&e, "status=finished", err, sizeof err), "unknown status refused");
	ok(strstr(err, "finished") != NULL, "message names the value");
	ok(!parse(&e, "due<someday", err, sizeof err), "bad date refused");
	ok(!parse(&e, "county=", err, sizeof err), "empty value refused");
	ok(!parse(&e, "county!=东川县", err, sizeof err), "!= only for status and light");
	ok(!parse(&e, "county=\"东川县", err, sizeof err), "unclosed quote refused");
	ok(!parse(&e, "kind=case", err, sizeof err), "unknown kind refused");

	/* Repeating a term does not use up the string table. */
	duban_filter_expr_free(&e);
	for (int i = 0; i < 40; i++)
		duban_filter_expr_parse(&e, "county=甲县 unit=乙局", err, sizeof err);
	is_str(e.filter.county, "甲县", "repeated terms still work");
	ok(e.nstrings <= 2, "and replace their strings");
	duban_filter_expr_free(&e);
}

/* duban_filter_expr_format writes what parses back to the same filter. */
static void test_filter_format(void)
{
	static const char *const exprs[] = {
		"",
		"county=东川县 status!=closed light=red,yellow",
		"township=\"a b\" category=采砂 unit=水务局 round=第二轮 kind=complaint",
		"overdue due>=2026-06-01 due<2026-07-01 search=\"非法 采砂\" sort=code-",
		"search=\"say \\\"hi\\\"\" sort=progress",
		"kind=complaint feedback-overdue",
	};
	char err[256];
	for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		struct duban_filter_expr a, b;
		duban_filter_expr_init(&a);
		duban_filter_expr_init(&b);
		ok(duban_filter_expr_parse(&a, exprs[i], err, sizeof err), "an expression parses");
		char *text = duban_filter_expr_format(&a.filter, a.sort, a.descending);
		diag("%s -> %s", exprs[i], text);
		ok(duban_filter_expr_parse(&b, text, err, sizeof err), "its format parses");
		char *again = duban_filter_expr_format(&b.filter, b.sort, b.descending);
		is_str(again, text, "and formats the same");
		is_int(b.filter.status_mask, a.filter.status_mask, "same statuses");
		is_int(b.filter.due_before, a.filter.due_before, "same due bound");
		is_int(b.sort, a.sort, "same sort");
		free(again);
		free(text);
		duban_filter_expr_free(&a);
		duban_filter_expr_free(&b);
	}
}

/* :save and :delete-filter rewrite one line of the config, keeping the rest. */
static void test_config_filter(void)
{
	char err[256];
	const char *path = write_file("cfg-filters", "set warn-days 5\nfilter red light=red\n# note\n");
	ok(duban_config_set_filter(path, "mine", "county=东川县", err, sizeof err), "save a new filter");
	ok(duban_config_set_filter(path, "red", "light=red,yellow", err, sizeof err), "replace one");
	char *text = duban_read_file(path, NULL);
	is_str(text, "set warn-days 5\n# note\nfilter mine county=东川县\nfilter red light=red,yellow\n",
	       "other lines kept, filters replaced");
	free(text);
	ok(duban_config_set_filter(path, "mine", NULL, err, sizeof err), "delete one");
	struct duban_settings s;
	duban_settings_load(&s, path);
	is_int(s.nfilters, 1, "one filter left");
	is_int(s.nerrors, 0, "the file still reads cleanly");
	duban_settings_free(&s);
}

static void test_summary(void)
{
	struct duban_filter_expr e;
	char err[256];
	duban_filter_expr_init(&e);
	char *s = duban_filter_summary(&e.filter);
	is_str(s, "", "no filter: empty summary");
	free(s);

	duban_filter_expr_parse(&e, "county=东川县 status=整改中,申请销号 category=采砂", err, sizeof err);
	s = duban_filter_summary(&e.filter);
	is_str(s, "东川县 · in progress,close-out requested · 采砂", "county, statuses, category");
	free(s);
	duban_filter_expr_free(&e);

	duban_filter_expr_parse(&e, "status!=closed light=red kind=problem 黑臭 水体", err, sizeof err);
	s = duban_filter_summary(&e.filter);
	is_str(s, "problem · not closed · red · “黑臭 水体”", "inverted statuses read as what is left out");
	free(s);
	duban_filter_expr_free(&e);

	duban_filter_expr_parse(&e, "overdue due<2026-07-01", err, sizeof err);
	s = duban_filter_summary(&e.filter);
	is_str(s, "overdue · due by 2026-06-30", "overdue and a date");
	free(s);
	duban_filter_expr_free(&e);
	duban_filter_expr_init(&e);
	ok(duban_filter_expr_parse(&e, "feedback-overdue", err, sizeof err) && e.filter.feedback_overdue,
	   "feedback-overdue as a bare word");
	s = duban_filter_summary(&e.filter);
	is_str(s, "feedback overdue", "... and in the summary");
	free(s);
	duban_filter_expr_free(&e);
	s = duban_filter_summary(NULL);
	is_str(s, "", "NULL filter");
	free(s);
}

/* dubanrc(5) documents every option (the man page is written by hand from
 * the same list); roff writes "-" as "\-". */
static void test_manual(void)
{
#define OPTION_NAME(field, name, type, def, help) name,
	static const char *const names[] = { DUBAN_OPTIONS(OPTION_NAME) };
#undef OPTION_NAME
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/doc/dubanrc.5", top && *top ? top : "..");
	char *page = duban_read_file(path, NULL);
	ok(page != NULL, "dubanrc.5 readable");
	for (size_t i = 0; page && i < sizeof names / sizeof names[0]; i++) {
		struct duban_buf want;
		duban_buf_init(&want);
		duban_buf_puts(&want, "set ");
		for (const char *c = names[i]; *c; c++)
			duban_buf_puts(&want, *c == '-' ? "\\-" : (char[]){ *c, '\0' });
		ok(strstr(page, want.data) != NULL, names[i]);
		duban_buf_free(&want);
	}
	free(page);
	free(path);
}

static void cleanup(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
}

/* A NUL byte in the file is a bad line like any other (issue 12 #9): it used
 * to end the file silently, dropping every later line. */
static void test_nul_byte(void)
{
	static const char text[] = "set theme dark\nset warn-days 3\0junk\n\nset lag-red 25\n";
	char path[512];
	snprintf(path, sizeof path, "%s/nul", tmpdir);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(text, 1, sizeof text - 1, f) != sizeof text - 1)
		diag("cannot write %s", path);
	if (f)
		fclose(f);
	struct duban_settings s;
	duban_settings_load(&s, path);
	is_int(s.nerrors, 1, "a NUL byte makes one bad line");
	char prefix[600];
	snprintf(prefix, sizeof prefix, "%s:2: ", path);
	ok(s.nerrors > 0 && strncmp(s.errors[0], prefix, strlen(prefix)) == 0 && strstr(s.errors[0], "NUL"),
	   "the NUL byte is reported as FILE:LINE");
	if (s.nerrors > 0)
		diag("%s", s.errors[0]);
	is_str(s.theme, "dark", "the line before applies");
	is_int(s.warn_days, 7, "the line with the NUL byte does not apply");
	is_int(s.lag_red, 25, "the lines after the NUL byte apply");
	duban_settings_free(&s);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		diag("mkdtemp failed");
		return 1;
	}
	unsetenv("XDG_CONFIG_HOME");
	test_defaults();
	test_set();
	test_bind_color_filter();
	test_errors();
	test_nul_byte();
	test_themes();
	test_filter_expr();
	test_filter_format();
	test_config_filter();
	test_summary();
	test_manual();
	cleanup();
	return done_testing();
}
