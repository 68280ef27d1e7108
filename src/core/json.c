/* The JSON codec for items and records, shared by client and server.  It is
 * driven by duban_fields[], so a new field needs no change here. */
#include <config.h>

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/dispatch.h"
#include "duban/json.h"
#include "duban/util.h"

#define FIELD_PTR(type, item, f) ((type *)(void *)((char *)(item) + (f)->offset))
#define FIELD_CPTR(type, item, f) ((const type *)(const void *)((const char *)(item) + (f)->offset))

/* ---------------------------------------------------------------- parse */

bool duban_json_has_nul(const char *text, size_t len)
{
	if (memchr(text, '\0', len))
		return true;
	/* No escape at all, no \u0000 (most lines of a first download). */
	if (!memchr(text, '\\', len))
		return false;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (!in_str) {
			in_str = c == '"';
			continue;
		}
		if (c == '"') {
			in_str = false;
		} else if (c == '\\' && i + 1 < len) {
			/* The escape is read whole, so \\u0000 (a backslash, then
			 * the letters u0000) is not taken for one. */
			if (text[i + 1] == 'u' && i + 6 <= len && memcmp(text + i + 2, "0000", 4) == 0)
				return true;
			i++;
		}
	}
	return false;
}

cJSON *duban_json_parse(const char *text, size_t len, bool *has_nul)
{
	*has_nul = duban_json_has_nul(text, len);
	if (*has_nul)
		return NULL;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	/* One value and nothing after it but white space. */
	while (j && end < text + len && strchr(" \t\r\n", *end))
		end++;
	if (j && end != text + len) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* ---------------------------------------------------------------- print */

/* The UTF-8 of a code point a terminal acts on although cJSON writes it as it
 * is: DEL, a C1 control (U+0080..U+009F; U+009B is CSI), a bidi override or
 * isolate (U+202A..U+202E, U+2066..U+2069), a line or paragraph separator
 * (U+2028, U+2029).  Its length, with the code point in *cp; 0 otherwise. */
static size_t terminal_control(const unsigned char *p, uint32_t *cp)
{
	if (p[0] == 0x7F) {
		*cp = 0x7F;
		return 1;
	}
	if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
		*cp = p[1];
		return 2;
	}
	if (p[0] != 0xE2 || (p[1] != 0x80 && p[1] != 0x81) || p[2] < 0x80 || p[2] > 0xBF)
		return 0;
	*cp = 0x2000u | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	bool hit = (*cp >= 0x202A && *cp <= 0x202E) || (*cp >= 0x2066 && *cp <= 0x2069) || *cp == 0x2028
		   || *cp == 0x2029;
	return hit ? 3 : 0;
}

char *duban_json_print(const cJSON *j, bool formatted)
{
	char *raw = formatted ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
	if (!raw)
		return NULL;
	struct duban_buf b;
	duban_buf_init(&b);
	/* Outside strings JSON is ASCII, so every such sequence is inside a
	 * string, where \uXXXX means the same character. */
	for (const unsigned char *p = (const unsigned char *)raw; *p;) {
		uint32_t cp;
		size_t n = terminal_control(p, &cp);
		if (n) {
			duban_buf_printf(&b, "\\u%04x", (unsigned)cp);
			p += n;
		} else {
			duban_buf_putc(&b, (char)*p++);
		}
	}
	free(raw);
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- size */

/* Bytes of s as a JSON string, quotes and escapes included (cJSON writes
 * other bytes as they are). */
static size_t string_size(const char *s)
{
	size_t n = 2;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p == '"' || *p == '\\' || *p == '\b' || *p == '\f' || *p == '\n' || *p == '\r' || *p == '\t' ? 2
		     : *p < 0x20 ? 6 : 1;
	return n;
}

size_t duban_json_size(const cJSON *j)
{
	if (!j)
		return 0;
	size_t n = 0;
	if (j->string)
		n += string_size(j->string) + 1; /* the key and its colon */
	if (cJSON_IsString(j))
		return n + string_size(j->valuestring);
	if (cJSON_IsNumber(j))
		return n + 26; /* cJSON prints at most 17 significant digits */
	if (cJSON_IsRaw(j))
		return n + strlen(j->valuestring);
	if (!cJSON_IsArray(j) && !cJSON_IsObject(j))
		return n + 5; /* true, false, null */
	n += 2;
	for (const cJSON *c = j->child; c; c = c->next)
		n += duban_json_size(c) + (c->next ? 1 : 0);
	return n;
}

bool duban_item_within_limits(const struct duban_item *item, char *err, size_t errlen)
{
	size_t text_bytes = 0;
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		if (f->type != DUBAN_FT_TEXT)
			continue;
		const char *v = *FIELD_CPTR(char *, item, f);
		size_t max = strcmp(f->name, "title") == 0 ? DUBAN_MAX_TITLE_CHARS : DUBAN_MAX_TEXT_CHARS;
		if (!duban_text_within(f->name, v, max, err, errlen))
			return false;
		text_bytes += v ? strlen(v) : 0;
	}
	/* Escaping at most sextuples a byte; the rest of an item is far below
	 * 16 KB: most items need no JSON built to know they fit. */
	if (text_bytes * 6 + 16 * 1024 <= DUBAN_MAX_ITEM_JSON)
		return true;
	cJSON *j = duban_item_to_json(item);
	size_t size = duban_json_size(j);
	cJSON_Delete(j);
	if (size <= DUBAN_MAX_ITEM_JSON)
		return true;
	snprintf(err, errlen, _("item %s is too large: %zu KB as JSON, the limit is %d KB"),
		 item->code ? item->code : "", (size + 1023) / 1024, DUBAN_MAX_ITEM_JSON / 1024);
	return false;
}

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

