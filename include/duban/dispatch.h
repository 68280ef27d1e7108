/* 调度 rounds: the office asks, at a date, for the progress of the items in
 * scope, and the person in charge of each reports on it.
 *
 * A round travels as records of its member items (type "dispatch", op
 * dispatch.add), so it is scoped like the items: an inspector receives the
 * rounds that hold items of their counties, with those members and their
 * submissions only.  Three kinds of record, all append-only:
 *
 *   open    the item is a member of the round; carries the round's header
 *           (round_id, name, title, due date, opening date, filters)
 *   close   the round is closed (one per member, from the office)
 *   report  a submission: progress 0-100, text, optional attachment
 *
 * A round's name is unique: it is the round's handle in the CLI and the
 * TUI; round_id tells two rounds of one name apart (two offices offline). */
#ifndef DUBAN_DISPATCH_H
#define DUBAN_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "duban/date.h"
#include "duban/ladder.h"
#include "duban/model.h"
#include "duban/store.h"

/* ---------------------------------------------------------------- records */

enum duban_dispatch_kind { DUBAN_DISPATCH_OPEN, DUBAN_DISPATCH_CLOSE, DUBAN_DISPATCH_REPORT, DUBAN_DISPATCH_KIND_COUNT };

struct duban_dispatch_rec {
	char id[37], item_id[37];
	enum duban_dispatch_kind kind;
	char round_id[37];
	char *name;            /* the round's name (all kinds) */
	char *title;           /* open: the round's title */
	char *filters;         /* open: the filters it was opened with, as text */
	duban_date due;        /* open: when the submissions are due */
	duban_date date;       /* open: opened on; close: closed on; report: submitted on */
	int progress;          /* report: 0-100 */
	char *text;            /* report */
	char attachment_id[37]; /* report: an attachment of the item, "" for none */
	char *author;
	char created_at[25];
	char received_at[25];
};
const char *duban_dispatch_kind_id(enum duban_dispatch_kind k); /* open, close, report */
int duban_dispatch_kind_parse(const char *s);
void duban_dispatch_rec_free(struct duban_dispatch_rec *r);
void duban_dispatch_recs_free(struct duban_dispatch_rec *r, size_t n);
/* The record's shape: a name, a known kind, a round id, progress 0-100
 * and a text for a report, a due date for an opening. */
enum duban_err duban_dispatch_rec_check(const struct duban_dispatch_rec *r, char *msg, size_t msglen);
cJSON *duban_dispatch_rec_to_json(const struct duban_dispatch_rec *r);
enum duban_err duban_dispatch_rec_from_json(const cJSON *obj, struct duban_dispatch_rec *r, char *errbuf,
					    size_t errlen);

/* Appends one record (queues dispatch.add); the item must be writable by
 * the actor.  No rule of rounds here (duband's push uses it as it is). */
enum duban_err duban_dispatch_rec_add(duban_store *st, struct duban_dispatch_rec *r);
/* The item's dispatch records, oldest first (created_at, id). */
enum duban_err duban_dispatch_recs_of(duban_store *st, const char *item_id, struct duban_dispatch_rec **out,
				      size_t *n);
/* The id of the round called name (any opening record of it): found false
 * when there is none. */
enum duban_err duban_dispatch_round_id(duban_store *st, const char *name, char round_id[37], bool *found);

/* ---------------------------------------------------------------- rounds */

struct duban_dispatch {
	char round_id[37];
	char *name, *title, *filters, *opened_by;
	duban_date due, opened_on;
	bool closed;
	duban_date closed_on;  /* NONE while open */
	int members;           /* members in this ledger */
	int reported;          /* members with at least one submission */
};
void duban_dispatch_free(struct duban_dispatch *d);
void duban_dispatches_free(struct duban_dispatch *d, size_t n);

/* Opens a round (office only): every item the filter matches (NULL: every
 * item not closed) becomes a member.  filters is the text saved with the
 * round (what the user typed).  *members: how many. */
enum duban_err duban_dispatch_open(duban_store *st, const char *name, const char *title, duban_date due,
				   const struct duban_filter *filter, const char *filters, int *members);
/* Closes a round (office only); refused when it is closed already. */
enum duban_err duban_dispatch_close(duban_store *st, const char *name);
/* The round called name: DUBAN_ERR_NOT_FOUND when this ledger has none. */
enum duban_err duban_dispatch_get(duban_store *st, const char *name, struct duban_dispatch *out);
/* Every round in this ledger, the latest opened first. */
enum duban_err duban_dispatch_list(duban_store *st, struct duban_dispatch **out, size_t *n);
/* The latest opened round (the bulletin's): DUBAN_ERR_NOT_FOUND when none. */
enum duban_err duban_dispatch_latest(duban_store *st, struct duban_dispatch *out);

/* A submission: the record, the item's progress set to progress and a note
 * with the text, in one transaction.  att (may be NULL) is added first and
 * named by the record (duban_attachment_add fills its id).  Refused for an
 * item not in the round, a closed round, or an item the actor may not
 * write. */
enum duban_err duban_dispatch_submit(duban_store *st, const char *name, const char *code_or_id, int progress,
				     const char *text, struct duban_attachment *att);

/* ---------------------------------------------------------------- members */

/* Where a member stands: a submission made on or before the due date is on
 * time, a first one after it late; none is missing. */
enum duban_dispatch_state { DUBAN_DISPATCH_MISSING, DUBAN_DISPATCH_ON_TIME, DUBAN_DISPATCH_LATE,
			    DUBAN_DISPATCH_STATE_COUNT };
const char *duban_dispatch_state_id(enum duban_dispatch_state s);   /* missing, on_time, late */
const char *duban_dispatch_state_name(enum duban_dispatch_state s); /* translated */
/* The rule, for one member: the date of its first submission (NONE: none). */
enum duban_dispatch_state duban_dispatch_state_of(duban_date due, duban_date first);

