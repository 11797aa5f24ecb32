"""Word and character pools from which the synthetic city composes its names, people and trades.

Names are composed as real registered names are (企业名称登记管理规定): region + trade name (字号) +
industry words (行业表述) + organisation form (组织形式). Trade names are built combinatorially from
the auspicious characters (吉祥字) businesses favour, so a million names stay mostly distinct.

A *kind* (业态) ties together an entity type, a GB/T 4754-2017 division, the industry words its
names use, and the key domains it belongs to (each with a probability: not every machine shop runs
a boiler).
"""

from __future__ import annotations

from typing import NamedTuple

# --- trade names ---------------------------------------------------------------------------------

LUCKY = (
    "鑫瑞华恒盛德福隆祥泰丰源达兴昌宏鸿宇嘉佳晟昊腾锦金永安康宁和顺益通利新天晨博诚信正中亿万汇聚"
    "创力远辉明广海洋润泽景荣裕富贵宝旺发运吉星阳光美优品尚伟俊杰豪凯旭东南盐淮苏江汉唐名雅悦欣乐"
    "君翔飞龙凤麒麟骏圣同合众联盈满升鼎元奥舜尧禾田林森松柏兰梅春秋云峰川泓澜瀚钧铭睿智航鹏展卓越"
    "耀璟琪瑜鼎九百千一三五久长红蓝绿紫银玉晶彩虹湖滨港湾涛浩亚欧美环宸灏煜炜焱琳瑶"
)
"""Auspicious characters (吉祥字) that trade names are built from."""

PLACE_WORDS = (
    "盐阜",
    "黄海",
    "丹顶鹤",
    "麋鹿",
    "串场",
    "范公",
    "新洋",
    "瓢城",
    "海盐",
    "湿地",
    "淮海",
    "苏北",
    "鹤乡",
    "大纵湖",
    "九龙口",
)
"""Local words also used as trade names (rarely; they are not distinctive)."""

AGRI_WORDS = "丰收禾穗田园绿野金秋稻香麦浪沃土农家乡村绿源万顷青苗鱼米"
"""Characters co-ops and farms like in their trade names."""

SIMILAR = {
    "鑫": "馨",
    "馨": "鑫",
    "瑞": "锐",
    "锐": "瑞",
    "华": "化",
    "恒": "衡",
    "盛": "胜",
    "德": "得",
    "福": "富",
    "富": "福",
    "隆": "龙",
    "龙": "隆",
    "祥": "翔",
    "翔": "祥",
    "泰": "太",
    "丰": "峰",
    "峰": "丰",
    "源": "元",
    "元": "源",
    "达": "大",
    "兴": "星",
    "星": "兴",
    "昌": "常",
    "宏": "鸿",
    "鸿": "宏",
    "宇": "雨",
    "嘉": "佳",
    "佳": "嘉",
    "晟": "盛",
    "昊": "浩",
    "浩": "昊",
    "腾": "藤",
    "锦": "金",
    "金": "锦",
    "永": "勇",
    "安": "按",
    "康": "慷",
    "宁": "凝",
    "和": "禾",
    "禾": "和",
    "顺": "舜",
    "益": "亿",
    "亿": "益",
    "通": "同",
    "同": "通",
    "利": "立",
    "新": "欣",
    "欣": "新",
    "博": "搏",
    "诚": "成",
    "信": "新",
    "辉": "晖",
    "明": "鸣",
    "荣": "容",
    "裕": "玉",
    "旺": "望",
    "凯": "恺",
    "旭": "煦",
    "秀": "琇",
    "英": "瑛",
    "芳": "方",
    "红": "虹",
    "军": "君",
    "伟": "玮",
    "强": "墙",
    "平": "萍",
}
"""A character and one it is commonly mistyped or misheard as (trade-name typos in lists)."""

