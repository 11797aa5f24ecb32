"""The justice bureau's legality review checklist (合法性审核要点) of a supervision item version.

Each line says what was checked and whether the version meets it. A version whose blocking
lines fail cannot pass legality review: :func:`legality_require` refuses it (the review page shows
the same list, so the reviewer sees why). The first line is the rule that every supervision item
rests on a power item (行政权力事项) — an item with none has no legal authority to inspect.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from crossreg.catalog.models import ItemVersion, PowerItem
from crossreg.core.errors import Invalid, Problem


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    ok: bool
    detail: str = ""
    field: str = ""
    blocking: bool = True


def legality_checklist(version: ItemVersion) -> list[Check]:
    powers = list(version.power_items.all())
    withdrawn = [p for p in powers if p.status == PowerItem.Status.WITHDRAWN]
    points = list(version.check_points.all())
    no_basis = [p.seq for p in points if not (p.legal_basis or "").strip()]
    return [
        Check(
            "power_item",
            _("关联了行政权力事项"),
            bool(powers),
            "、".join(f"{p.code} {p.name}" for p in powers) if powers else _("未关联任何行政权力事项"),
            field="power_items",
        ),
        Check(
            "power_item_valid",
            _("关联的行政权力事项均有效（未取消）"),
            not withdrawn,
            "、".join(f"{p.code} {p.name}" for p in withdrawn),
            field="power_items",
        ),
        Check(
            "legal_basis",
            _("写明了设定依据"),
            bool((version.legal_basis or "").strip()),
            field="legal_basis",
        ),
        Check(
            "check_points",
            _("有检查要点，且每项写明检查依据"),
            bool(points) and not no_basis,
            (_("第 %(seqs)s 项缺少检查依据") % {"seqs": "、".join(map(str, no_basis))})
            if no_basis
            else ("" if points else _("没有检查要点")),
            field="check_points",
            blocking=False,  # shown to the reviewer; the guideline's completeness is checked at submit
        ),
        Check("methods", _("选择了检查方式"), bool((version.methods or "").strip(",")), field="methods"),
    ]


def legality_require(version: ItemVersion) -> None:
    """Refuse (``Invalid``) a version whose blocking checklist lines fail."""
    # A withdrawn power item is refused by the publication itself, with the reason it was withdrawn
    # (services._withdrawn_power_items); here the lines no other step checks.
    failed = [
        c for c in legality_checklist(version) if c.blocking and not c.ok and c.code != "power_item_valid"
    ]
    if failed:
        raise Invalid(
            *[
                Problem(
                    message=_("合法性审核未通过：%(label)s%(detail)s")
                    % {"label": c.label, "detail": f"（{c.detail}）" if c.detail else ""},
                    field=c.field or None,
                    code=f"legality_{c.code}",
                )
                for c in failed
            ]
        )
