/* Tests of the JSON codec for items and records. */
#include <config.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/json.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tap.h"

static void fill_item(struct duban_item *it)
{
	duban_item_init(it);
	strcpy(it->id, "0f8fad5b-d9cb-469f-a165-70867728950e");
	it->kind = DUBAN_KIND_COMPLAINT;
	duban_set_str(&it->code, "D2XX000123");
	duban_set_str(&it->round, "第二轮");
	duban_set_str(&it->batch, "第1批");
	duban_set_str(&it->title, "化工企业夜间偷排废气");
	duban_set_str(&it->description, "X区某化工企业夜间偷排废气，气味刺鼻。\n\"引号\"\\反斜杠\t制表");
	duban_set_str(&it->categories, "大气、其他");
	it->scope = DUBAN_SCOPE_SPECIFIC;
	duban_set_str(&it->county, "X区");
	duban_set_str(&it->township, "某某镇");
	duban_set_str(&it->lead_unit, "市生态环境局");
	duban_set_str(&it->co_units, "市公安局、市水利局");
	duban_set_str(&it->leader, "副市长张某");
	duban_set_str(&it->owner, "李某");
	duban_set_str(&it->contact, "0000-1234567");
	duban_set_str(&it->goal, "达标排放");
	duban_set_str(&it->measures, "停产整改");
	duban_set_str(&it->findings, "经核查属实");
	duban_set_str(&it->handling, "立案处罚");
	duban_set_str(&it->accountability, "约谈企业负责人");
	it->start = duban_date_from_ymd(2021, 12, 1);
	it->deadline = duban_date_from_ymd(2022, 6, 30);
	it->deadline_kind = DUBAN_DEADLINE_IMMEDIATE;
	it->notice_end = duban_date_from_ymd(2022, 7, 15);
	it->status = DUBAN_STATUS_PUBLICIZED;
	it->progress = 95;
	it->verdict = DUBAN_VERDICT_MOSTLY;
	it->enforcement = (struct duban_enforcement){ 3, 12.5, 2, 1, 4, 5, 6 };
	it->key_case = true;
	duban_set_str(&it->duplicate_of, "D2XX000001");
	it->longitude = 112.123456;
	it->latitude = 34.5;
	it->is_public = true;
	strcpy(it->created_at, "2022-01-02T03:04:05Z");
	strcpy(it->updated_at, "2022-02-03T04:05:06Z");
	it->version = 42;
}

static int fields_differing(const struct duban_item *a, const struct duban_item *b, const char **which)
{
	int n = 0;
	for (size_t i = 0; i < duban_field_count; i++)
		if (!duban_field_equal(&duban_fields[i], a, b)) {
			n++;
			*which = duban_fields[i].name;
		}
	return n;
}

static void test_round_trip(void)
{
	struct duban_item a, b;
	fill_item(&a);
	cJSON *j = duban_item_to_json(&a);
	char *text = cJSON_Print(j);
	cJSON_Delete(j);
	ok(text && !strstr(text, "\\u"), "Chinese text is written unescaped");

	cJSON *parsed = cJSON_Parse(text);
	ok(parsed != NULL, "the output parses");
	duban_item_init(&b);
	char err[128];
	is_int(duban_item_from_json(parsed, &b, err, sizeof err), DUBAN_OK, "a fully filled item reads back");
	const char *which = "";
	is_int(fields_differing(&a, &b, &which), 0, "every field is the same after the round trip");
	if (*which)
		diag("differs: %s", which);
	is_str(b.id, a.id, "id");
	is_str(b.created_at, a.created_at, "created_at");
	is_str(b.updated_at, a.updated_at, "updated_at");
	is_int(b.version, 42, "version");

	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(parsed, "status")), "publicized", "status as identifier");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(parsed, "deadline")), "2022-06-30", "date as YYYY-MM-DD");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(parsed, "verdict")), "mostly", "verdict as identifier");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(parsed, "key_case")), "bool as true");
	ok(cJSON_IsNumber(cJSON_GetObjectItem(parsed, "fines")), "fines as a number");
	cJSON_Delete(parsed);
	cJSON_free(text);
	duban_item_free(&a);
	duban_item_free(&b);
}

