/* The configuration file, theme files and filter expressions.  Every line
 * that cannot be used is reported with its file and line, and the rest of
 * the file still applies: a typo must never keep duban from starting. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/closeout.h"
#include "duban/feedback.h"
#include "duban/ladder.h"
#include "duban/model.h"
#include "duban/settings.h"
#include "duban/tui.h"
#include "duban/util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- options */

enum opt_type { OPT_STRING, OPT_BOOL, OPT_INT };

struct option_info {
	const char *name;
	enum opt_type type;
	const char *def;
	size_t offset;
};

#define OPTION_INFO(field, name, type, def, help) \
	{ name, OPT_##type, def, offsetof(struct duban_settings, field) },
static const struct option_info options[] = { DUBAN_OPTIONS(OPTION_INFO) };
#undef OPTION_INFO

/* `bind VIEW`: the generic key map, then the TUI's views. */
#define VIEW_NAME(id, title) #id,
static const char *const view_names[] = { "generic", TUI_VIEWS(VIEW_NAME) };
#undef VIEW_NAME

static const char *const color_names[] = { "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white" };
static const char *const attr_names[] = { "bold", "reverse", "underline", "dim", "standout", "normal" };

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_int(const char *v, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 0 || n > 100000)
		return false;
	*out = (int)n;
	return true;
}

/* "deadline", "code-" (descending), …: the forms `set sort` and `sort=` take. */
static int parse_sort(const char *v, bool *descending)
{
	size_t n = strlen(v);
	bool desc = n > 1 && (v[n - 1] == '-' || v[n - 1] == '+');
	char *name = xstrndup(v, desc ? n - 1 : n);
	int s = duban_sort_parse(name);
	if (descending)
		*descending = desc && v[n - 1] == '-';
	free(name);
	return s;
}

bool duban_settings_set(struct duban_settings *s, const char *name, const char *value, char *err, size_t errlen)
{
	const struct option_info *o = NULL;
	for (size_t i = 0; i < ARRAY_LEN(options) && !o; i++)
		if (strcmp(options[i].name, name) == 0)
			o = &options[i];
	if (!o) {
		snprintf(err, errlen, _("unknown option \"%s\""), name);
		return false;
	}
	void *field = (char *)s + o->offset;
	switch (o->type) {
	case OPT_BOOL:
		if (!parse_bool(value, (bool *)field)) {
			snprintf(err, errlen, _("%s: expected true or false, not \"%s\""), name, value);
			return false;
		}
		return true;
	case OPT_INT:
		if (!parse_int(value, (int *)field)) {
			snprintf(err, errlen, _("%s: expected a number from 0, not \"%s\""), name, value);
			return false;
		}
		return true;
	case OPT_STRING:
		break;
	}
	if (!*value) {
		snprintf(err, errlen, _("%s: empty value"), name);
		return false;
	}
	if (strcmp(name, "ladder") == 0) {
		struct duban_ladder l;
		if (!duban_ladder_parse(value, &l, err, errlen))
			return false;
	}
	if (strcmp(name, "feedback-days") == 0) {
		struct duban_feedback_rules r;
		if (!duban_feedback_parse(value, &r, err, errlen))
			return false;
	}
	if (strcmp(name, "acceptance") == 0) {
		struct duban_acceptance_chain c;
		if (!duban_acceptance_parse(value, &c, err, errlen))
			return false;
	}
	if (strcmp(name, "evidence") == 0) {
		struct duban_evidence_policy p;
		if (!duban_evidence_policy_parse(value, &p, err, errlen))
			return false;
	}
	if (strcmp(name, "role") == 0 && duban_role_parse(value) < 0) {
		snprintf(err, errlen, _("role: expected office, inspector or viewer, not \"%s\""), value);
		return false;
	}
	if (strcmp(name, "sort") == 0 && parse_sort(value, NULL) < 0) {
		snprintf(err, errlen, _("sort: expected deadline, code, updated, light, county, status or progress, not \"%s\""), value);
		return false;
	}
	duban_set_str((char **)field, value);
	return true;
}

void duban_settings_light_rules(const struct duban_settings *s, struct duban_light_rules *out)
{
	out->warn_days = s->warn_days;
	out->lag_yellow = s->lag_yellow;
	out->lag_red = s->lag_red;
}

/* ---------------------------------------------------------------- lines */