# --- people --------------------------------------------------------------------------------------

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.5),
    ("陈", 7.0),
    ("张", 6.0),
    ("徐", 4.5),
    ("周", 3.8),
    ("朱", 3.6),
    ("李", 3.5),
    ("吴", 3.4),
    ("孙", 3.0),
    ("刘", 3.0),
    ("杨", 2.6),
    ("顾", 2.2),
    ("沈", 2.0),
    ("陆", 2.0),
    ("蔡", 1.9),
    ("唐", 1.8),
    ("胡", 1.8),
    ("潘", 1.6),
    ("赵", 1.6),
    ("黄", 1.5),
    ("姜", 1.4),
    ("戴", 1.4),
    ("季", 1.3),
    ("丁", 1.3),
    ("卢", 1.2),
    ("薛", 1.2),
    ("许", 1.2),
    ("仇", 1.0),
    ("夏", 1.0),
    ("万", 1.0),
    ("邱", 1.0),
    ("严", 1.0),
    ("单", 0.9),
    ("殷", 0.9),
    ("成", 0.9),
    ("韩", 0.9),
    ("施", 0.9),
    ("宋", 0.8),
    ("高", 0.8),
    ("马", 0.8),
    ("梁", 0.7),
    ("葛", 0.7),
    ("钱", 0.7),
    ("冯", 0.7),
    ("曹", 0.7),
    ("管", 0.6),
    ("袁", 0.6),
    ("蒋", 0.6),
    ("邵", 0.6),
    ("倪", 0.6),
    ("范", 0.6),
    ("郭", 0.6),
    ("何", 0.6),
    ("吕", 0.5),
    ("金", 0.5),
    ("孟", 0.5),
    ("杭", 0.5),
    ("于", 0.5),
    ("卞", 0.5),
    ("石", 0.5),
    ("柏", 0.4),
    ("窦", 0.4),
    ("林", 0.4),
    ("郑", 0.4),
    ("谢", 0.4),
    ("汤", 0.4),
    ("魏", 0.4),
    ("董", 0.4),
    ("荀", 0.3),
    ("左", 0.3),
    ("纪", 0.3),
    ("阚", 0.3),
    ("嵇", 0.2),
    ("欧阳", 0.1),
    ("司马", 0.05),
)
"""Surnames with rough relative frequencies in northern Jiangsu (盐城 has many 王, 陈, 张, 徐)."""

GIVEN_MALE = "伟强军建国华明勇峰刚平辉磊杰涛斌超波宇飞鹏浩俊海林东亮春祥兵志文德成荣云龙宏德正广才卫新"
GIVEN_FEMALE = "秀英芳娟敏静丽艳霞玲红梅燕萍琴兰凤琳娜婷雪莉颖慧洁晶霞桂珍翠美月玉丹倩蓉"
GIVEN_ANY = "晓子佳嘉俊雨思欣一梓浩宇轩明海春永家金立"

# --- kinds (业态) ---------------------------------------------------------------------------------


class Kind(NamedTuple):
    key: str
    entity_type: str  # Entity.Type value
    weight: float  # relative weight within the entity type
    industry: str  # GB/T 4754-2017 division (2 digits)
    words: tuple[str, ...]  # industry words (行业表述) used in names
    domains: tuple[tuple[str, float], ...]  # (domain code, probability)


def _k(
    key: str,
    etype: str,
    weight: float,
    industry: str,
    words: str,
    domains: tuple[tuple[str, float], ...] = (),
) -> Kind:
    return Kind(key, etype, weight, industry, tuple(words.split()), domains)


IND, ENT, COOP, OTH = "individual", "enterprise", "coop", "other"

