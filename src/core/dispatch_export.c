/* The 调度 round in the superior's layout: a given Excel template's header
 * row, read with the import's header mapping and the round's own columns,
 * filled with one row per member, so the city reports upward without
 * typing the table again.  A header of two rows (a group title merged
 * over its columns) is read as the import reads it.  The xlsx writer makes fresh workbooks, so the
 * output has the template's sheet name, title and header row, not its
 * styles or other sheets. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/dispatch.h"
#include "duban/ledger_io.h"
#include "duban/model.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* The header row is looked for among the first rows only: below them the
 * sheet is data. */
#define HEADER_ROWS_MAX 20

/* What a template column is filled with. */
enum source {
	SRC_BLANK,     /* an empty or unknown header */
	SRC_SEQ,       /* 序号: 1, 2, … */
	SRC_FIELD,     /* an item field, as the import reads it */
	SRC_TEXT,      /* the latest submission's text */
	SRC_PROGRESS,  /* … its progress */
	SRC_DATE,      /* … its date */
	SRC_AUTHOR,    /* … who submitted it */
	SRC_STATE,     /* missing, on time, late (in Chinese) */
	SRC_FIRST,     /* the first submission's date */
	SRC_COUNT,     /* how many submissions */
	SRC_ROUND,     /* the round's name */
	SRC_ROUND_TITLE,
	SRC_DUE,       /* the round's due date */
};

/* The round's columns in the headers superiors' tables use.  Looked up
 * before the import's mapping; a bare 状态 stays the item's status (as
 * import reads it), 报送状态 is the member's state. */
static const struct {
	const char *header;
	enum source src;
} round_columns[] = {
	{ "报送进展", SRC_TEXT }, { "进展情况", SRC_TEXT }, { "报送内容", SRC_TEXT },
	{ "调度情况", SRC_TEXT }, { "本期进展", SRC_TEXT }, { "工作进展", SRC_TEXT },
	{ "最新进展", SRC_TEXT }, { "推进情况", SRC_TEXT },
	{ "完成百分比", SRC_PROGRESS }, { "报送进度", SRC_PROGRESS }, { "进度百分比", SRC_PROGRESS },
	{ "完成比例", SRC_PROGRESS }, { "本期进度", SRC_PROGRESS }, { "完成比例(%)", SRC_PROGRESS },
	{ "完成百分比(%)", SRC_PROGRESS },
	{ "报送日期", SRC_DATE }, { "报送时间", SRC_DATE }, { "填报日期", SRC_DATE }, { "填报时间", SRC_DATE },
	{ "报送人", SRC_AUTHOR }, { "填报人", SRC_AUTHOR }, { "报送单位", SRC_AUTHOR },
	{ "报送状态", SRC_STATE }, { "报送情况", SRC_STATE }, { "调度状态", SRC_STATE }, { "是否报送", SRC_STATE },
	{ "首次报送日期", SRC_FIRST }, { "报送次数", SRC_COUNT },
	{ "调度名称", SRC_ROUND }, { "调度轮次", SRC_ROUND }, { "调度批次", SRC_ROUND },
	{ "调度标题", SRC_ROUND_TITLE },
	{ "报送截止日期", SRC_DUE }, { "调度截止日期", SRC_DUE }, { "报送时限", SRC_DUE },
};

/* The member's state as the office writes it, whatever the locale. */
static const char *const state_zh[DUBAN_DISPATCH_STATE_COUNT] = { "未报送", "按时报送", "逾期报送" };

struct column {
	enum source src;
	const struct duban_field *field;
	const char *header; /* the template's own, borrowed from the sheet */
};

/* Whether a cell holds nothing but spaces. */
static bool blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

static enum source source_of(const char *header, const struct duban_field **field)
{
	*field = NULL;
	if (blank(header))
		return SRC_BLANK;
	for (size_t i = 0; i < ARRAY_LEN(round_columns); i++)
		if (duban_import_header_is(header, round_columns[i].header))
			return round_columns[i].src;
	if (duban_import_header_is(header, "序号"))
		return SRC_SEQ;
	*field = duban_import_header_field(header);
	return *field ? SRC_FIELD : SRC_BLANK;
}

static int known_cells(const struct duban_csv_record *r)
{
	int known = 0;
	for (int i = 0; i < r->ncells; i++) {
		const struct duban_field *f;
		known += source_of(r->cells[i], &f) != SRC_BLANK;
	}
	return known;
}

/* The header row: the first of the first rows naming two known columns, as
 * the import finds it; -1 when none does. */
static int header_row(const struct duban_xlsx_sheet *s)
{
	for (int i = 0; i < s->nrows && i < HEADER_ROWS_MAX; i++)
		if (known_cells(&s->rows[i]) >= 2)
			return i;
	return -1;
}

static const char *cell_at(const struct duban_csv_record *r, int i)
{
	return i < r->ncells && r->cells[i] ? r->cells[i] : "";
}

