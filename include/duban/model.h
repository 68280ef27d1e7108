/* The ledger's data model: items and their records, the status machine,
 * warning lights and the table of item fields.  Pure logic: no SQLite, no I/O. */
#ifndef DUBAN_MODEL_H
#define DUBAN_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "duban/date.h"

enum duban_kind { DUBAN_KIND_PROBLEM, DUBAN_KIND_COMPLAINT, DUBAN_KIND_COUNT };

enum duban_status {
	DUBAN_STATUS_NOT_STARTED,
	DUBAN_STATUS_IN_PROGRESS,
	DUBAN_STATUS_REQUESTED,
	DUBAN_STATUS_VERIFIED,
	DUBAN_STATUS_PUBLICIZED,
	DUBAN_STATUS_CLOSED,
	DUBAN_STATUS_COUNT
};

enum duban_deadline_kind {
	DUBAN_DEADLINE_DATE,      /* an ordinary date */
	DUBAN_DEADLINE_IMMEDIATE, /* 立行立改; may still carry a date */
	DUBAN_DEADLINE_ONGOING,   /* 长期坚持; may carry a first milestone date */
	DUBAN_DEADLINE_KIND_COUNT
};

enum duban_scope { DUBAN_SCOPE_NONE, DUBAN_SCOPE_COMMON, DUBAN_SCOPE_SPECIFIC, DUBAN_SCOPE_COUNT };

enum duban_verdict {
	DUBAN_VERDICT_NONE,
	DUBAN_VERDICT_TRUE,   /* 属实 */
	DUBAN_VERDICT_MOSTLY, /* 基本属实 */
	DUBAN_VERDICT_PARTLY, /* 部分属实 */
	DUBAN_VERDICT_FALSE,  /* 不属实 */
	DUBAN_VERDICT_COUNT
};

/* Ordered from most to least urgent: sorting by light uses this order. */
enum duban_light {
	DUBAN_LIGHT_RED,
	DUBAN_LIGHT_YELLOW,
	DUBAN_LIGHT_GREEN,
	DUBAN_LIGHT_BLUE, /* ongoing */
	DUBAN_LIGHT_GREY, /* closed */
	DUBAN_LIGHT_COUNT
};

enum duban_role { DUBAN_ROLE_OFFICE, DUBAN_ROLE_INSPECTOR, DUBAN_ROLE_VIEWER, DUBAN_ROLE_COUNT };

enum duban_action_kind {
	DUBAN_ACTION_REMINDER,       /* 提醒函 */
	DUBAN_ACTION_NOTICE,         /* 督办通知 */
	DUBAN_ACTION_CIRCULAR,       /* 通报 */
	DUBAN_ACTION_SUMMONS,        /* 约谈 */
	DUBAN_ACTION_ACCOUNTABILITY, /* 问责 */
	DUBAN_ACTION_KIND_COUNT
};

/* Results and errors shared by every core module. */
enum duban_err {
	DUBAN_OK = 0,
	DUBAN_ERR_NOT_FOUND,
	DUBAN_ERR_INVALID,    /* bad value: date, enum name, range */
	DUBAN_ERR_TRANSITION, /* illegal status transition */
	DUBAN_ERR_PERMISSION, /* the role may not do this */
	DUBAN_ERR_REASON,     /* a reason is required */
	DUBAN_ERR_DUPLICATE,  /* a code or id already exists */
	DUBAN_ERR_DB,
	DUBAN_ERR_IO,
	DUBAN_ERR_PARSE,
	DUBAN_ERR_NOMEM,
	DUBAN_ERR_INTERRUPTED, /* the user pressed Ctrl-C: nothing was written */
	DUBAN_ERR_COUNT
};
const char *duban_err_message(enum duban_err err); /* translated */

/* Enforcement counts reported for complaints. */
struct duban_enforcement {
	int rectify_orders;  /* 责令整改 (家次) */
	double fines;        /* 罚款 (万元) */
	int penalty_cases;   /* 立案处罚 */
	int criminal_cases;  /* 立案侦查 */
	int detentions;      /* 拘留 */
	int summons;         /* 约谈 (人次) */
	int accountability;  /* 问责 (人次) */
};

/* One ledger item.  Every string is heap-allocated, owned by the item and
 * never NULL after duban_item_init (empty string = unset). */
