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
#include "duban/util.h"

struct export_ctx {
	FILE *out;
	int count;
	bool nomem;
};

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
	return 0;
}

/* Each object as cJSON pretty-prints it, indented one level as an array
 * element: the same text cJSON_Print would give for the whole array. */
static int write_json_item(const struct duban_item *item, void *vctx)
{
	struct export_ctx *ctx = vctx;
	cJSON *obj = duban_item_to_json(item);
	char *text = obj ? cJSON_Print(obj) : NULL;
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
	cJSON_free(text);
	ctx->count++;
	return 0;
}

enum duban_err duban_export(duban_store *st, FILE *out, const struct duban_export_options *opt)
{
	struct duban_filter all;
	duban_filter_init(&all);
	const struct duban_filter *filter = opt && opt->filter ? opt->filter : &all;
	bool json = opt && opt->format == DUBAN_EXPORT_JSON;
	struct export_ctx ctx = { out, 0, false };
	enum duban_err err;
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
	if (err == DUBAN_OK && (fflush(out) != 0 || ferror(out)))
		err = DUBAN_ERR_IO;
	return err;
}

enum duban_err duban_export_file(duban_store *st, const char *path, const struct duban_export_options *opt)
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