/* A header of two rows (a group title merged over the columns it spans,
 * the columns named in the row below, as the import reads them): the row
 * under the header is its second row when each of its cells is empty,
 * repeats the cell above (merged over both rows) or names a known column,
 * and one of them names a known column the row above does not. */
static bool second_header(const struct duban_csv_record *head, const struct duban_csv_record *next)
{
	bool adds = false;
	for (int i = 0; i < next->ncells; i++) {
		const char *s = cell_at(next, i);
		const struct duban_field *f;
		if (blank(s) || strcmp(s, cell_at(head, i)) == 0)
			continue;
		if (source_of(s, &f) == SRC_BLANK)
			return false;
		adds |= source_of(cell_at(head, i), &f) == SRC_BLANK;
	}
	return adds;
}

/* The column names of a two-row header: the lower cell where it names a
 * known column, else the upper.  The cells point into the sheet. */
static void merge_header(struct duban_csv_record *head, const struct duban_csv_record *next)
{
	int n = head->ncells > next->ncells ? head->ncells : next->ncells;
	char **cells = xcalloc((size_t)n + 1, sizeof *cells);
	for (int i = 0; i < n; i++) {
		const struct duban_field *f;
		const char *low = cell_at(next, i);
		cells[i] = xstrdup(!blank(low) && source_of(low, &f) != SRC_BLANK ? low : cell_at(head, i));
	}
	for (int i = 0; i < head->ncells; i++)
		free(head->cells[i]);
	free(head->cells);
	head->cells = cells;
	head->ncells = n;
}

/* A title above the header: the first cell with text in the rows before it. */
static const char *title_above(const struct duban_xlsx_sheet *s, int head)
{
	for (int i = 0; i < head; i++)
		for (int c = 0; c < s->rows[i].ncells; c++)
			if (!blank(s->rows[i].cells[c]))
				return s->rows[i].cells[c];
	return NULL;
}

static enum duban_xlsx_col_type col_type(const struct column *c)
{
	switch (c->src) {
	case SRC_SEQ: case SRC_PROGRESS: case SRC_COUNT: return DUBAN_XLSX_NUMBER;
	case SRC_DATE: case SRC_FIRST: case SRC_DUE: return DUBAN_XLSX_DATE;
	case SRC_FIELD:
		if (c->field->type == DUBAN_FT_DATE)
			return DUBAN_XLSX_DATE;
		if (c->field->type == DUBAN_FT_INT || c->field->type == DUBAN_FT_DOUBLE)
			return DUBAN_XLSX_NUMBER;
		return DUBAN_XLSX_TEXT;
	default: return DUBAN_XLSX_TEXT;
	}
}

static char *date_text(duban_date d)
{
	char day[11];
	return xstrdup(d == DUBAN_DATE_NONE ? "" : duban_date_format(d, day));
}

/* One cell of a member's row (seq: its number), malloc'd. */
static char *cell(const struct column *c, const struct duban_dispatch *d, const struct duban_dispatch_member *m,
		  const struct duban_item *item, int seq)
{
	bool any = m->submissions > 0;
	switch (c->src) {
	case SRC_SEQ: return xasprintf("%d", seq);
	case SRC_FIELD: return duban_field_zh(c->field, item);
	case SRC_TEXT: return xstrdup(any && m->text ? m->text : "");
	case SRC_PROGRESS: return any && m->progress >= 0 ? xasprintf("%d", m->progress) : xstrdup("");
	case SRC_DATE: return any ? date_text(m->last_on) : xstrdup("");
	case SRC_AUTHOR: return xstrdup(any && m->author ? m->author : "");
	case SRC_STATE: return xstrdup(state_zh[m->state]);
	case SRC_FIRST: return date_text(m->first_on);
	case SRC_COUNT: return xasprintf("%d", m->submissions);
	case SRC_ROUND: return xstrdup(d->name);
	case SRC_ROUND_TITLE: return xstrdup(d->title ? d->title : "");
	case SRC_DUE: return date_text(d->due);
	default: return xstrdup("");
	}
}

/* The template's columns, up to its last named one; the unknown headers
 * into *unknown. */
static struct column *read_columns(const struct duban_csv_record *head, int *ncols, char ***unknown)
{
	int n = head->ncells;
	while (n > 0 && blank(head->cells[n - 1]))
		n--;
	struct column *cols = xcalloc((size_t)n + 1, sizeof *cols);
	int nunknown = 0;
	for (int i = 0; i < n; i++) {
		cols[i].header = head->cells[i];
		cols[i].src = source_of(head->cells[i], &cols[i].field);
		if (cols[i].src != SRC_BLANK || blank(head->cells[i]) || !unknown)
			continue;
		*unknown = xrealloc(*unknown, (size_t)(nunknown + 2) * sizeof **unknown);
		(*unknown)[nunknown++] = xstrdup(head->cells[i]);
		(*unknown)[nunknown] = NULL;
	}
	*ncols = n;
	return cols;
}

