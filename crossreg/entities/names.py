"""Chinese market-entity names: normalisation and parsing.

A name is composed, as the naming rules (企业名称登记管理规定) ask, of
``region + trade name (字号) + industry words + organisation form [+ branch]``, e.g.
``盐城市 + 鹤鸣 + 餐饮管理 + 有限公司``, ``亭湖区 + 张三 + 小吃店`` (an individual business, no
company form), ``江苏 + 恒达 + 建设工程 + 有限公司 + 盐都分公司``. The region may also stand in
brackets after the trade name: ``鹤鸣(盐城)餐饮管理有限公司``.

:func:`normalize_name` gives the folded form used for exact and fuzzy matching;
:func:`parse_name` splits a name into its parts. Both are pure and used by the synthetic city
(which composes names from :data:`INDUSTRY_WORDS` and :data:`ORG_FORMS`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import zhconv

# Organisation forms, longest first where one ends another (matching is on the end of the name).
ORG_FORMS: tuple[str, ...] = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份合作公司",
    "股份合作社",
    "股份经济合作社",
    "经济合作社",
    "合伙企业(有限合伙)",
    "合伙企业(普通合伙)",
    "合伙企业(特殊普通合伙)",
    "合伙企业",
    "(有限合伙)",
    "(普通合伙)",
    "(特殊普通合伙)",
    "个人独资企业",
    "专业合作社联合社",
    "专业合作社",
    "公司",
)

BRANCH_WORDS: tuple[str, ...] = (
    "分公司",
    "分店",
    "营业部",
    "分厂",
    "分部",
    "分行",
    "支行",
    "分社",
    "分所",
    "办事处",
)

# Industry words (行业或经营特点) → the GB/T 4754-2017 division (两位数大类) they usually indicate.
INDUSTRY_WORDS: dict[str, str] = {
    # A 农林牧渔
    "种植": "01",
    "水稻种植": "01",
    "蔬菜种植": "01",
    "果蔬种植": "01",
    "苗木": "01",
    "花卉": "01",
    "家庭农场": "01",
    "农场": "01",
    "农业": "01",
    "林业": "02",
    "畜牧": "03",
    "养殖": "03",
    "生猪养殖": "03",
    "家禽养殖": "03",
    "水产养殖": "04",
    "渔业": "04",
    "农机": "05",
    "农机服务": "05",
    # C 制造业
    "食品": "14",
    "粮油": "13",
    "米业": "13",
    "饲料": "13",
    "酿酒": "15",
    "酒业": "15",
    "纺织": "17",
    "服装": "18",
    "服饰": "18",
    "鞋业": "19",
    "木业": "20",
    "家具": "21",
    "纸业": "22",
    "包装": "22",
    "印刷": "23",
    "化工": "26",
    "精细化工": "26",
    "化学": "26",
    "医药": "27",
    "制药": "27",
    "塑料": "29",
    "橡塑": "29",
    "建材": "30",
    "水泥制品": "30",
    "玻璃": "30",
    "钢铁": "31",
    "金属制品": "33",
    "钢结构": "33",
    "五金制品": "33",
    "机械": "34",
    "机械制造": "34",
    "通用设备": "34",
    "专用设备": "35",
    "汽车零部件": "36",
    "汽车配件": "36",
    "船舶": "37",
    "电气": "38",
    "电器": "38",
    "光伏": "38",
    "新能源": "38",
    "电子": "39",
    "电子科技": "39",
    "仪器仪表": "40",
    # D 电力热力燃气水
    "电力": "44",
    "风电": "44",
    "热力": "44",
    "燃气": "45",
    "水务": "46",
    "供水": "46",
    # E 建筑业
    "建筑": "47",
    "建设": "47",
    "建设工程": "48",
    "建筑工程": "47",
    "市政工程": "48",
    "土木工程": "48",
    "水利工程": "48",
    "安装": "49",
    "安装工程": "49",
    "装饰": "50",
    "装饰工程": "50",
    "装潢": "50",
    # F 批发和零售业
    "贸易": "51",
    "商贸": "51",
    "国际贸易": "51",
    "进出口": "51",
    "物资": "51",
    "百货": "52",
    "超市": "52",
    "便利店": "52",
    "五金": "52",
    "五金店": "52",
    "五金经营部": "52",
    "烟酒": "52",
    "烟酒店": "52",
    "副食品": "52",
    "副食品店": "52",
    "日用品": "52",
    "水果": "52",
    "水果店": "52",
    "水产品": "52",
    "蔬菜": "52",
    "粮油店": "52",
    "服装店": "52",
    "鞋店": "52",
    "药房": "52",
    "大药房": "52",
    "药店": "52",
    "母婴用品": "52",
    "手机店": "52",
    "建材经营部": "52",
    "汽车销售": "52",
    "加油站": "52",
    "经营部": "52",
    "商行": "51",
    "商店": "52",
    "小卖部": "52",
    # G 交通运输、仓储和邮政业
    "运输": "54",
    "物流": "58",
    "货运": "54",
    "客运": "54",
    "仓储": "59",
    "快递": "60",
    "搬家": "54",
    # H 住宿和餐饮业
    "宾馆": "61",
    "酒店": "61",
    "旅馆": "61",
    "民宿": "61",
    "餐饮": "62",
    "餐饮管理": "62",
    "饭店": "62",
    "小吃": "62",
    "小吃店": "62",
    "面馆": "62",
    "餐馆": "62",
    "快餐": "62",
    "快餐店": "62",
    "烧烤": "62",
    "烧烤店": "62",
    "火锅": "62",
    "火锅店": "62",
    "饮品店": "62",
    "奶茶店": "62",
    "茶馆": "62",
    "食堂": "62",
    "熟食店": "62",
    "烘焙": "62",
    "蛋糕店": "62",
    # I 信息传输、软件和信息技术服务业
    "网络": "64",
    "网络科技": "64",
    "信息技术": "65",
    "信息科技": "65",
    "软件": "65",
    "数据科技": "65",
    "智能科技": "65",
    "科技": "65",
    "通信": "63",
    # J/K/L 金融、房地产
    "投资": "72",
    "投资管理": "72",
    "资产管理": "72",
    "担保": "69",
    "小额贷款": "66",
    "房地产开发": "70",
    "房地产": "70",
    "置业": "70",
    "物业管理": "70",
    "物业服务": "70",
    "房产中介": "70",
    # L 租赁和商务服务业
    "租赁": "71",
    "企业管理": "72",
    "市场管理": "72",
    "管理咨询": "72",
    "商务咨询": "72",
    "咨询": "72",
    "会计师事务所": "72",
    "律师事务所": "72",
    "人力资源": "72",
    "广告": "72",
    "广告传媒": "72",
    "文化传媒": "72",
    "会展": "72",
    "旅行社": "72",
    "劳务": "72",
    "保安服务": "72",
    # M 科学研究和技术服务业
    "工程设计": "74",
    "检测": "74",
    "检测技术": "74",
    "环保科技": "75",
    "生物科技": "75",
    # N 水利、环境和公共设施管理业
    "环保": "77",
    "环境工程": "77",
    "园林绿化": "78",
    "绿化": "78",
    "保洁": "78",
    # O 居民服务、修理和其他服务业
    "家政": "80",
    "家政服务": "80",
    "美容": "80",
    "美发": "80",
    "美容美发": "80",
    "理发店": "80",
    "美甲": "80",
    "洗浴": "80",
    "足浴": "80",
    "洗衣店": "80",
    "摄影": "80",
    "婚庆": "80",
    "汽车维修": "81",
    "汽修": "81",
    "维修": "81",
    "家电维修": "81",
    "手机维修": "81",
    # P 教育
    "教育": "83",
    "教育咨询": "83",
    "培训": "83",
    "职业培训": "83",
    "幼儿园": "83",
    # Q 卫生和社会工作
    "诊所": "84",
    "医院": "84",
    "卫生室": "84",
    "医疗": "84",
    "养老": "85",
    "养老服务": "85",
    # R 文化、体育和娱乐业
    "文化": "88",
    "文化传播": "88",
    "体育": "89",
    "健身": "89",
    "网吧": "90",
    "娱乐": "90",
    "歌厅": "90",
    "影视": "87",
    # Words of the synthetic city's kinds (crossreg/synth/pools.py) that the list above lacked.
    "种植场": "01",
    "养殖场": "01",
    "水产养殖场": "01",
    "果园": "01",
    "苗圃": "01",
    "农业发展": "01",
    "农业科技": "01",
    "生态农业": "01",
    "牧业": "01",
    "种业": "01",
    "粮食种植": "01",
    "果蔬": "01",
    "林果": "01",
    "中药材种植": "01",
    "葡萄种植": "01",
    "食用菌": "01",
    "苗木种植": "01",
    "土地股份": "01",
    "生态农场": "01",
    "畜禽养殖": "03",
    "肉羊养殖": "03",
    "螃蟹养殖": "04",
    "河蟹养殖": "04",
    "植保": "05",
    "农业服务": "05",
    "面粉": "13",
    "肉类加工": "13",
    "水产品加工": "13",
    "豆制品坊": "14",
    "糕点坊": "14",
    "馒头店": "14",
    "面条加工坊": "14",
    "熟食加工坊": "14",
    "炒货店": "14",
    "针织": "18",
    "家纺": "18",
    "制衣": "18",
    "木制品": "21",
    "新材料": "26",
    "化学品": "26",
    "涂料": "26",
    "农药": "26",
    "药业": "27",
    "生物医药": "27",
    "塑业": "29",
    "塑料制品": "29",
    "包装材料": "29",
    "新型建材": "30",
    "混凝土": "30",
    "商品混凝土": "30",
    "五金加工厂": "33",
    "铁艺加工部": "33",
    "木器加工厂": "33",
    "服装加工厂": "33",
    "门窗加工部": "33",
    "彩钢加工部": "33",
    "不锈钢制品": "33",
    "铝业": "33",
    "机电": "34",
    "精密机械": "34",
    "环保设备": "34",
    "液压机械": "34",
    "汽车部件": "36",
    "车辆配件": "36",
    "光电": "38",
    "新能源科技": "38",
    "光伏科技": "38",
    "光伏发电": "44",
    "热电": "44",
    "天然气": "45",
    "液化气": "45",
    "燃气设备": "45",
    "建筑安装工程": "47",
    "建筑劳务": "47",
    "园林绿化工程": "47",
    "装潢部": "50",
    "装饰工作室": "50",
    "水电安装部": "50",
    "防水工程部": "50",
    "批发部": "51",
    "贸易商行": "51",
    "粮油批发部": "51",
    "商务": "51",
    "供应链管理": "51",
    "进出口贸易": "51",
    "实业": "51",
    "粮油贸易": "51",
    "食品贸易": "51",
    "农产品": "51",
    "烟花爆竹": "51",
    "烟花爆竹经营": "51",
    "百货店": "52",
    "食品店": "52",
    "蔬菜店": "52",
    "鲜肉店": "52",
    "水产店": "52",
    "豆制品店": "52",
    "服饰店": "52",
    "童装店": "52",
    "箱包店": "52",
    "床上用品店": "52",
    "建材店": "52",
    "灯具店": "52",
    "装饰材料店": "52",
    "水暖器材店": "52",
    "油漆店": "52",
    "电器商行": "52",
    "通讯器材店": "52",
    "电脑店": "52",
    "医药商店": "52",
    "烟花爆竹店": "52",
    "烟花爆竹零售点": "52",
    "烟花爆竹经营部": "52",
    "农资店": "52",
    "农资经营部": "52",
    "种子店": "52",
    "化肥店": "52",
    "兽药店": "52",
    "电动车行": "52",
    "电动车商行": "52",
    "自行车行": "52",
    "废品回收站": "52",
    "再生资源回收站": "52",
    "废旧物资回收部": "52",
    "连锁超市": "52",
    "商业管理": "52",
    "购物中心": "52",
    "医药连锁": "52",
    "医疗器械": "52",
    "石油销售": "52",
    "能源": "52",
    "石化": "52",
    "二手车": "52",
    "汽车服务": "52",
    "汽车贸易": "52",
    "货物运输部": "54",
    "运输队": "54",
    "货运部": "54",
    "搬家服务部": "54",
    "汽车运输": "54",
    "道路运输": "54",
    "冷链物流": "59",
    "仓储物流": "59",
    "快递代办点": "60",
    "物流代理点": "60",
    "快递服务部": "60",
    "招待所": "61",
    "旅社": "61",
    "大酒店": "61",
    "度假村": "61",
    "家常菜馆": "62",
    "早餐店": "62",
    "酒家": "62",
    "饺子馆": "62",
    "大排档": "62",
    "鱼馆": "62",
    "羊肉馆": "62",
    "茶饮店": "62",
    "咖啡馆": "62",
    "甜品店": "62",
    "烘焙坊": "62",
    "酒店管理": "62",
    "餐饮服务": "62",
    "电子商务": "65",
    "融资担保": "66",
    "典当": "66",
    "商业保理": "66",
    "融资租赁": "66",
    "房屋中介服务部": "70",
    "房产信息部": "70",
    "房产": "70",
    "企业管理咨询": "72",
    "会展服务": "72",
    "咨询服务": "72",
    "商务信息咨询": "72",
    "劳务派遣": "72",
    "人力资源服务": "72",
    "劳务服务": "72",
    "国际旅行社": "72",
    "旅游服务": "72",
    "再生资源": "77",
    "环境科技": "77",
    "美发店": "80",
    "美容店": "80",
    "美甲店": "80",
    "发型设计工作室": "80",
    "美容美发店": "80",
    "浴室": "80",
    "足浴店": "80",
    "修脚店": "80",
    "干洗店": "80",
    "摄影店": "80",
    "图文广告部": "80",
    "打印店": "80",
    "广告制作部": "80",
    "刻章店": "80",
    "汽车修理厂": "81",
    "汽车维修部": "81",
    "汽车美容店": "81",
    "汽修店": "81",
    "轮胎店": "81",
    "家电维修部": "81",
    "开锁店": "81",
    "修理部": "81",
    "钟表眼镜店": "81",
    "培训部": "83",
    "书画培训部": "83",
    "舞蹈培训工作室": "83",
    "艺术培训部": "83",
    "教育科技": "83",
    "职业技能培训": "83",
    "培训学校": "83",
    "培训中心": "83",
    "艺术学校": "83",
    "职业培训学校": "83",
    "双语幼儿园": "83",
    "中医诊所": "84",
    "口腔诊所": "84",
    "西医诊所": "84",
    "门诊部": "84",
    "口腔门诊部": "84",
    "医疗管理": "84",
    "健康管理": "84",
    "康复医院": "84",
    "中医院": "84",
    "护理院": "84",
    "养老院": "85",
    "敬老院": "85",
    "颐养中心": "85",
    "养老服务中心": "85",
    "KTV": "90",
    "棋牌室": "90",
    "桌球室": "90",
    "文化娱乐": "90",
    "电影": "90",
    "文化发展": "90",
}

# Endings that make a shop name (个体工商户) without a company form: the last word of its industry part.
_SHOP_ENDINGS = (
    "店",
    "馆",
    "行",
    "部",
    "厂",
    "社",
    "坊",
    "铺",
    "场",
    "所",
    "室",
    "中心",
    "工作室",
    "站",
    "园",
)

_PROVINCES_SHORT = (
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "台湾",
)
# Yancheng's divisions and zones, full and short (FACTS.md), and the country.
_LOCAL_REGIONS = (
    "盐城市",
    "盐城",
    "亭湖区",
    "亭湖",
    "盐都区",
    "盐都",
    "大丰区",
    "大丰",
    "响水县",
    "响水",
    "滨海县",
    "滨海",
    "阜宁县",
    "阜宁",
    "射阳县",
    "射阳",
    "建湖县",
    "建湖",
    "东台市",
    "东台",
    "盐城经济技术开发区",
    "盐城经开区",
    "盐南高新区",
    "盐南高新技术产业开发区",
    "中国",
    "中华",
)
_TOWN_RE = re.compile(r"^[\u4e00-\u9fff]{2,3}(?:镇|乡|街道)")

_BRACKETS = str.maketrans(
    {"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "｛": "(", "｝": ")"}
)
_FORM_FOLDS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))


def fold_width(text: str) -> str:
    """Full-width letters, digits, brackets and spaces to half-width (NFKC), upper-case Latin."""
    return unicodedata.normalize("NFKC", text).upper()


def clean_name(name: str) -> str:
    """A name as it should be displayed and parsed: half-width, simplified, ``()`` brackets, no spaces.

    Unlike :func:`normalize_name` the organisation form is kept as written.
    """
    text = zhconv.convert(fold_width(name), "zh-cn")
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return "".join(text.split())


def normalize_name(name: str) -> str:
    """The folded form used for exact and fuzzy matching of names.

    Full-width/half-width and traditional/simplified variants fold together, brackets become
    ``()``, whitespace goes, and 有限责任公司 folds to 有限公司 (股份有限公司 to 股份公司).
    Idempotent: ``normalize_name(normalize_name(x)) == normalize_name(x)``.
    """
    text = clean_name(name)
    for long, short in _FORM_FOLDS:
        text = text.replace(long, short)
    # Folding can expose a further fold (e.g. a converted character composing anew); repeat to a fixpoint.
    again = clean_name(text)
    for long, short in _FORM_FOLDS:
        again = again.replace(long, short)
    return text if again == text else normalize_name(again)


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(names allowed at the start of a name, names allowed in brackets).

    GB/T 2260 province and county-level names (current and former, from python-stdnum's table),
    Yancheng's divisions and zones with their short forms, and the short province names.
    """
    full: set[str] = set(_LOCAL_REGIONS) | set(_PROVINCES_SHORT) | set(_gb2260_names())
    bracket = set(full) | {n[:-1] for n in full if n.endswith(("市", "省")) and len(n) >= 3}
    return frozenset(full), frozenset(bracket)


