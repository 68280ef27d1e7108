/* The line editor: UTF-8 text with a cursor that moves by character, the
 * readline keys, and a wrapped or scrolled view measured in display columns.
 *
 * Everything but tui_lineedit_draw (at the end) is pure logic, so that the
 * unit test exercises it without a terminal.
 *
 * A "character" here is a cluster: a code point followed by the zero-width
 * marks that combine with it, so the cursor never lands between a base and
 * its accent.  C-w deletes a word where a word is a run of one class of
 * characters: spaces are skipped first, then the run of Latin letters and
 * digits, of CJK and other letters, or of punctuation before the cursor is
 * deleted.  Chinese has no spaces, so C-w on "已完成隔音改造，噪声达标"
 * removes "噪声达标", then "，", then the clause before it. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#define CTRL(c) ((c) & 0x1f)

/* ---------------------------------------------------------------- text */

static void reserve(struct tui_lineedit *e, size_t extra)
{
	if (e->len + extra + 1 <= e->cap)
		return;
	size_t cap = e->cap ? e->cap : 64;
	while (cap < e->len + extra + 1)
		cap *= 2;
	e->text = xrealloc(e->text, cap);
	e->cap = cap;
}

static void splice(struct tui_lineedit *e, size_t from, size_t to, const char *s, size_t n)
{
	if (to - from == 0 && n == 0)
		return;
	reserve(e, n);
	memmove(e->text + from + n, e->text + to, e->len - to + 1);
	memcpy(e->text + from, s, n);
	e->len = e->len - (to - from) + n;
	e->modified = true;
}

static void delete_range(struct tui_lineedit *e, size_t from, size_t to)
{
	splice(e, from, to, "", 0);
	e->cursor = from;
}

static uint32_t cp_at(const struct tui_lineedit *e, size_t pos, size_t *bytes)
{
	uint32_t cp = 0;
	size_t n = pos < e->len ? duban_utf8_decode(e->text + pos, e->len - pos, &cp) : 0;
	if (bytes)
		*bytes = n;
	return cp;
}

/* A mark that rides on the character before it (never a newline). */
static bool is_mark(uint32_t cp)
{
	return cp != '\n' && duban_cp_width(cp) == 0;
}

static size_t next_boundary(const struct tui_lineedit *e, size_t pos)
{
	if (pos >= e->len)
		return e->len;
	size_t n;
	cp_at(e, pos, &n);
	pos += n;
	while (pos < e->len && is_mark(cp_at(e, pos, &n)))
		pos += n;
	return pos;
}

static size_t prev_codepoint(const struct tui_lineedit *e, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && ((unsigned char)e->text[pos] & 0xC0) == 0x80)
		pos--;
	return pos;
}

static size_t prev_boundary(const struct tui_lineedit *e, size_t pos)
{
	pos = prev_codepoint(e, pos);
	while (pos > 0 && is_mark(cp_at(e, pos, NULL)))
		pos = prev_codepoint(e, pos);
	return pos;
}

/* Columns of the cluster at pos (a stray control character shows as one). */
static int cluster_width(const struct tui_lineedit *e, size_t pos)
{
	int w = duban_cp_width(cp_at(e, pos, NULL));
	return w < 0 ? 1 : w;
}

/* ---------------------------------------------------------------- setup */

/* Appends cp to b the way the editor stores text: no control characters,
 * tabs as a space, newlines only in multiline mode. */
static void add_clean(struct duban_buf *b, uint32_t cp, bool multiline)
{
	if (cp == '\n' && !multiline)
		cp = ' ';
	if (cp == '\t')
		cp = ' ';
	if (cp != '\n' && (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)))
		return;
	char out[4];
	duban_buf_add(b, out, duban_utf8_encode(cp, out));
}

/* s with invalid bytes as U+FFFD, CR LF and lone CR as LF, and controls
 * removed. */
static char *clean_text(const char *s, bool multiline)
{
	struct duban_buf b;
	duban_buf_init(&b);
	size_t len = s ? strlen(s) : 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += duban_utf8_decode(s + i, len - i, &cp);
		if (cp == '\r') {
			if (i < len && s[i] == '\n')
				continue;
			cp = '\n';
		}
		add_clean(&b, cp, multiline);
	}
	return duban_buf_steal(&b);
}

void tui_lineedit_init(struct tui_lineedit *e, const char *initial, bool multiline)
{
	memset(e, 0, sizeof *e);
	e->multiline = multiline;
	e->goal_col = -1;
	e->text = clean_text(initial, multiline);
	e->len = strlen(e->text);
	e->cap = e->len + 1;
	e->cursor = e->len;
}

