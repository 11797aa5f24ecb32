"""Unified social credit codes (统一社会信用代码, GB 32100-2015) and old registration numbers (注册号).

Pure functions, no database. :func:`uscc_check` returns a :class:`UsccVerdict` that says exactly
what is wrong with a code; :func:`uscc_make` builds a valid code (both check characters) from its
parts, for the synthetic city and for tests.

Layout of a USCC (positions 1-based)::

    1      registration authority (登记管理部门代码): 9 = market regulation (工商) …
    2      organisation type (机构类别代码): with 9, 1 = enterprise, 2 = individual business, 3 = co-op
    3–8    division code of the registering authority (GB/T 2260)
    9–17   organisation code (主体标识码, GB 11714): 8 characters + its own check character
    18     check character over positions 1–17 (mod 31)

The USCC check character is delegated to python-stdnum (``stdnum.cn.uscc``). The embedded
GB 11714 check is ours: a code that fails *only* that check is accepted with a warning, because such
codes were issued and are in use.

A 15-digit registration number (注册号, before 2015): 6-digit division code of the registering
authority, 8-digit sequence, one ISO 7064 MOD 11,10 check digit (``stdnum.iso7064.mod_11_10``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from stdnum import numdb
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of a USCC, in value order (0–30). I, O, S, V, Z are never used."""
FORBIDDEN_LETTERS = "IOSVZ"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
NATIONAL_DIVISION = "100000"
"""Division code used by national-level registration authorities (e.g. 91100000…)."""

# GB 32100-2015 table 1 and 2 (with the later additions A and N): authority → (name, {type: name}).
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地(大陆)代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


def _dropped(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in ("Z", "P") or cat in ("Cc", "Cf")


def uscc_normalize(raw: str) -> str:
    """Full-width → half-width, upper case, separators (spaces, hyphens, dots, …) removed.

    Anything else is kept as it is, so that a stray character can be reported, not silently lost.
    """
    text = raw
    while True:  # dropping a separator can let characters compose anew: repeat until stable
        folded = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not _dropped(ch)).upper()
        if folded == text:
            return folded
        text = folded


def _orgcode_value(ch: str) -> int:
    if ch.isascii() and ch.isdigit():
        return int(ch)
    if ch.isascii() and "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"{ch!r} is not a digit or an upper-case letter")


