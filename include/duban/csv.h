/* RFC 4180 CSV reading and writing, with encoding detection (UTF-8 with or
 * without BOM, GB18030/GBK) through iconv. */
#ifndef DUBAN_CSV_H
#define DUBAN_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Converts a whole file's bytes to UTF-8: strips a UTF-8 BOM, or, when the
 * bytes are not valid UTF-8, converts from GB18030 (a superset of GBK and
 * GB2312).  Returns a malloc'd NUL-terminated string and sets *encoding to
 * "UTF-8" or "GB18030"; NULL when neither decodes. */
char *duban_to_utf8(const char *data, size_t len, const char **encoding);

/* A parsed CSV record. */
struct duban_csv_record {
	char **cells;
	int ncells;
	int line;     /* 1-based line where the record starts */
};
void duban_csv_record_free(struct duban_csv_record *r);

/* Reads records from a UTF-8 buffer: quoted cells with commas, doubled quotes
 * and line breaks; CRLF or LF. */
struct duban_csv_reader {
	const char *p, *end;
	int line;
};
void duban_csv_reader_init(struct duban_csv_reader *rd, const char *text, size_t len);
/* 1 = a record, 0 = end of input, -1 = malformed (unterminated quote); the
 * record's line tells where. */
int duban_csv_read(struct duban_csv_reader *rd, struct duban_csv_record *out);

/* Writes one cell / ends a record; quotes only when needed.  A text cell a
 * spreadsheet would take for a formula (starting with = + - @, a tab or a
 * carriage return, and not a plain number such as -3) is written with a
 * leading apostrophe, which duban_csv_read removes again. */
void duban_csv_write_cell(FILE *out, const char *cell, bool first);
void duban_csv_end_record(FILE *out);

#endif
