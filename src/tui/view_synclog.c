/* The sync log: the last syncs newest first, one line each, with the
 * selected one in full below (its error message wrapped). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/store.h"
#include "duban/sync.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#define LOG_ENTRIES 50

struct synclog {
	struct duban_sync_report *r;
	int n;
	int cur, top, page;
};

static void load(struct tui *t, struct synclog *v)
{
	free(v->r);
	v->r = NULL;
	v->n = 0;
	if (duban_sync_log_read(t->st, LOG_ENTRIES, &v->r, &v->n) != DUBAN_OK) {
		tui_message(t, true, "%s", duban_store_errmsg(t->st));
		free(v->r);
		v->r = NULL;
		v->n = 0;
	}
	if (v->cur >= v->n)
		v->cur = v->n - 1;
	if (v->cur < 0)
		v->cur = 0;
}

static const char *result_word(const struct duban_sync_report *r)
{
	switch (r->error.kind) {
	case DUBAN_REMOTE_OK: return r->phase == DUBAN_SYNC_DONE || r->phase == DUBAN_SYNC_IDLE ? _("ok") : _("cut short");
	case DUBAN_REMOTE_OFFLINE: return _("offline");
	case DUBAN_REMOTE_TLS: return _("certificate");
	case DUBAN_REMOTE_AUTH: return _("login");
	case DUBAN_REMOTE_FORBIDDEN: return _("forbidden");
	case DUBAN_REMOTE_NOT_FOUND: return _("not found");
	case DUBAN_REMOTE_TOO_LARGE: return _("too large");
	case DUBAN_REMOTE_RATE_LIMITED: return _("busy");
	case DUBAN_REMOTE_SERVER: return _("server error");
	case DUBAN_REMOTE_PROTOCOL: return _("protocol");
	default: return _("local error");
	}
}

/* 1234567 -> "1.2 MB"; bytes as people read them. */
static void bytes_text(long long n, char buf[32])
{
	if (n < 1000)
		snprintf(buf, 32, "%lld B", n);
	else if (n < 1000 * 1000)
		snprintf(buf, 32, "%.1f kB", (double)n / 1e3);
	else if (n < 1000LL * 1000 * 1000)
		snprintf(buf, 32, "%.1f MB", (double)n / 1e6);
	else
		snprintf(buf, 32, "%.1f GB", (double)n / 1e9);
}

enum col { C_TIME, C_RESULT, C_PUSHED, C_APPLIED, C_CONFLICTS, C_REJECTED, C_PULLED, C_PAGES, C_BYTES, C_COUNT };

static const char *const col_titles[C_COUNT] = {
	N_("Time"), N_("Result"), N_("Sent"), N_("Applied"), N_("Conflicts"), N_("Rejected"),
	N_("Received"), N_("Pages"), N_("Bytes ↑/↓"),
};

/* The widest columns go first when the screen is narrow. */
static const enum col drop_order[] = { C_BYTES, C_PAGES, C_APPLIED, C_REJECTED, C_CONFLICTS, C_PULLED };

static char *cell(const struct duban_sync_report *r, enum col c)
{
	char when[32], up[32], down[32];
	switch (c) {
	case C_TIME:
		return xstrdup(duban_timestamp_local(r->finished_at[0] ? r->finished_at : r->started_at, false, when));
	case C_RESULT: return xstrdup(result_word(r));
	case C_PUSHED: return xasprintf("%lld", r->pushed);
	case C_APPLIED: return xasprintf("%lld", r->applied);
	case C_CONFLICTS: return xasprintf("%lld", r->conflicts + r->pull_conflicts);
	case C_REJECTED: return xasprintf("%lld", r->rejected);
	case C_PULLED: return xasprintf("%lld", r->pulled);
	case C_PAGES: return xasprintf("%lld", r->pages);
	case C_BYTES:
		bytes_text(r->bytes_sent, up);
		bytes_text(r->bytes_received, down);
		return xasprintf("%s / %s", up, down);
	default: return xstrdup("");
	}
}

static void layout(const struct synclog *v, int w, int width[C_COUNT])
{
	for (int c = 0; c < C_COUNT; c++) {
		width[c] = duban_str_width(_(col_titles[c]));
		for (int i = 0; i < v->n; i++) {
			char *s = cell(&v->r[i], c);
			int sw = duban_str_width(s);
			free(s);
			if (sw > width[c])
				width[c] = sw;
		}
	}
	for (size_t d = 0;; d++) {
		int used = 1;
		for (int c = 0; c < C_COUNT; c++)
			if (width[c] > 0)
				used += width[c] + 2;
		if (used <= w || d == sizeof drop_order / sizeof drop_order[0])
			break;
		width[drop_order[d]] = 0;
	}
}

static void draw_row(struct tui *t, WINDOW *win, int y, int x, int w, const int width[C_COUNT],
		     const struct duban_sync_report *r, attr_t a, bool head)
{
	tui_fill(win, y, x, w, a);
	int cx = x + 1;
	for (int c = 0; c < C_COUNT && cx < x + w; c++) {
		if (width[c] <= 0)
			continue;
		char *s = head ? xstrdup(_(col_titles[c])) : cell(r, c);
		int cw = width[c] < x + w - cx ? width[c] : x + w - cx;
		attr_t ca = a;
		if (!head && c == C_RESULT && r->error.kind != DUBAN_REMOTE_OK)
			ca = tui_attr(t, TUI_EL_ERROR) | (a & A_REVERSE);
		if (c == C_TIME || c == C_RESULT)
			tui_text(win, y, cx, s, cw, ca);
		else
			tui_text_right(win, y, cx, s, cw, ca);
		free(s);
		cx += width[c] + 2;
	}
}

