/* POST /api/v1/push: applying a batch of ops exactly once, each re-checked
 * against the server's own state and the pushing user's role and counties.
 * The rules are here; the store's push primitives (store.h) load, lock,
 * write and log, for either backend. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
#include "duban/date.h"
#include "duban/json.h"
#include "duban/policy.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"

enum op_kind {
	OP_CREATE, OP_SET, OP_STATUS, OP_DELETE, OP_NOTE, OP_INSPECTION, OP_ACTION, OP_ATTACHMENT, OP_NOTICE,
	OP_LINK, OP_DISPATCH, OP_KIND_COUNT
};

static const char *const kind_names[OP_KIND_COUNT] = {
	"item.create", "item.set", "item.status", "item.delete",
	"note.add", "inspection.add", "action.add", "attachment.add", "notice.add", "link.add",
	"dispatch.add",
};

/* Serialization failures and deadlocks (PostgreSQL) retry the batch. */
#define PUSH_TRIES 5

struct push {
	struct srv_store *s;
	const struct srv_push_ops *o;
	struct srv_tx *tx;
	const struct srv_user *u;
	const char *device;
	bool db_error; /* the batch cannot be answered: roll it back, 500 (or retry) */
};

/* One op as it came, its members already checked for shape. */
struct op {
	const cJSON *json;
	const char *id, *item_id;
	enum op_kind kind;
};

static void db_failed(struct push *p, const char *what)
{
	if (!p->db_error && !p->o->retryable(p->tx))
		srv_log("push: %s: %s", what, p->o->errmsg(p->tx));
	p->db_error = true;
}

/* ---------------------------------------------------------------- answers */

static cJSON *answer(const struct op *op, const char *result)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "id", op->id);
	cJSON_AddStringToObject(a, "result", result);
	return a;
}

static cJSON *rejected(const struct op *op, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The machine code of a refusal, for clients to show in their user's
 * language (the message stays English, for older clients and logs).  Found
 * by the message's format, so that every refusal has one without its call
 * site naming it; a message passed through whole has its reason as code. */
static const char *refusal_code(const char *reason, const char *fmt)
{
	static const struct {
		const char *fmt, *code;
	} codes[] = {
		{ "%s %s may not write item %s (not in their counties, or not on the server)", "not_in_counties" },
		{ "no item %s on the server", "no_item" },
		{ "%s %s may not write items of %s", "county_forbidden" },
		{ "unknown implied_by '%s'", "bad_implied_by" },
		{ "%s is %s on the server: the change that followed its status is void", "status_void" },
		{ "'%s' is not a field that item.set may change", "not_settable" },
		{ "base and value must be text or null", "bad_value" },
		{ "%s: cannot read '%s'", "bad_value" },
		{ "item.status needs base and value statuses", "bad_status_op" },
		{ "%s is %s on the server, not %s", "status_moved" },
		{ "the id or the code of this item is already in use", "in_use" },
		{ "item.create needs the item as its body", "no_body" },
		{ "%s needs the record as its body", "no_body" },
		{ "the body's id %s is not the op's item_id", "id_mismatch" },
		{ "the record's item_id is not the op's item_id", "id_mismatch" },
		{ "the item %s already exists", "exists" },
		{ "the %s role may not create an item with status %s", "create_status" },
		{ "only the office may delete items", "delete_office_only" },
		{ "the author of a record is the user who sends it (%s), not '%s'", "author" },
		{ "blob %.64s has not been uploaded by %s (PUT /api/v1/blobs/SHA256 first)", "blob_missing" },
		{ "viewer %s may not change the ledger", "read_only" },
		{ "only the office may reopen %s (closed: a rebound, 反弹)", "reopen_office_only" },
		{ "the op id %s is already used; give the op a new id", "op_id_used" },
		{ "%s cannot be closed: its public notice runs until %s", "notice_running" },
		{ "%s cannot be closed: objection %d to its public notice is open", "objection_open" },
		{ "only the office may open a public notice or settle an objection", "notice_office_only" },
		{ "no objection %s to item %s on the server", "objection_unknown" },
		{ "%s has no acceptance level '%s' (its chain is %s)", "level_unknown" },
		{ "only the office sets an item's acceptance levels", "levels_office_only" },
		{ "%s: the next level to sign is %s, not %s (levels are signed in order)", "level_order" },
		{ "%s: level %s is signed by the office, not by %s %s", "level_role" },
		{ "%s: the request for acceptance lacks its evidence: %s", "evidence_missing" },
		{ "%s: verified only by signing the last level of its acceptance chain (%s is next)", "chain_incomplete" },
		{ "only the office may open or close a dispatch round", "dispatch_office_only" },
		{ "another dispatch round is called %s on the server", "dispatch_exists" },
		{ "%s is not in the dispatch round %s on the server", "dispatch_not_member" },
		{ "the dispatch round %s is closed on the server", "dispatch_closed" },
		{ "attachment %s is not an attachment of %s on the server", "dispatch_attachment_unknown" },
	};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(fmt, codes[i].fmt) == 0)
			return codes[i].code;
	return reason;
}

static cJSON *rejected(const struct op *op, const char *reason, const char *fmt, ...)
{
	cJSON *a = answer(op, "rejected");
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(a, "reason", reason);
	cJSON_AddStringToObject(a, "code", refusal_code(reason, fmt));
	cJSON_AddStringToObject(a, "message", message);
	return a;
}

/* The answer for what the core store returned. */
static cJSON *core_answer(struct push *p, const struct op *op, enum duban_err err)
{
	const char *msg = p->o->errmsg(p->tx);

	switch (err) {
	case DUBAN_OK:
		return answer(op, "applied");
	case DUBAN_ERR_PERMISSION:
		return rejected(op, "permission", "%s", msg);
	case DUBAN_ERR_TRANSITION:
	case DUBAN_ERR_REASON:
		return rejected(op, "transition", "%s", msg);
	case DUBAN_ERR_NOT_FOUND:
		return rejected(op, "not_found", "%s", msg);
	case DUBAN_ERR_INVALID:
	case DUBAN_ERR_DUPLICATE:
	case DUBAN_ERR_PARSE:
		return rejected(op, "validation", "%s", msg);
	default:
		db_failed(p, op->id);
		return NULL;
	}
}

