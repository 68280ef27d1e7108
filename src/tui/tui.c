/* The full-screen loop: terminal and locale set-up, the stack of views, key
 * dispatch, the header and status lines, resize and idle work. */
#include <config.h>

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "duban/model.h"
#include "duban/policy.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/tui.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#define MIN_COLS 40
#define MIN_ROWS 12
#define KEY_CTRL_C 3

/* What the loop keeps beside struct tui: one screen, one loop. */
static struct {
	bool running;
	bool ctrl_c;          /* C-c was the last key */
	long long data_version; /* the ledger's change counter at the last reload */
	long long last_key_ms;  /* when the screen was last drawn after a key */
} loop;

/* Keys closer together than this come from a held key (auto-repeat runs
 * at 15-40 a second); what a view leaves out meanwhile is drawn this long
 * after the last one. */
#define REPEAT_MS 50

/* How often an idle screen looks for changes made outside it (another
 * duban command, a cron sync). */
#define WATCH_MS 500

/* ---------------------------------------------------------------- messages */

void tui_message(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	va_end(ap);
	t->message_error = error;
}

static void clear_message(struct tui *t)
{
	t->message[0] = '\0';
	t->message_error = false;
}

/* ---------------------------------------------------------------- the stack */

static struct tui_stacked *top(struct tui *t)
{
	return t->depth > 0 ? &t->stack[t->depth - 1] : NULL;
}

static void pop(struct tui *t)
{
	if (t->depth == 0)
		return;
	struct tui_stacked *v = &t->stack[--t->depth];
	if (v->ops->close)
		v->ops->close(v->self);
	v->ops = NULL;
	v->self = NULL;
}

void tui_push(struct tui *t, const struct tui_view_ops *ops, void *arg)
{
	if (t->depth == TUI_MAX_STACK) {
		tui_message(t, true, "%s", _("too many views open: close one with Esc"));
		return;
	}
	void *self = ops->open ? ops->open(t, arg) : NULL;
	t->stack[t->depth++] = (struct tui_stacked){ ops, self };
}

void tui_switch_base(struct tui *t, const struct tui_view_ops *ops, void *arg)
{
	while (t->depth > 0)
		pop(t);
	tui_push(t, ops, arg);
}

static void reload_all(struct tui *t)
{
	loop.data_version = duban_store_data_version(t->st);
	for (int i = 0; i < t->depth; i++)
		if (t->stack[i].ops->reload)
			t->stack[i].ops->reload(t, t->stack[i].self);
	tui_sync_counts(t);
}

void tui_filter_changed(struct tui *t)
{
	reload_all(t);
}

/* ---------------------------------------------------------------- drawing */

static bool too_small(const struct tui *t)
{
	return t->cols < MIN_COLS || t->rows < MIN_ROWS;
}

static void draw_too_small(struct tui *t)
{
	char *msg = xasprintf(_("terminal too small (%d×%d, need %d×%d)"), t->cols, t->rows, MIN_COLS, MIN_ROWS);
	char **lines = duban_wrap(msg, t->cols > 2 ? t->cols - 2 : 1);
	int n = 0;
	while (lines[n])
		n++;
	for (int i = 0; i < n; i++) {
		int w = duban_str_width(lines[i]);
		int x = t->cols > w ? (t->cols - w) / 2 : 0;
		tui_text(stdscr, (t->rows - n) / 2 + i, x, lines[i], w, tui_attr(t, TUI_EL_ERROR));
	}
	duban_lines_free(lines);
	free(msg);
}

static void draw_header(struct tui *t)
{
	char *title = NULL;
	struct tui_stacked *v = top(t);
	if (v && v->ops->title)
		title = v->ops->title(t, v->self);
	if (!title && t->depth > 0 && t->stack[0].ops->title)
		title = t->stack[0].ops->title(t, t->stack[0].self);
	char *line = title && *title ? xasprintf(" %s · %s", t->ledger_name, title) : xasprintf(" %s", t->ledger_name);
	tui_text(stdscr, 0, 0, line, t->cols, tui_attr(t, TUI_EL_HEADER));
	free(line);
	free(title);
}

