/* Reading one sheet of an .xlsx workbook: the zip through libzip, each XML
 * part streamed through expat, so a large sheet never sits in memory as
 * text.  Hostile files (zip bombs, damaged archives, bad XML, entity tricks)
 * end in an error message, never in a crash or a runaway allocation. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"

/* Limits that no real ledger reaches and that keep a hostile file cheap. */
#define PART_MAX ((zip_uint64_t)200 << 20) /* uncompressed bytes of one XML part */
#define CELLS_MAX 20000000L                /* cells held for one sheet */
#define MERGES_MAX 200000                  /* merged ranges in one sheet */
#define ROW_MAX 1048576
#define COL_MAX 16384

/* ---------------------------------------------------------------- dates, columns */

duban_date duban_xlsx_serial_to_date(double serial, bool date1904)
{
	if (!isfinite(serial) || serial >= 2958466.0)
		return DUBAN_DATE_NONE;
	long days = (long)floor(serial);
	if (date1904)
		return days < 0 ? DUBAN_DATE_NONE : duban_date_from_ymd(1904, 1, 1) + (duban_date)days;
	if (days < 1)
		return DUBAN_DATE_NONE;
	/* Excel counts a 1900-02-29 that never was (serial 60): before it the
	 * epoch is one day later. */
	if (days < 60)
		return duban_date_from_ymd(1899, 12, 31) + (duban_date)days;
	if (days == 60)
		return duban_date_from_ymd(1900, 3, 1);
	return duban_date_from_ymd(1899, 12, 30) + (duban_date)days;
}

double duban_xlsx_date_to_serial(duban_date d)
{
	if (d < duban_date_from_ymd(1900, 3, 1))
		return (double)(d - duban_date_from_ymd(1899, 12, 31));
	return (double)(d - duban_date_from_ymd(1899, 12, 30));
}

duban_date duban_xlsx_serial_text_date(const char *s)
{
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		p++;
	size_t digits = (size_t)(p - s);
	if (digits != 5)
		return DUBAN_DATE_NONE;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return DUBAN_DATE_NONE;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return DUBAN_DATE_NONE;
	duban_date d = duban_xlsx_serial_to_date(strtod(s, NULL), false);
	return duban_xlsx_date_plausible(d) ? d : DUBAN_DATE_NONE;
}

bool duban_xlsx_date_plausible(duban_date d)
{
	return d != DUBAN_DATE_NONE && d >= duban_date_from_ymd(2000, 1, 1) &&
	       d <= duban_date_from_ymd(2100, 12, 31);
}

int duban_xlsx_col_number(const char *ref, const char **end)
{
	int col = 0;
	const char *p = ref;
	for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
		int c = (*p >= 'a' ? *p - 'a' : *p - 'A') + 1;
		if (p - ref >= 3)
			col = COL_MAX + 1;
		else
			col = col * 26 + c;
	}
	if (end)
		*end = p;
	return col > COL_MAX ? 0 : col;
}

char *duban_xlsx_col_letters(int col, char buf[4])
{
	char tmp[4];
	int n = 0;
	buf[0] = '\0';
	if (col < 1 || col > COL_MAX)
		return buf;
	for (; col > 0; col = (col - 1) / 26)
		tmp[n++] = (char)('A' + (col - 1) % 26);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

/* "B12" -> row 12, column 2; false when it is not a cell reference. */
static bool parse_ref(const char *ref, int *row, int *col)
{
	const char *p;
	*col = duban_xlsx_col_number(ref, &p);
	if (*col == 0 || !(*p >= '1' && *p <= '9'))
		return false;
	long r = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((r = r * 10 + (*p - '0')) > ROW_MAX)
			return false;
	*row = (int)r;
	return *p == '\0' || *p == ':';
}

/* ---------------------------------------------------------------- errors */

struct reader {
	zip_t *zip;
	char *file; /* the path as printed */
	char *err;
	size_t errlen;
	enum duban_err status;
};

__attribute__((format(printf, 3, 4)))
static enum duban_err fail(struct reader *rd, enum duban_err e, const char *fmt, ...)
{
	if (rd->status != DUBAN_OK)
		return rd->status;
	rd->status = e;
	if (rd->err && rd->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rd->err, rd->errlen, fmt, ap);
		va_end(ap);
	}
	return e;
}

/* ---------------------------------------------------------------- XML parts */

struct xml_ctx;
typedef void (*start_fn)(struct xml_ctx *x, const char *name, const char **attrs);
typedef void (*end_fn)(struct xml_ctx *x, const char *name);
typedef void (*text_fn)(struct xml_ctx *x, const char *s, int len);