static void add_str_or_null(cJSON *obj, const char *name, const char *s)
{
	if (s)
		cJSON_AddStringToObject(obj, name, s);
	else
		cJSON_AddNullToObject(obj, name);
}

/* When the server received a record or change: left out until it has. */
static void add_received(cJSON *obj, const char *received_at)
{
	if (received_at[0])
		cJSON_AddStringToObject(obj, "received_at", received_at);
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

/* An item's own acceptance chain is absent when it has none: items
 * without one read as before to older peers. */
static bool field_left_out(const struct duban_field *f, const struct duban_item *item)
{
	return f->offset == offsetof(struct duban_item, acceptance_levels) &&
	       !(item->acceptance_levels && *item->acceptance_levels);
}

cJSON *duban_item_to_json(const struct duban_item *item)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", item->id);
	for (size_t i = 0; i < duban_field_count; i++) {
		if (field_left_out(&duban_fields[i], item))
			continue;
		add_field(obj, &duban_fields[i], item);
	}
	cJSON_AddStringToObject(obj, "created_at", item->created_at);
	cJSON_AddStringToObject(obj, "updated_at", item->updated_at);
	cJSON_AddNumberToObject(obj, "version", (double)item->version);
	return obj;
}

/* ---------------------------------------------------------------- item as text
 * The bytes cJSON_PrintUnformatted(duban_item_to_json(item)) writes, with no
 * tree built: a pull page of 50 items is otherwise ~7,000 allocations, the
 * largest part of the server's time.  tests/unit/test_json_text compares
 * both over thousands of generated items. */

static void text_string(struct duban_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;

	duban_buf_putc(b, '"');
	for (; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		duban_buf_add(b, (const char *)run, (size_t)(p - run));
		run = p + 1;
		char esc[7] = { '\\', 0 };
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			duban_buf_add(b, esc, 6);
			continue;
		}
		duban_buf_add(b, esc, 2);
	}
	duban_buf_add(b, (const char *)run, (size_t)(p - run));
	duban_buf_putc(b, '"');
}

/* cJSON's compare_double. */
static bool same_double(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return fabs(a - b) <= max * DBL_EPSILON;
}

/* As cJSON 1.7.15's print_number: the shorter of %1.15g and %1.17g that
 * reads back as the same double (an integral value below 10^15 prints as
 * its digits either way: that case skips the formatting of doubles). */
static void text_number(struct duban_buf *b, double d)
{
	char num[32];

	if (isnan(d) || isinf(d)) {
		duban_buf_puts(b, "null");
		return;
	}
	if (fabs(d) < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
		snprintf(num, sizeof num, "%lld", (long long)d);
	} else {
		double back = 0;
		snprintf(num, sizeof num, "%1.15g", d);
		if (sscanf(num, "%lg", &back) != 1 || !same_double(back, d))
			snprintf(num, sizeof num, "%1.17g", d);
	}
	duban_buf_puts(b, num);
}

