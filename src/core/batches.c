/* Batch statistics of transferred complaints (信访件), as inspection offices
 * publish them: per batch (批次) and county, the complaints, their pollution
 * types, what verification found (属实 …) and how far handling got (已办结 …).
 * One aggregate query; the words are Chinese whatever the locale, like the
 * bulletin's. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/csv.h"
#include "duban/json.h"
#include "duban/report.h"
#include "duban/utf8.h"
#include "duban/xlsx.h"
#include "duban/util.h"
#include "store_internal.h"

const char *const duban_batch_types[DUBAN_BATCH_TYPES] = { "水", "大气", "土壤", "生态", "噪声", "海洋", "辐射", "其他" };

/* The column headers after batch and county, in the order of the figures. */
static const char *const figure_heads[DUBAN_BATCH_FIGURES] = {
	"交办件数", "水", "大气", "土壤", "生态", "噪声", "海洋", "辐射", "其他",
	"属实", "基本属实", "部分属实", "不属实", "已办结", "阶段性办结", "正在办理",
};
static const char *const figure_keys[DUBAN_BATCH_FIGURES] = {
	"complaints", "water", "air", "soil", "ecology", "noise", "marine", "radiation", "other",
	"true", "mostly", "partly", "false", "closed", "stage_closed", "in_progress",
};

/* A complaint has a type when it is one of its categories (joined by 、). */
#define HAS(t) "instr('、' || categories || '、', '、" t "、') > 0"
#define NAMED HAS("水") " OR " HAS("大气") " OR " HAS("土壤") " OR " HAS("生态") " OR " HAS("噪声") \
	" OR " HAS("海洋") " OR " HAS("辐射")

static const char batch_sql[] =
	"/* batches */ SELECT batch, county, count(*),"
	" sum(" HAS("水") "), sum(" HAS("大气") "), sum(" HAS("土壤") "), sum(" HAS("生态") "),"
	" sum(" HAS("噪声") "), sum(" HAS("海洋") "), sum(" HAS("辐射") "), sum(NOT (" NAMED ")),"
	" sum(verdict = 'true'), sum(verdict = 'mostly'), sum(verdict = 'partly'), sum(verdict = 'false'),"
	/* 已办结 closed (销号); 阶段性办结 verified or publicized (accepted, not
	 * yet closed); 正在办理 everything before acceptance. */
	" sum(status = 'closed'), sum(status IN ('verified', 'publicized')),"
	" sum(status IN ('not_started', 'in_progress', 'requested'))"
	" FROM item WHERE kind = 'complaint'";

enum duban_err duban_batches_build(duban_store *st, const struct duban_filter *filter, struct duban_batch_row **out,
				   int *n)
{
	sqlite3_stmt *s = store_filter_stmt(st, filter, batch_sql, true,
					    " GROUP BY batch, county ORDER BY length(batch), batch, county");
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		struct duban_batch_row *r = &(*out)[(*n)++];
		r->batch = xstrdup((const char *)sqlite3_column_text(s, 0));
		r->county = xstrdup((const char *)sqlite3_column_text(s, 1));
		for (int i = 0; i < DUBAN_BATCH_FIGURES; i++)
			r->v[i] = sqlite3_column_int64(s, 2 + i);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		duban_batches_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("counting the batches"));
	}
	return DUBAN_OK;
}

void duban_batches_free(struct duban_batch_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		free(rows[i].batch);
		free(rows[i].county);
	}
	free(rows);
}

int duban_batches_format_parse(const char *s)
{
	static const char *const names[DUBAN_BATCHES_FORMAT_COUNT] = { "table", "csv", "json", "md", "xlsx" };
	for (int i = 0; i < DUBAN_BATCHES_FORMAT_COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (strcmp(s, "text") == 0)
		return DUBAN_BATCHES_TABLE;
	if (strcmp(s, "markdown") == 0)
		return DUBAN_BATCHES_MD;
	return -1;
}

/* The rows and a 合计 row: cells as text, batch and county first. */
static char **row_cells(const struct duban_batch_row *r, const char *batch, const char *county)
{
	char **c = xcalloc(DUBAN_BATCH_FIGURES + 2, sizeof *c);
	c[0] = xstrdup(*batch ? batch : "（未填批次）");
	c[1] = xstrdup(*county ? county : "（未填县区）");
	for (int i = 0; i < DUBAN_BATCH_FIGURES; i++)
		c[i + 2] = xasprintf("%lld", r->v[i]);
	return c;
}

static void cells_free(char **c)
{
	for (int i = 0; i < DUBAN_BATCH_FIGURES + 2; i++)
		free(c[i]);
	free(c);
}

static struct duban_batch_row total_of(const struct duban_batch_row *rows, int n)
{
	struct duban_batch_row t = { 0 };
	for (int i = 0; i < n; i++)
		for (int k = 0; k < DUBAN_BATCH_FIGURES; k++)
			t.v[k] += rows[i].v[k];
	return t;
}

static void write_csv(const struct duban_batch_row *rows, int n, FILE *out)
{
	duban_csv_write_cell(out, "批次", true);
	duban_csv_write_cell(out, "县（市、区）", false);
	for (int i = 0; i < DUBAN_BATCH_FIGURES; i++)
		duban_csv_write_cell(out, figure_heads[i], false);
	duban_csv_end_record(out);
	struct duban_batch_row t = total_of(rows, n);
	for (int i = 0; i <= n; i++) {
		char **c = i < n ? row_cells(&rows[i], rows[i].batch, rows[i].county) : row_cells(&t, "合计", "");
		if (i == n)
			c[1][0] = '\0';
		for (int k = 0; k < DUBAN_BATCH_FIGURES + 2; k++)
			duban_csv_write_cell(out, c[k], k == 0);
		duban_csv_end_record(out);
		cells_free(c);
	}
}

static cJSON *row_json(const struct duban_batch_row *r)
{
	cJSON *o = cJSON_CreateObject();
	if (r->batch)
		cJSON_AddStringToObject(o, "batch", r->batch);
	if (r->county)
		cJSON_AddStringToObject(o, "county", r->county);
	for (int i = 0; i < DUBAN_BATCH_FIGURES; i++)
		cJSON_AddNumberToObject(o, figure_keys[i], (double)r->v[i]);
	return o;
}

static void write_json(const struct duban_batch_row *rows, int n, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "batches");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, row_json(&rows[i]));
	struct duban_batch_row t = total_of(rows, n);
	cJSON_AddItemToObject(root, "total", row_json(&t));
	char *text = duban_json_print(root, true);
	fprintf(out, "%s\n", text ? text : "null");
	free(text);
	cJSON_Delete(root);
}

