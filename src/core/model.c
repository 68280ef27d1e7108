/* The ledger's data model: items, the field table, enumerations, the status
 * machine and warning lights.  Pure logic: no SQLite, no I/O. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/json.h"
#include "duban/model.h"
#include "duban/util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Errors ---- */

static const char *const err_messages[DUBAN_ERR_COUNT] = {
	[DUBAN_OK] = N_("success"),
	[DUBAN_ERR_NOT_FOUND] = N_("not found"),
	[DUBAN_ERR_INVALID] = N_("invalid value"),
	[DUBAN_ERR_TRANSITION] = N_("illegal status change"),
	[DUBAN_ERR_PERMISSION] = N_("your role may not do this"),
	[DUBAN_ERR_REASON] = N_("a reason is required"),
	[DUBAN_ERR_DUPLICATE] = N_("already exists"),
	[DUBAN_ERR_DB] = N_("database error"),
	[DUBAN_ERR_IO] = N_("input/output error"),
	[DUBAN_ERR_PARSE] = N_("cannot parse the input"),
	[DUBAN_ERR_NOMEM] = N_("out of memory"),
	[DUBAN_ERR_INTERRUPTED] = N_("interrupted"),
};

const char *duban_err_message(enum duban_err err)
{
	if ((unsigned)err >= DUBAN_ERR_COUNT)
		return _("unknown error");
	return _(err_messages[err]);
}

/* ---- Text helpers ---- */

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive for ASCII only, so that multibyte UTF-8 is compared
 * byte for byte whatever the locale. */
static bool ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* Like ascii_caseeq, but a space or hyphen in A also matches an underscore
 * in the identifier B, so "in progress" and "in-progress" name in_progress. */
static bool id_eq(const char *a, const char *id)
{
	for (; *a && *id; a++, id++) {
		int ca = ascii_lower((unsigned char)*a), cb = (unsigned char)*id;
		if (ca == ' ' || ca == '-')
			ca = '_';
		if (ca != cb)
			return false;
	}
	return *a == *id;
}

/* True when s is NULL or holds only ASCII or full-width (U+3000) spaces. */
static bool is_blank(const char *s)
{
	if (!s)
		return true;
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
			s++;
		else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
			s += 3;
		else
			return false;
	}
	return true;
}

/* ---- Enumerations ----
 * One table per enumeration: identifier, English display name (a message id),
 * Chinese name and aliases.  The parse functions accept any of them. */

#define MAX_ALIASES 4

struct enum_entry {
	const char *id;
	const char *en;   /* English display name, translated on output */
	const char *zh;
	const char *aliases[MAX_ALIASES]; /* exact (ASCII: case-insensitive) */
};

static int enum_parse(const struct enum_entry *tab, size_t n, const char *s)
{
	if (!s)
		return -1;
	/* The stored form first: every row read from the ledger holds an id,
	 * and this spares it the copy and the translated names.  (No id is
	 * another entry's name or alias: test_model checks each id parses to
	 * its own entry.) */
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, tab[i].id) == 0)
			return (int)i;
	char *t = duban_trim(xstrdup(s));
	int found = -1;
	for (size_t i = 0; i < n && found < 0; i++) {
		const struct enum_entry *e = &tab[i];
		if (id_eq(t, e->id) || (e->zh && strcmp(t, e->zh) == 0))
			found = (int)i;
		else if (e->en && *t && (ascii_caseeq(t, e->en) || ascii_caseeq(t, _(e->en))))
			found = (int)i;
		for (size_t j = 0; j < MAX_ALIASES && e->aliases[j] && found < 0; j++)
			if (ascii_caseeq(t, e->aliases[j]))
				found = (int)i;
	}
	free(t);
	return found;
}

static const struct enum_entry kinds[DUBAN_KIND_COUNT] = {
	[DUBAN_KIND_PROBLEM] = { "problem", N_("problem"), "反馈问题", { "整改任务", "问题" } },
	[DUBAN_KIND_COMPLAINT] = { "complaint", N_("complaint"), "信访件",
				   { "群众信访举报件", "举报件", "投诉", "信访" } },
};

static const struct enum_entry statuses[DUBAN_STATUS_COUNT] = {
	[DUBAN_STATUS_NOT_STARTED] = { "not_started", N_("not started"), "尚未启动", { "未启动" } },
	[DUBAN_STATUS_IN_PROGRESS] = { "in_progress", N_("in progress"), "整改中", { "正在办理", "推进中", "未办结" } },
	[DUBAN_STATUS_REQUESTED] = { "requested", N_("close-out requested"), "申请销号", { 0 } },
	[DUBAN_STATUS_VERIFIED] = { "verified", N_("verified"), "已验收", { "验收通过", "阶段性办结" } },
	[DUBAN_STATUS_PUBLICIZED] = { "publicized", N_("publicized"), "公示中", { 0 } },
	[DUBAN_STATUS_CLOSED] = { "closed", N_("closed"), "已销号", { "已办结", "已完成", "完成" } },
};

static const struct enum_entry deadline_kinds[DUBAN_DEADLINE_KIND_COUNT] = {
	[DUBAN_DEADLINE_DATE] = { "date", N_("date"), "限期", { 0 } },
	[DUBAN_DEADLINE_IMMEDIATE] = { "immediate", N_("immediate"), "立行立改", { 0 } },
	[DUBAN_DEADLINE_ONGOING] = { "ongoing", N_("ongoing"), "长期坚持", { "持续推进" } },
};

static const struct enum_entry scopes[DUBAN_SCOPE_COUNT] = {
	[DUBAN_SCOPE_NONE] = { "", NULL, "", { "none" } },
	[DUBAN_SCOPE_COMMON] = { "common", N_("common"), "共性", { 0 } },
	[DUBAN_SCOPE_SPECIFIC] = { "specific", N_("specific"), "个性", { 0 } },
};

static const struct enum_entry verdicts[DUBAN_VERDICT_COUNT] = {
	[DUBAN_VERDICT_NONE] = { "", NULL, "", { "none" } },
	[DUBAN_VERDICT_TRUE] = { "true", N_("true"), "属实", { 0 } },
	[DUBAN_VERDICT_MOSTLY] = { "mostly", N_("mostly true"), "基本属实", { 0 } },
	[DUBAN_VERDICT_PARTLY] = { "partly", N_("partly true"), "部分属实", { 0 } },
	[DUBAN_VERDICT_FALSE] = { "false", N_("false"), "不属实", { 0 } },
};