static void add_error(char ***errors, int *nerrors, const char *file, int line, const char *msg)
{
	*errors = xrealloc(*errors, (size_t)(*nerrors + 1) * sizeof **errors);
	if (line > 0)
		(*errors)[(*nerrors)++] = xasprintf("%s:%d: %s", file, line, msg);
	else
		(*errors)[(*nerrors)++] = xasprintf("%s: %s", file, msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* The next word of a line: up to unquoted white space, with "…" quoting
 * (\" and \\ inside quotes).  NULL at the end of the line; *bad is set
 * when a quote is not closed. */
static char *next_word(const char **pp, bool *bad)
{
	const char *p = skip_space(*pp);
	if (!*p)
		return NULL;
	struct duban_buf b;
	duban_buf_init(&b);
	bool quoted = false;
	for (; *p && (quoted || !is_space(*p)); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		duban_buf_putc(&b, *p);
	}
	if (quoted)
		*bad = true;
	*pp = p;
	return duban_buf_steal(&b);
}

/* Splits a line into at most max words; returns how many, -1 on an
 * unclosed quote. */
static int split_words(const char *line, char **words, int max)
{
	int n = 0;
	bool bad = false;
	const char *p = line;
	char *w;
	while ((w = next_word(&p, &bad))) {
		if (n == max) {
			free(w);
			n++;
			break;
		}
		words[n++] = w;
	}
	if (bad) {
		for (int i = 0; i < n && i < max; i++)
			free(words[i]);
		return -1;
	}
	return n;
}

static void free_words(char **words, int n, int max)
{
	for (int i = 0; i < n && i < max; i++)
		free(words[i]);
}

static bool valid_color(const char *c)
{
	if (strcmp(c, "default") == 0)
		return true;
	const char *name = strncmp(c, "bright", 6) == 0 ? c + 6 : c;
	for (size_t i = 0; i < ARRAY_LEN(color_names); i++)
		if (strcmp(name, color_names[i]) == 0)
			return true;
	int n;
	return parse_int(c, &n) && n <= 255;
}

/* ATTR words ("bold", "bold,underline", "bold underline") joined by ",". */
static bool join_attrs(char **words, int n, char *out, size_t outlen, char *err, size_t errlen)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		char *copy = xstrdup(words[i]);
		char *save = NULL;
		for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
			bool known = false;
			for (size_t j = 0; j < ARRAY_LEN(attr_names) && !known; j++)
				known = strcmp(a, attr_names[j]) == 0;
			if (!known || strlen(out) + strlen(a) + 2 > outlen) {
				snprintf(err, errlen, _("unknown attribute \"%s\" (bold, reverse, underline, dim, standout)"), a);
				free(copy);
				return false;
			}
			if (*out)
				strcat(out, ",");
			strcat(out, a);
		}
		free(copy);
	}
	return true;
}

/* `color ELEMENT FG BG [ATTR…]` (words[0] is "color"). */
static bool parse_color_line(char **words, int n, struct duban_color *c, char *err, size_t errlen)
{
	if (n < 4) {
		snprintf(err, errlen, "%s", _("color: expected ELEMENT FG BG [ATTR]"));
		return false;
	}
	memset(c, 0, sizeof *c);
	for (int i = 2; i <= 3; i++) {
		if (!valid_color(words[i])) {
			snprintf(err, errlen, _("unknown colour \"%s\" (a name, brightNAME, 0-255 or default)"), words[i]);
			return false;
		}
	}
	if (strlen(words[1]) >= sizeof c->element) {
		snprintf(err, errlen, _("unknown element \"%s\""), words[1]);
		return false;
	}
	snprintf(c->element, sizeof c->element, "%s", words[1]);
	snprintf(c->fg, sizeof c->fg, "%s", words[2]);
	snprintf(c->bg, sizeof c->bg, "%s", words[3]);
	return join_attrs(words + 4, n - 4, c->attr, sizeof c->attr, err, errlen);
}

static void add_color(struct duban_color **colors, int *ncolors, const struct duban_color *c)
{
	*colors = xrealloc(*colors, (size_t)(*ncolors + 1) * sizeof **colors);
	(*colors)[(*ncolors)++] = *c;
}

static bool parse_bind_line(struct duban_settings *s, char **words, int n, char *err, size_t errlen)
{
	if (n != 4) {
		snprintf(err, errlen, "%s", _("bind: expected VIEW KEY ACTION"));
		return false;
	}
	bool known = false;
	for (size_t i = 0; i < ARRAY_LEN(view_names) && !known; i++)
		known = strcmp(words[1], view_names[i]) == 0;
	if (!known) {
		char names[256] = "";
		for (size_t i = 0; i < ARRAY_LEN(view_names); i++)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", view_names[i]);
		snprintf(err, errlen, _("bind: unknown view \"%s\" (%s)"), words[1], names);
		return false;
	}
	struct duban_binding b;
	if (strlen(words[2]) >= sizeof b.key || strlen(words[3]) >= sizeof b.action || !*words[2]) {
		snprintf(err, errlen, _("bind: key or action name too long"));
		return false;
	}
	snprintf(b.view, sizeof b.view, "%s", words[1]);
	snprintf(b.key, sizeof b.key, "%s", words[2]);
	snprintf(b.action, sizeof b.action, "%s", words[3]);
	s->bindings = xrealloc(s->bindings, (size_t)(s->nbindings + 1) * sizeof *s->bindings);
	s->bindings[s->nbindings++] = b;
	return true;
}

