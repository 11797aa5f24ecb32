"""Who may read which subject's record: role × department × subject kind → allowed or not.

The table follows docs/ledger.md ("Who may read a record"): the city-level roles read everything;
anyone else reads a subject their department has a hand in. A refusal is a 404, the same answer as
for a subject that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crossreg.catalog.models import ItemVersion
from crossreg.inspections.models import InspectionTask
from crossreg.ledger import selectors, services
from crossreg.ledger.services import LedgerRecord, ledger_append_many
from crossreg.linking.models import SourceList
from crossreg.orgs.models import User
from crossreg.orgs.services import api_token_issue
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import (
    PERIOD,
    TODAY,
    drawn_plan,
    item_version,
    make_plan,
    officer_user,
    sampling_city,
)
from crossreg.web.tests.factories import UserFactory, source_record_make

pytestmark = pytest.mark.django_db

CITY_LEVEL = ("leader", "bigdata", "root")
EVERYONE = (
    *CITY_LEVEL,
    "smr_staff",
    "smr_admin",
    "smr_officer",
    "mem_staff",
    "eeb_staff",
    "hc_staff",
    "approval",
    "justice",
    "no_dept",
)  # and "inactive", who reads nothing


@pytest.fixture
def world(settings: Any) -> dict[str, Any]:
    city = sampling_city(settings)
    depts = city["departments"]
    smr_plan = drawn_plan(city, "smr", divisions=["320902"])
    mem_plan = drawn_plan(city, "mem", divisions=["320902"])
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    task = InspectionTask.objects.filter(entity=city["hengda"]).get()  # joint: smr leads, mem joins
    assert set(task.departments.values_list("department_id", flat=True)) == {"smr", "mem"}
    officer = task.officers.select_related("officer").filter(department_id="smr")[0].officer
    # a draft plan of the environment bureau with the health commission as its partner, next quarter
    eeb_plan = make_plan(
        city,
        "eeb",
        divisions=["320902"],
        participants=[depts["hc"]],
        period="2025Q4",
        period_start=dt.date(2025, 10, 1),
        period_end=dt.date(2025, 12, 31),
    )
    heming = city["heming"]
    source_record_make(heming, depts["hc"], "hc-1")  # the health commission supervises it
    source_record_make(heming, depts["eeb"], "eeb-1", current=False)  # the environment bureau did, once
    draft = item_version(depts["eeb"], "JG-EEB-0002", [("排放口规范化", "依据", "不规范")])
    ItemVersion.objects.filter(pk=draft.pk).update(status=ItemVersion.Status.DRAFT)
    make = UserFactory.create
    people: dict[str, User] = {
        "leader": make(username="leader", role="leader", department=None),
        "bigdata": make(username="dsj", role="bigdata", department=depts["bigdata"]),
        "root": city["root"],
        "smr_staff": city["staff"]["smr"],
        "smr_admin": make(username="smr_admin", role="dept_admin", department=depts["smr"]),
        "smr_officer": officer_user(officer, "smr_officer"),
        "mem_staff": city["staff"]["mem"],
        "eeb_staff": city["staff"]["eeb"],
        "hc_staff": city["staff"]["hc"],
        "approval": make(username="spj", role="approval", department=depts["approval"]),
        "justice": make(username="sfj", role="justice", department=depts["justice"]),
        "no_dept": make(username="nodept", role="staff", department=None),
        "inactive": make(username="gone", role="staff", department=depts["smr"], is_active=False),
    }
    token, secret = api_token_issue(
        actor=people["smr_admin"], name="系统", department=depts["smr"], scopes=["ledger:read"]
    )
    subjects = {
        "hengda": ("entity", str(city["hengda"].pk)),
        "heming": ("entity", str(heming.pk)),
        "no_entity": ("entity", "987654321"),
        "task": ("inspection.task", task.code),
        "smr_plan": ("sampling.plan", smr_plan.code),
        "mem_plan": ("sampling.plan", mem_plan.code),
        "eeb_plan": ("sampling.plan", eeb_plan.code),
        "period": ("sampling.period", PERIOD),
        "published_version": ("catalog.item_version", "JG-SMR-0001/v1"),
        "draft_version": ("catalog.item_version", "JG-EEB-0002/v1"),
        "power_item": ("catalog.power_item", "330217001000"),
        "import": ("catalog.import", "0123456789abcdef"),
        "token": ("api_token", str(token.pk)),
        "smr_staff_user": ("user", str(people["smr_staff"].pk)),
        "officer": ("orgs.officer", officer.certificate_no),
        "hc_list": ("source_list", str(SourceList.objects.get(department_id="hc").pk)),
        "city": ("city", "yancheng"),
        "link_model": ("link_model", "1"),
        "unknown": ("case", "1"),
    }
    return {"people": people, "subjects": subjects, "secret": secret, "city": city}


# subject → who reads it besides the city-level roles (leader, big-data bureau, administrator)
TABLE: dict[str, set[str]] = {
    "hengda": {"smr_staff", "smr_admin", "smr_officer", "mem_staff"},  # its joint task's departments
    "heming": {"hc_staff"},  # current record in the health commission's list; eeb's record has left
    "no_entity": set(),
    "task": {"smr_staff", "smr_admin", "smr_officer", "mem_staff"},
    "smr_plan": {"smr_staff", "smr_admin", "smr_officer"},
    "mem_plan": {"mem_staff"},
    "eeb_plan": {"eeb_staff", "hc_staff"},  # its department and its joint partner
    "period": {"smr_staff", "smr_admin", "smr_officer", "mem_staff"},  # departments with a plan in it
    "published_version": {*EVERYONE},
    "draft_version": {"eeb_staff", "approval", "justice"},
    "power_item": {*EVERYONE},
    "import": {"approval", "justice"},
    "token": {"smr_admin"},
    "smr_staff_user": {"smr_staff", "smr_admin"},  # the user, and their department's administrator
    "officer": {"smr_staff", "smr_admin", "smr_officer"},
    "hc_list": {"hc_staff"},
    "city": set(),
    "link_model": set(),
    "unknown": set(),
}


def test_the_table(world: dict[str, Any]) -> None:
    wrong = []
    for subject, readers in TABLE.items():
        subject_type, subject_id = world["subjects"][subject]
        for name, user in world["people"].items():
            expected = name != "inactive" and (name in CITY_LEVEL or name in readers)
            got = selectors.subject_visible(user=user, subject_type=subject_type, subject_id=subject_id)
            if got != expected:
                wrong.append(f"{name} × {subject}: {'allowed' if got else 'refused'}, expected the opposite")
    assert wrong == []
    assert set(TABLE) == set(world["subjects"])


def test_anonymous_reads_nothing(world: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    for subject_type, subject_id in world["subjects"].values():
        assert not selectors.subject_visible(
            user=AnonymousUser(), subject_type=subject_type, subject_id=subject_id
        )
        assert not selectors.subject_visible(user=None, subject_type=subject_type, subject_id=subject_id)


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("person", "subject", "status"),
    [
        ("smr_staff", "hengda", 200),
        ("mem_staff", "hengda", 200),
        ("eeb_staff", "hengda", 404),
        ("eeb_staff", "no_entity", 404),  # the same answer for one that does not exist
        ("hc_staff", "heming", 200),
        ("approval", "task", 404),
        ("leader", "no_entity", 200),  # an empty record for those who read everything
        ("inactive", "hengda", 302),  # an inactive user is not signed in
    ],
)
def test_timeline_page_and_bundle_answer_by_the_table(
    world: dict[str, Any], person: str, subject: str, status: int
) -> None:
    subject_type, subject_id = world["subjects"][subject]
    client = _client(world["people"][person])
    page = client.get(f"/ledger/subject/{subject_type}/{subject_id}/")
    assert page.status_code == status
    bundle = client.get(f"/ledger/subject/{subject_type}/{subject_id}/bundle.json")
    has_entries = selectors.subject_entries(subject_type=subject_type, subject_id=subject_id).exists()
    assert bundle.status_code == (200 if status == 200 and has_entries else status if status == 302 else 404)
    api = client.get("/api/v1/ledger/bundle", {"subject_type": subject_type, "subject_id": subject_id})
    if status == 404:
        assert api.status_code == 404
        assert 'data-testid="timeline"' not in page.content.decode()
        # the refusal reads exactly as for a subject that does not exist
        ghost = client.get("/api/v1/ledger/bundle", {"subject_type": subject_type, "subject_id": "0"})
        assert api.json() == {
            "detail": [
                {**p, "message": p["message"].replace(":0 ", f":{subject_id} ")}
                for p in ghost.json()["detail"]
            ]
        }


def test_a_department_token_reads_its_department_subjects_only(world: dict[str, Any]) -> None:
    client = Client(headers={"Authorization": f"Bearer {world['secret']}"})
    for subject, expected in (("task", 200), ("smr_plan", 200), ("mem_plan", 404), ("heming", 404)):
        subject_type, subject_id = world["subjects"][subject]
        r = client.get("/api/v1/ledger/bundle", {"subject_type": subject_type, "subject_id": subject_id})
        assert r.status_code == expected, subject
    # hashes only: not scoped
    assert client.get("/api/v1/ledger/checkpoint/latest").status_code == 200
    assert client.get("/api/v1/ledger/consistency", {"old": 1}).status_code == 200


def test_index_lists_recent_entries_to_the_city_level_only(world: dict[str, Any]) -> None:
    leader = _client(world["people"]["leader"]).get("/ledger/").content.decode()
    staff = _client(world["people"]["smr_staff"]).get("/ledger/").content.decode()
    assert "/ledger/subject/" in leader
    assert "/ledger/subject/" not in staff
    assert 'data-testid="ledger-size"' in staff  # the tree head is public anyway
    assert 'data-testid="recent-scoped"' in staff and 'data-testid="recent-scoped"' not in leader


def _timeline_queries(client: Client, subject_type: str, subject_id: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/ledger/subject/{subject_type}/{subject_id}/")
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("person", ["smr_staff", "smr_officer", "mem_staff", "leader"])
def test_timeline_page_costs_the_same_queries_however_long_the_record(
    world: dict[str, Any], person: str
) -> None:
    subject_type, subject_id = world["subjects"]["hengda"]
    client = _client(world["people"][person])
    services.checkpoint_create()
    short = _timeline_queries(client, subject_type, subject_id)
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action=f"entity.note{i}",
                subject_type=subject_type,
                subject_id=subject_id,
            )
            for i in range(40)
        ]
    )
    services.checkpoint_create()
    long = _timeline_queries(client, subject_type, subject_id)
    html = client.get(f"/ledger/subject/{subject_type}/{subject_id}/").content.decode()
    assert len(re.findall(r'data-seq="\d+"', html)) >= 40
    assert long == short
    # session, user, the two OTP device lookups (django-otp), the actors' names (one query), the access check (the registry's rule and the grants of the object base and of
    # inspections: at most one query each; none for the city level), entries, checkpoint, leaf
    # hashes, nodes, the subject's display name, and the page shell's department name (none
    # without a department)
    assert short == (10 if person == "leader" else 13)
