/* Actions and key maps: the compiled-in bindings are data in the same
 * `bind VIEW KEY ACTION` form as the config file, which is layered on top. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- actions */

static const struct {
	const char *name, *help;
} actions[TUI_ACT_COUNT] = {
#define TUI_ACTION_INFO(id, name, help) [TUI_ACT_##id] = { name, help },
	TUI_ACTIONS(TUI_ACTION_INFO)
#undef TUI_ACTION_INFO
};

const char *tui_action_name(enum tui_action a)
{
	return (unsigned)a < TUI_ACT_COUNT ? actions[a].name : "";
}

const char *tui_action_help(enum tui_action a)
{
	return (unsigned)a < TUI_ACT_COUNT && *actions[a].help ? _(actions[a].help) : "";
}

int tui_action_parse(const char *name)
{
	for (int i = 0; i < TUI_ACT_COUNT; i++)
		if (name && strcmp(name, actions[i].name) == 0)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- key names */

#define KEY_ESC 27

/* The first name of a key is the one help and the man page show. */
static const struct {
	const char *name;
	int key;
} named_keys[] = {
	{ "<Enter>", '\n' }, { "<Return>", '\n' },
	{ "<Esc>", KEY_ESC }, { "<Escape>", KEY_ESC },
	{ "<Tab>", '\t' }, { "<S-Tab>", KEY_BTAB },
	{ "<Up>", KEY_UP }, { "<Down>", KEY_DOWN }, { "<Left>", KEY_LEFT }, { "<Right>", KEY_RIGHT },
	{ "<PgUp>", KEY_PPAGE }, { "<PageUp>", KEY_PPAGE },
	{ "<PgDn>", KEY_NPAGE }, { "<PageDown>", KEY_NPAGE },
	{ "<Home>", KEY_HOME }, { "<End>", KEY_END },
	{ "<Space>", ' ' },
	{ "<Backspace>", KEY_BACKSPACE }, { "<BS>", KEY_BACKSPACE },
	{ "<Del>", KEY_DC }, { "<Delete>", KEY_DC },
	{ "<Ins>", KEY_IC }, { "<Insert>", KEY_IC },
};

int tui_key_normalize(int key)
{
	if (key == '\r' || key == KEY_ENTER)
		return '\n';
	if (key == 127)
		return KEY_BACKSPACE;
	return key;
}

int tui_key_parse(const char *name)
{
	if (!name || !*name)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(named_keys); i++)
		if (strcasecmp(name, named_keys[i].name) == 0)
			return named_keys[i].key;
	size_t len = strlen(name);
	if ((name[0] == '<') && (name[1] == 'F' || name[1] == 'f') && name[len - 1] == '>') {
		char *end;
		long n = strtol(name + 2, &end, 10);
		if (end == name + len - 1 && n >= 1 && n <= 12)
			return KEY_F((int)n);
		return -1;
	}
	if (len == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-') {
		char c = name[2];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		return c >= 'a' && c <= 'z' ? tui_key_normalize(c - 'a' + 1) : -1;
	}
	uint32_t cp;
	size_t n = duban_utf8_decode(name, len, &cp);
	if (n != len || cp == 0xFFFD || duban_cp_width(cp) <= 0)
		return -1;
	return cp >= KEY_MIN && cp <= KEY_MAX ? TUI_KEY_TEXT | (int)cp : (int)cp;
}

char *tui_key_name(int key)
{
	for (size_t i = 0; i < ARRAY_LEN(named_keys); i++)
		if (named_keys[i].key == key)
			return xstrdup(named_keys[i].name);
	for (int n = 1; n <= 12; n++)
		if (key == KEY_F(n))
			return xasprintf("<F%d>", n);
	if (key >= 1 && key <= 26)
		return xasprintf("C-%c", 'a' + key - 1);
	if (key & TUI_KEY_TEXT) {
		char buf[5];
		buf[duban_utf8_encode((uint32_t)tui_key_char(key), buf)] = '\0';
		return xstrdup(buf);
	}
	bool function_key = key >= KEY_MIN && key <= KEY_MAX;
	if (key > ' ' && key != 127 && key <= 0x10FFFF && !function_key) {
		char buf[5];
		buf[duban_utf8_encode((uint32_t)key, buf)] = '\0';
		return xstrdup(buf);
	}
	const char *kn = function_key ? keyname(key) : NULL;
	return kn ? xasprintf("<%s>", kn) : xasprintf("<%d>", key);
}