static void draw_status(struct tui *t)
{
	int y = t->rows - 1;
	attr_t base = tui_attr(t, tui_sync_element(t));
	char *full = tui_sync_status(t, false);
	char *brief = tui_sync_status(t, true);
	int msgw = 0;
	if (t->message[0]) {
		msgw = duban_str_width(t->message) + 1;
		if (msgw > t->cols)
			msgw = t->cols;
	}
	/* Narrow terminals (a phone over SSH) drop the least useful part. */
	const char *left = duban_str_width(full) <= t->cols - msgw ? full : brief;
	tui_text(stdscr, y, 0, left, t->cols - msgw, base);
	if (msgw) {
		attr_t a = tui_attr(t, t->message_error ? TUI_EL_ERROR : TUI_EL_MESSAGE);
		tui_text_right(stdscr, y, t->cols - msgw, t->message, msgw, a | (base & A_COLOR ? 0 : base));
	}
	free(brief);
	free(full);
}

void tui_scroll_hint(struct tui *t, int top, int bottom, int n)
{
	t->scroll_top = top;
	t->scroll_bottom = bottom;
	t->scroll_n = n;
}

/* The first step of a hinted scroll: the previous frame, still in stdscr,
 * scrolled and sent, so that the terminal moves its lines. */
static void send_scroll(struct tui *t)
{
	int n = t->scroll_n, top = t->scroll_top, bottom = t->scroll_bottom;
	t->scroll_n = 0;
	/* Without line insertion the terminal would get the lines twice. */
	if (n == 0 || !has_il() || top < 0 || bottom >= getmaxy(stdscr) || bottom - top < 2 ||
	    abs(n) > (bottom - top) / 2 || t->rows != getmaxy(stdscr) || t->cols != getmaxx(stdscr))
		return;
	wsetscrreg(stdscr, top, bottom);
	scrollok(stdscr, TRUE);
	wscrl(stdscr, n);
	scrollok(stdscr, FALSE);
	wsetscrreg(stdscr, 0, getmaxy(stdscr) - 1);
	/* The cursor is parked by the frame that follows, not twice. */
	leaveok(stdscr, TRUE);
	wnoutrefresh(stdscr);
	doupdate();
	leaveok(stdscr, FALSE);
}

void tui_draw_all(struct tui *t)
{
	send_scroll(t);
	getmaxyx(stdscr, t->rows, t->cols);
	werase(stdscr);
	if (too_small(t)) {
		draw_too_small(t);
		wnoutrefresh(stdscr);
		return;
	}
	draw_header(t);
	struct tui_stacked *v = top(t);
	if (v && v->ops->draw)
		v->ops->draw(t, v->self, stdscr, 1, 0, t->rows - 2, t->cols);
	draw_status(t);
	wnoutrefresh(stdscr);
}

static void redraw(struct tui *t)
{
	tui_draw_all(t);
	doupdate();
}

/* ---------------------------------------------------------------- keys */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A key was read: whether keys are repeating, counted from the end of
 * the last key's drawing (a slow draw must not hide the repeat). */
static void key_came(struct tui *t)
{
	t->keys_repeating = now_ms() - loop.last_key_ms < REPEAT_MS;
	/* This key's drawing is in full: nothing left to settle. */
	if (!t->keys_repeating)
		t->settle_redraw = false;
}

static void key_done(void)
{
	loop.last_key_ms = now_ms();
}

/* Milliseconds until what a view left out while keys repeated is due,
 * or -1 when nothing waits. */
static int settle_wait_ms(const struct tui *t)
{
	if (!t->settle_redraw)
		return -1;
	long long left = loop.last_key_ms + REPEAT_MS - now_ms();
	return left > 0 ? (int)left : 0;
}

/* Keys stopped: the views draw in full again. */
static void settle(struct tui *t)
{
	t->keys_repeating = false;
	t->settle_redraw = false;
	redraw(t);
}

/* One key within timeout_ms (-1: wait), or ERR. */
static int read_key(struct tui *t, int timeout_ms)
{
	wint_t wc;
	wtimeout(stdscr, timeout_ms);
	int r = wget_wch(stdscr, &wc);
	wtimeout(stdscr, -1);
	if (r == ERR)
		return ERR;
	int key = r == OK && wc >= KEY_MIN && wc <= KEY_MAX ? TUI_KEY_TEXT | (int)wc : tui_key_normalize((int)wc);
	if (key == KEY_RESIZE)
		tui_draw_all(t);
	return key;
}