/* `filter NAME EXPR`: the expression is the rest of the line, kept as
 * written and checked now so a mistake is reported with its line. */
static bool parse_filter_line(struct duban_settings *s, const char *line, char *err, size_t errlen)
{
	const char *p = skip_space(line);
	p += strlen("filter");
	bool bad = false;
	char *name = next_word(&p, &bad);
	char *expr = duban_trim(xstrdup(p));
	bool okay = false;
	if (!name || bad || !*expr) {
		snprintf(err, errlen, "%s", _("filter: expected NAME EXPRESSION"));
	} else if (strlen(name) >= sizeof s->filters[0].name) {
		snprintf(err, errlen, _("filter: name too long: \"%s\""), name);
	} else {
		struct duban_filter_expr e;
		duban_filter_expr_init(&e);
		okay = duban_filter_expr_parse(&e, expr, err, errlen);
		duban_filter_expr_free(&e);
	}
	if (okay) {
		int i = 0;
		while (i < s->nfilters && strcmp(s->filters[i].name, name) != 0)
			i++;
		if (i == s->nfilters) {
			s->filters = xrealloc(s->filters, (size_t)(s->nfilters + 1) * sizeof *s->filters);
			s->nfilters++;
			snprintf(s->filters[i].name, sizeof s->filters[i].name, "%s", name);
		} else {
			free(s->filters[i].expr);
		}
		s->filters[i].expr = expr;
		expr = NULL;
	}
	free(name);
	free(expr);
	return okay;
}

#define MAX_WORDS 12

static bool parse_config_line(struct duban_settings *s, const char *line, char *err, size_t errlen)
{
	char *words[MAX_WORDS];
	int n = split_words(line, words, MAX_WORDS);
	if (n < 0) {
		snprintf(err, errlen, "%s", _("unclosed quote"));
		return false;
	}
	bool okay = false;
	if (n > MAX_WORDS) {
		snprintf(err, errlen, "%s", _("too many words"));
	} else if (strcmp(words[0], "set") == 0) {
		if (n != 3)
			snprintf(err, errlen, "%s", _("set: expected NAME VALUE"));
		else
			okay = duban_settings_set(s, words[1], words[2], err, errlen);
	} else if (strcmp(words[0], "bind") == 0) {
		okay = parse_bind_line(s, words, n, err, errlen);
	} else if (strcmp(words[0], "color") == 0) {
		struct duban_color c;
		okay = parse_color_line(words, n, &c, err, errlen);
		if (okay)
			add_color(&s->colors, &s->ncolors, &c);
	} else if (strcmp(words[0], "filter") == 0) {
		okay = parse_filter_line(s, line, err, errlen);
	} else {
		snprintf(err, errlen, _("unknown command \"%s\" (set, bind, color, filter)"), words[0]);
	}
	free_words(words, n, MAX_WORDS);
	return okay;
}

/* Calls fn on every line that is not blank or a # comment. */
typedef bool (*line_fn)(void *ctx, const char *line, char *err, size_t errlen);

static bool each_line(const char *path, line_fn fn, void *ctx, char ***errors, int *nerrors, bool missing_ok)
{
	size_t len = 0;
	char *data = duban_read_file(path, &len);
	if (!data) {
		if (missing_ok && errno == ENOENT)
			return true;
		add_error(errors, nerrors, path, 0, strerror(errno));
		return false;
	}
	int lineno = 0;
	char *end = data + len, *next = NULL;
	/* Lines are cut by length, not by strchr: a NUL byte must not end the
	 * file silently (strtok_r would also skip empty lines and miscount). */
	for (char *line = data; line < end; line = next) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		next = nl ? nl + 1 : end + 1;
		if (nl)
			*nl = '\0';
		lineno++;
		char err[256];
		if (strlen(line) != (size_t)((nl ? nl : end) - line)) {
			snprintf(err, sizeof err, "%s", _("NUL byte in line"));
			add_error(errors, nerrors, path, lineno, err);
			continue;
		}
		const char *p = skip_space(line);
		if (!*p || *p == '#')
			continue;
		if (!fn(ctx, p, err, sizeof err))
			add_error(errors, nerrors, path, lineno, err);
	}
	free(data);
	return true;
}

