/* The supervision ladder: parsing the `ladder` option, where each overdue
 * item stands on it, and the letters its steps send, rendered from template
 * files the office edits.  Letters are Chinese documents whatever the
 * interface's language: enums go in by their Chinese names. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/feedback.h"
#include "duban/html.h"
#include "duban/ladder.h"
#include "duban/model.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- the ladder */

void duban_ladder_default(struct duban_ladder *out)
{
	char err[256];
	if (!duban_ladder_parse(DUBAN_LADDER_DEFAULT, out, err, sizeof err))
		abort(); /* the compiled-in default must parse */
}

int duban_ladder_find(const struct duban_ladder *l, enum duban_action_kind kind)
{
	for (int i = 0; i < l->n; i++)
		if (l->steps[i].kind == kind)
			return i;
	return -1;
}

/* One "KIND:DAYS" word (the full-width colon too: typed with a Chinese IME). */
static bool parse_step(const char *word, struct duban_ladder_step *step, char *err, size_t errlen)
{
	const char *colon = strrchr(word, ':');
	size_t seplen = 1;
	const char *wide = strstr(word, "：");
	if (wide && (!colon || wide > colon)) {
		colon = wide;
		seplen = strlen("：");
	}
	if (!colon) {
		snprintf(err, errlen, _("ladder: \"%s\" is not KIND:DAYS (e.g. 提醒函:1)"), word);
		return false;
	}
	char *name = xstrndup(word, (size_t)(colon - word));
	int kind = duban_action_kind_parse(name);
	if (kind < 0) {
		snprintf(err, errlen, _("ladder: unknown step \"%s\" (提醒函 reminder, 督办通知 notice, "
					"通报 circular, 约谈 summons, 问责 accountability)"), name);
		free(name);
		return false;
	}
	free(name);
	const char *num = colon + seplen;
	char *end;
	errno = 0;
	long days = strtol(num, &end, 10);
	if (!*num || *end || errno || days < 1 || days > 3650) {
		snprintf(err, errlen, _("ladder: \"%s\": the days after the deadline must be a number from 1 to 3650"),
			 word);
		return false;
	}
	step->kind = (enum duban_action_kind)kind;
	step->day = (int)days;
	return true;
}

/* Length of the separator at s (space, tab, comma, 、 ，, full-width
 * space), 0 when none. */
static size_t separator(const char *s)
{
	static const char *const seps[] = { " ", "\t", ",", "，", "、", "\u3000" };
	for (size_t i = 0; i < ARRAY_LEN(seps); i++)
		if (strncmp(s, seps[i], strlen(seps[i])) == 0)
			return strlen(seps[i]);
	return 0;
}

/* The next word of *cursor (NUL-terminated in place) or NULL. */
static char *next_word(char **cursor)
{
	char *s = *cursor;
	size_t n;
	while ((n = separator(s)) > 0)
		s += n;
	if (!*s)
		return NULL;
	char *w = s;
	while (*s && !separator(s))
		s++;
	if (*s) {
		n = separator(s);
		*s = '\0';
		s += n;
	}
	*cursor = s;
	return w;
}

bool duban_ladder_parse(const char *text, struct duban_ladder *out, char *err, size_t errlen)
{
	struct duban_ladder l = { .n = 0 };
	char *copy = xstrdup(text ? text : "");
	char *cursor = copy;
	bool okay = true;
	for (char *w = next_word(&cursor); w && okay; w = next_word(&cursor)) {
		struct duban_ladder_step step;
		if (!(okay = parse_step(w, &step, err, errlen)))
			break;
		if (duban_ladder_find(&l, step.kind) >= 0) {
			snprintf(err, errlen, _("ladder: %s appears twice"), duban_action_kind_zh(step.kind));
			okay = false;
		} else if (l.n > 0 && step.day <= l.steps[l.n - 1].day) {
			snprintf(err, errlen, _("ladder: %s on day %d must come after %s on day %d "
						"(days strictly increasing)"), duban_action_kind_zh(step.kind), step.day,
				 duban_action_kind_zh(l.steps[l.n - 1].kind), l.steps[l.n - 1].day);
			okay = false;
		} else {
			l.steps[l.n++] = step;
		}
	}
	free(copy);
	if (okay && l.n == 0) {
		snprintf(err, errlen, "%s", _("ladder: no steps (e.g. \"提醒函:1 督办通知:7 通报:15 约谈:30\")"));
		okay = false;
	}
	if (okay)
		*out = l;
	return okay;
}