KINDS: tuple[Kind, ...] = (
    # ---- individual businesses (个体工商户) ----
    _k(
        "i_grocery",
        IND,
        14,
        "52",
        "便利店 超市 百货店 副食品店 烟酒店 小卖部 食品店",
        (("food", 0.95), ("commerce", 0.1), ("fire_safety", 0.05)),
    ),
    _k(
        "i_fresh",
        IND,
        6,
        "52",
        "水果店 蔬菜店 鲜肉店 水产店 粮油店 熟食店 豆制品店",
        (("food", 0.97), ("grain", 0.05)),
    ),
    _k("i_clothes", IND, 6, "52", "服装店 鞋店 服饰店 童装店 箱包店 床上用品店", (("fire_safety", 0.05),)),
    _k(
        "i_hardware",
        IND,
        4,
        "52",
        "五金店 建材店 灯具店 装饰材料店 水暖器材店 油漆店",
        (("product_quality", 0.15), ("hazchem", 0.03), ("fire_safety", 0.05)),
    ),
    _k("i_phone", IND, 3, "52", "手机店 电器商行 通讯器材店 电脑店", (("product_quality", 0.05),)),
    _k(
        "i_pharmacy",
        IND,
        1.5,
        "52",
        "大药房 药店 医药商店 药房",
        (("drugs", 1.0), ("medical_insurance", 0.45)),
    ),
    _k(
        "i_fireworks",
        IND,
        0.35,
        "52",
        "烟花爆竹店 烟花爆竹零售点 烟花爆竹经营部",
        (("fireworks", 1.0), ("fire_safety", 0.6), ("public_security", 0.5)),
    ),
    _k(
        "i_agri_inputs",
        IND,
        1.5,
        "52",
        "农资店 农资经营部 种子店 化肥店 兽药店",
        (("agriculture", 0.95), ("hazchem", 0.05)),
    ),
    _k(
        "i_ebike",
        IND,
        1,
        "52",
        "电动车行 电动车商行 自行车行",
        (("product_quality", 0.3), ("fire_safety", 0.2)),
    ),
    _k(
        "i_restaurant",
        IND,
        14,
        "62",
        "饭店 家常菜馆 小吃店 面馆 烧烤店 早餐店 快餐店 火锅店 酒家 饺子馆 大排档 鱼馆 羊肉馆",
        (("food", 1.0), ("fire_safety", 0.35), ("city_management", 0.3), ("environment", 0.08), ("gas", 0.1)),
    ),
    _k(
        "i_drinks",
        IND,
        3,
        "62",
        "奶茶店 茶饮店 蛋糕店 咖啡馆 甜品店 烘焙坊",
        (("food", 1.0), ("commerce", 0.1)),
    ),
    _k(
        "i_hotel",
        IND,
        1.5,
        "61",
        "宾馆 旅馆 招待所 民宿 旅社",
        (("public_health", 0.95), ("fire_safety", 0.8), ("public_security", 0.95), ("tourism", 0.1)),
    ),
    _k(
        "i_barber",
        IND,
        6,
        "80",
        "理发店 美发店 美容店 美甲店 发型设计工作室 美容美发店",
        (("public_health", 0.8), ("commerce", 0.25)),
    ),
    _k(
        "i_bath",
        IND,
        2,
        "80",
        "洗衣店 浴室 足浴店 修脚店 干洗店",
        (("public_health", 0.8), ("fire_safety", 0.3), ("commerce", 0.1), ("special_equipment", 0.1)),
    ),
    _k(
        "i_carrepair",
        IND,
        3,
        "81",
        "汽车修理厂 汽车维修部 汽车美容店 汽修店 轮胎店",
        (("transport", 0.7), ("environment", 0.5), ("city_management", 0.15), ("special_equipment", 0.05)),
    ),
    _k(
        "i_repair",
        IND,
        1.5,
        "81",
        "家电维修部 开锁店 修理部 钟表眼镜店",
        (("public_security", 0.15),),
    ),
    _k(
        "i_printing",
        IND,
        1,
        "80",
        "摄影店 图文广告部 打印店 广告制作部 刻章店",
        (("public_security", 0.15), ("city_management", 0.3)),
    ),
    _k(
        "i_freight",
        IND,
        2.5,
        "54",
        "货物运输部 运输队 货运部 搬家服务部",
        (("transport", 0.95), ("work_safety", 0.1)),
    ),
    _k(
        "i_wholesale",
        IND,
        4,
        "51",
        "批发部 经营部 商行 贸易商行 粮油批发部",
        (("food", 0.35), ("grain", 0.05)),
    ),
    _k(
        "i_foodmaking",
        IND,
        1.5,
        "14",
        "豆制品坊 糕点坊 馒头店 面条加工坊 熟食加工坊 炒货店",
        (("food", 1.0), ("environment", 0.1)),
    ),
    _k(
        "i_workshop",
        IND,
        2,
        "33",
        "五金加工厂 铁艺加工部 木器加工厂 服装加工厂 门窗加工部 彩钢加工部",
        (("work_safety", 0.6), ("environment", 0.2), ("fire_safety", 0.2), ("labour", 0.1)),
    ),
    _k(
        "i_decoration",
        IND,
        2,
        "50",
        "装潢部 装饰工作室 水电安装部 防水工程部",
        (("construction", 0.4), ("labour", 0.1)),
    ),
    _k(
        "i_entertainment",
        IND,
        1,
        "90",
        "歌厅 KTV 网吧 棋牌室 桌球室",
        (("culture", 0.9), ("fire_safety", 0.7), ("public_security", 0.5)),
    ),
    _k(
        "i_farm",
        IND,
        2.5,
        "01",
        "种植场 养殖场 家庭农场 水产养殖场 果园 苗圃",
        (("agriculture", 0.95), ("environment", 0.25), ("grain", 0.1)),
    ),
    _k(
        "i_training",
        IND,
        0.7,
        "83",
        "培训部 书画培训部 舞蹈培训工作室 艺术培训部",
        (("education", 0.9), ("fire_safety", 0.2)),
    ),
    _k(
        "i_recycling",
        IND,
        0.8,
        "52",
        "废品回收站 再生资源回收站 废旧物资回收部",
        (("commerce", 0.6), ("public_security", 0.6), ("environment", 0.4), ("fire_safety", 0.3)),
    ),
    _k(
        "i_clinic",
        IND,
        0.8,
        "84",
        "诊所 中医诊所 口腔诊所 西医诊所",
        (("medical", 1.0), ("medical_insurance", 0.5), ("drugs", 0.3)),
    ),
    _k("i_courier", IND, 1, "60", "快递代办点 物流代理点 快递服务部", ()),
    _k("i_agency", IND, 0.8, "70", "房产中介 房屋中介服务部 房产信息部", (("construction", 0.3),)),
    # ---- enterprises (企业) ----
    _k("e_trade", ENT, 14, "51", "商贸 贸易 商务 物资 供应链管理 进出口贸易 实业", (("food", 0.1),)),
    _k("e_foodtrade", ENT, 2, "51", "食品 粮油贸易 食品贸易 农产品", (("food", 0.95), ("grain", 0.2))),
    _k(
        "e_retail",
        ENT,
        3,
        "52",
        "超市 百货 连锁超市 商业管理 购物中心",
        (("food", 0.7), ("fire_safety", 0.5), ("special_equipment", 0.25), ("commerce", 0.4)),
    ),
    _k(
        "e_pharmacy",
        ENT,
        1.2,
        "52",
        "大药房 医药连锁 医药 医疗器械",
        (("drugs", 1.0), ("medical_insurance", 0.5)),
    ),
    _k(
        "e_fuel",
        ENT,
        0.6,
        "52",
        "石油销售 加油站 能源 石化",
        (
            ("hazchem", 0.95),
            ("fire_safety", 0.9),
            ("environment", 0.6),
            ("commerce", 0.7),
            ("work_safety", 0.6),
        ),
    ),
    _k(
        "e_gas",
        ENT,
        0.3,
        "45",
        "燃气 天然气 液化气 燃气设备",
        (
            ("gas", 1.0),
            ("hazchem", 0.7),
            ("special_equipment", 0.8),
            ("work_safety", 0.6),
            ("fire_safety", 0.5),
        ),
    ),
    _k(
        "e_chemical",
        ENT,
        1.0,
        "26",
        "化工 精细化工 新材料 化学品 涂料 农药",
        (
            ("hazchem", 0.9),
            ("work_safety", 1.0),
            ("environment", 0.95),
            ("special_equipment", 0.6),
            ("energy", 0.25),
            ("fire_safety", 0.5),
            ("labour", 0.2),
        ),
    ),
    _k(
        "e_pharmamaking",
        ENT,
        0.3,
        "27",
        "药业 生物医药 制药 生物科技",
        (("drugs", 1.0), ("environment", 0.8), ("work_safety", 0.7), ("special_equipment", 0.4)),
    ),
    _k(
        "e_foodmaking",
        ENT,
        1.5,
        "13",
        "食品 粮油 米业 面粉 肉类加工 水产品加工 饲料",
        (
            ("food", 0.9),
            ("environment", 0.5),
            ("product_quality", 0.3),
            ("grain", 0.3),
            ("special_equipment", 0.3),
            ("work_safety", 0.4),
        ),
    ),
    _k(
        "e_textile",
        ENT,
        2,
        "18",
        "纺织 服饰 服装 针织 家纺 制衣",
        (("labour", 0.5), ("work_safety", 0.5), ("fire_safety", 0.4), ("environment", 0.2)),
    ),
    _k(
        "e_machinery",
        ENT,
        3.5,
        "34",
        "机械 机械制造 机电 精密机械 环保设备 通用设备 液压机械",
        (
            ("special_equipment", 0.6),
            ("work_safety", 0.8),
            ("labour", 0.4),
            ("environment", 0.35),
            ("product_quality", 0.4),
            ("energy", 0.05),
        ),
    ),
    _k(
        "e_autoparts",
        ENT,
        1.2,
        "36",
        "汽车零部件 汽车配件 汽车部件 车辆配件",
        (("work_safety", 0.8), ("labour", 0.5), ("environment", 0.5), ("special_equipment", 0.5)),
    ),
    _k(
        "e_electrical",
        ENT,
        1.5,
        "38",
        "电气 电子 光电 新能源科技 光伏科技 电器",
        (("product_quality", 0.5), ("work_safety", 0.5), ("environment", 0.3), ("labour", 0.3)),
    ),
    _k(
        "e_metal",
        ENT,
        1.5,
        "33",
        "金属制品 钢结构 五金制品 不锈钢制品 铝业",
        (("work_safety", 0.9), ("environment", 0.6), ("special_equipment", 0.5), ("energy", 0.1)),
    ),
    _k(
        "e_plastics",
        ENT,
        0.8,
        "29",
        "塑业 塑料制品 橡塑 包装材料",
        (("environment", 0.7), ("fire_safety", 0.4), ("work_safety", 0.5)),
    ),
    _k(
        "e_wood",
        ENT,
        0.7,
        "21",
        "木业 家具 木制品",
        (("fire_safety", 0.6), ("work_safety", 0.6), ("environment", 0.4)),
    ),
    _k(
        "e_buildmat",
        ENT,
        0.8,
        "30",
        "建材 新型建材 混凝土 水泥制品 商品混凝土",
        (("environment", 0.9), ("work_safety", 0.8), ("construction", 0.4), ("energy", 0.3)),
    ),
    _k(
        "e_construction",
        ENT,
        5,
        "47",
        "建设工程 建筑工程 建筑安装工程 市政工程 装饰工程 建筑劳务 水利工程 园林绿化工程",
        (("construction", 0.95), ("labour", 0.7), ("work_safety", 0.7), ("city_management", 0.2)),
    ),
    _k(
        "e_realestate",
        ENT,
        1.5,
        "70",
        "房地产开发 置业 物业管理 房产",
        (("construction", 0.7), ("special_equipment", 0.4), ("fire_safety", 0.3), ("labour", 0.2)),
    ),
    _k(
        "e_transport",
        ENT,
        2.5,
        "54",
        "运输 物流 货运 汽车运输 客运 道路运输",
        (("transport", 0.95), ("work_safety", 0.6), ("labour", 0.2)),
    ),
    _k(
        "e_warehouse",
        ENT,
        0.5,
        "59",
        "仓储 冷链物流 仓储物流",
        (("fire_safety", 0.8), ("work_safety", 0.7), ("hazchem", 0.15), ("food", 0.2)),
    ),
    _k(
        "e_catering",
        ENT,
        2,
        "62",
        "餐饮管理 餐饮 酒店管理 餐饮服务",
        (("food", 1.0), ("fire_safety", 0.6), ("city_management", 0.2), ("gas", 0.2), ("environment", 0.15)),
    ),
    _k(
        "e_hotel",
        ENT,
        0.6,
        "61",
        "酒店 宾馆 大酒店 度假村",
        (
            ("public_health", 1.0),
            ("fire_safety", 0.9),
            ("public_security", 0.95),
            ("tourism", 0.4),
            ("special_equipment", 0.6),
            ("food", 0.6),
        ),
    ),
    _k("e_tech", ENT, 5, "65", "科技 信息科技 网络科技 软件 信息技术 智能科技 电子商务", ()),
    _k("e_services", ENT, 2.2, "72", "企业管理咨询 广告 文化传媒 会展服务 咨询服务 商务信息咨询", ()),
    _k(
        "e_hr",
        ENT,
        0.8,
        "72",
        "人力资源 劳务派遣 人力资源服务 劳务服务",
        (("labour", 0.95),),
    ),
    _k("e_travel", ENT, 0.2, "72", "旅行社 国际旅行社 旅游服务", (("tourism", 1.0), ("culture", 0.2))),
    _k(
        "e_finance",
        ENT,
        0.9,
        "66",
        "小额贷款 融资担保 典当 商业保理 融资租赁",
        (("finance", 1.0), ("public_security", 0.2)),
    ),
    _k(
        "e_education",
        ENT,
        0.8,
        "83",
        "教育科技 教育咨询 培训 职业技能培训",
        (("education", 0.85), ("fire_safety", 0.3)),
    ),
    _k(
        "e_medical",
        ENT,
        0.4,
        "84",
        "医院 门诊部 口腔门诊部 医疗管理 健康管理",
        (
            ("medical", 1.0),
            ("medical_insurance", 0.7),
            ("drugs", 0.4),
            ("fire_safety", 0.4),
            ("environment", 0.3),
        ),
    ),
    _k(
        "e_agri",
        ENT,
        2,
        "01",
        "农业发展 农业科技 生态农业 水产养殖 畜牧 牧业 种业",
        (("agriculture", 0.9), ("environment", 0.5), ("grain", 0.15)),
    ),
    _k(
        "e_envservices",
        ENT,
        0.6,
        "77",
        "环保科技 环境工程 再生资源 环境科技",
        (("environment", 0.8), ("commerce", 0.3), ("hazchem", 0.1)),
    ),
    _k(
        "e_energy",
        ENT,
        0.4,
        "44",
        "新能源 电力 风电 光伏发电 热电",
        (("energy", 0.9), ("work_safety", 0.8), ("special_equipment", 0.6), ("environment", 0.5)),
    ),
    _k(
        "e_cars",
        ENT,
        0.8,
        "52",
        "汽车销售 二手车 汽车服务 汽车贸易",
        (("commerce", 0.7), ("transport", 0.2), ("fire_safety", 0.2)),
    ),
    _k(
        "e_fireworks",
        ENT,
        0.05,
        "51",
        "烟花爆竹 烟花爆竹经营",
        (("fireworks", 1.0), ("hazchem", 0.6), ("public_security", 0.9), ("fire_safety", 0.8)),
    ),
    _k(
        "e_entertainment",
        ENT,
        0.3,
        "90",
        "文化娱乐 娱乐 电影 文化发展",
        (("culture", 0.95), ("fire_safety", 0.7), ("public_security", 0.4)),
    ),
    # ---- farmers' co-operatives (农民专业合作社) ----
    _k(
        "c_crops",
        COOP,
        5,
        "01",
        "蔬菜种植 水稻种植 粮食种植 果蔬 林果 中药材种植 葡萄种植 食用菌 苗木种植",
        (("agriculture", 0.9), ("grain", 0.3)),
    ),
    _k(
        "c_livestock",
        COOP,
        2.5,
        "03",
        "畜禽养殖 生猪养殖 养殖 家禽养殖 肉羊养殖",
        (("agriculture", 0.95), ("environment", 0.6)),
    ),
    _k(
        "c_fish",
        COOP,
        1.5,
        "04",
        "水产养殖 渔业 螃蟹养殖 河蟹养殖",
        (("agriculture", 0.9), ("environment", 0.3)),
    ),
    _k("c_machinery", COOP, 1, "05", "农机 植保 农机服务 农业服务", (("agriculture", 0.8),)),
    _k("c_farm", COOP, 2, "01", "家庭农场 土地股份 生态农场", (("agriculture", 0.9), ("grain", 0.2))),
    # ---- other (民办非企业单位 etc., registered by civil affairs) ----
    _k(
        "o_school",
        OTH,
        4,
        "83",
        "培训学校 培训中心 艺术学校 职业培训学校",
        (("education", 1.0), ("fire_safety", 0.6), ("food", 0.1)),
    ),
    _k(
        "o_kindergarten",
        OTH,
        3,
        "83",
        "幼儿园 双语幼儿园",
        (("education", 1.0), ("food", 0.9), ("fire_safety", 0.8), ("public_health", 0.3)),
    ),
    _k(
        "o_hospital",
        OTH,
        1.5,
        "84",
        "医院 康复医院 中医院 护理院",
        (
            ("medical", 1.0),
            ("medical_insurance", 0.8),
            ("drugs", 0.5),
            ("fire_safety", 0.8),
            ("environment", 0.5),
        ),
    ),
    _k(
        "o_eldercare",
        OTH,
        1.5,
        "85",
        "养老院 敬老院 颐养中心 养老服务中心",
        (("fire_safety", 0.9), ("food", 0.7), ("medical", 0.2), ("public_health", 0.3)),
    ),
)

