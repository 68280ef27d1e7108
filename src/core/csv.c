/* RFC 4180 CSV reading and writing, with encoding detection. */
#include <config.h>

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/csv.h"
#include "duban/util.h"

/* ---------------------------------------------------------------- encoding */

/* Length of the valid UTF-8 sequence at s, or 0.  Strict: no overlong
 * forms, no surrogates, nothing above U+10FFFF, so that GBK text (whose
 * byte pairs sometimes look like UTF-8 lead/continuation bytes) is rarely
 * mistaken for UTF-8. */
static size_t utf8_seq_len(const unsigned char *s, const unsigned char *end)
{
	size_t avail = (size_t)(end - s);
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static bool utf8_valid(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data, *end = p + len;
	while (p < end) {
		size_t n = utf8_seq_len(p, end);
		if (!n || (n == 1 && *p == 0))
			return false;
		p += n;
	}
	return true;
}

static char *from_gb18030(const char *data, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	/* GB18030 takes at most 4 bytes per character, UTF-8 at most 4 too,
	 * and 2-byte GBK characters become 3 bytes: 2x plus slack suffices. */
	size_t cap = len * 2 + 16;
	char *out = xmalloc(cap);
	char *in = (char *)data, *o = out;
	size_t inleft = len, outleft = cap - 1;
	size_t r = iconv(cd, &in, &inleft, &o, &outleft);
	if (r != (size_t)-1)
		r = iconv(cd, NULL, NULL, &o, &outleft);
	iconv_close(cd);
	if (r == (size_t)-1 || inleft) {
		free(out);
		return NULL;
	}
	*o = '\0';
	if (memchr(out, '\0', (size_t)(o - out))) {
		free(out);
		return NULL;
	}
	return out;
}

char *duban_to_utf8(const char *data, size_t len, const char **encoding)
{
	static const char bom[] = "\xef\xbb\xbf";
	if (len >= 3 && memcmp(data, bom, 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (utf8_valid(data, len)) {
		if (encoding)
			*encoding = "UTF-8";
		return xstrndup(data, len);
	}
	char *out = from_gb18030(data, len);
	if (out && encoding)
		*encoding = "GB18030";
	return out;
}

/* ---------------------------------------------------------------- formulas */

/* A plain number: spreadsheets read it as a value, never as a formula, so
 * "-3" and "+1.5" stay as they are. */
static bool is_plain_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Whether a cell would be taken for a formula (or a DDE command) by Excel,
 * WPS or LibreOffice when the CSV is opened, so that a ledger text such as
 * "=HYPERLINK(...)" or "@SUM(...)" received from anyone cannot run in the
 * office's spreadsheet.  A cell already starting with the guard followed by
 * such a cell is guarded again, so that reading undoes writing exactly. */
static bool needs_guard(const char *cell)
{
	if (cell[0] == '\'')
		return needs_guard(cell + 1);
	if (!strchr("=+-@\t\r", cell[0]) || cell[0] == '\0' || cell[1] == '\0')
		return false;
	return !is_plain_number(cell);
}

static bool is_guarded(const char *cell)
{
	return cell[0] == '\'' && needs_guard(cell + 1);
}

/* ---------------------------------------------------------------- reading */

void duban_csv_record_free(struct duban_csv_record *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->ncells; i++)
		free(r->cells[i]);
	free(r->cells);
	r->cells = NULL;
	r->ncells = 0;
}

void duban_csv_reader_init(struct duban_csv_reader *rd, const char *text, size_t len)
{
	rd->p = text;
	rd->end = text + len;
	rd->line = 1;
}

static void add_cell(struct duban_csv_record *r, int *cap, struct duban_buf *cell)
{
	if (r->ncells == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->cells = xrealloc(r->cells, (size_t)*cap * sizeof *r->cells);
	}
	char *text = duban_buf_steal(cell);
	if (is_guarded(text))
		memmove(text, text + 1, strlen(text));
	r->cells[r->ncells++] = text;
}

/* Consumes a line break at rd->p (LF, CRLF or a lone CR); true if there was one. */
static bool eat_newline(struct duban_csv_reader *rd)
{
	if (rd->p < rd->end && *rd->p == '\r') {
		rd->p++;
		if (rd->p < rd->end && *rd->p == '\n')
			rd->p++;
		rd->line++;
		return true;
	}
	if (rd->p < rd->end && *rd->p == '\n') {
		rd->p++;
		rd->line++;
		return true;
	}
	return false;
}

/* Reads a quoted cell's contents after its opening quote.  Line breaks inside
 * become "\n" whatever the file uses, so a cell reads the same from a CRLF
 * file and an LF one.  False when the closing quote never comes. */
static bool read_quoted(struct duban_csv_reader *rd, struct duban_buf *cell)
{
	while (rd->p < rd->end) {
		char c = *rd->p;
		if (c == '"') {
			if (rd->p + 1 < rd->end && rd->p[1] == '"') {
				duban_buf_putc(cell, '"');
				rd->p += 2;
				continue;
			}
			rd->p++;
			return true;
		}
		if (eat_newline(rd)) {
			duban_buf_putc(cell, '\n');
			continue;
		}
		duban_buf_putc(cell, c);
		rd->p++;
	}
	return false;
}

/* Reads one cell up to (not including) the comma or line break after it.
 * Text after a closing quote is kept, as spreadsheet programs do. */
static bool read_cell(struct duban_csv_reader *rd, struct duban_buf *cell)
{
	if (rd->p < rd->end && *rd->p == '"') {
		rd->p++;
		if (!read_quoted(rd, cell))
			return false;
	}
	while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n' && *rd->p != '\r')
		duban_buf_putc(cell, *rd->p++);
	return true;
}

static void skip_blank_lines(struct duban_csv_reader *rd)
{
	while (eat_newline(rd))
		;
}

int duban_csv_read(struct duban_csv_reader *rd, struct duban_csv_record *out)
{
	out->cells = NULL;
	out->ncells = 0;
	skip_blank_lines(rd);
	out->line = rd->line;
	if (rd->p >= rd->end)
		return 0;
	int cap = 0;
	struct duban_buf cell;
	duban_buf_init(&cell);
	for (;;) {
		if (!read_cell(rd, &cell)) {
			duban_buf_free(&cell);
			duban_csv_record_free(out);
			return -1;
		}
		add_cell(out, &cap, &cell);
		if (rd->p < rd->end && *rd->p == ',') {
			rd->p++;
			continue;
		}
		eat_newline(rd);
		return 1;
	}
}

/* ---------------------------------------------------------------- writing */

static bool needs_quotes(const char *cell)
{
	if (!*cell)
		return false;
	if (strpbrk(cell, ",\"\r\n"))
		return true;
	size_t n = strlen(cell);
	return cell[0] == ' ' || cell[0] == '\t' || cell[n - 1] == ' ' || cell[n - 1] == '\t';
}

void duban_csv_write_cell(FILE *out, const char *cell, bool first)
{
	if (!first)
		fputc(',', out);
	if (!cell)
		return;
	bool guard = needs_guard(cell);
	if (!guard && !needs_quotes(cell)) {
		fputs(cell, out);
		return;
	}
	fputc('"', out);
	if (guard)
		fputc('\'', out);
	for (const char *p = cell; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void duban_csv_end_record(FILE *out)
{
	fputs("\r\n", out);
}