/* ---------------------------------------------------------------- key maps */

/* The generic map, then one per view. */
#define TUI_VIEW_MAP_NAME(id, title) #id,
static const char *const map_names[] = { "generic", TUI_VIEWS(TUI_VIEW_MAP_NAME) };
#undef TUI_VIEW_MAP_NAME

const char *tui_view_title(const char *name)
{
#define TUI_VIEW_TITLE(id, title) if (name && strcmp(name, #id) == 0) return _(title);
	TUI_VIEWS(TUI_VIEW_TITLE)
#undef TUI_VIEW_TITLE
	return name;
}
#define NMAPS ARRAY_LEN(map_names)

struct binding {
	int key;
	enum tui_action action;
};

static struct keymap {
	struct binding *b;
	int n;
} maps[NMAPS];

/* Compiled-in bindings, in the config file's own syntax. */
static const struct duban_binding default_bindings[] = {
	{ "generic", "q", "quit" },
	{ "generic", "?", "help" },
	{ "generic", "<F1>", "help" },
	{ "generic", "<Esc>", "back" },
	{ "generic", "j", "move-down" },
	{ "generic", "<Down>", "move-down" },
	{ "generic", "k", "move-up" },
	{ "generic", "<Up>", "move-up" },
	{ "generic", "h", "move-left" },
	{ "generic", "<Left>", "move-left" },
	{ "generic", "l", "move-right" },
	{ "generic", "<Right>", "move-right" },
	{ "generic", "<PgDn>", "page-down" },
	{ "generic", "<Space>", "page-down" },
	{ "generic", "<PgUp>", "page-up" },
	{ "generic", "C-d", "half-page-down" },
	{ "generic", "C-u", "half-page-up" },
	{ "generic", "g", "first" },
	{ "generic", "<Home>", "first" },
	{ "generic", "G", "last" },
	{ "generic", "<End>", "last" },
	{ "generic", "<Enter>", "enter" },
	{ "generic", "<Tab>", "next-pane" },
	{ "generic", "J", "detail-down" },
	{ "generic", "K", "detail-up" },
	{ "generic", "/", "search" },
	{ "generic", "n", "search-next" },
	{ "generic", "N", "search-prev" },
	{ "generic", "f", "filter" },
	{ "generic", "F", "clear-filter" },
	{ "generic", "o", "sort" },
	{ "generic", ":", "command" },
	{ "generic", "1", "view-ledger" },
	{ "generic", "2", "view-calendar" },
	{ "generic", "3", "view-dashboard" },
	{ "generic", "w", "view-week" },
	{ "generic", "v", "view-agenda" },
	{ "generic", "t", "today" },
	{ "generic", "a", "add-note" },
	{ "generic", "i", "add-inspection" },
	{ "generic", "A", "add-action" },
	{ "generic", "s", "change-status" },
	{ "generic", "e", "edit-item" },
	{ "generic", "+", "new-item" },
	{ "generic", "S", "sync" },
	{ "generic", "C", "view-conflicts" },
	{ "generic", "L", "view-synclog" },
	{ "generic", "C-l", "refresh" },
	{ "generic", "O", "view-overdue" },
	{ "generic", "u", "attach-file" },
	{ "generic", "x", "open-attachment" },
	{ "generic", "V", "sign-acceptance" },
	{ "generic", "Y", "add-objection" },
	{ "generic", "R", "resolve-objection" },
	{ "generic", "D", "view-dispatch" },
	{ "overdue", "I", "issue-step" },
	{ "dispatch", "]", "next-section" },
	{ "dispatch", "[", "prev-section" },
	{ "calendar", "m", "view-calendar" },
	{ "calendar", "]", "next-section" },
	{ "calendar", "[", "prev-section" },
	{ "detail", "1", "goto-section" },
	{ "detail", "2", "goto-section" },
	{ "detail", "3", "goto-section" },
	{ "detail", "4", "goto-section" },
	{ "detail", "<Tab>", "next-section" },
	{ "detail", "]", "next-section" },
	{ "detail", "<S-Tab>", "prev-section" },
	{ "detail", "[", "prev-section" },
	{ "dashboard", "w", "write-bulletin" },
	{ "conflicts", "m", "keep-mine" },
	{ "conflicts", "t", "take-theirs" },
	{ "conflicts", "e", "edit-value" },
	{ "conflicts", "r", "retry-op" },
	{ "conflicts", "d", "drop-op" },
};

