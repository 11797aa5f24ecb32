"""Item content: validating references, reading a version back as :class:`ItemContent`, hashing and
rendering it canonically (for idempotent import and for the version diff)."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crossreg.catalog.models import CheckPoint, ItemVersion, Method, PowerItem
from crossreg.catalog.schemas import CheckPointData, ItemContent
from crossreg.core.errors import ProblemList
from crossreg.entities.data.industries import DIVISIONS
from crossreg.orgs.models import Department, Domain

INDUSTRY_CODES = frozenset(code for code, _s, _n in DIVISIONS)
METHOD_CODES = frozenset(Method.values)


@dataclass
class Refs:
    """Lookup tables for the references an item's content makes (loaded once per import)."""

    departments: dict[str, Department] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    power_items: dict[str, PowerItem] = field(default_factory=dict)

    @classmethod
    def load(cls, *, power_codes: Iterable[str] | None = None) -> Refs:
        pis = PowerItem.objects.all()
        if power_codes is not None:
            pis = pis.filter(code__in=set(power_codes))
        return cls(
            departments={d.code: d for d in Department.objects.all()},
            domains={d.code: d for d in Domain.objects.all()},
            power_items={p.code: p for p in pis},
        )


def content_check(
    content: ItemContent, refs: Refs, problems: ProblemList, *, row: int | None = None, complete: bool = False
) -> None:
    """Add a problem for each unknown reference; with ``complete``, also for what review needs."""
    if content.department not in refs.departments:
        problems.add(
            _("未知部门代码“%(code)s”") % {"code": content.department},
            field="department",
            code="unknown",
            row=row,
        )
    for code in content.power_items:
        if code not in refs.power_items:
            problems.add(
                _("未知行政权力事项“%(code)s”") % {"code": code}, field="power_items", code="unknown", row=row
            )
    for code in content.domains:
        if code not in refs.domains:
            problems.add(
                _("未知领域代码“%(code)s”") % {"code": code}, field="domains", code="unknown", row=row
            )
    for code in content.industries:
        if code not in INDUSTRY_CODES:
            problems.add(
                _("“%(code)s”不是 GB/T 4754-2017 行业大类代码") % {"code": code},
                field="industries",
                code="unknown",
                row=row,
            )
    for code in content.involved_departments:
        if code not in refs.departments:
            problems.add(
                _("未知会审部门代码“%(code)s”") % {"code": code},
                field="involved_departments",
                code="unknown",
                row=row,
            )
    seqs = [p.seq for p in content.check_points]
    if len(seqs) != len(set(seqs)):
        problems.add(_("检查要点序号重复"), field="check_points", code="duplicate", row=row)
    if complete:
        if not content.legal_basis.strip():
            problems.add(_("缺少设定依据"), field="legal_basis", code="required", row=row)
        if not content.methods:
            problems.add(_("至少选择一种检查方式"), field="methods", code="required", row=row)
        if not content.check_points:
            problems.add(_("工作指引至少需要一个检查要点"), field="check_points", code="required", row=row)
        if not content.procedure.strip():
            problems.add(_("缺少检查程序"), field="procedure", code="required", row=row)


def content_of(version: ItemVersion) -> ItemContent:
    """The content of ``version``. Prefetch ``domains``, ``power_items``, ``involved_departments`` and
    ``check_points`` when reading many."""
    return ItemContent(
        code=version.item.code,
        name=version.name,
        department=version.item.department_id,
        legal_basis=version.legal_basis,
        power_items=sorted(p.code for p in version.power_items.all()),
        methods=version.method_list,  # type: ignore[arg-type]
        entity_types=version.entity_type_list,  # type: ignore[arg-type]
        industries=version.industry_list,
        domains=sorted(d.code for d in version.domains.all()),
        default_ratio=version.default_ratio,
        default_frequency=version.default_frequency,
        procedure=version.procedure,
        method=version.method_text,
        involved_departments=sorted(d.code for d in version.involved_departments.all()),
        check_points=[
            CheckPointData(
                seq=p.seq, content=p.content, legal_basis=p.legal_basis, finding=p.finding, method=p.method
            )
            for p in sorted(version.check_points.all(), key=lambda p: p.seq)
        ],
    )


def _delimited(values: Iterable[str]) -> str:
    vals = [v for v in values if v]
    return "," + ",".join(vals) + "," if vals else ""


def _normal(content: ItemContent) -> dict[str, Any]:
    data = content.model_dump(mode="json")
    for key in ("power_items", "domains", "involved_departments", "industries", "entity_types"):
        data[key] = sorted(set(data[key]))
    order = [m for m in Method.values if m in set(data["methods"])]
    data["methods"] = order
    if content.default_ratio is not None:
        data["default_ratio"] = format(content.default_ratio.quantize(Decimal("0.01")), "f")
    data["check_points"] = sorted(data["check_points"], key=lambda p: p["seq"])
    return data