static enum duban_err write_rows(duban_store *st, duban_xlsx_book *b, const struct column *cols, int ncols,
				 const struct duban_dispatch *d, const struct duban_dispatch_member *m, size_t n)
{
	char **cells = xcalloc((size_t)ncols + 1, sizeof *cells);
	enum duban_err e = DUBAN_OK;
	for (size_t r = 0; r < n && e == DUBAN_OK; r++) {
		struct duban_item item;
		duban_item_init(&item);
		if ((e = duban_item_get(st, m[r].item_id, &item)) == DUBAN_OK) {
			for (int c = 0; c < ncols; c++)
				cells[c] = cell(&cols[c], d, &m[r], &item, (int)r + 1);
			e = duban_xlsx_add_row(b, (const char *const *)cells, 0);
			for (int c = 0; c < ncols; c++) {
				free(cells[c]);
				cells[c] = NULL;
			}
		}
		duban_item_free(&item);
	}
	free(cells);
	return e;
}

/* The output workbook: the template's sheet name, title and header row. */
static enum duban_err write_book(duban_store *st, const char *out_path, const struct duban_xlsx_sheet *s, int head,
				 const struct column *cols, int ncols, const struct duban_dispatch *d,
				 const struct duban_dispatch_member *m, size_t n, char *err, size_t errlen)
{
	duban_xlsx_book *b = duban_xlsx_create(out_path, err, errlen);
	if (!b)
		return DUBAN_ERR_IO;
	struct duban_xlsx_column *xc = xcalloc((size_t)ncols + 1, sizeof *xc);
	for (int c = 0; c < ncols; c++)
		xc[c] = (struct duban_xlsx_column){ cols[c].header, col_type(&cols[c]), 0 };
	const char *title = title_above(s, head);
	enum duban_err e = title ? duban_xlsx_add_titled_sheet(b, s->name, title, xc, ncols)
				 : duban_xlsx_add_sheet(b, s->name, xc, ncols);
	free(xc);
	if (e == DUBAN_OK)
		e = write_rows(st, b, cols, ncols, d, m, n);
	if (e != DUBAN_OK) {
		duban_xlsx_abandon(b);
		if (!*err)
			snprintf(err, errlen, _("cannot write %s: %s"), out_path, duban_store_errmsg(st));
		return e;
	}
	return duban_xlsx_close(b, err, errlen);
}

/* The template's first sheet, read. */
static enum duban_err read_template(const char *path, struct duban_xlsx_sheet *s, char *err, size_t errlen)
{
	char **names = NULL;
	enum duban_err e = duban_xlsx_sheet_names(path, &names, err, errlen);
	if (e == DUBAN_OK && (!names || !names[0])) {
		snprintf(err, errlen, _("%s: the template has no sheet"), path);
		e = DUBAN_ERR_PARSE;
	}
	if (e == DUBAN_OK)
		e = duban_xlsx_read(path, names[0], s, err, errlen);
	duban_lines_free(names);
	return e;
}

enum duban_err duban_dispatch_export(duban_store *st, const char *name, const char *template_path,
				     const char *out_path, int *rows, char ***unknown, char *err, size_t errlen)
{
	struct duban_dispatch d;
	struct duban_dispatch_member *m = NULL;
	struct duban_xlsx_sheet s;
	size_t n = 0;
	memset(&s, 0, sizeof s);
	err[0] = '\0';
	*rows = 0;
	if (unknown)
		*unknown = NULL;
	enum duban_err e = duban_dispatch_get(st, name, &d);
	if (e != DUBAN_OK) {
		snprintf(err, errlen, "%s", duban_store_errmsg(st));
		return e;
	}
	if ((e = duban_dispatch_members(st, name, &m, &n)) != DUBAN_OK)
		snprintf(err, errlen, "%s", duban_store_errmsg(st));
	if (e == DUBAN_OK)
		e = read_template(template_path, &s, err, errlen);
	int head = e == DUBAN_OK ? header_row(&s) : -1;
	if (e == DUBAN_OK && head < 0) {
		snprintf(err, errlen, _("%s: no header row: no row of the first sheet names two known columns"),
			 template_path);
		e = DUBAN_ERR_PARSE;
	}
	if (e == DUBAN_OK) {
		int ncols;
		if (head + 1 < s.nrows && second_header(&s.rows[head], &s.rows[head + 1]))
			merge_header(&s.rows[head], &s.rows[head + 1]);
		struct column *cols = read_columns(&s.rows[head], &ncols, unknown);
		e = write_book(st, out_path, &s, head, cols, ncols, &d, m, n, err, errlen);
		free(cols);
		*rows = e == DUBAN_OK ? (int)n : 0;
	}
	duban_xlsx_sheet_free(&s);
	duban_dispatch_members_free(m, n);
	duban_dispatch_free(&d);
	return e;
}
