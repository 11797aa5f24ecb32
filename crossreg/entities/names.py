"""Chinese entity names: normalisation (first version; the entities work refines and parses)."""

from __future__ import annotations

import unicodedata

import zhconv

_FORM_FOLDS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))


def fold_width(text: str) -> str:
    """Full-width letters, digits, brackets and spaces to half-width (NFKC), upper-case Latin."""
    return unicodedata.normalize("NFKC", text).upper()


def normalize_name(name: str) -> str:
    """The folded form used for exact and fuzzy matching of names.

    Full-width/half-width and traditional/simplified variants fold together, brackets become
    ``()``, whitespace goes, and 有限责任公司 folds to 有限公司.
    """
    text = zhconv.convert(fold_width(name), "zh-cn")
    text = "".join(text.split())
    text = text.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    for long, short in _FORM_FOLDS:
        text = text.replace(long, short)
    return text
