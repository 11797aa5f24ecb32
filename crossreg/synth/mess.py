"""The ways real departmental lists get entity data wrong: each function takes a clean value and
returns a messy one. The kinds are named (``MESS_KINDS``) and recorded per row in the ground truth,
so record linkage (REQUIREMENTS M2) can be evaluated kind by kind.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import zhconv

from crossreg.orgs.data.divisions import COUNTY_BY_CODE
from crossreg.synth.codes import ALPHABET
from crossreg.synth.pools import SIMILAR

MESS_KINDS: dict[str, str] = {
    "uscc_missing": "USCC left empty",
    "uscc_typo": "one character of the USCC changed",
    "uscc_transposed": "two adjacent characters of the USCC swapped",
    "uscc_format": "USCC written with spaces, hyphens or in lower case",
    "regno_instead": "old 15-digit registration number given instead of the USCC",
    "no_uscc": "the entity has no USCC: the registration number (or nothing) is given",
    "name_form_variant": "有限公司 written as 有限责任公司 or the reverse",
    "name_brackets": "full-width brackets （） written half-width (), or the reverse",
    "name_region_dropped": "region prefix left out of the name",
    "name_region_added": "region prefix added to the name",
    "name_traditional": "name written (partly) in traditional characters",
    "name_spaces": "extra spaces in the name",
    "name_trade_typo": "one character of the trade name mistyped (a similar-sounding character)",
    "name_suffix": "（个体工商户） appended to an individual business's name",
    "address_county_abbrev": "county written short (亭湖区 → 亭湖) or 盐城市 dropped",
    "address_no_township": "township/street left out of the address",
    "address_number_chinese": "house number in Chinese numerals (88号 → 八十八号)",
    "address_number_format": "house number written 88# or 88 号",
    "address_province_added": "江苏省 added in front",
    "legal_rep_missing": "legal representative left empty",
    "phone_missing": "phone left empty",
    "duplicate": "the same entity listed a second time",
    "stale": "the entity was cancelled or revoked but is still on the list",
    "orgcode_instead": "identified by the old 9-character organisation code, not the USCC",
    "foreign_id_format": "the list's record IDs follow another department's format",
}

REAL_MESS_KINDS: dict[str, str] = {
    "name_former_note": "the name followed by its former name in brackets: …（原名…）",
    "name_former": "listed under its former name (the department never updated it)",
    "name_homophone": "a character of the trade name written as a homophone (鸣 → 铭)",
    "name_region_moved": "the region prefix moved into brackets: 盐城市鹤鸣餐饮有限公司 → 鹤鸣餐饮(盐城)有限公司",
    "name_traditional_full": "the whole name in traditional characters (a list kept on a traditional-character system)",
    "uscc_ocr": "digits of the USCC misread as letters (0→O, 1→I, 2→Z, 5→S, 8→B, 6→G), as from a scan",
    "address_abbrev": "the address cut to street and number (province, city, county and township left out)",
    "address_traditional": "the address in traditional characters",
    "legal_rep_changed": "an earlier legal representative, not the registered one",
    "legal_rep_homophone": "a character of the representative's name written as a homophone",
    "title_rows": "title rows above the header (“2026年度…监管对象名录”, 填报单位/导出日期)",
    "department_headers": "the department's own column names (机构全称, 经营单位, 企业（单位）名称, 社会信用代码 …)",
}
"""The noise of real published lists that the ``real`` list plan adds (issue 17 item 5); the
last two are properties of a whole file, recorded on every row of it."""

HOMOPHONES: tuple[str, ...] = (
    "鑫新欣馨心",
    "华化桦",
    "明铭名鸣",
    "宏鸿弘红洪",
    "盛胜晟圣",
    "丰峰锋风枫",
    "德得",
    "源元园远圆",
    "佳嘉家加",
    "祥翔",
    "瑞锐睿",
    "伟玮维炜",
    "芳方坊",
    "敏民闽",
    "杰洁捷",
    "静靖晶精京",
    "丽立利力莉",
    "军君俊骏",
    "涛韬滔",
    "磊雷蕾",
    "勇涌永咏",
    "玲琳凌灵林",
    "婷亭庭",
    "燕艳雁彦",
    "平萍苹",
    "辉慧惠晖汇会",
    "龙隆",
    "建健剑键",
    "金锦津",
    "福富甫",
    "兴星",
    "顺舜",
    "和禾合",
    "泰太",
    "昌长",
    "恒衡亨",
    "通同桐",
    "宇雨羽语",
    "晨辰",
    "阳扬洋",
    "鹏朋",
    "飞菲",
    "凯楷",
    "浩豪昊",
    "博柏",
    "天添田",
    "荣融容",
    "鹤贺赫",
    "航杭",
    "利力立",
    "诚成城",
    "信欣",
    "达大",
    "悦越跃岳",
    "翠萃",
    "红虹鸿",
    "梅美媚",
    "兰岚蓝",
    "秀绣",
    "峰锋蜂",
)
"""Groups of characters read alike (same pinyin, tone aside), as a clerk typing from a phone call
or a pinyin input method confuses them."""

_HOMOPHONE_OF: dict[str, str] = {}
for _group in HOMOPHONES:
    for _ch in _group:
        _HOMOPHONE_OF.setdefault(_ch, _group)

_OCR = {"0": "OD", "1": "IL", "2": "Z", "5": "S", "8": "B", "6": "G"}


def homophone(rng: random.Random, text: str) -> str | None:
    """One character of ``text`` replaced by another of its homophone group."""
    positions = [i for i, c in enumerate(text) if c in _HOMOPHONE_OF]
    if not positions:
        return None
    i = rng.choice(positions)
    others = [c for c in _HOMOPHONE_OF[text[i]] if c != text[i]]
    return text[:i] + rng.choice(others) + text[i + 1 :]


def name_homophone(rng: random.Random, name: str, trade: str) -> str | None:
    if not trade or trade not in name:
        return None
    typo = homophone(rng, trade)
    return name.replace(trade, typo, 1) if typo else None


def uscc_ocr(rng: random.Random, code: str) -> str | None:
    """One or two digits of the code misread as letters."""
    positions = [i for i, c in enumerate(code) if c in _OCR]
    if not positions:
        return None
    out = list(code)
    for i in rng.sample(positions, min(len(positions), 1 if rng.random() < 0.7 else 2)):
        out[i] = rng.choice(_OCR[out[i]])
    return "".join(out)


def region_moved(name: str, region: str) -> str | None:
    """盐城市鹤鸣餐饮管理有限公司 → 鹤鸣餐饮管理（盐城）有限公司 (the form taken from the end)."""
    if not region or not name.startswith(region) or "（" in name or "(" in name:
        return None
    rest = name[len(region) :]
    short = region[:-1] if region.endswith(("市", "省")) and len(region) >= 3 else region
    for form in ("股份有限公司", "有限责任公司", "有限公司"):
        if rest.endswith(form) and len(rest) > len(form) + 1:
            return f"{rest[: -len(form)]}（{short}）{form}"
    return None


def address_abbrev(address: str, road: str) -> str | None:
    """The address from the street on: 盐城市亭湖区南洋镇人民路1号 → 人民路1号."""
    if not road or road not in address:
        return None
    cut = address[address.index(road) :]
    return cut if cut != address else None


def traditional_full(text: str) -> str | None:
    converted = zhconv.convert(text, "zh-hant")
    return converted if converted != text else None


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–9999 in Chinese numerals as written in addresses: 88 → 八十八, 105 → 一百零五."""
    if n <= 0:
        return _DIGITS[0]
    units = ("", "十", "百", "千")
    digits = [int(d) for d in str(n)]
    out: list[str] = []
    zero = False
    for pos, d in enumerate(digits):
        unit = units[len(digits) - pos - 1]
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append("零")
        zero = False
        out.append(_DIGITS[d] + unit)
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def uscc_typo(rng: random.Random, code: str) -> str:
    pos = rng.randrange(len(code))
    choices = [c for c in ALPHABET if c != code[pos]]
    return code[:pos] + rng.choice(choices) + code[pos + 1 :]