int tui_getkey(struct tui *t)
{
	int key;
	/* A blocking read fails only when the terminal is gone; let the
	 * caller see Esc so it unwinds instead of spinning. */
	for (int tries = 0; (key = read_key(t, -1)) == ERR; tries++)
		if (tries > 100)
			return 27;
	return key;
}

/* ---------------------------------------------------------------- actions */

static const char *calendar_mode(enum tui_action a)
{
	return a == TUI_ACT_VIEW_WEEK ? "week" : a == TUI_ACT_VIEW_AGENDA ? "agenda" : "month";
}

static void switch_view(struct tui *t, const struct tui_view_ops *ops, const char *mode)
{
	/* The same base view keeps its place; the calendar reopens in the
	 * mode asked for when it did not switch itself. */
	if (t->stack[0].ops == ops && !mode) {
		while (t->depth > 1)
			pop(t);
		return;
	}
	tui_switch_base(t, ops, (void *)mode);
}

/* A view over the current one; pressing its key again there closes it. */
static int open_on_top(struct tui *t, const struct tui_view_ops *ops)
{
	if (top(t)->ops == ops)
		return TUI_CLOSE;
	tui_push(t, ops, NULL);
	return TUI_REDRAW;
}

/* The actions the loop handles in every view (generic_action below). */
static bool loop_action(enum tui_action a)
{
	switch (a) {
	case TUI_ACT_QUIT: case TUI_ACT_HELP: case TUI_ACT_BACK:
	case TUI_ACT_VIEW_LEDGER: case TUI_ACT_VIEW_CALENDAR: case TUI_ACT_VIEW_WEEK: case TUI_ACT_VIEW_AGENDA:
	case TUI_ACT_VIEW_DASHBOARD: case TUI_ACT_VIEW_CONFLICTS: case TUI_ACT_VIEW_SYNCLOG: case TUI_ACT_VIEW_OVERDUE:
	case TUI_ACT_VIEW_DISPATCH:
	case TUI_ACT_REFRESH: case TUI_ACT_SYNC:
	case TUI_ACT_FILTER: case TUI_ACT_CLEAR_FILTER: case TUI_ACT_SORT: case TUI_ACT_COMMAND:
		return true;
	default:
		return false;
	}
}

bool tui_view_can(const struct tui_view_ops *ops, enum tui_action a)
{
	if (loop_action(a))
		return true;
	for (const enum tui_action *p = ops ? ops->actions : NULL; p && *p != TUI_ACT_NONE; p++)
		if (*p == a)
			return true;
	return false;
}

/* Actions no view handled. */
static int generic_action(struct tui *t, enum tui_action a)
{
	switch (a) {
	case TUI_ACT_QUIT:
		return t->depth > 1 ? TUI_CLOSE : TUI_QUIT;
	case TUI_ACT_BACK:
		return t->depth > 1 ? TUI_CLOSE : TUI_HANDLED;
	case TUI_ACT_HELP:
		if (top(t)->ops == &tui_help_view)
			return TUI_CLOSE;
		tui_push(t, &tui_help_view, (void *)top(t)->ops);
		return TUI_REDRAW;
	case TUI_ACT_VIEW_LEDGER:
		switch_view(t, &tui_ledger_view, NULL);
		return TUI_REDRAW;
	case TUI_ACT_VIEW_CALENDAR:
	case TUI_ACT_VIEW_WEEK:
	case TUI_ACT_VIEW_AGENDA:
		switch_view(t, &tui_calendar_view, calendar_mode(a));
		return TUI_REDRAW;
	case TUI_ACT_VIEW_DASHBOARD:
		switch_view(t, &tui_dashboard_view, NULL);
		return TUI_REDRAW;
	case TUI_ACT_REFRESH:
		clearok(curscr, TRUE);
		return TUI_RELOAD;
	case TUI_ACT_SYNC:
		return tui_sync_start(t, false);
	case TUI_ACT_VIEW_CONFLICTS:
		return open_on_top(t, &tui_conflicts_view);
	case TUI_ACT_VIEW_SYNCLOG:
		return open_on_top(t, &tui_synclog_view);
	case TUI_ACT_VIEW_OVERDUE:
		return open_on_top(t, &tui_overdue_view);
	case TUI_ACT_VIEW_DISPATCH:
		return open_on_top(t, &tui_dispatch_view);
	case TUI_ACT_FILTER:
		return tui_filter_menu(t);
	case TUI_ACT_CLEAR_FILTER:
		tui_filter_clear(t);
		tui_filter_changed(t);
		return TUI_REDRAW;
	case TUI_ACT_SORT:
		return tui_sort_menu(t);
	case TUI_ACT_COMMAND:
		return tui_command_prompt(t);
	case TUI_ACT_NONE:
		return TUI_IGNORED;
	default:
		/* The action's meaning, not its config name: the user may
		 * read Chinese. */
		tui_message(t, false, _("not in the %s view: %s"), tui_view_title(top(t)->ops->name),
			    tui_action_help(a));
		return TUI_REDRAW;
	}
}