def _gb2260_names() -> Iterable[str]:
    import importlib.resources

    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    for m in re.finditer(r'(?:county|province)="([^"]+)"', text):
        for variant in m.group(1).split(","):
            name = variant.split("]", 1)[1] if variant.startswith("[") else variant
            if len(name) >= 3 and "辖" not in name and not name.startswith("省直"):
                yield name


@dataclass(frozen=True)
class NameParts:
    """The parts of an entity name. ``region + trade_name + industry_words + org_form + branch``
    (with a bracketed region moved out) recomposes the cleaned name."""

    name: str
    region: str = ""
    trade_name: str = ""
    industry_words: str = ""
    org_form: str = ""
    branch: str = ""
    bracket_region: bool = False

    @property
    def industry_code(self) -> str | None:
        """The GB/T 4754 division the industry words suggest, if any."""
        return industry_code_for(self.industry_words)


def industry_code_for(words: str) -> str | None:
    """Longest industry word contained in ``words`` → its GB/T 4754 division code."""
    best: tuple[int, str] | None = None
    for word, code in INDUSTRY_WORDS.items():
        if word in words and (best is None or len(word) > best[0]):
            best = (len(word), code)
    return best[1] if best else None


def _strip_region_prefix(text: str, full: frozenset[str], extra: frozenset[str]) -> tuple[str, str]:
    """Leading region names. Any GB/T 2260 name may start a name; after that only Yancheng's own
    names, province names and townships may follow (盐城市亭湖区南洋镇…, not 盐城市 + 东方市 + 场…)."""
    region = ""
    chain = frozenset(_LOCAL_REGIONS) | frozenset(_PROVINCES_SHORT) | extra
    longest = max((len(n) for n in full | extra), default=0)
    while True:
        hit = ""
        names = (full | extra) if not region else chain
        for size in range(min(longest, len(text) - 1), 1, -1):
            if text[:size] in names:
                hit = text[:size]
                break
        if not hit and region:
            m = _TOWN_RE.match(text)
            if m and len(text) > len(m.group(0)) + 1:
                hit = m.group(0)
        if not hit:
            return region, text
        region += hit
        text = text[len(hit) :]


