/* The case dossier (一案一档): the history read once, oldest first, into
 * rows of text, then written as one page; the .zip adds the files. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "duban/closeout.h"
#include "duban/dossier.h"
#include "duban/html.h"
#include "duban/store.h"
#include "duban/util.h"

/* One line of a table: cells of text owned by the row. */
struct row {
	char *cell[8];
};

struct table {
	struct row *v;
	size_t n, cap;
};

/* An attachment as the index and the archive need it. */
struct evidence {
	struct duban_attachment a; /* strings owned */
	char *place;               /* path inside the archive, or NULL */
};

struct history {
	const struct duban_acceptance_chain *chain; /* = &own */
	struct duban_acceptance_chain own;          /* the item's chain (its own, else the policy's) */
	struct table timeline, inspections, actions, notice, links;
	struct evidence *ev;
	size_t nev, capev;
	/* The notice records oldest first, merged into the timeline (read
	 * newest first) from the end: next is the newest not yet added. */
	struct duban_notice *notices;
	size_t nnotices, next;
};

static struct row *table_add(struct table *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	memset(&t->v[t->n], 0, sizeof t->v[t->n]);
	return &t->v[t->n++];
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t c = 0; c < 8; c++)
			free(t->v[i].cell[c]);
	free(t->v);
}

static void history_free(struct history *h)
{
	table_free(&h->timeline);
	table_free(&h->inspections);
	table_free(&h->actions);
	table_free(&h->notice);
	duban_notices_free(h->notices, h->nnotices);
	table_free(&h->links);
	for (size_t i = 0; i < h->nev; i++) {
		duban_attachment_free(&h->ev[i].a);
		free(h->ev[i].place);
	}
	free(h->ev);
}

static char *local_time(const char *utc)
{
	char buf[32];
	return xstrdup(duban_timestamp_local(utc, false, buf));
}

