/* The public list: the published columns of the items flagged public, with
 * personal data scrubbed, written as CSV, a printable HTML page or an .xlsx
 * workbook.  The redaction works on code points, so it never cuts a
 * character, and hides whole runs: a "***" stands for each run. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "duban/csv.h"
#include "duban/html.h"
#include "duban/public.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"

const char *const duban_public_headers[] = {
	"序号", "受理编号", "交办问题基本情况", "行政区域", "污染类型",
	"调查核实情况", "是否属实", "处理和整改情况", "责任人被处理情况",
};
const int duban_public_ncolumns = (int)(sizeof duban_public_headers / sizeof duban_public_headers[0]);
#define NCOLS (sizeof duban_public_headers / sizeof duban_public_headers[0])

static const char *const format_ids[DUBAN_PUBLIC_FORMAT_COUNT] = { "csv", "xlsx", "html" };

int duban_public_format_parse(const char *s)
{
	for (int i = 0; i < DUBAN_PUBLIC_FORMAT_COUNT; i++)
		if (s && strcmp(s, format_ids[i]) == 0)
			return i;
	return -1;
}

int duban_public_format_of_path(const char *path)
{
	const char *dot = duban_path_ext(path);
	if (!dot)
		return -1;
	if (strcasecmp(dot, ".csv") == 0)
		return DUBAN_PUBLIC_CSV;
	if (strcasecmp(dot, ".xlsx") == 0)
		return DUBAN_PUBLIC_XLSX;
	if (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0)
		return DUBAN_PUBLIC_HTML;
	return -1;
}

/* ------------------------------------------------------------ redaction */

/* Text as code points, with the byte where each starts, and a mark per
 * code point for what is hidden. */
struct scan {
	uint32_t *cp;
	size_t *off; /* off[n] is the end */
	bool *hide;
	size_t n;
};

static void scan_init(struct scan *sc, const char *s)
{
	size_t len = strlen(s);
	sc->cp = xcalloc(len + 1, sizeof *sc->cp);
	sc->off = xcalloc(len + 1, sizeof *sc->off);
	sc->hide = xcalloc(len + 1, sizeof *sc->hide);
	sc->n = 0;
	size_t i = 0;
	while (i < len) {
		sc->off[sc->n] = i;
		i += duban_utf8_decode(s + i, len - i, &sc->cp[sc->n]);
		sc->n++;
	}
	sc->off[sc->n] = len;
}

static void scan_free(struct scan *sc)
{
	free(sc->cp);
	free(sc->off);
	free(sc->hide);
}

static void hide(struct scan *sc, size_t from, size_t len)
{
	for (size_t k = from; k < from + len && k < sc->n; k++)
		sc->hide[k] = true;
}

static uint32_t at(const struct scan *sc, size_t i)
{
	return i < sc->n ? sc->cp[i] : 0;
}

/* ASCII and full-width digits: people type both. */
static int digit_of(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 0xFF10 && c <= 0xFF19)
		return (int)(c - 0xFF10);
	return -1;
}

static bool is_digit(uint32_t c)
{
	return digit_of(c) >= 0;
}