struct xml_ctx {
	XML_Parser parser;
	struct reader *rd;
	const char *part;
	start_fn start;
	end_fn end;
	text_fn text;
	void *data;
	bool stopped; /* a handler gave up: rd has the reason */
};

/* Element and attribute names without their namespace URI: workbooks are
 * written with and without prefixes. */
static const char *local_name(const char *name)
{
	const char *bar = strrchr(name, '|');
	return bar ? bar + 1 : name;
}

static const char *attr(const char **attrs, const char *name)
{
	for (int i = 0; attrs[i]; i += 2)
		if (strcmp(local_name(attrs[i]), name) == 0)
			return attrs[i + 1];
	return NULL;
}

/* The relationship id (r:id): a namespaced "id". */
static const char *attr_rid(const char **attrs)
{
	for (int i = 0; attrs[i]; i += 2)
		if (strchr(attrs[i], '|') && strcmp(local_name(attrs[i]), "id") == 0)
			return attrs[i + 1];
	return NULL;
}

static void xml_stop(struct xml_ctx *x)
{
	if (!x->stopped) {
		x->stopped = true;
		XML_StopParser(x->parser, XML_FALSE);
	}
}

static void on_start(void *data, const char *name, const char **attrs)
{
	struct xml_ctx *x = data;
	if (x->start && !x->stopped)
		x->start(x, local_name(name), attrs);
}

static void on_end(void *data, const char *name)
{
	struct xml_ctx *x = data;
	if (x->end && !x->stopped)
		x->end(x, local_name(name));
}

static void on_text(void *data, const char *s, int len)
{
	struct xml_ctx *x = data;
	if (x->text && !x->stopped)
		x->text(x, s, len);
}

/* Office XML never declares entities: one that does is an attack. */
static void on_entity(void *data, const XML_Char *name, int is_param, const XML_Char *value, int vlen,
		      const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)vlen, (void)base, (void)sysid, (void)pubid, (void)notation;
	struct xml_ctx *x = data;
	fail(x->rd, DUBAN_ERR_PARSE, _("%s: %s declares XML entities; refusing it"), x->rd->file, x->part);
	xml_stop(x);
}

static zip_int64_t locate(struct reader *rd, const char *name)
{
	zip_int64_t i = zip_name_locate(rd->zip, name, 0);
	return i >= 0 ? i : zip_name_locate(rd->zip, name, ZIP_FL_NOCASE);
}

static bool feed(struct xml_ctx *x, const char *buf, int n, bool last)
{
	if (XML_Parse(x->parser, buf, n, last) != XML_STATUS_ERROR)
		return true;
	if (!x->stopped)
		fail(x->rd, DUBAN_ERR_PARSE, _("%s: bad XML in %s at line %lu: %s"), x->rd->file, x->part,
		     (unsigned long)XML_GetCurrentLineNumber(x->parser),
		     XML_ErrorString(XML_GetErrorCode(x->parser)));
	return false;
}

static void stream_part(struct xml_ctx *x, zip_file_t *zf)
{
	enum { CHUNK = 1 << 16 };
	char *buf = xmalloc(CHUNK); /* duband imports from several threads */
	zip_uint64_t total = 0;
	for (;;) {
		zip_int64_t n = zip_fread(zf, buf, CHUNK);
		if (n < 0) {
			fail(x->rd, DUBAN_ERR_PARSE, _("%s: cannot read %s from the workbook (damaged?): %s"),
			     x->rd->file, x->part, zip_error_strerror(zip_file_get_error(zf)));
			break;
		}
		total += (zip_uint64_t)n;
		if (total > PART_MAX) {
			fail(x->rd, DUBAN_ERR_PARSE, _("%s: %s is larger than %d MB unpacked; refusing it"),
			     x->rd->file, x->part, (int)(PART_MAX >> 20));
			break;
		}
		if (!feed(x, buf, (int)n, n == 0) || n == 0)
			break;
	}
	free(buf);
}

/* Streams the part called name through the handlers of x.  A missing part
 * is an error when required, else *found says whether it was there. */
