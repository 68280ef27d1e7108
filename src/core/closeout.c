/* Close-out rules: the acceptance chain and the evidence a request needs,
 * read from the office's policy text and applied to an item's records. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/closeout.h"
#include "duban/util.h"

const char duban_acceptance_default[] = "county:县级初验 city:市级验收";
const char duban_evidence_default[] = "problem:none complaint:none";

/* 安徽: 分级验收、备案销号 with these five criteria. */
const char *const duban_acceptance_criteria_zh[DUBAN_CRITERIA_COUNT] = {
	"整改措施全部落实到位",
	"违法行为依法查处到位",
	"整改成效达到技术规范要求",
	"举一反三、同类问题排查整治到位",
	"建立长效管理机制",
};

/* Splits s at ASCII and ideographic spaces: calls fn on each word (NUL
 * terminated in a copy); stops at the first false. */
static bool each_word(const char *s, bool (*fn)(char *word, void *ctx), void *ctx)
{
	char *copy = xstrdup(s ? s : "");
	char *p = copy;
	bool ok = true;

	while (ok && *p) {
		while (*p == ' ' || *p == '\t' || strncmp(p, "　", 3) == 0)
			p += *p == ' ' || *p == '\t' ? 1 : 3;
		if (!*p)
			break;
		char *w = p;
		while (*p && *p != ' ' && *p != '\t' && strncmp(p, "　", 3) != 0)
			p++;
		char *next = p;
		if (*p == ' ' || *p == '\t')
			*p = '\0', next = p + 1;
		else if (*p)
			*p = '\0', next = p + 3;
		ok = fn(w, ctx);
		p = next;
	}
	free(copy);
	return ok;
}

/* ---------------------------------------------------------------- chain */

struct chain_ctx {
	struct duban_acceptance_chain *c;
	char *err;
	size_t errlen;
};

static bool chain_word(char *w, void *data)
{
	struct chain_ctx *cc = data;
	struct duban_acceptance_chain *c = cc->c;
	char *colon = strchr(w, ':');
	if (!colon)
		colon = strstr(w, "：");
	if (!colon || colon == w) {
		snprintf(cc->err, cc->errlen, _("acceptance: \"%s\" is not LEVEL:NAME (e.g. county:县级初验)"), w);
		return false;
	}
	char *name = colon + (*colon == ':' ? 1 : 3);
	*colon = '\0';
	char *at = strrchr(name, '@');
	int role = strcmp(w, "county") == 0 ? DUBAN_ROLE_INSPECTOR : DUBAN_ROLE_OFFICE;
	if (at) {
		*at = '\0';
		role = duban_role_parse(at + 1);
		if (role != DUBAN_ROLE_INSPECTOR && role != DUBAN_ROLE_OFFICE) {
			snprintf(cc->err, cc->errlen, _("acceptance: level %s: the signer is inspector or office, not \"%s\""),
				 w, at + 1);
			return false;
		}
	}
	if (!*name)
		name = w;
	if (c->n == DUBAN_MAX_LEVELS) {
		snprintf(cc->err, cc->errlen, _("acceptance: at most %d levels"), DUBAN_MAX_LEVELS);
		return false;
	}
	if (strlen(w) >= sizeof c->level[0].id || strlen(name) >= sizeof c->level[0].name) {
		snprintf(cc->err, cc->errlen, _("acceptance: level %s: the id or the name is too long"), w);
		return false;
	}
	if (duban_acceptance_find(c, w) >= 0 || duban_acceptance_find(c, name) >= 0) {
		snprintf(cc->err, cc->errlen, _("acceptance: level %s is named twice"), w);
		return false;
	}
	struct duban_acceptance_level *l = &c->level[c->n++];
	snprintf(l->id, sizeof l->id, "%s", w);
	snprintf(l->name, sizeof l->name, "%s", name);
	l->signer = (enum duban_role)role;
	return true;
}

bool duban_acceptance_parse(const char *spec, struct duban_acceptance_chain *out, char *err, size_t errlen)
{
	struct duban_acceptance_chain c = { 0 };
	struct chain_ctx cc = { &c, err, errlen };
	if (!each_word(spec, chain_word, &cc))
		return false;
	if (c.n == 0) {
		snprintf(err, errlen, _("acceptance: no level (e.g. \"%s\")"), duban_acceptance_default);
		return false;
	}
	*out = c;
	return true;
}

char *duban_acceptance_format(const struct duban_acceptance_chain *c)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < c->n; i++)
		duban_buf_printf(&b, "%s%s:%s@%s", i ? " " : "", c->level[i].id, c->level[i].name,
				 duban_role_id(c->level[i].signer));
	return duban_buf_steal(&b);
}