static void test_blank_item(void)
{
	struct duban_item a, b;
	duban_item_init(&a);
	cJSON *j = duban_item_to_json(&a);
	ok(cJSON_IsNull(cJSON_GetObjectItem(j, "deadline")), "an unset date is null");
	ok(cJSON_IsNull(cJSON_GetObjectItem(j, "longitude")), "NAN is null");
	ok(cJSON_IsFalse(cJSON_GetObjectItem(j, "public")), "bool false");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "code")), "", "empty text is an empty string");
	fill_item(&b);
	char err[128];
	is_int(duban_item_from_json(j, &b, err, sizeof err), DUBAN_OK, "a blank item reads over a full one");
	const char *which = "";
	is_int(fields_differing(&a, &b, &which), 0, "nulls reset fields to their initial values");
	ok(isnan(b.longitude), "longitude is NAN again");
	cJSON_Delete(j);
	duban_item_free(&a);
	duban_item_free(&b);
}

static enum duban_err from_text(const char *json, struct duban_item *it, char *err, size_t len)
{
	cJSON *j = cJSON_Parse(json);
	enum duban_err e = duban_item_from_json(j, it, err, len);
	cJSON_Delete(j);
	return e;
}

static void test_lenient_and_errors(void)
{
	struct duban_item it;
	char err[128];
	duban_item_init(&it);
	duban_set_str(&it.title, "kept");
	is_int(from_text("{\"progress\":\"60\",\"fines\":\"1.5\",\"key_case\":\"是\","
			 "\"status\":\"整改中\",\"deadline\":\"2022年12月底\"}", &it, err, sizeof err),
	       DUBAN_OK, "numbers, bools, enums and dates as strings are accepted");
	is_int(it.progress, 60, "progress from a string");
	ok(it.enforcement.fines == 1.5, "fines from a string");
	ok(it.key_case, "key_case from 是");
	is_int(it.status, DUBAN_STATUS_IN_PROGRESS, "status from its Chinese name");
	is_int(it.deadline, duban_date_from_ymd(2022, 12, 31), "deadline from 2022年12月底");
	is_str(it.title, "kept", "absent fields are unchanged");

	is_int(from_text("{\"deadline\":\"明年吧\"}", &it, err, sizeof err), DUBAN_ERR_INVALID, "a bad date fails");
	ok(strncmp(err, "deadline:", 9) == 0, "and the error names the field");
	diag("%s", err);
	is_int(from_text("{\"progress\":150}", &it, err, sizeof err), DUBAN_ERR_INVALID, "progress 150 fails");
	ok(strncmp(err, "progress:", 9) == 0, "naming progress");
	is_int(from_text("{\"rectify_orders\":1.5}", &it, err, sizeof err), DUBAN_ERR_INVALID,
	       "a fraction for a count fails");
	is_int(from_text("{\"title\":[1]}", &it, err, sizeof err), DUBAN_ERR_INVALID, "an array for text fails");
	ok(strncmp(err, "title:", 6) == 0, "naming title");
	is_int(from_text("{\"id\":\"not-a-uuid\"}", &it, err, sizeof err), DUBAN_ERR_INVALID, "a bad id fails");
	ok(strncmp(err, "id:", 3) == 0, "naming id");
	is_int(from_text("[1]", &it, err, sizeof err), DUBAN_ERR_INVALID, "a non-object fails");
	duban_item_free(&it);
}