/* ---------------------------------------------------------------- op members */

static const char *member_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* base and value: text, null and absent alike meaning "". false when the
 * member is of another type. */
static bool member_text(const cJSON *obj, const char *name, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = "";
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v))
		return false;
	*out = v->valuestring;
	return true;
}

/* from's member as name: its text, or null for anything else. */
static void add_text_or_null(cJSON *obj, const char *name, const cJSON *from, const char *member)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, member);

	if (cJSON_IsString(v))
		cJSON_AddStringToObject(obj, name, v->valuestring);
	else
		cJSON_AddNullToObject(obj, name);
}

/* ---------------------------------------------------------------- close-out */

void srv_signoffs_free(struct duban_signoff_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)refs[i].level);
	free(refs);
}

/* The office's policy key read with its parser: the server's value, else
 * the built-in default (what clients apply when the server sets none). */
static bool policy_text(struct push *p, enum duban_policy_key k, char **text)
{
	if (p->o->policy_get(p->tx, duban_policy_key_name(k), text) != DUBAN_OK) {
		db_failed(p, "reading the policy");
		return false;
	}
	if (!*text)
		*text = xstrdup(duban_policy_default(k));
	return true;
}

/* The chain an item is signed along: its own, else the office's
 * acceptance policy (or the default when that cannot be read). */
static bool item_chain(struct push *p, const struct duban_item *item, struct duban_acceptance_chain *chain)
{
	struct duban_acceptance_chain policy;
	char *text = NULL, err[256];

	if (!policy_text(p, DUBAN_POLICY_ACCEPTANCE, &text))
		return false;
	if (!duban_acceptance_parse(text, &policy, err, sizeof err))
		duban_acceptance_parse(duban_acceptance_default, &policy, err, sizeof err);
	free(text);
	duban_acceptance_of(item->acceptance_levels, &policy, chain);
	return true;
}

/* The index of the item's next level to sign (chain->n: all signed), -1 on
 * a database error. */
static int chain_next(struct push *p, const struct duban_item *item, const struct duban_acceptance_chain *chain)
{
	struct duban_signoff_ref *refs = NULL;
	size_t n = 0;
	int next;

	if (p->o->signoffs(p->tx, item->id, &refs, &n) != DUBAN_OK) {
		db_failed(p, "reading the sign-offs");
		return -1;
	}
	next = duban_acceptance_next(chain, refs, n);
	srv_signoffs_free(refs, n);
	return next;
}

/* A sign-off (an inspection with a level) names a level of the item's
 * chain, the next one to sign, and a signer whose role may sign it.  NULL:
 * go on. */
static cJSON *signoff_refused(struct push *p, const struct op *op, const struct duban_item *item,
			      const struct duban_inspection *r)
{
	struct duban_acceptance_chain chain;
	int at, next;

	if (!r->level || !*r->level || !item_chain(p, item, &chain))
		return NULL;
	if ((at = duban_acceptance_find(&chain, r->level)) < 0) {
		char *levels = duban_acceptance_format(&chain);
		cJSON *a = rejected(op, "validation", "%s has no acceptance level '%s' (its chain is %s)", item->code,
				    r->level, levels);
		free(levels);
		return a;
	}
	if (!duban_acceptance_may_sign(&chain, at, p->u->role))
		return rejected(op, "permission", "%s: level %s is signed by the office, not by %s %s", item->code,
				chain.level[at].id, duban_role_id(p->u->role), p->u->name);
	if ((next = chain_next(p, item, &chain)) < 0)
		return NULL;
	if (at != next)
		return rejected(op, "transition", "%s: the next level to sign is %s, not %s (levels are signed in order)",
				item->code, next < chain.n ? chain.level[next].id : "(none: all are signed)",
				chain.level[at].id);
	return NULL;
}

/* The office overrides missing evidence with a reason the history keeps:
 * DUBAN_EVIDENCE_OVERRIDE and the reason, in the status op's reason. */
static bool evidence_overridden(const struct push *p, const char *reason)
{
	const char *at = reason ? strstr(reason, DUBAN_EVIDENCE_OVERRIDE) : NULL;

	return p->u->role == DUBAN_ROLE_OFFICE && at && at[strlen(DUBAN_EVIDENCE_OVERRIDE)];
}

/* A request needs the evidence of the office's policy; verified needs the
 * last level of the chain signed.  NULL: go on. */
static cJSON *closeout_refused(struct push *p, const struct op *op, const struct duban_item *item, int to,
			       const char *reason)
{
	if (to == DUBAN_STATUS_REQUESTED && !evidence_overridden(p, reason)) {
		struct duban_evidence_policy ev;
		char *text = NULL, err[256];
		unsigned present = 0, missing;
		if (!policy_text(p, DUBAN_POLICY_EVIDENCE, &text))
			return NULL;
		if (!duban_evidence_policy_parse(text, &ev, err, sizeof err))
			duban_evidence_policy_parse(duban_evidence_default, &ev, err, sizeof err);
		free(text);
		if (p->o->evidence(p->tx, item->id, &present) != DUBAN_OK) {
			db_failed(p, "reading the attachments");
			return NULL;
		}
		if (!(missing = duban_evidence_missing(&ev, item, present)))
			return NULL;
		char *kinds = duban_evidence_mask_ids(missing);
		cJSON *a = rejected(op, "validation", "%s: the request for acceptance lacks its evidence: %s", item->code,
				    kinds);
		cJSON_AddStringToObject(a, "missing", kinds);
		free(kinds);
		return a;
	}
	if (to == DUBAN_STATUS_VERIFIED) {
		struct duban_acceptance_chain chain;
		int next;
		if (!item_chain(p, item, &chain) || (next = chain_next(p, item, &chain)) < 0 || next >= chain.n)
			return NULL;
		return rejected(op, "transition", "%s: verified only by signing the last level of its acceptance chain (%s is next)",
				item->code, chain.level[next].id);
	}
	return NULL;
}

