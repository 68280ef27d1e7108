/* .xlsx workbooks: one sheet read into rows of text (libzip + expat), and
 * workbooks of plain tables written (libxlsxwriter).  Knows nothing of the
 * ledger: import.c, export.c and public.c give it rows. */
#ifndef DUBAN_XLSX_H
#define DUBAN_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#include "duban/csv.h"
#include "duban/model.h"

/* True when data starts like a zip archive ("PK\3\4"): an .xlsx workbook. */
bool duban_xlsx_sniff(const char *data, size_t len);

/* A sheet as rows of UTF-8 cells, in the shape the CSV reader gives, so the
 * importer reads both alike.  Each row's line is its row number in the
 * sheet (1-based); empty rows are left out. */
struct duban_xlsx_sheet {
	char *name;                    /* the sheet that was read */
	struct duban_csv_record *rows;
	int nrows;
};
void duban_xlsx_sheet_free(struct duban_xlsx_sheet *s);

/* Reads the sheet called sheet (NULL: the first one) of the workbook at path.
 * Cell text: shared and inline strings as they are; numbers in their shortest
 * exact form ("12", "3.5"); booleans "TRUE"/"FALSE"; numbers with a date
 * format (built-in 14-22, or a custom format with y/m/d) as YYYY-MM-DD (the
 * 1900 system, and 1904 when the workbook says so) when the date is
 * plausible (duban_xlsx_date_plausible), else as numbers; formulas by their cached
 * value.  A merged range gives its top-left value to every cell it covers, so
 * a header merged over two rows or columns names each column.
 * Errors: DUBAN_ERR_IO (cannot open), DUBAN_ERR_PARSE (not a workbook, bad
 * XML), DUBAN_ERR_NOT_FOUND (no such sheet: err lists the sheets there are);
 * err gets a translated message. */
enum duban_err duban_xlsx_read(const char *path, const char *sheet, struct duban_xlsx_sheet *out,
			       char *err, size_t errlen);

/* The names of the workbook's sheets in order into *names: NULL-terminated,
 * malloc'd (free with duban_lines_free of utf8.h).  Errors as duban_xlsx_read. */
enum duban_err duban_xlsx_sheet_names(const char *path, char ***names, char *err, size_t errlen);

/* Excel serial day numbers: days since 1899-12-30 (serial 1 = 1900-01-01,
 * with Lotus's phantom 1900-02-29 at 60, read as 1900-03-01), or since
 * 1904-01-01 in the 1904 system.  The fraction (time of day) is dropped.
 * DUBAN_DATE_NONE below 1 (0 in 1904) or past 9999-12-31. */
duban_date duban_xlsx_serial_to_date(double serial, bool date1904);
/* The 1900-system serial of a date (from 1900-03-01 on). */
double duban_xlsx_date_to_serial(duban_date d);
/* A serial day number written out as text ("46188", "46188.5") read as a
 * date when it is a plausible ledger date; else NONE.  For sheets whose date
 * cells lost their format. */
duban_date duban_xlsx_serial_text_date(const char *s);
/* Whether a date read from a serial (a date cell or serial text) is taken as
 * a date: 2000-01-01 to 2100-12-31.  Outside it the serial is a number that
 * a date format dressed up (serial 1 would be 1900-01-01), kept as a number,
 * so a date column refuses it. */
bool duban_xlsx_date_plausible(duban_date d);

/* Column letters at the start of ref ("AA" of "AA12"): 1 for A ... 16384 for
 * XFD; 0 when there are none or too many.  *end (may be NULL) is set after
 * the letters. */
int duban_xlsx_col_number(const char *ref, const char **end);
/* The letters of column col (1..16384) into buf; "" when out of range. */
char *duban_xlsx_col_letters(int col, char buf[4]);

/* ---- Writing: a workbook of tables, one sheet after the other. ---- */
typedef struct duban_xlsx_book duban_xlsx_book;

enum duban_xlsx_col_type {
	DUBAN_XLSX_TEXT,   /* written as a string */
	DUBAN_XLSX_NUMBER, /* written as a number when the text is one, else as text */
	DUBAN_XLSX_DATE    /* YYYY-MM-DD written as an Excel date (yyyy-mm-dd), else as text */
};

struct duban_xlsx_column {
	const char *header;
	enum duban_xlsx_col_type type;
	int max_width; /* cap in character cells for the fitted width (0: 60) */
};

enum { DUBAN_XLSX_ROW_HIGHLIGHT = 1 }; /* e.g. an overdue item: a light red fill */

/* Starts a workbook that will be written to path (through a temporary file
 * renamed over path by duban_xlsx_close, so a failure leaves no half file).
 * NULL with err set when it cannot. */
duban_xlsx_book *duban_xlsx_create(const char *path, char *err, size_t errlen);
/* A new sheet with a bold header row, frozen below the header, with an
 * autofilter over the table.  Sheet names are cut to Excel's 31 characters. */
enum duban_err duban_xlsx_add_sheet(duban_xlsx_book *b, const char *name,
				    const struct duban_xlsx_column *cols, int ncols);
/* The same below a title row (bold, merged over the columns), as published
 * tables have; the frozen pane and the autofilter start at the header. */
enum duban_err duban_xlsx_add_titled_sheet(duban_xlsx_book *b, const char *name, const char *title,
					   const struct duban_xlsx_column *cols, int ncols);
/* One row of the current sheet; cells may be NULL or "" (left empty). */
enum duban_err duban_xlsx_add_row(duban_xlsx_book *b, const char *const *cells, unsigned flags);
/* Fits each column's width to its longest cell in display columns (Chinese
 * counts two), writes the file and frees b (also after an error). */
enum duban_err duban_xlsx_close(duban_xlsx_book *b, char *err, size_t errlen);
/* Frees b and removes the temporary file without writing anything. */
void duban_xlsx_abandon(duban_xlsx_book *b);

#endif
