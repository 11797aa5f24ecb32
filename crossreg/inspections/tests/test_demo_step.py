"""The demo step that gives every demo task's officers a login (issue 18 item 2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crossreg.core.demo import DemoContext, demo_steps
from crossreg.inspections.demo_step import demo_step, officer_logins_ensure
from crossreg.inspections.models import InspectionTask, TaskOfficer
from crossreg.orgs.models import User
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, officer_user, sampling_city
from crossreg.synth.people import DEMO_PASSWORD


@pytest.fixture
def city(db: None, settings: Any) -> dict[str, Any]:
    c = sampling_city(settings)
    drawn_plan(c, "smr", divisions=["320902"])
    drawn_plan(c, "mem", divisions=["320902"])
    sampling.period_pool(actor=c["root"], period=PERIOD, today=TODAY)
    return c


def test_every_officer_of_a_task_can_sign_in_with_the_demo_password(city: dict[str, Any]) -> None:
    assert "inspection officers" in [s.name for s in demo_steps()]
    rows = list(TaskOfficer.objects.select_related("officer"))
    assert rows
    # one officer already has a login with its own password: it is left alone
    kept = officer_user(rows[0].officer, "has_own_login")
    own_hash = kept.password
    # one was given a login without a usable password (as sampling's demo does)
    bare = User.objects.create(
        username=f"officer-{rows[1].officer.certificate_no}",
        role=User.Role.OFFICER,
        department_id=rows[1].officer.department_id,
    )
    bare.set_unusable_password()
    bare.save()
    rows[1].officer.user = bare
    rows[1].officer.save(update_fields=["user"])

    created, passwords = officer_logins_ensure()
    officers = {r.officer_id for r in rows}
    assert created == len(officers) - 2 and passwords == len(officers) - 1
    for r in TaskOfficer.objects.select_related("officer__user"):
        user = r.officer.user
        assert user is not None
        if user.username == "has_own_login":
            assert user.password == own_hash
            continue
        assert user.username == f"officer-{r.officer.certificate_no}"
        assert user.role == User.Role.OFFICER and user.department_id == r.officer.department_id
    # both officers of the joint task sign in with the demo password and see it
    task = InspectionTask.objects.get(entity=city["hengda"])
    for r in task.officers.select_related("officer__user"):
        user = r.officer.user
        assert user is not None
        if user.username == "has_own_login":
            continue
        c = Client()
        assert c.login(username=user.username, password=DEMO_PASSWORD)
        assert c.get(f"/inspections/tasks/{task.code}/").status_code == 200
    # idempotent
    assert officer_logins_ensure() == (0, 0)
    assert "0 created" in demo_step(DemoContext(seed=1, actor="system:demo", lists_dir=""))
