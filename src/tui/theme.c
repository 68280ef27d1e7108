/* Theme elements and their attributes: a theme file and the config's
 * `color` lines on 8, 16 and 256-colour terminals, or a monochrome set that
 * keeps every element distinguishable when there is no colour. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/settings.h"
#include "duban/util.h"
#include "tui.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const element_names[TUI_EL_COUNT] = {
#define TUI_ELEMENT_NAME(id, name) [TUI_EL_##id] = name,
	TUI_ELEMENTS(TUI_ELEMENT_NAME)
#undef TUI_ELEMENT_NAME
};

/* Without colour: the cursor, headers and urgent lights still stand out. */
static const attr_t mono_attrs[TUI_EL_COUNT] = {
	[TUI_EL_DEFAULT] = A_NORMAL,
	[TUI_EL_HEADER] = A_REVERSE | A_BOLD,
	[TUI_EL_STATUS_LINE] = A_REVERSE,
	[TUI_EL_CURSOR] = A_REVERSE,
	[TUI_EL_TABLE_HEAD] = A_BOLD | A_UNDERLINE,
	[TUI_EL_LABEL] = A_BOLD,
	[TUI_EL_DIM] = A_DIM,
	[TUI_EL_BORDER] = A_NORMAL,
	[TUI_EL_LIGHT_RED] = A_BOLD,
	[TUI_EL_LIGHT_YELLOW] = A_UNDERLINE,
	[TUI_EL_LIGHT_GREEN] = A_NORMAL,
	[TUI_EL_LIGHT_BLUE] = A_NORMAL,
	[TUI_EL_LIGHT_GREY] = A_DIM,
	[TUI_EL_OVERDUE] = A_BOLD,
	[TUI_EL_DUE_SOON] = A_UNDERLINE,
	[TUI_EL_TODAY] = A_BOLD | A_UNDERLINE,
	[TUI_EL_BAR] = A_NORMAL,
	[TUI_EL_MESSAGE] = A_BOLD,
	[TUI_EL_ERROR] = A_BOLD,
	[TUI_EL_INPUT] = A_UNDERLINE,
	[TUI_EL_HELP_KEY] = A_BOLD,
	[TUI_EL_CONFLICT] = A_BOLD | A_UNDERLINE,
	/* Online, offline and a failed sync look different in mono too. */
	[TUI_EL_STATUS_ONLINE] = A_REVERSE | A_BOLD,
	[TUI_EL_STATUS_OFFLINE] = A_REVERSE,
	[TUI_EL_STATUS_ERROR] = A_REVERSE | A_UNDERLINE,
};

const char *tui_element_name(enum tui_element e)
{
	return (unsigned)e < TUI_EL_COUNT ? element_names[e] : "";
}

int tui_element_parse(const char *name)
{
	for (int i = 0; i < TUI_EL_COUNT; i++)
		if (name && strcmp(name, element_names[i]) == 0)
			return i;
	return -1;
}

static void add_error(struct tui *t, char *msg)
{
	struct duban_settings *s = &t->settings;
	s->errors = xrealloc(s->errors, (size_t)(s->nerrors + 1) * sizeof *s->errors);
	s->errors[s->nerrors++] = msg;
}

static bool no_color_wanted(void)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return true;
	const char *term = getenv("TERM");
	return !term || !*term || strcmp(term, "dumb") == 0 || strncmp(term, "vt100", 5) == 0 ||
	       strncmp(term, "vt102", 5) == 0;
}

static attr_t parse_attrs(const char *list)
{
	static const struct {
		const char *name;
		attr_t attr;
	} names[] = {
		{ "bold", A_BOLD }, { "reverse", A_REVERSE }, { "underline", A_UNDERLINE },
		{ "dim", A_DIM }, { "standout", A_STANDOUT }, { "normal", A_NORMAL },
	};
	attr_t a = A_NORMAL;
	char *copy = xstrdup(list);
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < ARRAY_LEN(names); i++)
			if (strcmp(w, names[i].name) == 0)
				a |= names[i].attr;
	free(copy);
	return a;
}