static bool config_line(void *ctx, const char *line, char *err, size_t errlen)
{
	return parse_config_line(ctx, line, err, errlen);
}

void duban_settings_load(struct duban_settings *s, const char *path)
{
	memset(s, 0, sizeof *s);
	char err[256];
	for (size_t i = 0; i < ARRAY_LEN(options); i++)
		if (!duban_settings_set(s, options[i].name, options[i].def, err, sizeof err))
			abort(); /* a default that does not parse is a programming error */
	char *def = path ? NULL : duban_config_path();
	each_line(path ? path : def, config_line, s, &s->errors, &s->nerrors, true);
	free(def);
}

void duban_settings_free(struct duban_settings *s)
{
	for (size_t i = 0; i < ARRAY_LEN(options); i++)
		if (options[i].type == OPT_STRING)
			free(*(char **)((char *)s + options[i].offset));
	for (int i = 0; i < s->nfilters; i++)
		free(s->filters[i].expr);
	for (int i = 0; i < s->nerrors; i++)
		free(s->errors[i]);
	free(s->filters);
	free(s->errors);
	free(s->bindings);
	free(s->colors);
	memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- themes */

struct theme_ctx {
	struct duban_color **colors;
	int *ncolors;
};

static bool theme_line(void *ctx, const char *line, char *err, size_t errlen)
{
	struct theme_ctx *tc = ctx;
	char *words[MAX_WORDS];
	int n = split_words(line, words, MAX_WORDS);
	bool okay = false;
	struct duban_color c;
	if (n < 0)
		snprintf(err, errlen, "%s", _("unclosed quote"));
	else if (n > MAX_WORDS || strcmp(words[0], "color") != 0)
		snprintf(err, errlen, "%s", _("a theme holds only `color ELEMENT FG BG [ATTR]` lines"));
	else
		okay = parse_color_line(words, n, &c, err, errlen);
	if (okay)
		add_color(tc->colors, tc->ncolors, &c);
	if (n > 0)
		free_words(words, n, MAX_WORDS);
	return okay;
}

/* False only when the file cannot be read; bad lines are reported and
 * skipped. */
bool duban_theme_load(const char *path, struct duban_color **colors, int *ncolors, char ***errors, int *nerrors)
{
	struct theme_ctx tc = { colors, ncolors };
	return each_line(path, theme_line, &tc, errors, nerrors, false);
}

static char *try_file(const char *dir, const char *sub, const char *file)
{
	if (!dir || !*dir)
		return NULL;
	char *p = xasprintf("%s%s/%s", dir, sub, file);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *duban_data_file(const char *subdir, const char *env_dir, const char *srcdir, const char *file)
{
	char *found = NULL;
	char *sub = xasprintf("/duban/%s", subdir);
	char *home_sub = xasprintf("/.config/duban/%s", subdir);
	char *inst_sub = xasprintf("/%s", subdir);
	char *src_sub = xasprintf("/%s", srcdir);
	char *up_sub = xasprintf("/../%s", srcdir);
	char *upup_sub = xasprintf("/../../%s", srcdir);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		found = try_file(xdg, sub, file);
	else if (home && *home)
		found = try_file(home, home_sub, file);
	if (!found)
		found = try_file(getenv(env_dir), "", file);
#ifdef DUBAN_DATADIR
	if (!found)
		found = try_file(DUBAN_DATADIR, inst_sub, file);
#else
	(void)inst_sub;
#endif
	if (!found)
		found = try_file(getenv("top_srcdir"), src_sub, file);
	if (!found) {
		char *dir = duban_exe_dir();
		found = try_file(dir, up_sub, file);
		if (!found)
			found = try_file(dir, upup_sub, file);
		free(dir);
	}
	free(sub);
	free(home_sub);
	free(inst_sub);
	free(src_sub);
	free(up_sub);
	free(upup_sub);
	return found;
}

char *duban_theme_path(const char *name)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/'))
		return access(name, R_OK) == 0 ? xstrdup(name) : NULL;
	size_t n = strlen(name);
	bool has_ext = n > 6 && strcmp(name + n - 6, ".theme") == 0;
	char *file = has_ext ? xstrdup(name) : xasprintf("%s.theme", name);
	char *found = duban_data_file("themes", "DUBAN_THEMEDIR", "themes", file);
	free(file);
	return found;
}

/* ---------------------------------------------------------------- filters */

void duban_filter_expr_init(struct duban_filter_expr *e)
{
	memset(e, 0, sizeof *e);
	duban_filter_init(&e->filter);
	e->sort = -1;
}

void duban_filter_expr_free(struct duban_filter_expr *e)
{
	for (int i = 0; i < e->nstrings; i++)
		free(e->strings[i]);
	duban_filter_expr_init(e);
}

/* Points *slot at value, which e then owns; the string *slot held before
 * is freed so repeated terms do not use up the table. */
static bool set_string(struct duban_filter_expr *e, const char **slot, char *value, char *err, size_t errlen)
{
	for (int i = 0; i < e->nstrings; i++) {
		if (e->strings[i] == *slot) {
			free(e->strings[i]);
			e->strings[i] = value;
			*slot = value;
			return true;
		}
	}
	if (e->nstrings == (int)ARRAY_LEN(e->strings)) {
		snprintf(err, errlen, "%s", _("too many terms in the filter"));
		free(value);
		return false;
	}
	e->strings[e->nstrings++] = value;
	*slot = value;
	return true;
}

static bool add_search(struct duban_filter_expr *e, const char *word, char *err, size_t errlen)
{
	char *text = e->filter.text && *e->filter.text ? xasprintf("%s %s", e->filter.text, word) : xstrdup(word);
	return set_string(e, &e->filter.text, text, err, errlen);
}

/* A list of names separated by ",", "，" or "、" into a bit mask. */
static bool parse_mask(const char *key, const char *value, int (*parse)(const char *), unsigned *mask,
		       char *err, size_t errlen)
{
	char *copy = xstrdup(value);
	/* Full-width separators become commas first (they are 3 bytes each). */
	char *p;
	while ((p = strstr(copy, "，")) || (p = strstr(copy, "、"))) {
		*p = ',';
		memmove(p + 1, p + 3, strlen(p + 3) + 1);
	}
	unsigned m = 0;
	bool okay = true;
	char *save = NULL;
	for (char *v = strtok_r(copy, ",", &save); v && okay; v = strtok_r(NULL, ",", &save)) {
		int id = parse(v);
		if (id < 0) {
			snprintf(err, errlen, _("%s: unknown value \"%s\""), key, v);
			okay = false;
		} else {
			m |= 1u << id;
		}
	}
	if (okay && !m) {
		snprintf(err, errlen, _("%s: empty value"), key);
		okay = false;
	}
	free(copy);
	if (okay)
		*mask = m;
	return okay;
}

static bool parse_due(struct duban_filter_expr *e, const char *op, const char *value, char *err, size_t errlen)
{
	duban_date d = duban_date_parse(value);
	if (d == DUBAN_DATE_NONE) {
		snprintf(err, errlen, _("due: not a date: \"%s\""), value);
		return false;
	}
	if (strcmp(op, "<") == 0)
		e->filter.due_before = d - 1;
	else if (strcmp(op, "<=") == 0)
		e->filter.due_before = d;
	else if (strcmp(op, ">") == 0)
		e->filter.due_after = d + 1;
	else if (strcmp(op, ">=") == 0)
		e->filter.due_after = d;
	else if (strcmp(op, "=") == 0)
		e->filter.due_before = e->filter.due_after = d;
	else {
		snprintf(err, errlen, "%s", _("due: use due<DATE, due<=DATE, due>DATE, due>=DATE or due=DATE"));
		return false;
	}
	return true;
}

static bool parse_term(struct duban_filter_expr *e, const char *key, const char *op, const char *value,
		       char *err, size_t errlen)
{
	struct duban_filter *f = &e->filter;
	bool neq = strcmp(op, "!=") == 0;
	if (strcmp(key, "due") == 0)
		return parse_due(e, op, value, err, errlen);
	if (strcmp(op, "=") != 0 && !(neq && (strcmp(key, "status") == 0 || strcmp(key, "light") == 0))) {
		snprintf(err, errlen, _("%s: use %s=VALUE"), key, key);
		return false;
	}
	if (!*value && strcmp(key, "overdue") != 0 && strcmp(key, "feedback-overdue") != 0
	    && strcmp(key, "linked") != 0) {
		snprintf(err, errlen, _("%s: empty value"), key);
		return false;
	}
	if (strcmp(key, "status") == 0 || strcmp(key, "light") == 0) {
		bool st = key[0] == 's';
		unsigned all = st ? (1u << DUBAN_STATUS_COUNT) - 1 : (1u << DUBAN_LIGHT_COUNT) - 1;
		unsigned m;
		if (!parse_mask(key, value, st ? duban_status_parse : duban_light_parse, &m, err, errlen))
			return false;
		*(st ? &f->status_mask : &f->light_mask) = neq ? all & ~m : m;
		return true;
	}
	if (strcmp(key, "kind") == 0) {
		f->kind = duban_kind_parse(value);
		if (f->kind < 0) {
			snprintf(err, errlen, _("kind: unknown value \"%s\" (problem, complaint)"), value);
			return false;
		}
		return true;
	}
	if (strcmp(key, "feedback-overdue") == 0) {
		if (!*value)
			value = "true";
		if (!parse_bool(value, &f->feedback_overdue)) {
			snprintf(err, errlen, _("feedback-overdue: expected true or false, not \"%s\""), value);
			return false;
		}
		return true;
	}
	if (strcmp(key, "linked") == 0) {
		if (!*value)
			value = "true";
		if (!parse_bool(value, &f->linked)) {
			snprintf(err, errlen, _("linked: expected true or false, not \"%s\""), value);
			return false;
		}
		return true;
	}
	if (strcmp(key, "site-radius") == 0) {
		char *end;
		long m = strtol(value, &end, 10);
		if (end == value || *end || m < 0 || m > 100000) {
			snprintf(err, errlen, _("site-radius: expected metres from 0 to 100000, not \"%s\""), value);
			return false;
		}
		f->site_radius = (int)m;
		return true;
	}
	if (strcmp(key, "overdue") == 0) {
		if (!*value)
			value = "true";
		if (!parse_bool(value, &f->overdue)) {
			snprintf(err, errlen, _("overdue: expected true or false, not \"%s\""), value);
			return false;
		}
		return true;
	}
	if (strcmp(key, "sort") == 0) {
		e->sort = parse_sort(value, &e->descending);
		if (e->sort < 0) {
			snprintf(err, errlen, _("sort: expected deadline, code, updated, light, county, status or progress, not \"%s\""), value);
			return false;
		}
		return true;
	}
	if (strcmp(key, "search") == 0 || strcmp(key, "text") == 0)
		return add_search(e, value, err, errlen);

	static const struct {
		const char *key;
		size_t offset;
	} strings[] = {
		{ "county", offsetof(struct duban_filter, county) },
		{ "township", offsetof(struct duban_filter, township) },
		{ "category", offsetof(struct duban_filter, category) },
		{ "unit", offsetof(struct duban_filter, unit) },
		{ "round", offsetof(struct duban_filter, round) },
		{ "site", offsetof(struct duban_filter, site) },
	};
	for (size_t i = 0; i < ARRAY_LEN(strings); i++)
		if (strcmp(key, strings[i].key) == 0)
			return set_string(e, (const char **)((char *)f + strings[i].offset), xstrdup(value), err, errlen);
	snprintf(err, errlen,
		 _("unknown filter key \"%s\" (county, township, status, light, category, unit, kind, round, "
		   "overdue, due, search, linked, site, site-radius, sort)"), key);
	return false;
}

/* Splits "key<op>value"; false for a bare word. */
static bool split_term(const char *word, char *key, size_t keylen, char *op, const char **value)
{
	size_t n = 0;
	while ((word[n] >= 'a' && word[n] <= 'z') || word[n] == '-' || word[n] == '_')
		n++;
	if (n == 0 || n >= keylen)
		return false;
	const char *p = word + n;
	static const char *const ops[] = { "!=", "<=", ">=", "=", "<", ">" };
	for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
		size_t len = strlen(ops[i]);
		if (strncmp(p, ops[i], len) == 0) {
			memcpy(key, word, n);
			key[n] = '\0';
			strcpy(op, ops[i]);
			*value = p + len;
			return true;
		}
	}
	return false;
}

