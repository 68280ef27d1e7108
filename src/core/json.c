/* The JSON codec for items and records, shared by client and server.  It is
 * driven by duban_fields[], so a new field needs no change here. */
#include <config.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/json.h"
#include "duban/util.h"

#define FIELD_PTR(type, item, f) ((type *)(void *)((char *)(item) + (f)->offset))
#define FIELD_CPTR(type, item, f) ((const type *)(const void *)((const char *)(item) + (f)->offset))

/* ---------------------------------------------------------------- encode */

static void add_date(cJSON *obj, const char *name, duban_date d)
{
	char buf[11];
	if (d == DUBAN_DATE_NONE)
		cJSON_AddNullToObject(obj, name);
	else
		cJSON_AddStringToObject(obj, name, duban_date_format(d, buf));
}

static void add_str(cJSON *obj, const char *name, const char *s)
{
	cJSON_AddStringToObject(obj, name, s ? s : "");
}

static void add_field(cJSON *obj, const struct duban_field *f, const struct duban_item *item)
{
	switch (f->type) {
	case DUBAN_FT_TEXT:
		add_str(obj, f->name, *FIELD_CPTR(char *, item, f));
		return;
	case DUBAN_FT_DATE:
		add_date(obj, f->name, *FIELD_CPTR(duban_date, item, f));
		return;
	case DUBAN_FT_INT:
		cJSON_AddNumberToObject(obj, f->name, *FIELD_CPTR(int, item, f));
		return;
	case DUBAN_FT_DOUBLE: {
		double v = *FIELD_CPTR(double, item, f);
		if (isnan(v))
			cJSON_AddNullToObject(obj, f->name);
		else
			cJSON_AddNumberToObject(obj, f->name, v);
		return;
	}
	case DUBAN_FT_BOOL:
		cJSON_AddBoolToObject(obj, f->name, *FIELD_CPTR(bool, item, f));
		return;
	default: {
		/* Enumerations: their identifier, as duban_field_format writes it. */
		char *s = duban_field_format(f, item);
		cJSON_AddStringToObject(obj, f->name, s);
		free(s);
		return;
	}
	}
}

cJSON *duban_item_to_json(const struct duban_item *item)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", item->id);
	for (size_t i = 0; i < duban_field_count; i++)
		add_field(obj, &duban_fields[i], item);
	cJSON_AddStringToObject(obj, "created_at", item->created_at);
	cJSON_AddStringToObject(obj, "updated_at", item->updated_at);
	cJSON_AddNumberToObject(obj, "version", (double)item->version);
	return obj;
}

cJSON *duban_note_to_json(const struct duban_note *n)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", n->id);
	cJSON_AddStringToObject(obj, "item_id", n->item_id);
	add_str(obj, "author", n->author);
	add_str(obj, "text", n->text);
	cJSON_AddStringToObject(obj, "created_at", n->created_at);
	return obj;
}

cJSON *duban_inspection_to_json(const struct duban_inspection *r)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", r->id);
	cJSON_AddStringToObject(obj, "item_id", r->item_id);
	add_date(obj, "date", r->date);
	add_str(obj, "level", r->level);
	add_str(obj, "inspectors", r->inspectors);
	add_str(obj, "place", r->place);
	add_str(obj, "findings", r->findings);
	cJSON_AddBoolToObject(obj, "passed", r->passed);
	add_str(obj, "author", r->author);
	cJSON_AddStringToObject(obj, "created_at", r->created_at);
	return obj;
}

cJSON *duban_action_to_json(const struct duban_action *a)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", a->id);
	cJSON_AddStringToObject(obj, "item_id", a->item_id);
	cJSON_AddStringToObject(obj, "kind", duban_action_kind_id(a->kind));
	add_date(obj, "date", a->date);
	add_date(obj, "due", a->due);
	add_str(obj, "text", a->text);
	add_str(obj, "author", a->author);
	cJSON_AddStringToObject(obj, "created_at", a->created_at);
	return obj;
}

cJSON *duban_event_to_json(const struct duban_event *e)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddNumberToObject(obj, "id", (double)e->id);
	cJSON_AddStringToObject(obj, "item_id", e->item_id);
	add_str(obj, "field", e->field);
	add_str(obj, "old_value", e->old_value);
	add_str(obj, "new_value", e->new_value);
	add_str(obj, "reason", e->reason);
	add_str(obj, "author", e->author);
	add_str(obj, "device", e->device);
	cJSON_AddStringToObject(obj, "created_at", e->created_at);
	return obj;
}

/* ---------------------------------------------------------------- decode */