static int map_index(const char *view)
{
	for (size_t i = 0; i < NMAPS; i++)
		if (view && strcmp(view, map_names[i]) == 0)
			return (int)i;
	return -1;
}

static void map_set(struct keymap *m, int key, enum tui_action a)
{
	for (int i = 0; i < m->n; i++) {
		if (m->b[i].key == key) {
			m->b[i].action = a;
			return;
		}
	}
	m->b = xrealloc(m->b, (size_t)(m->n + 1) * sizeof *m->b);
	m->b[m->n++] = (struct binding){ key, a };
}

/* Applies one binding; a message in err when it cannot. */
static bool apply_binding(const struct duban_binding *b, char *err, size_t errlen)
{
	int map = map_index(b->view);
	int key = tui_key_parse(b->key);
	int action = tui_action_parse(b->action);
	if (map < 0)
		snprintf(err, errlen, _("bind %s %s %s: unknown view \"%s\""), b->view, b->key, b->action, b->view);
	else if (key < 0)
		snprintf(err, errlen, _("bind %s %s %s: unknown key \"%s\""), b->view, b->key, b->action, b->key);
	else if (action < 0)
		snprintf(err, errlen, _("bind %s %s %s: unknown action \"%s\""), b->view, b->key, b->action, b->action);
	else
		map_set(&maps[map], key, (enum tui_action)action);
	return map >= 0 && key >= 0 && action >= 0;
}

static void add_error(struct duban_settings *s, const char *msg)
{
	s->errors = xrealloc(s->errors, (size_t)(s->nerrors + 1) * sizeof *s->errors);
	s->errors[s->nerrors++] = xasprintf("%s", msg);
}

void tui_keymap_init(struct tui *t)
{
	char err[256];
	tui_keymap_free();
	for (size_t i = 0; i < ARRAY_LEN(default_bindings); i++)
		if (!apply_binding(&default_bindings[i], err, sizeof err))
			abort(); /* the compiled-in table is wrong */
	for (int i = 0; i < t->settings.nbindings; i++)
		if (!apply_binding(&t->settings.bindings[i], err, sizeof err))
			add_error(&t->settings, err);
}

void tui_keymap_free(void)
{
	for (size_t i = 0; i < NMAPS; i++) {
		free(maps[i].b);
		maps[i].b = NULL;
		maps[i].n = 0;
	}
}

static const struct binding *map_find(int map, int key)
{
	if (map < 0)
		return NULL;
	for (int i = 0; i < maps[map].n; i++)
		if (maps[map].b[i].key == key)
			return &maps[map].b[i];
	return NULL;
}

enum tui_action tui_key_action(struct tui *t, const char *view, int key)
{
	(void)t;
	key = tui_key_normalize(key);
	const struct binding *b = map_find(map_index(view), key);
	if (!b)
		b = map_find(0, key);
	return b ? b->action : TUI_ACT_NONE;
}

static void add_key_name(struct duban_buf *out, int key)
{
	char *name = tui_key_name(key);
	if (out->len)
		duban_buf_puts(out, ", ");
	duban_buf_puts(out, name);
	free(name);
}

bool tui_view_binds(const char *view, enum tui_action a)
{
	int map = map_index(view);
	if (map <= 0)
		return false;
	for (int i = 0; i < maps[map].n; i++)
		if (maps[map].b[i].action == a)
			return true;
	return false;
}

char *tui_keys_for(struct tui *t, const char *view, enum tui_action a)
{
	struct duban_buf out;
	duban_buf_init(&out);
	int map = map_index(view);
	if (map > 0)
		for (int i = 0; i < maps[map].n; i++)
			if (maps[map].b[i].action == a)
				add_key_name(&out, maps[map].b[i].key);
	/* Generic keys count unless the view's map rebinds them. */
	for (int i = 0; i < maps[0].n; i++)
		if (maps[0].b[i].action == a && tui_key_action(t, view, maps[0].b[i].key) == a)
			add_key_name(&out, maps[0].b[i].key);
	return duban_buf_steal(&out);
}