static void text_key(struct duban_buf *b, const char *name, bool *first)
{
	if (!*first)
		duban_buf_putc(b, ',');
	*first = false;
	text_string(b, name);
	duban_buf_putc(b, ':');
}

static void text_field(struct duban_buf *b, const struct duban_field *f, const struct duban_item *item, bool *first)
{
	char buf[11];

	text_key(b, f->name, first);
	switch (f->type) {
	case DUBAN_FT_TEXT: {
		const char *v = *FIELD_CPTR(char *, item, f);
		text_string(b, v ? v : "");
		return;
	}
	case DUBAN_FT_DATE: {
		duban_date d = *FIELD_CPTR(duban_date, item, f);
		if (d == DUBAN_DATE_NONE)
			duban_buf_puts(b, "null");
		else
			text_string(b, duban_date_format(d, buf));
		return;
	}
	case DUBAN_FT_INT:
		text_number(b, *FIELD_CPTR(int, item, f));
		return;
	case DUBAN_FT_DOUBLE:
		text_number(b, *FIELD_CPTR(double, item, f));
		return;
	case DUBAN_FT_BOOL:
		duban_buf_puts(b, *FIELD_CPTR(bool, item, f) ? "true" : "false");
		return;
	default: {
		char *s = duban_field_format(f, item);
		text_string(b, s);
		free(s);
		return;
	}
	}
}

char *duban_item_to_json_text(const struct duban_item *item)
{
	struct duban_buf b;
	bool first = true;

	duban_buf_init(&b);
	duban_buf_putc(&b, '{');
	text_key(&b, "id", &first);
	text_string(&b, item->id);
	for (size_t i = 0; i < duban_field_count; i++)
		if (!field_left_out(&duban_fields[i], item))
			text_field(&b, &duban_fields[i], item, &first);
	text_key(&b, "created_at", &first);
	text_string(&b, item->created_at);
	text_key(&b, "updated_at", &first);
	text_string(&b, item->updated_at);
	text_key(&b, "version", &first);
	text_number(&b, (double)item->version);
	duban_buf_putc(&b, '}');
	return duban_buf_steal(&b);
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
	add_received(obj, n->received_at);
	return obj;
}

cJSON *duban_link_to_json(const struct duban_link *l)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", l->id);
	cJSON_AddStringToObject(obj, "item_id", l->item_id);
	cJSON_AddStringToObject(obj, "other_id", l->other_id);
	cJSON_AddStringToObject(obj, "kind", duban_link_kind_id(l->kind));
	add_str(obj, "why", l->why);
	add_str(obj, "author", l->author);
	cJSON_AddStringToObject(obj, "created_at", l->created_at);
	add_received(obj, l->received_at);
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
	if (r->criteria && *r->criteria)
		cJSON_AddStringToObject(obj, "criteria", r->criteria);
	add_str(obj, "author", r->author);
	cJSON_AddStringToObject(obj, "created_at", r->created_at);
	add_received(obj, r->received_at);
	return obj;
}

cJSON *duban_notice_to_json(const struct duban_notice *r)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", r->id);
	cJSON_AddStringToObject(obj, "item_id", r->item_id);
	cJSON_AddStringToObject(obj, "kind", duban_notice_kind_id(r->kind));
	add_date(obj, "date", r->date);
	add_date(obj, "end", r->end);
	add_str(obj, "place", r->place);
	add_str(obj, "contact", r->contact);
	add_str(obj, "from", r->person);
	add_str(obj, "text", r->text);
	cJSON_AddStringToObject(obj, "objection_id", r->objection_id);
	cJSON_AddBoolToObject(obj, "upheld", r->upheld);
	add_str(obj, "author", r->author);
	cJSON_AddStringToObject(obj, "created_at", r->created_at);
	add_received(obj, r->received_at);
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
	add_received(obj, a->received_at);
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
	add_str_or_null(obj, "old_value", e->old_value);
	add_str_or_null(obj, "new_value", e->new_value);
	add_str(obj, "reason", e->reason);
	add_str(obj, "author", e->author);
	add_str(obj, "device", e->device);
	cJSON_AddStringToObject(obj, "created_at", e->created_at);
	add_received(obj, e->received_at);
	if (e->op_id[0])
		cJSON_AddStringToObject(obj, "op_id", e->op_id);
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
 * strings go through one validation (ranges, negative counts); into buf
 * (no allocation: a first download reads millions of fields). */