static enum duban_err fail(char *errbuf, size_t errlen, const char *field, const char *why)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: %s", field, why);
	return DUBAN_ERR_INVALID;
}

/* A JSON number as the text duban_field_parse reads, so that numbers and
 * strings go through one validation (ranges, negative counts). */
static char *number_text(const struct duban_field *f, double v)
{
	if (f->type == DUBAN_FT_INT) {
		if (v != floor(v) || v < -2147483648.0 || v > 2147483647.0)
			return NULL;
		return xasprintf("%d", (int)v);
	}
	return xasprintf("%.17g", v);
}

/* The value of a null: what duban_item_init gives the field. */
static void set_default(const struct duban_field *f, struct duban_item *item)
{
	struct duban_item blank;
	duban_item_init(&blank);
	if (f->type == DUBAN_FT_TEXT)
		duban_set_str(FIELD_PTR(char *, item, f), "");
	else if (f->type == DUBAN_FT_DOUBLE)
		*FIELD_PTR(double, item, f) = *FIELD_CPTR(double, &blank, f);
	else if (f->type == DUBAN_FT_BOOL)
		*FIELD_PTR(bool, item, f) = false;
	else /* dates, ints and enumerations are all int-sized */
		*FIELD_PTR(int, item, f) = *FIELD_CPTR(int, &blank, f);
	duban_item_free(&blank);
}

static enum duban_err read_field(const cJSON *v, const struct duban_field *f, struct duban_item *item,
				 char *errbuf, size_t errlen)
{
	if (cJSON_IsNull(v)) {
		set_default(f, item);
		return DUBAN_OK;
	}
	if (cJSON_IsBool(v)) {
		if (f->type != DUBAN_FT_BOOL)
			return fail(errbuf, errlen, f->name, _("unexpected true/false"));
		*FIELD_PTR(bool, item, f) = cJSON_IsTrue(v);
		return DUBAN_OK;
	}
	char *text = NULL;
	if (cJSON_IsString(v)) {
		text = xstrdup(v->valuestring);
	} else if (cJSON_IsNumber(v) && (f->type == DUBAN_FT_INT || f->type == DUBAN_FT_DOUBLE)) {
		text = number_text(f, v->valuedouble);
	} else if (cJSON_IsNumber(v) && f->type == DUBAN_FT_BOOL) {
		text = xstrdup(v->valuedouble != 0 ? "true" : "false");
	}
	if (!text)
		return fail(errbuf, errlen, f->name, _("value of the wrong type"));
	enum duban_err err = duban_field_parse(f, item, text);
	if (err != DUBAN_OK) {
		char *why = xasprintf(_("cannot read '%s'"), text);
		fail(errbuf, errlen, f->name, why);
		free(why);
	}
	free(text);
	return err == DUBAN_OK ? DUBAN_OK : DUBAN_ERR_INVALID;
}

static enum duban_err read_timestamp(const cJSON *obj, const char *name, char out[25],
				     char *errbuf, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!v || cJSON_IsNull(v))
		return DUBAN_OK;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > 24)
		return fail(errbuf, errlen, name, _("not a timestamp"));
	strcpy(out, v->valuestring);
	return DUBAN_OK;
}

static enum duban_err read_meta(const cJSON *obj, struct duban_item *item, char *errbuf, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "id");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || (*v->valuestring && !duban_uuid_valid(v->valuestring)))
			return fail(errbuf, errlen, "id", _("not a UUID"));
		strcpy(item->id, v->valuestring);
	}
	if (read_timestamp(obj, "created_at", item->created_at, errbuf, errlen) != DUBAN_OK ||
	    read_timestamp(obj, "updated_at", item->updated_at, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	v = cJSON_GetObjectItemCaseSensitive(obj, "version");
	if (v && cJSON_IsNumber(v)) {
		item->version = (long long)v->valuedouble;
	} else if (v && cJSON_IsString(v)) {
		char *end;
		long long n = strtoll(v->valuestring, &end, 10);
		if (end == v->valuestring || *end)
			return fail(errbuf, errlen, "version", _("not a number"));
		item->version = n;
	} else if (v && !cJSON_IsNull(v)) {
		return fail(errbuf, errlen, "version", _("not a number"));
	}
	return DUBAN_OK;
}

enum duban_err duban_item_from_json(const cJSON *obj, struct duban_item *item, char *errbuf, size_t errlen)
{
	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!cJSON_IsObject(obj))
		return fail(errbuf, errlen, "item", _("not a JSON object"));
	if (read_meta(obj, item, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->name);
		if (v && read_field(v, f, item, errbuf, errlen) != DUBAN_OK)
			return DUBAN_ERR_INVALID;
	}
	return DUBAN_OK;
}
