"""Table tests: every (state, transition) of both workflows × every role × every kind of department.

The expectation below is written by hand from the policy (REQUIREMENTS M1), independently of
``workflow.COMPILE``/``ADJUST``; a test also checks that the two tables list exactly these rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from crossreg.catalog import services, workflow
from crossreg.catalog.models import ChangeRequest, ItemVersion, VersionEvent
from crossreg.catalog.tests.factories import DEPARTMENTS, ROLES, adjust_to, compile_to, content, make_world
from crossreg.core.errors import Conflict, Forbidden

pytestmark = pytest.mark.django_db

DRAFTER = {("staff", "owner"), ("dept_admin", "owner")}
REVIEWER = {("staff", "involved"), ("dept_admin", "involved")}
CITY_APPROVAL = {("approval", "city_approval")}
JUSTICE = {("justice", "justice")}
COUNTY = {("approval", "county")}

#: (state, transition) → the (role, department) pairs that may make it. Empty: only the system.
COMPILE_EXPECTED: dict[tuple[str, str], set[tuple[str, str]]] = {
    ("draft", "edit"): DRAFTER,
    ("draft", "submit"): DRAFTER,
    ("draft", "abandon"): DRAFTER,
    ("submitted", "convene"): CITY_APPROVAL,
    ("submitted", "return"): CITY_APPROVAL,
    ("joint_review", "concur"): REVIEWER,
    ("joint_review", "object"): REVIEWER,
    ("joint_review", "complete"): set(),
    ("legality_review", "pass"): JUSTICE,
    ("legality_review", "return"): JUSTICE,
    ("published", "withdraw"): CITY_APPROVAL,
    ("published", "supersede"): set(),
}
COMPILE_TARGET = {
    ("draft", "edit"): "draft",
    ("draft", "submit"): "submitted",
    ("draft", "abandon"): "abandoned",
    ("submitted", "convene"): "joint_review",
    ("submitted", "return"): "draft",
    ("joint_review", "concur"): "legality_review",  # the only involved department concurs → complete
    ("joint_review", "object"): "draft",
    ("legality_review", "pass"): "published",
    ("legality_review", "return"): "draft",
    ("published", "withdraw"): "withdrawn",
}
ADJUST_EXPECTED: dict[tuple[str, str], set[tuple[str, str]]] = {
    ("draft", "edit"): COUNTY,
    ("draft", "file"): COUNTY,
    ("draft", "cancel"): COUNTY,
    ("returned", "edit"): COUNTY,
    ("returned", "file"): COUNTY,
    ("returned", "cancel"): COUNTY,
    ("first_review", "owner_concur"): DRAFTER,
    ("first_review", "owner_object"): DRAFTER,
    ("first_review", "pass"): CITY_APPROVAL,
    ("first_review", "return"): CITY_APPROVAL,
    ("first_review", "reject"): CITY_APPROVAL,
    ("legality_review", "pass"): JUSTICE,
    ("legality_review", "return"): JUSTICE,
}
ADJUST_TARGET = {
    ("draft", "edit"): "draft",
    ("draft", "file"): "first_review",
    ("draft", "cancel"): "cancelled",
    ("returned", "edit"): "returned",
    ("returned", "file"): "first_review",
    ("returned", "cancel"): "cancelled",
    ("first_review", "owner_concur"): "first_review",
    ("first_review", "owner_object"): "first_review",
    ("first_review", "pass"): "legality_review",
    ("first_review", "return"): "returned",
    ("first_review", "reject"): "rejected",
    ("legality_review", "pass"): "published",
    ("legality_review", "return"): "returned",
}
DEPT_KEYS = tuple(DEPARTMENTS)


def test_tables_list_exactly_the_expected_rows() -> None:
    assert {(str(t.source), t.name) for t in workflow.COMPILE} == set(COMPILE_EXPECTED)
    assert {(str(t.source), t.name) for t in workflow.ADJUST} == set(ADJUST_EXPECTED)
    # nobody skips legality review: the only way into "published" is pass from legality_review
    for table in (workflow.COMPILE, workflow.ADJUST):
        into_published = [(str(t.source), t.name) for t in table if t.target == "published"]
        assert into_published == [("legality_review", "pass")]


class _Rollback(Exception):
    """Raised to undo one case, so that every (role, department) starts from the same state."""


def _run_cases(expected: set[tuple[str, str]], case: Any) -> list[str]:
    """Run ``case(role, dept, allowed)`` for every role × department, each in a rolled-back savepoint;
    returns the mismatches."""
    failures = []
    for role in ROLES:
        for dept in DEPT_KEYS:
            allowed = (role, dept) in expected
            try:
                with transaction.atomic():
                    problem = case(role, dept, allowed)
                    if problem:
                        failures.append(f"{role}@{dept} (allowed={allowed}): {problem}")
                    raise _Rollback
            except _Rollback:
                pass
    return failures


@pytest.mark.parametrize(("state", "transition"), sorted(COMPILE_EXPECTED))
def test_compile_transition_per_role_and_department(state: str, transition: str) -> None:
    world = make_world()
    v = compile_to(world, state)
    rev = v.revision

    def case(role: str, dept: str, allowed: bool) -> str | None:
        actor = world.user(role, dept)
        events_before = VersionEvent.objects.count()
        try:
            if transition == "edit":
                services.version_update(
                    version=v, actor=actor, revision=rev, content=content(name="改后的名称")
                )
            else:
                services.version_transition(
                    version=v,
                    transition=transition,
                    actor=actor,
                    reason="理由" if transition != "concur" else "",
                )
        except Forbidden:
            now = ItemVersion.objects.get(pk=v.pk)
            if allowed:
                return "refused"
            if (now.status, now.revision, VersionEvent.objects.count()) != (state, rev, events_before):
                return "refused but something was written"
            return None
        if not allowed:
            return "was allowed"
        now = ItemVersion.objects.get(pk=v.pk)
        if now.status != COMPILE_TARGET[(state, transition)]:
            return f"ended in {now.status}"
        if VersionEvent.objects.count() <= events_before:
            return "no history row"
        if transition == "edit" and (now.name, now.revision) != ("改后的名称", rev + 1):
            return "edit not saved"
        return None

    assert _run_cases(COMPILE_EXPECTED[(state, transition)], case) == []


@pytest.mark.parametrize(("state", "transition"), sorted(ADJUST_EXPECTED))
def test_adjust_transition_per_role_and_department(state: str, transition: str) -> None:
    world = make_world()
    cr = adjust_to(world, state, owner_heard=not transition.startswith("owner_"))
    v = cr.version
    rev = v.revision

    def case(role: str, dept: str, allowed: bool) -> str | None:
        actor = world.user(role, dept)
        events_before = VersionEvent.objects.count()
        try:
            if transition == "edit":
                services.version_update(
                    version=v, actor=actor, revision=rev, content=content(name="调整后的名称")
                )
            else:
                services.change_request_transition(
                    change_request=cr, transition=transition, actor=actor, reason="理由"
                )
        except Forbidden:
            now = ChangeRequest.objects.get(pk=cr.pk)
            if allowed:
                return "refused"
            if (now.status, VersionEvent.objects.count()) != (state, events_before):
                return "refused but something was written"
            return None
        if not allowed:
            return "was allowed"
        now = ChangeRequest.objects.get(pk=cr.pk)
        if now.status != ADJUST_TARGET[(state, transition)]:
            return f"ended in {now.status}"
        if VersionEvent.objects.count() <= events_before:
            return "no history row"
        return None

    assert _run_cases(ADJUST_EXPECTED[(state, transition)], case) == []


COMPILE_NAMES = sorted({t for _s, t in COMPILE_EXPECTED} - {"edit"})
BEST_ACTOR = {
    "submit": ("staff", "owner"),
    "abandon": ("staff", "owner"),
    "convene": ("approval", "city_approval"),
    "return": ("justice", "justice"),
    "concur": ("staff", "involved"),
    "object": ("staff", "involved"),
    "complete": ("admin", "city_approval"),
    "pass": ("justice", "justice"),
    "withdraw": ("approval", "city_approval"),
    "supersede": ("admin", "city_approval"),
    "file": ("approval", "county"),
    "cancel": ("approval", "county"),
    "reject": ("approval", "city_approval"),
    "owner_concur": ("staff", "owner"),
    "owner_object": ("staff", "owner"),
}


@pytest.mark.parametrize(
    ("state", "transition"),
    [
        (s, t)
        for s in ("draft", "submitted", "joint_review", "legality_review", "published")
        for t in COMPILE_NAMES
        if (s, t) not in COMPILE_EXPECTED
    ],
)
def test_compile_transition_from_wrong_state_is_refused(state: str, transition: str) -> None:
    """E.g. pass from joint_review: nobody skips legality review, whoever asks."""
    world = make_world()
    v = compile_to(world, state)
    role, dept = BEST_ACTOR[transition]
    with pytest.raises(Conflict):
        services.version_transition(
            version=v, transition=transition, actor=world.user(role, dept), reason="x"
        )
    v.refresh_from_db()
    assert v.status == state


ADJUST_NAMES = sorted({t for _s, t in ADJUST_EXPECTED} - {"edit"})


@pytest.mark.parametrize(
    ("state", "transition"),
    [
        (s, t)
        for s in ("draft", "first_review", "legality_review", "returned", "published")
        for t in ADJUST_NAMES
        if (s, t) not in ADJUST_EXPECTED
    ],
)
def test_adjust_transition_from_wrong_state_is_refused(state: str, transition: str) -> None:
    world = make_world()
    cr = adjust_to(world, state)
    role, dept = BEST_ACTOR[transition]
    with pytest.raises(Conflict):
        services.change_request_transition(
            change_request=cr, transition=transition, actor=world.user(role, dept), reason="x"
        )
    cr.refresh_from_db()
    assert cr.status == state


def test_system_rows_cannot_be_made_by_any_user() -> None:
    world = make_world()
    v = compile_to(world, "joint_review")
    for role in ROLES:
        for dept in DEPT_KEYS:
            with pytest.raises(Forbidden):
                services.version_transition(version=v, transition="complete", actor=world.user(role, dept))


def test_adjust_version_cannot_be_moved_by_compile_transitions() -> None:
    world = make_world()
    cr = adjust_to(world, "legality_review")
    with pytest.raises(Conflict):
        services.version_transition(version=cr.version, transition="pass", actor=world.lawyer)
    assert ChangeRequest.objects.get(pk=cr.pk).status == "legality_review"
    assert ItemVersion.objects.get(pk=cr.version_id).status == "legality_review"
