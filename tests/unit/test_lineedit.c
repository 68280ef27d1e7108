/* Tests of the line editor: every key on ASCII, Chinese and mixed text, the
 * cursor never inside a character, kill commands, Up/Down by display column
 * over wide characters, a pasted paragraph, and the scrolled and wrapped
 * views, drawn into a curses pad at the end. */
#include <config.h>

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "tap.h"
#include "tui.h"

#define CTRL(c) ((c) & 0x1f)

/* The first lines of the seed rectification plan, as a user pastes them:
 * each line ends in a space and a newline. */
static const char plan[] =
	"2021年X月X日至X月X日，中央第五生态环境保护督察组对我省开展了第二"
	"轮生态环境保护督察，X月X日向我省反馈了督察意见，根据反馈问题清单，经梳"
	"理，涉及X市整改任务x项，其中共性任务X项，个性任务X项。为坚决贯彻落实"
	"党中央、国务院和省委、省政府决策部署，全力推进生态文明建设和生态环境保护"
	"工作，切实抓好中央生态环境保护督察反馈意见整改，解决我市存在的突出生态环"
	"境问题，依据《XX省贯彻落实中央生态环境保护督察报告整改方案》，制定本方"
	"案。 \n"
	"一、指导思想 \n"
	"坚持以习近平生态文明思想为指导，深入贯彻落实党中央、国务院决策部署，把生"
	"态文明建设和环境保护放在更加突出位置，牢固树立绿水青山就是金山银山的理念"
	"，坚持生态优先、绿色发展，以抓好中央环保督察反馈问题整改为契机，从严压实"
	"生态文明建设的政治责任，加快推进生态环境治理体系和治理能力现代化，着力补"
	"齐生态环境短板，推进绿色发展，突出精准治污、科学治污、依法治污，坚决打赢"
	"打好污染防治攻坚战，持续改善生态环境质量，不断提升人民群众的满意度和获得"
	"感，建设天蓝、地绿、水净、美丽和谐的XX。 \n";

/* True when the cursor sits on the first byte of a character. */
static bool on_boundary(const struct tui_lineedit *e)
{
	return e->cursor <= e->len && (e->cursor == e->len || ((unsigned char)e->text[e->cursor] & 0xC0) != 0x80);
}

/* Types s key by key, as wget_wch delivers it: one code point per key, and
 * Enter as the terminal's carriage return. */
static void type(struct tui_lineedit *e, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += duban_utf8_decode(s + i, len - i, &cp);
		int key = cp == '\n' ? '\r' : (int)cp;
		if (cp >= KEY_MIN && cp <= KEY_MAX)
			key = TUI_KEY_TEXT | key; /* as tui_getkey flags them */
		tui_lineedit_key(e, key);
	}
}

/* Pinyin with tone marks: ā ǎ ǜ are code points ncurses also uses for
 * function keys (0401-0777); typed, they are text. */
static void test_pinyin(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "", false);
	type(&e, "hé liú ǎ ǜ ā ǚ");
	is_str(e.text, "hé liú ǎ ǜ ā ǚ", "pinyin tone letters are typed as text");
	size_t len = e.len;
	ok(!tui_lineedit_key(&e, 0x101), "a bare 0401-0777 number is a function key, not text");
	is_int((int)e.len, (int)len, "... and inserts nothing");
	ok(tui_lineedit_key(&e, TUI_KEY_TEXT | 0x1CE), "a flagged ǎ is taken");
	is_str(e.text + len, "ǎ", "... as ǎ");
	tui_lineedit_free(&e);
}

/* ---------------------------------------------------------------- ASCII */

