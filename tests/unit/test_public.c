/* The public list: redaction of every kind of personal data (and what must
 * stay: dates, codes, amounts, officials), whole characters only; then the
 * list of a small ledger crafted to carry personal data everywhere, written
 * as CSV, HTML and .xlsx (read back), with nothing personal in any of them. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/public.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"
#include "tap.h"

/* Redacts text for an item whose contact is contact (NULL: no item). */
static char *red(const char *text, const char *contact)
{
	if (!contact)
		return duban_public_redact(text, NULL);
	struct duban_item item;
	duban_item_init(&item);
	duban_set_str(&item.contact, contact);
	char *out = duban_public_redact(text, &item);
	duban_item_free(&item);
	return out;
}

static void is_red(const char *text, const char *contact, const char *want, const char *name)
{
	char *got = red(text, contact);
	is_str(got, want, name);
	free(got);
}

static void kept(const char *text, const char *name)
{
	is_red(text, NULL, text, name);
}

static void test_empty(void)
{
	is_red(NULL, NULL, "", "NULL gives an empty string");
	is_red("", "张三", "", "an empty text stays empty");
	is_red("群众反映情况属实。", "", "群众反映情况属实。", "an empty contact hides nothing");
	is_red("群众反映情况属实。", "张", "群众反映情况属实。", "a one-character contact is not a name");
}

static void test_mobiles(void)
{
	is_red("联系电话13812345678。", NULL, "联系电话***。", "a mobile number");
	is_red("手机 138 1234 5678 转告", NULL, "手机 *** 转告", "grouped by spaces");
	is_red("138-1234-5678", NULL, "***", "grouped by dashes");
	is_red("电话+86 138 1234 5678", NULL, "电话***", "+86 and spaces");
	is_red("电话+8613912345678，", NULL, "电话***，", "+86 joined");
	is_red("（+86）15912345678", NULL, "***", "(+86) in full-width brackets");
	is_red("0086-18612345678", NULL, "***", "0086");
	is_red("电话：１３８１２３４５６７８。", NULL, "电话：***。", "full-width digits, whole characters");
	is_red("张三13812345678李四", NULL, "张三***李四", "between Chinese characters");
	kept("编号12812345678", "12 is not a mobile prefix");
	kept("流水号138123456789", "twelve digits are not a mobile");
	kept("+86", "a country code alone stays");
}

static void test_landlines(void)
{
	is_red("电话0351-2345678。", NULL, "电话***。", "area code and 7 digits");
	is_red("010-12345678转123", NULL, "***", "with an extension");
	is_red("(0351)2345678", NULL, "***", "area code in brackets");
	is_red("（010）12345678", NULL, "***", "full-width brackets");
	is_red("0351 23456789-12 全天", NULL, "*** 全天", "space and a dashed extension");
	is_red("办公电话：2345678", NULL, "办公电话：***", "no area code after 电话");
	is_red("Tel: 87654321", NULL, "Tel: ***", "no area code after Tel");
	is_red("座机为6543210。", NULL, "座机为***。", "after 座机为");
	is_red("035112345678", NULL, "***", "the digits run together");
	kept("共2345678元", "seven digits with no phone word stay");
	kept("执行GB 3095-2012标准", "a standard's number");
}

static void test_ids_and_mail(void)
{
	is_red("身份证号110101199003071234。", NULL, "身份证号***。", "an 18-digit ID number");
	is_red("11010119900307123X", NULL, "***", "ending in X");
	is_red("身份证11010119900307123x号", NULL, "身份证***号", "ending in x");
	is_red("旧证110101900307123", NULL, "旧证***", "an old 15-digit number");
	kept("订单号123456789012345678", "18 digits without a birth date stay");
	kept("统一社会信用代码91140100MA0K123456", "a company's credit code stays");
	is_red("邮箱zhangsan@example.com。", NULL, "邮箱***。", "an e-mail address");
	is_red("请发至 zhang.san+x@mail.example.com.cn，谢谢", NULL, "请发至 ***，谢谢", "a dotted one");
	kept("邮箱@example", "no address without a domain");
	is_red("QQ号：12345678", NULL, "QQ号：***", "a QQ number");
	is_red("微信号abc_12345，", NULL, "微信号***，", "a WeChat id");
}

