/* Close-out (销号) as offices do it, the rules only: the acceptance chain
 * (验收层级: ordered levels, each signed by a role), the evidence (佐证材料)
 * a request for acceptance needs, and the kinds of attachment.  Pure
 * functions of policies and records, so that the client deciding offline and
 * duband re-checking a push apply the same rule.  (The kinds of evidence
 * are an enum of the model: enum duban_evidence_kind.) */
#ifndef DUBAN_CLOSEOUT_H
#define DUBAN_CLOSEOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "duban/model.h"

/* ---- The acceptance chain ---- */
#define DUBAN_MAX_LEVELS 8
struct duban_acceptance_level {
	char id[32];            /* county, city, province: what a sign-off records */
	char name[96];          /* 县级初验 */
	enum duban_role signer; /* inspector: an inspector of the item's county (or
				 * the office); office: the office only */
};
struct duban_acceptance_chain {
	int n;
	struct duban_acceptance_level level[DUBAN_MAX_LEVELS];
};
/* The default: county acceptance by the county's inspectors, then the
 * city's by the office. */
extern const char duban_acceptance_default[];
/* Reads "ID:NAME[@ROLE] ..." (space-separated, in signing order; ROLE is
 * inspector or office, by default inspector for county and office for the
 * rest).  False, with a message in err, for an empty chain, a repeated id,
 * a bad role, or more than DUBAN_MAX_LEVELS levels. */
bool duban_acceptance_parse(const char *spec, struct duban_acceptance_chain *out, char *err, size_t errlen);
/* The spec parse reads, with every role written out.  Malloc'd. */
char *duban_acceptance_format(const struct duban_acceptance_chain *c);
/* The level with this id or name, -1 when the chain has none. */
int duban_acceptance_find(const struct duban_acceptance_chain *c, const char *id_or_name);
/* The chain an item is signed along: its own (acceptance_levels) when it
 * has one that reads, else the policy's. */
void duban_acceptance_of(const char *item_levels, const struct duban_acceptance_chain *policy,
			 struct duban_acceptance_chain *out);
/* A change of an item's own chain from old to levels: only the office
 * makes it, and a new value other than "" must read.  False with a message
 * (*permission: whose fault) when refused. */
bool duban_acceptance_levels_check(const char *old, const char *levels, enum duban_role role, bool *permission,
				   char *msg, size_t msglen);
/* May role sign level i of the chain? */
bool duban_acceptance_may_sign(const struct duban_acceptance_chain *c, int i, enum duban_role role);

/* Where an item stands in its chain, from its sign-offs oldest first
 * (level ids and results): the index of the next level to sign, c->n when
 * all are signed.  A fail starts the chain again (it returns the item to in
 * progress; the next request is accepted from the first level); a pass out
 * of order, or of a level the policy no longer has, moves nothing. */
struct duban_signoff_ref {
	const char *level;
	bool passed;
};
int duban_acceptance_next(const struct duban_acceptance_chain *c, const struct duban_signoff_ref *done, size_t n);

/* ---- Evidence required for a request ---- */
struct duban_evidence_policy {
	/* required[kind] is a mask of 1 << duban_evidence_kind */
	unsigned required[DUBAN_KIND_COUNT];
};
/* The default, "problem:none complaint:none": an office that has not said
 * what it requires keeps requesting as before (a fine still needs its
 * penalty decision).  Offices usually set "problem:after
 * complaint:after,feedback". */
extern const char duban_evidence_default[];
/* Reads "KIND:EV[,EV...] ..." with item kinds problem/complaint (or their
 * Chinese names) and evidence kinds as duban_evidence_parse reads them;
 * "KIND:" or "KIND:none" requires nothing.  Kinds not named require
 * nothing. */
bool duban_evidence_policy_parse(const char *spec, struct duban_evidence_policy *out, char *err, size_t errlen);
/* Malloc'd, in the form parse reads. */
char *duban_evidence_policy_format(const struct duban_evidence_policy *p);
/* The kinds item needs under p and lacks among present (a mask of the kinds
 * its attachments have): the policy's for its kind, plus penalty when it
 * records fines or penalty cases (a fine without its decision is not
 * evidence).  A mask. */
unsigned duban_evidence_missing(const struct duban_evidence_policy *p, const struct duban_item *item,
				unsigned present);
/* The kinds of a mask as "after、feedback" in names (zh: Chinese, else
 * translated).  Malloc'd; "" for none. */
char *duban_evidence_mask_text(unsigned mask, bool zh);

/* The kinds of a mask as ids, "after,feedback" (for machines).  Malloc'd. */
char *duban_evidence_mask_ids(unsigned mask);
/* What a request's reason carries when the office requests acceptance
 * without the evidence (followed by why; never translated, so that duband
 * recognises it in any language). */
#define DUBAN_EVIDENCE_OVERRIDE "requested without its evidence: "

/* ---- Acceptance criteria (the 安徽 five by default) ---- */
#define DUBAN_CRITERIA_COUNT 5
extern const char *const duban_acceptance_criteria_zh[DUBAN_CRITERIA_COUNT];

/* ---- The public notice (公示) and its objections ---- */
/* The notice's days when neither the command nor the setting notice-days
 * says (江苏: seven days or more). */
#define DUBAN_NOTICE_DAYS_DEFAULT 7
/* Where an item's notice stands, from its notice records in the order they
 * were made (created_at, then id: the same on every replica).  The latest
 * opening counts; an objection is settled by its first resolution (a later
 * one, made offline on another replica, stays in the file but changes
 * nothing). */
struct duban_notice_state {
	int notice;          /* index of the latest opening, -1 when none */
	int objections;      /* objections raised */
	int open;            /* of them not yet settled */
	int first_open;      /* number (1-based, in order made) of the first open one, 0 when none */
	int upheld, dismissed;
};
void duban_notice_state(const struct duban_notice *r, size_t n, struct duban_notice_state *out);
/* Index of the record that settles record i (an objection), -1 when open. */
int duban_objection_settled_by(const struct duban_notice *r, size_t n, size_t i);
/* Index of objection number k (1-based, in order made), -1 when none. */
int duban_objection_index(const struct duban_notice *r, size_t n, int k);
/* Number (1-based) of the objection at index i. */
int duban_objection_number(const struct duban_notice *r, size_t n, size_t i);
/* "2026-06-17, 村民王某" (translated), or the date alone when nobody is
 * named: when an objection came and from whom.  Malloc'd. */
char *duban_objection_when(const struct duban_notice *r);
/* Orders records as duban_notice_state reads them (created_at, then id). */
void duban_notice_sort(struct duban_notice *r, size_t n);

/* Why an item with these notice records may not be closed (销号) today:
 * DUBAN_CLOSE_OK, or the notice still runs (through its end date), or an
 * objection is open.  *date: the notice's end; *number: the open
 * objection's. */
enum duban_close_block { DUBAN_CLOSE_OK, DUBAN_CLOSE_NOTICE_RUNNING, DUBAN_CLOSE_OBJECTION_OPEN };
enum duban_close_block duban_close_check(const struct duban_notice *r, size_t n, duban_date today, duban_date *date,
					 int *number);
/* The refusal's machine code, as duband answers it: notice_running,
 * objection_open ("" for DUBAN_CLOSE_OK). */
const char *duban_close_block_code(enum duban_close_block b);

#endif
