/* Writing workbooks of plain tables through libxlsxwriter, in its constant
 * memory mode: each row goes to disk as it is added, so a large ledger never
 * sits in memory.  The file is built under a temporary name and renamed over
 * the target only when whole. */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"

#define SHEET_NAME_MAX 31
#define ROWS_MAX 1048576
#define DEFAULT_MAX_WIDTH 60

enum { F_PLAIN, F_WRAP, F_DATE, F_STYLES };

struct col_state {
	enum duban_xlsx_col_type type;
	int cap;   /* width cap in character cells */
	int width; /* widest cell so far */
};

struct duban_xlsx_book {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	char *path, *tmp; /* path: the file replaced (a symlink resolved) or the device */
	bool direct;      /* path is a device or FIFO: tmp is copied into it */
	lxw_format *header;
	lxw_format *fmt[2][F_STYLES]; /* [highlighted][style] */
	struct col_state *cols;
	int ncols;
	long row;      /* rows written to the current sheet, header included */
	long head_row; /* the header's row: 1 below a title, else 0 */
	char **names;  /* sheet names used, for making them unique */
	int nnames;
	char *error;   /* the first failure, reported by close */
};

static void book_error(duban_xlsx_book *b, char *msg)
{
	if (!b->error)
		b->error = msg;
	else
		free(msg);
}

static void make_formats(duban_xlsx_book *b)
{
	b->header = workbook_add_format(b->wb);
	format_set_bold(b->header);
	format_set_align(b->header, LXW_ALIGN_CENTER);
	format_set_align(b->header, LXW_ALIGN_VERTICAL_CENTER);
	format_set_bg_color(b->header, 0xDDEBF7);
	format_set_bottom(b->header, LXW_BORDER_THIN);
	for (int hl = 0; hl < 2; hl++)
		for (int s = 0; s < F_STYLES; s++) {
			lxw_format *f = workbook_add_format(b->wb);
			/* one wrapped cell makes a row tall: the others read from the top */
			format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
			if (s == F_WRAP)
				format_set_text_wrap(f);
			if (s == F_DATE)
				format_set_num_format(f, "yyyy-mm-dd");
			if (hl)
				format_set_bg_color(f, 0xFFC7CE); /* Excel's light red "bad" fill */
			b->fmt[hl][s] = f;
		}
}

/* The temporary file a workbook for path is built in: beside the file it
 * replaces (so that rename is atomic), or in $TMPDIR for a device or FIFO,
 * which gets a copy at the end.  NULL with errno when path is refused. */
static char *workbook_tmp(const char *path, char **target, bool *direct, int *fd)
{
	int kind = duban_output_target(path, target);
	if (kind < 0)
		return NULL;
	*direct = kind == DUBAN_OUT_DIRECT;
	const char *dir = getenv("TMPDIR");
	char *tmp = *direct ? xasprintf("%s/duban-xlsx-XXXXXX", dir && *dir ? dir : "/tmp")
			    : xasprintf("%s.XXXXXX", *target);
	*fd = mkstemp(tmp);
	if (*fd >= 0)
		return tmp;
	int e = errno;
	free(tmp);
	free(*target);
	*target = NULL;
	errno = e;
	return NULL;
}

duban_xlsx_book *duban_xlsx_create(const char *path, char *err, size_t errlen)
{
	char *target = NULL;
	bool direct = false;
	int fd = -1;
	char *tmp = workbook_tmp(path, &target, &direct, &fd);
	if (!tmp) {
		snprintf(err, errlen, _("cannot write %s: %s"), path, strerror(errno));
		return NULL;
	}
	/* mkstemp makes the file 0600; a workbook is an ordinary document. */
	mode_t mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	close(fd);
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
	const char *tmpdir = getenv("TMPDIR");
	opt.tmpdir = tmpdir && *tmpdir ? (char *)tmpdir : NULL;
	lxw_workbook *wb = workbook_new_opt(tmp, &opt);
	if (!wb) {
		snprintf(err, errlen, _("cannot write %s: %s"), path, _("cannot start the workbook"));
		unlink(tmp);
		free(tmp);
		free(target);
		return NULL;
	}
	duban_xlsx_book *b = xcalloc(1, sizeof *b);
	b->wb = wb;
	b->path = target;
	b->tmp = tmp;
	b->direct = direct;
	make_formats(b);
	return b;
}

/* ---------------------------------------------------------------- widths */

/* Columns of the widest line of s, Chinese counting two. */
static int text_width(const char *s)
{
	int widest = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);
		int w = duban_str_width(line);
		free(line);
		if (w > widest)
			widest = w;
		s += n;
		if (*s)
			s++;
	}
	return widest;
}