def _split_trade_industry(text: str) -> tuple[str, str]:
    """Split ``trade name + industry words``: the industry part starts at the earliest industry word
    that leaves a trade name of at least two characters."""
    if not text:
        return "", ""
    for i in range(2, len(text)):
        tail = text[i:]
        if any(tail.startswith(w) for w in INDUSTRY_WORDS):
            return text[:i], tail
    # No known industry word: a shop ending ("…店") marks a two-character industry part at most.
    for ending in sorted(_SHOP_ENDINGS, key=len, reverse=True):
        if text.endswith(ending) and len(text) - len(ending) >= 3:
            cut = max(2, len(text) - len(ending) - 2)
            return text[:cut], text[cut:]
    return text, ""


def parse_name(name: str, *, extra_regions: Iterable[str] = ()) -> NameParts:
    """Split an entity name into region, trade name, industry words, organisation form and branch.

    >>> p = parse_name("盐城市鹤鸣餐饮管理有限公司亭湖分公司")
    >>> (p.region, p.trade_name, p.industry_words, p.org_form, p.branch)
    ('盐城市', '鹤鸣', '餐饮管理', '有限公司', '亭湖分公司')
    """
    text = clean_name(name)
    full, bracket = _gazetteer()
    extra = frozenset(extra_regions)

    # 1. Branch: after the organisation form, or (without a form) after the shop's own name.
    branch = ""
    body = text
    stripped = body[:-1] if body.endswith(")") and "(" in body else body
    word = next((w for w in BRANCH_WORDS if stripped.endswith(w) and len(stripped) > len(w)), "")
    if word:
        head = stripped[: -len(word)]
        form_end = max((head.rfind(f) + len(f) for f in ORG_FORMS if f in head), default=-1)
        if form_end <= 0:
            form_end = max((head.rfind(e) + len(e) for e in _SHOP_ENDINGS if e in head), default=-1)
        if form_end <= 0:
            form_end = len(stripped) - len(word)
        branch = body[form_end:].strip("()")
        body = body[:form_end]

    # 2. Organisation form at the end.
    org_form = ""
    for form in ORG_FORMS:
        if body.endswith(form) and len(body) > len(form):
            org_form = form
            body = body[: -len(form)]
            break

    # 3. Region: a bracketed region anywhere (鹤鸣(盐城)餐饮…), else leading region names.
    region = ""
    bracket_region = False
    for bm in re.finditer(r"\(([^()]+)\)", body):
        if bm.group(1) in bracket or bm.group(1) in extra:
            region = bm.group(1)
            bracket_region = True
            body = body[: bm.start()] + body[bm.end() :]
            break
    lead, body = _strip_region_prefix(body, full, extra)
    if lead:
        region = lead if not region else lead + region

    # 4. Trade name and industry words.
    trade, industry = _split_trade_industry(body)
    return NameParts(
        name=text,
        region=region,
        trade_name=trade,
        industry_words=industry,
        org_form=org_form,
        branch=branch,
        bracket_region=bracket_region,
    )


