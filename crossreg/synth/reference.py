"""Load the city's reference data (divisions, grid cells, domains, departments, teams) idempotently.

:func:`orgs_reference_load` may run any number of times: rows are created when missing and brought
back to the reference values when changed; nothing outside the reference data is touched. It writes
no audit entry itself; the caller (``crossreg seed``) records one summary entry per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from crossreg.entities.models import Industry
from crossreg.orgs.data import departments as dep_data
from crossreg.orgs.data.divisions import (
    CITY_CENTRE,
    CITY_CODE,
    CITY_NAME,
    COUNTIES,
    TOWNSHIPS,
    grid_cells,
)
from crossreg.orgs.data.domains import DOMAINS
from crossreg.orgs.models import Department, Division, Domain, GridCell, Team
from crossreg.synth.pools import INDUSTRY_NAMES


@dataclass(frozen=True)
class ReferenceCounts:
    divisions: int
    grid_cells: int
    domains: int
    departments: int
    teams: int


def _upsert(model: Any, key: str, rows: list[dict]) -> None:
    """Create missing rows, update changed ones (compared field by field), in bulk."""
    existing = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": [r[key] for r in rows]})}
    create, update, fields = [], [], set()
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            create.append(model(**row))
            continue
        changed = [f for f, v in row.items() if f != key and getattr(obj, f) != v]
        if changed:
            for f in changed:
                setattr(obj, f, row[f])
            fields.update(changed)
            update.append(obj)
    if create:
        model.objects.bulk_create(create, batch_size=500)
    if update:
        model.objects.bulk_update(update, sorted(fields), batch_size=500)


def _divisions() -> None:
    rows: list[dict] = [
        {
            "code": CITY_CODE,
            "name": CITY_NAME,
            "level": Division.Level.CITY,
            "parent_id": None,
            "gb2260": True,
            "lat": CITY_CENTRE[0],
            "lng": CITY_CENTRE[1],
        }
    ]
    for c in COUNTIES:
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                "level": Division.Level.ZONE if c.level == "zone" else Division.Level.COUNTY,
                "parent_id": CITY_CODE,
                "gb2260": c.gb2260,
                "lat": c.lat,
                "lng": c.lng,
            }
        )
    _upsert(Division, "code", rows)
    _upsert(
        Division,
        "code",
        [
            {
                "code": t.code,
                "name": t.name,
                "level": Division.Level.STREET if t.level == "street" else Division.Level.TOWNSHIP,
                "parent_id": t.county,
                "gb2260": False,
                "lat": t.lat,
                "lng": t.lng,
            }
            for t in TOWNSHIPS
        ],
    )
    _upsert(
        GridCell,
        "code",
        [{"code": code, "name": name, "division_id": township} for code, name, township in grid_cells()],
    )


def _domains() -> None:
    _upsert(Domain, "code", [{"code": d.code, "name": d.name, "key": d.key} for d in DOMAINS])


def _departments() -> None:
    rows: list[dict] = []
    for d in (*dep_data.SUPERVISING, *dep_data.CITY_OTHERS):
        rows.append(
            {
                "code": d.code,
                "name": d.name,
                "short_name": d.short_name,
                "role": d.role,
                "division_id": CITY_CODE,
                "parent_id": None,
            }
        )
    _upsert(Department, "code", rows)
    _upsert(
        Department,
        "code",
        [
            {
                "code": c.code,
                "name": c.name,
                "short_name": c.short_name,
                "role": c.role,
                "division_id": c.division,
                "parent_id": c.parent,
            }
            for c in dep_data.county_departments()
        ],
    )
    for d in dep_data.SUPERVISING:
        dept = Department.objects.get(code=d.code)
        if set(dept.domains.values_list("code", flat=True)) != set(d.domains):
            dept.domains.set(list(Domain.objects.filter(code__in=d.domains)))


def team_rows() -> list[dict]:
    """Every enforcement team: each supervising department's city team, a brigade (大队) of each
    comprehensive team in every county-level unit, and one comprehensive team per township."""
    rows: list[dict] = []
    for d in dep_data.SUPERVISING:
        kind = Team.Kind.COMPREHENSIVE if d.comprehensive else Team.Kind.DEPARTMENT
        rows.append(
            {"name": d.team, "kind": kind, "department": d.code, "division": CITY_CODE, "domains": d.domains}
        )
        if d.comprehensive:
            for c in COUNTIES:
                rows.append(
                    {
                        "name": f"{d.team}{c.short}大队",
                        "kind": kind,
                        "department": d.code,
                        "division": c.code,
                        "domains": d.domains,
                    }
                )
    for t in TOWNSHIPS:
        rows.append(
            {
                "name": f"{t.name}综合行政执法队",
                "kind": Team.Kind.TOWNSHIP,
                "department": f"gov-{t.county}",
                "division": t.code,
                "domains": dep_data.TOWNSHIP_TEAM_DOMAINS,
            }
        )
    return rows


def _teams() -> None:
    existing = {(t.department_id, t.name): t for t in Team.objects.all()}
    new = []
    for row in team_rows():
        team = existing.get((row["department"], row["name"]))
        if team is None:
            new.append(
                (
                    Team(
                        name=row["name"],
                        kind=row["kind"],
                        department_id=row["department"],
                        division_id=row["division"],
                    ),
                    row,
                )
            )
        elif team.kind != row["kind"] or team.division_id != row["division"]:
            team.kind, team.division_id = row["kind"], row["division"]
            team.save(update_fields=["kind", "division"])
    Team.objects.bulk_create([t for t, _ in new], batch_size=500)
    through = Team.domains.through
    by_key = {(t.department_id, t.name): t.pk for t in Team.objects.all()}
    have = set(through.objects.values_list("team_id", "domain_id"))
    links = []
    for row in team_rows():
        pk = by_key[(row["department"], row["name"])]
        for code in row["domains"]:
            if (pk, code) not in have:
                links.append(through(team_id=pk, domain_id=code))
    through.objects.bulk_create(links, batch_size=1000)


def industries_ensure() -> None:
    """Make sure the GB/T 4754 divisions the synthetic city uses exist (normally the entities
    app's data migration has loaded them all)."""
    have = set(Industry.objects.values_list("code", flat=True))
    missing = [
        Industry(code=code, section=section, name=name)
        for code, (section, name) in sorted(INDUSTRY_NAMES.items())
        if code not in have
    ]
    Industry.objects.bulk_create(missing)


@transaction.atomic
def orgs_reference_load() -> ReferenceCounts:
    """Load (or bring back) all reference data; returns the resulting counts."""
    _divisions()
    _domains()
    _departments()
    _teams()
    industries_ensure()
    return ReferenceCounts(
        divisions=Division.objects.count(),
        grid_cells=GridCell.objects.count(),
        domains=Domain.objects.count(),
        departments=Department.objects.count(),
        teams=Team.objects.count(),
    )
