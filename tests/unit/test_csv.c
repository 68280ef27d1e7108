/* Tests of the CSV reader and writer and of encoding detection. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/csv.h"
#include "duban/util.h"
#include "tap.h"

static char *fixture_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	return xasprintf("%s/tests/data/%s", top && *top ? top : ".", name);
}

/* Reads every record of text into "cell|cell" strings, one per record, and
 * their lines; returns the number read (the last status in *status). */
static int read_all(const char *text, size_t len, char *rows[], int lines[], int max, int *status)
{
	struct duban_csv_reader rd;
	struct duban_csv_record rec;
	duban_csv_reader_init(&rd, text, len);
	int n = 0, r;
	while (n < max && (r = duban_csv_read(&rd, &rec)) == 1) {
		struct duban_buf b;
		duban_buf_init(&b);
		duban_buf_puts(&b, "");
		for (int i = 0; i < rec.ncells; i++) {
			if (i)
				duban_buf_putc(&b, '|');
			duban_buf_puts(&b, rec.cells[i]);
		}
		rows[n] = duban_buf_steal(&b);
		lines[n++] = rec.line;
		duban_csv_record_free(&rec);
	}
	*status = r;
	if (r < 0)
		lines[n] = rec.line;
	return n;
}

static void free_rows(char *rows[], int n)
{
	for (int i = 0; i < n; i++)
		free(rows[i]);
}

static void test_reader_basics(void)
{
	char *rows[16];
	int lines[17], st;
	const char *t = "a,b,c\nd,,f\n";
	int n = read_all(t, strlen(t), rows, lines, 16, &st);
	is_int(n, 2, "two LF records");
	is_str(rows[0], "a|b|c", "plain cells");
	is_str(rows[1], "d||f", "an empty cell in the middle");
	is_int(st, 0, "end of input after the trailing newline");
	free_rows(rows, n);

	t = "x,y\r\nlast,";
	n = read_all(t, strlen(t), rows, lines, 16, &st);
	is_int(n, 2, "CRLF, and a last record without a newline");
	is_str(rows[1], "last|", "a trailing empty cell is kept");
	is_int(lines[1], 2, "its line is 2");
	free_rows(rows, n);

	t = "\n\r\n  \nfirst\n\n\nsecond";
	n = read_all(t, strlen(t), rows, lines, 16, &st);
	is_int(n, 3, "blank lines are skipped (a line of spaces is a record)");
	is_int(lines[1], 4, "record after blank lines starts on line 4");
	is_int(lines[2], 7, "lines counted through blank ones");
	free_rows(rows, n);

	n = read_all("", 0, rows, lines, 16, &st);
	ok(n == 0 && st == 0, "empty input has no record");
}

static void test_reader_quotes(void)
{
	char *rows[16];
	int lines[17], st;
	const char *t = "\"a,b\",\"say \"\"hi\"\"\",\"\"\n"
			"1,\"two\nlines\",3\n"
			"\"crlf\r\ninside\",x\r\n"
			"after,\"q\"tail\n";
	int n = read_all(t, strlen(t), rows, lines, 16, &st);
	is_int(n, 4, "four records");
	is_str(rows[0], "a,b|say \"hi\"|", "comma and doubled quotes in quoted cells, empty quoted cell");
	is_str(rows[1], "1|two\nlines|3", "a line break inside a quoted cell");
	is_int(lines[1], 2, "that record starts on line 2");
	is_str(rows[2], "crlf\ninside|x", "CRLF inside a quoted cell reads as LF");
	is_int(lines[2], 4, "the next record starts on line 4");
	is_int(lines[3], 6, "and the one after on line 6");
	is_str(rows[3], "after|qtail", "text after a closing quote is kept");
	free_rows(rows, n);

	t = "ok,1\n\nbad,\"never\nclosed,2\nmore\n";
	n = read_all(t, strlen(t), rows, lines, 16, &st);
	is_int(n, 1, "one good record before the bad one");
	is_int(st, -1, "an unterminated quote is malformed");
	is_int(lines[1], 3, "reported at the line where its record starts");
	free_rows(rows, n);
}

static void test_reader_fixture(void)
{
	char *path = fixture_path("quoted.csv");
	size_t len;
	char *data = duban_read_file(path, &len);
	ok(data != NULL, "quoted.csv fixture readable");
	if (!data) {
		free(path);
		return;
	}
	char *rows[16];
	int lines[17], st;
	int n = read_all(data, len, rows, lines, 16, &st);
	is_int(n, 5, "quoted.csv has five records");
	is_str(rows[0], "a|b,c|d\"e", "first record");
	is_str(rows[1], "1|two\nlines|3", "embedded CRLF");
	is_int(lines[1], 3, "after a blank CRLF line: line 3");
	is_str(rows[2], "||", "a record of empty cells");
	is_int(lines[2], 5, "line 5");
	is_str(rows[3], "xy|z|", "x\"y quirk and trailing empty cell");
	is_str(rows[4], "last|row|no-newline", "last record without newline");
	is_int(lines[4], 7, "line 7");
	is_int(st, 0, "clean end");
	free_rows(rows, n);
	free(data);
	free(path);
}