/* ---------------------------------------------------------------- items */

/* The item with exactly this id.  DUBAN_ERR_NOT_FOUND when it is not there. */
static enum duban_err load_item(struct push *p, const char *id, struct duban_item *item)
{
	enum duban_err err = p->o->item_load(p->tx, id, item);

	if (err != DUBAN_OK && err != DUBAN_ERR_NOT_FOUND)
		db_failed(p, "loading an item");
	return err;
}

/* The sequence number of the item's deletion, 0 if the server never deleted
 * it (as far as the change log remembers); *seen: whether the user sees the
 * county it was deleted in. */
static long long deleted_at(struct push *p, const char *item_id, bool *seen)
{
	long long seq = 0;
	char *county = NULL;

	*seen = true;
	if (p->o->deleted_at(p->tx, item_id, &seq, &county) != DUBAN_OK) {
		db_failed(p, "reading the change log");
		return 0;
	}
	if (seq)
		*seen = srv_user_sees(p->u, county);
	free(county);
	return seq;
}

/* An item outside the user's counties and one the server never had get the
 * same answer, so that nobody learns what another county holds. */
static cJSON *hidden_item(struct push *p, const struct op *op)
{
	return rejected(op, "permission", "%s %s may not write item %s (not in their counties, or not on the server)",
			duban_role_id(p->u->role), p->u->name, op->item_id);
}

/* An op on an item the server does not hold: a conflict if the server
 * deleted it (never a resurrection), else the item was never here. */
static cJSON *missing_item(struct push *p, const struct op *op)
{
	bool seen;
	long long seq = deleted_at(p, op->item_id, &seen);
	cJSON *a;

	if (p->db_error)
		return NULL;
	if (!seen || (!seq && !srv_user_all_counties(p->u)))
		return hidden_item(p, op);
	if (!seq)
		return rejected(op, "not_found", "no item %s on the server", op->item_id);
	a = answer(op, "conflict");
	cJSON_AddStringToObject(a, "reason", "deleted");
	if (op->kind == OP_SET || op->kind == OP_STATUS) {
		const char *field = op->kind == OP_SET ? member_str(op->json, "field") : "status";
		cJSON_AddStringToObject(a, "field", field ? field : "");
		add_text_or_null(a, "base", op->json, "base");
		add_text_or_null(a, "mine", op->json, "value");
	}
	cJSON_AddNullToObject(a, "theirs");
	cJSON_AddNumberToObject(a, "version", (double)seq);
	cJSON_AddStringToObject(a, "message", "the item was deleted on the server");
	return a;
}

static cJSON *out_of_scope(struct push *p, const struct op *op, const char *county)
{
	return rejected(op, "permission", "%s %s may not write items of %s", duban_role_id(p->u->role), p->u->name,
			county && *county ? county : "(no county)");
}

/* A change implied by a status (progress 100 on verification) holds only
 * while the item is in a status that implies it: after a refused or undone
 * move it is refused too, never applied on its own. */
static cJSON *implied_refused(const struct op *op, const struct duban_item *item)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	const char *by = cJSON_IsObject(body) ? member_str(body, "implied_by") : NULL;

	if (!by)
		return NULL;
	if (strcmp(by, "status") != 0)
		return rejected(op, "validation", "unknown implied_by '%s'", by);
	if (item->status == DUBAN_STATUS_VERIFIED || item->status == DUBAN_STATUS_PUBLICIZED ||
	    item->status == DUBAN_STATUS_CLOSED)
		return NULL;
	return rejected(op, "transition", "%s is %s on the server: the change that followed its status is void",
			item->code, duban_status_id(item->status));
}

static cJSON *op_set(struct push *p, const struct op *op, struct duban_item *item)
{
	const char *name = member_str(op->json, "field"), *base, *value;
	const struct duban_field *f = name ? duban_field_find(name) : NULL;
	struct duban_item copy;
	char *current, why[256];
	bool permission;
	cJSON *a;
	enum duban_err err;

	if (!f || f->type == DUBAN_FT_STATUS || !f->editable)
		return rejected(op, "validation", "'%s' is not a field that item.set may change", name ? name : "");
	if (!member_text(op->json, "base", &base) || !member_text(op->json, "value", &value))
		return rejected(op, "validation", "base and value must be text or null");
	if ((a = implied_refused(op, item)) != NULL)
		return a;
	current = duban_field_format(f, item);
	if (strcmp(current, value) == 0) {
		free(current);
		return answer(op, "applied");
	}
	if (strcmp(current, base) != 0) {
		a = answer(op, "conflict");
		cJSON_AddStringToObject(a, "field", f->name);
		cJSON_AddStringToObject(a, "base", base);
		cJSON_AddStringToObject(a, "mine", value);
		cJSON_AddStringToObject(a, "theirs", current);
		cJSON_AddNumberToObject(a, "version", (double)item->version);
		free(current);
		return a;
	}
	free(current);
	duban_item_copy(&copy, item);
	err = duban_field_parse(f, &copy, value);
	if (err != DUBAN_OK) {
		a = rejected(op, "validation", "%s: cannot read '%s'", f->name, value);
	} else if (strcmp(f->name, "county") == 0 && !srv_user_sees(p->u, copy.county)) {
		a = out_of_scope(p, op, copy.county);
	} else if (!duban_acceptance_levels_check(item->acceptance_levels, copy.acceptance_levels, p->u->role,
						  &permission, why, sizeof why)) {
		a = permission ? rejected(op, "permission", "only the office sets an item's acceptance levels")
			       : rejected(op, "validation", "%s", why);
	} else {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
		const char *reason = cJSON_IsObject(body) ? member_str(body, "reason") : NULL;
		a = core_answer(p, op, p->o->item_update(p->tx, &copy, reason ? reason : ""));
	}
	duban_item_free(&copy);
	return a;
}

static cJSON *close_check(struct push *p, const struct op *op, const struct duban_item *item);