static const char *number_text(const struct duban_field *f, double v, char buf[40])
{
	if (f->type == DUBAN_FT_INT) {
		if (v != floor(v) || v < -2147483648.0 || v > 2147483647.0)
			return NULL;
		snprintf(buf, 40, "%d", (int)v);
		return buf;
	}
	snprintf(buf, 40, "%.17g", v);
	return buf;
}

/* The values of a blank item (duban_item_init), made once: the defaults
 * a null gives. */
static pthread_once_t blank_once = PTHREAD_ONCE_INIT;
static struct duban_item blank_item;

static void blank_init(void)
{
	duban_item_init(&blank_item);
}

/* The value of a null: what duban_item_init gives the field. */
static void set_default(const struct duban_field *f, struct duban_item *item)
{
	pthread_once(&blank_once, blank_init);
	if (f->type == DUBAN_FT_TEXT)
		duban_set_str(FIELD_PTR(char *, item, f), "");
	else if (f->type == DUBAN_FT_DOUBLE)
		*FIELD_PTR(double, item, f) = *FIELD_CPTR(double, &blank_item, f);
	else if (f->type == DUBAN_FT_BOOL)
		*FIELD_PTR(bool, item, f) = false;
	else /* dates, ints and enumerations are all int-sized */
		*FIELD_PTR(int, item, f) = *FIELD_CPTR(int, &blank_item, f);
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
	const char *text = NULL;
	char num[40];
	if (cJSON_IsString(v)) {
		text = v->valuestring;
	} else if (cJSON_IsNumber(v) && (f->type == DUBAN_FT_INT || f->type == DUBAN_FT_DOUBLE)) {
		text = number_text(f, v->valuedouble, num);
	} else if (cJSON_IsNumber(v) && f->type == DUBAN_FT_BOOL) {
		text = v->valuedouble != 0 ? "true" : "false";
	}
	if (!text)
		return fail(errbuf, errlen, f->name, _("value of the wrong type"));
	enum duban_err err = duban_field_parse(f, item, text);
	if (err != DUBAN_OK) {
		char *why = xasprintf(_("cannot read '%s'"), text);
		fail(errbuf, errlen, f->name, why);
		free(why);
	}
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
	/* Our own encoder writes the fields in table order: look for each one
	 * from where the previous one was found, so a page of pulled items costs
	 * about one pass per item rather than one per field; members in another
	 * order are still found by the full search. */
	const cJSON *from = obj->child;
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		const cJSON *v = from;

		while (v && !(v->string && strcmp(v->string, f->name) == 0))
			v = v->next;
		if (v)
			from = v->next;
		else
			v = cJSON_GetObjectItemCaseSensitive(obj, f->name);
		if (v && read_field(v, f, item, errbuf, errlen) != DUBAN_OK)
			return DUBAN_ERR_INVALID;
	}
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- records */

cJSON *duban_attachment_to_json(const struct duban_attachment *a)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", a->id);
	cJSON_AddStringToObject(obj, "item_id", a->item_id);
	cJSON_AddStringToObject(obj, "inspection_id", a->inspection_id);
	cJSON_AddStringToObject(obj, "sha256", a->sha256);
	add_str(obj, "name", a->name);
	add_str(obj, "mime", a->mime);
	cJSON_AddNumberToObject(obj, "size", (double)a->size);
	cJSON_AddStringToObject(obj, "kind", duban_evidence_id(a->kind));
	add_str(obj, "author", a->author);
	cJSON_AddStringToObject(obj, "created_at", a->created_at);
	add_received(obj, a->received_at);
	return obj;
}

/* YYYY-MM-DDTHH:MM:SSZ, the one form stored timestamps take. */
static bool timestamp_ok(const char *s)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";

	if (strlen(s) != sizeof pattern - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i])
			return false;
	}
	return true;
}