static void finish_sheet(duban_xlsx_book *b)
{
	if (!b->ws)
		return;
	for (int c = 0; c < b->ncols; c++) {
		int w = b->cols[c].width;
		if (w > b->cols[c].cap)
			w = b->cols[c].cap;
		/* a little air, as Excel's own fit leaves */
		worksheet_set_column(b->ws, (lxw_col_t)c, (lxw_col_t)c, w + 2, NULL);
	}
	if (b->ncols > 0)
		worksheet_autofilter(b->ws, (lxw_row_t)b->head_row, 0,
				     (lxw_row_t)(b->row > b->head_row + 1 ? b->row - 1 : b->head_row + 1),
				     (lxw_col_t)(b->ncols - 1));
	b->ws = NULL;
	free(b->cols);
	b->cols = NULL;
	b->ncols = 0;
}

/* ---------------------------------------------------------------- sheets */

/* Excel forbids []:*?/\ in sheet names and limits them to 31 characters. */
static char *sheet_name(duban_xlsx_book *b, const char *name)
{
	struct duban_buf s;
	duban_buf_init(&s);
	duban_buf_puts(&s, "");
	int chars = 0;
	for (const char *p = name; *p && chars < SHEET_NAME_MAX; chars++) {
		uint32_t cp;
		size_t n = duban_utf8_decode(p, strlen(p), &cp);
		if (strchr("[]:*?/\\", *p) || cp < 0x20)
			duban_buf_putc(&s, '_');
		else
			duban_buf_add(&s, p, n);
		p += n;
	}
	if (s.len == 0 || s.data[0] == '\'')
		duban_buf_puts(&s, "_");
	char *base = duban_buf_steal(&s);
	char *out = xstrdup(base);
	for (int k = 2;; k++) {
		bool taken = false;
		for (int i = 0; i < b->nnames && !taken; i++)
			taken = strcasecmp(b->names[i], out) == 0;
		if (!taken)
			break;
		free(out);
		out = xasprintf("%.*s (%d)", (int)duban_utf8_fit(base, SHEET_NAME_MAX - 8), base, k);
	}
	free(base);
	b->names = xrealloc(b->names, ((size_t)b->nnames + 1) * sizeof *b->names);
	b->names[b->nnames++] = out;
	return out;
}

enum duban_err duban_xlsx_add_sheet(duban_xlsx_book *b, const char *name,
				    const struct duban_xlsx_column *cols, int ncols)
{
	return duban_xlsx_add_titled_sheet(b, name, NULL, cols, ncols);
}

/* A published table's title: bold, centred, merged over the columns. */
static void write_title(duban_xlsx_book *b, const char *title, int ncols)
{
	lxw_format *f = workbook_add_format(b->wb);
	format_set_bold(f);
	format_set_font_size(f, 14);
	format_set_align(f, LXW_ALIGN_CENTER);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	worksheet_set_row(b->ws, 0, 30, NULL);
	if (ncols > 1)
		worksheet_merge_range(b->ws, 0, 0, 0, (lxw_col_t)(ncols - 1), title, f);
	else
		worksheet_write_string(b->ws, 0, 0, title, f);
}

enum duban_err duban_xlsx_add_titled_sheet(duban_xlsx_book *b, const char *name, const char *title,
					   const struct duban_xlsx_column *cols, int ncols)
{
	if (b->error)
		return DUBAN_ERR_IO;
	finish_sheet(b);
	const char *sname = sheet_name(b, name);
	b->ws = workbook_add_worksheet(b->wb, sname);
	if (!b->ws) {
		book_error(b, xasprintf(_("cannot add the sheet \"%s\""), sname));
		return DUBAN_ERR_IO;
	}
	b->ncols = ncols;
	b->head_row = title && *title ? 1 : 0;
	if (b->head_row)
		write_title(b, title, ncols);
	b->cols = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof *b->cols);
	for (int c = 0; c < ncols; c++) {
		const char *h = cols[c].header ? cols[c].header : "";
		b->cols[c].type = cols[c].type;
		b->cols[c].cap = cols[c].max_width > 0 ? cols[c].max_width : DEFAULT_MAX_WIDTH;
		/* the autofilter button takes two more */
		b->cols[c].width = text_width(h) + 2;
		if (cols[c].type == DUBAN_XLSX_DATE && b->cols[c].width < 10)
			b->cols[c].width = 10;
		worksheet_write_string(b->ws, (lxw_row_t)b->head_row, (lxw_col_t)c, h, b->header);
	}
	worksheet_freeze_panes(b->ws, (lxw_row_t)(b->head_row + 1), 0);
	b->row = b->head_row + 1;
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- rows */

static bool as_number(const char *s, double *v)
{
	char *end;
	if (!*s || strspn(s, " \t") > 0)
		return false;
	errno = 0;
	*v = strtod(s, &end);
	/* "0x1A", "inf" and "nan" are text in a ledger */
	return !*end && !errno && !strpbrk(s, "xXiInN");
}