static cJSON *op_status(struct push *p, const struct op *op, const struct duban_item *item)
{
	const char *base, *value, *reason = NULL;
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	int from, to;
	enum duban_err err;

	if (!member_text(op->json, "base", &base) || !member_text(op->json, "value", &value) ||
	    (from = duban_status_parse(base)) < 0 || (to = duban_status_parse(value)) < 0)
		return rejected(op, "validation", "item.status needs base and value statuses");
	if (cJSON_IsObject(body))
		reason = member_str(body, "reason");
	if ((int)item->status == to)
		return answer(op, "applied");
	if ((int)item->status != from)
		return rejected(op, "transition", "%s is %s on the server, not %s", item->code,
				duban_status_id(item->status), duban_status_id((enum duban_status)from));
	/* A rebound (反弹) is the office's call: said in a code of its own. */
	if (from == DUBAN_STATUS_CLOSED && p->u->role != DUBAN_ROLE_OFFICE)
		return rejected(op, "permission", "only the office may reopen %s (closed: a rebound, 反弹)", item->code);
	if (to == DUBAN_STATUS_CLOSED) {
		cJSON *a = close_check(p, op, item);
		if (a || p->db_error)
			return a;
	}
	cJSON *refused = closeout_refused(p, op, item, to, reason);
	if (refused || p->db_error)
		return refused;
	err = p->o->item_status(p->tx, item->id, (enum duban_status)to, reason ? reason : "");
	return core_answer(p, op, err);
}

/* An item.create whose id or code an item outside the user's counties holds
 * (or held, for a deleted id): one answer for both, naming neither. */
static bool hidden_county(void *ctx, const char *county)
{
	struct push *p = ctx;

	return !srv_user_sees(p->u, county);
}

static cJSON *taken_elsewhere(struct push *p, const struct op *op, const struct duban_item *item)
{
	int hidden;

	if (srv_user_all_counties(p->u))
		return NULL;
	hidden = p->o->holders(p->tx, item->id, item->code, hidden_county, p);
	if (hidden < 0)
		db_failed(p, "reading the items");
	if (hidden <= 0)
		return NULL;
	return rejected(op, "validation", "the id or the code of this item is already in use");
}

static cJSON *op_create(struct push *p, const struct op *op)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	struct duban_item item, old;
	char why[256];
	cJSON *a = NULL;
	bool seen;

	duban_item_init(&item);
	duban_item_init(&old);
	if (!cJSON_IsObject(body)) {
		a = rejected(op, "validation", "item.create needs the item as its body");
		goto out;
	}
	if (duban_item_from_json(body, &item, why, sizeof why) != DUBAN_OK) {
		a = rejected(op, "validation", "%s", why);
		goto out;
	}
	if (!item.id[0])
		snprintf(item.id, sizeof item.id, "%s", op->item_id);
	if (strcmp(item.id, op->item_id) != 0) {
		a = rejected(op, "validation", "the body's id %s is not the op's item_id", item.id);
		goto out;
	}
	/* The county first: whether an id or code exists elsewhere must not
	 * show through the order of the checks. */
	if (!srv_user_sees(p->u, item.county)) {
		a = out_of_scope(p, op, item.county);
		goto out;
	}
	if ((a = taken_elsewhere(p, op, &item)) || p->db_error)
		goto out;
	if (load_item(p, item.id, &old) == DUBAN_OK) {
		a = rejected(op, "validation", "the item %s already exists", item.id);
		goto out;
	}
	if (p->db_error)
		goto out;
	if (deleted_at(p, item.id, &seen) || p->db_error) {
		a = p->db_error ? NULL : missing_item(p, op);
		goto out;
	}
	if (p->u->role != DUBAN_ROLE_OFFICE && item.status != DUBAN_STATUS_NOT_STARTED &&
	    item.status != DUBAN_STATUS_IN_PROGRESS) {
		a = rejected(op, "permission", "the %s role may not create an item with status %s",
			     duban_role_id(p->u->role), duban_status_id(item.status));
		goto out;
	}
	{
		bool permission;
		if (!duban_acceptance_levels_check("", item.acceptance_levels, p->u->role, &permission, why, sizeof why)) {
			a = permission ? rejected(op, "permission", "only the office sets an item's acceptance levels")
			       : rejected(op, "validation", "%s", why);
			goto out;
		}
	}
	/* The server numbers versions: a client's number means nothing here. */
	item.version = 0;
	a = core_answer(p, op, p->o->item_insert(p->tx, &item));
out:
	duban_item_free(&item);
	duban_item_free(&old);
	return a;
}

static cJSON *op_delete(struct push *p, const struct op *op)
{
	struct duban_item item;
	enum duban_err err;
	cJSON *a;

	if (p->u->role != DUBAN_ROLE_OFFICE)
		return rejected(op, "permission", "only the office may delete items");
	duban_item_init(&item);
	err = load_item(p, op->item_id, &item);
	if (p->db_error)
		a = NULL;
	else if (err == DUBAN_ERR_NOT_FOUND)
		a = answer(op, "applied"); /* already gone: converge */
	else
		a = core_answer(p, op, p->o->item_delete(p->tx, item.id));
	duban_item_free(&item);
	return a;
}

/* ---------------------------------------------------------------- records */

typedef union srv_record record_t;

/* The record kind of a record op. */
static enum srv_record_kind record_kind(enum op_kind kind)
{
	switch (kind) {
	case OP_NOTE:
		return SRV_NOTE;
	case OP_INSPECTION:
		return SRV_INSPECTION;
	case OP_ACTION:
		return SRV_ACTION;
	case OP_NOTICE:
		return SRV_NOTICE;
	case OP_LINK:
		return SRV_LINK;
	case OP_DISPATCH:
		return SRV_DISPATCH;
	default:
		return SRV_ATTACHMENT;
	}
}

static enum duban_err record_read(enum op_kind kind, const cJSON *body, record_t *r, char *why, size_t len)
{
	switch (kind) {
	case OP_NOTE:
		return duban_note_from_json(body, &r->note, why, len);
	case OP_INSPECTION:
		return duban_inspection_from_json(body, &r->inspection, why, len);
	case OP_ACTION:
		return duban_action_from_json(body, &r->action, why, len);
	case OP_NOTICE:
		return duban_notice_from_json(body, &r->notice, why, len);
	case OP_LINK:
		return duban_link_from_json(body, &r->link, why, len);
	case OP_DISPATCH:
		return duban_dispatch_rec_from_json(body, &r->dispatch, why, len);
	default:
		return duban_attachment_from_json(body, &r->attachment, why, len);
	}
}