char *duban_ladder_format(const struct duban_ladder *l)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < l->n; i++)
		duban_buf_printf(&b, "%s%s:%d", i ? " " : "", duban_action_kind_zh(l->steps[i].kind), l->steps[i].day);
	return duban_buf_steal(&b);
}

void duban_ladder_eval(const struct duban_ladder *l, duban_date deadline, duban_date today,
		       const enum duban_action_kind *kinds, const duban_date *dates, int nactions,
		       struct duban_ladder_state *out)
{
	memset(out, 0, sizeof *out);
	out->next = out->last = -1;
	out->next_since = DUBAN_DATE_NONE;
	for (int i = 0; i < DUBAN_LADDER_MAX; i++)
		out->taken_on[i] = DUBAN_DATE_NONE;
	if (deadline == DUBAN_DATE_NONE || today == DUBAN_DATE_NONE)
		return;
	out->days = today > deadline ? today - deadline : 0;
	while (out->reached < l->n && l->steps[out->reached].day <= out->days)
		out->reached++;
	/* A letter sent before the deadline was a different matter: only
	 * those from the deadline on answer the lateness. */
	for (int a = 0; a < nactions; a++) {
		int i = duban_ladder_find(l, kinds[a]);
		if (i < 0 || dates[a] == DUBAN_DATE_NONE || dates[a] < deadline)
			continue;
		out->taken[i] = true;
		if (out->taken_on[i] == DUBAN_DATE_NONE || dates[a] > out->taken_on[i])
			out->taken_on[i] = dates[a];
	}
	for (int i = 0; i < l->n; i++)
		if (out->taken[i])
			out->last = i;
	/* The ladder is climbed a step at a time: once a step was taken the
	 * ones below it that were skipped are no longer due. */
	for (int i = out->last + 1; i < out->reached; i++) {
		if (!out->taken[i]) {
			out->next = i;
			out->next_since = deadline + l->steps[i].day;
			break;
		}
	}
}

/* ---------------------------------------------------------------- overdue list */

struct collect {
	struct duban_overdue *v;
	int n, cap;
	duban_date today;
};

static int collect_item(const struct duban_item *item, void *ctx)
{
	struct collect *c = ctx;
	if (!duban_item_overdue(item, c->today))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
	}
	struct duban_overdue *o = &c->v[c->n++];
	memset(o, 0, sizeof *o);
	duban_item_copy(&o->item, item); /* a deep copy over the zeroed entry */
	return 0;
}

struct actions {
	enum duban_action_kind *kinds;
	duban_date *dates;
	int n, cap;
};

static int collect_action(const struct duban_history_entry *e, void *ctx)
{
	struct actions *a = ctx;
	if (!e->action)
		return 0;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->kinds = xrealloc(a->kinds, (size_t)a->cap * sizeof *a->kinds);
		a->dates = xrealloc(a->dates, (size_t)a->cap * sizeof *a->dates);
	}
	a->kinds[a->n] = e->action->kind;
	a->dates[a->n++] = e->action->date;
	return 0;
}

static int by_days_then_code(const void *pa, const void *pb)
{
	const struct duban_overdue *a = pa, *b = pb;
	if (a->state.days != b->state.days)
		return a->state.days > b->state.days ? -1 : 1;
	return strcmp(a->item.code, b->item.code);
}

void duban_overdue_free(struct duban_overdue *v, int n)
{
	for (int i = 0; i < n; i++) {
		duban_item_free(&v[i].item);
		free(v[i].latest_note);
	}
	free(v);
}

bool duban_item_overdue(const struct duban_item *item, duban_date today)
{
	bool open = item->status == DUBAN_STATUS_NOT_STARTED || item->status == DUBAN_STATUS_IN_PROGRESS ||
		    item->status == DUBAN_STATUS_REQUESTED;
	return open && item->deadline != DUBAN_DATE_NONE && item->deadline < today &&
	       item->deadline_kind != DUBAN_DEADLINE_ONGOING;
}