int duban_acceptance_find(const struct duban_acceptance_chain *c, const char *id_or_name)
{
	for (int i = 0; id_or_name && i < c->n; i++)
		if (strcmp(c->level[i].id, id_or_name) == 0 || strcmp(c->level[i].name, id_or_name) == 0)
			return i;
	return -1;
}

void duban_acceptance_of(const char *item_levels, const struct duban_acceptance_chain *policy,
			 struct duban_acceptance_chain *out)
{
	char err[256];
	/* A chain that does not read (set by an older client, or by hand)
	 * leaves the policy's: never an item nobody can sign. */
	if (!item_levels || !*item_levels || !duban_acceptance_parse(item_levels, out, err, sizeof err))
		*out = *policy;
}

bool duban_acceptance_levels_check(const char *old, const char *levels, enum duban_role role, bool *permission,
				   char *msg, size_t msglen)
{
	struct duban_acceptance_chain c;
	char err[256];

	*permission = false;
	if (strcmp(old ? old : "", levels ? levels : "") == 0)
		return true;
	if (role != DUBAN_ROLE_OFFICE) {
		*permission = true;
		snprintf(msg, msglen, _("only the office sets an item's acceptance levels"));
		return false;
	}
	if (levels && *levels && !duban_acceptance_parse(levels, &c, err, sizeof err)) {
		snprintf(msg, msglen, "%s", err);
		return false;
	}
	return true;
}

bool duban_acceptance_may_sign(const struct duban_acceptance_chain *c, int i, enum duban_role role)
{
	if (i < 0 || i >= c->n)
		return false;
	if (role == DUBAN_ROLE_OFFICE)
		return true;
	return role == DUBAN_ROLE_INSPECTOR && c->level[i].signer == DUBAN_ROLE_INSPECTOR;
}

int duban_acceptance_next(const struct duban_acceptance_chain *c, const struct duban_signoff_ref *done, size_t n)
{
	int next = 0;
	for (size_t i = 0; i < n; i++) {
		int at = duban_acceptance_find(c, done[i].level);
		if (at < 0)
			continue; /* a level the policy no longer has */
		if (!done[i].passed)
			next = 0;
		else if (at == next)
			next = at + 1;
		/* a pass out of order (an old policy) moves nothing */
	}
	return next;
}

/* ---------------------------------------------------------------- evidence */

struct evidence_ctx {
	struct duban_evidence_policy *p;
	char *err;
	size_t errlen;
};

static bool evidence_word(char *w, void *data)
{
	struct evidence_ctx *ec = data;
	char *colon = strchr(w, ':');
	if (!colon)
		colon = strstr(w, "：");
	if (!colon) {
		snprintf(ec->err, ec->errlen, _("evidence: \"%s\" is not KIND:EVIDENCE,... (e.g. complaint:after,feedback)"), w);
		return false;
	}
	char *list = colon + (*colon == ':' ? 1 : 3);
	*colon = '\0';
	int kind = duban_kind_parse(w);
	if (kind < 0) {
		snprintf(ec->err, ec->errlen, _("evidence: unknown item kind \"%s\" (problem or complaint)"), w);
		return false;
	}
	unsigned mask = 0;
	char *save = NULL;
	for (char *e = strtok_r(list, ",，、", &save); e; e = strtok_r(NULL, ",，、", &save)) {
		if (strcmp(e, "none") == 0)
			continue;
		int k = duban_evidence_parse(e);
		if (k < 0) {
			snprintf(ec->err, ec->errlen,
				 _("evidence: unknown kind of evidence \"%s\" (before, after, penalty, acceptance, notice, "
				   "feedback or other)"), e);
			return false;
		}
		mask |= 1u << k;
	}
	ec->p->required[kind] = mask;
	return true;
}

bool duban_evidence_policy_parse(const char *spec, struct duban_evidence_policy *out, char *err, size_t errlen)
{
	struct duban_evidence_policy p = { { 0 } };
	struct evidence_ctx ec = { &p, err, errlen };
	/* strtok_r works on the word each_word hands out, a copy. */
	if (!each_word(spec, evidence_word, &ec))
		return false;
	*out = p;
	return true;
}

static void mask_ids(struct duban_buf *b, unsigned mask)
{
	bool first = true;
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++) {
		if (!(mask & (1u << k)))
			continue;
		duban_buf_printf(b, "%s%s", first ? "" : ",", duban_evidence_id((enum duban_evidence_kind)k));
		first = false;
	}
	if (first)
		duban_buf_puts(b, "none");
}