static void record_free(enum op_kind kind, record_t *r)
{
	switch (kind) {
	case OP_NOTE:
		duban_note_free(&r->note);
		break;
	case OP_INSPECTION:
		duban_inspection_free(&r->inspection);
		break;
	case OP_ACTION:
		duban_action_free(&r->action);
		break;
	case OP_NOTICE:
		duban_notice_free(&r->notice);
		break;
	case OP_LINK:
		duban_link_free(&r->link);
		break;
	case OP_DISPATCH:
		duban_dispatch_rec_free(&r->dispatch);
		break;
	default:
		duban_attachment_free(&r->attachment);
	}
}

static const char *record_id(enum op_kind kind, const record_t *r)
{
	switch (kind) {
	case OP_NOTE:
		return r->note.id;
	case OP_INSPECTION:
		return r->inspection.id;
	case OP_ACTION:
		return r->action.id;
	case OP_NOTICE:
		return r->notice.id;
	case OP_LINK:
		return r->link.id;
	case OP_DISPATCH:
		return r->dispatch.id;
	default:
		return r->attachment.id;
	}
}

static const char *record_item_id(enum op_kind kind, const record_t *r)
{
	switch (kind) {
	case OP_NOTE:
		return r->note.item_id;
	case OP_INSPECTION:
		return r->inspection.item_id;
	case OP_ACTION:
		return r->action.item_id;
	case OP_NOTICE:
		return r->notice.item_id;
	case OP_LINK:
		return r->link.item_id;
	case OP_DISPATCH:
		return r->dispatch.item_id;
	default:
		return r->attachment.item_id;
	}
}

static char *record_created(enum op_kind kind, record_t *r)
{
	switch (kind) {
	case OP_NOTE:
		return r->note.created_at;
	case OP_INSPECTION:
		return r->inspection.created_at;
	case OP_ACTION:
		return r->action.created_at;
	case OP_NOTICE:
		return r->notice.created_at;
	case OP_LINK:
		return r->link.created_at;
	case OP_DISPATCH:
		return r->dispatch.created_at;
	default:
		return r->attachment.created_at;
	}
}

/* A record's time is when its author made it, as their clock said, but not
 * later than now: a clock ahead of the server's is brought back. */
static void clamp_created(char created_at[25])
{
	char now[25];

	duban_timestamp_now(now);
	if (!created_at[0] || strcmp(created_at, now) > 0)
		snprintf(created_at, 25, "%s", now);
}

static char **record_author(enum op_kind kind, record_t *r)
{
	switch (kind) {
	case OP_NOTE:
		return &r->note.author;
	case OP_INSPECTION:
		return &r->inspection.author;
	case OP_ACTION:
		return &r->action.author;
	case OP_NOTICE:
		return &r->notice.author;
	case OP_LINK:
		return &r->link.author;
	case OP_DISPATCH:
		return &r->dispatch.author;
	default:
		return &r->attachment.author;
	}
}

/* The author of a record is the user who pushed it, whatever the body says:
 * a different name is refused (never stored), none is filled in. */
static cJSON *stamp_author(struct push *p, const struct op *op, char **author)
{
	if (*author && **author && strcmp(*author, p->u->name) != 0)
		return rejected(op, "validation", "the author of a record is the user who sends it (%s), not '%s'",
				p->u->name, *author);
	duban_set_str(author, p->u->name);
	return NULL;
}

static bool record_exists(struct push *p, enum op_kind kind, const char *id)
{
	bool exists = false;

	if (p->o->record_exists(p->tx, record_kind(kind), id, &exists) != DUBAN_OK)
		db_failed(p, "reading the records");
	return exists;
}

/* An attachment may only name bytes this user could fetch: ones they sent,
 * or ones already attached to an item they see.  Otherwise knowing a hash
 * would be enough to read another county's file.  Bytes nobody sent yet are
 * refused the same way (the client sends them before the op).  NULL: go on. */
static cJSON *attachment_blob_check(struct push *p, const struct op *op, const struct duban_attachment *att)
{
	int may = p->o->blob_may_use(p->tx, p->u, att->sha256);

	if (may < 0)
		db_failed(p, "reading the blobs");
	if (may != 0)
		return NULL;
	return rejected(op, "validation", "blob %.64s has not been uploaded by %s (PUT /api/v1/blobs/SHA256 first)",
			att->sha256, p->u->name);
}

/* The item's notice records (NULL with p->db_error on failure). */
static struct duban_notice *load_notices(struct push *p, const char *item_id, size_t *n)
{
	struct duban_notice *r = NULL;

	*n = 0;
	if (p->o->notices(p->tx, item_id, &r, n) != DUBAN_OK) {
		db_failed(p, "reading the notice");
		return NULL;
	}
	return r;
}

/* Anyone who may write the item raises an objection; the office alone
 * opens a notice and settles an objection, which must be one of this
 * item's.  NULL: go on. */
static cJSON *notice_check(struct push *p, const struct op *op, const struct duban_notice *r)
{
	struct duban_notice *all;
	size_t n;
	bool found = false;

	if (r->kind == DUBAN_NOTICE_OBJECTION)
		return NULL;
	if (p->u->role != DUBAN_ROLE_OFFICE)
		return rejected(op, "permission", "only the office may open a public notice or settle an objection");
	if (r->kind != DUBAN_NOTICE_RESOLUTION)
		return NULL;
	all = load_notices(p, op->item_id, &n);
	for (size_t i = 0; i < n; i++)
		found |= all[i].kind == DUBAN_NOTICE_OBJECTION && strcmp(all[i].id, r->objection_id) == 0;
	duban_notices_free(all, n);
	if (found || p->db_error)
		return NULL;
	return rejected(op, "validation", "no objection %s to item %s on the server", r->objection_id, op->item_id);
}

