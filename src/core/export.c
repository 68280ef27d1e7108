/* Export of whole ledgers: CSV with the Chinese column labels the offices
 * read, or JSON with the codec's field names.  Streams item by item, so a
 * large ledger never sits in memory. */
#include <config.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/csv.h"
#include "duban/json.h"
#include "duban/ledger_io.h"
#include "duban/progress.h"
#include "duban/util.h"
#include "duban/xlsx.h"
#include "store_internal.h"

struct export_ctx {
	FILE *out;
	int count;
	bool nomem;
	struct duban_progress *progress;
	bool interrupted;
};

/* Shows how many items are written; 1 (stop) after Ctrl-C. */
static int tick(struct duban_progress *p, long long count, bool *interrupted)
{
	if (duban_progress_update(p, count) == 0)
		return 0;
	*interrupted = true;
	return 1;
}

/* The items to come, for the progress line (only when one is shown). */
static void set_total(duban_store *st, struct duban_progress *p, const struct duban_filter *f)
{
	long long n = -1;
	if (p && duban_query_count(st, f, &n) != DUBAN_OK)
		n = -1;
	duban_progress_set_total(p, n);
}

static void write_csv_header(FILE *out)
{
	duban_csv_write_cell(out, "id", true);
	for (size_t i = 0; i < duban_field_count; i++)
		duban_csv_write_cell(out, duban_fields[i].label, false);
	duban_csv_end_record(out);
}

static int write_csv_item(const struct duban_item *item, void *vctx)
{
	struct export_ctx *ctx = vctx;
	duban_csv_write_cell(ctx->out, item->id, true);
	for (size_t i = 0; i < duban_field_count; i++) {
		char *s = duban_field_format(&duban_fields[i], item);
		duban_csv_write_cell(ctx->out, s, false);
		free(s);
	}
	duban_csv_end_record(ctx->out);
	ctx->count++;
	return tick(ctx->progress, ctx->count, &ctx->interrupted);
}

/* Each object as cJSON pretty-prints it, indented one level as an array
 * element: the same text cJSON_Print would give for the whole array. */
static int write_json_item(const struct duban_item *item, void *vctx)
{
	struct export_ctx *ctx = vctx;
	cJSON *obj = duban_item_to_json(item);
	char *text = obj ? duban_json_print(obj, true) : NULL;
	cJSON_Delete(obj);
	if (!text) {
		ctx->nomem = true;
		return 1;
	}
	fputs(ctx->count ? ",\n\t" : "\t", ctx->out);
	for (const char *p = text; *p; p++) {
		fputc(*p, ctx->out);
		if (*p == '\n')
			fputc('\t', ctx->out);
	}
	free(text);
	ctx->count++;
	return tick(ctx->progress, ctx->count, &ctx->interrupted);
}

/* ---------------------------------------------------------------- xlsx */


struct xlsx_ctx {
	duban_xlsx_book *book;
	const struct duban_xlsx_column *cols;
	int ncols;
	enum duban_kind kind;
	bool started;   /* the kind's sheet is there */
	duban_date today;
	enum duban_err err;
	struct duban_progress *progress;
	long long count;
	bool interrupted;
};

static enum duban_xlsx_col_type xlsx_type(const struct duban_field *f)
{
	if (f->type == DUBAN_FT_DATE)
		return DUBAN_XLSX_DATE;
	if (f->type == DUBAN_FT_INT || f->type == DUBAN_FT_DOUBLE)
		return DUBAN_XLSX_NUMBER;
	return DUBAN_XLSX_TEXT;
}

/* Enumerations in the Chinese the office reads (the importer reads them
 * back), the rest as the CSV export writes them. */
static char *xlsx_value(const struct duban_field *f, const struct duban_item *it)
{
	return duban_field_zh(f, it);
}

/* Overdue as the ledger's overdue filter has it: the deadline passed and
 * the item neither verified, publicized nor closed, nor ongoing. */
static bool item_overdue(const struct duban_item *it, duban_date today)
{
	return it->deadline != DUBAN_DATE_NONE && it->deadline < today &&
	       it->deadline_kind != DUBAN_DEADLINE_ONGOING &&
	       (it->status == DUBAN_STATUS_NOT_STARTED || it->status == DUBAN_STATUS_IN_PROGRESS ||
		it->status == DUBAN_STATUS_REQUESTED);
}