void duban_overdue_entry_free(struct duban_overdue *o)
{
	duban_item_free(&o->item);
	free(o->latest_note);
	o->latest_note = NULL;
}

enum duban_err duban_overdue_of(duban_store *st, const struct duban_item *item, const struct duban_ladder *l,
				duban_date today, struct duban_overdue *out,
				bool taken_kinds[DUBAN_ACTION_KIND_COUNT])
{
	memset(out, 0, sizeof *out);
	duban_item_copy(&out->item, item);
	struct actions a = { 0 };
	enum duban_err err = duban_history_each(st, item->id, collect_action, &a);
	duban_ladder_eval(l, item->deadline, today, a.kinds, a.dates, a.n, &out->state);
	for (int k = 0; k < DUBAN_ACTION_KIND_COUNT; k++)
		taken_kinds[k] = false;
	for (int i = 0; i < a.n; i++)
		if (item->deadline != DUBAN_DATE_NONE && a.dates[i] != DUBAN_DATE_NONE && a.dates[i] >= item->deadline &&
		    (unsigned)a.kinds[i] < DUBAN_ACTION_KIND_COUNT)
			taken_kinds[a.kinds[i]] = true;
	free(a.kinds);
	free(a.dates);
	char *note = err == DUBAN_OK ? duban_latest_note(st, item->id) : NULL;
	out->latest_note = note ? note : xstrdup("");
	return err;
}

void duban_feedback_step_eval(const struct duban_ladder *l, duban_date feedback_due, duban_date today,
			      const enum duban_action_kind *kinds, const duban_date *dates, int nactions,
			      struct duban_feedback_step *out)
{
	memset(out, 0, sizeof *out);
	out->kind = l->n > 0 ? l->steps[0].kind : DUBAN_ACTION_REMINDER;
	out->since = out->taken_on = DUBAN_DATE_NONE;
	if (feedback_due == DUBAN_DATE_NONE || today == DUBAN_DATE_NONE || today <= feedback_due)
		return;
	out->overdue = true;
	out->days = today - feedback_due;
	out->since = feedback_due + 1;
	/* Only a letter of the step's kind sent after the due date chases the
	 * missing feedback. */
	for (int a = 0; a < nactions; a++)
		if (kinds[a] == out->kind && dates[a] != DUBAN_DATE_NONE && dates[a] >= out->since
		    && (out->taken_on == DUBAN_DATE_NONE || dates[a] > out->taken_on))
			out->taken_on = dates[a];
	out->due = out->taken_on == DUBAN_DATE_NONE;
}

enum duban_err duban_feedback_step_of(duban_store *st, const struct duban_item *item, const struct duban_ladder *l,
				      duban_date today, struct duban_feedback_step *out)
{
	struct actions a = { 0 };
	duban_date due = duban_item_feedback_due(item, duban_store_feedback_rules(st));
	enum duban_err err = due == DUBAN_DATE_NONE ? DUBAN_OK : duban_history_each(st, item->id, collect_action, &a);
	duban_feedback_step_eval(l, due, today, a.kinds, a.dates, a.n, out);
	free(a.kinds);
	free(a.dates);
	return err;
}

/* filter (or none) narrowed to overdue items. */
static struct duban_filter overdue_filter(const struct duban_filter *filter)
{
	struct duban_filter f;
	if (filter)
		f = *filter;
	else
		duban_filter_init(&f);
	f.overdue = true;
	return f;
}