static void test_records(void)
{
	struct duban_note n = { .id = "n1", .item_id = "i1", .author = "张三", .text = "现场已整改",
				.created_at = "2022-03-01T00:00:00Z" };
	cJSON *j = duban_note_to_json(&n);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "text")), "现场已整改", "note text");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "item_id")), "i1", "note item_id");
	ok(!cJSON_GetObjectItem(j, "received_at"), "a record the server has not received has no received_at");
	cJSON_Delete(j);
	{
		/* What the server sends back: its times survive the codec. */
		struct duban_note back = { 0 };
		char why[128];
		cJSON *o = cJSON_Parse("{\"id\":\"c3f0a9a2-6d6b-4f21-9d35-0d8a8a4f6b11\","
				       "\"item_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"author\":\"li\","
				       "\"text\":\"t\",\"created_at\":\"2026-06-14T09:00:00Z\","
				       "\"received_at\":\"2026-06-15T08:00:00Z\"}");
		is_int(duban_note_from_json(o, &back, why, sizeof why), DUBAN_OK, "a pulled note reads");
		is_str(back.received_at, "2026-06-15T08:00:00Z", "... with the time the server received it");
		is_str(back.created_at, "2026-06-14T09:00:00Z", "... and the time it was made");
		duban_note_free(&back);
		cJSON_Delete(o);
	}

	struct duban_inspection r = { .date = duban_date_from_ymd(2022, 3, 2), .level = "county",
				      .inspectors = "甲、乙", .place = "某厂", .findings = "合格",
				      .passed = true, .author = "甲" };
	strcpy(r.id, "r1");
	j = duban_inspection_to_json(&r);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "date")), "2022-03-02", "inspection date");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(j, "passed")), "inspection passed");
	cJSON_Delete(j);

	struct duban_action a = { .kind = DUBAN_ACTION_SUMMONS, .date = duban_date_from_ymd(2022, 4, 1),
				  .due = DUBAN_DATE_NONE, .text = "约谈县政府", .author = "办" };
	j = duban_action_to_json(&a);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "kind")), "summons", "action kind identifier");
	ok(cJSON_IsNull(cJSON_GetObjectItem(j, "due")), "no due date is null");
	cJSON_Delete(j);

	struct duban_event e = { .id = 7, .field = "status", .old_value = "in_progress",
				 .new_value = "closed", .reason = "import", .author = "a", .device = "d" };
	strcpy(e.item_id, "7c9e6679-7425-40de-944b-e07fc1f90ae7");
	strcpy(e.created_at, "2026-06-14T09:00:00Z");
	strcpy(e.received_at, "2026-06-15T08:00:00Z");
	strcpy(e.op_id, "0d5e6679-7425-40de-944b-e07fc1f90ae7");
	j = duban_event_to_json(&e);
	is_int(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "id")), 7, "event id");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "new_value")), "closed", "event new value");
	{
		struct duban_event back = { 0 };
		char why[128];
		is_int(duban_event_from_json(j, &back, why, sizeof why), DUBAN_OK, "an event reads back");
		ok(back.origin == 7 && strcmp(back.field, "status") == 0 && strcmp(back.old_value, "in_progress") == 0 &&
		   strcmp(back.author, "a") == 0 && strcmp(back.received_at, "2026-06-15T08:00:00Z") == 0 &&
		   strcmp(back.op_id, e.op_id) == 0, "... the server's number, field, values, author, times and op");
		duban_event_free(&back);
		cJSON_ReplaceItemInObject(j, "old_value", cJSON_CreateNull());
		back = (struct duban_event){ 0 };
		duban_event_from_json(j, &back, why, sizeof why);
		ok(back.old_value == NULL, "a null old value stays none");
		duban_event_free(&back);
		cJSON_ReplaceItemInObject(j, "id", cJSON_CreateNumber(0));
		back = (struct duban_event){ 0 };
		is_int(duban_event_from_json(j, &back, why, sizeof why), DUBAN_ERR_INVALID, "an event without the server's number is refused");
		duban_event_free(&back);
	}
	cJSON_Delete(j);
}

/* ---------------------------------------------------------------- NUL (issue 12 #8) */

/* Appends code point cp to a JSON string body, in one of the ways JSON
 * allows, chosen by r: raw, \uXXXX (upper or lower case hex), or the short
 * escape.  Code points are below 0x800 so that two bytes suffice raw. */
