/* A realistic demo ledger modelled on a city rectification plan: feedback
 * problems with goals and measures, public complaints with verdicts and
 * enforcement counts, deadlines placed around "today" so that every warning
 * light shows, and a few progress notes, inspections and supervision actions.
 *
 * Everything comes from one splitmix64 stream seeded by the caller, so the
 * same seed and day give the same ledger, ids included. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/date.h"
#include "duban/demo.h"
#include "duban/model.h"
#include "duban/progress.h"
#include "duban/sha256.h"
#include "duban/store.h"
#include "duban/util.h"
#include "store_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PROGRESS_EVERY 1000
#define RECORDS_FIRST 2000  /* the first items all get history ... */
#define RECORDS_EVERY 50    /* ... and then one in this many */

/* ---------------------------------------------------------------- random */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); the modulo bias is far below anything a demo shows. */
static int rng_below(struct rng *r, int n)
{
	return n <= 1 ? 0 : (int)((rng_next(r) >> 11) % (uint64_t)n);
}

static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static bool rng_permille(struct rng *r, int p)
{
	return rng_below(r, 1000) < p;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static const char *pick(struct rng *r, const char *const *a, size_t n)
{
	return a[rng_below(r, (int)n)];
}
#define PICK(r, a) pick((r), (a), COUNT(a))

/* A version-4 UUID from the stream, so ids repeat with the seed too. */
static void rng_uuid(struct rng *r, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	uint64_t x = rng_next(r), y = rng_next(r);
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(x >> (8 * i));
		b[8 + i] = (unsigned char)(y >> (8 * i));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[b[i] >> 4];
		*o++ = hex[b[i] & 0x0f];
	}
	*o = '\0';
}

/* ---------------------------------------------------------------- places */

struct county {
	const char *name;
	const char *gov;        /* the government that answers for its complaints */
	double lon, lat;        /* centre */
	const char *towns[8];
};

static const struct county counties[] = {
	{ "城关区", "城关区人民政府", 112.55, 37.87,
	  { "东关街道", "西关街道", "南街街道", "北门街道", "新华街道", "迎泽街道" } },
	{ "东川县", "东川县人民政府", 113.02, 37.95,
	  { "东川镇", "柳林镇", "石门乡", "杨家庄乡", "王家峪镇", "河口镇", "白草坪乡" } },
	{ "西山县", "西山县人民政府", 112.10, 37.80,
	  { "西山镇", "古城镇", "马坊乡", "南庄镇", "龙泉乡" } },
	{ "南河县", "南河县人民政府", 112.60, 37.42,
	  { "南河镇", "清水镇", "桃园乡", "大营镇", "李家湾乡", "沙河镇", "新店镇", "三道岭乡" } },
	{ "北岭县", "北岭县人民政府", 112.48, 38.30,
	  { "北岭镇", "岭底乡", "石佛镇", "郭庄镇" } },
	{ "临江市", "临江市人民政府", 113.25, 37.60,
	  { "临江街道", "滨江街道", "江口镇", "望江镇", "双桥镇", "红旗乡" } },
	{ "高新区", "高新区管委会", 112.72, 37.78,
	  { "科技园街道", "创业街道", "产业园区", "东湖街道" } },
};

static int town_count(const struct county *c)
{
	int n = 0;
	while (n < (int)COUNT(c->towns) && c->towns[n])
		n++;
	return n;
}

static const char *const villages[] = {
	"杨庄村", "李家沟村", "王家庄村", "前进村", "红星村", "东沟村", "西沟村", "张家湾村",
	"柳树屯村", "大石村", "小河村", "新村", "后堡村", "马家峪村", "刘家坪村", "赵庄村",
	"石桥村", "下河村", "上寨村", "南坡村", "幸福社区", "和平社区", "滨河小区", "锦绣花园小区",
};

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱",
	"胡", "郭", "何", "高", "林", "罗", "郑", "梁", "宋", "韩", "冯", "邓", "曹", "彭",
};
static const char *const given[] = {
	"建国", "志强", "海涛", "丽华", "文斌", "晓东", "国庆", "红梅", "建军", "春燕", "永刚",
	"卫东", "秀英", "明", "伟", "静", "磊", "军", "勇", "敏", "鹏飞", "雪梅", "振华", "俊杰",
};

static void person(struct rng *r, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s", PICK(r, surnames), PICK(r, given));
}

static const char *const rounds[] = { "第一轮", "回头看", "第二轮" };
static const char round_codes[] = { '1', 'H', '2' };

/* ---------------------------------------------------------------- problems */

struct problem_tpl {
	const char *common;    /* title as the feedback states it */
	const char *subject;   /* title behind a county name */
	const char *categories;
	const char *lead, *co;
	const char *goal, *measures;
};