/* The nearest of the 8 basic colours to an xterm 256-colour index. */
static int nearest8(int n)
{
	if (n < 8)
		return n;
	if (n < 16)
		return n - 8;
	if (n >= 232)
		return n < 244 ? COLOR_BLACK : COLOR_WHITE;
	n -= 16;
	/* Cube levels 0, 95, 135, 175, 215, 255: from level 2 up is "on". */
	int r = n / 36 >= 2, g = n / 6 % 6 >= 2, b = n % 6 >= 2;
	return r | g << 1 | b << 2;
}

static bool have_default_colors;

/* A colour name or number for the terminal at hand; -1 is the terminal's
 * default.  Bright colours on an 8-colour terminal set *bold instead. */
static int color_index(const char *name, bool fg, bool *bold)
{
	static const char *const names[] = { "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white" };
	if (strcmp(name, "default") == 0)
		return have_default_colors ? -1 : fg ? COLOR_WHITE : COLOR_BLACK;
	bool bright = strncmp(name, "bright", 6) == 0;
	const char *base = bright ? name + 6 : name;
	int n = -1;
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(base, names[i]) == 0)
			n = (int)i + (bright ? 8 : 0);
	if (n < 0)
		n = atoi(name);
	if (n < COLORS && (n < 16 || COLORS >= 256))
		return n;
	if (fg && n >= 8 && n < 16)
		*bold = true;
	return nearest8(n);
}

static void apply_color(struct tui *t, const struct duban_color *c, bool use_colors)
{
	int e = tui_element_parse(c->element);
	if (e < 0) {
		add_error(t, xasprintf(_("color %s: unknown element (see dubanrc(5))"), c->element));
		return;
	}
	attr_t a = parse_attrs(c->attr);
	if (!use_colors) {
		t->attrs[e] = a;
		return;
	}
	bool bold = false;
	int fg = color_index(c->fg, true, &bold);
	int bg = color_index(c->bg, false, &bold);
	if (e + 1 >= COLOR_PAIRS || init_pair((short)(e + 1), (short)fg, (short)bg) == ERR) {
		t->attrs[e] = mono_attrs[e];
		return;
	}
	t->attrs[e] = COLOR_PAIR(e + 1) | a | (bold ? A_BOLD : A_NORMAL);
}

static bool load_theme(struct tui *t, const char *name, struct duban_color **colors, int *n)
{
	char *path = duban_theme_path(name);
	if (!path)
		return false;
	duban_theme_load(path, colors, n, &t->settings.errors, &t->settings.nerrors);
	free(path);
	return true;
}

void tui_theme_init(struct tui *t)
{
	memcpy(t->attrs, mono_attrs, sizeof t->attrs);
	const char *theme = t->settings.theme ? t->settings.theme : "default";
	bool mono = strcmp(theme, "mono") == 0;
	t->color = !mono && !no_color_wanted() && has_colors();
	/* Without colour only the mono theme's attributes make sense: other
	 * themes tell elements apart by colour alone. */
	if (!t->color && !mono)
		return;
	if (t->color) {
		start_color();
		have_default_colors = use_default_colors() == OK;
	}

	struct duban_color *colors = NULL;
	int n = 0;
	if (!load_theme(t, theme, &colors, &n)) {
		add_error(t, xasprintf(_("theme \"%s\" not found"), theme));
		if (strcmp(theme, "default") != 0)
			load_theme(t, "default", &colors, &n);
	}
	for (int i = 0; i < n; i++)
		apply_color(t, &colors[i], t->color);
	for (int i = 0; i < t->settings.ncolors; i++)
		apply_color(t, &t->settings.colors[i], t->color);
	free(colors);
	/* Blank cells take the default element's colours too. */
	if (t->color)
		bkgdset(' ' | (t->attrs[TUI_EL_DEFAULT] & A_COLOR));
}
