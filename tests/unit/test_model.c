/* Unit tests of the data model: status machine, warning lights, the field
 * table and the enumerations. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/util.h"

#include "tap.h"

#define NS DUBAN_STATUS_NOT_STARTED
#define IP DUBAN_STATUS_IN_PROGRESS
#define RQ DUBAN_STATUS_REQUESTED
#define VF DUBAN_STATUS_VERIFIED
#define PB DUBAN_STATUS_PUBLICIZED
#define CL DUBAN_STATUS_CLOSED

/* The expected machine, written out independently of model.c: for each
 * (from, to), which roles may move and whether a reason is required.
 * 'O' office only, 'B' office and inspector, '.' never legal; lower case
 * when a reason is required. */
static const char machine[DUBAN_STATUS_COUNT][DUBAN_STATUS_COUNT + 1] = {
	/*          NS IP RQ VF PB CL */
	[NS] = ".B....",
	[IP] = "..B...",
	[RQ] = ".b.B..",
	[VF] = ".o..OO",
	[PB] = ".o...O",
	[CL] = ".o....",
};

static enum duban_err expected(enum duban_status from, enum duban_status to, enum duban_role role)
{
	char c = machine[from][to];
	if (c == '.')
		return DUBAN_ERR_TRANSITION;
	if (role == DUBAN_ROLE_OFFICE)
		return DUBAN_OK;
	if (role == DUBAN_ROLE_INSPECTOR && (c == 'B' || c == 'b'))
		return DUBAN_OK;
	return DUBAN_ERR_PERMISSION;
}

static void test_machine(void)
{
	char name[128];
	for (int r = 0; r < DUBAN_ROLE_COUNT; r++)
		for (int f = 0; f < DUBAN_STATUS_COUNT; f++)
			for (int t = 0; t < DUBAN_STATUS_COUNT; t++) {
				snprintf(name, sizeof name, "%s: %s -> %s with a reason", duban_role_id(r),
					 duban_status_id(f), duban_status_id(t));
				is_int(duban_status_check(f, t, r, "退回：现场核查未通过"), expected(f, t, r), name);
			}

	/* Reasons: every return to in_progress needs one; nothing else does. */
	for (int f = 0; f < DUBAN_STATUS_COUNT; f++)
		for (int t = 0; t < DUBAN_STATUS_COUNT; t++) {
			char c = machine[f][t];
			bool need = c == 'b' || c == 'o';
			snprintf(name, sizeof name, "needs_reason %s -> %s", duban_status_id(f), duban_status_id(t));
			is_int(duban_status_needs_reason(f, t), need, name);
			for (int r = 0; r < DUBAN_ROLE_COUNT; r++) {
				enum duban_err want = expected(f, t, r);
				if (want == DUBAN_OK && need)
					want = DUBAN_ERR_REASON;
				snprintf(name, sizeof name, "%s: %s -> %s without a reason", duban_role_id(r),
					 duban_status_id(f), duban_status_id(t));
				is_int(duban_status_check(f, t, r, NULL), want, name);
			}
		}
	is_int(duban_status_check(RQ, IP, DUBAN_ROLE_INSPECTOR, ""), DUBAN_ERR_REASON, "empty reason");
	is_int(duban_status_check(RQ, IP, DUBAN_ROLE_INSPECTOR, " \t "), DUBAN_ERR_REASON, "blank reason");
	is_int(duban_status_check(CL, IP, DUBAN_ROLE_OFFICE, "\xe3\x80\x80 "), DUBAN_ERR_REASON,
	       "full-width blank reason");
	is_int(duban_status_check(CL, IP, DUBAN_ROLE_OFFICE, " 问题反弹 "), DUBAN_OK, "reopen with a reason");
	is_int(duban_status_check(CL, IP, DUBAN_ROLE_VIEWER, NULL), DUBAN_ERR_PERMISSION,
	       "permission is checked before the reason");
	is_int(duban_status_check(IP, IP, DUBAN_ROLE_OFFICE, "x"), DUBAN_ERR_TRANSITION, "same status");
	is_int(duban_status_check(NS, CL, DUBAN_ROLE_OFFICE, "x"), DUBAN_ERR_TRANSITION, "no shortcut to closed");

	/* status_next agrees with the matrix. */
	for (int r = 0; r < DUBAN_ROLE_COUNT; r++)
		for (int f = 0; f < DUBAN_STATUS_COUNT; f++) {
			enum duban_status to[DUBAN_STATUS_COUNT];
			int n = duban_status_next(f, r, to), want = 0;
			bool agree = true;
			for (int t = 0; t < DUBAN_STATUS_COUNT; t++)
				if (expected(f, t, r) == DUBAN_OK) {
					if (want >= n || to[want] != (enum duban_status)t)
						agree = false;
					want++;
				}
			snprintf(name, sizeof name, "status_next %s from %s", duban_role_id(r), duban_status_id(f));
			ok(agree && n == want, name);
		}
	enum duban_status to[DUBAN_STATUS_COUNT];
	is_int(duban_status_next(VF, DUBAN_ROLE_OFFICE, to), 3, "office from verified: three ways");
	is_int(duban_status_next(VF, DUBAN_ROLE_VIEWER, to), 0, "viewer: none");
}

