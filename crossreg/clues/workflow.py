"""Remote handling of a clue bundle (在线处置): ONE table of allowed moves and who may make each.

``department`` moves need ``Capability.HANDLE_CLUES`` for one of the bundle's departments;
``enterprise`` is the entity itself, through the signed upload link it was sent (actor string
``enterprise:<entity id>``). Every move is written as a :class:`~crossreg.clues.models.BundleEvent`
and a ledger entry by :mod:`crossreg.clues.services`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crossreg.core.errors import Conflict, Forbidden
from crossreg.orgs.permissions import Capability, Principal

NEW, NOTIFIED, PROOF, CLOSED, TASK, CASE = "new", "notified", "proof_uploaded", "closed", "task", "case"

#: transition -> (from states, to state, party)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "notify": (frozenset({NEW}), NOTIFIED, "department"),
    "upload_proof": (frozenset({NOTIFIED}), PROOF, "enterprise"),
    "accept": (frozenset({PROOF}), CLOSED, "department"),
    "reject_proof": (frozenset({PROOF}), NOTIFIED, "department"),
    "dismiss": (frozenset({NEW}), CLOSED, "department"),
    "escalate_task": (frozenset({NEW, NOTIFIED, PROOF}), TASK, "department"),
    "escalate_case": (frozenset({NEW, NOTIFIED, PROOF, TASK}), CASE, "department"),
}

LABELS = {
    "notify": gettext_lazy("通知企业整改"),
    "upload_proof": gettext_lazy("上传整改材料"),
    "accept": gettext_lazy("审核通过并办结"),
    "reject_proof": gettext_lazy("退回整改材料"),
    "dismiss": gettext_lazy("核实无问题,办结"),
    "escalate_task": gettext_lazy("转现场检查"),
    "escalate_case": gettext_lazy("转立案"),
}


def may(
    *, principal: Principal | None, actor: Any, transition: str, bundle: Any, department_codes: Sequence[str]
) -> bool:
    """May this actor make ``transition`` on ``bundle`` now (state and party)?"""
    spec = TRANSITIONS.get(transition)
    if spec is None or bundle.handling not in spec[0]:
        return False
    return _party_ok(spec[2], principal, actor, bundle, department_codes)


def _party_ok(
    party: str, principal: Principal | None, actor: Any, bundle: Any, department_codes: Sequence[str]
) -> bool:
    if party == "enterprise":
        return isinstance(actor, str) and actor == f"enterprise:{bundle.entity_id}"
    if principal is None:
        return isinstance(actor, str) and actor.startswith("system:")
    return any(principal.can(Capability.HANDLE_CLUES, code) for code in department_codes)


def transition_check(*, bundle: Any, transition: str, actor: Any, department_codes: Sequence[str]) -> str:
    """The state ``transition`` leads to; ``Forbidden``/``Conflict`` if it is not allowed now."""
    spec = TRANSITIONS.get(transition)
    if spec is None:
        raise Conflict(_("未知的处置操作"), field="transition")
    froms, to, party = spec
    principal = None if isinstance(actor, str) else Principal.of(actor)
    if not _party_ok(party, principal, actor, bundle, department_codes):
        raise Forbidden(_("您无权进行此处置操作"), field="transition")
    if bundle.handling not in froms:
        raise Conflict(_("该线索当前状态不允许此操作(可能已被他人处理)"), field="transition")
    return to


def available(*, principal: Principal, bundle: Any, department_codes: Sequence[str]) -> list[str]:
    return [
        t
        for t in TRANSITIONS
        if may(
            principal=principal,
            actor=principal.user,
            transition=t,
            bundle=bundle,
            department_codes=department_codes,
        )
    ]
