"""A task's merged checklist: pure, no Django.

A joint task carries the check points of every item version its departments bring; points whose
folded text coincides are checked once (their legal bases and finding rules are kept together).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def point_norm(text: str) -> str:
    """Folded check-point text: NFKC, no whitespace or punctuation, lower case. Points of different
    items whose folded content is equal *coincide* and are checked once."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True)
class PointIn:
    version_id: int
    seq: int
    department: str
    content: str
    legal_basis: str = ""
    finding: str = ""


@dataclass
class MergedPoint:
    content: str
    legal_basis: list[str] = field(default_factory=list)
    finding: list[str] = field(default_factory=list)
    sources: list[tuple[int, int, str]] = field(default_factory=list)  # (version id, seq, department)

    @property
    def departments(self) -> list[str]:
        return sorted({d for _, _, d in self.sources})


def checklist_merge(points: Sequence[PointIn], *, department_order: Sequence[str] = ()) -> list[MergedPoint]:
    """Union of the check points of the drawn item versions, coinciding points merged.

    Order: the lead department's points first (``department_order``), then by version and seq.
    The same (version, seq) given twice counts once.
    """
    rank = {d: i for i, d in enumerate(department_order)}
    ordered = sorted(
        {(p.version_id, p.seq): p for p in points}.values(),
        key=lambda p: (rank.get(p.department, len(rank)), p.department, p.version_id, p.seq),
    )
    merged: dict[str, MergedPoint] = {}
    for p in ordered:
        key = point_norm(p.content)
        m = merged.get(key)
        if m is None:
            m = merged[key] = MergedPoint(content=p.content.strip())
        if p.legal_basis.strip() and p.legal_basis.strip() not in m.legal_basis:
            m.legal_basis.append(p.legal_basis.strip())
        if p.finding.strip() and p.finding.strip() not in m.finding:
            m.finding.append(p.finding.strip())
        m.sources.append((p.version_id, p.seq, p.department))
    return list(merged.values())