static int write_xlsx_item(const struct duban_item *item, void *vctx)
{
	struct xlsx_ctx *x = vctx;
	if (!x->started) {
		x->err = duban_xlsx_add_sheet(x->book, duban_kind_zh(x->kind), x->cols, x->ncols);
		x->started = true;
		if (x->err != DUBAN_OK)
			return 1;
	}
	char **cells = xcalloc((size_t)x->ncols, sizeof *cells);
	cells[0] = xstrdup(item->id);
	for (size_t i = 0; i < duban_field_count; i++)
		cells[i + 1] = xlsx_value(&duban_fields[i], item);
	x->err = duban_xlsx_add_row(x->book, (const char *const *)cells,
				    item_overdue(item, x->today) ? DUBAN_XLSX_ROW_HIGHLIGHT : 0);
	for (int i = 0; i < x->ncols; i++)
		free(cells[i]);
	free(cells);
	if (x->err != DUBAN_OK)
		return 1;
	return tick(x->progress, ++x->count, &x->interrupted);
}

static struct duban_xlsx_column *xlsx_columns(int *n)
{
	*n = (int)duban_field_count + 1;
	struct duban_xlsx_column *cols = xcalloc((size_t)*n, sizeof *cols);
	cols[0] = (struct duban_xlsx_column){ "id", DUBAN_XLSX_TEXT, 0 };
	for (size_t i = 0; i < duban_field_count; i++)
		cols[i + 1] = (struct duban_xlsx_column){ duban_fields[i].label, xlsx_type(&duban_fields[i]), 0 };
	return cols;
}

/* One sheet per kind that has matching items (an empty ledger still gets
 * its header row).  Sets errno on an I/O failure. */
static enum duban_err export_xlsx(duban_store *st, const char *path, const struct duban_filter *filter,
				  struct duban_progress *progress)
{
	char msg[512];
	duban_xlsx_book *book = duban_xlsx_create(path, msg, sizeof msg);
	if (!book)
		return DUBAN_ERR_IO;
	struct xlsx_ctx x = { .book = book, .today = duban_today(), .err = DUBAN_OK, .progress = progress };
	set_total(st, progress, filter);
	struct duban_xlsx_column *cols = xlsx_columns(&x.ncols);
	x.cols = cols;
	enum duban_err err = DUBAN_OK;
	bool any = false;
	for (int k = 0; k < DUBAN_KIND_COUNT && err == DUBAN_OK; k++) {
		if (filter->kind >= 0 && filter->kind != k)
			continue;
		struct duban_filter f = *filter;
		f.kind = k;
		x.kind = (enum duban_kind)k;
		x.started = false;
		err = duban_query_each(st, &f, DUBAN_SORT_CODE, write_xlsx_item, &x);
		if (x.err != DUBAN_OK)
			err = x.err;
		if (err == DUBAN_OK && x.interrupted)
			err = DUBAN_ERR_INTERRUPTED;
		any |= x.started;
	}
	if (err == DUBAN_OK && !any)
		err = duban_xlsx_add_sheet(book, duban_kind_zh(filter->kind > 0 ? (enum duban_kind)filter->kind : DUBAN_KIND_PROBLEM), cols, x.ncols);
	free(cols);
	if (err != DUBAN_OK) {
		int saved = errno;
		duban_xlsx_abandon(book);
		errno = saved;
		return err;
	}
	return duban_xlsx_close(book, msg, sizeof msg);
}

/* A workbook for a stream: built in a temporary file, then copied. */
static enum duban_err export_xlsx_stream(duban_store *st, FILE *out, const struct duban_filter *filter,
					 struct duban_progress *progress)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/duban-export-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return DUBAN_ERR_IO;
	}
	close(fd);
	enum duban_err err = export_xlsx(st, path, filter, progress);
	FILE *in = err == DUBAN_OK ? fopen(path, "rb") : NULL;
	if (err == DUBAN_OK && !in)
		err = DUBAN_ERR_IO;
	if (in) {
		char buf[1 << 15];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, in)) > 0)
			if (fwrite(buf, 1, n, out) != n) {
				err = DUBAN_ERR_IO;
				break;
			}
		if (ferror(in))
			err = DUBAN_ERR_IO;
		fclose(in);
	}
	unlink(path);
	free(path);
	return err;
}