static void test_ascii(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "hello", false);
	is_int(e.cursor, 5, "init: cursor at the end");
	ok(!e.modified, "init: not modified");
	ok(tui_lineedit_key(&e, CTRL('a')), "C-a used");
	is_int(e.cursor, 0, "C-a: start");
	tui_lineedit_key(&e, CTRL('e'));
	is_int(e.cursor, 5, "C-e: end");
	tui_lineedit_key(&e, KEY_HOME);
	is_int(e.cursor, 0, "Home: start");
	tui_lineedit_key(&e, KEY_END);
	is_int(e.cursor, 5, "End: end");
	tui_lineedit_key(&e, KEY_LEFT);
	tui_lineedit_key(&e, CTRL('b'));
	is_int(e.cursor, 3, "Left, C-b: two back");
	tui_lineedit_key(&e, KEY_RIGHT);
	is_int(e.cursor, 4, "Right: one forward");
	tui_lineedit_key(&e, CTRL('f'));
	tui_lineedit_key(&e, CTRL('f'));
	is_int(e.cursor, 5, "C-f stops at the end");
	tui_lineedit_key(&e, CTRL('a'));
	ok(tui_lineedit_key(&e, KEY_LEFT), "Left at the start is still used");
	is_int(e.cursor, 0, "Left at the start stays");
	ok(!e.modified, "moving does not modify");

	tui_lineedit_key(&e, 'X');
	is_str(e.text, "Xhello", "printable inserted at the cursor");
	ok(e.modified, "insert modifies");
	tui_lineedit_key(&e, CTRL('d'));
	is_str(e.text, "Xello", "C-d deletes forward");
	tui_lineedit_key(&e, KEY_DC);
	is_str(e.text, "Xllo", "Delete deletes forward");
	tui_lineedit_key(&e, KEY_BACKSPACE);
	is_str(e.text, "llo", "KEY_BACKSPACE deletes back");
	is_int(e.cursor, 0, "cursor after backspace");
	ok(tui_lineedit_key(&e, 127), "DEL at the start is used");
	is_str(e.text, "llo", "DEL at the start deletes nothing");
	tui_lineedit_key(&e, CTRL('e'));
	tui_lineedit_key(&e, 127);
	tui_lineedit_key(&e, 8);
	is_str(e.text, "l", "DEL and C-h delete back");
	tui_lineedit_key(&e, CTRL('d'));
	is_str(e.text, "l", "C-d at the end deletes nothing");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "one two three", false);
	e.cursor = 4;
	tui_lineedit_key(&e, CTRL('k'));
	is_str(e.text, "one ", "C-k kills to the end");
	tui_lineedit_insert(&e, "two three");
	e.cursor = 8;
	tui_lineedit_key(&e, CTRL('u'));
	is_str(e.text, "three", "C-u kills to the start");
	is_int(e.cursor, 0, "C-u leaves the cursor at the start");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "git log --one-line  ", false);
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "git log --one-", "C-w: spaces then a word");
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "git log --one", "C-w: punctuation is its own word");
	tui_lineedit_key(&e, CTRL('w'));
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "git log ", "C-w: the word then the dashes");
	tui_lineedit_key(&e, CTRL('w'));
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "", "C-w: down to nothing");
	ok(tui_lineedit_key(&e, CTRL('w')), "C-w on empty text is used");
	tui_lineedit_free(&e);
}

static void test_keys_not_used(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "ab", false);
	ok(!tui_lineedit_key(&e, '\r'), "single line: Enter is not used");
	ok(!tui_lineedit_key(&e, KEY_ENTER), "single line: KEY_ENTER is not used");
	ok(!tui_lineedit_key(&e, '\t'), "Tab is not used");
	ok(!tui_lineedit_key(&e, 27), "Esc is not used");
	ok(!tui_lineedit_key(&e, KEY_UP), "single line: Up is not used");
	ok(!tui_lineedit_key(&e, KEY_DOWN), "single line: Down is not used");
	ok(!tui_lineedit_key(&e, KEY_F(10)), "F10 is not used");
	ok(!tui_lineedit_key(&e, KEY_RESIZE), "KEY_RESIZE is not used");
	ok(!tui_lineedit_key(&e, CTRL('s')), "C-s is not used");
	ok(!tui_lineedit_key(&e, 0x9B), "a C1 control is not used");
	is_str(e.text, "ab", "text unchanged by unused keys");
	ok(!e.modified, "unused keys do not modify");
	tui_lineedit_free(&e);
}

/* ---------------------------------------------------------------- Chinese */