enum duban_err duban_overdue_list(duban_store *st, const struct duban_filter *filter,
				  const struct duban_ladder *l, duban_date today, bool due_only,
				  struct duban_overdue **out, int *n)
{
	struct duban_filter f = overdue_filter(filter);
	struct collect c = { .today = today };
	*out = NULL;
	*n = 0;
	enum duban_err err = duban_query_each(st, &f, DUBAN_SORT_DEADLINE, collect_item, &c);
	int kept = 0, i = 0;
	for (; i < c.n && err == DUBAN_OK; i++) {
		struct duban_overdue *o = &c.v[i];
		struct actions a = { 0 };
		err = duban_history_each(st, o->item.id, collect_action, &a);
		duban_ladder_eval(l, o->item.deadline, today, a.kinds, a.dates, a.n, &o->state);
		free(a.kinds);
		free(a.dates);
		if (err != DUBAN_OK)
			break; /* i stays on the entry that failed */
		if (due_only && o->state.next < 0) {
			duban_item_free(&o->item);
			continue;
		}
		char *note = duban_latest_note(st, o->item.id);
		o->latest_note = note ? note : xstrdup("");
		if (kept != i)
			c.v[kept] = *o;
		kept++;
	}
	if (err != DUBAN_OK) {
		/* Entries from i on were never looked at: only their items. */
		for (int j = i; j < c.n; j++)
			duban_item_free(&c.v[j].item);
		duban_overdue_free(c.v, kept);
		return err;
	}
	if (kept > 1) /* qsort of a NULL array is undefined even with no element */
		qsort(c.v, (size_t)kept, sizeof *c.v, by_days_then_code);
	*out = c.v;
	*n = kept;
	return DUBAN_OK;
}

/* The window's reading: every row read moves the cursor, overdue or not. */
struct window_read {
	struct collect c;
	struct duban_overdue_cursor *cur;
	int rows;
};

static int read_window_item(const struct duban_item *item, void *ctx)
{
	struct window_read *w = ctx;
	w->rows++;
	w->cur->deadline = item->deadline;
	free(w->cur->code);
	w->cur->code = xstrdup(item->code);
	return collect_item(item, &w->c);
}

enum duban_err duban_overdue_window(duban_store *st, const struct duban_filter *filter,
				    const struct duban_ladder *l, duban_date today,
				    struct duban_overdue_cursor *cur, int n, struct duban_overdue **v, int *count,
				    int *cap)
{
	struct duban_filter f = overdue_filter(filter);
	if (cur->done)
		return DUBAN_OK;
	struct duban_overdue_cursor was = { cur->deadline, cur->code ? xstrdup(cur->code) : NULL, false };
	struct window_read w = { .c = { .v = *v, .n = *count, .cap = *cap, .today = today }, .cur = cur };
	enum duban_err err = duban_query_each_by_due_code(st, &f, cur->deadline, cur->code, n, read_window_item, &w);
	int i = *count;
	for (; i < w.c.n && err == DUBAN_OK; i++) {
		struct duban_overdue *o = &w.c.v[i];
		struct actions a = { 0 };
		err = duban_history_each(st, o->item.id, collect_action, &a);
		duban_ladder_eval(l, o->item.deadline, today, a.kinds, a.dates, a.n, &o->state);
		free(a.kinds);
		free(a.dates);
		char *note = err == DUBAN_OK ? duban_latest_note(st, o->item.id) : NULL;
		o->latest_note = note ? note : xstrdup("");
	}
	for (int j = i; j < w.c.n; j++) /* never looked at: drop them, read again next time */
		duban_item_free(&w.c.v[j].item);
	if (err != DUBAN_OK) {
		for (int k = *count; k < i; k++)
			duban_overdue_entry_free(&w.c.v[k]);
		w.c.n = *count;
		duban_overdue_cursor_free(cur);
		*cur = was; /* the same window again next time */
	} else {
		cur->done = w.rows < n;
		free(was.code);
	}
	*v = w.c.v;
	*count = w.c.n;
	*cap = w.c.cap;
	return err;
}

void duban_overdue_cursor_free(struct duban_overdue_cursor *cur)
{
	free(cur->code);
	memset(cur, 0, sizeof *cur);
}

/* ---------------------------------------------------------------- templates */

static const char *const template_names[DUBAN_ACTION_KIND_COUNT] = {
	[DUBAN_ACTION_REMINDER] = "reminder.txt",
	[DUBAN_ACTION_NOTICE] = "notice.txt",
	[DUBAN_ACTION_CIRCULAR] = "circular.txt",
	[DUBAN_ACTION_SUMMONS] = "summons.txt",
	[DUBAN_ACTION_ACCOUNTABILITY] = "accountability.txt",
};

const char *duban_template_name(enum duban_action_kind kind)
{
	return (unsigned)kind < ARRAY_LEN(template_names) ? template_names[kind] : "";
}

