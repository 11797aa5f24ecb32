"""Demo catalog: 64 supervision items of 16 departments, published through the real compile workflow,
plus the four cross-department campaign items of M10 and a few items left mid-review.

Every item goes item_create → submit → convene → concur (each involved department) → pass, written
by one service user per department (``catalog.<code>``, no password), so every step has its history
row and its ledger entry. Departments are looked up by the codes of ``crossreg/orgs/data``; a missing
one stops the loader with a clear message (run ``crossreg seed`` first). Idempotent: items that
already exist are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password

from crossreg.catalog import services
from crossreg.catalog.models import PowerItem, SupervisionItem
from crossreg.catalog.schemas import CheckPointData, CrossItemData, ItemContent, PowerItemData
from crossreg.orgs.models import Department, Domain, User

# Laws and articles used below (real statutes; article numbers as in the current texts).
FOOD = "《中华人民共和国食品安全法》"
SAFETY = "《中华人民共和国安全生产法》"
FIRE = "《中华人民共和国消防法》"
ENV = "《中华人民共和国环境保护法》"
AIR = "《中华人民共和国大气污染防治法》"
WATER = "《中华人民共和国水污染防治法》"
LABOUR = "《劳动保障监察条例》"
WAGES = "《保障农民工工资支付条例》"
MIF = "《医疗保障基金使用监督管理条例》"
DRUG = "《中华人民共和国药品管理法》"
SE = "《中华人民共和国特种设备安全法》"
FW = "《烟花爆竹安全管理条例》"
HAZ = "《危险化学品安全管理条例》"
ROAD = "《中华人民共和国道路运输条例》"
EDU = "《中华人民共和国民办教育促进法》"
PHYS = "《医疗机构管理条例》"
AGRI = "《中华人民共和国农产品质量安全法》"
PEST = "《农药管理条例》"
BUILD = "《建设工程安全生产管理条例》"
GAS = "《城镇燃气管理条例》"
CULT = "《娱乐场所管理条例》"
TOUR = "《中华人民共和国旅游法》"
ENERGY = "《中华人民共和国节约能源法》"
GRAIN = "《粮食流通管理条例》"
SECURITY = "《旅馆业治安管理办法》"
CITY = "《城市市容和环境卫生管理条例》"
COMMERCE = "《单用途商业预付卡管理办法（试行）》"
PRICE = "《中华人民共和国价格法》"
AD = "《中华人民共和国广告法》"


@dataclass(frozen=True)
class P:
    """A check point: content, legal basis, what counts as a finding, method."""

    content: str
    basis: str
    finding: str
    method: str = "现场查看、查阅资料"


@dataclass(frozen=True)
class I:  # noqa: E742 - a short name keeps the table below readable
    """An item: code suffix, name, legal basis, power item (kind, name), methods, domains, industries,
    entity types, ratio %, frequency, involved departments, extra check points."""

    n: int
    name: str
    basis: str
    power: tuple[str, str]
    methods: tuple[str, ...]
    domains: tuple[str, ...]
    industries: tuple[str, ...]
    ratio: str
    frequency: str
    involved: tuple[str, ...]
    points: tuple[P, ...] = ()
    entity_types: tuple[str, ...] = ("enterprise", "individual")


# Check points shared by the items of a department (each item takes a slice, then its own points).
POOLS: dict[str, tuple[P, ...]] = {
    "scjg": (
        P(
            "食品经营许可证是否有效并在经营场所显著位置悬挂",
            FOOD + "第三十五条",
            "无证经营或许可证过期、未悬挂",
        ),
        P("从业人员是否持有有效健康证明", FOOD + "第四十五条", "从事接触直接入口食品工作的人员无健康证明"),
        P(
            "是否建立并执行进货查验记录制度",
            FOOD + "第五十三条",
            "未查验供货者许可证和产品合格证明，或记录缺失",
        ),
        P("是否存在超过保质期的食品或食品原料", FOOD + "第三十四条", "经营超过保质期的食品"),
        P("食品添加剂的使用是否符合标准", FOOD + "第四十条", "超范围、超限量使用食品添加剂"),
        P("食品贮存条件是否符合要求", FOOD + "第三十三条", "生熟混放、贮存温度不符合标签要求"),
        P("餐具、饮具是否按规定洗净消毒", FOOD + "第三十三条", "餐饮具未消毒或消毒记录缺失"),
        P("是否建立食品安全自查制度并定期自查", FOOD + "第四十七条", "未开展自查或发现问题未整改"),
        P("食品标签标识是否符合规定", FOOD + "第六十七条", "标签缺少生产日期、保质期等必须标注事项"),
        P("是否配备食品安全管理人员", FOOD + "第四十四条", "未配备或未经培训考核"),
        P("价格是否明码标价", PRICE + "第十三条", "未明码标价或价外加价"),
        P("广告宣传是否含有虚假或引人误解的内容", AD + "第四条、第二十八条", "发布虚假广告"),
    ),
    "sthj": (
        P("是否依法取得排污许可证并按证排污", ENV + "第四十五条", "无证排污或超许可排放"),
        P("污染防治设施是否正常运行", ENV + "第四十二条", "停运、闲置或不正常运行污染防治设施"),
        P("是否按规定开展自行监测并公开", ENV + "第五十五条", "未开展自行监测或数据造假"),
        P("大气污染物排放是否达标", AIR + "第十八条", "超过排放标准排放大气污染物"),
        P("挥发性有机物是否按规定收集处理", AIR + "第四十五条", "VOCs无组织排放"),
        P("扬尘污染防治措施是否落实", AIR + "第六十九条", "未采取覆盖、洒水等防尘措施"),
        P("水污染物排放口是否规范设置", WATER + "第二十二条", "私设暗管或排放口不规范"),
        P(
            "危险废物是否规范贮存、转移",
            "《中华人民共和国固体废物污染环境防治法》第七十七条至第八十二条",
            "危险废物露天堆放或未执行转移联单",
        ),
        P("突发环境事件应急预案是否备案并演练", ENV + "第四十七条", "未编制或未备案应急预案"),
        P("在线监测设备是否正常联网", ENV + "第四十二条", "在线监测数据缺失或异常"),
    ),
    "yjgl": (
        P("是否建立全员安全生产责任制", SAFETY + "第二十二条", "责任制未建立或未落实到岗位"),
        P("主要负责人和安全管理人员是否经考核合格", SAFETY + "第二十七条", "未经考核合格上岗"),
        P("是否开展安全生产教育和培训", SAFETY + "第二十八条", "未培训或培训记录缺失"),
        P("是否建立事故隐患排查治理制度", SAFETY + "第四十一条", "隐患未排查或未按期整改"),
        P("特种作业人员是否持证上岗", SAFETY + "第三十条", "特种作业人员无证上岗"),
        P("生产经营场所安全出口是否畅通", SAFETY + "第四十二条", "封闭、堵塞安全出口"),
        P("是否制定生产安全事故应急救援预案并演练", SAFETY + "第八十一条", "未制定预案或未定期演练"),
        P("安全警示标志是否设置", SAFETY + "第三十五条", "危险场所未设置明显安全警示标志"),
        P("劳动防护用品是否按标准配备", SAFETY + "第四十五条", "未配备或配备不符合标准"),
        P("重大危险源是否登记建档并监控", SAFETY + "第四十条", "重大危险源未备案或未监控"),
    ),
    "xf": (
        P("消防设施、器材是否完好有效", FIRE + "第十六条", "消防设施损坏、挪用或擅自停用"),
        P("疏散通道、安全出口是否畅通", FIRE + "第二十八条", "占用、堵塞、封闭疏散通道"),
        P("是否落实防火巡查、检查", FIRE + "第十七条", "未开展防火巡查或记录缺失"),
        P("是否组织消防安全培训和疏散演练", FIRE + "第十七条", "未组织演练"),
        P("电气线路敷设是否符合消防技术标准", FIRE + "第二十七条", "私拉乱接电线"),
        P("人员密集场所门窗是否设置影响逃生的障碍物", FIRE + "第二十八条", "门窗设置铁栅栏等障碍物"),
        P("是否确定消防安全管理人", FIRE + "第十六条", "未明确消防安全责任人、管理人"),
        P("消防控制室值班人员是否持证", FIRE + "第二十一条", "值班人员无证或脱岗"),
    ),
    "rsj": (
        P("是否依法订立书面劳动合同", LABOUR + "第十一条", "未与劳动者订立书面劳动合同"),
        P("是否按时足额支付工资", LABOUR + "第十一条、" + WAGES + "第十一条", "克扣或无故拖欠工资"),
        P("工资是否不低于当地最低工资标准", LABOUR + "第十一条", "工资低于最低工资标准"),
        P("是否依法缴纳社会保险费", LABOUR + "第十一条", "未参保或少缴社会保险费"),
        P("工作时间和加班是否符合规定", LABOUR + "第十一条", "违法延长工作时间"),
        P("是否使用童工", "《禁止使用童工规定》第二条", "招用未满16周岁未成年人"),
        P("女职工和未成年工特殊保护是否落实", LABOUR + "第十一条", "违反女职工、未成年工保护规定"),
        P("工资支付台账是否完整", WAGES + "第十五条", "未建立或未保存三年工资支付台账"),
    ),
    "ybj": (
        P("是否存在分解住院、挂床住院", MIF + "第十五条", "分解住院、挂床住院"),
        P("是否存在过度诊疗、过度检查", MIF + "第十五条", "违反诊疗规范过度诊疗"),
        P("是否串换药品、耗材、诊疗项目", MIF + "第十五条", "串换项目收费"),
        P("是否诱导、协助他人冒名就医", MIF + "第四十条", "伪造、变造医疗文书骗取医保基金"),
        P("费用清单与病历记录是否一致", MIF + "第十五条", "虚记、多记费用"),
        P("是否按规定进行医保结算并核验身份", MIF + "第十四条", "未核验参保人身份"),
        P("进销存记录与医保结算是否相符", MIF + "第十五条", "进销存不符"),
        P("是否为非定点机构提供结算", MIF + "第三十八条", "为非定点机构提供医保结算"),
    ),
    "wjw": (
        P("医疗机构执业许可证是否有效", PHYS + "第十四条", "无证执业或超范围执业"),
        P("医师、护士是否依法注册执业", "《中华人民共和国医师法》第十三条", "使用非卫生技术人员从事诊疗"),
        P("医疗废物是否规范分类收集", "《医疗废物管理条例》第十六条", "医疗废物混入生活垃圾"),
        P("消毒隔离制度是否落实", "《中华人民共和国传染病防治法》第五十一条", "消毒不合格"),
        P("病历书写是否规范", "《医疗机构病历管理规定》第三条", "病历缺失或涂改"),
        P("是否落实传染病疫情报告", "《中华人民共和国传染病防治法》第三十条", "迟报、漏报传染病"),
        P("公共场所卫生许可证是否有效", "《公共场所卫生管理条例》第八条", "无证经营"),
    ),
    "jyj": (
        P("是否取得办学许可证并在核准范围内办学", EDU + "第十二条", "无证办学或超范围办学"),
        P("培训内容是否超标超前", "《校外培训机构管理规定》", "违规开展学科类培训"),
        P("收费是否超过规定周期并纳入资金监管", "《校外培训机构管理规定》", "一次性收费超过3个月或未进专户"),
        P("从业人员是否具备资质并无不良记录", EDU + "第二十九条", "聘用不具备资质人员"),
        P("培训时间是否符合规定", "《校外培训机构管理规定》", "晚间超时培训"),
        P("培训材料是否经审核备案", "《校外培训机构管理规定》", "使用未备案教材"),
    ),
    "jtys": (
        P("道路运输经营许可证是否有效", ROAD + "第二十四条", "无证经营道路运输"),
        P("营运车辆是否按期检测并取得道路运输证", ROAD + "第三十条", "车辆未年审"),
        P("驾驶员是否取得从业资格", ROAD + "第二十二条", "驾驶员无从业资格证"),
        P(
            "动态监控设备是否在线并有效监控",
            "《道路运输车辆动态监督管理办法》第二十二条",
            "监控离线或未处理超速报警",
        ),
        P("危险货物运输是否配备押运人员", "《危险货物道路运输安全管理办法》第三十七条", "未配备押运人员"),
        P("是否落实安全生产管理制度", SAFETY + "第二十一条", "安全管理制度缺失"),
    ),
    "nyny": (
        P("农药经营许可证是否有效", PEST + "第二十四条", "无证经营农药"),
        P("是否建立农药采购、销售台账", PEST + "第二十五条", "台账缺失"),
        P("是否销售禁用、限用农药", PEST + "第二十七条", "违规销售禁限用农药"),
        P("农产品生产记录是否完整", AGRI + "第二十七条", "生产记录缺失"),
        P("农产品是否开具承诺达标合格证", AGRI + "第三十九条", "未开具合格证上市销售"),
        P("兽药、饲料使用是否符合规定", "《兽药管理条例》第三十八条", "使用禁用兽药"),
    ),
    "zjj": (
        P("施工许可证是否取得", "《中华人民共和国建筑法》第七条", "未取得施工许可擅自施工"),
        P("安全生产许可证是否有效", BUILD + "第二十条", "无安全生产许可证"),
        P(
            "危大工程专项施工方案是否编制并论证",
            "《危险性较大的分部分项工程安全管理规定》第十条",
            "未编制专项方案",
        ),
        P("农民工工资专用账户是否开立", WAGES + "第二十六条", "未开立工资专用账户"),
        P("是否实行农民工实名制管理", WAGES + "第二十八条", "未实行实名制"),
        P("工资保证金是否按规定存储", WAGES + "第三十二条", "未存储工资保证金"),
        P("燃气经营许可证是否有效", GAS + "第十五条", "无证经营燃气"),
        P("燃气设施安全检查是否落实", GAS + "第二十条", "未定期入户安检"),
    ),
    "gaj": (
        P("旅馆是否如实登记旅客身份", SECURITY + "第六条", "未如实登记住宿旅客信息"),
        P("烟花爆竹运输是否取得运输许可", FW + "第二十二条", "无证运输烟花爆竹"),
        P("大型焰火燃放是否取得许可", FW + "第三十三条", "未经许可燃放"),
        P("剧毒化学品购买、运输是否经公安机关许可", HAZ + "第三十八条", "无证购买剧毒化学品"),
        P("治安保卫制度是否落实", "《企业事业单位内部治安保卫条例》第六条", "内部治安保卫制度缺失"),
        P("重点部位视频监控是否正常", "《企业事业单位内部治安保卫条例》第七条", "视频监控失效"),
    ),
    "wgl": (
        P("娱乐场所经营许可证是否有效", CULT + "第九条", "无证经营"),
        P("是否按规定安装闭路电视监控", CULT + "第十五条", "监控未安装或未保存"),
        P("是否接纳未成年人", CULT + "第二十三条", "接纳未成年人"),
        P("旅行社是否取得经营许可", TOUR + "第二十八条", "无证经营旅行社业务"),
        P("导游是否持证上岗", TOUR + "第三十七条", "未取得导游证从事导游活动"),
        P("是否签订旅游合同", TOUR + "第五十七条", "未与旅游者签订书面合同"),
    ),
    "cgj": (
        P("门前责任区是否落实", CITY + "第九条", "未履行门前责任"),
        P("户外广告设置是否取得许可", CITY + "第十一条", "擅自设置户外广告"),
        P("建筑垃圾运输是否密闭并取得核准", CITY + "第十五条", "沿途撒漏建筑垃圾"),
        P("餐饮油烟净化设施是否正常使用", AIR + "第八十一条", "油烟直排"),
        P("是否占道经营", CITY + "第十四条", "擅自占用道路经营"),
        P("渣土车辆是否按规定路线行驶", CITY + "第十五条", "未按规定路线行驶"),
    ),
    "fgw": (
        P("是否落实节能审查意见", ENERGY + "第十五条", "未按节能审查意见建设"),
        P("能源计量器具是否按规定配备", ENERGY + "第二十七条", "未配备能源计量器具"),
        P("是否使用国家明令淘汰的用能设备", ENERGY + "第十七条", "使用淘汰设备"),
        P("粮食收购是否执行质量标准", GRAIN + "第十二条", "压级压价"),
        P("粮食库存数量是否账实相符", GRAIN + "第二十条", "账实不符"),
        P("是否建立粮食经营台账", GRAIN + "第十九条", "台账缺失"),
    ),
    "swj": (
        P("单用途预付卡是否备案", COMMERCE + "第七条", "发卡未备案"),
        P("预付卡资金是否按规定存管", COMMERCE + "第二十二条", "未按规定存管资金"),
        P("成品油经营是否取得批准", "《成品油市场管理办法》第八条", "无证经营成品油"),
        P("报废机动车回收是否取得资质", "《报废机动车回收管理办法》第六条", "无资质回收"),
        P("再生资源回收是否备案", "《再生资源回收管理办法》第七条", "未备案"),
        P("是否建立购销台账", "《再生资源回收管理办法》第十条", "台账缺失"),
    ),
}

ITEMS: dict[str, tuple[I, ...]] = {
    "scjg": (
        I(
            1,
            "食品销售经营者监督检查",
            FOOD + "第八十七条、第一百一十条",
            ("inspection", "对食品经营者的监督检查"),
            ("random", "credit"),
            ("food",),
            ("51", "52"),
            "5",
            "每年1次",
            ("wjw",),
        ),
        I(
            2,
            "餐饮服务经营者监督检查",
            FOOD + "第一百一十条",
            ("inspection", "对餐饮服务提供者的监督检查"),
            ("random", "key"),
            ("food",),
            ("62",),
            "5",
            "每年1次",
            ("wjw", "cgj"),
        ),
        I(
            3,
            "校外培训机构收费及广告行为检查",
            PRICE + "第十三条、" + AD + "第二十八条",
            ("inspection", "对价格、广告行为的监督检查"),
            ("special",),
            ("education",),
            ("83",),
            "10",
            "专项行动期间",
            ("jyj",),
        ),
        I(
            4,
            "烟花爆竹产品质量监督检查",
            "《中华人民共和国产品质量法》第十五条、" + FW + "第四条",
            ("inspection", "产品质量监督抽查"),
            ("special", "key"),
            ("fireworks", "product_quality"),
            ("26", "51", "52"),
            "20",
            "春节前集中检查",
            ("yjgl",),
        ),
    ),
    "sthj": tuple(
        I(n, name, basis, ("inspection", pn), m, ("environment",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "排污许可证执行情况检查",
                ENV + "第二十四条、第四十五条",
                "对排污单位的现场检查",
                ("random", "remote"),
                ("25", "26", "44"),
                "5",
                "每年1次",
                ("fgw",),
            ),
            (
                2,
                "工业企业大气污染防治检查",
                AIR + "第二十九条",
                "大气污染防治现场检查",
                ("random", "remote"),
                ("26", "30"),
                "5",
                "每年1次",
                ("fgw",),
            ),
            (
                3,
                "危险废物规范化环境管理检查",
                "《中华人民共和国固体废物污染环境防治法》第二十七条",
                "固体废物污染防治检查",
                ("key",),
                ("26", "27", "77"),
                "10",
                "每年2次",
                ("yjgl",),
            ),
            (
                4,
                "建设工地扬尘污染防治检查",
                AIR + "第六十九条",
                "扬尘污染防治检查",
                ("special", "remote"),
                ("47", "48"),
                "10",
                "每季度1次",
                ("zjj", "cgj"),
            ),
        )
    ),
    "yjgl": tuple(
        I(n, name, basis, ("inspection", pn), m, dom, ind, r, f, inv, entity_types=("enterprise",))
        for n, name, basis, pn, m, dom, ind, r, f, inv in (
            (
                1,
                "工贸企业安全生产检查",
                SAFETY + "第六十五条",
                "安全生产监督检查",
                ("random", "credit"),
                ("work_safety",),
                ("13", "17", "33", "34"),
                "5",
                "每年1次",
                ("xf",),
            ),
            (
                2,
                "危险化学品经营企业安全检查",
                HAZ + "第六条、" + SAFETY + "第六十五条",
                "危险化学品安全监督检查",
                ("key", "random"),
                ("hazchem",),
                ("51", "26"),
                "20",
                "每年2次",
                ("gaj", "xf"),
            ),
            (
                3,
                "烟花爆竹经营（批发、零售）单位安全检查",
                FW + "第十九条、第四十一条",
                "烟花爆竹经营安全检查",
                ("special", "key"),
                ("fireworks",),
                ("51", "52"),
                "30",
                "春节前全覆盖",
                ("gaj", "scjg"),
            ),
            (
                4,
                "有限空间作业安全检查",
                SAFETY + "第四十三条",
                "有限空间作业检查",
                ("special",),
                ("work_safety",),
                ("13", "14", "22"),
                "10",
                "每年1次",
                ("xf",),
            ),
        )
    ),
    "xf": tuple(
        I(n, name, FIRE + basis, ("inspection", pn), m, ("fire_safety",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "人员密集场所消防安全检查",
                "第五十三条",
                "消防监督检查",
                ("random", "key"),
                ("61", "62", "90"),
                "5",
                "每年1次",
                ("yjgl",),
            ),
            (
                2,
                "校外培训场所消防安全检查",
                "第五十三条",
                "消防监督检查",
                ("special",),
                ("83",),
                "20",
                "专项行动期间",
                ("jyj",),
            ),
            (
                3,
                "高层建筑消防安全检查",
                "第五十三条",
                "消防监督检查",
                ("random",),
                ("70",),
                "5",
                "每年1次",
                ("zjj",),
            ),
            (
                4,
                "烟花爆竹零售点消防安全检查",
                "第五十三条、" + FW + "第十九条",
                "消防监督检查",
                ("special",),
                ("52",),
                "30",
                "春节前",
                ("yjgl",),
            ),
        )
    ),
    "rsj": tuple(
        I(n, name, basis, ("inspection", pn), m, ("labour",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "用人单位遵守劳动保障法律法规情况检查",
                LABOUR + "第十条、第十一条",
                "劳动保障监察",
                ("random", "credit"),
                (),
                "3",
                "每年1次",
                ("scjg",),
            ),
            (
                2,
                "用人单位工资支付情况检查（根治欠薪）",
                WAGES + "第四十五条",
                "工资支付监察",
                ("special", "key"),
                ("47", "48"),
                "20",
                "冬季专项行动",
                ("zjj", "jtys"),
            ),
            (
                3,
                "人力资源服务机构检查",
                "《人力资源市场暂行条例》第三十六条",
                "人力资源市场监察",
                ("random",),
                ("72",),
                "10",
                "每年1次",
                ("scjg",),
            ),
            (
                4,
                "劳务派遣单位检查",
                "《劳务派遣暂行规定》第二十三条",
                "劳务派遣监察",
                ("random",),
                ("72",),
                "10",
                "每年1次",
                ("scjg",),
            ),
        )
    ),
    "ybj": tuple(
        I(n, name, MIF + basis, ("inspection", pn), m, ("medical_insurance",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "定点医疗机构医保基金使用检查",
                "第二十七条",
                "医保基金监督检查",
                ("random", "remote"),
                ("84",),
                "10",
                "每年1次",
                ("wjw",),
            ),
            (
                2,
                "定点零售药店医保基金使用检查",
                "第二十七条",
                "医保基金监督检查",
                ("random", "remote"),
                ("52",),
                "10",
                "每年1次",
                ("scjg",),
            ),
            (
                3,
                "欺诈骗保专项检查",
                "第二十七条、第四十条",
                "医保基金专项检查",
                ("special", "key"),
                ("84", "52"),
                "30",
                "专项行动期间",
                ("wjw", "gaj"),
            ),
            (
                4,
                "医保经办机构内控检查",
                "第二十五条",
                "医保经办稽核",
                ("key",),
                ("94",),
                "100",
                "每年1次",
                ("wjw",),
            ),
        )
    ),
    "wjw": tuple(
        I(n, name, basis, ("inspection", pn), m, dom, ind, r, f, inv)
        for n, name, basis, pn, m, dom, ind, r, f, inv in (
            (
                1,
                "医疗机构依法执业检查",
                PHYS + "第四十条",
                "医疗机构执业监督检查",
                ("random",),
                ("medical",),
                ("84",),
                "5",
                "每年1次",
                ("ybj",),
            ),
            (
                2,
                "医疗废物处置检查",
                "《医疗废物管理条例》第三十四条",
                "医疗废物监督检查",
                ("random",),
                ("medical",),
                ("84",),
                "5",
                "每年1次",
                ("sthj",),
            ),
            (
                3,
                "公共场所卫生检查",
                "《公共场所卫生管理条例》第十条",
                "公共场所卫生监督检查",
                ("random",),
                ("public_health",),
                ("61", "80"),
                "3",
                "每年1次",
                ("scjg",),
            ),
            (
                4,
                "医疗机构医保诊疗行为检查",
                PHYS + "第四十条、" + MIF + "第八条",
                "医疗机构执业监督检查",
                ("special",),
                ("medical", "medical_insurance"),
                ("84",),
                "20",
                "专项行动期间",
                ("ybj",),
            ),
        )
    ),
    "jyj": tuple(
        I(n, name, basis, ("inspection", pn), m, ("education",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "校外培训机构办学行为检查",
                EDU + "第四十一条",
                "民办教育监督检查",
                ("special", "random"),
                ("83",),
                "20",
                "每学期1次",
                ("scjg", "xf"),
            ),
            (
                2,
                "民办学校办学条件检查",
                EDU + "第四十一条",
                "民办学校年度检查",
                ("random",),
                ("83",),
                "10",
                "每年1次",
                ("xf",),
            ),
            (
                3,
                "校外培训资金监管检查",
                "《校外培训机构管理规定》",
                "预收费资金监管检查",
                ("special", "remote"),
                ("83",),
                "30",
                "每季度1次",
                ("scjg",),
            ),
            (
                4,
                "托育及早教机构检查",
                EDU + "第四十一条",
                "民办教育监督检查",
                ("random",),
                ("83",),
                "10",
                "每年1次",
                ("wjw",),
            ),
        )
    ),
    "jtys": tuple(
        I(n, name, basis, ("inspection", pn), m, ("transport",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "道路旅客运输企业检查",
                ROAD + "第六十二条",
                "道路运输监督检查",
                ("random", "remote"),
                ("54",),
                "5",
                "每年1次",
                ("yjgl",),
            ),
            (
                2,
                "危险货物道路运输企业检查",
                ROAD + "第六十二条、" + HAZ + "第四十三条",
                "危险货物运输检查",
                ("key", "remote"),
                ("54",),
                "20",
                "每年2次",
                ("yjgl", "gaj"),
            ),
            (
                3,
                "交通建设工程农民工工资检查",
                WAGES + "第四十条",
                "交通建设市场检查",
                ("special",),
                ("48",),
                "20",
                "冬季专项行动",
                ("rsj",),
            ),
            (
                4,
                "机动车维修经营者检查",
                ROAD + "第六十二条",
                "机动车维修监督检查",
                ("random",),
                ("81",),
                "5",
                "每年1次",
                ("sthj",),
            ),
        )
    ),
    "nyny": tuple(
        I(n, name, basis, ("inspection", pn), m, ("agriculture",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "农药经营单位检查",
                PEST + "第四十一条",
                "农药监督检查",
                ("random",),
                ("51", "52"),
                "5",
                "每年1次",
                ("scjg",),
            ),
            (
                2,
                "农产品生产主体质量安全检查",
                AGRI + "第五十六条",
                "农产品质量安全监督检查",
                ("random", "credit"),
                ("01", "03"),
                "5",
                "每年1次",
                ("scjg",),
            ),
            (
                3,
                "兽药经营企业检查",
                "《兽药管理条例》第四十五条",
                "兽药监督检查",
                ("random",),
                ("51",),
                "5",
                "每年1次",
                ("scjg",),
            ),
            (
                4,
                "饲料生产企业检查",
                "《饲料和饲料添加剂管理条例》第三十四条",
                "饲料监督检查",
                ("random",),
                ("13",),
                "5",
                "每年1次",
                ("scjg",),
            ),
        )
    ),
    "zjj": tuple(
        I(n, name, basis, ("inspection", pn), m, dom, ind, r, f, inv)
        for n, name, basis, pn, m, dom, ind, r, f, inv in (
            (
                1,
                "建筑施工安全检查",
                BUILD + "第四十三条",
                "建筑施工安全监督检查",
                ("random", "key"),
                ("construction",),
                ("47", "48"),
                "10",
                "每季度1次",
                ("yjgl",),
            ),
            (
                2,
                "建设工程农民工工资支付检查",
                WAGES + "第三十八条",
                "工资支付保障检查",
                ("special",),
                ("construction", "labour"),
                ("47", "48"),
                "20",
                "冬季专项行动",
                ("rsj",),
            ),
            (
                3,
                "城镇燃气经营企业检查",
                GAS + "第四十一条",
                "燃气经营监督检查",
                ("key",),
                ("gas",),
                ("45",),
                "30",
                "每年2次",
                ("yjgl", "xf"),
            ),
            (
                4,
                "房地产开发企业检查",
                "《城市房地产开发经营管理条例》第九条",
                "房地产市场检查",
                ("random",),
                ("construction",),
                ("70",),
                "5",
                "每年1次",
                ("scjg",),
            ),
        )
    ),
    "gaj": tuple(
        I(n, name, basis, ("inspection", pn), m, dom, ind, r, f, inv)
        for n, name, basis, pn, m, dom, ind, r, f, inv in (
            (
                1,
                "旅馆业治安检查",
                SECURITY + "第十一条",
                "特种行业治安检查",
                ("random",),
                ("public_security",),
                ("61",),
                "5",
                "每年1次",
                ("wjw",),
            ),
            (
                2,
                "烟花爆竹运输及燃放治安检查",
                FW + "第二十二条、第三十三条",
                "烟花爆竹治安管理检查",
                ("special",),
                ("fireworks", "public_security"),
                ("54",),
                "30",
                "春节前",
                ("yjgl",),
            ),
            (
                3,
                "剧毒化学品购买使用检查",
                HAZ + "第三十八条",
                "剧毒化学品治安检查",
                ("key",),
                ("hazchem", "public_security"),
                ("26",),
                "50",
                "每年2次",
                ("yjgl",),
            ),
            (
                4,
                "欺诈骗保案件线索核查",
                MIF + "第四十九条",
                "涉嫌犯罪案件核查",
                ("special",),
                ("medical_insurance",),
                ("84",),
                "100",
                "按线索",
                ("ybj",),
            ),
        )
    ),
    "wgl": tuple(
        I(n, name, basis, ("inspection", pn), m, dom, ind, r, f, inv)
        for n, name, basis, pn, m, dom, ind, r, f, inv in (
            (
                1,
                "娱乐场所经营检查",
                CULT + "第三十五条",
                "文化市场监督检查",
                ("random",),
                ("culture",),
                ("90",),
                "5",
                "每年1次",
                ("gaj", "xf"),
            ),
            (
                2,
                "旅行社经营检查",
                TOUR + "第八十三条",
                "旅游市场监督检查",
                ("random",),
                ("tourism",),
                ("72",),
                "5",
                "每年1次",
                ("scjg",),
            ),
            (
                3,
                "网吧经营检查",
                "《互联网上网服务营业场所管理条例》第四条",
                "文化市场监督检查",
                ("random",),
                ("culture",),
                ("64",),
                "5",
                "每年1次",
                ("gaj",),
            ),
            (
                4,
                "A级旅游景区安全检查",
                TOUR + "第七十六条",
                "旅游安全检查",
                ("key",),
                ("tourism",),
                ("78",),
                "20",
                "节假日前",
                ("yjgl",),
            ),
        )
    ),
    "cgj": tuple(
        I(n, name, basis, ("inspection", pn), m, ("city_management",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "户外广告设施检查",
                CITY + "第十一条",
                "市容管理检查",
                ("random",),
                ("72",),
                "5",
                "每年1次",
                ("scjg",),
            ),
            (
                2,
                "餐饮油烟污染检查",
                AIR + "第八十一条",
                "油烟污染防治检查",
                ("random", "remote"),
                ("62",),
                "5",
                "每年1次",
                ("sthj",),
            ),
            (
                3,
                "建筑垃圾运输处置检查",
                CITY + "第十五条",
                "建筑垃圾管理检查",
                ("special", "remote"),
                ("47",),
                "10",
                "每季度1次",
                ("zjj", "jtys"),
            ),
            (
                4,
                "沿街商户门前责任区检查",
                CITY + "第九条",
                "市容管理检查",
                ("random",),
                ("52", "62"),
                "3",
                "每年1次",
                ("scjg",),
            ),
        )
    ),
    "fgw": tuple(
        I(n, name, basis, ("inspection", pn), m, dom, ind, r, f, inv, entity_types=("enterprise",))
        for n, name, basis, pn, m, dom, ind, r, f, inv in (
            (
                1,
                "重点用能单位节能监察",
                ENERGY + "第五十四条",
                "节能监察",
                ("key", "remote"),
                ("energy",),
                ("25", "30", "31"),
                "20",
                "每年1次",
                ("sthj",),
            ),
            (
                2,
                "固定资产投资项目节能审查意见落实检查",
                ENERGY + "第十五条",
                "节能审查事中事后监管",
                ("random",),
                ("energy",),
                ("44",),
                "10",
                "每年1次",
                ("zjj",),
            ),
            (
                3,
                "粮食收购企业检查",
                GRAIN + "第三十八条",
                "粮食流通监督检查",
                ("random",),
                ("grain",),
                ("51",),
                "10",
                "收购期间",
                ("scjg",),
            ),
            (
                4,
                "政策性粮食库存检查",
                GRAIN + "第三十八条",
                "粮食库存检查",
                ("key",),
                ("grain",),
                ("59",),
                "100",
                "每年1次",
                ("scjg",),
            ),
        )
    ),
    "swj": tuple(
        I(n, name, basis, ("inspection", pn), m, ("commerce",), ind, r, f, inv)
        for n, name, basis, pn, m, ind, r, f, inv in (
            (
                1,
                "单用途商业预付卡发卡企业检查",
                COMMERCE + "第三十三条",
                "预付卡监督检查",
                ("random", "credit"),
                ("52", "80"),
                "5",
                "每年1次",
                ("scjg",),
            ),
            (
                2,
                "成品油零售企业检查",
                "《成品油市场管理办法》第三十八条",
                "成品油市场检查",
                ("random",),
                ("52",),
                "10",
                "每年1次",
                ("yjgl",),
            ),
            (
                3,
                "报废机动车回收企业检查",
                "《报废机动车回收管理办法》第二十四条",
                "报废机动车回收检查",
                ("random",),
                ("42",),
                "20",
                "每年1次",
                ("sthj", "gaj"),
            ),
            (
                4,
                "再生资源回收经营者检查",
                "《再生资源回收管理办法》第二十条",
                "再生资源回收检查",
                ("random",),
                ("42",),
                "5",
                "每年1次",
                ("sthj",),
            ),
        )
    ),
}

CAMPAIGNS: tuple[CrossItemData, ...] = (
    CrossItemData(
        code="KBM-XWPX",
        name="校外培训机构综合监管",
        scenario="对校外培训机构的办学资质、培训内容、收费及资金监管、消防安全开展一次联合检查。",
        lead_department="jyj",
        departments=["scjg", "xf"],
        items=["JG-JYJ-001", "JG-JYJ-003", "JG-SCJG-003", "JG-XF-002"],
        domain="education",
        campaign=True,
        procedure="教育局牵头制定联合检查计划，市场监管、消防救援部门派员参加；一次进门、各查其项、结果互认。",
    ),
    CrossItemData(
        code="KBM-YHBZ",
        name="烟花爆竹安全综合监管",
        scenario="春节前对烟花爆竹批发、零售、运输、燃放各环节开展联合检查。",
        lead_department="yjgl",
        departments=["gaj", "scjg", "xf"],
        items=["JG-YJGL-003", "JG-GAJ-002", "JG-SCJG-004", "JG-XF-004"],
        domain="fireworks",
        campaign=True,
        procedure="应急管理局牵头，公安、市场监管、消防救援部门联合检查经营、运输、质量和消防安全。",
    ),
    CrossItemData(
        code="KBM-GZQX",
        name="根治欠薪综合监管",
        scenario="对工程建设领域等欠薪高发行业开展工资支付情况联合检查。",
        lead_department="rsj",
        departments=["zjj", "jtys"],
        items=["JG-RSJ-002", "JG-ZJJ-002", "JG-JTYS-003"],
        domain="labour",
        campaign=True,
        procedure="人社局牵头，住建、交通运输部门按行业监管职责参加；发现欠薪当场责令限期支付。",
    ),
    CrossItemData(
        code="KBM-QZPB",
        name="打击欺诈骗保综合监管",
        scenario="对定点医药机构开展医保基金使用联合检查，涉嫌犯罪的移送公安机关。",
        lead_department="ybj",
        departments=["wjw", "gaj", "scjg"],
        items=["JG-YBJ-001", "JG-YBJ-002", "JG-YBJ-003", "JG-WJW-004", "JG-GAJ-004"],
        domain="medical_insurance",
        campaign=True,
        procedure="医保局牵头，卫健委查执业行为、市场监管局查药品经营、公安机关核查涉嫌犯罪线索。",
    ),
)

#: Items left mid-review for the demo (code → state), and one adjusted through a change request.
LEFT_IN_REVIEW = {"JG-CGJ-004": "submitted", "JG-SWJ-004": "joint_review", "JG-WGL-004": "legality_review"}
ADJUSTED = "JG-SCJG-001"

SERVICE_ROLES = {"supervising": User.Role.STAFF, "approval": User.Role.APPROVAL, "justice": User.Role.JUSTICE}


def item_code(dept: str, n: int) -> str:
    return f"JG-{dept.upper()}-{n:03d}"


def demo_contents() -> list[ItemContent]:
    """The demo items' content (deterministic)."""
    out = []
    for dept, items in ITEMS.items():
        pool = POOLS[dept]
        for idx, it in enumerate(items):
            take = 5 + (idx * 3 + len(it.name)) % max(1, len(pool) - 4)
            start = idx % len(pool)
            chosen = [pool[(start + k) % len(pool)] for k in range(min(take, len(pool)))]
            chosen += list(it.points)
            out.append(
                ItemContent(
                    code=item_code(dept, it.n),
                    name=it.name,
                    department=dept,
                    legal_basis=it.basis,
                    power_items=[f"JC-{dept.upper()}-{it.n:03d}"],
                    methods=list(it.methods),  # type: ignore[arg-type]
                    entity_types=list(it.entity_types),  # type: ignore[arg-type]
                    industries=list(it.industries),
                    domains=list(it.domains),
                    default_ratio=it.ratio,  # type: ignore[arg-type]
                    default_frequency=it.frequency,
                    procedure=(
                        "1. 检查前：从检查对象名录库和执法人员名录库中随机抽取，制定检查方案；\n"
                        "2. 检查中：两名以上执法人员出示执法证件，告知检查事项，按检查要点逐项检查并记录；\n"
                        "3. 检查后：制作现场检查笔录，发现问题的责令改正或依法立案，检查结果20个工作日内公示。"
                    ),
                    method="查阅资料、现场查看、询问有关人员"
                    + ("、远程核查在线数据" if "remote" in it.methods else ""),
                    involved_departments=list(it.involved),
                    check_points=[
                        CheckPointData(
                            seq=k + 1,
                            content=p.content,
                            legal_basis=p.basis,
                            finding=p.finding,
                            method=p.method,
                        )
                        for k, p in enumerate(chosen)
                    ],
                )
            )
    return out