void tui_lineedit_free(struct tui_lineedit *e)
{
	free(e->text);
	memset(e, 0, sizeof *e);
}

void tui_lineedit_set(struct tui_lineedit *e, const char *text)
{
	bool multiline = e->multiline, modified = e->modified;
	tui_lineedit_free(e);
	tui_lineedit_init(e, text, multiline);
	e->modified = modified;
}

void tui_lineedit_insert(struct tui_lineedit *e, const char *utf8)
{
	char *s = clean_text(utf8, e->multiline);
	size_t n = strlen(s);
	e->goal_col = -1;
	splice(e, e->cursor, e->cursor, s, n);
	e->cursor += n;
	free(s);
}

/* ---------------------------------------------------------------- lines */

static size_t line_start(const struct tui_lineedit *e, size_t pos)
{
	while (pos > 0 && e->text[pos - 1] != '\n')
		pos--;
	return pos;
}

static size_t line_end(const struct tui_lineedit *e, size_t pos)
{
	while (pos < e->len && e->text[pos] != '\n')
		pos++;
	return pos;
}

/* One screen row of the wrapped text: bytes [start, end) drawn; `wrapped`
 * when the row ends because it was full rather than at a newline or the end
 * (then `end` is the next row's start and no cursor position sits there). */
struct row {
	size_t start, end;
	bool wrapped;
};

static bool starts_badly(const struct tui_lineedit *e, size_t pos)
{
	uint32_t cp = 0;
	duban_utf8_decode(e->text + pos, e->len - pos, &cp);
	return duban_no_line_start(cp);
}

/* The rows of the text wrapped at cols columns (cols <= 0: at newlines
 * only).  A full last row, or a final newline, is followed by an empty row
 * where the cursor at the end of the text is shown. */
static struct row *layout(const struct tui_lineedit *e, int cols, size_t *nrows)
{
	size_t n = 0, cap = 8;
	struct row *rows = xmalloc(cap * sizeof *rows);
	size_t pos = 0, start = 0;
	int col = 0;
	for (;;) {
		bool at_end = pos >= e->len;
		bool newline = !at_end && e->text[pos] == '\n';
		int w = at_end || newline ? 0 : cluster_width(e, pos);
		bool full = cols > 0 && !at_end && !newline && col + w > cols && pos > start;
		bool last_full = at_end && cols > 0 && col >= cols;
		/* 避头尾: a closing mark would start the next row; the character
		 * before it goes down with it, when the row keeps something. */
		for (size_t back; full && starts_badly(e, pos) && (back = prev_boundary(e, pos)) > start;)
			pos = back;
		if (at_end || newline || full || last_full) {
			if (n + 2 > cap)
				rows = xrealloc(rows, (cap *= 2) * sizeof *rows);
			rows[n++] = (struct row){ start, pos, full || last_full };
			if (last_full)
				rows[n++] = (struct row){ pos, pos, false };
			if (at_end)
				break;
			start = newline ? pos + 1 : pos;
			pos = start;
			col = 0;
			continue;
		}
		col += w;
		pos = next_boundary(e, pos);
	}
	*nrows = n;
	return rows;
}

static int columns_between(const struct tui_lineedit *e, size_t from, size_t to)
{
	int col = 0;
	for (size_t p = from; p < to; p = next_boundary(e, p))
		col += cluster_width(e, p);
	return col;
}

/* The row showing the cursor: the last row starting at or before it, so the
 * cursor at a wrap point shows at the start of the next row. */
static size_t cursor_row(const struct row *rows, size_t n, size_t cursor)
{
	size_t r = 0;
	while (r + 1 < n && rows[r + 1].start <= cursor)
		r++;
	return r;
}

void tui_lineedit_locate(const struct tui_lineedit *e, int cols, int *row, int *col)
{
	size_t n;
	struct row *rows = layout(e, e->multiline ? cols : 0, &n);
	size_t r = cursor_row(rows, n, e->cursor);
	*row = (int)r;
	*col = columns_between(e, rows[r].start, e->cursor);
	free(rows);
}

int tui_lineedit_rows(const struct tui_lineedit *e, int cols)
{
	size_t n;
	free(layout(e, e->multiline ? cols : 0, &n));
	return (int)n;
}

