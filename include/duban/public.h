/* The public list (信访件公开 / 整改情况公开): the published columns for the
 * items flagged public, with personal data left out and scrubbed from the
 * free text.  The list is a published document: its words are Chinese. */
#ifndef DUBAN_PUBLIC_H
#define DUBAN_PUBLIC_H

#include <stdbool.h>
#include <stdio.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/store.h"

enum duban_public_format { DUBAN_PUBLIC_CSV, DUBAN_PUBLIC_XLSX, DUBAN_PUBLIC_HTML, DUBAN_PUBLIC_FORMAT_COUNT };
/* "csv" / "xlsx" / "html"; -1 when unknown. */
int duban_public_format_parse(const char *s);
/* By the file name's extension (.csv, .xlsx, .html, .htm, any case); -1 when
 * it says nothing. */
int duban_public_format_of_path(const char *path);

/* The published columns, in order: 序号, 受理编号, 交办问题基本情况, 行政区域,
 * 污染类型, 调查核实情况, 是否属实, 处理和整改情况, 责任人被处理情况. */
extern const char *const duban_public_headers[];
extern const int duban_public_ncolumns;

/* Text with personal data replaced by "***" (one "***" per run of hidden
 * text): the item's contact (the whole value, each name and number in it, and
 * the surname with 先生 / 女士); mobile numbers (1[3-9] and 9 digits, grouped
 * by spaces or dashes, with +86 / 0086); landlines (0AA-NNNNNNNN or
 * (0AAA)NNNNNNN, with an extension; without the area code after 电话 / 座机 /
 * 手机 / Tel); ID card numbers (18 characters, last one X, or the old 15
 * digits, with a real birth date inside); e-mail addresses; QQ and WeChat
 * ids after their names; the complainant's name after 举报人 / 信访人 /
 * 投诉人 / 来电人 / 来信人 / 反映人 / 联系人 (after 村民 / 居民 / 群众 … only
 * before 反映 / 称 …), and a name with 先生 / 女士 (王先生, 李四先生).  Dates, codes, amounts and other numbers stay, and so do the
 * names of officials (责任人被处理情况 is published as it is apart from the
 * above).  Works on whole characters, never cutting one.  text NULL gives "";
 * item may be NULL.  Malloc'd. */
char *duban_public_redact(const char *text, const struct duban_item *item);

/* The cells of one published row (count duban_public_ncolumns, each
 * malloc'd), for the item numbered seq.  Free with duban_public_row_free. */
char **duban_public_row(const struct duban_item *item, int seq);
void duban_public_row_free(char **cells);

struct duban_public_options {
	enum duban_public_format format;
	bool bom;                          /* CSV: a UTF-8 byte order mark (Excel) */
	const struct duban_filter *filter; /* NULL: the whole ledger */
	const char *title;                 /* NULL: made from the filter (county, round, kind) */
	duban_date today;                  /* the "截至" date; DUBAN_DATE_NONE: duban_today() */
};

/* Writes the list of the public items that match the filter: complaints
 * first, then problems, each in code order, numbered 1..N throughout.
 * CSV and HTML are written to out; XLSX is made in a temporary file and
 * copied to out.  DUBAN_ERR_IO (errno set) when writing fails; a message from
 * the workbook writer, when it has one, goes to err (may be NULL). */
enum duban_err duban_public_export(duban_store *st, FILE *out, const struct duban_public_options *opt,
				   char *err, size_t errlen);
/* The same into the file at path, which is replaced only when the list is
 * whole. */
enum duban_err duban_public_export_file(duban_store *st, const char *path, const struct duban_public_options *opt,
					char *err, size_t errlen);

#endif
