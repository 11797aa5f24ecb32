"""Reads for the leaders' charts and the map: supervision trends over periods, and entities, tasks
and clues by county and township.

Everything is an SQL aggregate scoped to the principal (``InspectionTask.objects.visible_to``,
``ClueBundle.objects.visible_to``): the trends cost four queries by period and three by month, the
map four, whatever the size of the city (asserted in ``tests/test_charts.py``). Who may see them is
:func:`chart_scope`: the whole city for leaders, the big-data bureau and administrators; their own
department for department users who may read its data; nobody else.

Figures (docs/dashboards.md):

- **visits** — inspection tasks not cancelled: by period, those of the period (planned and done,
  the burden dashboard's 实际检查); by month, those inspected in the month;
- **joint rate** — the share of those visits made jointly by several departments (联合检查);
- **visits saved** — by period, in the city scope only: draw selections of the period minus its
  random visits (each department's draws, had each inspected alone, against the pooled visits);
- **findings** — check points marked 发现问题, and the visits with at least one;
- **on-time publication** — results published by their due date (结果公示期限), of those published
  (a result with no due date counts as on time, as on the burden dashboard).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.orgs.permissions import Capability, Principal

By = Literal["period", "month"]
PERIODS_SHOWN = 8
MONTHS_SHOWN = 12
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def chart_scope(principal: Principal) -> str | None:
    """Whose figures ``principal`` sees: ``"city"``, their department's code, or ``None``."""
    if principal.sees_all:
        return "city"
    dept = principal.department_id
    return dept if dept and principal.can(Capability.VIEW_DEPARTMENT_DATA, dept) else None


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class TrendPoint:
    key: str  # "2025Q3" (a period) or "2025-07" (a month)
    visits: int = 0
    joint: int = 0
    random_visits: int = 0
    selections: int | None = None  # None where not shown (a department's scope, by month)
    findings: int = 0  # check points marked 发现问题
    tasks_with_findings: int = 0
    published: int = 0
    on_time: int = 0

    @property
    def saved(self) -> int | None:
        return None if self.selections is None else max(0, self.selections - self.random_visits)

    @property
    def joint_rate(self) -> float | None:
        return _rate(self.joint, self.visits)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.published)

    @property
    def late(self) -> int:
        return self.published - self.on_time

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(saved=self.saved, joint_rate=self.joint_rate, on_time_rate=self.on_time_rate, late=self.late)
        return d


@dataclass
class Trends:
    scope: str | None
    by: By
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def shows_saved(self) -> bool:
        return any(p.selections is not None for p in self.points)


def _tasks(principal: Principal) -> QuerySet[Any]:
    from crossreg.inspections.models import InspectionTask, TaskStatus

    return InspectionTask.objects.visible_to(principal).exclude(status=TaskStatus.CANCELLED).order_by()


def _on_time() -> Q:
    return Q(published_at__isnull=False) & (
        Q(result_due__isnull=True) | Q(published_at__date__lte=F("result_due"))
    )


def _quarters_between(first: str, last: str) -> list[str]:
    a, b = _QUARTER.match(first), _QUARTER.match(last)
    assert a and b
    y, q = int(a[1]), int(a[2])
    out = []
    while (y, q) <= (int(b[1]), int(b[2])):
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def _months_ending(last: dt.date, n: int) -> list[str]:
    y, m = last.year, last.month
    out = []
    for _i in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def trends(*, principal: Principal, by: By = "period", today: dt.date | None = None) -> Trends:
    """The trend of visits, joint rate, visits saved, findings and on-time publication.

    ``by="period"``: the last :data:`PERIODS_SHOWN` sampling periods that have tasks (quarters in
    between without any are shown as zero). ``by="month"``: the :data:`MONTHS_SHOWN` months up to
    ``today``'s. Nothing (no query) for a principal without a :func:`chart_scope`.
    """
    scope = chart_scope(principal)
    out = Trends(scope=scope, by=by)
    if scope is None:
        return out
    return (
        _by_month(out, principal, today or timezone.localdate())
        if by == "month"
        else _by_period(out, principal)
    )


def _by_period(out: Trends, principal: Principal) -> Trends:
    from crossreg.inspections.models import TaskPoint, Trigger
    from crossreg.sampling.models import Selection

    tasks = _tasks(principal)
    rows: dict[str, dict[str, Any]] = {
        r["period"]: r
        for r in tasks.values("period").annotate(
            visits=Count("id"),
            joint=Count("id", filter=Q(joint=True)),
            random_visits=Count("id", filter=Q(trigger=Trigger.RANDOM)),
            published=Count("id", filter=Q(published_at__isnull=False)),
            on_time=Count("id", filter=_on_time()),
        )
    }
    if not rows:
        return out
    keys = sorted(rows)
    if all(_QUARTER.match(k) for k in keys):
        keys = _quarters_between(keys[0], keys[-1])
    keys = keys[-PERIODS_SHOWN:]
    found: dict[str, dict[str, Any]] = {
        r["task__period"]: dict(r)
        for r in TaskPoint.objects.filter(
            task__in=tasks.filter(period__in=keys), result=TaskPoint.Result.FINDING
        )
        .order_by()
        .values("task__period")
        .annotate(n=Count("id"), tasks=Count("task_id", distinct=True))
    }
    drawn: dict[str, int] = {}
    if out.scope == "city":
        drawn = dict(
            Selection.objects.filter(plan__period__in=keys)
            .order_by()
            .values("plan__period")
            .annotate(n=Count("id"))
            .values_list("plan__period", "n")
        )
    for k in keys:
        r = rows.get(k, {})
        out.points.append(_point(k, r, r, found.get(k, {}), drawn.get(k, 0) if out.scope == "city" else None))
    return out