/* A table of aligned columns (text) or a Markdown table; cells from data
 * are cleaned of terminal controls. */
static void write_table(const struct duban_batch_row *rows, int n, bool md, FILE *out)
{
	const int ncols = DUBAN_BATCH_FIGURES + 2;
	int nrows = n + 2;
	char ***cells = xcalloc((size_t)nrows, sizeof *cells);
	int width[DUBAN_BATCH_FIGURES + 2] = { 0 };
	struct duban_batch_row t = total_of(rows, n);
	cells[0] = xcalloc((size_t)ncols, sizeof **cells);
	cells[0][0] = xstrdup("批次");
	cells[0][1] = xstrdup("县（市、区）");
	for (int i = 0; i < DUBAN_BATCH_FIGURES; i++)
		cells[0][i + 2] = xstrdup(figure_heads[i]);
	for (int i = 0; i < n; i++) {
		char *b = duban_sanitize(rows[i].batch, false), *c = duban_sanitize(rows[i].county, false);
		cells[i + 1] = row_cells(&rows[i], b, c);
		free(b);
		free(c);
	}
	cells[n + 1] = row_cells(&t, "合计", "");
	cells[n + 1][1][0] = '\0';
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < ncols; c++)
			if (duban_str_width(cells[r][c]) > width[c])
				width[c] = duban_str_width(cells[r][c]);
	for (int r = 0; r < nrows; r++) {
		for (int c = 0; c < ncols; c++) {
			char *p = duban_pad(cells[r][c], width[c], c >= 2 && r > 0);
			fprintf(out, md ? "| %s " : c ? "  %s" : "%s", p);
			free(p);
		}
		fputs(md ? "|\n" : "\n", out);
		if (md && r == 0) {
			for (int c = 0; c < ncols; c++)
				fputs(c >= 2 ? "| ---: " : "| --- ", out);
			fputs("|\n", out);
		}
	}
	for (int r = 0; r < nrows; r++)
		cells_free(cells[r]);
	free(cells);
}

int duban_batches_write(const struct duban_batch_row *rows, int n, enum duban_batches_format fmt, FILE *out)
{
	switch (fmt) {
	case DUBAN_BATCHES_XLSX:
		return -1; /* not a stream: duban_batches_write_xlsx */
	case DUBAN_BATCHES_CSV:
		write_csv(rows, n, out);
		break;
	case DUBAN_BATCHES_JSON:
		write_json(rows, n, out);
		break;
	default:
		write_table(rows, n, fmt == DUBAN_BATCHES_MD, out);
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}

enum duban_err duban_batches_write_xlsx(const struct duban_batch_row *rows, int n, const char *path, char *err,
					size_t errlen)
{
	struct duban_xlsx_column cols[DUBAN_BATCH_FIGURES + 2] = {
		{ "批次", DUBAN_XLSX_TEXT, 0 }, { "县（市、区）", DUBAN_XLSX_TEXT, 0 },
	};
	for (int i = 0; i < DUBAN_BATCH_FIGURES; i++)
		cols[i + 2] = (struct duban_xlsx_column){ figure_heads[i], DUBAN_XLSX_NUMBER, 0 };
	duban_xlsx_book *book = duban_xlsx_create(path, err, errlen);
	if (!book)
		return DUBAN_ERR_IO;
	enum duban_err e = duban_xlsx_add_titled_sheet(book, "批次统计", "群众信访举报件分批次办理情况统计表", cols,
						       DUBAN_BATCH_FIGURES + 2);
	struct duban_batch_row t = total_of(rows, n);
	for (int i = 0; i <= n && e == DUBAN_OK; i++) {
		char **c = i < n ? row_cells(&rows[i], rows[i].batch, rows[i].county) : row_cells(&t, "合计", "");
		if (i == n)
			c[1][0] = '\0';
		e = duban_xlsx_add_row(book, (const char *const *)c, 0);
		cells_free(c);
	}
	if (e != DUBAN_OK) {
		snprintf(err, errlen, "%s", strerror(errno));
		duban_xlsx_abandon(book);
		return e;
	}
	return duban_xlsx_close(book, err, errlen);
}