static void test_plates(void)
{
	is_red("车牌号川A12345的渣土车", NULL, "车牌号***的渣土车", "a plate");
	is_red("粤B·D12345（新能源）", NULL, "***（新能源）", "a new-energy plate with a middle dot");
	is_red("晋A 8K2Q1夜间偷排", NULL, "***夜间偷排", "a space after the city letter");
	is_red("挂车鲁C1234挂无证运输", NULL, "挂车***无证运输", "a trailer's 挂");
	is_red("冀Ｆ１２３４５", NULL, "***", "full-width letters and digits");
	kept("川A类企业", "a province and a letter alone stay");
	kept("京AB区块ABCDE", "letters without a digit stay");
	kept("云A2020年检查", "four characters and no suffix stay");
	kept("新A1234567号文件", "seven characters are not a plate");
}

static void test_kept(void)
{
	kept("2026-06-15前完成整改", "an ISO date");
	kept("2026年6月15日", "a Chinese date");
	kept("2026/06/15至2026.12.31", "other date forms");
	kept("案件D2026-0012已办结", "a case code");
	kept("受理编号DAXX000123", "a complaint code");
	kept("罚款12.5万元，责令整改3家次", "amounts");
	kept("罚款50000元", "a whole amount");
	kept("COD浓度为12345mg/L，pH值6.5", "measurements");
	kept("立案编号20260615000123456789", "a long number");
	kept("距离居民区约1.5公里", "distances");
	kept("对城关区生态环境局副局长李明给予警告处分", "officials' names stay");
	kept("已向信访人做好解释说明工作，属地政府加强日常巡查。", "信访人 not followed by a name");
	kept("与信访人沟通后，信访人对处理结果表示满意。", "信访人 twice, no name");
	kept("举报人张某反映", "an anonymised 张某 stays");
	kept("村民委员会、居民楼", "村民 / 居民 starting other words");
	kept("热线12345", "a public hotline");
}

static void test_contact(void)
{
	const char *c = "张三 13812345678";
	is_red("张三反映厂区夜间偷排。", c, "***反映厂区夜间偷排。", "the contact's name");
	is_red("经联系张先生，已答复张女士。", c, "经联系***，已答复***。", "the surname with 先生 / 女士");
	is_red("张三 13812345678", c, "***", "the whole contact");
	is_red("回访张三（138-1234-5678）满意", c, "回访***（***）满意", "name and grouped number");
	is_red("拨打2345678联系", "李四 0351-2345678", "拨打***联系", "the contact's local number alone");
	is_red("李四的电话", "联系人：李四", "***的电话", "a label in the contact is not the name");
	is_red("经核实，王小明所述属实", "王小明", "经核实，***所述属实", "a three-character name");
	is_red("王先生称", "王小明", "***称", "王先生 from 王小明");
	is_red("欧阳女士", "欧阳娜娜", "***", "a compound surname");
	is_red("Zhang said so; zhang agreed", "Zhang San", "*** said so; *** agreed", "a Latin name");
	is_red("Zhangjiakou", "Zhang San", "Zhangjiakou", "but not inside a word");
	is_red("电话联系", "电话", "电话联系", "a contact that is only a label");
}

static void test_complainants(void)
{
	is_red("举报人张三丰反映", NULL, "举报人***反映", "举报人 and a name");
	is_red("信访人王先生称", NULL, "信访人***称", "信访人 and 王先生");
	is_red("举报人：李四，", NULL, "举报人：***，", "after a colon");
	is_red("来电人刘洋多次来电", NULL, "来电人***多次来电", "来电人");
	is_red("村民赵大海说", NULL, "村民***说", "村民 and a name");
	is_red("投诉人欧阳明，", NULL, "投诉人***，", "a compound surname");
	is_red("周边李女士反映", NULL, "周边***反映", "李女士 anywhere");
	is_red("经联系李四先生、欧阳娜娜女士，", NULL, "经联系***、***，", "a full name with 先生 / 女士");
	kept("王某某先生", "but not 王某某先生");
	is_red("张三和李四先生", NULL, "张三和***", "the name, not the word before it");
	is_red("王林先生", NULL, "***", "a given name that is also a surname");
	kept("群众反映强烈", "群众 and no name");
	kept("村民房屋，村民林地的树，居民田地。", "村民 / 居民 before land and houses");
	is_red("村民林大海反映", NULL, "村民***反映", "but a name with 反映 after it");
	kept("群众满意度高，业主单位已整改", "群众 / 业主 before other words");
	is_red("举报人高明称，", NULL, "举报人***称，", "a surname that starts words, before a verb");
	kept("信访人高度关注，", "but not before punctuation");
}