def content_hash(content: ItemContent) -> str:
    return hashlib.sha256(
        json.dumps(_normal(content), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def content_apply(version: ItemVersion, content: ItemContent, refs: Refs, *, save_m2m: bool = True) -> None:
    """Copy ``content`` into ``version`` (already saved) and replace its check points."""
    n = _normal(content)
    version.name = content.name
    version.legal_basis = content.legal_basis
    version.methods = _delimited(n["methods"])
    version.entity_types = _delimited(n["entity_types"])
    version.industry_codes = _delimited(n["industries"])
    version.default_ratio = content.default_ratio
    version.default_frequency = content.default_frequency
    version.procedure = content.procedure
    version.method_text = content.method
    version.content_hash = content_hash(content)
    version.point_count = len(content.check_points)
    version.save()
    if save_m2m:
        version.domains.set([refs.domains[c] for c in n["domains"]])
        version.power_items.set([refs.power_items[c] for c in n["power_items"]])
        version.involved_departments.set([refs.departments[c] for c in n["involved_departments"]])
        version.check_points.all().delete()
        CheckPoint.objects.bulk_create(
            [
                CheckPoint(
                    version=version,
                    seq=p.seq,
                    content=p.content,
                    legal_basis=p.legal_basis,
                    finding=p.finding,
                    method=p.method,
                )
                for p in content.check_points
            ]
        )


_LABELS = {
    "name": gettext_lazy("事项名称"),
    "department": gettext_lazy("实施部门"),
    "legal_basis": gettext_lazy("设定依据"),
    "power_items": gettext_lazy("关联权力事项"),
    "methods": gettext_lazy("检查方式"),
    "entity_types": gettext_lazy("适用主体类型"),
    "industries": gettext_lazy("适用行业"),
    "domains": gettext_lazy("重点领域"),
    "default_ratio": gettext_lazy("默认抽查比例(%)"),
    "default_frequency": gettext_lazy("默认检查频次"),
    "procedure": gettext_lazy("检查程序"),
    "method": gettext_lazy("检查方法"),
    "involved_departments": gettext_lazy("会审部门"),
}
_ENTITY_TYPES = {
    "enterprise": gettext_lazy("企业"),
    "individual": gettext_lazy("个体工商户"),
    "coop": gettext_lazy("农民专业合作社"),
    "other": gettext_lazy("其他"),
}


def _display_names(contents: Iterable[ItemContent]) -> dict[str, dict[str, str]]:
    """Names for the codes the contents refer to (departments, domains, industries): one query each."""
    contents = list(contents)
    depts = {c.department for c in contents} | {d for c in contents for d in c.involved_departments}
    domains = {d for c in contents for d in c.domains}
    industries = {i for c in contents for i in c.industries}
    from crossreg.entities.models import Industry

    return {
        "department": dict(Department.objects.filter(code__in=depts).values_list("code", "name")),
        "domains": dict(Domain.objects.filter(code__in=domains).values_list("code", "name")),
        "industries": {
            code: f"{code} {name}"
            for code, name in Industry.objects.filter(code__in=industries).values_list("code", "name")
        },
        "methods": {str(k): str(v) for k, v in Method.choices},
        "entity_types": {k: str(v) for k, v in _ENTITY_TYPES.items()},
    }


def content_render(content: ItemContent, names: dict[str, dict[str, str]] | None = None) -> list[str]:
    """A line-by-line rendering, the input of the version diff: codes shown by their names
    (departments, methods, entity types, domains, industries), in the current language."""
    names = names if names is not None else _display_names([content])
    by_key = {
        "department": names.get("department", {}),
        "involved_departments": names.get("department", {}),
        "domains": names.get("domains", {}),
        "industries": names.get("industries", {}),
        "methods": names.get("methods", {}),
        "entity_types": names.get("entity_types", {}),
    }
    n = _normal(content)
    lines = [f"{_('编码')}: {content.code}"]
    for key, label in _LABELS.items():
        value = n[key]
        table = by_key.get(key)
        if isinstance(value, list):
            value = "、".join(str(table.get(v, v)) for v in value) if table else "、".join(value)
        elif table and value:
            value = table.get(str(value), value)
        text = "" if value is None else str(value)
        parts = text.splitlines() or [""]
        lines.append(f"{label}: {parts[0]}")
        lines.extend(f"    {p}" for p in parts[1:])
    point, basis, finding, method = _("要点"), _("依据"), _("问题认定"), _("方法")
    for p in n["check_points"]:
        lines.append(f"{point}{p['seq']}: {p['content']}")
        lines.append(f"  {point}{p['seq']}·{basis}: {p['legal_basis']}")
        lines.append(f"  {point}{p['seq']}·{finding}: {p['finding']}")
        lines.append(f"  {point}{p['seq']}·{method}: {p['method']}")
    return lines


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "add" | "del"
    text: str


def content_diff(a: ItemContent, b: ItemContent) -> list[DiffLine]:
    """Line diff from ``a`` to ``b`` (difflib over :func:`content_render`)."""
    out: list[DiffLine] = []
    names = _display_names([a, b])
    for line in difflib.ndiff(content_render(a, names), content_render(b, names)):
        tag, text = line[:2], line[2:]
        if tag == "  ":
            out.append(DiffLine("same", text))
        elif tag == "+ ":
            out.append(DiffLine("add", text))
        elif tag == "- ":
            out.append(DiffLine("del", text))
    return out
