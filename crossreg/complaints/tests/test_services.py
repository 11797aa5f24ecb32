"""Intake, routing, deduplication, handling, rewards, the 12345 feed — through the services."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from crossreg.cases.models import CaseSource
from crossreg.clues.models import Clue
from crossreg.complaints import feed, services
from crossreg.complaints.models import Outbound, Reward, State, Submission, SubmissionEvent
from crossreg.complaints.services import Upload
from crossreg.complaints.tests.factories import NAME, PHONE
from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db

TEXT = "鹤鸣小厨后厨卫生很差，有老鼠出没，餐具不消毒"
# chinese-calendar covers 2004–2026 only: a 45-working-day clock started in December 2026 runs
# into 2027, which the calendar refuses to guess. The tests live in spring 2026.
RECEIVED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 3, 3)


def report(city: dict[str, Any], **kw: Any) -> Submission:
    args: dict[str, Any] = {
        "actor": "public:web",
        "kind": "report",
        "channel": "web",
        "text": TEXT,
        "entity_name": city["restaurant"].name,
        "contact_name": NAME,
        "contact_phone": PHONE,
        "matter_code": "food",
        "received_at": RECEIVED,
    }
    args.update(kw)
    return services.submission_intake(**args).submission


def wo(n: int, **kw: Any) -> dict[str, Any]:
    row = {
        "work_order_no": f"12345-20260301-{n:06d}",
        "received_at": "2026-03-01T09:30:00+08:00",
        "kind": "举报",
        "text": "鹤鸣小厨餐具不消毒，后厨有老鼠",
        "caller_name": NAME,
        "caller_phone": PHONE,
        "entity_name": "盐城市鹤鸣小厨餐饮有限公司",
        "matter": "food",
    }
    row.update(kw)
    return row


# --- intake -----------------------------------------------------------------------------------


def test_intake_resolves_the_entity_routes_and_starts_the_clock(city: dict[str, Any]) -> None:
    sub = report(city)
    assert sub.entity_id == city["restaurant"].pk and sub.resolution == "resolved"
    assert sub.department_id == "smr" and sub.routing_rule is not None
    assert sub.deadline is not None and sub.deadline_step == "verify"
    assert SubmissionEvent.objects.filter(submission=sub, transition="receive").count() == 1
    entry = Entry.objects.get(subject_type="complaint", subject_id=str(sub.pk), action="complaint.receive")
    assert {"type": "entity", "id": str(sub.entity_id)} in entry.payload["refs"]


def test_an_unknown_entity_waits_for_a_person_then_is_routed(city: dict[str, Any]) -> None:
    sub = report(city, entity_name="无名烧烤摊", place="亭湖区解放南路夜市", matter_code="")
    assert sub.resolution == "unresolved" and sub.entity_id is None
    assert sub.department_id == "smr"  # the fallback rule
    chem = services.submission_classify(actor=city["users"]["hotline"], submission=sub, matter_code="hazchem")
    assert chem.department_id == "mem"  # re-run on category change: first matching rule wins
    fixed = services.submission_classify(
        actor=city["users"]["hotline"], submission=chem, entity=city["restaurant"]
    )
    assert fixed.resolution == "resolved" and fixed.entity_id == city["restaurant"].pk


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"entity_name": "", "place": ""}, "entity"),
        ({"text": "  "}, "text"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"kind": "complaint", "contact_phone": ""}, "contact_phone"),
        ({"kind": "gossip"}, "kind"),
        ({"text": "<script>alert(1)</script>"}, "text"),
        ({"attachments": [Upload("x.exe", b"MZ...")]}, "attachments[0]"),
        ({"attachments": [Upload("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024))]}, "attachments[0]"),
        ({"attachments": [Upload("fake.pdf", b"not a pdf")]}, "attachments[0]"),
        ({"matter_code": "nope"}, "matter"),
    ],
)
def test_bad_intake_names_the_field_and_writes_nothing(
    city: dict[str, Any], kw: dict[str, Any], field: str
) -> None:
    before = (Submission.objects.count(), Entry.objects.count())
    with pytest.raises(Invalid) as exc:
        report(city, **kw)
    assert field in [p.field for p in exc.value.problems]
    assert (Submission.objects.count(), Entry.objects.count()) == before


def test_attachments_are_hashed_into_the_ledger(city: dict[str, Any]) -> None:
    import hashlib

    photo = b"\x89PNG\r\n" + b"kitchen" * 100
    sub = report(city, attachments=[Upload("kitchen.png", photo)])
    digest = hashlib.sha256(photo).hexdigest()
    assert sub.attachments.get().sha256 == digest
    entry = Entry.objects.get(subject_type="complaint", subject_id=str(sub.pk), action="complaint.receive")
    assert digest in entry.evidence


# --- dedup ------------------------------------------------------------------------------------


def test_three_channels_about_one_restaurant_become_one_clue(city: dict[str, Any]) -> None:
    u = city["users"]
    web = report(city)
    hotline = feed.feed_import(
        actor="system:hotline-feed", content=json.dumps([wo(1)]).encode(), file_name="a.json"
    )
    hot = Submission.objects.get(work_order_no=hotline.created[0])
    desk_result = services.submission_intake(
        actor=u["staff"],
        kind="report",
        channel="desk",
        text="来访反映：鹤鸣小厨 后厨 老鼠，餐具 不消毒",
        entity_uscc=city["restaurant"].uscc,
        contact_name="李明",
        contact_phone="13800001111",
        received_at=RECEIVED,
    )
    desk = desk_result.submission
    # The platform suggests the open original, about the same entity, with similar text.
    assert web.receipt_code in [g.submission.receipt_code for g in desk_result.suggestions]
    for dup in (hot, desk):
        services.submission_transition(
            actor=u["staff"], submission=dup, transition="mark_duplicate", original=web
        )
    web = services.submission_transition(actor=u["staff"], submission=web, transition="accept")
    web = services.submission_transition(
        actor=u["staff"], submission=web, transition="justify", reason="现场核实属实", reward_grade=1
    )
    assert list(Clue.objects.values_list("source", "source_ref", "entity_id")) == [
        ("complaint", web.receipt_code, city["restaurant"].pk)
    ]
    # A duplicate cannot be justified into a second clue.
    with pytest.raises(Conflict):
        services.submission_transition(actor=u["staff"], submission=desk, transition="accept")
    # The duplicates' submitters follow the original: its reply reaches them, the hotline one pushed back.
    services.submission_transition(
        actor=u["staff"], submission=web, transition="reply", reason="已立案调查，感谢监督"
    )
    hot.refresh_from_db()
    desk.refresh_from_db()
    assert hot.state == desk.state == State.REPLIED and hot.reply_text == "已立案调查，感谢监督"
    assert Outbound.objects.filter(work_order_no=hot.work_order_no).count() == 1
    assert Clue.objects.count() == 1


def test_unrelated_text_is_not_suggested(city: dict[str, Any]) -> None:
    report(city)
    other = services.submission_intake(
        actor="public:web",
        kind="enquiry",
        channel="web",
        text="请问办理食品经营许可证需要哪些材料",
        entity_name=city["restaurant"].name,
        contact_phone=PHONE,
        contact_name=NAME,
        received_at=RECEIVED,
    )
    assert other.suggestions == []


# --- the feed ---------------------------------------------------------------------------------


def test_a_work_order_imported_twice_creates_nothing_new(city: dict[str, Any]) -> None:
    content = json.dumps({"work_orders": [wo(1), wo(2, kind="咨询", text="咨询办证")]}).encode()
    first = feed.feed_import(actor="system:hotline-feed", content=content, file_name="a.json")
    counts = (Submission.objects.count(), Entry.objects.count(), SubmissionEvent.objects.count())
    second = feed.feed_import(actor="system:hotline-feed", content=content, file_name="a.json")
    assert len(first.created) == 2 and second.created == [] and len(second.unchanged) == 2
    assert (Submission.objects.count(), Entry.objects.count(), SubmissionEvent.objects.count()) == counts


def test_csv_feed(city: dict[str, Any]) -> None:
    csv_text = "work_order_no,received_at,kind,text,caller_name,caller_phone,entity_name\n" + (
        f"12345-20260301-000009,2026-03-01T10:00:00,投诉,饭菜里有异物要求赔偿,{NAME},{PHONE},盐城市鹤鸣小厨餐饮有限公司\n"
    )
    result = feed.feed_import(actor="system:hotline-feed", content=csv_text.encode(), file_name="b.csv")
    sub = Submission.objects.get(work_order_no=result.created[0])
    assert sub.kind == "complaint" and sub.channel == "hotline" and sub.deadline_step == "accept"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"work_order_no": "WO-1"}, "work_order_no"),
        ({"kind": "表扬"}, "kind"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"text": ""}, "text"),
        ({"colour": "red"}, "colour"),
        ({"entity_name": "", "address": ""}, "entity"),
    ],
)
def test_a_bad_row_refuses_the_whole_delivery_naming_row_and_field(
    city: dict[str, Any], row: dict[str, Any], field: str
) -> None:
    content = json.dumps([wo(1), wo(2, **row)]).encode()
    with pytest.raises(Invalid) as exc:
        feed.feed_import(actor="system:hotline-feed", content=content, file_name="c.json")
    assert (2, field) in [(p.row, p.field) for p in exc.value.problems]
    assert not Submission.objects.exists()


# --- handling ---------------------------------------------------------------------------------


def test_return_of_a_misrouted_submission_is_audited(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city)
    with pytest.raises(Invalid):
        services.submission_transition(actor=u["staff"], submission=sub, transition="return")
    back = services.submission_transition(
        actor=u["staff"], submission=sub, transition="return", reason="不属于本部门职责"
    )
    assert back.department_id is None
    entry = Entry.objects.get(subject_type="complaint", subject_id=str(sub.pk), action="complaint.return")
    assert entry.payload["returned_by"] == "smr"
    with pytest.raises(Forbidden):
        services.submission_transition(actor=u["staff"], submission=back, transition="accept")
    routed = services.submission_transition(
        actor=u["hotline"], submission=back, transition="route", department=city["departments"]["mem"]
    )
    assert routed.department_id == "mem"


def test_split_into_linked_children(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city, text="餐馆油烟扰民，同时后厨存放液化气瓶多个")
    services.submission_transition(
        actor=u["hotline"],
        submission=sub,
        transition="split",
        parts=[{"department": "smr", "text": "后厨卫生"}, {"department": "mem", "text": "液化气瓶"}],
    )
    sub.refresh_from_db()
    assert sub.state == State.SPLIT
    assert sorted(sub.children.values_list("department_id", flat=True)) == ["mem", "smr"]


def test_complaint_refuse_needs_a_reason_and_mediation_flows(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city, kind="complaint", text="吃饭后腹泻，要求退款被拒绝")
    assert sub.deadline_step == "accept"
    with pytest.raises(Invalid) as exc:
        services.submission_transition(actor=u["staff"], submission=sub, transition="refuse", today=DAY)
    assert exc.value.problems[0].field == "reason"
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="accept", today=DAY)
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="mediate", today=DAY)
    assert sub.deadline_step == "mediation"
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="agree", today=DAY, reason="商家退款200元"
    )
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="reply", today=DAY, reason="已调解"
    )
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="close", today=DAY, satisfaction="satisfied"
    )
    assert sub.state == State.CLOSED and sub.satisfaction == "satisfied" and sub.replied_on_time is True


def test_report_opens_a_case_source_and_extension_once(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city)
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="accept", today=DAY)
    first = sub.deadline
    assert first is not None
    with pytest.raises(Forbidden):
        services.submission_transition(
            actor=u["staff"], submission=sub, transition="extend", today=DAY, reason="需检测"
        )
    sub = services.submission_transition(
        actor=u["head"], submission=sub, transition="extend", today=DAY, reason="需检测"
    )
    assert sub.deadline is not None and sub.deadline > first
    with pytest.raises(Conflict):
        services.submission_transition(
            actor=u["head"], submission=sub, transition="extend", today=DAY, reason="再延"
        )
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="justify", today=DAY, reason="属实"
    )
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="open_case", today=DAY)
    assert sub.state == State.CASE_OPENED
    assert list(CaseSource.objects.values_list("department_id", "kind", "ref")) == [
        ("smr", "complaint", sub.receipt_code)
    ]


def test_overdue_steps_are_flagged(city: dict[str, Any]) -> None:
    sub = report(city)
    assert sub.deadline is not None
    assert services.deadlines_flag(today=sub.deadline) == 0
    assert services.deadlines_flag(today=sub.deadline + dt.timedelta(days=1)) == 1
    due = sub.deadline
    sub.refresh_from_db()
    assert sub.overdue
    assert services.deadlines_flag(today=due + dt.timedelta(days=2)) == 0


# --- rewards ----------------------------------------------------------------------------------


def decision(
    sub: Submission, fine: str, confiscation: str = "0", number: str = "盐市监处罚〔2026〕7号"
) -> dict[str, Any]:
    return {
        "case_number": number,
        "department_id": "smr",
        "entity_id": sub.entity_id,
        "penalty_kinds": ["fine"],
        "fine": fine,
        "confiscation": confiscation,
        "decided_on": "2026-04-01",
        "source": {"kind": "complaint", "ref": sub.receipt_code},
    }


@pytest.mark.parametrize(
    ("grade", "fine", "confiscation", "amount", "capped"),
    [
        (1, "100000", "20000", "6000.00", False),  # 5 % of 120,000
        (1, "50000", "0", "5000.00", False),  # 2,500 → the grade's minimum
        (2, "10000", "0", "3000.00", False),
        (3, "500000", "0", "5000.00", False),
        (1, "30000000", "5000000", "1000000.00", True),  # 1,750,000 → the cap
    ],
)
def test_reward_rule(grade: int, fine: str, confiscation: str, amount: str, capped: bool) -> None:
    from crossreg.complaints.conf import DEFAULT_REWARD_RULE

    _computed, got, was_capped = services.reward_amount(
        grade=grade, fine=Decimal(fine), confiscation=Decimal(confiscation), rule=DEFAULT_REWARD_RULE
    )
    assert (str(got), was_capped) == (amount, capped)


def test_reward_from_the_decision_approval_and_payment(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city)
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="accept")
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="justify", reason="属实", reward_grade=1
    )
    reward = services.reward_from_decision(actor="system:test", data=decision(sub, "30000000", "5000000"))
    assert reward is not None and reward.amount == Decimal("1000000.00") and reward.capped
    again = services.reward_from_decision(actor="system:test", data=decision(sub, "30000000", "5000000"))
    assert again is not None and again.pk == reward.pk and Reward.objects.count() == 1
    with pytest.raises(Forbidden):
        services.reward_transition(actor=u["staff"], reward=reward, transition="approve")
    reward = services.reward_transition(actor=u["head"], reward=reward, transition="approve")
    assert reward.state == "finance_review"  # above REWARD_FINANCE_ABOVE
    reward = services.reward_transition(actor=u["finance"], reward=reward, transition="finance_approve")
    with pytest.raises(Invalid):
        services.reward_transition(actor=u["finance"], reward=reward, transition="pay")
    reward = services.reward_transition(
        actor=u["finance"], reward=reward, transition="pay", payment_ref="ZF2026-001"
    )
    assert reward.state == "paid" and reward.paid_at is not None
    assert services.reporter_identity(actor=u["finance"], reward=reward)["phone"] == PHONE
    with pytest.raises(Forbidden):
        services.reporter_identity(actor=u["leader"], reward=reward)


def test_a_small_reward_needs_no_finance_approval(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city)
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="accept")
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="justify", reason="属实", reward_grade=3
    )
    reward = services.reward_from_decision(actor="system:test", data=decision(sub, "20000"))
    assert reward is not None and reward.amount == Decimal("1000.00")
    assert (
        services.reward_transition(actor=u["head"], reward=reward, transition="approve").state == "approved"
    )


def test_anonymous_and_organisations_get_no_reward(city: dict[str, Any]) -> None:
    anon = report(city, reporter_type="anonymous", contact_name="", contact_phone="")
    org = report(city, reporter_type="organisation", text="另一件：仓库里堆放过期原料")
    for sub in (anon, org):
        r = services.reward_from_decision(
            actor="system:test", data=decision(sub, "100000", number=f"N-{sub.pk}")
        )
        assert r is not None and r.state == "not_eligible" and r.amount == 0


def test_a_decision_from_another_source_is_ignored(city: dict[str, Any]) -> None:
    data = {"case_number": "X", "source": {"kind": "inspection", "ref": "T-1"}, "fine": "1000"}
    assert services.reward_from_decision(actor="system:test", data=data) is None


def test_the_case_decision_event_computes_the_reward(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.core.events import domain_event_publish

    sub = report(city)
    Submission.objects.filter(pk=sub.pk).update(reward_grade=2)
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_publish(type="case.decision.made", subject="case/1", data=decision(sub, "200000"))
    r = Reward.objects.get(submission=sub)
    assert r.amount == Decimal("6000.00") and r.grade == 2


# --- privacy ----------------------------------------------------------------------------------


def test_the_reporters_name_and_phone_are_in_no_ledger_payload_or_table_column(city: dict[str, Any]) -> None:
    u = city["users"]
    sub = report(city, text=TEXT)
    feed.feed_import(actor="system:hotline-feed", content=json.dumps([wo(5)]).encode(), file_name="x.json")
    sub = services.submission_transition(actor=u["staff"], submission=sub, transition="accept")
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="justify", reason="属实"
    )
    sub = services.submission_transition(
        actor=u["staff"], submission=sub, transition="reply", reason="已处理"
    )
    services.reward_from_decision(actor="system:test", data=decision(sub, "100000"))
    dump = json.dumps(
        [(e.action, e.payload, e.evidence) for e in Entry.objects.all()], ensure_ascii=False, default=str
    )
    assert NAME not in dump and PHONE not in dump
    assert "已处理" not in dump  # free text is hashed, not copied into the ledger
    raw = Submission.objects.get(pk=sub.pk)
    assert NAME not in raw.contact_cipher and PHONE not in raw.contact_cipher
    outbound = json.dumps([o.payload for o in Outbound.objects.all()], ensure_ascii=False)
    assert NAME not in outbound and PHONE not in outbound
    clues = json.dumps(list(Clue.objects.values()), ensure_ascii=False, default=str)
    assert NAME not in clues and PHONE not in clues


def test_now_is_timezone_aware() -> None:
    assert timezone.is_aware(timezone.now())


def test_events_go_to_the_outbox_without_the_person(city: dict[str, Any]) -> None:
    from crossreg.outbox.models import OutboxEvent

    u = city["users"]
    feed.feed_import(actor="system:hotline-feed", content=json.dumps([wo(7)]).encode(), file_name="x.json")
    hot = Submission.objects.get(work_order_no=wo(7)["work_order_no"])
    hot = services.submission_transition(actor=u["staff"], submission=hot, transition="accept", today=DAY)
    hot = services.submission_transition(
        actor=u["staff"], submission=hot, transition="justify", reason="属实", today=DAY
    )
    hot = services.submission_transition(actor=u["staff"], submission=hot, transition="open_case", today=DAY)
    services.submission_transition(
        actor=u["staff"], submission=hot, transition="reply", reason="已立案", today=DAY
    )
    types = list(OutboxEvent.objects.values_list("type", flat=True))
    assert "complaint.report.justified" in types and "complaint.reply.sent" in types
    sent = OutboxEvent.objects.get(type="complaint.reply.sent")
    assert sent.data["work_order_no"] == hot.work_order_no
    everything = json.dumps(
        [list(OutboxEvent.objects.values()), list(CaseSource.objects.values()), list(Clue.objects.values())],
        ensure_ascii=False,
        default=str,
    )
    assert NAME not in everything and PHONE not in everything