static void put_cp(struct duban_buf *b, unsigned cp, unsigned r)
{
	static const char shorts[] = "\"\\/\b\f\n\r\t";
	static const char names[] = "\"\\/bfnrt";
	const char *sh = cp && cp < 0x80 ? strchr(shorts, (int)cp) : NULL;
	if (sh && r % 3 == 0) {
		duban_buf_putc(b, '\\');
		duban_buf_putc(b, names[sh - shorts]);
	} else if (cp < 0x20 || cp == '"' || cp == '\\' || r % 3 == 1) {
		char esc[8];
		snprintf(esc, sizeof esc, r & 4 ? "\\u%04X" : "\\u%04x", cp);
		duban_buf_puts(b, esc);
	} else if (cp < 0x80) {
		duban_buf_putc(b, (char)cp);
	} else {
		duban_buf_putc(b, (char)(0xC0 | (cp >> 6)));
		duban_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* Code points that make tricky neighbours for a \u0000 scanner. */
static unsigned pick_cp(unsigned r)
{
	static const unsigned tricky[] = { 0, '\\', '"', 'u', '0', 0x1F, 0x7F, 0x4E2D, 0x100 };
	if (r % 4 == 0)
		return tricky[(r / 4) % (sizeof tricky / sizeof tricky[0])] & 0x7FF;
	return 0x20 + (r / 4) % 0x7E0;
}

/* Generated documents {"k0": "...", "k1": [ "...", 1 ], ...} whose strings
 * (keys too) are written with random escapes: duban_json_has_nul must say
 * yes exactly when one of them holds U+0000, and duban_json_parse must give
 * the same strings back otherwise. */
static void test_nul_differential(void)
{
	srand(12);
	int wrong = 0, parsed_wrong = 0, with_nul = 0;
	const int runs = 5000;
	for (int run = 0; run < runs; run++) {
		struct duban_buf doc, want;
		duban_buf_init(&doc);
		duban_buf_init(&want);
		bool nul = false;
		duban_buf_putc(&doc, '{');
		int nstr = 1 + rand() % 4;
		for (int k = 0; k < nstr; k++) {
			duban_buf_puts(&doc, k ? ", \"" : " \"");
			put_cp(&doc, 'a' + (unsigned)k, 2);
			if (rand() % 8 == 0) { /* a NUL in a key */
				put_cp(&doc, 0, 1);
				nul = true;
			}
			duban_buf_puts(&doc, "\": [\"");
			int len = rand() % 12;
			for (int i = 0; i < len; i++) {
				unsigned cp = pick_cp((unsigned)rand());
				nul |= cp == 0;
				put_cp(&doc, cp, (unsigned)rand());
				if (cp == 0)
					duban_buf_puts(&want, "<0>"); /* never compared */
				else
					put_cp(&want, cp, 2);
			}
			duban_buf_puts(&doc, "\", 1]");
			duban_buf_putc(&want, '|');
		}
		duban_buf_puts(&doc, " }");
		with_nul += nul;
		const char *text = doc.data;
		if (duban_json_has_nul(text, doc.len) != nul) {
			if (wrong++ < 3)
				diag("has_nul says %d for %s", !nul, text);
		}
		bool has = false;
		cJSON *j = duban_json_parse(text, doc.len, &has);
		if (nul != (j == NULL) || has != nul) {
			if (parsed_wrong++ < 3)
				diag("parse: %s", text);
		} else if (j) {
			/* Each string decodes to what was meant: compare re-encoded. */
			struct duban_buf got;
			duban_buf_init(&got);
			const cJSON *m;
			cJSON_ArrayForEach(m, j) {
				const char *v = cJSON_GetArrayItem(m, 0)->valuestring;
				for (const unsigned char *p = (const unsigned char *)v; *p;) {
					unsigned cp = *p < 0x80 ? *p : ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
					p += *p < 0x80 ? 1 : 2;
					put_cp(&got, cp, 2);
				}
				duban_buf_putc(&got, '|');
			}
			if (strcmp(got.data ? got.data : "", want.data ? want.data : "") != 0 && parsed_wrong++ < 3)
				diag("decoded differently: %s", text);
			free(got.data);
		}
		cJSON_Delete(j);
		free(doc.data);
		free(want.data);
	}
	is_int(wrong, 0, "duban_json_has_nul agrees with the generator on 5000 documents");
	is_int(parsed_wrong, 0, "duban_json_parse refuses exactly those and decodes the others as meant");
	ok(with_nul > runs / 5 && with_nul < runs * 4 / 5, "both kinds were generated");
	diag("%d of %d generated documents held U+0000", with_nul, runs);

	static const struct {
		const char *text;
		bool nul;
	} cases[] = {
		{ "{\"note\": \"before\\u0000after\"}", true },
		{ "{\"op_id\": \"x\\u0000junk\"}", true },
		{ "{\"a\": \"\\\\u0000\"}", false },       /* a backslash, then u0000 */
		{ "{\"a\": \"\\\\\\u0000\"}", true },      /* a backslash, then NUL */
		{ "{\"a\": \"\\u00000\"}", true },
		{ "{\"a\": \"\\u0001\"}", false },
		{ "{\"a\": \"u0000\"}", false },
		{ "{\"\\u0000\": 1}", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool has = false;
		cJSON *j = duban_json_parse(cases[i].text, strlen(cases[i].text), &has);
		ok(has == cases[i].nul && (j == NULL) == cases[i].nul, cases[i].text);
		cJSON_Delete(j);
	}
	bool has = false;
	static const char raw[] = "{\"a\": \"x\0y\"}";
	ok(!duban_json_parse(raw, sizeof raw - 1, &has) && has, "a raw NUL byte is refused too");
	cJSON *j = duban_json_parse("{} x", 4, &has);
	ok(!j && !has, "trailing garbage is refused");
	j = duban_json_parse("{} \n", 4, &has);
	ok(j != NULL, "trailing white space is not");
	cJSON_Delete(j);
}

/* ---------------------------------------------------------------- print (issue 12 #11) */

static bool has_terminal_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x1B || *p == 0x7F || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return true;
		if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xA8 && p[2] <= 0xAE)
			return true;
		if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
			return true;
	}
	return false;
}

