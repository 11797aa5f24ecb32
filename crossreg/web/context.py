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

Audience = Callable[[Any], bool]


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
    NavItem("dashboard", _("工作台"), _signed_in),
    NavItem("entity_search", _("市场主体"), _signed_in, also_current=("entity_detail",)),
    NavItem(
        "linking:base", _("跨部门对象库"), _signed_in, also_current=("linking:import", "linking:entity_360")
    ),
    NavItem("linking:review", _("关联审核"), _roles(User.Role.BIGDATA, User.Role.ADMIN)),
    NavItem(
        "catalog:work_index",
        _("事项办理"),
        _signed_in,
        also_current=(
            "catalog:work_overdue",
            "catalog:work_import",
            "catalog:work_import_confirm",
            "catalog:work_item",
            "catalog:work_version",
            "catalog:work_diff",
        ),
    ),
    NavItem("sampling:plan_list", _("双随机抽查"), _signed_in, also_current=("sampling:plan_detail",)),
    NavItem("inspections:task_list", _("检查任务"), _signed_in, also_current=("inspections:task_detail",)),
    NavItem(
        "complaints:inbox",
        _("投诉举报办理"),
        _signed_in,
        also_current=(
            "complaints:detail",
            "complaints:desk_new",
            "complaints:rewards",
            "complaints:stats",
            "complaints:unrouted",
        ),
    ),
    NavItem("ledger:index", _("执法全过程记录"), _signed_in),
    NavItem(
        "api:openapi-view",
        _("接口文档"),
        _roles(User.Role.BIGDATA, User.Role.ADMIN, User.Role.DEPT_ADMIN),
    ),
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
    return {"nav_items": nav_items_for(user, current)}
