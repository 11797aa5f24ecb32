"""The two catalog workflows, each one explicit table of allowed transitions.

**Compile** (编制) acts on an :class:`~crossreg.catalog.models.ItemVersion`::

    draft ─submit→ submitted ─convene→ joint_review ─(all concur)→ legality_review ─pass→ published
      ▲               │return               │object                      │return          │withdraw / supersede
      └───────────────┴─────────────────────┴────────────────────────────┘                ▼
                                                                                  withdrawn / superseded

**Adjust** (动态调整) acts on a :class:`~crossreg.catalog.models.ChangeRequest` filed by a county
approval bureau::

    draft ─file→ first_review ─pass→ legality_review ─pass→ published (new version; old one superseded)
      │cancel      │return / reject     │return
      ▼            ▼                    ▼
    cancelled   returned / rejected   returned ─file→ first_review …

Each row names the state it leaves, the transition, the state it enters, the user roles allowed to
make it and an extra condition on the user's department. ``system`` rows are made by the services
themselves (never by a user). Nothing leads to ``published`` except ``pass`` from
``legality_review``: nobody skips the justice bureau.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from crossreg.catalog.models import ChangeRequest, ItemVersion, Opinion
from crossreg.core.errors import Conflict, Forbidden

if TYPE_CHECKING:
    from crossreg.orgs.models import User

V = ItemVersion.Status
C = ChangeRequest.Status

SYSTEM = "system"
DRAFTERS = frozenset({"staff", "dept_admin"})
APPROVAL = frozenset({"approval"})
JUSTICE = frozenset({"justice"})
SYSTEM_ONLY = frozenset({SYSTEM})


# --- department conditions ------------------------------------------------------------------
# Each returns None when the user may act, or the reason (a Chinese UI string) when not.

Condition = Callable[[Any, Any], "str | None"]


def _dept(user: Any) -> Any:
    return getattr(user, "department", None)


def is_city_approval(dept: Any) -> bool:
    return dept is not None and dept.role == "approval" and dept.parent_id is None


def is_county_approval(dept: Any) -> bool:
    return dept is not None and dept.role == "approval" and dept.parent_id is not None


def is_city_justice(dept: Any) -> bool:
    return dept is not None and dept.role == "justice" and dept.parent_id is None


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) == "admin")


def can_import_file(user: Any) -> bool:
    """Who may use the import page (/catalog/work/import/): the city approval bureau, which owns the
    catalog, and administrators (who alone may also load an already-reviewed catalog as published)."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return is_admin(user) or (getattr(user, "role", None) == "approval" and is_city_approval(_dept(user)))


def own_department(user: Any, version: ItemVersion) -> str | None:
    if user.department_id is None or user.department_id != version.item.department_id:
        return str(_("只有事项的实施部门可以办理此草稿"))
    return None


def city_approval(user: Any, subject: Any) -> str | None:
    if not is_city_approval(_dept(user)):
        return str(_("只有市行政审批局可以办理"))
    return None


def city_justice(user: Any, subject: Any) -> str | None:
    if not is_city_justice(_dept(user)):
        return str(_("只有市司法局可以进行合法性审核"))
    return None


def involved_pending(user: Any, version: ItemVersion) -> str | None:
    dept_id = user.department_id
    if dept_id is None or dept_id == version.item.department_id:
        return str(_("本部门不是会审部门"))
    if not version.involved_departments.filter(pk=dept_id).exists():
        return str(_("本部门不是会审部门"))
    if version.opinions.filter(
        stage=Opinion.Stage.JOINT, review_round=version.review_round, department_id=dept_id
    ).exists():
        return str(_("本部门已在本轮会审中提出意见"))
    return None


def filing_county_approval(user: Any, cr: ChangeRequest) -> str | None:
    dept = _dept(user)
    if not is_county_approval(dept) or dept.pk != cr.department_id:
        return str(_("只有提出申请的县级行政审批局可以办理"))
    return None