/* Random strings over tricky code points: the printed JSON holds no raw
 * terminal control, and reads back as the same strings. */
static void test_print_escapes(void)
{
	static const unsigned cps[] = { 'a', 0x4E2D, 0x1B, 0x7F, 0x80, 0x85, 0x9B, 0x9F, 0xA0, 0x202A, 0x202E,
					0x202F, 0x2066, 0x2069, 0x2028, 0x2029, 0x2014, 0x2065, '"', '\\', 0x10 };
	srand(11);
	int bad_raw = 0, bad_back = 0;
	for (int run = 0; run < 2000; run++) {
		struct duban_buf b;
		duban_buf_init(&b);
		int len = 1 + rand() % 10;
		for (int i = 0; i < len; i++) {
			char enc[4];
			unsigned cp = cps[rand() % (int)(sizeof cps / sizeof cps[0])];
			duban_buf_add(&b, enc, duban_utf8_encode(cp, enc));
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "title", b.data);
		cJSON *a = cJSON_AddArrayToObject(o, "list");
		cJSON_AddItemToArray(a, cJSON_CreateString(b.data));
		for (int formatted = 0; formatted < 2; formatted++) {
			char *text = duban_json_print(o, formatted);
			bad_raw += has_terminal_control(text);
			cJSON *back = cJSON_Parse(text);
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(back, "title");
			const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(back, "list"), 0);
			bad_back += !cJSON_IsString(t) || strcmp(t->valuestring, b.data) != 0 || !cJSON_IsString(l)
				    || strcmp(l->valuestring, b.data) != 0;
			cJSON_Delete(back);
			free(text);
		}
		cJSON_Delete(o);
		duban_buf_free(&b);
	}
	is_int(bad_raw, 0, "duban_json_print leaves no raw C1, bidi, DEL or ESC in 4000 documents");
	is_int(bad_back, 0, "... and they read back as the same strings");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "t", "a\xc2\x9b" "31m\xe2\x80\xae" "b");
	char *text = duban_json_print(o, false);
	is_str(text, "{\"t\":\"a\\u009b31m\\u202eb\"}", "U+009B and U+202E are written \\u009b and \\u202e");
	free(text);
	cJSON_Delete(o);
}

/* duban_json_size against cJSON's own printing: never below it (a pull page
 * is cut by it), and exact but for numbers. */