static bool is_alpha(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_cjk(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

/* What separates the groups of a phone number. */
static bool is_sep(uint32_t c)
{
	return c == ' ' || c == '-' || c == 0xFF0D || c == 0x2010 || c == 0x2011;
}

static size_t digit_run(const struct scan *sc, size_t i)
{
	size_t j = i;
	while (j < sc->n && is_digit(sc->cp[j]))
		j++;
	return j - i;
}

static int digits_value(const struct scan *sc, size_t i, int count)
{
	int v = 0;
	for (int k = 0; k < count; k++)
		v = v * 10 + digit_of(sc->cp[i + (size_t)k]);
	return v;
}

static uint32_t fold(uint32_t c, bool icase)
{
	return icase && c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Code points matched when the UTF-8 literal lit starts at i; 0 when not. */
static size_t match_lit(const struct scan *sc, size_t i, const char *lit, bool icase)
{
	size_t len = strlen(lit), p = 0, j = i;
	while (p < len) {
		uint32_t c;
		p += duban_utf8_decode(lit + p, len - p, &c);
		if (j >= sc->n || fold(sc->cp[j], icase) != fold(c, icase))
			return 0;
		j++;
	}
	return j - i;
}

/* Code points in the UTF-8 literal lit. */
static size_t lit_len(const char *lit)
{
	size_t n = 0, len = strlen(lit);
	for (size_t p = 0; p < len; n++) {
		uint32_t c;
		p += duban_utf8_decode(lit + p, len - p, &c);
	}
	return n;
}

/* Whether the code points just before end spell lit. */
static bool ends_with_lit(const struct scan *sc, size_t end, const char *lit, bool icase)
{
	size_t n = lit_len(lit);
	return n <= end && match_lit(sc, end - n, lit, icase) == n;
}

/* Whether the code point c is one of the CJK characters of set. */
static bool cp_in(uint32_t c, const char *set)
{
	char buf[5];
	size_t n = duban_utf8_encode(c, buf);
	buf[n] = '\0';
	return c >= 0x80 && strstr(set, buf) != NULL;
}

/* ---- numbers ---- */

/* 18-character (last one may be X) or old 15-digit ID card numbers, taken
 * only with a real birth date where it belongs, so long numbers of other
 * kinds stay. */
static size_t id_card(const struct scan *sc, size_t i)
{
	size_t run = digit_run(sc, i), len;
	uint32_t last = at(sc, i + 17);
	if (run == 17 && (last == 'X' || last == 'x' || last == 0xFF38 || last == 0xFF58))
		len = 18;
	else if (run == 18 || run == 15)
		len = run;
	else
		return 0;
	if (is_alpha(at(sc, i + len)) || digit_of(sc->cp[i]) == 0)
		return 0;
	int y = len == 18 ? digits_value(sc, i + 6, 4) : 1900 + digits_value(sc, i + 6, 2);
	size_t md = i + (len == 18 ? 10 : 8);
	int m = digits_value(sc, md, 2), d = digits_value(sc, md + 2, 2);
	if (y < 1900 || y > 2099 || duban_date_from_ymd(y, m, d) == DUBAN_DATE_NONE)
		return 0;
	return len;
}

/* 1[3-9] and 9 digits, in groups split by up to two separators of one kind
 * (138 1234 5678, 138-1234-5678). */
static size_t mobile_body(const struct scan *sc, size_t i)
{
	size_t j = i;
	int digits = 0, seps = 0;
	uint32_t sep = 0;
	while (j < sc->n && digits < 11) {
		int d = digit_of(sc->cp[j]);
		if (d >= 0) {
			if ((digits == 0 && d != 1) || (digits == 1 && d < 3))
				return 0;
			digits++;
			j++;
			continue;
		}
		if (digits == 0 || !is_sep(sc->cp[j]) || seps == 2 || (sep && sc->cp[j] != sep) ||
		    !is_digit(at(sc, j + 1)))
			return 0;
		sep = sc->cp[j];
		seps++;
		j++;
	}
	if (digits < 11 || is_digit(at(sc, j)))
		return 0;
	/* more dashed groups: a longer number, not a phone */
	if (at(sc, j) == '-' && is_digit(at(sc, j + 1)))
		return 0;
	return j - i;
}

/* +86, 0086, (+86) or 86 before a mobile number, with what follows it. */
static size_t country_prefix(const struct scan *sc, size_t i)
{
	static const char *const forms[] = { "(+86)", "（+86）", "+86", "0086", "86" };
	for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
		size_t n = match_lit(sc, i, forms[k], false);
		if (!n)
			continue;
		while (is_sep(at(sc, i + n)))
			n++;
		return n;
	}
	return 0;
}

static size_t mobile(const struct scan *sc, size_t i)
{
	size_t p = country_prefix(sc, i);
	if (p) {
		size_t body = mobile_body(sc, i + p);
		if (body)
			return p + body;
	}
	return mobile_body(sc, i);
}

/* -123, 转123, 分机123 after a landline. */
static size_t extension(const struct scan *sc, size_t j)
{
	size_t k = 0;
	if (at(sc, j) == '-' || at(sc, j) == 0xFF0D)
		k = 1;
	else
		k = match_lit(sc, j, "转", false);
	if (!k)
		k = match_lit(sc, j, "分机", false);
	if (!k)
		k = match_lit(sc, j, "ext.", true);
	if (!k)
		k = match_lit(sc, j, "ext", true);
	if (!k)
		return 0;
	while (at(sc, j + k) == ' ')
		k++;
	size_t run = digit_run(sc, j + k);
	if (run < 1 || run > 5)
		return 0;
	return k + run;
}

/* A local number of 7 or 8 digits: never starting with 0, and without its
 * area code not with 1 either (a mobile's start, or just a number). */
static size_t local_number(const struct scan *sc, size_t j, bool area)
{
	size_t run = digit_run(sc, j);
	int first = digit_of(at(sc, j));
	if ((run != 7 && run != 8) || first < (area ? 1 : 2))
		return 0;
	return run + extension(sc, j + run);
}

/* 0351-2345678, (010)12345678, 0351 2345678-123, or the whole run of 10 to
 * 12 digits starting with an area code (035112345678). */
static size_t landline(const struct scan *sc, size_t i)
{
	size_t j = i;
	bool paren = at(sc, j) == '(' || at(sc, j) == 0xFF08;
	if (paren)
		j++;
	size_t area = digit_run(sc, j);
	if (digit_of(at(sc, j)) != 0 || digit_of(at(sc, j + 1)) < 1)
		return 0;
	if (!paren && area >= 10 && area <= 12)
		return area + extension(sc, j + area);
	if (area < 3 || area > 4)
		return 0;
	j += area;
	if (paren) {
		if (at(sc, j) != ')' && at(sc, j) != 0xFF09)
			return 0;
		j++;
		if (is_sep(at(sc, j)))
			j++;
	} else {
		if (!is_sep(at(sc, j)))
			return 0;
		j++;
	}
	size_t local = local_number(sc, j, true);
	return local ? j + local - i : 0;
}

/* Whether a phone's name comes just before i (电话：, Tel ), so that a
 * number without its area code can be told from other numbers. */
static bool phone_word_before(const struct scan *sc, size_t i)
{
	static const char *const words[] = {
		"电话", "座机", "手机", "号码", "手机号", "联系方式", "固话", "tel", "tel.", "phone",
	};
	size_t end = i;
	for (int k = 0; k < 3 && end > 0; k++) {
		uint32_t c = sc->cp[end - 1];
		if (c != ':' && c != 0xFF1A && c != ' ' && c != 0x3000 && c != '(' && c != 0xFF08 &&
		    !cp_in(c, "为是"))
			break;
		end--;
	}
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (ends_with_lit(sc, end, words[k], true))
			return true;
	return false;
}

static void redact_numbers(struct scan *sc)
{
	for (size_t i = 0; i < sc->n;) {
		uint32_t c = sc->cp[i];
		bool starts = is_digit(c) || c == '+' || c == '(' || c == 0xFF08;
		if (!starts || (i > 0 && is_digit(sc->cp[i - 1]))) {
			i++;
			continue;
		}
		size_t len = 0;
		if (is_digit(c))
			len = id_card(sc, i);
		if (!len)
			len = mobile(sc, i);
		if (!len)
			len = landline(sc, i);
		if (!len && is_digit(c) && phone_word_before(sc, i))
			len = local_number(sc, i, false);
		if (len) {
			hide(sc, i, len);
			i += len;
			continue;
		}
		/* the rest of a digit run is inside a number already judged */
		i += is_digit(c) ? digit_run(sc, i) : 1;
	}
}

/* ---- e-mail, QQ, WeChat ---- */

static bool is_mail_local(uint32_t c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || (c && strchr("._%+-", (int)c));
}

static bool is_mail_domain(uint32_t c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static void redact_mail(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->cp[i] != '@' && sc->cp[i] != 0xFF20)
			continue;
		size_t from = i, to = i + 1;
		while (from > 0 && is_mail_local(sc->cp[from - 1]))
			from--;
		while (to < sc->n && is_mail_domain(sc->cp[to]))
			to++;
		while (to > i + 1 && (sc->cp[to - 1] == '.' || sc->cp[to - 1] == '-'))
			to--;
		size_t dot = 0, tld = 0;
		for (size_t k = i + 1; k < to; k++)
			if (sc->cp[k] == '.')
				dot = k;
		for (size_t k = dot + 1; dot && k < to && is_alpha(sc->cp[k]); k++)
			tld++;
		if (from == i || !dot || dot == i + 1 || tld < 2 || tld != to - dot - 1)
			continue;
		hide(sc, from, to - from);
	}
}

static bool is_id_char(uint32_t c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* QQ 12345678, 微信号：abc_123: the account after its name. */
static void redact_accounts(struct scan *sc)
{
	static const char *const names[] = { "QQ", "微信", "WeChat", "VX", "WX" };
	for (size_t i = 0; i < sc->n; i++) {
		size_t n = 0;
		for (size_t k = 0; k < sizeof names / sizeof names[0] && !n; k++)
			n = match_lit(sc, i, names[k], true);
		if (!n || (i > 0 && is_alpha(sc->cp[i - 1])))
			continue;
		size_t j = i + n;
		for (int k = 0; k < 4 && (cp_in(at(sc, j), "号码为是：") || at(sc, j) == ':' || at(sc, j) == ' '); k++)
			j++;
		size_t id = 0;
		while (is_id_char(at(sc, j + id)))
			id++;
		if (id >= 5 && id <= 20)
			hide(sc, j, id);
	}
}

/* ---- licence plates ---- */

static bool is_upper(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 0xFF21 && c <= 0xFF3A);
}

static bool is_plate_char(uint32_t c)
{
	return is_upper(c) || is_digit(c);
}

/* A vehicle's plate (川A·12345, 粤B D12345 for a new-energy car, 鲁C1234挂):
 * the province's character, the city's letter, then five or six letters and
 * digits with at least one digit, or four and a suffix such as 挂 or 学.  A
 * plate names its owner as surely as a phone number. */
static size_t plate(const struct scan *sc, size_t i)
{
	if (!cp_in(at(sc, i), "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼") ||
	    !is_upper(at(sc, i + 1)))
		return 0;
	size_t j = i + 2;
	if (at(sc, j) == 0xB7 || at(sc, j) == 0x2022 || at(sc, j) == 0x30FB || at(sc, j) == ' ' || at(sc, j) == '-')
		j++;
	size_t n = 0;
	bool digit = false;
	while (n < 7 && is_plate_char(at(sc, j + n)))
		digit |= is_digit(at(sc, j + n++));
	if (!digit)
		return 0;
	if ((n == 5 || n == 6) && !is_alpha(at(sc, j + n)))
		return j + n - i;
	if (n == 4 && cp_in(at(sc, j + n), "挂学警港澳领使试超"))
		return j + n + 1 - i;
	return 0;
}

static void redact_plates(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		size_t n = plate(sc, i);
		if (n) {
			hide(sc, i, n);
			i += n - 1;
		}
	}
}