static const struct enum_entry lights[DUBAN_LIGHT_COUNT] = {
	[DUBAN_LIGHT_RED] = { "red", N_("red"), "红灯", { "红" } },
	[DUBAN_LIGHT_YELLOW] = { "yellow", N_("yellow"), "黄灯", { "黄" } },
	[DUBAN_LIGHT_GREEN] = { "green", N_("green"), "绿灯", { "绿" } },
	[DUBAN_LIGHT_BLUE] = { "blue", N_("ongoing"), "长期", { 0 } },
	[DUBAN_LIGHT_GREY] = { "grey", N_("closed"), "已销号", { "gray" } },
};

static const char *const light_symbols[DUBAN_LIGHT_COUNT] = { "●", "▲", "○", "◆", "✓" };

static const struct enum_entry roles[DUBAN_ROLE_COUNT] = {
	[DUBAN_ROLE_OFFICE] = { "office", N_("office"), "整改办", { 0 } },
	[DUBAN_ROLE_INSPECTOR] = { "inspector", N_("inspector"), "核查人员", { 0 } },
	[DUBAN_ROLE_VIEWER] = { "viewer", N_("viewer"), "查看", { 0 } },
};

static const struct enum_entry action_kinds[DUBAN_ACTION_KIND_COUNT] = {
	[DUBAN_ACTION_REMINDER] = { "reminder", N_("reminder"), "提醒函", { 0 } },
	[DUBAN_ACTION_NOTICE] = { "notice", N_("notice"), "督办通知", { "督办函" } },
	[DUBAN_ACTION_CIRCULAR] = { "circular", N_("circular"), "通报", { 0 } },
	[DUBAN_ACTION_SUMMONS] = { "summons", N_("summons"), "约谈", { 0 } },
	[DUBAN_ACTION_ACCOUNTABILITY] = { "accountability", N_("accountability"), "问责", { 0 } },
};

static const struct enum_entry evidence_kinds[DUBAN_EVIDENCE_COUNT] = {
	[DUBAN_EVIDENCE_OTHER] = { "other", N_("other evidence"), "其他", { 0 } },
	[DUBAN_EVIDENCE_BEFORE] = { "before", N_("photo before"), "整改前照片", { 0 } },
	[DUBAN_EVIDENCE_AFTER] = { "after", N_("photo after"), "整改后照片", { 0 } },
	[DUBAN_EVIDENCE_PENALTY] = { "penalty", N_("penalty decision"), "处罚决定书", { 0 } },
	[DUBAN_EVIDENCE_ACCEPTANCE] = { "acceptance", N_("acceptance opinion"), "验收意见", { 0 } },
	[DUBAN_EVIDENCE_NOTICE] = { "notice", N_("public notice"), "公示截图", { "公告", "公示截图/公告" } },
	[DUBAN_EVIDENCE_FEEDBACK] = { "feedback", N_("feedback to the complainant"), "向投诉人反馈记录", { "反馈记录" } },
};

/* Out-of-range values come from corrupt data; answer with something printable. */
#define ENUM_FIELD(tab, v, member) \
	((unsigned)(v) < ARRAY_LEN(tab) ? (tab)[v].member : "")

/* The translated English name of an entry; "" for entries without one. */
#define ENUM_NAME(tab, v) \
	((unsigned)(v) < ARRAY_LEN(tab) && (tab)[v].en ? _((tab)[v].en) : "")

const char *duban_deadline_kind_name(enum duban_deadline_kind k) { return ENUM_NAME(deadline_kinds, k); }
const char *duban_scope_name(enum duban_scope s) { return ENUM_NAME(scopes, s); }
const char *duban_verdict_name(enum duban_verdict v) { return ENUM_NAME(verdicts, v); }
const char *duban_action_kind_name(enum duban_action_kind k) { return ENUM_NAME(action_kinds, k); }

const char *duban_kind_id(enum duban_kind k) { return ENUM_FIELD(kinds, k, id); }
const char *duban_kind_name(enum duban_kind k) { return (unsigned)k < ARRAY_LEN(kinds) ? _(kinds[k].en) : ""; }
const char *duban_kind_zh(enum duban_kind k) { return ENUM_FIELD(kinds, k, zh); }
int duban_kind_parse(const char *s) { return enum_parse(kinds, ARRAY_LEN(kinds), s); }

const char *duban_status_id(enum duban_status s) { return ENUM_FIELD(statuses, s, id); }
const char *duban_status_name(enum duban_status s) { return (unsigned)s < ARRAY_LEN(statuses) ? _(statuses[s].en) : ""; }
const char *duban_status_zh(enum duban_status s) { return ENUM_FIELD(statuses, s, zh); }
int duban_status_parse(const char *s) { return enum_parse(statuses, ARRAY_LEN(statuses), s); }

const char *duban_deadline_kind_id(enum duban_deadline_kind k) { return ENUM_FIELD(deadline_kinds, k, id); }
const char *duban_deadline_kind_zh(enum duban_deadline_kind k) { return ENUM_FIELD(deadline_kinds, k, zh); }
int duban_deadline_kind_parse(const char *s) { return enum_parse(deadline_kinds, ARRAY_LEN(deadline_kinds), s); }

const char *duban_scope_id(enum duban_scope s) { return ENUM_FIELD(scopes, s, id); }
const char *duban_scope_zh(enum duban_scope s) { return ENUM_FIELD(scopes, s, zh); }
int duban_scope_parse(const char *s) { return enum_parse(scopes, ARRAY_LEN(scopes), s); }

const char *duban_verdict_id(enum duban_verdict v) { return ENUM_FIELD(verdicts, v, id); }
const char *duban_verdict_zh(enum duban_verdict v) { return ENUM_FIELD(verdicts, v, zh); }
int duban_verdict_parse(const char *s) { return enum_parse(verdicts, ARRAY_LEN(verdicts), s); }

const char *duban_light_id(enum duban_light l) { return ENUM_FIELD(lights, l, id); }
const char *duban_light_name(enum duban_light l) { return (unsigned)l < ARRAY_LEN(lights) ? _(lights[l].en) : ""; }
const char *duban_light_symbol(enum duban_light l) { return (unsigned)l < ARRAY_LEN(light_symbols) ? light_symbols[l] : "?"; }
int duban_light_parse(const char *s) { return enum_parse(lights, ARRAY_LEN(lights), s); }

const char *duban_role_id(enum duban_role r) { return ENUM_FIELD(roles, r, id); }
const char *duban_role_name(enum duban_role r) { return (unsigned)r < ARRAY_LEN(roles) ? _(roles[r].en) : ""; }
int duban_role_parse(const char *s) { return enum_parse(roles, ARRAY_LEN(roles), s); }