/* An optional timestamp member: absent and null read as "". */
static enum duban_err read_optional_timestamp(const cJSON *obj, const char *name, char out[25], char *errbuf,
					      size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	out[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return DUBAN_OK;
	if (!cJSON_IsString(v) || !timestamp_ok(v->valuestring))
		return fail(errbuf, errlen, name, _("not a timestamp (YYYY-MM-DDTHH:MM:SSZ)"));
	snprintf(out, 25, "%s", v->valuestring);
	return DUBAN_OK;
}

/* A record's id and item_id (required UUIDs), created_at (optional: the
 * store fills it when empty) and received_at (optional: set by the server). */
static enum duban_err read_record_meta(const cJSON *obj, const char *what, char id[37], char item_id[37],
				       char created_at[25], char received_at[25], char *errbuf, size_t errlen)
{
	static const char *const names[] = { "id", "item_id" };
	char *dst[] = { id, item_id };
	const cJSON *v;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!cJSON_IsObject(obj))
		return fail(errbuf, errlen, what, _("not a JSON object"));
	for (size_t i = 0; i < 2; i++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, names[i]);
		if (!cJSON_IsString(v) || !duban_uuid_valid(v->valuestring))
			return fail(errbuf, errlen, names[i], _("not a UUID"));
		snprintf(dst[i], 37, "%s", v->valuestring);
	}
	if (read_optional_timestamp(obj, "created_at", created_at, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	return read_optional_timestamp(obj, "received_at", received_at, errbuf, errlen);
}

/* An optional string member: absent and null read as "". */
static enum duban_err read_text(const cJSON *obj, const char *name, bool required, char **out,
				char *errbuf, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v && !cJSON_IsNull(v) && !cJSON_IsString(v))
		return fail(errbuf, errlen, name, _("not a string"));
	duban_set_str(out, cJSON_IsString(v) ? v->valuestring : "");
	if (required && !**out)
		return fail(errbuf, errlen, name, _("missing"));
	return DUBAN_OK;
}

/* A date member: absent and null are DUBAN_DATE_NONE. */
static enum duban_err read_date(const cJSON *obj, const char *name, bool required, duban_date *out,
				char *errbuf, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = DUBAN_DATE_NONE;
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v))
			return fail(errbuf, errlen, name, _("not a date"));
		if (*v->valuestring && (*out = duban_date_parse(v->valuestring)) == DUBAN_DATE_NONE)
			return fail(errbuf, errlen, name, _("not a date"));
	}
	if (required && *out == DUBAN_DATE_NONE)
		return fail(errbuf, errlen, name, _("missing"));
	return DUBAN_OK;
}