/* ---- names ---- */

/* Common surnames.  The second list holds those that also start everyday
 * words (高度, 安全, 方面…): after 举报人 they are not taken for a name, but
 * with 先生 / 女士 they are. */
static const char surnames[] =
	"王李张刘陈杨黄赵吴周徐孙朱胡郭罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡余杜叶"
	"程苏魏吕丁沈姚卢姜崔钟谭陆汪范石廖贾夏韦付邹孟熊秦邱江尹薛闫段雷侯史陶黎贺顾毛"
	"郝龚邵钱覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞"
	"左柳甘祝舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲滕屈饶牟"
	"艾尤穆农卓吉缪简项芦麦褚娄窦戚岑党费卜冷晏卫柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁"
	"巫寇桑郎甄丛仲虞敖巩佘池苑迟邝";
static const char surnames_wordlike[] =
	"房田林高何方常文安时成和明原解任马向万金白包宁全应关尚单严于古车连景宫米师商沙荣查麻路华龙";
static const char *const compound_surnames[] = {
	"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
	"长孙", "宇文", "司徒", "夏侯", "端木", "独孤",
};

/* Code points of the surname starting at i (0 when none). */
static size_t surname(const struct scan *sc, size_t i, bool wordlike)
{
	for (size_t k = 0; k < sizeof compound_surnames / sizeof compound_surnames[0]; k++) {
		size_t n = match_lit(sc, i, compound_surnames[k], false);
		if (n)
			return n;
	}
	uint32_t c = at(sc, i);
	if (cp_in(c, surnames) || (wordlike && cp_in(c, surnames_wordlike)))
		return 1;
	return 0;
}

