from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crossreg.catalog import selectors, services
from crossreg.catalog.content import content_of
from crossreg.catalog.models import ItemVersion, Opinion, PowerItem, SupervisionItem, VersionEvent
from crossreg.catalog.tests.factories import adjust_to, compile_to, content, make_world
from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.ledger.models import Entry
from crossreg.notices.models import Notification
from crossreg.notices.selectors import notice_unread_count

pytestmark = pytest.mark.django_db


def test_second_editor_gets_conflict_and_no_update_is_lost() -> None:
    world = make_world()
    v = services.item_create(actor=world.drafter, content=content())
    colleague = world.user("dept_admin", "owner", "colleague")
    opened = v.revision
    services.version_update(version=v, actor=world.drafter, revision=opened, content=content(name="甲的修改"))
    with pytest.raises(Conflict) as exc:
        services.version_update(version=v, actor=colleague, revision=opened, content=content(name="乙的修改"))
    assert exc.value.problems[0].field == "revision"
    assert "修改" in exc.value.problems[0].message
    v.refresh_from_db()
    assert v.name == "甲的修改"
    assert v.revision == opened + 1


def test_other_department_cannot_create_or_edit_a_draft() -> None:
    world = make_world()
    with pytest.raises(Forbidden):
        services.item_create(actor=world.reviewer, content=content())  # hbj staff drafting for scjg
    v = services.item_create(actor=world.drafter, content=content())
    with pytest.raises(Forbidden):
        services.version_update(
            version=v, actor=world.reviewer, revision=v.revision, content=content(name="x")
        )


def test_duplicate_code_is_refused() -> None:
    world = make_world()
    services.item_create(actor=world.drafter, content=content())
    with pytest.raises(Conflict) as exc:
        services.item_create(actor=world.drafter, content=content())
    assert exc.value.problems[0].field == "code"


def test_publishing_with_withdrawn_power_item_is_refused_with_reason() -> None:
    world = make_world()
    v = compile_to(world, "legality_review")
    services.power_item_withdraw(power_item=world.power, actor=world.approver, reason="权力清单调整取消")
    with pytest.raises(Invalid) as exc:
        services.version_transition(version=v, transition="pass", actor=world.lawyer)
    problem = exc.value.problems[0]
    assert problem.field == "power_items" and problem.code == "power_item_withdrawn"
    assert "JC-SCJG-001" in problem.message and "权力清单调整取消" in problem.message
    v.refresh_from_db()
    assert v.status == "legality_review"
    assert not SupervisionItem.objects.get(pk=v.item_id).published_id


def test_submit_with_withdrawn_power_item_is_refused_early() -> None:
    world = make_world()
    v = services.item_create(actor=world.drafter, content=content())
    PowerItem.objects.filter(pk=world.power.pk).update(status="withdrawn")
    with pytest.raises(Invalid):
        services.version_transition(version=v, transition="submit", actor=world.drafter)


def test_incomplete_draft_cannot_be_submitted() -> None:
    world = make_world()
    v = services.item_create(actor=world.drafter, content=content(points=0, legal_basis=""))
    with pytest.raises(Invalid) as exc:
        services.version_transition(version=v, transition="submit", actor=world.drafter)
    fields = {p.field for p in exc.value.problems}
    assert {"legal_basis", "check_points"} <= fields


def test_draft_of_v2_does_not_disturb_published_v1() -> None:
    world = make_world()
    v1 = compile_to(world, "published")
    v2 = services.version_new_draft(item=v1.item, actor=world.drafter)
    services.version_update(
        version=v2, actor=world.drafter, revision=v2.revision, content=content(name="第二版")
    )
    public = selectors.catalog_public_list()
    assert [(v.item.code, v.number, v.name) for v in public] == [("JG-SCJG-0001", 1, "食品生产企业监督检查")]
    with pytest.raises(Conflict):
        services.version_new_draft(item=v1.item, actor=world.drafter)  # one open version at a time


def test_publishing_v2_supersedes_v1_and_keeps_history() -> None:
    world = make_world()
    v1 = compile_to(world, "published")
    v2 = services.version_new_draft(item=v1.item, actor=world.drafter)
    for name, actor in (("submit", world.drafter), ("convene", world.approver), ("concur", world.reviewer)):
        v2 = services.version_transition(version=v2, transition=name, actor=actor)
    services.version_transition(
        version=v2, transition="pass", actor=world.lawyer, effective_on=dt.date(2026, 1, 1)
    )
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("superseded", "published")
    assert v2.effective_on == dt.date(2026, 1, 1)
    assert SupervisionItem.objects.get(pk=v1.item_id).published_id == v2.pk
    assert VersionEvent.objects.filter(version=v1, transition="supersede").exists()