bool duban_filter_expr_parse(struct duban_filter_expr *e, const char *expr, char *err, size_t errlen)
{
	const char *p = expr ? expr : "";
	bool bad = false;
	char *word;
	while ((word = next_word(&p, &bad))) {
		char key[32], op[3];
		const char *value;
		bool okay;
		if (bad) {
			snprintf(err, errlen, "%s", _("unclosed quote"));
			okay = false;
		} else if (strcmp(word, "overdue") == 0) {
			okay = parse_term(e, "overdue", "=", "", err, errlen);
		} else if (strcmp(word, "feedback-overdue") == 0) {
			okay = parse_term(e, "feedback-overdue", "=", "", err, errlen);
		} else if (strcmp(word, "linked") == 0) {
			okay = parse_term(e, "linked", "=", "", err, errlen);
		} else if (split_term(word, key, sizeof key, op, &value)) {
			char *v = duban_trim(xstrdup(value));
			okay = parse_term(e, key, op, v, err, errlen);
			free(v);
		} else {
			okay = add_search(e, word, err, errlen);
		}
		free(word);
		if (!okay)
			return false;
	}
	if (bad) {
		snprintf(err, errlen, "%s", _("unclosed quote"));
		return false;
	}
	return true;
}

static void mask_names(struct duban_buf *b, unsigned mask, int count, const char *(*name)(int))
{
	int n = 0;
	for (int i = 0; i < count; i++)
		n += (mask >> i) & 1;
	/* "every status but closed" reads better as what is left out. */
	bool invert = n > count / 2 && n < count;
	if (invert)
		duban_buf_puts(b, _("not "));
	bool first = true;
	for (int i = 0; i < count; i++) {
		if (!((mask >> i) & 1) != invert)
			continue;
		if (!first)
			duban_buf_puts(b, ",");
		duban_buf_puts(b, name(i));
		first = false;
	}
}