def _point(
    key: str, visits: dict[str, Any], pub: dict[str, Any], found: dict[str, Any], selections: int | None
) -> TrendPoint:
    return TrendPoint(
        key=key,
        visits=visits.get("visits", 0),
        joint=visits.get("joint", 0),
        random_visits=visits.get("random_visits", 0),
        selections=selections,
        findings=found.get("n", 0),
        tasks_with_findings=found.get("tasks", 0),
        published=pub.get("published", 0),
        on_time=pub.get("on_time", 0),
    )


def _month_key(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else f"{value.year:04d}-{value.month:02d}"


def _by_month(out: Trends, principal: Principal, today: dt.date) -> Trends:
    from crossreg.inspections.models import TaskPoint, Trigger

    keys = _months_ending(today, MONTHS_SHOWN)
    y, m = (int(x) for x in keys[0].split("-"))
    since = dt.date(y, m, 1)
    tasks = _tasks(principal)
    done: dict[str, dict[str, Any]] = {
        _month_key(r["month"]): r
        for r in tasks.filter(inspected_on__gte=since, inspected_on__lte=today)
        .annotate(month=TruncMonth("inspected_on"))
        .values("month")
        .annotate(
            visits=Count("id"),
            joint=Count("id", filter=Q(joint=True)),
            random_visits=Count("id", filter=Q(trigger=Trigger.RANDOM)),
        )
    }
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    published: dict[str, dict[str, Any]] = {
        _month_key(r["month"]): r
        for r in tasks.filter(published_at__gte=start)
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(published=Count("id"), on_time=Count("id", filter=_on_time()))
    }
    found: dict[str, dict[str, Any]] = {
        _month_key(r["month"]): dict(r)
        for r in TaskPoint.objects.filter(
            task__in=tasks.filter(inspected_on__gte=since, inspected_on__lte=today),
            result=TaskPoint.Result.FINDING,
        )
        .order_by()
        .annotate(month=TruncMonth("task__inspected_on"))
        .values("month")
        .annotate(n=Count("id"), tasks=Count("task_id", distinct=True))
    }
    for k in keys:
        out.points.append(_point(k, done.get(k, {}), published.get(k, {}), found.get(k, {}), None))
    return out


def trend_charts(trends_: Trends) -> list[dict[str, Any]]:
    """The chart specifications ``static/js/charts.js`` draws (``kind: "category"``): one list of
    categories and named series, labels already translated. Also the data of the fallback tables."""
    cats = [p.key for p in trends_.points]
    pts = trends_.points
    visits_series: list[dict[str, Any]] = [
        {"name": _("检查(次)"), "type": "bar", "data": [p.visits for p in pts]},
        {"name": _("其中联合检查(次)"), "type": "bar", "data": [p.joint for p in pts]},
    ]
    if trends_.shows_saved:
        visits_series.append({"name": _("减少检查(次)"), "type": "bar", "data": [p.saved for p in pts]})
    return [
        {
            "id": "visits",
            "kind": "category",
            "title": _("检查次数与减少的检查"),
            "categories": cats,
            "series": visits_series,
        },
        {
            "id": "rates",
            "kind": "category",
            "title": _("联合检查率与按期公示率"),
            "categories": cats,
            "unit": "%",
            "max": 100,
            "series": [
                {"name": _("联合检查率"), "type": "line", "data": [p.joint_rate for p in pts]},
                {"name": _("按期公示率"), "type": "line", "data": [p.on_time_rate for p in pts]},
            ],
        },
        {
            "id": "findings",
            "kind": "category",
            "title": _("发现问题"),
            "categories": cats,
            "series": [
                {"name": _("问题(项)"), "type": "bar", "data": [p.findings for p in pts]},
                {
                    "name": _("发现问题的检查(次)"),
                    "type": "line",
                    "data": [p.tasks_with_findings for p in pts],
                },
            ],
        },
    ]


# --- the map ---------------------------------------------------------------------------------


@dataclass
class Place:
    code: str
    name: str
    level: str
    county: str  # six-digit county-level code
    lat: float | None
    lng: float | None
    entities: int = 0
    tasks: int = 0
    tasks_open: int = 0
    clues: int = 0
    clues_open: int = 0
    county_name: str = ""


@dataclass
class MapData:
    scope: str | None
    counties: list[Place] = field(default_factory=list)  # county-level divisions and zones
    townships: list[Place] = field(default_factory=list)  # townships and streets with something

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "counties": [asdict(p) for p in self.counties],
            "townships": [asdict(p) for p in self.townships],
        }