static void test_json_size(void)
{
	static const unsigned cps[] = { 'a', 0x4E2D, 0x01, 0x1F, '"', '\\', '\n', '\t', 0x7F, 0x9B, 0x202E, '/' };
	srand(13);
	int below = 0, off = 0;
	for (int run = 0; run < 2000; run++) {
		cJSON *o = cJSON_CreateObject();
		int nnum = 0;
		for (int k = 0, n = 1 + rand() % 5; k < n; k++) {
			struct duban_buf b;
			duban_buf_init(&b);
			for (int i = 0, len = rand() % 12; i < len; i++) {
				char enc[4];
				duban_buf_add(&b, enc, duban_utf8_encode(cps[rand() % (int)(sizeof cps / sizeof cps[0])], enc));
			}
			char key[16];
			snprintf(key, sizeof key, "k%d", k);
			if (rand() % 3 == 0) {
				cJSON_AddNumberToObject(o, key, rand() % 2 ? rand() : rand() / 7.0);
				nnum++;
			} else if (rand() % 4 == 0) {
				cJSON *a = cJSON_AddArrayToObject(o, key);
				cJSON_AddItemToArray(a, cJSON_CreateString(b.data ? b.data : ""));
				cJSON_AddItemToArray(a, cJSON_CreateNull());
				nnum++; /* counted as "false": a byte more than "null" */
			} else {
				cJSON_AddStringToObject(o, key, b.data ? b.data : "");
			}
			duban_buf_free(&b);
		}
		char *text = cJSON_PrintUnformatted(o);
		size_t got = duban_json_size(o), want = strlen(text);
		below += got < want;
		off += got > want + (size_t)nnum * 26;
		free(text);
		cJSON_Delete(o);
	}
	is_int(below, 0, "duban_json_size is never below the printed size (2000 documents)");
	is_int(off, 0, "... and exact but for numbers");

	struct duban_item it;
	char err[256];
	duban_item_init(&it);
	duban_set_str(&it.code, "X-1");
	duban_set_str(&it.title, "t");
	ok(duban_item_within_limits(&it, err, sizeof err), "a small item is within the limits");
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < 20000; i++)
		duban_buf_puts(&b, "\x01"); /* written \u0001: six bytes each */
	duban_set_str(&it.description, b.data);
	duban_set_str(&it.goal, b.data);
	duban_set_str(&it.measures, b.data);
	ok(!duban_item_within_limits(&it, err, sizeof err) && strstr(err, "256 KB"),
	   "60,000 control characters (360 KB as JSON) are over the item limit");
	duban_buf_free(&b);
	duban_item_free(&it);
}

/* ---- duban_item_to_json_text against cJSON_PrintUnformatted ---- */

#define ITEM_PTR(type, item, f) ((type *)(void *)((char *)(item) + (f)->offset))

static unsigned long long rng = 88172645463325252ULL;
static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Any bytes but NUL: ASCII, every control character, quotes, backslashes,
 * Chinese in UTF-8, stray high bytes. */
static char *random_text(void)
{
	static const char *const pieces[] = { "整改", "\"", "\\", "\n", "\t", "\b", "\f", "\r", "\x01", "\x1f",
					       "\x7f", "\xc2\x9b", "\xe2\x80\xa8", "a", " ", "/", "\xff", "{}[],:" };
	size_t n = next_rand() % 12;
	char *s = calloc(1, n * 8 + 1);
	for (size_t i = 0; i < n; i++) {
		if (next_rand() % 3 == 0) {
			/* A string, not strncat of one char: GCC's -Wstringop-truncation
			 * rejects that under -Werror. */
			char c[2] = { (char)(1 + next_rand() % 255), '\0' };
			strcat(s, c);
		} else {
			strcat(s, pieces[next_rand() % (sizeof pieces / sizeof pieces[0])]);
		}
	}
	return s;
}

