"""Reads for the web pages: the dashboard's key numbers, the search page's hits and choices.

Every figure is an ORM aggregate; the dashboard costs a fixed, small number of queries whatever the
size of the city (asserted in ``tests/test_views.py``). Its figures are scoped to the user: the
registry totals, the number of departments and the size of the ledger are public and shown to every
signed-in user; the departmental figures (officers, supervised entities, open inspection tasks) are
the user's department's, or the whole city's for leaders, the big-data bureau and administrators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.core.masking import mask_name
from crossreg.entities import selectors as entity_selectors
from crossreg.entities.models import Entity
from crossreg.ledger.selectors import subject_entries
from crossreg.ledger.store import tree_size
from crossreg.orgs.models import Department, Division, Officer
from crossreg.orgs.permissions import Capability, user_can

ACTIVE_STATUSES = (Entity.Status.ACTIVE, Entity.Status.OPERATING)
COUNTY_LEVELS = (Division.Level.COUNTY, Division.Level.ZONE)


CERTIFICATE_WARNING_DAYS = 90  # an officer's certificate "due soon": renew within three months


@dataclass
class Bar:
    key: str
    label: str
    value: int
    percent: float = 0.0
    city_level: bool = False  # registered with the city itself (市本级), not a county


@dataclass
class DashboardFigures:
    # Public, city-wide: the registry, the departments, the size of the ledger.
    entities_total: int = 0
    entities_active: int = 0
    entities_by_type: list[Bar] = field(default_factory=list)
    entities_by_county: list[Bar] = field(default_factory=list)
    departments: int = 0
    departments_supervising: int = 0
    ledger_entries: int = 0
    # Departmental: the user's department's, or the city's for the city-level roles; not shown
    # (``scope`` None) to a user who acts for no department.
    scope: str | None = None  # "city", or the department's code
    scope_name: str = ""
    officers_total: int = 0
    officers_active: int = 0
    officers_suspended: int = 0
    officers_expired: int = 0
    officers_expiring: int = 0  # certificate runs out within CERTIFICATE_WARNING_DAYS
    supervised_entities: int = 0  # distinct entities on the current lists
    open_tasks: int = 0  # inspection tasks neither published nor cancelled


def dashboard_scope(user: Any) -> str | None:
    """Whose departmental figures ``user`` sees: ``"city"``, their department's code, or ``None``."""
    if user_can(user, Capability.VIEW_ALL):
        return "city"
    dept = getattr(user, "department_id", None)
    return dept if dept and user_can(user, Capability.VIEW_DEPARTMENT_DATA) else None


def _with_percent(bars: list[Bar]) -> list[Bar]:
    top = max((b.value for b in bars), default=0)
    for b in bars:
        b.percent = round(100.0 * b.value / top, 1) if top else 0.0
    return bars


def county_choices() -> list[tuple[str, str]]:
    """County-level divisions (and functional zones) as ``(code6, name)``, for the region filter."""
    return [
        (code[:6], name)
        for code, name in Division.objects.filter(level__in=COUNTY_LEVELS)
        .order_by("code")
        .values_list("code", "name")
    ]