def orgcode_check_char(body8: str) -> str:
    """GB 11714 check character for the 8-character body of an organisation code."""
    if len(body8) != 8:
        raise ValueError(f"an organisation code body has 8 characters, got {len(body8)}")
    total = sum(_orgcode_value(c) * w for c, w in zip(body8, ORGCODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character over the first 17 characters (python-stdnum's implementation)."""
    if len(first17) != 17 or any(c not in ALPHABET for c in first17):
        raise ValueError("need 17 characters of the USCC alphabet")
    return str(stdnum_uscc.calc_check_digit(first17))


def uscc_make(authority: str, type: str, division6: str, orgcode8: str) -> str:
    """A valid USCC from its parts, computing the organisation-code and the USCC check characters.

    >>> uscc_make("9", "1", "110000", "60003734")
    '91110000600037341L'
    """
    if authority not in AUTHORITIES:
        raise ValueError(f"unknown registration authority {authority!r}")
    if type not in AUTHORITIES[authority][1]:
        raise ValueError(f"organisation type {type!r} is not defined for authority {authority!r}")
    if len(division6) != 6 or not division6.isdigit() or not division6.isascii():
        raise ValueError(f"division code must be 6 digits, got {division6!r}")
    if len(orgcode8) != 8 or any(c not in ALPHABET for c in orgcode8):
        raise ValueError(f"organisation code body must be 8 USCC characters, got {orgcode8!r}")
    first17 = authority + type + division6 + orgcode8 + orgcode_check_char(orgcode8)
    return first17 + uscc_check_char(first17)


def registration_no_make(division6: str, sequence8: str) -> str:
    """A valid 15-digit registration number (注册号) from its division code and sequence."""
    body = division6 + sequence8
    if len(body) != 14 or not body.isdigit() or not body.isascii():
        raise ValueError("need a 6-digit division code and an 8-digit sequence")
    return body + mod_11_10.calc_check_digit(body)


@lru_cache(maxsize=4096)
def division_name(code6: str) -> str | None:
    """The current GB/T 2260 name of a 6-digit division code (python-stdnum's table), or None."""
    if code6 == NATIONAL_DIVISION:
        return "全国"
    if len(code6) != 6 or not code6.isdigit():
        return None
    parts = numdb.get("cn/loc").info(code6)
    if len(parts) < 2 or not parts[0][1] or not parts[1][1]:
        return None
    province = parts[0][1]["province"]
    county = parts[1][1]["county"].split(",")[-1]
    if county.startswith("["):
        county = county.split("]", 1)[1]
    return county if county == province else f"{province}{county}"


@lru_cache(maxsize=128)
def _province_known(code2: str) -> bool:
    parts = numdb.get("cn/loc").info(code2 + "0000")
    return bool(parts and parts[0][1])


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or doubtful) with a code. ``position`` is 1-based."""

    code: str
    message: str
    position: int | None = None


@dataclass(frozen=True)
class UsccVerdict:
    """The verdict on one code: what it is, whether it is valid, and exactly what is wrong."""

    raw: str
    normalized: str
    kind: Literal["uscc", "registration_no", "unknown"]
    errors: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def orgcode_warning(self) -> bool:
        """True when the embedded GB 11714 organisation code's check character is wrong."""
        return any(w.code == "orgcode_check" for w in self.warnings)

    @property
    def message(self) -> str:
        """One line: every error, else every warning, else a short description of the code."""
        if self.errors:
            return "; ".join(e.message for e in self.errors)
        described = ", ".join(f"{k}: {v}" for k, v in self.parts.items())
        label = "valid USCC" if self.kind == "uscc" else "valid registration number (注册号)"
        text = f"{label} ({described})" if described else label
        if self.warnings:
            text += " — warning: " + "; ".join(w.message for w in self.warnings)
        return text


def _char_label(ch: str) -> str:
    return repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"


def _check_registration_no(raw: str, code: str) -> UsccVerdict:
    errors: list[Finding] = []
    warnings: list[Finding] = []
    parts: dict[str, str] = {}
    if not mod_11_10.is_valid(code):
        expected = mod_11_10.calc_check_digit(code[:14])
        errors.append(
            Finding(
                "check",
                f"wrong check digit at position 15: expected {expected!r}, got {code[14]!r} "
                "(registration number, ISO 7064 MOD 11,10)",
                15,
            )
        )
    name = division_name(code[:6])
    if name is None:
        warnings.append(
            Finding("division_unknown", f"division code {code[:6]} is not a known GB/T 2260 code", 1)
        )
    else:
        parts["division"] = f"{code[:6]} {name}"
    return UsccVerdict(raw, code, "registration_no", tuple(errors), tuple(warnings), parts)


def uscc_check(raw: str) -> UsccVerdict:
    """Check a USCC (or an old 15-digit registration number) and say exactly what is wrong."""
    code = uscc_normalize(raw)
    if not code:
        return UsccVerdict(raw, code, "unknown", (Finding("empty", "empty code"),))
    if len(code) == 15 and code.isascii() and code.isdigit():
        return _check_registration_no(raw, code)
    if len(code) != 18:
        hint = " (a 15-character registration number has digits only)" if len(code) == 15 else ""
        return UsccVerdict(
            raw,
            code,
            "unknown",
            (
                Finding(
                    "length",
                    f"wrong length: {len(code)} characters; a USCC has 18, "
                    f"an old registration number 15 digits{hint}",
                ),
            ),
        )

    errors: list[Finding] = []
    warnings: list[Finding] = []
    parts: dict[str, str] = {}

    # 1. Characters, position by position.
    for pos, ch in enumerate(code, start=1):
        if ch in FORBIDDEN_LETTERS:
            errors.append(
                Finding(
                    "character",
                    f"illegal character {ch!r} at position {pos}: I, O, S, V, Z are not used in a USCC",
                    pos,
                )
            )
        elif ch not in ALPHABET:
            errors.append(
                Finding(
                    "character",
                    f"illegal character {_char_label(ch)} at position {pos}: "
                    "a USCC uses only digits and the letters 0-9 A-H J-N P-R T U W-Y",
                    pos,
                )
            )
        elif 3 <= pos <= 8 and not ch.isdigit():
            errors.append(
                Finding(
                    "character",
                    f"illegal character {ch!r} at position {pos}: positions 3–8 are the division code, digits only",
                    pos,
                )
            )
    bad_positions = {e.position for e in errors}

    # 2. Registration authority and organisation type.
    authority, org_type = code[0], code[1]
    if 1 not in bad_positions:
        if authority not in AUTHORITIES:
            known = ", ".join(f"{k} {v[0]}" for k, v in AUTHORITIES.items())
            errors.append(
                Finding(
                    "authority",
                    f"unknown registration authority code {authority!r} at position 1 (known: {known})",
                    1,
                )
            )
        else:
            auth_name, types = AUTHORITIES[authority]
            parts["authority"] = f"{authority} {auth_name}"
            if 2 not in bad_positions:
                if org_type not in types:
                    known = ", ".join(f"{k} {v}" for k, v in types.items())
                    errors.append(
                        Finding(
                            "type",
                            f"organisation type {org_type!r} at position 2 is not defined for "
                            f"registration authority {authority} {auth_name} (known: {known})",
                            2,
                        )
                    )
                else:
                    parts["type"] = f"{org_type} {types[org_type]}"

    # 3. Division code (GB/T 2260): an unknown province is an error, an unknown county a warning.
    division = code[2:8]
    if not bad_positions & set(range(3, 9)):
        if division != NATIONAL_DIVISION and not _province_known(division[:2]):
            errors.append(
                Finding(
                    "division",
                    f"bad division code {division} at positions 3–8: {division[:2]} is not a "
                    "GB/T 2260 province code",
                    3,
                )
            )
        else:
            name = division_name(division)
            if name is None:
                warnings.append(
                    Finding(
                        "division_unknown",
                        f"division code {division} at positions 3–8 is not a known GB/T 2260 code",
                        3,
                    )
                )
            else:
                parts["division"] = f"{division} {name}"

    if bad_positions:
        # Check characters cannot be computed over illegal characters.
        return UsccVerdict(raw, code, "uscc", tuple(errors), tuple(warnings), parts)

    # 4. The USCC check character (python-stdnum).
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        errors.append(
            Finding(
                "check",
                f"wrong check character at position 18: expected {expected!r}, got {code[17]!r}",
                18,
            )
        )

    # 5. The embedded GB 11714 organisation code.
    orgcode = code[8:17]
    parts["orgcode"] = f"{orgcode[:8]}-{orgcode[8]}"
    org_expected = orgcode_check_char(orgcode[:8])
    if orgcode[8] != org_expected:
        warnings.append(
            Finding(
                "orgcode_check",
                f"organisation code {orgcode[:8]}-{orgcode[8]} (positions 9–17) fails its GB 11714 check: "
                f"expected {org_expected!r} at position 17, got {orgcode[8]!r}",
                17,
            )
        )
    return UsccVerdict(raw, code, "uscc", tuple(errors), tuple(warnings), parts)


def uscc_is_valid(raw: str) -> bool:
    return uscc_check(raw).valid