static const struct problem_tpl problems[] = {
	{ "部分县区黑臭水体治理进展缓慢", "黑臭水体治理进展缓慢", "水",
	  "市住房和城乡建设局", "市生态环境局、市水务局、市城市管理局",
	  "城市建成区黑臭水体全部消除，实现“长制久清”",
	  "开展黑臭水体排查，逐一制定“一河一策”治理方案；推进控源截污、内源治理和生态修复；建立定期监测和巡河制度" },
	{ "露天矿山综合整治不到位", "露天矿山综合整治不到位", "矿山、生态",
	  "市自然资源和规划局", "市生态环境局、市应急管理局",
	  "依法关闭违法违规露天矿山，完成责任主体灭失矿山生态修复",
	  "全面摸排露天矿山底数，实行“一矿一策”；依法关闭污染环境、破坏生态、乱采滥挖的露天矿山；落实矿山地质环境恢复治理责任" },
	{ "河道非法采砂屡禁不止", "河道非法采砂屡禁不止", "采砂、水",
	  "市水务局", "市公安局、市自然资源和规划局、市交通运输局",
	  "非法采砂行为得到有效遏制，建立河道采砂监管长效机制",
	  "开展打击河道非法采砂联合专项行动；规范河道采砂审批和采砂运砂船车管理，实行总量控制；构建全方位、立体化监控体系" },
	{ "饮用水水源地保护区内仍有违规建筑", "饮用水水源地保护区内仍有违规建筑", "水、生态",
	  "市生态环境局", "市水务局、市自然资源和规划局、市住房和城乡建设局",
	  "完成水源地保护区内违规建筑清理整治，保障饮用水水源安全",
	  "对水源地保护区开展拉网式排查，建立问题清单；依法拆除保护区内违规建筑；完善保护区标志和隔离防护设施" },
	{ "餐厨垃圾处理设施建设滞后", "餐厨垃圾处理设施建设滞后", "固废",
	  "市城市管理局", "市发展和改革委员会、市住房和城乡建设局",
	  "建成餐厨垃圾处理设施并投入运行，实现餐厨垃圾规范收运和无害化处理",
	  "加快项目前期手续办理，倒排工期推进建设；建立餐厨垃圾收运体系；严格执行生活垃圾卫生填埋场技术规程" },
	{ "城市污水处理厂超标排放", "污水处理厂超标排放", "水",
	  "市水务局", "市生态环境局、市住房和城乡建设局",
	  "污水处理厂稳定达标排放，污水处理“提质增效”取得实效",
	  "实施污水处理厂提标改造；推进污水处理配套管网建设和雨污分流系统改造；加强在线监测和运行监管" },
	{ "工业园区VOCs治理不到位", "工业园区VOCs治理不到位", "大气、产业结构",
	  "市生态环境局", "市工业和信息化局、市发展和改革委员会",
	  "园区重点企业VOCs排放全面达标，建成园区监测监控体系",
	  "开展园区VOCs排放源排查；推进源头替代和末端治理设施升级改造；建设园区大气环境自动监测站" },
	{ "散煤清洁化替代工作推进迟缓", "散煤清洁化替代工作推进迟缓", "能源、大气",
	  "市发展和改革委员会", "市住房和城乡建设局、市农业农村局、市生态环境局",
	  "完成农村地区清洁取暖改造任务，平原地区散煤基本清零",
	  "实施煤炭消费监测预警；推进“煤改气”“煤改电”工程；加强散煤经营场所执法检查" },
	{ "“两高”行业落后产能退出不彻底", "落后产能退出不彻底", "产业结构",
	  "市工业和信息化局", "市发展和改革委员会、市生态环境局",
	  "落后产能按期退出，严格控制“两高”行业新增产能",
	  "建立落后产能退出清单；原则上禁止钢铁、水泥等行业新建、扩建；实施工业企业智能、绿色、技术化改造" },
	{ "柴油货车污染治理不力", "柴油货车污染治理不力", "运输、大气",
	  "市交通运输局", "市公安局、市生态环境局",
	  "淘汰国三及以下排放标准营运柴油货车，提高铁路货运比例",
	  "开展路检路查和入户抽测；大力发展多式联运，完善物流园区与铁路站的无缝衔接；加快老旧车辆淘汰" },
	{ "建筑施工扬尘管控不到位", "建筑施工扬尘管控不到位", "大气",
	  "市住房和城乡建设局", "市城市管理局、市生态环境局",
	  "建筑工地全面落实“六个百分之百”扬尘防治措施",
	  "建立施工工地动态清单；安装视频监控和扬尘在线监测设备；对未落实扬尘防治措施的工地依法查处" },
	{ "畜禽养殖污染治理不到位", "畜禽养殖污染治理不到位", "水、土壤",
	  "市农业农村局", "市生态环境局",
	  "规模养殖场粪污处理设施装备配套率达到100%，畜禽粪污综合利用率达到80%以上",
	  "依法关闭搬迁禁养区内养殖场；推进粪污资源化利用；加强养殖场日常执法监管" },
	{ "生活垃圾填埋场渗滤液处理不规范", "生活垃圾填埋场渗滤液处理不规范", "固废、水",
	  "市城市管理局", "市生态环境局",
	  "渗滤液全部达标处理，填埋场规范运行",
	  "实施渗滤液处理设施改造；清理积存渗滤液；严格执行生活垃圾卫生填埋场技术规程" },
	{ "危险废物规范化管理存在漏洞", "危险废物规范化管理存在漏洞", "固废",
	  "市生态环境局", "市工业和信息化局、市公安局",
	  "危险废物产生单位规范化管理达标率达到90%以上",
	  "开展危险废物专项排查整治；落实转移联单和管理台账制度；严厉打击非法转移倾倒危险废物" },
	{ "自然保护区内违规开发建设问题突出", "自然保护区内违规开发建设", "生态",
	  "市林业局", "市自然资源和规划局、市生态环境局",
	  "保护区内违规项目全部清理整治到位，完成生态修复",
	  "开展“绿盾”专项行动；依法拆除违规建筑设施；划定生态保护红线，实施全过程严管" },
	{ "农村生活污水治理滞后", "农村生活污水治理滞后", "水",
	  "市农业农村局", "市生态环境局、市住房和城乡建设局",
	  "农村生活污水治理率达到省定目标",
	  "编制农村生活污水治理专项规划；因地制宜建设污水处理设施；建立设施运行维护长效机制" },
	{ "污染防治考核和责任追究制度落实不到位", "污染防治责任追究落实不到位", "制度",
	  "市生态环境局", "市发展和改革委员会",
	  "建立完善污染防治考核评价和责任追究制度",
	  "制定污染防治考核办法，开展党政领导干部污染防治攻坚考核和离任审计；健全责任追究制度，严格依纪依法问责" },
	{ "重点河流断面水质不能稳定达标", "河流断面水质不能稳定达标", "水",
	  "市生态环境局", "市水务局、市农业农村局",
	  "国省考断面水质稳定达到考核目标",
	  "落实河长、湖长制；开展入河排污口排查整治；保障河流生态流量，逐步恢复水生态" },
	{ "焦化行业超低排放改造滞后", "焦化企业超低排放改造滞后", "大气、产业结构",
	  "市工业和信息化局", "市生态环境局",
	  "焦化企业全面完成超低排放改造",
	  "制定“一企一策”改造方案；对未按期完成改造的企业实施错峰生产；加强在线监测数据监管" },
	{ "尾矿库环境风险隐患排查治理不彻底", "尾矿库环境风险隐患排查治理不彻底", "矿山、土壤",
	  "市应急管理局", "市生态环境局、市自然资源和规划局",
	  "尾矿库环境风险隐患全部整治到位",
	  "开展尾矿库环境风险隐患排查；完善渗滤液收集和防扬散设施；编制突发环境事件应急预案" },
	{ "砖瓦窑行业无组织排放问题突出", "砖瓦窑无组织排放问题突出", "大气",
	  "市生态环境局", "市工业和信息化局",
	  "砖瓦窑企业全面实现达标排放",
	  "依法关停不符合产业政策的砖瓦窑；实施脱硫除尘设施改造；加强日常执法检查" },
	{ "耕地土壤污染安全利用推进缓慢", "耕地土壤污染安全利用推进缓慢", "土壤",
	  "市农业农村局", "市生态环境局、市自然资源和规划局",
	  "受污染耕地安全利用率达到省定目标",
	  "开展农用地土壤污染状况详查；实施分类管理和安全利用；加强土壤污染源头管控" },
};

/* ---------------------------------------------------------------- complaints */

/* One kind of complaint: who, doing what, with which effects. */
struct complaint_tpl {
	const char *categories;
	const char *sources[6];
	const char *acts[4];
	const char *effects[4];
	const char *measure;   /* what the county did about it */
};

static const struct complaint_tpl complaints[] = {
	{ "噪声", { "砂石厂", "石料厂", "混凝土搅拌站", "建筑工地", "木材加工厂", "KTV" },
	  { "夜间生产", "夜间施工", "24小时作业", "使用高噪声设备" },
	  { "噪声扰民", "严重影响周边居民休息", "震动明显" },
	  "限定作业时间，加装隔音降噪设施" },
	{ "噪声、大气", { "砂石厂", "石料厂", "破碎站", "沥青搅拌站" },
	  { "夜间生产", "露天破碎作业", "无证经营" },
	  { "噪声扰民，粉尘污染严重", "粉尘大，噪声扰民", "扬尘和噪声影响居民生活" },
	  "全封闭改造生产车间，配套喷淋抑尘设施" },
	{ "大气", { "化工厂", "铸造厂", "砖厂", "焦化厂", "石灰窑", "喷漆作坊" },
	  { "废气直排", "未安装除尘设施", "烟囱冒黑烟", "无组织排放" },
	  { "气味刺鼻", "粉尘污染严重", "周边居民无法开窗", "影响周边农作物生长" },
	  "停产整治，安装废气收集和治理设施" },
	{ "水", { "养殖场", "屠宰场", "洗砂场", "造纸厂", "污水处理厂", "洗车场" },
	  { "污水直排河道", "偷排废水", "雨污混排", "污水外溢" },
	  { "河水发黑发臭", "鱼类死亡", "影响下游灌溉", "地下水受到污染" },
	  "封堵排污口，建设污水收集处理设施" },
	{ "固废", { "废品收购站", "建筑垃圾", "生活垃圾", "工业废渣", "废旧轮胎" },
	  { "随意倾倒", "露天堆放", "长期未清运", "沿河堆放" },
	  { "污染周边环境", "下雨后渗滤液外流", "臭气熏天，蚊蝇滋生" },
	  "清运堆存垃圾，落实属地巡查责任" },
	{ "采砂、水", { "河道", "河滩", "河段" },
	  { "非法采砂", "夜间盗采河砂", "无证开采砂石" },
	  { "破坏河床，河堤受损", "运砂车辆扬尘严重", "河道生态遭到破坏" },
	  "拆除采砂设备，回填采砂坑，恢复河道原貌" },
	{ "采砂、生态", { "河道", "河滩地" },
	  { "非法采砂", "私挖乱采" },
	  { "形成大面积采砂坑，生态破坏严重", "破坏河床，危及堤防安全" },
	  "依法查处违法采砂行为，实施生态修复" },
	{ "矿山、生态", { "露天矿山", "采石场", "石料开采点" },
	  { "无证开采", "越界开采", "开采后未修复" },
	  { "山体裸露，扬尘严重", "破坏植被", "存在地质灾害隐患" },
	  "依法关闭矿山，实施复绿和地质环境治理" },
	{ "生态", { "林地", "湿地", "基本农田", "河道管理范围" },
	  { "被非法占用", "毁林开荒", "违规建设别墅", "违规建设养殖场" },
	  { "生态破坏严重", "植被遭到破坏" },
	  "拆除违法建筑，恢复土地原状" },
	{ "土壤", { "冶炼厂", "电镀厂", "化工厂" },
	  { "废渣就地填埋", "含重金属废水渗漏", "危险废物随意堆放" },
	  { "周边农田土壤受污染", "农作物减产" },
	  "清挖受污染土壤，开展土壤污染状况调查" },
	{ "运输、大气", { "运煤车", "渣土车", "运砂车" },
	  { "未苫盖", "沿途抛洒", "超载运输" },
	  { "道路扬尘严重", "影响沿线居民生活" },
	  "加强路面执法检查，落实车辆密闭运输" },
	{ "能源、大气", { "燃煤锅炉", "小煤炉", "燃煤土暖气" },
	  { "未按期淘汰", "仍在使用", "冬季大量燃烧散煤" },
	  { "冒黑烟，污染空气", "烟气污染严重" },
	  "拆除燃煤设施，实施清洁能源替代" },
	{ "其他", { "加油站", "餐饮店", "汽修厂" },
	  { "油气回收设施不运行", "油烟直排", "露天喷漆" },
	  { "气味难闻", "影响居民生活" },
	  "责令整改，加强日常监管" },
};

