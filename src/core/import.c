/* Import of whole ledgers from CSV (the sheets offices and inspection teams
 * publish, UTF-8 or GBK) and from JSON.  All or nothing: every row is
 * validated, and one bad row means nothing is written. */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/csv.h"
#include "duban/json.h"
#include "duban/ledger_io.h"
#include "duban/progress.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"
#include "store_internal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FIELD_PTR(type, item, f) ((type *)(void *)((char *)(item) + (f)->offset))
#define ITEM_OFF(member) offsetof(struct duban_item, member)

/* ---------------------------------------------------------------- headers */

enum col_role { COL_IGNORE, COL_ID, COL_SEQ, COL_FIELD };

struct column {
	enum col_role role;
	const struct duban_field *field;
	char *header; /* the file's own header, as messages name the column */
};

/* Column titles that published ledgers and complaint lists use for our
 * fields, besides each field's own name and label.  Compared after
 * normalize_header(): no spaces, half-width brackets. */
static const struct alias {
	const char *header;
	size_t offset;
} aliases[] = {
	{ "编号", ITEM_OFF(code) }, { "案件编号", ITEM_OFF(code) }, { "问题编号", ITEM_OFF(code) },
	{ "任务编号", ITEM_OFF(code) },
	{ "反馈问题", ITEM_OFF(title) }, { "问题", ITEM_OFF(title) }, { "存在问题", ITEM_OFF(title) },
	{ "标题", ITEM_OFF(title) },
	{ "交办问题基本情况", ITEM_OFF(description) }, { "问题详情", ITEM_OFF(description) },
	{ "具体问题", ITEM_OFF(description) },
	{ "县(市、区)", ITEM_OFF(county) }, { "所在地区", ITEM_OFF(county) }, { "区县", ITEM_OFF(county) },
	{ "乡镇(街道)", ITEM_OFF(township) },
	{ "领域", ITEM_OFF(categories) }, { "问题类型", ITEM_OFF(categories) },
	{ "责任单位", ITEM_OFF(lead_unit) }, { "牵头责任单位", ITEM_OFF(lead_unit) },
	{ "责任领导(签字)", ITEM_OFF(leader) },
	{ "完成时限", ITEM_OFF(deadline) }, { "整改期限", ITEM_OFF(deadline) },
	{ "整改进展", ITEM_OFF(handling) }, { "办理情况", ITEM_OFF(handling) },
	{ "办结情况", ITEM_OFF(status) }, { "整改情况", ITEM_OFF(status) }, { "状态", ITEM_OFF(status) },
	{ "问责情况", ITEM_OFF(accountability) },
	{ "轮次", ITEM_OFF(round) },
	{ "进度", ITEM_OFF(progress) }, { "完成进度", ITEM_OFF(progress) },
	{ "责令整改", ITEM_OFF(enforcement.rectify_orders) },
	{ "责令整改(家)", ITEM_OFF(enforcement.rectify_orders) },
	{ "罚款", ITEM_OFF(enforcement.fines) },
	{ "立案处罚(件)", ITEM_OFF(enforcement.penalty_cases) },
	{ "立案侦查(件)", ITEM_OFF(enforcement.criminal_cases) },
	{ "拘留(人)", ITEM_OFF(enforcement.detentions) },
	{ "约谈", ITEM_OFF(enforcement.summons) },
	{ "问责", ITEM_OFF(enforcement.accountability) },
	{ "举报类型", ITEM_OFF(categories) },
	{ "交办时间", ITEM_OFF(transferred_on) }, { "转办日期", ITEM_OFF(transferred_on) },
	{ "反馈时间", ITEM_OFF(feedback_on) }, { "办理情况反馈日期", ITEM_OFF(feedback_on) },
	{ "重复举报", ITEM_OFF(duplicate_of) },
};

/* Headers whose presence marks a complaint list rather than a problem ledger. */
static const char *const complaint_headers[] = { "是否属实", "交办问题基本情况", "受理编号" };

static const struct duban_field *field_at(size_t offset)
{
	for (size_t i = 0; i < duban_field_count; i++)
		if (duban_fields[i].offset == offset)
			return &duban_fields[i];
	return NULL;
}

static size_t field_index(const struct duban_field *f)
{
	return (size_t)(f - duban_fields);
}

/* Header text as compared: no ASCII or ideographic spaces or line breaks,
 * full-width brackets as half-width, ASCII letters in lower case. */