static double random_double(void)
{
	static const double specials[] = { 0.0, -0.0, 1.0, -1.0, 0.1, 2147483647.0, 2147483648.0, -2147483648.0,
					   -2147483649.0, 1e15, 1e16, 1e300, 5e-324, 123456.789, 116.397128 };
	unsigned long long bits;
	double d;
	switch (next_rand() % 4) {
	case 0:
		return specials[next_rand() % (sizeof specials / sizeof specials[0])];
	case 1:
		bits = next_rand();
		memcpy(&d, &bits, sizeof d);
		return d; /* any double, NaN and infinities included */
	case 2:
		return (double)(long long)(next_rand() % 2000000) / 1000.0 - 1000.0;
	default:
		return (double)(next_rand() % 100000000) / 1e6;
	}
}

static void random_item(struct duban_item *it)
{
	duban_item_init(it);
	snprintf(it->id, sizeof it->id, "%016llx", next_rand());
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		switch (f->type) {
		case DUBAN_FT_TEXT: {
			char *t = random_text();
			duban_set_str(ITEM_PTR(char *, it, f), next_rand() % 5 ? t : NULL);
			free(t);
			break;
		}
		case DUBAN_FT_DATE:
			*ITEM_PTR(duban_date, it, f) = next_rand() % 4 ? duban_date_from_ymd(1990 + (int)(next_rand() % 60),
										 1 + (int)(next_rand() % 12),
										 1 + (int)(next_rand() % 28))
								      : DUBAN_DATE_NONE;
			break;
		case DUBAN_FT_INT:
			*ITEM_PTR(int, it, f) = (int)(next_rand() % 4 ? next_rand() % 200 : next_rand());
			break;
		case DUBAN_FT_DOUBLE:
			*ITEM_PTR(double, it, f) = random_double();
			break;
		case DUBAN_FT_BOOL:
			*ITEM_PTR(bool, it, f) = next_rand() % 2;
			break;
		case DUBAN_FT_KIND:
			*ITEM_PTR(int, it, f) = (int)(next_rand() % DUBAN_KIND_COUNT);
			break;
		case DUBAN_FT_STATUS:
			*ITEM_PTR(int, it, f) = (int)(next_rand() % DUBAN_STATUS_COUNT);
			break;
		case DUBAN_FT_DEADLINE_KIND:
			*ITEM_PTR(int, it, f) = (int)(next_rand() % DUBAN_DEADLINE_KIND_COUNT);
			break;
		case DUBAN_FT_SCOPE:
			*ITEM_PTR(int, it, f) = (int)(next_rand() % DUBAN_SCOPE_COUNT);
			break;
		case DUBAN_FT_VERDICT:
			*ITEM_PTR(int, it, f) = (int)(next_rand() % DUBAN_VERDICT_COUNT);
			break;
		}
	}
	snprintf(it->created_at, sizeof it->created_at, "2026-0%d-15T08:00:00Z", 1 + (int)(next_rand() % 9));
	snprintf(it->updated_at, sizeof it->updated_at, "2026-12-07T2%d:00:00Z", (int)(next_rand() % 4));
	it->version = next_rand() % 3 == 0 ? (long long)(next_rand() >> 10) : (long long)(next_rand() % 100000);
}

static void test_item_text_differential(void)
{
	int same = 0, shown = 0, n = 5000;
	for (int i = 0; i < n; i++) {
		struct duban_item it;
		random_item(&it);
		cJSON *j = duban_item_to_json(&it);
		char *want = cJSON_PrintUnformatted(j), *got = duban_item_to_json_text(&it);
		if (strcmp(want, got) == 0)
			same++;
		else if (shown++ < 3) {
			size_t at = 0;
			while (want[at] && want[at] == got[at])
				at++;
			at = at > 40 ? at - 40 : 0;
			diag("item %d differs:\n  cJSON: %.100s\n  text:  %.100s", i, want + at, got + at);
		}
		free(want);
		free(got);
		cJSON_Delete(j);
		duban_item_free(&it);
	}
	is_int(same, n, "duban_item_to_json_text = cJSON_PrintUnformatted(duban_item_to_json) on 5000 random items");
}

int main(void)
{
	test_round_trip();
	test_blank_item();
	test_lenient_and_errors();
	test_records();
	test_nul_differential();
	test_print_escapes();
	test_json_size();
	test_item_text_differential();
	return done_testing();
}