# The county-level divisions (and the two zones) a name can start with. PostgreSQL keeps the first
# one a folded name mentions in a generated column (``search_county``, migration entities/0007;
# '' for none), and fuzzy search looks among the names of the county the query names.
FUZZY_COUNTIES: tuple[str, ...] = (
    "盐城经济技术开发区",
    "盐南高新区",
    "亭湖区",
    "盐都区",
    "大丰区",
    "响水县",
    "滨海县",
    "阜宁县",
    "射阳县",
    "建湖县",
    "东台市",
)
FUZZY_COUNTY_PATTERN = "(" + "|".join(FUZZY_COUNTIES) + ")"
_FUZZY_COUNTY_RE = re.compile(FUZZY_COUNTY_PATTERN)
# A township or street after a county (南洋镇, 五星街道): Yancheng's are 2–3 characters + 镇 or
# 2 + 街道.
_FUZZY_TOWNSHIP = "[一-龥]{2,3}镇|[一-龥]{2}街道"

# Words that almost every name in the city shares (the city and county names with the township
# after a county, organisation forms, 个体工商户, brackets). A trigram search over whole names
# matches them first: at 1,000,000 entities the trigram index returned ~150,000 candidates for one
# enterprise name. Fuzzy search on PostgreSQL compares the *core* of a folded name (these words
# removed), which PostgreSQL keeps in a stored generated column (``search_core``, migration
# entities/0007, which repeats this pattern literally; a test keeps them equal). Where one word
# starts another, the longer comes first, so that Python's leftmost-first alternation removes what
# PostgreSQL's leftmost-longest one does.
FUZZY_CORE_PATTERN = (
    f"(?:{FUZZY_COUNTY_PATTERN[1:-1]})(?:{_FUZZY_TOWNSHIP})?|江苏省|盐城市|江苏|盐城"
    "|有限公司|股份公司|分公司|农民专业合作社|专业合作社|股份经济合作社|经济合作社|股份合作社|合作社"
    "|个人独资企业|合伙企业|有限合伙|普通合伙|个体工商户|[()]"
)
_FUZZY_CORE_RE = re.compile(FUZZY_CORE_PATTERN)
_FUZZY_TOWNSHIP_RE = re.compile(f"^(?:{_FUZZY_TOWNSHIP})")


