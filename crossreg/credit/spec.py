"""An evaluation model is data: the indicator tree, its rules, weights, base points and cut-offs.

The format (``ModelVersion.spec``, JSON; docs/credit.md shows a full example)::

    {
      "base_points": 1000,
      "weight_sum": 6,                       # the dimensions' weights must add up to this
      "cutoffs": [                           # contiguous, non-overlapping, covering every score
        {"grade": "A", "min": 1030},         # [min, max); a missing min/max is unbounded
        {"grade": "B", "min": 960, "max": 1030},
        {"grade": "C", "min": 850, "max": 960},
        {"grade": "D", "max": 850}
      ],
      "dimensions": [
        {"code": "penalty", "name": "行政处罚", "weight": 1.5,
         "indicators": [
           {"code": "penalty_decision", "name": "行政处罚决定", "cap": -400,
            "rules": [{"kind": "penalty", "severity": "serious", "points": -150, "decay": "linear"}]}
         ]}
      ]
    }

A rule matches credit events by ``kind`` (one of :data:`EVENT_KINDS`) and optionally ``severity``
and ``category``; ``points`` are given per event, ``decay`` is ``none`` (full weight while the event
counts) or ``linear`` (falling to zero at the end of its counting period), ``cap`` bounds an
indicator's total (a negative cap bounds deductions, a positive one bonuses). Everything is
computed in integer hundredths of a point, so the explanation lines add up to the score exactly.

:func:`spec_validate` refuses a model whose cut-offs overlap or leave a gap, whose weights do not
add up as declared, or whose rule names an unknown event kind — each problem naming its field.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crossreg.core.errors import Invalid, Problem

GRADES = ("A", "B", "C", "D")

#: The kinds of credit events, each pointing to its source (GLOSSARY: credit event).
EVENT_KINDS: dict[str, Any] = {
    "inspection_finding": gettext_lazy("检查发现问题"),
    "inspection_clean": gettext_lazy("检查未发现问题"),
    "penalty": gettext_lazy("行政处罚"),
    "compulsory_measure": gettext_lazy("行政强制措施"),
    "commitment_broken": gettext_lazy("违背信用承诺"),
    "commitment_kept": gettext_lazy("履行信用承诺"),
    "complaint_justified": gettext_lazy("投诉举报查实"),
    "abnormal_operation": gettext_lazy("列入经营异常名录"),
    "court_judgment": gettext_lazy("司法判决"),
    "manual": gettext_lazy("人工录入"),
    "provisional_class": gettext_lazy("暂定信用分类（迁移）"),
}
SEVERITIES: dict[str, Any] = {
    "none": gettext_lazy("不适用"),
    "minor": gettext_lazy("轻微"),
    "ordinary": gettext_lazy("一般"),
    "serious": gettext_lazy("严重"),
}
DECAYS = ("none", "linear")


@dataclass(frozen=True)
class Rule:
    dimension: str
    indicator: str
    kind: str
    severity: str | None
    category: str | None
    points: float
    decay: str


@dataclass(frozen=True)
class Indicator:
    dimension: str
    code: str
    name: str
    weight: float
    cap_cents: int | None  # bound of the weighted indicator total, in hundredths of a point


@dataclass(frozen=True)
class Cutoff:
    grade: str
    min: float | None
    max: float | None


@dataclass(frozen=True)
class ModelSpec:
    base_points: float
    weight_sum: float
    cutoffs: tuple[Cutoff, ...]
    indicators: tuple[Indicator, ...]
    rules: tuple[Rule, ...]
    dimension_names: dict[str, str]

    def grade_for_cents(self, cents: int) -> str:
        score = cents / 100
        for c in self.cutoffs:
            if (c.min is None or score >= c.min) and (c.max is None or score < c.max):
                return c.grade
        raise AssertionError("validated cut-offs cover every score")


def _lo(c: Cutoff) -> float:
    return -float("inf") if c.min is None else c.min


def _num(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError
    return float(v)


def spec_validate(raw: Any) -> ModelSpec:
    """Parse and check a model spec; raise :class:`Invalid` listing every problem with its field."""
    problems: list[Problem] = []

    def bad(fieldname: str, msg: str, code: str = "invalid") -> None:
        problems.append(Problem(message=msg, field=fieldname, code=code))

    if not isinstance(raw, dict):
        raise Invalid(_("评价模型必须是一个对象"), field="spec")
    try:
        base = _num(raw.get("base_points"))
    except TypeError:
        base = None
    if base is None:
        bad("base_points", _("基础分必须是数字"), "required")
    try:
        wsum = _num(raw.get("weight_sum"))
    except TypeError:
        wsum = None
    if wsum is None:
        bad("weight_sum", _("必须声明权重合计"), "required")

    # --- cut-offs -------------------------------------------------------------------------
    cutoffs: list[Cutoff] = []
    raw_cuts = raw.get("cutoffs")
    if not isinstance(raw_cuts, list) or not raw_cuts:
        bad("cutoffs", _("必须给出等级分界"), "required")
        raw_cuts = []
    for i, c in enumerate(raw_cuts):
        f = f"cutoffs[{i}]"
        if not isinstance(c, dict) or c.get("grade") not in GRADES:
            bad(f"{f}.grade", _("等级必须是 A、B、C、D 之一"))
            continue
        try:
            lo, hi = _num(c.get("min")), _num(c.get("max"))
        except TypeError:
            bad(f, _("分界必须是数字"))
            continue
        if lo is not None and hi is not None and lo >= hi:
            bad(f"{f}.max", _("上界必须大于下界"))
            continue
        cutoffs.append(Cutoff(grade=c["grade"], min=lo, max=hi))
    if len({c.grade for c in cutoffs}) != len(cutoffs):
        bad("cutoffs", _("同一等级出现了两次"), "duplicate")
    if cutoffs and len(cutoffs) == len(raw_cuts):
        order = sorted(range(len(cutoffs)), key=lambda i: _lo(cutoffs[i]))
        first, last = cutoffs[order[0]], cutoffs[order[-1]]
        if first.min is not None:
            bad(f"cutoffs[{order[0]}].min", _("最低一档的下界必须留空（低于它的分数没有等级）"), "gap")
        if last.max is not None:
            bad(f"cutoffs[{order[-1]}].max", _("最高一档的上界必须留空（高于它的分数没有等级）"), "gap")
        for a, b in itertools.pairwise(order):
            ca, cb = cutoffs[a], cutoffs[b]
            if ca.max is None or cb.min is None or cb.min < ca.max:
                bad(
                    f"cutoffs[{b}].min",
                    _("与第 %(n)d 档重叠") % {"n": a + 1},
                    "overlap",
                )
            elif cb.min > ca.max:
                bad(
                    f"cutoffs[{b}].min",
                    _("与第 %(n)d 档之间留有空档（%(lo)s 至 %(hi)s 的分数没有等级）")
                    % {"n": a + 1, "lo": ca.max, "hi": cb.min},
                    "gap",
                )

    # --- dimensions, indicators, rules ------------------------------------------------------
    indicators: list[Indicator] = []
    rules: list[Rule] = []
    names: dict[str, str] = {}
    total = 0.0
    dims = raw.get("dimensions")
    if not isinstance(dims, list) or not dims:
        bad("dimensions", _("至少需要一个评价维度"), "required")
        dims = []
    seen_codes: set[str] = set()
    for i, d in enumerate(dims):
        f = f"dimensions[{i}]"
        if not isinstance(d, dict) or not d.get("code"):
            bad(f"{f}.code", _("维度必须有代码"), "required")
            continue
        try:
            w = _num(d.get("weight"))
        except TypeError:
            w = None
        if w is None or w < 0:
            bad(f"{f}.weight", _("权重必须是非负数"))
            w = 0.0
        total += w
        names[str(d["code"])] = str(d.get("name") or d["code"])
        for j, ind in enumerate(d.get("indicators") or []):
            fi = f"{f}.indicators[{j}]"
            if not isinstance(ind, dict) or not ind.get("code"):
                bad(f"{fi}.code", _("指标必须有代码"), "required")
                continue
            code = str(ind["code"])
            if code in seen_codes:
                bad(f"{fi}.code", _("指标代码重复：%(c)s") % {"c": code}, "duplicate")
            seen_codes.add(code)
            try:
                cap = _num(ind.get("cap"))
            except TypeError:
                bad(f"{fi}.cap", _("封顶分必须是数字"))
                cap = None
            indicators.append(
                Indicator(
                    dimension=str(d["code"]),
                    code=code,
                    name=str(ind.get("name") or code),
                    weight=w,
                    cap_cents=None if cap is None else round(cap * w * 100),
                )
            )
            for k, r in enumerate(ind.get("rules") or []):
                fr = f"{fi}.rules[{k}]"
                if not isinstance(r, dict):
                    bad(fr, _("规则必须是一个对象"))
                    continue
                if r.get("kind") not in EVENT_KINDS:
                    bad(
                        f"{fr}.kind",
                        _("未知的信用事件类型：%(k)s") % {"k": r.get("kind")},
                        "unknown_event_kind",
                    )
                    continue
                sev = r.get("severity")
                if sev is not None and sev not in SEVERITIES:
                    bad(f"{fr}.severity", _("未知的严重程度：%(s)s") % {"s": sev})
                    continue
                decay = r.get("decay", "none")
                if decay not in DECAYS:
                    bad(f"{fr}.decay", _("衰减方式必须是 none 或 linear"))
                    continue
                try:
                    pts = _num(r.get("points"))
                except TypeError:
                    pts = None
                if pts is None:
                    bad(f"{fr}.points", _("分值必须是数字"), "required")
                    continue
                rules.append(
                    Rule(
                        dimension=str(d["code"]),
                        indicator=code,
                        kind=r["kind"],
                        severity=sev,
                        category=None if r.get("category") is None else str(r["category"]),
                        points=pts,
                        decay=decay,
                    )
                )
    if wsum is not None and dims and abs(total - wsum) > 1e-9:
        bad(
            "weight_sum",
            _("各维度权重合计为 %(t)s，与声明的 %(d)s 不符") % {"t": round(total, 6), "d": wsum},
            "weights",
        )
    if problems:
        raise Invalid(*problems)
    assert base is not None and wsum is not None
    return ModelSpec(
        base_points=base,
        weight_sum=wsum,
        cutoffs=tuple(cutoffs),
        indicators=tuple(indicators),
        rules=tuple(rules),
        dimension_names=names,
    )


def spec_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two specs, as flat ``{"path", "old", "new"}`` rows (for the review)."""
    out: list[dict[str, Any]] = []

    def flat(x: Any, prefix: str = "") -> dict[str, Any]:
        if isinstance(x, dict):
            res: dict[str, Any] = {}
            for k, v in x.items():
                key = k
                res.update(flat(v, f"{prefix}.{key}" if prefix else str(key)))
            return res
        if isinstance(x, list):
            res = {}
            for i, v in enumerate(x):
                label = v.get("code") or v.get("grade") if isinstance(v, dict) else None
                res.update(flat(v, f"{prefix}[{label or i}]"))
            return res
        return {prefix: x}

    a, b = flat(old or {}), flat(new)
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            out.append({"path": path, "old": a.get(path), "new": b.get(path)})
    return out
