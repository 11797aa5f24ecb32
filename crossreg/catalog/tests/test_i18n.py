"""Catalog (and sampling API) messages are translatable and follow the UI language; codes and fields
do not. The API's errors follow the language the user chose (docs/data-standard.md, "Errors")."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from crossreg.catalog.exchange import catalog_import
from crossreg.catalog.tests.factories import GOOD_ROWS, item_row, items_csv, make_world
from crossreg.core.errors import Invalid

APPS = Path(__file__).resolve().parents[2]
SOURCES = [
    APPS / "catalog" / "exchange.py",
    APPS / "catalog" / "content.py",
    APPS / "catalog" / "api.py",
    APPS / "catalog" / "selectors.py",
    APPS / "sampling" / "api.py",
]
TEMPLATES = [APPS / "catalog" / "templates" / "catalog" / "work_import.html"]
CJK = re.compile(r"[\u3400-\u9fff]+")
BARE = re.compile(r"""(?:Invalid|Conflict|Forbidden|NotFound|\.add)\(\s*f?["'][^"']*""")


def _gettext_ids(path: Path) -> list[str]:
    """The literal first arguments of ``_()`` / ``gettext()`` / ``gettext_lazy()`` calls in ``path``."""
    return [
        node.args[0].value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"_", "gettext", "gettext_lazy"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def _untranslated(ids: list[str]) -> list[str]:
    with translation.override("en"):
        return [m for m in ids if CJK.search(m) and translation.gettext(m) == m]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_error_message_is_translatable_and_has_english(path: Path) -> None:
    assert BARE.findall(path.read_text()) == [], "wrap these messages in gettext"
    ids = _gettext_ids(path)
    assert ids
    assert _untranslated(ids) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_the_import_page_has_no_bare_chinese_and_every_string_has_english(path: Path) -> None:
    text = path.read_text()
    simple = [m.group(2) for m in re.finditer(r"""{% translate (["'])(.*?)\1 %}""", text)]
    blocks = [
        re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", m.group(1))
        for m in re.finditer(r"{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}", text, re.S)
    ]
    rest = re.sub(r"{% blocktranslate.*?{% endblocktranslate %}|{%.*?%}|{{.*?}}", "", text, flags=re.S)
    assert CJK.findall(rest) == []
    assert simple and blocks and _untranslated(simple + blocks) == []
    for name in ("catalog/views.py", "catalog/forms.py"):
        assert _untranslated(_gettext_ids(APPS / name)) == []


def test_the_pages_messages_are_translatable() -> None:
    source = (APPS / "catalog" / "views.py").read_text()
    assert re.findall(r"""(?:messages\.\w+\(request, |Http404\()["'][^"']*""", source) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "未知部门代码“nosuch”"), ("en", "Unknown department code “nosuch”")],
)
def test_import_errors_follow_the_ui_language(language: str, message: str) -> None:
    make_world()
    data = items_csv([*GOOD_ROWS, item_row("JG-B-001", 1, dept="nosuch")])
    with translation.override(language), pytest.raises(Invalid) as exc:
        catalog_import(data=data, filename="items.csv", actor="system:test", dry_run=True)
    (p,) = exc.value.problems
    assert (p.message, p.field, p.code, p.row) == (message, "department", "unknown", 7)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "缺少列：实施部门代码"), ("en", "Missing columns: 实施部门代码")],
)
def test_file_errors_follow_the_ui_language_and_name_the_column_as_written(
    language: str, message: str
) -> None:
    with translation.override(language), pytest.raises(Invalid) as exc:
        catalog_import(
            data="事项编码,事项名称,设定依据\nA,B,C\n".encode(), filename="i.csv", actor="system:test"
        )
    assert [(p.message, p.field, p.code) for p in exc.value.problems] == [
        (message, "header", "missing_columns")
    ]


# --- the API: message in the user's language, code and field stable ----------------------------


def _detail(resp: Any) -> list[dict[str, Any]]:
    return list(resp.json()["detail"])


@pytest.mark.django_db
def test_api_error_message_follows_the_chosen_language_code_and_field_do_not(settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    world = make_world()
    chinese = Client().get("/api/v1/catalog/items/NOSUCH")
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = english.get("/api/v1/catalog/items/NOSUCH")
    assert chinese.status_code == en.status_code == 404
    assert _detail(chinese) == [{"message": "没有该监管事项", "code": "invalid", "field": "code"}]
    assert _detail(en) == [{"message": "No such supervision item", "code": "invalid", "field": "code"}]

    # a service's validation error through the API (a signed-in department user, JSON body)
    user = world.user("staff", "owner", "api-drafter")
    c = Client()
    c.force_login(user)
    body = {"code": "JG-X-1", "name": "x", "department": "scjg", "domains": ["nosuch"]}
    zh = c.post("/api/v1/catalog/items", body, content_type="application/json")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = c.post("/api/v1/catalog/items", body, content_type="application/json")
    assert zh.status_code == en.status_code == 400
    assert [(p["field"], p["code"]) for p in _detail(zh)] == [(p["field"], p["code"]) for p in _detail(en)]
    assert {"domains"} <= {p["field"] for p in _detail(en)}
    assert "未知领域代码“nosuch”" in [p["message"] for p in _detail(zh)]
    assert "Unknown domain code “nosuch”" in [p["message"] for p in _detail(en)]

    # the sampling API's messages too
    sampling = Client()
    sampling.force_login(user)
    resp = sampling.get("/api/v1/sampling/plans/NOSUCH")
    assert resp.status_code == 404 and _detail(resp) == [
        {"message": "没有该抽查计划", "code": "invalid", "field": "code"}
    ]
    sampling.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _detail(sampling.get("/api/v1/sampling/plans/NOSUCH"))[0]["message"] == "No such sampling plan"


@pytest.mark.django_db
def test_api_errors_do_not_follow_accept_language(settings: Any) -> None:
    """The platform speaks Chinese unless the user chose English (the language cookie), whatever the
    browser's or the system's Accept-Language says (crossreg.web.middleware)."""
    resp = Client().get("/api/v1/catalog/items/NOSUCH", HTTP_ACCEPT_LANGUAGE="en")
    assert _detail(resp)[0]["message"] == "没有该监管事项"
    assert resp["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_a_department_system_chooses_english_with_the_language_cookie(settings: Any) -> None:
    from crossreg.orgs.services import api_token_issue

    world = make_world()
    admin = world.user("admin", None, "token-admin")
    _token, secret = api_token_issue(
        actor=admin, name="市场监管业务系统", department=world.depts["owner"], scopes=["entities:read"]
    )
    system = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    zh = system.get("/api/v1/sampling/plans")
    system.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = system.get("/api/v1/sampling/plans")
    assert zh.status_code == en.status_code == 403
    assert _detail(zh) == [{"message": "抽查接口需要以个人身份登录", "code": "forbidden"}]
    assert _detail(en) == [{"message": "The sampling API needs a signed-in user", "code": "forbidden"}]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_bad_choice_in_a_row_is_named_in_the_ui_language(language: str) -> None:
    make_world()
    data = items_csv([item_row("JG-A-001", 1, methods="双随机;抽签")])
    with translation.override(language), pytest.raises(Invalid) as exc:
        catalog_import(data=data, filename="items.csv", actor="system:test", dry_run=True)
    (p,) = exc.value.problems
    assert (p.field, p.code, p.row) == ("methods", "literal_error", 2)
    expected = "“抽签”不是允许的值" if language == "zh-hans" else "“抽签” is not an allowed value"
    assert p.message.startswith(expected) and "random" in p.message