# Share of entity types (FACTS.md: ~70% individual businesses in Jiangsu).
TYPE_SHARES: tuple[tuple[str, float], ...] = ((IND, 0.70), (ENT, 0.27), (COOP, 0.02), (OTH, 0.01))

# Share of registrations by year: slow before 2000, a steady rise, a jump after the 2014 reforms.
YEAR_WEIGHTS: tuple[tuple[int, float], ...] = tuple(
    (y, w)
    for y, w in zip(
        range(1993, 2026),
        (
            0.3,
            0.3,
            0.4,
            0.4,
            0.5,
            0.5,
            0.6,
            0.7,
            0.8,
            0.9,
            1.0,
            1.2,
            1.4,
            1.6,
            1.8,
            2.0,
            2.2,
            2.5,
            2.8,
            3.0,
            3.4,
            4.5,
            5.0,
            5.6,
            6.2,
            6.6,
            7.0,
            7.2,
            7.6,
            7.6,
            7.4,
            7.2,
            6.0,
        ),
        strict=True,
    )
)

# Registration status: most entities exist; older ones were more often cancelled.
STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("active", 0.70),
    ("operating", 0.15),
    ("cancelled", 0.10),
    ("revoked", 0.04),
    ("moved_out", 0.01),
)
STATUS_ZH = {
    "active": "存续",
    "operating": "在业",
    "cancelled": "注销",
    "revoked": "吊销",
    "moved_out": "迁出",
}