static size_t honorific(const struct scan *sc, size_t i)
{
	size_t n = match_lit(sc, i, "先生", false);
	return n ? n : match_lit(sc, i, "女士", false);
}

/* Whether a name can end before i: the text goes on with a word that follows
 * a complainant's name ("反映", "称") or, unless strict, with punctuation, a
 * number or a small word ("的", "在"). */
static bool name_ends(const struct scan *sc, size_t i, bool strict)
{
	static const char *const verbs[] = {
		"反映", "反应", "举报", "投诉", "来电", "来信", "来访", "表示", "诉称", "要求", "提出",
		"认为", "希望", "称", "说",
	};
	static const char *const more[] = {
		"电话", "手机", "联系", "家住", "居住", "现住", "住在", "多次", "同志", "夫妇", "一家",
		"实名", "等", "于", "在", "向", "因", "的", "及", "和", "与", "对", "将", "已", "曾", "所",
		"家",
	};
	for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
		if (match_lit(sc, i, verbs[k], false))
			return true;
	if (strict)
		return false;
	if (i >= sc->n || !is_cjk(sc->cp[i]))
		return true;
	for (size_t k = 0; k < sizeof more / sizeof more[0]; k++)
		if (match_lit(sc, i, more[k], false))
			return true;
	return false;
}

/* The name at i after a word such as 举报人: a surname, then 先生 / 女士 or
 * one or two more characters where a name can end (strict: before a verb).  张某 / 张某某 are already
 * anonymous and stay. */
static size_t name_after(const struct scan *sc, size_t i, bool strict)
{
	size_t s = surname(sc, i, false);
	if (!s) {
		/* 高度, 方面…: only with a verb after it */
		s = surname(sc, i, true);
		strict = true;
	}
	if (!s)
		return 0;
	size_t h = honorific(sc, i + s);
	if (h)
		return s + h;
	if (at(sc, i + s) == 0x67D0) /* 某 */
		return 0;
	for (size_t g = 1; g <= 2; g++) {
		if (!is_cjk(at(sc, i + s + g - 1)))
			return 0;
		if (name_ends(sc, i + s + g, strict))
			return s + g;
	}
	return 0;
}

/* Words that name the person who complained: the ones that always do, then
 * the ones that more often start other phrases (村民房屋, 群众利益), where
 * only a name followed by 反映 / 称 … is taken. */
static void redact_complainants(struct scan *sc)
{
	static const char *const words[] = {
		"举报人", "信访人", "投诉人", "来电人", "来信人", "来访人", "反映人", "联系人", "举报者",
		"投诉者", "村民", "居民", "群众", "市民", "业主", "户主",
	};
	const size_t loose = 10; /* words[loose..] are strict */
	for (size_t i = 0; i < sc->n; i++) {
		if (!cp_in(sc->cp[i], "举信投来反联村居群市业户"))
			continue;
		size_t n = 0, k = 0;
		for (; k < sizeof words / sizeof words[0] && !n; k++)
			n = match_lit(sc, i, words[k], false);
		if (!n)
			continue;
		size_t j = i + n;
		for (int c = 0; c < 2 && (at(sc, j) == ':' || at(sc, j) == 0xFF1A || at(sc, j) == ' '); c++)
			j++;
		size_t len = name_after(sc, j, k - 1 >= loose);
		if (len)
			hide(sc, j, len);
	}
}

/* Whether the len code points at i are a name: a surname and at most two
 * more characters, none of them 某. */
static bool is_name(const struct scan *sc, size_t i, size_t len, bool wordlike)
{
	size_t s = surname(sc, i, wordlike);
	if (!s || len < s || len > s + 2)
		return false;
	for (size_t k = i + s; k < i + len; k++)
		if (!is_cjk(sc->cp[k]) || sc->cp[k] == 0x67D0)
			return false;
	return true;
}

/* 王先生, 欧阳女士, 李四先生 anywhere: the shortest name before the title,
 * or, when that starts with a surname that is also an everyday word, a
 * longer one that starts with a plain surname (王林先生 whole; but 周边李女士
 * and 和李四先生 keep their first words). */
static void redact_honorifics(struct scan *sc)
{
	for (size_t h = 1; h < sc->n; h++) {
		if (!honorific(sc, h))
			continue;
		size_t best = 0;
		bool word = false; /* the best so far starts with an everyday word */
		for (size_t len = 1; len <= 4 && len <= h; len++) {
			if (!best && is_name(sc, h - len, len, true)) {
				best = len;
				word = !is_name(sc, h - len, len, false);
			} else if (best && word && is_name(sc, h - len, len, false)) {
				best = len;
				word = false;
			}
		}
		if (best)
			hide(sc, h - best, best + 2);
	}
}