def name_core(norm: str) -> str:
    """A folded name without the words nearly every name shares (see FUZZY_CORE_PATTERN)."""
    return _FUZZY_CORE_RE.sub("", norm)


def name_county(norm: str) -> str:
    """The first county (or zone) a folded name mentions ('' if none), as PostgreSQL's
    ``search_county`` has it."""
    m = _FUZZY_COUNTY_RE.search(norm)
    return m.group(1) if m else ""


@lru_cache(maxsize=1)
def _query_regions() -> dict[str, str | None]:
    """How a query may start: region names as written, short or with one character missed
    (盐城经济技术发区, 盐南高区), each with the county it names (None for the city or province)."""
    county_of: dict[str, str | None] = {"江苏省": None, "江苏": None, "中国": None, "中华": None}
    county_of |= {"盐城市": None, "盐城": None, "盐城经开区": FUZZY_COUNTIES[0]}
    county_of["盐南高新技术产业开发区"] = FUZZY_COUNTIES[1]
    for name in FUZZY_COUNTIES:
        county_of[name] = name
        if name.endswith(("区", "县", "市")) and len(name) == 3:
            county_of[name[:2]] = name  # 亭湖, 射阳
    for spelled, county in list(county_of.items()):
        # Names get typed with a character missing (宁县, 盐南高区); not the city's (城市 starts
        # many a trade name) nor the two-character ones.
        if len(spelled) >= 3 and county is not None:
            for i in range(len(spelled)):
                county_of.setdefault(spelled[:i] + spelled[i + 1 :], county)
    return county_of