const char *duban_action_kind_id(enum duban_action_kind k) { return ENUM_FIELD(action_kinds, k, id); }
const char *duban_action_kind_zh(enum duban_action_kind k) { return ENUM_FIELD(action_kinds, k, zh); }
int duban_action_kind_parse(const char *s) { return enum_parse(action_kinds, ARRAY_LEN(action_kinds), s); }

const char *duban_evidence_id(enum duban_evidence_kind k) { return ENUM_FIELD(evidence_kinds, k, id); }
const char *duban_evidence_name(enum duban_evidence_kind k) { return ENUM_NAME(evidence_kinds, k); }
const char *duban_evidence_zh(enum duban_evidence_kind k) { return ENUM_FIELD(evidence_kinds, k, zh); }
int duban_evidence_parse(const char *s) { return enum_parse(evidence_kinds, ARRAY_LEN(evidence_kinds), s); }

const char *const duban_categories[] = {
	"大气", "水", "土壤", "噪声", "生态", "固废", "矿山", "采砂", "产业结构", "能源", "运输", "制度", "海洋", "辐射", "其他",
	NULL
};

/* ---- Items ---- */

#define FIELD(name, label, title, type, member, editable) \
	{ name, label, title, type, offsetof(struct duban_item, member), editable }

const struct duban_field duban_fields[] = {
	FIELD("kind", "类型", N_("Kind"), DUBAN_FT_KIND, kind, true),
	FIELD("code", "受理编号", N_("Code"), DUBAN_FT_TEXT, code, true),
	FIELD("round", "督察轮次", N_("Round"), DUBAN_FT_TEXT, round, true),
	FIELD("batch", "批次", N_("Batch"), DUBAN_FT_TEXT, batch, true),
	FIELD("title", "问题名称", N_("Title"), DUBAN_FT_TEXT, title, true),
	FIELD("description", "问题描述", N_("Description"), DUBAN_FT_TEXT, description, true),
	FIELD("categories", "污染类型", N_("Categories"), DUBAN_FT_TEXT, categories, true),
	FIELD("scope", "共性/个性", N_("Scope"), DUBAN_FT_SCOPE, scope, true),
	FIELD("county", "行政区域", N_("County"), DUBAN_FT_TEXT, county, true),
	FIELD("township", "乡镇", N_("Township"), DUBAN_FT_TEXT, township, true),
	FIELD("lead_unit", "牵头单位", N_("Lead unit"), DUBAN_FT_TEXT, lead_unit, true),
	FIELD("co_units", "配合单位", N_("Co-operating units"), DUBAN_FT_TEXT, co_units, true),
	FIELD("leader", "责任领导", N_("Leader"), DUBAN_FT_TEXT, leader, true),
	FIELD("owner", "责任人", N_("Owner"), DUBAN_FT_TEXT, owner, true),
	FIELD("contact", "联系方式", N_("Contact"), DUBAN_FT_TEXT, contact, true),
	FIELD("goal", "整改目标", N_("Goal"), DUBAN_FT_TEXT, goal, true),
	FIELD("measures", "整改措施", N_("Measures"), DUBAN_FT_TEXT, measures, true),
	FIELD("findings", "调查核实情况", N_("Findings"), DUBAN_FT_TEXT, findings, true),
	FIELD("handling", "处理和整改情况", N_("Handling"), DUBAN_FT_TEXT, handling, true),
	FIELD("accountability", "责任人被处理情况", N_("Accountability"), DUBAN_FT_TEXT, accountability, true),
	FIELD("start", "开始日期", N_("Start"), DUBAN_FT_DATE, start, true),
	FIELD("deadline", "整改时限", N_("Deadline"), DUBAN_FT_DATE, deadline, true),
	FIELD("deadline_kind", "时限类型", N_("Deadline kind"), DUBAN_FT_DEADLINE_KIND, deadline_kind, true),
	FIELD("notice_end", "公示截止", N_("Notice ends"), DUBAN_FT_DATE, notice_end, true),
	/* Only through the status machine, which checks role and reason. */
	FIELD("status", "整改状态", N_("Status"), DUBAN_FT_STATUS, status, false),
	FIELD("progress", "整改进度", N_("Progress"), DUBAN_FT_INT, progress, true),
	FIELD("verdict", "是否属实", N_("Verdict"), DUBAN_FT_VERDICT, verdict, true),
	FIELD("rectify_orders", "责令整改(家次)", N_("Rectification orders"), DUBAN_FT_INT, enforcement.rectify_orders, true),
	FIELD("fines", "罚款(万元)", N_("Fines (10k yuan)"), DUBAN_FT_DOUBLE, enforcement.fines, true),
	FIELD("penalty_cases", "立案处罚", N_("Penalty cases"), DUBAN_FT_INT, enforcement.penalty_cases, true),
	FIELD("criminal_cases", "立案侦查", N_("Criminal cases"), DUBAN_FT_INT, enforcement.criminal_cases, true),
	FIELD("detentions", "拘留", N_("Detentions"), DUBAN_FT_INT, enforcement.detentions, true),
	FIELD("summons", "约谈(人次)", N_("Summons"), DUBAN_FT_INT, enforcement.summons, true),
	FIELD("accountability_count", "问责(人次)", N_("Persons held accountable"), DUBAN_FT_INT, enforcement.accountability, true),
	FIELD("key_case", "是否重点件", N_("Key case"), DUBAN_FT_BOOL, key_case, true),
	FIELD("duplicate_of", "重复件", N_("Duplicate of"), DUBAN_FT_TEXT, duplicate_of, true),
	FIELD("longitude", "经度", N_("Longitude"), DUBAN_FT_DOUBLE, longitude, true),
	FIELD("latitude", "纬度", N_("Latitude"), DUBAN_FT_DOUBLE, latitude, true),
	FIELD("public", "是否公开", N_("Public"), DUBAN_FT_BOOL, is_public, true),
	/* Set by the office only (checked by the store and by duband). */
	FIELD("acceptance_levels", "验收层级", N_("Acceptance levels"), DUBAN_FT_TEXT, acceptance_levels, true),
	FIELD("transferred_on", "交办日期", N_("Transferred"), DUBAN_FT_DATE, transferred_on, true),
	FIELD("feedback_on", "反馈日期", N_("Feedback given"), DUBAN_FT_DATE, feedback_on, true),
};

const size_t duban_field_count = ARRAY_LEN(duban_fields);

/* Typed access to a field through its offset. */
#define FIELD_PTR(type, item, f) ((type *)(void *)((char *)(item) + (f)->offset))
#define FIELD_CPTR(type, item, f) ((const type *)(const void *)((const char *)(item) + (f)->offset))

