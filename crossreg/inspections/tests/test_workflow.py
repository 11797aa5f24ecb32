"""Every (state, transition, role): allowed exactly when the table says so — through the service."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.inspections import services, workflow
from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.inspections.workflow import TRANSITIONS, Role
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, officer_user, sampling_city
from crossreg.web.tests.factories import UserFactory

STATES = [s.value for s in TaskStatus]
ROLES = [Role.OFFICER, Role.LEAD_OFFICER, Role.STAFF, Role.SYSTEM, Role.OTHER]


# The expected matrix, written from the legal process (docs/workflows/inspection.md), NOT from
# workflow.TRANSITIONS: (state, transition) -> (target, roles allowed). O = officer, L = lead officer
# (assigned and of the lead department), T = staff of the lead department, Y = the platform itself.
_O, _L, _T, _Y = Role.OFFICER, Role.LEAD_OFFICER, Role.STAFF, Role.SYSTEM
EXPECTED: dict[tuple[str, str], tuple[str, set[Role]]] = {
    ("", "create"): ("assigned", {_T, _Y}),
    ("assigned", "merge"): ("assigned", {_T, _Y}),
    ("assigned", "start"): ("in_progress", {_O, _L}),
    ("assigned", "cancel"): ("cancelled", {_T}),
    ("in_progress", "complete"): ("awaiting_confirmation", {_L}),
    ("awaiting_confirmation", "reopen"): ("in_progress", {_L}),
    ("awaiting_confirmation", "submit"): ("submitted", {_L}),
    ("submitted", "flag_follow_up"): ("follow_up", {_Y}),
    ("submitted", "publish"): ("published", {_T, _Y}),
    ("follow_up", "publish"): ("published", {_T, _Y}),
}
ALL_TRANSITIONS = [
    "create",
    "merge",
    "start",
    "cancel",
    "complete",
    "reopen",
    "submit",
    "flag_follow_up",
    "publish",
]


@pytest.mark.parametrize(
    ("state", "transition", "role"), list(itertools.product(["", *STATES], ALL_TRANSITIONS, ROLES))
)
def test_table(state: str, transition: str, role: Role) -> None:
    roles: set[Role] = {role, Role.OFFICER} if role == Role.LEAD_OFFICER else {role}
    expected = EXPECTED.get((state, transition))
    got = workflow.target(state, transition, roles)
    if expected is None or not (expected[1] & roles):
        assert got is None, (state, transition, role)
    else:
        assert got == expected[0], (state, transition, role)


def test_table_names_no_transition_beyond_the_expected() -> None:
    assert set(TRANSITIONS) == set(EXPECTED)
    assert sorted(workflow.TRANSITION_NAMES) == sorted(ALL_TRANSITIONS)


def test_terminal_states_have_no_way_out() -> None:
    assert not [k for k in TRANSITIONS if k[0] in (TaskStatus.PUBLISHED, TaskStatus.CANCELLED)]


@pytest.fixture
def task_and_people(db: None, settings: Any) -> dict[str, Any]:
    city = sampling_city(settings)
    drawn_plan(city, "smr", divisions=["320902"])
    drawn_plan(city, "mem", divisions=["320902"])
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    task = InspectionTask.objects.filter(entity=city["hengda"]).get()
    rows = list(task.officers.select_related("officer"))
    lead_rows = [r for r in rows if r.department_id == task.lead_department_id]
    part_rows = [r for r in rows if r.department_id != task.lead_department_id]
    people = {
        Role.LEAD_OFFICER: officer_user(lead_rows[0].officer, "lead1"),
        "lead2": officer_user(lead_rows[1].officer, "lead2"),
        Role.OFFICER: officer_user(part_rows[0].officer, "part1"),
        Role.STAFF: city["staff"][task.lead_department_id],
        Role.OTHER: UserFactory.create(username="outsider", department=city["departments"]["eeb"]),
        Role.SYSTEM: "system:test",
    }
    return {"task": task, "people": people, "city": city}


def _force(task: InspectionTask, state: str) -> InspectionTask:
    InspectionTask.objects.filter(pk=task.pk).update(
        status=state, location_text="现场", location_source="manual"
    )
    task.points.update(result="pass")
    if state in (TaskStatus.AWAITING_CONFIRMATION,):
        from django.utils import timezone

        task.officers.update(confirmed_at=timezone.now())
    task.refresh_from_db()
    return task


@pytest.mark.django_db
def test_service_enforces_the_table_for_every_state_transition_and_role(task_and_people) -> None:
    task, people = task_and_people["task"], task_and_people["people"]
    for state, transition, role in itertools.product(STATES, workflow.LIFECYCLE_TRANSITIONS, ROLES):
        _force(task, state)
        actor = people[role]
        assert role in workflow.task_roles(task, actor) or (
            role == Role.OFFICER and Role.OFFICER in workflow.task_roles(task, actor)
        )
        held = workflow.task_roles(task, actor)
        row = EXPECTED.get((state, transition))
        expected = row[0] if row is not None and row[1] & held else None
        try:
            from django.db import transaction

            with transaction.atomic():
                out = services.task_transition(task=task, transition=transition, actor=actor)
                got: str | None = out.status
                transaction.set_rollback(True)
        except (Forbidden, Conflict):
            got = None
        if expected is None:
            assert got is None, (state, transition, role)
        else:
            # submit with no findings stays submitted; flagged ones go on to follow_up
            assert got == expected, (state, transition, role, got)


@pytest.mark.django_db
def test_field_inspection_end_to_end(task_and_people, tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path
    task, p = task_and_people["task"], task_and_people["people"]
    lead, lead2, part = p[Role.LEAD_OFFICER], p["lead2"], p[Role.OFFICER]
    with pytest.raises(Conflict):
        services.task_point_mark(task=task, point_id=task.points.first().pk, result="pass", actor=lead)
    services.task_transition(task=task, transition="start", actor=part)
    points = list(task.points.all())
    with pytest.raises(Invalid, match="describe"):
        services.task_point_mark(task=task, point_id=points[0].pk, result="finding", actor=lead)
    with pytest.raises(Invalid) as markup:
        services.task_point_mark(
            task=task, point_id=points[0].pk, result="finding", note="<script>x</script>未亮照", actor=lead
        )
    assert (markup.value.problems[0].field, markup.value.problems[0].code) == ("note", "markup")
    services.task_point_mark(
        task=task, point_id=points[0].pk, result="finding", note="安全出口堆放杂物", actor=lead
    )
    for pt in points[1:]:
        services.task_point_mark(task=task, point_id=pt.pk, result="pass", actor=part)
    with pytest.raises(Invalid, match="location"):
        services.task_transition(task=task, transition="complete", actor=lead)
    photo = services.task_photo_add(
        task=task, content=b"\xff\xd8\xff\xe0fakejpeg", filename="a.jpg", actor=lead, point_id=points[0].pk
    )
    assert (tmp_path / photo.file.name).exists()
    from crossreg.ledger.models import Entry

    entry = Entry.objects.filter(action="inspection.photo.add").latest("pk")
    assert photo.sha256 in str(entry.evidence)
    with pytest.raises(Invalid, match="JPEG"):
        services.task_photo_add(task=task, content=b"MZ\x90exe", filename="x.exe", actor=lead)
    services.task_location_set(task=task, actor=lead, lat=33.35, lng=120.16)
    services.task_transition(task=task, transition="complete", actor=lead)
    services.task_confirm(task=task, actor=lead)
    with pytest.raises(Invalid, match="confirmed"):
        services.task_transition(task=task, transition="submit", actor=lead)
    services.task_confirm(task=task, actor=lead2)
    out = services.task_transition(task=task, transition="submit", actor=lead, note="发现1项问题，责令整改")
    assert out.status == TaskStatus.FOLLOW_UP and out.follow_up and out.result_due is not None
    pub = services.task_transition(task=task, transition="publish", actor=p[Role.STAFF])
    assert pub.status == TaskStatus.PUBLISHED and pub.published_at is not None
    assert list(task.events.values_list("transition", flat=True)) == [
        "create",
        "start",
        "complete",
        "submit",
        "flag_follow_up",
        "publish",
    ]