/* The item's 调度 records (NULL with p->db_error on failure). */
static struct duban_dispatch_rec *load_dispatches(struct push *p, const char *item_id, size_t *n)
{
	struct duban_dispatch_rec *r = NULL;

	*n = 0;
	if (p->o->dispatches(p->tx, item_id, &r, n) != DUBAN_OK) {
		db_failed(p, "reading the dispatch records");
		return NULL;
	}
	return r;
}

/* 调度: the office alone opens and closes a round, whose name no other
 * round holds; a submission or a close names a round the item is a member
 * of, and a submission an open one.  Checked on the records the server
 * holds, whatever the client saw offline.  NULL: go on. */
static cJSON *dispatch_check(struct push *p, const struct op *op, const struct duban_item *item,
			     const struct duban_dispatch_rec *r)
{
	struct duban_dispatch_rec *all;
	bool member = false, closed = false, found = false;
	char round_id[37];
	size_t n;

	if (r->kind != DUBAN_DISPATCH_REPORT && p->u->role != DUBAN_ROLE_OFFICE)
		return rejected(op, "permission", "only the office may open or close a dispatch round");
	if (r->kind == DUBAN_DISPATCH_OPEN) {
		if (p->o->dispatch_round(p->tx, r->name, round_id, &found) != DUBAN_OK) {
			db_failed(p, "reading the dispatch rounds");
			return NULL;
		}
		if (found && strcmp(round_id, r->round_id) != 0)
			return rejected(op, "validation", "another dispatch round is called %s on the server", r->name);
		return NULL;
	}
	all = load_dispatches(p, item->id, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].round_id, r->round_id) != 0 || strcmp(all[i].name, r->name) != 0)
			continue;
		member |= all[i].kind == DUBAN_DISPATCH_OPEN;
		closed |= all[i].kind == DUBAN_DISPATCH_CLOSE;
	}
	duban_dispatch_recs_free(all, n);
	if (p->db_error)
		return NULL;
	if (!member)
		return rejected(op, "validation", "%s is not in the dispatch round %s on the server", item->code, r->name);
	if (closed)
		return rejected(op, "transition", "the dispatch round %s is closed on the server", r->name);
	return NULL;
}

/* A submission's attachment_id names an attachment of the same item that
 * the server holds: else the record would point at another item's file
 * (perhaps another county's) or at nothing.  The client pushes the
 * attachment.add before the dispatch.add, so a legit one is held by now.
 * Unknown and foreign ids get one answer: the refusal does not tell
 * whether an id exists elsewhere.  NULL: go on. */
static cJSON *dispatch_attachment_check(struct push *p, const struct op *op, const struct duban_item *item,
					const struct duban_dispatch_rec *r)
{
	char owner[37];
	bool found = false;

	if (!r->attachment_id[0])
		return NULL;
	if (p->o->attachment_item(p->tx, r->attachment_id, owner, &found) != DUBAN_OK) {
		db_failed(p, "reading the attachments");
		return NULL;
	}
	if (found && strcmp(owner, item->id) == 0)
		return NULL;
	return rejected(op, "validation", "attachment %s is not an attachment of %s on the server", r->attachment_id,
			item->code);
}

/* 销号 waits for the end of the item's public notice and for every
 * objection to be settled: the client's rule, re-checked on the records the
 * server holds (also those other replicas sent).  NULL: go on. */
static cJSON *close_check(struct push *p, const struct op *op, const struct duban_item *item)
{
	size_t n;
	struct duban_notice *all = load_notices(p, item->id, &n);
	duban_date end;
	int number;
	char d[11];
	cJSON *a = NULL;

	if (p->db_error)
		return NULL;
	switch (duban_close_check(all, n, duban_today(), &end, &number)) {
	case DUBAN_CLOSE_NOTICE_RUNNING:
		a = rejected(op, "transition", "%s cannot be closed: its public notice runs until %s", item->code,
			     duban_date_format(end, d));
		break;
	case DUBAN_CLOSE_OBJECTION_OPEN:
		a = rejected(op, "transition", "%s cannot be closed: objection %d to its public notice is open",
			     item->code, number);
		break;
	default:
		break;
	}
	duban_notices_free(all, n);
	return a;
}

static cJSON *op_record(struct push *p, const struct op *op)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(op->json, "body");
	record_t r;
	struct duban_item item;
	char why[256];
	cJSON *a = NULL;
	enum duban_err err;

	memset(&r, 0, sizeof r);
	duban_item_init(&item);
	if (!cJSON_IsObject(body)) {
		a = rejected(op, "validation", "%s needs the record as its body", kind_names[op->kind]);
		goto out;
	}
	if (record_read(op->kind, body, &r, why, sizeof why) != DUBAN_OK) {
		a = rejected(op, "validation", "%s", why);
		goto out;
	}
	if (strcmp(record_item_id(op->kind, &r), op->item_id) != 0) {
		a = rejected(op, "validation", "the record's item_id is not the op's item_id");
		goto out;
	}
	if ((a = stamp_author(p, op, record_author(op->kind, &r))) != NULL)
		goto out;
	clamp_created(record_created(op->kind, &r));
	err = load_item(p, op->item_id, &item);
	if (p->db_error)
		goto out;
	if (err != DUBAN_OK) {
		a = missing_item(p, op);
		goto out;
	}
	if (!srv_user_sees(p->u, item.county)) {
		a = hidden_item(p, op);
		goto out;
	}
	if (record_exists(p, op->kind, record_id(op->kind, &r))) {
		a = answer(op, "applied"); /* held already: idempotent by id */
		goto out;
	}
	if (op->kind == OP_ATTACHMENT && ((a = attachment_blob_check(p, op, &r.attachment)) || p->db_error))
		goto out;
	if (op->kind == OP_NOTICE && ((a = notice_check(p, op, &r.notice)) || p->db_error))
		goto out;
	if (op->kind == OP_INSPECTION && ((a = signoff_refused(p, op, &item, &r.inspection)) || p->db_error))
		goto out;
	if (op->kind == OP_DISPATCH && ((a = dispatch_check(p, op, &item, &r.dispatch)) || p->db_error))
		goto out;
	if (op->kind == OP_DISPATCH && ((a = dispatch_attachment_check(p, op, &item, &r.dispatch)) || p->db_error))
		goto out;
	if (!p->db_error)
		a = core_answer(p, op, p->o->record_add(p->tx, record_kind(op->kind), &r));