struct duban_item {
	char id[37];          /* UUIDv4 */
	enum duban_kind kind;
	char *code;           /* 受理编号, unique per ledger */
	char *round;          /* 督察轮次 */
	char *batch;          /* 批次 */
	char *title;
	char *description;
	char *categories;     /* one or more of duban_categories, joined by "、" */
	enum duban_scope scope;
	char *county;
	char *township;
	char *lead_unit;
	char *co_units;       /* joined by "、" */
	char *leader;
	char *owner;
	char *contact;        /* personal data: never published */
	char *goal;
	char *measures;
	char *findings;       /* 调查核实情况 */
	char *handling;       /* 处理和整改情况 */
	char *accountability; /* 责任人被处理情况 / 问责情况 */
	duban_date start;
	duban_date deadline;
	enum duban_deadline_kind deadline_kind;
	duban_date notice_end; /* end of 公示 */
	enum duban_status status;
	int progress;         /* 0..100 */
	enum duban_verdict verdict;
	struct duban_enforcement enforcement;
	bool key_case;
	char *duplicate_of;   /* code of the first complaint */
	double longitude, latitude; /* NAN when unknown */
	bool is_public;
	char *acceptance_levels; /* 验收层级: the item's own acceptance chain (duban_acceptance_parse's
				  * syntax, e.g. provincial acceptance of a key case); "" for the policy's */
	duban_date transferred_on; /* 交办日期: the feedback clock starts (complaints) */
	duban_date feedback_on;    /* 反馈日期: the feedback was given; stops the clock */
	char created_at[25];  /* UTC, YYYY-MM-DDTHH:MM:SSZ */
	char updated_at[25];
	long long version;    /* server version; 0 when never synced */
};

void duban_item_init(struct duban_item *item);
void duban_item_free(struct duban_item *item); /* frees the strings, not the struct */
void duban_item_copy(struct duban_item *dst, const struct duban_item *src);
/* Replace one string field, taking a copy of value. */
void duban_set_str(char **field, const char *value);

/* ---- The table of item fields: one list that drives CSV headers, the JSON
 * codec, `show`, field-by-field audit events and edit commands. ---- */
enum duban_field_type {
	DUBAN_FT_TEXT, DUBAN_FT_DATE, DUBAN_FT_INT, DUBAN_FT_DOUBLE, DUBAN_FT_BOOL,
	DUBAN_FT_KIND, DUBAN_FT_STATUS, DUBAN_FT_DEADLINE_KIND, DUBAN_FT_SCOPE, DUBAN_FT_VERDICT
};

struct duban_field {
	const char *name;   /* identifier: CSV/JSON key, `edit --set NAME=VALUE` */
	const char *label;  /* Chinese label used in exported headers (untranslated data) */
	const char *title;  /* English message id for display, translate with _() */
	enum duban_field_type type;
	size_t offset;      /* offsetof(struct duban_item, ...) */
	bool editable;      /* settable by `edit` (status goes through the machine) */
};

/* What one item or record may hold (doc/PROTOCOL.md "Limits", duban(1)),
 * checked by the store where the client saves an edit and where duband
 * applies a push: one oversized text can neither wait in an outbox nor make
 * a pull page too large for the others.  Characters are Unicode code points. */
#define DUBAN_MAX_TITLE_CHARS 500
#define DUBAN_MAX_TEXT_CHARS 20000         /* any other text of an item or a record */
#define DUBAN_MAX_ITEM_JSON (256 * 1024)   /* bytes of a whole item as JSON */
/* Whether s (NULL: empty) holds at most max characters; when not, says so
 * in err, naming the field what and the limit. */
bool duban_text_within(const char *what, const char *s, size_t max, char *err, size_t errlen);
/* Whether an item may be saved: a code, a title, progress 0..100, the
 * deadline not before the start, and the text limits.  DUBAN_OK, else
 * DUBAN_ERR_INVALID with the reason in msg.  The store and every duband
 * backend check items and records with these. */