/* Valid UTF-8 in, valid UTF-8 out, for every way a hide can meet a
 * character. */
static void test_utf8(void)
{
	static const char *const texts[] = {
		"电话１３８１２３４５６７８号", "举报人张三丰反映", "ｅ@例.中国", "张先生", "（０３５１）２３４５６７８",
		"😀13812345678😀", "a@b.cn张三", "𠀀举报人李四，",
	};
	bool all = true;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *out = red(texts[i], "张三 13812345678");
		all &= duban_utf8_valid(out, strlen(out));
		free(out);
	}
	ok(all, "the output is valid UTF-8");
	is_red("😀13812345678😀", NULL, "😀***😀", "a four-byte character on each side");
	is_red("\xff电话13812345678", NULL, "\xff电话***", "invalid bytes pass through untouched");
}

/* ------------------------------------------------------------ the list */

static const char *const secrets[] = {
	"13812345678", "138-1234-5678", "张三", "张先生", "0351-2345678", "2345678",
	"110101199003071234", "zhangsan@example.com", "李大海", "13900001111", "12345678X",
	"SECRET", "XF-002",
};

static void add(duban_store *st, const char *code, enum duban_kind kind, bool pub, const char *county,
		const char *desc, const char *handling)
{
	struct duban_item it;
	duban_item_init(&it);
	it.kind = kind;
	duban_set_str(&it.code, code);
	duban_set_str(&it.title, kind == DUBAN_KIND_COMPLAINT ? "石桥村砖厂粉尘扰民" : "河道排污口整治");
	duban_set_str(&it.description, desc);
	duban_set_str(&it.county, county);
	duban_set_str(&it.township, "石门乡");
	duban_set_str(&it.categories, "大气");
	duban_set_str(&it.contact, "张三 13812345678");
	duban_set_str(&it.findings, "经核查，举报人李大海（电话13900001111）反映属实，张三所述情况存在。");
	duban_set_str(&it.handling, handling);
	duban_set_str(&it.accountability, "对石门乡副乡长王五进行约谈。联系张先生：0351-2345678");
	it.verdict = kind == DUBAN_KIND_COMPLAINT ? DUBAN_VERDICT_TRUE : DUBAN_VERDICT_NONE;
	it.is_public = pub;
	if (duban_item_insert(st, &it) != DUBAN_OK)
		diag("cannot insert %s: %s", code, duban_store_errmsg(st));
	duban_item_free(&it);
}

static void make_ledger(duban_store *st)
{
	add(st, "XF-001", DUBAN_KIND_COMPLAINT, true, "城关区",
	    "群众反映砖厂粉尘扰民，张三（身份证110101199003071234）多次来电，邮箱zhangsan@example.com。",
	    "责令停产整改，罚款12.5万元，2026-06-15前完成。已电话2345678告知。");
	add(st, "XF-002", DUBAN_KIND_COMPLAINT, false, "城关区", "SECRET 不公开的信访件", "SECRET");
	add(st, "FK-001", DUBAN_KIND_PROBLEM, true, "北岭县", "河道排污口未整治，联系人张三138-1234-5678。",
	    "已封堵排污口，验收编号D2026-0012。");
	add(st, "XF-003", DUBAN_KIND_COMPLAINT, true, "北岭县", "北岭县养殖场污水直排，来电人张先生反映。", "");
}

static bool has_secret(const char *text, const char **which)
{
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (strstr(text, secrets[i])) {
			*which = secrets[i];
			return true;
		}
	return false;
}