out:
	record_free(op->kind, &r);
	duban_item_free(&item);
	return a;
}

/* ---------------------------------------------------------------- one op */

static cJSON *dispatch(struct push *p, const struct op *op)
{
	struct duban_item item;
	enum duban_err err;
	cJSON *a;

	if (p->u->role == DUBAN_ROLE_VIEWER)
		return rejected(op, "permission", "viewer %s may not change the ledger", p->u->name);
	switch (op->kind) {
	case OP_CREATE:
		return op_create(p, op);
	case OP_DELETE:
		return op_delete(p, op);
	case OP_SET:
	case OP_STATUS:
		break;
	default:
		return op_record(p, op);
	}
	duban_item_init(&item);
	err = load_item(p, op->item_id, &item);
	if (p->db_error)
		a = NULL;
	else if (err != DUBAN_OK)
		a = missing_item(p, op);
	else if (!srv_user_sees(p->u, item.county))
		a = hidden_item(p, op);
	else if (op->kind == OP_SET)
		a = op_set(p, op, &item);
	else
		a = op_status(p, op, &item);
	duban_item_free(&item);
	return a;
}

/* Follows the device's op numbers: a skip or a step back is worth a warning
 * (and a log line), never a refusal. */
static const char *track_client_seq(struct push *p, const struct op *op)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op->json, "client_seq");
	const char *warning = NULL;
	long long seq, last = 0;
	bool had = false;

	if (!cJSON_IsNumber(v))
		return NULL;
	seq = (long long)v->valuedouble;
	if (p->o->seq_track(p->tx, seq, &last, &had) != DUBAN_OK) {
		db_failed(p, "numbering the device's ops");
		return NULL;
	}
	if (!had)
		return NULL;
	if (seq > last + 1)
		warning = "gap";
	else if (seq <= last)
		warning = "replay";
	if (warning)
		srv_log("push: %s/%s op %s has client_seq %lld after %lld (%s)", p->u->name, p->device, op->id, seq,
			last, warning);
	return warning;
}

/* The first answer to an op id seen before, as a duplicate.  Only to the
 * user who sent it: the answer may carry values (theirs) of their counties. */
static cJSON *duplicate(struct push *p, const struct op *op)
{
	char *text = NULL, user[64] = "";
	cJSON *first, *result;

	if (p->o->op_answer(p->tx, op->id, &text, user) != DUBAN_OK) {
		db_failed(p, "reading an answer");
		return NULL;
	}
	if (strcmp(user, p->u->name) != 0) {
		free(text);
		return rejected(op, "validation", "the op id %s is already used; give the op a new id", op->id);
	}
	first = text ? cJSON_Parse(text) : NULL;
	free(text);
	result = cJSON_GetObjectItemCaseSensitive(first, "result");
	if (!cJSON_IsString(result)) {
		srv_log("push: no stored answer for op %s", op->id);
		cJSON_Delete(first);
		p->db_error = true;
		return NULL;
	}
	cJSON_AddItemToObject(first, "first", cJSON_CreateString(result->valuestring));
	cJSON_ReplaceItemInObjectCaseSensitive(first, "result", cJSON_CreateString("duplicate"));
	return first;
}

static bool save_answer(struct push *p, const struct op *op, const cJSON *a)
{
	char *json = cJSON_PrintUnformatted(a);
	enum duban_err err = p->o->op_save(p->tx, op->id, json);

	free(json);
	if (err != DUBAN_OK)
		db_failed(p, "saving an answer");
	return err == DUBAN_OK;
}

/* When the person made the change: the op's created_at, kept for display
 * (never for order).  A clock ahead of the server's is brought back to the
 * time the server received it; a missing or malformed one is that time. */
static const char *recorded_at(const struct op *op, const char *now)
{
	const char *t = member_str(op->json, "created_at");

	if (!t || !duban_timestamp_valid(t) || strcmp(t, now) > 0)
		return now;
	return t;
}

/* The op id goes in first: the primary key, not a look-up, decides whether
 * this op was seen.  Its row and the device's numbering stay even when the
 * op's effects are rolled back, so a rejection is answered the same way
 * forever. */
static cJSON *run_op(struct push *p, const struct op *op)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(op->json, "client_seq");
	long long client_seq = cJSON_IsNumber(cs) ? (long long)cs->valuedouble : 0;
	const char *warning;
	const char *result;
	char now[25];
	cJSON *a;
	int fresh;

	fresh = p->o->op_claim(p->tx, op->id, kind_names[op->kind], cJSON_IsNumber(cs) ? &client_seq : NULL,
			       duban_timestamp_now(now));
	if (fresh < 0) {
		db_failed(p, "recording an op");
		return NULL;
	}
	if (fresh == 0)
		return duplicate(p, op);

	warning = track_client_seq(p, op);
	if (p->db_error)
		return NULL;
	if (p->o->op_begin(p->tx) != DUBAN_OK) {
		db_failed(p, "beginning an op");
		return NULL;
	}
	p->o->set_op(p->tx, op->id, recorded_at(op, now));
	a = dispatch(p, op);
	p->o->set_op(p->tx, NULL, NULL);
	if (!a || p->db_error) {
		cJSON_Delete(a);
		p->db_error = true;
		return NULL;
	}
	result = cJSON_GetObjectItemCaseSensitive(a, "result")->valuestring;
	if ((strcmp(result, "applied") != 0 && p->o->op_undo(p->tx) != DUBAN_OK) || p->o->op_end(p->tx) != DUBAN_OK) {
		db_failed(p, "ending an op");
		cJSON_Delete(a);
		return NULL;
	}
	if (strcmp(result, "applied") == 0)
		cJSON_AddNumberToObject(a, "version", (double)p->o->op_version(p->tx));
	if (!save_answer(p, op, a)) {
		cJSON_Delete(a);
		return NULL;
	}
	if (warning)
		cJSON_AddStringToObject(a, "warning", warning);
	return a;
}