CREDIT_WEIGHTS: tuple[tuple[str, float], ...] = (("A", 0.28), ("B", 0.58), ("C", 0.11), ("D", 0.03))

# Share of entities by county-level unit (the urban districts and 东台 are the largest).
COUNTY_WEIGHTS: dict[str, float] = {
    "320902": 14,
    "320903": 12,
    "320904": 9,
    "320921": 6,
    "320922": 8,
    "320923": 8,
    "320924": 9,
    "320925": 8,
    "320981": 13,
    "320971": 6,
    "320972": 7,
}

ENTERPRISE_FORMS: tuple[tuple[str, float], ...] = (
    ("有限公司", 0.86),
    ("有限责任公司", 0.08),
    ("股份有限公司", 0.03),
    ("厂", 0.03),  # only for manufacturing kinds; else 有限公司
)
COOP_FORMS: tuple[tuple[str, float], ...] = (("专业合作社", 0.55), ("农民专业合作社", 0.45))

# Industry (GB/T 4754-2017 division) names, for the divisions the kinds use; the entities app's
# data migration normally provides the full table, these fill in only what is missing.
INDUSTRY_NAMES: dict[str, tuple[str, str]] = {
    "01": ("A", "农业"),
    "03": ("A", "畜牧业"),
    "04": ("A", "渔业"),
    "05": ("A", "农、林、牧、渔专业及辅助性活动"),
    "13": ("C", "农副食品加工业"),
    "14": ("C", "食品制造业"),
    "18": ("C", "纺织服装、服饰业"),
    "21": ("C", "家具制造业"),
    "26": ("C", "化学原料和化学制品制造业"),
    "27": ("C", "医药制造业"),
    "29": ("C", "橡胶和塑料制品业"),
    "30": ("C", "非金属矿物制品业"),
    "33": ("C", "金属制品业"),
    "34": ("C", "通用设备制造业"),
    "36": ("C", "汽车制造业"),
    "38": ("C", "电气机械和器材制造业"),
    "44": ("D", "电力、热力生产和供应业"),
    "45": ("D", "燃气生产和供应业"),
    "47": ("E", "房屋建筑业"),
    "50": ("E", "建筑装饰、装修和其他建筑业"),
    "51": ("F", "批发业"),
    "52": ("F", "零售业"),
    "54": ("G", "道路运输业"),
    "59": ("G", "装卸搬运和仓储业"),
    "60": ("G", "邮政业"),
    "61": ("H", "住宿业"),
    "62": ("H", "餐饮业"),
    "65": ("I", "软件和信息技术服务业"),
    "66": ("J", "货币金融服务"),
    "70": ("K", "房地产业"),
    "72": ("L", "商务服务业"),
    "77": ("N", "生态保护和环境治理业"),
    "80": ("O", "居民服务业"),
    "81": ("O", "机动车、电子产品和日用产品修理业"),
    "83": ("P", "教育"),
    "84": ("Q", "卫生"),
    "85": ("Q", "社会工作"),
    "90": ("R", "娱乐业"),
}