void duban_item_init(struct duban_item *item)
{
	memset(item, 0, sizeof *item);
	for (size_t i = 0; i < duban_field_count; i++)
		if (duban_fields[i].type == DUBAN_FT_TEXT)
			*FIELD_PTR(char *, item, &duban_fields[i]) = xstrdup("");
	item->kind = DUBAN_KIND_PROBLEM;
	item->status = DUBAN_STATUS_NOT_STARTED;
	item->deadline_kind = DUBAN_DEADLINE_DATE;
	item->start = item->deadline = item->notice_end = DUBAN_DATE_NONE;
	item->transferred_on = item->feedback_on = DUBAN_DATE_NONE;
	item->longitude = item->latitude = NAN;
}

void duban_item_free(struct duban_item *item)
{
	if (!item)
		return;
	/* NULL afterwards, so a second free or a later init is harmless. */
	for (size_t i = 0; i < duban_field_count; i++)
		if (duban_fields[i].type == DUBAN_FT_TEXT) {
			char **p = FIELD_PTR(char *, item, &duban_fields[i]);
			free(*p);
			*p = NULL;
		}
}

void duban_item_copy(struct duban_item *dst, const struct duban_item *src)
{
	if (dst == src)
		return;
	*dst = *src;
	for (size_t i = 0; i < duban_field_count; i++)
		if (duban_fields[i].type == DUBAN_FT_TEXT) {
			const char *s = *FIELD_CPTR(char *, src, &duban_fields[i]);
			*FIELD_PTR(char *, dst, &duban_fields[i]) = xstrdup(s ? s : "");
		}
}

void duban_set_str(char **field, const char *value)
{
	/* Copy first: value may point into the old string. */
	char *copy = xstrdup(value ? value : "");
	free(*field);
	*field = copy;
}

const struct duban_field *duban_field_find(const char *name)
{
	if (!name)
		return NULL;
	char *t = duban_trim(xstrdup(name));
	const struct duban_field *found = NULL;
	for (size_t i = 0; i < duban_field_count && !found; i++)
		if (strcmp(t, duban_fields[i].name) == 0 || strcmp(t, duban_fields[i].label) == 0)
			found = &duban_fields[i];
	/* English column titles, as a translated export might carry them. */
	for (size_t i = 0; i < duban_field_count && !found && *t; i++)
		if (ascii_caseeq(t, duban_fields[i].title) || ascii_caseeq(t, _(duban_fields[i].title)))
			found = &duban_fields[i];
	free(t);
	return found;
}

/* Coordinates are unknown by default; every other number starts at zero. */
static bool nan_when_empty(const struct duban_field *f)
{
	return f->offset == offsetof(struct duban_item, longitude) ||
	       f->offset == offsetof(struct duban_item, latitude);
}

/* Numbers in the ledger use '.', whatever LC_NUMERIC the program runs in. */
static void dot_from_locale(char *s)
{
	const char *dp = localeconv()->decimal_point;
	if (!dp || strcmp(dp, ".") == 0 || strlen(dp) != 1)
		return;
	for (; *s; s++)
		if (*s == dp[0])
			*s = '.';
}

static void dot_to_locale(char *s)
{
	const char *dp = localeconv()->decimal_point;
	if (!dp || strcmp(dp, ".") == 0 || strlen(dp) != 1)
		return;
	for (; *s; s++)
		if (*s == '.')
			*s = dp[0];
}

static char *format_double(double v)
{
	if (isnan(v))
		return xstrdup("");
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	dot_from_locale(buf);
	return xstrdup(buf);
}

char *duban_field_format(const struct duban_field *f, const struct duban_item *item)
{
	char buf[11];
	switch (f->type) {
	case DUBAN_FT_TEXT: {
		const char *s = *FIELD_CPTR(char *, item, f);
		return xstrdup(s ? s : "");
	}
	case DUBAN_FT_DATE:
		return xstrdup(duban_date_format(*FIELD_CPTR(duban_date, item, f), buf));
	case DUBAN_FT_INT:
		return xasprintf("%d", *FIELD_CPTR(int, item, f));
	case DUBAN_FT_DOUBLE:
		return format_double(*FIELD_CPTR(double, item, f));
	case DUBAN_FT_BOOL:
		return xstrdup(*FIELD_CPTR(bool, item, f) ? "true" : "false");
	case DUBAN_FT_KIND:
		return xstrdup(duban_kind_id(*FIELD_CPTR(enum duban_kind, item, f)));
	case DUBAN_FT_STATUS:
		return xstrdup(duban_status_id(*FIELD_CPTR(enum duban_status, item, f)));
	case DUBAN_FT_DEADLINE_KIND:
		return xstrdup(duban_deadline_kind_id(*FIELD_CPTR(enum duban_deadline_kind, item, f)));
	case DUBAN_FT_SCOPE:
		return xstrdup(duban_scope_id(*FIELD_CPTR(enum duban_scope, item, f)));
	case DUBAN_FT_VERDICT:
		return xstrdup(duban_verdict_id(*FIELD_CPTR(enum duban_verdict, item, f)));
	}
	return xstrdup("");
}

static bool is_progress(const struct duban_field *f)
{
	return f->offset == offsetof(struct duban_item, progress);
}

/* Strips a trailing ASCII or full-width percent sign; false when nothing
 * but the sign was there, which must not read as 0. */
static bool strip_percent(char *t)
{
	size_t n = strlen(t);
	if (n >= 1 && t[n - 1] == '%')
		t[n - 1] = '\0';
	else if (n >= 3 && strcmp(t + n - 3, "％") == 0)
		t[n - 3] = '\0';
	else
		return true;
	return *duban_trim(t) != '\0';
}

static enum duban_err parse_int(const struct duban_field *f, const char *t, int *out)
{
	if (!*t) {
		*out = 0;
		return DUBAN_OK;
	}
	char *end;
	errno = 0;
	long v = strtol(t, &end, 10);
	if (errno || end == t || *end || v < 0 || v > INT_MAX)
		return DUBAN_ERR_INVALID;
	if (is_progress(f) && v > 100)
		return DUBAN_ERR_INVALID;
	*out = (int)v;
	return DUBAN_OK;
}