enum duban_err duban_item_check(const struct duban_item *item, char *msg, size_t msglen);
struct duban_note;
struct duban_inspection;
struct duban_action;
struct duban_attachment;
enum duban_err duban_note_check(const struct duban_note *n, char *msg, size_t msglen);
enum duban_err duban_inspection_check(const struct duban_inspection *r, char *msg, size_t msglen);
/* An action's text; the date it lacks is today's (filled in). */
enum duban_err duban_action_check(struct duban_action *a, char *msg, size_t msglen);
enum duban_err duban_attachment_check(const struct duban_attachment *a, char *msg, size_t msglen);

extern const struct duban_field duban_fields[];
extern const size_t duban_field_count;
const struct duban_field *duban_field_find(const char *name); /* by name or Chinese label */

/* Format a field's value as text (dates YYYY-MM-DD, enums as identifiers,
 * unset numbers as ""). Returns a malloc'd string. */
char *duban_field_format(const struct duban_field *f, const struct duban_item *item);
/* Parse text into a field; accepts identifiers and Chinese names for enums and
 * every date form duban_date_parse knows. */
enum duban_err duban_field_parse(const struct duban_field *f, struct duban_item *item, const char *text);
bool duban_field_equal(const struct duban_field *f, const struct duban_item *a, const struct duban_item *b);
/* A value as people read it: enums by their translated names, booleans
 * yes/no, the rest as duban_field_format writes it.  Malloc'd.
 * duban_value_display takes a stored (formatted) value, e.g. from an event. */
char *duban_field_display(const struct duban_field *f, const struct duban_item *item);
char *duban_value_display(const struct duban_field *f, const char *value);
/* The same in the Chinese of official documents whatever the locale: enums
 * by their Chinese names, booleans 是/否.  Malloc'd. */
char *duban_field_zh(const struct duban_field *f, const struct duban_item *item);
char *duban_value_zh(const struct duban_field *f, const char *value);

/* ---- Enumerations: identifier <-> Chinese name. _parse accepts either
 * (and a few common aliases) and returns -1 when unknown. ---- */
const char *duban_kind_id(enum duban_kind k);
const char *duban_kind_name(enum duban_kind k);          /* translated */
const char *duban_kind_zh(enum duban_kind k);            /* always Chinese: 反馈问题, 信访件 */
int duban_kind_parse(const char *s);
const char *duban_status_id(enum duban_status s);
const char *duban_status_name(enum duban_status s);      /* translated: 整改中 in zh_CN */
const char *duban_status_zh(enum duban_status s);        /* always Chinese (data exports) */
int duban_status_parse(const char *s);
const char *duban_deadline_kind_id(enum duban_deadline_kind k);
const char *duban_deadline_kind_name(enum duban_deadline_kind k); /* translated */
const char *duban_deadline_kind_zh(enum duban_deadline_kind k);
int duban_deadline_kind_parse(const char *s);
const char *duban_scope_id(enum duban_scope s);
const char *duban_scope_name(enum duban_scope s);     /* translated, "" for none */
const char *duban_scope_zh(enum duban_scope s);
int duban_scope_parse(const char *s);
const char *duban_verdict_id(enum duban_verdict v);
const char *duban_verdict_name(enum duban_verdict v); /* translated, "" for none */
const char *duban_verdict_zh(enum duban_verdict v);
int duban_verdict_parse(const char *s);
const char *duban_light_id(enum duban_light l);
const char *duban_light_name(enum duban_light l);        /* translated */
const char *duban_light_symbol(enum duban_light l);      /* ● ▲ ○ ◆ ✓ : distinguishable without colour */
int duban_light_parse(const char *s);
const char *duban_role_id(enum duban_role r);
const char *duban_role_name(enum duban_role r);          /* translated: 整改办 in zh_CN */
int duban_role_parse(const char *s);
const char *duban_action_kind_id(enum duban_action_kind k);
const char *duban_action_kind_name(enum duban_action_kind k); /* translated */
const char *duban_action_kind_zh(enum duban_action_kind k);
int duban_action_kind_parse(const char *s);