MANUFACTURING_DIVISIONS = frozenset(code for code, (section, _) in INDUSTRY_NAMES.items() if section == "C")


# --- how many departments list an entity ----------------------------------------------------------
# The domain probabilities above name what makes a kind special. Real lists are wider: every
# employer is on 人社局's list (social insurance, wage arrears), every shop and workshop on 消防's
# (fire-safety units), 市场监管局 watches product quality across trade and manufacturing, a
# restaurant is on 生态环境局's (cooking fumes) and 城管局's (street frontage) lists, and a factory on
# 应急管理局's, 生态环境局's and 市场监管局's (special equipment). These floors raise each kind's
# probabilities so that a live entity is on 2–4 departments' lists on average.

_FLOORS_BY_TYPE: dict[str, dict[str, float]] = {
    IND: {"fire_safety": 0.55, "product_quality": 0.5, "labour": 0.25, "city_management": 0.2},
    ENT: {"labour": 0.8, "fire_safety": 0.45, "product_quality": 0.3, "work_safety": 0.2},
    COOP: {"labour": 0.25, "product_quality": 0.3, "work_safety": 0.15},
    OTH: {"labour": 0.75, "fire_safety": 0.7, "public_health": 0.2},
}
_FLOORS_BY_SECTION: dict[str, dict[str, float]] = {
    "C": {
        "work_safety": 0.95,
        "environment": 0.8,
        "special_equipment": 0.6,
        "fire_safety": 0.75,
        "product_quality": 0.7,
        "labour": 0.9,
    },
    "E": {"work_safety": 0.8, "fire_safety": 0.4},
    "F": {"city_management": 0.3, "commerce": 0.2},
    "G": {"fire_safety": 0.5, "work_safety": 0.4},
    "H": {
        "fire_safety": 0.85,
        "environment": 0.5,
        "city_management": 0.45,
        "labour": 0.4,
        "gas": 0.3,
        "public_health": 0.15,
    },
    "O": {"fire_safety": 0.5, "public_health": 0.3, "environment": 0.15},
    "R": {"fire_safety": 0.9, "public_health": 0.5},
    "P": {"fire_safety": 0.85, "public_health": 0.3},
    "Q": {"fire_safety": 0.85, "environment": 0.6},
}
_FLOORS_BY_KIND: dict[str, dict[str, float]] = {
    "e_catering": {"environment": 0.7, "gas": 0.45, "labour": 0.9, "fire_safety": 0.95},
    "i_courier": {"transport": 0.6, "fire_safety": 0.5},
    "e_services": {"finance": 0.12},
    "e_finance": {"labour": 0.9},
}


def _with_floors(kind: Kind) -> Kind:
    section = INDUSTRY_NAMES[kind.industry][0]
    domains = dict(kind.domains)
    for floors in (
        _FLOORS_BY_TYPE.get(kind.entity_type, {}),
        _FLOORS_BY_SECTION.get(section, {}),
        _FLOORS_BY_KIND.get(kind.key, {}),
    ):
        for domain, p in floors.items():
            domains[domain] = max(domains.get(domain, 0.0), p)
    return kind._replace(domains=tuple(domains.items()))


KINDS = tuple(_with_floors(k) for k in KINDS)