/* Only YYYY-MM-DD is a date cell: "2026年底" stays the words it is. */
static bool is_iso_date(const char *s)
{
	static const char pattern[] = "dddd-dd-dd";
	for (int i = 0; pattern[i]; i++)
		if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i])
			return false;
	return s[10] == '\0';
}

static lxw_error write_cell(duban_xlsx_book *b, int c, const char *s, bool hl)
{
	struct col_state *col = &b->cols[c];
	lxw_row_t r = (lxw_row_t)b->row;
	lxw_col_t cc = (lxw_col_t)c;
	if (!s || !*s)
		return hl ? worksheet_write_blank(b->ws, r, cc, b->fmt[hl][F_PLAIN]) : LXW_NO_ERROR;
	double v;
	if (col->type == DUBAN_XLSX_DATE) {
		duban_date d = is_iso_date(s) ? duban_date_parse(s) : DUBAN_DATE_NONE;
		if (d != DUBAN_DATE_NONE && d >= duban_date_from_ymd(1900, 3, 1)) {
			if (col->width < 10)
				col->width = 10;
			return worksheet_write_number(b->ws, r, cc, duban_xlsx_date_to_serial(d), b->fmt[hl][F_DATE]);
		}
	} else if (col->type == DUBAN_XLSX_NUMBER && as_number(s, &v)) {
		int w = (int)strlen(s);
		if (w > col->width)
			col->width = w;
		return worksheet_write_number(b->ws, r, cc, v, b->fmt[hl][F_PLAIN]);
	}
	int w = text_width(s);
	if (w > col->width)
		col->width = w;
	bool wrap = w > col->cap || strchr(s, '\n');
	return worksheet_write_string(b->ws, r, cc, s, b->fmt[hl][wrap ? F_WRAP : F_PLAIN]);
}

enum duban_err duban_xlsx_add_row(duban_xlsx_book *b, const char *const *cells, unsigned flags)
{
	if (b->error)
		return DUBAN_ERR_IO;
	if (!b->ws) {
		book_error(b, xstrdup(_("a row before any sheet")));
		return DUBAN_ERR_INVALID;
	}
	if (b->row >= ROWS_MAX) {
		book_error(b, xasprintf(_("more than %d rows: an Excel sheet cannot hold them"), ROWS_MAX - 1));
		return DUBAN_ERR_INVALID;
	}
	bool hl = flags & DUBAN_XLSX_ROW_HIGHLIGHT;
	for (int c = 0; c < b->ncols; c++) {
		lxw_error e = write_cell(b, c, cells[c], hl);
		if (e != LXW_NO_ERROR) {
			book_error(b, xstrdup(lxw_strerror(e)));
			return DUBAN_ERR_IO;
		}
	}
	b->row++;
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- close */

static void book_free(duban_xlsx_book *b)
{
	free(b->path);
	free(b->tmp);
	free(b->cols);
	for (int i = 0; i < b->nnames; i++)
		free(b->names[i]);
	free(b->names);
	free(b->error);
	free(b);
}

/* A finished workbook into a device or FIFO (duban_write_file_atomic writes
 * those directly). */
static int copy_to_direct(const char *tmp, const char *path)
{
	size_t len = 0;
	char *data = duban_read_file(tmp, &len);
	if (!data)
		return -1;
	int rc = duban_write_file_atomic(path, data, len, 0644);
	int e = errno;
	free(data);
	errno = e;
	return rc;
}

enum duban_err duban_xlsx_close(duban_xlsx_book *b, char *err, size_t errlen)
{
	if (b->error) {
		snprintf(err, errlen, _("cannot write %s: %s"), b->path, b->error);
		duban_xlsx_abandon(b);
		return DUBAN_ERR_IO;
	}
	if (b->nnames == 0) /* Excel will not open a workbook without a sheet */
		duban_xlsx_add_sheet(b, "Sheet1", NULL, 0);
	finish_sheet(b);
	lxw_error e = workbook_close(b->wb);
	b->wb = NULL;
	enum duban_err rc = DUBAN_OK;
	if (e != LXW_NO_ERROR) {
		int saved = errno;
		snprintf(err, errlen, _("cannot write %s: %s"), b->path,
			 e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE ? strerror(saved)
											    : lxw_strerror(e));
		rc = DUBAN_ERR_IO;
	} else if (b->direct ? copy_to_direct(b->tmp, b->path) != 0 : rename(b->tmp, b->path) != 0) {
		snprintf(err, errlen, _("cannot write %s: %s"), b->path, strerror(errno));
		rc = DUBAN_ERR_IO;
	}
	if (rc != DUBAN_OK || b->direct)
		unlink(b->tmp);
	book_free(b);
	return rc;
}

void duban_xlsx_abandon(duban_xlsx_book *b)
{
	if (!b)
		return;
	if (b->wb)
		lxw_workbook_free(b->wb);
	unlink(b->tmp);
	book_free(b);
}