/* What an attachment is evidence of (佐证材料). */
enum duban_evidence_kind {
	DUBAN_EVIDENCE_OTHER,      /* 其他 */
	DUBAN_EVIDENCE_BEFORE,     /* 整改前照片 */
	DUBAN_EVIDENCE_AFTER,      /* 整改后照片 */
	DUBAN_EVIDENCE_PENALTY,    /* 处罚决定书 */
	DUBAN_EVIDENCE_ACCEPTANCE, /* 验收意见 */
	DUBAN_EVIDENCE_NOTICE,     /* 公示截图/公告 */
	DUBAN_EVIDENCE_FEEDBACK,   /* 向投诉人反馈记录 */
	DUBAN_EVIDENCE_COUNT
};
const char *duban_evidence_id(enum duban_evidence_kind k);   /* before, after, … */
const char *duban_evidence_name(enum duban_evidence_kind k); /* translated */
const char *duban_evidence_zh(enum duban_evidence_kind k);   /* always Chinese */
int duban_evidence_parse(const char *s);

/* The pollution categories (污染类型 / 领域), NULL-terminated. */
extern const char *const duban_categories[];

/* ---- Status machine ---- */
/* May ROLE move an item from FROM to TO?  Returns DUBAN_OK,
 * DUBAN_ERR_TRANSITION (never legal), DUBAN_ERR_PERMISSION (legal, not for
 * this role) or DUBAN_ERR_REASON (legal, but REASON is empty and one is
 * required: every return to in_progress needs one). */
enum duban_err duban_status_check(enum duban_status from, enum duban_status to,
				  enum duban_role role, const char *reason);
bool duban_status_needs_reason(enum duban_status from, enum duban_status to);
/* duban_status_check with the message a person reads (in msg) naming the
 * item's code: the one rule both the client's store and each of duband's
 * backends apply. */
enum duban_err duban_status_move_check(const struct duban_item *item, enum duban_status to, enum duban_role role,
				       const char *reason, char *msg, size_t msglen);
/* Fills TO with the statuses ROLE may move to from FROM; returns how many. */
int duban_status_next(enum duban_status from, enum duban_role role, enum duban_status to[DUBAN_STATUS_COUNT]);

/* ---- Warning lights ---- */
struct duban_light_rules {
	int warn_days;  /* yellow when due within this many days (7) */
	int lag_yellow; /* yellow when lagging the schedule by more points (10) */
	int lag_red;    /* red when lagging by more points (30) */
};
extern const struct duban_light_rules duban_light_rules_default;

/* Schedule lag in percentage points: elapsed share of start..deadline minus
 * progress; 0 when there is no start or deadline. */
int duban_schedule_lag(duban_date start, duban_date deadline, int progress, duban_date today);
enum duban_light duban_light_of(enum duban_status status, enum duban_deadline_kind dk,
				duban_date start, duban_date deadline, int progress,
				duban_date today, const struct duban_light_rules *rules);
enum duban_light duban_item_light(const struct duban_item *item, duban_date today,
				  const struct duban_light_rules *rules);

/* ---- Append-only records ---- */
struct duban_note {
	char id[37], item_id[37];
	char *author, *text;
	char created_at[25];  /* recorded at: when the person did it (their clock) */
	char received_at[25]; /* when duband received it; "" until then */
};
struct duban_inspection {
	char id[37], item_id[37];
	duban_date date;
	char *level;        /* county / city (验收级别), may be empty */
	char *inspectors;   /* joined by "、" */
	char *place, *findings;
	bool passed;
	char *criteria;     /* a sign-off's acceptance criteria met: "1,2,5" (1-based), may be empty */
	char *author;
	char created_at[25];  /* recorded at: when the person did it (their clock) */
	char received_at[25]; /* when duband received it; "" until then */
};
struct duban_action {
	char id[37], item_id[37];
	enum duban_action_kind kind;
	duban_date date, due;
	char *text, *author;
	char created_at[25];  /* recorded at: when the person did it (their clock) */
	char received_at[25]; /* when duband received it; "" until then */
};
/* "notice 2026-06-15: text (due 2026-06-22)" as people read it, translated
 * (the text left out when empty).  Malloc'd. */
char *duban_action_summary(const struct duban_action *a);
struct duban_attachment {
	char id[37], item_id[37];
	char inspection_id[37]; /* empty when attached to the item */
	char sha256[65];
	char *name, *mime;
	long long size;
	enum duban_evidence_kind kind; /* what it is evidence of (other when not said) */
	char *author;
	char created_at[25];  /* recorded at: when the person did it (their clock) */
	char received_at[25]; /* when duband received it; "" until then */
};
/* The public notice (公示) of a close-out and what came of it, as records
 * of one type (op notice.add), each with its own id, append-only: the
 * opening of a notice, an objection (异议) raised during it, and the
 * resolution of an objection (a record of its own naming the objection, so
 * that two replicas settling one offline both keep theirs; the first made
 * counts, see duban_notice_state). */