/* Applies a handler's flags; self is the view that returned them. */
static void apply_result(struct tui *t, int r, const struct tui_stacked *from)
{
	if (r & TUI_QUIT) {
		loop.running = false;
		return;
	}
	if (r & TUI_CLOSE) {
		struct tui_stacked *v = top(t);
		if (t->depth <= 1)
			loop.running = false;
		else if (v && v->ops == from->ops && v->self == from->self)
			pop(t);
	}
	if (r & TUI_RELOAD)
		reload_all(t);
}

static void handle_mouse(struct tui *t)
{
	MEVENT ev;
	struct tui_stacked *v = top(t);
	if (getmouse(&ev) != OK || !v || !v->ops->mouse)
		return;
	if (ev.y < 1 || ev.y >= t->rows - 1)
		return;
	struct tui_stacked from = *v;
	apply_result(t, v->ops->mouse(t, v->self, ev.y, ev.x, ev.bstate), &from);
}

static void handle_key(struct tui *t, int key)
{
	bool ctrl_c = key == KEY_CTRL_C;
	if (too_small(t)) {
		if (key == 'q' || (ctrl_c && loop.ctrl_c))
			loop.running = false;
		loop.ctrl_c = ctrl_c;
		return;
	}
	if (key == KEY_MOUSE) {
		handle_mouse(t);
		return;
	}
	struct tui_stacked from = *top(t);
	enum tui_action a = tui_key_action(t, from.ops->name, key);
	int r = from.ops->handle ? from.ops->handle(t, from.self, a, key) : TUI_IGNORED;
	if (!(r & (TUI_HANDLED | TUI_QUIT | TUI_CLOSE)) && a != TUI_ACT_NONE)
		r |= generic_action(t, a);
	else if (!r && ctrl_c) {
		/* raw() delivers C-c as a key: twice in a row quits. */
		if (loop.ctrl_c)
			r = TUI_QUIT;
		else
			tui_message(t, false, "%s", _("press C-c again to quit"));
	}
	loop.ctrl_c = ctrl_c && !(r & TUI_QUIT);
	apply_result(t, r, &from);
}

/* ---------------------------------------------------------------- the loop */

/* News from the sync job or its timer, applied like a key's result;
 * true when the views reloaded (their idle work starts again). */
static bool sync_event(struct tui *t)
{
	int r = tui_sync_event(t);
	if (!r)
		return false;
	if (r & TUI_RELOAD)
		reload_all(t);
	redraw(t);
	return (r & TUI_RELOAD) != 0;
}

/* Another connection committed to the ledger since the last reload: the
 * views reload and redraw.  Not while our own sync runs: its end reloads. */
static bool changed_outside(struct tui *t)
{
	if (tui_sync_running(t))
		return false;
	if (tui_sync_account_changed(t)) {
		redraw(t);
		return false;
	}
	long long v = duban_store_data_version(t->st);
	if (v < 0 || v == loop.data_version)
		return false;
	reload_all(t);
	redraw(t);
	return true;
}