/* ---- the item's contact ---- */

enum token_kind { TOKEN_TEXT, TOKEN_DIGITS, TOKEN_WORD };
struct token {
	enum token_kind kind;
	uint32_t *cp;
	size_t n;
};
struct tokens {
	struct token *v;
	size_t n, cap;
};

static void token_add(struct tokens *t, enum token_kind kind, const uint32_t *cp, size_t n)
{
	if (n == 0)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	struct token *k = &t->v[t->n++];
	k->kind = kind;
	k->cp = xcalloc(n, sizeof *k->cp);
	memcpy(k->cp, cp, n * sizeof *cp);
	k->n = n;
}

static void tokens_free(struct tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].cp);
	free(t->v);
}

/* Words in a contact that label rather than name. */
static const char *const contact_labels[] = {
	"联系电话", "联系方式", "联系人", "举报人", "信访人", "投诉人", "电话", "手机号", "手机",
	"座机", "固话", "姓名", "邮箱", "电子邮箱", "微信号", "微信",
};
static const char *const contact_words[] = {
	"tel", "phone", "mobile", "email", "mail", "wechat", "fax", "ext", "com", "net", "org",
};

/* A run of Chinese characters from the contact: labels cut off both ends;
 * what is left, if it is as long as a name, is one, with 张先生 / 张女士 for
 * a name of two or three characters. */
static void contact_name(struct tokens *t, const struct scan *sc, size_t from, size_t to)
{
	bool cut = true;
	while (cut && from < to) {
		cut = false;
		for (size_t k = 0; k < sizeof contact_labels / sizeof contact_labels[0]; k++) {
			size_t len = lit_len(contact_labels[k]);
			if (to - from < len)
				continue;
			if (match_lit(sc, from, contact_labels[k], false)) {
				from += len;
				cut = true;
			} else if (ends_with_lit(sc, to, contact_labels[k], false)) {
				to -= len;
				cut = true;
			}
		}
	}
	size_t n = to - from;
	if (n < 2 || n > 4)
		return;
	token_add(t, TOKEN_TEXT, sc->cp + from, n);
	size_t s = surname(sc, from, true) == 2 ? 2 : 1;
	if (n - s > 2 || honorific(sc, from + s))
		return;
	static const char *const titles[] = { "先生", "女士" };
	for (size_t k = 0; k < 2; k++) {
		uint32_t v[4];
		memcpy(v, sc->cp + from, s * sizeof *v);
		duban_utf8_decode(titles[k], 3, &v[s]);
		duban_utf8_decode(titles[k] + 3, 3, &v[s + 1]);
		token_add(t, TOKEN_TEXT, v, s + 2);
	}
}

/* The contact's numbers: each run of five or more digits, and each number
 * written in groups (138 1234 5678) as its digits together. */
static size_t contact_number(struct tokens *t, const struct scan *sc, size_t i)
{
	uint32_t all[64];
	size_t n = 0, j = i;
	for (;;) {
		size_t run = digit_run(sc, j);
		if (run >= 5)
			token_add(t, TOKEN_DIGITS, sc->cp + j, run);
		for (size_t k = 0; k < run && n < sizeof all / sizeof all[0]; k++)
			all[n++] = (uint32_t)('0' + digit_of(sc->cp[j + k]));
		j += run;
		if (!is_sep(at(sc, j)) || !is_digit(at(sc, j + 1)))
			break;
		j++;
	}
	if (n >= 5 && j - i != n)
		token_add(t, TOKEN_DIGITS, all, n);
	return j;
}

static void contact_tokens(struct tokens *t, const char *contact)
{
	char *value = duban_trim(xstrdup(contact ? contact : ""));
	struct scan sc;
	scan_init(&sc, value);
	bool label = false;
	for (size_t k = 0; k < sizeof contact_labels / sizeof contact_labels[0]; k++)
		label |= strcmp(value, contact_labels[k]) == 0;
	if (sc.n >= 2 && !label)
		token_add(t, TOKEN_TEXT, sc.cp, sc.n);
	for (size_t i = 0; i < sc.n;) {
		size_t j = i;
		if (is_cjk(sc.cp[i])) {
			while (j < sc.n && is_cjk(sc.cp[j]))
				j++;
			contact_name(t, &sc, i, j);
		} else if (is_digit(sc.cp[i])) {
			j = contact_number(t, &sc, i);
		} else if (is_alpha(sc.cp[i])) {
			while (j < sc.n && is_alpha(sc.cp[j]))
				j++;
			label = false;
			for (size_t k = 0; k < sizeof contact_words / sizeof contact_words[0]; k++)
				label |= j - i == strlen(contact_words[k]) &&
					 match_lit(&sc, i, contact_words[k], true) == j - i;
			if (j - i >= 3 && !label)
				token_add(t, TOKEN_WORD, sc.cp + i, j - i);
		} else {
			j++;
		}
		i = j;
	}
	scan_free(&sc);
	free(value);
}