#define T 20000 /* "today" as a day number */

static enum duban_light light(enum duban_status s, enum duban_deadline_kind dk, duban_date start,
			      duban_date deadline, int progress)
{
	return duban_light_of(s, dk, start, deadline, progress, T, NULL);
}

static void test_lights(void)
{
	const duban_date N = DUBAN_DATE_NONE;
	const enum duban_deadline_kind D = DUBAN_DEADLINE_DATE;

	is_int(light(IP, D, N, T, 0), DUBAN_LIGHT_YELLOW, "due today: yellow");
	is_int(light(IP, D, N, T + 7, 0), DUBAN_LIGHT_YELLOW, "due in 7 days: yellow");
	is_int(light(IP, D, N, T + 8, 0), DUBAN_LIGHT_GREEN, "due in 8 days: green");
	is_int(light(IP, D, N, T - 1, 100), DUBAN_LIGHT_RED, "overdue by 1 day: red");
	is_int(light(NS, D, N, T - 1, 0), DUBAN_LIGHT_RED, "not started, overdue: red");
	is_int(light(RQ, D, N, T - 1, 100), DUBAN_LIGHT_RED, "requested, overdue: red");
	is_int(light(RQ, D, N, T + 3, 100), DUBAN_LIGHT_YELLOW, "requested, due in 3 days: yellow");
	is_int(light(VF, D, N, T - 30, 100), DUBAN_LIGHT_GREEN, "verified, overdue: green");
	is_int(light(PB, D, N, T - 30, 100), DUBAN_LIGHT_GREEN, "publicized, overdue: green");
	is_int(light(CL, D, N, T - 30, 100), DUBAN_LIGHT_GREY, "closed: grey");
	is_int(light(CL, DUBAN_DEADLINE_ONGOING, N, N, 0), DUBAN_LIGHT_GREY, "closed and ongoing: grey");
	is_int(light(IP, DUBAN_DEADLINE_ONGOING, N, T - 30, 0), DUBAN_LIGHT_BLUE, "ongoing, milestone passed: blue");
	is_int(light(NS, DUBAN_DEADLINE_ONGOING, N, N, 0), DUBAN_LIGHT_BLUE, "ongoing: blue");
	is_int(light(IP, DUBAN_DEADLINE_IMMEDIATE, N, T - 1, 0), DUBAN_LIGHT_RED, "immediate, overdue: red");
	is_int(light(IP, D, N, N, 0), DUBAN_LIGHT_GREEN, "no deadline: green");

	/* Half the time has gone: elapsed 50%. */
	is_int(duban_schedule_lag(T - 50, T + 50, 40, T), 10, "lag 10");
	is_int(light(IP, D, T - 50, T + 50, 40), DUBAN_LIGHT_GREEN, "lag 10: green");
	is_int(light(IP, D, T - 50, T + 50, 39), DUBAN_LIGHT_YELLOW, "lag 11: yellow");
	is_int(light(IP, D, T - 50, T + 50, 20), DUBAN_LIGHT_YELLOW, "lag 30: yellow");
	is_int(light(IP, D, T - 50, T + 50, 19), DUBAN_LIGHT_RED, "lag 31: red");
	is_int(light(NS, D, T - 50, T + 50, 0), DUBAN_LIGHT_RED, "not started, lag 50: red");
	is_int(light(RQ, D, T - 50, T + 50, 0), DUBAN_LIGHT_GREEN, "requested: lag does not count");
	is_int(light(IP, D, T - 50, T + 5, 90), DUBAN_LIGHT_YELLOW, "ahead of schedule but due soon: yellow");

	is_int(duban_schedule_lag(N, T + 50, 10, T), 0, "lag: no start");
	is_int(duban_schedule_lag(T - 50, N, 10, T), 0, "lag: no deadline");
	is_int(duban_schedule_lag(T, T, 10, T), 0, "lag: deadline on start");
	is_int(duban_schedule_lag(T + 10, T, 10, T), 0, "lag: deadline before start");
	is_int(duban_schedule_lag(T + 1, T + 100, 10, T), -10, "lag before the start: elapsed 0");
	is_int(duban_schedule_lag(T - 100, T - 1, 60, T), 40, "lag after the deadline: elapsed 100");
	is_int(duban_schedule_lag(T - 1, T + 2, 0, T), 33, "lag rounds down");

	struct duban_light_rules r = { 3, 20, 40 };
	is_int(duban_light_of(IP, D, N, T + 4, 0, T, &r), DUBAN_LIGHT_GREEN, "warn_days 3: due in 4 is green");
	is_int(duban_light_of(IP, D, N, T + 3, 0, T, &r), DUBAN_LIGHT_YELLOW, "warn_days 3: due in 3 is yellow");
	is_int(duban_light_of(IP, D, T - 50, T + 50, 30, T, &r), DUBAN_LIGHT_GREEN, "lag_yellow 20: lag 20 green");
	is_int(duban_light_of(IP, D, T - 50, T + 50, 9, T, &r), DUBAN_LIGHT_RED, "lag_red 40: lag 41 red");
	is_int(duban_light_rules_default.warn_days, 7, "default warn_days");
	is_int(duban_light_rules_default.lag_yellow, 10, "default lag_yellow");
	is_int(duban_light_rules_default.lag_red, 30, "default lag_red");

	struct duban_item it;
	duban_item_init(&it);
	is_int(duban_item_light(&it, T, NULL), DUBAN_LIGHT_GREEN, "fresh item: green");
	it.deadline = T - 1;
	it.status = IP;
	is_int(duban_item_light(&it, T, NULL), DUBAN_LIGHT_RED, "item overdue: red");
	it.status = CL;
	is_int(duban_item_light(&it, T, NULL), DUBAN_LIGHT_GREY, "item closed: grey");
	duban_item_free(&it);

	is_str(duban_light_symbol(DUBAN_LIGHT_RED), "●", "red symbol");
	is_str(duban_light_symbol(DUBAN_LIGHT_YELLOW), "▲", "yellow symbol");
	is_str(duban_light_symbol(DUBAN_LIGHT_GREEN), "○", "green symbol");
	is_str(duban_light_symbol(DUBAN_LIGHT_BLUE), "◆", "blue symbol");
	is_str(duban_light_symbol(DUBAN_LIGHT_GREY), "✓", "grey symbol");
}