/* The position in row r closest to column col without passing it. */
static size_t at_column(const struct tui_lineedit *e, const struct row *r, int col)
{
	size_t last = r->end;
	if (r->wrapped && last > r->start)
		last = prev_boundary(e, last);
	size_t p = r->start;
	int c = 0;
	while (p < last) {
		int w = cluster_width(e, p);
		if (c + w > col)
			break;
		c += w;
		p = next_boundary(e, p);
	}
	return p;
}

bool tui_lineedit_vertical(struct tui_lineedit *e, int dir, int cols)
{
	if (!e->multiline)
		return false;
	size_t n;
	struct row *rows = layout(e, cols, &n);
	size_t r = cursor_row(rows, n, e->cursor);
	bool moved = false;
	if ((dir < 0 && r > 0) || (dir > 0 && r + 1 < n)) {
		if (e->goal_col < 0)
			e->goal_col = columns_between(e, rows[r].start, e->cursor);
		e->cursor = at_column(e, &rows[dir < 0 ? r - 1 : r + 1], e->goal_col);
		moved = true;
	}
	free(rows);
	return moved;
}

/* ---------------------------------------------------------------- words */

enum char_class { CC_SPACE, CC_PUNCT, CC_LATIN, CC_OTHER };

static enum char_class classify(uint32_t cp)
{
	if (cp == ' ' || cp == '\n' || cp == 0x3000)
		return CC_SPACE;
	if (cp < 0x80) {
		bool alnum = (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || cp == '_';
		return alnum ? CC_LATIN : CC_PUNCT;
	}
	/* General and CJK punctuation, full-width ASCII punctuation. */
	if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3001 && cp <= 0x303F) ||
	    (cp >= 0xFE10 && cp <= 0xFE6F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
	    (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
	    (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0x00B7 || cp == 0x2026)
		return CC_PUNCT;
	if (cp < 0x0250)
		return CC_LATIN;
	return CC_OTHER;
}

static size_t word_start(const struct tui_lineedit *e, size_t pos)
{
	while (pos > 0) {
		size_t p = prev_boundary(e, pos);
		if (classify(cp_at(e, p, NULL)) != CC_SPACE)
			break;
		pos = p;
	}
	if (pos == 0)
		return 0;
	enum char_class cls = classify(cp_at(e, prev_boundary(e, pos), NULL));
	while (pos > 0) {
		size_t p = prev_boundary(e, pos);
		if (classify(cp_at(e, p, NULL)) != cls)
			break;
		pos = p;
	}
	return pos;
}

/* ---------------------------------------------------------------- keys */

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static bool is_printable(int key)
{
	if (key < 0x20 || key == 0x7F || (key >= 0x80 && key < 0xA0) || key > 0x10FFFF)
		return false;
	/* Function keys share the numbers 0401-0777 with Latin Extended-A/B;
	 * typed characters there come flagged (TUI_KEY_TEXT), so a bare number
	 * in the range is a key. */
	if (key >= KEY_MIN && key <= KEY_MAX)
		return false;
	return !(key >= 0xD800 && key <= 0xDFFF);
}

static void insert_cp(struct tui_lineedit *e, uint32_t cp)
{
	char out[4];
	size_t n = duban_utf8_encode(cp, out);
	splice(e, e->cursor, e->cursor, out, n);
	e->cursor += n;
}

static bool edit_key(struct tui_lineedit *e, int key)
{
	switch (key) {
	case CTRL('k'): {
		size_t end = line_end(e, e->cursor);
		if (end == e->cursor && end < e->len)
			end++; /* at the end of a line: join the next one, as Emacs does */
		splice(e, e->cursor, end, "", 0);
		return true;
	}
	case CTRL('u'):
		delete_range(e, line_start(e, e->cursor), e->cursor);
		return true;
	case CTRL('w'):
		delete_range(e, word_start(e, e->cursor), e->cursor);
		return true;
	case CTRL('d'):
	case KEY_DC:
		splice(e, e->cursor, next_boundary(e, e->cursor), "", 0);
		return true;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		delete_range(e, prev_boundary(e, e->cursor), e->cursor);
		return true;
	default:
		return false;
	}
}

static bool move_key(struct tui_lineedit *e, int key)
{
	switch (key) {
	case CTRL('a'):
	case KEY_HOME:
		e->cursor = line_start(e, e->cursor);
		return true;
	case CTRL('e'):
	case KEY_END:
		e->cursor = line_end(e, e->cursor);
		return true;
	case CTRL('b'):
	case KEY_LEFT:
		e->cursor = prev_boundary(e, e->cursor);
		return true;
	case CTRL('f'):
	case KEY_RIGHT:
		e->cursor = next_boundary(e, e->cursor);
		return true;
	case KEY_UP:
		return tui_lineedit_vertical(e, -1, 0);
	case KEY_DOWN:
		return tui_lineedit_vertical(e, 1, 0);
	default:
		return false;
	}
}

bool tui_lineedit_key(struct tui_lineedit *e, int key)
{
	if (key != KEY_UP && key != KEY_DOWN)
		e->goal_col = -1;
	if (move_key(e, key) || edit_key(e, key))
		return true;
	if (is_enter(key)) {
		if (!e->multiline)
			return false;
		insert_cp(e, '\n');
		return true;
	}
	if (key & TUI_KEY_TEXT) {
		insert_cp(e, (uint32_t)tui_key_char(key));
		return true;
	}
	if (key == '\t' || !is_printable(key))
		return false;
	insert_cp(e, (uint32_t)key);
	return true;
}

/* ---------------------------------------------------------------- view */

/* The smallest multiple of step that keeps pos within size cells of it:
 * the view moves by half a screen at a time, not on every key. */
static int page_start(int pos, int size)
{
	if (size < 1)
		size = 1;
	if (pos < size)
		return 0;
	int step = size / 2 > 0 ? size / 2 : 1;
	return (pos - size + 1 + step - 1) / step * step;
}

size_t tui_lineedit_view_start(const struct tui_lineedit *e, int cols)
{
	/* The cursor needs a cell of its own after the text it follows. */
	int target = page_start(columns_between(e, 0, e->cursor), cols);
	size_t p = 0;
	int col = 0;
	while (p < e->cursor && col < target) {
		col += cluster_width(e, p);
		p = next_boundary(e, p);
	}
	return p;
}

int tui_lineedit_top_row(const struct tui_lineedit *e, int cols, int rows)
{
	int row, col;
	tui_lineedit_locate(e, cols, &row, &col);
	return page_start(row, rows);
}

/* ---------------------------------------------------------------- drawing
 * The only part that needs curses; keep it last. */

/* Draws bytes [from, to) at (y, x) within cols columns; a character that
 * would cross the right edge leaves blanks instead. */
static void draw_span(const struct tui_lineedit *e, WINDOW *w, int y, int x, size_t from, size_t to, int cols)
{
	int col = 0;
	for (size_t p = from; p < to;) {
		size_t next = next_boundary(e, p);
		int cw = cluster_width(e, p);
		if (col + cw > cols)
			break;
		wchar_t wc[8];
		int n = 0;
		for (size_t q = p; q < next && n < 7;) {
			size_t len;
			uint32_t cp = cp_at(e, q, &len);
			wc[n++] = duban_cp_width(cp) < 0 ? L'?' : (wchar_t)cp;
			q += len;
		}
		wc[n] = L'\0';
		mvwaddnwstr(w, y, x + col, wc, n);
		col += cw;
		p = next;
	}
}

static void blank(WINDOW *w, int y, int x, int cols)
{
	wmove(w, y, x);
	for (int i = 0; i < cols; i++)
		waddch(w, ' ');
}

void tui_lineedit_draw(const struct tui_lineedit *e, WINDOW *w, int y, int x, int rows, int cols, attr_t attr)
{
	if (rows < 1 || cols < 1)
		return;
	attr_t old_attr;
	short old_pair;
	wattr_get(w, &old_attr, &old_pair, NULL);
	wattrset(w, (int)attr);
	int cy = y, cx = x;
	if (!e->multiline) {
		size_t start = tui_lineedit_view_start(e, cols);
		blank(w, y, x, cols);
		draw_span(e, w, y, x, start, e->len, cols);
		cx = x + columns_between(e, start, e->cursor);
	} else {
		size_t n;
		struct row *lines = layout(e, cols, &n);
		int top = tui_lineedit_top_row(e, cols, rows);
		for (int r = 0; r < rows; r++) {
			blank(w, y + r, x, cols);
			if ((size_t)(top + r) < n)
				draw_span(e, w, y + r, x, lines[top + r].start, lines[top + r].end, cols);
		}
		size_t cr = cursor_row(lines, n, e->cursor);
		cy = y + (int)cr - top;
		cx = x + columns_between(e, lines[cr].start, e->cursor);
		free(lines);
	}
	wattr_set(w, old_attr, old_pair, NULL);
	wmove(w, cy, cx < x + cols ? cx : x + cols - 1);
}