static enum duban_err parse_part(struct reader *rd, const char *name, bool required, struct xml_ctx *x)
{
	zip_int64_t idx = locate(rd, name);
	if (idx < 0) {
		if (required)
			return fail(rd, DUBAN_ERR_PARSE, _("%s is not an Excel workbook (.xlsx): it has no %s"),
				    rd->file, name);
		return DUBAN_ERR_NOT_FOUND;
	}
	zip_stat_t zs;
	if (zip_stat_index(rd->zip, (zip_uint64_t)idx, 0, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE) &&
	    zs.size > PART_MAX)
		return fail(rd, DUBAN_ERR_PARSE, _("%s: %s is larger than %d MB unpacked; refusing it"),
			    rd->file, name, (int)(PART_MAX >> 20));
	zip_file_t *zf = zip_fopen_index(rd->zip, (zip_uint64_t)idx, 0);
	if (!zf)
		return fail(rd, DUBAN_ERR_PARSE, _("%s: cannot read %s from the workbook: %s"), rd->file, name,
			    zip_strerror(rd->zip));
	x->parser = XML_ParserCreateNS(NULL, '|');
	if (!x->parser) {
		zip_fclose(zf);
		return fail(rd, DUBAN_ERR_NOMEM, "%s", duban_err_message(DUBAN_ERR_NOMEM));
	}
	x->rd = rd;
	x->part = name;
	x->stopped = false;
	XML_SetUserData(x->parser, x);
	XML_SetElementHandler(x->parser, on_start, on_end);
	XML_SetCharacterDataHandler(x->parser, on_text);
	XML_SetEntityDeclHandler(x->parser, on_entity);
	stream_part(x, zf);
	XML_ParserFree(x->parser);
	x->parser = NULL;
	zip_fclose(zf);
	return rd->status;
}

/* Excel writes characters XML cannot hold as _xHHHH_ (and a literal
 * "_x" as _x005F_x). */