def owner_opinion_given(cr: ChangeRequest) -> bool:
    """Has the item's own department given its opinion on the request since it was last filed?"""
    filed = (
        cr.events.filter(transition="file")
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    opinions = Opinion.objects.filter(
        version_id=cr.version_id, stage=Opinion.Stage.FIRST, department_id=cr.item.department_id
    )
    if filed is not None:
        opinions = opinions.filter(created_at__gte=filed)
    return opinions.exists()


def owning_department_pending(user: Any, cr: ChangeRequest) -> str | None:
    """The department that owns the item is asked during its adjustment (once per filing)."""
    if user.department_id is None or user.department_id != cr.item.department_id:
        return str(_("只有事项所属部门可以对调整申请提出意见"))
    if owner_opinion_given(cr):
        return str(_("本部门已对该调整申请提出意见"))
    return None


def city_approval_after_owner(user: Any, cr: ChangeRequest) -> str | None:
    """The city approval bureau passes a request once the item's department has been heard."""
    why = city_approval(user, cr)
    if why is not None:
        return why
    if not owner_opinion_given(cr):
        return str(_("请等待事项所属部门提出意见"))
    return None


def never(user: Any, subject: Any) -> str | None:
    return str(_("由系统自动流转"))


@dataclass(frozen=True)
class Transition:
    source: str
    name: str
    target: str
    roles: frozenset[str]
    condition: Condition
    label: str
    needs_reason: bool = False


def _t(
    source: str,
    name: str,
    target: str,
    roles: frozenset[str],
    condition: Condition,
    label: Any,
    reason: bool = False,
) -> Transition:
    return Transition(source, name, target, roles, condition, str(label), reason)


#: Compile workflow on ItemVersion. Target of ``concur`` stays joint_review; when the last involved
#: department concurs, the service makes the ``complete`` row.
COMPILE: tuple[Transition, ...] = (
    _t(V.DRAFT, "edit", V.DRAFT, DRAFTERS, own_department, _("编辑草稿")),
    _t(V.DRAFT, "submit", V.SUBMITTED, DRAFTERS, own_department, _("提交会审")),
    _t(V.DRAFT, "abandon", V.ABANDONED, DRAFTERS, own_department, _("放弃草稿")),
    _t(V.SUBMITTED, "convene", V.JOINT_REVIEW, APPROVAL, city_approval, _("组织集中会审")),
    _t(V.SUBMITTED, "return", V.DRAFT, APPROVAL, city_approval, _("退回修改"), reason=True),
    _t(V.JOINT_REVIEW, "concur", V.JOINT_REVIEW, DRAFTERS, involved_pending, _("同意")),
    _t(V.JOINT_REVIEW, "object", V.DRAFT, DRAFTERS, involved_pending, _("不同意"), reason=True),
    _t(V.JOINT_REVIEW, "complete", V.LEGALITY_REVIEW, SYSTEM_ONLY, never, _("会审通过")),
    _t(V.LEGALITY_REVIEW, "pass", V.PUBLISHED, JUSTICE, city_justice, _("审核通过并发布")),
    _t(V.LEGALITY_REVIEW, "return", V.DRAFT, JUSTICE, city_justice, _("退回并提出审核意见"), reason=True),
    _t(V.PUBLISHED, "withdraw", V.WITHDRAWN, APPROVAL, city_approval, _("废止"), reason=True),
    _t(V.PUBLISHED, "supersede", V.SUPERSEDED, SYSTEM_ONLY, never, _("被新版本替代")),
)

#: Adjust workflow on ChangeRequest.
ADJUST: tuple[Transition, ...] = (
    _t(C.DRAFT, "edit", C.DRAFT, APPROVAL, filing_county_approval, _("编辑调整内容")),
    _t(C.DRAFT, "file", C.FIRST_REVIEW, APPROVAL, filing_county_approval, _("提交市审批局初审")),
    _t(C.DRAFT, "cancel", C.CANCELLED, APPROVAL, filing_county_approval, _("撤回申请")),
    _t(C.RETURNED, "edit", C.RETURNED, APPROVAL, filing_county_approval, _("编辑调整内容")),
    _t(C.RETURNED, "file", C.FIRST_REVIEW, APPROVAL, filing_county_approval, _("重新提交")),
    _t(C.RETURNED, "cancel", C.CANCELLED, APPROVAL, filing_county_approval, _("撤回申请")),
    _t(
        C.FIRST_REVIEW,
        "owner_concur",
        C.FIRST_REVIEW,
        DRAFTERS,
        owning_department_pending,
        _("所属部门同意调整"),
    ),
    _t(
        C.FIRST_REVIEW,
        "owner_object",
        C.FIRST_REVIEW,
        DRAFTERS,
        owning_department_pending,
        _("所属部门不同意调整"),
        reason=True,
    ),
    _t(C.FIRST_REVIEW, "pass", C.LEGALITY_REVIEW, APPROVAL, city_approval_after_owner, _("初审通过")),
    _t(C.FIRST_REVIEW, "return", C.RETURNED, APPROVAL, city_approval, _("退回修改"), reason=True),
    _t(C.FIRST_REVIEW, "reject", C.REJECTED, APPROVAL, city_approval, _("不予调整"), reason=True),
    _t(C.LEGALITY_REVIEW, "pass", C.PUBLISHED, JUSTICE, city_justice, _("审核通过并发布")),
    _t(C.LEGALITY_REVIEW, "return", C.RETURNED, JUSTICE, city_justice, _("退回并提出审核意见"), reason=True),
)

#: The version state that goes with each change-request state.
ADJUST_VERSION_STATE: dict[str, str] = {
    C.DRAFT: V.DRAFT,
    C.RETURNED: V.DRAFT,
    C.FIRST_REVIEW: V.FIRST_REVIEW,
    C.LEGALITY_REVIEW: V.LEGALITY_REVIEW,
    C.PUBLISHED: V.PUBLISHED,
    C.REJECTED: V.ABANDONED,
    C.CANCELLED: V.ABANDONED,
}


def _labels(choices: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in choices}


def _index(table: tuple[Transition, ...]) -> dict[tuple[str, str], Transition]:
    out: dict[tuple[str, str], Transition] = {}
    for t in table:
        key = (str(t.source), t.name)
        assert key not in out, f"duplicate transition {key}"
        out[key] = t
    return out


_COMPILE = _index(COMPILE)
_ADJUST = _index(ADJUST)


def _find(
    table: dict[tuple[str, str], Transition], state: str, name: str, labels: dict[str, str]
) -> Transition:
    t = table.get((state, name))
    if t is None:
        raise Conflict(
            str(_("当前状态为“{state}”，不能执行“{name}”")).format(state=labels.get(state, state), name=name),
            field="transition",
            code="bad_state",
        )
    return t


def _authorise(t: Transition, user: User | None, subject: Any) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise Forbidden(str(_("请先登录")), field="actor", code="forbidden")
    if SYSTEM in t.roles or user.role not in t.roles:
        raise Forbidden(
            str(_("您的角色不能执行“{label}”")).format(label=t.label), field="actor", code="forbidden_role"
        )
    why = t.condition(user, subject)
    if why is not None:
        raise Forbidden(why, field="actor", code="forbidden_department")


def compile_check(version: ItemVersion, name: str, user: User | None) -> Transition:
    """The compile transition ``name`` from the version's state, if ``user`` may make it; else raise."""
    t = _find(_COMPILE, version.status, name, _labels(V.choices))
    _authorise(t, user, version)
    return t


def compile_system(version: ItemVersion, name: str) -> Transition:
    """A ``system`` row of the compile table (made by services, never by users)."""
    t = _find(_COMPILE, version.status, name, _labels(V.choices))
    assert SYSTEM in t.roles
    return t


def adjust_check(cr: ChangeRequest, name: str, user: User | None) -> Transition:
    t = _find(_ADJUST, cr.status, name, _labels(C.choices))
    _authorise(t, user, cr)
    return t


def _allowed(table: tuple[Transition, ...], state: str, user: Any, subject: Any) -> list[Transition]:
    out = []
    for t in table:
        if t.source != state or SYSTEM in t.roles or t.name == "edit":
            continue
        try:
            _authorise(t, user, subject)
        except Forbidden:
            continue
        out.append(t)
    return out


def compile_allowed(version: ItemVersion, user: Any) -> list[Transition]:
    """Transitions ``user`` may make now (for buttons); ``edit`` is reported by :func:`can_edit`."""
    if version.on_adjust_track:
        return []
    return _allowed(COMPILE, version.status, user, version)


def adjust_allowed(cr: ChangeRequest, user: Any) -> list[Transition]:
    return _allowed(ADJUST, cr.status, user, cr)


def can_edit(version: ItemVersion, user: Any) -> bool:
    try:
        if version.on_adjust_track:
            adjust_check(version.change_request, "edit", user)
        else:
            compile_check(version, "edit", user)
    except (Forbidden, Conflict):
        return False
    return True