def uscc_transpose(rng: random.Random, code: str) -> str | None:
    positions = [i for i in range(len(code) - 1) if code[i] != code[i + 1]]
    if not positions:
        return None
    i = rng.choice(positions)
    return code[:i] + code[i + 1] + code[i] + code[i + 2 :]


def uscc_format(rng: random.Random, code: str) -> str:
    r = rng.random()
    if r < 0.4:
        return code.lower()
    if r < 0.7:
        return f"{code[:2]} {code[2:8]} {code[8:17]} {code[17]}"
    return f"{code[:8]}-{code[8:17]}-{code[17]}"


def form_variant(name: str) -> str | None:
    if "有限责任公司" in name:
        return name.replace("有限责任公司", "有限公司", 1)
    if "股份有限公司" in name:
        return None
    if "有限公司" in name:
        return name.replace("有限公司", "有限责任公司", 1)
    return None


def brackets(name: str) -> str | None:
    if "（" in name:
        return name.replace("（", "(").replace("）", ")")
    if "(" in name:
        return name.replace("(", "（").replace(")", "）")
    return None


def region_dropped(name: str, region: str) -> str | None:
    if region and name.startswith(region) and len(name) > len(region) + 2:
        return name[len(region) :]
    return None


def region_added(name: str, region: str, county_code: str) -> str | None:
    county = COUNTY_BY_CODE[county_code]
    if name.startswith(("盐城", "江苏")):
        return None
    if region.startswith(county.name):
        return "盐城市" + name
    return county.name + name


