"""Deduplication: open submissions about the same entity or place with similar text.

Text is cut into words with jieba (its dictionary ships inside the package: nothing is downloaded
at run time) and compared with rapidfuzz's token-set ratio, which ignores word order and
repetition, so that "门口的烧烤店油烟很大" and "烧烤店油烟大，就在门口" score high. Candidates are
found through the database first (same entity, or same normalised place, still open, recent), so a
year of a million submissions costs one indexed query plus at most ``COMPLAINT_DEDUP_CANDIDATES``
comparisons.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "有",
        "就",
        "也",
        "都",
        "很",
        "我",
        "你",
        "他",
        "她",
        "们",
        "这",
        "那",
        "个",
        "吗",
        "呢",
        "啊",
        "吧",
        "被",
        "把",
        "给",
        "让",
        "说",
    ]
)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> str:
    """The words of ``text`` (NFKC, lower case, no punctuation or stop words), space-joined."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    words = (_PUNCT.sub("", w) for w in _jieba().lcut(folded))
    return " ".join(w for w in words if w and w not in _STOP)


def place_key(place: str) -> str:
    """A place as a key: NFKC, no spaces or punctuation (``盐城市 亭湖区 解放路 1号`` ≡ ``盐城市亭湖区解放路1号``)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", place or "")).lower()[:200]


def similarity(a_tokens: str, b_tokens: str) -> float:
    """0–100: how alike two token strings are (order and repetition ignored)."""
    if not a_tokens or not b_tokens:
        return 0.0
    return float(fuzz.token_set_ratio(a_tokens, b_tokens))