def fuzzy_query_key(norm: str) -> tuple[str, str]:
    """(county named or '', core) of a folded *query*, for fuzzy search.

    Unlike :func:`name_core` (which treats stored names and queries alike) this reads the region a
    query starts with leniently: short county names (射阳老王修脚店) and names missing a character
    (盐城经济技术发区…, 宁县…) count, so a department's sloppy spelling still finds the county,
    and a leading township goes with the region.
    """
    regions = _query_regions()
    longest = max(map(len, regions))
    county = ""
    rest = norm
    while True:
        hit = next(
            (rest[:size] for size in range(min(longest, len(rest)), 1, -1) if rest[:size] in regions),
            "",
        )
        if not hit:
            break
        county = regions[hit] or ""
        rest = rest[len(hit) :]
        if county:  # a county ends the region (东台市东台镇: the rest is its township)
            break
    # A township after the county goes with it (as in name_core); one without a county too
    # (陈良镇发诚理发店: the department left out only the county); one of Yancheng's own also
    # with a character missing (德镇 for 合德镇, 五星街 for 五星街道).
    towns = _query_townships()
    hit = next((rest[:size] for size in range(min(6, len(rest)), 1, -1) if rest[:size] in towns), "")
    rest = rest[len(hit) :] if hit else _FUZZY_TOWNSHIP_RE.sub("", rest, count=1)
    return county, name_core(rest)


@lru_cache(maxsize=1)
def _query_townships() -> frozenset[str]:
    """Yancheng's townships and streets as a query may spell them: in full, or (three characters
    or more) with one character missing."""
    from crossreg.orgs.data.divisions import TOWNSHIPS

    out = set()
    for town in TOWNSHIPS:
        out.add(town.name)
        if len(town.name) >= 3:
            out.update(town.name[:i] + town.name[i + 1 :] for i in range(len(town.name)))
    return frozenset(out)