static const char *status_name(int i) { return duban_status_name((enum duban_status)i); }
static const char *light_name(int i) { return duban_light_name((enum duban_light)i); }

static void sep(struct duban_buf *b)
{
	if (b->len)
		duban_buf_puts(b, " · ");
}

char *duban_filter_summary(const struct duban_filter *f)
{
	struct duban_buf b;
	duban_buf_init(&b);
	if (!f)
		return duban_buf_steal(&b);
	if (f->kind >= 0)
		duban_buf_puts(&b, duban_kind_name((enum duban_kind)f->kind));
	const char *place[] = { f->county, f->township };
	for (size_t i = 0; i < ARRAY_LEN(place); i++) {
		if (place[i] && *place[i]) {
			sep(&b);
			duban_buf_puts(&b, place[i]);
		}
	}
	if (f->status_mask) {
		sep(&b);
		mask_names(&b, f->status_mask, DUBAN_STATUS_COUNT, status_name);
	}
	if (f->light_mask) {
		sep(&b);
		mask_names(&b, f->light_mask, DUBAN_LIGHT_COUNT, light_name);
	}
	const char *more[] = { f->category, f->unit, f->round };
	for (size_t i = 0; i < ARRAY_LEN(more); i++) {
		if (more[i] && *more[i]) {
			sep(&b);
			duban_buf_puts(&b, more[i]);
		}
	}
	if (f->overdue) {
		sep(&b);
		duban_buf_puts(&b, _("overdue"));
	}
	if (f->feedback_overdue) {
		sep(&b);
		duban_buf_puts(&b, _("feedback overdue"));
	}
	char d1[11], d2[11];
	if (f->due_after != DUBAN_DATE_NONE && f->due_before != DUBAN_DATE_NONE) {
		sep(&b);
		duban_buf_printf(&b, _("due %s–%s"), duban_date_format(f->due_after, d1),
				 duban_date_format(f->due_before, d2));
	} else if (f->due_before != DUBAN_DATE_NONE) {
		sep(&b);
		duban_buf_printf(&b, _("due by %s"), duban_date_format(f->due_before, d1));
	} else if (f->due_after != DUBAN_DATE_NONE) {
		sep(&b);
		duban_buf_printf(&b, _("due from %s"), duban_date_format(f->due_after, d1));
	}
	if (f->text && *f->text) {
		sep(&b);
		duban_buf_printf(&b, f->linked ? _("“%s” and linked items") : "“%s”", f->text);
	} else if (f->linked) {
		sep(&b);
		duban_buf_puts(&b, _("searches add linked items"));
	}
	if (f->site && *f->site) {
		sep(&b);
		duban_buf_printf(&b, _("site of %s"), f->site);
	}
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- writing filters */

/* A value as next_word reads it back: quoted when it holds a space, a quote
 * or a backslash, or is empty. */
static void put_value(struct duban_buf *b, const char *v)
{
	if (*v && !strpbrk(v, " \t\"\\")) {
		duban_buf_puts(b, v);
		return;
	}
	duban_buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			duban_buf_putc(b, '\\');
		duban_buf_putc(b, *v);
	}
	duban_buf_putc(b, '"');
}

