"""Permission matrix (issue 10): every registered subject type × every page and API that lists it.

A principal of an unrelated department sees nothing of another department's subjects, and the
public only what is published — on the subject's own pages, on the lists that show it (the
overdue page, an item's change requests, task and plan lists), in the API and in the ledger. The
expectations are written here, not derived from the code's rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crossreg.catalog.models import ChangeRequest, ItemVersion
from crossreg.catalog.tests.factories import adjust_to, compile_to, make_world
from crossreg.core.subjects import subject_readable, subject_types
from crossreg.inspections.models import InspectionTask
from crossreg.ledger.models import Entry, EntryRef
from crossreg.ledger.selectors import subject_visible
from crossreg.orgs.permissions import Principal
from crossreg.sampling import services as sampling
from crossreg.sampling.models import SamplingPlan
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, make_plan, sampling_city
from crossreg.web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ledger_key(settings: Any) -> None:
    from crossreg.ledger.tests.conftest import TEST_KEY_HEX

    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": TEST_KEY_HEX, "LEDGER_TSA_URL": ""}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Reference data every registry reader may read (published by nature), so not "another
# department's": the matrix asks only that the public does not read their records either.
REFERENCE = {"catalog.power_item", "catalog.cross_item", "division", "gridcell", "domain"}


def _client(user: Any = None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _every_subject() -> set[tuple[str, str]]:
    out = set(Entry.objects.values_list("subject_type", "subject_id"))
    return out | set(EntryRef.objects.values_list("subject_type", "subject_id"))


def _assert_matrix(outsider: Any, *, mine: set[tuple[str, str]] = frozenset()) -> None:  # type: ignore[assignment]
    """Over every subject the world recorded: the outsider reads none (but reference data and what
    it recorded itself), the public none, and each type's ``public`` is the only way in."""
    p_out, p_anon = Principal.of(outsider), Principal.anonymous()
    registered = {t.name: t for t in subject_types()}
    seen: set[str] = set()
    wrong: list[str] = []
    for st, sid in sorted(_every_subject()):
        seen.add(st)
        if st not in registered:
            wrong.append(f"{st} is written to the ledger but no app registered it")
            continue
        public = bool(registered[st].public(sid))
        if (st, sid) not in mine and st not in REFERENCE and not public:
            if subject_readable(principal=p_out, subject_type=st, subject_id=sid):
                wrong.append(f"outsider reads {st}:{sid}")
            if subject_visible(user=outsider, subject_type=st, subject_id=sid):
                wrong.append(f"outsider reads the ledger record of {st}:{sid}")
        if subject_readable(principal=p_anon, subject_type=st, subject_id=sid) != public:
            wrong.append(f"the public {'reads' if not public else 'cannot read'} {st}:{sid}")
        if subject_visible(user=None, subject_type=st, subject_id=sid):
            wrong.append(f"the public reads the ledger record of {st}:{sid}")
    assert wrong == []
    assert seen  # the world recorded something


def test_catalog_drafts_and_change_requests(settings: Any) -> None:
    world = make_world()
    draft = compile_to(world, "joint_review", code="JG-SCJG-0001")
    ItemVersion.objects.filter(pk=draft.pk).update(state_entered_at=timezone.now() - dt.timedelta(days=40))
    cr = adjust_to(world, "first_review", code="JG-SCJG-0002")
    outsider = world.user("staff", "outsider", "outsider")
    insider = world.reviewer  # the department involved in the review
    _assert_matrix(outsider)

    c_out, c_in, anon = _client(outsider), _client(insider), _client()
    # the overdue page: the draft's code and name are not for an unrelated department
    overdue_out = c_out.get("/catalog/work/overdue/").content.decode()
    assert "JG-SCJG-0001" not in overdue_out
    assert "JG-SCJG-0001" in c_in.get("/catalog/work/overdue/").content.decode()
    assert anon.get("/catalog/work/overdue/").status_code == 302  # to the login page
    # the draft's own pages, work and public, and its ledger record
    assert c_out.get(f"/catalog/work/versions/{draft.pk}/").status_code == 404
    assert c_out.get("/catalog/work/items/JG-SCJG-0001/").status_code == 404
    assert c_out.get(f"/api/v1/catalog/versions/{draft.pk}").status_code == 404
    assert anon.get("/catalog/items/JG-SCJG-0001/").status_code == 404
    sid = f"JG-SCJG-0001/v{draft.number}"
    assert c_out.get(f"/ledger/subject/catalog.item_version/{sid}/").status_code == 404
    assert c_in.get(f"/ledger/subject/catalog.item_version/{sid}/").status_code == 200
    # change requests: an item's page lists only those the reader may read
    item_page = c_out.get("/catalog/work/items/JG-SCJG-0002/").content.decode()
    assert f"/catalog/work/change-requests/{cr.pk}/" not in item_page
    assert c_out.get(f"/catalog/work/change-requests/{cr.pk}/").status_code == 404
    assert ChangeRequest.objects.visible_to(Principal.of(outsider)).count() == 0
    assert ChangeRequest.objects.visible_to(Principal.anonymous()).count() == 0
    assert ChangeRequest.objects.visible_to(Principal.of(world.county_user)).count() == 1
    # what is published is public
    assert anon.get("/catalog/items/JG-SCJG-0002/").status_code == 200


def test_tasks_plans_and_entities(settings: Any) -> None:
    city = sampling_city(settings)
    drawn_plan(city, "smr", divisions=["320902"])
    draft = make_plan(
        city,
        "mem",
        divisions=["320902"],
        period="2025Q4",
        period_start=dt.date(2025, 10, 1),
        period_end=dt.date(2025, 12, 31),
    )
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    task = InspectionTask.objects.filter(entity=city["hengda"]).get()
    outsider = UserFactory.create(username="outsider", department=city["departments"]["eeb"], role="staff")
    _assert_matrix(outsider)

    c_out, anon = _client(outsider), _client()
    # task pages, the task list and the API
    assert c_out.get(f"/inspections/tasks/{task.code}/").status_code == 404
    assert task.code not in c_out.get("/inspections/").content.decode()
    assert task.code not in c_out.get("/api/v1/inspections/tasks").content.decode()
    assert InspectionTask.objects.visible_to(Principal.anonymous()).count() == 0
    # nothing is published yet: the public result pages show no task
    assert task.code not in anon.get("/inspections/public/").content.decode()
    # plans: the list, the page, the API; the public sees published plans only
    smr_plan = SamplingPlan.objects.get(department_id="smr")
    assert smr_plan.code not in c_out.get("/sampling/").content.decode()
    assert c_out.get(f"/sampling/plans/{smr_plan.code}/").status_code == 404
    assert c_out.get(f"/api/v1/sampling/plans/{smr_plan.code}").status_code == 404
    assert draft.code not in c_out.get("/api/v1/sampling/plans").content.decode()
    assert anon.get(f"/sampling/public/plans/{draft.code}/").status_code == 404
    assert anon.get(f"/sampling/public/plans/{smr_plan.code}/").status_code == 200
    # the entity's record: its departments read it, an unrelated department does not
    eid = city["hengda"].pk
    assert c_out.get(f"/ledger/subject/entity/{eid}/").status_code == 404
    assert _client(city["staff"]["smr"]).get(f"/ledger/subject/entity/{eid}/").status_code == 200
    assert anon.get(f"/ledger/subject/entity/{eid}/").status_code == 302