enum duban_notice_kind { DUBAN_NOTICE_OPEN, DUBAN_NOTICE_OBJECTION, DUBAN_NOTICE_RESOLUTION, DUBAN_NOTICE_KIND_COUNT };
struct duban_notice {
	char id[37], item_id[37];
	enum duban_notice_kind kind;
	duban_date date;        /* open: the first day; objection: when it came; resolution: when settled */
	duban_date end;         /* open: the last day of the notice */
	char *place, *contact;  /* open: where it was published, who takes objections */
	char *person;           /* objection: who raised it (may be empty) */
	char *text;             /* objection: what it says; resolution: how it was settled */
	char objection_id[37];  /* resolution: the objection it settles */
	bool upheld;            /* resolution: upheld (the item goes back to work) or dismissed */
	char *author;
	char created_at[25];  /* recorded at: when the person did it (their clock) */
	char received_at[25]; /* when duband received it; "" until then */
};
const char *duban_notice_kind_id(enum duban_notice_kind k); /* open, objection, resolution */
int duban_notice_kind_parse(const char *s);
/* Dates, texts and the objection a resolution names; an open notice's end
 * not before its start. */
enum duban_err duban_notice_check(const struct duban_notice *r, char *msg, size_t msglen);
void duban_notice_free(struct duban_notice *r);
/* A link between two items (举一反三): the same enterprise, site or park, or
 * item_id a repeat complaint (重复举报) of other_id.  Append-only like every
 * record: an unlink is a record of kind unlink; a pair's latest record says
 * whether it is linked. */
enum duban_link_kind { DUBAN_LINK_RELATED, DUBAN_LINK_REPEAT, DUBAN_LINK_UNLINK, DUBAN_LINK_KIND_COUNT };
struct duban_link {
	char id[37], item_id[37];
	char other_id[37];
	enum duban_link_kind kind;
	char *why;
	char *author;
	char created_at[25];
	char received_at[25];
};
const char *duban_link_kind_id(enum duban_link_kind k);   /* link, repeat, unlink */
const char *duban_link_kind_name(enum duban_link_kind k); /* translated */
int duban_link_kind_parse(const char *s);
void duban_link_free(struct duban_link *l);
/* The other end a UUID and not the item itself, the reason within limits. */
enum duban_err duban_link_check(const struct duban_link *l, char *msg, size_t msglen);
/* One audit event: a field of an item changed (or the item was created). */
struct duban_event {
	long long id;
	char item_id[37];
	char *field;        /* field name, or "create" / "status" ... */
	char *old_value, *new_value;
	char *reason;
	char *author, *device;
	char created_at[25];  /* recorded at: when the person made the change */
	char received_at[25]; /* when duband received it; "" for a change not yet sent */
	char op_id[37];       /* the op that made it, "" when none (import, server admin) */
	long long origin;     /* the server's number of this event; 0 for one made here */
};

/* One line for an inspection in a history: "inspection 2026-06-14: passed;
 * level: …; inspectors: …; place: …; findings: …" (translated).  Malloc'd. */
char *duban_inspection_text(const struct duban_inspection *r);

/* An inspection's level (county, city) as shown: translated, the stored
 * word for one this client does not know. */
const char *duban_level_name(const char *level);

/* A history entry's reason as shown: the words the sync and an import
 * write ("conflict: edited", "import FILE") translated, anything else as
 * typed.  Malloc'd. */
char *duban_event_reason_display(const char *reason);
/* A list of names typed with "," or "，" joined the ledger's way, with "、".
 * Malloc'd. */
char *duban_names_join(const char *s);

void duban_note_free(struct duban_note *n);
void duban_inspection_free(struct duban_inspection *r);
void duban_action_free(struct duban_action *a);
void duban_attachment_free(struct duban_attachment *a);
void duban_event_free(struct duban_event *e);
/* " (received 2026-06-16 09:30)", local time, translated: when the server
 * received a record or change made earlier (recorded at, offline); "" when
 * it has not.  Malloc'd. */
char *duban_received_text(const char *received_at);

#endif