/* The digits of tok at i, in groups split by single separators. */
static size_t match_digits(const struct scan *sc, size_t i, const struct token *tok)
{
	size_t j = i;
	for (size_t k = 0; k < tok->n; k++) {
		int want = digit_of(tok->cp[k]);
		if (k > 0 && is_sep(at(sc, j)) && digit_of(at(sc, j + 1)) == want)
			j++;
		if (digit_of(at(sc, j)) != want)
			return 0;
		j++;
	}
	return is_digit(at(sc, j)) ? 0 : j - i;
}

static size_t match_token(const struct scan *sc, size_t i, const struct token *tok)
{
	if (tok->kind == TOKEN_DIGITS)
		return i > 0 && is_digit(sc->cp[i - 1]) ? 0 : match_digits(sc, i, tok);
	bool word = tok->kind == TOKEN_WORD;
	if (word && i > 0 && is_alpha(sc->cp[i - 1]))
		return 0;
	if (i + tok->n > sc->n)
		return 0;
	for (size_t k = 0; k < tok->n; k++)
		if (fold(sc->cp[i + k], word) != fold(tok->cp[k], word))
			return 0;
	if (word && is_alpha(at(sc, i + tok->n)))
		return 0;
	return tok->n;
}

static void redact_tokens(struct scan *sc, const struct tokens *t)
{
	for (size_t i = 0; i < sc->n; i++)
		for (size_t k = 0; k < t->n; k++) {
			size_t n = match_token(sc, i, &t->v[k]);
			if (n)
				hide(sc, i, n);
		}
}

char *duban_public_redact(const char *text, const struct duban_item *item)
{
	if (!text || !*text)
		return xstrdup("");
	struct scan sc;
	scan_init(&sc, text);
	struct tokens t = { NULL, 0, 0 };
	if (item)
		contact_tokens(&t, item->contact);
	redact_tokens(&sc, &t);
	redact_numbers(&sc);
	redact_mail(&sc);
	redact_accounts(&sc);
	redact_plates(&sc);
	redact_complainants(&sc);
	redact_honorifics(&sc);
	tokens_free(&t);

	struct duban_buf b;
	duban_buf_init(&b);
	for (size_t i = 0; i < sc.n;) {
		if (!sc.hide[i]) {
			duban_buf_add(&b, text + sc.off[i], sc.off[i + 1] - sc.off[i]);
			i++;
			continue;
		}
		duban_buf_puts(&b, "***");
		while (i < sc.n && sc.hide[i])
			i++;
	}
	scan_free(&sc);
	return duban_buf_steal(&b);
}

/* ------------------------------------------------------------ the rows */

/* A problem's handling is often still blank while it is being rectified:
 * its measures and where it stands say what is being done. */
static char *handling_text(const struct duban_item *item)
{
	if (item->handling[0] || item->kind != DUBAN_KIND_PROBLEM)
		return duban_public_redact(item->handling, item);
	if (!item->measures[0])
		return xstrdup(duban_status_zh(item->status));
	char *text = xasprintf("%s（%s）", item->measures, duban_status_zh(item->status));
	char *clean = duban_public_redact(text, item);
	free(text);
	return clean;
}

char **duban_public_row(const struct duban_item *item, int seq)
{
	char **cells = xcalloc(NCOLS, sizeof *cells);
	char *region = xasprintf("%s%s", item->county, item->township);
	cells[0] = xasprintf("%d", seq);
	cells[1] = xstrdup(item->code);
	cells[2] = duban_public_redact(item->description[0] ? item->description : item->title, item);
	cells[3] = duban_public_redact(region, item);
	cells[4] = duban_public_redact(item->categories, item);
	cells[5] = duban_public_redact(item->findings, item);
	cells[6] = xstrdup(duban_verdict_zh(item->verdict));
	cells[7] = handling_text(item);
	cells[8] = duban_public_redact(item->accountability, item);
	free(region);
	return cells;
}

void duban_public_row_free(char **cells)
{
	if (!cells)
		return;
	for (size_t i = 0; i < NCOLS; i++)
		free(cells[i]);
	free(cells);
}

/* ------------------------------------------------------------ writing */

struct writer {
	const struct duban_public_options *opt;
	FILE *out;
	duban_xlsx_book *book;
	int seq;
	long long count[DUBAN_KIND_COUNT]; /* HTML: public items of each kind */
	int group;                         /* HTML: groups begun so far */
	bool grouped;                      /* HTML: a row before each kind's items */
	enum duban_err err;
};

static const char *const kind_group_zh[DUBAN_KIND_COUNT] = {
	[DUBAN_KIND_PROBLEM] = "督察反馈问题", [DUBAN_KIND_COMPLAINT] = "群众信访举报件",
};
static const char *const kind_unit_zh[DUBAN_KIND_COUNT] = {
	[DUBAN_KIND_PROBLEM] = "项", [DUBAN_KIND_COMPLAINT] = "件",
};

static void csv_row(FILE *out, const char *const *cells)
{
	for (size_t i = 0; i < NCOLS; i++)
		duban_csv_write_cell(out, cells[i], i == 0);
	duban_csv_end_record(out);
}

static void html_cell(FILE *out, const char *cls, const char *s)
{
	char *clean = duban_sanitize(s, true);
	fprintf(out, cls ? "<td class=\"%s\">" : "<td>", cls);
	duban_html_escape_lines(out, clean);
	fputs("</td>", out);
	free(clean);
}