/* ---------------------------------------------------------------- the trail */

/* Every record and event, item by item in the order they were made: who
 * did what and when (recorded at, on their clock) and when the server had
 * it.  Events outlive their items: a deleted item's trail is still here. */
static const char history_sql[] =
	"/* export */ SELECT coalesce(i.code, ''), x.item_id, x.kind, x.field, x.old_value, x.new_value, x.text,"
	" x.author, x.device, x.created_at, x.received_at FROM ("
	" SELECT item_id, 'note' AS kind, '' AS field, NULL AS old_value, NULL AS new_value, text, author,"
	"  '' AS device, created_at, received_at, 0 AS n FROM note"
	" UNION ALL SELECT item_id, 'inspection', '', NULL, NULL,"
	"  date || ' ' || CASE passed WHEN 1 THEN 'passed' ELSE 'failed' END || ' ' || findings, author, '',"
	"  created_at, received_at, 0 FROM inspection"
	" UNION ALL SELECT item_id, 'action', '', NULL, NULL, kind || ' ' || date || ' ' || text, author, '',"
	"  created_at, received_at, 0 FROM action"
	" UNION ALL SELECT item_id, 'attachment', '', NULL, NULL, name || ' ' || sha256, author, '', created_at,"
	"  received_at, 0 FROM attachment"
	" UNION ALL SELECT item_id, 'event', field, old_value, new_value, reason, author, device, created_at,"
	"  received_at, coalesce(origin, seq) FROM event"
	") AS x LEFT JOIN item AS i ON i.id = x.item_id"
	/* Changes made in the same second: in the server's order. */
	" ORDER BY x.item_id, x.created_at, x.n, x.kind, x.field, x.new_value, x.text";

static const char *const history_keys[] = {
	"code", "item_id", "type", "field", "old_value", "new_value", "text", "author", "device", "recorded_at",
	"received_at",
};
static const char *const history_labels[] = {
	"编号", "id", "类型", "字段", "原值", "新值", "内容", "操作人", "设备", "记录时间", "接收时间",
};
#define HISTORY_COLUMNS (sizeof history_keys / sizeof history_keys[0])

static enum duban_err export_history(duban_store *st, FILE *out, bool json, bool bom)
{
	sqlite3_stmt *s = store_stmt_sql(st, history_sql);
	int rc, n = 0;

	if (!s)
		return DUBAN_ERR_DB;
	if (json) {
		fputs("[\n", out);
	} else {
		if (bom)
			fputs("\xef\xbb\xbf", out);
		for (size_t c = 0; c < HISTORY_COLUMNS; c++)
			duban_csv_write_cell(out, history_labels[c], c == 0);
		duban_csv_end_record(out);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (json) {
			cJSON *o = cJSON_CreateObject();
			for (size_t c = 0; c < HISTORY_COLUMNS; c++) {
				const char *v = (const char *)sqlite3_column_text(s, (int)c);
				if (v)
					cJSON_AddStringToObject(o, history_keys[c], v);
				else
					cJSON_AddNullToObject(o, history_keys[c]);
			}
			char *text = cJSON_PrintUnformatted(o);
			cJSON_Delete(o);
			fprintf(out, "%s  %s", n ? ",\n" : "", text ? text : "{}");
			free(text);
		} else {
			for (size_t c = 0; c < HISTORY_COLUMNS; c++) {
				const char *v = (const char *)sqlite3_column_text(s, (int)c);
				duban_csv_write_cell(out, v ? v : "", c == 0);
			}
			duban_csv_end_record(out);
		}
		n++;
	}
	sqlite3_reset(s);
	if (json)
		fputs(n ? "\n]\n" : "]\n", out);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, _("reading the history"));
	return DUBAN_OK;
}