char *duban_template_path(const char *name)
{
	if (!name || !*name || strchr(name, '/'))
		return NULL;
	return duban_data_file("templates", "DUBAN_TEMPLATEDIR", "contrib/templates", name);
}

/* A field's value in a letter: enums by Chinese name, booleans 是/否. */
static char *field_value(const struct duban_field *f, const struct duban_item *item)
{
	const char *p = (const char *)item + f->offset;
	switch (f->type) {
	case DUBAN_FT_KIND: return xstrdup(duban_kind_zh(*(const enum duban_kind *)(const void *)p));
	case DUBAN_FT_STATUS: return xstrdup(duban_status_zh(*(const enum duban_status *)(const void *)p));
	case DUBAN_FT_DEADLINE_KIND:
		return xstrdup(duban_deadline_kind_zh(*(const enum duban_deadline_kind *)(const void *)p));
	case DUBAN_FT_SCOPE: return xstrdup(duban_scope_zh(*(const enum duban_scope *)(const void *)p));
	case DUBAN_FT_VERDICT: return xstrdup(duban_verdict_zh(*(const enum duban_verdict *)(const void *)p));
	case DUBAN_FT_BOOL: return xstrdup(*(const bool *)(const void *)p ? "是" : "否");
	default: return duban_field_format(f, item);
	}
}

struct extra {
	const char *name, *value; /* value already in the output's form */
};

static char *date_value(duban_date d, bool zh)
{
	char buf[32];
	if (zh)
		duban_date_zh(d, buf);
	else
		duban_date_format(d, buf);
	return xstrdup(buf);
}

/* The value of a placeholder, malloc'd; NULL when the name is unknown. */
static char *lookup(const char *name, const struct duban_letter_ctx *c)
{
	const struct duban_item *it = c->item;
	static const char *const steps[] = { "today", "today_zh", "date", "date_zh", "reply_by", "reply_by_zh",
					     "deadline_zh", "start_zh" };
	const duban_date when[] = { c->today, c->today, c->date, c->date, c->reply_by, c->reply_by,
				    it->deadline, it->start };
	for (size_t i = 0; i < ARRAY_LEN(steps); i++)
		if (strcmp(name, steps[i]) == 0)
			return date_value(when[i], strstr(name, "_zh") != NULL);
	if (strcmp(name, "days_overdue") == 0)
		return xasprintf("%d", c->days_overdue);
	if (strcmp(name, "step") == 0)
		return xstrdup(duban_action_kind_zh(c->step));
	if (strcmp(name, "latest_note") == 0)
		return xstrdup(c->latest_note ? c->latest_note : "");
	for (size_t i = 0; i < duban_field_count; i++)
		if (strcmp(name, duban_fields[i].name) == 0)
			return field_value(&duban_fields[i], it);
	return NULL;
}

static void put_value(struct duban_buf *b, const char *v, bool html)
{
	char *clean = duban_sanitize(v, true);
	if (!html) {
		duban_buf_puts(b, clean);
		free(clean);
		return;
	}
	for (const char *s = clean; *s; s++) {
		switch (*s) {
		case '&': duban_buf_puts(b, "&amp;"); break;
		case '<': duban_buf_puts(b, "&lt;"); break;
		case '>': duban_buf_puts(b, "&gt;"); break;
		case '"': duban_buf_puts(b, "&quot;"); break;
		case '\'': duban_buf_puts(b, "&#39;"); break;
		default: duban_buf_putc(b, *s);
		}
	}
	free(clean);
}