def dashboard_figures(*, user: Any, today: dt.date | None = None) -> DashboardFigures:
    """The key numbers ``user`` may see, in at most eight queries whatever the size of the city.

    Public: entities by type and status (one grouped query), by county (grouped on the first six
    digits of the division code, plus one query for the county names), departments, the ledger's
    size. Departmental (:func:`dashboard_scope`): officers (one query with filtered counts: active,
    suspended, certificate expired), entities on current lists, open inspection tasks.
    """
    from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskStatus
    from crossreg.linking.models import SourceRecord

    today = today or timezone.localdate()
    fig = DashboardFigures()

    by_type: dict[str, int] = {}
    for row in Entity.objects.order_by().values("entity_type", "status").annotate(n=Count("id")):
        by_type[row["entity_type"]] = by_type.get(row["entity_type"], 0) + row["n"]
        fig.entities_total += row["n"]
        if row["status"] in ACTIVE_STATUSES:
            fig.entities_active += row["n"]
    labels = dict(Entity.Type.choices)
    fig.entities_by_type = _with_percent(
        [
            Bar(key=t, label=str(labels.get(t, t)), value=by_type[t])
            for t in sorted(by_type, key=lambda t: (-by_type[t], t))
        ]
    )

    county_rows = list(
        Entity.objects.order_by()
        .annotate(county=Substr("division_id", 1, 6))
        .values("county")
        .annotate(n=Count("id"))
        .order_by("county")
    )
    divs = {
        code: (name, level)
        for code, name, level in Division.objects.filter(
            code__in=[r["county"] for r in county_rows]
        ).values_list("code", "name", "level")
    }
    bars = []
    for r in county_rows:
        name, level = divs.get(r["county"], (r["county"], ""))
        if level == "city":  # entities registered with the city itself: a city-level row, last
            bars.append(
                Bar(
                    key=r["county"],
                    label=_("市本级（%(city)s）") % {"city": name},
                    value=r["n"],
                    city_level=True,
                )
            )
        else:
            bars.append(Bar(key=r["county"], label=name, value=r["n"]))
    bars.sort(key=lambda b: (b.city_level, b.key))
    fig.entities_by_county = _with_percent(bars)

    dept = Department.objects.aggregate(
        total=Count("code"), supervising=Count("code", filter=Q(role=Department.Role.SUPERVISING))
    )
    fig.departments = dept["total"]
    fig.departments_supervising = dept["supervising"]
    fig.ledger_entries = tree_size()  # public: every checkpoint publishes it

    fig.scope = dashboard_scope(user)
    if fig.scope is None:
        return fig
    own = None if fig.scope == "city" else fig.scope
    fig.scope_name = "" if own is None else str(user.department.name)
    officers = Officer.objects.all() if own is None else Officer.objects.filter(department_id=own)
    off = officers.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=Officer.Status.ACTIVE, valid_until__gte=today)),
        suspended=Count("id", filter=Q(status=Officer.Status.SUSPENDED)),
        expired=Count("id", filter=Q(status=Officer.Status.ACTIVE, valid_until__lt=today)),
        expiring=Count(
            "id",
            filter=Q(
                status=Officer.Status.ACTIVE,
                valid_until__gte=today,
                valid_until__lt=today + dt.timedelta(days=CERTIFICATE_WARNING_DAYS),
            ),
        ),
    )
    fig.officers_total = off["total"]
    fig.officers_active = off["active"]
    fig.officers_suspended = off["suspended"]
    fig.officers_expired = off["expired"]
    fig.officers_expiring = off["expiring"]

    records = SourceRecord.objects.filter(state=SourceRecord.State.CURRENT, entity__isnull=False)
    if own is not None:
        records = records.filter(department_id=own)
    fig.supervised_entities = records.aggregate(n=Count("entity_id", distinct=True))["n"]

    tasks = InspectionTask.objects.exclude(status__in=[TaskStatus.PUBLISHED, TaskStatus.CANCELLED])
    if own is not None:
        tasks = tasks.filter(pk__in=TaskDepartment.objects.filter(department_id=own).values("task_id"))
    fig.open_tasks = tasks.count()
    return fig


def entity_ledger_count(*, entity: Entity) -> int:
    return subject_entries(subject_type="entity", subject_id=str(entity.pk)).count()


@dataclass
class Hit:
    entity: Entity
    score: float | None
    match: str  # "uscc", "registration_no", "exact", "contains", "fuzzy" or "" (region list)
    legal_rep: str


def entity_search_page(
    *, user: Any, q: str, mode: str = "auto", division: str | None = None, limit: int = 50
) -> list[Hit]:
    """What the search page lists, best first, at most ``limit``.

    A query goes to the registry's scored search (``entities.selectors.entity_search``), which in
    ``auto`` mode lists exact hits, then names containing the query, then similar names. A region
    alone lists the region's entities. Operators' names are masked in lists whoever looks; the
    entity page shows what the caller may see.
    """
    found: list[tuple[Entity, float | None, str]] = []
    if q:
        hits = entity_selectors.entity_search(user=user, q=q, mode=mode, division=division, limit=limit)
        found = [(h.entity, h.score, h.match) for h in hits]
    elif division:
        found = [(e, None, "") for e in entity_selectors.entity_list(user=user, division=division)[:limit]]
    return [
        Hit(entity=e, score=score, match=match, legal_rep=mask_name(e.legal_rep))
        for e, score, match in found[:limit]
    ]