static void test_chinese(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "", false);
	type(&e, "已完成隔音改造");
	is_str(e.text, "已完成隔音改造", "wide characters typed as code points");
	is_int(e.cursor, 21, "cursor after 7 characters");
	tui_lineedit_key(&e, KEY_LEFT);
	is_int(e.cursor, 18, "Left moves one whole character");
	tui_lineedit_key(&e, CTRL('b'));
	is_int(e.cursor, 15, "C-b moves one whole character");
	tui_lineedit_key(&e, KEY_RIGHT);
	is_int(e.cursor, 18, "Right moves one whole character");
	tui_lineedit_key(&e, KEY_BACKSPACE);
	is_str(e.text, "已完成隔音造", "Backspace deletes one character");
	is_int(e.cursor, 15, "cursor after Backspace");
	tui_lineedit_key(&e, CTRL('d'));
	is_str(e.text, "已完成隔音", "C-d deletes one character");
	tui_lineedit_key(&e, KEY_HOME);
	tui_lineedit_key(&e, KEY_DC);
	is_str(e.text, "完成隔音", "Delete at the start");
	tui_lineedit_key(&e, KEY_RIGHT);
	tui_lineedit_key(&e, 0x5DF2);
	is_str(e.text, "完已成隔音", "insert a code point in the middle");
	is_int(e.cursor, 6, "cursor after the inserted character");
	tui_lineedit_key(&e, CTRL('k'));
	is_str(e.text, "完已", "C-k on Chinese");
	tui_lineedit_key(&e, CTRL('u'));
	is_str(e.text, "", "C-u on Chinese");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "已完成隔音改造，噪声达标。", false);
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "已完成隔音改造，噪声达标", "C-w: closing punctuation first");
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "已完成隔音改造，", "C-w: a CJK run stops at punctuation");
	tui_lineedit_key(&e, CTRL('w'));
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "", "C-w: then the comma and the clause");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "甲县　环保局 2024年", false);
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "甲县　环保局 2024", "C-w: CJK after digits is another word");
	tui_lineedit_key(&e, CTRL('w'));
	tui_lineedit_key(&e, CTRL('w'));
	is_str(e.text, "甲县　", "C-w: ideographic space separates words");
	tui_lineedit_free(&e);
}

static void test_mixed(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "ab中c文😀d\xcc\x81", false);
	size_t steps = 0;
	bool bounded = true;
	while (e.cursor > 0 && steps < 100) {
		tui_lineedit_key(&e, KEY_LEFT);
		bounded = bounded && on_boundary(&e);
		steps++;
	}
	is_int(steps, 7, "Left over mixed text: one step per character (mark rides on d)");
	ok(bounded, "Left never stops inside a character");
	bounded = true;
	for (steps = 0; e.cursor < e.len && steps < 100; steps++) {
		tui_lineedit_key(&e, CTRL('f'));
		bounded = bounded && on_boundary(&e);
	}
	is_int(steps, 7, "C-f over mixed text: one step per character");
	ok(bounded, "C-f never stops inside a character");
	tui_lineedit_key(&e, 127);
	is_str(e.text, "ab中c文😀", "Backspace removes the letter with its accent");
	tui_lineedit_key(&e, 127);
	is_str(e.text, "ab中c文", "Backspace removes a 4-byte emoji whole");
	tui_lineedit_key(&e, KEY_LEFT);
	tui_lineedit_key(&e, KEY_LEFT);
	tui_lineedit_key(&e, CTRL('d'));
	is_str(e.text, "ab中文", "C-d before an ASCII letter between wide ones");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "x", false);
	tui_lineedit_insert(&e, "a\tb\x1b[31mc\r\nd\xff");
	is_str(e.text, "xa b[31mc d\xef\xbf\xbd", "insert: tab, escape, newline and a bad byte made safe");
	tui_lineedit_free(&e);
}

/* ---------------------------------------------------------------- multiline */