static enum duban_err parse_double(const struct duban_field *f, char *t, double *out)
{
	if (!*t) {
		*out = nan_when_empty(f) ? NAN : 0.0;
		return DUBAN_OK;
	}
	/* strtod would take "nan", "inf" and hex floats; a ledger never means those. */
	for (const char *p = t; *p; p++)
		if (!strchr("0123456789+-.eE", *p))
			return DUBAN_ERR_INVALID;
	dot_to_locale(t);
	char *end;
	errno = 0;
	double v = strtod(t, &end);
	if (errno == ERANGE || end == t || *end || !isfinite(v))
		return DUBAN_ERR_INVALID;
	if (f->offset == offsetof(struct duban_item, longitude) && fabs(v) > 180.0)
		return DUBAN_ERR_INVALID;
	if (f->offset == offsetof(struct duban_item, latitude) && fabs(v) > 90.0)
		return DUBAN_ERR_INVALID;
	if (!nan_when_empty(f) && v < 0)
		return DUBAN_ERR_INVALID;
	*out = v;
	return DUBAN_OK;
}

static enum duban_err parse_bool(const char *t, bool *out)
{
	static const char *const yes[] = { "true", "yes", "1", "是", "y" };
	static const char *const no[] = { "false", "no", "0", "否", "n", "" };
	for (size_t i = 0; i < ARRAY_LEN(yes); i++)
		if (ascii_caseeq(t, yes[i])) {
			*out = true;
			return DUBAN_OK;
		}
	for (size_t i = 0; i < ARRAY_LEN(no); i++)
		if (ascii_caseeq(t, no[i])) {
			*out = false;
			return DUBAN_OK;
		}
	return DUBAN_ERR_INVALID;
}

/* Stores an enumeration value; v < 0 means the parser did not know the text. */
#define STORE_ENUM(type, v) do { \
	if ((v) < 0) { \
		err = DUBAN_ERR_INVALID; \
	} else { \
		*FIELD_PTR(type, item, f) = (type)(v); \
	} \
} while (0)

enum duban_err duban_field_parse(const struct duban_field *f, struct duban_item *item, const char *text)
{
	if (!f || !item)
		return DUBAN_ERR_INVALID;
	if (!text)
		text = "";
	if (f->type == DUBAN_FT_TEXT) {
		duban_set_str(FIELD_PTR(char *, item, f), text);
		return DUBAN_OK;
	}

	char *t = duban_trim(xstrdup(text));
	enum duban_err err = DUBAN_OK;
	switch (f->type) {
	case DUBAN_FT_TEXT:
		break;
	case DUBAN_FT_DATE: {
		duban_date d = DUBAN_DATE_NONE;
		if (*t && (d = duban_date_parse(t)) == DUBAN_DATE_NONE)
			err = DUBAN_ERR_INVALID;
		else
			*FIELD_PTR(duban_date, item, f) = d;
		break;
	}
	case DUBAN_FT_INT: {
		int v;
		if (is_progress(f) && !strip_percent(t))
			err = DUBAN_ERR_INVALID;
		else if ((err = parse_int(f, t, &v)) == DUBAN_OK)
			*FIELD_PTR(int, item, f) = v;
		break;
	}
	case DUBAN_FT_DOUBLE: {
		double v;
		if ((err = parse_double(f, t, &v)) == DUBAN_OK)
			*FIELD_PTR(double, item, f) = v;
		break;
	}
	case DUBAN_FT_BOOL: {
		bool v;
		if ((err = parse_bool(t, &v)) == DUBAN_OK)
			*FIELD_PTR(bool, item, f) = v;
		break;
	}
	case DUBAN_FT_KIND:
		STORE_ENUM(enum duban_kind, duban_kind_parse(t));
		break;
	case DUBAN_FT_STATUS:
		STORE_ENUM(enum duban_status, duban_status_parse(t));
		break;
	case DUBAN_FT_DEADLINE_KIND:
		/* A blank cell is an ordinary dated deadline, as in most sheets. */
		STORE_ENUM(enum duban_deadline_kind, *t ? duban_deadline_kind_parse(t) : DUBAN_DEADLINE_DATE);
		break;
	case DUBAN_FT_SCOPE:
		STORE_ENUM(enum duban_scope, duban_scope_parse(t));
		break;
	case DUBAN_FT_VERDICT:
		STORE_ENUM(enum duban_verdict, duban_verdict_parse(t));
		break;
	}
	free(t);
	return err;
}

bool duban_field_equal(const struct duban_field *f, const struct duban_item *a, const struct duban_item *b)
{
	switch (f->type) {
	case DUBAN_FT_TEXT: {
		const char *x = *FIELD_CPTR(char *, a, f), *y = *FIELD_CPTR(char *, b, f);
		return strcmp(x ? x : "", y ? y : "") == 0;
	}
	case DUBAN_FT_DATE:
		return *FIELD_CPTR(duban_date, a, f) == *FIELD_CPTR(duban_date, b, f);
	case DUBAN_FT_INT:
		return *FIELD_CPTR(int, a, f) == *FIELD_CPTR(int, b, f);
	case DUBAN_FT_DOUBLE: {
		double x = *FIELD_CPTR(double, a, f), y = *FIELD_CPTR(double, b, f);
		return (isnan(x) && isnan(y)) || x == y;
	}
	case DUBAN_FT_BOOL:
		return *FIELD_CPTR(bool, a, f) == *FIELD_CPTR(bool, b, f);
	case DUBAN_FT_KIND:
		return *FIELD_CPTR(enum duban_kind, a, f) == *FIELD_CPTR(enum duban_kind, b, f);
	case DUBAN_FT_STATUS:
		return *FIELD_CPTR(enum duban_status, a, f) == *FIELD_CPTR(enum duban_status, b, f);
	case DUBAN_FT_DEADLINE_KIND:
		return *FIELD_CPTR(enum duban_deadline_kind, a, f) == *FIELD_CPTR(enum duban_deadline_kind, b, f);
	case DUBAN_FT_SCOPE:
		return *FIELD_CPTR(enum duban_scope, a, f) == *FIELD_CPTR(enum duban_scope, b, f);
	case DUBAN_FT_VERDICT:
		return *FIELD_CPTR(enum duban_verdict, a, f) == *FIELD_CPTR(enum duban_verdict, b, f);
	}
	return false;
}

/* ---- Status machine: the one table of legal moves, shared by client and
 * server.  Every return to in_progress undoes work someone signed off, so it
 * must say why (退回). ---- */

#define ROLE_BIT(r) (1u << (r))
#define OFFICE ROLE_BIT(DUBAN_ROLE_OFFICE)
#define INSPECTOR ROLE_BIT(DUBAN_ROLE_INSPECTOR)