/* The next key; meanwhile the sync job's fd, the auto-sync timer and the
 * ledger's change counter are watched too.  ncurses may hold keys it has
 * read already, so it is asked first and poll() only runs when it has none.
 * ERR after the views reloaded, so that their idle work runs. */
static int wait_key(struct tui *t)
{
	for (;;) {
		int fd = tui_sync_fd(t);
		int ms = tui_sync_wait_ms(t);
		if (ms < 0 || ms > WATCH_MS)
			ms = WATCH_MS;
		int settle_ms = settle_wait_ms(t);
		if (settle_ms >= 0 && settle_ms < ms)
			ms = settle_ms;
		int key = read_key(t, 0);
		if (key != ERR)
			return key;
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
		int n = poll(p, fd >= 0 ? 2 : 1, ms);
		if (n < 0 && errno != EINTR)
			return tui_getkey(t);
		if (n == 0 && settle_ms >= 0 && settle_wait_ms(t) == 0) {
			settle(t);
			continue;
		}
		if ((n == 0 || (fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))) && sync_event(t))
			return ERR;
		if (n == 0 && changed_outside(t))
			return ERR;
	}
}

/* Whether a key waits on the terminal (the store's stop check). */
static bool key_waiting(void *ctx)
{
	(void)ctx;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* Deferred work of the top view while no key waits; true when it drew.
 * A query of it that runs when a key comes is abandoned (the view sees
 * duban_store_stopped and tries again later): a view switch must not wait
 * for a dashboard's county figures over a million items. */
static bool run_idle(struct tui *t)
{
	struct tui_stacked *v = top(t);
	if (too_small(t) || !v || !v->ops->idle)
		return false;
	duban_store_set_stop(t->st, key_waiting, NULL);
	bool drew = v->ops->idle(t, v->self);
	bool stopped = duban_store_stopped(t->st);
	duban_store_set_stop(t->st, NULL, NULL);
	if (stopped || !drew)
		return false;
	redraw(t);
	return true;
}

static void run_loop(struct tui *t)
{
	bool idle_pending = true;
	loop.running = true;
	loop.data_version = duban_store_data_version(t->st);
	redraw(t);
	while (loop.running && t->depth > 0) {
		int key = ERR;
		if (idle_pending) {
			key = read_key(t, 0);
			if (key == ERR) {
				idle_pending = run_idle(t);
				continue;
			}
		} else {
			key = wait_key(t);
		}
		if (key == ERR) {
			idle_pending = true;
			continue;
		}
		idle_pending = true;
		if (key == KEY_RESIZE) {
			doupdate();
			continue;
		}
		key_came(t);
		clear_message(t);
		handle_key(t, key);
		if (loop.running)
			redraw(t);
		key_done();
	}
}

/* ---------------------------------------------------------------- start-up */

static bool codeset_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* Chinese must not become mojibake: switch to a UTF-8 locale when the
 * user's is not one (LANG=C over SSH is common).  *switched tells. */
static bool ensure_utf8(bool *switched)
{
	*switched = false;
	setlocale(LC_ALL, "");
	if (codeset_is_utf8())
		return true;
	static const char *const fallbacks[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8" };
	for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++) {
		if (setlocale(LC_ALL, fallbacks[i]) && codeset_is_utf8()) {
			*switched = true;
			return true;
		}
	}
	setlocale(LC_ALL, "");
	fprintf(stderr, "%s\n", _("duban: the locale is not UTF-8 and no UTF-8 locale is installed, so Chinese text "
				   "cannot be shown.  Set one, for example:  export LANG=zh_CN.UTF-8  (`locale -a` "
				   "lists them)."));
	return false;
}

static bool start_screen(struct tui *t, SCREEN **screen)
{
	const char *term = getenv("TERM");
	/* "dumb" cannot move the cursor, yet it is mostly a real terminal
	 * behind an unset TERM: VT100 sequences (monochrome) work there. */
	bool dumb = !term || !*term || strcmp(term, "dumb") == 0;
	*screen = newterm(dumb ? "vt100" : NULL, stdout, stdin);
	if (!*screen) {
		fprintf(stderr, _("duban: cannot use the terminal \"%s\"; set TERM (for example TERM=xterm-256color) "
				  "or use the command line (duban list)\n"), term ? term : "");
		return false;
	}
	set_term(*screen);
	raw();
	noecho();
	keypad(stdscr, TRUE);
	idlok(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (t->settings.mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON3_CLICKED | BUTTON4_PRESSED |
			  BUTTON5_PRESSED, NULL);
	getmaxyx(stdscr, t->rows, t->cols);
	t->utf8 = true;
	return true;
}

static void init_state(struct tui *t, duban_store *st, const struct duban_tui_options *opt)
{
	memset(t, 0, sizeof *t);
	t->st = st;
	t->ledger_name = opt && opt->ledger_name ? opt->ledger_name : "duban";
	duban_settings_load(&t->settings, opt ? opt->config_path : NULL);
	duban_utf8_set_ambiguous_wide(t->settings.ambiguous_wide);
	struct duban_light_rules rules;
	duban_settings_light_rules(&t->settings, &rules);
	duban_store_set_light_rules(st, &rules);
	/* The close-out policy in force: the server's copy on a ledger that
	 * syncs, else the config's (the one rule, duban_policy_resolve). */
	duban_policy_load(st, &t->settings);
	duban_filter_expr_init(&t->filter);
	char err[256];
	char *sort = xasprintf("sort=%s", t->settings.default_sort);
	if (duban_filter_expr_parse(&t->filter, sort, err, sizeof err) && t->filter.sort >= 0) {
		t->sort = (enum duban_sort)t->filter.sort;
		t->descending = t->filter.descending;
	}
	free(sort);
	duban_filter_expr_free(&t->filter);
	t->db_path = opt ? opt->db_path : NULL;
	t->config_path = opt ? opt->config_path : NULL;
	tui_sync_init(t);
}

/* The first config problem and the locale switch, once, at start-up. */
static void startup_message(struct tui *t, bool locale_switched)
{
	struct duban_buf b;
	duban_buf_init(&b);
	if (locale_switched)
		duban_buf_puts(&b, _("the locale was not UTF-8; using C.UTF-8"));
	if (t->settings.nerrors > 0) {
		if (b.len)
			duban_buf_puts(&b, " · ");
		duban_buf_puts(&b, t->settings.errors[0]);
		if (t->settings.nerrors > 1)
			duban_buf_printf(&b, _(" (%d more)"), t->settings.nerrors - 1);
	}
	if (b.len)
		tui_message(t, t->settings.nerrors > 0, "%s", b.data);
	duban_buf_free(&b);
}

static void finish(struct tui *t, SCREEN *screen)
{
	while (t->depth > 0)
		pop(t);
	tui_sync_free(t);
	endwin();
	delscreen(screen);
	/* The status line showed only the first: list them all once. */
	if (t->settings.nerrors > 1)
		for (int i = 0; i < t->settings.nerrors; i++)
			fprintf(stderr, "duban: %s\n", t->settings.errors[i]);
	tui_keymap_free();
	tui_command_history_free();
	duban_filter_expr_free(&t->filter);
	free(t->search);
	duban_settings_free(&t->settings);
}

int duban_tui_run(duban_store *st, const struct duban_tui_options *opt)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s\n", _("duban: the full-screen interface needs a terminal; use `duban list` in "
					   "scripts and pipes"));
		return 1;
	}
	bool switched;
	if (!ensure_utf8(&switched))
		return 1;
	struct tui t;
	init_state(&t, st, opt);
	SCREEN *screen;
	if (!start_screen(&t, &screen)) {
		tui_sync_free(&t);
		duban_filter_expr_free(&t.filter);
		duban_settings_free(&t.settings);
		return 1;
	}
	/* A locale that had to be switched to show Chinese says little of what
	 * the terminal draws: bars, box lines and symbols take ASCII there. */
	t.utf8 = !switched;
	tui_keymap_init(&t);
	tui_theme_init(&t);
	startup_message(&t, switched);
	char *message = xstrdup(t.message);
	tui_state_restore(&t, opt && opt->fresh);
	if (*message)
		tui_message(&t, t.settings.nerrors > 0, "%s", message);
	free(message);
	run_loop(&t);
	tui_state_save(&t);
	finish(&t, screen);
	return 0;
}