static void test_multiline(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "abcdefgh\n中文字体\nxy", true);
	e.cursor = 3; /* after "abc", column 3 */
	ok(tui_lineedit_key(&e, KEY_DOWN), "Down used in multiline");
	is_int(e.cursor, 12, "Down: column 3 is inside 文, stop before it (after 中)");
	ok(tui_lineedit_key(&e, KEY_DOWN), "Down again");
	is_int(e.cursor, e.len, "Down: the short last line ends at column 2");
	ok(!tui_lineedit_key(&e, KEY_DOWN), "Down on the last line is not used");
	tui_lineedit_key(&e, KEY_UP);
	is_int(e.cursor, 12, "Up: column 2 is after 中");
	tui_lineedit_key(&e, KEY_RIGHT);
	tui_lineedit_key(&e, KEY_UP);
	is_int(e.cursor, 4, "Up: column 4 (after 中文) goes to column 4");
	ok(!tui_lineedit_key(&e, KEY_UP), "Up on the first line is not used");
	tui_lineedit_key(&e, CTRL('e'));
	is_int(e.cursor, 8, "C-e: end of the logical line");
	tui_lineedit_key(&e, CTRL('k'));
	is_str(e.text, "abcdefgh中文字体\nxy", "C-k at the end of a line joins the next");
	tui_lineedit_key(&e, CTRL('k'));
	is_str(e.text, "abcdefgh\nxy", "C-k kills to the end of the line only");
	tui_lineedit_key(&e, '\r');
	is_str(e.text, "abcdefgh\n\nxy", "Enter inserts a newline");
	tui_lineedit_key(&e, KEY_DOWN);
	tui_lineedit_key(&e, CTRL('a'));
	tui_lineedit_key(&e, 127);
	is_str(e.text, "abcdefgh\nxy", "Backspace at a line start joins lines");
	tui_lineedit_key(&e, CTRL('e'));
	tui_lineedit_key(&e, CTRL('u'));
	is_str(e.text, "abcdefgh\n", "C-u kills to the start of the line");
	tui_lineedit_free(&e);

	/* Wrapped rows: "中文字体ab中c" at 5 columns is 中文 | 字体a | b中c. */
	tui_lineedit_init(&e, "中文字体ab中c", true);
	is_int(tui_lineedit_rows(&e, 5), 3, "wrapped at 5 columns: 3 rows");
	int row, col;
	tui_lineedit_locate(&e, 5, &row, &col);
	is_int(row, 2, "cursor at the end: last row");
	is_int(col, 4, "cursor at the end: column 4");
	ok(tui_lineedit_vertical(&e, -1, 5), "vertical up");
	tui_lineedit_locate(&e, 5, &row, &col);
	is_int(row, 1, "up: row 1");
	is_int(col, 4, "up: row 1 is 5 wide but ends at a wrap, column 4");
	ok(on_boundary(&e), "up: on a boundary");
	ok(tui_lineedit_vertical(&e, -1, 5), "vertical up again");
	tui_lineedit_locate(&e, 5, &row, &col);
	is_int(row, 0, "up: row 0");
	is_int(col, 2, "up: before 文, never in its middle");
	ok(!tui_lineedit_vertical(&e, -1, 5), "vertical up at the top: not moved");
	ok(tui_lineedit_vertical(&e, 1, 5), "vertical down");
	tui_lineedit_locate(&e, 5, &row, &col);
	is_int(row, 1, "down: row 1");
	is_int(col, 4, "down: back to the goal column 4");
	tui_lineedit_key(&e, KEY_LEFT);
	ok(tui_lineedit_vertical(&e, -1, 5), "vertical up after Left");
	tui_lineedit_locate(&e, 5, &row, &col);
	is_int(row * 100 + col, 2, "Left forgot the goal: column 2");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "中文字体ab中cd", true);
	is_int(tui_lineedit_rows(&e, 5), 4, "a full last row: an empty row after it");
	tui_lineedit_locate(&e, 5, &row, &col);
	is_int(row * 100 + col, 300, "cursor at the end of a full last row: next row, column 0");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "中文字体", true);
	is_int(tui_lineedit_rows(&e, 4), 3, "exactly full rows: an empty row for the cursor");
	tui_lineedit_locate(&e, 4, &row, &col);
	is_int(row, 2, "cursor at the end of full rows: next row");
	is_int(col, 0, "... at column 0");
	e.cursor = 6;
	tui_lineedit_locate(&e, 4, &row, &col);
	is_int(row, 1, "cursor at a wrap point: start of the next row");
	is_int(col, 0, "... at column 0");
	is_int(tui_lineedit_top_row(&e, 4, 1), 1, "one-row view follows the cursor");
	tui_lineedit_free(&e);

	/* 避头尾: "甲乙，丙" at 4 columns would put ， first on row 1; 乙 goes
	 * down with it: 甲 | 乙，| 丙. */
	tui_lineedit_init(&e, "甲乙，丙", true);
	is_int(tui_lineedit_rows(&e, 4), 3, "no row starts with ，: three rows");
	e.cursor = strlen("甲");
	tui_lineedit_locate(&e, 4, &row, &col);
	is_int(row * 100 + col, 100, "乙 starts row 1");
	e.cursor = strlen("甲乙，");
	tui_lineedit_locate(&e, 4, &row, &col);
	is_int(row * 100 + col, 200, "丙 starts row 2");
	tui_lineedit_free(&e);

	/* Two closing marks in a row go down with the character before them. */
	tui_lineedit_init(&e, "甲乙。）丙", true);
	e.cursor = strlen("甲");
	tui_lineedit_locate(&e, 4, &row, &col);
	is_int(row * 100 + col, 100, "。）: 乙 goes down with them");
	tui_lineedit_free(&e);
}