static void html_group(struct writer *w, enum duban_kind kind)
{
	static const char *const numerals[] = { "一", "二", "三" };
	fprintf(w->out, "<tr class=\"group\"><td colspan=\"%zu\">%s、%s（%lld%s）</td></tr>\n", NCOLS,
		numerals[w->group++ % 3], kind_group_zh[kind], w->count[kind], kind_unit_zh[kind]);
}

static void html_row(struct writer *w, char *const *cells)
{
	fputs("<tr>", w->out);
	for (size_t i = 0; i < NCOLS; i++)
		html_cell(w->out, i == 0 || i == 6 ? "c" : i == 1 ? "nw" : NULL, cells[i]);
	fputs("</tr>\n", w->out);
}

static int write_item(const struct duban_item *item, void *vw)
{
	struct writer *w = vw;
	if (!item->is_public)
		return 0;
	char **cells = duban_public_row(item, ++w->seq);
	switch (w->opt->format) {
	case DUBAN_PUBLIC_CSV:
		csv_row(w->out, (const char *const *)cells);
		break;
	case DUBAN_PUBLIC_HTML:
		html_row(w, cells);
		break;
	default:
		w->err = duban_xlsx_add_row(w->book, (const char *const *)cells, 0);
		break;
	}
	duban_public_row_free(cells);
	return w->err != DUBAN_OK;
}

static int count_item(const struct duban_item *item, void *vw)
{
	struct writer *w = vw;
	if (item->is_public && item->kind < DUBAN_KIND_COUNT)
		w->count[item->kind]++;
	return 0;
}

/* Complaints first (the list offices publish most), then problems. */
static enum duban_err write_items(duban_store *st, struct writer *w, const struct duban_filter *filter)
{
	static const enum duban_kind order[] = { DUBAN_KIND_COMPLAINT, DUBAN_KIND_PROBLEM };
	struct duban_filter f = *filter;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		if (filter->kind >= 0 && filter->kind != (int)order[k])
			continue;
		f.kind = (int)order[k];
		if (w->grouped && w->count[order[k]] > 0)
			html_group(w, order[k]);
		enum duban_err err = duban_query_each(st, &f, DUBAN_SORT_CODE, write_item, w);
		if (w->err != DUBAN_OK)
			return w->err;
		if (err != DUBAN_OK)
			return err;
	}
	return DUBAN_OK;
}

static char *make_title(const struct duban_public_options *opt, const struct duban_filter *f)
{
	if (opt->title && *opt->title)
		return xstrdup(opt->title);
	const char *what = f->kind == DUBAN_KIND_COMPLAINT ? "交办群众信访举报件办理情况公开表"
		: f->kind == DUBAN_KIND_PROBLEM ? "反馈问题整改情况公开表" : "整改情况公开表";
	return xasprintf("%s%s%s生态环境保护督察%s", f->county ? f->county : "",
			 f->township ? f->township : "", f->round ? f->round : "", what);
}

static const char public_css[] =
	"@page { size: A4 landscape; margin: 15mm 12mm; }\n"
	"body { max-width: none; font-size: 11pt; }\n"
	"table.public { table-layout: fixed; font-size: 9pt; line-height: 1.4; }\n"
	"table.public td { overflow-wrap: anywhere; }\n"
	"td.nw { white-space: nowrap; }\n"
	"td.c { text-align: center; white-space: nowrap; }\n"
	"tr.group td { font-weight: bold; background: #f2f2f2; }\n"
	"p.none { text-align: center; text-indent: 0; color: #444; }\n"
	"p.note { text-indent: 0; font-size: 10pt; margin-top: 0.8em; }\n";

/* Widths in percent of the landscape page: the long texts get the room. */
static const int col_widths[] = { 4, 9, 18, 8, 6, 18, 6, 19, 12 };

static void html_head(struct writer *w, const char *title, duban_date today)
{
	FILE *out = w->out;
	char zh[32];
	duban_html_begin(out, title, public_css);
	fputs("<h1>", out);
	duban_html_escape(out, title);
	fprintf(out, "</h1>\n<p class=\"meta\">截至%s，", duban_date_zh(today, zh));
	long long total = w->count[DUBAN_KIND_COMPLAINT] + w->count[DUBAN_KIND_PROBLEM];
	if (total == 0)
		fputs("无公开事项", out);
	else
		fputs("共公开", out);
	static const enum duban_kind order[] = { DUBAN_KIND_COMPLAINT, DUBAN_KIND_PROBLEM };
	bool first = true;
	for (size_t k = 0; k < 2; k++) {
		if (!w->count[order[k]])
			continue;
		fprintf(out, "%s%s%lld%s", first ? "" : "、", kind_group_zh[order[k]], w->count[order[k]],
			kind_unit_zh[order[k]]);
		first = false;
	}
	fputs("</p>\n", out);
	if (total == 0)
		return;
	fputs("<table class=\"public\">\n<colgroup>", out);
	for (size_t i = 0; i < NCOLS; i++)
		fprintf(out, "<col style=\"width: %d%%\">", col_widths[i]);
	fputs("</colgroup>\n<thead><tr>", out);
	for (size_t i = 0; i < NCOLS; i++)
		fprintf(out, "<th>%s</th>", duban_public_headers[i]);
	fputs("</tr></thead>\n<tbody>\n", out);
}

