"""The one masking rule for personal data shown to people who may not see it in full.

Public pages, open data, published decisions and exports to other departments show natural
persons' data only through these functions (docs/data-standard.md, "Personal data"). The rule
follows the common practice of Chinese government publicity (e.g. 行政处罚决定公示 masks names and
ID numbers; GB/T 35273 §3.14 de-identification):

- a name keeps its first character and, from three characters on, its last: 王小明 → 王*明,
  李四 → 李*, 欧阳娜娜 → 欧**娜;
- a mobile or phone number keeps its first 3 and last 4 digits: 138****5678;
- an identity-card number keeps its first 6 (the region) and last 4: 320902********1234.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """王小明 → 王*明, 李四 → 李*: personal names on public pages and in others' views."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str) -> str:
    value = (value or "").strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