/* ---------------------------------------------------------------- paste */

static void test_paste(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "", true);
	tui_lineedit_insert(&e, plan);
	is_str(e.text, plan, "multiline: pasted paragraph kept as is");
	is_int(e.cursor, strlen(plan), "multiline: cursor after the paste");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "", true);
	type(&e, plan);
	is_str(e.text, plan, "multiline: paragraph typed key by key (Enter as CR)");
	size_t chars = 0;
	for (size_t i = 0; i < strlen(plan);) {
		uint32_t cp;
		i += duban_utf8_decode(plan + i, strlen(plan) - i, &cp);
		chars++;
	}
	size_t steps = 0;
	bool bounded = true;
	while (e.cursor > 0 && steps <= chars) {
		tui_lineedit_key(&e, KEY_LEFT);
		bounded = bounded && on_boundary(&e);
		steps++;
	}
	is_int(steps, chars, "Left across the paragraph: one step per character");
	ok(bounded, "... never inside a character");

	/* Walk down the paragraph wrapped at 41 columns (odd, so that column
	 * 40 falls between halves of wide characters). */
	int rows = tui_lineedit_rows(&e, 41), row, col, moves = 0;
	e.cursor = 0;
	tui_lineedit_key(&e, KEY_RIGHT); /* "2": column 1 */
	tui_lineedit_key(&e, KEY_RIGHT);
	tui_lineedit_key(&e, KEY_RIGHT); /* after "202": column 3 */
	bounded = true;
	bool columns = true;
	while (tui_lineedit_vertical(&e, 1, 41)) {
		moves++;
		tui_lineedit_locate(&e, 41, &row, &col);
		bounded = bounded && on_boundary(&e);
		/* the paragraph ends in a newline: the last row is empty */
		columns = columns && ((col <= 3 && col >= 2) || (col == 0 && row == rows - 1));
		if (!columns) {
			diag("row %d column %d", row, col);
			break;
		}
	}
	is_int(moves, rows - 1, "Down through every wrapped row");
	ok(bounded, "... always on a boundary");
	ok(columns, "... at column 3 or just before a wide character");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "备注：", false);
	tui_lineedit_insert(&e, plan);
	ok(strchr(e.text, '\n') == NULL, "single line: no newline after a paste");
	is_int(e.len, strlen("备注：") + strlen(plan), "single line: newlines became spaces");
	ok(e.modified, "paste modifies");
	tui_lineedit_free(&e);
}

/* ---------------------------------------------------------------- view */

static int width_between(const struct tui_lineedit *e, size_t from, size_t to)
{
	char *s = xstrndup(e->text + from, to - from);
	int w = duban_str_width(s);
	free(s);
	return w;
}