static char *normalize_header(const char *s)
{
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_puts(&b, "");
	for (const char *p = s; *p;) {
		if (strchr(" \t\r\n\v\f", *p)) {
			p++;
		} else if (strncmp(p, "\xe3\x80\x80", 3) == 0) {
			p += 3;
		} else if (strncmp(p, "（", 3) == 0) {
			duban_buf_putc(&b, '(');
			p += 3;
		} else if (strncmp(p, "）", 3) == 0) {
			duban_buf_putc(&b, ')');
			p += 3;
		} else {
			char c = *p++;
			duban_buf_putc(&b, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
		}
	}
	return duban_buf_steal(&b);
}

static bool header_is(const char *s, const char *want)
{
	char *n = normalize_header(want);
	bool eq = strcmp(s, n) == 0;
	free(n);
	return eq;
}

/* ---------------------------------------------------------------- state */

struct mapping {
	char *header; /* normalized */
	struct column col;
};

struct code_seen {
	char *code;
	int line;
};

struct importer {
	duban_store *st;
	const struct duban_import_options *opt;
	struct duban_import_report *rep;
	struct mapping *map;
	int nmap;
	struct column *cols;
	int ncols;
	bool *has_field;     /* by field index: the file has a column for it */
	int seq_col, id_col; /* -1 when absent */
	int kind;            /* kind of rows without a kind cell */
	struct code_seen *seen; /* open-addressing hash of codes already read */
	size_t seen_cap, seen_len;
	const char *unit;    /* "line" for CSV, "row" for .xlsx, "item" for JSON */
	const char *sheet;   /* the sheet of a workbook of several, for messages */
	struct duban_csv_record pending; /* a header row, until the next row says
					  * whether it has a second header row */
	bool has_pending;
	bool failed;         /* a bad row: nothing will be written */
	bool interrupted;    /* Ctrl-C: nothing will be written */
	long long done;      /* lines, rows or items read, for the progress line */
	enum duban_err store_err;
};

/* Shows how far the import is; false after Ctrl-C, which fails it. */
static bool tick(struct importer *im, long long done)
{
	im->done = done;
	if (duban_progress_update(im->opt->progress, done) == 0)
		return true;
	im->failed = im->interrupted = true;
	return false;
}

static void list_add(char ***list, int *n, char *msg)
{
	*list = xrealloc(*list, ((size_t)*n + 2) * sizeof **list);
	(*list)[(*n)++] = msg;
	(*list)[*n] = NULL;
}

static void report_error(struct importer *im, char *msg)
{
	list_add(&im->rep->errors, &im->rep->nerrors, msg);
}

static void report_note(struct importer *im, char *msg)
{
	list_add(&im->rep->notes, &im->rep->nnotes, msg);
}

/* "line N: reason" (or "item N: reason" for JSON, "row N: reason" for a
 * workbook, "sheet S, row N: reason" when it has several).  Takes reason. */
static void row_error(struct importer *im, int where, char *reason)
{
	if (strcmp(im->unit, "item") == 0)
		report_error(im, xasprintf(_("item %d: %s"), where, reason));
	else if (strcmp(im->unit, "row") == 0 && im->sheet)
		report_error(im, xasprintf(_("sheet %s, row %d: %s"), im->sheet, where, reason));
	else if (strcmp(im->unit, "row") == 0)
		report_error(im, xasprintf(_("row %d: %s"), where, reason));
	else
		report_error(im, xasprintf(_("line %d: %s"), where, reason));
	free(reason);
}

/* The file's header as one line, for messages. */
static char *header_text(const char *raw)
{
	char *h = duban_trim(xstrdup(raw));
	for (char *p = h; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return h;
}

/* "line N, HEADER (column L): reason" (row N, sheet S for a workbook): a bad
 * cell named as the office sees it in its spreadsheet.  Takes reason. */
static void cell_error(struct importer *im, int where, int col, char *reason)
{
	char letters[4];
	const char *h = col >= 0 && col < im->ncols && im->cols[col].header ? im->cols[col].header : "";
	duban_xlsx_col_letters(col + 1, letters);
	if (strcmp(im->unit, "row") == 0 && im->sheet)
		report_error(im, xasprintf(_("sheet %s, row %d, %s (column %s): %s"), im->sheet, where, h,
					   letters, reason));
	else if (strcmp(im->unit, "row") == 0)
		report_error(im, xasprintf(_("row %d, %s (column %s): %s"), where, h, letters, reason));
	else
		report_error(im, xasprintf(_("line %d, %s (column %s): %s"), where, h, letters, reason));
	free(reason);
}

static void free_columns(struct importer *im)
{
	for (int i = 0; i < im->ncols; i++)
		free(im->cols[i].header);
	free(im->cols);
	im->cols = NULL;
	im->ncols = 0;
}

void duban_import_report_free(struct duban_import_report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nerrors; i++)
		free(r->errors[i]);
	free(r->errors);
	for (int i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	r->errors = r->notes = NULL;
	r->nerrors = r->nnotes = 0;
}

/* ---------------------------------------------------------------- codes seen */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct code_seen *seen_slot(struct code_seen *tab, size_t cap, const char *code)
{
	size_t i = hash_str(code) & (cap - 1);
	while (tab[i].code && strcmp(tab[i].code, code) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void seen_grow(struct importer *im)
{
	size_t cap = im->seen_cap ? im->seen_cap * 2 : 256;
	struct code_seen *tab = xcalloc(cap, sizeof *tab);
	for (size_t i = 0; i < im->seen_cap; i++)
		if (im->seen[i].code)
			*seen_slot(tab, cap, im->seen[i].code) = im->seen[i];
	free(im->seen);
	im->seen = tab;
	im->seen_cap = cap;
}

/* Records code at line; returns the earlier line that had it, or 0. */
static int seen_add(struct importer *im, const char *code, int line)
{
	if ((im->seen_len + 1) * 2 > im->seen_cap)
		seen_grow(im);
	struct code_seen *s = seen_slot(im->seen, im->seen_cap, code);
	if (s->code)
		return s->line;
	s->code = xstrdup(code);
	s->line = line;
	im->seen_len++;
	return 0;
}

static void importer_free(struct importer *im)
{
	for (int i = 0; i < im->nmap; i++)
		free(im->map[i].header);
	free(im->map);
	free_columns(im);
	free(im->has_field);
	for (size_t i = 0; i < im->seen_cap; i++)
		free(im->seen[i].code);
	free(im->seen);
	if (im->has_pending)
		duban_csv_record_free(&im->pending);
}

/* ---------------------------------------------------------------- mapping file */

static bool mapping_target(const char *name, struct column *col)
{
	col->field = NULL;
	col->header = NULL;
	if (strcmp(name, "ignore") == 0 || strcmp(name, "-") == 0) {
		col->role = COL_IGNORE;
		return true;
	}
	if (strcmp(name, "id") == 0) {
		col->role = COL_ID;
		return true;
	}
	if (strcmp(name, "seq") == 0 || strcmp(name, "序号") == 0) {
		col->role = COL_SEQ;
		return true;
	}
	col->field = duban_field_find(name);
	col->role = COL_FIELD;
	return col->field != NULL;
}

static bool mapping_line(struct importer *im, char *line, const char *path, int lineno)
{
	duban_trim(line);
	if (!*line || *line == '#')
		return true;
	char *hash;
	char *eq = strrchr(line, '=');
	if (!eq) {
		report_error(im, xasprintf(_("%s:%d: expected HEADER = field"), path, lineno));
		return false;
	}
	*eq = '\0';
	char *value = eq + 1;
	if ((hash = strchr(value, '#')))
		*hash = '\0';
	duban_trim(value);
	duban_trim(line);
	struct column col;
	if (!*line || !mapping_target(value, &col)) {
		report_error(im, xasprintf(_("%s:%d: unknown field '%s'"), path, lineno, value));
		return false;
	}
	im->map = xrealloc(im->map, ((size_t)im->nmap + 1) * sizeof *im->map);
	im->map[im->nmap].header = normalize_header(line);
	im->map[im->nmap++].col = col;
	return true;
}

/* A file read for import is then handled as a C string, which would end at
 * a NUL byte silently: such a file is refused, naming the line. */
static bool has_nul_byte(struct importer *im, const char *path, const char *data, size_t len)
{
	const char *nul = memchr(data, '\0', len);
	if (!nul)
		return false;
	int line = 1;
	for (const char *p = data; p < nul; p++)
		line += *p == '\n';
	report_error(im, xasprintf(_("%s:%d: NUL byte; nothing was imported"), path, line));
	return true;
}

static enum duban_err load_mapping(struct importer *im, const char *path)
{
	size_t len;
	char *data = duban_read_file(path, &len);
	if (!data) {
		report_error(im, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
		return DUBAN_ERR_IO;
	}
	if (has_nul_byte(im, path, data, len)) {
		free(data);
		return DUBAN_ERR_PARSE;
	}
	char *text = duban_to_utf8(data, len, NULL);
	free(data);
	if (!text) {
		report_error(im, xasprintf(_("%s: neither UTF-8 nor GB18030"), path));
		return DUBAN_ERR_PARSE;
	}
	bool good = true;
	int lineno = 0;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		good &= mapping_line(im, line, path, ++lineno);
	}
	free(text);
	return good ? DUBAN_OK : DUBAN_ERR_PARSE;
}

/* ---------------------------------------------------------------- header row */

static bool lookup_header(const struct importer *im, const char *norm, const char *raw, struct column *col)
{
	for (int i = 0; i < im->nmap; i++)
		if (strcmp(norm, im->map[i].header) == 0) {
			*col = im->map[i].col;
			return true;
		}
	col->field = NULL;
	if (strcmp(norm, "id") == 0 || strcmp(norm, "序号") == 0) {
		col->role = norm[0] == 'i' ? COL_ID : COL_SEQ;
		return true;
	}
	col->role = COL_FIELD;
	for (size_t i = 0; i < duban_field_count && !col->field; i++)
		if (header_is(norm, duban_fields[i].name) || header_is(norm, duban_fields[i].label))
			col->field = &duban_fields[i];
	if (!col->field)
		col->field = duban_field_find(raw);
	for (size_t i = 0; i < ARRAY_LEN(aliases) && !col->field; i++)
		if (header_is(norm, aliases[i].header))
			col->field = field_at(aliases[i].offset);
	return col->field != NULL;
}

const struct duban_field *duban_import_header_field(const char *header)
{
	struct importer im;
	struct column col;
	memset(&im, 0, sizeof im);
	char *norm = normalize_header(header ? header : "");
	bool known = *norm && lookup_header(&im, norm, header, &col) && col.role == COL_FIELD;
	free(norm);
	return known ? col.field : NULL;
}

bool duban_import_header_is(const char *header, const char *want)
{
	char *norm = normalize_header(header ? header : "");
	bool same = header_is(norm, want);
	free(norm);
	return same;
}

static int count_known_headers(const struct importer *im, const struct duban_csv_record *rec)
{
	int known = 0;
	for (int i = 0; i < rec->ncells; i++) {
		char *norm = normalize_header(rec->cells[i]);
		struct column col;
		known += *norm && lookup_header(im, norm, rec->cells[i], &col) && col.role != COL_IGNORE;
		free(norm);
	}
	return known;
}

/* A later column for a field already mapped is ignored: the first wins. */
static bool column_taken(const struct importer *im, const struct column *col)
{
	if (col->role == COL_FIELD)
		return im->has_field[field_index(col->field)];
	if (col->role == COL_ID)
		return im->id_col >= 0;
	if (col->role == COL_SEQ)
		return im->seq_col >= 0;
	return false;
}

static void set_column(struct importer *im, int i, const char *raw)
{
	char *norm = normalize_header(raw);
	struct column *col = &im->cols[i];
	bool known = *norm && lookup_header(im, norm, raw, col);
	col->header = header_text(raw);
	if (!known || column_taken(im, col)) {
		if (*norm)
			report_note(im, xasprintf(_("note: column '%s' ignored"), raw));
		col->role = COL_IGNORE;
	} else if (col->role == COL_FIELD) {
		im->has_field[field_index(col->field)] = true;
	} else if (col->role == COL_ID) {
		im->id_col = i;
	} else if (col->role == COL_SEQ) {
		im->seq_col = i;
	}
	for (size_t k = 0; k < ARRAY_LEN(complaint_headers); k++)
		if (im->opt->default_kind < 0 && header_is(norm, complaint_headers[k]))
			im->kind = DUBAN_KIND_COMPLAINT;
	free(norm);
}

static void take_header(struct importer *im, const struct duban_csv_record *rec)
{
	im->ncols = rec->ncells;
	im->cols = xcalloc((size_t)rec->ncells, sizeof *im->cols);
	for (int i = 0; i < rec->ncells; i++)
		set_column(im, i, rec->cells[i]);
}

/* ---------------------------------------------------------------- cell values */

/* Status words of complaint lists and progress reports, beyond the names
 * duban_status_parse knows. */
static int parse_status(const char *s)
{
	static const struct {
		const char *text;
		enum duban_status status;
	} words[] = {
		{ "已办结", DUBAN_STATUS_CLOSED },
		{ "已完成整改", DUBAN_STATUS_CLOSED },
		{ "阶段性办结", DUBAN_STATUS_VERIFIED },
		{ "正在办理", DUBAN_STATUS_IN_PROGRESS },
		{ "未办结", DUBAN_STATUS_IN_PROGRESS },
		{ "办理中", DUBAN_STATUS_IN_PROGRESS },
		{ "整改中", DUBAN_STATUS_IN_PROGRESS },
		{ "未启动", DUBAN_STATUS_NOT_STARTED },
	};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcmp(s, words[i].text) == 0)
			return (int)words[i].status;
	return duban_status_parse(s);
}

/* Published lists fill empty number cells with a dash or 无. */
static bool is_placeholder(const char *s)
{
	static const char *const marks[] = { "/", "-", "—", "——", "－", "／", "无", "\\" };
	for (size_t i = 0; i < ARRAY_LEN(marks); i++)
		if (strcmp(s, marks[i]) == 0)
			return true;
	return false;
}

static size_t char_len(const char *p)
{
	unsigned char c = (unsigned char)*p;
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* A deadline cell: a date, 立行立改 or 长期坚持, possibly with a date in the
 * text ("立行立改，2022年6月底前", "2022年底以前"; the latest of several).
 * False when it is neither, or when a date in it is not one as written. */
static bool parse_deadline(const char *s, duban_date *d, enum duban_deadline_kind *k)
{
	*k = DUBAN_DEADLINE_DATE;
	*d = DUBAN_DATE_NONE;
	if (!*s)
		return true;
	if (strstr(s, "立行立改"))
		*k = DUBAN_DEADLINE_IMMEDIATE;
	else if (strstr(s, "长期坚持") || strstr(s, "持续推进") || strstr(s, "长期"))
		*k = DUBAN_DEADLINE_ONGOING;
	/* A date cell that lost its format in Excel shows its serial, "46188". */
	*d = duban_xlsx_serial_text_date(s);
	if (*d == DUBAN_DATE_NONE && duban_date_find(s, d) == DUBAN_DATE_SCAN_BAD)
		return false;
	if (*d == DUBAN_DATE_NONE && *k == DUBAN_DEADLINE_DATE) {
		int dk = duban_deadline_kind_parse(s);
		if (dk > 0)
			*k = (enum duban_deadline_kind)dk;
		return dk > 0;
	}
	return true;
}

static char *value_error(const struct duban_field *f, const char *s)
{
	switch (f->type) {
	case DUBAN_FT_DATE:
		return xasprintf(_("cannot read '%s' as a date"), s);
	case DUBAN_FT_INT:
		if (f->offset == ITEM_OFF(progress))
			return xasprintf(_("'%s' is not a progress from 0 to 100"), s);
		return xasprintf(_("cannot read '%s' as a count"), s);
	case DUBAN_FT_DOUBLE:
		return xasprintf(_("cannot read '%s' as a number"), s);
	case DUBAN_FT_BOOL:
		return xasprintf(_("cannot read '%s' as yes or no"), s);
	case DUBAN_FT_STATUS:
		return xasprintf(_("unknown status '%s'"), s);
	case DUBAN_FT_VERDICT:
		return xasprintf(_("unknown verdict '%s'"), s);
	default:
		return xasprintf(_("unknown value '%s'"), s);
	}
}

/* Stores one cell into its field; NULL or the reason it cannot. */
static char *apply_cell(struct duban_item *it, const struct duban_field *f, const char *s)
{
	if (f->type == DUBAN_FT_STATUS) {
		/* A blank status cell keeps what the ledger knows. */
		int st = *s ? parse_status(s) : (int)it->status;
		if (st < 0)
			return value_error(f, s);
		it->status = (enum duban_status)st;
		return NULL;
	}
	if (f->offset == ITEM_OFF(deadline)) {
		if (!parse_deadline(s, &it->deadline, &it->deadline_kind))
			return value_error(f, s);
		return NULL;
	}
	if (f->type != DUBAN_FT_TEXT && is_placeholder(s))
		s = "";
	/* Sheets tick flags rather than write 是. */
	if (f->type == DUBAN_FT_BOOL && (strcmp(s, "√") == 0 || strcmp(s, "✓") == 0 || strcmp(s, "✔") == 0))
		s = "true";
	char day[11];
	if (f->type == DUBAN_FT_DATE && duban_xlsx_serial_text_date(s) != DUBAN_DATE_NONE)
		s = duban_date_format(duban_xlsx_serial_text_date(s), day);
	if (duban_field_parse(f, it, s) != DUBAN_OK)
		return value_error(f, s);
	return NULL;
}

/* ---------------------------------------------------------------- one item */

/* A complaint list gives no title: the first clause of the description,
 * at most 30 characters, stands in. */
static void title_from_description(struct duban_item *it)
{
	static const char *const stops[] = { "，", "。", "；", "\n" };
	const char *s = it->description;
	size_t end = strlen(s);
	for (size_t i = 0; i < ARRAY_LEN(stops); i++) {
		const char *hit = strstr(s, stops[i]);
		if (hit && (size_t)(hit - s) < end)
			end = (size_t)(hit - s);
	}
	size_t n = 0;
	int chars = 0;
	while (n < end && chars < 30) {
		n += char_len(s + n);
		chars++;
	}
	if (n > end)
		n = end;
	char *t = duban_trim(xstrndup(s, n));
	duban_set_str(&it->title, t);
	free(t);
}

static bool items_differ(const struct duban_item *a, const struct duban_item *b)
{
	for (size_t i = 0; i < duban_field_count; i++)
		if (!duban_field_equal(&duban_fields[i], a, b))
			return true;
	return false;
}

/* Finds the stored item a row updates: by code, else by the row's id (a
 * renamed code).  Guards against item_get's id-prefix match on a code.
 * out must be initialized; when nothing is found it is a blank item. */
static bool find_existing(struct importer *im, const char *code, const char *id, struct duban_item *out)
{
	if (duban_item_get(im->st, code, out) == DUBAN_OK && strcmp(out->code, code) == 0)
		return true;
	if (id && *id && duban_uuid_valid(id) && duban_item_get(im->st, id, out) == DUBAN_OK &&
	    strcmp(out->id, id) == 0)
		return true;
	duban_item_free(out);
	duban_item_init(out);
	return false;
}

/* Checks what spans fields; reports and returns false when it fails.  col
 * is the deadline's column in a sheet, -1 for JSON. */
static bool item_consistent(struct importer *im, const struct duban_item *it, int where, int col)
{
	char msg[256];
	if (!duban_item_within_limits(it, msg, sizeof msg)) {
		row_error(im, where, xstrdup(msg));
		return false;
	}
	if (it->start == DUBAN_DATE_NONE || it->deadline == DUBAN_DATE_NONE || it->deadline >= it->start)
		return true;
	char a[11], b[11];
	duban_date_format(it->deadline, a);
	duban_date_format(it->start, b);
	if (col < 0)
		row_error(im, where, xasprintf(_("deadline: %s is before the start %s"), a, b));
	else
		cell_error(im, where, col, xasprintf(_("the deadline %s is before the start %s"), a, b));
	return false;
}

/* Writes (or, dry, counts) one valid item. */
static void store_item(struct importer *im, struct duban_item *it, const struct duban_item *orig, int where)
{
	struct duban_import_report *rep = im->rep;
	if (im->opt->dry_run || im->failed) {
		if (!orig)
			rep->inserted++;
		else if (items_differ(orig, it))
			rep->updated++;
		else
			rep->unchanged++;
		return;
	}
	enum duban_err err;
	int changed = 0;
	if (orig)
		err = duban_item_update_ex(im->st, it, &changed, true, "");
	else
		err = duban_item_insert(im->st, it);
	if (err != DUBAN_OK) {
		row_error(im, where, xstrdup(duban_store_errmsg(im->st)));
		im->store_err = err;
		im->failed = true;
		return;
	}
	if (!orig)
		rep->inserted++;
	else if (changed)
		rep->updated++;
	else
		rep->unchanged++;
}

/* Checks the code is new in this file; reports it otherwise. */
static bool code_is_new(struct importer *im, const char *code, int where)
{
	int first = seen_add(im, code, where);
	if (!first)
		return true;
	if (strcmp(im->unit, "item") == 0)
		row_error(im, where, xasprintf(_("code %s also in item %d"), code, first));
	else if (strcmp(im->unit, "row") == 0)
		row_error(im, where, xasprintf(_("code %s also in row %d"), code, first));
	else
		row_error(im, where, xasprintf(_("code %s also on line %d"), code, first));
	return false;
}

/* ---------------------------------------------------------------- CSV rows */

static const char *cell_of(const struct duban_csv_record *rec, int col)
{
	return col >= 0 && col < rec->ncells ? rec->cells[col] : "";
}

static int column_of_field(const struct importer *im, size_t offset)
{
	for (int i = 0; i < im->ncols; i++)
		if (im->cols[i].role == COL_FIELD && im->cols[i].field->offset == offset)
			return i;
	return -1;
}

static bool is_total_row(const struct duban_csv_record *rec)
{
	for (int i = 0; i < rec->ncells; i++)
		if (*rec->cells[i])
			return strcmp(rec->cells[i], "合计") == 0 || strcmp(rec->cells[i], "总计") == 0 ||
			       strcmp(rec->cells[i], "小计") == 0;
	return true; /* every cell empty: skipped like a blank line */
}

/* The row's kind (kind cell, else the file's), or -1 after reporting. */
static int row_kind(struct importer *im, const struct duban_csv_record *rec)
{
	int col = column_of_field(im, ITEM_OFF(kind));
	const char *s = cell_of(rec, col);
	if (!*s)
		return im->kind;
	int k = duban_kind_parse(s);
	if (k < 0)
		cell_error(im, rec->line, col, xasprintf(_("unknown kind '%s'"), s));
	return k;
}

/* The row's code, falling back to its row number; NULL after reporting. */
static char *row_code(struct importer *im, const struct duban_csv_record *rec, int kind)
{
	const char *code = cell_of(rec, column_of_field(im, ITEM_OFF(code)));
	if (*code)
		return xstrdup(code);
	const char *seq = cell_of(rec, im->seq_col);
	if (*seq)
		return xasprintf("%s%s", kind == DUBAN_KIND_COMPLAINT ? "C-" : "P-", seq);
	row_error(im, rec->line, xstrdup(_("no code and no row number (序号)")));
	return NULL;
}

/* Fills it from the row's cells; false (after reporting each) on bad cells.
 * The deadline kind comes after the deadline, whose text may also set it. */
static bool fill_item(struct importer *im, const struct duban_csv_record *rec, struct duban_item *it)
{
	bool good = true;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < im->ncols; i++) {
			const struct duban_field *f = im->cols[i].field;
			if (im->cols[i].role != COL_FIELD || f->offset == ITEM_OFF(code) ||
			    f->offset == ITEM_OFF(kind))
				continue;
			bool late = f->type == DUBAN_FT_DEADLINE_KIND;
			const char *s = cell_of(rec, i);
			if (late != (pass == 1) || (late && !*s))
				continue;
			char *why = apply_cell(it, f, s);
			if (why) {
				cell_error(im, rec->line, i, why);
				good = false;
			}
		}
	return good;
}

static bool valid_id_cell(struct importer *im, const struct duban_csv_record *rec)
{
	const char *id = cell_of(rec, im->id_col);
	if (!*id || duban_uuid_valid(id))
		return true;
	cell_error(im, rec->line, im->id_col, xasprintf(_("'%s' is not a UUID"), id));
	return false;
}

static void import_row(struct importer *im, struct duban_csv_record *rec)
{
	for (int i = 0; i < rec->ncells; i++)
		duban_trim(rec->cells[i]);
	if (is_total_row(rec))
		return;
	im->rep->rows++;
	int kind = row_kind(im, rec);
	char *code = kind >= 0 ? row_code(im, rec, kind) : NULL;
	bool good = code && code_is_new(im, code, rec->line) && valid_id_cell(im, rec);
	struct duban_item it, orig;
	const char *id = cell_of(rec, im->id_col);
	duban_item_init(&it);
	bool found = good && find_existing(im, code, id, &it);
	if (found) {
		duban_item_copy(&orig, &it);
		/* Only a kind cell or an explicit default re-kinds a stored item. */
		if (*cell_of(rec, column_of_field(im, ITEM_OFF(kind))) || im->opt->default_kind >= 0)
			it.kind = (enum duban_kind)kind;
	} else {
		it.kind = kind >= 0 ? (enum duban_kind)kind : DUBAN_KIND_PROBLEM;
		if (*id && duban_uuid_valid(id))
			strcpy(it.id, id);
	}
	if (code)
		duban_set_str(&it.code, code);
	good = fill_item(im, rec, &it) && good;
	good = good && item_consistent(im, &it, rec->line, column_of_field(im, ITEM_OFF(deadline)));
	if (it.kind == DUBAN_KIND_COMPLAINT && !*it.title)
		title_from_description(&it);
	if (good)
		store_item(im, &it, found ? &orig : NULL, rec->line);
	else
		im->failed = true;
	if (!good)
		im->rep->bad++;
	if (found)
		duban_item_free(&orig);
	duban_item_free(&it);
	free(code);
}

/* ---------------------------------------------------------------- header rows */

static bool known_header(const struct importer *im, const char *raw)
{
	char *norm = normalize_header(raw);
	struct column col;
	bool known = *norm && lookup_header(im, norm, raw, &col) && col.role != COL_IGNORE;
	free(norm);
	return known;
}

/* Whether head's cell i is one of several side by side with one text: a
 * title merged over the columns a second header row names one by one. */
static bool in_header_run(const struct duban_csv_record *head, int i)
{
	const char *h = cell_of(head, i);
	if (!*h)
		return i > 0 && *cell_of(head, i - 1); /* CSV: the merge left blanks */
	return (i > 0 && strcmp(cell_of(head, i - 1), h) == 0) || strcmp(cell_of(head, i + 1), h) == 0;
}

/* A row right under the header is its second row when every cell repeats
 * the header above (a title merged over both rows), names a known column,
 * or sits under a title merged across columns.  A data row always has a
 * code or row number that is none of these. */
static bool is_second_header(const struct importer *im, const struct duban_csv_record *head,
			     const struct duban_csv_record *rec)
{
	bool any = false;
	for (int i = 0; i < rec->ncells; i++) {
		const char *s = rec->cells[i];
		if (!*s)
			continue;
		any = true;
		if (strcmp(s, cell_of(head, i)) != 0 && !known_header(im, s) && !in_header_run(head, i))
			return false;
	}
	return any;
}

/* Each column's name from a header of two rows: the lower cell when it
 * names a column of its own (牵头单位 under 责任单位), else the upper. */
static void merge_second_header(const struct importer *im, struct duban_csv_record *head,
				const struct duban_csv_record *rec)
{
	if (rec->ncells > head->ncells) {
		head->cells = xrealloc(head->cells, (size_t)rec->ncells * sizeof *head->cells);
		for (int i = head->ncells; i < rec->ncells; i++)
			head->cells[i] = xstrdup("");
		head->ncells = rec->ncells;
	}
	for (int i = 0; i < rec->ncells; i++) {
		const char *s = rec->cells[i];
		if (*s && strcmp(s, head->cells[i]) != 0 && (known_header(im, s) || !*head->cells[i])) {
			free(head->cells[i]);
			head->cells[i] = xstrdup(s);
		}
	}
}

/* A row with one text across three or more cells: a title or a remark
 * (填报单位, 填表说明) merged across the sheet, not an item. */
static bool is_banner_row(const struct duban_csv_record *rec)
{
	const char *text = NULL;
	int n = 0;
	for (int i = 0; i < rec->ncells; i++) {
		if (!*rec->cells[i])
			continue;
		if (text && strcmp(text, rec->cells[i]) != 0)
			return false;
		text = rec->cells[i];
		n++;
	}
	return n >= 3;
}

static void copy_record(struct duban_csv_record *dst, const struct duban_csv_record *src)
{
	dst->ncells = src->ncells;
	dst->line = src->line;
	dst->cells = xcalloc((size_t)(src->ncells ? src->ncells : 1), sizeof *dst->cells);
	for (int i = 0; i < src->ncells; i++)
		dst->cells[i] = xstrdup(src->cells[i]);
}

static void take_pending(struct importer *im)
{
	take_header(im, &im->pending);
	duban_csv_record_free(&im->pending);
	im->has_pending = false;
}

/* One record of a table: rows before the header are skipped, the header
 * (of one or two rows) names the columns, the rest are items. */
static void feed_record(struct importer *im, struct duban_csv_record *rec)
{
	for (int i = 0; i < rec->ncells; i++)
		duban_trim(rec->cells[i]);
	if (im->has_pending) {
		bool second = is_second_header(im, &im->pending, rec);
		if (second)
			merge_second_header(im, &im->pending, rec);
		take_pending(im);
		if (second)
			return;
	}
	if (!im->cols) {
		if (count_known_headers(im, rec) >= 2) {
			copy_record(&im->pending, rec);
			im->has_pending = true;
		}
		return;
	}
	if (is_banner_row(rec)) {
		if (strcmp(im->unit, "row") == 0)
			report_note(im, xasprintf(_("note: row %d skipped: one text across the row"), rec->line));
		else
			report_note(im, xasprintf(_("note: line %d skipped: one text across the row"), rec->line));
		return;
	}
	import_row(im, rec);
}

/* Ends a table; false when it had no header row. */
static bool end_table(struct importer *im)
{
	if (im->has_pending)
		take_pending(im);
	return im->cols != NULL;
}

/* Forgets the columns of the last table, for the next sheet of a workbook.
 * The codes seen stay: a code twice in a workbook is an error. */
static void begin_table(struct importer *im)
{
	free_columns(im);
	memset(im->has_field, 0, duban_field_count * sizeof *im->has_field);
	im->seq_col = im->id_col = -1;
	im->kind = im->opt->default_kind >= 0 ? im->opt->default_kind : DUBAN_KIND_PROBLEM;
}

static void import_csv(struct importer *im, const char *text)
{
	struct duban_csv_reader rd;
	struct duban_csv_record rec;
	duban_csv_reader_init(&rd, text, strlen(text));
	/* Lines, not records, are counted ahead: a cheap bound of the work. */
	long long lines = 0;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	duban_progress_set_total(im->opt->progress, lines + 1);
	int r;
	while ((r = duban_csv_read(&rd, &rec)) != 0) {
		if (r < 0) {
			row_error(im, rec.line, xstrdup(_("unterminated quote")));
			im->rep->bad++;
			im->failed = true;
			break;
		}
		feed_record(im, &rec);
		duban_csv_record_free(&rec);
		if (!tick(im, rec.line))
			break;
	}
	if (im->interrupted)
		return;
	if (!end_table(im) && !im->failed) {
		report_error(im, xstrdup(_("no header row: no row names two known columns")));
		im->failed = true;
	}
}

/* ---------------------------------------------------------------- JSON */

static int line_at(const char *text, const char *pos)
{
	int line = 1;
	for (const char *p = text; p < pos && *p; p++)
		line += *p == '\n';
	return line;
}

static void import_json_item(struct importer *im, const cJSON *obj, int where)
{
	im->rep->rows++;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, "code");
	const cJSON *idj = cJSON_GetObjectItemCaseSensitive(obj, "id");
	const char *code = cJSON_IsString(c) ? c->valuestring : "";
	const char *id = cJSON_IsString(idj) ? idj->valuestring : "";
	bool good = true;
	if (!cJSON_IsObject(obj)) {
		row_error(im, where, xstrdup(_("not a JSON object")));
		good = false;
	} else if (!*code) {
		row_error(im, where, xstrdup(_("no code")));
		good = false;
	} else {
		good = code_is_new(im, code, where);
	}
	struct duban_item it, orig;
	duban_item_init(&it);
	bool found = good && find_existing(im, code, id, &it);
	if (found)
		duban_item_copy(&orig, &it);
	else
		it.kind = im->kind;
	char err[256];
	if (good && duban_item_from_json(obj, &it, err, sizeof err) != DUBAN_OK) {
		row_error(im, where, xstrdup(err));
		good = false;
	}
	if (found) /* the code chose the item: an id in the object cannot move it */
		memcpy(it.id, orig.id, sizeof it.id);
	good = good && item_consistent(im, &it, where, -1);
	if (good && it.kind == DUBAN_KIND_COMPLAINT && !*it.title)
		title_from_description(&it);
	if (good)
		store_item(im, &it, found ? &orig : NULL, where);
	else
		im->failed = true;
	im->rep->bad += !good;
	if (found)
		duban_item_free(&orig);
	duban_item_free(&it);
}

static void import_json(struct importer *im, const char *text)
{
	im->unit = "item";
	if (duban_json_has_nul(text, strlen(text))) {
		/* cJSON would cut the string short at the NUL, silently. */
		report_error(im, xstrdup(_("JSON: a string holds \\u0000 (NUL), which no field may hold")));
		im->failed = true;
		return;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, false);
	if (!root) {
		im->unit = "line";
		row_error(im, line_at(text, end ? end : cJSON_GetErrorPtr()), xstrdup(_("invalid JSON")));
		im->failed = true;
		return;
	}
	const cJSON *items = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "items") : root;
	if (!cJSON_IsArray(items)) {
		report_error(im, xstrdup(_("JSON: expected an array of items or {\"items\": [...]}")));
		im->failed = true;
	} else {
		int n = 0;
		const cJSON *obj;
		duban_progress_set_total(im->opt->progress, cJSON_GetArraySize(items));
		cJSON_ArrayForEach(obj, items) {
			import_json_item(im, obj, ++n);
			if (!tick(im, n))
				break;
		}
	}
	cJSON_Delete(root);
}

static bool looks_like_json(const char *text)
{
	text += strspn(text, " \t\r\n");
	return *text == '[' || *text == '{';
}

/* ---------------------------------------------------------------- workbooks */

struct workbook_rows {
	struct duban_xlsx_sheet *sheets;
	int n;
	bool several; /* rows are named with their sheet */
};

static void workbook_rows_free(struct workbook_rows *wr)
{
	for (int i = 0; i < wr->n; i++)
		duban_xlsx_sheet_free(&wr->sheets[i]);
	free(wr->sheets);
	memset(wr, 0, sizeof *wr);
}

enum magic { MAGIC_OTHER, MAGIC_ZIP, MAGIC_OLE };

/* A zip is an .xlsx workbook; an OLE compound file an old .xls or an
 * encrypted workbook.  Unreadable files are left to read_text to report. */
static enum magic file_magic(const char *path)
{
	char head[8] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return MAGIC_OTHER;
	size_t n = fread(head, 1, sizeof head, f);
	fclose(f);
	if (duban_xlsx_sniff(head, n))
		return MAGIC_ZIP;
	if (n == sizeof head && memcmp(head, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
		return MAGIC_OLE;
	return MAGIC_OTHER;
}

/* A workbook that cannot be read is refused as a whole, not row by row. */
static enum duban_err workbook_error(struct importer *im, enum duban_err e, const char *msg)
{
	report_error(im, xstrdup(msg));
	return e == DUBAN_ERR_PARSE ? DUBAN_ERR_INVALID : e;
}

/* Reads the named sheet, or every sheet, before anything is written. */
static enum duban_err load_workbook(struct importer *im, const char *path, struct workbook_rows *wr)
{
	char err[1024];
	im->rep->encoding = "xlsx";
	char **names = NULL;
	enum duban_err e;
	if (im->opt->sheet) {
		names = xcalloc(2, sizeof *names);
		names[0] = xstrdup(im->opt->sheet);
	} else if ((e = duban_xlsx_sheet_names(path, &names, err, sizeof err)) != DUBAN_OK) {
		return workbook_error(im, e, err);
	}
	int n = 0;
	while (names[n])
		n++;
	wr->sheets = xcalloc((size_t)n, sizeof *wr->sheets);
	wr->several = n > 1;
	e = DUBAN_OK;
	for (int i = 0; i < n && e == DUBAN_OK; i++) {
		e = duban_xlsx_read(path, names[i], &wr->sheets[i], err, sizeof err);
		if (e == DUBAN_OK)
			wr->n++;
	}
	duban_lines_free(names);
	return e == DUBAN_OK ? DUBAN_OK : workbook_error(im, e, err);
}

static void import_workbook(struct importer *im, struct workbook_rows *wr)
{
	im->unit = "row";
	int tables = 0;
	long long total = 0, done = 0;
	for (int s = 0; s < wr->n; s++)
		total += wr->sheets[s].nrows;
	duban_progress_set_total(im->opt->progress, total);
	for (int s = 0; s < wr->n && !im->interrupted; s++) {
		struct duban_xlsx_sheet *sh = &wr->sheets[s];
		im->sheet = wr->several ? sh->name : NULL;
		begin_table(im);
		for (int r = 0; r < sh->nrows && tick(im, done); r++, done++)
			feed_record(im, &sh->rows[r]);
		if (im->interrupted)
			return;
		if (end_table(im))
			tables++;
		else if (wr->several)
			report_note(im, xasprintf(_("note: sheet %s skipped: no row names two known columns"),
						  sh->name));
	}
	im->sheet = NULL;
	if (tables == 0 && !im->failed) {
		report_error(im, xstrdup(_("no header row: no row names two known columns")));
		im->failed = true;
	}
}

/* ---------------------------------------------------------------- entry */

static void importer_init(struct importer *im, duban_store *st, const struct duban_import_options *opt,
			  struct duban_import_report *rep)
{
	memset(im, 0, sizeof *im);
	im->st = st;
	im->opt = opt;
	im->rep = rep;
	im->has_field = xcalloc(duban_field_count, sizeof *im->has_field);
	im->seq_col = im->id_col = -1;
	im->kind = opt->default_kind >= 0 ? opt->default_kind : DUBAN_KIND_PROBLEM;
	im->unit = "line";
}

static char *read_text(struct importer *im, const char *path, enum duban_err *err)
{
	size_t len;
	char *data = duban_read_file(path, &len);
	if (!data) {
		report_error(im, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
		*err = DUBAN_ERR_IO;
		return NULL;
	}
	if (has_nul_byte(im, path, data, len)) {
		free(data);
		*err = DUBAN_ERR_PARSE;
		return NULL;
	}
	char *text = duban_to_utf8(data, len, &im->rep->encoding);
	free(data);
	if (!text) {
		report_error(im, xasprintf(_("%s: neither UTF-8 nor GB18030"), path));
		*err = DUBAN_ERR_PARSE;
	}
	return text;
}

static enum duban_err run_import(struct importer *im, const char *text, struct workbook_rows *wr)
{
	bool write = !im->opt->dry_run;
	if (write) {
		enum duban_err err = duban_store_begin(im->st);
		if (err != DUBAN_OK) {
			report_error(im, xstrdup(duban_store_errmsg(im->st)));
			return err;
		}
	}
	if (!text)
		import_workbook(im, wr);
	else if (looks_like_json(text))
		import_json(im, text);
	else
		import_csv(im, text);
	if (write && !im->failed && (im->store_err = duban_store_commit(im->st)) != DUBAN_OK) {
		report_error(im, xstrdup(duban_store_errmsg(im->st)));
		im->failed = true;
	}
	if (write && im->failed) {
		duban_store_rollback(im->st);
		im->rep->inserted = im->rep->updated = im->rep->unchanged = 0;
	}
	if (im->store_err != DUBAN_OK)
		return im->store_err;
	if (im->interrupted)
		return DUBAN_ERR_INTERRUPTED;
	return im->failed ? DUBAN_ERR_PARSE : DUBAN_OK;
}

enum duban_err duban_import_file(duban_store *st, const char *path,
				 const struct duban_import_options *opt,
				 struct duban_import_report *report)
{
	static const struct duban_import_options defaults = { false, NULL, -1, NULL, NULL };
	memset(report, 0, sizeof *report);
	if (!opt)
		opt = &defaults;
	struct importer im;
	importer_init(&im, st, opt, report);
	enum duban_err err = DUBAN_OK;
	if (opt->mapping_path)
		err = load_mapping(&im, opt->mapping_path);
	char *text = NULL;
	struct workbook_rows wr = { NULL, 0, false };
	enum magic magic = err == DUBAN_OK ? file_magic(path) : MAGIC_OTHER;
	if (err == DUBAN_OK && magic == MAGIC_ZIP)
		err = load_workbook(&im, path, &wr);
	else if (err == DUBAN_OK && magic == MAGIC_OLE)
		err = workbook_error(&im, DUBAN_ERR_PARSE,
				     _("this is an old Excel .xls file or a workbook with a password: "
				       "save it from Excel or WPS as .xlsx (without a password) or CSV"));
	else if (err == DUBAN_OK)
		text = read_text(&im, path, &err);
	if (err == DUBAN_OK) {
		/* Every change the import makes says which file it came from; the
		 * author is the store's actor, the importing user. */
		const char *base = strrchr(path, '/');
		char *source = xasprintf("import %s", base ? base + 1 : path);
		duban_store_set_source(st, source);
		free(source);
		err = run_import(&im, text, &wr);
		duban_store_set_source(st, NULL);
	}
	free(text);
	workbook_rows_free(&wr);
	importer_free(&im);
	return err;
}