static const char *const field_names[] = {
	"kind", "code", "round", "batch", "title", "description", "categories", "scope", "county",
	"township", "lead_unit", "co_units", "leader", "owner", "contact", "goal", "measures",
	"findings", "handling", "accountability", "start", "deadline", "deadline_kind", "notice_end",
	"status", "progress", "verdict", "rectify_orders", "fines", "penalty_cases", "criminal_cases",
	"detentions", "summons", "accountability_count", "key_case", "duplicate_of", "longitude",
	"latitude", "public", "acceptance_levels", "transferred_on", "feedback_on",
};

static void fill(struct duban_item *it)
{
	duban_item_init(it);
	it->kind = DUBAN_KIND_COMPLAINT;
	for (size_t i = 0; i < duban_field_count; i++)
		if (duban_fields[i].type == DUBAN_FT_TEXT) {
			char buf[128];
			snprintf(buf, sizeof buf, " %s 值，含逗号, \"引号\"\n第二行 ", duban_fields[i].label);
			duban_field_parse(&duban_fields[i], it, buf);
		}
	it->scope = DUBAN_SCOPE_SPECIFIC;
	it->start = duban_date_from_ymd(2022, 1, 5);
	it->deadline = duban_date_from_ymd(2022, 12, 31);
	it->deadline_kind = DUBAN_DEADLINE_IMMEDIATE;
	it->notice_end = duban_date_from_ymd(2023, 2, 28);
	it->status = DUBAN_STATUS_PUBLICIZED;
	it->progress = 85;
	it->verdict = DUBAN_VERDICT_PARTLY;
	it->enforcement = (struct duban_enforcement){ 3, 0.1 + 0.2, 2, 1, 4, 6, 7 };
	it->key_case = true;
	it->longitude = 104.0657;
	it->latitude = 30.6595;
	it->is_public = true;
}