static void put_term(struct duban_buf *b, const char *key, const char *value)
{
	if (b->len)
		duban_buf_putc(b, ' ');
	duban_buf_puts(b, key);
	if (value)
		put_value(b, value);
}

/* key=a,b or, when most are in, key!=what is left out ("status!=closed"). */
static void put_mask(struct duban_buf *b, const char *key, unsigned mask, int count, const char *(*id)(int))
{
	struct duban_buf ids, name;
	int n = 0;
	for (int i = 0; i < count; i++)
		n += (mask >> i) & 1;
	bool invert = n > count / 2 && n < count;
	if (invert)
		mask = ~mask & ((1u << count) - 1);
	duban_buf_init(&ids);
	duban_buf_init(&name);
	for (int i = 0; i < count; i++)
		if (mask & (1u << i))
			duban_buf_printf(&ids, "%s%s", ids.len ? "," : "", id(i));
	duban_buf_printf(&name, "%s%s", key, invert ? "!=" : "=");
	put_term(b, name.data, ids.data ? ids.data : "");
	duban_buf_free(&ids);
	duban_buf_free(&name);
}

static const char *status_id_of(int i) { return duban_status_id((enum duban_status)i); }
static const char *light_id_of(int i) { return duban_light_id((enum duban_light)i); }

