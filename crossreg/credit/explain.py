"""Every point explained: the indicator lines behind an entity's score, in plain Chinese.

The lines come from the same :func:`engine.evaluate` call that grades; the points shown (integer
hundredths) add up to the score exactly: base + Σ lines + Σ cap adjustments = score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from crossreg.core.masking import mask_name
from crossreg.credit import engine, selectors
from crossreg.credit.models import CreditEvent, ModelVersion
from crossreg.credit.spec import EVENT_KINDS, SEVERITIES, ModelSpec, spec_validate


@dataclass
class Line:
    event: CreditEvent | None
    cents: int
    text: str
    shown: bool = True  # False: an event the viewer may not see in detail (counted, summarised)

    @property
    def points(self) -> float:
        return self.cents / 100


@dataclass
class IndicatorView:
    dimension: str
    code: str
    name: str
    weight: float
    cents: int = 0
    lines: list[Line] = field(default_factory=list)
    cap_note: str = ""

    @property
    def points(self) -> float:
        return self.cents / 100


@dataclass
class Explanation:
    entity_id: int
    as_of: dt.date
    version: ModelVersion
    base_cents: int
    score_cents: int
    grade: str
    indicators: list[IndicatorView]
    hidden_count: int = 0

    @property
    def score(self) -> float:
        return self.score_cents / 100

    @property
    def base(self) -> float:
        return self.base_cents / 100

    def total_cents(self) -> int:
        return self.base_cents + sum(i.cents for i in self.indicators)


def rule_text(spec: ModelSpec, rule_index: int, factor: float) -> str:
    r = spec.rules[rule_index]
    ind = next(i for i in spec.indicators if i.code == r.indicator)
    what = str(EVENT_KINDS[r.kind])
    if r.severity:
        what = _("%(kind)s（%(severity)s）") % {"kind": what, "severity": SEVERITIES[r.severity]}
    if r.category:
        what += _("，类别 %(c)s") % {"c": r.category}
    text = _("%(w)s：每条 %(p)s 分 × 权重 %(k)s") % {"w": what, "p": _signed(r.points), "k": ind.weight}
    if r.decay == "linear":
        text += _("，按剩余计分期线性递减（剩余 %(f)s%%）") % {"f": round(factor * 100)}
    return text


def _signed(x: float) -> str:
    s = f"{x:g}"
    return s if x < 0 else f"+{s}"


def explanation_for(
    *, entity_id: int, as_of: dt.date | None = None, detail: str = "public", department_id: str | None = None
) -> Explanation | None:
    """``detail``: ``full`` (staff of the credit role, leaders; the enterprise itself), ``department``
    (other departments' unpublished events summarised) or ``public`` (published events only)."""
    from django.utils import timezone

    day = as_of or timezone.localdate()
    version = selectors.public_model_version_at(day)
    if version is None:
        return None
    spec = spec_validate(version.spec)
    events = selectors.events_frame_for([entity_id], upto=day)
    res = engine.evaluate(events, spec, day, [entity_id])
    score = int(res.scores["score_cents"][0])
    grade = str(res.scores["grade"][0])
    ev_ids = res.lines["event_id"].to_list()
    objs = {e.pk: e for e in CreditEvent.objects.filter(pk__in=ev_ids).select_related("department")}
    views = {
        i.code: IndicatorView(
            dimension=spec.dimension_names.get(i.dimension, i.dimension),
            code=i.code,
            name=i.name,
            weight=i.weight,
        )
        for i in spec.indicators
    }
    hidden = 0
    for row in res.lines.iter_rows(named=True):
        ev = objs.get(row["event_id"])
        iv = views[row["indicator"]]
        shown = ev is not None and _may_see(ev, detail, department_id)
        if not shown:
            hidden += 1
        text = rule_text(spec, row["rule_index"], row["factor"])
        iv.lines.append(Line(event=ev if shown else None, cents=int(row["cents"]), text=text, shown=shown))
    for row in res.totals.iter_rows(named=True):
        iv = views[row["indicator"]]
        iv.cents = int(row["cents"])
        if row["cents"] != row["raw_cents"]:
            iv.cap_note = _("本指标封顶：合计 %(r)s 分，按上限计 %(c)s 分") % {
                "r": _signed(row["raw_cents"] / 100),
                "c": _signed(row["cents"] / 100),
            }
            iv.lines.append(
                Line(event=None, cents=int(row["cents"] - row["raw_cents"]), text=str(iv.cap_note))
            )
    return Explanation(
        entity_id=entity_id,
        as_of=day,
        version=version,
        base_cents=round(spec.base_points * 100),
        score_cents=score,
        grade=grade,
        indicators=[v for v in views.values() if v.lines],
        hidden_count=hidden,
    )


def _may_see(ev: CreditEvent, detail: str, department_id: str | None) -> bool:
    if detail == "full":
        return True
    if detail == "department":
        return ev.published or ev.department_id == department_id
    return ev.published and ev.withdrawn_on is None and ev.repaired_on is None


def masked_entity(entity: Any) -> dict[str, Any]:
    return {"name": entity.name, "uscc": entity.uscc, "legal_rep": mask_name(entity.legal_rep or "")}