static void test_fields(void)
{
	char name[128];
	is_int(duban_field_count, sizeof field_names / sizeof field_names[0], "field count");
	for (size_t i = 0; i < duban_field_count && i < sizeof field_names / sizeof field_names[0]; i++) {
		const struct duban_field *f = &duban_fields[i];
		snprintf(name, sizeof name, "field %zu is %s", i, field_names[i]);
		is_str(f->name, field_names[i], name);
		snprintf(name, sizeof name, "find %s by name", f->name);
		ok(duban_field_find(f->name) == f, name);
		snprintf(name, sizeof name, "find %s by label %s", f->name, f->label);
		ok(duban_field_find(f->label) == f, name);
		snprintf(name, sizeof name, "%s editable", f->name);
		is_int(f->editable, strcmp(f->name, "status") != 0, name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->label, duban_fields[j].label) == 0 || strcmp(f->title, duban_fields[j].title) == 0)
				ok(0, "labels and titles are unique");
	}
	const struct duban_field *code = duban_field_find("code");
	ok(duban_field_find(" 受理编号\xe3\x80\x80") == code, "find by label, trimmed");
	ok(duban_field_find("Lead unit") == duban_field_find("lead_unit"), "find by English title");
	ok(duban_field_find("罚款(万元)") == duban_field_find("fines"), "find 罚款(万元)");
	ok(duban_field_find("nope") == NULL, "unknown field");
	ok(duban_field_find("") == NULL, "empty field name");
	ok(duban_field_find(NULL) == NULL, "NULL field name");
	is_str(duban_field_find("accountability_count")->label, "问责(人次)", "accountability_count label");
	is_str(duban_field_find("public")->title, "Public", "public title");

	/* Round trip: format every field, parse into a fresh item, compare. */
	struct duban_item a, b;
	fill(&a);
	duban_item_init(&b);
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *text = duban_field_format(f, &a);
		snprintf(name, sizeof name, "parse %s", f->name);
		is_int(duban_field_parse(f, &b, text), DUBAN_OK, name);
		snprintf(name, sizeof name, "round trip %s", f->name);
		ok(duban_field_equal(f, &a, &b), name);
		char *again = duban_field_format(f, &b);
		snprintf(name, sizeof name, "format %s again", f->name);
		is_str(again, text, name);
		free(text);
		free(again);
	}
	/* And the empty item round-trips too (NAN coordinates, no dates). */
	struct duban_item e, e2;
	duban_item_init(&e);
	duban_item_init(&e2);
	e2.kind = DUBAN_KIND_COMPLAINT;
	e2.progress = 5;
	e2.longitude = 1;
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *text = duban_field_format(f, &e);
		duban_field_parse(f, &e2, text);
		snprintf(name, sizeof name, "empty round trip %s", f->name);
		ok(duban_field_equal(f, &e, &e2), name);
		free(text);
	}
	duban_item_free(&e);
	duban_item_free(&e2);

	const struct duban_field *fines = duban_field_find("fines"), *lon = duban_field_find("longitude"),
				 *lat = duban_field_find("latitude"), *prog = duban_field_find("progress"),
				 *dl = duban_field_find("deadline"), *kc = duban_field_find("key_case"),
				 *dk = duban_field_find("deadline_kind"), *st = duban_field_find("status"),
				 *vd = duban_field_find("verdict"), *sc = duban_field_find("scope"),
				 *kd = duban_field_find("kind"), *det = duban_field_find("detentions");
	char *s;
	b.enforcement.fines = 1.5;
	is_str(s = duban_field_format(fines, &b), "1.5", "fines 1.5");
	free(s);
	b.longitude = NAN;
	is_str(s = duban_field_format(lon, &b), "", "unknown longitude formats as empty");
	free(s);
	is_str(s = duban_field_format(dl, &a), "2022-12-31", "deadline format");
	free(s);
	b.deadline = DUBAN_DATE_NONE;
	is_str(s = duban_field_format(dl, &b), "", "no deadline formats as empty");
	free(s);
	is_str(s = duban_field_format(vd, &a), "partly", "verdict id");
	free(s);
	is_str(s = duban_field_format(kc, &a), "true", "bool true");
	free(s);
	is_str(s = duban_field_format(st, &a), "publicized", "status id");
	free(s);

	is_int(duban_field_parse(prog, &b, "85%"), DUBAN_OK, "progress 85%");
	is_int(b.progress, 85, "progress is 85");
	is_int(duban_field_parse(prog, &b, " 60 ％"), DUBAN_OK, "progress 60 full-width percent");
	is_int(b.progress, 60, "progress is 60");
	is_int(duban_field_parse(prog, &b, "101"), DUBAN_ERR_INVALID, "progress 101 rejected");
	is_int(duban_field_parse(prog, &b, "-1"), DUBAN_ERR_INVALID, "progress -1 rejected");
	is_int(duban_field_parse(prog, &b, "50abc"), DUBAN_ERR_INVALID, "progress 50abc rejected");
	is_int(duban_field_parse(prog, &b, "%"), DUBAN_ERR_INVALID, "progress % alone rejected");
	is_int(b.progress, 60, "a rejected value leaves the field alone");
	is_int(duban_field_parse(prog, &b, "100"), DUBAN_OK, "progress 100");
	is_int(duban_field_parse(prog, &b, ""), DUBAN_OK, "progress empty");
	is_int(b.progress, 0, "empty progress is 0");
	is_int(duban_field_parse(det, &b, "12"), DUBAN_OK, "detentions 12");
	is_int(b.enforcement.detentions, 12, "detentions stored in enforcement");
	is_int(duban_field_parse(det, &b, "12%"), DUBAN_ERR_INVALID, "only progress takes a percent sign");
	is_int(duban_field_parse(det, &b, "99999999999"), DUBAN_ERR_INVALID, "int overflow rejected");
	is_int(duban_field_parse(det, &b, "1.5"), DUBAN_ERR_INVALID, "fraction in an int rejected");

	is_int(duban_field_parse(fines, &b, " 12.75 "), DUBAN_OK, "fines 12.75");
	ok(b.enforcement.fines == 12.75, "fines is 12.75");
	is_int(duban_field_parse(fines, &b, ""), DUBAN_OK, "fines empty");
	ok(b.enforcement.fines == 0, "empty fines is 0");
	is_int(duban_field_parse(fines, &b, "1.5万"), DUBAN_ERR_INVALID, "fines with a unit rejected");
	is_int(duban_field_parse(fines, &b, "nan"), DUBAN_ERR_INVALID, "fines nan rejected");
	is_int(duban_field_parse(lon, &b, ""), DUBAN_OK, "longitude empty");
	ok(isnan(b.longitude), "empty longitude is NAN");
	is_int(duban_field_parse(lon, &b, "-73.9857"), DUBAN_OK, "longitude -73.9857");
	ok(b.longitude == -73.9857, "longitude is -73.9857");
	is_int(duban_field_parse(lon, &b, "181"), DUBAN_ERR_INVALID, "longitude 181 rejected");
	is_int(duban_field_parse(lat, &b, "90.5"), DUBAN_ERR_INVALID, "latitude 90.5 rejected");
	is_int(duban_field_parse(lat, &b, "inf"), DUBAN_ERR_INVALID, "latitude inf rejected");

	is_int(duban_field_parse(dl, &b, "2022年12月底"), DUBAN_OK, "deadline 2022年12月底");
	is_int(b.deadline, duban_date_from_ymd(2022, 12, 31), "deadline is 2022-12-31");
	is_int(duban_field_parse(dl, &b, "2023/6/1"), DUBAN_OK, "deadline 2023/6/1");
	is_int(b.deadline, duban_date_from_ymd(2023, 6, 1), "deadline is 2023-06-01");
	is_int(duban_field_parse(dl, &b, "soon"), DUBAN_ERR_INVALID, "deadline garbage rejected");
	is_int(b.deadline, duban_date_from_ymd(2023, 6, 1), "deadline unchanged");
	is_int(duban_field_parse(dl, &b, "  "), DUBAN_OK, "deadline blank");
	is_int(b.deadline, DUBAN_DATE_NONE, "blank deadline is none");

	static const char *const yes[] = { "true", "TRUE", "yes", "Yes", "1", "是", "y", "Y", " 是 " };
	static const char *const no[] = { "false", "False", "no", "NO", "0", "否", "n", "N", "" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		b.key_case = false;
		snprintf(name, sizeof name, "bool '%s' is true", yes[i]);
		ok(duban_field_parse(kc, &b, yes[i]) == DUBAN_OK && b.key_case, name);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		b.key_case = true;
		snprintf(name, sizeof name, "bool '%s' is false", no[i]);
		ok(duban_field_parse(kc, &b, no[i]) == DUBAN_OK && !b.key_case, name);
	}
	is_int(duban_field_parse(kc, &b, "maybe"), DUBAN_ERR_INVALID, "bool maybe rejected");

	is_int(duban_field_parse(kd, &b, "群众信访举报件"), DUBAN_OK, "kind by alias");
	is_int(b.kind, DUBAN_KIND_COMPLAINT, "kind is complaint");
	is_int(duban_field_parse(kd, &b, "what"), DUBAN_ERR_INVALID, "kind garbage rejected");
	is_int(duban_field_parse(kd, &b, ""), DUBAN_ERR_INVALID, "kind empty rejected");
	is_int(duban_field_parse(st, &b, "整改中"), DUBAN_OK, "status by Chinese name");
	is_int(b.status, DUBAN_STATUS_IN_PROGRESS, "status is in_progress");
	is_int(duban_field_parse(dk, &b, "长期坚持"), DUBAN_OK, "deadline kind 长期坚持");
	is_int(b.deadline_kind, DUBAN_DEADLINE_ONGOING, "deadline kind ongoing");
	is_int(duban_field_parse(dk, &b, ""), DUBAN_OK, "deadline kind empty");
	is_int(b.deadline_kind, DUBAN_DEADLINE_DATE, "empty deadline kind is date");
	is_int(duban_field_parse(vd, &b, "基本属实"), DUBAN_OK, "verdict 基本属实");
	is_int(b.verdict, DUBAN_VERDICT_MOSTLY, "verdict mostly");
	is_int(duban_field_parse(vd, &b, ""), DUBAN_OK, "verdict empty");
	is_int(b.verdict, DUBAN_VERDICT_NONE, "empty verdict is none");
	is_int(duban_field_parse(sc, &b, "共性"), DUBAN_OK, "scope 共性");
	is_int(b.scope, DUBAN_SCOPE_COMMON, "scope common");
	is_int(duban_field_parse(sc, &b, "all"), DUBAN_ERR_INVALID, "scope garbage rejected");

	/* Text is kept as given, spaces and all. */
	is_int(duban_field_parse(code, &b, "  SC-2021-001 "), DUBAN_OK, "code");
	is_str(b.code, "  SC-2021-001 ", "text kept as is");
	is_int(duban_field_parse(code, &b, NULL), DUBAN_OK, "code NULL");
	is_str(b.code, "", "NULL text is empty");

	duban_item_free(&a);
	duban_item_free(&b);
}

