/* Import and export of whole ledgers: CSV with the Chinese headers that
 * published ledgers use, and JSON. */
#ifndef DUBAN_LEDGER_IO_H
#define DUBAN_LEDGER_IO_H

#include <stdbool.h>
#include <stdio.h>

#include "duban/store.h"

struct duban_progress;

struct duban_import_options {
	bool dry_run;
	const char *mapping_path; /* file of "HEADER = field" lines, or NULL */
	int default_kind;         /* -1: decide per row (受理编号/是否属实 => complaint) */
	const char *sheet;        /* .xlsx: the sheet to read; NULL: every sheet with a header row */
	/* Lines, rows or items read so far (may be NULL); after Ctrl-C the
	 * import stops, writes nothing and returns DUBAN_ERR_INTERRUPTED. */
	struct duban_progress *progress;
};

struct duban_import_report {
	int rows;        /* data rows read */
	int inserted, updated, unchanged, bad;
	const char *encoding;
	/* Every bad row: "line N: reason" lines, malloc'd, NULL-terminated. */
	char **errors;
	int nerrors;
	/* Remarks that are not errors ("note: column 'X' ignored"), same form. */
	char **notes;
	int nnotes;
};
void duban_import_report_free(struct duban_import_report *r);

/* Imports a CSV, JSON or .xlsx file (by content) into the store; rows of a
 * workbook are read like CSV records and reported as "row N".  Rows whose code
 * exists update that item (field by field, with events); new codes insert.
 * All or nothing: any bad row means nothing is written and DUBAN_ERR_PARSE is
 * returned with the report listing every bad row.  A workbook that cannot be read
 * at all gives DUBAN_ERR_INVALID, a --sheet it lacks DUBAN_ERR_NOT_FOUND; the
 * report's last error says why. */
enum duban_err duban_import_file(duban_store *st, const char *path,
				 const struct duban_import_options *opt,
				 struct duban_import_report *report);

enum duban_export_format { DUBAN_EXPORT_CSV, DUBAN_EXPORT_JSON, DUBAN_EXPORT_XLSX };
struct duban_export_options {
	enum duban_export_format format;
	bool bom;                     /* UTF-8 BOM so Excel opens CSV as UTF-8 */
	const struct duban_filter *filter; /* NULL = everything */
	/* The trail instead of the items (CSV or JSON): every record and event
	 * with its item's code, type, field, old and new value, text, author,
	 * device, recorded_at (when the person did it) and received_at (when
	 * the server had it; "" for what was not sent yet). */
	bool history;
	/* Items written so far (may be NULL; not for xlsx); after Ctrl-C the
	 * export stops with DUBAN_ERR_INTERRUPTED (a file is then not made). */
	struct duban_progress *progress;
};
/* Writes every field of every matching item, in code order.  Export then
 * import into an empty ledger gives the same items.  XLSX: a workbook of one sheet
 * per kind (反馈问题, 信访件) with the CSV headers, the header row bold and
 * frozen, an autofilter, fitted widths, real dates and numbers, and overdue
 * items in light red; it is built in a temporary file and copied to out. */
enum duban_err duban_export(duban_store *st, FILE *out, const struct duban_export_options *opt);
/* The same into the file at path, through a temporary file next to it that
 * is renamed over path only when whole: a failed export never leaves half a
 * file.  DUBAN_ERR_IO with errno set when the file cannot be written; other
 * errors come from the ledger (duban_store_errmsg). */
enum duban_err duban_export_file(duban_store *st, const char *path, const struct duban_export_options *opt);

/* The import's reading of a column header, for other tables that take the
 * same sheets (the 调度 export fills a template by it): the item field the
 * header names (its name or label, or one of the titles published ledgers
 * use, compared without spaces and with half-width brackets), NULL when it
 * names none ("序号" and "id" name none). */
const struct duban_field *duban_import_header_field(const char *header);
/* Whether two headers are the same after that normalization. */
bool duban_import_header_is(const char *header, const char *want);

#endif