def test_objection_returns_to_draft_with_reason_and_new_round_needs_everyone_again() -> None:
    world = make_world()
    v = compile_to(world, "submitted")
    v = services.version_transition(
        version=v, transition="convene", actor=world.approver, involved_departments=["hbj", "jtj"]
    )
    services.version_transition(version=v, transition="concur", actor=world.reviewer)
    outsider = world.user("staff", "outsider")
    with pytest.raises(Invalid):
        services.version_transition(version=v, transition="object", actor=outsider, reason="")
    v = services.version_transition(version=v, transition="object", actor=outsider, reason="检查频次过高")
    assert v.status == "draft"
    assert Opinion.objects.filter(version=v, decision="object", reason="检查频次过高").exists()
    # second round: the earlier concurrence does not count
    v = services.version_transition(version=v, transition="submit", actor=world.drafter)
    v = services.version_transition(version=v, transition="convene", actor=world.approver)
    v = services.version_transition(version=v, transition="concur", actor=outsider)
    assert v.status == "joint_review"
    v = services.version_transition(version=v, transition="concur", actor=world.reviewer)
    assert v.status == "legality_review"


def test_every_step_is_recorded_in_the_ledger() -> None:
    world = make_world()
    before = Entry.objects.count()
    compile_to(world, "published")
    actions = list(Entry.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert actions == [
        "catalog.item.create",
        "catalog.compile.submit",
        "catalog.compile.convene",
        "catalog.compile.concur",
        "catalog.compile.complete",
        "catalog.compile.pass",
    ]


def test_each_awaited_party_is_notified_on_commit(django_capture_on_commit_callbacks: Any) -> None:
    world = make_world()
    v = services.item_create(actor=world.drafter, content=content())
    with django_capture_on_commit_callbacks(execute=True):
        v = services.version_transition(version=v, transition="submit", actor=world.drafter)
    assert notice_unread_count(user=world.approver) == 1
    with django_capture_on_commit_callbacks(execute=True):
        v = services.version_transition(version=v, transition="convene", actor=world.approver)
    assert notice_unread_count(user=world.reviewer) == 1
    assert notice_unread_count(user=world.user("staff", "outsider")) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.version_transition(version=v, transition="concur", actor=world.reviewer)
    assert notice_unread_count(user=world.lawyer) == 1
    n = Notification.objects.filter(department=world.depts["justice"]).get()
    assert n.link.endswith(f"/catalog/work/versions/{v.pk}/")


def test_refused_action_notifies_nobody(django_capture_on_commit_callbacks: Any) -> None:
    world = make_world()
    v = services.item_create(actor=world.drafter, content=content())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Forbidden):
        services.version_transition(version=v, transition="submit", actor=world.reviewer)
    assert Notification.objects.count() == 0


def test_change_request_publishes_new_version_with_history() -> None:
    world = make_world()
    cr = adjust_to(world, "published")
    item = SupervisionItem.objects.get(pk=cr.item_id)
    versions = list(item.versions.order_by("number").values_list("number", "status"))
    assert versions == [(1, "superseded"), (2, "published")]
    assert item.published_id == cr.version_id
    events = list(VersionEvent.objects.filter(change_request=cr).values_list("transition", flat=True))
    assert events == ["create", "file", "owner_concur", "pass", "pass"]  # the owning department heard first


def test_only_county_approval_can_file_change_requests() -> None:
    world = make_world()
    v = compile_to(world, "published")
    for actor in (world.approver, world.drafter, world.lawyer, world.user("approval", "owner")):
        with pytest.raises(Forbidden):
            services.change_request_create(item=v.item, actor=actor, reason_kind="work_need", reason="需要")


def test_overdue_reviews_are_listed(settings: Any) -> None:
    world = make_world()
    v = compile_to(world, "joint_review")
    fresh = compile_to(world, "legality_review", code="JG-SCJG-0002")
    assert selectors.overdue_list(user=world.approver) == []
    ItemVersion.objects.filter(pk=v.pk).update(state_entered_at=timezone.now() - dt.timedelta(days=11))
    rows = selectors.overdue_list(user=world.approver)
    assert [r.pk for r in rows] == [v.pk] and rows[0].waited_days == 11  # type: ignore[attr-defined]
    settings.CROSSREG = {**settings.CROSSREG, "CATALOG_REVIEW_DEADLINE_DAYS": {"joint_review": 30}}
    assert selectors.overdue_list(user=world.approver) == []
    assert fresh.pk in [
        r.pk for r in selectors.overdue_list(user=world.approver, now=timezone.now() + dt.timedelta(days=16))
    ]


def test_tasks_show_what_awaits_each_user() -> None:
    world = make_world()
    v = compile_to(world, "joint_review")
    assert [x.pk for x in selectors.tasks_for(user=world.reviewer)["joint"]] == [v.pk]
    assert selectors.tasks_for(user=world.user("staff", "outsider"))["joint"] == []
    services.version_transition(version=v, transition="concur", actor=world.reviewer)
    assert [x.pk for x in selectors.tasks_for(user=world.lawyer)["legality"]] == [v.pk]


def test_withdraw_removes_item_from_public_catalog() -> None:
    world = make_world()
    v = compile_to(world, "published")
    services.version_transition(version=v, transition="withdraw", actor=world.approver, reason="法律废止")
    assert list(selectors.catalog_public_list()) == []
    _item, current, history = selectors.catalog_public_item(code=v.item.code)
    assert current is None and [h.status for h in history] == ["withdrawn"]


def test_content_roundtrips_through_a_version() -> None:
    world = make_world()
    c = content()
    v = services.item_create(actor=world.drafter, content=c)
    assert content_of(ItemVersion.objects.get(pk=v.pk)).model_dump() == c.model_dump()