static void no_secret(const char *text, const char *name)
{
	const char *which = NULL;
	if (!ok(!has_secret(text, &which), name))
		diag("found '%s'", which);
}

static char *export_text(duban_store *st, enum duban_public_format fmt, const struct duban_filter *f)
{
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	struct duban_public_options opt = { .format = fmt, .filter = f, .today = duban_date_parse("2026-06-15") };
	enum duban_err e = duban_public_export(st, mem, &opt, NULL, 0);
	fclose(mem);
	if (e != DUBAN_OK)
		diag("export failed: %d", (int)e);
	return data;
}

static void test_csv(duban_store *st)
{
	char *csv = export_text(st, DUBAN_PUBLIC_CSV, NULL);
	no_secret(csv, "CSV: nothing personal, nothing private");
	ok(strncmp(csv, "序号,受理编号,交办问题基本情况,行政区域,污染类型,调查核实情况,是否属实,"
		   "处理和整改情况,责任人被处理情况\n", 120) == 0, "CSV: the published header");
	const char *a = strstr(csv, "\n1,XF-001,"), *b = strstr(csv, "\n2,XF-003,"), *c = strstr(csv, "\n3,FK-001,");
	ok(a && b && c && a < b && b < c, "CSV: complaints first, in code order, numbered");
	ok(strstr(csv, ",城关区石门乡,大气,") != NULL, "CSV: county and township, categories");
	ok(strstr(csv, "罚款12.5万元，2026-06-15前完成") != NULL, "CSV: amounts and dates kept");
	ok(strstr(csv, "验收编号D2026-0012") != NULL, "CSV: codes kept");
	ok(strstr(csv, "对石门乡副乡长王五进行约谈") != NULL, "CSV: the official's name kept");
	ok(strstr(csv, ",属实,") != NULL, "CSV: the verdict in Chinese");
	free(csv);

	struct duban_filter f;
	duban_filter_init(&f);
	f.county = "北岭县";
	csv = export_text(st, DUBAN_PUBLIC_CSV, &f);
	ok(strstr(csv, "XF-001") == NULL && strstr(csv, "\n1,XF-003,") && strstr(csv, "\n2,FK-001,"),
	   "CSV: a county filter, numbered from 1");
	free(csv);
	f.county = NULL;
	f.kind = DUBAN_KIND_PROBLEM;
	csv = export_text(st, DUBAN_PUBLIC_CSV, &f);
	ok(strstr(csv, "XF-") == NULL && strstr(csv, "\n1,FK-001,"), "CSV: a kind filter");
	free(csv);
}

static void test_html(duban_store *st)
{
	char *html = export_text(st, DUBAN_PUBLIC_HTML, NULL);
	no_secret(html, "HTML: nothing personal, nothing private");
	ok(strstr(html, "<title>生态环境保护督察整改情况公开表</title>") != NULL, "HTML: the title");
	ok(strstr(html, "截至2026年6月15日，共公开群众信访举报件2件、督察反馈问题1项") != NULL, "HTML: date and counts");
	ok(strstr(html, "size: A4 landscape") != NULL, "HTML: a landscape page");
	const char *g1 = strstr(html, "一、群众信访举报件（2件）"), *g2 = strstr(html, "二、督察反馈问题（1项）");
	ok(g1 && g2 && g1 < g2, "HTML: a row before each kind");
	ok(strstr(html, "<td class=\"c\">3</td><td class=\"nw\">FK-001</td>") != NULL, "HTML: numbered rows");
	free(html);

	struct duban_filter f;
	duban_filter_init(&f);
	f.kind = DUBAN_KIND_COMPLAINT;
	f.county = "城关区";
	f.round = "第二轮";
	html = export_text(st, DUBAN_PUBLIC_HTML, &f);
	ok(strstr(html, "<h1>城关区第二轮生态环境保护督察交办群众信访举报件办理情况公开表</h1>") != NULL,
	   "HTML: the title names county, round and kind");
	ok(strstr(html, "无公开事项") != NULL && strstr(html, "<table") == NULL, "HTML: an empty list says so");
	free(html);
}