static void html_tail(struct writer *w)
{
	if (w->count[DUBAN_KIND_COMPLAINT] + w->count[DUBAN_KIND_PROBLEM] > 0)
		fputs("</tbody>\n</table>\n", w->out);
	fputs("<p class=\"note\">注：本表已隐去举报人姓名、联系方式、身份证号码等个人信息，"
	      "以“***”表示。</p>\n", w->out);
	duban_html_end(w->out);
}

static void set_msg(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

static enum duban_err write_html(duban_store *st, struct writer *w, const struct duban_filter *f)
{
	enum duban_err e = duban_query_each(st, f, DUBAN_SORT_CODE, count_item, w);
	if (e != DUBAN_OK)
		return e;
	char *title = make_title(w->opt, f);
	duban_date today = w->opt->today != DUBAN_DATE_NONE ? w->opt->today : duban_today();
	w->grouped = f->kind < 0 && w->count[DUBAN_KIND_COMPLAINT] && w->count[DUBAN_KIND_PROBLEM];
	html_head(w, title, today);
	free(title);
	e = write_items(st, w, f);
	if (e == DUBAN_OK)
		html_tail(w);
	return e;
}

static enum duban_err write_xlsx(duban_store *st, struct writer *w, const struct duban_filter *f,
				 const char *path, char *err, size_t errlen)
{
	static const int widths[] = { 6, 20, 50, 24, 16, 50, 10, 60, 40 };
	struct duban_xlsx_column cols[NCOLS];
	for (size_t i = 0; i < NCOLS; i++) {
		cols[i].header = duban_public_headers[i];
		cols[i].type = i == 0 ? DUBAN_XLSX_NUMBER : DUBAN_XLSX_TEXT;
		cols[i].max_width = widths[i];
	}
	char msg[512] = "";
	w->book = duban_xlsx_create(path, msg, sizeof msg);
	if (!w->book) {
		set_msg(err, errlen, msg);
		return DUBAN_ERR_IO;
	}
	const char *sheet = f->kind == DUBAN_KIND_COMPLAINT ? "信访举报件办理情况"
		: f->kind == DUBAN_KIND_PROBLEM ? "反馈问题整改情况" : "整改情况公开表";
	char *title = make_title(w->opt, f);
	enum duban_err e = duban_xlsx_add_titled_sheet(w->book, sheet, title, cols, (int)NCOLS);
	free(title);
	if (e == DUBAN_OK)
		e = write_items(st, w, f);
	if (e != DUBAN_OK) {
		duban_xlsx_abandon(w->book);
		w->book = NULL;
		return e;
	}
	e = duban_xlsx_close(w->book, msg, sizeof msg);
	w->book = NULL;
	if (e != DUBAN_OK)
		set_msg(err, errlen, msg);
	return e;
}

/* A workbook can only be made as a file: made in a temporary one, then
 * copied to the stream (a pipe, a redirection). */
static enum duban_err xlsx_to_stream(duban_store *st, struct writer *w, const struct duban_filter *f,
				     char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/duban-public-XXXXXX.xlsx", dir && *dir ? dir : "/tmp");
	int fd = mkstemps(path, 5);
	if (fd < 0) {
		int e = errno;
		free(path);
		errno = e;
		return DUBAN_ERR_IO;
	}
	close(fd);
	enum duban_err e = write_xlsx(st, w, f, path, err, errlen);
	if (e == DUBAN_OK) {
		size_t len = 0;
		char *data = duban_read_file(path, &len);
		if (!data || fwrite(data, 1, len, w->out) != len || fflush(w->out) != 0)
			e = DUBAN_ERR_IO;
		free(data);
	}
	int saved = errno;
	unlink(path);
	free(path);
	errno = saved;
	return e;
}

enum duban_err duban_public_export(duban_store *st, FILE *out, const struct duban_public_options *opt,
				   char *err, size_t errlen)
{
	struct duban_filter all;
	duban_filter_init(&all);
	const struct duban_filter *f = opt->filter ? opt->filter : &all;
	struct writer w = { .opt = opt, .out = out };
	enum duban_err e;
	switch (opt->format) {
	case DUBAN_PUBLIC_XLSX:
		return xlsx_to_stream(st, &w, f, err, errlen);
	case DUBAN_PUBLIC_HTML:
		e = write_html(st, &w, f);
		break;
	default:
		if (opt->bom)
			fputs("\xef\xbb\xbf", out);
		csv_row(out, duban_public_headers);
		e = write_items(st, &w, f);
		break;
	}
	if (e == DUBAN_OK && (fflush(out) != 0 || ferror(out)))
		e = DUBAN_ERR_IO;
	return e;
}

enum duban_err duban_public_export_file(duban_store *st, const char *path, const struct duban_public_options *opt,
					char *err, size_t errlen)
{
	if (opt->format == DUBAN_PUBLIC_XLSX) {
		struct duban_filter all;
		duban_filter_init(&all);
		struct writer w = { .opt = opt };
		return write_xlsx(st, &w, opt->filter ? opt->filter : &all, path, err, errlen);
	}
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	if (!mem)
		return DUBAN_ERR_NOMEM;
	enum duban_err e = duban_public_export(st, mem, opt, err, errlen);
	if (fclose(mem) != 0 && e == DUBAN_OK)
		e = DUBAN_ERR_NOMEM;
	if (e == DUBAN_OK && duban_write_file_atomic(path, data, len, 0644) != 0)
		e = DUBAN_ERR_IO;
	free(data);
	return e;
}