static void test_enums(void)
{
	char name[128];
	for (int i = 0; i < DUBAN_KIND_COUNT; i++) {
		snprintf(name, sizeof name, "kind %d by id and name", i);
		ok(duban_kind_parse(duban_kind_id(i)) == i && duban_kind_parse(duban_kind_name(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_STATUS_COUNT; i++) {
		snprintf(name, sizeof name, "status %s by id, name and zh", duban_status_id(i));
		ok(duban_status_parse(duban_status_id(i)) == i && duban_status_parse(duban_status_name(i)) == i &&
		   duban_status_parse(duban_status_zh(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_DEADLINE_KIND_COUNT; i++) {
		snprintf(name, sizeof name, "deadline kind %d by id and zh", i);
		ok(duban_deadline_kind_parse(duban_deadline_kind_id(i)) == i &&
		   duban_deadline_kind_parse(duban_deadline_kind_zh(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_SCOPE_COUNT; i++) {
		snprintf(name, sizeof name, "scope %d by id and zh", i);
		ok(duban_scope_parse(duban_scope_id(i)) == i && duban_scope_parse(duban_scope_zh(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_VERDICT_COUNT; i++) {
		snprintf(name, sizeof name, "verdict %d by id and zh", i);
		ok(duban_verdict_parse(duban_verdict_id(i)) == i && duban_verdict_parse(duban_verdict_zh(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_LIGHT_COUNT; i++) {
		snprintf(name, sizeof name, "light %d by id and name", i);
		ok(duban_light_parse(duban_light_id(i)) == i && duban_light_parse(duban_light_name(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_ROLE_COUNT; i++) {
		snprintf(name, sizeof name, "role %d by id", i);
		ok(duban_role_parse(duban_role_id(i)) == i, name);
	}
	for (int i = 0; i < DUBAN_ACTION_KIND_COUNT; i++) {
		snprintf(name, sizeof name, "action kind %d by id and zh", i);
		ok(duban_action_kind_parse(duban_action_kind_id(i)) == i &&
		   duban_action_kind_parse(duban_action_kind_zh(i)) == i, name);
	}

	is_str(duban_kind_id(DUBAN_KIND_COMPLAINT), "complaint", "kind id");
	is_int(duban_kind_parse("PROBLEM"), DUBAN_KIND_PROBLEM, "kind upper case");
	is_int(duban_kind_parse("反馈问题"), DUBAN_KIND_PROBLEM, "kind 反馈问题");
	is_int(duban_kind_parse("整改任务"), DUBAN_KIND_PROBLEM, "kind alias 整改任务");
	is_int(duban_kind_parse("问题"), DUBAN_KIND_PROBLEM, "kind alias 问题");
	is_int(duban_kind_parse(" 信访件 "), DUBAN_KIND_COMPLAINT, "kind 信访件 trimmed");
	is_int(duban_kind_parse("举报件"), DUBAN_KIND_COMPLAINT, "kind alias 举报件");
	is_int(duban_kind_parse("投诉"), DUBAN_KIND_COMPLAINT, "kind alias 投诉");
	is_int(duban_kind_parse("task"), -1, "kind garbage");

	is_str(duban_status_id(DUBAN_STATUS_NOT_STARTED), "not_started", "status id");
	is_str(duban_status_zh(DUBAN_STATUS_REQUESTED), "申请销号", "status zh");
	is_str(duban_status_name(DUBAN_STATUS_IN_PROGRESS), "in progress", "status name (C locale)");
	is_int(duban_status_parse("in progress"), IP, "status 'in progress'");
	is_int(duban_status_parse(" In_Progress "), IP, "status mixed case");
	is_int(duban_status_parse("in-progress"), IP, "status with a hyphen");
	is_int(duban_status_parse("未启动"), NS, "status alias 未启动");
	is_int(duban_status_parse("正在办理"), IP, "status alias 正在办理");
	is_int(duban_status_parse("推进中"), IP, "status alias 推进中");
	is_int(duban_status_parse("验收通过"), VF, "status alias 验收通过");
	is_int(duban_status_parse("已办结"), CL, "status alias 已办结");
	is_int(duban_status_parse("已完成"), CL, "status alias 已完成");
	is_int(duban_status_parse("完成"), CL, "status alias 完成");
	is_int(duban_status_parse("CLOSED"), CL, "status upper case");
	is_int(duban_status_parse("done"), -1, "status garbage");
	is_int(duban_status_parse(""), -1, "status empty");
	is_int(duban_status_parse(NULL), -1, "status NULL");
	is_int(duban_status_parse("in__progress"), -1, "status near miss");

	is_int(duban_deadline_kind_parse("立行立改"), DUBAN_DEADLINE_IMMEDIATE, "立行立改");
	is_int(duban_deadline_kind_parse("持续推进"), DUBAN_DEADLINE_ONGOING, "alias 持续推进");
	is_int(duban_deadline_kind_parse("Ongoing"), DUBAN_DEADLINE_ONGOING, "Ongoing");
	is_int(duban_deadline_kind_parse("限期"), DUBAN_DEADLINE_DATE, "限期");
	is_int(duban_deadline_kind_parse("someday"), -1, "deadline kind garbage");

	is_int(duban_scope_parse("个性"), DUBAN_SCOPE_SPECIFIC, "scope 个性");
	is_int(duban_scope_parse(" Common "), DUBAN_SCOPE_COMMON, "scope Common");
	is_int(duban_scope_parse(""), DUBAN_SCOPE_NONE, "scope empty");
	is_str(duban_scope_id(DUBAN_SCOPE_NONE), "", "scope none id");

	is_int(duban_verdict_parse("属实"), DUBAN_VERDICT_TRUE, "verdict 属实");
	is_int(duban_verdict_parse("部分属实"), DUBAN_VERDICT_PARTLY, "verdict 部分属实");
	is_int(duban_verdict_parse("不属实"), DUBAN_VERDICT_FALSE, "verdict 不属实");
	is_int(duban_verdict_parse("FALSE"), DUBAN_VERDICT_FALSE, "verdict FALSE");
	is_int(duban_verdict_parse("mostly true"), DUBAN_VERDICT_MOSTLY, "verdict 'mostly true'");
	is_int(duban_verdict_parse("属"), -1, "verdict garbage");

	is_int(duban_light_parse("红灯"), DUBAN_LIGHT_RED, "light 红灯");
	is_int(duban_light_parse("黄灯"), DUBAN_LIGHT_YELLOW, "light 黄灯");
	is_int(duban_light_parse("绿灯"), DUBAN_LIGHT_GREEN, "light 绿灯");
	is_int(duban_light_parse("长期"), DUBAN_LIGHT_BLUE, "light 长期");
	is_int(duban_light_parse("已销号"), DUBAN_LIGHT_GREY, "light 已销号");
	is_int(duban_light_parse("Gray"), DUBAN_LIGHT_GREY, "light Gray");
	is_int(duban_light_parse("purple"), -1, "light garbage");

	is_int(duban_role_parse("Inspector"), DUBAN_ROLE_INSPECTOR, "role Inspector");
	is_int(duban_role_parse("admin"), -1, "role garbage");
	is_str(duban_role_id(DUBAN_ROLE_VIEWER), "viewer", "role id");

	is_int(duban_action_kind_parse("约谈"), DUBAN_ACTION_SUMMONS, "action 约谈");
	is_int(duban_action_kind_parse("通报"), DUBAN_ACTION_CIRCULAR, "action 通报");
	is_int(duban_action_kind_parse("Reminder"), DUBAN_ACTION_REMINDER, "action Reminder");
	is_str(duban_action_kind_zh(DUBAN_ACTION_NOTICE), "督办通知", "action zh");
	is_str(duban_action_kind_id(DUBAN_ACTION_ACCOUNTABILITY), "accountability", "action id");
	is_int(duban_action_kind_parse("罚款"), -1, "action garbage");

	int n = 0;
	while (duban_categories[n])
		n++;
	is_int(n, 15, "fifteen categories");
	is_str(duban_categories[0], "大气", "first category");
	is_str(duban_categories[14], "其他", "last category");

	is_str(duban_err_message(DUBAN_ERR_NOT_FOUND), "not found", "error message");
	is_str(duban_err_message(DUBAN_ERR_REASON), "a reason is required", "reason message");
	for (int i = 0; i < DUBAN_ERR_COUNT; i++) {
		snprintf(name, sizeof name, "error %d has a message", i);
		ok(duban_err_message(i) && *duban_err_message(i), name);
	}
}

static void test_items(void)
{
	struct duban_item a, b;
	duban_item_init(&a);
	bool all_empty = true;
	for (size_t i = 0; i < duban_field_count; i++)
		if (duban_fields[i].type == DUBAN_FT_TEXT) {
			char *s = duban_field_format(&duban_fields[i], &a);
			all_empty = all_empty && s[0] == '\0';
			free(s);
		}
	ok(all_empty, "init: every string is empty");
	ok(a.code && a.duplicate_of && a.accountability, "init: strings are not NULL");
	is_int(a.start, DUBAN_DATE_NONE, "init: no start");
	is_int(a.deadline, DUBAN_DATE_NONE, "init: no deadline");
	is_int(a.notice_end, DUBAN_DATE_NONE, "init: no notice end");
	ok(isnan(a.longitude) && isnan(a.latitude), "init: coordinates unknown");
	is_int(a.status, DUBAN_STATUS_NOT_STARTED, "init: not started");
	is_int(a.kind, DUBAN_KIND_PROBLEM, "init: problem");
	is_int(a.version, 0, "init: version 0");
	is_str(a.id, "", "init: no id");

	duban_item_free(&a);
	fill(&a);
	duban_item_copy(&b, &a);
	ok(b.title != a.title && strcmp(b.title, a.title) == 0, "copy: title deep-copied");
	bool all_equal = true;
	for (size_t i = 0; i < duban_field_count; i++)
		all_equal = all_equal && duban_field_equal(&duban_fields[i], &a, &b);
	ok(all_equal, "copy: every field equal");
	duban_set_str(&a.title, "新标题");
	is_str(a.title, "新标题", "set_str");
	ok(strcmp(b.title, "新标题") != 0, "copy is independent");
	ok(!duban_field_equal(duban_field_find("title"), &a, &b), "field_equal sees the change");
	duban_set_str(&a.title, NULL);
	is_str(a.title, "", "set_str NULL");
	duban_set_str(&a.county, "某某县");
	duban_set_str(&a.county, a.county + 3);
	is_str(a.county, "某县", "set_str from its own value");

	duban_item_free(&b);
	duban_item_free(&b);
	ok(1, "double free is harmless");
	duban_item_init(&b);
	duban_item_free(&b);
	ok(1, "re-init after free");

	struct duban_item nan1, nan2;
	duban_item_init(&nan1);
	duban_item_init(&nan2);
	ok(duban_field_equal(duban_field_find("longitude"), &nan1, &nan2), "NAN equals NAN");
	nan2.longitude = 0;
	ok(!duban_field_equal(duban_field_find("longitude"), &nan1, &nan2), "NAN differs from 0");
	duban_item_free(&nan1);
	duban_item_free(&nan2);
	duban_item_free(&a);

	struct duban_note n = { .author = xstrdup("张三"), .text = xstrdup("已完成清运") };
	duban_note_free(&n);
	ok(n.author == NULL && n.text == NULL, "note free");
	struct duban_inspection in = { .level = xstrdup("county"), .inspectors = xstrdup("李四、王五"),
				       .place = xstrdup("河边"), .findings = xstrdup("已整改"),
				       .author = xstrdup("李四") };
	duban_inspection_free(&in);
	ok(in.level == NULL && in.author == NULL, "inspection free");
	struct duban_action ac = { .text = xstrdup("请于三日内回复"), .author = xstrdup("整改办") };
	duban_action_free(&ac);
	ok(ac.text == NULL, "action free");
	struct duban_attachment at = { .name = xstrdup("photo.jpg"), .mime = xstrdup("image/jpeg"),
				       .author = xstrdup("李四") };
	duban_attachment_free(&at);
	ok(at.name == NULL, "attachment free");
	struct duban_event ev = { .field = xstrdup("status"), .old_value = xstrdup("in_progress"),
				  .new_value = xstrdup("requested"), .reason = xstrdup(""),
				  .author = xstrdup("李四"), .device = xstrdup("laptop") };
	duban_event_free(&ev);
	ok(ev.field == NULL && ev.device == NULL, "event free");
}

int main(void)
{
	test_machine();
	test_lights();
	test_fields();
	test_enums();
	test_items();
	return done_testing();
}