/* One line's placeholders; false with a message. */
static bool render_line(struct duban_buf *b, const char *line, size_t len, const char *file, int lineno,
			const struct duban_letter_ctx *c, bool html, const struct extra *extras, int nextras,
			char *err, size_t errlen)
{
	const char *end = line + len;
	const char *p = line;
	while (p < end) {
		const char *open = NULL;
		for (const char *q = p; q + 1 < end; q++)
			if (q[0] == '{' && q[1] == '{') {
				open = q;
				break;
			}
		if (!open) {
			duban_buf_add(b, p, (size_t)(end - p));
			return true;
		}
		duban_buf_add(b, p, (size_t)(open - p));
		const char *close = NULL;
		for (const char *q = open + 2; q + 1 < end; q++)
			if (q[0] == '}' && q[1] == '}') {
				close = q;
				break;
			}
		if (!close) {
			snprintf(err, errlen, _("%s:%d: \"{{\" without its closing \"}}\""), file, lineno);
			return false;
		}
		char *name = xstrndup(open + 2, (size_t)(close - open - 2));
		duban_trim(name);
		const char *extra = NULL;
		for (int i = 0; i < nextras && !extra; i++)
			if (strcmp(name, extras[i].name) == 0)
				extra = extras[i].value;
		char *value = extra ? NULL : lookup(name, c);
		if (!extra && !value) {
			snprintf(err, errlen, _("%s:%d: unknown placeholder {{%s}} (the names are in dubanrc(5))"),
				 file, lineno, name);
			free(name);
			return false;
		}
		if (extra)
			duban_buf_puts(b, extra);
		else
			put_value(b, value, html);
		free(value);
		free(name);
		p = close + 2;
	}
	return true;
}

static char *render(const char *tmpl, const char *file, const struct duban_letter_ctx *c, bool html,
		    const struct extra *extras, int nextras, char *err, size_t errlen)
{
	struct duban_buf b;
	duban_buf_init(&b);
	bool top = true;
	int lineno = 0;
	for (const char *p = tmpl; *p;) {
		size_t len = strcspn(p, "\n");
		lineno++;
		size_t text_len = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
		/* Notes for the office at the top, not part of the letter. */
		if (top && p[0] == '#') {
			p += len + (p[len] ? 1 : 0);
			continue;
		}
		top = false;
		if (!render_line(&b, p, text_len, file, lineno, c, html, extras, nextras, err, errlen)) {
			duban_buf_free(&b);
			return NULL;
		}
		duban_buf_putc(&b, '\n');
		p += len + (p[len] ? 1 : 0);
	}
	return duban_buf_steal(&b);
}

char *duban_template_render(const char *tmpl, const char *file, const struct duban_letter_ctx *c,
			    bool html, char *err, size_t errlen)
{
	return render(tmpl, file, c, html, NULL, 0, err, errlen);
}

/* ---------------------------------------------------------------- letters */

void duban_letter_free(struct duban_letter *l)
{
	free(l->text);
	free(l->title);
	free(l->action_text);
	memset(l, 0, sizeof *l);
}

/* The lines of text, trimmed, empty ones dropped.  Malloc'd array of
 * malloc'd lines, NULL-terminated. */
static char **paragraphs(const char *text)
{
	size_t n = 0, cap = 8;
	char **v = xcalloc(cap, sizeof *v);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		if (*duban_trim(line)) {
			if (n + 2 > cap)
				v = xrealloc(v, (cap *= 2) * sizeof *v);
			v[n++] = line;
			v[n] = NULL;
		} else {
			free(line);
		}
		p += len + (p[len] ? 1 : 0);
	}
	return v;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

static bool salutation(const char *line)
{
	return ends_with(line, "：") || ends_with(line, ":");
}

/* Finds and reads the template called name; its contents, and its path in
 * *path, both malloc'd; NULL with a message. */
static char *read_template(const char *name, char **path, char *err, size_t errlen)
{
	*path = duban_template_path(name);
	if (!*path) {
		snprintf(err, errlen, _("no template %s: put one in ~/.config/duban/templates or set DUBAN_TEMPLATEDIR"),
			 name);
		return NULL;
	}
	size_t len = 0;
	char *tmpl = duban_read_file(*path, &len);
	if (!tmpl) {
		snprintf(err, errlen, _("cannot read the template %s: %s"), *path, strerror(errno));
		free(*path);
		*path = NULL;
	} else if (memchr(tmpl, '\0', len)) {
		/* The letter would end there, silently. */
		snprintf(err, errlen, _("the template %s holds a NUL byte"), *path);
		free(tmpl);
		tmpl = NULL;
		free(*path);
		*path = NULL;
	}
	return tmpl;
}

