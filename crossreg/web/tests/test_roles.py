"""Each role its own way in (issue 18): its own menu, with no link that answers 403, and its own
landing page after signing in; the header search and the help pages.

The roles and where they land are written here, not derived from the code.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from crossreg.orgs.models import Department, User
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.web.context import nav_items_for
from crossreg.web.tests.factories import PASSWORD, UserFactory, demo_city

pytestmark = pytest.mark.django_db

#: role, department key, where the role lands, a menu item it must have, one it must not
ROLES: list[tuple[str, str, str, str, str | None]] = [
    ("officer", "smr", "/inspections/", "检查任务", "双随机抽查"),
    ("staff", "smr", "/todo/", "我的待办", "关联审核"),
    ("dept_admin", "smr", "/todo/", "接口文档", "关联审核"),
    ("dept_head", "smr", "/todo/", "行政执法案件", "双随机抽查"),
    ("legal", "smr", "/cases/legal/", "法制审核", "双随机抽查"),
    ("approval", "approval", "/todo/", "事项办理", "检查任务"),
    ("justice", "justice", "/catalog/work/", "事项办理", "检查任务"),
    ("leader", "leader", "/dashboard/", "工作台", "事项办理"),
    ("bigdata", "bigdata", "/dashboard/", "关联审核", "事项办理"),
    ("hotline", "hotline", "/complaints/", "投诉举报办理", "检查任务"),
    ("finance", "finance", "/complaints/rewards/", "举报奖励", "检查任务"),
    ("credit", "credit", "/credit/models/", "信用监管", "检查任务"),
    ("auditor", "auditor", "/sampling/", "双随机抽查", "事项办理"),
    ("admin", "bigdata", "/dashboard/", "系统管理", None),
]


def add_role_departments(c: dict[str, Any]) -> None:
    """The departments of the roles the small demo city lacks (leadership, hotline, finance …)."""
    depts = c["departments"]
    for code, name, role in (
        ("leader", "盐城市人民政府", Department.Role.LEADERSHIP),
        ("hotline", "盐城市12345热线", Department.Role.SUPERVISING),
        ("finance", "盐城市财政局", Department.Role.SUPERVISING),
        ("credit", "盐城市发展和改革委员会", Department.Role.SUPERVISING),
        ("auditor", "盐城市纪委监委", Department.Role.SUPERVISING),
    ):
        depts[code] = DepartmentFactory.create(code=code, name=name, short_name=name[3:], role=role)


@pytest.fixture
def city() -> dict[str, Any]:
    c = demo_city(entities_per_county=1)
    add_role_departments(c)
    return c


def _user(city: dict[str, Any], role: str, dept: str) -> User:
    return UserFactory.create(
        username=f"u_{role}",
        role=role,
        department=city["departments"][dept],
        is_staff=role == "admin",
        is_superuser=role == "admin",
    )


def _nav_links(html: str) -> list[tuple[str, str]]:
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


@pytest.mark.parametrize(("role", "dept", "landing", "has", "lacks"), ROLES)
def test_each_role_lands_on_its_work_and_every_menu_link_opens(
    city: dict[str, Any], role: str, dept: str, landing: str, has: str, lacks: str | None
) -> None:
    user = _user(city, role, dept)
    c = Client()
    # signing in through the form lands on the role's work
    resp = c.post("/login/", {"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/start/"
    start = c.get("/start/")
    assert start.status_code == 302 and start["Location"] == landing
    page = c.get(landing)
    assert page.status_code == 200
    links = _nav_links(page.content.decode())
    labels = [label for _url, label in links]
    assert has in labels
    if lacks:
        assert lacks not in labels
    # no link of the menu answers 403 (or anything but a page)
    for url, label in links:
        status = c.get(url).status_code
        assert status == 200, f"{role}: menu link {label} ({url}) answered {status}"


def test_officers_menu_has_no_plan_creation_and_anonymous_sees_only_public_items(
    city: dict[str, Any],
) -> None:
    from django.contrib.auth.models import AnonymousUser

    officer = _user(city, "officer", "smr")
    labels = [i["label"] for i in nav_items_for(officer)]
    assert "双随机抽查" not in labels and "系统管理" not in labels
    public = [str(i["label"]) for i in nav_items_for(AnonymousUser())]
    assert public == ["首页", "监管事项清单", "抽查公示", "结果公示", "投诉举报", "登录"]


def test_header_search_finds_entities_tasks_plans_and_items_in_scope(city: dict[str, Any]) -> None:
    staff = city["staff"]
    c = Client()
    c.force_login(staff)
    html = c.get("/search/", {"q": "恒达"}).content.decode()
    assert 'data-testid="search-entities"' in html and city["hengda"].name in html
    # the public finds no entity (the registry is internal), only published things
    anon = Client().get("/search/", {"q": "恒达"}).content.decode()
    assert city["hengda"].name not in anon
    assert 'data-testid="search-empty"' in anon
    # every page has the search box and a help link to the role's guide
    page = c.get("/todo/").content.decode()
    assert 'data-testid="header-search"' in page
    assert 'href="/help/staff/"' in page


def test_help_pages_render_every_guide_and_refuse_unknown_names(city: dict[str, Any]) -> None:
    from crossreg.web.guide import GUIDES

    c = Client()
    for name in GUIDES:
        resp = c.get(f"/help/{name}/")
        assert resp.status_code == 200, name
        assert 'data-testid="guide"' in resp.content.decode()
    assert c.get("/help/nobody/").status_code == 404
    assert c.get("/help/../settings/").status_code == 404


def test_guide_markdown_is_escaped() -> None:
    from crossreg.web.guide import render_markdown

    html = str(render_markdown("# T\n\n<script>x</script> **b** [l](/todo/) [bad](javascript:alert)"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>b</strong>" in html and '<a href="/todo/">l</a>' in html
    assert "javascript:" not in html