static const struct transition {
	enum duban_status from, to;
	unsigned roles;
	bool reason;
} transitions[] = {
	{ DUBAN_STATUS_NOT_STARTED, DUBAN_STATUS_IN_PROGRESS, OFFICE | INSPECTOR, false },
	{ DUBAN_STATUS_IN_PROGRESS, DUBAN_STATUS_REQUESTED, OFFICE | INSPECTOR, false },
	/* An acceptance check passed. */
	{ DUBAN_STATUS_REQUESTED, DUBAN_STATUS_VERIFIED, OFFICE | INSPECTOR, false },
	{ DUBAN_STATUS_VERIFIED, DUBAN_STATUS_PUBLICIZED, OFFICE, false },
	{ DUBAN_STATUS_PUBLICIZED, DUBAN_STATUS_CLOSED, OFFICE, false },
	/* Close-out without a public notice. */
	{ DUBAN_STATUS_VERIFIED, DUBAN_STATUS_CLOSED, OFFICE, false },
	/* An acceptance check failed, or the office returned it. */
	{ DUBAN_STATUS_REQUESTED, DUBAN_STATUS_IN_PROGRESS, OFFICE | INSPECTOR, true },
	{ DUBAN_STATUS_VERIFIED, DUBAN_STATUS_IN_PROGRESS, OFFICE, true },
	{ DUBAN_STATUS_PUBLICIZED, DUBAN_STATUS_IN_PROGRESS, OFFICE, true },
	/* The problem came back (反弹): reopen. */
	{ DUBAN_STATUS_CLOSED, DUBAN_STATUS_IN_PROGRESS, OFFICE, true },
};

static const struct transition *find_transition(enum duban_status from, enum duban_status to)
{
	for (size_t i = 0; i < ARRAY_LEN(transitions); i++)
		if (transitions[i].from == from && transitions[i].to == to)
			return &transitions[i];
	return NULL;
}

bool duban_status_needs_reason(enum duban_status from, enum duban_status to)
{
	const struct transition *t = find_transition(from, to);
	return t && t->reason;
}

enum duban_err duban_status_check(enum duban_status from, enum duban_status to,
				  enum duban_role role, const char *reason)
{
	const struct transition *t = find_transition(from, to);
	if (!t)
		return DUBAN_ERR_TRANSITION;
	if ((unsigned)role >= DUBAN_ROLE_COUNT || !(t->roles & ROLE_BIT(role)))
		return DUBAN_ERR_PERMISSION;
	if (t->reason && is_blank(reason))
		return DUBAN_ERR_REASON;
	return DUBAN_OK;
}

int duban_status_next(enum duban_status from, enum duban_role role, enum duban_status to[DUBAN_STATUS_COUNT])
{
	int n = 0;
	for (int s = 0; s < DUBAN_STATUS_COUNT; s++) {
		const struct transition *t = find_transition(from, (enum duban_status)s);
		if (t && (unsigned)role < DUBAN_ROLE_COUNT && (t->roles & ROLE_BIT(role)))
			to[n++] = (enum duban_status)s;
	}
	return n;
}

/* ---- Warning lights ---- */

const struct duban_light_rules duban_light_rules_default = { 7, 10, 30 };

int duban_schedule_lag(duban_date start, duban_date deadline, int progress, duban_date today)
{
	if (start == DUBAN_DATE_NONE || deadline == DUBAN_DATE_NONE || today == DUBAN_DATE_NONE ||
	    deadline <= start)
		return 0;
	long long span = (long long)deadline - start;
	long long elapsed = ((long long)today - start) * 100 / span;
	if (elapsed < 0)
		elapsed = 0;
	if (elapsed > 100)
		elapsed = 100;
	return (int)(elapsed - progress);
}

enum duban_light duban_light_of(enum duban_status status, enum duban_deadline_kind dk,
				duban_date start, duban_date deadline, int progress,
				duban_date today, const struct duban_light_rules *rules)
{
	if (!rules)
		rules = &duban_light_rules_default;
	if (status == DUBAN_STATUS_CLOSED)
		return DUBAN_LIGHT_GREY;
	if (dk == DUBAN_DEADLINE_ONGOING)
		return DUBAN_LIGHT_BLUE;
	if (status == DUBAN_STATUS_VERIFIED || status == DUBAN_STATUS_PUBLICIZED)
		return DUBAN_LIGHT_GREEN;

	bool open = status == DUBAN_STATUS_NOT_STARTED || status == DUBAN_STATUS_IN_PROGRESS ||
		    status == DUBAN_STATUS_REQUESTED;
	/* A close-out request waits on the office, not on the unit: no lag. */
	bool working = status == DUBAN_STATUS_NOT_STARTED || status == DUBAN_STATUS_IN_PROGRESS;
	bool dated = deadline != DUBAN_DATE_NONE && today != DUBAN_DATE_NONE;
	long long left = dated ? (long long)deadline - today : 0;
	int lag = working ? duban_schedule_lag(start, deadline, progress, today) : 0;

	if (open && dated && left < 0)
		return DUBAN_LIGHT_RED;
	if (lag > rules->lag_red)
		return DUBAN_LIGHT_RED;
	if (open && dated && left <= rules->warn_days)
		return DUBAN_LIGHT_YELLOW;
	if (lag > rules->lag_yellow)
		return DUBAN_LIGHT_YELLOW;
	return DUBAN_LIGHT_GREEN;
}

enum duban_light duban_item_light(const struct duban_item *item, duban_date today,
				  const struct duban_light_rules *rules)
{
	return duban_light_of(item->status, item->deadline_kind, item->start, item->deadline,
			      item->progress, today, rules);
}

/* ---- Records ---- */

void duban_note_free(struct duban_note *n)
{
	if (!n)
		return;
	free(n->author);
	free(n->text);
	n->author = n->text = NULL;
}

void duban_inspection_free(struct duban_inspection *r)
{
	if (!r)
		return;
	free(r->level);
	free(r->inspectors);
	free(r->place);
	free(r->findings);
	free(r->criteria);
	free(r->author);
	r->level = r->inspectors = r->place = r->findings = r->criteria = r->author = NULL;
}

void duban_notice_free(struct duban_notice *r)
{
	if (!r)
		return;
	free(r->place);
	free(r->contact);
	free(r->person);
	free(r->text);
	free(r->author);
	r->place = r->contact = r->person = r->text = r->author = NULL;
}

static const char *const notice_kinds[DUBAN_NOTICE_KIND_COUNT] = { "open", "objection", "resolution" };

const char *duban_notice_kind_id(enum duban_notice_kind k)
{
	return (unsigned)k < DUBAN_NOTICE_KIND_COUNT ? notice_kinds[k] : "open";
}

int duban_notice_kind_parse(const char *s)
{
	for (int k = 0; s && k < DUBAN_NOTICE_KIND_COUNT; k++)
		if (strcmp(s, notice_kinds[k]) == 0)
			return k;
	return -1;
}