char *duban_evidence_policy_format(const struct duban_evidence_policy *p)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int k = 0; k < DUBAN_KIND_COUNT; k++) {
		duban_buf_printf(&b, "%s%s:", k ? " " : "", duban_kind_id((enum duban_kind)k));
		mask_ids(&b, p->required[k]);
	}
	return duban_buf_steal(&b);
}

unsigned duban_evidence_missing(const struct duban_evidence_policy *p, const struct duban_item *item,
				unsigned present)
{
	unsigned need = (unsigned)item->kind < DUBAN_KIND_COUNT ? p->required[item->kind] : 0;
	if (item->enforcement.fines > 0 || item->enforcement.penalty_cases > 0)
		need |= 1u << DUBAN_EVIDENCE_PENALTY;
	return need & ~present;
}

char *duban_evidence_mask_text(unsigned mask, bool zh)
{
	struct duban_buf b;
	duban_buf_init(&b);
	bool first = true;
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++) {
		if (!(mask & (1u << k)))
			continue;
		enum duban_evidence_kind e = (enum duban_evidence_kind)k;
		duban_buf_printf(&b, "%s%s", first ? "" : zh ? "、" : ", ", zh ? duban_evidence_zh(e) : duban_evidence_name(e));
		first = false;
	}
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- the notice */

static int notice_order(const void *a, const void *b)
{
	const struct duban_notice *x = a, *y = b;
	int c = strcmp(x->created_at, y->created_at);

	return c ? c : strcmp(x->id, y->id);
}

char *duban_objection_when(const struct duban_notice *r)
{
	char d[11];

	duban_date_format(r->date, d);
	if (!r->person || !*r->person)
		return xstrdup(d);
	/* TRANSLATORS: an objection's date and who raised it. */
	return xasprintf(_("%s, %s"), d, r->person);
}

void duban_notice_sort(struct duban_notice *r, size_t n)
{
	if (n > 1)
		qsort(r, n, sizeof *r, notice_order);
}

int duban_objection_settled_by(const struct duban_notice *r, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (r[j].kind == DUBAN_NOTICE_RESOLUTION && strcmp(r[j].objection_id, r[i].id) == 0)
			return (int)j;
	return -1;
}

int duban_objection_index(const struct duban_notice *r, size_t n, int k)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].kind == DUBAN_NOTICE_OBJECTION && --k == 0)
			return (int)i;
	return -1;
}

int duban_objection_number(const struct duban_notice *r, size_t n, size_t i)
{
	int k = 0;

	for (size_t j = 0; j <= i && j < n; j++)
		k += r[j].kind == DUBAN_NOTICE_OBJECTION;
	return k;
}

void duban_notice_state(const struct duban_notice *r, size_t n, struct duban_notice_state *out)
{
	memset(out, 0, sizeof *out);
	out->notice = -1;
	for (size_t i = 0; i < n; i++) {
		int by;
		if (r[i].kind == DUBAN_NOTICE_OPEN)
			out->notice = (int)i;
		if (r[i].kind != DUBAN_NOTICE_OBJECTION)
			continue;
		out->objections++;
		by = duban_objection_settled_by(r, n, i);
		if (by < 0) {
			if (!out->open++)
				out->first_open = out->objections;
		} else if (r[by].upheld) {
			out->upheld++;
		} else {
			out->dismissed++;
		}
	}
}

enum duban_close_block duban_close_check(const struct duban_notice *r, size_t n, duban_date today, duban_date *date,
					 int *number)
{
	struct duban_notice_state s;

	duban_notice_state(r, n, &s);
	*date = DUBAN_DATE_NONE;
	*number = 0;
	if (s.notice >= 0 && r[s.notice].end != DUBAN_DATE_NONE && today <= r[s.notice].end) {
		*date = r[s.notice].end;
		return DUBAN_CLOSE_NOTICE_RUNNING;
	}
	if (s.open) {
		*number = s.first_open;
		return DUBAN_CLOSE_OBJECTION_OPEN;
	}
	return DUBAN_CLOSE_OK;
}

const char *duban_close_block_code(enum duban_close_block b)
{
	switch (b) {
	case DUBAN_CLOSE_NOTICE_RUNNING:
		return "notice_running";
	case DUBAN_CLOSE_OBJECTION_OPEN:
		return "objection_open";
	default:
		return "";
	}
}

char *duban_evidence_mask_ids(unsigned mask)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (int k = 0; k < DUBAN_EVIDENCE_COUNT; k++)
		if (mask & (1u << k))
			duban_buf_printf(&b, "%s%s", b.len ? "," : "", duban_evidence_id((enum duban_evidence_kind)k));
	return duban_buf_steal(&b);
}