static char *write_to_string(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f);
	fclose(f);
	return buf;
}

static void write_sample(FILE *f)
{
	duban_csv_write_cell(f, "plain", true);
	duban_csv_write_cell(f, "a,b", false);
	duban_csv_write_cell(f, "say \"hi\"", false);
	duban_csv_write_cell(f, "two\nlines", false);
	duban_csv_write_cell(f, " padded", false);
	duban_csv_write_cell(f, "", false);
	duban_csv_write_cell(f, "中文，全角逗号", false);
	duban_csv_end_record(f);
	duban_csv_write_cell(f, "x", true);
	duban_csv_end_record(f);
}

static void test_writer(void)
{
	char *s = write_to_string(write_sample);
	is_str(s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",,中文，全角逗号\r\nx\r\n",
	       "cells are quoted only when needed; records end in CRLF");
	char *rows[4];
	int lines[5], st;
	int n = read_all(s, strlen(s), rows, lines, 4, &st);
	is_int(n, 2, "written text reads back as two records");
	is_str(rows[0], "plain|a,b|say \"hi\"|two\nlines| padded||中文，全角逗号", "and the same cells");
	free_rows(rows, n);
	free(s);
}

static void write_formulas(FILE *f)
{
	static const char *const cells[] = { "=HYPERLINK(\"http://x\",\"点击\")", "+86 138", "-2+3", "@SUM(A1)",
					     "\tx", "-3", "+1.5", "-", "=", "'=1+1", "''", "a=b", "－全角" };
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
		duban_csv_write_cell(f, cells[i], i == 0);
	duban_csv_end_record(f);
}

static void test_formula_guard(void)
{
	char *s = write_to_string(write_formulas);
	is_str(s,
	       "\"'=HYPERLINK(\"\"http://x\"\",\"\"点击\"\")\",\"'+86 138\",\"'-2+3\",\"'@SUM(A1)\",\"'\tx\","
	       "-3,+1.5,-,=,\"''=1+1\",'',a=b,－全角\r\n",
	       "cells a spreadsheet would run get an apostrophe; numbers and lone signs do not");
	char *rows[2];
	int lines[3], st;
	int n = read_all(s, strlen(s), rows, lines, 2, &st);
	is_int(n, 1, "the guarded record reads back");
	is_str(rows[0], "=HYPERLINK(\"http://x\",\"点击\")|+86 138|-2+3|@SUM(A1)|\tx|-3|+1.5|-|=|'=1+1|''|a=b|－全角",
	       "and reading removes exactly the apostrophes writing added");
	free_rows(rows, n);
	free(s);

	const char *hand = "'=1,'x,'-5\n";
	n = read_all(hand, strlen(hand), rows, lines, 2, &st);
	is_str(rows[0], "=1|'x|'-5", "a hand-made file: the apostrophe goes only before a formula");
	free_rows(rows, n);
}

static void test_encoding(void)
{
	const char *enc = NULL;
	char *u = duban_to_utf8("\xef\xbb\xbf序号,编号", strlen("\xef\xbb\xbf序号,编号"), &enc);
	is_str(u, "序号,编号", "a UTF-8 BOM is stripped");
	is_str(enc, "UTF-8", "and the encoding is UTF-8");
	free(u);

	enc = NULL;
	u = duban_to_utf8("\xd6\xd0\xce\xc4,abc", 8, &enc); /* 中文 in GBK */
	is_str(u, "中文,abc", "GBK bytes are converted");
	is_str(enc, "GB18030", "and the encoding is GB18030");
	free(u);

	u = duban_to_utf8("\xff\xff\xff", 3, &enc);
	ok(u == NULL, "bytes that are neither UTF-8 nor GB18030 give NULL");

	u = duban_to_utf8("\xed\xa0\x80", 3, &enc);
	ok(u == NULL || strcmp(enc, "GB18030") == 0, "an encoded surrogate is not taken as UTF-8");
	free(u);

	char *path = fixture_path("complaints_gbk.csv");
	size_t len;
	char *data = duban_read_file(path, &len);
	ok(data != NULL, "complaints_gbk.csv readable");
	if (data) {
		u = duban_to_utf8(data, len, &enc);
		is_str(enc, "GB18030", "the GBK fixture is detected as GB18030");
		ok(u && strstr(u, "交办问题基本情况") && strstr(u, "部分属实"), "and decodes to the Chinese headers and cells");
		free(u);
	}
	free(data);
	free(path);
}

int main(void)
{
	test_reader_basics();
	test_reader_quotes();
	test_reader_fixture();
	test_writer();
	test_formula_guard();
	test_encoding();
	return done_testing();
}