def _require_departments(codes: set[str]) -> dict[str, Department]:
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise RuntimeError(
            "catalog demo: departments missing: "
            + ", ".join(missing)
            + " — load the city first (crossreg seed)"
        )
    return found


def _service_user(dept: Department) -> User:
    role = SERVICE_ROLES.get(dept.role, User.Role.STAFF)
    user, _ = User.objects.get_or_create(
        username=f"catalog.{dept.code}",
        defaults={
            "display_name": f"{dept.short_name}（监管事项清单）",
            "role": role,
            "department": dept,
            "password": make_password(None),
        },
    )
    return user


def catalog_demo_load(*, actor: User | str) -> dict[str, int]:
    """Load the demo catalog (idempotent); returns counts. ``actor`` is recorded for the power items and
    campaign items; each item's workflow steps are made by its departments' service users."""
    contents = demo_contents()
    codes = {c.department for c in contents} | {d for c in contents for d in c.involved_departments}
    codes |= {"spj", "sfj", "spj-320902"}
    for camp in CAMPAIGNS:
        codes |= {camp.lead_department, *camp.departments}
    depts = _require_departments(codes)
    missing_domains = sorted(
        {d for c in contents for d in c.domains} - set(Domain.objects.values_list("code", flat=True))
    )
    if missing_domains:
        raise RuntimeError("catalog demo: domains missing: " + ", ".join(missing_domains))
    users = {code: _service_user(d) for code, d in depts.items()}
    approver, lawyer, county = users["spj"], users["sfj"], users["spj-320902"]

    counts = {
        "power_items": 0,
        "items": 0,
        "published": 0,
        "in_review": 0,
        "check_points": 0,
        "cross_items": 0,
        "adjusted": 0,
    }
    existing_power = set(PowerItem.objects.values_list("code", flat=True))
    for dept, items in ITEMS.items():
        for it in items:
            code = f"JC-{dept.upper()}-{it.n:03d}"
            if code in existing_power:
                continue
            services.power_item_save(
                actor=actor,
                data=PowerItemData.model_validate(
                    {
                        "code": code,
                        "name": it.power[1],
                        "kind": it.power[0],
                        "department": dept,
                        "legal_basis": it.basis,
                    }
                ),
            )
            counts["power_items"] += 1

    existing = set(SupervisionItem.objects.values_list("code", flat=True))
    for c in contents:
        if c.code in existing:
            continue
        drafter = users[c.department]
        v = services.item_create(actor=drafter, content=c)
        counts["items"] += 1
        counts["check_points"] += len(c.check_points)
        stop = LEFT_IN_REVIEW.get(c.code)
        v = services.version_transition(version=v, transition="submit", actor=drafter)
        if stop == "submitted":
            counts["in_review"] += 1
            continue
        v = services.version_transition(version=v, transition="convene", actor=approver)
        involved = [d for d in c.involved_departments if d != c.department]
        if stop == "joint_review":
            counts["in_review"] += 1
            continue
        for code in involved:
            v = services.version_transition(version=v, transition="concur", actor=users[code], reason="同意")
        if stop == "legality_review":
            counts["in_review"] += 1
            continue
        services.version_transition(
            version=v, transition="pass", actor=lawyer, reason="经审核，设定依据合法有效"
        )
        counts["published"] += 1

    if not SupervisionItem.objects.filter(code=ADJUSTED, change_requests__isnull=False).exists():
        item = SupervisionItem.objects.filter(code=ADJUSTED, published__isnull=False).first()
        if item is not None:
            cr = services.change_request_create(
                item=item,
                actor=county,
                reason_kind="law_amended",
                reason="《中华人民共和国食品安全法》2021年4月修正，调整检查要点",
            )
            from crossreg.catalog.content import content_of

            new = content_of(cr.version)
            new.check_points.append(
                CheckPointData(
                    seq=len(new.check_points) + 1,
                    content="网络食品交易第三方平台入网经营者是否实名登记",
                    legal_basis=FOOD + "第六十二条",
                    finding="未对入网食品经营者进行实名登记、审查许可证",
                    method="查阅平台记录",
                )
            )
            services.version_update(
                version=cr.version, actor=county, revision=cr.version.revision, content=new
            )
            owner = users[item.department_id]  # the item's own department is heard in first review
            for name, who in (
                ("file", county),
                ("owner_concur", owner),
                ("pass", approver),
                ("pass", lawyer),
            ):
                cr = services.change_request_transition(
                    change_request=cr, transition=name, actor=who, reason="同意"
                )
            counts["adjusted"] += 1

    for cross in CAMPAIGNS:
        services.cross_item_save(actor=actor, data=cross)
        counts["cross_items"] += 1
    return counts


def demo_summary() -> dict[str, Any]:
    contents = demo_contents()
    return {
        "items": len(contents),
        "departments": len({c.department for c in contents}),
        "min_points": min(len(c.check_points) for c in contents),
        "max_points": max(len(c.check_points) for c in contents),
    }