static int tpl_strings(const char *const *a, int cap)
{
	int n = 0;
	while (n < cap && a[n])
		n++;
	return n;
}

/* ---------------------------------------------------------------- schedules */

/* What state an item is placed in: chosen first, then dates, status and
 * progress are made to agree with it, so the lights show a realistic mix. */
enum scenario {
	SC_CLOSED, SC_PUBLICIZED, SC_VERIFIED, SC_REQUESTED, SC_ONGOING,
	SC_RED_OVERDUE, SC_RED_LAG, SC_YELLOW_SOON, SC_YELLOW_LAG, SC_GREEN, SC_COUNT
};

static const int scenario_permille[SC_COUNT] = {
	[SC_CLOSED] = 270, [SC_PUBLICIZED] = 30, [SC_VERIFIED] = 40, [SC_REQUESTED] = 50,
	[SC_ONGOING] = 80, [SC_RED_OVERDUE] = 90, [SC_RED_LAG] = 30, [SC_YELLOW_SOON] = 50,
	[SC_YELLOW_LAG] = 50, [SC_GREEN] = 310,
};

static enum scenario pick_scenario(struct rng *r)
{
	int x = rng_below(r, 1000);
	for (int s = 0; s < SC_COUNT; s++) {
		if (x < scenario_permille[s])
			return (enum scenario)s;
		x -= scenario_permille[s];
	}
	return SC_GREEN;
}

static bool scenario_open(enum scenario s)
{
	return s >= SC_RED_OVERDUE;
}

struct schedule {
	enum scenario sc;
	duban_date closed_on;  /* when a closed item was closed */
	int overdue_days;
};

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int elapsed_pct(duban_date start, duban_date deadline, duban_date today)
{
	if (deadline <= start)
		return 100;
	return clamp((int)((long long)(today - start) * 100 / (deadline - start)), 0, 100);
}

/* Start and deadline so that PCT of the span has elapsed today and the
 * deadline lies AHEAD days away. */
static void place_span(struct duban_item *it, duban_date today, int ahead, int pct)
{
	int span = ahead * 100 / (100 - pct);
	it->deadline = today + ahead;
	it->start = it->deadline - span;
}

static void set_working(struct duban_item *it, int progress)
{
	it->progress = clamp(progress, 0, 99);
	it->status = it->progress == 0 ? DUBAN_STATUS_NOT_STARTED : DUBAN_STATUS_IN_PROGRESS;
}

/* A deadline at least warn_days + 1 away, or in the past for finished work. */
static duban_date finished_deadline(struct rng *r, duban_date today)
{
	int d = rng_range(r, -120, 200);
	if (d >= 0 && d <= 7)
		d += 10;
	return today + d;
}

static void sched_closed(struct rng *r, struct duban_item *it, duban_date today, struct schedule *s)
{
	s->closed_on = today - rng_range(r, 1, 540);
	if (rng_permille(r, 120)) {
		/* 立行立改: done within days of the start */
		it->deadline_kind = DUBAN_DEADLINE_IMMEDIATE;
		it->deadline = s->closed_on - rng_range(r, 0, 20);
		it->start = it->deadline - rng_range(r, 0, 10);
	} else {
		it->deadline = s->closed_on + rng_range(r, -30, 120);
		duban_date first = it->deadline < s->closed_on ? it->deadline : s->closed_on;
		it->start = first - rng_range(r, 60, 540);
	}
	it->notice_end = s->closed_on;
	it->status = DUBAN_STATUS_CLOSED;
	it->progress = 100;
}

static void sched_finished(struct rng *r, struct duban_item *it, duban_date today, enum scenario sc)
{
	it->deadline = finished_deadline(r, today);
	it->start = it->deadline - rng_range(r, 90, 540);
	if (it->start >= today)
		it->start = today - rng_range(r, 30, 90);
	it->progress = 100;
	if (sc == SC_PUBLICIZED) {
		it->status = DUBAN_STATUS_PUBLICIZED;
		it->notice_end = today + rng_range(r, 1, 15);
	} else if (sc == SC_VERIFIED) {
		it->status = DUBAN_STATUS_VERIFIED;
	} else {
		/* requested: the deadline is still ahead, else it would be red */
		it->deadline = today + rng_range(r, 8, 200);
		it->start = today - rng_range(r, 60, 400);
		it->status = DUBAN_STATUS_REQUESTED;
		it->progress = rng_range(r, 95, 100);
	}
}

static void sched_overdue(struct rng *r, struct duban_item *it, duban_date today, struct schedule *s)
{
	int x = rng_below(r, 100);
	s->overdue_days = x < 40 ? rng_range(r, 1, 14) : x < 75 ? rng_range(r, 15, 90) : rng_range(r, 91, 365);
	it->deadline = today - s->overdue_days;
	if (rng_permille(r, 150)) {
		it->deadline_kind = DUBAN_DEADLINE_IMMEDIATE;
		it->start = it->deadline - rng_range(r, 0, 10);
	} else {
		it->start = it->deadline - rng_range(r, 60, 540);
	}
	set_working(it, rng_permille(r, 150) ? 0 : rng_range(r, 10, 90));
}

static void sched_open(struct rng *r, struct duban_item *it, duban_date today, enum scenario sc)
{
	int pct, lag;
	switch (sc) {
	case SC_RED_LAG:
		place_span(it, today, rng_range(r, 30, 300), rng_range(r, 50, 90));
		lag = rng_range(r, 34, 50);
		break;
	case SC_YELLOW_SOON:
		it->deadline = today + rng_range(r, 1, 6);
		it->start = it->deadline - rng_range(r, 90, 540);
		lag = rng_range(r, 0, 25);
		break;
	case SC_YELLOW_LAG:
		place_span(it, today, rng_range(r, 30, 400), rng_range(r, 35, 85));
		lag = rng_range(r, 13, 26);
		break;
	default: /* green */
		place_span(it, today, rng_range(r, 8, 600), rng_range(r, 2, 80));
		lag = rng_range(r, -20, 7);
		break;
	}
	pct = elapsed_pct(it->start, it->deadline, today);
	set_working(it, pct - lag);
	/* a task just begun may not have started at all */
	if (sc == SC_GREEN && pct < 8 && rng_permille(r, 500))
		set_working(it, 0);
}