static char *date_text(duban_date d)
{
	char buf[11];
	return xstrdup(d == DUBAN_DATE_NONE ? "" : duban_date_format(d, buf));
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

/* ---------------------------------------------------------------- texts */

/* The acceptance level: its name in the office's chain (县级初验), else the
 * level as `inspect --level` takes it (county, city, province) in Chinese;
 * anything else as it was typed. */
static const char *level_zh(const struct duban_acceptance_chain *chain, const char *level)
{
	static const char *const names[][2] = { { "county", "县级" }, { "city", "市级" }, { "province", "省级" } };
	int at = duban_acceptance_find(chain, level);
	if (at >= 0)
		return chain->level[at].name;
	for (size_t i = 0; level && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(level, names[i][0]) == 0)
			return names[i][1];
	return level ? level : "";
}

static char *event_zh(const struct duban_event *e)
{
	if (strcmp(e->field, "create") == 0)
		return xstrdup("建立事项");
	if (strcmp(e->field, "delete") == 0)
		return xstrdup("删除事项");
	const struct duban_field *f = duban_field_find(e->field);
	char *old_v = f ? duban_value_zh(f, e->old_value) : dup_or_empty(e->old_value);
	char *new_v = f ? duban_value_zh(f, e->new_value) : dup_or_empty(e->new_value);
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_printf(&b, "%s：%s → %s", f ? f->label : e->field, *old_v ? old_v : "—", *new_v ? new_v : "—");
	if (e->reason && *e->reason)
		duban_buf_printf(&b, "（理由：%s）", e->reason);
	free(old_v);
	free(new_v);
	return duban_buf_steal(&b);
}

static char *inspection_zh(const struct duban_acceptance_chain *chain, const struct duban_inspection *r)
{
	char d[11];
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_printf(&b, "现场核查 %s：%s", duban_date_format(r->date, d), r->passed ? "通过" : "未通过");
	if (r->level && *r->level)
		duban_buf_printf(&b, "；验收层级：%s", level_zh(chain, r->level));
	if (r->inspectors && *r->inspectors)
		duban_buf_printf(&b, "；核查人员：%s", r->inspectors);
	if (r->place && *r->place)
		duban_buf_printf(&b, "；地点：%s", r->place);
	if (r->findings && *r->findings)
		duban_buf_printf(&b, "；意见：%s", r->findings);
	if (r->criteria && *r->criteria)
		duban_buf_printf(&b, "；符合验收标准：%s", r->criteria);
	return duban_buf_steal(&b);
}

static char *action_zh(const struct duban_action *a)
{
	char d[11];
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_printf(&b, "%s %s", duban_action_kind_zh(a->kind), duban_date_format(a->date, d));
	if (a->text && *a->text)
		duban_buf_printf(&b, "：%s", a->text);
	if (a->due != DUBAN_DATE_NONE)
		duban_buf_printf(&b, "（限 %s 前）", duban_date_format(a->due, d));
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- reading */

static void add_timeline(struct history *h, const char *at, const char *author, char *what, const char *received)
{
	struct row *r = table_add(&h->timeline);
	r->cell[0] = local_time(at);
	r->cell[1] = dup_or_empty(author);
	r->cell[2] = what;
	r->cell[3] = received && *received ? local_time(received) : xstrdup("");
}

/* "1,3" as the criteria's texts, one per line. */
static char *criteria_zh(const char *criteria)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (const char *p = criteria ? criteria : ""; *p; p++) {
		int n = *p - '0';
		if (n >= 1 && n <= DUBAN_CRITERIA_COUNT)
			duban_buf_printf(&b, "%s%d. %s", b.len ? "\n" : "", n, duban_acceptance_criteria_zh[n - 1]);
	}
	return duban_buf_steal(&b);
}

static void add_inspection(struct history *h, const struct duban_inspection *i)
{
	struct row *r = table_add(&h->inspections);
	r->cell[0] = date_text(i->date);
	r->cell[1] = xstrdup(i->level && *i->level ? level_zh(h->chain, i->level) : "现场核查");
	r->cell[2] = dup_or_empty(i->inspectors);
	r->cell[3] = xstrdup(i->passed ? "通过" : "未通过");
	r->cell[4] = i->place && *i->place ? xasprintf("（%s）%s", i->place, i->findings ? i->findings : "")
					   : dup_or_empty(i->findings);
	r->cell[5] = criteria_zh(i->criteria);
	r->cell[6] = dup_or_empty(i->author);
	r->cell[7] = local_time(i->created_at);
}

static void add_action(struct history *h, const struct duban_action *a)
{
	struct row *r = table_add(&h->actions);
	r->cell[0] = xstrdup(duban_action_kind_zh(a->kind));
	r->cell[1] = date_text(a->date);
	r->cell[2] = date_text(a->due);
	r->cell[3] = dup_or_empty(a->text);
	r->cell[4] = dup_or_empty(a->author);
}

static void add_evidence(struct history *h, const struct duban_attachment *a)
{
	if (h->nev == h->capev) {
		h->capev = h->capev ? 2 * h->capev : 8;
		h->ev = xrealloc(h->ev, h->capev * sizeof *h->ev);
	}
	struct evidence *e = &h->ev[h->nev++];
	memset(e, 0, sizeof *e);
	e->a = *a;
	e->a.name = dup_or_empty(a->name);
	e->a.mime = dup_or_empty(a->mime);
	e->a.author = dup_or_empty(a->author);
}

/* A notice record as the timeline and the notice's table say it. */
static char *notice_zh(const struct duban_notice *all, size_t n, size_t i)
{
	const struct duban_notice *r = &all[i];
	char a[11], b[11];

	switch (r->kind) {
	case DUBAN_NOTICE_OPEN:
		return xasprintf("公示：%s 至 %s；公示地点：%s；异议受理：%s", duban_date_format(r->date, a),
				 duban_date_format(r->end, b), r->place && *r->place ? r->place : "—",
				 r->contact && *r->contact ? r->contact : "—");
	case DUBAN_NOTICE_OBJECTION:
		return xasprintf("收到异议%d（%s%s%s）：%s", duban_objection_number(all, n, i), duban_date_format(r->date, a),
				 r->person && *r->person ? "，" : "", r->person ? r->person : "", r->text ? r->text : "");
	default:
		for (size_t j = 0; j < n; j++)
			if (strcmp(all[j].id, r->objection_id) == 0)
				return xasprintf("异议%d处理（%s）：%s，%s", duban_objection_number(all, n, j),
						 duban_date_format(r->date, a), r->upheld ? "异议成立，退回整改" : "异议不成立",
						 r->text ? r->text : "");
		return xasprintf("异议处理（%s）：%s", duban_date_format(r->date, a), r->text ? r->text : "");
	}
}

static void add_notice(struct history *h, size_t i)
{
	const struct duban_notice *r = &h->notices[i];
	struct row *row = table_add(&h->notice);
	const char *kind = r->kind == DUBAN_NOTICE_OPEN ? "公示" : r->kind == DUBAN_NOTICE_OBJECTION ? "异议" : "异议处理";
	int by = r->kind == DUBAN_NOTICE_OBJECTION ? duban_objection_settled_by(h->notices, h->nnotices, i) : -1;

	row->cell[0] = xstrdup(kind);
	row->cell[1] = date_text(r->date);
	row->cell[2] = notice_zh(h->notices, h->nnotices, i);
	row->cell[3] = xstrdup(r->kind != DUBAN_NOTICE_OBJECTION ? "" : by < 0 ? "未处理"
							  : h->notices[by].upheld ? "成立" : "不成立");
	row->cell[4] = dup_or_empty(r->author);
	add_timeline(h, r->created_at, r->author, notice_zh(h->notices, h->nnotices, i), r->received_at);
}

/* The notice records made after at (newest first), into the timeline. */
static void notices_after(struct history *h, const char *at)
{
	while (h->next > 0 && (!at || strcmp(h->notices[h->next - 1].created_at, at) > 0)) {
		h->next--;
		add_notice(h, h->next);
	}
}

static int collect(const struct duban_history_entry *e, void *data)
{
	struct history *h = data;
	notices_after(h, e->note ? e->note->created_at : e->inspection ? e->inspection->created_at
		      : e->action ? e->action->created_at : e->attachment ? e->attachment->created_at
		      : e->event ? e->event->created_at : NULL);
	if (e->note) {
		add_timeline(h, e->note->created_at, e->note->author, xasprintf("办理进展：%s", e->note->text),
			     e->note->received_at);
	} else if (e->inspection) {
		add_timeline(h, e->inspection->created_at, e->inspection->author, inspection_zh(h->chain, e->inspection),
			     e->inspection->received_at);
		add_inspection(h, e->inspection);
	} else if (e->action) {
		add_timeline(h, e->action->created_at, e->action->author, action_zh(e->action),
			     e->action->received_at);
		add_action(h, e->action);
	} else if (e->attachment) {
		add_timeline(h, e->attachment->created_at, e->attachment->author,
			     xasprintf("上传佐证材料：%s", e->attachment->name), e->attachment->received_at);
		add_evidence(h, e->attachment);
	} else if (e->event) {
		add_timeline(h, e->event->created_at, e->event->author, event_zh(e->event), e->event->received_at);
	}
	return 0;
}

static void table_reverse(struct table *t)
{
	for (size_t i = 0, j = t->n; i + 1 < j; i++, j--) {
		struct row tmp = t->v[i];
		t->v[i] = t->v[j - 1];
		t->v[j - 1] = tmp;
	}
}

/* The history comes newest first; a dossier reads oldest first. */
/* The linked items (举一反三, 重复举报), oldest link first. */
static enum duban_err links_read(duban_store *st, const struct duban_item *item, struct history *h)
{
	struct duban_linked *v = NULL;
	int n = 0;
	enum duban_err err = duban_links_of(st, item->id, &v, &n);
	for (int i = 0; i < n; i++) {
		struct row *r = table_add(&h->links);
		r->cell[0] = xstrdup(v[i].kind != DUBAN_LINK_REPEAT ? "关联事项" : v[i].outgoing ? "系重复举报" : "被重复举报");
		r->cell[1] = xstrdup(*v[i].code ? v[i].code : v[i].other_id);
		r->cell[2] = xstrdup(v[i].title);
		r->cell[3] = xstrdup(v[i].county);
		r->cell[4] = xstrdup(v[i].why);
		r->cell[5] = xstrdup(v[i].author);
		r->cell[6] = local_time(v[i].created_at);
	}
	duban_linked_free(v, n);
	return err;
}

static enum duban_err history_read(duban_store *st, const struct duban_item *item, struct history *h)
{
	memset(h, 0, sizeof *h);
	enum duban_err err = duban_item_chain(st, item->id, &h->own);
	h->chain = &h->own;
	if (err == DUBAN_OK)
		err = duban_notice_list(st, item->id, &h->notices, &h->nnotices);
	h->next = h->nnotices;
	if (err == DUBAN_OK)
		err = duban_history_each(st, item->id, collect, h);
	notices_after(h, NULL);
	if (err == DUBAN_OK)
		err = links_read(st, item, h);
	table_reverse(&h->timeline);
	table_reverse(&h->notice);
	table_reverse(&h->inspections);
	table_reverse(&h->actions);
	for (size_t i = 0, j = h->nev; i + 1 < j; i++, j--) {
		struct evidence tmp = h->ev[i];
		h->ev[i] = h->ev[j - 1];
		h->ev[j - 1] = tmp;
	}
	return err;
}

/* ---------------------------------------------------------------- page */

static void cell(FILE *out, const char *cls, const char *text)
{
	fputs(cls ? "<td class=\"" : "<td>", out);
	if (cls) {
		fputs(cls, out);
		fputs("\">", out);
	}
	duban_html_escape_lines(out, text);
	fputs("</td>", out);
}

static void table_head(FILE *out, const char *const *heads, size_t n)
{
	fputs("<table>\n<thead><tr>", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", out);
		fputs(heads[i], out);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
}

static void write_rows(FILE *out, const char *h2, const char *const *heads, size_t ncols,
		       const struct table *t, const char *none)
{
	if (h2)
		fprintf(out, "<h2>%s</h2>\n", h2);
	if (t->n == 0) {
		fprintf(out, "<p>%s</p>\n", none);
		return;
	}
	table_head(out, heads, ncols);
	for (size_t i = 0; i < t->n; i++) {
		fputs("<tr>", out);
		for (size_t c = 0; c < ncols; c++)
			cell(out, NULL, t->v[i].cell[c]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void write_fields(FILE *out, const struct duban_item *item)
{
	static const char *const heads[] = { "项目", "内容" };
	fputs("<h2>一、基本信息</h2>\n", out);
	table_head(out, heads, 2);
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *v = duban_field_zh(f, item);
		fputs("<tr>", out);
		cell(out, "label", f->label);
		cell(out, NULL, *v ? v : "—");
		fputs("</tr>\n", out);
		free(v);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void write_evidence(FILE *out, const struct history *h, bool in_zip)
{
	static const char *const heads[] = { "序号", "文件名", "材料类型", "文件格式", "大小（字节）", "SHA-256",
					     "上传人", "上传时间", "档案内文件" };
	fputs("<h2>五、佐证材料索引</h2>\n", out);
	if (h->nev == 0) {
		fputs("<p>无佐证材料。</p>\n", out);
		return;
	}
	table_head(out, heads, in_zip ? 9 : 8);
	for (size_t i = 0; i < h->nev; i++) {
		const struct duban_attachment *a = &h->ev[i].a;
		char n[24], size[32], when[32];
		snprintf(n, sizeof n, "%zu", i + 1);
		snprintf(size, sizeof size, "%lld", a->size);
		fputs("<tr>", out);
		cell(out, "num", n);
		cell(out, NULL, a->name);
		cell(out, NULL, duban_evidence_zh(a->kind));
		cell(out, NULL, a->mime);
		cell(out, "num", size);
		cell(out, "hash", a->sha256);
		cell(out, NULL, a->author);
		cell(out, NULL, duban_timestamp_local(a->created_at, false, when));
		if (in_zip)
			cell(out, h->ev[i].place ? NULL : "missing", h->ev[i].place ? h->ev[i].place : "缺失：本机没有，也未能从服务器取得");
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static const char dossier_css[] =
	"td.label { white-space: nowrap; width: 8em; }\n"
	"td.hash { font-family: monospace; font-size: 8pt; word-break: break-all; }\n"
	"td.missing { color: #a00; }\n";

static void write_page(FILE *out, const struct duban_item *item, const struct history *h, duban_date today,
		       bool in_zip)
{
	static const char *const insp_heads[] = { "日期", "验收层级", "签署（核查）人", "结论", "意见（核查情况）",
						  "符合的验收标准", "记录人", "记录时间" };
	static const char *const action_heads[] = { "措施", "日期", "期限", "内容", "经办人" };
	static const char *const time_heads[] = { "时间", "经办人", "事项", "服务器接收时间" };
	char *title = xasprintf("%s 整改事项档案", item->code);
	char zh[32];

	duban_html_begin(out, title, dossier_css);
	free(title);
	fputs("<h1>整改事项档案</h1>\n<p class=\"meta\">", out);
	duban_html_escape(out, item->code);
	fputs("　", out);
	duban_html_escape(out, item->title);
	fputs("</p>\n", out);
	fprintf(out, "<p class=\"meta\">当前状态：%s（整改进度 %d%%）</p>\n", duban_status_zh(item->status),
		item->progress);
	write_fields(out, item);
	fputs("<h2>二、现场核查与验收（谁验收、谁负责）</h2>\n<p>验收层级：", out);
	for (int i = 0; i < h->chain->n; i++) {
		fputs(i ? " → " : "", out);
		duban_html_escape(out, h->chain->level[i].name);
	}
	fputs("。</p>\n", out);
	write_rows(out, NULL, insp_heads, 8, &h->inspections, "尚无现场核查或验收记录。");
	if (h->notice.n) {
		static const char *const notice_heads[] = { "事项", "日期", "内容", "异议结论", "记录人" };
		fputs("<h3>公示与异议</h3>\n", out);
		write_rows(out, NULL, notice_heads, 5, &h->notice, "");
	}
	write_rows(out, "三、督办措施", action_heads, 5, &h->actions, "无督办措施。");
	write_rows(out, "四、办理过程", time_heads, 4, &h->timeline, "无记录。");
	write_evidence(out, h, in_zip);
	static const char *const link_heads[] = { "关联方式", "受理编号", "问题", "县（市、区）", "关联说明", "关联人",
						  "关联时间" };
	write_rows(out, "六、关联事项（举一反三）", link_heads, 7, &h->links, "无关联事项。");
	fprintf(out, "<p class=\"date\">%s</p>\n", duban_date_zh(today, zh));
	duban_html_end(out);
}

enum duban_err duban_dossier_write_html(FILE *out, duban_store *st, const struct duban_item *item,
					duban_date today)
{
	struct history h;
	enum duban_err err = history_read(st, item, &h);
	if (err == DUBAN_OK)
		write_page(out, item, &h, today, false);
	history_free(&h);
	return err;
}

/* ---------------------------------------------------------------- archive */

char *duban_dossier_file_name(const struct duban_item *item, const char *ext)
{
	char *code = xstrdup(item->code && *item->code ? item->code : item->id);
	for (char *p = code; *p; p++)
		if (strchr("/\\:*?\"<>|", *p) || (unsigned char)*p < 0x20)
			*p = '_';
	if (code[0] == '.')
		code[0] = '_';
	char *name = xasprintf("%s-档案%s", code, ext);
	free(code);
	return name;
}

/* The name inside the archive: NN-name, the name stripped of directories. */
static char *archive_name(size_t n, const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	char *safe = xstrdup(*base ? base : "file");
	for (char *p = safe; *p; p++)
		if (strchr("\\:*?\"<>|", *p) || (unsigned char)*p < 0x20)
			*p = '_';
	char *s = xasprintf("附件/%02zu-%s", n, safe);
	free(safe);
	return s;
}

static int zip_add_file(zip_t *z, const char *name, const char *path)
{
	zip_source_t *src = zip_source_file(z, path, 0, -1);
	if (!src)
		return -1;
	if (zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
		zip_source_free(src);
		return -1;
	}
	return 0;
}

/* Takes data (malloc'd) in every case. */
static int zip_add_data(zip_t *z, const char *name, char *data, size_t len)
{
	zip_source_t *src = zip_source_buffer(z, data, len, 1);
	if (!src) {
		free(data);
		return -1;
	}
	if (zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
		zip_source_free(src);
		return -1;
	}
	return 0;
}

static void place_evidence(struct history *h, zip_t *z, duban_dossier_blob_fn blob, void *ctx, int *missing,
			   int *failed)
{
	for (size_t i = 0; i < h->nev; i++) {
		char *path = blob ? blob(&h->ev[i].a, ctx) : NULL;
		if (!path) {
			(*missing)++;
			continue;
		}
		char *name = archive_name(i + 1, h->ev[i].a.name);
		if (zip_add_file(z, name, path) == 0)
			h->ev[i].place = name;
		else
			free(name), (*failed)++;
		free(path);
	}
}

enum duban_err duban_dossier_write_zip(const char *path, duban_store *st, const struct duban_item *item,
				       duban_date today, duban_dossier_blob_fn blob, void *ctx,
				       int *missing)
{
	struct history h;
	int zerr = 0, failed = 0;
	*missing = 0;
	enum duban_err err = history_read(st, item, &h);
	if (err != DUBAN_OK) {
		history_free(&h);
		return err;
	}
	/* libzip writes a temporary file beside path and renames it on
	 * zip_close: a failure leaves whatever was there before. */
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!z) {
		history_free(&h);
		errno = zerr == ZIP_ER_MEMORY ? ENOMEM : EACCES;
		return DUBAN_ERR_IO;
	}
	place_evidence(&h, z, blob, ctx, missing, &failed);
	char *page = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&page, &len);
	if (mem) {
		write_page(mem, item, &h, today, true);
		fclose(mem);
	}
	char *page_name = duban_dossier_file_name(item, ".html");
	bool added = false;
	if (mem && !failed)
		added = zip_add_data(z, page_name, page, len) == 0; /* owns page from here */
	else
		free(page);
	if (!added) {
		zip_discard(z);
		errno = EIO;
		err = DUBAN_ERR_IO;
	} else if (zip_close(z) != 0) {
		zip_discard(z);
		errno = EIO;
		err = DUBAN_ERR_IO;
	}
	free(page_name);
	history_free(&h);
	return err;
}