void duban_action_free(struct duban_action *a)
{
	if (!a)
		return;
	free(a->text);
	free(a->author);
	a->text = a->author = NULL;
}

void duban_attachment_free(struct duban_attachment *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->mime);
	free(a->author);
	a->name = a->mime = a->author = NULL;
}

void duban_event_free(struct duban_event *e)
{
	if (!e)
		return;
	free(e->field);
	free(e->old_value);
	free(e->new_value);
	free(e->reason);
	free(e->author);
	free(e->device);
	e->field = e->old_value = e->new_value = e->reason = e->author = e->device = NULL;
}

/* ---------------------------------------------------------------- display */

/* An enum's Chinese name (zh) or translated display name; a boolean as
 * 是/否 or the translated yes/no; anything else as it is. */
static char *value_named(const struct duban_field *f, const char *value, bool zh)
{
	int v;

	if (!value)
		value = "";
	switch (f->type) {
	case DUBAN_FT_KIND:
		v = duban_kind_parse(value);
		return xstrdup(v < 0 ? value : zh ? duban_kind_zh(v) : duban_kind_name(v));
	case DUBAN_FT_STATUS:
		v = duban_status_parse(value);
		return xstrdup(v < 0 ? value : zh ? duban_status_zh(v) : duban_status_name(v));
	case DUBAN_FT_DEADLINE_KIND:
		v = duban_deadline_kind_parse(value);
		return xstrdup(v < 0 ? value : zh ? duban_deadline_kind_zh(v) : duban_deadline_kind_name(v));
	case DUBAN_FT_SCOPE:
		v = *value ? duban_scope_parse(value) : -1;
		return xstrdup(v < 0 ? value : zh ? duban_scope_zh(v) : duban_scope_name(v));
	case DUBAN_FT_VERDICT:
		v = *value ? duban_verdict_parse(value) : -1;
		return xstrdup(v < 0 ? value : zh ? duban_verdict_zh(v) : duban_verdict_name(v));
	case DUBAN_FT_BOOL:
		if (strcmp(value, "true") == 0)
			return xstrdup(zh ? "是" : _("yes"));
		if (strcmp(value, "false") == 0)
			return xstrdup(zh ? "否" : _("no"));
		return xstrdup(value);
	default:
		return xstrdup(value);
	}
}

char *duban_value_display(const struct duban_field *f, const char *value)
{
	return value_named(f, value, false);
}

char *duban_field_display(const struct duban_field *f, const struct duban_item *item)
{
	char *raw = duban_field_format(f, item);
	char *shown = duban_value_display(f, raw);

	free(raw);
	return shown;
}

char *duban_value_zh(const struct duban_field *f, const char *value)
{
	return value_named(f, value, true);
}

char *duban_field_zh(const struct duban_field *f, const struct duban_item *item)
{
	char *raw = duban_field_format(f, item);
	char *zh = duban_value_zh(f, raw);

	free(raw);
	return zh;
}

const char *duban_level_name(const char *level)
{
	if (level && strcmp(level, "county") == 0)
		return _("county level");
	if (level && strcmp(level, "city") == 0)
		return _("city level");
	return level ? level : "";
}

char *duban_event_reason_display(const char *reason)
{
	static const struct {
		const char *id, *text;
	} reasons[] = {
		{ "sync", N_("sync") },
		{ "conflict: took server value", N_("conflict: took the server's value") },
		{ "conflict: kept my value", N_("conflict: kept my value") },
		{ "conflict: edited", N_("conflict: edited") },
	};
	if (!reason)
		return xstrdup("");
	for (size_t i = 0; i < ARRAY_LEN(reasons); i++)
		if (strcmp(reason, reasons[i].id) == 0)
			return xstrdup(_(reasons[i].text));
	if (strncmp(reason, "import ", 7) == 0)
		return xasprintf(_("import %s"), reason + 7);
	return xstrdup(reason);
}

char *duban_inspection_text(const struct duban_inspection *r)
{
	char d[11];
	struct duban_buf b;

	duban_buf_init(&b);
	duban_buf_printf(&b, r->passed ? _("inspection %s: passed") : _("inspection %s: failed"),
			 duban_date_format(r->date, d));
	if (r->level && *r->level)
		duban_buf_printf(&b, _("; level: %s"), duban_level_name(r->level));
	if (r->place && *r->place)
		duban_buf_printf(&b, _("; place: %s"), r->place);
	if (r->criteria && *r->criteria)
		duban_buf_printf(&b, _("; criteria met: %s"), r->criteria);
	if (r->inspectors && *r->inspectors)
		duban_buf_printf(&b, _("; inspectors: %s"), r->inspectors);
	if (r->findings && *r->findings)
		duban_buf_printf(&b, _("; findings: %s"), r->findings);
	return duban_buf_steal(&b);
}

char *duban_names_join(const char *s)
{
	struct duban_buf b;

	duban_buf_init(&b);
	for (const char *p = s ? s : ""; *p;) {
		if (*p == ',') {
			duban_buf_puts(&b, "、");
			p++;
		} else if (strncmp(p, "，", strlen("，")) == 0) {
			duban_buf_puts(&b, "、");
			p += strlen("，");
		} else {
			duban_buf_putc(&b, *p++);
		}
	}
	return duban_buf_steal(&b);
}

char *duban_action_summary(const struct duban_action *a)
{
	char d[11];
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_puts(&b, duban_action_kind_name(a->kind));
	if (a->date != DUBAN_DATE_NONE)
		duban_buf_printf(&b, " %s", duban_date_format(a->date, d));
	if (a->text && *a->text) {
		char *head = duban_buf_steal(&b);
		duban_buf_init(&b);
		/* TRANSLATORS: a supervision action (kind and date), then its text. */
		duban_buf_printf(&b, _("%s: %s"), head, a->text);
		free(head);
	}
	if (a->due != DUBAN_DATE_NONE)
		duban_buf_printf(&b, _(" (due %s)"), duban_date_format(a->due, d));
	return duban_buf_steal(&b);
}

char *duban_received_text(const char *received_at)
{
	char when[32];

	if (!received_at || !*received_at)
		return xstrdup("");
	return xasprintf(_(" (received %s)"), duban_timestamp_local(received_at, false, when));
}

/* ---------------------------------------------------------------- limits */

static size_t count_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80; /* continuation bytes do not start one */
	return n;
}

bool duban_text_within(const char *what, const char *s, size_t max, char *err, size_t errlen)
{
	size_t n = s ? count_chars(s) : 0;
	if (n <= max)
		return true;
	snprintf(err, errlen, _("%s is too long: %zu characters, the limit is %zu"), what, n, max);
	return false;
}