static void make_schedule(struct rng *r, struct duban_item *it, duban_date today, struct schedule *s)
{
	it->deadline_kind = DUBAN_DEADLINE_DATE;
	it->notice_end = DUBAN_DATE_NONE;
	switch (s->sc) {
	case SC_CLOSED:
		sched_closed(r, it, today, s);
		break;
	case SC_PUBLICIZED:
	case SC_VERIFIED:
	case SC_REQUESTED:
		sched_finished(r, it, today, s->sc);
		break;
	case SC_ONGOING:
		it->deadline_kind = DUBAN_DEADLINE_ONGOING;
		it->deadline = DUBAN_DATE_NONE;
		it->start = today - rng_range(r, 60, 1500);
		it->status = DUBAN_STATUS_IN_PROGRESS;
		it->progress = rng_range(r, 30, 90);
		break;
	case SC_RED_OVERDUE:
		sched_overdue(r, it, today, s);
		break;
	default:
		sched_open(r, it, today, s->sc);
		break;
	}
}

/* ---------------------------------------------------------------- text */

/* Appends to a fixed buffer; truncation is harmless for demo text. */
static void cat(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

static void stamp(struct rng *r, duban_date d, char out[25])
{
	int y, m, day;
	duban_date_to_ymd(d, &y, &m, &day);
	snprintf(out, 25, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, day,
		 rng_range(r, 0, 10), rng_range(r, 0, 59), rng_range(r, 0, 59));
}

/* ---------------------------------------------------------------- generator */

/* Recent complaints, so that a repeated complaint can point at the first. */
#define DUP_RING 64
struct dup_entry {
	char id[37];
	char code[24];
	int county, town;
	char title[160];
	char description[512];
};

struct dispatch_member {
	char id[37];
	char owner[64];
	int progress;
};

struct gen {
	duban_store *st;
	struct rng rng;
	duban_date today;
	long problems, complaints;
	struct dup_entry ring[DUP_RING];
	int ring_len;
	/* what the item just built needs for its records */
	struct schedule sched;
	int county, town;
	const char *source, *act;
	/* The close-out stages a handful of items show (evidence, sign-offs,
	 * the notice and its objections): drawn from a stream of their own, so
	 * the rest of the ledger is what it was without them. */
	struct rng co;
	int staged[DUBAN_STATUS_COUNT];
	/* ... each recorded at the item's last change, which a record sets
	 * its updated_at to: the item's row stays as it was. */
	char touched[25];
	const struct dup_entry *first; /* the complaint the one just built repeats */
	int links;                     /* how many the demo made (a few) */
	char rebound_id[37];           /* the closed complaint that came back */
	duban_date rebound_back, rebound_again;
	/* Two 调度 rounds over open items that have a history: their own
	 * stream too, and written without touching the items. */
	struct rng dp;
	struct dispatch_member *members;
	int nmembers;
};

static void coords(struct gen *g, struct duban_item *it)
{
	const struct county *c = &counties[g->county];
	/* townships sit at fixed offsets from their county's centre */
	double a = (g->town * 2.399963) + g->county;
	double ring = 0.04 + 0.03 * (g->town % 4);
	it->longitude = c->lon + ring * cos(a) + (rng_unit(&g->rng) - 0.5) * 0.03;
	it->latitude = c->lat + ring * sin(a) + (rng_unit(&g->rng) - 0.5) * 0.03;
	it->longitude = round(it->longitude * 1e6) / 1e6;
	it->latitude = round(it->latitude * 1e6) / 1e6;
}

static int pick_round(struct rng *r)
{
	int x = rng_below(r, 100);
	return x < 20 ? 0 : x < 40 ? 1 : 2;
}

static void people(struct gen *g, struct duban_item *it)
{
	char name[32];
	person(&g->rng, name, sizeof name);
	duban_set_str(&it->leader, name);
	person(&g->rng, name, sizeof name);
	duban_set_str(&it->owner, name);
	snprintf(name, sizeof name, "0351-%07d", rng_range(&g->rng, 2000000, 8999999));
	duban_set_str(&it->contact, name);
}

static void fill_problem(struct gen *g, struct duban_item *it)
{
	struct rng *r = &g->rng;
	const struct problem_tpl *p = &problems[rng_below(r, (int)COUNT(problems))];
	const struct county *c = &counties[g->county];
	int rd = pick_round(r);
	char buf[1024];

	it->kind = DUBAN_KIND_PROBLEM;
	snprintf(buf, sizeof buf, "FK%c-%04ld", round_codes[rd], ++g->problems);
	duban_set_str(&it->code, buf);
	duban_set_str(&it->round, rounds[rd]);
	it->scope = rng_permille(r, 400) ? DUBAN_SCOPE_COMMON : DUBAN_SCOPE_SPECIFIC;
	if (it->scope == DUBAN_SCOPE_COMMON) {
		duban_set_str(&it->title, p->common);
	} else {
		snprintf(buf, sizeof buf, "%s%s", c->name, p->subject);
		duban_set_str(&it->title, buf);
	}
	snprintf(buf, sizeof buf, "督察发现，%s%s。%s等问题群众反映强烈，整改责任落实不到位。",
		 it->scope == DUBAN_SCOPE_COMMON ? "我市" : c->name, p->subject, p->subject);
	duban_set_str(&it->description, buf);
	duban_set_str(&it->categories, p->categories);
	duban_set_str(&it->county, c->name);
	duban_set_str(&it->lead_unit, p->lead);
	snprintf(buf, sizeof buf, "%s、%s", p->co, c->gov);
	duban_set_str(&it->co_units, buf);
	buf[0] = '\0';
	if (it->deadline_kind == DUBAN_DEADLINE_DATE && it->deadline != DUBAN_DATE_NONE) {
		int y, m, d;
		duban_date_to_ymd(it->deadline, &y, &m, &d);
		cat(buf, sizeof buf, "%d年%d月底前，", y, m);
	} else if (it->deadline_kind == DUBAN_DEADLINE_ONGOING) {
		cat(buf, sizeof buf, "长期坚持，");
	} else {
		cat(buf, sizeof buf, "立行立改，");
	}
	cat(buf, sizeof buf, "%s。", p->goal);
	duban_set_str(&it->goal, buf);
	snprintf(buf, sizeof buf, "%s。", p->measures);
	duban_set_str(&it->measures, buf);
	it->longitude = it->latitude = NAN;
	if (it->scope == DUBAN_SCOPE_SPECIFIC)
		coords(g, it);
	it->is_public = true;
	g->source = p->subject;
	g->act = p->measures;
}

static enum duban_verdict pick_verdict(struct rng *r)
{
	int x = rng_below(r, 100);
	return x < 45 ? DUBAN_VERDICT_TRUE : x < 65 ? DUBAN_VERDICT_MOSTLY
		: x < 85 ? DUBAN_VERDICT_PARTLY : DUBAN_VERDICT_FALSE;
}

/* Mostly nothing; now and then orders, fines and worse. */
static void enforcement(struct rng *r, struct duban_item *it)
{
	struct duban_enforcement *e = &it->enforcement;
	memset(e, 0, sizeof *e);
	if (it->verdict == DUBAN_VERDICT_FALSE || it->verdict == DUBAN_VERDICT_NONE)
		return;
	if (rng_permille(r, 400))
		e->rectify_orders = rng_range(r, 1, 3);
	if (rng_permille(r, 120)) {
		e->penalty_cases = rng_range(r, 1, 2);
		e->fines = rng_range(r, 5, 500) / 10.0;
	}
	if (rng_permille(r, 5))
		e->criminal_cases = 1;
	if (e->criminal_cases && rng_permille(r, 600))
		e->detentions = rng_range(r, 1, 3);
	if (rng_permille(r, 50))
		e->summons = rng_range(r, 1, 3);
	if (rng_permille(r, 20))
		e->accountability = rng_range(r, 1, 4);
}

static void findings_text(struct gen *g, const struct duban_item *it, const char *effect, char *buf, size_t cap)
{
	buf[0] = '\0';
	switch (it->verdict) {
	case DUBAN_VERDICT_TRUE:
		cat(buf, cap, "经现场核查，该%s确实存在%s问题，%s，群众反映情况属实。", g->source, g->act, effect);
		break;
	case DUBAN_VERDICT_MOSTLY:
		cat(buf, cap, "经现场核查，该%s存在%s问题，群众反映情况基本属实。", g->source, g->act);
		break;
	case DUBAN_VERDICT_PARTLY:
		cat(buf, cap, "经现场核查，该%s存在%s问题，但未发现%s情况，群众反映情况部分属实。",
		    g->source, g->act, effect);
		break;
	default:
		cat(buf, cap, "经现场核查，该%s已停产，现场未发现%s问题，群众反映情况不属实。", g->source, g->act);
		break;
	}
}

static void handling_text(const struct duban_item *it, const char *measure, char *buf, size_t cap)
{
	const struct duban_enforcement *e = &it->enforcement;
	buf[0] = '\0';
	if (it->verdict == DUBAN_VERDICT_FALSE) {
		cat(buf, cap, "已向信访人做好解释说明工作，属地政府加强日常巡查。");
		return;
	}
	cat(buf, cap, "%s", measure);
	if (e->rectify_orders)
		cat(buf, cap, "，责令整改%d家次", e->rectify_orders);
	if (e->penalty_cases)
		cat(buf, cap, "，立案处罚%d起，罚款%.1f万元", e->penalty_cases, e->fines);
	if (e->criminal_cases)
		cat(buf, cap, "，移送公安机关立案侦查%d起", e->criminal_cases);
	if (e->detentions)
		cat(buf, cap, "，行政拘留%d人", e->detentions);
	if (e->summons)
		cat(buf, cap, "，约谈%d人", e->summons);
	if (e->accountability)
		cat(buf, cap, "，问责%d人", e->accountability);
	cat(buf, cap, "。");
}

static void complaint_code(struct gen *g, struct duban_item *it, int rd)
{
	char buf[32];
	char kind = rng_permille(&g->rng, 700) ? 'D' : 'X'; /* 来电 / 来信 */
	snprintf(buf, sizeof buf, "%c%cXX%06ld", kind, round_codes[rd], ++g->complaints);
	duban_set_str(&it->code, buf);
	snprintf(buf, sizeof buf, "第%d批", rng_range(&g->rng, 1, 30));
	duban_set_str(&it->batch, buf);
	duban_set_str(&it->round, rounds[rd]);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void complaint_units(struct gen *g, struct duban_item *it)
{
	const struct county *c = &counties[g->county];
	char buf[256];
	duban_set_str(&it->lead_unit, c->gov);
	snprintf(buf, sizeof buf, "市生态环境局%s分局、%s人民政府", c->name, c->towns[g->town]);
	if (ends_with(c->towns[g->town], "街道"))
		snprintf(buf, sizeof buf, "市生态环境局%s分局、%s办事处", c->name, c->towns[g->town]);
	duban_set_str(&it->co_units, buf);
}

/* A repeated complaint copies the first one's place and text. */
static bool complaint_repeat(struct gen *g, struct duban_item *it)
{
	if (g->ring_len == 0 || !rng_permille(&g->rng, 30))
		return false;
	const struct dup_entry *d = &g->ring[rng_below(&g->rng, g->ring_len)];
	g->first = d;
	g->county = d->county;
	g->town = d->town;
	duban_set_str(&it->duplicate_of, d->code);
	duban_set_str(&it->title, d->title);
	duban_set_str(&it->description, d->description);
	return true;
}

static void remember(struct gen *g, const struct duban_item *it)
{
	int slot = g->ring_len < DUP_RING ? g->ring_len++ : rng_below(&g->rng, DUP_RING);
	struct dup_entry *d = &g->ring[slot];
	snprintf(d->id, sizeof d->id, "%s", it->id);
	snprintf(d->code, sizeof d->code, "%s", it->code);
	snprintf(d->title, sizeof d->title, "%s", it->title);
	snprintf(d->description, sizeof d->description, "%s", it->description);
	d->county = g->county;
	d->town = g->town;
}

static void fill_complaint(struct gen *g, struct duban_item *it)
{
	struct rng *r = &g->rng;
	const struct complaint_tpl *t = &complaints[rng_below(r, (int)COUNT(complaints))];
	int rd = pick_round(r);
	char buf[1024];

	it->kind = DUBAN_KIND_COMPLAINT;
	complaint_code(g, it, rd);
	it->scope = DUBAN_SCOPE_NONE; /* common/specific is for feedback problems */
	g->source = t->sources[rng_below(r, tpl_strings(t->sources, 6))];
	g->act = t->acts[rng_below(r, tpl_strings(t->acts, 4))];
	const char *effect = t->effects[rng_below(r, tpl_strings(t->effects, 4))];
	bool repeat = complaint_repeat(g, it);
	const struct county *c = &counties[g->county];
	const char *town = c->towns[g->town];
	if (!repeat) {
		const char *village = PICK(r, villages);
		snprintf(buf, sizeof buf, "%s%s%s%s", town, village, g->source, g->act);
		duban_set_str(&it->title, buf);
		snprintf(buf, sizeof buf, "%s%s%s%s%s，%s，群众多次反映未得到解决。",
			 c->name, town, village, g->source, g->act, effect);
		duban_set_str(&it->description, buf);
	}
	duban_set_str(&it->categories, t->categories);
	duban_set_str(&it->county, c->name);
	duban_set_str(&it->township, town);
	complaint_units(g, it);
	snprintf(buf, sizeof buf, "%s。", t->measure);
	duban_set_str(&it->measures, buf);
	duban_set_str(&it->goal, "问题整改到位，群众满意。");
	it->verdict = pick_verdict(r);
	enforcement(r, it);
	findings_text(g, it, effect, buf, sizeof buf);
	duban_set_str(&it->findings, buf);
	handling_text(it, t->measure, buf, sizeof buf);
	duban_set_str(&it->handling, buf);
	if (it->enforcement.accountability) {
		snprintf(buf, sizeof buf, "对%s相关责任人%d人进行诫勉谈话。", c->gov, it->enforcement.accountability);
		duban_set_str(&it->accountability, buf);
	}
	it->key_case = rng_permille(r, 50);
	it->is_public = rng_permille(r, 900);
	coords(g, it);
	if (!repeat)
		remember(g, it);
}

/* The store keeps created_at and may stamp updated_at itself on insert; the
 * records added after the item move updated_at to their own dates. */
static void timestamps(struct gen *g, struct duban_item *it)
{
	duban_date created = it->start - rng_range(&g->rng, 0, 10);
	duban_date updated = g->sched.sc == SC_CLOSED ? g->sched.closed_on
		: g->today - rng_range(&g->rng, 0, 45);
	if (updated < created)
		updated = created;
	stamp(&g->rng, created, it->created_at);
	stamp(&g->rng, updated, it->updated_at);
	if (strcmp(it->updated_at, it->created_at) < 0)
		memcpy(it->updated_at, it->created_at, sizeof it->updated_at);
}

/* A complaint's feedback clock (交办日期 → 反馈日期), from the item's own id
 * and dates, not from the random stream, so every other value of the demo
 * stays as it was: transferred on its start, answered 2-9 days later, but
 * one in 40 of those still in work not yet answered (feedback overdue once
 * the days have passed). */
static void feedback_clock(const struct gen *g, struct duban_item *it)
{
	unsigned h = (unsigned)strtoul((char[]){ it->id[0], it->id[1], it->id[2], '\0' }, NULL, 16);
	bool open = it->status != DUBAN_STATUS_CLOSED && it->status != DUBAN_STATUS_VERIFIED
		    && it->status != DUBAN_STATUS_PUBLICIZED;
	if (it->start == DUBAN_DATE_NONE || it->start > g->today)
		return;
	it->transferred_on = it->start;
	duban_date answered = it->start + 2 + (int)(h % 8);
	if ((open && h % 40 == 0) || answered > g->today)
		return;
	it->feedback_on = answered;
}

static void build_item(struct gen *g, struct duban_item *it)
{
	struct rng *r = &g->rng;
	rng_uuid(r, it->id);
	g->county = rng_below(r, (int)COUNT(counties));
	g->town = rng_below(r, town_count(&counties[g->county]));
	memset(&g->sched, 0, sizeof g->sched);
	g->sched.sc = pick_scenario(r);
	bool problem = rng_permille(r, 80);
	/* an untrue complaint is mostly closed at once */
	if (!problem && scenario_open(g->sched.sc) && rng_permille(r, 100))
		g->sched.sc = SC_CLOSED;
	make_schedule(r, it, g->today, &g->sched);
	g->first = NULL;
	if (problem)
		fill_problem(g, it);
	else
		fill_complaint(g, it);
	people(g, it);
	timestamps(g, it);
	if (!problem)
		feedback_clock(g, it);
}

/* ---------------------------------------------------------------- records */

static const char *const problem_notes[] = {
	"%s，%s召开专题推进会，研究部署整改工作，明确责任分工和时间节点，目前整改进度约%d%%。",
	"%s，已完成问题排查，建立整改台账，制定“一事一策”整改方案，整改进度约%d%%。",
	"%s，%s联合配合单位开展现场督导，督促属地加快整改进度，目前已完成%d%%。",
	"%s，报送阶段性整改进展：各项整改措施正在推进，整改进度约%d%%。",
};
static const char *const complaint_notes[] = {
	"%s，%s会同属地乡镇开展现场核查，已责令涉事单位停止违法行为，整改进度约%d%%。",
	"%s，已制定整改方案，正在落实整改措施，整改进度约%d%%。",
	"%s，%s组织回访群众，群众对整改情况表示认可，整改进度约%d%%。",
};

static enum duban_err add_note(struct gen *g, const struct duban_item *it, duban_date d, int pct)
{
	struct rng *r = &g->rng;
	struct duban_note n;
	char when[64], text[512];
	memset(&n, 0, sizeof n);
	rng_uuid(r, n.id);
	memcpy(n.item_id, it->id, sizeof n.item_id);
	duban_date_zh(d, when);
	bool problem = it->kind == DUBAN_KIND_PROBLEM;
	const char *fmt = problem ? PICK(r, problem_notes) : PICK(r, complaint_notes);
	/* formats with two %s take the unit, the others only the date */
	if (strstr(strstr(fmt, "%s") + 2, "%s"))
		snprintf(text, sizeof text, fmt, when, it->lead_unit, pct);
	else
		snprintf(text, sizeof text, fmt, when, pct);
	if (pct >= 100)
		snprintf(text, sizeof text, "%s，整改任务已完成，经自查验收合格，申请销号。", when);
	else if (pct == 0)
		snprintf(text, sizeof text, "%s，已收到交办清单，正在组织调查核实、制定整改方案。", when);
	n.text = text;
	n.author = it->owner;
	stamp(r, d, n.created_at);
	return duban_note_add(g->st, &n);
}

static duban_date last_activity(const struct gen *g)
{
	return g->sched.sc == SC_CLOSED ? g->sched.closed_on : g->today;
}

static enum duban_err add_notes(struct gen *g, const struct duban_item *it)
{
	int n = rng_range(&g->rng, 1, 3);
	duban_date from = it->start, to = last_activity(g);
	if (to <= from)
		to = from + 1;
	for (int i = 1; i <= n; i++) {
		duban_date d = from + (duban_date)((long long)(to - from) * i / (n + 1));
		int pct = it->progress * i / n;
		enum duban_err e = add_note(g, it, d, pct);
		if (e != DUBAN_OK)
			return e;
	}
	return DUBAN_OK;
}

static enum duban_err add_inspection(struct gen *g, const struct duban_item *it, duban_date d,
				     const char *level, bool passed)
{
	struct rng *r = &g->rng;
	struct duban_inspection in;
	char names[80], a[32], b[32], place[256];
	memset(&in, 0, sizeof in);
	rng_uuid(r, in.id);
	memcpy(in.item_id, it->id, sizeof in.item_id);
	in.date = d;
	in.level = (char *)level;
	person(r, a, sizeof a);
	person(r, b, sizeof b);
	snprintf(names, sizeof names, "%s、%s", a, b);
	in.inspectors = names;
	snprintf(place, sizeof place, "%s%s", it->county, it->township);
	in.place = place;
	in.findings = passed ? (char *)"现场核查，整改措施已落实到位，未发现问题反弹，同意验收。"
		: (char *)"现场核查发现整改不彻底，部分措施尚未落实，责令限期整改。";
	in.passed = passed;
	in.author = a;
	stamp(r, d, in.created_at);
	return duban_inspection_add(g->st, &in);
}

/* Passing checks on finished work; now and then a failed one on open work
 * (a failing check never moves an item that is not awaiting one). */
static enum duban_err add_inspections(struct gen *g, const struct duban_item *it)
{
	enum duban_err e = DUBAN_OK;
	duban_date end = last_activity(g);
	switch (it->status) {
	case DUBAN_STATUS_VERIFIED:
	case DUBAN_STATUS_PUBLICIZED:
		e = add_inspection(g, it, g->today - rng_range(&g->rng, 16, 40), "county", true);
		break;
	case DUBAN_STATUS_CLOSED:
		e = add_inspection(g, it, end - rng_range(&g->rng, 25, 40), "county", true);
		if (e == DUBAN_OK)
			e = add_inspection(g, it, end - rng_range(&g->rng, 16, 24), "city", true);
		break;
	case DUBAN_STATUS_IN_PROGRESS:
		if (rng_permille(&g->rng, 250))
			e = add_inspection(g, it, end - rng_range(&g->rng, 1, 30), "county", false);
		break;
	default:
		break;
	}
	return e;
}

static enum duban_err add_action(struct gen *g, const struct duban_item *it,
				 enum duban_action_kind kind, duban_date d)
{
	struct rng *r = &g->rng;
	struct duban_action a;
	char text[512], due[64];
	memset(&a, 0, sizeof a);
	rng_uuid(r, a.id);
	memcpy(a.item_id, it->id, sizeof a.item_id);
	a.kind = kind;
	a.date = d;
	a.due = d + rng_range(r, 7, 15);
	duban_date_zh(a.due, due);
	snprintf(text, sizeof text, "%s：你单位牵头的“%s”（%s）整改任务已超过整改时限，请于%s前报送整改进展及超期原因。",
		 it->lead_unit, it->title, it->code, due);
	a.text = text;
	a.author = (char *)"市生态环境保护督察整改工作领导小组办公室";
	stamp(r, d, a.created_at);
	return duban_action_add(g->st, &a);
}

/* The office's escalation on overdue work: 提醒函, then 督办通知, then 通报. */
static enum duban_err add_actions(struct gen *g, const struct duban_item *it)
{
	int od = g->sched.overdue_days;
	enum duban_err e = DUBAN_OK;
	if (g->sched.sc != SC_RED_OVERDUE || od < 3)
		return DUBAN_OK;
	e = add_action(g, it, DUBAN_ACTION_REMINDER, it->deadline + rng_range(&g->rng, 1, 3));
	if (e == DUBAN_OK && od > 35)
		e = add_action(g, it, DUBAN_ACTION_NOTICE, it->deadline + rng_range(&g->rng, 30, 35));
	if (e == DUBAN_OK && od > 95)
		e = add_action(g, it, DUBAN_ACTION_CIRCULAR, it->deadline + rng_range(&g->rng, 90, 95));
	return e;
}

/* ---------------------------------------------------------------- close-out stages */

/* An "after" photo record (the bytes are not in the demo: a dossier lists
 * it as missing). */
static enum duban_err add_evidence(struct gen *g, const struct duban_item *it, duban_date d)
{
	struct duban_attachment a;
	struct duban_sha256 c;
	unsigned char digest[DUBAN_SHA256_LEN];
	memset(&a, 0, sizeof a);
	rng_uuid(&g->co, a.id);
	memcpy(a.item_id, it->id, sizeof a.item_id);
	duban_sha256_init(&c);
	duban_sha256_update(&c, a.id, strlen(a.id));
	duban_sha256_final(&c, digest);
	duban_sha256_hex(digest, a.sha256);
	a.name = (char *)"整改后现场照片.jpg";
	a.mime = (char *)"image/jpeg";
	a.size = rng_range(&g->co, 200000, 900000);
	a.kind = DUBAN_EVIDENCE_AFTER;
	a.author = (char *)"县整改办";
	(void)d;
	memcpy(a.created_at, g->touched, sizeof a.created_at);
	return duban_attachment_add(g->st, &a);
}

static enum duban_err add_signoff(struct gen *g, const struct duban_item *it, duban_date d, const char *level)
{
	struct duban_inspection in;
	memset(&in, 0, sizeof in);
	rng_uuid(&g->co, in.id);
	memcpy(in.item_id, it->id, sizeof in.item_id);
	in.date = d;
	in.level = (char *)level;
	in.inspectors = (char *)(strcmp(level, "city") == 0 ? "市生态环境局验收组" : "县级验收组");
	in.place = (char *)"";
	in.findings = (char *)"整改措施已全部落实，整改成效达到要求，同意通过验收。";
	in.passed = true;
	in.criteria = (char *)"1,2,3,4,5";
	in.author = (char *)"验收组";
	memcpy(in.created_at, g->touched, sizeof in.created_at);
	return duban_inspection_add(g->st, &in);
}

static enum duban_err add_notice_rec(struct gen *g, const struct duban_item *it, struct duban_notice *r, duban_date d)
{
	rng_uuid(&g->co, r->id);
	memcpy(r->item_id, it->id, sizeof r->item_id);
	r->date = d;
	r->author = (char *)"市整改办";
	memcpy(r->created_at, g->touched, sizeof r->created_at);
	return duban_notice_add(g->st, r);
}

/* A notice from start to end; objection: none, open (1) or dismissed (2). */
static enum duban_err add_public_notice(struct gen *g, const struct duban_item *it, duban_date start, duban_date end,
					int objection)
{
	struct duban_notice open = { .kind = DUBAN_NOTICE_OPEN, .end = end }, obj = { .kind = DUBAN_NOTICE_OBJECTION },
			    res = { .kind = DUBAN_NOTICE_RESOLUTION };
	open.place = (char *)"市人民政府网站、《临江日报》";
	open.contact = (char *)"市整改办 0871-6212345，临江市环城路 8 号";
	enum duban_err e = add_notice_rec(g, it, &open, start);
	if (e != DUBAN_OK || !objection)
		return e;
	obj.person = (char *)"附近居民";
	obj.text = (char *)"整改后夜间仍有异味，反映问题未彻底解决。";
	e = add_notice_rec(g, it, &obj, start + 2);
	if (e != DUBAN_OK || objection == 1)
		return e;
	memcpy(res.objection_id, obj.id, sizeof res.objection_id);
	res.text = (char *)"经现场复核和第三方检测，排放达标，异味系周边农田施肥所致，异议不成立。";
	return add_notice_rec(g, it, &res, start + 5);
}

/* The first items of each finished status show a later stage of the
 * close-out than the rest: evidence and the county's sign-off on requested
 * items, the city's on verified ones, a notice (one with an open
 * objection, one with a dismissed one) on publicized ones, and a notice
 * with a dismissed objection before closing.  A handful in all, whatever
 * the ledger's size. */
static enum duban_err add_closeout(struct gen *g, const struct duban_item *it)
{
	int k = g->staged[it->status]++;
	duban_date t = g->today;
	struct duban_item now;

	if (k >= 3)
		return DUBAN_OK;
	duban_item_init(&now);
	enum duban_err err = duban_item_get_by_id(g->st, it->id, &now);
	memcpy(g->touched, now.updated_at, sizeof g->touched);
	duban_item_free(&now);
	if (err != DUBAN_OK)
		return err;

	switch (it->status) {
	case DUBAN_STATUS_REQUESTED:
		if (k >= 3)
			return DUBAN_OK;
		if (k == 0)
			return add_evidence(g, it, t - 3);
		enum duban_err e = add_evidence(g, it, t - 4);
		return e != DUBAN_OK ? e : add_signoff(g, it, t - 2, "county");
	case DUBAN_STATUS_VERIFIED:
		return k < 2 ? add_signoff(g, it, t - rng_range(&g->co, 1, 10), "city") : DUBAN_OK;
	case DUBAN_STATUS_PUBLICIZED:
		if (k >= 3 || it->notice_end == DUBAN_DATE_NONE)
			return DUBAN_OK;
		return add_public_notice(g, it, it->notice_end - 15 < t - 6 ? it->notice_end - 15 : t - 6, it->notice_end,
					 k);
	case DUBAN_STATUS_CLOSED:
		return k < 2 ? add_public_notice(g, it, it->notice_end - 10, it->notice_end - 3, k ? 2 : 0) : DUBAN_OK;
	default:
		return DUBAN_OK;
	}
}

static enum duban_err add_records(struct gen *g, const struct duban_item *it)
{
	enum duban_err e = add_notes(g, it);
	if (e == DUBAN_OK)
		e = add_inspections(g, it);
	if (e == DUBAN_OK)
		e = add_actions(g, it);
	if (e == DUBAN_OK)
		e = add_closeout(g, it);
	return e;
}

/* ---------------------------------------------------------------- driver */

/* A repeat complaint among the first items is linked to the first one
 * (重复举报); a few complaints of a township already in the ring are linked
 * to it as the same site (举一反三). */
#define DEMO_LINKS 6
static enum duban_err add_link(struct gen *g, const struct duban_item *it)
{
	const struct dup_entry *other = g->first;
	enum duban_link_kind kind = DUBAN_LINK_REPEAT;
	if (!other && it->kind == DUBAN_KIND_COMPLAINT && g->links < DEMO_LINKS / 2) {
		for (int k = 0; k < g->ring_len && !other; k++)
			if (g->ring[k].county == g->county && g->ring[k].town == g->town && strcmp(g->ring[k].id, it->id) != 0)
				other = &g->ring[k];
		kind = DUBAN_LINK_RELATED;
	}
	if (!other || g->links >= DEMO_LINKS)
		return DUBAN_OK;
	struct duban_link l = { .kind = kind };
	/* Its id from the item's (one link per item), not from the stream. */
	snprintf(l.id, sizeof l.id, "%s", it->id);
	l.id[0] = l.id[0] == 'a' ? 'b' : 'a';
	snprintf(l.item_id, sizeof l.item_id, "%s", it->id);
	snprintf(l.other_id, sizeof l.other_id, "%s", other->id);
	l.why = xstrdup(kind == DUBAN_LINK_REPEAT ? "同一问题再次被举报" : "同一乡镇同一区域，举一反三");
	l.author = xstrdup(it->owner);
	/* Made when the item was last touched (its records move updated_at):
	 * the touch the link gives its item leaves updated_at as it was. */
	struct duban_item now;
	duban_item_init(&now);
	enum duban_err e = duban_item_get_by_id(g->st, it->id, &now);
	memcpy(l.created_at, now.updated_at, sizeof l.created_at);
	duban_item_free(&now);
	if (e != DUBAN_OK) {
		duban_link_free(&l);
		return e;
	}
	e = duban_link_add(g->st, &l);
	duban_link_free(&l);
	g->links++;
	return e;
}

/* One closed complaint came back (反弹) and was closed again: its history
 * holds the reopening and the second close, its status stays closed.  Chosen
 * while generating, written after the last item so that every other event
 * keeps its number. */
static void pick_rebound(struct gen *g, const struct duban_item *it)
{
	if (g->rebound_id[0] || it->status != DUBAN_STATUS_CLOSED || it->kind != DUBAN_KIND_COMPLAINT)
		return;
	duban_date back = g->sched.closed_on + (g->today - g->sched.closed_on) / 3;
	if (back >= g->today)
		return;
	snprintf(g->rebound_id, sizeof g->rebound_id, "%s", it->id);
	g->rebound_back = back;
	g->rebound_again = back + (g->today - back) / 2;
}

static enum duban_err add_rebound(struct gen *g)
{
	char d1[11], d2[11], t1[25], t2[25];
	if (!g->rebound_id[0])
		return DUBAN_OK;
	snprintf(t1, sizeof t1, "%sT09:00:00Z", duban_date_format(g->rebound_back, d1));
	snprintf(t2, sizeof t2, "%sT16:00:00Z", duban_date_format(g->rebound_again, d2));
	enum duban_err e = store_write_event(g->st, g->rebound_id, "status", "closed", "in_progress",
					     "反弹：群众再次反映，现场复查问题重现", NULL, NULL, t1);
	if (e == DUBAN_OK)
		e = store_write_event(g->st, g->rebound_id, "status", "in_progress", "closed", "", NULL, NULL, t2);
	return e;
}

/* ---------------------------------------------------------------- 调度 rounds */

#define DEMO_DISPATCH_MAX 200 /* members of a round, at most */

static void remember_member(struct gen *g, const struct duban_item *it)
{
	if (it->status == DUBAN_STATUS_CLOSED || g->nmembers >= DEMO_DISPATCH_MAX)
		return;
	g->members = xrealloc(g->members, (size_t)(g->nmembers + 1) * sizeof *g->members);
	struct dispatch_member *m = &g->members[g->nmembers++];
	snprintf(m->id, sizeof m->id, "%s", it->id);
	snprintf(m->owner, sizeof m->owner, "%s", it->owner && *it->owner ? it->owner : "县整改办");
	m->progress = it->progress;
}

struct demo_round {
	char id[37], name[64];
	const char *title;
	duban_date opened, due, closed; /* closed NONE: still open */
};

/* One record, written as the store keeps it but without the touch a record
 * gives its item (the item's row stays what the generator made). */
static enum duban_err dispatch_rec(struct gen *g, const struct demo_round *r, const struct dispatch_member *m,
				   const char *kind, duban_date date, const char *author, const char *text)
{
	sqlite3_stmt *s = store_stmt_sql(g->st, "/* demo */ INSERT INTO dispatch (id, item_id, kind, round_id, name, title,"
					 " due, date, progress, text, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
					 " ?, ?, ?)");
	char id[37], due[11], day[11], at[25];
	int rc;

	if (!s)
		return DUBAN_ERR_DB;
	rng_uuid(&g->dp, id);
	stamp(&g->dp, date, at);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, m->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, r->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, duban_date_format(r->due, due), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 8, duban_date_format(date, day), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 9, strcmp(kind, "report") == 0 ? m->progress : 0);
	sqlite3_bind_text(s, 10, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, author, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 12, at, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DUBAN_OK : store_db_fail(g->st, "demo");
}

/* A member's submission in round r: on_time permille of them on or before
 * the due date, late permille after it; the rest none. */
static enum duban_err dispatch_member_recs(struct gen *g, const struct demo_round *r, const struct dispatch_member *m,
					   int on_time, int late)
{
	static const char *const texts[] = {
		"按整改方案推进，本期完成现场清理，正在开展自查。", "已完成主体工程，正在组织县级初验。",
		"整改措施已落实，长效管理机制正在建立。", "受天气影响进度滞后，已调整施工计划，加派人员。",
	};
	int x = rng_below(&g->dp, 1000);
	enum duban_err e = dispatch_rec(g, r, m, "open", r->opened, "市整改办", "");
	if (e == DUBAN_OK && x < on_time + late) {
		duban_date d = x < on_time ? r->due - rng_range(&g->dp, 0, r->due - r->opened)
					   : r->due + rng_range(&g->dp, 1, 4);
		if (r->closed == DUBAN_DATE_NONE && d > g->today)
			d = g->today;
		e = dispatch_rec(g, r, m, "report", d, m->owner, pick(&g->dp, texts, COUNT(texts)));
	}
	if (e == DUBAN_OK && r->closed != DUBAN_DATE_NONE)
		e = dispatch_rec(g, r, m, "close", r->closed, "市整改办", "");
	return e;
}

/* Last month's round, closed and nearly all reported; this month's, past
 * its due date and half reported (its laggards are on the ladder and in
 * the bulletin). */
static enum duban_err add_dispatch_rounds(struct gen *g)
{
	struct demo_round a = { .title = "督察整改进展月度调度", .opened = g->today - 40, .due = g->today - 30,
				.closed = g->today - 25 };
	struct demo_round b = { .title = "督察整改进展专项调度", .opened = g->today - 12, .due = g->today - 2,
				.closed = DUBAN_DATE_NONE };
	char d[11];
	enum duban_err e = DUBAN_OK;

	rng_uuid(&g->dp, a.id);
	rng_uuid(&g->dp, b.id);
	snprintf(a.name, sizeof a.name, "%s调度", duban_date_format(a.due, d));
	snprintf(b.name, sizeof b.name, "%s调度", duban_date_format(b.due, d));
	for (int i = 0; e == DUBAN_OK && i < g->nmembers; i++)
		e = dispatch_member_recs(g, &a, &g->members[i], 850, 100);
	for (int i = 0; e == DUBAN_OK && i < g->nmembers; i++)
		e = dispatch_member_recs(g, &b, &g->members[i], 450, 100);
	return e;
}

static enum duban_err generate_one(struct gen *g, long i)
{
	struct duban_item it;
	duban_item_init(&it);
	build_item(g, &it);
	enum duban_err e = duban_item_insert(g->st, &it);
	bool records = i < RECORDS_FIRST || i % RECORDS_EVERY == 0;
	if (e == DUBAN_OK && records)
		e = add_records(g, &it);
	if (e == DUBAN_OK && records)
		e = add_link(g, &it);
	if (e == DUBAN_OK && records)
		pick_rebound(g, &it);
	if (e == DUBAN_OK && records)
		remember_member(g, &it);
	duban_item_free(&it);
	return e;
}

static enum duban_err generate_all(struct gen *g, const struct duban_demo_options *opt)
{
	enum duban_err e = duban_store_bulk_begin(g->st);
	if (e != DUBAN_OK)
		return e;
	duban_progress_set_total(opt->progress, opt->items);
	for (long i = 0; e == DUBAN_OK && i < opt->items; i++) {
		e = generate_one(g, i);
		if (e == DUBAN_OK && (i + 1) % PROGRESS_EVERY == 0 && duban_progress_update(opt->progress, i + 1))
			e = DUBAN_ERR_INTERRUPTED;
	}
	if (e == DUBAN_OK)
		e = add_rebound(g);
	if (e == DUBAN_OK)
		e = add_dispatch_rounds(g);
	if (e != DUBAN_OK) {
		duban_store_bulk_end(g->st, false);
		return e;
	}
	duban_progress_note(opt->progress, _("building the indexes"));
	return duban_store_bulk_end(g->st, true);
}

enum duban_err duban_demo_generate(duban_store *st, const struct duban_demo_options *opt)
{
	if (!st || !opt || opt->items < 0)
		return DUBAN_ERR_INVALID;
	struct gen *g = xcalloc(1, sizeof *g);
	g->st = st;
	g->rng.s = (uint64_t)opt->seed * 0x2545f4914f6cdd1dULL + 0x5851f42d4c957f2dULL;
	g->co.s = g->rng.s ^ 0x9e3779b97f4a7c15ULL;
	g->dp.s = g->rng.s ^ 0xd1b54a32d192ed03ULL;
	g->today = opt->today != DUBAN_DATE_NONE ? opt->today : duban_today();
	duban_store_set_outbox(st, false);
	enum duban_err e = generate_all(g, opt);
	/* the demo is not real work, but what the user does next is */
	duban_store_set_outbox(st, true);
	free(g->members);
	free(g);
	return e;
}