char *duban_filter_expr_format(const struct duban_filter *f, int sort, bool descending)
{
	struct duban_buf b;
	char d[16];
	duban_buf_init(&b);
	const struct {
		const char *key, *value;
	} strings[] = {
		{ "county=", f->county }, { "township=", f->township }, { "category=", f->category },
		{ "unit=", f->unit }, { "round=", f->round },
	};
	for (size_t i = 0; i < ARRAY_LEN(strings); i++)
		if (strings[i].value && *strings[i].value)
			put_term(&b, strings[i].key, strings[i].value);
	if (f->status_mask)
		put_mask(&b, "status", f->status_mask, DUBAN_STATUS_COUNT, status_id_of);
	if (f->light_mask)
		put_mask(&b, "light", f->light_mask, DUBAN_LIGHT_COUNT, light_id_of);
	if (f->kind >= 0)
		put_term(&b, "kind=", duban_kind_id((enum duban_kind)f->kind));
	if (f->overdue)
		put_term(&b, "overdue", NULL);
	if (f->feedback_overdue)
		put_term(&b, "feedback-overdue", NULL);
	if (f->due_after != DUBAN_DATE_NONE)
		put_term(&b, "due>=", duban_date_format(f->due_after, d));
	if (f->due_before != DUBAN_DATE_NONE)
		put_term(&b, "due<=", duban_date_format(f->due_before, d));
	if (f->text && *f->text)
		put_term(&b, "search=", f->text);
	if (f->linked)
		put_term(&b, "linked", NULL);
	if (f->site && *f->site)
		put_term(&b, "site=", f->site);
	if (f->site_radius != DUBAN_SITE_RADIUS) {
		snprintf(d, sizeof d, "%d", f->site_radius);
		put_term(&b, "site-radius=", d);
	}
	if (sort >= 0 && sort < DUBAN_SORT_COUNT) {
		char *s = xasprintf("%s%s", duban_sort_id((enum duban_sort)sort), descending ? "-" : "");
		put_term(&b, "sort=", s);
		free(s);
	}
	return duban_buf_steal(&b);
}

/* Whether a config line is `filter NAME …`. */
static bool is_filter_line(const char *line, const char *name)
{
	const char *p = skip_space(line);
	if (strncmp(p, "filter", 6) != 0 || !is_space(p[6]))
		return false;
	p += 6;
	bool bad = false;
	char *word = next_word(&p, &bad);
	bool same = word && !bad && strcmp(word, name) == 0;
	free(word);
	return same;
}

bool duban_config_set_filter(const char *path, const char *name, const char *expr, char *err, size_t errlen)
{
	char *own = path ? NULL : duban_config_path();
	const char *file = path ? path : own;
	size_t len = 0;
	char *old = duban_read_file(file, &len);
	if (!old && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		free(own);
		return false;
	}
	struct duban_buf out;
	duban_buf_init(&out);
	/* Every line but this filter's, in order; then its new line. */
	for (char *line = old, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		size_t n = next ? (size_t)(next - line) : strlen(line);
		next = next ? next + 1 : line + n;
		char *copy = xstrndup(line, n);
		if (!is_filter_line(copy, name)) {
			duban_buf_add(&out, line, n);
			duban_buf_putc(&out, '\n');
		}
		free(copy);
	}
	if (expr) {
		duban_buf_puts(&out, "filter ");
		put_value(&out, name);
		duban_buf_printf(&out, " %s\n", expr);
	}
	bool okay = duban_mkdir_parent(file) == 0 &&
		    duban_write_file_atomic(file, out.data ? out.data : "", out.len, 0600) == 0;
	if (!okay)
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
	duban_buf_free(&out);
	free(old);
	free(own);
	return okay;
}
