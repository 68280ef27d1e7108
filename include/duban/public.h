/* The public list (信访件公开 / 整改情况公开): the published columns for the
 * items flagged public, with personal data left out and scrubbed from the
 * free text.  The list is a published document: its words are Chinese. */
#ifndef DUBAN_PUBLIC_H
#define DUBAN_PUBLIC_H

#include <stdio.h>

#include "duban/model.h"
#include "duban/store.h"

enum duban_public_format { DUBAN_PUBLIC_CSV, DUBAN_PUBLIC_XLSX, DUBAN_PUBLIC_HTML, DUBAN_PUBLIC_FORMAT_COUNT };
/* "csv" / "xlsx" / "html"; -1 when unknown. */
int duban_public_format_parse(const char *s);

/* The published columns, in order: 序号, 受理编号, 交办问题基本情况, 行政区域,
 * 污染类型, 调查核实情况, 是否属实, 处理和整改情况, 责任人被处理情况. */
extern const char *const duban_public_headers[];
extern const int duban_public_ncolumns;

/* Text with personal data replaced by "***": the item's contact (the whole
 * value and each name or number in it), mobile and landline numbers, ID card
 * numbers and e-mail addresses.  Malloc'd. */
char *duban_public_redact(const char *text, const struct duban_item *item);

/* Writes the list of the public items that match filter (NULL: all), in code
 * order.  CSV and HTML go to out; XLSX needs a path (out is then ignored).
 * path NULL with XLSX is DUBAN_ERR_INVALID. */
enum duban_err duban_public_export(duban_store *st, const struct duban_filter *filter,
				   enum duban_public_format fmt, FILE *out, const char *path);

#endif
