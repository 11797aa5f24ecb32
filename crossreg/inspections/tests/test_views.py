"""The officer's pages and the working list of tasks (issue 18 items 2, 4, 7): the one-page checklist
with htmx marks, photo thumbnails, "submit" only after the confirmations, the list's filters, sort,
pager and XLSX/CSV exports (recorded in the read audit), due flags, the print view and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crossreg.core.pdf import FONT_CANDIDATES
from crossreg.inspections import services
from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.orgs.models import DataAccess, User
from crossreg.orgs.permissions import Principal
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, officer_user, sampling_city
from crossreg.web.tests.factories import UserFactory


def tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((200, 30, 30)) * 8
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * 8))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def city(db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    c = sampling_city(settings)
    drawn_plan(c, "smr", divisions=["320902"])
    drawn_plan(c, "mem", divisions=["320902"])
    sampling.period_pool(actor=c["root"], period=PERIOD, today=TODAY)
    c["joint"] = InspectionTask.objects.get(entity=c["hengda"])
    assert c["joint"].joint
    rows = list(c["joint"].officers.select_related("officer").order_by("-lead", "pk"))
    c["lead"] = officer_user(rows[0].officer, "lead_officer")
    c["second"] = officer_user(rows[1].officer, "second_officer")
    return c


def _login(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _work(city: dict[str, Any]) -> InspectionTask:
    """The joint task started, every point passed and its location recorded."""
    task, lead = city["joint"], city["lead"]
    services.task_transition(task=task, transition="start", actor=lead)
    for p in task.points.all():
        services.task_point_mark(task=task, point_id=p.pk, result="pass", actor=lead)
    services.task_location_set(task=task, actor=lead, text="亭湖区人民路 1 号")
    return InspectionTask.objects.get(pk=task.pk)


# --- the one-page checklist ------------------------------------------------------------------------


def test_mark_by_htmx_returns_the_point_and_progress_not_a_redirect(city: dict[str, Any]) -> None:
    task, lead = city["joint"], city["lead"]
    services.task_transition(task=task, transition="start", actor=lead)
    point = task.points.order_by("seq").first()
    assert point is not None
    c = _login(lead)
    page = c.get(f"/inspections/tasks/{task.code}/").content.decode()
    assert f'hx-post="/inspections/tasks/{task.code}/action/"' in page and 'hx-target="#p' in page
    r = c.post(
        f"/inspections/tasks/{task.code}/action/",
        {"action": "mark", "point": point.pk, "result": "pass", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert body.startswith(f'<li class="result" id="p{point.pk}"') and "<html" not in body
    assert 'id="progress" hx-swap-oob="true"' in body and f">1/{task.points.count()}<" in body
    point.refresh_from_db()
    assert point.result == "pass"


def test_mark_error_is_chinese_next_to_the_field_and_keeps_the_typed_values(city: dict[str, Any]) -> None:
    task, lead = city["joint"], city["lead"]
    services.task_transition(task=task, transition="start", actor=lead)
    point = task.points.order_by("seq").first()
    assert point is not None
    r = _login(lead).post(
        f"/inspections/tasks/{task.code}/action/",
        {"action": "mark", "point": point.pk, "result": "finding", "note": "  "},
        HTTP_HX_REQUEST="true",
    )
    body = r.content.decode()
    assert "发现问题时请填写问题说明" in body and "describe the finding" not in body
    assert f'data-testid="point-error-{point.seq}"' in body
    # the chosen result is still chosen
    assert f'value="finding" checked data-testid="result-{point.seq}-finding"' in body


def test_submit_is_offered_only_after_the_second_officer_confirms(city: dict[str, Any]) -> None:
    task = _work(city)
    lead, second = city["lead"], city["second"]
    services.task_transition(task=task, transition="complete", actor=lead)
    services.task_confirm(task=task, actor=lead)
    c = _login(lead)
    page = c.get(f"/inspections/tasks/{task.code}/").content.decode()
    assert 'data-testid="do-submit"' not in page
    second_name = second.officer.name
    assert 'data-testid="pending-confirmations"' in page and second_name in page
    # a submit posted anyway is refused in Chinese, naming who must still confirm
    r = c.post(f"/inspections/tasks/{task.code}/action/", {"action": "submit"}, follow=True)
    text = r.content.decode()
    assert (
        "尚需执法人员确认后才能提交" in text and second_name in text and "officers have confirmed" not in text
    )
    services.task_confirm(task=task, actor=second)
    page = c.get(f"/inspections/tasks/{task.code}/").content.decode()
    assert 'data-testid="do-submit"' in page and 'data-testid="submit-waiting"' not in page


def test_photo_thumbnail_for_the_task_s_readers_only(city: dict[str, Any]) -> None:
    task, lead = city["joint"], city["lead"]
    services.task_transition(task=task, transition="start", actor=lead)
    photo = services.task_photo_add(task=task, content=tiny_png(), filename="a.png", actor=lead)
    c = _login(lead)
    page = c.get(f"/inspections/tasks/{task.code}/").content.decode()
    thumb = f"/inspections/tasks/{task.code}/photos/{photo.pk}/thumb.jpg"
    assert f'src="{thumb}"' in page and photo.sha256 in page
    r = c.get(thumb)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r.content[:3] == b"\xff\xd8\xff"
    full = c.get(f"/inspections/tasks/{task.code}/photos/{photo.pk}/")
    assert b"".join(full.streaming_content) == tiny_png()  # type: ignore[attr-defined]
    stranger = UserFactory.create(
        username="stranger", role=User.Role.STAFF, department=city["departments"]["eeb"]
    )
    assert _login(stranger).get(thumb).status_code == 404


# --- the working list ------------------------------------------------------------------------------


def test_list_filters_sort_pager_and_query_count(
    city: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    staff = city["staff"]["smr"]
    c = _login(staff)
    total = InspectionTask.objects.visible_to(Principal.of(staff)).count()
    assert total >= 2
    r = c.get("/inspections/", {"per_page": 25})
    assert r.context["list"].total >= total
    # filter by status: no task has been started
    assert c.get("/inspections/", {"status": "in_progress"}).context["list"].total == 0
    joint = c.get("/inspections/", {"joint": "joint"}).context["list"]
    assert joint.total >= 1 and all(t.joint for t in joint.rows)
    assert city["hengda"].name in c.get("/inspections/", {"q": city["hengda"].name[:4]}).content.decode()
    # sorting: by entity name, both ways
    asc = [t.entity.name for t in c.get("/inspections/", {"sort": "entity"}).context["list"].rows]
    desc = [t.entity.name for t in c.get("/inspections/", {"sort": "-entity"}).context["list"].rows]
    assert asc == sorted(asc) and desc == sorted(desc, reverse=True)
    # an unknown sort or choice is ignored, not passed on
    assert c.get("/inspections/", {"sort": "entity__uscc; drop", "status": "bogus"}).status_code == 200
    # the page's queries do not grow with its rows
    with django_assert_max_num_queries(30) as few:
        c.get("/inspections/", {"per_page": 25})
    n_small = len(few.captured_queries)
    with django_assert_max_num_queries(n_small):
        c.get("/inspections/", {"per_page": 100})


def test_pager_splits_pages(city: dict[str, Any], settings: Any) -> None:
    staff = city["staff"]["smr"]
    c = _login(staff)
    total = c.get("/inspections/").context["list"].total
    if total <= 25:
        # make enough tasks: clue visits for the same entity
        for i in range(26 - total):
            services.task_create(
                actor="system:clues",
                entity=city["hengda"],
                trigger="clue",
                source_ref=f"XS-{i:04d}",
                period=PERIOD,
                lead_department="smr",
                items={"smr": [city["versions"]["smr"].pk]},
                window_start=TODAY,
                window_end=TODAY,
            )
    first = c.get("/inspections/").context["list"]
    second = c.get("/inspections/", {"page": 2}).context["list"]
    assert first.page.has_next() and second.page.number == 2
    assert not {t.pk for t in first.rows} & {t.pk for t in second.rows}
    assert 'rel="next"' in c.get("/inspections/").content.decode()


def test_xlsx_export_of_a_filtered_list_is_audited(city: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    staff = city["staff"]["smr"]
    c = _login(staff)
    r = c.get("/inspections/", {"joint": "joint", "export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert head[0] == "任务编号" and "检查对象" in head and "执法人员" in head
    expected = set(
        InspectionTask.objects.visible_to(
            __import__("crossreg.orgs.permissions", fromlist=["Principal"]).Principal.of(staff)
        )
        .filter(joint=True)
        .values_list("code", flat=True)
    )
    assert {row[0] for row in body} == expected and expected
    kinds = head.index("类型")
    assert {row[kinds] for row in body} == {"联合检查"}
    access = DataAccess.objects.get(kind=DataAccess.Kind.EXPORT, what="inspection-tasks.xlsx")
    assert access.rows == len(body) and access.user_id == staff.pk


def test_csv_export_is_utf8_with_a_bom(city: dict[str, Any]) -> None:
    staff = city["staff"]["smr"]
    r = _login(staff).get("/inspections/", {"export": "csv"})
    assert r.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][:2] == ["任务编号", "检查对象"]
    assert city["hengda"].name in {row[1] for row in table[1:]}
    assert DataAccess.objects.filter(what="inspection-tasks.csv").count() == 1


def test_public_results_csv_opens_in_excel(city: dict[str, Any]) -> None:
    task = city["joint"]
    task.points.update(result="pass")
    InspectionTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.PUBLISHED, inspected_on=TODAY, published_at=timezone.now()
    )
    r = Client().get("/inspections/public/results.csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and r["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0]["entity"] == task.entity.name


def test_a_task_whose_window_ended_in_october_is_overdue_in_december(
    city: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    task = city["joint"]
    InspectionTask.objects.filter(pk=task.pk).update(
        window_start=dt.date(2025, 10, 1), window_end=dt.date(2025, 10, 31)
    )
    InspectionTask.objects.exclude(pk=task.pk).update(window_end=dt.date(2025, 12, 20))
    soon = InspectionTask.objects.exclude(pk=task.pk).first()
    assert soon is not None
    InspectionTask.objects.filter(pk=soon.pk).update(
        window_start=dt.date(2025, 12, 1), window_end=dt.date(2025, 12, 5)
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2025, 12, 3))
    c = _login(city["staff"]["smr"])
    overdue = c.get("/inspections/", {"due": "overdue"}).context["list"]
    assert [t.code for t in overdue.rows] == [task.code]
    assert 'data-testid="due-overdue"' in c.get("/inspections/", {"due": "overdue"}).content.decode()
    assert soon.code in [t.code for t in c.get("/inspections/", {"due": "soon"}).context["list"].rows]
    # in the export too
    table = list(
        csv.reader(io.StringIO(c.get("/inspections/", {"export": "csv"}).content.decode("utf-8-sig")))
    )
    col = table[0].index("期限提示")
    assert {r[0]: r[col] for r in table[1:]}[task.code] == "已逾期"
    # the officer sees it on their own list
    page = _login(city["lead"]).get("/inspections/").content.decode()
    assert 'data-testid="overdue-mine"' in page
    # once submitted, the visit is no longer overdue (its publication deadline counts instead)
    InspectionTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.SUBMITTED, result_due=dt.date(2025, 12, 20)
    )
    assert c.get("/inspections/", {"due": "overdue"}).context["list"].total == 0


# --- print view and PDF ------------------------------------------------------------------------------


def test_print_view_has_checklist_results_officers_photos_and_proof_link(city: dict[str, Any]) -> None:
    task = _work(city)
    photo = services.task_photo_add(task=task, content=tiny_png(), filename="a.png", actor=city["lead"])
    page = _login(city["lead"]).get(f"/inspections/tasks/{task.code}/record/").content.decode()
    assert "检查记录表" in page
    for p in task.points.all():
        assert p.content in page
    assert "通过" in page
    for o in task.officers.select_related("officer"):
        assert o.officer.name in page and o.officer.certificate_no in page
    assert f"/inspections/tasks/{task.code}/photos/{photo.pk}/thumb.jpg" in page and photo.sha256 in page
    assert f"/ledger/subject/inspection.task/{task.code}/" in page


@pytest.mark.skipif(not any(Path(p).exists() for p in FONT_CANDIDATES), reason="no CJK font installed")
def test_record_pdf(city: dict[str, Any]) -> None:
    task = _work(city)
    services.task_photo_add(task=task, content=tiny_png(), filename="a.png", actor=city["lead"])
    r = _login(city["lead"]).get(f"/inspections/tasks/{task.code}/record.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r["Content-Type"] == "application/pdf"
    assert f"/ledger/subject/inspection.task/{task.code}/".encode() in r.content  # the proof link
    assert DataAccess.objects.filter(what="inspection.record.pdf", subject_id=task.code).exists()