def traditional(name: str) -> str | None:
    converted = zhconv.convert(name, "zh-hant")
    return converted if converted != name else None


def spaces(rng: random.Random, name: str) -> str:
    r = rng.random()
    if r < 0.3:
        return " " + name + " "
    if r < 0.5:
        return name + "\u3000"
    pos = rng.randrange(1, len(name))
    return name[:pos] + rng.choice((" ", "  ", "\u3000")) + name[pos:]


def trade_typo(rng: random.Random, name: str, trade: str) -> str | None:
    positions = [i for i, c in enumerate(trade) if c in SIMILAR]
    if not trade or not positions or trade not in name:
        return None
    i = rng.choice(positions)
    typo = trade[:i] + SIMILAR[trade[i]] + trade[i + 1 :]
    return name.replace(trade, typo, 1)


def address_county_abbrev(address: str, county_code: str) -> str | None:
    county = COUNTY_BY_CODE[county_code]
    if address.startswith("盐城市" + county.name):
        return address.replace(
            "盐城市" + county.name, county.short if county.level != "zone" else "盐城" + county.short, 1
        )
    if address.startswith(county.name):
        short = county.short if county.level != "zone" else "盐城" + county.short
        return address.replace(county.name, short, 1)
    return None


def address_no_township(address: str, township: str) -> str | None:
    return address.replace(township, "", 1) if township in address else None


def address_number_chinese(address: str, number: int) -> str | None:
    token = f"{number}号"
    return address.replace(token, chinese_number(number) + "号", 1) if token in address else None


def address_number_format(rng: random.Random, address: str, number: int) -> str | None:
    token = f"{number}号"
    if token not in address:
        return None
    return address.replace(token, rng.choice((f"{number}#", f"{number} 号", f"{number}號")), 1)


def address_province_added(address: str) -> str:
    return "江苏省" + address if address.startswith("盐城市") else "江苏省盐城市" + address


_LANDLINE_STYLES: dict[str, Callable[[str], str]] = {
    "plain": lambda local: "0515" + local,
    "dashed": lambda local: "0515-" + local,
    "paren": lambda local: f"(0515){local}",
    "intl": lambda local: f"+86-515-{local}",
    "spaced": lambda local: f"0515 {local}",
    "local": lambda local: local,
}
_MOBILE_STYLES: dict[str, Callable[[str], str]] = {
    "plain": lambda p: p,
    "dashed": lambda p: f"{p[:3]}-{p[3:7]}-{p[7:]}",
    "paren": lambda p: p,
    "intl": lambda p: f"+86 {p}",
    "spaced": lambda p: f"{p[:3]} {p[3:7]} {p[7:]}",
    "local": lambda p: p,
}


def phones_format(phones: list[str], style: str) -> list[str]:
    """Reformat canonical phones (``13812345678`` or ``0515-88123456``) in a department's style."""
    landline, mobile = _LANDLINE_STYLES[style], _MOBILE_STYLES[style]
    return [landline(p[5:]) if p.startswith("0515-") else mobile(p) for p in phones]