static char *decode_escapes(const char *s, size_t len)
{
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_puts(&b, "");
	for (size_t i = 0; i < len;) {
		unsigned v;
		if (i + 7 <= len && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_' &&
		    strspn(s + i + 2, "0123456789abcdefABCDEF") >= 4 && sscanf(s + i + 2, "%4x", &v) == 1 && v != 0 && (v < 0xd800 || v > 0xdfff)) {
			char out[4];
			size_t n = duban_utf8_encode(v, out);
			duban_buf_add(&b, out, n);
			i += 7;
		} else {
			duban_buf_putc(&b, s[i++]);
		}
	}
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- workbook */

struct sheet_ref {
	char *name, *rid, *part;
};

struct book {
	struct sheet_ref *sheets;
	int nsheets;
	bool date1904;
	char *strings_part, *styles_part;
	char **strings; /* shared strings */
	size_t nstrings, strings_cap;
	bool *xf_date;  /* by cell style index: a date format */
	int nxf;
};

static void book_free(struct book *bk)
{
	for (int i = 0; i < bk->nsheets; i++) {
		free(bk->sheets[i].name);
		free(bk->sheets[i].rid);
		free(bk->sheets[i].part);
	}
	free(bk->sheets);
	free(bk->strings_part);
	free(bk->styles_part);
	for (size_t i = 0; i < bk->nstrings; i++)
		free(bk->strings[i]);
	free(bk->strings);
	free(bk->xf_date);
	memset(bk, 0, sizeof *bk);
}

static bool is_true(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static void workbook_start(struct xml_ctx *x, const char *name, const char **attrs)
{
	struct book *bk = x->data;
	if (strcmp(name, "workbookPr") == 0) {
		bk->date1904 = is_true(attr(attrs, "date1904"));
	} else if (strcmp(name, "sheet") == 0) {
		const char *sname = attr(attrs, "name"), *rid = attr_rid(attrs);
		if (!sname || !rid)
			return;
		if (bk->nsheets >= 10000) {
			fail(x->rd, DUBAN_ERR_PARSE, _("%s: too many sheets"), x->rd->file);
			xml_stop(x);
			return;
		}
		bk->sheets = xrealloc(bk->sheets, ((size_t)bk->nsheets + 1) * sizeof *bk->sheets);
		bk->sheets[bk->nsheets++] = (struct sheet_ref){ xstrdup(sname), xstrdup(rid), NULL };
	}
}

/* A relationship's target as a part name: relative to xl/, or absolute. */
static char *part_name(const char *target)
{
	if (target[0] == '/')
		return xstrdup(target + 1);
	while (strncmp(target, "./", 2) == 0)
		target += 2;
	return xasprintf("xl/%s", target);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void rels_start(struct xml_ctx *x, const char *name, const char **attrs)
{
	struct book *bk = x->data;
	if (strcmp(name, "Relationship") != 0)
		return;
	const char *id = attr(attrs, "Id"), *target = attr(attrs, "Target"), *type = attr(attrs, "Type");
	if (!id || !target || !type)
		return;
	if (ends_with(type, "/sharedStrings") && !bk->strings_part)
		bk->strings_part = part_name(target);
	else if (ends_with(type, "/styles") && !bk->styles_part)
		bk->styles_part = part_name(target);
	for (int i = 0; i < bk->nsheets; i++)
		if (!bk->sheets[i].part && strcmp(bk->sheets[i].rid, id) == 0)
			bk->sheets[i].part = part_name(target);
}

/* ---------------------------------------------------------------- styles */

struct styles {
	struct book *bk;
	int depth_xfs;  /* inside <cellXfs> */
	int *fmt_ids;   /* custom formats: id and whether it shows a date */
	bool *fmt_date;
	int nfmt;
};

/* A custom number format shows a date when, outside quoted text, escapes and
 * [...] sections, it has a year or day part. */
static bool format_is_date(const char *code)
{
	for (const char *p = code; *p; p++) {
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');
			if (!q)
				return false;
			p = q;
		} else if (*p == '\\' || *p == '_' || *p == '*') {
			if (!*++p)
				return false;
		} else if (*p == '[') {
			const char *q = strchr(p + 1, ']');
			if (!q)
				return false;
			p = q;
		} else if (strchr("yYdD", *p)) {
			return true;
		} else if (*p == ';') {
			return false; /* the first section decides */
		}
	}
	return false;
}

static bool builtin_date(int id)
{
	/* 14-22: the dates and times of every locale; 27-36 and 50-58: the
	 * date formats of Chinese, Japanese and Korean Excel. */
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

static void styles_start(struct xml_ctx *x, const char *name, const char **attrs)
{
	struct styles *sy = x->data;
	if (strcmp(name, "cellXfs") == 0) {
		sy->depth_xfs++;
	} else if (strcmp(name, "numFmt") == 0) {
		const char *id = attr(attrs, "numFmtId"), *code = attr(attrs, "formatCode");
		if (!id || !code || sy->nfmt >= 100000)
			return;
		sy->fmt_ids = xrealloc(sy->fmt_ids, ((size_t)sy->nfmt + 1) * sizeof *sy->fmt_ids);
		sy->fmt_date = xrealloc(sy->fmt_date, ((size_t)sy->nfmt + 1) * sizeof *sy->fmt_date);
		sy->fmt_ids[sy->nfmt] = atoi(id);
		sy->fmt_date[sy->nfmt++] = format_is_date(code);
	} else if (strcmp(name, "xf") == 0 && sy->depth_xfs > 0) {
		struct book *bk = sy->bk;
		if (bk->nxf >= 100000)
			return;
		const char *v = attr(attrs, "numFmtId");
		int id = v ? atoi(v) : 0;
		bool date = builtin_date(id);
		for (int i = 0; i < sy->nfmt; i++)
			if (sy->fmt_ids[i] == id)
				date = sy->fmt_date[i];
		bk->xf_date = xrealloc(bk->xf_date, ((size_t)bk->nxf + 1) * sizeof *bk->xf_date);
		bk->xf_date[bk->nxf++] = date;
	}
}

static void styles_end(struct xml_ctx *x, const char *name)
{
	struct styles *sy = x->data;
	if (strcmp(name, "cellXfs") == 0 && sy->depth_xfs > 0)
		sy->depth_xfs--;
}

/* ---------------------------------------------------------------- rich text */

/* Text of <si> or <is>: the <t> of the string or of each run, without the
 * phonetic guides (<rPh>) that East Asian Excel adds. */
struct rich {
	struct duban_buf buf;
	int in_t, in_rph;
};

static void rich_start(struct rich *r, const char *name)
{
	if (strcmp(name, "rPh") == 0)
		r->in_rph++;
	else if (strcmp(name, "t") == 0 && !r->in_rph)
		r->in_t++;
}

static void rich_end(struct rich *r, const char *name)
{
	if (strcmp(name, "rPh") == 0 && r->in_rph)
		r->in_rph--;
	else if (strcmp(name, "t") == 0 && r->in_t)
		r->in_t--;
}

static void rich_text(struct rich *r, const char *s, int len)
{
	if (r->in_t)
		duban_buf_add(&r->buf, s, (size_t)len);
}

struct sst {
	struct book *bk;
	struct rich rich;
	bool in_si;
};

static void sst_start(struct xml_ctx *x, const char *name, const char **attrs)
{
	(void)attrs;
	struct sst *ss = x->data;
	if (strcmp(name, "si") == 0) {
		ss->in_si = true;
		ss->rich.buf.len = 0;
		ss->rich.in_t = ss->rich.in_rph = 0;
	} else if (ss->in_si) {
		rich_start(&ss->rich, name);
	}
}

static void sst_end(struct xml_ctx *x, const char *name)
{
	struct sst *ss = x->data;
	if (!ss->in_si)
		return;
	if (strcmp(name, "si") != 0) {
		rich_end(&ss->rich, name);
		return;
	}
	struct book *bk = ss->bk;
	if (bk->nstrings == bk->strings_cap) {
		bk->strings_cap = bk->strings_cap ? bk->strings_cap * 2 : 1024;
		bk->strings = xrealloc(bk->strings, bk->strings_cap * sizeof *bk->strings);
	}
	bk->strings[bk->nstrings++] = decode_escapes(ss->rich.buf.data ? ss->rich.buf.data : "", ss->rich.buf.len);
	ss->in_si = false;
}

static void sst_text(struct xml_ctx *x, const char *s, int len)
{
	struct sst *ss = x->data;
	if (ss->in_si)
		rich_text(&ss->rich, s, len);
}

/* ---------------------------------------------------------------- sheet */

struct xrow {
	char **cells; /* by column - 1; NULL = empty */
	int ncells, cap;
};

struct merge {
	int r1, c1, r2, c2;
};

enum cell_type { CT_NUMBER, CT_SHARED, CT_INLINE, CT_BOOL, CT_STR, CT_ERROR, CT_DATE };

struct sheet {
	struct book *bk;
	struct xrow *rows; /* by row number - 1, up to nrows */
	int nrows;
	long ncells;        /* cells allocated, against CELLS_MAX */
	int row, col;       /* current row and the column of the last cell */
	int cell_row, cell_col;
	enum cell_type type;
	int style;
	bool in_cell, in_v, in_is;
	struct rich rich;   /* <v> text, or the inline string */
	struct merge *merges;
	int nmerges;
};

static void sheet_free(struct sheet *sh)
{
	for (int i = 0; i < sh->nrows; i++) {
		for (int c = 0; c < sh->rows[i].ncells; c++)
			free(sh->rows[i].cells[c]);
		free(sh->rows[i].cells);
	}
	free(sh->rows);
	free(sh->merges);
	duban_buf_free(&sh->rich.buf);
}

/* Takes value into the cell at (row, col), both 1-based and in range. */
static bool set_cell(struct xml_ctx *x, struct sheet *sh, int row, int col, char *value)
{
	if (row > sh->nrows) {
		size_t cap = 16;
		while (cap < (size_t)row)
			cap *= 2;
		sh->rows = xrealloc(sh->rows, cap * sizeof *sh->rows);
		memset(sh->rows + sh->nrows, 0, (cap - (size_t)sh->nrows) * sizeof *sh->rows);
		sh->nrows = (int)cap;
	}
	struct xrow *r = &sh->rows[row - 1];
	if (col > r->cap) {
		int cap = r->cap ? r->cap : 8;
		while (cap < col)
			cap *= 2;
		if (cap > COL_MAX)
			cap = COL_MAX;
		if ((sh->ncells += cap - r->cap) > CELLS_MAX) {
			free(value);
			fail(x->rd, DUBAN_ERR_PARSE, _("%s: the sheet has more than %ld cells; split it"),
			     x->rd->file, CELLS_MAX);
			xml_stop(x);
			return false;
		}
		r->cells = xrealloc(r->cells, (size_t)cap * sizeof *r->cells);
		memset(r->cells + r->cap, 0, (size_t)(cap - r->cap) * sizeof *r->cells);
		r->cap = cap;
	}
	free(r->cells[col - 1]);
	r->cells[col - 1] = value;
	if (col > r->ncells)
		r->ncells = col;
	return true;
}

static const char *get_cell(const struct sheet *sh, int row, int col)
{
	if (row < 1 || row > sh->nrows || col < 1 || col > sh->rows[row - 1].ncells)
		return NULL;
	return sh->rows[row - 1].cells[col - 1];
}

/* A number as Excel shows it: the shortest text that reads back the same,
 * at most 17 digits; "1E-3" style left to printf. */
static char *number_text(double v)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* printf follows LC_NUMERIC; the ledger writes a dot */
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	return xstrdup(strcmp(buf, "-0") == 0 ? "0" : buf);
}

static char *date_text(duban_date d)
{
	char buf[11];
	return xstrdup(duban_date_format(d, buf));
}

static char *cell_value(struct xml_ctx *x, struct sheet *sh)
{
	const char *v = sh->rich.buf.data ? sh->rich.buf.data : "";
	size_t len = sh->rich.buf.len;
	switch (sh->type) {
	case CT_SHARED: {
		char *end;
		errno = 0;
		unsigned long i = strtoul(v, &end, 10);
		if (!*v || end == v || *end || errno || i >= sh->bk->nstrings) {
			char ref[4];
			fail(x->rd, DUBAN_ERR_PARSE, _("%s: cell %s%d names shared string %s, which is missing"),
			     x->rd->file, duban_xlsx_col_letters(sh->cell_col, ref), sh->cell_row, v);
			xml_stop(x);
			return NULL;
		}
		return xstrdup(sh->bk->strings[i]);
	}
	case CT_BOOL:
		return xstrdup(len == 0 ? "" : strcmp(v, "0") == 0 ? "FALSE" : "TRUE");
	case CT_INLINE:
	case CT_STR:
	case CT_ERROR:
		return decode_escapes(v, len);
	case CT_DATE:
	case CT_NUMBER:
		break;
	}
	if (sh->type == CT_DATE) { /* ISO 8601 text: the date part */
		char *day = xstrndup(v, 10);
		duban_date d = duban_date_parse(day);
		free(day);
		return d == DUBAN_DATE_NONE ? xstrndup(v, len) : date_text(d);
	}
	char *end;
	double num = strtod(v, &end);
	if (len == 0 || end == v || *end)
		return xstrndup(v, len);
	bool date = sh->style >= 0 && sh->style < sh->bk->nxf && sh->bk->xf_date[sh->style];
	duban_date d = date ? duban_xlsx_serial_to_date(num, sh->bk->date1904) : DUBAN_DATE_NONE;
	return duban_xlsx_date_plausible(d) ? date_text(d) : number_text(num);
}

static enum cell_type type_of(const char *t)
{
	static const struct {
		const char *name;
		enum cell_type type;
	} types[] = {
		{ "s", CT_SHARED }, { "inlineStr", CT_INLINE }, { "b", CT_BOOL },
		{ "str", CT_STR }, { "e", CT_ERROR }, { "d", CT_DATE },
	};
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(t, types[i].name) == 0)
			return types[i].type;
	return CT_NUMBER;
}

static void merge_add(struct xml_ctx *x, struct sheet *sh, const char *ref)
{
	struct merge m;
	const char *colon = ref ? strchr(ref, ':') : NULL;
	if (!colon || !parse_ref(ref, &m.r1, &m.c1) || !parse_ref(colon + 1, &m.r2, &m.c2))
		return;
	if (sh->nmerges >= MERGES_MAX) {
		fail(x->rd, DUBAN_ERR_PARSE, _("%s: more than %d merged ranges"), x->rd->file, MERGES_MAX);
		xml_stop(x);
		return;
	}
	if (m.r2 < m.r1 || m.c2 < m.c1)
		return;
	sh->merges = xrealloc(sh->merges, ((size_t)sh->nmerges + 1) * sizeof *sh->merges);
	sh->merges[sh->nmerges++] = m;
}

static void cell_start(struct xml_ctx *x, struct sheet *sh, const char **attrs)
{
	const char *r = attr(attrs, "r"), *s = attr(attrs, "s");
	int row, col;
	if (r && parse_ref(r, &row, &col)) {
		sh->cell_col = col;
	} else if (sh->col >= COL_MAX) {
		fail(x->rd, DUBAN_ERR_PARSE, _("%s: row %d has more than %d columns"), x->rd->file, sh->row, COL_MAX);
		xml_stop(x);
		return;
	} else {
		sh->cell_col = sh->col + 1;
	}
	sh->cell_row = sh->row;
	sh->col = sh->cell_col;
	sh->type = type_of(attr(attrs, "t"));
	sh->style = s ? atoi(s) : 0;
	sh->in_cell = true;
	sh->rich.buf.len = 0;
	sh->rich.in_t = sh->rich.in_rph = 0;
}

static void sheet_start(struct xml_ctx *x, const char *name, const char **attrs)
{
	struct sheet *sh = x->data;
	if (sh->in_cell) {
		if (strcmp(name, "v") == 0)
			sh->in_v = true;
		else if (strcmp(name, "is") == 0)
			sh->in_is = true;
		else if (sh->in_is)
			rich_start(&sh->rich, name);
	} else if (strcmp(name, "row") == 0) {
		const char *r = attr(attrs, "r");
		long n = r ? strtol(r, NULL, 10) : sh->row + 1;
		if (n < 1 || n > ROW_MAX) {
			fail(x->rd, DUBAN_ERR_PARSE, _("%s: bad row number '%s'"), x->rd->file, r ? r : "");
			xml_stop(x);
			return;
		}
		sh->row = (int)n;
		sh->col = 0;
	} else if (strcmp(name, "c") == 0) {
		if (sh->row < 1)
			sh->row = 1;
		cell_start(x, sh, attrs);
	} else if (strcmp(name, "mergeCell") == 0) {
		merge_add(x, sh, attr(attrs, "ref"));
	}
}

static void sheet_end(struct xml_ctx *x, const char *name)
{
	struct sheet *sh = x->data;
	if (!sh->in_cell)
		return;
	if (strcmp(name, "v") == 0) {
		sh->in_v = false;
	} else if (strcmp(name, "is") == 0) {
		sh->in_is = false;
	} else if (strcmp(name, "c") == 0) {
		sh->in_cell = false;
		char *v = cell_value(x, sh);
		if (v && *v)
			set_cell(x, sh, sh->cell_row, sh->cell_col, v);
		else
			free(v);
	} else if (sh->in_is) {
		rich_end(&sh->rich, name);
	}
}

static void sheet_text(struct xml_ctx *x, const char *s, int len)
{
	struct sheet *sh = x->data;
	if (sh->in_v)
		duban_buf_add(&sh->rich.buf, s, (size_t)len);
	else if (sh->in_is)
		rich_text(&sh->rich, s, len);
}

/* Gives each merged range's top-left value to every cell it covers, within
 * the area that has cells: a range over the whole sheet costs nothing. */
static void fill_merges(struct xml_ctx *x, struct sheet *sh)
{
	int last_row = 0, last_col = 0;
	for (int r = 1; r <= sh->nrows; r++)
		if (sh->rows[r - 1].ncells > 0) {
			last_row = r;
			if (sh->rows[r - 1].ncells > last_col)
				last_col = sh->rows[r - 1].ncells;
		}
	for (int i = 0; i < sh->nmerges && x->rd->status == DUBAN_OK; i++) {
		struct merge m = sh->merges[i];
		const char *v = get_cell(sh, m.r1, m.c1);
		if (!v || !*v)
			continue;
		char *value = xstrdup(v); /* the top-left cell is overwritten too */
		int r2 = m.r2 < last_row ? m.r2 : last_row, c2 = m.c2 < last_col ? m.c2 : last_col;
		for (int r = m.r1; r <= r2 && x->rd->status == DUBAN_OK; r++)
			for (int c = m.c1; c <= c2 && x->rd->status == DUBAN_OK; c++)
				set_cell(x, sh, r, c, xstrdup(value));
		free(value);
	}
}

/* Moves the rows that have text into out, as CSV-like records. */
static void sheet_rows(struct sheet *sh, struct duban_xlsx_sheet *out)
{
	for (int r = 1; r <= sh->nrows; r++) {
		struct xrow *row = &sh->rows[r - 1];
		int n = row->ncells;
		while (n > 0 && (!row->cells[n - 1] || !*row->cells[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (out->nrows % 64 == 0)
			out->rows = xrealloc(out->rows, ((size_t)out->nrows + 64) * sizeof *out->rows);
		struct duban_csv_record *rec = &out->rows[out->nrows++];
		rec->cells = xcalloc((size_t)n, sizeof *rec->cells);
		rec->ncells = n;
		rec->line = r;
		for (int c = 0; c < n; c++) {
			rec->cells[c] = row->cells[c] ? row->cells[c] : xstrdup("");
			row->cells[c] = NULL;
		}
	}
}

/* ---------------------------------------------------------------- entry */

bool duban_xlsx_sniff(const char *data, size_t len)
{
	return data && len >= 4 && memcmp(data, "PK\3\4", 4) == 0;
}

void duban_xlsx_sheet_free(struct duban_xlsx_sheet *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nrows; i++)
		duban_csv_record_free(&s->rows[i]);
	free(s->rows);
	free(s->name);
	memset(s, 0, sizeof *s);
}

static enum duban_err open_zip(struct reader *rd, const char *path)
{
	int zerr = 0;
	rd->zip = zip_open(path, ZIP_RDONLY, &zerr);
	if (rd->zip)
		return DUBAN_OK;
	zip_error_t ze;
	zip_error_init_with_code(&ze, zerr);
	enum duban_err e = DUBAN_ERR_PARSE;
	if (zerr == ZIP_ER_NOENT || zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ || zerr == ZIP_ER_MEMORY)
		e = DUBAN_ERR_IO;
	if (e == DUBAN_ERR_IO)
		fail(rd, e, _("cannot read %s: %s"), rd->file, zip_error_strerror(&ze));
	else
		fail(rd, e, _("%s is not an Excel workbook (.xlsx) or is damaged: %s"), rd->file,
		     zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return e;
}

/* Opens the workbook and reads its list of sheets and where they are. */
static enum duban_err open_book(struct reader *rd, const char *path, struct book *bk)
{
	memset(bk, 0, sizeof *bk);
	rd->file = xstrdup(path);
	if (open_zip(rd, path) != DUBAN_OK)
		return rd->status;
	if (locate(rd, "xl/workbook.xml") < 0 && locate(rd, "content.xml") >= 0)
		return fail(rd, DUBAN_ERR_PARSE,
			    _("%s is an OpenDocument spreadsheet (.ods), not an Excel workbook: "
			      "save it as .xlsx or CSV"), rd->file);
	struct xml_ctx x = { .start = workbook_start, .data = bk };
	if (parse_part(rd, "xl/workbook.xml", true, &x) != DUBAN_OK)
		return rd->status;
	x = (struct xml_ctx){ .start = rels_start, .data = bk };
	if (parse_part(rd, "xl/_rels/workbook.xml.rels", true, &x) != DUBAN_OK)
		return rd->status;
	if (bk->nsheets == 0)
		return fail(rd, DUBAN_ERR_PARSE, _("%s: the workbook has no sheets"), rd->file);
	return DUBAN_OK;
}

static void close_book(struct reader *rd, struct book *bk)
{
	if (rd->zip)
		zip_discard(rd->zip);
	rd->zip = NULL;
	free(rd->file);
	book_free(bk);
}

static int find_sheet(const struct book *bk, const char *name)
{
	if (!name)
		return 0;
	for (int i = 0; i < bk->nsheets; i++)
		if (strcmp(bk->sheets[i].name, name) == 0)
			return i;
	/* "Sheet1" typed as "sheet1", or a name with stray spaces */
	char *want = duban_trim(xstrdup(name));
	int found = -1;
	for (int i = 0; i < bk->nsheets && found < 0; i++) {
		char *have = duban_trim(xstrdup(bk->sheets[i].name));
		if (strcasecmp(have, want) == 0)
			found = i;
		free(have);
	}
	free(want);
	return found;
}

static enum duban_err not_found(struct reader *rd, const struct book *bk, const char *name)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < bk->nsheets; i++)
		duban_buf_printf(&b, "%s\"%s\"", i ? ", " : "", bk->sheets[i].name);
	char *list = duban_buf_steal(&b);
	fail(rd, DUBAN_ERR_NOT_FOUND, _("%s has no sheet \"%s\"; its sheets are: %s"), rd->file, name, list);
	free(list);
	return DUBAN_ERR_NOT_FOUND;
}

static enum duban_err read_styles_and_strings(struct reader *rd, struct book *bk)
{
	struct styles sy = { .bk = bk };
	struct xml_ctx x = { .start = styles_start, .end = styles_end, .data = &sy };
	enum duban_err e = parse_part(rd, bk->styles_part ? bk->styles_part : "xl/styles.xml", false, &x);
	free(sy.fmt_ids);
	free(sy.fmt_date);
	if (e != DUBAN_OK && e != DUBAN_ERR_NOT_FOUND)
		return e;
	struct sst ss = { .bk = bk };
	duban_buf_init(&ss.rich.buf);
	x = (struct xml_ctx){ .start = sst_start, .end = sst_end, .text = sst_text, .data = &ss };
	e = parse_part(rd, bk->strings_part ? bk->strings_part : "xl/sharedStrings.xml", false, &x);
	duban_buf_free(&ss.rich.buf);
	return e == DUBAN_ERR_NOT_FOUND ? DUBAN_OK : e;
}

static enum duban_err read_sheet(struct reader *rd, struct book *bk, int idx, struct duban_xlsx_sheet *out)
{
	const struct sheet_ref *ref = &bk->sheets[idx];
	if (!ref->part)
		return fail(rd, DUBAN_ERR_PARSE, _("%s: sheet \"%s\" has no part in the workbook"), rd->file,
			    ref->name);
	if (read_styles_and_strings(rd, bk) != DUBAN_OK)
		return rd->status;
	struct sheet sh = { .bk = bk };
	duban_buf_init(&sh.rich.buf);
	struct xml_ctx x = { .start = sheet_start, .end = sheet_end, .text = sheet_text, .data = &sh };
	if (parse_part(rd, ref->part, true, &x) == DUBAN_OK)
		fill_merges(&x, &sh);
	if (rd->status == DUBAN_OK) {
		out->name = xstrdup(ref->name);
		sheet_rows(&sh, out);
	}
	sheet_free(&sh);
	return rd->status;
}

enum duban_err duban_xlsx_read(const char *path, const char *sheet, struct duban_xlsx_sheet *out,
			       char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	struct reader rd = { .err = err, .errlen = errlen };
	struct book bk;
	if (open_book(&rd, path, &bk) == DUBAN_OK) {
		int idx = find_sheet(&bk, sheet);
		if (idx < 0)
			not_found(&rd, &bk, sheet);
		else
			read_sheet(&rd, &bk, idx, out);
	}
	close_book(&rd, &bk);
	if (rd.status != DUBAN_OK)
		duban_xlsx_sheet_free(out);
	return rd.status;
}

enum duban_err duban_xlsx_sheet_names(const char *path, char ***names, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	*names = NULL;
	struct reader rd = { .err = err, .errlen = errlen };
	struct book bk;
	if (open_book(&rd, path, &bk) == DUBAN_OK) {
		*names = xcalloc((size_t)bk.nsheets + 1, sizeof **names);
		for (int i = 0; i < bk.nsheets; i++)
			(*names)[i] = xstrdup(bk.sheets[i].name);
	}
	close_book(&rd, &bk);
	return rd.status;
}