static void test_xlsx(duban_store *st, const char *dir)
{
	char *path = xasprintf("%s/public.xlsx", dir);
	struct duban_public_options opt = { .format = DUBAN_PUBLIC_XLSX, .today = DUBAN_DATE_NONE };
	char err[512] = "";
	enum duban_err e = duban_public_export_file(st, path, &opt, err, sizeof err);
	if (!ok(e == DUBAN_OK, "XLSX: written"))
		diag("%s", err);
	struct duban_xlsx_sheet sheet = { 0 };
	e = duban_xlsx_read(path, NULL, &sheet, err, sizeof err);
	if (!ok(e == DUBAN_OK, "XLSX: read back"))
		diag("%s", err);
	is_int(sheet.nrows, 5, "XLSX: a title, a header and three rows");
	ok(sheet.nrows > 0 && sheet.rows[0].ncells > 0 &&
	   strcmp(sheet.rows[0].cells[0], "整改情况公开表") != 0 &&
	   strstr(sheet.rows[0].cells[0], "生态环境保护督察整改情况公开表") != NULL,
	   "XLSX: the title above the table, as on the page");
	bool header = sheet.nrows > 1 && sheet.rows[1].ncells == duban_public_ncolumns;
	for (int j = 0; header && j < duban_public_ncolumns; j++)
		header = strcmp(sheet.rows[1].cells[j], duban_public_headers[j]) == 0;
	ok(header, "XLSX: the published header");
	struct duban_buf all;
	duban_buf_init(&all);
	for (int i = 0; i < sheet.nrows; i++)
		for (int j = 0; j < sheet.rows[i].ncells; j++) {
			duban_buf_puts(&all, sheet.rows[i].cells[j]);
			duban_buf_putc(&all, '\n');
		}
	no_secret(all.data ? all.data : "", "XLSX: nothing personal, nothing private");
	ok(all.data && strstr(all.data, "\nXF-001\n") && strstr(all.data, "罚款12.5万元"), "XLSX: the values");
	ok(sheet.nrows > 4 && strcmp(sheet.rows[4].cells[0], "3") == 0 &&
	   strcmp(sheet.rows[4].cells[1], "FK-001") == 0, "XLSX: numbered, problems last");
	duban_buf_free(&all);
	duban_xlsx_sheet_free(&sheet);

	/* A stream gets the same workbook, through a temporary file. */
	char *piped = xasprintf("%s/piped.xlsx", dir);
	FILE *out = fopen(piped, "w");
	e = out ? duban_public_export(st, out, &opt, err, sizeof err) : DUBAN_ERR_IO;
	if (out)
		fclose(out);
	ok(e == DUBAN_OK && duban_xlsx_read(piped, NULL, &sheet, err, sizeof err) == DUBAN_OK &&
	   sheet.nrows == 5, "XLSX: written to a stream");
	duban_xlsx_sheet_free(&sheet);
	unlink(piped);
	free(piped);
	unlink(path);
	free(path);
}

static void test_formats(void)
{
	is_int(duban_public_format_parse("html"), DUBAN_PUBLIC_HTML, "format html");
	is_int(duban_public_format_parse("json"), -1, "no json");
	is_int(duban_public_format_of_path("out/公开表.XLSX"), DUBAN_PUBLIC_XLSX, ".XLSX");
	is_int(duban_public_format_of_path("a.htm"), DUBAN_PUBLIC_HTML, ".htm");
	is_int(duban_public_format_of_path("a.csv.d/list"), -1, "no extension");
}

int main(void)
{
	test_empty();
	test_mobiles();
	test_landlines();
	test_ids_and_mail();
	test_plates();
	test_kept();
	test_contact();
	test_complainants();
	test_utf8();
	test_formats();

	char dir[] = "/tmp/duban-public-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *db = xasprintf("%s/ledger.db", dir), err[256];
	duban_store *st = duban_store_open(db, err, sizeof err);
	if (!ok(st != NULL, "open a ledger"))
		diag("%s", err);
	if (st) {
		make_ledger(st);
		test_csv(st);
		test_html(st);
		test_xlsx(st, dir);
		duban_store_close(st);
	}
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	free(db);
	return done_testing();
}
