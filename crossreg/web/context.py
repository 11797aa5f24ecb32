"""Template context: the role-aware navigation.

The navigation is one table, :data:`NAV`. Each item names a URL, a label (a Chinese source string,
translated by the English catalogue) and who may see it. An item whose URL does not resolve yet (a
module still being built) is left out, so a module adds its page here once and it appears when its
URLs are installed. Anonymous visitors get only the public items: nothing internal is even linked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crossreg.orgs.models import User
from crossreg.orgs.permissions import Capability, Principal

Audience = Callable[[Any], bool]
_C = Capability


def _public(user: Any) -> bool:
    return True


def _anonymous(user: Any) -> bool:
    return not user.is_authenticated


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def _staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def _roles(*roles: str) -> Audience:
    def check(user: Any) -> bool:
        return bool(user.is_authenticated and (user.is_superuser or getattr(user, "role", None) in roles))

    return check


def _caps(*caps: Capability) -> Audience:
    """Holds any of ``caps`` (administrators hold them all)."""

    def check(user: Any) -> bool:
        if not user.is_authenticated:
            return False
        p = Principal.from_user(user)
        return any(p.has(c) for c in caps)

    return check


def _sees_all(user: Any) -> bool:
    return bool(user.is_authenticated and getattr(user, "sees_all_departments", False))


def _any(*audiences: Audience) -> Audience:
    def check(user: Any) -> bool:
        return any(a(user) for a in audiences)

    return check


_R = User.Role
#: the roles that work on a department's supervision: tasks, plans, lists
_DEPARTMENT_WORK = _caps(_C.MANAGE_INSPECTIONS, _C.INSPECT, _C.VIEW_ALL)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    audience: Audience
    # URL names (besides url_name) under which this item is shown as the current one.
    also_current: tuple[str, ...] = ()


NAV: tuple[NavItem, ...] = (
    NavItem("home", _("首页"), _anonymous),
    NavItem("catalog:index", _("监管事项清单"), _anonymous, also_current=("catalog:item", "catalog:cross")),
    NavItem("sampling:public_plans", _("抽查公示"), _anonymous, also_current=("sampling:public_plan",)),
    NavItem("inspections:public_results", _("结果公示"), _anonymous),
    NavItem(
        "complaints:submit",
        _("投诉举报"),
        _anonymous,
        also_current=("complaints:track", "complaints:track_code"),
    ),
    NavItem("todo", _("我的待办"), _signed_in),
    NavItem("dashboard", _("工作台"), _signed_in),
    NavItem(
        "inspections:task_list",
        _("检查任务"),
        _DEPARTMENT_WORK,
        also_current=("inspections:task_detail",),
    ),
    NavItem(
        "sampling:plan_list",
        _("双随机抽查"),
        _caps(_C.MANAGE_INSPECTIONS, _C.VIEW_ALL, _C.AUDIT_DRAWS),
        also_current=("sampling:plan_detail", "sampling:plan_new", "sampling:period"),
    ),
    NavItem(
        "catalog:work_index",
        _("事项办理"),
        _any(
            _roles(_R.STAFF, _R.DEPT_ADMIN, _R.APPROVAL, _R.JUSTICE),
            _caps(_C.CONVENE_REVIEW, _C.LEGALITY_REVIEW),
        ),
        also_current=(
            "catalog:work_overdue",
            "catalog:work_import",
            "catalog:work_import_confirm",
            "catalog:work_item",
            "catalog:work_version",
            "catalog:work_diff",
            "catalog:work_change_request",
            "catalog:work_change_request_new",
        ),
    ),
    NavItem("cases:legal_queue", _("法制审核"), _caps(_C.CASE_LEGAL_REVIEW)),
    NavItem(
        "cases:list",
        _("行政执法案件"),
        _caps(_C.HANDLE_CASES, _C.DECIDE_CASES, _C.VIEW_ALL),
        also_current=("cases:detail", "cases:source", "cases:deadlines", "cases:simplified"),
    ),
    NavItem(
        "complaints:inbox",
        _("投诉举报办理"),
        _caps(_C.HANDLE_COMPLAINTS, _C.VIEW_ALL),
        also_current=(
            "complaints:detail",
            "complaints:desk_new",
            "complaints:stats",
            "complaints:unrouted",
        ),
    ),
    NavItem("complaints:rewards", _("举报奖励"), _caps(_C.APPROVE_REWARDS)),
    NavItem(
        "clues:inbox", _("监测线索"), _caps(_C.HANDLE_CLUES, _C.VIEW_ALL), also_current=("clues:bundle",)
    ),
    NavItem(
        "credit:models",
        _("信用监管"),
        _any(_caps(_C.CREDIT_REVIEW), _sees_all),
        also_current=("credit:model", "credit:repairs", "credit:repair", "credit:entity"),
    ),
    NavItem("entity_search", _("市场主体"), _caps(_C.VIEW_REGISTRY), also_current=("entity_detail",)),
    NavItem(
        "linking:base",
        _("跨部门对象库"),
        _any(_caps(_C.EDIT_ENTITY, _C.VIEW_ALL)),
        also_current=("linking:import", "linking:entity_360"),
    ),
    NavItem("linking:review", _("关联审核"), _roles(_R.BIGDATA, _R.ADMIN)),
    NavItem("ledger:index", _("执法全过程记录"), _signed_in, also_current=("ledger:subject",)),
    NavItem("api:openapi-view", _("接口文档"), _roles(_R.BIGDATA, _R.ADMIN, _R.DEPT_ADMIN)),
    NavItem("admin:index", _("系统管理"), _staff),
    NavItem("login", _("登录"), _anonymous),
)


@cache
def _url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def nav_items_for(user: Any, current: str | None = None) -> list[dict[str, Any]]:
    """The navigation items ``user`` may see, with their URL and whether each is the current page."""
    items = []
    for item in NAV:
        if not item.audience(user):
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        items.append(
            {
                "url_name": item.url_name,
                "url": url,
                "label": item.label,
                "current": current is not None and current in (item.url_name, *item.also_current),
            }
        )
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else None
    from crossreg.web.guide import guide_url_for

    return {
        "nav_items": nav_items_for(user, current),
        "help_url": guide_url_for(user),
        "header_q": request.GET.get("q", "")[:100] if current == "search" else "",
    }