struct duban_dispatch_member {
	char item_id[37];
	char *code, *title, *county, *lead_unit, *owner;
	int submissions;
	enum duban_dispatch_state state;
	duban_date first_on;    /* first submission's date, NONE when none */
	/* The latest submission (by created_at, id), when any: */
	duban_date last_on;
	int progress;           /* -1 when none */
	char *text, *author;
	char attachment_id[37];
};
/* The round's members in this ledger, by code. */
enum duban_err duban_dispatch_members(duban_store *st, const char *name, struct duban_dispatch_member **out,
				      size_t *n);
void duban_dispatch_members_free(struct duban_dispatch_member *m, size_t n);
/* Frees one member's strings (not the member itself). */
void duban_dispatch_member_clear(struct duban_dispatch_member *m);
/* One round an item is a member of, as `duban show` lists it. */
struct duban_dispatch_of_item {
	char *name;
	duban_date due;
	bool closed;
	enum duban_dispatch_state state;
	duban_date last_on;     /* the latest submission's date, NONE when none */
	int progress;           /* the latest submission's, -1 when none */
};
/* The rounds the item is a member of, in the order they were opened (its
 * records, grouped by the round's name). */
enum duban_err duban_dispatch_rounds_of(duban_store *st, const char *item_id, struct duban_dispatch_of_item **out,
					size_t *n);
void duban_dispatch_of_item_free(struct duban_dispatch_of_item *v, size_t n);
/* Whether the actor may submit for the member now (the round open, the
 * item in the actor's counties, not a viewer); msg says why not.  m may be
 * NULL (the round alone). */
bool duban_dispatch_may_submit(duban_store *st, const struct duban_dispatch *d,
			       const struct duban_dispatch_member *m, char *msg, size_t msglen);

/* ---------------------------------------------------------------- status */

enum duban_dispatch_by { DUBAN_DISPATCH_BY_COUNTY, DUBAN_DISPATCH_BY_UNIT };
struct duban_dispatch_group {
	char *key;        /* county or lead unit; "" when the items have none */
	int scope, on_time, late, missing;
	int reported;     /* on_time + late */
	double mean_progress; /* of the latest submissions; NAN when none */
	int min_progress, max_progress; /* -1 when none */
	int done;         /* latest submissions at 100 */
};
/* Groups members by county or lead unit, sorted by key (bytes), and a
 * total (key NULL) as the last entry: *n groups + 1.  Pure: no store. */
void duban_dispatch_status(const struct duban_dispatch_member *m, size_t nm, enum duban_dispatch_by by,
			   struct duban_dispatch_group **out, size_t *n);
void duban_dispatch_groups_free(struct duban_dispatch_group *g, size_t n);

/* ---------------------------------------------------------------- the ladder */

/* 调度未报送: a member missing after the round's due date, or submitted
 * late, is a step of the supervision ladder of its own.  A missing one owes
 * the ladder's first letter (提醒函 by default) from the day after the due
 * date until one dated from that day on is recorded; a late one is listed
 * (how many days late), owing nothing.  Pure. */
#define DUBAN_DISPATCH_STEP_ZH "调度未报送"
const char *duban_dispatch_step_name(void); /* translated */
struct duban_dispatch_step {
	bool listed;           /* missing after the due date, or late */
	enum duban_dispatch_state state;
	int days;              /* missing: days past the due date; late: days late */
	enum duban_action_kind kind; /* the letter that chases it: the ladder's first step */
	bool due;              /* missing, and no such letter dated after the due date */
	duban_date since;      /* the day after the due date */
	duban_date taken_on;   /* the latest such letter, NONE when none */
};
void duban_dispatch_step_eval(const struct duban_ladder *l, duban_date round_due, duban_date today,
			      enum duban_dispatch_state state, duban_date first_on,
			      const enum duban_action_kind *kinds, const duban_date *dates, int nactions,
			      struct duban_dispatch_step *out);

/* One member on the ladder, with its round (both owned by the entry). */
struct duban_dispatch_overdue {
	struct duban_dispatch round;
	struct duban_dispatch_member member;
	struct duban_dispatch_step step;
};
/* The members of the round called name (NULL: of every open round) that
 * are listed on the ladder today, by round (latest first), then missing
 * before late, most days first, then code. */
enum duban_err duban_dispatch_overdue_list(duban_store *st, const char *name, const struct duban_ladder *l,
					   duban_date today, struct duban_dispatch_overdue **out, size_t *n);
void duban_dispatch_overdue_free(struct duban_dispatch_overdue *v, size_t n);

/* ================================================================
 * Added by the dispatchtui branch (the TUI view and the export).
 * ================================================================ */

/* ---------------------------------------------------------------- export */

/* Fills a superior's Excel template with the round called name: the
 * template's first sheet's header row (the first row naming two known
 * columns; a title in a row above it is kept) is read with the import's
 * header mapping (duban_import_header_field) plus the round's own columns
 * (报送进展, 完成百分比, 报送日期, 报送人, 报送状态 …), and one row per member
 * (by code) is written below it with the item's fields and its latest
 * submission, 序号 numbered.  The writer makes fresh workbooks: out_path
 * gets that one sheet (its name, title and header row, in the template's
 * order), not the template's styles or other sheets.  *unknown (may be
 * NULL): the template's headers left blank, NULL-terminated, malloc'd
 * (duban_lines_free), NULL when none.  err: why it failed.  *rows: the
 * members written. */
enum duban_err duban_dispatch_export(duban_store *st, const char *name, const char *template_path,
				     const char *out_path, int *rows, char ***unknown, char *err, size_t errlen);

#endif
