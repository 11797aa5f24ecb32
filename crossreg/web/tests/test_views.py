"""Views of the web UI: access, content, role-aware navigation, query counts, i18n."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossreg.entities.models import Entity
from crossreg.orgs.models import Department, Officer, User
from crossreg.web.selectors import dashboard_figures
from crossreg.web.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    DomainFactory,
    OfficerFactory,
    UserFactory,
    city_divisions,
    entity_make,
    source_record_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> dict:
    divisions = city_divisions()
    smr = DepartmentFactory.create(
        code="smr", name="盐城市市场监督管理局", short_name="市场监管", division=divisions["320900"]
    )
    approval = DepartmentFactory.create(
        code="approval",
        name="盐城市行政审批局",
        short_name="审批局",
        role=Department.Role.APPROVAL,
        division=divisions["320900"],
    )
    food = DomainFactory.create(code="food", name="食品安全")
    hengda = entity_make(name="盐城市恒达建材有限公司", division=divisions["320902"], legal_rep="张伟明")
    hengda.key_domains.add(food)
    entity_make(
        name="亭湖区李记小吃店",
        division=divisions["320902001"],
        entity_type=Entity.Type.INDIVIDUAL,
        legal_rep="李四",
    )
    entity_make(
        name="东台市鹤鸣餐饮管理有限公司",
        division=divisions["320981"],
        status=Entity.Status.CANCELLED,
        uscc=None,
    )
    OfficerFactory.create(department=smr)
    OfficerFactory.create(department=smr, status=Officer.Status.SUSPENDED)
    OfficerFactory.create(department=approval, valid_until=dt.date(2021, 1, 1))
    staff = UserFactory.create(username="smr_staff", department=smr, role=User.Role.STAFF)
    return {"divisions": divisions, "smr": smr, "hengda": hengda, "staff": staff}


@pytest.fixture
def staff_client(city: dict) -> Client:
    c = Client()
    assert c.login(username="smr_staff", password=PASSWORD)
    return c


# --- anonymous visitors see nothing internal ---------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard", "entity_search"])
def test_anonymous_is_redirected_to_login(client: Client, city: dict, name: str) -> None:
    url = reverse(name)
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_entity_page_redirects_and_leaks_nothing(client: Client, city: dict) -> None:
    url = reverse("entity_detail", args=[city["hengda"].pk])
    r = client.get(url, follow=True)
    html = r.content.decode()
    assert r.redirect_chain[0][0].startswith(reverse("login"))
    assert "恒达" not in html and city["hengda"].uscc not in html


def test_home_is_public_with_public_links_only(client: Client, city: dict) -> None:
    html = client.get(reverse("home")).content.decode()
    assert "盐城市跨部门综合监管平台" in html
    assert reverse("login") in html
    for internal in (reverse("dashboard"), reverse("entity_search"), "/admin/", "/api/v1/docs"):
        assert f'href="{internal}"' not in html


def test_login_page_and_login_flow(client: Client, city: dict) -> None:
    r = client.get(reverse("login"))
    assert r.status_code == 200 and 'name="password"' in r.content.decode()
    r = client.post(reverse("login"), {"username": "smr_staff", "password": "wrong"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    r = client.post(reverse("login"), {"username": "smr_staff", "password": PASSWORD})
    # signed in: to the start, which sends department staff on to their to-do list (issue 18)
    assert r.status_code == 302 and r["Location"] == reverse("start")
    assert client.get(reverse("start"))["Location"] == reverse("todo")


def test_logout_is_a_post(staff_client: Client) -> None:
    assert staff_client.get(reverse("logout")).status_code == 405
    staff_client.post(reverse("logout"))
    assert staff_client.get(reverse("dashboard")).status_code == 302


# --- navigation depends on the role ----------------------------------------------------------


def _nav(html: str) -> str:
    return html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]


def test_navigation_for_staff_and_admin(city: dict) -> None:
    c = Client()
    c.force_login(city["staff"])
    nav = _nav(c.get(reverse("dashboard")).content.decode())
    assert 'href="/dashboard/" aria-current="page"' in nav
    assert 'href="/entities/"' in nav
    assert "/admin/" not in nav and "/api/v1/docs" not in nav and 'href="/login/"' not in nav

    admin = UserFactory.create(username="root", role=User.Role.ADMIN, is_staff=True, department=city["smr"])
    c.force_login(admin)
    nav = _nav(c.get(reverse("dashboard")).content.decode())
    assert 'href="/admin/"' in nav and 'href="/api/v1/docs"' in nav


def test_user_menu_shows_department_and_role(staff_client: Client) -> None:
    html = staff_client.get(reverse("dashboard")).content.decode()
    menu = html.split('data-testid="user-menu"', 1)[1].split("</div>", 1)[0]
    assert "盐城市市场监督管理局" in menu and "部门工作人员" in menu
    assert f'action="{reverse("logout")}"' in menu


# --- dashboard --------------------------------------------------------------------------------


def test_dashboard_figures(city: dict) -> None:
    fig = dashboard_figures(user=city["staff"], today=dt.date(2025, 6, 1))
    assert fig.entities_total == 3
    assert fig.entities_active == 2
    assert {b.key: b.value for b in fig.entities_by_type} == {"enterprise": 2, "individual": 1}
    assert {b.label: b.value for b in fig.entities_by_county} == {"亭湖区": 2, "东台市": 1}
    assert fig.departments == 2 and fig.departments_supervising == 1
    # the market regulator's staff see its officers, not the approval bureau's expired one
    assert fig.scope == "smr"
    assert (fig.officers_total, fig.officers_active, fig.officers_suspended, fig.officers_expired) == (
        2,
        1,
        1,
        0,
    )


def _dashboard_people(city: dict) -> dict[str, User]:
    approval = Department.objects.get(role=Department.Role.APPROVAL)
    bigdata = DepartmentFactory.create(code="dsj", name="盐城市大数据管理局", role=Department.Role.BIGDATA)
    make = UserFactory.create
    return {
        "smr_staff": city["staff"],
        "smr_officer": make(username="smr_off", role=User.Role.OFFICER, department=city["smr"]),
        "approval": make(username="spj", role=User.Role.APPROVAL, department=approval),
        "no_dept": make(username="nodept", role=User.Role.STAFF, department=None),
        "leader": make(username="leader", role=User.Role.LEADER, department=None),
        "bigdata": make(username="dsj", role=User.Role.BIGDATA, department=bigdata),
        "admin": make(username="root", role=User.Role.ADMIN, is_staff=True, department=None),
    }


# role → whose departmental figures: (scope, officers total/active/suspended/expired, supervised
# entities). The public figures (registry, departments, ledger size) are the same for everyone.
DASHBOARD_TABLE = {
    "smr_staff": ("smr", (2, 1, 1, 0), 1),
    "smr_officer": ("smr", (2, 1, 1, 0), 1),
    "approval": ("approval", (1, 0, 0, 1), 0),
    "no_dept": (None, (0, 0, 0, 0), 0),  # acts for no department: public figures only
    "leader": ("city", (3, 1, 1, 1), 2),
    "bigdata": ("city", (3, 1, 1, 1), 2),
    "admin": ("city", (3, 1, 1, 1), 2),
}


def test_dashboard_figures_by_role(city: dict) -> None:
    people = _dashboard_people(city)
    hengda = city["hengda"]
    source_record_make(hengda, city["smr"], "smr-1")
    other = Entity.objects.exclude(pk=hengda.pk)[0]
    source_record_make(other, Department.objects.get(role=Department.Role.APPROVAL), "spj-1", current=False)
    source_record_make(other, DepartmentFactory.create(code="hbj", name="盐城市生态环境局"), "hbj-1")
    public = None
    for name, (scope, officers, supervised) in DASHBOARD_TABLE.items():
        fig = dashboard_figures(user=people[name], today=dt.date(2025, 6, 1))
        got = (
            fig.scope,
            (fig.officers_total, fig.officers_active, fig.officers_suspended, fig.officers_expired),
        )
        assert got == (scope, officers), name
        assert fig.supervised_entities == supervised, name
        shown = (fig.entities_total, fig.departments, fig.ledger_entries)
        assert public in (None, shown), name
        public = shown


# session, user, the two OTP device lookups, the figures, and the panels other apps add (complaint
# statistics: six aggregate queries, whatever the city's size)
@pytest.mark.parametrize(("name", "queries"), [("smr_staff", 19), ("no_dept", 15), ("leader", 20)])
def test_dashboard_page_and_query_count(city: dict, name: str, queries: int) -> None:
    client = Client()
    client.force_login(_dashboard_people(city)[name])

    def page() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(reverse("dashboard"))
        assert r.status_code == 200
        return r.content.decode(), len(ctx.captured_queries)

    _, small = page()
    # Grow the city: the number of queries must not grow with it.
    for i in range(20):
        e = entity_make(name=f"盐城市新{i}号科技有限公司", division=city["divisions"]["320903"])
        source_record_make(e, city["smr"], f"smr-new-{i}")
    html, large = page()
    assert small == large == queries
    stat = html.split('data-testid="stat-entities"', 1)[1].split("</div>", 1)[0]
    assert ">23<" in stat
    assert "盐都区" in html and "亭湖区" in html
    scoped = (
        html.split('data-testid="scope-figures"', 1)[1].split("</section>", 1)[0] if name != "no_dept" else ""
    )
    if name == "smr_staff":
        assert "盐城市市场监督管理局的数据，以及全市公开数据" in html
        assert 'data-testid="stat-supervised"' in scoped and ">20<" in scoped
    elif name == "leader":
        assert "全市监管数据概览" in html and ">3<" in scoped.split('data-testid="stat-officers"', 1)[1]
    else:
        assert 'data-testid="stat-officers"' not in html and "全市公开数据概览" in html


# --- entity search -----------------------------------------------------------------------------


def _result_names(html: str) -> list[str]:
    if 'data-testid="results"' not in html:
        return []
    block = html.split('data-testid="results"', 1)[1].split("</ol>", 1)[0]
    return [part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in block.split('class="result-title"')[1:]]


def test_search_by_uscc(staff_client: Client, city: dict) -> None:
    uscc = city["hengda"].uscc
    html = staff_client.get(reverse("entity_search"), {"q": uscc.lower()}).content.decode()
    assert _result_names(html) == ["盐城市恒达建材有限公司"]


@pytest.mark.parametrize(
    "variant", ["盐城市恒达建材有限责任公司", "盐城市恒达建材有限公司", "恒达建材", "盐城市恒达建材有限公司 "]
)
def test_search_by_name_variant(staff_client: Client, city: dict, variant: str) -> None:
    html = staff_client.get(reverse("entity_search"), {"q": variant}).content.decode()
    assert "盐城市恒达建材有限公司" in _result_names(html)


def test_search_region_filter(staff_client: Client, city: dict) -> None:
    html = staff_client.get(reverse("entity_search"), {"division": "320981"}).content.decode()
    assert _result_names(html) == ["东台市鹤鸣餐饮管理有限公司"]
    html = staff_client.get(reverse("entity_search"), {"q": "恒达", "division": "320981"}).content.decode()
    assert _result_names(html) == []
    assert 'data-testid="no-results"' in html


def test_search_masks_legal_representative(staff_client: Client, city: dict) -> None:
    html = staff_client.get(reverse("entity_search"), {"q": "恒达"}).content.decode()
    assert "张*明" in html and "张伟明" not in html


def test_search_without_js_renders_full_page_and_htmx_gets_partial(staff_client: Client, city: dict) -> None:
    full = staff_client.get(reverse("entity_search"), {"q": "恒达"}).content.decode()
    assert "<html" in full and 'id="search-results"' in full and 'hx-get="/entities/"' in full
    partial = staff_client.get(
        reverse("entity_search"), {"q": "恒达"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial and "盐城市恒达建材有限公司" in _result_names(partial)


def test_search_query_count_is_bounded(
    staff_client: Client, city: dict, django_assert_max_num_queries
) -> None:
    for i in range(30):
        entity_make(name=f"盐城市恒达{i:02d}建材有限公司", division=city["divisions"]["320902"])
    with django_assert_max_num_queries(
        11
    ):  # constant (incl. the county filter's choices): 31 hits would show an N+1
        html = staff_client.get(reverse("entity_search"), {"q": "盐城市恒达建材有限公司"}).content.decode()
    names = _result_names(html)
    assert names[0] == "盐城市恒达建材有限公司" and len(names) == 31


def test_empty_search_shows_prompt(staff_client: Client, city: dict) -> None:
    r = staff_client.get(reverse("entity_search"))
    assert r.status_code == 200 and _result_names(r.content.decode()) == []


# --- entity page -------------------------------------------------------------------------------


def test_entity_page_shows_registry_fields(staff_client: Client, city: dict) -> None:
    e = city["hengda"]
    html = staff_client.get(reverse("entity_detail", args=[e.pk])).content.decode()
    assert e.uscc in html and "校验通过" in html
    parts = html.split('data-testid="name-parts"', 1)[1].split("</ul>", 1)[0]
    for part in ("盐城市", "恒达", "建材", "有限公司"):
        assert part in parts
    assert "食品安全" in html.split('data-testid="key-domains"', 1)[1].split("</dd>", 1)[0]
    assert "credit-B" in html
    assert "亭湖区" in html  # registering division decoded from the USCC
    # Its record is for the departments that supervise it: not yet the market regulator …
    assert "/ledger/subject/" not in html and "本主体共有" not in html
    assert 'data-testid="ledger-scoped"' in html
    # … until the entity is on its list; then the page links to its timeline, with its creation.
    source_record_make(e, city["smr"], "smr-1")
    html = staff_client.get(reverse("entity_detail", args=[e.pk])).content.decode()
    assert f'href="/ledger/subject/entity/{e.pk}/"' in html
    assert "本主体共有 1 条记录。" in html


def test_entity_without_uscc_is_flagged(staff_client: Client, city: dict) -> None:
    e = Entity.objects.get(name="东台市鹤鸣餐饮管理有限公司")
    html = staff_client.get(reverse("entity_detail", args=[e.pk])).content.decode()
    assert "缺少统一社会信用代码" in html


def test_unknown_entity_is_404(staff_client: Client) -> None:
    assert staff_client.get(reverse("entity_detail", args=[999999])).status_code == 404


# --- i18n --------------------------------------------------------------------------------------


def test_english_is_switchable(staff_client: Client) -> None:
    r = staff_client.post(reverse("set_language"), {"language": "en", "next": reverse("dashboard")})
    assert r.status_code == 302
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert '<html lang="en">' in html
    assert "Dashboard" in html and "Market entities" in html
    assert "Cross-Department Supervision Platform" in html
    assert "工作台" not in html


def test_chinese_is_the_default(staff_client: Client) -> None:
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert '<html lang="zh-Hans">' in html and "工作台" in html


def test_not_found_page_uses_the_layout(staff_client: Client, settings) -> None:
    settings.DEBUG = False
    r = staff_client.get("/no-such-page/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "页面不存在" in html and 'class="site-header"' in html