enum duban_err duban_note_from_json(const cJSON *obj, struct duban_note *n, char *errbuf, size_t errlen)
{
	if (read_record_meta(obj, "note", n->id, n->item_id, n->created_at, n->received_at, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &n->author, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "text", true, &n->text, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}

enum duban_err duban_link_from_json(const cJSON *obj, struct duban_link *l, char *errbuf, size_t errlen)
{
	const cJSON *v;
	int kind;

	if (read_record_meta(obj, "link", l->id, l->item_id, l->created_at, l->received_at, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "why", false, &l->why, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &l->author, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	v = cJSON_GetObjectItemCaseSensitive(obj, "other_id");
	if (!cJSON_IsString(v) || !duban_uuid_valid(v->valuestring))
		return fail(errbuf, errlen, "other_id", _("not a UUID"));
	snprintf(l->other_id, sizeof l->other_id, "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	kind = cJSON_IsString(v) ? duban_link_kind_parse(v->valuestring) : -1;
	if (kind < 0)
		return fail(errbuf, errlen, "kind", _("not link, repeat or unlink"));
	l->kind = (enum duban_link_kind)kind;
	return DUBAN_OK;
}

enum duban_err duban_inspection_from_json(const cJSON *obj, struct duban_inspection *r, char *errbuf,
					  size_t errlen)
{
	const cJSON *v;

	if (read_record_meta(obj, "inspection", r->id, r->item_id, r->created_at, r->received_at, errbuf, errlen) != DUBAN_OK ||
	    read_date(obj, "date", true, &r->date, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "level", false, &r->level, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "inspectors", false, &r->inspectors, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "place", false, &r->place, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "findings", false, &r->findings, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "criteria", false, &r->criteria, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &r->author, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	v = cJSON_GetObjectItemCaseSensitive(obj, "passed");
	if (!cJSON_IsBool(v))
		return fail(errbuf, errlen, "passed", _("not true or false"));
	r->passed = cJSON_IsTrue(v);
	return DUBAN_OK;
}

enum duban_err duban_notice_from_json(const cJSON *obj, struct duban_notice *r, char *errbuf, size_t errlen)
{
	const cJSON *v;
	int kind;

	if (read_record_meta(obj, "notice", r->id, r->item_id, r->created_at, r->received_at, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	v = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	if (!cJSON_IsString(v) || (kind = duban_notice_kind_parse(v->valuestring)) < 0)
		return fail(errbuf, errlen, "kind", _("not a kind of notice record"));
	r->kind = (enum duban_notice_kind)kind;
	v = cJSON_GetObjectItemCaseSensitive(obj, "objection_id");
	r->objection_id[0] = '\0';
	if (cJSON_IsString(v) && *v->valuestring) {
		if (!duban_uuid_valid(v->valuestring))
			return fail(errbuf, errlen, "objection_id", _("not a UUID"));
		snprintf(r->objection_id, sizeof r->objection_id, "%s", v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "upheld");
	r->upheld = cJSON_IsTrue(v);
	if (read_date(obj, "date", true, &r->date, errbuf, errlen) != DUBAN_OK ||
	    read_date(obj, "end", false, &r->end, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "place", false, &r->place, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "contact", false, &r->contact, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "from", false, &r->person, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "text", false, &r->text, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &r->author, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}

enum duban_err duban_action_from_json(const cJSON *obj, struct duban_action *a, char *errbuf, size_t errlen)
{
	const cJSON *v;
	int kind;

	if (read_record_meta(obj, "action", a->id, a->item_id, a->created_at, a->received_at, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	v = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	if (!cJSON_IsString(v) || (kind = duban_action_kind_parse(v->valuestring)) < 0)
		return fail(errbuf, errlen, "kind", _("not an action kind"));
	a->kind = (enum duban_action_kind)kind;
	if (read_date(obj, "date", false, &a->date, errbuf, errlen) != DUBAN_OK ||
	    read_date(obj, "due", false, &a->due, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "text", false, &a->text, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &a->author, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}

static bool sha256_hex_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == 64;
}

enum duban_err duban_attachment_from_json(const cJSON *obj, struct duban_attachment *a, char *errbuf,
					  size_t errlen)
{
	const cJSON *v;

	if (read_record_meta(obj, "attachment", a->id, a->item_id, a->created_at, a->received_at, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	a->inspection_id[0] = '\0';
	v = cJSON_GetObjectItemCaseSensitive(obj, "inspection_id");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || (*v->valuestring && !duban_uuid_valid(v->valuestring)))
			return fail(errbuf, errlen, "inspection_id", _("not a UUID"));
		snprintf(a->inspection_id, sizeof a->inspection_id, "%s", v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "sha256");
	if (!cJSON_IsString(v) || !sha256_hex_ok(v->valuestring))
		return fail(errbuf, errlen, "sha256", _("not 64 lower-case hex digits"));
	snprintf(a->sha256, sizeof a->sha256, "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(obj, "size");
	/* Beyond 2^53 a double no longer holds every integer: no real file is that big. */
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
	    v->valuedouble != floor(v->valuedouble))
		return fail(errbuf, errlen, "size", _("not a size in bytes"));
	a->size = (long long)v->valuedouble;
	if (read_text(obj, "name", true, &a->name, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "mime", false, &a->mime, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &a->author, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	/* Absent from clients before kinds of evidence: other. */
	a->kind = DUBAN_EVIDENCE_OTHER;
	v = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	if (v && !cJSON_IsNull(v)) {
		int k = cJSON_IsString(v) ? duban_evidence_parse(v->valuestring) : -1;
		if (k < 0)
			return fail(errbuf, errlen, "kind", _("not a kind of evidence"));
		a->kind = (enum duban_evidence_kind)k;
	}
	return DUBAN_OK;
}

/* A string member that may be null (NULL) or absent (NULL). */
static enum duban_err read_text_or_null(const cJSON *obj, const char *name, char **out, char *errbuf, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	free(*out);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return DUBAN_OK;
	if (!cJSON_IsString(v))
		return fail(errbuf, errlen, name, _("not text"));
	*out = xstrdup(v->valuestring);
	return DUBAN_OK;
}

enum duban_err duban_event_from_json(const cJSON *obj, struct duban_event *e, char *errbuf, size_t errlen)
{
	const cJSON *v;
	char *op_id = NULL;
	enum duban_err err;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!cJSON_IsObject(obj))
		return fail(errbuf, errlen, "event", _("not a JSON object"));
	v = cJSON_GetObjectItemCaseSensitive(obj, "id");
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 9007199254740991.0)
		return fail(errbuf, errlen, "id", _("not a positive number"));
	e->origin = (long long)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(obj, "item_id");
	if (!cJSON_IsString(v) || !duban_uuid_valid(v->valuestring))
		return fail(errbuf, errlen, "item_id", _("not a UUID"));
	snprintf(e->item_id, sizeof e->item_id, "%s", v->valuestring);
	if (read_text(obj, "field", true, &e->field, errbuf, errlen) != DUBAN_OK ||
	    read_text_or_null(obj, "old_value", &e->old_value, errbuf, errlen) != DUBAN_OK ||
	    read_text_or_null(obj, "new_value", &e->new_value, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "reason", false, &e->reason, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", true, &e->author, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "device", false, &e->device, errbuf, errlen) != DUBAN_OK ||
	    read_optional_timestamp(obj, "created_at", e->created_at, errbuf, errlen) != DUBAN_OK ||
	    read_optional_timestamp(obj, "received_at", e->received_at, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "op_id", false, &op_id, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	err = DUBAN_OK;
	if (*op_id && !duban_uuid_valid(op_id))
		err = fail(errbuf, errlen, "op_id", _("not a UUID"));
	else
		snprintf(e->op_id, sizeof e->op_id, "%s", op_id);
	free(op_id);
	return err;
}

/* ---------------------------------------------------------------- 调度 records */

cJSON *duban_dispatch_rec_to_json(const struct duban_dispatch_rec *r)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	cJSON_AddStringToObject(obj, "id", r->id);
	cJSON_AddStringToObject(obj, "item_id", r->item_id);
	cJSON_AddStringToObject(obj, "kind", duban_dispatch_kind_id(r->kind));
	cJSON_AddStringToObject(obj, "round_id", r->round_id);
	add_str(obj, "name", r->name);
	add_str(obj, "title", r->title);
	add_str(obj, "filters", r->filters);
	add_date(obj, "due", r->due);
	add_date(obj, "date", r->date);
	cJSON_AddNumberToObject(obj, "progress", r->progress);
	add_str(obj, "text", r->text);
	cJSON_AddStringToObject(obj, "attachment_id", r->attachment_id);
	add_str(obj, "author", r->author);
	cJSON_AddStringToObject(obj, "created_at", r->created_at);
	add_received(obj, r->received_at);
	return obj;
}

enum duban_err duban_dispatch_rec_from_json(const cJSON *obj, struct duban_dispatch_rec *r, char *errbuf,
					    size_t errlen)
{
	const cJSON *v;
	int kind;

	if (read_record_meta(obj, "dispatch", r->id, r->item_id, r->created_at, r->received_at, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	v = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	if (!cJSON_IsString(v) || (kind = duban_dispatch_kind_parse(v->valuestring)) < 0)
		return fail(errbuf, errlen, "kind", _("not open, close or report"));
	r->kind = (enum duban_dispatch_kind)kind;
	v = cJSON_GetObjectItemCaseSensitive(obj, "round_id");
	if (!cJSON_IsString(v) || !duban_uuid_valid(v->valuestring))
		return fail(errbuf, errlen, "round_id", _("not a UUID"));
	snprintf(r->round_id, sizeof r->round_id, "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(obj, "attachment_id");
	r->attachment_id[0] = '\0';
	if (cJSON_IsString(v) && *v->valuestring) {
		if (!duban_uuid_valid(v->valuestring))
			return fail(errbuf, errlen, "attachment_id", _("not a UUID"));
		snprintf(r->attachment_id, sizeof r->attachment_id, "%s", v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "progress");
	if (v && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble))
		return fail(errbuf, errlen, "progress", _("not a whole number"));
	r->progress = cJSON_IsNumber(v) ? v->valueint : 0;
	if (read_text(obj, "name", true, &r->name, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "title", false, &r->title, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "filters", false, &r->filters, errbuf, errlen) != DUBAN_OK ||
	    read_date(obj, "due", r->kind == DUBAN_DISPATCH_OPEN, &r->due, errbuf, errlen) != DUBAN_OK ||
	    read_date(obj, "date", false, &r->date, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "text", false, &r->text, errbuf, errlen) != DUBAN_OK ||
	    read_text(obj, "author", false, &r->author, errbuf, errlen) != DUBAN_OK)
		return DUBAN_ERR_INVALID;
	return DUBAN_OK;
}