def _merge_point(
    place: Place, lat: float | None, lng: float | None, weight: int, acc: dict[str, list[float]]
) -> None:
    if lat is None or lng is None or not weight:
        return
    a = acc.setdefault(place.code, [0.0, 0.0, 0.0])
    a[0] += lat * weight
    a[1] += lng * weight
    a[2] += weight


def map_data(*, principal: Principal) -> MapData:
    """Entities, inspection tasks and clue bundles by township and by county, with the township's
    point: the mean of the coordinates we hold (the entities', a task's GPS fix where recorded),
    else the division's centre. Tasks and clues are those ``principal`` may see; entity counts are
    the registry's (public to every signed-in department user). Four queries."""
    from crossreg.clues.models import ClueBundle
    from crossreg.entities.models import Entity
    from crossreg.inspections.models import InspectionTask, TaskStatus
    from crossreg.orgs.models import Division

    scope = chart_scope(principal)
    out = MapData(scope=scope)
    if scope is None:
        return out
    divisions = {
        d["code"]: d for d in Division.objects.order_by("code").values("code", "name", "level", "lat", "lng")
    }
    places: dict[str, Place] = {}
    acc: dict[str, list[float]] = {}

    def place(code: str | None) -> Place | None:
        if code is None or code not in divisions:
            return None
        if code not in places:
            d = divisions[code]
            places[code] = Place(
                code=code, name=d["name"], level=d["level"], county=code[:6], lat=d["lat"], lng=d["lng"]
            )
        return places[code]

    for r in (
        Entity.objects.order_by()
        .values("division_id")
        .annotate(n=Count("id"), avg_lat=Avg("lat"), avg_lng=Avg("lng"), located=Count("lat"))
    ):
        p = place(r["division_id"])
        if p is not None:
            p.entities += r["n"]
            _merge_point(p, r["avg_lat"], r["avg_lng"], r["located"], acc)
    tasks = (
        InspectionTask.objects.visible_to(principal)
        .exclude(status=TaskStatus.CANCELLED)
        .order_by()
        .values("entity__division_id")
        .annotate(
            n=Count("id"),
            open=Count("id", filter=~Q(status=TaskStatus.PUBLISHED)),
            gps=Count("location_lat"),
            avg_lat=Avg("location_lat"),
            avg_lng=Avg("location_lng"),
        )
    )
    task_points: dict[str, list[float]] = {}
    for t in tasks:
        p = place(t["entity__division_id"])
        if p is not None:
            p.tasks += t["n"]
            p.tasks_open += t["open"]
            if t["gps"]:  # a fix recorded on site moves the township's point towards it
                _merge_point(p, t["avg_lat"], t["avg_lng"], t["gps"], task_points)
    bundles = (
        ClueBundle.objects.visible_to(principal)
        .order_by()
        .values("entity__division_id")
        .annotate(n=Count("id", distinct=True), open=Count("id", distinct=True, filter=Q(status="open")))
    )
    for b in bundles:
        p = place(b["entity__division_id"])
        if p is not None:
            p.clues += b["n"]
            p.clues_open += b["open"]

    for code in acc.keys() | task_points.keys():
        ent, fix = acc.get(code, [0.0, 0.0, 0.0]), task_points.get(code, [0.0, 0.0, 0.0])
        places[code].lat = round((ent[0] + fix[0]) / (ent[2] + fix[2]), 6)
        places[code].lng = round((ent[1] + fix[1]) / (ent[2] + fix[2]), 6)

    counties: dict[str, Place] = {}
    county_levels = (Division.Level.COUNTY, Division.Level.ZONE)
    for code, d in divisions.items():
        if d["level"] in county_levels:
            counties[code] = Place(
                code=code,
                name=d["name"],
                level=d["level"],
                county=code,
                lat=d["lat"],
                lng=d["lng"],
                county_name=d["name"],
            )
    city = next((p for p in places.values() if p.level == Division.Level.CITY), None)
    if city is not None:  # registered with the city itself (市本级): a row of its own, no outline
        city.county_name = city.name
        city.name = _("市本级（%(city)s）") % {"city": city.name}
        counties[city.code] = city
    for p in places.values():
        if p is city:
            continue
        c = counties.get(p.county)
        if c is None:
            continue
        p.county_name = c.name
        c.entities += p.entities
        c.tasks += p.tasks
        c.tasks_open += p.tasks_open
        c.clues += p.clues
        c.clues_open += p.clues_open
    out.counties = sorted(counties.values(), key=lambda c: (c.level == Division.Level.CITY, c.code))
    out.townships = sorted(
        (p for p in places.values() if p.level not in county_levels and p.level != Division.Level.CITY),
        key=lambda p: p.code,
    )
    return out