/* Wrapped, sanitised text from row *row on, below y, within h rows. */
static void put_lines(struct tui *t, WINDOW *win, int y, int *row, int h, int x, int w, const char *s,
		      enum tui_element el)
{
	char *clean = duban_sanitize(s, true);
	char **lines = duban_wrap(clean, w > 1 ? w : 1);
	free(clean);
	for (int i = 0; lines && lines[i] && *row < h; i++, (*row)++)
		tui_text(win, y + *row, x, lines[i], w, tui_attr(t, el));
	duban_lines_free(lines);
}

static void draw_detail(struct tui *t, const struct duban_sync_report *r, WINDOW *win, int y, int x, int h, int w)
{
	char started[32], finished[32], up[32], down[32];
	struct duban_buf b;
	duban_buf_init(&b);
	bytes_text(r->bytes_sent, up);
	bytes_text(r->bytes_received, down);
	duban_buf_printf(&b, _("%s to %s: sent %lld (%lld applied, %lld duplicates, %lld conflicts, %lld rejected); "
			       "received %lld in %lld pages (%lld conflicts); %lld attachments uploaded; %s sent, %s received."),
			 duban_timestamp_local(r->started_at, false, started),
			 duban_timestamp_local(r->finished_at, false, finished), r->pushed, r->applied, r->duplicates,
			 r->conflicts, r->rejected, r->pulled, r->pages, r->pull_conflicts, r->blobs_uploaded, up, down);
	if (r->reset)
		duban_buf_printf(&b, " %s", _("The server asked for a full download."));
	int row = 0;
	put_lines(t, win, y, &row, h, x + 1, w - 2, b.data ? b.data : "", TUI_EL_DEFAULT);
	duban_buf_free(&b);
	if (r->error.kind != DUBAN_REMOTE_OK)
		put_lines(t, win, y, &row, h, x + 1, w - 2, r->error.message[0] ? r->error.message : _("the sync failed"),
			  TUI_EL_ERROR);
}

static void sl_draw(struct tui *t, void *self, WINDOW *win, int y, int x, int h, int w)
{
	struct synclog *v = self;
	int width[C_COUNT];

	for (int r = 0; r < h; r++)
		tui_fill(win, y + r, x, w, tui_attr(t, TUI_EL_DEFAULT));
	if (v->n == 0) {
		char *key = tui_first_key(t, "generic", TUI_ACT_SYNC);
		char *msg = xasprintf(_("No syncs yet: press %s to sync with the server (after `duban login URL USER`)."),
				      *key ? key : "S");
		char **lines = duban_wrap(msg, w - 4 > 1 ? w - 4 : 1);
		for (int i = 0; lines && lines[i] && i + 1 < h; i++)
			tui_text(win, y + 1 + i, x + 2, lines[i], w - 4, tui_attr(t, TUI_EL_DIM));
		duban_lines_free(lines);
		free(msg);
		free(key);
		return;
	}
	layout(v, w, width);
	int detail_h = h >= 14 ? 5 : h >= 8 ? 3 : 0;
	v->page = h - 1 - (detail_h ? detail_h + 1 : 0);
	if (v->page < 1)
		v->page = 1;
	if (v->cur < v->top)
		v->top = v->cur;
	if (v->cur >= v->top + v->page)
		v->top = v->cur - v->page + 1;
	draw_row(t, win, y, x, w, width, NULL, tui_attr(t, TUI_EL_TABLE_HEAD), true);
	for (int r = 0; r < v->page; r++) {
		int i = v->top + r;
		if (i >= v->n)
			break;
		draw_row(t, win, y + 1 + r, x, w, width, &v->r[i], tui_attr(t, i == v->cur ? TUI_EL_CURSOR : TUI_EL_DEFAULT),
			 false);
	}
	if (!detail_h)
		return;
	int sep = y + 1 + v->page;
	for (int cx = 0; cx < w; cx++)
		tui_text(win, sep, x + cx, t->utf8 ? "─" : "-", 1, tui_attr(t, TUI_EL_BORDER));
	draw_detail(t, &v->r[v->cur], win, sep + 1, x, detail_h, w);
}

static int sl_handle(struct tui *t, void *self, enum tui_action a, int key)
{
	struct synclog *v = self;
	int page = v->page > 1 ? v->page : 1;
	(void)t, (void)key;
	int r = tui_list_move(&v->cur, v->n, page, a);
	if (r)
		return r;
	switch (a) {
	case TUI_ACT_BACK:
	case TUI_ACT_QUIT:
		return TUI_HANDLED | TUI_CLOSE;
	case TUI_ACT_REFRESH: return TUI_HANDLED | TUI_RELOAD;
	default:
		return TUI_IGNORED;
	}
}

static void *sl_open(struct tui *t, void *arg)
{
	(void)arg;
	struct synclog *v = xcalloc(1, sizeof *v);
	load(t, v);
	return v;
}

static void sl_close(void *self)
{
	struct synclog *v = self;
	free(v->r);
	free(v);
}

static void sl_reload(struct tui *t, void *self)
{
	load(t, self);
}

static char *sl_title(struct tui *t, void *self)
{
	struct synclog *v = self;
	(void)t;
	if (v->n == 0)
		return xstrdup(_("sync log"));
	return xasprintf(_("sync log: the last %d syncs"), v->n);
}

static const enum tui_action sl_actions[] = {
	TUI_LIST_MOVES, TUI_ACT_NONE
};

const struct tui_view_ops tui_synclog_view = {
	.name = "synclog",
	.open = sl_open,
	.close = sl_close,
	.draw = sl_draw,
	.handle = sl_handle,
	.reload = sl_reload,
	.title = sl_title,
	.idle = NULL,
	.mouse = NULL,
	.actions = sl_actions,
};