/* ---------------------------------------------------------------- the write rules */

static enum duban_err check_fail(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum duban_err check_fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return DUBAN_ERR_INVALID;
}

static enum duban_err check_text(const char *what, const char *s, char *msg, size_t msglen)
{
	return duban_text_within(what, s, DUBAN_MAX_TEXT_CHARS, msg, msglen) ? DUBAN_OK : DUBAN_ERR_INVALID;
}

enum duban_err duban_item_check(const struct duban_item *item, char *msg, size_t msglen)
{
	if (!item->code[0])
		return check_fail(msg, msglen, _("an item needs a code (受理编号)"));
	if (!item->title[0])
		return check_fail(msg, msglen, _("item %s needs a title"), item->code);
	if (item->progress < 0 || item->progress > 100)
		return check_fail(msg, msglen, _("progress must be between 0 and 100, not %d"), item->progress);
	if (item->start != DUBAN_DATE_NONE && item->deadline != DUBAN_DATE_NONE && item->deadline < item->start) {
		char a[11], b[11];
		return check_fail(msg, msglen, _("the deadline %s is before the start %s"),
				  duban_date_format(item->deadline, a), duban_date_format(item->start, b));
	}
	return duban_item_within_limits(item, msg, msglen) ? DUBAN_OK : DUBAN_ERR_INVALID;
}

enum duban_err duban_status_move_check(const struct duban_item *item, enum duban_status to, enum duban_role role,
				       const char *reason, char *msg, size_t msglen)
{
	enum duban_err err = duban_status_check(item->status, to, role, reason);

	switch (err) {
	case DUBAN_OK:
		return DUBAN_OK;
	case DUBAN_ERR_PERMISSION:
		snprintf(msg, msglen, _("the %s role may not move %s from %s to %s"), duban_role_name(role), item->code,
			 duban_status_name(item->status), duban_status_name(to));
		return err;
	case DUBAN_ERR_REASON:
		snprintf(msg, msglen, _("moving %s from %s back to %s needs a reason"), item->code,
			 duban_status_name(item->status), duban_status_name(to));
		return err;
	default:
		snprintf(msg, msglen, _("illegal status change for %s: %s → %s"), item->code,
			 duban_status_name(item->status), duban_status_name(to));
		return DUBAN_ERR_TRANSITION;
	}
}

static const char *const link_kind_ids[DUBAN_LINK_KIND_COUNT] = { "link", "repeat", "unlink" };
static const char *const link_kind_names[DUBAN_LINK_KIND_COUNT] = { N_("linked"), N_("repeat of"), N_("unlinked") };

const char *duban_link_kind_id(enum duban_link_kind k)
{
	return (unsigned)k < DUBAN_LINK_KIND_COUNT ? link_kind_ids[k] : "";
}

const char *duban_link_kind_name(enum duban_link_kind k)
{
	return (unsigned)k < DUBAN_LINK_KIND_COUNT ? _(link_kind_names[k]) : "";
}

int duban_link_kind_parse(const char *s)
{
	for (int i = 0; s && i < DUBAN_LINK_KIND_COUNT; i++)
		if (strcmp(s, link_kind_ids[i]) == 0)
			return i;
	return -1;
}

void duban_link_free(struct duban_link *l)
{
	if (!l)
		return;
	free(l->why);
	free(l->author);
	l->why = l->author = NULL;
}

enum duban_err duban_link_check(const struct duban_link *l, char *msg, size_t msglen)
{
	if (!duban_uuid_valid(l->other_id))
		return check_fail(msg, msglen, _("a link needs the other item"));
	if (strcmp(l->other_id, l->item_id) == 0)
		return check_fail(msg, msglen, _("an item cannot be linked to itself"));
	if ((unsigned)l->kind >= DUBAN_LINK_KIND_COUNT)
		return check_fail(msg, msglen, _("unknown link kind"));
	return check_text("link reason", l->why, msg, msglen);
}

enum duban_err duban_note_check(const struct duban_note *n, char *msg, size_t msglen)
{
	if (!n->text || !*n->text)
		return check_fail(msg, msglen, _("a note needs some text"));
	return check_text("note text", n->text, msg, msglen);
}

enum duban_err duban_inspection_check(const struct duban_inspection *r, char *msg, size_t msglen)
{
	if (r->date == DUBAN_DATE_NONE)
		return check_fail(msg, msglen, _("an inspection needs a date"));
	if (check_text("inspection level", r->level, msg, msglen) || check_text("inspection inspectors", r->inspectors, msg, msglen) ||
	    check_text("inspection place", r->place, msg, msglen) || check_text("inspection findings", r->findings, msg, msglen))
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}

enum duban_err duban_action_check(struct duban_action *a, char *msg, size_t msglen)
{
	if (check_text("action text", a->text, msg, msglen))
		return DUBAN_ERR_INVALID;
	if (a->date == DUBAN_DATE_NONE)
		a->date = duban_today();
	return DUBAN_OK;
}

enum duban_err duban_notice_check(const struct duban_notice *r, char *msg, size_t msglen)
{
	if ((unsigned)r->kind >= DUBAN_NOTICE_KIND_COUNT)
		return check_fail(msg, msglen, _("not a kind of notice record"));
	if (r->date == DUBAN_DATE_NONE)
		return check_fail(msg, msglen, _("a notice record needs a date"));
	if (r->kind == DUBAN_NOTICE_OPEN && (r->end == DUBAN_DATE_NONE || r->end < r->date))
		return check_fail(msg, msglen, _("a notice needs an end date not before its start"));
	if (r->kind == DUBAN_NOTICE_OBJECTION && (!r->text || !*r->text))
		return check_fail(msg, msglen, _("an objection needs some text"));
	if (r->kind == DUBAN_NOTICE_RESOLUTION && !duban_uuid_valid(r->objection_id))
		return check_fail(msg, msglen, _("a resolution names the objection it settles"));
	if (check_text("notice place", r->place, msg, msglen) || check_text("notice contact", r->contact, msg, msglen) ||
	    check_text("objection from", r->person, msg, msglen) || check_text("notice text", r->text, msg, msglen))
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}

enum duban_err duban_attachment_check(const struct duban_attachment *a, char *msg, size_t msglen)
{
	if (strlen(a->sha256) != 64)
		return check_fail(msg, msglen, _("an attachment needs its SHA-256"));
	if (check_text("attachment name", a->name, msg, msglen) || check_text("attachment mime", a->mime, msg, msglen))
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}
