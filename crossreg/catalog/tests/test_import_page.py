"""The import page (/catalog/work/import/): who may use it, the dry run, confirmation, bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crossreg.catalog import services
from crossreg.catalog.models import ItemVersion, SupervisionItem
from crossreg.catalog.tests.factories import (
    GOOD_ROWS,
    ITEM_HEADER,
    World,
    catalog_state,
    content,
    item_row,
    items_csv,
    make_world,
)
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db
URL = "/catalog/work/import/"
CONFIRM = "/catalog/work/import/confirm/"


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return make_world()


def _client(world: World, role: str, dept: str | None, *, superuser: bool = False) -> Client:
    user = world.user(role, dept, f"{role}-{dept}-{superuser}")
    if superuser:
        user.is_superuser = True
        user.save()
    c = Client()
    c.force_login(user)
    return c


def _upload(c: Client, data: bytes, name: str = "items.csv", **extra: str) -> Any:
    return c.post(URL, {"file": SimpleUploadedFile(name, data), **extra})


_state = catalog_state


def _staged(tmp_path: Path) -> list[Path]:
    return (
        sorted((tmp_path / "catalog-imports").rglob("*.bin"))
        if (tmp_path / "catalog-imports").exists()
        else []
    )


# --- permissions -----------------------------------------------------------------------------

ALLOWED = [("approval", "city_approval", False), ("admin", None, False), ("staff", None, True)]
REFUSED = [
    ("staff", "owner"),
    ("dept_admin", "owner"),
    ("officer", "owner"),
    ("approval", "county"),  # a county approval bureau files change requests; it does not import
    ("justice", "justice"),
    ("bigdata", None),
    ("leader", None),
]


@pytest.mark.parametrize(("role", "dept", "superuser"), ALLOWED)
def test_city_approval_bureau_and_administrators_may_use_the_page(
    world: World, role: str, dept: str | None, superuser: bool
) -> None:
    c = _client(world, role, dept, superuser=superuser)
    page = c.get(URL)
    assert page.status_code == 200
    assert 'name="file"' in page.content.decode()
    # only administrators choose to load a catalog as published
    assert ('name="mode"' in page.content.decode()) == (role == "admin" or superuser)
    assert "/catalog/work/import/" in c.get("/catalog/work/").content.decode()  # linked where they work


@pytest.mark.parametrize(("role", "dept"), REFUSED)
def test_everyone_else_gets_403_from_the_server(world: World, role: str, dept: str | None) -> None:
    c = _client(world, role, dept)
    before = _state()
    assert c.get(URL).status_code == 403
    assert _upload(c, items_csv(GOOD_ROWS)).status_code == 403
    assert c.post(CONFIRM, {"token": "0" * 32}).status_code == 403
    assert _state() == before
    assert "/catalog/work/import/" not in c.get("/catalog/work/").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    for resp in (Client().get(URL), Client().post(CONFIRM, {"token": "0" * 32})):
        assert resp.status_code == 302 and "/login/" in resp["Location"]


# --- the main path ---------------------------------------------------------------------------


def test_dry_run_then_confirm_then_the_same_file_changes_nothing(world: World, tmp_path: Path) -> None:
    c = _client(world, "approval", "city_approval")
    before = _state()
    review = _upload(c, items_csv(GOOD_ROWS))
    assert review.status_code == 200
    html = review.content.decode()
    assert "检查结果（尚未导入）" in html and "确认导入" in html
    assert html.count('data-action="create"') == 2 and "JG-A-001" in html and "JG-A-002" in html
    assert _state() == before  # the dry run wrote nothing
    assert len(_staged(tmp_path)) == 1
    token = review.context["confirm"].initial["token"]

    done = c.post(CONFIRM, {"token": token})
    assert done.status_code == 200
    html = done.content.decode()
    assert "导入完成" in html and "同一文件再次导入不会改变任何内容" in html
    assert 'href="/catalog/work/items/JG-A-001/"' in html and 'href="/catalog/work/items/JG-A-002/"' in html
    assert list(ItemVersion.objects.order_by("item__code").values_list("item__code", "number", "status")) == [
        ("JG-A-001", 1, "draft"),
        ("JG-A-002", 1, "draft"),
    ]
    assert Entry.objects.count() == before[-1] + 1  # one ledger entry for the import
    assert _staged(tmp_path) == []
    # confirming twice imports nothing more
    again = c.post(CONFIRM, {"token": token})
    assert again.status_code == 302 and again["Location"] == URL

    after = _state()
    same = _upload(c, items_csv(GOOD_ROWS))
    html = same.content.decode()
    assert same.status_code == 200 and "不会改变任何内容" in html
    assert html.count('data-action="unchanged"') == 2 and "确认导入" not in html
    assert _state() == after


def test_administrator_may_import_a_reviewed_catalog_as_published(world: World) -> None:
    c = _client(world, "admin", None)
    review = _upload(c, items_csv(GOOD_ROWS), mode="published")
    assert review.status_code == 200
    c.post(CONFIRM, {"token": review.context["confirm"].initial["token"]})
    assert set(ItemVersion.objects.values_list("status", flat=True)) == {"published"}


def test_the_approval_bureau_imports_drafts_whatever_mode_it_posts(world: World) -> None:
    c = _client(world, "approval", "city_approval")
    review = _upload(c, items_csv(GOOD_ROWS), mode="published")
    assert review.context["report"].mode == "draft"


def test_a_catalog_changed_since_the_dry_run_is_checked_again_at_confirmation(world: World) -> None:
    c = _client(world, "approval", "city_approval")
    review = _upload(c, items_csv(GOOD_ROWS))
    # meanwhile another department drafts an item with one of the file's codes
    services.item_create(actor=world.user("staff", "involved"), content=content("JG-A-002", dept="hbj"))
    before = _state()
    resp = c.post(CONFIRM, {"token": review.context["confirm"].initial["token"]})
    assert resp.status_code == 400
    assert [(p["row"], p["field"]) for p in resp.context["problems"]] == [(4, "department")]
    assert _state() == before


def test_a_token_of_another_user_is_refused(world: World) -> None:
    mine = _client(world, "approval", "city_approval")
    token = _upload(mine, items_csv(GOOD_ROWS)).context["confirm"].initial["token"]
    other = _client(world, "admin", None)
    assert other.post(CONFIRM, {"token": token}).status_code == 302
    assert SupervisionItem.objects.count() == 0


# --- bad files: a clear error naming the row and field, nothing written -------------------------


def _xlsx_garbage() -> bytes:
    return b"PK\x03\x04 this is not a workbook"


BAD_FILES = {
    "malformed xlsx": ("items.xlsx", _xlsx_garbage(), None, "file", "无法读取 XLSX 文件"),
    "malformed json": ("catalog.json", b'{"items": [', None, "file", "JSON 文件无效"),
    "unknown header": ("items.csv", "名称,地址\nA,B\n".encode(), None, "header", "无法识别的表头"),
    "wrong columns": (
        "items.csv",
        items_csv(
            [[c for c, h in zip(item_row("JG-A-001", 1), ITEM_HEADER, strict=True) if h != "实施部门代码"]],
            header=[h for h in ITEM_HEADER if h != "实施部门代码"],
        ),
        None,
        "header",
        "缺少列：实施部门代码",
    ),
    "bad extension": ("items.pdf", b"%PDF-1.4", None, "file", "只支持 .csv、.xlsx 和 .json 文件"),
    "empty": ("items.csv", "\ufeff".encode(), None, "file", "文件为空"),
    "a bad row": (
        "items.csv",
        items_csv([*GOOD_ROWS, item_row("JG-B-001", 1, dept="nosuch")]),
        7,
        "department",
        "未知部门代码“nosuch”",
    ),
    "a check point without basis": (
        "items.csv",
        items_csv([item_row("JG-A-001", 1), item_row("JG-A-001", 2, cp_legal_basis="")]),
        3,
        "cp_legal_basis",
        "必填",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_refused_naming_row_and_field_and_nothing_is_written(
    world: World, tmp_path: Path, case: str
) -> None:
    name, data, row, field, message = BAD_FILES[case]
    c = _client(world, "approval", "city_approval")
    before = _state()
    resp = _upload(c, data, name)
    assert resp.status_code == 400
    problems = resp.context["problems"]
    assert any(p["row"] == row and p["field"] == field and message in p["message"] for p in problems), (
        problems
    )
    html = resp.content.decode()
    assert "文件未通过检查，未导入任何内容" in html and message.replace("“", "&ldquo;")[:4] in html
    if row is not None:
        assert f"第 {row} 行" in html
    assert "确认导入" not in html
    assert _state() == before and _staged(tmp_path) == []


def test_an_oversize_file_is_refused_before_it_is_read(world: World, tmp_path: Path, settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "CATALOG_IMPORT_MAX_BYTES": 1024}
    c = _client(world, "approval", "city_approval")
    before = _state()
    resp = _upload(c, items_csv(GOOD_ROWS * 5))
    assert resp.status_code == 400
    assert [(p["field"], p["row"]) for p in resp.context["problems"]] == [("file", None)]
    assert "超过上限 1,024 字节" in resp.content.decode()
    assert _state() == before and _staged(tmp_path) == []


def test_no_file_chosen_is_a_form_error(world: World) -> None:
    c = _client(world, "approval", "city_approval")
    resp = c.post(URL, {})
    assert resp.status_code == 400 and resp.context["form"].errors["file"]


def test_errors_follow_the_ui_language(world: World, settings: Any) -> None:
    c = _client(world, "approval", "city_approval")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    resp = _upload(c, items_csv([*GOOD_ROWS, item_row("JG-B-001", 1, dept="nosuch")]))
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "Unknown department code “nosuch”" in resp.context["problems"][0]["message"]
    assert "The file did not pass the checks: nothing was imported" in html and "Row 7" in html
