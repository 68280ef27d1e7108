/* The complaint feedback clock: the `feedback-days` option and the due date
 * of a transferred complaint's feedback (see duban/feedback.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/feedback.h"
#include "duban/util.h"

void duban_feedback_default(struct duban_feedback_rules *out)
{
	char err[256];
	if (!duban_feedback_parse(DUBAN_FEEDBACK_DEFAULT, out, err, sizeof err))
		abort(); /* the compiled-in default must parse */
}

static bool parse_days(const char *s, int *out)
{
	char *end;
	long v;
	if (!*s)
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > DUBAN_FEEDBACK_MAX_DAYS)
		return false;
	*out = (int)v;
	return true;
}

/* One word: DAYS, or ROUND:DAYS (the last colon, ASCII or full-width). */
static bool parse_word(const char *word, struct duban_feedback_rules *out, char *err, size_t errlen)
{
	const char *colon = strrchr(word, ':'), *wide = strstr(word, "：");
	size_t seplen = 1;
	if (wide && (!colon || wide > colon)) {
		colon = wide;
		seplen = strlen("：");
	}
	if (!colon) {
		if (parse_days(word, &out->days))
			return true;
		snprintf(err, errlen, _("feedback-days: \"%s\" is not DAYS or ROUND:DAYS (days 1..%d)"), word,
			 DUBAN_FEEDBACK_MAX_DAYS);
		return false;
	}
	struct duban_feedback_rule *rule = &out->rules[out->n];
	size_t keylen = (size_t)(colon - word);
	if (out->n == DUBAN_FEEDBACK_MAX_RULES || keylen == 0 || keylen >= sizeof rule->key
	    || !parse_days(colon + seplen, &rule->days)) {
		snprintf(err, errlen, _("feedback-days: \"%s\" is not DAYS or ROUND:DAYS (days 1..%d)"), word,
			 DUBAN_FEEDBACK_MAX_DAYS);
		return false;
	}
	memcpy(rule->key, word, keylen);
	rule->key[keylen] = '\0';
	out->n++;
	return true;
}

bool duban_feedback_parse(const char *text, struct duban_feedback_rules *out, char *err, size_t errlen)
{
	struct duban_feedback_rules r = { .days = 10 };
	char *copy = xstrdup(text ? text : ""), *save = NULL;
	bool ok = true;
	for (char *w = strtok_r(copy, " \t,", &save); w && ok; w = strtok_r(NULL, " \t,", &save))
		ok = parse_word(w, &r, err, errlen);
	free(copy);
	if (ok)
		*out = r;
	return ok;
}

int duban_feedback_days(const struct duban_feedback_rules *r, const char *round)
{
	for (int i = 0; round && *round && i < r->n; i++)
		if (strstr(round, r->rules[i].key))
			return r->rules[i].days;
	return r->days;
}

duban_date duban_feedback_due(const struct duban_feedback_rules *r, const char *round, duban_date transferred_on)
{
	if (transferred_on == DUBAN_DATE_NONE)
		return DUBAN_DATE_NONE;
	return transferred_on + duban_feedback_days(r, round);
}

bool duban_feedback_pending(enum duban_kind kind, enum duban_status status, duban_date transferred_on,
			    duban_date feedback_on)
{
	return kind == DUBAN_KIND_COMPLAINT && transferred_on != DUBAN_DATE_NONE && feedback_on == DUBAN_DATE_NONE
	       && status != DUBAN_STATUS_CLOSED;
}

duban_date duban_item_feedback_due(const struct duban_item *item, const struct duban_feedback_rules *r)
{
	if (!duban_feedback_pending(item->kind, item->status, item->transferred_on, item->feedback_on))
		return DUBAN_DATE_NONE;
	return duban_feedback_due(r, item->round, item->transferred_on);
}

bool duban_item_feedback_overdue(const struct duban_item *item, const struct duban_feedback_rules *r,
				 duban_date today)
{
	duban_date due = duban_item_feedback_due(item, r);
	return due != DUBAN_DATE_NONE && today != DUBAN_DATE_NONE && due < today;
}