static void test_view_start(void)
{
	struct tui_lineedit e;
	tui_lineedit_init(&e, "abcdefghij", false);
	is_int(tui_lineedit_view_start(&e, 20), 0, "fits: no scrolling");
	is_int(tui_lineedit_view_start(&e, 11), 0, "fits with the cursor cell: no scrolling");
	is_int(tui_lineedit_view_start(&e, 10), 5, "one column short: scrolls by half the width");
	is_int(tui_lineedit_view_start(&e, 5), 6, "5 columns: starts at g");
	e.cursor = 3;
	is_int(tui_lineedit_view_start(&e, 5), 0, "cursor near the start: no scrolling");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "中文字体测试", false);
	is_int(tui_lineedit_view_start(&e, 5), 12, "wide: starts at 测 (column 8)");
	tui_lineedit_free(&e);

	/* 体 spans columns 7-8: a start at column 6 would cut 字 (5-6), so the
	 * view starts after it. */
	tui_lineedit_init(&e, "a中文字体", false);
	size_t s = tui_lineedit_view_start(&e, 6);
	is_int(s, 10, "wide character at the left edge: skipped whole");
	ok(width_between(&e, s, e.cursor) <= 5, "cursor within the view");

	bool good = true;
	for (int cols = 1; cols <= 12; cols++)
		for (e.cursor = 0; e.cursor <= e.len; e.cursor = e.cursor < e.len ? e.cursor + (e.cursor ? 3 : 1) : e.len + 1) {
			size_t v = tui_lineedit_view_start(&e, cols);
			if (v > e.cursor || (v < e.len && (e.text[v] & 0xC0) == 0x80) ||
			    (cols > 2 && width_between(&e, v, e.cursor) > cols - 1))
				good = false;
		}
	e.cursor = e.len;
	ok(good, "every width and cursor: start on a boundary, cursor visible");
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "", true);
	tui_lineedit_insert(&e, plan);
	int row, col;
	tui_lineedit_locate(&e, 30, &row, &col);
	int top = tui_lineedit_top_row(&e, 30, 6);
	ok(row >= top && row < top + 6, "multiline: the cursor row is in view");
	is_int(top % 3, 0, "multiline: the view moves by half its height");
	tui_lineedit_free(&e);
}

/* ---------------------------------------------------------------- drawing */

/* The text of row y of a pad, cells of wide characters read once. */
static char *pad_row(WINDOW *pad, int y, int cols)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int x = 0; x < cols; x++) {
		cchar_t cc;
		wchar_t wc[CCHARW_MAX + 1];
		attr_t a;
		short pair;
		if (mvwin_wch(pad, y, x, &cc) == ERR || getcchar(&cc, wc, &a, &pair, NULL) == ERR)
			continue;
		for (int i = 0; wc[i]; i++) {
			char out[4];
			duban_buf_add(&b, out, duban_utf8_encode((uint32_t)wc[i], out));
		}
		if (wc[0] && duban_cp_width((uint32_t)wc[0]) == 2)
			x++;
	}
	return duban_buf_steal(&b);
}

static void test_draw(void)
{
	setenv("TERM", "xterm", 1); /* the same answers in every terminal */
	FILE *out = fopen("/dev/null", "w");
	FILE *in = fopen("/dev/null", "r");
	SCREEN *scr = out && in ? newterm(NULL, out, in) : NULL;
	if (!scr) {
		diag("no terminal description: drawing not tested");
		goto out;
	}
	WINDOW *pad = newpad(6, 12);
	struct tui_lineedit e;
	tui_lineedit_init(&e, "a中文字体", false);
	tui_lineedit_draw(&e, pad, 0, 0, 1, 6, A_NORMAL);
	int y, x;
	getyx(pad, y, x);
	is_int(y * 100 + x, 2, "hardware cursor after 体");
	char *r = pad_row(pad, 0, 12);
	is_str(r, "体          ", "single line scrolled: starts after a whole character");
	free(r);
	e.cursor = 0;
	tui_lineedit_draw(&e, pad, 0, 0, 1, 6, A_NORMAL);
	getyx(pad, y, x);
	is_int(y * 100 + x, 0, "hardware cursor at the start");
	r = pad_row(pad, 0, 12);
	is_str(r, "a中文       ", "right edge: 字 does not fit in the last column, a blank instead");
	free(r);
	tui_lineedit_free(&e);

	tui_lineedit_init(&e, "中文字体ab\nc", true);
	tui_lineedit_draw(&e, pad, 1, 2, 4, 5, A_NORMAL);
	getyx(pad, y, x);
	is_int(y, 4, "multiline cursor row");
	is_int(x, 3, "multiline cursor column");
	const char *want[] = { "  中文      ", "  字体a     ", "  b         ", "  c         " };
	for (int i = 0; i < 4; i++) {
		r = pad_row(pad, 1 + i, 12);
		is_str(r, want[i], "multiline wrapped row");
		free(r);
	}
	tui_lineedit_free(&e);
	delwin(pad);
	endwin();
	delscreen(scr);
out:
	if (out)
		fclose(out);
	if (in)
		fclose(in);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_ascii();
	test_keys_not_used();
	test_chinese();
	test_pinyin();
	test_mixed();
	test_multiline();
	test_paste();
	test_view_start();
	test_draw();
	return done_testing();
}
