"""Issue 18: the department that owns an item is asked during its adjustment, the county bureau
finds its way into the change-request form, and notices asking to act close when the stage ends."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crossreg.catalog import services
from crossreg.catalog.models import ChangeRequest, Opinion
from crossreg.catalog.tests.factories import adjust_to, compile_to, make_world
from crossreg.core.errors import Forbidden
from crossreg.notices.models import Notification

pytestmark = pytest.mark.django_db


def test_the_owning_department_is_asked_before_the_first_review_passes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = make_world()
    with django_capture_on_commit_callbacks(execute=True):
        cr = adjust_to(world, "first_review", owner_heard=False)
    owner = world.depts["owner"]
    asked = Notification.objects.get(verb="catalog.owner_opinion_awaited")
    assert asked.department_id == owner.pk and asked.read_at is None
    # the owner's to-do lists the request
    c = Client()
    c.force_login(world.drafter)
    assert f"/catalog/work/change-requests/{cr.pk}/" in c.get("/todo/").content.decode()
    # the city bureau may not pass it before the owner is heard
    with pytest.raises(Forbidden, match="所属部门"):
        services.change_request_transition(change_request=cr, transition="pass", actor=world.approver)
    # another department may not speak for the owner
    with pytest.raises(Forbidden):
        services.change_request_transition(
            change_request=cr, transition="owner_concur", actor=world.reviewer, reason=""
        )
    with django_capture_on_commit_callbacks(execute=True):
        cr = services.change_request_transition(
            change_request=cr, transition="owner_concur", actor=world.drafter, reason="同意调整"
        )
    assert cr.status == ChangeRequest.Status.FIRST_REVIEW
    opinion = Opinion.objects.get(version=cr.version, department=owner, stage=Opinion.Stage.FIRST)
    assert opinion.decision == "concur" and opinion.reason == "同意调整"
    asked.refresh_from_db()
    assert asked.read_at is not None  # the request to the owner is closed
    assert Notification.objects.filter(verb="catalog.owner_opinion_given").exists()
    # heard once per filing: a second opinion is refused, and now the pass goes through
    with pytest.raises(Forbidden):
        services.change_request_transition(
            change_request=cr, transition="owner_object", actor=world.drafter, reason="x"
        )
    cr = services.change_request_transition(change_request=cr, transition="pass", actor=world.approver)
    assert cr.status == ChangeRequest.Status.LEGALITY_REVIEW


def test_joint_review_notices_close_when_the_item_is_published(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = make_world()
    with django_capture_on_commit_callbacks(execute=True):
        v = compile_to(world, "joint_review")
    join = Notification.objects.get(verb="catalog.joint_review_awaited")
    assert join.read_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.version_transition(version=v, transition="concur", actor=world.reviewer)
    v.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # another request: the justice bureau's
        services.version_transition(version=v, transition="pass", actor=world.lawyer)
    join.refresh_from_db()
    assert join.read_at is not None
    legality = Notification.objects.get(verb="catalog.legality_review_awaited")
    assert legality.read_at is not None  # published: the legality review is over too
    assert Notification.objects.filter(verb="catalog.published", read_at__isnull=True).exists()


def test_the_county_bureau_finds_the_change_request_form_from_its_work_and_the_item() -> None:
    world = make_world()
    compile_to(world, "published")
    c = Client()
    c.force_login(world.county_user)
    form_url = "/catalog/work/items/JG-SCJG-0001/change-request/"
    work = c.get("/catalog/work/").content.decode()
    assert 'data-testid="adjustable"' in work and form_url in work
    assert form_url in c.get("/catalog/items/JG-SCJG-0001/").content.decode()
    assert c.get(form_url).status_code == 200
    # the to-do says where the way in is, even with no request yet
    assert "申请调整" in c.get("/todo/").content.decode()
    # other roles are not offered the form
    other = Client()
    other.force_login(world.drafter)
    assert form_url not in other.get("/catalog/items/JG-SCJG-0001/").content.decode()