bool duban_letter_make(const struct duban_letter_ctx *c, struct duban_letter *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char *path;
	char *tmpl = read_template(duban_template_name(c->step), &path, err, errlen);
	if (!tmpl)
		return false;
	char *text = render(tmpl, path, c, false, NULL, 0, err, errlen);
	free(tmpl);
	if (!text) {
		free(path);
		return false;
	}
	char **paras = paragraphs(text);
	if (!paras[0]) {
		snprintf(err, errlen, _("%s: the letter is empty: its first line is the title"), path);
		duban_lines_free(paras);
		free(text);
		free(path);
		return false;
	}
	free(path);
	/* The record says what was sent: the title and the first real
	 * paragraph (the one after the addressee's line). */
	const char *summary = NULL;
	for (int i = 1; paras[i] && !summary; i++)
		if (!salutation(paras[i]))
			summary = paras[i];
	out->title = xstrdup(paras[0]);
	out->action_text = summary ? xasprintf("%s\n%s", paras[0], summary) : xstrdup(paras[0]);
	/* The letter starts with its title, whatever blank lines preceded it. */
	const char *start = text;
	while (*start == '\n' || *start == ' ' || *start == '\t' || *start == '\r')
		start++;
	out->text = xstrdup(start);
	free(text);
	duban_lines_free(paras);
	return true;
}

static const char letter_css[] =
	".letter { font-size: 15pt; line-height: 1.8; }\n"
	".letter h1 { font-size: 20pt; margin: 0.8em 0 1.2em; }\n"
	".letter p.to { text-indent: 0; }\n"
	".letter p.sign { text-align: right; text-indent: 0; }\n";

/* A line the text letter indents (two spaces or a full-width space) is a
 * signature or date: right-aligned on paper. */
static bool indented(const char *line)
{
	return strncmp(line, "  ", 2) == 0 || strncmp(line, "\u3000", 3) == 0 || line[0] == '\t';
}

static char *body_html(const char *text)
{
	struct duban_buf b;
	duban_buf_init(&b);
	bool title_seen = false;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		bool sign = indented(line);
		const char *t = duban_trim(line);
		if (*t && !title_seen) {
			title_seen = true; /* the title goes in {{letter_title}} */
		} else if (*t) {
			const char *cls = sign ? " class=\"sign\"" : salutation(t) ? " class=\"to\"" : "";
			duban_buf_printf(&b, "<p%s>", cls);
			put_value(&b, t, true);
			duban_buf_puts(&b, "</p>\n");
		}
		free(line);
		p += len + (p[len] ? 1 : 0);
	}
	return duban_buf_steal(&b);
}

char *duban_letter_html(const struct duban_letter_ctx *c, const struct duban_letter *l, char *err, size_t errlen)
{
	char *path;
	char *tmpl = read_template("letter.html", &path, err, errlen);
	if (!tmpl)
		return NULL;
	struct duban_buf title;
	duban_buf_init(&title);
	put_value(&title, l->title, true);
	char *body = body_html(l->text);
	const struct extra extras[] = { { "letter_title", title.data ? title.data : "" }, { "letter_body", body } };
	char *inner = render(tmpl, path, c, true, extras, (int)ARRAY_LEN(extras), err, errlen);
	free(tmpl);
	free(path);
	free(body);
	duban_buf_free(&title);
	if (!inner)
		return NULL;
	char *page = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&page, &size);
	if (!out) {
		free(inner);
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	duban_html_begin(out, l->title, letter_css);
	fputs(inner, out);
	duban_html_end(out);
	fclose(out);
	free(inner);
	return page;
}

enum duban_err duban_ladder_record(duban_store *st, const struct duban_letter_ctx *c,
				   const struct duban_letter *l, struct duban_action *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->item_id, c->item->id, sizeof out->item_id);
	out->kind = c->step;
	out->date = c->date;
	out->due = c->reply_by;
	out->text = xstrdup(l->action_text);
	out->author = xstrdup("");
	return duban_action_add(st, out);
}

char *duban_letter_for_file(const struct duban_letter_ctx *c, const struct duban_letter *l, const char *path,
			    char *err, size_t errlen)
{
	const char *ext = duban_path_ext(path);
	if (ext && (strcmp(ext, ".html") == 0 || strcmp(ext, ".htm") == 0))
		return duban_letter_html(c, l, err, errlen);
	return xstrdup(l->text);
}
