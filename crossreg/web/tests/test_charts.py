"""The leaders' charts and the map: figures by period, month, county and township, scoped to the
principal, in a fixed number of queries; the pages, the dashboard panel and the vendored assets."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crossreg.clues.models import ClueBundle
from crossreg.entities.models import Entity
from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskPoint, TaskStatus, Trigger
from crossreg.orgs.data.divisions import COUNTIES
from crossreg.orgs.models import Department, Division, User
from crossreg.orgs.permissions import Principal
from crossreg.sampling.models import SamplingPlan, Selection
from crossreg.web import charts
from crossreg.web.tests.factories import COUNTIES as CITY_COUNTIES
from crossreg.web.tests.factories import UserFactory, demo_city, entity_make

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "crossreg" / "static"
TODAY = dt.date(2025, 12, 10)
_codes = iter(range(1, 10_000))


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def task_make(
    entity: Entity,
    period: str,
    lead: Department,
    *,
    others: tuple[Department, ...] = (),
    trigger: str = Trigger.RANDOM,
    status: str = TaskStatus.ASSIGNED,
    inspected_on: dt.date | None = None,
    published_on: dt.date | None = None,
    result_due: dt.date | None = None,
    findings: int = 0,
    gps: tuple[float, float] | None = None,
) -> InspectionTask:
    year, q = int(period[:4]), int(period[-1])
    start = dt.date(year, 3 * q - 2, 1)
    task = InspectionTask.objects.create(
        code=f"T-{next(_codes):05d}",
        trigger=trigger,
        source_ref="" if trigger == Trigger.RANDOM else f"ref-{next(_codes)}",
        period=period,
        entity=entity,
        joint=bool(others),
        lead_department=lead,
        status=status,
        window_start=start,
        window_end=start + dt.timedelta(days=80),
        inspected_on=inspected_on,
        submitted_at=_at(inspected_on) if inspected_on else None,
        published_at=_at(published_on) if published_on else None,
        result_due=result_due,
        location_lat=gps[0] if gps else None,
        location_lng=gps[1] if gps else None,
    )
    TaskDepartment.objects.create(task=task, department=lead, role="lead")
    for d in others:
        TaskDepartment.objects.create(task=task, department=d, role="joint")
    for seq in range(1, findings + 2):
        TaskPoint.objects.create(
            task=task, seq=seq, content=f"检查点{seq}", result="finding" if seq <= findings else "pass"
        )
    return task


def selections_make(dept: Department, period: str, entities: list[Entity]) -> None:
    year, q = int(period[:4]), int(period[-1])
    plan = SamplingPlan.objects.create(
        code=f"P-{dept.code}-{period}",
        name="抽查计划",
        department=dept,
        period=period,
        period_start=dt.date(year, 3 * q - 2, 1),
        period_end=dt.date(year, 3 * q - 2, 28),
        seed_source="公开随机数",
        seed_due=dt.date(year, 1, 1),
        status=SamplingPlan.Status.DRAWN,
    )
    for i, e in enumerate(entities):
        Selection.objects.create(plan=plan, entity=e, key=str(e.pk), stratum="B", position=i, rank_hex="0")


def charts_city() -> dict[str, Any]:
    """The web demo city with tasks in 2025Q2 and 2025Q4 (none in Q3), draws, findings, results."""
    c = demo_city(entities_per_county=2)
    d = c["departments"]
    c["leader"] = UserFactory.create(username="leader", role=User.Role.LEADER, department=None)
    c["mem_staff"] = UserFactory.create(username="mem_staff", role=User.Role.STAFF, department=d["mem"])
    c["nobody"] = UserFactory.create(username="no_dept", role=User.Role.STAFF, department=None)
    ents = list(Entity.objects.order_by("pk")[:8])
    c["ents"] = ents
    smr, mem, hc = d["smr"], d["mem"], d["hc"]
    # 2025Q2: three visits, one joint (smr+mem) that saved one, two findings on it; published on time
    # and late. 2025Q3 has nothing (a gap); 2025Q4: two visits by smr, one from a clue.
    task_make(
        ents[0],
        "2025Q2",
        smr,
        others=(mem,),
        status=TaskStatus.PUBLISHED,
        inspected_on=dt.date(2025, 5, 6),
        published_on=dt.date(2025, 5, 20),
        result_due=dt.date(2025, 5, 26),
        findings=2,
    )
    task_make(
        ents[1],
        "2025Q2",
        smr,
        status=TaskStatus.PUBLISHED,
        inspected_on=dt.date(2025, 5, 8),
        published_on=dt.date(2025, 6, 30),
        result_due=dt.date(2025, 5, 28),
    )
    task_make(ents[2], "2025Q2", hc, inspected_on=dt.date(2025, 6, 2), status=TaskStatus.SUBMITTED)
    task_make(ents[3], "2025Q2", hc, status=TaskStatus.CANCELLED)  # never counted
    selections_make(smr, "2025Q2", ents[0:2])
    selections_make(mem, "2025Q2", ents[0:1])
    selections_make(hc, "2025Q2", ents[2:3])
    task_make(
        ents[4], "2025Q4", smr, inspected_on=dt.date(2025, 11, 3), findings=1, status=TaskStatus.SUBMITTED
    )
    task_make(ents[5], "2025Q4", smr, trigger=Trigger.CLUE)
    selections_make(smr, "2025Q4", ents[4:5])
    return c


@pytest.fixture
def city() -> dict[str, Any]:
    return charts_city()


def _p(user: User) -> Principal:
    return Principal.from_user(user)


# --- trends ------------------------------------------------------------------------------------


def test_trends_by_period_for_the_city(city: dict[str, Any]) -> None:
    t = charts.trends(principal=_p(city["leader"]), by="period")
    assert t.scope == "city"
    assert [p.key for p in t.points] == ["2025Q2", "2025Q3", "2025Q4"]  # the empty quarter is shown
    q2, q3, q4 = t.points
    assert (q2.visits, q2.joint, q2.joint_rate) == (3, 1, 33.3)
    assert (q2.selections, q2.random_visits, q2.saved) == (4, 3, 1)
    assert (q2.findings, q2.tasks_with_findings) == (2, 1)
    assert (q2.published, q2.on_time, q2.late, q2.on_time_rate) == (2, 1, 1, 50.0)
    assert (q3.visits, q3.joint_rate, q3.saved, q3.on_time_rate) == (0, None, 0, None)
    assert (q4.visits, q4.random_visits, q4.selections, q4.saved, q4.findings) == (2, 1, 1, 0, 1)


def test_trends_of_a_department_are_its_own_tasks(city: dict[str, Any]) -> None:
    t = charts.trends(principal=_p(city["mem_staff"]), by="period")
    assert t.scope == "mem"
    assert [(p.key, p.visits, p.joint, p.findings) for p in t.points] == [("2025Q2", 1, 1, 2)]
    assert t.points[0].selections is None and not t.shows_saved  # the saving is the city's figure
    assert charts.trends(principal=_p(city["nobody"])).points == []


def test_trends_by_month(city: dict[str, Any]) -> None:
    t = charts.trends(principal=_p(city["leader"]), by="month", today=TODAY)
    assert t.points[0].key == "2025-01" and t.points[-1].key == "2025-12"
    by = {p.key: p for p in t.points}
    assert (by["2025-05"].visits, by["2025-05"].joint, by["2025-05"].findings) == (2, 1, 2)
    assert (by["2025-05"].published, by["2025-05"].on_time) == (1, 1)
    assert (by["2025-06"].visits, by["2025-06"].published, by["2025-06"].on_time) == (1, 1, 0)
    assert (by["2025-11"].visits, by["2025-11"].findings) == (1, 1)
    assert all(p.selections is None for p in t.points)


@pytest.mark.parametrize("by", ["period", "month"])
def test_trend_queries_do_not_grow(city: dict[str, Any], by: str, django_assert_num_queries: Any) -> None:
    leader = _p(city["leader"])
    queries = 3  # by period: tasks, findings, the city's selections; by month: done, published, findings
    with django_assert_num_queries(queries):
        charts.trends(principal=leader, by=by, today=TODAY)  # type: ignore[arg-type]
    smr = city["departments"]["smr"]
    for i in range(6):
        e = entity_make(name=f"盐城市新{i}号科技有限公司", division=city["divisions"]["320903"])
        task_make(e, f"2024Q{i % 4 + 1}", smr, inspected_on=dt.date(2025, 3, 1), findings=1)
    with django_assert_num_queries(queries):
        t = charts.trends(principal=leader, by=by, today=TODAY)  # type: ignore[arg-type]
    assert len(t.points) == (charts.PERIODS_SHOWN if by == "period" else charts.MONTHS_SHOWN)


def test_trend_charts_carry_the_figures(city: dict[str, Any]) -> None:
    t = charts.trends(principal=_p(city["leader"]))
    specs = {c["id"]: c for c in charts.trend_charts(t)}
    assert specs["visits"]["categories"] == ["2025Q2", "2025Q3", "2025Q4"]
    assert [s["data"] for s in specs["visits"]["series"]] == [[3, 0, 2], [1, 0, 0], [1, 0, 0]]
    assert specs["rates"]["series"][1]["data"] == [50.0, None, None]
    mem = charts.trend_charts(charts.trends(principal=_p(city["mem_staff"])))
    assert len(mem[0]["series"]) == 2  # no "visits saved" series for a department


# --- the map -----------------------------------------------------------------------------------


@pytest.fixture
def towns(city: dict[str, Any]) -> dict[str, Any]:
    ting = city["divisions"]["320902"]
    a = Division.objects.create(
        code="320902100", name="南洋镇", level=Division.Level.TOWNSHIP, parent=ting, lat=33.40, lng=120.25
    )
    b = Division.objects.create(
        code="320902101", name="新兴镇", level=Division.Level.TOWNSHIP, parent=ting, lat=33.45, lng=120.30
    )
    ea = [
        entity_make(name=f"盐城市南洋{i}号商贸有限公司", division=a, lat=33.40 + i / 100, lng=120.20)
        for i in range(3)
    ]
    eb = entity_make(name="盐城市新兴水产有限公司", division=b)  # no coordinates: the township's centre
    smr, mem = city["departments"]["smr"], city["departments"]["mem"]
    task_make(ea[0], "2025Q4", smr, status=TaskStatus.PUBLISHED)
    task_make(ea[1], "2025Q4", mem)
    task_make(eb, "2025Q4", mem, gps=(33.5, 120.4))
    now = timezone.now()
    for e, status, dept in ((ea[0], "open", smr), (ea[1], "closed", mem), (eb, "open", mem)):
        bundle = ClueBundle.objects.create(
            key=f"{e.pk}:x:{status}",
            entity=e,
            risk_type="x",
            window_start=TODAY,
            window_end=TODAY,
            status=status,
            first_signal_at=now,
            last_signal_at=now,
            lead_department=dept,
        )
        bundle.departments.add(dept)
    return {"a": a, "b": b}


def test_map_by_county_and_township(city: dict[str, Any], towns: dict[str, Any]) -> None:
    m = charts.map_data(principal=_p(city["leader"]))
    counties = {c.code: c for c in m.counties}
    assert set(counties) == {code for code, _name in CITY_COUNTIES}
    ting = counties["320902"]
    direct = Entity.objects.filter(division__code__startswith="320902").count()
    assert ting.entities == direct
    # the townships' three tasks (two open) and the county's own two (恒达 published, one submitted)
    assert (ting.tasks, ting.tasks_open, ting.clues, ting.clues_open) == (5, 3, 3, 2)
    t = {p.code: p for p in m.townships}
    assert set(t) == {"320902100", "320902101"}  # the townships with something (五星街道 has nothing)
    a, b = t["320902100"], t["320902101"]
    assert (a.entities, a.tasks, a.clues, a.county_name) == (3, 2, 2, "亭湖区")
    assert a.lat == pytest.approx(33.41) and a.lng == pytest.approx(120.20)  # the entities' mean
    assert (b.lat, b.lng) == (33.5, 120.4)  # no entity coordinates: the task's GPS fix
    assert sum(c.entities for c in m.counties) == Entity.objects.count()


def test_map_city_level_registrations_are_a_row_of_their_own(city: dict[str, Any]) -> None:
    entity_make(name="盐城市城投建设发展有限公司", division=city["divisions"]["320900"])
    m = charts.map_data(principal=_p(city["leader"]))
    last = m.counties[-1]
    assert (last.code, last.name, last.entities) == ("320900", "市本级（盐城市）", 1)
    assert sum(c.entities for c in m.counties) == Entity.objects.count()
    html = _client(city["leader"]).get(reverse("dashboard_map")).content.decode()
    assert "市本级（盐城市）" in html and "?division=320900" not in html


def test_map_tasks_and_clues_are_scoped(city: dict[str, Any], towns: dict[str, Any]) -> None:
    m = charts.map_data(principal=_p(city["mem_staff"]))
    t = {p.code: p for p in m.townships}
    assert (t["320902100"].tasks, t["320902100"].clues) == (1, 1)  # mem's task and bundle only
    assert t["320902100"].entities == 3  # the registry is every department's
    assert charts.map_data(principal=_p(city["nobody"])).counties == []


def test_map_queries_do_not_grow(
    city: dict[str, Any], towns: dict[str, Any], django_assert_num_queries: Any
) -> None:
    leader = _p(city["leader"])
    with django_assert_num_queries(4):
        charts.map_data(principal=leader)
    for i in range(5):
        e = entity_make(name=f"盐城市南洋新{i}号有限公司", division=towns["b"], lat=33.45, lng=120.3)
        task_make(e, "2025Q4", city["departments"]["hc"])
    with django_assert_num_queries(4):
        m = charts.map_data(principal=leader)
    assert {p.code: p for p in m.townships}["320902101"].tasks == 6


def test_outline_file_has_every_county_with_its_code_and_name() -> None:
    geo = json.loads((STATIC / "vendor" / "echarts-maps" / "yancheng-counties.geojson").read_text("utf-8"))
    have = {f["properties"]["code"]: f["properties"]["name"] for f in geo["features"]}
    want = {c.code: c.name for c in COUNTIES if c.gb2260 and c.level == "county"}
    assert have == want  # the map series joins the outline to the figures by name
    for f in geo["features"]:
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_echarts_is_vendored_with_its_licence_and_version() -> None:
    vendor = STATIC / "vendor" / "echarts"
    head = (vendor / "VERSION").read_text("utf-8").split()
    version = head[2]
    body = (vendor / "echarts.min.js").read_text("utf-8")
    assert f'.version="{version}"' in body
    assert "Apache License" in (vendor / "LICENSE").read_text("utf-8")
    assert "sourceMappingURL" not in body  # nothing the browser would fetch from elsewhere
    assert (STATIC / "vendor" / "echarts-maps" / "LICENSE").exists()


# --- pages -------------------------------------------------------------------------------------


def _found(pattern: str, html: str) -> str:
    m = re.search(pattern, html, re.S)
    assert m is not None, pattern
    return m[1]


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_dashboard_panel_is_lazy_and_only_for_those_with_a_scope(city: dict[str, Any]) -> None:
    html = _client(city["leader"]).get(reverse("dashboard")).content.decode()
    assert 'data-testid="charts-panel"' in html
    assert f'hx-get="{reverse("dashboard_charts_panel")}"' in html
    assert "vendor/echarts/echarts.min.js" in html and "js/charts.js" in html
    nobody = _client(city["nobody"]).get(reverse("dashboard")).content.decode()
    assert 'data-testid="charts-panel"' not in nobody and "echarts" not in nobody


def test_panel_fragment_has_data_table_and_links(
    city: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    c = _client(city["leader"])
    with django_assert_max_num_queries(7):  # session, user, two OTP devices, three trend queries
        r = c.get(reverse("dashboard_charts_panel"), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    data = json.loads(unescape(_found(r'<div id="trend-charts" hidden data-json="(.*?)">', html)))
    assert [d["id"] for d in data] == ["visits", "rates", "findings"]
    table = html.split('data-testid="trend-table"', 1)[1].split("</table>", 1)[0]
    assert "2025Q2" in table and "33.3%" in table and "50.0%" in table
    assert f'href="{reverse("sampling:period", args=["2025Q4"])}"' in html  # the burden dashboard
    assert f'href="{reverse("dashboard_map")}"' in html


def test_panel_opened_directly_is_the_charts_page(city: dict[str, Any]) -> None:
    r = _client(city["leader"]).get(reverse("dashboard_charts_panel"))
    assert r.status_code == 302 and r["Location"] == reverse("dashboard_charts")


@pytest.mark.parametrize("name", ["dashboard_charts", "dashboard_charts_panel", "dashboard_map"])
def test_pages_answer_404_without_a_scope(city: dict[str, Any], name: str) -> None:
    assert _client(city["nobody"]).get(reverse(name)).status_code == 404
    assert Client().get(reverse(name)).status_code == 302  # to the login page


def test_trends_page_by_month_and_department_scope(city: dict[str, Any]) -> None:
    html = _client(city["mem_staff"]).get(reverse("dashboard_charts") + "?by=month").content.decode()
    assert "盐城市应急管理局" in html
    table = html.split('data-testid="trend-table"', 1)[1].split("</table>", 1)[0]
    assert "完成检查" in table and "减少检查" not in table  # the saving is a city figure, by period
    assert 'id="trend-charts"' in html


def test_map_page(city: dict[str, Any], towns: dict[str, Any]) -> None:
    r = _client(city["leader"]).get(reverse("dashboard_map"))
    html = r.content.decode()
    payload = json.loads(_found(r'<script id="map-data" type="application/json">(.*?)</script>', html))
    assert {c["name"] for c in payload["counties"]} >= {"亭湖区", "东台市"}
    assert "yancheng-counties.geojson" in html
    county = html.split('data-testid="county-table"', 1)[1].split("</table>", 1)[0]
    assert "亭湖区" in county
    assert "南洋镇" in html.split('data-testid="township-table"', 1)[1]


def test_burden_dashboard_has_its_charts(city: dict[str, Any]) -> None:
    html = _client(city["leader"]).get(reverse("sampling:period", args=["2025Q2"])).content.decode()
    data = json.loads(_found(r'<script id="burden-data" type="application/json">(.*?)</script>', html))
    assert data["visits"] == 3 and data["counterfactual_visits"] == 4
    for kind in ("burden-visits", "burden-distribution", "burden-departments", "burden-timeliness"):
        assert f'data-chart="{kind}"' in html
    assert "js/charts.js" in html


def test_charts_speak_english_when_chosen(city: dict[str, Any], towns: dict[str, Any]) -> None:
    c = _client(city["leader"])
    c.post(reverse("set_language"), {"language": "en", "next": reverse("dashboard")})
    html = c.get(reverse("dashboard_charts_panel"), HTTP_HX_REQUEST="true").content.decode()
    data = json.loads(unescape(_found(r'<div id="trend-charts" hidden data-json="(.*?)">', html)))
    assert [s["name"] for s in data[0]["series"]] == ["Visits", "of which joint", "Visits saved"]
    assert "Show the data table" in html and "Joint-inspection rate" in html
    page = c.get(reverse("dashboard_map")).content.decode()
    payload = json.loads(_found(r'<script id="map-data" type="application/json">(.*?)</script>', page))
    assert payload["labels"]["clues"] == "Clues" and "Supervision map" in page