/* ---------------------------------------------------------------- the batch */

static int fail(cJSON **response, int status, const char *code, const char *message)
{
	*response = srv_error(code, "%s", message);
	return status;
}

/* Shape only; what an op means is checked when it runs. */
static int check_op(const cJSON *json, int i, struct op *op, cJSON **response)
{
	const char *kind;
	char msg[160];

	memset(op, 0, sizeof *op);
	op->json = json;
	if (!cJSON_IsObject(json)) {
		snprintf(msg, sizeof msg, "op %d is not an object", i);
		return fail(response, 400, "bad_json", msg);
	}
	op->id = member_str(json, "id");
	kind = member_str(json, "kind");
	op->item_id = member_str(json, "item_id");
	if (!duban_uuid_valid(op->id)) {
		snprintf(msg, sizeof msg, "op %d: id is not a UUID", i);
		return fail(response, 400, "bad_request", msg);
	}
	for (op->kind = 0; op->kind < OP_KIND_COUNT; op->kind++) {
		if (kind && strcmp(kind, kind_names[op->kind]) == 0)
			break;
	}
	if (op->kind == OP_KIND_COUNT) {
		snprintf(msg, sizeof msg, "op %d: unknown kind", i);
		return fail(response, 400, "bad_request", msg);
	}
	if (!duban_uuid_valid(op->item_id)) {
		snprintf(msg, sizeof msg, "op %d: item_id is not a UUID", i);
		return fail(response, 400, "bad_request", msg);
	}
	if (cJSON_GetObjectItemCaseSensitive(json, "client_seq") &&
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(json, "client_seq"))) {
		snprintf(msg, sizeof msg, "op %d: client_seq is not a number", i);
		return fail(response, 400, "bad_request", msg);
	}
	return 0;
}

static int id_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The items the batch names, sorted and without repeats: the order in which
 * the backend locks them, the same in every transaction. */
static const char **batch_items(const struct op *list, int n, int *nids)
{
	const char **ids = xcalloc((size_t)n + 1, sizeof *ids);
	int k = 0;

	for (int i = 0; i < n; i++)
		ids[i] = list[i].item_id;
	qsort(ids, (size_t)n, sizeof *ids, id_order);
	for (int i = 0; i < n; i++) {
		if (k == 0 || strcmp(ids[k - 1], ids[i]) != 0)
			ids[k++] = ids[i];
	}
	*nids = k;
	return ids;
}

/* One attempt at the whole batch: the results, or NULL with p->db_error. */
static cJSON *run_batch(struct push *p, const struct op *list, int n, const char **ids, int nids,
			long long *server_seq)
{
	cJSON *results = cJSON_CreateArray();
	long long base;

	p->db_error = false;
	p->tx = p->o->begin(p->s, p->u, p->device, ids, nids);
	if (!p->tx) {
		p->db_error = true;
		cJSON_Delete(results);
		return NULL;
	}
	for (int i = 0; i < n && !p->db_error; i++) {
		cJSON *a = run_op(p, &list[i]);
		if (a)
			cJSON_AddItemToArray(results, a);
	}
	if (!p->db_error && (base = p->o->commit(p->tx)) < 0)
		db_failed(p, "committing");
	if (!p->db_error) {
		/* Positions numbered at commit: the versions become final. */
		cJSON *a;
		cJSON_ArrayForEach(a, results)
		{
			cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "version");
			const char *r = cJSON_GetObjectItemCaseSensitive(a, "result")->valuestring;
			if (base > 0 && cJSON_IsNumber(v) && strcmp(r, "applied") == 0)
				cJSON_SetNumberValue(v, v->valuedouble + (double)base);
		}
		/* On the transaction's own connection: the pool may be empty. */
		*server_seq = p->o->op_version(p->tx);
		return results;
	}
	cJSON_Delete(results);
	return NULL;
}

int srv_push(struct srv_store *s, const struct srv_user *u, const cJSON *request, int max_ops, cJSON **response)
{
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(request, "ops");
	const char *device = member_str(request, "device");
	struct push p = { .s = s, .o = s->ops->push, .u = u };
	struct op *list;
	const char **ids;
	cJSON *results = NULL;
	long long server_seq = 0;
	int n, nids, status;

	*response = NULL;
	if (!cJSON_IsObject(request) || !cJSON_IsArray(ops))
		return fail(response, 400, "bad_json", "a push is an object with an array of ops");
	n = cJSON_GetArraySize(ops);
	if (max_ops > 0 && n > max_ops) {
		*response = srv_error("too_many_ops", "%d ops in one push, at most %d", n, max_ops);
		return 413;
	}
	list = xcalloc((size_t)n + 1, sizeof *list);
	for (int i = 0; i < n; i++) {
		if ((status = check_op(cJSON_GetArrayItem(ops, i), i, &list[i], response)) != 0) {
			free(list);
			return status;
		}
	}
	/* The token names the device; the body's name serves requests without one. */
	p.device = u->device[0] ? u->device : device && *device ? device : "unknown";
	ids = batch_items(list, n, &nids);
	for (int tries = 1;; tries++) {
		bool again;
		results = run_batch(&p, list, n, ids, nids, &server_seq);
		/* A transaction that could not begin is tried again too. */
		again = !results && (!p.tx || p.o->retryable(p.tx)) && tries < PUSH_TRIES;
		if (p.tx)
			p.o->end(p.tx);
		p.tx = NULL;
		if (!again)
			break;
	}
	if (!results) {
		status = fail(response, 500, "internal", "the push could not be saved; nothing was applied");
	} else {
		*response = cJSON_CreateObject();
		cJSON_AddNumberToObject(*response, "server_seq", (double)server_seq);
		cJSON_AddItemToObject(*response, "results", results);
		status = 200;
	}
	free(ids);
	free(list);
	return status;
}