enum duban_err duban_export(duban_store *st, FILE *out, const struct duban_export_options *opt)
{
	if (opt && opt->history) {
		enum duban_err e = export_history(st, out, opt->format == DUBAN_EXPORT_JSON, opt->bom);
		if (e == DUBAN_OK && (fflush(out) != 0 || ferror(out)))
			e = DUBAN_ERR_IO;
		return e;
	}

	struct duban_filter all;
	duban_filter_init(&all);
	const struct duban_filter *filter = opt && opt->filter ? opt->filter : &all;
	if (opt && opt->format == DUBAN_EXPORT_XLSX) {
		enum duban_err e = export_xlsx_stream(st, out, filter, opt->progress);
		if (e == DUBAN_OK && (fflush(out) != 0 || ferror(out)))
			e = DUBAN_ERR_IO;
		return e;
	}
	bool json = opt && opt->format == DUBAN_EXPORT_JSON;
	struct export_ctx ctx = { out, 0, false, opt ? opt->progress : NULL, false };
	enum duban_err err;
	set_total(st, ctx.progress, filter);
	if (json) {
		fputs("[\n", out);
		err = duban_query_each(st, filter, DUBAN_SORT_CODE, write_json_item, &ctx);
		fputs(ctx.count ? "\n]\n" : "]\n", out);
	} else {
		if (opt && opt->bom)
			fputs("\xef\xbb\xbf", out);
		write_csv_header(out);
		err = duban_query_each(st, filter, DUBAN_SORT_CODE, write_csv_item, &ctx);
	}
	if (err == DUBAN_OK && ctx.nomem)
		err = DUBAN_ERR_NOMEM;
	if (err == DUBAN_OK && ctx.interrupted)
		err = DUBAN_ERR_INTERRUPTED;
	if (err == DUBAN_OK && (fflush(out) != 0 || ferror(out)))
		err = DUBAN_ERR_IO;
	return err;
}

static enum duban_err export_replace(duban_store *st, const char *path, const struct duban_export_options *opt);

/* An export into a device or FIFO: written as it is made. */
static enum duban_err export_direct(duban_store *st, const char *path, const struct duban_export_options *opt)
{
	int fd = duban_open_direct(path);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return DUBAN_ERR_IO;
	}
	enum duban_err err = duban_export(st, out, opt);
	int saved = errno;
	if (fclose(out) != 0 && err == DUBAN_OK) {
		saved = errno;
		err = DUBAN_ERR_IO;
	}
	errno = saved;
	return err;
}

enum duban_err duban_export_file(duban_store *st, const char *path, const struct duban_export_options *opt)
{
	if (opt && opt->format == DUBAN_EXPORT_XLSX) {
		struct duban_filter all;
		duban_filter_init(&all);
		return export_xlsx(st, path, opt->filter ? opt->filter : &all, opt->progress);
	}
	char *target = NULL;
	int kind = duban_output_target(path, &target);
	if (kind < 0)
		return DUBAN_ERR_IO;
	if (kind == DUBAN_OUT_DIRECT) {
		free(target);
		return export_direct(st, path, opt);
	}
	enum duban_err err = export_replace(st, target, opt);
	int saved = errno;
	free(target);
	errno = saved;
	return err;
}

/* A CSV or JSON export into a new file beside path, renamed over it. */
static enum duban_err export_replace(duban_store *st, const char *path, const struct duban_export_options *opt)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return DUBAN_ERR_IO;
	}
	/* mkstemp makes the file 0600; an export is an ordinary document. */
	mode_t mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	FILE *out = fdopen(fd, "w");
	if (!out) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		errno = e;
		return DUBAN_ERR_IO;
	}
	enum duban_err err = duban_export(st, out, opt);
	int saved = errno;
	bool ok = err == DUBAN_OK && fflush(out) == 0 && fsync(fileno(out)) == 0;
	if (err == DUBAN_OK && !ok)
		saved = errno;
	if (fclose(out) != 0 && ok) {
		saved = errno;
		ok = false;
	}
	if (ok && rename(tmp, path) != 0) {
		saved = errno;
		ok = false;
	}
	if (!ok) {
		unlink(tmp);
		if (err == DUBAN_OK)
			err = DUBAN_ERR_IO;
	}
	free(tmp);
	errno = saved;
	return err;
}
